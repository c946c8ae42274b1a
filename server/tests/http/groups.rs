//! Groups over HTTP (spec 02 §4–§10, §12): lifecycle, members, join/leave, admins, block and
//! allow lists, mutes (milliseconds) and mute-all, the announcement and member attributes.
//! Each family: its success shape and at least one vendor error; per-item batch results.

use crate::fixture::*;
use serde_json::{Value, json};

/// Registers `owner` and `members` and creates a public group as the admin; returns its id.
fn group(api: &Api, owner: &str, members: &[&str]) -> String {
    let mut names = vec![owner];
    names.extend_from_slice(members);
    api.register(&names);
    let r = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "description": "d", "public": true, "owner": owner,
                "members": members, "maxusers": 200}),
    );
    r.ok()["data"]["groupid"]
        .as_str()
        .expect("groupid")
        .to_owned()
}

#[test]
fn create_details_list_modify_transfer_destroy() {
    let api = api();
    let gid = group(&api, "owner", &["a", "b"]);
    let r = api.get(&format!("/chatgroups/{gid}"));
    assert_envelope(r.ok(), "get");
    let d = &r.body["data"][0];
    assert_eq!(d["id"], gid.as_str());
    assert_eq!(d["name"], "g");
    assert_eq!(d["public"], true);
    assert_eq!(d["maxusers"], 200);
    assert_eq!(d["owner"], "owner");
    assert_eq!(d["affiliations_count"], 3);
    assert_eq!(
        d["affiliations"],
        json!([{"owner": "owner"}, {"member": "a"}, {"member": "b"}])
    );
    // Several ids: a missing one is reported in place.
    let r = api.get(&format!("/chatgroups/{gid},999999"));
    assert_eq!(r.ok()["count"], 2);
    assert_eq!(r.body["data"][1]["id"], "999999");
    assert!(r.body["data"][1]["error"].is_string());
    api.get("/chatgroups/999999")
        .assert_error(404, "resource_not_found");

    // Create errors.
    api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "x", "public": true}),
    )
    .assert_error(400, "invalid_parameter");
    api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "x", "owner": "owner"}),
    )
    .assert_error(400, "invalid_parameter");
    api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "x", "owner": "owner", "public": true, "members": ["ghost"]}),
    )
    .assert_error(404, "resource_not_found");

    // App list.
    let r = api.get("/chatgroups?limit=10");
    assert_envelope(r.ok(), "get");
    assert_eq!(r.body["data"][0]["groupid"], gid.as_str());
    assert_eq!(r.body["data"][0]["affiliations"], 3);
    assert_eq!(r.body["data"][0]["type"], "group");
    // G3: the modification time under both of the vendor's names.
    let modified = &r.body["data"][0]["last_modified"];
    assert!(modified.is_i64(), "{modified}");
    assert_eq!(&r.body["data"][0]["lastModified"], modified);
    // Joined groups.
    let r = api.get("/chatgroups/user/a");
    assert_eq!(r.ok()["data"][0]["groupid"], gid.as_str());
    assert_eq!(r.body["total"], 1);
    // G4 as the vendor's current page shows it: the groups in `entities`.
    let e = &r.body["entities"][0];
    assert_eq!(e["groupId"], gid.as_str());
    assert_eq!(e["id"], gid.as_str());
    assert_eq!(e["name"], "g");
    assert_eq!(e["owner"], "owner");
    assert_eq!(e["description"], "d");
    assert_eq!(e["public"], true);
    assert_eq!(e["maxusers"], 200);
    assert!(e["created"].is_i64());
    assert_eq!(r.body["entities"].as_array().map(Vec::len), Some(1));
    let r = api.get("/users/a/joined_chatgroups");
    assert_eq!(r.ok()["data"], json!([{"groupid": gid, "groupname": "g"}]));
    let r = api.get(&format!("/chatgroups/{gid}/user/a/is_joined"));
    assert_eq!(r.ok()["data"], true);
    api.register(&["c"]);
    assert_eq!(
        api.get(&format!("/chatgroups/{gid}/user/c/is_joined")).ok()["data"],
        false
    );

    // Modify.
    let p = format!("/chatgroups/{gid}");
    let r = api.admin("PUT", &p, &json!({"groupname": "new", "description": "dd"}));
    assert_envelope(r.ok(), "put");
    assert_eq!(
        r.body["data"],
        json!({"groupname": true, "description": true})
    );
    assert_eq!(api.get(&p).body["data"][0]["name"], "new");
    let r = api.admin("PUT", &p, &json!({"groupname": "x", "owner": "a"}));
    r.assert_error(400, "invalid_parameter");
    assert_eq!(
        r.body["error_description"],
        "some of [owner] are not valid fields"
    );
    let a = api.user_token("a");
    api.call("PUT", &p, Some(&a), &json!({"groupname": "mine"}))
        .assert_error(403, "forbidden_op");

    // Transfer.
    let r = api.admin("PUT", &p, &json!({"newowner": "a"}));
    assert_eq!(r.ok()["data"], json!({"newowner": true}));
    assert_eq!(api.get(&p).body["data"][0]["owner"], "a");
    api.admin("PUT", &p, &json!({"newowner": "a"}))
        .assert_error(403, "forbidden_op");
    api.admin("PUT", &p, &json!({"newowner": "c"}))
        .assert_error(403, "forbidden_op");

    // Disable / enable.
    let r = api.admin("POST", &format!("{p}/disable"), &Value::Null);
    assert_eq!(r.ok()["data"], json!({"disabled": true}));
    assert_eq!(api.get(&p).body["data"][0]["disabled"], true);
    let r = api.admin("POST", &format!("{p}/enable"), &Value::Null);
    assert_eq!(r.ok()["data"], json!({"disabled": false}));

    // Destroy; twice fails.
    let r = api.admin("DELETE", &p, &Value::Null);
    assert_envelope(r.ok(), "delete");
    assert_eq!(r.body["data"], json!({"success": true, "groupid": gid}));
    api.admin("DELETE", &p, &Value::Null)
        .assert_error(404, "resource_not_found");
}

#[test]
fn members_add_remove_join_leave() {
    let api = api();
    let gid = group(&api, "owner", &["a"]);
    api.register(&["b", "c", "d"]);
    let p = format!("/chatgroups/{gid}/users");

    let r = api.admin("POST", &format!("{p}/b"), &Value::Null);
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "groupid": gid, "action": "add_member", "user": "b"})
    );
    api.admin("POST", &format!("{p}/b"), &Value::Null)
        .assert_error(403, "forbidden_op");
    api.admin("POST", &format!("{p}/ghost"), &Value::Null)
        .assert_error(404, "resource_not_found");
    let r = api.admin("POST", &p, &json!({"usernames": ["b", "c"]}));
    assert_eq!(
        r.ok()["data"],
        json!({"newmembers": ["c"], "groupid": gid, "action": "add_member"})
    );

    // Page mode and cursor mode.
    let r = api.get(&format!("{p}?pagenum=1&pagesize=10"));
    assert_envelope(r.ok(), "get");
    assert_eq!(
        r.body["data"],
        json!([{"owner": "owner"}, {"member": "a"}, {"member": "b"}, {"member": "c"}])
    );
    assert_eq!(r.body["count"], 4);
    // The query parameters echoed as the vendor does (its Java SDK pages on params.pagenum).
    assert_eq!(
        r.body["params"],
        json!({"pagenum": ["1"], "pagesize": ["10"]})
    );
    let r = api.get(&format!("{p}?version=v3&limit=2"));
    assert_eq!(r.ok()["data"], json!(["a", "b"]));
    let cur = r.body["cursor"].as_str().unwrap().to_owned();
    let r = api.get(&format!("{p}?version=v3&limit=2&cursor={cur}"));
    assert_eq!(r.ok()["data"], json!(["c"]));
    assert!(r.body.get("cursor").is_none());
    api.get("/chatgroups/999999/users")
        .assert_error(404, "service_resource_not_found");

    // Remove one and a batch.
    let r = api.admin("DELETE", &format!("{p}/c"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!({"result": true, "action": "remove_member", "user": "c", "groupid": gid})
    );
    api.admin("DELETE", &format!("{p}/owner"), &Value::Null)
        .assert_error(403, "forbidden_op");
    let r = api.admin("DELETE", &format!("{p}/b,d"), &Value::Null);
    let items = r.ok()["data"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["user"].as_str(), items[0]["result"].as_bool()),
        (Some("b"), Some(true))
    );
    assert_eq!(
        (items[1]["user"].as_str(), items[1]["result"].as_bool()),
        (Some("d"), Some(false))
    );
    assert!(items[1]["reason"].is_string());
    assert_eq!(items[0]["action"], "remove_member");
    api.admin("DELETE", &format!("{p}/c,d"), &Value::Null)
        .assert_error(403, "forbidden_op");

    // Join (public group) and leave with a user token.
    let d = api.user_token("d");
    let r = api.call(
        "POST",
        &format!("/chatgroups/{gid}/join"),
        Some(&d),
        &Value::Null,
    );
    assert_envelope(r.ok(), "post");
    assert_eq!(
        r.body["data"],
        json!({"result": true, "groupid": gid, "user": "d", "status": "joined"})
    );
    let r = api.call(
        "POST",
        &format!("/chatgroups/{gid}/leave"),
        Some(&d),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"]["result"], true);
    api.admin("POST", &format!("/chatgroups/{gid}/join"), &Value::Null)
        .assert_error(400, "invalid_parameter");
}

#[test]
fn admins_blocks_allow() {
    let api = api();
    let gid = group(&api, "owner", &["a", "b", "c"]);
    let base = format!("/chatgroups/{gid}");

    // Admins.
    let r = api.admin("POST", &format!("{base}/admin"), &json!({"newadmin": "a"}));
    assert_eq!(
        r.ok()["data"],
        json!({"result": "success", "newadmin": "a"})
    );
    let r = api.get(&format!("{base}/admin"));
    assert_eq!(r.ok()["data"], json!(["a"]));
    assert_eq!(r.body["count"], 1);
    api.admin(
        "POST",
        &format!("{base}/admin"),
        &json!({"newadmin": "ghost"}),
    )
    .assert_error(404, "resource_not_found");
    let r = api.admin("DELETE", &format!("{base}/admin/a"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!({"result": "success", "oldadmin": "a"})
    );
    api.admin("DELETE", &format!("{base}/admin/a"), &Value::Null)
        .assert_error(403, "forbidden_op");

    // Block list.
    let bp = format!("{base}/blocks/users");
    let r = api.admin("POST", &format!("{bp}/a"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!({"result": true, "action": "add_blocks", "user": "a", "groupid": gid})
    );
    api.admin("POST", &format!("{bp}/owner"), &Value::Null)
        .assert_error(403, "forbidden_op");
    let r = api.admin("POST", &bp, &json!({"usernames": ["b", "a"]}));
    let items = r.ok()["data"].as_array().unwrap().clone();
    assert_eq!(items[0]["result"], true);
    assert_eq!(items[1]["result"], false);
    assert!(items[1]["reason"].is_string());
    assert_eq!(api.get(&bp).ok()["data"], json!(["a", "b"]));
    let r = api.admin("DELETE", &format!("{bp}/a"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!({"result": true, "action": "remove_blocks", "user": "a", "groupid": gid})
    );
    let r = api.admin("DELETE", &format!("{bp}/a,b"), &Value::Null);
    let items = r.ok()["data"].as_array().unwrap().clone();
    assert_eq!(
        (items[0]["result"].as_bool(), items[1]["result"].as_bool()),
        (Some(false), Some(true))
    );

    // Allow list: the effective set lists the owner first.
    let wp = format!("{base}/white/users");
    let r = api.admin("POST", &format!("{wp}/c"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!({"result": true, "action": "add_user_whitelist", "user": "c", "groupid": gid})
    );
    assert_eq!(api.get(&wp).ok()["data"], json!(["owner", "c"]));
    let r = api.get(&format!("{wp}/c"));
    assert_eq!(r.ok()["data"]["result"], true);
    api.admin("POST", &format!("{wp}/a"), &Value::Null)
        .assert_error(403, "forbidden_op");
    let r = api.admin("DELETE", &format!("{wp}/c"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!([{"result": true, "action": "remove_user_whitelist", "user": "c", "groupid": gid}])
    );
}

#[test]
fn mutes_announcement_and_member_attributes() {
    let api = api();
    let gid = group(&api, "owner", &["a", "b"]);
    let base = format!("/chatgroups/{gid}");
    let r = api.admin(
        "POST",
        &format!("{base}/mute"),
        &json!({"usernames": ["a"], "mute_duration": 60_000}),
    );
    let now = r.body["timestamp"].as_i64().unwrap();
    let item = &r.ok()["data"][0];
    assert_eq!(
        (item["result"].as_bool(), item["user"].as_str()),
        (Some(true), Some("a"))
    );
    let exp = item["expire"].as_i64().unwrap();
    assert!(
        (now + 59_000..=now + 61_000).contains(&exp),
        "{exp} vs {now}"
    );
    api.admin(
        "POST",
        &format!("{base}/mute"),
        &json!({"usernames": ["b"], "mute_duration": -1}),
    )
    .ok();
    let r = api.get(&format!("{base}/mute"));
    assert_eq!(
        r.ok()["data"],
        json!([{"user": "a", "expire": exp}, {"user": "b", "expire": -1}])
    );
    api.admin(
        "POST",
        &format!("{base}/mute"),
        &json!({"usernames": ["owner"], "mute_duration": 5}),
    )
    .assert_error(403, "forbidden_op");
    api.admin(
        "POST",
        &format!("{base}/mute"),
        &json!({"usernames": ["a"], "mute_duration": "soon"}),
    )
    .assert_error(400, "invalid_parameter");
    let r = api.admin("DELETE", &format!("{base}/mute/a,b"), &Value::Null);
    assert_eq!(
        r.ok()["data"],
        json!([{"result": true, "user": "a"}, {"result": true, "user": "b"}])
    );
    let r = api.admin("POST", &format!("{base}/ban"), &Value::Null);
    assert_eq!(r.ok()["data"], json!({"mute": true}));
    let r = api.admin("DELETE", &format!("{base}/ban"), &Value::Null);
    assert_eq!(r.ok()["data"], json!({"mute": false}));

    // Announcement.
    let ap = format!("{base}/announcement");
    assert_eq!(api.get(&ap).ok()["data"], json!({"announcement": ""}));
    let r = api.admin("POST", &ap, &json!({"announcement": "hi"}));
    assert_eq!(r.ok()["data"], json!({"id": gid, "result": true}));
    assert_eq!(api.get(&ap).body["data"]["announcement"], "hi");
    api.admin("POST", &ap, &json!({"announcement": "x".repeat(513)}))
        .assert_error(403, "FORBIDDEN");
    api.admin("POST", &ap, &json!({}))
        .assert_error(400, "illegal_argument");

    // Member attributes.
    let mp = format!("/metadata/chatgroup/{gid}/user/a");
    let r = api.admin("PUT", &mp, &json!({"metaData": {"nick": "A"}}));
    assert_eq!(r.ok()["data"], json!({"nick": "A"}));
    assert_eq!(api.get(&mp).ok()["data"], json!({"nick": "A"}));
    let r = api.admin(
        "POST",
        &format!("/metadata/chatgroup/{gid}/get"),
        &json!({"targets": ["a", "b"], "properties": ["nick"]}),
    );
    assert_eq!(r.ok()["data"], json!({"a": {"nick": "A"}}));
    let r = api.admin(
        "PUT",
        &format!("/metadata/chatgroup/{gid}/users/batch"),
        &json!([{"username": "b", "metadata": {"nick": "B"}}]),
    );
    assert_eq!(
        r.ok()["data"]["succeeded"],
        json!([{"username": "b", "metadata": {"nick": "B"}}])
    );
    // T2 under the names of the vendor's current page too.
    assert_eq!(
        r.body["data"]["updateMetadataSucceeded"],
        json!([{"username": "b", "metadata": {"nick": "B"}}])
    );
    assert_eq!(r.body["data"]["updateMetadataFailed"], json!([]));
    api.register(&["outsider"]);
    api.admin(
        "PUT",
        &format!("/metadata/chatgroup/{gid}/user/outsider"),
        &json!({"metaData": {"nick": "O"}}),
    )
    .assert_error(404, "MetadataException");
}

#[test]
fn requests_invitations_speak_and_files() {
    let api = api();
    api.register(&["owner", "a", "b", "c", "d"]);
    let r = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "public": true, "membersonly": true, "allowinvites": false,
                "invite_need_confirm": true, "owner": "owner", "members": ["a"]}),
    );
    let gid = r.ok()["data"]["groupid"].as_str().unwrap().to_owned();
    let base = format!("/chatgroups/{gid}");

    // A members-only group: joining is a request the owner approves or declines.
    let b = api.user_token("b");
    let r = api.call("POST", &format!("{base}/join"), Some(&b), &Value::Null);
    assert_eq!(r.ok()["data"]["status"], "pending");
    let c = api.user_token("c");
    api.call("POST", &format!("{base}/join"), Some(&c), &Value::Null)
        .ok();
    let r = api.get(&format!("{base}/requests"));
    assert_eq!(
        r.ok()["data"],
        json!({"applications": ["b", "c"], "invitations": []})
    );
    let owner = api.user_token("owner");
    let r = api.call(
        "POST",
        &format!("{base}/requests/b/approve"),
        Some(&owner),
        &Value::Null,
    );
    assert_eq!(
        r.ok()["data"],
        json!({"result": true, "groupid": gid, "user": "b", "status": "joined"})
    );
    api.call(
        "POST",
        &format!("{base}/requests/c/decline"),
        Some(&owner),
        &Value::Null,
    )
    .ok();
    api.call(
        "POST",
        &format!("{base}/requests/c/approve"),
        Some(&owner),
        &Value::Null,
    )
    .assert_error(400, "invalid_parameter");
    api.admin("POST", &format!("{base}/requests/c/accept"), &Value::Null)
        .assert_error(404, "service_resource_not_found");

    // Invitations that need confirmation.
    let r = api.call(
        "POST",
        &format!("{base}/invite"),
        Some(&owner),
        &json!({"usernames": ["d"]}),
    );
    assert_eq!(r.ok()["data"], json!({"joined": [], "invited": ["d"]}));
    let d = api.user_token("d");
    let r = api.call(
        "POST",
        &format!("{base}/invitations/d/accept"),
        Some(&d),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"]["status"], "joined");
    api.call(
        "POST",
        &format!("{base}/invitations/a/accept"),
        Some(&d),
        &Value::Null,
    )
    .assert_error(403, "forbidden_op");
    let r = api.call(
        "POST",
        &format!("{base}/invite"),
        Some(&b),
        &json!({"usernames": ["c"]}),
    );
    r.assert_error(403, "forbidden_op");

    // The send rule.
    api.admin(
        "POST",
        &format!("{base}/mute"),
        &json!({"usernames": ["a"], "mute_duration": -1}),
    )
    .ok();
    let r = api.get(&format!("{base}/users/a"));
    assert_eq!(
        r.ok()["data"],
        json!({"user": "a", "groupid": gid, "may_speak": false, "reason": "muted",
               "expire": -1})
    );
    assert_eq!(
        api.get(&format!("{base}/users/b")).body["data"]["may_speak"],
        true
    );
    assert_eq!(
        api.get(&format!("{base}/users/c")).body["data"]["reason"],
        "not_member"
    );
    let r = api.get(&format!("{base}/speakers"));
    assert_eq!(r.ok()["data"], json!(["owner", "b", "d"]));
    api.call("GET", &format!("{base}/speakers"), Some(&b), &Value::Null)
        .assert_error(403, "forbidden_op");

    // Shared files (metadata).
    let fp = format!("{base}/share_files");
    let r = api.call(
        "POST",
        &fp,
        Some(&b),
        &json!({"file_name": "a.txt", "file_size": 12}),
    );
    let f = r.ok()["data"].clone();
    assert_eq!(f["file_name"], "a.txt");
    assert_eq!(f["file_owner"], "b");
    assert_eq!(f["file_size"], 12);
    let fid = f["file_id"].as_str().unwrap().to_owned();
    // F2: the answer names where the file is downloaded (`data.file_url`).
    let url = f["file_url"].as_str().expect("file_url");
    assert!(url.starts_with("http://"), "{url}");
    assert!(url.ends_with(&format!("/{ORG}/{APP}{fp}/{fid}")), "{url}");
    assert_eq!(api.get(&fp).ok()["data"], json!([f]));
    assert_eq!(api.get(&format!("{fp}/{fid}")).ok()["data"], f);
    api.admin("POST", &fp, &json!({"file_size": 1}))
        .assert_error(400, "IllegalArgumentException");
    api.admin(
        "POST",
        &fp,
        &json!({"file_name": "big", "file_size": 10 * 1024 * 1024 + 1}),
    )
    .assert_error(413, "request_entity_too_large");
    let r = api.admin("DELETE", &format!("{fp}/{fid}"), &Value::Null);
    assert_eq!(r.ok()["data"]["result"], true);
    api.get(&format!("{fp}/{fid}"))
        .assert_error(404, "resource_not_found");
}

/// Sends `body` with `Content-Type: application/octet-stream`; or, with an empty body and
/// `accept`, asks for bytes. Returns the status and the raw body.
fn octets(api: &Api, method: &str, p: &str, body: &[u8], accept: bool) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(api.addr).unwrap();
    let mut req = format!(
        "{method} {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n",
        path(p),
        api.admin,
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/octet-stream\r\n");
    }
    if accept {
        req.push_str("Accept: application/octet-stream\r\n");
    }
    req.push_str("\r\n");
    // The server may answer (and stop reading) before a large body is fully sent.
    let _ = s.write_all(req.as_bytes()).and_then(|()| s.write_all(body));
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = std::str::from_utf8(&buf[9..12]).unwrap().parse().unwrap();
    (status, buf[split + 4..].to_vec())
}

#[test]
fn shared_file_bytes_are_kept_served_and_deleted() {
    let api = api();
    let gid = group(&api, "owner", &["a"]);
    let fp = format!("/chatgroups/{gid}/share_files");
    // 2 MiB: past the 1 MiB JSON body limit, within the 10 MiB file cap.
    let bytes: Vec<u8> = (0..2 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let (st, body) = octets(
        &api,
        "POST",
        &format!("{fp}?file_name=big.bin"),
        &bytes,
        false,
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let f: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(f["data"]["file_name"], "big.bin");
    assert_eq!(f["data"]["file_size"], bytes.len());
    let fid = f["data"]["file_id"].as_str().unwrap().to_owned();
    // Reading the file serves its bytes.
    let (st, got) = octets(&api, "GET", &format!("{fp}/{fid}"), b"", true);
    assert_eq!(st, 200);
    assert!(got == bytes, "the same bytes back");
    // A metadata-only file has no bytes: reading it answers its metadata.
    let r = api.admin("POST", &fp, &json!({"file_name": "m.txt", "file_size": 3}));
    let meta_id = r.ok()["data"]["file_id"].as_str().unwrap().to_owned();
    let (st, got) = octets(&api, "GET", &format!("{fp}/{meta_id}"), b"", true);
    assert_eq!(st, 200);
    let meta: Value = serde_json::from_slice(&got).unwrap();
    assert_eq!(meta["data"]["file_name"], "m.txt");
    // No name: the engine's error, nothing stored.
    assert_eq!(octets(&api, "POST", &fp, b"abc", false).0, 400);
    assert_eq!(api.get(&fp).ok()["data"].as_array().unwrap().len(), 2);
    // Over the app's cap (4 KiB here): 413, nothing stored.
    let mut c = config();
    c.apps[0].limits.groups.file_bytes_max = 4096;
    let small = api_with(c);
    let sg = group(&small, "owner", &[]);
    let sp = format!("/chatgroups/{sg}/share_files?file_name=x");
    assert_eq!(octets(&small, "POST", &sp, &[7u8; 4097], false).0, 413);
    assert_eq!(octets(&small, "POST", &sp, &[7u8; 4096], false).0, 200);
    // Deleting the file deletes its bytes.
    api.admin("DELETE", &format!("{fp}/{fid}"), &Value::Null)
        .ok();
    assert_eq!(
        octets(&api, "GET", &format!("{fp}/{fid}"), b"", true).0,
        404
    );
}

/// The vendor's group pages show `entities: []` in every answer of the group calls
/// (lifecycle, members, admins, lists, mutes, announcement, files); so does the host.
#[test]
fn group_answers_carry_empty_entities() {
    let api = api();
    let gid = group(&api, "owner", &["a", "b", "c"]);
    let base = format!("/chatgroups/{gid}");
    let calls: Vec<(&str, String, Value)> = vec![
        ("GET", base.clone(), Value::Null),
        ("PUT", base.clone(), json!({"description": "x"})),
        ("GET", format!("{base}/users"), Value::Null),
        ("POST", format!("{base}/admin"), json!({"newadmin": "a"})),
        ("GET", format!("{base}/admin"), Value::Null),
        ("DELETE", format!("{base}/admin/a"), Value::Null),
        ("POST", format!("{base}/blocks/users/c"), Value::Null),
        ("GET", format!("{base}/blocks/users"), Value::Null),
        ("DELETE", format!("{base}/blocks/users/c"), Value::Null),
        ("POST", format!("{base}/users/c"), Value::Null),
        ("POST", format!("{base}/white/users/b"), Value::Null),
        ("GET", format!("{base}/white/users"), Value::Null),
        ("DELETE", format!("{base}/white/users/b"), Value::Null),
        (
            "POST",
            format!("{base}/mute"),
            json!({"usernames": ["b"], "mute_duration": 60000}),
        ),
        ("GET", format!("{base}/mute"), Value::Null),
        ("DELETE", format!("{base}/mute/b"), Value::Null),
        ("POST", format!("{base}/ban"), Value::Null),
        ("DELETE", format!("{base}/ban"), Value::Null),
        ("DELETE", format!("{base}/users/c"), Value::Null),
        (
            "POST",
            format!("{base}/announcement"),
            json!({"announcement": "hi"}),
        ),
        ("GET", format!("{base}/announcement"), Value::Null),
        ("PUT", base.clone(), json!({"newowner": "b"})),
        ("POST", format!("{base}/disable"), Value::Null),
        ("POST", format!("{base}/enable"), Value::Null),
        ("DELETE", base.clone(), Value::Null),
    ];
    for (method, p, body) in calls {
        let r = api.admin(method, &p, &body);
        assert_eq!(r.ok()["entities"], json!([]), "{method} {p}: {}", r.body);
    }
}

/// G1: a custom group id of digits only is taken as given (spec OPEN 16: 1–64 chars of
/// `[0-9A-Za-z_-]`; the vendor's SDK test `customIdCreateGroupTest` creates "123456666"), and
/// a second create with it is `GROUP_ID_EXISTS`.
#[test]
fn an_all_digit_custom_group_id() {
    let api = api();
    api.register(&["owner"]);
    let body = json!({"groupid": "123456666", "groupname": "g", "public": true, "owner": "owner"});
    let r = api.admin("POST", "/chatgroups", &body);
    assert_eq!(r.ok()["data"]["groupid"], "123456666");
    assert_eq!(
        api.get("/chatgroups/123456666").ok()["data"][0]["id"],
        "123456666"
    );
    api.admin("POST", "/chatgroups", &body)
        .assert_error(400, "illegal_argument");
}

/// The vendor's Java server SDK creates groups with `desc` and `members_only`
/// (`CreateGroupRequest`) and modifies them with `name` and `need_verify`
/// (`UpdateGroupRequest`); the host reads those names as the current ones.
#[test]
fn java_sdk_create_and_modify_spellings() {
    let api = api();
    api.register(&["owner", "a"]);
    let r = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "desc": "from desc", "public": true, "owner": "owner",
                "members": ["a"], "maxusers": 200, "allowinvites": false,
                "members_only": true, "invite_need_confirm": false, "custom": "c",
                "need_verify": true}),
    );
    let gid = r.ok()["data"]["groupid"]
        .as_str()
        .expect("groupid")
        .to_owned();
    let p = format!("/chatgroups/{gid}");
    let d = api.get(&p).ok()["data"][0].clone();
    assert_eq!(d["description"], "from desc");
    assert_eq!(d["membersonly"], true);

    let r = api.admin(
        "PUT",
        &p,
        &json!({"name": "renamed", "description": "dd", "need_verify": false}),
    );
    assert_eq!(
        r.ok()["data"],
        json!({"groupname": true, "description": true})
    );
    let d = api.get(&p).ok()["data"][0].clone();
    assert_eq!(d["name"], "renamed");
    assert_eq!(d["description"], "dd");
    // The current names still win, and a stranger field is still refused.
    let r = api.admin("PUT", &p, &json!({"groupname": "cur", "name": "old"}));
    r.ok();
    assert_eq!(api.get(&p).ok()["data"][0]["name"], "cur");
    api.admin("PUT", &p, &json!({"name": "x", "owner": "a"}))
        .assert_error(400, "invalid_parameter");
}
