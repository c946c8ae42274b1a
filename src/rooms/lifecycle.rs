//! Room lifecycle (spec 03 §3.2) and the announcement (§3.3).

use serde::{Deserialize, Serialize};

use super::members::enter;
use super::{
    Room, RoomError, RoomEvent, RoomExitReason, chars, emit, find, open, open_q, role, room_mut,
    target,
};
use crate::command::Exec;
use crate::engine::{Actor, Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{RoomId, UserId, UserName};
use crate::limits::{
    ROOM_JOINED_LATEST, ROOM_JOINED_PAGE_MAX, ROOMS_PAGE_DEFAULT, ROOMS_PAGE_MAX, RoomLimits,
};
use crate::paging;
use crate::query::Ask;
use crate::roster::{Caller, Role};
use crate::time::Timestamp;

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
/// Emits `RoomCreated`, then `MemberJoined` per member (owner first). Returns the id, drawn
/// once every check has passed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct CreateRoom {
    /// 1–128 chars; required.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_name))]
    pub name: Option<String>,
    /// 0–512 chars; required.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_text))]
    pub description: Option<String>,
    /// Required; becomes the first member.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mostly_user))]
    pub owner: Option<UserName>,
    /// Default [`RoomLimits::maxusers_default`]; includes the owner.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::max_users))]
    pub maxusers: Option<u32>,
    /// Initial members besides the owner; if present, non-empty.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_names))]
    pub members: Option<Vec<UserName>>,
    /// 0–1024 chars; default "".
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub custom: Option<String>,
}

impl Exec for CreateRoom {
    type Reply = RoomId;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomId> {
        let st = &*cx.st;
        let lim = &st.limits.rooms;
        // 1. permission
        let allowed = match Caller::of(st, cx.actor) {
            Caller::Admin => true,
            Caller::User(u, Some(id)) => {
                st.rooms.super_admins.contains_key(&id) && self.owner.as_ref() == Some(&u)
            }
            _ => false,
        };
        if !allowed {
            return Err(RoomError::Permission.into());
        }
        // 2. required fields
        let name = self.name.ok_or(RoomError::Missing("name"))?;
        let description = self.description.ok_or(RoomError::Missing("description"))?;
        let owner = self.owner.ok_or(RoomError::Missing("owner"))?;
        if name.is_empty() {
            return Err(RoomError::Missing("name").into());
        }
        if self.members.as_ref().is_some_and(Vec::is_empty) {
            return Err(RoomError::Missing("members").into());
        }
        // 3. lengths
        let custom = self.custom.unwrap_or_default();
        check_fields(lim, Some(&name), Some(&description), Some(&custom))?;
        let maxusers = self.maxusers.unwrap_or(lim.maxusers_default);
        check_maxusers(lim, maxusers)?;
        // 4. users exist: the owner, then the other members in order, without repeats
        let mut names = vec![owner.clone()];
        names.extend(
            crate::roster::distinct(&self.members.unwrap_or_default())
                .into_iter()
                .filter(|m| *m != owner),
        );
        let ids: Vec<UserId> = names.iter().map(|n| target(st, n)).collect::<Result<_>>()?;
        // 5. capacity
        if names.len() > maxusers as usize {
            return Err(RoomError::Full.into());
        }
        // 6. rooms per app
        if lim
            .rooms_per_app_max
            .is_some_and(|cap| st.rooms.len() as u64 >= cap)
        {
            return Err(RoomError::AppRoomCap(st.key.to_string()).into());
        }
        // 7. rooms per user
        if let Some(max) = lim.rooms_per_user_max
            && let Some(i) = ids
                .iter()
                .position(|u| st.rooms.joined_count(*u) >= max as usize)
        {
            return Err(RoomError::UserRoomCap(names[i].to_string()).into());
        }
        let id = RoomId(cx.st.mint());
        let mut room = Room::new(id, (ids[0], owner.clone()), cx.now);
        room.name = name;
        room.description = description;
        room.custom = custom;
        room.maxusers = maxusers;
        cx.st.rooms.insert(room);
        emit(&mut cx.out, RoomEvent::RoomCreated { room: id, owner });
        for (u, n) in ids.into_iter().zip(names) {
            enter(cx, id, u, n);
        }
        Ok(id)
    }
}

/// The length checks of step 3 of [`CreateRoom`], for the fields given.
fn check_fields(
    lim: &RoomLimits,
    name: Option<&str>,
    description: Option<&str>,
    custom: Option<&str>,
) -> Result<()> {
    if name.is_some_and(|n| chars(n) > lim.name_chars_max) {
        return Err(RoomError::NameTooLong(lim.name_chars_max).into());
    }
    if description.is_some_and(|d| chars(d) > lim.description_chars_max) {
        return Err(RoomError::DescriptionTooLong(lim.description_chars_max).into());
    }
    if custom.is_some_and(|c| chars(c) > lim.custom_chars_max) {
        return Err(RoomError::CustomTooLong(lim.custom_chars_max).into());
    }
    Ok(())
}

/// `maxusers` within 1..=cap.
fn check_maxusers(lim: &RoomLimits, m: u32) -> Result<()> {
    if m < 1 || m > lim.maxusers_cap {
        return Err(RoomError::MaxUsersOutOfRange(lim.maxusers_cap).into());
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListRooms {
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub limit: Option<u32>,
    /// From a previous page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::cursor))]
    pub cursor: Option<String>,
}

impl Ask for ListRooms {
    type Reply = paging::Page<RoomSummary>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<paging::Page<RoomSummary>> {
        if *cx.actor == Actor::Anonymous {
            return Err(RoomError::Permission.into());
        }
        let limit = match self.limit {
            None => ROOMS_PAGE_DEFAULT as usize,
            Some(0) => return Err(RoomError::LimitRange(ROOMS_PAGE_MAX).into()),
            Some(n) => n.min(ROOMS_PAGE_MAX) as usize,
        };
        let after = match &self.cursor {
            Some(c) => Some(RoomId(
                paging::decode::<1>(ROOMS_CURSOR, c).map_err(|_| RoomError::BadCursor)?[0],
            )),
            None => None,
        };
        let rooms = &cx.st.rooms;
        let mut ids = rooms.ids_after(after);
        let items: Vec<RoomSummary> = ids
            .by_ref()
            .take(limit)
            .filter_map(|id| rooms.get(id))
            .map(|r| RoomSummary {
                id: r.id,
                name: r.name.clone(),
                owner: r.owner_name.clone(),
                affiliations_count: r.roster.members.len(),
                disabled: false,
            })
            .collect();
        let cursor = match (ids.next(), items.last()) {
            (Some(_), Some(last)) => Some(paging::encode(ROOMS_CURSOR, &[last.id.0])),
            _ => None,
        };
        Ok(paging::Page { items, cursor })
    }
}

/// One room a user joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinedRoom {
    /// The id.
    pub id: RoomId,
    /// The name.
    pub name: String,
    /// Always false (reserved).
    pub disabled: bool,
}

/// The rooms a user joined, most recent join first (`GET /users/{user}/joined_chatrooms`).
/// Without paging, the 500 most recent; with it, `pagenum` default 1, `pagesize` default 1000
/// (clamped to 1..=1000). Unknown users have joined none. Any caller but anonymous.
///
/// Errors: `E_PERM` (anonymous).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListJoinedRooms {
    /// Whose.
    pub user: UserName,
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub pagenum: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub pagesize: Option<u32>,
}

impl Ask for ListJoinedRooms {
    type Reply = Vec<JoinedRoom>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<JoinedRoom>> {
        if *cx.actor == Actor::Anonymous {
            return Err(RoomError::Permission.into());
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
        let rooms = &cx.st.rooms;
        let Some(x) = cx.st.users.id(&self.user).and_then(|u| rooms.of_user(u)) else {
            return Ok(Vec::new());
        };
        Ok(x.joined
            .iter()
            .rev()
            .skip(skip)
            .take(take)
            .filter_map(|id| rooms.get(*id))
            .map(|r| JoinedRoom {
                id: r.id,
                name: r.name.clone(),
                disabled: false,
            })
            .collect())
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

/// `take` entries of a room's affiliations (the owner first if present, then the others in
/// join order) after skipping `skip`; skipped members cost one step of the join-order walk
/// each, nothing more.
pub(super) fn affiliation_page(r: &Room, skip: usize, take: usize) -> Vec<RoomAffiliation> {
    let owner = r.roster.owner;
    let mut out = Vec::with_capacity(take.min(r.roster.members.len() + 1));
    let mut skip = skip;
    if r.is_member(owner) {
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
        r.roster
            .members
            .iter()
            .filter(|m| m.id() != owner)
            .skip(skip)
            .take(left)
            .map(|m| RoomAffiliation::Member(m.name().clone())),
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
        affiliations_count: r.roster.members.len(),
        affiliations: affiliation_page(r, 0, usize::MAX),
        public: true,
    }
}

/// Details of 1..=100 rooms (`GET /chatrooms/{id[,id…]}`), in request order. The app admin,
/// or a user who is a member (or the owner) of every room asked for.
///
/// Errors, in check order: `400 invalid_parameter` "chatroom ids must be provided", "chatroom
/// ids size is more than max limit : 100"; per room in order: `E_ROOM_Q`, `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetRooms {
    /// Which.
    pub ids: Vec<RoomId>,
}

impl Ask for GetRooms {
    type Reply = Vec<RoomDetails>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<RoomDetails>> {
        let max = cx.st.limits.rooms.details_ids_max;
        if self.ids.is_empty() {
            return Err(RoomError::NoIds.into());
        }
        if self.ids.len() > max {
            return Err(RoomError::TooManyIds(max).into());
        }
        self.ids
            .into_iter()
            .map(|id| open_q(cx.st, cx.actor, id, Role::Member).map(|(r, _)| details(r)))
            .collect()
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UpdateRoom {
    /// Which.
    pub room: RoomId,
    /// New name.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_name))]
    pub name: Option<String>,
    /// New description.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub description: Option<String>,
    /// New capacity.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::max_users))]
    pub maxusers: Option<u32>,
    /// New custom field.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_text))]
    pub custom: Option<String>,
    /// Body fields the host did not recognise (`need_verify` is dropped by the host).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::unknown_fields))]
    pub unknown_fields: Vec<String>,
}

impl Exec for UpdateRoom {
    type Reply = RoomUpdated;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomUpdated> {
        let lim = &cx.st.limits.rooms;
        let r = find(cx.st, self.room)?;
        if !role(cx.st, cx.actor, r).manages() {
            return Err(RoomError::FieldsPermission.into());
        }
        if let Some(f) = self.unknown_fields.first() {
            return Err(RoomError::UnknownField(f.clone()).into());
        }
        if self.name.as_deref() == Some("") {
            return Err(RoomError::Missing("name").into());
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
                return Err(RoomError::MaxUsersBelowMembers.into());
            }
        }
        let r = room_mut(cx.st, self.room);
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
        if !fields.is_empty() {
            emit(
                &mut cx.out,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct TransferRoom {
    /// Which.
    pub room: RoomId,
    /// The new owner.
    pub new_owner: UserName,
}

impl Exec for TransferRoom {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        let id = self.room;
        let (r, _) = open(cx.st, cx.actor, id, Role::Owner)?;
        let t = target(cx.st, &self.new_owner)?;
        let old = r.roster.owner;
        if t == old {
            return Err(RoomError::SameOwner.into());
        }
        if !r.is_member(t) {
            return Err(RoomError::NotInGroup {
                user: self.new_owner.to_string(),
                room: id,
            }
            .into());
        }
        let r = room_mut(cx.st, id);
        let old_name = std::mem::replace(&mut r.owner_name, self.new_owner.clone());
        r.roster.transfer(t);
        r.roster.unmute(t);
        r.roster.disallow(t);
        r.owner_left = false;
        cx.st.rooms.refresh(id, old);
        cx.st.rooms.refresh(id, t);
        emit(
            &mut cx.out,
            RoomEvent::OwnerChanged {
                room: id,
                old: old_name,
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteRoom {
    /// Which.
    pub room: RoomId,
}

impl Exec for DeleteRoom {
    type Reply = RoomId;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomId> {
        open(cx.st, cx.actor, self.room, Role::Owner)?;
        destroy(cx, self.room);
        Ok(self.room)
    }
}

/// Dissolves a room that exists: its members depart (`RoomDestroyed`, in join order, without
/// auto-delete events), its attribute bytes go back to the app, and the table forgets it
/// (and every user it listed or named forgets it). Emits `RoomDestroyed` last.
pub(super) fn destroy(cx: &mut Ctx<'_>, id: RoomId) {
    let rooms = &mut cx.st.rooms;
    let r = rooms.remove(id).expect("the caller found the room");
    rooms.attr_total -= r.attr_bytes;
    for m in r.roster.members.iter() {
        emit(
            &mut cx.out,
            RoomEvent::MemberExited {
                room: id,
                user: m.name().clone(),
                reason: RoomExitReason::RoomDestroyed,
            },
        );
    }
    emit(&mut cx.out, RoomEvent::RoomDestroyed { room: id });
}

/// The announcement (`GET /chatrooms/{id}/announcement`); "" if never set. Members.
///
/// Errors, in check order: `E_ROOM`; `E_PERM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetRoomAnnouncement {
    /// Which.
    pub room: RoomId,
}

impl Ask for GetRoomAnnouncement {
    type Reply = String;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<String> {
        let (r, _) = open(cx.st, cx.actor, self.room, Role::Member)?;
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
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetRoomAnnouncement {
    /// Which.
    pub room: RoomId,
    /// The text.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::text))]
    pub text: String,
}

impl Exec for SetRoomAnnouncement {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        open(cx.st, cx.actor, self.room, Role::Admin)?;
        if chars(&self.text) > cx.st.limits.rooms.announcement_chars_max {
            return Err(RoomError::AnnouncementTooLong.into());
        }
        room_mut(cx.st, self.room).announcement = self.text.clone();
        emit(
            &mut cx.out,
            RoomEvent::AnnouncementChanged {
                room: self.room,
                text: self.text,
            },
        );
        Ok(())
    }
}
