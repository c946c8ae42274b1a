//! The messages table: stored messages by id (id order is acceptance order, so the oldest is
//! first) and by `(timestamp, id)` for the hourly export; per user the offline queues and
//! roaming marks; attachments by uuid and in upload order; reactions per message; the rooms
//! that carried a message (broadcast reaches them); recent broadcasts (their rate limit); and
//! the app's total of offline entries.
//!
//! The indexes change only through the methods here, which keep them in step: a message goes
//! in with [`Messages::insert`] and out with [`Messages::remove`] (which also drops its
//! reactions and unlinks its attachments); offline entries go through [`Messages::enqueue`],
//! [`Messages::dequeue`] and [`Messages::drop_user`], which keep `offline_total`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::Map;
use crate::ids::{MessageId, RoomId, UserId};
use crate::messages::state::{Attachment, Message, Queued, Reaction, UserMessages};
use crate::time::Timestamp;

/// The messages table.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Messages {
    /// Stored messages; the first is the oldest.
    by_id: BTreeMap<MessageId, Message>,
    /// `(timestamp, id)` of every stored message.
    by_time: BTreeSet<(Timestamp, MessageId)>,
    /// Per-user offline queues and roaming marks (only users with something kept).
    #[serde(with = "crate::store::sorted")]
    users: Map<UserId, UserMessages>,
    /// Offline entries in the app: the sum of every user's queue lengths.
    offline_total: u64,
    /// Attachments by uuid.
    #[serde(with = "crate::store::sorted")]
    attachments: Map<Box<str>, Attachment>,
    /// `(created, uuid)` in upload order, for expiry.
    attachment_order: VecDeque<(Timestamp, Box<str>)>,
    /// Reactions per stored message, in the order they were first added.
    #[serde(with = "crate::store::sorted")]
    reactions: Map<MessageId, Vec<Reaction>>,
    /// Rooms that have carried at least one message.
    pub rooms_used: BTreeSet<RoomId>,
    /// When the broadcasts of the last day went out, oldest first.
    pub broadcasts: VecDeque<Timestamp>,
}

/// One fixed rate window: which window (`now` divided by its length) and how many sends it
/// has counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Window {
    /// The window's number (`now_ms / length_ms`).
    pub at: i64,
    /// Sends counted in it.
    pub count: u64,
}

impl Window {
    /// The count in window `at` (0 in a later window).
    pub fn count_in(&self, at: i64) -> u64 {
        if self.at == at { self.count } else { 0 }
    }

    /// Counts `n` more in window `at`.
    pub fn add(&mut self, at: i64, n: u64) {
        *self = Window {
            at,
            count: self.count_in(at) + n,
        };
    }
}

/// The send rate windows, one per rate: one-to-one per minute, then group, room and directed
/// sends per second (indexed by the rate's position, see `messages::send::send_rate`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SendWindows(pub [Window; 4]);

/// Which offline queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Queue {
    /// One-to-one messages.
    Chat,
    /// Group (and thread) messages.
    Group,
}

impl Messages {
    /// How many messages are stored.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// A stored message.
    pub fn get(&self, id: MessageId) -> Option<&Message> {
        self.by_id.get(&id)
    }

    /// A stored message, to change (its timestamp and target never change).
    pub fn get_mut(&mut self, id: MessageId) -> Option<&mut Message> {
        self.by_id.get_mut(&id)
    }

    /// Every stored message, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (MessageId, &Message)> {
        self.by_id.iter().map(|(k, v)| (*k, v))
    }

    /// Every stored message, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (MessageId, &mut Message)> {
        self.by_id.iter_mut().map(|(k, v)| (*k, v))
    }

    /// The ids of the messages whose timestamp is in `[from, to)`, by timestamp then id.
    pub fn between(&self, from: Timestamp, to: Timestamp) -> impl Iterator<Item = MessageId> + '_ {
        self.by_time
            .range((from, MessageId(0))..(to, MessageId(0)))
            .map(|(_, id)| *id)
    }

    /// The oldest stored message.
    pub fn oldest(&self) -> Option<(MessageId, &Message)> {
        self.by_id.first_key_value().map(|(k, v)| (*k, v))
    }

    /// Stores a message under a fresh id (larger than every stored one).
    pub fn insert(&mut self, id: MessageId, m: Message) {
        debug_assert!(self.by_id.last_key_value().is_none_or(|(k, _)| *k < id));
        self.by_time.insert((m.timestamp, id));
        for uuid in &m.attachments {
            if let Some(a) = self.attachments.get_mut(uuid) {
                a.msg = Some(id);
            }
        }
        self.by_id.insert(id, m);
    }

    /// Takes a message out of the store with its reactions, and unlinks its attachments
    /// (they stay until they expire; a recall deletes them itself).
    pub fn remove(&mut self, id: MessageId) -> Option<Message> {
        let m = self.by_id.remove(&id)?;
        self.by_time.remove(&(m.timestamp, id));
        self.reactions.remove(&id);
        for uuid in &m.attachments {
            if let Some(a) = self.attachments.get_mut(uuid)
                && a.msg == Some(id)
            {
                a.msg = None;
            }
        }
        Some(m)
    }

    // ---- per-user state

    /// A user's message state.
    pub fn user(&self, u: UserId) -> Option<&UserMessages> {
        self.users.get(&u)
    }

    /// A user's roaming marks, to change (not their queues: those go through
    /// [`Messages::enqueue`] and [`Messages::dequeue`]).
    pub fn marks_mut(&mut self, u: UserId) -> &mut UserMessages {
        self.users.entry(u).or_default()
    }

    /// Drops a user's state if nothing is kept in it.
    pub fn tidy(&mut self, u: UserId) {
        if self.users.get(&u).is_some_and(UserMessages::is_empty) {
            self.users.remove(&u);
        }
    }

    /// Every user with state.
    pub fn users(&self) -> impl Iterator<Item = (UserId, &UserMessages)> {
        self.users.iter().map(|(k, v)| (*k, v))
    }

    /// Drops a user's whole state; the offline entries it held.
    pub fn drop_user(&mut self, u: UserId) -> Option<UserMessages> {
        let x = self.users.remove(&u)?;
        self.offline_total -= (x.offline_chat.len() + x.offline_group.len()) as u64;
        Some(x)
    }

    /// Queues a message for a user, evicting the oldest entries of that queue to keep at most
    /// `cap` (OPEN 9) and the entries past `retention`.
    pub fn enqueue(&mut self, u: UserId, q: Queue, e: Queued, cap: usize, keep_after: Timestamp) {
        let x = self.users.entry(u).or_default();
        let queue = match q {
            Queue::Chat => &mut x.offline_chat,
            Queue::Group => &mut x.offline_group,
        };
        let before = queue.len();
        while queue.front().is_some_and(|f| f.at <= keep_after) {
            queue.pop_front();
        }
        while queue.len() >= cap.max(1) {
            queue.pop_front();
        }
        queue.push_back(e);
        self.offline_total = self.offline_total + queue.len() as u64 - before as u64;
    }

    /// Takes a message out of a user's queues; whether it was there.
    pub fn dequeue(&mut self, u: UserId, msg: MessageId) -> bool {
        let Some(x) = self.users.get_mut(&u) else {
            return false;
        };
        let mut gone = 0;
        for queue in [&mut x.offline_chat, &mut x.offline_group] {
            // Entries are appended in id order.
            if let Ok(i) = queue.binary_search_by_key(&msg, |e| e.msg) {
                queue.remove(i);
                gone += 1;
            }
        }
        self.offline_total -= gone;
        self.tidy(u);
        gone > 0
    }

    // ---- attachments

    /// An attachment.
    pub fn attachment(&self, uuid: &str) -> Option<&Attachment> {
        self.attachments.get(uuid)
    }

    /// Every attachment, in no particular order.
    pub fn attachments(&self) -> impl Iterator<Item = (&str, &Attachment)> {
        self.attachments.iter().map(|(k, v)| (&**k, v))
    }

    /// Every attachment, to change.
    pub fn attachments_mut(&mut self) -> impl Iterator<Item = (&str, &mut Attachment)> {
        self.attachments.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// Keeps a new attachment (the caller checked the uuid is free).
    pub fn add_attachment(&mut self, uuid: Box<str>, a: Attachment) {
        self.attachment_order.push_back((a.created, uuid.clone()));
        self.attachments.insert(uuid, a);
    }

    /// Deletes an attachment (and its link from its message); whether it was there.
    pub fn delete_attachment(&mut self, uuid: &str) -> bool {
        let Some(a) = self.attachments.remove(uuid) else {
            return false;
        };
        if let Some(m) = a.msg.and_then(|id| self.by_id.get_mut(&id)) {
            let kept: Vec<Box<str>> = m
                .attachments
                .iter()
                .filter(|u| &***u != uuid)
                .cloned()
                .collect();
            m.attachments = kept.into();
        }
        // Its order entry goes when it reaches the front (`expire_attachments`).
        true
    }

    /// Deletes the attachments created at or before `cutoff`, oldest first; their uuids.
    pub fn expire_attachments(&mut self, cutoff: Timestamp) -> Vec<String> {
        let mut gone = Vec::new();
        while let Some((at, uuid)) = self.attachment_order.front().cloned() {
            let live = self.attachments.get(&uuid).is_some_and(|a| a.created == at);
            if live && at > cutoff {
                break;
            }
            self.attachment_order.pop_front();
            if live && self.delete_attachment(&uuid) {
                gone.push(uuid.into());
            }
        }
        gone
    }

    // ---- reactions

    /// A message's reactions.
    pub fn reactions(&self, id: MessageId) -> &[Reaction] {
        self.reactions.get(&id).map_or(&[], Vec::as_slice)
    }

    /// A stored message's reactions, to change.
    pub fn reactions_mut(&mut self, id: MessageId) -> &mut Vec<Reaction> {
        debug_assert!(self.by_id.contains_key(&id));
        self.reactions.entry(id).or_default()
    }

    /// Drops a message's reaction list once it is empty.
    pub fn tidy_reactions(&mut self, id: MessageId) {
        if self.reactions.get(&id).is_some_and(Vec::is_empty) {
            self.reactions.remove(&id);
        }
    }

    /// Every message's reactions.
    pub fn all_reactions(&self) -> impl Iterator<Item = (MessageId, &Vec<Reaction>)> {
        self.reactions.iter().map(|(k, v)| (*k, v))
    }

    /// Every message's reactions, to change.
    pub fn all_reactions_mut(&mut self) -> impl Iterator<Item = (&MessageId, &mut Vec<Reaction>)> {
        self.reactions.iter_mut()
    }

    /// Drops the empty reaction lists.
    pub fn tidy_all_reactions(&mut self) {
        self.reactions.retain(|_, v| !v.is_empty());
    }

    /// The indexes agree with the messages, and the offline total with the queues (an
    /// invariant).
    pub fn indexes_agree(&self) -> Result<(), String> {
        if self.by_time.len() != self.by_id.len() {
            return Err(format!(
                "{} time entries for {} messages",
                self.by_time.len(),
                self.by_id.len()
            ));
        }
        for (id, m) in &self.by_id {
            if !self.by_time.contains(&(m.timestamp, *id)) {
                return Err(format!("message {id} is not in the time index"));
            }
        }
        let total: usize = self
            .users
            .values()
            .map(|x| x.offline_chat.len() + x.offline_group.len())
            .sum();
        if total as u64 != self.offline_total {
            return Err(format!(
                "offline total {} but the queues hold {total}",
                self.offline_total
            ));
        }
        for id in self.reactions.keys() {
            if !self.by_id.contains_key(id) {
                return Err(format!(
                    "reactions kept for message {id}, which is not stored"
                ));
            }
        }
        let order: std::collections::HashSet<(Timestamp, &str)> = self
            .attachment_order
            .iter()
            .map(|(t, u)| (*t, &**u))
            .collect();
        for (uuid, a) in &self.attachments {
            if let Some(id) = a.msg {
                let linked = self
                    .by_id
                    .get(&id)
                    .is_some_and(|m| m.attachments.iter().any(|u| **u == **uuid));
                if !linked {
                    return Err(format!(
                        "attachment {uuid} links message {id}, which does not list it"
                    ));
                }
            }
            if !order.contains(&(a.created, &**uuid)) {
                return Err(format!("attachment {uuid} is not in the upload order"));
            }
        }
        Ok(())
    }
}
