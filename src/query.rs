//! Queries (every read) and their replies. A query reads the app's state and changes nothing.

use serde::{Deserialize, Serialize};

use crate::engine::{Actor, ReadCtx};
use crate::error::Result;
use crate::expiry::NextExpiry;
use crate::groups::*;
use crate::ids::UserName;
use crate::lifecycle::*;
use crate::messages::*;
use crate::paging::Page;
#[allow(unused_imports)]
use crate::rooms::*;
use crate::users::*;

/// A read with a typed reply. Implemented by every query struct.
pub trait Ask: Into<Query> {
    /// What the query returns.
    type Reply;
    /// Runs the query. Hosts call [`crate::App::query`] instead.
    #[doc(hidden)]
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Self::Reply>;
}

macro_rules! queries {
    ($($name:ident => $reply:ty),* $(,)?) => {
        /// Every read, as one serializable value.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
        #[non_exhaustive]
        pub enum Query {
            $(
                #[doc = concat!("See [`", stringify!($name), "`].")]
                $name($name),
            )*
        }

        /// The reply to any [`Query`], tagged like it.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[non_exhaustive]
        pub enum QueryReply {
            $(
                #[doc = concat!("Reply to [`", stringify!($name), "`].")]
                $name($reply),
            )*
        }

        $(
            impl From<$name> for Query {
                fn from(q: $name) -> Query {
                    Query::$name(q)
                }
            }
        )*

        impl Query {
            pub(crate) fn ask_any(self, cx: &ReadCtx<'_>) -> Result<QueryReply> {
                match self {
                    $(Query::$name(q) => q.ask(cx).map(QueryReply::$name),)*
                }
            }
        }
    };
}

queries! {
    GetUser => UserView,
    ListUsers => Page<UserView>,
    ValidateToken => Actor,
    CheckGrant => GrantChecked,
    TokenSubject => TokenSubjectView,
    ListDevices => Vec<Device>,
    IsOnline => bool,
    BatchOnline => Vec<(String, bool)>,
    GetAttributes => indexmap::IndexMap<String, String>,
    BatchGetAttributes => indexmap::IndexMap<String, indexmap::IndexMap<String, String>>,
    AttributeCapacity => u64,
    ListFriends => Vec<UserName>,
    ListFriendsPage => Page<Contact>,
    AreFriends => bool,
    AreFriendsById => bool,
    IsBlocked => bool,
    IsBlockedById => bool,
    LookupUser => crate::ids::UserId,
    Authenticate => Authenticated,
    MayMessage => crate::messages::ChatVerdict,
    MayMessageById => crate::messages::ChatVerdict,
    ListBlocks => Page<UserName>,
    GetGlobalMute => GlobalMuteView,
    IsGloballyMuted => bool,
    ListGlobalMutes => Vec<MuteEntry>,

    // ---- groups and threads (src/groups) ----
    GetGroups => Vec<GroupLookup>,
    ListAppGroups => Page<AppGroupItem>,
    ListJoinedGroups => JoinedGroups,
    ListJoinedGroupsLegacy => Vec<(crate::ids::GroupId, String)>,
    IsGroupMember => bool,
    ListGroupMembers => GroupMembersPage,
    ListGroupMembersCursor => Page<UserName>,
    ListGroupAdmins => Vec<UserName>,
    ListGroupBlocks => Vec<UserName>,
    ListGroupAllowed => Vec<UserName>,
    IsGroupAllowed => bool,
    ListGroupMutes => Vec<GroupMuteEntry>,
    MaySpeakInGroup => GroupSpeak,
    GroupSpeakers => Vec<UserName>,
    GroupSpeakerIds => Vec<crate::ids::UserId>,
    GetGroupAnnouncement => String,
    ListGroupFiles => Vec<GroupFile>,
    GetGroupFile => GroupFile,
    GetGroupMemberAttrs => indexmap::IndexMap<String, String>,
    GetGroupMemberAttrsByKeys => indexmap::IndexMap<UserName, indexmap::IndexMap<String, String>>,
    ListAppThreads => Page<crate::ids::ThreadId>,
    ListUserThreads => Page<ThreadInfo>,
    ListUserThreadsInGroup => Page<ThreadInfo>,
    ListThreadMembers => Page<UserName>,
    ListGroupRequests => GroupRequests,

    // ---- end of groups and threads ----



    // ---- chatrooms (src/rooms) ----
    ListRoomSuperAdmins => RoomSuperAdminPage,
    ListRooms => Page<RoomSummary>,
    ListJoinedRooms => Vec<JoinedRoom>,
    GetRooms => Vec<RoomDetails>,
    GetRoomAnnouncement => String,
    ListRoomMembers => Vec<RoomAffiliation>,
    ListRoomMembersCursor => Page<UserName>,
    IsRoomMember => bool,
    ListRoomAdmins => Vec<UserName>,
    ListRoomBlocks => Vec<UserName>,
    ListRoomAllow => Vec<UserName>,
    IsRoomAllowed => bool,
    ListRoomMutes => Vec<RoomMute>,
    GetRoomMuteStatus => RoomMuteState,
    MayRoomMemberSpeak => bool,
    GetRoomAttributes => indexmap::IndexMap<String, String>,
    GetRoomAttributeOwners => indexmap::IndexMap<String, Option<UserName>>,
    ExportUserRooms => UserRoomsExport,
    ExportRoom => RoomExport,

    // ---- end of chatrooms ----

    // ---- messages (src/messages) ----
    OfflineCount => u64,
    OfflineStatus => crate::messages::OfflineState,
    ExportHistory => Vec<crate::messages::HistoryRecord>,
    GetMessage => Option<crate::messages::HistoryRecord>,
    ExportUserMessages => crate::messages::UserMessagesExport,
    ListConversations => Vec<crate::messages::Conversation>,
    ListRoaming => Vec<crate::messages::HistoryRecord>,
    AuthorizeDownload => crate::messages::AttachmentMeta,
    ListReactions => Vec<(crate::ids::MessageId, Vec<crate::messages::ReactionSummary>)>,
    ReactionDetail => crate::messages::ReactionSummary,
    UserNames => Vec<Option<UserName>>,
    // ---- end of messages ----
    // ---- presence, push settings, export, timers (spec 01 §13, §15, §16) ----
    GetPresence => Vec<PresenceView>,
    ListPresenceSubscriptions => PresenceSubscriptionPage,
    GetNotification => NotifyView,
    GetPushLanguage => String,
    GetPushTemplate => String,
    ListPushBindings => Vec<PushBinding>,
    WantsPush => bool,
    ExportUser => Box<UserExport>,
    NextExpiry => Option<crate::time::Timestamp>,
    // ---- end of presence, push settings, export, timers ----
    // ---- RongCloud user lifecycle (spec 04; src/lifecycle) ----
    ValidateGrant => crate::lifecycle::GrantStatus,
    GetUserInfo => crate::lifecycle::UserInfo,
    ListClosedAccounts => crate::lifecycle::ClosedPage,
    ListLoginBlocks => Vec<crate::lifecycle::LoginBlockEntry>,
    ListDmList => Page<UserName>,
    GetDmMode => Vec<(UserName, crate::lifecycle::DmMode)>,
    MayDirectMessage => Option<crate::lifecycle::DmRefusal>,
    GetUserTags => Vec<(UserName, Vec<String>)>,
    UsersWithTag => Vec<UserName>,
    GetCredentials => Option<crate::users::Credentials>,
    ListChatBans => crate::lifecycle::ChatBanPage,
    // ---- end of RongCloud user lifecycle ----
}
