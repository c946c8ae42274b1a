//! RongCloud's answers: `{"code": 200, ...fields}` on success, `{"code": <n>, "errorMessage":
//! <text>}` on failure.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// A success answer: `code: 200` and the route's fields.
pub struct RongOk(pub Map<String, Value>);

impl RongOk {
    /// `{"code": 200}` and nothing else.
    pub fn empty() -> RongOk {
        RongOk(Map::new())
    }

    /// Adds a field.
    pub fn with(mut self, key: &str, v: impl Into<Value>) -> RongOk {
        self.0.insert(key.into(), v.into());
        self
    }
}

impl IntoResponse for RongOk {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("code".into(), 200.into());
        body.extend(self.0);
        Json(Value::Object(body)).into_response()
    }
}

/// A failed request: RongCloud's code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RongError {
    /// RongCloud's code (`1002` bad input, `1004` signature, `2007` user cap, ...).
    pub code: u16,
    /// `errorMessage`.
    pub message: String,
}

impl RongError {
    /// `1002`: a parameter is missing or breaks its rule.
    pub fn param(message: impl Into<String>) -> RongError {
        RongError {
            code: 1002,
            message: message.into(),
        }
    }

    /// `1004`: the signature is missing, stale or wrong, or the app key unknown.
    pub fn signature(message: impl Into<String>) -> RongError {
        RongError {
            code: 1004,
            message: message.into(),
        }
    }

    /// `1000`: the server failed (a command that could not be made durable, a panic).
    pub fn internal(message: impl Into<String>) -> RongError {
        RongError {
            code: 1000,
            message: message.into(),
        }
    }

    /// The HTTP status sent with the code: 401 for `1004`, 429 for `1008`, 500 for `1000`,
    /// 400 for the rest.
    pub fn status(&self) -> u16 {
        match self.code {
            1004 => 401,
            1008 => 429,
            1000 => 500,
            _ => 400,
        }
    }
}

impl From<imcore::Error> for RongError {
    fn from(e: imcore::Error) -> RongError {
        RongError {
            code: e.rong_code(),
            message: e.to_string(),
        }
    }
}

impl IntoResponse for RongError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "code": self.code, "errorMessage": self.message });
        (status, Json(body)).into_response()
    }
}

/// A RongCloud route's result.
pub type RongResult = Result<RongOk, RongError>;
