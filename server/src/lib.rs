//! # imcore-server
//!
//! The reference host for the imcore engine: an axum/tokio server speaking the Easemob REST
//! API (`/{org}/{app}/...`), so that an app server written for Easemob can point at it
//! unchanged, and RongCloud's Server API for the user lifecycle (`/user/*.json`, [`rong`]) on
//! the same port and state. It is the only crate in the workspace with network I/O: it reads the clock
//! ([`host::now_millis`]), draws token strings and uuids from `rand`, validates bearer tokens
//! with the engine to learn the caller, converts vendor units (seconds, `-1` for forever) to
//! engine units, answers in the vendor's envelopes and error bodies, and logs the engine's
//! events with `tracing`, one line each at `debug` (target `imcore_server::events`; start-up,
//! shutdown and snapshots are `info`). One timer task per server runs the engine's
//! `Expire` when timed state lapses ([`timer`]), through the durable path like any command;
//! the per-second rate limits of spec 01 §17 are host state ([`rate`]).
//!
//! **Data is durable by default.** Every app lives in a data directory ([`config::Storage`]:
//! `imcore-data/` under the working directory unless configured otherwise) kept by
//! [`imcore_durable`]: every command is logged and synced before its answer goes out (group
//! commit), snapshots are taken in the background, and a restart recovers every acknowledged
//! write, app and user tokens included. `Storage::in_memory` keeps nothing. Many apps can be
//! served at once, each with its own limits ([`Config`], from a TOML file or the command line).
//! On shutdown the requests in flight finish, then each app writes a final snapshot.
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
pub mod conn;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod host;
pub mod openapi;
pub mod rate;
pub mod rong;
pub mod routes;
pub mod throttle;
pub mod timer;
pub mod tokens;

use std::future::Future;
use std::sync::Arc;

pub use config::{AppConfig, Cli, Config, Storage};
pub use host::Host;

/// The whole application for `config`: every route over an engine holding the configured
/// apps, recovered from the data directory (or in memory). The data directory is closed (final
/// snapshots) when the router and its clones are dropped; [`serve`] closes it explicitly.
///
/// # Errors
/// `std::io::ErrorKind::InvalidInput` with the reason the apps could not be opened (see
/// [`Host::open`]).
pub fn app(config: &Config) -> std::io::Result<axum::Router> {
    let host = Arc::new(open_host(config)?);
    timer::start(&host);
    Ok(routes::router(host))
}

fn open_host(config: &Config) -> std::io::Result<Host> {
    Host::open(config).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
}

/// Opens `config`'s storage and apps (recovering them from the data directory): the first
/// half of [`serve`], for a caller that reports start-up before serving.
///
/// # Errors
/// As [`app`].
///
/// # Locking
/// Blocks while the apps are recovered (reading the disk).
pub fn open(config: &Config) -> std::io::Result<Arc<Host>> {
    open_host(config).map(Arc::new)
}

/// Serves `config`'s apps on `listener` until `shutdown` resolves, then finishes the requests
/// in flight, closes the data directory (a final snapshot per app) and returns.
///
/// # Errors
/// As [`app`], the listener's I/O errors, and the final snapshot's.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Recovery reads the disk: off the async workers.
    let host = tokio::task::spawn_blocking(move || open(&config))
        .await
        .map_err(std::io::Error::other)??;
    serve_host(listener, host, shutdown).await
}

/// Serves an opened [`Host`] (see [`open`]) on `listener` until `shutdown` resolves, then
/// finishes the requests in flight, closes the data directory (a final snapshot per app) and
/// returns.
///
/// # Errors
/// The listener's I/O errors, and the final snapshot's.
pub async fn serve_host(
    listener: tokio::net::TcpListener,
    host: Arc<Host>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    timer::start(&host);
    let http = host.http.clone();
    let served = conn::serve(listener, routes::router(Arc::clone(&host)), http, shutdown).await;
    let closing = Arc::clone(&host);
    let closed = tokio::task::spawn_blocking(move || closing.close())
        .await
        .map_err(std::io::Error::other)?;
    served?;
    closed.map_err(std::io::Error::other)
}
