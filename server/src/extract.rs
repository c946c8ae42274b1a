//! The request side: [`Call`] (who is calling which app, at what `now`, with which path and
//! query parameters) and the body readers (JSON and form-encoded), each failing with the
//! vendor's 4xx instead of axum's plain-text rejections.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::Method;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::request::Parts;
use imcore::{Actor, Ask, Exec, Timestamp, UserName};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult, BODY_BYTES_MAX};
use crate::host::{Host, HostApp, now_millis};

/// One authenticated call: the app, the caller, the clock reading, and the request's
/// parameters. Extracting it requires `Authorization: Bearer <token>`; a missing token is
/// `401 unauthorized`, a bad one the `401` of [`HostApp::authenticate`].
pub struct Call {
    /// The app in the path.
    pub app: Arc<HostApp>,
    /// Who is calling.
    pub actor: Actor,
    /// The host's clock when the request arrived.
    pub now: Timestamp,
    started: Instant,
    org: String,
    app_name: String,
    /// The request path after `/{org}/{app}`, e.g. `/users/alice`.
    pub path: String,
    uri: String,
    action: &'static str,
    params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    content_length: Option<u64>,
    accept: Option<String>,
}

/// A call that may be anonymous: registration (open mode) and the token endpoint. A token,
/// if sent, must be valid.
pub struct MaybeAnon(pub Call);

/// The token endpoint's call: a token is only looked at for the `inherit` grant, and a bad
/// one reads as anonymous (the engine then refuses `inherit` with 401).
pub struct TokenCall(pub Call);

#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenMode {
    Required,
    Optional,
    Lenient,
}

async fn build(parts: &mut Parts, host: &Arc<Host>, mode: TokenMode) -> ApiResult<Call> {
    let started = Instant::now();
    let now = now_millis();
    let raw = RawPathParams::from_request_parts(parts, host)
        .await
        .map_err(|e| ApiError::illegal(format!("bad path: {e}")))?;
    let mut org = String::new();
    let mut app_name = String::new();
    let mut params = Vec::new();
    for (k, v) in raw.iter() {
        match k {
            "org" => org = v.to_owned(),
            "app" => app_name = v.to_owned(),
            _ => params.push((k.to_owned(), v.to_owned())),
        }
    }
    let app = match host.app(&org, &app_name) {
        Ok(a) => a,
        // The token endpoint words its own answer (see routes::tokens).
        Err(e) if mode == TokenMode::Lenient => return Err(e.into()),
        Err(e) => {
            let auth = parts
                .headers
                .get(AUTHORIZATION)
                .and_then(|h| h.to_str().ok());
            return Err(host.unknown_app(auth, e).into());
        }
    };
    let full = parts.uri.path();
    let path = full
        .splitn(4, '/')
        .nth(3)
        .map(|rest| format!("/{rest}"))
        .unwrap_or_default();
    // Echoed in `uri`: only a plausible host name and port, else `localhost`.
    let host_hdr = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_host_name(h))
        .unwrap_or("localhost");
    let uri = format!("http://{host_hdr}{full}");
    let action = action_of(&parts.method);
    let query = parts
        .uri
        .query()
        .map(parse_form)
        .transpose()?
        .unwrap_or_default();
    let header = |name| {
        parts
            .headers
            .get(name)
            .map(|h: &axum::http::HeaderValue| h.to_str().map(str::to_owned))
    };
    let content_type = header(CONTENT_TYPE).and_then(Result::ok);
    let content_length = header(CONTENT_LENGTH)
        .and_then(Result::ok)
        .and_then(|v| v.parse().ok());
    let accept = header(ACCEPT).and_then(Result::ok);
    let actor = match header(AUTHORIZATION) {
        None if mode == TokenMode::Required => {
            return Err(imcore::Error::TokenExpired.into());
        }
        None => Actor::Anonymous,
        Some(h) => {
            let token = h
                .ok()
                .and_then(|h| {
                    let (scheme, t) = h.split_once(' ')?;
                    scheme
                        .eq_ignore_ascii_case("bearer")
                        .then(|| t.trim().to_owned())
                })
                .ok_or(imcore::Error::BadAccessToken);
            match token.and_then(|token| app.authenticate(&token, now)) {
                Ok(a) => a,
                Err(_) if mode == TokenMode::Lenient => Actor::Anonymous,
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(Call {
        app,
        actor,
        now,
        started,
        org,
        app_name,
        path,
        uri,
        action,
        params,
        query,
        content_type,
        content_length,
        accept,
    })
}

/// Whether a `Host` header is a plausible host name or address with an optional port (at
/// most 255 bytes of letters, digits, `.`, `-`, `_`, `:`, `[`, `]`), safe to echo.
pub fn is_host_name(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        })
}

/// The vendor's `action` for a request method: the method in lowercase (`HEAD` is answered
/// as the `GET` it stands for).
fn action_of(m: &Method) -> &'static str {
    match *m {
        Method::POST => "post",
        Method::PUT => "put",
        Method::DELETE => "delete",
        _ => "get",
    }
}

impl FromRequestParts<Arc<Host>> for Call {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, host: &Arc<Host>) -> ApiResult<Call> {
        build(parts, host, TokenMode::Required).await
    }
}

impl FromRequestParts<Arc<Host>> for MaybeAnon {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, host: &Arc<Host>) -> ApiResult<MaybeAnon> {
        build(parts, host, TokenMode::Optional).await.map(MaybeAnon)
    }
}

impl FromRequestParts<Arc<Host>> for TokenCall {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, host: &Arc<Host>) -> ApiResult<TokenCall> {
        build(parts, host, TokenMode::Lenient).await.map(TokenCall)
    }
}

impl Call {
    /// The org name in the path.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// The app name in the path.
    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    /// The full request URI as the vendor echoes it.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The vendor's `action` for this request: its method in lowercase (`get`, `post`, `put`,
    /// `delete`).
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// Milliseconds since the request arrived.
    pub fn duration_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// A path parameter, by its name in the route (`{username}` is `"username"`).
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Whether the route has a path parameter `name`.
    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(k, _)| k == name)
    }

    /// A path parameter that names a user, validated and case-folded.
    ///
    /// # Errors
    /// `400 illegal_argument` with the username rule it breaks.
    pub fn user(&self, name: &str) -> ApiResult<UserName> {
        Ok(UserName::parse(self.param(name))?)
    }

    /// A query parameter, decoded; the first if repeated.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-negative integer query parameter.
    ///
    /// # Errors
    /// `400 illegal_argument` when present and not a number in `0..=u32::MAX`.
    pub fn query_u32(&self, name: &str) -> ApiResult<Option<u32>> {
        match self.query(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::illegal(format!("{name} must be a number, got {v}"))),
        }
    }

    /// A count-like query parameter (a page number, page size or limit) where the engine
    /// decides what is out of range: any whole number is taken, a negative one as `0` and one
    /// past `u32::MAX` as `u32::MAX`, so that `limit=-1` gets the engine's "below 1" answer
    /// and `pagesize=-1` its "≤0 ⇒ default", not a parse error.
    ///
    /// # Errors
    /// `400 illegal_argument` when present and not a whole number.
    pub fn query_count(&self, name: &str) -> ApiResult<Option<u32>> {
        match self.query(name) {
            None | Some("") => Ok(None),
            Some(v) => match v.parse::<i128>() {
                Ok(n) => Ok(Some(u32::try_from(n.max(0)).unwrap_or(u32::MAX))),
                Err(_) => Err(ApiError::illegal(format!(
                    "{name} must be a number, got {v}"
                ))),
            },
        }
    }

    /// A boolean query parameter (`true`/`false`, any case); absent is `false`.
    ///
    /// # Errors
    /// `400 illegal_argument` for anything else.
    pub fn query_bool(&self, name: &str) -> ApiResult<bool> {
        match self.query(name) {
            None | Some("") => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(ApiError::illegal(format!(
                "{name} must be true or false, got {v}"
            ))),
        }
    }

    /// Runs a command as the caller at the call's `now` through the app's durable handle, so
    /// that the answer goes out only once the command is on disk (with a data directory), and
    /// logs its events (one line each).
    ///
    /// # Errors
    /// The command's error, in the vendor's shape; `503 service_unavailable` when the server is
    /// stopping, `500` when the data directory failed.
    ///
    /// # Locking
    /// Blocks the calling worker thread until the command is durable (about one disk sync,
    /// shared with the commands that arrive meanwhile); on tokio's multi-threaded runtime it
    /// tells the runtime first (`block_in_place`), so other requests keep being served and
    /// concurrent commands share a sync.
    pub fn exec<C: Exec + Clone>(&self, cmd: C) -> ApiResult<C::Reply> {
        let durable = &self.app.durable;
        let run = || guard(|| durable.execute(&self.actor, self.now, cmd));
        let blocking = durable.is_logged()
            && tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let out = if blocking {
            tokio::task::block_in_place(run)
        } else {
            run()
        }?
        .map_err(|e| match e {
            imcore_durable::ExecError::Refused(e) => ApiError::from(e),
            imcore_durable::ExecError::Storage(e @ imcore_durable::Error::Closed) => {
                ApiError::new(503, "service_unavailable", e.to_string())
            }
            imcore_durable::ExecError::Storage(e) => {
                tracing::error!(app = %self.app.app.key(), error = %e, "command not made durable");
                ApiError::new(500, "INTERNAL_SERVER_ERROR", e.to_string())
            }
            e => ApiError::new(500, "INTERNAL_SERVER_ERROR", e.to_string()),
        })?;
        for e in &out.events {
            tracing::debug!(target: "imcore_server::events", app = %self.app.app.key(), event = ?e, "event");
        }
        Ok(out.reply)
    }

    /// Runs a query as the caller at the call's `now`.
    ///
    /// # Errors
    /// The query's error, in the vendor's shape.
    pub fn ask<Q: Ask>(&self, q: Q) -> ApiResult<Q::Reply> {
        Ok(guard(|| self.app.app.query(&self.actor, self.now, q))??)
    }

    /// The media type of the body, lowercased, without parameters.
    fn media_type(&self) -> Option<String> {
        self.content_type.as_deref().map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// Whether the body is declared form-encoded.
    pub fn is_form(&self) -> bool {
        self.media_type().as_deref() == Some("application/x-www-form-urlencoded")
    }

    /// Whether the body is declared raw bytes (`application/octet-stream`).
    pub fn is_octet_stream(&self) -> bool {
        self.media_type().as_deref() == Some("application/octet-stream")
    }

    /// Whether the caller asks for raw bytes (`Accept: application/octet-stream`).
    pub fn wants_octet_stream(&self) -> bool {
        self.accept.as_deref().is_some_and(|a| {
            a.split(',').any(|m| {
                m.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/octet-stream")
            })
        })
    }

    /// Reads the body whole, up to `max` bytes; `None` when it is longer.
    ///
    /// # Errors
    /// None besides the length: a body cut off by the client reads as what arrived.
    pub async fn bytes_up_to(&self, body: Body, max: usize) -> Option<axum::body::Bytes> {
        if self.content_length.is_some_and(|n| n > max as u64) {
            return None;
        }
        axum::body::to_bytes(body, max).await.ok()
    }

    /// Reads the body whole, up to `max` bytes.
    ///
    /// # Errors
    /// `413` when it is longer; `408` when it stalled past the body timeout; `400` when it is
    /// not well-formed (a bad chunk size).
    pub async fn bytes_max(&self, body: Body, max: usize) -> ApiResult<axum::body::Bytes> {
        if self.content_length.is_some_and(|n| n > max as u64) {
            return Err(ApiError::body_too_large());
        }
        axum::body::to_bytes(body, max).await.map_err(body_error)
    }

    /// Runs blocking work (disk I/O: the blob store) on this worker thread, telling tokio's
    /// multi-threaded runtime first so that other requests keep being served.
    pub fn blocking<T>(&self, f: impl FnOnce() -> T) -> T {
        let multi = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi {
            tokio::task::block_in_place(f)
        } else {
            f()
        }
    }

    /// Reads the body whole, refusing more than [`BODY_BYTES_MAX`] bytes.
    ///
    /// # Errors
    /// `413` when the body is too large, and as [`Call::bytes_max`].
    pub async fn bytes(&self, body: Body) -> ApiResult<axum::body::Bytes> {
        self.bytes_max(body, BODY_BYTES_MAX).await
    }

    /// Reads an optional JSON body into `T`: an empty (or all-whitespace) body is `None`.
    /// Content type and size rules as [`Call::json`].
    ///
    /// # Errors
    /// As [`Call::json`].
    pub async fn json_opt<T: DeserializeOwned>(&self, body: Body) -> ApiResult<Option<T>> {
        self.check_json_type()?;
        let bytes = self.bytes(body).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(ApiError::json_parse)
    }

    fn check_json_type(&self) -> ApiResult<()> {
        match self.media_type() {
            None => Ok(()),
            Some(m) if m == "application/json" || m.ends_with("+json") => Ok(()),
            Some(m) => Err(ApiError::unsupported_media(&m, "application/json")),
        }
    }

    /// Reads a JSON body into `T`. A missing content type is read as JSON; any other than
    /// `application/json` (or `+json`) is refused.
    ///
    /// # Errors
    /// `415 web_application` (content type), `413` (size), `400 json_parse` (syntax or shape).
    pub async fn json<T: DeserializeOwned>(&self, body: Body) -> ApiResult<T> {
        self.check_json_type()?;
        let bytes = self.bytes(body).await?;
        serde_json::from_slice(&bytes).map_err(ApiError::json_parse)
    }
}

/// The answer for a body that could not be read: over the cap (`413`), stalled (`408`), or
/// malformed on the wire (`400`, a bad chunk size or a connection cut midway).
pub fn body_error(e: axum::Error) -> ApiError {
    let e = e.into_inner();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return ApiError::body_too_large();
        }
        if c.is::<tower_http::timeout::TimeoutError>() {
            return crate::conn::fallback_error(axum::http::StatusCode::REQUEST_TIMEOUT);
        }
        cause = c.source();
    }
    ApiError::new(400, "bad_request", "the request body is not well-formed")
}

/// Runs an engine call, turning a panic (an engine bug) into `500 INTERNAL_SERVER_ERROR`
/// so that the client gets an answer instead of a dropped connection. The engine's locks
/// (parking_lot) do not poison; a command that panicked midway may be half-applied, which
/// is an engine bug to report.
fn guard<T>(f: impl FnOnce() -> T) -> ApiResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        tracing::error!("engine call panicked");
        ApiError::new(500, "INTERNAL_SERVER_ERROR", "internal error")
    })
}

/// Decodes `application/x-www-form-urlencoded` text (also a query string) into ordered
/// pairs: `&`-separated, `+` is a space, `%XX` escapes; a pair without `=` has an empty value.
///
/// # Errors
/// `400 illegal_argument` for a bad escape or bytes that are not UTF-8.
pub fn parse_form(s: &str) -> ApiResult<Vec<(String, String)>> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> ApiResult<String> {
    let bad = || ApiError::illegal(format!("bad percent-encoding in {s}"));
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        assert_eq!(
            parse_form("a=1&b=x+y%21&c&=e&d=%E4%BD%A0").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("c".into(), "".into()),
                ("".into(), "e".into()),
                ("d".into(), "你".into()),
            ]
        );
        assert!(parse_form("a=%4").is_err());
        assert!(parse_form("a=%zz").is_err());
        assert!(parse_form("a=%ff").is_err());
    }
}
