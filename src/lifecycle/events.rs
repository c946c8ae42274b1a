//! The lifecycle area's events (spec 04 §14). Each names the user and carries `at`, the `now`
//! of the call; the app is the one the call ran on. `UserRegistered`, `UserDisabled`,
//! `UserEnabled`, `ForceDisconnect` and `PresenceChanged` are the users area's events.

use serde::{Deserialize, Serialize};

use crate::ids::UserName;
use crate::time::Timestamp;

/// Why a timed login block ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnblockReason {
    /// `UnblockLogin`.
    Manual,
    /// It lapsed ([`crate::Expire`]).
    Expired,
}

/// Events of the lifecycle area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LifecycleEvent {
    /// A token grant was recorded; the host mints the token from it.
    TokenGranted {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// The grant's sequence number.
        grant_seq: u64,
    },
    /// Grants issued before `before` are no longer valid (live connections stay).
    TokensRevoked {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// The revocation instant now in force.
        before: Timestamp,
    },
    /// Push name or portrait changed.
    UserInfoChanged {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
    },
    /// An account was closed (the host's "callback", type 0).
    AccountClosed {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// The operation.
        op_id: u64,
    },
    /// A closed id was reopened (the host's "callback", type 1).
    AccountReopened {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// The operation.
        op_id: u64,
    },
    /// A timed login block was set.
    LoginBlocked {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// Until when.
        until: Timestamp,
    },
    /// A timed login block ended.
    LoginUnblocked {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// Why.
        reason: UnblockReason,
    },
    /// Users were added to (`added`) or removed from the owner's block list.
    BlocklistChanged {
        /// Whose list.
        user: UserName,
        /// When.
        at: Timestamp,
        /// Who.
        others: Vec<UserName>,
        /// Added (`true`) or removed.
        added: bool,
    },
    /// Users were added to (`added`) or removed from the owner's allow list.
    AllowlistChanged {
        /// Whose list.
        user: UserName,
        /// When.
        at: Timestamp,
        /// Who.
        others: Vec<UserName>,
        /// Added (`true`) or removed.
        added: bool,
    },
    /// The owner's DM mode changed.
    DmModeChanged {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
        /// The mode now.
        mode: super::DmMode,
    },
    /// A user's tags were replaced.
    UserTagsChanged {
        /// Whose.
        user: UserName,
        /// When.
        at: Timestamp,
    },
}
