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

// ---------------------------------------------------------------------------------------------
// Limits

/// Per-app limits of the chatrooms area (spec 03 §5). [`RoomLimits::default`] gives the
/// spec's defaults; tests and hosts may shrink them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomLimits {
    /// `maxusers` when a create names none. Default 1000.
    pub maxusers_default: u32,
    /// Largest `maxusers` (`room_max_members_cap`). Default 10 000.
    pub maxusers_cap: u32,
    /// Most rooms in the app (`max_rooms_per_app`); `None` is unlimited (default).
    pub rooms_per_app_max: Option<u64>,
    /// Most rooms one user is a member of (`max_rooms_per_user`); `None` is unlimited (default).
    pub rooms_per_user_max: Option<u32>,
    /// Most admins per room. Default 99.
    pub admins_max: u32,
    /// Longest room name, in chars. Default 128.
    pub name_chars_max: usize,
    /// Longest description, in chars. Default 512.
    pub description_chars_max: usize,
    /// Longest `custom`, in chars. Default 1024.
    pub custom_chars_max: usize,
    /// Longest announcement, in chars. Default 512.
    pub announcement_chars_max: usize,
    /// Most users in one batch add. Default 60.
    pub add_members_batch_max: usize,
    /// Most users in one batch removal. Default 100 (OPEN 4).
    pub remove_members_batch_max: usize,
    /// Most users in one batch block, unblock, allow, disallow, mute or unmute. Default 60.
    pub list_batch_max: usize,
    /// Most ids in one details call. Default 100.
    pub details_ids_max: usize,
    /// Most attribute keys in one set or delete call. Default 10.
    pub attr_keys_per_call_max: usize,
    /// Most attribute keys in one room. Default 100.
    pub attr_keys_per_room_max: usize,
    /// Longest attribute key, in chars. Default 128.
    pub attr_key_chars_max: usize,
    /// Longest attribute value, in chars. Default 4096.
    pub attr_value_chars_max: usize,
    /// Room attribute bytes (UTF-8 keys + values) per app. Default 10 GiB.
    pub attr_bytes_per_app: u64,
    /// Offline time before a member is swept (`room_offline_grace_ms`). Default 120 000 ms.
    pub offline_grace: Millis,
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits {
            maxusers_default: 1000,
            maxusers_cap: 10_000,
            rooms_per_app_max: None,
            rooms_per_user_max: None,
            admins_max: 99,
            name_chars_max: 128,
            description_chars_max: 512,
            custom_chars_max: 1024,
            announcement_chars_max: 512,
            add_members_batch_max: 60,
            remove_members_batch_max: 100,
            list_batch_max: 60,
            details_ids_max: 100,
            attr_keys_per_call_max: 10,
            attr_keys_per_room_max: 100,
            attr_key_chars_max: 128,
            attr_value_chars_max: 4096,
            attr_bytes_per_app: 10 * 1024 * 1024 * 1024,
            offline_grace: Millis(120_000),
        }
    }
}

/// Largest `limit` when listing all rooms.
pub const ROOMS_PAGE_MAX: u32 = 1000;
/// Default `limit` when listing all rooms.
pub const ROOMS_PAGE_DEFAULT: u32 = 10;
/// Joined rooms returned when no paging is given (the most recent).
pub const ROOM_JOINED_LATEST: usize = 500;
/// Largest (and default) joined-rooms page.
pub const ROOM_JOINED_PAGE_MAX: u32 = 1000;
/// Largest (and default) members page in page mode.
pub const ROOM_MEMBERS_PAGE_MAX: u32 = 1000;
/// Default `limit` of the members cursor mode.
pub const ROOM_MEMBERS_CURSOR_DEFAULT: u32 = 10;
/// Largest super-admin page.
pub const ROOM_SUPER_ADMINS_PAGE_MAX: u32 = 1000;
/// Default super-admin page.
pub const ROOM_SUPER_ADMINS_PAGE_DEFAULT: u32 = 10;

// ---------------------------------------------------------------------------------------------
// Ids

/// A room id: minted from the tenant's counter, never reused. Decimal in the vendor API.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct RoomId(pub u64);

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// `E_PERM` description.
pub const ROOM_PERM_DESC: &str =
    "you have no permission to do this, group admin permission is required";
/// `E_PERM` description for room field updates.
pub const ROOM_FIELDS_PERM_DESC: &str =
    "you have no permission to do this,group fields require group admin privileges to be modified";
/// `E_OWNER` description, also the per-item reason for the owner.
pub const ROOM_OWNER_DESC: &str = "forbidden operation on group owner!";

/// Errors of the chatrooms area: one variant per distinct vendor error, each with its HTTP
/// status ([`RoomError::status`]), `error` string ([`RoomError::code`]) and, as `Display`,
/// its `error_description` (*engine wording* where the vendor's is not attested).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    // ---- 404 ----
    /// `E_ROOM`: `404 resource_not_found` — no such room (commands).
    #[error("grpID {0} does not exist!")]
    NotFound(RoomId),
    /// `E_ROOM_Q`: `404 service_resource_not_found` — no such room (details and member reads).
    #[error("do not find this group:{0}")]
    QueryNotFound(RoomId),
    /// `E_USER`: `404 resource_not_found` — a named user does not exist.
    #[error("username {0} doesn't exist!")]
    UserNotFound(String),

    // ---- 401 ----
    /// `E_PERM`: `401 group_authorization` (client code 703).
    #[error("{ROOM_PERM_DESC}")]
    Permission,
    /// `E_PERM` for room field updates: `401 group_authorization`.
    #[error("{ROOM_FIELDS_PERM_DESC}")]
    FieldsPermission,
    /// `401 MetadataException`: the attribute operator is not in the room.
    #[error("user is not in chatroom")]
    AttrNotMember,

    // ---- 403 forbidden_op ----
    /// `E_NOT_MEMBER`.
    #[error("users [{0}] are not members of this group!")]
    NotMember(String),
    /// `E_OWNER`.
    #[error("forbidden operation on group owner!")]
    OnOwner,
    /// Transfer to the current owner.
    #[error("new owner and old owner are the same")]
    SameOwner,
    /// The target must be a member (transfer, add admin).
    #[error("user: {user} doesn't exist in group: {room}")]
    NotInGroup {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// The user is on the room's block list (add, join).
    #[error("user: {user} is in blacklist of chatroom: {room}")]
    Blocked {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// `add_member` of a member.
    #[error("can not join this group, reason:user: {user} already in group: {room}")]
    AlreadyMember {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// Add or join by a user at `rooms_per_user_max`.
    #[error("can not join this group, reason:user {0} has joined too many chatrooms!")]
    JoinedTooMany(String),
    /// The user is already an admin.
    #[error("user {user} is already admin of group {room}")]
    AlreadyAdmin {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// The user is not an admin.
    #[error("user:{user} is not admin of group:{room}")]
    NotAdmin {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// Unblocking a user who is not blocked (single form).
    #[error("user: {user} is not in blacklist of chatroom: {room}")]
    NotBlocked {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// The announcement is too long.
    #[error("announce info length exceeds limit!")]
    AnnouncementTooLong,

    // ---- 403 exceed_limit ----
    /// The name is too long.
    #[error("title cannot exceed to {0}")]
    NameTooLong(usize),
    /// The description is too long.
    #[error("desc cannot exceed to {0}")]
    DescriptionTooLong(usize),
    /// `custom` is too long.
    #[error("custom cannot exceed to {0}")]
    CustomTooLong(usize),
    /// `maxusers` outside 1..=cap.
    #[error("maxUsers cannot exceed {0}")]
    MaxUsersOutOfRange(u32),
    /// `maxusers` below the seats taken (OPEN 8).
    #[error("maxUsers cannot be less than current member count")]
    MaxUsersBelowMembers,
    /// The room is full.
    #[error("members size is greater than max user size !")]
    Full,
    /// The app is at `rooms_per_app_max`.
    #[error("appKey:{0} has create too many chatrooms!")]
    AppRoomCap(String),
    /// A create names a user at `rooms_per_user_max`.
    #[error("user {0} has joined too many chatrooms!")]
    UserRoomCap(String),
    /// The room has `admins_max` admins.
    #[error("admin count exceeds limit {0}")]
    AdminCap(u32),

    // ---- 400 invalid_parameter ----
    /// A required field is missing (or `members`/`name` empty).
    #[error("{0} must be provided")]
    Missing(&'static str),
    /// A list `limit` below 1.
    #[error("limit must be between 1 and {0}")]
    LimitRange(u32),
    /// A cursor the engine did not issue.
    #[error("cursor is invalid")]
    BadCursor,
    /// No room ids.
    #[error("chatroom ids must be provided")]
    NoIds,
    /// Too many room ids.
    #[error("chatroom ids size is more than max limit : {0}")]
    TooManyIds(usize),
    /// An update names a field that cannot change.
    #[error("some of [{0}] are not valid fields")]
    UnknownField(String),
    /// Batch add size.
    #[error("addMembers: addMembers number more than maxSize : {0}")]
    AddBatch(usize),
    /// Batch removal size.
    #[error("kickMember: kickMembers number more than maxSize : {0}")]
    RemoveBatch(usize),
    /// Batch block size.
    #[error("userNames is more than max limit : {0}")]
    BlockBatch(usize),
    /// Batch unblock size.
    #[error("removeBlacklist: list size more than max limit : {0}")]
    UnblockBatch(usize),
    /// Batch allow size.
    #[error("usernames size is more than max limit : {0}")]
    AllowBatch(usize),
    /// Batch disallow size.
    #[error("removeWhitelist size is more than max limit : {0}")]
    DisallowBatch(usize),
    /// Batch mute size.
    #[error("userNames size is more than max limit : {0}")]
    MuteBatch(usize),
    /// Batch unmute size.
    #[error("removeMute member size more than max limit : {0}")]
    UnmuteBatch(usize),
    /// A mute duration that is neither `-1` nor positive.
    #[error("mute_duration is invalid")]
    MuteDuration,

    // ---- 400 illegal_argument (attributes) ----
    /// A set without pairs.
    #[error("metaData must be provided")]
    NoMetadata,
    /// A delete without keys.
    #[error("keys must be provided")]
    NoKeys,
    /// Too many keys in one call.
    #[error("exceed allowed batch size {0}")]
    AttrBatch(usize),
}

impl RoomError {
    /// The vendor's HTTP status.
    pub fn status(&self) -> u16 {
        use RoomError::*;
        match self {
            NotFound(_) | QueryNotFound(_) | UserNotFound(_) => 404,
            Permission | FieldsPermission | AttrNotMember => 401,
            NotMember(_)
            | OnOwner
            | SameOwner
            | NotInGroup { .. }
            | Blocked { .. }
            | AlreadyMember { .. }
            | JoinedTooMany(_)
            | AlreadyAdmin { .. }
            | NotAdmin { .. }
            | NotBlocked { .. }
            | AnnouncementTooLong => 403,
            NameTooLong(_)
            | DescriptionTooLong(_)
            | CustomTooLong(_)
            | MaxUsersOutOfRange(_)
            | MaxUsersBelowMembers
            | Full
            | AppRoomCap(_)
            | UserRoomCap(_)
            | AdminCap(_) => 403,
            Missing(_) | LimitRange(_) | BadCursor | NoIds | TooManyIds(_) | UnknownField(_)
            | AddBatch(_) | RemoveBatch(_) | BlockBatch(_) | UnblockBatch(_) | AllowBatch(_)
            | DisallowBatch(_) | MuteBatch(_) | UnmuteBatch(_) | MuteDuration => 400,
            NoMetadata | NoKeys | AttrBatch(_) => 400,
        }
    }
    /// The vendor's `error` string.
    pub fn code(&self) -> &'static str {
        use RoomError::*;
        match self {
            NotFound(_) | UserNotFound(_) => "resource_not_found",
            QueryNotFound(_) => "service_resource_not_found",
            Permission | FieldsPermission => "group_authorization",
            AttrNotMember => "MetadataException",
            NotMember(_)
            | OnOwner
            | SameOwner
            | NotInGroup { .. }
            | Blocked { .. }
            | AlreadyMember { .. }
            | JoinedTooMany(_)
            | AlreadyAdmin { .. }
            | NotAdmin { .. }
            | NotBlocked { .. }
            | AnnouncementTooLong => "forbidden_op",
            NameTooLong(_)
            | DescriptionTooLong(_)
            | CustomTooLong(_)
            | MaxUsersOutOfRange(_)
            | MaxUsersBelowMembers
            | Full
            | AppRoomCap(_)
            | UserRoomCap(_)
            | AdminCap(_) => "exceed_limit",
            Missing(_) | LimitRange(_) | BadCursor | NoIds | TooManyIds(_) | UnknownField(_)
            | AddBatch(_) | RemoveBatch(_) | BlockBatch(_) | UnblockBatch(_) | AllowBatch(_)
            | DisallowBatch(_) | MuteBatch(_) | UnmuteBatch(_) | MuteDuration => {
                "invalid_parameter"
            }
            NoMetadata | NoKeys | AttrBatch(_) => "illegal_argument",
        }
    }
}

pub(in crate::rooms) type RResult<T> = std::result::Result<T, crate::error::Error>;

pub(in crate::rooms) fn err<T>(e: RoomError) -> RResult<T> {
    Err(e.into())
}

/// Shorthand: a room error as the engine's error.
pub(in crate::rooms) fn re(e: RoomError) -> crate::error::Error {
    e.into()
}

// ---------------------------------------------------------------------------------------------
// Events

/// Why a member left a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomExitReason {
    /// They left.
    Left,
    /// An admin or the owner removed them.
    Kicked,
    /// They were blocked.
    Blocked,
    /// They were offline too long.
    Offline,
    /// The room was deleted.
    RoomDestroyed,
    /// The user was deleted.
    UserDeleted,
}

/// Events of the chatrooms area (spec 03 §3.10). `operator: None` is the app admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RoomEvent {
    /// A room was created.
    RoomCreated {
        /// Which.
        room: RoomId,
        /// Its owner.
        owner: UserName,
    },
    /// A room was deleted (its members each get `MemberExited{RoomDestroyed}` first).
    RoomDestroyed {
        /// Which.
        room: RoomId,
    },
    /// Name, description, maxusers or custom changed.
    RoomInfoChanged {
        /// Which.
        room: RoomId,
        /// The fields supplied, vendor names.
        fields: Vec<String>,
    },
    /// The announcement changed.
    AnnouncementChanged {
        /// Which.
        room: RoomId,
        /// The new text ("" cleared it).
        text: String,
    },
    /// Ownership moved.
    OwnerChanged {
        /// Which.
        room: RoomId,
        /// Before.
        old: UserName,
        /// After.
        new: UserName,
    },
    /// Someone became a member.
    MemberJoined {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone stopped being a member.
    MemberExited {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
        /// Why.
        reason: RoomExitReason,
    },
    /// A member was made admin.
    AdminAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// An admin lost the role.
    AdminRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// A member was muted (or re-muted).
    MuteListAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
        /// Until when.
        expire: Expiry,
    },
    /// A mute was lifted.
    MuteListRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Mute-all changed.
    AllMemberMuteChanged {
        /// Which.
        room: RoomId,
        /// Now muted?
        muted: bool,
    },
    /// Someone was added to the allow list.
    AllowListAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone was removed from the allow list.
    AllowListRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone was blocked.
    BlockListAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone was unblocked.
    BlockListRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Attribute keys were set.
    AttributesUpdated {
        /// Which.
        room: RoomId,
        /// The keys written, in request order.
        keys: Vec<String>,
        /// Who wrote them (`None`: the app admin).
        operator: Option<UserName>,
    },
    /// Attribute keys were removed (by a delete, or automatically on departure).
    AttributesRemoved {
        /// Which.
        room: RoomId,
        /// The keys removed.
        keys: Vec<String>,
        /// Who removed them (`None`: the app admin); on departure, the departing user.
        operator: Option<UserName>,
    },
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
