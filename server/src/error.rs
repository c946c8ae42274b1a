//! The vendor's error body: `{"error", "error_description", "exception", "timestamp",
//! "duration"}` with the vendor's HTTP status.
//!
//! Engine errors carry their own status and `error` string ([`imcore::Error::status`],
//! [`imcore::Error::code`]); errors of the HTTP layer itself (malformed JSON, wrong content
//! type, oversized bodies, unknown routes) are made here with the statuses spec 01 §19 gives
//! for the adapter layer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::host::now_millis;

/// Largest request body the server reads, in bytes (1 MiB). Bigger bodies get `413`.
pub const BODY_BYTES_MAX: usize = 1024 * 1024;

/// The longest `error_description` sent, in bytes: errors that quote the input (an illegal
/// username, a path) never echo more than this.
pub const DESCRIPTION_BYTES_MAX: usize = 512;

/// `s` cut to at most `max` bytes on a character boundary, with `…` appended when cut.
pub fn truncate(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return s.into();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end]).into()
}

/// An error answer in the vendor's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The vendor's `error` string.
    pub error: String,
    /// The vendor's `error_description`.
    pub description: String,
}

impl ApiError {
    /// An error with the given status, `error` string and description.
    pub fn new(status: u16, error: &str, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            description: description.into(),
        }
    }

    /// `400 json_parse`: the body is not the JSON the route expects.
    pub fn json_parse(why: impl std::fmt::Display) -> ApiError {
        ApiError::new(400, "json_parse", format!("Unexpected request body: {why}"))
    }

    /// `400 illegal_argument` with the given text.
    pub fn illegal(why: impl Into<String>) -> ApiError {
        ApiError::new(400, "illegal_argument", why)
    }

    /// `415 web_application`: the content type is not one the route reads.
    pub fn unsupported_media(got: &str, want: &str) -> ApiError {
        ApiError::new(
            415,
            "web_application",
            format!("Unsupported Media Type: {got}; this route reads {want}"),
        )
    }

    /// `413 Request Entity Too Large`: the body is over [`BODY_BYTES_MAX`].
    pub fn body_too_large() -> ApiError {
        ApiError::new(
            413,
            "Request Entity Too Large",
            format!("request body is over {BODY_BYTES_MAX} bytes"),
        )
    }

    /// The Java exception name the vendor reports beside an `error` string (informational).
    fn exception(&self) -> &'static str {
        match self.error.as_str() {
            "unauthorized" | "auth_bad_access_token" | "metadata_error" => "UnauthorizedException",
            "illegal_argument" | "BAD_REQUEST" => "java.lang.IllegalArgumentException",
            "json_parse" => "com.fasterxml.jackson.core.JsonParseException",
            "duplicate_unique_property_exists" => "DuplicateUniquePropertyExistsException",
            "required_property_not_found" => "RequiredPropertyNotFoundException",
            "organization_application_not_found" => "OrganizationApplicationNotFoundException",
            "service_resource_not_found" => "ServiceResourceNotFoundException",
            "entity_not_found" => "EntityNotFoundException",
            "invalid_grant" | "unsupported_grant_type" => "InvalidGrantException",
            "forbidden_op" | "FORBIDDEN" | "exceed_limit" => "ForbiddenOpException",
            "resource_limited" => "ResourceLimitedException",
            "web_application" | "method_not_allowed" => "WebApplicationException",
            "Request Entity Too Large" => "RequestEntityTooLargeException",
            _ => "EasemobException",
        }
    }
}

impl From<imcore::Error> for ApiError {
    fn from(e: imcore::Error) -> ApiError {
        ApiError::new(e.status(), e.code(), e.to_string())
    }
}

impl From<imcore::rooms::RoomError> for ApiError {
    fn from(e: imcore::rooms::RoomError) -> ApiError {
        imcore::Error::from(e).into()
    }
}

impl From<imcore::groups::GroupError> for ApiError {
    fn from(e: imcore::groups::GroupError) -> ApiError {
        imcore::Error::from(e).into()
    }
}

impl ApiError {
    /// The vendor's error body for this error. A description over
    /// [`DESCRIPTION_BYTES_MAX`] (one quoting a huge input) is cut there, ending in `…`.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "error": self.error,
            "error_description": truncate(&self.description, DESCRIPTION_BYTES_MAX),
            "exception": self.exception(),
            "timestamp": now_millis().0,
            "duration": 0,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.body())).into_response()
    }
}

/// `Result` with [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;
