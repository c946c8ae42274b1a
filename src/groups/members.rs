//! Membership (spec §5) and the user-initiated flows (§13): add one or many, remove one or
//! many, member lists, leave, join (with approval), invite (with confirmation); C-LEAVE.

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId, UserName};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::roster::{BatchItem, Caller, Member, Role, distinct, resolve};
use crate::store::State;
use crate::time::Timestamp;

use super::state::Group;
use super::{
    GroupError, GroupEvent, GroupSort, LeaveReason, batch_size, emit, find, for_self, gate, gnf,
    group_mut, not_members, open, open_batch, open_if, ordinary_only,
};

/// C-LEAVE (spec §14): takes a non-owner member out of the members, the admins, the explicit
/// allow list, the attributes and every thread of the group, and unlinks them. Keeps their
/// mute and block entries, files and the threads they created. Emits `ThreadMemberRemoved`
/// per thread left, then `MemberLeft`.
pub(crate) fn leave(cx: &mut Ctx<'_>, gid: &GroupId, uid: UserId, reason: LeaveReason) {
    let Some((m, threads)) = cx.st.groups.leave(gid, uid, cx.now) else {
        return;
    };
    let g = group_mut(cx.st, gid);
    debug_assert_ne!(uid, g.roster.owner);
    g.roster.disallow(uid);
    g.attrs.remove(&uid);
    for thread in threads {
        emit(
            &mut cx.out,
            GroupEvent::ThreadMemberRemoved {
                thread,
                user: m.name.clone(),
            },
        );
    }
    emit(
        &mut cx.out,
        GroupEvent::MemberLeft {
            group: gid.clone(),
            user: m.name,
            reason,
        },
    );
}

fn unknown(n: &UserName) -> Error {
    GroupError::UserNotFound(n.to_string()).into()
}

/// The ids of registered users, or `USER_NOT_FOUND` for the first unknown name. Called after
/// the permission step, so outsiders cannot probe usernames.
fn known(st: &State, names: &[UserName]) -> Result<Vec<UserId>> {
    names
        .iter()
        .map(|n| st.users.id(n).ok_or_else(|| unknown(n)))
        .collect()
}

/// `USER_BLOCKED`.
fn blocked(user: &UserName, gid: &GroupId) -> Error {
    GroupError::UserBlocked {
        user: user.to_string(),
        group: gid.to_string(),
    }
    .into()
}

/// The positions of the users who are not members yet, or `ALREADY_MEMBER` naming the first
/// user when every one is.
fn newcomers(gid: &GroupId, g: &Group, names: &[UserName], ids: &[UserId]) -> Result<Vec<usize>> {
    let fresh: Vec<usize> = (0..ids.len())
        .filter(|&k| !g.roster.is_member(ids[k]))
        .collect();
    if fresh.is_empty() {
        return Err(GroupError::AlreadyMember {
            user: names[0].to_string(),
            group: gid.to_string(),
        }
        .into());
    }
    Ok(fresh)
}

/// The state checks of adding users (spec M3/M4) on a group, in order: a blocked user and
/// `!admin` → `USER_BLOCKED` (the first in request order); every user already a member →
/// `ALREADY_MEMBER` naming the first; the newcomers overfill the group → `GROUP_FULL`; a
/// newcomer at the per-user cap → `USER_GROUP_LIMIT`. Returns the newcomers' positions.
fn admissible(
    st: &State,
    gid: &GroupId,
    g: &Group,
    names: &[UserName],
    ids: &[UserId],
    admin: bool,
) -> Result<Vec<usize>> {
    if !admin && let Some(k) = ids.iter().position(|u| g.roster.blocks.contains_key(u)) {
        return Err(blocked(&names[k], gid));
    }
    let fresh = newcomers(gid, g, names, ids)?;
    if g.roster.members.len() + fresh.len() > g.max_users as usize {
        return Err(GroupError::GroupFull.into());
    }
    let cap = st.limits.groups.groups_per_user_max as usize;
    for &k in &fresh {
        if st.groups.joined_count(ids[k]) >= cap {
            return Err(GroupError::UserGroupLimit(names[k].to_string()).into());
        }
    }
    Ok(fresh)
}

/// Adds registered users to a group (atomic): [`admissible`]'s checks, then each newcomer
/// joins in request order (an admin add of a blocked user unblocks them; a live mute entry
/// applies again). Emits `BlockRemoved` (when unblocked) and `MemberJoined` per newcomer.
/// Returns the newcomers.
fn add_users(
    cx: &mut Ctx<'_>,
    gid: &GroupId,
    names: &[UserName],
    ids: &[UserId],
    admin: bool,
    need_notify: bool,
) -> Result<Vec<UserName>> {
    let g = find(cx.st, gid, gnf)?;
    let fresh = admissible(cx.st, gid, g, names, ids, admin)?;
    let mut added = Vec::with_capacity(fresh.len());
    for k in fresh {
        let name = names[k].clone();
        if cx.st.groups.join(gid, ids[k], name.clone(), cx.now) {
            emit(
                &mut cx.out,
                GroupEvent::BlockRemoved {
                    group: gid.clone(),
                    user: name.clone(),
                },
            );
        }
        emit(
            &mut cx.out,
            GroupEvent::MemberJoined {
                group: gid.clone(),
                user: name.clone(),
                need_notify,
            },
        );
        added.push(name);
    }
    Ok(added)
}

/// The core of [`AddGroupMember`] and [`AddGroupMembers`] from the group lookup on: owner,
/// admins or the app admin; `USER_NOT_FOUND` for the first unknown name; then [`add_users`].
fn add(
    cx: &mut Ctx<'_>,
    gid: &GroupId,
    names: &[UserName],
    need_notify: bool,
) -> Result<Vec<UserName>> {
    let caller = Caller::of(cx.st, cx.actor);
    open(cx.st, cx.actor, gid, Role::Admin)?;
    let ids = known(cx.st, names)?;
    add_users(cx, gid, names, &ids, caller.is_admin(), need_notify)
}

/// Reply to [`AddGroupMember`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberAdded {
    /// Always true.
    pub result: bool,
    /// The group.
    pub group_id: GroupId,
    /// Who.
    pub user: UserName,
}

/// Adds one member (`POST /chatgroups/{g}/users/{uid}`, spec M3). The app admin may add a
/// blocked user, which unblocks them (spec OPEN 4); an unexpired mute entry applies again.
/// Users: owner and admins add directly; ordinary members use [`InviteToGroup`].
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `USER_NOT_FOUND` (after the
/// permission check, so outsiders cannot probe usernames); `403 forbidden_op` `USER_BLOCKED`
/// (user callers); `403 forbidden_op` `ALREADY_MEMBER`; `403 exceed_limit` `GROUP_FULL`;
/// `403 exceed_limit` `USER_GROUP_LIMIT`.
///
/// Emits `BlockRemoved` (when an admin add unblocked), `MemberJoined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddGroupMember {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
    /// Flags the event; default true.
    pub need_notify: Option<bool>,
}

impl Exec for AddGroupMember {
    type Reply = GroupMemberAdded;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupMemberAdded> {
        let names = [self.user];
        add(cx, &self.group, &names, self.need_notify.unwrap_or(true))?;
        let [user] = names;
        Ok(GroupMemberAdded {
            result: true,
            group_id: self.group,
            user,
        })
    }
}

/// Reply to [`AddGroupMembers`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembersAdded {
    /// Who joined, in request order.
    pub newmembers: Vec<UserName>,
    /// The group.
    pub group_id: GroupId,
}

/// The batch-size checks of the add and invite batches: empty → `INVALID_PARAMETER`; over
/// `member_batch_max` → `GROUP_FULL` (as documented).
fn add_batch_size(st: &State, users: &[UserName]) -> Result<()> {
    batch_size(
        users,
        st.limits.groups.member_batch_max,
        GroupError::GroupFull,
    )
}

/// Adds up to 60 members at once (`POST /chatgroups/{g}/users`, spec M4); atomic. Users
/// already in the group are skipped. Blocked users as in [`AddGroupMember`].
///
/// Errors, in check order: `400 invalid_parameter` (empty list); `403 exceed_limit`
/// `GROUP_FULL` (over `member_batch_max` names, as documented); `404 resource_not_found`
/// `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `404
/// resource_not_found` `USER_NOT_FOUND` (first unknown); `403 forbidden_op` `USER_BLOCKED`
/// (user callers); `403 forbidden_op` `ALREADY_MEMBER` (every user already in, names the
/// first); `403 exceed_limit` `GROUP_FULL`; `403 exceed_limit` `USER_GROUP_LIMIT`.
///
/// Emits `BlockRemoved` / `MemberJoined` per user added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// Flags the events; default true.
    pub need_notify: Option<bool>,
}

impl Exec for AddGroupMembers {
    type Reply = GroupMembersAdded;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupMembersAdded> {
        add_batch_size(cx.st, &self.users)?;
        let names = distinct(&self.users);
        let newmembers = add(cx, &self.group, &names, self.need_notify.unwrap_or(true))?;
        Ok(GroupMembersAdded {
            newmembers,
            group_id: self.group,
        })
    }
}

/// Removes members from a group the caller opened as `role` (the batch rule, spec §0.7):
/// `OWNER_FORBIDDEN` if the owner is named; per user an item (unknown, not a member, or an
/// admin when a group admin calls: `false` with a reason); `NOT_MEMBERS` if every item failed.
/// Each removed user gets C-LEAVE (reason `Kick`).
fn remove(
    cx: &mut Ctx<'_>,
    gid: &GroupId,
    role: Role,
    names: &[UserName],
) -> Result<Vec<BatchItem>> {
    let g = find(cx.st, gid, gnf)?;
    let ids = resolve(cx.st, names);
    if ids.contains(&Some(g.roster.owner)) {
        return Err(GroupError::OwnerForbidden.into());
    }
    let mut items = Vec::with_capacity(names.len());
    let mut gone = Vec::new();
    for (n, id) in names.iter().zip(&ids) {
        let reason = match id.and_then(|i| g.roster.members.get(i)) {
            None if id.is_none() => format!("user {n} doesn't exist."),
            None => format!("user {n} is not a member"),
            Some(m) if ordinary_only(role, m.role()).is_err() => "permission denied".to_string(),
            Some(m) => {
                gone.push(m.id());
                items.push(BatchItem::ok(n.clone()));
                continue;
            }
        };
        items.push(BatchItem::fail(n.clone(), reason));
    }
    if gone.is_empty() {
        return Err(not_members(names));
    }
    for u in gone {
        leave(cx, gid, u, LeaveReason::Kick);
    }
    Ok(items)
}

/// The single-user form's extra step: a group admin acting on another admin is refused
/// outright (`PERMISSION_DENIED`), where the batch form reports an item.
pub(super) fn single_target_ordinary(
    st: &State,
    g: &Group,
    role: Role,
    user: &UserName,
) -> Result<()> {
    match st.users.id(user).and_then(|u| g.roster.members.get(u)) {
        Some(m) if m.role() != Role::Owner => ordinary_only(role, m.role()),
        _ => Ok(()),
    }
}

/// Reply to [`RemoveGroupMember`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberRemoved {
    /// Always true.
    pub result: bool,
    /// The group.
    pub group_id: GroupId,
    /// Who.
    pub user: UserName,
}

/// Removes one member (`DELETE /chatgroups/{g}/users/{uid}`, spec M5) with C-LEAVE (reason
/// `Kick`): admin role, explicit allow entry, attributes and thread memberships go; mute and
/// block entries stay. Owner (any non-owner) and admins (ordinary members only).
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `OWNER_FORBIDDEN`; `403
/// forbidden_op` `NOT_MEMBERS`; `403 forbidden_op` `PERMISSION_DENIED` (an admin removing an
/// admin).
///
/// Emits `ThreadMemberRemoved` per thread, then `MemberLeft{Kick}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveGroupMember {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveGroupMember {
    type Reply = GroupMemberRemoved;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupMemberRemoved> {
        let (g, role) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        single_target_ordinary(cx.st, g, role, &self.user)?;
        let names = [self.user];
        remove(cx, &self.group, role, &names)?;
        let [user] = names;
        Ok(GroupMemberRemoved {
            result: true,
            group_id: self.group,
            user,
        })
    }
}

/// Removes up to 60 members (`DELETE /chatgroups/{g}/users/{u1,…}`, spec M6) (batch rule, spec
/// §0.7): each user gets an item; a non-member (or unknown user, or an admin when an admin
/// calls) is `false` with a reason.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "kickMember: kickMembers number more than maxSize : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `403 forbidden_op` `OWNER_FORBIDDEN` (the owner is listed; nothing
/// applied); `403 forbidden_op` `NOT_MEMBERS` (every item failed; nothing applied).
///
/// Emits per user removed as [`RemoveGroupMember`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for RemoveGroupMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let (role, names) = open_batch(
            cx.st,
            cx.actor,
            &self.group,
            &self.users,
            cx.st.limits.groups.member_batch_max,
            "kickMember: kickMembers number more than maxSize",
        )?;
        remove(cx, &self.group, role, &names)
    }
}

/// A member's role as member lists report it (admins are `Member`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupMemberRole {
    /// The owner.
    Owner,
    /// Anyone else.
    Member,
}

/// One item of [`ListGroupMembers`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberItem {
    /// Role.
    pub role: GroupMemberRole,
    /// Who.
    pub user: UserName,
    /// When they joined (only when asked for).
    pub joined_at: Option<Timestamp>,
}

/// Reply to [`ListGroupMembers`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembersPage {
    /// The page.
    pub items: Vec<GroupMemberItem>,
    /// Items on this page.
    pub count: usize,
}

/// Members with page-number paging (`GET /chatgroups/{g}/users?pagenum&pagesize`, spec M1),
/// owner included, in join order (`Asc`, default: the owner first) or newest first (`Desc`).
/// `page_size` default 1000, clamped to 1000, `0` = default; `page_num` 1-based, `0` = 1.
/// Members may list; a user outside the group may not.
///
/// Errors: `404 service_resource_not_found` `GROUP_NOT_FOUND_MEMBERS`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupMembers {
    /// The group.
    pub group: GroupId,
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_num: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_size: Option<u32>,
    /// Include join times.
    pub joined_time: bool,
    /// Order.
    pub sort: GroupSort,
}

fn gnf_members(id: &GroupId) -> Error {
    GroupError::GroupNotFoundMembers(id.to_string()).into()
}

impl Ask for ListGroupMembers {
    type Reply = GroupMembersPage;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GroupMembersPage> {
        let l = &cx.st.limits.groups;
        let size = match self.page_size {
            None | Some(0) => l.member_page_default,
            Some(n) => n.min(l.member_page_max),
        } as usize;
        let page = self.page_num.unwrap_or(1).max(1) as usize;
        let caller = Caller::of(cx.st, cx.actor);
        let (g, _) = open_if(cx.st, &self.group, &caller, gnf_members, Role::inside)?;
        let skip = (page - 1).saturating_mul(size);
        let item = |m: Member<'_>| GroupMemberItem {
            role: if m.role() == Role::Owner {
                GroupMemberRole::Owner
            } else {
                GroupMemberRole::Member
            },
            user: m.name().clone(),
            joined_at: self.joined_time.then_some(m.joined()),
        };
        let members = g.roster.members.iter();
        let items: Vec<GroupMemberItem> = match self.sort {
            GroupSort::Asc => members.skip(skip).take(size).map(item).collect(),
            GroupSort::Desc => members.rev().skip(skip).take(size).map(item).collect(),
        };
        Ok(GroupMembersPage {
            count: items.len(),
            items,
        })
    }
}

const MEMBERS_CURSOR: &str = "m";

/// Members with cursor paging (`GET /chatgroups/{g}/users?version=v3&limit&cursor&sort`, spec
/// M2): admins and ordinary members, owner excluded, in join order (`Asc`, default) or newest
/// first. `limit` default 10, clamped to 1000. The cursor carries the last returned member's
/// per-group join sequence (strictly increasing in join order, never reused): the next page
/// starts strictly after it, so members leaving between pages never make it skip anyone.
///
/// Errors: `400 invalid_parameter` "limit must be >= 1", "invalid cursor"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupMembersCursor {
    /// The group.
    pub group: GroupId,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// Where to continue.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
    /// Order.
    pub sort: GroupSort,
}

impl Ask for ListGroupMembersCursor {
    type Reply = Page<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<UserName>> {
        let l = &cx.st.limits.groups;
        let limit = match self.limit {
            None => l.member_cursor_default as usize,
            Some(0) => {
                return Err(GroupError::InvalidParameter("limit must be >= 1".into()).into());
            }
            Some(n) => n.min(l.member_cursor_max) as usize,
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(
                paging::decode::<1>(MEMBERS_CURSOR, c)
                    .map_err(|_| GroupError::InvalidParameter("invalid cursor".into()))?[0],
            ),
        };
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Member)?;
        let owner = g.roster.owner;
        // Join sequences are never reused: the page starts strictly after the cursor's,
        // whether or not that member is still in.
        let all: Box<dyn Iterator<Item = Member<'_>>> = match self.sort {
            GroupSort::Asc => Box::new(g.roster.members.after(after)),
            GroupSort::Desc => Box::new(g.roster.members.before(after)),
        };
        let mut it = all.filter(|m| m.id() != owner);
        let page: Vec<Member<'_>> = it.by_ref().take(limit).collect();
        let cursor = match (it.next().is_some(), page.last()) {
            (true, Some(m)) => Some(paging::encode(MEMBERS_CURSOR, &[m.seq()])),
            _ => None,
        };
        Ok(Page {
            items: page.into_iter().map(|m| m.name().clone()).collect(),
            cursor,
        })
    }
}

/// A member leaves (spec §13 leave_group) with C-LEAVE (reason `Quit`). A user leaves only
/// themself; the admin may act for anyone.
///
/// Errors, in check order (spec §0.5: existence, then permission): `404 resource_not_found`
/// `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED` (another user); `403
/// forbidden_op` `GROUP_DISABLED` (user callers); `403 forbidden_op` `OWNER_FORBIDDEN`; `403
/// forbidden_op` `NOT_MEMBERS`.
///
/// Emits `ThreadMemberRemoved` per thread, then `MemberLeft{Quit}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct LeaveGroup {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for LeaveGroup {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx.st, cx.actor);
        let g = find(cx.st, &self.group, gnf)?;
        for_self(&caller, &self.user)?;
        gate(g, &self.group, &caller, |_| true)?;
        let target = cx.st.users.id(&self.user);
        if target == Some(g.roster.owner) {
            return Err(GroupError::OwnerForbidden.into());
        }
        let Some(uid) = target.filter(|t| g.roster.is_member(*t)) else {
            return Err(not_members(&[self.user]));
        };
        leave(cx, &self.group, uid, LeaveReason::Quit);
        Ok(true)
    }
}

/// What a join request or an invitation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinOutcome {
    /// The user is a member now.
    Joined,
    /// A pending request (or invitation) was recorded.
    Pending,
}

/// Records a pending application or invitation and notes it in the user's reverse index (for
/// the delete cascade).
fn add_pending(st: &mut State, gid: &GroupId, uid: UserId, name: UserName, invite: bool) {
    let g = group_mut(st, gid);
    if invite {
        g.invitations.insert(uid, name);
    } else {
        g.applications.insert(uid, name);
    }
    st.groups.list(uid, gid);
}

/// A user joins a public group (spec §13 join_public_group): at once when `members_only` is
/// off, otherwise a pending application is recorded for the owner or an admin to approve
/// ([`ApproveGroupJoin`]) or decline. A user joins only themself.
///
/// Errors, in check order (spec §0.5): `404 resource_not_found` `GROUP_NOT_FOUND`; `403
/// forbidden_op` `PERMISSION_DENIED` (another user); `403 forbidden_op` `GROUP_DISABLED` (user
/// callers); `403 forbidden_op` `PERMISSION_DENIED` (a user, private group); `404
/// resource_not_found` `USER_NOT_FOUND` (admin callers); `403 forbidden_op`
/// `PERMISSION_DENIED` (the admin, private group); `403 forbidden_op` `USER_BLOCKED`; `403
/// forbidden_op` `ALREADY_MEMBER`; `403 exceed_limit` `GROUP_FULL`; `403 exceed_limit`
/// `USER_GROUP_LIMIT`.
///
/// Emits `MemberJoined`, or `JoinRequested`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct JoinGroup {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for JoinGroup {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        let caller = Caller::of(cx.st, cx.actor);
        let g = find(cx.st, &self.group, gnf)?;
        for_self(&caller, &self.user)?;
        gate(g, &self.group, &caller, |_| g.public)?;
        let uid = cx
            .st
            .users
            .id(&self.user)
            .ok_or_else(|| unknown(&self.user))?;
        if !g.public {
            return Err(GroupError::PermissionDenied.into());
        }
        let (names, ids) = ([self.user], [uid]);
        if g.members_only {
            // The pending application: the first two of the add checks.
            if g.roster.blocks.contains_key(&uid) {
                return Err(blocked(&names[0], &self.group));
            }
            if g.roster.is_member(uid) {
                return Err(GroupError::AlreadyMember {
                    user: names[0].to_string(),
                    group: self.group.to_string(),
                }
                .into());
            }
            let [user] = names;
            add_pending(cx.st, &self.group, uid, user.clone(), false);
            emit(
                &mut cx.out,
                GroupEvent::JoinRequested {
                    group: self.group,
                    user,
                },
            );
            return Ok(JoinOutcome::Pending);
        }
        add_users(cx, &self.group, &names, &ids, false, true)?;
        Ok(JoinOutcome::Joined)
    }
}

/// Settles a pending invitation (`invitation`) or application: `accept` joins the user (the
/// add checks, as a user caller), otherwise the request is dropped.
fn settle(
    cx: &mut Ctx<'_>,
    group: GroupId,
    user: UserName,
    invitation: bool,
    accept: bool,
) -> Result<JoinOutcome> {
    let caller = Caller::of(cx.st, cx.actor);
    let g = find(cx.st, &group, gnf)?;
    if invitation {
        for_self(&caller, &user)?;
        gate(g, &group, &caller, |_| true)?;
    } else {
        gate(g, &group, &caller, Role::manages)?;
    }
    let uid = cx.st.users.id(&user).ok_or_else(|| unknown(&user))?;
    let pending = if invitation {
        &g.invitations
    } else {
        &g.applications
    };
    if !pending.contains_key(&uid) {
        return Err(
            GroupError::InvalidParameter(format!("no pending request for user {user}")).into(),
        );
    }
    if accept {
        add_users(cx, &group, &[user], &[uid], false, true)?;
        return Ok(JoinOutcome::Joined);
    }
    let g = group_mut(cx.st, &group);
    emit(
        &mut cx.out,
        if invitation {
            g.invitations.shift_remove(&uid);
            GroupEvent::InviteDeclined { group, user }
        } else {
            g.applications.shift_remove(&uid);
            GroupEvent::JoinDeclined { group, user }
        },
    );
    Ok(JoinOutcome::Pending)
}

/// The owner or an admin approves a pending join application: the user joins (M3 checks).
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `USER_NOT_FOUND`; `400
/// invalid_parameter` (no such application); `USER_BLOCKED`/`ALREADY_MEMBER`/`GROUP_FULL`/
/// `USER_GROUP_LIMIT` as [`AddGroupMember`].
///
/// Emits `MemberJoined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ApproveGroupJoin {
    /// The group.
    pub group: GroupId,
    /// The applicant.
    pub user: UserName,
}

impl Exec for ApproveGroupJoin {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, self.group, self.user, false, true)
    }
}

/// The owner or an admin declines a pending join application. Errors as
/// [`ApproveGroupJoin`] up to "no such application". Emits `JoinDeclined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeclineGroupJoin {
    /// The group.
    pub group: GroupId,
    /// The applicant.
    pub user: UserName,
}

impl Exec for DeclineGroupJoin {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, self.group, self.user, false, false)
    }
}

/// An invitee accepts an invitation and joins (M3 checks). A user accepts only their own.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `PERMISSION_DENIED` (another user); `403 forbidden_op` `GROUP_DISABLED` (user callers);
/// then as [`ApproveGroupJoin`] from `USER_NOT_FOUND` on.
///
/// Emits `MemberJoined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AcceptGroupInvite {
    /// The group.
    pub group: GroupId,
    /// The invitee.
    pub user: UserName,
}

impl Exec for AcceptGroupInvite {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, self.group, self.user, true, true)
    }
}

/// An invitee declines an invitation. Errors as [`AcceptGroupInvite`] up to "no such
/// invitation". Emits `InviteDeclined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeclineGroupInvite {
    /// The group.
    pub group: GroupId,
    /// The invitee.
    pub user: UserName,
}

impl Exec for DeclineGroupInvite {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, self.group, self.user, true, false)
    }
}

/// Reply to [`InviteToGroup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInviteResult {
    /// Who joined now.
    pub joined: Vec<UserName>,
    /// Who must accept first.
    pub invited: Vec<UserName>,
}

/// Invites users (spec §13 invite): owner and admins, or an ordinary member when the group
/// allows invites. Without `invite_need_confirm` the invitees join now (atomic, as
/// [`AddGroupMembers`]); with it, each non-member gets a pending invitation (accepted with
/// [`AcceptGroupInvite`]). The app admin's invitations are direct adds.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `403 exceed_limit` `GROUP_FULL`
/// (over `member_batch_max` names); `404 resource_not_found` `GROUP_NOT_FOUND`; `403
/// forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found`
/// `USER_NOT_FOUND`; then as [`AddGroupMembers`]; with confirmation, `USER_BLOCKED` names the
/// blocked invitee registered first, and `ALREADY_MEMBER` (every invitee already in) the
/// first named.
///
/// Emits `MemberJoined` or `Invited` per invitee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct InviteToGroup {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for InviteToGroup {
    type Reply = GroupInviteResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupInviteResult> {
        add_batch_size(cx.st, &self.users)?;
        let caller = Caller::of(cx.st, cx.actor);
        let names = distinct(&self.users);
        let g = find(cx.st, &self.group, gnf)?;
        gate(g, &self.group, &caller, |r| {
            r.manages() || (g.allow_invites && r.inside())
        })?;
        let ids = known(cx.st, &names)?;
        if caller.is_admin() || !g.invite_need_confirm {
            let joined = add_users(cx, &self.group, &names, &ids, caller.is_admin(), true)?;
            return Ok(GroupInviteResult {
                joined,
                invited: Vec::new(),
            });
        }
        let Caller::User(inviter, _) = &caller else {
            unreachable!("only users get here");
        };
        // The blocked check names the first blocked invitee by registration order (user id).
        let mut by_id: Vec<usize> = (0..ids.len()).collect();
        by_id.sort_by_key(|&k| ids[k]);
        if let Some(&k) = by_id
            .iter()
            .find(|&&k| g.roster.blocks.contains_key(&ids[k]))
        {
            return Err(blocked(&names[k], &self.group));
        }
        let fresh = newcomers(&self.group, g, &names, &ids)?;
        let mut invited = Vec::with_capacity(fresh.len());
        for k in fresh {
            add_pending(cx.st, &self.group, ids[k], names[k].clone(), true);
            emit(
                &mut cx.out,
                GroupEvent::Invited {
                    group: self.group.clone(),
                    user: names[k].clone(),
                    inviter: inviter.clone(),
                },
            );
            invited.push(names[k].clone());
        }
        Ok(GroupInviteResult {
            joined: Vec::new(),
            invited,
        })
    }
}

/// Pending join applications and invitations of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRequests {
    /// Users who asked to join, oldest first.
    pub applications: Vec<UserName>,
    /// Users invited who have not answered, oldest first.
    pub invitations: Vec<UserName>,
}

/// The pending join applications and invitations. Owner and admins.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupRequests {
    /// The group.
    pub group: GroupId,
}

impl Ask for ListGroupRequests {
    type Reply = GroupRequests;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GroupRequests> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        Ok(GroupRequests {
            applications: g.applications.values().cloned().collect(),
            invitations: g.invitations.values().cloned().collect(),
        })
    }
}
