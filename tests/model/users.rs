//! Model of the users area: users, tokens, sessions, attributes, friends, block lists, global
//! mutes, presence (statuses, subscriptions, `PresenceChanged`), push settings, and `Expire`
//! (global mutes and subscriptions lapsing). Generated commands (`crate::steps`, the users commands only) run on the engine and on
//! [`Model::apply`], with small limits; after every step:
//! - equal replies and events, or errors with the same status and code;
//! - equal observations: users (with their push fields), friends (with remarks and
//!   `added_at`), block lists, attributes, capacity, mutes, devices, every pool token's
//!   validity, and each user's exported presence (statuses, ext, last_time, offline-since,
//!   subscriptions) and push settings;
//! - `imcore::invariants::check` passes (friendship symmetric, friends ≤ cap, blocks ≤ cap,
//!   app attribute total = sum of user sizes ≤ cap, nothing refers to a deleted user).

use std::collections::BTreeMap;

use arbitrary::Unstructured;
use imcore::limits::{
    ATTR_WRITE_BYTES_MAX, BATCH_REGISTER_MAX, CONTACTS_IMPORT_MAX, MUTE_MILLIS_MAX,
    PASSWORD_CHARS_MAX, REMARK_CHARS_MAX, RESOURCE_BYTES_MAX, TOKEN_BYTES_MAX,
};
use imcore::*;
use indexmap::IndexMap;
use proptest::prelude::*;

use crate::fixture::T0;
use crate::{Gen, Outcome, Step, g, nm};

// ---- limits ----

const FRIENDS_MAX: u32 = 3;
const USERS_MAX: u64 = 5;
const ATTR_USER: u64 = 50;
const ATTR_APP: u64 = 120;
const TTL_DEFAULT: u64 = 5000;
const DEVICES: u32 = 2;
/// The token strings the pool draws from, for observation.
const TOKENS: [&str; 6] = ["t0", "t1", "t2", "t3", "t4", ""];

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

// ---- generated steps ----

/// The users commands, weighted (deleting a page of users wipes most of the state: rare).
const TABLE: &[(u32, Gen)] = &[
    (12, g::<RegisterUser>),
    (3, g::<RegisterUsers>),
    (3, g::<DeleteUser>),
    (1, g::<DeleteUsers>),
    (15, g::<AddFriend>),
    (6, g::<RemoveFriend>),
    (8, g::<AddFriendById>),
    (4, g::<RemoveFriendById>),
    (9, g::<SetRemark>),
    (3, g::<ImportFriends>),
    (9, g::<BlockUsers>),
    (6, g::<UnblockUser>),
    (12, g::<SetAttributes>),
    (3, g::<DeleteAttributes>),
    (6, g::<SetGlobalMute>),
    (3, g::<ChangePassword>),
    (3, g::<DisableUser>),
    (3, g::<EnableUser>),
    (12, g::<IssueToken>),
    (3, g::<SetCredentials>),
    (6, g::<OpenSession>),
    (3, g::<CloseSession>),
    (3, g::<ForceLogout>),
    (9, g::<SetPresence>),
    (12, g::<SubscribePresence>),
    (2, g::<UnsubscribePresence>),
    (4, g::<SetPushProfile>),
    (2, g::<SetPushNicknames>),
    (4, g::<SetNotification>),
    (2, g::<SetPushLanguage>),
    (2, g::<SetPushTemplate>),
    (3, g::<BindPushDevice>),
    (8, g::<Expire>),
];

fn who(u: &mut Unstructured<'_>) -> arbitrary::Result<Actor> {
    crate::actor(u, 8, 3, 1)
}

fn gen_steps(bytes: &[u8]) -> Vec<Step> {
    crate::steps(bytes, TABLE, 6, &[1, 300, 700, 1500, 2500, 5001], who)
}

// ---- the model ----

type Fail = (u16, &'static str);
type R<T> = std::result::Result<T, Fail>;

const UNAUTH: Fail = (401, "unauthorized");
const ILLEGAL: Fail = (400, "illegal_argument");
const NOT_FOUND: Fail = (404, "service_resource_not_found");
const INVALID_GRANT: Fail = (400, "invalid_grant");

#[derive(Clone, Debug)]
struct MUser {
    id: u64,
    uuid: String,
    created: i64,
    modified: i64,
    activated: bool,
    password: Option<String>,
    nickname: Option<String>,
    /// Friend name → added_at.
    friends: BTreeMap<String, i64>,
    remarks: BTreeMap<String, String>,
    /// Blocked name → sequence number (newest is largest).
    blocks: BTreeMap<String, u64>,
    block_seq: u64,
    attrs: IndexMap<String, String>,
    mutes: [Option<Expiry>; 3],
    tokens: Vec<String>,
    sessions: Vec<Device>,
    /// Presence statuses by resource, least recently set first.
    statuses: Vec<(String, String)>,
    ext: String,
    last_time: Option<i64>,
    offline_since: Option<i64>,
    /// Subscriptions: target name and expiry, in subscribe order.
    subs: Vec<(String, i64)>,
    push: MPush,
}

/// One notification setting: type, interval (app level only), quiet until.
type MNotify = (NotifyType, Option<String>, Option<i64>);

#[derive(Clone, Debug, Default)]
struct MPush {
    display_style: Option<u8>,
    dnd: (Option<bool>, Option<u8>, Option<u8>),
    app: Option<MNotify>,
    conv: BTreeMap<NotifyKey, MNotify>,
    language: Option<String>,
    template: Option<String>,
    /// Device, notifier, token; least recently bound first.
    bindings: Vec<(String, String, String)>,
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
    App,
    User(u64),
}

#[derive(Default)]
struct Model {
    users: BTreeMap<String, MUser>,
    next_id: u64,
    tokens: BTreeMap<String, (Subj, Expiry)>,
    attr_total: u64,
    credentials: Option<(String, String)>,
    /// When each (subscriber, target) subscription was first made (its place in the target's
    /// subscriber order).
    sub_seq: BTreeMap<(String, String), u64>,
    next_sub_seq: u64,
    /// The engine's handle of every live user (set before each step from `LookupUser`: how
    /// handles are drawn is the engine's business; the id forms' rules are the model's).
    handles: BTreeMap<UserId, String>,
}

fn view(name: &str, u: &MUser) -> UserView {
    UserView {
        uuid: u.uuid.clone(),
        username: nm(name),
        created: Timestamp(u.created),
        modified: Timestamp(u.modified),
        activated: u.activated,
        nickname: u.nickname.clone(),
        push: push_fields(u),
    }
}

fn push_fields(u: &MUser) -> PushFields {
    let p = &u.push;
    let last = p.bindings.last();
    PushFields {
        notification_display_style: p.display_style,
        notification_no_disturbing: p.dnd.0,
        notification_no_disturbing_start: p.dnd.1,
        notification_no_disturbing_end: p.dnd.2,
        notifier_name: last.map(|b| b.1.clone()),
        device_token: last.map(|b| b.2.clone()),
    }
}

fn notify_view(n: Option<&MNotify>, app: bool, now: i64) -> NotifyView {
    NotifyView {
        kind: n.map_or(
            if app {
                NotifyType::All
            } else {
                NotifyType::Default
            },
            |n| n.0,
        ),
        ignore_interval: n.and_then(|n| n.1.clone()).unwrap_or_default(),
        ignore_until: n.and_then(|n| n.2).filter(|t| now < *t).map(Timestamp),
    }
}

const RPNF: Fail = (400, "required_property_not_found");

fn admin_or_self(a: &Actor, user: &UserName) -> R<()> {
    match a {
        Actor::Admin => Ok(()),
        Actor::User(u) if u == user => Ok(()),
        _ => Err(UNAUTH),
    }
}

fn admin_only(a: &Actor) -> R<()> {
    match a {
        Actor::Admin => Ok(()),
        _ => Err(UNAUTH),
    }
}

/// Attribute calls: the admin and the user themself; another user gets `metadata_error`.
fn attr_auth(a: &Actor, user: &UserName) -> R<()> {
    match a {
        Actor::Admin => Ok(()),
        Actor::User(u) if u == user => Ok(()),
        Actor::User(_) => Err((401, "metadata_error")),
        Actor::Anonymous => Err(UNAUTH),
    }
}

fn check_password(p: &str) -> R<()> {
    if p.is_empty() || p.chars().count() > PASSWORD_CHARS_MAX {
        Err(ILLEGAL)
    } else {
        Ok(())
    }
}

fn parse(raw: &str) -> R<UserName> {
    UserName::parse(raw).map_err(|_| ILLEGAL)
}

/// A registration's own rules: name, password, nickname.
fn validate(u: &NewUser) -> R<UserName> {
    let name = parse(&u.username)?;
    check_password(&u.password)?;
    if u.nickname.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(ILLEGAL);
    }
    Ok(name)
}

/// Compact JSON bytes of attribute pairs (the pools hold no characters JSON escapes).
fn json_len(pairs: &[(String, String)]) -> usize {
    2 + pairs
        .iter()
        .map(|(k, v)| k.len() + v.len() + 5)
        .sum::<usize>()
        + pairs.len().saturating_sub(1)
}

fn platform(r: &str) -> &str {
    r.split('_').next().unwrap_or(r)
}

impl Model {
    fn new() -> Model {
        Model {
            next_id: 1,
            ..Model::default()
        }
    }

    fn create(&mut self, name: &str, nu: &NewUser, password: Option<&str>, now: i64) -> UserView {
        let id = self.next_id;
        self.next_id += 1;
        let u = MUser {
            id,
            uuid: nu.uuid.clone(),
            created: now,
            modified: now,
            activated: true,
            password: password.map(Into::into),
            nickname: nu.nickname.clone(),
            friends: BTreeMap::new(),
            remarks: BTreeMap::new(),
            blocks: BTreeMap::new(),
            block_seq: 0,
            attrs: IndexMap::new(),
            mutes: [None; 3],
            tokens: Vec::new(),
            sessions: Vec::new(),
            statuses: Vec::new(),
            ext: String::new(),
            last_time: None,
            offline_since: None,
            subs: Vec::new(),
            push: MPush::default(),
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

    /// Adding a friend once both users are known to exist (`o != f`).
    fn add_friend(&mut self, o: &str, f: &str, now: i64, ev: &mut Vec<Event>) -> R<UserView> {
        let fv = view(f, &self.users[f]);
        if self.users[o].friends.contains_key(f) {
            return Ok(fv);
        }
        if self.at_cap(o) || self.at_cap(f) {
            return Err((403, "exceed_limit"));
        }
        self.link(o, f, now);
        ev.push(Event::ContactAdded {
            owner: nm(o),
            friend: nm(f),
        });
        Ok(fv)
    }

    /// Removing a friend once both users are known to exist.
    fn remove_friend(&mut self, o: &str, f: &str, ev: &mut Vec<Event>) -> UserView {
        let fv = view(f, &self.users[f]);
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
        fv
    }

    /// The id forms' caller check and the two handles' users: the admin, or a user token of
    /// the user `owner` names (anyone else, and any user token when `owner` names nobody, is
    /// `401`); then each handle's user name, `None` for a handle of no live user.
    fn by_handle(
        &self,
        a: &Actor,
        owner: UserId,
        friend: UserId,
    ) -> R<(Option<String>, Option<String>)> {
        let o = self.handles.get(&owner).cloned();
        match a {
            Actor::Admin => {}
            Actor::User(me) if o.as_deref() == Some(me.as_str()) => {}
            _ => return Err(UNAUTH),
        }
        Ok((o, self.handles.get(&friend).cloned()))
    }

    fn user(&self, n: &UserName) -> R<&MUser> {
        self.users.get(n.as_str()).ok_or(NOT_FOUND)
    }

    fn grant(&mut self, name: &str, token: &str, expires: Expiry) -> R<UserView> {
        let u = self.users.get_mut(name).unwrap();
        if !u.activated {
            return Err(INVALID_GRANT);
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

    /// The deletion cascade; returns the deleted user's view.
    fn delete(&mut self, name: &str, ev: &mut Vec<Event>) -> UserView {
        let d = self.users[name].clone();
        for s in &d.sessions {
            ev.push(Event::ForceDisconnect {
                user: nm(name),
                resource: s.res.clone(),
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
            u.subs.retain(|(t, _)| t != name);
            u.push.conv.remove(&NotifyKey::User(nm(name)));
        }
        self.revoke_tokens(name);
        self.attr_total -= d.size();
        self.users.remove(name);
        ev.push(Event::UserDeleted {
            user: nm(name),
            uuid: d.uuid.clone(),
        });
        view(name, &d)
    }

    /// The live subscribers of `target` at `now`, in the order they first subscribed (the
    /// engine keeps that order per target: a subscriber's place is where they were added).
    fn live_subscribers(&self, target: &str, now: i64) -> Vec<UserName> {
        let mut subs: Vec<(u64, String)> = Vec::new();
        for (n, u) in &self.users {
            if let Some((_, at)) = u.subs.iter().find(|(t, _)| t == target)
                && now < *at
            {
                let seq = self
                    .sub_seq
                    .get(&(n.clone(), target.to_string()))
                    .copied()
                    .unwrap_or(0);
                subs.push((seq, n.clone()));
            }
        }
        subs.sort();
        subs.into_iter().map(|(_, n)| nm(&n)).collect()
    }

    fn announce(&self, name: &str, resource: &str, now: i64, ev: &mut Vec<Event>) {
        let subscribers = self.live_subscribers(name, now);
        if subscribers.is_empty() {
            return;
        }
        let u = &self.users[name];
        let status = u
            .statuses
            .iter()
            .find(|(r, _)| r == resource)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        ev.push(Event::PresenceChanged {
            user: nm(name),
            resource: resource.into(),
            status,
            ext: u.ext.clone(),
            subscribers,
        });
    }

    fn put_status(u: &mut MUser, resource: &str, status: &str) {
        u.statuses.retain(|(r, _)| r != resource);
        while u.statuses.len() >= imcore::limits::PRESENCE_RESOURCES_MAX {
            u.statuses.remove(0);
        }
        u.statuses.push((resource.into(), status.into()));
    }

    fn sessions_changed(
        &mut self,
        name: &str,
        res: &[String],
        on: bool,
        now: i64,
        ev: &mut Vec<Event>,
    ) {
        if res.is_empty() {
            return;
        }
        let u = self.users.get_mut(name).unwrap();
        for r in res {
            Model::put_status(u, r, if on { "1" } else { "0" });
        }
        u.last_time = Some(now);
        for r in res {
            self.announce(name, r, now, ev);
        }
    }

    fn closed(&mut self, name: &str, res: &[String], now: i64, ev: &mut Vec<Event>) {
        if res.is_empty() {
            return;
        }
        self.sessions_changed(name, res, false, now, ev);
        let u = self.users.get_mut(name).unwrap();
        if u.sessions.is_empty() && u.offline_since.is_none() {
            u.offline_since = Some(now);
        }
    }

    fn opened(&mut self, name: &str, res: &str, now: i64, ev: &mut Vec<Event>) {
        self.sessions_changed(name, &[res.to_string()], true, now, ev);
        self.users.get_mut(name).unwrap().offline_since = None;
    }

    fn presence_view(&self, name: &UserName) -> PresenceView {
        match self.users.get(name.as_str()) {
            None => PresenceView {
                uid: name.to_string(),
                ..PresenceView::default()
            },
            Some(u) => PresenceView {
                uid: name.to_string(),
                last_time: u.last_time.map(Timestamp),
                ext: u.ext.clone(),
                status: u.statuses.iter().cloned().collect(),
            },
        }
    }

    fn ttl(&self, given: Option<Millis>, now: i64) -> (Millis, Expiry) {
        let ttl = given.unwrap_or(Millis(TTL_DEFAULT));
        let e = if ttl.0 == 0 {
            Expiry::Never
        } else {
            Expiry::At(Timestamp(now).after(ttl))
        };
        (ttl, e)
    }

    /// Applies a users-area command; `None` for other areas' commands.
    fn apply(&mut self, a: &Actor, now: Timestamp, cmd: &Command) -> Option<Outcome> {
        let mut ev = Vec::new();
        let r = self.apply_inner(a, now.0, cmd, &mut ev)?;
        Some(r.map(|reply| (reply, ev)))
    }

    fn apply_inner(
        &mut self,
        a: &Actor,
        now: i64,
        cmd: &Command,
        ev: &mut Vec<Event>,
    ) -> Option<R<Reply>> {
        Some(match cmd {
            Command::RegisterUser(c) => self.register(a, &c.0, now, ev),
            Command::RegisterUsers(c) => self.register_batch(a, &c.0, now, ev),
            Command::DeleteUser(c) => (|| {
                admin_only(a)?;
                self.user(&c.username)?;
                Ok(Reply::DeleteUser(self.delete(c.username.as_str(), ev)))
            })(),
            Command::DeleteUsers(c) => (|| {
                admin_only(a)?;
                let limit = match c.limit {
                    None => 10,
                    Some(0) => return Err(ILLEGAL),
                    Some(n) => n.min(100) as usize,
                };
                let mut order: Vec<(i64, u64, String)> = self
                    .users
                    .iter()
                    .map(|(n, u)| (u.created, u.id, n.clone()))
                    .collect();
                order.sort();
                let items = order
                    .into_iter()
                    .take(limit)
                    .map(|(_, _, n)| self.delete(&n, ev))
                    .collect();
                let cursor = (!self.users.is_empty()).then(|| "u:0.0".to_string());
                Ok(Reply::DeleteUsers(Page { items, cursor }))
            })(),
            Command::AddFriend(c) => (|| {
                admin_or_self(a, &c.owner)?;
                if c.owner == c.friend {
                    return Err(ILLEGAL);
                }
                self.user(&c.owner)?;
                self.user(&c.friend)?;
                self.add_friend(c.owner.as_str(), c.friend.as_str(), now, ev)
                    .map(Reply::AddFriend)
            })(),
            Command::AddFriendById(c) => (|| {
                let (o, f) = self.by_handle(a, c.owner, c.friend)?;
                if c.owner == c.friend {
                    return Err(ILLEGAL);
                }
                let (o, f) = (o.ok_or(NOT_FOUND)?, f.ok_or(NOT_FOUND)?);
                self.add_friend(&o, &f, now, ev).map(Reply::AddFriendById)
            })(),
            Command::RemoveFriend(c) => (|| {
                admin_or_self(a, &c.owner)?;
                self.user(&c.owner)?;
                self.user(&c.friend)?;
                Ok(Reply::RemoveFriend(self.remove_friend(
                    c.owner.as_str(),
                    c.friend.as_str(),
                    ev,
                )))
            })(),
            Command::RemoveFriendById(c) => (|| {
                let (o, f) = self.by_handle(a, c.owner, c.friend)?;
                let (o, f) = (o.ok_or(NOT_FOUND)?, f.ok_or(NOT_FOUND)?);
                Ok(Reply::RemoveFriendById(self.remove_friend(&o, &f, ev)))
            })(),
            Command::SetRemark(c) => (|| {
                let (o, f) = (c.owner.as_str(), c.friend.as_str());
                admin_or_self(a, &c.owner)?;
                if c.remark.chars().count() > REMARK_CHARS_MAX {
                    return Err(ILLEGAL);
                }
                self.user(&c.owner)?;
                self.user(&c.friend)?;
                let u = self.users.get_mut(o).unwrap();
                if !u.friends.contains_key(f) {
                    return Err(ILLEGAL);
                }
                if c.remark.is_empty() {
                    u.remarks.remove(f);
                } else {
                    u.remarks.insert(f.into(), c.remark.clone());
                }
                Ok(Reply::SetRemark(()))
            })(),
            Command::ImportFriends(c) => (|| {
                let o = c.owner.as_str();
                admin_only(a)?;
                if c.usernames.len() > CONTACTS_IMPORT_MAX {
                    return Err(ILLEGAL);
                }
                self.user(&c.owner)?;
                if self.at_cap(o) {
                    return Err((403, "exceed_limit"));
                }
                let mut out = Vec::new();
                for raw in &c.usernames {
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
                            if c.notify {
                                ev.push(Event::ContactAdded {
                                    owner: c.owner.clone(),
                                    friend: f,
                                });
                            }
                            ImportResult::Success
                        }
                    };
                    out.push((raw.clone(), r));
                }
                Ok(Reply::ImportFriends(out))
            })(),
            Command::BlockUsers(c) => (|| {
                let o = c.owner.as_str();
                admin_or_self(a, &c.owner)?;
                if c.usernames.is_empty() || c.usernames.contains(&c.owner) {
                    return Err(ILLEGAL);
                }
                self.user(&c.owner)?;
                let mut names: Vec<UserName> = Vec::new();
                for n in &c.usernames {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
                for t in &names {
                    self.user(t)?;
                }
                let u = self.users.get_mut(o).unwrap();
                let new: Vec<&UserName> = names
                    .iter()
                    .filter(|t| !u.blocks.contains_key(t.as_str()))
                    .collect();
                if u.blocks.len() + new.len() > 500 {
                    return Err((403, "exceed_limit"));
                }
                for t in &new {
                    u.blocks.insert(t.to_string(), u.block_seq);
                    u.block_seq += 1;
                    ev.push(Event::UserBlocked {
                        owner: c.owner.clone(),
                        blocked: (*t).clone(),
                    });
                }
                Ok(Reply::BlockUsers(names.clone()))
            })(),
            Command::UnblockUser(c) => (|| {
                let (o, b) = (c.owner.as_str(), c.blocked.as_str());
                admin_or_self(a, &c.owner)?;
                self.user(&c.owner)?;
                let bv = view(b, self.user(&c.blocked)?);
                if self.users.get_mut(o).unwrap().blocks.remove(b).is_some() {
                    ev.push(Event::UserUnblocked {
                        owner: c.owner.clone(),
                        blocked: c.blocked.clone(),
                    });
                }
                Ok(Reply::UnblockUser(bv))
            })(),
            Command::SetAttributes(c) => (|| {
                let name = c.username.as_str();
                attr_auth(a, &c.username)?;
                if c.pairs.is_empty() || c.pairs.iter().any(|(k, _)| k.is_empty()) {
                    return Err(ILLEGAL);
                }
                if json_len(&c.pairs) > ATTR_WRITE_BYTES_MAX {
                    return Err((413, "Request Entity Too Large"));
                }
                let mut sent: IndexMap<String, String> = IndexMap::new();
                for (k, v) in &c.pairs {
                    sent.insert(k.clone(), v.clone());
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
                    user: c.username.clone(),
                    keys: sent.keys().cloned().collect(),
                });
                Ok(Reply::SetAttributes(sent))
            })(),
            Command::DeleteAttributes(c) => (|| {
                attr_auth(a, &c.username)?;
                if let Some(u) = self.users.get_mut(c.username.as_str())
                    && !u.attrs.is_empty()
                {
                    self.attr_total -= u.size();
                    u.attrs.clear();
                    ev.push(Event::AttributesDeleted {
                        user: c.username.clone(),
                    });
                }
                Ok(Reply::DeleteAttributes(true))
            })(),
            Command::SetGlobalMute(c) => (|| {
                admin_only(a)?;
                let mut to: [Option<Option<Expiry>>; 3] = [None; 3];
                for (slot, v) in to.iter_mut().zip([c.chat, c.groupchat, c.chatroom]) {
                    *slot = match v {
                        None => None,
                        Some(MuteValue::Lift) => Some(None),
                        Some(MuteValue::Forever) => Some(Some(Expiry::Never)),
                        Some(MuteValue::For(d)) if d.0 == 0 || d.0 > MUTE_MILLIS_MAX => {
                            return Err(ILLEGAL);
                        }
                        Some(MuteValue::For(d)) => Some(Some(Expiry::At(Timestamp(now).after(d)))),
                    };
                }
                let u = self
                    .users
                    .get_mut(c.username.as_str())
                    .ok_or((400, "required_property_not_found"))?;
                for (i, (scope, t)) in MuteScope::ALL.into_iter().zip(to).enumerate() {
                    if let Some(e) = t {
                        u.mutes[i] = e;
                        ev.push(Event::GlobalMuteChanged {
                            user: c.username.clone(),
                            scope,
                            expiry: e,
                        });
                    }
                }
                Ok(Reply::SetGlobalMute(()))
            })(),
            Command::ChangePassword(c) => (|| {
                let name = c.username.as_str();
                admin_only(a)?;
                check_password(&c.new_password)?;
                let u = self.users.get_mut(name).ok_or((404, "entity_not_found"))?;
                u.password = Some(c.new_password.clone());
                u.modified = now;
                let res: Vec<String> = std::mem::take(&mut u.sessions)
                    .into_iter()
                    .map(|s| s.res)
                    .collect();
                for r in &res {
                    ev.push(Event::ForceDisconnect {
                        user: c.username.clone(),
                        resource: r.clone(),
                        reason: DisconnectReason::PasswordChanged,
                    });
                }
                self.revoke_tokens(name);
                self.closed(name, &res, now, ev);
                ev.push(Event::PasswordChanged {
                    user: c.username.clone(),
                });
                Ok(Reply::ChangePassword(()))
            })(),
            Command::DisableUser(DisableUser { username })
            | Command::EnableUser(EnableUser { username }) => (|| {
                let on = matches!(cmd, Command::EnableUser(_));
                admin_only(a)?;
                let u = self.users.get_mut(username.as_str()).ok_or(NOT_FOUND)?;
                if u.activated != on {
                    u.activated = on;
                    u.modified = now;
                    if !on {
                        let res: Vec<String> = std::mem::take(&mut u.sessions)
                            .into_iter()
                            .map(|s| s.res)
                            .collect();
                        for r in &res {
                            ev.push(Event::ForceDisconnect {
                                user: username.clone(),
                                resource: r.clone(),
                                reason: DisconnectReason::Disabled,
                            });
                        }
                        self.closed(username.as_str(), &res, now, ev);
                    }
                    ev.push(if on {
                        Event::UserEnabled {
                            user: username.clone(),
                        }
                    } else {
                        Event::UserDisabled {
                            user: username.clone(),
                        }
                    });
                }
                let v = view(username.as_str(), &self.users[username.as_str()]);
                Ok(if on {
                    Reply::EnableUser(v)
                } else {
                    Reply::DisableUser(v)
                })
            })(),
            Command::IssueToken(c) => self.issue(a, c, now, ev),
            Command::SetCredentials(SetCredentials(c)) => (|| {
                admin_only(a)?;
                if c.client_id.is_empty() || c.client_secret.is_empty() {
                    return Err(ILLEGAL);
                }
                self.credentials = Some((c.client_id.clone(), c.client_secret.clone()));
                Ok(Reply::SetCredentials(()))
            })(),
            Command::OpenSession(c) => (|| {
                admin_only(a)?;
                if c.resource.is_empty() || c.resource.len() > RESOURCE_BYTES_MAX {
                    return Err(ILLEGAL);
                }
                let long =
                    |f: &Option<String>| f.as_ref().is_some_and(|v| v.len() > RESOURCE_BYTES_MAX);
                if long(&c.device_uuid) || long(&c.device_name) {
                    return Err(ILLEGAL);
                }
                let u = self.users.get_mut(c.username.as_str()).ok_or(NOT_FOUND)?;
                if !u.activated {
                    return Err(INVALID_GRANT);
                }
                let mut kicked = Vec::new();
                if let Some(i) = u.sessions.iter().position(|s| s.res == c.resource) {
                    kicked.push(u.sessions.remove(i).res);
                }
                let plat = platform(&c.resource);
                let on_plat = |s: &Device| platform(&s.res) == plat;
                while u.sessions.iter().filter(|s| on_plat(s)).count() >= DEVICES.max(1) as usize {
                    let i = u.sessions.iter().position(on_plat).unwrap();
                    kicked.push(u.sessions.remove(i).res);
                }
                u.sessions.push(Device {
                    res: c.resource.clone(),
                    device_uuid: c.device_uuid.clone(),
                    device_name: c.device_name.clone(),
                });
                for k in &kicked {
                    ev.push(Event::ForceDisconnect {
                        user: c.username.clone(),
                        resource: k.clone(),
                        reason: DisconnectReason::LoginAnotherDevice,
                    });
                }
                kicked.retain(|k| *k != c.resource);
                self.closed(c.username.as_str(), &kicked, now, ev);
                self.opened(c.username.as_str(), &c.resource, now, ev);
                Ok(Reply::OpenSession(()))
            })(),
            Command::CloseSession(c) => (|| {
                admin_only(a)?;
                let u = self.users.get_mut(c.username.as_str()).ok_or(NOT_FOUND)?;
                let before = u.sessions.len();
                u.sessions.retain(|s| s.res != c.resource);
                if u.sessions.len() < before {
                    self.closed(
                        c.username.as_str(),
                        std::slice::from_ref(&c.resource),
                        now,
                        ev,
                    );
                }
                Ok(Reply::CloseSession(()))
            })(),
            Command::ForceLogout(c) => (|| {
                admin_only(a)?;
                let u = self.users.get_mut(c.username.as_str()).ok_or(NOT_FOUND)?;
                let (gone, kept): (Vec<Device>, Vec<Device>) = std::mem::take(&mut u.sessions)
                    .into_iter()
                    .partition(|s| c.resource.as_ref().is_none_or(|r| s.res == *r));
                u.sessions = kept;
                let res: Vec<String> = gone.into_iter().map(|s| s.res).collect();
                for r in &res {
                    ev.push(Event::ForceDisconnect {
                        user: c.username.clone(),
                        resource: r.clone(),
                        reason: DisconnectReason::Kicked,
                    });
                }
                self.closed(c.username.as_str(), &res, now, ev);
                Ok(Reply::ForceLogout(true))
            })(),
            Command::SetPresence(c) => (|| {
                admin_or_self(a, &c.username)?;
                let ext = c.ext.as_ref().ok_or(ILLEGAL)?;
                if ext.len() > 1024 || c.resource.is_empty() || c.resource.len() > 128 {
                    return Err(ILLEGAL);
                }
                let st = &c.status;
                if st.is_empty() || st.len() > 32 || !st.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ILLEGAL);
                }
                let u = self.users.get_mut(c.username.as_str()).ok_or(NOT_FOUND)?;
                Model::put_status(u, &c.resource, st);
                u.ext = ext.clone();
                self.announce(c.username.as_str(), &c.resource, now, ev);
                Ok(Reply::SetPresence(()))
            })(),
            Command::SubscribePresence(c) => (|| {
                admin_or_self(a, &c.username)?;
                if c.duration.0 == 0
                    || c.duration.0 > imcore::limits::PRESENCE_SUBSCRIPTION_MILLIS_MAX
                {
                    return Err(ILLEGAL);
                }
                if c.usernames.is_empty()
                    || c.usernames.len() > 100
                    || c.usernames.contains(&c.username)
                {
                    return Err(ILLEGAL);
                }
                let me = c.username.as_str().to_string();
                self.user(&c.username)?;
                let expires = Timestamp(now.div_euclid(1000) * 1000).after(c.duration).0;
                let mut targets: Vec<UserName> = Vec::new();
                for t in &c.usernames {
                    if !targets.contains(t) {
                        targets.push(t.clone());
                    }
                }
                for t in &targets {
                    let key = (me.clone(), t.to_string());
                    let u = self.users.get_mut(&me).unwrap();
                    match u.subs.iter_mut().find(|(x, _)| x == t.as_str()) {
                        Some(s) => s.1 = expires,
                        None => {
                            u.subs.push((t.to_string(), expires));
                            self.next_sub_seq += 1;
                            self.sub_seq.insert(key, self.next_sub_seq);
                        }
                    }
                }
                Ok(Reply::SubscribePresence(
                    targets
                        .iter()
                        .map(|t| PresenceSubscribed {
                            presence: self.presence_view(t),
                            expiry: Timestamp(expires),
                        })
                        .collect(),
                ))
            })(),
            Command::UnsubscribePresence(c) => (|| {
                admin_or_self(a, &c.username)?;
                if c.usernames.is_empty() || c.usernames.len() > 100 {
                    return Err(ILLEGAL);
                }
                self.user(&c.username)?;
                let u = self.users.get_mut(c.username.as_str()).unwrap();
                u.subs
                    .retain(|(t, _)| !c.usernames.iter().any(|n| n.as_str() == t));
                Ok(Reply::UnsubscribePresence(()))
            })(),
            Command::SetPushProfile(c) => (|| {
                admin_or_self(a, &c.username)?;
                if c.nickname.as_ref().is_some_and(|n| n.chars().count() > 100)
                    || c.display_style.is_some_and(|s| s > 1)
                    || c.no_disturbing_start.is_some_and(|h| h > 23)
                    || c.no_disturbing_end.is_some_and(|h| h > 23)
                {
                    return Err(ILLEGAL);
                }
                let u = self.users.get_mut(c.username.as_str()).ok_or(RPNF)?;
                let mut dnd = u.push.dnd;
                if c.no_disturbing_start.is_some() {
                    dnd.1 = c.no_disturbing_start;
                }
                if c.no_disturbing_end.is_some() {
                    dnd.2 = c.no_disturbing_end;
                }
                if c.no_disturbing.is_some() {
                    dnd.0 = c.no_disturbing;
                }
                if dnd.0 == Some(true) && (dnd.1.is_none() || dnd.2.is_none()) {
                    return Err(ILLEGAL);
                }
                u.push.dnd = dnd;
                if c.display_style.is_some() {
                    u.push.display_style = c.display_style;
                }
                if let Some(n) = &c.nickname {
                    u.nickname = (!n.is_empty()).then(|| n.clone());
                }
                if c.nickname.is_some()
                    || c.display_style.is_some()
                    || c.no_disturbing.is_some()
                    || c.no_disturbing_start.is_some()
                    || c.no_disturbing_end.is_some()
                {
                    u.modified = now;
                }
                Ok(Reply::SetPushProfile(view(c.username.as_str(), u)))
            })(),
            Command::SetPushNicknames(c) => (|| {
                admin_only(a)?;
                if c.0.is_empty()
                    || c.0.len() > 50
                    || c.0.iter().any(|i| i.push_nickname.chars().count() > 100)
                {
                    return Err(ILLEGAL);
                }
                let mut out = Vec::new();
                for i in &c.0 {
                    let Ok(n) = UserName::parse(&i.username) else {
                        continue;
                    };
                    let Some(u) = self.users.get_mut(n.as_str()) else {
                        continue;
                    };
                    u.nickname = (!i.push_nickname.is_empty()).then(|| i.push_nickname.clone());
                    u.modified = now;
                    out.push(PushNickname {
                        username: n.to_string(),
                        push_nickname: i.push_nickname.clone(),
                    });
                }
                Ok(Reply::SetPushNicknames(out))
            })(),
            Command::SetNotification(c) => (|| {
                admin_or_self(a, &c.username)?;
                let app_level = c.key == NotifyKey::User(c.username.clone());
                if app_level && c.kind == Some(NotifyType::Default) {
                    return Err(ILLEGAL);
                }
                if let Some(i) = &c.ignore_interval
                    && ((!app_level && !i.is_empty())
                        || !["", "00:00-00:00", "22:00-07:30"].contains(&i.as_str()))
                {
                    return Err(ILLEGAL);
                }
                if c.ignore_duration
                    .is_some_and(|d| !(0..=604_800_000).contains(&d))
                {
                    return Err(ILLEGAL);
                }
                let u = self.users.get_mut(c.username.as_str()).ok_or(RPNF)?;
                let n = if app_level {
                    u.push.app.get_or_insert((NotifyType::All, None, None))
                } else {
                    u.push
                        .conv
                        .entry(c.key.clone())
                        .or_insert((NotifyType::Default, None, None))
                };
                if let Some(k) = c.kind {
                    n.0 = k;
                }
                if let Some(i) = &c.ignore_interval {
                    n.1 = (!i.is_empty()).then(|| i.clone());
                }
                if let Some(d) = c.ignore_duration {
                    n.2 = (d != 0).then(|| Timestamp(now).after(Millis(d as u64)).0);
                }
                let v = notify_view(Some(n), app_level, now);
                if !app_level && *n == (NotifyType::Default, None, None) {
                    u.push.conv.remove(&c.key);
                }
                Ok(Reply::SetNotification(v))
            })(),
            Command::SetPushLanguage(SetPushLanguage {
                username,
                language: text,
            })
            | Command::SetPushTemplate(SetPushTemplate {
                username,
                template: text,
            }) => (|| {
                admin_or_self(a, username)?;
                if text.len() > 128 {
                    return Err(ILLEGAL);
                }
                let u = self.users.get_mut(username.as_str()).ok_or(RPNF)?;
                let v = (!text.is_empty()).then(|| text.clone());
                Ok(if matches!(cmd, Command::SetPushLanguage(_)) {
                    u.push.language = v;
                    Reply::SetPushLanguage(text.clone())
                } else {
                    u.push.template = v;
                    Reply::SetPushTemplate(text.clone())
                })
            })(),
            Command::BindPushDevice(c) => (|| {
                admin_or_self(a, &c.username)?;
                if c.device_id.is_empty()
                    || c.device_id.len() > 128
                    || c.notifier_name.len() > 128
                    || c.device_token.len() > 512
                {
                    return Err(ILLEGAL);
                }
                let u = self.users.get_mut(c.username.as_str()).ok_or(RPNF)?;
                let b = &mut u.push.bindings;
                if c.notifier_name.is_empty() {
                    b.retain(|x| x.0 != c.device_id);
                } else {
                    b.retain(|x| !(x.0 == c.device_id && x.1 == c.notifier_name));
                    if !c.device_token.is_empty() {
                        while b.len() >= 16 {
                            b.remove(0);
                        }
                        b.push((
                            c.device_id.clone(),
                            c.notifier_name.clone(),
                            c.device_token.clone(),
                        ));
                    }
                }
                Ok(Reply::BindPushDevice(
                    b.iter()
                        .filter(|x| x.0 == c.device_id)
                        .map(|x| PushBinding {
                            device_id: x.0.clone(),
                            device_token: x.2.clone(),
                            notifier_name: x.1.clone(),
                        })
                        .collect(),
                ))
            })(),
            Command::Expire(_) => (|| {
                admin_only(a)?;
                // (instant, kind, user id, scope or target)
                let mut due: Vec<(i64, u8, u64, usize, String, String)> = Vec::new();
                for (n, u) in &self.users {
                    for (i, m) in u.mutes.iter().enumerate() {
                        if let Some(Expiry::At(t)) = m
                            && t.0 <= now
                        {
                            due.push((t.0, 0, u.id, i, String::new(), n.clone()));
                        }
                    }
                    for (t, at) in &u.subs {
                        if *at <= now {
                            due.push((*at, 1, u.id, 0, t.clone(), n.clone()));
                        }
                    }
                }
                due.sort();
                for (_, kind, _, i, target, n) in &due {
                    let u = self.users.get_mut(n).unwrap();
                    if *kind == 0 {
                        u.mutes[*i] = None;
                        ev.push(Event::MuteExpired {
                            user: nm(n),
                            scope: MuteScope::ALL[*i],
                        });
                    } else {
                        u.subs.retain(|(t, _)| t != target);
                        ev.push(Event::SubscriptionExpired {
                            subscriber: nm(n),
                            target: nm(target),
                        });
                    }
                }
                Ok(Reply::Expire(due.len()))
            })(),
            _ => return None,
        })
    }

    fn register(&mut self, a: &Actor, nu: &NewUser, now: i64, ev: &mut Vec<Event>) -> R<Reply> {
        admin_only(a)?;
        let name = validate(nu)?;
        if self.users.contains_key(name.as_str()) {
            return Err((400, "duplicate_unique_property_exists"));
        }
        if self.users.len() as u64 >= USERS_MAX {
            return Err((429, "resource_limited"));
        }
        let v = self.create(name.as_str(), nu, Some(&nu.password), now);
        ev.push(Event::UserRegistered { user: name });
        Ok(Reply::RegisterUser(v))
    }

    fn register_batch(
        &mut self,
        a: &Actor,
        v: &[NewUser],
        now: i64,
        ev: &mut Vec<Event>,
    ) -> R<Reply> {
        admin_only(a)?;
        if v.is_empty() || v.len() > BATCH_REGISTER_MAX {
            return Err(ILLEGAL);
        }
        let names: Vec<UserName> = v.iter().map(validate).collect::<R<_>>()?;
        let mut items: Vec<(UserName, &NewUser)> = Vec::new();
        for (name, nu) in names.into_iter().zip(v) {
            match items.iter().find(|(m, _)| *m == name) {
                Some((_, prev)) if prev.password != nu.password => {
                    return Err((400, "duplicate_unique_property_exists"));
                }
                Some(_) => {}
                None => items.push((name, nu)),
            }
        }
        let fresh = items
            .iter()
            .filter(|(n, _)| !self.users.contains_key(n.as_str()))
            .count();
        if (self.users.len() + fresh) as u64 > USERS_MAX {
            return Err((429, "resource_limited"));
        }
        let mut out = BatchRegistered {
            created: Vec::new(),
            failed: Vec::new(),
        };
        for (name, nu) in items {
            if self.users.contains_key(name.as_str()) {
                out.failed.push(RegisterFailure {
                    username: name.clone(),
                    reason: format!("the {name} already exists"),
                });
            } else {
                let v = self.create(name.as_str(), nu, Some(&nu.password), now);
                ev.push(Event::UserRegistered { user: name });
                out.created.push(v);
            }
        }
        Ok(Reply::RegisterUsers(out))
    }

    fn issue(&mut self, a: &Actor, c: &IssueToken, now: i64, ev: &mut Vec<Event>) -> R<Reply> {
        let token = c.token.as_str();
        if token.is_empty() || token.len() > TOKEN_BYTES_MAX || self.tokens.contains_key(token) {
            return Err(ILLEGAL);
        }
        let (ttl, expires) = self.ttl(c.ttl, now);
        let user = match &c.grant {
            GrantType::ClientCredentials {
                client_id,
                client_secret,
            } => {
                if client_id.is_empty() || client_secret.is_empty() {
                    return Err(ILLEGAL);
                }
                let (id, secret) = self.credentials.clone().unwrap_or_default();
                if *client_id != id || id.is_empty() || *client_secret != secret {
                    return Err(INVALID_GRANT);
                }
                self.tokens.insert(token.into(), (Subj::App, expires));
                None
            }
            GrantType::Password { username, password } => {
                let name = UserName::parse(username).ok();
                let u = name
                    .as_ref()
                    .and_then(|n| self.users.get(n.as_str()))
                    .ok_or(INVALID_GRANT)?;
                if u.password.as_deref() != Some(password.as_str()) {
                    return Err(INVALID_GRANT);
                }
                Some(self.grant(name.unwrap().as_str(), token, expires)?)
            }
            GrantType::Inherit {
                username,
                auto_create,
                uuid,
            } => {
                admin_only(a)?;
                let existing = UserName::parse(username)
                    .ok()
                    .filter(|n| self.users.contains_key(n.as_str()));
                let name = match existing {
                    Some(n) => n,
                    None if !auto_create => return Err((404, "entity_not_found")),
                    None => {
                        let n = parse(username)?;
                        if self.users.len() as u64 >= USERS_MAX {
                            return Err((429, "resource_limited"));
                        }
                        let nu = NewUser::new(username, "", uuid);
                        self.create(n.as_str(), &nu, None, now);
                        ev.push(Event::UserRegistered { user: n.clone() });
                        n
                    }
                };
                Some(self.grant(name.as_str(), token, expires)?)
            }
        };
        Ok(Reply::IssueToken(TokenIssued {
            access_token: token.into(),
            expires_in: ttl,
            user,
        }))
    }

    fn validate(&self, token: &str, now: Timestamp) -> R<Actor> {
        if token.is_empty() {
            return Err(UNAUTH);
        }
        let (subj, exp) = self
            .tokens
            .get(token)
            .ok_or((401, "auth_bad_access_token"))?;
        match subj {
            Subj::App if exp.is_live(now) => Ok(Actor::Admin),
            Subj::App => Err(UNAUTH),
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

fn err_of<T>(r: Result<T>) -> R<T> {
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

    for raw in imcore::ids::USER_POOL {
        let name = nm(raw);
        let got = err_of(app.query(
            &ad,
            now,
            GetUser {
                username: name.clone(),
            },
        ));
        let mu = m.users.get(raw);
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
        let dev = app
            .query(
                &ad,
                now,
                ListDevices {
                    username: name.clone(),
                },
            )
            .unwrap();
        prop_assert_eq!(&dev, &mu.sessions);
        let ex = app
            .query(
                &ad,
                now,
                ExportUser {
                    username: name.clone(),
                },
            )
            .unwrap();
        let want = ExportedPresence {
            statuses: mu.statuses.iter().cloned().collect(),
            ext: mu.ext.clone(),
            last_time: mu.last_time.map(Timestamp),
            offline_since: mu.offline_since.map(Timestamp),
            subscriptions: mu
                .subs
                .iter()
                .map(|(t, at)| ExportedSubscription {
                    target: nm(t),
                    expiry: Timestamp(*at),
                })
                .collect(),
        };
        prop_assert_eq!(&ex.presence, &want);
        let p = &mu.push;
        let want = ExportedPush {
            nickname: mu.nickname.clone(),
            fields: push_fields(mu),
            app: p.app.as_ref().map(|n| notify_view(Some(n), true, now.0)),
            conversations: p
                .conv
                .iter()
                .map(|(k, n)| (k.clone(), notify_view(Some(n), false, now.0)))
                .collect(),
            language: p.language.clone(),
            template: p.template.clone(),
            bindings: p
                .bindings
                .iter()
                .map(|b| PushBinding {
                    device_id: b.0.clone(),
                    device_token: b.2.clone(),
                    notifier_name: b.1.clone(),
                })
                .collect(),
        };
        prop_assert_eq!(&ex.push, &want);
        let live = app
            .query(
                &ad,
                now,
                ListPresenceSubscriptions {
                    username: name.clone(),
                    page_num: None,
                    page_size: Some(500),
                },
            )
            .unwrap();
        let want: Vec<PresenceSubscription> = mu
            .subs
            .iter()
            .filter(|(_, at)| now.0 < *at)
            .map(|(t, at)| PresenceSubscription {
                uid: nm(t),
                expiry: Timestamp(*at),
            })
            .collect();
        prop_assert_eq!(live.totalnum, want.len());
        prop_assert_eq!(live.sublist, want);
    }
    for t in TOKENS {
        let got = err_of(app.query(&Actor::Anonymous, now, ValidateToken { token: t.into() }));
        prop_assert_eq!(got, m.validate(t, now), "token {:?}", t);
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
fn prelude() -> Vec<Step> {
    let mut v: Vec<Step> = (0..5)
        .map(|i| {
            let nu = NewUser::new(&format!("u{i}"), ["pw", "p1"][i % 2], &format!("uuid-{i}"));
            Step::Cmd(Actor::Admin, RegisterUser(nu).into(), 0)
        })
        .collect();
    v.extend((0..4).map(|i| {
        Step::Cmd(
            Actor::Admin,
            AddFriend {
                owner: nm(&format!("u{i}")),
                friend: nm(&format!("u{}", i + 1)),
            }
            .into(),
            0,
        )
    }));
    v
}

/// Points an id-form command at live users when `hint < 192` (generated handles rarely name
/// one): the owner is the `hint`-th live user, the friend the `hint / 5`-th (sometimes the
/// owner: the `400`). Other commands, and higher hints, are left alone (mostly `404`s).
fn retarget(cmd: &Command, hint: u8, handles: &BTreeMap<UserId, String>) -> Command {
    let live: Vec<UserId> = handles.keys().copied().collect();
    if hint >= 192 || live.is_empty() {
        return cmd.clone();
    }
    let (o, f) = (
        live[hint as usize % live.len()],
        live[(hint / 5) as usize % live.len()],
    );
    match cmd {
        Command::AddFriendById(_) => AddFriendById {
            owner: o,
            friend: f,
        }
        .into(),
        Command::RemoveFriendById(_) => RemoveFriendById {
            owner: o,
            friend: f,
        }
        .into(),
        c => c.clone(),
    }
}

fn run(steps: &[Step]) -> std::result::Result<(), TestCaseError> {
    let engine = Engine::new();
    let app = engine
        .create_app(AppKey::new("org", "model").unwrap(), limits())
        .unwrap();
    let mut m = Model::new();
    let mut now = T0;
    for (i, step) in steps.iter().enumerate() {
        // The handles of the live users, for the id forms (and to point them at live users).
        m.handles = m
            .users
            .keys()
            .map(|n| {
                let id = app
                    .query(&Actor::Admin, now, LookupUser { username: nm(n) })
                    .expect("a live user has a handle");
                (id, n.clone())
            })
            .collect();
        let retargeted;
        let step = match step {
            Step::Cmd(actor, cmd, hint) => {
                retargeted = Step::Cmd(actor.clone(), retarget(cmd, *hint, &m.handles), *hint);
                &retargeted
            }
            s => s,
        };
        match step {
            Step::Advance(ms) => now = Timestamp(now.0 + ms),
            Step::Cmd(actor, cmd, _) => {
                let want = m.apply(actor, now, cmd).expect("a users command");
                crate::engine_agrees(&app, (i, actor, cmd), now, want, "users")?;
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

/// A fixed walk through the interesting corners, so the model itself is exercised even when
/// the draws are unlucky.
#[test]
fn a_fixed_walk_matches_the_model() {
    let c = |x: Command| Step::Cmd(Actor::Admin, x, 0);
    let new = |n: &str, pw: &str| NewUser::new(n, pw, &format!("uuid-{n}"));
    let friend = |a: &str, b: &str| AddFriend {
        owner: nm(a),
        friend: nm(b),
    };
    let attrs = |u: &str, p: &[(&str, usize)]| SetAttributes {
        username: nm(u),
        pairs: p
            .iter()
            .map(|(k, l)| (k.to_string(), "v".repeat(*l)))
            .collect(),
    };
    let token = |u: &str, pw: &str, t: &str, ttl: Option<u64>| IssueToken {
        grant: GrantType::Password {
            username: u.into(),
            password: pw.into(),
        },
        token: t.into(),
        ttl: ttl.map(Millis),
    };
    let open = |u: &str, r: &str| OpenSession {
        username: nm(u),
        resource: r.into(),
        device_uuid: None,
        device_name: None,
    };
    let mut steps = vec![];
    for (n, pw) in [
        ("u0", "pw"),
        ("u1", "pw"),
        ("U2", "p1"),
        ("u3", "pw"),
        ("u4", "pw"),
    ] {
        steps.push(c(RegisterUser(new(n, pw)).into()));
    }
    steps.extend([
        c(RegisterUser(new("u5", "pw")).into()),
        c(friend("u0", "u1").into()),
        Step::Cmd(Actor::User(nm("u0")), friend("u0", "u2").into(), 0),
        c(friend("u0", "u3").into()),
        c(friend("u0", "u4").into()),
        c(SetRemark {
            owner: nm("u0"),
            friend: nm("u1"),
            remark: "r".into(),
        }
        .into()),
        c(SetRemark {
            owner: nm("u1"),
            friend: nm("u0"),
            remark: "r".repeat(101),
        }
        .into()),
        c(BlockUsers {
            owner: nm("u1"),
            usernames: vec![nm("u0"), nm("u2"), nm("u0")],
        }
        .into()),
        Step::Cmd(
            Actor::User(nm("u2")),
            BlockUsers {
                owner: nm("u2"),
                usernames: vec![nm("u1")],
            }
            .into(),
            0,
        ),
        c(attrs("u0", &[("ccc", 8), ("a", 1)]).into()),
        Step::Cmd(Actor::User(nm("u1")), attrs("u1", &[("bb", 8)]).into(), 0),
        c(attrs("u2", &[("bb", 8)]).into()),
        c(attrs("u3", &[("bb", 8)]).into()),
        c(SetGlobalMute {
            username: nm("u0"),
            chat: Some(MuteValue::For(Millis(700))),
            groupchat: Some(MuteValue::Forever),
            chatroom: None,
        }
        .into()),
        c(token("u0", "pw", "t0", None).into()),
        c(token("u0", "p1", "t1", None).into()),
        c(IssueToken {
            grant: GrantType::Inherit {
                username: "u1".into(),
                auto_create: false,
                uuid: "x".into(),
            },
            token: "t2".into(),
            ttl: Some(Millis(1500)),
        }
        .into()),
        c(SetCredentials(Credentials {
            client_id: "id".into(),
            client_secret: "secret".into(),
        })
        .into()),
        c(IssueToken {
            grant: GrantType::ClientCredentials {
                client_id: "id".into(),
                client_secret: "secret".into(),
            },
            token: "t4".into(),
            ttl: Some(Millis(1500)),
        }
        .into()),
        c(open("u0", "ios_1").into()),
        c(open("u0", "ios_2").into()),
        c(open("u0", "android_1").into()),
        c(open("u0", "ios_3").into()),
        // Presence, push settings and the timers.
        c(SubscribePresence {
            username: nm("u1"),
            duration: Millis(3000),
            usernames: vec![nm("u0"), nm("u7")],
        }
        .into()),
        c(SubscribePresence {
            username: nm("u3"),
            duration: Millis(1000),
            usernames: vec![nm("u0")],
        }
        .into()),
        c(SetPresence {
            username: nm("u0"),
            resource: "ios_1".into(),
            status: "7".into(),
            ext: Some("e".into()),
        }
        .into()),
        c(SetPushProfile {
            username: nm("u0"),
            nickname: Some("n".into()),
            display_style: Some(1),
            no_disturbing: Some(true),
            no_disturbing_start: Some(22),
            no_disturbing_end: Some(7),
        }
        .into()),
        c(SetNotification {
            username: nm("u1"),
            key: NotifyKey::User(nm("u0")),
            kind: Some(NotifyType::None),
            ignore_interval: None,
            ignore_duration: Some(3000),
        }
        .into()),
        c(BindPushDevice {
            username: nm("u0"),
            device_id: "d1".into(),
            notifier_name: "fcm".into(),
            device_token: "tok1".into(),
        }
        .into()),
        Step::Advance(1000),
        c(CloseSession {
            username: nm("u0"),
            resource: "ios_1".into(),
        }
        .into()),
        c(Expire.into()),
        c(ForceLogout {
            username: nm("u0"),
            resource: None,
        }
        .into()),
        Step::Advance(3000),
        c(Expire.into()),
        c(Expire.into()),
        c(DeleteUser { username: nm("u0") }.into()),
        c(RegisterUser(new("u0", "p1")).into()),
        c(token("u0", "p1", "t3", Some(0)).into()),
        c(ImportFriends {
            owner: nm("u0"),
            usernames: ["u1", "U2", "bad name", "", "u0", "u3"]
                .map(String::from)
                .to_vec(),
            notify: true,
        }
        .into()),
        c(ChangePassword {
            username: nm("u1"),
            new_password: "p1".into(),
        }
        .into()),
        c(DisableUser { username: nm("u2") }.into()),
        c(open("u2", "ios_1").into()),
        c(EnableUser { username: nm("u2") }.into()),
        c(DeleteUsers { limit: Some(2) }.into()),
        Step::Advance(6000),
    ]);
    run(&steps).unwrap();
}
