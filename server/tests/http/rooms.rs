//! Chatrooms over HTTP (spec 03 §3.1–§3.8): super admins, the room lifecycle, the
//! announcement, members (page and cursor mode, single and batch add and removal, joined
//! rooms), join and leave, admins, the block list, the allow list, mutes and mute-all. Each
//! family: its success shape and vendor errors (status and `error`), per-item batch results.

use crate::fixture::*;
use serde_json::{Value, json};

/// Registers `owner` and `members` and creates a room as the admin; returns its id.
fn room(api: &Api, owner: &str, members: &[&str]) -> String {
    let mut names = vec![owner];
    for m in members {
        if !names.contains(m) {
            names.push(m);
        }
    }
    api.register(&names);
    let mut body = json!({"name": "lobby", "description": "d", "owner": owner});
    if !members.is_empty() {
        body["members"] = json!(members);
    }
    let r = api.admin("POST", "/chatrooms", &body);
    r.ok()["data"]["id"].as_str().expect("id").to_owned()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn super_admins_add_list_remove() {
    let api = api();
    api.register(&["alice", "bob", "carol"]);
    for u in ["alice", "bob", "alice"] {
        let r = api.admin("POST", "/chatrooms/super_admin", &json!({"superadmin": u}));
        assert_envelope(r.ok(), "post");
        assert_eq!(r.body["data"]["result"], "success");
    }
    let r = api.get("/chatrooms/super_admin");
    assert_envelope(r.ok(), "get");
    assert_eq!(
        names(&r.body["data"]),
        ["alice", "bob"],
        "promotion order, no repeat"
    );
    assert_eq!(r.body["count"], 2);
    let r = api.get("/chatrooms/super_admin?pagenum=2&pagesize=1");
    assert_eq!(names(&r.ok()["data"]), ["bob"]);
    assert_eq!(r.body["count"], 1);
    // The paging parameters echoed as the vendor does (its Java SDK pages on params.pagenum).
    assert_eq!(
        r.body["params"],
        json!({"pagenum": ["2"], "pagesize": ["1"]})
    );
    assert_eq!(
        api.get("/chatrooms/super_admin?pagenum=3&pagesize=1").ok()["data"],
        json!([])
    );

    // A super admin may create a room for themself from a client; others may not.
    let alice = api.user_token("alice");
    let r = api.call(
        "POST",
        "/chatrooms",
        Some(&alice),
        &json!({"name": "a", "description": "", "owner": "alice"}),
    );
    assert!(r.ok()["data"]["id"].is_string());
    let carol = api.user_token("carol");
    api.call(
        "POST",
        "/chatrooms",
        Some(&carol),
        &json!({"name": "c", "description": "", "owner": "carol"}),
    )
    .assert_error(401, "group_authorization");

    let r = api.admin("DELETE", "/chatrooms/super_admin/alice", &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(r.body["data"]["newSuperAdmin"], "alice");
    assert_eq!(
        names(&api.get("/chatrooms/super_admin").body["data"]),
        ["bob"]
    );
    // Not a super admin any more: success, no change.
    api.admin("DELETE", "/chatrooms/super_admin/alice", &Value::Null)
        .ok();

    // Errors.
    api.admin(
        "POST",
        "/chatrooms/super_admin",
        &json!({"superadmin": "ghost"}),
    )
    .assert_error(404, "resource_not_found");
    api.admin("POST", "/chatrooms/super_admin", &json!({}))
        .assert_error(400, "invalid_parameter");
    api.admin("DELETE", "/chatrooms/super_admin/ghost", &Value::Null)
        .assert_error(404, "resource_not_found");
    api.call(
        "POST",
        "/chatrooms/super_admin",
        Some(&alice),
        &json!({"superadmin": "alice"}),
    )
    .assert_error(401, "unauthorized");
    api.call("GET", "/chatrooms/super_admin", Some(&alice), &Value::Null)
        .assert_error(401, "unauthorized");
}

#[test]
fn create_list_details_and_delete() {
    let api = api();
    let id = room(&api, "owner", &["m1", "m2", "m1", "owner"]);
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "decimal id: {id}");
    let id2 = {
        let r = api.admin(
            "POST",
            "/chatrooms",
            &json!({"name": "second", "description": "x", "owner": "m1", "maxusers": 5,
                    "custom": "c", "need_verify": true, "scale": "large"}),
        );
        assert_envelope(r.ok(), "post");
        r.body["data"]["id"].as_str().unwrap().to_owned()
    };
    assert_ne!(id, id2, "not idempotent");

    // List: ascending id, cursor only while more follow.
    let r = api.get("/chatrooms?limit=1");
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(b["count"], 1);
    assert_eq!(
        b["data"][0],
        json!({"id": id, "name": "lobby", "owner": "owner", "affiliations_count": 3,
               "disabled": false})
    );
    let cursor = b["cursor"].as_str().expect("cursor").to_owned();
    let r = api.get(&format!("/chatrooms?limit=1&cursor={cursor}"));
    assert_eq!(r.ok()["data"][0]["id"], id2.as_str());
    assert!(r.body.get("cursor").is_none(), "last page: {}", r.body);
    api.get("/chatrooms?limit=0")
        .assert_error(400, "invalid_parameter");
    api.get("/chatrooms?cursor=bogus")
        .assert_error(400, "invalid_parameter");

    // Details of several rooms, in request order.
    let r = api.get(&format!("/chatrooms/{id2},{id}"));
    let b = r.ok();
    assert_envelope(b, "get");
    assert_eq!(b["count"], 2);
    let d = &b["data"][1];
    assert_eq!(d["id"], id.as_str());
    assert_eq!(d["name"], "lobby");
    assert_eq!(d["description"], "d");
    assert_eq!(d["maxusers"], 1000);
    assert_eq!(d["owner"], "owner");
    assert_eq!(d["custom"], "");
    assert_eq!(d["mute"], false);
    assert_eq!(d["membersonly"], false);
    assert_eq!(d["allowinvites"], false);
    assert_eq!(d["public"], true);
    assert!(d["created"].is_i64());
    assert_eq!(d["affiliations_count"], 3);
    assert_eq!(
        d["affiliations"],
        json!([{"owner": "owner"}, {"member": "m1"}, {"member": "m2"}])
    );
    assert_eq!(b["data"][0]["maxusers"], 5);
    assert_eq!(b["data"][0]["custom"], "c");

    // A member may read details; an outsider may not.
    let m2 = api.user_token("m2");
    api.call("GET", &format!("/chatrooms/{id}"), Some(&m2), &Value::Null)
        .ok();
    api.call("GET", &format!("/chatrooms/{id2}"), Some(&m2), &Value::Null)
        .assert_error(401, "group_authorization");
    api.get("/chatrooms/999999999")
        .assert_error(404, "service_resource_not_found");
    api.get("/chatrooms/abc")
        .assert_error(404, "service_resource_not_found");
    let mut many: Vec<String> = (0..100).map(|_| id.clone()).collect();
    let r = api.get(&format!("/chatrooms/{}", many.join(",")));
    assert_eq!(r.ok()["count"], 100, "100 ids fit");
    many.push("x".into());
    let r = api.get(&format!("/chatrooms/{}", many.join(",")));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "chatroom ids size is more than max limit : 100"
    );

    // Delete; a second delete fails; the room is gone from the list.
    let r = api.admin("DELETE", &format!("/chatrooms/{id}"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(r.body["data"], json!({"success": true, "id": id}));
    api.admin("DELETE", &format!("/chatrooms/{id}"), &Value::Null)
        .assert_error(404, "resource_not_found");
    api.admin("DELETE", "/chatrooms/007", &Value::Null)
        .assert_error(404, "resource_not_found");
    assert_eq!(api.get("/chatrooms").ok()["count"], 1);
    // Members may not delete.
    api.call(
        "DELETE",
        &format!("/chatrooms/{id2}"),
        Some(&m2),
        &Value::Null,
    )
    .assert_error(401, "group_authorization");
}

#[test]
fn create_errors() {
    let api = api();
    api.register(&["owner", "m1"]);
    let create = |b: Value| api.admin("POST", "/chatrooms", &b);
    let r = create(json!({"description": "d", "owner": "owner"}));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(r.body["error_description"], "name must be provided");
    create(json!({"name": "n", "owner": "owner"})).assert_error(400, "invalid_parameter");
    create(json!({"name": "n", "description": "d"})).assert_error(400, "invalid_parameter");
    create(json!({"name": "n", "description": "d", "owner": "owner", "members": []}))
        .assert_error(400, "invalid_parameter");
    // Name edge: 128 chars fit, 129 do not.
    create(json!({"name": "n".repeat(128), "description": "d", "owner": "owner"})).ok();
    let r = create(json!({"name": "n".repeat(129), "description": "d", "owner": "owner"}));
    r.assert_error(403, "exceed_limit");
    assert_eq!(r.body["error_description"], "title cannot exceed to 128");
    for bad in [json!(0), json!(-5), json!(10_001), json!(5_000_000_000_i64)] {
        create(json!({"name": "n", "description": "d", "owner": "owner", "maxusers": bad}))
            .assert_error(403, "exceed_limit");
    }
    create(json!({"name": "n", "description": "d", "owner": "owner", "maxusers": "ten"}))
        .assert_error(400, "json_parse");
    let r = create(json!({"name": "n", "description": "d", "owner": "owner",
                          "members": ["m1", "ghost"]}));
    r.assert_error(404, "resource_not_found");
    assert_eq!(r.body["error_description"], "username ghost doesn't exist!");
    create(json!({"name": "n", "description": "d", "owner": "bad name"}))
        .assert_error(404, "resource_not_found");
    create(
        json!({"name": "n", "description": "d", "owner": "owner", "maxusers": 1,
                  "members": ["m1"]}),
    )
    .assert_error(403, "exceed_limit");
    api.admin("POST", "/chatrooms", &json!([1, 2]))
        .assert_error(400, "json_parse");
}

#[test]
fn update_and_transfer() {
    let api = api();
    let id = room(&api, "owner", &["m1", "m2"]);
    let p = format!("/chatrooms/{id}");
    let r = api.admin(
        "PUT",
        &p,
        &json!({"name": "new", "description": "dd", "maxusers": 50, "need_verify": false}),
    );
    assert_envelope(r.ok(), "put");
    assert_eq!(
        r.body["data"],
        json!({"groupname": true, "description": true, "maxusers": true})
    );
    let d = &api.get(&p).body["data"][0];
    assert_eq!(
        (d["name"].as_str(), d["maxusers"].as_i64()),
        (Some("new"), Some(50))
    );

    let r = api.admin("PUT", &p, &json!({"name": "x", "color": "red"}));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "some of [color] are not valid fields"
    );
    assert_eq!(api.get(&p).body["data"][0]["name"], "new", "all or nothing");
    api.admin("PUT", &p, &json!({"maxusers": 2}))
        .assert_error(403, "exceed_limit");
    let m1 = api.user_token("m1");
    api.call("PUT", &p, Some(&m1), &json!({"name": "mine"}))
        .assert_error(401, "group_authorization");
    api.admin("PUT", "/chatrooms/123456789", &json!({"name": "x"}))
        .assert_error(404, "resource_not_found");

    // Transfer.
    let r = api.admin("PUT", &p, &json!({"newowner": "m1"}));
    assert_envelope(r.ok(), "put");
    assert_eq!(r.body["data"], json!({"newowner": true}));
    assert_eq!(api.get(&p).body["data"][0]["owner"], "m1");
    api.admin("PUT", &p, &json!({"newowner": "m1"}))
        .assert_error(403, "forbidden_op");
    api.register(&["outsider"]);
    let r = api.admin("PUT", &p, &json!({"newowner": "outsider"}));
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        format!("user: outsider doesn't exist in group: {id}")
    );
    api.admin("PUT", &p, &json!({"newowner": "ghost"}))
        .assert_error(404, "resource_not_found");
    api.admin("PUT", &p, &json!({"newowner": "m2", "name": "x"}))
        .assert_error(400, "invalid_parameter");
    // The old owner is an ordinary member now.
    let owner = api.user_token("owner");
    api.call("PUT", &p, Some(&owner), &json!({"newowner": "m2"}))
        .assert_error(401, "group_authorization");
}

#[test]
fn announcement_get_set_clear() {
    let api = api();
    let id = room(&api, "owner", &["m1"]);
    api.register(&["outsider"]);
    let p = format!("/chatrooms/{id}/announcement");
    let r = api.get(&p);
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"], json!({"announcement": ""}));
    let owner = api.user_token("owner");
    let r = api.call("POST", &p, Some(&owner), &json!({"announcement": "hello"}));
    assert_envelope(r.ok(), "post");
    assert_eq!(r.body["data"], json!({"id": id, "result": true}));
    let m1 = api.user_token("m1");
    let r = api.call("GET", &p, Some(&m1), &Value::Null);
    assert_eq!(r.ok()["data"]["announcement"], "hello");
    api.admin("POST", &p, &json!({"announcement": "a".repeat(512)}))
        .ok();
    let r = api.admin("POST", &p, &json!({"announcement": "a".repeat(513)}));
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        "announce info length exceeds limit!"
    );
    api.admin("POST", &p, &json!({"announcement": ""})).ok();
    assert_eq!(api.get(&p).body["data"]["announcement"], "");
    api.admin("POST", &p, &json!({}))
        .assert_error(400, "invalid_parameter");
    api.call("POST", &p, Some(&m1), &json!({"announcement": "x"}))
        .assert_error(401, "group_authorization");
    let outsider = api.user_token("outsider");
    api.call("GET", &p, Some(&outsider), &Value::Null)
        .assert_error(401, "group_authorization");
    api.get("/chatrooms/55555/announcement")
        .assert_error(404, "resource_not_found");
}

#[test]
fn members_page_and_cursor_modes() {
    let api = api();
    let id = room(&api, "owner", &["a", "b", "c", "d"]);
    let p = format!("/chatrooms/{id}/users");
    let r = api.get(&format!("{p}?pagenum=1&pagesize=2"));
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"], json!([{"owner": "owner"}, {"member": "a"}]));
    assert_eq!(r.body["count"], 2);
    let r = api.get(&format!("{p}?pagenum=3&pagesize=2"));
    assert_eq!(r.ok()["data"], json!([{"member": "d"}]));
    assert_eq!(
        r.body["params"],
        json!({"pagenum": ["3"], "pagesize": ["2"]})
    );
    let r = api.get(&p);
    assert_eq!(r.ok()["count"], 5);
    assert!(
        r.body.get("params").is_none(),
        "no paging parameters, no echo"
    );

    // Cursor mode: the owner left out, pages chained by cursor.
    let r = api.get(&format!("{p}?version=v3&limit=3"));
    assert_eq!(names(&r.ok()["data"]), ["a", "b", "c"]);
    assert_eq!(r.body["count"], 3);
    let cur = r.body["cursor"].as_str().expect("cursor").to_owned();
    let r = api.get(&format!("{p}?version=v3&limit=3&cursor={cur}"));
    assert_eq!(names(&r.ok()["data"]), ["d"]);
    assert!(r.body.get("cursor").is_none(), "{}", r.body);
    let r = api.get(&format!("{p}?version=v3&sort=desc&limit=2"));
    assert_eq!(names(&r.ok()["data"]), ["d", "c"]);
    api.get(&format!("{p}?version=v3&cursor=nope"))
        .assert_error(400, "invalid_parameter");
    api.get(&format!("{p}?version=v3&sort=sideways"))
        .assert_error(400, "invalid_parameter");
    api.get(&format!("{p}?pagesize=x"))
        .assert_error(400, "illegal_argument");
    api.get("/chatrooms/424242/users")
        .assert_error(404, "service_resource_not_found");
    api.register(&["outsider"]);
    let t = api.user_token("outsider");
    api.call("GET", &p, Some(&t), &Value::Null)
        .assert_error(401, "group_authorization");
    let t = api.user_token("c");
    api.call("GET", &p, Some(&t), &Value::Null).ok();

    // Rooms a user joined, most recent first.
    let id2 = api
        .admin(
            "POST",
            "/chatrooms",
            &json!({"name": "two", "description": "", "owner": "owner", "members": ["a"]}),
        )
        .body["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.get("/users/a/joined_chatrooms");
    assert_envelope(r.ok(), "get");
    assert_eq!(
        r.body["data"],
        json!([{"id": id2, "name": "two", "disabled": false},
               {"id": id, "name": "lobby", "disabled": false}])
    );
    assert_eq!(r.body["count"], 2);
    let r = api.get("/users/a/joined_chatrooms?pagenum=2&pagesize=1");
    assert_eq!(r.ok()["data"][0]["id"], id.as_str());
    assert_eq!(
        r.body["params"],
        json!({"pagenum": ["2"], "pagesize": ["1"]})
    );
    assert_eq!(
        api.get("/users/ghost/joined_chatrooms").ok()["data"],
        json!([])
    );
    api.get("/users/bad%20name/joined_chatrooms")
        .assert_error(400, "illegal_argument");
}

#[test]
fn add_and_remove_members() {
    let api = api();
    let id = room(&api, "owner", &[]);
    api.register(&["a", "b", "c", "d"]);
    let p = format!("/chatrooms/{id}/users");

    let r = api.admin("POST", &format!("{p}/a"), &Value::Null);
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "add_member", "id": id, "user": "a"})
    );
    let r = api.admin("POST", &format!("{p}/a"), &Value::Null);
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        format!("can not join this group, reason:user: a already in group: {id}")
    );
    api.admin("POST", &format!("{p}/ghost"), &Value::Null)
        .assert_error(404, "resource_not_found");
    api.admin("POST", "/chatrooms/31337/users/a", &Value::Null)
        .assert_error(404, "resource_not_found");
    let a = api.user_token("a");
    api.call("POST", &format!("{p}/b"), Some(&a), &Value::Null)
        .assert_error(401, "group_authorization");

    // Batch add: members already in are skipped silently.
    let r = api.admin("POST", &p, &json!({"usernames": ["a", "b", "c"]}));
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"newmembers": ["b", "c"], "action": "add_member", "id": id})
    );
    api.admin("POST", &p, &json!({"usernames": ["d", "ghost"]}))
        .assert_error(404, "resource_not_found");
    let sixty_one: Vec<String> = (0..61).map(|i| format!("u{i}")).collect();
    let r = api.admin("POST", &p, &json!({ "usernames": sixty_one }));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "addMembers: addMembers number more than maxSize : 60"
    );
    api.admin("POST", &p, &json!({"usernames": []}))
        .assert_error(400, "invalid_parameter");
    // `null` names nobody too: the size error, not a decoding one.
    let r = api.admin("POST", &p, &json!({"usernames": null}));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "addMembers: addMembers number more than maxSize : 60"
    );

    // Remove one.
    let r = api.admin("DELETE", &format!("{p}/c"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "remove_member", "user": "c", "id": id})
    );
    api.admin("DELETE", &format!("{p}/c"), &Value::Null)
        .assert_error(403, "forbidden_op");
    let r = api.admin("DELETE", &format!("{p}/owner"), &Value::Null);
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        "forbidden operation on group owner!"
    );
    api.admin("DELETE", &format!("{p}/bad%20name"), &Value::Null)
        .assert_error(400, "illegal_argument");

    // Remove a batch: one item per distinct user, in request order.
    let r = api.admin("DELETE", &format!("{p}/a,owner,d,a"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!([
            {"result": true, "action": "remove_member", "user": "a", "id": id},
            {"result": false, "action": "remove_member", "user": "owner", "id": id,
             "reason": "forbidden operation on group owner!"},
            {"result": false, "action": "remove_member", "user": "d", "id": id,
             "reason": format!("user: d doesn't exist in group: {id}")},
        ])
    );
    // Every user not a member: the call fails.
    let r = api.admin("DELETE", &format!("{p}/c,d"), &Value::Null);
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        "users [c] are not members of this group!"
    );
    let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    api.admin("DELETE", &format!("{p}/{}", many.join(",")), &Value::Null)
        .assert_error(400, "invalid_parameter");
    assert_eq!(
        api.get(&p).body["data"],
        json!([{"owner": "owner"}, {"member": "b"}])
    );
}

#[test]
fn join_and_leave() {
    let api = api();
    let id = room(&api, "owner", &[]);
    let id2 = api
        .admin(
            "POST",
            "/chatrooms",
            &json!({"name": "other", "description": "", "owner": "owner"}),
        )
        .body["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.register(&["alice", "bob"]);
    let alice = api.user_token("alice");
    let r = api.call(
        "POST",
        &format!("/chatrooms/{id}/join"),
        Some(&alice),
        &Value::Null,
    );
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "join", "id": id, "user": "alice", "joined": true})
    );
    let r = api.call(
        "POST",
        &format!("/chatrooms/{id}/join"),
        Some(&alice),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"]["joined"], false, "already a member");
    // Joining another room, leaving the others.
    api.call(
        "POST",
        &format!("/chatrooms/{id2}/join?leave_other_rooms=true"),
        Some(&alice),
        &Value::Null,
    )
    .ok();
    let joined = api.get("/users/alice/joined_chatrooms").body["data"].clone();
    assert_eq!(
        joined,
        json!([{"id": id2, "name": "other", "disabled": false}])
    );

    let r = api.call(
        "POST",
        &format!("/chatrooms/{id2}/leave"),
        Some(&alice),
        &Value::Null,
    );
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "leave", "id": id2, "user": "alice"})
    );
    api.call(
        "POST",
        &format!("/chatrooms/{id2}/leave"),
        Some(&alice),
        &Value::Null,
    )
    .assert_error(403, "forbidden_op");
    // The admin names the user; without one it is a bad request.
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/join?username=bob"),
        &Value::Null,
    )
    .ok();
    api.admin("POST", &format!("/chatrooms/{id}/join"), &Value::Null)
        .assert_error(400, "invalid_parameter");
    // A user may not join for someone else.
    api.call(
        "POST",
        &format!("/chatrooms/{id}/leave?username=bob"),
        Some(&alice),
        &Value::Null,
    )
    .assert_error(401, "group_authorization");
    // Blocked users cannot join; unknown rooms.
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/blocks/users/bob"),
        &Value::Null,
    )
    .ok();
    let bob = api.user_token("bob");
    let r = api.call(
        "POST",
        &format!("/chatrooms/{id}/join"),
        Some(&bob),
        &Value::Null,
    );
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        format!("user: bob is in blacklist of chatroom: {id}")
    );
    api.call("POST", "/chatrooms/9999999/join", Some(&bob), &Value::Null)
        .assert_error(404, "resource_not_found");
}

#[test]
fn admins_add_list_remove() {
    let api = api();
    let id = room(&api, "owner", &["a", "b"]);
    api.register(&["outsider"]);
    let p = format!("/chatrooms/{id}/admin");
    let owner = api.user_token("owner");
    let r = api.call("POST", &p, Some(&owner), &json!({"newadmin": "a"}));
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": "success", "newadmin": "a"})
    );
    let r = api.get(&p);
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"], json!(["a"]));
    assert_eq!(r.body["count"], 1);

    let r = api.admin("POST", &p, &json!({"newadmin": "a"}));
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        format!("user a is already admin of group {id}")
    );
    api.admin("POST", &p, &json!({"newadmin": "owner"}))
        .assert_error(403, "forbidden_op");
    api.admin("POST", &p, &json!({"newadmin": "outsider"}))
        .assert_error(403, "forbidden_op");
    api.admin("POST", &p, &json!({"newadmin": "ghost"}))
        .assert_error(404, "resource_not_found");
    api.admin("POST", &p, &json!({}))
        .assert_error(400, "invalid_parameter");
    let a = api.user_token("a");
    api.call("POST", &p, Some(&a), &json!({"newadmin": "b"}))
        .assert_error(401, "group_authorization");

    let r = api.admin("DELETE", &format!("{p}/a"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!({"result": "success", "oldadmin": "a"})
    );
    let r = api.admin("DELETE", &format!("{p}/a"), &Value::Null);
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        format!("user:a is not admin of group:{id}")
    );
    assert_eq!(api.get(&p).body["data"], json!([]));
    assert_eq!(api.get(&p).body["count"], 0);
    // Still a member.
    let members = api.get(&format!("/chatrooms/{id}/users")).body["data"].clone();
    assert!(
        members
            .as_array()
            .unwrap()
            .contains(&json!({"member": "a"}))
    );
}

#[test]
fn block_list() {
    let api = api();
    let id = room(&api, "owner", &["a", "b", "c", "d"]);
    api.register(&["outsider"]);
    let p = format!("/chatrooms/{id}/blocks/users");

    let r = api.admin("POST", &format!("{p}/a"), &Value::Null);
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "add_blocks", "user": "a", "chatroomid": id})
    );
    api.admin("POST", &format!("{p}/owner"), &Value::Null)
        .assert_error(403, "forbidden_op");
    api.admin("POST", &format!("{p}/outsider"), &Value::Null)
        .assert_error(403, "forbidden_op");
    let r = api.admin("POST", &p, &json!({"usernames": null}));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "userNames is more than max limit : 60"
    );

    let r = api.admin(
        "POST",
        &p,
        &json!({"usernames": ["b", "owner", "outsider", "b"]}),
    );
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!([
            {"result": true, "action": "add_blocks", "user": "b", "chatroomid": id},
            {"result": false, "action": "add_blocks", "user": "owner", "chatroomid": id,
             "reason": "forbidden operation on group owner!"},
            {"result": false, "action": "add_blocks", "user": "outsider", "chatroomid": id,
             "reason": format!("user: outsider doesn't exist in chatroom: {id}")},
        ])
    );
    api.admin("POST", &p, &json!({"usernames": ["outsider"]}))
        .assert_error(403, "forbidden_op");
    let sixty_one: Vec<String> = (0..61).map(|i| format!("u{i}")).collect();
    api.admin("POST", &p, &json!({ "usernames": sixty_one }))
        .assert_error(400, "invalid_parameter");

    let r = api.get(&p);
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"], json!(["a", "b"]));
    assert_eq!(r.body["count"], 2);
    // Blocked users are out of the room and cannot be added back.
    let members = api.get(&format!("/chatrooms/{id}/users")).body["data"].clone();
    assert_eq!(
        members,
        json!([{"owner": "owner"}, {"member": "c"}, {"member": "d"}])
    );
    api.admin("POST", &format!("/chatrooms/{id}/users/a"), &Value::Null)
        .assert_error(403, "forbidden_op");
    // Members may not see or change the list.
    let c = api.user_token("c");
    api.call("GET", &p, Some(&c), &Value::Null)
        .assert_error(401, "group_authorization");

    // Unblock one; not blocked is an error in the single form.
    let r = api.admin("DELETE", &format!("{p}/a"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "remove_blocks", "user": "a", "chatroomid": id})
    );
    let r = api.admin("DELETE", &format!("{p}/a"), &Value::Null);
    r.assert_error(403, "forbidden_op");
    assert_eq!(
        r.body["error_description"],
        format!("user: a is not in blacklist of chatroom: {id}")
    );
    // Batch: per-item.
    let r = api.admin("DELETE", &format!("{p}/b,c"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!([
            {"result": true, "action": "remove_blocks", "user": "b", "chatroomid": id},
            {"result": false, "action": "remove_blocks", "user": "c", "chatroomid": id,
             "reason": format!("user: c is not in blacklist of chatroom: {id}")},
        ])
    );
    assert_eq!(api.get(&p).body["data"], json!([]));
    // Unblocking does not re-add membership.
    assert_eq!(api.get(&format!("/chatrooms/{id}/users")).body["count"], 3);
}

#[test]
fn allow_list() {
    let api = api();
    let id = room(&api, "owner", &["a", "b", "c"]);
    api.register(&["outsider"]);
    let p = format!("/chatrooms/{id}/white/users");

    let r = api.admin("POST", &format!("{p}/a"), &Value::Null);
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "action": "add_user_whitelist", "user": "a", "chatroomid": id})
    );
    let r = api.admin("POST", &p, &json!({"usernames": ["a", "b", "outsider"]}));
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!([
            {"result": true, "action": "add_user_whitelist", "user": "a", "chatroomid": id},
            {"result": true, "action": "add_user_whitelist", "user": "b", "chatroomid": id},
            {"result": false, "action": "add_user_whitelist", "user": "outsider",
             "chatroomid": id, "reason": format!("user: outsider doesn't exist in chatroom: {id}")},
        ])
    );
    api.admin("POST", &format!("{p}/outsider"), &Value::Null)
        .assert_error(403, "forbidden_op");
    let sixty_one: Vec<String> = (0..61).map(|i| format!("u{i}")).collect();
    let r = api.admin("POST", &p, &json!({ "usernames": sixty_one }));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "usernames size is more than max limit : 60"
    );
    api.admin("POST", &p, &json!({"usernames": ["a b"]}))
        .assert_error(400, "illegal_argument");

    let r = api.get(&p);
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"], json!(["a", "b"]));
    assert_eq!(r.body["count"], 2);
    let c = api.user_token("c");
    api.call("POST", &format!("{p}/c"), Some(&c), &Value::Null)
        .assert_error(401, "group_authorization");

    // Removal answers an array, also for one user and for users not listed.
    let r = api.admin("DELETE", &format!("{p}/a"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!([{"result": true, "action": "remove_user_whitelist", "user": "a",
                "chatroomid": id}])
    );
    let r = api.admin("DELETE", &format!("{p}/b,c"), &Value::Null);
    assert_eq!(r.ok()["data"].as_array().unwrap().len(), 2);
    assert!(
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["result"] == true)
    );
    assert_eq!(api.get(&p).body["data"], json!([]));
    api.admin("DELETE", "/chatrooms/8888888/white/users/a", &Value::Null)
        .assert_error(404, "resource_not_found");
}

#[test]
fn mutes_in_milliseconds_and_mute_all() {
    let api = api();
    let id = room(&api, "owner", &["a", "b", "c"]);
    api.register(&["outsider"]);
    let p = format!("/chatrooms/{id}/mute");

    let r = api.admin(
        "POST",
        &p,
        &json!({"usernames": ["a", "owner", "outsider"], "mute_duration": 60_000}),
    );
    assert_envelope(r.ok(), "post");
    let now = r.body["timestamp"].as_i64().unwrap();
    let items = r.body["data"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        (items[0]["result"].as_bool(), items[0]["user"].as_str()),
        (Some(true), Some("a"))
    );
    let expire = items[0]["expire"].as_i64().unwrap();
    assert!(
        (now + 59_000..=now + 61_000).contains(&expire),
        "expire is now + 60 000 ms (milliseconds, not seconds): {expire} vs {now}"
    );
    assert_eq!(
        items[1],
        json!({"result": false, "user": "owner", "reason": "forbidden operation on group owner!"})
    );
    assert_eq!(items[2]["result"], false);
    assert_eq!(
        items[2]["reason"],
        format!("user: outsider doesn't exist in chatroom: {id}")
    );

    let r = api.admin(
        "POST",
        &p,
        &json!({"usernames": ["b"], "mute_duration": -1}),
    );
    assert_eq!(
        r.ok()["data"],
        json!([{"result": true, "expire": -1, "user": "b"}])
    );
    // A short mute lapses after its milliseconds.
    api.admin(
        "POST",
        &p,
        &json!({"usernames": ["c"], "mute_duration": 300}),
    )
    .ok();
    let r = api.get(&p);
    assert_envelope(r.ok(), "get");
    let listed: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["a", "b", "c"]);
    assert_eq!(r.body["data"][0]["expire"], expire);
    assert_eq!(r.body["data"][1]["expire"], -1);
    std::thread::sleep(std::time::Duration::from_millis(400));
    let r = api.get(&p);
    assert_eq!(r.ok()["data"].as_array().unwrap().len(), 2, "{}", r.body);

    // Duration and size errors.
    for bad in [json!(0), json!(-2), json!(1.5), json!("soon")] {
        let r = api.admin(
            "POST",
            &p,
            &json!({"usernames": ["a"], "mute_duration": bad}),
        );
        r.assert_error(400, "invalid_parameter");
        assert_eq!(r.body["error_description"], "mute_duration is invalid");
    }
    api.admin("POST", &p, &json!({"usernames": ["a"]}))
        .assert_error(400, "invalid_parameter");
    api.admin("POST", &p, &json!({"usernames": [], "mute_duration": 5}))
        .assert_error(400, "invalid_parameter");
    let r = api.admin("POST", &p, &json!({"usernames": null, "mute_duration": 5}));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "userNames size is more than max limit : 60"
    );
    api.admin(
        "POST",
        &p,
        &json!({"usernames": ["outsider"], "mute_duration": 5}),
    )
    .assert_error(403, "forbidden_op");
    let a = api.user_token("a");
    api.call(
        "POST",
        &p,
        Some(&a),
        &json!({"usernames": ["b"], "mute_duration": 5}),
    )
    .assert_error(401, "group_authorization");

    // Unmute: an array, true also for users not muted.
    let r = api.admin("DELETE", &format!("{p}/a,c"), &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(
        r.body["data"],
        json!([{"result": true, "user": "a"}, {"result": true, "user": "c"}])
    );
    let r = api.admin("DELETE", &format!("{p}/b"), &Value::Null);
    assert_eq!(r.ok()["data"], json!([{"result": true, "user": "b"}]));
    assert_eq!(api.get(&p).body["data"], json!([]));

    // Mute-all.
    let ban = format!("/chatrooms/{id}/ban");
    let r = api.admin("POST", &ban, &Value::Null);
    assert_envelope(r.ok(), "post");
    assert_eq!(r.body["data"], json!({"mute": true}));
    assert_eq!(
        api.get(&format!("/chatrooms/{id}")).body["data"][0]["mute"],
        true
    );
    api.admin("POST", &ban, &Value::Null).ok();
    let r = api.admin("DELETE", &ban, &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(r.body["data"], json!({"mute": false}));
    assert_eq!(
        api.get(&format!("/chatrooms/{id}")).body["data"][0]["mute"],
        false
    );
    api.call("POST", &ban, Some(&a), &Value::Null)
        .assert_error(401, "group_authorization");
    api.admin("POST", "/chatrooms/77777777/ban", &Value::Null)
        .assert_error(404, "resource_not_found");
}

#[test]
fn deleting_a_user_deletes_their_rooms() {
    let api = api();
    let id = room(&api, "owner", &["a"]);
    api.admin("DELETE", "/users/owner", &Value::Null).ok();
    api.get(&format!("/chatrooms/{id}"))
        .assert_error(404, "service_resource_not_found");
    assert_eq!(api.get("/users/a/joined_chatrooms").ok()["data"], json!([]));
}

#[test]
fn status_reads_on_host_paths() {
    let api = api();
    let id = room(&api, "owner", &["a", "b", "c"]);
    api.register(&["outsider"]);
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/white/users/a"),
        &Value::Null,
    )
    .ok();
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/mute"),
        &json!({"usernames": ["b"], "mute_duration": -1}),
    )
    .ok();
    api.admin("POST", &format!("/chatrooms/{id}/ban"), &Value::Null)
        .ok();

    // Membership and may-speak: the allow-listed member speaks under mute-all, the muted one
    // and the plain member do not, the owner does.
    let st = |u: &str| api.get(&format!("/chatrooms/{id}/users/{u}"));
    let r = st("a");
    assert_envelope(r.ok(), "get");
    assert_eq!(
        r.body["data"],
        json!({"user": "a", "id": id, "member": true, "may_speak": true})
    );
    assert_eq!(st("b").body["data"]["may_speak"], false);
    assert_eq!(st("c").body["data"]["may_speak"], false);
    assert_eq!(st("owner").body["data"]["may_speak"], true);
    assert_eq!(
        (
            st("outsider").body["data"]["member"].as_bool(),
            st("ghost").body["data"]["member"].as_bool()
        ),
        (Some(false), Some(false))
    );
    let c = api.user_token("c");
    api.call(
        "GET",
        &format!("/chatrooms/{id}/users/c"),
        Some(&c),
        &Value::Null,
    )
    .ok();
    api.call(
        "GET",
        &format!("/chatrooms/{id}/users/a"),
        Some(&c),
        &Value::Null,
    )
    .assert_error(401, "group_authorization");

    // Allow-list status.
    let r = api.get(&format!("/chatrooms/{id}/white/users/a"));
    assert_eq!(
        r.ok()["data"],
        json!({"user": "a", "chatroomid": id, "result": true})
    );
    let r = api.call(
        "GET",
        &format!("/chatrooms/{id}/white/users/c"),
        Some(&c),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"]["result"], false);
    api.call(
        "GET",
        &format!("/chatrooms/{id}/white/users/a"),
        Some(&c),
        &Value::Null,
    )
    .assert_error(401, "group_authorization");

    // Mute status.
    let r = api.get(&format!("/chatrooms/{id}/mute/b"));
    assert_eq!(
        r.ok()["data"],
        json!({"user": "b", "muted": true, "expire": -1})
    );
    let r = api.call(
        "GET",
        &format!("/chatrooms/{id}/mute/c"),
        Some(&c),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"], json!({"user": "c", "muted": false}));
    api.get(&format!("/chatrooms/{id}/mute/ghost"))
        .assert_error(404, "resource_not_found");
}

#[test]
fn exports_on_host_paths() {
    let api = api();
    let id = room(&api, "owner", &["a", "b"]);
    api.admin(
        "POST",
        "/chatrooms/super_admin",
        &json!({"superadmin": "a"}),
    )
    .ok();
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/admin"),
        &json!({"newadmin": "a"}),
    )
    .ok();
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/mute"),
        &json!({"usernames": ["b"], "mute_duration": -1}),
    )
    .ok();
    api.admin(
        "POST",
        &format!("/chatrooms/{id}/announcement"),
        &json!({"announcement": "hi"}),
    )
    .ok();
    api.admin(
        "PUT",
        &format!("/metadata/chatroom/{id}/user/a"),
        &json!({"metaData": {"k": "v"}, "autoDelete": "NO_DELETE"}),
    )
    .ok();

    let r = api.get(&format!("/chatrooms/{id}/export"));
    assert_envelope(r.ok(), "get");
    let d = &r.body["data"];
    assert_eq!(d["details"]["id"], id.as_str());
    assert_eq!(d["details"]["affiliations_count"], 3);
    assert_eq!(d["announcement"], "hi");
    assert_eq!(d["admins"], json!(["a"]));
    assert_eq!(d["mutes"], json!([{"user": "b", "expire": -1}]));
    assert_eq!(d["blocks"], json!([]));
    assert_eq!(d["allow"], json!([]));
    assert_eq!(
        d["attributes"],
        json!([{"key": "k", "value": "v", "owner": "a", "autoDelete": "NO_DELETE"}])
    );

    let r = api.get("/users/a/chatrooms/export");
    let d = &r.ok()["data"];
    assert_eq!(d["super_admin"], true);
    assert_eq!(d["joined"], json!([id]));
    assert_eq!(
        d["rooms"],
        json!([{"id": id, "name": "lobby", "owner": false, "member": true, "admin": true,
                "muted": null, "blocked": false, "allowed": false, "attributes": {"k": "v"}}])
    );
    let a = api.user_token("a");
    api.call("GET", "/users/a/chatrooms/export", Some(&a), &Value::Null)
        .assert_error(401, "unauthorized");
    api.get("/users/ghost/chatrooms/export")
        .assert_error(404, "resource_not_found");
    api.get("/chatrooms/1234567/export")
        .assert_error(404, "service_resource_not_found");
}

/// Counts in the query below 1 or past `u32` (spec 03 §3.2 list_rooms: "`< 1` ⇒ `400
/// invalid_parameter`", "`limit` > 1000 clamps"; §3.4 members page: "`pagesize` … ≤0 ⇒
/// default"; §4.11 reaction detail: "limit 1..=50 (else "Limit exceeds the maximum quantity
/// limit")") get the engine's answer, not a parse error.
#[test]
fn negative_and_huge_counts_in_the_query() {
    let api = api();
    let id = room(&api, "owner", &["m1", "m2"]);

    let r = api.get("/chatrooms?limit=-1");
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "limit must be between 1 and 1000"
    );
    assert_eq!(api.get("/chatrooms?limit=99999999999").ok()["count"], 1);
    api.get("/chatrooms?limit=ten")
        .assert_error(400, "illegal_argument");

    let r = api.get(&format!("/chatrooms/{id}/users?pagesize=-1"));
    assert_eq!(
        r.ok()["data"],
        json!([{"owner": "owner"}, {"member": "m1"}, {"member": "m2"}])
    );
    let r = api.get(&format!("/chatrooms/{id}/users?pagenum=-3&pagesize=2"));
    assert_eq!(
        r.ok()["data"],
        json!([{"owner": "owner"}, {"member": "m1"}])
    );

    let r = api.admin(
        "POST",
        "/messages/users",
        &json!({"from": "m1", "to": ["m2"], "type": "txt", "body": {"msg": "hi"}}),
    );
    let msg = r.ok()["data"]["m2"].as_str().unwrap().to_owned();
    api.admin(
        "POST",
        "/reaction/user/m2",
        &json!({"msgId": msg, "message": "ok"}),
    )
    .ok();
    let r = api.get(&format!(
        "/reaction/user/m2/detail?msgId={msg}&message=ok&limit=-1"
    ));
    r.assert_error(400, "Bad Request");
    assert_eq!(
        r.body["error_description"],
        "Limit exceeds the maximum quantity limit"
    );
}
