//! The token endpoint's throttle on failed credentials (issue 14): each client address and
//! each username may fail at most so many times per window ([`Http::token_failures_per_client_max`],
//! [`Http::token_failures_per_user_max`], [`Http::token_failure_window_ms`]); past that,
//! token requests from that client, or for that user, get `429 reach_limit` without their
//! credentials being looked at, until the window ends. Successful requests count nothing.
//!
//! A user over their count is refused only to the clients that failed for them in the window
//! (and to callers without a known address): the owner, logging in from elsewhere, is not
//! locked out by someone guessing their password.
//!
//! Memory is bounded: at most [`ENTRIES_MAX`] counters are kept; when full, lapsed windows
//! are dropped, and if none has lapsed every counter is dropped (the throttle restarts
//! rather than grow).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use imcore::Timestamp;

use crate::config::Http;
use crate::error::ApiError;

/// The most counters kept at once.
pub const ENTRIES_MAX: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Client(IpAddr),
    User(String),
    /// A client that failed for a user.
    Pair(IpAddr, String),
}

/// Failure counters per client address and per user, in fixed windows.
#[derive(Debug)]
pub struct Throttle {
    per_client_max: u32,
    per_user_max: u32,
    window_ms: i64,
    /// Key → (window start, failures in it).
    counts: Mutex<HashMap<Key, (i64, u32)>>,
}

impl Throttle {
    /// A throttle with `http`'s limits.
    pub fn new(http: &Http) -> Throttle {
        Throttle {
            per_client_max: http.token_failures_per_client_max,
            per_user_max: http.token_failures_per_user_max,
            window_ms: i64::try_from(http.token_failure_window_ms).unwrap_or(i64::MAX),
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn over(&self, counts: &HashMap<Key, (i64, u32)>, k: &Key, max: u32, now: i64) -> bool {
        counts
            .get(k)
            .is_some_and(|&(start, n)| now - start < self.window_ms && n >= max)
    }

    /// Whether a token request from `client` (its address, if known; without one only the
    /// user is counted) for `user` (app-qualified, if the grant names one) may be looked at
    /// now.
    ///
    /// # Errors
    /// `429 reach_limit` when the client or the user is over its failures for the window.
    pub fn check(
        &self,
        client: Option<IpAddr>,
        user: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let client_over =
            client.is_some_and(|c| self.over(&counts, &Key::Client(c), self.per_client_max, now.0));
        let user_over = user.is_some_and(|u| {
            self.over(&counts, &Key::User(u.to_owned()), self.per_user_max, now.0)
                && client.is_none_or(|c| self.over(&counts, &Key::Pair(c, u.to_owned()), 1, now.0))
        });
        if client_over || user_over {
            return Err(ApiError::new(
                429,
                "reach_limit",
                "too many failed token requests; try again later",
            ));
        }
        Ok(())
    }

    /// Counts a failed token request from `client` (for `user`).
    pub fn fail(&self, client: Option<IpAddr>, user: Option<&str>, now: Timestamp) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() + 3 > ENTRIES_MAX {
            let w = self.window_ms;
            counts.retain(|_, &mut (start, _)| now.0 - start < w);
            if counts.len() + 3 > ENTRIES_MAX {
                counts.clear();
            }
        }
        let pair = client.zip(user).map(|(c, u)| Key::Pair(c, u.to_owned()));
        let keys = client
            .map(Key::Client)
            .into_iter()
            .chain(user.map(|u| Key::User(u.to_owned())))
            .chain(pair);
        for k in keys {
            let e = counts.entry(k).or_insert((now.0, 0));
            if now.0 - e.0 >= self.window_ms {
                *e = (now.0, 0);
            }
            e.1 = e.1.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_limit_are_refused_until_the_window_ends() {
        let http = Http {
            token_failures_per_client_max: 3,
            token_failures_per_user_max: 2,
            token_failure_window_ms: 1000,
            ..Http::default()
        };
        let t = Throttle::new(&http);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let now = Timestamp(5000);
        t.fail(Some(a), Some("app#alice"), now);
        t.fail(Some(a), Some("app#alice"), now);
        // alice is over for a, which failed for her; b, which did not, may still try (the
        // owner is not locked out); a is not over yet for other users.
        assert!(t.check(Some(a), Some("app#alice"), now).is_err());
        assert!(t.check(Some(b), Some("app#alice"), now).is_ok());
        assert!(t.check(None, Some("app#alice"), now).is_err());
        assert!(t.check(Some(a), Some("app#bob"), now).is_ok());
        t.fail(Some(a), Some("app#bob"), now);
        assert!(t.check(Some(a), Some("app#carol"), now).is_err());
        assert!(t.check(Some(b), Some("app#carol"), now).is_ok());
        assert!(t.check(Some(a), Some("app#alice"), Timestamp(6000)).is_ok());
        // Without an address only users are counted.
        for _ in 0..5 {
            t.fail(None, Some("app#dan"), Timestamp(7000));
        }
        assert!(t.check(None, Some("app#erin"), Timestamp(7000)).is_ok());
        assert!(t.check(None, Some("app#dan"), Timestamp(7000)).is_err());
    }
}
