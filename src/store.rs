//! The tenant's state and the only place that takes locks.
//!
//! # Layout
//! A tenant ([`Tenant`]) indexes its users twice in concurrent maps: by name (the lookup every
//! call starts with) and by [`UserId`] (for cascades, which follow ids). Each user's state sits
//! behind its own [`RwLock`] in a [`UserCell`], shared by both maps through an `Arc`.
//!
//! # Lock order
//! 1. Never hold a map guard while locking an entity, and never touch a map while holding an
//!    entity lock: look the cells up first (cloning their `Arc`), drop the guards, then lock.
//! 2. Entities are locked in one global order: by kind (group, thread, room, then user), then by
//!    id ascending within a kind. [`lock_users`] is the one way to lock several users.
//! 3. The small app-wide indexes ([`Tenant::by_created`], [`Tenant::muted`], the app-token
//!    queue) are leaf mutexes: they may be taken while holding entity locks, and nothing else is
//!    locked (and no map touched) while one is held.
//!
//! # Going away
//! Deleting a user first marks their state `gone` under its lock. Every command that links two
//! users checks `gone` on both while holding both locks, so once the mark is set no new link to
//! the user can form; the cascade then unlinks step by step. A user being registered is born
//! `gone` and made live only once their name is claimed, so a cascade never starts on a user
//! whose registration may still fail.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use indexmap::IndexMap;
use parking_lot::{Mutex, RwLock, RwLockWriteGuard};

use crate::error::{Error, Result};
use crate::ids::{AppKey, UserId, UserName};
use crate::limits::Limits;
use crate::time::{Expiry, Timestamp};

/// App credentials for the `client_credentials` grant.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credentials {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

/// What a token grant authenticates as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    App,
    User(UserId),
}

/// A token the host minted and the engine keeps.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub subject: Subject,
    pub expires: Expiry,
}

/// One open session (a connected device).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Session {
    pub resource: Box<str>,
    pub device_uuid: Option<Box<str>>,
    pub device_name: Option<Box<str>>,
    pub opened: Timestamp,
}

/// The three global-mute scopes, in the order the vendor lists them.
pub(crate) const MUTE_SCOPES: usize = 3;

/// User state that most users never have: kept out of line so the common record stays small.
#[derive(Debug, Default)]
pub(crate) struct Extra {
    /// The owner's remark per friend; only friends with a remark have an entry.
    pub remarks: BTreeMap<UserId, Box<str>>,
    /// Users this user blocked: `(id, seq)` sorted by id; `seq` orders them newest first.
    pub blocks: Vec<(UserId, u64)>,
    /// The next block sequence number.
    pub block_seq: u64,
    /// Users who blocked this user, sorted: the reverse index the delete cascade follows.
    pub blocked_by: Vec<UserId>,
    /// Attributes in insertion order.
    pub attrs: IndexMap<Box<str>, Box<str>>,
    /// Bytes the attributes use: Σ key + value UTF-8 bytes.
    pub attr_bytes: u64,
    /// Global mutes: chat, groupchat, chatroom.
    pub mutes: [Option<Expiry>; MUTE_SCOPES],
    /// Live token strings of this user, oldest first.
    pub tokens: VecDeque<Box<str>>,
    /// Open sessions, oldest first.
    pub sessions: Vec<Session>,
    /// The groups area's per-user state.
    pub groups: crate::groups::UserGroups,
    /// The chatrooms area's per-user state.
    pub rooms: crate::rooms::UserRooms,
}

/// One user's state.
#[derive(Debug)]
pub(crate) struct UserState {
    pub name: UserName,
    pub uuid: Box<str>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub activated: bool,
    /// Set when deletion starts: nothing may link to the user afterwards. Also set while a
    /// registration is still claiming the name (see `users::insert_user`): every command treats
    /// a gone user as not found.
    pub gone: bool,
    pub password: Option<Box<str>>,
    pub nickname: Option<Box<str>>,
    /// Friends as `(id, added_at)`, sorted by id: membership is a binary search.
    pub contacts: Vec<(UserId, Timestamp)>,
    pub extra: Option<Box<Extra>>,
}

impl UserState {
    pub fn extra(&self) -> Option<&Extra> {
        self.extra.as_deref()
    }

    pub fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn is_friend(&self, other: UserId) -> bool {
        self.contacts.binary_search_by_key(&other, |c| c.0).is_ok()
    }

    /// Whether this user has `other` on their block list.
    pub fn has_blocked(&self, other: UserId) -> bool {
        self.extra()
            .is_some_and(|x| x.blocks.binary_search_by_key(&other, |b| b.0).is_ok())
    }
}

/// A user's lockable state; the id lives outside the lock so lock order needs no lock.
#[derive(Debug)]
pub(crate) struct UserCell {
    pub id: UserId,
    pub state: RwLock<UserState>,
}

/// One tenant (`org#app`). Tenants share nothing.
#[derive(Debug)]
pub(crate) struct Tenant {
    pub key: AppKey,
    pub limits: Limits,
    pub credentials: RwLock<Option<Credentials>>,
    /// The per-tenant id counter: user handles and every other id the engine mints.
    next_id: AtomicU64,
    pub users: DashMap<UserId, Arc<UserCell>>,
    pub names: DashMap<UserName, Arc<UserCell>>,
    /// Registered users (including ones mid-registration), for `users_max`.
    pub user_count: AtomicU64,
    /// Users in creation order: `(created, id)`.
    pub by_created: Mutex<BTreeSet<(Timestamp, UserId)>>,
    pub tokens: DashMap<Box<str>, Grant>,
    /// App-token strings, oldest first, so that they can be capped.
    pub app_tokens: Mutex<VecDeque<Box<str>>>,
    /// Bytes of user attributes in the app: reserved before a write, never above the cap.
    pub attr_total: AtomicU64,
    /// Users who may have a live global mute, by name. Entries are pruned when a mute is
    /// lifted and when the user is deleted; lapsed ones are skipped by readers.
    pub muted: Mutex<BTreeMap<UserName, UserId>>,
    /// The groups area's state.
    pub groups: crate::groups::GroupStore,
    /// The chatrooms area's state.
    pub rooms: crate::rooms::RoomStore,
}

/// Most app tokens kept; issuing another drops the oldest.
pub const APP_TOKENS_MAX: usize = 4096;

impl Tenant {
    pub fn new(key: AppKey, limits: Limits) -> Tenant {
        Tenant {
            key,
            limits,
            credentials: RwLock::new(None),
            next_id: AtomicU64::new(1),
            users: DashMap::new(),
            names: DashMap::new(),
            user_count: AtomicU64::new(0),
            by_created: Mutex::new(BTreeSet::new()),
            tokens: DashMap::new(),
            app_tokens: Mutex::new(VecDeque::new()),
            attr_total: AtomicU64::new(0),
            muted: Mutex::new(BTreeMap::new()),
            groups: Default::default(),
            rooms: Default::default(),
        }
    }

    /// Draws the next id from the tenant's counter.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The user cell for a name, if registered. Takes and drops a map guard.
    pub fn user(&self, name: &UserName) -> Option<Arc<UserCell>> {
        self.names.get(name).map(|c| Arc::clone(&c))
    }

    /// The user cell for a name given as a raw string (folded first); `None` for names that
    /// cannot be valid.
    pub fn user_by_str(&self, name: &str) -> Option<Arc<UserCell>> {
        let n = UserName::parse(name).ok()?;
        self.user(&n)
    }

    /// The user cell for an id, if live.
    pub fn user_by_id(&self, id: UserId) -> Option<Arc<UserCell>> {
        self.users.get(&id).map(|c| Arc::clone(&c))
    }

    /// Reserves `n` user slots against `users_max`.
    pub fn reserve_users(&self, n: u64) -> Result<()> {
        let cap = self.limits.users_max.unwrap_or(u64::MAX);
        self.user_count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                c.checked_add(n).filter(|t| *t <= cap)
            })
            .map(|_| ())
            .map_err(|_| Error::UserCapReached)
    }

    pub fn release_users(&self, n: u64) {
        self.user_count.fetch_sub(n, Ordering::AcqRel);
    }

    /// Reserves `n` attribute bytes against the app cap; all or nothing.
    pub fn reserve_attr_bytes(&self, n: u64) -> Result<()> {
        let cap = self.limits.attr_bytes_per_app;
        self.attr_total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                t.checked_add(n).filter(|s| *s <= cap)
            })
            .map(|_| ())
            .map_err(|_| Error::AppAttrBudget(cap))
    }

    pub fn release_attr_bytes(&self, n: u64) {
        self.attr_total.fetch_sub(n, Ordering::AcqRel);
    }
}

/// Write-locks several users in the global order (id ascending), skipping repeats. The guards
/// come back in that order, paired with the ids.
pub(crate) fn lock_users(
    cells: &[Arc<UserCell>],
) -> Vec<(UserId, RwLockWriteGuard<'_, UserState>)> {
    let mut order: Vec<&Arc<UserCell>> = cells.iter().collect();
    order.sort_by_key(|c| c.id);
    order.dedup_by_key(|c| c.id);
    order.into_iter().map(|c| (c.id, c.state.write())).collect()
}

/// Write-locks two distinct users in the global order and returns the guards as `(a, b)`.
pub(crate) fn lock_pair<'a>(
    a: &'a UserCell,
    b: &'a UserCell,
) -> (
    RwLockWriteGuard<'a, UserState>,
    RwLockWriteGuard<'a, UserState>,
) {
    debug_assert_ne!(a.id, b.id);
    if a.id < b.id {
        let ga = a.state.write();
        let gb = b.state.write();
        (ga, gb)
    } else {
        let gb = b.state.write();
        let ga = a.state.write();
        (ga, gb)
    }
}
