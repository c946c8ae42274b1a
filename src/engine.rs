//! [`Engine`]: the registry of tenants, and [`App`]: one tenant's handle, which dispatches
//! commands and queries. The areas (users, contacts, ...) decide; this file only routes.

use std::sync::Arc;

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

use crate::command::{Command, Event, Exec, Reply};
use crate::error::{Error, Result};
use crate::ids::{AppKey, UserName};
use crate::limits::Limits;
use crate::query::{Ask, Query, QueryReply};
use crate::store::{Credentials, Tenant, UserCell};
use crate::time::Timestamp;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The app admin: an app token, or a trusted host call. May do everything.
    Admin,
    /// A user, by their user token. May act on their own resources where the spec says so.
    User(UserName),
    /// No token: allowed only for open registration and for obtaining tokens.
    Anonymous,
}

/// What a command returns: its reply and the events it caused, in the order they happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Output<R> {
    /// The command's typed reply.
    pub reply: R,
    /// What the host should act on (pushes, callbacks, disconnects).
    pub events: Vec<Event>,
}

/// The call context a command or query runs in. Opaque to hosts.
#[doc(hidden)]
pub struct Ctx<'a> {
    pub(crate) app: &'a Tenant,
    pub(crate) actor: &'a Actor,
    pub(crate) now: Timestamp,
    pub(crate) events: Vec<Event>,
}

impl Ctx<'_> {
    pub(crate) fn emit(&mut self, e: Event) {
        self.events.push(e);
    }

    /// Ok for the admin; `err` for everyone else.
    pub(crate) fn admin_only(&self, err: Error) -> Result<()> {
        match self.actor {
            Actor::Admin => Ok(()),
            _ => Err(err),
        }
    }

    /// Ok for the admin and for `user` themself; `err` for everyone else.
    pub(crate) fn admin_or_self(&self, user: &UserName, err: Error) -> Result<()> {
        match self.actor {
            Actor::Admin => Ok(()),
            Actor::User(u) if u == user => Ok(()),
            _ => Err(err),
        }
    }

    /// Ok for the admin and any user; `err` for anonymous callers.
    pub(crate) fn authenticated(&self, err: Error) -> Result<()> {
        match self.actor {
            Actor::Anonymous => Err(err),
            _ => Ok(()),
        }
    }

    /// The live user of that name, or [`Error::UserNotFound`].
    pub(crate) fn user(&self, name: &UserName) -> Result<Arc<UserCell>> {
        self.app
            .user(name)
            .ok_or_else(|| Error::UserNotFound(name.to_string()))
    }
}

/// The `401 unauthorized` a user principal gets for an admin-only call.
pub(crate) const NOT_ALLOWED: Error = Error::Unauthorized("principal not allowed");

/// One tenant's handle. Cheap to clone; hosts may keep one per connection so that calls skip
/// the engine's tenant registry.
#[derive(Clone, Debug)]
pub struct App {
    pub(crate) tenant: Arc<Tenant>,
}

impl App {
    /// The app's key.
    pub fn key(&self) -> &AppKey {
        &self.tenant.key
    }

    /// The app's limits, as set when it was created.
    pub fn limits(&self) -> &Limits {
        &self.tenant.limits
    }

    /// Runs a typed command at `now` as `actor`.
    ///
    /// # Errors
    /// The command's own errors, listed on it in check order. A failed command changes nothing.
    ///
    /// # Locking
    /// Blocks on the locks of the entities the command touches (see the lock order in `src/store.rs`).
    pub fn execute<C: Exec>(
        &self,
        actor: &Actor,
        now: Timestamp,
        cmd: C,
    ) -> Result<Output<C::Reply>> {
        let mut cx = Ctx {
            app: &self.tenant,
            actor,
            now,
            events: Vec::new(),
        };
        let reply = cmd.exec(&mut cx)?;
        Ok(Output {
            reply,
            events: cx.events,
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
        let mut cx = Ctx {
            app: &self.tenant,
            actor,
            now,
            events: Vec::new(),
        };
        let reply = cmd.exec_any(&mut cx)?;
        Ok(Output {
            reply,
            events: cx.events,
        })
    }

    /// Runs a typed query at `now` as `actor`. Queries change nothing.
    ///
    /// # Errors
    /// The query's own errors.
    ///
    /// # Locking
    /// Takes read locks only, one entity at a time where it can.
    pub fn query<Q: Ask>(&self, actor: &Actor, now: Timestamp, q: Q) -> Result<Q::Reply> {
        let cx = Ctx {
            app: &self.tenant,
            actor,
            now,
            events: Vec::new(),
        };
        q.ask(&cx)
    }

    /// Runs any query (the serializable form).
    ///
    /// # Errors
    /// As [`App::query`].
    ///
    /// # Locking
    /// As [`App::query`].
    pub fn query_any(&self, actor: &Actor, now: Timestamp, q: Query) -> Result<QueryReply> {
        let cx = Ctx {
            app: &self.tenant,
            actor,
            now,
            events: Vec::new(),
        };
        q.ask_any(&cx)
    }

    /// Sets the app's `client_credentials` (client id and secret).
    ///
    /// # Locking
    /// Takes the app's credentials lock briefly.
    pub fn set_credentials(&self, creds: Credentials) {
        *self.tenant.credentials.write() = Some(creds);
    }
}

/// The engine: a registry of isolated tenants. `Send + Sync`; share it with `Arc`.
#[derive(Debug, Default)]
pub struct Engine {
    apps: DashMap<AppKey, App>,
}

impl Engine {
    /// An engine with no apps.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Creates an app with its limits.
    ///
    /// # Errors
    /// [`Error::AppExists`] if the key is taken.
    ///
    /// # Locking
    /// Takes one shard of the tenant registry.
    pub fn create_app(&self, key: AppKey, limits: Limits) -> Result<App> {
        match self.apps.entry(key.clone()) {
            dashmap::Entry::Occupied(_) => Err(Error::AppExists(key.to_string())),
            dashmap::Entry::Vacant(v) => {
                let app = App {
                    tenant: Arc::new(Tenant::new(key, limits)),
                };
                v.insert(app.clone());
                Ok(app)
            }
        }
    }

    /// Deletes an app and everything in it. Handles still held keep working on the detached
    /// state until dropped.
    ///
    /// # Errors
    /// [`Error::AppNotFound`].
    ///
    /// # Locking
    /// Takes one shard of the tenant registry.
    pub fn delete_app(&self, key: &AppKey) -> Result<()> {
        self.apps
            .remove(key)
            .map(|_| ())
            .ok_or_else(|| Error::AppNotFound(key.to_string()))
    }

    /// The handle of an app.
    ///
    /// # Errors
    /// [`Error::AppNotFound`].
    ///
    /// # Locking
    /// Takes one shard of the tenant registry, briefly.
    pub fn app(&self, key: &AppKey) -> Result<App> {
        self.apps
            .get(key)
            .map(|a| a.clone())
            .ok_or_else(|| Error::AppNotFound(key.to_string()))
    }

    /// The keys of every app, sorted.
    pub fn app_keys(&self) -> Vec<AppKey> {
        let mut v: Vec<AppKey> = self.apps.iter().map(|e| e.key().clone()).collect();
        v.sort();
        v
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
