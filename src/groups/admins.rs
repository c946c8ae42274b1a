//! Admins (spec §6): list, promote, demote. Only the owner (or the app admin) manages admins.

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::{Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{GroupId, UserName};
use crate::query::Ask;
use crate::roster::Role;

use super::{GroupError, GroupEvent, emit, group_mut, open};

/// The admins in promotion order, owner excluded (`GET /chatgroups/{g}/admin`, spec A1).
/// Members may list.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGroupAdmins {
    /// The group.
    pub group: GroupId,
}

impl Ask for ListGroupAdmins {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Member)?;
        Ok(g.roster.admins.values().cloned().collect())
    }
}

/// Promotes a member to admin (`POST /chatgroups/{g}/admin`, spec A2). Already an admin:
/// success, no change (spec OPEN 6). Owner or app admin.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `404 resource_not_found` `ADMIN_TARGET_NOT_MEMBER`;
/// `403 forbidden_op` `OWNER_FORBIDDEN`; `403 exceed_limit` `ADMIN_LIMIT`.
///
/// Emits `AdminAdded` when the role changed. Returns the new admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddGroupAdmin {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for AddGroupAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Owner)?;
        let target = cx.st.users.id(&self.user);
        let Some(m) = target.and_then(|t| g.roster.members.get(t)) else {
            return Err(GroupError::AdminTargetNotMember {
                user: self.user.to_string(),
                group: self.group.to_string(),
            }
            .into());
        };
        match m.role() {
            Role::Owner => return Err(GroupError::OwnerForbidden.into()),
            Role::Admin => return Ok(self.user),
            _ => {}
        }
        let max = cx.st.limits.groups.admins_max;
        if g.roster.admins.len() >= max {
            return Err(GroupError::AdminLimit(max).into());
        }
        let uid = m.id();
        let g = group_mut(cx.st, &self.group);
        g.roster.promote(uid);
        g.modified = cx.now;
        emit(
            &mut cx.out,
            GroupEvent::AdminAdded {
                group: self.group,
                user: self.user.clone(),
            },
        );
        Ok(self.user)
    }
}

/// Demotes an admin to an ordinary member (`DELETE /chatgroups/{g}/admin/{uid}`, spec A3).
/// Owner or app admin.
///
/// Errors, in check order: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op`
/// `GROUP_DISABLED`, `PERMISSION_DENIED`; `403 forbidden_op` `NOT_ADMIN` (not an admin: the
/// owner, an ordinary member, a non-member).
///
/// Emits `AdminRemoved`. Returns the old admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveGroupAdmin {
    /// The group.
    pub group: GroupId,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveGroupAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let (g, _) = open(cx.st, cx.actor, &self.group, Role::Owner)?;
        let target = cx.st.users.id(&self.user);
        let Some(uid) = target.filter(|t| g.roster.admins.contains_key(t)) else {
            return Err(GroupError::NotAdmin {
                user: self.user.to_string(),
                group: self.group.to_string(),
            }
            .into());
        };
        let g = group_mut(cx.st, &self.group);
        g.roster.demote(uid);
        g.modified = cx.now;
        emit(
            &mut cx.out,
            GroupEvent::AdminRemoved {
                group: self.group,
                user: self.user.clone(),
            },
        );
        Ok(self.user)
    }
}
