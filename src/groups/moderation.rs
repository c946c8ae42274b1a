//! Block list (spec §7), allow list (§8), mutes (§9) and the send rule: who may speak.
//!
//! A member's role, allow flag and mute are mirrored on their roster record, so the send rule
//! is decided from the member record alone ([`Roster::speaks`]): [`GroupSpeakers`] walks the
//! members once and allocates only its output.

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{GroupId, UserId, UserName};
use crate::limits::MUTE_MILLIS_MAX;
use crate::query::Ask;
use crate::roster::{BatchItem, Caller, Role, Roster, distinct, resolve, speaks};
use crate::time::{Expiry, Millis, Timestamp};

use super::members::{leave, single_target_ordinary};
use super::state::Group;
use super::{
    GroupError, GroupEvent, LeaveReason, batch_size, emit, find, for_self, gnf, group_mut,
    not_members, open, open_batch, ordinary_only,
};

/// Blocks members of a group the caller opened as `role`: `OWNER_FORBIDDEN` if the owner is
/// named; per user an item (not a member, or an admin when a group admin calls: `false` with
/// a reason); `NOT_MEMBERS` if every item failed. Each blocked user gets C-LEAVE (reason
/// `Block`), then joins the block list.
fn block(
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
    let mut targets: Vec<(UserId, UserName)> = Vec::new();
    for (n, id) in names.iter().zip(&ids) {
        match id.and_then(|i| g.roster.members.get(i)) {
            None => items.push(BatchItem::fail(
                n.clone(),
                format!("user: {n} doesn't exist in group: {gid}"),
            )),
            Some(m) if ordinary_only(role, m.role()).is_err() => {
                items.push(BatchItem::fail(n.clone(), "permission denied"));
            }
            Some(m) => {
                targets.push((m.id(), m.name().clone()));
                items.push(BatchItem::ok(n.clone()));
            }
        }
    }
    if targets.is_empty() {
        return Err(not_members(names));
    }
    for (u, name) in targets {
        leave(cx, gid, u, LeaveReason::Block);
        group_mut(cx.st, gid).roster.blocks.insert(u, name.clone());
        cx.st.groups.list(u, gid);
        emit(
            &mut cx.out,
            GroupEvent::BlockAdded {
                group: gid.clone(),
                user: name,
            },
        );
    }
    Ok(items)
}

/// The users on the block list, in blocking order (`GET /chatgroups/{g}/blocks/users`, spec
/// B1). Owner and admins.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupBlocks {
    /// The group.
    pub group: GroupId,
}

impl Ask for ListGroupBlocks {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        Ok(g.roster.blocks.values().cloned().collect())
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BlockGroupMember {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for BlockGroupMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let (g, role) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        single_target_ordinary(cx.st, g, role, &self.user)?;
        block(cx, &self.group, role, &[self.user])?;
        Ok(true)
    }
}

/// Blocks up to 60 members (`POST /chatgroups/{g}/blocks/users`, spec B3) (batch rule, spec
/// §0.7).
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "userNames is more than max limit : 60"; `404 resource_not_found`
/// `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403
/// forbidden_op` `OWNER_FORBIDDEN`; `403 forbidden_op` `NOT_MEMBERS` (every item failed).
///
/// Emits as [`BlockGroupMember`] per user blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BlockGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for BlockGroupMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let (role, names) = open_batch(
            cx.st,
            cx.actor,
            &self.group,
            &self.users,
            cx.st.limits.groups.block_batch_max,
            "userNames is more than max limit",
        )?;
        block(cx, &self.group, role, &names)
    }
}

/// Takes users off the block list of a group the caller opened: per user an item;
/// `NOT_MEMBERS` if none was listed.
fn unblock(cx: &mut Ctx<'_>, gid: &GroupId, names: &[UserName]) -> Result<Vec<BatchItem>> {
    let ids = resolve(cx.st, names);
    let g = group_mut(cx.st, gid);
    let listed: Vec<Option<UserId>> = ids
        .iter()
        .map(|i| i.filter(|i| g.roster.blocks.contains_key(i)))
        .collect();
    if listed.iter().all(Option::is_none) {
        return Err(not_members(names));
    }
    let mut items = Vec::with_capacity(names.len());
    for (n, id) in names.iter().zip(listed) {
        let Some(id) = id else {
            items.push(BatchItem::fail(
                n.clone(),
                format!("user {n} is not in the blocklist of group {gid}"),
            ));
            continue;
        };
        g.roster.blocks.shift_remove(&id);
        emit(
            &mut cx.out,
            GroupEvent::BlockRemoved {
                group: gid.clone(),
                user: n.clone(),
            },
        );
        items.push(BatchItem::ok(n.clone()));
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnblockGroupMember {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for UnblockGroupMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        open(cx.st, cx.actor, &self.group, Role::Admin)?;
        unblock(cx, &self.group, &[self.user])?;
        Ok(true)
    }
}

/// Unblocks up to 60 users (`DELETE /chatgroups/{g}/blocks/users/{u1,…}`, spec B5) (batch
/// rule, spec §0.7): users not on the list get `false`.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "removeBlacklist: list size more than max limit : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `403 forbidden_op` `NOT_MEMBERS` (none was listed).
///
/// Emits `BlockRemoved` per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnblockGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for UnblockGroupMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let (_, names) = open_batch(
            cx.st,
            cx.actor,
            &self.group,
            &self.users,
            cx.st.limits.groups.block_batch_max,
            "removeBlacklist: list size more than max limit",
        )?;
        unblock(cx, &self.group, &names)
    }
}

/// The effective allow set (`GET /chatgroups/{g}/white/users`, spec W1): the owner, the admins
/// (promotion order), then explicit entries (insertion order), without repeats. Owner and
/// admins; a member may only check themself ([`IsGroupAllowed`]).
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupAllowed {
    /// The group.
    pub group: GroupId,
}

impl Ask for ListGroupAllowed {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        let r = &g.roster;
        let mut out = vec![g.owner_name().clone()];
        out.extend(r.admins.values().cloned());
        for (id, n) in &r.allow {
            if *id != r.owner && !r.admins.contains_key(id) {
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsGroupAllowed {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Ask for IsGroupAllowed {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        let caller = Caller::of(cx.st, cx.actor);
        let me = caller.is(&self.user);
        let (g, _) = super::open_if(cx.st, &self.group, &caller, gnf, |r| {
            r.manages() || (me && r.inside())
        })?;
        Ok(cx
            .st
            .users
            .id(&self.user)
            .and_then(|t| g.roster.members.get(t))
            .is_some_and(|m| m.role() > Role::Member || m.allowed()))
    }
}

/// Puts members of a group the caller opened on the explicit allow list, per user an item
/// (members already allowed, explicitly or as owner/admin: success, no change); `NOT_MEMBERS`
/// if every item failed.
fn allow(cx: &mut Ctx<'_>, gid: &GroupId, names: &[UserName]) -> Result<Vec<BatchItem>> {
    let ids = resolve(cx.st, names);
    let g = group_mut(cx.st, gid);
    let members: Vec<Option<UserId>> = ids
        .iter()
        .map(|i| i.filter(|i| g.roster.is_member(*i)))
        .collect();
    if members.iter().all(Option::is_none) {
        return Err(not_members(names));
    }
    let mut items = Vec::with_capacity(names.len());
    for (n, id) in names.iter().zip(members) {
        let Some(id) = id else {
            items.push(BatchItem::fail(
                n.clone(),
                format!("user: {n} doesn't exist in group: {gid}"),
            ));
            continue;
        };
        let m = g.roster.members.get(id).expect("a member");
        if m.role() == Role::Member && !m.allowed() {
            g.roster.allow(id, n.clone());
            emit(
                &mut cx.out,
                GroupEvent::AllowAdded {
                    group: gid.clone(),
                    user: n.clone(),
                },
            );
        }
        items.push(BatchItem::ok(n.clone()));
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AllowGroupMember {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for AllowGroupMember {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        open(cx.st, cx.actor, &self.group, Role::Admin)?;
        allow(cx, &self.group, &[self.user])?;
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AllowGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for AllowGroupMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let (_, names) = open_batch(
            cx.st,
            cx.actor,
            &self.group,
            &self.users,
            cx.st.limits.groups.allow_batch_max,
            "usernames size is more than max limit",
        )?;
        allow(cx, &self.group, &names)
    }
}

/// Takes up to 60 users off the explicit allow list (`DELETE
/// /chatgroups/{g}/white/users/{u1,…}`, spec W4) (batch rule, spec §0.7). Only explicit
/// entries go; users not explicitly listed (owner and admins included) get `false`.
///
/// Errors, in check order: `400 invalid_parameter` (empty); `400 invalid_parameter`
/// `BATCH_TOO_LARGE` "removeWhitelist size is more than max limit : 60"; `404
/// resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`; `403 forbidden_op` `NOT_MEMBERS` (every item failed).
///
/// Emits `AllowRemoved` per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DisallowGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for DisallowGroupMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let (_, names) = open_batch(
            cx.st,
            cx.actor,
            &self.group,
            &self.users,
            cx.st.limits.groups.allow_batch_max,
            "removeWhitelist size is more than max limit",
        )?;
        let ids = resolve(cx.st, &names);
        let g = find(cx.st, &self.group, gnf)?;
        let listed: Vec<Option<UserId>> = ids
            .iter()
            .map(|i| i.filter(|i| g.roster.allow.contains_key(i)))
            .collect();
        if listed.iter().all(Option::is_none) {
            return Err(not_members(&names));
        }
        let g = group_mut(cx.st, &self.group);
        let mut items = Vec::with_capacity(names.len());
        for (n, id) in names.iter().zip(listed) {
            let Some(id) = id else {
                items.push(BatchItem::fail(
                    n.clone(),
                    format!("user {n} is not in the allow list"),
                ));
                continue;
            };
            g.roster.disallow(id);
            emit(
                &mut cx.out,
                GroupEvent::AllowRemoved {
                    group: self.group.clone(),
                    user: n.clone(),
                },
            );
            items.push(BatchItem::ok(n.clone()));
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupMutes {
    /// The group.
    pub group: GroupId,
}

impl Ask for ListGroupMutes {
    type Reply = Vec<GroupMuteEntry>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<GroupMuteEntry>> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        Ok(g.roster
            .live_mutes(cx.now)
            .map(|(n, expiry)| GroupMuteEntry {
                user: n.clone(),
                expiry,
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
/// "mute_duration must be >= -1", "mute_duration must be <= 2147483647000" ([`MUTE_MILLIS_MAX`],
/// the global mutes' bound); `404 resource_not_found` `GROUP_NOT_FOUND`; `403
/// forbidden_op` `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `OWNER_FORBIDDEN`;
/// `403 forbidden_op` `NOT_MEMBERS` naming every non-member; `403 forbidden_op`
/// `PERMISSION_DENIED` (an admin muting an admin).
///
/// Emits `MuteAdded` (or `MuteRemoved` for duration 0) per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MuteGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// How long, in ms: `-1` forever, `0` unmute.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::duration_ms))]
    pub duration_ms: i64,
}

impl Exec for MuteGroupMembers {
    type Reply = Vec<GroupMuteResult>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<GroupMuteResult>> {
        let max = cx.st.limits.groups.mute_batch_max;
        batch_size(
            &self.users,
            max,
            GroupError::BatchTooLarge(format!("userNames size is more than max limit : {max}")),
        )?;
        if self.duration_ms < -1 {
            return Err(GroupError::InvalidParameter("mute_duration must be >= -1".into()).into());
        }
        // The longest mute, as for global mutes (issue 14: groups had no bound).
        if self.duration_ms > MUTE_MILLIS_MAX as i64 {
            return Err(GroupError::InvalidParameter(format!(
                "mute_duration must be <= {MUTE_MILLIS_MAX}"
            ))
            .into());
        }
        let names = distinct(&self.users);
        let ids = resolve(cx.st, &names);
        let (g, role) = open(cx.st, cx.actor, &self.group, Role::Admin)?;
        if ids.contains(&Some(g.roster.owner)) {
            return Err(GroupError::OwnerForbidden.into());
        }
        let missing: Vec<String> = names
            .iter()
            .zip(&ids)
            .filter(|(_, id)| !id.is_some_and(|i| g.roster.is_member(i)))
            .map(|(n, _)| n.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(GroupError::NotMembers(missing).into());
        }
        let ids: Vec<UserId> = ids.into_iter().flatten().collect();
        for id in &ids {
            ordinary_only(role, g.roster.role_of(*id))?;
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
        for (n, id) in names.iter().zip(ids) {
            match expiry {
                Some(e) => {
                    cx.st.groups.mute(&self.group, id, n.clone(), e);
                    emit(
                        &mut cx.out,
                        GroupEvent::MuteAdded {
                            group: self.group.clone(),
                            user: n.clone(),
                            expiry: e,
                        },
                    );
                }
                None => {
                    if cx.st.groups.unmute(&self.group, id).is_some() {
                        emit(
                            &mut cx.out,
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
        group_mut(cx.st, &self.group).modified = cx.now;
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnmuteGroupMembers {
    /// The group.
    pub group: GroupId,
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for UnmuteGroupMembers {
    type Reply = Vec<BatchItem>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<BatchItem>> {
        let (_, names) = open_batch(
            cx.st,
            cx.actor,
            &self.group,
            &self.users,
            cx.st.limits.groups.mute_batch_max,
            "removeMute member size more than max limit",
        )?;
        let ids = resolve(cx.st, &names);
        let mut out = Vec::with_capacity(names.len());
        for (n, id) in names.iter().zip(ids) {
            let removed = id.and_then(|id| cx.st.groups.unmute(&self.group, id));
            if removed.is_some_and(|(_, e)| e.is_live(cx.now)) {
                emit(
                    &mut cx.out,
                    GroupEvent::MuteRemoved {
                        group: self.group.clone(),
                        user: n.clone(),
                    },
                );
                out.push(BatchItem::ok(n.clone()));
            } else {
                out.push(BatchItem::fail(n.clone(), format!("user {n} is not muted")));
            }
        }
        group_mut(cx.st, &self.group).modified = cx.now;
        Ok(out)
    }
}

/// Switches mute-all on or off: owner and admins; idempotent. Returns the new value.
fn set_mute_all(cx: &mut Ctx<'_>, group: GroupId, on: bool) -> Result<bool> {
    open(cx.st, cx.actor, &group, Role::Admin)?;
    let g = group_mut(cx.st, &group);
    if g.mute_all != on {
        g.mute_all = on;
        g.modified = cx.now;
        emit(&mut cx.out, GroupEvent::MuteAllChanged { group, muted: on });
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MuteGroupAll {
    /// The group.
    pub group: GroupId,
}

impl Exec for MuteGroupAll {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_mute_all(cx, self.group, true)
    }
}

/// Ends mute-all (`DELETE /chatgroups/{g}/ban`, spec U5); the mute list is untouched. Owner
/// and admins. Returns `false`.
///
/// Errors: as [`MuteGroupAll`]. Emits `MuteAllChanged` when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnmuteGroupAll {
    /// The group.
    pub group: GroupId,
}

impl Exec for UnmuteGroupAll {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        set_mute_all(cx, self.group, false)
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
/// Errors: `403 forbidden_op` `PERMISSION_DENIED`; `404 resource_not_found` `GROUP_NOT_FOUND`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MaySpeakInGroup {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Ask for MaySpeakInGroup {
    type Reply = GroupSpeak;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GroupSpeak> {
        for_self(&Caller::of(cx.st, cx.actor), &self.user)?;
        let g = find(cx.st, &self.group, gnf)?;
        Ok(speak(g, cx.st.users.id(&self.user), cx.now))
    }
}

/// The send rule for one user of a group, with the reason when they may not.
fn speak(g: &Group, user: Option<UserId>, now: Timestamp) -> GroupSpeak {
    let Some(m) = user.and_then(|u| g.roster.members.get(u)) else {
        return GroupSpeak::NotMember;
    };
    if g.disabled {
        return GroupSpeak::Disabled;
    }
    if let Some(e) = g.roster.live_mute(m.id(), now) {
        return GroupSpeak::Muted(e);
    }
    if Roster::speaks(m, g.mute_all, now) {
        GroupSpeak::Allowed
    } else {
        GroupSpeak::MutedAll
    }
}

/// The group of a fan-out query: the app admin only (`PERMISSION_DENIED`), then the group
/// (`GROUP_NOT_FOUND`).
fn fan_out<'a>(cx: &ReadCtx<'a>, group: &GroupId) -> Result<&'a Group> {
    if !cx.actor.is_admin() {
        return Err(GroupError::PermissionDenied.into());
    }
    find(cx.st, group, gnf)
}

/// The members who may send to the group now, in join order (the send rule applied to every
/// member; empty when the group is disabled). One pass over the members; the only allocation
/// is the output. The app admin only (the messaging area's fan-out).
///
/// Errors: `403 forbidden_op` `PERMISSION_DENIED`; `404 resource_not_found` `GROUP_NOT_FOUND`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GroupSpeakers {
    /// The group.
    pub group: GroupId,
}

impl Ask for GroupSpeakers {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let g = fan_out(cx, &self.group)?;
        if g.disabled {
            return Ok(Vec::new());
        }
        let (mute_all, now) = (g.mute_all, cx.now);
        Ok(g.roster
            .members
            .names_where(|role, allowed, mute| speaks(role, allowed, mute, mute_all, now)))
    }
}

/// [`GroupSpeakers`] as user handles ([`UserId`]): the same members, with no reference count
/// touched per member (each item is a copied `u64`). For in-process fan-out that addresses
/// users by handle. The app admin only.
///
/// Errors: `403 forbidden_op` `PERMISSION_DENIED`; `404 resource_not_found` `GROUP_NOT_FOUND`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GroupSpeakerIds {
    /// The group.
    pub group: GroupId,
}

impl Ask for GroupSpeakerIds {
    type Reply = Vec<UserId>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserId>> {
        let g = fan_out(cx, &self.group)?;
        if g.disabled {
            return Ok(Vec::new());
        }
        let (mute_all, now) = (g.mute_all, cx.now);
        if !mute_all && g.roster.mutes.is_empty() {
            return Ok(g.roster.members.ids());
        }
        Ok(g.roster
            .members
            .ids_where(|role, allowed, mute| speaks(role, allowed, mute, mute_all, now)))
    }
}
