//! Push settings over HTTP (spec 01 §15): `PUT /users/{u}` (nickname, display style, DND) and
//! the view's push fields, the batch nickname, notification settings per app/user/group,
//! language, template, device binding; errors with the vendor's wording.

use crate::fixture::*;
use serde_json::{Value, json};

#[test]
fn put_user_sets_nickname_style_and_dnd() {
    let api = api();
    api.register(&["a"]);
    let r = api.admin(
        "PUT",
        "/users/a",
        &json!({"nickname": "Ann", "notification_display_style": 1}),
    );
    let b = r.ok();
    assert_envelope(b, "put");
    let e = &b["entities"][0];
    assert_eq!(
        (
            e["nickname"].as_str(),
            e["notification_display_style"].as_i64()
        ),
        (Some("Ann"), Some(1))
    );
    assert!(
        e.get("notification_no_disturbing").is_none(),
        "left out unless set"
    );
    let r = api.admin(
        "PUT",
        "/users/a",
        &json!({"notification_no_disturbing": true, "notification_no_disturbing_start": "22", "notification_no_disturbing_end": "7"}),
    );
    let e = &r.ok()["entities"][0];
    assert_eq!(e["notification_no_disturbing"], true);
    assert_eq!(e["notification_no_disturbing_start"], "22");
    assert_eq!(e["notification_no_disturbing_end"], "7");
    // Every user view shows them.
    let e = api.get("/users/a").ok()["entities"][0].clone();
    assert_eq!(e["notification_no_disturbing_start"], "22");
    api.admin(
        "PUT",
        "/users/a",
        &json!({"notification_no_disturbing": false}),
    )
    .ok();
    assert_eq!(
        api.get("/users/a").ok()["entities"][0]["notification_no_disturbing"],
        false
    );
    // A user token may change its own settings.
    let t = api.user_token("a");
    api.call("PUT", "/users/a", Some(&t), &json!({"nickname": "Me"}))
        .ok();
}

#[test]
fn put_user_errors() {
    let api = api();
    api.register(&["a"]);
    let invalid = |body: Value, field: &str| {
        let r = api.admin("PUT", "/users/a", &body);
        r.assert_error(400, "illegal_argument");
        assert_eq!(
            r.body["error_description"],
            format!("parameters is invalid : {field}")
        );
    };
    invalid(
        json!({"notification_display_style": 2}),
        "notification_display_style",
    );
    invalid(
        json!({"notification_display_style": -1}),
        "notification_display_style",
    );
    invalid(
        json!({"notification_no_disturbing_start": "24"}),
        "notification_no_disturbing_start",
    );
    invalid(
        json!({"notification_no_disturbing_end": 99}),
        "notification_no_disturbing_end",
    );
    invalid(
        json!({"notification_no_disturbing": true}),
        "notification_no_disturbing_start",
    );
    let r = api.admin("PUT", "/users/a", &json!({"nickname": "n".repeat(101)}));
    r.assert_error(400, "illegal_argument");
    assert_eq!(r.body["error_description"], "NICKNAME_TOO_LONG");
    let r = api.admin("PUT", "/users/nobody", &json!({"nickname": "x"}));
    r.assert_error(400, "required_property_not_found");
    api.admin(
        "PUT",
        "/users/a",
        &json!({"notification_display_style": "x"}),
    )
    .assert_error(400, "json_parse");
}

#[test]
fn batch_push_nicknames() {
    let api = api();
    api.register(&["a", "b"]);
    let r = api.admin(
        "PUT",
        "/push/nickname",
        &json!([{"username": "a", "push_nickname": "A1"}, {"username": "ghost", "push_nickname": "G"}, {"username": "B", "push_nickname": "B1"}]),
    );
    assert_eq!(
        r.ok()["entities"],
        json!([{"username": "a", "push_nickname": "A1"}, {"username": "b", "push_nickname": "B1"}])
    );
    assert_eq!(api.get("/users/b").ok()["entities"][0]["nickname"], "B1");
    let err = |body: Value, desc: &str| {
        let r = api.admin("PUT", "/push/nickname", &body);
        r.assert_error(400, "illegal_argument");
        assert_eq!(r.body["error_description"], desc);
    };
    err(
        json!([]),
        "put user push nicknames illegal empty request body",
    );
    let many: Vec<Value> = (0..51)
        .map(|_| json!({"username": "a", "push_nickname": "x"}))
        .collect();
    err(
        Value::Array(many),
        "put user push nicknames exceeds the limit",
    );
    err(
        json!([{"username": "a", "push_nickname": "x".repeat(101)}]),
        "a push nickname length exceeds the limit",
    );
    let t = api.user_token("a");
    api.call(
        "PUT",
        "/push/nickname",
        Some(&t),
        &json!([{"username": "a", "push_nickname": "x"}]),
    )
    .assert_error(401, "unauthorized");
}

#[test]
fn notification_settings() {
    let api = api();
    api.register(&["a", "b"]);
    // Defaults.
    assert_eq!(
        api.get("/users/a/notification/user/a").ok()["data"],
        json!({"type": "ALL", "ignoreInterval": "", "ignoreDuration": 0})
    );
    assert_eq!(
        api.get("/users/a/notification/chatgroup/g1").ok()["data"],
        json!({"type": "DEFAULT", "ignoreInterval": "", "ignoreDuration": 0})
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/user/a",
        &json!({"type": "AT", "ignoreInterval": "21:30-08:00", "ignoreDuration": 3_600_000}),
    );
    let d = &r.ok()["data"];
    assert_eq!(
        (d["type"].as_str(), d["ignoreInterval"].as_str()),
        (Some("AT"), Some("21:30-08:00"))
    );
    let until = d["ignoreDuration"].as_i64().unwrap();
    let now = r.body["timestamp"].as_i64().unwrap();
    assert_eq!(until, now + 3_600_000, "returned as the end time");
    assert_eq!(
        api.get("/users/a/notification/user/a").ok()["data"]["ignoreDuration"],
        until
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/user/b",
        &json!({"type": "NONE"}),
    );
    assert_eq!(r.ok()["data"]["type"], "NONE");
    let r = api.admin(
        "PUT",
        "/users/a/notification/chatgroup/g1",
        &json!({"type": "ALL"}),
    );
    assert_eq!(r.ok()["data"]["type"], "ALL");
    assert_eq!(
        api.get("/users/a/notification/chatgroup/g1").ok()["data"]["type"],
        "ALL"
    );
    // Errors.
    let invalid = |method: &str, path: &str, body: Value, field: &str| {
        let r = api.admin(method, path, &body);
        r.assert_error(400, "illegal_argument");
        assert_eq!(
            r.body["error_description"],
            format!("parameters is invalid : {field}"),
            "{path}"
        );
    };
    invalid(
        "PUT",
        "/users/a/notification/user/a",
        json!({"type": "DEFAULT"}),
        "type",
    );
    invalid(
        "PUT",
        "/users/a/notification/user/a",
        json!({"type": "SOME"}),
        "type",
    );
    invalid(
        "PUT",
        "/users/a/notification/user/a",
        json!({"ignoreInterval": "25:00-01:00"}),
        "ignoreInterval",
    );
    invalid(
        "PUT",
        "/users/a/notification/chatgroup/g",
        json!({"ignoreInterval": "01:00-02:00"}),
        "ignoreInterval",
    );
    invalid(
        "PUT",
        "/users/a/notification/user/a",
        json!({"ignoreDuration": 604_800_001}),
        "ignoreDuration",
    );
    invalid(
        "PUT",
        "/users/a/notification/user/a",
        json!({"ignoreDuration": -1}),
        "ignoreDuration",
    );
    invalid(
        "PUT",
        "/users/a/notification/groupchat/g",
        json!({}),
        "chattype",
    );
    invalid(
        "GET",
        "/users/a/notification/user/bad%20name",
        Value::Null,
        "key",
    );
    api.get("/users/nobody/notification/user/nobody")
        .assert_error(400, "required_property_not_found");
}

#[test]
fn language_template_and_bindings() {
    let api = api();
    api.register(&["a"]);
    let r = api.admin(
        "PUT",
        "/users/a/notification/language",
        &json!({"translationLanguage": "fr"}),
    );
    assert_eq!(r.ok()["data"], json!({"language": "fr"}));
    assert_eq!(
        api.get("/users/a/notification/language").ok()["data"],
        json!({"language": "fr"})
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/template",
        &json!({"templateName": "t1"}),
    );
    assert_eq!(r.ok()["data"], json!({"templateName": "t1"}));
    assert_eq!(
        api.get("/users/a/notification/template").ok()["data"],
        json!({"templateName": "t1"})
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/language",
        &json!({"translationLanguage": "l".repeat(129)}),
    );
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "parameters is invalid : translationLanguage"
    );

    let bind = |d: &str, n: &str, t: &str| {
        api.admin(
            "PUT",
            "/users/a/push/binding",
            &json!({"device_id": d, "notifier_name": n, "device_token": t}),
        )
    };
    assert_eq!(
        bind("d1", "fcm", "tok1").ok()["entities"],
        json!([{"device_id": "d1", "device_token": "tok1", "notifier_name": "fcm"}])
    );
    bind("d2", "apns", "tok2").ok();
    assert_eq!(
        api.get("/users/a/push/binding").ok()["entities"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let e = api.get("/users/a").ok()["entities"][0].clone();
    assert_eq!(
        (e["notifier_name"].as_str(), e["device_token"].as_str()),
        (Some("apns"), Some("tok2"))
    );
    assert_eq!(
        bind("d1", "fcm", "").ok()["entities"],
        json!([]),
        "empty token unbinds"
    );
    assert_eq!(
        bind("d2", "", "").ok()["entities"],
        json!([]),
        "empty notifier unbinds all"
    );
    let r = bind("", "fcm", "t");
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "parameters is invalid : device_id"
    );
    api.get("/users/nobody/push/binding")
        .assert_error(400, "required_property_not_found");
}

/// A conversation-level setting whose body carries `"ignoreInterval": ""` (the third-party Go
/// server SDK dobyte/easemob-im-server-sdk, `user/types.go`
/// `setOfflinePushTargetedNoDisturbingReq`, always writes the field, empty when unset) is
/// taken: `""` is "no interval", what a conversation always reads. A non-empty interval on a
/// conversation stays refused.
#[test]
fn a_conversation_setting_takes_an_empty_ignore_interval() {
    let api = api();
    api.register(&["a", "b"]);
    let r = api.admin(
        "PUT",
        "/users/a/notification/chatgroup/g1",
        &json!({"type": "NONE", "ignoreInterval": "", "ignoreDuration": 0}),
    );
    assert_eq!(
        r.ok()["data"],
        json!({"type": "NONE", "ignoreInterval": "", "ignoreDuration": 0})
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/user/b",
        &json!({"type": "AT", "ignoreInterval": ""}),
    );
    assert_eq!(r.ok()["data"]["type"], "AT");
    assert_eq!(
        api.get("/users/a/notification/chatgroup/g1").ok()["data"]["type"],
        "NONE"
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/user/b",
        &json!({"ignoreInterval": "01:00-02:00"}),
    );
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "parameters is invalid : ignoreInterval"
    );
}

/// Switching do-not-disturb off with the hours written empty, as the third-party Go server SDK
/// dobyte/easemob-im-server-sdk does (`user/api.go` `DisableOfflinePushNoDisturbing` sends
/// `setOfflinePushNoDisturbingReq{false, "", ""}`): the empty hours read as absent, the hours
/// set before stay, and do-not-disturb is off. A non-numeric hour is still refused.
#[test]
fn dnd_off_with_empty_hours() {
    let api = api();
    api.register(&["a"]);
    api.admin(
        "PUT",
        "/users/a",
        &json!({"notification_no_disturbing": true, "notification_no_disturbing_start": "1", "notification_no_disturbing_end": "3"}),
    )
    .ok();
    let r = api.admin(
        "PUT",
        "/users/a",
        &json!({"notification_no_disturbing": false, "notification_no_disturbing_start": "", "notification_no_disturbing_end": ""}),
    );
    let u = &r.ok()["entities"][0];
    assert_eq!(u["notification_no_disturbing"], false);
    assert_eq!(u["notification_no_disturbing_start"], "1");
    assert_eq!(u["notification_no_disturbing_end"], "3");
    api.admin(
        "PUT",
        "/users/a",
        &json!({"notification_no_disturbing": true, "notification_no_disturbing_start": "x"}),
    )
    .assert_error(400, "json_parse");
}

/// `"type": ""` reads as no `type` (the third-party Go server SDK dobyte/easemob-im-server-sdk,
/// `user/types.go` `setOfflinePushTargetedNoDisturbingReq`, writes `type` without omitempty
/// though its docs call it optional): the other fields apply and the type stays. A type that
/// is neither empty nor one of the four is still refused.
#[test]
fn an_empty_notification_type_reads_as_absent() {
    let api = api();
    api.register(&["a"]);
    api.admin(
        "PUT",
        "/users/a/notification/chatgroup/g1",
        &json!({"type": "NONE"}),
    )
    .ok();
    let r = api.admin(
        "PUT",
        "/users/a/notification/chatgroup/g1",
        &json!({"type": "", "ignoreInterval": "", "ignoreDuration": 3_600_000}),
    );
    let d = &r.ok()["data"];
    assert_eq!(d["type"], "NONE");
    assert!(d["ignoreDuration"].as_i64().unwrap() > 0);
    let r = api.admin(
        "PUT",
        "/users/a/notification/user/a",
        &json!({"type": "", "ignoreInterval": "21:00-07:00", "ignoreDuration": 0}),
    );
    let d = &r.ok()["data"];
    assert_eq!(
        (d["type"].as_str(), d["ignoreInterval"].as_str()),
        (Some("ALL"), Some("21:00-07:00"))
    );
    let r = api.admin(
        "PUT",
        "/users/a/notification/user/a",
        &json!({"type": "SOME"}),
    );
    r.assert_error(400, "illegal_argument");
}
