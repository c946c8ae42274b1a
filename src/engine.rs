//! [`Engine`]: the registry of tenants, and [`App`]: one tenant's handle, which dispatches
//! commands and queries. The areas decide; this file only routes.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::command::{Command, Event, Exec, Reply};
use crate::error::{Error, Result};
use crate::ids::{AppKey, UserName};
use crate::limits::Limits;
use crate::query::{Ask, Query, QueryReply};
use crate::store::{Registry, State, Store};
use crate::time::Timestamp;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum Actor {
    /// The app admin: an app token, or a trusted host call. May do everything.
    Admin,
    /// A user, by their user token. May act on their own resources where the spec says so.
    User(UserName),
    /// No token: allowed only for open registration and for obtaining tokens.
    Anonymous,
}

impl Actor {
    /// Whether this is the app admin.
    pub fn is_admin(&self) -> bool {
        matches!(self, Actor::Admin)
    }

    /// Ok for the admin; `err` for everyone else.
    pub(crate) fn admin_only(&self, err: Error) -> Result<()> {
        match self {
            Actor::Admin => Ok(()),
            _ => Err(err),
        }
    }

    /// Ok for the admin and for `user` themself; `err` for everyone else.
    pub(crate) fn admin_or_self(&self, user: &UserName, err: Error) -> Result<()> {
        match self {
            Actor::Admin => Ok(()),
            Actor::User(u) if u == user => Ok(()),
            _ => Err(err),
        }
    }

    /// Ok for the admin and any user; `err` for anonymous callers.
    pub(crate) fn authenticated(&self, err: Error) -> Result<()> {
        match self {
            Actor::Anonymous => Err(err),
            _ => Ok(()),
        }
    }

    /// Whether this is the user `name`.
    pub(crate) fn is_user(&self, name: &UserName) -> bool {
        matches!(self, Actor::User(u) if u == name)
    }
}

/// What a command returns: its reply and the events it caused, in the order they happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Output<R> {
    /// The command's typed reply.
    pub reply: R,
    /// What the host should act on (pushes, callbacks, disconnects).
    pub events: Vec<Event>,
}

/// What a command runs with: the app's state to change, the caller, the host's clock reading,
/// and the events it emits. Opaque to hosts.
#[doc(hidden)]
pub struct Ctx<'a> {
    pub(crate) st: &'a mut State,
    pub(crate) actor: &'a Actor,
    pub(crate) now: Timestamp,
    pub(crate) out: Vec<Event>,
}

impl Ctx<'_> {
    /// Records an event.
    pub(crate) fn emit(&mut self, e: Event) {
        self.out.push(e);
    }
}

/// What a query runs with: the app's state to read, the caller and the host's clock reading.
/// Opaque to hosts.
#[doc(hidden)]
pub struct ReadCtx<'a> {
    pub(crate) st: &'a State,
    pub(crate) actor: &'a Actor,
    pub(crate) now: Timestamp,
}

/// The version of the snapshot format [`App::snapshot`] writes. [`Engine::restore_app`] also
/// reads version 1 (before the RongCloud lifecycle's table: it restores with an empty one and
/// the new limits' defaults); any other version is refused.
pub const SNAPSHOT_VERSION: u32 = 2;

#[derive(Serialize)]
struct SnapshotRef<'a> {
    version: u32,
    state: &'a State,
}

/// A snapshot read back: the version is read first, and the state in that version's layout
/// (version 1, before the lifecycle table, is migrated); another version is not read further.
enum SnapshotOwned {
    State(Box<State>),
    Other(u32),
}

impl<'de> Deserialize<'de> for SnapshotOwned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::{self, MapAccess, SeqAccess, Visitor};

        struct V;

        fn state_of<E: de::Error>(
            version: u32,
            read_current: impl FnOnce() -> std::result::Result<Option<State>, E>,
            read_v1: impl FnOnce() -> std::result::Result<Option<crate::store::StateV1>, E>,
        ) -> std::result::Result<SnapshotOwned, E> {
            let missing = || E::missing_field("state");
            Ok(match version {
                SNAPSHOT_VERSION => {
                    SnapshotOwned::State(Box::new(read_current()?.ok_or_else(missing)?))
                }
                crate::store::SNAPSHOT_V1 => {
                    SnapshotOwned::State(Box::new(read_v1()?.ok_or_else(missing)?.into()))
                }
                v => SnapshotOwned::Other(v),
            })
        }

        impl<'de> Visitor<'de> for V {
            type Value = SnapshotOwned;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a snapshot: a version, then the state")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<SnapshotOwned, A::Error> {
                let version: u32 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::missing_field("version"))?;
                // Only one of the two readers runs; both need the sequence.
                let seq = std::cell::RefCell::new(seq);
                state_of(
                    version,
                    || seq.borrow_mut().next_element::<State>(),
                    || seq.borrow_mut().next_element::<crate::store::StateV1>(),
                )
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<SnapshotOwned, A::Error> {
                let mut version = None;
                while let Some(k) = map.next_key::<String>()? {
                    match (k.as_str(), version) {
                        ("version", _) => version = Some(map.next_value::<u32>()?),
                        ("state", Some(v)) => {
                            let map = std::cell::RefCell::new(&mut map);
                            return state_of(
                                v,
                                || map.borrow_mut().next_value::<State>().map(Some),
                                || {
                                    map.borrow_mut()
                                        .next_value::<crate::store::StateV1>()
                                        .map(Some)
                                },
                            );
                        }
                        _ => return Err(de::Error::custom("version must come before state")),
                    }
                }
                Err(de::Error::missing_field("state"))
            }
        }

        d.deserialize_struct("SnapshotOwned", &["version", "state"], V)
    }
}

/// Why a snapshot could not be restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The bytes are not a snapshot (the deserializer's message).
    #[error("not a snapshot: {0}")]
    Format(String),
    /// A snapshot of another format version.
    #[error("snapshot format version {0} is not {SNAPSHOT_VERSION}")]
    Version(u32),
    /// An app with the snapshot's key already exists.
    #[error("app {0} already exists")]
    AppExists(String),
    /// The snapshot breaks an invariant (its tables disagree): it was not written by
    /// [`App::snapshot`], or was damaged in a way its format did not catch.
    #[error("snapshot is inconsistent: {0}")]
    Inconsistent(String),
}

/// The `401 unauthorized` a user principal gets for an admin-only call.
pub(crate) const NOT_ALLOWED: Error = Error::Unauthorized("principal not allowed");

/// One tenant's handle. Cheap to clone; hosts may keep one per connection so that calls skip
/// the engine's tenant registry.
///
/// - Getters: [`App::key`], [`App::limits`], [`App::next_expiry`].
/// - Inputs (change state): [`App::execute`] (a typed command, typed reply),
///   [`App::execute_any`] (any [`Command`], for logs and replay), [`App::expire`].
/// - Reads: [`App::query`] (a typed query), [`App::query_any`] (any [`Query`]).
/// - Outputs: each command's [`Output`] carries its reply and the [`Event`]s it caused.
#[derive(Clone)]
pub struct App {
    key: AppKey,
    pub(crate) store: Arc<Store>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("key", &self.key).finish()
    }
}

impl App {
    fn new(key: AppKey, limits: Limits, hash_seed: u64) -> App {
        App {
            key: key.clone(),
            store: Arc::new(Store::new(State::new(key, limits, hash_seed))),
        }
    }

    /// The app's key.
    pub fn key(&self) -> &AppKey {
        &self.key
    }

    /// The app's limits: as set when it was created, or by the last [`crate::SetLimits`].
    ///
    /// # Locking
    /// Takes the app's read lock briefly.
    pub fn limits(&self) -> Arc<Limits> {
        self.store.view(|st| Arc::clone(&st.limits))
    }

    /// Runs a typed command at `now` as `actor`.
    ///
    /// # Errors
    /// The command's own errors, listed on it in check order. A failed command changes nothing.
    ///
    /// # Locking
    /// Takes the app's write lock for the command: commands on one app run one at a time.
    pub fn execute<C: Exec>(
        &self,
        actor: &Actor,
        now: Timestamp,
        cmd: C,
    ) -> Result<Output<C::Reply>> {
        self.execute_logged(actor, now, cmd, |_| ())
    }

    /// Runs any command (the serializable form, for logs and replay).
    ///
    /// # Errors
    /// As [`App::execute`].
    ///
    /// # Locking
    /// As [`App::execute`].
    pub fn execute_any(
        &self,
        actor: &Actor,
        now: Timestamp,
        cmd: Command,
    ) -> Result<Output<Reply>> {
        self.execute_logged(actor, now, cmd, |_| ())
    }

    /// Runs a command (typed, or any [`Command`]) and, if it applies, calls `log` with its
    /// position in the app's command log (1, 2, 3, …, counting applied commands only) before
    /// the app is unlocked,
    /// so that the order of the log is the order the commands applied in. A refused command
    /// changes nothing and is not logged: replaying the logged commands in order on the
    /// snapshot they follow rebuilds the same state, with the same ids.
    ///
    /// `log` runs while the app is locked: it should only hand the record over (to a
    /// buffer, a channel), not wait for a disk.
    ///
    /// # Errors
    /// As [`App::execute`].
    ///
    /// # Locking
    /// As [`App::execute`]; `log` runs under the app's write lock.
    pub fn execute_logged<C: Exec>(
        &self,
        actor: &Actor,
        now: Timestamp,
        cmd: C,
        log: impl FnOnce(u64),
    ) -> Result<Output<C::Reply>> {
        self.store.apply(|st| {
            let mut cx = Ctx {
                st,
                actor,
                now,
                out: Vec::new(),
            };
            let reply = cmd.exec(&mut cx)?;
            cx.st.applied += 1;
            log(cx.st.applied);
            Ok(Output {
                reply,
                events: cx.out,
            })
        })
    }

    /// How many commands have applied to this app: the log position of the last one.
    ///
    /// # Locking
    /// Takes the app's read lock briefly.
    pub fn applied(&self) -> u64 {
        self.store.view(|st| st.applied)
    }

    /// Writes a consistent snapshot of the whole app (its key, limits, id counter, applied
    /// count and every table) with `serializer`: the state between two commands. Maps are
    /// written in key order, so equal states give equal bytes in any deterministic format.
    /// The format is versioned ([`SNAPSHOT_VERSION`]); [`Engine::restore_app`] reads it back.
    ///
    /// # Errors
    /// The serializer's.
    ///
    /// # Locking
    /// Holds the app's read lock while it serializes: commands on the app wait, queries do
    /// not. Serializing into memory and writing the bytes out afterwards keeps the wait short.
    pub fn snapshot<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.store.view(|state| {
            serde::Serialize::serialize(
                &SnapshotRef {
                    version: SNAPSHOT_VERSION,
                    state,
                },
                serializer,
            )
        })
    }

    /// When the earliest timed state of the app lapses (a mute, a presence subscription, an
    /// offline chatroom member's grace), or `None` if nothing is timed. A host sleeps until
    /// then and runs [`App::expire`]; see [`crate::expiry`].
    ///
    /// # Locking
    /// Takes the app's read lock briefly.
    pub fn next_expiry(&self) -> Option<Timestamp> {
        self.store.view(crate::expiry::next)
    }

    /// Runs [`crate::Expire`] at `now` as the app admin: lapses everything due and returns the
    /// events, one per lapse, each reported once. The same as `execute(&Actor::Admin, now,
    /// Expire)`; a host that logs commands runs that instead, so the log replays it.
    ///
    /// # Errors
    /// None in practice (the admin may always run it).
    ///
    /// # Locking
    /// As [`App::execute`].
    pub fn expire(&self, now: Timestamp) -> Result<Output<usize>> {
        self.execute(&Actor::Admin, now, crate::expiry::Expire)
    }

    /// Runs a typed query at `now` as `actor`. Queries change nothing.
    ///
    /// # Errors
    /// The query's own errors.
    ///
    /// # Locking
    /// Takes the app's read lock for the query: it waits for a running command, never for
    /// other queries.
    pub fn query<Q: Ask>(&self, actor: &Actor, now: Timestamp, q: Q) -> Result<Q::Reply> {
        self.read(|v| v.query(actor, now, q))
    }

    /// A text rendering of the app's whole state, for tests that check that a failed command
    /// changed nothing (fuzzing and model tests only).
    ///
    /// # Locking
    /// Takes the app's read lock.
    #[cfg(feature = "fuzzing")]
    #[doc(hidden)]
    pub fn dump_state(&self) -> String {
        self.store.view(|st| format!("{st:?}"))
    }

    /// Runs any query (the serializable form).
    ///
    /// # Errors
    /// As [`App::query`].
    ///
    /// # Locking
    /// As [`App::query`].
    pub fn query_any(&self, actor: &Actor, now: Timestamp, q: Query) -> Result<QueryReply> {
        self.read(|v| v.query_any(actor, now, q))
    }

    /// Runs `f` with a [`View`] of the app: every query run on the view sees the same state
    /// (the state between two commands), and the app's read lock is taken once for all of
    /// them instead of once a query. For a batch of checks — "may the sender message each of
    /// these recipients?", a page of friend checks — this saves the lock's two atomic
    /// operations a query (`AreFriendsById` hot: 20 → 14 ns on the bench machine), and lets
    /// the cache misses of consecutive cold checks overlap (an atomic read-modify-write
    /// between them waits for each check's loads to finish first).
    ///
    /// Each query on the view gives exactly what [`App::query`] would give at that state.
    ///
    /// ```
    /// use imcore::*;
    /// let app = Engine::new().create_app(AppKey::new("acme", "chat")?, Limits::default())?;
    /// let now = Timestamp(1_700_000_000_000);
    /// for name in ["alice", "bob", "carol"] {
    ///     app.execute(&Actor::Admin, now, RegisterUser(NewUser::new(name, "pw", name)))?;
    /// }
    /// let name = |n: &str| UserName::parse(n).unwrap();
    /// app.execute(&Actor::Admin, now, AddFriend { owner: name("alice"), friend: name("bob") })?;
    /// let id = |n: &str| app.query(&Actor::Admin, now, LookupUser { username: name(n) });
    /// let (alice, others) = (id("alice")?, [id("bob")?, id("carol")?]);
    /// // Both checks on one state, with one lock.
    /// let friends: Vec<bool> = app.read(|view| {
    ///     others
    ///         .iter()
    ///         .map(|&b| view.query(&Actor::Admin, now, AreFriendsById { a: alice, b }))
    ///         .collect::<Result<_>>()
    /// })?;
    /// assert_eq!(friends, [true, false]);
    /// # Ok::<(), imcore::Error>(())
    /// ```
    ///
    /// # Locking
    /// Holds the app's read lock while `f` runs: commands on the app wait until `f` returns,
    /// other queries and views do not. Keep `f` to the batch itself; run no command of the
    /// same app from inside it (it would wait for the view it runs in, forever).
    pub fn read<R>(&self, f: impl FnOnce(&View<'_>) -> R) -> R {
        self.store.view(|st| f(&View { st }))
    }
}

/// A read-only view of one app at one state, from [`App::read`]: queries on it take no lock.
#[derive(Clone, Copy)]
pub struct View<'a> {
    st: &'a State,
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View").field("app", &self.st.key).finish()
    }
}

impl View<'_> {
    /// Runs a typed query at `now` as `actor`, as [`App::query`] does, on the view's state.
    ///
    /// # Errors
    /// The query's own errors.
    pub fn query<Q: Ask>(&self, actor: &Actor, now: Timestamp, q: Q) -> Result<Q::Reply> {
        q.ask(&ReadCtx {
            st: self.st,
            actor,
            now,
        })
    }

    /// Runs any query (the serializable form), as [`App::query_any`] does, on the view's
    /// state.
    ///
    /// # Errors
    /// As [`View::query`].
    pub fn query_any(&self, actor: &Actor, now: Timestamp, q: Query) -> Result<QueryReply> {
        q.ask_any(&ReadCtx {
            st: self.st,
            actor,
            now,
        })
    }
}

/// The engine: a registry of isolated tenants. `Send + Sync`; share it with `Arc`.
#[derive(Debug, Default)]
pub struct Engine {
    apps: Registry<App>,
    hash_seed: u64,
}

impl Engine {
    /// An engine with no apps, whose hash maps use a fixed key (fine for tests and for callers
    /// that trust every name they pass in).
    pub fn new() -> Engine {
        Engine::default()
    }

    /// An engine with no apps whose maps of caller-chosen keys (usernames, group ids, thread
    /// parent message ids) are keyed with `seed`. A host serving untrusted clients passes a
    /// secret random seed, so that names cannot be chosen to collide; replies do not depend on
    /// it.
    pub fn with_hash_seed(seed: u64) -> Engine {
        Engine {
            apps: Registry::default(),
            hash_seed: seed,
        }
    }

    /// Creates an app with its limits.
    ///
    /// # Errors
    /// [`Error::AppExists`] if the key is taken.
    ///
    /// # Locking
    /// Takes the tenant registry's lock briefly.
    pub fn create_app(&self, key: AppKey, limits: Limits) -> Result<App> {
        self.apps
            .insert_new(key.clone(), || {
                App::new(key.clone(), limits, self.hash_seed)
            })
            .ok_or_else(|| Error::AppExists(key.to_string()))
    }

    /// Restores an app from a snapshot written by [`App::snapshot`] (in the same format),
    /// keyed with this engine's hash seed, and registers it. The restored app continues from
    /// the snapshot's applied count ([`App::applied`]): replay the logged commands after it
    /// with [`App::execute_logged`].
    ///
    /// # Errors
    /// [`RestoreError`]: not a snapshot, another version, the key taken, or a snapshot whose
    /// tables disagree (every invariant is checked before the app is registered).
    ///
    /// # Locking
    /// Takes the tenant registry's lock briefly.
    pub fn restore_app<'de, D: serde::Deserializer<'de>>(
        &self,
        deserializer: D,
    ) -> std::result::Result<App, RestoreError> {
        let snap = <SnapshotOwned as Deserialize>::deserialize(deserializer)
            .map_err(|e| RestoreError::Format(e.to_string()))?;
        let mut state = match snap {
            SnapshotOwned::State(s) => *s,
            SnapshotOwned::Other(v) => return Err(RestoreError::Version(v)),
        };
        state.reseed(self.hash_seed);
        crate::invariants::check_state(&state).map_err(RestoreError::Inconsistent)?;
        let key = state.key.clone();
        let mut state = Some(state);
        self.apps
            .insert_new(key.clone(), || App {
                key: key.clone(),
                store: Arc::new(Store::new(state.take().expect("made once"))),
            })
            .ok_or_else(|| RestoreError::AppExists(key.to_string()))
    }

    /// Deletes an app and everything in it. Handles still held keep working on the detached
    /// state until dropped.
    ///
    /// # Errors
    /// [`Error::AppNotFound`].
    ///
    /// # Locking
    /// Takes the tenant registry's lock briefly.
    pub fn delete_app(&self, key: &AppKey) -> Result<()> {
        if self.apps.remove(key) {
            Ok(())
        } else {
            Err(Error::AppNotFound(key.to_string()))
        }
    }

    /// The handle of an app.
    ///
    /// # Errors
    /// [`Error::AppNotFound`].
    ///
    /// # Locking
    /// Takes the tenant registry's lock briefly.
    pub fn app(&self, key: &AppKey) -> Result<App> {
        self.apps
            .get(key)
            .ok_or_else(|| Error::AppNotFound(key.to_string()))
    }

    /// The keys of every app, sorted.
    ///
    /// # Locking
    /// Takes the tenant registry's lock briefly.
    pub fn app_keys(&self) -> Vec<AppKey> {
        self.apps.keys()
    }

    /// Runs a typed command on an app. See [`App::execute`].
    ///
    /// # Errors
    /// [`Error::AppNotFound`], then the command's own errors.
    ///
    /// # Locking
    /// As [`App::execute`].
    pub fn execute<C: Exec>(
        &self,
        app: &AppKey,
        actor: &Actor,
        now: Timestamp,
        cmd: C,
    ) -> Result<Output<C::Reply>> {
        self.app(app)?.execute(actor, now, cmd)
    }

    /// Runs a typed query on an app. See [`App::query`].
    ///
    /// # Errors
    /// [`Error::AppNotFound`], then the query's own errors.
    ///
    /// # Locking
    /// As [`App::query`].
    pub fn query<Q: Ask>(
        &self,
        app: &AppKey,
        actor: &Actor,
        now: Timestamp,
        q: Q,
    ) -> Result<Q::Reply> {
        self.app(app)?.query(actor, now, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{NewUser, RegisterUser, SetAttributes};

    fn snapshot(app: &App) -> Vec<u8> {
        use postcard::ser_flavors::Flavor;
        let mut ser = postcard::Serializer {
            output: postcard::ser_flavors::StdVec::new(),
        };
        app.snapshot(&mut ser).unwrap();
        ser.output.finalize().unwrap()
    }

    /// Snapshot format version 1 (before the lifecycle table) restores: same users and
    /// attributes, an empty lifecycle table, the new limits at their defaults.
    #[test]
    fn version_1_snapshots_migrate() {
        struct V1<'a>(&'a State);
        impl Serialize for V1<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                self.0.serialize_v1(s)
            }
        }
        let engine = Engine::new();
        let limits = Limits {
            friends_max: Some(7),
            ..Limits::default()
        };
        let app = engine
            .create_app(AppKey::new("o", "a").unwrap(), limits.clone())
            .unwrap();
        let now = Timestamp(0);
        app.execute(
            &Actor::Admin,
            now,
            RegisterUser(NewUser::new("a", "pw", "u")),
        )
        .unwrap();
        let pairs = vec![("k".to_string(), "v".to_string())];
        let a = UserName::parse("a").unwrap();
        app.execute(&Actor::Admin, now, SetAttributes { username: a, pairs })
            .unwrap();
        let bytes = app
            .store
            .view(|st| postcard::to_stdvec(&(crate::store::SNAPSHOT_V1, V1(st))).unwrap());
        let other = Engine::new();
        let back = other
            .restore_app(&mut postcard::Deserializer::from_bytes(&bytes))
            .unwrap();
        assert_eq!(back.dump_state(), app.dump_state());
        assert_eq!(*back.limits(), limits);
        // A self-describing format (JSON) round-trips the current version.
        let mut json = Vec::new();
        app.snapshot(&mut serde_json::Serializer::new(&mut json))
            .unwrap();
        let from_json = Engine::new()
            .restore_app(&mut serde_json::Deserializer::from_slice(&json))
            .unwrap();
        assert_eq!(from_json.dump_state(), app.dump_state());
        // A later, unknown version is refused by its number.
        let mut bytes = snapshot(&app);
        bytes[0] = (SNAPSHOT_VERSION + 1) as u8;
        assert_eq!(
            Engine::new()
                .restore_app(&mut postcard::Deserializer::from_bytes(&bytes))
                .unwrap_err(),
            RestoreError::Version(SNAPSHOT_VERSION + 1)
        );
    }

    #[test]
    fn a_snapshot_whose_tables_disagree_is_refused() {
        let engine = Engine::new();
        let app = engine
            .create_app(AppKey::new("o", "a").unwrap(), Limits::default())
            .unwrap();
        let now = Timestamp(0);
        app.execute(
            &Actor::Admin,
            now,
            RegisterUser(NewUser::new("a", "pw", "u")),
        )
        .unwrap();
        let a = UserName::parse("a").unwrap();
        let pairs = vec![("k".to_string(), "v".to_string())];
        app.execute(&Actor::Admin, now, SetAttributes { username: a, pairs })
            .unwrap();
        app.store.apply(|st| st.users.attr_total += 1);
        let other = Engine::new();
        let e = other
            .restore_app(&mut postcard::Deserializer::from_bytes(&snapshot(&app)))
            .unwrap_err();
        assert!(
            matches!(&e, RestoreError::Inconsistent(m) if m.contains("attribute total")),
            "{e}"
        );
        assert!(other.app_keys().is_empty());
    }

    #[test]
    fn a_one_way_friendship_is_found_and_named() {
        use crate::users::AddFriend;
        let engine = Engine::new();
        let app = engine
            .create_app(AppKey::new("o", "a").unwrap(), Limits::default())
            .unwrap();
        let now = Timestamp(0);
        for n in ["a", "b", "c"] {
            app.execute(&Actor::Admin, now, RegisterUser(NewUser::new(n, "pw", n)))
                .unwrap();
        }
        let name = |n: &str| UserName::parse(n).unwrap();
        for (x, y) in [("a", "b"), ("b", "c")] {
            app.execute(
                &Actor::Admin,
                now,
                AddFriend {
                    owner: name(x),
                    friend: name(y),
                },
            )
            .unwrap();
        }
        crate::invariants::check(&app).unwrap();
        // Drop c's side of b–c.
        app.store.apply(|st| {
            let (c, _) = st.users.named(&name("c")).unwrap();
            st.users.get_mut(c).unwrap().contacts.clear();
        });
        let e = crate::invariants::check(&app).unwrap_err();
        assert_eq!(e, "friendship b -> c is one-way");
        let other = Engine::new();
        assert!(matches!(
            other.restore_app(&mut postcard::Deserializer::from_bytes(&snapshot(&app))),
            Err(RestoreError::Inconsistent(m)) if m.contains("one-way")
        ));
        // A changed `added_at` on one side is one-way too.
        app.store.apply(|st| {
            let (c, _) = st.users.named(&name("c")).unwrap();
            let (b, _) = st.users.named(&name("b")).unwrap();
            st.users
                .get_mut(c)
                .unwrap()
                .contacts
                .insert(b, Timestamp(5));
        });
        assert!(
            crate::invariants::check(&app)
                .unwrap_err()
                .contains("one-way")
        );
    }
}
