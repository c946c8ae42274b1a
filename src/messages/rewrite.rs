//! Rewriting a sent message (spec 03 §4.7; a feature switch, off by default): the text of a
//! `txt` message or the event and fields of a `custom` one, and its ext (merged or replaced),
//! at most 10 times, for one-to-one and group messages.

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::events::MessageEvent;
use super::model::{ChatType, Json, MsgType, custom_event_ok};
use crate::command::{Event, Exec};
use crate::engine::{Actor, Ctx, NOT_ALLOWED};
use crate::error::Result;
use crate::ids::{MessageId, UserName};
use crate::limits::CUSTOM_EXTS_MAX;

/// The new content of a rewritten message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct NewContent {
    /// `txt` or `custom`, as given.
    pub msg_type: String,
    /// A text message's new text.
    pub msg: Option<String>,
    /// A custom message's new event.
    pub custom_event: Option<String>,
    /// A custom message's new fields.
    pub custom_exts: Option<Vec<(String, String)>>,
}

/// Rewrites a message (`PUT /messages/rewrite/{msg_id}`). The app admin (acting for `user`
/// when given), or the sender themself.
///
/// Errors, in check order: `401 unauthorized` (anonymous, or a user naming someone else);
/// `403 message_rewrite_error` "The rewrite message feature is not open."; `400
/// InvalidMessageIdException` (not a number); `400 illegal_argument` "new_msg is required";
/// `400 message_rewrite_error` "...not supported for modification." (a type other than txt
/// or custom, a type differing from the message's, a txt without `msg`, a bad custom event or
/// more than 16 custom fields); `404 message_rewrite_error` "The message is unavailable or has
/// expired." (unknown, recalled, past retention, or a room message); `401
/// message_rewrite_error` (`user` is not the sender); `403 message_rewrite_error` (10 edits
/// done); `400 message_rewrite_error` "message is too large" (body + ext over the size limit
/// after the change, *engine wording*).
///
/// Emits `MessageEvent::Rewritten`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RewriteMessage {
    /// The message id as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ref))]
    pub msg_id: String,
    /// Who edits (checked against the sender when given).
    pub user: Option<UserName>,
    /// The new content (required).
    pub new_msg: Option<NewContent>,
    /// A new ext.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ext))]
    pub new_ext: Option<Json>,
    /// Merge `new_ext` into the ext (true, the default) or replace it.
    pub is_combine_ext: bool,
}

impl Exec for RewriteMessage {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        let user = match (cx.actor, &self.user) {
            (Actor::Admin, u) => u.clone(),
            (Actor::User(me), None) => Some(me.clone()),
            (Actor::User(me), Some(u)) if u == me => Some(me.clone()),
            _ => return Err(NOT_ALLOWED),
        };
        let l = &cx.st.limits.messages;
        if !l.rewrite_enabled {
            return Err(MessageError::RewriteOff.into());
        }
        let id = MessageId::parse(&self.msg_id).ok_or(MessageError::RewriteBadId)?;
        let new = self.new_msg.ok_or(MessageError::RewriteNoMessage)?;
        let t = MsgType::parse(&new.msg_type)
            .filter(|t| matches!(t, MsgType::Txt | MsgType::Custom))
            .ok_or(MessageError::RewriteType)?;
        let content_ok = match t {
            MsgType::Txt => new.msg.is_some(),
            _ => {
                new.custom_event.as_deref().is_none_or(custom_event_ok)
                    && new
                        .custom_exts
                        .as_ref()
                        .is_none_or(|e| e.len() <= CUSTOM_EXTS_MAX)
            }
        };
        if !content_ok {
            return Err(MessageError::RewriteType.into());
        }
        let now = cx.now;
        let ret = l.history_retention.0 as i64;
        let m = cx
            .st
            .messages
            .get(id)
            .filter(|m| m.chat_type != ChatType::ChatRoom)
            .filter(|m| m.accepted_at.0.saturating_add(ret) > now.0)
            .ok_or(MessageError::RewriteUnavailable)?;
        if m.msg_type != t {
            return Err(MessageError::RewriteType.into());
        }
        if user.is_some_and(|u| m.from.as_ref() != Some(&u)) {
            return Err(MessageError::RewriteNotSender.into());
        }
        if m.edits >= l.rewrite_edits_max {
            return Err(MessageError::RewriteLimit.into());
        }
        let mut body = m.body.clone();
        match t {
            MsgType::Txt => body.merge(Json::object([(
                "msg",
                Json::str(new.msg.unwrap_or_default()),
            )])),
            _ => {
                if let Some(e) = new.custom_event {
                    body.merge(Json::object([("customEvent", Json::String(e))]));
                }
                if let Some(x) = new.custom_exts {
                    let exts =
                        Json::Object(x.into_iter().map(|(k, v)| (k, Json::String(v))).collect());
                    body.merge(Json::object([("customExts", exts)]));
                }
            }
        }
        let ext = match (m.ext.clone(), self.new_ext) {
            (old, None) => old,
            (Some(mut old), Some(new)) if self.is_combine_ext => {
                old.merge(new);
                Some(old)
            }
            (_, Some(new)) => Some(new),
        };
        if body.compact_len() + ext.as_ref().map_or(0, Json::compact_len) > l.body_bytes_max {
            return Err(MessageError::RewriteTooLarge.into());
        }
        let m = cx.st.messages.get_mut(id).expect("found");
        m.body = body;
        m.ext = ext;
        m.edits += 1;
        let edits = m.edits;
        cx.emit(Event::Message(MessageEvent::Rewritten {
            msg_id: id,
            edits,
        }));
        Ok(())
    }
}
