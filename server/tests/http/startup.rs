//! The binary: it prints one line naming where it listens, the app keys, where the data lives,
//! and a curl line for a token; it serves; it logs the engine's events on stderr, one line
//! each; on SIGTERM it finishes, writes a final snapshot and exits 0, and a restart on the same
//! data directory has every user, token, shared file's bytes and the same `application` uuid. A second server on
//! the same directory is refused; a bad config file stops start-up naming the line and field;
//! `--print-config` prints every field; `--in-memory` keeps nothing.

#![cfg(unix)]

use std::process::Command;

use serde_json::{Value, json};

use crate::binary::Server;
use crate::fixture::request;

fn post(s: &Server, path: &str, token: Option<&str>, body: Value) -> crate::fixture::Resp {
    request(
        s.addr,
        "POST",
        path,
        token,
        Some("application/json"),
        body.to_string().as_bytes(),
    )
}

fn get(s: &Server, path: &str, token: &str) -> crate::fixture::Resp {
    request(s.addr, "GET", path, Some(token), None, b"")
}

/// A raw request with extra headers; the status and the raw body.
fn raw_bytes(s: &Server, head: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    let req = format!(
        "{head}\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(req.as_bytes()).unwrap();
    c.write_all(body).unwrap();
    let mut buf = Vec::new();
    c.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = std::str::from_utf8(&buf[9..12]).unwrap().parse().unwrap();
    (status, buf[split + 4..].to_vec())
}

const ONE_APP: [&str; 9] = [
    "--org",
    "o1",
    "--app",
    "a1",
    "--client-id",
    "cid",
    "--client-secret",
    "sec",
    "--open-registration",
];

#[test]
fn serves_stops_on_sigterm_with_a_final_snapshot_and_restarts_with_everything() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let data_s = data.to_str().unwrap();
    let args: Vec<&str> = ONE_APP
        .iter()
        .copied()
        .chain(["--data-dir", data_s])
        .collect();
    let s = Server::start(&args, &t.path().join("1.log"));
    let line = &s.banner;
    assert!(line.contains(&format!("http://{}", s.addr)), "{line}");
    assert!(line.contains("o1#a1"), "{line}");
    assert!(line.contains(&format!("data in {data_s}/")), "{line}");
    assert!(
        line.contains("curl") && line.contains("client_credentials"),
        "{line}"
    );
    let admin = s.token("o1", "a1", "cid", "sec");
    // --open-registration: no token needed to register.
    post(
        &s,
        "/o1/a1/users",
        None,
        json!({"username": "zed", "password": "pw"}),
    )
    .ok();
    let user_token = post(
        &s,
        "/o1/a1/token",
        None,
        json!({"grant_type": "password", "username": "zed", "password": "pw"}),
    )
    .ok()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let uuid = get(&s, "/o1/a1/users/zed", &admin).ok()["application"].clone();
    assert!(uuid.is_string());
    // A group with a shared file's bytes.
    post(
        &s,
        "/o1/a1/chatgroups",
        Some(&admin),
        json!({"groupname": "g", "description": "d", "public": true, "owner": "zed",
               "maxusers": 10, "groupid": "g1"}),
    )
    .ok();
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let (st, body) = raw_bytes(
        &s,
        &format!(
            "POST /o1/a1/chatgroups/g1/share_files?file_name=f.bin HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/octet-stream"
        ),
        &content,
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let file_id = serde_json::from_slice::<Value>(&body).unwrap()["data"]["file_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An attachment, uploaded as the vendor takes it (multipart).
    const B: &str = "XBOUNDARYX";
    let mut mp = format!(
        "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    mp.extend_from_slice(b"attachment-bytes");
    mp.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    let (st, body) = raw_bytes(
        &s,
        &format!(
            "POST /o1/a1/chatfiles HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nContent-Type: multipart/form-data; boundary={B}"
        ),
        &mp,
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let attachment = serde_json::from_slice::<Value>(&body).unwrap()["entities"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another group's file, then the group destroyed: its bytes are orphans, swept at the
    // next start.
    post(
        &s,
        "/o1/a1/chatgroups",
        Some(&admin),
        json!({"groupname": "g", "description": "d", "public": true, "owner": "zed",
               "maxusers": 10, "groupid": "g2"}),
    )
    .ok();
    let (st, _) = raw_bytes(
        &s,
        &format!(
            "POST /o1/a1/chatgroups/g2/share_files?file_name=o.bin HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/octet-stream"
        ),
        b"orphan",
    );
    assert_eq!(st, 200);
    request(
        s.addr,
        "DELETE",
        "/o1/a1/chatgroups/g2",
        Some(&admin),
        None,
        b"",
    )
    .ok();

    let status = s.term();
    let log_of_first = std::fs::read_to_string(t.path().join("1.log")).unwrap();
    assert!(status.success(), "clean exit: {status:?}\n{log_of_first}");
    let events: Vec<&str> = log_of_first
        .lines()
        .filter(|l| l.contains("UserRegistered"))
        .collect();
    assert_eq!(events.len(), 1, "one line per event: {log_of_first}");
    assert!(
        events[0].contains("DEBUG") && events[0].contains("zed"),
        "{log_of_first}"
    );
    assert!(log_of_first.contains("snapshot written"), "{log_of_first}");
    // A final snapshot, and no log left.
    let app_dir = data.join("apps/o1/a1");
    let names: Vec<String> = std::fs::read_dir(&app_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".snap")).count(),
        1,
        "{names:?}"
    );
    assert_eq!(std::fs::read_dir(app_dir.join("log")).unwrap().count(), 0);

    // Restart: the user, both tokens and the uuid are still there.
    let s = Server::start(&args, &t.path().join("2.log"));
    let r = get(&s, "/o1/a1/users/zed", &admin);
    assert_eq!(r.ok()["entities"][0]["username"], "zed");
    assert_eq!(r.body["application"], uuid, "the same application uuid");
    get(&s, "/o1/a1/users/zed", &user_token).ok();
    // The shared file's bytes live in the data directory and are served again.
    let (st, got) = raw_bytes(
        &s,
        &format!(
            "GET /o1/a1/chatgroups/g1/share_files/{file_id} HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nAccept: application/octet-stream"
        ),
        b"",
    );
    assert_eq!(st, 200);
    assert!(got == content, "the same bytes after a restart");
    // So do the attachment's.
    let (st, got) = raw_bytes(
        &s,
        &format!("GET /o1/a1/chatfiles/{attachment} HTTP/1.1"),
        b"",
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&got));
    assert_eq!(got, b"attachment-bytes");
    assert_eq!(
        std::fs::read_dir(app_dir.join("blobs")).unwrap().count(),
        2,
        "the destroyed group's bytes were swept at start-up; the file and attachment stay"
    );
    assert!(s.term().success());
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let args = ["--data-dir", data.to_str().unwrap()];
    let first = Server::start(&args, &t.path().join("1.log"));
    let Err((status, log)) = Server::try_start(&args, &t.path().join("2.log")) else {
        panic!("a second server started")
    };
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{log}");
    assert!(log.contains("in use") && log.contains("LOCK"), "{log}");
    assert!(log.contains(&format!("pid {}", first.child.id())), "{log}");
    // The first one still serves.
    first.token("demo", "demo", "demo-client-id", "demo-client-secret");
    assert!(first.term().success());
}

#[test]
fn in_memory_keeps_nothing() {
    let t = tempfile::tempdir().unwrap();
    let s = Server::start(&["--in-memory"], &t.path().join("1.log"));
    assert!(s.banner.contains("in memory"), "{}", s.banner);
    assert!(s.term().success());
    assert_eq!(
        std::fs::read_dir(t.path()).unwrap().count(),
        1,
        "only the log"
    );
}

#[test]
fn a_config_file_serves_several_apps_with_their_own_limits() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("imcore.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[storage]
data_dir = "{}"

[[apps]]
org = "acme"
app = "chat"
client_id = "c1"
client_secret = "s1"
[apps.limits]
registration_mode = "Open"

[[apps]]
org = "acme"
app = "shop"
client_id = "c2"
client_secret = "s2"
"#,
            t.path().join("data").display()
        ),
    )
    .unwrap();
    let s = Server::start(
        &["--config", cfg.to_str().unwrap()],
        &t.path().join("1.log"),
    );
    assert!(s.banner.contains("acme#chat, acme#shop"), "{}", s.banner);
    post(
        &s,
        "/acme/chat/users",
        None,
        json!({"username": "a", "password": "pw"}),
    )
    .ok();
    post(
        &s,
        "/acme/shop/users",
        None,
        json!({"username": "a", "password": "pw"}),
    )
    .assert_error(401, "unauthorized");
    let shop = s.token("acme", "shop", "c2", "s2");
    get(&s, "/acme/shop/users", &shop).ok();
    assert!(s.term().success());
    assert!(t.path().join("data/apps/acme/shop/app.meta").is_file());
}

#[test]
fn changed_limits_apply_at_restart_unless_the_data_breaks_them() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let cfg = t.path().join("imcore.toml");
    let write_cfg = |limits: &str| {
        std::fs::write(
            &cfg,
            format!(
                "[storage]\ndata_dir = \"{}\"\n[[apps]]\norg = \"acme\"\napp = \"chat\"\nclient_id = \"c\"\nclient_secret = \"s\"\n[apps.limits]\n{limits}",
                data.display()
            ),
        )
        .unwrap();
    };
    let c = cfg.to_str().unwrap();
    let register = |s: &Server, name: &str| {
        post(
            s,
            "/acme/chat/users",
            None,
            json!({"username": name, "password": "pw"}),
        )
    };
    // Open registration, three users.
    write_cfg("registration_mode = \"Open\"\n");
    let s = Server::start(&["--config", c], &t.path().join("1.log"));
    for u in ["a", "b", "c"] {
        register(&s, u).ok();
    }
    assert!(s.term().success());
    // Admin-only registration from the next start: applied (and logged), the users kept.
    write_cfg("");
    let s = Server::start(&["--config", c], &t.path().join("2.log"));
    assert!(s.log().contains("limits changed"), "{}", s.log());
    register(&s, "d").assert_error(401, "unauthorized");
    let admin = s.token("acme", "chat", "c", "s");
    get(&s, "/acme/chat/users/c", &admin).ok();
    assert!(s.term().success());
    // A cap below what the app holds is refused, naming it; nothing changes.
    write_cfg("users_max = 2\n");
    let Err((status, log)) = Server::try_start(&["--config", c], &t.path().join("3.log")) else {
        panic!("started with a cap the data breaks")
    };
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{log}");
    assert!(
        log.contains("users_max") && log.contains("cannot apply"),
        "{log}"
    );
    // At the edge it applies: three users, a cap of three, the fourth refused.
    write_cfg("users_max = 3\n");
    let s = Server::start(&["--config", c], &t.path().join("4.log"));
    let admin = s.token("acme", "chat", "c", "s");
    post(
        &s,
        "/acme/chat/users",
        Some(&admin),
        json!({"username": "d", "password": "pw"}),
    )
    .assert_error(429, "resource_limited");
    assert!(s.term().success());
}

#[test]
fn a_bad_config_file_stops_startup_naming_the_line_and_field() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "[[apps]]\norg = \"acme\"\napp = \"chat\"\nclient_id = \"i\"\nclient_secret = \"s\"\n[apps.limits]\nfrends_max = 3\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .args(["--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("line 7") && err.contains("frends_max"),
        "{err}"
    );
}

#[test]
fn print_config_prints_every_field() {
    let out = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .args(["--print-config", "--org", "acme", "--in-memory"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "listen = \"127.0.0.1:5080\"",
        "in_memory = true",
        "org = \"acme\"",
        "friends_max = 1000",
        "users_max = 100000",
        "[apps.limits.groups]",
        "threads_enabled = true",
        "[apps.limits.rooms]",
        "maxusers_cap = 10000",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    // What it prints is a config file that reads back.
    imcore_server::Config::from_toml(&text).unwrap();
}

#[test]
fn help_prints_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--open-registration",
        "--config",
        "--data-dir",
        "--in-memory",
        "--print-config",
    ] {
        assert!(text.contains(flag), "{flag}: {text}");
    }
}

#[test]
fn bad_flags_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: imcore-server"));
}
