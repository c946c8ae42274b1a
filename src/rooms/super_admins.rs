//! App super admins (spec 03 §3.1): the users who may create rooms from a client.

use serde::{Deserialize, Serialize};

use super::target;
use crate::command::Exec;
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::UserName;
use crate::limits::{ROOM_SUPER_ADMINS_PAGE_DEFAULT, ROOM_SUPER_ADMINS_PAGE_MAX};
use crate::query::Ask;

/// Promotes a user to super admin (`POST /chatrooms/super_admin`). Admin only. Already a
/// super admin: success, no change.
///
/// Errors, in check order: `401 unauthorized` (not the admin); `E_USER`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddRoomSuperAdmin {
    /// Who.
    pub user: UserName,
}

impl Exec for AddRoomSuperAdmin {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let u = target(cx.st, &self.user)?;
        cx.st.rooms.super_admins.entry(u).or_insert(self.user);
        Ok(())
    }
}

/// Demotes a super admin (`DELETE /chatrooms/super_admin/{user}`). Admin only. Not a super
/// admin: success, no change. Existing rooms are unaffected. Returns the user
/// (`newSuperAdmin`).
///
/// Errors, in check order: `401 unauthorized`; `E_USER`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveRoomSuperAdmin {
    /// Who.
    pub user: UserName,
}

impl Exec for RemoveRoomSuperAdmin {
    type Reply = UserName;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserName> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let u = target(cx.st, &self.user)?;
        cx.st.rooms.super_admins.shift_remove(&u);
        Ok(self.user)
    }
}

/// A page of super admins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSuperAdminPage {
    /// Users in promotion order.
    pub data: Vec<UserName>,
    /// Items in this page.
    pub count: usize,
}

/// Lists super admins in promotion order (`GET /chatrooms/super_admin`). Admin only.
/// `pagenum` default 1 (0 counts as 1), `pagesize` default 10, clamped to 1..=1000. A page
/// past the end is empty.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRoomSuperAdmins {
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub pagenum: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub pagesize: Option<u32>,
}

impl Ask for ListRoomSuperAdmins {
    type Reply = RoomSuperAdminPage;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<RoomSuperAdminPage> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let size = self
            .pagesize
            .unwrap_or(ROOM_SUPER_ADMINS_PAGE_DEFAULT)
            .clamp(1, ROOM_SUPER_ADMINS_PAGE_MAX) as usize;
        let num = self.pagenum.unwrap_or(1).max(1) as usize;
        let skip = (num - 1).saturating_mul(size);
        let data: Vec<UserName> = cx
            .st
            .rooms
            .super_admins
            .values()
            .skip(skip)
            .take(size)
            .cloned()
            .collect();
        Ok(RoomSuperAdminPage {
            count: data.len(),
            data,
        })
    }
}
