//! Model of the RongCloud user lifecycle (spec 04): registration as token issue, revocation,
//! the push profile, closure and reopening, timed login blocks lapsing through `Expire`, the
//! block list and the DM allow list with its mode, tags, the one-to-one ban — with the Easemob
//! commands that meet them (disable, enable, delete). Generated commands run on the engine and on
//! [`Model::apply`], with small caps; after every step:
//! - equal replies and events, or errors with the same status and code;
//! - equal observations, per pool user: what a grant issued at `T0` and at `now` is worth,
//!   the push profile, both lists, the DM mode, the tags; and the app's live login blocks,
//!   closed ids and one-to-one bans;
//! - `imcore::invariants::check` passes.

use std::collections::BTreeMap;

use arbitrary::Unstructured;
use imcore::*;
use proptest::prelude::*;

use crate::fixture::T0;
use crate::{Gen, Outcome, Step, g, nm};

const USERS_MAX: u64 = 6;
const BLOCKS_CAP: usize = 3;
const ALLOW_CAP: usize = 3;
const TTL: u64 = 20_000;
const HOUR: i64 = 3_600_000;
const POOL: [&str; 8] = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"];

fn limits() -> Limits {
    Limits {
        users_max: Some(USERS_MAX),
        blocklist_max: BLOCKS_CAP,
        lifecycle: LifecycleLimits {
            allowlist_max: ALLOW_CAP,
            token_ttl: Some(Millis(TTL)),
            ..Default::default()
        },
        ..Limits::default()
    }
}

const TABLE: &[(u32, Gen)] = &[
    (12, g::<GrantToken>),
    (4, g::<RevokeTokens>),
    (4, g::<UpdateUserInfo>),
    (3, g::<CloseAccounts>),
    (3, g::<ReopenAccountIds>),
    (6, g::<BlockLogin>),
    (3, g::<UnblockLogin>),
    (9, g::<AddToDmList>),
    (4, g::<RemoveFromDmList>),
    (4, g::<SetDmMode>),
    (4, g::<SetUserTags>),
    (3, g::<SetChatBan>),
    (2, g::<DisableUser>),
    (2, g::<EnableUser>),
    (2, g::<DeleteUser>),
    (5, g::<Expire>),
];

fn who(u: &mut Unstructured<'_>) -> arbitrary::Result<Actor> {
    crate::actor(u, 12, 1, 1)
}

fn gen_steps(bytes: &[u8]) -> Vec<Step> {
    crate::steps(
        bytes,
        TABLE,
        6,
        &[1, 1000, 20_000, 60_000, 600_000, HOUR],
        who,
    )
}

type Fail = (u16, &'static str);
type R<T> = std::result::Result<T, Fail>;

const UNAUTH: Fail = (401, "unauthorized");
const ILLEGAL: Fail = (400, "illegal_argument");
const NOT_FOUND: Fail = (404, "service_resource_not_found");
const CLOSED: Fail = (404, "account_closed");

#[derive(Clone, Debug, Default)]
struct MU {
    /// The engine's handle: the slot's generation in the high 32 bits, the slot in the low
    /// (handles order lapses due at one instant).
    handle: u64,
    uuid: String,
    created: i64,
    modified: i64,
    activated: bool,
    nickname: Option<String>,
    portrait: Option<String>,
    valid_after: Option<i64>,
    closed: Option<i64>,
    block_until: Option<i64>,
    allow_mode: bool,
    /// Allowed name → sequence number.
    allow: BTreeMap<String, u64>,
    allow_seq: u64,
    /// Blocked name → sequence number.
    blocks: BTreeMap<String, u64>,
    block_seq: u64,
    tags: Vec<String>,
    /// The one-to-one ban (a never-lapsing chat-scope global mute).
    chat_banned: bool,
}

#[derive(Default)]
struct Model {
    users: BTreeMap<String, MU>,
    next_id: u64,
    op_seq: u64,
    /// The users table's slots: each slot's generation, and the freed ones (reused last
    /// freed first).
    generations: Vec<u32>,
    free: Vec<u32>,
}

fn ev(e: LifecycleEvent) -> Event {
    Event::Lifecycle(e)
}

fn admin(a: &Actor) -> R<()> {
    if a.is_admin() { Ok(()) } else { Err(UNAUTH) }
}

fn batch(n: usize, max: usize) -> R<()> {
    if n == 0 || n > max {
        Err(ILLEGAL)
    } else {
        Ok(())
    }
}

fn distinct(v: &[UserName]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in v {
        if !out.iter().any(|o| o == u.as_str()) {
            out.push(u.to_string());
        }
    }
    out
}

fn name_ok(n: &str) -> R<()> {
    let c = n.chars().count();
    if c == 0 || c > 64 {
        Err(ILLEGAL)
    } else {
        Ok(())
    }
}

fn portrait_ok(p: &str) -> R<()> {
    if p.len() > 1024 { Err(ILLEGAL) } else { Ok(()) }
}

fn view(name: &str, u: &MU) -> UserView {
    UserView {
        uuid: u.uuid.clone(),
        username: nm(name),
        created: Timestamp(u.created),
        modified: Timestamp(u.modified),
        activated: u.activated,
        nickname: u.nickname.clone(),
        push: PushFields {
            notification_display_style: None,
            notification_no_disturbing: None,
            notification_no_disturbing_start: None,
            notification_no_disturbing_end: None,
            notifier_name: None,
            device_token: None,
        },
    }
}

impl Model {
    fn mint(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The handle the users table gives the next registered user.
    fn take_slot(&mut self) -> u64 {
        let slot = match self.free.pop() {
            Some(s) => {
                self.generations[s as usize] += 1;
                s
            }
            None => {
                self.generations.push(0);
                (self.generations.len() - 1) as u32
            }
        };
        (u64::from(self.generations[slot as usize]) << 32) | u64::from(slot)
    }

    fn find(&self, n: &str) -> R<&MU> {
        self.users.get(n).ok_or(NOT_FOUND)
    }

    fn open(&self, n: &str) -> R<&MU> {
        let u = self.find(n)?;
        if u.closed.is_some() {
            Err(CLOSED)
        } else {
            Ok(u)
        }
    }

    fn apply(&mut self, a: &Actor, now: Timestamp, cmd: &Command) -> Option<Outcome> {
        let t = now.0;
        let mut out: Vec<Event> = Vec::new();
        let r: R<Reply> = match cmd {
            Command::GrantToken(c) => (|| {
                admin(a)?;
                name_ok(&c.name)?;
                if let Some(p) = &c.portrait {
                    portrait_ok(p)?;
                }
                let key = c.user.to_string();
                match self.users.get_mut(&key) {
                    Some(u) => {
                        if u.closed.is_some() {
                            return Err(CLOSED);
                        }
                        u.nickname = Some(c.name.clone());
                        u.modified = t;
                        out.push(ev(LifecycleEvent::UserInfoChanged {
                            user: c.user.clone(),
                            at: now,
                        }));
                    }
                    None => {
                        if self.users.len() as u64 >= USERS_MAX {
                            return Err((429, "resource_limited"));
                        }
                        self.mint();
                        let handle = self.take_slot();
                        self.users.insert(
                            key.clone(),
                            MU {
                                handle,
                                uuid: c.uuid.clone(),
                                created: t,
                                modified: t,
                                activated: true,
                                nickname: Some(c.name.clone()),
                                ..MU::default()
                            },
                        );
                        out.push(Event::UserRegistered {
                            user: c.user.clone(),
                        });
                    }
                }
                if let Some(p) = &c.portrait {
                    self.users.get_mut(&key).unwrap().portrait = (!p.is_empty()).then(|| p.clone());
                }
                let seq = self.mint();
                out.push(ev(LifecycleEvent::TokenGranted {
                    user: c.user.clone(),
                    at: now,
                    grant_seq: seq,
                }));
                Ok(Reply::GrantToken(TokenGrant {
                    user: c.user.clone(),
                    issued_at: now,
                    grant_seq: seq,
                }))
            })(),
            Command::RevokeTokens(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 20)?;
                let names = distinct(&c.users);
                for n in &names {
                    self.find(n)?;
                }
                for n in names {
                    let u = self.users.get_mut(&n).unwrap();
                    let b = u.valid_after.map_or(c.before.0, |v| v.max(c.before.0));
                    u.valid_after = Some(b);
                    out.push(ev(LifecycleEvent::TokensRevoked {
                        user: nm(&n),
                        at: now,
                        before: Timestamp(b),
                    }));
                }
                Ok(Reply::RevokeTokens(()))
            })(),
            Command::UpdateUserInfo(c) => (|| {
                admin(a)?;
                if let Some(n) = &c.name {
                    name_ok(n)?;
                }
                if let Some(p) = &c.portrait {
                    portrait_ok(p)?;
                }
                self.open(c.user.as_str())?;
                let u = self.users.get_mut(c.user.as_str()).unwrap();
                if let Some(n) = &c.name {
                    u.nickname = Some(n.clone());
                    u.modified = t;
                }
                if let Some(p) = &c.portrait {
                    u.portrait = (!p.is_empty()).then(|| p.clone());
                }
                out.push(ev(LifecycleEvent::UserInfoChanged {
                    user: c.user.clone(),
                    at: now,
                }));
                Ok(Reply::UpdateUserInfo(()))
            })(),
            Command::CloseAccounts(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 100)?;
                self.op_seq += 1;
                let op = self.op_seq;
                let mut items = Vec::new();
                for n in distinct(&c.users) {
                    let o = match self.users.get_mut(&n) {
                        None => CloseOutcome::NotFound,
                        Some(u) if u.closed.is_some() => CloseOutcome::AlreadyClosed,
                        Some(u) => {
                            u.valid_after = Some(u.valid_after.map_or(t, |v| v.max(t)));
                            u.block_until = None;
                            u.activated = true;
                            u.nickname = None;
                            u.modified = t;
                            u.portrait = None;
                            u.tags.clear();
                            u.allow.clear();
                            u.allow_seq = 0;
                            u.allow_mode = false;
                            u.blocks.clear();
                            u.closed = Some(t);
                            out.push(ev(LifecycleEvent::AccountClosed {
                                user: nm(&n),
                                at: now,
                                op_id: op,
                            }));
                            CloseOutcome::Closed
                        }
                    };
                    items.push((nm(&n), o));
                }
                Ok(Reply::CloseAccounts(LifecycleOp { op_id: op, items }))
            })(),
            Command::ReopenAccountIds(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 100)?;
                self.op_seq += 1;
                let op = self.op_seq;
                let mut items = Vec::new();
                for n in distinct(&c.users) {
                    let o = match self.users.get_mut(&n) {
                        None => ReopenOutcome::NotFound,
                        Some(u) => match u.closed {
                            None => ReopenOutcome::NotClosed,
                            Some(at) if t < at + HOUR => {
                                ReopenOutcome::TooSoon(Timestamp(at + HOUR))
                            }
                            Some(_) => {
                                u.closed = None;
                                out.push(ev(LifecycleEvent::AccountReopened {
                                    user: nm(&n),
                                    at: now,
                                    op_id: op,
                                }));
                                ReopenOutcome::Reopened
                            }
                        },
                    };
                    items.push((nm(&n), o));
                }
                Ok(Reply::ReopenAccountIds(LifecycleOp { op_id: op, items }))
            })(),
            Command::BlockLogin(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 20)?;
                if !(1..=43_200).contains(&c.minutes) {
                    return Err(ILLEGAL);
                }
                let names = distinct(&c.users);
                for n in &names {
                    self.find(n)?;
                }
                if names.iter().any(|n| self.users[n].closed.is_some()) {
                    return Err(CLOSED);
                }
                let until = t + i64::from(c.minutes) * 60_000;
                for n in names {
                    self.users.get_mut(&n).unwrap().block_until = Some(until);
                    out.push(ev(LifecycleEvent::LoginBlocked {
                        user: nm(&n),
                        at: now,
                        until: Timestamp(until),
                    }));
                }
                Ok(Reply::BlockLogin(Timestamp(until)))
            })(),
            Command::UnblockLogin(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 20)?;
                let names = distinct(&c.users);
                for n in &names {
                    self.find(n)?;
                }
                for n in names {
                    let u = self.users.get_mut(&n).unwrap();
                    if u.block_until.is_some_and(|b| b > t) {
                        u.block_until = None;
                        out.push(ev(LifecycleEvent::LoginUnblocked {
                            user: nm(&n),
                            at: now,
                            reason: UnblockReason::Manual,
                        }));
                    }
                }
                Ok(Reply::UnblockLogin(()))
            })(),
            Command::AddToDmList(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 20)?;
                if c.users.contains(&c.owner) {
                    return Err(ILLEGAL);
                }
                let owner = c.owner.to_string();
                self.open(&owner)?;
                let names = distinct(&c.users);
                for n in &names {
                    self.open(n)?;
                }
                let o = &self.users[&owner];
                let (list, cap) = match c.list {
                    DmList::Block => (&o.blocks, BLOCKS_CAP),
                    DmList::Allow => (&o.allow, ALLOW_CAP),
                };
                let fresh: Vec<String> = names
                    .into_iter()
                    .filter(|n| !list.contains_key(n))
                    .collect();
                if list.len() + fresh.len() > cap {
                    return Err((403, "exceed_limit"));
                }
                if fresh.is_empty() {
                    return Ok(Reply::AddToDmList(()));
                }
                let o = self.users.get_mut(&owner).unwrap();
                for n in &fresh {
                    match c.list {
                        DmList::Block => {
                            o.blocks.insert(n.clone(), o.block_seq);
                            o.block_seq += 1;
                        }
                        DmList::Allow => {
                            o.allow.insert(n.clone(), o.allow_seq);
                            o.allow_seq += 1;
                        }
                    }
                }
                let others: Vec<UserName> = fresh.iter().map(|n| nm(n)).collect();
                out.push(ev(match c.list {
                    DmList::Block => LifecycleEvent::BlocklistChanged {
                        user: c.owner.clone(),
                        at: now,
                        others,
                        added: true,
                    },
                    DmList::Allow => LifecycleEvent::AllowlistChanged {
                        user: c.owner.clone(),
                        at: now,
                        others,
                        added: true,
                    },
                }));
                Ok(Reply::AddToDmList(()))
            })(),
            Command::RemoveFromDmList(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 20)?;
                let owner = c.owner.to_string();
                self.open(&owner)?;
                let names = distinct(&c.users);
                for n in &names {
                    self.find(n)?;
                }
                let o = self.users.get_mut(&owner).unwrap();
                let list = match c.list {
                    DmList::Block => &mut o.blocks,
                    DmList::Allow => &mut o.allow,
                };
                let gone: Vec<UserName> = names
                    .iter()
                    .filter(|n| list.remove(*n).is_some())
                    .map(|n| nm(n))
                    .collect();
                if !gone.is_empty() {
                    out.push(ev(match c.list {
                        DmList::Block => LifecycleEvent::BlocklistChanged {
                            user: c.owner.clone(),
                            at: now,
                            others: gone,
                            added: false,
                        },
                        DmList::Allow => LifecycleEvent::AllowlistChanged {
                            user: c.owner.clone(),
                            at: now,
                            others: gone,
                            added: false,
                        },
                    }));
                }
                Ok(Reply::RemoveFromDmList(()))
            })(),
            Command::SetDmMode(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 20)?;
                let names = distinct(&c.users);
                for n in &names {
                    self.open(n)?;
                }
                let on = c.mode == DmMode::Allowlist;
                for n in names {
                    let u = self.users.get_mut(&n).unwrap();
                    if u.allow_mode != on {
                        u.allow_mode = on;
                        out.push(ev(LifecycleEvent::DmModeChanged {
                            user: nm(&n),
                            at: now,
                            mode: c.mode,
                        }));
                    }
                }
                Ok(Reply::SetDmMode(()))
            })(),
            Command::SetUserTags(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 1000)?;
                if c.tags.len() > 20 {
                    return Err(ILLEGAL);
                }
                let mut tags: Vec<String> = Vec::new();
                for tg in &c.tags {
                    let ok = !tg.is_empty()
                        && tg.len() <= 40
                        && tg
                            .chars()
                            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-');
                    if !ok {
                        return Err(ILLEGAL);
                    }
                    if !tags.contains(tg) {
                        tags.push(tg.clone());
                    }
                }
                let names = distinct(&c.users);
                for n in &names {
                    self.open(n)?;
                }
                for n in names {
                    self.users.get_mut(&n).unwrap().tags = tags.clone();
                    out.push(ev(LifecycleEvent::UserTagsChanged {
                        user: nm(&n),
                        at: now,
                    }));
                }
                Ok(Reply::SetUserTags(()))
            })(),
            Command::SetChatBan(c) => (|| {
                admin(a)?;
                batch(c.users.len(), 1000)?;
                let names = distinct(&c.users);
                for n in &names {
                    self.find(n)?;
                }
                for n in names {
                    let u = self.users.get_mut(&n).unwrap();
                    if u.chat_banned != c.banned {
                        u.chat_banned = c.banned;
                        out.push(Event::GlobalMuteChanged {
                            user: nm(&n),
                            scope: MuteScope::Chat,
                            expiry: c.banned.then_some(Expiry::Never),
                        });
                    }
                }
                Ok(Reply::SetChatBan(()))
            })(),
            Command::DisableUser(DisableUser { username })
            | Command::EnableUser(EnableUser { username }) => (|| {
                let on = matches!(cmd, Command::EnableUser(_));
                admin(a)?;
                let u = self.users.get_mut(username.as_str()).ok_or(NOT_FOUND)?;
                if u.activated != on {
                    u.activated = on;
                    u.modified = t;
                    out.push(if on {
                        Event::UserEnabled {
                            user: username.clone(),
                        }
                    } else {
                        Event::UserDisabled {
                            user: username.clone(),
                        }
                    });
                }
                let v = view(username.as_str(), u);
                Ok(if on {
                    Reply::EnableUser(v)
                } else {
                    Reply::DisableUser(v)
                })
            })(),
            Command::DeleteUser(c) => (|| {
                admin(a)?;
                let u = self.users.remove(c.username.as_str()).ok_or(NOT_FOUND)?;
                self.free.push((u.handle & 0xffff_ffff) as u32);
                for o in self.users.values_mut() {
                    o.blocks.remove(c.username.as_str());
                    o.allow.remove(c.username.as_str());
                }
                out.push(Event::UserDeleted {
                    user: c.username.clone(),
                    uuid: u.uuid.clone(),
                });
                Ok(Reply::DeleteUser(view(c.username.as_str(), &u)))
            })(),
            Command::Expire(_) => (|| {
                admin(a)?;
                let mut due: Vec<(i64, u64, String)> = self
                    .users
                    .iter()
                    .filter_map(|(n, u)| {
                        u.block_until
                            .filter(|b| *b <= t)
                            .map(|b| (b, u.handle, n.clone()))
                    })
                    .collect();
                due.sort();
                for (_, _, n) in &due {
                    self.users.get_mut(n).unwrap().block_until = None;
                    out.push(ev(LifecycleEvent::LoginUnblocked {
                        user: nm(n),
                        at: now,
                        reason: UnblockReason::Expired,
                    }));
                }
                Ok(Reply::Expire(due.len()))
            })(),
            _ => return None,
        };
        Some(r.map(|reply| (reply, out)))
    }

    fn status(&self, n: &str, issued: i64, now: i64) -> R<GrantStatus> {
        let u = self.find(n)?;
        Ok(if u.closed.is_some() {
            GrantStatus::Closed
        } else if issued < u.created || u.valid_after.is_some_and(|v| issued < v) {
            GrantStatus::Revoked
        } else if issued + TTL as i64 <= now {
            GrantStatus::Expired
        } else if !u.activated {
            GrantStatus::Disabled
        } else if let Some(b) = u.block_until.filter(|b| *b > now) {
            GrantStatus::Blocked(Timestamp(b))
        } else {
            GrantStatus::Ok
        })
    }
}

fn err_of<T>(r: Result<T>) -> R<T> {
    r.map_err(|e| (e.status(), e.code()))
}

fn newest_first(m: &BTreeMap<String, u64>) -> Vec<UserName> {
    let mut v: Vec<(&String, &u64)> = m.iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(*e.1));
    v.into_iter().map(|(n, _)| nm(n)).collect()
}

fn observe(app: &App, m: &Model, now: Timestamp) -> std::result::Result<(), TestCaseError> {
    let ad = Actor::Admin;
    for n in POOL {
        for issued in [T0, now] {
            let got = err_of(app.query(
                &ad,
                now,
                ValidateGrant {
                    user: nm(n),
                    issued_at: issued,
                },
            ));
            prop_assert_eq!(
                got,
                m.status(n, issued.0, now.0),
                "grant of {} at {:?}",
                n,
                issued
            );
        }
        let info = err_of(app.query(&ad, now, GetUserInfo { user: nm(n) }));
        let want = m.open(n).map(|u| UserInfo {
            name: u.nickname.clone(),
            portrait: u.portrait.clone(),
            created_at: Timestamp(u.created),
        });
        prop_assert_eq!(info, want, "info of {}", n);
        for (list, pick) in [(DmList::Block, 0), (DmList::Allow, 1)] {
            let got = err_of(app.query(
                &ad,
                now,
                ListDmList {
                    list,
                    owner: nm(n),
                    size: None,
                    cursor: None,
                },
            ))
            .map(|p| p.items);
            let want = m
                .find(n)
                .map(|u| newest_first(if pick == 0 { &u.blocks } else { &u.allow }));
            prop_assert_eq!(got, want, "{:?} list of {}", list, n);
        }
        let mode = err_of(app.query(&ad, now, GetDmMode { users: vec![nm(n)] }));
        let want = m.find(n).map(|u| {
            vec![(
                nm(n),
                if u.allow_mode {
                    DmMode::Allowlist
                } else {
                    DmMode::Blocklist
                },
            )]
        });
        prop_assert_eq!(mode, want, "mode of {}", n);
        let tags = err_of(app.query(&ad, now, GetUserTags { users: vec![nm(n)] }));
        let want = m.find(n).map(|u| vec![(nm(n), u.tags.clone())]);
        prop_assert_eq!(tags, want, "tags of {}", n);
    }
    let blocks = app
        .query(
            &ad,
            now,
            ListLoginBlocks {
                page: None,
                size: None,
            },
        )
        .unwrap();
    let mut want: Vec<LoginBlockEntry> = m
        .users
        .iter()
        .filter_map(|(n, u)| {
            u.block_until
                .filter(|b| *b > now.0)
                .map(|b| LoginBlockEntry {
                    user: nm(n),
                    until: Timestamp(b),
                })
        })
        .collect();
    want.sort_by(|a, b| b.until.cmp(&a.until).then_with(|| a.user.cmp(&b.user)));
    prop_assert_eq!(blocks, want, "login blocks");
    let closed = app
        .query(
            &ad,
            now,
            ListClosedAccounts {
                page_no: None,
                page_size: None,
            },
        )
        .unwrap();
    let mut want: Vec<(i64, String)> = m
        .users
        .iter()
        .filter_map(|(n, u)| u.closed.map(|c| (c, n.clone())))
        .collect();
    want.sort();
    prop_assert_eq!(closed.total, want.len() as u64);
    prop_assert_eq!(
        closed.users,
        want.into_iter().map(|(_, n)| nm(&n)).collect::<Vec<_>>()
    );
    let bans = app
        .query(
            &ad,
            now,
            ListChatBans {
                num: Some(200),
                offset: None,
            },
        )
        .unwrap();
    let want: Vec<UserName> = m
        .users
        .iter()
        .filter(|(_, u)| u.chat_banned)
        .map(|(n, _)| nm(n))
        .collect();
    prop_assert_eq!(bans.total, want.len() as u64);
    prop_assert_eq!(bans.users, want, "chat bans");
    let next = app.next_expiry();
    let want = m.users.values().filter_map(|u| u.block_until).min();
    prop_assert_eq!(next.map(|t| t.0), want, "next expiry");
    Ok(())
}

/// Users u0–u4 registered through `GrantToken`, so that most steps meet live users.
fn prelude() -> Vec<Step> {
    (0..5)
        .map(|i| {
            Step::Cmd(
                Actor::Admin,
                GrantToken {
                    user: nm(&format!("u{i}")),
                    name: format!("U{i}"),
                    portrait: None,
                    uuid: format!("uuid-{i}"),
                }
                .into(),
                0,
            )
        })
        .collect()
}

fn run(steps: &[Step]) -> std::result::Result<(), TestCaseError> {
    let engine = Engine::new();
    let app = engine
        .create_app(AppKey::new("org", "model").unwrap(), limits())
        .unwrap();
    let mut m = Model::default();
    let mut now = T0;
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Advance(ms) => now = Timestamp(now.0 + ms),
            Step::Cmd(actor, cmd, _) => {
                let want = m.apply(actor, now, cmd).expect("a lifecycle command");
                crate::engine_agrees(&app, (i, actor, cmd), now, want, "lifecycle")?;
            }
        }
        crate::step_holds(&app, i, step, observe(&app, &m, now))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::cases(256), ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_model(bytes in prop::collection::vec(any::<u8>(), 0..1200)) {
        let mut all = prelude();
        all.extend(gen_steps(&bytes));
        run(&all)?;
    }
}

/// A fixed walk through the lifecycle's corners: revoke, block and lapse, close, reopen too
/// soon and on time, register again, lists and caps, delete.
#[test]
fn a_fixed_walk_matches_the_model() {
    let c = |x: Command| Step::Cmd(Actor::Admin, x, 0);
    let us = |v: &[&str]| v.iter().map(|s| nm(s)).collect::<Vec<_>>();
    let mut steps = prelude();
    steps.extend([
        Step::Advance(1000),
        c(GrantToken {
            user: nm("u0"),
            name: "Zero".into(),
            portrait: Some("p".into()),
            uuid: "x".into(),
        }
        .into()),
        c(RevokeTokens {
            users: us(&["u0", "u1"]),
            before: Timestamp(T0.0 + 500),
        }
        .into()),
        c(BlockLogin {
            users: us(&["u1", "u2"]),
            minutes: 1,
        }
        .into()),
        c(AddToDmList {
            list: DmList::Block,
            owner: nm("u3"),
            users: us(&["u0", "u1", "u2"]),
        }
        .into()),
        c(AddToDmList {
            list: DmList::Block,
            owner: nm("u3"),
            users: us(&["u4"]),
        }
        .into()),
        c(AddToDmList {
            list: DmList::Allow,
            owner: nm("u3"),
            users: us(&["u4", "u0"]),
        }
        .into()),
        c(SetDmMode {
            users: us(&["u3"]),
            mode: DmMode::Allowlist,
        }
        .into()),
        c(SetUserTags {
            users: us(&["u3", "u4"]),
            tags: vec!["vip".into(), "vip".into(), "cn".into()],
        }
        .into()),
        Step::Advance(60_000),
        c(Expire.into()),
        c(CloseAccounts {
            users: us(&["u3", "u7"]),
            leave_groups: true,
        }
        .into()),
        c(ReopenAccountIds {
            users: us(&["u3", "u0"]),
        }
        .into()),
        Step::Advance(HOUR),
        c(ReopenAccountIds { users: us(&["u3"]) }.into()),
        c(GrantToken {
            user: nm("u3"),
            name: "Three".into(),
            portrait: None,
            uuid: "y".into(),
        }
        .into()),
        c(DisableUser { username: nm("u4") }.into()),
        c(DeleteUser { username: nm("u0") }.into()),
        c(GrantToken {
            user: nm("u5"),
            name: "Five".into(),
            portrait: None,
            uuid: "z".into(),
        }
        .into()),
        c(GrantToken {
            user: nm("u6"),
            name: "Six".into(),
            portrait: None,
            uuid: "w".into(),
        }
        .into()),
        c(GrantToken {
            user: nm("u7"),
            name: "Seven".into(),
            portrait: None,
            uuid: "v".into(),
        }
        .into()),
    ]);
    run(&steps).unwrap();
}
