//! Block list (spec 03 §3.6), allow list (§3.7) and mutes (§3.8), and the "may speak now"
//! decision the messaging area uses.

use serde::{Deserialize, Serialize};

use super::members::{RoomBatchItem, all_not_member, depart_one, kick_or_block, not_in_chatroom};
use super::*;
use crate::command::Exec;
use crate::error::Result;
use crate::query::Ask;

// ---- block list ----

/// The block list in block order (`GET /chatrooms/{id}/blocks/users`). Owner, admins, the
/// app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRoomBlocks {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomBlocks {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        let cell = room(cx, self.room)?;
        let r = managed_read(cx, &cell)?;
        Ok(r.blocks.values().cloned().collect())
    }
}

/// Blocks one member (`POST /chatrooms/{id}/blocks/users/{user}`): departure `Blocked`, then
/// appended to the block list. Like every departure it keeps the user's mute and allow-list
/// entries (OPEN 6). The owner, admins (ordinary members only), the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `E_OWNER`; `E_PERM` (an admin
/// blocking an admin); `E_NOT_MEMBER`.
///
/// Emits `MemberExited{Blocked}` (+ `AttributesRemoved`), `BlockListAdded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRoomUser {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for BlockRoomUser {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        depart_one(cx, self.room, &self.user, RoomExitReason::Blocked)?;
        emit(
            cx,
            RoomEvent::BlockListAdded {
                room: self.room,
                user: self.user,
            },
        );
        Ok(true)
    }
}

/// Blocks up to 60 members (`POST /chatrooms/{id}/blocks/users`), one item per distinct user.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "userNames is more
/// than max limit : 60" (also for none); `E_NOT_MEMBER` when no user is a member. Item
/// reasons: "user: {user} doesn't exist in chatroom: {room}", "forbidden operation on group
/// owner!", the `E_PERM` text (an admin blocking an admin).
///
/// Emits per user blocked: `MemberExited{Blocked}`, `BlockListAdded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for BlockRoomUsers {
    type Reply = Vec<RoomBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomBatchItem>> {
        let max = cx.app.limits.rooms.list_batch_max;
        let id = self.room;
        kick_or_block(
            cx,
            id,
            &self.users,
            (max, RoomError::BlockBatch(max)),
            RoomExitReason::Blocked,
            |n| not_in_chatroom(n, id),
        )
    }
}

/// Unblocks up to 60 users (`DELETE /chatrooms/{id}/blocks/users/{u[,u]}`). Unblocking does
/// not re-add membership. The owner, admins, the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "removeBlacklist:
/// list size more than max limit : 60" (also for none). Item reason: "user: {user} is not in
/// blacklist of chatroom: {room}".
///
/// Emits `BlockListRemoved` per user unblocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnblockRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

fn unblock(cx: &mut Ctx<'_>, id: RoomId, users: &[UserName]) -> Result<Vec<RoomBatchItem>> {
    let max = cx.app.limits.rooms.list_batch_max;
    let cell = room(cx, id)?;
    let me = who(cx);
    let names = distinct(users);
    let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
    let mut r = cell.write_live()?;
    if !r.role(&me).manages() {
        return err(RoomError::Permission);
    }
    if users.is_empty() || users.len() > max {
        return Err(re(RoomError::UnblockBatch(max)));
    }
    let mut items = Vec::with_capacity(names.len());
    let mut removed = Vec::new();
    for (n, u) in names.iter().zip(ids) {
        if u.is_some_and(|u| r.blocks.shift_remove(&u).is_some()) {
            items.push(RoomBatchItem::ok(n.clone()));
            removed.push(n.clone());
        } else {
            items.push(RoomBatchItem::fail(
                n.clone(),
                format!("user: {n} is not in blacklist of chatroom: {id}"),
            ));
        }
    }
    drop(r);
    for n in removed {
        emit(cx, RoomEvent::BlockListRemoved { room: id, user: n });
    }
    Ok(items)
}

impl Exec for UnblockRoomUsers {
    type Reply = Vec<RoomBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomBatchItem>> {
        unblock(cx, self.room, &self.users)
    }
}

/// Unblocks one user (`DELETE /chatrooms/{id}/blocks/users/{user}`).
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `403 forbidden_op` "user: {user} is not in
/// blacklist of chatroom: {room}".
///
/// Emits `BlockListRemoved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnblockRoomUser {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for UnblockRoomUser {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let items = unblock(cx, self.room, std::slice::from_ref(&self.user))?;
        if items[0].result {
            Ok(true)
        } else {
            err(RoomError::NotBlocked {
                user: self.user.to_string(),
                room: self.room,
            })
        }
    }
}

/// Read-locks a live room for a list only its managers (owner, admins, the app admin) may read:
/// `E_ROOM`, then `E_PERM`.
fn managed_read<'c>(
    cx: &Ctx<'_>,
    cell: &'c RoomCell,
) -> Result<parking_lot::RwLockReadGuard<'c, Room>> {
    let me = who(cx);
    let r = cell.read_live(false)?;
    if !r.role(&me).manages() {
        return err(RoomError::Permission);
    }
    Ok(r)
}

// ---- allow list ----

/// The allow list in the order added (`GET /chatrooms/{id}/white/users`). Owner, admins, the
/// app admin. The owner and admins are exempt implicitly and never listed.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRoomAllow {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomAllow {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        let cell = room(cx, self.room)?;
        let r = managed_read(cx, &cell)?;
        Ok(r.allow.values().cloned().collect())
    }
}

/// Adds up to 60 members to the allow list (`POST /chatrooms/{id}/white/users[/{user}]`).
/// Already listed, the owner and admins: `result: true` (the latter two are not stored).
/// Owner, admins, the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "usernames size is
/// more than max limit : 60" (also for none); `E_NOT_MEMBER` when no user is a member. Item
/// reason: "user: {user} doesn't exist in chatroom: {room}".
///
/// Emits `AllowListAdded` per user newly listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for AllowRoomUsers {
    type Reply = Vec<RoomBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomBatchItem>> {
        let max = cx.app.limits.rooms.list_batch_max;
        let id = self.room;
        let cell = room(cx, id)?;
        let me = who(cx);
        let names = distinct(&self.users);
        let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
        let mut r = cell.write_live()?;
        if !r.role(&me).manages() {
            return err(RoomError::Permission);
        }
        if self.users.is_empty() || self.users.len() > max {
            return Err(re(RoomError::AllowBatch(max)));
        }
        let mut items = Vec::with_capacity(names.len());
        for (n, u) in names.iter().zip(&ids) {
            match u {
                Some(u) if r.is_member(*u) => items.push((RoomBatchItem::ok(n.clone()), false)),
                _ => items.push((RoomBatchItem::fail(n.clone(), not_in_chatroom(n, id)), true)),
            }
        }
        all_not_member(&items)?;
        let mut added = Vec::new();
        for ((item, _), u) in items.iter().zip(&ids) {
            let Some(u) = *u else { continue };
            if item.result && u != r.owner && !r.admins.contains(&u) && !r.allow.contains_key(&u) {
                r.allow.insert(u, item.user.clone());
                added.push(item.user.clone());
            }
        }
        drop(r);
        for n in added {
            emit(cx, RoomEvent::AllowListAdded { room: id, user: n });
        }
        Ok(items.into_iter().map(|(i, _)| i).collect())
    }
}

/// Removes up to 60 users from the allow list (`DELETE /chatrooms/{id}/white/users/{u[,u]}`);
/// every item is `result: true`, also for users not listed. Owner, admins, the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "removeWhitelist size
/// is more than max limit : 60" (also for none).
///
/// Emits `AllowListRemoved` per user actually removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisallowRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for DisallowRoomUsers {
    type Reply = Vec<RoomBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomBatchItem>> {
        let max = cx.app.limits.rooms.list_batch_max;
        let id = self.room;
        let cell = room(cx, id)?;
        let me = who(cx);
        let names = distinct(&self.users);
        let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
        let mut r = cell.write_live()?;
        if !r.role(&me).manages() {
            return err(RoomError::Permission);
        }
        if self.users.is_empty() || self.users.len() > max {
            return Err(re(RoomError::DisallowBatch(max)));
        }
        let mut removed = Vec::new();
        for (n, u) in names.iter().zip(&ids) {
            if u.is_some_and(|u| r.allow.shift_remove(&u).is_some()) {
                removed.push(n.clone());
            }
        }
        drop(r);
        for n in &removed {
            emit(
                cx,
                RoomEvent::AllowListRemoved {
                    room: id,
                    user: n.clone(),
                },
            );
        }
        Ok(names.into_iter().map(RoomBatchItem::ok).collect())
    }
}

/// Whether a member is on the allow list (the owner and admins: always true). A user may ask
/// about themself if they are in the room; the app admin about anyone.
///
/// Errors, in check order: `E_ROOM`; `E_PERM` (another user, or not in the room).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsRoomAllowed {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for IsRoomAllowed {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let t = cx.app.user(&self.user);
        let r = cell.read_live(false)?;
        let ok = match cx.actor {
            Actor::Admin => true,
            Actor::User(u) => *u == self.user && r.role(&me).inside(),
            Actor::Anonymous => false,
        };
        if !ok {
            return err(RoomError::Permission);
        }
        Ok(t.is_some_and(|t| {
            t.id == r.owner || r.admins.contains(&t.id) || r.allow.contains_key(&t.id)
        }))
    }
}

// ---- mutes ----

/// One live mute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMute {
    /// Who.
    pub user: UserName,
    /// Until when (`Never` is the vendor's `-1`).
    pub expire: Expiry,
}

/// Live mutes in mute order at `now` (`GET /chatrooms/{id}/mute`); mute-all is not listed.
/// Owner, admins, the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRoomMutes {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomMutes {
    type Reply = Vec<RoomMute>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<RoomMute>> {
        let cell = room(cx, self.room)?;
        let r = managed_read(cx, &cell)?;
        Ok(r.mutes
            .values()
            .filter(|(_, e)| e.is_live(cx.now))
            .map(|(n, e)| RoomMute {
                user: n.clone(),
                expire: *e,
            })
            .collect())
    }
}

/// One per-user result of a mute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMuteItem {
    /// Whether the user is now muted.
    pub result: bool,
    /// Who.
    pub user: UserName,
    /// Until when, when muted.
    pub expire: Option<Expiry>,
    /// Why not, when `result` is false.
    pub reason: Option<String>,
}

/// Mutes up to 60 members (`POST /chatrooms/{id}/mute`) for `duration_ms` from `now`
/// (saturating) or, with `-1`, until lifted. Re-muting overwrites the expiry. The entry
/// survives leaving the room (OPEN 6). The owner, admins (ordinary members only), the app
/// admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "userNames size is
/// more than max limit : 60" (also for none), "mute_duration is invalid" (not `-1` and not
/// positive); `E_NOT_MEMBER` when no user is a member. Item reasons: "user: {user} doesn't
/// exist in chatroom: {room}", "forbidden operation on group owner!", the `E_PERM` text.
///
/// Emits `MuteListAdded` per user muted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
    /// Milliseconds, or `-1` for until lifted.
    pub duration_ms: i64,
}

impl Exec for MuteRoomMembers {
    type Reply = Vec<RoomMuteItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomMuteItem>> {
        let max = cx.app.limits.rooms.list_batch_max;
        let id = self.room;
        let cell = room(cx, id)?;
        let me = who(cx);
        let names = distinct(&self.users);
        let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
        let mut r = cell.write_live()?;
        let role = r.role(&me);
        if !role.manages() {
            return err(RoomError::Permission);
        }
        if self.users.is_empty() || self.users.len() > max {
            return Err(re(RoomError::MuteBatch(max)));
        }
        let expire = match self.duration_ms {
            -1 => Expiry::Never,
            d if d > 0 => Expiry::At(cx.now.after(Millis(d as u64))),
            _ => return Err(re(RoomError::MuteDuration)),
        };
        let mut items = Vec::with_capacity(names.len());
        for (n, u) in names.iter().zip(&ids) {
            let (item, nm) = match u {
                Some(u) if *u == r.owner => {
                    (RoomBatchItem::fail(n.clone(), ROOM_OWNER_DESC), false)
                }
                Some(u) if role == Role::Admin && r.admins.contains(u) => {
                    (RoomBatchItem::fail(n.clone(), ROOM_PERM_DESC), false)
                }
                Some(u) if r.is_member(*u) => (RoomBatchItem::ok(n.clone()), false),
                _ => (RoomBatchItem::fail(n.clone(), not_in_chatroom(n, id)), true),
            };
            items.push((item, nm));
        }
        all_not_member(&items)?;
        let mut out = Vec::with_capacity(items.len());
        let mut muted = Vec::new();
        for ((item, _), u) in items.into_iter().zip(&ids) {
            if item.result {
                let u = u.expect("member");
                r.mutes.insert(u, (item.user.clone(), expire));
                muted.push(item.user.clone());
            }
            out.push(RoomMuteItem {
                result: item.result,
                expire: item.result.then_some(expire),
                user: item.user,
                reason: item.reason,
            });
        }
        drop(r);
        for n in muted {
            emit(
                cx,
                RoomEvent::MuteListAdded {
                    room: id,
                    user: n,
                    expire,
                },
            );
        }
        Ok(out)
    }
}

/// Lifts the mutes of up to 60 users (`DELETE /chatrooms/{id}/mute/{u[,u]}`); every item is
/// `result: true`, also for users not muted, except that an admin may not unmute another
/// admin (item reason: the `E_PERM` text). The owner, admins, the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 invalid_parameter` "removeMute member
/// size more than max limit : 60" (also for none).
///
/// Emits `MuteListRemoved` per mute lifted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmuteRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for UnmuteRoomMembers {
    type Reply = Vec<RoomBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomBatchItem>> {
        let max = cx.app.limits.rooms.list_batch_max;
        let id = self.room;
        let cell = room(cx, id)?;
        let me = who(cx);
        let names = distinct(&self.users);
        let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
        let mut r = cell.write_live()?;
        let role = r.role(&me);
        if !role.manages() {
            return err(RoomError::Permission);
        }
        if self.users.is_empty() || self.users.len() > max {
            return Err(re(RoomError::UnmuteBatch(max)));
        }
        let mut removed = Vec::new();
        let mut items = Vec::with_capacity(names.len());
        for (n, u) in names.iter().zip(&ids) {
            if role == Role::Admin && u.is_some_and(|u| r.admins.contains(&u)) {
                items.push(RoomBatchItem::fail(n.clone(), ROOM_PERM_DESC));
                continue;
            }
            if u.is_some_and(|u| r.mutes.shift_remove(&u).is_some()) {
                removed.push(n.clone());
            }
            items.push(RoomBatchItem::ok(n.clone()));
        }
        drop(r);
        for n in removed {
            emit(cx, RoomEvent::MuteListRemoved { room: id, user: n });
        }
        Ok(items)
    }
}

/// Turns mute-all on (`POST /chatrooms/{id}/ban`) or off (`DELETE …/ban`). Idempotent; the
/// mute list is untouched. Owner, admins, the app admin. Returns the new state.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
///
/// Emits `AllMemberMuteChanged` when the state changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRoomMuteAll {
    /// Which.
    pub room: RoomId,
    /// On or off.
    pub muted: bool,
}

impl Exec for SetRoomMuteAll {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let mut r = cell.write_live()?;
        if !r.role(&me).manages() {
            return err(RoomError::Permission);
        }
        let changed = r.mute_all != self.muted;
        r.mute_all = self.muted;
        drop(r);
        if changed {
            emit(
                cx,
                RoomEvent::AllMemberMuteChanged {
                    room: self.room,
                    muted: self.muted,
                },
            );
        }
        Ok(self.muted)
    }
}

/// A user's individual mute at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMuteState {
    /// Muted individually (mute-all not counted).
    pub muted: bool,
    /// Until when, when muted.
    pub expire: Option<Expiry>,
}

/// A user's individual mute at `now`. Owner, admins, the app admin, or the user themself.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRoomMuteStatus {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for GetRoomMuteStatus {
    type Reply = RoomMuteState;
    fn ask(self, cx: &Ctx<'_>) -> Result<RoomMuteState> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let t = target(cx, &self.user);
        let r = cell.read_live(false)?;
        let mine = matches!(cx.actor, Actor::User(u) if *u == self.user);
        if !(r.role(&me).manages() || mine) {
            return err(RoomError::Permission);
        }
        let t = t?;
        let expire = r
            .mutes
            .get(&t.id)
            .map(|(_, e)| *e)
            .filter(|e| e.is_live(cx.now));
        Ok(RoomMuteState {
            muted: expire.is_some(),
            expire,
        })
    }
}

/// Whether a user may send to the room now (§3.7, §3.8): a present member, not individually
/// muted at `now`, and — under mute-all — the owner, an admin or allow-listed. The app admin,
/// or the user themself. Unknown users may not.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MayRoomMemberSpeak {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for MayRoomMemberSpeak {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        let cell = room(cx, self.room)?;
        let t = cx.app.user(&self.user);
        let r = cell.read_live(false)?;
        match cx.actor {
            Actor::Admin => {}
            Actor::User(u) if *u == self.user => {}
            _ => return err(RoomError::Permission),
        }
        Ok(t.is_some_and(|t| r.may_speak(t.id, cx.now)))
    }
}
