//! Friends over HTTP (spec 01 §10): add/remove (symmetric), the full list (newest first), the
//! paged list with cursor and remarks, remarks, import buckets; the friend cap and other
//! vendor errors.

use crate::fixture::*;
use serde_json::{Value, json};

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn add_list_and_remove_friends() {
    let api = api();
    api.register(&["alice", "bob", "carol"]);
    let r = api.admin("POST", "/users/alice/contacts/users/Bob", &Value::Null);
    let b = r.ok();
    assert_envelope(b, "post");
    assert_eq!(b["entities"][0]["username"], "bob");
    std::thread::sleep(std::time::Duration::from_millis(2));
    api.befriend("alice", "carol");
    let r = api.get("/users/alice/contacts/users");
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(names(&b["data"]), ["carol", "bob"], "newest first");
    assert_eq!(b["count"], 2);
    assert_eq!(b["entities"], json!([]));
    // Symmetric.
    assert_eq!(
        names(&api.get("/users/bob/contacts/users").ok()["data"]),
        ["alice"]
    );

    let r = api.admin("DELETE", "/users/bob/contacts/users/alice", &Value::Null);
    let b = r.ok();
    assert_envelope(b, "delete");
    assert_eq!(b["entities"][0]["username"], "alice");
    assert_eq!(
        names(&api.get("/users/alice/contacts/users").ok()["data"]),
        ["carol"]
    );
    // Removing a non-friend is fine.
    api.admin("DELETE", "/users/bob/contacts/users/alice", &Value::Null)
        .ok();
}

#[test]
fn friend_errors() {
    let mut c = config();
    c.apps[0].limits.friends_max = Some(2);
    let api = api_with(c);
    api.register(&["a", "b", "c", "d"]);
    api.admin("POST", "/users/a/contacts/users/a", &Value::Null)
        .assert_error(400, "illegal_argument");
    api.admin("POST", "/users/a/contacts/users/ghost", &Value::Null)
        .assert_error(404, "service_resource_not_found");
    api.admin("POST", "/users/ghost/contacts/users/a", &Value::Null)
        .assert_error(404, "service_resource_not_found");
    api.get("/users/ghost/contacts/users")
        .assert_error(404, "service_resource_not_found");
    api.befriend("a", "b");
    api.befriend("a", "c");
    let r = api.admin("POST", "/users/a/contacts/users/d", &Value::Null);
    r.assert_error(403, "exceed_limit");
    assert_eq!(
        r.body["error_description"],
        "user contact number exceed limit"
    );
    // A user may manage their own list only.
    let t = api.user_token("d");
    api.call("POST", "/users/b/contacts/users/d", Some(&t), &Value::Null)
        .assert_error(401, "unauthorized");
    api.call("POST", "/users/d/contacts/users/b", Some(&t), &Value::Null)
        .ok();
    assert_eq!(
        api.call("GET", "/users/d/contacts/users", Some(&t), &Value::Null)
            .ok()["data"],
        json!(["b"])
    );
}

#[test]
fn paged_list_with_remarks_and_cursor() {
    let api = api();
    api.register(&["o", "f1", "f2", "f3"]);
    for f in ["f1", "f2", "f3"] {
        api.befriend("o", f);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let r = api.admin(
        "PUT",
        "/user/o/contacts/users/f2",
        &json!({"remark": "Two"}),
    );
    let b = r.ok();
    assert_envelope(b, "put");
    assert_eq!(b["status"], "ok");

    let r = api.get("/user/o/contacts?limit=2&needReturnRemark=true");
    let b = r.ok();
    assert_eq!(
        b["data"]["contacts"],
        json!([{"username": "f3", "remark": null}, {"username": "f2", "remark": "Two"}])
    );
    assert_eq!(b["count"], 2);
    let cursor = b["data"]["cursor"].as_str().unwrap().to_owned();
    assert_eq!(b["cursor"], cursor.as_str());
    let r = api.get(&format!("/user/o/contacts?limit=2&cursor={cursor}"));
    let b = r.ok();
    assert_eq!(
        b["data"]["contacts"],
        json!([{"username": "f1", "remark": null}])
    );
    assert!(b["data"].get("cursor").is_none() && b.get("cursor").is_none());
    // Without needReturnRemark, remarks stay hidden.
    let r = api.get("/user/o/contacts");
    assert_eq!(
        r.ok()["data"]["contacts"][1],
        json!({"username": "f2", "remark": null})
    );

    assert_eq!(api.get("/user/o/contacts?limit=50").status, 200);
    let r = api.get("/user/o/contacts?limit=51");
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "getContacts page size more than max limit : 50"
    );
    api.get("/user/o/contacts?cursor=zzz")
        .assert_error(400, "illegal_argument");
    api.get("/user/o/contacts?needReturnRemark=maybe")
        .assert_error(400, "illegal_argument");
}

#[test]
fn remark_errors() {
    let api = api();
    api.register(&["o", "f", "x"]);
    api.befriend("o", "f");
    let ok = "字".repeat(100);
    api.admin("PUT", "/user/o/contacts/users/f", &json!({ "remark": ok }))
        .ok();
    let long = "字".repeat(101);
    api.admin(
        "PUT",
        "/user/o/contacts/users/f",
        &json!({ "remark": long }),
    )
    .assert_error(400, "illegal_argument");
    let r = api.admin("PUT", "/user/o/contacts/users/x", &json!({"remark": "r"}));
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "updateRemark they are not friends, please add as a friend first."
    );
    api.admin(
        "PUT",
        "/user/o/contacts/users/ghost",
        &json!({"remark": "r"}),
    )
    .assert_error(404, "service_resource_not_found");
}

#[test]
fn import_sorts_names_into_buckets() {
    let mut c = config();
    c.apps[0].limits.friends_max = Some(2);
    let api = api_with(c);
    api.register(&["o", "a", "b", "c"]);
    let r = api.admin(
        "POST",
        "/users/o/contacts/import?isSendNotice=true",
        &json!({"usernames": ["a", "ghost", "o", "b", "c"]}),
    );
    let b = r.ok();
    assert_eq!(b["status"], "ok");
    assert_eq!(
        b["data"],
        json!({
            "success": ["a", "b"],
            "NotExistFailed": ["ghost"],
            "maxLimitFailed": ["c"],
            "UnKnowFailed": ["o"],
        })
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
    let r = api.admin(
        "POST",
        "/users/o/contacts/import",
        &json!({ "usernames": eleven }),
    );
    r.assert_error(400, "illegal_argument");
    assert_eq!(
        r.body["error_description"],
        "request user over flow limit:10."
    );
    // The owner is now at the cap.
    let r = api.admin(
        "POST",
        "/users/o/contacts/import",
        &json!({"usernames": ["c"]}),
    );
    r.assert_error(403, "exceed_limit");
    assert_eq!(r.body["error_description"], "Inviter's contact max count.");
    api.admin(
        "POST",
        "/users/ghost/contacts/import",
        &json!({"usernames": ["a"]}),
    )
    .assert_error(404, "service_resource_not_found");
}

/// The vendor's Java server SDK 2.x (`ContactApi.getContactListCall` and
/// `setContactNoteCall`, exercised by `ContactApiTest.getContactListTest` and
/// `setContactNoteTest`) asks for the paged list at `GET /users/{owner}/contacts` and sets a
/// remark with `PUT /users/{owner}/contacts/users/{friend}`: the plural spellings answer as the
/// singular ones do.
#[test]
fn plural_users_paths_for_the_paged_list_and_remarks() {
    let api = api();
    api.register(&["o", "f1", "f2", "x"]);
    api.befriend("o", "f1");
    std::thread::sleep(std::time::Duration::from_millis(2));
    api.befriend("o", "f2");
    let r = api.admin(
        "PUT",
        "/users/o/contacts/users/f1",
        &json!({"remark": "One"}),
    );
    let b = r.ok();
    assert_envelope(b, "put");
    assert_eq!(b["status"], "ok");
    let r = api.admin("PUT", "/users/o/contacts/users/x", &json!({"remark": "r"}));
    r.assert_error(400, "illegal_argument");

    let r = api.get("/users/o/contacts?limit=1&needReturnRemark=true");
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(
        b["data"]["contacts"],
        json!([{"username": "f2", "remark": null}])
    );
    assert_eq!(b["count"], 1);
    let cursor = b["data"]["cursor"].as_str().unwrap().to_owned();
    let r = api.get(&format!(
        "/users/o/contacts?limit=1&cursor={cursor}&needReturnRemark=true"
    ));
    assert_eq!(
        r.ok()["data"]["contacts"],
        json!([{"username": "f1", "remark": "One"}])
    );
    let r = api.get("/users/o/contacts?limit=51");
    r.assert_error(400, "illegal_argument");
}
