//! Tokens (spec 01 §3): `POST /{org}/{app}/token` for the `client_credentials`, `password`
//! and `inherit` grants. The host mints the token string (256 random bits); the engine keeps
//! the grant. `ttl` is in seconds (absent: the app default, 60 days; `0`: never expires) and
//! so is `expires_in` in the answer.

use std::sync::Arc;

use axum::body::Body;
use axum::routing::post;
use axum::{Json, Router};
use imcore::{GrantType, IssueToken, Millis};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::envelope::user_json;
use crate::error::{ApiError, ApiResult};
use crate::extract::TokenCall;
use crate::host::{Host, new_token, new_uuid};

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new().route("/{org}/{app}/token", post(token))
}

/// The token request body, as the vendor names its fields.
#[derive(Deserialize)]
struct TokenBody {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    #[serde(rename = "autoCreateUser", default)]
    auto_create_user: bool,
    ttl: Option<Value>,
}

/// `ttl` as seconds: a whole number `>= 0`, also accepted as a string of digits.
fn ttl_millis(v: Option<Value>) -> ApiResult<Option<Millis>> {
    let secs = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    secs.map(|s| Some(Millis::from_secs(s)))
        .ok_or_else(|| ApiError::illegal("ttl must be a whole number of seconds, 0 or more"))
}

async fn token(TokenCall(call): TokenCall, body: Body) -> ApiResult<Json<Value>> {
    let b: TokenBody = call.json(body).await?;
    let grant = match b.grant_type.as_deref() {
        Some("client_credentials") => GrantType::ClientCredentials {
            client_id: b.client_id.unwrap_or_default(),
            client_secret: b.client_secret.unwrap_or_default(),
        },
        Some("password") => GrantType::Password {
            username: b.username.unwrap_or_default(),
            password: b.password.unwrap_or_default(),
        },
        Some("inherit") => GrantType::Inherit {
            username: b.username.unwrap_or_default(),
            auto_create: b.auto_create_user,
            uuid: new_uuid(),
        },
        Some(other) => {
            return Err(ApiError::new(
                400,
                "unsupported_grant_type",
                format!("unsupported grant type: {other}"),
            ));
        }
        None => return Err(ApiError::illegal("grant_type must be provided")),
    };
    let ttl = ttl_millis(b.ttl)?;
    let issued = call.exec(IssueToken {
        grant,
        token: new_token(),
        ttl,
    })?;
    let mut out = json!({
        "access_token": issued.access_token,
        "expires_in": issued.expires_in.0 / 1000,
        "application": call.app.uuid,
    });
    if let Some(u) = &issued.user {
        out["user"] = user_json(u);
    }
    Ok(Json(out))
}
