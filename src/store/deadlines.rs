//! [`Deadlines`]: an index of pending expiries, the instant each piece of timed state lapses.
//!
//! Each table that holds timed state (the users table: global mutes and presence
//! subscriptions; the groups table: member mutes; the rooms table: member mutes and offline
//! members) keeps one `Deadlines` per kind, and only its own methods change it, in step with
//! the state it indexes: setting a timed entry sets its deadline, lifting or removing the
//! entry clears it. So the earliest deadline of the app ([`crate::store::State::next_expiry`])
//! is a few `O(log n)` reads, and [`crate::users::Expire`] visits exactly the entries that are
//! due, each once. The invariants check every index against the state it mirrors.
//!
//! Serialized as its `(key, at)` pairs in key order; the time order is rebuilt on reading.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeBounds;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Keys with the instant each lapses at: by key (to move or clear one) and by time (to find
/// the earliest and the due ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Deadlines<K: Ord> {
    by_key: BTreeMap<K, Timestamp>,
    by_time: BTreeSet<(Timestamp, K)>,
}

impl<K: Ord> Default for Deadlines<K> {
    fn default() -> Self {
        Deadlines {
            by_key: BTreeMap::new(),
            by_time: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone> Deadlines<K> {
    /// Sets `k` to lapse at `at`, or clears it with `None`.
    pub fn set(&mut self, k: K, at: Option<Timestamp>) {
        match at {
            None => {
                self.clear(&k);
            }
            Some(at) => {
                if let Some(old) = self.by_key.insert(k.clone(), at) {
                    self.by_time.remove(&(old, k.clone()));
                }
                self.by_time.insert((at, k));
            }
        }
    }

    /// Clears `k`; whether it was set.
    pub fn clear(&mut self, k: &K) -> bool {
        match self.by_key.remove(k) {
            Some(at) => {
                self.by_time.remove(&(at, k.clone()));
                true
            }
            None => false,
        }
    }

    /// Clears every key in `range` (by key order), e.g. every entry of one group.
    pub fn clear_range(&mut self, range: impl RangeBounds<K>) {
        let keys: Vec<(K, Timestamp)> = self
            .by_key
            .range(range)
            .map(|(k, t)| (k.clone(), *t))
            .collect();
        for (k, at) in keys {
            self.by_key.remove(&k);
            self.by_time.remove(&(at, k));
        }
    }

    /// When `k` lapses, if it is set.
    pub fn get(&self, k: &K) -> Option<Timestamp> {
        self.by_key.get(k).copied()
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Timestamp> {
        self.by_time.first().map(|(t, _)| *t)
    }

    /// The entries with a deadline at or before `upto`, earliest first (ties in key order),
    /// at most `max` of them.
    pub fn due(&self, upto: Timestamp, max: usize) -> Vec<(Timestamp, K)> {
        self.by_time
            .iter()
            .take_while(|(t, _)| *t <= upto)
            .take(max)
            .cloned()
            .collect()
    }

    /// Every `(key, at)` with `at` after `now`, latest first (ties in reverse key order).
    pub fn after(&self, now: Timestamp) -> Vec<(K, Timestamp)> {
        self.by_time
            .iter()
            .rev()
            .take_while(|(t, _)| *t > now)
            .map(|(t, k)| (k.clone(), *t))
            .collect()
    }

    /// Every `(key, at)`, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&K, Timestamp)> {
        self.by_key.iter().map(|(k, t)| (k, *t))
    }

    /// How many keys are set.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Every `(key, at)`, in key order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&K, Timestamp)> {
        self.by_key.iter().map(|(k, t)| (k, *t))
    }

    /// Whether the two orders hold the same entries (an invariant of the index itself).
    pub fn orders_agree(&self) -> bool {
        self.by_key.len() == self.by_time.len()
            && self
                .by_time
                .iter()
                .all(|(t, k)| self.by_key.get(k) == Some(t))
    }

    /// Whether the index holds exactly `want` (an invariant: the state it mirrors).
    pub fn matches(&self, want: &BTreeMap<K, Timestamp>) -> bool {
        self.orders_agree() && self.by_key == *want
    }
}

impl<K: Ord + Clone + Serialize> Serialize for Deadlines<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.by_key.iter())
    }
}

impl<'de, K: Ord + Clone + Deserialize<'de>> Deserialize<'de> for Deadlines<K> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(K, Timestamp)>::deserialize(d)?;
        let mut out = Deadlines::default();
        for (k, t) in pairs {
            out.set(k, Some(t));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_moves_clear_removes_due_is_in_time_order() {
        let mut d: Deadlines<u32> = Deadlines::default();
        d.set(1, Some(Timestamp(30)));
        d.set(2, Some(Timestamp(10)));
        d.set(3, Some(Timestamp(10)));
        assert_eq!(d.next(), Some(Timestamp(10)));
        d.set(2, Some(Timestamp(40)));
        assert_eq!(
            d.due(Timestamp(30), 10),
            vec![(Timestamp(10), 3), (Timestamp(30), 1)]
        );
        assert_eq!(d.due(Timestamp(30), 1), vec![(Timestamp(10), 3)]);
        assert_eq!(d.due(Timestamp(9), 10), vec![]);
        assert!(d.clear(&3));
        assert!(!d.clear(&3));
        d.set(1, None);
        assert_eq!(d.next(), Some(Timestamp(40)));
        assert_eq!(d.len(), 1);
        assert!(d.orders_agree());
    }

    #[test]
    fn clear_range_and_round_trip() {
        let mut d: Deadlines<(u8, u8)> = Deadlines::default();
        for g in 0..3u8 {
            for u in 0..3u8 {
                d.set((g, u), Some(Timestamp(i64::from(g * 10 + u))));
            }
        }
        d.clear_range((1, 0)..=(1, u8::MAX));
        assert_eq!(d.len(), 6);
        assert!(d.iter().all(|(k, _)| k.0 != 1));
        let bytes = postcard::to_stdvec(&d).unwrap();
        let back: Deadlines<(u8, u8)> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, d);
        assert!(back.orders_agree());
    }
}
