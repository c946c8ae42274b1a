//! The chatrooms part of user deletion (spec 03 §3.11).

use super::lifecycle::destroy;
use super::members::depart;
use super::{RoomExitReason, room_mut};
use crate::engine::Ctx;
use crate::ids::{RoomId, UserId, UserName};

/// The chatrooms part of the user-deletion cascade, run while the user is still in the users
/// table. They leave the super-admin set; then, in id order over the rooms that list or name
/// them, rooms they own are deleted (members depart `RoomDestroyed`, see
/// [`DeleteRoom`](super::DeleteRoom)); elsewhere they depart `UserDeleted` and leave the block,
/// allow and mute lists without list events. Attribute keys they own marked `NO_DELETE` stay
/// (the owner field keeps the id); `DELETE` ones go with the departure.
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, user: UserId, name: &UserName) {
    let _ = name;
    let rooms = &mut cx.st.rooms;
    rooms.super_admins.shift_remove(&user);
    let mut ids: Vec<RoomId> = match rooms.of_user(user) {
        Some(x) => x.joined.iter().chain(&x.named).copied().collect(),
        None => return,
    };
    ids.sort_unstable();
    for id in ids {
        if cx.st.rooms.get(id).is_some_and(|r| r.roster.owner == user) {
            destroy(cx, id);
            continue;
        }
        depart(cx, id, user, RoomExitReason::UserDeleted);
        let roster = &mut room_mut(cx.st, id).roster;
        roster.unmute(user);
        roster.blocks.shift_remove(&user);
        roster.disallow(user);
        cx.st.rooms.refresh(id, user);
    }
}
