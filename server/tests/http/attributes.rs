//! User attributes over HTTP (spec 01 §9): form-encoded set (and JSON), get, batch get,
//! delete, capacity; the 4 KB request limit (413) and the per-user budget (403) at their
//! edges; auth (`metadata_error`); the feature switch.

use crate::fixture::*;
use serde_json::{Value, json};

fn form(api: &Api, user: &str, token: &str, body: &str) -> Resp {
    request(
        api.addr,
        "PUT",
        &path(&format!("/metadata/user/{user}")),
        Some(token),
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    )
}

#[test]
fn form_set_get_batch_get_delete_and_capacity() {
    let api = api();
    api.register(&["alice", "bob"]);
    let r = form(
        &api,
        "alice",
        &api.admin,
        "nickname=Al+ice&avatarurl=http%3A%2F%2Fx%2Fa.png&sign=%E4%BD%A0%E5%A5%BD",
    );
    let b = r.ok();
    assert_eq!(
        b["data"],
        json!({"nickname": "Al ice", "avatarurl": "http://x/a.png", "sign": "你好"})
    );
    assert!(b["timestamp"].is_i64() && b["duration"].is_u64());
    assert!(b.get("action").is_none(), "the bare envelope");
    // Merge: a second set keeps the other keys and answers with only the pairs sent.
    let r = form(&api, "alice", &api.admin, "nickname=A");
    assert_eq!(r.ok()["data"], json!({"nickname": "A"}));
    let r = api.get("/metadata/user/alice");
    assert_eq!(
        r.ok()["data"],
        json!({"nickname": "A", "avatarurl": "http://x/a.png", "sign": "你好"})
    );
    // JSON bodies are read too.
    let r = api.admin(
        "PUT",
        "/metadata/user/bob",
        &json!({"nickname": "B", "ext": "e"}),
    );
    assert_eq!(r.ok()["data"], json!({"nickname": "B", "ext": "e"}));
    // Unknown users read {}.
    assert_eq!(api.get("/metadata/user/ghost").ok()["data"], json!({}));

    let r = api.admin(
        "POST",
        "/metadata/user/get",
        &json!({"targets": ["alice", "Bob", "ghost"], "properties": ["nickname"]}),
    );
    assert_eq!(
        r.ok()["data"],
        json!({"alice": {"nickname": "A"}, "bob": {"nickname": "B"}, "ghost": {}})
    );

    let used = "nickname".len() * 2
        + 1
        + 1
        + "avatarurl".len()
        + "http://x/a.png".len()
        + "sign".len()
        + "你好".len()
        + "ext".len()
        + 1;
    assert_eq!(api.get("/metadata/user/capacity").ok()["data"], used);

    let r = api.admin("DELETE", "/metadata/user/alice", &Value::Null);
    assert_eq!(r.ok()["data"], true);
    assert_eq!(api.get("/metadata/user/alice").ok()["data"], json!({}));
    assert_eq!(
        api.admin("DELETE", "/metadata/user/ghost", &Value::Null)
            .ok()["data"],
        true,
        "idempotent"
    );
    assert_eq!(
        api.get("/metadata/user/capacity").ok()["data"],
        "nickname".len() + 1 + "ext".len() + 1
    );
}

#[test]
fn users_may_touch_only_their_own_attributes() {
    let api = api();
    api.register(&["alice", "bob"]);
    let t = api.user_token("alice");
    assert_eq!(
        form(&api, "alice", &t, "a=1").ok()["data"],
        json!({"a": "1"})
    );
    let r = form(&api, "bob", &t, "a=1");
    r.assert_error(401, "metadata_error");
    assert_eq!(r.body["error_description"], "auth error");
    api.call("GET", "/metadata/user/bob", Some(&t), &Value::Null)
        .assert_error(401, "metadata_error");
    api.call("GET", "/metadata/user/capacity", Some(&t), &Value::Null)
        .assert_error(401, "unauthorized");
    // Nor by the batch read (issue 14): a user token reads only its own user.
    api.call(
        "POST",
        "/metadata/user/get",
        Some(&t),
        &json!({"targets": ["bob"], "properties": ["a"]}),
    )
    .assert_error(401, "metadata_error");
    api.call(
        "POST",
        "/metadata/user/get",
        Some(&t),
        &json!({"targets": ["ALICE", "bob"], "properties": ["a"]}),
    )
    .assert_error(401, "metadata_error");
    let r = api.call(
        "POST",
        "/metadata/user/get",
        Some(&t),
        &json!({"targets": ["Alice"], "properties": ["a"]}),
    );
    assert_eq!(r.ok()["data"], json!({"alice": {"a": "1"}}));
}

#[test]
fn the_4kb_request_limit_is_413_at_its_edge() {
    let mut c = config();
    c.apps[0].limits.attr_bytes_per_user = 100_000;
    let api = api_with(c);
    api.register(&["alice"]);
    // {"k":"<v>"} is 8 + len(v) bytes of compact JSON.
    let at = format!("k={}", "v".repeat(4088));
    assert_eq!(form(&api, "alice", &api.admin, &at).status, 200);
    let over = format!("k={}", "v".repeat(4089));
    let r = form(&api, "alice", &api.admin, &over);
    r.assert_error(413, "Request Entity Too Large");
}

#[test]
fn the_per_user_budget_is_403_at_its_edge() {
    let api = api();
    api.register(&["alice"]);
    // size = key + value bytes; the default budget is 2048.
    let full = format!("k={}", "v".repeat(2047));
    assert_eq!(form(&api, "alice", &api.admin, &full).status, 200);
    let r = form(&api, "alice", &api.admin, "x=");
    r.assert_error(403, "FORBIDDEN");
    assert_eq!(
        r.body["error_description"],
        "size of metadata for this single user exceeds the user defined limit, 2048Bytes"
    );
    // Nothing changed.
    assert_eq!(
        api.get("/metadata/user/alice").ok()["data"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn attribute_input_errors() {
    let api = api();
    api.register(&["alice"]);
    form(&api, "alice", &api.admin, "").assert_error(400, "illegal_argument");
    form(&api, "alice", &api.admin, "=v").assert_error(400, "illegal_argument");
    form(&api, "alice", &api.admin, "a=%zz").assert_error(400, "illegal_argument");
    form(&api, "ghost", &api.admin, "a=1").assert_error(404, "service_resource_not_found");
    let targets: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    api.admin(
        "POST",
        "/metadata/user/get",
        &json!({"targets": targets, "properties": ["a"]}),
    )
    .assert_error(400, "BAD_REQUEST");
    let targets: Vec<String> = (0..100).map(|i| format!("u{i}")).collect();
    let r = api.admin(
        "POST",
        "/metadata/user/get",
        &json!({"targets": targets, "properties": ["a"]}),
    );
    assert_eq!(r.ok()["data"].as_object().unwrap().len(), 100);
    api.admin(
        "POST",
        "/metadata/user/get",
        &json!({"targets": [], "properties": ["a"]}),
    )
    .assert_error(400, "illegal_argument");
    let r = request(
        api.addr,
        "PUT",
        &path("/metadata/user/alice"),
        Some(&api.admin),
        Some("text/plain"),
        b"a=1",
    );
    r.assert_error(415, "web_application");
}

#[test]
fn attributes_switched_off_are_403() {
    let mut c = config();
    c.apps[0].limits.metadata_enabled = false;
    let api = api_with(c);
    api.register(&["alice"]);
    let r = form(&api, "alice", &api.admin, "a=1");
    r.assert_error(403, "FORBIDDEN");
    assert_eq!(
        r.body["error_description"],
        format!("{ORG}#{APP} user metadata service not allow")
    );
    api.get("/metadata/user/alice")
        .assert_error(403, "FORBIDDEN");
}
