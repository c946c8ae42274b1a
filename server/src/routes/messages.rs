//! Messages (spec 03 §4): sending to users, groups and rooms (plain, directed and broadcast),
//! recall (single and batch), rewrite, one-way conversation deletion, roaming clears, the
//! hourly export and the offline counters.
//!
//! Roaming clears are the vendor's `rest/message/roaming` paths: by message id
//! (`DELETE …/roaming/chat/user/{u}?userId=&msgIdList=`, `…/roaming/group/user/{u}?groupId=&msgIdList=`),
//! everything (`POST …/roaming/user/{u}/delete/all`), and one conversation up to a time
//! (`DELETE …/roaming/chat/user/{u}/time?userId=&delTime=`, `…/roaming/group/user/{u}/time?groupId=&delTime=`;
//! the group form takes a group or a chatroom id; chatroom messages have no roaming view here,
//! so a chatroom id clears nothing).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{delete, get, post, put};
use imcore::messages::*;
use serde_json::{Map, Value, json};

use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;
use crate::routes::shared::{comma_list, flag, string_list, text};

/// The message routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/messages", post(send_legacy))
        .route("/{org}/{app}/messages/users", post(send_users))
        .route("/{org}/{app}/messages/chatgroups", post(send_groups))
        .route("/{org}/{app}/messages/chatrooms", post(send_rooms))
        .route(
            "/{org}/{app}/messages/chatgroups/users",
            post(send_groups_directed),
        )
        .route(
            "/{org}/{app}/messages/chatrooms/users",
            post(send_rooms_directed),
        )
        .route("/{org}/{app}/messages/chatrooms/broadcast", post(broadcast))
        .route("/{org}/{app}/messages/msg_recall", post(recall))
        .route("/{org}/{app}/messages/recall", post(recall_batch))
        .route("/{org}/{app}/messages/rewrite/{msg_id}", put(rewrite))
        .route(
            "/{org}/{app}/users/{username}/user_channel",
            delete(delete_channel),
        )
        .route(
            "/{org}/{app}/rest/message/roaming/user/{username}/delete/all",
            post(clear_all),
        )
        .route(
            "/{org}/{app}/rest/message/roaming/chat/user/{username}",
            delete(clear_ids),
        )
        .route(
            "/{org}/{app}/rest/message/roaming/group/user/{username}",
            delete(clear_ids),
        )
        .route(
            "/{org}/{app}/rest/message/roaming/chat/user/{username}/time",
            delete(clear_chat),
        )
        .route(
            "/{org}/{app}/rest/message/roaming/group/user/{username}/time",
            delete(clear_group),
        )
        .route("/{org}/{app}/chatmessages/{time}", get(history))
        .route(
            "/{org}/{app}/users/{username}/offline_msg_count",
            get(offline_count),
        )
        .route(
            "/{org}/{app}/users/{username}/offline_msg_status/{msg_id}",
            get(offline_status),
        )
}

/// A JSON value as the engine's [`Json`] (numbers keep their text).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.to_string()),
        Value::String(s) => Json::String(s.clone()),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// The engine's [`Json`] as a JSON value.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => serde_json::from_str(n).unwrap_or(Value::Null),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        Json::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// `to`: an array of strings, or one string.
fn targets(m: &Map<String, Value>) -> ApiResult<Vec<String>> {
    match m.get("to") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(_) => Ok(string_list(m, "to")?.unwrap_or_default()),
    }
}

fn send_of(ct: ChatType, m: &Map<String, Value>, directed: bool) -> ApiResult<SendMessage> {
    Ok(SendMessage {
        chat_type: ct,
        from: text(m, "from")?,
        to: targets(m)?,
        users: if directed {
            Some(string_list(m, "users")?.unwrap_or_default())
        } else {
            None
        },
        msg_type: text(m, "type")?.unwrap_or_default(),
        body: m.get("body").filter(|b| !b.is_null()).map(to_json),
        ext: m.get("ext").map(to_json),
        sync_device: flag(m, "sync_device")?.unwrap_or(false),
        route_online: text(m, "routetype")?.is_some_and(|r| r.eq_ignore_ascii_case("ROUTE_ONLINE")),
        roam_ignore_users: string_list(m, "roam_ignore_users")?.unwrap_or_default(),
        chatroom_msg_level: text(m, "chatroom_msg_level")?,
        msg_timestamp: m
            .get("msg_timestamp")
            .and_then(Value::as_i64)
            .map(imcore::Timestamp),
        need_group_ack: flag(m, "need_group_ack")?.unwrap_or(false),
    })
}

async fn send(call: Call, body: Body, ct: ChatType, directed: bool) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let r = call.exec(send_of(ct, &m, directed)?)?;
    let data: Map<String, Value> = r
        .accepted()
        .map(|(t, id)| (t.to_owned(), id.to_string().into()))
        .collect();
    Ok(Envelope::full(&call).data(Value::Object(data)))
}

/// `POST /messages[?useMsgId=true]`: the vendor's older send, which answers without message
/// ids unless asked for them. Body `{target_type: "users" | "chatgroups" | "chatrooms",
/// target: [..], msg: {type, ..body}, from?, ext?}` (the other fields as the newer routes take
/// them; the older spellings `type: "text"`, `msg.remotePath` and `exts` are read as `txt`,
/// `url` and `ext`); the same engine send, with `data: {target: "success"}` for the accepted targets
/// (spec 03 §4.4, the no-ID variant), or with `useMsgId=true` `data: {target: msg_id}` as the
/// newer routes answer (the vendor Java SDK's `send()` asks so and reads the ids). A missing
/// or unknown `target_type` is `400 message_send_error "param target_type …"`.
async fn send_legacy(call: Call, body: Body) -> ApiResult<Envelope> {
    let mut m: Map<String, Value> = call.json(body).await?;
    let ct = match text(&m, "target_type")?.as_deref() {
        Some("users") => ChatType::Chat,
        Some("chatgroups") => ChatType::GroupChat,
        Some("chatrooms") => ChatType::ChatRoom,
        _ => {
            return Err(ApiError::new(
                400,
                "message_send_error",
                "param target_type must be one of users, chatgroups, chatrooms",
            ));
        }
    };
    // The older shape: `target` for `to`, `msg: {type, ..}` for `type` and `body`, and the
    // older spellings the vendor Java SDK still sends on this route: type `text` for `txt`,
    // `remotePath` for `url`, `exts` for `ext` (each only where the newer one is absent).
    if let Some(t) = m.remove("target") {
        m.insert("to".into(), t);
    }
    if let Some(Value::Object(mut msg)) = m.remove("msg") {
        if let Some(t) = msg.remove("type") {
            let t = match t {
                Value::String(s) if s == "text" => Value::String("txt".into()),
                t => t,
            };
            m.insert("type".into(), t);
        }
        if !msg.contains_key("url")
            && let Some(u) = msg.remove("remotePath")
        {
            msg.insert("url".into(), u);
        }
        m.insert("body".into(), Value::Object(msg));
    }
    if !m.contains_key("ext")
        && let Some(e) = m.remove("exts")
    {
        m.insert("ext".into(), e);
    }
    let with_ids = call
        .query("useMsgId")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let r = call.exec(send_of(ct, &m, false)?)?;
    let data: Map<String, Value> = r
        .accepted()
        .map(|(t, id)| {
            let v = if with_ids {
                id.to_string()
            } else {
                "success".to_owned()
            };
            (t.to_owned(), v.into())
        })
        .collect();
    Ok(Envelope::full(&call).data(Value::Object(data)))
}

/// `POST /messages/users`: `data: {user: msg_id}` for the accepted targets.
async fn send_users(call: Call, body: Body) -> ApiResult<Envelope> {
    send(call, body, ChatType::Chat, false).await
}

/// `POST /messages/chatgroups`.
async fn send_groups(call: Call, body: Body) -> ApiResult<Envelope> {
    send(call, body, ChatType::GroupChat, false).await
}

/// `POST /messages/chatrooms`.
async fn send_rooms(call: Call, body: Body) -> ApiResult<Envelope> {
    send(call, body, ChatType::ChatRoom, false).await
}

/// `POST /messages/chatgroups/users` (directed, `users` in the body).
async fn send_groups_directed(call: Call, body: Body) -> ApiResult<Envelope> {
    send(call, body, ChatType::GroupChat, true).await
}

/// `POST /messages/chatrooms/users` (directed).
async fn send_rooms_directed(call: Call, body: Body) -> ApiResult<Envelope> {
    send(call, body, ChatType::ChatRoom, true).await
}

/// `POST /messages/chatrooms/broadcast`, body `{from?, msg: {type, …body}, ext?,
/// chatroom_msg_level?}`: `data: {id}`.
async fn broadcast(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let mut msg = match m.get("msg") {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    let msg_type = match msg.remove("type") {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let r = call.exec(BroadcastMessage {
        from: text(&m, "from")?,
        msg_type,
        body: (!msg.is_empty()).then(|| to_json(&Value::Object(msg))),
        ext: m.get("ext").map(to_json),
        chatroom_msg_level: text(&m, "chatroom_msg_level")?,
    })?;
    Ok(Envelope::full(&call).data(json!({"id": r.msg_id.to_string()})))
}

fn recall_of(m: &Map<String, Value>) -> ApiResult<RecallMessage> {
    let s = |k: &str| -> ApiResult<String> {
        Ok(match m.get(k) {
            Some(Value::Number(n)) => n.to_string(),
            _ => text(m, k)?.unwrap_or_default(),
        })
    };
    Ok(RecallMessage {
        msg_id: s("msg_id")?,
        to: s("to")?,
        chat_type: s("chat_type")?,
        from: text(m, "from")?,
        force: flag(m, "force")?.unwrap_or(false),
    })
}

fn recalled_json(r: &Recalled) -> Value {
    json!({"msg_id": r.msg_id, "recalled": "yes", "from": r.from, "to": r.to, "chattype": r.chat_type})
}

/// `POST /messages/msg_recall`: `data: {msg_id, recalled: "yes", from, to, chattype}`.
async fn recall(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let r = call.exec(recall_of(&m)?)?;
    Ok(Envelope::full(&call).data(recalled_json(&r)))
}

/// `POST /messages/recall`, body `{msgs: [...]}`: `data: {msgs: [item]}`, each item recalled
/// or `{msg_id, recalled: "no", error, error_description}`.
async fn recall_batch(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let msgs = match m.get("msgs") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::Object(o) => recall_of(o),
                _ => Err(ApiError::json_parse("msgs must be objects")),
            })
            .collect::<ApiResult<Vec<_>>>()?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(ApiError::json_parse("msgs must be an array")),
    };
    let items = call.exec(RecallMessages { msgs })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| match (&i.recalled, &i.error) {
            (Some(r), _) => recalled_json(r),
            (_, Some((_, code, desc))) => {
                json!({"msg_id": i.msg_id, "recalled": "no", "error": code, "error_description": desc})
            }
            _ => Value::Null,
        })
        .collect();
    Ok(Envelope::full(&call).data(json!({"msgs": data})))
}

/// `PUT /messages/rewrite/{msg_id}`, body `{user?, new_msg: {type, msg | customEvent,
/// customExts}, new_ext?, is_combine_ext?}`: `data: "success"`.
async fn rewrite(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let new_msg = match m.get("new_msg") {
        Some(Value::Object(o)) => Some(NewContent {
            msg_type: text(o, "type")?.unwrap_or_default(),
            msg: text(o, "msg")?,
            custom_event: text(o, "customEvent")?,
            custom_exts: match o.get("customExts") {
                Some(Value::Object(x)) => Some(
                    x.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                            )
                        })
                        .collect(),
                ),
                _ => None,
            },
        }),
        _ => None,
    };
    let user = text(&m, "user")?
        .map(|u| imcore::UserName::parse(&u))
        .transpose()?;
    call.exec(RewriteMessage {
        msg_id: call.param("msg_id").to_owned(),
        user,
        new_msg,
        new_ext: m.get("new_ext").map(to_json),
        is_combine_ext: flag(&m, "is_combine_ext")?.unwrap_or(true),
    })?;
    Ok(Envelope::full(&call).data("success"))
}

/// `DELETE /users/{username}/user_channel`, body `{channel, type, delete_roam}`: `data:
/// {result: "ok"}`.
async fn delete_channel(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json_opt(body).await?.unwrap_or_default();
    call.exec(DeleteConversation {
        user: call.user("username")?,
        channel: text(&m, "channel")?,
        chat_type: text(&m, "type")?,
        delete_roam: flag(&m, "delete_roam")?,
    })?;
    Ok(Envelope::full(&call).data(json!({"result": "ok"})))
}

fn roaming_ok(call: &Call) -> Envelope {
    Envelope::bare(call, None).field("requestStatusCode", "ok".into())
}

/// `POST /rest/message/roaming/user/{username}/delete/all`: every roaming message of the
/// user, up to now.
async fn clear_all(call: Call) -> ApiResult<Envelope> {
    call.exec(ClearRoaming {
        user: call.user("username")?,
        what: RoamingClear::All,
    })?;
    Ok(roaming_ok(&call))
}

/// `DELETE /rest/message/roaming/{chat|group}/user/{username}?msgIdList=a,b` (with `userId` or
/// `groupId` naming the conversation): these messages.
async fn clear_ids(call: Call) -> ApiResult<Envelope> {
    let ids = comma_list(call.query("msgIdList").unwrap_or(""))
        .into_iter()
        .map(str::to_owned)
        .collect();
    call.exec(ClearRoaming {
        user: call.user("username")?,
        what: RoamingClear::Ids(ids),
    })?;
    Ok(roaming_ok(&call))
}

/// `DELETE /rest/message/roaming/chat/user/{username}/time?userId=&delTime=`.
async fn clear_chat(call: Call) -> ApiResult<Envelope> {
    clear_conversation(&call, ChatType::Chat, "userId").await
}

/// `DELETE /rest/message/roaming/group/user/{username}/time?groupId=&delTime=` (a group; a
/// chatroom id is accepted and clears nothing, chatroom messages having no roaming view).
async fn clear_group(call: Call) -> ApiResult<Envelope> {
    clear_conversation(&call, ChatType::GroupChat, "groupId").await
}

/// One conversation's roaming messages up to `delTime` (default: now).
async fn clear_conversation(call: &Call, chat_type: ChatType, peer: &str) -> ApiResult<Envelope> {
    let before = match call.query("delTime") {
        None | Some("") => call.now,
        Some(t) => imcore::Timestamp(
            t.parse()
                .map_err(|_| ApiError::illegal("delTime must be a number"))?,
        ),
    };
    call.exec(ClearRoaming {
        user: call.user("username")?,
        what: RoamingClear::Conversation {
            chat_type,
            peer: call.query(peer).unwrap_or("").to_owned(),
            before,
        },
    })?;
    Ok(roaming_ok(call))
}

/// A stored message as the export shows it.
pub fn record_json(r: &HistoryRecord) -> Value {
    let mut body = match from_json(&r.body) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    body.insert("type".into(), r.msg_type.as_str().into());
    json!({
        "msg_id": r.msg_id.to_string(),
        "timestamp": r.timestamp.0,
        "direction": "outgoing",
        "from": r.from,
        "to": r.to,
        "chat_type": r.chat_type.as_str(),
        "payload": {"bodies": [Value::Object(body)], "ext": from_json(&r.ext), "from": r.from, "to": r.to},
    })
}

/// `GET /chatmessages/{yyyyMMddHH}`: `data: [record]` (the vendor answers with a URL to a file
/// of these records; this host answers with the records).
async fn history(call: Call) -> ApiResult<Envelope> {
    let recs = call.ask(ExportHistory {
        time: call.param("time").to_owned(),
    })?;
    let data: Vec<Value> = recs.iter().map(record_json).collect();
    Ok(Envelope::full(&call).count(data.len()).data(data))
}

/// `GET /users/{username}/offline_msg_count`: `data: {user: n}`, with `entities: []` and
/// `count: 0` as in the vendor's example.
async fn offline_count(call: Call) -> ApiResult<Envelope> {
    let u = call.user("username")?;
    let n = call.ask(OfflineCount { user: u.clone() })?;
    Ok(Envelope::full(&call)
        .entities(vec![])
        .data(json!({u.as_str(): n}))
        .count(0))
}

/// `GET /users/{username}/offline_msg_status/{msg_id}`: `data: {msg_id: "undelivered" |
/// "delivered"}`, with `entities: []` and `count: 0` as in the vendor's example.
async fn offline_status(call: Call) -> ApiResult<Envelope> {
    let id = call.param("msg_id").to_owned();
    let s = call.ask(OfflineStatus {
        user: call.user("username")?,
        msg_id: id.clone(),
    })?;
    Ok(Envelope::full(&call)
        .entities(vec![])
        .data(json!({id: s.as_str()}))
        .count(0))
}
