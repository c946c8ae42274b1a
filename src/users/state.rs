//! The users area's records: a user, the state most users never have (kept out of line), a
//! session, a token grant, the app's client credentials.

use std::collections::{BTreeMap, VecDeque};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::ids::{UserId, UserName};
use crate::time::{Expiry, Timestamp};

/// App credentials for the `client_credentials` grant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Credentials {
    /// The client id.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::client_id))]
    pub client_id: String,
    /// The client secret.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::client_secret))]
    pub client_secret: String,
}

/// What a token grant authenticates as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Subject {
    App,
    User(UserId),
}

/// A token the host minted and the engine keeps.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Grant {
    pub subject: Subject,
    pub expires: Expiry,
}

/// One open session (a connected device).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Session {
    pub resource: Box<str>,
    pub device_uuid: Option<Box<str>>,
    pub device_name: Option<Box<str>>,
    pub opened: Timestamp,
}

/// The three global-mute scopes, in the order the vendor lists them.
pub(crate) const MUTE_SCOPES: usize = 3;

/// User state that most users never have: kept out of line so the common record stays small.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Extra {
    /// The owner's remark per friend; only friends with a remark have an entry.
    pub remarks: BTreeMap<UserId, Box<str>>,
    /// Users this user blocked: `(id, seq)` sorted by id; `seq` orders them newest first.
    pub blocks: Vec<(UserId, u64)>,
    /// The next block sequence number.
    pub block_seq: u64,
    /// Users who blocked this user, sorted: the reverse index the delete cascade follows.
    pub blocked_by: Vec<UserId>,
    /// Attributes in insertion order.
    pub attrs: IndexMap<Box<str>, Box<str>>,
    /// Bytes the attributes use: Σ key + value UTF-8 bytes.
    pub attr_bytes: u64,
    /// Global mutes: chat, groupchat, chatroom.
    pub mutes: [Option<Expiry>; MUTE_SCOPES],
    /// Live token strings of this user, oldest first.
    pub tokens: VecDeque<Box<str>>,
    /// Open sessions, oldest first.
    pub sessions: Vec<Session>,
    /// Since when the user has had no open session: set when their last session closes,
    /// cleared when one opens; `None` while online and for users who never connected.
    pub offline_since: Option<Timestamp>,
    /// Presence (spec 01 §13); `None` until first recorded.
    pub presence: Option<Box<super::records::Presence>>,
    /// Push settings (spec 01 §15); `None` until first set.
    pub push: Option<Box<super::records::Push>>,
}

/// One user.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct User {
    /// The id drawn from the app's counter at registration: the registration order (users
    /// registered in the same millisecond list in this order).
    pub seq: u64,
    pub name: UserName,
    pub uuid: Box<str>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub activated: bool,
    pub password: Option<Box<str>>,
    pub nickname: Option<Box<str>>,
    /// Friends as `(id, added_at)`, sorted by id: membership is a binary search.
    pub contacts: Vec<(UserId, Timestamp)>,
    pub extra: Option<Box<Extra>>,
}

impl User {
    pub fn extra(&self) -> Option<&Extra> {
        self.extra.as_deref()
    }

    pub fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn is_friend(&self, other: UserId) -> bool {
        self.contacts.binary_search_by_key(&other, |c| c.0).is_ok()
    }

    /// Whether this user has `other` on their block list.
    pub fn has_blocked(&self, other: UserId) -> bool {
        self.extra()
            .is_some_and(|x| x.blocks.binary_search_by_key(&other, |b| b.0).is_ok())
    }

    /// Whether the user has at least one open session.
    pub fn online(&self) -> bool {
        self.extra().is_some_and(|x| !x.sessions.is_empty())
    }
}

#[cfg(test)]
mod layout {
    use super::*;

    /// Issue 9's layout goals: a user record (as its table slot holds it) in at most 128
    /// bytes — two cache lines — and a friend edge direction in at most 24.
    #[test]
    fn the_user_record_and_a_friend_edge_fit_their_budgets() {
        let slot = std::mem::size_of::<Option<User>>();
        assert!(slot <= 128, "a user slot takes {slot} bytes");
        let edge = std::mem::size_of::<(UserId, Timestamp)>();
        assert!(edge <= 24, "a friend edge direction takes {edge} bytes");
    }
}
