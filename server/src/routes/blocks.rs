//! Block lists (spec 01 §11): add names, read (unpaged: the newest 500; paged with
//! `pageSize`/`cursor`), remove one.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{delete, post};
use imcore::{BlockUsers, ListBlocks, UnblockUser, UserName};
use serde::Deserialize;
use serde_json::Value;

use crate::envelope::{Envelope, user_json};
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/users/{owner}/blocks/users",
            post(block).get(list),
        )
        .route(
            "/{org}/{app}/users/{owner}/blocks/users/{blocked}",
            delete(unblock),
        )
}

#[derive(Deserialize)]
struct UsernamesBody {
    #[serde(default)]
    usernames: Vec<String>,
}

fn names_json(v: &[UserName]) -> Vec<Value> {
    v.iter().map(|n| n.as_str().into()).collect()
}

/// `POST /users/{owner}/blocks/users`, body `{usernames}`: `data` lists the names now on the
/// list from this request. Every name is validated first (`400 illegal_argument`).
async fn block(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let owner = call.user("owner")?;
    let usernames = b
        .usernames
        .iter()
        .map(|n| UserName::parse(n))
        .collect::<imcore::Result<Vec<_>>>()?;
    let r = call.exec(BlockUsers { owner, usernames })?;
    Ok(Envelope::full(&call, "post")
        .entities(vec![])
        .data(names_json(&r)))
}

/// `GET /users/{owner}/blocks/users?pageSize&cursor`: `data`, `count`, `cursor` when more.
async fn list(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListBlocks {
        owner: call.user("owner")?,
        page_size: call.query_u32("pageSize")?,
        cursor: call.query("cursor").map(str::to_owned),
    })?;
    Ok(Envelope::full(&call, "get")
        .entities(vec![])
        .count(page.items.len())
        .data(names_json(&page.items))
        .cursor(page.cursor))
}

/// `DELETE /users/{owner}/blocks/users/{blocked}`: `entities: [blocked]`.
async fn unblock(call: Call) -> ApiResult<Envelope> {
    let v = call.exec(UnblockUser {
        owner: call.user("owner")?,
        blocked: call.user("blocked")?,
    })?;
    Ok(Envelope::full(&call, "delete").entities(vec![user_json(&v)]))
}
