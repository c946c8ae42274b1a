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
//! `Expire` is a command: a host that logs commands for durability must run it through the
//! same logged path as the requests' commands (this module calls [`imcore::App::expire`]).

use std::sync::{Arc, Weak};
use std::time::Duration;

use imcore::App;

use crate::host::{Host, now_millis};

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
        for key in h.engine.app_keys() {
            if let Ok(app) = h.engine.app(&key) {
                wait = wait.min(tick(&app));
            }
        }
        drop(h);
        tokio::time::sleep(Duration::from_millis(wait.max(1))).await;
    }
}

/// Runs `Expire` on one app if anything is due; returns how long until its next deadline (at
/// most [`POLL_MS`]).
fn tick(app: &App) -> u64 {
    let now = now_millis();
    match app.next_expiry() {
        Some(t) if t <= now => {
            match app.expire(now) {
                Ok(out) => {
                    for e in &out.events {
                        tracing::info!(target: "imcore_server::events", app = %app.key(), event = ?e, "event");
                    }
                }
                Err(e) => tracing::error!(app = %app.key(), "expire failed: {e}"),
            }
            // More may be due (a batch cap): look again at once.
            0
        }
        Some(t) => u64::try_from(t.0 - now.0).unwrap_or(0).min(POLL_MS),
        None => POLL_MS,
    }
}
