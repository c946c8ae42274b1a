//! The chatrooms part of user deletion (spec 03 §3.11) and the area's invariants.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

use super::lifecycle::{destroy, forget_room};
use super::*;

/// The chatrooms part of the user-deletion cascade. Called after the user is marked gone,
/// with the per-user state taken from them (`extra`): rooms they own are deleted (members
/// depart `RoomDestroyed`); elsewhere they depart `UserDeleted` and leave the block, allow and
/// mute lists; they leave the super-admin set. Attribute keys they own marked `NO_DELETE`
/// stay (the owner field keeps the id); `DELETE` ones go with the departure.
///
/// # Locking
/// One room at a time, then (for a room it deletes) each user the room named, one at a time.
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, user: UserId, name: &UserName, extra: &Extra) {
    let _ = name;
    cx.app.rooms.super_admins.lock().shift_remove(&user);
    for id in user_rooms_of(extra) {
        let Some(cell) = cx.app.rooms.cell(id) else {
            continue;
        };
        let named = {
            let mut r = cell.state.write();
            if !r.live {
                continue;
            }
            if r.owner == user {
                Some(destroy(cx, &mut r))
            } else {
                r.depart(cx, user, RoomExitReason::UserDeleted);
                r.mutes.shift_remove(&user);
                r.blocks.shift_remove(&user);
                r.allow.shift_remove(&user);
                None
            }
        };
        if let Some(named) = named {
            forget_room(cx, id, &named, Some(user));
        }
    }
}

struct SnapRoom {
    id: RoomId,
    owner: UserId,
    members: Vec<UserId>,
    mentions: Vec<UserId>,
}

/// The chatrooms area's invariants (call when no command is in flight):
/// - the member map and the join order agree; seats (members plus an absent owner) ≤
///   `maxusers` ≤ the cap;
/// - the owner is a member unless they left voluntarily (OPEN 13), and never an admin,
///   muted, blocked or allow-listed;
/// - blocked ∩ members = ∅; admins ⊆ members, at most `admins_max`; allow ∩ admins = ∅;
/// - every `DELETE` attribute key owned by a user is owned by a member; keys ≤ the per-room
///   cap; each room's attribute bytes equal the sum of its keys and values, and the app
///   counter equals the sum over rooms;
/// - the room count and the id index match the live rooms; no dead room is left in the map;
/// - every user a room or the super-admin set names is a live user; a user's joined-rooms
///   index equals the rooms that list them as a member; every room that names a user who is
///   not a member is in that user's linked set.
pub(crate) fn check_invariants(t: &Tenant) -> Result<(), String> {
    let lim = &t.limits.rooms;
    let cells: Vec<Arc<RoomCell>> = t
        .rooms
        .rooms
        .iter()
        .map(|e| Arc::clone(e.value()))
        .collect();
    let mut snaps = Vec::with_capacity(cells.len());
    let mut bytes_total = 0u64;
    for c in &cells {
        let r = c.state.read();
        let id = r.id;
        if !r.live {
            return Err(format!("room {id}: a dead room is still in the map"));
        }
        if r.members.len() != r.order.len() {
            return Err(format!(
                "room {id}: member map and join order differ in size"
            ));
        }
        for (seq, u) in &r.order {
            if r.members.get(u).map(|m| m.seq) != Some(*seq) {
                return Err(format!("room {id}: join order names a non-member"));
            }
        }
        if r.seats() > r.maxusers as usize || r.maxusers > lim.maxusers_cap || r.maxusers < 1 {
            return Err(format!(
                "room {id}: {} seats over maxusers {}",
                r.seats(),
                r.maxusers
            ));
        }
        if r.is_member(r.owner) == r.owner_left {
            return Err(format!(
                "room {id}: owner present = {}, left = {}",
                r.is_member(r.owner),
                r.owner_left
            ));
        }
        if r.admins.contains(&r.owner)
            || r.mutes.contains_key(&r.owner)
            || r.blocks.contains_key(&r.owner)
            || r.allow.contains_key(&r.owner)
        {
            return Err(format!("room {id}: the owner is on a list"));
        }
        if r.blocks.keys().any(|u| r.is_member(*u)) {
            return Err(format!("room {id}: a blocked user is a member"));
        }
        if r.admins.iter().any(|u| !r.is_member(*u)) || r.admins.len() > lim.admins_max as usize {
            return Err(format!("room {id}: admins not members or over the cap"));
        }
        if r.allow.keys().any(|u| r.admins.contains(u)) {
            return Err(format!("room {id}: an admin is on the allow list"));
        }
        if r.attrs.len() > lim.attr_keys_per_room_max {
            return Err(format!("room {id}: too many attribute keys"));
        }
        let mut sum = 0u64;
        for (k, a) in &r.attrs {
            sum += (k.len() + a.value.len()) as u64;
            if a.auto_delete
                && let AttrOwner::User(o, _) = &a.owner
                && !r.is_member(*o)
            {
                return Err(format!(
                    "room {id}: auto-delete key {k} owned by a non-member"
                ));
            }
        }
        if sum != r.attr_bytes {
            return Err(format!(
                "room {id}: attribute bytes {} but keys sum to {sum}",
                r.attr_bytes
            ));
        }
        bytes_total += sum;
        let mut mentions: Vec<UserId> = vec![r.owner];
        mentions.extend(r.mutes.keys().chain(r.blocks.keys()).chain(r.allow.keys()));
        snaps.push(SnapRoom {
            id,
            owner: r.owner,
            members: r.members.keys().copied().collect(),
            mentions,
        });
    }
    if bytes_total != t.rooms.attr_total.load(Ordering::Acquire) {
        return Err(format!(
            "room attribute bytes: counter {} but rooms sum to {bytes_total}",
            t.rooms.attr_total.load(Ordering::Acquire)
        ));
    }
    if t.rooms.count.load(Ordering::Acquire) != snaps.len() as u64 {
        return Err("room count differs from the live rooms".into());
    }
    let index: BTreeSet<RoomId> = t.rooms.order.lock().clone();
    let live: BTreeSet<RoomId> = snaps.iter().map(|s| s.id).collect();
    if index != live {
        return Err("room id index differs from the live rooms".into());
    }
    // Users.
    let ucells: Vec<_> = t.users.iter().map(|e| Arc::clone(e.value())).collect();
    let mut users: HashMap<UserId, (BTreeSet<RoomId>, BTreeSet<RoomId>)> = HashMap::new();
    for c in &ucells {
        let s = c.state.read();
        if s.gone {
            continue;
        }
        let (j, l) = s.extra().map_or_else(Default::default, |x| {
            (
                x.rooms.joined.iter().copied().collect(),
                x.rooms.linked.clone(),
            )
        });
        users.insert(c.id, (j, l));
    }
    for u in t.rooms.super_admins.lock().keys() {
        if !users.contains_key(u) {
            return Err(format!("super admin {u:?} is not a live user"));
        }
    }
    let mut expect: HashMap<UserId, BTreeSet<RoomId>> = HashMap::new();
    for s in &snaps {
        for m in &s.members {
            if !users.contains_key(m) {
                return Err(format!("room {}: member {m:?} is not a live user", s.id));
            }
            expect.entry(*m).or_default().insert(s.id);
        }
        for m in &s.mentions {
            let Some((joined, linked)) = users.get(m) else {
                return Err(format!(
                    "room {}: listed user {m:?} (owner {:?}) is not a live user",
                    s.id, s.owner
                ));
            };
            if !joined.contains(&s.id) && !linked.contains(&s.id) {
                return Err(format!(
                    "room {}: names user {m:?} but is not in their index",
                    s.id
                ));
            }
        }
    }
    for (u, (joined, _)) in &users {
        let want = expect.remove(u).unwrap_or_default();
        if *joined != want {
            return Err(format!(
                "user {u:?}: joined index {joined:?} but rooms list them in {want:?}"
            ));
        }
    }
    Ok(())
}
