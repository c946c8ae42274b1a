//! Data export (spec 03 §3.11): everything the rooms area holds about one user, or about one
//! room, in one read. The app admin only.

use serde::{Deserialize, Serialize};

use super::lifecycle::details;
use super::{AttrOwner, RoomDetails, RoomMute, find_q, target};
use crate::engine::{NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{RoomId, UserId, UserName};
use crate::query::Ask;
use crate::store::State;
use crate::time::Expiry;

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ExportUserRooms {
    /// Whose.
    pub user: UserName,
}

impl Ask for ExportUserRooms {
    type Reply = UserRoomsExport;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<UserRoomsExport> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let uid = target(cx.st, &self.user)?;
        Ok(user_part(cx.st, uid))
    }
}

/// What the rooms area holds about user `uid`: the body of [`ExportUserRooms`], and the rooms
/// part of the whole-user export ([`crate::users::ExportUser`]).
pub(crate) fn user_part(st: &State, uid: UserId) -> UserRoomsExport {
    {
        let rooms = &st.rooms;
        let (joined, mut ids) = match rooms.of_user(uid) {
            Some(x) => (
                x.joined.iter().rev().copied().collect(),
                x.joined.iter().chain(&x.named).copied().collect::<Vec<_>>(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        ids.sort_unstable();
        let records = ids
            .into_iter()
            .filter_map(|id| rooms.get(id))
            .map(|r| UserRoomRecord {
                room: r.id,
                name: r.name.clone(),
                owner: r.roster.owner == uid,
                member: r.is_member(uid),
                admin: r.roster.admins.contains_key(&uid),
                muted: r.roster.mutes.get(&uid).map(|(_, e)| *e),
                blocked: r.roster.blocks.contains_key(&uid),
                allowed: r.roster.allow.contains_key(&uid),
                attributes: r
                    .attrs
                    .iter()
                    .filter(|(_, a)| matches!(&a.owner, AttrOwner::User(o, _) if *o == uid))
                    .map(|(k, a)| (k.to_string(), a.value.to_string()))
                    .collect(),
            })
            .collect();
        UserRoomsExport {
            super_admin: rooms.super_admins.contains_key(&uid),
            joined,
            rooms: records,
        }
    }
}

/// Everything one room holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomExport {
    /// The details (as [`super::GetRooms`] gives them), members included.
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ExportRoom {
    /// Which.
    pub room: RoomId,
}

impl Ask for ExportRoom {
    type Reply = RoomExport;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<RoomExport> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let r = find_q(cx.st, self.room)?;
        Ok(RoomExport {
            details: details(r),
            announcement: r.announcement.clone(),
            admins: r.roster.admins.values().cloned().collect(),
            mutes: r
                .roster
                .mutes
                .values()
                .map(|(n, e)| RoomMute {
                    user: n.clone(),
                    expire: *e,
                })
                .collect(),
            blocks: r.roster.blocks.values().cloned().collect(),
            allow: r.roster.allow.values().cloned().collect(),
            attributes: r
                .attrs
                .iter()
                .map(|(k, a)| {
                    (
                        k.to_string(),
                        a.value.to_string(),
                        a.owner.name(),
                        a.auto_delete,
                    )
                })
                .collect(),
        })
    }
}
