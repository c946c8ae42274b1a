//! Messages over HTTP (spec 03 §4): send to users, groups and rooms, recall, offline counters,
//! the hourly export's errors, attachments uploaded as multipart and downloaded back (with
//! share secrets and the size cap), group shared files' bytes, and reactions.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::fixture::*;
use serde_json::{Value, json};

/// Sends raw request bytes; the status, the body bytes (de-chunked not needed: the host sends
/// lengths) and the body as JSON when it is JSON.
fn raw_bytes(addr: SocketAddr, req: &[u8]) -> (u16, Vec<u8>, Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let _ = s.write_all(req);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").expect("head");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = buf[split + 4..].to_vec();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, body, json)
}

const BOUNDARY: &str = "XyZboundary42";

/// A multipart upload of `bytes` as field `file` to `p`, with extra header lines.
fn upload(api: &Api, p: &str, name: &str, bytes: &[u8], extra: &str) -> (u16, Value) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut req = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n{extra}\r\n",
        path(p),
        api.admin,
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    let (s, _, j) = raw_bytes(api.addr, &req);
    (s, j)
}

fn download(api: &Api, p: &str, extra: &str) -> (u16, Vec<u8>, Value) {
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n",
        path(p)
    );
    raw_bytes(api.addr, req.as_bytes())
}

#[test]
fn send_recall_and_offline_counters() {
    let api = api();
    api.register(&["a", "b", "c"]);
    let r = api.admin(
        "POST",
        "/messages/users",
        &json!({"from": "a", "to": ["b", "c", "b"], "type": "txt", "body": {"msg": "hi"}}),
    );
    let data = r.ok()["data"].clone();
    let id = data["b"].as_str().expect("an id per target").to_owned();
    assert!(data["c"].is_string());
    assert_eq!(data.as_object().unwrap().len(), 2);
    let r = api.get("/users/b/offline_msg_count");
    assert_eq!(r.ok()["data"], json!({"b": 1}));
    let r = api.get(&format!("/users/b/offline_msg_status/{id}"));
    assert_eq!(r.ok()["data"], json!({id.clone(): "undelivered"}));
    api.get("/users/ghost/offline_msg_count")
        .assert_error(404, "service_resource_not_found");
    // Validation errors are the engine's.
    api.admin(
        "POST",
        "/messages/users",
        &json!({"to": [], "type": "txt", "body": {"msg": "x"}}),
    )
    .assert_error(400, "message_send_error");
    api.admin(
        "POST",
        "/messages/users",
        &json!({"to": ["b"], "type": "txt", "body": {"text": "x"}}),
    )
    .assert_error(400, "invalid_request_body");
    // A user token sends as that user; blocked everywhere: 403 with the first reason.
    api.admin(
        "POST",
        "/users/c/blocks/users",
        &json!({"usernames": ["a"]}),
    )
    .ok();
    let a = api.user_token("a");
    api.call(
        "POST",
        "/messages/users",
        Some(&a),
        &json!({"to": ["c"], "type": "txt", "body": {"msg": "x"}}),
    )
    .assert_error(403, "forbidden_op");
    // Recall: the same outcome as through the engine.
    let r = api.admin(
        "POST",
        "/messages/msg_recall",
        &json!({"msg_id": id, "to": "b", "chat_type": "chat"}),
    );
    assert_eq!(
        r.ok()["data"],
        json!({"msg_id": id, "recalled": "yes", "from": "admin", "to": "b", "chattype": "chat"})
    );
    assert_eq!(
        api.get("/users/b/offline_msg_count").ok()["data"],
        json!({"b": 0})
    );
    api.admin(
        "POST",
        "/messages/msg_recall",
        &json!({"msg_id": id, "to": "b", "chat_type": "chat"}),
    )
    .assert_error(403, "message_recall_error");
    let r = api.admin(
        "POST",
        "/messages/recall",
        &json!({"msgs": [{"msg_id": id, "to": "b", "chat_type": "chat"}]}),
    );
    assert_eq!(r.ok()["data"]["msgs"][0]["recalled"], "no");
    // Groups and rooms.
    let g = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "public": true, "owner": "a", "members": ["b"]}),
    );
    let gid = g.ok()["data"]["groupid"].as_str().unwrap().to_owned();
    let r = api.admin(
        "POST",
        "/messages/chatgroups",
        &json!({"to": [gid], "type": "txt", "body": {"msg": "x"}}),
    );
    assert!(r.ok()["data"][&gid].is_string());
    let r = api.admin(
        "POST",
        "/messages/chatgroups/users",
        &json!({"to": [gid], "users": ["b"], "type": "txt", "body": {"msg": "x"}}),
    );
    assert!(r.ok()["data"][&gid].is_string());
    let room = api.admin(
        "POST",
        "/chatrooms",
        &json!({"name": "r", "description": "d", "owner": "a"}),
    );
    let rid = room.ok()["data"]["id"]
        .to_string()
        .trim_matches('"')
        .to_owned();
    let r = api.admin(
        "POST",
        "/messages/chatrooms",
        &json!({"to": [rid], "type": "txt", "body": {"msg": "x"}}),
    );
    assert!(r.ok()["data"][&rid].is_string());
    api.admin(
        "POST",
        "/messages/chatrooms/broadcast",
        &json!({"msg": {"type": "txt", "msg": "x"}}),
    )
    .assert_error(403, "forbidden_op");
    // The export of an hour that has not ended.
    api.get("/chatmessages/2000010100")
        .assert_error(400, "illegal_argument");
    // Conversations.
    let r = api.admin(
        "DELETE",
        "/users/a/user_channel",
        &json!({"channel": "b", "type": "chat", "delete_roam": true}),
    );
    assert_eq!(r.ok()["data"], json!({"result": "ok"}));
    api.admin("DELETE", "/users/a/user_channel", &json!({"type": "chat"}))
        .assert_error(400, "illegal_argument");
}

#[test]
fn attachments_upload_and_download() {
    let api = api();
    let (s, j) = upload(&api, "/chatfiles", "a.png", b"PNGDATA", "");
    assert_eq!(s, 200, "{j}");
    let uuid = j["entities"][0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(j["entities"][0]["type"], "chatfile");
    let (s, bytes, _) = download(&api, &format!("/chatfiles/{uuid}"), "");
    assert_eq!((s, bytes.as_slice()), (200, &b"PNGDATA"[..]));
    // Restricted: the share secret is needed.
    let (_, j) = upload(
        &api,
        "/chatfiles",
        "s.bin",
        b"secret",
        "restrict-access: true\r\n",
    );
    let (uuid, secret) = (
        j["entities"][0]["uuid"].as_str().unwrap(),
        j["entities"][0]["share-secret"].as_str().unwrap(),
    );
    let (s, _, j) = download(&api, &format!("/chatfiles/{uuid}"), "");
    assert_eq!((s, j["error"].as_str()), (401, Some("unauthorized")));
    let (s, bytes, _) = download(
        &api,
        &format!("/chatfiles/{uuid}"),
        &format!("share-secret: {secret}\r\n"),
    );
    assert_eq!((s, bytes.as_slice()), (200, &b"secret"[..]));
    let (s, _, j) = download(&api, "/chatfiles/nope", "");
    assert_eq!((s, j["error"].as_str()), (404, Some("entity_not_found")));
    // The 10 MiB cap: n passes, n+1 is the vendor's 413.
    let max = 10 * 1024 * 1024;
    let (s, j) = upload(&api, "/chatfiles", "big", &vec![7u8; max], "");
    assert_eq!(s, 200, "{j}");
    let (s, j) = upload(&api, "/chatfiles", "big", &vec![7u8; max + 1], "");
    assert_eq!(
        (s, j["error"].as_str()),
        (413, Some("file exceeding maximum limit"))
    );
    // No file field.
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n--{BOUNDARY}--\r\n",
        path("/chatfiles"),
        api.admin,
        BOUNDARY.len() + 6
    );
    let (s, _, j) = raw_bytes(api.addr, req.as_bytes());
    assert_eq!((s, j["error"].as_str()), (400, Some("illegal_argument")));
    // No multipart body at all (spec 03 §4.10: "No file ⇒ `400 illegal_argument "file must
    // be provided."`"): no body, or a JSON one.
    for body in [Value::Null, json!({})] {
        let r = api.admin("POST", "/chatfiles", &body);
        r.assert_error(400, "illegal_argument");
        assert_eq!(r.body["error_description"], "file must be provided.");
    }
}

#[test]
fn group_files_take_multipart_and_serve_bytes() {
    let api = api();
    api.register(&["o"]);
    let g = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "public": true, "owner": "o"}),
    );
    let gid = g.ok()["data"]["groupid"].as_str().unwrap().to_owned();
    let (s, j) = upload(
        &api,
        &format!("/chatgroups/{gid}/share_files"),
        "notes.txt",
        b"hello group",
        "",
    );
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["data"]["file_name"], "notes.txt");
    assert_eq!(j["data"]["file_size"], 11);
    let fid = j["data"]["file_id"].as_str().unwrap().to_owned();
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {}\r\n\r\n",
        path(&format!("/chatgroups/{gid}/share_files/{fid}")),
        api.admin
    );
    let (s, bytes, _) = raw_bytes(api.addr, req.as_bytes());
    assert_eq!((s, bytes.as_slice()), (200, &b"hello group"[..]));
    api.admin(
        "DELETE",
        &format!("/chatgroups/{gid}/share_files/{fid}"),
        &Value::Null,
    )
    .ok();
    let (s, _, _) = raw_bytes(api.addr, req.as_bytes());
    assert_eq!(s, 404);
}

#[test]
fn reactions() {
    let api = api();
    api.register(&["a", "b"]);
    let r = api.admin(
        "POST",
        "/messages/users",
        &json!({"from": "a", "to": ["b"], "type": "txt", "body": {"msg": "hi"}}),
    );
    let id = r.ok()["data"]["b"].as_str().unwrap().to_owned();
    let r = api.admin(
        "POST",
        "/reaction/user/b",
        &json!({"msgId": id, "message": "👍"}),
    );
    assert_eq!(r.ok()["requestStatusCode"], "ok");
    assert_eq!(r.body["data"]["msgType"], "chat");
    let r = api.get(&format!("/reaction/user/a?msgIdList={id}&msgType=chat"));
    assert_eq!(r.ok()["data"][0]["reactionList"][0]["count"], 1);
    api.admin(
        "POST",
        "/reaction/user/b",
        &json!({"msgId": id, "message": "👍"}),
    )
    .assert_error(400, "Bad Request");
    let r = api.admin(
        "DELETE",
        &format!("/reaction/user/b?msgId={id}&message=%F0%9F%91%8D"),
        &Value::Null,
    );
    assert_eq!(r.ok()["data"], true);
}

#[test]
fn roaming_clears_on_the_vendor_paths() {
    let api = api();
    api.register(&["a", "b"]);
    let r = api.admin(
        "POST",
        "/messages/users",
        &json!({"from": "a", "to": ["b"], "type": "txt", "body": {"msg": "hi"}}),
    );
    let id = r.ok()["data"]["b"].as_str().unwrap().to_owned();
    let g = api.admin(
        "POST",
        "/chatgroups",
        &json!({"owner": "a", "public": false, "members": ["b"]}),
    );
    let gid = g.ok()["data"]["groupid"].as_str().unwrap().to_owned();
    let ok = |r: Resp| assert_eq!(r.ok()["requestStatusCode"], "ok", "{}", r.body);
    ok(api.admin(
        "DELETE",
        &format!("/rest/message/roaming/chat/user/a?userId=b&msgIdList={id}"),
        &Value::Null,
    ));
    ok(api.admin(
        "DELETE",
        &format!("/rest/message/roaming/group/user/a?groupId={gid}&msgIdList={id}"),
        &Value::Null,
    ));
    ok(api.admin(
        "DELETE",
        "/rest/message/roaming/chat/user/a/time?userId=b&delTime=1659014868000",
        &Value::Null,
    ));
    ok(api.admin(
        "DELETE",
        &format!("/rest/message/roaming/group/user/b/time?groupId={gid}&delTime=1659014868000"),
        &Value::Null,
    ));
    ok(api.admin(
        "POST",
        "/rest/message/roaming/user/a/delete/all",
        &Value::Null,
    ));
    // At most 50 ids a call; an unknown user is 404.
    let many: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    api.admin(
        "DELETE",
        &format!(
            "/rest/message/roaming/chat/user/a?userId=b&msgIdList={}",
            many.join(",")
        ),
        &Value::Null,
    )
    .assert_error(400, "illegal_argument");
    api.admin(
        "POST",
        "/rest/message/roaming/user/ghost/delete/all",
        &Value::Null,
    )
    .assert_error(404, "service_resource_not_found");
}

#[test]
fn the_older_send_answers_success_without_ids() {
    let api = api();
    api.register(&["a", "b"]);
    let r = api.admin(
        "POST",
        "/messages",
        &json!({"target_type": "users", "target": ["b"], "from": "a",
                "msg": {"type": "txt", "msg": "hello"}}),
    );
    assert_eq!(r.ok()["data"], json!({"b": "success"}));
    // The same send as the newer route: queued for b, stored under a's name.
    assert_eq!(
        api.get("/users/b/offline_msg_count").ok()["data"],
        json!({"b": 1})
    );
    // Groups too; the body rules are the same; an unknown target type is refused.
    let g = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "desc": "d", "public": true, "owner": "a", "members": ["b"]}),
    );
    let gid = g.ok()["data"]["groupid"].as_str().unwrap().to_owned();
    let r = api.admin(
        "POST",
        "/messages",
        &json!({"target_type": "chatgroups", "target": [gid.clone()],
                "msg": {"type": "txt", "msg": "all"}}),
    );
    assert_eq!(r.ok()["data"], json!({gid: "success"}));
    api.admin(
        "POST",
        "/messages",
        &json!({"target_type": "users", "target": ["b"], "msg": {"type": "txt", "text": "x"}}),
    )
    .assert_error(400, "invalid_request_body");
    api.admin(
        "POST",
        "/messages",
        &json!({"target_type": "people", "target": ["b"], "msg": {"type": "txt", "msg": "x"}}),
    )
    .assert_error(400, "message_send_error");
    // `useMsgId=true` asks for the ids (spec 03 §4.4: `{target: msg_id}`; the no-ID
    // variant is the default): the id is the stored message's, which recall finds.
    let r = api.admin(
        "POST",
        "/messages?useMsgId=true",
        &json!({"target_type": "users", "target": ["b"], "from": "a",
                "msg": {"type": "txt", "msg": "with id"}}),
    );
    let id = r.ok()["data"]["b"].as_str().expect("an id").to_owned();
    assert!(id.parse::<u64>().is_ok(), "a message id: {id}");
    let r = api.admin(
        "POST",
        "/messages/msg_recall",
        &json!({"msg_id": id, "to": "b", "chat_type": "chat"}),
    );
    assert_eq!(r.ok()["data"]["recalled"], "yes");
    let r = api.admin(
        "POST",
        "/messages?useMsgId=false",
        &json!({"target_type": "users", "target": ["b"], "msg": {"type": "txt", "msg": "x"}}),
    );
    assert_eq!(r.ok()["data"], json!({"b": "success"}));
    // The older spellings the vendor Java SDK sends here: `text`, `remotePath`, `exts`.
    let r = api.admin(
        "POST",
        "/messages?useMsgId=true",
        &json!({"target_type": "users", "target": ["b"], "from": "a",
                "msg": {"type": "text", "msg": "hello"}, "exts": {"timeout": 1}}),
    );
    assert!(r.ok()["data"]["b"].is_string(), "{}", r.body);
    let r = api.admin(
        "POST",
        "/messages",
        &json!({"target_type": "users", "target": ["b"],
                "msg": {"type": "img", "remotePath": "http://example/a.png", "filename": "a.png"}}),
    );
    assert_eq!(r.ok()["data"], json!({"b": "success"}));
    // `exts` is read as `ext`, so its rules apply.
    api.admin(
        "POST",
        "/messages",
        &json!({"target_type": "users", "target": ["b"],
                "msg": {"type": "txt", "msg": "x"}, "exts": "not an object"}),
    )
    .assert_error(400, "message_send_error");
    // The newer routes keep the spec's names only.
    api.admin(
        "POST",
        "/messages/users",
        &json!({"to": ["b"], "type": "text", "body": {"msg": "x"}}),
    )
    .assert_error(400, "invalid_request_body");
}
