//! Model of the chatrooms area. Generated commands (`crate::steps`: room lifecycle,
//! membership, blocks, mutes, allow list, admins, ownership, mute-all, attributes, and user
//! registration and deletion for the cascades) run on the engine and on [`Model::apply`]
//! (vectors in join / list order), with small caps (room size, rooms per user, admins,
//! attribute keys per room, attribute bytes per app). The callers are the app admin, except
//! for joining and leaving, where users act too (for themselves or, refused, for others).
//! After every step:
//! - equal outcomes: success, or an error with the same status and code; on success, the
//!   same reply (batch item and refused-key reasons blanked: their wording is the engine's)
//!   and the same events;
//! - equal observations: each room's members (owner first), admins, block, allow and live
//!   mute lists, attributes with their owners, owner and mute-all flag, and each user's
//!   joined rooms;
//! - `imcore::invariants::check` passes.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use arbitrary::Unstructured;
use imcore::rooms::*;
use imcore::*;
use proptest::prelude::*;

use crate::fixture::rooms::*;
use crate::{Gen, Step, code, g, nm};

const USERS: [&str; 8] = imcore::ids::USER_POOL;
const MAX_DEFAULT: u32 = 4;
const MAX_CAP: u32 = 8;
const PER_USER: usize = 3;
const ADMINS: u32 = 2;
const KEYS_PER_ROOM: usize = 3;
const ATTR_APP: u64 = 700;

fn limits() -> Limits {
    room_limits(|l| {
        l.maxusers_default = MAX_DEFAULT;
        l.maxusers_cap = MAX_CAP;
        l.rooms_per_user_max = Some(PER_USER as u32);
        l.admins_max = ADMINS;
        l.attr_keys_per_room_max = KEYS_PER_ROOM;
        l.attr_bytes_per_app = ATTR_APP;
    })
}

const TABLE: &[(u32, Gen)] = &[
    (4, g::<CreateRoom>),
    (1, g::<DeleteRoom>),
    (3, g::<JoinRoom>),
    (2, g::<LeaveRoom>),
    (2, g::<AddRoomMember>),
    (1, g::<RemoveRoomMember>),
    (1, g::<BlockRoomUser>),
    (1, g::<UnblockRoomUser>),
    (1, g::<MuteRoomMembers>),
    (1, g::<UnmuteRoomMembers>),
    (1, g::<AllowRoomUsers>),
    (1, g::<AddRoomAdmin>),
    (1, g::<RemoveRoomAdmin>),
    (1, g::<TransferRoom>),
    (1, g::<SetRoomMuteAll>),
    (3, g::<SetRoomAttributes>),
    (2, g::<DeleteRoomAttributes>),
    (1, g::<DeleteUser>),
    (1, g::<RegisterUser>),
];

fn who(u: &mut Unstructured<'_>) -> arbitrary::Result<Actor> {
    crate::actor(u, 2, 1, 0)
}

fn gen_steps(bytes: &[u8]) -> Vec<Step> {
    let mut v = crate::steps(bytes, TABLE, 1, &[1, 700, 1999, 3001], who);
    // Only joining and leaving are modelled for user callers.
    for s in &mut v {
        if let Step::Cmd(a, c, _) = s
            && !matches!(c, Command::JoinRoom(_) | Command::LeaveRoom(_))
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

fn re(e: RoomError) -> Fail {
    code(e)
}

fn e_room() -> Fail {
    re(RoomError::NotFound(RoomId(0)))
}

fn e_user() -> Fail {
    re(RoomError::UserNotFound(String::new()))
}

fn e_not_member() -> Fail {
    re(RoomError::NotMember(String::new()))
}

/// An attribute owner: `None` is the admin; a user is (name, generation).
type Owner = Option<(String, u32)>;

#[derive(Clone, Debug, Default)]
struct MRoom {
    owner: String,
    owner_left: bool,
    max: usize,
    members: Vec<String>,
    admins: Vec<String>,
    blocks: Vec<String>,
    allow: Vec<String>,
    mutes: Vec<(String, Expiry)>,
    mute_all: bool,
    /// (key, value, owner, auto-delete), in insertion order.
    attrs: Vec<(String, String, Owner, bool)>,
}

#[derive(Default)]
struct Model {
    /// Live users and their generation.
    users: BTreeMap<String, u32>,
    gens: BTreeMap<String, u32>,
    seq: u64,
    rooms: BTreeMap<RoomId, MRoom>,
    /// Per user: rooms in join order.
    joined: BTreeMap<String, Vec<RoomId>>,
    attr_total: u64,
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

/// Blanks the reasons of failed batch items and refused attribute keys (their wording is
/// the engine's; the model predicts which items fail).
fn normalize(r: Reply) -> Reply {
    let blank = |v: Vec<BatchItem>| {
        v.into_iter()
            .map(|i| BatchItem {
                reason: i.reason.map(|_| String::new()),
                ..i
            })
            .collect()
    };
    let keys = |a: RoomAttrResult| RoomAttrResult {
        error_keys: a
            .error_keys
            .into_keys()
            .map(|k| (k, String::new()))
            .collect(),
        ..a
    };
    match r {
        Reply::MuteRoomMembers(v) => Reply::MuteRoomMembers(
            v.into_iter()
                .map(|i| RoomMuteItem {
                    reason: i.reason.map(|_| String::new()),
                    ..i
                })
                .collect(),
        ),
        Reply::UnmuteRoomMembers(v) => Reply::UnmuteRoomMembers(blank(v)),
        Reply::AllowRoomUsers(v) => Reply::AllowRoomUsers(blank(v)),
        Reply::SetRoomAttributes(a) => Reply::SetRoomAttributes(keys(a)),
        Reply::DeleteRoomAttributes(a) => Reply::DeleteRoomAttributes(keys(a)),
        r => r,
    }
}

fn item(user: &str, ok: bool) -> BatchItem {
    BatchItem {
        user: nm(user),
        result: ok,
        reason: (!ok).then(String::new),
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

fn ev(e: RoomEvent) -> Event {
    Event::Room(e)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn legal_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
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
    /// A member leaves (nothing happens for a non-member): `MemberExited`, then
    /// `AttributesRemoved` for their auto-delete attributes.
    fn depart(&mut self, id: RoomId, u: &str, reason: RoomExitReason) {
        let generation = self.users.get(u).copied();
        let r = self.rooms.get_mut(&id).unwrap();
        if !r.members.iter().any(|m| m == u) {
            return;
        }
        let left = reason == RoomExitReason::Left;
        r.members.retain(|m| m != u);
        r.admins.retain(|m| m != u);
        if left && r.owner == u {
            r.owner_left = true;
        }
        let mut freed = 0;
        let mut keys = Vec::new();
        r.attrs.retain(|(k, v, o, auto)| {
            let drop =
                *auto && o.as_ref().map(|(n, g)| (n.as_str(), Some(*g))) == Some((u, generation));
            if drop {
                freed += (k.len() + v.len()) as u64;
                keys.push(k.clone());
            }
            !drop
        });
        self.attr_total -= freed;
        if let Some(j) = self.joined.get_mut(u) {
            j.retain(|r| *r != id);
        }
        self.out.push(ev(RoomEvent::MemberExited {
            room: id,
            user: nm(u),
            reason,
        }));
        if !keys.is_empty() {
            self.out.push(ev(RoomEvent::AttributesRemoved {
                room: id,
                keys,
                operator: Some(nm(u)),
            }));
        }
    }

    fn join(&mut self, id: RoomId, u: &str) {
        let r = self.rooms.get_mut(&id).unwrap();
        r.members.push(u.to_string());
        if r.owner == u {
            r.owner_left = false;
        }
        self.joined.entry(u.to_string()).or_default().push(id);
        self.out.push(ev(RoomEvent::MemberJoined {
            room: id,
            user: nm(u),
        }));
    }

    fn seats(r: &MRoom) -> usize {
        r.members.len() + usize::from(r.owner_left)
    }

    fn joined_count(&self, u: &str) -> usize {
        self.joined.get(u).map_or(0, Vec::len)
    }

    fn delete_room(&mut self, id: RoomId) {
        let r = self.rooms.remove(&id).unwrap();
        self.attr_total -= r
            .attrs
            .iter()
            .map(|(k, v, _, _)| (k.len() + v.len()) as u64)
            .sum::<u64>();
        for j in self.joined.values_mut() {
            j.retain(|r| *r != id);
        }
        for m in &r.members {
            self.out.push(ev(RoomEvent::MemberExited {
                room: id,
                user: nm(m),
                reason: RoomExitReason::RoomDestroyed,
            }));
        }
        self.out.push(ev(RoomEvent::RoomDestroyed { room: id }));
    }

    fn room(&self, id: RoomId) -> std::result::Result<&MRoom, Fail> {
        self.rooms.get(&id).ok_or_else(e_room)
    }

    fn user(&self, u: &UserName) -> R {
        if self.users.contains_key(u.as_str()) {
            Ok(())
        } else {
            Err(e_user())
        }
    }

    /// Joining checks shared by join and add: blocked, already a member (`Ok(false)`), full,
    /// per-user cap (less the rooms about to be left).
    fn admission(&self, r: &MRoom, u: &str, leaving: usize) -> std::result::Result<bool, Fail> {
        if r.blocks.iter().any(|b| b == u) {
            return Err(re(RoomError::Blocked {
                user: String::new(),
                room: RoomId(0),
            }));
        }
        if r.members.iter().any(|m| m == u) {
            return Ok(false);
        }
        if r.owner != u && Model::seats(r) + 1 > r.max {
            return Err(re(RoomError::Full));
        }
        if self.joined_count(u).saturating_sub(leaving) >= PER_USER {
            return Err(re(RoomError::JoinedTooMany(String::new())));
        }
        Ok(true)
    }

    /// Applies a rooms-area command (or a registration or deletion, for the cascades);
    /// `None` for other areas' commands. On success, the reply where the model tells it.
    fn apply(&mut self, a: &Actor, now: Timestamp, cmd: &Command) -> Option<Applied> {
        self.out.clear();
        self.reply = None;
        let was_member = match cmd {
            Command::JoinRoom(c) => self
                .rooms
                .get(&c.room)
                .is_some_and(|r| r.members.iter().any(|x| x == c.user.as_str())),
            _ => false,
        };
        let r = self.apply_state(a, now, cmd)?;
        let set = self.reply.take();
        Some(r.map(|()| {
            (
                set.or_else(|| expected_reply(self, cmd, was_member)),
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
                } else if self.users.contains_key(name.as_str()) {
                    Err((400, "duplicate_unique_property_exists"))
                } else {
                    self.seq += 1;
                    let g = self.gens.entry(name.to_string()).or_default();
                    *g += 1;
                    self.users.insert(name.to_string(), *g);
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
            Command::DeleteUser(c) => (|| {
                let u = c.username.as_str();
                if !self.users.contains_key(u) {
                    return Err((404, "service_resource_not_found"));
                }
                let ids: Vec<RoomId> = self.rooms.keys().copied().collect();
                for id in ids {
                    if self.rooms[&id].owner == u {
                        self.delete_room(id);
                    } else {
                        self.depart(id, u, RoomExitReason::UserDeleted);
                        let r = self.rooms.get_mut(&id).unwrap();
                        r.blocks.retain(|x| x != u);
                        r.allow.retain(|x| x != u);
                        r.mutes.retain(|(x, _)| x != u);
                    }
                }
                self.users.remove(u);
                self.joined.remove(u);
                let uuid = self.uuids.remove(u).unwrap_or_default();
                let (created, nickname) = self.views.remove(u).unwrap_or_default();
                self.reply = Some(Reply::DeleteUser(user_view(u, &uuid, created, nickname)));
                self.out.push(Event::UserDeleted {
                    user: c.username.clone(),
                    uuid,
                });
                Ok(())
            })(),
            Command::CreateRoom(c) => self.create(c),
            Command::DeleteRoom(c) => (|| {
                self.room(c.room)?;
                self.delete_room(c.room);
                Ok(())
            })(),
            Command::JoinRoom(c) => (|| {
                let r = self.room(c.room)?;
                match a {
                    Actor::Admin => {}
                    Actor::User(x) if *x == c.user => {}
                    _ => return Err(re(RoomError::Permission)),
                }
                self.user(&c.user)?;
                let u = c.user.as_str();
                let others: Vec<RoomId> = if c.leave_other_rooms {
                    let mut v: Vec<RoomId> = self
                        .joined
                        .get(u)
                        .map(|j| j.iter().copied().filter(|o| *o != c.room).collect())
                        .unwrap_or_default();
                    v.sort();
                    v
                } else {
                    Vec::new()
                };
                if !self.admission(r, u, others.len())? {
                    return Ok(());
                }
                for o in others {
                    self.depart(o, u, RoomExitReason::Left);
                }
                self.join(c.room, u);
                Ok(())
            })(),
            Command::LeaveRoom(c) => (|| {
                let r = self.room(c.room)?;
                match a {
                    Actor::Admin => {}
                    Actor::User(x) if *x == c.user => {}
                    _ => return Err(re(RoomError::Permission)),
                }
                self.user(&c.user)?;
                if !r.members.iter().any(|m| m == c.user.as_str()) {
                    return Err(e_not_member());
                }
                self.depart(c.room, c.user.as_str(), RoomExitReason::Left);
                Ok(())
            })(),
            Command::AddRoomMember(c) => (|| {
                let r = self.room(c.room)?;
                self.user(&c.user)?;
                if !self.admission(r, c.user.as_str(), 0)? {
                    return Err(re(RoomError::AlreadyMember {
                        user: String::new(),
                        room: RoomId(0),
                    }));
                }
                self.join(c.room, c.user.as_str());
                Ok(())
            })(),
            Command::RemoveRoomMember(RemoveRoomMember { room, user })
            | Command::BlockRoomUser(BlockRoomUser { room, user }) => (|| {
                let r = self.room(*room)?;
                self.user(user)?;
                let u = user.as_str();
                if r.owner == u {
                    return Err(re(RoomError::OnOwner));
                }
                if !r.members.iter().any(|m| m == u) {
                    return Err(e_not_member());
                }
                if matches!(cmd, Command::BlockRoomUser(_)) {
                    self.depart(*room, u, RoomExitReason::Blocked);
                    self.rooms.get_mut(room).unwrap().blocks.push(u.into());
                    self.out.push(ev(RoomEvent::BlockListAdded {
                        room: *room,
                        user: user.clone(),
                    }));
                } else {
                    self.depart(*room, u, RoomExitReason::Kicked);
                }
                Ok(())
            })(),
            Command::UnblockRoomUser(c) => (|| {
                let r = self.room(c.room)?;
                if !r.blocks.iter().any(|b| b == c.user.as_str()) {
                    return Err(re(RoomError::NotBlocked {
                        user: String::new(),
                        room: RoomId(0),
                    }));
                }
                let r = self.rooms.get_mut(&c.room).unwrap();
                r.blocks.retain(|x| x != c.user.as_str());
                self.out.push(ev(RoomEvent::BlockListRemoved {
                    room: c.room,
                    user: c.user.clone(),
                }));
                Ok(())
            })(),
            Command::MuteRoomMembers(c) => (|| {
                let r = self.room(c.room)?;
                if c.users.is_empty() || c.users.len() > 60 {
                    return Err(re(RoomError::MuteBatch(60)));
                }
                let expire = match c.duration_ms {
                    -1 => Expiry::Never,
                    d if d > 0 => Expiry::At(now.after(Millis(d as u64))),
                    _ => return Err(re(RoomError::MuteDuration)),
                };
                let names = distinct(&c.users);
                let live = |n: &String| self.users.contains_key(n);
                let owner = |n: &String| *n == r.owner && live(n);
                let member = |n: &String| live(n) && r.members.contains(n);
                if names.iter().all(|n| !owner(n) && !member(n)) {
                    return Err(e_not_member());
                }
                let reply = Some(Reply::MuteRoomMembers(
                    names
                        .iter()
                        .map(|n| {
                            let ok = !owner(n) && member(n);
                            RoomMuteItem {
                                result: ok,
                                user: nm(n),
                                expire: ok.then_some(expire),
                                reason: (!ok).then(String::new),
                            }
                        })
                        .collect(),
                ));
                let targets: Vec<String> = names
                    .into_iter()
                    .filter(|n| !owner(n) && member(n))
                    .collect();
                self.reply = reply;
                let r = self.rooms.get_mut(&c.room).unwrap();
                for n in targets {
                    self.out.push(ev(RoomEvent::MuteListAdded {
                        room: c.room,
                        user: nm(&n),
                        expire,
                    }));
                    match r.mutes.iter_mut().find(|(x, _)| *x == n) {
                        Some(e) => e.1 = expire,
                        None => r.mutes.push((n, expire)),
                    }
                }
                Ok(())
            })(),
            Command::UnmuteRoomMembers(c) => (|| {
                self.room(c.room)?;
                if c.users.is_empty() || c.users.len() > 60 {
                    return Err(re(RoomError::UnmuteBatch(60)));
                }
                let names = distinct(&c.users);
                self.reply = Some(Reply::UnmuteRoomMembers(
                    names.iter().map(|n| item(n, true)).collect(),
                ));
                let r = self.rooms.get_mut(&c.room).unwrap();
                for n in names {
                    if r.mutes.iter().any(|(x, _)| *x == n) {
                        r.mutes.retain(|(x, _)| *x != n);
                        self.out.push(ev(RoomEvent::MuteListRemoved {
                            room: c.room,
                            user: nm(&n),
                        }));
                    }
                }
                Ok(())
            })(),
            Command::AllowRoomUsers(c) => (|| {
                let r = self.room(c.room)?;
                if c.users.is_empty() || c.users.len() > 60 {
                    return Err(re(RoomError::AllowBatch(60)));
                }
                let names = distinct(&c.users);
                let member = |n: &String| self.users.contains_key(n) && r.members.contains(n);
                if !names.iter().any(member) {
                    return Err(e_not_member());
                }
                let reply = Some(Reply::AllowRoomUsers(
                    names.iter().map(|n| item(n, member(n))).collect(),
                ));
                let new: Vec<String> = names
                    .iter()
                    .filter(|n| member(n))
                    .filter(|n| **n != r.owner && !r.admins.contains(n) && !r.allow.contains(n))
                    .cloned()
                    .collect();
                self.reply = reply;
                for n in &new {
                    self.out.push(ev(RoomEvent::AllowListAdded {
                        room: c.room,
                        user: nm(n),
                    }));
                }
                self.rooms.get_mut(&c.room).unwrap().allow.extend(new);
                Ok(())
            })(),
            Command::AddRoomAdmin(c) => (|| {
                let r = self.room(c.room)?;
                self.user(&c.user)?;
                let u = c.user.as_str();
                if r.owner == u {
                    return Err(re(RoomError::OnOwner));
                }
                if !r.members.iter().any(|m| m == u) {
                    return Err(re(RoomError::NotInGroup {
                        user: String::new(),
                        room: RoomId(0),
                    }));
                }
                if r.admins.iter().any(|m| m == u) {
                    return Err(re(RoomError::AlreadyAdmin {
                        user: String::new(),
                        room: RoomId(0),
                    }));
                }
                if r.admins.len() >= ADMINS as usize {
                    return Err(re(RoomError::AdminCap(ADMINS)));
                }
                let r = self.rooms.get_mut(&c.room).unwrap();
                r.admins.push(u.into());
                r.allow.retain(|x| x != u);
                self.out.push(ev(RoomEvent::AdminAdded {
                    room: c.room,
                    user: c.user.clone(),
                }));
                Ok(())
            })(),
            Command::RemoveRoomAdmin(c) => (|| {
                let r = self.room(c.room)?;
                self.user(&c.user)?;
                if !r.admins.iter().any(|m| m == c.user.as_str()) {
                    return Err(re(RoomError::NotAdmin {
                        user: String::new(),
                        room: RoomId(0),
                    }));
                }
                let r = self.rooms.get_mut(&c.room).unwrap();
                r.admins.retain(|x| x != c.user.as_str());
                self.out.push(ev(RoomEvent::AdminRemoved {
                    room: c.room,
                    user: c.user.clone(),
                }));
                Ok(())
            })(),
            Command::TransferRoom(c) => (|| {
                let r = self.room(c.room)?;
                self.user(&c.new_owner)?;
                let u = c.new_owner.as_str();
                if r.owner == u {
                    return Err(re(RoomError::SameOwner));
                }
                if !r.members.iter().any(|m| m == u) {
                    return Err(re(RoomError::NotInGroup {
                        user: String::new(),
                        room: RoomId(0),
                    }));
                }
                let r = self.rooms.get_mut(&c.room).unwrap();
                self.out.push(ev(RoomEvent::OwnerChanged {
                    room: c.room,
                    old: nm(&r.owner),
                    new: c.new_owner.clone(),
                }));
                r.owner = u.into();
                r.owner_left = false;
                r.admins.retain(|x| x != u);
                r.allow.retain(|x| x != u);
                r.mutes.retain(|(x, _)| x != u);
                Ok(())
            })(),
            Command::SetRoomMuteAll(c) => (|| {
                let r = self.rooms.get_mut(&c.room).ok_or_else(e_room)?;
                if r.mute_all != c.muted {
                    r.mute_all = c.muted;
                    self.out.push(ev(RoomEvent::AllMemberMuteChanged {
                        room: c.room,
                        muted: c.muted,
                    }));
                }
                Ok(())
            })(),
            Command::SetRoomAttributes(c) => (|| {
                let owner = self.operator(c.room, &c.operator, c.forced, c.attrs.len(), true)?;
                let auto = c
                    .auto_delete
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case("DELETE"));
                let mut total = self.attr_total;
                let mut done = Vec::new();
                let mut refused = IndexMap::new();
                let r = self.rooms.get_mut(&c.room).unwrap();
                for (k, v) in &c.attrs {
                    refused.insert(k.clone(), String::new());
                    if !legal_key(k) || chars(k) > 128 || chars(v) > 4096 {
                        continue;
                    }
                    let existing = r.attrs.iter().position(|x| x.0 == *k);
                    let old = existing.map_or(0, |i| (k.len() + r.attrs[i].1.len()) as u64);
                    let new = (k.len() + v.len()) as u64;
                    if existing.is_some_and(|i| r.attrs[i].2 != owner) && !c.forced {
                        continue;
                    }
                    if existing.is_none() && r.attrs.len() >= KEYS_PER_ROOM {
                        continue;
                    }
                    if new > old && total + (new - old) > ATTR_APP {
                        continue;
                    }
                    total = total + new - old;
                    let entry = (k.clone(), v.clone(), owner.clone(), auto);
                    match existing {
                        Some(i) => r.attrs[i] = entry,
                        None => r.attrs.push(entry),
                    }
                    done.push(k.clone());
                    refused.shift_remove(k);
                }
                self.attr_total = total;
                self.reply = Some(Reply::SetRoomAttributes(RoomAttrResult {
                    success_keys: done.clone(),
                    error_keys: refused,
                }));
                if !done.is_empty() {
                    self.out.push(ev(RoomEvent::AttributesUpdated {
                        room: c.room,
                        keys: done,
                        operator: c.operator.clone(),
                    }));
                }
                Ok(())
            })(),
            Command::DeleteRoomAttributes(c) => (|| {
                let keys = {
                    let mut seen: Vec<String> = Vec::new();
                    for k in &c.keys {
                        if seen.len() > 10 {
                            break;
                        }
                        if !seen.contains(k) {
                            seen.push(k.clone());
                        }
                    }
                    seen
                };
                let owner = self.operator(c.room, &c.operator, c.forced, keys.len(), false)?;
                let r = self.rooms.get_mut(&c.room).unwrap();
                let mut freed = 0;
                let mut done = Vec::new();
                let mut refused = IndexMap::new();
                for k in keys {
                    if let Some(i) = r.attrs.iter().position(|x| x.0 == k)
                        && (c.forced || r.attrs[i].2 == owner)
                    {
                        let x = r.attrs.remove(i);
                        freed += (x.0.len() + x.1.len()) as u64;
                        done.push(k);
                    } else {
                        refused.insert(k, String::new());
                    }
                }
                self.attr_total -= freed;
                self.reply = Some(Reply::DeleteRoomAttributes(RoomAttrResult {
                    success_keys: done.clone(),
                    error_keys: refused,
                }));
                if !done.is_empty() {
                    self.out.push(ev(RoomEvent::AttributesRemoved {
                        room: c.room,
                        keys: done,
                        operator: c.operator.clone(),
                    }));
                }
                Ok(())
            })(),
            _ => return None,
        })
    }

    /// The attribute calls' opening (the admin caller): the room, the key count, the
    /// operator's membership. Returns the owner new keys get.
    fn operator(
        &self,
        id: RoomId,
        op: &Option<UserName>,
        forced: bool,
        count: usize,
        set: bool,
    ) -> std::result::Result<Owner, Fail> {
        let r = self.room(id)?;
        if count == 0 {
            return Err(if set {
                re(RoomError::NoMetadata)
            } else {
                re(RoomError::NoKeys)
            });
        }
        if count > 10 {
            return Err(re(RoomError::AttrBatch(10)));
        }
        match op {
            None if forced => Ok(None),
            None => Err(re(RoomError::AttrNotMember)),
            Some(n) => match self.users.get(n.as_str()) {
                Some(g) if r.members.iter().any(|m| m == n.as_str()) => {
                    Ok(Some((n.to_string(), *g)))
                }
                _ => Err(re(RoomError::AttrNotMember)),
            },
        }
    }

    fn create(&mut self, c: &CreateRoom) -> R {
        let (Some(name), Some(description), Some(owner)) = (&c.name, &c.description, &c.owner)
        else {
            return Err(re(RoomError::Missing("name")));
        };
        if name.is_empty() || c.members.as_ref().is_some_and(Vec::is_empty) {
            return Err(re(RoomError::Missing("name")));
        }
        if chars(name) > 128 {
            return Err(re(RoomError::NameTooLong(0)));
        }
        if chars(description) > 512 {
            return Err(re(RoomError::DescriptionTooLong(0)));
        }
        if c.custom.as_deref().is_some_and(|s| chars(s) > 1024) {
            return Err(re(RoomError::CustomTooLong(0)));
        }
        let max = c.maxusers.unwrap_or(MAX_DEFAULT);
        if !(1..=MAX_CAP).contains(&max) {
            return Err(re(RoomError::MaxUsersOutOfRange(0)));
        }
        let mut all = vec![owner.to_string()];
        for n in distinct(c.members.as_deref().unwrap_or_default()) {
            if n != owner.as_str() {
                all.push(n);
            }
        }
        if all.iter().any(|n| !self.users.contains_key(n)) {
            return Err(e_user());
        }
        if all.len() > max as usize {
            return Err(re(RoomError::Full));
        }
        if all.iter().any(|n| self.joined_count(n) >= PER_USER) {
            return Err(re(RoomError::UserRoomCap(String::new())));
        }
        self.seq += 1;
        let id = RoomId(self.seq);
        self.rooms.insert(
            id,
            MRoom {
                owner: owner.to_string(),
                max: max as usize,
                ..Default::default()
            },
        );
        self.out.push(ev(RoomEvent::RoomCreated {
            room: id,
            owner: owner.clone(),
        }));
        for n in &all {
            self.join(id, n);
        }
        Ok(())
    }
}

/// Points a command at a live room (the `i`-th, cyclically), if there is one.
fn retarget(m: &Model, cmd: &mut Command, i: usize) {
    let room = match cmd {
        Command::DeleteRoom(c) => &mut c.room,
        Command::JoinRoom(c) => &mut c.room,
        Command::LeaveRoom(c) => &mut c.room,
        Command::AddRoomMember(c) => &mut c.room,
        Command::RemoveRoomMember(c) => &mut c.room,
        Command::BlockRoomUser(c) => &mut c.room,
        Command::UnblockRoomUser(c) => &mut c.room,
        Command::MuteRoomMembers(c) => &mut c.room,
        Command::UnmuteRoomMembers(c) => &mut c.room,
        Command::AllowRoomUsers(c) => &mut c.room,
        Command::AddRoomAdmin(c) => &mut c.room,
        Command::RemoveRoomAdmin(c) => &mut c.room,
        Command::TransferRoom(c) => &mut c.room,
        Command::SetRoomMuteAll(c) => &mut c.room,
        Command::SetRoomAttributes(c) => &mut c.room,
        Command::DeleteRoomAttributes(c) => &mut c.room,
        _ => return,
    };
    if !m.rooms.is_empty() {
        *room = *m.rooms.keys().nth(i % m.rooms.len()).unwrap();
    }
}

/// The reply a successful command gives, for the commands whose rule does not set it (it
/// follows from the command and the state after it). `was_member`: whether a joining user
/// was a member before.
fn expected_reply(m: &Model, cmd: &Command, was_member: bool) -> Option<Reply> {
    Some(match cmd {
        Command::CreateRoom(_) => Reply::CreateRoom(RoomId(m.seq)),
        Command::DeleteRoom(c) => Reply::DeleteRoom(c.room),
        Command::JoinRoom(_) => Reply::JoinRoom(!was_member),
        Command::LeaveRoom(_) => Reply::LeaveRoom(()),
        Command::AddRoomMember(_) => Reply::AddRoomMember(true),
        Command::RemoveRoomMember(_) => Reply::RemoveRoomMember(true),
        Command::BlockRoomUser(_) => Reply::BlockRoomUser(true),
        Command::UnblockRoomUser(_) => Reply::UnblockRoomUser(true),
        Command::AddRoomAdmin(c) => Reply::AddRoomAdmin(c.user.clone()),
        Command::RemoveRoomAdmin(c) => Reply::RemoveRoomAdmin(c.user.clone()),
        Command::TransferRoom(_) => Reply::TransferRoom(true),
        Command::SetRoomMuteAll(c) => Reply::SetRoomMuteAll(c.muted),
        _ => return None,
    })
}

fn compare(app: &App, m: &Model, now: Timestamp) -> std::result::Result<(), TestCaseError> {
    let names = |v: &[String]| v.iter().map(|n| nm(n)).collect::<Vec<_>>();
    for (id, r) in &m.rooms {
        let mut want = Vec::new();
        if r.members.contains(&r.owner) {
            want.push(RoomAffiliation::Owner(nm(&r.owner)));
        }
        want.extend(
            r.members
                .iter()
                .filter(|x| **x != r.owner)
                .map(|x| RoomAffiliation::Member(nm(x))),
        );
        let got = app
            .query(
                &admin(),
                now,
                ListRoomMembers {
                    room: *id,
                    pagenum: None,
                    pagesize: None,
                },
            )
            .unwrap();
        prop_assert_eq!(got, want, "members of {}", id);
        let q = |c: Query| app.query_any(&admin(), now, c).unwrap();
        prop_assert_eq!(
            q(Query::ListRoomAdmins(ListRoomAdmins { room: *id })),
            QueryReply::ListRoomAdmins(names(&r.admins)),
            "admins of {}",
            id
        );
        prop_assert_eq!(
            q(Query::ListRoomBlocks(ListRoomBlocks { room: *id })),
            QueryReply::ListRoomBlocks(names(&r.blocks)),
            "blocks of {}",
            id
        );
        prop_assert_eq!(
            q(Query::ListRoomAllow(ListRoomAllow { room: *id })),
            QueryReply::ListRoomAllow(names(&r.allow)),
            "allow list of {}",
            id
        );
        let mutes: Vec<RoomMute> = r
            .mutes
            .iter()
            .filter(|(_, e)| e.is_live(now))
            .map(|(n, e)| RoomMute {
                user: nm(n),
                expire: *e,
            })
            .collect();
        prop_assert_eq!(
            q(Query::ListRoomMutes(ListRoomMutes { room: *id })),
            QueryReply::ListRoomMutes(mutes),
            "mutes of {}",
            id
        );
        let attrs = app
            .query(&admin(), now, GetRoomAttributeOwners { room: *id })
            .unwrap();
        let want: Vec<(String, Option<UserName>)> = r
            .attrs
            .iter()
            .map(|a| (a.0.clone(), a.2.as_ref().map(|(n, _)| nm(n))))
            .collect();
        prop_assert_eq!(
            attrs.into_iter().collect::<Vec<_>>(),
            want,
            "attrs of {}",
            id
        );
        let d = &app
            .query(&admin(), now, GetRooms { ids: vec![*id] })
            .unwrap()[0];
        prop_assert_eq!((d.owner.to_string(), d.mute), (r.owner.clone(), r.mute_all));
    }
    for u in m.users.keys() {
        let mut want = m.joined.get(u).cloned().unwrap_or_default();
        want.reverse();
        prop_assert_eq!(joined(app, u), want, "joined rooms of {}", u);
    }
    if let Err(e) = imcore::invariants::check(app) {
        prop_assert!(false, "invariant: {}", e);
    }
    Ok(())
}

fn run(steps: &[Step]) -> std::result::Result<(), TestCaseError> {
    let app = app_with(limits(), &USERS);
    let mut m = Model {
        seq: USERS.len() as u64,
        ..Model::default()
    };
    for n in USERS {
        m.users.insert(n.into(), 1);
        m.gens.insert(n.into(), 1);
        m.uuids.insert(n.into(), format!("uuid-{n}"));
        m.views.insert(n.into(), (T0, None));
    }
    let mut now = T0;
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Advance(ms) => now = Timestamp(now.0 + ms),
            Step::Cmd(actor, cmd, hint) => {
                let mut cmd = cmd.clone();
                if *hint < 192 {
                    retarget(&m, &mut cmd, *hint as usize);
                }
                let out = app.execute_any(actor, now, cmd.clone());
                let reply = out
                    .as_ref()
                    .ok()
                    .map(|o| (o.reply.clone(), o.events.clone()));
                let got = out.map(drop).map_err(|e| (e.status(), e.code()));
                let want = m.apply(actor, now, &cmd).expect("a rooms command");
                let (want, want_reply) = match want {
                    Ok(r) => (Ok(()), Some(r)),
                    Err(e) => (Err(e), None),
                };
                crate::stat("rooms", &cmd, &want);
                prop_assert_eq!(got, want, "step {}: {:?} {:?}", i, actor, cmd);
                if let (Some((reply, events)), Some((w, want_events))) = (reply, want_reply) {
                    prop_assert_eq!(events, want_events, "step {}: events of {:?}", i, cmd);
                    let w = w.expect("the model tells the reply of every command it applies");
                    prop_assert_eq!(normalize(reply), w, "step {}: reply to {:?}", i, cmd);
                }
            }
        }
        compare(&app, &m, now)
            .map_err(|e| TestCaseError::fail(format!("step {i}: {step:?}: {e}")))?;
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
