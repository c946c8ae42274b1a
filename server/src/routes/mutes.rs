//! Global mutes (spec 01 §12). Durations are vendor seconds: `n > 0` mutes for `n` seconds,
//! `0` lifts, `-1` mutes forever; any other value is `400 illegal_argument`. Reads show the
//! remaining whole seconds (rounded up), `-1` for forever and `0` when not muted.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use imcore::{
    GetGlobalMute, ListGlobalMutes, Millis, MuteScope, MuteValue, Remaining, SetGlobalMute,
    UserName,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::shared::{null_default, object_json};
use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/mutes", post(set).get(list))
        .route("/{org}/{app}/mutes/{username}", get(read))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = GlobalMuteBody)]
pub(crate) struct MuteBody {
    #[serde(default, deserialize_with = "null_default")]
    username: String,
    chat: Option<Value>,
    groupchat: Option<Value>,
    chatroom: Option<Value>,
}

/// A vendor duration in seconds as the engine's [`MuteValue`]; `None` when not given.
fn mute_value(scope: &str, v: Option<Value>) -> ApiResult<Option<MuteValue>> {
    let secs = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(_) => None,
    };
    match secs {
        Some(-1) => Ok(Some(MuteValue::Forever)),
        Some(0) => Ok(Some(MuteValue::Lift)),
        Some(n) if n > 0 => Ok(Some(MuteValue::For(Millis::from_secs(n as u64)))),
        _ => Err(ApiError::illegal(format!(
            "{scope} must be -1, 0 or a number of seconds from 1 to 2147483647"
        ))),
    }
}

/// `POST /mutes`, body `{username, chat?, groupchat?, chatroom?}`: `data: {result: "ok"}`.
async fn set(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: MuteBody = call.json(body).await?;
    let chat = mute_value("chat", b.chat)?;
    let groupchat = mute_value("groupchat", b.groupchat)?;
    let chatroom = mute_value("chatroom", b.chatroom)?;
    // The vendor's error for a missing or unknown user in the body.
    let username =
        UserName::parse(&b.username).map_err(|_| imcore::Error::RequiredPropertyNotFound)?;
    call.exec(SetGlobalMute {
        username,
        chat,
        groupchat,
        chatroom,
    })?;
    Ok(Envelope::full(&call).data(json!({ "result": "ok" })))
}

fn secs(r: Option<Remaining>) -> i64 {
    r.map_or(0, Remaining::vendor_secs)
}

/// `GET /mutes/{username}`: `data: {userid, chat, groupchat, chatroom, unixtime}`.
async fn read(call: Call) -> ApiResult<Envelope> {
    let username = UserName::parse(call.param("username"))
        .map_err(|_| imcore::Error::RequiredPropertyNotFound)?;
    let v = call.ask(GetGlobalMute { username })?;
    Ok(Envelope::full(&call).data(json!({
        "userid": v.username.as_str(),
        "chat": secs(v.chat),
        "groupchat": secs(v.groupchat),
        "chatroom": secs(v.chatroom),
        "unixtime": v.now.0 / 1000,
    })))
}

fn scope_name(s: MuteScope) -> &'static str {
    match s {
        MuteScope::Chat => "chat",
        MuteScope::GroupChat => "groupchat",
        MuteScope::ChatRoom => "chatroom",
    }
}

/// `GET /mutes?pageNum&pageSize`: `data: {data: [{username, <scope>: secs}], unixtime}`, one
/// entry per active (user, scope).
async fn list(call: Call) -> ApiResult<Envelope> {
    let entries = call.ask(ListGlobalMutes {
        page_num: call.query_u32("pageNum")?,
        page_size: call.query_u32("pageSize")?,
    })?;
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            object_json([
                ("username", Value::from(e.username.as_str())),
                (scope_name(e.scope), e.remaining.vendor_secs().into()),
            ])
        })
        .collect();
    Ok(Envelope::full(&call).data(json!({
        "data": items,
        "unixtime": call.now.0 / 1000,
    })))
}
