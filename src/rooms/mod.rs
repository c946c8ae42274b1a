//! Chatrooms and their attributes (spec 03 §0–§3, the chatroom rows of §5 and §6).
//!
//! The area owns its state (`RoomStore` on the tenant, `UserRooms` on each user), its
//! limits ([`RoomLimits`]), errors ([`RoomError`]), events ([`RoomEvent`]), commands and queries
//! (super admins, lifecycle, members, admins, block/allow/mute, attributes, export).
//!
//! # Shape
//! A room is a `RoomCell`: its id outside the lock, its state behind one `RwLock`. Members
//! are a hash map keyed by [`UserId`] (membership is O(1)) plus a `BTreeMap` from a join
//! sequence to the member (join order, O(log n) join and leave, pages without copying the
//! roster). Each user keeps the rooms they joined, in join order, and the rooms whose lists
//! still name them after they left (owner, mute, allow, block), so that deleting a user finds
//! every room that mentions them without scanning the app.
//!
//! # Locking
//! A room op locks the room, then the users it links or unlinks (one at a time, or several
//! with `lock_users`). A user whose state is `gone` is being deleted and is treated as
//! nonexistent. Super admins sit in a leaf mutex on the store; the app's room count and room
//! attribute bytes are atomic counters (reserve, then commit).
//!
//! # Choices where the spec is silent
//! - An owner who left still holds a seat: while they are away, other members count against
//!   `maxusers − 1`, so the owner's re-join (which skips the capacity check) never overfills,
//!   and `maxusers` cannot be lowered below the seats taken.
//! - Room ids are [`RoomId`]s, decimal in the vendor API; a host maps an unparseable id to
//!   `E_ROOM` itself.
//! - The allow list never stores the owner or admins (they are exempt implicitly); asking to
//!   allow them succeeds without storing, and promoting an allow-listed member drops the entry.
//! - Every departure, blocking included, keeps the user's mute and allow-list entries (OPEN 6).
//! - In batch removal, block, mute and allow, an unknown user is reported like a non-member;
//!   an admin acting on another admin gets the `E_PERM` text as the item's reason (single-user
//!   forms fail with `E_PERM`).
//! - Departure events name the departing user as the operator of the `AttributesRemoved` that
//!   auto-delete causes. The delete cascade removes a user from block, allow and mute lists
//!   without list events (the user is gone; `MemberExited{UserDeleted}` is emitted where they
//!   were a member).
//! - `JoinRoom { leave_other_rooms }` locks the target and the rooms to leave together (rooms
//!   in id order, then the user), checks everything, then leaves and joins: a refused join
//!   leaves the user in their other rooms.
//! - `sweep_offline_members` is not built (the engine keeps no offline-since time yet).
//! - Member lists in page mode cost O(offset) steps of the join-order walk; cursor mode is
//!   O(log n + limit) at any depth.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indexmap::{IndexMap, IndexSet};
use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use serde::{Deserialize, Serialize};

use crate::command::Event;
use crate::engine::{Actor, Ctx};
use crate::ids::{UserId, UserName};
use crate::store::{Extra, Tenant, UserCell, UserState};
use crate::time::{Expiry, Millis, Timestamp};

mod admins;
mod attributes;
mod cascade;
mod export;
mod lifecycle;
mod members;
mod moderation;
mod super_admins;

pub use admins::*;
pub use attributes::*;
pub use export::*;
pub use lifecycle::*;
pub use members::*;
pub use moderation::*;
pub use super_admins::*;

pub(crate) use cascade::{check_invariants, on_user_deleted};

pub use crate::ids::RoomId;
pub use crate::limits::RoomLimits;

mod error;
mod events;
pub use error::*;
pub use events::*;

pub(in crate::rooms) type RResult<T> = std::result::Result<T, crate::error::Error>;

pub(in crate::rooms) fn err<T>(e: RoomError) -> RResult<T> {
    Err(e.into())
}

/// Shorthand: a room error as the engine's error.
pub(in crate::rooms) fn re(e: RoomError) -> crate::error::Error {
    e.into()
}


pub(in crate::rooms) fn emit(cx: &mut Ctx<'_>, e: RoomEvent) {
    cx.emit(Event::Room(e));
}

// ---------------------------------------------------------------------------------------------
// State

/// Who owns an attribute key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::rooms) enum AttrOwner {
    /// The app admin (pseudo-operator `admin`); never auto-deleted.
    Admin,
    /// A user, by id (kept after deletion for `NO_DELETE` keys) and name.
    User(UserId, UserName),
}

/// One attribute value.
#[derive(Clone, Debug)]
pub(in crate::rooms) struct Attr {
    pub value: Box<str>,
    pub owner: AttrOwner,
    /// `DELETE`: removed when its owner departs.
    pub auto_delete: bool,
}

/// One member's entry.
#[derive(Clone, Debug)]
pub(in crate::rooms) struct Member {
    pub seq: u64,
    pub name: UserName,
}

/// A room's state.
#[derive(Debug)]
pub(in crate::rooms) struct Room {
    /// False while being created and once deleted: the room is then absent to everyone.
    pub live: bool,
    pub id: RoomId,
    pub name: String,
    pub description: String,
    pub custom: String,
    pub announcement: String,
    pub maxusers: u32,
    pub owner: UserId,
    pub owner_name: UserName,
    /// The owner left voluntarily and has not re-joined (OPEN 13).
    pub owner_left: bool,
    pub created: Timestamp,
    pub mute_all: bool,
    pub members: HashMap<UserId, Member>,
    /// Join sequence → member: the join order.
    pub order: BTreeMap<u64, UserId>,
    pub next_seq: u64,
    pub admins: IndexSet<UserId>,
    pub mutes: IndexMap<UserId, (UserName, Expiry)>,
    pub blocks: IndexMap<UserId, UserName>,
    pub allow: IndexMap<UserId, UserName>,
    pub attrs: IndexMap<Box<str>, Attr>,
    /// Σ UTF-8 bytes of keys + values.
    pub attr_bytes: u64,
}

impl Room {
    pub fn is_member(&self, u: UserId) -> bool {
        self.members.contains_key(&u)
    }

    /// Seats taken: members, plus the absent owner's reserved seat.
    pub fn seats(&self) -> usize {
        self.members.len() + usize::from(self.owner_left)
    }

    pub fn add(&mut self, u: UserId, name: UserName) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.members.insert(u, Member { seq, name }).is_none() {
            self.order.insert(seq, u);
        }
        if u == self.owner {
            self.owner_left = false;
        }
    }

    pub fn role(&self, who: &Who) -> Role {
        match who {
            Who::Admin => Role::App,
            Who::Nobody => Role::Outsider,
            Who::User(id) if *id == self.owner => Role::Owner,
            Who::User(id) if self.admins.contains(id) => Role::Admin,
            Who::User(id) if self.members.contains_key(id) => Role::Member,
            Who::User(_) => Role::Outsider,
        }
    }

    /// Whether the room still names `u` anywhere but its member list.
    pub fn mentions(&self, u: UserId) -> bool {
        self.owner == u
            || self.mutes.contains_key(&u)
            || self.blocks.contains_key(&u)
            || self.allow.contains_key(&u)
    }

    /// Whether `u` may send to the room at `now` (§3.7, §3.8): a member, not individually
    /// muted, and not silenced by mute-all unless owner, admin or allow-listed.
    pub fn may_speak(&self, u: UserId, now: Timestamp) -> bool {
        if !self.is_member(u) {
            return false;
        }
        if self.mutes.get(&u).is_some_and(|(_, e)| e.is_live(now)) {
            return false;
        }
        if self.mute_all {
            return u == self.owner || self.admins.contains(&u) || self.allow.contains_key(&u);
        }
        true
    }

    /// Removes `u` from the member list with the departure side effects (§3.4): admin role
    /// gone, `DELETE` attributes they own gone (bytes released), `MemberExited` and
    /// `AttributesRemoved` emitted. Mute and allow entries stay. Returns false if `u` was
    /// not a member.
    pub fn depart(&mut self, cx: &mut Ctx<'_>, u: UserId, reason: RoomExitReason) -> bool {
        let Some(m) = self.members.remove(&u) else {
            return false;
        };
        self.order.remove(&m.seq);
        self.admins.shift_remove(&u);
        if u == self.owner && reason == RoomExitReason::Left {
            self.owner_left = true;
        }
        let mut removed = Vec::new();
        let mut freed = 0u64;
        self.attrs.retain(|k, a| {
            let drop = a.auto_delete && matches!(&a.owner, AttrOwner::User(o, _) if *o == u);
            if drop {
                freed += (k.len() + a.value.len()) as u64;
                removed.push(k.to_string());
            }
            !drop
        });
        self.attr_bytes -= freed;
        cx.app.rooms.release_attr_bytes(freed);
        emit(
            cx,
            RoomEvent::MemberExited {
                room: self.id,
                user: m.name.clone(),
                reason,
            },
        );
        if !removed.is_empty() {
            emit(
                cx,
                RoomEvent::AttributesRemoved {
                    room: self.id,
                    keys: removed,
                    operator: Some(m.name),
                },
            );
        }
        true
    }
}

/// A room's lockable state; the id lives outside the lock.
#[derive(Debug)]
pub(in crate::rooms) struct RoomCell {
    pub id: RoomId,
    pub state: RwLock<Room>,
}

impl RoomCell {
    /// Write-locks a live room, or `E_ROOM`.
    pub fn write_live(&self) -> RResult<RwLockWriteGuard<'_, Room>> {
        let g = self.state.write();
        if g.live {
            Ok(g)
        } else {
            err(RoomError::NotFound(self.id))
        }
    }

    /// Read-locks a live room, or `E_ROOM_Q` (`query`) / `E_ROOM`.
    pub fn read_live(&self, query: bool) -> RResult<RwLockReadGuard<'_, Room>> {
        let g = self.state.read();
        if g.live {
            Ok(g)
        } else if query {
            err(RoomError::QueryNotFound(self.id))
        } else {
            err(RoomError::NotFound(self.id))
        }
    }
}

/// The chatrooms area's state on a tenant.
#[derive(Debug, Default)]
pub(crate) struct RoomStore {
    pub(in crate::rooms) rooms: dashmap::DashMap<RoomId, Arc<RoomCell>>,
    /// Live room ids, ascending (leaf mutex).
    pub(in crate::rooms) order: Mutex<BTreeSet<RoomId>>,
    /// Rooms created and not yet deleted (reserved before a create commits).
    pub(in crate::rooms) count: AtomicU64,
    /// Room attribute bytes in the app: reserved before a write, never above the cap.
    pub(in crate::rooms) attr_total: AtomicU64,
    /// App super admins in promotion order (leaf mutex).
    pub(in crate::rooms) super_admins: Mutex<IndexMap<UserId, UserName>>,
}

impl RoomStore {
    /// The room cell, if it exists (live or not). Takes and drops a map guard.
    pub(in crate::rooms) fn cell(&self, id: RoomId) -> Option<Arc<RoomCell>> {
        self.rooms.get(&id).map(|c| Arc::clone(&c))
    }

    pub(in crate::rooms) fn reserve_attr_bytes(&self, n: u64, cap: u64) -> bool {
        n == 0
            || self
                .attr_total
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                    t.checked_add(n).filter(|s| *s <= cap)
                })
                .is_ok()
    }

    pub(in crate::rooms) fn release_attr_bytes(&self, n: u64) {
        if n > 0 {
            self.attr_total.fetch_sub(n, Ordering::AcqRel);
        }
    }
}

/// The chatrooms area's state on one user.
#[derive(Debug, Default)]
pub(crate) struct UserRooms {
    /// Rooms the user is a member of, in join order.
    pub(in crate::rooms) joined: IndexSet<RoomId>,
    /// Rooms that may still name the user after they left (owner, mute, allow or block
    /// list). A superset: stale entries are skipped by the delete cascade.
    pub(in crate::rooms) linked: BTreeSet<RoomId>,
}

/// Records that `s` joined `room` (nothing for a user being deleted).
pub(in crate::rooms) fn index_join(s: &mut UserState, room: RoomId) {
    if !s.gone {
        s.extra_mut().rooms.joined.insert(room);
    }
}

/// Records that `s` left `room`; `linked` if the room still names them.
pub(in crate::rooms) fn index_leave(s: &mut UserState, room: RoomId, linked: bool) {
    if s.gone {
        return;
    }
    let x = s.extra_mut();
    x.rooms.joined.shift_remove(&room);
    if linked {
        x.rooms.linked.insert(room);
    }
}

/// Forgets `room` entirely for `s` (room deleted).
pub(in crate::rooms) fn index_forget(s: &mut UserState, room: RoomId) {
    if let Some(x) = s.extra.as_deref_mut() {
        x.rooms.joined.shift_remove(&room);
        x.rooms.linked.remove(&room);
    }
}

/// Where `id` sits in guards from `lock_users` (sorted by id, one per user).
pub(in crate::rooms) fn locked<G>(guards: &[(UserId, G)], id: UserId) -> usize {
    guards
        .binary_search_by_key(&id, |(i, _)| *i)
        .expect("every looked-up user is locked")
}

pub(in crate::rooms) fn joined_count(s: &UserState) -> usize {
    s.extra().map_or(0, |x| x.rooms.joined.len())
}

// ---------------------------------------------------------------------------------------------
// Roles and lookups

/// The caller, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::rooms) enum Who {
    Admin,
    User(UserId),
    /// Anonymous, or a user that does not exist.
    Nobody,
}

/// The caller's role in one room (spec §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(in crate::rooms) enum Role {
    Outsider,
    Member,
    Admin,
    Owner,
    App,
}

impl Role {
    /// Owner, admin or the app admin.
    pub fn manages(self) -> bool {
        self >= Role::Admin
    }
    /// Owner or the app admin.
    pub fn owns(self) -> bool {
        self >= Role::Owner
    }
    /// Any member (or more).
    pub fn inside(self) -> bool {
        self >= Role::Member
    }
}

pub(in crate::rooms) fn who(cx: &Ctx<'_>) -> Who {
    match cx.actor {
        Actor::Admin => Who::Admin,
        Actor::User(n) => cx.app.user(n).map_or(Who::Nobody, |c| Who::User(c.id)),
        Actor::Anonymous => Who::Nobody,
    }
}

/// The room for a command, or `E_ROOM`.
pub(in crate::rooms) fn room(cx: &Ctx<'_>, id: RoomId) -> RResult<Arc<RoomCell>> {
    cx.app
        .rooms
        .cell(id)
        .ok_or_else(|| RoomError::NotFound(id).into())
}

/// The room for a details or member query, or `E_ROOM_Q`.
pub(in crate::rooms) fn room_q(cx: &Ctx<'_>, id: RoomId) -> RResult<Arc<RoomCell>> {
    cx.app
        .rooms
        .cell(id)
        .ok_or_else(|| RoomError::QueryNotFound(id).into())
}

/// A named user, or `E_USER`.
pub(in crate::rooms) fn target(cx: &Ctx<'_>, name: &UserName) -> RResult<Arc<UserCell>> {
    cx.app
        .user(name)
        .ok_or_else(|| RoomError::UserNotFound(name.to_string()).into())
}

/// Distinct names in request order.
pub(in crate::rooms) fn distinct(names: &[UserName]) -> Vec<UserName> {
    let mut seen = std::collections::HashSet::new();
    names.iter().filter(|n| seen.insert(*n)).cloned().collect()
}

pub(in crate::rooms) fn chars(s: &str) -> usize {
    s.chars().count()
}

/// For the delete cascade: the extra state was taken from the user.
pub(in crate::rooms) fn user_rooms_of(extra: &Extra) -> Vec<RoomId> {
    let mut v: BTreeSet<RoomId> = extra.rooms.linked.clone();
    v.extend(extra.rooms.joined.iter().copied());
    v.into_iter().collect()
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

    #[test]
    fn roles_are_ordered() {
        assert!(Role::App.owns() && Role::Owner.owns() && !Role::Admin.owns());
        assert!(Role::Admin.manages() && !Role::Member.manages());
        assert!(Role::Member.inside() && !Role::Outsider.inside());
    }
}
