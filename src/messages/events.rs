//! The messages area's events: what the host turns into deliveries, recall notices, callbacks
//! and byte clean-up.

use serde::{Deserialize, Serialize};

use super::model::ChatType;
use super::routes::Routes;
use crate::ids::{MessageId, UserName};

/// Events of the messages area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MessageEvent {
    /// A target accepted a message: deliver it along `routes` (the same routes the send's
    /// reply carries): push it to the `Online` users, queue nothing more for the
    /// `OfflineQueued` ones (the engine did), sync the sender's other devices on
    /// `SenderSync`.
    Sent {
        /// The message.
        msg_id: MessageId,
        /// Its chat type.
        chat_type: ChatType,
        /// The sender (`None`: the system sender).
        from: Option<UserName>,
        /// The target as the request named it.
        to: String,
        /// One route per receiving user (shared with the reply; see [`Routes`]).
        routes: Routes,
    },
    /// A message was recalled (`MessageRecalled`, spec 03 §3.10): tell its recipients.
    Recalled {
        /// The message.
        msg_id: MessageId,
        /// Its chat type, as the recall named it.
        chat_type: String,
        /// The recall's `from`.
        from: String,
        /// The recall's `to`.
        to: String,
        /// Whether a stored message was removed (false: a forced recall of a message the
        /// engine no longer holds; only the notice goes out).
        removed: bool,
    },
    /// A message's body or ext was rewritten.
    Rewritten {
        /// The message.
        msg_id: MessageId,
        /// Edits so far.
        edits: u32,
    },
    /// A user removed a conversation from their list.
    ConversationDeleted {
        /// Whose list.
        user: UserName,
        /// The peer user, group or room.
        channel: String,
        /// Its chat type.
        chat_type: ChatType,
    },
    /// Attachments are gone (recalled, erased with a user, expired): the host drops their
    /// bytes.
    AttachmentsDropped {
        /// Their uuids.
        uuids: Vec<String>,
    },
    /// A user added a reaction to a message.
    ReactionAdded {
        /// The message.
        msg_id: MessageId,
        /// Who.
        user: UserName,
        /// The reaction.
        reaction: String,
    },
    /// A user took a reaction back.
    ReactionRemoved {
        /// The message.
        msg_id: MessageId,
        /// Who.
        user: UserName,
        /// The reaction.
        reaction: String,
    },
}
