//! What other areas' deletions do to messages, and the message checks of thread creation.
//!
//! - A user deleted (spec 01 §6 item 3, §16): their offline queue, roaming marks and
//!   conversation list go; the one-to-one messages they sent or received are erased (with
//!   their offline entries elsewhere, reactions and attachments); group and room messages they
//!   sent stay (OPEN 6c), shown under their name but no longer linked to them; their reactions
//!   and every other mention of them (directed lists, `roam_ignore_users`, offline lists,
//!   attachment uploader) go.
//! - A room deleted: its messages stay in history (spec 03 §3.2); it leaves the rooms
//!   broadcasts reach.
//! - A group or thread destroyed: messages are not touched (spec 02 §14).

use super::events::MessageEvent;
use super::model::ChatType;
use super::recall::remove_message;
use crate::command::Event;
use crate::engine::Ctx;
use crate::groups::GroupError;
use crate::ids::{GroupId, MessageId, RoomId, UserId};
use crate::store::State;
use crate::time::Timestamp;

/// The messages part of the user-deletion cascade, run while the user is still registered
/// (after the groups and rooms parts). Emits `AttachmentsDropped` when attachments went.
pub(crate) fn on_user_deleted(cx: &mut Ctx<'_>, u: UserId) {
    let st = &mut *cx.st;
    st.messages.drop_user(u);
    let erased: Vec<MessageId> = st
        .messages
        .iter()
        .filter(|(_, m)| m.chat_type == ChatType::Chat && super::history::involves(m, u))
        .map(|(id, _)| id)
        .collect();
    let mut dropped = Vec::new();
    for id in erased {
        dropped.extend(remove_message(st, id));
    }
    for (_, m) in st.messages.iter_mut() {
        if m.from_id == Some(u) {
            m.from_id = None;
        }
        if let Some(d) = &m.directed
            && d.contains(&u)
        {
            m.directed = Some(d.iter().copied().filter(|x| *x != u).collect());
        }
        if m.roam_ignore.contains(&u) {
            m.roam_ignore = m.roam_ignore.iter().copied().filter(|x| *x != u).collect();
        }
        m.queued_for.retain(|x| *x != u);
    }
    for (_, list) in st.messages.all_reactions_mut() {
        for r in list.iter_mut() {
            r.users.retain(|(x, _)| *x != u);
        }
        list.retain(|r| !r.users.is_empty());
    }
    st.messages.tidy_all_reactions();
    let theirs: Vec<String> = st
        .messages
        .attachments()
        .filter(|(_, a)| a.uploader == Some(u) && a.msg.is_none())
        .map(|(k, _)| k.to_string())
        .collect();
    for uuid in theirs {
        if st.messages.delete_attachment(&uuid) {
            dropped.push(uuid);
        }
    }
    for (_, a) in st.messages.attachments_mut() {
        if a.uploader == Some(u) {
            a.uploader = None;
        }
    }
    if !dropped.is_empty() {
        cx.emit(Event::Message(MessageEvent::AttachmentsDropped {
            uuids: dropped,
        }));
    }
}

/// The messages part of deleting a room: broadcasts no longer reach it.
pub(crate) fn on_room_deleted(st: &mut State, room: RoomId) {
    st.messages.rooms_used.remove(&room);
}

/// The message checks of thread creation (spec 02 H4), in order: `T_MSG_NOT_EXIST` (no such
/// stored message: unknown, recalled, evicted); `T_MSG_NOT_GROUP` (not a group message);
/// `T_MSG_OTHER_GROUP` (another group's); `T_NESTED` (a thread's message). `T_MSG_OTHER_APP`
/// cannot happen: message ids are per app, so another app's id names no message here.
pub(crate) fn check_thread_parent(
    st: &State,
    group: &GroupId,
    msg_id: &str,
    now: Timestamp,
) -> Result<(), GroupError> {
    let m = MessageId::parse(msg_id)
        .and_then(|id| st.messages.get(id))
        .filter(|m| super::history::kept(st, m, now))
        .ok_or(GroupError::ThreadMsgNotExist)?;
    if m.chat_type != ChatType::GroupChat {
        return Err(GroupError::ThreadMsgNotGroup);
    }
    if m.group() != Some(group) {
        return Err(GroupError::ThreadMsgOtherGroup);
    }
    if m.is_thread() {
        return Err(GroupError::ThreadNested);
    }
    Ok(())
}
