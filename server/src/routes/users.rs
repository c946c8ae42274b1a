//! Users (spec 01 §4–§8): registration (one or a batch of up to 60), reading and listing,
//! deletion (one, or the oldest `limit`), password change, disable and enable, forced logout,
//! devices and online status; and the GDPR export (§16), `GET /users/{u}/export` (app token
//! only): `data` is the engine's whole-user document as JSON (instants in epoch ms, expiries
//! as `{"At": ms}` or `"Never"`). `PUT /users/{u}` (push settings) is [`super::push`]'s.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{delete, get, post, put};
use imcore::{
    BatchOnline, ChangePassword, DeleteUser, DeleteUsers, DisableUser, EnableUser, ExportUser,
    ForceLogout, GetUser, IsOnline, ListDevices, ListUsers, NewUser, Page, RegisterUser,
    RegisterUsers, UserView,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::shared::{UsernamesBody, cursor, null_default, object_json};
use crate::envelope::{Envelope, user_json};
use crate::error::ApiResult;
use crate::extract::{Call, MaybeAnon};
use crate::host::{Host, new_uuid};

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/users",
            post(register).get(list).delete(delete_oldest),
        )
        .route("/{org}/{app}/users/batch/status", post(batch_status))
        .route(
            "/{org}/{app}/users/{username}",
            get(read).delete(remove).put(super::push::set_profile),
        )
        .route("/{org}/{app}/users/{username}/export", get(export))
        .route("/{org}/{app}/users/{username}/password", put(password))
        .route(
            "/{org}/{app}/users/{username}/deactivate",
            post(activate::<false>),
        )
        .route(
            "/{org}/{app}/users/{username}/activate",
            post(activate::<true>),
        )
        .route(
            "/{org}/{app}/users/{username}/disconnect",
            get(disconnect_all),
        )
        .route(
            "/{org}/{app}/users/{username}/disconnect/{resource}",
            delete(disconnect_one),
        )
        .route("/{org}/{app}/users/{username}/resources", get(resources))
        .route("/{org}/{app}/users/{username}/status", get(status))
}

/// One user in a registration body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewUserBody {
    #[serde(default, deserialize_with = "null_default")]
    username: String,
    #[serde(default, deserialize_with = "null_default")]
    password: String,
    nickname: Option<String>,
}

impl NewUserBody {
    fn into_new_user(self) -> NewUser {
        NewUser {
            username: self.username,
            password: self.password,
            nickname: self.nickname,
            uuid: new_uuid(),
        }
    }
}

/// A registration body: one user, or an array of them (batch, admin only).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(crate) enum RegisterBody {
    Many(Vec<NewUserBody>),
    One(NewUserBody),
}

/// `POST /users`: `entities` are the users created; a batch also lists in `data` the names
/// that already existed (`{username, registerUserFailReason}`), with status 200.
async fn register(MaybeAnon(call): MaybeAnon, body: Body) -> ApiResult<Envelope> {
    match call.json::<RegisterBody>(body).await? {
        RegisterBody::One(u) => {
            let v = call.exec(RegisterUser(u.into_new_user()))?;
            Ok(Envelope::full(&call)
                .entities(vec![user_json(&v)])
                .data(Value::Array(vec![])))
        }
        RegisterBody::Many(us) => {
            let r = call.exec(RegisterUsers(
                us.into_iter().map(NewUserBody::into_new_user).collect(),
            ))?;
            let failed: Vec<Value> = r
                .failed
                .iter()
                .map(|f| json!({"username": f.username.as_str(), "registerUserFailReason": f.reason}))
                .collect();
            Ok(Envelope::full(&call)
                .entities(r.created.iter().map(user_json).collect())
                .data(Value::Array(failed)))
        }
    }
}

/// A page of users: `entities`, `count`, `cursor` when more follow.
fn users_answer(call: &Call, page: Page<UserView>) -> Envelope {
    Envelope::full(call)
        .count(page.items.len())
        .entities(page.items.iter().map(user_json).collect())
        .cursor(page.cursor)
}

/// `GET /users?limit&cursor`: a page in creation order.
async fn list(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListUsers {
        limit: call.query_u32("limit")?,
        cursor: cursor(&call),
    })?;
    Ok(users_answer(&call, page))
}

/// `DELETE /users?limit`: deletes the oldest `limit` users; `cursor` when users remain.
async fn delete_oldest(call: Call) -> ApiResult<Envelope> {
    let page = call.exec(DeleteUsers {
        limit: call.query_u32("limit")?,
    })?;
    Ok(users_answer(&call, page))
}

/// `GET /users/{username}`.
async fn read(call: Call) -> ApiResult<Envelope> {
    let v = call.ask(GetUser {
        username: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).entities(vec![user_json(&v)]).count(1))
}

/// `DELETE /users/{username}`, with the whole cascade.
async fn remove(call: Call) -> ApiResult<Envelope> {
    let v = call.exec(DeleteUser {
        username: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).entities(vec![user_json(&v)]))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct PasswordBody {
    #[serde(default, deserialize_with = "null_default")]
    newpassword: String,
}

/// `PUT /users/{username}/password`, body `{newpassword}`.
async fn password(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: PasswordBody = call.json(body).await?;
    call.exec(ChangePassword {
        username: call.user("username")?,
        new_password: b.newpassword,
    })?;
    Ok(Envelope::bare(&call, Some("set user password")))
}

/// `POST /users/{username}/deactivate` (`action: "Deactivate user"`, `entities: [user]`) and
/// `POST /users/{username}/activate` (`action: "activate user"`), in the bare envelope.
async fn activate<const ACTIVE: bool>(call: Call) -> ApiResult<Envelope> {
    let username = call.user("username")?;
    if ACTIVE {
        call.exec(EnableUser { username })?;
        return Ok(Envelope::bare(&call, Some("activate user")));
    }
    let v = call.exec(DisableUser { username })?;
    Ok(Envelope::bare(&call, Some("Deactivate user")).entities(vec![user_json(&v)]))
}

/// `GET /users/{username}/disconnect`: every device; `data: {result: true}`, with `entities:
/// []` and `count: 0` as in the vendor's example.
async fn disconnect_all(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(ForceLogout {
        username: call.user("username")?,
        resource: None,
    })?;
    Ok(Envelope::full(&call)
        .entities(vec![])
        .data(json!({ "result": r }))
        .count(0))
}

/// `DELETE /users/{username}/disconnect/{resource}`: one device; `data: {result: true}`,
/// with `entities: []` as in the vendor's example.
async fn disconnect_one(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(ForceLogout {
        username: call.user("username")?,
        resource: Some(call.param("resource").to_owned()),
    })?;
    Ok(Envelope::full(&call)
        .entities(vec![])
        .data(json!({ "result": r })))
}

/// `GET /users/{username}/resources`: `data: [{res, device_uuid, device_name}]`, with
/// `entities: []` as in the vendor's example.
async fn resources(call: Call) -> ApiResult<Envelope> {
    let ds = call.ask(ListDevices {
        username: call.user("username")?,
    })?;
    let data: Vec<Value> = ds
        .iter()
        .map(|d| json!({"res": d.res, "device_uuid": d.device_uuid, "device_name": d.device_name}))
        .collect();
    Ok(Envelope::full(&call).entities(vec![]).data(data))
}

fn online_word(on: bool) -> &'static str {
    if on { "online" } else { "offline" }
}

/// `GET /users/{username}/status`: `data: {<u>: "online"|"offline"}`.
async fn status(call: Call) -> ApiResult<Envelope> {
    let u = call.user("username")?;
    let on = call.ask(IsOnline {
        username: u.clone(),
    })?;
    Ok(Envelope::full(&call)
        .entities(vec![])
        .data(object_json([(u.as_str(), online_word(on))]))
        .count(0))
}

/// `POST /users/batch/status`, body `{usernames}`: `data` is one `{<u>: status}` per name.
async fn batch_status(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let r = call.ask(BatchOnline {
        usernames: b.usernames,
    })?;
    let data: Vec<Value> = r
        .into_iter()
        .map(|(name, on)| object_json([(name, online_word(on))]))
        .collect();
    Ok(Envelope::bare(&call, Some("get batch user status")).data(data))
}

/// `GET /users/{username}/export` (spec 01 §16): `data` is everything the engine holds about
/// the user, as one JSON document. App token only.
async fn export(call: Call) -> ApiResult<Envelope> {
    let doc = call.ask(ExportUser {
        username: call.user("username")?,
    })?;
    let mut data = serde_json::to_value(&*doc)
        .map_err(|e| crate::error::ApiError::new(500, "INTERNAL_SERVER_ERROR", e.to_string()))?;
    // Messages as the history routes show them (bodies and ext as plain JSON).
    data["messages"]["messages"] = doc
        .messages
        .messages
        .iter()
        .map(super::messages::record_json)
        .collect();
    Ok(Envelope::full(&call).data(data))
}
