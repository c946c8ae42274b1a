//! # imcore
//!
//! An in-process instant-messaging domain engine. It keeps the state an IM cloud (Easemob,
//! RongCloud) keeps for its customers' apps — tenants, users and tokens, user attributes with
//! byte budgets, friends, block lists, global mutes, groups with their threads, chatrooms with
//! their attributes — as concurrent in-memory structures behind a command/query API.
//!
//! The users area ([`users`]: users, tokens, sessions, attributes, contacts, mutes,
//! presence, push settings, the GDPR export) is
//! re-exported at the crate root; the groups and threads area lives in [`groups`] and the
//! chatrooms area in [`rooms`] (`use imcore::groups::*;`). The RongCloud user lifecycle
//! ([`lifecycle`]: token grants and revocation, account closure, timed login blocks, the DM
//! allow list, tags) shares the users area's state and is re-exported at the root too. Every
//! area's commands and queries are also variants of the one [`Command`] and [`Query`] enums.
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
//! ## Time
//!
//! Timed state (mutes, presence subscriptions, offline chatroom members) is decided against
//! each call's `now`, so no sweeper is needed for correctness. To report lapses on time, a
//! host runs one timer per app: sleep until [`App::next_expiry`], then run [`Expire`] (a
//! command like any other, so it is logged and replayed), and carry out its events.
//!
//! ## Consistency
//!
//! Every command is atomic and linearizable: commands on one app run one at a time, each on
//! the whole app's state, and a failed command changes nothing. A query sees the state between
//! two commands, never a command half applied, cascades included (deleting a user, destroying
//! a group). When no command is running every property in [`invariants`] holds.
//!
//! ## Locking
//!
//! Methods that block say so in a `# Locking` section. An app's state sits behind one
//! reader-writer lock: a command takes the write side for its duration (microseconds; a
//! cascade over thousands of members, longer), a query the read side. Readers lock only their
//! own thread's shard of the lock, so queries on many threads do not contend with each other.
//! Apps share nothing: calls on different apps never wait for each other.
//!
//! ## Layout
//!
//! | module | what |
//! |---|---|
//! | [`engine`] | [`Engine`] (the apps) and [`App`] (one app: `execute`, `query`) |
//! | [`command`], [`query`] | every [`Command`] and [`Query`], their replies, [`Event`] |
//! | [`error`] | [`Error`]: the vendor's status and code for every failure |
//! | [`ids`], [`time`], [`limits`], [`paging`] | names and ids, instants and expiries, caps, pages |
//! | [`users`] (re-exported here) | users, tokens, sessions, attributes, friends, blocks, mutes (spec 01) |
//! | [`lifecycle`] (re-exported here) | the RongCloud user lifecycle: grants, revocation, closure, login blocks, allow list, tags (spec 04) |
//! | [`groups`] | groups and threads (spec 02) |
//! | [`rooms`] | chatrooms and their attributes (spec 03 §0–§3) |
//! | [`messages`] | messages: send and the delivery policy, offline queues, recall, rewrite, roaming, history, attachments, reactions (spec 03 §4) |
//! | [`expiry`] | timed state lapsing on time: `next_expiry`, [`Expire`] |
//! | [`rate`] | the per-second rate-limit windows a host keeps (spec 01 §17) |
//! | `roster` (private) | what groups, threads and rooms share: members, roles, lists, batch items |
//! | `store` (private) | the only locks: one app's state behind its lock, the tables and indexes |
//! | [`invariants`] | the properties that hold between commands, one function each |
//!
//! ## Limits
//!
//! Every cap is in [`Limits`] (per app) or a constant in [`limits`], enforced at its edge.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod command;
pub mod engine;
pub mod error;
pub mod expiry;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod groups;
pub mod ids;
pub mod invariants;
pub mod lifecycle;
pub mod limits;
pub mod messages;
pub mod paging;
pub mod query;
pub mod rate;
pub mod rooms;
pub(crate) mod roster;
pub(crate) mod store;
pub mod time;
pub mod users;

pub use command::{Command, DisconnectReason, Event, Exec, Reply};
pub use engine::{Actor, App, Engine, Output, RestoreError, SNAPSHOT_VERSION, View};
pub use error::{Error, Result};
pub use expiry::{Expire, NextExpiry};
pub use ids::{AppKey, GroupId, MessageId, RoomId, ThreadId, UserId, UserName};
pub use lifecycle::*;
pub use limits::{
    GroupLimits, LifecycleLimits, Limits, MessageLimits, RegistrationMode, RoomLimits,
    SendRateLimits, SetLimits,
};
pub use paging::Page;
pub use query::{Ask, Query, QueryReply};
pub use roster::BatchItem;
pub use time::{Expiry, Millis, Remaining, Timestamp};
pub use users::*;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
