//! Group lifecycle (spec §4): create, details, app list, joined groups, is-member, modify,
//! transfer ownership, disable/enable, destroy (C-GROUP).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId, UserName};
use crate::limits::GroupLimits;
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::roster::{Caller, Role, Roster};
use crate::store::{Set, State};
use crate::time::Timestamp;

use super::state::Group;
use super::{
    GroupError, GroupEvent, LeaveReason, emit, find, for_self, gate, gnf, group_mut, open,
};

fn chars(s: &Option<String>) -> usize {
    s.as_deref().map_or(0, |s| s.chars().count())
}

/// Checks the text fields shared by create and modify.
fn check_lengths(
    l: &GroupLimits,
    name: &Option<String>,
    description: &Option<String>,
    avatar: &Option<String>,
    custom: &Option<String>,
) -> Result<()> {
    if chars(name) > l.name_chars_max {
        return Err(GroupError::FieldTooLong("groupname").into());
    }
    if name.as_deref().is_some_and(crate::ids::has_control_or_bidi) {
        return Err(GroupError::InvalidParameter(
            "groupname must not contain control or bidi characters".into(),
        )
        .into());
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

/// Whether a custom group id is well formed: 1–64 chars of `[0-9A-Za-z_-]` (spec OPEN 16).
/// All digits are allowed, as the vendor allows them (its SDK test creates group
/// `123456666`): a destroyed group's id is retired whatever its kind, so a custom id never
/// takes one the counter minted, and the counter skips ids a custom group has taken.
fn valid_custom_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
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
/// 5. `400 invalid_parameter` custom id switched off or malformed; `400 illegal_argument`
///    `GROUP_ID_EXISTS` (a live group has it, or a destroyed one had it: ids are never
///    reused);
/// 6. `403 forbidden_op` `PERMISSION_DENIED` — a user creating a group for someone else;
/// 7. `403 exceed_limit` `GROUP_FULL` — `1 + |distinct members| > max_users`, decided while
///    de-duplicating (linear, stopping at the first member too many) before any name is
///    resolved, so an oversized list costs no more than the group can hold;
/// 8. `404 resource_not_found` `USER_NOT_FOUND` — the owner, then the first unknown member;
/// 9. `403 exceed_limit` `APP_GROUP_LIMIT`;
/// 10. `403 exceed_limit` `USER_GROUP_LIMIT` — the owner or a member is in too many groups.
///
/// The id (an engine id, or the group's `seq` with a custom one) is drawn once every check
/// has passed; an engine id a custom group has taken (all-digit custom ids) is skipped.
///
/// Emits `GroupCreated`, then `MemberJoined` for the owner and each member.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct CreateGroup {
    /// The owner (required for the admin; a user caller defaults to themself).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_user))]
    pub owner: Option<UserName>,
    /// Public or private (required).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_bool))]
    pub public: Option<bool>,
    /// Name, ≤ 128 chars.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_name))]
    pub name: Option<String>,
    /// Description, ≤ 512 chars.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub description: Option<String>,
    /// Avatar URL, ≤ 1024 chars.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub avatar: Option<String>,
    /// Capacity including the owner; default 200.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::max_users))]
    pub max_users: Option<u32>,
    /// Join applications need approval.
    pub members_only: Option<bool>,
    /// Ordinary members may invite (forced false for public groups).
    pub allow_invites: Option<bool>,
    /// Invitees must accept; default true.
    pub invite_need_confirm: Option<bool>,
    /// Initial members besides the owner.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub members: Vec<UserName>,
    /// Extension data, ≤ 8192 bytes.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub custom: Option<String>,
    /// A caller-chosen id (1–64 chars of `[0-9A-Za-z_-]`, digits only allowed; never one a
    /// destroyed group had).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::custom_group_id))]
    pub group_id: Option<GroupId>,
    /// Created as a large group.
    pub large: bool,
}

/// Reply to [`CreateGroup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCreated {
    /// The new group's id.
    pub group_id: GroupId,
}

impl Exec for CreateGroup {
    type Reply = GroupCreated;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupCreated> {
        let st = &*cx.st;
        let l = &st.limits.groups;
        let caller = Caller::of(st, cx.actor);
        let owner = match (&self.owner, &caller) {
            (Some(o), _) => o.clone(),
            (None, Caller::User(u, _)) => u.clone(),
            (None, _) => return Err(GroupError::MissingField("owner").into()),
        };
        let Some(public) = self.public else {
            return Err(GroupError::PublicMissing.into());
        };
        check_lengths(l, &self.name, &self.description, &self.avatar, &self.custom)?;
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
            if !valid_custom_id(id.as_str()) {
                return Err(
                    GroupError::InvalidParameter(format!("group id {id} is not legal")).into(),
                );
            }
            if st.groups.is_taken(id) {
                return Err(GroupError::GroupIdExists(id.to_string()).into());
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
        let mut seen: Set<&UserName> =
            Set::with_capacity_and_hasher(self.members.len().min(room), Default::default());
        let mut names: Vec<UserName> = Vec::with_capacity(self.members.len().min(room) + 1);
        names.push(owner.clone());
        for m in &self.members {
            if *m != owner && seen.insert(m) {
                if names.len() > room {
                    return Err(GroupError::GroupFull.into());
                }
                names.push(m.clone());
            }
        }
        // The owner, then the members, in request order.
        let ids: Vec<UserId> = names
            .iter()
            .map(|n| {
                st.users
                    .id(n)
                    .ok_or_else(|| GroupError::UserNotFound(n.to_string()).into())
            })
            .collect::<Result<_>>()?;
        if l.groups_per_app_max
            .is_some_and(|cap| st.groups.len() as u64 >= cap)
        {
            return Err(GroupError::AppGroupLimit(st.key.to_string()).into());
        }
        for (n, id) in names.iter().zip(&ids) {
            if st.groups.joined_count(*id) >= l.groups_per_user_max as usize {
                return Err(GroupError::UserGroupLimit(n.to_string()).into());
            }
        }
        let large = self.large || max_users > l.large_group_threshold;
        let mut seq = cx.st.mint();
        let id = match self.group_id {
            Some(id) => id,
            // The counter's next value, unless a custom group (all digits) has it.
            None => loop {
                let id = GroupId::from(seq.to_string());
                if !cx.st.groups.is_taken(&id) {
                    break id;
                }
                seq = cx.st.mint();
            },
        };
        let group = Group {
            seq,
            name: self.name.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            avatar: self.avatar.unwrap_or_default(),
            public,
            members_only: self.members_only.unwrap_or(false),
            allow_invites: !public && self.allow_invites.unwrap_or(false),
            invite_need_confirm: self.invite_need_confirm.unwrap_or(true),
            max_users,
            custom: self.custom.unwrap_or_default(),
            large,
            roster: Roster::new(ids[0]),
            mute_all: false,
            disabled: false,
            announcement: String::new(),
            files: IndexMap::new(),
            attrs: Default::default(),
            threads: IndexMap::new(),
            applications: IndexMap::new(),
            invitations: IndexMap::new(),
            created: cx.now,
            modified: cx.now,
        };
        cx.st.groups.insert(id.clone(), group);
        emit(
            &mut cx.out,
            GroupEvent::GroupCreated {
                group: id.clone(),
                owner,
            },
        );
        for (name, uid) in names.into_iter().zip(ids) {
            cx.st.groups.join(&id, uid, name.clone(), cx.now);
            emit(
                &mut cx.out,
                GroupEvent::MemberJoined {
                    group: id.clone(),
                    user: name,
                    need_notify: true,
                },
            );
        }
        Ok(GroupCreated { group_id: id })
    }
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
    pub id: GroupId,
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

fn details(gid: &GroupId, g: &Group, max: usize) -> GroupDetails {
    let owner = g.owner_name().clone();
    let members = &g.roster.members;
    let mut affiliations = Vec::with_capacity(members.len().min(max));
    affiliations.push(Affiliation::Owner(owner.clone()));
    for m in members.iter() {
        if affiliations.len() >= max {
            break;
        }
        if m.id() != g.roster.owner {
            affiliations.push(Affiliation::Member(m.name().clone()));
        }
    }
    GroupDetails {
        id: gid.clone(),
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
        affiliations_count: members.len(),
        affiliations,
        admins: g.roster.admins.values().cloned().collect(),
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
        id: GroupId,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetGroups {
    /// The ids.
    pub ids: Vec<GroupId>,
}

impl Ask for GetGroups {
    type Reply = Vec<GroupLookup>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<GroupLookup>> {
        let l = &cx.st.limits.groups;
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
        let caller = Caller::of(cx.st, cx.actor);
        let one = |id: &GroupId| -> Result<GroupDetails> {
            let g = find(cx.st, id, gnf)?;
            let blocked = caller
                .id()
                .is_some_and(|u| g.roster.blocks.contains_key(&u));
            gate(g, id, &caller, |r| r.inside() || (g.public && !blocked))?;
            Ok(details(id, g, l.details_members_max))
        };
        if self.ids.len() == 1 {
            return Ok(vec![GroupLookup::Found(one(&self.ids[0])?)]);
        }
        Ok(self
            .ids
            .iter()
            .map(|id| match one(id) {
                Ok(d) => GroupLookup::Found(d),
                Err(Error::Group(GroupError::GroupNotFound(_))) => GroupLookup::Missing {
                    id: id.clone(),
                    error: "group id doesn't exist".into(),
                },
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
    pub group_id: GroupId,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListAppGroups {
    /// Page size: default 10, clamped to 1000.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// Where to continue.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
}

impl Ask for ListAppGroups {
    type Reply = Page<AppGroupItem>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<AppGroupItem>> {
        let l = &cx.st.limits.groups;
        if !Caller::of(cx.st, cx.actor).is_admin() {
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
        let mut it = cx.st.groups.newest(from);
        let mut items = Vec::with_capacity(limit.min(cx.st.groups.len()));
        let mut last = None;
        for (k, id) in it.by_ref().take(limit) {
            last = Some(*k);
            let g = cx.st.groups.get(id).expect("indexed");
            items.push(AppGroupItem {
                group_id: id.clone(),
                name: g.name.clone(),
                owner: g.owner_name().clone(),
                affiliations: g.roster.members.len(),
                last_modified: g.modified,
                created: g.created,
            });
        }
        let cursor = match (it.next().is_some(), last) {
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
    pub group_id: GroupId,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListJoinedGroups {
    /// Whose.
    pub user: UserName,
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_num: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_size: Option<u32>,
}

/// The groups a user is in, newest join first (ties: later in join order first).
fn joined<'a>(st: &'a State, user: &UserName) -> Vec<(&'a GroupId, &'a Group)> {
    let Some(x) = st.users.id(user).and_then(|u| st.groups.user(u)) else {
        return Vec::new();
    };
    let mut v: Vec<(Timestamp, usize, &GroupId)> = x
        .groups
        .iter()
        .enumerate()
        .map(|(i, (g, t))| (*t, i, g))
        .collect();
    v.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    v.into_iter()
        .map(|(_, _, id)| (id, st.groups.get(id).expect("indexed")))
        .collect()
}

impl Ask for ListJoinedGroups {
    type Reply = JoinedGroups;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<JoinedGroups> {
        let l = &cx.st.limits.groups;
        for_self(&Caller::of(cx.st, cx.actor), &self.user)?;
        let size = match self.page_size {
            None | Some(0) => l.joined_page_default,
            Some(n) => n.min(l.joined_page_max),
        } as usize;
        let page = self.page_num.unwrap_or(1).max(1) as usize;
        let all = joined(cx.st, &self.user);
        let items = all
            .iter()
            .skip((page - 1).saturating_mul(size))
            .take(size)
            .map(|(id, g)| JoinedGroupItem {
                group_id: (*id).clone(),
                name: g.name.clone(),
                avatar: g.avatar.clone(),
                owner: g.owner_name().clone(),
                description: g.description.clone(),
                disabled: g.disabled,
                public: g.public,
                allow_invites: g.allow_invites,
                members_only: g.members_only,
                max_users: g.max_users,
                created: g.created,
            })
            .collect();
        Ok(JoinedGroups {
            items,
            total: all.len(),
        })
    }
}

/// The legacy joined-groups list (`GET /users/{uid}/joined_chatgroups`): up to
/// `joined_legacy_max` `(group_id, name)` pairs, newest join first. Unknown user: empty.
///
/// Errors: `403 forbidden_op` `PERMISSION_DENIED` (another user's list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListJoinedGroupsLegacy {
    /// Whose.
    pub user: UserName,
}

impl Ask for ListJoinedGroupsLegacy {
    type Reply = Vec<(GroupId, String)>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<(GroupId, String)>> {
        for_self(&Caller::of(cx.st, cx.actor), &self.user)?;
        let max = cx.st.limits.groups.joined_legacy_max;
        Ok(joined(cx.st, &self.user)
            .into_iter()
            .take(max)
            .map(|(id, g)| (id.clone(), g.name.clone()))
            .collect())
    }
}

/// Whether a user is a member (owner and admins are) (`GET
/// /chatgroups/{g}/user/{uid}/is_joined`, spec G5). Unknown user: false. A user caller may ask
/// about themself, or about anyone in a group they are in.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED` (user callers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsGroupMember {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Ask for IsGroupMember {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        let caller = Caller::of(cx.st, cx.actor);
        let asks_self = caller.is(&self.user);
        let (g, _) = super::open_if(cx.st, &self.group, &caller, gnf, |r| {
            asks_self || r.inside()
        })?;
        Ok(cx
            .st
            .users
            .id(&self.user)
            .is_some_and(|t| g.roster.is_member(t)))
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ModifyGroup {
    /// The group.
    pub group: GroupId,
    /// `groupname`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_name))]
    pub name: Option<String>,
    /// `description`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub description: Option<String>,
    /// `avatar`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub avatar: Option<String>,
    /// `maxusers`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::max_users))]
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
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub custom: Option<String>,
    /// Names of any other fields the request carried (e.g. `groupid`, `owner`).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::unknown_fields))]
    pub unknown_fields: Vec<String>,
}

impl Exec for ModifyGroup {
    type Reply = IndexMap<String, bool>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<IndexMap<String, bool>> {
        if !self.unknown_fields.is_empty() {
            return Err(GroupError::InvalidFields(self.unknown_fields.join(",")).into());
        }
        let l = cx.st.limits.groups.clone();
        check_lengths(
            &l,
            &self.name,
            &self.description,
            &self.avatar,
            &self.custom,
        )?;
        let caller = Caller::of(cx.st, cx.actor);
        let settings = self.max_users.is_some()
            || self.members_only.is_some()
            || self.allow_invites.is_some()
            || self.invite_need_confirm.is_some()
            || self.public.is_some();
        super::open_if(cx.st, &self.group, &caller, gnf, |r| {
            r.manages() && !settings
        })?;
        let g = group_mut(cx.st, &self.group);
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
            let ok = n != 0 && n <= l.max_users_cap && n as usize >= g.roster.members.len();
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
            emit(
                &mut cx.out,
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
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `NEW_OWNER_NOT_MEMBER`; `403
/// forbidden_op` `SAME_OWNER`.
///
/// Emits `AdminRemoved` (the new owner was an admin) and `MuteRemoved` (they had a mute
/// entry), then `OwnerChanged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct TransferGroupOwner {
    /// The group.
    pub group: GroupId,
    /// The new owner.
    pub new_owner: UserName,
}

impl Exec for TransferGroupOwner {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Owner)?;
        let target = cx.st.users.id(&self.new_owner);
        let Some(t) = target.filter(|t| g.roster.is_member(*t)) else {
            return Err(GroupError::NewOwnerNotMember {
                user: self.new_owner.to_string(),
                group: self.group.to_string(),
            }
            .into());
        };
        if t == g.roster.owner {
            return Err(GroupError::SameOwner.into());
        }
        hand_over(cx, &self.group, t, self.new_owner);
        Ok(true)
    }
}

/// Makes member `t` (named `new_name`) the owner of `gid`: the old owner becomes an ordinary
/// member, `t` leaves the admin list and the mute list. Emits `AdminRemoved` and `MuteRemoved`
/// when they applied, then `OwnerChanged`.
pub(crate) fn hand_over(cx: &mut Ctx<'_>, gid: &GroupId, t: UserId, new_name: UserName) {
    let g = group_mut(cx.st, gid);
    let old_name = g.owner_name().clone();
    let was_admin = g.roster.transfer(t);
    g.modified = cx.now;
    let was_muted = cx.st.groups.unmute(gid, t).is_some();
    if was_admin {
        emit(
            &mut cx.out,
            GroupEvent::AdminRemoved {
                group: gid.clone(),
                user: new_name.clone(),
            },
        );
    }
    if was_muted {
        emit(
            &mut cx.out,
            GroupEvent::MuteRemoved {
                group: gid.clone(),
                user: new_name.clone(),
            },
        );
    }
    emit(
        &mut cx.out,
        GroupEvent::OwnerChanged {
            group: gid.clone(),
            old: old_name,
            new: new_name,
        },
    );
}

/// Disables (`true`) or enables a group: the app admin only; idempotent. Returns `disabled`.
fn set_disabled(cx: &mut Ctx<'_>, group: GroupId, disabled: bool) -> Result<bool> {
    let caller = Caller::of(cx.st, cx.actor);
    find(cx.st, &group, gnf)?;
    if !caller.is_admin() {
        return Err(GroupError::PermissionDenied.into());
    }
    let g = group_mut(cx.st, &group);
    if g.disabled != disabled {
        g.disabled = disabled;
        g.modified = cx.now;
        emit(
            &mut cx.out,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DisableGroup {
    /// The group.
    pub group: GroupId,
}

impl Exec for DisableGroup {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_disabled(cx, self.group, true)
    }
}

/// Enables a group again (`POST /chatgroups/{g}/enable`, spec G9). Idempotent. App admin only.
/// Returns `disabled` (false).
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED`.
///
/// Emits `GroupEnabled` when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct EnableGroup {
    /// The group.
    pub group: GroupId,
}

impl Exec for EnableGroup {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_disabled(cx, self.group, false)
    }
}

/// Reply to [`DestroyGroup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDestroyed {
    /// Always true.
    pub success: bool,
    /// The group.
    pub group_id: GroupId,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DestroyGroup {
    /// The group.
    pub group: GroupId,
}

impl Exec for DestroyGroup {
    type Reply = GroupDestroyed;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupDestroyed> {
        open(cx.st, cx.actor, &self.group, Role::Owner)?;
        destroy(cx, &self.group);
        Ok(GroupDestroyed {
            success: true,
            group_id: self.group,
        })
    }
}

/// C-GROUP on a live group: its threads, its members' links and the group itself go (its id
/// is retired). Emits `ThreadDestroyed` per thread (creation order), `MemberLeft{Delete}`
/// per member (join order), then `GroupDestroyed`.
pub(crate) fn destroy(cx: &mut Ctx<'_>, gid: &GroupId) {
    let threads: Vec<_> = cx
        .st
        .groups
        .get(gid)
        .map(|g| g.threads.keys().cloned().collect())
        .unwrap_or_default();
    let Some(g) = cx.st.groups.remove(gid) else {
        return;
    };
    for thread in threads {
        emit(
            &mut cx.out,
            GroupEvent::ThreadDestroyed {
                group: gid.clone(),
                thread,
            },
        );
    }
    for m in g.roster.members.iter() {
        emit(
            &mut cx.out,
            GroupEvent::MemberLeft {
                group: gid.clone(),
                user: m.name().clone(),
                reason: LeaveReason::Delete,
            },
        );
    }
    emit(
        &mut cx.out,
        GroupEvent::GroupDestroyed { group: gid.clone() },
    );
}
