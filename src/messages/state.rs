//! The messages area's records: a stored message, a user's offline queue and roaming marks,
//! an attachment's metadata, a reaction. The table that holds and indexes them is the store's
//! ([`crate::store::Messages`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::model::{ChatType, Json, MsgType, Priority};
use std::sync::Arc;

use super::routes::{Fanout, Routes};
use crate::ids::{GroupId, MessageId, RoomId, ThreadId, UserId, UserName};
use crate::time::Timestamp;

/// Where a stored message went.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Target {
    /// A user, by the name the request gave (folded), with their id when they existed.
    User(UserName, Option<UserId>),
    /// A name that is no legal username (server origin: accepted, reaching nobody).
    Nobody(Box<str>),
    /// A group.
    Group(GroupId),
    /// A thread, with its group.
    Thread(ThreadId, GroupId),
    /// A chatroom.
    Room(RoomId),
    /// Every room a broadcast reached.
    Broadcast(Box<[RoomId]>),
}

impl Target {
    /// The target as text (the `to` of replies, exports and recalls).
    pub fn text(&self) -> String {
        match self {
            Target::User(n, _) => n.to_string(),
            Target::Nobody(s) => s.to_string(),
            Target::Group(g) => g.to_string(),
            Target::Thread(t, _) => t.to_string(),
            Target::Room(r) => r.to_string(),
            Target::Broadcast(rooms) => rooms
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// The user it went to, if a registered one.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Target::User(_, id) => *id,
            _ => None,
        }
    }
}

/// Send flags.
pub(crate) const ROUTE_ONLINE: u8 = 1;
/// `sync_device` was set.
pub(crate) const SYNC_DEVICE: u8 = 2;
/// `need_group_ack` was set.
pub(crate) const NEED_GROUP_ACK: u8 = 4;

/// One stored message (one accepted target of a send).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Message {
    pub chat_type: ChatType,
    /// The sender's name (`None`: the system sender, shown as `admin`).
    pub from: Option<UserName>,
    /// The sender's id while they are registered (a kept group or room message of a deleted
    /// user loses it; the name stays as history shows it).
    pub from_id: Option<UserId>,
    pub to: Target,
    pub msg_type: MsgType,
    pub body: Json,
    /// `None`: none given (read as `{}`).
    pub ext: Option<Json>,
    /// `msg_timestamp` if given, else the acceptance time.
    pub timestamp: Timestamp,
    pub accepted_at: Timestamp,
    /// A directed message's users (members it was meant for).
    pub directed: Option<Box<[UserId]>>,
    /// `ROUTE_ONLINE`, `SYNC_DEVICE`, `NEED_GROUP_ACK`.
    pub flags: u8,
    pub priority: Priority,
    /// Users whose roaming view does not show it.
    pub roam_ignore: Box<[UserId]>,
    pub edits: u32,
    /// Attachments the body links (uuids).
    pub attachments: Box<[Box<str>]>,
    /// Users whose offline queue got it (a superset: entries acknowledged or evicted since
    /// stay listed), so that a recall finds them; a one-to-one message's recipient is not
    /// listed (its target names them: see [`Message::queued_users`]).
    pub queued_for: QueuedFor,
}

impl Message {
    /// Whether it went to a thread.
    pub fn is_thread(&self) -> bool {
        matches!(self.to, Target::Thread(..))
    }

    /// Every user whose offline queue may hold it: the listed ones, and a one-to-one
    /// message's recipient.
    pub fn queued_users(&self) -> impl Iterator<Item = UserId> + '_ {
        let recipient = match self.chat_type {
            ChatType::Chat => self.to.user_id(),
            _ => None,
        };
        self.queued_for.iter().copied().chain(recipient)
    }

    /// The group it belongs to (groups and threads).
    pub fn group(&self) -> Option<&GroupId> {
        match &self.to {
            Target::Group(g) | Target::Thread(_, g) => Some(g),
            _ => None,
        }
    }
}

/// The users whose offline queue got a message: a list, or the routes of the send itself
/// (a group or thread send: its queued members are the clear bits of the routes' online set,
/// so the send builds no list of them and the message shares the routes' allocation, which
/// keeps the roster snapshot of the send alive while the message is stored). Serialized as
/// the list of users, whichever form, and shown as it. 16 bytes.
#[derive(Clone)]
pub(crate) enum QueuedFor {
    /// These users.
    Users(Box<[UserId]>),
    /// The users a group or thread send's routes queued.
    Routes(Arc<Fanout>),
}

impl Default for QueuedFor {
    fn default() -> QueuedFor {
        QueuedFor::Users(Box::new([]))
    }
}

impl QueuedFor {
    /// The queued users of `routes`: its shared member-list form when it has one, else a
    /// list.
    pub fn of(routes: &Routes) -> QueuedFor {
        match routes.shared() {
            Some(f) => QueuedFor::Routes(f.clone()),
            None => QueuedFor::Users(routes.queued().copied().collect()),
        }
    }

    /// The users, in the order they were queued.
    pub fn iter(&self) -> impl Iterator<Item = &UserId> {
        let (list, routes) = match self {
            QueuedFor::Users(v) => (Some(v.iter()), None),
            QueuedFor::Routes(f) => (None, Some(f.queued())),
        };
        list.into_iter()
            .flatten()
            .chain(routes.into_iter().flatten())
    }

    /// Keeps only the users `keep` accepts (a routes form becomes a list if one goes).
    pub fn retain(&mut self, keep: impl Fn(&UserId) -> bool) {
        if self.iter().all(&keep) {
            return;
        }
        let kept = self.iter().copied().filter(|u| keep(u)).collect();
        *self = QueuedFor::Users(kept);
    }
}

impl std::fmt::Debug for QueuedFor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl serde::Serialize for QueuedFor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        // The length first (formats such as postcard need it).
        let mut seq = s.serialize_seq(Some(self.iter().count()))?;
        for u in self.iter() {
            seq.serialize_element(u)?;
        }
        seq.end()
    }
}

impl<'de> serde::Deserialize<'de> for QueuedFor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<QueuedFor, D::Error> {
        Vec::<UserId>::deserialize(d).map(|v| QueuedFor::Users(v.into()))
    }
}

/// An offline-queue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Queued {
    pub msg: MessageId,
    pub at: Timestamp,
}

/// A conversation from one user's side: the chat type and the peer (a user name, `admin` for
/// the system sender, a group, thread or room id).
pub(crate) type ConvKey = (ChatType, Box<str>);

/// One user's message state: offline queues and roaming marks.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct UserMessages {
    /// Undelivered one-to-one messages, oldest first.
    pub offline_chat: VecDeque<Queued>,
    /// Undelivered group messages, oldest first.
    pub offline_group: VecDeque<Queued>,
    /// Messages hidden from their roaming view by id.
    pub hidden: BTreeSet<MessageId>,
    /// Their roaming is cleared up to (including) this instant.
    pub cleared_all: Option<Timestamp>,
    /// Per conversation: roaming cleared up to (including) this instant.
    pub cleared: BTreeMap<ConvKey, Timestamp>,
    /// Conversations deleted from their list: hidden until a message after this id arrives.
    pub deleted: BTreeMap<ConvKey, MessageId>,
}

impl UserMessages {
    /// Whether nothing is kept for them.
    pub fn is_empty(&self) -> bool {
        self.offline_chat.is_empty()
            && self.offline_group.is_empty()
            && self.hidden.is_empty()
            && self.cleared_all.is_none()
            && self.cleared.is_empty()
            && self.deleted.is_empty()
    }
}

/// An attachment's metadata (the bytes are the host's).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Attachment {
    pub filename: String,
    pub size: u64,
    pub restrict: bool,
    pub secret: Box<str>,
    pub is_image: bool,
    /// Thumbnail metadata: `None` for non-images and for images small enough to be their own.
    pub thumb: Option<(u32, u32)>,
    pub created: Timestamp,
    /// The uploader (`None`: the app admin, or a deleted user).
    pub uploader: Option<UserId>,
    /// The message that links it.
    pub msg: Option<MessageId>,
}

/// One reaction on a message.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Reaction {
    /// Its id (from the app's counter).
    pub id: u64,
    pub reaction: Box<str>,
    pub created: Timestamp,
    pub updated: Timestamp,
    /// Who added it, in add order.
    pub users: Vec<(UserId, UserName)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Route;

    /// A group send's queued members kept as its routes read, serialize and shrink as the
    /// list they stand for.
    #[test]
    fn queued_for_as_routes_reads_as_its_list() {
        let users: Arc<[UserId]> = (0..70).map(UserId).collect();
        let routes = Routes::fanout(
            users,
            |u| u.0.is_multiple_of(2),
            Route::OfflineQueued,
            Some(UserId(1)),
            Some(UserId(1)),
        );
        let mut q = QueuedFor::of(&routes);
        let want: Vec<UserId> = (3..70).step_by(2).map(UserId).collect();
        assert_eq!(q.iter().copied().collect::<Vec<_>>(), want);
        let list = QueuedFor::Users(want.clone().into());
        assert_eq!(
            serde_json::to_string(&q).unwrap(),
            serde_json::to_string(&list).unwrap()
        );
        assert_eq!(
            postcard::to_stdvec(&q).unwrap(),
            postcard::to_stdvec(&list).unwrap()
        );
        assert_eq!(format!("{q:?}"), format!("{list:?}"));
        q.retain(|u| u.0 != 2);
        assert!(matches!(q, QueuedFor::Routes(_)), "nobody left: unchanged");
        q.retain(|u| u.0 != 3);
        assert_eq!(q.iter().copied().collect::<Vec<_>>(), want[1..]);
    }

    /// Stored messages sit in the id index's B-tree nodes: their size is memory and copying.
    #[test]
    fn a_message_stays_small() {
        assert_eq!(std::mem::size_of::<QueuedFor>(), 16);
        assert!(
            std::mem::size_of::<Message>() <= 224,
            "{}",
            std::mem::size_of::<Message>()
        );
    }
}
