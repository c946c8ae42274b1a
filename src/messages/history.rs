//! History (spec 03 §4.9): the hourly export of stored messages, and reading one message or a
//! user's messages (the GDPR export's message part, spec 01 §16).
//!
//! Messages are kept for `history_retention` (3 days) from acceptance and under the app's
//! `stored_max` (the oldest, by id, go first); the export reaches back as far.

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::model::{ChatType, Json, MsgType};
use super::state::Message;
use crate::engine::{NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{MessageId, UserId, UserName};
use crate::query::Ask;
use crate::store::State;
use crate::time::Timestamp;
use crate::users::find;

/// One stored message as exports show it (the vendor's file adds `direction: outgoing` and
/// `payload: {bodies: [{type, …body}], ext, from,
/// to}` in the vendor's file; the host renders it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// Its id.
    pub msg_id: MessageId,
    /// Its timestamp (`msg_timestamp`, or when it was accepted).
    pub timestamp: Timestamp,
    /// The sender (`admin` for the system sender).
    pub from: String,
    /// The target.
    pub to: String,
    /// Its chat type.
    pub chat_type: ChatType,
    /// Its type.
    pub msg_type: MsgType,
    /// Its body.
    pub body: Json,
    /// Its ext (`{}` when none was given).
    pub ext: Json,
    /// Whether it went to a thread.
    pub thread: bool,
    /// Times it was rewritten.
    pub edits: u32,
}

impl HistoryRecord {
    pub(crate) fn of(id: MessageId, m: &Message) -> HistoryRecord {
        HistoryRecord {
            msg_id: id,
            timestamp: m.timestamp,
            from: m
                .from
                .as_ref()
                .map_or("admin", UserName::as_str)
                .to_string(),
            to: m.to.text(),
            chat_type: m.chat_type,
            msg_type: m.msg_type,
            body: m.body.clone(),
            ext: m.ext.clone().unwrap_or(Json::Object(Vec::new())),
            thread: m.is_thread(),
            edits: m.edits,
        }
    }
}

/// Whether a stored message is within retention at `now`.
pub(crate) fn kept(st: &State, m: &Message, now: Timestamp) -> bool {
    m.accepted_at
        .0
        .saturating_add(st.limits.messages.history_retention.0 as i64)
        > now.0
}

const HOUR_MS: i64 = 3_600_000;

/// The epoch ms at which a `yyyyMMddHH` UTC hour starts; `None` for other text.
pub fn hour_start(s: &str) -> Option<Timestamp> {
    if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().ok();
    let (y, m, d, h) = (n(0..4)?, n(4..6)?, n(6..8)?, n(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize] || h > 23 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(Timestamp(days * 86_400_000 + h * HOUR_MS))
}

/// The messages of one UTC hour (`GET /chatmessages/{yyyyMMddHH}`), ordered by timestamp then
/// id, recalled ones excluded (they are gone). The vendor answers with a download URL; the
/// engine answers with the records. The app admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "illegal arguments:
/// appkey: {org}#{app}, time: {time}" (not a valid hour); the same with ", maybe chat message
/// history is expired or unstored" (the hour has not ended, `start + 1 h > now`, or it started
/// before `now - history_retention`); `404 storage_object_not_found` (no message in it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ExportHistory {
    /// The hour, `yyyyMMddHH` UTC.
    pub time: String,
}

impl Ask for ExportHistory {
    type Reply = Vec<HistoryRecord>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<HistoryRecord>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let st = cx.st;
        let app = st.key.to_string();
        let time = self.time;
        let Some(start) = hour_start(&time) else {
            return Err(MessageError::HistoryTime { app, time }.into());
        };
        let ret = st.limits.messages.history_retention.0 as i64;
        if start.0.saturating_add(HOUR_MS) > cx.now.0 || start.0 < cx.now.0.saturating_sub(ret) {
            return Err(MessageError::HistoryUnavailable { app, time }.into());
        }
        let out: Vec<HistoryRecord> = st
            .messages
            .between(start, Timestamp(start.0 + HOUR_MS))
            .filter_map(|id| st.messages.get(id).map(|m| (id, m)))
            .filter(|(_, m)| kept(st, m, cx.now))
            .map(|(id, m)| HistoryRecord::of(id, m))
            .collect();
        if out.is_empty() {
            return Err(MessageError::HistoryEmpty { app, time }.into());
        }
        Ok(out)
    }
}

/// One stored message by id (the host's read of what it delivers; `None` once recalled,
/// evicted or past retention). The app admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetMessage {
    /// The message.
    pub msg_id: MessageId,
}

impl Ask for GetMessage {
    type Reply = Option<HistoryRecord>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Option<HistoryRecord>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(cx
            .st
            .messages
            .get(self.msg_id)
            .filter(|m| kept(cx.st, m, cx.now))
            .map(|m| HistoryRecord::of(self.msg_id, m)))
    }
}

/// Whether a stored message involves a user: they sent it, or it went to them one-to-one.
pub(crate) fn involves(m: &Message, u: UserId) -> bool {
    m.from_id == Some(u) || m.to.user_id() == Some(u)
}

/// The messages part of a user's data export (spec 01 §16, spec 03 §3.11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMessagesExport {
    /// How many messages wait in their offline queue.
    pub offline_count: u64,
    /// Stored messages they sent or received one-to-one, oldest first.
    pub messages: Vec<HistoryRecord>,
    /// Attachments they uploaded (uuids).
    pub attachments: Vec<String>,
}

/// Exports a user's messages: their offline queue size, the stored messages they sent or
/// received one-to-one, and the attachments they uploaded. The app admin only. Scans the
/// store (O(stored messages)).
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ExportUserMessages {
    /// Whose.
    pub user: UserName,
}

impl Ask for ExportUserMessages {
    type Reply = UserMessagesExport;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<UserMessagesExport> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let st = cx.st;
        let (u, _) = find(st, &self.user)?;
        Ok(export_user(st, u, cx.now))
    }
}

/// The messages part of `u`'s export at `now` (also [`crate::ExportUser`]'s `messages`).
pub(crate) fn export_user(st: &State, u: UserId, now: Timestamp) -> UserMessagesExport {
    let mut attachments: Vec<String> = st
        .messages
        .attachments()
        .filter(|(_, a)| a.uploader == Some(u))
        .map(|(k, _)| k.to_string())
        .collect();
    attachments.sort();
    UserMessagesExport {
        offline_count: super::offline::count(st, u, now),
        messages: st
            .messages
            .iter()
            .filter(|(_, m)| involves(m, u) && kept(st, m, now))
            .map(|(id, m)| HistoryRecord::of(id, m))
            .collect(),
        attachments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_as_utc() {
        assert_eq!(hour_start("1970010100"), Some(Timestamp(0)));
        assert_eq!(hour_start("2023111422"), Some(Timestamp(1_699_999_200_000)));
        assert_eq!(hour_start("2024022923").map(|t| t.0 % HOUR_MS), Some(0));
        for bad in [
            "2023021900x",
            "202302190",
            "2023022900",
            "2023130100",
            "2023010124",
            "2023010000",
        ] {
            assert_eq!(hour_start(bad), None, "{bad}");
        }
    }
}
