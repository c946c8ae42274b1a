//! RongCloud's request signature, and the [`Rong`] extractor that checks it before reading
//! the body.
//!
//! Every request carries `App-Key` (an app's client id), `Nonce` (any string), `Timestamp`
//! (seconds since the epoch; milliseconds are accepted too) and `Signature`, the hex SHA-1 of
//! app secret + nonce + timestamp (either case). The host refuses, with `1004` and before
//! reading anything else: a missing header, an unknown app key, a timestamp more than
//! [`TIMESTAMP_SKEW_MS`] off its clock (a replayed or stale request), a wrong signature.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use imcore::{Actor, Ask, Exec, GetCredentials, Timestamp};

use super::params::Params;
use super::reply::RongError;
use crate::error::BODY_BYTES_MAX;
use crate::host::{Host, HostApp, now_millis};

/// How far a request's `Timestamp` may be from the host's clock, in milliseconds (5 minutes).
pub const TIMESTAMP_SKEW_MS: i64 = 300_000;

/// Whether two hex digests are equal, ignoring case, in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| {
            acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
        }) == 0
}

/// One signed RongCloud request: the app, its secret, the clock reading and the parameters.
pub struct Rong {
    /// The app the `App-Key` names.
    pub app: Arc<HostApp>,
    /// Its secret (signs tokens too).
    pub secret: String,
    /// The host's clock when the request arrived.
    pub now: Timestamp,
    /// The body's parameters.
    pub params: Params,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Result<&'a str, RongError> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| RongError::signature(format!("{name} header is required")))
}

/// The app whose client id is `key`, with its secret.
fn find_app(host: &Host, key: &str) -> Option<(Arc<HostApp>, String)> {
    host.apps().into_iter().find_map(|a| {
        let c = a
            .app
            .query(&Actor::Admin, now_millis(), GetCredentials)
            .ok()
            .flatten()?;
        (c.client_id == key).then(|| (a.clone(), c.client_secret))
    })
}

/// Checks the signature headers at `now`: the app and its secret, or `1004`.
pub fn check(
    host: &Host,
    h: &HeaderMap,
    now: Timestamp,
) -> Result<(Arc<HostApp>, String), RongError> {
    let key = header(h, "App-Key")?;
    let nonce = header(h, "Nonce")?;
    let ts = header(h, "Timestamp")?;
    let sig = header(h, "Signature")?;
    let (app, secret) =
        find_app(host, key).ok_or_else(|| RongError::signature("App-Key is not valid"))?;
    let t: i64 = ts
        .parse()
        .map_err(|_| RongError::signature("Timestamp is not valid"))?;
    // Seconds, as RongCloud documents; a value past 10^11 is taken as milliseconds.
    let t_ms = if t.abs() < 100_000_000_000 {
        t.saturating_mul(1000)
    } else {
        t
    };
    if (now.0 - t_ms).abs() > TIMESTAMP_SKEW_MS {
        return Err(RongError::signature("Timestamp expired"));
    }
    if !same(&super::token::sha1_hex(&[&secret, nonce, ts]), sig) {
        return Err(RongError::signature("Signature error"));
    }
    Ok((app, secret))
}

impl FromRequest<Arc<Host>> for Rong {
    type Rejection = RongError;

    async fn from_request(req: Request, host: &Arc<Host>) -> Result<Rong, RongError> {
        let now = now_millis();
        let (app, secret) = check(host, req.headers(), now)?;
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.to_ascii_lowercase().contains("json"));
        let bytes = axum::body::to_bytes(req.into_body(), BODY_BYTES_MAX)
            .await
            .map_err(|_| RongError::param("request body is too large or unreadable"))?;
        let params = if json {
            Params::from_json(&bytes)?
        } else {
            Params::from_form(&bytes)?
        };
        Ok(Rong {
            app,
            secret,
            now,
            params,
        })
    }
}

impl Rong {
    /// Runs a command as the app admin through the app's durable handle (logged and synced
    /// before the answer); logs its events.
    ///
    /// # Locking
    /// Blocks the worker until the command is durable; on tokio's multi-threaded runtime it
    /// tells the runtime first (`block_in_place`), as the Easemob routes do.
    pub fn exec<C: Exec + Clone>(&self, cmd: C) -> Result<C::Reply, RongError> {
        let durable = &self.app.durable;
        let run = || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                durable.execute(&Actor::Admin, self.now, cmd)
            }))
        };
        let blocking = durable.is_logged()
            && tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let out = if blocking {
            tokio::task::block_in_place(run)
        } else {
            run()
        }
        .map_err(|_| {
            tracing::error!("engine call panicked");
            RongError::internal("internal error")
        })?
        .map_err(|e| match e {
            imcore_durable::ExecError::Refused(e) => RongError::from(e),
            e => {
                tracing::error!(app = %self.app.app.key(), error = %e, "command not made durable");
                RongError::internal(e.to_string())
            }
        })?;
        for e in &out.events {
            tracing::info!(target: "imcore_server::events", app = %self.app.app.key(), event = ?e, "event");
        }
        Ok(out.reply)
    }

    /// Runs a query as the app admin.
    pub fn ask<Q: Ask>(&self, q: Q) -> Result<Q::Reply, RongError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.app.app.query(&Actor::Admin, self.now, q)
        }))
        .map_err(|_| RongError::internal("internal error"))?
        .map_err(RongError::from)
    }
}
