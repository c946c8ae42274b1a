//! Presence over HTTP (spec 01 §13): set, subscribe, get, unsubscribe, the subscription list;
//! the vendor's `{result}` answers with seconds as strings; errors; the feature switch; a user
//! token acting for itself.

use crate::fixture::*;
use imcore::Limits;
use serde_json::{Value, json};

#[test]
fn set_subscribe_get_list_and_unsubscribe() {
    let api = api();
    api.register(&["a", "b"]);
    let r = api.admin(
        "POST",
        "/users/b/presence/ios_1/1",
        &json!({"ext": "hello"}),
    );
    assert_eq!(r.ok()["result"], "ok");

    let r = api.admin(
        "POST",
        "/users/a/presence/3600",
        &json!({"usernames": ["b", "ghost"]}),
    );
    let res = r.ok()["result"].as_array().unwrap().clone();
    assert_eq!(res.len(), 2);
    assert_eq!(res[0]["uid"], "b");
    assert_eq!(res[0]["ext"], "hello");
    assert_eq!(res[0]["status"], json!({"ios_1": "1"}));
    assert_eq!(res[0]["last_time"], "", "never logged in");
    let expiry: i64 = res[0]["expiry"].as_str().unwrap().parse().unwrap();
    let now_s = r.body["timestamp"].as_i64().unwrap() / 1000;
    assert!((expiry - now_s - 3600).abs() <= 1, "{expiry} vs {now_s}");
    assert_eq!(
        res[1],
        json!({"uid": "ghost", "last_time": "", "ext": "", "status": [], "expiry": res[1]["expiry"]})
    );

    let r = api.admin("POST", "/users/a/presence", &json!({"usernames": ["b"]}));
    assert_eq!(
        r.ok()["result"],
        json!([{"uid": "b", "last_time": "", "ext": "hello", "status": {"ios_1": "1"}}])
    );

    let r = api.get("/users/a/presence/sublist?pageNum=1&pageSize=10");
    let res = &r.ok()["result"];
    assert_eq!(res["totalnum"], "2");
    assert_eq!(res["sublist"][0]["uid"], "b");
    assert!(res["sublist"][0]["expiry"].is_string());
    // Default page size is 1.
    let r = api.get("/users/a/presence/sublist");
    assert_eq!(r.ok()["result"]["sublist"].as_array().unwrap().len(), 1);

    // Unsubscribe: the body is the list of names.
    let r = api.admin("DELETE", "/users/a/presence", &json!(["b"]));
    assert_eq!(r.ok()["result"], "ok");
    let r = api.get("/users/a/presence/sublist?pageSize=10");
    assert_eq!(r.ok()["result"]["totalnum"], "1");
    // Unknown users read totalnum 0.
    assert_eq!(
        api.get("/users/nobody/presence/sublist").ok()["result"]["totalnum"],
        "0"
    );
}

/// A name with no status (unknown, or never seen) reads `status: []`, an empty JSON array, as
/// the vendor answers it: the server SDK's `PresenceIT.testGetUserStatus` reads the status of
/// an unknown user as a `List` of size 0. A user with a status reads the `{resource: status}`
/// object.
#[test]
fn an_empty_status_is_an_empty_array() {
    let api = api();
    api.register(&["a", "b", "c"]);
    api.admin("POST", "/users/b/presence/ios_1/1", &json!({"ext": "x"}))
        .ok();
    let r = api.admin(
        "POST",
        "/users/a/presence",
        &json!({"usernames": ["u10000", "c", "b"]}),
    );
    let res = r.ok()["result"].as_array().unwrap().clone();
    assert_eq!(res[0]["uid"], "u10000");
    assert_eq!(res[0]["status"], json!([]), "{}", r.body);
    assert_eq!(res[1]["uid"], "c");
    assert_eq!(res[1]["status"], json!([]), "{}", r.body);
    assert_eq!(res[2]["status"], json!({"ios_1": "1"}), "{}", r.body);
    let r = api.admin(
        "POST",
        "/users/a/presence/60",
        &json!({"usernames": ["u10000"]}),
    );
    assert_eq!(r.ok()["result"][0]["status"], json!([]), "{}", r.body);
}

#[test]
fn a_user_token_acts_for_itself_only() {
    let api = api();
    api.register(&["a", "b"]);
    let ta = api.user_token("a");
    api.call(
        "POST",
        "/users/a/presence/web_1/2",
        Some(&ta),
        &json!({"ext": ""}),
    )
    .ok();
    api.call(
        "POST",
        "/users/a/presence/60",
        Some(&ta),
        &json!({"usernames": ["b"]}),
    )
    .ok();
    api.call(
        "POST",
        "/users/b/presence/web_1/2",
        Some(&ta),
        &json!({"ext": ""}),
    )
    .assert_error(401, "unauthorized");
    api.call("GET", "/users/b/presence/sublist", Some(&ta), &Value::Null)
        .assert_error(401, "unauthorized");
}

#[test]
fn presence_errors() {
    let api = api();
    api.register(&["a"]);
    let err = |r: Resp, desc: &str| {
        r.assert_error(400, "illegal_argument");
        assert_eq!(r.body["error_description"], desc);
    };
    err(
        api.admin("POST", "/users/a/presence/ios_1/1", &json!({})),
        "ext cannot be null",
    );
    err(
        api.admin("POST", "/users/a/presence/ios_1/1", &Value::Null),
        "ext cannot be null",
    );
    err(
        api.admin(
            "POST",
            "/users/a/presence/ios_1/1",
            &json!({"ext": "x".repeat(1025)}),
        ),
        "ext is too big",
    );
    err(
        api.admin("POST", "/users/a/presence/ios_1/busy", &json!({"ext": ""})),
        "status must be a digit string",
    );
    api.admin(
        "POST",
        "/users/nobody/presence/ios_1/1",
        &json!({"ext": ""}),
    )
    .assert_error(404, "service_resource_not_found");
    for bad in ["0", "-5", "2592001", "soon"] {
        err(
            api.admin(
                "POST",
                &format!("/users/a/presence/{bad}"),
                &json!({"usernames": ["b"]}),
            ),
            "expiry must be between 1 and 2592000 seconds",
        );
    }
    err(
        api.admin("POST", "/users/a/presence/10", &json!({"usernames": []})),
        "usernames is empty",
    );
    let many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    err(
        api.admin("POST", "/users/a/presence/10", &json!({"usernames": many})),
        "too many sub presence",
    );
    err(
        api.admin("POST", "/users/a/presence/10", &json!({"usernames": ["A"]})),
        "you can't sub yourself",
    );
    err(
        api.admin("POST", "/users/a/presence", &json!({"usernames": many})),
        "too many get presences",
    );
    err(
        api.admin("DELETE", "/users/a/presence", &json!([])),
        "usernames cannot be null",
    );
    err(
        api.admin("DELETE", "/users/a/presence", &json!(many)),
        "too many unsub presences",
    );
    err(
        api.get("/users/a/presence/sublist?pageSize=501"),
        "pageSize must be between 1 and 500",
    );
    err(
        api.get("/users/a/presence/sublist?pageNum=0"),
        "pageNum must be >= 1",
    );
}

#[test]
fn presence_switched_off() {
    let api = api_with({
        let mut c = config();
        c.apps[0].limits = Limits {
            presence_enabled: false,
            ..Limits::default()
        };
        c
    });
    api.register(&["a"]);
    let r = api.admin("POST", "/users/a/presence/ios_1/1", &json!({"ext": ""}));
    r.assert_error(400, "service open exception");
    assert_eq!(r.body["error_description"], "the app not open presence");
    api.get("/users/a/presence/sublist")
        .assert_error(400, "service open exception");
}
