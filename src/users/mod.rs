//! The users area (spec 01): accounts, tokens, sessions, attributes, friends, block lists,
//! global mutes, presence, push settings and the GDPR export. Every item here is re-exported
//! at the crate root.
//!
//! | spec 01 | file |
//! |---|---|
//! | §1, §2, §4, §5, §7 register, read, list, password, disable/enable | [`accounts`](self) (`accounts.rs`) |
//! | §3 tokens, app credentials | `tokens.rs` |
//! | §6 deletion and its cascade | `cascade.rs` |
//! | §8 sessions, forced logout, online status | `sessions.rs` |
//! | §9 attributes and their byte budgets | `attributes.rs` |
//! | §10 friends | `contacts.rs` |
//! | §11 block lists | `blocks.rs` |
//! | §12 global mutes | `mutes.rs` |
//! | §13 presence: statuses, subscriptions, `PresenceChanged` | `presence.rs` |
//! | §15 push settings: nicknames, display style, do-not-disturb, notifications, bindings | `push.rs` |
//! | §16 GDPR export (erase: the §6 cascade) | `export.rs` |
//!
//! The records (a user, their out-of-line extras, sessions, grants) are in `state.rs`, those
//! of presence and push in `records.rs`; the table that indexes them by id, name and creation
//! time, with the presence subscriptions and the deadlines of timed state, is the store's.
//! Timed state lapses on time through [`crate::expiry`]; the per-second rate limits of §17
//! are the host's, with the windows in [`crate::rate`].

mod accounts;
mod attributes;
mod blocks;
pub(crate) mod cascade;
mod contacts;
mod export;
mod mutes;
mod presence;
mod push;
mod records;
mod sessions;
mod state;
mod tokens;

pub use accounts::*;
pub use attributes::*;
pub use blocks::*;
pub use contacts::*;
pub use export::*;
pub use mutes::*;
pub use presence::*;
pub use push::*;
pub use records::{Interval, NotifyKey, NotifyType};
pub use sessions::*;
pub use state::Credentials;
pub(crate) use state::{Grant, Subject, User};
pub use tokens::*;

use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::store::State;

/// A registered user by name, or `404 service_resource_not_found`.
pub(crate) fn find<'a>(st: &'a State, name: &UserName) -> Result<(UserId, &'a User)> {
    st.users
        .named(name)
        .ok_or_else(|| Error::UserNotFound(name.to_string()))
}

/// A registered user by name, to change, or `404 service_resource_not_found`.
pub(crate) fn find_mut<'a>(st: &'a mut State, name: &UserName) -> Result<(UserId, &'a mut User)> {
    let id = st
        .users
        .id(name)
        .ok_or_else(|| Error::UserNotFound(name.to_string()))?;
    Ok((id, st.users.get_mut(id).expect("indexed")))
}
