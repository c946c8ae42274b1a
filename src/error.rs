//! The one error type. Every variant knows the vendor's HTTP status ([`Error::status`]) and
//! `error` string ([`Error::code`]); its `Display` is the vendor's `error_description` (or the
//! engine's own wording where the vendor's is not documented).
//!
//! A command that fails changes nothing. Each command's docs list the variants it can return
//! in the order its checks run; the first failing check wins.

use crate::limits::BATCH_GET_TARGETS_MAX;

/// Everything that can go wrong, with the vendor's status and code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- tenancy ----
    /// `404 organization_application_not_found`: no such org/app on this engine.
    #[error("Could not find application for {0} from path")]
    AppNotFound(String),
    /// `400 duplicate_unique_property_exists`: an app with this key already exists.
    #[error("application {0} already exists")]
    AppExists(String),

    // ---- authentication and authorization ----
    /// `401 unauthorized`: the caller may not do this (wrong principal, registration needs a
    /// token, a disabled user's token).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// `401 unauthorized`: the token is missing or has expired.
    #[error("Unable to authenticate due to expired access token")]
    TokenExpired,
    /// `401 auth_bad_access_token`: the token is unknown, corrupt, or from another app.
    #[error("Unable to authenticate")]
    BadAccessToken,
    /// `401 metadata_error`: a user token touched another user's attributes.
    #[error("auth error")]
    MetadataAuth,
    /// `400 illegal_argument` from a token grant: `client_id`/`client_secret` missing.
    #[error("{0}")]
    GrantArgument(&'static str),
    /// `400 invalid_grant`: the grant was refused (`invalid username or password`, `user not
    /// activated`, `invalid client_id or client_secret`). An unknown user gets the same
    /// answer as a wrong password (issue 14).
    #[error("{0}")]
    InvalidGrant(&'static str),

    // ---- input ----
    /// `400 illegal_argument`: bad input; the text says which rule.
    #[error("{0}")]
    IllegalArgument(String),
    /// `400 duplicate_unique_property_exists`: the username is taken.
    #[error(
        "Application {app} Entity user requires that property named username be unique, value of {username} exists"
    )]
    DuplicateUsername {
        /// `org#app`.
        app: String,
        /// The folded username.
        username: String,
    },
    /// `400 duplicate_unique_property_exists`: one batch names the same user twice with
    /// different passwords.
    #[error("the same user {0} has a different password in this request")]
    BatchPasswordConflict(String),
    /// `400 required_property_not_found`: the user named in the body does not exist.
    #[error("Entity user requires a property named username")]
    RequiredPropertyNotFound,
    /// `400 BAD_REQUEST`: attribute batch get over 100 targets.
    #[error("exceed allowed batch size {BATCH_GET_TARGETS_MAX}")]
    BatchGetTooLarge,
    /// `413 Request Entity Too Large`: an attribute write over 4 KB of JSON.
    #[error("Request Entity Too Large")]
    RequestTooLarge,

    // ---- existence ----
    /// `404 service_resource_not_found`: a user in the path does not exist.
    #[error("Service resource not found")]
    UserNotFound(String),
    /// `404 entity_not_found`: password change or `inherit` grant for an unknown user.
    #[error("User null not found")]
    EntityNotFound,

    // ---- features and quotas ----
    /// `403 forbidden_op`: the feature is switched off, or the operation is not allowed.
    #[error("{0}")]
    ForbiddenOp(String),
    /// `403 FORBIDDEN`: attributes are off for this app.
    #[error("{0} user metadata service not allow")]
    MetadataDisabled(String),
    /// `403 FORBIDDEN`: the user's attributes would exceed their byte budget.
    #[error("size of metadata for this single user exceeds the user defined limit, {0}Bytes")]
    UserAttrBudget(u64),
    /// `403 FORBIDDEN`: the app's attributes would exceed its byte budget.
    #[error("total size of user metadata for this app exceeds the user defined limit, {0}Bytes")]
    AppAttrBudget(u64),
    /// `403 exceed_limit`: a cap was reached (friends, block list); the text says which.
    #[error("{0}")]
    ExceedLimit(&'static str),
    /// `429 resource_limited`: the app's user cap is reached.
    #[error(
        "You have exceeded the limit of the community edition,Please upgrade to the enterprise edition"
    )]
    UserCapReached,
    /// `429 resource_limited`: the grants the engine keeps (app tokens, or one user's) are at
    /// their cap and none has expired: issuing more would push out a valid token (issue 14).
    #[error("too many live tokens; let some expire first")]
    TokensFull,
    /// `400 service open exception`: presence is off for this app.
    #[error("the app not open presence")]
    PresenceDisabled,
    /// `429 reach_limit`: the app's calls of this kind reached their per-second limit.
    #[error("This request has reached api limit")]
    ReachLimit,
    /// An error of the groups and threads area.
    #[error(transparent)]
    Group(#[from] crate::groups::GroupError),
    /// An error of the chatrooms area.
    #[error(transparent)]
    Room(#[from] crate::rooms::RoomError),
    /// An error of the messages area.
    #[error(transparent)]
    Message(#[from] crate::messages::MessageError),
    /// An error of the RongCloud user lifecycle (spec 04).
    #[error(transparent)]
    Lifecycle(#[from] crate::lifecycle::LifecycleError),
    /// `500 INTERNAL_SERVER_ERROR`: an id space or counter ran out. Should never happen.
    #[error("{0}")]
    Internal(&'static str),
}

impl Error {
    /// The vendor's HTTP status for this error.
    pub fn status(&self) -> u16 {
        use Error::*;
        match self {
            AppNotFound(_) => 404,
            AppExists(_) => 400,
            Unauthorized(_) | TokenExpired | BadAccessToken | MetadataAuth => 401,
            GrantArgument(_) | InvalidGrant(_) => 400,
            IllegalArgument(_)
            | DuplicateUsername { .. }
            | BatchPasswordConflict(_)
            | RequiredPropertyNotFound
            | BatchGetTooLarge => 400,
            RequestTooLarge => 413,
            UserNotFound(_) | EntityNotFound => 404,
            ForbiddenOp(_) | MetadataDisabled(_) | UserAttrBudget(_) | AppAttrBudget(_) => 403,
            ExceedLimit(_) => 403,
            UserCapReached | TokensFull => 429,
            PresenceDisabled => 400,
            ReachLimit => 429,
            Group(e) => e.status(),
            Room(e) => e.status(),
            Message(e) => e.status(),
            Lifecycle(e) => e.status(),
            Internal(_) => 500,
        }
    }

    /// The vendor's `error` string for this error.
    pub fn code(&self) -> &'static str {
        use Error::*;
        match self {
            AppNotFound(_) => "organization_application_not_found",
            AppExists(_) => "duplicate_unique_property_exists",
            Unauthorized(_) | TokenExpired => "unauthorized",
            BadAccessToken => "auth_bad_access_token",
            MetadataAuth => "metadata_error",
            GrantArgument(_) => "illegal_argument",
            InvalidGrant(_) => "invalid_grant",
            IllegalArgument(_) => "illegal_argument",
            DuplicateUsername { .. } | BatchPasswordConflict(_) => {
                "duplicate_unique_property_exists"
            }
            RequiredPropertyNotFound => "required_property_not_found",
            BatchGetTooLarge => "BAD_REQUEST",
            RequestTooLarge => "Request Entity Too Large",
            UserNotFound(_) => "service_resource_not_found",
            EntityNotFound => "entity_not_found",
            ForbiddenOp(_) => "forbidden_op",
            MetadataDisabled(_) | UserAttrBudget(_) | AppAttrBudget(_) => "FORBIDDEN",
            ExceedLimit(_) => "exceed_limit",
            UserCapReached | TokensFull => "resource_limited",
            PresenceDisabled => "service open exception",
            ReachLimit => "reach_limit",
            Group(e) => e.code(),
            Room(e) => e.code(),
            Message(e) => e.code(),
            Lifecycle(e) => e.code(),
            Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The RongCloud Server API code for this error (spec 04 §13), for a host that answers
    /// `{"code": ...}`: the one mapping of engine errors to RongCloud codes. Bad input, unknown
    /// users and list caps are 1002; the app's user cap (a development app's 100) is 2007;
    /// authentication is 1004; rate limits 1008; switched-off features 1009; anything else
    /// 1000 (RongCloud's server-side error).
    pub fn rong_code(&self) -> u16 {
        use Error::*;
        match self {
            Lifecycle(e) => e.rong_code(),
            IllegalArgument(_)
            | GrantArgument(_)
            | BatchGetTooLarge
            | RequestTooLarge
            | UserNotFound(_)
            | EntityNotFound
            | RequiredPropertyNotFound
            | DuplicateUsername { .. }
            | ExceedLimit(_)
            | UserAttrBudget(_)
            | AppAttrBudget(_) => 1002,
            UserCapReached => 2007,
            Unauthorized(_) | TokenExpired | BadAccessToken | MetadataAuth | InvalidGrant(_) => {
                1004
            }
            ReachLimit => 1008,
            ForbiddenOp(_) | MetadataDisabled(_) | PresenceDisabled => 1009,
            _ => 1000,
        }
    }

    /// The vendor's `error_description`: the same as `to_string()`.
    pub fn description(&self) -> String {
        self.to_string()
    }

    pub(crate) fn illegal(msg: impl Into<String>) -> Error {
        Error::IllegalArgument(msg.into())
    }

    /// `400 illegal_argument "parameters is invalid : <field>"`: the push settings' error for
    /// a bad value (spec 01 §15).
    pub fn invalid_param(field: &str) -> Error {
        Error::IllegalArgument(format!("parameters is invalid : {field}"))
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes() {
        assert_eq!(Error::TokenExpired.status(), 401);
        assert_eq!(Error::TokenExpired.code(), "unauthorized");
        assert_eq!(
            Error::TokenExpired.to_string(),
            "Unable to authenticate due to expired access token"
        );
        assert_eq!(
            Error::BatchGetTooLarge.to_string(),
            "exceed allowed batch size 100"
        );
        assert_eq!(Error::UserAttrBudget(2048).code(), "FORBIDDEN");
        assert_eq!(Error::UserCapReached.status(), 429);
    }
}
