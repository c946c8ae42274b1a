//! Membership (spec 03 §3.4): add and remove, self join and leave, member pages, and the two
//! moves every other rule builds on: [`enter`] and [`depart`] (with its side effects).

use serde::{Deserialize, Serialize};

use super::lifecycle::affiliation_page;
use super::{
    ROOM_OWNER_DESC, ROOM_PERM_DESC, Room, RoomAffiliation, RoomError, RoomEvent, RoomExitReason,
    emit, find, open, open_batch, open_q, self_or_admin, target,
};
use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{RoomId, UserId, UserName};
use crate::limits::{ROOM_MEMBERS_CURSOR_DEFAULT, ROOM_MEMBERS_PAGE_MAX};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::roster::{BatchItem, Role, resolve};
use crate::store::State;

/// Makes `u` a member of room `id` at the end of the join order (an owner who left is back),
/// indexes it for them and emits `MemberJoined`. The caller checked that they may join.
pub(super) fn enter(cx: &mut Ctx<'_>, id: RoomId, u: UserId, name: UserName) {
    let rooms = &mut cx.st.rooms;
    let r = rooms.get_mut(id).expect("the caller found the room");
    r.roster.join(u, name.clone(), cx.now);
    if u == r.roster.owner {
        r.owner_left = false;
    }
    rooms.refresh(id, u);
    emit(
        &mut cx.out,
        RoomEvent::MemberJoined {
            room: id,
            user: name,
        },
    );
}

/// Removes `u` from room `id`'s members with the departure side effects (§3.4): the admin role
/// goes, the `DELETE` attributes they own go (their bytes back to the app), an owner who
/// `Left` keeps their seat; mute and allow entries stay. Emits `MemberExited`, then
/// `AttributesRemoved` (operator: the departing user) if keys went. False if `u` was not a
/// member.
pub(super) fn depart(cx: &mut Ctx<'_>, id: RoomId, u: UserId, reason: RoomExitReason) -> bool {
    let rooms = &mut cx.st.rooms;
    let Some(r) = rooms.get_mut(id) else {
        return false;
    };
    let Some(m) = r.roster.leave(u) else {
        return false;
    };
    if u == r.roster.owner && reason == RoomExitReason::Left {
        r.owner_left = true;
    }
    let (keys, freed) = r.drop_auto_delete(u);
    rooms.attr_total -= freed;
    rooms.refresh(id, u);
    emit(
        &mut cx.out,
        RoomEvent::MemberExited {
            room: id,
            user: m.name.clone(),
            reason,
        },
    );
    if !keys.is_empty() {
        emit(
            &mut cx.out,
            RoomEvent::AttributesRemoved {
                room: id,
                keys,
                operator: Some(m.name),
            },
        );
    }
    true
}

/// Whether `u` may be admitted to `r`, in check order: blocked (refused), already a member
/// (`Ok(false)`), the room full (refused; the owner always has a seat), `u` at their room cap
/// once the `leaving` rooms they are about to leave are left (refused). `Ok(true)`: they may.
fn admission(st: &State, r: &Room, u: UserId, name: &UserName, leaving: usize) -> Result<bool> {
    if r.roster.blocks.contains_key(&u) {
        return Err(RoomError::Blocked {
            user: name.to_string(),
            room: r.id,
        }
        .into());
    }
    if r.is_member(u) {
        return Ok(false);
    }
    if u != r.roster.owner && !r.fits(1) {
        return Err(RoomError::Full.into());
    }
    if at_user_cap(st, u, leaving) {
        return Err(RoomError::JoinedTooMany(name.to_string()).into());
    }
    Ok(true)
}

/// Whether `u` is at the app's rooms-per-user cap, not counting `leaving` rooms.
fn at_user_cap(st: &State, u: UserId, leaving: usize) -> bool {
    st.limits
        .rooms
        .rooms_per_user_max
        .is_some_and(|m| st.rooms.joined_count(u).saturating_sub(leaving) >= m as usize)
}

/// One user's fate in a removal, block or mute by a manager, or in a batch allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// It applies.
    Apply,
    /// The user is the owner.
    Owner,
    /// An admin acting on another admin.
    AdminOnAdmin,
    /// The user is not a member (or does not exist).
    NotMember,
}

impl Verdict {
    /// What a manager with `role` may do to `u` (`None`: an unknown user), in check order:
    /// never the owner, an admin not another admin, members only.
    pub fn of(r: &Room, role: Role, u: Option<UserId>) -> Verdict {
        match u {
            Some(u) if u == r.roster.owner => Verdict::Owner,
            Some(u) if role == Role::Admin && r.roster.admins.contains_key(&u) => {
                Verdict::AdminOnAdmin
            }
            Some(u) if r.is_member(u) => Verdict::Apply,
            _ => Verdict::NotMember,
        }
    }

    /// The single-user form's error: `E_OWNER`, `E_PERM`, `E_NOT_MEMBER`.
    fn check(self, user: &UserName) -> Result<()> {
        match self {
            Verdict::Apply => Ok(()),
            Verdict::Owner => Err(RoomError::OnOwner.into()),
            Verdict::AdminOnAdmin => Err(RoomError::Permission.into()),
            Verdict::NotMember => Err(RoomError::NotMember(user.to_string()).into()),
        }
    }
}

/// The users a batch applies to, in request order.
pub(super) type Targets = Vec<(UserId, UserName)>;

/// The batch rule of §0 over distinct `names`: one item per user in request order, decided by
/// `verdict` (given `None` for an unknown user), with `not_member` as the reason for a user
/// who is not a member. When every item failed for that reason the call fails with
/// `E_NOT_MEMBER` for the first user. Returns the items and the users they apply to.
pub(super) fn judge(
    st: &State,
    names: Vec<UserName>,
    verdict: impl Fn(Option<UserId>) -> Verdict,
    not_member: impl Fn(&UserName) -> String,
) -> Result<(Vec<BatchItem>, Targets)> {
    let ids = resolve(st, &names);
    let mut items = Vec::with_capacity(names.len());
    let mut apply = Vec::new();
    let mut none_member = !names.is_empty();
    for (n, u) in names.into_iter().zip(ids) {
        let v = verdict(u);
        none_member &= v == Verdict::NotMember;
        items.push(match (v, u) {
            (Verdict::Apply, Some(u)) => {
                apply.push((u, n.clone()));
                BatchItem::ok(n)
            }
            (Verdict::Owner, _) => BatchItem::fail(n, ROOM_OWNER_DESC),
            (Verdict::AdminOnAdmin, _) => BatchItem::fail(n, ROOM_PERM_DESC),
            _ => {
                let why = not_member(&n);
                BatchItem::fail(n, why)
            }
        });
    }
    if none_member {
        return Err(RoomError::NotMember(items[0].user.to_string()).into());
    }
    Ok((items, apply))
}

/// The item reason for a non-member in a batch removal.
fn not_in_group(user: &UserName, room: RoomId) -> String {
    format!("user: {user} doesn't exist in group: {room}")
}

/// The item reason for a non-member in a batch block, allow or mute.
pub(super) fn not_in_chatroom(user: &UserName, room: RoomId) -> String {
    format!("user: {user} doesn't exist in chatroom: {room}")
}

/// The single-user removal and block (`reason` `Kicked` or `Blocked`).
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `E_OWNER`; `E_PERM` (an admin acting
/// on an admin); `E_NOT_MEMBER`.
pub(super) fn remove_one(
    cx: &mut Ctx<'_>,
    id: RoomId,
    user: &UserName,
    reason: RoomExitReason,
) -> Result<()> {
    let (r, role) = open(cx.st, cx.actor, id, Role::Admin)?;
    let u = target(cx.st, user)?;
    Verdict::of(r, role, Some(u)).check(user)?;
    remove(cx, id, vec![(u, user.clone())], reason);
    Ok(())
}

/// The batch removal and block (`reason` `Kicked` or `Blocked`): one item per distinct user.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; the `size` error (no users, or more than its
/// cap); `E_NOT_MEMBER` (no user is a member).
pub(super) fn remove_many(
    cx: &mut Ctx<'_>,
    id: RoomId,
    users: &[UserName],
    size: (usize, fn(usize) -> RoomError),
    reason: RoomExitReason,
) -> Result<Vec<BatchItem>> {
    let (r, role, names) = open_batch(cx.st, cx.actor, id, Role::Admin, users, size)?;
    let (items, targets) = judge(
        cx.st,
        names,
        |u| Verdict::of(r, role, u),
        |n| match reason {
            RoomExitReason::Blocked => not_in_chatroom(n, id),
            _ => not_in_group(n, id),
        },
    )?;
    remove(cx, id, targets, reason);
    Ok(items)
}

/// Removes checked members one after the other: each departs with `reason`; a blocked one is
/// then appended to the block list (`BlockListAdded`).
fn remove(cx: &mut Ctx<'_>, id: RoomId, targets: Targets, reason: RoomExitReason) {
    for (u, name) in targets {
        depart(cx, id, u, reason);
        if reason == RoomExitReason::Blocked {
            let rooms = &mut cx.st.rooms;
            let r = rooms.get_mut(id).expect("the caller found the room");
            r.roster.blocks.insert(u, name.clone());
            rooms.refresh(id, u);
            emit(
                &mut cx.out,
                RoomEvent::BlockListAdded {
                    room: id,
                    user: name,
                },
            );
        }
    }
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddRoomMember {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for AddRoomMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::App)?;
        let u = target(cx.st, &self.user)?;
        if !admission(cx.st, r, u, &self.user, 0)? {
            return Err(RoomError::AlreadyMember {
                user: self.user.to_string(),
                room: self.room,
            }
            .into());
        }
        enter(cx, self.room, u, self.user);
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for AddRoomMembers {
    type Reply = Vec<UserName>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<UserName>> {
        let st = &*cx.st;
        let size = (
            st.limits.rooms.add_members_batch_max,
            RoomError::AddBatch as _,
        );
        let (r, _, names) = open_batch(st, cx.actor, self.room, Role::App, &self.users, size)?;
        let mut add = Vec::new();
        for n in names {
            let u = target(st, &n)?;
            if !(r.is_member(u) || r.roster.blocks.contains_key(&u) || at_user_cap(st, u, 0)) {
                add.push((u, n));
            }
        }
        let newcomers = add.iter().filter(|(u, _)| *u != r.roster.owner).count();
        if !r.fits(newcomers) {
            return Err(RoomError::Full.into());
        }
        let added = add.iter().map(|(_, n)| n.clone()).collect();
        for (u, n) in add {
            enter(cx, self.room, u, n);
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveRoomMember {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveRoomMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        remove_one(cx, self.room, &self.user, RoomExitReason::Kicked)?;
        Ok(true)
    }
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for RemoveRoomMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let max = cx.st.limits.rooms.remove_members_batch_max;
        remove_many(
            cx,
            self.room,
            &self.users,
            (max, RoomError::RemoveBatch),
            RoomExitReason::Kicked,
        )
    }
}

/// Joins a room as oneself (client join). The user themself or the app admin. Already a
/// member: success, no change (OPEN 11). With `leave_other_rooms`, every other room the user
/// is in is left first (reason `Left`, rooms in id order) once the join's own checks pass.
///
/// Errors, in check order: `E_ROOM`; `E_PERM` (another user); `E_USER`; `403 forbidden_op`
/// "user: {user} is in blacklist of chatroom: {room}"; `403 exceed_limit` "members size is
/// greater than max user size !" (not for the owner); `403 forbidden_op` "can not join this
/// group, reason:user {user} has joined too many chatrooms!" (rooms about to be left do not
/// count).
///
/// Emits `MemberExited{Left}` per room left, then `MemberJoined`. Returns false when the user
/// was already a member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct JoinRoom {
    /// Which.
    pub room: RoomId,
    /// Who (the caller, for a user token).
    pub user: UserName,
    /// Leave every other room first.
    pub leave_other_rooms: bool,
}

impl Exec for JoinRoom {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let r = find(cx.st, self.room)?;
        self_or_admin(cx.actor, &self.user)?;
        let u = target(cx.st, &self.user)?;
        let mut others: Vec<RoomId> = match cx.st.rooms.of_user(u) {
            Some(x) if self.leave_other_rooms => x
                .joined
                .iter()
                .copied()
                .filter(|o| *o != self.room)
                .collect(),
            _ => Vec::new(),
        };
        if !admission(cx.st, r, u, &self.user, others.len())? {
            return Ok(false);
        }
        others.sort_unstable();
        for o in others {
            depart(cx, o, u, RoomExitReason::Left);
        }
        enter(cx, self.room, u, self.user);
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct LeaveRoom {
    /// Which.
    pub room: RoomId,
    /// Who (the caller, for a user token).
    pub user: UserName,
}

impl Exec for LeaveRoom {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        let r = find(cx.st, self.room)?;
        self_or_admin(cx.actor, &self.user)?;
        let u = target(cx.st, &self.user)?;
        if !r.is_member(u) {
            return Err(RoomError::NotMember(self.user.to_string()).into());
        }
        depart(cx, self.room, u, RoomExitReason::Left);
        Ok(())
    }
}

/// Members, page mode (`GET /chatrooms/{id}/users?pagenum&pagesize`): the owner first if
/// present, then the others by join time. `pagenum` default 1, `pagesize` default and cap
/// 1000 (0 ⇒ default). Members, the owner, the app admin.
///
/// Errors, in check order: `E_ROOM_Q`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomMembers {
    /// Which.
    pub room: RoomId,
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub pagenum: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub pagesize: Option<u32>,
}

impl Ask for ListRoomMembers {
    type Reply = Vec<RoomAffiliation>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<RoomAffiliation>> {
        let (r, _) = open_q(cx.st, cx.actor, self.room, Role::Member)?;
        let size = match self.pagesize {
            None | Some(0) => ROOM_MEMBERS_PAGE_MAX,
            Some(n) => n.min(ROOM_MEMBERS_PAGE_MAX),
        } as usize;
        let num = self.pagenum.unwrap_or(1).max(1) as usize;
        let skip = (num - 1).saturating_mul(size);
        Ok(affiliation_page(r, skip, size))
    }
}

const MEMBERS_CURSOR: &str = "m";

/// Members, cursor mode (`…/users?version=v3&limit&cursor&sort`): the owner excluded, by join
/// time ascending (or descending with `desc`). `limit` default 10, cap 1000 (0 ⇒ default).
/// The cursor names the last member's join sequence, so members leaving between pages skip
/// no one; it is present only when more follow.
///
/// Errors, in check order: `E_ROOM_Q`; `E_PERM`; `400 invalid_parameter` "cursor is invalid".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomMembersCursor {
    /// Which.
    pub room: RoomId,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// From a previous page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
    /// Latest join first.
    pub desc: bool,
}

impl Ask for ListRoomMembersCursor {
    type Reply = Page<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<UserName>> {
        let (r, _) = open_q(cx.st, cx.actor, self.room, Role::Member)?;
        let limit = match self.limit {
            None | Some(0) => ROOM_MEMBERS_CURSOR_DEFAULT,
            Some(n) => n.min(ROOM_MEMBERS_PAGE_MAX),
        } as usize;
        // A cursor carries a join sequence minus one: cursors number the first member 0, the
        // roster numbers it 1.
        let after = match &self.cursor {
            Some(c) => {
                let seq =
                    paging::decode::<1>(MEMBERS_CURSOR, c).map_err(|_| RoomError::BadCursor)?;
                Some(seq[0].saturating_add(1))
            }
            None => None,
        };
        let members = &r.roster.members;
        let walk: Box<dyn Iterator<Item = crate::roster::Member<'_>>> = if self.desc {
            Box::new(members.before(after))
        } else {
            Box::new(members.after(after))
        };
        let owner = r.roster.owner;
        let mut walk = walk.filter(|m| m.id() != owner);
        let mut items = Vec::with_capacity(limit);
        let mut last = None;
        for m in walk.by_ref().take(limit) {
            items.push(m.name().clone());
            last = Some(m.seq());
        }
        let cursor = match (walk.next(), last) {
            (Some(_), Some(l)) => Some(paging::encode(MEMBERS_CURSOR, &[l - 1])),
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsRoomMember {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for IsRoomMember {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        let r = find(cx.st, self.room)?;
        self_or_admin(cx.actor, &self.user)?;
        Ok(cx.st.users.id(&self.user).is_some_and(|u| r.is_member(u)))
    }
}
