//! Token grants over HTTP (spec 01 §3): client_credentials, password, inherit; wrong
//! secret/password; ttl and expiry; missing, unknown and malformed bearer tokens.

use crate::fixture::*;
use serde_json::{Value, json};

fn token(api: &Api, body: Value) -> Resp {
    api.call("POST", "/token", None, &body)
}

#[test]
fn client_credentials_gives_an_app_token() {
    let api = api();
    let r = token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
    );
    let b = r.ok();
    let t = b["access_token"].as_str().unwrap();
    // Self-contained (issue 14): v1.a.0.{expires}.{nonce}.{HMAC-SHA-256, hex}.
    let f: Vec<&str> = t.split('.').collect();
    assert_eq!(f.len(), 6, "{t}");
    assert_eq!((f[0], f[1], f[2]), ("v1", "a", "0"), "{t}");
    assert!(f[3].parse::<i64>().unwrap() > 0, "{t}");
    assert_eq!(f[4].len(), 16, "{t}");
    assert_eq!(f[5].len(), 64, "256-bit signature, hex: {t}");
    assert!(f[5].bytes().all(|c| c.is_ascii_hexdigit()), "{t}");
    assert_ne!(t, api.admin, "every grant mints a new token");
    assert_eq!(
        b["expires_in"], 5_184_000,
        "the default 60 days, in seconds"
    );
    assert_eq!(b["application"].as_str().unwrap().len(), 36);
    assert!(b.get("user").is_none());
    // The token works as the admin.
    assert_eq!(api.call("GET", "/users", Some(t), &Value::Null).status, 200);
}

#[test]
fn client_credentials_errors() {
    let api = api();
    let r = token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "nope"}),
    );
    r.assert_error(400, "invalid_grant");
    assert_eq!(
        r.body["error_description"],
        "invalid client_id or client_secret"
    );
    let r = token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": "nope", "client_secret": CLIENT_SECRET}),
    );
    r.assert_error(400, "invalid_grant");
    // The same answer whichever half is wrong.
    assert_eq!(
        r.body["error_description"],
        "invalid client_id or client_secret"
    );
    let r = token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID}),
    );
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "client_secret must be provided"
    );
    token(&api, json!({"grant_type": "magic"})).assert_error(400, "unsupported_grant_type");
    token(&api, json!({})).assert_error(400, "illegal_argument");
    token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "ttl": -5}),
    )
    .assert_error(400, "illegal_argument");
}

#[test]
fn password_grant_gives_a_user_token_bound_to_the_user() {
    let api = api();
    api.register(&["alice", "bob"]);
    let r = token(
        &api,
        json!({"grant_type": "password", "username": "Alice", "password": "pw", "ttl": 3600}),
    );
    let b = r.ok();
    assert_eq!(b["expires_in"], 3600);
    assert_eq!(b["user"]["username"], "alice");
    assert_eq!(b["user"]["type"], "user");
    assert_eq!(b["user"]["activated"], true);
    let t = b["access_token"].as_str().unwrap();
    // Self access works; another user's record and admin-only routes do not.
    assert_eq!(
        api.call("GET", "/users/alice", Some(t), &Value::Null)
            .status,
        200
    );
    api.call("GET", "/users/bob", Some(t), &Value::Null)
        .assert_error(401, "unauthorized");
    api.call("GET", "/users", Some(t), &Value::Null)
        .assert_error(401, "unauthorized");
}

#[test]
fn password_grant_errors() {
    let api = api();
    api.register(&["alice"]);
    let r = token(
        &api,
        json!({"grant_type": "password", "username": "alice", "password": "wrong"}),
    );
    r.assert_error(400, "invalid_grant");
    assert_eq!(r.body["error_description"], "invalid username or password");
    // An unknown user gets the same answer as a wrong password.
    let r = token(
        &api,
        json!({"grant_type": "password", "username": "ghost", "password": "pw"}),
    );
    r.assert_error(400, "invalid_grant");
    assert_eq!(r.body["error_description"], "invalid username or password");
    api.admin("POST", "/users/alice/deactivate", &Value::Null)
        .ok();
    let r = token(
        &api,
        json!({"grant_type": "password", "username": "alice", "password": "pw"}),
    );
    r.assert_error(400, "invalid_grant");
    assert_eq!(r.body["error_description"], "user not activated");
}

#[test]
fn inherit_grant_needs_the_admin_and_can_create_the_user() {
    let api = api();
    let body =
        json!({"grant_type": "inherit", "username": "carol", "autoCreateUser": true, "ttl": 0});
    // Anonymous (and a bad token, read as anonymous here) may not use inherit.
    token(&api, body.clone()).assert_error(401, "unauthorized");
    api.call("POST", "/token", Some("bogus"), &body)
        .assert_error(401, "unauthorized");
    let r = api.admin("POST", "/token", &body);
    let b = r.ok();
    assert_eq!(b["expires_in"], 0, "ttl 0: never expires");
    assert_eq!(b["user"]["username"], "carol");
    let t = b["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call("GET", "/users/carol", Some(&t), &Value::Null)
            .status,
        200
    );
    // Created without a password: the password grant fails.
    token(
        &api,
        json!({"grant_type": "password", "username": "carol", "password": ""}),
    )
    .assert_error(400, "invalid_grant");
    // Without auto-create, an unknown user is 404 entity_not_found.
    api.admin(
        "POST",
        "/token",
        &json!({"grant_type": "inherit", "username": "dave"}),
    )
    .assert_error(404, "entity_not_found");
}

/// `"autoCreateUser": null` (a client that writes its unset `Boolean autoCreateUser`, the type
/// the vendor's Java server SDKs give it in `InheritTokenRequest` and `EMCreateToken`, as null)
/// reads as the field missing, `false`: not a json_parse error (the host's null-as-missing
/// rule, which `ttl` already followed).
#[test]
fn inherit_grant_reads_a_null_auto_create_user_as_false() {
    let api = api();
    api.register(&["erin"]);
    let r = api.admin(
        "POST",
        "/token",
        &json!({"grant_type": "inherit", "username": "erin", "autoCreateUser": null, "ttl": null}),
    );
    assert_eq!(r.ok()["user"]["username"], "erin");
    api.admin(
        "POST",
        "/token",
        &json!({"grant_type": "inherit", "username": "frank", "autoCreateUser": null}),
    )
    .assert_error(404, "entity_not_found");
}

#[test]
fn a_token_expires_after_its_ttl() {
    let api = api();
    let r = token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "ttl": 1}),
    );
    assert_eq!(r.ok()["expires_in"], 1);
    let t = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call("GET", "/users", Some(&t), &Value::Null).status,
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = api.call("GET", "/users", Some(&t), &Value::Null);
    r.assert_error(401, "unauthorized");
    assert_eq!(
        r.body["error_description"],
        "Unable to authenticate due to expired access token"
    );
}

#[test]
fn missing_unknown_and_malformed_tokens_get_401() {
    let api = api();
    let r = api.call("GET", "/users", None, &Value::Null);
    r.assert_error(401, "unauthorized");
    assert_eq!(
        r.body["error_description"],
        "Unable to authenticate due to expired access token"
    );
    let r = api.call("GET", "/users", Some("0123456789abcdef"), &Value::Null);
    r.assert_error(401, "auth_bad_access_token");
    assert_eq!(r.body["error_description"], "Unable to authenticate");
    // Not a bearer token at all.
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic Zm9vOmJhcg==\r\n\r\n",
        path("/users")
    );
    raw(api.addr, req.as_bytes()).assert_error(401, "auth_bad_access_token");
}

#[test]
fn tokens_die_with_a_password_change_and_a_disable() {
    let api = api();
    api.register(&["alice"]);
    let t = api.user_token("alice");
    api.admin(
        "PUT",
        "/users/alice/password",
        &json!({"newpassword": "pw2"}),
    )
    .ok();
    api.call("GET", "/users/alice", Some(&t), &Value::Null)
        .assert_error(401, "auth_bad_access_token");
    let t2 = token(
        &api,
        json!({"grant_type": "password", "username": "alice", "password": "pw2"}),
    )
    .ok()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.admin("POST", "/users/alice/deactivate", &Value::Null)
        .ok();
    let r = api.call("GET", "/users/alice", Some(&t2), &Value::Null);
    r.assert_error(401, "unauthorized");
    assert_eq!(r.body["error_description"], "user not activated");
}
