//! Sending (spec 03 §4.2–§4.4): to users, groups (and threads) and chatrooms, directed sends,
//! and the broadcast to rooms. A send is validated in the spec's order (the whole request
//! fails on the first broken rule), then the sender passes stage S (or the whole request
//! fails), then each target is decided by stage T and each of its recipients routed by stage
//! R ([`super::policy`]). Each accepted target gets its own id and is stored; the reply lists
//! every target in request order ([`SendResult`]) and one [`MessageEvent::Sent`] per accepted
//! target carries the same routes for the host to deliver.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::events::MessageEvent;
use super::model::{ChatType, Json, MsgType, Priority, body_ok, chatfile_uuids};
use super::policy::{
    GroupTarget, Origin, Sender, SenderRefusal, TargetRefusal, stage_r, stage_s, stage_t_group,
    stage_t_room,
};
use super::routes::Routes;
use super::state::{Message, NEED_GROUP_ACK, Queued, QueuedFor, ROUTE_ONLINE, SYNC_DEVICE, Target};
use crate::command::{Event, Exec};
use crate::engine::{Actor, Ctx, NOT_ALLOWED};
use crate::error::Result;
use crate::ids::{GroupId, MessageId, RoomId, ThreadId, UserId, UserName};
use crate::limits::MessageLimits;
use crate::store::{Messages, Queue, State};
use crate::time::Timestamp;
use crate::users::MuteScope;

/// The fate of a message for one receiving user (stage R).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Route {
    /// The user is online: deliver now.
    Online,
    /// The user is offline: the message is in their offline queue.
    OfflineQueued,
    /// Not delivered and not kept (offline with `ROUTE_ONLINE`, or a room message for an
    /// offline user).
    Dropped,
    /// A copy for the sender's other devices.
    SenderSync,
}

/// One receiving user and their route. Users are handles ([`UserId`], as from
/// [`crate::LookupUser`]); [`crate::messages::UserNames`] turns them into names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Delivery {
    /// Who.
    pub user: UserId,
    /// What becomes of the message for them.
    pub route: Route,
}

/// What became of one target of a send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Stored under its own id, with one route per receiving user.
    Accepted {
        /// The message's id.
        msg_id: MessageId,
        /// The routes, in member order (the sender's copy last); see [`Routes`] for its
        /// shape.
        routes: Routes,
    },
    /// Refused by stage T; the other targets still went.
    Rejected(TargetRefusal),
}

/// One target of a send, as the request named it (de-duplicated, request order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetResult {
    /// The target (user names folded).
    pub target: String,
    /// What became of it.
    pub outcome: Outcome,
}

/// The reply of [`SendMessage`] (spec 03 §4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendResult {
    /// Every target, in request order, without repeats.
    pub targets: Vec<TargetResult>,
}

impl SendResult {
    /// The accepted targets and their ids, in request order (the REST `data` map).
    pub fn accepted(&self) -> impl Iterator<Item = (&str, MessageId)> {
        self.targets.iter().filter_map(|t| match &t.outcome {
            Outcome::Accepted { msg_id, .. } => Some((t.target.as_str(), *msg_id)),
            Outcome::Rejected(_) => None,
        })
    }
}

/// Sends a message to users, groups (or threads) or chatrooms (`POST /messages/users`,
/// `/messages/chatgroups`, `/messages/chatrooms`; directed with `users`:
/// `/messages/chatgroups/users`, `/messages/chatrooms/users`). The app admin sends with
/// server origin (`from` optional: the system sender `admin`); a user sends with client
/// origin as themself (`from` omitted or their own name).
///
/// Errors, in check order (the whole request fails; spec 03 §4.2, then stage S):
/// 1. `401 unauthorized`: an anonymous caller, or a user sending as someone else;
/// 2. `400 message_send_error` "param from can't be empty";
/// 3. "param to can't be empty";
/// 4. "params to's size can't exceed limit {n}" (600 users / 3 groups / 10 rooms; a directed
///    send: 1);
/// 5. directed: "param users can't be empty", "params users's size can't exceed limit 20";
/// 6. "param type can't be empty"; an unknown type: `400 invalid_request_body`;
/// 7. "param body can't be empty"; a body breaking its type's rules: `400
///    invalid_request_body`;
/// 8. "param ext must be JSONObject";
/// 9. "message is too large" (body + ext over 5120 bytes of compact JSON);
/// 10. more than 20 `roam_ignore_users`, or a `chatroom_msg_level` other than high, normal,
///     low: `400 invalid_request_body`;
/// 11. with [`crate::SendRateLimits::enabled`]: `403 message_send_error` "message send reach limit" when
///     the send would pass its rate — one-to-one messages per minute (N targets count N),
///     group or room sends per second (each target counts one), directed sends per second —
///     in fixed windows on `now` (a refused send counts nothing);
/// 12. stage S: `403 forbidden_op` "user {from} is deactivated"; `404 resource_not_found`
///     "username {from} doesn't exist!" (client origin); `403 forbidden_op` "user {from} is
///     muted" (global mute of this kind, both origins);
/// 13. every target refused by stage T: `403 forbidden_op` with the first refusal (OPEN 2).
///
/// A server-origin `from` that is no legal username is `400 illegal_argument` (the
/// username rule it breaks).
///
/// Targets are de-duplicated (user names folded first), order kept. Ids are drawn only once
/// every check has passed, one per accepted target, in request order. Emits one
/// `MessageEvent::Sent` per accepted target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SendMessage {
    /// Users, groups or rooms.
    pub chat_type: ChatType,
    /// The sender as given (`None`: the caller for a user, the system sender for the admin).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_from))]
    pub from: Option<String>,
    /// The targets as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_targets))]
    pub to: Vec<String>,
    /// A directed send's users (groups and rooms only; `None` for an ordinary send).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_directed))]
    pub users: Option<Vec<String>>,
    /// The type as given (`txt`, `img`, …).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_type))]
    pub msg_type: String,
    /// The body (an object; `None`: missing).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_body))]
    pub body: Option<Json>,
    /// The extension (must be an object when given).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ext))]
    pub ext: Option<Json>,
    /// Copy the message to the sender's other devices (one-to-one; groups always do).
    pub sync_device: bool,
    /// `routetype: ROUTE_ONLINE`: offline recipients get nothing.
    pub route_online: bool,
    /// Users whose roaming view does not show the message (≤ 20).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_roam_ignore))]
    pub roam_ignore_users: Vec<String>,
    /// A room message's priority as given (`high`, `normal`, `low`).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_level))]
    pub chatroom_msg_level: Option<String>,
    /// The message's timestamp (default: now).
    pub msg_timestamp: Option<Timestamp>,
    /// Ask group members for read receipts.
    pub need_group_ack: bool,
}

impl SendMessage {
    /// A text message `msg` of `chat_type` to `to`, from `from` (`None`: the caller or the
    /// system sender), with every option at its default.
    pub fn text(chat_type: ChatType, from: Option<&str>, to: &[&str], msg: &str) -> SendMessage {
        SendMessage {
            chat_type,
            from: from.map(str::to_owned),
            to: to.iter().map(|t| t.to_string()).collect(),
            users: None,
            msg_type: "txt".into(),
            body: Some(Json::object([("msg", Json::str(msg))])),
            ext: None,
            sync_device: false,
            route_online: false,
            roam_ignore_users: Vec::new(),
            chatroom_msg_level: None,
            msg_timestamp: None,
            need_group_ack: false,
        }
    }
}

/// Checks the type, body and ext of a message (§4.2 steps 5–8), in order; the type.
pub(crate) fn check_content(
    l: &MessageLimits,
    msg_type: &str,
    body: Option<&Json>,
    ext: Option<&Json>,
) -> Result<MsgType> {
    if msg_type.is_empty() {
        return Err(MessageError::send("param type can't be empty").into());
    }
    let t = MsgType::parse(msg_type).ok_or(MessageError::InvalidBody)?;
    let body = match body {
        None => return Err(MessageError::send("param body can't be empty").into()),
        Some(Json::Object(m)) if m.is_empty() => {
            return Err(MessageError::send("param body can't be empty").into());
        }
        Some(b) => b,
    };
    if !body_ok(t, body) {
        return Err(MessageError::InvalidBody.into());
    }
    if ext.is_some_and(|e| !e.is_object()) {
        return Err(MessageError::send("param ext must be JSONObject").into());
    }
    if body.compact_len() + ext.map_or(0, Json::compact_len) > l.body_bytes_max {
        return Err(MessageError::send("message is too large").into());
    }
    Ok(t)
}

/// The origin of a call, and the sender it names: the admin is the server (sending as `from`,
/// or as the system sender); a user is a client sending as themself.
fn origin_of(actor: &Actor, from: Option<&str>) -> Result<Origin> {
    match actor {
        Actor::Admin => Ok(Origin::Server),
        Actor::User(u) => match from {
            None | Some("") => Ok(Origin::Client),
            Some(f) if UserName::parse(f).is_ok_and(|f| f == *u) => Ok(Origin::Client),
            Some(_) => Err(NOT_ALLOWED),
        },
        Actor::Anonymous => Err(NOT_ALLOWED),
    }
}

/// The sender after stage S: who they are, and the name messages show (`None`: `admin`).
pub(crate) struct Resolved {
    pub sender: Sender,
    pub name: Option<UserName>,
}

/// Resolves the sender and runs stage S for messages of kind `scope`.
pub(crate) fn sender_of(
    st: &State,
    actor: &Actor,
    origin: Origin,
    from: Option<&str>,
    scope: MuteScope,
    now: Timestamp,
) -> Result<Resolved> {
    let name = match (origin, actor, from) {
        (Origin::Client, Actor::User(u), _) => Some(u.clone()),
        (_, _, None) => None,
        // A registered sender's name is shared from the users table (no allocation).
        (_, _, Some(f)) => match st.users.id_str(f).and_then(|id| st.users.name(id)) {
            Some(n) => Some(n.clone()),
            None => Some(UserName::parse(f)?),
        },
    };
    let sender = stage_s(st, origin, name.as_ref(), scope, now).map_err(|r| {
        let who = name.as_ref().map_or("admin", UserName::as_str).to_string();
        match r {
            SenderRefusal::Deactivated => MessageError::SenderDeactivated(who),
            SenderRefusal::Unknown => MessageError::SenderUnknown(who),
            SenderRefusal::GloballyMuted(_) => MessageError::SenderMuted(who),
        }
    })?;
    // `admin` with no such user is the system sender, shown as `admin`.
    let name = name.filter(|n| sender != Sender::System || n.as_str() != "admin");
    Ok(Resolved { sender, name })
}

/// A target stage T accepted, resolved.
enum Accepted {
    /// A user (`None`: server origin, no such user).
    User(Option<UserName>, Option<UserId>),
    Group(GroupId),
    Thread(ThreadId, GroupId),
    Room(RoomId),
    /// Server origin: no such group or room.
    Nobody,
}

/// Stage T for every target: the target text and its verdict.
fn decide(
    st: &State,
    ct: ChatType,
    origin: Origin,
    from: &Resolved,
    targets: Vec<String>,
    now: Timestamp,
) -> Vec<(String, std::result::Result<Accepted, TargetRefusal>)> {
    targets
        .into_iter()
        .map(|t| {
            let verdict = match ct {
                ChatType::Chat => chat_target(st, origin, from.sender, &t),
                ChatType::GroupChat => match stage_t_group(st, origin, from.sender, &t, now) {
                    Ok(GroupTarget::Group(g)) => Ok(Accepted::Group(g.clone())),
                    Ok(GroupTarget::Thread(th, g)) => Ok(Accepted::Thread(th.clone(), g.clone())),
                    Ok(GroupTarget::Nobody) => Ok(Accepted::Nobody),
                    Err(r) => Err(r),
                },
                ChatType::ChatRoom => {
                    match stage_t_room(st, origin, from.sender, RoomId::parse(&t), now) {
                        Ok(Some(r)) => Ok(Accepted::Room(r.id)),
                        Ok(None) => Ok(Accepted::Nobody),
                        Err(r) => Err(r),
                    }
                }
            };
            (t, verdict)
        })
        .collect()
}

fn chat_target(
    st: &State,
    origin: Origin,
    sender: Sender,
    t: &str,
) -> std::result::Result<Accepted, TargetRefusal> {
    use super::policy::{ChatVerdict, stage_t_chat};
    // A registered recipient's name is shared from the users table (no allocation).
    let id = st.users.id_str(t);
    let name = match id.and_then(|id| st.users.name(id)) {
        Some(n) => Some(n.clone()),
        None => UserName::parse(t).ok(),
    };
    match stage_t_chat(st, origin, sender, id) {
        ChatVerdict::Deliver => Ok(Accepted::User(name, id)),
        ChatVerdict::NoRecipient => Ok(Accepted::User(name, None)),
        ChatVerdict::TargetRefused(r) => Err(r),
        // Stage S ran before.
        ChatVerdict::SenderRefused(_) => Err(TargetRefusal::RecipientNotFound),
    }
}

/// De-duplicates targets (user names folded), keeping the first of each. A text with no
/// capital letter is its own folded form, and one target has no repeat: neither allocates.
fn distinct_targets(ct: ChatType, to: Vec<String>) -> Vec<String> {
    let folded: Vec<String> = to
        .into_iter()
        .map(|t| match ct {
            ChatType::Chat if t.bytes().any(|b| b.is_ascii_uppercase()) => {
                UserName::parse(&t).map_or(t, String::from)
            }
            _ => t,
        })
        .collect();
    if folded.len() < 2 {
        return folded;
    }
    let mut seen = std::collections::HashSet::with_capacity(folded.len());
    let first: Vec<bool> = folded.iter().map(|t| seen.insert(t.as_str())).collect();
    folded
        .into_iter()
        .zip(first)
        .filter_map(|(t, first)| first.then_some(t))
        .collect()
}

/// What the record of a message takes from the request, shared by its targets.
pub(crate) struct Draft {
    pub chat_type: ChatType,
    pub msg_type: MsgType,
    pub body: Json,
    pub ext: Option<Json>,
    pub flags: u8,
    pub priority: Priority,
    pub timestamp: Option<Timestamp>,
    pub roam_ignore: Box<[UserId]>,
    pub directed: Option<Vec<UserId>>,
}

/// Routes the recipients of an accepted target (stage R) and stores the message under a new
/// id: offline entries, the sender's copy, the room's use. Returns the id and the routes.
/// `owned` is the draft's body and ext when this is the last target to store (moved, not
/// copied).
fn record(
    cx: &mut Ctx<'_>,
    from: &Resolved,
    target: Accepted,
    to_text: &str,
    d: &Draft,
    owned: Option<(Json, Option<Json>)>,
) -> (MessageId, Routes) {
    let now = cx.now;
    let route_online = d.flags & ROUTE_ONLINE != 0;
    let me = match from.sender {
        Sender::User(id) => Some(id),
        Sender::System => None,
    };
    // R5: the sender's copy: groups always, users with sync_device, rooms never.
    let sync = me.filter(|_| match d.chat_type {
        ChatType::GroupChat => true,
        ChatType::Chat => d.flags & SYNC_DEVICE != 0,
        ChatType::ChatRoom => false,
    });
    // The recipients as a member list (undirected: the roster's snapshot, shared), filtered
    // to members for a directed send.
    let listed = |members: &mut crate::roster::Members| -> Arc<[UserId]> {
        match &d.directed {
            None => members.snapshot(),
            Some(users) => users
                .iter()
                .copied()
                .filter(|u| members.contains(*u))
                .collect(),
        }
    };
    let (stored_to, routes) = match target {
        Accepted::User(name, id) => {
            let mut routes = Routes::none();
            if let Some(r) = id {
                let on = cx.st.users.is_online(r);
                routes.push_few(Delivery {
                    user: r,
                    route: stage_r(on, false, route_online),
                });
            }
            if let Some(me) = sync {
                routes.push_few(Delivery {
                    user: me,
                    route: Route::SenderSync,
                });
            }
            let to = match name {
                Some(n) => Target::User(n, id),
                None => Target::Nobody(to_text.into()),
            };
            (to, routes)
        }
        Accepted::Group(g) => {
            let g_state = cx.st.groups.get_mut(&g).expect("decided");
            let users = listed(&mut g_state.roster.members);
            let offline = stage_r(false, false, route_online);
            let st = &*cx.st;
            let routes = Routes::fanout(users, |u| st.users.is_online_member(u), offline, me, sync);
            (Target::Group(g), routes)
        }
        Accepted::Thread(t, g) => {
            let th = cx.st.groups.thread_mut(&t).expect("decided");
            let users = listed(&mut th.members);
            let offline = stage_r(false, false, route_online);
            let st = &*cx.st;
            let routes = Routes::fanout(users, |u| st.users.is_online_member(u), offline, me, sync);
            (Target::Thread(t, g), routes)
        }
        Accepted::Room(r) => {
            let room = cx.st.rooms.get_mut(r).expect("decided");
            let users = listed(&mut room.roster.members);
            let offline = stage_r(false, true, route_online);
            let st = &*cx.st;
            let routes = Routes::fanout(users, |u| st.users.is_online_member(u), offline, me, None);
            (Target::Room(r), routes)
        }
        Accepted::Nobody => {
            let mut routes = Routes::none();
            if let Some(me) = sync.filter(|_| d.chat_type != ChatType::ChatRoom) {
                routes.push_few(Delivery {
                    user: me,
                    route: Route::SenderSync,
                });
            }
            (Target::Nobody(to_text.into()), routes)
        }
    };
    let id = MessageId(cx.st.mint());
    let l = &cx.st.limits.messages;
    let (queue, cap) = match d.chat_type {
        ChatType::Chat => (Queue::Chat, l.offline_chat_max),
        _ => (Queue::Group, l.offline_group_max),
    };
    let keep_after = Timestamp(now.0.saturating_sub(l.offline_retention.0 as i64));
    let ms = &mut cx.st.messages;
    let mut any = false;
    for u in routes.queued() {
        ms.enqueue(*u, queue, Queued { msg: id, at: now }, cap, keep_after);
        any = true;
    }
    // A one-to-one message's recipient is found through its target; a group or thread
    // message keeps its routes (their clear online bits are its queued members).
    let queued_for = if any && d.chat_type != ChatType::Chat {
        QueuedFor::of(&routes)
    } else {
        QueuedFor::default()
    };
    if let Target::Room(r) = stored_to {
        ms.rooms_used.insert(r);
    }
    let (body, ext) = owned.unwrap_or_else(|| (d.body.clone(), d.ext.clone()));
    let attachments: Box<[Box<str>]> = chatfile_uuids(&body)
        .filter(|u| ms.attachment(u).is_some_and(|a| a.msg.is_none()))
        .map(Into::into)
        .collect();
    let msg = Message {
        chat_type: d.chat_type,
        from: from.name.clone(),
        from_id: me,
        to: stored_to,
        msg_type: d.msg_type,
        body,
        ext,
        timestamp: d.timestamp.unwrap_or(now),
        accepted_at: now,
        directed: d.directed.as_ref().map(|v| v.clone().into_boxed_slice()),
        flags: d.flags,
        priority: d.priority,
        roam_ignore: d.roam_ignore.clone(),
        edits: 0,
        attachments,
        queued_for,
    };
    store(ms, &cx.st.limits.messages, id, msg, now);
    (id, routes)
}

/// Stores a message, first evicting the oldest ones past retention or over the cap.
pub(crate) fn store(
    ms: &mut Messages,
    l: &MessageLimits,
    id: MessageId,
    m: Message,
    now: Timestamp,
) {
    let cap = l.stored_max.max(1);
    let ret = l.history_retention.0 as i64;
    while let Some((old, o)) = ms.oldest() {
        if ms.len() >= cap || o.accepted_at.0.saturating_add(ret) <= now.0 {
            ms.remove(old);
        } else {
            break;
        }
    }
    ms.insert(id, m);
}

impl Exec for SendMessage {
    type Reply = SendResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<SendResult> {
        let origin = origin_of(cx.actor, self.from.as_deref())?;
        let l = &cx.st.limits.messages;
        let ct = self.chat_type;
        if self.from.as_deref() == Some("") {
            return Err(MessageError::send("param from can't be empty").into());
        }
        if self.to.is_empty() {
            return Err(MessageError::send("param to can't be empty").into());
        }
        let directed = self.users.is_some();
        let max = match ct {
            _ if directed => 1,
            ChatType::Chat => l.users_per_send_max,
            ChatType::GroupChat => l.groups_per_send_max,
            ChatType::ChatRoom => l.rooms_per_send_max,
        };
        if self.to.len() > max {
            return Err(
                MessageError::send(format!("params to's size can't exceed limit {max}")).into(),
            );
        }
        if let Some(users) = &self.users {
            if users.is_empty() {
                return Err(MessageError::send("param users can't be empty").into());
            }
            if users.len() > l.directed_users_max {
                return Err(MessageError::send(format!(
                    "params users's size can't exceed limit {}",
                    l.directed_users_max
                ))
                .into());
            }
            if ct == ChatType::Chat {
                return Err(MessageError::InvalidBody.into());
            }
        }
        let msg_type = check_content(l, &self.msg_type, self.body.as_ref(), self.ext.as_ref())?;
        if self.roam_ignore_users.len() > l.roam_ignore_max {
            return Err(MessageError::InvalidBody.into());
        }
        let priority = match &self.chatroom_msg_level {
            None => Priority::Normal,
            Some(p) => Priority::parse(p).ok_or(MessageError::InvalidBody)?,
        };
        let to = distinct_targets(ct, self.to);
        let rate = send_rate(cx.st, ct, directed, to.len() as u64, cx.now)?;
        let scope = match ct {
            ChatType::Chat => MuteScope::Chat,
            ChatType::GroupChat => MuteScope::GroupChat,
            ChatType::ChatRoom => MuteScope::ChatRoom,
        };
        let now = cx.now;
        let from = sender_of(cx.st, cx.actor, origin, self.from.as_deref(), scope, now)?;
        let decided = decide(cx.st, ct, origin, &from, to, now);
        if let Some((t, Err(r))) = decided
            .first()
            .filter(|_| decided.iter().all(|(_, v)| v.is_err()))
        {
            let who = from.name.as_ref().map_or("admin", UserName::as_str);
            return Err(MessageError::AllRejected(r.describe(who, t)).into());
        }
        let users = &cx.st.users;
        let ids = |names: &[String]| -> Vec<UserId> {
            if names.is_empty() {
                return Vec::new();
            }
            let mut v: Vec<UserId> = names.iter().filter_map(|n| users.id_str(n)).collect();
            let mut seen = std::collections::HashSet::new();
            v.retain(|u| seen.insert(*u));
            v
        };
        let flags = (if self.route_online { ROUTE_ONLINE } else { 0 })
            | (if self.sync_device { SYNC_DEVICE } else { 0 })
            | (if self.need_group_ack {
                NEED_GROUP_ACK
            } else {
                0
            });
        let draft = Draft {
            chat_type: ct,
            msg_type,
            body: self.body.expect("checked"),
            ext: self.ext,
            flags,
            priority,
            timestamp: self.msg_timestamp,
            roam_ignore: ids(&self.roam_ignore_users).into(),
            directed: self.users.as_deref().map(ids),
        };
        let mut draft = draft;
        let last = decided.iter().rposition(|(_, v)| v.is_ok());
        let mut targets = Vec::with_capacity(decided.len());
        for (i, (t, verdict)) in decided.into_iter().enumerate() {
            let outcome = match verdict {
                Err(r) => Outcome::Rejected(r),
                Ok(acc) => {
                    // The last target to store takes the body and ext; the others copy them.
                    let owned = (Some(i) == last).then(|| {
                        (
                            std::mem::replace(&mut draft.body, Json::Null),
                            draft.ext.take(),
                        )
                    });
                    let (msg_id, routes) = record(cx, &from, acc, &t, &draft, owned);
                    cx.emit(Event::Message(MessageEvent::Sent {
                        msg_id,
                        chat_type: ct,
                        from: from.name.clone(),
                        to: t.clone(),
                        routes: routes.clone(),
                    }));
                    Outcome::Accepted { msg_id, routes }
                }
            };
            targets.push(TargetResult { target: t, outcome });
        }
        if let Some((w, at, n)) = rate {
            cx.st.send_windows.0[w].add(at, n);
        }
        Ok(SendResult { targets })
    }
}

/// Checks a send against its rate (spec 03 §4.2 step 10) when the app has the rates on:
/// `Some((window, window number, count))` to add once the send succeeds, `None` when off.
fn send_rate(
    st: &crate::store::State,
    ct: ChatType,
    directed: bool,
    targets: u64,
    now: crate::time::Timestamp,
) -> Result<Option<(usize, i64, u64)>> {
    let l = &st.limits.send_rates;
    if !l.enabled {
        return Ok(None);
    }
    // (window, its length in ms, the cap, how much this send counts)
    let (w, len, max, n) = match ct {
        _ if directed => (3, 1000, l.directed_per_second_max, 1),
        ChatType::Chat => (0, 60_000, l.users_per_minute_max, targets),
        ChatType::GroupChat => (1, 1000, l.groups_per_second_max, targets),
        ChatType::ChatRoom => (2, 1000, l.rooms_per_second_max, targets),
    };
    let at = now.0.div_euclid(len);
    if st.send_windows.0[w].count_in(at) + n > max {
        return Err(MessageError::RateLimited.into());
    }
    Ok(Some((w, at, n)))
}

/// The reply of [`BroadcastMessage`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastSent {
    /// The message's id.
    pub msg_id: MessageId,
    /// The rooms it reached, ascending.
    pub rooms: Vec<RoomId>,
    /// One route per member of those rooms (online: `Online`, else `Dropped`).
    pub routes: Arc<[Delivery]>,
}

/// Broadcasts a message to every chatroom with at least one member that has carried a message
/// (`POST /messages/chatrooms/broadcast`). The app admin only; room mutes do not apply.
///
/// Errors, in check order: `401 unauthorized`; `403 forbidden_op` "message broadcast service
/// is unopened"; the content checks of [`SendMessage`] (type, body, ext, size, then a bad
/// `chatroom_msg_level`: `400 invalid_request_body`); stage S for `from` (chatroom mutes);
/// `403 message_send_error` "message send reach limit" (more than 10 in the last minute or 100
/// in the last day).
///
/// Emits one `MessageEvent::Sent` with `to` the rooms' ids joined by commas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BroadcastMessage {
    /// The sender (`None`: the system sender).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_from))]
    pub from: Option<String>,
    /// The type as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_type))]
    pub msg_type: String,
    /// The body.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_body))]
    pub body: Option<Json>,
    /// The extension.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_ext))]
    pub ext: Option<Json>,
    /// The priority as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_level))]
    pub chatroom_msg_level: Option<String>,
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 3600 * 1000;

impl Exec for BroadcastMessage {
    type Reply = BroadcastSent;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<BroadcastSent> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let l = &cx.st.limits.messages;
        if !l.broadcast_enabled {
            return Err(MessageError::BroadcastOff.into());
        }
        if self.from.as_deref() == Some("") {
            return Err(MessageError::send("param from can't be empty").into());
        }
        let msg_type = check_content(l, &self.msg_type, self.body.as_ref(), self.ext.as_ref())?;
        let priority = match &self.chatroom_msg_level {
            None => Priority::Normal,
            Some(p) => Priority::parse(p).ok_or(MessageError::InvalidBody)?,
        };
        let now = cx.now;
        let from = sender_of(
            cx.st,
            cx.actor,
            Origin::Server,
            self.from.as_deref(),
            MuteScope::ChatRoom,
            now,
        )?;
        let recent = &cx.st.messages.broadcasts;
        let in_window = |w: i64| recent.iter().filter(|t| t.0 > now.0 - w).count();
        if in_window(MINUTE_MS) >= l.broadcasts_per_minute_max
            || in_window(DAY_MS) >= l.broadcasts_per_day_max
        {
            return Err(MessageError::RateLimited.into());
        }
        let st = &*cx.st;
        let rooms: Vec<RoomId> = st
            .messages
            .rooms_used
            .iter()
            .copied()
            .filter(|r| {
                st.rooms
                    .get(*r)
                    .is_some_and(|r| !r.roster.members.is_empty())
            })
            .collect();
        let mut routes = Vec::new();
        for r in &rooms {
            st.rooms
                .get(*r)
                .expect("live")
                .roster
                .members
                .for_each_id(|u| {
                    let on = st.users.is_online(u);
                    routes.push(Delivery {
                        user: u,
                        route: stage_r(on, true, false),
                    });
                });
        }
        let routes: Arc<[Delivery]> = routes.into();
        let id = MessageId(cx.st.mint());
        let ms = &mut cx.st.messages;
        ms.broadcasts.retain(|t| t.0 > now.0 - DAY_MS);
        ms.broadcasts.push_back(now);
        let to = Target::Broadcast(rooms.clone().into());
        let to_text = to.text();
        let msg = Message {
            chat_type: ChatType::ChatRoom,
            from: from.name.clone(),
            from_id: match from.sender {
                Sender::User(u) => Some(u),
                Sender::System => None,
            },
            to,
            msg_type,
            body: self.body.expect("checked"),
            ext: self.ext,
            timestamp: now,
            accepted_at: now,
            directed: None,
            flags: 0,
            priority,
            roam_ignore: Box::new([]),
            edits: 0,
            attachments: Box::new([]),
            queued_for: QueuedFor::default(),
        };
        store(ms, &cx.st.limits.messages, id, msg, now);
        cx.emit(Event::Message(MessageEvent::Sent {
            msg_id: id,
            chat_type: ChatType::ChatRoom,
            from: from.name,
            to: to_text,
            routes: Routes::from(routes.clone()),
        }));
        Ok(BroadcastSent {
            msg_id: id,
            rooms,
            routes,
        })
    }
}
