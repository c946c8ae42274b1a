//! Membership (spec §5) and the user-initiated flows (§13): add one or many, remove one or
//! many, member lists, leave, join (with approval), invite (with confirmation).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::Ctx;
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::paging;
use crate::query::Ask;
use crate::store::{UserCell, UserState, lock_users};
use crate::time::Timestamp;

use super::lifecycle::joined_count;
use super::model::{GroupState, Leaver, Pending};
use super::{
    Caller, GroupBatchItem, GroupCell, GroupError, GroupEvent, GroupSort, LeaveReason, Role,
    batch_size, dedup, emit, find_group, gate, gnf, need, ordinary_only, read_group, write_group,
};

/// Reply to [`AddGroupMember`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberAdded {
    /// Always true.
    pub result: bool,
    /// The group.
    pub group_id: String,
    /// Who.
    pub user: UserName,
}

/// Joins `cell`'s user (locked as `s`) to a locked group after the M3 state checks, in order:
/// gone → `USER_NOT_FOUND`; blocked and `!admin` → `USER_BLOCKED`; member → `ALREADY_MEMBER`;
/// full → `GROUP_FULL`; at cap → `USER_GROUP_LIMIT`. Emits `BlockRemoved` (an admin add of a
/// blocked user) and `MemberJoined`.
#[allow(clippy::too_many_arguments)]
fn add_one(
    cx: &mut Ctx<'_>,
    gid: &Arc<str>,
    g: &mut GroupState,
    cell: &Arc<UserCell>,
    s: &mut UserState,
    admin: bool,
    need_notify: bool,
) -> Result<()> {
    check_addable(cx, gid, g, cell.id, s, admin)?;
    if g.members.len() >= g.max_users as usize {
        return Err(GroupError::GroupFull.into());
    }
    if joined_count(s) >= cx.app.limits.groups.groups_per_user_max as usize {
        return Err(GroupError::UserGroupLimit(s.name.to_string()).into());
    }
    do_join(cx, gid, g, cell, s, need_notify);
    Ok(())
}

fn check_addable(
    _cx: &Ctx<'_>,
    gid: &Arc<str>,
    g: &GroupState,
    uid: UserId,
    s: &UserState,
    admin: bool,
) -> Result<()> {
    if s.gone {
        return Err(GroupError::UserNotFound(s.name.to_string()).into());
    }
    if !admin && g.blocks.contains_key(&uid) {
        return Err(GroupError::UserBlocked {
            user: s.name.to_string(),
            group: gid.to_string(),
        }
        .into());
    }
    if g.is_member(uid) {
        return Err(GroupError::AlreadyMember {
            user: s.name.to_string(),
            group: gid.to_string(),
        }
        .into());
    }
    Ok(())
}

fn do_join(
    cx: &mut Ctx<'_>,
    gid: &Arc<str>,
    g: &mut GroupState,
    cell: &Arc<UserCell>,
    s: &mut UserState,
    need_notify: bool,
) {
    let unblocked = g.join(gid, cell, s, cx.now);
    if unblocked {
        emit(
            cx,
            GroupEvent::BlockRemoved {
                group: gid.to_string(),
                user: s.name.clone(),
            },
        );
    }
    emit(
        cx,
        GroupEvent::MemberJoined {
            group: gid.to_string(),
            user: s.name.clone(),
            need_notify,
        },
    );
}

fn unknown(n: &UserName) -> crate::error::Error {
    GroupError::UserNotFound(n.to_string()).into()
}

/// Resolves names to user cells before the group lock; `None` for an unknown name. Reported
/// only after the caller's permission ([`known`]), so outsiders cannot probe usernames.
fn resolve(cx: &Ctx<'_>, names: &[UserName]) -> Vec<Option<Arc<UserCell>>> {
    names.iter().map(|n| cx.app.user(n)).collect()
}

/// The resolved cells, or `USER_NOT_FOUND` for the first unknown name.
fn known(names: &[UserName], cells: Vec<Option<Arc<UserCell>>>) -> Result<Vec<Arc<UserCell>>> {
    names
        .iter()
        .zip(cells)
        .map(|(n, c)| c.ok_or_else(|| unknown(n)))
        .collect()
}

/// Adds one member (`POST /chatgroups/{g}/users/{uid}`, spec M3). The app admin may add a
/// blocked user, which unblocks them (spec OPEN 4); an unexpired mute entry applies again.
/// Users: owner and admins add directly; ordinary members use [`InviteToGroup`].
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `USER_NOT_FOUND` (after the
/// permission check, so outsiders cannot probe usernames); `403 forbidden_op` `USER_BLOCKED`
/// (user callers); `403 forbidden_op`
/// `ALREADY_MEMBER`; `403 exceed_limit` `GROUP_FULL`; `403 exceed_limit` `USER_GROUP_LIMIT`.
///
/// Emits `BlockRemoved` (when an admin add unblocked), `MemberJoined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddGroupMember {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
    /// Flags the event; default true.
    pub need_notify: Option<bool>,
}

impl Exec for AddGroupMember {
    type Reply = GroupMemberAdded;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupMemberAdded> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let user = cx.app.user(&self.user);
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        let user = user.ok_or_else(|| unknown(&self.user))?;
        let mut s = user.state.write();
        add_one(
            cx,
            &cell.id,
            &mut g,
            &user,
            &mut s,
            caller.is_admin(),
            self.need_notify.unwrap_or(true),
        )?;
        Ok(GroupMemberAdded {
            result: true,
            group_id: self.group,
            user: self.user,
        })
    }
}

/// Reply to [`AddGroupMembers`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembersAdded {
    /// Who joined, in request order.
    pub newmembers: Vec<UserName>,
    /// The group.
    pub group_id: String,
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
pub struct AddGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
    /// Flags the events; default true.
    pub need_notify: Option<bool>,
}

impl Exec for AddGroupMembers {
    type Reply = GroupMembersAdded;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupMembersAdded> {
        let max = cx.app.limits.groups.member_batch_max;
        if self.users.is_empty() {
            return Err(GroupError::InvalidParameter("usernames must be provided".into()).into());
        }
        if self.users.len() > max {
            return Err(GroupError::GroupFull.into());
        }
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let names = dedup(&self.users);
        let cells = resolve(cx, &names);
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        let cells = known(&names, cells)?;
        let added = add_many(
            cx,
            &cell,
            &mut g,
            &cells,
            caller.is_admin(),
            self.need_notify.unwrap_or(true),
        )?;
        Ok(GroupMembersAdded {
            newmembers: added,
            group_id: self.group,
        })
    }
}

/// The M4 core on a locked group: atomic; skips members; `ALREADY_MEMBER` if all are.
fn add_many(
    cx: &mut Ctx<'_>,
    cell: &GroupCell,
    g: &mut GroupState,
    cells: &[Arc<UserCell>],
    admin: bool,
    need_notify: bool,
) -> Result<Vec<UserName>> {
    let gid = &cell.id;
    let mut guards = lock_users(cells);
    let pos = |id: UserId| guards.iter().position(|(i, _)| *i == id).unwrap_or(0);
    let order: Vec<usize> = cells.iter().map(|c| pos(c.id)).collect();
    for &i in &order {
        let s = &guards[i].1;
        if s.gone {
            return Err(unknown(&s.name));
        }
    }
    if !admin {
        for &i in &order {
            let (id, s) = &guards[i];
            if g.blocks.contains_key(id) {
                return Err(GroupError::UserBlocked {
                    user: s.name.to_string(),
                    group: gid.to_string(),
                }
                .into());
            }
        }
    }
    let fresh: Vec<usize> = (0..cells.len())
        .filter(|&k| !g.is_member(cells[k].id))
        .collect();
    if fresh.is_empty() {
        return Err(GroupError::AlreadyMember {
            user: guards[order[0]].1.name.to_string(),
            group: gid.to_string(),
        }
        .into());
    }
    if g.members.len() + fresh.len() > g.max_users as usize {
        return Err(GroupError::GroupFull.into());
    }
    let cap = cx.app.limits.groups.groups_per_user_max as usize;
    for &k in &fresh {
        let s = &guards[order[k]].1;
        if joined_count(s) >= cap {
            return Err(GroupError::UserGroupLimit(s.name.to_string()).into());
        }
    }
    let mut added = Vec::with_capacity(fresh.len());
    for &k in &fresh {
        let s = &mut *guards[order[k]].1;
        added.push(s.name.clone());
        do_join(cx, gid, g, &cells[k], s, need_notify);
    }
    Ok(added)
}

/// Reply to [`RemoveGroupMember`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberRemoved {
    /// Always true.
    pub result: bool,
    /// The group.
    pub group_id: String,
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
pub struct RemoveGroupMember {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveGroupMember {
    type Reply = GroupMemberRemoved;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupMemberRemoved> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        let role = gate(&g, &self.group, &caller, need::staff)?;
        let member = target.and_then(|t| g.members.get(&t));
        let Some(m) = member else {
            return Err(GroupError::NotMembers(vec![self.user.to_string()]).into());
        };
        if m.role == Role::Owner {
            return Err(GroupError::OwnerForbidden.into());
        }
        ordinary_only(role, Some(m.role))?;
        let ucell = Arc::clone(&m.cell);
        let mut s = ucell.state.write();
        g.leave(
            cx,
            &cell.id,
            ucell.id,
            Leaver::Locked(&mut s),
            LeaveReason::Kick,
        );
        Ok(GroupMemberRemoved {
            result: true,
            group_id: self.group,
            user: self.user,
        })
    }
}

/// Removes up to 60 members (`DELETE /chatgroups/{g}/users/{u1,…}`, spec M6) (batch rule, spec §0.7): each
/// user gets an item; a non-member (or unknown user, or an admin when an admin calls) is
/// `false` with a reason.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "kickMember: kickMembers number more than maxSize : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `403 forbidden_op` `OWNER_FORBIDDEN` (the owner is listed; nothing
/// applied); `403 forbidden_op` `NOT_MEMBERS` (every item failed; nothing applied).
///
/// Emits per user removed as [`RemoveGroupMember`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for RemoveGroupMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        let max = cx.app.limits.groups.member_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!(
                "kickMember: kickMembers number more than maxSize : {max}"
            )),
        )?;
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids: Vec<Option<UserId>> = names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect();
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        let role = gate(&g, &self.group, &caller, need::staff)?;
        if ids.contains(&Some(g.owner)) {
            return Err(GroupError::OwnerForbidden.into());
        }
        let mut items = Vec::with_capacity(names.len());
        let mut cells = Vec::new();
        for (n, id) in names.iter().zip(&ids) {
            let reason = match id.and_then(|i| g.members.get(&i)) {
                None if id.is_none() => Some(format!("user {n} doesn't exist.")),
                None => Some(format!("user {n} is not a member")),
                Some(m) if ordinary_only(role, Some(m.role)).is_err() => {
                    Some("permission denied".to_string())
                }
                Some(m) => {
                    cells.push(Arc::clone(&m.cell));
                    None
                }
            };
            items.push(GroupBatchItem {
                user: n.clone(),
                result: reason.is_none(),
                reason,
            });
        }
        if cells.is_empty() {
            return Err(
                GroupError::NotMembers(names.iter().map(|n| n.to_string()).collect()).into(),
            );
        }
        let mut guards = lock_users(&cells);
        for c in &cells {
            let i = guards.iter().position(|(id, _)| *id == c.id).unwrap_or(0);
            let s = &mut *guards[i].1;
            g.leave(cx, &cell.id, c.id, Leaver::Locked(s), LeaveReason::Kick);
        }
        Ok(items)
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
pub struct ListGroupMembers {
    /// The group.
    pub group: String,
    /// 1-based page.
    pub page_num: Option<u32>,
    /// Page size.
    pub page_size: Option<u32>,
    /// Include join times.
    pub joined_time: bool,
    /// Order.
    pub sort: GroupSort,
}

fn gnf_members(id: &str) -> crate::error::Error {
    GroupError::GroupNotFoundMembers(id.to_string()).into()
}

impl Ask for ListGroupMembers {
    type Reply = GroupMembersPage;
    fn ask(self, cx: &Ctx<'_>) -> Result<GroupMembersPage> {
        let l = &cx.app.limits.groups;
        let size = match self.page_size {
            None | Some(0) => l.member_page_default,
            Some(n) => n.min(l.member_page_max),
        } as usize;
        let page = self.page_num.unwrap_or(1).max(1) as usize;
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf_members)?;
        let g = read_group(&cell, gnf_members)?;
        gate(&g, &self.group, &caller, need::member)?;
        let skip = (page - 1).saturating_mul(size);
        let item = |m: &super::Member| GroupMemberItem {
            role: if m.role == Role::Owner {
                GroupMemberRole::Owner
            } else {
                GroupMemberRole::Member
            },
            user: m.name.clone(),
            joined_at: self.joined_time.then_some(m.joined),
        };
        let items: Vec<GroupMemberItem> = match self.sort {
            GroupSort::Asc => g.members.values().skip(skip).take(size).map(item).collect(),
            GroupSort::Desc => g
                .members
                .values()
                .rev()
                .skip(skip)
                .take(size)
                .map(item)
                .collect(),
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
pub struct ListGroupMembersCursor {
    /// The group.
    pub group: String,
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
    /// Order.
    pub sort: GroupSort,
}

impl Ask for ListGroupMembersCursor {
    type Reply = paging::Page<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<paging::Page<UserName>> {
        let l = &cx.app.limits.groups;
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
                    .map_err(|_| GroupError::InvalidParameter("invalid cursor".into()))?,
            ),
        };
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        let n = g.members.len();
        // Index (in the chosen order) of the first member to return.
        let start = match after {
            None => 0,
            // Join sequences increase along the (join-ordered) map and are never reused: the
            // page starts strictly after the cursor's, whether or not that member is still in.
            Some([q]) => match self.sort {
                GroupSort::Asc => g.members.partition_point(|_, m| u64::from(m.seq) <= q),
                GroupSort::Desc => n - g.members.partition_point(|_, m| u64::from(m.seq) < q),
            },
        };
        let owner = g.owner;
        let at = |k: usize| match self.sort {
            GroupSort::Asc => k,
            GroupSort::Desc => n - 1 - k,
        };
        let mut items = Vec::with_capacity(limit.min(n));
        let mut last = None;
        let mut k = start;
        while k < n && items.len() < limit {
            let (id, m) = g.members.get_index(at(k)).expect("in range");
            if *id != owner {
                items.push(m.name.clone());
                last = Some(m.seq);
            }
            k += 1;
        }
        let more = (k..n).any(|k| {
            g.members
                .get_index(at(k))
                .is_some_and(|(id, _)| *id != owner)
        });
        let cursor = match (more, last) {
            (true, Some(q)) => Some(paging::encode(MEMBERS_CURSOR, &[u64::from(q)])),
            _ => None,
        };
        Ok(paging::Page { items, cursor })
    }
}

/// Self-service check: the admin may act for anyone; a user only for themself.
fn for_self(caller: &Caller, user: &UserName) -> Result<()> {
    match caller {
        Caller::Admin => Ok(()),
        Caller::User(u, _) if u == user => Ok(()),
        _ => Err(GroupError::PermissionDenied.into()),
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
pub struct LeaveGroup {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for LeaveGroup {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        for_self(&caller, &self.user)?;
        gate(&g, &self.group, &caller, |_| true)?;
        if target == Some(g.owner) {
            return Err(GroupError::OwnerForbidden.into());
        }
        let Some(m) = target.and_then(|t| g.members.get(&t)) else {
            return Err(GroupError::NotMembers(vec![self.user.to_string()]).into());
        };
        let ucell = Arc::clone(&m.cell);
        let mut s = ucell.state.write();
        g.leave(
            cx,
            &cell.id,
            ucell.id,
            Leaver::Locked(&mut s),
            LeaveReason::Quit,
        );
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

/// Records a pending request/invitation and indexes it on the user (for the delete cascade).
fn add_pending(gid: &Arc<str>, g: &mut GroupState, uid: UserId, s: &mut UserState, invite: bool) {
    let p = Pending {
        name: s.name.clone(),
    };
    if invite {
        g.invitations.insert(uid, p);
    } else {
        g.applications.insert(uid, p);
    }
    s.extra_mut().groups.listed.insert(Arc::clone(gid));
}

/// A user joins a public group (spec §13 join_public_group): at once when `members_only` is
/// off, otherwise a pending application is recorded for the owner or an admin to approve
/// ([`ApproveGroupJoin`]) or decline. A user joins only themself.
///
/// Errors, in check order (spec §0.5): `404 resource_not_found` `GROUP_NOT_FOUND`; `403
/// forbidden_op` `PERMISSION_DENIED` (another user); `403 forbidden_op` `GROUP_DISABLED` (user
/// callers); `403 forbidden_op` `PERMISSION_DENIED` (a user, private group); `404
/// resource_not_found` `USER_NOT_FOUND` (admin callers); `403 forbidden_op`
/// `PERMISSION_DENIED` (the admin, private group); `403 forbidden_op` `USER_BLOCKED`; `403 forbidden_op` `ALREADY_MEMBER`;
/// `403 exceed_limit` `GROUP_FULL`; `403 exceed_limit` `USER_GROUP_LIMIT`.
///
/// Emits `MemberJoined`, or `JoinRequested`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroup {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for JoinGroup {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let ucell = cx.app.user(&self.user);
        let mut g = write_group(&cell, gnf)?;
        for_self(&caller, &self.user)?;
        let public = g.public;
        gate(&g, &self.group, &caller, |_| public)?;
        let ucell = ucell.ok_or_else(|| unknown(&self.user))?;
        if !public {
            return Err(GroupError::PermissionDenied.into());
        }
        let mut s = ucell.state.write();
        if g.members_only {
            check_addable(cx, &cell.id, &g, ucell.id, &s, false)?;
            add_pending(&cell.id, &mut g, ucell.id, &mut s, false);
            emit(
                cx,
                GroupEvent::JoinRequested {
                    group: self.group,
                    user: self.user,
                },
            );
            return Ok(JoinOutcome::Pending);
        }
        add_one(cx, &cell.id, &mut g, &ucell, &mut s, false, true)?;
        Ok(JoinOutcome::Joined)
    }
}

fn no_pending(user: &UserName) -> crate::error::Error {
    GroupError::InvalidParameter(format!("no pending request for user {user}")).into()
}

/// Settles a pending application (`approve`) or invitation (`!approve`); see the commands.
fn settle(
    cx: &mut Ctx<'_>,
    group: &str,
    user: &UserName,
    invitation: bool,
    accept: bool,
) -> Result<JoinOutcome> {
    let caller = Caller::of(cx);
    let cell = find_group(cx, group, gnf)?;
    let ucell = cx.app.user(user);
    let mut g = write_group(&cell, gnf)?;
    if invitation {
        for_self(&caller, user)?;
        gate(&g, group, &caller, |_| true)?;
    } else {
        gate(&g, group, &caller, need::staff)?;
    }
    let ucell = ucell.ok_or_else(|| unknown(user))?;
    let pending = if invitation {
        &g.invitations
    } else {
        &g.applications
    };
    if !pending.contains_key(&ucell.id) {
        return Err(no_pending(user));
    }
    let mut s = ucell.state.write();
    if accept {
        add_one(cx, &cell.id, &mut g, &ucell, &mut s, false, true)?;
        Ok(JoinOutcome::Joined)
    } else {
        if invitation {
            g.invitations.shift_remove(&ucell.id);
        } else {
            g.applications.shift_remove(&ucell.id);
        }
        let (group, user) = (group.to_string(), user.clone());
        emit(
            cx,
            if invitation {
                GroupEvent::InviteDeclined { group, user }
            } else {
                GroupEvent::JoinDeclined { group, user }
            },
        );
        Ok(JoinOutcome::Pending)
    }
}

/// The owner or an admin approves a pending join application: the user joins (M3 checks).
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `USER_NOT_FOUND`; `400
/// invalid_parameter` (no such application); `USER_NOT_FOUND`/`USER_BLOCKED`/`ALREADY_MEMBER`/`GROUP_FULL`/
/// `USER_GROUP_LIMIT` as [`AddGroupMember`].
///
/// Emits `MemberJoined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveGroupJoin {
    /// The group.
    pub group: String,
    /// The applicant.
    pub user: UserName,
}

impl Exec for ApproveGroupJoin {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, &self.group, &self.user, false, true)
    }
}

/// The owner or an admin declines a pending join application. Errors as
/// [`ApproveGroupJoin`] up to "no such application". Emits `JoinDeclined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclineGroupJoin {
    /// The group.
    pub group: String,
    /// The applicant.
    pub user: UserName,
}

impl Exec for DeclineGroupJoin {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, &self.group, &self.user, false, false)
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
pub struct AcceptGroupInvite {
    /// The group.
    pub group: String,
    /// The invitee.
    pub user: UserName,
}

impl Exec for AcceptGroupInvite {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, &self.group, &self.user, true, true)
    }
}

/// An invitee declines an invitation. Errors as [`AcceptGroupInvite`] up to "no such
/// invitation". Emits `InviteDeclined`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclineGroupInvite {
    /// The group.
    pub group: String,
    /// The invitee.
    pub user: UserName,
}

impl Exec for DeclineGroupInvite {
    type Reply = JoinOutcome;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<JoinOutcome> {
        settle(cx, &self.group, &self.user, true, false)
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
/// `USER_NOT_FOUND`; then as [`AddGroupMembers`].
///
/// Emits `MemberJoined` or `Invited` per invitee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteToGroup {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for InviteToGroup {
    type Reply = GroupInviteResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupInviteResult> {
        let max = cx.app.limits.groups.member_batch_max;
        if self.users.is_empty() {
            return Err(GroupError::InvalidParameter("usernames must be provided".into()).into());
        }
        if self.users.len() > max {
            return Err(GroupError::GroupFull.into());
        }
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let names = dedup(&self.users);
        let cells = resolve(cx, &names);
        let mut g = write_group(&cell, gnf)?;
        let invites = g.allow_invites;
        gate(&g, &self.group, &caller, |r| {
            need::staff(r) || (invites && r.is_some())
        })?;
        let cells = known(&names, cells)?;
        if caller.is_admin() || !g.invite_need_confirm {
            let joined = add_many(cx, &cell, &mut g, &cells, caller.is_admin(), true)?;
            return Ok(GroupInviteResult {
                joined,
                invited: Vec::new(),
            });
        }
        let inviter = match &caller {
            Caller::User(u, _) => u.clone(),
            _ => unreachable!("only users get here"),
        };
        let mut guards = lock_users(&cells);
        for (id, s) in guards.iter() {
            if s.gone {
                return Err(unknown(&s.name));
            }
            if g.blocks.contains_key(id) {
                return Err(GroupError::UserBlocked {
                    user: s.name.to_string(),
                    group: self.group.clone(),
                }
                .into());
            }
        }
        let mut invited = Vec::new();
        for c in &cells {
            if g.is_member(c.id) {
                continue;
            }
            let i = guards.iter().position(|(id, _)| *id == c.id).unwrap_or(0);
            let s = &mut *guards[i].1;
            add_pending(&cell.id, &mut g, c.id, s, true);
            invited.push(s.name.clone());
            emit(
                cx,
                GroupEvent::Invited {
                    group: self.group.clone(),
                    user: s.name.clone(),
                    inviter: inviter.clone(),
                },
            );
        }
        if invited.is_empty() {
            return Err(GroupError::AlreadyMember {
                user: names[0].to_string(),
                group: self.group,
            }
            .into());
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
pub struct ListGroupRequests {
    /// The group.
    pub group: String,
}

impl Ask for ListGroupRequests {
    type Reply = GroupRequests;
    fn ask(self, cx: &Ctx<'_>) -> Result<GroupRequests> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        Ok(GroupRequests {
            applications: g.applications.values().map(|p| p.name.clone()).collect(),
            invitations: g.invitations.values().map(|p| p.name.clone()).collect(),
        })
    }
}
