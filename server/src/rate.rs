//! The rate limits of spec 01 §17, as host state (see [`imcore::rate`] for why the windows
//! live in the host): one [`RateWindows`] per app, consulted before a request runs, when the
//! app's limits say `rate_limits`. A refused request gets `429 reach_limit` and runs nothing.
//!
//! Which bucket a request falls in is decided here, from its method and route: the token
//! endpoint; the shared registration bucket (`POST /users`, `PUT /users/{u}`, `PUT
//! /push/nickname`, `GET|PUT /users/{u}/push/binding`, `GET /users/{u}/resources`); batch
//! delete (`DELETE /users`); batch status; each user block-list call; each presence call;
//! and every other route, each on its own. The API a per-API bucket counts is the method and
//! the route pattern (`GET /{org}/{app}/users/{username}`), so different users' calls of one
//! API share one window, as the vendor's per-app limits do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use imcore::rate::{RateBucket, RateWindows};

use crate::error::ApiError;
use crate::host::{Host, now_millis};

/// The windows of every app served, by org and app name.
#[derive(Debug, Default)]
pub struct Limiter {
    windows: Mutex<HashMap<(String, String), RateWindows>>,
}

/// The bucket of a request: its method and its route pattern.
pub fn bucket(method: &Method, route: &str) -> RateBucket {
    let rest = route.strip_prefix("/{org}/{app}").unwrap_or(route);
    let m = method.as_str();
    match (m, rest) {
        (_, "/token") => RateBucket::Token,
        ("POST", "/users")
        | ("PUT", "/users/{username}")
        | ("PUT", "/push/nickname")
        | (_, "/users/{username}/push/binding")
        | ("GET", "/users/{username}/resources") => RateBucket::Registration,
        ("DELETE", "/users") => RateBucket::BatchDelete,
        ("POST", "/users/batch/status") => RateBucket::BatchStatus,
        _ if rest.starts_with("/users/{owner}/blocks/") => RateBucket::BlockList,
        _ if rest.starts_with("/users/{username}/presence") => RateBucket::Presence,
        _ => RateBucket::Other,
    }
}

/// The middleware: admits or refuses a request of a matched route. Requests for an app not
/// served here, or whose app has rate limits off, pass untouched.
pub async fn limit(
    State((host, limiter)): State<(Arc<Host>, Arc<Limiter>)>,
    matched: MatchedPath,
    req: Request,
    next: Next,
) -> Response {
    let mut seg = req.uri().path().split('/').skip(1);
    let (org, app) = (seg.next().unwrap_or(""), seg.next().unwrap_or(""));
    let on = host.app(org, app).is_ok_and(|a| a.app.limits().rate_limits);
    if on {
        let route = matched.as_str();
        let b = bucket(req.method(), route);
        let api = format!("{} {route}", req.method());
        let admitted = limiter
            .windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((org.to_owned(), app.to_owned()))
            .or_default()
            .admit(b, &api, now_millis());
        if let Err(e) = admitted {
            return ApiError::from(e).into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_in_the_spec_buckets() {
        let b = |m: Method, r: &str| bucket(&m, &format!("/{{org}}/{{app}}{r}"));
        assert_eq!(b(Method::POST, "/token"), RateBucket::Token);
        assert_eq!(b(Method::POST, "/users"), RateBucket::Registration);
        assert_eq!(
            b(Method::PUT, "/users/{username}"),
            RateBucket::Registration
        );
        assert_eq!(b(Method::PUT, "/push/nickname"), RateBucket::Registration);
        assert_eq!(
            b(Method::GET, "/users/{username}/push/binding"),
            RateBucket::Registration
        );
        assert_eq!(
            b(Method::GET, "/users/{username}/resources"),
            RateBucket::Registration
        );
        assert_eq!(b(Method::DELETE, "/users"), RateBucket::BatchDelete);
        assert_eq!(
            b(Method::POST, "/users/batch/status"),
            RateBucket::BatchStatus
        );
        assert_eq!(
            b(Method::GET, "/users/{owner}/blocks/users"),
            RateBucket::BlockList
        );
        assert_eq!(
            b(Method::POST, "/users/{username}/presence/{expiry}"),
            RateBucket::Presence
        );
        assert_eq!(b(Method::GET, "/users/{username}"), RateBucket::Other);
        assert_eq!(b(Method::GET, "/users"), RateBucket::Other);
    }
}
