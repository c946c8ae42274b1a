//! Presence (spec 01 §13): set a status, subscribe, read, unsubscribe, the subscription list.
//! Answers are the vendor's: `{"result": ...}` (beside `timestamp` and `duration`), with
//! `last_time` and `expiry` as strings of epoch seconds (`""` for a `last_time` never set),
//! `status` as `{resource: status}` (`[]` when there is none), and `totalnum` as a string. The subscribe path's `expiry` is in seconds; a value that is no
//! whole number of seconds from 1 reaches the engine as 0 and gets its range error.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use imcore::{
    GetPresence, ListPresenceSubscriptions, Millis, PresenceView, SetPresence, SubscribePresence,
    Timestamp, UnsubscribePresence,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::shared::{UsernamesBody, body_users, strings_json};
use crate::envelope::Envelope;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/users/{username}/presence",
            post(read).delete(unsubscribe),
        )
        .route(
            "/{org}/{app}/users/{username}/presence/sublist",
            get(sublist),
        )
        .route(
            "/{org}/{app}/users/{username}/presence/{expiry}",
            post(subscribe),
        )
        .route(
            "/{org}/{app}/users/{username}/presence/{resource}/{status}",
            post(set),
        )
}

/// Epoch seconds as the vendor's string.
fn secs(t: Timestamp) -> Value {
    t.0.div_euclid(1000).to_string().into()
}

/// One name's presence. `status` is the `{resource: status}` object, or `[]` when the name
/// has none (unknown, or never seen), as the vendor answers it (the server SDK's presence test
/// reads an unknown user's status as an empty list).
fn presence_json(p: &PresenceView) -> Value {
    let status = if p.status.is_empty() {
        Value::Array(Vec::new())
    } else {
        strings_json(&p.status)
    };
    json!({
        "uid": p.uid,
        "last_time": p.last_time.map_or(Value::from(""), secs),
        "ext": p.ext,
        "status": status,
    })
}

fn answer(call: &Call, result: Value) -> Envelope {
    Envelope::bare(call, None).field("result", result)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ExtBody {
    ext: Option<String>,
}

/// `POST /users/{username}/presence/{resource}/{status}`, body `{ext}`: `{result: "ok"}`.
async fn set(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: Option<ExtBody> = call.json_opt(body).await?;
    call.exec(SetPresence {
        username: call.user("username")?,
        resource: call.param("resource").to_owned(),
        status: call.param("status").to_owned(),
        ext: b.and_then(|b| b.ext),
    })?;
    Ok(answer(&call, "ok".into()))
}

/// `POST /users/{username}/presence/{expiry}`, body `{usernames}`: `{result: [{uid,
/// last_time, expiry, ext, status}]}`.
async fn subscribe(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let secs_given = call
        .param("expiry")
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .unwrap_or(0);
    let out = call.exec(SubscribePresence {
        username: call.user("username")?,
        duration: Millis::from_secs(secs_given as u64),
        usernames: body_users(&b.usernames)?,
    })?;
    let result: Vec<Value> = out
        .iter()
        .map(|s| {
            let mut v = presence_json(&s.presence);
            v["expiry"] = secs(s.expiry);
            v
        })
        .collect();
    Ok(answer(&call, Value::Array(result)))
}

/// `POST /users/{username}/presence`, body `{usernames}`: `{result: [{uid, last_time, ext,
/// status}]}`.
async fn read(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let out = call.ask(GetPresence {
        username: call.user("username")?,
        usernames: body_users(&b.usernames)?,
    })?;
    Ok(answer(
        &call,
        Value::Array(out.iter().map(presence_json).collect()),
    ))
}

/// The unsubscribe body: the names as an array, or `{usernames}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(crate) enum NamesBody {
    List(Vec<String>),
    Object(UsernamesBody),
}

/// `DELETE /users/{username}/presence`, body: the names: `{result: "ok"}`.
async fn unsubscribe(call: Call, body: Body) -> ApiResult<Envelope> {
    let names = match call.json_opt::<NamesBody>(body).await? {
        None => Vec::new(),
        Some(NamesBody::List(l)) => l,
        Some(NamesBody::Object(o)) => o.usernames,
    };
    call.exec(UnsubscribePresence {
        username: call.user("username")?,
        usernames: body_users(&names)?,
    })?;
    Ok(answer(&call, "ok".into()))
}

/// `GET /users/{username}/presence/sublist?pageNum&pageSize`: `{result: {totalnum, sublist:
/// [{uid, expiry}]}}`.
async fn sublist(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListPresenceSubscriptions {
        username: call.user("username")?,
        page_num: call.query_u32("pageNum")?,
        page_size: call.query_u32("pageSize")?,
    })?;
    let list: Vec<Value> = page
        .sublist
        .iter()
        .map(|s| json!({"uid": s.uid.as_str(), "expiry": secs(s.expiry)}))
        .collect();
    Ok(answer(
        &call,
        json!({"totalnum": page.totalnum.to_string(), "sublist": list}),
    ))
}
