//! Accounts (spec 01 §1, §2, §4–§7): registration, reading, listing, deletion, password
//! change, disable and enable. The delete cascade is in [`super::cascade`].

use serde::{Deserialize, Serialize};

use super::state::User;
use crate::command::{DisconnectReason, Event, Exec};
use crate::engine::{Actor, Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{
    BATCH_REGISTER_MAX, NICKNAME_CHARS_MAX, PASSWORD_CHARS_MAX, RegistrationMode,
    USER_PAGE_DEFAULT, USER_PAGE_MAX,
};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::State;
use crate::time::Timestamp;

/// A user as the vendor shows one (get, list, register, delete, disable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
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
    /// The push fields that are set (spec 01 §1, §15).
    pub push: super::PushFields,
}

impl UserView {
    pub(crate) fn of(s: &User) -> UserView {
        UserView {
            // `String::from(&str)`: `Box<str>::to_string` goes through `Display`.
            uuid: String::from(&*s.uuid),
            username: s.name.clone(),
            created: s.created,
            modified: s.modified,
            activated: s.activated,
            nickname: s.nickname.as_deref().map(str::to_owned),
            push: super::push::fields_of(s),
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
    if crate::ids::has_control_or_bidi(p) {
        return Err(Error::illegal(
            "password must not contain control or bidi characters",
        ));
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct NewUser {
    /// The username as given; validated and folded by the engine.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_name))]
    pub username: String,
    /// The password: 1–64 characters.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::password))]
    pub password: String,
    /// The push nickname: at most 100 characters.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::nickname))]
    pub nickname: Option<String>,
    /// The uuid the host assigns to this user.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::uuid))]
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

/// A new user's record (not yet indexed).
pub(crate) fn new_user(
    u: &NewUser,
    name: UserName,
    password: Option<&str>,
    now: Timestamp,
) -> User {
    User {
        seq: 0,
        name,
        uuid: u.uuid.as_str().into(),
        created: now,
        modified: now,
        activated: true,
        password: password.map(Into::into),
        nickname: u.nickname.as_deref().map(Into::into),
        contacts: Default::default(),
        extra: None,
    }
}

/// Whether `n` more users fit under `users_max`.
pub(crate) fn room_for_users(st: &State, n: usize) -> Result<()> {
    let cap = st.limits.users_max.unwrap_or(u64::MAX);
    match (st.users.len() as u64).checked_add(n as u64) {
        Some(t) if t <= cap => Ok(()),
        _ => Err(Error::UserCapReached),
    }
}

/// Registers a user whose name is free and who fits the cap: draws their registration sequence
/// from the app's counter, gives them a slot (their handle), and emits `UserRegistered`.
pub(crate) fn insert_user(cx: &mut Ctx<'_>, mut user: User) -> (UserId, UserView) {
    user.seq = cx.st.mint();
    let view = UserView::of(&user);
    let name = user.name.clone();
    let id = cx.st.users.insert(user);
    cx.emit(Event::UserRegistered { user: name });
    (id, view)
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RegisterUser(pub NewUser);

impl Exec for RegisterUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        if cx.st.limits.registration_mode == RegistrationMode::Authorized
            && *cx.actor != Actor::Admin
        {
            return Err(Error::Unauthorized(
                "Open registration doesn't allow, so register user need token",
            ));
        }
        let u = self.0;
        let name = u.validate()?;
        if cx.st.users.contains(&name) {
            return Err(Error::DuplicateUsername {
                app: cx.st.key.to_string(),
                username: name.to_string(),
            });
        }
        room_for_users(cx.st, 1)?;
        let user = new_user(&u, name, Some(&u.password), cx.now);
        Ok(insert_user(cx, user).1)
    }
}

/// One name a batch registration did not create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RegisterFailure {
    /// The folded username.
    pub username: UserName,
    /// Why: `the <u> already exists`.
    pub reason: String,
}

/// What a batch registration did: created users in input order, and the names that existed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RegisterUsers(pub Vec<NewUser>);

impl Exec for RegisterUsers {
    type Reply = BatchRegistered;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<BatchRegistered> {
        cx.actor.admin_only(NOT_ALLOWED)?;
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
            .filter(|(n, _)| !cx.st.users.contains(n))
            .count();
        room_for_users(cx.st, fresh)?;
        let mut out = BatchRegistered {
            created: Vec::new(),
            failed: Vec::new(),
        };
        for (name, u) in items {
            if cx.st.users.contains(&name) {
                out.failed.push(RegisterFailure {
                    reason: format!("the {name} already exists"),
                    username: name,
                });
                continue;
            }
            let user = new_user(&u, name, Some(&u.password), cx.now);
            out.created.push(insert_user(cx, user).1);
        }
        Ok(out)
    }
}

/// Reads one user (`GET /users/{u}`). Admin, or the user themself.
///
/// Errors: `401 unauthorized` (another user or anonymous); `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetUser {
    /// Who.
    pub username: UserName,
}

impl Ask for GetUser {
    type Reply = UserView;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<UserView> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let (_, u) = cx
            .st
            .users
            .named(&self.username)
            .ok_or_else(|| Error::UserNotFound(self.username.to_string()))?;
        Ok(UserView::of(u))
    }
}

/// A user's handle ([`UserId`]) by name: resolve a name once, then use the id forms of the hot
/// queries ([`crate::AreFriendsById`], [`crate::IsBlockedById`],
/// [`crate::messages::MayMessageById`]). Handles are never reused: a user deleted and registered
/// again has a new one. Admin, or the user themself.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct LookupUser {
    /// Who.
    pub username: UserName,
}

impl Ask for LookupUser {
    type Reply = UserId;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<UserId> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        cx.st
            .users
            .id(&self.username)
            .ok_or_else(|| Error::UserNotFound(self.username.to_string()))
    }
}

const USERS_CURSOR: &str = "u";

/// Lists users by creation time ascending, ties by registration order (`GET /users`). Admin
/// only. `limit` is 1–100 (default 10, larger values clamped, 0 is `400 illegal_argument`).
/// The cursor encodes the last user returned, so pages are stable under creation and deletion.
///
/// Errors: `401 unauthorized`; `400 illegal_argument` (limit 0, bad cursor).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListUsers {
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// From a previous page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
}

impl Ask for ListUsers {
    type Reply = Page<UserView>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<UserView>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let limit = paging::limit(self.limit, USER_PAGE_DEFAULT, USER_PAGE_MAX)?;
        let after = match &self.cursor {
            Some(c) => {
                let [t, id] = paging::decode::<2>(USERS_CURSOR, c)?;
                Some((Timestamp(t as i64), id))
            }
            None => None,
        };
        let (ids, more) = cx.st.users.oldest(after, limit);
        let items = ids
            .iter()
            .filter_map(|(_, _, id)| cx.st.users.get(*id).map(UserView::of))
            .collect();
        let cursor = match (more, ids.last()) {
            (true, Some((t, seq, _))) => Some(paging::encode(USERS_CURSOR, &[t.0 as u64, *seq])),
            _ => None,
        };
        Ok(Page { items, cursor })
    }
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteUser {
    /// Who.
    pub username: UserName,
}

impl Exec for DeleteUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let id = cx
            .st
            .users
            .id(&self.username)
            .ok_or_else(|| Error::UserNotFound(self.username.to_string()))?;
        Ok(super::cascade::delete_user(cx, id))
    }
}

/// Deletes the oldest `limit` users, each with the full cascade (`DELETE /users`). Admin
/// only. `limit` is 1–100, default 10. The cursor is present when users remain.
///
/// Errors: `401 unauthorized`; `400 illegal_argument` (limit 0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteUsers {
    /// How many.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
}

impl Exec for DeleteUsers {
    type Reply = Page<UserView>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Page<UserView>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let limit = paging::limit(self.limit, USER_PAGE_DEFAULT, USER_PAGE_MAX)?;
        let (ids, _) = cx.st.users.oldest(None, limit);
        let items = ids
            .into_iter()
            .map(|(_, _, id)| super::cascade::delete_user(cx, id))
            .collect();
        let more = cx.st.users.len() > 0;
        let cursor = more.then(|| paging::encode(USERS_CURSOR, &[0, 0]));
        Ok(Page { items, cursor })
    }
}

/// Sets a new password (`PUT /users/{u}/password`). Admin only; the old password is not
/// needed. Revokes the user's tokens and closes their sessions (`ForceDisconnect
/// {PasswordChanged}` each); bumps `modified`.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` ("newpassword is
/// required", "password is too long"); `404 entity_not_found` ("User null not found").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ChangePassword {
    /// Who.
    pub username: UserName,
    /// The new password.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::password))]
    pub new_password: String,
}

impl Exec for ChangePassword {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_password(&self.new_password, "newpassword is required")?;
        let id = cx
            .st
            .users
            .id(&self.username)
            .ok_or(Error::EntityNotFound)?;
        let u = cx.st.users.get_mut(id).ok_or(Error::EntityNotFound)?;
        u.password = Some(self.new_password.into());
        u.modified = cx.now;
        let (tokens, sessions) = match u.extra.as_deref_mut() {
            Some(x) => (
                std::mem::take(&mut x.tokens),
                std::mem::take(&mut x.sessions),
            ),
            None => Default::default(),
        };
        let name = u.name.clone();
        cx.st.users.set_online(id, false);
        for t in tokens {
            cx.st.users.tokens.remove(&t);
        }
        let resources: Vec<Box<str>> = sessions.into_iter().map(|e| e.resource).collect();
        for r in &resources {
            cx.emit(Event::ForceDisconnect {
                user: name.clone(),
                resource: r.to_string(),
                reason: DisconnectReason::PasswordChanged,
            });
        }
        super::sessions::closed(cx, id, &resources);
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
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
    cx.actor.admin_only(NOT_ALLOWED)?;
    let id = cx
        .st
        .users
        .id(user)
        .ok_or_else(|| Error::UserNotFound(user.to_string()))?;
    let u = cx
        .st
        .users
        .get_mut(id)
        .ok_or_else(|| Error::UserNotFound(user.to_string()))?;
    if u.activated == on {
        return Ok(UserView::of(u));
    }
    u.activated = on;
    u.modified = cx.now;
    let sessions = match (on, u.extra.as_deref_mut()) {
        (false, Some(x)) => std::mem::take(&mut x.sessions),
        _ => Vec::new(),
    };
    let view = UserView::of(u);
    let resources: Vec<Box<str>> = sessions.into_iter().map(|e| e.resource).collect();
    for r in &resources {
        cx.emit(Event::ForceDisconnect {
            user: user.clone(),
            resource: r.to_string(),
            reason: DisconnectReason::Disabled,
        });
    }
    super::sessions::closed(cx, id, &resources);
    cx.emit(if on {
        Event::UserEnabled { user: user.clone() }
    } else {
        Event::UserDisabled { user: user.clone() }
    });
    Ok(view)
}
