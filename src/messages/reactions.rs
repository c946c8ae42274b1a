//! Reactions (spec 03 §4.11): on stored one-to-one and group messages, by their participants
//! (the sender and receiver of a chat message; members of the message's group), at most 20
//! distinct reactions per message. Errors have the `error` string `Bad Request`.

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::events::MessageEvent;
use super::history::kept;
use super::model::ChatType;
use super::state::{Message, Reaction};
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{GroupId, MessageId, UserId, UserName};
use crate::limits::{
    REACTION_CHARS_MAX, REACTION_DETAIL_PAGE_MAX, REACTION_LIST_IDS_MAX, REACTION_PREVIEW_USERS,
};
use crate::query::Ask;
use crate::store::State;
use crate::time::Timestamp;

const OFF: &str = "this appKey is not open reaction service!";
const ILLEGAL: &str = "the user operation is illegal!";

fn gate(st: &State) -> Result<()> {
    if !st.limits.messages.reactions_enabled {
        return Err(MessageError::reaction(OFF).into());
    }
    Ok(())
}

/// A stored one-to-one or group message, or `404 "message not found"`.
fn message<'a>(st: &'a State, raw: &str, now: Timestamp) -> Result<(MessageId, &'a Message)> {
    MessageId::parse(raw)
        .and_then(|id| st.messages.get(id).map(|m| (id, m)))
        .filter(|(_, m)| m.chat_type != ChatType::ChatRoom && kept(st, m, now))
        .ok_or_else(|| MessageError::Reaction(404, "message not found").into())
}

/// Whether `u` takes part in `m`: its sender or receiver (chat), a member of its group.
fn participant(st: &State, m: &Message, u: UserId) -> bool {
    match m.chat_type {
        ChatType::Chat => m.from_id == Some(u) || m.to.user_id() == Some(u),
        _ => m
            .group()
            .and_then(|g| st.groups.get(g))
            .is_some_and(|g| g.roster.is_member(u)),
    }
}

/// A reaction as add shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionView {
    /// The reaction's id.
    pub id: u64,
    /// The message.
    pub msg_id: MessageId,
    /// `chat` or `groupchat`.
    pub msg_type: ChatType,
    /// The group (`None` for chat).
    pub group_id: Option<GroupId>,
    /// The reaction.
    pub reaction: String,
    /// When it was first added.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

fn check_text(r: &str) -> Result<()> {
    let n = r.chars().count();
    if n == 0 || n > REACTION_CHARS_MAX {
        return Err(MessageError::reaction("reaction must be 1 to 128 characters").into());
    }
    Ok(())
}

/// Adds a user's reaction to a message (`POST /reaction/user/{user}`, body `{msgId,
/// message}`). The app admin or the user themself.
///
/// Errors, in check order: `401 unauthorized`; `400 Bad Request` "this appKey is not open
/// reaction service!"; `400` a reaction of no or more than 128 chars *(engine wording)*; `404`
/// "message not found" (unknown, recalled, past retention, a room message); `400` "the user
/// operation is illegal!" (unknown user, not the chat's sender or receiver, not a member of
/// the group); `400` "the user is already operation this message" (same user and reaction);
/// `400` "The quantity has exceeded the limit!" (a 21st distinct reaction).
///
/// Emits `MessageEvent::ReactionAdded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddReaction {
    /// Who reacts.
    pub user: UserName,
    /// The message id as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ref))]
    pub msg_id: String,
    /// The reaction (1–128 chars).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::reaction))]
    pub reaction: String,
}

impl Exec for AddReaction {
    type Reply = ReactionView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<ReactionView> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        gate(cx.st)?;
        check_text(&self.reaction)?;
        let now = cx.now;
        let (id, m) = message(cx.st, &self.msg_id, now)?;
        let u = cx
            .st
            .users
            .id(&self.user)
            .filter(|u| participant(cx.st, m, *u))
            .ok_or(MessageError::reaction(ILLEGAL))?;
        let (chat_type, group_id) = (m.chat_type, m.group().cloned());
        let list = cx.st.messages.reactions(id);
        let existing = list.iter().position(|r| *r.reaction == *self.reaction);
        match existing {
            Some(i) if list[i].users.iter().any(|(x, _)| *x == u) => {
                return Err(
                    MessageError::reaction("the user is already operation this message").into(),
                );
            }
            None if list.len() >= cx.st.limits.messages.reactions_per_message_max => {
                return Err(MessageError::reaction("The quantity has exceeded the limit!").into());
            }
            _ => {}
        }
        let new_id = match existing {
            Some(_) => None,
            None => Some(cx.st.mint()),
        };
        let list = cx.st.messages.reactions_mut(id);
        let r = match existing {
            Some(i) => &mut list[i],
            None => {
                list.push(Reaction {
                    id: new_id.expect("minted"),
                    reaction: self.reaction.as_str().into(),
                    created: now,
                    updated: now,
                    users: Vec::new(),
                });
                list.last_mut().expect("pushed")
            }
        };
        r.users.push((u, self.user.clone()));
        r.updated = now;
        let view = ReactionView {
            id: r.id,
            msg_id: id,
            msg_type: chat_type,
            group_id,
            reaction: self.reaction.clone(),
            created_at: r.created,
            updated_at: r.updated,
        };
        cx.emit(Event::Message(MessageEvent::ReactionAdded {
            msg_id: id,
            user: self.user,
            reaction: self.reaction,
        }));
        Ok(view)
    }
}

/// Takes a user's reaction back (`DELETE /reaction/user/{user}?msgId&message`); the last user
/// to take it back deletes the reaction. The app admin or the user themself.
///
/// Errors, in check order: `401 unauthorized`; `400` reactions off; `400` bad reaction
/// length; `404` "message not found"; `400` "the user operation is illegal!" (the user did not
/// add it).
///
/// Emits `MessageEvent::ReactionRemoved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveReaction {
    /// Who.
    pub user: UserName,
    /// The message id as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ref))]
    pub msg_id: String,
    /// The reaction.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::reaction))]
    pub reaction: String,
}

impl Exec for RemoveReaction {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        gate(cx.st)?;
        check_text(&self.reaction)?;
        let (id, _) = message(cx.st, &self.msg_id, cx.now)?;
        let u = cx.st.users.id(&self.user);
        let found = cx
            .st
            .messages
            .reactions(id)
            .iter()
            .enumerate()
            .find_map(|(i, r)| {
                (*r.reaction == *self.reaction)
                    .then(|| {
                        r.users
                            .iter()
                            .position(|(x, _)| Some(*x) == u)
                            .map(|j| (i, j))
                    })
                    .flatten()
            });
        let Some((i, j)) = found else {
            return Err(MessageError::reaction(ILLEGAL).into());
        };
        let now = cx.now;
        let list = cx.st.messages.reactions_mut(id);
        list[i].users.remove(j);
        list[i].updated = now;
        if list[i].users.is_empty() {
            list.remove(i);
        }
        cx.st.messages.tidy_reactions(id);
        cx.emit(Event::Message(MessageEvent::ReactionRemoved {
            msg_id: id,
            user: self.user,
            reaction: self.reaction,
        }));
        Ok(())
    }
}

/// One reaction of a message, as the reads show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionSummary {
    /// The reaction's id.
    pub reaction_id: u64,
    /// The reaction.
    pub reaction: String,
    /// How many users added it.
    pub count: usize,
    /// Whether the asking user added it.
    pub state: bool,
    /// The first users who added it (three in a list read; a page in a detail read).
    pub users: Vec<UserName>,
    /// The detail read's next page, when more users follow.
    pub cursor: Option<String>,
}

fn summary(
    r: &Reaction,
    me: Option<UserId>,
    users: Vec<UserName>,
    cursor: Option<String>,
) -> ReactionSummary {
    ReactionSummary {
        reaction_id: r.id,
        reaction: r.reaction.to_string(),
        count: r.users.len(),
        state: r.users.iter().any(|(u, _)| Some(*u) == me),
        users,
        cursor,
    }
}

/// The reactions of several messages (`GET /reaction/user/{user}?msgIdList&msgType&groupId`),
/// one entry per requested message that has reactions, in request order. The app admin or the
/// user themself.
///
/// Errors, in check order: `401 unauthorized`; `400` reactions off; `400` "msgIdList exceeds
/// the maximum number limit" (over 20); `400` "groupId can not be null!" (groupchat without a
/// group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListReactions {
    /// Who asks (`state` is theirs).
    pub user: UserName,
    /// The message ids as given.
    pub msg_ids: Vec<String>,
    /// `chat` or `groupchat`.
    pub msg_type: ChatType,
    /// The group of groupchat messages.
    pub group_id: Option<GroupId>,
}

impl Ask for ListReactions {
    type Reply = Vec<(MessageId, Vec<ReactionSummary>)>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Self::Reply> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        gate(cx.st)?;
        if self.msg_ids.len() > REACTION_LIST_IDS_MAX {
            return Err(
                MessageError::reaction("msgIdList exceeds the maximum number limit").into(),
            );
        }
        if self.msg_type == ChatType::GroupChat && self.group_id.is_none() {
            return Err(MessageError::reaction("groupId can not be null!").into());
        }
        let me = cx.st.users.id(&self.user);
        let mut out = Vec::new();
        for raw in &self.msg_ids {
            let Ok((id, m)) = message(cx.st, raw, cx.now) else {
                continue;
            };
            if m.chat_type != self.msg_type
                || (self.group_id.is_some() && m.group() != self.group_id.as_ref())
            {
                continue;
            }
            let list = cx.st.messages.reactions(id);
            if list.is_empty() || out.iter().any(|(x, _)| *x == id) {
                continue;
            }
            let items = list
                .iter()
                .map(|r| {
                    let first = r
                        .users
                        .iter()
                        .take(REACTION_PREVIEW_USERS)
                        .map(|(_, n)| n.clone())
                        .collect();
                    summary(r, me, first, None)
                })
                .collect();
            out.push((id, items));
        }
        Ok(out)
    }
}

/// The users of one reaction, in the order they added it (`GET
/// /reaction/user/{user}/detail?msgId&message&limit&cursor`): `limit` 1–50 (default 50); the
/// cursor is the position of the next user. The app admin or the user themself.
///
/// Errors, in check order: `401 unauthorized`; `400` reactions off; `400` "Limit exceeds the
/// maximum quantity limit"; `400` a cursor the engine did not issue *(engine wording)*; `404`
/// "message not found"; `404` "reaction not found" *(engine wording)*.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ReactionDetail {
    /// Who asks.
    pub user: UserName,
    /// The message id as given.
    pub msg_id: String,
    /// The reaction.
    pub reaction: String,
    /// Page size (1–50).
    pub limit: Option<u32>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

impl Ask for ReactionDetail {
    type Reply = ReactionSummary;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<ReactionSummary> {
        cx.actor.admin_or_self(&self.user, NOT_ALLOWED)?;
        gate(cx.st)?;
        let limit = match self.limit {
            None => REACTION_DETAIL_PAGE_MAX,
            Some(n) if (1..=REACTION_DETAIL_PAGE_MAX).contains(&n) => n,
            Some(_) => {
                return Err(
                    MessageError::reaction("Limit exceeds the maximum quantity limit").into(),
                );
            }
        } as usize;
        let from = match &self.cursor {
            None => 0,
            Some(c) => c
                .parse::<usize>()
                .map_err(|_| MessageError::reaction("cursor is invalid"))?,
        };
        let (id, _) = message(cx.st, &self.msg_id, cx.now)?;
        let me = cx.st.users.id(&self.user);
        let r = cx
            .st
            .messages
            .reactions(id)
            .iter()
            .find(|r| *r.reaction == *self.reaction)
            .ok_or(MessageError::Reaction(404, "reaction not found"))?;
        let users: Vec<UserName> = r
            .users
            .iter()
            .skip(from)
            .take(limit)
            .map(|(_, n)| n.clone())
            .collect();
        let next = from + users.len();
        let cursor = (next < r.users.len()).then(|| next.to_string());
        Ok(summary(r, me, users, cursor))
    }
}
