//! # imcore-server
//!
//! The reference host for the imcore engine: an axum/tokio server speaking the Easemob REST
//! API (`/{org}/{app}/...`), so that an app server written for Easemob can point at it
//! unchanged. It is the only crate in the workspace with I/O: it reads the clock
//! ([`host::now_millis`]), draws token strings and uuids from `/dev/urandom`, validates bearer
//! tokens with the engine to learn the caller, converts vendor units (seconds, `-1` for
//! forever) to engine units, answers in the vendor's envelopes and error bodies, and logs the
//! engine's events with `tracing`, one line each at `info`. One timer task per server runs the
//! engine's `Expire` when timed state lapses ([`timer`]); the per-second rate limits of spec 01
//! §17 are host state ([`rate`]).
//!
//! State is in memory: it is lost when the server stops.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! imcore_server::serve(listener, imcore_server::Config::default(), std::future::pending()).await
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod host;
pub mod rate;
pub mod routes;
pub mod timer;

use std::future::Future;
use std::sync::Arc;

pub use config::{Cli, Config};
pub use host::Host;

/// The whole application for `config`: every route over a fresh in-memory engine.
///
/// # Errors
/// `std::io::ErrorKind::InvalidInput` if the org or app name is not legal.
pub fn app(config: &Config) -> std::io::Result<axum::Router> {
    let host = Host::new(config)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let host = Arc::new(host);
    timer::start(&host);
    Ok(routes::router(host))
}

/// Serves `config`'s app on `listener` until `shutdown` resolves, then finishes the requests
/// in flight and returns.
///
/// # Errors
/// As [`app`], and the listener's I/O errors.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(&config)?;
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
