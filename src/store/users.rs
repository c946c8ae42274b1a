//! The users table: users in dense slots (a [`UserId`] is a slot and its generation), by name
//! and by creation time; who is online, one bit a slot; token grants; the app's credentials;
//! the app-wide attribute total and the index of globally muted users; the deadlines of
//! global mutes; presence subscriptions; who holds a push setting about a peer.
//!
//! A handle finds its user with one array index and one generation compare: no hashing on the
//! hot paths that hold handles (the id forms of the checks, the fan-out of a group message).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Bound;

use super::{Deadlines, Map, Subscriptions};
use crate::ids::{UserId, UserName};
use crate::time::{Expiry, Timestamp};
use crate::users::{Credentials, Grant, MuteScope, User};

/// The users table. The indexes change only through [`Users::insert`], [`Users::remove`]
/// and [`Users::set_online`], which keep them in step.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Users {
    /// Users by slot (`None`: free).
    slots: Vec<Option<User>>,
    /// Each slot's generation, beside the slots so that checking a handle reads 4 bytes.
    generations: Vec<u32>,
    /// Free slots, the most recently freed last: the next registration takes the last one.
    free: Vec<u32>,
    #[serde(with = "crate::store::sorted")]
    by_name: Map<UserName, UserId>,
    /// `(created, seq, id)`: the order users are listed and batch-deleted in.
    by_created: BTreeSet<(Timestamp, u64, UserId)>,
    /// One bit a slot: the user has at least one open session.
    online: Vec<u64>,
    /// How many users there are.
    count: usize,
    /// Live grants by token string.
    #[serde(with = "crate::store::sorted")]
    pub tokens: Map<Box<str>, Grant>,
    /// App-token strings, oldest first, so that they can be capped.
    pub app_tokens: VecDeque<Box<str>>,
    /// The `client_credentials` of the app, once set.
    pub credentials: Option<Credentials>,
    /// Bytes of user attributes in the app: the sum of every user's `attr_bytes`.
    pub attr_total: u64,
    /// Users with a global mute set (live, or lapsed and not yet expired), by name.
    pub muted: BTreeMap<UserName, UserId>,
    /// When each timed global mute lapses (changed only by [`Users::set_global_mute`] and
    /// [`Users::remove`]).
    pub mute_deadlines: Deadlines<(UserId, MuteScope)>,
    /// Presence subscriptions (spec 01 §13).
    pub subscriptions: Subscriptions,
    /// Per peer name: the users holding a one-to-one notification setting about that peer
    /// (spec 01 §15), which the delete cascade follows to erase them.
    pub notified_about: BTreeMap<UserName, BTreeSet<UserId>>,
}

impl Users {
    /// An empty table whose name index is keyed with `seed`.
    pub fn with_seed(seed: u64) -> Users {
        Users {
            by_name: super::seeded_map(seed),
            ..Users::default()
        }
    }

    /// Re-keys the name index with `seed`.
    pub fn reseed(&mut self, seed: u64) {
        let mut m = super::seeded_map(seed);
        m.extend(self.by_name.drain());
        self.by_name = m;
    }

    /// How many users there are.
    pub fn len(&self) -> usize {
        self.count
    }

    /// The id registered under a name.
    pub fn id(&self, name: &UserName) -> Option<UserId> {
        self.by_name.get(name).copied()
    }

    /// The id registered under a name given as a raw string (folded first); `None` for names
    /// that cannot be valid.
    pub fn id_str(&self, name: &str) -> Option<UserId> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.id(&UserName::parse(name).ok()?);
        }
        // Nothing to fold: the text is its own folded form, and a text that is no legal name
        // is no key either, so it is looked up as it is (no allocation).
        self.by_name.get(name).copied()
    }

    /// A user by id.
    #[inline]
    pub fn get(&self, id: UserId) -> Option<&User> {
        if *self.generations.get(id.slot())? == id.generation() {
            self.slots[id.slot()].as_ref()
        } else {
            None
        }
    }

    /// A user by id, to change.
    #[inline]
    pub fn get_mut(&mut self, id: UserId) -> Option<&mut User> {
        if *self.generations.get(id.slot())? == id.generation() {
            self.slots[id.slot()].as_mut()
        } else {
            None
        }
    }

    /// A user by name, with their id.
    pub fn named(&self, name: &UserName) -> Option<(UserId, &User)> {
        let id = self.id(name)?;
        Some((id, self.get(id)?))
    }

    /// A user's name.
    pub fn name(&self, id: UserId) -> Option<&UserName> {
        self.get(id).map(|u| &u.name)
    }

    /// Whether a name is taken.
    pub fn contains(&self, name: &UserName) -> bool {
        self.by_name.contains_key(name)
    }

    /// Whether a live user has at least one open session: one bit read. `false` for a handle
    /// of no live user.
    #[inline]
    pub fn is_online(&self, id: UserId) -> bool {
        self.is_online_member(id) && self.generations[id.slot()] == id.generation()
    }

    /// [`Users::is_online`] for a handle known to be live (a member of a roster: rosters name
    /// live users only): the bit alone, no generation check.
    #[inline]
    pub fn is_online_member(&self, id: UserId) -> bool {
        let slot = id.slot();
        self.online
            .get(slot / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    /// Records whether a user has open sessions; call it after every change to their
    /// sessions.
    pub fn set_online(&mut self, id: UserId, on: bool) {
        let slot = id.slot();
        if self.get(id).is_none() {
            return;
        }
        let (w, b) = (slot / 64, 1u64 << (slot % 64));
        if on {
            self.online[w] |= b;
        } else {
            self.online[w] &= !b;
        }
    }

    /// Every user, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (UserId, &User)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            s.as_ref()
                .map(|u| (UserId::new(i as u32, self.generations[i]), u))
        })
    }

    /// Indexes a new user (offline) in a free slot and returns their handle. The caller
    /// checked that the name is free.
    pub fn insert(&mut self, user: User) -> UserId {
        debug_assert!(!self.by_name.contains_key(&user.name));
        let id = match self.free.pop() {
            Some(slot) => {
                let g = &mut self.generations[slot as usize];
                *g = g.wrapping_add(1);
                UserId::new(slot, *g)
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 users");
                self.slots.push(None);
                self.generations.push(0);
                if self.online.len() * 64 < self.slots.len() {
                    self.online.push(0);
                }
                UserId::new(slot, 0)
            }
        };
        self.by_name.insert(user.name.clone(), id);
        self.by_created.insert((user.created, user.seq, id));
        self.slots[id.slot()] = Some(user);
        self.count += 1;
        id
    }

    /// Unindexes a user, frees their slot, and returns their record; their global-mute index
    /// entry and deadlines go with them.
    pub fn remove(&mut self, id: UserId) -> Option<User> {
        self.get(id)?;
        self.set_online(id, false);
        let user = self.slots[id.slot()].take()?;
        self.by_name.remove(&user.name);
        self.by_created.remove(&(user.created, user.seq, id));
        self.free.push(id.slot() as u32);
        self.count -= 1;
        self.muted.remove(&user.name);
        for scope in MuteScope::ALL {
            self.mute_deadlines.clear(&(id, scope));
        }
        Some(user)
    }

    /// Sets (`Some`) or lifts (`None`) one scope of a user's global mute, with the mute index
    /// and the deadline. Does nothing for an unknown id.
    pub fn set_global_mute(&mut self, id: UserId, scope: MuteScope, to: Option<Expiry>) {
        let Some(u) = self.get_mut(id) else {
            return;
        };
        let name = u.name.clone();
        let x = u.extra_mut();
        x.mutes[scope as usize] = to;
        let any = x.mutes.iter().any(Option::is_some);
        if any {
            self.muted.insert(name, id);
        } else {
            self.muted.remove(&name);
        }
        let at = match to {
            Some(Expiry::At(t)) => Some(t),
            _ => None,
        };
        self.mute_deadlines.set((id, scope), at);
    }

    /// Notes that `owner` holds (`true`) or no longer holds (`false`) a one-to-one
    /// notification setting about `peer`.
    pub fn note_notified(&mut self, peer: &UserName, owner: UserId, holds: bool) {
        if holds {
            self.notified_about
                .entry(peer.clone())
                .or_default()
                .insert(owner);
        } else if let Some(s) = self.notified_about.get_mut(peer) {
            s.remove(&owner);
            if s.is_empty() {
                self.notified_about.remove(peer);
            }
        }
    }

    /// The first `limit` users after `after` (a `(created, seq)` position) in creation
    /// order, and whether more follow.
    pub fn oldest(
        &self,
        after: Option<(Timestamp, u64)>,
        limit: usize,
    ) -> (Vec<(Timestamp, u64, UserId)>, bool) {
        let mut it: Box<dyn Iterator<Item = &(Timestamp, u64, UserId)>> = match after {
            Some((t, seq)) => Box::new(self.by_created.range((
                Bound::Excluded((t, seq, UserId(u64::MAX))),
                Bound::Unbounded,
            ))),
            None => Box::new(self.by_created.iter()),
        };
        let ids: Vec<(Timestamp, u64, UserId)> = it.by_ref().take(limit).copied().collect();
        let more = it.next().is_some();
        (ids, more)
    }

    /// Whether the indexes agree with the slots (an invariant): names, the creation index,
    /// the count, the free list and the online bits.
    pub fn indexes_agree(&self) -> Result<(), String> {
        let mut live = 0;
        for (id, u) in self.iter() {
            live += 1;
            if self.by_name.get(&u.name) != Some(&id) {
                return Err(format!("user {} is not found under its name", u.name));
            }
            if !self.by_created.contains(&(u.created, u.seq, id)) {
                return Err(format!("user {} is not in the creation index", u.name));
            }
            if self.is_online(id) != u.online() {
                return Err(format!("user {}: the online bit is stale", u.name));
            }
        }
        if live != self.count
            || self.by_name.len() != live
            || self.by_created.len() != live
            || live + self.free.len() != self.slots.len()
        {
            return Err(format!(
                "{live} users, count {}, {} names, {} creation entries, {} free of {} slots",
                self.count,
                self.by_name.len(),
                self.by_created.len(),
                self.free.len(),
                self.slots.len()
            ));
        }
        for f in &self.free {
            if self.slots.get(*f as usize).is_none_or(Option::is_some) {
                return Err(format!("free slot {f} is taken"));
            }
        }
        if self.generations.len() != self.slots.len() || self.online.len() * 64 < self.slots.len() {
            return Err("generations or online bits do not cover the slots".into());
        }
        for (i, s) in self.slots.iter().enumerate() {
            let bit = self.online[i / 64] & (1 << (i % 64)) != 0;
            match s {
                None if bit => return Err(format!("empty slot {i} is online")),
                Some(u) if bit != u.online() => {
                    return Err(format!(
                        "{}'s online bit is {bit} but their sessions say {}",
                        u.name,
                        u.online()
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
