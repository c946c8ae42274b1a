//! Account closure, the closed list and reopening (spec 04 §3–§5, RongCloud's 注销 and
//! 重新激活). Closing keeps the user record (and so their group memberships, spec 04 §3 and
//! OPEN (c)) but erases their personal data in one step and tombstones the id; reopening
//! removes the tombstone no sooner than an hour after the closure, and the next registration
//! starts the user empty.

use serde::{Deserialize, Serialize};

use super::{LifecycleEvent, Tombstone, check_batch, emit, error::invalid};
use crate::command::{DisconnectReason, Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::limits::{CLOSED_PAGE_MAX, REOPEN_WAIT_MS, RONG_CLOSE_BATCH_MAX};
use crate::query::Ask;
use crate::time::Timestamp;

/// What closing did to one id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseOutcome {
    /// Closed now.
    Closed,
    /// Closed before: nothing changed (not an error).
    AlreadyClosed,
    /// No such user.
    NotFound,
}

/// The reply of [`CloseAccounts`] and [`ReopenAccountIds`]: the operation id and a result per
/// distinct id, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleOp<T> {
    /// The operation (per-app, monotonic), as the callbacks name it.
    pub op_id: u64,
    /// Per id.
    pub items: Vec<(UserName, T)>,
}

/// Closes accounts (`/user/deactivate.json`), synchronously. Per closed user, in one step:
/// 1. grants issued before `now` are revoked for good (a reopened id starts with none);
/// 2. the Easemob disabled flag and any timed login block are cleared (closure supersedes);
/// 3. sessions end (`ForceDisconnect{AccountClosed}`, presence offline); erased: push name and
///    portrait, password and Easemob tokens, attributes (the app's byte total drops), tags,
///    friendships both ways (OPEN (a)), their own block list, allow list and DM mode, push
///    settings and presence, their offline queue, roaming marks and conversation list; and the
///    chatrooms they are in (OPEN (d): always leave);
/// 4. a tombstone `{closed_at, op_id}` is written.
///
/// With `leave_groups` they also leave every group (an owned one handed over or dismissed,
/// OPEN (c)), before the rest.
///
/// Kept: group memberships unless `leave_groups` (OPEN (c)), entries naming them in other
/// users' lists (OPEN (b)),
/// messages they sent into groups (OPEN (e)), global mutes. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no ids, or over 100).
///
/// Emits per closed user the cascade's events, then `AccountClosed{op_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct CloseAccounts {
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// Also leave every group (spec 04 §3 OPEN (c)): a group they own goes to its oldest
    /// admin, else its oldest member, else is dismissed. Default: memberships are kept, as the
    /// vendor does.
    pub leave_groups: bool,
}

impl Exec for CloseAccounts {
    type Reply = LifecycleOp<CloseOutcome>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<LifecycleOp<CloseOutcome>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_CLOSE_BATCH_MAX, "userId")?;
        let op_id = cx.st.lifecycle.next_op();
        let mut items = Vec::new();
        for name in crate::roster::distinct(&self.users) {
            let outcome = match cx.st.users.id(&name) {
                None => CloseOutcome::NotFound,
                Some(id) if cx.st.lifecycle.is_closed(id) => CloseOutcome::AlreadyClosed,
                Some(id) => {
                    close_one(cx, id, &name, op_id, self.leave_groups);
                    CloseOutcome::Closed
                }
            };
            items.push((name, outcome));
        }
        Ok(LifecycleOp { op_id, items })
    }
}

/// The closure of one open user (see [`CloseAccounts`]).
fn close_one(cx: &mut Ctx<'_>, id: UserId, name: &UserName, op_id: u64, leave_groups: bool) {
    let now = cx.now;
    // 1, 2.
    let lu = cx.st.lifecycle.user_mut(id);
    lu.valid_after = Some(lu.valid_after.map_or(now, |a| a.max(now)));
    cx.st.lifecycle.login_blocks.clear(&id);
    // 3: sessions, then the personal data.
    super::login_blocks::disconnect(cx, id, name, DisconnectReason::AccountClosed);
    if leave_groups {
        crate::groups::on_account_closed_leave(cx, id);
    }
    crate::rooms::on_user_deleted(cx, id, name);
    cx.st.messages.drop_user(id);
    crate::users::cascade::forget_presence_and_push(cx, id, name);
    let users = &mut cx.st.users;
    let u = users.get_mut(id).expect("found");
    u.activated = true;
    u.nickname = None;
    u.password = None;
    u.modified = now;
    let contacts = std::mem::take(&mut u.contacts);
    // Kept in the out-of-line record: who blocked them (their entries stay, OPEN (b)), the
    // block sequence, global mutes and the offline-since time.
    let x = u.extra_mut();
    x.remarks.clear();
    x.attrs.clear();
    let attr_bytes = std::mem::take(&mut x.attr_bytes);
    let tokens = std::mem::take(&mut x.tokens);
    let blocks = std::mem::take(&mut x.blocks);
    x.presence = None;
    x.push = None;
    users.attr_total -= attr_bytes;
    for t in &tokens {
        users.tokens.remove(t);
    }
    for (f, _) in contacts.iter() {
        if let Some(fu) = users.get_mut(f)
            && fu.contacts.remove(id).is_some()
        {
            if let Some(x) = fu.extra.as_deref_mut() {
                x.remarks.remove(&id);
            }
            cx.out.push(Event::ContactRemoved {
                owner: fu.name.clone(),
                friend: name.clone(),
            });
        }
    }
    for (t, _) in &blocks {
        if let Some(x) = users.get_mut(*t).and_then(|tu| tu.extra.as_deref_mut())
            && let Ok(i) = x.blocked_by.binary_search(&id)
        {
            x.blocked_by.remove(i);
        }
    }
    let life = &mut cx.st.lifecycle;
    life.set_tags(id, Vec::new());
    let lu = life.user_mut(id);
    let valid_after = lu.valid_after;
    *lu = super::state::LifeUser {
        valid_after,
        ..Default::default()
    };
    // 4, 5.
    life.closed.insert(
        id,
        Tombstone {
            closed_at: now,
            op_id,
        },
    );
    emit(
        cx,
        LifecycleEvent::AccountClosed {
            user: name.clone(),
            at: now,
            op_id,
        },
    );
}

/// What reopening did to one id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReopenOutcome {
    /// The tombstone is gone: the id may register again, empty.
    Reopened,
    /// Not closed: nothing to do (counts as success).
    NotClosed,
    /// Closed less than an hour ago; the earliest instant it may be reopened.
    TooSoon(Timestamp),
    /// No such user.
    NotFound,
}

/// Reopens closed ids (`/user/reactivate.json`): no sooner than one hour after the closure.
/// Data is not restored; the next [`super::GrantToken`] fills the record again, and grants
/// from before the closure stay invalid. Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no ids, or over 100).
///
/// Emits `AccountReopened{op_id}` per reopened id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ReopenAccountIds {
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Exec for ReopenAccountIds {
    type Reply = LifecycleOp<ReopenOutcome>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<LifecycleOp<ReopenOutcome>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), RONG_CLOSE_BATCH_MAX, "userId")?;
        let op_id = cx.st.lifecycle.next_op();
        let mut items = Vec::new();
        for name in crate::roster::distinct(&self.users) {
            let id = cx.st.users.id(&name);
            let tomb = id.and_then(|id| cx.st.lifecycle.closed.get(&id).copied());
            let outcome = match (id, tomb) {
                (None, _) => ReopenOutcome::NotFound,
                (Some(_), None) => ReopenOutcome::NotClosed,
                (Some(_), Some(t)) if cx.now.0 < t.closed_at.0 + REOPEN_WAIT_MS => {
                    ReopenOutcome::TooSoon(Timestamp(t.closed_at.0 + REOPEN_WAIT_MS))
                }
                (Some(id), Some(_)) => {
                    cx.st.lifecycle.closed.remove(&id);
                    emit(
                        cx,
                        LifecycleEvent::AccountReopened {
                            user: name.clone(),
                            at: cx.now,
                            op_id,
                        },
                    );
                    ReopenOutcome::Reopened
                }
            };
            items.push((name, outcome));
        }
        Ok(LifecycleOp { op_id, items })
    }
}

/// A page of closed ids, with the total (spec 04 §4 OPEN).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedPage {
    /// The ids, by `(closed_at, id)`.
    pub users: Vec<UserName>,
    /// How many ids are closed.
    pub total: u64,
}

/// The closed ids, ordered by `(closed_at, id)` (`/user/deactivate/query.json`): page
/// `page_no` (from 1, default 1) of `page_size` (1–50, default 50). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (`page_no` 0,
/// `page_size` 0 or over 50).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListClosedAccounts {
    /// The page, from 1.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_no: Option<u32>,
    /// The page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_size: Option<u32>,
}

impl Ask for ListClosedAccounts {
    type Reply = ClosedPage;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<ClosedPage> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let page_no = self.page_no.unwrap_or(1);
        if page_no == 0 {
            return Err(invalid("pageNo must be at least 1"));
        }
        let size = self.page_size.unwrap_or(CLOSED_PAGE_MAX);
        if size == 0 || size > CLOSED_PAGE_MAX {
            return Err(invalid(format!(
                "pageSize must be between 1 and {CLOSED_PAGE_MAX}"
            )));
        }
        let mut all: Vec<(Timestamp, UserName)> = cx
            .st
            .lifecycle
            .closed
            .iter()
            .filter_map(|(id, t)| Some((t.closed_at, cx.st.users.name(*id)?.clone())))
            .collect();
        all.sort_unstable();
        let total = all.len() as u64;
        let skip = (page_no as usize - 1).saturating_mul(size as usize);
        Ok(ClosedPage {
            users: all
                .into_iter()
                .skip(skip)
                .take(size as usize)
                .map(|(_, n)| n)
                .collect(),
            total,
        })
    }
}
