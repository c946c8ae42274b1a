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
use serde_json::{Value, json};

use super::shared::{as_text, object_json, room};
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
            put(set::<false>).delete(remove::<false>),
        )
        .route(
            "/{org}/{app}/metadata/chatroom/{id}/user/{op}/forced",
            put(set::<true>).delete(remove::<true>),
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
    let errs = object_json(
        r.error_keys
            .iter()
            .map(|(k, why)| (k.as_str(), why.as_str())),
    );
    json!({"successKeys": r.success_keys, "errorKeys": errs})
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = RoomAttributeKeys)]
pub(crate) struct KeysBody {
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
    Ok(Envelope::full(&call).data(object_json(m)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = RoomAttributesBody)]
pub(crate) struct SetBody {
    /// `null` is as good as absent: the engine's "metaData must be provided".
    #[serde(rename = "metaData", default)]
    meta_data: Option<IndexMap<String, Value>>,
    #[serde(rename = "autoDelete")]
    auto_delete: Option<String>,
}

/// `PUT /metadata/chatroom/{id}/user/{op}`, body `{metaData: {k: v}, autoDelete?}` (non-string
/// values are stored as their JSON text); `…/forced`: the same, ownership ignored.
async fn set<const FORCED: bool>(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let operator = operator(&call)?;
    let b: SetBody = call.json(body).await?;
    let r = call.exec(SetRoomAttributes {
        room: id,
        operator,
        attrs: as_text(b.meta_data.unwrap_or_default()),
        auto_delete: b.auto_delete,
        forced: FORCED,
    })?;
    Ok(Envelope::full(&call).data(result_json(&r)))
}

/// `DELETE /metadata/chatroom/{id}/user/{op}`, body `{keys}`: only the operator's own keys;
/// `…/forced`: whoever owns them.
async fn remove<const FORCED: bool>(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let operator = operator(&call)?;
    let b: KeysBody = call.json_opt(body).await?.unwrap_or_default();
    let r = call.exec(DeleteRoomAttributes {
        room: id,
        operator,
        keys: b.keys.unwrap_or_default(),
        forced: FORCED,
    })?;
    Ok(Envelope::full(&call).data(result_json(&r)))
}

/// `GET /metadata/chatroom/{id}/owners` (host path): `data: {key: owner}`, `admin` for the
/// app admin's keys. Members and the app admin.
async fn owners(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let m = call.ask(GetRoomAttributeOwners { room: id })?;
    Ok(Envelope::full(&call)
        .data(object_json(m.iter().map(|(k, o)| {
            (k.as_str(), o.as_ref().map_or("admin", |o| o.as_str()))
        }))))
}
