//! The users area's invariants.

use std::collections::HashMap;

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{UserId, UserName};
use crate::limits::{
    NOTIFY_CONVERSATIONS_MAX, PRESENCE_EXT_BYTES_MAX, PRESENCE_RESOURCES_MAX,
    PRESENCE_SUBSCRIBERS_MAX, PRESENCE_SUBSCRIPTIONS_MAX, PUSH_BINDINGS_MAX, TOKENS_PER_USER_MAX,
};
use crate::store::State;
use crate::time::Expiry;
use crate::users::{MuteScope, NotifyKey, Subject, User};

/// Every users-area property, in turn.
pub(super) fn check(st: &State) -> Result<(), String> {
    registry_consistent(st)?;
    friendship_symmetric(st)?;
    friends_within_cap(st)?;
    blocks_consistent(st)?;
    attribute_budget_exact(st)?;
    tokens_belong_to_live_users(st)?;
    sessions_within_caps(st)?;
    mute_index_consistent(st)?;
    global_mute_deadlines_exact(st)?;
    subscriptions_consistent(st)?;
    offline_since_consistent(st)?;
    presence_within_caps(st)?;
    push_within_caps(st)?;
    notified_index_exact(st)?;
    Ok(())
}

fn blocks(u: &User) -> Vec<UserId> {
    u.extra()
        .map(|x| x.blocks.iter().map(|b| b.0).collect())
        .unwrap_or_default()
}

fn blocked_by(u: &User) -> &[UserId] {
    u.extra().map_or(&[], |x| &x.blocked_by)
}

/// Names, ids and the creation index describe the same users, within the cap.
fn registry_consistent(st: &State) -> Result<(), String> {
    st.users.indexes_agree()?;
    let count = st.users.len() as u64;
    if st.limits.users_max.is_some_and(|m| count > m) {
        return Err(format!("{count} users over the cap"));
    }
    Ok(())
}

/// Every friend edge exists in both directions with the same `added_at`, to a live user.
///
/// One sequential pass, no lookup per edge (so that checking a restored snapshot of millions
/// of edges takes milliseconds, not seconds): the edges, each hashed as `(from, to, at)`, and
/// their mirrors, hashed as `(to, from, at)`, are summed as multisets; the sums are equal
/// exactly when every edge has its mirror (up to a 64-bit hash collision). An edge to a
/// deleted user has no mirror. Only when the sums differ are the edges looked up one by one,
/// to name the one-way friendship.
fn friendship_symmetric(st: &State) -> Result<(), String> {
    fn edge(from: UserId, to: UserId, at: i64) -> u64 {
        // splitmix64's finalizer over the three fields.
        let mut z = from.0.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
            ^ to.0.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ (at as u64)
                .wrapping_mul(0x1656_67B1_9E37_79F9)
                .rotate_left(41);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let (mut edges, mut mirrors) = (0u64, 0u64);
    for (id, u) in st.users.iter() {
        if !u.contacts.well_formed() {
            return Err(format!("contacts of {} not sorted and unique", u.name));
        }
        for (f, at) in u.contacts.iter() {
            if f == id {
                return Err(format!("{} is friends with themself", u.name));
            }
            edges = edges.wrapping_add(edge(id, f, at.0));
            mirrors = mirrors.wrapping_add(edge(f, id, at.0));
        }
        for r in u.extra().map(|x| x.remarks.keys()).into_iter().flatten() {
            if !u.is_friend(*r) {
                return Err(format!("{} has a remark for a non-friend", u.name));
            }
        }
    }
    if edges == mirrors {
        return Ok(());
    }
    for (id, u) in st.users.iter() {
        for (f, at) in u.contacts.iter() {
            let Some(fu) = st.users.get(f) else {
                return Err(format!("{} is friends with a deleted user", u.name));
            };
            if !fu.contacts.iter().any(|c| c == (id, at)) {
                return Err(format!("friendship {} -> {} is one-way", u.name, fu.name));
            }
        }
    }
    Err("friend edges and their mirrors disagree".into())
}

/// No user has more friends than the app's cap.
fn friends_within_cap(st: &State) -> Result<(), String> {
    if let Some(cap) = st.limits.friends_max {
        for (_, u) in st.users.iter() {
            if u.contacts.len() > cap as usize {
                return Err(format!(
                    "{} has {} friends over the cap {cap}",
                    u.name,
                    u.contacts.len()
                ));
            }
        }
    }
    Ok(())
}

/// Block lists are within the cap, name live users, and agree with the reverse index.
fn blocks_consistent(st: &State) -> Result<(), String> {
    for (id, u) in st.users.iter() {
        let bl = blocks(u);
        let by = blocked_by(u);
        if bl.len() > st.limits.blocklist_max {
            return Err(format!("{} blocks {} users", u.name, bl.len()));
        }
        // Membership tests binary-search both lists.
        if !bl.windows(2).all(|w| w[0] < w[1]) || !by.windows(2).all(|w| w[0] < w[1]) {
            return Err(format!("block lists of {} not sorted and unique", u.name));
        }
        if bl.contains(&id) {
            return Err(format!("{} blocks themself", u.name));
        }
        for b in &bl {
            match st.users.get(*b) {
                None => return Err(format!("{} blocks a deleted user", u.name)),
                Some(bu) if !blocked_by(bu).contains(&id) => {
                    return Err(format!(
                        "{} blocks {} without the reverse entry",
                        u.name, bu.name
                    ));
                }
                _ => {}
            }
        }
        for b in by {
            match st.users.get(*b) {
                Some(bu) if bu.has_blocked(id) => {}
                _ => return Err(format!("reverse block entry of {} is stale", u.name)),
            }
        }
    }
    Ok(())
}

/// Each user's counted size is the sum of their pairs, within the per-user cap; the app total
/// is the sum over users, within the app cap.
fn attribute_budget_exact(st: &State) -> Result<(), String> {
    let mut sum = 0u64;
    for (_, u) in st.users.iter() {
        let counted = u.extra().map_or(0, |x| x.attr_bytes);
        let actual: u64 = u.extra().map_or(0, |x| {
            x.attrs
                .iter()
                .map(|(k, v)| (k.len() + v.len()) as u64)
                .sum()
        });
        if counted != actual {
            return Err(format!(
                "{} counts {counted} attribute bytes, has {actual}",
                u.name
            ));
        }
        if counted > st.limits.attr_bytes_per_user {
            return Err(format!("{} is over the per-user attribute budget", u.name));
        }
        sum += counted;
    }
    let total = st.users.attr_total;
    if total != sum {
        return Err(format!(
            "app attribute total {total} differs from the sum {sum}"
        ));
    }
    if total > st.limits.attr_bytes_per_app {
        return Err("app attribute total over its cap".into());
    }
    Ok(())
}

/// Every user grant belongs to a live user who lists it, and the reverse.
fn tokens_belong_to_live_users(st: &State) -> Result<(), String> {
    let mut listed = 0usize;
    for (t, g) in &st.users.tokens {
        if let Subject::User(id) = g.subject {
            let Some(u) = st.users.get(id) else {
                return Err("a token names a deleted user".into());
            };
            if !u.extra().is_some_and(|x| x.tokens.iter().any(|x| x == t)) {
                return Err(format!("a token of {} is not on their list", u.name));
            }
            listed += 1;
        }
    }
    let held: usize = st
        .users
        .iter()
        .map(|(_, u)| u.extra().map_or(0, |x| x.tokens.len()))
        .sum();
    if held != listed {
        return Err(format!("users hold {held} tokens, the map has {listed}"));
    }
    Ok(())
}

/// No user holds more tokens than the per-user cap, or more sessions on one platform than the
/// app's device cap; resources are unique per user.
fn sessions_within_caps(st: &State) -> Result<(), String> {
    let cap = st.limits.devices_per_platform_max.max(1) as usize;
    for (_, u) in st.users.iter() {
        let Some(x) = u.extra() else { continue };
        if x.tokens.len() > TOKENS_PER_USER_MAX {
            return Err(format!("{} holds {} tokens", u.name, x.tokens.len()));
        }
        let mut per_platform: HashMap<&str, usize> = HashMap::new();
        for (i, s) in x.sessions.iter().enumerate() {
            let r = &*s.resource;
            if x.sessions[..i].iter().any(|e| &*e.resource == r) {
                return Err(format!("{} has resource {r} open twice", u.name));
            }
            let n = per_platform
                .entry(r.split('_').next().unwrap_or(r))
                .or_default();
            *n += 1;
            if *n > cap {
                return Err(format!(
                    "{} has more than {cap} sessions on one platform",
                    u.name
                ));
            }
        }
    }
    Ok(())
}

/// The mute index lists exactly the users with a mute set.
fn mute_index_consistent(st: &State) -> Result<(), String> {
    for (n, id) in &st.users.muted {
        match st.users.get(*id) {
            Some(u)
                if u.name == *n
                    && u.extra()
                        .is_some_and(|x| x.mutes.iter().any(Option::is_some)) => {}
            _ => return Err(format!("mute index entry {n} is stale")),
        }
    }
    let muted = st
        .users
        .iter()
        .filter(|(_, u)| {
            u.extra()
                .is_some_and(|x| x.mutes.iter().any(Option::is_some))
        })
        .count();
    if muted != st.users.muted.len() {
        return Err(format!(
            "{muted} muted users, {} in the index",
            st.users.muted.len()
        ));
    }
    Ok(())
}

/// The global-mute deadlines are exactly the timed global mutes (a mute forever has none).
fn global_mute_deadlines_exact(st: &State) -> Result<(), String> {
    let mut want = BTreeMap::new();
    for (id, u) in st.users.iter() {
        let Some(x) = u.extra() else { continue };
        for scope in MuteScope::ALL {
            if let Some(Expiry::At(t)) = x.mutes[scope as usize] {
                want.insert((id, scope), t);
            }
        }
    }
    if !st.users.mute_deadlines.matches(&want) {
        return Err("global mute deadlines differ from the mutes".into());
    }
    Ok(())
}

/// Presence subscriptions: both directions and the deadlines agree, both caps hold, and every
/// subscriber is a live user.
fn subscriptions_consistent(st: &State) -> Result<(), String> {
    let subs = &st.users.subscriptions;
    subs.check(PRESENCE_SUBSCRIPTIONS_MAX, PRESENCE_SUBSCRIBERS_MAX)?;
    if let Some(s) = subs.subscriber_ids().find(|s| st.users.get(*s).is_none()) {
        return Err(format!("deleted user {s:?} holds subscriptions"));
    }
    Ok(())
}

/// A user has an offline-since time only while they have no session, and the chatrooms'
/// copy of those times is exactly the users'.
fn offline_since_consistent(st: &State) -> Result<(), String> {
    let mut want = BTreeMap::new();
    for (id, u) in st.users.iter() {
        let Some(t) = u.extra().and_then(|x| x.offline_since) else {
            continue;
        };
        if u.online() {
            return Err(format!("{} is online with an offline-since time", u.name));
        }
        want.insert(id, t);
    }
    let have: BTreeMap<UserId, _> = st.rooms.offline_users().collect();
    if have != want {
        return Err("the rooms' offline-since times differ from the users'".into());
    }
    Ok(())
}

/// Presence maps and `ext` are within their caps, statuses are digit strings.
fn presence_within_caps(st: &State) -> Result<(), String> {
    for (_, u) in st.users.iter() {
        let Some(p) = u.extra().and_then(|x| x.presence.as_deref()) else {
            continue;
        };
        if p.statuses.len() > PRESENCE_RESOURCES_MAX || p.ext.len() > PRESENCE_EXT_BYTES_MAX {
            return Err(format!("presence of {} is over its caps", u.name));
        }
        if p.statuses
            .values()
            .any(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!("{} has a status that is no digit string", u.name));
        }
    }
    Ok(())
}

/// Push records are within their caps, hold nothing empty, and no conversation setting is at
/// its defaults (those are dropped).
fn push_within_caps(st: &State) -> Result<(), String> {
    for (_, u) in st.users.iter() {
        let Some(p) = u.extra().and_then(|x| x.push.as_deref()) else {
            continue;
        };
        if p.is_empty() {
            return Err(format!("{} keeps an empty push record", u.name));
        }
        if p.bindings.len() > PUSH_BINDINGS_MAX || p.conversations.len() > NOTIFY_CONVERSATIONS_MAX
        {
            return Err(format!("push settings of {} are over their caps", u.name));
        }
        if p.conversations.values().any(|n| *n == Default::default()) {
            return Err(format!(
                "{} keeps a conversation setting at its defaults",
                u.name
            ));
        }
        if p.conversations
            .contains_key(&NotifyKey::User(u.name.clone()))
        {
            return Err(format!(
                "{} has their app level stored as a conversation",
                u.name
            ));
        }
    }
    Ok(())
}

/// The index of who holds a one-to-one notification setting about whom is exact.
fn notified_index_exact(st: &State) -> Result<(), String> {
    let mut want: BTreeMap<UserName, BTreeSet<UserId>> = BTreeMap::new();
    for (id, u) in st.users.iter() {
        let Some(p) = u.extra().and_then(|x| x.push.as_deref()) else {
            continue;
        };
        for k in p.conversations.keys() {
            if let NotifyKey::User(peer) = k {
                want.entry(peer.clone()).or_default().insert(id);
            }
        }
    }
    if want != st.users.notified_about {
        return Err("the notification peer index differs from the settings".into());
    }
    Ok(())
}
