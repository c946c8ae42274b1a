//! Block lists (spec 01 §11).
//!
//! A block is one-way and does not end a friendship. The blocker's list holds `(id, seq)`
//! sorted by id (shown newest first by `seq`); the blocked user keeps a reverse index so that
//! deleting either side can unlink the other.

use serde::{Deserialize, Serialize};

use super::{UserView, find};
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::BLOCKS_PAGE_MAX;
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::State;

// Whether `owner` has `other` on their block list (so `other` may not message `owner`).
/// Unknown users block nobody. Admin, or either user.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsBlocked {
    /// The user whose block list is read.
    pub owner: UserName,
    /// The user who may be on it.
    pub other: UserName,
}

impl Ask for IsBlocked {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        if cx.actor.admin_or_self(&self.owner, NOT_ALLOWED).is_err() {
            cx.actor.admin_or_self(&self.other, NOT_ALLOWED)?;
        }
        let users = &cx.st.users;
        let (Some((_, a)), Some(b)) = (users.named(&self.owner), users.id(&self.other)) else {
            return Ok(false);
        };
        Ok(a.has_blocked(b))
    }
}

/// [`IsBlocked`] by user handles: the hot form, with no name to resolve. A handle of a deleted
/// user blocks nobody. The app admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsBlockedById {
    /// The user whose block list is read.
    pub owner: UserId,
    /// The user who may be on it.
    pub other: UserId,
}

impl Ask for IsBlockedById {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(cx
            .st
            .users
            .get(self.owner)
            .is_some_and(|a| a.has_blocked(self.other)))
    }
}

/// Puts `targets` (registered, not yet on the list, not the owner) on `owner`'s block list,
/// newest last, with the reverse index; the caller checked the cap. Shared by the Easemob
/// block list and RongCloud's blacklist (spec 04 §9: one list).
pub(crate) fn add_blocks(st: &mut State, owner: UserId, targets: &[UserId]) {
    let users = &mut st.users;
    let x = users.get_mut(owner).expect("found").extra_mut();
    for &t in targets {
        let seq = x.block_seq;
        x.block_seq += 1;
        if let Err(at) = x.blocks.binary_search_by_key(&t, |b| b.0) {
            x.blocks.insert(at, (t, seq));
        }
    }
    for &t in targets {
        let x = users.get_mut(t).expect("found").extra_mut();
        if let Err(at) = x.blocked_by.binary_search(&owner) {
            x.blocked_by.insert(at, owner);
        }
    }
}

/// Takes `other` off `owner`'s block list and the reverse index; whether it was there.
pub(crate) fn remove_block(st: &mut State, owner: UserId, other: UserId) -> bool {
    let users = &mut st.users;
    let mut was = false;
    if let Some(x) = users.get_mut(owner).and_then(|u| u.extra.as_deref_mut())
        && let Ok(i) = x.blocks.binary_search_by_key(&other, |e| e.0)
    {
        x.blocks.remove(i);
        was = true;
    }
    if let Some(x) = users.get_mut(other).and_then(|u| u.extra.as_deref_mut())
        && let Ok(i) = x.blocked_by.binary_search(&owner)
    {
        x.blocked_by.remove(i);
    }
    was
}

fn block_gate(st: &State) -> Result<()> {
    if st.limits.blocklist_enabled {
        Ok(())
    } else {
        Err(Error::ForbiddenOp(
            "blocklist is not used for this app".into(),
        ))
    }
}

/// Adds users to the owner's block list (`POST /users/{owner}/blocks/users`). Entries already
/// there are skipped and keep their position. All or nothing. Admin, or `owner`. Returns the
/// names now on the list from this request, in request order.
///
/// Errors, in check order:
/// 1. `403 forbidden_op` — block lists are off;
/// 2. `401 unauthorized`;
/// 3. `400 illegal_argument` — no names, or the owner's own name;
/// 4. `404 service_resource_not_found` — the owner or any listed user unknown;
/// 5. `403 exceed_limit` "blocklist exceed limit" — the list would pass
///    [`crate::Limits::blocklist_max`] (500 by default).
///
/// Emits `UserBlocked` per newly blocked user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BlockUsers {
    /// Whose list.
    pub owner: UserName,
    /// Who to block.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub usernames: Vec<UserName>,
}

impl Exec for BlockUsers {
    type Reply = Vec<UserName>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<UserName>> {
        block_gate(cx.st)?;
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.usernames.is_empty() {
            return Err(Error::illegal("usernames must be provided"));
        }
        if self.usernames.contains(&self.owner) {
            return Err(Error::illegal("user can not block himself"));
        }
        let (owner, so) = find(cx.st, &self.owner)?;
        let names = crate::roster::distinct(&self.usernames);
        let targets: Vec<UserId> = names
            .iter()
            .map(|n| find(cx.st, n).map(|(id, _)| id))
            .collect::<Result<_>>()?;
        // Indexes (into `names`/`targets`) of the users this request newly blocks.
        let new: Vec<usize> = (0..targets.len())
            .filter(|&i| !so.has_blocked(targets[i]))
            .collect();
        let have = so.extra().map_or(0, |x| x.blocks.len());
        let cap = cx.st.limits.blocklist_max;
        if targets.len() > cap || have + new.len() > cap {
            return Err(Error::ExceedLimit("blocklist exceed limit"));
        }
        let fresh: Vec<UserId> = new.iter().map(|&i| targets[i]).collect();
        add_blocks(cx.st, owner, &fresh);
        for &i in &new {
            cx.out.push(Event::UserBlocked {
                owner: self.owner.clone(),
                blocked: names[i].clone(),
            });
        }
        Ok(names)
    }
}

/// Takes a user off the owner's block list (`DELETE /users/{owner}/blocks/users/{blocked}`).
/// Not on the list: success with no change. Admin, or `owner`. Returns the user's view.
///
/// Errors, in check order: `403 forbidden_op` (off); `401 unauthorized`; `404
/// service_resource_not_found`.
///
/// Emits `UserUnblocked` when an entry was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UnblockUser {
    /// Whose list.
    pub owner: UserName,
    /// Who to unblock.
    pub blocked: UserName,
}

impl Exec for UnblockUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        block_gate(cx.st)?;
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let (a, sa) = find(cx.st, &self.owner)?;
        let (b, sb) = find(cx.st, &self.blocked)?;
        let view = UserView::of(sb);
        if a == b || !sa.has_blocked(b) {
            return Ok(view);
        }
        remove_block(cx.st, a, b);
        cx.emit(Event::UserUnblocked {
            owner: self.owner,
            blocked: self.blocked,
        });
        Ok(view)
    }
}

const BLOCKS_CURSOR: &str = "b";

/// The owner's block list, newest first (`GET /users/{owner}/blocks/users`). With neither
/// `page_size` nor `cursor`, the newest 500 in one page; otherwise pages of 1–50 (default 50); the unpaged read shows up to
/// [`crate::Limits::blocklist_max`].
/// Admin, or `owner`.
///
/// Errors, in check order: `403 forbidden_op` (off); `401 unauthorized`; `400
/// illegal_argument` (page size 0 or over 50, bad cursor); `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListBlocks {
    /// Whose list.
    pub owner: UserName,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_size: Option<u32>,
    /// From a previous page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
}

impl Ask for ListBlocks {
    type Reply = Page<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<UserName>> {
        block_gate(cx.st)?;
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let limit = match (self.page_size, &self.cursor) {
            (None, None) => cx.st.limits.blocklist_max,
            (Some(p), _) if p > BLOCKS_PAGE_MAX => {
                return Err(Error::illegal(format!(
                    "pageSize must be between 1 and {BLOCKS_PAGE_MAX}"
                )));
            }
            (p, _) => paging::limit(p, BLOCKS_PAGE_MAX, BLOCKS_PAGE_MAX)?,
        };
        let after = match &self.cursor {
            Some(c) => Some(paging::decode::<1>(BLOCKS_CURSOR, c)?[0]),
            None => None,
        };
        let (_, s) = find(cx.st, &self.owner)?;
        let mut entries: Vec<(UserId, u64)> =
            s.extra().map(|x| x.blocks.clone()).unwrap_or_default();
        entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.1));
        if let Some(a) = after {
            entries.retain(|e| e.1 < a);
        }
        let more = entries.len() > limit;
        entries.truncate(limit);
        let cursor = match (more, entries.last()) {
            (true, Some(e)) => Some(paging::encode(BLOCKS_CURSOR, &[e.1])),
            _ => None,
        };
        let items = entries
            .into_iter()
            .filter_map(|(id, _)| cx.st.users.name(id).cloned())
            .collect();
        Ok(Page { items, cursor })
    }
}
