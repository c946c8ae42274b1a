//! Disable and enable (spec 01 §8): sessions dropped, no new sessions or tokens, everything
//! else kept and manageable, idempotent repeats.

use crate::fixture::users::*;
use imcore::*;

fn disable(app: &App, name: &str, now: Timestamp) -> Result<Output<UserView>> {
    app.execute(&Actor::Admin, now, DisableUser { username: n(name) })
}

fn enable(app: &App, name: &str, now: Timestamp) -> Result<Output<UserView>> {
    app.execute(&Actor::Admin, now, EnableUser { username: n(name) })
}

#[test]
fn disable_drops_sessions_and_reports_the_view() {
    let app = app();
    reg(&app, "a");
    open(&app, "a", "android_1").unwrap();
    open(&app, "a", "web_x").unwrap();
    let t1 = Timestamp(T0.0 + 10);
    let out = disable(&app, "a", t1).unwrap();
    assert!(!out.reply.activated);
    assert_eq!(out.reply.modified, t1);
    assert_eq!(
        out.events,
        vec![
            Event::ForceDisconnect {
                user: n("a"),
                resource: "android_1".into(),
                reason: DisconnectReason::Disabled
            },
            Event::ForceDisconnect {
                user: n("a"),
                resource: "web_x".into(),
                reason: DisconnectReason::Disabled
            },
            Event::UserDisabled { user: n("a") },
        ]
    );
    assert!(
        !app.query(&Actor::Admin, T0, IsOnline { username: n("a") })
            .unwrap()
    );
    assert_err_desc(
        open(&app, "a", "ios_1"),
        400,
        "invalid_grant",
        "user not activated",
    );
    assert_err_desc(
        token(&app, "a", "pw", "t"),
        400,
        "invalid_grant",
        "user not activated",
    );
    check(&app);
}

#[test]
fn repeats_are_idempotent_and_silent() {
    let app = app();
    reg(&app, "a");
    let t1 = Timestamp(T0.0 + 10);
    disable(&app, "a", t1).unwrap();
    let again = disable(&app, "a", Timestamp(T0.0 + 20)).unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.reply.modified, t1);
    assert!(!again.reply.activated);

    let t3 = Timestamp(T0.0 + 30);
    let out = enable(&app, "a", t3).unwrap();
    assert!(out.reply.activated);
    assert_eq!(out.reply.modified, t3);
    assert_eq!(out.events, vec![Event::UserEnabled { user: n("a") }]);
    let again = enable(&app, "a", Timestamp(T0.0 + 40)).unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.reply.modified, t3);
    // Enabling a user who was never disabled changes nothing.
    reg(&app, "b");
    let out = enable(&app, "b", t3).unwrap();
    assert!(out.events.is_empty());
    assert_eq!(out.reply.modified, T0);
}

#[test]
fn enable_restores_logins() {
    let app = app();
    reg(&app, "a");
    disable(&app, "a", T0).unwrap();
    enable(&app, "a", T0).unwrap();
    open(&app, "a", "ios_1").unwrap();
    token(&app, "a", "pw", "t").unwrap();
    assert_eq!(validate(&app, "t", T0).unwrap(), user("a"));
}

#[test]
fn a_disabled_user_keeps_everything_and_stays_manageable() {
    let app = app();
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    befriend(&app, "a", "b");
    block(&app, "a", &["c"]).unwrap();
    set_attrs(&app, "a", &[("k", "v")]).unwrap();
    disable(&app, "a", T0).unwrap();
    assert_eq!(friends(&app, "a"), ["b"]);
    assert_eq!(blocks(&app, "a"), ["c"]);
    assert_eq!(capacity(&app), 2);
    // The admin still manages the disabled user's relations and attributes.
    befriend(&app, "c", "a");
    block(&app, "a", &["b"]).unwrap();
    set_attrs(&app, "a", &[("k2", "v2")]).unwrap();
    app.execute(
        &Actor::Admin,
        T0,
        SetGlobalMute {
            username: n("a"),
            chat: Some(MuteValue::Forever),
            groupchat: None,
            chatroom: None,
        },
    )
    .unwrap();
    assert_eq!(friends(&app, "a").len(), 2);
    assert_eq!(blocks(&app, "a"), ["b", "c"]);
    check(&app);
    // And may delete them.
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    check(&app);
}

#[test]
fn errors() {
    let app = app();
    reg(&app, "a");
    for actor in [user("a"), Actor::Anonymous] {
        assert_err(
            app.execute(&actor, T0, DisableUser { username: n("a") }),
            401,
            "unauthorized",
        );
        assert_err(
            app.execute(&actor, T0, EnableUser { username: n("a") }),
            401,
            "unauthorized",
        );
    }
    assert_err_desc(
        disable(&app, "ghost", T0),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    assert_err(enable(&app, "ghost", T0), 404, "service_resource_not_found");
    assert!(
        app.query(&Actor::Admin, T0, GetUser { username: n("a") })
            .unwrap()
            .activated
    );
}
