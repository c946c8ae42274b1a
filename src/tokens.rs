//! Tokens (spec 01 §3): the host mints opaque token strings; the engine keeps the grants and
//! decides whether a token is valid at `now`. No token outlives its user: deleting the user,
//! or changing their password, drops their grants, and a grant names the user's handle, which
//! a re-registered name does not reuse.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Actor, Ctx};
use crate::error::{Error, Result};
use crate::ids::UserName;
use crate::limits::{TOKEN_BYTES_MAX, TOKENS_PER_USER_MAX};
use crate::query::Ask;
use crate::store::{APP_TOKENS_MAX, Grant, Subject, Tenant, UserCell};
use crate::time::{Expiry, Millis, Timestamp};
use crate::users::{NewUser, NotInserted, UserView, insert_user_with};

/// The grant a token is asked for with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantType {
    /// An app token, for the app's client id and secret. Any caller.
    ClientCredentials {
        /// Must match the app's.
        client_id: String,
        /// Must match the app's.
        client_secret: String,
    },
    /// A user token, for a username and password. Any caller.
    Password {
        /// The username as given.
        username: String,
        /// The password.
        password: String,
    },
    /// A user token issued by the app admin without a password, optionally creating the user
    /// (with no password) first. Admin only.
    Inherit {
        /// The username as given.
        username: String,
        /// Create the user if missing.
        auto_create: bool,
        /// The uuid to give a user created here.
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
///   must be provided"); `400 invalid_grant` ("client_id does not match", "client_secret does
///   not match");
/// - `Password`: `404 invalid_grant` ("user not found"); `400 invalid_grant` ("invalid
///   password", also for users without one); `400 invalid_grant` ("user not activated");
/// - `Inherit`: `401 unauthorized` (not the admin); `404 entity_not_found` (missing user,
///   no auto-create); with auto-create the username rules (`400 illegal_argument`) and `429
///   resource_limited`; `400 invalid_grant` ("user not activated").
///
/// An auto-created user is created holding the token: if the grant fails (a racing grant took
/// the token string), no user is created and no event is emitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueToken {
    /// How the caller proves who they are.
    pub grant: GrantType,
    /// The token string the host minted.
    pub token: String,
    /// Lifetime; see the type docs.
    pub ttl: Option<Millis>,
}

/// A token that was issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
        if cx.app.tokens.contains_key(self.token.as_str()) {
            return Err(Error::illegal("token already issued"));
        }
        let ttl = self.ttl.unwrap_or(cx.app.limits.token_ttl_default);
        let expires = if ttl.0 == 0 {
            Expiry::Never
        } else {
            Expiry::At(cx.now.after(ttl))
        };
        let token: Box<str> = self.token.into();
        match self.grant {
            GrantType::ClientCredentials {
                client_id,
                client_secret,
            } => {
                if client_id.is_empty() {
                    return Err(Error::GrantArgument("client_id must be provided."));
                }
                if client_secret.is_empty() {
                    return Err(Error::GrantArgument("client_secret must be provided"));
                }
                let creds = cx.app.credentials.read().clone().unwrap_or_default();
                if !ct_eq(&client_id, &creds.client_id) || creds.client_id.is_empty() {
                    return Err(Error::InvalidGrant("client_id does not match"));
                }
                if !ct_eq(&client_secret, &creds.client_secret) {
                    return Err(Error::InvalidGrant("client_secret does not match"));
                }
                insert_new(
                    cx.app,
                    token.clone(),
                    Grant {
                        subject: Subject::App,
                        expires,
                    },
                )?;
                // The queue is a leaf lock: pop under it, touch the token map after.
                let mut app_tokens = cx.app.app_tokens.lock();
                let evicted = if app_tokens.len() >= APP_TOKENS_MAX {
                    app_tokens.pop_front()
                } else {
                    None
                };
                app_tokens.push_back(token.clone());
                drop(app_tokens);
                if let Some(old) = evicted {
                    cx.app.tokens.remove(&old);
                }
                Ok(TokenIssued {
                    access_token: token.into(),
                    expires_in: ttl,
                    user: None,
                })
            }
            GrantType::Password { username, password } => {
                let cell = cx
                    .app
                    .user_by_str(&username)
                    .ok_or(Error::GrantUserNotFound)?;
                {
                    let s = cell.state.read();
                    if s.gone {
                        return Err(Error::GrantUserNotFound);
                    }
                    match &s.password {
                        Some(p) if ct_eq(p, &password) => {}
                        _ => return Err(Error::InvalidGrant("invalid password")),
                    }
                }
                let user = grant_user(cx, &cell, token.clone(), expires, Some(&password))?;
                Ok(TokenIssued {
                    access_token: token.into(),
                    expires_in: ttl,
                    user: Some(user),
                })
            }
            GrantType::Inherit {
                username,
                auto_create,
                uuid,
            } => {
                if *cx.actor != Actor::Admin {
                    return Err(Error::Unauthorized("principal not allowed"));
                }
                let cell = match cx.app.user_by_str(&username) {
                    Some(c) => c,
                    None if !auto_create => return Err(Error::EntityNotFound),
                    None => {
                        let name = UserName::parse(&username)?;
                        cx.app.reserve_users(1)?;
                        let nu = NewUser {
                            username,
                            password: String::new(),
                            nickname: None,
                            uuid,
                        };
                        let mut state =
                            crate::users::new_state_for(&nu, name.clone(), None, cx.now);
                        // The user is born holding the token, granted while they are still
                        // pending: the creation and the grant happen together or not at all.
                        state.extra_mut().tokens.push_back(token.clone());
                        let t = token.clone();
                        match insert_user_with(cx, state, move |app, id| {
                            let subject = Subject::User(id);
                            insert_new(app, t, Grant { subject, expires })
                        }) {
                            Ok(user) => {
                                return Ok(TokenIssued {
                                    access_token: token.into(),
                                    expires_in: ttl,
                                    user: Some(user),
                                });
                            }
                            Err(NotInserted::Refused(e)) => {
                                cx.app.release_users(1);
                                return Err(e);
                            }
                            // A racing registration of the same name won; use that user.
                            Err(NotInserted::Taken) => {
                                cx.app.release_users(1);
                                cx.app.user(&name).ok_or(Error::EntityNotFound)?
                            }
                        }
                    }
                };
                let user = grant_user(cx, &cell, token.clone(), expires, None)?;
                Ok(TokenIssued {
                    access_token: token.into(),
                    expires_in: ttl,
                    user: Some(user),
                })
            }
        }
    }
}

/// Records a user grant: into the token map first (refused if a racing grant took the string),
/// then onto the user under their lock, undoing the first step if the user went away, was
/// disabled, or (for a `password` grant) had their password changed meanwhile. The password
/// is checked again under the write lock so that a token granted for an old password cannot
/// slip past a concurrent password change, which revokes the tokens listed at that moment.
fn grant_user(
    cx: &mut Ctx<'_>,
    cell: &UserCell,
    token: Box<str>,
    expires: Expiry,
    password: Option<&str>,
) -> Result<UserView> {
    insert_new(
        cx.app,
        token.clone(),
        Grant {
            subject: Subject::User(cell.id),
            expires,
        },
    )?;
    let mut s = cell.state.write();
    let wrong_password = password.is_some_and(|p| !matches!(&s.password, Some(q) if ct_eq(q, p)));
    let refused = if s.gone {
        Some(match password {
            Some(_) => Error::GrantUserNotFound,
            None => Error::EntityNotFound,
        })
    } else if wrong_password {
        Some(Error::InvalidGrant("invalid password"))
    } else if !s.activated {
        Some(Error::InvalidGrant("user not activated"))
    } else {
        None
    };
    if let Some(e) = refused {
        drop(s);
        cx.app.tokens.remove(&token);
        return Err(e);
    }
    let x = s.extra_mut();
    let mut dropped: VecDeque<Box<str>> = VecDeque::new();
    // Keep at most TOKENS_PER_USER_MAX grants, dropping the oldest.
    while x.tokens.len() >= TOKENS_PER_USER_MAX {
        if let Some(old) = x.tokens.pop_front() {
            dropped.push_back(old);
        }
    }
    x.tokens.push_back(token);
    let view = UserView::of(&s);
    drop(s);
    for t in dropped {
        cx.app.tokens.remove(&t);
    }
    Ok(view)
}

/// Puts a new grant into the token map, unless the string is taken: the early
/// `contains_key` check in [`IssueToken`] gives the documented error order, and this one makes
/// two concurrent grants of one string impossible (the loser gets the same `400
/// illegal_argument` "token already issued").
fn insert_new(app: &Tenant, token: Box<str>, grant: Grant) -> Result<()> {
    match app.tokens.entry(token) {
        dashmap::Entry::Occupied(_) => Err(Error::illegal("token already issued")),
        dashmap::Entry::Vacant(v) => {
            v.insert(grant);
            Ok(())
        }
    }
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
pub struct ValidateToken {
    /// The token string.
    pub token: String,
}

impl Ask for ValidateToken {
    type Reply = Actor;
    fn ask(self, cx: &Ctx<'_>) -> Result<Actor> {
        if self.token.is_empty() {
            return Err(Error::TokenExpired);
        }
        let grant = cx
            .app
            .tokens
            .get(self.token.as_str())
            .map(|g| g.clone())
            .ok_or(Error::BadAccessToken)?;
        match grant.subject {
            Subject::App => {
                check_expiry(grant.expires, cx.now)?;
                Ok(Actor::Admin)
            }
            Subject::User(id) => {
                let cell = cx.app.user_by_id(id).ok_or(Error::BadAccessToken)?;
                let s = cell.state.read();
                if s.gone {
                    return Err(Error::BadAccessToken);
                }
                check_expiry(grant.expires, cx.now)?;
                if !s.activated {
                    return Err(Error::Unauthorized("user not activated"));
                }
                Ok(Actor::User(s.name.clone()))
            }
        }
    }
}

fn check_expiry(e: Expiry, now: Timestamp) -> Result<()> {
    if e.is_live(now) {
        Ok(())
    } else {
        Err(Error::TokenExpired)
    }
}
