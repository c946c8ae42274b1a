//! # imcore
//!
//! An in-process instant-messaging domain engine. It keeps the state an IM cloud (Easemob,
//! RongCloud) keeps for its customers' apps — tenants, users and tokens, user attributes with
//! byte budgets, friends, block lists, global mutes, groups with their threads, chatrooms with
//! their attributes — as concurrent in-memory structures behind a command/query API.
//!
//! The users area (users, tokens, sessions, attributes, contacts, mutes) is re-exported at the
//! crate root; the groups and threads area lives in [`groups`] and the chatrooms area in
//! [`rooms`] (`use imcore::groups::*;`). Every area's commands and queries are also variants of
//! the one [`Command`] and [`Query`] enums.
//!
//! ## The contract (sans-IO)
//!
//! - **In:** commands and queries, each with the tenant ([`AppKey`]), the caller ([`Actor`])
//!   and the host's clock reading ([`Timestamp`], epoch ms).
//! - **Out:** a typed reply and the [`Event`]s the call caused, or an [`Error`] carrying the
//!   vendor's HTTP status and `error` string. A failed command changes nothing.
//! - **Nothing else:** the engine reads no clock, draws no randomness and touches no file,
//!   socket or thread. Ids come from a per-tenant counter, so the same commands at the same
//!   `now`s give the same state and events.
//!
//! ```
//! use imcore::*;
//!
//! let engine = Engine::new();
//! let key = AppKey::new("acme", "chat")?;
//! let app = engine.create_app(key, Limits::default())?;
//! let now = Timestamp(1_700_000_000_000);
//! for name in ["alice", "bob"] {
//!     app.execute(&Actor::Admin, now, RegisterUser(NewUser::new(name, "pw", name)))?;
//! }
//! let alice = UserName::parse("Alice")?; // names are case-folded
//! let bob = UserName::parse("bob")?;
//! let out = app.execute(&Actor::Admin, now, AddFriend { owner: alice.clone(), friend: bob.clone() })?;
//! assert_eq!(out.events, vec![Event::ContactAdded { owner: alice.clone(), friend: bob.clone() }]);
//! assert!(app.query(&Actor::Admin, now, AreFriends { a: bob, b: alice })?);
//! # Ok::<(), imcore::Error>(())
//! ```
//!
//! ## The run loop
//!
//! A host validates a token ([`ValidateToken`]) to learn the [`Actor`], runs the call with its
//! clock's `now`, answers with the reply, and carries out the events: `ForceDisconnect` drops a
//! connection, `ContactAdded` pushes a notice, and so on.
//!
//! ## Consistency
//!
//! Every command is atomic and linearizable with respect to the entities it touches: it takes
//! their locks (in one global order, see `src/store.rs`) and applies
//! whole or not at all. A query reads one entity at a time: a list query that names other users
//! (a friend list) sees each user as they were when it read them, so a user deleted mid-read is
//! simply left out. Deleting a user is a cascade: once it starts, no new link to the user can
//! form; a concurrent reader may see some of the user's links already gone and others not yet.
//! When no command is in flight every property in [`invariants`] holds.
//!
//! ## Locking
//!
//! Methods that block say so in a `# Locking` section. Commands block only on the per-entity
//! locks they need; queries take read locks.
//!
//! ## Limits
//!
//! Every cap is in [`Limits`] (per app) or a constant in [`limits`], enforced at its edge.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod command;
pub mod engine;
pub mod error;
#[path = "groups_stub.rs"]
pub mod groups;
pub mod ids;
pub mod invariants;
pub mod limits;
pub mod paging;
pub mod query;
pub mod rooms;
pub(crate) mod roster;
pub(crate) mod store;
pub mod time;
pub mod users;

pub use command::{Command, DisconnectReason, Event, Exec, Reply};
pub use engine::{Actor, App, Engine, Output};
pub use error::{Error, Result};
pub use ids::{AppKey, GroupId, RoomId, ThreadId, UserId, UserName};
pub use limits::{GroupLimits, Limits, RegistrationMode, RoomLimits};
pub use paging::Page;
pub use query::{Ask, Query, QueryReply};
pub use roster::BatchItem;
pub use time::{Expiry, Millis, Remaining, Timestamp};
pub use users::*;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
