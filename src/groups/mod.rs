//! Groups and threads (spec 02). Stub: the groups issue fills this area in.
//!
//! The area owns its state ([`GroupStore`] on the tenant, [`UserGroups`] on each user), its
//! limits ([`GroupLimits`]), errors ([`GroupError`]), events ([`GroupEvent`]) and commands.

use serde::{Deserialize, Serialize};

use crate::engine::Ctx;
use crate::ids::{UserId, UserName};
use crate::store::{Extra, Tenant};

/// Per-app limits of the groups area.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLimits {}

/// The groups area's state on a tenant.
#[derive(Debug, Default)]
pub(crate) struct GroupStore {}

/// The groups area's state on one user.
#[derive(Debug, Default)]
pub(crate) struct UserGroups {}

/// Errors of the groups area, with the vendor's status and code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {}

impl GroupError {
    /// The vendor's HTTP status.
    pub fn status(&self) -> u16 {
        match *self {}
    }
    /// The vendor's `error` string.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

/// Events of the groups area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum GroupEvent {}

/// The groups part of the user-deletion cascade. Called after the user is marked gone,
/// with the per-user state taken from them (`extra`).
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, user: UserId, name: &UserName, extra: &Extra) {
    let _ = (cx, user, name, extra);
}

/// The groups area's invariants.
pub(crate) fn check_invariants(t: &Tenant) -> Result<(), String> {
    let _ = t;
    Ok(())
}
