//! The properties that must hold whenever no command is in flight, one function each.
//! Tests, the model checker, the concurrency tests and the fuzz target call [`check`] after
//! every step; a broken property comes back as a message naming it.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

use crate::engine::App;
use crate::ids::UserId;
use crate::limits::{BLOCKS_MAX, TOKENS_PER_USER_MAX};
use crate::store::{Subject, Tenant, UserState};

/// A snapshot of every user's state, read one lock at a time.
struct Snapshot {
    users: HashMap<UserId, SnapUser>,
}

struct SnapUser {
    name: String,
    gone: bool,
    contacts: Vec<(UserId, i64)>,
    remarks: Vec<UserId>,
    blocks: Vec<UserId>,
    blocked_by: Vec<UserId>,
    attr_bytes: u64,
    attr_sum: u64,
    tokens: Vec<String>,
    sessions: Vec<String>,
    muted: bool,
}

fn snap(s: &UserState) -> SnapUser {
    let x = s.extra();
    SnapUser {
        name: s.name.to_string(),
        gone: s.gone,
        contacts: s.contacts.iter().map(|(id, t)| (*id, t.0)).collect(),
        remarks: x
            .map(|x| x.remarks.keys().copied().collect())
            .unwrap_or_default(),
        blocks: x
            .map(|x| x.blocks.iter().map(|b| b.0).collect())
            .unwrap_or_default(),
        blocked_by: x.map(|x| x.blocked_by.clone()).unwrap_or_default(),
        attr_bytes: x.map_or(0, |x| x.attr_bytes),
        attr_sum: x.map_or(0, |x| {
            x.attrs
                .iter()
                .map(|(k, v)| (k.len() + v.len()) as u64)
                .sum()
        }),
        tokens: x
            .map(|x| x.tokens.iter().map(|t| t.to_string()).collect())
            .unwrap_or_default(),
        sessions: x
            .map(|x| x.sessions.iter().map(|e| e.resource.to_string()).collect())
            .unwrap_or_default(),
        muted: x.is_some_and(|x| x.mutes.iter().any(Option::is_some)),
    }
}

fn take(t: &Tenant) -> Snapshot {
    let cells: Vec<_> = t
        .users
        .iter()
        .map(|e| std::sync::Arc::clone(e.value()))
        .collect();
    Snapshot {
        users: cells
            .iter()
            .map(|c| (c.id, snap(&c.state.read())))
            .collect(),
    }
}

/// Checks every invariant of one app; call it when no command is in flight.
///
/// # Errors
/// A message naming the first broken property and where.
pub fn check(app: &App) -> Result<(), String> {
    let t = &*app.tenant;
    let s = take(t);
    registry_consistent(t, &s)?;
    friendship_symmetric(&s)?;
    friends_within_cap(t, &s)?;
    blocks_consistent(&s)?;
    attribute_budget_exact(t, &s)?;
    tokens_belong_to_live_users(t, &s)?;
    sessions_within_caps(t, &s)?;
    mute_index_consistent(t, &s)?;
    crate::groups::check_invariants(t)?;
    crate::rooms::check_invariants(t)?;
    Ok(())
}

/// Names, ids, the creation index and the user count describe the same live users.
fn registry_consistent(t: &Tenant, s: &Snapshot) -> Result<(), String> {
    for (id, u) in &s.users {
        if u.gone {
            return Err(format!("user {} is marked gone but still indexed", u.name));
        }
        match t.names.get(u.name.as_str()) {
            Some(c) if c.id == *id => {}
            _ => return Err(format!("user {} is not found under its name", u.name)),
        }
    }
    if t.names.len() != s.users.len() {
        return Err(format!(
            "{} names for {} users",
            t.names.len(),
            s.users.len()
        ));
    }
    let created: BTreeSet<UserId> = t.by_created.lock().iter().map(|e| e.1).collect();
    let ids: BTreeSet<UserId> = s.users.keys().copied().collect();
    if created != ids {
        return Err("creation index differs from the users".into());
    }
    let count = t.user_count.load(Ordering::Acquire);
    if count != s.users.len() as u64 {
        return Err(format!("user count {count} for {} users", s.users.len()));
    }
    if t.limits.users_max.is_some_and(|m| count > m) {
        return Err(format!("{count} users over the cap"));
    }
    Ok(())
}

/// Every friend edge exists in both directions with the same `added_at`, to a live user.
fn friendship_symmetric(s: &Snapshot) -> Result<(), String> {
    for (id, u) in &s.users {
        if !u.contacts.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err(format!("contacts of {} not sorted and unique", u.name));
        }
        for (f, at) in &u.contacts {
            let Some(fu) = s.users.get(f) else {
                return Err(format!("{} is friends with a deleted user", u.name));
            };
            if f == id || !fu.contacts.contains(&(*id, *at)) {
                return Err(format!("friendship {} -> {} is one-way", u.name, fu.name));
            }
        }
        for r in &u.remarks {
            if !u.contacts.iter().any(|c| c.0 == *r) {
                return Err(format!("{} has a remark for a non-friend", u.name));
            }
        }
    }
    Ok(())
}

/// No user has more friends than the app's cap.
fn friends_within_cap(t: &Tenant, s: &Snapshot) -> Result<(), String> {
    if let Some(cap) = t.limits.friends_max {
        for u in s.users.values() {
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
fn blocks_consistent(s: &Snapshot) -> Result<(), String> {
    for (id, u) in &s.users {
        if u.blocks.len() > BLOCKS_MAX {
            return Err(format!("{} blocks {} users", u.name, u.blocks.len()));
        }
        // Membership tests binary-search both lists.
        if !u.blocks.windows(2).all(|w| w[0] < w[1])
            || !u.blocked_by.windows(2).all(|w| w[0] < w[1])
        {
            return Err(format!("block lists of {} not sorted and unique", u.name));
        }
        if u.blocks.contains(id) {
            return Err(format!("{} blocks themself", u.name));
        }
        for b in &u.blocks {
            match s.users.get(b) {
                None => return Err(format!("{} blocks a deleted user", u.name)),
                Some(bu) if !bu.blocked_by.contains(id) => {
                    return Err(format!(
                        "{} blocks {} without the reverse entry",
                        u.name, bu.name
                    ));
                }
                _ => {}
            }
        }
        for b in &u.blocked_by {
            match s.users.get(b) {
                Some(bu) if bu.blocks.contains(id) => {}
                _ => return Err(format!("reverse block entry of {} is stale", u.name)),
            }
        }
    }
    Ok(())
}

/// Each user's counted size is the sum of their pairs, within the per-user cap; the app total
/// is the sum over users, within the app cap.
fn attribute_budget_exact(t: &Tenant, s: &Snapshot) -> Result<(), String> {
    let mut sum = 0u64;
    for u in s.users.values() {
        if u.attr_bytes != u.attr_sum {
            return Err(format!(
                "{} counts {} attribute bytes, has {}",
                u.name, u.attr_bytes, u.attr_sum
            ));
        }
        if u.attr_bytes > t.limits.attr_bytes_per_user {
            return Err(format!("{} is over the per-user attribute budget", u.name));
        }
        sum += u.attr_bytes;
    }
    let total = t.attr_total.load(Ordering::Acquire);
    if total != sum {
        return Err(format!(
            "app attribute total {total} differs from the sum {sum}"
        ));
    }
    if total > t.limits.attr_bytes_per_app {
        return Err("app attribute total over its cap".into());
    }
    Ok(())
}

/// Every user grant belongs to a live user who lists it, and the reverse.
fn tokens_belong_to_live_users(t: &Tenant, s: &Snapshot) -> Result<(), String> {
    let mut listed = 0usize;
    for e in t.tokens.iter() {
        if let Subject::User(id) = e.value().subject {
            let Some(u) = s.users.get(&id) else {
                return Err("a token names a deleted user".into());
            };
            if !u.tokens.iter().any(|x| x.as_str() == &**e.key()) {
                return Err(format!("a token of {} is not on their list", u.name));
            }
            listed += 1;
        }
    }
    let held: usize = s.users.values().map(|u| u.tokens.len()).sum();
    if held != listed {
        return Err(format!("users hold {held} tokens, the map has {listed}"));
    }
    Ok(())
}

/// No user holds more tokens than the per-user cap, or more sessions on one platform than the
/// app's device cap; resources are unique per user.
fn sessions_within_caps(t: &Tenant, s: &Snapshot) -> Result<(), String> {
    let cap = t.limits.devices_per_platform_max.max(1) as usize;
    for u in s.users.values() {
        if u.tokens.len() > TOKENS_PER_USER_MAX {
            return Err(format!("{} holds {} tokens", u.name, u.tokens.len()));
        }
        let mut per_platform: HashMap<&str, usize> = HashMap::new();
        for (i, r) in u.sessions.iter().enumerate() {
            if u.sessions[..i].contains(r) {
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

/// The mute index lists exactly the live users with a mute set.
fn mute_index_consistent(t: &Tenant, s: &Snapshot) -> Result<(), String> {
    let idx: Vec<(String, UserId)> = t
        .muted
        .lock()
        .iter()
        .map(|(n, id)| (n.to_string(), *id))
        .collect();
    for (n, id) in &idx {
        match s.users.get(id) {
            Some(u) if u.name == *n && u.muted => {}
            _ => return Err(format!("mute index entry {n} is stale")),
        }
    }
    let muted = s.users.values().filter(|u| u.muted).count();
    if muted != idx.len() {
        return Err(format!("{muted} muted users, {} in the index", idx.len()));
    }
    Ok(())
}
