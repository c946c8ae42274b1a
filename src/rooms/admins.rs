//! Room admins (spec 03 §3.5): at most 99, members only, never the owner.

use serde::{Deserialize, Serialize};

use super::*;
use crate::command::Exec;
use crate::error::Result;
use crate::query::Ask;

/// A room's admins in promotion order (`GET /chatrooms/{id}/admin`). Members, the owner, the
/// app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRoomAdmins {
    /// Which.
    pub room: RoomId,
}

impl Ask for ListRoomAdmins {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let r = cell.read_live(false)?;
        if !r.role(&me).inside() {
            return err(RoomError::Permission);
        }
        Ok(r.admins.iter().map(|u| r.members[u].name.clone()).collect())
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddRoomAdmin {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for AddRoomAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let max = cx.app.limits.rooms.admins_max;
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let t = target(cx, &self.user);
        let mut r = cell.write_live()?;
        if !r.role(&me).owns() {
            return err(RoomError::Permission);
        }
        let t = t?;
        if t.id == r.owner {
            return err(RoomError::OnOwner);
        }
        if !r.is_member(t.id) {
            return err(RoomError::NotInGroup {
                user: self.user.to_string(),
                room: self.room,
            });
        }
        if r.admins.contains(&t.id) {
            return err(RoomError::AlreadyAdmin {
                user: self.user.to_string(),
                room: self.room,
            });
        }
        if r.admins.len() >= max as usize {
            return err(RoomError::AdminCap(max));
        }
        r.admins.insert(t.id);
        r.allow.shift_remove(&t.id);
        drop(r);
        emit(
            cx,
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
pub struct RemoveRoomAdmin {
    /// Which.
    pub room: RoomId,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveRoomAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let t = target(cx, &self.user);
        let mut r = cell.write_live()?;
        if !r.role(&me).owns() {
            return err(RoomError::Permission);
        }
        let t = t?;
        if !r.admins.shift_remove(&t.id) {
            return err(RoomError::NotAdmin {
                user: self.user.to_string(),
                room: self.room,
            });
        }
        drop(r);
        emit(
            cx,
            RoomEvent::AdminRemoved {
                room: self.room,
                user: self.user.clone(),
            },
        );
        Ok(self.user)
    }
}
