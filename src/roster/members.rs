//! Members in join order: O(1) membership, join and leave; walks in join order that read
//! member records back to back; cursors by join sequence in O(log n).
//!
//! The records sit in one vector in join order. Leaving leaves a hole (`None`) instead of
//! shifting the rest, so it costs O(1); once holes outnumber members (and there are more than a
//! few), the vector is compacted in one O(n) pass, so the cost stays O(1) amortized. Each
//! member has a join sequence, strictly increasing in join order and never reused in this
//! roster: a cursor names the last sequence returned, so it survives members leaving.

use super::{Role, UNMUTED};
use crate::ids::{UserId, UserName};
use crate::store::Map;
use crate::time::Timestamp;

/// One member.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// Who.
    pub id: UserId,
    /// Their name when they joined.
    pub name: UserName,
    /// When they joined.
    pub joined: Timestamp,
    /// Their join sequence in this roster.
    pub seq: u64,
    /// The mute entry as one instant: `UNMUTED` none, `i64::MAX` forever, else its expiry.
    pub mute_until: i64,
    /// `Member`, `Admin` or `Owner`.
    pub role: Role,
    /// On the explicit allow list.
    pub allowed: bool,
}

/// A slot of the join order: a member, or the hole one left (which keeps its sequence so that
/// the slots stay sorted by sequence).
#[derive(Clone, Debug)]
struct Slot {
    seq: u64,
    member: Option<Member>,
}

/// Members in join order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Members {
    slots: Vec<Slot>,
    /// Member id → its slot.
    at: Map<UserId, usize>,
    /// The last join sequence handed out.
    last_seq: u64,
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

    /// A member's record.
    pub fn get(&self, u: UserId) -> Option<&Member> {
        let i = *self.at.get(&u)?;
        self.slots[i].member.as_ref()
    }

    /// A member's record, to change.
    pub fn get_mut(&mut self, u: UserId) -> Option<&mut Member> {
        let i = *self.at.get(&u)?;
        self.slots[i].member.as_mut()
    }

    /// Appends a member with the next join sequence and returns the record (role `Member`, no
    /// mute, not allowed). The caller checked that `u` is not a member.
    pub fn insert(&mut self, u: UserId, name: UserName, joined: Timestamp) -> &mut Member {
        debug_assert!(!self.contains(u));
        self.last_seq += 1;
        let seq = self.last_seq;
        let i = self.slots.len();
        self.slots.push(Slot {
            seq,
            member: Some(Member {
                id: u,
                name,
                joined,
                seq,
                mute_until: UNMUTED,
                role: Role::Member,
                allowed: false,
            }),
        });
        self.at.insert(u, i);
        self.slots[i].member.as_mut().expect("just set")
    }

    /// Removes a member and returns their record.
    pub fn remove(&mut self, u: UserId) -> Option<Member> {
        let i = self.at.remove(&u)?;
        let m = self.slots[i].member.take();
        if i + 1 == self.slots.len() {
            self.slots.pop();
        } else if self.slots.len() > 2 * self.at.len() + HOLES_SLACK {
            self.compact();
        }
        m
    }

    /// Drops the holes and re-points the index.
    fn compact(&mut self) {
        self.slots.retain(|s| s.member.is_some());
        for (i, s) in self.slots.iter().enumerate() {
            if let Some(m) = &s.member {
                self.at.insert(m.id, i);
            }
        }
    }

    /// The members in join order (reversible).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Member> {
        self.slots.iter().filter_map(|s| s.member.as_ref())
    }

    /// The members who joined after sequence `seq` (all with `None`), in join order.
    pub fn after(&self, seq: Option<u64>) -> impl DoubleEndedIterator<Item = &Member> {
        let from = seq.map_or(0, |s| self.slots.partition_point(|x| x.seq <= s));
        self.slots[from..].iter().filter_map(|s| s.member.as_ref())
    }

    /// The members who joined before sequence `seq` (all with `None`), newest first.
    pub fn before(&self, seq: Option<u64>) -> impl Iterator<Item = &Member> {
        let to = seq.map_or(self.slots.len(), |s| {
            self.slots.partition_point(|x| x.seq < s)
        });
        self.slots[..to]
            .iter()
            .rev()
            .filter_map(|s| s.member.as_ref())
    }

    /// The index agrees with the slots, and the slots are sorted by sequence (an invariant).
    pub fn check(&self) -> Result<(), String> {
        if !self.slots.windows(2).all(|w| w[0].seq < w[1].seq) {
            return Err("join order not sorted by sequence".into());
        }
        let live = self.slots.iter().filter(|s| s.member.is_some()).count();
        if live != self.at.len() {
            return Err(format!(
                "{live} members in the join order, {} indexed",
                self.at.len()
            ));
        }
        for (id, i) in &self.at {
            match self.slots.get(*i).and_then(|s| s.member.as_ref()) {
                Some(m) if m.id == *id && m.seq == self.slots[*i].seq => {}
                _ => return Err(format!("member index of {id:?} is stale")),
            }
        }
        if self.slots.last().is_some_and(|s| s.seq > self.last_seq) {
            return Err("a join sequence above the last one handed out".into());
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

    #[test]
    fn join_order_survives_leaves_and_compaction() {
        let mut m = Members::default();
        for i in 0..200 {
            m.insert(UserId(i), name(i), Timestamp(i as i64));
        }
        // Leave every member but the multiples of 7, from the middle outwards.
        for i in (0..200).filter(|i| i % 7 != 0) {
            assert!(m.remove(UserId(i)).is_some());
            m.check().unwrap();
        }
        assert!(m.remove(UserId(1)).is_none(), "already gone");
        let ids: Vec<u64> = m.iter().map(|x| x.id.0).collect();
        let want: Vec<u64> = (0..200).filter(|i| i % 7 == 0).collect();
        assert_eq!(ids, want);
        assert_eq!(m.len(), want.len());
        // The slots were compacted: no more than twice the members plus the slack.
        assert!(m.slots.len() <= 2 * m.len() + HOLES_SLACK);
        // Sequences keep growing after compaction; a re-join goes to the end.
        m.insert(UserId(3), name(3), Timestamp(0));
        assert_eq!(m.iter().last().unwrap().id, UserId(3));
        assert_eq!(m.get(UserId(3)).unwrap().seq, 201);
    }

    #[test]
    fn cursors_name_sequences() {
        let mut m = Members::default();
        for i in 1..=5 {
            m.insert(UserId(i), name(i), Timestamp(0));
        }
        m.remove(UserId(3));
        let after2: Vec<u64> = m.after(Some(2)).map(|x| x.id.0).collect();
        assert_eq!(after2, vec![4, 5]);
        let after3: Vec<u64> = m.after(Some(3)).map(|x| x.id.0).collect();
        assert_eq!(
            after3,
            vec![4, 5],
            "the cursor of a member who left still works"
        );
        let before4: Vec<u64> = m.before(Some(4)).map(|x| x.id.0).collect();
        assert_eq!(before4, vec![2, 1]);
        let all_desc: Vec<u64> = m.before(None).map(|x| x.id.0).collect();
        assert_eq!(all_desc, vec![5, 4, 2, 1]);
        assert_eq!(m.after(None).count(), 4);
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
