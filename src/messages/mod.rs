//! Messages (spec 03 §4, spec 01 §14): who may send what to whom, who receives it, and what
//! becomes of it — the store, offline queues, recall, rewrite, roaming, the hourly export,
//! attachment metadata and reactions.
//!
//! | spec | file |
//! |---|---|
//! | 03 §4.1 the message model, body rules, the size rule | `model.rs` |
//! | 03 §4.2 send to users, groups, threads, rooms; directed sends; broadcast; §4.4 the send result | `send.rs` |
//! | 03 §4.3 the delivery policy: stages S, T (users, groups and threads, rooms) and R | `policy.rs` |
//! | 03 §4.5, 01 §14 the offline queue: count, status, acknowledge | `offline.rs` |
//! | 03 §4.6 recall | `recall.rs` |
//! | 03 §4.7 rewrite | `rewrite.rs` |
//! | 03 §4.8 conversation deletion, roaming clears, conversation list and roaming reads | `conversations.rs` |
//! | 03 §4.9 the hourly export; 01 §16 a user's message export | `history.rs` |
//! | 03 §4.10 attachment metadata | `attachments.rs` |
//! | 03 §4.11 reactions | `reactions.rs` |
//! | 01 §6, 03 §3.2/§3.11 cascades; 02 H4 the thread message checks | `cascade.rs` |
//! | errors, events | `error.rs`, `events.rs` |
//!
//! The records (a message, a user's queues and roaming marks, an attachment, a reaction) are
//! in `state.rs`; the table that holds and indexes them is the store's
//! (`store::Messages`). Every command checks everything first, in the order its docs list,
//! and only then changes the state; message and reaction ids are drawn from the app's counter
//! once the checks pass.
//!
//! # Memory
//! Every table is bounded: stored messages by `stored_max` (the oldest, by id, evicted first)
//! and by `history_retention` (3 days from acceptance); offline queues by 500 one-to-one and
//! 200 group entries per user (oldest evicted) and 7 days; attachments by `attachments_max`
//! and 7 days; reactions by 20 per stored message (they go with it); roaming marks by the
//! stored messages and the user's conversations. BENCHMARKS.md reports the bytes a stored
//! message takes.
//!
//! # The decision procedure
//! [`SendMessage`] runs the request checks (§4.2, in order), then stage S
//! (`policy::stage_s`: deactivated, unknown client sender, global mute of the kind), then for
//! each de-duplicated target stage T (`stage_t_chat`, `stage_t_group`, `stage_t_room`), and
//! if every target is refused fails with the first refusal. Each accepted target is routed
//! recipient by recipient (`stage_r`, reading the roster's member slots and each user's
//! sessions), stored under its own id, queued offline where stage R says so, and announced by
//! one `MessageEvent::Sent` carrying the routes the reply carries.
//!
//! # Choices where the spec is silent
//! - The origin follows the caller: the app admin sends with server origin, a user with
//!   client origin as themself (naming another `from` is `401`).
//! - A group-chat target may name a thread: its group's send rule applies, and its members
//!   receive it (a thread message; threads cannot be created on one, `T_NESTED`).
//! - Acknowledged offline entries leave the queue; recalled messages leave the store (so
//!   "recalled" reads as unknown everywhere: recall, rewrite, reactions, threads).
//! - Roaming is derived from the store and the user's marks (see `conversations.rs`); rooms
//!   have no roaming.
//! - Broadcasts are stored once, `to` all the rooms they reached.
//! - The optional per-minute send rates of §4.2 step 10 are not enforced (only broadcasts
//!   have theirs).
//! - Routes name users by handle ([`crate::UserId`]); [`UserNames`] maps them to names.

mod attachments;
pub(crate) mod cascade;
mod conversations;
mod error;
mod events;
mod history;
mod model;
mod offline;
mod policy;
mod reactions;
mod recall;
mod rewrite;
mod routes;
mod send;
pub(crate) mod state;

pub use attachments::*;
pub use conversations::*;
pub use error::MessageError;
pub use events::MessageEvent;
pub use history::*;
pub use model::{ChatType, Json, MsgType, Priority};
pub use offline::*;
pub use policy::*;
pub use reactions::*;
pub use recall::*;
pub use rewrite::*;
pub use routes::{Iter as RoutesIter, Routes};
pub use send::*;

pub use crate::limits::MessageLimits;

use serde::{Deserialize, Serialize};

use crate::engine::{NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::query::Ask;

/// The names of user handles (routes name users by handle), in order; `None` for a handle of
/// no registered user. The app admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UserNames {
    /// The handles.
    pub ids: Vec<UserId>,
}

impl Ask for UserNames {
    type Reply = Vec<Option<UserName>>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Self::Reply> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(self
            .ids
            .iter()
            .map(|u| cx.st.users.name(*u).cloned())
            .collect())
    }
}
