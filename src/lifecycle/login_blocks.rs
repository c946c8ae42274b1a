//! Timed login blocks (spec 04 §7, RongCloud's 封禁 `/user/block.json`): 1 to 43 200 minutes,
//! never permanent, independent of the Easemob disabled flag. A block ends the user's sessions
//! at once and refuses new ones; it lapses on time through [`crate::Expire`] (the table's
//! deadline index is the state), and every read decides against its own `now`, so a block past
//! its end reads as lifted whether or not `Expire` ran. A blocked user stays a valid message
//! target: delivery waits offline.

use serde::{Deserialize, Serialize};

use super::{LifecycleEvent, UnblockReason, check_batch, closed_err, emit, error::invalid};
use crate::command::{DisconnectReason, Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::limits::{
    LOGIN_BLOCK_MINUTES, LOGIN_BLOCKS_PAGE_DEFAULT, LOGIN_BLOCKS_UNPAGED_MAX, RONG_BATCH_MAX,
};
use crate::query::Ask;
use crate::time::Timestamp;
use crate::users::find;

/// The users of a batch, resolved: distinct, each registered.
fn resolve(cx: &Ctx<'_>, users: &[UserName]) -> Result<Vec<(UserId, UserName)>> {
    crate::roster::distinct(users)
        .into_iter()
        .map(|n| find(cx.st, &n).map(|(id, _)| (id, n)))
        .collect()
}

/// Ends every session of a user with `ForceDisconnect{reason}`; they count as offline.
pub(crate) fn disconnect(cx: &mut Ctx<'_>, id: UserId, name: &UserName, reason: DisconnectReason) {
    let gone = cx
        .st
        .users
        .get_mut(id)
        .and_then(|u| u.extra.as_deref_mut())
        .map(|x| std::mem::take(&mut x.sessions))
        .unwrap_or_default();
    let resources: Vec<Box<str>> = gone.into_iter().map(|s| s.resource).collect();
    for r in &resources {
        cx.emit(Event::ForceDisconnect {
            user: name.clone(),
            resource: r.to_string(),
            reason,
        });
    }
    crate::users::closed(cx, id, &resources);
}

/// Blocks users from logging in for `minutes` (`/user/block.json`): `block_until = now +
/// minutes·60 000`, overwriting a live block (spec 04 §7 OPEN: set semantics). Admin only.
///
/// Errors, in check order:
/// 1. `401 unauthorized`;
/// 2. `400 illegal_argument` — no ids or over 20; `minutes` outside 1–43 200;
/// 3. `404 service_resource_not_found` — an unknown id;
/// 4. `404 account_closed` — a closed id.
///
/// Emits per user `ForceDisconnect{Blocked}` per session, then `LoginBlocked{until}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BlockLogin {
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// For how long.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::block_minutes))]
    pub minutes: u32,
}

impl Exec for BlockLogin {
    type Reply = Timestamp;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Timestamp> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_BATCH_MAX, "userId")?;
        if !LOGIN_BLOCK_MINUTES.contains(&self.minutes) {
            return Err(invalid(format!(
                "minute must be between {} and {}",
                LOGIN_BLOCK_MINUTES.start(),
                LOGIN_BLOCK_MINUTES.end()
            )));
        }
        let users = resolve(cx, &self.users)?;
        if let Some((_, n)) = users.iter().find(|(id, _)| cx.st.lifecycle.is_closed(*id)) {
            return Err(closed_err(n));
        }
        let until = Timestamp(cx.now.0 + i64::from(self.minutes) * 60_000);
        for (id, name) in users {
            cx.st.lifecycle.login_blocks.set(id, Some(until));
            disconnect(cx, id, &name, DisconnectReason::Blocked);
            emit(
                cx,
                LifecycleEvent::LoginBlocked {
                    user: name,
                    at: cx.now,
                    until,
                },
            );
        }
        Ok(until)
    }
}

/// Lifts users' timed login blocks at once (`/user/unblock.json`). A user with no live block is
/// a no-op (a lapsed one is left to [`crate::Expire`] to report). The Easemob disabled flag is
/// not touched. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no ids or over 20); `404
/// service_resource_not_found`.
///
/// Emits `LoginUnblocked{Manual}` per lifted block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnblockLogin {
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for UnblockLogin {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_BATCH_MAX, "userId")?;
        for (id, name) in resolve(cx, &self.users)? {
            if cx.st.lifecycle.blocked_until(id, cx.now).is_some() {
                cx.st.lifecycle.login_blocks.clear(&id);
                emit(
                    cx,
                    LifecycleEvent::LoginUnblocked {
                        user: name,
                        at: cx.now,
                        reason: UnblockReason::Manual,
                    },
                );
            }
        }
        Ok(())
    }
}

/// One live login block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginBlockEntry {
    /// Who.
    pub user: UserName,
    /// Until when.
    pub until: Timestamp,
}

/// The live login blocks, latest end first (ties by id) (`/user/block/query.json`). With
/// `page` absent or 0, the first 1 000 unpaged (`size` is not read); otherwise page `page`
/// (from 1) of `size` (1–1 000, default 50). Blocks ended at `now` are not listed. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (a page asked for with
/// `size` 0 or over 1 000).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListLoginBlocks {
    /// The page, from 1; absent or 0: unpaged.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page: Option<u32>,
    /// The page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub size: Option<u32>,
}

impl Ask for ListLoginBlocks {
    type Reply = Vec<LoginBlockEntry>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<LoginBlockEntry>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (skip, take) = match self.page {
            None | Some(0) => (0, LOGIN_BLOCKS_UNPAGED_MAX),
            Some(p) => {
                let size = self.size.unwrap_or(LOGIN_BLOCKS_PAGE_DEFAULT) as usize;
                if size == 0 || size > LOGIN_BLOCKS_UNPAGED_MAX {
                    return Err(invalid(format!(
                        "size must be between 1 and {LOGIN_BLOCKS_UNPAGED_MAX}"
                    )));
                }
                ((p as usize - 1).saturating_mul(size), size)
            }
        };
        let mut all: Vec<LoginBlockEntry> = cx
            .st
            .lifecycle
            .login_blocks
            .after(cx.now)
            .into_iter()
            .filter_map(|(id, until)| {
                let user = cx.st.users.name(id)?.clone();
                Some(LoginBlockEntry { user, until })
            })
            .collect();
        all.sort_unstable_by(|a, b| b.until.cmp(&a.until).then_with(|| a.user.cmp(&b.user)));
        Ok(all.into_iter().skip(skip).take(take).collect())
    }
}
