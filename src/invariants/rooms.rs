//! The chatrooms area's invariants.

use crate::rooms::{AttrOwner, Room};
use crate::store::State;

/// Every chatrooms-area property, in turn.
pub(super) fn check(st: &State) -> Result<(), String> {
    indexes_agree(st)?;
    rosters_consistent(st)?;
    seats_within_maxusers(st)?;
    owner_present_unless_left(st)?;
    owner_on_no_list(st)?;
    blocked_are_not_members(st)?;
    admins_within_cap(st)?;
    allow_list_excludes_admins(st)?;
    attribute_keys_within_caps(st)?;
    auto_delete_keys_owned_by_members(st)?;
    attribute_bytes_exact(st)?;
    named_users_live(st)?;
    room_counts_within_caps(st)?;
    timers_agree(st)?;
    Ok(())
}

/// The mute deadlines are exactly the timed mute entries, and the offline sweep's timers are
/// exactly the offline members who are neither owner, admin nor allow-listed (each since the
/// later of their offline-since time and their join).
fn timers_agree(st: &State) -> Result<(), String> {
    st.rooms.timers_agree()
}

/// Runs `f` on every room, naming the room in the message of the first failure.
fn each_room(st: &State, f: impl Fn(&Room) -> Result<(), String>) -> Result<(), String> {
    for r in st.rooms.iter() {
        f(r).map_err(|e| format!("room {}: {e}", r.id))?;
    }
    Ok(())
}

/// The id order lists exactly the rooms; each user's index lists exactly the rooms that list
/// them as a member (`joined`) and the rooms that name them otherwise (`named`).
fn indexes_agree(st: &State) -> Result<(), String> {
    st.rooms.indexes_agree()
}

/// Each roster's member records mirror its owner, admin, allow and mute lists; admins are
/// members other than the owner; the join order is sound.
fn rosters_consistent(st: &State) -> Result<(), String> {
    each_room(st, |r| r.roster.mirrors_agree())
}

/// Seats (members plus an absent owner) ≤ `maxusers` ≤ the cap, and `maxusers` ≥ 1.
fn seats_within_maxusers(st: &State) -> Result<(), String> {
    let cap = st.limits.rooms.maxusers_cap;
    each_room(st, |r| {
        if r.seats() > r.maxusers as usize || r.maxusers > cap || r.maxusers < 1 {
            return Err(format!("{} seats, maxusers {}", r.seats(), r.maxusers));
        }
        Ok(())
    })
}

/// The owner is a member unless they left voluntarily (OPEN 13).
fn owner_present_unless_left(st: &State) -> Result<(), String> {
    each_room(st, |r| {
        if r.is_member(r.roster.owner) == r.owner_left {
            return Err(format!(
                "owner present = {}, left = {}",
                r.is_member(r.roster.owner),
                r.owner_left
            ));
        }
        Ok(())
    })
}

/// The owner is never an admin, muted, blocked or allow-listed.
fn owner_on_no_list(st: &State) -> Result<(), String> {
    each_room(st, |r| {
        let (o, l) = (r.roster.owner, &r.roster);
        if l.admins.contains_key(&o)
            || l.mutes.contains_key(&o)
            || l.blocks.contains_key(&o)
            || l.allow.contains_key(&o)
        {
            return Err("the owner is on a list".into());
        }
        Ok(())
    })
}

/// No blocked user is a member.
fn blocked_are_not_members(st: &State) -> Result<(), String> {
    each_room(st, |r| {
        if r.roster.blocks.keys().any(|u| r.is_member(*u)) {
            return Err("a blocked user is a member".into());
        }
        Ok(())
    })
}

/// At most `admins_max` admins.
fn admins_within_cap(st: &State) -> Result<(), String> {
    let cap = st.limits.rooms.admins_max as usize;
    each_room(st, |r| {
        if r.roster.admins.len() > cap {
            return Err(format!("{} admins over the cap", r.roster.admins.len()));
        }
        Ok(())
    })
}

/// The allow list stores no admin (admins are exempt implicitly).
fn allow_list_excludes_admins(st: &State) -> Result<(), String> {
    each_room(st, |r| {
        if r.roster
            .allow
            .keys()
            .any(|u| r.roster.admins.contains_key(u))
        {
            return Err("an admin is on the allow list".into());
        }
        Ok(())
    })
}

/// At most `attr_keys_per_room_max` keys per room.
fn attribute_keys_within_caps(st: &State) -> Result<(), String> {
    let cap = st.limits.rooms.attr_keys_per_room_max;
    each_room(st, |r| {
        if r.attrs.len() > cap {
            return Err(format!("{} attribute keys over the cap", r.attrs.len()));
        }
        Ok(())
    })
}

/// Every `DELETE` key owned by a user is owned by a member (departures remove them).
fn auto_delete_keys_owned_by_members(st: &State) -> Result<(), String> {
    each_room(st, |r| {
        for (k, a) in &r.attrs {
            if a.auto_delete
                && let AttrOwner::User(o, _) = &a.owner
                && !r.is_member(*o)
            {
                return Err(format!("auto-delete key {k} owned by a non-member"));
            }
        }
        Ok(())
    })
}

/// Each room's attribute bytes are the sum of its keys and values; the app total is the sum
/// over rooms, within the app's budget.
fn attribute_bytes_exact(st: &State) -> Result<(), String> {
    let mut total = 0u64;
    each_room(st, |r| {
        let sum: u64 = r
            .attrs
            .iter()
            .map(|(k, a)| (k.len() + a.value.len()) as u64)
            .sum();
        if sum != r.attr_bytes {
            return Err(format!(
                "attribute bytes {} but keys sum to {sum}",
                r.attr_bytes
            ));
        }
        Ok(())
    })?;
    for r in st.rooms.iter() {
        total += r.attr_bytes;
    }
    if total != st.rooms.attr_total {
        return Err(format!(
            "room attribute bytes: counter {} but rooms sum to {total}",
            st.rooms.attr_total
        ));
    }
    if total > st.limits.rooms.attr_bytes_per_app {
        return Err(format!(
            "room attribute bytes {total} over the app's budget"
        ));
    }
    Ok(())
}

/// Every user a room lists or names, and every super admin, is a live user; a room's owner
/// name is its owner's.
fn named_users_live(st: &State) -> Result<(), String> {
    for (u, n) in &st.rooms.super_admins {
        if st.users.name(*u) != Some(n) {
            return Err(format!("super admin {n} is not a live user"));
        }
    }
    each_room(st, |r| {
        for u in r.roster.everyone() {
            if st.users.get(u).is_none() {
                return Err(format!("names user {u:?}, who is not a live user"));
            }
        }
        if st.users.name(r.roster.owner) != Some(&r.owner_name) {
            return Err(format!("owner name {} is stale", r.owner_name));
        }
        Ok(())
    })
}

/// The app holds at most `rooms_per_app_max` rooms; no user is a member of more than
/// `rooms_per_user_max`.
fn room_counts_within_caps(st: &State) -> Result<(), String> {
    let lim = &st.limits.rooms;
    if lim
        .rooms_per_app_max
        .is_some_and(|m| st.rooms.len() as u64 > m)
    {
        return Err(format!("{} rooms over the app's cap", st.rooms.len()));
    }
    if let Some(m) = lim.rooms_per_user_max {
        for (u, x) in st.users.iter() {
            if st.rooms.joined_count(u) > m as usize {
                return Err(format!("{} joined {} rooms over the cap", x.name, m));
            }
        }
    }
    Ok(())
}
