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
use axum::routing::{get, post, put};
use imcore::groups::{
    CreateThread, DeleteThread, GroupError, JoinThread, JoinThreadMembers, KickThreadMembers,
    LeaveThread, ListAppThreads, ListThreadMembers, ListUserThreads, ListUserThreadsInGroup,
    RenameThread, ThreadInfo,
};
use imcore::{GroupId, Page, UserName};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::shared::{
    UsernamesBody, batch_results_json, body_users, cursor, group, names_json, page_answer,
    self_user, sort, thread,
};
use crate::envelope::Envelope;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/thread", post(create).get(list_app))
        .route("/{org}/{app}/thread/{t}", put(rename).delete(remove))
        .route(
            "/{org}/{app}/thread/{t}/users",
            get(members).post(join_members).delete(kick_members),
        )
        .route("/{org}/{app}/thread/{t}/join", post(join::<true>))
        .route("/{org}/{app}/thread/{t}/leave", post(join::<false>))
        .route("/{org}/{app}/threads/user/{username}", get(user_threads))
        .route(
            "/{org}/{app}/threads/chatgroups/{g}/user/{username}",
            get(user_threads),
        )
}

/// A field of a thread creation body: a string, or for the ids (`id_like`) also a whole
/// number, as in the vendor's own request example (`"group_id": 179800091197441, "msg_id":
/// 1234`); absent or `null` is `None`. Another type is `Err` (the body is unreadable).
fn create_field(m: &Map<String, Value>, k: &str, id_like: bool) -> Result<Option<String>, ()> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if id_like && (n.is_u64() || n.is_i64()) => Ok(Some(n.to_string())),
        Some(_) => Err(()),
    }
}

/// `POST /thread`, body `{group_id, name, msg_id, owner}`: `data: {thread_id}`. A body that is
/// no JSON object, or has a field of the wrong type, is the vendor's `400 param_illegal`
/// "Failed to read HTTP message" (`T_BAD_BODY`, spec 02 H4), after the feature gate: the
/// engine is asked with no fields, which answers `T_NOT_OPEN` or `T_BAD_BODY`.
async fn create(call: Call, body: Body) -> ApiResult<Envelope> {
    let read: Option<Map<String, Value>> = match call.json(body).await {
        Ok(m) => Some(m),
        Err(e) if e.error == "json_parse" => None,
        Err(e) => return Err(e),
    };
    let fields = read.as_ref().and_then(|m| {
        Some((
            create_field(m, "group_id", true).ok()?,
            create_field(m, "name", false).ok()?,
            create_field(m, "msg_id", true).ok()?,
            create_field(m, "owner", false).ok()?,
        ))
    });
    let cmd = match fields {
        Some((group, name, msg_id, owner)) => CreateThread {
            group: group.map(GroupId::from),
            name,
            msg_id,
            owner: owner.map(|o| UserName::parse(&o)).transpose()?,
        },
        None => CreateThread::default(),
    };
    let r = call.exec(cmd)?;
    Ok(Envelope::full(&call).data(json!({ "thread_id": r.thread_id })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ThreadNameBody)]
pub(crate) struct NameBody {
    #[serde(default)]
    name: String,
}

/// `PUT /thread/{t}`, body `{name}`: `data: {name}`.
async fn rename(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: NameBody = call.json(body).await?;
    let name = call.exec(RenameThread {
        thread: thread(&call),
        name: b.name,
    })?;
    Ok(Envelope::full(&call).data(json!({ "name": name })))
}

/// `DELETE /thread/{t}`: `data: {status: "ok"}`.
async fn remove(call: Call) -> ApiResult<Envelope> {
    call.exec(DeleteThread {
        thread: thread(&call),
    })?;
    Ok(Envelope::full(&call).data(json!({"status": "ok"})))
}

/// A page of threads: `entities`, `count`, and the cursor both at the top (when more follow)
/// and as `properties.cursor` (`null` on the last page), as the vendor.
fn threads_answer<T>(call: &Call, page: Page<T>, item: impl Fn(&T) -> Value) -> Envelope {
    let items: Vec<Value> = page.items.iter().map(item).collect();
    Envelope::full(call)
        .count(items.len())
        .entities(items)
        .field("properties", json!({ "cursor": page.cursor.clone() }))
        .cursor(page.cursor)
}

/// `GET /thread?limit&cursor&sort`: `entities: [{id}]`.
async fn list_app(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListAppThreads {
        limit: call.query_u32("limit")?,
        cursor: cursor(&call),
        sort: sort(&call)?,
    })?;
    Ok(threads_answer(&call, page, |id| json!({ "id": id })))
}

fn info_json(i: &ThreadInfo) -> Value {
    json!({
        "id": i.id, "name": i.name, "owner": i.owner.as_str(), "msgId": i.msg_id,
        "groupId": i.group_id, "created": i.created.0,
    })
}

/// `GET /threads/user/{user}?limit&cursor&sort`, and `GET
/// /threads/chatgroups/{g}/user/{user}?…` for one group: `entities: [{id, name, owner, msgId,
/// groupId, created}]`.
async fn user_threads(call: Call) -> ApiResult<Envelope> {
    let user = call.user("username")?;
    let limit = call.query_u32("limit")?;
    let sort = sort(&call)?;
    let cursor = cursor(&call);
    let page = if call.has_param("g") {
        call.ask(ListUserThreadsInGroup {
            group: group(&call),
            user,
            limit,
            cursor,
            sort,
        })?
    } else {
        call.ask(ListUserThreads {
            user,
            limit,
            cursor,
            sort,
        })?
    };
    Ok(threads_answer(&call, page, info_json))
}

/// `GET /thread/{t}/users?limit&cursor`: `data: {affiliations: [user], cursor?}`, and the
/// cursor as `properties.cursor` too (`null` on an empty page), where the vendor's answer
/// carries it.
async fn members(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListThreadMembers {
        thread: thread(&call),
        limit: call.query_u32("limit")?,
        cursor: cursor(&call),
    })?;
    let data = json!({ "affiliations": names_json(&page.items) });
    let properties = json!({ "cursor": page.cursor.clone() });
    Ok(page_answer(&call, data, page.items.len(), page.cursor).field("properties", properties))
}

/// `POST /thread/{t}/users`, body `{usernames}`: `data: {status: "ok"}`.
async fn join_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    call.exec(JoinThreadMembers {
        thread: thread(&call),
        users: body_users(&b.usernames)?,
    })?;
    Ok(Envelope::full(&call).data(json!({"status": "ok"})))
}

/// `DELETE /thread/{t}/users`, body `{usernames}`: `entities: [{user, result, reason?}]`,
/// where the vendor's answer has the items, and the same items as `data`.
async fn kick_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let items = call.exec(KickThreadMembers {
        thread: thread(&call),
        users: body_users(&b.usernames)?,
    })?;
    let json = batch_results_json(&items);
    let entities = json.as_array().cloned().unwrap_or_default();
    Ok(Envelope::full(&call).entities(entities).data(json))
}

/// `POST /thread/{t}/join` and `POST /thread/{t}/leave` (host paths): `data: {result,
/// thread_id, user}`.
async fn join<const JOIN: bool>(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call, GroupError::MissingField("username"))?;
    let (t, u) = (thread(&call), user.clone());
    let r = if JOIN {
        call.exec(JoinThread { thread: t, user: u })?
    } else {
        call.exec(LeaveThread { thread: t, user: u })?
    };
    Ok(Envelope::full(&call)
        .data(json!({"result": r, "thread_id": thread(&call), "user": user.as_str()})))
}
