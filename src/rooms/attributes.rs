//! Custom room attributes (spec 03 §3.9): keys owned by whoever set them, per-key results,
//! forced writes and deletes, auto-delete on departure, and an exact per-app byte budget.
//!
//! Bytes are UTF-8 bytes of key + value. A write reserves its growth on the app counter
//! before committing (and gives back any shrink after), so the app total never exceeds
//! [`RoomLimits::attr_bytes_per_app`] and, when no command is in flight, equals the sum over
//! every room's keys.

use serde::{Deserialize, Serialize};

use super::*;
use crate::command::Exec;
use crate::error::Result;
use crate::query::Ask;

/// The outcome of an attribute write or delete: HTTP 200 with per-key results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomAttrResult {
    /// Keys applied, in request order.
    pub success_keys: Vec<String>,
    /// Keys refused, in request order, with the reason.
    pub error_keys: IndexMap<String, String>,
}

/// The operator of an attribute call.
fn operator(cx: &Ctx<'_>, given: &Option<UserName>) -> Result<Option<UserName>> {
    match (cx.actor, given) {
        (Actor::Admin, g) => Ok(g.clone()),
        (Actor::User(u), None) => Ok(Some(u.clone())),
        (Actor::User(u), Some(g)) if u == g => Ok(Some(u.clone())),
        _ => err(RoomError::Permission),
    }
}

/// Resolves the operator to an owner and checks membership (step 3).
fn operator_owner(
    r: &Room,
    op: &Option<UserName>,
    op_id: Option<UserId>,
    forced: bool,
) -> Result<AttrOwner> {
    match (op, op_id) {
        (None, _) if forced => Ok(AttrOwner::Admin),
        (None, _) => err(RoomError::AttrNotMember),
        (Some(n), Some(id)) if r.is_member(id) => Ok(AttrOwner::User(id, n.clone())),
        _ => err(RoomError::AttrNotMember),
    }
}

fn same_owner(a: &AttrOwner, b: &AttrOwner) -> bool {
    match (a, b) {
        (AttrOwner::Admin, AttrOwner::Admin) => true,
        (AttrOwner::User(x, _), AttrOwner::User(y, _)) => x == y,
        _ => false,
    }
}

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
pub struct SetRoomAttributes {
    /// Which.
    pub room: RoomId,
    /// The operator; `None` with the app admin is `admin`.
    pub operator: Option<UserName>,
    /// Keys and values, in request order.
    pub attrs: IndexMap<String, String>,
    /// `autoDelete`: "DELETE" (default, case-insensitive) or anything else for `NO_DELETE`.
    pub auto_delete: Option<String>,
    /// Ignore ownership.
    pub forced: bool,
}

impl Exec for SetRoomAttributes {
    type Reply = RoomAttrResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomAttrResult> {
        let app = cx.app;
        let lim = &app.limits.rooms;
        let cell = room(cx, self.room)?;
        let op = operator(cx, &self.operator);
        let op_id = match &self.operator.clone().or_else(|| match cx.actor {
            Actor::User(u) => Some(u.clone()),
            _ => None,
        }) {
            Some(n) => app.user(n).map(|c| c.id),
            None => None,
        };
        let mut r = cell.write_live()?;
        let op = op?;
        if self.attrs.is_empty() {
            return err(RoomError::NoMetadata);
        }
        if self.attrs.len() > lim.attr_keys_per_call_max {
            return err(RoomError::AttrBatch(lim.attr_keys_per_call_max));
        }
        let owner = operator_owner(&r, &op, op_id, self.forced)?;
        let auto_delete = self
            .auto_delete
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case("DELETE"));
        let mut out = RoomAttrResult::default();
        for (k, v) in self.attrs {
            let reason = if !legal_key(&k) {
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
                let existing = r.attrs.get(k.as_str()).map(|a| {
                    (
                        same_owner(&a.owner, &owner),
                        (k.len() + a.value.len()) as u64,
                    )
                });
                match existing {
                    Some((false, _)) if !self.forced => {
                        Some("others are not allowed to be set".to_string())
                    }
                    None if r.attrs.len() >= lim.attr_keys_per_room_max => Some(format!(
                        "size of metadata keys exceeds {}",
                        lim.attr_keys_per_room_max
                    )),
                    _ => {
                        let old = existing.map_or(0, |e| e.1);
                        let new = (k.len() + v.len()) as u64;
                        if new > old
                            && !app
                                .rooms
                                .reserve_attr_bytes(new - old, lim.attr_bytes_per_app)
                        {
                            Some("size of metadata exceeds app quota".to_string())
                        } else {
                            if old > new {
                                app.rooms.release_attr_bytes(old - new);
                            }
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
                }
            };
            match reason {
                Some(why) => {
                    out.error_keys.insert(k, why);
                }
                None => out.success_keys.push(k),
            }
        }
        drop(r);
        if !out.success_keys.is_empty() {
            emit(
                cx,
                RoomEvent::AttributesUpdated {
                    room: self.room,
                    keys: out.success_keys.clone(),
                    operator: op,
                },
            );
        }
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
pub struct DeleteRoomAttributes {
    /// Which.
    pub room: RoomId,
    /// The operator; `None` with the app admin is `admin`.
    pub operator: Option<UserName>,
    /// Keys, in request order (repeats dropped).
    pub keys: Vec<String>,
    /// Ignore ownership.
    pub forced: bool,
}

impl Exec for DeleteRoomAttributes {
    type Reply = RoomAttrResult;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<RoomAttrResult> {
        let app = cx.app;
        let lim = &app.limits.rooms;
        let cell = room(cx, self.room)?;
        let op = operator(cx, &self.operator);
        let op_id = match &self.operator.clone().or_else(|| match cx.actor {
            Actor::User(u) => Some(u.clone()),
            _ => None,
        }) {
            Some(n) => app.user(n).map(|c| c.id),
            None => None,
        };
        // Drop repeats before taking the room's lock, stopping past the per-call cap: a huge
        // key list must not hold the room. The errors are reported after the checks that come
        // before them.
        let max = lim.attr_keys_per_call_max;
        let mut seen = std::collections::HashSet::with_capacity(max + 1);
        let mut keys: Vec<String> = Vec::with_capacity(max + 1);
        for k in self.keys {
            if keys.len() > max {
                break;
            }
            if seen.insert(k.clone()) {
                keys.push(k);
            }
        }
        let mut r = cell.write_live()?;
        let op = op?;
        if keys.is_empty() {
            return err(RoomError::NoKeys);
        }
        if keys.len() > max {
            return err(RoomError::AttrBatch(max));
        }
        let owner = operator_owner(&r, &op, op_id, self.forced)?;
        let mut out = RoomAttrResult::default();
        for k in keys {
            let reason = match r.attrs.get(k.as_str()) {
                None => Some(format!("properties key '{k}' is not exist")),
                Some(a) if !self.forced && !same_owner(&a.owner, &owner) => {
                    Some(format!("properties key '{k}' is not part of you"))
                }
                Some(_) => {
                    let a = r.attrs.shift_remove(k.as_str()).expect("present");
                    let n = (k.len() + a.value.len()) as u64;
                    r.attr_bytes -= n;
                    app.rooms.release_attr_bytes(n);
                    None
                }
            };
            match reason {
                Some(why) => {
                    out.error_keys.insert(k, why);
                }
                None => out.success_keys.push(k),
            }
        }
        drop(r);
        if !out.success_keys.is_empty() {
            emit(
                cx,
                RoomEvent::AttributesRemoved {
                    room: self.room,
                    keys: out.success_keys.clone(),
                    operator: op,
                },
            );
        }
        Ok(out)
    }
}

/// Reads attributes (`POST /metadata/chatroom/{id}`): all when `keys` is absent or empty,
/// else the existing ones of those asked (missing keys omitted), in room order. Users must be
/// members; the app admin may read any room.
///
/// Errors, in check order: `E_ROOM`; `401 MetadataException` "user is not in chatroom".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRoomAttributes {
    /// Which.
    pub room: RoomId,
    /// Which keys; `None` or empty for all.
    pub keys: Option<Vec<String>>,
}

impl Ask for GetRoomAttributes {
    type Reply = IndexMap<String, String>;
    fn ask(self, cx: &Ctx<'_>) -> Result<IndexMap<String, String>> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let r = cell.read_live(false)?;
        if !r.role(&me).inside() {
            return err(RoomError::AttrNotMember);
        }
        let keys = self.keys.unwrap_or_default();
        if keys.is_empty() {
            return Ok(r
                .attrs
                .iter()
                .map(|(k, a)| (k.to_string(), a.value.to_string()))
                .collect());
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
            .map(|(k, a)| (k.to_string(), a.value.to_string()))
            .collect())
    }
}

/// Who owns each key, for hosts that show it and for tests: `None` is the app admin.
///
/// Errors, in check order: `E_ROOM`; `401 MetadataException` "user is not in chatroom".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRoomAttributeOwners {
    /// Which.
    pub room: RoomId,
}

impl Ask for GetRoomAttributeOwners {
    type Reply = IndexMap<String, Option<UserName>>;
    fn ask(self, cx: &Ctx<'_>) -> Result<IndexMap<String, Option<UserName>>> {
        let cell = room(cx, self.room)?;
        let me = who(cx);
        let r = cell.read_live(false)?;
        if !r.role(&me).inside() {
            return err(RoomError::AttrNotMember);
        }
        Ok(r.attrs
            .iter()
            .map(|(k, a)| {
                let o = match &a.owner {
                    AttrOwner::Admin => None,
                    AttrOwner::User(_, n) => Some(n.clone()),
                };
                (k.to_string(), o)
            })
            .collect())
    }
}
