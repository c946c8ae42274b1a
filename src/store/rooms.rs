//! The chatrooms table: rooms by id and in id order, the app's super admins, the room-attribute
//! byte total, and the per-user reverse index (the rooms a user joined, in join order, and the
//! rooms that still name them without their being a member); and the timers of the rooms: when
//! each timed member mute lapses, and since when each member who may be swept for being
//! offline has been offline while a member (spec 03 §3.4), from the users' offline-since
//! times, which the users area reports here ([`Rooms::set_offline`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use indexmap::{IndexMap, IndexSet};

use super::{Deadlines, Map};
use crate::ids::{RoomId, UserId, UserName};
use crate::rooms::Room;
use crate::time::{Expiry, Timestamp};

/// The chatrooms table. The id order, the per-user index and the timers change only through
/// [`Rooms::insert`], [`Rooms::remove`], [`Rooms::refresh`] and [`Rooms::set_offline`], which
/// keep them in step with the rooms.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rooms {
    #[serde(with = "crate::store::sorted")]
    by_id: Map<RoomId, Room>,
    /// Room ids, ascending: the order rooms are listed in.
    ids: BTreeSet<RoomId>,
    /// Per user: the rooms that list them as a member or name them on a list.
    #[serde(with = "crate::store::sorted")]
    by_user: Map<UserId, UserRooms>,
    /// App super admins (who may create rooms from a client), in promotion order.
    pub super_admins: IndexMap<UserId, UserName>,
    /// Room attribute bytes in the app: the sum of every room's `attr_bytes`.
    pub attr_total: u64,
    /// When each timed member mute lapses.
    mute_deadlines: Deadlines<(RoomId, UserId)>,
    /// For each member who may be swept (not the owner, an admin or allow-listed) and is
    /// offline: since when they have been offline while a member (the later of their
    /// offline-since time and their join). They are due `offline_grace` after it.
    offline_from: Deadlines<(RoomId, UserId)>,
    /// Users with no open session, since when (kept by the users area through
    /// [`Rooms::set_offline`]; users who never had a session are not here).
    offline: BTreeMap<UserId, Timestamp>,
}

/// One user's entry of the reverse index.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct UserRooms {
    /// Rooms the user is a member of, in join order.
    pub joined: IndexSet<RoomId>,
    /// Rooms that name the user though they are not a member (an owner who left, or an entry
    /// on the mute, allow or block list), by id.
    pub named: BTreeSet<RoomId>,
}

impl UserRooms {
    fn is_empty(&self) -> bool {
        self.joined.is_empty() && self.named.is_empty()
    }
}

impl Rooms {
    /// How many rooms there are.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// A room by id.
    pub fn get(&self, id: RoomId) -> Option<&Room> {
        self.by_id.get(&id)
    }

    /// A room by id, to change. A change to who the room lists or names, or to a user's
    /// membership, role, allow entry or mute, must be followed by [`Rooms::refresh`] for each
    /// user concerned.
    pub fn get_mut(&mut self, id: RoomId) -> Option<&mut Room> {
        self.by_id.get_mut(&id)
    }

    /// Every room, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Room> {
        self.by_id.values()
    }

    /// Room ids after `after` (all with `None`), ascending.
    pub fn ids_after(&self, after: Option<RoomId>) -> impl Iterator<Item = RoomId> + '_ {
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.ids.range((from, Bound::Unbounded)).copied()
    }

    /// A user's entry of the reverse index (`None`: no room lists or names them).
    pub fn of_user(&self, u: UserId) -> Option<&UserRooms> {
        self.by_user.get(&u)
    }

    /// How many rooms a user is a member of.
    pub fn joined_count(&self, u: UserId) -> usize {
        self.by_user.get(&u).map_or(0, |x| x.joined.len())
    }

    /// Indexes a new room and every user it lists or names. The caller drew a fresh id.
    pub fn insert(&mut self, room: Room) {
        let id = room.id;
        let everyone = room.roster.everyone();
        debug_assert!(!self.by_id.contains_key(&id));
        self.by_id.insert(id, room);
        self.ids.insert(id);
        for u in everyone {
            self.refresh(id, u);
        }
    }

    /// Unindexes a room (from the id order and from every user it listed or named) and returns
    /// it.
    pub fn remove(&mut self, id: RoomId) -> Option<Room> {
        let room = self.by_id.remove(&id)?;
        self.ids.remove(&id);
        let all = (id, UserId(0))..=(id, UserId(u64::MAX));
        self.mute_deadlines.clear_range(all.clone());
        self.offline_from.clear_range(all);
        for u in room.roster.everyone() {
            if let Some(x) = self.by_user.get_mut(&u) {
                x.joined.shift_remove(&id);
                x.named.remove(&id);
                if x.is_empty() {
                    self.by_user.remove(&u);
                }
            }
        }
        Some(room)
    }

    /// Brings `u`'s index entry for room `id` in line with the room: in `joined` (kept in join
    /// order, so a new member goes last) while a member, in `named` while the room names them
    /// otherwise, neither once the room no longer mentions them; and `u`'s timers there: the
    /// deadline of a timed mute, and the offline sweep's for a member who is offline and
    /// neither the owner, an admin nor allow-listed.
    pub fn refresh(&mut self, id: RoomId, u: UserId) {
        let (member, named) = self.by_id.get(&id).map_or((false, false), |r| {
            let member = r.roster.is_member(u);
            (member, !member && r.roster.mentions(u))
        });
        let (mute_at, offline_from) = self.timers_of(id, u);
        self.mute_deadlines.set((id, u), mute_at);
        self.offline_from.set((id, u), offline_from);
        let x = self.by_user.entry(u).or_default();
        if member {
            x.joined.insert(id);
        } else {
            x.joined.shift_remove(&id);
        }
        if named {
            x.named.insert(id);
        } else {
            x.named.remove(&id);
        }
        if x.is_empty() {
            self.by_user.remove(&u);
        }
    }

    /// What `u`'s timers in room `id` should be: when their mute lapses (a timed mute), and
    /// since when they count as offline for the sweep.
    fn timers_of(&self, id: RoomId, u: UserId) -> (Option<Timestamp>, Option<Timestamp>) {
        let Some(r) = self.by_id.get(&id) else {
            return (None, None);
        };
        let mute_at = match r.roster.mutes.get(&u) {
            Some((_, Expiry::At(t))) => Some(*t),
            _ => None,
        };
        let sweepable = !r.exempt(u) && !r.roster.allow.contains_key(&u);
        let offline_from = match (r.roster.members.get(u), self.offline.get(&u)) {
            (Some(m), Some(since)) if sweepable => Some((*since).max(m.joined())),
            _ => None,
        };
        (mute_at, offline_from)
    }

    /// Records that `u` has had no open session since `since` (`None`: online again, or
    /// deleted), and re-arms their offline timers in every room they are in.
    pub fn set_offline(&mut self, u: UserId, since: Option<Timestamp>) {
        match since {
            Some(t) => self.offline.insert(u, t),
            None => self.offline.remove(&u),
        };
        let joined: Vec<RoomId> = self
            .by_user
            .get(&u)
            .map(|x| x.joined.iter().copied().collect())
            .unwrap_or_default();
        for id in joined {
            self.refresh(id, u);
        }
    }

    /// Every user reported offline, with since when (for the invariants).
    pub fn offline_users(&self) -> impl Iterator<Item = (UserId, Timestamp)> + '_ {
        self.offline.iter().map(|(u, t)| (*u, *t))
    }

    /// The timed member mutes, by when they lapse.
    pub fn mute_deadlines(&self) -> &Deadlines<(RoomId, UserId)> {
        &self.mute_deadlines
    }

    /// The members the offline sweep may remove, by since when they have been offline while
    /// a member (they are due `offline_grace` later).
    pub fn offline_from(&self) -> &Deadlines<(RoomId, UserId)> {
        &self.offline_from
    }

    /// Whether both timer indexes hold exactly what the rooms and the offline reports say (an
    /// invariant).
    pub fn timers_agree(&self) -> Result<(), String> {
        let mut mutes = BTreeMap::new();
        let mut offline = BTreeMap::new();
        for (id, r) in &self.by_id {
            let users = r.roster.everyone();
            for u in users {
                let (m, o) = self.timers_of(*id, u);
                if let Some(t) = m {
                    mutes.insert((*id, u), t);
                }
                if let Some(t) = o {
                    offline.insert((*id, u), t);
                }
            }
        }
        if !self.mute_deadlines.matches(&mutes) {
            return Err("room mute deadlines differ from the mute lists".into());
        }
        if !self.offline_from.matches(&offline) {
            return Err("room offline timers differ from the members and offline reports".into());
        }
        Ok(())
    }

    /// Whether the id order lists exactly the rooms and the per-user index is exactly what the
    /// rooms say (an invariant).
    pub fn indexes_agree(&self) -> Result<(), String> {
        if self.ids.len() != self.by_id.len()
            || self.ids.iter().any(|id| !self.by_id.contains_key(id))
        {
            return Err("the room id order differs from the rooms".into());
        }
        let mut want: Map<UserId, (BTreeSet<RoomId>, BTreeSet<RoomId>)> = Map::default();
        for (id, r) in &self.by_id {
            if r.id != *id {
                return Err(format!("room {} is filed under {id}", r.id));
            }
            for u in r.roster.everyone() {
                let e = want.entry(u).or_default();
                if r.roster.is_member(u) {
                    e.0.insert(*id);
                } else {
                    e.1.insert(*id);
                }
            }
        }
        for (u, x) in &self.by_user {
            if x.is_empty() {
                return Err(format!("user {u:?} has an empty room index entry"));
            }
            let joined: BTreeSet<RoomId> = x.joined.iter().copied().collect();
            let (j, n) = want.remove(u).unwrap_or_default();
            if joined != j || x.named != n {
                return Err(format!(
                    "user {u:?}: index says joined {joined:?}, named {:?}; rooms say {j:?}, {n:?}",
                    x.named
                ));
            }
        }
        if let Some(u) = want.keys().next() {
            return Err(format!("user {u:?} is named by a room but not indexed"));
        }
        Ok(())
    }
}
