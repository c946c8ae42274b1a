//! The groups area's events (spec §15). Each names the group (and thread) by id and users by
//! name; they come back from the call that caused them, in order.

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, ThreadId, UserName};
use crate::time::Expiry;

/// Why a member left a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaveReason {
    /// They left by themself.
    Quit,
    /// An owner, admin or the app admin removed them.
    Kick,
    /// They were put on the block list.
    Block,
    /// The group was destroyed, or the user was deleted.
    Delete,
}

/// Events of the groups area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum GroupEvent {
    /// A group was created (its owner and initial members come as `MemberJoined`).
    GroupCreated {
        /// The group.
        group: GroupId,
        /// Its owner.
        owner: UserName,
    },
    /// Name, description, avatar, settings or custom data changed.
    GroupInfoUpdated {
        /// The group.
        group: GroupId,
        /// The REST names of the fields that changed.
        fields: Vec<String>,
    },
    /// A group was destroyed (its members come first as `MemberLeft { reason: Delete }`).
    GroupDestroyed {
        /// The group.
        group: GroupId,
    },
    /// A group was disabled.
    GroupDisabled {
        /// The group.
        group: GroupId,
    },
    /// A group was enabled.
    GroupEnabled {
        /// The group.
        group: GroupId,
    },
    /// A user joined.
    MemberJoined {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
        /// Whether the host should notify (the request's `need_notify`, default true).
        need_notify: bool,
    },
    /// A member left.
    MemberLeft {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
        /// Why.
        reason: LeaveReason,
    },
    /// The owner changed.
    OwnerChanged {
        /// The group.
        group: GroupId,
        /// The old owner.
        old: UserName,
        /// The new owner.
        new: UserName,
    },
    /// A member became an admin.
    AdminAdded {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// An admin lost the role.
    AdminRemoved {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A user was put on the block list.
    BlockAdded {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A user was taken off the block list.
    BlockRemoved {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A member was put on the allow list.
    AllowAdded {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A user was taken off the allow list.
    AllowRemoved {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A member was muted.
    MuteAdded {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
        /// Until when.
        expiry: Expiry,
    },
    /// A mute was lifted.
    MuteRemoved {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A timed mute lapsed (reported by [`crate::expiry::Expire`], once).
    MuteExpired {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// Mute-all was switched on or off.
    MuteAllChanged {
        /// The group.
        group: GroupId,
        /// The new value.
        muted: bool,
    },
    /// The announcement changed.
    AnnouncementUpdated {
        /// The group.
        group: GroupId,
    },
    /// A shared file was uploaded.
    FileUploaded {
        /// The group.
        group: GroupId,
        /// The file.
        file_id: String,
    },
    /// A shared file was deleted.
    FileDeleted {
        /// The group.
        group: GroupId,
        /// The file.
        file_id: String,
    },
    /// A member's attributes changed.
    MemberAttrsChanged {
        /// The group.
        group: GroupId,
        /// Whose.
        user: UserName,
    },
    /// A user asked to join a public group that needs approval.
    JoinRequested {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A join request was declined.
    JoinDeclined {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A user was invited and must accept.
    Invited {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
        /// By whom.
        inviter: UserName,
    },
    /// An invitation was declined.
    InviteDeclined {
        /// The group.
        group: GroupId,
        /// Who.
        user: UserName,
    },
    /// A thread was created.
    ThreadCreated {
        /// The group.
        group: GroupId,
        /// The thread.
        thread: ThreadId,
        /// Its creator.
        owner: UserName,
    },
    /// A thread was renamed.
    ThreadRenamed {
        /// The group.
        group: GroupId,
        /// The thread.
        thread: ThreadId,
    },
    /// A thread was destroyed (directly, or with its group).
    ThreadDestroyed {
        /// The group.
        group: GroupId,
        /// The thread.
        thread: ThreadId,
    },
    /// A user joined a thread.
    ThreadMemberJoined {
        /// The thread.
        thread: ThreadId,
        /// Who.
        user: UserName,
    },
    /// A user left or was removed from a thread.
    ThreadMemberRemoved {
        /// The thread.
        thread: ThreadId,
        /// Who.
        user: UserName,
    },
}
