//! The users table: users by id, by name and by creation time; token grants; the app's
//! credentials; the app-wide attribute total and the index of globally muted users; the
//! deadlines of global mutes; presence subscriptions; who holds a push setting about a peer.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Bound;

use super::{Deadlines, Map, Subscriptions};
use crate::ids::{UserId, UserName};
use crate::time::{Expiry, Timestamp};
use crate::users::{Credentials, Grant, MuteScope, User};

/// The users table. The indexes change only through [`Users::insert`] and [`Users::remove`],
/// which keep them in step.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Users {
    #[serde(with = "crate::store::sorted")]
    by_id: Map<UserId, User>,
    #[serde(with = "crate::store::sorted")]
    by_name: Map<UserName, UserId>,
    /// `(created, id)`: the order users are listed and batch-deleted in.
    by_created: BTreeSet<(Timestamp, UserId)>,
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
        self.by_id.len()
    }

    /// The id registered under a name.
    pub fn id(&self, name: &UserName) -> Option<UserId> {
        self.by_name.get(name).copied()
    }

    /// The id registered under a name given as a raw string (folded first); `None` for names
    /// that cannot be valid.
    pub fn id_str(&self, name: &str) -> Option<UserId> {
        self.id(&UserName::parse(name).ok()?)
    }

    /// A user by id.
    pub fn get(&self, id: UserId) -> Option<&User> {
        self.by_id.get(&id)
    }

    /// A user by id, to change.
    pub fn get_mut(&mut self, id: UserId) -> Option<&mut User> {
        self.by_id.get_mut(&id)
    }

    /// A user by name, with their id.
    pub fn named(&self, name: &UserName) -> Option<(UserId, &User)> {
        let id = self.id(name)?;
        Some((id, &self.by_id[&id]))
    }

    /// A user's name.
    pub fn name(&self, id: UserId) -> Option<&UserName> {
        self.by_id.get(&id).map(|u| &u.name)
    }

    /// Whether a name is taken.
    pub fn contains(&self, name: &UserName) -> bool {
        self.by_name.contains_key(name)
    }

    /// Every user, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (UserId, &User)> {
        self.by_id.iter().map(|(id, u)| (*id, u))
    }

    /// Indexes a new user. The caller checked that the name is free.
    pub fn insert(&mut self, id: UserId, user: User) {
        debug_assert!(!self.by_name.contains_key(&user.name));
        self.by_name.insert(user.name.clone(), id);
        self.by_created.insert((user.created, id));
        self.by_id.insert(id, user);
    }

    /// Unindexes a user and returns their record; their global-mute index entry and
    /// deadlines go with them.
    pub fn remove(&mut self, id: UserId) -> Option<User> {
        let user = self.by_id.remove(&id)?;
        self.by_name.remove(&user.name);
        self.by_created.remove(&(user.created, id));
        self.muted.remove(&user.name);
        for scope in MuteScope::ALL {
            self.mute_deadlines.clear(&(id, scope));
        }
        Some(user)
    }

    /// Sets (`Some`) or lifts (`None`) one scope of a user's global mute, with the mute index
    /// and the deadline. Does nothing for an unknown id.
    pub fn set_global_mute(&mut self, id: UserId, scope: MuteScope, to: Option<Expiry>) {
        let Some(u) = self.by_id.get_mut(&id) else {
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

    /// The first `limit` users after `after` in creation order, and whether more follow.
    pub fn oldest(
        &self,
        after: Option<(Timestamp, UserId)>,
        limit: usize,
    ) -> (Vec<(Timestamp, UserId)>, bool) {
        let mut it: Box<dyn Iterator<Item = &(Timestamp, UserId)>> = match after {
            Some(a) => Box::new(
                self.by_created
                    .range((Bound::Excluded(a), Bound::Unbounded)),
            ),
            None => Box::new(self.by_created.iter()),
        };
        let ids: Vec<(Timestamp, UserId)> = it.by_ref().take(limit).copied().collect();
        let more = it.next().is_some();
        (ids, more)
    }

    /// Whether the creation index lists exactly the users (an invariant).
    pub fn indexes_agree(&self) -> Result<(), String> {
        for (id, u) in &self.by_id {
            if self.by_name.get(&u.name) != Some(id) {
                return Err(format!("user {} is not found under its name", u.name));
            }
            if !self.by_created.contains(&(u.created, *id)) {
                return Err(format!("user {} is not in the creation index", u.name));
            }
        }
        if self.by_name.len() != self.by_id.len() || self.by_created.len() != self.by_id.len() {
            return Err(format!(
                "{} names and {} creation entries for {} users",
                self.by_name.len(),
                self.by_created.len(),
                self.by_id.len()
            ));
        }
        Ok(())
    }
}
