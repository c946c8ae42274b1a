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
//! - **Bodies left unread**: a body of declared length up to [`DRAIN_BYTES_MAX`] is read
//!   before the route runs, so a route that ignores it leaves the connection reusable; a
//!   route that answers without reading a larger (or chunked) body answers with `connection:
//!   close`, so a keep-alive client opens a new connection instead of finding the old one
//!   dropped under its next request.
//! - **JSON errors only**: an answer of the HTTP layers (a timeout, a rejection) that is not
//!   already the vendor's JSON error is turned into one with the same status, and so are
//!   the answers hyper writes itself for requests it cannot parse ([`JsonErrors`]).
//! - **A lingering close**: a connection closed with request bytes unread reads and drops
//!   them for a moment ([`LINGER`]) so that the reset they would cause does not destroy the
//!   answer before the client reads it.

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
        .layer(axum::middleware::from_fn_with_state(
            Guard {
                head_bytes_max: http.head_bytes_max,
                request_timeout: Duration::from_millis(http.request_timeout_ms),
            },
            guard,
        ))
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
            TokioIo::new(JsonErrors::new(stream)),
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

/// Around every request: refuses a head over `head_bytes_max` (hyper's buffer limit is not
/// exact), reads a small body of declared length ahead ([`DRAIN_BYTES_MAX`]), notes whether a
/// larger body was read to its end (if not, the answer carries `connection: close`), and turns
/// an error answer that is not the vendor's JSON into one.
async fn guard(
    axum::extract::State(cfg): axum::extract::State<Guard>,
    req: Request,
    next: Next,
) -> Response {
    let head_bytes_max = cfg.head_bytes_max;
    let read = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let uri_bytes = parts.uri.to_string().len();
    let head_bytes = uri_bytes
        + parts
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if head_bytes > head_bytes_max {
        let status = if uri_bytes > head_bytes_max {
            StatusCode::URI_TOO_LONG
        } else {
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        };
        let mut resp = fallback_error(status).into_response();
        resp.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    // From the headers: the timeout wrapper hides the body's own end-of-stream hint.
    let has_body = parts.headers.contains_key(TRANSFER_ENCODING)
        || parts
            .headers
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    // A small body of declared length is read here, whole (within the request timeout), so
    // that a route that does not read it leaves the connection reusable.
    let declared: Option<usize> = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = match declared {
        Some(n) if n > 0 && n <= DRAIN_BYTES_MAX => {
            match tokio::time::timeout(cfg.request_timeout, axum::body::to_bytes(body, n)).await {
                Ok(Ok(bytes)) => {
                    read.store(true, Ordering::Release);
                    Body::from(bytes)
                }
                Ok(Err(e)) => return closing(crate::extract::body_error(e).into_response()),
                Err(_) => {
                    return closing(fallback_error(StatusCode::REQUEST_TIMEOUT).into_response());
                }
            }
        }
        _ => Body::new(Tracked {
            inner: body,
            read: Arc::clone(&read),
        }),
    };
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

/// The largest body of declared length the guard reads before the route runs (so that an
/// unread one does not cost the connection); larger ones stream to the route.
pub const DRAIN_BYTES_MAX: usize = 64 * 1024;

/// The guard's settings.
#[derive(Clone, Copy, Debug)]
struct Guard {
    head_bytes_max: usize,
    request_timeout: Duration,
}

/// `resp` with `connection: close`.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
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

/// The connection's bytes, with hyper's own error answers rewritten into the vendor's JSON.
///
/// hyper answers a request it cannot parse (a malformed `Content-Length`, a NUL in the path,
/// too many or too large headers, a too long URL) itself, with a status line and an empty
/// body, and gives the service no say. Every answer the service makes is JSON with a body,
/// so an answer head with `content-length: 0` and an error status is one of hyper's: it is
/// replaced, whole, by the same status with the vendor's error body and `connection: close`
/// (hyper closes the connection after it anyway). A `431` while the request line has not
/// ended yet is a too long URL: `414`.
pub struct JsonErrors<T> {
    inner: T,
    /// Whether a line end was read since the last answer was written (the request line is
    /// complete).
    line_ended: bool,
    /// A replacement being written: the bytes, how many are written, and how many of hyper's
    /// bytes it stands for.
    replacing: Option<(Vec<u8>, usize, usize)>,
    /// While closing: until when, and how many more bytes, the request bytes left unread are
    /// read and dropped ([`LINGER`], [`LINGER_BYTES_MAX`]).
    linger: Option<(Pin<Box<tokio::time::Sleep>>, usize)>,
}

/// How long a closing connection keeps reading what the client still sends, so that closing
/// with unread request bytes does not reset the connection and destroy the answer before the
/// client reads it (a refused large body, a too long head).
pub const LINGER: Duration = Duration::from_millis(500);
/// The most bytes read and dropped while lingering.
pub const LINGER_BYTES_MAX: usize = 8 * 1024 * 1024;

impl<T> JsonErrors<T> {
    /// Wraps a connection.
    pub fn new(inner: T) -> JsonErrors<T> {
        JsonErrors {
            inner,
            line_ended: false,
            replacing: None,
            linger: None,
        }
    }
}

/// The status of an answer head hyper made for a request it could not parse, if `buf` is one.
fn automatic_error(buf: &[u8]) -> Option<u16> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let status: u16 = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    if !(400..500).contains(&status) || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = String::from_utf8_lossy(buf).to_ascii_lowercase();
    (head.contains("\r\ncontent-length: 0\r\n") && !head.contains("\r\ncontent-type:"))
        .then_some(status)
}

fn json_answer(status: u16) -> Vec<u8> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = error_json(&fallback_error(status));
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for JsonErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled()[before..].contains(&b'\n') {
            self.line_ended = true;
        }
        polled
    }
}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite
    for JsonErrors<T>
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            if let Some(mut status) = automatic_error(buf) {
                if status == 431 && !this.line_ended {
                    status = 414;
                }
                this.replacing = Some((json_answer(status), 0, buf.len()));
            } else if buf.starts_with(b"HTTP/1.") {
                this.line_ended = false;
            }
        }
        if let Some((bytes, written, stands_for)) = &mut this.replacing {
            while *written < bytes.len() {
                match Pin::new(&mut this.inner).poll_write(cx, &bytes[*written..]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                    Poll::Ready(Ok(n)) => *written += n,
                    other => return other,
                }
            }
            let n = *stands_for;
            this.replacing = None;
            return Poll::Ready(Ok(n));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// Sends the end of the answer (FIN), then reads and drops what the client still sends,
    /// for at most [`LINGER`] and [`LINGER_BYTES_MAX`] (a lingering close).
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.linger.is_none() {
            std::task::ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            this.linger = Some((Box::pin(tokio::time::sleep(LINGER)), LINGER_BYTES_MAX));
        }
        let Some((deadline, left)) = &mut this.linger else {
            return Poll::Ready(Ok(()));
        };
        let mut scratch = [0u8; 8192];
        loop {
            if deadline.as_mut().poll(cx).is_ready() || *left == 0 {
                return Poll::Ready(Ok(()));
            }
            let mut buf = tokio::io::ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => *left = left.saturating_sub(buf.filled().len()),
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
