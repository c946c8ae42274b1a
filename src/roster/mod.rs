//! What groups, threads and chatrooms have in common: a [`Roster`] (an owner, members in join
//! order, admins, and the block, allow and mute lists), the caller as a roster sees them
//! ([`Caller`], [`Role`]), per-item batch results ([`BatchItem`]) and member pages.
//!
//! Each area keeps its own rules (who may do what, in which check order, with which vendor
//! wording); the roster keeps the data and the facts every area agrees on:
//! - a member's [`Member::role`], [`Member::allowed`] and [`Member::mute_until`] mirror the
//!   owner, the admin list, the allow list and the mute list, so the send rule
//!   ([`Roster::speaks`]) reads the member record alone;
//! - an admin is a member: leaving drops the admin role;
//! - list entries (block, allow, mute) are kept by user id with the name they had, and may
//!   outlive membership where the area says so.

mod members;

pub(crate) use members::{Left, Member, Members};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::engine::Actor;
use crate::ids::{UserId, UserName};
use crate::store::{Set, State};
use crate::time::{Expiry, Timestamp};

/// A caller's standing in one roster, lowest first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub(crate) enum Role {
    /// Not a member (unknown users and anonymous callers included).
    Outsider,
    /// An ordinary member.
    Member,
    /// An admin (a member).
    Admin,
    /// The owner.
    Owner,
    /// The app admin: above every roster role.
    App,
}

impl Role {
    /// Any member, or more.
    pub fn inside(self) -> bool {
        self >= Role::Member
    }
    /// An admin, the owner or the app admin.
    pub fn manages(self) -> bool {
        self >= Role::Admin
    }
    /// The owner or the app admin.
    pub fn owns(self) -> bool {
        self >= Role::Owner
    }
}

/// The caller, resolved once against the users table.
#[derive(Clone, Debug)]
pub(crate) enum Caller {
    /// The app admin.
    Admin,
    /// A user token: the name, and the id when the user exists.
    User(UserName, Option<UserId>),
    /// No token.
    Anonymous,
}

impl Caller {
    /// Resolves the actor of a call.
    pub fn of(st: &State, actor: &Actor) -> Caller {
        match actor {
            Actor::Admin => Caller::Admin,
            Actor::User(u) => Caller::User(u.clone(), st.users.id(u)),
            Actor::Anonymous => Caller::Anonymous,
        }
    }

    /// Whether this is the app admin.
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Admin)
    }

    /// The calling user's id, when they exist.
    pub fn id(&self) -> Option<UserId> {
        match self {
            Caller::User(_, id) => *id,
            _ => None,
        }
    }

    /// Whether the caller is the user `name`.
    pub fn is(&self, name: &UserName) -> bool {
        matches!(self, Caller::User(u, _) if u == name)
    }
}

/// No mute entry, in [`Member::mute_until`].
pub(crate) const UNMUTED: i64 = i64::MIN;

/// The mirror of a mute entry as one instant: `UNMUTED` none, `i64::MAX` forever.
fn mute_instant(e: Option<Expiry>) -> i64 {
    match e {
        None => UNMUTED,
        Some(Expiry::Never) => i64::MAX,
        Some(Expiry::At(t)) => t.0.max(UNMUTED + 1),
    }
}

/// The send rule on a member's mirrors (see [`Roster::speaks`]).
#[inline]
pub(crate) fn speaks(
    role: Role,
    allowed: bool,
    mute_until: i64,
    mute_all: bool,
    now: Timestamp,
) -> bool {
    let unmuted = mute_until <= now.0 && mute_until != i64::MAX;
    let privileged = role >= Role::Admin || allowed;
    unmuted & (!mute_all | privileged)
}

/// An owner, members in join order, admins in promotion order, and the block, allow and mute
/// lists in the order entries were added.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Roster {
    /// The owner (a member, except a chatroom owner who left).
    pub owner: UserId,
    /// The members.
    pub members: Members,
    /// Admins, in promotion order. Always members, never the owner.
    pub admins: IndexMap<UserId, UserName>,
    /// Explicit allow-list entries.
    pub allow: IndexMap<UserId, UserName>,
    /// Blocked users.
    pub blocks: IndexMap<UserId, UserName>,
    /// Mute entries (live or lapsed), with their expiry.
    pub mutes: IndexMap<UserId, (UserName, Expiry)>,
}

impl Roster {
    /// An empty roster owned by `owner` (who has not joined yet).
    pub fn new(owner: UserId) -> Roster {
        Roster {
            owner,
            members: Members::default(),
            admins: IndexMap::new(),
            allow: IndexMap::new(),
            blocks: IndexMap::new(),
            mutes: IndexMap::new(),
        }
    }

    /// Whether `u` is a member.
    pub fn is_member(&self, u: UserId) -> bool {
        self.members.contains(u)
    }

    /// The caller's role here.
    pub fn role(&self, caller: &Caller) -> Role {
        match caller {
            Caller::Admin => Role::App,
            Caller::User(_, Some(id)) => self.role_of(*id),
            _ => Role::Outsider,
        }
    }

    /// A user's role here (`Owner` for the owner even when they are away).
    pub fn role_of(&self, u: UserId) -> Role {
        if u == self.owner {
            Role::Owner
        } else {
            match self.members.get(u) {
                Some(m) => m.role(),
                None => Role::Outsider,
            }
        }
    }

    /// Adds a member at `now`, at the end of the join order. Their role, allow flag and mute
    /// mirror follow the owner and the lists. The caller checked that they are not a member.
    pub fn join(&mut self, u: UserId, name: UserName, now: Timestamp) {
        let role = if u == self.owner {
            Role::Owner
        } else {
            Role::Member
        };
        let allowed = self.allow.contains_key(&u);
        let mute_until = mute_instant(self.mutes.get(&u).map(|m| m.1));
        let m = self.members.insert(u, name, now);
        *m.role = role;
        *m.allowed = allowed;
        *m.mute_until = mute_until;
    }

    /// Removes a member and their admin role; their list entries stay. `None` if they were not
    /// a member.
    pub fn leave(&mut self, u: UserId) -> Option<Left> {
        let m = self.members.remove(u)?;
        self.admins.shift_remove(&u);
        Some(m)
    }

    /// Makes a member an admin (the caller checked they are a member and not the owner).
    pub fn promote(&mut self, u: UserId) {
        let Some(name) = self.members.get(u).map(|m| m.name().clone()) else {
            return;
        };
        if let Some(m) = self.members.mirrors(u) {
            *m.role = Role::Admin;
        }
        self.admins.insert(u, name);
    }

    /// Takes the admin role away; whether they had it.
    pub fn demote(&mut self, u: UserId) -> bool {
        if self.admins.shift_remove(&u).is_none() {
            return false;
        }
        if let Some(m) = self.members.mirrors(u) {
            *m.role = Role::Member;
        }
        true
    }

    /// Makes `new` the owner: the old owner becomes an ordinary member, the new one leaves the
    /// admin list. Whether the new owner was an admin.
    pub fn transfer(&mut self, new: UserId) -> bool {
        let old = self.owner;
        if let Some(m) = self.members.mirrors(old) {
            *m.role = Role::Member;
        }
        let was_admin = self.admins.shift_remove(&new).is_some();
        if let Some(m) = self.members.mirrors(new) {
            *m.role = Role::Owner;
        }
        self.owner = new;
        was_admin
    }

    /// Sets (or overwrites) a mute entry.
    pub fn mute(&mut self, u: UserId, name: UserName, e: Expiry) {
        self.mutes.insert(u, (name, e));
        if let Some(m) = self.members.mirrors(u) {
            *m.mute_until = mute_instant(Some(e));
        }
    }

    /// Lifts a mute entry; the entry that was there.
    pub fn unmute(&mut self, u: UserId) -> Option<(UserName, Expiry)> {
        if let Some(m) = self.members.mirrors(u) {
            *m.mute_until = UNMUTED;
        }
        self.mutes.shift_remove(&u)
    }

    /// Adds an explicit allow-list entry; whether it is new.
    pub fn allow(&mut self, u: UserId, name: UserName) -> bool {
        if let Some(m) = self.members.mirrors(u) {
            *m.allowed = true;
        }
        self.allow.insert(u, name).is_none()
    }

    /// Removes an explicit allow-list entry; whether there was one.
    pub fn disallow(&mut self, u: UserId) -> bool {
        if let Some(m) = self.members.mirrors(u) {
            *m.allowed = false;
        }
        self.allow.shift_remove(&u).is_some()
    }

    /// The live mute of `u` at `now`.
    pub fn live_mute(&self, u: UserId, now: Timestamp) -> Option<Expiry> {
        self.mutes.get(&u).map(|m| m.1).filter(|e| e.is_live(now))
    }

    /// The mute entries live at `now`, in the order they were set.
    pub fn live_mutes(&self, now: Timestamp) -> impl Iterator<Item = (&UserName, Expiry)> {
        self.mutes
            .values()
            .filter(move |(_, e)| e.is_live(now))
            .map(|(n, e)| (n, *e))
    }

    /// Whether the roster names `u` anywhere but its member list (owner, block, allow or mute
    /// list).
    pub fn mentions(&self, u: UserId) -> bool {
        self.owner == u
            || self.mutes.contains_key(&u)
            || self.blocks.contains_key(&u)
            || self.allow.contains_key(&u)
    }

    /// The send rule on one member at `now`: no live mute, and either mute-all is off or they
    /// are the owner, an admin or allow-listed.
    #[inline]
    pub fn speaks(m: Member<'_>, mute_all: bool, now: Timestamp) -> bool {
        speaks(m.role(), m.allowed(), m.mute_until(), mute_all, now)
    }

    /// Every user the roster names (members and list entries), without repeats.
    pub fn everyone(&self) -> Set<UserId> {
        let mut all: Set<UserId> = self.members.iter().map(|m| m.id()).collect();
        all.insert(self.owner);
        all.extend(self.blocks.keys());
        all.extend(self.allow.keys());
        all.extend(self.mutes.keys());
        all
    }

    /// The mirrors agree with the lists (an invariant).
    pub fn mirrors_agree(&self) -> Result<(), String> {
        for m in self.members.iter() {
            let role = if m.id() == self.owner {
                Role::Owner
            } else if self.admins.contains_key(&m.id()) {
                Role::Admin
            } else {
                Role::Member
            };
            if m.role() != role {
                return Err(format!(
                    "member {} has role {:?}, lists say {role:?}",
                    m.name(),
                    m.role()
                ));
            }
            if m.allowed() != self.allow.contains_key(&m.id()) {
                return Err(format!("member {}: allow mirror is stale", m.name()));
            }
            if m.mute_until() != mute_instant(self.mutes.get(&m.id()).map(|e| e.1)) {
                return Err(format!("member {}: mute mirror is stale", m.name()));
            }
        }
        if self
            .admins
            .keys()
            .any(|a| !self.is_member(*a) || *a == self.owner)
        {
            return Err("an admin is not a member, or is the owner".into());
        }
        self.members.check()
    }
}

/// One per-user result of a batch command (HTTP 200 even when `result` is false).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchItem {
    /// Who.
    pub user: UserName,
    /// Whether it applied to this user.
    pub result: bool,
    /// Why not, when `result` is false.
    pub reason: Option<String>,
}

impl BatchItem {
    /// An item that applied.
    pub(crate) fn ok(user: UserName) -> BatchItem {
        BatchItem {
            user,
            result: true,
            reason: None,
        }
    }

    /// An item that did not apply, and why.
    pub(crate) fn fail(user: UserName, reason: impl Into<String>) -> BatchItem {
        BatchItem {
            user,
            result: false,
            reason: Some(reason.into()),
        }
    }
}

/// Distinct names in request order: repeats collapse to their first occurrence.
pub(crate) fn distinct(names: &[UserName]) -> Vec<UserName> {
    let mut seen = Set::with_capacity_and_hasher(names.len(), Default::default());
    names.iter().filter(|n| seen.insert(*n)).cloned().collect()
}

/// Resolves names to ids (`None` for unknown names), in order.
pub(crate) fn resolve(st: &State, names: &[UserName]) -> Vec<Option<UserId>> {
    names.iter().map(|n| st.users.id(n)).collect()
}
