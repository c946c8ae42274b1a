//! The groups area's invariants, checked when no command is in flight:
//! owner ∈ members; admins ⊆ members; blocked ∩ members = ∅; members ≤ max_users; the mirrored
//! member fields agree with the lists; nothing names a deleted user; thread members ⊆ group
//! members; each user's joined-groups and joined-threads indexes equal the groups and threads
//! that list them, within the per-user caps; the counters and id indexes match the live groups
//! and threads.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::ids::UserId;
use crate::store::Tenant;

use super::Role;

pub(crate) fn check(t: &Tenant) -> Result<(), String> {
    let l = &t.limits.groups;
    let store = &t.groups;
    let cells: Vec<_> = store
        .groups
        .iter()
        .map(|e| (Arc::clone(e.key()), Arc::clone(e.value())))
        .collect();
    let live_users: HashSet<UserId> = t.users.iter().map(|e| *e.key()).collect();
    // user → groups listing them; user → threads listing them (with group); user → groups
    // naming them outside the member list.
    let mut in_groups: BTreeMap<UserId, BTreeSet<String>> = BTreeMap::new();
    let mut in_threads: BTreeMap<UserId, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut named: BTreeMap<UserId, BTreeSet<String>> = BTreeMap::new();
    let mut live_threads: BTreeSet<String> = BTreeSet::new();
    let mut created: BTreeSet<(i64, u64)> = BTreeSet::new();
    let mut thread_created: BTreeSet<(i64, u64)> = BTreeSet::new();
    for (key, cell) in &cells {
        let g = cell.state.read();
        let gid = key.to_string();
        if g.gone {
            return Err(format!("group {gid}: destroyed but indexed"));
        }
        if *cell.id != **key {
            return Err(format!("group {gid}: indexed under another id"));
        }
        created.insert((g.created.0, g.seq));
        match g.members.get(&g.owner) {
            Some(m) if m.role == Role::Owner => {}
            _ => {
                return Err(format!(
                    "group {gid}: owner is not a member with the owner role"
                ));
            }
        }
        if g.members.len() > g.max_users as usize {
            return Err(format!(
                "group {gid}: {} members over max_users",
                g.members.len()
            ));
        }
        if g.admins.len() > l.admins_max {
            return Err(format!("group {gid}: too many admins"));
        }
        if g.roster.len() != g.members.len() {
            return Err(format!(
                "group {gid}: roster length differs from the members"
            ));
        }
        for ((id, m), s) in g.members.iter().zip(&g.roster) {
            if *s != super::model::Speaker::of(*id, m) {
                return Err(format!("group {gid}: roster entry of {} is stale", m.name));
            }
            if m.cell.id != *id {
                return Err(format!("group {gid}: member cell mismatch"));
            }
            if !live_users.contains(id) {
                return Err(format!("group {gid}: member {} is not a live user", m.name));
            }
            let is_owner = *id == g.owner;
            let is_admin = g.admins.contains_key(id);
            let want = if is_owner {
                Role::Owner
            } else if is_admin {
                Role::Admin
            } else {
                Role::Member
            };
            if m.role != want {
                return Err(format!(
                    "group {gid}: {} has role {:?}, lists say {want:?}",
                    m.name, m.role
                ));
            }
            if m.allowed != g.allow.contains_key(id) {
                return Err(format!(
                    "group {gid}: {} allow flag differs from the list",
                    m.name
                ));
            }
            if m.muted() != g.mutes.get(id).map(|e| e.1) {
                return Err(format!(
                    "group {gid}: {} mute differs from the list",
                    m.name
                ));
            }
            if g.blocks.contains_key(id) {
                return Err(format!("group {gid}: member {} is blocked", m.name));
            }
            in_groups.entry(*id).or_default().insert(gid.clone());
        }
        for id in g.admins.keys() {
            if !g.members.contains_key(id) || *id == g.owner {
                return Err(format!("group {gid}: admin is not a non-owner member"));
            }
        }
        for id in g.allow.keys().chain(g.attrs.keys()) {
            if !g.members.contains_key(id) {
                return Err(format!(
                    "group {gid}: allow/attribute entry of a non-member"
                ));
            }
        }
        for id in g
            .blocks
            .keys()
            .chain(g.mutes.keys())
            .chain(g.applications.keys())
            .chain(g.invitations.keys())
        {
            if !live_users.contains(id) {
                return Err(format!("group {gid}: a list names a deleted user"));
            }
            named.entry(*id).or_default().insert(gid.clone());
        }
        for (tid, th) in &g.threads {
            live_threads.insert(tid.to_string());
            thread_created.insert((th.created.0, th.seq));
            match store.threads.get(tid) {
                Some(c) if Arc::ptr_eq(&c, cell) => {}
                _ => return Err(format!("thread {tid}: not indexed under its group")),
            }
            if store
                .msg_threads
                .lock()
                .get(&th.msg_id)
                .map(|x| x.to_string())
                != Some(tid.to_string())
            {
                return Err(format!("thread {tid}: parent message claim missing"));
            }
            for id in th.members.keys() {
                if !g.members.contains_key(id) {
                    return Err(format!("thread {tid}: member not in group {gid}"));
                }
                in_threads
                    .entry(*id)
                    .or_default()
                    .insert((tid.to_string(), gid.clone()));
            }
        }
    }
    // Per-user indexes.
    let users: Vec<_> = t.users.iter().map(|e| Arc::clone(e.value())).collect();
    for c in users {
        let s = c.state.read();
        let x = s.extra();
        let groups: BTreeSet<String> = x
            .map(|x| x.groups.groups.keys().map(|g| g.to_string()).collect())
            .unwrap_or_default();
        let want = in_groups.remove(&c.id).unwrap_or_default();
        if groups != want {
            return Err(format!(
                "user {}: joined-groups index {groups:?} differs from the groups {want:?}",
                s.name
            ));
        }
        if groups.len() > l.groups_per_user_max as usize {
            return Err(format!("user {}: over the joined-groups cap", s.name));
        }
        let threads: BTreeSet<(String, String)> = x
            .map(|x| {
                x.groups
                    .threads
                    .iter()
                    .map(|(t, l)| (t.to_string(), l.group.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let want = in_threads.remove(&c.id).unwrap_or_default();
        if threads != want {
            return Err(format!(
                "user {}: joined-threads index {threads:?} differs from the threads {want:?}",
                s.name
            ));
        }
        if threads.len() > l.threads_per_user_max {
            return Err(format!("user {}: over the threads cap", s.name));
        }
        let listed: BTreeSet<String> = x
            .map(|x| x.groups.listed.iter().map(|g| g.to_string()).collect())
            .unwrap_or_default();
        if let Some(n) = named.remove(&c.id)
            && !n.is_subset(&listed)
        {
            return Err(format!(
                "user {}: a group lists them but their index misses it",
                s.name
            ));
        }
    }
    if let Some((u, _)) = in_groups.iter().next() {
        return Err(format!("a group lists user {u:?} who is not live"));
    }
    // Counters and indexes.
    let n = store.group_count.load(Ordering::Acquire);
    if n != cells.len() as u64 {
        return Err(format!("group count {n} for {} live groups", cells.len()));
    }
    if let Some(cap) = l.groups_per_app_max
        && n > cap
    {
        return Err("over the app's group cap".into());
    }
    let idx: BTreeSet<(i64, u64)> = store
        .by_created
        .lock()
        .keys()
        .map(|(t, s)| (t.0, *s))
        .collect();
    if idx != created {
        return Err("group creation index differs from the live groups".into());
    }
    let n = store.thread_count.load(Ordering::Acquire);
    if n != live_threads.len() as u64 || n > l.threads_per_app_max {
        return Err(format!(
            "thread count {n} for {} live threads",
            live_threads.len()
        ));
    }
    let idx: BTreeSet<String> = store.threads.iter().map(|e| e.key().to_string()).collect();
    if idx != live_threads {
        return Err("thread index differs from the live threads".into());
    }
    let idx: BTreeSet<(i64, u64)> = store
        .threads_by_created
        .lock()
        .keys()
        .map(|(t, s)| (t.0, *s))
        .collect();
    if idx != thread_created {
        return Err("thread creation index differs from the live threads".into());
    }
    if store.msg_threads.lock().len() != live_threads.len() {
        return Err("parent message claims differ from the live threads".into());
    }
    Ok(())
}
