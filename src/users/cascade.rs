//! Deleting a user and everything of theirs (spec 01 §6; the groups and chatrooms parts are
//! spec 02 §14 and spec 03 §3.11, run by those areas; the messages part is spec 03 §4 and
//! spec 01 §6 item 3). This is also the GDPR erase (§16): its counterpart, the export, is
//! `export.rs`, and whatever the export shows of a user the cascade removes.

use super::UserView;
use super::records::NotifyKey;
use crate::command::{DisconnectReason, Event};
use crate::engine::Ctx;
use crate::ids::{UserId, UserName};

/// Deletes a live user with the whole cascade, in this order: the groups area (groups they own
/// are destroyed, they leave the others and every list there), the chatrooms area (likewise),
/// the messages area (their offline queue and roaming marks, their one-to-one messages, their
/// reactions; see `messages::cascade`),
/// their sessions (`ForceDisconnect{UserRemoved}` each), friend edges on both sides with the
/// friends' remarks about them (`ContactRemoved` from the friend's side, friends in
/// registration order), their
/// name in other users' block lists and their own block list, tokens, attributes and the bytes
/// they used, global mutes (with their deadlines), presence (their statuses, the
/// subscriptions they hold and every subscription to their name), push settings and device
/// bindings (and other users' one-to-one notification settings about them), their
/// offline-since time (and the rooms' copy), and the indexes; then `UserDeleted`. The name is
/// free for reuse afterwards; the id is never reused.
pub(crate) fn delete_user(cx: &mut Ctx<'_>, id: UserId) -> UserView {
    let (view, name) = {
        let u = cx.st.users.get(id).expect("the caller found the user");
        (UserView::of(u), u.name.clone())
    };
    // Other areas unlink the user first: groups and rooms they own are dissolved, and they
    // leave every roster and list there.
    crate::groups::on_user_deleted(cx, id, &name);
    crate::rooms::on_user_deleted(cx, id, &name);
    // Their offline queue, roaming, one-to-one history and reactions (spec 01 §6 item 3).
    crate::messages::cascade::on_user_deleted(cx, id);
    // Their RongCloud lifecycle state, and their id in other users' allow lists.
    crate::lifecycle::on_user_deleted(cx, id);
    cx.st.rooms.set_offline(id, None);
    forget_presence_and_push(cx, id, &name);
    let user = cx.st.users.remove(id).expect("still indexed");
    let extra = user.extra.unwrap_or_default();
    for sess in &extra.sessions {
        cx.emit(Event::ForceDisconnect {
            user: name.clone(),
            resource: sess.resource.to_string(),
            reason: DisconnectReason::UserRemoved,
        });
    }
    let users = &mut cx.st.users;
    // Friend edges and the friends' remarks about this user, friends in registration order.
    let mut friends: Vec<(u64, UserId)> = user
        .contacts
        .iter()
        .map(|(f, _)| (users.get(f).map_or(0, |u| u.seq), f))
        .collect();
    friends.sort_unstable();
    for (_, f) in &friends {
        if let Some(fu) = users.get_mut(*f)
            && fu.contacts.remove(id).is_some()
        {
            if let Some(x) = fu.extra.as_deref_mut() {
                x.remarks.remove(&id);
            }
            cx.out.push(Event::ContactRemoved {
                owner: fu.name.clone(),
                friend: name.clone(),
            });
        }
    }
    // This user's name in other users' block lists, and the reverse index of theirs.
    for b in &extra.blocked_by {
        if let Some(x) = users.get_mut(*b).and_then(|bu| bu.extra.as_deref_mut())
            && let Ok(i) = x.blocks.binary_search_by_key(&id, |e| e.0)
        {
            x.blocks.remove(i);
        }
    }
    for (t, _) in &extra.blocks {
        if let Some(x) = users.get_mut(*t).and_then(|tu| tu.extra.as_deref_mut())
            && let Ok(i) = x.blocked_by.binary_search(&id)
        {
            x.blocked_by.remove(i);
        }
    }
    // Tokens, attribute bytes, mutes.
    for t in &extra.tokens {
        users.tokens.remove(t);
    }
    users.attr_total -= extra.attr_bytes;
    users.muted.remove(&name);
    cx.emit(Event::UserDeleted {
        user: name,
        uuid: view.uuid.clone(),
    });
    view
}

/// Presence subscriptions held by and to the user, and the one-to-one notification settings
/// that name them: theirs about others (the reverse index) and others' about them.
pub(crate) fn forget_presence_and_push(cx: &mut Ctx<'_>, id: UserId, name: &UserName) {
    let users = &mut cx.st.users;
    users.subscriptions.drop_subscriber(id);
    users.subscriptions.drop_target(name);
    let peers: Vec<UserName> = users
        .get(id)
        .and_then(|u| u.extra())
        .and_then(|x| x.push.as_deref())
        .map(|p| {
            p.conversations
                .keys()
                .filter_map(|k| match k {
                    NotifyKey::User(peer) => Some(peer.clone()),
                    NotifyKey::Group(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for peer in &peers {
        users.note_notified(peer, id, false);
    }
    let holders = users.notified_about.remove(name).unwrap_or_default();
    let key = NotifyKey::User(name.clone());
    for h in holders {
        if let Some(x) = users.get_mut(h).and_then(|u| u.extra.as_deref_mut())
            && let Some(p) = x.push.as_deref_mut()
        {
            p.conversations.remove(&key);
            if p.is_empty() {
                x.push = None;
            }
        }
    }
}
