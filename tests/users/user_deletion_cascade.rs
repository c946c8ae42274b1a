//! Deleting a user (spec 01 §6, §16): the exact events, and that nothing of the user is left
//! behind — friends' lists, remarks, block lists both ways, attributes and app capacity,
//! tokens (even after re-registration of the name), mutes, sessions.

use crate::fixture::users::*;
use imcore::*;

fn delete(app: &App, name: &str) -> Result<Output<UserView>> {
    app.execute(&Actor::Admin, T0, DeleteUser { username: n(name) })
}

fn remark(app: &App, owner: &str, friend: &str, r: &str) {
    app.execute(
        &Actor::Admin,
        T0,
        SetRemark {
            owner: n(owner),
            friend: n(friend),
            remark: r.into(),
        },
    )
    .unwrap();
}

fn mute(app: &App, who: &str) {
    app.execute(
        &Actor::Admin,
        T0,
        SetGlobalMute {
            username: n(who),
            chat: Some(MuteValue::Forever),
            groupchat: Some(MuteValue::For(Millis(60_000))),
            chatroom: None,
        },
    )
    .unwrap();
}

fn page_with_remarks(app: &App, owner: &str) -> Vec<Contact> {
    app.query(
        &Actor::Admin,
        T0,
        ListFriendsPage {
            owner: n(owner),
            limit: Some(50),
            cursor: None,
            need_remark: true,
        },
    )
    .unwrap()
    .items
}

/// a, b, c, d registered in that order; d is friends with a and b (remarks both ways), blocks
/// a, is blocked by c and a, has attributes, mutes, two sessions and two tokens.
fn world() -> App {
    let app = app();
    for u in ["a", "b", "c", "d"] {
        reg(&app, u);
    }
    befriend(&app, "d", "a");
    befriend(&app, "b", "d");
    befriend(&app, "a", "c");
    remark(&app, "a", "d", "dee");
    remark(&app, "d", "a", "ay");
    remark(&app, "d", "b", "bee");
    remark(&app, "a", "c", "see");
    block(&app, "d", &["a"]).unwrap();
    block(&app, "c", &["d", "b"]).unwrap();
    block(&app, "a", &["d"]).unwrap();
    set_attrs(&app, "d", &[("nickname", "Dee"), ("phone", "123")]).unwrap();
    set_attrs(&app, "a", &[("nickname", "Ay")]).unwrap();
    mute(&app, "d");
    mute(&app, "b");
    open(&app, "d", "android_1").unwrap();
    open(&app, "d", "web_1").unwrap();
    token(&app, "d", "pw", "d-tok-1").unwrap();
    token(&app, "d", "pw", "d-tok-2").unwrap();
    token(&app, "a", "pw", "a-tok").unwrap();
    check(&app);
    app
}

#[test]
fn delete_returns_the_view_and_the_exact_events() {
    let app = world();
    let before = app
        .query(&Actor::Admin, T0, GetUser { username: n("d") })
        .unwrap();
    let out = delete(&app, "d").unwrap();
    assert_eq!(out.reply, before);
    assert_eq!(
        out.events,
        vec![
            Event::ForceDisconnect {
                user: n("d"),
                resource: "android_1".into(),
                reason: DisconnectReason::UserRemoved
            },
            Event::ForceDisconnect {
                user: n("d"),
                resource: "web_1".into(),
                reason: DisconnectReason::UserRemoved
            },
            Event::ContactRemoved {
                owner: n("a"),
                friend: n("d")
            },
            Event::ContactRemoved {
                owner: n("b"),
                friend: n("d")
            },
            Event::UserDeleted {
                user: n("d"),
                uuid: "uuid-d".into()
            },
        ]
    );
    check(&app);
}

#[test]
fn nothing_of_the_deleted_user_is_left() {
    let app = world();
    let cap_before = capacity(&app);
    delete(&app, "d").unwrap();
    check(&app);

    assert_err(
        app.query(&Actor::Admin, T0, GetUser { username: n("d") }),
        404,
        "service_resource_not_found",
    );
    // Friends' lists and remarks.
    assert_eq!(friends(&app, "a"), ["c"]);
    assert!(friends(&app, "b").is_empty());
    let page = page_with_remarks(&app, "a");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].remark.as_deref(), Some("see"));
    // Block lists: others' lists lose d; d's own list is gone.
    assert_eq!(blocks(&app, "c"), ["b"]);
    assert!(blocks(&app, "a").is_empty());
    // Attributes and capacity.
    assert_eq!(
        capacity(&app),
        cap_before - ("nickname".len() + 3 + "phone".len() + 3) as u64
    );
    assert_eq!(capacity(&app), ("nickname".len() + 2) as u64);
    assert!(
        app.query(&Actor::Admin, T0, GetAttributes { username: n("d") })
            .unwrap()
            .is_empty()
    );
    // Tokens.
    assert_err(validate(&app, "d-tok-1", T0), 401, "auth_bad_access_token");
    assert_err(validate(&app, "d-tok-2", T0), 401, "auth_bad_access_token");
    assert_eq!(validate(&app, "a-tok", T0).unwrap(), user("a"));
    // Mutes.
    assert_err(
        app.query(&Actor::Admin, T0, GetGlobalMute { username: n("d") }),
        400,
        "required_property_not_found",
    );
    let listed: Vec<String> = app
        .query(&Actor::Admin, T0, ListGlobalMutes::default())
        .unwrap()
        .into_iter()
        .map(|m| m.username.to_string())
        .collect();
    assert_eq!(listed, ["b", "b"]);
    // Sessions.
    assert_err(
        app.query(&Actor::Admin, T0, IsOnline { username: n("d") }),
        404,
        "service_resource_not_found",
    );
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            BatchOnline {
                usernames: vec!["d".into()]
            }
        )
        .unwrap(),
        vec![("d".to_string(), false)]
    );
}

#[test]
fn a_newcomer_with_the_same_name_inherits_nothing() {
    let app = world();
    let cap_before_delete = capacity(&app);
    delete(&app, "d").unwrap();
    let cap_after_delete = capacity(&app);
    assert!(cap_after_delete < cap_before_delete);
    let v = app
        .execute(
            &Actor::Admin,
            Timestamp(T0.0 + 1),
            RegisterUser(NewUser::new("D", "pw", "uuid-d2")),
        )
        .unwrap()
        .reply;
    assert_eq!(v.uuid, "uuid-d2");
    check(&app);
    assert!(friends(&app, "d").is_empty());
    assert!(!friends(&app, "a").contains(&"d".to_string()));
    assert!(blocks(&app, "d").is_empty());
    for (owner, other) in [("c", "d"), ("a", "d"), ("d", "a")] {
        assert!(
            !app.query(
                &Actor::Admin,
                T0,
                IsBlocked {
                    owner: n(owner),
                    other: n(other)
                }
            )
            .unwrap(),
            "{owner} blocks {other}"
        );
    }
    assert!(
        app.query(&Actor::Admin, T0, GetAttributes { username: n("d") })
            .unwrap()
            .is_empty()
    );
    assert_eq!(capacity(&app), cap_after_delete);
    let m = app
        .query(&Actor::Admin, T0, GetGlobalMute { username: n("d") })
        .unwrap();
    assert_eq!((m.chat, m.groupchat, m.chatroom), (None, None, None));
    assert!(
        !app.query(
            &Actor::Admin,
            T0,
            IsGloballyMuted {
                username: n("d"),
                scope: MuteScope::Chat
            }
        )
        .unwrap()
    );
    assert!(
        app.query(&Actor::Admin, T0, ListDevices { username: n("d") })
            .unwrap()
            .is_empty()
    );
    assert!(
        !app.query(&Actor::Admin, T0, IsOnline { username: n("d") })
            .unwrap()
    );
    // Old tokens stay dead even though the name (and password) match again.
    assert_err(validate(&app, "d-tok-1", T0), 401, "auth_bad_access_token");
    // The newcomer may form links afresh.
    befriend(&app, "a", "d");
    block(&app, "c", &["d"]).unwrap();
    check(&app);
}

#[test]
fn delete_errors() {
    let app = world();
    assert_err(
        app.execute(&user("d"), T0, DeleteUser { username: n("d") }),
        401,
        "unauthorized",
    );
    assert_err(
        app.execute(&Actor::Anonymous, T0, DeleteUser { username: n("d") }),
        401,
        "unauthorized",
    );
    assert_err_desc(
        delete(&app, "zed"),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    delete(&app, "d").unwrap();
    assert_err(delete(&app, "d"), 404, "service_resource_not_found");
    check(&app);
}

#[test]
fn a_user_with_nothing_deletes_cleanly() {
    let app = app();
    reg(&app, "lonely");
    let out = delete(&app, "lonely").unwrap();
    assert_eq!(
        out.events,
        vec![Event::UserDeleted {
            user: n("lonely"),
            uuid: "uuid-lonely".into()
        }]
    );
    check(&app);
}

#[test]
fn deleting_everyone_leaves_an_empty_app() {
    let app = world();
    for u in ["a", "b", "c", "d"] {
        delete(&app, u).unwrap();
        check(&app);
    }
    assert_eq!(capacity(&app), 0);
    assert!(
        app.query(&Actor::Admin, T0, ListGlobalMutes::default())
            .unwrap()
            .is_empty()
    );
    assert_err(validate(&app, "a-tok", T0), 401, "auth_bad_access_token");
    // The user count is released: a capped app could register four again.
    let capped = app_with(Limits {
        users_max: Some(1),
        ..Limits::default()
    });
    reg(&capped, "x");
    delete(&capped, "x").unwrap();
    reg(&capped, "y");
    check(&capped);
}
