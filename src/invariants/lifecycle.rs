//! The lifecycle area's invariants (spec 04).

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::UserId;
use crate::limits::{TAG_BYTES_MAX, TAGS_PER_USER_MAX};
use crate::store::State;

/// Every lifecycle property.
pub(crate) fn check(st: &State) -> Result<(), String> {
    entries_name_live_users(st)?;
    allow_lists_consistent(st)?;
    tag_index_exact(st)?;
    closed_accounts_are_empty(st)?;
    Ok(())
}

/// Per-user entries, tombstones and login blocks belong to registered users; no entry is
/// empty; the login-block index agrees with itself; operation ids never pass the counter.
fn entries_name_live_users(st: &State) -> Result<(), String> {
    let life = &st.lifecycle;
    let live = |id: &UserId| st.users.get(*id).is_some();
    if let Some(id) = life.users.keys().find(|id| !live(id)) {
        return Err(format!("lifecycle entry for unknown user {id:?}"));
    }
    if let Some((id, _)) = life.users.iter().find(|(_, l)| l.is_empty()) {
        return Err(format!("empty lifecycle entry for {id:?}"));
    }
    if let Some(id) = life.closed.keys().find(|id| !live(id)) {
        return Err(format!("tombstone of unknown user {id:?}"));
    }
    if let Some((id, t)) = life.closed.iter().find(|(_, t)| t.op_id > life.op_seq) {
        return Err(format!(
            "tombstone of {id:?} has op {} past the counter",
            t.op_id
        ));
    }
    if !life.login_blocks.orders_agree() {
        return Err("login-block deadline index disagrees with itself".into());
    }
    if let Some((id, _)) = life.login_blocks.entries().find(|(id, _)| !live(id)) {
        return Err(format!("login block of unknown user {id:?}"));
    }
    Ok(())
}

/// Allow lists are sorted, unique, within the cap, name live users other than the owner, and
/// their sequence numbers are below the owner's counter.
fn allow_lists_consistent(st: &State) -> Result<(), String> {
    let cap = st.limits.lifecycle.allowlist_max;
    for (id, l) in &st.lifecycle.users {
        if l.allow.len() > cap {
            return Err(format!("{id:?} allows {} users", l.allow.len()));
        }
        if !l.allow.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err(format!("allow list of {id:?} not sorted and unique"));
        }
        for (o, seq) in &l.allow {
            if o == id || st.users.get(*o).is_none() || *seq >= l.allow_seq {
                return Err(format!("allow list of {id:?} has a bad entry {o:?}"));
            }
        }
    }
    Ok(())
}

/// The tag index holds exactly the users' tags; tags are within their limits.
fn tag_index_exact(st: &State) -> Result<(), String> {
    let mut want: BTreeMap<Box<str>, BTreeSet<UserId>> = BTreeMap::new();
    for (id, l) in &st.lifecycle.users {
        if l.tags.len() > TAGS_PER_USER_MAX
            || l.tags
                .iter()
                .any(|t| t.is_empty() || t.len() > TAG_BYTES_MAX)
        {
            return Err(format!("tags of {id:?} break their limits"));
        }
        for t in &l.tags {
            want.entry(t.clone()).or_default().insert(*id);
        }
    }
    if want != st.lifecycle.tag_index {
        return Err("tag index disagrees with the users' tags".into());
    }
    Ok(())
}

/// A closed account cannot be logged into: no sessions, no tokens, no login block, its grants
/// from before the closure revoked; and the lifecycle area's own data of it (portrait, tags,
/// allow list and mode) stays erased, since every lifecycle command refuses a closed id. (The
/// Easemob admin API is not checked against closed ids, as RongCloud's server API is not:
/// closure erased the rest, and the app must not write it again; spec 04 §3.)
fn closed_accounts_are_empty(st: &State) -> Result<(), String> {
    for (id, t) in &st.lifecycle.closed {
        let u = st.users.get(*id).expect("checked above");
        let dirty = u
            .extra()
            .is_some_and(|x| !x.sessions.is_empty() || !x.tokens.is_empty())
            || st.lifecycle.login_blocks.get(id).is_some();
        let l = st.lifecycle.user(*id);
        let life_dirty = l.is_some_and(|l| {
            l.portrait.is_some() || !l.tags.is_empty() || !l.allow.is_empty() || l.allowlist_mode
        }) || l
            .and_then(|l| l.valid_after)
            .is_none_or(|a| a < t.closed_at);
        if dirty || life_dirty {
            return Err(format!("closed account {} still holds data", u.name));
        }
    }
    Ok(())
}
