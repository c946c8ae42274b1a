//! Timed state lapsing on time: [`next_expiry`](crate::App::next_expiry) tells the host when
//! the earliest piece of timed state lapses, and the [`Expire`] command lapses everything due
//! at its `now` and returns one event per lapse.
//!
//! Timed state: global mutes (spec 01 §12), group member mutes (spec 02 §9), chatroom member
//! mutes (spec 03 §3.8), presence subscriptions (spec 01 §13), chatroom members offline
//! past the grace (spec 03 §3.4, the offline sweep), and timed login blocks (spec 04 §7).
//!
//! - **Correctness never depends on the timer.** Every read decides against its own `now`, so
//!   a mute that has lapsed reads as lapsed whether or not `Expire` ran. `Expire` removes the
//!   lapsed state (so lists and exports stop showing it) and reports it.
//! - **Exactly once.** `Expire` removes what it reports, so a lapse is reported by the first
//!   `Expire` whose `now` reaches it and never again; nothing is reported before its instant.
//!   A piece of state lifted or moved before it lapsed is not reported.
//! - **A command like any other.** `Expire` is a [`crate::Command`], logged and replayed like
//!   the rest: the same commands at the same `now`s give the same state and events.
//! - **Cheap.** Each table keeps its deadlines in a `Deadlines` index, changed by the table's
//!   own methods in step with the state, so `next_expiry` is a few `O(log n)` reads and
//!   `Expire` visits only what is due: at most [`EXPIRE_BATCH_MAX`] lapses per call (the host
//!   calls again while `next_expiry` is due).
//!
//! The events: [`Event::MuteExpired`] (global), [`GroupEvent::MuteExpired`],
//! [`RoomEvent::MuteExpired`], [`Event::SubscriptionExpired`], and for the sweep the room's
//! `MemberExited{reason: Offline}` (plus `AttributesRemoved` when auto-delete keys go), and
//! `LifecycleEvent::LoginUnblocked{Expired}`. Lapses
//! are applied earliest first; at one instant, in the order of the list above.

use serde::{Deserialize, Serialize};

use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::groups::GroupEvent;
use crate::ids::{GroupId, RoomId, UserId, UserName};
use crate::lifecycle::{LifecycleEvent, UnblockReason};
use crate::limits::EXPIRE_BATCH_MAX;
use crate::query::Ask;
use crate::rooms::RoomEvent;
use crate::store::State;
use crate::time::Timestamp;
use crate::users::MuteScope;

/// One piece of timed state that is due, in the order lapses at one instant apply.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    GlobalMute(UserId, MuteScope),
    GroupMute(GroupId, UserId),
    RoomMute(RoomId, UserId),
    Subscription(UserId, UserName),
    RoomOffline(RoomId, UserId),
    LoginBlock(UserId),
}

/// The earliest instant at which some timed state of the app lapses (`None`: nothing is
/// timed). An offline chatroom member is due `offline_grace` after they count as offline.
pub(crate) fn next(st: &State) -> Option<Timestamp> {
    let grace = st.limits.rooms.offline_grace;
    [
        st.users.mute_deadlines.next(),
        st.groups.mute_deadlines().next(),
        st.rooms.mute_deadlines().next(),
        st.users.subscriptions.next(),
        st.rooms.offline_from().next().map(|t| t.after(grace)),
        st.lifecycle.login_blocks.next(),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// What is due at `now`, earliest first, at most `max`.
fn due(st: &State, now: Timestamp, max: usize) -> Vec<(Timestamp, Due)> {
    let grace = st.limits.rooms.offline_grace;
    let mut all: Vec<(Timestamp, Due)> = Vec::new();
    let users = &st.users;
    all.extend(
        users
            .mute_deadlines
            .due(now, max)
            .into_iter()
            .map(|(t, (u, s))| (t, Due::GlobalMute(u, s))),
    );
    all.extend(
        st.groups
            .mute_deadlines()
            .due(now, max)
            .into_iter()
            .map(|(t, (g, u))| (t, Due::GroupMute(g, u))),
    );
    all.extend(
        st.rooms
            .mute_deadlines()
            .due(now, max)
            .into_iter()
            .map(|(t, (r, u))| (t, Due::RoomMute(r, u))),
    );
    all.extend(
        users
            .subscriptions
            .due(now, max)
            .into_iter()
            .map(|(t, (s, n))| (t, Due::Subscription(s, n))),
    );
    // Due once `from + grace <= now`, i.e. `from <= now - grace` (saturating: a grace longer
    // than the clock reading means nothing is due yet).
    let grace_ms = i64::try_from(grace.0).unwrap_or(i64::MAX);
    if let Some(upto) = now.0.checked_sub(grace_ms) {
        all.extend(
            st.rooms
                .offline_from()
                .due(Timestamp(upto), max)
                .into_iter()
                .map(|(t, (r, u))| (t.after(grace), Due::RoomOffline(r, u))),
        );
    }
    all.extend(
        st.lifecycle
            .login_blocks
            .due(now, max)
            .into_iter()
            .map(|(t, u)| (t, Due::LoginBlock(u))),
    );
    all.sort_unstable();
    all.truncate(max);
    all
}

/// Lapses one due piece of state, if it is still there with the same deadline; emits its
/// event. Whether it lapsed.
fn lapse(cx: &mut Ctx<'_>, at: Timestamp, d: Due) -> bool {
    let grace = cx.st.limits.rooms.offline_grace;
    match d {
        Due::GlobalMute(u, scope) => {
            if cx.st.users.mute_deadlines.get(&(u, scope)) != Some(at) {
                return false;
            }
            let Some(user) = cx.st.users.name(u).cloned() else {
                return false;
            };
            cx.st.users.set_global_mute(u, scope, None);
            cx.emit(Event::MuteExpired { user, scope });
        }
        Due::GroupMute(g, u) => {
            if cx.st.groups.mute_deadlines().get(&(g.clone(), u)) != Some(at) {
                return false;
            }
            let Some((user, _)) = cx.st.groups.unmute(&g, u) else {
                return false;
            };
            cx.emit(Event::Group(GroupEvent::MuteExpired { group: g, user }));
        }
        Due::RoomMute(r, u) => {
            if cx.st.rooms.mute_deadlines().get(&(r, u)) != Some(at) {
                return false;
            }
            let Some(room) = cx.st.rooms.get_mut(r) else {
                return false;
            };
            let Some((user, _)) = room.roster.unmute(u) else {
                return false;
            };
            cx.st.rooms.refresh(r, u);
            cx.emit(Event::Room(RoomEvent::MuteExpired { room: r, user }));
        }
        Due::Subscription(s, target) => {
            let live = cx
                .st
                .users
                .subscriptions
                .of(s)
                .and_then(|m| m.get(&target))
                .is_some_and(|t| *t == at);
            if !live {
                return false;
            }
            let Some(subscriber) = cx.st.users.name(s).cloned() else {
                return false;
            };
            cx.st.users.subscriptions.unsubscribe(s, &target);
            cx.emit(Event::SubscriptionExpired { subscriber, target });
        }
        Due::RoomOffline(r, u) => {
            if cx
                .st
                .rooms
                .offline_from()
                .get(&(r, u))
                .map(|t| t.after(grace))
                != Some(at)
            {
                return false;
            }
            if crate::rooms::sweep_member(cx, r, u) {
                return true;
            }
            // Not a member after all (cannot happen while the index is exact): drop the
            // timer so that it is not due forever.
            cx.st.rooms.refresh(r, u);
            return false;
        }
        Due::LoginBlock(u) => {
            if cx.st.lifecycle.login_blocks.get(&u) != Some(at) {
                return false;
            }
            cx.st.lifecycle.login_blocks.clear(&u);
            let Some(user) = cx.st.users.name(u).cloned() else {
                return false;
            };
            cx.emit(Event::Lifecycle(LifecycleEvent::LoginUnblocked {
                user,
                at: cx.now,
                reason: UnblockReason::Expired,
            }));
        }
    }
    true
}

/// Lapses every piece of timed state due at `now` — global, group and chatroom mutes, presence
/// subscriptions, chatroom members offline past the grace, timed login blocks — at most [`EXPIRE_BATCH_MAX`] per
/// call, earliest first, and reports each once (see the module docs for the events). The app
/// admin only (the host's timer runs it when [`crate::App::next_expiry`] comes due). Returns
/// how many lapsed.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Expire;

impl Exec for Expire {
    type Reply = usize;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<usize> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let mut n = 0;
        for (at, d) in due(cx.st, cx.now, EXPIRE_BATCH_MAX) {
            if lapse(cx, at, d) {
                n += 1;
            }
        }
        Ok(n)
    }
}

/// When the earliest timed state lapses (`None`: nothing is timed): the query form of
/// [`crate::App::next_expiry`]. The app admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct NextExpiry;

impl Ask for NextExpiry {
    type Reply = Option<Timestamp>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Option<Timestamp>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(next(cx.st))
    }
}
