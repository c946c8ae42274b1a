//! Global mutes over HTTP (spec 01 §12): vendor seconds in (`n`, `0` lift, `-1` forever),
//! remaining seconds out; the list; the duration edges; unknown users; the feature switch.

use crate::fixture::*;
use serde_json::{Value, json};

#[test]
fn set_read_lift_and_list() {
    let api = api();
    api.register(&["alice", "bob"]);
    let r = api.admin(
        "POST",
        "/mutes",
        &json!({"username": "alice", "chat": 100, "chatroom": -1}),
    );
    let b = r.ok();
    assert_envelope(b, "post");
    assert_eq!(b["data"], json!({"result": "ok"}));

    let r = api.get("/mutes/alice");
    let d = &r.ok()["data"];
    assert_eq!(d["userid"], "alice");
    let chat = d["chat"].as_i64().unwrap();
    assert!(
        (99..=100).contains(&chat),
        "remaining seconds, rounded up: {chat}"
    );
    assert_eq!(d["groupchat"], 0);
    assert_eq!(d["chatroom"], -1);
    let now_s = d["unixtime"].as_i64().unwrap();
    assert!((now_s - r.body["timestamp"].as_i64().unwrap() / 1000).abs() <= 1);

    api.admin(
        "POST",
        "/mutes",
        &json!({"username": "bob", "groupchat": "30"}),
    )
    .ok();
    let r = api.get("/mutes?pageNum=1&pageSize=10");
    let d = &r.ok()["data"];
    let items = d["data"].as_array().unwrap();
    assert_eq!(items.len(), 3, "one entry per (user, scope): {d}");
    assert_eq!(items[0]["username"], "alice");
    assert!(items[0]["chat"].is_i64());
    assert_eq!(items[1], json!({"username": "alice", "chatroom": -1}));
    assert_eq!(items[2]["username"], "bob");
    assert!(d["unixtime"].is_i64());

    // 0 lifts; scopes left out stay.
    api.admin("POST", "/mutes", &json!({"username": "alice", "chat": 0}))
        .ok();
    let d = api.get("/mutes/alice").body["data"].clone();
    assert_eq!(
        (d["chat"].as_i64(), d["chatroom"].as_i64()),
        (Some(0), Some(-1))
    );
    // An empty set succeeds and changes nothing.
    api.admin("POST", "/mutes", &json!({"username": "alice"}))
        .ok();
    assert_eq!(api.get("/mutes/alice").body["data"]["chatroom"], -1);
}

#[test]
fn a_short_mute_lapses_by_itself() {
    let api = api();
    api.register(&["alice"]);
    api.admin("POST", "/mutes", &json!({"username": "alice", "chat": 1}))
        .ok();
    assert_eq!(api.get("/mutes/alice").ok()["data"]["chat"], 1);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(api.get("/mutes/alice").ok()["data"]["chat"], 0);
    assert_eq!(api.get("/mutes").ok()["data"]["data"], json!([]));
}

#[test]
fn mute_duration_edges_and_errors() {
    let api = api();
    api.register(&["alice"]);
    api.admin(
        "POST",
        "/mutes",
        &json!({"username": "alice", "chat": 2_147_483_647_i64}),
    )
    .ok();
    assert_eq!(
        api.get("/mutes/alice").body["data"]["chat"],
        2_147_483_647_i64
    );
    for bad in [
        json!(2_147_483_648_i64),
        json!(-2),
        json!("soon"),
        json!(1.5),
        json!(true),
    ] {
        api.admin(
            "POST",
            "/mutes",
            &json!({"username": "alice", "groupchat": bad}),
        )
        .assert_error(400, "illegal_argument");
    }
    assert_eq!(
        api.get("/mutes/alice").body["data"]["groupchat"],
        0,
        "nothing applied"
    );
    let r = api.admin("POST", "/mutes", &json!({"username": "ghost", "chat": 5}));
    r.assert_error(400, "required_property_not_found");
    api.admin("POST", "/mutes", &json!({"chat": 5}))
        .assert_error(400, "required_property_not_found");
    api.get("/mutes/ghost")
        .assert_error(400, "required_property_not_found");
    api.get("/mutes?pageSize=51")
        .assert_error(400, "illegal_argument");
    let t = api.user_token("alice");
    api.call(
        "POST",
        "/mutes",
        Some(&t),
        &json!({"username": "alice", "chat": 5}),
    )
    .assert_error(401, "unauthorized");
    api.call("GET", "/mutes/alice", Some(&t), &Value::Null)
        .assert_error(401, "unauthorized");
}

#[test]
fn global_mutes_switched_off_are_403() {
    let mut c = config();
    c.apps[0].limits.global_mute_enabled = false;
    let api = api_with(c);
    api.register(&["alice"]);
    let r = api.admin("POST", "/mutes", &json!({"username": "alice", "chat": 5}));
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        "user_mute is not used for this app"
    );
}
