//! Thread creation checks its parent message against the store (spec 02 H4): `T_MSG_NOT_EXIST`,
//! `T_MSG_NOT_GROUP`, `T_MSG_OTHER_GROUP`, `T_NESTED`, `T_MSG_HAS_THREAD`, in that order; thread
//! messages reach the thread's members.

use crate::fixture::messages::*;
use imcore::groups::*;
use imcore::messages::*;
use imcore::*;

fn create(app: &App, g: &GroupId, msg: &str) -> Result<ThreadId> {
    app.execute(
        &Actor::Admin,
        T0,
        CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(msg.into()),
            owner: Some(n("a")),
        },
    )
    .map(|o| o.reply.thread_id)
}

#[test]
fn parent_message_checks_in_order() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "a", &["b", "c"]);
    let g2 = group(&app, "a", &[]);
    let chat = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let other = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g2.as_str()]),
    ));
    let parent = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    let e = |r: Result<ThreadId>| match r.unwrap_err() {
        Error::Group(e) => e,
        e => panic!("{e}"),
    };
    assert_eq!(e(create(&app, &g, "4242")), GroupError::ThreadMsgNotExist);
    assert_eq!(e(create(&app, &g, "m1")), GroupError::ThreadMsgNotExist);
    assert_eq!(
        e(create(&app, &g, &chat.to_string())),
        GroupError::ThreadMsgNotGroup
    );
    assert_eq!(
        e(create(&app, &g, &other.to_string())),
        GroupError::ThreadMsgOtherGroup
    );
    let t = create(&app, &g, &parent.to_string()).unwrap();
    assert_eq!(
        e(create(&app, &g, &parent.to_string())),
        GroupError::ThreadMsgHasThread
    );
    // A thread message: its group's rule applies; the thread's members receive it.
    ok(
        &app,
        &Actor::Admin,
        JoinThreadMembers {
            thread: t.clone(),
            users: vec![n("b")],
        },
    );
    let out = ok(
        &app,
        &user("c"),
        txt(ChatType::GroupChat, None, &[t.as_str()]),
    );
    assert_eq!(
        routes(&app, &out, t.as_str()),
        vec![
            ("a".into(), Route::OfflineQueued),
            ("b".into(), Route::OfflineQueued),
            ("c".into(), Route::SenderSync)
        ]
    );
    let nested = the_id(&out);
    assert_eq!(
        e(create(&app, &g, &nested.to_string())),
        GroupError::ThreadNested
    );
    // A recalled parent is gone.
    let p2 = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    ok(
        &app,
        &Actor::Admin,
        RecallMessage {
            msg_id: p2.to_string(),
            to: g.to_string(),
            chat_type: "groupchat".into(),
            from: None,
            force: false,
        },
    );
    assert_eq!(
        e(create(&app, &g, &p2.to_string())),
        GroupError::ThreadMsgNotExist
    );
    check(&app);
}
