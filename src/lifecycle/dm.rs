//! Who may send a user one-to-one messages (spec 04 §9, §10): RongCloud's blacklist — the
//! users area's one block list, with the per-app cap [`crate::Limits::blocklist_max`] — and
//! the DM allow list with its mode. In allow-list mode a user gets one-to-one messages only
//! from listed senders and the block list lies dormant (kept, and in force again after
//! switching back). The check itself is [`MayDirectMessage`]; client sends through
//! [`crate::SendMessage`] apply the allow list too.

use serde::{Deserialize, Serialize};

use super::{LifecycleError, LifecycleEvent, check_batch, emit, error::invalid, user_named};
use crate::command::Exec;
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::limits::{RONG_BATCH_MAX, RONG_LIST_PAGE_MAX};
use crate::messages::{Origin, TargetRefusal};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::State;
use crate::users::find;

/// A user's DM mode (spec 04 §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum DmMode {
    /// Everyone but blocked users may send (RongCloud `whiteSetting=0`, the default).
    Blocklist,
    /// Only allow-listed users may send (`whiteSetting=1`).
    Allowlist,
}

/// Whose list a list command changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum DmList {
    /// The block list (RongCloud blacklist, shared with Easemob's).
    Block,
    /// The DM allow list (RongCloud whitelist).
    Allow,
}

/// The mode user `id` is in (the app switch forces allow-list mode).
pub(crate) fn mode_of(st: &State, id: UserId) -> DmMode {
    let on = st.limits.lifecycle.force_allowlist_mode
        || st.lifecycle.user(id).is_some_and(|l| l.allowlist_mode);
    if on {
        DmMode::Allowlist
    } else {
        DmMode::Blocklist
    }
}

/// Owner and targets of a list edit: the owner open and registered, 1–20 distinct targets,
/// none the owner, each registered and open (spec 04 §9 OPEN).
fn resolve_edit(
    st: &State,
    owner: &UserName,
    others: &[UserName],
) -> Result<(UserId, Vec<(UserId, UserName)>)> {
    check_batch(others.len(), RONG_BATCH_MAX, "targets")?;
    if others.contains(owner) {
        return Err(invalid("a user may not list themself"));
    }
    let (oid, _) = user_named(st, owner)?;
    let targets = crate::roster::distinct(others)
        .into_iter()
        .map(|n| user_named(st, &n).map(|(id, _)| (id, n)))
        .collect::<Result<Vec<_>>>()?;
    Ok((oid, targets))
}

/// Adds users to the owner's block list or allow list (`/user/blacklist/add.json`,
/// `/user/whitelist/add.json`). Entries already there are skipped; all or nothing. Editing
/// the allow list in block-list mode is allowed (it lies dormant, spec 04 §10 OPEN). Admin
/// only.
///
/// Errors, in check order:
/// 1. `401 unauthorized`;
/// 2. `400 illegal_argument` — no targets, over 20, or the owner among them;
/// 3. `404 service_resource_not_found` / `404 account_closed` — the owner or a target unknown
///    or closed;
/// 4. `403 exceed_limit` (RongCloud 1002) — the list would pass its cap
///    ([`crate::Limits::blocklist_max`], [`crate::LifecycleLimits::allowlist_max`]).
///
/// Emits `BlocklistChanged`/`AllowlistChanged{added: true}` with the newly listed users (none
/// new: no event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddToDmList {
    /// Which list.
    pub list: DmList,
    /// Whose list.
    pub owner: UserName,
    /// Who to add.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for AddToDmList {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (owner, targets) = resolve_edit(cx.st, &self.owner, &self.users)?;
        let (have, cap, fresh): (usize, usize, Vec<(UserId, UserName)>) = match self.list {
            DmList::Block => {
                let o = cx.st.users.get(owner).expect("found");
                let have = o.extra().map_or(0, |x| x.blocks.len());
                let fresh = targets
                    .into_iter()
                    .filter(|t| !o.has_blocked(t.0))
                    .collect();
                (have, cx.st.limits.blocklist_max, fresh)
            }
            DmList::Allow => {
                let l = cx.st.lifecycle.user(owner);
                let have = l.map_or(0, |l| l.allow.len());
                let fresh = targets
                    .into_iter()
                    .filter(|t| !l.is_some_and(|l| l.allows(t.0)))
                    .collect();
                (have, cx.st.limits.lifecycle.allowlist_max, fresh)
            }
        };
        if have + fresh.len() > cap {
            return Err(LifecycleError::QuotaExceeded(cap).into());
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let ids: Vec<UserId> = fresh.iter().map(|f| f.0).collect();
        match self.list {
            DmList::Block => crate::users::add_blocks(cx.st, owner, &ids),
            DmList::Allow => {
                let l = cx.st.lifecycle.user_mut(owner);
                for id in ids {
                    let seq = l.allow_seq;
                    l.allow_seq += 1;
                    if let Err(at) = l.allow.binary_search_by_key(&id, |e| e.0) {
                        l.allow.insert(at, (id, seq));
                    }
                }
            }
        }
        let others = fresh.into_iter().map(|f| f.1).collect();
        changed(cx, self.list, self.owner, others, true);
        Ok(())
    }
}

fn changed(cx: &mut Ctx<'_>, list: DmList, user: UserName, others: Vec<UserName>, added: bool) {
    let at = cx.now;
    emit(
        cx,
        match list {
            DmList::Block => LifecycleEvent::BlocklistChanged {
                user,
                at,
                others,
                added,
            },
            DmList::Allow => LifecycleEvent::AllowlistChanged {
                user,
                at,
                others,
                added,
            },
        },
    );
}

/// Takes users off the owner's block list or allow list (`/user/blacklist/remove.json`,
/// `/user/whitelist/remove.json`). Users not on it are skipped. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no targets, over 20);
/// `404 service_resource_not_found` (the owner or a target unknown); `404 account_closed`
/// (the owner closed).
///
/// Emits `BlocklistChanged`/`AllowlistChanged{added: false}` with the removed users (none: no
/// event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveFromDmList {
    /// Which list.
    pub list: DmList,
    /// Whose list.
    pub owner: UserName,
    /// Who to remove.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for RemoveFromDmList {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_BATCH_MAX, "targets")?;
        let (owner, _) = user_named(cx.st, &self.owner)?;
        let targets = crate::roster::distinct(&self.users)
            .into_iter()
            .map(|n| find(cx.st, &n).map(|(id, _)| (id, n)))
            .collect::<Result<Vec<_>>>()?;
        let mut gone = Vec::new();
        for (id, name) in targets {
            let was = match self.list {
                DmList::Block => crate::users::remove_block(cx.st, owner, id),
                DmList::Allow => {
                    let l = cx.st.lifecycle.user_mut(owner);
                    let i = l.allow.binary_search_by_key(&id, |e| e.0);
                    if let Ok(i) = i {
                        l.allow.remove(i);
                    }
                    cx.st.lifecycle.tidy(owner);
                    i.is_ok()
                }
            };
            if was {
                gone.push(name);
            }
        }
        if !gone.is_empty() {
            changed(cx, self.list, self.owner, gone, false);
        }
        Ok(())
    }
}

const DM_CURSOR: &str = "dm";

/// The owner's block list or allow list, newest first (`/user/blacklist/query.json`,
/// `/user/whitelist/query.json`): pages of `size` (1–1 000, default 1 000) from `cursor` (the
/// `next` of the previous page). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (size 0 or over 1 000, a
/// bad cursor); `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListDmList {
    /// Which list.
    pub list: DmList,
    /// Whose list.
    pub owner: UserName,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub size: Option<u32>,
    /// From a previous page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
}

impl Ask for ListDmList {
    type Reply = Page<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<UserName>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let size = self.size.unwrap_or(RONG_LIST_PAGE_MAX);
        if size == 0 || size > RONG_LIST_PAGE_MAX {
            return Err(invalid(format!(
                "size must be between 1 and {RONG_LIST_PAGE_MAX}"
            )));
        }
        let after = match &self.cursor {
            Some(c) => Some(paging::decode::<1>(DM_CURSOR, c)?[0]),
            None => None,
        };
        let (id, u) = find(cx.st, &self.owner)?;
        let mut entries: Vec<(UserId, u64)> = match self.list {
            DmList::Block => u.extra().map(|x| x.blocks.clone()).unwrap_or_default(),
            DmList::Allow => cx
                .st
                .lifecycle
                .user(id)
                .map(|l| l.allow.clone())
                .unwrap_or_default(),
        };
        entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.1));
        if let Some(a) = after {
            entries.retain(|e| e.1 < a);
        }
        let limit = size as usize;
        let more = entries.len() > limit;
        entries.truncate(limit);
        let cursor = match (more, entries.last()) {
            (true, Some(e)) => Some(paging::encode(DM_CURSOR, &[e.1])),
            _ => None,
        };
        let items = entries
            .into_iter()
            .filter_map(|(id, _)| cx.st.users.name(id).cloned())
            .collect();
        Ok(Page { items, cursor })
    }
}

/// Sets users' DM mode (`/user/whitesetting/set.json`). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no ids, over 20); `403
/// forbidden_op` (RongCloud 1009) — block-list mode while the app forces allow-list mode; `404
/// service_resource_not_found` / `404 account_closed`.
///
/// Emits `DmModeChanged` per user whose mode changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetDmMode {
    /// Whose.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// The mode.
    pub mode: DmMode,
}

impl Exec for SetDmMode {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_BATCH_MAX, "userId")?;
        if self.mode == DmMode::Blocklist && cx.st.limits.lifecycle.force_allowlist_mode {
            return Err(LifecycleError::Forbidden("the app is in allow-list mode").into());
        }
        let users = crate::roster::distinct(&self.users)
            .into_iter()
            .map(|n| user_named(cx.st, &n).map(|(id, _)| (id, n)))
            .collect::<Result<Vec<_>>>()?;
        for (id, name) in users {
            let on = self.mode == DmMode::Allowlist;
            let l = cx.st.lifecycle.user_mut(id);
            let was = l.allowlist_mode;
            l.allowlist_mode = on;
            cx.st.lifecycle.tidy(id);
            if was != on {
                let at = cx.now;
                emit(
                    cx,
                    LifecycleEvent::DmModeChanged {
                        user: name,
                        at,
                        mode: self.mode,
                    },
                );
            }
        }
        Ok(())
    }
}

/// Users' DM modes, in request order (`/user/whitesetting/query.json`). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no ids, over 20); `404
/// service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetDmMode {
    /// Whose.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Ask for GetDmMode {
    type Reply = Vec<(UserName, DmMode)>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<(UserName, DmMode)>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_BATCH_MAX, "userId")?;
        crate::roster::distinct(&self.users)
            .into_iter()
            .map(|n| find(cx.st, &n).map(|(id, _)| (n, mode_of(cx.st, id))))
            .collect()
    }
}

/// The lists' part of the one-to-one check from `from` to `to` (spec 04 §10, steps 2 and 3):
/// in allow-list mode only listed senders pass; in block-list mode blocked senders do not.
pub(crate) fn lists_refuse(st: &State, from: UserId, to: UserId) -> Option<TargetRefusal> {
    match mode_of(st, to) {
        DmMode::Allowlist => {
            let listed = st.lifecycle.user(to).is_some_and(|l| l.allows(from));
            (!listed).then_some(TargetRefusal::NotInAllowlist)
        }
        DmMode::Blocklist => st
            .users
            .get(to)
            .is_some_and(|r| r.has_blocked(from))
            .then_some(TargetRefusal::BlockedByRecipient),
    }
}

/// Why a one-to-one message may not go, spec 04 §10's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DmRefusal {
    /// Step 1: the recipient is closed.
    RecipientClosed,
    /// Step 1: the sender is closed.
    SenderClosed,
    /// Step 1: the sender is disabled (Easemob).
    SenderDisabled,
    /// Step 1: the sender's timed login block is live.
    SenderBlocked,
    /// Step 2: the recipient is in allow-list mode and the sender is not listed (client 405).
    NotInAllowlist,
    /// Step 3: the recipient blocked the sender (client 405).
    BlockedByRecipient,
}

/// May `from` send `to` a one-to-one message now (spec 04 §10)? Client sends always apply
/// the lists; server sends apply them only with `enforce_relations` (RongCloud's
/// `verifyBlacklist=1`). Step 4 (mutes and the messaging-policy spec) is
/// [`crate::messages::MayMessage`]. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `404 service_resource_not_found` (either user
/// unknown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MayDirectMessage {
    /// The sender.
    pub from: UserName,
    /// The recipient.
    pub to: UserName,
    /// Client or server send.
    pub origin: Origin,
    /// A server send that applies the lists.
    pub enforce_relations: bool,
}

impl Ask for MayDirectMessage {
    type Reply = Option<DmRefusal>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Option<DmRefusal>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (s, su) = find(cx.st, &self.from)?;
        let (r, _) = find(cx.st, &self.to)?;
        let life = &cx.st.lifecycle;
        if life.is_closed(r) {
            return Ok(Some(DmRefusal::RecipientClosed));
        }
        if life.is_closed(s) {
            return Ok(Some(DmRefusal::SenderClosed));
        }
        if !su.activated {
            return Ok(Some(DmRefusal::SenderDisabled));
        }
        if life.blocked_until(s, cx.now).is_some() {
            return Ok(Some(DmRefusal::SenderBlocked));
        }
        if s == r || (self.origin == Origin::Server && !self.enforce_relations) {
            return Ok(None);
        }
        Ok(lists_refuse(cx.st, s, r).map(|t| match t {
            TargetRefusal::NotInAllowlist => DmRefusal::NotInAllowlist,
            _ => DmRefusal::BlockedByRecipient,
        }))
    }
}
