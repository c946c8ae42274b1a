//! Users over HTTP (spec 01 §4–§8): registration (one, batch with partial success, open
//! registration, caps), get, list with cursor paging, delete (one, oldest N), password,
//! disable/enable, forced logout, devices, online status.

use crate::fixture::*;
use serde_json::{Value, json};

#[test]
fn register_one_returns_the_user_view() {
    let api = api();
    let r = api.admin(
        "POST",
        "/users",
        &json!({"username": "Alice", "password": "pw", "nickname": "Al"}),
    );
    let b = r.ok();
    assert_envelope(b, "post");
    let u = &b["entities"][0];
    assert_eq!(u["username"], "alice", "folded");
    assert_eq!(u["type"], "user");
    assert_eq!(u["activated"], true);
    assert_eq!(u["nickname"], "Al");
    assert_eq!(u["uuid"].as_str().unwrap().len(), 36);
    assert!(u["created"].is_i64() && u["modified"].is_i64());
    assert!(u.get("password").is_none());
    // Vendor errors: duplicate, bad name, missing password.
    api.admin(
        "POST",
        "/users",
        &json!({"username": "ALICE", "password": "x"}),
    )
    .assert_error(400, "duplicate_unique_property_exists");
    let r = api.admin(
        "POST",
        "/users",
        &json!({"username": "a b", "password": "x"}),
    );
    r.assert_error(400, "illegal_argument");
    assert_eq!(r.body["error_description"], "username a b is not legal");
    api.admin("POST", "/users", &json!({"username": "x"}))
        .assert_error(400, "illegal_argument");
}

#[test]
fn registration_needs_a_token_unless_open() {
    let api = api();
    let r = api.call(
        "POST",
        "/users",
        None,
        &json!({"username": "a", "password": "pw"}),
    );
    r.assert_error(401, "unauthorized");
    assert_eq!(
        r.body["error_description"],
        "Open registration doesn't allow, so register user need token"
    );
    let mut c = config();
    c.apps[0].limits.registration_mode = imcore::RegistrationMode::Open;
    let open = api_with(c);
    let r = open.call(
        "POST",
        "/users",
        None,
        &json!({"username": "a", "password": "pw"}),
    );
    assert_eq!(r.ok()["entities"][0]["username"], "a");
    // A token, when sent, must be valid even where none is needed.
    open.call(
        "POST",
        "/users",
        Some("bogus"),
        &json!({"username": "c", "password": "pw"}),
    )
    .assert_error(401, "auth_bad_access_token");
    // Batch registration stays admin-only.
    open.call(
        "POST",
        "/users",
        None,
        &json!([{"username": "b", "password": "pw"}]),
    )
    .assert_error(401, "unauthorized");
}

#[test]
fn batch_register_reports_existing_names_with_200() {
    let api = api();
    api.register(&["bob"]);
    let r = api.admin(
        "POST",
        "/users",
        &json!([
            {"username": "a1", "password": "pw"},
            {"username": "bob", "password": "pw"},
            {"username": "a2", "password": "pw"},
        ]),
    );
    let b = r.ok();
    let created: Vec<&str> = b["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(created, ["a1", "a2"]);
    assert_eq!(
        b["data"],
        json!([{"username": "bob", "registerUserFailReason": "the bob already exists"}])
    );
    // 60 is the edge; 61 is refused whole.
    let batch = |n: usize, p: &str| -> Value {
        (0..n)
            .map(|i| json!({"username": format!("{p}{i}"), "password": "pw"}))
            .collect()
    };
    assert_eq!(
        api.admin("POST", "/users", &batch(60, "m")).ok()["entities"]
            .as_array()
            .unwrap()
            .len(),
        60
    );
    let r = api.admin("POST", "/users", &batch(61, "n"));
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        api.get("/users/n0").status,
        404,
        "nothing created by a refused batch"
    );
    api.admin(
        "POST",
        "/users",
        &json!([{"username": "z", "password": "a"}, {"username": "Z", "password": "b"}]),
    )
    .assert_error(400, "duplicate_unique_property_exists");
}

#[test]
fn the_user_cap_is_429() {
    let mut c = config();
    c.apps[0].limits.users_max = Some(2);
    let api = api_with(c);
    api.register(&["a", "b"]);
    api.admin(
        "POST",
        "/users",
        &json!({"username": "c", "password": "pw"}),
    )
    .assert_error(429, "resource_limited");
}

#[test]
fn get_and_list_users_with_a_cursor() {
    let api = api();
    api.register(&["u1", "u2", "u3", "u4", "u5"]);
    let r = api.get("/users/U3");
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(b["count"], 1);
    assert_eq!(b["entities"][0]["username"], "u3");
    api.get("/users/ghost")
        .assert_error(404, "service_resource_not_found");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let p = match &cursor {
            Some(c) => format!("/users?limit=2&cursor={c}"),
            None => "/users?limit=2".to_owned(),
        };
        let r = api.get(&p);
        let b = r.ok();
        pages += 1;
        assert_eq!(b["count"], b["entities"].as_array().unwrap().len());
        for u in b["entities"].as_array().unwrap() {
            seen.push(u["username"].as_str().unwrap().to_owned());
        }
        match b.get("cursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["u1", "u2", "u3", "u4", "u5"], "creation order");
    api.get("/users?limit=0")
        .assert_error(400, "illegal_argument");
    api.get("/users?cursor=garbage")
        .assert_error(400, "illegal_argument");
    api.get("/users?limit=abc")
        .assert_error(400, "illegal_argument");
}

#[test]
fn delete_one_and_delete_oldest() {
    let api = api();
    api.register(&["a", "b", "c", "d"]);
    let r = api.admin("DELETE", "/users/b", &Value::Null);
    let b = r.ok();
    assert_envelope(b, "delete");
    assert_eq!(b["entities"][0]["username"], "b");
    api.get("/users/b")
        .assert_error(404, "service_resource_not_found");
    api.admin("DELETE", "/users/b", &Value::Null)
        .assert_error(404, "service_resource_not_found");

    let r = api.admin("DELETE", "/users?limit=2", &Value::Null);
    let b = r.ok();
    let gone: Vec<&str> = b["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(gone, ["a", "c"], "the oldest first");
    assert!(b["cursor"].is_string(), "users remain: {b}");
    let r = api.admin("DELETE", "/users?limit=2", &Value::Null);
    assert!(r.ok().get("cursor").is_none());
    api.admin("DELETE", "/users?limit=0", &Value::Null)
        .assert_error(400, "illegal_argument");
}

#[test]
fn password_change() {
    let api = api();
    api.register(&["alice"]);
    let r = api.admin(
        "PUT",
        "/users/alice/password",
        &json!({"newpassword": "new"}),
    );
    assert_eq!(r.ok()["action"], "set user password");
    let r = api.call(
        "POST",
        "/token",
        None,
        &json!({"grant_type": "password", "username": "alice", "password": "new"}),
    );
    r.ok();
    let r = api.admin("PUT", "/users/alice/password", &json!({"newpassword": ""}));
    r.assert_error(400, "illegal_argument");
    assert_eq!(r.body["error_description"], "newpassword is required");
    api.admin("PUT", "/users/ghost/password", &json!({"newpassword": "x"}))
        .assert_error(404, "entity_not_found");
    let t = api.user_token_with("alice", "new");
    api.call(
        "PUT",
        "/users/alice/password",
        Some(&t),
        &json!({"newpassword": "x"}),
    )
    .assert_error(401, "unauthorized");
}

trait UserTokenWith {
    fn user_token_with(&self, name: &str, pw: &str) -> String;
}

impl UserTokenWith for Api {
    fn user_token_with(&self, name: &str, pw: &str) -> String {
        let r = self.call(
            "POST",
            "/token",
            None,
            &json!({"grant_type": "password", "username": name, "password": pw}),
        );
        r.ok()["access_token"].as_str().unwrap().to_owned()
    }
}

#[test]
fn disable_and_enable() {
    let api = api();
    api.register(&["alice"]);
    let r = api.admin("POST", "/users/alice/deactivate", &Value::Null);
    let b = r.ok();
    assert_eq!(b["action"], "Deactivate user");
    assert_eq!(b["entities"][0]["activated"], false);
    assert_eq!(
        api.get("/users/alice").ok()["entities"][0]["activated"],
        false
    );
    // Idempotent.
    api.admin("POST", "/users/alice/deactivate", &Value::Null)
        .ok();
    let r = api.admin("POST", "/users/alice/activate", &Value::Null);
    assert_eq!(r.ok()["action"], "activate user");
    assert_eq!(
        api.get("/users/alice").ok()["entities"][0]["activated"],
        true
    );
    api.user_token("alice");
    api.admin("POST", "/users/ghost/deactivate", &Value::Null)
        .assert_error(404, "service_resource_not_found");
    api.admin("POST", "/users/ghost/activate", &Value::Null)
        .assert_error(404, "service_resource_not_found");
}

#[test]
fn disconnect_devices_and_status() {
    let api = api();
    api.register(&["alice", "bob"]);
    let r = api.get("/users/alice/disconnect");
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(b["data"], json!({"result": true}));
    let r = api.admin("DELETE", "/users/alice/disconnect/android_1", &Value::Null);
    assert_eq!(r.ok()["data"], json!({"result": true}));
    api.get("/users/ghost/disconnect")
        .assert_error(404, "service_resource_not_found");

    assert_eq!(api.get("/users/alice/resources").ok()["data"], json!([]));
    api.get("/users/ghost/resources")
        .assert_error(404, "service_resource_not_found");

    assert_eq!(
        api.get("/users/Alice/status").ok()["data"],
        json!({"alice": "offline"})
    );
    api.get("/users/ghost/status")
        .assert_error(404, "service_resource_not_found");

    let r = api.admin(
        "POST",
        "/users/batch/status",
        &json!({"usernames": ["alice", "ghost", "b o b"]}),
    );
    assert_eq!(
        r.ok()["data"],
        json!([{"alice": "offline"}, {"ghost": "offline"}, {"b o b": "offline"}])
    );
    let names: Vec<String> = (0..100).map(|i| format!("u{i}")).collect();
    assert_eq!(
        api.admin(
            "POST",
            "/users/batch/status",
            &json!({ "usernames": names })
        )
        .ok()["data"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    let names: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    api.admin(
        "POST",
        "/users/batch/status",
        &json!({ "usernames": names }),
    )
    .assert_error(400, "illegal_argument");
    let t = api.user_token("alice");
    api.call("GET", "/users/alice/status", Some(&t), &Value::Null)
        .assert_error(401, "unauthorized");
}

/// The reads whose vendor examples (easemob-doc `account_system.md`,
/// `user_relationship.md`) carry `entities: []` beside `data` answer with it too: forced
/// logout (all devices, with `count: 0`, and one device), the device list, the offline
/// message count and status (with `count: 0`), and the paged contact list.
#[test]
fn vendor_envelopes_carry_empty_entities() {
    let api = api();
    api.register(&["alice", "bob"]);
    api.befriend("alice", "bob");
    let has = |p: &str, method: &str, count: Option<u64>| {
        let r = api.admin(method, p, &Value::Null);
        let b = r.ok();
        assert_envelope(b, &method.to_ascii_lowercase());
        assert_eq!(b["entities"], json!([]), "{p}: {b}");
        if let Some(n) = count {
            assert_eq!(b["count"], n, "{p}: {b}");
        }
        b.clone()
    };
    assert_eq!(
        has("/users/alice/disconnect", "GET", Some(0))["data"],
        json!({"result": true})
    );
    assert_eq!(
        has("/users/alice/disconnect/android_1", "DELETE", None)["data"],
        json!({"result": true})
    );
    assert_eq!(
        has("/users/alice/resources", "GET", None)["data"],
        json!([])
    );
    assert_eq!(
        has("/users/alice/offline_msg_count", "GET", Some(0))["data"],
        json!({"alice": 0})
    );
    assert_eq!(
        has("/users/alice/offline_msg_status/123", "GET", Some(0))["data"],
        json!({"123": "delivered"})
    );
    let b = has("/user/alice/contacts?limit=10", "GET", Some(1));
    assert_eq!(
        b["data"]["contacts"],
        json!([{"username": "bob", "remark": null}])
    );
}

/// A body field sent as JSON `null` reads as missing, as the vendor's binding reads it: the
/// call gets the rule's own error (spec 01 §2, §7, §12, §15: `400 illegal_argument` "password
/// or pin must provided", "Entity user requires a property named username", "newpassword is
/// required"; `400 required_property_not_found` for a mute), not `400 json_parse`; an empty
/// remark clears it (§10).
#[test]
fn null_fields_read_as_missing() {
    let api = api();
    api.register(&["alice", "bob"]);
    api.befriend("alice", "bob");
    let err = |r: Resp, status: u16, error: &str, desc: &str| {
        r.assert_error(status, error);
        assert_eq!(r.body["error_description"], desc, "{}", r.body);
    };
    err(
        api.admin(
            "POST",
            "/users",
            &json!({"username": "c", "password": null}),
        ),
        400,
        "illegal_argument",
        "password or pin must provided",
    );
    err(
        api.admin(
            "POST",
            "/users",
            &json!({"username": null, "password": "pw"}),
        ),
        400,
        "illegal_argument",
        "Entity user requires a property named username",
    );
    err(
        api.admin(
            "POST",
            "/users",
            &json!([{"username": "c", "password": null}]),
        ),
        400,
        "illegal_argument",
        "password or pin must provided",
    );
    err(
        api.admin(
            "PUT",
            "/users/alice/password",
            &json!({"newpassword": null}),
        ),
        400,
        "illegal_argument",
        "newpassword is required",
    );
    err(
        api.admin("POST", "/mutes", &json!({"username": null, "chat": 10})),
        400,
        "required_property_not_found",
        "Entity user requires a property named username",
    );
    api.admin(
        "PUT",
        "/user/alice/contacts/users/bob",
        &json!({"remark": "B"}),
    )
    .ok();
    api.admin(
        "PUT",
        "/user/alice/contacts/users/bob",
        &json!({"remark": null}),
    )
    .ok();
    assert_eq!(
        api.get("/user/alice/contacts?needReturnRemark=true").ok()["data"]["contacts"],
        json!([{"username": "bob", "remark": null}])
    );
    let r = api.admin("POST", "/users/batch/status", &json!({ "usernames": null }));
    assert_eq!(r.ok()["data"], json!([]));
}

/// An empty `cursor=` asks for the first page, as an absent one does (spec 01 §0 Pagination:
/// only a malformed cursor is `400 illegal_argument`): the user list (§5), the paged contact
/// list (§10) and the paged block list (§11).
#[test]
fn an_empty_cursor_is_the_first_page() {
    let api = api();
    api.register(&["alice", "bob", "carol"]);
    api.befriend("alice", "bob");
    api.befriend("alice", "carol");
    api.admin(
        "POST",
        "/users/alice/blocks/users",
        &json!({"usernames": ["bob", "carol"]}),
    )
    .ok();
    for (p, items) in [
        ("/users?limit=2", "entities"),
        ("/user/alice/contacts?limit=1", "data"),
        ("/users/alice/blocks/users?pageSize=1", "data"),
    ] {
        let first = api.get(p);
        let empty = api.get(&format!("{p}&cursor="));
        let (a, b) = (first.ok(), empty.ok());
        assert_eq!(a[items], b[items], "{p}");
        assert_eq!(a["cursor"], b["cursor"], "{p}");
        assert!(b["cursor"].is_string(), "{p}: {b}");
    }
    api.get("/users?limit=2&cursor=zzz")
        .assert_error(400, "illegal_argument");
}
