//! The chatrooms area's records: a room, its attributes and who owns them. The table that
//! indexes rooms by id, in id order and per user is the store's.

use indexmap::IndexMap;

use crate::ids::{RoomId, UserId, UserName};
use crate::roster::Roster;
use crate::time::Timestamp;

/// Who owns an attribute key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum AttrOwner {
    /// The app admin (pseudo-operator `admin`); never auto-deleted.
    Admin,
    /// A user, by id (kept after their deletion for `NO_DELETE` keys) and name.
    User(UserId, UserName),
}

impl AttrOwner {
    /// Whether two owners are the same operator (users compare by id).
    pub fn same(&self, other: &AttrOwner) -> bool {
        match (self, other) {
            (AttrOwner::Admin, AttrOwner::Admin) => true,
            (AttrOwner::User(x, _), AttrOwner::User(y, _)) => x == y,
            _ => false,
        }
    }

    /// The owner's name as replies show it (`None`: the app admin).
    pub fn name(&self) -> Option<UserName> {
        match self {
            AttrOwner::Admin => None,
            AttrOwner::User(_, n) => Some(n.clone()),
        }
    }
}

/// One attribute value.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Attr {
    /// The value.
    pub value: Box<str>,
    /// The last writer.
    pub owner: AttrOwner,
    /// `DELETE`: removed when its owner departs.
    pub auto_delete: bool,
}

/// One chatroom.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Room {
    /// Its id.
    pub id: RoomId,
    /// 1–128 chars.
    pub name: String,
    /// 0–512 chars.
    pub description: String,
    /// 0–1024 chars.
    pub custom: String,
    /// 0–512 chars; "" when never set.
    pub announcement: String,
    /// Capacity, the owner included.
    pub maxusers: u32,
    /// The owner, members in join order, admins, and the block, allow and mute lists.
    pub roster: Roster,
    /// The owner's name.
    pub owner_name: UserName,
    /// The owner left voluntarily and has not re-joined (OPEN 13).
    pub owner_left: bool,
    /// When it was created.
    pub created: Timestamp,
    /// Mute-all.
    pub mute_all: bool,
    /// Attributes in the order their keys were first set.
    pub attrs: IndexMap<Box<str>, Attr>,
    /// Σ UTF-8 bytes of keys + values.
    pub attr_bytes: u64,
}

impl Room {
    /// A room with no members yet, owned by `owner`.
    pub fn new(id: RoomId, owner: (UserId, UserName), created: Timestamp) -> Room {
        Room {
            id,
            name: String::new(),
            description: String::new(),
            custom: String::new(),
            announcement: String::new(),
            maxusers: 0,
            roster: Roster::new(owner.0),
            owner_name: owner.1,
            owner_left: false,
            created,
            mute_all: false,
            attrs: IndexMap::new(),
            attr_bytes: 0,
        }
    }

    /// Whether `u` is a present member (an owner who left is not).
    pub fn is_member(&self, u: UserId) -> bool {
        self.roster.is_member(u)
    }

    /// Seats taken: members, plus the absent owner's reserved seat.
    pub fn seats(&self) -> usize {
        self.roster.members.len() + usize::from(self.owner_left)
    }

    /// Whether `n` more members (none of them the owner) fit.
    pub fn fits(&self, n: usize) -> bool {
        self.seats() + n <= self.maxusers as usize
    }

    /// Whether `u` is exempt from mute-all without being stored on the allow list: the owner
    /// (present or not) or an admin.
    pub fn exempt(&self, u: UserId) -> bool {
        u == self.roster.owner || self.roster.admins.contains_key(&u)
    }

    /// Whether `u` may send to the room at `now` (§3.7, §3.8): a member, not individually
    /// muted, and not silenced by mute-all unless owner, admin or allow-listed.
    pub fn may_speak(&self, u: UserId, now: Timestamp) -> bool {
        let Some(m) = self.roster.members.get(u) else {
            return false;
        };
        if self.roster.live_mute(u, now).is_some() {
            return false;
        }
        !self.mute_all || m.role() >= crate::roster::Role::Admin || m.allowed()
    }

    /// Removes the `DELETE` keys `u` owns; the keys removed (room order) and their bytes.
    pub fn drop_auto_delete(&mut self, u: UserId) -> (Vec<String>, u64) {
        let mut removed = Vec::new();
        let mut freed = 0u64;
        self.attrs.retain(|k, a| {
            let drop = a.auto_delete && matches!(&a.owner, AttrOwner::User(o, _) if *o == u);
            if drop {
                freed += (k.len() + a.value.len()) as u64;
                removed.push(k.to_string());
            }
            !drop
        });
        self.attr_bytes -= freed;
        (removed, freed)
    }
}
