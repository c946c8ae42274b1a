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

/// The `401 unauthorized` a user principal gets for an admin-only call.
pub(crate) const NOT_ALLOWED: Error = Error::Unauthorized("principal not allowed");

/// One tenant's handle. Cheap to clone; hosts may keep one per connection so that calls skip
/// the engine's tenant registry.
///
/// - Getters: [`App::key`], [`App::limits`].
/// - Inputs (change state): [`App::execute`] (a typed command, typed reply),
///   [`App::execute_any`] (any [`Command`], for logs and replay).
/// - Reads: [`App::query`] (a typed query), [`App::query_any`] (any [`Query`]).
/// - Outputs: each command's [`Output`] carries its reply and the [`Event`]s it caused.
#[derive(Clone)]
pub struct App {
    key: AppKey,
    limits: Arc<Limits>,
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
            limits: Arc::new(limits.clone()),
            store: Arc::new(Store::new(State::new(key, limits, hash_seed))),
        }
    }

    /// The app's key.
    pub fn key(&self) -> &AppKey {
        &self.key
    }

    /// The app's limits, as set when it was created.
    pub fn limits(&self) -> &Limits {
        &self.limits
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
        self.store.apply(|st| {
            let mut cx = Ctx {
                st,
                actor,
                now,
                out: Vec::new(),
            };
            let reply = cmd.exec(&mut cx)?;
            Ok(Output {
                reply,
                events: cx.out,
            })
        })
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
        self.store.apply(|st| {
            let mut cx = Ctx {
                st,
                actor,
                now,
                out: Vec::new(),
            };
            let reply = cmd.exec_any(&mut cx)?;
            Ok(Output {
                reply,
                events: cx.out,
            })
        })
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
        self.store.view(|st| q.ask(&ReadCtx { st, actor, now }))
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
        self.store.view(|st| q.ask_any(&ReadCtx { st, actor, now }))
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
