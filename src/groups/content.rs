//! Announcement and shared files (spec §10), and member attributes (§11).
//!
//! Shared files are metadata only (id, name, owner, size, created): the host keeps the bytes
//! and formats URLs. A file lives `file_retention_ms`; afterwards it behaves as deleted and is
//! pruned on the next write.

use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::Ctx;
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::query::Ask;
use crate::time::{Millis, Timestamp};

use super::model::{FileMeta, GroupState};
use super::{
    Caller, GroupError, GroupEvent, Role, emit, find_group, gate, gnf, need, read_group,
    write_group,
};

/// The announcement ("" if never set) (`GET /chatgroups/{g}/announcement`, spec N1). Members.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetGroupAnnouncement {
    /// The group.
    pub group: String,
}

impl Ask for GetGroupAnnouncement {
    type Reply = String;
    fn ask(self, cx: &Ctx<'_>) -> Result<String> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::member)?;
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
pub struct SetGroupAnnouncement {
    /// The group.
    pub group: String,
    /// The text (required).
    pub announcement: Option<String>,
}

impl Exec for SetGroupAnnouncement {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let Some(text) = self.announcement else {
            return Err(GroupError::AnnouncementNull.into());
        };
        if text.chars().count() > cx.app.limits.groups.announcement_chars_max {
            return Err(GroupError::AnnouncementTooLong.into());
        }
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        g.announcement = text;
        g.modified = cx.now;
        drop(g);
        emit(cx, GroupEvent::AnnouncementUpdated { group: self.group });
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
    pub group_id: String,
}

fn fgnf(id: &str) -> crate::error::Error {
    GroupError::FileGroupNotFound(id.to_string()).into()
}

fn file_live(cx: &Ctx<'_>, f: &FileMeta) -> bool {
    f.created
        .after(Millis(cx.app.limits.groups.file_retention_ms))
        > cx.now
}

fn view(gid: &str, id: &str, f: &FileMeta) -> GroupFile {
    GroupFile {
        file_id: id.to_string(),
        file_name: f.name.clone(),
        file_owner: f.owner.clone(),
        file_size: f.size,
        created: f.created,
        group_id: gid.to_string(),
    }
}

/// Unexpired shared files, newest first, page-number paging (`GET
/// /chatgroups/{g}/share_files?pagenum&pagesize`, spec F1). `page_size` default and max 1000.
/// Members.
///
/// Errors: `404 RestGroupFeignException` `FILE_GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListGroupFiles {
    /// The group.
    pub group: String,
    /// 1-based page.
    pub page_num: Option<u32>,
    /// Page size.
    pub page_size: Option<u32>,
}

impl Ask for ListGroupFiles {
    type Reply = Vec<GroupFile>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<GroupFile>> {
        let max = cx.app.limits.groups.file_page_max;
        let size = match self.page_size {
            None | Some(0) => max,
            Some(n) => n.min(max),
        } as usize;
        let page = self.page_num.unwrap_or(1).max(1) as usize;
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, fgnf)?;
        let g = read_group(&cell, fgnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        Ok(g.files
            .iter()
            .rev()
            .filter(|(_, f)| file_live(cx, f))
            .skip((page - 1).saturating_mul(size))
            .take(size)
            .map(|(id, f)| view(&self.group, id, f))
            .collect())
    }
}

/// Records a shared file's metadata (`POST /chatgroups/{g}/share_files`, spec F2); the host
/// keeps the bytes. Members.
///
/// Errors, in check order: `400 IllegalArgumentException` `FILE_MISSING` (no name); `400
/// invalid_parameter` `FIELD_TOO_LONG` (name over `file_name_bytes_max` bytes); `413
/// request_entity_too_large` `FILE_TOO_LARGE`; `404 RestGroupFeignException`
/// `FILE_GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403
/// exceed_limit` `FILE_LIMIT` (live files at `files_per_group_max`).
///
/// Emits `FileUploaded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadGroupFile {
    /// The group.
    pub group: String,
    /// The file's name (required, non-empty, ≤ `file_name_bytes_max` bytes).
    pub file_name: Option<String>,
    /// Its size in bytes.
    pub file_size: u64,
}

impl Exec for UploadGroupFile {
    type Reply = GroupFile;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<GroupFile> {
        let l = &cx.app.limits.groups;
        let Some(name) = self.file_name.filter(|n| !n.is_empty()) else {
            return Err(GroupError::FileMissing.into());
        };
        if name.len() > l.file_name_bytes_max {
            return Err(GroupError::FieldTooLong("file_name").into());
        }
        if self.file_size > l.file_bytes_max {
            return Err(GroupError::FileTooLarge(self.file_size, l.file_bytes_max).into());
        }
        let max = l.files_per_group_max;
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, fgnf)?;
        let mut g = write_group(&cell, fgnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        let retention = Millis(cx.app.limits.groups.file_retention_ms);
        let now = cx.now;
        g.files.retain(|_, f| f.created.after(retention) > now);
        if g.files.len() >= max {
            return Err(GroupError::FileLimit(max).into());
        }
        let owner = match &caller {
            Caller::User(u, _) => u.to_string(),
            _ => "admin".to_string(),
        };
        let owner_id = caller.id();
        let id: Arc<str> = cx.app.next_id().to_string().into();
        let meta = FileMeta {
            name,
            owner,
            owner_id,
            size: self.file_size,
            created: now,
        };
        let out = view(&self.group, &id, &meta);
        g.files.insert(Arc::clone(&id), meta);
        g.modified = now;
        drop(g);
        emit(
            cx,
            GroupEvent::FileUploaded {
                group: self.group,
                file_id: id.to_string(),
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
pub struct GetGroupFile {
    /// The group.
    pub group: String,
    /// The file.
    pub file_id: String,
}

impl Ask for GetGroupFile {
    type Reply = GroupFile;
    fn ask(self, cx: &Ctx<'_>) -> Result<GroupFile> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, fgnf)?;
        let g = read_group(&cell, fgnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        match g.files.get(self.file_id.as_str()) {
            Some(f) if file_live(cx, f) => Ok(view(&self.group, &self.file_id, f)),
            _ => Err(GroupError::FileNotFound(self.file_id).into()),
        }
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
pub struct DeleteGroupFile {
    /// The group.
    pub group: String,
    /// The file.
    pub file_id: String,
}

impl Exec for DeleteGroupFile {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, fgnf)?;
        let mut g = write_group(&cell, fgnf)?;
        let role = gate(&g, &self.group, &caller, need::member)?;
        let live = g
            .files
            .get(self.file_id.as_str())
            .filter(|f| file_live(cx, f))
            .cloned();
        let Some(f) = live else {
            return Err(GroupError::FileNotFound(self.file_id).into());
        };
        if role == Some(Role::Member) && (f.owner_id.is_none() || caller.id() != f.owner_id) {
            return Err(GroupError::PermissionDenied.into());
        }
        g.files.shift_remove(self.file_id.as_str());
        g.modified = cx.now;
        drop(g);
        emit(
            cx,
            GroupEvent::FileDeleted {
                group: self.group,
                file_id: self.file_id,
            },
        );
        Ok(true)
    }
}

fn mgnf(_: &str) -> crate::error::Error {
    GroupError::MetaGroupNotFound.into()
}

fn meta_gate(cx: &Ctx<'_>) -> Result<()> {
    if !cx.app.limits.groups.member_attrs_enabled {
        return Err(GroupError::MetaDisabled.into());
    }
    Ok(())
}

/// Checks one write's keys and values (shape only).
fn check_pairs(cx: &Ctx<'_>, m: &IndexMap<String, String>) -> Result<()> {
    let l = &cx.app.limits.groups;
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
fn merged(
    cx: &Ctx<'_>,
    cur: Option<&IndexMap<Box<str>, Box<str>>>,
    m: &IndexMap<String, String>,
) -> Result<IndexMap<Box<str>, Box<str>>> {
    let mut next = cur.cloned().unwrap_or_default();
    for (k, v) in m {
        if v.is_empty() {
            next.shift_remove(k.as_str());
        } else {
            next.insert(k.as_str().into(), v.as_str().into());
        }
    }
    let total: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > cx.app.limits.groups.meta_total_bytes_max {
        return Err(GroupError::MetaTotalTooLong.into());
    }
    Ok(next)
}

fn set_attrs(g: &mut GroupState, uid: UserId, next: IndexMap<Box<str>, Box<str>>) {
    if next.is_empty() {
        g.attrs.remove(&uid);
    } else {
        g.attrs.insert(uid, next);
    }
}

fn written(m: &IndexMap<String, String>) -> IndexMap<String, String> {
    m.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
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
pub struct SetGroupMemberAttrs {
    /// The group.
    pub group: String,
    /// Whose.
    pub user: UserName,
    /// Key → value; "" deletes.
    pub attrs: IndexMap<String, String>,
}

impl Exec for SetGroupMemberAttrs {
    type Reply = IndexMap<String, String>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<IndexMap<String, String>> {
        meta_gate(cx)?;
        check_pairs(cx, &self.attrs)?;
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, mgnf)?;
        let mut g = write_group(&cell, mgnf)?;
        let me = matches!(&caller, Caller::User(u, _) if *u == self.user);
        gate(&g, &self.group, &caller, |r| {
            need::owner(r) || (me && r.is_some())
        })?;
        let Some(uid) = target.filter(|t| g.is_member(*t)) else {
            return Err(GroupError::MetaUserNotInGroup.into());
        };
        let next = merged(cx, g.attrs.get(&uid), &self.attrs)?;
        set_attrs(&mut g, uid, next);
        g.modified = cx.now;
        drop(g);
        emit(
            cx,
            GroupEvent::MemberAttrsChanged {
                group: self.group,
                user: self.user,
            },
        );
        Ok(written(&self.attrs))
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
pub struct BatchSetGroupMemberAttrs {
    /// The group.
    pub group: String,
    /// `(user, attributes)` in order.
    pub entries: Vec<(UserName, IndexMap<String, String>)>,
}

impl Exec for BatchSetGroupMemberAttrs {
    type Reply = Vec<GroupMemberAttrsSet>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupMemberAttrsSet>> {
        meta_gate(cx)?;
        if self.entries.len() > cx.app.limits.groups.meta_batch_users_max {
            return Err(GroupError::MetaBatchUsers.into());
        }
        for (_, m) in &self.entries {
            check_pairs(cx, m)?;
        }
        let caller = Caller::of(cx);
        let ids: Vec<Option<UserId>> = self
            .entries
            .iter()
            .map(|(n, _)| cx.app.user(n).map(|c| c.id))
            .collect();
        let cell = find_group(cx, &self.group, mgnf)?;
        let mut g = write_group(&cell, mgnf)?;
        let only_self = self
            .entries
            .iter()
            .all(|(n, _)| matches!(&caller, Caller::User(u, _) if u == n));
        gate(&g, &self.group, &caller, |r| {
            need::owner(r) || (only_self && r.is_some())
        })?;
        let mut missing: Vec<String> = Vec::new();
        for ((n, _), id) in self.entries.iter().zip(&ids) {
            if !id.is_some_and(|i| g.is_member(i)) && !missing.contains(&n.to_string()) {
                missing.push(n.to_string());
            }
        }
        if !missing.is_empty() {
            return Err(GroupError::MetaNotInGroupBatch(missing).into());
        }
        // Merge per user in order, all checked before anything is written.
        let mut next: IndexMap<UserId, IndexMap<Box<str>, Box<str>>> = IndexMap::new();
        let mut out: IndexMap<UserId, GroupMemberAttrsSet> = IndexMap::new();
        for ((n, m), id) in self.entries.iter().zip(&ids) {
            let id = id.expect("checked");
            let cur = next.get(&id).cloned().or_else(|| g.attrs.get(&id).cloned());
            let merged = merged(cx, cur.as_ref(), m)?;
            next.insert(id, merged);
            let e = out.entry(id).or_insert_with(|| GroupMemberAttrsSet {
                username: n.clone(),
                metadata: IndexMap::new(),
            });
            for (k, v) in m {
                if v.is_empty() {
                    e.metadata.shift_remove(k);
                } else {
                    e.metadata.insert(k.clone(), v.clone());
                }
            }
        }
        for (id, attrs) in next {
            set_attrs(&mut g, id, attrs);
        }
        g.modified = cx.now;
        drop(g);
        for e in out.values() {
            emit(
                cx,
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
pub struct GetGroupMemberAttrs {
    /// The group.
    pub group: String,
    /// Whose.
    pub user: UserName,
}

impl Ask for GetGroupMemberAttrs {
    type Reply = IndexMap<String, String>;
    fn ask(self, cx: &Ctx<'_>) -> Result<IndexMap<String, String>> {
        meta_gate(cx)?;
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, mgnf)?;
        let g = read_group(&cell, mgnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        let Some(uid) = target.filter(|t| g.is_member(*t)) else {
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
pub struct GetGroupMemberAttrsByKeys {
    /// The group.
    pub group: String,
    /// Whose.
    pub targets: Vec<UserName>,
    /// Which keys; empty = all.
    pub keys: Vec<String>,
}

impl Ask for GetGroupMemberAttrsByKeys {
    type Reply = IndexMap<UserName, IndexMap<String, String>>;
    fn ask(self, cx: &Ctx<'_>) -> Result<IndexMap<UserName, IndexMap<String, String>>> {
        meta_gate(cx)?;
        if self.targets.is_empty() || self.targets.len() > cx.app.limits.groups.meta_targets_max {
            return Err(GroupError::MetaQueryLimit.into());
        }
        let caller = Caller::of(cx);
        let ids: Vec<Option<UserId>> = self
            .targets
            .iter()
            .map(|n| cx.app.user(n).map(|c| c.id))
            .collect();
        let cell = find_group(cx, &self.group, mgnf)?;
        let g = read_group(&cell, mgnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        let mut out = IndexMap::new();
        for (n, id) in self.targets.iter().zip(&ids) {
            let Some(m) = id.and_then(|i| g.attrs.get(&i)) else {
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
