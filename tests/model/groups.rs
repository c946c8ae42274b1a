//! Model of the groups and threads area. Generated commands (`crate::steps`: group
//! lifecycle, membership, blocks, admins, ownership, mutes, threads, and user registration
//! and deletion for the cascades) run on the engine and on [`Model::apply`]. The callers are
//! the app admin, except for creating and leaving a group, where users act too (for
//! themselves or, refused, for others). After every step:
//! - equal outcomes: success, or an error with the same status and code; on success, the
//!   same reply (thread kick item reasons blanked: their wording is the engine's) and the
//!   same events;
//! - equal observations: each group's members (join order), admins, block list, live mutes
//!   and owner, each thread's members, each user's joined-group count, the app's group count;
//! - `imcore::invariants::check` passes (owner ∈ members, admins ⊆ members, blocked ∩
//!   members = ∅, members ≤ max_users, joined-groups index = rosters, thread members ⊆ group
//!   members).

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::Unstructured;
use imcore::groups::*;
use imcore::*;
use proptest::prelude::*;

use crate::fixture::groups::*;
use crate::{Gen, Step, code, g, nm};

/// The users registered up front: the whole name pool (ids 1–8 come from the app's counter).
const USERS: [&str; 8] = imcore::ids::USER_POOL;
/// `max_users` of a group created without one.
const MAX_USERS: usize = 4;
/// Groups one user may be in.
const PER_USER: usize = 3;
/// Admins per group.
const ADMINS: usize = 1;
/// Threads one user may be in.
const THREADS_PER_USER: usize = 2;

fn limits() -> Limits {
    let mut l = Limits::default();
    l.groups.max_users_default = MAX_USERS as u32;
    l.groups.groups_per_user_max = PER_USER as u32;
    l.groups.admins_max = ADMINS;
    l.groups.threads_per_user_max = THREADS_PER_USER;
    l
}

const TABLE: &[(u32, Gen)] = &[
    (8, g::<CreateGroup>),
    (5, g::<AddGroupMember>),
    (2, g::<RemoveGroupMember>),
    (2, g::<BlockGroupMember>),
    (1, g::<UnblockGroupMember>),
    (2, g::<LeaveGroup>),
    (2, g::<AddGroupAdmin>),
    (1, g::<RemoveGroupAdmin>),
    (2, g::<TransferGroupOwner>),
    (1, g::<DestroyGroup>),
    (1, g::<DeleteUser>),
    (1, g::<RegisterUser>),
    (5, g::<CreateThread>),
    (3, g::<JoinThreadMembers>),
    (1, g::<KickThreadMembers>),
    (3, g::<MuteGroupMembers>),
];

/// The admin, or (for create and leave) sometimes a user.
fn who(u: &mut Unstructured<'_>) -> arbitrary::Result<Actor> {
    crate::actor(u, 3, 1, 0)
}

fn gen_steps(bytes: &[u8]) -> Vec<Step> {
    let mut v = crate::steps(bytes, TABLE, 1, &[1, 700, 3001, 60_001], who);
    // Only creating and leaving are modelled for user callers.
    for s in &mut v {
        if let Step::Cmd(a, c, _) = s
            && !matches!(c, Command::CreateGroup(_) | Command::LeaveGroup(_))
        {
            *a = Actor::Admin;
        }
    }
    v
}

type Fail = (u16, &'static str);
type R = std::result::Result<(), Fail>;
/// A command's outcome in the model: on success, the reply (where the model tells it) and
/// the events.
type Applied = std::result::Result<(Option<Reply>, Vec<Event>), Fail>;

fn ge(e: GroupError) -> Fail {
    code(e)
}

fn not_found() -> Fail {
    ge(GroupError::GroupNotFound(String::new()))
}

fn not_members() -> Fail {
    ge(GroupError::NotMembers(vec![]))
}

#[derive(Clone, Debug)]
struct MGroup {
    id: GroupId,
    owner: String,
    max: usize,
    /// In join order (the owner first).
    members: Vec<String>,
    admins: Vec<String>,
    blocks: Vec<String>,
    /// Mute entries in insertion order; kept when the user leaves, dropped on transfer.
    mutes: Vec<(String, Expiry)>,
}

#[derive(Clone, Debug)]
struct MThread {
    id: ThreadId,
    group: GroupId,
    msg: String,
    members: Vec<String>,
}

#[derive(Default)]
struct Model {
    users: BTreeSet<String>,
    /// The app's id counter: the last id drawn.
    seq: u64,
    groups: Vec<MGroup>,
    /// Every group id ever used (never reused).
    taken: BTreeSet<GroupId>,
    threads: Vec<MThread>,
    /// Group messages the harness sent (message id → group): what a thread may be created
    /// under. Destroying a group forgets its messages.
    messages: BTreeMap<String, GroupId>,
    /// Each user's groups, in join order.
    user_groups: BTreeMap<String, Vec<GroupId>>,
    /// Each user's threads, in join order.
    user_threads: BTreeMap<String, Vec<ThreadId>>,
    /// Each user's uuid.
    uuids: BTreeMap<String, String>,
    /// Each user's registration time and nickname (for their views).
    views: BTreeMap<String, (Timestamp, Option<String>)>,
    /// The events of the command being applied.
    out: Vec<Event>,
    /// The reply of the command being applied, where its rule sets it (else
    /// `expected_reply` tells it).
    reply: Option<Reply>,
}

/// Blanks the reasons of failed batch items (their wording is the engine's; the model
/// predicts which items fail).
fn normalize(r: Reply) -> Reply {
    match r {
        Reply::KickThreadMembers(v) => Reply::KickThreadMembers(
            v.into_iter()
                .map(|i| BatchItem {
                    reason: i.reason.map(|_| String::new()),
                    ..i
                })
                .collect(),
        ),
        r => r,
    }
}

fn user_view(name: &str, uuid: &str, created: Timestamp, nickname: Option<String>) -> UserView {
    UserView {
        uuid: uuid.into(),
        username: nm(name),
        created,
        modified: created,
        activated: true,
        nickname,
        push: PushFields::default(),
    }
}

fn ev(e: GroupEvent) -> Event {
    Event::Group(e)
}

fn chars(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, |s| s.chars().count())
}

fn valid_custom_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn distinct(v: &[UserName]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in v {
        if !out.iter().any(|x| x == n.as_str()) {
            out.push(n.to_string());
        }
    }
    out
}

impl Model {
    fn mint(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn joined(&self, u: &str) -> usize {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == u))
            .count()
    }

    fn thread_count(&self, u: &str) -> usize {
        self.threads
            .iter()
            .filter(|t| t.members.iter().any(|m| m == u))
            .count()
    }

    fn gi(&self, id: &GroupId) -> Option<usize> {
        self.groups.iter().position(|g| g.id == *id)
    }

    /// A user joins a group: `MemberJoined`.
    fn join_group(&mut self, gi: usize, u: &str, need_notify: bool) {
        let g = &mut self.groups[gi];
        g.members.push(u.into());
        let id = g.id.clone();
        self.user_groups
            .entry(u.into())
            .or_default()
            .push(id.clone());
        self.out.push(ev(GroupEvent::MemberJoined {
            group: id,
            user: nm(u),
            need_notify,
        }));
    }

    /// A user joins a thread (no-op for a member): `ThreadMemberJoined`.
    fn join_thread(&mut self, ti: usize, u: &str) {
        let t = &mut self.threads[ti];
        if t.members.iter().any(|m| m == u) {
            return;
        }
        t.members.push(u.into());
        let id = t.id.clone();
        self.user_threads
            .entry(u.into())
            .or_default()
            .push(id.clone());
        self.out.push(ev(GroupEvent::ThreadMemberJoined {
            thread: id,
            user: nm(u),
        }));
    }

    /// A user leaves a thread: `ThreadMemberRemoved`; false for a non-member.
    fn leave_thread(&mut self, ti: usize, u: &str) -> bool {
        let t = &mut self.threads[ti];
        if !t.members.iter().any(|m| m == u) {
            return false;
        }
        t.members.retain(|m| m != u);
        let id = t.id.clone();
        if let Some(v) = self.user_threads.get_mut(u) {
            v.retain(|x| *x != id);
        }
        self.out.push(ev(GroupEvent::ThreadMemberRemoved {
            thread: id,
            user: nm(u),
        }));
        true
    }

    /// C-LEAVE: the member goes with their admin role and thread memberships (in the order
    /// they joined the threads): `ThreadMemberRemoved`…, `MemberLeft`.
    fn leave(&mut self, gi: usize, u: &str, reason: LeaveReason) {
        let id = self.groups[gi].id.clone();
        let mine: Vec<ThreadId> = self.user_threads.get(u).cloned().unwrap_or_default();
        for tid in mine {
            if let Some(ti) = self
                .threads
                .iter()
                .position(|t| t.id == tid && t.group == id)
            {
                self.leave_thread(ti, u);
            }
        }
        let g = &mut self.groups[gi];
        g.members.retain(|m| m != u);
        g.admins.retain(|m| m != u);
        if let Some(v) = self.user_groups.get_mut(u) {
            v.retain(|x| *x != id);
        }
        self.out.push(ev(GroupEvent::MemberLeft {
            group: id,
            user: nm(u),
            reason,
        }));
    }

    /// C-GROUP: `ThreadDestroyed` per thread, `MemberLeft{Delete}` per member,
    /// `GroupDestroyed`.
    fn destroy(&mut self, gi: usize) {
        let g = self.groups.remove(gi);
        for t in self.threads.iter().filter(|t| t.group == g.id) {
            self.out.push(ev(GroupEvent::ThreadDestroyed {
                group: g.id.clone(),
                thread: t.id.clone(),
            }));
            for u in &t.members {
                if let Some(v) = self.user_threads.get_mut(u) {
                    v.retain(|x| *x != t.id);
                }
            }
        }
        self.threads.retain(|t| t.group != g.id);
        for m in &g.members {
            if let Some(v) = self.user_groups.get_mut(m) {
                v.retain(|x| *x != g.id);
            }
            self.out.push(ev(GroupEvent::MemberLeft {
                group: g.id.clone(),
                user: nm(m),
                reason: LeaveReason::Delete,
            }));
        }
        self.out
            .push(ev(GroupEvent::GroupDestroyed { group: g.id }));
    }

    /// Applies a groups-area command (or a registration or deletion, for the cascades);
    /// `None` for other areas' commands. On success, the reply where the model tells it.
    fn apply(&mut self, a: &Actor, now: Timestamp, cmd: &Command) -> Option<Applied> {
        self.out.clear();
        self.reply = None;
        let r = self.apply_state(a, now, cmd)?;
        let set = self.reply.take();
        Some(r.map(|()| {
            (
                set.or_else(|| expected_reply(self, now, cmd)),
                std::mem::take(&mut self.out),
            )
        }))
    }

    /// The state change and outcome of a command.
    fn apply_state(&mut self, a: &Actor, now: Timestamp, cmd: &Command) -> Option<R> {
        Some(match cmd {
            Command::RegisterUser(c) => {
                let nu = &c.0;
                let name = match UserName::parse(&nu.username) {
                    Ok(n) => n,
                    Err(_) => return Some(Err((400, "illegal_argument"))),
                };
                if nu.password.is_empty()
                    || nu.password.chars().count() > 64
                    || nu
                        .nickname
                        .as_ref()
                        .is_some_and(|n| n.chars().count() > 100)
                {
                    Err((400, "illegal_argument"))
                } else if self.users.contains(name.as_str()) {
                    Err((400, "duplicate_unique_property_exists"))
                } else {
                    self.mint();
                    self.users.insert(name.to_string());
                    self.uuids.insert(name.to_string(), nu.uuid.clone());
                    self.views
                        .insert(name.to_string(), (now, nu.nickname.clone()));
                    self.reply = Some(Reply::RegisterUser(user_view(
                        name.as_str(),
                        &nu.uuid,
                        now,
                        nu.nickname.clone(),
                    )));
                    self.out.push(Event::UserRegistered { user: name });
                    Ok(())
                }
            }
            Command::DeleteUser(c) => {
                let x = c.username.as_str();
                if !self.users.remove(x) {
                    return Some(Err((404, "service_resource_not_found")));
                }
                // The user's groups in join order: owned ones are destroyed, the others left.
                for id in self.user_groups.get(x).cloned().unwrap_or_default() {
                    let Some(gi) = self.gi(&id) else { continue };
                    if self.groups[gi].owner == x {
                        self.destroy(gi);
                    } else {
                        self.leave(gi, x, LeaveReason::Delete);
                    }
                }
                for g in &mut self.groups {
                    g.blocks.retain(|b| b != x);
                    g.mutes.retain(|b| b.0 != x);
                }
                self.user_groups.remove(x);
                self.user_threads.remove(x);
                let uuid = self.uuids.remove(x).unwrap_or_default();
                let (created, nickname) = self.views.remove(x).unwrap_or_default();
                self.reply = Some(Reply::DeleteUser(user_view(x, &uuid, created, nickname)));
                self.out.push(Event::UserDeleted {
                    user: c.username.clone(),
                    uuid,
                });
                Ok(())
            }
            Command::CreateGroup(c) => self.create(a, c),
            Command::AddGroupMember(c) => (|| {
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                let x = c.user.as_str();
                if !self.users.contains(x) {
                    return Err(ge(GroupError::UserNotFound(String::new())));
                }
                let mg = &self.groups[gi];
                if mg.members.iter().any(|m| m == x) {
                    return Err(ge(GroupError::AlreadyMember {
                        user: String::new(),
                        group: String::new(),
                    }));
                }
                if mg.members.len() >= mg.max {
                    return Err(ge(GroupError::GroupFull));
                }
                if self.joined(x) >= PER_USER {
                    return Err(ge(GroupError::UserGroupLimit(String::new())));
                }
                let mg = &mut self.groups[gi];
                if mg.blocks.iter().any(|b| b == x) {
                    mg.blocks.retain(|b| b != x);
                    self.out.push(ev(GroupEvent::BlockRemoved {
                        group: c.group.clone(),
                        user: c.user.clone(),
                    }));
                }
                self.join_group(gi, x, c.need_notify.unwrap_or(true));
                Ok(())
            })(),
            Command::RemoveGroupMember(RemoveGroupMember { group, user })
            | Command::BlockGroupMember(BlockGroupMember { group, user })
            | Command::LeaveGroup(LeaveGroup { group, user }) => (|| {
                let gi = self.gi(group).ok_or_else(not_found)?;
                let x = user.as_str();
                if matches!(cmd, Command::LeaveGroup(_)) {
                    match a {
                        Actor::Admin => {}
                        Actor::User(u) if u == user => {}
                        _ => return Err(ge(GroupError::PermissionDenied)),
                    }
                }
                let mg = &self.groups[gi];
                if mg.owner == x {
                    return Err(ge(GroupError::OwnerForbidden));
                }
                if !mg.members.iter().any(|m| m == x) {
                    return Err(not_members());
                }
                let reason = match cmd {
                    Command::RemoveGroupMember(_) => LeaveReason::Kick,
                    Command::BlockGroupMember(_) => LeaveReason::Block,
                    _ => LeaveReason::Quit,
                };
                self.leave(gi, x, reason);
                if matches!(cmd, Command::BlockGroupMember(_)) {
                    self.groups[gi].blocks.push(x.into());
                    self.out.push(ev(GroupEvent::BlockAdded {
                        group: group.clone(),
                        user: user.clone(),
                    }));
                }
                Ok(())
            })(),
            Command::UnblockGroupMember(c) => (|| {
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                let mg = &mut self.groups[gi];
                if !mg.blocks.iter().any(|b| b == c.user.as_str()) {
                    return Err(not_members());
                }
                mg.blocks.retain(|b| b != c.user.as_str());
                self.out.push(ev(GroupEvent::BlockRemoved {
                    group: c.group.clone(),
                    user: c.user.clone(),
                }));
                Ok(())
            })(),
            Command::AddGroupAdmin(c) => (|| {
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                let x = c.user.as_str();
                let mg = &mut self.groups[gi];
                if !mg.members.iter().any(|m| m == x) {
                    return Err(ge(GroupError::AdminTargetNotMember {
                        user: String::new(),
                        group: String::new(),
                    }));
                }
                if mg.owner == x {
                    return Err(ge(GroupError::OwnerForbidden));
                }
                if mg.admins.iter().any(|m| m == x) {
                    return Ok(());
                }
                if mg.admins.len() >= ADMINS {
                    return Err(ge(GroupError::AdminLimit(ADMINS)));
                }
                mg.admins.push(x.into());
                self.out.push(ev(GroupEvent::AdminAdded {
                    group: c.group.clone(),
                    user: c.user.clone(),
                }));
                Ok(())
            })(),
            Command::RemoveGroupAdmin(c) => (|| {
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                let mg = &mut self.groups[gi];
                if !mg.admins.iter().any(|m| m == c.user.as_str()) {
                    return Err(ge(GroupError::NotAdmin {
                        user: String::new(),
                        group: String::new(),
                    }));
                }
                mg.admins.retain(|m| m != c.user.as_str());
                self.out.push(ev(GroupEvent::AdminRemoved {
                    group: c.group.clone(),
                    user: c.user.clone(),
                }));
                Ok(())
            })(),
            Command::TransferGroupOwner(c) => (|| {
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                let x = c.new_owner.as_str();
                let mg = &mut self.groups[gi];
                if !mg.members.iter().any(|m| m == x) {
                    return Err(ge(GroupError::NewOwnerNotMember {
                        user: String::new(),
                        group: String::new(),
                    }));
                }
                if mg.owner == x {
                    return Err(ge(GroupError::SameOwner));
                }
                if mg.admins.iter().any(|m| m == x) {
                    mg.admins.retain(|m| m != x);
                    self.out.push(ev(GroupEvent::AdminRemoved {
                        group: c.group.clone(),
                        user: c.new_owner.clone(),
                    }));
                }
                if mg.mutes.iter().any(|m| m.0 == x) {
                    mg.mutes.retain(|m| m.0 != x);
                    self.out.push(ev(GroupEvent::MuteRemoved {
                        group: c.group.clone(),
                        user: c.new_owner.clone(),
                    }));
                }
                self.out.push(ev(GroupEvent::OwnerChanged {
                    group: c.group.clone(),
                    old: nm(&mg.owner),
                    new: c.new_owner.clone(),
                }));
                mg.owner = x.into();
                Ok(())
            })(),
            Command::DestroyGroup(c) => (|| {
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                self.destroy(gi);
                Ok(())
            })(),
            Command::MuteGroupMembers(c) => (|| {
                if c.users.is_empty() {
                    return Err(ge(GroupError::InvalidParameter(String::new())));
                }
                if c.duration_ms < -1 || c.duration_ms > imcore::limits::MUTE_MILLIS_MAX as i64 {
                    return Err(ge(GroupError::InvalidParameter(String::new())));
                }
                let names = distinct(&c.users);
                let gi = self.gi(&c.group).ok_or_else(not_found)?;
                let mg = &mut self.groups[gi];
                if names.contains(&mg.owner) {
                    return Err(ge(GroupError::OwnerForbidden));
                }
                if names.iter().any(|n| !mg.members.contains(n)) {
                    return Err(not_members());
                }
                let expiry = match c.duration_ms {
                    -1 => Some(Expiry::Never),
                    0 => None,
                    d => match now.after(Millis(d as u64)) {
                        Timestamp(i64::MAX) => Some(Expiry::Never),
                        at => Some(Expiry::At(at)),
                    },
                };
                for n in names {
                    match expiry {
                        Some(e) => {
                            match mg.mutes.iter_mut().find(|m| m.0 == n) {
                                Some(m) => m.1 = e,
                                None => mg.mutes.push((n.clone(), e)),
                            }
                            self.out.push(ev(GroupEvent::MuteAdded {
                                group: c.group.clone(),
                                user: nm(&n),
                                expiry: e,
                            }));
                        }
                        None => {
                            if mg.mutes.iter().any(|m| m.0 == n) {
                                mg.mutes.retain(|m| m.0 != n);
                                self.out.push(ev(GroupEvent::MuteRemoved {
                                    group: c.group.clone(),
                                    user: nm(&n),
                                }));
                            }
                        }
                    }
                }
                Ok(())
            })(),
            Command::CreateThread(c) => (|| {
                let (Some(group), Some(name), Some(msg), Some(owner)) =
                    (&c.group, &c.name, &c.msg_id, &c.owner)
                else {
                    return Err(ge(GroupError::ThreadBadBody));
                };
                if msg.len() > 64 {
                    return Err(ge(GroupError::ThreadBadBody));
                }
                let n = name.chars().count();
                if n == 0 || n > 64 {
                    return Err(ge(GroupError::ThreadName));
                }
                let gi = self.gi(group).ok_or(ge(GroupError::ThreadGroupNotFound))?;
                let o = owner.as_str();
                if !self.groups[gi].members.iter().any(|m| m == o) {
                    return Err(ge(GroupError::ThreadUserNotInGroup));
                }
                match self.messages.get(msg.as_str()) {
                    None => return Err(ge(GroupError::ThreadMsgNotExist)),
                    Some(g) if g != group => return Err(ge(GroupError::ThreadMsgOtherGroup)),
                    Some(_) => {}
                }
                if self.threads.iter().any(|t| t.msg == *msg) {
                    return Err(ge(GroupError::ThreadMsgHasThread));
                }
                if self.thread_count(o) >= THREADS_PER_USER {
                    return Err(ge(GroupError::ThreadUserLimit));
                }
                let tid = ThreadId::from(self.mint().to_string());
                self.mint();
                self.threads.push(MThread {
                    id: tid.clone(),
                    group: group.clone(),
                    msg: msg.clone(),
                    members: vec![],
                });
                self.out.push(ev(GroupEvent::ThreadCreated {
                    group: group.clone(),
                    thread: tid,
                    owner: owner.clone(),
                }));
                self.join_thread(self.threads.len() - 1, o);
                Ok(())
            })(),
            Command::JoinThreadMembers(c) => (|| {
                if c.users.is_empty() || c.users.len() > 10 {
                    return Err(ge(GroupError::ThreadBodyLimit));
                }
                let ti = self
                    .threads
                    .iter()
                    .position(|t| t.id == c.thread)
                    .ok_or(ge(GroupError::ThreadNotFound))?;
                let gi = self.gi(&self.threads[ti].group).expect("live group");
                let g = &self.groups[gi];
                if c.users
                    .iter()
                    .any(|u| !g.members.iter().any(|m| m == u.as_str()))
                {
                    return Err(ge(GroupError::ThreadUserNotInGroup));
                }
                let names = distinct(&c.users);
                let t = &self.threads[ti];
                if names
                    .iter()
                    .any(|n| !t.members.contains(n) && self.thread_count(n) >= THREADS_PER_USER)
                {
                    return Err(ge(GroupError::ThreadUserLimit));
                }
                for n in names {
                    self.join_thread(ti, &n);
                }
                Ok(())
            })(),
            Command::KickThreadMembers(c) => (|| {
                if c.users.is_empty() || c.users.len() > 10 {
                    return Err(ge(GroupError::ThreadBodyLimit));
                }
                let ti = self
                    .threads
                    .iter()
                    .position(|t| t.id == c.thread)
                    .ok_or(ge(GroupError::ThreadNotFound))?;
                let items = distinct(&c.users)
                    .into_iter()
                    .map(|n| {
                        let ok = self.leave_thread(ti, &n);
                        BatchItem {
                            user: nm(&n),
                            result: ok,
                            reason: (!ok).then(String::new),
                        }
                    })
                    .collect();
                self.reply = Some(Reply::KickThreadMembers(items));
                Ok(())
            })(),
            _ => return None,
        })
    }

    fn create(&mut self, a: &Actor, c: &CreateGroup) -> R {
        let l = limits().groups;
        let owner = match (&c.owner, a) {
            (Some(o), _) => o.to_string(),
            (None, Actor::User(u)) => u.to_string(),
            (None, _) => return Err(ge(GroupError::MissingField("owner"))),
        };
        if c.public.is_none() {
            return Err(ge(GroupError::PublicMissing));
        }
        if chars(&c.name) > l.name_chars_max {
            return Err(ge(GroupError::FieldTooLong("groupname")));
        }
        if chars(&c.description) > l.description_chars_max {
            return Err(ge(GroupError::FieldTooLong("description")));
        }
        if chars(&c.avatar) > l.avatar_chars_max {
            return Err(ge(GroupError::AvatarTooLong));
        }
        if c.custom.as_ref().map_or(0, |s| s.len()) > l.custom_bytes_max {
            return Err(ge(GroupError::FieldTooLong("custom")));
        }
        let max = match c.max_users {
            Some(0) => return Err(ge(GroupError::InvalidParameter(String::new()))),
            Some(n) if n > l.max_users_cap => {
                return Err(ge(GroupError::MaxUsersOverCap { n, cap: 0 }));
            }
            Some(n) => n as usize,
            None => MAX_USERS,
        };
        if let Some(id) = &c.group_id {
            if !valid_custom_id(id.as_str()) {
                return Err(ge(GroupError::InvalidParameter(String::new())));
            }
            if self.taken.contains(id) {
                return Err(ge(GroupError::GroupIdExists(String::new())));
            }
        }
        match a {
            Actor::Admin => {}
            Actor::User(u) if u.as_str() == owner => {}
            _ => return Err(ge(GroupError::PermissionDenied)),
        }
        let mut names = vec![owner.clone()];
        for m in distinct(&c.members) {
            if m != owner {
                if names.len() > max - 1 {
                    return Err(ge(GroupError::GroupFull));
                }
                names.push(m);
            }
        }
        if let Some(n) = names.iter().find(|n| !self.users.contains(*n)) {
            return Err(ge(GroupError::UserNotFound(n.clone())));
        }
        if names.iter().any(|n| self.joined(n) >= PER_USER) {
            return Err(ge(GroupError::UserGroupLimit(String::new())));
        }
        let mut seq = self.mint();
        let id = match &c.group_id {
            Some(id) => id.clone(),
            // The counter skips an id a custom (all-digit) group has taken.
            None => loop {
                let id = GroupId::from(seq.to_string());
                if !self.taken.contains(&id) {
                    break id;
                }
                seq = self.mint();
            },
        };
        self.taken.insert(id.clone());
        self.groups.push(MGroup {
            id: id.clone(),
            owner: owner.clone(),
            max,
            members: vec![],
            admins: vec![],
            blocks: vec![],
            mutes: vec![],
        });
        self.out.push(ev(GroupEvent::GroupCreated {
            group: id,
            owner: nm(&owner),
        }));
        let gi = self.groups.len() - 1;
        for n in names {
            self.join_group(gi, &n, true);
        }
        Ok(())
    }
}

/// Before a `CreateThread` aimed at a live group, sends a real message to that group (the app
/// admin, server origin: no membership needed) and, three times in four, points the thread at
/// it: threads are created under group messages (spec 02 H4). The send is setup, not a step
/// of the model; it draws one id from the app's counter, which the model follows.
fn parent_message(f: &Fx, m: &mut Model, cmd: &mut Command, hint: u8) {
    let Command::CreateThread(c) = cmd else {
        return;
    };
    let Some(group) = c.group.clone().filter(|g| m.gi(g).is_some()) else {
        return;
    };
    let send = imcore::messages::SendMessage::text(
        imcore::messages::ChatType::GroupChat,
        None,
        &[group.as_str()],
        "parent",
    );
    let Ok(out) = f.app.execute(&Actor::Admin, f.now, send) else {
        return;
    };
    for (_, id) in out.reply.accepted() {
        m.seq += 1;
        m.messages.insert(id.to_string(), group.clone());
        if !hint.is_multiple_of(4) {
            c.msg_id = Some(id.to_string());
        }
    }
}

/// Points a command at a live group or thread (the `i`-th, cyclically), if there is one.
fn retarget(m: &Model, cmd: &mut Command, i: usize) {
    let group = match cmd {
        Command::AddGroupMember(c) => Some(&mut c.group),
        Command::RemoveGroupMember(c) => Some(&mut c.group),
        Command::BlockGroupMember(c) => Some(&mut c.group),
        Command::UnblockGroupMember(c) => Some(&mut c.group),
        Command::LeaveGroup(c) => Some(&mut c.group),
        Command::AddGroupAdmin(c) => Some(&mut c.group),
        Command::RemoveGroupAdmin(c) => Some(&mut c.group),
        Command::TransferGroupOwner(c) => Some(&mut c.group),
        Command::DestroyGroup(c) => Some(&mut c.group),
        Command::MuteGroupMembers(c) => Some(&mut c.group),
        Command::CreateThread(c) => c.group.as_mut(),
        _ => None,
    };
    if let Some(g) = group
        && !m.groups.is_empty()
    {
        *g = m.groups[i % m.groups.len()].id.clone();
    }
    let thread = match cmd {
        Command::JoinThreadMembers(c) => Some(&mut c.thread),
        Command::KickThreadMembers(c) => Some(&mut c.thread),
        _ => None,
    };
    if let Some(t) = thread
        && !m.threads.is_empty()
    {
        *t = m.threads[i % m.threads.len()].id.clone();
    }
}

/// The reply a successful command gives, for the commands whose rule does not set it (it
/// follows from the command and the state after it).
fn expected_reply(m: &Model, now: Timestamp, cmd: &Command) -> Option<Reply> {
    Some(match cmd {
        Command::CreateGroup(c) => Reply::CreateGroup(GroupCreated {
            group_id: c
                .group_id
                .clone()
                .unwrap_or_else(|| GroupId::from(m.seq.to_string())),
        }),
        Command::AddGroupMember(c) => Reply::AddGroupMember(GroupMemberAdded {
            result: true,
            group_id: c.group.clone(),
            user: c.user.clone(),
        }),
        Command::RemoveGroupMember(c) => Reply::RemoveGroupMember(GroupMemberRemoved {
            result: true,
            group_id: c.group.clone(),
            user: c.user.clone(),
        }),
        Command::LeaveGroup(_) => Reply::LeaveGroup(true),
        Command::BlockGroupMember(_) => Reply::BlockGroupMember(true),
        Command::UnblockGroupMember(_) => Reply::UnblockGroupMember(true),
        Command::TransferGroupOwner(_) => Reply::TransferGroupOwner(true),
        Command::JoinThreadMembers(_) => Reply::JoinThreadMembers(true),
        Command::AddGroupAdmin(c) => Reply::AddGroupAdmin(c.user.clone()),
        Command::RemoveGroupAdmin(c) => Reply::RemoveGroupAdmin(c.user.clone()),
        Command::DestroyGroup(c) => Reply::DestroyGroup(GroupDestroyed {
            success: true,
            group_id: c.group.clone(),
        }),
        Command::MuteGroupMembers(c) => {
            let expiry = match c.duration_ms {
                -1 => Some(Expiry::Never),
                0 => None,
                d => match now.after(Millis(d as u64)) {
                    Timestamp(i64::MAX) => Some(Expiry::Never),
                    at => Some(Expiry::At(at)),
                },
            };
            Reply::MuteGroupMembers(
                distinct(&c.users)
                    .into_iter()
                    .map(|n| GroupMuteResult {
                        result: true,
                        user: nm(&n),
                        expiry,
                    })
                    .collect(),
            )
        }
        Command::CreateThread(_) => Reply::CreateThread(ThreadCreated {
            thread_id: ThreadId::from((m.seq - 1).to_string()),
        }),
        _ => return None,
    })
}

fn compare(f: &Fx, m: &Model) -> std::result::Result<(), TestCaseError> {
    let names = |v: &[String]| v.iter().map(|x| nm(x)).collect::<Vec<_>>();
    for g in &m.groups {
        let members: Vec<UserName> = f
            .q(ListGroupMembers {
                group: g.id.clone(),
                ..Default::default()
            })
            .items
            .into_iter()
            .map(|i| i.user)
            .collect();
        prop_assert_eq!(members, names(&g.members), "members of {}", g.id);
        prop_assert_eq!(
            f.q(ListGroupAdmins {
                group: g.id.clone()
            }),
            names(&g.admins),
            "admins of {}",
            g.id
        );
        prop_assert_eq!(
            f.q(ListGroupBlocks {
                group: g.id.clone()
            }),
            names(&g.blocks),
            "blocks of {}",
            g.id
        );
        let mutes: Vec<(UserName, Expiry)> = f
            .q(ListGroupMutes {
                group: g.id.clone(),
            })
            .into_iter()
            .map(|e| (e.user, e.expiry))
            .collect();
        let want: Vec<(UserName, Expiry)> = g
            .mutes
            .iter()
            .filter(|(_, e)| e.is_live(f.now))
            .map(|(n, e)| (nm(n), *e))
            .collect();
        prop_assert_eq!(mutes, want, "mutes of {}", g.id);
        match &f.q(GetGroups {
            ids: vec![g.id.clone()],
        })[0]
        {
            GroupLookup::Found(d) => prop_assert_eq!(&d.owner, &nm(&g.owner)),
            x => prop_assert!(false, "{:?}", x),
        }
    }
    for t in &m.threads {
        let got = f
            .q(ListThreadMembers {
                thread: t.id.clone(),
                ..Default::default()
            })
            .items;
        prop_assert_eq!(got, names(&t.members), "thread {}", t.id);
    }
    for n in &m.users {
        prop_assert_eq!(f.joined(n), m.joined(n), "joined count of {}", n);
    }
    prop_assert_eq!(
        f.q(ListAppGroups {
            limit: Some(100),
            cursor: None
        })
        .items
        .len(),
        m.groups.len()
    );
    if let Err(e) = imcore::invariants::check(&f.app) {
        prop_assert!(false, "invariant: {}", e);
    }
    Ok(())
}

fn run(steps: &[Step]) -> std::result::Result<(), TestCaseError> {
    let mut f = Fx::with(limits());
    f.users(&USERS);
    let mut m = Model {
        users: USERS.iter().map(|s| s.to_string()).collect(),
        seq: USERS.len() as u64,
        uuids: USERS
            .iter()
            .map(|n| (n.to_string(), format!("uuid-{n}")))
            .collect(),
        views: USERS.iter().map(|n| (n.to_string(), (T0, None))).collect(),
        ..Model::default()
    };
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Advance(ms) => f.now = Timestamp(f.now.0 + ms),
            Step::Cmd(actor, cmd, hint) => {
                let mut cmd = cmd.clone();
                if *hint < 192 {
                    retarget(&m, &mut cmd, *hint as usize);
                }
                if *hint < 192 {
                    parent_message(&f, &mut m, &mut cmd, *hint);
                }
                let cmd = &cmd;
                let out = f.app.execute_any(actor, f.now, cmd.clone());
                let reply = out
                    .as_ref()
                    .ok()
                    .map(|o| (o.reply.clone(), o.events.clone()));
                let got = out.map(drop).map_err(|e| (e.status(), e.code()));
                let want = m.apply(actor, f.now, cmd).expect("a groups command");
                let (want, want_reply) = match want {
                    Ok(r) => (Ok(()), Some(r)),
                    Err(e) => (Err(e), None),
                };
                crate::stat("groups", cmd, &want);
                prop_assert_eq!(got, want, "step {}: {:?} {:?}", i, actor, cmd);
                if let (Some((reply, events)), Some((w, want_events))) = (reply, want_reply) {
                    prop_assert_eq!(events, want_events, "step {}: events of {:?}", i, cmd);
                    let w = w.expect("the model tells the reply of every command it applies");
                    prop_assert_eq!(normalize(reply), w, "step {}: reply to {:?}", i, cmd);
                }
            }
        }
        compare(&f, &m).map_err(|e| TestCaseError::fail(format!("step {i}: {step:?}: {e}")))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases(256), ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_model(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        run(&gen_steps(&bytes))?;
    }
}
