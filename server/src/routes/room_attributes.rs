//! Chatroom custom attributes (spec 03 §3.9), all under `/metadata/chatroom/{id}`:
//! get by `POST` (body `{keys?}`), set by `PUT …/user/{op}` (body `{metaData, autoDelete?}`),
//! forced set by `PUT …/user/{op}/forced`, delete by `DELETE …/user/{op}` (body `{keys}`) and
//! forced delete by `DELETE …/user/{op}/forced`. Writes answer `data: {successKeys,
//! errorKeys}` with HTTP 200 whatever the per-key outcome.
//!
//! `op` is the operator: a user id, or the pseudo-operator `admin` (any case) for the app
//! admin. With the app token, `admin` is always the pseudo-operator, even if a user is named
//! `admin`; with a user token, `op` must be the caller (else `E_PERM`).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post, put};
use imcore::rooms::{
    DeleteRoomAttributes, GetRoomAttributeOwners, GetRoomAttributes, RoomAttrResult,
    SetRoomAttributes,
};
use imcore::{Actor, UserName};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::rooms::room;
use crate::envelope::Envelope;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/metadata/chatroom/{id}", post(get_attrs))
        .route("/{org}/{app}/metadata/chatroom/{id}/owners", get(owners))
        .route(
            "/{org}/{app}/metadata/chatroom/{id}/user/{op}",
            put(set).delete(remove),
        )
        .route(
            "/{org}/{app}/metadata/chatroom/{id}/user/{op}/forced",
            put(set_forced).delete(remove_forced),
        )
}

/// The operator in the path: `None` for `admin` with the app token, else the user.
fn operator(call: &Call) -> ApiResult<Option<UserName>> {
    let raw = call.param("op");
    if call.actor == Actor::Admin && raw.eq_ignore_ascii_case("admin") {
        return Ok(None);
    }
    Ok(Some(call.user("op")?))
}

fn result_json(r: &RoomAttrResult) -> Value {
    let mut errs = Map::new();
    for (k, why) in &r.error_keys {
        errs.insert(k.clone(), why.as_str().into());
    }
    json!({"successKeys": r.success_keys, "errorKeys": errs})
}

#[derive(Deserialize, Default)]
struct KeysBody {
    keys: Option<Vec<String>>,
}

/// `POST /metadata/chatroom/{id}`, body `{keys?}` (or none): `data: {key: value}`, all keys
/// when `keys` is absent or empty.
async fn get_attrs(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let b: KeysBody = call.json_opt(body).await?.unwrap_or_default();
    let m = call.ask(GetRoomAttributes {
        room: id,
        keys: b.keys,
    })?;
    let mut data = Map::new();
    for (k, v) in m {
        data.insert(k, v.into());
    }
    Ok(Envelope::full(&call, "post").data(data))
}

#[derive(Deserialize)]
struct SetBody {
    #[serde(rename = "metaData", default)]
    meta_data: IndexMap<String, Value>,
    #[serde(rename = "autoDelete")]
    auto_delete: Option<String>,
}

async fn do_set(call: Call, body: Body, forced: bool) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let operator = operator(&call)?;
    let b: SetBody = call.json(body).await?;
    // Non-string values are stored as their JSON text.
    let attrs = b
        .meta_data
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect();
    let r = call.exec(SetRoomAttributes {
        room: id,
        operator,
        attrs,
        auto_delete: b.auto_delete,
        forced,
    })?;
    Ok(Envelope::full(&call, "put").data(result_json(&r)))
}

/// `PUT /metadata/chatroom/{id}/user/{op}`, body `{metaData: {k: v}, autoDelete?}`.
async fn set(call: Call, body: Body) -> ApiResult<Envelope> {
    do_set(call, body, false).await
}

/// `PUT /metadata/chatroom/{id}/user/{op}/forced`: as set, ownership ignored.
async fn set_forced(call: Call, body: Body) -> ApiResult<Envelope> {
    do_set(call, body, true).await
}

async fn do_remove(call: Call, body: Body, forced: bool) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let operator = operator(&call)?;
    let b: KeysBody = call.json_opt(body).await?.unwrap_or_default();
    let r = call.exec(DeleteRoomAttributes {
        room: id,
        operator,
        keys: b.keys.unwrap_or_default(),
        forced,
    })?;
    Ok(Envelope::full(&call, "delete").data(result_json(&r)))
}

/// `DELETE /metadata/chatroom/{id}/user/{op}`, body `{keys}`: only the operator's own keys.
async fn remove(call: Call, body: Body) -> ApiResult<Envelope> {
    do_remove(call, body, false).await
}

/// `DELETE /metadata/chatroom/{id}/user/{op}/forced`: whoever owns them.
async fn remove_forced(call: Call, body: Body) -> ApiResult<Envelope> {
    do_remove(call, body, true).await
}

/// `GET /metadata/chatroom/{id}/owners` (host path): `data: {key: owner}`, `admin` for the
/// app admin's keys. Members and the app admin.
async fn owners(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let m = call.ask(GetRoomAttributeOwners { room: id })?;
    let mut data = Map::new();
    for (k, o) in m {
        data.insert(k, o.as_ref().map_or("admin", |o| o.as_str()).into());
    }
    Ok(Envelope::full(&call, "get").data(data))
}
