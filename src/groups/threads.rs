//! Threads (子区, spec §12). A thread lives inside its group's state, so thread operations
//! lock the group (then the users whose thread index changes). Thread membership requires
//! group membership; leaving the group leaves its threads; destroying it destroys them.
//!
//! There is no message registry yet: of the parent-message checks only `T_MSG_HAS_THREAD`
//! runs (a message id hosts at most one live thread); `T_MSG_NOT_EXIST`, `T_MSG_OTHER_APP`,
//! `T_MSG_NOT_GROUP`, `T_MSG_OTHER_GROUP` and `T_NESTED` are skipped (spec OPEN 12) until the
//! messaging area provides one.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::Ctx;
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::{UserCell, UserState, lock_users};
use crate::time::Timestamp;

use super::model::{GroupState, ThreadState};
use super::{
    Caller, GroupBatchItem, GroupCell, GroupError, GroupEvent, GroupSort, ThreadLink, emit, gate,
    need,
};

fn thread_gate(cx: &Ctx<'_>) -> Result<()> {
    if !cx.app.limits.groups.threads_enabled {
        return Err(GroupError::ThreadNotOpen.into());
    }
    Ok(())
}

fn tnf() -> crate::error::Error {
    GroupError::ThreadNotFound.into()
}

/// The group cell holding a live thread, or `T_NOT_FOUND`.
fn thread_cell(cx: &Ctx<'_>, thread: &str) -> Result<Arc<GroupCell>> {
    cx.app.groups.thread_cell(thread).ok_or_else(tnf)
}

fn check_name(cx: &Ctx<'_>, name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > cx.app.limits.groups.thread_name_chars_max {
        return Err(GroupError::ThreadName.into());
    }
    Ok(())
}

/// A page `limit` for thread lists: 1–50, default 50; anything else is `T_QUERY_LIMIT`.
fn thread_limit(cx: &Ctx<'_>, limit: Option<u32>) -> Result<usize> {
    let max = cx.app.limits.groups.thread_page_max;
    match limit {
        None => Ok(max as usize),
        Some(n) if n == 0 || n > max => Err(GroupError::ThreadQueryLimit.into()),
        Some(n) => Ok(n as usize),
    }
}

fn bad_cursor() -> crate::error::Error {
    GroupError::InvalidParameter("invalid cursor".into()).into()
}

/// Reply to [`CreateThread`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadCreated {
    /// The new thread's id.
    pub thread_id: String,
}

/// Creates a thread under a group message (`POST /thread`, spec H4); the owner (creator)
/// joins it at `now`. Any group member may be the owner; a user caller creates threads they
/// own.
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `400 param_illegal` `T_BAD_BODY`
/// (a field missing, or `msg_id` over `thread_msg_id_bytes_max` bytes); `400 group_error` `T_NAME` (empty or over 64 chars); `404 group_error`
/// `T_GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `404
/// group_error` `T_USER_NOT_IN_GROUP`; `403 group_error` `T_MSG_HAS_THREAD`; `403 group_error`
/// `T_APP_LIMIT`; `403 group_error` `T_USER_LIMIT`.
///
/// Emits `ThreadCreated`, `ThreadMemberJoined`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateThread {
    /// The group.
    pub group: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// The parent message's id (≤ `thread_msg_id_bytes_max` bytes).
    pub msg_id: Option<String>,
    /// The creator.
    pub owner: Option<UserName>,
}

impl Exec for CreateThread {
    type Reply = ThreadCreated;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<ThreadCreated> {
        thread_gate(cx)?;
        let (Some(group), Some(name), Some(msg_id), Some(owner)) =
            (self.group, self.name, self.msg_id, self.owner)
        else {
            return Err(GroupError::ThreadBadBody.into());
        };
        if msg_id.len() > cx.app.limits.groups.thread_msg_id_bytes_max {
            return Err(GroupError::ThreadBadBody.into());
        }
        check_name(cx, &name)?;
        let caller = Caller::of(cx);
        let ocell = cx.app.user(&owner);
        let tgnf = |_: &str| -> crate::error::Error { GroupError::ThreadGroupNotFound.into() };
        let cell = super::find_group(cx, &group, tgnf)?;
        let mut g = super::write_group(&cell, tgnf)?;
        let me = matches!(&caller, Caller::User(u, _) if *u == owner);
        gate(&g, &group, &caller, |r| r.is_some() && me)?;
        let Some(ocell) = ocell.filter(|c| g.is_member(c.id)) else {
            return Err(GroupError::ThreadUserNotInGroup.into());
        };
        let mut s = ocell.state.write();
        if s.gone {
            return Err(GroupError::ThreadUserNotInGroup.into());
        }
        let l = &cx.app.limits.groups;
        let store = &cx.app.groups;
        let tid: Arc<str> = cx.app.next_id().to_string().into();
        let msg: Arc<str> = msg_id.into();
        {
            // Leaf lock: only atomics and the user's already-locked state inside.
            let mut claims = store.msg_threads.lock();
            if claims.contains_key(&msg) {
                return Err(GroupError::ThreadMsgHasThread.into());
            }
            if !store.reserve_thread(l.threads_per_app_max) {
                return Err(GroupError::ThreadAppLimit.into());
            }
            if thread_count(&s) >= l.threads_per_user_max {
                store.release_thread();
                return Err(GroupError::ThreadUserLimit.into());
            }
            claims.insert(Arc::clone(&msg), Arc::clone(&tid));
        }
        let now = cx.now;
        let seq = cx.app.next_id();
        let mut members = IndexMap::new();
        members.insert(ocell.id, (owner.clone(), now, 1));
        g.threads.insert(
            Arc::clone(&tid),
            ThreadState {
                name,
                owner: owner.clone(),
                owner_id: ocell.id,
                msg_id: msg,
                created: now,
                seq,
                members,
                join_seq: 1,
            },
        );
        let x = &mut s.extra_mut().groups;
        x.thread_seq += 1;
        let link_seq = x.thread_seq;
        x.threads.insert(
            Arc::clone(&tid),
            ThreadLink {
                group: Arc::clone(&cell.id),
                joined: now,
                seq: link_seq,
            },
        );
        store.threads.insert(Arc::clone(&tid), Arc::clone(&cell));
        store
            .threads_by_created
            .lock()
            .insert((now, seq), Arc::clone(&tid));
        drop(s);
        drop(g);
        emit(
            cx,
            GroupEvent::ThreadCreated {
                group,
                thread: tid.to_string(),
                owner: owner.clone(),
            },
        );
        emit(
            cx,
            GroupEvent::ThreadMemberJoined {
                thread: tid.to_string(),
                user: owner,
            },
        );
        Ok(ThreadCreated {
            thread_id: tid.to_string(),
        })
    }
}

/// How many threads a user is in.
pub(crate) fn thread_count(s: &UserState) -> usize {
    s.extra().map_or(0, |x| x.groups.threads.len())
}

/// Write-locks the group of a live thread; `T_NOT_FOUND` if it is gone.
fn lock_thread<'a>(
    cell: &'a GroupCell,
    thread: &str,
) -> Result<parking_lot::RwLockWriteGuard<'a, GroupState>> {
    let g = cell.state.write();
    if g.gone || !g.threads.contains_key(thread) {
        return Err(tnf());
    }
    Ok(g)
}

fn read_thread<'a>(
    cell: &'a GroupCell,
    thread: &str,
) -> Result<parking_lot::RwLockReadGuard<'a, GroupState>> {
    let g = cell.state.read();
    if g.gone || !g.threads.contains_key(thread) {
        return Err(tnf());
    }
    Ok(g)
}

/// Renames a thread (`PUT /thread/{t}`, spec H5). Idempotent. Owner and admins of the group,
/// or the thread's creator.
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_NAME`; `404
/// group_error` `T_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `ThreadRenamed`. Returns the name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameThread {
    /// The thread.
    pub thread: String,
    /// The new name.
    pub name: String,
}

impl Exec for RenameThread {
    type Reply = String;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<String> {
        thread_gate(cx)?;
        check_name(cx, &self.name)?;
        let caller = Caller::of(cx);
        let cell = thread_cell(cx, &self.thread)?;
        let mut g = lock_thread(&cell, &self.thread)?;
        let creator = caller.id() == Some(g.threads[self.thread.as_str()].owner_id);
        gate(&g, &cell.id, &caller, |r| {
            need::staff(r) || (r.is_some() && creator)
        })?;
        g.threads[self.thread.as_str()].name = self.name.clone();
        drop(g);
        emit(
            cx,
            GroupEvent::ThreadRenamed {
                group: cell.id.to_string(),
                thread: self.thread,
            },
        );
        Ok(self.name)
    }
}

/// Destroys a thread (`DELETE /thread/{t}`, spec H6): memberships go; the parent message may
/// host a new thread afterwards. Owner and admins of the group.
///
/// Errors: `403 group_error` `T_NOT_OPEN`; `404 group_error` `T_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `ThreadDestroyed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteThread {
    /// The thread.
    pub thread: String,
}

impl Exec for DeleteThread {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(cx)?;
        let caller = Caller::of(cx);
        let cell = thread_cell(cx, &self.thread)?;
        let mut g = lock_thread(&cell, &self.thread)?;
        gate(&g, &cell.id, &caller, need::staff)?;
        let tid: Arc<str> = self.thread.as_str().into();
        let cells: Vec<Arc<UserCell>> = g.threads[&tid]
            .members
            .keys()
            .filter_map(|u| g.members.get(u).map(|m| Arc::clone(&m.cell)))
            .collect();
        let mut guards = lock_users(&cells);
        let mut users: HashMap<UserId, &mut UserState> =
            guards.iter_mut().map(|(id, s)| (*id, &mut **s)).collect();
        g.drop_thread(cx, &cell.id, &tid, &mut users);
        Ok(true)
    }
}

const THREAD_MEMBERS_CURSOR: &str = "tm";

/// A thread's members in join order, the creator first (`GET /thread/{t}/users`, spec H7).
/// `limit` 1–50, default 50. The cursor is returned whenever the page is non-empty; an empty
/// page is the end. The cursor carries the last member's thread join sequence (strictly
/// increasing, never reused), so members leaving between pages never make the next page skip
/// anyone still in. Group members.
///
/// Errors: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_QUERY_LIMIT`; `400
/// invalid_parameter` "invalid cursor"; `404 group_error` `T_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListThreadMembers {
    /// The thread.
    pub thread: String,
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
}

impl Ask for ListThreadMembers {
    type Reply = Page<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<UserName>> {
        thread_gate(cx)?;
        let limit = thread_limit(cx, self.limit)?;
        let after = match &self.cursor {
            None => 0,
            Some(c) => paging::decode::<1>(THREAD_MEMBERS_CURSOR, c).map_err(|_| bad_cursor())?[0],
        };
        let caller = Caller::of(cx);
        let cell = thread_cell(cx, &self.thread)?;
        let g = read_thread(&cell, &self.thread)?;
        gate(&g, &cell.id, &caller, need::member)?;
        let t = &g.threads[self.thread.as_str()];
        // Join sequences increase along the (join-ordered) map: the page starts strictly after
        // the cursor's sequence, whether or not that member is still in.
        let from = t.members.partition_point(|_, (_, _, seq)| *seq <= after);
        let page: Vec<(UserName, u64)> = t
            .members
            .values()
            .skip(from)
            .take(limit)
            .map(|(n, _, seq)| (n.clone(), *seq))
            .collect();
        let cursor = page
            .last()
            .map(|(_, seq)| paging::encode(THREAD_MEMBERS_CURSOR, &[*seq]));
        let items = page.into_iter().map(|(n, _)| n).collect();
        Ok(Page { items, cursor })
    }
}

/// Adds a locked user to a thread of a locked group (the caller checked membership and caps).
fn thread_join(
    g: &mut GroupState,
    gid: &Arc<str>,
    tid: &Arc<str>,
    uid: UserId,
    s: &mut UserState,
    now: Timestamp,
) -> bool {
    let t = g.threads.get_mut(tid).expect("locked live thread");
    if t.members.contains_key(&uid) {
        return false;
    }
    t.join_seq += 1;
    t.members.insert(uid, (s.name.clone(), now, t.join_seq));
    let x = &mut s.extra_mut().groups;
    x.thread_seq += 1;
    let link_seq = x.thread_seq;
    x.threads.insert(
        Arc::clone(tid),
        ThreadLink {
            group: Arc::clone(gid),
            joined: now,
            seq: link_seq,
        },
    );
    true
}

/// Joins up to 10 group members to a thread (`POST /thread/{t}/users`, spec H8); atomic;
/// members already in are no-ops. Owner and admins of the group.
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_BODY_LIMIT`
/// (0 or over 10 names); `404 group_error` `T_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `404 group_error` `T_USER_NOT_IN_GROUP` (any name); `403 group_error`
/// `T_USER_LIMIT` (any joining user).
///
/// Emits `ThreadMemberJoined` per user added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinThreadMembers {
    /// The thread.
    pub thread: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for JoinThreadMembers {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(cx)?;
        if self.users.is_empty() || self.users.len() > cx.app.limits.groups.thread_batch_max {
            return Err(GroupError::ThreadBodyLimit.into());
        }
        let caller = Caller::of(cx);
        let ids: Vec<Option<UserId>> = self
            .users
            .iter()
            .map(|n| cx.app.user(n).map(|c| c.id))
            .collect();
        let cell = thread_cell(cx, &self.thread)?;
        let g = lock_thread(&cell, &self.thread)?;
        gate(&g, &cell.id, &caller, need::staff)?;
        join_users(cx, &cell, g, &self.thread, &ids)
    }
}

fn join_users(
    cx: &mut Ctx<'_>,
    cell: &GroupCell,
    mut g: parking_lot::RwLockWriteGuard<'_, GroupState>,
    thread: &str,
    ids: &[Option<UserId>],
) -> Result<bool> {
    let mut cells: Vec<Arc<UserCell>> = Vec::with_capacity(ids.len());
    for id in ids {
        match id.and_then(|i| g.members.get(&i)) {
            Some(m) => cells.push(Arc::clone(&m.cell)),
            None => return Err(GroupError::ThreadUserNotInGroup.into()),
        }
    }
    let tid: Arc<str> = thread.into();
    let mut guards = lock_users(&cells);
    let max = cx.app.limits.groups.threads_per_user_max;
    for (id, s) in &guards {
        if s.gone {
            return Err(GroupError::ThreadUserNotInGroup.into());
        }
        if !g.threads[&tid].members.contains_key(id) && thread_count(s) >= max {
            return Err(GroupError::ThreadUserLimit.into());
        }
    }
    let now = cx.now;
    for c in &cells {
        let i = guards.iter().position(|(x, _)| *x == c.id).unwrap_or(0);
        let s = &mut *guards[i].1;
        if thread_join(&mut g, &cell.id, &tid, c.id, s, now) {
            let user = s.name.clone();
            emit(
                cx,
                GroupEvent::ThreadMemberJoined {
                    thread: tid.to_string(),
                    user,
                },
            );
        }
    }
    Ok(true)
}

/// Removes up to 10 users from a thread (`DELETE /thread/{t}/users`, spec H9): per user
/// `true` if removed, `false` if not a thread member; no "all failed" error. The thread's
/// creator may be kicked (they stay recorded as its owner). Owner and admins of the group.
///
/// Errors: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_BODY_LIMIT`; `404 group_error`
/// `T_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `ThreadMemberRemoved` per user removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KickThreadMembers {
    /// The thread.
    pub thread: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for KickThreadMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        thread_gate(cx)?;
        if self.users.is_empty() || self.users.len() > cx.app.limits.groups.thread_batch_max {
            return Err(GroupError::ThreadBodyLimit.into());
        }
        let caller = Caller::of(cx);
        let names = super::dedup(&self.users);
        let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
        let cell = thread_cell(cx, &self.thread)?;
        let mut g = lock_thread(&cell, &self.thread)?;
        gate(&g, &cell.id, &caller, need::staff)?;
        kick(cx, &cell, &mut g, &self.thread, &names, &ids)
    }
}

fn kick(
    cx: &mut Ctx<'_>,
    cell: &GroupCell,
    g: &mut GroupState,
    thread: &str,
    names: &[UserName],
    ids: &[Option<UserId>],
) -> Result<Vec<GroupBatchItem>> {
    let tid: Arc<str> = thread.into();
    let _ = cell;
    let cells: Vec<Arc<UserCell>> = ids
        .iter()
        .flatten()
        .filter(|u| g.threads[&tid].members.contains_key(*u))
        .filter_map(|u| g.members.get(u).map(|m| Arc::clone(&m.cell)))
        .collect();
    let mut guards = lock_users(&cells);
    let mut items = Vec::with_capacity(names.len());
    for (n, id) in names.iter().zip(ids) {
        let removed = id.is_some_and(|u| {
            g.threads
                .get_mut(&tid)
                .is_some_and(|t| t.members.shift_remove(&u).is_some())
        });
        if removed && let Some(u) = id {
            if let Some((_, s)) = guards.iter_mut().find(|(x, _)| x == u)
                && let Some(x) = s.extra.as_deref_mut()
            {
                x.groups.threads.shift_remove(&tid);
            }
            emit(
                cx,
                GroupEvent::ThreadMemberRemoved {
                    thread: tid.to_string(),
                    user: n.clone(),
                },
            );
        }
        items.push(GroupBatchItem {
            user: n.clone(),
            result: removed,
            reason: (!removed).then(|| format!("user {n} is not a member of the thread")),
        });
    }
    Ok(items)
}

fn for_self(caller: &Caller, user: &UserName) -> Result<()> {
    match caller {
        Caller::Admin => Ok(()),
        Caller::User(u, _) if u == user => Ok(()),
        _ => Err(GroupError::PermissionDenied.into()),
    }
}

/// A group member joins a thread (spec H10); idempotent. A user joins only themself, and only
/// as a member of the thread's group: the roles matrix (spec §3, "Join / leave thread",
/// non-member ✗) makes a non-member user's call `PERMISSION_DENIED`; `T_USER_NOT_IN_GROUP`
/// (spec H8, OPEN 12) is what the app admin gets for a target outside the group.
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `404 group_error` `T_NOT_FOUND`;
/// `403 forbidden_op` `PERMISSION_DENIED` (another user); `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED` (a user outside the group); `404 group_error` `T_USER_NOT_IN_GROUP`
/// (admin callers); `403 group_error` `T_USER_LIMIT`.
///
/// Emits `ThreadMemberJoined` when they joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinThread {
    /// The thread.
    pub thread: String,
    /// Who.
    pub user: UserName,
}

impl Exec for JoinThread {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(cx)?;
        let caller = Caller::of(cx);
        let id = cx.app.user(&self.user).map(|c| c.id);
        let cell = thread_cell(cx, &self.thread)?;
        let g = lock_thread(&cell, &self.thread)?;
        for_self(&caller, &self.user)?;
        gate(&g, &cell.id, &caller, need::member)?;
        join_users(cx, &cell, g, &self.thread, &[id])
    }
}

/// A user leaves a thread (spec H10). A user leaves only themself; not a thread member:
/// `false`. A user outside the thread's group is refused (roles matrix, as [`JoinThread`]).
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `404 group_error` `T_NOT_FOUND`;
/// `403 forbidden_op` `PERMISSION_DENIED` (another user); `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED` (a user outside the group).
///
/// Emits `ThreadMemberRemoved` when they left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveThread {
    /// The thread.
    pub thread: String,
    /// Who.
    pub user: UserName,
}

impl Exec for LeaveThread {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(cx)?;
        let caller = Caller::of(cx);
        let id = cx.app.user(&self.user).map(|c| c.id);
        let cell = thread_cell(cx, &self.thread)?;
        let mut g = lock_thread(&cell, &self.thread)?;
        for_self(&caller, &self.user)?;
        gate(&g, &cell.id, &caller, need::member)?;
        let items = kick(
            cx,
            &cell,
            &mut g,
            &self.thread,
            std::slice::from_ref(&self.user),
            &[id],
        )?;
        Ok(items[0].result)
    }
}

const APP_THREADS_CURSOR: &str = "t";

/// The app's threads by creation time (`GET /thread?limit&cursor&sort`, spec H1): newest first
/// by default. Items are ids. `limit` 1–50, default 50. The cursor is returned whenever the
/// page is non-empty (an empty page is the end); it marks a position. App admin only.
///
/// Errors: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_QUERY_LIMIT`; `400
/// invalid_parameter` "invalid cursor"; `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAppThreads {
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
    /// Order (default newest first).
    pub sort: Option<GroupSort>,
}

impl Ask for ListAppThreads {
    type Reply = Page<String>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<String>> {
        thread_gate(cx)?;
        let limit = thread_limit(cx, self.limit)?;
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                let [t, s] =
                    paging::decode::<2>(APP_THREADS_CURSOR, c).map_err(|_| bad_cursor())?;
                Some((Timestamp(t as i64), s))
            }
        };
        if !Caller::of(cx).is_admin() {
            return Err(GroupError::PermissionDenied.into());
        }
        let idx = cx.app.groups.threads_by_created.lock();
        let page: Vec<((Timestamp, u64), Arc<str>)> =
            match (self.sort.unwrap_or(GroupSort::Desc), after) {
                (GroupSort::Desc, None) => idx
                    .iter()
                    .rev()
                    .take(limit)
                    .map(|(k, v)| (*k, v.clone()))
                    .collect(),
                (GroupSort::Desc, Some(k)) => idx
                    .range(..k)
                    .rev()
                    .take(limit)
                    .map(|(k, v)| (*k, v.clone()))
                    .collect(),
                (GroupSort::Asc, None) => idx
                    .iter()
                    .take(limit)
                    .map(|(k, v)| (*k, v.clone()))
                    .collect(),
                (GroupSort::Asc, Some(k)) => idx
                    .range((std::ops::Bound::Excluded(k), std::ops::Bound::Unbounded))
                    .take(limit)
                    .map(|(k, v)| (*k, v.clone()))
                    .collect(),
            };
        drop(idx);
        let cursor = page
            .last()
            .map(|((t, s), _)| paging::encode(APP_THREADS_CURSOR, &[t.0 as u64, *s]));
        Ok(Page {
            items: page.into_iter().map(|(_, id)| id.to_string()).collect(),
            cursor,
        })
    }
}

/// A thread as the per-user lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The creator.
    pub owner: UserName,
    /// The parent message.
    pub msg_id: String,
    /// The group.
    pub group_id: String,
    /// When it was created.
    pub created: Timestamp,
}

/// A user's thread link: (join time, join sequence) key, thread, group.
type UserThreadLink = ((Timestamp, u64), Arc<str>, Arc<str>);

fn user_threads(
    cx: &Ctx<'_>,
    user: &UserName,
    group: Option<&str>,
    limit: Option<u32>,
    cursor: &Option<String>,
    sort: Option<GroupSort>,
) -> Result<Page<ThreadInfo>> {
    thread_gate(cx)?;
    let limit = thread_limit(cx, limit)?;
    let after = match cursor {
        None => None,
        Some(c) => Some(paging::decode::<2>("ut", c).map_err(|_| bad_cursor())?),
    };
    let caller = Caller::of(cx);
    for_self(&caller, user)?;
    // A disabled group refuses every user call on it or its threads (spec §3).
    if let Some(gid) = group
        && !caller.is_admin()
        && let Some(cell) = cx.app.groups.cell(gid)
    {
        let g = cell.state.read();
        if !g.gone && g.disabled {
            return Err(GroupError::GroupDisabled(gid.to_string()).into());
        }
    }
    // Ordered by (join time, the user's thread-join sequence): a total order that a leave
    // between pages does not shift, so the cursor (the last key returned) never skips.
    let mut links: Vec<UserThreadLink> = match cx.app.user(user) {
        None => Vec::new(),
        Some(c) => {
            let s = c.state.read();
            s.extra()
                .map(|x| {
                    x.groups
                        .threads
                        .iter()
                        .filter(|(_, l)| group.is_none_or(|g| *l.group == *g))
                        .map(|(t, l)| ((l.joined, l.seq), Arc::clone(t), Arc::clone(&l.group)))
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    links.sort_by_key(|l| l.0);
    let desc = sort.unwrap_or(GroupSort::Desc) == GroupSort::Desc;
    if desc {
        links.reverse();
    }
    let from = match after {
        None => 0,
        Some([t, q]) => {
            let k = (Timestamp(t as i64), q);
            links.partition_point(|l| if desc { l.0 >= k } else { l.0 <= k })
        }
    };
    let mut items = Vec::new();
    let page = &links[from..links.len().min(from + limit)];
    for (_, tid, gid) in page {
        let Some(cell) = cx.app.groups.cell(gid) else {
            continue;
        };
        let g = cell.state.read();
        if let Some(t) = g.threads.get(tid) {
            items.push(ThreadInfo {
                id: tid.to_string(),
                name: t.name.clone(),
                owner: t.owner.clone(),
                msg_id: t.msg_id.to_string(),
                group_id: gid.to_string(),
                created: t.created,
            });
        }
    }
    let cursor = page
        .last()
        .map(|((t, q), _, _)| paging::encode("ut", &[t.0 as u64, *q]));
    Ok(Page { items, cursor })
}

/// The threads a user is in, by their join time, newest first by default (`GET
/// /threads/user/{uid}`, spec H2). Paging as [`ListAppThreads`]; the cursor is a position in
/// the user's list. The cursor is the last item's (join time, per-user join sequence) key, so
/// leaving a thread between pages skips no one. The app admin, or the user themself.
///
/// Errors: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_QUERY_LIMIT`; `400
/// invalid_parameter` "invalid cursor"; `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUserThreads {
    /// Whose.
    pub user: UserName,
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
    /// Order (default newest first).
    pub sort: Option<GroupSort>,
}

impl Ask for ListUserThreads {
    type Reply = Page<ThreadInfo>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<ThreadInfo>> {
        user_threads(cx, &self.user, None, self.limit, &self.cursor, self.sort)
    }
}

/// [`ListUserThreads`] restricted to one group (`GET /threads/chatgroups/{g}/user/{uid}`, spec
/// H3). Errors as [`ListUserThreads`], then `403 forbidden_op` `GROUP_DISABLED` for a user
/// caller when the group is disabled (spec §3). An unknown group lists nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUserThreadsInGroup {
    /// The group.
    pub group: String,
    /// Whose.
    pub user: UserName,
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
    /// Order (default newest first).
    pub sort: Option<GroupSort>,
}

impl Ask for ListUserThreadsInGroup {
    type Reply = Page<ThreadInfo>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<ThreadInfo>> {
        user_threads(
            cx,
            &self.user,
            Some(&self.group),
            self.limit,
            &self.cursor,
            self.sort,
        )
    }
}
