//! The host's one timer per app (the engine's `next_expiry()`/`expire(now)`, see
//! [`imcore::expiry`]): sleep until the app's earliest timed state lapses, run the `Expire`
//! command at the clock's `now`, log its events like any other command's, repeat.
//!
//! A command may set a sooner deadline while the timer sleeps, so the timer wakes at least
//! every [`POLL_MS`] to look again: a lapse is reported at most that late. Nothing depends on
//! the timer for correctness (every read decides against its own `now`); it only makes the
//! lapse events (`MuteExpired`, `SubscriptionExpired`, the chatrooms' offline sweep) happen
//! on time. The task holds the host weakly and ends when the server is dropped.
//!
//! `Expire` is a command, so it runs through the app's durable handle like the requests'
//! commands: it is logged (replay after a crash reproduces the same lapses at the same
//! `now`), and once the data directory is closed it is refused and the timer stops.

use std::sync::{Arc, Weak};
use std::time::Duration;

use imcore::{Actor, Expire};

use crate::host::{Host, HostApp, now_millis};

/// Longest sleep between two looks at `next_expiry`, in milliseconds.
pub const POLL_MS: u64 = 200;

/// Starts the timer for every app of `host` on the current tokio runtime (nothing outside
/// one).
pub fn start(host: &Arc<Host>) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    rt.spawn(run(Arc::downgrade(host)));
}

async fn run(host: Weak<Host>) {
    loop {
        let Some(h) = host.upgrade() else {
            return;
        };
        let mut wait = POLL_MS;
        for app in h.apps() {
            wait = wait.min(tick(&app));
        }
        drop(h);
        tokio::time::sleep(Duration::from_millis(wait.max(1))).await;
    }
}

/// Runs `Expire` on one app if anything is due; returns how long until its next deadline (at
/// most [`POLL_MS`]).
fn tick(ha: &HostApp) -> u64 {
    let now = now_millis();
    let app = &ha.app;
    match app.next_expiry() {
        Some(t) if t <= now => {
            match ha.durable.execute(&Actor::Admin, now, Expire) {
                Ok(out) => {
                    for e in &out.events {
                        tracing::debug!(target: "imcore_server::events", app = %app.key(), event = ?e, "event");
                    }
                }
                Err(e) => {
                    // Closed (shutting down) or a failed log: nothing more can apply.
                    tracing::debug!(app = %app.key(), "expire not applied: {e}");
                    return POLL_MS;
                }
            }
            // More may be due (a batch cap): look again at once.
            0
        }
        Some(t) => u64::try_from(t.0 - now.0).unwrap_or(0).min(POLL_MS),
        None => POLL_MS,
    }
}
