//! Model check: proptest generates sequences of commands over a small universe of names with
//! small limits, runs them on the engine and on a simple single-threaded model written here
//! (BTreeMaps), and requires after every step:
//! - equal replies: the same `Reply` and events, or an error with the same status and code;
//! - equal observations: users, friends (with remarks and `added_at`), block lists,
//!   attributes, capacity, mutes, devices and every token's validity;
//! - `imcore::invariants::check` passes (friendship symmetric, friends ≤ cap, blocks ≤ cap,
//!   app attribute total = sum of user sizes ≤ cap, nothing refers to a deleted user).
//!
//! `PROPTEST_CASES` sets the number of cases (default 256); `MODEL_STATS=1` prints each step's
//! kind and whether it succeeded (`-- --nocapture`), to check the mix of outcomes.

use std::collections::BTreeMap;

use crate::fixture::T0;
use imcore::limits::MUTE_MILLIS_MAX;
use imcore::*;
use indexmap::IndexMap;
use proptest::prelude::*;

// ---- the universe ----

const NAMES: [&str; 6] = ["u0", "u1", "u2", "u3", "u4", "u5"];
/// Names as a registration may give them: the universe, a case variant, and invalid ones.
const RAW_NAMES: [&str; 9] = ["u0", "u1", "u2", "u3", "u4", "u5", "U2", "bad name", ""];
const PASSWORDS: [&str; 3] = ["p0", "p1", ""];
const KEYS: [&str; 3] = ["a", "bb", "ccc"];
const REMARKS: [usize; 3] = [0, 1, 101];
const TOKENS: [&str; 6] = ["t0", "t1", "t2", "t3", "t4", "t5"];
const RESOURCES: [&str; 4] = ["ios_0", "ios_1", "ios_2", "web_0"];
const FRIENDS_MAX: u32 = 3;
const USERS_MAX: u64 = 5;
const ATTR_USER: u64 = 12;
const ATTR_APP: u64 = 30;
const TTL_DEFAULT: u64 = 5000;
const DEVICES: u32 = 2;

fn limits() -> Limits {
    Limits {
        users_max: Some(USERS_MAX),
        friends_max: Some(FRIENDS_MAX),
        attr_bytes_per_user: ATTR_USER,
        attr_bytes_per_app: ATTR_APP,
        token_ttl_default: Millis(TTL_DEFAULT),
        devices_per_platform_max: DEVICES,
        ..Limits::default()
    }
}

fn un(i: usize) -> UserName {
    UserName::parse(NAMES[i]).unwrap()
}

// ---- generated operations ----

#[derive(Clone, Debug)]
enum Who {
    Admin,
    User(usize),
    Anonymous,
}

#[derive(Clone, Debug)]
enum Op {
    Advance(i64),
    Register(Who, usize, usize),
    RegisterBatch(Who, Vec<(usize, usize)>),
    Delete(Who, usize),
    AddFriend(Who, usize, usize),
    RemoveFriend(Who, usize, usize),
    SetRemark(Who, usize, usize, usize),
    Import(usize, Vec<usize>),
    Block(Who, usize, Vec<usize>),
    Unblock(Who, usize, usize),
    SetAttrs(Who, usize, Vec<(usize, usize)>),
    DeleteAttrs(Who, usize),
    Mute(usize, [Option<u8>; 3]),
    ChangePassword(usize, usize),
    Disable(usize),
    Enable(usize),
    TokenPassword(usize, usize, usize, u8),
    TokenInherit(Who, usize, bool, usize, u8),
    Open(usize, usize),
    Logout(usize, Option<usize>),
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        8 => Just(Who::Admin),
        3 => (0..NAMES.len()).prop_map(Who::User),
        1 => Just(Who::Anonymous),
    ]
}

fn name() -> impl Strategy<Value = usize> {
    0..NAMES.len()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0i64..2500).prop_map(Op::Advance),
        4 => (who(), 0..RAW_NAMES.len(), 0..PASSWORDS.len()).prop_map(|(w, n, p)| Op::Register(w, n, p)),
        1 => (who(), prop::collection::vec((0..RAW_NAMES.len(), 0..PASSWORDS.len()), 0..4))
            .prop_map(|(w, v)| Op::RegisterBatch(w, v)),
        1 => (who(), name()).prop_map(|(w, n)| Op::Delete(w, n)),
        5 => (who(), name(), name()).prop_map(|(w, a, b)| Op::AddFriend(w, a, b)),
        2 => (who(), name(), name()).prop_map(|(w, a, b)| Op::RemoveFriend(w, a, b)),
        3 => (who(), name(), name(), prop_oneof![3 => 0..2usize, 1 => Just(2usize)])
            .prop_map(|(w, a, b, r)| Op::SetRemark(w, a, b, r)),
        1 => (name(), prop::collection::vec(0..RAW_NAMES.len(), 0..5)).prop_map(|(o, v)| Op::Import(o, v)),
        3 => (who(), name(), prop::collection::vec(name(), 0..3)).prop_map(|(w, o, v)| Op::Block(w, o, v)),
        2 => (who(), name(), name()).prop_map(|(w, o, b)| Op::Unblock(w, o, b)),
        4 => (who(), name(), prop::collection::vec((0..KEYS.len(), 0usize..9), 0..4))
            .prop_map(|(w, u, p)| Op::SetAttrs(w, u, p)),
        1 => (who(), name()).prop_map(|(w, u)| Op::DeleteAttrs(w, u)),
        2 => (name(), [prop::option::of(0u8..5), prop::option::of(0u8..5), prop::option::of(0u8..5)])
            .prop_map(|(u, s)| Op::Mute(u, s)),
        1 => (name(), 0..PASSWORDS.len()).prop_map(|(u, p)| Op::ChangePassword(u, p)),
        1 => name().prop_map(Op::Disable),
        1 => name().prop_map(Op::Enable),
        3 => (0..RAW_NAMES.len(), 0..PASSWORDS.len(), 0..TOKENS.len(), 0u8..3)
            .prop_map(|(u, p, t, l)| Op::TokenPassword(u, p, t, l)),
        1 => (who(), 0..RAW_NAMES.len(), any::<bool>(), 0..TOKENS.len(), 0u8..3)
            .prop_map(|(w, u, a, t, l)| Op::TokenInherit(w, u, a, t, l)),
        2 => (name(), 0..RESOURCES.len()).prop_map(|(u, r)| Op::Open(u, r)),
        1 => (name(), prop::option::of(0..RESOURCES.len())).prop_map(|(u, r)| Op::Logout(u, r)),
    ]
}

fn actor(w: &Who) -> Actor {
    match w {
        Who::Admin => Actor::Admin,
        Who::User(i) => Actor::User(un(*i)),
        Who::Anonymous => Actor::Anonymous,
    }
}

fn mute_value(v: u8) -> MuteValue {
    match v {
        0 => MuteValue::Lift,
        1 => MuteValue::Forever,
        2 => MuteValue::For(Millis(700)),
        3 => MuteValue::For(Millis(3000)),
        _ => MuteValue::For(Millis(0)),
    }
}

fn ttl(l: u8) -> Option<Millis> {
    match l {
        0 => None,
        1 => Some(Millis(0)),
        _ => Some(Millis(1500)),
    }
}

fn value(len: usize) -> String {
    "v".repeat(len)
}

fn remark(i: usize) -> String {
    "r".repeat(REMARKS[i])
}

/// The engine command an operation stands for (`None` for time passing).
fn command(op: &Op) -> Option<(Actor, Command)> {
    Some(match op {
        Op::Advance(_) => return None,
        Op::Register(w, n, p) => (
            actor(w),
            RegisterUser(NewUser::new(
                RAW_NAMES[*n],
                PASSWORDS[*p],
                &format!("uuid-{n}"),
            ))
            .into(),
        ),
        Op::RegisterBatch(w, v) => (
            actor(w),
            RegisterUsers(
                v.iter()
                    .enumerate()
                    .map(|(i, (n, p))| {
                        NewUser::new(RAW_NAMES[*n], PASSWORDS[*p], &format!("b-{i}"))
                    })
                    .collect(),
            )
            .into(),
        ),
        Op::Delete(w, u) => (actor(w), DeleteUser { username: un(*u) }.into()),
        Op::AddFriend(w, a, b) => (
            actor(w),
            AddFriend {
                owner: un(*a),
                friend: un(*b),
            }
            .into(),
        ),
        Op::RemoveFriend(w, a, b) => (
            actor(w),
            RemoveFriend {
                owner: un(*a),
                friend: un(*b),
            }
            .into(),
        ),
        Op::SetRemark(w, a, b, r) => (
            actor(w),
            SetRemark {
                owner: un(*a),
                friend: un(*b),
                remark: remark(*r),
            }
            .into(),
        ),
        Op::Import(o, v) => (
            Actor::Admin,
            ImportFriends {
                owner: un(*o),
                usernames: v.iter().map(|i| RAW_NAMES[*i].to_string()).collect(),
                notify: true,
            }
            .into(),
        ),
        Op::Block(w, o, v) => (
            actor(w),
            BlockUsers {
                owner: un(*o),
                usernames: v.iter().map(|i| un(*i)).collect(),
            }
            .into(),
        ),
        Op::Unblock(w, o, b) => (
            actor(w),
            UnblockUser {
                owner: un(*o),
                blocked: un(*b),
            }
            .into(),
        ),
        Op::SetAttrs(w, u, p) => (
            actor(w),
            SetAttributes {
                username: un(*u),
                pairs: p
                    .iter()
                    .map(|(k, l)| (KEYS[*k].to_string(), value(*l)))
                    .collect(),
            }
            .into(),
        ),
        Op::DeleteAttrs(w, u) => (actor(w), DeleteAttributes { username: un(*u) }.into()),
        Op::Mute(u, s) => (
            Actor::Admin,
            SetGlobalMute {
                username: un(*u),
                chat: s[0].map(mute_value),
                groupchat: s[1].map(mute_value),
                chatroom: s[2].map(mute_value),
            }
            .into(),
        ),
        Op::ChangePassword(u, p) => (
            Actor::Admin,
            ChangePassword {
                username: un(*u),
                new_password: PASSWORDS[*p].into(),
            }
            .into(),
        ),
        Op::Disable(u) => (Actor::Admin, DisableUser { username: un(*u) }.into()),
        Op::Enable(u) => (Actor::Admin, EnableUser { username: un(*u) }.into()),
        Op::TokenPassword(u, p, t, l) => (
            Actor::Anonymous,
            IssueToken {
                grant: GrantType::Password {
                    username: RAW_NAMES[*u].into(),
                    password: PASSWORDS[*p].into(),
                },
                token: TOKENS[*t].into(),
                ttl: ttl(*l),
            }
            .into(),
        ),
        Op::TokenInherit(w, u, auto, t, l) => (
            actor(w),
            IssueToken {
                grant: GrantType::Inherit {
                    username: RAW_NAMES[*u].into(),
                    auto_create: *auto,
                    uuid: format!("inherit-{u}"),
                },
                token: TOKENS[*t].into(),
                ttl: ttl(*l),
            }
            .into(),
        ),
        Op::Open(u, r) => (
            Actor::Admin,
            OpenSession {
                username: un(*u),
                resource: RESOURCES[*r].into(),
                device_uuid: None,
                device_name: None,
            }
            .into(),
        ),
        Op::Logout(u, r) => (
            Actor::Admin,
            ForceLogout {
                username: un(*u),
                resource: r.map(|i| RESOURCES[i].to_string()),
            }
            .into(),
        ),
    })
}

// ---- the model ----

type Outcome = std::result::Result<(Reply, Vec<Event>), (u16, &'static str)>;

const UNAUTH: (u16, &str) = (401, "unauthorized");
const ILLEGAL: (u16, &str) = (400, "illegal_argument");
const NOT_FOUND: (u16, &str) = (404, "service_resource_not_found");

#[derive(Clone, Debug)]
struct MUser {
    id: u64,
    uuid: String,
    created: i64,
    modified: i64,
    activated: bool,
    password: Option<String>,
    /// Friend name → added_at.
    friends: BTreeMap<String, i64>,
    remarks: BTreeMap<String, String>,
    /// Blocked name → sequence number (newest is largest).
    blocks: BTreeMap<String, u64>,
    block_seq: u64,
    attrs: IndexMap<String, String>,
    mutes: [Option<Expiry>; 3],
    tokens: Vec<String>,
    sessions: Vec<String>,
}

impl MUser {
    fn size(&self) -> u64 {
        self.attrs
            .iter()
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Subj {
    User(u64),
}

#[derive(Default)]
struct Model {
    users: BTreeMap<String, MUser>,
    next_id: u64,
    tokens: BTreeMap<String, (Subj, Expiry)>,
    attr_total: u64,
}

fn view(name: &str, u: &MUser) -> UserView {
    UserView {
        uuid: u.uuid.clone(),
        username: UserName::parse(name).unwrap(),
        created: Timestamp(u.created),
        modified: Timestamp(u.modified),
        activated: u.activated,
        nickname: None,
        push: PushFields::default(),
    }
}

fn nm(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

fn admin_or_self(a: &Actor, user: &str) -> std::result::Result<(), (u16, &'static str)> {
    match a {
        Actor::Admin => Ok(()),
        Actor::User(u) if u.as_str() == user => Ok(()),
        _ => Err(UNAUTH),
    }
}

fn admin_only(a: &Actor) -> std::result::Result<(), (u16, &'static str)> {
    match a {
        Actor::Admin => Ok(()),
        _ => Err(UNAUTH),
    }
}

fn check_password(p: &str) -> std::result::Result<(), (u16, &'static str)> {
    if p.is_empty() || p.chars().count() > 64 {
        Err(ILLEGAL)
    } else {
        Ok(())
    }
}

impl Model {
    fn new() -> Model {
        Model {
            next_id: 1,
            ..Model::default()
        }
    }

    fn create(&mut self, name: &str, uuid: &str, password: Option<&str>, now: i64) -> UserView {
        let id = self.next_id;
        self.next_id += 1;
        let u = MUser {
            id,
            uuid: uuid.into(),
            created: now,
            modified: now,
            activated: true,
            password: password.map(Into::into),
            friends: BTreeMap::new(),
            remarks: BTreeMap::new(),
            blocks: BTreeMap::new(),
            block_seq: 0,
            attrs: IndexMap::new(),
            mutes: [None; 3],
            tokens: Vec::new(),
            sessions: Vec::new(),
        };
        let v = view(name, &u);
        self.users.insert(name.into(), u);
        v
    }

    fn at_cap(&self, name: &str) -> bool {
        self.users[name].friends.len() >= FRIENDS_MAX as usize
    }

    fn link(&mut self, a: &str, b: &str, now: i64) {
        self.users.get_mut(a).unwrap().friends.insert(b.into(), now);
        self.users.get_mut(b).unwrap().friends.insert(a.into(), now);
    }

    fn grant(
        &mut self,
        name: &str,
        token: &str,
        expires: Expiry,
    ) -> std::result::Result<UserView, (u16, &'static str)> {
        let u = self.users.get_mut(name).unwrap();
        if !u.activated {
            return Err((400, "invalid_grant"));
        }
        u.tokens.push(token.into());
        let id = u.id;
        let v = view(name, u);
        self.tokens.insert(token.into(), (Subj::User(id), expires));
        Ok(v)
    }

    fn revoke_tokens(&mut self, name: &str) {
        let toks = std::mem::take(&mut self.users.get_mut(name).unwrap().tokens);
        for t in toks {
            self.tokens.remove(&t);
        }
    }

    fn apply(&mut self, op: &Op, now: i64) -> Outcome {
        let (a, _) = command(op).expect("not a command");
        let mut ev = Vec::new();
        let reply = match op {
            Op::Advance(_) => unreachable!(),
            Op::Register(_, n, p) => {
                if a != Actor::Admin {
                    return Err(UNAUTH);
                }
                let name = UserName::parse(RAW_NAMES[*n]).map_err(|_| ILLEGAL)?;
                check_password(PASSWORDS[*p])?;
                if self.users.contains_key(name.as_str()) {
                    return Err((400, "duplicate_unique_property_exists"));
                }
                if self.users.len() as u64 >= USERS_MAX {
                    return Err((429, "resource_limited"));
                }
                let v = self.create(
                    name.as_str(),
                    &format!("uuid-{n}"),
                    Some(PASSWORDS[*p]),
                    now,
                );
                ev.push(Event::UserRegistered { user: name });
                Reply::RegisterUser(v)
            }
            Op::RegisterBatch(_, v) => {
                admin_only(&a)?;
                if v.is_empty() || v.len() > 60 {
                    return Err(ILLEGAL);
                }
                let mut items: Vec<(UserName, usize, usize)> = Vec::new();
                for (n, p) in v {
                    UserName::parse(RAW_NAMES[*n]).map_err(|_| ILLEGAL)?;
                    check_password(PASSWORDS[*p])?;
                }
                for (i, (n, p)) in v.iter().enumerate() {
                    let name = UserName::parse(RAW_NAMES[*n]).unwrap();
                    match items.iter().find(|(m, ..)| *m == name) {
                        Some((_, _, q)) if PASSWORDS[*q] != PASSWORDS[*p] => {
                            return Err((400, "duplicate_unique_property_exists"));
                        }
                        Some(_) => {}
                        None => items.push((name, i, *p)),
                    }
                }
                let fresh = items
                    .iter()
                    .filter(|(n, ..)| !self.users.contains_key(n.as_str()))
                    .count();
                if (self.users.len() + fresh) as u64 > USERS_MAX {
                    return Err((429, "resource_limited"));
                }
                let mut out = BatchRegistered {
                    created: Vec::new(),
                    failed: Vec::new(),
                };
                for (name, i, p) in items {
                    if self.users.contains_key(name.as_str()) {
                        out.failed.push(RegisterFailure {
                            username: name.clone(),
                            reason: format!("the {name} already exists"),
                        });
                    } else {
                        let v =
                            self.create(name.as_str(), &format!("b-{i}"), Some(PASSWORDS[p]), now);
                        ev.push(Event::UserRegistered { user: name });
                        out.created.push(v);
                    }
                }
                Reply::RegisterUsers(out)
            }
            Op::Delete(_, u) => {
                admin_only(&a)?;
                let name = NAMES[*u];
                let d = self.users.get(name).ok_or(NOT_FOUND)?.clone();
                for s in &d.sessions {
                    ev.push(Event::ForceDisconnect {
                        user: nm(name),
                        resource: s.clone(),
                        reason: DisconnectReason::UserRemoved,
                    });
                }
                let mut fs: Vec<(u64, String)> = d
                    .friends
                    .keys()
                    .map(|f| (self.users[f].id, f.clone()))
                    .collect();
                fs.sort();
                for (_, f) in &fs {
                    let fu = self.users.get_mut(f).unwrap();
                    fu.friends.remove(name);
                    fu.remarks.remove(name);
                    ev.push(Event::ContactRemoved {
                        owner: nm(f),
                        friend: nm(name),
                    });
                }
                for u in self.users.values_mut() {
                    u.blocks.remove(name);
                }
                self.revoke_tokens(name);
                self.attr_total -= d.size();
                self.users.remove(name);
                ev.push(Event::UserDeleted {
                    user: nm(name),
                    uuid: d.uuid.clone(),
                });
                Reply::DeleteUser(view(name, &d))
            }
            Op::AddFriend(_, x, y) => {
                let (o, f) = (NAMES[*x], NAMES[*y]);
                admin_or_self(&a, o)?;
                if o == f {
                    return Err(ILLEGAL);
                }
                self.users.get(o).ok_or(NOT_FOUND)?;
                let fv = view(f, self.users.get(f).ok_or(NOT_FOUND)?);
                if self.users[o].friends.contains_key(f) {
                    return Ok((Reply::AddFriend(fv), ev));
                }
                if self.at_cap(o) || self.at_cap(f) {
                    return Err((403, "exceed_limit"));
                }
                self.link(o, f, now);
                ev.push(Event::ContactAdded {
                    owner: nm(o),
                    friend: nm(f),
                });
                Reply::AddFriend(fv)
            }
            Op::RemoveFriend(_, x, y) => {
                let (o, f) = (NAMES[*x], NAMES[*y]);
                admin_or_self(&a, o)?;
                self.users.get(o).ok_or(NOT_FOUND)?;
                let fv = view(f, self.users.get(f).ok_or(NOT_FOUND)?);
                if o != f && self.users[o].friends.contains_key(f) {
                    for (p, q) in [(o, f), (f, o)] {
                        let u = self.users.get_mut(p).unwrap();
                        u.friends.remove(q);
                        u.remarks.remove(q);
                    }
                    ev.push(Event::ContactRemoved {
                        owner: nm(o),
                        friend: nm(f),
                    });
                }
                Reply::RemoveFriend(fv)
            }
            Op::SetRemark(_, x, y, r) => {
                let (o, f) = (NAMES[*x], NAMES[*y]);
                admin_or_self(&a, o)?;
                let r = remark(*r);
                if r.chars().count() > 100 {
                    return Err(ILLEGAL);
                }
                self.users.get(o).ok_or(NOT_FOUND)?;
                self.users.get(f).ok_or(NOT_FOUND)?;
                let u = self.users.get_mut(o).unwrap();
                if !u.friends.contains_key(f) {
                    return Err(ILLEGAL);
                }
                if r.is_empty() {
                    u.remarks.remove(f);
                } else {
                    u.remarks.insert(f.into(), r);
                }
                Reply::SetRemark(())
            }
            Op::Import(x, v) => {
                let o = NAMES[*x];
                self.users.get(o).ok_or(NOT_FOUND)?;
                if self.at_cap(o) {
                    return Err((403, "exceed_limit"));
                }
                let mut out = Vec::new();
                for i in v {
                    let raw = RAW_NAMES[*i];
                    let r = match UserName::parse(raw) {
                        Err(_) => ImportResult::UnknownFailed,
                        Ok(f) if f.as_str() == o => ImportResult::UnknownFailed,
                        Ok(f) if !self.users.contains_key(f.as_str()) => {
                            ImportResult::NotExistFailed
                        }
                        Ok(f) if self.users[o].friends.contains_key(f.as_str()) => {
                            ImportResult::Success
                        }
                        Ok(f) if self.at_cap(o) || self.at_cap(f.as_str()) => {
                            ImportResult::MaxLimitFailed
                        }
                        Ok(f) => {
                            self.link(o, f.as_str(), now);
                            ev.push(Event::ContactAdded {
                                owner: nm(o),
                                friend: f,
                            });
                            ImportResult::Success
                        }
                    };
                    out.push((raw.to_string(), r));
                }
                Reply::ImportFriends(out)
            }
            Op::Block(_, x, v) => {
                let o = NAMES[*x];
                admin_or_self(&a, o)?;
                if v.is_empty() || v.iter().any(|i| NAMES[*i] == o) {
                    return Err(ILLEGAL);
                }
                self.users.get(o).ok_or(NOT_FOUND)?;
                let mut names: Vec<&str> = Vec::new();
                for i in v {
                    if !names.contains(&NAMES[*i]) {
                        names.push(NAMES[*i]);
                    }
                }
                for t in &names {
                    self.users.get(*t).ok_or(NOT_FOUND)?;
                }
                let u = self.users.get_mut(o).unwrap();
                let new: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|t| !u.blocks.contains_key(*t))
                    .collect();
                if u.blocks.len() + new.len() > 500 {
                    return Err((403, "exceed_limit"));
                }
                for t in &new {
                    u.blocks.insert(t.to_string(), u.block_seq);
                    u.block_seq += 1;
                    ev.push(Event::UserBlocked {
                        owner: nm(o),
                        blocked: nm(t),
                    });
                }
                Reply::BlockUsers(names.iter().map(|t| nm(t)).collect())
            }
            Op::Unblock(_, x, y) => {
                let (o, b) = (NAMES[*x], NAMES[*y]);
                admin_or_self(&a, o)?;
                self.users.get(o).ok_or(NOT_FOUND)?;
                let bv = view(b, self.users.get(b).ok_or(NOT_FOUND)?);
                if self.users.get_mut(o).unwrap().blocks.remove(b).is_some() {
                    ev.push(Event::UserUnblocked {
                        owner: nm(o),
                        blocked: nm(b),
                    });
                }
                Reply::UnblockUser(bv)
            }
            Op::SetAttrs(_, x, pairs) => {
                let name = NAMES[*x];
                match &a {
                    Actor::Admin => {}
                    Actor::User(u) if u.as_str() == name => {}
                    Actor::User(_) => return Err((401, "metadata_error")),
                    Actor::Anonymous => return Err(UNAUTH),
                }
                if pairs.is_empty() {
                    return Err(ILLEGAL);
                }
                let mut sent: IndexMap<String, String> = IndexMap::new();
                for (k, l) in pairs {
                    sent.insert(KEYS[*k].into(), value(*l));
                }
                let u = self.users.get_mut(name).ok_or(NOT_FOUND)?;
                let old = u.size();
                let mut merged = u.attrs.clone();
                for (k, v) in &sent {
                    merged.insert(k.clone(), v.clone());
                }
                let new: u64 = merged.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum();
                if new > ATTR_USER {
                    return Err((403, "FORBIDDEN"));
                }
                if new > old && self.attr_total + (new - old) > ATTR_APP {
                    return Err((403, "FORBIDDEN"));
                }
                u.attrs = merged;
                self.attr_total = self.attr_total + new - old;
                ev.push(Event::AttributesSet {
                    user: nm(name),
                    keys: sent.keys().cloned().collect(),
                });
                Reply::SetAttributes(sent)
            }
            Op::DeleteAttrs(_, x) => {
                let name = NAMES[*x];
                match &a {
                    Actor::Admin => {}
                    Actor::User(u) if u.as_str() == name => {}
                    Actor::User(_) => return Err((401, "metadata_error")),
                    Actor::Anonymous => return Err(UNAUTH),
                }
                if let Some(u) = self.users.get_mut(name)
                    && !u.attrs.is_empty()
                {
                    self.attr_total -= u.size();
                    u.attrs.clear();
                    ev.push(Event::AttributesDeleted { user: nm(name) });
                }
                Reply::DeleteAttributes(true)
            }
            Op::Mute(x, s) => {
                let name = NAMES[*x];
                let mut to: [Option<Option<Expiry>>; 3] = [None; 3];
                for (slot, v) in to.iter_mut().zip(s) {
                    *slot = match v.map(mute_value) {
                        None => None,
                        Some(MuteValue::Lift) => Some(None),
                        Some(MuteValue::Forever) => Some(Some(Expiry::Never)),
                        Some(MuteValue::For(d)) if d.0 == 0 || d.0 > MUTE_MILLIS_MAX => {
                            return Err(ILLEGAL);
                        }
                        Some(MuteValue::For(d)) => {
                            Some(Some(Expiry::At(Timestamp(now + d.0 as i64))))
                        }
                    };
                }
                let u = self
                    .users
                    .get_mut(name)
                    .ok_or((400, "required_property_not_found"))?;
                for (i, (scope, t)) in MuteScope::ALL.into_iter().zip(to).enumerate() {
                    if let Some(e) = t {
                        u.mutes[i] = e;
                        ev.push(Event::GlobalMuteChanged {
                            user: nm(name),
                            scope,
                            expiry: e,
                        });
                    }
                }
                Reply::SetGlobalMute(())
            }
            Op::ChangePassword(x, p) => {
                let name = NAMES[*x];
                check_password(PASSWORDS[*p])?;
                let u = self.users.get_mut(name).ok_or((404, "entity_not_found"))?;
                u.password = Some(PASSWORDS[*p].into());
                u.modified = now;
                for s in std::mem::take(&mut u.sessions) {
                    ev.push(Event::ForceDisconnect {
                        user: nm(name),
                        resource: s,
                        reason: DisconnectReason::PasswordChanged,
                    });
                }
                self.revoke_tokens(name);
                ev.push(Event::PasswordChanged { user: nm(name) });
                Reply::ChangePassword(())
            }
            Op::Disable(x) | Op::Enable(x) => {
                let on = matches!(op, Op::Enable(_));
                let name = NAMES[*x];
                let u = self.users.get_mut(name).ok_or(NOT_FOUND)?;
                if u.activated != on {
                    u.activated = on;
                    u.modified = now;
                    if !on {
                        for s in std::mem::take(&mut u.sessions) {
                            ev.push(Event::ForceDisconnect {
                                user: nm(name),
                                resource: s,
                                reason: DisconnectReason::Disabled,
                            });
                        }
                    }
                    ev.push(if on {
                        Event::UserEnabled { user: nm(name) }
                    } else {
                        Event::UserDisabled { user: nm(name) }
                    });
                }
                let v = view(name, u);
                if on {
                    Reply::EnableUser(v)
                } else {
                    Reply::DisableUser(v)
                }
            }
            Op::TokenPassword(x, p, t, l) => {
                let token = TOKENS[*t];
                if self.tokens.contains_key(token) {
                    return Err(ILLEGAL);
                }
                let (ttl, expires) = self.expiry(*l, now);
                let name = UserName::parse(RAW_NAMES[*x]).ok();
                let u = name
                    .as_ref()
                    .and_then(|n| self.users.get(n.as_str()))
                    .ok_or((404, "invalid_grant"))?;
                if u.password.as_deref() != Some(PASSWORDS[*p]) {
                    return Err((400, "invalid_grant"));
                }
                let v = self.grant(name.unwrap().as_str(), token, expires)?;
                Reply::IssueToken(TokenIssued {
                    access_token: token.into(),
                    expires_in: ttl,
                    user: Some(v),
                })
            }
            Op::TokenInherit(_, x, auto, t, l) => {
                let token = TOKENS[*t];
                if self.tokens.contains_key(token) {
                    return Err(ILLEGAL);
                }
                let (ttl, expires) = self.expiry(*l, now);
                admin_only(&a)?;
                let raw = RAW_NAMES[*x];
                let existing = UserName::parse(raw)
                    .ok()
                    .filter(|n| self.users.contains_key(n.as_str()));
                let name = match existing {
                    Some(n) => n,
                    None if !auto => return Err((404, "entity_not_found")),
                    None => {
                        let n = UserName::parse(raw).map_err(|_| ILLEGAL)?;
                        if self.users.len() as u64 >= USERS_MAX {
                            return Err((429, "resource_limited"));
                        }
                        self.create(n.as_str(), &format!("inherit-{x}"), None, now);
                        ev.push(Event::UserRegistered { user: n.clone() });
                        n
                    }
                };
                let v = self.grant(name.as_str(), token, expires)?;
                Reply::IssueToken(TokenIssued {
                    access_token: token.into(),
                    expires_in: ttl,
                    user: Some(v),
                })
            }
            Op::Open(x, r) => {
                let name = NAMES[*x];
                let res = RESOURCES[*r];
                let u = self.users.get_mut(name).ok_or(NOT_FOUND)?;
                if !u.activated {
                    return Err((400, "invalid_grant"));
                }
                let mut kicked = Vec::new();
                if let Some(i) = u.sessions.iter().position(|s| s == res) {
                    kicked.push(u.sessions.remove(i));
                }
                let plat = res.split('_').next().unwrap();
                let on_plat = |s: &String| s.split('_').next().unwrap() == plat;
                while u.sessions.iter().filter(|s| on_plat(s)).count() >= DEVICES as usize {
                    let i = u.sessions.iter().position(on_plat).unwrap();
                    kicked.push(u.sessions.remove(i));
                }
                u.sessions.push(res.into());
                for k in kicked {
                    ev.push(Event::ForceDisconnect {
                        user: nm(name),
                        resource: k,
                        reason: DisconnectReason::LoginAnotherDevice,
                    });
                }
                Reply::OpenSession(())
            }
            Op::Logout(x, r) => {
                let name = NAMES[*x];
                let u = self.users.get_mut(name).ok_or(NOT_FOUND)?;
                let (gone, kept): (Vec<String>, Vec<String>) = std::mem::take(&mut u.sessions)
                    .into_iter()
                    .partition(|s| r.is_none_or(|i| s == RESOURCES[i]));
                u.sessions = kept;
                for s in gone {
                    ev.push(Event::ForceDisconnect {
                        user: nm(name),
                        resource: s,
                        reason: DisconnectReason::Kicked,
                    });
                }
                Reply::ForceLogout(true)
            }
        };
        Ok((reply, ev))
    }

    fn expiry(&self, l: u8, now: i64) -> (Millis, Expiry) {
        let ttl = ttl(l).unwrap_or(Millis(TTL_DEFAULT));
        let e = if ttl.0 == 0 {
            Expiry::Never
        } else {
            Expiry::At(Timestamp(now + ttl.0 as i64))
        };
        (ttl, e)
    }

    fn validate(
        &self,
        token: &str,
        now: Timestamp,
    ) -> std::result::Result<Actor, (u16, &'static str)> {
        let (subj, exp) = self
            .tokens
            .get(token)
            .ok_or((401, "auth_bad_access_token"))?;
        match subj {
            Subj::User(id) => {
                let (name, u) = self
                    .users
                    .iter()
                    .find(|(_, u)| u.id == *id)
                    .ok_or((401, "auth_bad_access_token"))?;
                if !exp.is_live(now) || !u.activated {
                    return Err(UNAUTH);
                }
                Ok(Actor::User(nm(name)))
            }
        }
    }

    fn sorted_friends(&self, u: &MUser) -> Vec<(String, i64)> {
        let mut v: Vec<(String, i64)> = u.friends.iter().map(|(f, t)| (f.clone(), *t)).collect();
        v.sort_by_key(|(f, t)| std::cmp::Reverse((*t, self.users[f].id)));
        v
    }
}

fn err_of<T>(r: Result<T>) -> std::result::Result<T, (u16, &'static str)> {
    r.map_err(|e| (e.status(), e.code()))
}

/// Compares everything observable about the app with the model at `now`.
fn observe(app: &App, m: &Model, now: Timestamp) -> std::result::Result<(), TestCaseError> {
    let ad = Actor::Admin;
    let listed = app
        .query(
            &ad,
            now,
            ListUsers {
                limit: Some(100),
                cursor: None,
            },
        )
        .unwrap();
    let mut want: Vec<(i64, u64, UserView)> = m
        .users
        .iter()
        .map(|(n, u)| (u.created, u.id, view(n, u)))
        .collect();
    want.sort_by_key(|(c, id, _)| (*c, *id));
    let want: Vec<UserView> = want.into_iter().map(|x| x.2).collect();
    prop_assert_eq!(&listed.items, &want);
    prop_assert_eq!(listed.cursor, None);

    for (i, raw) in NAMES.iter().enumerate() {
        let name = un(i);
        let got = err_of(app.query(
            &ad,
            now,
            GetUser {
                username: name.clone(),
            },
        ));
        let mu = m.users.get(*raw);
        prop_assert_eq!(&got, &mu.map(|u| view(raw, u)).ok_or(NOT_FOUND));
        let Some(mu) = mu else { continue };
        let fr = m.sorted_friends(mu);
        let got = app
            .query(
                &ad,
                now,
                ListFriends {
                    owner: name.clone(),
                },
            )
            .unwrap();
        prop_assert_eq!(got, fr.iter().map(|(f, _)| nm(f)).collect::<Vec<_>>());
        let page = app
            .query(
                &ad,
                now,
                ListFriendsPage {
                    owner: name.clone(),
                    limit: Some(50),
                    cursor: None,
                    need_remark: true,
                },
            )
            .unwrap();
        let want: Vec<Contact> = fr
            .iter()
            .map(|(f, t)| Contact {
                username: nm(f),
                remark: mu.remarks.get(f).cloned(),
                added_at: Timestamp(*t),
            })
            .collect();
        prop_assert_eq!(page.items, want);
        let bl = app
            .query(
                &ad,
                now,
                ListBlocks {
                    owner: name.clone(),
                    page_size: None,
                    cursor: None,
                },
            )
            .unwrap();
        let mut want: Vec<(u64, String)> = mu.blocks.iter().map(|(b, s)| (*s, b.clone())).collect();
        want.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
        prop_assert_eq!(
            bl.items,
            want.into_iter().map(|(_, b)| nm(&b)).collect::<Vec<_>>()
        );
        let attrs = app
            .query(
                &ad,
                now,
                GetAttributes {
                    username: name.clone(),
                },
            )
            .unwrap();
        prop_assert_eq!(&attrs, &mu.attrs);
        let mv = app
            .query(
                &ad,
                now,
                GetGlobalMute {
                    username: name.clone(),
                },
            )
            .unwrap();
        let r = |i: usize| mu.mutes[i].and_then(|e| e.remaining(now));
        prop_assert_eq!((mv.chat, mv.groupchat, mv.chatroom), (r(0), r(1), r(2)));
        let dev: Vec<String> = app
            .query(
                &ad,
                now,
                ListDevices {
                    username: name.clone(),
                },
            )
            .unwrap()
            .into_iter()
            .map(|d| d.res)
            .collect();
        prop_assert_eq!(&dev, &mu.sessions);
    }
    for t in TOKENS {
        let got = err_of(app.query(&Actor::Anonymous, now, ValidateToken { token: t.into() }));
        prop_assert_eq!(got, m.validate(t, now), "token {}", t);
    }
    prop_assert_eq!(
        app.query(&ad, now, AttributeCapacity).unwrap(),
        m.attr_total
    );
    let mutes = app
        .query(
            &ad,
            now,
            ListGlobalMutes {
                page_num: None,
                page_size: Some(50),
            },
        )
        .unwrap();
    let mut want = Vec::new();
    for (n, u) in &m.users {
        for (i, scope) in MuteScope::ALL.into_iter().enumerate() {
            if let Some(remaining) = u.mutes[i].and_then(|e| e.remaining(now)) {
                want.push(MuteEntry {
                    username: nm(n),
                    scope,
                    remaining,
                });
            }
        }
    }
    prop_assert_eq!(mutes, want);
    Ok(())
}

/// Users u0–u4 (the cap is 5) and a chain of friendships before the generated steps, so that
/// most steps meet live users and friends.
fn prelude() -> Vec<Op> {
    let mut v: Vec<Op> = (0..5).map(|i| Op::Register(Who::Admin, i, i % 2)).collect();
    v.extend((0..4).map(|i| Op::AddFriend(Who::Admin, i, i + 1)));
    v
}

fn run(ops: &[Op]) -> std::result::Result<(), TestCaseError> {
    let engine = Engine::new();
    let app = engine
        .create_app(AppKey::new("org", "model").unwrap(), limits())
        .unwrap();
    let mut m = Model::new();
    let mut now = T0.0;
    for (step, op) in ops.iter().enumerate() {
        if let Op::Advance(ms) = op {
            now += ms;
        } else {
            let (actor, cmd) = command(op).unwrap();
            let got: Outcome = app
                .execute_any(&actor, Timestamp(now), cmd)
                .map(|o| (o.reply, o.events))
                .map_err(|e| (e.status(), e.code()));
            let want = m.apply(op, now);
            if std::env::var_os("MODEL_STATS").is_some() {
                let kind = format!("{op:?}");
                let kind = kind.split('(').next().unwrap_or("");
                eprintln!("STAT {kind} {}", if want.is_ok() { "ok" } else { "err" });
            }
            prop_assert_eq!(got, want, "step {}: {:?}", step, op);
        }
        if let Err(msg) = imcore::invariants::check(&app) {
            return Err(TestCaseError::fail(format!(
                "step {step}: {op:?}: invariant: {msg}"
            )));
        }
        observe(&app, &m, Timestamp(now))
            .map_err(|e| TestCaseError::fail(format!("step {step}: {op:?}: {e}")))?;
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        let mut all = prelude();
        all.extend(ops);
        run(&all)?;
    }
}

/// A fixed sequence through the interesting corners, so the model itself is exercised even
/// when proptest's draws are unlucky.
#[test]
fn a_fixed_walk_matches_the_model() {
    use Op::*;
    let ops = vec![
        Register(Who::Admin, 0, 0),
        Register(Who::Admin, 1, 0),
        Register(Who::Admin, 6, 1),
        Register(Who::Admin, 3, 0),
        Register(Who::Admin, 4, 0),
        Register(Who::Admin, 5, 0),
        AddFriend(Who::Admin, 0, 1),
        AddFriend(Who::User(0), 0, 2),
        AddFriend(Who::Admin, 0, 3),
        AddFriend(Who::Admin, 0, 4),
        SetRemark(Who::Admin, 0, 1, 1),
        SetRemark(Who::Admin, 1, 0, 2),
        Block(Who::Admin, 1, vec![0, 2, 0]),
        Block(Who::User(2), 2, vec![1]),
        SetAttrs(Who::Admin, 0, vec![(2, 8), (0, 1)]),
        SetAttrs(Who::User(1), 1, vec![(1, 8)]),
        SetAttrs(Who::Admin, 2, vec![(1, 8)]),
        SetAttrs(Who::Admin, 3, vec![(1, 8)]),
        Mute(0, [Some(2), Some(1), None]),
        TokenPassword(0, 0, 0, 0),
        TokenPassword(0, 1, 1, 0),
        TokenInherit(Who::Admin, 1, false, 2, 2),
        Open(0, 0),
        Open(0, 1),
        Open(0, 2),
        Advance(1000),
        Delete(Who::Admin, 0),
        Register(Who::Admin, 0, 1),
        TokenPassword(0, 1, 3, 1),
        Import(0, vec![1, 2, 7, 8, 0, 3]),
        ChangePassword(1, 1),
        Disable(2),
        Open(2, 0),
        Enable(2),
        Advance(6000),
    ];
    run(&ops).unwrap();
}
