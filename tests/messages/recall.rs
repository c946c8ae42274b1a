//! Recall (spec 03 §4.6): the errors in check order, the window's edges, force, who may
//! recall, and what a recall removes.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

fn recall(id: &str, to: &str, ct: &str) -> RecallMessage {
    RecallMessage {
        msg_id: id.into(),
        to: to.into(),
        chat_type: ct.into(),
        from: None,
        force: false,
    }
}

const RE: &str = "message_recall_error";

#[test]
fn errors_in_check_order_and_the_window_edges() {
    let app = app_with(|l| l.messages.recall_window = Millis(1000), &["a", "b"]);
    let id = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))).to_string();
    err(
        app.execute(&Actor::Anonymous, T0, recall(&id, "b", "chat")),
        401,
        "unauthorized",
        "principal not allowed",
    );
    for (field, r) in [
        ("msg_id", recall("", "", "")),
        ("to", recall(&id, "", "")),
        ("chat_type", recall(&id, "b", "")),
    ] {
        err(
            app.execute(&Actor::Admin, T0, r),
            400,
            RE,
            &format!("param {field} can't be empty"),
        );
    }
    err(
        app.execute(&Actor::Admin, T0, recall("12345", "b", "chat")),
        403,
        RE,
        "not_found msg",
    );
    err(
        app.execute(&Actor::Admin, T0, recall(&id, "c", "chat")),
        400,
        RE,
        "can't find msg to",
    );
    err(
        app.execute(&Actor::Admin, T0, recall(&id, "b", "groupchat")),
        400,
        RE,
        "can't find msg to",
    );
    err(
        app.execute(&user("b"), T0, recall(&id, "b", "chat")),
        401,
        "unauthorized",
        "principal not allowed",
    );
    // The window counts from acceptance: n-1 and n recall, n+1 does not.
    err(
        run_at(&app, &Actor::Admin, 1001, recall(&id, "b", "chat")),
        403,
        RE,
        "exceed recall time limit",
    );
    assert!(run_at(&app, &Actor::Admin, 1000, recall(&id, "b", "chat")).is_ok());
    let id2 = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))).to_string();
    let out = run_at(&app, &user("a"), 999, recall(&id2, "B", "chat")).unwrap();
    assert_eq!(out.reply.from, "admin");
    assert!(out.reply.removed);
    // Already recalled: not found.
    err(
        app.execute(&Actor::Admin, T0, recall(&id2, "b", "chat")),
        403,
        RE,
        "not_found msg",
    );
    // cmd messages are never recalled.
    let mut c = txt(ChatType::Chat, None, &["b"]);
    c.msg_type = "cmd".into();
    c.body = Some(Json::object([("action", Json::str("x"))]));
    let cmd = the_id(&ok(&app, &user("a"), c)).to_string();
    err(
        app.execute(&Actor::Admin, T0, recall(&cmd, "b", "chat")),
        403,
        RE,
        "cmd message can not be recalled",
    );
    // Recall off is checked first of all.
    let off = app_with(|l| l.messages.recall_enabled = false, &[]);
    err(
        off.execute(&Actor::Admin, T0, recall("", "", "")),
        403,
        "forbidden_op",
        "message recall service is unopened",
    );
    check(&app);
}

#[test]
fn force_skips_every_check() {
    let app = app(&["a", "b"]);
    let id = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))).to_string();
    let mut r = recall(&id, "nobody", "chatroom");
    r.force = true;
    let out = run_at(&app, &Actor::Admin, 10 * 60_000, r.clone()).unwrap();
    assert!(
        out.reply.removed,
        "a stored message is recalled whatever the window"
    );
    let again = app.execute(&Actor::Admin, T0, r).unwrap();
    assert!(!again.reply.removed, "otherwise only the notice goes out");
    assert!(matches!(
        again.events[0],
        Event::Message(MessageEvent::Recalled { removed: false, .. })
    ));
}

#[test]
fn recall_removes_history_offline_entries_attachments_and_reactions() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "a", &["b", "c"]);
    ok(
        &app,
        &user("a"),
        RegisterUpload {
            uuid: "u-1".into(),
            share_secret: "s".into(),
            size_bytes: Some(10),
            filename: "f".into(),
            restrict_access: false,
            is_image: false,
            thumb_width: None,
            thumb_height: None,
        },
    );
    let mut c = txt(ChatType::GroupChat, None, &[g.as_str()]);
    c.msg_type = "file".into();
    c.body = Some(Json::object([(
        "url",
        Json::str("http://h/org/app/chatfiles/u-1"),
    )]));
    let id = the_id(&ok(&app, &user("a"), c));
    ok(
        &app,
        &user("b"),
        AddReaction {
            user: n("b"),
            msg_id: id.to_string(),
            reaction: "+1".into(),
        },
    );
    assert_eq!(status(&app, "c", id), OfflineState::Undelivered);
    let out = app
        .execute(
            &user("a"),
            T0,
            recall(&id.to_string(), g.as_str(), "groupchat"),
        )
        .unwrap();
    assert_eq!(
        out.events.last(),
        Some(&Event::Message(MessageEvent::AttachmentsDropped {
            uuids: vec!["u-1".into()]
        }))
    );
    assert_eq!(status(&app, "c", id), OfflineState::Delivered);
    assert_eq!(offline_count(&app, "b", 0), 0);
    assert_eq!(ask(&app, GetMessage { msg_id: id }), None);
    err(
        app.query(
            &Actor::Admin,
            T0,
            AuthorizeDownload {
                uuid: "u-1".into(),
                secret: None,
                thumbnail: false,
            },
        ),
        404,
        "entity_not_found",
        "file may not exists",
    );
    let l = ask(
        &app,
        ListReactions {
            user: n("b"),
            msg_ids: vec![id.to_string()],
            msg_type: ChatType::GroupChat,
            group_id: Some(g),
        },
    );
    assert!(l.is_empty());
    check(&app);
}

#[test]
fn batch_recall_applies_each_item() {
    let app = app(&["a", "b"]);
    let id = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))).to_string();
    let items = ok(
        &app,
        &Actor::Admin,
        RecallMessages {
            msgs: vec![recall(&id, "b", "chat"), recall("777", "b", "chat")],
        },
    );
    assert!(items[0].recalled.is_some());
    assert_eq!(
        items[1].error,
        Some((403, RE.into(), "not_found msg".into()))
    );
    err(
        app.execute(
            &Actor::Admin,
            T0,
            RecallMessages {
                msgs: vec![recall("1", "b", "chat"); 21],
            },
        ),
        400,
        RE,
        "param msgs size can't exceed limit 20",
    );
}
