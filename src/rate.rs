//! Per-second rate limits (spec 01 §17): fixed one-second windows per app and bucket, on the
//! host's `now`; a call past its bucket's quota in the current second is refused with `429
//! reach_limit` "This request has reached api limit". Off by default; on per app with
//! [`crate::Limits::rate_limits`].
//!
//! # Where the windows live, and why
//! A rate limit counts *requests*, reads included, and a read must not change the app's
//! state: if the windows were engine state, every read would have to become a logged command,
//! and the command log would fill with counters. So the windows are the host's: it keeps one
//! [`RateWindows`] per app and asks it before running a request. A refused request runs no
//! command, so it changes no state and logs nothing: the engine's contract (the same commands
//! at the same `now`s give the same state and replies) is untouched, and a replayed log never
//! consults the windows. What lives here is the pure part — the bucket table and the window
//! arithmetic, driven by the `now` the host passes — so it is tested with a fake clock like
//! the rest of the engine.
//!
//! # Buckets
//! Per second per app: token 300; one bucket of 100 shared by registration (single and
//! batch), push nickname (single and batch), display style, do-not-disturb, device binding and
//! the device list; batch delete 30; batch online status 50; each block-list call 50; each
//! presence call 50; everything else 100 each. "Each" means one bucket per API (the host names
//! the API, e.g. by method and route); the token and registration buckets are shared by their
//! APIs.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::time::Timestamp;

/// A kind of call, with its quota per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateBucket {
    /// `POST /token`: 300 per second, all grants together.
    Token,
    /// Registration, push nickname, display style, do-not-disturb, device binding and the
    /// device list: 100 per second, together.
    Registration,
    /// `DELETE /users` (batch delete): 30 per second.
    BatchDelete,
    /// `POST /users/batch/status`: 50 per second.
    BatchStatus,
    /// One block-list API: 50 per second each.
    BlockList,
    /// One presence API: 50 per second each.
    Presence,
    /// Any other API: 100 per second each.
    Other,
}

impl RateBucket {
    /// Calls per second per app.
    pub const fn per_second(self) -> u32 {
        match self {
            RateBucket::Token => 300,
            RateBucket::Registration | RateBucket::Other => 100,
            RateBucket::BatchDelete => 30,
            RateBucket::BatchStatus | RateBucket::BlockList | RateBucket::Presence => 50,
        }
    }

    /// Whether the bucket is shared by all its APIs (otherwise each API has its own).
    pub const fn shared(self) -> bool {
        matches!(self, RateBucket::Token | RateBucket::Registration)
    }
}

/// One app's windows: the second being counted and the calls admitted in it per bucket.
#[derive(Clone, Debug, Default)]
pub struct RateWindows {
    second: i64,
    counts: HashMap<(RateBucket, String), u32>,
}

impl RateWindows {
    /// No calls counted yet.
    pub fn new() -> RateWindows {
        RateWindows::default()
    }

    /// Admits one call of `api` (the host's name for the API, e.g. `"GET /users/{u}"`) in
    /// `bucket` at `now`, or refuses it. Windows are whole seconds of `now`
    /// (`now.div_euclid(1000)`); a new second starts every count at zero. A refused call is
    /// not counted. The number of distinct keys is bounded by the host's set of APIs.
    ///
    /// # Errors
    /// `429 reach_limit` "This request has reached api limit" once the bucket has admitted
    /// its quota in this second.
    pub fn admit(&mut self, bucket: RateBucket, api: &str, now: Timestamp) -> Result<()> {
        let second = now.0.div_euclid(1000);
        if second != self.second {
            self.second = second;
            self.counts.clear();
        }
        let key = (
            bucket,
            if bucket.shared() {
                String::new()
            } else {
                api.to_owned()
            },
        );
        let n = self.counts.entry(key).or_insert(0);
        if *n >= bucket.per_second() {
            return Err(Error::ReachLimit);
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(w: &mut RateWindows, b: RateBucket, api: &str, n: u32, now: Timestamp) {
        for i in 0..n {
            w.admit(b, api, now)
                .unwrap_or_else(|e| panic!("call {i}: {e}"));
        }
    }

    #[test]
    fn every_bucket_admits_its_quota_and_refuses_the_next() {
        for b in [
            RateBucket::Token,
            RateBucket::Registration,
            RateBucket::BatchDelete,
            RateBucket::BatchStatus,
            RateBucket::BlockList,
            RateBucket::Presence,
            RateBucket::Other,
        ] {
            let mut w = RateWindows::new();
            let now = Timestamp(5_000);
            fill(&mut w, b, "x", b.per_second() - 1, now); // n - 1
            w.admit(b, "x", now).unwrap(); // n
            let e = w.admit(b, "x", now).unwrap_err(); // n + 1
            assert_eq!((e.status(), e.code()), (429, "reach_limit"));
            assert_eq!(e.to_string(), "This request has reached api limit");
            // The refused call was not counted, and the next second starts afresh.
            w.admit(b, "x", Timestamp(5_999)).unwrap_err();
            fill(&mut w, b, "x", b.per_second(), Timestamp(6_000));
        }
    }

    #[test]
    fn shared_buckets_are_shared_and_others_are_per_api() {
        let mut w = RateWindows::new();
        let now = Timestamp(0);
        fill(&mut w, RateBucket::Registration, "POST /users", 60, now);
        fill(&mut w, RateBucket::Registration, "PUT /users/{u}", 40, now);
        assert!(
            w.admit(RateBucket::Registration, "PUT /push/nickname", now)
                .is_err()
        );
        fill(&mut w, RateBucket::BlockList, "POST blocks", 50, now);
        fill(&mut w, RateBucket::BlockList, "GET blocks", 50, now);
        assert!(w.admit(RateBucket::BlockList, "GET blocks", now).is_err());
        assert_eq!(RateBucket::Token.per_second(), 300);
    }

    #[test]
    fn windows_are_whole_seconds_of_now_even_before_the_epoch() {
        let mut w = RateWindows::new();
        fill(&mut w, RateBucket::BatchDelete, "d", 30, Timestamp(-1));
        assert!(
            w.admit(RateBucket::BatchDelete, "d", Timestamp(-1000))
                .is_err()
        );
        w.admit(RateBucket::BatchDelete, "d", Timestamp(0)).unwrap();
    }
}
