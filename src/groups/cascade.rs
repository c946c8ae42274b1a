//! The groups part of the user-deletion cascade (spec §14).
//!
//! The user is already marked `gone` (no new link to them can form) and their per-user state
//! was taken under their lock, so the indexes walked here are complete: every group they are
//! in, and every group whose block list, mute list or pending requests may name them.

use crate::engine::Ctx;
use crate::ids::{UserId, UserName};
use crate::store::Extra;

use super::LeaveReason;
use super::lifecycle::destroy;
use super::model::Leaver;

pub(crate) fn user_deleted(cx: &mut Ctx<'_>, user: UserId, _name: &UserName, extra: &Extra) {
    let x = &extra.groups;
    // Groups they own are destroyed (C-GROUP); in the others they C-LEAVE, which also drops
    // their thread memberships there.
    for gid in x.groups.keys() {
        let Some(cell) = cx.app.groups.cell(gid) else {
            continue;
        };
        let mut g = cell.state.write();
        if g.gone || !g.is_member(user) {
            continue;
        }
        if g.owner == user {
            destroy(cx, &cell, &mut g);
        } else {
            g.leave(
                cx,
                &cell.id,
                user,
                Leaver::Deleted(&x.threads),
                LeaveReason::Delete,
            );
        }
    }
    // Block lists, mute lists and pending requests (spec OPEN 9).
    for gid in &x.listed {
        let Some(cell) = cx.app.groups.cell(gid) else {
            continue;
        };
        let mut g = cell.state.write();
        if g.gone {
            continue;
        }
        g.blocks.shift_remove(&user);
        g.mutes.shift_remove(&user);
        g.applications.shift_remove(&user);
        g.invitations.shift_remove(&user);
    }
}
