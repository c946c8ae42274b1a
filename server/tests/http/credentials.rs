//! Credentials under guessing (issue 14): the token endpoint throttles failures per client and
//! per user, gives one answer for every bad credential, and no caller learns which apps exist
//! before authenticating.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::fixture::*;
use crate::hardening::read_one;
use serde_json::{Value, json};

/// A connection from another loopback address (127.0.0.2): another client to the throttle.
fn connect_from_elsewhere(addr: std::net::SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        sock.connect(addr).await.unwrap()
    });
    let s = s.into_std().unwrap();
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s
}

fn token(api: &Api, body: Value) -> Resp {
    api.call("POST", "/token", None, &body)
}

#[test]
fn a_thousand_wrong_passwords_are_throttled_and_the_right_one_works_for_its_owner_afterwards() {
    let mut c = config();
    c.http.token_failures_per_user_max = 10;
    c.http.token_failures_per_client_max = 30;
    c.http.token_failure_window_ms = 1_500;
    let api = api_with(c);
    api.register(&["alice", "bob"]);
    let owners_token = api.user_token("alice");
    let started = Instant::now();
    // One keep-alive connection, 1,000 guesses.
    let mut s = TcpStream::connect(api.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let (mut refused, mut throttled) = (0, 0);
    for i in 0..1000 {
        let body =
            json!({"grant_type": "password", "username": "alice", "password": format!("guess{i}")})
                .to_string();
        let req = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            path("/token"),
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        let r = read_one(&mut s).expect("answer");
        match r.status {
            400 => {
                r.assert_error(400, "invalid_grant");
                refused += 1;
            }
            429 => {
                r.assert_error(429, "reach_limit");
                throttled += 1;
            }
            other => panic!("{other}: {}", r.body),
        }
    }
    // Only the first 10 guesses were looked at (the run may outlast one window).
    let windows = started.elapsed().as_millis() / 1_500 + 1;
    assert!(
        refused <= 10 * windows as usize,
        "{refused} guesses looked at"
    );
    assert_eq!(refused + throttled, 1000);
    // Meanwhile the owner's token works, and the owner logs in from another address: the
    // guesser is not able to lock them out.
    assert_eq!(
        api.call("GET", "/users/alice", Some(&owners_token), &Value::Null)
            .status,
        200
    );
    let right = json!({"grant_type": "password", "username": "alice", "password": "pw"});
    let mut owner = connect_from_elsewhere(api.addr);
    let body = right.to_string();
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        path("/token"),
        body.len()
    );
    owner.write_all(req.as_bytes()).unwrap();
    let r = read_one(&mut owner).expect("answer");
    assert_eq!(r.ok()["user"]["username"], "alice");
    // The guessing client is refused even the right password until the window ends.
    token(&api, right.clone()).assert_error(429, "reach_limit");
    std::thread::sleep(Duration::from_millis(1_600));
    let r = token(&api, right);
    assert_eq!(r.ok()["user"]["username"], "alice");
    assert!(api.user_token("bob").starts_with("v1.u."));
}

#[test]
fn one_answer_for_every_bad_credential() {
    let api = api();
    api.register(&["alice"]);
    // carol has no password (made by the inherit grant).
    api.admin(
        "POST",
        "/token",
        &json!({"grant_type": "inherit", "username": "carol", "autoCreateUser": true}),
    )
    .ok();
    let mut seen = Vec::new();
    for (u, p) in [
        ("alice", "wrong"),
        ("ghost", "pw"),
        ("carol", ""),
        ("carol", "x"),
    ] {
        let r = token(
            &api,
            json!({"grant_type": "password", "username": u, "password": p}),
        );
        r.assert_error(400, "invalid_grant");
        seen.push(r.body["error_description"].clone());
    }
    assert!(seen.iter().all(|d| *d == seen[0]), "{seen:?}");
    let mut seen = Vec::new();
    for (id, secret) in [
        (CLIENT_ID, "nope"),
        ("nope", CLIENT_SECRET),
        ("nope", "nope"),
    ] {
        let r = token(
            &api,
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        );
        r.assert_error(400, "invalid_grant");
        seen.push(r.body["error_description"].clone());
    }
    assert!(seen.iter().all(|d| *d == seen[0]), "{seen:?}");
}

#[test]
fn app_existence_is_not_revealed_before_authentication() {
    let api = api();
    // Without a valid token: the same 401 for a served app, an unknown app, an unknown route.
    for p in [
        "/acme/chat/users",
        "/other/app/users",
        "/acme/chat/nothing",
        "/other/app/x/y",
    ] {
        request(api.addr, "GET", p, None, None, b"").assert_error(401, "unauthorized");
        request(api.addr, "GET", p, Some("bogus"), None, b"")
            .assert_error(401, "auth_bad_access_token");
    }
    // The token endpoint of an unknown app answers as wrong credentials do.
    let wrong = token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "nope"}),
    );
    let r = request(
        api.addr,
        "POST",
        "/other/app/token",
        None,
        Some("application/json"),
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
            .to_string()
            .as_bytes(),
    );
    r.assert_error(400, "invalid_grant");
    assert_eq!(r.body["error_description"], wrong.body["error_description"]);
    let r = request(
        api.addr,
        "POST",
        "/other/app/token",
        None,
        Some("application/json"),
        json!({"grant_type": "password", "username": "a", "password": "b"})
            .to_string()
            .as_bytes(),
    );
    r.assert_error(400, "invalid_grant");
    // Authenticated callers are told.
    request(
        api.addr,
        "GET",
        "/other/app/users",
        Some(&api.admin),
        None,
        b"",
    )
    .assert_error(404, "organization_application_not_found");
    api.get("/nothing")
        .assert_error(404, "service_resource_not_found");
}
