//! The routes, one module per area of the vendor API, merged into one [`router`].
//!
//! Each module has `pub fn routes() -> Router<Arc<Host>>` with its paths (all under
//! `/{org}/{app}`) and its handlers. A handler takes a [`Call`](crate::extract::Call) (the
//! app, the caller from the bearer token, `now`, parameters) and maybe a body, reads them
//! with the helpers of [`shared`], runs one engine command or query through
//! `call.exec`/`call.ask` (which log events), and answers with an
//! [`Envelope`](crate::envelope::Envelope) or an [`ApiError`]. Engine errors, and their
//! order, are the engine's: a handler never words one itself.
//!
//! Areas: users, tokens, attributes, contacts, blocks, mutes, [`presence`], [`push`] (spec
//! 01); [`groups`] and [`threads`] (spec 02); [`rooms`], [`room_lists`] and
//! [`room_attributes`] (spec 03); [`messages`], [`chatfiles`] (with the host's byte store,
//! [`blobs`]) and [`reactions`] (spec 03 §4). The
//! block, allow and mute lists of groups and rooms are one set of handlers, [`lists`].
//! Where the engine has an operation the vendor serves only to client SDKs (join, leave,
//! status reads, exports), the module docs name the host path chosen for it.
//!
//! To add an area: write `routes/<area>.rs` the same way, declare it here and
//! `.merge(<area>::routes())` in [`router`], and describe its routes in
//! [`crate::openapi::ROUTES`] (the `openapi` HTTP test holds the two equal). Every matched
//! route passes the rate limiter first ([`crate::rate`]; off unless the app's limits turn it
//! on). `GET /openapi.json`, the description ([`crate::openapi`]), is served outside it,
//! without a token.

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, Uri};

use crate::error::ApiError;
use crate::host::Host;

pub mod attributes;
pub mod blobs;
pub mod blocks;
pub mod chatfiles;
pub mod contacts;
pub mod groups;
pub mod lists;
pub mod messages;
pub mod mutes;
pub mod presence;
pub mod push;
pub mod reactions;
pub mod room_attributes;
pub mod room_lists;
pub mod rooms;
pub mod shared;
pub mod threads;
pub mod tokens;
pub mod users;

/// Every route, with the vendor-style 404 and 405 answers for the rest.
pub fn router(host: Arc<Host>) -> Router {
    Router::new()
        .merge(tokens::routes())
        .merge(users::routes())
        .merge(attributes::routes())
        .merge(contacts::routes())
        .merge(blocks::routes())
        .merge(mutes::routes())
        .merge(rooms::routes())
        .merge(room_lists::routes())
        .merge(room_attributes::routes())
        .merge(groups::routes())
        .merge(threads::routes())
        .merge(messages::routes())
        .merge(chatfiles::routes())
        .merge(reactions::routes())
        .merge(presence::routes())
        .merge(push::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            (host.clone(), Arc::new(crate::rate::Limiter::default())),
            crate::rate::limit,
        ))
        .route("/openapi.json", axum::routing::get(crate::openapi::serve))
        .merge(crate::rong::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(host)
}

/// Unknown routes, answered only to a caller with a valid token, so that no one learns
/// which apps exist without one (issue 14): `404 organization_application_not_found` when
/// the first two segments do not name an app served here, else `404
/// service_resource_not_found`; without a token valid there, the `401` of a missing or bad
/// token.
async fn not_found(
    axum::extract::State(host): axum::extract::State<Arc<Host>>,
    method: Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> ApiError {
    let mut seg = uri.path().split('/').skip(1);
    let (org, app) = (seg.next().unwrap_or(""), seg.next().unwrap_or(""));
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    match host.app(org, app) {
        Err(e) => host.unknown_app(auth, e).into(),
        Ok(a) => {
            let token = auth
                .and_then(|h| h.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim().to_owned());
            let valid = match token {
                None if auth.is_none() => Err(imcore::Error::TokenExpired),
                None => Err(imcore::Error::BadAccessToken),
                Some(token) => a
                    .authenticate(&token, crate::host::now_millis())
                    .map(|_| ()),
            };
            match valid {
                Err(e) => e.into(),
                Ok(()) => ApiError::new(
                    404,
                    "service_resource_not_found",
                    format!("no route for {method} {}", uri.path()),
                ),
            }
        }
    }
}

/// A known path with a method it does not take: `405 method_not_allowed`.
async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        405,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}
