//! The offline queue (spec 03 §4.5, spec 01 §14): each user's undelivered one-to-one and group
//! messages (rooms keep none), at most 500 and 200 entries (the oldest of that kind is evicted,
//! OPEN 9), each kept 7 days. Sends fill it ([`super::SendMessage`]); the host reports what a
//! client fetched ([`AckOffline`]); a recall takes its message out.
//!
//! An acknowledged entry leaves the queue, so "delivered" reads the same as "not queued"
//! (unknown ids included, OPEN 9). Entries past retention read as absent and are dropped the
//! next time their queue grows.

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{MessageId, UserId, UserName};
use crate::query::Ask;
use crate::store::State;
use crate::time::Timestamp;
use crate::users::find;

use super::state::{Queued, UserMessages};

/// Whether an entry is live at `now`.
pub(crate) fn live(st: &State, e: &Queued, now: Timestamp) -> bool {
    e.at.0
        .saturating_add(st.limits.messages.offline_retention.0 as i64)
        > now.0
}

/// A user's live offline entries, one-to-one then group.
pub(crate) fn entries<'a>(
    st: &'a State,
    x: &'a UserMessages,
    now: Timestamp,
) -> impl Iterator<Item = &'a Queued> {
    x.offline_chat
        .iter()
        .chain(&x.offline_group)
        .filter(move |e| live(st, e, now))
}

/// How many messages wait for a user now.
pub(crate) fn count(st: &State, u: UserId, now: Timestamp) -> u64 {
    st.messages
        .user(u)
        .map_or(0, |x| entries(st, x, now).count() as u64)
}

/// The number of a user's undelivered messages (`GET /users/{u}/offline_msg_count`). The app
/// admin only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found` for an unknown user (spec 01
/// §14, OPEN).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct OfflineCount {
    /// Whose.
    pub user: UserName,
}

impl Ask for OfflineCount {
    type Reply = u64;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<u64> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, _) = find(cx.st, &self.user)?;
        Ok(count(cx.st, id, cx.now))
    }
}

/// Whether a message waits for a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfflineState {
    /// In their queue, not yet fetched.
    Undelivered,
    /// Not in their queue (fetched, recalled, evicted, expired, or never queued).
    Delivered,
}

impl OfflineState {
    /// The vendor's word: `undelivered` or `delivered`.
    pub fn as_str(self) -> &'static str {
        match self {
            OfflineState::Undelivered => "undelivered",
            OfflineState::Delivered => "delivered",
        }
    }
}

/// Whether a message is still in a user's offline queue (`GET
/// /users/{u}/offline_msg_status/{msg_id}`); ids that name no message read `Delivered` (OPEN
/// 9). The app admin only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found` for an unknown user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct OfflineStatus {
    /// Whose.
    pub user: UserName,
    /// The message id as given.
    pub msg_id: String,
}

impl Ask for OfflineStatus {
    type Reply = OfflineState;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<OfflineState> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, _) = find(cx.st, &self.user)?;
        let queued = MessageId::parse(&self.msg_id).is_some_and(|m| {
            cx.st
                .messages
                .user(id)
                .is_some_and(|x| entries(cx.st, x, cx.now).any(|e| e.msg == m))
        });
        Ok(if queued {
            OfflineState::Undelivered
        } else {
            OfflineState::Delivered
        })
    }
}

/// The host reports that a user's client fetched messages: those leave the queue (`None`:
/// all of them). Going online delivers nothing by itself. Returns how many entries left. The
/// app admin (the host) only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AckOffline {
    /// Whose.
    pub user: UserName,
    /// The messages fetched; `None` for every queued one.
    pub msg_ids: Option<Vec<MessageId>>,
}

impl Exec for AckOffline {
    type Reply = u64;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<u64> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, _) = find(cx.st, &self.user)?;
        let ms = &mut cx.st.messages;
        let ids: Vec<MessageId> = match self.msg_ids {
            Some(ids) => ids,
            None => ms.user(id).map_or_else(Vec::new, |x| {
                x.offline_chat
                    .iter()
                    .chain(&x.offline_group)
                    .map(|e| e.msg)
                    .collect()
            }),
        };
        Ok(ids.into_iter().filter(|m| ms.dequeue(id, *m)).count() as u64)
    }
}
