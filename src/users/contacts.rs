//! Friends (spec 01 §10).
//!
//! Friendship is symmetric: both users' contact lists change together. Each list holds the
//! friends' ids sorted, with when each was added (`Contacts`), so "are A and B friends" is one
//! binary search and an edge direction costs 16 bytes. Lists are shown most recently added
//! first (ties by registration, descending). Remarks are one-directional and kept out of line.
//!
//! The hot forms take user handles ([`UserId`]s from [`crate::LookupUser`] or
//! [`crate::Authenticate`]) instead of names: [`AreFriendsById`] to ask, [`AddFriendById`] and
//! [`RemoveFriendById`] to write, with the name forms' rules (the name forms resolve their
//! names and run the same code).

use serde::{Deserialize, Serialize};

use super::state::User;
use super::{UserView, find};
use crate::command::{Event, Exec};
use crate::engine::{Actor, Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{UserId, UserName};
use crate::limits::{
    CONTACTS_IMPORT_MAX, CONTACTS_PAGE_DEFAULT, CONTACTS_PAGE_MAX, REMARK_CHARS_MAX,
};
use crate::paging::{self, Page};
use crate::query::Ask;
use crate::store::{State, Users};
use crate::time::Timestamp;

const FRIEND_CAP: &str = "user contact number exceed limit";

fn at_cap(st: &State, u: &User) -> bool {
    st.limits
        .friends_max
        .is_some_and(|m| u.contacts.len() >= m as usize)
}

/// Adds the edge both ways (the caller checked both users and the caps).
fn link(users: &mut Users, a: UserId, b: UserId, now: Timestamp) {
    for (x, other) in [(a, b), (b, a)] {
        let u = users.get_mut(x).expect("checked");
        u.contacts.insert(other, now);
    }
}

/// A registered user by handle, or the `404 service_resource_not_found` an unknown name gets
/// (a handle of a deleted user is unknown).
fn by_id(users: &Users, id: UserId) -> Result<&User> {
    users
        .get(id)
        .ok_or_else(|| Error::UserNotFound(id.0.to_string()))
}

/// The id forms' caller check: the admin, or a user token of `owner` (by their handle);
/// anyone else — a user token of another user, or of nobody the handle names — gets the
/// `401 unauthorized` the name forms give a user acting on another user's list.
fn admin_or_owner(actor: &Actor, users: &Users, owner: UserId) -> Result<()> {
    match actor {
        Actor::Admin => Ok(()),
        Actor::User(me) if users.name(owner) == Some(me) => Ok(()),
        _ => Err(NOT_ALLOWED),
    }
}

/// Starts the loads of what a friend write reads of both users — every line of both friend
/// lists, both names (the event's), the friend's uuid (the reply's) and both out-of-line
/// records (push fields, remarks) — so that their cache misses overlap. On a cold pair of
/// users these are a dozen or more misses, and a write that meets them in program order waits
/// for most of them one after another (the bisection's probes depend on each other). Reads
/// only; the folded value goes to `black_box` so that the loads stay.
///
/// The owner's out-of-line record only for a removal (`remarks`): an add reads the friend's
/// alone (the view's push fields), and every line not read is a page walk not made.
fn warm(users: &Users, a: UserId, b: UserId, remarks: bool) {
    let (Some(sa), Some(sb)) = (users.get(a), users.get(b)) else {
        return;
    };
    let extra = |s: &User| {
        s.extra().map_or(0, |e| {
            u64::from(e.push.is_some()) ^ e.remarks.len() as u64 ^ e.attr_bytes
        })
    };
    let mut x = extra(sb);
    if remarks {
        x ^= extra(sa);
    }
    for s in [sa, sb] {
        x ^= s.contacts.touch();
        x ^= u64::from(s.name.as_str().as_bytes().first().copied().unwrap_or(0));
    }
    x ^= u64::from(sb.uuid.as_bytes().first().copied().unwrap_or(0));
    std::hint::black_box(x);
}

/// The rules of [`AddFriend`] once both users are found (`a != b`): already friends is a
/// success with no change; otherwise either side at `friends_max` is `403 exceed_limit`, and
/// the edge is added both ways. Returns the friend's view and whether a friendship formed.
///
/// One bisection of each list: the owner's insert finds "already friends" itself, so the
/// membership check runs first only when a side is at the cap (where it decides success or
/// refusal). No allocation but the view's.
fn befriend(cx: &mut Ctx<'_>, a: UserId, b: UserId) -> Result<(UserView, bool)> {
    let users = &cx.st.users;
    warm(users, a, b, false);
    let (sa, sb) = (users.get(a).expect("found"), users.get(b).expect("found"));
    let view = UserView::of(sb);
    if at_cap(cx.st, sa) || at_cap(cx.st, sb) {
        if sa.is_friend(b) {
            return Ok((view, false));
        }
        return Err(Error::ExceedLimit(FRIEND_CAP));
    }
    let now = cx.now;
    let users = &mut cx.st.users;
    if !users.get_mut(a).expect("found").contacts.insert(b, now) {
        return Ok((view, false));
    }
    users.get_mut(b).expect("found").contacts.insert(a, now);
    Ok((view, true))
}

/// The rules of [`RemoveFriend`] once both users are found: not friends (or `a == b`) is a
/// success with no change; otherwise the edge goes both ways, with both remarks. Returns the
/// friend's view and whether a friendship ended. One bisection of each list.
fn unfriend(cx: &mut Ctx<'_>, a: UserId, b: UserId) -> (UserView, bool) {
    warm(&cx.st.users, a, b, true);
    let users = &mut cx.st.users;
    let view = UserView::of(users.get(b).expect("found"));
    if a == b {
        return (view, false);
    }
    let sa = users.get_mut(a).expect("found");
    if sa.contacts.remove(b).is_none() {
        return (view, false);
    }
    if let Some(x) = sa.extra.as_deref_mut() {
        x.remarks.remove(&b);
    }
    let sb = users.get_mut(b).expect("found");
    sb.contacts.remove(a);
    if let Some(x) = sb.extra.as_deref_mut() {
        x.remarks.remove(&a);
    }
    (view, true)
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
/// Emits `ContactAdded` when a friendship forms. Returns the friend's view. [`AddFriendById`]
/// is the same command by handles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddFriend {
    /// Whose list.
    pub owner: UserName,
    /// The new friend.
    pub friend: UserName,
}

impl Exec for AddFriend {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.owner == self.friend {
            return Err(Error::illegal(SELF_FRIEND));
        }
        let users = &cx.st.users;
        let a = users
            .id(&self.owner)
            .ok_or_else(|| Error::UserNotFound(self.owner.to_string()))?;
        let b = users
            .id(&self.friend)
            .ok_or_else(|| Error::UserNotFound(self.friend.to_string()))?;
        let (view, formed) = befriend(cx, a, b)?;
        if formed {
            cx.emit(Event::ContactAdded {
                owner: self.owner,
                friend: self.friend,
            });
        }
        Ok(view)
    }
}

const SELF_FRIEND: &str = "user can not add himself as a friend";

/// [`AddFriend`] by user handles ([`UserId`]s from [`crate::LookupUser`] or
/// [`crate::Authenticate`]): the write's hot form, with no name to resolve. The same rules,
/// reply and `ContactAdded` event (with both users' names). Admin, or a user token of `owner`.
///
/// Errors, in check order:
/// 1. `401 unauthorized` — a user token of anyone but `owner` (a handle of no live user is
///    nobody's: a user token gets this, not the 404);
/// 2. `400 illegal_argument` — `owner == friend`;
/// 3. `404 service_resource_not_found` — either handle names no live user (unknown, or the
///    user was deleted);
/// 4. `403 exceed_limit` "user contact number exceed limit" — either side at `friends_max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AddFriendById {
    /// Whose list.
    pub owner: UserId,
    /// The new friend.
    pub friend: UserId,
}

impl Exec for AddFriendById {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        admin_or_owner(cx.actor, &cx.st.users, self.owner)?;
        if self.owner == self.friend {
            return Err(Error::illegal(SELF_FRIEND));
        }
        let users = &cx.st.users;
        by_id(users, self.owner)?;
        by_id(users, self.friend)?;
        let (view, formed) = befriend(cx, self.owner, self.friend)?;
        if formed {
            let users = &cx.st.users;
            let owner = users.name(self.owner).expect("found").clone();
            cx.emit(Event::ContactAdded {
                owner,
                friend: view.username.clone(),
            });
        }
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
/// [`RemoveFriendById`] is the same command by handles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveFriend {
    /// Whose list.
    pub owner: UserName,
    /// The friend.
    pub friend: UserName,
}

impl Exec for RemoveFriend {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let users = &cx.st.users;
        let a = users
            .id(&self.owner)
            .ok_or_else(|| Error::UserNotFound(self.owner.to_string()))?;
        let b = users
            .id(&self.friend)
            .ok_or_else(|| Error::UserNotFound(self.friend.to_string()))?;
        let (view, ended) = unfriend(cx, a, b);
        if ended {
            cx.emit(Event::ContactRemoved {
                owner: self.owner,
                friend: self.friend,
            });
        }
        Ok(view)
    }
}

/// [`RemoveFriend`] by user handles: the write's hot form, with no name to resolve. The same
/// rules, reply and `ContactRemoved` event (with both users' names). Admin, or a user token of
/// `owner`.
///
/// Errors, in check order: `401 unauthorized` (as [`AddFriendById`]); `404
/// service_resource_not_found` (either handle names no live user).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RemoveFriendById {
    /// Whose list.
    pub owner: UserId,
    /// The friend.
    pub friend: UserId,
}

impl Exec for RemoveFriendById {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        admin_or_owner(cx.actor, &cx.st.users, self.owner)?;
        let users = &cx.st.users;
        by_id(users, self.owner)?;
        by_id(users, self.friend)?;
        let (view, ended) = unfriend(cx, self.owner, self.friend);
        if ended {
            let owner = cx.st.users.name(self.owner).expect("found").clone();
            cx.emit(Event::ContactRemoved {
                owner,
                friend: view.username.clone(),
            });
        }
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetRemark {
    /// Whose label.
    pub owner: UserName,
    /// For which friend.
    pub friend: UserName,
    /// The label; empty clears.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::remark))]
    pub remark: String,
}

impl Exec for SetRemark {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        if self.remark.chars().count() > REMARK_CHARS_MAX {
            return Err(Error::illegal("remark length exceeds the limit 100"));
        }
        if crate::ids::has_control_or_bidi(&self.remark) {
            return Err(Error::illegal(
                "remark must not contain control or bidi characters",
            ));
        }
        let (a, sa) = find(cx.st, &self.owner)?;
        let (b, _) = find(cx.st, &self.friend)?;
        if !sa.is_friend(b) {
            return Err(Error::illegal(
                "updateRemark they are not friends, please add as a friend first.",
            ));
        }
        let sa = cx.st.users.get_mut(a).expect("found");
        if self.remark.is_empty() {
            if let Some(x) = sa.extra.as_deref_mut() {
                x.remarks.remove(&b);
            }
        } else {
            sa.extra_mut().remarks.insert(b, self.remark.into());
        }
        Ok(())
    }
}

/// A friend in a paged list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Contact {
    /// The friend.
    pub username: UserName,
    /// The owner's remark, when asked for and set.
    pub remark: Option<String>,
    /// When the friendship formed.
    pub added_at: Timestamp,
}

/// The owner's friends, most recently added first, ties by registration descending (the
/// friend registered last first).
fn sorted_contacts(users: &Users, s: &User) -> Vec<(UserId, Timestamp, u64)> {
    let mut v: Vec<(UserId, Timestamp, u64)> = s
        .contacts
        .iter()
        .map(|(id, at)| (id, at, users.get(id).map_or(0, |f| f.seq)))
        .collect();
    v.sort_unstable_by_key(|c| std::cmp::Reverse((c.1, c.2)));
    v
}

/// Every friend's name, most recently added first (`GET /users/{owner}/contacts/users`).
/// Admin, or `owner`.
///
/// Errors: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListFriends {
    /// Whose list.
    pub owner: UserName,
}

impl Ask for ListFriends {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
        let (_, s) = find(cx.st, &self.owner)?;
        Ok(sorted_contacts(&cx.st.users, s)
            .into_iter()
            .filter_map(|(id, _, _)| cx.st.users.name(id).cloned())
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListFriendsPage {
    /// Whose list.
    pub owner: UserName,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// From a previous page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
    /// Include remarks.
    pub need_remark: bool,
}

impl Ask for ListFriendsPage {
    type Reply = Page<Contact>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Page<Contact>> {
        cx.actor.admin_or_self(&self.owner, NOT_ALLOWED)?;
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
        let (_, s) = find(cx.st, &self.owner)?;
        let mut ids = sorted_contacts(&cx.st.users, s);
        if let Some([t, seq]) = after {
            let key = (Timestamp(t as i64), seq);
            ids.retain(|c| (c.1, c.2) < key);
        }
        let more = ids.len() > limit;
        ids.truncate(limit);
        let cursor = match (more, ids.last()) {
            (true, Some((_, t, seq))) => Some(paging::encode(FRIENDS_CURSOR, &[t.0 as u64, *seq])),
            _ => None,
        };
        let items = ids
            .into_iter()
            .filter_map(|(id, added_at, _)| {
                let remark = if self.need_remark {
                    s.extra()
                        .and_then(|x| x.remarks.get(&id))
                        .map(|r| r.to_string())
                } else {
                    None
                };
                cx.st.users.name(id).map(|username| Contact {
                    username: username.clone(),
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ImportFriends {
    /// Whose list.
    pub owner: UserName,
    /// Names as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_names))]
    pub usernames: Vec<String>,
    /// Emit `ContactAdded` events.
    pub notify: bool,
}

impl Exec for ImportFriends {
    type Reply = Vec<(String, ImportResult)>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Self::Reply> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        if self.usernames.len() > CONTACTS_IMPORT_MAX {
            return Err(Error::illegal(format!(
                "request user over flow limit:{CONTACTS_IMPORT_MAX}."
            )));
        }
        let (owner, so) = find(cx.st, &self.owner)?;
        if at_cap(cx.st, so) {
            return Err(Error::ExceedLimit("Inviter's contact max count."));
        }
        let mut out = Vec::with_capacity(self.usernames.len());
        for n in self.usernames {
            let r = match UserName::parse(&n) {
                Err(_) => ImportResult::UnknownFailed,
                Ok(name) if name == self.owner => ImportResult::UnknownFailed,
                Ok(name) => match cx.st.users.id(&name) {
                    None => ImportResult::NotExistFailed,
                    Some(f) => {
                        let users = &cx.st.users;
                        let (so, sf) = (
                            users.get(owner).expect("found"),
                            users.get(f).expect("found"),
                        );
                        if so.is_friend(f) {
                            ImportResult::Success
                        } else if at_cap(cx.st, so) || at_cap(cx.st, sf) {
                            ImportResult::MaxLimitFailed
                        } else {
                            link(&mut cx.st.users, owner, f, cx.now);
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AreFriends {
    /// One user.
    pub a: UserName,
    /// The other.
    pub b: UserName,
}

impl Ask for AreFriends {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        if cx.actor.admin_or_self(&self.a, NOT_ALLOWED).is_err() {
            cx.actor.admin_or_self(&self.b, NOT_ALLOWED)?;
        }
        let users = &cx.st.users;
        let (Some((_, a)), Some(b)) = (users.named(&self.a), users.id(&self.b)) else {
            return Ok(false);
        };
        Ok(a.is_friend(b))
    }
}

/// [`AreFriends`] by user handles ([`UserId`]s from [`crate::LookupUser`] or
/// [`crate::Authenticate`]): the hot form, with no name to resolve. A handle of a deleted user
/// is nobody's friend. The app admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AreFriendsById {
    /// One user.
    pub a: UserId,
    /// The other.
    pub b: UserId,
}

impl Ask for AreFriendsById {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(cx.st.users.get(self.a).is_some_and(|a| a.is_friend(self.b)))
    }
}
