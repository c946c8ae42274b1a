//! Sessions, forced logout and online status (spec 01 §8). The host reports sessions as
//! devices connect and disconnect; the engine keeps them, caps them per platform, and turns
//! admin actions into `ForceDisconnect` events for the host to carry out.
//!
//! Every command that opens or closes sessions goes through [`opened`] and [`closed`]: they
//! set the resources' presence (`"1"`/`"0"`, `last_time`, spec §13) and keep the user's
//! offline-since time — set when their last session closes, cleared when one opens — which
//! the chatrooms' offline sweep reads (spec 03 §3.4).

use serde::{Deserialize, Serialize};

use super::state::Session;
use super::{find, find_mut};
use crate::command::{DisconnectReason, Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{BATCH_STATUS_MAX, RESOURCE_BYTES_MAX, SESSIONS_PER_USER_MAX};
use crate::query::Ask;

/// After `resource` of user `id` opened: its presence is `"1"` (with `last_time`), and the
/// user is no longer offline.
pub(crate) fn opened(cx: &mut Ctx<'_>, id: UserId, resource: Box<str>) {
    cx.st.users.set_online(id, true);
    super::presence::sessions_changed(cx, id, &[resource], true);
    let Some(x) = cx.st.users.get_mut(id).and_then(|u| u.extra.as_deref_mut()) else {
        return;
    };
    if x.offline_since.take().is_some() {
        cx.st.rooms.set_offline(id, None);
    }
}

/// After sessions of user `id` on `resources` closed (none: nothing happens): their presence
/// is `"0"` (with `last_time`), and if no session is left the user is offline since `now`.
pub(crate) fn closed(cx: &mut Ctx<'_>, id: UserId, resources: &[Box<str>]) {
    if resources.is_empty() {
        return;
    }
    super::presence::sessions_changed(cx, id, resources, false);
    let now = cx.now;
    let Some(on) = cx.st.users.get(id).map(super::User::online) else {
        return;
    };
    cx.st.users.set_online(id, on);
    if on {
        return;
    }
    let Some(u) = cx.st.users.get_mut(id) else {
        return;
    };
    let x = u.extra_mut();
    if x.offline_since.is_none() {
        x.offline_since = Some(now);
        cx.st.rooms.set_offline(id, Some(now));
    }
}

/// The platform of a resource: the part before the first `_` (`android_1` is `android`).
fn platform(resource: &str) -> &str {
    resource.split('_').next().unwrap_or(resource)
}

/// Records a session the host opened (`session_open`). Admin (the host) only.
///
/// Reopening a resource that is open replaces it (`ForceDisconnect{LoginAnotherDevice}` for
/// the old connection). At most `devices_per_platform_max` sessions per platform: opening one
/// more closes the oldest on that platform with `ForceDisconnect{LoginAnotherDevice}`, and at
/// most [`SESSIONS_PER_USER_MAX`] in all (the oldest goes the same way).
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (empty resource, a
/// resource, device uuid or device name over 128 bytes); `404 service_resource_not_found`; `400 invalid_grant` "user not activated".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct OpenSession {
    /// Who.
    pub username: UserName,
    /// The resource, `<platform>_<id>`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::resource))]
    pub resource: String,
    /// The device's uuid, if known.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::device))]
    pub device_uuid: Option<String>,
    /// The device's name, if known.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::device))]
    pub device_name: Option<String>,
}

impl Exec for OpenSession {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        if self.resource.is_empty() || self.resource.len() > RESOURCE_BYTES_MAX {
            return Err(Error::illegal("resource must be 1 to 128 bytes"));
        }
        let too_long =
            |f: &Option<String>| f.as_ref().is_some_and(|v| v.len() > RESOURCE_BYTES_MAX);
        if too_long(&self.device_uuid) || too_long(&self.device_name) {
            return Err(Error::illegal("device fields must be at most 128 bytes"));
        }
        let cap = cx.st.limits.devices_per_platform_max.max(1) as usize;
        let (id, s) = find_mut(cx.st, &self.username)?;
        if !s.activated {
            return Err(Error::InvalidGrant("user not activated"));
        }
        crate::lifecycle::login_allowed(cx.st, id, &self.username, cx.now)?;
        let s = cx.st.users.get_mut(id).expect("found");
        let now = cx.now;
        let x = s.extra_mut();
        let mut kicked = Vec::new();
        if let Some(i) = x
            .sessions
            .iter()
            .position(|e| *e.resource == *self.resource)
        {
            kicked.push(x.sessions.remove(i).resource);
        }
        let plat = platform(&self.resource);
        while x
            .sessions
            .iter()
            .filter(|e| platform(&e.resource) == plat)
            .count()
            >= cap
        {
            let i = x
                .sessions
                .iter()
                .position(|e| platform(&e.resource) == plat)
                .unwrap_or(0);
            kicked.push(x.sessions.remove(i).resource);
        }
        // A resource without `_` is a platform of its own, so the per-platform cap alone does
        // not bound a user's sessions: the oldest go past the total cap too.
        while x.sessions.len() >= SESSIONS_PER_USER_MAX {
            kicked.push(x.sessions.remove(0).resource);
        }
        x.sessions.push(Session {
            resource: self.resource.as_str().into(),
            device_uuid: self.device_uuid.map(Into::into),
            device_name: self.device_name.map(Into::into),
            opened: now,
        });
        for r in &kicked {
            cx.emit(Event::ForceDisconnect {
                user: self.username.clone(),
                resource: r.to_string(),
                reason: DisconnectReason::LoginAnotherDevice,
            });
        }
        kicked.retain(|r| **r != *self.resource);
        closed(cx, id, &kicked);
        opened(cx, id, self.resource.into());
        Ok(())
    }
}

/// Records that a session closed (`session_close`). Closing one that is not open does
/// nothing. Admin (the host) only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct CloseSession {
    /// Who.
    pub username: UserName,
    /// Which resource.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::resource))]
    pub resource: String,
}

impl Exec for CloseSession {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, s) = find_mut(cx.st, &self.username)?;
        let Some(x) = s.extra.as_deref_mut() else {
            return Ok(());
        };
        let before = x.sessions.len();
        x.sessions.retain(|e| *e.resource != *self.resource);
        if x.sessions.len() < before {
            closed(cx, id, &[self.resource.into()]);
        }
        Ok(())
    }
}

/// Logs a user out (`GET /users/{u}/disconnect` for all devices, `DELETE
/// /users/{u}/disconnect/{resource}` for one). Returns `true` even when nothing was connected.
/// Admin only. Emits `ForceDisconnect{Kicked}` per closed session.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ForceLogout {
    /// Who.
    pub username: UserName,
    /// One resource, or `None` for every device.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_resource))]
    pub resource: Option<String>,
}

impl Exec for ForceLogout {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (id, s) = find_mut(cx.st, &self.username)?;
        let gone: Vec<Session> = match s.extra.as_deref_mut() {
            None => Vec::new(),
            Some(x) => match &self.resource {
                None => std::mem::take(&mut x.sessions),
                Some(r) => {
                    let (gone, kept) = std::mem::take(&mut x.sessions)
                        .into_iter()
                        .partition(|e| *e.resource == **r);
                    x.sessions = kept;
                    gone
                }
            },
        };
        let resources: Vec<Box<str>> = gone.into_iter().map(|e| e.resource).collect();
        for r in &resources {
            cx.emit(Event::ForceDisconnect {
                user: self.username.clone(),
                resource: r.to_string(),
                reason: DisconnectReason::Kicked,
            });
        }
        closed(cx, id, &resources);
        Ok(true)
    }
}

/// One open session, as `GET /users/{u}/resources` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Device {
    /// The resource.
    pub res: String,
    /// The device uuid, if given.
    pub device_uuid: Option<String>,
    /// The device name, if given.
    pub device_name: Option<String>,
}

/// Lists a user's open sessions, oldest first. Admin only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListDevices {
    /// Who.
    pub username: UserName,
}

impl Ask for ListDevices {
    type Reply = Vec<Device>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<Device>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (_, s) = find(cx.st, &self.username)?;
        Ok(s.extra()
            .map(|x| {
                x.sessions
                    .iter()
                    .map(|e| Device {
                        res: e.resource.to_string(),
                        device_uuid: e.device_uuid.as_deref().map(Into::into),
                        device_name: e.device_name.as_deref().map(Into::into),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Whether a user is online: at least one open session (`GET /users/{u}/status`). Admin only.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsOnline {
    /// Who.
    pub username: UserName,
}

impl Ask for IsOnline {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (_, s) = find(cx.st, &self.username)?;
        Ok(s.online())
    }
}

/// Online status of up to 100 names, in request order (`POST /users/batch/status`). Names are
/// not validated: unknown or invalid names read offline. Admin only.
///
/// Errors: `401 unauthorized`; `400 illegal_argument` "request body exceeds maximum limit,
/// maximum limit is 100".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BatchOnline {
    /// The names, as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_names))]
    pub usernames: Vec<String>,
}

impl Ask for BatchOnline {
    type Reply = Vec<(String, bool)>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<(String, bool)>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        if self.usernames.len() > BATCH_STATUS_MAX {
            return Err(Error::illegal(format!(
                "request body exceeds maximum limit, maximum limit is {BATCH_STATUS_MAX}"
            )));
        }
        Ok(self
            .usernames
            .into_iter()
            .map(|n| {
                let users = &cx.st.users;
                let on = users
                    .id_str(&n)
                    .and_then(|id| users.get(id))
                    .is_some_and(|u| u.online());
                (n, on)
            })
            .collect())
    }
}
