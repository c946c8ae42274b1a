//! The RongCloud user lifecycle (spec 04), next to the Easemob surface of [`crate::users`] and
//! sharing its state where the spec says: one user table (a RongCloud registration is a user
//! without a password; its push name is the nickname), one block list per user (with the
//! per-app cap [`crate::Limits::blocklist_max`]), one session and presence record. Every item
//! here is re-exported at the crate root.
//!
//! | spec 04 | file |
//! |---|---|
//! | §1 registration as token issue, §2 revocation, §6 push profile | `grants.rs` |
//! | §3 closure, §4 the closed list, §5 reopening | `closure.rs` |
//! | §7 timed login blocks (they lapse through [`crate::expiry`]) | `login_blocks.rs` |
//! | §9 block list, §10 DM allow list and mode, the DM policy check | `dm.rs` |
//! | §11 tags | `tags.rs` |
//! | §12 one-to-one ban: the users area's chat-scope global mute, never lapsing | `chat_bans.rs` |
//! | §13 errors | `error.rs` ([`crate::Error::rong_code`] maps every error) |
//! | §14 events | `events.rs` |
//!
//! §8 (online status) is the users area's sessions ([`crate::IsOnline`]); block, disable and
//! close end the user's sessions, which sets them offline. The group and chatroom bans of §12
//! are the groups and rooms areas' mutes.
//!
//! **Terminology (spec 04 §0).** RongCloud's *block* is a timed login ban ([`BlockLogin`]);
//! Easemob's *deactivate* is an indefinite one ([`crate::DisableUser`]); RongCloud's
//! *deactivate* closes the account ([`CloseAccounts`]). The two bans are independent: a
//! connection is refused while either holds, and each command lifts only its own.
//!
//! **Ids (spec 04 §1 OPEN).** Users live in the one table under the users area's names
//! (`[A-Za-z0-9_.-]`, case-folded): a RongCloud id with `+` or `=` is refused as bad input, and
//! ids differing only in case are the same user. A per-app id policy is not built.
//!
//! **Events (spec 04 §14)** carry the user and `at` (the call's `now`); the app is the one the
//! call ran on, which the host knows, so no event repeats it.

mod chat_bans;
mod closure;
mod dm;
mod error;
mod events;
mod grants;
mod login_blocks;
mod state;
mod tags;

pub use chat_bans::*;
pub use closure::*;
pub use dm::*;
pub use error::LifecycleError;
pub use events::*;
pub use grants::*;
pub use login_blocks::*;
pub(crate) use state::{Lifecycle, Tombstone};
pub use tags::*;

use crate::command::Event;
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::store::State;
use crate::users::{User, find};

/// `404 account_closed` for this user.
pub(crate) fn closed_err(user: &UserName) -> Error {
    LifecycleError::AccountClosed(user.to_string()).into()
}

/// A registered, open user by name: `404 service_resource_not_found`, then `404
/// account_closed`.
pub(crate) fn user_named<'a>(st: &'a State, name: &UserName) -> Result<(UserId, &'a User)> {
    let (id, u) = find(st, name)?;
    if st.lifecycle.is_closed(id) {
        return Err(closed_err(name));
    }
    Ok((id, u))
}

/// A batch of 1 to `max` ids, or `400 illegal_argument`.
pub(crate) fn check_batch(n: usize, max: usize, field: &str) -> Result<()> {
    if n == 0 || n > max {
        return Err(error::invalid(format!(
            "{field} must name 1 to {max} users, not {n}"
        )));
    }
    Ok(())
}

/// Whether user `id` may open a session or get an Easemob token at `now`: refused while the
/// id is closed or a timed login block is live (the Easemob disabled flag is checked by the
/// callers, with their own error).
///
/// Errors: `404 account_closed`; `401 login_blocked`.
pub(crate) fn login_allowed(
    st: &State,
    id: UserId,
    name: &UserName,
    now: crate::Timestamp,
) -> Result<()> {
    if st.lifecycle.is_closed(id) {
        return Err(closed_err(name));
    }
    if let Some(until) = st.lifecycle.blocked_until(id, now) {
        return Err(LifecycleError::LoginBlocked(until).into());
    }
    Ok(())
}

/// The lifecycle part of the user-deletion cascade (Easemob `DELETE user`, which frees the
/// id): the user's own state, tombstone, login block and tags go, and their id leaves every
/// other user's allow list.
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, id: UserId) {
    let life = &mut cx.st.lifecycle;
    life.set_tags(id, Vec::new());
    life.users.remove(&id);
    life.closed.remove(&id);
    life.login_blocks.clear(&id);
    for lu in life.users.values_mut() {
        if let Ok(i) = lu.allow.binary_search_by_key(&id, |e| e.0) {
            lu.allow.remove(i);
        }
    }
    let empty: Vec<UserId> = life
        .users
        .iter()
        .filter(|(_, l)| l.is_empty())
        .map(|(id, _)| *id)
        .collect();
    for e in empty {
        life.users.remove(&e);
    }
}

/// The lifecycle area's part of a user's GDPR export (spec 01 §16, spec 04): everything it
/// keeps about the user.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserLifecycleExport {
    /// The push portrait URI.
    pub portrait: Option<String>,
    /// Grants issued before this instant are revoked.
    pub tokens_valid_after: Option<crate::Timestamp>,
    /// The end of a live timed login block.
    pub login_blocked_until: Option<crate::Timestamp>,
    /// The DM mode.
    pub dm_mode: Option<DmMode>,
    /// The DM allow list, newest first.
    pub allowlist: Vec<UserName>,
    /// Tags.
    pub tags: Vec<String>,
    /// When the account was closed, if it is.
    pub closed_at: Option<crate::Timestamp>,
}

/// The export part of user `id` at `now`.
pub(crate) fn export_user(st: &State, id: UserId, now: crate::Timestamp) -> UserLifecycleExport {
    let life = &st.lifecycle;
    let l = life.user(id);
    let mut allow: Vec<(UserId, u64)> = l.map(|l| l.allow.clone()).unwrap_or_default();
    allow.sort_unstable_by_key(|e| std::cmp::Reverse(e.1));
    UserLifecycleExport {
        portrait: l.and_then(|l| l.portrait.as_deref()).map(str::to_owned),
        tokens_valid_after: l.and_then(|l| l.valid_after),
        login_blocked_until: life.blocked_until(id, now),
        dm_mode: Some(dm::mode_of(st, id)),
        allowlist: allow
            .into_iter()
            .filter_map(|(o, _)| st.users.name(o).cloned())
            .collect(),
        tags: l
            .map(|l| l.tags.iter().map(|t| t.to_string()).collect())
            .unwrap_or_default(),
        closed_at: life.closed.get(&id).map(|t| t.closed_at),
    }
}

/// Emits a lifecycle event.
pub(crate) fn emit(cx: &mut Ctx<'_>, e: LifecycleEvent) {
    cx.emit(Event::Lifecycle(e));
}
