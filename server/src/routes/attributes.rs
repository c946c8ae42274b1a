//! User attributes, "metadata" (spec 01 §9). Set takes a form of `key=value` pairs as the
//! vendor does (`application/x-www-form-urlencoded`); a JSON object is accepted too (values
//! that are not strings are stored as their JSON text). Answers use the bare envelope: `{timestamp, data, duration}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post, put};
use imcore::{
    AttributeCapacity, BatchGetAttributes, DeleteAttributes, GetAttributes, SetAttributes,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::shared::{as_text, null_default, object_json, strings_json};
use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Call, parse_form};
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/metadata/user/capacity", get(capacity))
        .route("/{org}/{app}/metadata/user/get", post(batch_get))
        .route(
            "/{org}/{app}/metadata/user/{username}",
            put(set).get(read).delete(remove),
        )
}

/// `PUT /metadata/user/{username}`: merges the pairs; `data` holds only the pairs sent.
async fn set(call: Call, body: Body) -> ApiResult<Envelope> {
    let username = call.user("username")?;
    let pairs: Vec<(String, String)> = if call.is_form() {
        let bytes = call.bytes(body).await?;
        let text =
            std::str::from_utf8(&bytes).map_err(|_| ApiError::illegal("the form is not UTF-8"))?;
        parse_form(text)?
    } else {
        let obj: Map<String, Value> = call.json(body).await?;
        as_text(obj)
    };
    let stored = call.exec(SetAttributes { username, pairs })?;
    Ok(Envelope::bare(&call, None).data(strings_json(&stored)))
}

/// `GET /metadata/user/{username}`: every pair; `{}` for unknown users.
async fn read(call: Call) -> ApiResult<Envelope> {
    let m = call.ask(GetAttributes {
        username: call.user("username")?,
    })?;
    Ok(Envelope::bare(&call, None).data(strings_json(&m)))
}

/// `DELETE /metadata/user/{username}`: `data: true`.
async fn remove(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(DeleteAttributes {
        username: call.user("username")?,
    })?;
    Ok(Envelope::bare(&call, None).data(r))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = UserAttributesQuery)]
pub(crate) struct BatchBody {
    #[serde(default, deserialize_with = "null_default")]
    targets: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    properties: Vec<String>,
}

/// `POST /metadata/user/get`, body `{targets, properties}`: `data: {<target>: {..}}`.
async fn batch_get(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: BatchBody = call.json(body).await?;
    let r = call.ask(BatchGetAttributes {
        targets: b.targets,
        properties: b.properties,
    })?;
    let data = object_json(r.iter().map(|(user, m)| (user.as_str(), strings_json(m))));
    Ok(Envelope::bare(&call, None).data(data))
}

/// `GET /metadata/user/capacity`: `data` is the app's attribute bytes in use.
async fn capacity(call: Call) -> ApiResult<Envelope> {
    let n = call.ask(AttributeCapacity)?;
    Ok(Envelope::bare(&call, None).data(n))
}
