//! What deletions do to messages: a user's erasure (spec 01 §6 item 3, OPEN 6c), a room's
//! deletion, a group's destruction.

use crate::fixture::messages::*;
use imcore::groups::*;
use imcore::messages::*;
use imcore::rooms::*;
use imcore::*;

#[test]
fn deleting_a_user_erases_their_messages_but_keeps_group_history() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "b", &["a", "c"]);
    let chat = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let to_a = the_id(&ok(&app, &user("c"), txt(ChatType::Chat, None, &["a"])));
    let gm = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    let other = the_id(&ok(
        &app,
        &user("b"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    ok(
        &app,
        &user("a"),
        AddReaction {
            user: n("a"),
            msg_id: other.to_string(),
            reaction: "x".into(),
        },
    );
    ok(
        &app,
        &user("c"),
        AddReaction {
            user: n("c"),
            msg_id: other.to_string(),
            reaction: "x".into(),
        },
    );
    ok(
        &app,
        &user("a"),
        RegisterUpload {
            uuid: "mine".into(),
            share_secret: "s".into(),
            size_bytes: Some(1),
            filename: "f".into(),
            restrict_access: false,
            is_image: false,
            thumb_width: None,
            thumb_height: None,
        },
    );
    assert_eq!(offline_count(&app, "b", 0), 2);
    let out = ok(&app, &Actor::Admin, DeleteUser { username: n("a") });
    let _ = out;
    assert_eq!(ask(&app, GetMessage { msg_id: chat }), None);
    assert_eq!(ask(&app, GetMessage { msg_id: to_a }), None);
    assert_eq!(
        status(&app, "b", chat),
        OfflineState::Delivered,
        "their one-to-one message left b's queue"
    );
    let kept = ask(&app, GetMessage { msg_id: gm }).expect("group messages stay (OPEN 6c)");
    assert_eq!(kept.from, "a");
    let l = ask(
        &app,
        ListReactions {
            user: n("c"),
            msg_ids: vec![other.to_string()],
            msg_type: ChatType::GroupChat,
            group_id: Some(g),
        },
    );
    assert_eq!(l[0].1[0].count, 1, "their reactions went");
    assert!(
        app.query(
            &Actor::Anonymous,
            T0,
            AuthorizeDownload {
                uuid: "mine".into(),
                secret: None,
                thumbnail: false
            }
        )
        .is_err()
    );
    // A new user under the old name inherits nothing.
    app.execute(
        &Actor::Admin,
        T0,
        RegisterUser(NewUser::new("a", "pw", "uuid-a2")),
    )
    .unwrap();
    assert_eq!(offline_count(&app, "a", 0), 0);
    assert!(
        ask(&app, ListConversations { user: n("a") })
            .iter()
            .all(|c| c.chat_type != ChatType::Chat)
    );
    check(&app);
}

#[test]
fn room_and_group_deletion_keep_history() {
    let app = app_with(|l| l.messages.broadcast_enabled = true, &["a", "b"]);
    let r = room(&app, "a", &["b"]);
    let g = group(&app, "a", &["b"]);
    let rm = the_id(&ok(
        &app,
        &Actor::Admin,
        txt(ChatType::ChatRoom, None, &[&r.to_string()]),
    ));
    let gm = the_id(&ok(
        &app,
        &Actor::Admin,
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    let b = ok(
        &app,
        &Actor::Admin,
        BroadcastMessage {
            from: None,
            msg_type: "txt".into(),
            body: Some(Json::object([("msg", Json::str("x"))])),
            ext: None,
            chatroom_msg_level: None,
        },
    );
    assert_eq!(b.rooms, vec![r]);
    ok(&app, &Actor::Admin, DeleteRoom { room: r });
    ok(&app, &Actor::Admin, DestroyGroup { group: g });
    assert!(ask(&app, GetMessage { msg_id: rm }).is_some());
    assert!(ask(&app, GetMessage { msg_id: gm }).is_some());
    let b = ok(
        &app,
        &Actor::Admin,
        BroadcastMessage {
            from: None,
            msg_type: "txt".into(),
            body: Some(Json::object([("msg", Json::str("x"))])),
            ext: None,
            chatroom_msg_level: None,
        },
    );
    assert!(b.rooms.is_empty(), "a deleted room is no longer reached");
    check(&app);
}

#[test]
fn broadcast_is_off_by_default_and_rate_limited() {
    let off = app(&[]);
    let bc = || BroadcastMessage {
        from: None,
        msg_type: "txt".into(),
        body: Some(Json::object([("msg", Json::str("x"))])),
        ext: None,
        chatroom_msg_level: None,
    };
    err(
        off.execute(&Actor::Admin, T0, bc()),
        403,
        "forbidden_op",
        "message broadcast service is unopened",
    );
    let app = app_with(|l| l.messages.broadcast_enabled = true, &["a"]);
    err(
        app.execute(&user("a"), T0, bc()),
        401,
        "unauthorized",
        "principal not allowed",
    );
    for i in 0..10 {
        assert!(run_at(&app, &Actor::Admin, i, bc()).is_ok());
    }
    err(
        run_at(&app, &Actor::Admin, 59_999, bc()),
        403,
        "message_send_error",
        "message send reach limit",
    );
    assert!(
        run_at(&app, &Actor::Admin, 60_000, bc()).is_ok(),
        "the first left the minute"
    );
}
