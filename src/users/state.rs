//! The users area's records: a user, the state most users never have (kept out of line), a
//! session, a token grant, the app's client credentials.

use std::collections::{BTreeMap, VecDeque};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::ids::{UserId, UserName};
use crate::time::{Expiry, Timestamp};

/// App credentials for the `client_credentials` grant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Credentials {
    /// The client id.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::client_id))]
    pub client_id: String,
    /// The client secret.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::client_secret))]
    pub client_secret: String,
}

/// What a token grant authenticates as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Subject {
    App,
    User(UserId),
}

/// A token the host minted and the engine keeps.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Grant {
    pub subject: Subject,
    pub expires: Expiry,
}

/// One open session (a connected device).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Session {
    pub resource: Box<str>,
    pub device_uuid: Option<Box<str>>,
    pub device_name: Option<Box<str>>,
    pub opened: Timestamp,
}

/// The three global-mute scopes, in the order the vendor lists them.
pub(crate) const MUTE_SCOPES: usize = 3;

/// User state that most users never have: kept out of line so the common record stays small.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Extra {
    /// The owner's remark per friend; only friends with a remark have an entry.
    pub remarks: BTreeMap<UserId, Box<str>>,
    /// Users this user blocked: `(id, seq)` sorted by id; `seq` orders them newest first.
    pub blocks: Vec<(UserId, u64)>,
    /// The next block sequence number.
    pub block_seq: u64,
    /// Users who blocked this user, sorted: the reverse index the delete cascade follows.
    pub blocked_by: Vec<UserId>,
    /// Attributes in insertion order.
    pub attrs: IndexMap<Box<str>, Box<str>>,
    /// Bytes the attributes use: Σ key + value UTF-8 bytes.
    pub attr_bytes: u64,
    /// Global mutes: chat, groupchat, chatroom.
    pub mutes: [Option<Expiry>; MUTE_SCOPES],
    /// Live token strings of this user, oldest first.
    pub tokens: VecDeque<Box<str>>,
    /// Open sessions, oldest first.
    pub sessions: Vec<Session>,
    /// Since when the user has had no open session: set when their last session closes,
    /// cleared when one opens; `None` while online and for users who never connected.
    pub offline_since: Option<Timestamp>,
    /// Presence (spec 01 §13); `None` until first recorded.
    pub presence: Option<Box<super::records::Presence>>,
    /// Push settings (spec 01 §15); `None` until first set.
    pub push: Option<Box<super::records::Push>>,
}

/// One user.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct User {
    /// The id drawn from the app's counter at registration: the registration order (users
    /// registered in the same millisecond list in this order).
    pub seq: u64,
    pub name: UserName,
    pub uuid: Box<str>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub activated: bool,
    pub password: Option<Box<str>>,
    pub nickname: Option<Box<str>>,
    /// Friends with when each was added, by id: membership is a binary search over the ids
    /// alone ([`Contacts`]).
    pub contacts: Contacts,
    pub extra: Option<Box<Extra>>,
}

impl User {
    pub fn extra(&self) -> Option<&Extra> {
        self.extra.as_deref()
    }

    pub fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn is_friend(&self, other: UserId) -> bool {
        self.contacts.contains(other)
    }

    /// Whether this user has `other` on their block list.
    pub fn has_blocked(&self, other: UserId) -> bool {
        self.extra()
            .is_some_and(|x| x.blocks.binary_search_by_key(&other, |b| b.0).is_ok())
    }

    /// Whether the user has at least one open session.
    pub fn online(&self) -> bool {
        self.extra().is_some_and(|x| !x.sessions.is_empty())
    }
}

/// A user's friends: one buffer holding the friends' ids ascending in its first half and, at
/// the same positions in its second half, when each was added. Membership — the hot check —
/// bisects the ids alone, 8 bytes each (half the cache lines of `(id, added_at)` pairs), and
/// the record still holds one `Vec` (24 bytes). Serialized as the `(id, added_at)` pairs in id
/// order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Contacts {
    buf: Vec<u64>,
}

impl Contacts {
    /// How many friends.
    pub fn len(&self) -> usize {
        self.buf.len() / 2
    }

    fn ids(&self) -> &[u64] {
        &self.buf[..self.len()]
    }

    /// Whether `id` is a friend.
    #[inline]
    pub fn contains(&self, id: UserId) -> bool {
        self.ids().binary_search(&id.0).is_ok()
    }

    /// Adds `id`, added at `at`; false (nothing changes) if already there.
    ///
    /// One pass over the buffer: the times after the new one move two places, the ids after
    /// it and the times before it one (two `Vec::insert`s would move the second half twice).
    pub fn insert(&mut self, id: UserId, at: Timestamp) -> bool {
        let n = self.len();
        let Err(i) = self.ids().binary_search(&id.0) else {
            return false;
        };
        // [ids ..i | ids i.. | times ..i | times i..] -> [ids ..i | id | ids i.. | times ..i | at | times i..]
        self.buf.resize(2 * n + 2, 0);
        self.buf.copy_within(n + i..2 * n, n + i + 2);
        self.buf.copy_within(i..n + i, i + 1);
        self.buf[i] = id.0;
        self.buf[n + 1 + i] = at.0 as u64;
        true
    }

    /// Removes `id`; when it was added, if it was there. One pass, as [`Contacts::insert`].
    pub fn remove(&mut self, id: UserId) -> Option<Timestamp> {
        let n = self.len();
        let i = self.ids().binary_search(&id.0).ok()?;
        let at = self.buf[n + i];
        self.buf.copy_within(i + 1..n + i, i);
        self.buf.copy_within(n + i + 1..2 * n, n + i - 1);
        self.buf.truncate(2 * n - 2);
        Some(Timestamp(at as i64))
    }

    /// Reads one word of every cache line of the buffer and folds them: called before a write
    /// whose lines are likely cold, so that their misses overlap instead of coming one after
    /// the other (the bisection's probes depend on each other). Changes nothing.
    pub fn touch(&self) -> u64 {
        let tail = self.buf.last().copied().unwrap_or(0);
        self.buf.iter().step_by(8).fold(tail, |x, v| x ^ v)
    }

    /// Every friend with when they were added, by id.
    pub fn iter(&self) -> impl Iterator<Item = (UserId, Timestamp)> + '_ {
        let (ids, ats) = self.buf.split_at(self.len());
        ids.iter()
            .zip(ats)
            .map(|(id, at)| (UserId(*id), Timestamp(*at as i64)))
    }

    /// Removes every friend (tests that break the invariants on purpose).
    #[cfg(test)]
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Whether the ids ascend strictly and the buffer has an even length (the invariant).
    pub fn well_formed(&self) -> bool {
        self.buf.len().is_multiple_of(2) && self.ids().windows(2).all(|w| w[0] < w[1])
    }
}

impl serde::Serialize for Contacts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Contacts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(UserId, Timestamp)> = serde::Deserialize::deserialize(d)?;
        let mut buf: Vec<u64> = pairs.iter().map(|p| p.0.0).collect();
        buf.extend(pairs.iter().map(|p| p.1.0 as u64));
        Ok(Contacts { buf })
    }
}

#[cfg(test)]
mod layout {
    use super::*;

    #[test]
    fn contacts_keep_ids_and_times_in_step_and_serialize_as_pairs() {
        let mut c = Contacts::default();
        let (a, b, d) = (UserId::new(5, 0), UserId::new(2, 1), UserId::new(9, 0));
        assert!(c.insert(a, Timestamp(50)));
        assert!(c.insert(b, Timestamp(20)));
        assert!(c.insert(d, Timestamp(90)));
        assert!(!c.insert(b, Timestamp(99)), "already there: unchanged");
        let pairs: Vec<_> = c.iter().collect();
        let mut want = vec![(a, Timestamp(50)), (b, Timestamp(20)), (d, Timestamp(90))];
        want.sort();
        assert_eq!(pairs, want);
        assert!(c.contains(a) && c.contains(d) && !c.contains(UserId::new(7, 0)));
        assert_eq!(c.remove(a), Some(Timestamp(50)));
        assert_eq!(c.remove(a), None);
        assert_eq!(c.len(), 2);
        assert!(c.well_formed());
        // The wire form is the (id, added_at) pairs, as the earlier Vec wrote them.
        let rest: Vec<(UserId, Timestamp)> = c.iter().collect();
        let bytes = postcard::to_stdvec(&c).unwrap();
        assert_eq!(bytes, postcard::to_stdvec(&rest).unwrap());
        let back: Contacts = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
    }

    /// Inserting and removing at every position (first, middle, last, into an empty list,
    /// down to empty) keeps the ids and the times in step, as a sorted model says.
    #[test]
    fn contacts_insert_and_remove_at_every_position() {
        let mut c = Contacts::default();
        let mut model: Vec<(UserId, Timestamp)> = Vec::new();
        // Ids in a scrambled order so that inserts land first, last and in between.
        let order = [7u32, 3, 11, 1, 9, 5, 13, 0, 12, 2];
        for (k, s) in order.iter().enumerate() {
            let id = UserId::new(*s, 0);
            let at = Timestamp(100 + k as i64);
            assert!(c.insert(id, at));
            model.push((id, at));
            model.sort();
            assert_eq!(c.iter().collect::<Vec<_>>(), model);
            assert!(c.well_formed());
        }
        for s in [0u32, 13, 7, 2, 12, 1, 11, 3, 9, 5] {
            let id = UserId::new(s, 0);
            let i = model.iter().position(|p| p.0 == id).unwrap();
            let (_, at) = model.remove(i);
            assert_eq!(c.remove(id), Some(at));
            assert_eq!(c.remove(id), None);
            assert_eq!(c.iter().collect::<Vec<_>>(), model);
            assert!(c.well_formed());
        }
        assert_eq!(c.len(), 0);
    }

    /// Issue 9's layout goals: a user record (as its table slot holds it) in at most 128
    /// bytes — two cache lines — and a friend edge direction in at most 24.
    #[test]
    fn the_user_record_and_a_friend_edge_fit_their_budgets() {
        let slot = std::mem::size_of::<Option<User>>();
        assert!(slot <= 128, "a user slot takes {slot} bytes");
        let edge = std::mem::size_of::<(UserId, Timestamp)>();
        assert!(edge <= 24, "a friend edge direction takes {edge} bytes");
    }
}
