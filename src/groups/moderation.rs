//! Block list (spec §7), allow list (§8), mutes (§9) and the send rule: who may speak.
//!
//! A member's `allowed` and `mute_until` fields mirror the allow and mute lists, so the send rule
//! is decided from the member record alone: [`GroupSpeakers`] walks the members once and
//! allocates only its output.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::Ctx;
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::query::Ask;
use crate::store::{UserCell, lock_users};
use crate::time::{Expiry, Millis, Timestamp};

use super::model::{GroupState, Leaver};
use super::{
    Caller, GroupBatchItem, GroupCell, GroupError, GroupEvent, LeaveReason, Role, batch_size,
    dedup, emit, find_group, gate, gnf, need, ordinary_only, read_group, write_group,
};

/// Blocks members on a write-locked group after the permission step: `OWNER_FORBIDDEN` if the
/// owner is named; per user an item; `NOT_MEMBERS` if every item failed. Each blocked user
/// gets C-LEAVE (reason `Block`), then joins the block list.
fn block(
    cx: &mut Ctx<'_>,
    cell: &GroupCell,
    g: &mut GroupState,
    role: Option<Role>,
    names: &[UserName],
    ids: &[Option<UserId>],
) -> Result<Vec<GroupBatchItem>> {
    if ids.contains(&Some(g.owner)) {
        return Err(GroupError::OwnerForbidden.into());
    }
    let gid = &cell.id;
    let mut cells: Vec<Arc<UserCell>> = Vec::new();
    let mut slots: Vec<Option<usize>> = Vec::with_capacity(names.len());
    let mut reasons: Vec<Option<String>> = Vec::with_capacity(names.len());
    for (n, id) in names.iter().zip(ids) {
        match id.and_then(|i| g.members.get(&i)) {
            None => {
                reasons.push(Some(format!("user: {n} doesn't exist in group: {gid}")));
                slots.push(None);
            }
            Some(m) if ordinary_only(role, Some(m.role)).is_err() => {
                reasons.push(Some("permission denied".into()));
                slots.push(None);
            }
            Some(m) => {
                reasons.push(None);
                slots.push(Some(cells.len()));
                cells.push(Arc::clone(&m.cell));
            }
        }
    }
    let mut guards = lock_users(&cells);
    // A user being deleted counts as not a member: no new link to them may form.
    for (k, slot) in slots.iter_mut().enumerate() {
        if let Some(c) = *slot {
            let id = cells[c].id;
            if guards.iter().any(|(i, s)| *i == id && s.gone) {
                reasons[k] = Some(format!("user: {} doesn't exist in group: {gid}", names[k]));
                *slot = None;
            }
        }
    }
    if slots.iter().all(Option::is_none) {
        return Err(GroupError::NotMembers(names.iter().map(|n| n.to_string()).collect()).into());
    }
    let mut items = Vec::with_capacity(names.len());
    for (k, slot) in slots.iter().enumerate() {
        if let Some(c) = *slot {
            let id = cells[c].id;
            let i = guards.iter().position(|(x, _)| *x == id).unwrap_or(0);
            let s = &mut *guards[i].1;
            g.leave(cx, gid, id, Leaver::Locked(s), LeaveReason::Block);
            g.blocks.insert(id, s.name.clone());
            s.extra_mut().groups.listed.insert(Arc::clone(gid));
            emit(
                cx,
                GroupEvent::BlockAdded {
                    group: gid.to_string(),
                    user: s.name.clone(),
                },
            );
        }
        items.push(GroupBatchItem {
            user: names[k].clone(),
            result: slot.is_some(),
            reason: reasons[k].take(),
        });
    }
    Ok(items)
}

fn resolve(cx: &Ctx<'_>, names: &[UserName]) -> Vec<Option<UserId>> {
    names.iter().map(|n| cx.app.user(n).map(|c| c.id)).collect()
}

/// The users on the block list, in blocking order (`GET /chatgroups/{g}/blocks/users`, spec
/// B1). Owner and admins.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListGroupBlocks {
    /// The group.
    pub group: String,
}

impl Ask for ListGroupBlocks {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        Ok(g.blocks.values().cloned().collect())
    }
}

/// Blocks one member (`POST /chatgroups/{g}/blocks/users/{uid}`, spec B2): C-LEAVE (reason
/// `Block`), then the block list. Owner; admins block ordinary members only.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `OWNER_FORBIDDEN`; `403
/// forbidden_op` `PERMISSION_DENIED` (an admin blocking an admin); `403 forbidden_op`
/// `NOT_MEMBERS` (also when already blocked).
///
/// Emits `ThreadMemberRemoved`…, `MemberLeft{Block}`, `BlockAdded`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockGroupMember {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for BlockGroupMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let names = [self.user.clone()];
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        let role = gate(&g, &self.group, &caller, need::staff)?;
        if let Some(m) = ids[0].and_then(|i| g.members.get(&i))
            && m.role != Role::Owner
        {
            ordinary_only(role, Some(m.role))?;
        }
        block(cx, &cell, &mut g, role, &names, &ids)?;
        Ok(true)
    }
}

/// Blocks up to 60 members (`POST /chatgroups/{g}/blocks/users`, spec B3) (batch rule, spec §0.7).
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "userNames is more than max limit : 60"; `404 resource_not_found`
/// `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403
/// forbidden_op` `OWNER_FORBIDDEN`; `403 forbidden_op` `NOT_MEMBERS` (every item failed).
///
/// Emits as [`BlockGroupMember`] per user blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for BlockGroupMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        let max = cx.app.limits.groups.block_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!("userNames is more than max limit : {max}")),
        )?;
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        let role = gate(&g, &self.group, &caller, need::staff)?;
        block(cx, &cell, &mut g, role, &names, &ids)
    }
}

/// Unblocks on a write-locked group: per user an item; `NOT_MEMBERS` if none was listed.
fn unblock(
    cx: &mut Ctx<'_>,
    gid: &str,
    g: &mut GroupState,
    names: &[UserName],
    ids: &[Option<UserId>],
) -> Result<Vec<GroupBatchItem>> {
    let listed: Vec<bool> = ids
        .iter()
        .map(|i| i.is_some_and(|i| g.blocks.contains_key(&i)))
        .collect();
    if !listed.iter().any(|b| *b) {
        return Err(GroupError::NotMembers(names.iter().map(|n| n.to_string()).collect()).into());
    }
    let mut items = Vec::with_capacity(names.len());
    for ((n, id), ok) in names.iter().zip(ids).zip(listed) {
        if ok && let Some(id) = id {
            g.blocks.shift_remove(id);
            emit(
                cx,
                GroupEvent::BlockRemoved {
                    group: gid.to_string(),
                    user: n.clone(),
                },
            );
        }
        items.push(GroupBatchItem {
            user: n.clone(),
            result: ok,
            reason: (!ok).then(|| format!("user {n} is not in the blocklist of group {gid}")),
        });
    }
    g.modified = cx.now;
    Ok(items)
}

/// Unblocks one user (`DELETE /chatgroups/{g}/blocks/users/{uid}`, spec B4). Unblocking does
/// not restore membership. Owner and admins.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `NOT_MEMBERS` (not on the list).
///
/// Emits `BlockRemoved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnblockGroupMember {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for UnblockGroupMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let names = [self.user.clone()];
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        unblock(cx, &self.group, &mut g, &names, &ids)?;
        Ok(true)
    }
}

/// Unblocks up to 60 users (`DELETE /chatgroups/{g}/blocks/users/{u1,…}`, spec B5) (batch rule, spec §0.7):
/// users not on the list get `false`.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "removeBlacklist: list size more than max limit : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `403 forbidden_op` `NOT_MEMBERS` (none was listed).
///
/// Emits `BlockRemoved` per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnblockGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for UnblockGroupMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        let max = cx.app.limits.groups.block_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!(
                "removeBlacklist: list size more than max limit : {max}"
            )),
        )?;
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        unblock(cx, &self.group, &mut g, &names, &ids)
    }
}

/// The effective allow set (`GET /chatgroups/{g}/white/users`, spec W1): the owner, the admins
/// (promotion order), then explicit entries (insertion order), without repeats. Owner and
/// admins; a member may only check themself ([`IsGroupAllowed`]).
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListGroupAllowed {
    /// The group.
    pub group: String,
}

impl Ask for ListGroupAllowed {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        let mut out = vec![g.owner_name()];
        out.extend(g.admins.values().cloned());
        for (id, n) in &g.allow {
            if *id != g.owner && !g.admins.contains_key(id) {
                out.push(n.clone());
            }
        }
        Ok(out)
    }
}

/// Whether a user is in the effective allow set. A member may ask about themself; owners and
/// admins about anyone.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsGroupAllowed {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Ask for IsGroupAllowed {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        let me = matches!(&caller, Caller::User(u, _) if *u == self.user);
        gate(&g, &self.group, &caller, |r| {
            need::staff(r) || (me && r.is_some())
        })?;
        Ok(target
            .and_then(|t| g.members.get(&t))
            .is_some_and(|m| m.role != Role::Member || m.allowed))
    }
}

/// Adds members to the explicit allow list, per user; `NOT_MEMBERS` if every item failed.
fn allow(
    cx: &mut Ctx<'_>,
    gid: &str,
    g: &mut GroupState,
    names: &[UserName],
    ids: &[Option<UserId>],
) -> Result<Vec<GroupBatchItem>> {
    let ok: Vec<bool> = ids
        .iter()
        .map(|i| i.is_some_and(|i| g.is_member(i)))
        .collect();
    if !ok.iter().any(|b| *b) {
        return Err(GroupError::NotMembers(names.iter().map(|n| n.to_string()).collect()).into());
    }
    let mut items = Vec::with_capacity(names.len());
    for ((n, id), ok) in names.iter().zip(ids).zip(ok) {
        if ok && let Some(id) = id {
            let m = &mut g.members[id];
            let implicit = m.role != Role::Member || m.allowed;
            if !implicit {
                m.allowed = true;
                g.allow.insert(*id, n.clone());
                g.sync(*id);
                emit(
                    cx,
                    GroupEvent::AllowAdded {
                        group: gid.to_string(),
                        user: n.clone(),
                    },
                );
            }
        }
        items.push(GroupBatchItem {
            user: n.clone(),
            result: ok,
            reason: (!ok).then(|| format!("user: {n} doesn't exist in group: {gid}")),
        });
    }
    g.modified = cx.now;
    Ok(items)
}

/// Puts one member on the allow list (`POST /chatgroups/{g}/white/users/{uid}`, spec W2).
/// Already allowed (explicitly, or as owner/admin): success, no change. Owner and admins.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `NOT_MEMBERS`.
///
/// Emits `AllowAdded` when the list changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowGroupMember {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for AllowGroupMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let caller = Caller::of(cx);
        let names = [self.user.clone()];
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        allow(cx, &self.group, &mut g, &names, &ids)?;
        Ok(true)
    }
}

/// Puts up to 60 members on the allow list (`POST /chatgroups/{g}/white/users`, spec W3)
/// (batch rule, spec §0.7): non-members get `false`.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "usernames size is more than max limit : 60"; `404 resource_not_found`
/// `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403
/// forbidden_op` `NOT_MEMBERS` (every item failed).
///
/// Emits `AllowAdded` per user added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for AllowGroupMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        let max = cx.app.limits.groups.allow_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!("usernames size is more than max limit : {max}")),
        )?;
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        allow(cx, &self.group, &mut g, &names, &ids)
    }
}

/// Takes up to 60 users off the explicit allow list (`DELETE
/// /chatgroups/{g}/white/users/{u1,…}`, spec W4) (batch rule, spec §0.7). Only explicit entries go; users not
/// explicitly listed (owner and admins included) get `false`.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "removeWhitelist size is more than max limit : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `403 forbidden_op` `NOT_MEMBERS` (every item failed).
///
/// Emits `AllowRemoved` per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisallowGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for DisallowGroupMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        let max = cx.app.limits.groups.allow_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!(
                "removeWhitelist size is more than max limit : {max}"
            )),
        )?;
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        let listed: Vec<bool> = ids
            .iter()
            .map(|i| i.is_some_and(|i| g.allow.contains_key(&i)))
            .collect();
        if !listed.iter().any(|b| *b) {
            return Err(
                GroupError::NotMembers(names.iter().map(|n| n.to_string()).collect()).into(),
            );
        }
        let mut items = Vec::with_capacity(names.len());
        for ((n, id), ok) in names.iter().zip(&ids).zip(listed) {
            if ok && let Some(id) = id {
                g.allow.shift_remove(id);
                if let Some(m) = g.members.get_mut(id) {
                    m.allowed = false;
                }
                g.sync(*id);
                emit(
                    cx,
                    GroupEvent::AllowRemoved {
                        group: self.group.clone(),
                        user: n.clone(),
                    },
                );
            }
            items.push(GroupBatchItem {
                user: n.clone(),
                result: ok,
                reason: (!ok).then(|| format!("user {n} is not in the allow list")),
            });
        }
        g.modified = cx.now;
        Ok(items)
    }
}

/// An entry of the group mute list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMuteEntry {
    /// Who.
    pub user: UserName,
    /// Until when.
    pub expiry: Expiry,
}

/// The unexpired mute entries at `now`, in insertion order (`GET /chatgroups/{g}/mute`, spec
/// U1). Entries of users who left are listed until they expire (spec OPEN 13). Owner and
/// admins.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListGroupMutes {
    /// The group.
    pub group: String,
}

impl Ask for ListGroupMutes {
    type Reply = Vec<GroupMuteEntry>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<GroupMuteEntry>> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        Ok(g.mutes
            .values()
            .filter(|(_, e)| e.is_live(cx.now))
            .map(|(n, e)| GroupMuteEntry {
                user: n.clone(),
                expiry: *e,
            })
            .collect())
    }
}

/// One item of a [`MuteGroupMembers`] reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMuteResult {
    /// Always true.
    pub result: bool,
    /// Who.
    pub user: UserName,
    /// Until when; `None` when the call lifted the mute (duration 0).
    pub expiry: Option<Expiry>,
}

/// Mutes up to 60 members (`POST /chatgroups/{g}/mute`, spec U2); atomic. `duration_ms`: `-1`
/// forever, `0` lifts the mute, `d > 0` until `now + d` (overwriting any earlier entry). The
/// entry survives leaving and rejoining until it expires. Owner; admins mute ordinary members
/// only.
///
/// Errors, in check order: `400 invalid_parameter` (no users); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "userNames size is more than max limit : 60"; `400 invalid_parameter`
/// "mute_duration must be >= -1"; `404 resource_not_found` `GROUP_NOT_FOUND`; `403
/// forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `OWNER_FORBIDDEN`;
/// `403 forbidden_op` `NOT_MEMBERS` naming every non-member; `403 forbidden_op`
/// `PERMISSION_DENIED` (an admin muting an admin).
///
/// Emits `MuteAdded` (or `MuteRemoved` for duration 0) per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
    /// How long, in ms: `-1` forever, `0` unmute.
    pub duration_ms: i64,
}

impl Exec for MuteGroupMembers {
    type Reply = Vec<GroupMuteResult>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupMuteResult>> {
        let max = cx.app.limits.groups.mute_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!("userNames size is more than max limit : {max}")),
        )?;
        if self.duration_ms < -1 {
            return Err(GroupError::InvalidParameter("mute_duration must be >= -1".into()).into());
        }
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        let role = gate(&g, &self.group, &caller, need::staff)?;
        if ids.contains(&Some(g.owner)) {
            return Err(GroupError::OwnerForbidden.into());
        }
        let missing: Vec<String> = names
            .iter()
            .zip(&ids)
            .filter(|(_, id)| !id.is_some_and(|i| g.is_member(i)))
            .map(|(n, _)| n.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(GroupError::NotMembers(missing).into());
        }
        let cells: Vec<Arc<UserCell>> = ids
            .iter()
            .flatten()
            .map(|id| {
                let m = &g.members[id];
                Arc::clone(&m.cell)
            })
            .collect();
        for id in ids.iter().flatten() {
            ordinary_only(role, Some(g.members[id].role))?;
        }
        let mut guards = lock_users(&cells);
        let gone: Vec<String> = guards
            .iter()
            .filter(|(_, s)| s.gone)
            .map(|(_, s)| s.name.to_string())
            .collect();
        if !gone.is_empty() {
            return Err(GroupError::NotMembers(gone).into());
        }
        let expiry = match self.duration_ms {
            -1 => Some(Expiry::Never),
            0 => None,
            // A mute that would end at the end of time is a mute forever.
            d => match cx.now.after(Millis(d as u64)) {
                Timestamp(i64::MAX) => Some(Expiry::Never),
                at => Some(Expiry::At(at)),
            },
        };
        let mut out = Vec::with_capacity(names.len());
        for (n, id) in names.iter().zip(ids.iter().flatten()) {
            match expiry {
                Some(e) => {
                    g.mutes.insert(*id, (n.clone(), e));
                    g.members[id].set_muted(Some(e));
                    g.sync(*id);
                    if let Some((_, s)) = guards.iter_mut().find(|(i, _)| i == id) {
                        s.extra_mut().groups.listed.insert(Arc::clone(&cell.id));
                    }
                    emit(
                        cx,
                        GroupEvent::MuteAdded {
                            group: self.group.clone(),
                            user: n.clone(),
                            expiry: e,
                        },
                    );
                }
                None => {
                    g.members[id].set_muted(None);
                    g.sync(*id);
                    if g.mutes.shift_remove(id).is_some() {
                        emit(
                            cx,
                            GroupEvent::MuteRemoved {
                                group: self.group.clone(),
                                user: n.clone(),
                            },
                        );
                    }
                }
            }
            out.push(GroupMuteResult {
                result: true,
                user: n.clone(),
                expiry,
            });
        }
        g.modified = cx.now;
        Ok(out)
    }
}

/// Lifts mutes (`DELETE /chatgroups/{g}/mute/{u1,…}`, spec U3): per user `true` if an
/// unexpired entry was removed, else `false`; never an "all failed" error (spec OPEN 14).
/// Lapsed entries are dropped too. Owner and admins.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "removeMute member size more than max limit : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
///
/// Emits `MuteRemoved` per live mute lifted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmuteGroupMembers {
    /// The group.
    pub group: String,
    /// Who.
    pub users: Vec<UserName>,
}

impl Exec for UnmuteGroupMembers {
    type Reply = Vec<GroupBatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupBatchItem>> {
        let max = cx.app.limits.groups.mute_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!(
                "removeMute member size more than max limit : {max}"
            )),
        )?;
        let caller = Caller::of(cx);
        let names = dedup(&self.users);
        let ids = resolve(cx, &names);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::staff)?;
        let mut out = Vec::with_capacity(names.len());
        for (n, id) in names.iter().zip(&ids) {
            let removed = id.and_then(|id| g.mutes.shift_remove(&id));
            if let Some(id) = id
                && let Some(m) = g.members.get_mut(id)
            {
                m.set_muted(None);
                g.sync(*id);
            }
            let live = removed.is_some_and(|(_, e)| e.is_live(cx.now));
            if live {
                emit(
                    cx,
                    GroupEvent::MuteRemoved {
                        group: self.group.clone(),
                        user: n.clone(),
                    },
                );
            }
            out.push(GroupBatchItem {
                user: n.clone(),
                result: live,
                reason: (!live).then(|| format!("user {n} is not muted")),
            });
        }
        g.modified = cx.now;
        Ok(out)
    }
}

fn set_mute_all(cx: &mut Ctx<'_>, group: &str, on: bool) -> Result<bool> {
    let caller = Caller::of(cx);
    let cell = find_group(cx, group, gnf)?;
    let mut g = write_group(&cell, gnf)?;
    gate(&g, group, &caller, need::staff)?;
    if g.mute_all != on {
        g.mute_all = on;
        g.modified = cx.now;
        drop(g);
        emit(
            cx,
            GroupEvent::MuteAllChanged {
                group: group.to_string(),
                muted: on,
            },
        );
    }
    Ok(on)
}

/// Mutes everyone but the effective allow set (`POST /chatgroups/{g}/ban`, spec U4).
/// Idempotent; never expires; the mute list is untouched. Owner and admins. Returns `true`.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
///
/// Emits `MuteAllChanged` when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteGroupAll {
    /// The group.
    pub group: String,
}

impl Exec for MuteGroupAll {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_mute_all(cx, &self.group, true)
    }
}

/// Ends mute-all (`DELETE /chatgroups/{g}/ban`, spec U5); the mute list is untouched. Owner
/// and admins. Returns `false`.
///
/// Errors: as [`MuteGroupAll`]. Emits `MuteAllChanged` when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmuteGroupAll {
    /// The group.
    pub group: String,
}

impl Exec for UnmuteGroupAll {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_mute_all(cx, &self.group, false)
    }
}

/// Whether a user may send to a group now (spec §9 send rule), and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupSpeak {
    /// They may.
    Allowed,
    /// Not a member (unknown users, blocked users and users who left included).
    NotMember,
    /// The group is disabled.
    Disabled,
    /// They have an unexpired mute entry (it beats the allow list).
    Muted(Expiry),
    /// Mute-all is on and they are not in the effective allow set.
    MutedAll,
}

/// The send rule for one user (spec §9): a member ∧ group enabled ∧ no unexpired mute ∧
/// (¬mute-all ∨ owner/admin/allow-listed). User-level global mutes are checked separately (the
/// users area). The app admin, or the user about themself.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaySpeakInGroup {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Ask for MaySpeakInGroup {
    type Reply = GroupSpeak;
    fn ask(self, cx: &Ctx<'_>) -> Result<GroupSpeak> {
        let caller = Caller::of(cx);
        match &caller {
            Caller::Admin => {}
            Caller::User(u, _) if *u == self.user => {}
            _ => return Err(GroupError::PermissionDenied.into()),
        }
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        Ok(speak(&g, target, cx.now))
    }
}

pub(crate) fn speak(g: &GroupState, user: Option<UserId>, now: Timestamp) -> GroupSpeak {
    let Some(m) = user.and_then(|u| g.members.get(&u)) else {
        return GroupSpeak::NotMember;
    };
    if g.disabled {
        return GroupSpeak::Disabled;
    }
    if let Some(e) = m.muted()
        && e.is_live(now)
    {
        return GroupSpeak::Muted(e);
    }
    if m.may_speak(g.mute_all, now) {
        GroupSpeak::Allowed
    } else {
        GroupSpeak::MutedAll
    }
}

/// The members who may send to the group now, in join order (the send rule applied to every
/// member; empty when the group is disabled). One pass over the members; the only allocation
/// is the output. The app admin only (the messaging area's fan-out).
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSpeakers {
    /// The group.
    pub group: String,
}

impl Ask for GroupSpeakers {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        if !Caller::of(cx).is_admin() {
            return Err(GroupError::PermissionDenied.into());
        }
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        let mut out = Vec::new();
        speakers_into(&g, cx.now, &mut out);
        Ok(out)
    }
}

/// Appends the members who may speak now to `out` (reserving once).
pub(crate) fn speakers_into(g: &GroupState, now: Timestamp, out: &mut Vec<UserName>) {
    if g.disabled {
        return;
    }
    out.reserve(g.members.len());
    let mute_all = g.mute_all;
    out.extend(
        g.roster
            .iter()
            .zip(g.members.values())
            .filter(|(s, _)| s.may_speak(mute_all, now))
            .map(|(_, m)| m.name.clone()),
    );
}

/// [`GroupSpeakers`] as user handles ([`UserId`]): the same members, with no reference count
/// touched per member (each item is a copied `u64`). For in-process fan-out that addresses
/// users by handle. The app admin only.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSpeakerIds {
    /// The group.
    pub group: String,
}

impl Ask for GroupSpeakerIds {
    type Reply = Vec<UserId>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserId>> {
        if !Caller::of(cx).is_admin() {
            return Err(GroupError::PermissionDenied.into());
        }
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        if g.disabled {
            return Ok(Vec::new());
        }
        let (mute_all, now) = (g.mute_all, cx.now);
        if !mute_all && g.mutes.is_empty() {
            return Ok(g.roster.iter().map(|s| s.id).collect());
        }
        let mut out = Vec::with_capacity(g.roster.len());
        out.extend(
            g.roster
                .iter()
                .filter(|s| s.may_speak(mute_all, now))
                .map(|s| s.id),
        );
        Ok(out)
    }
}
