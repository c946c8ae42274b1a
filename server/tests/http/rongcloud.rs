//! The RongCloud Server API face (spec 04; issue 13) over HTTP: signed requests shaped as
//! RongCloud's server SDKs send them (form bodies with repeated keys, JSON for the tag routes),
//! the `{"code": ...}` answers, every signature failure (`1004`), the §13 codes, and the state
//! shared with the Easemob face.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::fixture::*;

/// Seconds since the epoch, as the SDKs send `Timestamp`.
fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(secret: &str, nonce: &str, ts: &str) -> String {
    let mut h = Sha1::new();
    h.update(secret.as_bytes());
    h.update(nonce.as_bytes());
    h.update(ts.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A request with the given signature headers (`None`: left out) and body.
fn raw_signed(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, Option<String>)],
    content_type: &str,
    body: &[u8],
) -> Resp {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        if let Some(v) = v {
            r.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// The headers RongCloud's SDKs send for `secret`.
fn headers(key: &str, secret: &str, ts: i64) -> Vec<(&'static str, Option<String>)> {
    let nonce = format!("{}", ts.rem_euclid(1_000_003));
    let ts = ts.to_string();
    vec![
        ("App-Key", Some(key.to_owned())),
        ("Nonce", Some(nonce.clone())),
        ("Timestamp", Some(ts.clone())),
        ("Signature", Some(sign(secret, &nonce, &ts))),
    ]
}

/// A correctly signed form POST.
fn post(addr: SocketAddr, path: &str, form: &str) -> Resp {
    raw_signed(
        addr,
        path,
        &headers(CLIENT_ID, CLIENT_SECRET, now_secs()),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    )
}

/// A correctly signed JSON POST.
fn post_json(addr: SocketAddr, path: &str, body: &Value) -> Resp {
    raw_signed(
        addr,
        path,
        &headers(CLIENT_ID, CLIENT_SECRET, now_secs()),
        "application/json",
        body.to_string().as_bytes(),
    )
}

#[track_caller]
fn ok(r: &Resp) -> &Value {
    assert_eq!(r.status, 200, "body: {}", r.body);
    assert_eq!(r.body["code"], 200, "body: {}", r.body);
    &r.body
}

#[track_caller]
fn code(r: &Resp, status: u16, code: u16) {
    assert_eq!(
        (r.status, &r.body["code"]),
        (status, &json!(code)),
        "body: {}",
        r.body
    );
    assert!(r.body["errorMessage"].is_string(), "body: {}", r.body);
}

/// A signed form POST that must succeed; its answer.
#[track_caller]
fn done(addr: SocketAddr, path: &str, form: &str) -> Value {
    ok(&post(addr, path, form)).clone()
}

/// A signed JSON POST that must succeed; its answer.
#[track_caller]
fn done_json(addr: SocketAddr, path: &str, body: &Value) -> Value {
    ok(&post_json(addr, path, body)).clone()
}

/// A signed form POST that must be refused with `status` and RongCloud `code`.
#[track_caller]
fn refused(addr: SocketAddr, path: &str, form: &str, status: u16, rc: u16) {
    code(&post(addr, path, form), status, rc);
}

/// A signed JSON POST that must be refused with `status` and RongCloud `code`.
#[track_caller]
fn refused_json(addr: SocketAddr, path: &str, body: &Value, status: u16, rc: u16) {
    code(&post_json(addr, path, body), status, rc);
}

fn token(addr: SocketAddr, user: &str) -> String {
    let r = post(
        addr,
        "/user/getToken.json",
        &format!("userId={user}&name=N{user}&portraitUri=http%3A%2F%2Fimg%2F{user}.png"),
    );
    ok(&r)["token"].as_str().unwrap().to_owned()
}

fn with_limits(limits: imcore::Limits) -> Api {
    let mut c = config();
    c.apps[0].limits = limits;
    api_with(c)
}

/// A server whose app is forced into allow-list mode (every user's `whiteSetting` is on).
fn forced_allowlist() -> Api {
    with_limits(imcore::Limits {
        lifecycle: imcore::LifecycleLimits {
            force_allowlist_mode: true,
            ..Default::default()
        },
        ..imcore::Limits::default()
    })
}

// ---- signatures (1004) ----

#[test]
fn signature_failures_are_1004_before_the_body_is_read() {
    let api = api();
    let form = b"userId=a&name=A";
    let path = "/user/getToken.json";
    let ct = "application/x-www-form-urlencoded";
    let now = now_secs();
    // Each header missing in turn.
    for i in 0..4 {
        let mut h = headers(CLIENT_ID, CLIENT_SECRET, now);
        h[i].1 = None;
        code(&raw_signed(api.addr, path, &h, ct, form), 401, 1004);
    }
    // A wrong secret, an unknown app key, a stale and a future timestamp, a bad timestamp.
    code(
        &raw_signed(api.addr, path, &headers(CLIENT_ID, "wrong", now), ct, form),
        401,
        1004,
    );
    code(
        &raw_signed(
            api.addr,
            path,
            &headers("nope", CLIENT_SECRET, now),
            ct,
            form,
        ),
        401,
        1004,
    );
    code(
        &raw_signed(
            api.addr,
            path,
            &headers(CLIENT_ID, CLIENT_SECRET, now - 301),
            ct,
            form,
        ),
        401,
        1004,
    );
    code(
        &raw_signed(
            api.addr,
            path,
            &headers(CLIENT_ID, CLIENT_SECRET, now + 301),
            ct,
            form,
        ),
        401,
        1004,
    );
    let mut h = headers(CLIENT_ID, CLIENT_SECRET, now);
    h[2].1 = Some("soon".into());
    code(&raw_signed(api.addr, path, &h, ct, form), 401, 1004);
    // A tampered signature with a body that would itself be refused: the signature answers.
    let mut h = headers(CLIENT_ID, CLIENT_SECRET, now);
    h[3].1 = Some("0".repeat(40));
    code(
        &raw_signed(api.addr, path, &h, "application/json", b"{not json"),
        401,
        1004,
    );
    // Nothing was registered.
    api.get("/users/a")
        .assert_error(404, "service_resource_not_found");
    // Within the window, upper-case hex and millisecond timestamps pass.
    ok(&raw_signed(
        api.addr,
        path,
        &headers(CLIENT_ID, CLIENT_SECRET, now - 290),
        ct,
        form,
    ));
    let mut h = headers(CLIENT_ID, CLIENT_SECRET, now);
    h[3].1 = h[3].1.take().map(|s| s.to_ascii_uppercase());
    ok(&raw_signed(api.addr, path, &h, ct, form));
    ok(&raw_signed(
        api.addr,
        path,
        &headers(CLIENT_ID, CLIENT_SECRET, now * 1000),
        ct,
        form,
    ));
}

/// The bodies RongCloud's Python SDK (`rc-server-sdk` 3.2.0, `rongcloud/user.py`) renders
/// with its templates, byte for byte: values are not percent-encoded (raw spaces, UTF-8, `:`
/// and `/`), empty optional fields are sent empty, lists repeat their key, the tag routes
/// send JSON and the block query an empty body.
#[test]
fn the_python_sdk_request_bodies_byte_for_byte() {
    let api = api();
    let sdk = |path: &str, body: &str| {
        let json = serde_json::from_str::<Value>(body).is_ok();
        raw_signed(
            api.addr,
            path,
            &headers(CLIENT_ID, CLIENT_SECRET, now_secs()),
            if json {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
            body.as_bytes(),
        )
    };
    let r = sdk(
        "/user/getToken.json",
        "userId=alice&name=Alice Liddell&portraitUri=http://img/a.png",
    );
    assert_eq!(ok(&r)["userId"], "alice");
    ok(&sdk(
        "/user/getToken.json",
        "userId=bob&name=张三&portraitUri=",
    ));
    ok(&sdk(
        "/user/refresh.json",
        "userId=alice&name=&portraitUri=",
    ));
    let info = sdk("/user/info.json", "userId=alice");
    assert_eq!(ok(&info)["userName"], "Alice Liddell");
    assert_eq!(info.body["userPortrait"], "http://img/a.png");
    assert_eq!(
        ok(&sdk("/user/info.json", "userId=bob"))["userName"],
        "张三"
    );
    ok(&sdk(
        "/user/block.json",
        "userId=alice&userId=bob&minute=10",
    ));
    let q = sdk("/user/block/query.json", "");
    assert_eq!(ok(&q)["users"].as_array().unwrap().len(), 2);
    ok(&sdk("/user/unblock.json", "userId=alice&userId=bob"));
    ok(&sdk(
        "/user/blacklist/add.json",
        "userId=alice&blackUserId=bob",
    ));
    assert_eq!(
        ok(&sdk("/user/blacklist/query.json", "userId=alice"))["users"],
        json!(["bob"])
    );
    ok(&sdk(
        "/user/whitelist/add.json",
        "userId=alice&whiteUserId=bob",
    ));
    ok(&sdk(
        "/user/tag/set.json",
        r#"{"userId":"alice","tags":["vip","cn"]}"#,
    ));
    ok(&sdk(
        "/user/tag/batch/set.json",
        r#"{"userIds":["alice","bob"],"tags":["beta"]}"#,
    ));
    assert_eq!(
        ok(&sdk("/user/tags/get.json", "userIds=alice&userIds=bob"))["result"],
        json!({"alice": ["beta"], "bob": ["beta"]})
    );
    assert_eq!(
        ok(&sdk("/user/checkOnline.json", "userId=alice"))["status"],
        "0"
    );
}

// ---- §1 registration, §6 profile, §8 online, shared state ----

#[test]
fn get_token_registers_a_user_both_faces_see() {
    let api = api();
    let r = post(
        api.addr,
        "/user/getToken.json",
        "userId=alice&name=Alice&portraitUri=http%3A%2F%2Fimg%2Fa.png",
    );
    let b = ok(&r);
    assert_eq!(b["userId"], "alice");
    let t1 = b["token"].as_str().unwrap().to_owned();
    assert!(t1.len() <= 256);
    // Again: a fresh token; the name is overwritten.
    let r = post(
        api.addr,
        "/user/getToken.json",
        "userId=alice&name=%E5%BC%A0%E4%B8%89",
    );
    assert_ne!(ok(&r)["token"].as_str().unwrap(), t1);
    let info = post(api.addr, "/user/info.json", "userId=alice");
    let b = ok(&info);
    assert_eq!(b["userName"], "张三");
    assert_eq!(b["userPortrait"], "http://img/a.png");
    let ct = b["createTime"].as_str().unwrap();
    assert_eq!(ct.len(), 19, "{ct}");
    // The Easemob face sees the same user, with the push name as nickname.
    let u = api.get("/users/alice");
    assert_eq!(u.ok()["entities"][0]["nickname"], "张三");
    // Refresh: the portrait only; the name stays.
    done(
        api.addr,
        "/user/refresh.json",
        "userId=alice&portraitUri=http%3A%2F%2Fimg%2Fb.png",
    );
    let b = post(api.addr, "/user/info.json", "userId=alice");
    assert_eq!(ok(&b)["userName"], "张三");
    assert_eq!(b.body["userPortrait"], "http://img/b.png");
    // Online status.
    assert_eq!(
        done(api.addr, "/user/checkOnline.json", "userId=alice")["status"],
        "0"
    );
}

#[test]
fn registration_errors() {
    let api = with_limits(imcore::Limits {
        users_max: Some(1),
        ..imcore::Limits::default()
    });
    refused(api.addr, "/user/getToken.json", "name=A", 400, 1002);
    refused(api.addr, "/user/getToken.json", "userId=a", 400, 1002);
    refused(
        api.addr,
        "/user/getToken.json",
        "userId=bad%20id&name=A",
        400,
        1002,
    );
    let long = "n".repeat(65);
    refused(
        api.addr,
        "/user/getToken.json",
        &format!("userId=a&name={long}"),
        400,
        1002,
    );
    let p = "p".repeat(1025);
    refused(
        api.addr,
        "/user/getToken.json",
        &format!("userId=a&name=A&portraitUri={p}"),
        400,
        1002,
    );
    done(api.addr, "/user/getToken.json", "userId=a&name=A");
    // The app's user cap: RongCloud's 2007.
    refused(
        api.addr,
        "/user/getToken.json",
        "userId=b&name=B",
        400,
        2007,
    );
    refused(api.addr, "/user/info.json", "userId=ghost", 400, 1002);
    // An empty name leaves the name as it is (SDKs send empty optional fields).
    done(api.addr, "/user/refresh.json", "userId=a&name=");
}

// ---- §2 revocation ----

#[test]
fn token_expire() {
    let api = api();
    token(api.addr, "a");
    let ms = now_secs() * 1000;
    done(
        api.addr,
        "/user/token/expire.json",
        &format!("userId=a&time={ms}"),
    );
    refused(api.addr, "/user/token/expire.json", "userId=a", 400, 1002);
    refused(
        api.addr,
        "/user/token/expire.json",
        "userId=a&time=soon",
        400,
        1002,
    );
    let many: String = (0..21).map(|i| format!("userId=u{i}&")).collect();
    refused(
        api.addr,
        "/user/token/expire.json",
        &format!("{many}time={ms}"),
        400,
        1002,
    );
}

// ---- §7 timed login blocks ----

#[test]
fn block_unblock_and_query() {
    let api = api();
    token(api.addr, "a");
    token(api.addr, "b");
    refused(api.addr, "/user/block.json", "userId=a&minute=0", 400, 1002);
    refused(
        api.addr,
        "/user/block.json",
        "userId=a&minute=43201",
        400,
        1002,
    );
    refused(api.addr, "/user/block.json", "userId=a", 400, 1002);
    refused(
        api.addr,
        "/user/block.json",
        "userId=ghost&minute=5",
        400,
        1002,
    );
    done(api.addr, "/user/block.json", "userId=a&minute=43200");
    // The Python SDK repeats the key; the ids may also come comma-separated.
    done(api.addr, "/user/block.json", "userId=b&minute=10");
    let q = post(api.addr, "/user/block/query.json", "");
    let users = ok(&q)["users"].as_array().unwrap().clone();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["userId"], "a");
    assert_eq!(users[1]["userId"], "b");
    assert_eq!(users[0]["blockEndTime"].as_str().unwrap().len(), 19);
    let q = post(api.addr, "/user/block/query.json", "page=2&size=1");
    assert_eq!(ok(&q)["users"][0]["userId"], "b");
    refused(
        api.addr,
        "/user/block/query.json",
        "page=1&size=0",
        400,
        1002,
    );
    // Spec 04 §7: `page` absent or 0 is the unpaged list, whatever `size` says.
    for form in ["page=0&size=0", "size=0", "page=0&size=5000"] {
        let q = post(api.addr, "/user/block/query.json", form);
        assert_eq!(ok(&q)["users"].as_array().unwrap().len(), 2, "{form}");
    }
    done(api.addr, "/user/unblock.json", "userId=a&userId=b");
    let q = post(api.addr, "/user/block/query.json", "");
    assert_eq!(ok(&q)["users"], json!([]));
}

// ---- connect-time token check (§1, §2, §7, §3 through one gateway route) ----

#[test]
fn token_check_follows_revocation_blocks_and_closure() {
    let api = api();
    let first = token(api.addr, "a");
    let check = |t: &str| post(api.addr, "/user/token/check.json", &format!("token={t}"));
    assert_eq!(ok(&check(&first))["userId"], "a");
    code(&check("garbage"), 400, 31004);
    code(&check(&first.replace('.', ".9")), 400, 31004);
    refused(api.addr, "/user/token/check.json", "", 400, 1002);
    // §15.1 over HTTP: revoke before the second grant; the first fails, the second passes.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let second = token(api.addr, "a");
    let issued: i64 = second.split('.').nth(1).unwrap().parse().unwrap();
    done(
        api.addr,
        "/user/token/expire.json",
        &format!("userId=a&time={issued}"),
    );
    code(&check(&first), 400, 31004);
    ok(&check(&second));
    // A login block, then a closure.
    done(api.addr, "/user/block.json", "userId=a&minute=1");
    let r = check(&second);
    code(&r, 400, 31009);
    assert!(
        r.body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("blockEndTime")
    );
    done(api.addr, "/user/unblock.json", "userId=a");
    ok(&check(&second));
    done(api.addr, "/user/deactivate.json", "userId=a");
    code(&check(&second), 400, 31029);
    // Another secret (a rotated one) fails every token minted with the old one.
    let mut c = config();
    c.apps[0].client_secret = "another".into();
    let other = start(c);
    let signed = |path: &str, form: &str| {
        raw_signed(
            other,
            path,
            &headers(CLIENT_ID, "another", now_secs()),
            "application/x-www-form-urlencoded",
            form.as_bytes(),
        )
    };
    ok(&signed("/user/getToken.json", "userId=a&name=A"));
    code(
        &signed("/user/token/check.json", &format!("token={second}")),
        400,
        31004,
    );
}

#[test]
fn the_two_bans_stay_independent_across_the_faces() {
    // §15.4 over HTTP: Easemob's deactivate (an indefinite ban) and RongCloud's block (a timed
    // one) are two states; each face's lift clears only its own.
    let api = api();
    let t = token(api.addr, "a");
    let check = || post(api.addr, "/user/token/check.json", &format!("token={t}"));
    api.admin("POST", "/users/a/deactivate", &Value::Null).ok();
    done(api.addr, "/user/block.json", "userId=a&minute=10");
    done(api.addr, "/user/unblock.json", "userId=a");
    code(&check(), 400, 31009);
    done(api.addr, "/user/block.json", "userId=a&minute=10");
    api.admin("POST", "/users/a/activate", &Value::Null).ok();
    code(&check(), 400, 31009);
    done(api.addr, "/user/unblock.json", "userId=a");
    assert_eq!(ok(&check())["userId"], "a");
}

#[test]
fn allowlist_mode_refuses_easemob_client_sends() {
    // §15.7 over HTTP: users registered on the Easemob face, lists set on the RongCloud face,
    // a one-to-one send by a user token (client origin) through the Easemob face.
    let api = api();
    api.register(&["r", "s", "f"]);
    done(
        api.addr,
        "/user/whitelist/add.json",
        "userId=r&whiteUserId=f",
    );
    done(
        api.addr,
        "/user/whitesetting/set.json",
        "userId=r&whiteSetting=1",
    );
    let send = |from: &str| {
        let t = api.user_token(from);
        api.call(
            "POST",
            "/messages/users",
            Some(&t),
            &json!({"to": ["r"], "type": "txt", "body": {"msg": "x"}}),
        )
    };
    send("s").assert_error(403, "forbidden_op");
    send("f").ok();
    // Back to block-list mode: s may send again.
    done(
        api.addr,
        "/user/whitesetting/set.json",
        "userId=r&whiteSetting=0",
    );
    send("s").ok();
}

// ---- §3–§5 closure ----

#[test]
fn deactivate_query_and_reactivate() {
    let api = api();
    token(api.addr, "a");
    token(api.addr, "b");
    let r = post(api.addr, "/user/deactivate.json", "userId=a,ghost");
    let b = ok(&r);
    assert!(b["operateId"].is_string());
    assert_eq!(b["results"][0], json!({"userId": "a", "code": "0"}));
    assert_eq!(b["results"][1]["code"], "1");
    let q = post(
        api.addr,
        "/user/deactivate/query.json",
        "pageNo=1&pageSize=50",
    );
    assert_eq!(ok(&q)["users"], json!(["a"]));
    assert_eq!(q.body["total"], 1);
    refused(
        api.addr,
        "/user/deactivate/query.json",
        "pageSize=51",
        400,
        1002,
    );
    refused(
        api.addr,
        "/user/deactivate/query.json",
        "pageNo=0",
        400,
        1002,
    );
    // A closed id cannot register (client code 31029) nor be read.
    refused(
        api.addr,
        "/user/getToken.json",
        "userId=a&name=A",
        400,
        31029,
    );
    refused(api.addr, "/user/info.json", "userId=a", 400, 31029);
    // Repeats are not errors; reopening within the hour is refused per id.
    done(api.addr, "/user/deactivate.json", "userId=a");
    let r = post(api.addr, "/user/reactivate.json", "userId=a&userId=b");
    let b = ok(&r);
    assert_eq!(b["results"][0]["code"], "1");
    assert!(
        b["results"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("too soon")
    );
    assert_eq!(b["results"][1], json!({"userId": "b", "code": "0"}));
    let many: String = (0..101).map(|i| format!("u{i},")).collect();
    refused(
        api.addr,
        "/user/deactivate.json",
        &format!("userId={many}"),
        400,
        1002,
    );
}

/// RongCloud's Go server SDK (`sdk/user.go`, `UserDeactivateQuery`) builds the closed-list
/// query's address as `"%s/%s"` of the base and `"/user/deactivate/query.json"`, so it asks
/// for `//user/deactivate/query.json`; the SDK's own test calls it that way. The host answers
/// it as the single-slash route (spec 04 §4), signed and shaped the same.
#[test]
fn the_go_sdk_double_slash_closed_list_query() {
    let api = api();
    token(api.addr, "a");
    done(api.addr, "/user/deactivate.json", "userId=a");
    let form = b"pageNo=1&pageSize=50";
    let ct = "application/x-www-form-urlencoded";
    let r = raw_signed(
        api.addr,
        "//user/deactivate/query.json",
        &headers(CLIENT_ID, CLIENT_SECRET, now_secs()),
        ct,
        form,
    );
    assert_eq!(ok(&r)["users"], json!(["a"]));
    // Still a signed RongCloud route: a bad signature is 1004, bad paging 1002.
    code(
        &raw_signed(
            api.addr,
            "//user/deactivate/query.json",
            &headers(CLIENT_ID, "wrong", now_secs()),
            ct,
            form,
        ),
        401,
        1004,
    );
    code(
        &raw_signed(
            api.addr,
            "//user/deactivate/query.json",
            &headers(CLIENT_ID, CLIENT_SECRET, now_secs()),
            ct,
            b"pageSize=51",
        ),
        400,
        1002,
    );
}

// ---- §9, §10 lists and mode ----

#[test]
fn blacklist_and_whitelist() {
    let api = with_limits(imcore::Limits {
        blocklist_max: 2,
        ..imcore::Limits::default()
    });
    for u in ["o", "a", "b", "c"] {
        token(api.addr, u);
    }
    done(
        api.addr,
        "/user/blacklist/add.json",
        "userId=o&blackUserId=a&blackUserId=b",
    );
    // Past the cap (2 here): 1002, and nothing added.
    refused(
        api.addr,
        "/user/blacklist/add.json",
        "userId=o&blackUserId=c",
        400,
        1002,
    );
    refused(
        api.addr,
        "/user/blacklist/add.json",
        "userId=o&blackUserId=o",
        400,
        1002,
    );
    refused(api.addr, "/user/blacklist/add.json", "userId=o", 400, 1002);
    let q = post(api.addr, "/user/blacklist/query.json", "userId=o");
    assert_eq!(ok(&q)["users"], json!(["b", "a"]));
    // The Easemob face reads the same list.
    let e = api.get("/users/o/blocks/users");
    assert_eq!(e.ok()["data"], json!(["b", "a"]));
    let q = post(api.addr, "/user/blacklist/query.json", "userId=o&size=1");
    let next = ok(&q)["next"].as_str().unwrap().to_owned();
    let q = post(
        api.addr,
        "/user/blacklist/query.json",
        &format!("userId=o&size=1&pageToken={next}"),
    );
    assert_eq!(ok(&q)["users"], json!(["a"]));
    assert!(q.body.get("next").is_none());
    done(
        api.addr,
        "/user/blacklist/remove.json",
        "userId=o&blackUserId=a",
    );
    assert_eq!(
        done(api.addr, "/user/blacklist/query.json", "userId=o")["users"],
        json!(["b"])
    );

    done(
        api.addr,
        "/user/whitelist/add.json",
        "userId=o&whiteUserId=c",
    );
    assert_eq!(
        done(api.addr, "/user/whitelist/query.json", "userId=o")["users"],
        json!(["c"])
    );
    done(
        api.addr,
        "/user/whitesetting/set.json",
        "userId=o&whiteSetting=1",
    );
    refused(
        api.addr,
        "/user/whitesetting/set.json",
        "userId=o&whiteSetting=2",
        400,
        1002,
    );
    let q = post(
        api.addr,
        "/user/whitesetting/query.json",
        "userId=o&userId=a",
    );
    assert_eq!(
        ok(&q)["users"],
        json!([{"userId": "o", "whiteSetting": "1"}, {"userId": "a", "whiteSetting": "0"}])
    );
    done(
        api.addr,
        "/user/whitelist/remove.json",
        "userId=o&whiteUserId=c",
    );
    assert_eq!(
        done(api.addr, "/user/whitelist/query.json", "userId=o")["users"],
        json!([])
    );
}

/// `/user/whitesetting/query.json` answers `whiteSetting` as a string, `"1"` or `"0"`, as the
/// vendor page (`platform-chat-api/user/whitelist/query-whitelist-service`, one of spec 04's
/// sources for §10) types and shows it; an app forced into allow-list mode reads `"1"` for
/// everyone.
#[test]
fn whitesetting_query_answers_the_documented_strings() {
    let forced = forced_allowlist();
    token(forced.addr, "o");
    let q = post(forced.addr, "/user/whitesetting/query.json", "userId=o");
    assert_eq!(
        ok(&q)["users"],
        json!([{"userId": "o", "whiteSetting": "1"}])
    );
    let api = api();
    token(api.addr, "o");
    token(api.addr, "p");
    done(
        api.addr,
        "/user/whitesetting/set.json",
        "userId=p&whiteSetting=1",
    );
    let q = post(
        api.addr,
        "/user/whitesetting/query.json",
        "userId=o&userId=p",
    );
    let users = ok(&q)["users"].as_array().unwrap().clone();
    assert_eq!(users[0]["whiteSetting"], "0");
    assert_eq!(users[1]["whiteSetting"], "1");
}

#[test]
fn forced_allowlist_mode_is_1009() {
    let api = forced_allowlist();
    token(api.addr, "o");
    refused(
        api.addr,
        "/user/whitesetting/set.json",
        "userId=o&whiteSetting=0",
        400,
        1009,
    );
}

// ---- §12 one-to-one ban ----

#[test]
fn chat_ban_set_and_list() {
    let api = api();
    token(api.addr, "a");
    token(api.addr, "b");
    done(
        api.addr,
        "/user/chat/fb/set.json",
        "userId=a&userId=b&state=1&type=PERSON",
    );
    let q = post(
        api.addr,
        "/user/chat/fb/querylist.json",
        "num=1&offset=1&type=PERSON",
    );
    assert_eq!(ok(&q)["users"], json!(["b"]));
    assert_eq!(q.body["total"], 2);
    // The Easemob face sees the same mute.
    let m = api.get("/mutes/a");
    assert_eq!(m.ok()["data"]["chat"], -1, "{}", m.body);
    done(
        api.addr,
        "/user/chat/fb/set.json",
        "userId=a&state=0&type=PERSON",
    );
    let q = post(api.addr, "/user/chat/fb/querylist.json", "type=PERSON");
    assert_eq!(ok(&q)["users"], json!(["b"]));
    refused(
        api.addr,
        "/user/chat/fb/set.json",
        "userId=a&state=2",
        400,
        1002,
    );
    refused(
        api.addr,
        "/user/chat/fb/set.json",
        "userId=a&state=1&type=GROUP",
        400,
        1002,
    );
    refused(
        api.addr,
        "/user/chat/fb/querylist.json",
        "num=201",
        400,
        1002,
    );
}

// ---- §11 tags (JSON bodies, as the SDKs send them) ----

#[test]
fn tags_set_batch_and_get() {
    let api = api();
    token(api.addr, "a");
    token(api.addr, "b");
    done_json(
        api.addr,
        "/user/tag/set.json",
        &json!({"userId": "a", "tags": ["vip", "cn"]}),
    );
    done_json(
        api.addr,
        "/user/tag/batch/set.json",
        &json!({"userIds": ["b"], "tags": ["beta"]}),
    );
    let g = post(api.addr, "/user/tags/get.json", "userIds=a&userIds=b");
    assert_eq!(ok(&g)["result"], json!({"a": ["vip", "cn"], "b": ["beta"]}));
    let tags: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    refused_json(
        api.addr,
        "/user/tag/set.json",
        &json!({"userId": "a", "tags": tags}),
        400,
        1002,
    );
    refused_json(
        api.addr,
        "/user/tag/set.json",
        &json!({"userId": "a", "tags": ["a b"]}),
        400,
        1002,
    );
}
