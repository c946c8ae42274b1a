//! The offline queue (spec 03 §4.5, spec 01 §14): counts, status, acknowledgement, the caps
//! with the oldest evicted, retention, rooms keeping none.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

#[test]
fn counts_status_and_acknowledgement() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "a", &["b", "c"]);
    let r = room(&app, "a", &["b"]);
    online(&app, "c");
    assert_eq!(offline_count(&app, "b", 0), 0, "a new user has none");
    let m1 = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let m2 = the_id(&ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    ));
    ok(
        &app,
        &user("a"),
        txt(ChatType::ChatRoom, None, &[&r.to_string()]),
    );
    assert_eq!(
        offline_count(&app, "b", 0),
        2,
        "rooms keep no offline messages"
    );
    assert_eq!(offline_count(&app, "c", 0), 0, "online users get it now");
    assert_eq!(offline_count(&app, "a", 0), 0);
    assert_eq!(status(&app, "b", m1), OfflineState::Undelivered);
    assert_eq!(status(&app, "c", m2), OfflineState::Delivered);
    assert_eq!(
        ask(
            &app,
            OfflineStatus {
                user: n("b"),
                msg_id: "99999".into()
            }
        ),
        OfflineState::Delivered,
        "unknown ids read delivered"
    );
    assert_eq!(
        ask(
            &app,
            OfflineStatus {
                user: n("b"),
                msg_id: "x".into()
            }
        ),
        OfflineState::Delivered
    );
    err(
        app.query(&Actor::Admin, T0, OfflineCount { user: n("ghost") }),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    err(
        app.query(&user("b"), T0, OfflineCount { user: n("b") }),
        401,
        "unauthorized",
        "principal not allowed",
    );
    // Going online delivers nothing by itself; the host's acknowledgement does.
    online(&app, "b");
    assert_eq!(offline_count(&app, "b", 0), 2);
    assert_eq!(
        ok(
            &app,
            &Actor::Admin,
            AckOffline {
                user: n("b"),
                msg_ids: Some(vec![m1])
            }
        ),
        1
    );
    assert_eq!(status(&app, "b", m1), OfflineState::Delivered);
    assert_eq!(
        ok(
            &app,
            &Actor::Admin,
            AckOffline {
                user: n("b"),
                msg_ids: None
            }
        ),
        1
    );
    assert_eq!(offline_count(&app, "b", 0), 0);
    check(&app);
}

#[test]
fn caps_evict_the_oldest_of_that_kind() {
    let app = app_with(
        |l| {
            l.messages.offline_chat_max = 3;
            l.messages.offline_group_max = 2;
        },
        &["a", "b"],
    );
    let g = group(&app, "a", &["b"]);
    let chat: Vec<MessageId> = (0..4)
        .map(|_| the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))))
        .collect();
    assert_eq!(
        offline_count(&app, "b", 0),
        3,
        "n+1 one-to-one: capped at n"
    );
    assert_eq!(
        status(&app, "b", chat[0]),
        OfflineState::Delivered,
        "the oldest was evicted"
    );
    assert_eq!(status(&app, "b", chat[1]), OfflineState::Undelivered);
    let grp: Vec<MessageId> = (0..2)
        .map(|_| {
            the_id(&ok(
                &app,
                &user("a"),
                txt(ChatType::GroupChat, None, &[g.as_str()]),
            ))
        })
        .collect();
    assert_eq!(
        offline_count(&app, "b", 0),
        5,
        "n group entries fit beside the one-to-one ones"
    );
    ok(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    );
    assert_eq!(offline_count(&app, "b", 0), 5);
    assert_eq!(status(&app, "b", grp[0]), OfflineState::Delivered);
    assert_eq!(
        status(&app, "b", chat[1]),
        OfflineState::Undelivered,
        "the other kind is untouched"
    );
    check(&app);
}

#[test]
fn entries_live_seven_days() {
    let app = app(&["a", "b"]);
    let id = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    let week = 7 * 24 * 3600 * 1000;
    assert_eq!(offline_count(&app, "b", week - 1), 1);
    assert_eq!(offline_count(&app, "b", week), 0);
    assert_eq!(
        app.query(
            &Actor::Admin,
            at(week),
            OfflineStatus {
                user: n("b"),
                msg_id: id.to_string()
            }
        )
        .unwrap(),
        OfflineState::Delivered
    );
}
