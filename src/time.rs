//! Time as the host gives it: instants in epoch milliseconds, durations in milliseconds.
//!
//! The engine never reads a clock. Every call that depends on time carries a [`Timestamp`]
//! from the host, and expiring state ([`Expiry`]) is decided against it. Vendor units
//! (seconds for user mutes, `-1` for forever) are converted by the host, not here.

use serde::{Deserialize, Serialize};

/// An instant: milliseconds since the Unix epoch, as the host's clock reports it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant `d` after this one, saturating at the end of time.
    pub fn after(self, d: Millis) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(d.0).unwrap_or(i64::MAX)),
        )
    }

    /// Milliseconds since the epoch.
    pub fn as_millis(self) -> i64 {
        self.0
    }
}

/// A duration in milliseconds. Never negative.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Millis(pub u64);

impl Millis {
    /// `s` seconds as milliseconds, saturating.
    pub fn from_secs(s: u64) -> Millis {
        Millis(s.saturating_mul(1000))
    }
}

/// When a piece of expiring state (a mute, a token) stops applying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum Expiry {
    /// Applies until (not including) this instant: it has lapsed once `now >= at`.
    At(Timestamp),
    /// Applies until it is lifted by a command.
    Never,
}

impl Expiry {
    /// Whether the state still applies at `now`.
    pub fn is_live(self, now: Timestamp) -> bool {
        match self {
            Expiry::Never => true,
            Expiry::At(at) => now < at,
        }
    }

    /// What is left at `now`: `None` once lapsed, `Some(Remaining::Forever)` for
    /// [`Expiry::Never`].
    pub fn remaining(self, now: Timestamp) -> Option<Remaining> {
        match self {
            Expiry::Never => Some(Remaining::Forever),
            // `abs_diff`: the span may exceed i64::MAX when the clock reading is far back.
            Expiry::At(at) if now < at => Some(Remaining::For(Millis(at.0.abs_diff(now.0)))),
            Expiry::At(_) => None,
        }
    }
}

/// Time left on a piece of live state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum Remaining {
    /// Never lapses on its own.
    Forever,
    /// Lapses after this long.
    For(Millis),
}

impl Remaining {
    /// The remaining whole seconds, rounded up, or `-1` for forever: the vendor's display unit.
    pub fn vendor_secs(self) -> i64 {
        match self {
            Remaining::Forever => -1,
            Remaining::For(Millis(ms)) => ms.div_ceil(1000) as i64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_lapses_at_the_instant() {
        let e = Expiry::At(Timestamp(1000));
        assert!(e.is_live(Timestamp(999)));
        assert!(!e.is_live(Timestamp(1000)));
        assert_eq!(e.remaining(Timestamp(1)), Some(Remaining::For(Millis(999))));
        assert_eq!(e.remaining(Timestamp(1000)), None);
        assert!(Expiry::Never.is_live(Timestamp(i64::MAX)));
    }

    #[test]
    fn vendor_seconds_round_up() {
        assert_eq!(Remaining::For(Millis(1)).vendor_secs(), 1);
        assert_eq!(Remaining::For(Millis(1000)).vendor_secs(), 1);
        assert_eq!(Remaining::For(Millis(1001)).vendor_secs(), 2);
        assert_eq!(Remaining::Forever.vendor_secs(), -1);
    }

    #[test]
    fn after_saturates() {
        assert_eq!(
            Timestamp(i64::MAX - 1).after(Millis(10)),
            Timestamp(i64::MAX)
        );
        assert_eq!(Timestamp(5).after(Millis(u64::MAX)), Timestamp(i64::MAX));
    }
}
