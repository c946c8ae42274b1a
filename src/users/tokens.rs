//! Tokens (spec 01 §3): the host mints opaque token strings; the engine keeps the grants and
//! decides whether a token is valid at `now`. No token outlives its user: deleting the user,
//! or changing their password, drops their grants, and a grant names the user's handle, which
//! a re-registered name does not reuse.

use serde::{Deserialize, Serialize};

use super::accounts::{insert_user, new_user, room_for_users};
use super::state::{Credentials, Grant, Subject};
use crate::command::Exec;
use crate::engine::{Actor, Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{APP_TOKENS_MAX, TOKEN_BYTES_MAX, TOKENS_PER_USER_MAX};
use crate::query::Ask;
use crate::store::Users;
use crate::time::{Expiry, Millis, Timestamp};
use crate::users::{NewUser, UserView};

/// The grant a token is asked for with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum GrantType {
    /// An app token, for the app's client id and secret. Any caller.
    ClientCredentials {
        /// Must match the app's.
        #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::client_id))]
        client_id: String,
        /// Must match the app's.
        #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::client_secret))]
        client_secret: String,
    },
    /// A user token, for a username and password. Any caller.
    Password {
        /// The username as given.
        #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_name))]
        username: String,
        /// The password.
        #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::password))]
        password: String,
    },
    /// A user token issued by the app admin without a password, optionally creating the user
    /// (with no password) first. Admin only.
    Inherit {
        /// The username as given.
        #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_name))]
        username: String,
        /// Create the user if missing.
        auto_create: bool,
        /// The uuid to give a user created here.
        #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::uuid))]
        uuid: String,
    },
}

/// Issues a token (`POST /token`). The host mints `token`, an opaque unguessable string.
///
/// `ttl`: `None` is the app default (60 days); `Some(Millis(0))` never expires; otherwise the
/// token expires at `now + ttl`.
///
/// Errors, per grant, in check order:
/// - any grant: `400 illegal_argument` if `token` is empty, over 512 bytes or already issued;
/// - `ClientCredentials`: `400 illegal_argument` ("client_id must be provided.", "client_secret
///   must be provided"); `400 invalid_grant` ("invalid client_id or client_secret", one answer
///   whichever half is wrong, issue 14);
/// - `Password`: `400 invalid_grant` ("invalid username or password", one answer for an
///   unknown user, a user without a password and a wrong password, issue 14); `400
///   invalid_grant` ("user not activated", only after the right password);
/// - `Inherit`: `401 unauthorized` (not the admin); `404 entity_not_found` (missing user,
///   no auto-create); with auto-create the username rules (`400 illegal_argument`) and `429
///   resource_limited`; `400 invalid_grant` ("user not activated");
/// - last, any grant: `429 resource_limited` "too many live tokens" when the grants kept (the
///   app's [`APP_TOKENS_MAX`], or the user's [`TOKENS_PER_USER_MAX`]) are full and none has
///   expired: a valid token is never pushed out (issue 14).
///
/// An auto-created user is created holding the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IssueToken {
    /// How the caller proves who they are.
    pub grant: GrantType,
    /// The token string the host minted.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::token))]
    pub token: String,
    /// Lifetime; see the type docs.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::ttl))]
    pub ttl: Option<Millis>,
}

/// A token that was issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct TokenIssued {
    /// The token string.
    pub access_token: String,
    /// Its lifetime; `Millis(0)` means it never expires.
    pub expires_in: Millis,
    /// The user, for user tokens.
    pub user: Option<UserView>,
}

impl Exec for IssueToken {
    type Reply = TokenIssued;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<TokenIssued> {
        if self.token.is_empty() || self.token.len() > TOKEN_BYTES_MAX {
            return Err(Error::illegal("token must be 1 to 512 bytes"));
        }
        if cx.st.users.tokens.contains_key(self.token.as_str()) {
            return Err(Error::illegal("token already issued"));
        }
        let ttl = self.ttl.unwrap_or(cx.st.limits.token_ttl_default);
        let expires = if ttl.0 == 0 {
            Expiry::Never
        } else {
            Expiry::At(cx.now.after(ttl))
        };
        let token: Box<str> = self.token.into();
        let user = match self.grant {
            GrantType::ClientCredentials {
                client_id,
                client_secret,
            } => {
                check_client(&cx.st.users, &client_id, &client_secret)?;
                let users = &mut cx.st.users;
                if users.app_tokens.len() >= APP_TOKENS_MAX {
                    // Only expired grants make room: a valid token is never pushed out.
                    let now = cx.now;
                    let mut expired = Vec::new();
                    users.app_tokens.retain(|t| {
                        let live = users
                            .tokens
                            .get(&**t)
                            .is_some_and(|g| g.expires.is_live(now));
                        if !live {
                            expired.push(t.clone());
                        }
                        live
                    });
                    for t in &expired {
                        users.tokens.remove(t);
                    }
                    if users.app_tokens.len() >= APP_TOKENS_MAX {
                        return Err(Error::TokensFull);
                    }
                }
                users.app_tokens.push_back(token.clone());
                users.tokens.insert(
                    token.clone(),
                    Grant {
                        subject: Subject::App,
                        expires,
                    },
                );
                None
            }
            GrantType::Password { username, password } => {
                let id = check_password(&cx.st.users, &username, &password)?;
                Some(grant_user(cx, id, token.clone(), expires)?)
            }
            GrantType::Inherit {
                username,
                auto_create,
                uuid,
            } => {
                if *cx.actor != Actor::Admin {
                    return Err(NOT_ALLOWED);
                }
                let id = match cx.st.users.id_str(&username) {
                    Some(id) => id,
                    None if !auto_create => return Err(Error::EntityNotFound),
                    None => {
                        let name = UserName::parse(&username)?;
                        room_for_users(cx.st, 1)?;
                        let nu = NewUser {
                            username,
                            password: String::new(),
                            nickname: None,
                            uuid,
                        };
                        insert_user(cx, new_user(&nu, name, None, cx.now)).0
                    }
                };
                Some(grant_user(cx, id, token.clone(), expires)?)
            }
        };
        Ok(TokenIssued {
            access_token: token.into(),
            expires_in: ttl,
            user,
        })
    }
}

/// Checks a `client_credentials` grant: both halves present, both right (compared in
/// constant time, one answer whichever is wrong).
fn check_client(users: &Users, client_id: &str, client_secret: &str) -> Result<()> {
    if client_id.is_empty() {
        return Err(Error::GrantArgument("client_id must be provided."));
    }
    if client_secret.is_empty() {
        return Err(Error::GrantArgument("client_secret must be provided"));
    }
    let empty = Credentials::default();
    let creds = users.credentials.as_ref().unwrap_or(&empty);
    let id_ok = ct_eq(client_id, &creds.client_id) && !creds.client_id.is_empty();
    let secret_ok = ct_eq(client_secret, &creds.client_secret);
    if !(id_ok && secret_ok) {
        return Err(Error::InvalidGrant(BAD_CLIENT));
    }
    Ok(())
}

/// Checks a `password` grant's username and password: one answer for an unknown user, a
/// user without a password and a wrong password, so a caller does not learn which usernames
/// exist.
fn check_password(users: &Users, username: &str, password: &str) -> Result<UserId> {
    let bad = Error::InvalidGrant(BAD_PASSWORD);
    let id = users.id_str(username).ok_or(bad.clone())?;
    let u = users.get(id).ok_or(bad.clone())?;
    match &u.password {
        Some(p) if ct_eq(p, password) => Ok(id),
        _ => Err(bad),
    }
}

/// The one answer to a wrong client id or secret.
pub const BAD_CLIENT: &str = "invalid client_id or client_secret";
/// The one answer to an unknown user or a wrong password.
pub const BAD_PASSWORD: &str = "invalid username or password";

/// Records a user grant, unless the user is disabled: onto the user's list (at most
/// [`TOKENS_PER_USER_MAX`]: when full, the expired ones are dropped, and if none has expired
/// the grant is refused with `429 resource_limited`) and into the token map.
fn grant_user(cx: &mut Ctx<'_>, id: UserId, token: Box<str>, expires: Expiry) -> Result<UserView> {
    let u = cx.st.users.get(id).ok_or(Error::EntityNotFound)?;
    if !u.activated {
        return Err(Error::InvalidGrant("user not activated"));
    }
    crate::lifecycle::login_allowed(cx.st, id, &u.name.clone(), cx.now)?;
    let now = cx.now;
    let users = &mut cx.st.users;
    let u = users.get_mut(id).ok_or(Error::EntityNotFound)?;
    let view = UserView::of(u);
    if u.extra()
        .is_some_and(|x| x.tokens.len() >= TOKENS_PER_USER_MAX)
    {
        // Only expired grants make room: a valid token is never pushed out (issue 14).
        let expired: Vec<Box<str>> = users
            .get(id)
            .and_then(|u| u.extra())
            .map(|x| {
                x.tokens
                    .iter()
                    .filter(|t| {
                        !users
                            .tokens
                            .get(&***t)
                            .is_some_and(|g| g.expires.is_live(now))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for t in &expired {
            users.tokens.remove(t);
        }
        let u = users.get_mut(id).ok_or(Error::EntityNotFound)?;
        let x = u.extra_mut();
        x.tokens.retain(|t| !expired.contains(t));
        if x.tokens.len() >= TOKENS_PER_USER_MAX {
            return Err(Error::TokensFull);
        }
    }
    let u = users.get_mut(id).ok_or(Error::EntityNotFound)?;
    let x = u.extra_mut();
    x.tokens.push_back(token.clone());
    users.tokens.insert(
        token,
        Grant {
            subject: Subject::User(id),
            expires,
        },
    );
    Ok(view)
}

/// Constant-time string comparison, so secrets are not leaked by timing.
fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a token at `now` and says who it authenticates (`Actor::Admin` or `Actor::User`).
///
/// Errors, in check order:
/// 1. `401 unauthorized` "Unable to authenticate due to expired access token" — empty token;
/// 2. `401 auth_bad_access_token` "Unable to authenticate" — unknown (or another app's), or
///    its user was deleted;
/// 3. `401 unauthorized` "Unable to authenticate due to expired access token" — `now >=`
///    its expiry;
/// 4. `401 unauthorized` "user not activated" — its user is disabled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ValidateToken {
    /// The token string.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::token))]
    pub token: String,
}

impl Ask for ValidateToken {
    type Reply = Actor;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Actor> {
        if self.token.is_empty() {
            return Err(Error::TokenExpired);
        }
        let users = &cx.st.users;
        let grant = users
            .tokens
            .get(self.token.as_str())
            .ok_or(Error::BadAccessToken)?;
        match grant.subject {
            Subject::App => {
                check_expiry(grant.expires, cx.now)?;
                Ok(Actor::Admin)
            }
            Subject::User(id) => {
                let u = users.get(id).ok_or(Error::BadAccessToken)?;
                check_expiry(grant.expires, cx.now)?;
                if !u.activated {
                    return Err(Error::Unauthorized("user not activated"));
                }
                Ok(Actor::User(u.name.clone()))
            }
        }
    }
}

/// Who a valid token authenticates, with the user's handle: [`ValidateToken`] for hosts that
/// address users by [`UserId`] on their hot paths.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticated {
    /// The caller.
    pub actor: Actor,
    /// The user's handle (`None` for an app token).
    pub user: Option<UserId>,
}

/// [`ValidateToken`] that also gives the user's handle. Same errors, same order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Authenticate {
    /// The token string.
    pub token: String,
}

impl Ask for Authenticate {
    type Reply = Authenticated;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Authenticated> {
        let actor = ValidateToken {
            token: self.token.clone(),
        }
        .ask(cx)?;
        let user = match &actor {
            Actor::User(n) => cx.st.users.id(n),
            _ => None,
        };
        Ok(Authenticated { actor, user })
    }
}

fn check_expiry(e: Expiry, now: Timestamp) -> Result<()> {
    if e.is_live(now) {
        Ok(())
    } else {
        Err(Error::TokenExpired)
    }
}

/// Sets the app's `client_credentials` (client id and secret) that [`GrantType::ClientCredentials`]
/// checks. Replaces any earlier pair; tokens already issued stay valid. Admin (the host) only.
///
/// Errors: `401 unauthorized` (not the admin); `400 illegal_argument` (an empty id or secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetCredentials(pub Credentials);

impl Exec for SetCredentials {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        if self.0.client_id.is_empty() || self.0.client_secret.is_empty() {
            return Err(Error::illegal("client id and secret must be provided"));
        }
        cx.st.users.credentials = Some(self.0);
        Ok(())
    }
}

/// The app's `client_credentials`, if set: what a host that signs requests with the app
/// secret (the RongCloud face, spec 04) checks signatures against. Admin (the host) only.
///
/// Errors: `401 unauthorized` (not the admin).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetCredentials;

impl Ask for GetCredentials {
    type Reply = Option<Credentials>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Option<Credentials>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(cx.st.users.credentials.clone())
    }
}

/// Checks a grant without recording anything, for hosts that mint self-contained tokens
/// (signed strings carrying their subject and expiry) instead of having the engine keep a
/// grant per token: minting then costs no memory, and no token pushes another out.
///
/// The checks and their order are [`IssueToken`]'s, except that `Inherit` never creates the
/// user (`404 entity_not_found` for a missing one: issue the token with [`IssueToken`] to
/// create it). The reply names the user and their [`credential`](GrantChecked::credential)
/// fingerprint, which the host binds into the token so that a password change invalidates
/// it ([`TokenSubject`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct CheckGrant {
    /// How the caller proves who they are.
    pub grant: GrantType,
}

/// A grant that passed [`CheckGrant`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantChecked {
    /// The user, for user grants: their handle and record.
    pub user: Option<(UserId, UserView)>,
    /// The user's credential fingerprint ([`TokenSubjectView::credential`]); 0 for app grants.
    pub credential: u64,
}

impl Ask for CheckGrant {
    type Reply = GrantChecked;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GrantChecked> {
        let users = &cx.st.users;
        let id = match self.grant {
            GrantType::ClientCredentials {
                client_id,
                client_secret,
            } => {
                check_client(users, &client_id, &client_secret)?;
                return Ok(GrantChecked {
                    user: None,
                    credential: 0,
                });
            }
            GrantType::Password { username, password } => {
                check_password(users, &username, &password)?
            }
            GrantType::Inherit { username, .. } => {
                if *cx.actor != Actor::Admin {
                    return Err(NOT_ALLOWED);
                }
                users.id_str(&username).ok_or(Error::EntityNotFound)?
            }
        };
        let u = users.get(id).ok_or(Error::EntityNotFound)?;
        if !u.activated {
            return Err(Error::InvalidGrant("user not activated"));
        }
        // A closed or login-blocked user (spec 04) gets no token, as with IssueToken.
        crate::lifecycle::login_allowed(cx.st, id, &u.name, cx.now)?;
        Ok(GrantChecked {
            user: Some((id, UserView::of(u))),
            credential: credential(u.password.as_deref()),
        })
    }
}

/// The fingerprint of a password (FNV-1a, 64 bits; 0 for none): it changes when the password
/// changes, and never leaves the host (a host binds it into its tokens' signatures, it does
/// not put it in them).
fn credential(password: Option<&str>) -> u64 {
    password.map_or(0, |p| {
        p.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    })
}

/// What a self-contained user token is checked against, by the user's handle: the user's
/// name, and their current credential fingerprint (a token signed over another fingerprint
/// predates a password change). Admin (the host) only.
///
/// Errors: `401 unauthorized` (not the admin); `401 auth_bad_access_token` (no user has this
/// handle: deleted). A disabled user is not an error here: the host checks the signature and
/// the expiry first, then [`TokenSubjectView::activated`], in [`ValidateToken`]'s order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct TokenSubject {
    /// The user's handle, as the token carries it.
    pub user: UserId,
}

/// The reply to [`TokenSubject`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSubjectView {
    /// The caller the token authenticates.
    pub actor: Actor,
    /// The user's credential fingerprint now.
    pub credential: u64,
    /// Whether the user may log in (not disabled).
    pub activated: bool,
}

impl Ask for TokenSubject {
    type Reply = TokenSubjectView;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<TokenSubjectView> {
        if *cx.actor != Actor::Admin {
            return Err(NOT_ALLOWED);
        }
        let u = cx.st.users.get(self.user).ok_or(Error::BadAccessToken)?;
        Ok(TokenSubjectView {
            actor: Actor::User(u.name.clone()),
            credential: credential(u.password.as_deref()),
            activated: u.activated,
        })
    }
}
