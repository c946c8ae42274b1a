//! Block lists over HTTP (spec 01 §11): add, read unpaged and paged with a cursor, remove;
//! self-block, unknown users, other users' lists, the feature switch.

use crate::fixture::*;
use serde_json::{Value, json};

#[test]
fn block_list_and_unblock() {
    let api = api();
    api.register(&["o", "a", "b", "c"]);
    let r = api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({"usernames": ["a", "B"]}),
    );
    let b = r.ok();
    assert_envelope(b, "post");
    assert_eq!(b["data"], json!(["a", "b"]));
    api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({"usernames": ["c", "a"]}),
    )
    .ok();

    let r = api.get("/users/o/blocks/users");
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(
        b["data"],
        json!(["c", "b", "a"]),
        "newest first, re-block keeps place"
    );
    assert_eq!(b["count"], 3);
    assert!(b.get("cursor").is_none());

    let r = api.get("/users/o/blocks/users?pageSize=2");
    let b = r.ok();
    assert_eq!(b["data"], json!(["c", "b"]));
    let c = b["cursor"].as_str().unwrap().to_owned();
    let r = api.get(&format!("/users/o/blocks/users?pageSize=2&cursor={c}"));
    let b = r.ok();
    assert_eq!(b["data"], json!(["a"]));
    assert!(b.get("cursor").is_none());

    let r = api.admin("DELETE", "/users/o/blocks/users/b", &Value::Null);
    let b = r.ok();
    assert_envelope(b, "delete");
    assert_eq!(b["entities"][0]["username"], "b");
    assert_eq!(
        api.get("/users/o/blocks/users").ok()["data"],
        json!(["c", "a"])
    );
    api.admin("DELETE", "/users/o/blocks/users/b", &Value::Null)
        .ok();
}

#[test]
fn block_errors() {
    let api = api();
    api.register(&["o", "a"]);
    api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({"usernames": ["o"]}),
    )
    .assert_error(400, "illegal_argument");
    api.admin("POST", "/users/o/blocks/users", &json!({"usernames": []}))
        .assert_error(400, "illegal_argument");
    api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({"usernames": ["a", "ghost"]}),
    )
    .assert_error(404, "service_resource_not_found");
    assert_eq!(
        api.get("/users/o/blocks/users").ok()["data"],
        json!([]),
        "all or nothing"
    );
    api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({"usernames": ["a b"]}),
    )
    .assert_error(400, "illegal_argument");
    api.get("/users/ghost/blocks/users")
        .assert_error(404, "service_resource_not_found");
    api.get("/users/o/blocks/users?pageSize=51")
        .assert_error(400, "illegal_argument");
    api.get("/users/o/blocks/users?pageSize=0")
        .assert_error(400, "illegal_argument");
    api.admin("DELETE", "/users/o/blocks/users/ghost", &Value::Null)
        .assert_error(404, "service_resource_not_found");
    let t = api.user_token("a");
    api.call("GET", "/users/o/blocks/users", Some(&t), &Value::Null)
        .assert_error(401, "unauthorized");
    api.call(
        "POST",
        "/users/a/blocks/users",
        Some(&t),
        &json!({"usernames": ["o"]}),
    )
    .ok();
}

#[test]
fn the_block_cap_is_500() {
    let api = api();
    let names: Vec<String> = (0..501).map(|i| format!("u{i}")).collect();
    for chunk in names.chunks(60) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        api.register(&refs);
    }
    api.register(&["o"]);
    api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({ "usernames": &names[..500] }),
    )
    .ok();
    let r = api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({ "usernames": [&names[500]] }),
    );
    r.assert_error(403, "exceed_limit");
    assert_eq!(
        api.get("/users/o/blocks/users").ok()["data"]
            .as_array()
            .unwrap()
            .len(),
        500
    );
}

#[test]
fn block_lists_switched_off_are_403() {
    let mut c = config();
    c.apps[0].limits.blocklist_enabled = false;
    let api = api_with(c);
    api.register(&["o", "a"]);
    api.admin(
        "POST",
        "/users/o/blocks/users",
        &json!({"usernames": ["a"]}),
    )
    .assert_error(403, "forbidden_op");
    api.get("/users/o/blocks/users")
        .assert_error(403, "forbidden_op");
}
