//! Shared test harness: starts the server on an ephemeral loopback port (its own thread and
//! tokio runtime) and talks to it over real HTTP/1.1 with a tiny client (`Connection: close`,
//! one request per connection).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use imcore_server::{AppConfig, Config, Storage};
use serde_json::{Value, json};

/// The app every test server serves.
pub const ORG: &str = "acme";
/// The app every test server serves.
pub const APP: &str = "chat";
/// Its credentials.
pub const CLIENT_ID: &str = "test-id";
/// Its credentials.
pub const CLIENT_SECRET: &str = "test-secret";

/// The configuration the tests start from: the one app, in memory. Its limits are
/// `config().apps[0].limits`.
pub fn config() -> Config {
    Config {
        storage: Storage::in_memory(),
        apps: vec![AppConfig {
            org: ORG.into(),
            app: APP.into(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            ..AppConfig::default()
        }],
        ..Config::default()
    }
}

/// A running server and an app token for it.
pub struct Api {
    /// Where it listens.
    pub addr: SocketAddr,
    /// An app (admin) token.
    pub admin: String,
}

/// A response: status, headers (lowercased names) and the body as JSON (`Null` if empty).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Resp {
    /// Asserts a vendor error: status, `error`, and the rest of the error body's shape.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["error"], error, "body: {}", self.body);
        assert!(self.body["error_description"].is_string(), "{}", self.body);
        assert!(self.body["exception"].is_string(), "{}", self.body);
        assert!(self.body["timestamp"].is_i64(), "{}", self.body);
        assert!(self.body["duration"].is_u64(), "{}", self.body);
    }

    /// Asserts status 200 and returns the body.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "body: {}", self.body);
        &self.body
    }
}

/// Starts a server with `config` and returns its address.
pub fn start(config: Config) -> SocketAddr {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    std_listener.set_nonblocking(true).expect("nonblocking");
    let addr = std_listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            imcore_server::serve(listener, config, std::future::pending())
                .await
                .expect("serve");
        });
    });
    addr
}

/// Sends raw bytes and reads the whole answer.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    // The server may answer (and stop reading) before a large body is fully sent; a failed
    // write is fine as long as the answer arrives.
    let _ = s.write_all(request);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse(&buf)
}

/// Parses a whole answer.
///
/// # Panics
/// If it is not an HTTP answer with a JSON (or empty) body.
pub fn parse(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(buf)));
    let head = std::str::from_utf8(&buf[..split]).expect("utf8 head");
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&body)))
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(std::str::from_utf8(&b[..nl]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + n]);
        b = &b[nl + 2 + n + 2..];
    }
}

/// One request: `content_type` and `token` when given; `Content-Length` always.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Resp {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(c) = content_type {
        r.push_str(&format!("Content-Type: {c}\r\n"));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// `/{ORG}/{APP}` + `p`.
pub fn path(p: &str) -> String {
    format!("/{ORG}/{APP}{p}")
}

/// Gets an app token from a fresh server with `config`.
pub fn api_with(config: Config) -> Api {
    let addr = start(config);
    let r = request(
        addr,
        "POST",
        &path("/token"),
        None,
        Some("application/json"),
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
            .to_string()
            .as_bytes(),
    );
    let admin = r.ok()["access_token"].as_str().expect("token").to_owned();
    Api { addr, admin }
}

/// A fresh server with the default test configuration.
pub fn api() -> Api {
    api_with(config())
}

impl Api {
    /// A request as `token` with a JSON body (or none when `body` is `Null`).
    pub fn call(&self, method: &str, p: &str, token: Option<&str>, body: &Value) -> Resp {
        let (ct, bytes) = match body {
            Value::Null => (None, Vec::new()),
            b => (Some("application/json"), b.to_string().into_bytes()),
        };
        request(self.addr, method, &path(p), token, ct, &bytes)
    }

    /// A request as the admin.
    pub fn admin(&self, method: &str, p: &str, body: &Value) -> Resp {
        self.call(method, p, Some(&self.admin), body)
    }

    /// `GET` as the admin.
    pub fn get(&self, p: &str) -> Resp {
        self.admin("GET", p, &Value::Null)
    }

    /// Registers users (password `pw`) as the admin, asserting success.
    pub fn register(&self, names: &[&str]) {
        let body: Vec<Value> = names
            .iter()
            .map(|n| json!({"username": n, "password": "pw"}))
            .collect();
        let r = self.admin("POST", "/users", &Value::Array(body));
        assert_eq!(r.ok()["entities"].as_array().unwrap().len(), names.len());
    }

    /// A user token by the password grant (password `pw`).
    pub fn user_token(&self, name: &str) -> String {
        let r = self.call(
            "POST",
            "/token",
            None,
            &json!({"grant_type": "password", "username": name, "password": "pw"}),
        );
        r.ok()["access_token"].as_str().unwrap().to_owned()
    }

    /// Makes two users friends as the admin.
    pub fn befriend(&self, a: &str, b: &str) {
        self.admin(
            "POST",
            &format!("/users/{a}/contacts/users/{b}"),
            &Value::Null,
        )
        .ok();
    }
}

/// Asserts the full envelope's common fields.
#[track_caller]
pub fn assert_envelope(v: &Value, action: &str) {
    assert_eq!(v["action"], action, "{v}");
    assert_eq!(v["organization"], ORG, "{v}");
    assert_eq!(v["applicationName"], APP, "{v}");
    assert_eq!(v["application"].as_str().map(str::len), Some(36), "{v}");
    assert!(v["path"].is_string() && v["uri"].is_string(), "{v}");
    assert!(v["timestamp"].is_i64() && v["duration"].is_u64(), "{v}");
}
