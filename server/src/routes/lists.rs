//! The moderation lists groups and rooms share (spec 02 §9–§10, spec 03 §3.6–§3.8): the block
//! list, the allow list (`white/users`), individual mutes and mute-all (`ban`). One set of
//! handlers serves both; [`routes`] registers them under a [`Moderated`]'s path, and the
//! group and room modules implement [`Moderated`] with their engine calls.
//!
//! Under `{base}` (`/chatgroups/{g}`, `/chatrooms/{id}`):
//! - `GET blocks/users`, `GET white/users`: `data: [user]`, `count`;
//! - `POST blocks/users/{user}`, `POST white/users/{user}`: the single-user form, `data: {result,
//!   action, user, <key>: id}`; `POST blocks/users`, `POST white/users` with `{usernames}`: the
//!   batch form, `data: [{result, action, user, <key>: id, reason?}]` (HTTP 200 whatever each
//!   item's result);
//! - `DELETE blocks/users/{u[,u]}`: the single-user form for one user, the batch form after a
//!   comma; `DELETE white/users/{u[,u]}`: the batch form also for one user, as the vendor;
//! - `GET white/users/{user}` (host path): `data: {user, <key>: id, result}`, whether the user
//!   is exempt from mute-all;
//! - `GET mute`: `data: [{user, expire}]` (epoch ms, `-1` forever), `count`; `POST mute` with
//!   `{usernames, mute_duration}` (ms; the group or room reads it, [`Moderated::mute_duration`]):
//!   `data: [{result, user, expire?, reason?}]`; `DELETE mute/{u[,u]}`: `data: [{result, user,
//!   reason?}]`;
//! - `POST ban`: `data: {mute: true}`; `DELETE ban`: `data: {mute: false}`.

use std::fmt::Display;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{delete, get, post};
use imcore::{BatchItem, Expiry, UserName};
use serde::Deserialize;
use serde_json::{Value, json};

use super::shared::{
    Items, Named, Scope, batch_results_json, body_users, expire_json, items_json, names_answer,
    object_json,
};
use crate::envelope::Envelope;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// A group or a room, as the list routes need it: where its routes are, how batch items name
/// it, and the engine call behind each route. Each method is one engine call for the group or
/// room in the path.
pub trait Moderated: Display + Sized + Send + 'static {
    /// The path of one group or room, with the parameter that names it:
    /// `/{org}/{app}/chatgroups/{g}`, `/{org}/{app}/chatrooms/{id}`.
    const PATH: &'static str;
    /// The key naming it in batch items: `groupid`, `chatroomid`.
    const KEY: &'static str;

    /// The one in the request's path (checked first, before any body is read).
    ///
    /// # Errors
    /// The engine's not-found error for a path that cannot name one.
    fn from_path(call: &Call) -> ApiResult<Self>;
    /// The block list.
    fn blocks(&self, call: &Call) -> ApiResult<Vec<UserName>>;
    /// Blocks one user or several.
    fn block(&self, call: &Call, users: Named) -> ApiResult<Items>;
    /// Unblocks one user or several.
    fn unblock(&self, call: &Call, users: Named) -> ApiResult<Items>;
    /// The allow list.
    fn allowed(&self, call: &Call) -> ApiResult<Vec<UserName>>;
    /// Allows one user or several.
    fn allow(&self, call: &Call, users: Named) -> ApiResult<Items>;
    /// Takes users off the allow list.
    fn disallow(&self, call: &Call, users: Vec<UserName>) -> ApiResult<Vec<BatchItem>>;
    /// Whether a user is exempt from mute-all.
    fn is_allowed(&self, call: &Call, user: UserName) -> ApiResult<bool>;
    /// The live mutes: who, until when.
    fn mutes(&self, call: &Call) -> ApiResult<Vec<(UserName, Expiry)>>;
    /// The body's `mute_duration` (vendor milliseconds) as the engine takes it.
    ///
    /// # Errors
    /// The area's answer for a missing or unusable duration.
    fn mute_duration(v: Option<Value>) -> ApiResult<i64>;
    /// Mutes users; the answer's `data` (`[{result, user, expire?, reason?}]`).
    fn mute(&self, call: &Call, users: Vec<UserName>, duration_ms: i64) -> ApiResult<Value>;
    /// Lifts users' mutes.
    fn unmute(&self, call: &Call, users: Vec<UserName>) -> ApiResult<Vec<BatchItem>>;
    /// Turns mute-all on or off; the new state.
    fn mute_all(&self, call: &Call, on: bool) -> ApiResult<bool>;

    /// How batch items name it.
    fn scope(&self) -> Scope {
        Scope::new(Self::KEY, self)
    }

    /// The answer of a list route as this area's vendor pages show it (by default as built).
    fn shaped(e: Envelope) -> Envelope {
        e
    }
}

/// The list routes of `M`, under [`Moderated::PATH`].
pub fn routes<M: Moderated>() -> Router<Arc<Host>> {
    let at = |tail: &str| format!("{}{tail}", M::PATH);
    Router::new()
        .route(&at("/blocks/users"), get(blocks::<M>).post(block::<M>))
        .route(
            &at("/blocks/users/{users}"),
            post(block::<M>).delete(unblock::<M>),
        )
        .route(&at("/white/users"), get(allowed::<M>).post(allow::<M>))
        .route(
            &at("/white/users/{users}"),
            post(allow::<M>)
                .delete(disallow::<M>)
                .get(allow_status::<M>),
        )
        .route(&at("/mute"), get(mutes::<M>).post(mute::<M>))
        .route(&at("/mute/{users}"), delete(unmute::<M>))
        .route(
            &at("/ban"),
            post(mute_all::<M, true>).delete(mute_all::<M, false>),
        )
}

async fn blocks<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    Ok(M::shaped(names_answer(&call, &at.blocks(&call)?)))
}

async fn block<M: Moderated>(call: Call, body: Body) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let users = Named::posted(&call, body).await?;
    let items = at.block(&call, users)?;
    Ok(M::shaped(
        Envelope::full(&call).data(items.json("add_blocks", &at.scope())),
    ))
}

async fn unblock<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let items = at.unblock(&call, Named::in_path(&call)?)?;
    Ok(M::shaped(
        Envelope::full(&call).data(items.json("remove_blocks", &at.scope())),
    ))
}

async fn allowed<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    Ok(M::shaped(names_answer(&call, &at.allowed(&call)?)))
}

async fn allow<M: Moderated>(call: Call, body: Body) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let users = Named::posted(&call, body).await?;
    let items = at.allow(&call, users)?;
    Ok(M::shaped(
        Envelope::full(&call).data(items.json("add_user_whitelist", &at.scope())),
    ))
}

async fn disallow<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let items = at.disallow(&call, Named::in_path(&call)?.into_vec())?;
    Ok(M::shaped(Envelope::full(&call).data(items_json(
        &items,
        "remove_user_whitelist",
        &at.scope(),
    ))))
}

async fn allow_status<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let user = call.user("users")?;
    let allowed = at.is_allowed(&call, user.clone())?;
    Ok(Envelope::full(&call).data(object_json([
        ("user", Value::from(user.as_str())),
        (M::KEY, at.to_string().into()),
        ("result", allowed.into()),
    ])))
}

async fn mutes<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let data: Vec<Value> = at
        .mutes(&call)?
        .iter()
        .map(|(user, expire)| json!({"user": user.as_str(), "expire": expire_json(*expire)}))
        .collect();
    Ok(M::shaped(
        Envelope::full(&call).count(data.len()).data(data),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = MembersMuteBody)]
pub(crate) struct MuteBody {
    #[serde(default, deserialize_with = "super::shared::null_default")]
    usernames: Vec<String>,
    mute_duration: Option<Value>,
}

async fn mute<M: Moderated>(call: Call, body: Body) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let b: MuteBody = call.json(body).await?;
    let duration_ms = M::mute_duration(b.mute_duration)?;
    let data = at.mute(&call, body_users(&b.usernames)?, duration_ms)?;
    Ok(M::shaped(Envelope::full(&call).data(data)))
}

async fn unmute<M: Moderated>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let items = at.unmute(&call, Named::in_path(&call)?.into_vec())?;
    Ok(M::shaped(
        Envelope::full(&call).data(batch_results_json(&items)),
    ))
}

async fn mute_all<M: Moderated, const ON: bool>(call: Call) -> ApiResult<Envelope> {
    let at = M::from_path(&call)?;
    let muted = at.mute_all(&call, ON)?;
    Ok(M::shaped(
        Envelope::full(&call).data(json!({ "mute": muted })),
    ))
}
