//! The connection layer (issue 14): what one client may hold of the server, and answers in
//! the vendor's JSON even when the HTTP layer itself answers.
//!
//! - **A cap on connections** ([`Http::connections_max`]): one connection past it is answered
//!   `503 service_unavailable` and closed at once, so a flood costs the server one small
//!   write per refused connection while the clients already in are served.
//! - **Timeouts**, each from the ecosystem: hyper's header-read timer
//!   ([`Http::header_timeout_ms`]; hyper restarts it whenever the connection waits for a
//!   request, so it also bounds an idle keep-alive connection), tower-http's
//!   [`TimeoutLayer`] for a whole request, body included ([`Http::request_timeout_ms`],
//!   `408`), and its [`RequestBodyTimeoutLayer`] for a pause inside a body
//!   ([`Http::body_idle_timeout_ms`]).
//! - **Bodies left unread**: a route that answers without reading the body the request came
//!   with answers with `connection: close`, so a keep-alive client opens a new connection
//!   instead of finding the old one dropped under its next request.
//! - **JSON errors only**: an answer of the HTTP layers (a timeout, a rejection) that is not
//!   already the vendor's JSON error is turned into one with the same status.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tower::ServiceBuilder;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::config::Http;
use crate::error::ApiError;

/// The peer address of the connection a request came on, as a request extension (for the
/// per-client throttles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer(pub std::net::SocketAddr);

/// Serves `router` on `listener` with `http`'s limits until `shutdown` resolves, then lets
/// the requests in flight finish (each connection closes after its current request).
///
/// # Errors
/// None so far: accept errors (too many open files) are logged and retried after a pause.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    http: Http,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = ServiceBuilder::new()
        .layer(RequestBodyTimeoutLayer::new(Duration::from_millis(
            http.body_idle_timeout_ms,
        )))
        .map_request(
            |r: Request<tower_http::timeout::TimeoutBody<hyper::body::Incoming>>| r.map(Body::new),
        )
        .layer(axum::middleware::from_fn(guard))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(http.request_timeout_ms),
        ))
        .service(router);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(http.header_timeout_ms))
        .max_headers(http.headers_max)
        .max_buf_size(http.head_bytes_max.max(8192))
        .keep_alive(true);
    let slots = Arc::new(tokio::sync::Semaphore::new(http.connections_max.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait for connections to close.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!(%peer, "connection refused: at connections_max");
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = service.clone();
        let svc = tower::ServiceExt::map_request(svc, move |mut r: Request<_>| {
            r.extensions_mut().insert(Peer(peer));
            r
        });
        let conn = builder.serve_connection(
            TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(svc),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Answers a connection over the cap: `503` in the vendor's JSON, then closes. The write is
/// bounded in time, so a client that does not read cannot hold the task.
async fn refuse(mut stream: TcpStream) {
    let body = error_json(&ApiError::new(
        503,
        "service_unavailable",
        "too many connections; try again later",
    ));
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// The vendor's error body for `e`, as bytes.
fn error_json(e: &ApiError) -> Vec<u8> {
    serde_json::to_vec(&e.body()).unwrap_or_default()
}

/// Around every request: notes whether the body was read to its end (if not, the answer
/// carries `connection: close`), and turns an error answer that is not the vendor's JSON into
/// one.
async fn guard(req: Request, next: Next) -> Response {
    let read = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    // From the headers: the timeout wrapper hides the body's own end-of-stream hint.
    let has_body = parts.headers.contains_key(TRANSFER_ENCODING)
        || parts
            .headers
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let body = Body::new(Tracked {
        inner: body,
        read: Arc::clone(&read),
    });
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    if resp.status().is_client_error() || resp.status().is_server_error() {
        let json = resp
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|c| c.as_bytes().starts_with(b"application/json"));
        if !json {
            resp = fallback_error(resp.status()).into_response();
        }
    }
    if has_body && !read.load(Ordering::Acquire) {
        resp.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// The vendor's error for an answer the HTTP layers made with `status` alone.
pub fn fallback_error(status: StatusCode) -> ApiError {
    let (error, why) = match status.as_u16() {
        400 => ("bad_request", "the request is not well-formed HTTP"),
        404 => ("service_resource_not_found", "no such resource"),
        405 => ("method_not_allowed", "method not allowed"),
        408 => (
            "request_timeout",
            "the request was not received or answered in time",
        ),
        413 => ("Request Entity Too Large", "the request body is too large"),
        414 => ("uri_too_long", "the request URI is too long"),
        415 => ("web_application", "unsupported media type"),
        431 => (
            "request_header_fields_too_large",
            "too many or too large request headers",
        ),
        503 => ("service_unavailable", "the server is busy; try again later"),
        s if s >= 500 => ("internal_server_error", "internal error"),
        _ => ("bad_request", "the request was refused"),
    };
    ApiError::new(status.as_u16(), error, why)
}

/// A request body that records when it has been read to its end.
struct Tracked {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.read.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
