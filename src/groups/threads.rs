//! Threads (子区, spec §12). A thread lives inside its group's record; the store's table finds
//! it by id. Thread membership requires group membership; leaving the group leaves its
//! threads; destroying it destroys them.
//!
//! The parent message is checked against the messages area's store
//! (`messages::cascade::check_thread_parent`): it must be a stored group message of this
//! group that is not itself a thread's (`T_MSG_NOT_EXIST`, `T_MSG_NOT_GROUP`,
//! `T_MSG_OTHER_GROUP`, `T_NESTED`), and host no live thread (`T_MSG_HAS_THREAD`).
//! `T_MSG_OTHER_APP` cannot happen: message ids are per app.

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{GroupId, ThreadId, UserId, UserName};
use crate::limits::GroupLimits;
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::roster::{BatchItem, Caller, Members, Role, distinct, resolve};
use crate::store::State;
use crate::time::Timestamp;

use super::state::{Group, Thread};
use super::{GroupError, GroupEvent, GroupSort, emit, for_self, gate, open_if};

/// The feature switch of threads (`T_NOT_OPEN`).
fn thread_gate(l: &GroupLimits) -> Result<()> {
    if !l.threads_enabled {
        return Err(GroupError::ThreadNotOpen.into());
    }
    Ok(())
}

fn check_name(l: &GroupLimits, name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > l.thread_name_chars_max {
        return Err(GroupError::ThreadName.into());
    }
    Ok(())
}

/// A page `limit` for thread lists: 1–50, default 50; anything else is `T_QUERY_LIMIT`.
fn thread_limit(l: &GroupLimits, limit: Option<u32>) -> Result<usize> {
    let max = l.thread_page_max;
    match limit {
        None => Ok(max as usize),
        Some(n) if n == 0 || n > max => Err(GroupError::ThreadQueryLimit.into()),
        Some(n) => Ok(n as usize),
    }
}

fn bad_cursor() -> Error {
    GroupError::InvalidParameter("invalid cursor".into()).into()
}

/// The opening of a call on a thread: the thread (`T_NOT_FOUND`), then `before` (a check
/// between existence and permission), then [`gate`] on its group with `ok`. Returns the
/// group's id, the group and the thread.
fn open_thread<'a>(
    st: &'a State,
    thread: &ThreadId,
    caller: &Caller,
    before: impl FnOnce() -> Result<()>,
    ok: impl FnOnce(Role, &Thread) -> bool,
) -> Result<(&'a GroupId, &'a Group, &'a Thread)> {
    let (gid, g, t) = st
        .groups
        .thread(thread)
        .ok_or_else(|| Error::from(GroupError::ThreadNotFound))?;
    before()?;
    gate(g, gid, caller, |r| ok(r, t))?;
    Ok((gid, g, t))
}

/// Reply to [`CreateThread`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadCreated {
    /// The new thread's id.
    pub thread_id: ThreadId,
}

/// Creates a thread under a group message (`POST /thread`, spec H4); the owner (creator)
/// joins it at `now`. Any group member may be the owner; a user caller creates threads they
/// own. The thread id is drawn once every check has passed.
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `400 param_illegal` `T_BAD_BODY`
/// (a field missing, or `msg_id` over `thread_msg_id_bytes_max` bytes); `400 group_error`
/// `T_NAME` (empty or over 64 chars); `404 group_error` `T_GROUP_NOT_FOUND`; `403
/// forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 group_error`
/// `T_USER_NOT_IN_GROUP`; `404 group_error` `T_MSG_NOT_EXIST`; `400 group_error`
/// `T_MSG_NOT_GROUP`, `T_MSG_OTHER_GROUP`, `T_NESTED`; `403 group_error` `T_MSG_HAS_THREAD`;
/// `403 group_error`
/// `T_APP_LIMIT`; `403 group_error` `T_USER_LIMIT`.
///
/// Emits `ThreadCreated`, `ThreadMemberJoined`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct CreateThread {
    /// The group.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_group))]
    pub group: Option<GroupId>,
    /// The name.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_thread_name))]
    pub name: Option<String>,
    /// The parent message's id (≤ `thread_msg_id_bytes_max` bytes).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::msg_id))]
    pub msg_id: Option<String>,
    /// The creator.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_user))]
    pub owner: Option<UserName>,
}

fn tgnf(_: &GroupId) -> Error {
    GroupError::ThreadGroupNotFound.into()
}

impl Exec for CreateThread {
    type Reply = ThreadCreated;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<ThreadCreated> {
        let l = &cx.st.limits.groups;
        thread_gate(l)?;
        let (Some(group), Some(name), Some(msg_id), Some(owner)) =
            (self.group, self.name, self.msg_id, self.owner)
        else {
            return Err(GroupError::ThreadBadBody.into());
        };
        if msg_id.len() > l.thread_msg_id_bytes_max {
            return Err(GroupError::ThreadBadBody.into());
        }
        check_name(l, &name)?;
        let caller = Caller::of(cx.st, cx.actor);
        let me = caller.is(&owner);
        let (g, _) = open_if(cx.st, &group, &caller, tgnf, |r| r.inside() && me)?;
        let Some(uid) = cx.st.users.id(&owner).filter(|u| g.roster.is_member(*u)) else {
            return Err(GroupError::ThreadUserNotInGroup.into());
        };
        crate::messages::cascade::check_thread_parent(cx.st, &group, &msg_id, cx.now)?;
        let groups = &cx.st.groups;
        if groups.msg_has_thread(&msg_id) {
            return Err(GroupError::ThreadMsgHasThread.into());
        }
        if groups.threads_len() as u64 >= l.threads_per_app_max {
            return Err(GroupError::ThreadAppLimit.into());
        }
        if groups.thread_count(uid) >= l.threads_per_user_max {
            return Err(GroupError::ThreadUserLimit.into());
        }
        let tid = ThreadId::from(cx.st.mint().to_string());
        let seq = cx.st.mint();
        let now = cx.now;
        let mut members = Members::default();
        members.insert(uid, owner.clone(), now);
        let thread = Thread {
            name,
            owner: owner.clone(),
            owner_id: uid,
            msg_id: msg_id.into(),
            created: now,
            seq,
            members,
        };
        cx.st.groups.insert_thread(&group, tid.clone(), thread);
        emit(
            &mut cx.out,
            GroupEvent::ThreadCreated {
                group,
                thread: tid.clone(),
                owner: owner.clone(),
            },
        );
        emit(
            &mut cx.out,
            GroupEvent::ThreadMemberJoined {
                thread: tid.clone(),
                user: owner,
            },
        );
        Ok(ThreadCreated { thread_id: tid })
    }
}

/// Renames a thread (`PUT /thread/{t}`, spec H5). Idempotent. Owner and admins of the group,
/// or the thread's creator.
///
/// Errors, in check order: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_NAME`; `404
/// group_error` `T_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `ThreadRenamed`. Returns the name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RenameThread {
    /// The thread.
    pub thread: ThreadId,
    /// The new name.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::thread_name))]
    pub name: String,
}

impl Exec for RenameThread {
    type Reply = String;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<String> {
        let l = &cx.st.limits.groups;
        thread_gate(l)?;
        check_name(l, &self.name)?;
        let caller = Caller::of(cx.st, cx.actor);
        let creator = |t: &Thread| caller.id() == Some(t.owner_id);
        let (gid, _, _) = open_thread(
            cx.st,
            &self.thread,
            &caller,
            || Ok(()),
            |r, t| r.manages() || (r.inside() && creator(t)),
        )?;
        let group = gid.clone();
        cx.st.groups.thread_mut(&self.thread).expect("opened").name = self.name.clone();
        emit(
            &mut cx.out,
            GroupEvent::ThreadRenamed {
                group,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteThread {
    /// The thread.
    pub thread: ThreadId,
}

impl Exec for DeleteThread {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(&cx.st.limits.groups)?;
        let caller = Caller::of(cx.st, cx.actor);
        open_thread(cx.st, &self.thread, &caller, || Ok(()), |r, _| r.manages())?;
        let (group, _) = cx.st.groups.remove_thread(&self.thread).expect("opened");
        emit(
            &mut cx.out,
            GroupEvent::ThreadDestroyed {
                group,
                thread: self.thread,
            },
        );
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListThreadMembers {
    /// The thread.
    pub thread: ThreadId,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// Where to continue.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
}

impl Ask for ListThreadMembers {
    type Reply = Page<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<UserName>> {
        let l = &cx.st.limits.groups;
        thread_gate(l)?;
        let limit = thread_limit(l, self.limit)?;
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                Some(paging::decode::<1>(THREAD_MEMBERS_CURSOR, c).map_err(|_| bad_cursor())?[0])
            }
        };
        let caller = Caller::of(cx.st, cx.actor);
        let (_, _, t) = open_thread(cx.st, &self.thread, &caller, || Ok(()), |r, _| r.inside())?;
        let page: Vec<_> = t.members.after(after).take(limit).collect();
        let cursor = page
            .last()
            .map(|m| paging::encode(THREAD_MEMBERS_CURSOR, &[m.seq()]));
        Ok(Page {
            items: page.into_iter().map(|m| m.name().clone()).collect(),
            cursor,
        })
    }
}

/// Joins group members to a thread (atomic; members already in are no-ops): any user not in
/// the group → `T_USER_NOT_IN_GROUP`; any joining user at the per-user cap → `T_USER_LIMIT`.
/// Emits `ThreadMemberJoined` per user added.
fn join_users(cx: &mut Ctx<'_>, thread: &ThreadId, ids: &[Option<UserId>]) -> Result<()> {
    let (_, g, t) = cx.st.groups.thread(thread).expect("opened");
    let mut joining: Vec<(UserId, UserName)> = Vec::with_capacity(ids.len());
    for id in ids {
        match id.and_then(|i| g.roster.members.get(i)) {
            Some(m) => joining.push((m.id(), m.name().clone())),
            None => return Err(GroupError::ThreadUserNotInGroup.into()),
        }
    }
    let max = cx.st.limits.groups.threads_per_user_max;
    let mut sorted: Vec<UserId> = joining.iter().map(|(u, _)| *u).collect();
    sorted.sort();
    sorted.dedup();
    if sorted
        .iter()
        .any(|u| !t.members.contains(*u) && cx.st.groups.thread_count(*u) >= max)
    {
        return Err(GroupError::ThreadUserLimit.into());
    }
    for (u, name) in joining {
        if cx.st.groups.join_thread(thread, u, name.clone(), cx.now) {
            emit(
                &mut cx.out,
                GroupEvent::ThreadMemberJoined {
                    thread: thread.clone(),
                    user: name,
                },
            );
        }
    }
    Ok(())
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct JoinThreadMembers {
    /// The thread.
    pub thread: ThreadId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

/// The size check of the thread batches (`T_BODY_LIMIT`: none, or over `thread_batch_max`).
fn thread_batch(l: &GroupLimits, users: &[UserName]) -> Result<()> {
    if users.is_empty() || users.len() > l.thread_batch_max {
        return Err(GroupError::ThreadBodyLimit.into());
    }
    Ok(())
}

impl Exec for JoinThreadMembers {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let l = &cx.st.limits.groups;
        thread_gate(l)?;
        thread_batch(l, &self.users)?;
        let caller = Caller::of(cx.st, cx.actor);
        let ids = resolve(cx.st, &self.users);
        open_thread(cx.st, &self.thread, &caller, || Ok(()), |r, _| r.manages())?;
        join_users(cx, &self.thread, &ids)?;
        Ok(true)
    }
}

/// Takes users out of a thread: per user `true` if removed, `false` if not a thread member.
/// Emits `ThreadMemberRemoved` per user removed.
fn kick(cx: &mut Ctx<'_>, thread: &ThreadId, names: &[UserName]) -> Vec<BatchItem> {
    let ids = resolve(cx.st, names);
    let mut items = Vec::with_capacity(names.len());
    for (n, id) in names.iter().zip(ids) {
        if id.is_some_and(|u| cx.st.groups.leave_thread(thread, u)) {
            emit(
                &mut cx.out,
                GroupEvent::ThreadMemberRemoved {
                    thread: thread.clone(),
                    user: n.clone(),
                },
            );
            items.push(BatchItem::ok(n.clone()));
        } else {
            items.push(BatchItem::fail(
                n.clone(),
                format!("user {n} is not a member of the thread"),
            ));
        }
    }
    items
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct KickThreadMembers {
    /// The thread.
    pub thread: ThreadId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for KickThreadMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let l = &cx.st.limits.groups;
        thread_gate(l)?;
        thread_batch(l, &self.users)?;
        let caller = Caller::of(cx.st, cx.actor);
        open_thread(cx.st, &self.thread, &caller, || Ok(()), |r, _| r.manages())?;
        Ok(kick(cx, &self.thread, &distinct(&self.users)))
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct JoinThread {
    /// The thread.
    pub thread: ThreadId,
    /// Who.
    pub user: UserName,
}

impl Exec for JoinThread {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(&cx.st.limits.groups)?;
        let caller = Caller::of(cx.st, cx.actor);
        open_thread(
            cx.st,
            &self.thread,
            &caller,
            || for_self(&caller, &self.user),
            |r, _| r.inside(),
        )?;
        let id = cx.st.users.id(&self.user);
        join_users(cx, &self.thread, &[id])?;
        Ok(true)
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct LeaveThread {
    /// The thread.
    pub thread: ThreadId,
    /// Who.
    pub user: UserName,
}

impl Exec for LeaveThread {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        thread_gate(&cx.st.limits.groups)?;
        let caller = Caller::of(cx.st, cx.actor);
        open_thread(
            cx.st,
            &self.thread,
            &caller,
            || for_self(&caller, &self.user),
            |r, _| r.inside(),
        )?;
        Ok(kick(cx, &self.thread, &[self.user])[0].result)
    }
}

const APP_THREADS_CURSOR: &str = "t";

/// Decodes a `(time, sequence)` cursor of a thread list.
fn time_cursor(tag: &str, cursor: &Option<String>) -> Result<Option<(Timestamp, u64)>> {
    match cursor {
        None => Ok(None),
        Some(c) => {
            let [t, s] = paging::decode::<2>(tag, c).map_err(|_| bad_cursor())?;
            Ok(Some((Timestamp(t as i64), s)))
        }
    }
}

/// The app's threads by creation time (`GET /thread?limit&cursor&sort`, spec H1): newest first
/// by default. Items are ids. `limit` 1–50, default 50. The cursor is returned whenever the
/// page is non-empty (an empty page is the end); it marks a position. App admin only.
///
/// Errors: `403 group_error` `T_NOT_OPEN`; `400 group_error` `T_QUERY_LIMIT`; `400
/// invalid_parameter` "invalid cursor"; `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListAppThreads {
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// Where to continue.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
    /// Order (default newest first).
    pub sort: Option<GroupSort>,
}

impl Ask for ListAppThreads {
    type Reply = Page<ThreadId>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<ThreadId>> {
        let l = &cx.st.limits.groups;
        thread_gate(l)?;
        let limit = thread_limit(l, self.limit)?;
        let after = time_cursor(APP_THREADS_CURSOR, &self.cursor)?;
        if !cx.actor.is_admin() {
            return Err(GroupError::PermissionDenied.into());
        }
        let desc = self.sort.unwrap_or(GroupSort::Desc) == GroupSort::Desc;
        let page: Vec<_> = cx
            .st
            .groups
            .threads_created(after, desc)
            .take(limit)
            .collect();
        let cursor = page
            .last()
            .map(|((t, s), _)| paging::encode(APP_THREADS_CURSOR, &[t.0 as u64, *s]));
        Ok(Page {
            items: page.into_iter().map(|(_, id)| id.clone()).collect(),
            cursor,
        })
    }
}

/// A thread as the per-user lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInfo {
    /// Id.
    pub id: ThreadId,
    /// Name.
    pub name: String,
    /// The creator.
    pub owner: UserName,
    /// The parent message.
    pub msg_id: String,
    /// The group.
    pub group_id: GroupId,
    /// When it was created.
    pub created: Timestamp,
}

const USER_THREADS_CURSOR: &str = "ut";

/// The threads a user is in (optionally of one group), by their join time, with paging.
fn user_threads(
    cx: &ReadCtx<'_>,
    user: &UserName,
    group: Option<&GroupId>,
    limit: Option<u32>,
    cursor: &Option<String>,
    sort: Option<GroupSort>,
) -> Result<Page<ThreadInfo>> {
    let st = cx.st;
    let l = &st.limits.groups;
    thread_gate(l)?;
    let limit = thread_limit(l, limit)?;
    let after = time_cursor(USER_THREADS_CURSOR, cursor)?;
    let caller = Caller::of(st, cx.actor);
    for_self(&caller, user)?;
    // A disabled group refuses every user call on it or its threads (spec §3).
    if let Some(gid) = group
        && !caller.is_admin()
        && st.groups.get(gid).is_some_and(|g| g.disabled)
    {
        return Err(GroupError::GroupDisabled(gid.to_string()).into());
    }
    // An unknown group is not an empty list (issue 14).
    if let Some(gid) = group
        && st.groups.get(gid).is_none()
    {
        return Err(GroupError::GroupNotFound(gid.to_string()).into());
    }
    // Ordered by (join time, the user's thread-join sequence): a total order that a leave
    // between pages does not shift, so the cursor (the last key returned) never skips.
    let mut links: Vec<((Timestamp, u64), &ThreadId, &GroupId)> = st
        .users
        .id(user)
        .and_then(|u| st.groups.user(u))
        .map(|x| {
            x.threads
                .iter()
                .filter(|(_, l)| group.is_none_or(|g| l.group == *g))
                .map(|(t, l)| ((l.joined, l.seq), t, &l.group))
                .collect()
        })
        .unwrap_or_default();
    links.sort_by_key(|l| l.0);
    let desc = sort.unwrap_or(GroupSort::Desc) == GroupSort::Desc;
    if desc {
        links.reverse();
    }
    let from = match after {
        None => 0,
        Some(k) => links.partition_point(|l| if desc { l.0 >= k } else { l.0 <= k }),
    };
    let page = &links[from..links.len().min(from + limit)];
    let items = page
        .iter()
        .map(|(_, tid, gid)| {
            let (_, _, t) = st.groups.thread(tid).expect("indexed");
            ThreadInfo {
                id: (*tid).clone(),
                name: t.name.clone(),
                owner: t.owner.clone(),
                msg_id: t.msg_id.to_string(),
                group_id: (*gid).clone(),
                created: t.created,
            }
        })
        .collect();
    let cursor = page
        .last()
        .map(|((t, q), _, _)| paging::encode(USER_THREADS_CURSOR, &[t.0 as u64, *q]));
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListUserThreads {
    /// Whose.
    pub user: UserName,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// Where to continue.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
    /// Order (default newest first).
    pub sort: Option<GroupSort>,
}

impl Ask for ListUserThreads {
    type Reply = Page<ThreadInfo>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<ThreadInfo>> {
        user_threads(cx, &self.user, None, self.limit, &self.cursor, self.sort)
    }
}

/// [`ListUserThreads`] restricted to one group (`GET /threads/chatgroups/{g}/user/{uid}`, spec
/// H3). Errors as [`ListUserThreads`], then `403 forbidden_op` `GROUP_DISABLED` for a user
/// caller when the group is disabled (spec §3), `404 resource_not_found` `GROUP_NOT_FOUND` for
/// an unknown group (issue 14; it listed nothing before).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListUserThreadsInGroup {
    /// The group.
    pub group: GroupId,
    /// Whose.
    pub user: UserName,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// Where to continue.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
    /// Order (default newest first).
    pub sort: Option<GroupSort>,
}

impl Ask for ListUserThreadsInGroup {
    type Reply = Page<ThreadInfo>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<ThreadInfo>> {
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
