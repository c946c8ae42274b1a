//! The groups part of the user-deletion cascade (spec §14).
//!
//! The user is still registered while this runs; their reverse index is complete: every group
//! they are in, and every group whose block list, mute list or pending requests may name them.

use crate::engine::Ctx;
use crate::ids::{GroupId, UserId, UserName};

use super::LeaveReason;
use super::lifecycle::{destroy, hand_over};
use super::members::leave;

/// Groups they own are destroyed (C-GROUP), in their join order; in the others they C-LEAVE
/// (reason `Delete`), which also drops their thread memberships there. Then they leave every
/// block list, mute list and pending request (spec OPEN 9), and their reverse index goes.
pub(crate) fn user_deleted(cx: &mut Ctx<'_>, user: UserId, _name: &UserName) {
    let Some(x) = cx.st.groups.user(user) else {
        return;
    };
    let joined: Vec<GroupId> = x.groups.keys().cloned().collect();
    for gid in &joined {
        match cx.st.groups.get(gid) {
            Some(g) if g.roster.owner == user => destroy(cx, gid),
            Some(g) if g.roster.is_member(user) => leave(cx, gid, user, LeaveReason::Delete),
            _ => {}
        }
    }
    let Some(x) = cx.st.groups.drop_user(user) else {
        return;
    };
    for gid in &x.listed {
        cx.st.groups.unmute(gid, user);
        if let Some(g) = cx.st.groups.get_mut(gid) {
            g.roster.blocks.shift_remove(&user);
            g.applications.shift_remove(&user);
            g.invitations.shift_remove(&user);
        }
    }
}

/// A closed account leaving its groups (spec 04 §3 OPEN (c), `leave_groups`): in every group
/// they are in, in their join order, a group they own first goes to its oldest admin (the
/// earliest promoted), else its oldest member, and is dismissed when they are alone; then they
/// C-LEAVE (reason `Quit`). Their block and mute entries stay, as on any leave.
pub(crate) fn user_leaves_all(cx: &mut Ctx<'_>, user: UserId) {
    let Some(x) = cx.st.groups.user(user) else {
        return;
    };
    let joined: Vec<GroupId> = x.groups.keys().cloned().collect();
    for gid in &joined {
        let Some(g) = cx.st.groups.get(gid) else {
            continue;
        };
        if !g.roster.is_member(user) {
            continue;
        }
        if g.roster.owner == user {
            let heir = g
                .roster
                .admins
                .keys()
                .next()
                .copied()
                .or_else(|| g.roster.members.iter().map(|m| m.id()).find(|&m| m != user));
            let Some(h) = heir else {
                destroy(cx, gid);
                continue;
            };
            let name = g.roster.members.get(h).expect("a member").name().clone();
            hand_over(cx, gid, h, name);
        }
        leave(cx, gid, user, LeaveReason::Quit);
    }
}
