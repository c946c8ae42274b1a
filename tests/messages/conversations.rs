//! Conversation deletion and roaming clears (spec 03 §4.8): one-way, per user, idempotent.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

fn convs(app: &App, u: &str) -> Vec<(ChatType, String)> {
    ask(app, ListConversations { user: n(u) })
        .into_iter()
        .map(|c| (c.chat_type, c.peer))
        .collect()
}

fn roaming(app: &App, u: &str, ct: ChatType, peer: &str) -> Vec<MessageId> {
    ask(
        app,
        ListRoaming {
            user: n(u),
            chat_type: ct,
            peer: peer.into(),
            limit: None,
        },
    )
    .iter()
    .map(|r| r.msg_id)
    .collect()
}

fn del(u: &str, ch: &str, t: &str, roam: Option<bool>) -> DeleteConversation {
    DeleteConversation {
        user: n(u),
        channel: Some(ch.into()),
        chat_type: Some(t.into()),
        delete_roam: roam,
    }
}

#[test]
fn deleting_a_conversation_is_one_way() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "a", &["b"]);
    let m1 = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let m2 = the_id(&ok(
        &app,
        &user("b"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    assert_eq!(
        convs(&app, "a"),
        vec![
            (ChatType::GroupChat, g.to_string()),
            (ChatType::Chat, "b".into())
        ]
    );
    ok(&app, &user("a"), del("a", "B", "chat", Some(false)));
    ok(&app, &user("a"), del("a", "b", "chat", Some(false)));
    assert_eq!(convs(&app, "a"), vec![(ChatType::GroupChat, g.to_string())]);
    assert_eq!(
        roaming(&app, "a", ChatType::Chat, "b"),
        vec![m1],
        "without delete_roam the messages stay"
    );
    assert_eq!(convs(&app, "b").len(), 2, "the other side is unaffected");
    ok(
        &app,
        &user("a"),
        del("a", g.as_str(), "groupchat", Some(true)),
    );
    assert!(roaming(&app, "a", ChatType::GroupChat, g.as_str()).is_empty());
    assert_eq!(
        roaming(&app, "b", ChatType::GroupChat, g.as_str()),
        vec![m2]
    );
    // A newer message brings the conversation back.
    ok(&app, &user("b"), txt(ChatType::Chat, None, &["a"]));
    assert_eq!(convs(&app, "a").len(), 1);
    // Field errors in order.
    let mut d = del("a", "", "", None);
    err(
        app.execute(&Actor::Admin, T0, d.clone()),
        400,
        "illegal_argument",
        "field channel cannot be null or empty",
    );
    d.channel = Some("b".into());
    err(
        app.execute(&Actor::Admin, T0, d.clone()),
        400,
        "illegal_argument",
        "field type cannot be null or empty",
    );
    d.chat_type = Some("chat".into());
    err(
        app.execute(&Actor::Admin, T0, d.clone()),
        400,
        "illegal_argument",
        "field delete_roam cannot be null",
    );
    check(&app);
}

#[test]
fn roaming_clears_and_ignored_users() {
    let app = app(&["a", "b"]);
    let mut c = txt(ChatType::Chat, None, &["b"]);
    c.roam_ignore_users = vec!["b".into()];
    let hidden_for_b = the_id(&ok(&app, &user("a"), c));
    let m2 = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let m3 = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    assert_eq!(roaming(&app, "b", ChatType::Chat, "a"), vec![m2, m3]);
    assert_eq!(
        roaming(&app, "a", ChatType::Chat, "b"),
        vec![hidden_for_b, m2, m3]
    );
    ok(
        &app,
        &Actor::Admin,
        ClearRoaming {
            user: n("b"),
            what: RoamingClear::Ids(vec![m2.to_string(), "junk".into()]),
        },
    );
    assert_eq!(roaming(&app, "b", ChatType::Chat, "a"), vec![m3]);
    err(
        app.execute(
            &Actor::Admin,
            T0,
            ClearRoaming {
                user: n("b"),
                what: RoamingClear::Ids(vec!["1".into(); 51]),
            },
        ),
        400,
        "illegal_argument",
        "delete msg list limit can not greater than 50",
    );
    ok(
        &app,
        &Actor::Admin,
        ClearRoaming {
            user: n("a"),
            what: RoamingClear::Conversation {
                chat_type: ChatType::Chat,
                peer: "b".into(),
                before: T0,
            },
        },
    );
    assert!(roaming(&app, "a", ChatType::Chat, "b").is_empty());
    assert_eq!(
        roaming(&app, "b", ChatType::Chat, "a"),
        vec![m3],
        "per user only"
    );
    ok(
        &app,
        &Actor::Admin,
        ClearRoaming {
            user: n("b"),
            what: RoamingClear::All,
        },
    );
    assert!(roaming(&app, "b", ChatType::Chat, "a").is_empty());
    let off = app_with(|l| l.messages.roaming_enabled = false, &["a"]);
    err(
        off.execute(
            &Actor::Admin,
            T0,
            ClearRoaming {
                user: n("a"),
                what: RoamingClear::All,
            },
        ),
        400,
        "illegal_argument",
        "this appKey not open message roaming",
    );
    check(&app);
}
