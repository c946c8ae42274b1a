//! Groups and threads (spec 02).
//!
//! The area owns its state (`GroupStore` on the tenant, `UserGroups` on each user), its
//! limits ([`GroupLimits`]), errors ([`GroupError`]), events ([`GroupEvent`]) and commands.
//!
//! # Layout
//! Every group is a `GroupCell`: its id outside the lock and its whole state (members,
//! admins, block/allow/mute lists, files, member attributes, *and its threads*) behind one
//! `RwLock`. Threads live inside their group's state, so a thread operation locks its group,
//! and "thread members ⊆ group members" is kept under one lock. The tenant keeps a thread id →
//! group cell index to find them.
//!
//! Each user keeps the reverse indexes (`UserGroups`): the groups they joined and the threads
//! they joined, each with the join time. They change only under that user's lock, after the
//! group's lock (lock order: group, then users by id), so the per-user caps stay exact under
//! concurrency.
//!
//! # Callers
//! The role matrix (spec §3) applies to `Actor::User`; `Actor::Admin` is the spec's AppAdmin and
//! skips role checks (never the invariants). `Actor::Anonymous` is treated as a user who is in
//! no group: every group call it makes that a non-member may not make fails with
//! `PERMISSION_DENIED`, and it may not create groups.
//!
//! # Locking
//! Lock order (store.rs): group, then users by id (`lock_users`). A command resolves names to
//! user cells (map lookups) before it locks anything; a member's cell is kept in its record,
//! so cascades lock members without touching the user maps. The group and thread id maps and
//! the small app-wide indexes (`by_created`, `threads_by_created`, `msg_threads`) are written
//! while group/user locks are held: they are used as leaves — nobody holds one of their guards
//! while locking an entity or touching another map — so this cannot deadlock (it departs from
//! the letter of store.rs rule 1, not from its reason). Creating a group publishes its id
//! first with a cell that reads as nonexistent until the create commits; a concurrent caller
//! sees `GROUP_NOT_FOUND` (or `GROUP_ID_EXISTS` for the same custom id) meanwhile.
//!
//! # Consistency
//! Each command is atomic and linearizable per group. The per-user joined-groups and
//! joined-threads counts change only under the user's lock after the group's, so the caps are
//! exact under contention. Listings that span groups (app list, joined groups, user threads)
//! read one group at a time and may skip a group destroyed meanwhile.
//!
//! # Choices where the spec is silent
//! - Ordinary members add people only through [`InviteToGroup`] (when `allow_invites`);
//!   [`AddGroupMember`]/[`AddGroupMembers`] are for owners, admins and the app admin.
//! - Member cursors name the last member returned; thread-member and per-user thread cursors
//!   are positions in the list; the app thread list's cursor names a `(created, seq)` position.
//! - A user's `listed` index (groups whose block/mute lists or pending requests may name them)
//!   is a superset, cleaned lazily; the delete cascade skips groups that no longer name them.
//! - Threads: no message registry exists yet, so of the parent-message checks only
//!   `T_MSG_HAS_THREAD` runs (spec OPEN 12). `threads_enabled` defaults to on for the engine.
//! - `NAME_VIOLATION`/`ANNOUNCE_VIOLATION` exist for a future moderation hook; the engine has
//!   none and accepts all text.
//!
//! # Check order
//! Feature gate, request shape, existence, `GROUP_DISABLED` (user callers), permission, target
//! state, quotas (spec §0.5). A failed command changes nothing.

mod admins;
mod cascade;
mod content;
mod invariants;
mod lifecycle;
mod members;
mod model;
mod moderation;
mod threads;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::{Actor, Ctx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::store::{Extra, Tenant};
use crate::time::Timestamp;

pub use admins::*;
pub use content::*;
pub use lifecycle::*;
pub use members::*;
pub use moderation::*;
pub use threads::*;

pub(crate) use model::{GroupCell, GroupState, Member, Role, ThreadLink};

pub use crate::limits::GroupLimits;

pub(crate) use model::GroupStore;

/// The groups area's state on one user: the reverse indexes the cascades follow.
#[derive(Debug, Default)]
pub(crate) struct UserGroups {
    /// Groups the user is a member of (owner included), in join order, with the join time.
    pub groups: indexmap::IndexMap<Arc<str>, Timestamp>,
    /// Threads the user is a member of, in join order.
    pub threads: indexmap::IndexMap<Arc<str>, ThreadLink>,
    /// The last thread-join sequence handed out to this user ([`ThreadLink`]'s `seq`).
    pub thread_seq: u64,
    /// Groups whose block list, mute list or pending requests may name the user (a superset:
    /// the delete cascade follows it and skips groups that no longer do).
    pub listed: std::collections::HashSet<Arc<str>>,
}

mod error;
pub use error::GroupError;

mod events;
pub use events::{GroupEvent, LeaveReason};

/// The groups part of the user-deletion cascade. Called after the user is marked gone,
/// with the per-user state taken from them (`extra`): dissolves the groups they own, and
/// C-LEAVEs every other group they are in (members, admins, allow list, attributes, threads);
/// then drops them from block and mute lists (spec §14, OPEN 9).
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, user: UserId, name: &UserName, extra: &Extra) {
    cascade::user_deleted(cx, user, name, extra);
}

/// The groups area's invariants.
pub(crate) fn check_invariants(t: &Tenant) -> std::result::Result<(), String> {
    invariants::check(t)
}

/// Sort order of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupSort {
    /// Oldest first.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// The caller as the group area sees it: the admin, or a user (with their id when registered).
#[derive(Clone, Debug)]
pub(crate) enum Caller {
    Admin,
    User(UserName, Option<UserId>),
    Anonymous,
}

impl Caller {
    pub(crate) fn of(cx: &Ctx<'_>) -> Caller {
        match cx.actor {
            Actor::Admin => Caller::Admin,
            Actor::User(u) => Caller::User(u.clone(), cx.app.user(u).map(|c| c.id)),
            Actor::Anonymous => Caller::Anonymous,
        }
    }

    pub(crate) fn is_admin(&self) -> bool {
        matches!(self, Caller::Admin)
    }

    pub(crate) fn id(&self) -> Option<UserId> {
        match self {
            Caller::User(_, id) => *id,
            _ => None,
        }
    }

    /// The caller's role in the group; `None` for non-members (and the admin).
    pub(crate) fn role(&self, g: &GroupState) -> Option<Role> {
        self.id().and_then(|id| g.members.get(&id).map(|m| m.role))
    }
}

/// Role predicates for [`gate`].
pub(crate) mod need {
    use super::Role;
    /// The owner only.
    pub fn owner(r: Option<Role>) -> bool {
        r == Some(Role::Owner)
    }
    /// The owner or an admin.
    pub fn staff(r: Option<Role>) -> bool {
        r >= Some(Role::Admin)
    }
    /// Any member.
    pub fn member(r: Option<Role>) -> bool {
        r.is_some()
    }
}

/// The permission step of a user call (spec §3): the admin passes; a user (or anonymous
/// caller) gets `GROUP_DISABLED` on a disabled group, then `PERMISSION_DENIED` unless `ok`
/// accepts their role (`None` = not a member). Returns the caller's role.
pub(crate) fn gate(
    g: &GroupState,
    gid: &str,
    caller: &Caller,
    ok: impl Fn(Option<Role>) -> bool,
) -> Result<Option<Role>> {
    if caller.is_admin() {
        return Ok(None);
    }
    if g.disabled {
        return Err(GroupError::GroupDisabled(gid.to_string()).into());
    }
    let r = caller.role(g);
    if ok(r) {
        Ok(r)
    } else {
        Err(GroupError::PermissionDenied.into())
    }
}

/// The "ord." rule: an admin caller acts on ordinary members only.
pub(crate) fn ordinary_only(actor_role: Option<Role>, target: Option<Role>) -> Result<()> {
    if actor_role == Some(Role::Admin) && target.is_some_and(|t| t != Role::Member) {
        return Err(GroupError::PermissionDenied.into());
    }
    Ok(())
}

/// Write-locks a live group, or fails with `err(id)`.
pub(crate) fn write_group<'a>(
    cell: &'a GroupCell,
    err: impl FnOnce(&str) -> crate::error::Error,
) -> Result<parking_lot::RwLockWriteGuard<'a, GroupState>> {
    let g = cell.state.write();
    if g.gone {
        return Err(err(&cell.id));
    }
    Ok(g)
}

/// Read-locks a live group, or fails with `err(id)`.
pub(crate) fn read_group<'a>(
    cell: &'a GroupCell,
    err: impl FnOnce(&str) -> crate::error::Error,
) -> Result<parking_lot::RwLockReadGuard<'a, GroupState>> {
    let g = cell.state.read();
    if g.gone {
        return Err(err(&cell.id));
    }
    Ok(g)
}

/// Finds a group: the cell or `err(id)`.
pub(crate) fn find_group(
    cx: &Ctx<'_>,
    id: &str,
    err: impl FnOnce(&str) -> crate::error::Error,
) -> Result<Arc<GroupCell>> {
    cx.app.groups.cell(id).ok_or_else(|| err(id))
}

/// `GROUP_NOT_FOUND`.
pub(crate) fn gnf(id: &str) -> crate::error::Error {
    GroupError::GroupNotFound(id.to_string()).into()
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

/// Collapses duplicates to their first occurrence (spec §0.7).
pub(crate) fn dedup(names: &[UserName]) -> Vec<UserName> {
    let mut seen = std::collections::HashSet::new();
    names.iter().filter(|n| seen.insert(*n)).cloned().collect()
}

/// One item of a batch result (spec §0.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupBatchItem {
    /// Who.
    pub user: UserName,
    /// Whether the operation applied to them.
    pub result: bool,
    /// Why not, when it did not.
    pub reason: Option<String>,
}

pub(crate) fn emit(cx: &mut Ctx<'_>, e: GroupEvent) {
    cx.emit(crate::command::Event::Group(e));
}
