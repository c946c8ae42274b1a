//! Tokens never vanish (issue 14): minting any number of tokens leaves the earlier ones
//! valid; a token ends only by its expiry, a password change, the user's deletion or
//! disabling. (That they survive a restart is checked in `startup`.)

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::fixture::*;
use crate::hardening::read_one;
use serde_json::{Value, json};

/// Mints `n` tokens with `body` on one keep-alive connection; returns the first and the last.
fn mint(api: &Api, body: &Value, n: usize) -> (String, String) {
    let mut s = TcpStream::connect(api.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let body = body.to_string();
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        path("/token"),
        body.len()
    );
    let mut first = String::new();
    let mut last = String::new();
    for i in 0..n {
        s.write_all(req.as_bytes()).unwrap();
        let r = read_one(&mut s).expect("answer");
        last = r.ok()["access_token"].as_str().unwrap().to_owned();
        if i == 0 {
            first = last.clone();
        }
    }
    (first, last)
}

#[test]
fn minting_10000_app_tokens_leaves_the_first_valid() {
    let api = api();
    let (first, last) = mint(
        &api,
        &json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
        10_000,
    );
    assert_ne!(first, last);
    for t in [&api.admin, &first, &last] {
        assert_eq!(api.call("GET", "/users", Some(t), &Value::Null).status, 200);
    }
}

#[test]
fn minting_many_user_tokens_leaves_the_first_valid_until_the_password_changes() {
    let api = api();
    api.register(&["alice", "bob"]);
    let (first, last) = mint(
        &api,
        &json!({"grant_type": "password", "username": "alice", "password": "pw"}),
        600,
    );
    let bobs = api.user_token("bob");
    let me = |t: &str| api.call("GET", "/users/alice", Some(t), &Value::Null);
    assert_eq!(me(&first).status, 200);
    assert_eq!(me(&last).status, 200);
    // A token is bound to its user: not another's, not forged.
    api.call("GET", "/users/alice", Some(&bobs), &Value::Null)
        .assert_error(401, "unauthorized");
    let forged = first.replacen("v1.u.", "v1.a.", 1);
    me(&forged).assert_error(401, "auth_bad_access_token");
    let mut tampered = first.clone();
    tampered.pop();
    tampered.push(if first.ends_with('0') { '1' } else { '0' });
    me(&tampered).assert_error(401, "auth_bad_access_token");
    // Disabling ends it for a while; enabling brings it back.
    api.admin("POST", "/users/alice/deactivate", &Value::Null)
        .ok();
    me(&first).assert_error(401, "unauthorized");
    api.admin("POST", "/users/alice/activate", &Value::Null)
        .ok();
    assert_eq!(me(&first).status, 200);
    // A password change ends every token of that user, and only theirs.
    api.admin(
        "PUT",
        "/users/alice/password",
        &json!({"newpassword": "pw2"}),
    )
    .ok();
    me(&first).assert_error(401, "auth_bad_access_token");
    me(&last).assert_error(401, "auth_bad_access_token");
    assert_eq!(
        api.call("GET", "/users/bob", Some(&bobs), &Value::Null)
            .status,
        200
    );
    // Deletion ends them for good, also for a new user of the same name.
    let t = api.call(
        "POST",
        "/token",
        None,
        &json!({"grant_type": "password", "username": "alice", "password": "pw2"}),
    );
    let t = t.ok()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me(&t).status, 200);
    api.admin("DELETE", "/users/alice", &Value::Null).ok();
    api.register(&["alice"]);
    me(&t).assert_error(401, "auth_bad_access_token");
}

#[test]
fn an_expired_token_is_refused() {
    let api = api();
    let r = api.call(
        "POST",
        "/token",
        None,
        &json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "ttl": 1}),
    );
    let t = r.ok()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call("GET", "/users", Some(&t), &Value::Null).status,
        200
    );
    std::thread::sleep(Duration::from_millis(1_100));
    api.call("GET", "/users", Some(&t), &Value::Null)
        .assert_error(401, "unauthorized");
}
