//! Chatrooms and their attributes (spec 03 §0–§3, the chatroom rows of §5 and §6).
//!
//! | spec 03 | file |
//! |---|---|
//! | §3.1 super admins | `super_admins.rs` |
//! | §3.2 create, list, details, update, transfer, delete; §3.3 announcement | `lifecycle.rs` |
//! | §3.4 membership: add, remove, join, leave, member lists, departures | `members.rs` |
//! | §3.4 `sweep_offline_members`: offline members leave after the grace | `sweep.rs` |
//! | §3.5 admins | `admins.rs` |
//! | §3.6 block list, §3.7 allow list, §3.8 mutes and the send rule | `moderation.rs` |
//! | §3.9 custom attributes and their byte budget | `attributes.rs` |
//! | §3.11 export | `export.rs` |
//! | §3.11 user deletion | `cascade.rs` |
//! | §0 errors, §3.10 events | `error.rs`, `events.rs` |
//!
//! The records (a room, its attributes) are in `state.rs`; a room's owner, members, admins
//! and block, allow and mute lists are a roster (`crate::roster`). The table that holds the
//! rooms, in id order, with the app's super admins, the room-attribute byte total and the
//! per-user index (rooms joined in join order, rooms that still name a user) is the store's.
//! The area's limits are [`RoomLimits`]; its errors [`RoomError`]; its events [`RoomEvent`].
//!
//! Every command checks everything first, in the order its docs list, and only then changes
//! the state: a refused command changes nothing. Room ids are drawn from the app's counter
//! once a create's checks have passed.
//!
//! # Choices where the spec is silent
//! - An owner who left still holds a seat: while they are away, other members count against
//!   `maxusers − 1`, so the owner's re-join (which skips the capacity check) never overfills,
//!   and `maxusers` cannot be lowered below the seats taken.
//! - Room ids are [`RoomId`]s, decimal in the vendor API; [`RoomId::for_command`] and
//!   [`RoomId::for_read`] turn text that is no room id into `E_ROOM` / `E_ROOM_Q` naming it.
//! - The allow list never stores the owner or admins (they are exempt implicitly); asking to
//!   allow them succeeds without storing, and promoting an allow-listed member drops the entry.
//! - Every departure, blocking included, keeps the user's mute and allow-list entries (OPEN 6).
//! - In batch removal, block, mute and allow, an unknown user is reported like a non-member;
//!   an admin acting on another admin gets the `E_PERM` text as the item's reason (single-user
//!   forms fail with `E_PERM`).
//! - Departure events name the departing user as the operator of the `AttributesRemoved` that
//!   auto-delete causes. The delete cascade removes a user from block, allow and mute lists
//!   without list events (the user is gone; `MemberExited{UserDeleted}` is emitted where they
//!   were a member), and visits the rooms that list or name them in id order.
//! - `JoinRoom { leave_other_rooms }` checks everything first, then leaves the other rooms in
//!   id order and joins: a refused join leaves the user in their other rooms.
//! - `sweep_offline_members` runs inside [`crate::expiry::Expire`], one member at a time as
//!   their grace ends; a member's clock starts at the later of their offline-since time and
//!   their join, and users who never connected are not swept (see `sweep.rs`).
//! - Member lists in page mode cost O(offset) steps of the join-order walk; cursor mode is
//!   O(log n + limit) at any depth.

mod admins;
mod attributes;
mod cascade;
mod error;
mod events;
mod export;
mod lifecycle;
mod members;
mod moderation;
mod state;
mod super_admins;
mod sweep;

pub use admins::*;
pub use attributes::*;
pub use error::*;
pub use events::*;
pub use export::*;
pub use lifecycle::*;
pub use members::*;
pub use moderation::*;
pub use super_admins::*;

pub(crate) use cascade::on_user_deleted;
pub(crate) use export::user_part as export_user;
pub(crate) use state::{Attr, AttrOwner, Room};
pub(crate) use sweep::sweep_member;

pub use crate::ids::RoomId;
pub use crate::limits::RoomLimits;

use crate::command::Event;
use crate::engine::Actor;
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::roster::{Caller, Role};
use crate::store::State;

/// A room, or `E_ROOM`.
fn find(st: &State, id: RoomId) -> Result<&Room> {
    st.rooms
        .get(id)
        .ok_or_else(|| RoomError::NotFound(id).into())
}

/// A room for a details, member or export read, or `E_ROOM_Q`.
fn find_q(st: &State, id: RoomId) -> Result<&Room> {
    st.rooms
        .get(id)
        .ok_or_else(|| RoomError::QueryNotFound(id).into())
}

/// A room to change: one the command's checks found.
fn room_mut(st: &mut State, id: RoomId) -> &mut Room {
    st.rooms
        .get_mut(id)
        .expect("the command's checks found the room")
}

/// The caller's role in a room.
fn role(st: &State, actor: &Actor, r: &Room) -> Role {
    r.roster.role(&Caller::of(st, actor))
}

/// The common opening of a room call: the room (`E_ROOM`), then the caller's role in it, which
/// must be at least `need` (`E_PERM`). Returns both.
fn open<'a>(st: &'a State, actor: &Actor, id: RoomId, need: Role) -> Result<(&'a Room, Role)> {
    let r = find(st, id)?;
    permit(r, role(st, actor, r), need)
}

/// [`open`] for details and member reads: `E_ROOM_Q`, then `E_PERM`.
fn open_q<'a>(st: &'a State, actor: &Actor, id: RoomId, need: Role) -> Result<(&'a Room, Role)> {
    let r = find_q(st, id)?;
    permit(r, role(st, actor, r), need)
}

/// The opening of a batch command: [`open`] (`E_ROOM`, then `E_PERM` below `need`), then the
/// batch size: `size_err(max)` for no users or more than `max` (repeats counted). Returns the
/// room, the caller's role and the distinct users in request order.
fn open_batch<'a>(
    st: &'a State,
    actor: &Actor,
    id: RoomId,
    need: Role,
    users: &[UserName],
    (max, size_err): (usize, fn(usize) -> RoomError),
) -> Result<(&'a Room, Role, Vec<UserName>)> {
    let (r, role) = open(st, actor, id, need)?;
    if users.is_empty() || users.len() > max {
        return Err(size_err(max).into());
    }
    Ok((r, role, crate::roster::distinct(users)))
}

/// `r` and `role` when `role` is at least `need`, else `E_PERM`.
fn permit(r: &Room, role: Role, need: Role) -> Result<(&Room, Role)> {
    if role >= need {
        Ok((r, role))
    } else {
        Err(RoomError::Permission.into())
    }
}

/// Ok for the app admin and for `user` themself; `E_PERM` for everyone else.
fn self_or_admin(actor: &Actor, user: &UserName) -> Result<()> {
    actor.admin_or_self(user, RoomError::Permission.into())
}

/// A named user's id, or `E_USER`.
fn target(st: &State, name: &UserName) -> Result<UserId> {
    st.users
        .id(name)
        .ok_or_else(|| RoomError::UserNotFound(name.to_string()).into())
}

/// Records a room event.
fn emit(out: &mut Vec<Event>, e: RoomEvent) {
    out.push(Event::Room(e));
}

/// A length in chars, as the limits count them.
fn chars(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn errors_carry_vendor_status_code_and_text() {
        let cases: Vec<(RoomError, u16, &str, &str)> = vec![
            (
                RoomError::NotFound(RoomId(7)),
                404,
                "resource_not_found",
                "grpID 7 does not exist!",
            ),
            (
                RoomError::QueryNotFound(RoomId(7)),
                404,
                "service_resource_not_found",
                "do not find this group:7",
            ),
            (
                RoomError::Permission,
                401,
                "group_authorization",
                ROOM_PERM_DESC,
            ),
            (
                RoomError::AttrNotMember,
                401,
                "MetadataException",
                "user is not in chatroom",
            ),
            (RoomError::OnOwner, 403, "forbidden_op", ROOM_OWNER_DESC),
            (
                RoomError::Full,
                403,
                "exceed_limit",
                "members size is greater than max user size !",
            ),
            (
                RoomError::Missing("name"),
                400,
                "invalid_parameter",
                "name must be provided",
            ),
            (
                RoomError::AttrBatch(10),
                400,
                "illegal_argument",
                "exceed allowed batch size 10",
            ),
        ];
        for (e, status, code, text) in cases {
            let wrapped: Error = e.clone().into();
            assert_eq!(
                (
                    wrapped.status(),
                    wrapped.code(),
                    wrapped.to_string().as_str()
                ),
                (status, code, text),
                "{e:?}"
            );
        }
    }
}
