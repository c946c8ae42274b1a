//! Model of one-to-one and group delivery (spec 03 §4.3–§4.6, §4.11): sends under the delivery
//! policy (stage S: deactivated and globally muted senders, unknown client senders; stage T:
//! unknown recipients, block lists, the friend check for client sends, group membership for
//! client group sends; stage R: online, dropped with `ROUTE_ONLINE`, queued offline, the
//! sender's sync copy, a group's members in join order), the offline queues (one-to-one and
//! group, each with its cap and the oldest evicted, acknowledgement), recall (its window,
//! force, a message recalled twice, a group message leaving every member's queue), and
//! reactions on one-to-one and group messages (the chat's participants or the group's current
//! members only, one per user and reaction, a cap on distinct reactions, the last user taking
//! one back removing it, none on a recalled message), interleaved with sessions, blocks,
//! friendships, chat mutes (which group sends ignore), disabling, members joining and leaving
//! the group, and time passing.
//!
//! The model's caps are parameters ([`Caps`]): `the_model_fails_when_an_edge_is_off_by_one`
//! runs fixed steps that reach each cap with the model's cap one above and one below the
//! engine's and requires the runner to fail.
//!
//! Unlike the other model modules, the steps are drawn from a small table of the operations
//! this area turns on (three users and one name nobody has), so that almost every send meets
//! a decision that matters; each step is still a real command. After every step: the same
//! outcome (the routes by user name, or the error's status and code), the same offline count
//! for every user, and `imcore::invariants::check` passes.

use std::collections::{BTreeSet, VecDeque};

use imcore::groups::{AddGroupMember, CreateGroup, RemoveGroupMember};
use imcore::messages::*;
use imcore::*;
use proptest::prelude::*;

use crate::fixture::T0;

const USERS: [&str; 3] = ["a", "b", "c"];
/// A name nobody registers.
const GHOST: &str = "ghost";
const OFFLINE_MAX: usize = 3;
const RECALL_WINDOW: i64 = 1000;
const MUTE_MS: i64 = 500;
const REACTIONS_MAX: usize = 2;
const REACTIONS: [&str; 3] = ["+1", "heart", "x"];
const GROUP_OFFLINE_MAX: usize = 2;

/// The caps the model applies (the engine's are set by `limits`).
#[derive(Clone, Copy, Debug)]
struct Caps {
    chat_queue: usize,
    group_queue: usize,
    reactions: usize,
}

impl Default for Caps {
    fn default() -> Caps {
        Caps {
            chat_queue: OFFLINE_MAX,
            group_queue: GROUP_OFFLINE_MAX,
            reactions: REACTIONS_MAX,
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// A send from `from` to `to`: as that user (client origin) or as the admin naming them.
    Send {
        client: bool,
        from: usize,
        to: usize,
        route_online: bool,
        sync_device: bool,
    },
    /// A send from `from` to the group: as that user, or as the admin naming them.
    GroupSend {
        client: bool,
        from: usize,
        route_online: bool,
    },
    /// The admin adds a user to the group, or removes them.
    Join(usize),
    Leave(usize),
    Open(usize),
    Close(usize),
    Block(usize, usize),
    Unblock(usize, usize),
    Friend(usize, usize),
    Unfriend(usize, usize),
    Mute(usize),
    Unmute(usize),
    Disable(usize),
    Enable(usize),
    Ack(usize),
    /// Recall the `i`-th accepted message (modulo how many there are).
    Recall {
        i: usize,
        force: bool,
    },
    /// `user` (or `ghost`) adds (or takes back) reaction `r` on one of the two newest accepted
    /// messages (`i` picks which), so that reactions pile up to the cap.
    React {
        user: usize,
        i: usize,
        r: usize,
        add: bool,
    },
    Advance(i64),
}

/// A user index among `USERS`, or `GHOST` (index 3) where `ghost` is allowed.
fn name(i: usize) -> &'static str {
    USERS.get(i).copied().unwrap_or(GHOST)
}

fn op() -> impl Strategy<Value = Op> {
    let u = 0..3usize;
    let any_user = 0..4usize;
    prop_oneof![
        8 => (any::<bool>(), u.clone(), any_user, prop::bool::weighted(0.2), prop::bool::weighted(0.2))
            .prop_map(|(client, from, to, route_online, sync_device)| Op::Send {
                client,
                from,
                to,
                route_online,
                sync_device,
            }),
        5 => (any::<bool>(), u.clone(), prop::bool::weighted(0.2))
            .prop_map(|(client, from, route_online)| Op::GroupSend { client, from, route_online }),
        1 => u.clone().prop_map(Op::Join),
        1 => u.clone().prop_map(Op::Leave),
        2 => u.clone().prop_map(Op::Open),
        2 => u.clone().prop_map(Op::Close),
        2 => (u.clone(), u.clone()).prop_map(|(a, b)| Op::Block(a, b)),
        1 => (u.clone(), u.clone()).prop_map(|(a, b)| Op::Unblock(a, b)),
        2 => (u.clone(), u.clone()).prop_map(|(a, b)| Op::Friend(a, b)),
        1 => (u.clone(), u.clone()).prop_map(|(a, b)| Op::Unfriend(a, b)),
        1 => u.clone().prop_map(Op::Mute),
        1 => u.clone().prop_map(Op::Unmute),
        1 => u.clone().prop_map(Op::Disable),
        1 => u.clone().prop_map(Op::Enable),
        2 => u.clone().prop_map(Op::Ack),
        2 => (any::<usize>(), prop::bool::weighted(0.2)).prop_map(|(i, force)| Op::Recall { i, force }),
        8 => (0..4usize, any::<usize>(), 0..3usize, prop::bool::weighted(0.7))
            .prop_map(|(user, i, r, add)| Op::React { user, i, r, add }),
        3 => prop::sample::select(vec![1i64, 400, 999, 1000, 1001, 3000]).prop_map(Op::Advance),
    ]
}

/// What a step gave: the routes `(user, route)` of an accepted send, a recall's `removed`,
/// an offline acknowledgement's count, nothing; or an error's status and code.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Sent(Vec<(String, Route)>),
    Recalled(bool),
    Acked(u64),
    Done,
}

type Got = std::result::Result<Seen, (u16, &'static str)>;

#[derive(Clone, Debug, Default)]
struct MUser {
    online: bool,
    disabled: bool,
    muted_until: Option<i64>,
    blocks: BTreeSet<usize>,
    friends: BTreeSet<usize>,
    queue: VecDeque<MessageId>,
    group_queue: VecDeque<MessageId>,
}

#[derive(Clone, Debug)]
struct MMsg {
    id: MessageId,
    from: usize,
    /// The receiver (one-to-one; unused for a group message).
    to: usize,
    group: bool,
    at: i64,
    recalled: bool,
    /// Reactions in the order they were first added, with their users in order.
    reactions: Vec<(usize, Vec<usize>)>,
}

struct Model {
    users: Vec<MUser>,
    msgs: Vec<MMsg>,
    /// The group's members, in join order.
    members: Vec<usize>,
    /// The group's id (the engine's).
    group: GroupId,
    caps: Caps,
}

/// Stage R for a chat or group recipient (R2).
fn route(online: bool, route_online: bool) -> Route {
    if online {
        Route::Online
    } else if route_online {
        Route::Dropped
    } else {
        Route::OfflineQueued
    }
}

impl Model {
    fn new(group: GroupId, caps: Caps) -> Model {
        Model {
            users: vec![MUser::default(); 3],
            msgs: Vec::new(),
            // `a` creates the group and adds `b`.
            members: vec![0, 1],
            group,
            caps,
        }
    }

    /// A group send's outcome before its id is known: every member but the sender in join
    /// order, then the sender's copy; or the error.
    fn group_send(&self, client: bool, from: usize, ro: bool) -> Got {
        // Stage S: the chat mute is another kind's; group sends ignore it.
        if self.users[from].disabled {
            return Err((403, "forbidden_op"));
        }
        // Stage T2 for a client send (the server skips it).
        if client && !self.members.contains(&from) {
            return Err((403, "forbidden_op"));
        }
        let mut routes: Vec<(String, Route)> = self
            .members
            .iter()
            .filter(|m| **m != from)
            .map(|m| (name(*m).to_string(), route(self.users[*m].online, ro)))
            .collect();
        routes.push((name(from).to_string(), Route::SenderSync));
        Ok(Seen::Sent(routes))
    }

    /// A send's outcome before its id is known: the routes, or the error.
    fn send(&self, client: bool, from: usize, to: usize, ro: bool, sync: bool, now: i64) -> Got {
        let f = &self.users[from];
        // Stage S (the sender is registered in every step here).
        if f.disabled {
            return Err((403, "forbidden_op"));
        }
        if f.muted_until.is_some_and(|t| t > now) {
            return Err((403, "forbidden_op"));
        }
        let mut routes = Vec::new();
        match self.users.get(to) {
            // Stage T1: unknown recipient.
            None if client => return Err((403, "forbidden_op")),
            None => {}
            Some(r) => {
                if from != to {
                    if r.blocks.contains(&from) {
                        return Err((403, "forbidden_op"));
                    }
                    if client && !r.friends.contains(&from) {
                        return Err((403, "forbidden_op"));
                    }
                }
                routes.push((name(to).to_string(), route(r.online, ro)));
            }
        }
        if sync {
            routes.push((name(from).to_string(), Route::SenderSync));
        }
        Ok(Seen::Sent(routes))
    }

    /// Records an accepted send under the id the engine gave it: a one-to-one message (to
    /// `to`) or a group message (`to: None`).
    fn sent(
        &mut self,
        id: MessageId,
        from: usize,
        to: Option<usize>,
        routes: &[(String, Route)],
        now: i64,
    ) {
        let caps = self.caps;
        for (who, rt) in routes {
            let Some(u) = USERS.iter().position(|x| *x == who.as_str()) else {
                continue;
            };
            if *rt != Route::OfflineQueued {
                continue;
            }
            let (q, cap) = match to {
                Some(_) => (&mut self.users[u].queue, caps.chat_queue),
                None => (&mut self.users[u].group_queue, caps.group_queue),
            };
            q.push_back(id);
            if q.len() > cap {
                q.pop_front();
            }
        }
        self.msgs.push(MMsg {
            id,
            from,
            to: to.unwrap_or(usize::MAX),
            group: to.is_none(),
            at: now,
            recalled: false,
            reactions: Vec::new(),
        });
    }

    fn react(&mut self, user: usize, i: usize, r: usize, add: bool) -> Got {
        let m = &mut self.msgs[i];
        if m.recalled {
            return Err((404, "Bad Request"));
        }
        let at = m.reactions.iter().position(|(x, _)| *x == r);
        if add {
            // Only the chat's sender or receiver (a registered one), or a current member of
            // the message's group, may react.
            let participant = if m.group {
                self.members.contains(&user)
            } else {
                user < USERS.len() && (user == m.from || user == m.to)
            };
            if !participant {
                return Err((400, "Bad Request"));
            }
            match at {
                Some(k) if m.reactions[k].1.contains(&user) => Err((400, "Bad Request")),
                Some(k) => {
                    m.reactions[k].1.push(user);
                    Ok(Seen::Done)
                }
                None if m.reactions.len() >= self.caps.reactions => Err((400, "Bad Request")),
                None => {
                    m.reactions.push((r, vec![user]));
                    Ok(Seen::Done)
                }
            }
        } else {
            let Some(k) = at.filter(|k| m.reactions[*k].1.contains(&user)) else {
                return Err((400, "Bad Request"));
            };
            m.reactions[k].1.retain(|u| *u != user);
            if m.reactions[k].1.is_empty() {
                m.reactions.remove(k);
            }
            Ok(Seen::Done)
        }
    }

    fn recall(&mut self, i: usize, force: bool, now: i64) -> Got {
        let m = &mut self.msgs[i];
        if !m.recalled {
            if !force && now - m.at > RECALL_WINDOW {
                return Err((403, "message_recall_error"));
            }
            m.recalled = true;
            let id = m.id;
            // A group message leaves every queue that got it.
            for u in &mut self.users {
                u.queue.retain(|x| *x != id);
                u.group_queue.retain(|x| *x != id);
            }
            return Ok(Seen::Recalled(true));
        }
        if force {
            Ok(Seen::Recalled(false))
        } else {
            Err((403, "message_recall_error"))
        }
    }
}

/// One of the two newest of `len` messages.
fn newest(len: usize, i: usize) -> usize {
    len - 1 - (i % 2).min(len - 1)
}

fn n(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

fn err(e: Error) -> (u16, &'static str) {
    (e.status(), e.code())
}

fn limits() -> Limits {
    let mut l = Limits {
        friend_check: true,
        ..Limits::default()
    };
    l.messages.offline_chat_max = OFFLINE_MAX;
    l.messages.offline_group_max = GROUP_OFFLINE_MAX;
    l.messages.recall_window = Millis(RECALL_WINDOW as u64);
    l.messages.reactions_per_message_max = REACTIONS_MAX;
    l
}

// The id of the last accepted send, set by `engine_step`.
thread_local! {
    static LAST_ID: std::cell::Cell<Option<MessageId>> = const { std::cell::Cell::new(None) };
}

/// Runs a command whose reply this model does not compare.
fn done<C: Exec>(app: &App, now: Timestamp, c: C) -> Got {
    app.execute(&Actor::Admin, now, c)
        .map(|_| Seen::Done)
        .map_err(err)
}

/// The routes of a one-target send's reply, by user name (and its id in `LAST_ID`).
fn sent(app: &App, now: Timestamp, reply: &SendResult) -> Seen {
    match &reply.targets[0].outcome {
        Outcome::Accepted { routes, msg_id } => {
            LAST_ID.set(Some(*msg_id));
            let ids: Vec<UserId> = routes.iter().map(|d| d.user).collect();
            let names = app
                .query(&Actor::Admin, now, UserNames { ids })
                .expect("names");
            Seen::Sent(
                routes
                    .iter()
                    .zip(names)
                    .map(|(d, nm)| (nm.expect("live").to_string(), d.route))
                    .collect(),
            )
        }
        Outcome::Rejected(r) => panic!("a one-target send rejected without an error: {r:?}"),
    }
}

/// Sends `c` as user `from` (a client send) or as the admin (a server send); its routes.
fn send_as(app: &App, now: Timestamp, client: bool, from: usize, c: SendMessage) -> Got {
    let actor = if client {
        Actor::User(n(name(from)))
    } else {
        Actor::Admin
    };
    let out = app.execute(&actor, now, c).map_err(err)?;
    Ok(sent(app, now, &out.reply))
}

/// Runs one step on the engine; what it gave.
fn engine_step(app: &App, now: Timestamp, op: &Op, model: &Model) -> Got {
    let admin = &Actor::Admin;
    match op {
        Op::Send {
            client,
            from,
            to,
            route_online,
            sync_device,
        } => {
            let mut c = SendMessage::text(ChatType::Chat, Some(name(*from)), &[name(*to)], "hi");
            c.route_online = *route_online;
            c.sync_device = *sync_device;
            send_as(app, now, *client, *from, c)
        }
        Op::GroupSend {
            client,
            from,
            route_online,
        } => {
            let mut c = SendMessage::text(
                ChatType::GroupChat,
                Some(name(*from)),
                &[model.group.as_str()],
                "hi",
            );
            c.route_online = *route_online;
            send_as(app, now, *client, *from, c)
        }
        Op::Join(u) => done(
            app,
            now,
            AddGroupMember {
                group: model.group.clone(),
                user: n(name(*u)),
                need_notify: None,
            },
        ),
        Op::Leave(u) => done(
            app,
            now,
            RemoveGroupMember {
                group: model.group.clone(),
                user: n(name(*u)),
            },
        ),
        Op::Open(u) => done(
            app,
            now,
            OpenSession {
                username: n(name(*u)),
                resource: "ios_1".into(),
                device_uuid: None,
                device_name: None,
            },
        ),
        Op::Close(u) => done(
            app,
            now,
            CloseSession {
                username: n(name(*u)),
                resource: "ios_1".into(),
            },
        ),
        Op::Block(a, b) => done(
            app,
            now,
            BlockUsers {
                owner: n(name(*a)),
                usernames: vec![n(name(*b))],
            },
        ),
        Op::Unblock(a, b) => done(
            app,
            now,
            UnblockUser {
                owner: n(name(*a)),
                blocked: n(name(*b)),
            },
        ),
        Op::Friend(a, b) => done(
            app,
            now,
            AddFriend {
                owner: n(name(*a)),
                friend: n(name(*b)),
            },
        ),
        Op::Unfriend(a, b) => done(
            app,
            now,
            RemoveFriend {
                owner: n(name(*a)),
                friend: n(name(*b)),
            },
        ),
        Op::Mute(u) | Op::Unmute(u) => done(
            app,
            now,
            SetGlobalMute {
                username: n(name(*u)),
                chat: Some(if matches!(op, Op::Mute(_)) {
                    MuteValue::For(Millis(MUTE_MS as u64))
                } else {
                    MuteValue::Lift
                }),
                groupchat: None,
                chatroom: None,
            },
        ),
        Op::Disable(u) => done(
            app,
            now,
            DisableUser {
                username: n(name(*u)),
            },
        ),
        Op::Enable(u) => done(
            app,
            now,
            EnableUser {
                username: n(name(*u)),
            },
        ),
        Op::Ack(u) => app
            .execute(
                admin,
                now,
                AckOffline {
                    user: n(name(*u)),
                    msg_ids: None,
                },
            )
            .map(|o| Seen::Acked(o.reply))
            .map_err(err),
        Op::Recall { i, force } => {
            let m = &model.msgs[i % model.msgs.len()];
            let (to, chat_type) = if m.group {
                (model.group.to_string(), "groupchat")
            } else {
                (name(m.to).to_string(), "chat")
            };
            app.execute(
                admin,
                now,
                RecallMessage {
                    msg_id: m.id.to_string(),
                    to,
                    chat_type: chat_type.into(),
                    from: None,
                    force: *force,
                },
            )
            .map(|o| Seen::Recalled(o.reply.removed))
            .map_err(err)
        }
        Op::React { user, i, r, add } => {
            let m = &model.msgs[newest(model.msgs.len(), *i)];
            let (who, id, reaction) = (n(name(*user)), m.id.to_string(), REACTIONS[*r].to_string());
            if *add {
                done(
                    app,
                    now,
                    AddReaction {
                        user: who,
                        msg_id: id,
                        reaction,
                    },
                )
            } else {
                done(
                    app,
                    now,
                    RemoveReaction {
                        user: who,
                        msg_id: id,
                        reaction,
                    },
                )
            }
        }
        Op::Advance(_) => Ok(Seen::Done),
    }
}

/// Applies one step to the model; what the engine must give. Send ids come from the engine
/// (`sent` records them once both agree).
fn model_step(m: &mut Model, now: i64, op: &Op) -> Got {
    let pair = |a: usize, b: usize| (a.min(b), a.max(b));
    match *op {
        Op::Send {
            client,
            from,
            to,
            route_online,
            sync_device,
        } => m.send(client, from, to, route_online, sync_device, now),
        Op::GroupSend {
            client,
            from,
            route_online,
        } => m.group_send(client, from, route_online),
        Op::Join(u) => {
            if !m.members.contains(&u) {
                m.members.push(u);
            }
            Ok(Seen::Done)
        }
        Op::Leave(u) => {
            m.members.retain(|x| *x != u);
            Ok(Seen::Done)
        }
        Op::Open(u) => {
            if m.users[u].disabled {
                return Err((400, "invalid_grant"));
            }
            m.users[u].online = true;
            Ok(Seen::Done)
        }
        Op::Close(u) => {
            m.users[u].online = false;
            Ok(Seen::Done)
        }
        Op::Block(a, b) => {
            m.users[a].blocks.insert(b);
            Ok(Seen::Done)
        }
        Op::Unblock(a, b) => {
            m.users[a].blocks.remove(&b);
            Ok(Seen::Done)
        }
        Op::Friend(a, b) => {
            let (a, b) = pair(a, b);
            m.users[a].friends.insert(b);
            m.users[b].friends.insert(a);
            Ok(Seen::Done)
        }
        Op::Unfriend(a, b) => {
            let (a, b) = pair(a, b);
            m.users[a].friends.remove(&b);
            m.users[b].friends.remove(&a);
            Ok(Seen::Done)
        }
        Op::Mute(u) => {
            m.users[u].muted_until = Some(now + MUTE_MS);
            Ok(Seen::Done)
        }
        Op::Unmute(u) => {
            m.users[u].muted_until = None;
            Ok(Seen::Done)
        }
        Op::Disable(u) => {
            let x = &mut m.users[u];
            x.disabled = true;
            x.online = false;
            Ok(Seen::Done)
        }
        Op::Enable(u) => {
            m.users[u].disabled = false;
            Ok(Seen::Done)
        }
        Op::Ack(u) => {
            let x = &mut m.users[u];
            let k = (x.queue.len() + x.group_queue.len()) as u64;
            x.queue.clear();
            x.group_queue.clear();
            Ok(Seen::Acked(k))
        }
        Op::Recall { i, force } => {
            let k = m.msgs.len();
            m.recall(i % k, force, now)
        }
        Op::React { user, i, r, add } => {
            let k = newest(m.msgs.len(), i);
            m.react(user, k, r, add)
        }
        Op::Advance(_) => Ok(Seen::Done),
    }
}

fn run(ops: &[Op], caps: Caps) -> std::result::Result<(), TestCaseError> {
    let app = Engine::new()
        .create_app(AppKey::new("org", "app").unwrap(), limits())
        .unwrap();
    for u in USERS {
        app.execute(
            &Actor::Admin,
            T0,
            RegisterUser(NewUser::new(u, "pw", &format!("uuid-{u}"))),
        )
        .unwrap();
    }
    let group = app
        .execute(
            &Actor::Admin,
            T0,
            CreateGroup {
                owner: Some(n(USERS[0])),
                public: Some(false),
                ..Default::default()
            },
        )
        .unwrap()
        .reply
        .group_id;
    app.execute(
        &Actor::Admin,
        T0,
        AddGroupMember {
            group: group.clone(),
            user: n(USERS[1]),
            need_notify: None,
        },
    )
    .unwrap();
    let mut model = Model::new(group, caps);
    let mut now = T0.0;
    for (k, op) in ops.iter().enumerate() {
        if let Op::Advance(ms) = op {
            now += ms;
        }
        if matches!(op, Op::Recall { .. } | Op::React { .. }) && model.msgs.is_empty() {
            continue;
        }
        let t = Timestamp(now);
        // Block lists and friendships have their own tests; here they only set the scene:
        // the model follows what the engine applied.
        let scene = matches!(
            op,
            Op::Block(..)
                | Op::Unblock(..)
                | Op::Friend(..)
                | Op::Unfriend(..)
                | Op::Join(..)
                | Op::Leave(..)
        );
        let got = if scene {
            let got = engine_step(&app, t, op, &model);
            if got.is_ok() {
                let _ = model_step(&mut model, now, op);
            }
            got
        } else {
            let want = model_step(&mut model, now, op);
            let got = engine_step(&app, t, op, &model);
            prop_assert_eq!(&got, &want, "step {} {:?}", k, op);
            got
        };
        match (op, &got) {
            (Op::Send { from, to, .. }, Ok(Seen::Sent(routes))) => {
                let id = LAST_ID.take().expect("an accepted send's id");
                model.sent(id, *from, Some(*to), routes, now);
            }
            (Op::GroupSend { from, .. }, Ok(Seen::Sent(routes))) => {
                let id = LAST_ID.take().expect("an accepted send's id");
                model.sent(id, *from, None, routes, now);
            }
            _ => {}
        }
        for (i, u) in USERS.iter().enumerate() {
            let c = app
                .query(&Actor::Admin, t, OfflineCount { user: n(u) })
                .unwrap();
            let x = &model.users[i];
            prop_assert_eq!(
                c,
                (x.queue.len() + x.group_queue.len()) as u64,
                "step {} {:?}: offline count of {}",
                k,
                op,
                u
            );
        }
        imcore::invariants::check(&app).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: crate::cases(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn delivery_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        run(&ops, Caps::default())?;
    }
}

/// The runner catches a model whose group queue cap or reaction cap is one off the engine's:
/// fixed steps reach each cap (the admin sends to the group as `a` while `b` is offline, one
/// more time than `b`'s group queue holds; `a` and `b` put one more distinct reaction on a
/// group message than it may carry), and the model passes with the right caps only.
#[test]
fn the_model_fails_when_an_edge_is_off_by_one() {
    let fill: Vec<Op> = (0..=GROUP_OFFLINE_MAX)
        .map(|_| Op::GroupSend {
            client: false,
            from: 0,
            route_online: false,
        })
        .collect();
    let mut react = vec![Op::GroupSend {
        client: true,
        from: 0,
        route_online: false,
    }];
    react.extend((0..=REACTIONS_MAX).map(|r| Op::React {
        user: r % 2,
        i: 0,
        r,
        add: true,
    }));
    let right = Caps::default();
    assert!(run(&fill, right).is_ok());
    assert!(run(&react, right).is_ok());
    for group_queue in [GROUP_OFFLINE_MAX - 1, GROUP_OFFLINE_MAX + 1] {
        let off = Caps {
            group_queue,
            ..right
        };
        assert!(run(&fill, off).is_err(), "group queue cap {group_queue}");
    }
    for reactions in [REACTIONS_MAX - 1, REACTIONS_MAX + 1] {
        let off = Caps { reactions, ..right };
        assert!(run(&react, off).is_err(), "reaction cap {reactions}");
    }
}
