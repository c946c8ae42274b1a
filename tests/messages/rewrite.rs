//! Rewrite (spec 03 §4.7): off by default, the errors in check order, the 10-edit limit, ext
//! merge or replace.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

fn rw(id: &str, t: &str, msg: Option<&str>) -> RewriteMessage {
    RewriteMessage {
        msg_id: id.into(),
        user: None,
        new_msg: Some(NewContent {
            msg_type: t.into(),
            msg: msg.map(Into::into),
            ..Default::default()
        }),
        new_ext: None,
        is_combine_ext: true,
    }
}

const RW: &str = "message_rewrite_error";

#[test]
fn off_by_default() {
    let app = app(&[]);
    err(
        app.execute(&Actor::Admin, T0, rw("x", "txt", None)),
        403,
        RW,
        "The rewrite message feature is not open.",
    );
}

#[test]
fn errors_in_check_order_and_the_edit_limit() {
    let app = app_with(|l| l.messages.rewrite_enabled = true, &["a", "b"]);
    let r = room(&app, "a", &[]);
    let id = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))).to_string();
    err(
        app.execute(&Actor::Admin, T0, rw("12a", "txt", None)),
        400,
        "InvalidMessageIdException",
        "The provided message ID is not a valid number.",
    );
    let mut no = rw(&id, "txt", None);
    no.new_msg = None;
    err(
        app.execute(&Actor::Admin, T0, no),
        400,
        "illegal_argument",
        "new_msg is required",
    );
    let unsupported = "The message is of a type that is currently not supported for modification.";
    err(
        app.execute(&Actor::Admin, T0, rw(&id, "img", Some("x"))),
        400,
        RW,
        unsupported,
    );
    err(
        app.execute(&Actor::Admin, T0, rw(&id, "custom", None)),
        400,
        RW,
        unsupported,
    );
    let gone = "The message is unavailable or has expired.";
    err(
        app.execute(&Actor::Admin, T0, rw("424242", "txt", Some("x"))),
        404,
        RW,
        gone,
    );
    let rm = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::ChatRoom, None, &[&r.to_string()]),
    ))
    .to_string();
    err(
        app.execute(&Actor::Admin, T0, rw(&rm, "txt", Some("x"))),
        404,
        RW,
        gone,
    );
    let mut other = rw(&id, "txt", Some("x"));
    other.user = Some(n("b"));
    err(
        app.execute(&Actor::Admin, T0, other),
        401,
        RW,
        "You are not authorized to edit this message.",
    );
    for i in 0..10 {
        ok(&app, &user("a"), rw(&id, "txt", Some(&format!("v{i}"))));
    }
    err(
        app.execute(&user("a"), T0, rw(&id, "txt", Some("x"))),
        403,
        RW,
        "The message has reached its edit limit and cannot be modified further.",
    );
    let rec = ask(
        &app,
        GetMessage {
            msg_id: MessageId::parse(&id).unwrap(),
        },
    )
    .unwrap();
    assert_eq!(rec.body.get("msg"), Some(&Json::str("v9")));
    assert_eq!(rec.edits, 10);
}

#[test]
fn ext_merges_or_is_replaced() {
    let app = app_with(|l| l.messages.rewrite_enabled = true, &["a", "b"]);
    let mut c = txt(ChatType::Chat, None, &["b"]);
    c.ext = Some(Json::object([("k", Json::str("1")), ("j", Json::str("2"))]));
    let id = the_id(&ok(&app, &user("a"), c));
    let mut r = rw(&id.to_string(), "txt", Some("new"));
    r.new_ext = Some(Json::object([("k", Json::str("9"))]));
    ok(&app, &Actor::Admin, r.clone());
    let ext = ask(&app, GetMessage { msg_id: id }).unwrap().ext;
    assert_eq!(
        ext,
        Json::object([("k", Json::str("9")), ("j", Json::str("2"))])
    );
    r.is_combine_ext = false;
    ok(&app, &Actor::Admin, r);
    assert_eq!(
        ask(&app, GetMessage { msg_id: id }).unwrap().ext,
        Json::object([("k", Json::str("9"))])
    );
}
