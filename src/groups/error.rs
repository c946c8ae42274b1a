//! The groups area's errors (spec §17): one variant per code, each with the vendor's HTTP
//! status ([`GroupError::status`]), `error` string ([`GroupError::code`]) and description
//! (`Display`).

/// Errors of the groups area, with the vendor's status and code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// `GROUP_NOT_FOUND` — `404 resource_not_found`.
    #[error("grpID {0} does not exist!")]
    GroupNotFound(String),
    /// `GROUP_NOT_FOUND_MEMBERS` — `404 service_resource_not_found` (paged member list).
    #[error("do not find this group:{0}")]
    GroupNotFoundMembers(String),
    /// `USER_NOT_FOUND` — `404 resource_not_found`.
    #[error("username {0} doesn't exist!")]
    UserNotFound(String),
    /// `MISSING_FIELD` — `400 invalid_parameter`.
    #[error("{0} must be provided")]
    MissingField(&'static str),
    /// `INVALID_PARAMETER` — `400 invalid_parameter`; the text says which rule.
    #[error("{0}")]
    InvalidParameter(String),
    /// `PUBLIC_MISSING` — `400 invalid_parameter`.
    #[error("group must contain public field!")]
    PublicMissing,
    /// `AVATAR_TOO_LONG` — `400 invalid_parameter`.
    #[error("avatar length is too big")]
    AvatarTooLong,
    /// `FIELD_TOO_LONG` — `400 invalid_parameter`.
    #[error("{0} length is too big")]
    FieldTooLong(&'static str),
    /// `INVALID_FIELDS` — `400 invalid_parameter`.
    #[error("some of [{0}] are not valid fields")]
    InvalidFields(String),
    /// `MAXUSERS_OVER_CAP` — `403 exceed_limit`.
    #[error("maxusers {n} exceeds limit {cap}")]
    MaxUsersOverCap {
        /// Asked for.
        n: u32,
        /// The plan's cap.
        cap: u32,
    },
    /// `GROUP_ID_EXISTS` — `400 illegal_argument`.
    #[error("group ID {0} already exists!")]
    GroupIdExists(String),
    /// `APP_GROUP_LIMIT` — `403 exceed_limit`.
    #[error("appKey:{0} has create too many groups!")]
    AppGroupLimit(String),
    /// `USER_GROUP_LIMIT` — `403 exceed_limit`.
    #[error("user {0} has joined too many groups!")]
    UserGroupLimit(String),
    /// `GROUP_FULL` — `403 exceed_limit`.
    #[error("members size is greater than max user size !")]
    GroupFull,
    /// `ALREADY_MEMBER` — `403 forbidden_op`.
    #[error("can not join this group, reason:user: {user} already in group: {group}\n")]
    AlreadyMember {
        /// Who.
        user: String,
        /// Where.
        group: String,
    },
    /// `NOT_MEMBERS` — `403 forbidden_op`.
    #[error("users [{}] are not members of this group!", .0.join(","))]
    NotMembers(Vec<String>),
    /// `OWNER_FORBIDDEN` — `403 forbidden_op`.
    #[error("forbidden operation on group owner!")]
    OwnerForbidden,
    /// `NEW_OWNER_NOT_MEMBER` — `403 forbidden_op`.
    #[error("user: {user} doesn't exist in group: {group}")]
    NewOwnerNotMember {
        /// Who.
        user: String,
        /// Where.
        group: String,
    },
    /// `SAME_OWNER` — `403 forbidden_op`.
    #[error("new owner and old owner are the same")]
    SameOwner,
    /// `ADMIN_TARGET_NOT_MEMBER` — `404 resource_not_found`.
    #[error("user: {user} doesn't exist in group: {group}")]
    AdminTargetNotMember {
        /// Who.
        user: String,
        /// Where.
        group: String,
    },
    /// `NOT_ADMIN` — `403 forbidden_op`.
    #[error("user:{user} is not admin of group:{group}")]
    NotAdmin {
        /// Who.
        user: String,
        /// Where.
        group: String,
    },
    /// `ADMIN_LIMIT` — `403 exceed_limit`.
    #[error("admin count exceeds limit {0}")]
    AdminLimit(usize),
    /// `BATCH_TOO_LARGE` — `400 invalid_parameter`; the text is the operation's.
    #[error("{0}")]
    BatchTooLarge(String),
    /// `ANNOUNCEMENT_NULL` — `400 illegal_argument`.
    #[error("announcement is null")]
    AnnouncementNull,
    /// `ANNOUNCEMENT_TOO_LONG` — `403 FORBIDDEN`.
    #[error("announce info length exceeds limit!")]
    AnnouncementTooLong,
    /// `NAME_VIOLATION` — `403 group_name_violation`. Reserved for a host moderation hook; the
    /// engine has none and accepts every name.
    #[error("group name violation")]
    NameViolation,
    /// `ANNOUNCE_VIOLATION` — `403 group_announce_violation`. Reserved like
    /// [`GroupError::NameViolation`].
    #[error("group announcement violation")]
    AnnounceViolation,
    /// `USER_BLOCKED` — `403 forbidden_op`.
    #[error("user {user} is in blocklist of group {group}")]
    UserBlocked {
        /// Who.
        user: String,
        /// Where.
        group: String,
    },
    /// `PERMISSION_DENIED` — `403 forbidden_op`.
    #[error("permission denied")]
    PermissionDenied,
    /// `GROUP_DISABLED` — `403 forbidden_op`.
    #[error("group {0} is disabled")]
    GroupDisabled(String),
    /// `FILE_GROUP_NOT_FOUND` — `404 RestGroupFeignException`.
    #[error("grpID {0} does not exist!")]
    FileGroupNotFound(String),
    /// `FILE_MISSING` — `400 IllegalArgumentException`.
    #[error("file must be provided.")]
    FileMissing,
    /// `FILE_NOT_FOUND` — `404 resource_not_found`.
    #[error("file {0} does not exist!")]
    FileNotFound(String),
    /// `FILE_TOO_LARGE` — `413 request_entity_too_large`.
    #[error("file size {0} exceeds limit {1}")]
    FileTooLarge(u64, u64),
    /// `FILE_LIMIT` — `403 exceed_limit`.
    #[error("group share files exceed limit {0}")]
    FileLimit(usize),
    /// `META_KEY_TOO_LONG` — `400 metadata_error`.
    #[error("exceeds chatgroup user metadata single key limit")]
    MetaKeyTooLong,
    /// `META_VALUE_TOO_LONG` — `400 metadata_error`.
    #[error("exceeds chatgroup user metadata single value limit")]
    MetaValueTooLong,
    /// `META_TOTAL_TOO_LONG` — `400 metadata_error`.
    #[error("exceeds chatgroup user metadata total limit")]
    MetaTotalTooLong,
    /// `META_BATCH_USERS` — `400 metadata_error`.
    #[error("exceeds chatgroup metadata batch put users limit")]
    MetaBatchUsers,
    /// `META_NOT_IN_GROUP_BATCH` — `400 metadata_error`.
    #[error("Some users are not in the group: {}", .0.join(","))]
    MetaNotInGroupBatch(Vec<String>),
    /// `META_USER_NOT_IN_GROUP` — `404 MetadataException`.
    #[error("user not in group")]
    MetaUserNotInGroup,
    /// `META_QUERY_LIMIT` — `400 metadata_error`.
    #[error("query param reaches limit.")]
    MetaQueryLimit,
    /// `META_DISABLED` — `403 metadata_error`.
    #[error("chatgroup user metadata service not allow")]
    MetaDisabled,
    /// `META_GROUP_NOT_FOUND` — `404 metadata_error`.
    #[error("group not exists")]
    MetaGroupNotFound,
    /// `T_NOT_OPEN` — `403 group_error`.
    #[error("thread not open.")]
    ThreadNotOpen,
    /// `T_NAME` — `400 group_error`.
    #[error("thread name limit reached.")]
    ThreadName,
    /// `T_QUERY_LIMIT` — `400 group_error`.
    #[error("query param reaches limit.")]
    ThreadQueryLimit,
    /// `T_BODY_LIMIT` — `400 group_error`.
    #[error("request body reaches limit.")]
    ThreadBodyLimit,
    /// `T_BAD_BODY` — `400 param_illegal`.
    #[error("Failed to read HTTP message")]
    ThreadBadBody,
    /// `T_NOT_FOUND` — `404 group_error`.
    #[error("thread not found.")]
    ThreadNotFound,
    /// `T_GROUP_NOT_FOUND` — `404 group_error`.
    #[error("group not found.")]
    ThreadGroupNotFound,
    /// `T_USER_NOT_IN_GROUP` — `404 group_error`.
    #[error("user not in group.")]
    ThreadUserNotInGroup,
    /// `T_MSG_NOT_EXIST` — `404 group_error`: no such stored message.
    #[error("msg not exist.")]
    ThreadMsgNotExist,
    /// `T_MSG_OTHER_APP` — `400 group_error`. Never produced: message ids are per app.
    #[error("msg not belong to app.")]
    ThreadMsgOtherApp,
    /// `T_MSG_NOT_GROUP` — `400 group_error`: not a group message.
    #[error("thread must on group message to create.")]
    ThreadMsgNotGroup,
    /// `T_MSG_OTHER_GROUP` — `400 group_error`: another group's message.
    #[error("msg not belong to group .")]
    ThreadMsgOtherGroup,
    /// `T_NESTED` — `400 group_error`: a thread's message.
    #[error("thread not nested.")]
    ThreadNested,
    /// `T_MSG_HAS_THREAD` — `403 group_error`.
    #[error("msg already create thread.not allow to create.")]
    ThreadMsgHasThread,
    /// `T_APP_LIMIT` — `403 group_error`.
    #[error("thread number has reached limit.")]
    ThreadAppLimit,
    /// `T_USER_LIMIT` — `403 group_error`.
    #[error("user join thread reach limit.")]
    ThreadUserLimit,
}

impl GroupError {
    /// `INVALID_PARAMETER` "mute_duration is invalid": a mute duration in a request that is no
    /// whole number of milliseconds (a host reads it; [`super::MuteGroupMembers`] takes an
    /// `i64` and checks its range itself).
    pub fn mute_duration_invalid() -> GroupError {
        GroupError::InvalidParameter("mute_duration is invalid".into())
    }

    /// The vendor's HTTP status.
    pub fn status(&self) -> u16 {
        use GroupError::*;
        match self {
            GroupNotFound(_)
            | GroupNotFoundMembers(_)
            | UserNotFound(_)
            | AdminTargetNotMember { .. }
            | FileGroupNotFound(_)
            | FileNotFound(_)
            | MetaUserNotInGroup
            | MetaGroupNotFound
            | ThreadNotFound
            | ThreadGroupNotFound
            | ThreadUserNotInGroup
            | ThreadMsgNotExist => 404,
            MissingField(_)
            | InvalidParameter(_)
            | PublicMissing
            | AvatarTooLong
            | FieldTooLong(_)
            | InvalidFields(_)
            | GroupIdExists(_)
            | BatchTooLarge(_)
            | AnnouncementNull
            | FileMissing
            | MetaKeyTooLong
            | MetaValueTooLong
            | MetaTotalTooLong
            | MetaBatchUsers
            | MetaNotInGroupBatch(_)
            | MetaQueryLimit
            | ThreadName
            | ThreadQueryLimit
            | ThreadBodyLimit
            | ThreadBadBody
            | ThreadMsgOtherApp
            | ThreadMsgNotGroup
            | ThreadMsgOtherGroup
            | ThreadNested => 400,
            FileTooLarge(..) => 413,
            MaxUsersOverCap { .. }
            | AppGroupLimit(_)
            | UserGroupLimit(_)
            | GroupFull
            | AlreadyMember { .. }
            | NotMembers(_)
            | OwnerForbidden
            | NewOwnerNotMember { .. }
            | SameOwner
            | NotAdmin { .. }
            | AdminLimit(_)
            | AnnouncementTooLong
            | NameViolation
            | AnnounceViolation
            | UserBlocked { .. }
            | PermissionDenied
            | GroupDisabled(_)
            | FileLimit(_)
            | MetaDisabled
            | ThreadNotOpen
            | ThreadMsgHasThread
            | ThreadAppLimit
            | ThreadUserLimit => 403,
        }
    }

    /// The vendor's `error` string.
    pub fn code(&self) -> &'static str {
        use GroupError::*;
        match self {
            GroupNotFound(_) | UserNotFound(_) | AdminTargetNotMember { .. } | FileNotFound(_) => {
                "resource_not_found"
            }
            GroupNotFoundMembers(_) => "service_resource_not_found",
            MissingField(_) | InvalidParameter(_) | PublicMissing | AvatarTooLong
            | FieldTooLong(_) | InvalidFields(_) | BatchTooLarge(_) => "invalid_parameter",
            GroupIdExists(_) | AnnouncementNull => "illegal_argument",
            MaxUsersOverCap { .. }
            | AppGroupLimit(_)
            | UserGroupLimit(_)
            | GroupFull
            | AdminLimit(_)
            | FileLimit(_) => "exceed_limit",
            AlreadyMember { .. }
            | NotMembers(_)
            | OwnerForbidden
            | NewOwnerNotMember { .. }
            | SameOwner
            | NotAdmin { .. }
            | UserBlocked { .. }
            | PermissionDenied
            | GroupDisabled(_) => "forbidden_op",
            AnnouncementTooLong => "FORBIDDEN",
            NameViolation => "group_name_violation",
            AnnounceViolation => "group_announce_violation",
            FileGroupNotFound(_) => "RestGroupFeignException",
            FileMissing => "IllegalArgumentException",
            FileTooLarge(..) => "request_entity_too_large",
            MetaKeyTooLong
            | MetaValueTooLong
            | MetaTotalTooLong
            | MetaBatchUsers
            | MetaNotInGroupBatch(_)
            | MetaQueryLimit
            | MetaDisabled
            | MetaGroupNotFound => "metadata_error",
            MetaUserNotInGroup => "MetadataException",
            ThreadBadBody => "param_illegal",
            ThreadNotOpen | ThreadName | ThreadQueryLimit | ThreadBodyLimit | ThreadNotFound
            | ThreadGroupNotFound | ThreadUserNotInGroup | ThreadMsgNotExist
            | ThreadMsgOtherApp | ThreadMsgNotGroup | ThreadMsgOtherGroup | ThreadNested
            | ThreadMsgHasThread | ThreadAppLimit | ThreadUserLimit => "group_error",
        }
    }
}
