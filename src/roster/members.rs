//! Members in join order: O(1) membership, join and leave; walks in join order that read
//! member records back to back; cursors by join sequence in O(log n).
//!
//! The members sit in two parallel vectors in join order: the *slots* hold what the send rule
//! and the fan-out read (id, join sequence, role, allow flag, mute instant: 32 bytes), the
//! *details* what listings show (name, join time). A walk that decides who may speak reads the
//! slots only, two members per cache line. Leaving leaves a hole instead of shifting the rest,
//! so it costs O(1); once holes outnumber members (and there are more than a few), both
//! vectors are compacted in one O(n) pass, so the cost stays O(1) amortized. Each member has a
//! join sequence, strictly increasing in join order and never reused in this roster: a cursor
//! names the last sequence returned, so it survives members leaving.
//!
//! The member ids in join order are also kept as one shared, immutable list (a snapshot,
//! `Arc<[UserId]>`) for the fan-out of messages: built on the first send after a membership
//! change and dropped by every change, so a send to an unchanged roster copies no id, and a
//! reply or stored message still holding an older snapshot keeps its own copy
//! (copy-on-write).

use std::sync::Arc;

use super::{Role, UNMUTED};
use crate::ids::{UserId, UserName};
use crate::store::Map;
use crate::time::Timestamp;

/// What the send rule and the fan-out read of a member.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Slot {
    id: UserId,
    seq: u64,
    /// The mute entry as one instant: `UNMUTED` none, `i64::MAX` forever, else its expiry.
    mute_until: i64,
    role: Role,
    allowed: bool,
    /// False for the hole a member left.
    live: bool,
}

/// What listings show of a member.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Details {
    /// `None` in a hole: a departed member's name does not linger in the state (so that
    /// erasing a user leaves no trace of their name, spec 01 §16).
    name: Option<UserName>,
    joined: Timestamp,
}

/// One member, as read from a roster.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Member<'a> {
    slot: &'a Slot,
    details: &'a Details,
}

impl<'a> Member<'a> {
    /// Who.
    pub fn id(&self) -> UserId {
        self.slot.id
    }
    /// Their name when they joined (names never change).
    pub fn name(&self) -> &'a UserName {
        self.details
            .name
            .as_ref()
            .expect("a live member has a name")
    }
    /// When they joined.
    pub fn joined(&self) -> Timestamp {
        self.details.joined
    }
    /// Their join sequence in this roster.
    pub fn seq(&self) -> u64 {
        self.slot.seq
    }
    /// `Member`, `Admin` or `Owner`.
    pub fn role(&self) -> Role {
        self.slot.role
    }
    /// On the explicit allow list.
    pub fn allowed(&self) -> bool {
        self.slot.allowed
    }
    /// The mute entry as one instant: `UNMUTED` none, `i64::MAX` forever, else its expiry.
    pub fn mute_until(&self) -> i64 {
        self.slot.mute_until
    }
}

/// A member taken out of a roster.
#[derive(Clone, Debug)]
pub(crate) struct Left {
    /// Their name.
    pub name: UserName,
}

/// The mirrored fields the roster keeps on a member.
pub(crate) struct Mirrors<'a> {
    /// Role.
    pub role: &'a mut Role,
    /// Allow flag.
    pub allowed: &'a mut bool,
    /// Mute instant.
    pub mute_until: &'a mut i64,
}

/// Members in join order.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Members {
    slots: Vec<Slot>,
    /// Parallel to `slots`; a hole's details keep the departed member's join time only.
    details: Vec<Details>,
    /// Member id → its position.
    #[serde(with = "crate::store::sorted")]
    at: Map<UserId, usize>,
    /// The last join sequence handed out.
    last_seq: u64,
    /// The member ids in join order, once a send asked for them since the last change.
    #[serde(skip)]
    snapshot: Snapshot,
}

/// The shared list of member ids, when built (a cache: not part of the state's value, so it
/// is neither serialized nor shown).
#[derive(Clone, Default)]
struct Snapshot(Option<Arc<[UserId]>>);

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

/// Holes tolerated before a compaction, beyond one per member.
const HOLES_SLACK: usize = 32;

impl Members {
    /// How many members.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Whether `u` is a member.
    pub fn contains(&self, u: UserId) -> bool {
        self.at.contains_key(&u)
    }

    fn view(&self, i: usize) -> Member<'_> {
        Member {
            slot: &self.slots[i],
            details: &self.details[i],
        }
    }

    /// A member.
    pub fn get(&self, u: UserId) -> Option<Member<'_>> {
        self.at.get(&u).map(|&i| self.view(i))
    }

    /// A member's mirrored fields, to change (the roster keeps them in step with its lists).
    pub(super) fn mirrors(&mut self, u: UserId) -> Option<Mirrors<'_>> {
        let i = *self.at.get(&u)?;
        let s = &mut self.slots[i];
        Some(Mirrors {
            role: &mut s.role,
            allowed: &mut s.allowed,
            mute_until: &mut s.mute_until,
        })
    }

    /// Appends a member with the next join sequence (role `Member`, no mute, not allowed) and
    /// returns their mirrored fields. The caller checked that `u` is not a member.
    pub fn insert(&mut self, u: UserId, name: UserName, joined: Timestamp) -> Mirrors<'_> {
        debug_assert!(!self.contains(u));
        self.snapshot.0 = None;
        self.last_seq += 1;
        let i = self.slots.len();
        self.slots.push(Slot {
            id: u,
            seq: self.last_seq,
            mute_until: UNMUTED,
            role: Role::Member,
            allowed: false,
            live: true,
        });
        self.details.push(Details {
            name: Some(name),
            joined,
        });
        self.at.insert(u, i);
        let s = &mut self.slots[i];
        Mirrors {
            role: &mut s.role,
            allowed: &mut s.allowed,
            mute_until: &mut s.mute_until,
        }
    }

    /// Removes a member.
    pub fn remove(&mut self, u: UserId) -> Option<Left> {
        let i = self.at.remove(&u)?;
        self.snapshot.0 = None;
        let left = Left {
            name: self.details[i]
                .name
                .take()
                .expect("a live member has a name"),
        };
        if i + 1 == self.slots.len() {
            self.slots.pop();
            self.details.pop();
        } else {
            self.slots[i].live = false;
            if self.slots.len() > 2 * self.at.len() + HOLES_SLACK {
                self.compact();
            }
        }
        Some(left)
    }

    /// Drops the holes and re-points the index.
    fn compact(&mut self) {
        let mut keep = self.slots.iter().map(|s| s.live);
        self.details.retain(|_| keep.next().unwrap_or(false));
        self.slots.retain(|s| s.live);
        for (i, s) in self.slots.iter().enumerate() {
            self.at.insert(s.id, i);
        }
    }

    /// The members in join order (reversible).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Member<'_>> {
        self.walk(0, self.slots.len())
    }

    fn walk(&self, from: usize, to: usize) -> impl DoubleEndedIterator<Item = Member<'_>> {
        self.slots[from..to]
            .iter()
            .zip(&self.details[from..to])
            .filter(|(s, _)| s.live)
            .map(|(slot, details)| Member { slot, details })
    }

    /// Every member's id, in join order.
    pub fn ids(&self) -> Vec<UserId> {
        if self.slots.len() == self.at.len() {
            self.slots.iter().map(|s| s.id).collect()
        } else {
            let mut out = Vec::with_capacity(self.at.len());
            out.extend(self.slots.iter().filter(|s| s.live).map(|s| s.id));
            out
        }
    }

    /// Every member's id in join order, as the shared snapshot: built here after a membership
    /// change (one pass over the slots), else one reference count. The fan-out of a message
    /// reads it, and replies keep it, without copying the ids.
    pub fn snapshot(&mut self) -> Arc<[UserId]> {
        if self.snapshot.0.is_none() {
            self.snapshot.0 = Some(self.ids().into());
        }
        self.snapshot.0.clone().unwrap_or_default()
    }

    /// The ids of the members `keep` accepts, in join order, reading the slots only: the
    /// send rule's walk. `keep` gets `(role, allowed, mute_until)`.
    pub fn ids_where(&self, keep: impl Fn(Role, bool, i64) -> bool) -> Vec<UserId> {
        let mut out = Vec::with_capacity(self.at.len());
        out.extend(
            self.slots
                .iter()
                .filter(|s| s.live && keep(s.role, s.allowed, s.mute_until))
                .map(|s| s.id),
        );
        out
    }

    /// Calls `f` with every member's id, in join order, reading the slots only (the fan-out's
    /// walk: no allocation, no name touched).
    #[inline]
    pub fn for_each_id(&self, mut f: impl FnMut(UserId)) {
        for s in &self.slots {
            if s.live {
                f(s.id);
            }
        }
    }

    /// The names of the members `keep` accepts, in join order (as [`Members::ids_where`]).
    pub fn names_where(&self, keep: impl Fn(Role, bool, i64) -> bool) -> Vec<UserName> {
        let mut out = Vec::with_capacity(self.at.len());
        for (s, d) in self.slots.iter().zip(&self.details) {
            if s.live
                && keep(s.role, s.allowed, s.mute_until)
                && let Some(n) = &d.name
            {
                out.push(n.clone());
            }
        }
        out
    }

    /// The members who joined after sequence `seq` (all with `None`), in join order.
    pub fn after(&self, seq: Option<u64>) -> impl DoubleEndedIterator<Item = Member<'_>> {
        let from = seq.map_or(0, |s| self.slots.partition_point(|x| x.seq <= s));
        self.walk(from, self.slots.len())
    }

    /// The members who joined before sequence `seq` (all with `None`), newest first.
    pub fn before(&self, seq: Option<u64>) -> impl Iterator<Item = Member<'_>> {
        let to = seq.map_or(self.slots.len(), |s| {
            self.slots.partition_point(|x| x.seq < s)
        });
        self.walk(0, to).rev()
    }

    /// The index agrees with the slots, and the slots are sorted by sequence (an invariant).
    pub fn check(&self) -> Result<(), String> {
        if self.slots.len() != self.details.len() {
            return Err("member slots and details differ in length".into());
        }
        if !self.slots.windows(2).all(|w| w[0].seq < w[1].seq) {
            return Err("join order not sorted by sequence".into());
        }
        if self
            .slots
            .iter()
            .zip(&self.details)
            .any(|(s, d)| s.live != d.name.is_some())
        {
            return Err("a hole keeps a name, or a member has none".into());
        }
        let live = self.slots.iter().filter(|s| s.live).count();
        if live != self.at.len() {
            return Err(format!(
                "{live} members in the join order, {} indexed",
                self.at.len()
            ));
        }
        for (id, i) in &self.at {
            match self.slots.get(*i) {
                Some(s) if s.live && s.id == *id => {}
                _ => return Err(format!("member index of {id:?} is stale")),
            }
        }
        if self.slots.last().is_some_and(|s| s.seq > self.last_seq) {
            return Err("a join sequence above the last one handed out".into());
        }
        if let Some(ids) = &self.snapshot.0
            && **ids != *self.ids()
        {
            return Err("the member snapshot differs from the members".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(i: u64) -> UserName {
        UserName::parse(&format!("u{i}")).unwrap()
    }

    fn ids<'a>(it: impl Iterator<Item = Member<'a>>) -> Vec<u64> {
        it.map(|m| m.id().0).collect()
    }

    #[test]
    fn join_order_survives_leaves_and_compaction() {
        let mut m = Members::default();
        for i in 0..200 {
            m.insert(UserId(i), name(i), Timestamp(i as i64));
        }
        // Leave every member but the multiples of 7, from the middle outwards.
        for i in (0..200).filter(|i| i % 7 != 0) {
            assert_eq!(m.remove(UserId(i)).unwrap().name, name(i));
            m.check().unwrap();
        }
        assert!(m.remove(UserId(1)).is_none(), "already gone");
        let want: Vec<u64> = (0..200).filter(|i| i % 7 == 0).collect();
        assert_eq!(ids(m.iter()), want);
        assert_eq!(m.ids().iter().map(|u| u.0).collect::<Vec<_>>(), want);
        assert_eq!(m.len(), want.len());
        // The slots were compacted: no more than twice the members plus the slack.
        assert!(m.slots.len() <= 2 * m.len() + HOLES_SLACK);
        assert_eq!(m.get(UserId(14)).unwrap().joined(), Timestamp(14));
        // Sequences keep growing after compaction; a re-join goes to the end.
        m.insert(UserId(3), name(3), Timestamp(0));
        assert_eq!(m.iter().last().unwrap().id(), UserId(3));
        assert_eq!(m.get(UserId(3)).unwrap().seq(), 201);
    }

    #[test]
    fn the_snapshot_follows_membership_and_old_ones_stay_as_they_were() {
        let mut m = Members::default();
        for i in 1..=3 {
            m.insert(UserId(i), name(i), Timestamp(0));
        }
        let first = m.snapshot();
        assert_eq!(*first, [UserId(1), UserId(2), UserId(3)]);
        let again = m.snapshot();
        assert!(
            Arc::ptr_eq(&first, &again),
            "unchanged: shared, not rebuilt"
        );
        m.remove(UserId(2));
        m.check().unwrap();
        assert_eq!(*m.snapshot(), [UserId(1), UserId(3)]);
        m.insert(UserId(4), name(4), Timestamp(0));
        assert_eq!(*m.snapshot(), [UserId(1), UserId(3), UserId(4)]);
        m.check().unwrap();
        assert_eq!(
            *first,
            [UserId(1), UserId(2), UserId(3)],
            "a held one is unchanged"
        );
        // A stale cache is caught by the invariant check.
        m.snapshot.0 = Some(first);
        assert!(m.check().is_err());
    }

    #[test]
    fn cursors_name_sequences() {
        let mut m = Members::default();
        for i in 1..=5 {
            m.insert(UserId(i), name(i), Timestamp(0));
        }
        m.remove(UserId(3));
        assert_eq!(ids(m.after(Some(2))), vec![4, 5]);
        assert_eq!(
            ids(m.after(Some(3))),
            vec![4, 5],
            "the cursor of a member who left still works"
        );
        assert_eq!(ids(m.before(Some(4))), vec![2, 1]);
        assert_eq!(ids(m.before(None)), vec![5, 4, 2, 1]);
        assert_eq!(m.after(None).count(), 4);
        assert_eq!(m.ids(), vec![UserId(1), UserId(2), UserId(4), UserId(5)]);
    }

    #[test]
    fn filtered_walks_read_the_mirrors() {
        let mut m = Members::default();
        for i in 1..=4 {
            m.insert(UserId(i), name(i), Timestamp(0));
        }
        *m.mirrors(UserId(2)).unwrap().allowed = true;
        *m.mirrors(UserId(3)).unwrap().role = Role::Admin;
        m.remove(UserId(4));
        let privileged = |r: Role, a: bool, _: i64| r >= Role::Admin || a;
        assert_eq!(m.ids_where(privileged), vec![UserId(2), UserId(3)]);
        assert_eq!(m.names_where(privileged), vec![name(2), name(3)]);
    }

    #[test]
    fn removing_the_last_member_leaves_no_hole() {
        let mut m = Members::default();
        m.insert(UserId(1), name(1), Timestamp(0));
        m.insert(UserId(2), name(2), Timestamp(0));
        m.remove(UserId(2));
        assert_eq!(m.slots.len(), 1);
        m.remove(UserId(1));
        assert!(m.is_empty());
        m.check().unwrap();
    }
}
