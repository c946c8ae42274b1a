//! Presence (spec 01 §13): a status per resource, one `ext` and a `last_time` per user;
//! subscriptions to other users' presence, with an expiry and caps on both sides; and the
//! `PresenceChanged` events the subscribers are told through.
//!
//! - Statuses are digit strings: `"0"` offline, `"1"` online, others custom. Opening and
//!   closing a session ([`super::OpenSession`], [`super::CloseSession`], and every command that
//!   closes sessions) set that resource to `"1"`/`"0"` and `last_time` to `now`; setting a
//!   status ([`SetPresence`]) needs no session. A user's map keeps at most
//!   [`PRESENCE_RESOURCES_MAX`] resources: setting one more drops the least recently set.
//! - A subscription lasts until `now_s + expiry` (whole seconds, absolute) and counts as
//!   expired once `now` reaches it; reads decide against `now`, and
//!   [`crate::expiry::Expire`] removes it then with `SubscriptionExpired`. Subscribing again
//!   moves the expiry and keeps the subscription's place in the list.
//! - Caps: [`PRESENCE_SUBSCRIPTIONS_MAX`] per subscriber and [`PRESENCE_SUBSCRIBERS_MAX`] per
//!   target. Going over still succeeds; the subscriptions with the least time left are dropped
//!   (ties: the oldest subscription first), on the subscriber's side and (spec OPEN) on the
//!   target's.
//! - `PresenceChanged` lists the live subscribers (subscribe order) and is emitted only when
//!   there is at least one. Debouncing is the host's.
//! - With `presence_enabled` off every call here is `400 service open exception`, and
//!   sessions record no presence.
//!
//! Choices where the spec is silent (OPEN): a status that is not a digit string is `400
//! illegal_argument`; a subscription of more than 30 days, or of 0, is `400 illegal_argument`;
//! a set for an unknown user, and any call naming an unknown user in the path except the
//! subscription list, is `404 service_resource_not_found`; target names must be legal
//! usernames (`400 illegal_argument`, the §2 rules) but need not be registered; the
//! subscription list is in subscribe order.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::find;
use super::records::Presence;
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{
    PRESENCE_EXT_BYTES_MAX, PRESENCE_NAMES_MAX, PRESENCE_RESOURCES_MAX, PRESENCE_STATUS_BYTES_MAX,
    PRESENCE_SUBLIST_PAGE_DEFAULT, PRESENCE_SUBLIST_PAGE_MAX, PRESENCE_SUBSCRIBERS_MAX,
    PRESENCE_SUBSCRIPTION_MILLIS_MAX, PRESENCE_SUBSCRIPTIONS_MAX, RESOURCE_BYTES_MAX,
};
use crate::query::Ask;
use crate::store::State;
use crate::time::{Millis, Timestamp};

/// `400 service open exception` "the app not open presence" when presence is off.
pub(crate) fn gate(st: &State) -> Result<()> {
    if st.limits.presence_enabled {
        Ok(())
    } else {
        Err(Error::PresenceDisabled)
    }
}

/// The presence of one name, as the vendor shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceView {
    /// The (folded) name.
    pub uid: String,
    /// The last session opening or closing; `None` if never (the vendor shows `""`).
    pub last_time: Option<Timestamp>,
    /// The user's `ext`; `""` until set.
    pub ext: String,
    /// Status per resource, least recently set first; empty for unknown or never-seen users.
    pub status: IndexMap<String, String>,
}

/// What a subscribe returns per target: its presence and when the subscription lapses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceSubscribed {
    /// The target's presence.
    pub presence: PresenceView,
    /// When the subscription lapses (a whole second; the vendor shows it in seconds).
    pub expiry: Timestamp,
}

/// One subscription in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceSubscription {
    /// The target.
    pub uid: UserName,
    /// When it lapses.
    pub expiry: Timestamp,
}

/// A page of the subscription list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceSubscriptionPage {
    /// How many unexpired subscriptions the user holds.
    pub totalnum: usize,
    /// This page, in subscribe order.
    pub sublist: Vec<PresenceSubscription>,
}

/// The presence of `name` at `now`.
pub(crate) fn view(st: &State, name: &UserName) -> PresenceView {
    let p = st
        .users
        .named(name)
        .and_then(|(_, u)| u.extra())
        .and_then(|x| x.presence.as_deref());
    match p {
        None => PresenceView {
            uid: name.to_string(),
            ..PresenceView::default()
        },
        Some(p) => PresenceView {
            uid: name.to_string(),
            last_time: p.last_time,
            ext: p.ext.to_string(),
            status: p
                .statuses
                .iter()
                .map(|(r, s)| (r.to_string(), s.to_string()))
                .collect(),
        },
    }
}

/// Sets `resource` to `status` in a presence map (most recently set last), dropping the least
/// recently set resource beyond the cap.
fn put_status(p: &mut Presence, resource: &str, status: &str) {
    p.statuses.shift_remove(resource);
    while p.statuses.len() >= PRESENCE_RESOURCES_MAX {
        p.statuses.shift_remove_index(0);
    }
    p.statuses.insert(resource.into(), status.into());
}

/// The live subscribers of `name` at `now`, in subscribe order.
fn live_subscribers(st: &State, name: &UserName, now: Timestamp) -> Vec<UserName> {
    st.users
        .subscriptions
        .subscribers(name)
        .filter(|(_, at)| now < *at)
        .filter_map(|(s, _)| st.users.name(s).cloned())
        .collect()
}

/// Emits `PresenceChanged` for `user`'s `resource` when anyone is subscribed.
fn announce(cx: &mut Ctx<'_>, user: &UserName, resource: &str) {
    let subscribers = live_subscribers(cx.st, user, cx.now);
    if subscribers.is_empty() {
        return;
    }
    let (status, ext) = cx
        .st
        .users
        .named(user)
        .and_then(|(_, u)| u.extra())
        .and_then(|x| x.presence.as_deref())
        .map(|p| {
            (
                p.statuses.get(resource).map_or("", |s| s).to_string(),
                p.ext.to_string(),
            )
        })
        .unwrap_or_default();
    cx.emit(Event::PresenceChanged {
        user: user.clone(),
        resource: resource.to_string(),
        status,
        ext,
        subscribers,
    });
}

/// Records that sessions of `id` opened (`online`) or closed on `resources`: each is set to
/// `"1"`/`"0"` and `last_time` to `now`, with `PresenceChanged` to the subscribers. Nothing
/// when presence is off.
pub(crate) fn sessions_changed(cx: &mut Ctx<'_>, id: UserId, resources: &[Box<str>], online: bool) {
    if !cx.st.limits.presence_enabled || resources.is_empty() {
        return;
    }
    let now = cx.now;
    let Some(u) = cx.st.users.get_mut(id) else {
        return;
    };
    let name = u.name.clone();
    let p = u.extra_mut().presence.get_or_insert_with(Default::default);
    let status = if online { "1" } else { "0" };
    for r in resources {
        put_status(p, r, status);
    }
    p.last_time = Some(now);
    for r in resources {
        announce(cx, &name, r);
    }
}

fn check_resource(resource: &str) -> Result<()> {
    if resource.is_empty() || resource.len() > RESOURCE_BYTES_MAX {
        return Err(Error::illegal("resource must be 1 to 128 bytes"));
    }
    Ok(())
}

/// Sets a user's status on one resource and their `ext` (`POST
/// /users/{u}/presence/{resource}/{status}`, body `{ext}`). The resource needs no open
/// session. Admin, or the user themself.
///
/// Errors, in check order:
/// 1. `400 service open exception` "the app not open presence" — presence is off;
/// 2. `401 unauthorized` — another user's token;
/// 3. `400 illegal_argument` "ext cannot be null" — no `ext`;
/// 4. `400 illegal_argument` "ext is too big" — `ext` over 1024 bytes;
/// 5. `400 illegal_argument` "resource must be 1 to 128 bytes";
/// 6. `400 illegal_argument` "status must be a digit string" — empty, not all ASCII digits, or
///    over 32 bytes;
/// 7. `404 service_resource_not_found` — unknown user.
///
/// Emits `PresenceChanged` to the live subscribers, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetPresence {
    /// Whose.
    pub username: UserName,
    /// The resource (`<platform>_<id>`).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::presence_resource))]
    pub resource: String,
    /// The status: `"0"` offline, `"1"` online, other digit strings custom.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::presence_status))]
    pub status: String,
    /// The new `ext` (required; `""` clears).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::presence_ext))]
    pub ext: Option<String>,
}

impl Exec for SetPresence {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        gate(cx.st)?;
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let ext = self
            .ext
            .ok_or_else(|| Error::illegal("ext cannot be null"))?;
        if ext.len() > PRESENCE_EXT_BYTES_MAX {
            return Err(Error::illegal("ext is too big"));
        }
        check_resource(&self.resource)?;
        let s = &self.status;
        if s.is_empty()
            || s.len() > PRESENCE_STATUS_BYTES_MAX
            || !s.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::illegal("status must be a digit string"));
        }
        let (_, u) = super::find_mut(cx.st, &self.username)?;
        let p = u.extra_mut().presence.get_or_insert_with(Default::default);
        put_status(p, &self.resource, &self.status);
        p.ext = ext.into();
        announce(cx, &self.username, &self.resource);
        Ok(())
    }
}

/// Checks a list of names: empty gives `empty`, more than 100 `too_many`.
fn names_size(names: &[UserName], empty: Option<&str>, too_many: &str) -> Result<()> {
    if let Some(e) = empty
        && names.is_empty()
    {
        return Err(Error::illegal(e));
    }
    if names.len() > PRESENCE_NAMES_MAX {
        return Err(Error::illegal(too_many));
    }
    Ok(())
}

/// Names without repeats, in request order.
fn distinct(names: Vec<UserName>) -> Vec<UserName> {
    let mut seen = std::collections::BTreeSet::new();
    names
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect()
}

/// Subscribes a user to the presence of up to 100 others for `duration` (`POST
/// /users/{u}/presence/{expiry}`, body `{usernames}`, `expiry` in seconds). The subscription
/// lasts until the whole second `now_s + expiry`; subscribing again moves it. Targets need not
/// be registered. Beyond 3000 subscriptions of the user, or 3000 subscribers of a target, the
/// subscriptions with the least time left are dropped. Admin, or the user themself.
///
/// Errors, in check order:
/// 1. `400 service open exception` — presence is off;
/// 2. `401 unauthorized`;
/// 3. `400 illegal_argument` "expiry must be between 1 and 2592000 seconds";
/// 4. `400 illegal_argument` "usernames is empty";
/// 5. `400 illegal_argument` "too many sub presence" — more than 100 names;
/// 6. `400 illegal_argument` "you can't sub yourself";
/// 7. `404 service_resource_not_found` — unknown subscriber.
///
/// Returns each distinct target's presence and the expiry, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SubscribePresence {
    /// The subscriber.
    pub username: UserName,
    /// How long: whole seconds, 1 s to 30 days (the host converts the vendor's seconds).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::subscription))]
    pub duration: Millis,
    /// The targets.
    pub usernames: Vec<UserName>,
}

impl Exec for SubscribePresence {
    type Reply = Vec<PresenceSubscribed>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<PresenceSubscribed>> {
        gate(cx.st)?;
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        if self.duration.0 == 0 || self.duration.0 > PRESENCE_SUBSCRIPTION_MILLIS_MAX {
            return Err(Error::illegal(
                "expiry must be between 1 and 2592000 seconds",
            ));
        }
        names_size(
            &self.usernames,
            Some("usernames is empty"),
            "too many sub presence",
        )?;
        if self.usernames.contains(&self.username) {
            return Err(Error::illegal("you can't sub yourself"));
        }
        let (id, _) = find(cx.st, &self.username)?;
        let second = Timestamp(cx.now.0.div_euclid(1000).saturating_mul(1000));
        let expires = second.after(self.duration);
        let targets = distinct(self.usernames);
        let subs = &mut cx.st.users.subscriptions;
        for t in &targets {
            subs.subscribe(id, t.clone(), expires);
            subs.evict_target(t, PRESENCE_SUBSCRIBERS_MAX);
        }
        subs.evict_subscriber(id, PRESENCE_SUBSCRIPTIONS_MAX);
        Ok(targets
            .iter()
            .map(|t| PresenceSubscribed {
                presence: view(cx.st, t),
                expiry: expires,
            })
            .collect())
    }
}

/// Ends a user's subscriptions to up to 100 names (`DELETE /users/{u}/presence`, body: the
/// names). Names never subscribed are skipped. Admin, or the user themself.
///
/// Errors, in check order:
/// 1. `400 service open exception` — presence is off;
/// 2. `401 unauthorized`;
/// 3. `400 illegal_argument` "usernames cannot be null" — no names;
/// 4. `400 illegal_argument` "too many unsub presences" — more than 100;
/// 5. `404 service_resource_not_found` — unknown subscriber.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnsubscribePresence {
    /// The subscriber.
    pub username: UserName,
    /// The targets.
    pub usernames: Vec<UserName>,
}

impl Exec for UnsubscribePresence {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        gate(cx.st)?;
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        names_size(
            &self.usernames,
            Some("usernames cannot be null"),
            "too many unsub presences",
        )?;
        let (id, _) = find(cx.st, &self.username)?;
        for t in &self.usernames {
            cx.st.users.subscriptions.unsubscribe(id, t);
        }
        Ok(())
    }
}

/// Reads the presence of up to 100 names (`POST /users/{u}/presence`, body `{usernames}`);
/// no subscription needed. Unknown or never-seen names get an empty status. In request order,
/// repeats included. Admin, or the user themself.
///
/// Errors, in check order: `400 service open exception`; `401 unauthorized`; `400
/// illegal_argument` "too many get presences" (more than 100); `404
/// service_resource_not_found` (unknown `username`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetPresence {
    /// Who asks.
    pub username: UserName,
    /// Whose presence.
    pub usernames: Vec<UserName>,
}

impl Ask for GetPresence {
    type Reply = Vec<PresenceView>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<PresenceView>> {
        gate(cx.st)?;
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        names_size(&self.usernames, None, "too many get presences")?;
        find(cx.st, &self.username)?;
        Ok(self.usernames.iter().map(|n| view(cx.st, n)).collect())
    }
}

/// Lists a user's unexpired subscriptions at `now`, in subscribe order (`GET
/// /users/{u}/presence/sublist?pageNum&pageSize`). `page_num` ≥ 1 (default 1), `page_size`
/// 1–500 (default 1). An unknown user, or one with none, gets `totalnum 0`. Admin, or the user
/// themself.
///
/// Errors, in check order: `400 service open exception`; `401 unauthorized`; `400
/// illegal_argument` "pageNum must be >= 1"; `400 illegal_argument` "pageSize must be between
/// 1 and 500".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListPresenceSubscriptions {
    /// Whose.
    pub username: UserName,
    /// 1-based page.
    pub page_num: Option<u32>,
    /// Page size.
    pub page_size: Option<u32>,
}

impl Ask for ListPresenceSubscriptions {
    type Reply = PresenceSubscriptionPage;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<PresenceSubscriptionPage> {
        gate(cx.st)?;
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let num = self.page_num.unwrap_or(1);
        if num == 0 {
            return Err(Error::illegal("pageNum must be >= 1"));
        }
        let size = self.page_size.unwrap_or(PRESENCE_SUBLIST_PAGE_DEFAULT);
        if !(1..=PRESENCE_SUBLIST_PAGE_MAX).contains(&size) {
            return Err(Error::illegal(format!(
                "pageSize must be between 1 and {PRESENCE_SUBLIST_PAGE_MAX}"
            )));
        }
        let Some(id) = cx.st.users.id(&self.username) else {
            return Ok(PresenceSubscriptionPage::default());
        };
        let live: Vec<(&UserName, Timestamp)> = cx
            .st
            .users
            .subscriptions
            .of(id)
            .into_iter()
            .flatten()
            .filter(|(_, at)| cx.now < **at)
            .map(|(t, at)| (t, *at))
            .collect();
        let skip = ((num - 1) as usize).saturating_mul(size as usize);
        Ok(PresenceSubscriptionPage {
            totalnum: live.len(),
            sublist: live
                .into_iter()
                .skip(skip)
                .take(size as usize)
                .map(|(t, at)| PresenceSubscription {
                    uid: t.clone(),
                    expiry: at,
                })
                .collect(),
        })
    }
}
