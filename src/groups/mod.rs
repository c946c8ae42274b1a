//! Groups and threads (spec 02).
//!
//! The area owns its records (`Group` and its threads, in `state.rs`), its limits
//! ([`GroupLimits`]), errors ([`GroupError`]), events ([`GroupEvent`]) and commands. Every
//! rule is a plain function over the app's state: a command gets `&mut State`, a query
//! `&State`, and a command runs alone on its app, so it checks everything first and then
//! changes the state in one go (a failed command changes nothing; ids are drawn only once the
//! checks have passed).
//!
//! | spec 02 | file |
//! |---|---|
//! | §3 roles matrix: the opening of every call (`open`, `open_if`, `open_batch`, `gate`) | `mod.rs` |
//! | §4 G1–G10 create, details, app list, joined groups, is-member, modify, transfer, disable/enable, destroy (C-GROUP) | `lifecycle.rs` |
//! | §5 M1–M6 member lists, add, remove; §13 leave, join with approval, invite with confirmation; C-LEAVE | `members.rs` |
//! | §6 A1–A3 admins | `admins.rs` |
//! | §7 block list, §8 allow list, §9 mutes and the send rule | `moderation.rs` |
//! | §10 announcement and shared files, §11 member attributes | `content.rs` |
//! | §12 threads | `threads.rs` |
//! | §14 the user-deletion cascade | `cascade.rs` |
//! | §14 GDPR: a user's part of the data export (spec 01 §16) | `export.rs` |
//! | §15 events | `events.rs` |
//! | §17 errors | `error.rs` |
//!
//! # Layout
//! A group is one record: its settings, a `roster::Roster` (owner, members in join
//! order, admins, and the allow, block and mute lists, with each member's role, allow flag and
//! mute mirrored on their member record so the send rule reads the member alone), its content
//! (announcement, files, member attributes), its pending requests *and its threads* (each with
//! its members in a `roster::Members`), so "thread members ⊆ group members" is kept
//! inside one record. The store's groups table (`store::Groups`) indexes them: by id,
//! by creation time, thread → group, parent message → thread, the retired ids, and for
//! each user the reverse index (groups joined with the join time, threads joined, the
//! per-user thread-join sequence, and the groups whose lists may name them) that the per-user
//! caps, the per-user lists and the delete cascade read. Only the table's methods change the
//! indexes, so they stay in step.
//!
//! # Callers
//! The role matrix (spec §3) applies to `Actor::User`; `Actor::Admin` is the spec's AppAdmin and
//! skips role checks (never the invariants). `Actor::Anonymous` is treated as a user who is in
//! no group: every group call it makes that a non-member may not make fails with
//! `PERMISSION_DENIED`, and it may not create groups.
//!
//! # Choices where the spec is silent
//! - Ordinary members add people only through [`InviteToGroup`] (when `allow_invites`);
//!   [`AddGroupMember`]/[`AddGroupMembers`] are for owners, admins and the app admin.
//! - Member cursors name the last member returned (its per-group join sequence); thread-member
//!   cursors name a thread join sequence and per-user thread cursors a (join time, per-user
//!   join sequence) key, so leaving between pages never makes a page skip anyone; the app
//!   thread list's cursor names a `(created, seq)` position.
//! - A user's `listed` index (groups whose block/mute lists or pending requests may name them)
//!   is a superset, cleaned lazily; the delete cascade skips groups that no longer name them.
//! - Threads: the parent message is checked against the messages area's store (H4's
//!   `T_MSG_*` checks). `threads_enabled` defaults to on for the engine.
//! - `NAME_VIOLATION`/`ANNOUNCE_VIOLATION` exist for a future moderation hook; the engine has
//!   none and accepts all text.
//! - Ids come from the app's counter once a command's checks have passed: a group takes one
//!   (its id, or with a custom id its creation sequence), a thread two (its id, then its
//!   creation sequence), a shared file one.
//! - An invitation that needs confirmation names, when several invitees are blocked, the one
//!   registered first (lowest user id); the direct adds name the first in request order.
//!
//! # Check order
//! Feature gate, request shape, existence, `GROUP_DISABLED` (user callers), permission, target
//! state, quotas (spec §0.5). A failed command changes nothing.

mod admins;
mod cascade;
mod content;
mod error;
mod events;
mod export;
mod lifecycle;
mod members;
mod moderation;
mod state;
mod threads;

use serde::{Deserialize, Serialize};

use crate::command::Event;
use crate::engine::{Actor, Ctx};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId, UserName};
use crate::roster::{Caller, Role, distinct};
use crate::store::State;

pub use admins::*;
pub use content::*;
pub use error::GroupError;
pub use events::{GroupEvent, LeaveReason};
pub use export::{ExportedGroupFile, UserGroupRecord, UserGroupsExport, UserThreadRecord};
pub use lifecycle::*;
pub use members::*;
pub use moderation::*;
pub use threads::*;

pub(crate) use state::{Group, Thread};

pub use crate::limits::GroupLimits;

/// The groups part of the user-deletion cascade, run while the user is still registered:
/// dissolves the groups they own, and C-LEAVEs every other group they are in (members, admins,
/// allow list, attributes, threads); then drops them from block and mute lists and pending
/// requests (spec §14, OPEN 9), and drops their reverse index.
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, user: UserId, name: &UserName) {
    cascade::user_deleted(cx, user, name);
}

/// A closed account leaving every group it is in (spec 04 §3 OPEN (c)): owned groups go to
/// the oldest admin, else the oldest member, else are dismissed.
pub(crate) fn on_account_closed_leave(cx: &mut Ctx<'_>, user: UserId) {
    cascade::user_leaves_all(cx, user);
}

/// The groups area's part of a user's data export (spec 01 §16): see [`UserGroupsExport`].
pub(crate) fn export_user(st: &State, user: UserId) -> UserGroupsExport {
    export::user_part(st, user)
}

/// Sort order of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum GroupSort {
    /// Oldest first.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// How a call reports a missing group (each family of calls has its own error).
pub(crate) type NotFound = fn(&GroupId) -> Error;

/// `GROUP_NOT_FOUND`.
pub(crate) fn gnf(id: &GroupId) -> Error {
    GroupError::GroupNotFound(id.to_string()).into()
}

/// A live group, or `nf(id)`.
pub(crate) fn find<'a>(st: &'a State, id: &GroupId, nf: NotFound) -> Result<&'a Group> {
    st.groups.get(id).ok_or_else(|| nf(id))
}

/// The permission step of a call on a found group (spec §3): the app admin passes (as
/// [`Role::App`]); any other caller gets `GROUP_DISABLED` on a disabled group, then
/// `PERMISSION_DENIED` unless `ok` accepts their role here. Returns the caller's role.
pub(crate) fn gate(
    g: &Group,
    id: &GroupId,
    caller: &Caller,
    ok: impl FnOnce(Role) -> bool,
) -> Result<Role> {
    if caller.is_admin() {
        return Ok(Role::App);
    }
    if g.disabled {
        return Err(GroupError::GroupDisabled(id.to_string()).into());
    }
    let r = g.roster.role(caller);
    if ok(r) {
        Ok(r)
    } else {
        Err(GroupError::PermissionDenied.into())
    }
}

/// The opening of a group call: the group (`nf` when missing), then [`gate`] with `ok`.
pub(crate) fn open_if<'a>(
    st: &'a State,
    id: &GroupId,
    caller: &Caller,
    nf: NotFound,
    ok: impl FnOnce(Role) -> bool,
) -> Result<(&'a Group, Role)> {
    let g = find(st, id, nf)?;
    Ok((g, gate(g, id, caller, ok)?))
}

/// The opening of most group calls: this group (`GROUP_NOT_FOUND`), this caller, at least
/// this role (`GROUP_DISABLED` for user callers first, then `PERMISSION_DENIED`). Returns the
/// group and the caller's role there.
pub(crate) fn open<'a>(
    st: &'a State,
    actor: &Actor,
    id: &GroupId,
    least: Role,
) -> Result<(&'a Group, Role)> {
    open_if(st, id, &Caller::of(st, actor), gnf, |r| r >= least)
}

/// The opening of the owner-and-admin batches: the size check (none → `INVALID_PARAMETER`,
/// over `max` → `BATCH_TOO_LARGE` with the vendor's text `"{too_large} : {max}"`), then
/// [`open`] as an admin. Returns the caller's role and the distinct names in request order.
pub(crate) fn open_batch(
    st: &State,
    actor: &Actor,
    id: &GroupId,
    users: &[UserName],
    max: usize,
    too_large: &str,
) -> Result<(Role, Vec<UserName>)> {
    batch_size(
        users,
        max,
        GroupError::BatchTooLarge(format!("{too_large} : {max}")),
    )?;
    let (_, role) = open(st, actor, id, Role::Admin)?;
    Ok((role, distinct(users)))
}

/// A live group the caller opened, to change.
pub(crate) fn group_mut<'a>(st: &'a mut State, id: &GroupId) -> &'a mut Group {
    st.groups.get_mut(id).expect("opened")
}

/// Self-service: the app admin may act for anyone, a user only for themself
/// (`PERMISSION_DENIED` otherwise).
pub(crate) fn for_self(caller: &Caller, user: &UserName) -> Result<()> {
    if caller.is_admin() || caller.is(user) {
        Ok(())
    } else {
        Err(GroupError::PermissionDenied.into())
    }
}

/// The "ord." rule: a group admin acts on ordinary members (and non-members) only.
pub(crate) fn ordinary_only(actor: Role, target: Role) -> Result<()> {
    if actor == Role::Admin && target > Role::Member {
        return Err(GroupError::PermissionDenied.into());
    }
    Ok(())
}

/// Checks a batch's size: empty → `INVALID_PARAMETER`, above `max` → `err`.
pub(crate) fn batch_size<T>(items: &[T], max: usize, err: GroupError) -> Result<()> {
    if items.is_empty() {
        return Err(GroupError::InvalidParameter("usernames must be provided".into()).into());
    }
    if items.len() > max {
        return Err(err.into());
    }
    Ok(())
}

/// `NOT_MEMBERS` naming every user of a request.
pub(crate) fn not_members(names: &[UserName]) -> Error {
    GroupError::NotMembers(names.iter().map(|n| n.to_string()).collect()).into()
}

/// Records an event of the area.
pub(crate) fn emit(out: &mut Vec<Event>, e: GroupEvent) {
    out.push(Event::Group(e));
}
