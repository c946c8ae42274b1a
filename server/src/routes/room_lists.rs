//! A chatroom's moderation lists (spec 03 §3.6–§3.8): the block list, the allow list
//! (`white/users`), individual mutes and mute-all (`ban`). Conventions as in
//! [`rooms`](super::rooms): one user in a path takes the single-user form, `u1,u2` the batch
//! form; batches answer one item per distinct user with HTTP 200.
//!
//! Mute durations are the vendor's room unit, milliseconds (`mute_duration`): `n > 0` mutes
//! for `n` ms from now, `-1` until lifted; anything else (0, other negatives, fractions,
//! non-numbers) is `400 invalid_parameter "mute_duration is invalid"`. Mute lists show
//! `expire` as an epoch-ms instant, `-1` for forever.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use imcore::rooms::{
    AllowRoomUsers, BlockRoomUser, BlockRoomUsers, DisallowRoomUsers, GetRoomMuteStatus,
    IsRoomAllowed, ListRoomAllow, ListRoomBlocks, ListRoomMutes, MuteRoomMembers, RoomError,
    SetRoomMuteAll, UnblockRoomUser, UnblockRoomUsers, UnmuteRoomMembers,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::rooms::{
    UsernamesBody, body_users, expire_json, item_json, names_json, path_users, room,
};
use crate::envelope::Envelope;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/chatrooms/{id}/blocks/users",
            get(blocks).post(block_batch),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/blocks/users/{users}",
            post(block_one).delete(unblock),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/white/users",
            get(allow_list).post(allow_batch),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/white/users/{users}",
            post(allow_one).delete(disallow).get(allow_status),
        )
        .route("/{org}/{app}/chatrooms/{id}/mute", get(mutes).post(mute))
        .route(
            "/{org}/{app}/chatrooms/{id}/mute/{users}",
            get(mute_status).delete(unmute),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/ban",
            post(mute_all).delete(unmute_all),
        )
}

/// The single-user form: the one item as an object.
fn first(items: Vec<Value>) -> Value {
    items.into_iter().next().unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------------
// Block list (§3.6)

/// `GET /chatrooms/{id}/blocks/users`: `data: [user]`, `count`.
async fn blocks(call: Call) -> ApiResult<Envelope> {
    let list = call.ask(ListRoomBlocks { room: room(&call)? })?;
    Ok(Envelope::full(&call, "get")
        .count(list.len())
        .data(names_json(&list)))
}

/// `POST /chatrooms/{id}/blocks/users/{user}`: `data: {result: true, action: "add_blocks",
/// user, chatroomid}`.
async fn block_one(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("users")?;
    let r = call.exec(BlockRoomUser {
        room: id,
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "result": r, "action": "add_blocks", "user": user.as_str(), "chatroomid": id.to_string(),
    })))
}

/// `POST /chatrooms/{id}/blocks/users`, body `{usernames}`: `data: [{result, action:
/// "add_blocks", user, chatroomid, reason?}]`.
async fn block_batch(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let b: UsernamesBody = call.json(body).await?;
    let items = call.exec(BlockRoomUsers {
        room: id,
        users: body_users(&b.usernames)?,
    })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| item_json(i, "add_blocks", "chatroomid", id))
        .collect();
    Ok(Envelope::full(&call, "post").data(data))
}

/// `DELETE /chatrooms/{id}/blocks/users/{user}` (`data: {result: true, action:
/// "remove_blocks", user, chatroomid}`; not blocked is `403 forbidden_op`), or
/// `…/{u1,u2}` (`data: [{…, reason?}]`).
async fn unblock(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let (users, batch) = path_users(&call, "users")?;
    if batch {
        let items = call.exec(UnblockRoomUsers { room: id, users })?;
        let data: Vec<Value> = items
            .iter()
            .map(|i| item_json(i, "remove_blocks", "chatroomid", id))
            .collect();
        return Ok(Envelope::full(&call, "delete").data(data));
    }
    let user = users.into_iter().next().unwrap_or_else(|| unreachable!());
    let r = call.exec(UnblockRoomUser {
        room: id,
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "delete").data(json!({
        "result": r, "action": "remove_blocks", "user": user.as_str(), "chatroomid": id.to_string(),
    })))
}

// ---------------------------------------------------------------------------------------------
// Allow list (§3.7)

/// `GET /chatrooms/{id}/white/users`: `data: [user]`, `count`.
async fn allow_list(call: Call) -> ApiResult<Envelope> {
    let list = call.ask(ListRoomAllow { room: room(&call)? })?;
    Ok(Envelope::full(&call, "get")
        .count(list.len())
        .data(names_json(&list)))
}

async fn allow(call: &Call, users: Vec<imcore::UserName>) -> ApiResult<Vec<Value>> {
    let id = room(call)?;
    let items = call.exec(AllowRoomUsers { room: id, users })?;
    Ok(items
        .iter()
        .map(|i| item_json(i, "add_user_whitelist", "chatroomid", id))
        .collect())
}

/// `POST /chatrooms/{id}/white/users/{user}`: `data: {result, action: "add_user_whitelist",
/// user, chatroomid}`.
async fn allow_one(call: Call) -> ApiResult<Envelope> {
    room(&call)?;
    let user = call.user("users")?;
    let items = allow(&call, vec![user]).await?;
    Ok(Envelope::full(&call, "post").data(first(items)))
}

/// `POST /chatrooms/{id}/white/users`, body `{usernames}`: `data: [{result, action, user,
/// chatroomid, reason?}]`.
async fn allow_batch(call: Call, body: Body) -> ApiResult<Envelope> {
    room(&call)?;
    let b: UsernamesBody = call.json(body).await?;
    let items = allow(&call, body_users(&b.usernames)?).await?;
    Ok(Envelope::full(&call, "post").data(items))
}

/// `DELETE /chatrooms/{id}/white/users/{u[,u]}`: `data: [{result: true, action:
/// "remove_user_whitelist", user, chatroomid}]` (an array also for one user, as the vendor).
async fn disallow(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let (users, _) = path_users(&call, "users")?;
    let items = call.exec(DisallowRoomUsers { room: id, users })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| item_json(i, "remove_user_whitelist", "chatroomid", id))
        .collect();
    Ok(Envelope::full(&call, "delete").data(data))
}

// ---------------------------------------------------------------------------------------------
// Mutes (§3.8)

/// `GET /chatrooms/{id}/mute`: `data: [{user, expire}]`, live mutes in mute order.
async fn mutes(call: Call) -> ApiResult<Envelope> {
    let list = call.ask(ListRoomMutes { room: room(&call)? })?;
    let data: Vec<Value> = list
        .iter()
        .map(|m| json!({"user": m.user.as_str(), "expire": expire_json(m.expire)}))
        .collect();
    Ok(Envelope::full(&call, "get").count(data.len()).data(data))
}

#[derive(Deserialize)]
struct MuteBody {
    #[serde(default)]
    usernames: Vec<String>,
    mute_duration: Option<Value>,
}

/// A vendor `mute_duration` (milliseconds, `-1` forever) for the engine, which refuses 0 and
/// other negatives itself; a value that is no whole number is passed as 0 so that the
/// engine's "mute_duration is invalid" answers it. Missing is `400 invalid_parameter
/// "mute_duration must be provided"`.
fn mute_duration(v: Option<Value>) -> ApiResult<i64> {
    match v {
        None | Some(Value::Null) => Err(RoomError::Missing("mute_duration").into()),
        Some(Value::Number(n)) => Ok(n.as_i64().unwrap_or(0)),
        Some(Value::String(s)) => Ok(s.trim().parse().unwrap_or(0)),
        Some(_) => Ok(0),
    }
}

/// `POST /chatrooms/{id}/mute`, body `{usernames, mute_duration}` (ms, `-1` forever):
/// `data: [{result, expire?, user, reason?}]`.
async fn mute(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let b: MuteBody = call.json(body).await?;
    let duration_ms = mute_duration(b.mute_duration)?;
    let items = call.exec(MuteRoomMembers {
        room: id,
        users: body_users(&b.usernames)?,
        duration_ms,
    })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("result".into(), i.result.into());
            if let Some(e) = i.expire {
                m.insert("expire".into(), expire_json(e));
            }
            m.insert("user".into(), i.user.as_str().into());
            if let Some(r) = &i.reason {
                m.insert("reason".into(), r.as_str().into());
            }
            Value::Object(m)
        })
        .collect();
    Ok(Envelope::full(&call, "post").data(data))
}

/// `DELETE /chatrooms/{id}/mute/{u[,u]}`: `data: [{result, user, reason?}]`.
async fn unmute(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let (users, _) = path_users(&call, "users")?;
    let items = call.exec(UnmuteRoomMembers { room: id, users })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("result".into(), i.result.into());
            m.insert("user".into(), i.user.as_str().into());
            if let Some(r) = &i.reason {
                m.insert("reason".into(), r.as_str().into());
            }
            Value::Object(m)
        })
        .collect();
    Ok(Envelope::full(&call, "delete").data(data))
}

/// `POST /chatrooms/{id}/ban`: `data: {mute: true}`.
async fn mute_all(call: Call) -> ApiResult<Envelope> {
    let muted = call.exec(SetRoomMuteAll {
        room: room(&call)?,
        muted: true,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({ "mute": muted })))
}

/// `DELETE /chatrooms/{id}/ban`: `data: {mute: false}`.
async fn unmute_all(call: Call) -> ApiResult<Envelope> {
    let muted = call.exec(SetRoomMuteAll {
        room: room(&call)?,
        muted: false,
    })?;
    Ok(Envelope::full(&call, "delete").data(json!({ "mute": muted })))
}

/// `GET /chatrooms/{id}/white/users/{user}` (host path): `data: {user, chatroomid, result}`,
/// whether the member is exempt from mute-all (owner and admins always are). The app admin,
/// or a member asking about themself.
async fn allow_status(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("users")?;
    let r = call.ask(IsRoomAllowed {
        room: id,
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "get").data(json!({
        "user": user.as_str(), "chatroomid": id.to_string(), "result": r,
    })))
}

/// `GET /chatrooms/{id}/mute/{user}` (host path): `data: {user, muted, expire?}` for the
/// individual mute (mute-all not counted). Owner, admins, the app admin, or the user
/// themself.
async fn mute_status(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("users")?;
    let s = call.ask(GetRoomMuteStatus {
        room: id,
        user: user.clone(),
    })?;
    let mut data = json!({"user": user.as_str(), "muted": s.muted});
    if let Some(e) = s.expire {
        data["expire"] = expire_json(e);
    }
    Ok(Envelope::full(&call, "get").data(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mute_durations_map_to_engine_values() {
        assert_eq!(mute_duration(Some(json!(-1))).unwrap(), -1);
        assert_eq!(mute_duration(Some(json!(60000))).unwrap(), 60000);
        assert_eq!(mute_duration(Some(json!("5000"))).unwrap(), 5000);
        assert_eq!(mute_duration(Some(json!(1.5))).unwrap(), 0);
        assert_eq!(mute_duration(Some(json!(true))).unwrap(), 0);
        let e = mute_duration(None).unwrap_err();
        assert_eq!((e.status, e.error.as_str()), (400, "invalid_parameter"));
    }
}
