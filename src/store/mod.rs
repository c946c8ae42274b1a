//! The store: every lock and every shared container of the engine, and nothing else.
//!
//! # Shape
//! One app is one [`State`]: plain data (the users, groups and rooms tables, the app's limits
//! and its id counter) behind one lock, the [`Store`]. Commands take the write side and run
//! one at a time per app; queries take the read side and run side by side. The areas never
//! lock: a command gets `&mut State`, a query `&State`, and every rule of the spec is a plain
//! function over them, testable without any lock.
//!
//! Why one writer per app rather than a lock per entity: a command then applies to the whole
//! app atomically (cascades included), so there is no lock order to keep, no entity can be
//! half deleted while another command links to it, byte budgets and caps are plain counters,
//! and the order in which commands ran *is* the order a command log replays them in, with the
//! same ids and the same state (what durability and replication need). Apps share nothing, so
//! they still run in parallel; within an app a command holds the lock for microseconds.
//!
//! # Locking
//! The lock is a sharded reader-writer lock ([`crossbeam_utils::sync::ShardedLock`]): a reader
//! locks only the shard of its own thread, so concurrent readers write no shared cache line;
//! a writer locks every shard. A reader holds the lock for one query; a writer for one
//! command. Nothing else in the engine blocks.
//!
//! # API
//! - Access: [`Store::view`] runs a closure with `&State` (queries), [`Store::apply`] with
//!   `&mut State` (commands). [`State`] and its tables ([`Users`], [`Groups`], [`Rooms`]) are plain data
//!   with lookups by name and by id; [`Messages`] holds the messages area's tables.
//! - Ids: [`State::mint`] draws the next id from the app's counter.
//! - The tenant registry ([`Registry`]) maps app keys to handles for the [`crate::Engine`].

mod deadlines;
mod groups;
mod messages;
mod rooms;
mod subscriptions;
mod users;

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock};

use crossbeam_utils::sync::ShardedLock;

pub(crate) use deadlines::Deadlines;
pub(crate) use groups::Groups;
pub(crate) use messages::{Messages, Queue, SendWindows};
pub(crate) use rooms::Rooms;
pub(crate) use subscriptions::Subscriptions;
pub(crate) use users::Users;

/// The snapshot format version before the lifecycle table ([`StateV1`]).
pub(crate) const SNAPSHOT_V1: u32 = 1;

use crate::ids::AppKey;
use crate::limits::Limits;

/// The hash of the state's maps: foldhash, a fast keyed hash. Maps made with `default()` use a
/// fixed key; the maps whose keys callers choose at scale (usernames, group ids, thread parent
/// message ids) are keyed with the app's seed ([`State::new`]), which the host passes in
/// ([`crate::Engine::with_hash_seed`]) so that chosen keys cannot be made to collide. No reply
/// depends on a map's iteration order.
pub(crate) type Hasher = foldhash::fast::FixedState;
/// The hash maps of the state.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, Hasher>;
/// The hash sets of the state.
pub(crate) type Set<K> = std::collections::HashSet<K, Hasher>;

/// Serializes the state's hash maps and sets as sequences sorted by key, so that the same state
/// gives the same bytes whatever the maps' hashing (`#[serde(with = "crate::store::sorted")]`).
pub(crate) mod sorted {
    use std::hash::Hash;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A map or set whose entries serialize in key order.
    pub trait Sorted: Sized {
        /// Writes the entries sorted by key.
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        /// Reads entries written by [`Sorted::write`].
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    }

    impl<K, V> Sorted for super::Map<K, V>
    where
        K: Ord + Hash + Serialize + for<'a> Deserialize<'a>,
        V: Serialize + for<'a> Deserialize<'a>,
    {
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut v: Vec<(&K, &V)> = self.iter().collect();
            v.sort_unstable_by(|a, b| a.0.cmp(b.0));
            s.collect_seq(v)
        }
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
        }
    }

    impl<K> Sorted for super::Set<K>
    where
        K: Ord + Hash + Serialize + for<'a> Deserialize<'a>,
    {
        fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut v: Vec<&K> = self.iter().collect();
            v.sort_unstable();
            s.collect_seq(v)
        }
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Vec::<K>::deserialize(d)?.into_iter().collect())
        }
    }

    /// For `#[serde(with)]`.
    pub fn serialize<T: Sorted, S: Serializer>(t: &T, s: S) -> Result<S::Ok, S::Error> {
        t.write(s)
    }

    /// For `#[serde(with)]`.
    pub fn deserialize<'de, T: Sorted, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::read(d)
    }
}

/// A map keyed with `seed`.
pub(crate) fn seeded_map<K, V>(seed: u64) -> Map<K, V> {
    Map::with_hasher(Hasher::with_seed(seed))
}

/// One app's whole state: plain data, no locks.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct State {
    /// The app's key.
    pub key: AppKey,
    /// The app's limits: set when it was created, changed only by [`crate::SetLimits`]
    /// (shared, so that [`crate::App::limits`] hands them out without copying).
    pub limits: std::sync::Arc<Limits>,
    /// The next id [`State::mint`] hands out: user handles, group, thread and room ids.
    next_id: u64,
    /// How many commands have been applied (successful ones; a refused command changes
    /// nothing): the position of the next one in the app's command log.
    pub applied: u64,
    /// Users, tokens, attributes, contacts, block lists, mutes (the users area).
    pub users: Users,
    /// Groups and their threads.
    pub groups: Groups,
    /// Chatrooms.
    pub rooms: Rooms,
    /// Messages: the store, offline queues, roaming marks, attachments, reactions.
    pub messages: Messages,
    /// The RongCloud user lifecycle: closed ids, timed login blocks, allow lists, tags.
    pub lifecycle: crate::lifecycle::Lifecycle,
    /// The send rate windows (spec 03 §4.2 step 10; counted only while the rates are on).
    pub send_windows: SendWindows,
}

impl State {
    /// An app with no users; `hash_seed` keys the maps whose keys callers choose.
    pub fn new(key: AppKey, limits: Limits, hash_seed: u64) -> State {
        State {
            key,
            limits: std::sync::Arc::new(limits),
            next_id: 1,
            applied: 0,
            users: Users::with_seed(hash_seed),
            groups: Groups::with_seed(hash_seed),
            rooms: Rooms::default(),
            messages: Messages::default(),
            lifecycle: Default::default(),
            send_windows: SendWindows::default(),
        }
    }

    /// Keys the maps of caller-chosen keys with `seed` (after a restore: deserialized maps have
    /// the fixed key).
    pub fn reseed(&mut self, seed: u64) {
        self.users.reseed(seed);
        self.groups.reseed(seed);
    }

    /// Draws the next id from the app's counter. Commands draw ids only once their checks have
    /// passed, so a refused command leaves the counter where it was.
    pub fn mint(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

/// [`State`] as snapshot format version 1 wrote it (before the lifecycle table and the send
/// rate windows): read from old snapshots, which get an empty lifecycle table, no send
/// counts, and the new limits' defaults.
#[derive(serde::Deserialize)]
pub(crate) struct StateV1 {
    key: AppKey,
    limits: crate::limits::LimitsV1,
    next_id: u64,
    applied: u64,
    users: Users,
    groups: Groups,
    rooms: Rooms,
    messages: Messages,
}

impl From<StateV1> for State {
    fn from(s: StateV1) -> State {
        State {
            key: s.key,
            limits: std::sync::Arc::new(s.limits.into()),
            next_id: s.next_id,
            applied: s.applied,
            users: s.users,
            groups: s.groups,
            rooms: s.rooms,
            messages: s.messages,
            lifecycle: Default::default(),
            send_windows: SendWindows::default(),
        }
    }
}

impl State {
    /// Writes the state as snapshot format version 1 did (tests of the migration only).
    #[cfg(test)]
    pub fn serialize_v1<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("State", 8)?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("limits", &crate::limits::LimitsV1::from(&*self.limits))?;
        st.serialize_field("next_id", &self.next_id)?;
        st.serialize_field("applied", &self.applied)?;
        st.serialize_field("users", &self.users)?;
        st.serialize_field("groups", &self.groups)?;
        st.serialize_field("rooms", &self.rooms)?;
        st.serialize_field("messages", &self.messages)?;
        st.end()
    }
}

/// One app's state behind its lock.
#[derive(Debug)]
pub(crate) struct Store {
    state: ShardedLock<State>,
}

impl Store {
    /// A store holding `state`.
    pub fn new(state: State) -> Store {
        Store {
            state: ShardedLock::new(state),
        }
    }

    /// Runs `f` with shared access to the state: what a query does. A command that panicked
    /// mid-way (a bug) does not make the app unusable.
    ///
    /// # Locking
    /// Waits while a command runs on the app; never waits for other readers, and writes only
    /// the calling thread's shard of the lock.
    pub fn view<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `f` with exclusive access to the state: what a command does.
    ///
    /// # Locking
    /// Waits until the running command and the running queries of the app are done.
    pub fn apply<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.write().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The engine's tenant registry: app key → handle, sorted.
#[derive(Debug)]
pub(crate) struct Registry<T> {
    apps: RwLock<BTreeMap<AppKey, T>>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            apps: RwLock::new(BTreeMap::new()),
        }
    }
}

impl<T: Clone> Registry<T> {
    /// Inserts `make()` under `key` unless the key is taken; returns the new handle.
    ///
    /// # Locking
    /// Takes the registry's write lock briefly.
    pub fn insert_new(&self, key: AppKey, make: impl FnOnce() -> T) -> Option<T> {
        let mut apps = self.apps.write().unwrap_or_else(PoisonError::into_inner);
        if apps.contains_key(&key) {
            return None;
        }
        let v = make();
        apps.insert(key, v.clone());
        Some(v)
    }

    /// Removes a key; whether it was there.
    ///
    /// # Locking
    /// Takes the registry's write lock briefly.
    pub fn remove(&self, key: &AppKey) -> bool {
        let mut apps = self.apps.write().unwrap_or_else(PoisonError::into_inner);
        apps.remove(key).is_some()
    }

    /// The handle under a key.
    ///
    /// # Locking
    /// Takes the registry's read lock briefly.
    pub fn get(&self, key: &AppKey) -> Option<T> {
        let apps = self.apps.read().unwrap_or_else(PoisonError::into_inner);
        apps.get(key).cloned()
    }

    /// Every key, sorted.
    ///
    /// # Locking
    /// Takes the registry's read lock briefly.
    pub fn keys(&self) -> Vec<AppKey> {
        let apps = self.apps.read().unwrap_or_else(PoisonError::into_inner);
        apps.keys().cloned().collect()
    }
}
