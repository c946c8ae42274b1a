//! The offline sweep (spec 03 §3.4 `sweep_offline_members`): a member who has been offline
//! for `offline_grace` (120 s by default) while a member leaves the room with reason
//! `Offline`, except the owner, admins and allow-listed users.
//!
//! "Offline" is the users area's offline-since time: set when a user's last session closes,
//! cleared when one opens (spec 01 §8). The clock of a member starts at the later of that
//! time and their join, so a user added while offline gets the full grace; users who never
//! had a session have no offline-since time and are not swept (nothing says since when they
//! are offline). Exemption is judged when the grace is up: a member who loses it (an admin
//! demoted, an allow entry removed) while offline is due `offline_grace` after they went
//! offline while a member, at once if that has passed.
//!
//! The rooms table keeps, per sweepable offline member, since when they count as offline
//! (`Rooms::offline_from`, kept by `Rooms::refresh` and `Rooms::set_offline`);
//! [`crate::expiry::Expire`] runs [`sweep_member`] for each one due, once.

use super::RoomExitReason;
use super::members::depart;
use crate::engine::Ctx;
use crate::ids::{RoomId, UserId};

/// Sweeps one member whose grace is up: they depart with reason `Offline` (`MemberExited`,
/// and `AttributesRemoved` for auto-delete keys they owned). False if they were no member.
pub(crate) fn sweep_member(cx: &mut Ctx<'_>, room: RoomId, user: UserId) -> bool {
    depart(cx, room, user, RoomExitReason::Offline)
}
