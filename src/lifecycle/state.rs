//! The lifecycle area's records: the per-user RongCloud state (portrait, token revocation,
//! DM mode and allow list, tags), the closed-id tombstones, the timed login blocks and the tag
//! index. One [`Lifecycle`] table per app, in the app's state.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::store::Deadlines;
use crate::time::Timestamp;

/// A user's RongCloud-only state; only users who have some have an entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LifeUser {
    /// The push portrait URI (spec 04 §6); the push name is the user's nickname.
    pub portrait: Option<Box<str>>,
    /// Grants issued before this instant are invalid (spec 04 §2).
    pub valid_after: Option<Timestamp>,
    /// In allow-list mode (spec 04 §10); otherwise block-list mode.
    pub allowlist_mode: bool,
    /// The DM allow list: `(id, seq)` sorted by id; `seq` orders them newest first.
    pub allow: Vec<(UserId, u64)>,
    /// The next allow-list sequence number.
    pub allow_seq: u64,
    /// Tags, in the order last set (spec 04 §11).
    pub tags: Vec<Box<str>>,
}

impl LifeUser {
    /// Whether nothing is kept: the entry can go.
    pub fn is_empty(&self) -> bool {
        *self == LifeUser::default()
    }

    /// Whether `other` is on the allow list.
    pub fn allows(&self, other: UserId) -> bool {
        self.allow.binary_search_by_key(&other, |e| e.0).is_ok()
    }
}

/// A closed id (spec 04 §3): no personal data, only when and by which operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tombstone {
    /// When it was closed.
    pub closed_at: Timestamp,
    /// The closing operation.
    pub op_id: u64,
}

/// The app's lifecycle table.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Lifecycle {
    /// Per-user state, by handle.
    pub users: BTreeMap<UserId, LifeUser>,
    /// Closed ids, by handle (the user record stays, emptied, until reopened and registered).
    pub closed: BTreeMap<UserId, Tombstone>,
    /// Timed login blocks: the deadline index is the state (spec 04 §7).
    pub login_blocks: Deadlines<UserId>,
    /// The last close or reopen operation id (per-app, monotonic).
    pub op_seq: u64,
    /// Users by tag (spec 04 §11 OPEN: a per-app inverted index).
    pub tag_index: BTreeMap<Box<str>, BTreeSet<UserId>>,
}

impl Lifecycle {
    /// A user's state, if any.
    pub fn user(&self, id: UserId) -> Option<&LifeUser> {
        self.users.get(&id)
    }

    /// A user's state, created empty.
    pub fn user_mut(&mut self, id: UserId) -> &mut LifeUser {
        self.users.entry(id).or_default()
    }

    /// Drops a user's entry if nothing is kept in it.
    pub fn tidy(&mut self, id: UserId) {
        if self.users.get(&id).is_some_and(LifeUser::is_empty) {
            self.users.remove(&id);
        }
    }

    /// Whether the id is closed.
    pub fn is_closed(&self, id: UserId) -> bool {
        self.closed.contains_key(&id)
    }

    /// The end of a live login block of `id` at `now` (a lapsed one reads as none).
    pub fn blocked_until(&self, id: UserId, now: Timestamp) -> Option<Timestamp> {
        self.login_blocks.get(&id).filter(|t| *t > now)
    }

    /// Replaces a user's tags, keeping the index in step.
    pub fn set_tags(&mut self, id: UserId, tags: Vec<Box<str>>) {
        let old = std::mem::take(&mut self.user_mut(id).tags);
        for t in &old {
            if let Some(set) = self.tag_index.get_mut(t) {
                set.remove(&id);
                if set.is_empty() {
                    self.tag_index.remove(t);
                }
            }
        }
        for t in &tags {
            self.tag_index.entry(t.clone()).or_default().insert(id);
        }
        self.user_mut(id).tags = tags;
        self.tidy(id);
    }

    /// Next operation id.
    pub fn next_op(&mut self) -> u64 {
        self.op_seq += 1;
        self.op_seq
    }
}
