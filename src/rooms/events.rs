//! The chatrooms area's events.

use serde::{Deserialize, Serialize};

use crate::ids::{RoomId, UserName};
use crate::time::Expiry;

/// Why a member left a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomExitReason {
    /// They left.
    Left,
    /// An admin or the owner removed them.
    Kicked,
    /// They were blocked.
    Blocked,
    /// They were offline too long.
    Offline,
    /// The room was deleted.
    RoomDestroyed,
    /// The user was deleted.
    UserDeleted,
}

/// Events of the chatrooms area (spec 03 §3.10). `operator: None` is the app admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RoomEvent {
    /// A room was created.
    RoomCreated {
        /// Which.
        room: RoomId,
        /// Its owner.
        owner: UserName,
    },
    /// A room was deleted (its members each get `MemberExited{RoomDestroyed}` first).
    RoomDestroyed {
        /// Which.
        room: RoomId,
    },
    /// Name, description, maxusers or custom changed.
    RoomInfoChanged {
        /// Which.
        room: RoomId,
        /// The fields supplied, vendor names.
        fields: Vec<String>,
    },
    /// The announcement changed.
    AnnouncementChanged {
        /// Which.
        room: RoomId,
        /// The new text ("" cleared it).
        text: String,
    },
    /// Ownership moved.
    OwnerChanged {
        /// Which.
        room: RoomId,
        /// Before.
        old: UserName,
        /// After.
        new: UserName,
    },
    /// Someone became a member.
    MemberJoined {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone stopped being a member.
    MemberExited {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
        /// Why.
        reason: RoomExitReason,
    },
    /// A member was made admin.
    AdminAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// An admin lost the role.
    AdminRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// A member was muted (or re-muted).
    MuteListAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
        /// Until when.
        expire: Expiry,
    },
    /// A mute was lifted.
    MuteListRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// A timed mute lapsed (reported by [`crate::expiry::Expire`], once).
    MuteExpired {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Mute-all changed.
    AllMemberMuteChanged {
        /// Which.
        room: RoomId,
        /// Now muted?
        muted: bool,
    },
    /// Someone was added to the allow list.
    AllowListAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone was removed from the allow list.
    AllowListRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone was blocked.
    BlockListAdded {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Someone was unblocked.
    BlockListRemoved {
        /// Which.
        room: RoomId,
        /// Who.
        user: UserName,
    },
    /// Attribute keys were set.
    AttributesUpdated {
        /// Which.
        room: RoomId,
        /// The keys written, in request order.
        keys: Vec<String>,
        /// Who wrote them (`None`: the app admin).
        operator: Option<UserName>,
    },
    /// Attribute keys were removed (by a delete, or automatically on departure).
    AttributesRemoved {
        /// Which.
        room: RoomId,
        /// The keys removed.
        keys: Vec<String>,
        /// Who removed them (`None`: the app admin); on departure, the departing user.
        operator: Option<UserName>,
    },
}
