//! The groups table: groups by id with their threads inside them; thread id → group; the
//! creation-order indexes of groups and threads; parent message → thread; the retired
//! ids; and each user's reverse index (groups and threads joined, groups whose lists may name
//! them).
//!
//! The indexes change only through the methods here, which keep them in step: inserting and
//! removing a group or a thread, a user joining or leaving a group or a thread, a group's list
//! naming a user ([`Groups::list`]), a user going away ([`Groups::drop_user`]), a member mute
//! set or lifted ([`Groups::mute`], [`Groups::unmute`], which keep the mute deadlines).

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::{Deadlines, Map, Set};
use crate::groups::{Group, Thread};
use crate::ids::{GroupId, ThreadId, UserId, UserName};
use crate::roster::Left;
use crate::time::{Expiry, Timestamp};

/// A user's link to a thread (in their reverse index).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ThreadLink {
    /// The thread's group.
    pub group: GroupId,
    /// When they joined it.
    pub joined: Timestamp,
    /// Their thread-join sequence ([`UserGroups::thread_seq`]): with `joined`, the per-user
    /// thread list's order and cursor key.
    pub seq: u64,
}

/// One user's reverse index, which the per-user caps, the per-user lists and the delete
/// cascade read.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct UserGroups {
    /// Groups they are a member of (owner included), in join order, with the join time.
    pub groups: IndexMap<GroupId, Timestamp>,
    /// Threads they are a member of, in join order.
    pub threads: IndexMap<ThreadId, ThreadLink>,
    /// The last thread-join sequence handed out to them. Kept for the user's life, so their
    /// thread cursors stay valid.
    pub thread_seq: u64,
    /// Groups whose block list, mute list or pending requests may name them: a superset,
    /// which the delete cascade follows (skipping groups that no longer name them).
    #[serde(with = "crate::store::sorted")]
    pub listed: Set<GroupId>,
}

/// The groups table.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Groups {
    #[serde(with = "crate::store::sorted")]
    by_id: Map<GroupId, Group>,
    /// Live thread → its group.
    #[serde(with = "crate::store::sorted")]
    thread_group: Map<ThreadId, GroupId>,
    /// `(created, seq)` → group: the app list's order.
    by_created: BTreeMap<(Timestamp, u64), GroupId>,
    /// `(created, seq)` → thread: the app thread list's order.
    threads_by_created: BTreeMap<(Timestamp, u64), ThreadId>,
    /// Parent message id → its live thread (a message hosts at most one).
    #[serde(with = "crate::store::sorted")]
    msg_threads: Map<Box<str>, ThreadId>,
    /// Ids of destroyed groups, never handed out again (spec §0.9).
    #[serde(with = "crate::store::sorted")]
    retired: Set<GroupId>,
    /// Per-user reverse indexes.
    #[serde(with = "crate::store::sorted")]
    users: Map<UserId, UserGroups>,
    /// When each timed member mute lapses.
    mute_deadlines: Deadlines<(GroupId, UserId)>,
}

impl Groups {
    /// An empty table whose id and parent-message indexes are keyed with `seed`.
    pub fn with_seed(seed: u64) -> Groups {
        Groups {
            by_id: super::seeded_map(seed),
            msg_threads: super::seeded_map(seed),
            ..Groups::default()
        }
    }

    /// Re-keys the id and parent-message indexes with `seed`.
    pub fn reseed(&mut self, seed: u64) {
        let mut by_id = super::seeded_map(seed);
        by_id.extend(self.by_id.drain());
        self.by_id = by_id;
        let mut msg = super::seeded_map(seed);
        msg.extend(self.msg_threads.drain());
        self.msg_threads = msg;
    }

    /// How many live groups.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// How many live threads.
    pub fn threads_len(&self) -> usize {
        self.thread_group.len()
    }

    /// A live group.
    pub fn get(&self, id: &GroupId) -> Option<&Group> {
        self.by_id.get(id)
    }

    /// A live group by id text, with its id (the messaging area's target lookup).
    pub fn get_key_value(&self, id: &str) -> Option<(&GroupId, &Group)> {
        self.by_id.get_key_value(id)
    }

    /// A live thread by id text: its id, its group's id, the group and the thread.
    pub fn thread_key_value(&self, id: &str) -> Option<(&ThreadId, &GroupId, &Group, &Thread)> {
        let (tid, gid) = self.thread_group.get_key_value(id)?;
        let g = &self.by_id[gid];
        Some((tid, gid, g, &g.threads[tid]))
    }

    /// A live group, to change.
    pub fn get_mut(&mut self, id: &GroupId) -> Option<&mut Group> {
        self.by_id.get_mut(id)
    }

    /// Every live group, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&GroupId, &Group)> {
        self.by_id.iter()
    }

    /// Whether a live group has this id, or a destroyed one had it.
    pub fn is_taken(&self, id: &GroupId) -> bool {
        self.by_id.contains_key(id) || self.retired.contains(id)
    }

    /// The groups created before `before` (all with `None`), newest first, as `(key, id)`.
    pub fn newest(
        &self,
        before: Option<(Timestamp, u64)>,
    ) -> impl Iterator<Item = (&(Timestamp, u64), &GroupId)> {
        let hi = before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        self.by_created
            .range((std::ops::Bound::Unbounded, hi))
            .rev()
    }

    /// The threads in creation order from a position: after `from` (oldest first) or, with
    /// `desc`, before it (newest first); everything with `None`.
    pub fn threads_created(
        &self,
        from: Option<(Timestamp, u64)>,
        desc: bool,
    ) -> Box<dyn Iterator<Item = (&(Timestamp, u64), &ThreadId)> + '_> {
        use std::ops::Bound::{Excluded, Unbounded};
        match (desc, from) {
            (true, None) => Box::new(self.threads_by_created.iter().rev()),
            (true, Some(k)) => Box::new(self.threads_by_created.range(..k).rev()),
            (false, None) => Box::new(self.threads_by_created.iter()),
            (false, Some(k)) => Box::new(self.threads_by_created.range((Excluded(k), Unbounded))),
        }
    }

    /// Indexes a new group whose roster has no members yet (they join with [`Groups::join`]).
    /// The caller checked that the id is not taken.
    pub fn insert(&mut self, id: GroupId, g: Group) {
        debug_assert!(!self.is_taken(&id) && g.roster.members.is_empty());
        self.by_created.insert((g.created, g.seq), id.clone());
        self.by_id.insert(id, g);
    }

    /// Unindexes a group with its threads and memberships, retires its id (an engine id is
    /// never drawn twice, but a custom all-digit id could name it; spec §0.9: never reused),
    /// and returns the group.
    pub fn remove(&mut self, id: &GroupId) -> Option<Group> {
        let tids: Vec<ThreadId> = self.by_id.get(id)?.threads.keys().cloned().collect();
        for t in &tids {
            self.remove_thread(t);
        }
        let g = self.by_id.remove(id)?;
        for m in g.roster.members.iter() {
            if let Some(x) = self.users.get_mut(&m.id()) {
                x.groups.shift_remove(id);
            }
        }
        self.by_created.remove(&(g.created, g.seq));
        self.mute_deadlines
            .clear_range((id.clone(), UserId(0))..=(id.clone(), UserId(u64::MAX)));
        self.retired.insert(id.clone());
        Some(g)
    }

    /// Adds a user to a group's members at `now` (the caller checked they may join) and to
    /// their reverse index. A blocked user is unblocked; their pending application or
    /// invitation is settled. Whether they were unblocked.
    pub fn join(&mut self, id: &GroupId, u: UserId, name: UserName, now: Timestamp) -> bool {
        let g = self.by_id.get_mut(id).expect("a live group");
        let unblocked = g.roster.blocks.shift_remove(&u).is_some();
        g.roster.join(u, name, now);
        g.applications.shift_remove(&u);
        g.invitations.shift_remove(&u);
        g.modified = now;
        self.users
            .entry(u)
            .or_default()
            .groups
            .insert(id.clone(), now);
        unblocked
    }

    /// Takes a member out of a group and out of its threads they are in (found through their
    /// own reverse index, so the cost does not grow with the group's threads), and unlinks
    /// them. Returns their member record and the threads they left, in their join order.
    pub fn leave(
        &mut self,
        id: &GroupId,
        u: UserId,
        now: Timestamp,
    ) -> Option<(Left, Vec<ThreadId>)> {
        let g = self.by_id.get_mut(id)?;
        let m = g.roster.leave(u)?;
        g.modified = now;
        let mut left = Vec::new();
        if let Some(x) = self.users.get_mut(&u) {
            x.groups.shift_remove(id);
            left = x
                .threads
                .iter()
                .filter(|(_, l)| l.group == *id)
                .map(|(t, _)| t.clone())
                .collect();
            left.retain(|t| {
                g.threads
                    .get_mut(t)
                    .is_some_and(|th| th.members.remove(u).is_some())
            });
            for t in &left {
                x.threads.shift_remove(t);
            }
        }
        Some((m, left))
    }

    /// Sets (or overwrites) a member mute of a live group, with its deadline, and notes that
    /// the group's lists name the user.
    pub fn mute(&mut self, id: &GroupId, u: UserId, name: UserName, e: Expiry) {
        let g = self.by_id.get_mut(id).expect("a live group");
        g.roster.mute(u, name, e);
        let at = match e {
            Expiry::At(t) => Some(t),
            Expiry::Never => None,
        };
        self.mute_deadlines.set((id.clone(), u), at);
        self.list(u, id);
    }

    /// Lifts a member mute of a group, with its deadline; the entry that was there.
    pub fn unmute(&mut self, id: &GroupId, u: UserId) -> Option<(UserName, Expiry)> {
        let g = self.by_id.get_mut(id)?;
        let was = g.roster.unmute(u);
        self.mute_deadlines.clear(&(id.clone(), u));
        was
    }

    /// The timed member mutes, by when they lapse.
    pub fn mute_deadlines(&self) -> &Deadlines<(GroupId, UserId)> {
        &self.mute_deadlines
    }

    /// Notes that a group's block list, mute list or pending requests name a user.
    pub fn list(&mut self, u: UserId, id: &GroupId) {
        self.users.entry(u).or_default().listed.insert(id.clone());
    }

    /// A user's reverse index.
    pub fn user(&self, u: UserId) -> Option<&UserGroups> {
        self.users.get(&u)
    }

    /// Every user's reverse index.
    pub fn users(&self) -> impl Iterator<Item = (&UserId, &UserGroups)> {
        self.users.iter()
    }

    /// How many groups a user is in.
    pub fn joined_count(&self, u: UserId) -> usize {
        self.users.get(&u).map_or(0, |x| x.groups.len())
    }

    /// How many threads a user is in.
    pub fn thread_count(&self, u: UserId) -> usize {
        self.users.get(&u).map_or(0, |x| x.threads.len())
    }

    /// Drops a deleted user's reverse index (the caller unlinked them everywhere first).
    pub fn drop_user(&mut self, u: UserId) -> Option<UserGroups> {
        self.users.remove(&u)
    }

    /// A live thread with its group.
    pub fn thread(&self, t: &ThreadId) -> Option<(&GroupId, &Group, &Thread)> {
        let gid = self.thread_group.get(t)?;
        let g = &self.by_id[gid];
        Some((gid, g, &g.threads[t]))
    }

    /// A live thread, to change.
    pub fn thread_mut(&mut self, t: &ThreadId) -> Option<&mut Thread> {
        let gid = self.thread_group.get(t)?;
        self.by_id.get_mut(gid)?.threads.get_mut(t)
    }

    /// Whether a parent message hosts a live thread.
    pub fn msg_has_thread(&self, msg: &str) -> bool {
        self.msg_threads.contains_key(msg)
    }

    /// Indexes a new thread of a live group: by id, creation and parent message, and for each
    /// of its members. The caller checked that the message hosts no thread.
    pub fn insert_thread(&mut self, gid: &GroupId, tid: ThreadId, t: Thread) {
        for m in t.members.iter() {
            link_thread(&mut self.users, m.id(), &tid, gid, m.joined());
        }
        self.thread_group.insert(tid.clone(), gid.clone());
        self.threads_by_created
            .insert((t.created, t.seq), tid.clone());
        self.msg_threads.insert(t.msg_id.clone(), tid.clone());
        let g = self.by_id.get_mut(gid).expect("a live group");
        g.threads.insert(tid, t);
    }

    /// Unindexes a thread with its memberships and its parent-message claim; returns its group
    /// and the thread.
    pub fn remove_thread(&mut self, tid: &ThreadId) -> Option<(GroupId, Thread)> {
        let gid = self.thread_group.remove(tid)?;
        let t = self
            .by_id
            .get_mut(&gid)
            .and_then(|g| g.threads.shift_remove(tid))
            .expect("indexed under its group");
        for m in t.members.iter() {
            if let Some(x) = self.users.get_mut(&m.id()) {
                x.threads.shift_remove(tid);
            }
        }
        self.threads_by_created.remove(&(t.created, t.seq));
        if self.msg_threads.get(&t.msg_id) == Some(tid) {
            self.msg_threads.remove(&t.msg_id);
        }
        Some((gid, t))
    }

    /// Adds a group member to a thread at `now`; whether they joined (false: already in).
    pub fn join_thread(
        &mut self,
        tid: &ThreadId,
        u: UserId,
        name: UserName,
        now: Timestamp,
    ) -> bool {
        let Some(gid) = self.thread_group.get(tid) else {
            return false;
        };
        let t = self
            .by_id
            .get_mut(gid)
            .and_then(|g| g.threads.get_mut(tid))
            .expect("indexed under its group");
        if t.members.contains(u) {
            return false;
        }
        t.members.insert(u, name, now);
        link_thread(&mut self.users, u, tid, gid, now);
        true
    }

    /// Takes a user out of a thread; whether they were in it.
    pub fn leave_thread(&mut self, tid: &ThreadId, u: UserId) -> bool {
        let Some(t) = self.thread_mut(tid) else {
            return false;
        };
        if t.members.remove(u).is_none() {
            return false;
        }
        if let Some(x) = self.users.get_mut(&u) {
            x.threads.shift_remove(tid);
        }
        true
    }

    /// The indexes agree with the groups and threads (an invariant).
    pub fn indexes_agree(&self) -> Result<(), String> {
        let mut created = 0;
        let mut threads = 0;
        for (id, g) in &self.by_id {
            if self.by_created.get(&(g.created, g.seq)) != Some(id) {
                return Err(format!("group {id} is not in the creation index"));
            }
            if self.retired.contains(id) {
                return Err(format!("group {id} is live under a retired id"));
            }
            created += 1;
            for (tid, t) in &g.threads {
                if self.thread_group.get(tid) != Some(id) {
                    return Err(format!("thread {tid} is not indexed under its group"));
                }
                if self.threads_by_created.get(&(t.created, t.seq)) != Some(tid) {
                    return Err(format!("thread {tid} is not in the creation index"));
                }
                if self.msg_threads.get(&t.msg_id) != Some(tid) {
                    return Err(format!("thread {tid}: parent message claim missing"));
                }
                threads += 1;
            }
        }
        if self.by_created.len() != created {
            return Err("group creation index differs from the live groups".into());
        }
        if self.thread_group.len() != threads
            || self.threads_by_created.len() != threads
            || self.msg_threads.len() != threads
        {
            return Err("thread indexes differ from the live threads".into());
        }
        Ok(())
    }
}

/// Links a user to a thread in their reverse index, with their next thread-join sequence.
fn link_thread(
    users: &mut Map<UserId, UserGroups>,
    u: UserId,
    tid: &ThreadId,
    gid: &GroupId,
    now: Timestamp,
) {
    let x = users.entry(u).or_default();
    x.thread_seq += 1;
    let seq = x.thread_seq;
    x.threads.insert(
        tid.clone(),
        ThreadLink {
            group: gid.clone(),
            joined: now,
            seq,
        },
    );
}
