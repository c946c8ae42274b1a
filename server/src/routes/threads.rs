//! Threads (spec 02 §11): create, rename, delete, members (list, join a batch, kick a
//! batch), the app's threads and a user's threads (all, or in one group). Lists are cursor
//! paged (`limit`, `cursor`, `sort=asc|desc`).
//!
//! Host paths (no vendor REST equivalent): `POST /thread/{t}/join` and
//! `POST /thread/{t}/leave` (the caller's token, or the `username` query parameter with the
//! app token).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use imcore::groups::{
    CreateThread, DeleteThread, GroupSort, JoinThread, JoinThreadMembers, KickThreadMembers,
    LeaveThread, ListAppThreads, ListThreadMembers, ListUserThreads, ListUserThreadsInGroup,
    RenameThread, ThreadInfo,
};
use imcore::{Actor, GroupId, ThreadId, UserName};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::rooms::{UsernamesBody, body_users, names_json};
use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/thread", post(create).get(list_app))
        .route(
            "/{org}/{app}/thread/{t}",
            axum::routing::put(rename).delete(remove),
        )
        .route(
            "/{org}/{app}/thread/{t}/users",
            get(members).post(join_members).delete(kick_members),
        )
        .route("/{org}/{app}/thread/{t}/join", post(join))
        .route("/{org}/{app}/thread/{t}/leave", post(leave))
        .route("/{org}/{app}/threads/user/{username}", get(user_threads))
        .route(
            "/{org}/{app}/threads/chatgroups/{g}/user/{username}",
            get(user_threads_in_group),
        )
}

fn t(call: &Call) -> ThreadId {
    call.param("t").into()
}

fn sort(call: &Call) -> ApiResult<Option<GroupSort>> {
    match call.query("sort") {
        None | Some("") => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("asc") => Ok(Some(GroupSort::Asc)),
        Some(s) if s.eq_ignore_ascii_case("desc") => Ok(Some(GroupSort::Desc)),
        Some(s) => Err(ApiError::new(
            400,
            "invalid_parameter",
            format!("sort must be asc or desc, got {s}"),
        )),
    }
}

fn text(m: &Map<String, Value>, k: &str) -> ApiResult<Option<String>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::json_parse(format!("{k} must be a string"))),
    }
}

/// `POST /thread`, body `{group_id, name, msg_id, owner}`: `data: {thread_id}`.
async fn create(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let r = call.exec(CreateThread {
        group: text(&m, "group_id")?.map(GroupId::from),
        name: text(&m, "name")?,
        msg_id: text(&m, "msg_id")?,
        owner: text(&m, "owner")?
            .map(|o| UserName::parse(&o))
            .transpose()?,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({ "thread_id": r.thread_id })))
}

#[derive(Deserialize)]
struct NameBody {
    #[serde(default)]
    name: String,
}

/// `PUT /thread/{t}`, body `{name}`: `data: {name}`.
async fn rename(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: NameBody = call.json(body).await?;
    let name = call.exec(RenameThread {
        thread: t(&call),
        name: b.name,
    })?;
    Ok(Envelope::full(&call, "put").data(json!({ "name": name })))
}

/// `DELETE /thread/{t}`: `data: {status: "ok"}`.
async fn remove(call: Call) -> ApiResult<Envelope> {
    call.exec(DeleteThread { thread: t(&call) })?;
    Ok(Envelope::full(&call, "delete").data(json!({"status": "ok"})))
}

/// `GET /thread?limit&cursor&sort`: `entities: [{id}]`, `properties.cursor` as the vendor,
/// and `cursor` at the top.
async fn list_app(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListAppThreads {
        limit: call.query_u32("limit")?,
        cursor: call.query("cursor").map(str::to_owned),
        sort: sort(&call)?,
    })?;
    let items: Vec<Value> = page.items.iter().map(|id| json!({ "id": id })).collect();
    let props = json!({ "cursor": page.cursor.clone() });
    Ok(Envelope::full(&call, "get")
        .count(items.len())
        .entities(items)
        .field("properties", props)
        .cursor(page.cursor))
}

fn info_json(i: &ThreadInfo) -> Value {
    json!({
        "id": i.id, "name": i.name, "owner": i.owner.as_str(), "msgId": i.msg_id,
        "groupId": i.group_id, "created": i.created.0,
    })
}

/// `GET /threads/user/{user}?limit&cursor&sort`: `entities: [{id, name, owner, msgId,
/// groupId, created}]`, `cursor`.
async fn user_threads(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListUserThreads {
        user: call.user("username")?,
        limit: call.query_u32("limit")?,
        cursor: call.query("cursor").map(str::to_owned),
        sort: sort(&call)?,
    })?;
    let items: Vec<Value> = page.items.iter().map(info_json).collect();
    Ok(Envelope::full(&call, "get")
        .count(items.len())
        .entities(items)
        .field("properties", json!({ "cursor": page.cursor.clone() }))
        .cursor(page.cursor))
}

/// `GET /threads/chatgroups/{g}/user/{user}?limit&cursor&sort`: as the user's threads, in one
/// group.
async fn user_threads_in_group(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListUserThreadsInGroup {
        group: call.param("g").into(),
        user: call.user("username")?,
        limit: call.query_u32("limit")?,
        cursor: call.query("cursor").map(str::to_owned),
        sort: sort(&call)?,
    })?;
    let items: Vec<Value> = page.items.iter().map(info_json).collect();
    Ok(Envelope::full(&call, "get")
        .count(items.len())
        .entities(items)
        .field("properties", json!({ "cursor": page.cursor.clone() }))
        .cursor(page.cursor))
}

/// `GET /thread/{t}/users?limit&cursor`: `data: {affiliations: [user], cursor?}`.
async fn members(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListThreadMembers {
        thread: t(&call),
        limit: call.query_u32("limit")?,
        cursor: call.query("cursor").map(str::to_owned),
    })?;
    let mut data = json!({ "affiliations": names_json(&page.items) });
    if let Some(c) = &page.cursor {
        data["cursor"] = c.as_str().into();
    }
    Ok(Envelope::full(&call, "get")
        .count(page.items.len())
        .data(data)
        .cursor(page.cursor))
}

/// `POST /thread/{t}/users`, body `{usernames}`: `data: {status: "ok"}`.
async fn join_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    call.exec(JoinThreadMembers {
        thread: t(&call),
        users: body_users(&b.usernames)?,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({"status": "ok"})))
}

/// `DELETE /thread/{t}/users`, body `{usernames}`: `data: [{user, result, reason?}]`.
async fn kick_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let items = call.exec(KickThreadMembers {
        thread: t(&call),
        users: body_users(&b.usernames)?,
    })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("user".into(), i.user.as_str().into());
            m.insert("result".into(), i.result.into());
            if let Some(r) = &i.reason {
                m.insert("reason".into(), r.as_str().into());
            }
            Value::Object(m)
        })
        .collect();
    Ok(Envelope::full(&call, "delete").data(data))
}

fn self_user(call: &Call) -> ApiResult<UserName> {
    match (&call.actor, call.query("username")) {
        (Actor::User(u), None) => Ok(u.clone()),
        (_, Some(n)) => Ok(UserName::parse(n)?),
        (_, None) => Err(ApiError::new(
            400,
            "invalid_parameter",
            "username must be provided",
        )),
    }
}

/// `POST /thread/{t}/join` (host path): `data: {result, thread_id, user}`.
async fn join(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call)?;
    let r = call.exec(JoinThread {
        thread: t(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "post")
        .data(json!({"result": r, "thread_id": t(&call), "user": user.as_str()})))
}

/// `POST /thread/{t}/leave` (host path): `data: {result, thread_id, user}`.
async fn leave(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call)?;
    let r = call.exec(LeaveThread {
        thread: t(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "post")
        .data(json!({"result": r, "thread_id": t(&call), "user": user.as_str()})))
}
