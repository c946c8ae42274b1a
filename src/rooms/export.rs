//! Data export (spec 03 §3.11): everything the rooms area holds about one user, or about one
//! room, in one read. The app admin only.

use serde::{Deserialize, Serialize};

use super::*;
use crate::engine::NOT_ALLOWED;
use crate::error::Result;
use crate::query::Ask;

/// What one room holds about a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoomRecord {
    /// Which room.
    pub room: RoomId,
    /// Its name.
    pub name: String,
    /// The user owns it.
    pub owner: bool,
    /// The user is a present member.
    pub member: bool,
    /// The user is an admin.
    pub admin: bool,
    /// The user's mute entry, live or lapsed (`None`: not on the mute list).
    pub muted: Option<Expiry>,
    /// The user is on the block list.
    pub blocked: bool,
    /// The user is on the allow list.
    pub allowed: bool,
    /// Attribute keys the user owns, with their values, in room order.
    pub attributes: Vec<(String, String)>,
}

/// Everything the rooms area holds about one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoomsExport {
    /// Whether the user is an app super admin.
    pub super_admin: bool,
    /// Rooms the user joined, most recent first.
    pub joined: Vec<RoomId>,
    /// Every room that names the user (member, owner, or on a list), by id.
    pub rooms: Vec<UserRoomRecord>,
}

/// Exports what the rooms area holds about a user (§3.11). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `E_USER`.
///
/// # Locking
/// The user's read lock, then each room's read lock, one at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportUserRooms {
    /// Whose.
    pub user: UserName,
}

impl Ask for ExportUserRooms {
    type Reply = UserRoomsExport;
    fn ask(self, cx: &Ctx<'_>) -> Result<UserRoomsExport> {
        cx.admin_only(NOT_ALLOWED)?;
        let cell = target(cx, &self.user)?;
        let uid = cell.id;
        let (joined, all) = {
            let s = cell.state.read();
            if s.gone {
                return err(RoomError::UserNotFound(self.user.to_string()));
            }
            match s.extra() {
                Some(x) => (
                    x.rooms.joined.iter().rev().copied().collect::<Vec<_>>(),
                    user_rooms_of(x),
                ),
                None => (Vec::new(), Vec::new()),
            }
        };
        let super_admin = super_admins::is_super_admin(cx, uid);
        let mut rooms = Vec::new();
        for id in all {
            let Some(c) = cx.app.rooms.cell(id) else {
                continue;
            };
            let r = c.state.read();
            if !r.live || !(r.is_member(uid) || r.mentions(uid)) {
                continue;
            }
            rooms.push(UserRoomRecord {
                room: id,
                name: r.name.clone(),
                owner: r.owner == uid,
                member: r.is_member(uid),
                admin: r.admins.contains(&uid),
                muted: r.mutes.get(&uid).map(|(_, e)| *e),
                blocked: r.blocks.contains_key(&uid),
                allowed: r.allow.contains_key(&uid),
                attributes: r
                    .attrs
                    .iter()
                    .filter(|(_, a)| matches!(&a.owner, AttrOwner::User(o, _) if *o == uid))
                    .map(|(k, a)| (k.to_string(), a.value.to_string()))
                    .collect(),
            });
        }
        Ok(UserRoomsExport {
            super_admin,
            joined,
            rooms,
        })
    }
}

/// Everything one room holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomExport {
    /// The details (as [`GetRooms`] gives them), members included.
    pub details: RoomDetails,
    /// The announcement.
    pub announcement: String,
    /// Admins in promotion order.
    pub admins: Vec<UserName>,
    /// Mute entries in mute order, live or lapsed.
    pub mutes: Vec<RoomMute>,
    /// The block list.
    pub blocks: Vec<UserName>,
    /// The allow list.
    pub allow: Vec<UserName>,
    /// Attributes in room order: key, value, owner (`None`: the app admin), auto-delete.
    pub attributes: Vec<(String, String, Option<UserName>, bool)>,
}

/// Exports one room (§3.11). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `E_ROOM_Q`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRoom {
    /// Which.
    pub room: RoomId,
}

impl Ask for ExportRoom {
    type Reply = RoomExport;
    fn ask(self, cx: &Ctx<'_>) -> Result<RoomExport> {
        cx.admin_only(NOT_ALLOWED)?;
        let cell = room_q(cx, self.room)?;
        let r = cell.read_live(true)?;
        Ok(RoomExport {
            details: lifecycle::details(&r),
            announcement: r.announcement.clone(),
            admins: r.admins.iter().map(|u| r.members[u].name.clone()).collect(),
            mutes: r
                .mutes
                .values()
                .map(|(n, e)| RoomMute {
                    user: n.clone(),
                    expire: *e,
                })
                .collect(),
            blocks: r.blocks.values().cloned().collect(),
            allow: r.allow.values().cloned().collect(),
            attributes: r
                .attrs
                .iter()
                .map(|(k, a)| {
                    let owner = match &a.owner {
                        AttrOwner::Admin => None,
                        AttrOwner::User(_, n) => Some(n.clone()),
                    };
                    (k.to_string(), a.value.to_string(), owner, a.auto_delete)
                })
                .collect(),
        })
    }
}
