//! Announcement and shared files (spec §10), and member attributes (§11).
//!
//! Shared files are metadata only (id, name, owner, size, created): the host keeps the bytes
//! and formats URLs. A file lives `file_retention_ms`; afterwards it behaves as deleted and is
//! pruned by the next upload.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId, UserName};
use crate::limits::GroupLimits;
use crate::query::Ask;
use crate::roster::{Caller, Role};
use crate::store::State;
use crate::time::{Millis, Timestamp};

use super::state::{Attrs, FileMeta, Group};
use super::{GroupError, GroupEvent, emit, group_mut, open, open_if};

/// The announcement ("" if never set) (`GET /chatgroups/{g}/announcement`, spec N1). Members.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetGroupAnnouncement {
    /// The group.
    pub group: GroupId,
}

impl Ask for GetGroupAnnouncement {
    type Reply = String;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<String> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Member)?;
        Ok(g.announcement.clone())
    }
}

/// Sets the announcement; "" clears it (`POST /chatgroups/{g}/announcement`, spec N2).
/// Idempotent. Owner and admins.
///
/// Errors, in check order: `400 illegal_argument` `ANNOUNCEMENT_NULL` (`None`); `403 FORBIDDEN`
/// `ANNOUNCEMENT_TOO_LONG` (over 512 chars); `404 resource_not_found` `GROUP_NOT_FOUND`; `403
/// forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`.
///
/// Emits `AnnouncementUpdated`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetGroupAnnouncement {
    /// The group.
    pub group: GroupId,
    /// The text (required).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub announcement: Option<String>,
}

impl Exec for SetGroupAnnouncement {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let Some(text) = self.announcement else {
            return Err(GroupError::AnnouncementNull.into());
        };
        if text.chars().count() > cx.st.limits.groups.announcement_chars_max {
            return Err(GroupError::AnnouncementTooLong.into());
        }
        open(cx.st, cx.actor, &self.group, Role::Admin)?;
        let g = group_mut(cx.st, &self.group);
        g.announcement = text;
        g.modified = cx.now;
        emit(
            &mut cx.out,
            GroupEvent::AnnouncementUpdated { group: self.group },
        );
        Ok(true)
    }
}

/// A shared file's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFile {
    /// Id.
    pub file_id: String,
    /// Name.
    pub file_name: String,
    /// The uploader (`"admin"` for the app admin).
    pub file_owner: String,
    /// Bytes.
    pub file_size: u64,
    /// When it was uploaded.
    pub created: Timestamp,
    /// The group.
    pub group_id: GroupId,
}

/// `FILE_GROUP_NOT_FOUND`: the shared-file calls' missing group.
fn fgnf(id: &GroupId) -> Error {
    GroupError::FileGroupNotFound(id.to_string()).into()
}

/// The opening of the shared-file calls: the group (`FILE_GROUP_NOT_FOUND`), a member caller.
fn open_files<'a>(st: &'a State, id: &GroupId, caller: &Caller) -> Result<(&'a Group, Role)> {
    open_if(st, id, caller, fgnf, Role::inside)
}

/// Whether a file is still live at `now`.
fn file_live(l: &GroupLimits, f: &FileMeta, now: Timestamp) -> bool {
    f.created.after(Millis(l.file_retention_ms)) > now
}

fn view(gid: &GroupId, id: &str, f: &FileMeta) -> GroupFile {
    GroupFile {
        file_id: id.to_string(),
        file_name: f.name.clone(),
        file_owner: f.owner.clone(),
        file_size: f.size,
        created: f.created,
        group_id: gid.clone(),
    }
}

/// Unexpired shared files, newest first, page-number paging (`GET
/// /chatgroups/{g}/share_files?pagenum&pagesize`, spec F1). `page_size` default and max 1000.
/// Members.
///
/// Errors: `404 RestGroupFeignException` `FILE_GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupFiles {
    /// The group.
    pub group: GroupId,
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_num: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_size: Option<u32>,
}

impl Ask for ListGroupFiles {
    type Reply = Vec<GroupFile>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<GroupFile>> {
        let l = &cx.st.limits.groups;
        let size = match self.page_size {
            None | Some(0) => l.file_page_max,
            Some(n) => n.min(l.file_page_max),
        } as usize;
        let page = self.page_num.unwrap_or(1).max(1) as usize;
        let caller = Caller::of(cx.st, cx.actor);
        let (g, _) = open_files(cx.st, &self.group, &caller)?;
        Ok(g.files
            .iter()
            .rev()
            .filter(|(_, f)| file_live(l, f, cx.now))
            .skip((page - 1).saturating_mul(size))
            .take(size)
            .map(|(id, f)| view(&self.group, id, f))
            .collect())
    }
}

/// Records a shared file's metadata (`POST /chatgroups/{g}/share_files`, spec F2); the host
/// keeps the bytes. Members. The file id is drawn once the checks have passed; expired files
/// are pruned then.
///
/// Errors, in check order: `400 IllegalArgumentException` `FILE_MISSING` (no name); `400
/// invalid_parameter` `FIELD_TOO_LONG` (name over `file_name_bytes_max` bytes); `413
/// request_entity_too_large` `FILE_TOO_LARGE`; `404 RestGroupFeignException`
/// `FILE_GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403
/// exceed_limit` `FILE_LIMIT` (live files at `files_per_group_max`).
///
/// Emits `FileUploaded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UploadGroupFile {
    /// The group.
    pub group: GroupId,
    /// The file's name (required, non-empty, ≤ `file_name_bytes_max` bytes).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::file_name))]
    pub file_name: Option<String>,
    /// Its size in bytes.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::file_size))]
    pub file_size: u64,
}

impl Exec for UploadGroupFile {
    type Reply = GroupFile;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupFile> {
        let l = cx.st.limits.groups.clone();
        let Some(name) = self.file_name.filter(|n| !n.is_empty()) else {
            return Err(GroupError::FileMissing.into());
        };
        if name.len() > l.file_name_bytes_max {
            return Err(GroupError::FieldTooLong("file_name").into());
        }
        if self.file_size > l.file_bytes_max {
            return Err(GroupError::FileTooLarge(self.file_size, l.file_bytes_max).into());
        }
        let caller = Caller::of(cx.st, cx.actor);
        let (g, _) = open_files(cx.st, &self.group, &caller)?;
        let now = cx.now;
        let max = l.files_per_group_max;
        if g.files.values().filter(|f| file_live(&l, f, now)).count() >= max {
            return Err(GroupError::FileLimit(max).into());
        }
        let owner = match &caller {
            Caller::User(u, _) => u.to_string(),
            _ => "admin".to_string(),
        };
        let id = cx.st.mint().to_string();
        let meta = FileMeta {
            name,
            owner,
            owner_id: caller.id(),
            size: self.file_size,
            created: now,
        };
        let out = view(&self.group, &id, &meta);
        let g = group_mut(cx.st, &self.group);
        g.files.retain(|_, f| file_live(&l, f, now));
        g.files.insert(id.as_str().into(), meta);
        g.modified = now;
        emit(
            &mut cx.out,
            GroupEvent::FileUploaded {
                group: self.group,
                file_id: id,
            },
        );
        Ok(out)
    }
}

/// One shared file's metadata (`GET /chatgroups/{g}/share_files/{f}`, spec F3). Members.
///
/// Errors: `404 RestGroupFeignException` `FILE_GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `FILE_NOT_FOUND` (also once
/// expired).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetGroupFile {
    /// The group.
    pub group: GroupId,
    /// The file.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::minted_id))]
    pub file_id: String,
}

/// A live file of a group, or `FILE_NOT_FOUND`.
fn live_file<'a>(st: &State, g: &'a Group, id: &str, now: Timestamp) -> Result<&'a FileMeta> {
    g.files
        .get(id)
        .filter(|f| file_live(&st.limits.groups, f, now))
        .ok_or_else(|| GroupError::FileNotFound(id.to_string()).into())
}

impl Ask for GetGroupFile {
    type Reply = GroupFile;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GroupFile> {
        let caller = Caller::of(cx.st, cx.actor);
        let (g, _) = open_files(cx.st, &self.group, &caller)?;
        let f = live_file(cx.st, g, &self.file_id, cx.now)?;
        Ok(view(&self.group, &self.file_id, f))
    }
}

/// Deletes a shared file (`DELETE /chatgroups/{g}/share_files/{f}`, spec F4); not idempotent.
/// Owner and admins any file; members their own uploads.
///
/// Errors: `404 RestGroupFeignException` `FILE_GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `FILE_NOT_FOUND`; `403
/// forbidden_op` `PERMISSION_DENIED` (a member deleting another's file).
///
/// Emits `FileDeleted`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteGroupFile {
    /// The group.
    pub group: GroupId,
    /// The file.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::minted_id))]
    pub file_id: String,
}

impl Exec for DeleteGroupFile {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx.st, cx.actor);
        let (g, role) = open_files(cx.st, &self.group, &caller)?;
        let f = live_file(cx.st, g, &self.file_id, cx.now)?;
        if role == Role::Member && (f.owner_id.is_none() || caller.id() != f.owner_id) {
            return Err(GroupError::PermissionDenied.into());
        }
        let g = group_mut(cx.st, &self.group);
        g.files.shift_remove(self.file_id.as_str());
        g.modified = cx.now;
        emit(
            &mut cx.out,
            GroupEvent::FileDeleted {
                group: self.group,
                file_id: self.file_id,
            },
        );
        Ok(true)
    }
}

/// `META_GROUP_NOT_FOUND`: the member-attribute calls' missing group.
fn mgnf(_: &GroupId) -> Error {
    GroupError::MetaGroupNotFound.into()
}

/// The feature switch of member attributes (`META_DISABLED`).
fn meta_gate(l: &GroupLimits) -> Result<()> {
    if !l.member_attrs_enabled {
        return Err(GroupError::MetaDisabled.into());
    }
    Ok(())
}

/// Checks one write's keys and values (shape only).
fn check_pairs(l: &GroupLimits, m: &IndexMap<String, String>) -> Result<()> {
    for (k, v) in m {
        if k.is_empty() || k.len() > l.meta_key_bytes_max {
            return Err(GroupError::MetaKeyTooLong.into());
        }
        if v.len() > l.meta_value_bytes_max {
            return Err(GroupError::MetaValueTooLong.into());
        }
    }
    Ok(())
}

/// The attributes after merging `m` into `cur` ("" deletes), or `META_TOTAL_TOO_LONG`.
fn merged(l: &GroupLimits, cur: Option<&Attrs>, m: &IndexMap<String, String>) -> Result<Attrs> {
    let mut next = cur.cloned().unwrap_or_default();
    for (k, v) in m {
        if v.is_empty() {
            next.shift_remove(k.as_str());
        } else {
            next.insert(k.as_str().into(), v.as_str().into());
        }
    }
    let total: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > l.meta_total_bytes_max {
        return Err(GroupError::MetaTotalTooLong.into());
    }
    Ok(next)
}

/// Stores a member's attributes (no entry when empty).
fn set_attrs(g: &mut Group, uid: UserId, next: Attrs) {
    if next.is_empty() {
        g.attrs.remove(&uid);
    } else {
        g.attrs.insert(uid, next);
    }
}

/// Applies `m` to the pairs a reply reports as written ("" deletes).
fn write_reply(out: &mut IndexMap<String, String>, m: &IndexMap<String, String>) {
    for (k, v) in m {
        if v.is_empty() {
            out.shift_remove(k);
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
}

/// Sets (upserts) a member's attributes (`PUT /metadata/chatgroup/{g}/user/{uid}`, spec T1):
/// a value "" deletes its key. The owner may set any member's; others only their own.
/// Returns the keys set with their new values (deleted keys omitted).
///
/// Errors, in check order: `403 metadata_error` `META_DISABLED`; `400 metadata_error`
/// `META_KEY_TOO_LONG` (empty or over 16 bytes), `META_VALUE_TOO_LONG`; `404 metadata_error`
/// `META_GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `404
/// MetadataException` `META_USER_NOT_IN_GROUP`; `400 metadata_error` `META_TOTAL_TOO_LONG`.
///
/// Emits `MemberAttrsChanged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetGroupMemberAttrs {
    /// The group.
    pub group: GroupId,
    /// Whose.
    pub user: UserName,
    /// Key → value; "" deletes.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::member_attrs))]
    pub attrs: IndexMap<String, String>,
}

impl Exec for SetGroupMemberAttrs {
    type Reply = IndexMap<String, String>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<IndexMap<String, String>> {
        let l = &cx.st.limits.groups;
        meta_gate(l)?;
        check_pairs(l, &self.attrs)?;
        let caller = Caller::of(cx.st, cx.actor);
        let me = caller.is(&self.user);
        let (g, _) = open_if(cx.st, &self.group, &caller, mgnf, |r| {
            r.owns() || (me && r.inside())
        })?;
        let target = cx.st.users.id(&self.user);
        let Some(uid) = target.filter(|t| g.roster.is_member(*t)) else {
            return Err(GroupError::MetaUserNotInGroup.into());
        };
        let next = merged(l, g.attrs.get(&uid), &self.attrs)?;
        let g = group_mut(cx.st, &self.group);
        set_attrs(g, uid, next);
        g.modified = cx.now;
        emit(
            &mut cx.out,
            GroupEvent::MemberAttrsChanged {
                group: self.group,
                user: self.user,
            },
        );
        let mut out = IndexMap::new();
        write_reply(&mut out, &self.attrs);
        Ok(out)
    }
}

/// One user's entry in a [`BatchSetGroupMemberAttrs`] reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberAttrsSet {
    /// Whose.
    pub username: UserName,
    /// The keys set with their new values.
    pub metadata: IndexMap<String, String>,
}

/// Sets several members' attributes at once (`PUT /metadata/chatgroup/{g}/users/batch`, spec
/// T2); atomic. The same user twice is merged in order. The owner (or app admin) may set any
/// member's; others only their own.
///
/// Errors, in check order: `403 metadata_error` `META_DISABLED`; `400 metadata_error`
/// `META_BATCH_USERS` (over 20 entries); key/value errors as [`SetGroupMemberAttrs`]; `404
/// metadata_error` `META_GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `400 metadata_error` `META_NOT_IN_GROUP_BATCH` listing the non-members;
/// `400 metadata_error` `META_TOTAL_TOO_LONG`.
///
/// Emits `MemberAttrsChanged` per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BatchSetGroupMemberAttrs {
    /// The group.
    pub group: GroupId,
    /// `(user, attributes)` in order.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::member_attr_entries))]
    pub entries: Vec<(UserName, IndexMap<String, String>)>,
}

impl Exec for BatchSetGroupMemberAttrs {
    type Reply = Vec<GroupMemberAttrsSet>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupMemberAttrsSet>> {
        let l = &cx.st.limits.groups;
        meta_gate(l)?;
        if self.entries.len() > l.meta_batch_users_max {
            return Err(GroupError::MetaBatchUsers.into());
        }
        for (_, m) in &self.entries {
            check_pairs(l, m)?;
        }
        let caller = Caller::of(cx.st, cx.actor);
        let only_self = self.entries.iter().all(|(n, _)| caller.is(n));
        let (g, _) = open_if(cx.st, &self.group, &caller, mgnf, |r| {
            r.owns() || (only_self && r.inside())
        })?;
        let ids: Vec<Option<UserId>> = self
            .entries
            .iter()
            .map(|(n, _)| cx.st.users.id(n).filter(|i| g.roster.is_member(*i)))
            .collect();
        let mut missing: Vec<String> = Vec::new();
        for ((n, _), id) in self.entries.iter().zip(&ids) {
            if id.is_none() && !missing.contains(&n.to_string()) {
                missing.push(n.to_string());
            }
        }
        if !missing.is_empty() {
            return Err(GroupError::MetaNotInGroupBatch(missing).into());
        }
        // Merge per user in order, all checked before anything is written.
        let mut next: IndexMap<UserId, Attrs> = IndexMap::new();
        let mut out: IndexMap<UserId, GroupMemberAttrsSet> = IndexMap::new();
        for ((n, m), id) in self.entries.iter().zip(ids.into_iter().flatten()) {
            let cur = next.get(&id).or_else(|| g.attrs.get(&id));
            let merged = merged(l, cur, m)?;
            next.insert(id, merged);
            let e = out.entry(id).or_insert_with(|| GroupMemberAttrsSet {
                username: n.clone(),
                metadata: IndexMap::new(),
            });
            write_reply(&mut e.metadata, m);
        }
        let g = group_mut(cx.st, &self.group);
        for (id, attrs) in next {
            set_attrs(g, id, attrs);
        }
        g.modified = cx.now;
        for e in out.values() {
            emit(
                &mut cx.out,
                GroupEvent::MemberAttrsChanged {
                    group: self.group.clone(),
                    user: e.username.clone(),
                },
            );
        }
        Ok(out.into_values().collect())
    }
}

/// A member's attributes ({} if none) (`GET /metadata/chatgroup/{g}/user/{uid}`, spec T3).
/// Members.
///
/// Errors: `403 metadata_error` `META_DISABLED`; `404 metadata_error` `META_GROUP_NOT_FOUND`;
/// `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 MetadataException`
/// `META_USER_NOT_IN_GROUP`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetGroupMemberAttrs {
    /// The group.
    pub group: GroupId,
    /// Whose.
    pub user: UserName,
}

impl Ask for GetGroupMemberAttrs {
    type Reply = IndexMap<String, String>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<IndexMap<String, String>> {
        meta_gate(&cx.st.limits.groups)?;
        let caller = Caller::of(cx.st, cx.actor);
        let (g, _) = open_if(cx.st, &self.group, &caller, mgnf, Role::inside)?;
        let target = cx.st.users.id(&self.user);
        let Some(uid) = target.filter(|t| g.roster.is_member(*t)) else {
            return Err(GroupError::MetaUserNotInGroup.into());
        };
        Ok(g.attrs
            .get(&uid)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Chosen attributes of 1–10 members (`POST /metadata/chatgroup/{g}/get`, spec T4): empty
/// `keys` means all. Only users with at least one matching key appear (spec OPEN); unknown
/// users and non-members are skipped. Members.
///
/// Errors: `403 metadata_error` `META_DISABLED`; `400 metadata_error` `META_QUERY_LIMIT` (0 or
/// over 10 targets); `404 metadata_error` `META_GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetGroupMemberAttrsByKeys {
    /// The group.
    pub group: GroupId,
    /// Whose.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub targets: Vec<UserName>,
    /// Which keys; empty = all.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::member_attr_keys))]
    pub keys: Vec<String>,
}

impl Ask for GetGroupMemberAttrsByKeys {
    type Reply = IndexMap<UserName, IndexMap<String, String>>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<IndexMap<UserName, IndexMap<String, String>>> {
        let l = &cx.st.limits.groups;
        meta_gate(l)?;
        if self.targets.is_empty() || self.targets.len() > l.meta_targets_max {
            return Err(GroupError::MetaQueryLimit.into());
        }
        let caller = Caller::of(cx.st, cx.actor);
        let (g, _) = open_if(cx.st, &self.group, &caller, mgnf, Role::inside)?;
        let mut out = IndexMap::new();
        for n in &self.targets {
            let Some(m) = cx.st.users.id(n).and_then(|i| g.attrs.get(&i)) else {
                continue;
            };
            let picked: IndexMap<String, String> = m
                .iter()
                .filter(|(k, _)| self.keys.is_empty() || self.keys.iter().any(|x| x == &***k))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            if !picked.is_empty() {
                out.insert(n.clone(), picked);
            }
        }
        Ok(out)
    }
}
