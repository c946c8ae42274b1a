//! The group and thread records, the tenant's group store, and the primitive state changes
//! every command is built from (join, C-LEAVE, destroy).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use indexmap::IndexMap;
use parking_lot::{Mutex, RwLock};

use crate::command::Event;
use crate::engine::Ctx;
use crate::ids::{UserId, UserName};
use crate::store::{UserCell, UserState};
use crate::time::{Expiry, Timestamp};

use super::{GroupEvent, LeaveReason};

/// A member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Role {
    /// Must stay 0: the send rule ORs the role with `allowed`.
    Member = 0,
    Admin,
    Owner,
}

/// One member. `role`, `allowed` and `mute_until` mirror the admin list, the explicit allow
/// list and the mute list, so the send rule needs no lookup per member. The record is 48 bytes
/// (64 with the map's hash and key: one cache line); the "who may speak" walk reads the denser
/// [`Speaker`] roster instead.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub name: UserName,
    pub cell: Arc<UserCell>,
    pub joined: Timestamp,
    /// The mute entry as one instant: `i64::MIN` none, `i64::MAX` forever, else the expiry.
    pub mute_until: i64,
    pub role: Role,
    pub allowed: bool,
    /// The member's join sequence in this group ([`GroupState::join_seq`]): strictly
    /// increasing in join order, never reused, so a member cursor survives its member leaving.
    /// 32 bits fit the record's padding; [`GroupState::next_join_seq`] renumbers at overflow.
    pub seq: u32,
}

/// No mute entry.
const UNMUTED: i64 = i64::MIN;

/// What the send rule needs of a member, kept densely (24 bytes) in join order beside the
/// members so the "who may speak" walk reads 24 bytes per member, not a whole record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Speaker {
    pub id: UserId,
    pub mute_until: i64,
    pub privileged: bool,
}

impl Speaker {
    pub fn of(id: UserId, m: &Member) -> Speaker {
        Speaker {
            id,
            mute_until: m.mute_until,
            privileged: m.role != Role::Member || m.allowed,
        }
    }

    /// The send rule (spec §9), as [`Member::may_speak`].
    #[inline]
    pub fn may_speak(&self, mute_all: bool, now: Timestamp) -> bool {
        let unmuted = self.mute_until <= now.0 && self.mute_until != i64::MAX;
        unmuted & (!mute_all | self.privileged)
    }
}

impl Member {
    /// The send rule (spec §9) for a member of an enabled group: no live mute, and either
    /// mute-all is off or they are in the effective allow set.
    #[inline]
    pub fn may_speak(&self, mute_all: bool, now: Timestamp) -> bool {
        let unmuted = self.mute_until <= now.0 && self.mute_until != i64::MAX;
        let privileged = (self.role as u8 | self.allowed as u8) != 0;
        unmuted & (!mute_all | privileged)
    }

    /// The mirrored mute entry.
    pub fn muted(&self) -> Option<Expiry> {
        match self.mute_until {
            UNMUTED => None,
            i64::MAX => Some(Expiry::Never),
            t => Some(Expiry::At(Timestamp(t))),
        }
    }

    /// Mirrors a mute entry (`None` lifts).
    pub fn set_muted(&mut self, e: Option<Expiry>) {
        self.mute_until = match e {
            None => UNMUTED,
            Some(Expiry::Never) => i64::MAX,
            Some(Expiry::At(t)) => t.0.max(UNMUTED + 1),
        };
    }
}

/// A shared file's metadata.
#[derive(Clone, Debug)]
pub(crate) struct FileMeta {
    pub name: String,
    /// The uploader's display name ("admin" for the app admin).
    pub owner: String,
    /// The uploader's identity (`None`: the app admin). Rights follow this, not the name: a
    /// user who re-registers a deleted uploader's name does not own their files.
    pub owner_id: Option<UserId>,
    pub size: u64,
    pub created: Timestamp,
}

/// A thread, inside its group's state.
#[derive(Clone, Debug)]
pub(crate) struct ThreadState {
    pub name: String,
    /// The creator's name, as shown.
    pub owner: UserName,
    /// The creator's identity. Creator rights follow this, not the name: a user who
    /// re-registers a deleted creator's name does not inherit their threads.
    pub owner_id: UserId,
    pub msg_id: Arc<str>,
    pub created: Timestamp,
    pub seq: u64,
    /// Members in join order: name, join time, join sequence (strictly increasing, never
    /// reused in this thread, so a member cursor survives a kick between pages).
    pub members: IndexMap<UserId, (UserName, Timestamp, u64)>,
    /// The last join sequence handed out in this thread.
    pub join_seq: u64,
}

/// A user's link to a thread (in the user's index).
#[derive(Clone, Debug)]
pub(crate) struct ThreadLink {
    pub group: Arc<str>,
    pub joined: Timestamp,
    /// The user's thread-join sequence ([`super::UserGroups::thread_seq`]): with `joined` the
    /// per-user thread list's order and cursor key.
    pub seq: u64,
}

/// Whose side of a C-LEAVE ([`GroupState::leave`]) to update.
pub(crate) enum Leaver<'a> {
    /// A live user, locked: their indexes are unlinked too.
    Locked(&'a mut UserState),
    /// A user being deleted: their thread index, already taken from them.
    Deleted(&'a IndexMap<Arc<str>, ThreadLink>),
}

/// A pending join request or invitation.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub name: UserName,
}

/// A group's whole state.
#[derive(Debug)]
pub(crate) struct GroupState {
    /// Set when the group is destroyed (or its creation failed): it no longer exists.
    pub gone: bool,
    pub seq: u64,
    pub name: String,
    pub description: String,
    pub avatar: String,
    pub public: bool,
    pub members_only: bool,
    pub allow_invites: bool,
    pub invite_need_confirm: bool,
    pub max_users: u32,
    pub custom: String,
    pub large: bool,
    pub owner: UserId,
    pub members: IndexMap<UserId, Member>,
    /// The last member join sequence handed out ([`Member::seq`]).
    pub join_seq: u32,
    /// `members` projected for the send rule, same order and length ([`GroupState::sync`]).
    pub roster: Vec<Speaker>,
    pub admins: IndexMap<UserId, UserName>,
    pub mute_all: bool,
    pub disabled: bool,
    pub announcement: String,
    pub allow: IndexMap<UserId, UserName>,
    pub blocks: IndexMap<UserId, UserName>,
    pub mutes: IndexMap<UserId, (UserName, Expiry)>,
    pub files: IndexMap<Arc<str>, FileMeta>,
    pub attrs: HashMap<UserId, IndexMap<Box<str>, Box<str>>>,
    pub threads: IndexMap<Arc<str>, ThreadState>,
    pub applications: IndexMap<UserId, Pending>,
    pub invitations: IndexMap<UserId, Pending>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// A group: its id outside the lock, its state behind it.
#[derive(Debug)]
pub(crate) struct GroupCell {
    pub id: Arc<str>,
    pub state: RwLock<GroupState>,
}

/// The groups area's state on a tenant.
#[derive(Debug, Default)]
pub(crate) struct GroupStore {
    /// Live groups by id.
    pub groups: DashMap<Arc<str>, Arc<GroupCell>>,
    /// Live threads: thread id → the group that holds it.
    pub threads: DashMap<Arc<str>, Arc<GroupCell>>,
    /// Live groups, for `groups_per_app_max` (reserve, then commit or release).
    pub group_count: AtomicU64,
    /// Live threads, for `threads_per_app_max`.
    pub thread_count: AtomicU64,
    /// Leaf index: groups by `(created, seq)`.
    pub by_created: Mutex<BTreeMap<(Timestamp, u64), Arc<str>>>,
    /// Leaf index: threads by `(created, seq)`.
    pub threads_by_created: Mutex<BTreeMap<(Timestamp, u64), Arc<str>>>,
    /// Leaf index: parent message id → its live thread.
    pub msg_threads: Mutex<HashMap<Arc<str>, Arc<str>>>,
    /// Leaf: the custom ids of destroyed groups, never handed out again (spec §0.9). One
    /// string per destroyed custom-id group, kept for the tenant's life.
    pub retired: Mutex<std::collections::HashSet<Arc<str>>>,
}

impl GroupStore {
    /// The cell of a live group (it may still be destroyed before it is locked: check `gone`).
    pub fn cell(&self, id: &str) -> Option<Arc<GroupCell>> {
        self.groups.get(id).map(|c| Arc::clone(&c))
    }

    /// The cell of the group holding a thread.
    pub fn thread_cell(&self, id: &str) -> Option<Arc<GroupCell>> {
        self.threads.get(id).map(|c| Arc::clone(&c))
    }

    pub fn reserve_group(&self, cap: Option<u64>) -> bool {
        let cap = cap.unwrap_or(u64::MAX);
        self.group_count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                c.checked_add(1).filter(|n| *n <= cap)
            })
            .is_ok()
    }

    pub fn release_group(&self) {
        self.group_count.fetch_sub(1, Ordering::AcqRel);
    }

    pub fn reserve_thread(&self, cap: u64) -> bool {
        self.thread_count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                c.checked_add(1).filter(|n| *n <= cap)
            })
            .is_ok()
    }

    pub fn release_thread(&self) {
        self.thread_count.fetch_sub(1, Ordering::AcqRel);
    }
}

impl GroupState {
    /// Refreshes a member's [`Speaker`] after their role, allow entry or mute changed.
    pub fn sync(&mut self, id: UserId) {
        if let Some((i, _, m)) = self.members.get_full(&id) {
            self.roster[i] = Speaker::of(id, m);
        }
    }

    /// The next member join sequence. At `u32::MAX` (four billion joins into one group) the
    /// members are renumbered 1..=n in join order; cursors issued before that may then repeat
    /// or skip members once.
    fn next_join_seq(&mut self) -> u32 {
        if self.join_seq == u32::MAX {
            for (i, m) in self.members.values_mut().enumerate() {
                m.seq = i as u32 + 1;
            }
            self.join_seq = self.members.len() as u32;
        }
        self.join_seq += 1;
        self.join_seq
    }

    pub fn is_member(&self, u: UserId) -> bool {
        self.members.contains_key(&u)
    }

    pub fn owner_name(&self) -> UserName {
        self.members[&self.owner].name.clone()
    }

    /// Adds a member (the caller checked capacity, caps and that they are not a member) and
    /// links the user's index. A blocked user is unblocked; a live mute entry applies again.
    pub fn join(
        &mut self,
        gid: &Arc<str>,
        cell: &Arc<UserCell>,
        user: &mut UserState,
        now: Timestamp,
    ) -> bool {
        let uid = cell.id;
        let unblocked = self.blocks.shift_remove(&uid).is_some();
        let muted = self.mutes.get(&uid).map(|m| m.1);
        let seq = self.next_join_seq();
        let mut m = Member {
            name: user.name.clone(),
            cell: Arc::clone(cell),
            joined: now,
            mute_until: UNMUTED,
            role: Role::Member,
            allowed: false,
            seq,
        };
        m.set_muted(muted);
        self.roster.push(Speaker::of(uid, &m));
        self.members.insert(uid, m);
        self.applications.shift_remove(&uid);
        self.invitations.shift_remove(&uid);
        user.extra_mut().groups.groups.insert(Arc::clone(gid), now);
        self.modified = now;
        unblocked
    }

    /// C-LEAVE (spec §14): removes a non-owner member from the members, admins, explicit allow
    /// list, attributes and every thread of the group, and unlinks the user's indexes (when the
    /// user's state is locked: a user being deleted has had theirs taken). Keeps their mute and
    /// block entries, files and the threads they own. Emits thread removals then `MemberLeft`.
    ///
    /// The threads are found through the user's own thread index (capped per user), not by
    /// scanning the group's threads, so the cost does not grow with the group's thread count.
    pub fn leave(
        &mut self,
        cx: &mut Ctx<'_>,
        gid: &Arc<str>,
        uid: UserId,
        user: Leaver<'_>,
        reason: LeaveReason,
    ) {
        let Some((i, _, m)) = self.members.shift_remove_full(&uid) else {
            return;
        };
        self.roster.remove(i);
        debug_assert_ne!(uid, self.owner);
        self.admins.shift_remove(&uid);
        self.allow.shift_remove(&uid);
        self.attrs.remove(&uid);
        let in_group = |links: &IndexMap<Arc<str>, ThreadLink>| -> Vec<Arc<str>> {
            links
                .iter()
                .filter(|(_, l)| *l.group == **gid)
                .map(|(t, _)| Arc::clone(t))
                .collect()
        };
        let mut left_threads = match &user {
            Leaver::Locked(u) => u.extra().map(|x| in_group(&x.groups.threads)),
            Leaver::Deleted(links) => Some(in_group(links)),
        }
        .unwrap_or_default();
        left_threads.retain(|tid| {
            self.threads
                .get_mut(tid)
                .is_some_and(|t| t.members.shift_remove(&uid).is_some())
        });
        if let Leaver::Locked(u) = user
            && let Some(x) = u.extra.as_deref_mut()
        {
            x.groups.groups.shift_remove(gid);
            for t in &left_threads {
                x.groups.threads.shift_remove(t);
            }
        }
        self.modified = cx.now;
        for t in left_threads {
            cx.emit(Event::Group(GroupEvent::ThreadMemberRemoved {
                thread: t.to_string(),
                user: m.name.clone(),
            }));
        }
        cx.emit(Event::Group(GroupEvent::MemberLeft {
            group: gid.to_string(),
            user: m.name,
            reason,
        }));
    }

    /// Removes one thread and its memberships; the caller holds the members' locks (`users`
    /// maps ids to their locked state; a missing id is a user being deleted).
    pub fn drop_thread(
        &mut self,
        cx: &mut Ctx<'_>,
        gid: &Arc<str>,
        tid: &Arc<str>,
        users: &mut HashMap<UserId, &mut UserState>,
    ) {
        let Some(t) = self.threads.shift_remove(tid) else {
            return;
        };
        for uid in t.members.keys() {
            if let Some(u) = users.get_mut(uid)
                && let Some(x) = u.extra.as_deref_mut()
            {
                x.groups.threads.shift_remove(tid);
            }
        }
        let store = &cx.app.groups;
        store.threads.remove(tid);
        store.threads_by_created.lock().remove(&(t.created, t.seq));
        {
            let mut m = store.msg_threads.lock();
            if m.get(&t.msg_id).is_some_and(|x| x == tid) {
                m.remove(&t.msg_id);
            }
        }
        store.release_thread();
        cx.emit(Event::Group(GroupEvent::ThreadDestroyed {
            group: gid.to_string(),
            thread: tid.to_string(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_record_fits_a_cache_line_with_its_key() {
        assert!(std::mem::size_of::<Member>() <= 48);
    }

    #[test]
    fn mute_mirror_round_trips_and_decides_the_send_rule() {
        let cell = Arc::new(UserCell {
            id: UserId(1),
            state: RwLock::new(crate::store::UserState {
                name: UserName::parse("a").unwrap(),
                uuid: "u".into(),
                created: Timestamp(0),
                modified: Timestamp(0),
                activated: true,
                gone: false,
                password: None,
                nickname: None,
                contacts: Vec::new(),
                extra: None,
            }),
        });
        let mut m = Member {
            name: UserName::parse("a").unwrap(),
            cell,
            joined: Timestamp(0),
            mute_until: UNMUTED,
            role: Role::Member,
            allowed: false,
            seq: 1,
        };
        let now = Timestamp(100);
        for e in [None, Some(Expiry::Never), Some(Expiry::At(Timestamp(101)))] {
            m.set_muted(e);
            assert_eq!(m.muted(), e);
        }
        m.set_muted(Some(Expiry::At(Timestamp(101))));
        assert!(!m.may_speak(false, now));
        m.set_muted(Some(Expiry::At(Timestamp(100))));
        assert!(m.may_speak(false, now), "lapsed at its instant");
        assert!(!m.may_speak(true, now), "mute-all");
        m.allowed = true;
        assert!(m.may_speak(true, now));
        m.allowed = false;
        m.role = Role::Admin;
        assert!(m.may_speak(true, now));
        m.set_muted(Some(Expiry::Never));
        assert!(!m.may_speak(false, now), "a mute beats the allow set");
        assert!(!m.may_speak(false, Timestamp(i64::MAX)));
    }
}
