//! The groups area's invariants, one function per property.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{GroupId, ThreadId, UserId};
use crate::roster::Role;
use crate::store::State;

/// Every groups-area property, in turn.
pub(super) fn check(st: &State) -> Result<(), String> {
    indexes_agree(st)?;
    within_app_caps(st)?;
    rosters_consistent(st)?;
    within_group_caps(st)?;
    blocked_are_not_members(st)?;
    allow_and_attributes_of_members(st)?;
    lists_name_live_users(st)?;
    thread_members_in_group(st)?;
    joined_groups_index_exact(st)?;
    joined_threads_index_exact(st)?;
    listed_index_covers_lists(st)?;
    mute_deadlines_exact(st)?;
    Ok(())
}

/// The member-mute deadlines are exactly the timed mute entries of the live groups.
fn mute_deadlines_exact(st: &State) -> Result<(), String> {
    let mut want = BTreeMap::new();
    for (gid, g) in st.groups.iter() {
        for (u, (_, e)) in &g.roster.mutes {
            if let crate::time::Expiry::At(t) = e {
                want.insert((gid.clone(), *u), *t);
            }
        }
    }
    if !st.groups.mute_deadlines().matches(&want) {
        return Err("group mute deadlines differ from the mute lists".into());
    }
    Ok(())
}

/// The table's indexes (creation orders, thread → group, parent messages, retired ids) agree
/// with the live groups and threads.
fn indexes_agree(st: &State) -> Result<(), String> {
    st.groups.indexes_agree()
}

/// Live groups and threads are within the app's caps.
fn within_app_caps(st: &State) -> Result<(), String> {
    let l = &st.limits.groups;
    if l.groups_per_app_max
        .is_some_and(|cap| st.groups.len() as u64 > cap)
    {
        return Err("over the app's group cap".into());
    }
    if st.groups.threads_len() as u64 > l.threads_per_app_max {
        return Err("over the app's thread cap".into());
    }
    Ok(())
}

/// The owner is a member with the owner role; admins are non-owner members; each member's
/// role, allow and mute mirrors agree with the lists.
fn rosters_consistent(st: &State) -> Result<(), String> {
    for (gid, g) in st.groups.iter() {
        let r = &g.roster;
        match r.members.get(r.owner) {
            Some(m) if m.role() == Role::Owner => {}
            _ => {
                return Err(format!(
                    "group {gid}: owner is not a member with the owner role"
                ));
            }
        }
        r.mirrors_agree().map_err(|e| format!("group {gid}: {e}"))?;
        for t in g.threads.values() {
            t.members.check().map_err(|e| format!("group {gid}: {e}"))?;
        }
    }
    Ok(())
}

/// Members ≤ `max_users`; admins ≤ `admins_max`.
fn within_group_caps(st: &State) -> Result<(), String> {
    let l = &st.limits.groups;
    for (gid, g) in st.groups.iter() {
        let n = g.roster.members.len();
        if n > g.max_users as usize {
            return Err(format!("group {gid}: {n} members over max_users"));
        }
        if g.roster.admins.len() > l.admins_max {
            return Err(format!("group {gid}: too many admins"));
        }
    }
    Ok(())
}

/// blocked ∩ members = ∅.
fn blocked_are_not_members(st: &State) -> Result<(), String> {
    for (gid, g) in st.groups.iter() {
        if let Some(m) = g
            .roster
            .members
            .iter()
            .find(|m| g.roster.blocks.contains_key(&m.id()))
        {
            return Err(format!("group {gid}: member {} is blocked", m.name()));
        }
    }
    Ok(())
}

/// Explicit allow entries and member attributes belong to members.
fn allow_and_attributes_of_members(st: &State) -> Result<(), String> {
    for (gid, g) in st.groups.iter() {
        if g.roster
            .allow
            .keys()
            .chain(g.attrs.keys())
            .any(|u| !g.roster.is_member(*u))
        {
            return Err(format!(
                "group {gid}: allow/attribute entry of a non-member"
            ));
        }
    }
    Ok(())
}

/// Members, block and mute entries and pending requests name live users.
fn lists_name_live_users(st: &State) -> Result<(), String> {
    for (gid, g) in st.groups.iter() {
        let r = &g.roster;
        if let Some(m) = r.members.iter().find(|m| st.users.get(m.id()).is_none()) {
            return Err(format!(
                "group {gid}: member {} is not a live user",
                m.name()
            ));
        }
        if r.blocks
            .keys()
            .chain(r.mutes.keys())
            .chain(g.applications.keys())
            .chain(g.invitations.keys())
            .any(|u| st.users.get(*u).is_none())
        {
            return Err(format!("group {gid}: a list names a deleted user"));
        }
    }
    Ok(())
}

/// thread members ⊆ group members.
fn thread_members_in_group(st: &State) -> Result<(), String> {
    for (gid, g) in st.groups.iter() {
        for (tid, t) in &g.threads {
            if t.members.iter().any(|m| !g.roster.is_member(m.id())) {
                return Err(format!("thread {tid}: member not in group {gid}"));
            }
        }
    }
    Ok(())
}

/// Each user's joined-groups index equals the groups that list them, within the per-user cap,
/// and only live users are indexed.
fn joined_groups_index_exact(st: &State) -> Result<(), String> {
    let mut want: BTreeMap<UserId, BTreeSet<&GroupId>> = BTreeMap::new();
    for (gid, g) in st.groups.iter() {
        for m in g.roster.members.iter() {
            want.entry(m.id()).or_default().insert(gid);
        }
    }
    let cap = st.limits.groups.groups_per_user_max as usize;
    for (u, x) in st.groups.users() {
        if st.users.get(*u).is_none() {
            return Err(format!("the groups index keeps deleted user {u:?}"));
        }
        let have: BTreeSet<&GroupId> = x.groups.keys().collect();
        let listed = want.remove(u).unwrap_or_default();
        if have != listed {
            return Err(format!(
                "user {u:?}: joined-groups index {have:?} differs from the groups {listed:?}"
            ));
        }
        if have.len() > cap {
            return Err(format!("user {u:?}: over the joined-groups cap"));
        }
    }
    if let Some(u) = want.keys().next() {
        return Err(format!("user {u:?} is a member but not indexed"));
    }
    Ok(())
}

/// Each user's joined-threads index equals the threads that list them (with their group),
/// within the per-user cap; link sequences are within the user's sequence.
fn joined_threads_index_exact(st: &State) -> Result<(), String> {
    let mut want: BTreeMap<UserId, BTreeSet<(&ThreadId, &GroupId)>> = BTreeMap::new();
    for (gid, g) in st.groups.iter() {
        for (tid, t) in &g.threads {
            for m in t.members.iter() {
                want.entry(m.id()).or_default().insert((tid, gid));
            }
        }
    }
    let cap = st.limits.groups.threads_per_user_max;
    for (u, x) in st.groups.users() {
        let have: BTreeSet<(&ThreadId, &GroupId)> =
            x.threads.iter().map(|(t, l)| (t, &l.group)).collect();
        let listed = want.remove(u).unwrap_or_default();
        if have != listed {
            return Err(format!(
                "user {u:?}: joined-threads index {have:?} differs from the threads {listed:?}"
            ));
        }
        if have.len() > cap {
            return Err(format!("user {u:?}: over the threads cap"));
        }
        if x.threads.values().any(|l| l.seq > x.thread_seq) {
            return Err(format!("user {u:?}: a thread link above their sequence"));
        }
    }
    if let Some(u) = want.keys().next() {
        return Err(format!("user {u:?} is in a thread but not indexed"));
    }
    Ok(())
}

/// Each user's `listed` index covers every group whose block list, mute list or pending
/// requests name them (the delete cascade follows it).
fn listed_index_covers_lists(st: &State) -> Result<(), String> {
    for (gid, g) in st.groups.iter() {
        let r = &g.roster;
        for u in r
            .blocks
            .keys()
            .chain(r.mutes.keys())
            .chain(g.applications.keys())
            .chain(g.invitations.keys())
        {
            if !st.groups.user(*u).is_some_and(|x| x.listed.contains(gid)) {
                return Err(format!(
                    "group {gid} lists user {u:?} but their index misses it"
                ));
            }
        }
    }
    Ok(())
}
