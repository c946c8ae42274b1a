//! Batch registration (spec 01 §4): the 60-item cap, whole-request validation, duplicates
//! inside one batch, partial success for existing names, and the user cap.

use crate::fixture::users::*;
use imcore::*;

fn batch(names: &[&str]) -> RegisterUsers {
    RegisterUsers(
        names
            .iter()
            .map(|s| NewUser::new(s, "pw", &format!("uuid-{s}")))
            .collect(),
    )
}

fn numbered(count: usize, prefix: &str) -> RegisterUsers {
    RegisterUsers(
        (0..count)
            .map(|i| NewUser::new(&format!("{prefix}{i}"), "pw", &format!("id{i}")))
            .collect(),
    )
}

fn user_count(app: &App) -> usize {
    let mut total = 0;
    let mut cursor = None;
    loop {
        let p = app
            .query(
                &Actor::Admin,
                T0,
                ListUsers {
                    limit: Some(100),
                    cursor,
                },
            )
            .unwrap();
        total += p.items.len();
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => return total,
        }
    }
}

fn size_error(n: usize) -> String {
    format!(
        "Request body array size[{n}] had almost reached or been greater than the upper range value[60]"
    )
}

#[test]
fn sixty_is_the_most_per_call() {
    let app = app();
    for (count, prefix) in [(59, "a"), (60, "b")] {
        let out = app
            .execute(&Actor::Admin, T0, numbered(count, prefix))
            .unwrap();
        assert_eq!(out.reply.created.len(), count);
        assert!(out.reply.failed.is_empty());
        assert_eq!(out.events.len(), count);
    }
    assert_err_desc(
        app.execute(&Actor::Admin, T0, numbered(61, "c")),
        400,
        "illegal_argument",
        &size_error(61),
    );
    assert_eq!(user_count(&app), 119);
    check(&app);
}

#[test]
fn an_empty_batch_is_refused() {
    let app = app();
    assert_err_desc(
        app.execute(&Actor::Admin, T0, RegisterUsers(vec![])),
        400,
        "illegal_argument",
        &size_error(0),
    );
}

#[test]
fn only_the_admin_may_batch_register() {
    let app = app_with(Limits {
        registration_mode: RegistrationMode::Open,
        ..Limits::default()
    });
    reg(&app, "me");
    assert_err(
        app.execute(&Actor::Anonymous, T0, batch(&["x"])),
        401,
        "unauthorized",
    );
    assert_err(
        app.execute(&user("me"), T0, batch(&["x"])),
        401,
        "unauthorized",
    );
    assert_eq!(user_count(&app), 1);
}

#[test]
fn one_bad_item_rejects_the_whole_batch() {
    let app = app();
    assert_err_desc(
        app.execute(&Actor::Admin, T0, batch(&["good1", "bad name", "good2"])),
        400,
        "illegal_argument",
        "username bad name is not legal",
    );
    let mut b = batch(&["good1", "good2"]);
    b.0[1].password = "p".repeat(65);
    assert_err_desc(
        app.execute(&Actor::Admin, T0, b),
        400,
        "illegal_argument",
        "password is too long",
    );
    let mut b = batch(&["good1", "good2"]);
    b.0[0].nickname = Some("n".repeat(101));
    assert_err_desc(
        app.execute(&Actor::Admin, T0, b),
        400,
        "illegal_argument",
        "NICKNAME_TOO_LONG",
    );
    assert_eq!(user_count(&app), 0);
    check(&app);
}

#[test]
fn same_name_with_different_passwords_is_refused() {
    let app = app();
    let mut b = batch(&["dup", "other", "DUP"]);
    b.0[2].password = "different".into();
    assert_err_desc(
        app.execute(&Actor::Admin, T0, b),
        400,
        "duplicate_unique_property_exists",
        "the same user dup has a different password in this request",
    );
    assert_eq!(user_count(&app), 0);
}

#[test]
fn item_rules_are_checked_before_password_conflicts() {
    // The documented check order puts every item's own rules (3) before conflicts between
    // items (4), wherever in the array they are.
    let app = app();
    let mut b = batch(&["dup", "dup", "bad name"]);
    b.0[1].password = "different".into();
    assert_err_desc(
        app.execute(&Actor::Admin, T0, b),
        400,
        "illegal_argument",
        "username bad name is not legal",
    );
}

#[test]
fn exact_duplicates_are_collapsed() {
    let app = app();
    let out = app
        .execute(&Actor::Admin, T0, batch(&["twin", "Twin", "solo", "twin"]))
        .unwrap();
    let created: Vec<&str> = out
        .reply
        .created
        .iter()
        .map(|v| v.username.as_str())
        .collect();
    assert_eq!(created, ["twin", "solo"]);
    assert!(out.reply.failed.is_empty());
    assert_eq!(
        out.events,
        vec![
            Event::UserRegistered { user: n("twin") },
            Event::UserRegistered { user: n("solo") },
        ]
    );
    assert_eq!(user_count(&app), 2);
    check(&app);
}

#[test]
fn existing_names_are_partial_failures() {
    let app = app();
    reg(&app, "old1");
    reg(&app, "old2");
    let out = app
        .execute(&Actor::Admin, T0, batch(&["new1", "OLD1", "new2", "old2"]))
        .unwrap();
    let created: Vec<&str> = out
        .reply
        .created
        .iter()
        .map(|v| v.username.as_str())
        .collect();
    assert_eq!(created, ["new1", "new2"]);
    assert_eq!(
        out.reply.failed,
        vec![
            RegisterFailure {
                username: n("old1"),
                reason: "the old1 already exists".into()
            },
            RegisterFailure {
                username: n("old2"),
                reason: "the old2 already exists".into()
            },
        ]
    );
    assert!(out.reply.created.iter().all(|v| v.activated));
    assert_eq!(out.reply.created[0].uuid, "uuid-new1");
    assert_eq!(user_count(&app), 4);
    check(&app);
}

#[test]
fn a_batch_past_the_user_cap_is_refused_whole() {
    let app = app_with(Limits {
        users_max: Some(5),
        ..Limits::default()
    });
    reg(&app, "a");
    reg(&app, "b");
    // 2 existing + 4 new = 6 > 5: nothing is created.
    assert_err(
        app.execute(&Actor::Admin, T0, batch(&["c", "d", "e", "f"])),
        429,
        "resource_limited",
    );
    assert_eq!(user_count(&app), 2);
    // 2 + 3 = 5 (n) fits; existing names in the batch do not count.
    let out = app
        .execute(&Actor::Admin, T0, batch(&["a", "c", "d", "e"]))
        .unwrap();
    assert_eq!(out.reply.created.len(), 3);
    assert_eq!(out.reply.failed.len(), 1);
    // At the cap, a batch of only existing names still succeeds (all partial failures).
    let out = app.execute(&Actor::Admin, T0, batch(&["a", "b"])).unwrap();
    assert!(out.reply.created.is_empty());
    assert_eq!(out.reply.failed.len(), 2);
    assert_err(
        app.execute(&Actor::Admin, T0, batch(&["z"])),
        429,
        "resource_limited",
    );
    assert_eq!(user_count(&app), 5);
    check(&app);
}

#[test]
fn user_cap_edges_with_batches() {
    let app = app_with(Limits {
        users_max: Some(60),
        ..Limits::default()
    });
    app.execute(&Actor::Admin, T0, numbered(59, "a")).unwrap(); // n-1
    app.execute(&Actor::Admin, T0, numbered(1, "b")).unwrap(); // n
    assert_err(
        app.execute(&Actor::Admin, T0, numbered(1, "c")), // n+1
        429,
        "resource_limited",
    );
    assert_eq!(user_count(&app), 60);
    check(&app);
}
