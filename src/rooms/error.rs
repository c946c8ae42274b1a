//! The chatrooms area's errors: one variant per distinct vendor error, with its status, code and
//! description.

use crate::ids::RoomId;

/// `E_PERM` description, also the per-item reason for an admin acting on another admin.
pub const ROOM_PERM_DESC: &str =
    "you have no permission to do this, group admin permission is required";
/// `E_PERM` description for room field updates.
pub const ROOM_FIELDS_PERM_DESC: &str =
    "you have no permission to do this,group fields require group admin privileges to be modified";
/// `E_OWNER` description, also the per-item reason for the owner.
pub const ROOM_OWNER_DESC: &str = "forbidden operation on group owner!";

/// Errors of the chatrooms area: one variant per distinct vendor error, each with its HTTP
/// status ([`RoomError::status`]), `error` string ([`RoomError::code`]) and, as `Display`,
/// its `error_description` (*engine wording* where the vendor's is not attested).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    // ---- 404 ----
    /// `E_ROOM`: `404 resource_not_found` — no such room (commands).
    #[error("grpID {0} does not exist!")]
    NotFound(RoomId),
    /// `E_ROOM_Q`: `404 service_resource_not_found` — no such room (details and member reads).
    #[error("do not find this group:{0}")]
    QueryNotFound(RoomId),
    /// `E_ROOM` for text that is no room id ([`RoomId::for_command`]), as the request wrote it.
    #[error("grpID {0} does not exist!")]
    NotFoundText(String),
    /// `E_ROOM_Q` for text that is no room id ([`RoomId::for_read`]), as the request wrote it.
    #[error("do not find this group:{0}")]
    QueryNotFoundText(String),
    /// `E_USER`: `404 resource_not_found` — a named user does not exist.
    #[error("username {0} doesn't exist!")]
    UserNotFound(String),

    // ---- 401 ----
    /// `E_PERM`: `401 group_authorization` (client code 703).
    #[error("{ROOM_PERM_DESC}")]
    Permission,
    /// `E_PERM` for room field updates: `401 group_authorization`.
    #[error("{ROOM_FIELDS_PERM_DESC}")]
    FieldsPermission,
    /// `401 MetadataException`: the attribute operator is not in the room.
    #[error("user is not in chatroom")]
    AttrNotMember,

    // ---- 403 forbidden_op ----
    /// `E_NOT_MEMBER`.
    #[error("users [{0}] are not members of this group!")]
    NotMember(String),
    /// `E_OWNER`.
    #[error("forbidden operation on group owner!")]
    OnOwner,
    /// Transfer to the current owner.
    #[error("new owner and old owner are the same")]
    SameOwner,
    /// The target must be a member (transfer, add admin).
    #[error("user: {user} doesn't exist in group: {room}")]
    NotInGroup {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// The user is on the room's block list (add, join).
    #[error("user: {user} is in blacklist of chatroom: {room}")]
    Blocked {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// `add_member` of a member.
    #[error("can not join this group, reason:user: {user} already in group: {room}")]
    AlreadyMember {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// Add or join by a user at `rooms_per_user_max`.
    #[error("can not join this group, reason:user {0} has joined too many chatrooms!")]
    JoinedTooMany(String),
    /// The user is already an admin.
    #[error("user {user} is already admin of group {room}")]
    AlreadyAdmin {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// The user is not an admin.
    #[error("user:{user} is not admin of group:{room}")]
    NotAdmin {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// Unblocking a user who is not blocked (single form).
    #[error("user: {user} is not in blacklist of chatroom: {room}")]
    NotBlocked {
        /// Who.
        user: String,
        /// Where.
        room: RoomId,
    },
    /// The announcement is too long.
    #[error("announce info length exceeds limit!")]
    AnnouncementTooLong,

    // ---- 403 exceed_limit ----
    /// The name is too long.
    #[error("title cannot exceed to {0}")]
    NameTooLong(usize),
    /// The description is too long.
    #[error("desc cannot exceed to {0}")]
    DescriptionTooLong(usize),
    /// `custom` is too long.
    #[error("custom cannot exceed to {0}")]
    CustomTooLong(usize),
    /// `maxusers` outside 1..=cap.
    #[error("maxUsers cannot exceed {0}")]
    MaxUsersOutOfRange(u32),
    /// `maxusers` below the seats taken (OPEN 8).
    #[error("maxUsers cannot be less than current member count")]
    MaxUsersBelowMembers,
    /// The room is full.
    #[error("members size is greater than max user size !")]
    Full,
    /// The app is at `rooms_per_app_max`.
    #[error("appKey:{0} has create too many chatrooms!")]
    AppRoomCap(String),
    /// A create names a user at `rooms_per_user_max`.
    #[error("user {0} has joined too many chatrooms!")]
    UserRoomCap(String),
    /// The room has `admins_max` admins.
    #[error("admin count exceeds limit {0}")]
    AdminCap(u32),

    // ---- 400 invalid_parameter ----
    /// A required field is missing (or `members`/`name` empty).
    #[error("{0} must be provided")]
    Missing(&'static str),
    /// A list `limit` below 1.
    #[error("limit must be between 1 and {0}")]
    LimitRange(u32),
    /// A cursor the engine did not issue.
    #[error("cursor is invalid")]
    BadCursor,
    /// No room ids.
    #[error("chatroom ids must be provided")]
    NoIds,
    /// Too many room ids.
    #[error("chatroom ids size is more than max limit : {0}")]
    TooManyIds(usize),
    /// An update names a field that cannot change.
    #[error("some of [{0}] are not valid fields")]
    UnknownField(String),
    /// Batch add size.
    #[error("addMembers: addMembers number more than maxSize : {0}")]
    AddBatch(usize),
    /// Batch removal size.
    #[error("kickMember: kickMembers number more than maxSize : {0}")]
    RemoveBatch(usize),
    /// Batch block size.
    #[error("userNames is more than max limit : {0}")]
    BlockBatch(usize),
    /// Batch unblock size.
    #[error("removeBlacklist: list size more than max limit : {0}")]
    UnblockBatch(usize),
    /// Batch allow size.
    #[error("usernames size is more than max limit : {0}")]
    AllowBatch(usize),
    /// Batch disallow size.
    #[error("removeWhitelist size is more than max limit : {0}")]
    DisallowBatch(usize),
    /// Batch mute size.
    #[error("userNames size is more than max limit : {0}")]
    MuteBatch(usize),
    /// Batch unmute size.
    #[error("removeMute member size more than max limit : {0}")]
    UnmuteBatch(usize),
    /// A mute duration that is neither `-1` nor positive.
    #[error("mute_duration is invalid")]
    MuteDuration,

    // ---- 400 illegal_argument (attributes) ----
    /// A set without pairs.
    #[error("metaData must be provided")]
    NoMetadata,
    /// A delete without keys.
    #[error("keys must be provided")]
    NoKeys,
    /// Too many keys in one call.
    #[error("exceed allowed batch size {0}")]
    AttrBatch(usize),
}

impl RoomError {
    /// The vendor's HTTP status, which follows from the `error` string.
    pub fn status(&self) -> u16 {
        match self.code() {
            "resource_not_found" | "service_resource_not_found" => 404,
            "group_authorization" | "MetadataException" => 401,
            "forbidden_op" | "exceed_limit" => 403,
            // "invalid_parameter", "illegal_argument"
            _ => 400,
        }
    }

    /// The vendor's `error` string.
    pub fn code(&self) -> &'static str {
        use RoomError::*;
        match self {
            NotFound(_) | NotFoundText(_) | UserNotFound(_) => "resource_not_found",
            QueryNotFound(_) | QueryNotFoundText(_) => "service_resource_not_found",
            Permission | FieldsPermission => "group_authorization",
            AttrNotMember => "MetadataException",
            NotMember(_)
            | OnOwner
            | SameOwner
            | NotInGroup { .. }
            | Blocked { .. }
            | AlreadyMember { .. }
            | JoinedTooMany(_)
            | AlreadyAdmin { .. }
            | NotAdmin { .. }
            | NotBlocked { .. }
            | AnnouncementTooLong => "forbidden_op",
            NameTooLong(_)
            | DescriptionTooLong(_)
            | CustomTooLong(_)
            | MaxUsersOutOfRange(_)
            | MaxUsersBelowMembers
            | Full
            | AppRoomCap(_)
            | UserRoomCap(_)
            | AdminCap(_) => "exceed_limit",
            Missing(_) | LimitRange(_) | BadCursor | NoIds | TooManyIds(_) | UnknownField(_)
            | AddBatch(_) | RemoveBatch(_) | BlockBatch(_) | UnblockBatch(_) | AllowBatch(_)
            | DisallowBatch(_) | MuteBatch(_) | UnmuteBatch(_) | MuteDuration => {
                "invalid_parameter"
            }
            NoMetadata | NoKeys | AttrBatch(_) => "illegal_argument",
        }
    }
}
