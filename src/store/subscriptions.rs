//! The presence subscriptions table (spec 01 §13): who subscribes to whose presence, until
//! when, with both directions indexed and the deadlines of every subscription.
//!
//! A subscriber is a registered user (by id); a target is a name, which need not be
//! registered (the vendor does not check targets). Each subscription has an absolute expiry;
//! it counts as expired once `now >= expiry` (reads decide against `now`), and
//! [`crate::users::Expire`] removes it then. Both sides are capped: the caps are enforced by
//! [`Subscriptions::evict_subscriber`] and [`Subscriptions::evict_target`], which drop the
//! subscriptions with the least time left (ties: the oldest subscription first).
//!
//! Only the methods here change the table, so the two directions and the deadlines stay in
//! step ([`Subscriptions::check`] verifies it).

use std::collections::BTreeMap;

use indexmap::{IndexMap, IndexSet};

use super::{Deadlines, Map};
use crate::ids::{UserId, UserName};
use crate::time::Timestamp;

/// The subscriptions of an app.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Subscriptions {
    /// Per subscriber: targets in subscribe order, with their expiry.
    #[serde(with = "crate::store::sorted")]
    by_subscriber: Map<UserId, IndexMap<UserName, Timestamp>>,
    /// Per target name: subscribers in subscribe order.
    by_target: BTreeMap<UserName, IndexSet<UserId>>,
    /// When each `(subscriber, target)` lapses.
    deadlines: Deadlines<(UserId, UserName)>,
}

impl Subscriptions {
    /// Subscribes `sub` to `target` until `expires`; subscribing again moves the expiry and
    /// keeps the subscription's place.
    pub fn subscribe(&mut self, sub: UserId, target: UserName, expires: Timestamp) {
        self.by_subscriber
            .entry(sub)
            .or_default()
            .insert(target.clone(), expires);
        self.by_target
            .entry(target.clone())
            .or_default()
            .insert(sub);
        self.deadlines.set((sub, target), Some(expires));
    }

    /// Ends one subscription; whether it existed.
    pub fn unsubscribe(&mut self, sub: UserId, target: &UserName) -> bool {
        let Some(mine) = self.by_subscriber.get_mut(&sub) else {
            return false;
        };
        if mine.shift_remove(target).is_none() {
            return false;
        }
        if mine.is_empty() {
            self.by_subscriber.remove(&sub);
        }
        if let Some(theirs) = self.by_target.get_mut(target) {
            theirs.shift_remove(&sub);
            if theirs.is_empty() {
                self.by_target.remove(target);
            }
        }
        self.deadlines.clear(&(sub, target.clone()));
        true
    }

    /// A subscriber's subscriptions, in subscribe order (`None`: none).
    pub fn of(&self, sub: UserId) -> Option<&IndexMap<UserName, Timestamp>> {
        self.by_subscriber.get(&sub)
    }

    /// The subscribers of a target with their expiry, in subscribe order.
    pub fn subscribers<'a>(
        &'a self,
        target: &UserName,
    ) -> impl Iterator<Item = (UserId, Timestamp)> + 'a {
        let target = target.clone();
        self.by_target
            .get(&target)
            .into_iter()
            .flatten()
            .map(move |s| (*s, self.by_subscriber[s][&target]))
    }

    /// Drops `sub`'s subscriptions beyond `cap`, least time left first (ties: oldest first);
    /// returns the targets dropped.
    pub fn evict_subscriber(&mut self, sub: UserId, cap: usize) -> Vec<UserName> {
        let Some(mine) = self.by_subscriber.get(&sub) else {
            return Vec::new();
        };
        if mine.len() <= cap {
            return Vec::new();
        }
        let mut order: Vec<(Timestamp, usize, UserName)> = mine
            .iter()
            .enumerate()
            .map(|(i, (t, at))| (*at, i, t.clone()))
            .collect();
        order.sort_unstable();
        let over = mine.len() - cap;
        let gone: Vec<UserName> = order.into_iter().take(over).map(|(_, _, t)| t).collect();
        for t in &gone {
            self.unsubscribe(sub, t);
        }
        gone
    }

    /// Drops `target`'s subscribers beyond `cap`, least time left first (ties: oldest first);
    /// returns the subscribers dropped.
    pub fn evict_target(&mut self, target: &UserName, cap: usize) -> Vec<UserId> {
        let Some(theirs) = self.by_target.get(target) else {
            return Vec::new();
        };
        if theirs.len() <= cap {
            return Vec::new();
        }
        let mut order: Vec<(Timestamp, usize, UserId)> = theirs
            .iter()
            .enumerate()
            .map(|(i, s)| (self.by_subscriber[s][target], i, *s))
            .collect();
        order.sort_unstable();
        let over = theirs.len() - cap;
        let gone: Vec<UserId> = order.into_iter().take(over).map(|(_, _, s)| s).collect();
        for s in &gone {
            self.unsubscribe(*s, target);
        }
        gone
    }

    /// Drops every subscription `sub` holds (their deletion).
    pub fn drop_subscriber(&mut self, sub: UserId) {
        let targets: Vec<UserName> = self
            .by_subscriber
            .get(&sub)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for t in &targets {
            self.unsubscribe(sub, t);
        }
    }

    /// Drops every subscription to `target` (their deletion).
    pub fn drop_target(&mut self, target: &UserName) {
        let subs: Vec<UserId> = self
            .by_target
            .get(target)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for s in subs {
            self.unsubscribe(s, target);
        }
    }

    /// The earliest expiry.
    pub fn next(&self) -> Option<Timestamp> {
        self.deadlines.next()
    }

    /// The subscriptions expired at `now`, earliest first, at most `max`.
    pub fn due(&self, now: Timestamp, max: usize) -> Vec<(Timestamp, (UserId, UserName))> {
        self.deadlines.due(now, max)
    }

    /// Every subscriber id (for the invariants).
    pub fn subscriber_ids(&self) -> impl Iterator<Item = UserId> + '_ {
        self.by_subscriber.keys().copied()
    }

    /// The two directions and the deadlines describe the same subscriptions, and neither side
    /// holds more than its cap (an invariant).
    pub fn check(&self, per_subscriber: usize, per_target: usize) -> Result<(), String> {
        let mut want = BTreeMap::new();
        let mut pairs = 0usize;
        for (s, mine) in &self.by_subscriber {
            if mine.is_empty() {
                return Err(format!("subscriber {s:?} has an empty entry"));
            }
            if mine.len() > per_subscriber {
                return Err(format!(
                    "subscriber {s:?} holds {} subscriptions",
                    mine.len()
                ));
            }
            for (t, at) in mine {
                if !self.by_target.get(t).is_some_and(|x| x.contains(s)) {
                    return Err(format!("subscription {s:?} -> {t} is one-way"));
                }
                want.insert((*s, t.clone()), *at);
                pairs += 1;
            }
        }
        let mut back = 0usize;
        for (t, theirs) in &self.by_target {
            if theirs.is_empty() {
                return Err(format!("target {t} has an empty entry"));
            }
            if theirs.len() > per_target {
                return Err(format!("target {t} has {} subscribers", theirs.len()));
            }
            back += theirs.len();
        }
        if back != pairs {
            return Err(format!("{pairs} subscriptions, {back} reverse entries"));
        }
        if !self.deadlines.matches(&want) {
            return Err("subscription deadlines differ from the subscriptions".into());
        }
        Ok(())
    }
}
