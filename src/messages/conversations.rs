//! One-way conversation deletion and roaming clears (spec 03 §4.8), and the reads that show
//! their effect: a user's conversation list and roaming view.
//!
//! Roaming is derived, not copied per recipient: a user's roaming view is the stored
//! one-to-one messages they sent or received and the stored messages of the groups (and
//! threads) they are a member of, less directed messages, messages whose `roam_ignore_users`
//! name them, and what their marks hide (ids deleted, everything up to a time, a conversation
//! up to a time). A conversation leaves their list until a newer message arrives in it. The
//! reads scan the store (O(stored messages)); the clears only set marks.

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::history::{HistoryRecord, kept};
use super::model::ChatType;
use super::state::{ConvKey, Message, Target, UserMessages};
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{MessageId, UserId, UserName};
use crate::query::Ask;
use crate::store::State;
use crate::time::Timestamp;
use crate::users::find;

use super::events::MessageEvent;

/// The conversation a stored message belongs to from `u`'s side, if it is in their roaming
/// scope at all.
pub(crate) fn conversation(st: &State, m: &Message, u: UserId) -> Option<ConvKey> {
    if m.directed.is_some() {
        return None;
    }
    match (&m.to, m.chat_type) {
        (to, ChatType::Chat) => {
            if m.from_id == Some(u) {
                Some((ChatType::Chat, to.text().into()))
            } else if to.user_id() == Some(u) {
                let peer = m.from.as_ref().map_or("admin", UserName::as_str);
                Some((ChatType::Chat, peer.into()))
            } else {
                None
            }
        }
        (Target::Group(g), _) => {
            let member = st.groups.get(g).is_some_and(|g| g.roster.is_member(u));
            (member || m.from_id == Some(u)).then(|| (ChatType::GroupChat, g.as_str().into()))
        }
        (Target::Thread(t, g), _) => {
            let member = st.groups.get(g).is_some_and(|g| g.roster.is_member(u));
            (member || m.from_id == Some(u)).then(|| (ChatType::GroupChat, t.as_str().into()))
        }
        _ => None,
    }
}

/// Whether `u`'s marks hide a message of conversation `c` from their roaming view.
fn hidden(x: Option<&UserMessages>, id: MessageId, m: &Message, c: &ConvKey, u: UserId) -> bool {
    if m.roam_ignore.contains(&u) {
        return true;
    }
    let Some(x) = x else {
        return false;
    };
    x.hidden.contains(&id)
        || x.cleared_all.is_some_and(|t| m.timestamp <= t)
        || x.cleared.get(c).is_some_and(|t| m.timestamp <= *t)
}

/// A user's conversation, as their list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Chat or group chat.
    pub chat_type: ChatType,
    /// The peer user (`admin` for the system sender), group or thread.
    pub peer: String,
    /// Its newest stored message.
    pub last_msg_id: MessageId,
}

/// A user's conversation list, newest first: every one-to-one peer and group (or thread) with
/// a stored message in their scope, less the conversations they deleted (until a newer
/// message arrives). The app admin or the user themself.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListConversations {
    /// Whose.
    pub user: UserName,
}

impl Ask for ListConversations {
    type Reply = Vec<Conversation>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<Conversation>> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        let st = cx.st;
        let (u, _) = find(st, &self.user)?;
        let x = st.messages.user(u);
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (id, m) in st.messages.iter().rev() {
            if !kept(st, m, cx.now) {
                continue;
            }
            let Some(c) = conversation(st, m, u) else {
                continue;
            };
            if !seen.insert(c.clone()) {
                continue;
            }
            if x.and_then(|x| x.deleted.get(&c)).is_some_and(|w| id <= *w) {
                continue;
            }
            out.push(Conversation {
                chat_type: c.0,
                peer: c.1.to_string(),
                last_msg_id: id,
            });
        }
        Ok(out)
    }
}

/// A user's roaming view of one conversation, oldest first, at most `limit` (default 50) of
/// the newest. The app admin or the user themself.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoaming {
    /// Whose view.
    pub user: UserName,
    /// Chat or group chat.
    pub chat_type: ChatType,
    /// The peer user, group or thread.
    pub peer: String,
    /// How many (default 50).
    pub limit: Option<u32>,
}

impl Ask for ListRoaming {
    type Reply = Vec<HistoryRecord>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<HistoryRecord>> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        let st = cx.st;
        let (u, _) = find(st, &self.user)?;
        let x = st.messages.user(u);
        let want: ConvKey = (self.chat_type, self.peer.as_str().into());
        let limit = self.limit.unwrap_or(50) as usize;
        let mut out: Vec<HistoryRecord> = st
            .messages
            .iter()
            .rev()
            .filter(|(_, m)| kept(st, m, cx.now))
            .filter(|(id, m)| {
                conversation(st, m, u).is_some_and(|c| c == want && !hidden(x, *id, m, &c, u))
            })
            .take(limit)
            .map(|(id, m)| HistoryRecord::of(id, m))
            .collect();
        out.reverse();
        Ok(out)
    }
}

/// Deletes a conversation from one user's list (`DELETE /users/{u}/user_channel`); with
/// `delete_roam` its messages also leave their roaming view. Others are unaffected.
/// Idempotent. The app admin or the user themself.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "field channel cannot
/// be null or empty", "field type cannot be null or empty" (missing, or not chat/groupchat),
/// "field delete_roam cannot be null"; `404 service_resource_not_found` (unknown user).
///
/// Emits `MessageEvent::ConversationDeleted`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteConversation {
    /// Whose list.
    pub user: UserName,
    /// The peer user, group or thread.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_channel))]
    pub channel: Option<String>,
    /// `chat` or `groupchat`, as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_opt_chat_type))]
    pub chat_type: Option<String>,
    /// Also hide its messages from roaming.
    pub delete_roam: Option<bool>,
}

impl Exec for DeleteConversation {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        let Some(channel) = self.channel.filter(|c| !c.is_empty()) else {
            return Err(
                MessageError::ConversationField("field channel cannot be null or empty").into(),
            );
        };
        let Some(ct) = self
            .chat_type
            .as_deref()
            .and_then(ChatType::parse)
            .filter(|c| *c != ChatType::ChatRoom)
        else {
            return Err(
                MessageError::ConversationField("field type cannot be null or empty").into(),
            );
        };
        let Some(delete_roam) = self.delete_roam else {
            return Err(MessageError::ConversationField("field delete_roam cannot be null").into());
        };
        let (u, _) = find(cx.st, &self.user)?;
        // A user peer is named by its folded name.
        let peer = match ct {
            ChatType::Chat => UserName::parse(&channel).map_or(channel.clone(), String::from),
            _ => channel.clone(),
        };
        let key: ConvKey = (ct, peer.into());
        let newest = cx
            .st
            .messages
            .iter()
            .next_back()
            .map_or(MessageId(0), |(id, _)| id);
        let now = cx.now;
        let x = cx.st.messages.marks_mut(u);
        x.deleted.insert(key.clone(), newest);
        if delete_roam {
            let t = x.cleared.entry(key).or_insert(now);
            *t = (*t).max(now);
        }
        cx.emit(Event::Message(MessageEvent::ConversationDeleted {
            user: self.user,
            channel,
            chat_type: ct,
        }));
        Ok(())
    }
}

/// What a roaming clear removes from a user's roaming view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum RoamingClear {
    /// These messages (ids as given, at most 50; ids that name no stored message are skipped).
    Ids(Vec<String>),
    /// Everything up to now.
    All,
    /// One conversation's messages up to (including) `before`.
    Conversation {
        /// Chat, group chat or chatroom.
        chat_type: ChatType,
        /// The peer user, group, thread or room.
        peer: String,
        /// The last instant cleared (`del_time`).
        before: Timestamp,
    },
}

/// Clears part of one user's roaming view (per user only; others are unaffected). The app
/// admin or the user themself.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "this appKey not open
/// message roaming"; "delete msg list limit can not greater than 50"; `404
/// service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ClearRoaming {
    /// Whose view.
    pub user: UserName,
    /// What to clear.
    pub what: RoamingClear,
}

impl Exec for ClearRoaming {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        let l = &cx.st.limits.messages;
        if !l.roaming_enabled {
            return Err(MessageError::RoamingOff.into());
        }
        if let RoamingClear::Ids(ids) = &self.what
            && ids.len() > l.roaming_delete_ids_max
        {
            return Err(MessageError::RoamingIds(l.roaming_delete_ids_max).into());
        }
        let (u, _) = find(cx.st, &self.user)?;
        let now = cx.now;
        match self.what {
            RoamingClear::Ids(ids) => {
                let ids: Vec<MessageId> = ids
                    .iter()
                    .filter_map(|s| MessageId::parse(s))
                    .filter(|id| cx.st.messages.get(*id).is_some())
                    .collect();
                let stored: std::collections::BTreeSet<MessageId> = cx
                    .st
                    .messages
                    .user(u)
                    .map(|x| {
                        x.hidden
                            .iter()
                            .copied()
                            .filter(|id| cx.st.messages.get(*id).is_some())
                            .collect()
                    })
                    .unwrap_or_default();
                let x = cx.st.messages.marks_mut(u);
                // Ids no longer stored need no mark: the set stays within the store.
                x.hidden = stored;
                x.hidden.extend(ids);
            }
            RoamingClear::All => {
                let x = cx.st.messages.marks_mut(u);
                x.cleared_all = Some(x.cleared_all.map_or(now, |t| t.max(now)));
            }
            RoamingClear::Conversation {
                chat_type,
                peer,
                before,
            } => {
                let peer = match chat_type {
                    ChatType::Chat => UserName::parse(&peer).map_or(peer, String::from),
                    _ => peer,
                };
                let x = cx.st.messages.marks_mut(u);
                let t = x.cleared.entry((chat_type, peer.into())).or_insert(before);
                *t = (*t).max(before);
            }
        }
        cx.st.messages.tidy(u);
        Ok(())
    }
}
