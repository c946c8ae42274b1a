//! Friends (spec 01 §10) and block lists (§11).
//!
//! Friendship is symmetric: both users' contact lists change together, under both locks.
//! Each list is a vector of `(id, added_at)` sorted by id, so "are A and B friends" is one
//! binary search and an edge direction costs 16 bytes. Lists are shown most recently added
//! first (ties by id, descending). Remarks are one-directional and kept out of line.
//!
//! A block is one-way and does not end a friendship. The blocker's list holds `(id, seq)`
//! sorted by id (shown newest first by `seq`); the blocked user keeps a reverse index so that
//! deleting either side can unlink the other.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{
    BLOCKS_MAX, BLOCKS_PAGE_MAX, CONTACTS_IMPORT_MAX, CONTACTS_PAGE_DEFAULT, CONTACTS_PAGE_MAX,
    REMARK_CHARS_MAX,
};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::{UserCell, UserState, lock_pair, lock_users};
use crate::time::Timestamp;
use crate::users::{UserView, resolve_all};

const FRIEND_CAP: &str = "user contact number exceed limit";

fn at_cap(cx: &Ctx<'_>, s: &UserState) -> bool {
    cx.app
        .limits
        .friends_max
        .is_some_and(|m| s.contacts.len() >= m as usize)
}

fn link(a: &mut UserState, aid: UserId, b: &mut UserState, bid: UserId, now: Timestamp) {
    for (s, other) in [(a, bid), (b, aid)] {
        if let Err(i) = s.contacts.binary_search_by_key(&other, |c| c.0) {
            s.contacts.insert(i, (other, now));
        }
    }
}

/// Looks both users up, failing on the first unknown one.
fn pair(cx: &Ctx<'_>, a: &UserName, b: &UserName) -> Result<(Arc<UserCell>, Arc<UserCell>)> {
    Ok((cx.user(a)?, cx.user(b)?))
}

fn gone_err(cx: &Ctx<'_>, a: &UserState, b: &UserState) -> Result<()> {
    let _ = cx;
    for s in [a, b] {
        if s.gone {
            return Err(Error::UserNotFound(s.name.to_string()));
        }
    }
    Ok(())
}

/// Makes two users friends, both ways (`POST /users/{owner}/contacts/users/{friend}`). Admin,
/// or `owner`. Already friends: success with no change. A block between them stays.
///
/// Errors, in check order:
/// 1. `401 unauthorized` — another user's token;
/// 2. `400 illegal_argument` — `owner == friend`;
/// 3. `404 service_resource_not_found` — either user unknown;
/// 4. `403 exceed_limit` "user contact number exceed limit" — either side at `friends_max`.
///
/// Emits `ContactAdded` when a friendship forms. Returns the friend's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddFriend {
    /// Whose list.
    pub owner: UserName,
    /// The new friend.
    pub friend: UserName,
}

impl Exec for AddFriend {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.owner == self.friend {
            return Err(Error::illegal("user can not add himself as a friend"));
        }
        let (a, b) = pair(cx, &self.owner, &self.friend)?;
        let (mut sa, mut sb) = lock_pair(&a, &b);
        gone_err(cx, &sa, &sb)?;
        if sa.is_friend(b.id) {
            return Ok(UserView::of(&sb));
        }
        if at_cap(cx, &sa) || at_cap(cx, &sb) {
            return Err(Error::ExceedLimit(FRIEND_CAP));
        }
        link(&mut sa, a.id, &mut sb, b.id, cx.now);
        let view = UserView::of(&sb);
        drop((sa, sb));
        cx.emit(Event::ContactAdded {
            owner: self.owner,
            friend: self.friend,
        });
        Ok(view)
    }
}

/// Ends a friendship, both ways, with both remarks (`DELETE
/// /users/{owner}/contacts/users/{friend}`). Not friends: success with no change. Admin, or
/// `owner`.
///
/// Errors, in check order: `401 unauthorized`; `404 service_resource_not_found`.
///
/// Emits `ContactRemoved` when a friendship ended. Returns the friend's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveFriend {
    /// Whose list.
    pub owner: UserName,
    /// The friend.
    pub friend: UserName,
}

impl Exec for RemoveFriend {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let (a, b) = pair(cx, &self.owner, &self.friend)?;
        if a.id == b.id {
            let s = b.state.read();
            return Ok(UserView::of(&s));
        }
        let (mut sa, mut sb) = lock_pair(&a, &b);
        gone_err(cx, &sa, &sb)?;
        let view = UserView::of(&sb);
        if !sa.is_friend(b.id) {
            return Ok(view);
        }
        for (s, other) in [(&mut *sa, b.id), (&mut *sb, a.id)] {
            if let Ok(i) = s.contacts.binary_search_by_key(&other, |c| c.0) {
                s.contacts.remove(i);
            }
            if let Some(x) = s.extra.as_deref_mut() {
                x.remarks.remove(&other);
            }
        }
        drop((sa, sb));
        cx.emit(Event::ContactRemoved {
            owner: self.owner,
            friend: self.friend,
        });
        Ok(view)
    }
}

/// Sets the owner's remark for a friend; `""` clears it (`PUT
/// /user/{owner}/contacts/users/{friend}`). Admin, or `owner`.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (over 100 characters);
/// `404 service_resource_not_found`; `400 illegal_argument` "updateRemark they are not
/// friends, please add as a friend first.".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRemark {
    /// Whose label.
    pub owner: UserName,
    /// For which friend.
    pub friend: UserName,
    /// The label; empty clears.
    pub remark: String,
}

impl Exec for SetRemark {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.remark.chars().count() > REMARK_CHARS_MAX {
            return Err(Error::illegal("remark length exceeds the limit 100"));
        }
        let (a, b) = pair(cx, &self.owner, &self.friend)?;
        let mut sa = a.state.write();
        if sa.gone {
            return Err(Error::UserNotFound(self.owner.to_string()));
        }
        if !sa.is_friend(b.id) {
            return Err(Error::illegal(
                "updateRemark they are not friends, please add as a friend first.",
            ));
        }
        if self.remark.is_empty() {
            if let Some(x) = sa.extra.as_deref_mut() {
                x.remarks.remove(&b.id);
            }
        } else {
            sa.extra_mut().remarks.insert(b.id, self.remark.into());
        }
        Ok(())
    }
}

/// A friend in a paged list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The friend.
    pub username: UserName,
    /// The owner's remark, when asked for and set.
    pub remark: Option<String>,
    /// When the friendship formed.
    pub added_at: Timestamp,
}

/// The owner's friends, most recently added first, ties by id descending.
fn sorted_contacts(s: &UserState) -> Vec<(UserId, Timestamp)> {
    let mut v = s.contacts.clone();
    v.sort_unstable_by_key(|c| std::cmp::Reverse((c.1, c.0)));
    v
}

fn name_of(cx: &Ctx<'_>, id: UserId) -> Option<UserName> {
    cx.app.user_by_id(id).map(|c| c.state.read().name.clone())
}

/// Every friend's name, most recently added first (`GET /users/{owner}/contacts/users`).
/// Admin, or `owner`.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFriends {
    /// Whose list.
    pub owner: UserName,
}

impl Ask for ListFriends {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<UserName>> {
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let cell = cx.user(&self.owner)?;
        let ids = sorted_contacts(&cell.state.read());
        Ok(ids
            .into_iter()
            .filter_map(|(id, _)| name_of(cx, id))
            .collect())
    }
}

const FRIENDS_CURSOR: &str = "f";

/// One page of friends (`GET /user/{owner}/contacts`), in the order of [`ListFriends`].
/// `limit` is 1–50, default 10. Remarks only with `need_remark`. Admin, or `owner`.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` ("getContacts page size
/// more than max limit : 50", limit 0, bad cursor); `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFriendsPage {
    /// Whose list.
    pub owner: UserName,
    /// Page size.
    pub limit: Option<u32>,
    /// From a previous page.
    pub cursor: Option<String>,
    /// Include remarks.
    pub need_remark: bool,
}

impl Ask for ListFriendsPage {
    type Reply = Page<Contact>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<Contact>> {
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.limit.is_some_and(|l| l > CONTACTS_PAGE_MAX) {
            return Err(Error::illegal(format!(
                "getContacts page size more than max limit : {CONTACTS_PAGE_MAX}"
            )));
        }
        let limit = paging::limit(self.limit, CONTACTS_PAGE_DEFAULT, CONTACTS_PAGE_MAX)?;
        let after = match &self.cursor {
            Some(c) => Some(paging::decode::<2>(FRIENDS_CURSOR, c)?),
            None => None,
        };
        let cell = cx.user(&self.owner)?;
        let (ids, remarks) = {
            let s = cell.state.read();
            let mut ids = sorted_contacts(&s);
            if let Some([t, id]) = after {
                let key = (Timestamp(t as i64), UserId(id));
                ids.retain(|c| (c.1, c.0) < key);
            }
            let more = ids.len() > limit;
            ids.truncate(limit);
            let remarks: Vec<Option<String>> = ids
                .iter()
                .map(|(id, _)| {
                    if self.need_remark {
                        s.extra()
                            .and_then(|x| x.remarks.get(id))
                            .map(|r| r.to_string())
                    } else {
                        None
                    }
                })
                .collect();
            ((ids, more), remarks)
        };
        let (ids, more) = ids;
        let cursor = match (more, ids.last()) {
            (true, Some((id, t))) => Some(paging::encode(FRIENDS_CURSOR, &[t.0 as u64, id.0])),
            _ => None,
        };
        let items = ids
            .into_iter()
            .zip(remarks)
            .filter_map(|((id, added_at), remark)| {
                name_of(cx, id).map(|username| Contact {
                    username,
                    remark,
                    added_at,
                })
            })
            .collect();
        Ok(Page { items, cursor })
    }
}

/// Where one imported name ended up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportResult {
    /// Added, or already a friend.
    Success,
    /// No such user.
    NotExistFailed,
    /// Either side reached the friend cap.
    MaxLimitFailed,
    /// Anything else (for example the owner's own name, or an invalid name).
    UnknownFailed,
}

/// Adds up to 10 friends at once (`POST /users/{owner}/contacts/import`). Admin only. Each
/// name gets its own result; every friendship formed is symmetric. `notify` decides whether
/// `ContactAdded` events are emitted.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "request user over flow
/// limit:10."; `404 service_resource_not_found` (owner); `403 exceed_limit` "Inviter's contact
/// max count." (owner already at the cap).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportFriends {
    /// Whose list.
    pub owner: UserName,
    /// Names as given.
    pub usernames: Vec<String>,
    /// Emit `ContactAdded` events.
    pub notify: bool,
}

impl Exec for ImportFriends {
    type Reply = Vec<(String, ImportResult)>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Self::Reply> {
        cx.admin_only(NOT_ALLOWED)?;
        if self.usernames.len() > CONTACTS_IMPORT_MAX {
            return Err(Error::illegal(format!(
                "request user over flow limit:{CONTACTS_IMPORT_MAX}."
            )));
        }
        let owner = cx.user(&self.owner)?;
        {
            let s = owner.state.read();
            if s.gone {
                return Err(Error::UserNotFound(self.owner.to_string()));
            }
            if at_cap(cx, &s) {
                return Err(Error::ExceedLimit("Inviter's contact max count."));
            }
        }
        let mut out = Vec::with_capacity(self.usernames.len());
        for n in self.usernames {
            let r = match UserName::parse(&n) {
                Err(_) => ImportResult::UnknownFailed,
                Ok(name) if name == self.owner => ImportResult::UnknownFailed,
                Ok(name) => match cx.app.user(&name) {
                    None => ImportResult::NotExistFailed,
                    Some(f) => {
                        let (mut sa, mut sb) = lock_pair(&owner, &f);
                        if sa.gone {
                            ImportResult::UnknownFailed
                        } else if sb.gone {
                            ImportResult::NotExistFailed
                        } else if sa.is_friend(f.id) {
                            ImportResult::Success
                        } else if at_cap(cx, &sa) || at_cap(cx, &sb) {
                            ImportResult::MaxLimitFailed
                        } else {
                            link(&mut sa, owner.id, &mut sb, f.id, cx.now);
                            drop((sa, sb));
                            if self.notify {
                                cx.emit(Event::ContactAdded {
                                    owner: self.owner.clone(),
                                    friend: name,
                                });
                            }
                            ImportResult::Success
                        }
                    }
                },
            };
            out.push((n, r));
        }
        Ok(out)
    }
}

/// Whether two users are friends. Unknown users are nobody's friends. Admin, or either user.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreFriends {
    /// One user.
    pub a: UserName,
    /// The other.
    pub b: UserName,
}

impl Ask for AreFriends {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        if cx.admin_or_self(&self.a, NOT_ALLOWED).is_err() {
            cx.admin_or_self(&self.b, NOT_ALLOWED)?;
        }
        let (Some(a), Some(b)) = (cx.app.user(&self.a), cx.app.user(&self.b)) else {
            return Ok(false);
        };
        let s = a.state.read();
        Ok(!s.gone && s.is_friend(b.id))
    }
}

/// Whether `owner` has `other` on their block list (so `other` may not message `owner`).
/// Unknown users block nobody. Admin, or either user.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsBlocked {
    /// The user whose block list is read.
    pub owner: UserName,
    /// The user who may be on it.
    pub other: UserName,
}

impl Ask for IsBlocked {
    type Reply = bool;
    fn ask(self, cx: &Ctx<'_>) -> Result<bool> {
        if cx.admin_or_self(&self.owner, NOT_ALLOWED).is_err() {
            cx.admin_or_self(&self.other, NOT_ALLOWED)?;
        }
        let (Some(a), Some(b)) = (cx.app.user(&self.owner), cx.app.user(&self.other)) else {
            return Ok(false);
        };
        let s = a.state.read();
        Ok(!s.gone && s.has_blocked(b.id))
    }
}

fn block_gate(cx: &Ctx<'_>) -> Result<()> {
    if cx.app.limits.blocklist_enabled {
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
/// 5. `403 exceed_limit` "blocklist exceed limit" — the list would pass 500.
///
/// Emits `UserBlocked` per newly blocked user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockUsers {
    /// Whose list.
    pub owner: UserName,
    /// Who to block.
    pub usernames: Vec<UserName>,
}

impl Exec for BlockUsers {
    type Reply = Vec<UserName>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<UserName>> {
        block_gate(cx)?;
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.usernames.is_empty() {
            return Err(Error::illegal("usernames must be provided"));
        }
        if self.usernames.contains(&self.owner) {
            return Err(Error::illegal("user can not block himself"));
        }
        let owner = cx.user(&self.owner)?;
        let mut seen = std::collections::HashSet::with_capacity(self.usernames.len());
        let names: Vec<UserName> = self
            .usernames
            .into_iter()
            .filter(|n| seen.insert(n.clone()))
            .collect();
        let targets = resolve_all(cx, &names)?;
        // More distinct users than the cap can never fit, whatever is already listed: refuse
        // before locking anyone.
        if targets.len() > BLOCKS_MAX {
            return Err(Error::ExceedLimit("blocklist exceed limit"));
        }
        let mut cells = targets.clone();
        cells.push(Arc::clone(&owner));
        let mut guards = lock_users(&cells);
        if let Some((_, g)) = guards.iter().find(|(_, g)| g.gone) {
            return Err(Error::UserNotFound(g.name.to_string()));
        }
        let oi = guards
            .iter()
            .position(|(id, _)| *id == owner.id)
            .unwrap_or(0);
        // Indexes (into `names`/`targets`) of the users this request newly blocks.
        let new: Vec<usize> = {
            let os = &guards[oi].1;
            (0..targets.len())
                .filter(|&i| !os.has_blocked(targets[i].id))
                .collect()
        };
        let have = guards[oi].1.extra().map_or(0, |x| x.blocks.len());
        if have + new.len() > BLOCKS_MAX {
            return Err(Error::ExceedLimit("blocklist exceed limit"));
        }
        {
            let x = guards[oi].1.extra_mut();
            for &i in &new {
                let seq = x.block_seq;
                x.block_seq += 1;
                if let Err(at) = x.blocks.binary_search_by_key(&targets[i].id, |b| b.0) {
                    x.blocks.insert(at, (targets[i].id, seq));
                }
            }
        }
        for (id, g) in guards.iter_mut() {
            if new.iter().any(|&i| targets[i].id == *id) {
                let x = g.extra_mut();
                if let Err(at) = x.blocked_by.binary_search(&owner.id) {
                    x.blocked_by.insert(at, owner.id);
                }
            }
        }
        drop(guards);
        for &i in &new {
            cx.emit(Event::UserBlocked {
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
pub struct UnblockUser {
    /// Whose list.
    pub owner: UserName,
    /// Who to unblock.
    pub blocked: UserName,
}

impl Exec for UnblockUser {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        block_gate(cx)?;
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let (a, b) = pair(cx, &self.owner, &self.blocked)?;
        if a.id == b.id {
            return Ok(UserView::of(&b.state.read()));
        }
        let (mut sa, mut sb) = lock_pair(&a, &b);
        gone_err(cx, &sa, &sb)?;
        let view = UserView::of(&sb);
        let removed = match sa.extra.as_deref_mut() {
            Some(x) => match x.blocks.binary_search_by_key(&b.id, |e| e.0) {
                Ok(i) => {
                    x.blocks.remove(i);
                    true
                }
                Err(_) => false,
            },
            None => false,
        };
        if removed
            && let Some(x) = sb.extra.as_deref_mut()
            && let Ok(i) = x.blocked_by.binary_search(&a.id)
        {
            x.blocked_by.remove(i);
        }
        drop((sa, sb));
        if removed {
            cx.emit(Event::UserUnblocked {
                owner: self.owner,
                blocked: self.blocked,
            });
        }
        Ok(view)
    }
}

const BLOCKS_CURSOR: &str = "b";

/// The owner's block list, newest first (`GET /users/{owner}/blocks/users`). With neither
/// `page_size` nor `cursor`, the newest 500 in one page; otherwise pages of 1–50 (default 50).
/// Admin, or `owner`.
///
/// Errors, in check order: `403 forbidden_op` (off); `401 unauthorized`; `400
/// illegal_argument` (page size 0 or over 50, bad cursor); `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListBlocks {
    /// Whose list.
    pub owner: UserName,
    /// Page size.
    pub page_size: Option<u32>,
    /// From a previous page.
    pub cursor: Option<String>,
}

impl Ask for ListBlocks {
    type Reply = Page<UserName>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Page<UserName>> {
        block_gate(cx)?;
        cx.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let limit = match (self.page_size, &self.cursor) {
            (None, None) => BLOCKS_MAX,
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
        let cell = cx.user(&self.owner)?;
        let mut entries: Vec<(UserId, u64)> = cell
            .state
            .read()
            .extra()
            .map(|x| x.blocks.clone())
            .unwrap_or_default();
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
            .filter_map(|(id, _)| name_of(cx, id))
            .collect();
        Ok(Page { items, cursor })
    }
}
