//! Group lifecycle (spec §4): create, details, app list, joined groups, is-member, modify,
//! transfer ownership, disable/enable, destroy.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::Ctx;
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::{UserCell, UserState, lock_users};
use crate::time::Timestamp;

use super::model::GroupState;
use super::{
    Caller, GroupCell, GroupError, GroupEvent, LeaveReason, Role, emit, find_group, gate, gnf,
    need, read_group, write_group,
};

fn chars(s: &Option<String>) -> usize {
    s.as_deref().map_or(0, |s| s.chars().count())
}

/// Checks the text fields shared by create and modify.
fn check_lengths(
    cx: &Ctx<'_>,
    name: &Option<String>,
    description: &Option<String>,
    avatar: &Option<String>,
    custom: &Option<String>,
) -> Result<()> {
    let l = &cx.app.limits.groups;
    if chars(name) > l.name_chars_max {
        return Err(GroupError::FieldTooLong("groupname").into());
    }
    if chars(description) > l.description_chars_max {
        return Err(GroupError::FieldTooLong("description").into());
    }
    if chars(avatar) > l.avatar_chars_max {
        return Err(GroupError::AvatarTooLong.into());
    }
    if custom.as_ref().map_or(0, |c| c.len()) > l.custom_bytes_max {
        return Err(GroupError::FieldTooLong("custom").into());
    }
    Ok(())
}

/// Whether a custom group id is well formed: 1–64 chars of `[0-9A-Za-z_-]` (spec OPEN 16),
/// not all digits. All-digit ids are the engine's own (spec §0.9, the per-app counter): a
/// custom one could take an id the counter has minted (and whose group was destroyed) or will
/// mint, so they are refused.
fn valid_custom_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a group id is an engine-minted one (all digits); custom ids never are.
pub(crate) fn is_minted_id(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Creates a group (`POST /chatgroups`, spec G1). The owner joins first, then the members in
/// request order, all at `now`. Duplicates and the owner are dropped from `members`; a public
/// group starts with `allow_invites = false`. A `User` caller may create a group they own
/// (`owner` defaults to them); the anonymous caller may not.
///
/// Errors, in check order:
/// 1. `400 invalid_parameter` `MISSING_FIELD` "owner must be provided";
/// 2. `400 invalid_parameter` `PUBLIC_MISSING`;
/// 3. `400 invalid_parameter` `FIELD_TOO_LONG` (groupname, description, custom),
///    `AVATAR_TOO_LONG`;
/// 4. `400 invalid_parameter` "max_users must be >= 1"; `403 exceed_limit` `MAXUSERS_OVER_CAP`;
/// 5. `400 invalid_parameter` custom id switched off or malformed (including all digits: those
///    are the engine's); `400 illegal_argument` `GROUP_ID_EXISTS` (a live group has it, or a
///    destroyed one had it: ids are never reused);
/// 6. `403 forbidden_op` `PERMISSION_DENIED` — a user creating a group for someone else;
/// 7. `403 exceed_limit` `GROUP_FULL` — `1 + |distinct members| > max_users`, decided while
///    de-duplicating (linear, stopping at the first member too many) before any name is
///    resolved, so an oversized list costs no more than the group can hold;
/// 8. `404 resource_not_found` `USER_NOT_FOUND` — the owner, then the first unknown member;
/// 9. `403 exceed_limit` `APP_GROUP_LIMIT`;
/// 10. `403 exceed_limit` `USER_GROUP_LIMIT` — the owner or a member is in too many groups.
///
/// Emits `GroupCreated`, then `MemberJoined` for the owner and each member.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateGroup {
    /// The owner (required for the admin; a user caller defaults to themself).
    pub owner: Option<UserName>,
    /// Public or private (required).
    pub public: Option<bool>,
    /// Name, ≤ 128 chars.
    pub name: Option<String>,
    /// Description, ≤ 512 chars.
    pub description: Option<String>,
    /// Avatar URL, ≤ 1024 chars.
    pub avatar: Option<String>,
    /// Capacity including the owner; default 200.
    pub max_users: Option<u32>,
    /// Join applications need approval.
    pub members_only: Option<bool>,
    /// Ordinary members may invite (forced false for public groups).
    pub allow_invites: Option<bool>,
    /// Invitees must accept; default true.
    pub invite_need_confirm: Option<bool>,
    /// Initial members besides the owner.
    pub members: Vec<UserName>,
    /// Extension data, ≤ 8192 bytes.
    pub custom: Option<String>,
    /// A caller-chosen id (1–64 chars of `[0-9A-Za-z_-]`, not all digits; never one a
    /// destroyed group had).
    pub group_id: Option<String>,
    /// Created as a large group.
    pub large: bool,
}

/// Reply to [`CreateGroup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCreated {
    /// The new group's id.
    pub group_id: String,
}

impl Exec for CreateGroup {
    type Reply = GroupCreated;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupCreated> {
        let l = cx.app.limits.groups.clone();
        let caller = Caller::of(cx);
        let owner = match (&self.owner, &caller) {
            (Some(o), _) => o.clone(),
            (None, Caller::User(u, _)) => u.clone(),
            (None, _) => return Err(GroupError::MissingField("owner").into()),
        };
        let Some(public) = self.public else {
            return Err(GroupError::PublicMissing.into());
        };
        check_lengths(
            cx,
            &self.name,
            &self.description,
            &self.avatar,
            &self.custom,
        )?;
        let max_users = match self.max_users {
            Some(0) => {
                return Err(GroupError::InvalidParameter("max_users must be >= 1".into()).into());
            }
            Some(n) if n > l.max_users_cap => {
                return Err(GroupError::MaxUsersOverCap {
                    n,
                    cap: l.max_users_cap,
                }
                .into());
            }
            Some(n) => n,
            None => l.max_users_default.min(l.max_users_cap),
        };
        if let Some(id) = &self.group_id {
            if !l.custom_group_id_enabled {
                return Err(
                    GroupError::InvalidParameter("custom group id is not enabled".into()).into(),
                );
            }
            if !valid_custom_id(id) {
                return Err(
                    GroupError::InvalidParameter(format!("group id {id} is not legal")).into(),
                );
            }
            if cx.app.groups.cell(id).is_some() || cx.app.groups.retired.lock().contains(&**id) {
                return Err(GroupError::GroupIdExists(id.clone()).into());
            }
        }
        match &caller {
            Caller::Admin => {}
            Caller::User(u, _) if *u == owner => {}
            _ => return Err(GroupError::PermissionDenied.into()),
        }
        // Linear de-duplication, stopping as soon as the distinct members outgrow the group:
        // an oversized list is refused before any name is resolved.
        let room = max_users as usize - 1;
        let mut seen: HashSet<&UserName> = HashSet::with_capacity(self.members.len().min(room));
        let mut names: Vec<UserName> = Vec::with_capacity(self.members.len().min(room));
        for m in &self.members {
            if *m != owner && seen.insert(m) {
                if names.len() == room {
                    return Err(GroupError::GroupFull.into());
                }
                names.push(m.clone());
            }
        }
        let unknown = |n: &UserName| GroupError::UserNotFound(n.to_string());
        let owner_cell = cx.app.user(&owner).ok_or_else(|| unknown(&owner))?;
        let mut cells: Vec<Arc<UserCell>> = Vec::with_capacity(names.len() + 1);
        cells.push(owner_cell);
        for n in &names {
            cells.push(cx.app.user(n).ok_or_else(|| unknown(n))?);
        }
        if !cx.app.groups.reserve_group(l.groups_per_app_max) {
            return Err(GroupError::AppGroupLimit(cx.app.key.to_string()).into());
        }
        match create(cx, &self, public, max_users, &owner, &cells) {
            Ok(id) => Ok(GroupCreated {
                group_id: id.to_string(),
            }),
            Err(e) => {
                cx.app.groups.release_group();
                Err(e)
            }
        }
    }
}

fn create(
    cx: &mut Ctx<'_>,
    c: &CreateGroup,
    public: bool,
    max_users: u32,
    owner: &UserName,
    cells: &[Arc<UserCell>],
) -> Result<Arc<str>> {
    let l = &cx.app.limits.groups;
    let seq = cx.app.next_id();
    let now = cx.now;
    // Publish the id first with a cell that reads as nonexistent (`gone`) until committed; the
    // maps are leaves (nobody locks an entity while holding their guard). Lock order: this new
    // group, then the users.
    let mut next: Arc<str> = match &c.group_id {
        Some(g) => g.as_str().into(),
        None => seq.to_string().into(),
    };
    let cell = loop {
        match cx.app.groups.groups.entry(Arc::clone(&next)) {
            dashmap::Entry::Occupied(_) if c.group_id.is_some() => {
                return Err(GroupError::GroupIdExists(next.to_string()).into());
            }
            dashmap::Entry::Occupied(_) => next = cx.app.next_id().to_string().into(),
            // A custom id destroyed since the pre-check (destroy retires it before unpublishing).
            dashmap::Entry::Vacant(_)
                if c.group_id.is_some() && cx.app.groups.retired.lock().contains(&next) =>
            {
                return Err(GroupError::GroupIdExists(next.to_string()).into());
            }
            dashmap::Entry::Vacant(v) => {
                let cell = Arc::new(GroupCell {
                    id: Arc::clone(&next),
                    state: RwLock::new(GroupState {
                        gone: true,
                        seq,
                        name: c.name.clone().unwrap_or_default(),
                        description: c.description.clone().unwrap_or_default(),
                        avatar: c.avatar.clone().unwrap_or_default(),
                        public,
                        members_only: c.members_only.unwrap_or(false),
                        allow_invites: !public && c.allow_invites.unwrap_or(false),
                        invite_need_confirm: c.invite_need_confirm.unwrap_or(true),
                        max_users,
                        custom: c.custom.clone().unwrap_or_default(),
                        large: c.large || max_users > l.large_group_threshold,
                        owner: cells[0].id,
                        members: IndexMap::with_capacity(cells.len()),
                        join_seq: 0,
                        roster: Vec::with_capacity(cells.len()),
                        admins: IndexMap::new(),
                        mute_all: false,
                        disabled: false,
                        announcement: String::new(),
                        allow: IndexMap::new(),
                        blocks: IndexMap::new(),
                        mutes: IndexMap::new(),
                        files: IndexMap::new(),
                        attrs: HashMap::new(),
                        threads: IndexMap::new(),
                        applications: IndexMap::new(),
                        invitations: IndexMap::new(),
                        created: now,
                        modified: now,
                    }),
                });
                v.insert(Arc::clone(&cell));
                break cell;
            }
        }
    };
    let id = Arc::clone(&cell.id);
    let mut g = cell.state.write();
    let mut guards = lock_users(cells);
    // Positions of the users in request order (the owner, then the members).
    let order: Vec<usize> = cells
        .iter()
        .map(|c| guards.iter().position(|(id, _)| *id == c.id).unwrap_or(0))
        .collect();
    let check = (|| {
        for &i in &order {
            let s = &guards[i].1;
            if s.gone {
                return Err(GroupError::UserNotFound(s.name.to_string()));
            }
        }
        for &i in &order {
            let s = &guards[i].1;
            if joined_count(s) >= l.groups_per_user_max as usize {
                return Err(GroupError::UserGroupLimit(s.name.to_string()));
            }
        }
        Ok(())
    })();
    if let Err(e) = check {
        cx.app.groups.groups.remove(&id);
        return Err(e.into());
    }
    g.gone = false;
    emit(
        cx,
        GroupEvent::GroupCreated {
            group: id.to_string(),
            owner: owner.clone(),
        },
    );
    for (k, &i) in order.iter().enumerate() {
        let s = &mut *guards[i].1;
        g.join(&id, &cells[k], s, now);
        if k == 0 {
            g.members[0].role = Role::Owner;
            g.sync(cells[0].id);
        }
        let name = s.name.clone();
        emit(
            cx,
            GroupEvent::MemberJoined {
                group: id.to_string(),
                user: name,
                need_notify: true,
            },
        );
    }
    cx.app
        .groups
        .by_created
        .lock()
        .insert((now, g.seq), Arc::clone(&id));
    Ok(id)
}

/// How many groups a user is in.
pub(crate) fn joined_count(s: &UserState) -> usize {
    s.extra().map_or(0, |x| x.groups.groups.len())
}
/// One entry of a group's `affiliations`: `{owner: uid}` or `{member: uid}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Affiliation {
    /// The owner.
    Owner(UserName),
    /// An admin or ordinary member.
    Member(UserName),
}

/// A group's details (spec G2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetails {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Avatar URL.
    pub avatar: String,
    /// Description.
    pub description: String,
    /// Public or private.
    pub public: bool,
    /// Join applications need approval.
    pub members_only: bool,
    /// Ordinary members may invite.
    pub allow_invites: bool,
    /// Invitees must accept.
    pub invite_need_confirm: bool,
    /// Capacity including the owner.
    pub max_users: u32,
    /// The owner.
    pub owner: UserName,
    /// When it was created.
    pub created: Timestamp,
    /// When it last changed.
    pub last_modified: Timestamp,
    /// Extension data.
    pub custom: String,
    /// Mute-all.
    pub mute: bool,
    /// Disabled.
    pub disabled: bool,
    /// Large group (`scale`).
    pub large: bool,
    /// Members, owner included.
    pub affiliations_count: usize,
    /// The owner, then every other member in join order (at most `details_members_max`).
    pub affiliations: Vec<Affiliation>,
    /// Admins in promotion order (an engine addition).
    pub admins: Vec<UserName>,
}

pub(crate) fn details(gid: &str, g: &GroupState, max: usize) -> GroupDetails {
    let owner = g.owner_name();
    let mut affiliations = Vec::with_capacity(g.members.len().min(max));
    affiliations.push(Affiliation::Owner(owner.clone()));
    for (id, m) in &g.members {
        if affiliations.len() >= max {
            break;
        }
        if *id != g.owner {
            affiliations.push(Affiliation::Member(m.name.clone()));
        }
    }
    GroupDetails {
        id: gid.to_string(),
        name: g.name.clone(),
        avatar: g.avatar.clone(),
        description: g.description.clone(),
        public: g.public,
        members_only: g.members_only,
        allow_invites: g.allow_invites,
        invite_need_confirm: g.invite_need_confirm,
        max_users: g.max_users,
        owner,
        created: g.created,
        last_modified: g.modified,
        custom: g.custom.clone(),
        mute: g.mute_all,
        disabled: g.disabled,
        large: g.large,
        affiliations_count: g.members.len(),
        affiliations,
        admins: g.admins.values().cloned().collect(),
    }
}

/// One entry of a [`GetGroups`] reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupLookup {
    /// The group's details.
    Found(GroupDetails),
    /// The id could not be shown: `error` says why ("group id doesn't exist", or the
    /// permission error's text for a user caller).
    Missing {
        /// The id asked for.
        id: String,
        /// Why.
        error: String,
    },
}

/// Details of one or more groups (`GET /chatgroups/{id1,id2,…}`, spec G2), in request order.
/// A user sees details of groups they are in and of public groups they are not blocked from
/// (spec §3); a disabled group is `GROUP_DISABLED` for users.
///
/// Errors, in check order: `400 invalid_parameter` (no ids); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` (over `details_ids_max`); with one id: `404 resource_not_found`
/// `GROUP_NOT_FOUND`, `403 forbidden_op` `GROUP_DISABLED`, `403 forbidden_op`
/// `PERMISSION_DENIED`. With several ids these become per-id `Missing` entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetGroups {
    /// The ids.
    pub ids: Vec<String>,
}

impl Ask for GetGroups {
    type Reply = Vec<GroupLookup>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<GroupLookup>> {
        let l = &cx.app.limits.groups;
        if self.ids.is_empty() {
            return Err(GroupError::InvalidParameter("group id must be provided".into()).into());
        }
        if self.ids.len() > l.details_ids_max {
            return Err(GroupError::BatchTooLarge(format!(
                "group ids size is more than max limit : {}",
                l.details_ids_max
            ))
            .into());
        }
        let caller = Caller::of(cx);
        let one = |id: &str| -> Result<GroupDetails> {
            let cell = find_group(cx, id, gnf)?;
            let g = read_group(&cell, gnf)?;
            let blocked = caller.id().is_some_and(|u| g.blocks.contains_key(&u));
            let public = g.public;
            gate(&g, id, &caller, |r| r.is_some() || (public && !blocked))?;
            Ok(details(id, &g, l.details_members_max))
        };
        if self.ids.len() == 1 {
            return Ok(vec![GroupLookup::Found(one(&self.ids[0])?)]);
        }
        Ok(self
            .ids
            .iter()
            .map(|id| match one(id) {
                Ok(d) => GroupLookup::Found(d),
                Err(crate::error::Error::Group(GroupError::GroupNotFound(_))) => {
                    GroupLookup::Missing {
                        id: id.clone(),
                        error: "group id doesn't exist".into(),
                    }
                }
                Err(e) => GroupLookup::Missing {
                    id: id.clone(),
                    error: e.to_string(),
                },
            })
            .collect())
    }
}

/// An item of the app's group list (spec G3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppGroupItem {
    /// Id.
    pub group_id: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: UserName,
    /// Members, owner included.
    pub affiliations: usize,
    /// When it last changed.
    pub last_modified: Timestamp,
    /// When it was created.
    pub created: Timestamp,
}

const APP_GROUPS_CURSOR: &str = "g";

/// All groups of the app, newest first (ties: later created first), with cursor paging
/// (`GET /chatgroups?limit&cursor`, spec G3). Admin only. A cursor marks a position: groups
/// created after the first page do not appear later; groups destroyed meanwhile are skipped.
///
/// Errors: `403 forbidden_op` `PERMISSION_DENIED` (a user caller); `400 invalid_parameter`
/// "limit must be >= 1"; `400 invalid_parameter` "invalid cursor".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAppGroups {
    /// Page size: default 10, clamped to 1000.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
}

impl Ask for ListAppGroups {
    type Reply = Page<AppGroupItem>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<AppGroupItem>> {
        let l = &cx.app.limits.groups;
        if !Caller::of(cx).is_admin() {
            return Err(GroupError::PermissionDenied.into());
        }
        let limit = match self.limit {
            None => l.app_list_default as usize,
            Some(0) => {
                return Err(GroupError::InvalidParameter("limit must be >= 1".into()).into());
            }
            Some(n) => n.min(l.app_list_max) as usize,
        };
        let from = match &self.cursor {
            None => None,
            Some(c) => {
                let [t, s] = paging::decode::<2>(APP_GROUPS_CURSOR, c)
                    .map_err(|_| GroupError::InvalidParameter("invalid cursor".into()))?;
                Some((Timestamp(t as i64), s))
            }
        };
        let keys: Vec<((Timestamp, u64), Arc<str>)> = {
            let idx = cx.app.groups.by_created.lock();
            let it: Box<dyn Iterator<Item = _>> = match from {
                None => Box::new(idx.iter().rev()),
                Some(k) => Box::new(idx.range(..k).rev()),
            };
            it.take(limit + 1)
                .map(|(k, v)| (*k, Arc::clone(v)))
                .collect()
        };
        let more = keys.len() > limit;
        let mut items = Vec::with_capacity(limit.min(keys.len()));
        let mut last = None;
        for (k, id) in keys.into_iter().take(limit) {
            last = Some(k);
            let Some(cell) = cx.app.groups.cell(&id) else {
                continue;
            };
            let g = cell.state.read();
            if g.gone {
                continue;
            }
            items.push(AppGroupItem {
                group_id: id.to_string(),
                name: g.name.clone(),
                owner: g.owner_name(),
                affiliations: g.members.len(),
                last_modified: g.modified,
                created: g.created,
            });
        }
        let cursor = match (more, last) {
            (true, Some((t, s))) => Some(paging::encode(APP_GROUPS_CURSOR, &[t.0 as u64, s])),
            _ => None,
        };
        Ok(Page { items, cursor })
    }
}

/// An item of a user's joined-groups list (spec G4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinedGroupItem {
    /// Id.
    pub group_id: String,
    /// Name.
    pub name: String,
    /// Avatar.
    pub avatar: String,
    /// Owner.
    pub owner: UserName,
    /// Description.
    pub description: String,
    /// Disabled.
    pub disabled: bool,
    /// Public.
    pub public: bool,
    /// Ordinary members may invite.
    pub allow_invites: bool,
    /// Applications need approval.
    pub members_only: bool,
    /// Capacity.
    pub max_users: u32,
    /// Created.
    pub created: Timestamp,
}

/// Reply to [`ListJoinedGroups`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinedGroups {
    /// The page.
    pub items: Vec<JoinedGroupItem>,
    /// Groups the user is in, owner included.
    pub total: usize,
}

/// The groups a user is in, newest join first, page-number paging (`GET
/// /chatgroups/user/{uid}?pagenum&pagesize`, spec G4). `page_size` default 5, clamped to 20,
/// `0` = default; `page_num` 1-based, `0` = 1. An unknown user gets an empty page, total 0. A
/// user caller may list only their own groups.
///
/// Errors: `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListJoinedGroups {
    /// Whose.
    pub user: UserName,
    /// 1-based page.
    pub page_num: Option<u32>,
    /// Page size.
    pub page_size: Option<u32>,
}

/// The group ids a user is in, newest join first, with the total.
pub(crate) fn joined_ids(cx: &Ctx<'_>, user: &UserName) -> Vec<Arc<str>> {
    let Some(cell) = cx.app.user(user) else {
        return Vec::new();
    };
    let s = cell.state.read();
    if s.gone {
        return Vec::new();
    }
    let Some(x) = s.extra() else {
        return Vec::new();
    };
    let mut v: Vec<(Timestamp, usize, Arc<str>)> = x
        .groups
        .groups
        .iter()
        .enumerate()
        .map(|(i, (g, t))| (*t, i, Arc::clone(g)))
        .collect();
    v.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    v.into_iter().map(|e| e.2).collect()
}

fn self_only(cx: &Ctx<'_>, user: &UserName) -> Result<()> {
    match Caller::of(cx) {
        Caller::Admin => Ok(()),
        Caller::User(u, _) if u == *user => Ok(()),
        _ => Err(GroupError::PermissionDenied.into()),
    }
}

impl Ask for ListJoinedGroups {
    type Reply = JoinedGroups;
    fn ask(self, cx: &Ctx<'_>) -> Result<JoinedGroups> {
        let l = &cx.app.limits.groups;
        self_only(cx, &self.user)?;
        let size = match self.page_size {
            None | Some(0) => l.joined_page_default,
            Some(n) => n.min(l.joined_page_max),
        } as usize;
        let page = self.page_num.unwrap_or(1).max(1) as usize;
        let ids = joined_ids(cx, &self.user);
        let total = ids.len();
        let mut items = Vec::new();
        for id in ids.iter().skip((page - 1).saturating_mul(size)).take(size) {
            let Some(cell) = cx.app.groups.cell(id) else {
                continue;
            };
            let g = cell.state.read();
            if g.gone {
                continue;
            }
            items.push(JoinedGroupItem {
                group_id: id.to_string(),
                name: g.name.clone(),
                avatar: g.avatar.clone(),
                owner: g.owner_name(),
                description: g.description.clone(),
                disabled: g.disabled,
                public: g.public,
                allow_invites: g.allow_invites,
                members_only: g.members_only,
                max_users: g.max_users,
                created: g.created,
            });
        }
        Ok(JoinedGroups { items, total })
    }
}

/// The legacy joined-groups list (`GET /users/{uid}/joined_chatgroups`): up to
/// `joined_legacy_max` `(group_id, name)` pairs, newest join first. Unknown user: empty.
///
/// Errors: `403 forbidden_op` `PERMISSION_DENIED` (another user's list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListJoinedGroupsLegacy {
    /// Whose.
    pub user: UserName,
}

impl Ask for ListJoinedGroupsLegacy {
    type Reply = Vec<(String, String)>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<(String, String)>> {
        self_only(cx, &self.user)?;
        let max = cx.app.limits.groups.joined_legacy_max;
        let mut out = Vec::new();
        for id in joined_ids(cx, &self.user).into_iter().take(max) {
            if let Some(cell) = cx.app.groups.cell(&id) {
                let g = cell.state.read();
                if !g.gone {
                    out.push((id.to_string(), g.name.clone()));
                }
            }
        }
        Ok(out)
    }
}

/// Whether a user is a member (owner and admins are) (`GET
/// /chatgroups/{g}/user/{uid}/is_joined`, spec G5). Unknown user: false. A user caller may ask
/// about themself, or about anyone in a group they are in.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED` (user callers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsGroupMember {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Ask for IsGroupMember {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        let asks_self = matches!(&caller, Caller::User(u, _) if *u == self.user);
        gate(&g, &self.group, &caller, |r| asks_self || r.is_some())?;
        Ok(target.is_some_and(|t| g.is_member(t)))
    }
}

/// Modifies a group (`PUT /chatgroups/{g}`, spec G6): each supplied field is applied and
/// reported `true`, except `maxusers`, which is `false` (unchanged) when 0, above the plan cap
/// or below the member count. Owners and admins may change name, description, avatar and
/// custom; the settings (public, members_only, allow_invites, invite_need_confirm, max_users)
/// are the app admin's (spec OPEN 7).
///
/// Errors, in check order: `400 invalid_parameter` `INVALID_FIELDS` (any `unknown_fields`);
/// `FIELD_TOO_LONG` / `AVATAR_TOO_LONG`; `404 resource_not_found` `GROUP_NOT_FOUND`;
/// `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `GroupInfoUpdated` with the fields applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifyGroup {
    /// The group.
    pub group: String,
    /// `groupname`.
    pub name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `avatar`.
    pub avatar: Option<String>,
    /// `maxusers`.
    pub max_users: Option<u32>,
    /// `membersonly`.
    pub members_only: Option<bool>,
    /// `allowinvites`.
    pub allow_invites: Option<bool>,
    /// `invite_need_confirm`.
    pub invite_need_confirm: Option<bool>,
    /// `public`.
    pub public: Option<bool>,
    /// `custom`.
    pub custom: Option<String>,
    /// Names of any other fields the request carried (e.g. `groupid`, `owner`).
    pub unknown_fields: Vec<String>,
}

impl Exec for ModifyGroup {
    type Reply = IndexMap<String, bool>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<IndexMap<String, bool>> {
        if !self.unknown_fields.is_empty() {
            return Err(GroupError::InvalidFields(self.unknown_fields.join(",")).into());
        }
        check_lengths(
            cx,
            &self.name,
            &self.description,
            &self.avatar,
            &self.custom,
        )?;
        let l = cx.app.limits.groups.clone();
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        let settings = self.max_users.is_some()
            || self.members_only.is_some()
            || self.allow_invites.is_some()
            || self.invite_need_confirm.is_some()
            || self.public.is_some();
        gate(&g, &self.group, &caller, |r| need::staff(r) && !settings)?;
        let mut out = IndexMap::new();
        if let Some(v) = self.name {
            g.name = v;
            out.insert("groupname".to_string(), true);
        }
        if let Some(v) = self.description {
            g.description = v;
            out.insert("description".to_string(), true);
        }
        if let Some(v) = self.avatar {
            g.avatar = v;
            out.insert("avatar".to_string(), true);
        }
        if let Some(n) = self.max_users {
            let ok = n != 0 && n <= l.max_users_cap && n as usize >= g.members.len();
            if ok {
                g.max_users = n;
                if n > l.large_group_threshold {
                    g.large = true;
                }
            }
            out.insert("maxusers".to_string(), ok);
        }
        if let Some(v) = self.members_only {
            g.members_only = v;
            out.insert("membersonly".to_string(), true);
        }
        if let Some(v) = self.allow_invites {
            g.allow_invites = v;
            out.insert("allowinvites".to_string(), true);
        }
        if let Some(v) = self.invite_need_confirm {
            g.invite_need_confirm = v;
            out.insert("invite_need_confirm".to_string(), true);
        }
        if let Some(v) = self.public {
            g.public = v;
            out.insert("public".to_string(), true);
        }
        if let Some(v) = self.custom {
            g.custom = v;
            out.insert("custom".to_string(), true);
        }
        let fields: Vec<String> = out
            .iter()
            .filter(|(_, ok)| **ok)
            .map(|(k, _)| k.clone())
            .collect();
        if !fields.is_empty() {
            g.modified = cx.now;
            drop(g);
            emit(
                cx,
                GroupEvent::GroupInfoUpdated {
                    group: self.group,
                    fields,
                },
            );
        }
        Ok(out)
    }
}

/// Transfers ownership (`PUT /chatgroups/{g}` with `newowner`, spec G7). The new owner leaves
/// the admin list and loses their mute entry; the old owner becomes an ordinary member.
/// Joined-group counts do not change. Owner or app admin.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `NEW_OWNER_NOT_MEMBER` (also a
/// user being deleted); `403 forbidden_op` `SAME_OWNER`.
///
/// Emits `AdminRemoved` (the new owner was an admin) and `MuteRemoved` (they had a mute
/// entry), then `OwnerChanged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferGroupOwner {
    /// The group.
    pub group: String,
    /// The new owner.
    pub new_owner: UserName,
}

impl Exec for TransferGroupOwner {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.new_owner);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::owner)?;
        let not_member = || GroupError::NewOwnerNotMember {
            user: self.new_owner.to_string(),
            group: self.group.clone(),
        };
        let Some(t) = target.filter(|t| g.is_member(t.id)) else {
            return Err(not_member().into());
        };
        if t.id == g.owner {
            return Err(GroupError::SameOwner.into());
        }
        if t.state.read().gone {
            return Err(not_member().into());
        }
        let old = g.owner;
        let old_name = g.owner_name();
        let was_admin = g.admins.shift_remove(&t.id).is_some();
        let was_muted = g.mutes.shift_remove(&t.id).is_some();
        if let Some(m) = g.members.get_mut(&old) {
            m.role = Role::Member;
        }
        if let Some(m) = g.members.get_mut(&t.id) {
            m.role = Role::Owner;
            m.set_muted(None);
        }
        g.sync(old);
        g.sync(t.id);
        g.owner = t.id;
        g.modified = cx.now;
        drop(g);
        if was_admin {
            emit(
                cx,
                GroupEvent::AdminRemoved {
                    group: self.group.clone(),
                    user: self.new_owner.clone(),
                },
            );
        }
        if was_muted {
            emit(
                cx,
                GroupEvent::MuteRemoved {
                    group: self.group.clone(),
                    user: self.new_owner.clone(),
                },
            );
        }
        emit(
            cx,
            GroupEvent::OwnerChanged {
                group: self.group,
                old: old_name,
                new: self.new_owner,
            },
        );
        Ok(true)
    }
}

fn set_disabled(cx: &mut Ctx<'_>, group: &str, disabled: bool) -> Result<bool> {
    let caller = Caller::of(cx);
    let cell = find_group(cx, group, gnf)?;
    let mut g = write_group(&cell, gnf)?;
    if !caller.is_admin() {
        return Err(GroupError::PermissionDenied.into());
    }
    if g.disabled != disabled {
        g.disabled = disabled;
        g.modified = cx.now;
        drop(g);
        let group = group.to_string();
        emit(
            cx,
            if disabled {
                GroupEvent::GroupDisabled { group }
            } else {
                GroupEvent::GroupEnabled { group }
            },
        );
    }
    Ok(disabled)
}

/// Disables a group (`POST /chatgroups/{g}/disable`, spec G8): nothing is deleted; user calls
/// on it and its threads fail with `GROUP_DISABLED`, and nobody may speak. Idempotent. App
/// admin only. Returns `disabled` (true).
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED`.
///
/// Emits `GroupDisabled` when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableGroup {
    /// The group.
    pub group: String,
}

impl Exec for DisableGroup {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_disabled(cx, &self.group, true)
    }
}

/// Enables a group again (`POST /chatgroups/{g}/enable`, spec G9). Idempotent. App admin only.
/// Returns `disabled` (false).
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED`.
///
/// Emits `GroupEnabled` when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableGroup {
    /// The group.
    pub group: String,
}

impl Exec for EnableGroup {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_disabled(cx, &self.group, false)
    }
}

/// Reply to [`DestroyGroup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDestroyed {
    /// Always true.
    pub success: bool,
    /// The group.
    pub group_id: String,
}

/// Destroys a group (`DELETE /chatgroups/{g}`, spec G10) with the C-GROUP cascade: its threads
/// are destroyed, every member leaves (reason `Delete`), lists, files, attributes and pending
/// requests go; the id is never reused. Owner or app admin.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND` (so a second destroy fails);
/// `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `ThreadDestroyed` per thread, `MemberLeft{Delete}` per member, then `GroupDestroyed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestroyGroup {
    /// The group.
    pub group: String,
}

impl Exec for DestroyGroup {
    type Reply = GroupDestroyed;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupDestroyed> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::owner)?;
        destroy(cx, &cell, &mut g);
        Ok(GroupDestroyed {
            success: true,
            group_id: self.group,
        })
    }
}

/// C-GROUP on a write-locked live group: locks its members (after the group), unlinks them,
/// destroys the threads, releases the counters and unpublishes the id.
pub(crate) fn destroy(cx: &mut Ctx<'_>, cell: &GroupCell, g: &mut GroupState) {
    let gid = Arc::clone(&cell.id);
    let cells: Vec<Arc<UserCell>> = g.members.values().map(|m| Arc::clone(&m.cell)).collect();
    let mut guards = lock_users(&cells);
    {
        let mut users: HashMap<UserId, &mut UserState> =
            guards.iter_mut().map(|(id, s)| (*id, &mut **s)).collect();
        let tids: Vec<Arc<str>> = g.threads.keys().cloned().collect();
        for t in &tids {
            g.drop_thread(cx, &gid, t, &mut users);
        }
        g.roster.clear();
        for (uid, m) in std::mem::take(&mut g.members) {
            if let Some(s) = users.get_mut(&uid)
                && let Some(x) = s.extra.as_deref_mut()
            {
                x.groups.groups.shift_remove(&gid);
            }
            emit(
                cx,
                GroupEvent::MemberLeft {
                    group: gid.to_string(),
                    user: m.name,
                    reason: LeaveReason::Delete,
                },
            );
        }
    }
    drop(guards);
    g.gone = true;
    g.admins.clear();
    g.allow.clear();
    g.blocks.clear();
    g.mutes.clear();
    g.files.clear();
    g.attrs.clear();
    g.applications.clear();
    g.invitations.clear();
    g.announcement.clear();
    let store = &cx.app.groups;
    // Ids are never reused (spec §0.9, C-GROUP): minted ones come from a monotonic counter and
    // custom ones cannot be all digits; a custom one is remembered before it is unpublished.
    if !is_minted_id(&gid) {
        store.retired.lock().insert(Arc::clone(&gid));
    }
    store.groups.remove(&gid);
    store.by_created.lock().remove(&(g.created, g.seq));
    store.release_group();
    emit(
        cx,
        GroupEvent::GroupDestroyed {
            group: gid.to_string(),
        },
    );
}
