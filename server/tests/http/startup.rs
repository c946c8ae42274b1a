//! The binary: with `--listen` it prints one line naming where it listens, the app key, that
//! state is in memory, and a curl line for a token; it serves; it logs the engine's events on
//! stderr, one line each; it stops cleanly on SIGTERM.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_its_address_serves_and_stops_on_sigterm() {
    // Find a free port, then hand it to the binary.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--org",
            "o1",
            "--app",
            "a1",
            "--client-id",
            "cid",
            "--client-secret",
            "sec",
            "--open-registration",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");
    assert!(line.contains("o1#a1"), "{line}");
    assert!(line.contains("in memory"), "{line}");
    assert!(
        line.contains("curl") && line.contains("client_credentials"),
        "{line}"
    );

    let post = |p: &str, body: &str| {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "POST {p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        resp
    };
    let resp = post(
        "/o1/a1/token",
        r#"{"grant_type":"client_credentials","client_id":"cid","client_secret":"sec"}"#,
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("access_token"), "{resp}");
    // --open-registration: no token needed to register.
    let resp = post("/o1/a1/users", r#"{"username":"zed","password":"pw"}"#);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");

    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let events: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("UserRegistered"))
        .collect();
    assert_eq!(events.len(), 1, "one line per event: {log}");
    assert!(
        events[0].contains("INFO") && events[0].contains("zed"),
        "{log}"
    );
}

#[test]
fn help_prints_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--open-registration"));
}

#[test]
fn bad_flags_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: imcore-server"));
}
