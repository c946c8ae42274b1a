//! Block lists (spec 01 §11): add names, read (unpaged: the newest 500; paged with
//! `pageSize`/`cursor`), remove one.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{delete, post};
use imcore::{BlockUsers, ListBlocks, UnblockUser};

use super::shared::{UsernamesBody, body_users, cursor, names_json};
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

/// `POST /users/{owner}/blocks/users`, body `{usernames}`: `data` lists the names now on the
/// list from this request. Every name is validated first (`400 illegal_argument`).
async fn block(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let owner = call.user("owner")?;
    let usernames = body_users(&b.usernames)?;
    let r = call.exec(BlockUsers { owner, usernames })?;
    Ok(Envelope::full(&call).entities(vec![]).data(names_json(&r)))
}

/// `GET /users/{owner}/blocks/users?pageSize&cursor`: `data`, `count`, `cursor` when more.
async fn list(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListBlocks {
        owner: call.user("owner")?,
        page_size: call.query_u32("pageSize")?,
        cursor: cursor(&call),
    })?;
    Ok(Envelope::full(&call)
        .entities(vec![])
        .count(page.items.len())
        .data_strings(page.items.iter().map(|n| n.as_str()))
        .cursor(page.cursor))
}

/// `DELETE /users/{owner}/blocks/users/{blocked}`: `entities: [blocked]`.
async fn unblock(call: Call) -> ApiResult<Envelope> {
    let v = call.exec(UnblockUser {
        owner: call.user("owner")?,
        blocked: call.user("blocked")?,
    })?;
    Ok(Envelope::full(&call).entities(vec![user_json(&v)]))
}
