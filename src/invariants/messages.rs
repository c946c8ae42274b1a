//! The messages area's invariants.

use crate::ids::UserId;
use crate::messages::ChatType;
use crate::messages::state::{Message, Target};
use crate::store::State;

/// Every messages-area property, in turn.
pub(super) fn check(st: &State) -> Result<(), String> {
    indexes_agree(st)?;
    stored_within_cap(st)?;
    queues_within_caps(st)?;
    no_recipient_outside_the_target(st)?;
    no_reference_to_a_deleted_user(st)?;
    reactions_within_caps(st)?;
    Ok(())
}

/// The time index lists exactly the stored messages; the app's offline total equals the
/// entries in the queues; reactions are kept for stored messages only; an attachment's link
/// names a stored message that lists it.
fn indexes_agree(st: &State) -> Result<(), String> {
    st.messages.indexes_agree()
}

/// Stored messages ≤ the app's `stored_max`; message ids increase with acceptance time.
fn stored_within_cap(st: &State) -> Result<(), String> {
    let cap = st.limits.messages.stored_max.max(1);
    if st.messages.len() > cap {
        return Err(format!("{} messages stored, cap {cap}", st.messages.len()));
    }
    Ok(())
}

/// Each user's queues hold at most their caps, in id order, and no room messages.
fn queues_within_caps(st: &State) -> Result<(), String> {
    let l = &st.limits.messages;
    for (u, x) in st.messages.users() {
        if x.offline_chat.len() > l.offline_chat_max.max(1)
            || x.offline_group.len() > l.offline_group_max.max(1)
        {
            return Err(format!("user {u:?}: offline queue over its cap"));
        }
        for q in [&x.offline_chat, &x.offline_group] {
            if !q.iter().zip(q.iter().skip(1)).all(|(a, b)| a.msg < b.msg) {
                return Err(format!("user {u:?}: offline queue out of id order"));
            }
        }
        for e in x.offline_chat.iter().chain(&x.offline_group) {
            if st
                .messages
                .get(e.msg)
                .is_some_and(|m| m.chat_type == ChatType::ChatRoom)
            {
                return Err(format!(
                    "user {u:?}: a room message {} is queued offline",
                    e.msg
                ));
            }
        }
    }
    Ok(())
}

/// No message was queued for a user outside its target: a one-to-one message only for its
/// receiver, a directed one only for its listed users, a room message for nobody.
fn no_recipient_outside_the_target(st: &State) -> Result<(), String> {
    for (id, m) in st.messages.iter() {
        let ok = |u: &UserId| match (&m.to, &m.directed) {
            (Target::User(_, r), _) => Some(*u) == *r,
            (Target::Room(_) | Target::Broadcast(_) | Target::Nobody(_), _) => false,
            (_, Some(d)) => d.contains(u),
            (_, None) => true,
        };
        if let Some(u) = m.queued_for.iter().find(|u| !ok(u)) {
            return Err(format!(
                "message {id} was queued for {u:?}, outside its target"
            ));
        }
    }
    Ok(())
}

fn live(st: &State, u: UserId) -> bool {
    st.users.get(u).is_some()
}

fn message_users(m: &Message) -> impl Iterator<Item = UserId> + '_ {
    m.from_id
        .into_iter()
        .chain(m.to.user_id())
        .chain(m.directed.iter().flat_map(|d| d.iter().copied()))
        .chain(m.roam_ignore.iter().copied())
        .chain(m.queued_for.iter().copied())
}

/// Every user a message, a queue, a mark, a reaction or an attachment names is registered.
fn no_reference_to_a_deleted_user(st: &State) -> Result<(), String> {
    for (id, m) in st.messages.iter() {
        if let Some(u) = message_users(m).find(|u| !live(st, *u)) {
            return Err(format!("message {id} names deleted user {u:?}"));
        }
    }
    if let Some((u, _)) = st.messages.users().find(|(u, _)| !live(st, *u)) {
        return Err(format!("message state kept for deleted user {u:?}"));
    }
    for (id, list) in st.messages.all_reactions() {
        for r in list {
            if let Some((u, _)) = r.users.iter().find(|(u, _)| !live(st, *u)) {
                return Err(format!(
                    "message {id}: reaction {} by deleted user {u:?}",
                    r.reaction
                ));
            }
        }
    }
    for (uuid, a) in st.messages.attachments() {
        if let Some(u) = a.uploader.filter(|u| !live(st, *u)) {
            return Err(format!("attachment {uuid} uploaded by deleted user {u:?}"));
        }
    }
    Ok(())
}

/// At most `reactions_per_message_max` distinct reactions per message, each with at least one
/// user and no user twice.
fn reactions_within_caps(st: &State) -> Result<(), String> {
    let max = st.limits.messages.reactions_per_message_max;
    for (id, list) in st.messages.all_reactions() {
        if list.len() > max || list.is_empty() {
            return Err(format!("message {id}: {} reactions", list.len()));
        }
        for r in list {
            let mut users: Vec<UserId> = r.users.iter().map(|(u, _)| *u).collect();
            users.sort_unstable();
            users.dedup();
            if users.is_empty() || users.len() != r.users.len() {
                return Err(format!(
                    "message {id}: reaction {} has no or repeated users",
                    r.reaction
                ));
            }
        }
    }
    Ok(())
}
