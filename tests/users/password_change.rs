//! Password change (spec 01 §7): admin only, the length rules, unknown users, and its effects:
//! the new password works at once, tokens are revoked, sessions dropped, `modified` bumped.

use crate::fixture::users::*;
use imcore::*;

fn change(app: &App, actor: &Actor, name: &str, pw: &str, now: Timestamp) -> Result<Output<()>> {
    app.execute(
        actor,
        now,
        ChangePassword {
            username: n(name),
            new_password: pw.into(),
        },
    )
}

#[test]
fn change_emits_disconnects_then_the_change() {
    let app = app();
    reg(&app, "a");
    open(&app, "a", "ios_1").unwrap();
    open(&app, "a", "android_1").unwrap();
    token(&app, "a", "pw", "t").unwrap();
    let later = Timestamp(T0.0 + 500);
    let out = change(&app, &Actor::Admin, "a", "new", later).unwrap();
    assert_eq!(
        out.events,
        vec![
            Event::ForceDisconnect {
                user: n("a"),
                resource: "ios_1".into(),
                reason: DisconnectReason::PasswordChanged
            },
            Event::ForceDisconnect {
                user: n("a"),
                resource: "android_1".into(),
                reason: DisconnectReason::PasswordChanged
            },
            Event::PasswordChanged { user: n("a") },
        ]
    );
    let v = app
        .query(&Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    assert_eq!(v.modified, later);
    assert_eq!(v.created, T0);
    assert!(
        app.query(&Actor::Admin, T0, ListDevices { username: n("a") })
            .unwrap()
            .is_empty()
    );
    assert_err(validate(&app, "t", T0), 401, "auth_bad_access_token");
    assert_err_desc(
        token(&app, "a", "pw", "t2"),
        400,
        "invalid_grant",
        "invalid username or password",
    );
    assert!(token(&app, "a", "new", "t2").is_ok());
    check(&app);
}

#[test]
fn change_without_sessions_emits_only_the_change() {
    let app = app();
    reg(&app, "a");
    let out = change(&app, &Actor::Admin, "A", "new", T0).unwrap();
    assert_eq!(out.events, vec![Event::PasswordChanged { user: n("a") }]);
}

#[test]
fn length_edges() {
    let app = app();
    reg(&app, "a");
    for pw in ["x".to_string(), "é".repeat(63), "é".repeat(64)] {
        change(&app, &Actor::Admin, "a", &pw, T0).unwrap();
        assert!(token(&app, "a", &pw, &format!("t{}", pw.len())).is_ok());
    }
    assert_err_desc(
        change(&app, &Actor::Admin, "a", &"é".repeat(65), T0),
        400,
        "illegal_argument",
        "password is too long",
    );
    assert_err_desc(
        change(&app, &Actor::Admin, "a", "", T0),
        400,
        "illegal_argument",
        "newpassword is required",
    );
    // The failed changes left the last good password in place.
    assert!(token(&app, "a", &"é".repeat(64), "last").is_ok());
}

#[test]
fn errors_in_check_order() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    assert_err(change(&app, &user("a"), "a", "x", T0), 401, "unauthorized");
    assert_err(change(&app, &user("b"), "a", "x", T0), 401, "unauthorized");
    assert_err(
        change(&app, &Actor::Anonymous, "a", "x", T0),
        401,
        "unauthorized",
    );
    assert_err_desc(
        change(&app, &Actor::Admin, "ghost", "x", T0),
        404,
        "entity_not_found",
        "User null not found",
    );
    // The password rules are checked before the user's existence.
    assert_err(
        change(&app, &Actor::Admin, "ghost", "", T0),
        400,
        "illegal_argument",
    );
    // Nothing changed.
    assert!(token(&app, "a", "pw", "t").is_ok());
    let v = app
        .query(&Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    assert_eq!(v.modified, T0);
}

#[test]
fn a_deleted_user_is_not_found() {
    let app = app();
    reg(&app, "a");
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    assert_err(
        change(&app, &Actor::Admin, "a", "x", T0),
        404,
        "entity_not_found",
    );
}
