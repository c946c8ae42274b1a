//! Room lifecycle (spec 03 §3.2) and the announcement (§3.3).

use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

use super::*;
use crate::command::Exec;
use crate::error::Result;
use crate::paging;
use crate::query::Ask;
use crate::store::lock_users;

/// Creates a room (`POST /chatrooms`). The owner joins first, then the members in the given
/// order (duplicates and the owner dropped). Not idempotent: each call makes a new room.
///
/// Errors, in check order:
/// 1. `E_PERM` — a user caller who is not a super admin or not the `owner`;
/// 2. `400 invalid_parameter` — "{field} must be provided" (`name`, `description`, `owner`),
///    "members must be provided" (an empty `members` array);
/// 3. `403 exceed_limit` — "title cannot exceed to 128", "desc cannot exceed to 512",
///    "custom cannot exceed to 1024", "maxUsers cannot exceed {cap}" (`maxusers` outside
///    1..=cap); the numbers follow [`RoomLimits`];
/// 4. `E_USER` — the owner or a member does not exist (first offender);
/// 5. `403 exceed_limit` "members size is greater than max user size !";
/// 6. `403 exceed_limit` "appKey:{org}#{app} has create too many chatrooms!";
/// 7. `403 exceed_limit` "user {user} has joined too many chatrooms!".
///
/// Emits `RoomCreated`, then `MemberJoined` per member (owner first). Returns the id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRoom {
    /// 1–128 chars; required.
    pub name: Option<String>,
    /// 0–512 chars; required.
    pub description: Option<String>,
    /// Required; becomes the first member.
    pub owner: Option<UserName>,
    /// Default [`RoomLimits::maxusers_default`]; includes the owner.
    pub maxusers: Option<u32>,
    /// Initial members besides the owner; if present, non-empty.
    pub members: Option<Vec<UserName>>,
    /// 0–1024 chars; default "".
    pub custom: Option<String>,
}

impl Exec for CreateRoom {
    type Reply = RoomId;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomId> {
        let app = cx.app;
        let lim = &app.limits.rooms;
        // 1. permission
        if let Actor::User(u) = cx.actor {
            let ok = match who(cx) {
                Who::User(id) => is_super_admin(cx, id) && self.owner.as_ref() == Some(u),
                _ => false,
            };
            if !ok {
                return err(RoomError::Permission);
            }
        } else if *cx.actor != Actor::Admin {
            return err(RoomError::Permission);
        }
        // 2. required fields
        let name = self.name.ok_or_else(|| re(RoomError::Missing("name")))?;
        let description = self
            .description
            .ok_or_else(|| re(RoomError::Missing("description")))?;
        let owner = self.owner.ok_or_else(|| re(RoomError::Missing("owner")))?;
        if name.is_empty() {
            return Err(re(RoomError::Missing("name")));
        }
        if self.members.as_ref().is_some_and(Vec::is_empty) {
            return Err(re(RoomError::Missing("members")));
        }
        // 3. lengths
        let custom = self.custom.unwrap_or_default();
        check_fields(lim, Some(&name), Some(&description), Some(&custom))?;
        let maxusers = self.maxusers.unwrap_or(lim.maxusers_default);
        check_maxusers(lim, maxusers)?;
        // 4. users exist
        let owner_cell = target(cx, &owner)?;
        let mut names = vec![owner.clone()];
        let mut seen = std::collections::HashSet::from([owner.clone()]);
        for m in self.members.unwrap_or_default() {
            if seen.insert(m.clone()) {
                names.push(m);
            }
        }
        let mut cells = vec![owner_cell];
        for n in &names[1..] {
            cells.push(target(cx, n)?);
        }
        // 5. capacity
        if names.len() > maxusers as usize {
            return Err(re(RoomError::Full));
        }
        // 6. rooms per app
        let store = &app.rooms;
        let app_cap = lim.rooms_per_app_max.unwrap_or(u64::MAX);
        if store
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                c.checked_add(1).filter(|t| *t <= app_cap)
            })
            .is_err()
        {
            return Err(re(RoomError::AppRoomCap(cx.app.key.to_string())));
        }
        // Make the room findable but absent (live = false), then lock it and the users.
        let id = RoomId(cx.app.next_id());
        let cell = Arc::new(RoomCell {
            id,
            state: RwLock::new(Room {
                live: false,
                id,
                name,
                description,
                custom,
                announcement: String::new(),
                maxusers,
                owner: cells[0].id,
                owner_name: owner.clone(),
                owner_left: false,
                created: cx.now,
                mute_all: false,
                members: HashMap::with_capacity(names.len()),
                order: BTreeMap::new(),
                next_seq: 0,
                admins: IndexSet::new(),
                mutes: IndexMap::new(),
                blocks: IndexMap::new(),
                allow: IndexMap::new(),
                attrs: IndexMap::new(),
                attr_bytes: 0,
            }),
        });
        store.rooms.insert(id, Arc::clone(&cell));
        let outcome = {
            let mut r = cell.state.write();
            let mut guards = lock_users(&cells);
            let mut failure = None;
            // 4 again under the locks (a user may have been deleted meanwhile), then 7.
            for c in &cells {
                let g = &guards[locked(&guards, c.id)].1;
                if g.gone {
                    failure = Some(RoomError::UserNotFound(g.name.to_string()).into());
                    break;
                }
            }
            if failure.is_none()
                && let Some(max) = lim.rooms_per_user_max
            {
                for c in &cells {
                    let g = &guards[locked(&guards, c.id)].1;
                    if joined_count(g) >= max as usize {
                        failure = Some(re(RoomError::UserRoomCap(g.name.to_string())));
                        break;
                    }
                }
            }
            if failure.is_none() {
                for (c, n) in cells.iter().zip(&names) {
                    r.add(c.id, n.clone());
                    let at = locked(&guards, c.id);
                    let g = &mut guards[at].1;
                    index_join(g, id);
                }
                r.live = true;
                store.order.lock().insert(id);
            }
            failure
        };
        if let Some(e) = outcome {
            store.rooms.remove(&id);
            store.count.fetch_sub(1, Ordering::AcqRel);
            return Err(e);
        }
        emit(cx, RoomEvent::RoomCreated { room: id, owner });
        for n in names {
            emit(cx, RoomEvent::MemberJoined { room: id, user: n });
        }
        Ok(id)
    }
}

pub(super) fn check_fields(
    lim: &RoomLimits,
    name: Option<&str>,
    description: Option<&str>,
    custom: Option<&str>,
) -> Result<()> {
    if name.is_some_and(|n| chars(n) > lim.name_chars_max) {
        return Err(re(RoomError::NameTooLong(lim.name_chars_max)));
    }
    if description.is_some_and(|d| chars(d) > lim.description_chars_max) {
        return Err(re(RoomError::DescriptionTooLong(lim.description_chars_max)));
    }
    if custom.is_some_and(|c| chars(c) > lim.custom_chars_max) {
        return Err(re(RoomError::CustomTooLong(lim.custom_chars_max)));
    }
    Ok(())
}

pub(super) fn check_maxusers(lim: &RoomLimits, m: u32) -> Result<()> {
    if m < 1 || m > lim.maxusers_cap {
        return Err(re(RoomError::MaxUsersOutOfRange(lim.maxusers_cap)));
    }
    Ok(())
}

/// One room in the all-rooms list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    /// The id.
    pub id: RoomId,
    /// The name.
    pub name: String,
    /// The owner.
    pub owner: UserName,
    /// Members including the owner (when present).
    pub affiliations_count: usize,
    /// Always false (reserved).
    pub disabled: bool,
}

const ROOMS_CURSOR: &str = "r";

/// Lists all rooms by ascending id (`GET /chatrooms`). Any caller but anonymous.
/// `limit` default 10, above 1000 clamped. The cursor names the last room returned, so
/// creations and deletions between pages never cause duplicates; it is present only when
/// more rooms follow.
///
/// Errors, in check order: `E_PERM` (anonymous); `400 invalid_parameter` "limit must be
/// between 1 and 1000", "cursor is invalid".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRooms {
    /// Page size.
    pub limit: Option<u32>,
    /// From a previous page.
    pub cursor: Option<String>,
}

impl Ask for ListRooms {
    type Reply = paging::Page<RoomSummary>;
    fn ask(self, cx: &Ctx<'_>) -> Result<paging::Page<RoomSummary>> {
        if *cx.actor == Actor::Anonymous {
            return err(RoomError::Permission);
        }
        let limit = match self.limit {
            None => ROOMS_PAGE_DEFAULT as usize,
            Some(0) => return Err(re(RoomError::LimitRange(ROOMS_PAGE_MAX))),
            Some(n) => n.min(ROOMS_PAGE_MAX) as usize,
        };
        let after = match &self.cursor {
            Some(c) => Some(RoomId(
                paging::decode::<1>(ROOMS_CURSOR, c).map_err(|_| re(RoomError::BadCursor))?[0],
            )),
            None => None,
        };
        let mut items = Vec::with_capacity(limit);
        let mut from = after;
        // Rooms may vanish between reading the index and reading them: keep reading.
        loop {
            let ids: Vec<RoomId> = {
                let o = cx.app.rooms.order.lock();
                let it: Box<dyn Iterator<Item = &RoomId>> = match from {
                    Some(a) => Box::new(
                        o.range((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
                    ),
                    None => Box::new(o.iter()),
                };
                it.take(limit + 1 - items.len()).copied().collect()
            };
            let exhausted = ids.len() < limit + 1 - items.len();
            for id in &ids {
                from = Some(*id);
                if items.len() == limit {
                    // One more exists past the page.
                    let last = items.last().map_or(0, |s: &RoomSummary| s.id.0);
                    return Ok(paging::Page {
                        items,
                        cursor: Some(paging::encode(ROOMS_CURSOR, &[last])),
                    });
                }
                if let Some(cell) = cx.app.rooms.cell(*id) {
                    let r = cell.state.read();
                    if r.live {
                        items.push(RoomSummary {
                            id: r.id,
                            name: r.name.clone(),
                            owner: r.owner_name.clone(),
                            affiliations_count: r.members.len(),
                            disabled: false,
                        });
                    }
                }
            }
            if exhausted {
                return Ok(paging::Page {
                    items,
                    cursor: None,
                });
            }
        }
    }
}

/// One room in a user's joined list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinedRoom {
    /// The id.
    pub id: RoomId,
    /// The name.
    pub name: String,
    /// Always false (reserved).
    pub disabled: bool,
}

/// The rooms a user joined, most recent first (`GET /users/{user}/joined_chatrooms`). Any
/// caller but anonymous. No paging ⇒ the latest 500; with paging, `pagenum` default 1,
/// `pagesize` default and cap 1000. An unknown user has none (OPEN).
///
/// Errors: `E_PERM` (anonymous).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListJoinedRooms {
    /// Whose.
    pub user: UserName,
    /// 1-based page.
    pub pagenum: Option<u32>,
    /// Page size.
    pub pagesize: Option<u32>,
}

impl Ask for ListJoinedRooms {
    type Reply = Vec<JoinedRoom>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<JoinedRoom>> {
        if *cx.actor == Actor::Anonymous {
            return err(RoomError::Permission);
        }
        let (skip, take) = if self.pagenum.is_none() && self.pagesize.is_none() {
            (0, ROOM_JOINED_LATEST)
        } else {
            let size = self
                .pagesize
                .unwrap_or(ROOM_JOINED_PAGE_MAX)
                .clamp(1, ROOM_JOINED_PAGE_MAX) as usize;
            let num = self.pagenum.unwrap_or(1).max(1) as usize;
            ((num - 1).saturating_mul(size), size)
        };
        let Some(cell) = cx.app.user(&self.user) else {
            return Ok(Vec::new());
        };
        let ids: Vec<RoomId> = {
            let s = cell.state.read();
            if s.gone {
                return Ok(Vec::new());
            }
            s.extra().map_or_else(Vec::new, |x| {
                x.rooms
                    .joined
                    .iter()
                    .rev()
                    .skip(skip)
                    .take(take)
                    .copied()
                    .collect()
            })
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(c) = cx.app.rooms.cell(id) {
                let r = c.state.read();
                if r.live {
                    out.push(JoinedRoom {
                        id,
                        name: r.name.clone(),
                        disabled: false,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// One entry of a room's affiliations: the owner, or another member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomAffiliation {
    /// `{owner: id}`.
    Owner(UserName),
    /// `{member: id}`.
    Member(UserName),
}

/// A room's details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomDetails {
    /// The id.
    pub id: RoomId,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// Always false (reserved).
    pub membersonly: bool,
    /// Always false (reserved).
    pub allowinvites: bool,
    /// Capacity, owner included.
    pub maxusers: u32,
    /// The owner.
    pub owner: UserName,
    /// When created.
    pub created: Timestamp,
    /// The custom field.
    pub custom: String,
    /// Mute-all.
    pub mute: bool,
    /// Members including the owner when present.
    pub affiliations_count: usize,
    /// The owner (when present), then the others in join order.
    pub affiliations: Vec<RoomAffiliation>,
    /// Always true (reserved).
    pub public: bool,
}

/// The owner first if present, then the others in join order.
pub(super) fn affiliations(r: &Room) -> Vec<RoomAffiliation> {
    affiliation_page(r, 0, usize::MAX)
}

/// `take` entries of [`affiliations`] after skipping `skip`; skipped members cost one step
/// of the join-order walk each, nothing more.
pub(super) fn affiliation_page(r: &Room, skip: usize, take: usize) -> Vec<RoomAffiliation> {
    let mut out = Vec::with_capacity(take.min(r.members.len() + 1));
    let mut skip = skip;
    if r.is_member(r.owner) {
        if skip == 0 {
            out.push(RoomAffiliation::Owner(r.owner_name.clone()));
        } else {
            skip -= 1;
        }
    }
    if out.len() >= take {
        return out;
    }
    let left = take - out.len();
    out.extend(
        r.order
            .values()
            .filter(|u| **u != r.owner)
            .skip(skip)
            .take(left)
            .map(|u| RoomAffiliation::Member(r.members[u].name.clone())),
    );
    out
}

/// A room's details as [`GetRooms`] shows them.
pub(super) fn details(r: &Room) -> RoomDetails {
    RoomDetails {
        id: r.id,
        name: r.name.clone(),
        description: r.description.clone(),
        membersonly: false,
        allowinvites: false,
        maxusers: r.maxusers,
        owner: r.owner_name.clone(),
        created: r.created,
        custom: r.custom.clone(),
        mute: r.mute_all,
        affiliations_count: r.members.len(),
        affiliations: affiliations(r),
        public: true,
    }
}

/// Details of 1..=100 rooms (`GET /chatrooms/{id[,id…]}`), in request order. The app admin,
/// or a user who is a member (or the owner) of every room asked for.
///
/// Errors, in check order: `400 invalid_parameter` "chatroom ids must be provided", "chatroom
/// ids size is more than max limit : 100"; per room in order: `E_ROOM_Q`, `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRooms {
    /// Which.
    pub ids: Vec<RoomId>,
}

impl Ask for GetRooms {
    type Reply = Vec<RoomDetails>;
    fn ask(self, cx: &Ctx<'_>) -> Result<Vec<RoomDetails>> {
        let max = cx.app.limits.rooms.details_ids_max;
        if self.ids.is_empty() {
            return Err(re(RoomError::NoIds));
        }
        if self.ids.len() > max {
            return Err(re(RoomError::TooManyIds(max)));
        }
        let me = who(cx);
        let mut out = Vec::with_capacity(self.ids.len());
        for id in self.ids {
            let cell = room_q(cx, id)?;
            let r = cell.read_live(true)?;
            if !r.role(&me).inside() {
                return err(RoomError::Permission);
            }
            out.push(details(&r));
        }
        Ok(out)
    }
}

/// Which fields an update changed (`true` per supplied field).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomUpdated {
    /// `name` was supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groupname: Option<bool>,
    /// `description` was supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<bool>,
    /// `maxusers` was supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maxusers: Option<bool>,
    /// `custom` was supplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<bool>,
}

/// Changes a room's name, description, maxusers or custom (`PUT /chatrooms/{id}`). Owner,
/// admins, the app admin. All or nothing; idempotent.
///
/// Errors, in check order: `E_ROOM`; `401 group_authorization` (fields wording);
/// `400 invalid_parameter` "some of [{field}] are not valid fields" (the first unknown field
/// the host passed in `unknown_fields`) or "name must be provided" (an empty name); the
/// `403 exceed_limit` strings of [`CreateRoom`] step 3; `403 exceed_limit` "maxUsers cannot
/// be less than current member count" (an absent owner's seat counts).
///
/// Emits `RoomInfoChanged` with the supplied fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRoom {
    /// Which.
    pub room: RoomId,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New capacity.
    pub maxusers: Option<u32>,
    /// New custom field.
    pub custom: Option<String>,
    /// Body fields the host did not recognise (`need_verify` is dropped by the host).
    pub unknown_fields: Vec<String>,
}

impl Exec for UpdateRoom {
    type Reply = RoomUpdated;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomUpdated> {
        let app = cx.app;
        let lim = &app.limits.rooms;
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let mut r = cell.write_live()?;
        if !r.role(&me).manages() {
            return err(RoomError::FieldsPermission);
        }
        if let Some(f) = self.unknown_fields.first() {
            return Err(re(RoomError::UnknownField(f.clone())));
        }
        if self.name.as_deref() == Some("") {
            return Err(re(RoomError::Missing("name")));
        }
        check_fields(
            lim,
            self.name.as_deref(),
            self.description.as_deref(),
            self.custom.as_deref(),
        )?;
        if let Some(m) = self.maxusers {
            check_maxusers(lim, m)?;
            if (m as usize) < r.seats() {
                return Err(re(RoomError::MaxUsersBelowMembers));
            }
        }
        let mut out = RoomUpdated::default();
        let mut fields = Vec::new();
        if let Some(n) = self.name {
            r.name = n;
            out.groupname = Some(true);
            fields.push("groupname".to_string());
        }
        if let Some(d) = self.description {
            r.description = d;
            out.description = Some(true);
            fields.push("description".to_string());
        }
        if let Some(m) = self.maxusers {
            r.maxusers = m;
            out.maxusers = Some(true);
            fields.push("maxusers".to_string());
        }
        if let Some(c) = self.custom {
            r.custom = c;
            out.custom = Some(true);
            fields.push("custom".to_string());
        }
        drop(r);
        if !fields.is_empty() {
            emit(
                cx,
                RoomEvent::RoomInfoChanged {
                    room: self.room,
                    fields,
                },
            );
        }
        Ok(out)
    }
}

/// Hands ownership to a member (`PUT /chatrooms/{id}` with `newowner`). The owner or the app
/// admin. The new owner leaves the admin set, the mute list and the allow list; the old
/// owner becomes an ordinary member (if present). Attributes are untouched.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `E_USER`; `403 forbidden_op` "new owner and
/// old owner are the same", "user: {user} doesn't exist in group: {room}".
///
/// Emits `OwnerChanged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRoom {
    /// Which.
    pub room: RoomId,
    /// The new owner.
    pub new_owner: UserName,
}

impl Exec for TransferRoom {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let t = target(cx, &self.new_owner);
        let mut r = cell.write_live()?;
        if !r.role(&me).owns() {
            return err(RoomError::Permission);
        }
        let t = t?;
        if t.id == r.owner {
            return Err(re(RoomError::SameOwner));
        }
        if !r.is_member(t.id) {
            return Err(re(RoomError::NotInGroup {
                user: self.new_owner.to_string(),
                room: self.room,
            }));
        }
        let old = std::mem::replace(&mut r.owner_name, self.new_owner.clone());
        r.owner = t.id;
        r.owner_left = false;
        r.admins.shift_remove(&t.id);
        r.mutes.shift_remove(&t.id);
        r.allow.shift_remove(&t.id);
        drop(r);
        emit(
            cx,
            RoomEvent::OwnerChanged {
                room: self.room,
                old,
                new: self.new_owner,
            },
        );
        Ok(true)
    }
}

/// Deletes a room with all its lists, attributes and announcement (`DELETE
/// /chatrooms/{id}`). The owner or the app admin. A second delete fails.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
///
/// Emits `MemberExited{RoomDestroyed}` per member in join order, then `RoomDestroyed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRoom {
    /// Which.
    pub room: RoomId,
}

impl Exec for DeleteRoom {
    type Reply = RoomId;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomId> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let named = {
            let mut r = cell.write_live()?;
            if !r.role(&me).owns() {
                return err(RoomError::Permission);
            }
            destroy(cx, &mut r)
        };
        forget_room(cx, self.room, &named, None);
        Ok(self.room)
    }
}

/// Dissolves a locked room: members depart (`RoomDestroyed`), attribute bytes and the room's
/// count are released. Returns every user the room named; the caller then calls
/// [`forget_room`] with them once the room's lock is dropped.
pub(super) fn destroy(cx: &mut Ctx<'_>, r: &mut Room) -> Vec<UserId> {
    r.live = false;
    let id = r.id;
    let mut named: Vec<UserId> = r.order.values().copied().collect();
    for u in &named {
        let name = r.members[u].name.clone();
        emit(
            cx,
            RoomEvent::MemberExited {
                room: id,
                user: name,
                reason: RoomExitReason::RoomDestroyed,
            },
        );
    }
    named.push(r.owner);
    named.extend(r.mutes.keys().chain(r.blocks.keys()).chain(r.allow.keys()));
    named.sort_unstable();
    named.dedup();
    r.members.clear();
    r.order.clear();
    r.admins.clear();
    r.mutes.clear();
    r.blocks.clear();
    r.allow.clear();
    r.attrs.clear();
    cx.app
        .rooms
        .release_attr_bytes(std::mem::take(&mut r.attr_bytes));
    cx.app.rooms.count.fetch_sub(1, Ordering::AcqRel);
    cx.app.rooms.order.lock().remove(&id);
    emit(cx, RoomEvent::RoomDestroyed { room: id });
    named
}

/// After [`destroy`], with no lock held: every user the room named forgets it (except
/// `skip`, whose state the delete cascade took), and the room leaves the map.
pub(super) fn forget_room(cx: &Ctx<'_>, id: RoomId, named: &[UserId], skip: Option<UserId>) {
    for u in named {
        if Some(*u) == skip {
            continue;
        }
        if let Some(c) = cx.app.user_by_id(*u) {
            index_forget(&mut c.state.write(), id);
        }
    }
    cx.app.rooms.rooms.remove(&id);
}

/// The announcement (`GET /chatrooms/{id}/announcement`); "" if never set. Members.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRoomAnnouncement {
    /// Which.
    pub room: RoomId,
}

impl Ask for GetRoomAnnouncement {
    type Reply = String;
    fn ask(self, cx: &Ctx<'_>) -> Result<String> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let r = cell.read_live(false)?;
        if !r.role(&me).inside() {
            return err(RoomError::Permission);
        }
        Ok(r.announcement.clone())
    }
}

/// Sets (or with "" clears) the announcement (`POST /chatrooms/{id}/announcement`). Owner,
/// admins, the app admin.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `403 forbidden_op` "announce info length
/// exceeds limit!" (over 512 chars).
///
/// Emits `AnnouncementChanged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRoomAnnouncement {
    /// Which.
    pub room: RoomId,
    /// The text.
    pub text: String,
}

impl Exec for SetRoomAnnouncement {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let mut r = cell.write_live()?;
        if !r.role(&me).manages() {
            return err(RoomError::Permission);
        }
        if chars(&self.text) > cx.app.limits.rooms.announcement_chars_max {
            return Err(re(RoomError::AnnouncementTooLong));
        }
        r.announcement = self.text.clone();
        drop(r);
        emit(
            cx,
            RoomEvent::AnnouncementChanged {
                room: self.room,
                text: self.text,
            },
        );
        Ok(())
    }
}
