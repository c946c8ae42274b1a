//! Block list (spec 03 §3.6), allow list (§3.7) and mutes (§3.8), and the "may speak now"
//! decision the messaging area uses.

use serde::{Deserialize, Serialize};

use super::members::{Verdict, judge, not_in_chatroom, remove_many, remove_one};
use super::{RoomError, RoomEvent, RoomExitReason, emit, find, open, open_batch, room_mut, target};
use crate::command::Exec;
use crate::engine::{Actor, Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{RoomId, UserName};
use crate::query::Ask;
use crate::roster::{BatchItem, Role, resolve};
use crate::time::{Expiry, Millis};

// ---- block list ----

/// The block list in block order (`GET /chatrooms/{id}/blocks/users`). Owner, admins, the
/// app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomBlocks {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomBlocks {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Admin)?;
        Ok(r.roster.blocks.values().cloned().collect())
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BlockRoomUser {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for BlockRoomUser {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        remove_one(cx, self.room, &self.user, RoomExitReason::Blocked)?;
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BlockRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for BlockRoomUsers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let max = cx.st.limits.rooms.list_batch_max;
        remove_many(
            cx,
            self.room,
            &self.users,
            (max, RoomError::BlockBatch),
            RoomExitReason::Blocked,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnblockRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for UnblockRoomUsers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
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
            Err(RoomError::NotBlocked {
                user: self.user.to_string(),
                room: self.room,
            }
            .into())
        }
    }
}

/// The unblock shared by [`UnblockRoomUsers`] and [`UnblockRoomUser`]: one item per distinct
/// user, then the listed ones come off the list.
fn unblock(cx: &mut Ctx<'_>, id: RoomId, users: &[UserName]) -> Result<Vec<BatchItem>> {
    let size = (
        cx.st.limits.rooms.list_batch_max,
        RoomError::UnblockBatch as _,
    );
    let (r, _, names) = open_batch(cx.st, cx.actor, id, Role::Admin, users, size)?;
    let mut items = Vec::with_capacity(names.len());
    let mut listed = Vec::new();
    for (n, u) in names.iter().zip(resolve(cx.st, &names)) {
        match u.filter(|u| r.roster.blocks.contains_key(u)) {
            Some(u) => {
                listed.push((u, n.clone()));
                items.push(BatchItem::ok(n.clone()));
            }
            None => items.push(BatchItem::fail(
                n.clone(),
                format!("user: {n} is not in blacklist of chatroom: {id}"),
            )),
        }
    }
    for (u, n) in listed {
        room_mut(cx.st, id).roster.blocks.shift_remove(&u);
        cx.st.rooms.refresh(id, u);
        emit(
            &mut cx.out,
            RoomEvent::BlockListRemoved { room: id, user: n },
        );
    }
    Ok(items)
}

// ---- allow list ----

/// The allow list in the order added (`GET /chatrooms/{id}/white/users`). Owner, admins, the
/// app admin. The owner and admins are exempt implicitly and never listed.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomAllow {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomAllow {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Admin)?;
        Ok(r.roster.allow.values().cloned().collect())
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AllowRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for AllowRoomUsers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let id = self.room;
        let size = (
            cx.st.limits.rooms.list_batch_max,
            RoomError::AllowBatch as _,
        );
        let (r, _, names) = open_batch(cx.st, cx.actor, id, Role::Admin, &self.users, size)?;
        let (items, members) = judge(
            cx.st,
            names,
            |u| match u {
                Some(u) if r.is_member(u) => Verdict::Apply,
                _ => Verdict::NotMember,
            },
            |n| not_in_chatroom(n, id),
        )?;
        let new: Vec<_> = members
            .into_iter()
            .filter(|(u, _)| !r.exempt(*u) && !r.roster.allow.contains_key(u))
            .collect();
        for (u, n) in new {
            room_mut(cx.st, id).roster.allow(u, n.clone());
            cx.st.rooms.refresh(id, u);
            emit(&mut cx.out, RoomEvent::AllowListAdded { room: id, user: n });
        }
        Ok(items)
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DisallowRoomUsers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for DisallowRoomUsers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let id = self.room;
        let size = (
            cx.st.limits.rooms.list_batch_max,
            RoomError::DisallowBatch as _,
        );
        let (r, _, names) = open_batch(cx.st, cx.actor, id, Role::Admin, &self.users, size)?;
        let listed: Vec<_> = names
            .iter()
            .zip(resolve(cx.st, &names))
            .filter_map(|(n, u)| u.filter(|u| r.roster.allow.contains_key(u)).map(|u| (u, n)))
            .collect();
        for (u, n) in listed {
            room_mut(cx.st, id).roster.disallow(u);
            cx.st.rooms.refresh(id, u);
            emit(
                &mut cx.out,
                RoomEvent::AllowListRemoved {
                    room: id,
                    user: n.clone(),
                },
            );
        }
        Ok(names.into_iter().map(BatchItem::ok).collect())
    }
}

/// Whether a member is on the allow list (the owner and admins: always true). A user may ask
/// about themself if they are in the room; the app admin about anyone.
///
/// Errors, in check order: `E_ROOM`; `E_PERM` (another user, or not in the room).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsRoomAllowed {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for IsRoomAllowed {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        let r = find(cx.st, self.room)?;
        let ok = match cx.actor {
            Actor::Admin => true,
            Actor::User(u) => *u == self.user && super::role(cx.st, cx.actor, r).inside(),
            Actor::Anonymous => false,
        };
        if !ok {
            return Err(RoomError::Permission.into());
        }
        Ok(cx
            .st
            .users
            .id(&self.user)
            .is_some_and(|u| r.exempt(u) || r.roster.allow.contains_key(&u)))
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomMutes {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomMutes {
    type Reply = Vec<RoomMute>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<RoomMute>> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Admin)?;
        Ok(r.roster
            .live_mutes(cx.now)
            .map(|(n, e)| RoomMute {
                user: n.clone(),
                expire: e,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MuteRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// Milliseconds, or `-1` for until lifted.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::duration_ms))]
    pub duration_ms: i64,
}

impl Exec for MuteRoomMembers {
    type Reply = Vec<RoomMuteItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RoomMuteItem>> {
        let id = self.room;
        let size = (cx.st.limits.rooms.list_batch_max, RoomError::MuteBatch as _);
        let (r, role, names) = open_batch(cx.st, cx.actor, id, Role::Admin, &self.users, size)?;
        let expire = match self.duration_ms {
            -1 => Expiry::Never,
            d if d > 0 => Expiry::At(cx.now.after(Millis(d as u64))),
            _ => return Err(RoomError::MuteDuration.into()),
        };
        let (items, targets) = judge(
            cx.st,
            names,
            |u| Verdict::of(r, role, u),
            |n| not_in_chatroom(n, id),
        )?;
        for (u, n) in targets {
            room_mut(cx.st, id).roster.mute(u, n.clone(), expire);
            cx.st.rooms.refresh(id, u);
            emit(
                &mut cx.out,
                RoomEvent::MuteListAdded {
                    room: id,
                    user: n,
                    expire,
                },
            );
        }
        Ok(items
            .into_iter()
            .map(|i| RoomMuteItem {
                result: i.result,
                expire: i.result.then_some(expire),
                user: i.user,
                reason: i.reason,
            })
            .collect())
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnmuteRoomMembers {
    /// Which.
    pub room: RoomId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for UnmuteRoomMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let id = self.room;
        let size = (
            cx.st.limits.rooms.list_batch_max,
            RoomError::UnmuteBatch as _,
        );
        let (r, role, names) = open_batch(cx.st, cx.actor, id, Role::Admin, &self.users, size)?;
        let mut items = Vec::with_capacity(names.len());
        let mut muted = Vec::new();
        for (n, u) in names.iter().zip(resolve(cx.st, &names)) {
            match u {
                Some(u) if role == Role::Admin && r.roster.admins.contains_key(&u) => {
                    items.push(BatchItem::fail(n.clone(), super::ROOM_PERM_DESC));
                    continue;
                }
                Some(u) if r.roster.mutes.contains_key(&u) => muted.push((u, n.clone())),
                _ => {}
            }
            items.push(BatchItem::ok(n.clone()));
        }
        for (u, n) in muted {
            room_mut(cx.st, id).roster.unmute(u);
            cx.st.rooms.refresh(id, u);
            emit(
                &mut cx.out,
                RoomEvent::MuteListRemoved { room: id, user: n },
            );
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetRoomMuteAll {
    /// Which.
    pub room: RoomId,
    /// On or off.
    pub muted: bool,
}

impl Exec for SetRoomMuteAll {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        open(cx.st, cx.actor, self.room, Role::Admin)?;
        let r = room_mut(cx.st, self.room);
        if r.mute_all != self.muted {
            r.mute_all = self.muted;
            emit(
                &mut cx.out,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetRoomMuteStatus {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for GetRoomMuteStatus {
    type Reply = RoomMuteState;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<RoomMuteState> {
        let r = find(cx.st, self.room)?;
        if !(super::role(cx.st, cx.actor, r).manages() || cx.actor.is_user(&self.user)) {
            return Err(RoomError::Permission.into());
        }
        let u = target(cx.st, &self.user)?;
        let expire = r.roster.live_mute(u, cx.now);
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MayRoomMemberSpeak {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Ask for MayRoomMemberSpeak {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        let r = find(cx.st, self.room)?;
        super::self_or_admin(cx.actor, &self.user)?;
        Ok(cx
            .st
            .users
            .id(&self.user)
            .is_some_and(|u| r.may_speak(u, cx.now)))
    }
}
