//! Recall (spec 03 §4.6): within the app's window (2 minutes by default, at most 7 days),
//! counted from acceptance (OPEN 10); forced recalls skip every check. A recalled message
//! leaves the store (history and roaming), every offline queue, and takes its attachments and
//! reactions with it.

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::events::MessageEvent;
use super::model::{ChatType, MsgType};
use super::state::Target;
use crate::command::{Event, Exec};
use crate::engine::{Actor, Ctx, NOT_ALLOWED};
use crate::error::{Error, Result};
use crate::ids::{MessageId, RoomId};
use crate::limits::RECALL_WINDOW_MAX;
use crate::store::State;

/// Recalls a message (`POST /messages/msg_recall`). The app admin recalls any message; a user
/// only their own (OPEN 10).
///
/// Errors, in check order: `401 unauthorized` (anonymous); `403 forbidden_op` "message recall
/// service is unopened"; `400 message_recall_error` "param {msg_id|to|chat_type} can't be
/// empty"; then, unless `force`: `403 message_recall_error` "not_found msg" (unknown, already
/// recalled, past retention); `400 message_recall_error` "can't find msg to" (`to` or
/// `chat_type` differ from the message's); `401 unauthorized` (a user recalling someone
/// else's message); `403 message_recall_error` "exceed recall time limit" (`now -
/// accepted_at` over the window); `403 message_recall_error` "cmd message can not be
/// recalled".
///
/// A forced recall succeeds whatever the message: a stored one is recalled, otherwise only
/// the notice goes out. Emits `MessageEvent::Recalled`, then `AttachmentsDropped` when the
/// message linked attachments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RecallMessage {
    /// The message id as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ref))]
    pub msg_id: String,
    /// The target as given (a user, group or room).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_target))]
    pub to: String,
    /// `chat`, `groupchat` or `chatroom`, as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_chat_type))]
    pub chat_type: String,
    /// Who recalls (`None`: `admin`); echoed in the reply and the notice.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_from))]
    pub from: Option<String>,
    /// Recall whatever the window and the checks.
    pub force: bool,
}

/// A recall that applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recalled {
    /// The message id as given.
    pub msg_id: String,
    /// `from` as given, or `admin`.
    pub from: String,
    /// `to` as given.
    pub to: String,
    /// `chat_type` as given.
    pub chat_type: String,
    /// Whether a stored message was removed (false: a forced recall of a message the engine
    /// does not hold; only the notice went out).
    pub removed: bool,
}

/// The recall window in force.
fn window_ms(st: &State) -> i64 {
    st.limits.messages.recall_window.min(RECALL_WINDOW_MAX).0 as i64
}

fn check(cx: &Ctx<'_>, r: &RecallMessage) -> Result<Option<MessageId>> {
    let l = &cx.st.limits.messages;
    if !l.recall_enabled {
        return Err(MessageError::RecallOff.into());
    }
    for (field, v) in [
        ("msg_id", &r.msg_id),
        ("to", &r.to),
        ("chat_type", &r.chat_type),
    ] {
        if v.is_empty() {
            return Err(MessageError::RecallParam(field).into());
        }
    }
    // One lookup of the stored message.
    let stored = MessageId::parse(&r.msg_id).and_then(|id| cx.st.messages.get(id).map(|m| (id, m)));
    if r.force {
        return Ok(stored.map(|(id, _)| id));
    }
    let Some((id, m)) = stored else {
        return Err(MessageError::RecallNotFound.into());
    };
    let to_matches = match (ChatType::parse(&r.chat_type), &m.to) {
        (Some(ct), to) if ct == m.chat_type => match (ct, to) {
            // The common targets compare without writing the target's text.
            (ChatType::Chat, Target::User(n, _)) => n.as_str().eq_ignore_ascii_case(&r.to),
            (_, Target::Group(g)) => g.as_str() == r.to,
            (_, Target::Room(room)) => RoomId::parse(&r.to) == Some(*room),
            (ChatType::Chat, to) => to.text().eq_ignore_ascii_case(&r.to),
            (_, to) => to.text() == r.to,
        },
        _ => false,
    };
    if !to_matches {
        return Err(MessageError::RecallTo.into());
    }
    if let Actor::User(u) = cx.actor
        && m.from.as_ref() != Some(u)
    {
        return Err(NOT_ALLOWED);
    }
    if cx.now.0.saturating_sub(m.accepted_at.0) > window_ms(cx.st) {
        return Err(MessageError::RecallExpired.into());
    }
    if m.msg_type == MsgType::Cmd {
        return Err(MessageError::RecallCmd.into());
    }
    Ok(Some(id))
}

/// Removes a stored message with everything that hangs off it (offline entries, attachments,
/// reactions); the uuids of the attachments deleted.
pub(crate) fn remove_message(st: &mut State, id: MessageId) -> Vec<String> {
    let ms = &mut st.messages;
    let Some(m) = ms.remove(id) else {
        return Vec::new();
    };
    for u in m.queued_users() {
        ms.dequeue(u, id);
    }
    m.attachments
        .iter()
        .filter(|u| ms.delete_attachment(u))
        .map(|u| u.to_string())
        .collect()
}

fn apply(cx: &mut Ctx<'_>, r: RecallMessage, id: Option<MessageId>) -> Recalled {
    let dropped = id.map(|id| remove_message(cx.st, id)).unwrap_or_default();
    let from = r
        .from
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "admin".into());
    let msg_id = id.unwrap_or_else(|| MessageId::parse(&r.msg_id).unwrap_or_default());
    cx.emit(Event::Message(MessageEvent::Recalled {
        msg_id,
        chat_type: r.chat_type.clone(),
        from: from.clone(),
        to: r.to.clone(),
        removed: id.is_some(),
    }));
    if !dropped.is_empty() {
        cx.emit(Event::Message(MessageEvent::AttachmentsDropped {
            uuids: dropped,
        }));
    }
    Recalled {
        msg_id: r.msg_id,
        from,
        to: r.to,
        chat_type: r.chat_type,
        removed: id.is_some(),
    }
}

impl Exec for RecallMessage {
    type Reply = Recalled;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Recalled> {
        cx.actor.authenticated(NOT_ALLOWED)?;
        let id = check(cx, &self)?;
        Ok(apply(cx, self, id))
    }
}

/// One item of a batch recall: what applied, or why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallItem {
    /// The message id as given.
    pub msg_id: String,
    /// The recall, when it applied.
    pub recalled: Option<Recalled>,
    /// Why not: the error's status, code and description.
    pub error: Option<(u16, String, String)>,
}

/// Recalls several messages (`POST /messages/recall`, body `{msgs: [...]}`), each as
/// [`RecallMessage`] on its own (a failing item does not stop the others), in request order.
///
/// Errors, in check order: `401 unauthorized`; `403 forbidden_op` "message recall service is
/// unopened"; `400 message_recall_error` "param msgs can't be empty" / "param msgs size can't
/// exceed limit 20" *(engine wording)*.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RecallMessages {
    /// The recalls.
    pub msgs: Vec<RecallMessage>,
}

impl Exec for RecallMessages {
    type Reply = Vec<RecallItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<RecallItem>> {
        cx.actor.authenticated(NOT_ALLOWED)?;
        let l = &cx.st.limits.messages;
        if !l.recall_enabled {
            return Err(MessageError::RecallOff.into());
        }
        if self.msgs.is_empty() {
            return Err(MessageError::RecallParam("msgs").into());
        }
        if self.msgs.len() > l.recall_batch_max {
            return Err(MessageError::RecallBatch(l.recall_batch_max).into());
        }
        let mut out = Vec::with_capacity(self.msgs.len());
        for r in self.msgs {
            let msg_id = r.msg_id.clone();
            out.push(match check(cx, &r) {
                Ok(id) => RecallItem {
                    msg_id,
                    recalled: Some(apply(cx, r, id)),
                    error: None,
                },
                Err(e) => RecallItem {
                    msg_id,
                    recalled: None,
                    error: Some(describe(&e)),
                },
            });
        }
        Ok(out)
    }
}

fn describe(e: &Error) -> (u16, String, String) {
    (e.status(), e.code().to_string(), e.to_string())
}
