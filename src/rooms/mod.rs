//! Chatrooms and their attributes (spec 03 §0–§3). Stub: the chatrooms issue fills this area in.
//!
//! The area owns its state ([`RoomStore`] on the tenant, [`UserRooms`] on each user), its
//! limits ([`RoomLimits`]), errors ([`RoomError`]), events ([`RoomEvent`]) and commands.

use serde::{Deserialize, Serialize};

use crate::engine::Ctx;
use crate::ids::{UserId, UserName};
use crate::store::{Extra, Tenant};

/// Per-app limits of the chatrooms area.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomLimits {}

/// The chatrooms area's state on a tenant.
#[derive(Debug, Default)]
pub(crate) struct RoomStore {}

/// The chatrooms area's state on one user.
#[derive(Debug, Default)]
pub(crate) struct UserRooms {}

/// Errors of the chatrooms area, with the vendor's status and code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {}

impl RoomError {
    /// The vendor's HTTP status.
    pub fn status(&self) -> u16 {
        match *self {}
    }
    /// The vendor's `error` string.
    pub fn code(&self) -> &'static str {
        match *self {}
    }
}

/// Events of the chatrooms area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RoomEvent {}

/// The chatrooms part of the user-deletion cascade. Called after the user is marked gone,
/// with the per-user state taken from them (`extra`).
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, user: UserId, name: &UserName, extra: &Extra) {
    let _ = (cx, user, name, extra);
}

/// The chatrooms area's invariants.
pub(crate) fn check_invariants(t: &Tenant) -> Result<(), String> {
    let _ = t;
    Ok(())
}
