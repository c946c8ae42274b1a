//! Registration as token issue, token validation and revocation, and the push profile
//! (spec 04 §1, §2, §6).
//!
//! RongCloud registers a user by handing out a token. The engine records the grant (who, when,
//! a sequence number) and the host mints and signs the opaque token from it; at connect time
//! the host asks [`ValidateGrant`]. A grant is judged by its issue time alone: revocation
//! ([`RevokeTokens`]) moves the user's `valid_after` forward, and a grant issued before it, or
//! before the user record was created (an earlier user of the same name), is revoked.

use serde::{Deserialize, Serialize};

use super::error::invalid;
use super::{LifecycleEvent, check_batch, closed_err, user_named};
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::UserName;
use crate::limits::{PORTRAIT_BYTES_MAX, RONG_BATCH_MAX, RONG_NAME_CHARS_MAX};
use crate::query::Ask;
use crate::time::Timestamp;
use crate::users::{NewUser, find};

/// A push name: 1–64 Unicode scalar values (spec 04 §1 OPEN).
fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > RONG_NAME_CHARS_MAX {
        return Err(invalid(format!(
            "name must be 1 to {RONG_NAME_CHARS_MAX} characters"
        )));
    }
    Ok(())
}

/// A portrait URI: at most 1 024 bytes; empty clears it.
fn check_portrait(p: &str) -> Result<()> {
    if p.len() > PORTRAIT_BYTES_MAX {
        return Err(invalid(format!(
            "portraitUri must be at most {PORTRAIT_BYTES_MAX} bytes"
        )));
    }
    Ok(())
}

/// A recorded token grant: the host mints the token from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    /// Whose.
    pub user: UserName,
    /// When it was issued: the `now` of the call.
    pub issued_at: Timestamp,
    /// Its sequence number (from the app's counter).
    pub grant_seq: u64,
}

/// Registers a user or updates their push name and portrait, and records a token grant
/// (`/user/getToken.json`). A known id gets a fresh grant; its earlier grants stay valid. A new
/// user has no password and `uuid` as their uuid. Admin only.
///
/// Errors, in check order:
/// 1. `401 unauthorized`;
/// 2. `400 illegal_argument` — `name` not 1–64 characters, `portrait` over 1 024 bytes;
/// 3. `404 account_closed` — the id is closed (client 31029);
/// 4. `429 resource_limited` — a new user past `users_max` (RongCloud 2007).
///
/// Emits `UserRegistered` (a new user), `UserInfoChanged` (a known one), `TokenGranted`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GrantToken {
    /// The user id.
    pub user: UserName,
    /// The push name.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::nickname_req))]
    pub name: String,
    /// The push portrait URI; empty clears it.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_portrait))]
    pub portrait: Option<String>,
    /// The uuid for a new user.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::uuid))]
    pub uuid: String,
}

impl Exec for GrantToken {
    type Reply = TokenGrant;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<TokenGrant> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_name(&self.name)?;
        if let Some(p) = &self.portrait {
            check_portrait(p)?;
        }
        let id = match cx.st.users.id(&self.user) {
            Some(id) => {
                if cx.st.lifecycle.is_closed(id) {
                    return Err(closed_err(&self.user));
                }
                let u = cx.st.users.get_mut(id).expect("indexed");
                u.nickname = Some(self.name.as_str().into());
                u.modified = cx.now;
                cx.emit(Event::Lifecycle(LifecycleEvent::UserInfoChanged {
                    user: self.user.clone(),
                    at: cx.now,
                }));
                id
            }
            None => {
                crate::users::room_for_users(cx.st, 1)?;
                let new = NewUser {
                    username: self.user.to_string(),
                    password: String::new(),
                    nickname: Some(self.name.clone()),
                    uuid: self.uuid.clone(),
                };
                let user = crate::users::new_user(&new, self.user.clone(), None, cx.now);
                crate::users::insert_user(cx, user).0
            }
        };
        if let Some(p) = &self.portrait {
            let lu = cx.st.lifecycle.user_mut(id);
            lu.portrait = (!p.is_empty()).then(|| p.as_str().into());
            cx.st.lifecycle.tidy(id);
        }
        let grant_seq = cx.st.mint();
        cx.emit(Event::Lifecycle(LifecycleEvent::TokenGranted {
            user: self.user.clone(),
            at: cx.now,
            grant_seq,
        }));
        Ok(TokenGrant {
            user: self.user,
            issued_at: cx.now,
            grant_seq,
        })
    }
}

/// What a grant is worth at connect time (spec 04 §1), in this order of checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantStatus {
    /// The id is closed (client 31029).
    Closed,
    /// Issued before a revocation, or before this user record existed (client 31004).
    Revoked,
    /// Past the app's token lifetime (client 31020).
    Expired,
    /// The user is disabled, Easemob-style (client 31009).
    Disabled,
    /// A timed login block is live until then (client 31009).
    Blocked(Timestamp),
    /// The user may connect.
    Ok,
}

/// Judges a grant at `now` (connect time). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `404 service_resource_not_found` (unknown user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ValidateGrant {
    /// Whose grant.
    pub user: UserName,
    /// When it was issued.
    pub issued_at: Timestamp,
}

impl Ask for ValidateGrant {
    type Reply = GrantStatus;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GrantStatus> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, u) = find(cx.st, &self.user)?;
        let life = &cx.st.lifecycle;
        if life.is_closed(id) {
            return Ok(GrantStatus::Closed);
        }
        let after = life.user(id).and_then(|l| l.valid_after);
        if self.issued_at < u.created || after.is_some_and(|a| self.issued_at < a) {
            return Ok(GrantStatus::Revoked);
        }
        if let Some(ttl) = cx.st.limits.lifecycle.token_ttl
            && self.issued_at.after(ttl) <= cx.now
        {
            return Ok(GrantStatus::Expired);
        }
        if !u.activated {
            return Ok(GrantStatus::Disabled);
        }
        if let Some(until) = life.blocked_until(id, cx.now) {
            return Ok(GrantStatus::Blocked(until));
        }
        Ok(GrantStatus::Ok)
    }
}

/// Invalidates every grant of these users issued before `before` (`/user/token/expire.json`):
/// `valid_after = max(current, before)`, a strict `<`; a future `before` is taken as given
/// (spec 04 §2 OPEN). Live connections are not cut. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no ids, or over 20);
/// `404 service_resource_not_found` (an unknown id; nothing changes).
///
/// Emits `TokensRevoked` per user, not `ForceDisconnect`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RevokeTokens {
    /// Whose grants.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// Grants issued before this instant become invalid.
    pub before: Timestamp,
}

impl Exec for RevokeTokens {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_BATCH_MAX, "userId")?;
        let names = crate::roster::distinct(&self.users);
        let ids = names
            .iter()
            .map(|n| find(cx.st, n).map(|(id, _)| id))
            .collect::<Result<Vec<_>>>()?;
        for (id, name) in ids.into_iter().zip(names) {
            let lu = cx.st.lifecycle.user_mut(id);
            let before = lu.valid_after.map_or(self.before, |a| a.max(self.before));
            lu.valid_after = Some(before);
            cx.emit(Event::Lifecycle(LifecycleEvent::TokensRevoked {
                user: name,
                at: cx.now,
                before,
            }));
        }
        Ok(())
    }
}

/// A user's push profile (`/user/info.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The push name (the nickname), if set.
    pub name: Option<String>,
    /// The portrait URI, if set.
    pub portrait: Option<String>,
    /// When the user was registered (UTC ms; the host picks the zone it shows).
    pub created_at: Timestamp,
}

/// Reads a user's push name, portrait and creation time. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `404 service_resource_not_found`; `404
/// account_closed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetUserInfo {
    /// Whose.
    pub user: UserName,
}

impl Ask for GetUserInfo {
    type Reply = UserInfo;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<UserInfo> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, u) = user_named(cx.st, &self.user)?;
        Ok(UserInfo {
            name: u.nickname.as_deref().map(str::to_owned),
            portrait: cx
                .st
                .lifecycle
                .user(id)
                .and_then(|l| l.portrait.as_deref())
                .map(str::to_owned),
            created_at: u.created,
        })
    }
}

/// Changes a user's push name and/or portrait (`/user/refresh.json`); fields left out stay.
/// Live at once. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (name not 1–64
/// characters, portrait over 1 024 bytes); `404 service_resource_not_found`; `404
/// account_closed`.
///
/// Emits `UserInfoChanged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UpdateUserInfo {
    /// Whose.
    pub user: UserName,
    /// A new push name.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::nickname))]
    pub name: Option<String>,
    /// A new portrait URI; empty clears it.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_portrait))]
    pub portrait: Option<String>,
}

impl Exec for UpdateUserInfo {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        if let Some(n) = &self.name {
            check_name(n)?;
        }
        if let Some(p) = &self.portrait {
            check_portrait(p)?;
        }
        let (id, _) = user_named(cx.st, &self.user)?;
        if let Some(n) = &self.name {
            let u = cx.st.users.get_mut(id).expect("found");
            u.nickname = Some(n.as_str().into());
            u.modified = cx.now;
        }
        if let Some(p) = &self.portrait {
            cx.st.lifecycle.user_mut(id).portrait = (!p.is_empty()).then(|| p.as_str().into());
            cx.st.lifecycle.tidy(id);
        }
        cx.emit(Event::Lifecycle(LifecycleEvent::UserInfoChanged {
            user: self.user,
            at: cx.now,
        }));
        Ok(())
    }
}
