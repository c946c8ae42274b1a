//! Tokens (spec 01 §3): `POST /{org}/{app}/token` for the `client_credentials`, `password`
//! and `inherit` grants. The engine checks the grant ([`CheckGrant`]) and keeps nothing; the
//! host mints a self-contained signed token ([`crate::tokens`]), so minting costs no memory
//! and never invalidates another token. `ttl` is in seconds (absent: the app default, 60 days; `0`: never expires) and
//! so is `expires_in` in the answer.

use std::sync::Arc;

use axum::body::Body;
use axum::routing::post;
use axum::{Json, Router};
use imcore::{CheckGrant, Expiry, GrantType, IssueToken, Millis};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::conn::Peer;
use crate::envelope::user_json;
use crate::error::BODY_BYTES_MAX;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Call, TokenCall};
use crate::host::now_millis;
use crate::host::{Host, new_token, new_uuid};
use crate::tokens::Subject;
use imcore::users::{BAD_CLIENT, BAD_PASSWORD};
use std::net::IpAddr;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new().route("/{org}/{app}/token", post(token))
}

/// The token request body, as the vendor names its fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TokenBody {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    /// `null` reads as missing: `false`.
    #[serde(
        rename = "autoCreateUser",
        default,
        deserialize_with = "super::shared::null_default"
    )]
    auto_create_user: bool,
    ttl: Option<Value>,
}

/// The longest `ttl`, in seconds (2,147,483,647: about 68 years, the vendor's 32-bit bound).
pub const TTL_SECS_MAX: u64 = i32::MAX as u64;

/// `ttl` as seconds: a whole number `0..=`[`TTL_SECS_MAX`], also accepted as a string of
/// digits.
fn ttl_millis(v: Option<Value>) -> ApiResult<Option<Millis>> {
    let secs = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    secs.filter(|s| *s <= TTL_SECS_MAX)
        .map(|s| Some(Millis::from_secs(s)))
        .ok_or_else(|| {
            ApiError::illegal(format!(
                "ttl must be a whole number of seconds, 0 to {TTL_SECS_MAX}"
            ))
        })
}

/// The token endpoint: the body is read, the throttle consulted (per client address and per
/// username, on failures), then the grant is tried. For an app not served here the answer is
/// the one wrong credentials get, so that the endpoint does not tell which apps exist.
async fn token(
    axum::extract::State(host): axum::extract::State<Arc<Host>>,
    call: Result<TokenCall, ApiError>,
    peer: Option<axum::Extension<Peer>>,
    body: Body,
) -> ApiResult<Json<Value>> {
    // Without a peer address (the router served by another server than crate::conn), only
    // the per-user count applies: one shared address would let anyone throttle everyone.
    let client: Option<IpAddr> = peer.map(|p| p.0.0.ip());
    let (call, b): (Option<Call>, TokenBody) = match call {
        Ok(TokenCall(call)) => {
            let b = call.json(body).await?;
            (Some(call), b)
        }
        Err(e) if e.error == "organization_application_not_found" => {
            let bytes = axum::body::to_bytes(body, BODY_BYTES_MAX)
                .await
                .map_err(crate::extract::body_error)?;
            (
                None,
                serde_json::from_slice(&bytes).map_err(ApiError::json_parse)?,
            )
        }
        Err(e) => return Err(e),
    };
    let now = now_millis();
    // The user the throttle counts: app-qualified, case-folded, bounded.
    let app_key = call
        .as_ref()
        .map_or_else(String::new, |c| c.app.app.key().to_string());
    let user = match (b.grant_type.as_deref(), &b.username) {
        (Some("password"), Some(u)) => Some(format!(
            "{app_key}/{}",
            crate::error::truncate(&u.to_lowercase(), 128)
        )),
        _ => None,
    };
    let throttled = matches!(
        b.grant_type.as_deref(),
        Some("password" | "client_credentials")
    );
    if throttled {
        host.throttle.check(client, user.as_deref(), now)?;
    }
    let result = match call {
        Some(call) => issue(&call, b).await,
        None => Err(match b.grant_type.as_deref() {
            Some("client_credentials") => imcore::Error::InvalidGrant(BAD_CLIENT).into(),
            Some("password") => imcore::Error::InvalidGrant(BAD_PASSWORD).into(),
            Some("inherit") => imcore::Error::BadAccessToken.into(),
            Some(other) => unsupported(other),
            None => ApiError::illegal("grant_type must be provided"),
        }),
    };
    if let Err(e) = &result
        && throttled
        && e.error == "invalid_grant"
        && e.description != "user not activated"
    {
        host.throttle.fail(client, user.as_deref(), now);
    }
    result
}

fn unsupported(grant: &str) -> ApiError {
    ApiError::new(
        400,
        "unsupported_grant_type",
        format!("unsupported grant type: {grant}"),
    )
}

async fn issue(call: &Call, b: TokenBody) -> ApiResult<Json<Value>> {
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
        Some(other) => return Err(unsupported(other)),
        None => return Err(ApiError::illegal("grant_type must be provided")),
    };
    let ttl = ttl_millis(b.ttl)?;
    // The grant is checked, nothing recorded: the token is self-contained (crate::tokens).
    let checked = match call.ask(CheckGrant {
        grant: grant.clone(),
    }) {
        // inherit with autoCreateUser for a missing user: the engine creates the user (and
        // keeps the one grant of that call, which is not handed out).
        Err(ApiError { status: 404, .. })
            if matches!(
                grant,
                GrantType::Inherit {
                    auto_create: true,
                    ..
                }
            ) =>
        {
            call.exec(IssueToken {
                grant: grant.clone(),
                token: new_token(),
                ttl: Some(Millis(1)),
            })?;
            call.ask(CheckGrant { grant })?
        }
        other => other?,
    };
    let ttl = ttl.unwrap_or(call.app.app.limits().token_ttl_default);
    let expires = if ttl.0 == 0 {
        Expiry::Never
    } else {
        Expiry::At(call.now.after(ttl))
    };
    let subject = match &checked.user {
        None => Subject::App,
        Some((id, _)) => Subject::User(*id),
    };
    let token = call
        .app
        .token_key
        .mint(&subject, checked.credential, expires);
    let mut out = json!({
        "access_token": token,
        "expires_in": ttl.0 / 1000,
        "application": call.app.uuid,
    });
    if let Some((_, u)) = &checked.user {
        out["user"] = user_json(u);
    }
    Ok(Json(out))
}
