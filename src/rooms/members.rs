//! Membership (spec 03 §3.4): add and remove, self join and leave, member pages.

use serde::{Deserialize, Serialize};

use super::*;
use crate::command::Exec;
use crate::error::Result;
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::lock_users;

/// One per-user result of a batch command (HTTP 200 even when `result` is false).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomBatchItem {
    /// Whether it applied to this user.
    pub result: bool,
    /// Who.
    pub user: UserName,
    /// Why not, when `result` is false.
    pub reason: Option<String>,
}

impl RoomBatchItem {
    pub(super) fn ok(user: UserName) -> Self {
        RoomBatchItem {
            result: true,
            user,
            reason: None,
        }
    }
    pub(super) fn fail(user: UserName, reason: impl Into<String>) -> Self {
        RoomBatchItem {
            result: false,
            user,
            reason: Some(reason.into()),
        }
    }
}

/// The batch rule of §0: if every item failed because its user is not a member, the call
/// fails with `E_NOT_MEMBER` for the first.
pub(super) fn all_not_member(items: &[(RoomBatchItem, bool)]) -> Result<()> {
    if !items.is_empty() && items.iter().all(|(_, not_member)| *not_member) {
        return err(RoomError::NotMember(items[0].0.user.to_string()));
    }
    Ok(())
}

pub(super) fn not_in_group(user: &UserName, room: RoomId) -> String {
    format!("user: {user} doesn't exist in group: {room}")
}

pub(super) fn not_in_chatroom(user: &UserName, room: RoomId) -> String {
    format!("user: {user} doesn't exist in chatroom: {room}")
}

fn at_user_cap(lim: &RoomLimits, s: &UserState) -> bool {
    lim.rooms_per_user_max
        .is_some_and(|m| joined_count(s) >= m as usize)
}

/// Whether `n` more members (none of them the owner) fit.
fn fits(r: &Room, n: usize) -> bool {
    r.seats() + n <= r.maxusers as usize
}

/// Adds one user to a room (`POST /chatrooms/{id}/users/{user}`). The app admin only.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `403 forbidden_op` "user: {user} is
/// in blacklist of chatroom: {room}", "can not join this group, reason:user: {user} already
/// in group: {room}"; `403 exceed_limit` "members size is greater than max user size !"
/// (the owner re-joining skips it); `403 forbidden_op` "can not join this group,
/// reason:user {user} has joined too many chatrooms!".
///
/// Emits `MemberJoined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddRoomMember {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for AddRoomMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let app = cx.app;
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let t = target(cx, &self.user);
        let mut r = cell.write_live()?;
        if r.role(&me) != Role::App {
            return err(RoomError::Permission);
        }
        let t = t?;
        let mut s = t.state.write();
        if s.gone {
            return err(RoomError::UserNotFound(self.user.to_string()));
        }
        if r.blocks.contains_key(&t.id) {
            return Err(re(RoomError::Blocked {
                user: self.user.to_string(),
                room: self.room,
            }));
        }
        if r.is_member(t.id) {
            return Err(re(RoomError::AlreadyMember {
                user: self.user.to_string(),
                room: self.room,
            }));
        }
        if t.id != r.owner && !fits(&r, 1) {
            return Err(re(RoomError::Full));
        }
        if at_user_cap(&app.limits.rooms, &s) {
            return Err(re(RoomError::JoinedTooMany(self.user.to_string())));
        }
        r.add(t.id, self.user.clone());
        index_join(&mut s, self.room);
        drop((s, r));
        emit(
            cx,
            RoomEvent::MemberJoined {
                room: self.room,
                user: self.user,
            },
        );
        Ok(true)
    }
}

/// Adds up to 60 users (`POST /chatrooms/{id}/users`). The app admin only. Members already in
/// the room, blocked users and users at their room limit are skipped silently.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "addMembers:
/// addMembers number more than maxSize : 60" (also for none); `E_USER` (any unknown user,
/// nothing added); `403 exceed_limit` "members size is greater than max user size !" (the
/// rest do not fit, nothing added).
///
/// Emits `MemberJoined` per user added. Returns the users added (`newmembers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for AddRoomMembers {
    type Reply = Vec<UserName>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<UserName>> {
        let app = cx.app;
        let lim = &app.limits.rooms;
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let names = distinct(&self.users);
        let cells: Vec<_> = names.iter().map(|n| app.user(n)).collect();
        let mut r = cell.write_live()?;
        if r.role(&me) != Role::App {
            return err(RoomError::Permission);
        }
        if self.users.is_empty() || self.users.len() > lim.add_members_batch_max {
            return Err(re(RoomError::AddBatch(lim.add_members_batch_max)));
        }
        let mut found = Vec::with_capacity(cells.len());
        for (n, c) in names.iter().zip(cells) {
            found.push(c.ok_or_else(|| RoomError::UserNotFound(n.to_string()))?);
        }
        let mut guards = lock_users(&found);
        let mut add = Vec::new();
        for (n, c) in names.iter().zip(&found) {
            let g = &guards[locked(&guards, c.id)].1;
            if g.gone {
                return err(RoomError::UserNotFound(n.to_string()));
            }
            if r.is_member(c.id) || r.blocks.contains_key(&c.id) || at_user_cap(lim, g) {
                continue;
            }
            add.push((c.id, n.clone()));
        }
        let newcomers = add.iter().filter(|(u, _)| *u != r.owner).count();
        if !fits(&r, newcomers) {
            return Err(re(RoomError::Full));
        }
        for (u, n) in &add {
            r.add(*u, n.clone());
            let at = locked(&guards, *u);
            let g = &mut guards[at].1;
            index_join(g, self.room);
        }
        drop(guards);
        drop(r);
        let added: Vec<UserName> = add.into_iter().map(|(_, n)| n).collect();
        for n in &added {
            emit(
                cx,
                RoomEvent::MemberJoined {
                    room: self.room,
                    user: n.clone(),
                },
            );
        }
        Ok(added)
    }
}

/// Removes one member (`DELETE /chatrooms/{id}/users/{user}`): departure `Kicked`; they may
/// re-join. The owner, admins (ordinary members only), the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `E_OWNER`; `E_PERM` (an admin
/// removing an admin); `E_NOT_MEMBER`.
///
/// Emits `MemberExited{Kicked}` (+ `AttributesRemoved`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRoomMember {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveRoomMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        depart_one(cx, self.room, &self.user, RoomExitReason::Kicked)?;
        Ok(true)
    }
}

/// Kicks or blocks one member: the checks and the departure shared by [`RemoveRoomMember`]
/// and `BlockRoomUser` (which also appends the user to the block list, under the same lock).
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `E_OWNER`; `E_PERM` (an admin acting
/// on an admin); `E_NOT_MEMBER`.
pub(super) fn depart_one(
    cx: &mut Ctx<'_>,
    id: RoomId,
    user: &UserName,
    reason: RoomExitReason,
) -> Result<()> {
    let cell = room(cx, id)?;
    let me = who(cx);
    let t = target(cx, user);
    let mut r = cell.write_live()?;
    let role = r.role(&me);
    if !role.manages() {
        return err(RoomError::Permission);
    }
    let t = t?;
    if t.id == r.owner {
        return err(RoomError::OnOwner);
    }
    if role == Role::Admin && r.admins.contains(&t.id) {
        return err(RoomError::Permission);
    }
    if !r.is_member(t.id) {
        return err(RoomError::NotMember(user.to_string()));
    }
    r.depart(cx, t.id, reason);
    if reason == RoomExitReason::Blocked {
        r.blocks.insert(t.id, user.clone());
    }
    let linked = r.mentions(t.id);
    index_leave(&mut t.state.write(), id, linked);
    Ok(())
}

/// The per-item verdicts of a batch kick or block (owner, admin-on-admin, not a member),
/// with whether each failed for not being a member.
pub(super) fn depart_batch(
    r: &Room,
    role: Role,
    names: &[UserName],
    cells: &[Option<Arc<UserCell>>],
    not_member: impl Fn(&UserName) -> String,
) -> Vec<(RoomBatchItem, bool)> {
    let mut items = Vec::with_capacity(names.len());
    for (n, c) in names.iter().zip(cells) {
        let Some(c) = c else {
            items.push((RoomBatchItem::fail(n.clone(), not_member(n)), true));
            continue;
        };
        if c.id == r.owner {
            items.push((RoomBatchItem::fail(n.clone(), ROOM_OWNER_DESC), false));
        } else if role == Role::Admin && r.admins.contains(&c.id) {
            items.push((RoomBatchItem::fail(n.clone(), ROOM_PERM_DESC), false));
        } else if !r.is_member(c.id) {
            items.push((RoomBatchItem::fail(n.clone(), not_member(n)), true));
        } else {
            items.push((RoomBatchItem::ok(n.clone()), false));
        }
    }
    items
}

/// Removes up to 100 users (`DELETE /chatrooms/{id}/users/{u1,u2}`), one item per distinct
/// user in request order. The owner, admins (ordinary members only), the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "kickMember:
/// kickMembers number more than maxSize : 100" (also for none); `E_NOT_MEMBER` when every
/// user is not a member. Item reasons: "user: {user} doesn't exist in group: {room}" (not a
/// member or unknown), "forbidden operation on group owner!", the `E_PERM` text (an admin
/// removing an admin).
///
/// Emits `MemberExited{Kicked}` per user removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for RemoveRoomMembers {
    type Reply = Vec<RoomBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomBatchItem>> {
        let max = cx.app.limits.rooms.remove_members_batch_max;
        let id = self.room;
        kick_or_block(
            cx,
            id,
            &self.users,
            (max, RoomError::RemoveBatch(max)),
            RoomExitReason::Kicked,
            |n| not_in_group(n, id),
        )
    }
}

/// Batch kick (`Kicked`) or block (`Blocked`): checks, per-item results, departures, index.
pub(super) fn kick_or_block(
    cx: &mut Ctx<'_>,
    id: RoomId,
    users: &[UserName],
    (max, size_err): (usize, RoomError),
    reason: RoomExitReason,
    not_member: impl Fn(&UserName) -> String,
) -> Result<Vec<RoomBatchItem>> {
    let app = cx.app;
    let cell = room(cx, id)?;
    let me = who(cx);
    let names = distinct(users);
    let cells: Vec<_> = names.iter().map(|n| app.user(n)).collect();
    let mut r = cell.write_live()?;
    let role = r.role(&me);
    if !role.manages() {
        return err(RoomError::Permission);
    }
    if users.is_empty() || users.len() > max {
        return err(size_err);
    }
    let items = depart_batch(&r, role, &names, &cells, not_member);
    all_not_member(&items)?;
    let mut leaving = Vec::new();
    for ((item, _), c) in items.iter().zip(&cells) {
        if item.result {
            let c = c.as_ref().expect("found");
            r.depart(cx, c.id, reason);
            if reason == RoomExitReason::Blocked {
                r.blocks.insert(c.id, item.user.clone());
                emit(
                    cx,
                    RoomEvent::BlockListAdded {
                        room: id,
                        user: item.user.clone(),
                    },
                );
            }
            leaving.push(Arc::clone(c));
        }
    }
    let linked: Vec<bool> = leaving.iter().map(|c| r.mentions(c.id)).collect();
    for (c, l) in leaving.iter().zip(linked) {
        index_leave(&mut c.state.write(), id, l);
    }
    drop(r);
    Ok(items.into_iter().map(|(i, _)| i).collect())
}

/// Joins a room as oneself (client join). The user themself or the app admin. Already a
/// member: success, no change (OPEN 11). With `leave_other_rooms`, every other room the user
/// is in is left first (reason `Left`) once the join's own checks pass.
///
/// Errors, in check order: `E_ROOM`; `E_PERM` (another user); `E_USER`; `403 forbidden_op`
/// "user: {user} is in blacklist of chatroom: {room}"; `403 exceed_limit` "members size is
/// greater than max user size !" (not for the owner); `403 forbidden_op` "can not join this
/// group, reason:user {user} has joined too many chatrooms!".
///
/// Emits `MemberExited{Left}` per room left, then `MemberJoined`. Returns false when the user
/// was already a member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRoom {
    /// Which.
    pub room: RoomId,
    /// Who (the caller, for a user token).
    pub user: UserName,
    /// Leave every other room first.
    pub leave_other_rooms: bool,
}

fn self_or_admin(cx: &Ctx<'_>, user: &UserName) -> Result<()> {
    match cx.actor {
        Actor::Admin => Ok(()),
        Actor::User(u) if u == user => Ok(()),
        _ => err(RoomError::Permission),
    }
}

impl Exec for JoinRoom {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let app = cx.app;
        let lim = &app.limits.rooms;
        let cell = room(cx, self.room)?;
        let t = target(cx, &self.user);
        {
            let r = cell.read_live(false)?;
            self_or_admin(cx, &self.user)?;
            let t = t.as_ref().map_err(Clone::clone)?;
            if r.blocks.contains_key(&t.id) {
                return Err(re(RoomError::Blocked {
                    user: self.user.to_string(),
                    room: self.room,
                }));
            }
            if r.is_member(t.id) {
                return Ok(false);
            }
            if t.id != r.owner && !fits(&r, 1) {
                return Err(re(RoomError::Full));
            }
        }
        let t = t?;
        // The target and every room to leave are locked together (rooms in id order, then the
        // user) and every check runs before anything changes: the join applies whole or not
        // at all, and a refused join leaves the user in their other rooms.
        let others: Vec<RoomId> = if self.leave_other_rooms {
            t.state
                .read()
                .extra()
                .map(|x| {
                    x.rooms
                        .joined
                        .iter()
                        .copied()
                        .filter(|o| *o != self.room)
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut cells: Vec<Arc<RoomCell>> =
            others.iter().filter_map(|o| app.rooms.cell(*o)).collect();
        cells.push(Arc::clone(&cell));
        cells.sort_by_key(|c| c.id);
        cells.dedup_by_key(|c| c.id);
        let mut rooms: Vec<_> = cells.iter().map(|c| (c.id, c.state.write())).collect();
        let ti = rooms
            .iter()
            .position(|(id, _)| *id == self.room)
            .unwrap_or(0);
        if !rooms[ti].1.live {
            return err(RoomError::NotFound(self.room));
        }
        let mut s = t.state.write();
        if s.gone {
            return err(RoomError::UserNotFound(self.user.to_string()));
        }
        {
            let r = &rooms[ti].1;
            if r.blocks.contains_key(&t.id) {
                return Err(re(RoomError::Blocked {
                    user: self.user.to_string(),
                    room: self.room,
                }));
            }
            if r.is_member(t.id) {
                return Ok(false);
            }
            if t.id != r.owner && !fits(r, 1) {
                return Err(re(RoomError::Full));
            }
        }
        let leaving = rooms
            .iter()
            .filter(|(id, o)| *id != self.room && o.live && o.is_member(t.id))
            .count();
        if lim
            .rooms_per_user_max
            .is_some_and(|m| joined_count(&s).saturating_sub(leaving) >= m as usize)
        {
            return Err(re(RoomError::JoinedTooMany(self.user.to_string())));
        }
        for (id, o) in rooms.iter_mut() {
            if *id != self.room && o.live && o.depart(cx, t.id, RoomExitReason::Left) {
                let linked = o.mentions(t.id);
                index_leave(&mut s, *id, linked);
            }
        }
        let r = &mut rooms[ti].1;
        r.add(t.id, self.user.clone());
        index_join(&mut s, self.room);
        drop(s);
        drop(rooms);
        emit(
            cx,
            RoomEvent::MemberJoined {
                room: self.room,
                user: self.user,
            },
        );
        Ok(true)
    }
}

/// Leaves a room as oneself. The user themself or the app admin. The owner may leave: they
/// stay owner, keep a seat, and are absent from member lists until they re-join (OPEN 13).
///
/// Errors, in check order: `E_ROOM`; `E_PERM` (another user); `E_USER`; `E_NOT_MEMBER`.
///
/// Emits `MemberExited{Left}` (+ `AttributesRemoved`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveRoom {
    /// Which.
    pub room: RoomId,
    /// Who (the caller, for a user token).
    pub user: UserName,
}

impl Exec for LeaveRoom {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        let cell = room(cx, self.room)?;
        let t = target(cx, &self.user);
        let mut r = cell.write_live()?;
        self_or_admin(cx, &self.user)?;
        let t = t?;
        if !r.is_member(t.id) {
            return err(RoomError::NotMember(self.user.to_string()));
        }
        r.depart(cx, t.id, RoomExitReason::Left);
        let l = r.mentions(t.id);
        index_leave(&mut t.state.write(), self.room, l);
        Ok(())
    }
}

/// Members, page mode (`GET /chatrooms/{id}/users?pagenum&pagesize`): the owner first if
/// present, then the others by join time. `pagenum` default 1, `pagesize` default and cap
/// 1000 (0 ⇒ default). Members, the owner, the app admin.
///
/// Errors, in check order: `E_ROOM_Q`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRoomMembers {
    /// Which.
    pub room: RoomId,
    /// 1-based page.
    pub pagenum: Option<u32>,
    /// Page size.
    pub pagesize: Option<u32>,
}

impl Ask for ListRoomMembers {
    type Reply = Vec<RoomAffiliation>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<RoomAffiliation>> {
        let cell = room_q(cx, self.room)?;
        let me = who(cx);
        let r = cell.read_live(true)?;
        if !r.role(&me).inside() {
            return err(RoomError::Permission);
        }
        let size = match self.pagesize {
            None | Some(0) => ROOM_MEMBERS_PAGE_MAX,
            Some(n) => n.min(ROOM_MEMBERS_PAGE_MAX),
        } as usize;
        let num = self.pagenum.unwrap_or(1).max(1) as usize;
        let skip = (num - 1).saturating_mul(size);
        Ok(lifecycle::affiliation_page(&r, skip, size))
    }
}

const MEMBERS_CURSOR: &str = "m";

/// Members, cursor mode (`…/users?version=v3&limit&cursor&sort`): the owner excluded, by join
/// time ascending (or descending with `desc`). `limit` default 10, cap 1000 (0 ⇒ default).
/// The cursor is present only when more follow.
///
/// Errors, in check order: `E_ROOM_Q`; `E_PERM`; `400 invalid_parameter` "cursor is invalid".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRoomMembersCursor {
    /// Which.
    pub room: RoomId,
    /// Page size.
    pub limit: Option<u32>,
    /// From a previous page.
    pub cursor: Option<String>,
    /// Latest join first.
    pub desc: bool,
}

impl Ask for ListRoomMembersCursor {
    type Reply = Page<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<UserName>> {
        let cell = room_q(cx, self.room)?;
        let me = who(cx);
        let r = cell.read_live(true)?;
        if !r.role(&me).inside() {
            return err(RoomError::Permission);
        }
        let limit = match self.limit {
            None | Some(0) => ROOM_MEMBERS_CURSOR_DEFAULT,
            Some(n) => n.min(ROOM_MEMBERS_PAGE_MAX),
        } as usize;
        let after = match &self.cursor {
            Some(c) => Some(
                paging::decode::<1>(MEMBERS_CURSOR, c).map_err(|_| re(RoomError::BadCursor))?[0],
            ),
            None => None,
        };
        use std::ops::Bound::{Excluded, Unbounded};
        let it: Box<dyn Iterator<Item = (&u64, &UserId)>> = match (self.desc, after) {
            (false, None) => Box::new(r.order.iter()),
            (false, Some(a)) => Box::new(r.order.range((Excluded(a), Unbounded))),
            (true, None) => Box::new(r.order.iter().rev()),
            (true, Some(a)) => Box::new(r.order.range(..a).rev()),
        };
        let mut it = it.filter(|(_, u)| **u != r.owner);
        let mut items = Vec::with_capacity(limit);
        let mut last = None;
        for (seq, u) in it.by_ref().take(limit) {
            items.push(r.members[u].name.clone());
            last = Some(*seq);
        }
        let more = it.next().is_some();
        let cursor = match (more, last) {
            (true, Some(l)) => Some(paging::encode(MEMBERS_CURSOR, &[l])),
            _ => None,
        };
        Ok(Page { items, cursor })
    }
}

/// Whether a user is a present member of a room (an owner who left is not). The app admin,
/// or the user themself; unknown users are not members.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsRoomMember {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for IsRoomMember {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        let cell = room(cx, self.room)?;
        let t = cx.app.user(&self.user);
        let r = cell.read_live(false)?;
        self_or_admin(cx, &self.user)?;
        Ok(t.is_some_and(|t| r.is_member(t.id)))
    }
}
