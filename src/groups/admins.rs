//! Admins (spec §6): list, promote, demote. Only the owner (or the app admin) manages admins.

use serde::{Deserialize, Serialize};

use crate::command::Exec;
use crate::engine::Ctx;
use crate::error::Result;
use crate::ids::UserName;
use crate::query::Ask;

use super::{
    Caller, GroupError, GroupEvent, Role, emit, find_group, gate, gnf, need, read_group,
    write_group,
};

/// The admins in promotion order, owner excluded (`GET /chatgroups/{g}/admin`, spec A1).
/// Members may list.
///
/// Errors: `404 resource_not_found` `GROUP_NOT_FOUND`; `403 forbidden_op` `GROUP_DISABLED`,
/// `PERMISSION_DENIED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListGroupAdmins {
    /// The group.
    pub group: String,
}

impl Ask for ListGroupAdmins {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        let caller = Caller::of(cx);
        let cell = find_group(cx, &self.group, gnf)?;
        let g = read_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::member)?;
        Ok(g.admins.values().cloned().collect())
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
pub struct AddGroupAdmin {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for AddGroupAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::owner)?;
        let Some(uid) = target.filter(|t| g.is_member(*t)) else {
            return Err(GroupError::AdminTargetNotMember {
                user: self.user.to_string(),
                group: self.group,
            }
            .into());
        };
        match g.members[&uid].role {
            Role::Owner => return Err(GroupError::OwnerForbidden.into()),
            Role::Admin => return Ok(self.user),
            Role::Member => {}
        }
        let max = cx.app.limits.groups.admins_max;
        if g.admins.len() >= max {
            return Err(GroupError::AdminLimit(max).into());
        }
        let name = g.members[&uid].name.clone();
        g.admins.insert(uid, name);
        g.members[&uid].role = Role::Admin;
        g.sync(uid);
        g.modified = cx.now;
        drop(g);
        emit(
            cx,
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
pub struct RemoveGroupAdmin {
    /// The group.
    pub group: String,
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveGroupAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        let caller = Caller::of(cx);
        let target = cx.app.user(&self.user).map(|c| c.id);
        let cell = find_group(cx, &self.group, gnf)?;
        let mut g = write_group(&cell, gnf)?;
        gate(&g, &self.group, &caller, need::owner)?;
        let Some(uid) = target.filter(|t| g.admins.contains_key(t)) else {
            return Err(GroupError::NotAdmin {
                user: self.user.to_string(),
                group: self.group,
            }
            .into());
        };
        g.admins.shift_remove(&uid);
        g.members[&uid].role = Role::Member;
        g.sync(uid);
        g.modified = cx.now;
        drop(g);
        emit(
            cx,
            GroupEvent::AdminRemoved {
                group: self.group,
                user: self.user.clone(),
            },
        );
        Ok(self.user)
    }
}
