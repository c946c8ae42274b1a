//! Reactions (spec 03 §4.11): who may react, the 20-per-message limit at its edge, repeats,
//! removal by the last user, the list and detail reads.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

fn add(app: &App, who: &str, id: MessageId, r: &str) -> Result<ReactionView> {
    app.execute(
        &user(who),
        T0,
        AddReaction {
            user: n(who),
            msg_id: id.to_string(),
            reaction: r.into(),
        },
    )
    .map(|o| o.reply)
}

const BR: &str = "Bad Request";

#[test]
fn who_may_react_and_the_limits() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "a", &["b"]);
    let r = room(&app, "a", &["b"]);
    let chat = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let gm = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    let rm = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::ChatRoom, None, &[&r.to_string()]),
    ));
    let v = add(&app, "b", chat, "👍").unwrap();
    assert_eq!((v.msg_type, v.group_id.clone()), (ChatType::Chat, None));
    assert_eq!(add(&app, "b", gm, "👍").unwrap().group_id, Some(g.clone()));
    err(
        add(&app, "c", chat, "x"),
        400,
        BR,
        "the user operation is illegal!",
    );
    err(
        add(&app, "c", gm, "x"),
        400,
        BR,
        "the user operation is illegal!",
    );
    err(add(&app, "b", rm, "x"), 404, BR, "message not found");
    err(
        add(&app, "b", MessageId(999_999), "x"),
        404,
        BR,
        "message not found",
    );
    err(
        add(&app, "b", chat, "👍"),
        400,
        BR,
        "the user is already operation this message",
    );
    err(
        add(&app, "b", chat, ""),
        400,
        BR,
        "reaction must be 1 to 128 characters",
    );
    assert!(add(&app, "b", chat, &"x".repeat(128)).is_ok());
    err(
        add(&app, "b", chat, &"x".repeat(129)),
        400,
        BR,
        "reaction must be 1 to 128 characters",
    );
    // 20 distinct reactions per message: the 20th fits, the 21st does not; an existing one
    // still takes more users.
    for i in 2..20 {
        add(&app, "a", chat, &format!("r{i}")).unwrap();
    }
    err(
        add(&app, "a", chat, "r20"),
        400,
        BR,
        "The quantity has exceeded the limit!",
    );
    assert!(add(&app, "a", chat, "👍").is_ok());
    err(
        app.execute(
            &user("a"),
            T0,
            AddReaction {
                user: n("b"),
                msg_id: chat.to_string(),
                reaction: "q".into(),
            },
        ),
        401,
        "unauthorized",
        "principal not allowed",
    );
    let off = app_with(|l| l.messages.reactions_enabled = false, &["a"]);
    err(
        off.execute(
            &user("a"),
            T0,
            AddReaction {
                user: n("a"),
                msg_id: "1".into(),
                reaction: "q".into(),
            },
        ),
        400,
        BR,
        "this appKey is not open reaction service!",
    );
    check(&app);
}

#[test]
fn removal_lists_and_details() {
    let app = app(&["a", "b", "c", "d", "e"]);
    let g = group(&app, "a", &["b", "c", "d", "e"]);
    let gm = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    for who in ["b", "c", "d", "e"] {
        add(&app, who, gm, "ok").unwrap();
    }
    let list = ask(
        &app,
        ListReactions {
            user: n("c"),
            msg_ids: vec![gm.to_string(), "5".into()],
            msg_type: ChatType::GroupChat,
            group_id: Some(g.clone()),
        },
    );
    assert_eq!(list.len(), 1);
    let s = &list[0].1[0];
    assert_eq!((s.count, s.state), (4, true));
    assert_eq!(
        s.users,
        vec![n("b"), n("c"), n("d")],
        "the first three, in add order"
    );
    err(
        app.query(
            &Actor::Admin,
            T0,
            ListReactions {
                user: n("c"),
                msg_ids: vec!["1".into(); 21],
                msg_type: ChatType::Chat,
                group_id: None,
            },
        ),
        400,
        BR,
        "msgIdList exceeds the maximum number limit",
    );
    err(
        app.query(
            &Actor::Admin,
            T0,
            ListReactions {
                user: n("c"),
                msg_ids: vec![],
                msg_type: ChatType::GroupChat,
                group_id: None,
            },
        ),
        400,
        BR,
        "groupId can not be null!",
    );
    let detail = |limit, cursor: Option<String>| {
        app.query(
            &Actor::Admin,
            T0,
            ReactionDetail {
                user: n("a"),
                msg_id: gm.to_string(),
                reaction: "ok".into(),
                limit,
                cursor,
            },
        )
    };
    let p1 = detail(Some(3), None).unwrap();
    assert_eq!(
        (p1.users.len(), p1.state, p1.cursor.clone()),
        (3, false, Some("3".into()))
    );
    let p2 = detail(Some(3), p1.cursor).unwrap();
    assert_eq!((p2.users, p2.cursor), (vec![n("e")], None));
    err(
        detail(Some(0), None),
        400,
        BR,
        "Limit exceeds the maximum quantity limit",
    );
    err(
        detail(Some(51), None),
        400,
        BR,
        "Limit exceeds the maximum quantity limit",
    );
    assert!(detail(Some(50), None).is_ok());
    // Removal: only by those who added it; the last one deletes it.
    let rm = |who: &str| {
        app.execute(
            &user(who),
            T0,
            RemoveReaction {
                user: n(who),
                msg_id: gm.to_string(),
                reaction: "ok".into(),
            },
        )
    };
    err(rm("a"), 400, BR, "the user operation is illegal!");
    for who in ["b", "c", "d", "e"] {
        rm(who).unwrap();
    }
    err(detail(None, None), 404, BR, "reaction not found");
    check(&app);
}
