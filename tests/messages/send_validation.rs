//! Send validation (spec 03 §4.2): every request-level error, in the order the checks run, and
//! the size rule at its edge.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

fn send(app: &App, actor: &Actor, c: SendMessage) -> Result<SendResult> {
    app.execute(actor, T0, c).map(|o| o.reply)
}

const SE: &str = "message_send_error";
const BAD: &str = "Request body is invalid. Please check body is correct.";

#[test]
fn every_validation_error_in_check_order() {
    let app = app(&["a", "b"]);
    let base = || txt(ChatType::Chat, Some("a"), &["b"]);
    let admin = Actor::Admin;
    // 0: who may send: a user sends as themself only; anonymous callers never.
    let mut c = base();
    c.from = Some("b".into());
    err(
        send(&app, &user("a"), c),
        401,
        "unauthorized",
        "principal not allowed",
    );
    err(
        send(&app, &Actor::Anonymous, base()),
        401,
        "unauthorized",
        "principal not allowed",
    );
    // Each later step is broken together with every step after it: the first one wins.
    let mut c = base();
    c.from = Some(String::new());
    c.to = vec![];
    c.msg_type = String::new();
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "param from can't be empty",
    );
    c.from = None;
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "param to can't be empty",
    );
    c.to = (0..601).map(|i| format!("u{i}")).collect();
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "params to's size can't exceed limit 600",
    );
    c.to = vec!["b".into()];
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "param type can't be empty",
    );
    c.msg_type = "weird".into();
    err(
        send(&app, &admin, c.clone()),
        400,
        "invalid_request_body",
        BAD,
    );
    c.msg_type = "txt".into();
    c.body = None;
    c.ext = Some(Json::Null);
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "param body can't be empty",
    );
    c.body = Some(Json::Object(vec![]));
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "param body can't be empty",
    );
    c.body = Some(Json::object([("url", Json::str("x"))]));
    err(
        send(&app, &admin, c.clone()),
        400,
        "invalid_request_body",
        BAD,
    );
    c.body = Some(Json::object([("msg", Json::str("x".repeat(6000)))]));
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "param ext must be JSONObject",
    );
    c.ext = Some(Json::object([("k", Json::str("v"))]));
    err(
        send(&app, &admin, c.clone()),
        400,
        SE,
        "message is too large",
    );
    c.body = base().body;
    c.roam_ignore_users = (0..21).map(|i| format!("u{i}")).collect();
    c.chatroom_msg_level = Some("urgent".into());
    err(
        send(&app, &admin, c.clone()),
        400,
        "invalid_request_body",
        BAD,
    );
    c.roam_ignore_users = vec![];
    err(
        send(&app, &admin, c.clone()),
        400,
        "invalid_request_body",
        BAD,
    );
    c.chatroom_msg_level = Some("HIGH".into());
    assert!(send(&app, &admin, c).is_ok());
    // Target caps per kind.
    let mut g = txt(ChatType::GroupChat, None, &["1", "2", "3", "4"]);
    err(
        send(&app, &admin, g.clone()),
        400,
        SE,
        "params to's size can't exceed limit 3",
    );
    g.to.pop();
    assert!(send(&app, &admin, g).is_ok());
    let r = txt(ChatType::ChatRoom, None, &["1"; 11]);
    err(
        send(&app, &admin, r),
        400,
        SE,
        "params to's size can't exceed limit 10",
    );
    check(&app);
}

#[test]
fn directed_sends_take_one_target_and_at_most_twenty_users() {
    let app = app(&["a", "b"]);
    let g = group(&app, "a", &["b"]);
    let mut c = txt(ChatType::GroupChat, None, &[g.as_str(), "other"]);
    c.users = Some(vec![]);
    err(
        app.execute(&Actor::Admin, T0, c.clone()),
        400,
        SE,
        "params to's size can't exceed limit 1",
    );
    c.to.pop();
    err(
        app.execute(&Actor::Admin, T0, c.clone()),
        400,
        SE,
        "param users can't be empty",
    );
    c.users = Some((0..21).map(|i| format!("u{i}")).collect());
    err(
        app.execute(&Actor::Admin, T0, c.clone()),
        400,
        SE,
        "params users's size can't exceed limit 20",
    );
    c.users = Some((0..20).map(|i| format!("u{i}")).collect());
    assert!(app.execute(&Actor::Admin, T0, c).is_ok());
}

#[test]
fn body_and_ext_are_counted_as_compact_json_at_the_edge() {
    let app = app(&["a", "b"]);
    // {"msg":"…"} is 10 bytes around the text; ext {"k":"…"} is 8 around its text.
    let with = |text: usize, ext: usize| {
        let mut c = txt(ChatType::Chat, None, &["b"]);
        c.body = Some(Json::object([("msg", Json::str("x".repeat(text)))]));
        c.ext = Some(Json::object([("k", Json::str("y".repeat(ext)))]));
        app.execute(&Actor::Admin, T0, c)
    };
    assert!(with(5120 - 10 - 8 - 1, 0).is_ok());
    assert!(with(5120 - 10 - 8, 0).is_ok(), "exactly 5120 bytes");
    err(with(5120 - 10 - 8 + 1, 0), 400, SE, "message is too large");
    assert!(with(100, 5120 - 10 - 8 - 100).is_ok());
    err(
        with(100, 5120 - 10 - 8 - 99),
        400,
        SE,
        "message is too large",
    );
    // Escapes count as written: a quote is two bytes, a control character six.
    let mut c = txt(ChatType::Chat, None, &["b"]);
    c.body = Some(Json::object([("msg", Json::str("\"".repeat(2555)))]));
    assert!(
        app.execute(&Actor::Admin, T0, c.clone()).is_ok(),
        "2 + 2555×2 + 8 = 5120"
    );
    c.body = Some(Json::object([("msg", Json::str("\"".repeat(2556)))]));
    err(
        app.execute(&Actor::Admin, T0, c),
        400,
        SE,
        "message is too large",
    );
}

#[test]
fn body_rules_of_every_type() {
    let app = app(&["a", "b"]);
    let send = |t: &str, body: Json| {
        let mut c = txt(ChatType::Chat, None, &["b"]);
        c.msg_type = t.into();
        c.body = Some(body);
        app.execute(&Actor::Admin, T0, c)
    };
    let s = Json::str;
    let good = [
        ("txt", Json::object([("msg", s("hi"))])),
        (
            "img",
            Json::object([
                ("url", s("u")),
                ("filename", s("a.png")),
                ("size", Json::object([("width", Json::Number("1".into()))])),
            ]),
        ),
        (
            "audio",
            Json::object([("url", s("u")), ("length", Json::Number("3".into()))]),
        ),
        (
            "video",
            Json::object([
                ("url", s("u")),
                ("thumb", s("t")),
                ("file_length", Json::Number("9".into())),
            ]),
        ),
        (
            "file",
            Json::object([("url", s("u")), ("filename", s("f"))]),
        ),
        (
            "loc",
            Json::object([("lat", s("39.9")), ("lng", s("116.3")), ("addr", s("x"))]),
        ),
        ("cmd", Json::object([("action", s("go"))])),
        ("custom", Json::object([("customEvent", s("a/b.c-d_e"))])),
    ];
    for (t, b) in good {
        assert!(send(t, b).is_ok(), "{t}");
    }
    let bad = [
        ("txt", Json::object([("text", s("hi"))])),
        ("img", Json::object([("url", s("u")), ("size", s("big"))])),
        ("audio", Json::object([("url", s("u")), ("length", s("3"))])),
        ("video", Json::object([("thumb", s("t"))])),
        ("file", Json::object([("url", Json::Number("1".into()))])),
        (
            "loc",
            Json::object([("lat", s("north")), ("lng", s("1")), ("addr", s("x"))]),
        ),
        ("cmd", Json::object([("act", s("go"))])),
        ("custom", Json::object([("customEvent", s("has space"))])),
    ];
    for (t, b) in bad {
        err(send(t, b), 400, "invalid_request_body", BAD);
    }
}
