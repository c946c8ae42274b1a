//! Friends (spec 01 §10): add and remove (symmetric), remarks, the full list, the paged list
//! and the import of up to 10 names.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post, put};
use imcore::{
    AddFriend, ImportFriends, ImportResult, ListFriends, ListFriendsPage, RemoveFriend, SetRemark,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::shared::{UsernamesBody, cursor, listing_names, null_default, page_answer};
use crate::envelope::{Envelope, user_json};
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/users/{owner}/contacts/users/{friend}",
            post(befriend::<true>).delete(befriend::<false>).put(remark),
        )
        .route(
            "/{org}/{app}/user/{owner}/contacts/users/{friend}",
            put(remark),
        )
        .route("/{org}/{app}/users/{owner}/contacts/users", get(list_all))
        .route("/{org}/{app}/user/{owner}/contacts", get(list_page))
        .route("/{org}/{app}/users/{owner}/contacts", get(list_page))
        .route("/{org}/{app}/users/{owner}/contacts/import", post(import))
}

/// `POST /users/{owner}/contacts/users/{friend}` (add) and `DELETE …` (remove), both sides at
/// once: `entities: [friend]`.
async fn befriend<const ADD: bool>(call: Call) -> ApiResult<Envelope> {
    let (owner, friend) = (call.user("owner")?, call.user("friend")?);
    let v = if ADD {
        call.exec(AddFriend { owner, friend })?
    } else {
        call.exec(RemoveFriend { owner, friend })?
    };
    Ok(Envelope::full(&call).entities(vec![user_json(&v)]))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct RemarkBody {
    #[serde(default, deserialize_with = "null_default")]
    remark: String,
}

/// `PUT /user/{owner}/contacts/users/{friend}`, body `{remark}`: `status: "ok"`. Also at
/// `/users/{owner}/…`, the path the vendor's Java server SDK 2.x sends it to.
async fn remark(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: RemarkBody = call.json(body).await?;
    call.exec(SetRemark {
        owner: call.user("owner")?,
        friend: call.user("friend")?,
        remark: b.remark,
    })?;
    Ok(Envelope::full(&call).field("status", "ok".into()))
}

/// `GET /users/{owner}/contacts/users`: `data: [names]`, newest first, with `count`.
async fn list_all(call: Call) -> ApiResult<Envelope> {
    let names = call.ask(ListFriends {
        owner: call.user("owner")?,
    })?;
    Ok(listing_names(&call, names.iter().map(|n| n.as_str())))
}

/// `GET /user/{owner}/contacts?limit&cursor&needReturnRemark` (also at `/users/{owner}/contacts`,
/// where the vendor's Java server SDK 2.x asks):
/// `data: {contacts: [{username, remark}], cursor?}`, `count`, and `entities: []` as in the
/// vendor's example.
async fn list_page(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListFriendsPage {
        owner: call.user("owner")?,
        limit: call.query_u32("limit")?,
        cursor: cursor(&call),
        need_remark: call.query_bool("needReturnRemark")?,
    })?;
    let contacts: Vec<Value> = page
        .items
        .iter()
        .map(|c| json!({"username": c.username.as_str(), "remark": c.remark}))
        .collect();
    let data = json!({ "contacts": contacts });
    Ok(page_answer(&call, data, page.items.len(), page.cursor).entities(vec![]))
}

/// `POST /users/{owner}/contacts/import?isSendNotice`, body `{usernames}`: each name sorted
/// into `data.success`, `NotExistFailed`, `maxLimitFailed` or `UnKnowFailed`; `status: "ok"`.
async fn import(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let r = call.exec(ImportFriends {
        owner: call.user("owner")?,
        usernames: b.usernames,
        notify: call.query_bool("isSendNotice")?,
    })?;
    let mut buckets = json!({
        "success": [], "NotExistFailed": [], "maxLimitFailed": [], "UnKnowFailed": []
    });
    for (name, res) in r {
        let key = match res {
            ImportResult::Success => "success",
            ImportResult::NotExistFailed => "NotExistFailed",
            ImportResult::MaxLimitFailed => "maxLimitFailed",
            _ => "UnKnowFailed",
        };
        if let Some(a) = buckets[key].as_array_mut() {
            a.push(name.into());
        }
    }
    Ok(Envelope::full(&call)
        .data(buckets)
        .field("status", "ok".into()))
}
