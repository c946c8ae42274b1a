//! Users (spec 01 §1, §2, §4–§8): registration, reading, deletion and its cascade, password
//! change, disable and enable.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::command::{DisconnectReason, Event, Exec};
use crate::engine::{Actor, Ctx, NOT_ALLOWED};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{
    BATCH_REGISTER_MAX, NICKNAME_CHARS_MAX, PASSWORD_CHARS_MAX, RegistrationMode,
    USER_PAGE_DEFAULT, USER_PAGE_MAX,
};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::{Tenant, UserCell, UserState};
use crate::time::Timestamp;

/// A user as the vendor shows one (get, list, register, delete, disable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// The host-supplied uuid, fixed at registration.
    pub uuid: String,
    /// The folded username.
    pub username: UserName,
    /// When the user was registered.
    pub created: Timestamp,
    /// Last password, push-nickname, disable or enable change.
    pub modified: Timestamp,
    /// `false` while disabled.
    pub activated: bool,
    /// The push nickname, when set.
    pub nickname: Option<String>,
}

impl UserView {
    pub(crate) fn of(s: &UserState) -> UserView {
        UserView {
            uuid: s.uuid.to_string(),
            username: s.name.clone(),
            created: s.created,
            modified: s.modified,
            activated: s.activated,
            nickname: s.nickname.as_deref().map(str::to_owned),
        }
    }
}

/// Checks a password: 1–64 Unicode scalar values.
pub(crate) fn check_password(p: &str, empty_msg: &'static str) -> Result<()> {
    if p.is_empty() {
        return Err(Error::illegal(empty_msg));
    }
    if p.chars().count() > PASSWORD_CHARS_MAX {
        return Err(Error::illegal("password is too long"));
    }
    Ok(())
}

/// Checks a push nickname: at most 100 Unicode scalar values.
pub(crate) fn check_nickname(n: &str) -> Result<()> {
    if n.chars().count() > NICKNAME_CHARS_MAX {
        return Err(Error::illegal("NICKNAME_TOO_LONG"));
    }
    Ok(())
}

/// One user to register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// The username as given; validated and folded by the engine.
    pub username: String,
    /// The password: 1–64 characters.
    pub password: String,
    /// The push nickname: at most 100 characters.
    pub nickname: Option<String>,
    /// The uuid the host assigns to this user.
    pub uuid: String,
}

impl NewUser {
    /// A user with no nickname and the uuid given.
    pub fn new(username: &str, password: &str, uuid: &str) -> NewUser {
        NewUser {
            username: username.into(),
            password: password.into(),
            nickname: None,
            uuid: uuid.into(),
        }
    }

    fn validate(&self) -> Result<UserName> {
        let name = UserName::parse(&self.username)?;
        check_password(&self.password, "password or pin must provided")?;
        if let Some(n) = &self.nickname {
            check_nickname(n)?;
        }
        Ok(name)
    }
}

pub(crate) fn new_state_for(
    u: &NewUser,
    name: UserName,
    password: Option<&str>,
    now: Timestamp,
) -> UserState {
    UserState {
        name,
        uuid: u.uuid.as_str().into(),
        created: now,
        modified: now,
        activated: true,
        gone: false,
        password: password.map(Into::into),
        nickname: u.nickname.as_deref().map(Into::into),
        contacts: Vec::new(),
        extra: None,
    }
}

/// Inserts a user whose slot is already reserved. `Err(())` if the name is taken.
///
/// The user is indexed by id and creation time before the name is claimed, and stays marked
/// `gone` (pending) until the claim succeeds: a racing batch delete that finds the pending
/// user through the creation index skips it, so the loser of a race for a name is never
/// seen, deleted or counted, and a winner is never deleted half-registered.
pub(crate) fn insert_user(cx: &mut Ctx<'_>, state: UserState) -> std::result::Result<UserView, ()> {
    insert_user_with(cx, state, |_, _| Ok(())).map_err(|_| ())
}

/// Why [`insert_user_with`] did not insert.
pub(crate) enum NotInserted {
    /// The name is taken.
    Taken,
    /// `before_live` refused; nothing of the user is left.
    Refused(Error),
}

/// [`insert_user`], running `before_live` once the name is claimed but while the user is still
/// pending (so nothing can link to them yet). If it fails, the user is unindexed again and the
/// registration never happened: no event, no trace.
pub(crate) fn insert_user_with(
    cx: &mut Ctx<'_>,
    mut state: UserState,
    before_live: impl FnOnce(&Tenant, UserId) -> Result<()>,
) -> std::result::Result<UserView, NotInserted> {
    let app = cx.app;
    let id = UserId(app.next_id());
    let name = state.name.clone();
    let created = state.created;
    let view = UserView::of(&state);
    state.gone = true;
    let cell = Arc::new(UserCell {
        id,
        state: parking_lot::RwLock::new(state),
    });
    // The pending user's own lock is held until they are live or refused, so a racing call
    // that finds them by name (an `inherit` auto-create of the same name) waits for the
    // outcome instead of reading "not found". Touching the maps while holding it is safe: no
    // one holds a map guard while locking an entity (lock order rule 1).
    let mut pending = cell.state.write();
    // Fully indexed before the name makes the user findable, so a racing delete finds every
    // index entry it must remove.
    app.users.insert(id, Arc::clone(&cell));
    app.by_created.lock().insert((created, id));
    let taken = match app.names.entry(name.clone()) {
        dashmap::Entry::Occupied(_) => true,
        dashmap::Entry::Vacant(v) => {
            v.insert(Arc::clone(&cell));
            false
        }
    };
    // The entry guard is gone here: the other indexes are touched without holding it (lock
    // order rule 1 in `store`).
    if taken {
        app.by_created.lock().remove(&(created, id));
        app.users.remove(&id);
        return Err(NotInserted::Taken);
    }
    if let Err(e) = before_live(app, id) {
        app.names.remove_if(&name, |_, c| c.id == id);
        app.by_created.lock().remove(&(created, id));
        app.users.remove(&id);
        return Err(NotInserted::Refused(e));
    }
    // No cascade can have started on a pending user, so the user is whole: make them live.
    pending.gone = false;
    drop(pending);
    cx.emit(Event::UserRegistered { user: name });
    Ok(view)
}

/// Registers one user (`POST /users`).
///
/// Errors, in check order:
/// 1. `401 unauthorized` — anonymous caller while registration is `Authorized` ("Open
///    registration doesn't allow, so register user need token"), or a user token then;
/// 2. `400 illegal_argument` — username, password or nickname rules (spec §2);
/// 3. `400 duplicate_unique_property_exists` — the name is taken;
/// 4. `429 resource_limited` — the app is at `users_max`.
///
/// Emits `UserRegistered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterUser(pub NewUser);

impl Exec for RegisterUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        if cx.app.limits.registration_mode == RegistrationMode::Authorized
            && *cx.actor != Actor::Admin
        {
            return Err(Error::Unauthorized(
                "Open registration doesn't allow, so register user need token",
            ));
        }
        let u = self.0;
        let name = u.validate()?;
        let dup = || Error::DuplicateUsername {
            app: cx.app.key.to_string(),
            username: name.to_string(),
        };
        if cx.app.names.contains_key(&name) {
            return Err(dup());
        }
        cx.app.reserve_users(1)?;
        let state = new_state_for(&u, name.clone(), Some(&u.password), cx.now);
        match insert_user(cx, state) {
            Ok(v) => Ok(v),
            Err(()) => {
                cx.app.release_users(1);
                Err(Error::DuplicateUsername {
                    app: cx.app.key.to_string(),
                    username: name.to_string(),
                })
            }
        }
    }
}

/// One name a batch registration did not create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterFailure {
    /// The folded username.
    pub username: UserName,
    /// Why: `the <u> already exists`.
    pub reason: String,
}

/// What a batch registration did: created users in input order, and the names that existed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRegistered {
    /// Users created, in input order.
    pub created: Vec<UserView>,
    /// Names that already existed (partial success, status 200).
    pub failed: Vec<RegisterFailure>,
}

/// Registers up to 60 users (`POST /users` with an array). Admin only.
///
/// The whole array is validated first and any failure rejects the request with nothing
/// created. Exact duplicates (same folded name and password) are collapsed.
///
/// Errors, in check order:
/// 1. `401 unauthorized` — not the admin;
/// 2. `400 illegal_argument` — empty, or more than 60 items ("Request body array size\[N\] had
///    almost reached or been greater than the upper range value\[60\]");
/// 3. `400 illegal_argument` — any item's username, password or nickname rules;
/// 4. `400 duplicate_unique_property_exists` — one name twice with different passwords;
/// 5. `429 resource_limited` — the new users would pass `users_max` (whole batch refused).
///
/// Existing names are reported per item in [`BatchRegistered::failed`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterUsers(pub Vec<NewUser>);

impl Exec for RegisterUsers {
    type Reply = BatchRegistered;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<BatchRegistered> {
        cx.admin_only(NOT_ALLOWED)?;
        let n = self.0.len();
        if n == 0 || n > BATCH_REGISTER_MAX {
            return Err(Error::illegal(format!(
                "Request body array size[{n}] had almost reached or been greater than the upper range value[{BATCH_REGISTER_MAX}]"
            )));
        }
        // Every item's own rules first, over the whole array; conflicts between items after.
        let names: Vec<UserName> = self
            .0
            .iter()
            .map(NewUser::validate)
            .collect::<Result<_>>()?;
        let mut items: Vec<(UserName, NewUser)> = Vec::with_capacity(n);
        for (name, u) in names.into_iter().zip(self.0) {
            match items.iter().find(|(n, _)| *n == name) {
                Some((_, prev)) if prev.password != u.password => {
                    return Err(Error::BatchPasswordConflict(name.to_string()));
                }
                Some(_) => {}
                None => items.push((name, u)),
            }
        }
        let fresh = items
            .iter()
            .filter(|(n, _)| !cx.app.names.contains_key(n))
            .count() as u64;
        cx.app.reserve_users(fresh)?;
        let mut out = BatchRegistered {
            created: Vec::new(),
            failed: Vec::new(),
        };
        let mut used = 0u64;
        let mut reserved = fresh;
        for (name, u) in items {
            let taken = || RegisterFailure {
                username: name.clone(),
                reason: format!("the {name} already exists"),
            };
            if cx.app.names.contains_key(&name) {
                out.failed.push(taken());
                continue;
            }
            // A name counted as taken may have been freed since; it needs a slot of its own.
            if used == reserved {
                if cx.app.reserve_users(1).is_err() {
                    out.failed.push(taken());
                    continue;
                }
                reserved += 1;
            }
            let state = new_state_for(&u, name.clone(), Some(&u.password), cx.now);
            match insert_user(cx, state) {
                Ok(v) => {
                    used += 1;
                    out.created.push(v);
                }
                Err(()) => out.failed.push(taken()),
            }
        }
        cx.app.release_users(reserved - used);
        Ok(out)
    }
}

/// Reads one user (`GET /users/{u}`). Admin, or the user themself.
///
/// Errors: `401 unauthorized` (another user or anonymous); `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetUser {
    /// Who.
    pub username: UserName,
}

impl Ask for GetUser {
    type Reply = UserView;
    fn ask(self, cx: &Ctx<'_>) -> Result<UserView> {
        cx.admin_or_self(&self.username, NOT_ALLOWED)?;
        let cell = cx.user(&self.username)?;
        let s = cell.state.read();
        if s.gone {
            return Err(Error::UserNotFound(self.username.to_string()));
        }
        Ok(UserView::of(&s))
    }
}

const USERS_CURSOR: &str = "u";

/// Lists users by creation time ascending, ties by registration order (`GET /users`). Admin
/// only. `limit` is 1–100 (default 10, larger values clamped, 0 is `400 illegal_argument`).
/// The cursor encodes the last user returned, so pages are stable under creation and deletion.
///
/// Errors: `401 unauthorized`; `400 illegal_argument` (limit 0, bad cursor).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUsers {
    /// Page size.
    pub limit: Option<u32>,
    /// From a previous page.
    pub cursor: Option<String>,
}

impl Ask for ListUsers {
    type Reply = Page<UserView>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<UserView>> {
        cx.admin_only(NOT_ALLOWED)?;
        let limit = paging::limit(self.limit, USER_PAGE_DEFAULT, USER_PAGE_MAX)?;
        let after = match &self.cursor {
            Some(c) => {
                let [t, id] = paging::decode::<2>(USERS_CURSOR, c)?;
                Some((Timestamp(t as i64), UserId(id)))
            }
            None => None,
        };
        let (ids, more) = oldest_users(cx, after, limit);
        let mut items = Vec::with_capacity(ids.len());
        for (_, id) in &ids {
            if let Some(cell) = cx.app.user_by_id(*id) {
                let s = cell.state.read();
                if !s.gone {
                    items.push(UserView::of(&s));
                }
            }
        }
        let cursor = match (more, ids.last()) {
            (true, Some((t, id))) => Some(paging::encode(USERS_CURSOR, &[t.0 as u64, id.0])),
            _ => None,
        };
        Ok(Page { items, cursor })
    }
}

/// The first `limit` users after `after` in creation order, and whether more follow.
fn oldest_users(
    cx: &Ctx<'_>,
    after: Option<(Timestamp, UserId)>,
    limit: usize,
) -> (Vec<(Timestamp, UserId)>, bool) {
    let idx = cx.app.by_created.lock();
    let mut it: Box<dyn Iterator<Item = &(Timestamp, UserId)>> = match after {
        Some(a) => Box::new(idx.range((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded))),
        None => Box::new(idx.iter()),
    };
    let ids: Vec<(Timestamp, UserId)> = it.by_ref().take(limit).copied().collect();
    let more = it.next().is_some();
    (ids, more)
}

/// Deletes one user and everything of theirs (`DELETE /users/{u}`). Admin only.
///
/// The cascade (spec §6): friend edges on both sides with remarks, the user's name in other
/// users' block lists and their own block list, attributes and the bytes they used, tokens,
/// sessions (each with `ForceDisconnect{UserRemoved}`), global mutes. The name is free for
/// reuse afterwards; the user's handle is never reused.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
///
/// Emits `ForceDisconnect` per session, `ContactRemoved` per friend (from the friend's side),
/// then `UserDeleted`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteUser {
    /// Who.
    pub username: UserName,
}

impl Exec for DeleteUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.admin_only(NOT_ALLOWED)?;
        let cell = cx.user(&self.username)?;
        delete_cascade(cx, &cell).ok_or_else(|| Error::UserNotFound(self.username.to_string()))
    }
}

/// Deletes the oldest `limit` users, each with the full cascade (`DELETE /users`). Admin
/// only. `limit` is 1–100, default 10. The cursor is present when users remain.
///
/// Errors: `401 unauthorized`; `400 illegal_argument` (limit 0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteUsers {
    /// How many.
    pub limit: Option<u32>,
}

impl Exec for DeleteUsers {
    type Reply = Page<UserView>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Page<UserView>> {
        cx.admin_only(NOT_ALLOWED)?;
        let limit = paging::limit(self.limit, USER_PAGE_DEFAULT, USER_PAGE_MAX)?;
        let (ids, _) = oldest_users(cx, None, limit);
        let mut items = Vec::with_capacity(ids.len());
        for (_, id) in ids {
            if let Some(cell) = cx.app.user_by_id(id)
                && let Some(v) = delete_cascade(cx, &cell)
            {
                items.push(v);
            }
        }
        let more = !cx.app.by_created.lock().is_empty();
        let cursor = more.then(|| paging::encode(USERS_CURSOR, &[0, 0]));
        Ok(Page { items, cursor })
    }
}

/// Runs the delete cascade on a user. `None` if someone else deleted them first.
pub(crate) fn delete_cascade(cx: &mut Ctx<'_>, cell: &Arc<UserCell>) -> Option<UserView> {
    let app = cx.app;
    let id = cell.id;
    // 1. Mark the user gone and take everything that is theirs, under their lock.
    let (view, name, uuid, friends, extra) = {
        let mut s = cell.state.write();
        if s.gone {
            return None;
        }
        s.gone = true;
        let view = UserView::of(&s);
        let friends = std::mem::take(&mut s.contacts);
        let extra = s.extra.take();
        (view, s.name.clone(), s.uuid.to_string(), friends, extra)
    };
    let extra = extra.unwrap_or_default();
    // Other areas unlink the user first: groups and rooms they own are dissolved, and they
    // leave every roster and list there.
    crate::groups::on_user_deleted(cx, id, &name, &extra);
    crate::rooms::on_user_deleted(cx, id, &name, &extra);
    for sess in &extra.sessions {
        cx.emit(Event::ForceDisconnect {
            user: name.clone(),
            resource: sess.resource.to_string(),
            reason: DisconnectReason::UserRemoved,
        });
    }
    // 2. Friend edges and the friends' remarks about this user.
    for (f, _) in &friends {
        if let Some(fc) = app.user_by_id(*f) {
            let mut fs = fc.state.write();
            if let Ok(i) = fs.contacts.binary_search_by_key(&id, |c| c.0) {
                fs.contacts.remove(i);
                if let Some(x) = fs.extra.as_deref_mut() {
                    x.remarks.remove(&id);
                }
                cx.emit(Event::ContactRemoved {
                    owner: fs.name.clone(),
                    friend: name.clone(),
                });
            }
        }
    }
    // 3. This user's name in other users' block lists, and the reverse index of theirs.
    for b in &extra.blocked_by {
        if let Some(bc) = app.user_by_id(*b) {
            let mut bs = bc.state.write();
            if let Some(x) = bs.extra.as_deref_mut()
                && let Ok(i) = x.blocks.binary_search_by_key(&id, |e| e.0)
            {
                x.blocks.remove(i);
            }
        }
    }
    for (t, _) in &extra.blocks {
        if let Some(tc) = app.user_by_id(*t) {
            let mut ts = tc.state.write();
            if let Some(x) = ts.extra.as_deref_mut()
                && let Ok(i) = x.blocked_by.binary_search(&id)
            {
                x.blocked_by.remove(i);
            }
        }
    }
    // 4. Tokens, attribute bytes, mutes, indexes.
    for t in &extra.tokens {
        app.tokens.remove(t);
    }
    app.release_attr_bytes(extra.attr_bytes);
    if extra.mutes.iter().any(Option::is_some) {
        app.muted.lock().remove(&name);
    }
    app.names.remove_if(&name, |_, c| c.id == id);
    app.users.remove(&id);
    app.by_created.lock().remove(&(view.created, id));
    app.release_users(1);
    cx.emit(Event::UserDeleted { user: name, uuid });
    Some(view)
}

/// Sets a new password (`PUT /users/{u}/password`). Admin only; the old password is not
/// needed. Revokes the user's tokens and closes their sessions (`ForceDisconnect
/// {PasswordChanged}` each); bumps `modified`.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` ("newpassword is
/// required", "password is too long"); `404 entity_not_found` ("User null not found").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    /// Who.
    pub username: UserName,
    /// The new password.
    pub new_password: String,
}

impl Exec for ChangePassword {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.admin_only(NOT_ALLOWED)?;
        check_password(&self.new_password, "newpassword is required")?;
        let cell = cx.app.user(&self.username).ok_or(Error::EntityNotFound)?;
        let mut s = cell.state.write();
        if s.gone {
            return Err(Error::EntityNotFound);
        }
        s.password = Some(self.new_password.into());
        s.modified = cx.now;
        let (tokens, sessions) = match s.extra.as_deref_mut() {
            Some(x) => (
                std::mem::take(&mut x.tokens),
                std::mem::take(&mut x.sessions),
            ),
            None => Default::default(),
        };
        let name = s.name.clone();
        drop(s);
        for t in tokens {
            cx.app.tokens.remove(&t);
        }
        for sess in sessions {
            cx.emit(Event::ForceDisconnect {
                user: name.clone(),
                resource: sess.resource.into(),
                reason: DisconnectReason::PasswordChanged,
            });
        }
        cx.emit(Event::PasswordChanged { user: name });
        Ok(())
    }
}

/// Disables a user (`POST /users/{u}/deactivate`): no new sessions or tokens, existing
/// sessions closed with `ForceDisconnect{Disabled}`, tokens stop validating. Everything else
/// is kept. Idempotent. Admin only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableUser {
    /// Who.
    pub username: UserName,
}

impl Exec for DisableUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        set_activated(cx, &self.username, false)
    }
}

/// Enables a disabled user (`POST /users/{u}/activate`). Idempotent. Admin only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableUser {
    /// Who.
    pub username: UserName,
}

impl Exec for EnableUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        set_activated(cx, &self.username, true)
    }
}

fn set_activated(cx: &mut Ctx<'_>, user: &UserName, on: bool) -> Result<UserView> {
    cx.admin_only(NOT_ALLOWED)?;
    let cell = cx.user(user)?;
    let mut s = cell.state.write();
    if s.gone {
        return Err(Error::UserNotFound(user.to_string()));
    }
    if s.activated == on {
        return Ok(UserView::of(&s));
    }
    s.activated = on;
    s.modified = cx.now;
    let sessions = match (on, s.extra.as_deref_mut()) {
        (false, Some(x)) => std::mem::take(&mut x.sessions),
        _ => Vec::new(),
    };
    let view = UserView::of(&s);
    drop(s);
    for sess in sessions {
        cx.emit(Event::ForceDisconnect {
            user: user.clone(),
            resource: sess.resource.into(),
            reason: DisconnectReason::Disabled,
        });
    }
    cx.emit(if on {
        Event::UserEnabled { user: user.clone() }
    } else {
        Event::UserDisabled { user: user.clone() }
    });
    Ok(view)
}

/// Resolves distinct names to live cells, in request order, failing on the first unknown one.
pub(crate) fn resolve_all(cx: &Ctx<'_>, names: &[UserName]) -> Result<Vec<Arc<UserCell>>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        if seen.insert(n.clone()) {
            out.push(cx.user(n)?);
        }
    }
    Ok(out)
}
