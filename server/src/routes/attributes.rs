//! User attributes, "metadata" (spec 01 §9). Set takes a form of `key=value` pairs as the
//! vendor does (`application/x-www-form-urlencoded`); a JSON object of strings is accepted
//! too. Answers use the bare envelope: `{timestamp, data, duration}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post, put};
use imcore::{
    AttributeCapacity, BatchGetAttributes, DeleteAttributes, GetAttributes, SetAttributes,
};
use serde::Deserialize;
use serde_json::{Map, Value};

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

/// Ordered `(key, value)` pairs as a JSON object, in their order.
fn pairs_json<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
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
        // Non-string JSON values are stored as their JSON text.
        obj.into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect()
    };
    let stored = call.exec(SetAttributes { username, pairs })?;
    Ok(Envelope::bare(&call, None).data(pairs_json(&stored)))
}

/// `GET /metadata/user/{username}`: every pair; `{}` for unknown users.
async fn read(call: Call) -> ApiResult<Envelope> {
    let m = call.ask(GetAttributes {
        username: call.user("username")?,
    })?;
    Ok(Envelope::bare(&call, None).data(pairs_json(&m)))
}

/// `DELETE /metadata/user/{username}`: `data: true`.
async fn remove(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(DeleteAttributes {
        username: call.user("username")?,
    })?;
    Ok(Envelope::bare(&call, None).data(r))
}

#[derive(Deserialize)]
struct BatchBody {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    properties: Vec<String>,
}

/// `POST /metadata/user/get`, body `{targets, properties}`: `data: {<target>: {..}}`.
async fn batch_get(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: BatchBody = call.json(body).await?;
    let r = call.ask(BatchGetAttributes {
        targets: b.targets,
        properties: b.properties,
    })?;
    let mut data = Map::new();
    for (user, m) in &r {
        data.insert(user.clone(), pairs_json(m));
    }
    Ok(Envelope::bare(&call, None).data(data))
}

/// `GET /metadata/user/capacity`: `data` is the app's attribute bytes in use.
async fn capacity(call: Call) -> ApiResult<Envelope> {
    let n = call.ask(AttributeCapacity)?;
    Ok(Envelope::bare(&call, None).data(n))
}
