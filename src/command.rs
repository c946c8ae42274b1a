//! Commands (every mutation), their replies, and the events they cause.
//!
//! Each command is a struct in its area's module, with one doc comment that lists its errors
//! in check order. [`Exec`] ties it to its reply type; [`Command`] wraps them all in one
//! serializable enum for command logs, replay and fuzzing, and [`Reply`] wraps the replies.

use serde::{Deserialize, Serialize};

use crate::engine::Ctx;
use crate::error::Result;
use crate::expiry::Expire;
use crate::groups::*;
use crate::ids::UserName;
use crate::lifecycle::*;
use crate::limits::SetLimits;
use crate::messages::*;
use crate::paging::Page;
#[allow(unused_imports)]
use crate::rooms::*;
use crate::time::Expiry;
use crate::users::*;

/// A mutation with a typed reply. Implemented by every command struct.
pub trait Exec: Into<Command> {
    /// What the command returns on success.
    type Reply;
    /// Runs the command. Hosts call [`crate::App::execute`] instead.
    #[doc(hidden)]
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Self::Reply>;
}

macro_rules! commands {
    ($($name:ident => $reply:ty),* $(,)?) => {
        /// Every mutation, as one serializable value.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
        #[non_exhaustive]
        pub enum Command {
            $(
                #[doc = concat!("See [`", stringify!($name), "`].")]
                $name($name),
            )*
        }

        /// The reply to any [`Command`], tagged like it.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[non_exhaustive]
        pub enum Reply {
            $(
                #[doc = concat!("Reply to [`", stringify!($name), "`].")]
                $name($reply),
            )*
        }

        $(
            impl From<$name> for Command {
                fn from(c: $name) -> Command {
                    Command::$name(c)
                }
            }
        )*

        impl Command {
            pub(crate) fn exec_any(self, cx: &mut Ctx<'_>) -> Result<Reply> {
                match self {
                    $(Command::$name(c) => c.exec(cx).map(Reply::$name),)*
                }
            }
        }

        /// Any command, with the tagged [`Reply`]: so that one generic call
        /// ([`crate::App::execute_logged`]) serves typed commands and logged ones alike.
        impl Exec for Command {
            type Reply = Reply;
            fn exec(self, cx: &mut Ctx<'_>) -> Result<Reply> {
                self.exec_any(cx)
            }
        }
    };
}

commands! {
    RegisterUser => UserView,
    RegisterUsers => BatchRegistered,
    DeleteUser => UserView,
    DeleteUsers => Page<UserView>,
    ChangePassword => (),
    DisableUser => UserView,
    EnableUser => UserView,
    IssueToken => TokenIssued,
    OpenSession => (),
    CloseSession => (),
    ForceLogout => bool,
    SetAttributes => indexmap::IndexMap<String, String>,
    DeleteAttributes => bool,
    AddFriend => UserView,
    RemoveFriend => UserView,
    SetRemark => (),
    ImportFriends => Vec<(String, ImportResult)>,
    BlockUsers => Vec<UserName>,
    UnblockUser => UserView,
    SetGlobalMute => (),
    SetCredentials => (),
    SetLimits => (),

    // ---- groups and threads (src/groups) ----
    CreateGroup => GroupCreated,
    ModifyGroup => indexmap::IndexMap<String, bool>,
    TransferGroupOwner => bool,
    DisableGroup => bool,
    EnableGroup => bool,
    DestroyGroup => GroupDestroyed,
    AddGroupMember => GroupMemberAdded,
    AddGroupMembers => GroupMembersAdded,
    RemoveGroupMember => GroupMemberRemoved,
    RemoveGroupMembers => Vec<crate::roster::BatchItem>,
    LeaveGroup => bool,
    JoinGroup => JoinOutcome,
    ApproveGroupJoin => JoinOutcome,
    DeclineGroupJoin => JoinOutcome,
    InviteToGroup => GroupInviteResult,
    AcceptGroupInvite => JoinOutcome,
    DeclineGroupInvite => JoinOutcome,
    AddGroupAdmin => UserName,
    RemoveGroupAdmin => UserName,
    BlockGroupMember => bool,
    BlockGroupMembers => Vec<crate::roster::BatchItem>,
    UnblockGroupMember => bool,
    UnblockGroupMembers => Vec<crate::roster::BatchItem>,
    AllowGroupMember => bool,
    AllowGroupMembers => Vec<crate::roster::BatchItem>,
    DisallowGroupMembers => Vec<crate::roster::BatchItem>,
    MuteGroupMembers => Vec<GroupMuteResult>,
    UnmuteGroupMembers => Vec<crate::roster::BatchItem>,
    MuteGroupAll => bool,
    UnmuteGroupAll => bool,
    SetGroupAnnouncement => bool,
    UploadGroupFile => GroupFile,
    DeleteGroupFile => bool,
    SetGroupMemberAttrs => indexmap::IndexMap<String, String>,
    BatchSetGroupMemberAttrs => Vec<GroupMemberAttrsSet>,
    CreateThread => ThreadCreated,
    RenameThread => String,
    DeleteThread => bool,
    JoinThreadMembers => bool,
    KickThreadMembers => Vec<crate::roster::BatchItem>,
    JoinThread => bool,
    LeaveThread => bool,

    // ---- end of groups and threads ----



    // ---- chatrooms (src/rooms) ----
    AddRoomSuperAdmin => (),
    RemoveRoomSuperAdmin => UserName,
    CreateRoom => RoomId,
    UpdateRoom => RoomUpdated,
    TransferRoom => bool,
    DeleteRoom => RoomId,
    SetRoomAnnouncement => (),
    AddRoomMember => bool,
    AddRoomMembers => Vec<UserName>,
    RemoveRoomMember => bool,
    RemoveRoomMembers => Vec<crate::roster::BatchItem>,
    JoinRoom => bool,
    LeaveRoom => (),
    AddRoomAdmin => UserName,
    RemoveRoomAdmin => UserName,
    BlockRoomUser => bool,
    BlockRoomUsers => Vec<crate::roster::BatchItem>,
    UnblockRoomUser => bool,
    UnblockRoomUsers => Vec<crate::roster::BatchItem>,
    AllowRoomUsers => Vec<crate::roster::BatchItem>,
    DisallowRoomUsers => Vec<crate::roster::BatchItem>,
    MuteRoomMembers => Vec<RoomMuteItem>,
    UnmuteRoomMembers => Vec<crate::roster::BatchItem>,
    SetRoomMuteAll => bool,
    SetRoomAttributes => RoomAttrResult,
    DeleteRoomAttributes => RoomAttrResult,

    // ---- end of chatrooms ----

    // ---- messages (src/messages) ----
    SendMessage => crate::messages::SendResult,
    BroadcastMessage => crate::messages::BroadcastSent,
    AckOffline => u64,
    RecallMessage => crate::messages::Recalled,
    RecallMessages => Vec<crate::messages::RecallItem>,
    RewriteMessage => (),
    DeleteConversation => (),
    ClearRoaming => (),
    RegisterUpload => crate::messages::AttachmentMeta,
    AddReaction => crate::messages::ReactionView,
    RemoveReaction => (),
    // ---- end of messages ----
    // ---- presence, push settings, timers (spec 01 §13, §15; src/users, src/expiry.rs) ----
    SetPresence => (),
    SubscribePresence => Vec<PresenceSubscribed>,
    UnsubscribePresence => (),
    SetPushProfile => UserView,
    SetPushNicknames => Vec<PushNickname>,
    SetNotification => NotifyView,
    SetPushLanguage => String,
    SetPushTemplate => String,
    BindPushDevice => Vec<PushBinding>,
    Expire => usize,
    // ---- end of presence, push settings, timers ----
    // ---- RongCloud user lifecycle (spec 04; src/lifecycle) ----
    GrantToken => crate::lifecycle::TokenGrant,
    RevokeTokens => (),
    UpdateUserInfo => (),
    CloseAccounts => crate::lifecycle::LifecycleOp<crate::lifecycle::CloseOutcome>,
    ReopenAccountIds => crate::lifecycle::LifecycleOp<crate::lifecycle::ReopenOutcome>,
    BlockLogin => crate::time::Timestamp,
    UnblockLogin => (),
    AddToDmList => (),
    RemoveFromDmList => (),
    SetDmMode => (),
    SetUserTags => (),
    SetChatBan => (),
    // ---- end of RongCloud user lifecycle ----
    // ---- id forms of the friend writes (issue 9; src/users/contacts.rs). Last, so that the
    // variants logged before them keep their tags in a command log. ----
    AddFriendById => UserView,
    RemoveFriendById => UserView,
}

/// Why the host must drop a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisconnectReason {
    /// The user was deleted (client error 207).
    UserRemoved,
    /// The password changed (client error 216).
    PasswordChanged,
    /// The user was disabled.
    Disabled,
    /// The admin forced a logout (client error 217).
    Kicked,
    /// Another device took the slot (client error 217).
    LoginAnotherDevice,
    /// A timed login block began (spec 04 §7; RongCloud client error 31009).
    Blocked,
    /// The account was closed (spec 04 §3; RongCloud client error 31029).
    AccountClosed,
}

/// Something the host should act on: a push, a callback, a disconnect. Events are plain data,
/// returned by the call that caused them, in the order they happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Event {
    /// A user was registered.
    UserRegistered {
        /// Who.
        user: UserName,
    },
    /// A user was deleted, with everything of theirs.
    UserDeleted {
        /// Who.
        user: UserName,
        /// Their uuid.
        uuid: String,
    },
    /// A user was disabled.
    UserDisabled {
        /// Who.
        user: UserName,
    },
    /// A user was enabled.
    UserEnabled {
        /// Who.
        user: UserName,
    },
    /// A user's password changed; their tokens were revoked.
    PasswordChanged {
        /// Who.
        user: UserName,
    },
    /// Drop this connection.
    ForceDisconnect {
        /// Whose.
        user: UserName,
        /// Which resource.
        resource: String,
        /// Why.
        reason: DisconnectReason,
    },
    /// `owner` and `friend` became friends (both ways).
    ContactAdded {
        /// The side that asked.
        owner: UserName,
        /// The other side.
        friend: UserName,
    },
    /// `owner` and `friend` are no longer friends (both ways).
    ContactRemoved {
        /// The side that asked (or the survivor, when a user was deleted).
        owner: UserName,
        /// The other side.
        friend: UserName,
    },
    /// `owner` blocked `blocked`.
    UserBlocked {
        /// Whose list.
        owner: UserName,
        /// Who.
        blocked: UserName,
    },
    /// `owner` unblocked `blocked`.
    UserUnblocked {
        /// Whose list.
        owner: UserName,
        /// Who.
        blocked: UserName,
    },
    /// Attributes were set.
    AttributesSet {
        /// Whose.
        user: UserName,
        /// The keys written, in request order.
        keys: Vec<String>,
    },
    /// All of a user's attributes were deleted.
    AttributesDeleted {
        /// Whose.
        user: UserName,
    },
    /// A global mute was set (`Some`) or lifted (`None`).
    GlobalMuteChanged {
        /// Who.
        user: UserName,
        /// Which scope.
        scope: MuteScope,
        /// Until when.
        expiry: Option<Expiry>,
    },
    /// A user's presence changed (spec 01 §13): tell `subscribers` (their live subscribers,
    /// in subscribe order; never empty).
    PresenceChanged {
        /// Whose.
        user: UserName,
        /// Which resource.
        resource: String,
        /// Its status now.
        status: String,
        /// The user's `ext`.
        ext: String,
        /// Who to tell.
        subscribers: Vec<UserName>,
    },
    /// A timed global mute lapsed (reported once, by [`crate::Expire`]).
    MuteExpired {
        /// Who.
        user: UserName,
        /// Which scope.
        scope: MuteScope,
    },
    /// A presence subscription lapsed (reported once, by [`crate::Expire`]).
    SubscriptionExpired {
        /// Whose subscription.
        subscriber: UserName,
        /// To whom.
        target: UserName,
    },
    /// An event of the groups and threads area.
    Group(crate::groups::GroupEvent),
    /// An event of the chatrooms area.
    Room(crate::rooms::RoomEvent),
    /// An event of the messages area.
    Message(crate::messages::MessageEvent),
    /// An event of the RongCloud user lifecycle.
    Lifecycle(crate::lifecycle::LifecycleEvent),
}
