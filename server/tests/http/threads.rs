//! Threads over HTTP (spec 02 §11): create, rename, delete, members (list, join a batch,
//! kick a batch), the app's and a user's thread lists, join and leave; each with its success
//! shape and vendor errors.

use crate::fixture::*;
use serde_json::{Value, json};

/// A public group owned by `owner` with members `a`, `b`; returns its id.
fn group(api: &Api) -> String {
    api.register(&["owner", "a", "b", "outsider"]);
    let r = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "public": true, "owner": "owner", "members": ["a", "b"]}),
    );
    r.ok()["data"]["groupid"].as_str().unwrap().to_owned()
}

/// A real message of the group, sent by the admin, to create a thread on (spec 02 H4).
fn parent(api: &Api, gid: &str) -> String {
    let r = api.admin(
        "POST",
        "/messages/chatgroups",
        &json!({"to": [gid], "type": "txt", "body": {"msg": "parent"}}),
    );
    r.ok()["data"][gid].as_str().expect("msg id").to_owned()
}

fn create(api: &Api, gid: &str, name: &str, msg: &str, owner: &str) -> String {
    let r = api.admin(
        "POST",
        "/thread",
        &json!({"group_id": gid, "name": name, "msg_id": msg, "owner": owner}),
    );
    assert_envelope(r.ok(), "post");
    r.body["data"]["thread_id"]
        .as_str()
        .expect("thread_id")
        .to_owned()
}

#[test]
fn create_rename_delete() {
    let api = api();
    let gid = group(&api);
    let m1 = parent(&api, &gid);
    let t = create(&api, &gid, "topic", &m1, "a");
    // One thread per parent message.
    api.admin(
        "POST",
        "/thread",
        &json!({"group_id": gid, "name": "again", "msg_id": m1, "owner": "a"}),
    )
    .assert_error(403, "group_error");
    api.admin("POST", "/thread", &json!({"group_id": gid, "name": "x"}))
        .assert_error(400, "param_illegal");
    api.admin(
        "POST",
        "/thread",
        &json!({"group_id": gid, "name": "n".repeat(65), "msg_id": "1002", "owner": "a"}),
    )
    .assert_error(400, "group_error");
    api.admin(
        "POST",
        "/thread",
        &json!({"group_id": gid, "name": "x", "msg_id": "1003", "owner": "outsider"}),
    )
    .assert_error(404, "group_error");
    api.admin(
        "POST",
        "/thread",
        &json!({"group_id": "999999", "name": "x", "msg_id": "1004", "owner": "a"}),
    )
    .assert_error(404, "group_error");

    let r = api.admin("PUT", &format!("/thread/{t}"), &json!({"name": "renamed"}));
    assert_envelope(r.ok(), "put");
    assert_eq!(r.body["data"], json!({"name": "renamed"}));
    api.admin("PUT", "/thread/123456", &json!({"name": "x"}))
        .assert_error(404, "group_error");

    let r = api.admin("DELETE", &format!("/thread/{t}"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(r.body["data"], json!({"status": "ok"}));
    api.admin("DELETE", &format!("/thread/{t}"), &Value::Null)
        .assert_error(404, "group_error");
}

#[test]
fn members_join_kick_and_lists() {
    let api = api();
    let gid = group(&api);
    let m2001 = parent(&api, &gid);
    let t = create(&api, &gid, "topic", &m2001, "a");
    let p = format!("/thread/{t}/users");
    let r = api.admin("POST", &p, &json!({"usernames": ["b", "owner"]}));
    assert_envelope(r.ok(), "post");
    assert_eq!(r.body["data"], json!({"status": "ok"}));
    let r = api.get(&p);
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"]["affiliations"], json!(["a", "b", "owner"]));
    api.admin("POST", &p, &json!({"usernames": ["outsider"]}))
        .assert_error(404, "group_error");
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
    api.admin("POST", &p, &json!({ "usernames": eleven }))
        .assert_error(400, "group_error");

    let r = api.admin("DELETE", &p, &json!({"usernames": ["b", "outsider"]}));
    assert_envelope(r.ok(), "delete");
    let items = r.body["data"].as_array().unwrap().clone();
    assert_eq!(
        (items[0]["user"].as_str(), items[0]["result"].as_bool()),
        (Some("b"), Some(true))
    );
    assert_eq!(
        (items[1]["user"].as_str(), items[1]["result"].as_bool()),
        (Some("outsider"), Some(false))
    );
    // H9: the items are in `entities`, as the vendor's answer has them.
    assert_eq!(r.body["entities"], json!(items));
    assert_eq!(
        api.get(&p).body["data"]["affiliations"],
        json!(["a", "owner"])
    );

    // Join and leave as oneself.
    let b = api.user_token("b");
    let r = api.call("POST", &format!("/thread/{t}/join"), Some(&b), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!({"result": true, "thread_id": t, "user": "b"})
    );
    let r = api.call(
        "POST",
        &format!("/thread/{t}/leave"),
        Some(&b),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"]["user"], "b");
    let o = api.user_token("outsider");
    // A user outside the group may not join its threads (spec 02 §3 roles matrix).
    api.call("POST", &format!("/thread/{t}/join"), Some(&o), &Value::Null)
        .assert_error(403, "forbidden_op");

    // App list and user lists.
    let t2 = create(&api, &gid, "second", &parent(&api, &gid), "a");
    let r = api.get("/thread?limit=1&sort=asc");
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["entities"], json!([{"id": t}]));
    let cur = r.body["cursor"].as_str().expect("cursor").to_owned();
    let r = api.get(&format!("/thread?limit=1&sort=asc&cursor={cur}"));
    assert_eq!(r.ok()["entities"], json!([{"id": t2}]));
    api.get("/thread?limit=51").assert_error(400, "group_error");
    api.get("/thread?sort=up")
        .assert_error(400, "invalid_parameter");

    let r = api.get("/threads/user/a?sort=asc");
    let e = r.ok()["entities"].as_array().unwrap().clone();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["id"], t.as_str());
    assert_eq!(e[0]["name"], "topic");
    assert_eq!(e[0]["owner"], "a");
    assert_eq!(e[0]["msgId"], m2001.as_str());
    assert_eq!(e[0]["groupId"], gid.as_str());
    assert!(e[0]["created"].is_i64());
    let r = api.get(&format!("/threads/chatgroups/{gid}/user/owner"));
    assert_eq!(r.ok()["entities"].as_array().unwrap().len(), 1);
    api.get("/threads/user/bad%20name")
        .assert_error(400, "illegal_argument");
}

#[test]
fn user_callers_and_the_feature_switch() {
    let api = api();
    let gid = group(&api);
    let a = api.user_token("a");
    // A user creates threads they own, not for someone else.
    let r = api.call(
        "POST",
        "/thread",
        Some(&a),
        &json!({"group_id": gid, "name": "mine", "msg_id": parent(&api, &gid), "owner": "a"}),
    );
    assert!(r.ok()["data"]["thread_id"].is_string());
    api.call(
        "POST",
        "/thread",
        Some(&a),
        &json!({"group_id": gid, "name": "theirs", "msg_id": "3002", "owner": "b"}),
    )
    .assert_error(403, "forbidden_op");

    let mut c = config();
    c.apps[0].limits.groups.threads_enabled = false;
    let api = api_with(c);
    let gid = group(&api);
    let r = api.admin(
        "POST",
        "/thread",
        &json!({"group_id": gid, "name": "x", "msg_id": "1", "owner": "a"}),
    );
    r.assert_error(403, "group_error");
}

/// H7: the member list's cursor is where the vendor's answer has it, `properties.cursor`, and
/// it leads to the next page.
#[test]
fn member_list_cursor_is_in_properties() {
    let api = api();
    let gid = group(&api);
    let t = create(&api, &gid, "topic", &parent(&api, &gid), "a");
    let p = format!("/thread/{t}/users");
    api.admin("POST", &p, &json!({"usernames": ["b"]})).ok();
    let r = api.get(&format!("{p}?limit=1"));
    assert_eq!(r.ok()["data"]["affiliations"], json!(["a"]));
    let cur = r.body["properties"]["cursor"]
        .as_str()
        .expect("properties.cursor")
        .to_owned();
    let r = api.get(&format!("{p}?limit=1&cursor={cur}"));
    assert_eq!(r.ok()["data"]["affiliations"], json!(["b"]));
    assert!(r.body["properties"]["cursor"].is_string());
}

/// H4: ids may come as JSON numbers, as in the vendor's request example; a body that cannot be
/// read (not JSON, not an object, a field of another type) is `T_BAD_BODY`, `400
/// param_illegal` "Failed to read HTTP message"; the feature gate still comes first.
#[test]
fn create_takes_numeric_ids_and_refuses_unreadable_bodies() {
    let api = api();
    let gid = group(&api);
    let msg = parent(&api, &gid);
    let (g, m): (u64, u64) = (gid.parse().unwrap(), msg.parse().unwrap());
    let r = api.admin(
        "POST",
        "/thread",
        &json!({"group_id": g, "name": "numeric", "msg_id": m, "owner": "a"}),
    );
    let t = r.ok()["data"]["thread_id"]
        .as_str()
        .expect("thread_id")
        .to_owned();
    let r = api.get("/threads/user/a");
    assert_eq!(r.ok()["entities"][0]["id"], t.as_str());
    assert_eq!(r.body["entities"][0]["msgId"], msg.as_str());
    assert_eq!(r.body["entities"][0]["groupId"], gid.as_str());

    let other = parent(&api, &gid);
    for body in [
        json!({"group_id": gid, "name": 5, "msg_id": other, "owner": "a"}),
        json!({"group_id": gid, "name": "x", "msg_id": other, "owner": ["a"]}),
        json!({"group_id": true, "name": "x", "msg_id": other, "owner": "a"}),
        json!(["not", "an", "object"]),
    ] {
        let r = api.admin("POST", "/thread", &body);
        r.assert_error(400, "param_illegal");
        assert_eq!(r.body["error_description"], "Failed to read HTTP message");
    }
    let r = request(
        api.addr,
        "POST",
        &path("/thread"),
        Some(&api.admin),
        Some("application/json"),
        b"{not json",
    );
    r.assert_error(400, "param_illegal");

    let mut c = config();
    c.apps[0].limits.groups.threads_enabled = false;
    let off = api_with(c);
    off.admin("POST", "/thread", &json!({"name": 5}))
        .assert_error(403, "group_error");
}
