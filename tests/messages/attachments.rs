//! Attachments (spec 03 §4.10): the size cap at its edge, thumbnails, secrets, expiry, and
//! links from messages.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

fn up(uuid: &str, size: Option<u64>, restrict: bool, image: bool) -> RegisterUpload {
    RegisterUpload {
        uuid: uuid.into(),
        share_secret: format!("secret-{uuid}"),
        size_bytes: size,
        filename: "f.png".into(),
        restrict_access: restrict,
        is_image: image,
        thumb_width: None,
        thumb_height: None,
    }
}

fn dl(uuid: &str, secret: Option<&str>) -> AuthorizeDownload {
    AuthorizeDownload {
        uuid: uuid.into(),
        secret: secret.map(Into::into),
        thumbnail: false,
    }
}

#[test]
fn size_edges_and_errors() {
    let app = app(&["a"]);
    let max = 10 * 1024 * 1024;
    err(
        app.execute(&user("a"), T0, up("x", None, false, false)),
        400,
        "illegal_argument",
        "file must be provided.",
    );
    assert!(
        app.execute(&user("a"), T0, up("n-1", Some(max - 1), false, false))
            .is_ok()
    );
    assert!(
        app.execute(&user("a"), T0, up("n", Some(max), false, false))
            .is_ok()
    );
    err(
        app.execute(&user("a"), T0, up("n+1", Some(max + 1), false, false)),
        413,
        "file exceeding maximum limit",
        "the file size exceeds the maximum limit.",
    );
    err(
        app.execute(&user("a"), T0, up("n", Some(1), false, false)),
        400,
        "illegal_argument",
        "file n already exists",
    );
    err(
        app.execute(&Actor::Anonymous, T0, up("z", Some(1), false, false)),
        401,
        "unauthorized",
        "principal not allowed",
    );
    let capped = app_with(|l| l.messages.attachments_max = 1, &["a"]);
    ok(&capped, &user("a"), up("one", Some(1), false, false));
    err(
        capped.execute(&user("a"), T0, up("two", Some(1), false, false)),
        403,
        "exceed_limit",
        "attachment count exceeds limit 1",
    );
    check(&app);
}

#[test]
fn thumbnails_secrets_and_expiry() {
    let app = app(&["a"]);
    let small = ok(&app, &user("a"), up("s", Some(10_240), false, true));
    assert_eq!(
        small.thumbnail, None,
        "≤ 10 KiB images are their own thumbnail"
    );
    let big = ok(&app, &user("a"), up("b", Some(10_241), true, true));
    assert_eq!(big.thumbnail, Some((170, 170)));
    assert!(app.query(&Actor::Anonymous, T0, dl("s", None)).is_ok());
    err(
        app.query(&Actor::Anonymous, T0, dl("b", None)),
        401,
        "unauthorized",
        "share-secret is invalid",
    );
    err(
        app.query(&Actor::Anonymous, T0, dl("b", Some("nope"))),
        401,
        "unauthorized",
        "share-secret is invalid",
    );
    assert!(
        app.query(&Actor::Anonymous, T0, dl("b", Some("secret-b")))
            .is_ok()
    );
    err(
        app.query(&Actor::Anonymous, T0, dl("zz", None)),
        404,
        "entity_not_found",
        "file may not exists",
    );
    let week = 7 * 24 * 3600 * 1000;
    assert!(
        app.query(&Actor::Anonymous, at(week - 1), dl("s", None))
            .is_ok()
    );
    err(
        app.query(&Actor::Anonymous, at(week), dl("s", None)),
        404,
        "file_expired",
        "file s is expired",
    );
    // The next upload clears expired ones away and tells the host.
    let out = run_at(&app, &user("a"), week, up("c", Some(1), false, false)).unwrap();
    assert_eq!(
        out.events,
        vec![Event::Message(MessageEvent::AttachmentsDropped {
            uuids: vec!["s".into(), "b".into()]
        })]
    );
    check(&app);
}

#[test]
fn messages_link_attachments_they_name() {
    let app = app(&["a", "b"]);
    ok(&app, &user("a"), up("u1", Some(5), false, true));
    let mut c = txt(ChatType::Chat, None, &["b"]);
    c.msg_type = "img".into();
    c.body = Some(Json::object([(
        "url",
        Json::str("https://host/org/app/chatfiles/u1"),
    )]));
    let id = the_id(&ok(&app, &user("a"), c));
    let meta = app.query(&Actor::Anonymous, T0, dl("u1", None)).unwrap();
    assert_eq!(meta.msg_id, Some(id));
    check(&app);
}
