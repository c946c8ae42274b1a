//! The GDPR export over HTTP (spec 01 §16): `GET /users/{u}/export` with an app token gives
//! one document with the user's data; user tokens get 401; after the user is deleted, 404 and
//! no other user's export names them.

use crate::fixture::*;
use serde_json::{Value, json};

#[test]
fn export_holds_the_users_data_and_erase_removes_it() {
    let api = api();
    api.register(&["ann", "bob"]);
    api.befriend("ann", "bob");
    api.admin(
        "PUT",
        "/user/ann/contacts/users/bob",
        &json!({"remark": "pal"}),
    )
    .ok();
    api.admin("POST", "/users/ann/presence/ios_1/2", &json!({"ext": "x"}))
        .ok();
    api.admin(
        "POST",
        "/users/ann/presence/60",
        &json!({"usernames": ["bob"]}),
    )
    .ok();
    api.admin("PUT", "/users/ann", &json!({"nickname": "Annie"}))
        .ok();
    let token = api.user_token("ann");
    api.admin(
        "POST",
        "/messages/users",
        &json!({"from": "ann", "to": ["bob"], "type": "txt", "body": {"msg": "hi bob"}}),
    )
    .ok();

    let r = api.get("/users/ann/export");
    let b = r.ok();
    assert_envelope(b, "get");
    let d = &b["data"];
    assert_eq!(d["user"]["username"], "ann");
    assert_eq!(d["user"]["nickname"], "Annie");
    assert_eq!(d["contacts"][0]["username"], "bob");
    assert_eq!(d["contacts"][0]["remark"], "pal");
    assert_eq!(d["presence"]["statuses"], json!({"ios_1": "2"}));
    assert_eq!(d["presence"]["subscriptions"][0]["target"], "bob");
    // Tokens are self-contained (issue 14): the server keeps none to export.
    assert_eq!(d["tokens"].as_array().unwrap().len(), 0);
    assert_eq!(d["messages"]["offline_count"], 0);
    assert_eq!(d["messages"]["messages"][0]["from"], "ann");
    assert_eq!(d["messages"]["messages"][0]["to"], "bob");
    assert_eq!(
        d["messages"]["messages"][0]["payload"]["bodies"][0],
        json!({"msg": "hi bob", "type": "txt"})
    );
    for part in [
        "attributes",
        "blocks",
        "mutes",
        "sessions",
        "push",
        "groups",
        "rooms",
    ] {
        assert!(d.get(part).is_some(), "{part} missing: {d}");
    }
    let text = d.to_string();
    assert!(!text.contains(&token), "no token strings");
    assert!(!text.contains("\"pw\""), "no passwords");

    api.call("GET", "/users/ann/export", Some(&token), &Value::Null)
        .assert_error(401, "unauthorized");
    api.get("/users/nobody/export")
        .assert_error(404, "service_resource_not_found");

    api.admin("DELETE", "/users/ann", &Value::Null).ok();
    api.get("/users/ann/export")
        .assert_error(404, "service_resource_not_found");
    let other = api.get("/users/bob/export").ok()["data"].to_string();
    assert!(!other.contains("ann"), "{other}");
}
