//! The messages area's errors (spec 03 §4): one variant per distinct vendor error, each with
//! its HTTP status ([`MessageError::status`]), `error` string ([`MessageError::code`]) and, as
//! `Display`, its `error_description` (*engine wording* where the spec marks it so).

/// Errors of the messages area, with the vendor's status and code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    // ---- send (§4.2, §4.3) ----
    /// `400 message_send_error`: a request-level send check; the text says which.
    #[error("{0}")]
    Send(String),
    /// `400 invalid_request_body`: an unknown type, a body that breaks its type's rules, too
    /// many `roam_ignore_users`, a bad `chatroom_msg_level`.
    #[error("Request body is invalid. Please check body is correct.")]
    InvalidBody,
    /// `403 message_send_error`: a send rate (broadcasts per minute or per day).
    #[error("message send reach limit")]
    RateLimited,
    /// S1 `403 forbidden_op`: the sender is deactivated.
    #[error("user {0} is deactivated")]
    SenderDeactivated(String),
    /// S2 `404 resource_not_found`: a client-side sender that does not exist.
    #[error("username {0} doesn't exist!")]
    SenderUnknown(String),
    /// S3 `403 forbidden_op`: the sender's global mute for this kind is live.
    #[error("user {0} is muted")]
    SenderMuted(String),
    /// `403 forbidden_op`: every target refused the message; the first reason (OPEN 2).
    #[error("{0}")]
    AllRejected(String),
    /// `403 forbidden_op`: broadcast is off.
    #[error("message broadcast service is unopened")]
    BroadcastOff,

    // ---- recall (§4.6) ----
    /// `403 forbidden_op`: recall is off.
    #[error("message recall service is unopened")]
    RecallOff,
    /// `400 message_recall_error`: a required field is empty.
    #[error("param {0} can't be empty")]
    RecallParam(&'static str),
    /// `400 message_recall_error`: a batch recall with too many items *(engine wording)*.
    #[error("param msgs size can't exceed limit {0}")]
    RecallBatch(usize),
    /// `403 message_recall_error`: unknown, already recalled, or past retention.
    #[error("not_found msg")]
    RecallNotFound,
    /// `400 message_recall_error`: `to` or `chat_type` do not match the message.
    #[error("can't find msg to")]
    RecallTo,
    /// `403 message_recall_error`: the recall window has passed.
    #[error("exceed recall time limit")]
    RecallExpired,
    /// `403 message_recall_error`: a `cmd` message *(engine wording)*.
    #[error("cmd message can not be recalled")]
    RecallCmd,

    // ---- rewrite (§4.7) ----
    /// `403 message_rewrite_error`: rewrite is off.
    #[error("The rewrite message feature is not open.")]
    RewriteOff,
    /// `400 InvalidMessageIdException`: the id is not a number.
    #[error("The provided message ID is not a valid number.")]
    RewriteBadId,
    /// `400 illegal_argument`: no `new_msg`.
    #[error("new_msg is required")]
    RewriteNoMessage,
    /// `400 message_rewrite_error`: not txt/custom, or not the original's type.
    #[error("The message is of a type that is currently not supported for modification.")]
    RewriteType,
    /// `404 message_rewrite_error`: unknown, recalled, expired, or a room message.
    #[error("The message is unavailable or has expired.")]
    RewriteUnavailable,
    /// `401 message_rewrite_error`: the user is not the sender.
    #[error("You are not authorized to edit this message.")]
    RewriteNotSender,
    /// `403 message_rewrite_error`: the edit limit is reached.
    #[error("The message has reached its edit limit and cannot be modified further.")]
    RewriteLimit,
    /// `400 message_rewrite_error`: the rewritten body + ext is over the size limit *(engine
    /// wording)*.
    #[error("message is too large")]
    RewriteTooLarge,

    // ---- conversations and roaming (§4.8) ----
    /// `400 illegal_argument`: a conversation deletion field is missing; the text names it.
    #[error("{0}")]
    ConversationField(&'static str),
    /// `400 illegal_argument`: roaming is off.
    #[error("this appKey not open message roaming")]
    RoamingOff,
    /// `400 illegal_argument`: more ids than a roaming clear takes.
    #[error("delete msg list limit can not greater than {0}")]
    RoamingIds(usize),

    // ---- history (§4.9) ----
    /// `400 illegal_argument`: not a `yyyyMMddHH` UTC hour.
    #[error("illegal arguments: appkey: {app}, time: {time}")]
    HistoryTime {
        /// `org#app`.
        app: String,
        /// The time as given.
        time: String,
    },
    /// `400 illegal_argument`: the hour has not ended or is past retention.
    #[error(
        "illegal arguments: appkey: {app}, time: {time}, maybe chat message history is expired or unstored"
    )]
    HistoryUnavailable {
        /// `org#app`.
        app: String,
        /// The time as given.
        time: String,
    },
    /// `404 storage_object_not_found`: no message in that hour.
    #[error("Failed to find chat message history download url for appkey: {app}, time: {time}")]
    HistoryEmpty {
        /// `org#app`.
        app: String,
        /// The time as given.
        time: String,
    },

    // ---- attachments (§4.10) ----
    /// `400 illegal_argument`: no file.
    #[error("file must be provided.")]
    FileMissing,
    /// `413 file exceeding maximum limit`.
    #[error("the file size exceeds the maximum limit.")]
    FileTooLarge,
    /// `403 exceed_limit`: the app holds `attachments_max` live attachments *(engine wording)*.
    #[error("attachment count exceeds limit {0}")]
    FileLimit(usize),
    /// `400 illegal_argument`: the host reused a uuid *(engine wording)*.
    #[error("file {0} already exists")]
    FileExists(String),
    /// `404 entity_not_found`: no such attachment.
    #[error("file may not exists")]
    FileNotFound,
    /// `404 file_expired`: past retention.
    #[error("file {0} is expired")]
    FileExpired(String),
    /// `401 unauthorized`: a restricted attachment without its secret *(engine wording)*.
    #[error("share-secret is invalid")]
    FileSecret,

    // ---- reactions (§4.11) ----
    /// `400 Bad Request` (or the status given): a reaction check; the text says which.
    #[error("{1}")]
    Reaction(u16, &'static str),
}

impl MessageError {
    /// The vendor's HTTP status.
    pub fn status(&self) -> u16 {
        use MessageError::*;
        match self {
            Send(_)
            | InvalidBody
            | RecallParam(_)
            | RecallBatch(_)
            | RecallTo
            | RewriteBadId
            | RewriteNoMessage
            | RewriteType
            | RewriteTooLarge
            | ConversationField(_)
            | RoamingOff
            | RoamingIds(_)
            | HistoryTime { .. }
            | HistoryUnavailable { .. }
            | FileMissing
            | FileExists(_) => 400,
            RewriteNotSender | FileSecret => 401,
            RateLimited | SenderDeactivated(_) | SenderMuted(_) | AllRejected(_) | BroadcastOff
            | RecallOff | RecallNotFound | RecallExpired | RecallCmd | RewriteOff
            | RewriteLimit | FileLimit(_) => 403,
            SenderUnknown(_)
            | RewriteUnavailable
            | HistoryEmpty { .. }
            | FileNotFound
            | FileExpired(_) => 404,
            FileTooLarge => 413,
            Reaction(status, _) => *status,
        }
    }

    /// The vendor's `error` string.
    pub fn code(&self) -> &'static str {
        use MessageError::*;
        match self {
            Send(_) | RateLimited => "message_send_error",
            InvalidBody => "invalid_request_body",
            SenderDeactivated(_) | SenderMuted(_) | AllRejected(_) | BroadcastOff | RecallOff => {
                "forbidden_op"
            }
            SenderUnknown(_) => "resource_not_found",
            RecallParam(_) | RecallBatch(_) | RecallNotFound | RecallTo | RecallExpired
            | RecallCmd => "message_recall_error",
            RewriteOff | RewriteType | RewriteUnavailable | RewriteNotSender | RewriteLimit
            | RewriteTooLarge => "message_rewrite_error",
            RewriteBadId => "InvalidMessageIdException",
            RewriteNoMessage
            | ConversationField(_)
            | RoamingOff
            | RoamingIds(_)
            | HistoryTime { .. }
            | HistoryUnavailable { .. }
            | FileMissing
            | FileExists(_) => "illegal_argument",
            HistoryEmpty { .. } => "storage_object_not_found",
            FileTooLarge => "file exceeding maximum limit",
            FileLimit(_) => "exceed_limit",
            FileNotFound => "entity_not_found",
            FileExpired(_) => "file_expired",
            FileSecret => "unauthorized",
            Reaction(..) => "Bad Request",
        }
    }

    /// `400 message_send_error` with this text.
    pub(crate) fn send(text: impl Into<String>) -> MessageError {
        MessageError::Send(text.into())
    }

    /// A reaction error with status 400.
    pub(crate) fn reaction(text: &'static str) -> MessageError {
        MessageError::Reaction(400, text)
    }
}
