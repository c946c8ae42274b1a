//! Reactions (`/reaction/user/{username}`, spec 03 §4.11). Answers carry `requestStatusCode:
//! "ok"` as the vendor's.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use imcore::messages::*;
use serde_json::{Map, Value, json};

use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;
use crate::routes::shared::{comma_list, text};

/// The reaction routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/reaction/user/{username}",
            post(add).delete(remove).get(list),
        )
        .route("/{org}/{app}/reaction/user/{username}/detail", get(detail))
}

fn ok(call: &Call, data: Value) -> Envelope {
    Envelope::bare(call, None)
        .field("requestStatusCode", "ok".into())
        .data(data)
}

fn summary_json(s: &ReactionSummary) -> Value {
    let mut v = json!({
        "reactionId": s.reaction_id.to_string(), "reaction": s.reaction, "count": s.count,
        "state": s.state, "userList": s.users.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
    });
    if let Some(c) = &s.cursor {
        v["cursor"] = c.as_str().into();
    }
    v
}

/// `POST /reaction/user/{username}`, body `{msgId, message}`: `data: {id, msgId, msgType,
/// groupId, reaction, createdAt, updatedAt}`.
async fn add(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let v = call.exec(AddReaction {
        user: call.user("username")?,
        msg_id: text(&m, "msgId")?.unwrap_or_default(),
        reaction: text(&m, "message")?.unwrap_or_default(),
    })?;
    Ok(ok(
        &call,
        json!({
            "id": v.id.to_string(), "msgId": v.msg_id.to_string(), "msgType": v.msg_type.as_str(),
            "groupId": v.group_id.as_ref().map(|g| g.as_str()), "reaction": v.reaction,
            "createdAt": v.created_at.0, "updatedAt": v.updated_at.0,
        }),
    ))
}

/// `DELETE /reaction/user/{username}?msgId&message`: `data: true`.
async fn remove(call: Call) -> ApiResult<Envelope> {
    call.exec(RemoveReaction {
        user: call.user("username")?,
        msg_id: call.query("msgId").unwrap_or("").to_owned(),
        reaction: call.query("message").unwrap_or("").to_owned(),
    })?;
    Ok(ok(&call, true.into()))
}

/// `GET /reaction/user/{username}?msgIdList=a,b&msgType=chat|groupchat&groupId`: `data:
/// [{msgId, reactionList}]`.
async fn list(call: Call) -> ApiResult<Envelope> {
    let msg_type = ChatType::parse(call.query("msgType").unwrap_or("chat"))
        .ok_or_else(|| ApiError::new(400, "Bad Request", "msgType must be chat or groupchat"))?;
    let r = call.ask(ListReactions {
        user: call.user("username")?,
        msg_ids: comma_list(call.query("msgIdList").unwrap_or(""))
            .into_iter()
            .map(str::to_owned)
            .collect(),
        msg_type,
        group_id: call
            .query("groupId")
            .filter(|g| !g.is_empty())
            .map(Into::into),
    })?;
    let data: Vec<Value> = r
        .iter()
        .map(|(id, l)| json!({"msgId": id.to_string(), "reactionList": l.iter().map(summary_json).collect::<Vec<_>>()}))
        .collect();
    Ok(ok(&call, data.into()))
}

/// `GET /reaction/user/{username}/detail?msgId&message&limit&cursor`: `data: {reactionId,
/// reaction, count, state, userList, cursor?}`.
async fn detail(call: Call) -> ApiResult<Envelope> {
    let s = call.ask(ReactionDetail {
        user: call.user("username")?,
        msg_id: call.query("msgId").unwrap_or("").to_owned(),
        reaction: call.query("message").unwrap_or("").to_owned(),
        limit: call.query_count("limit")?,
        cursor: call.query("cursor").map(str::to_owned),
    })?;
    Ok(ok(&call, summary_json(&s)))
}
