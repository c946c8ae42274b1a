//! The lifecycle area's errors (spec 04 §13), each with its Easemob-style HTTP status and
//! `error` string and its RongCloud Server API code ([`LifecycleError::rong_code`]).

/// Errors of the lifecycle area.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// `400 illegal_argument` (RongCloud 1002): bad input; the text says which rule.
    #[error("{0}")]
    InvalidArgument(String),
    /// `403 exceed_limit` (RongCloud 1002, spec 04 §13 OPEN): a list would pass its cap.
    #[error("list exceeds its limit of {0}")]
    QuotaExceeded(usize),
    /// `404 account_closed` (RongCloud client 31029): the id is closed.
    #[error("user {0} is deactivated")]
    AccountClosed(String),
    /// `403 forbidden_op` (RongCloud 1009): the app forces allow-list mode.
    #[error("{0}")]
    Forbidden(&'static str),
    /// `401 login_blocked` (RongCloud client 31009): a timed login block is live until then.
    #[error("user is blocked until {}", .0.0)]
    LoginBlocked(crate::Timestamp),
}

impl LifecycleError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            LifecycleError::InvalidArgument(_) => 400,
            LifecycleError::QuotaExceeded(_) | LifecycleError::Forbidden(_) => 403,
            LifecycleError::AccountClosed(_) => 404,
            LifecycleError::LoginBlocked(_) => 401,
        }
    }

    /// The `error` string.
    pub fn code(&self) -> &'static str {
        match self {
            LifecycleError::InvalidArgument(_) => "illegal_argument",
            LifecycleError::QuotaExceeded(_) => "exceed_limit",
            LifecycleError::AccountClosed(_) => "account_closed",
            LifecycleError::Forbidden(_) => "forbidden_op",
            LifecycleError::LoginBlocked(_) => "login_blocked",
        }
    }

    /// The RongCloud Server API code (spec 04 §13). A closed id and a login block answer with
    /// the client codes 31029 (`RC_CONN_USER_ABANDON`) and 31009 (`RC_CONN_USER_BLOCKED`): the
    /// server's own codes are undocumented.
    pub fn rong_code(&self) -> u16 {
        match self {
            LifecycleError::InvalidArgument(_) | LifecycleError::QuotaExceeded(_) => 1002,
            LifecycleError::AccountClosed(_) => 31029,
            LifecycleError::Forbidden(_) => 1009,
            LifecycleError::LoginBlocked(_) => 31009,
        }
    }
}

/// `400 illegal_argument` with this text.
pub(crate) fn invalid(msg: impl Into<String>) -> crate::Error {
    LifecycleError::InvalidArgument(msg.into()).into()
}
