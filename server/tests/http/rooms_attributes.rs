//! Chatroom custom attributes over HTTP (spec 03 §3.9): get (`POST`), set and forced set
//! (`PUT …/user/{op}[/forced]`), delete and forced delete, the `admin` pseudo-operator,
//! per-key results with HTTP 200, the ownership conflict with and without force, the
//! request-level errors, and auto-delete on departure.

use crate::fixture::*;
use serde_json::{Value, json};

/// A room owned by `owner` with members `a` and `b`; returns its id.
fn setup(api: &Api) -> String {
    api.register(&["owner", "a", "b", "outsider"]);
    let r = api.admin(
        "POST",
        "/chatrooms",
        &json!({"name": "r", "description": "", "owner": "owner", "members": ["a", "b"]}),
    );
    r.ok()["data"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn set_get_and_ownership_with_and_without_force() {
    let api = api();
    let id = setup(&api);
    let a = api.user_token("a");
    let b = api.user_token("b");
    let set = |tok: &str, op: &str, forced: bool, body: Value| {
        let f = if forced { "/forced" } else { "" };
        api.call(
            "PUT",
            &format!("/metadata/chatroom/{id}/user/{op}{f}"),
            Some(tok),
            &body,
        )
    };

    let r = set(
        &a,
        "a",
        false,
        json!({"metaData": {"k1": "v1", "k2": "v2"}}),
    );
    assert_envelope(r.ok(), "put");
    assert_eq!(
        r.body["data"],
        json!({"successKeys": ["k1", "k2"], "errorKeys": {}})
    );

    // b may not overwrite a's key without force: per-key result, HTTP 200.
    let r = set(
        &b,
        "b",
        false,
        json!({"metaData": {"k1": "mine", "k3": "v3"}}),
    );
    assert_eq!(
        r.ok()["data"],
        json!({"successKeys": ["k3"], "errorKeys": {"k1": "others are not allowed to be set"}})
    );
    let get = |tok: &str, body: &Value| {
        api.call("POST", &format!("/metadata/chatroom/{id}"), Some(tok), body)
    };
    let r = get(&b, &Value::Null);
    assert_envelope(r.ok(), "post");
    assert_eq!(r.body["data"], json!({"k1": "v1", "k2": "v2", "k3": "v3"}));

    // With force it goes through and b becomes the owner.
    let r = set(&b, "b", true, json!({"metaData": {"k1": "mine"}}));
    assert_eq!(
        r.ok()["data"],
        json!({"successKeys": ["k1"], "errorKeys": {}})
    );
    let r = get(&a, &json!({"keys": ["k1", "nope"]}));
    assert_eq!(
        r.ok()["data"],
        json!({"k1": "mine"}),
        "missing keys omitted"
    );
    // Now a may not set k1 back without force.
    let r = set(&a, "a", false, json!({"metaData": {"k1": "back"}}));
    assert_eq!(
        r.ok()["data"]["errorKeys"],
        json!({"k1": "others are not allowed to be set"})
    );

    // The admin may name a member as operator.
    let r = api.admin(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/a"),
        &json!({"metaData": {"k4": "v4"}}),
    );
    assert_eq!(r.ok()["data"]["successKeys"], json!(["k4"]));

    // Per-key failures beside successes.
    let long_key = "k".repeat(129);
    let r = set(
        &a,
        "a",
        false,
        json!({"metaData": {"bad key": "x", long_key.clone(): "x", "big": "v".repeat(4097),
                            "ok": "y"}}),
    );
    let d = &r.ok()["data"];
    assert_eq!(d["successKeys"], json!(["ok"]));
    assert_eq!(
        d["errorKeys"]["bad key"],
        "properties key 'bad key' is not Legal"
    );
    assert_eq!(
        d["errorKeys"][long_key.as_str()],
        format!("properties key '{long_key}' is exceeding maximum limit 128")
    );
    assert_eq!(
        d["errorKeys"]["big"],
        "properties value of key 'big' is exceeding maximum limit 4096"
    );
}

#[test]
fn delete_and_forced_delete() {
    let api = api();
    let id = setup(&api);
    let a = api.user_token("a");
    let b = api.user_token("b");
    api.call(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/a"),
        Some(&a),
        &json!({"metaData": {"k1": "v1", "k2": "v2"}}),
    )
    .ok();
    let del = |tok: &str, op: &str, forced: bool, keys: Value| {
        let f = if forced { "/forced" } else { "" };
        api.call(
            "DELETE",
            &format!("/metadata/chatroom/{id}/user/{op}{f}"),
            Some(tok),
            &json!({ "keys": keys }),
        )
    };
    let r = del(&b, "b", false, json!(["k1", "zz"]));
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!({"successKeys": [], "errorKeys": {
            "k1": "properties key 'k1' is not part of you",
            "zz": "properties key 'zz' is not exist"}})
    );
    let r = del(&b, "b", true, json!(["k1"]));
    assert_eq!(
        r.ok()["data"],
        json!({"successKeys": ["k1"], "errorKeys": {}})
    );
    let r = del(&a, "a", false, json!(["k2"]));
    assert_eq!(r.ok()["data"]["successKeys"], json!(["k2"]));
    let r = api.call(
        "POST",
        &format!("/metadata/chatroom/{id}"),
        Some(&a),
        &json!({}),
    );
    assert_eq!(r.ok()["data"], json!({}));
    del(&a, "a", false, json!([])).assert_error(400, "illegal_argument");
    let eleven: Vec<String> = (0..11).map(|i| format!("k{i}")).collect();
    let r = del(&a, "a", false, json!(eleven));
    r.assert_error(400, "illegal_argument");
    assert_eq!(r.body["error_description"], "exceed allowed batch size 10");
}

#[test]
fn the_admin_pseudo_operator() {
    let api = api();
    let id = setup(&api);
    let p = format!("/metadata/chatroom/{id}/user/admin");
    // Not forced: `admin` is not a member.
    let r = api.admin("PUT", &p, &json!({"metaData": {"topic": "x"}}));
    r.assert_error(401, "MetadataException");
    assert_eq!(r.body["error_description"], "user is not in chatroom");
    // Forced: allowed, and the key belongs to the app admin.
    let r = api.admin(
        "PUT",
        &format!("{p}/forced"),
        &json!({"metaData": {"topic": "x"}}),
    );
    assert_eq!(
        r.ok()["data"],
        json!({"successKeys": ["topic"], "errorKeys": {}})
    );
    let a = api.user_token("a");
    let r = api.call(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/a"),
        Some(&a),
        &json!({"metaData": {"topic": "mine"}}),
    );
    assert_eq!(
        r.ok()["data"]["errorKeys"],
        json!({"topic": "others are not allowed to be set"})
    );
    // A user may not act as `admin` (or anyone else).
    api.call("PUT", &p, Some(&a), &json!({"metaData": {"t": "x"}}))
        .assert_error(401, "group_authorization");
    api.call(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/b"),
        Some(&a),
        &json!({"metaData": {"t": "x"}}),
    )
    .assert_error(401, "group_authorization");
    // Who owns what (host path).
    let r = api.call(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/a"),
        Some(&a),
        &json!({"metaData": {"mine": "1"}}),
    );
    r.ok();
    let r = api.call(
        "GET",
        &format!("/metadata/chatroom/{id}/owners"),
        Some(&a),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"], json!({"topic": "admin", "mine": "a"}));
    // Forced delete as admin.
    let r = api.admin(
        "DELETE",
        &format!("{p}/forced"),
        &json!({"keys": ["topic", "mine"]}),
    );
    assert_eq!(r.ok()["data"]["successKeys"], json!(["topic", "mine"]));
    // The admin reads any room.
    let r = api.admin("POST", &format!("/metadata/chatroom/{id}"), &Value::Null);
    assert_eq!(r.ok()["data"], json!({}));
}

#[test]
fn request_level_errors() {
    let api = api();
    let id = setup(&api);
    let a = api.user_token("a");
    let outsider = api.user_token("outsider");
    let p = format!("/metadata/chatroom/{id}/user/a");
    let r = api.call("PUT", &p, Some(&a), &json!({"metaData": {}}));
    r.assert_error(400, "illegal_argument");
    assert_eq!(r.body["error_description"], "metaData must be provided");
    api.call("PUT", &p, Some(&a), &json!({}))
        .assert_error(400, "illegal_argument");
    // `metaData: null` is missing too (the vendor SDK sends its unset fields as null).
    let r = api.call(
        "PUT",
        &p,
        Some(&a),
        &json!({"metaData": null, "autoDelete": "DELETE", "keys": null}),
    );
    r.assert_error(400, "illegal_argument");
    assert_eq!(r.body["error_description"], "metaData must be provided");
    // Ten keys fit, eleven do not (nothing applied).
    let mut ten = serde_json::Map::new();
    for i in 0..10 {
        ten.insert(format!("k{i}"), json!("v"));
    }
    let r = api.call("PUT", &p, Some(&a), &json!({ "metaData": ten.clone() }));
    assert_eq!(r.ok()["data"]["successKeys"].as_array().unwrap().len(), 10);
    let mut eleven = serde_json::Map::new();
    for i in 0..11 {
        eleven.insert(format!("n{i}"), json!("v"));
    }
    api.call("PUT", &p, Some(&a), &json!({ "metaData": eleven }))
        .assert_error(400, "illegal_argument");
    let all = api.call(
        "POST",
        &format!("/metadata/chatroom/{id}"),
        Some(&a),
        &Value::Null,
    );
    assert_eq!(all.ok()["data"].as_object().unwrap().len(), 10);

    // Outsiders may neither read nor write.
    api.call(
        "POST",
        &format!("/metadata/chatroom/{id}"),
        Some(&outsider),
        &Value::Null,
    )
    .assert_error(401, "MetadataException");
    api.call(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/outsider"),
        Some(&outsider),
        &json!({"metaData": {"k": "v"}}),
    )
    .assert_error(401, "MetadataException");
    // Unknown room, bad bodies, bad operator names.
    api.admin("POST", "/metadata/chatroom/123123123", &Value::Null)
        .assert_error(404, "resource_not_found");
    api.admin(
        "PUT",
        "/metadata/chatroom/x1/user/a",
        &json!({"metaData": {"k": "v"}}),
    )
    .assert_error(404, "resource_not_found");
    let r = request(
        api.addr,
        "PUT",
        &path(&p),
        Some(&a),
        Some("application/json"),
        b"{\"metaData\": ",
    );
    r.assert_error(400, "json_parse");
    let r = request(
        api.addr,
        "POST",
        &path(&format!("/metadata/chatroom/{id}")),
        Some(&a),
        Some("text/plain"),
        b"keys",
    );
    r.assert_error(415, "web_application");
    api.admin(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/bad%20name"),
        &json!({"metaData": {"k": "v"}}),
    )
    .assert_error(400, "illegal_argument");
}

#[test]
fn auto_delete_on_departure() {
    let api = api();
    let id = setup(&api);
    let a = api.user_token("a");
    let p = format!("/metadata/chatroom/{id}/user/a");
    api.call(
        "PUT",
        &p,
        Some(&a),
        &json!({"metaData": {"gone": "1"}, "autoDelete": "delete"}),
    )
    .ok();
    api.call(
        "PUT",
        &p,
        Some(&a),
        &json!({"metaData": {"kept": "1"}, "autoDelete": "NO_DELETE"}),
    )
    .ok();
    api.call(
        "POST",
        &format!("/chatrooms/{id}/leave"),
        Some(&a),
        &Value::Null,
    )
    .ok();
    let r = api.admin("POST", &format!("/metadata/chatroom/{id}"), &Value::Null);
    assert_eq!(r.ok()["data"], json!({"kept": "1"}));
}
