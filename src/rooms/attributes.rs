//! Custom room attributes (spec 03 §3.9): keys owned by whoever set them, per-key results,
//! forced writes and deletes, auto-delete on departure, and an exact per-app byte budget.
//!
//! Bytes are UTF-8 bytes of key + value. A write counts its growth against the app total
//! before it stores the key (and gives back any shrink), so the total never exceeds
//! [`RoomLimits::attr_bytes_per_app`] and always equals the sum over every room's keys.
//!
//! [`RoomLimits::attr_bytes_per_app`]: crate::RoomLimits::attr_bytes_per_app

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{Attr, AttrOwner, Room, RoomError, RoomEvent, chars, emit, find, role, room_mut};
use crate::command::{Event, Exec};
use crate::engine::{Actor, Ctx, ReadCtx};
use crate::error::Result;
use crate::ids::{RoomId, UserName};
use crate::query::Ask;
use crate::store::{Set, State};

/// The outcome of an attribute write or delete: HTTP 200 with per-key results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomAttrResult {
    /// Keys applied, in request order.
    pub success_keys: Vec<String>,
    /// Keys refused, in request order, with the reason.
    pub error_keys: IndexMap<String, String>,
}

impl RoomAttrResult {
    /// Emits `event(success_keys)` when any key applied.
    fn announce(&self, out: &mut Vec<Event>, event: impl FnOnce(Vec<String>) -> RoomEvent) {
        if !self.success_keys.is_empty() {
            emit(out, event(self.success_keys.clone()));
        }
    }

    fn record(&mut self, key: String, refused: Option<String>) {
        match refused {
            Some(why) => {
                self.error_keys.insert(key, why);
            }
            None => self.success_keys.push(key),
        }
    }
}

/// The request-level checks every attribute write and delete shares, in order: `E_ROOM`;
/// `E_PERM` (a user naming another operator); `none` for no keys (`count` 0); `400
/// illegal_argument` "exceed allowed batch size 10" (`count` over the per-call cap); `401
/// MetadataException` (the operator is not a member; the app admin's pseudo-operator `admin`
/// is exempt when `forced`). Returns the room, the operator as events name it, and the owner
/// keys record.
fn operator<'a>(
    st: &'a State,
    actor: &Actor,
    id: RoomId,
    (given, forced): (&Option<UserName>, bool),
    count: usize,
    none: RoomError,
) -> Result<(&'a Room, Option<UserName>, AttrOwner)> {
    let r = find(st, id)?;
    let op = match (actor, given) {
        (Actor::Admin, g) => g.clone(),
        (Actor::User(u), None) => Some(u.clone()),
        (Actor::User(u), Some(g)) if u == g => Some(u.clone()),
        _ => return Err(RoomError::Permission.into()),
    };
    let max = st.limits.rooms.attr_keys_per_call_max;
    if count == 0 {
        return Err(none.into());
    }
    if count > max {
        return Err(RoomError::AttrBatch(max).into());
    }
    let owner = match &op {
        None if forced => AttrOwner::Admin,
        None => return Err(RoomError::AttrNotMember.into()),
        Some(n) => match st.users.id(n) {
            Some(u) if r.is_member(u) => AttrOwner::User(u, n.clone()),
            _ => return Err(RoomError::AttrNotMember.into()),
        },
    };
    Ok((r, op, owner))
}

/// A key of 1+ chars of `[A-Za-z0-9_.-]`.
fn legal_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Sets up to 10 keys (`PUT /metadata/chatroom/{id}/user/{op}[/forced]`). A user sets as
/// themself; the app admin names the operator, or none for the pseudo-operator `admin`
/// (forced only). Each key succeeds or fails on its own; a success stores the value, owner =
/// operator and the call's auto-delete mode. Without `forced`, a key owned by someone else
/// is refused.
///
/// Errors, in check order (the whole call fails, nothing changes): `E_ROOM`; `E_PERM` (a
/// user naming another operator); `400 illegal_argument` "metaData must be provided", "exceed
/// allowed batch size 10"; `401 MetadataException` "user is not in chatroom" (the operator is
/// not a member; `admin` is exempt when forced).
///
/// Key reasons, in check order: "properties key '{key}' is not Legal" (empty or outside
/// `[A-Za-z0-9_.-]`), "properties key '{key}' is exceeding maximum limit 128", "properties
/// value of key '{key}' is exceeding maximum limit 4096", "others are not allowed to be set"
/// (not forced), "size of metadata keys exceeds 100" (a new key), "size of metadata exceeds
/// app quota".
///
/// Emits `AttributesUpdated` with the keys set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetRoomAttributes {
    /// Which.
    pub room: RoomId,
    /// The operator; `None` with the app admin is `admin`.
    pub operator: Option<UserName>,
    /// Keys and values, in request order.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::room_attrs))]
    pub attrs: IndexMap<String, String>,
    /// `autoDelete`: "DELETE" (default, case-insensitive) or anything else for `NO_DELETE`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::auto_delete))]
    pub auto_delete: Option<String>,
    /// Ignore ownership.
    pub forced: bool,
}

impl Exec for SetRoomAttributes {
    type Reply = RoomAttrResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomAttrResult> {
        let lim = cx.st.limits.rooms.clone();
        let (_, op, owner) = operator(
            cx.st,
            cx.actor,
            self.room,
            (&self.operator, self.forced),
            self.attrs.len(),
            RoomError::NoMetadata,
        )?;
        let auto_delete = self
            .auto_delete
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case("DELETE"));
        let mut total = cx.st.rooms.attr_total;
        let r = room_mut(cx.st, self.room);
        let mut out = RoomAttrResult::default();
        for (k, v) in self.attrs {
            let refused = if !legal_key(&k) {
                Some(format!("properties key '{k}' is not Legal"))
            } else if chars(&k) > lim.attr_key_chars_max {
                Some(format!(
                    "properties key '{k}' is exceeding maximum limit {}",
                    lim.attr_key_chars_max
                ))
            } else if chars(&v) > lim.attr_value_chars_max {
                Some(format!(
                    "properties value of key '{k}' is exceeding maximum limit {}",
                    lim.attr_value_chars_max
                ))
            } else {
                let existing = r
                    .attrs
                    .get(k.as_str())
                    .map(|a| (a.owner.same(&owner), (k.len() + a.value.len()) as u64));
                let old = existing.map_or(0, |e| e.1);
                let new = (k.len() + v.len()) as u64;
                match existing {
                    Some((false, _)) if !self.forced => {
                        Some("others are not allowed to be set".to_string())
                    }
                    None if r.attrs.len() >= lim.attr_keys_per_room_max => Some(format!(
                        "size of metadata keys exceeds {}",
                        lim.attr_keys_per_room_max
                    )),
                    _ if new > old
                        && total
                            .checked_add(new - old)
                            .is_none_or(|t| t > lim.attr_bytes_per_app) =>
                    {
                        Some("size of metadata exceeds app quota".to_string())
                    }
                    _ => {
                        total = total + new - old;
                        r.attr_bytes = r.attr_bytes + new - old;
                        let a = Attr {
                            value: v.into_boxed_str(),
                            owner: owner.clone(),
                            auto_delete,
                        };
                        match r.attrs.get_mut(k.as_str()) {
                            Some(slot) => *slot = a,
                            None => {
                                r.attrs.insert(k.clone().into_boxed_str(), a);
                            }
                        }
                        None
                    }
                }
            };
            out.record(k, refused);
        }
        cx.st.rooms.attr_total = total;
        out.announce(&mut cx.out, |keys| RoomEvent::AttributesUpdated {
            room: self.room,
            keys,
            operator: op,
        });
        Ok(out)
    }
}

/// Deletes up to 10 keys (`DELETE /metadata/chatroom/{id}/user/{op}[/forced]`), each on its
/// own. Without `forced`, only the operator's own keys. Operators as [`SetRoomAttributes`].
///
/// Errors, in check order: `E_ROOM`; `E_PERM`; `400 illegal_argument` "keys must be
/// provided", "exceed allowed batch size 10"; `401 MetadataException` "user is not in
/// chatroom".
///
/// Key reasons: "properties key '{key}' is not exist", "properties key '{key}' is not part of
/// you" (not forced).
///
/// Emits `AttributesRemoved` with the keys removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteRoomAttributes {
    /// Which.
    pub room: RoomId,
    /// The operator; `None` with the app admin is `admin`.
    pub operator: Option<UserName>,
    /// Keys, in request order (repeats dropped).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::room_attr_keys))]
    pub keys: Vec<String>,
    /// Ignore ownership.
    pub forced: bool,
}

impl Exec for DeleteRoomAttributes {
    type Reply = RoomAttrResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomAttrResult> {
        // Drop repeats, stopping past the per-call cap: a huge key list costs no more than
        // the cap. The errors are reported after the checks that come before them.
        let max = cx.st.limits.rooms.attr_keys_per_call_max;
        let mut seen = Set::with_capacity_and_hasher(max + 1, Default::default());
        let mut keys: Vec<String> = Vec::with_capacity(max + 1);
        for k in self.keys {
            if keys.len() > max {
                break;
            }
            if seen.insert(k.clone()) {
                keys.push(k);
            }
        }
        let (r, op, owner) = operator(
            cx.st,
            cx.actor,
            self.room,
            (&self.operator, self.forced),
            keys.len(),
            RoomError::NoKeys,
        )?;
        let refusals: Vec<Option<String>> = keys
            .iter()
            .map(|k| match r.attrs.get(k.as_str()) {
                None => Some(format!("properties key '{k}' is not exist")),
                Some(a) if !self.forced && !a.owner.same(&owner) => {
                    Some(format!("properties key '{k}' is not part of you"))
                }
                Some(_) => None,
            })
            .collect();
        let r = room_mut(cx.st, self.room);
        let mut freed = 0;
        let mut out = RoomAttrResult::default();
        for (k, refused) in keys.into_iter().zip(refusals) {
            if refused.is_none() {
                let a = r.attrs.shift_remove(k.as_str()).expect("checked present");
                freed += (k.len() + a.value.len()) as u64;
            }
            out.record(k, refused);
        }
        r.attr_bytes -= freed;
        cx.st.rooms.attr_total -= freed;
        out.announce(&mut cx.out, |keys| RoomEvent::AttributesRemoved {
            room: self.room,
            keys,
            operator: op,
        });
        Ok(out)
    }
}

/// Reads attributes (`POST /metadata/chatroom/{id}`): all when `keys` is absent or empty,
/// else the existing ones of those asked (missing keys omitted), in room order. Users must be
/// members; the app admin may read any room.
///
/// Errors, in check order: `E_ROOM`; `401 MetadataException` "user is not in chatroom".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetRoomAttributes {
    /// Which.
    pub room: RoomId,
    /// Which keys; `None` or empty for all.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::opt_room_attr_keys))]
    pub keys: Option<Vec<String>>,
}

/// The room for an attribute read: `E_ROOM`, then `401 MetadataException` for a caller who is
/// not in it.
fn readable<'a>(cx: &ReadCtx<'a>, id: RoomId) -> Result<&'a Room> {
    let r = find(cx.st, id)?;
    if !role(cx.st, cx.actor, r).inside() {
        return Err(RoomError::AttrNotMember.into());
    }
    Ok(r)
}

impl Ask for GetRoomAttributes {
    type Reply = IndexMap<String, String>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<IndexMap<String, String>> {
        let r = readable(cx, self.room)?;
        let keys = self.keys.unwrap_or_default();
        if keys.is_empty() {
            return Ok(r.attrs.iter().map(|(k, a)| pair(k, a)).collect());
        }
        // Look each key up, then put the hits in room order.
        let mut hits: Vec<usize> = keys
            .iter()
            .filter_map(|k| r.attrs.get_index_of(k.as_str()))
            .collect();
        hits.sort_unstable();
        hits.dedup();
        Ok(hits
            .into_iter()
            .filter_map(|i| r.attrs.get_index(i))
            .map(|(k, a)| pair(k, a))
            .collect())
    }
}

/// A key and its value, as replies show them.
fn pair(k: &str, a: &Attr) -> (String, String) {
    (k.to_string(), a.value.to_string())
}

/// Who owns each key, for hosts that show it and for tests: `None` is the app admin.
///
/// Errors, in check order: `E_ROOM`; `401 MetadataException` "user is not in chatroom".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetRoomAttributeOwners {
    /// Which.
    pub room: RoomId,
}

impl Ask for GetRoomAttributeOwners {
    type Reply = IndexMap<String, Option<UserName>>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<IndexMap<String, Option<UserName>>> {
        let r = readable(cx, self.room)?;
        Ok(r.attrs
            .iter()
            .map(|(k, a)| (k.to_string(), a.owner.name()))
            .collect())
    }
}
