//! Room admins (spec 03 §3.5): at most 99, members only, never the owner.

use serde::{Deserialize, Serialize};

use super::{RoomError, RoomEvent, emit, open, room_mut, target};
use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{RoomId, UserName};
use crate::query::Ask;
use crate::roster::Role;

/// A room's admins in promotion order (`GET /chatrooms/{id}/admin`). Members, the owner, the
/// app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomAdmins {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomAdmins {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Member)?;
        Ok(r.roster.admins.values().cloned().collect())
    }
}

/// Makes a member an admin (`POST /chatrooms/{id}/admin`). The owner or the app admin. An
/// admin is exempt from mute-all implicitly, so any allow-list entry of theirs is dropped.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `E_OWNER`; `403 forbidden_op`
/// "user: {user} doesn't exist in group: {room}", "user {user} is already admin of group
/// {room}"; `403 exceed_limit` "admin count exceeds limit 99" ([`RoomLimits::admins_max`]).
///
/// Emits `AdminAdded`.
///
/// [`RoomLimits::admins_max`]: crate::RoomLimits::admins_max
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddRoomAdmin {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for AddRoomAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let max = cx.st.limits.rooms.admins_max;
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Owner)?;
        let u = target(cx.st, &self.user)?;
        if u == r.roster.owner {
            return Err(RoomError::OnOwner.into());
        }
        if !r.is_member(u) {
            return Err(RoomError::NotInGroup {
                user: self.user.to_string(),
                room: self.room,
            }
            .into());
        }
        if r.roster.admins.contains_key(&u) {
            return Err(RoomError::AlreadyAdmin {
                user: self.user.to_string(),
                room: self.room,
            }
            .into());
        }
        if r.roster.admins.len() >= max as usize {
            return Err(RoomError::AdminCap(max).into());
        }
        let r = room_mut(cx.st, self.room);
        r.roster.promote(u);
        r.roster.disallow(u);
        cx.st.rooms.refresh(self.room, u);
        emit(
            &mut cx.out,
            RoomEvent::AdminAdded {
                room: self.room,
                user: self.user.clone(),
            },
        );
        Ok(self.user)
    }
}

/// Takes the admin role away (`DELETE /chatrooms/{id}/admin/{user}`); they stay a member.
/// The owner or the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `403 forbidden_op` "user:{user} is
/// not admin of group:{room}".
///
/// Emits `AdminRemoved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveRoomAdmin {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveRoomAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Owner)?;
        let u = target(cx.st, &self.user)?;
        if !r.roster.admins.contains_key(&u) {
            return Err(RoomError::NotAdmin {
                user: self.user.to_string(),
                room: self.room,
            }
            .into());
        }
        room_mut(cx.st, self.room).roster.demote(u);
        cx.st.rooms.refresh(self.room, u);
        emit(
            &mut cx.out,
            RoomEvent::AdminRemoved {
                room: self.room,
                user: self.user.clone(),
            },
        );
        Ok(self.user)
    }
}
