//! Reading users (spec 01 §5) and batch delete (§6): get one, list by creation order with
//! stable cursors, the `limit` edges, and deleting the oldest users.

use crate::fixture::users::*;
use imcore::*;

fn list(app: &App, limit: Option<u32>, cursor: Option<String>) -> Result<Page<UserView>> {
    app.query(&Actor::Admin, T0, ListUsers { limit, cursor })
}

fn names(p: &Page<UserView>) -> Vec<String> {
    p.items.iter().map(|v| v.username.to_string()).collect()
}

#[test]
fn get_one_user() {
    let app = app();
    let v = reg(&app, "alice");
    reg(&app, "bob");
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            GetUser {
                username: n("alice")
            }
        )
        .unwrap(),
        v
    );
    assert_eq!(
        app.query(
            &user("alice"),
            T0,
            GetUser {
                username: n("alice")
            }
        )
        .unwrap(),
        v
    );
    assert_err(
        app.query(
            &user("bob"),
            T0,
            GetUser {
                username: n("alice"),
            },
        ),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(
            &Actor::Anonymous,
            T0,
            GetUser {
                username: n("alice"),
            },
        ),
        401,
        "unauthorized",
    );
    assert_err_desc(
        app.query(
            &Actor::Admin,
            T0,
            GetUser {
                username: n("carol"),
            },
        ),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
}

#[test]
fn list_is_by_creation_time_then_registration_order() {
    let app = app();
    for (name, t) in [
        ("late", 30),
        ("early", 10),
        ("mid1", 20),
        ("mid2", 20),
        ("mid0", 20),
    ] {
        app.execute(
            &Actor::Admin,
            Timestamp(T0.0 + t),
            RegisterUser(NewUser::new(name, "pw", name)),
        )
        .unwrap();
    }
    let p = list(&app, None, None).unwrap();
    assert_eq!(names(&p), ["early", "mid1", "mid2", "mid0", "late"]);
    assert_eq!(p.cursor, None);
}

#[test]
fn list_is_admin_only() {
    let app = app();
    reg(&app, "a");
    assert_err(
        app.query(&user("a"), T0, ListUsers::default()),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(&Actor::Anonymous, T0, ListUsers::default()),
        401,
        "unauthorized",
    );
}

#[test]
fn limit_edges() {
    let app = app();
    let all = reg_many(&app, "u", 150);
    assert_eq!(list(&app, None, None).unwrap().items.len(), 10);
    assert_eq!(list(&app, Some(1), None).unwrap().items.len(), 1);
    assert_eq!(list(&app, Some(99), None).unwrap().items.len(), 99);
    assert_eq!(list(&app, Some(100), None).unwrap().items.len(), 100);
    // Above 100 is clamped.
    let p = list(&app, Some(101), None).unwrap();
    assert_eq!(p.items.len(), 100);
    assert!(p.cursor.is_some());
    let p = list(&app, Some(u32::MAX), None).unwrap();
    assert_eq!(p.items.len(), 100);
    assert_err(list(&app, Some(0), None), 400, "illegal_argument");
    assert_eq!(all.len(), 150);
}

#[test]
fn cursor_is_present_exactly_when_more_follow() {
    let app = app();
    reg_many(&app, "u", 20);
    let p = list(&app, Some(20), None).unwrap();
    assert_eq!(p.items.len(), 20);
    assert_eq!(p.cursor, None);
    let p = list(&app, Some(19), None).unwrap();
    assert!(p.cursor.is_some());
    let rest = list(&app, Some(19), p.cursor).unwrap();
    assert_eq!(names(&rest), ["u19"]);
    assert_eq!(rest.cursor, None);
    let p = list(&app, Some(21), None).unwrap();
    assert_eq!(p.cursor, None);
}

#[test]
fn paging_visits_every_user_once_in_order() {
    let app = app();
    let all = reg_many(&app, "u", 95);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = list(&app, Some(7), cursor).unwrap();
        seen.extend(p.items.into_iter().map(|v| v.username));
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, all);
}

#[test]
fn cursors_are_stable_under_creation_and_deletion() {
    let app = app();
    reg_many(&app, "u", 10);
    let p = list(&app, Some(4), None).unwrap();
    assert_eq!(names(&p), ["u0", "u1", "u2", "u3"]);
    let c = p.cursor.unwrap();
    // Delete the last one returned and the next one; add a new user.
    for d in ["u3", "u4"] {
        app.execute(&Actor::Admin, T0, DeleteUser { username: n(d) })
            .unwrap();
    }
    app.execute(
        &Actor::Admin,
        Timestamp(T0.0 + 1),
        RegisterUser(NewUser::new("new", "pw", "x")),
    )
    .unwrap();
    let p = list(&app, Some(4), Some(c)).unwrap();
    assert_eq!(names(&p), ["u5", "u6", "u7", "u8"]);
    let p = list(&app, Some(4), p.cursor).unwrap();
    assert_eq!(names(&p), ["u9", "new"]);
    assert_eq!(p.cursor, None);
    check(&app);
}

#[test]
fn bad_cursors_are_illegal_arguments() {
    let app = app();
    reg_many(&app, "u", 3);
    for bad in [
        "", "garbage", "u:", "u:zz.1", "u:1", "u:1.2.3", "f:1.2", "b:1",
    ] {
        assert_err(
            list(&app, Some(1), Some(bad.into())),
            400,
            "illegal_argument",
        );
    }
}

#[test]
fn batch_delete_removes_the_oldest() {
    let app = app();
    reg_many(&app, "u", 25);
    let out = app
        .execute(&Actor::Admin, T0, DeleteUsers { limit: None })
        .unwrap();
    let gone: Vec<String> = out
        .reply
        .items
        .iter()
        .map(|v| v.username.to_string())
        .collect();
    assert_eq!(gone, (0..10).map(|i| format!("u{i}")).collect::<Vec<_>>());
    assert!(out.reply.cursor.is_some());
    assert_eq!(
        out.events
            .iter()
            .filter(|e| matches!(e, Event::UserDeleted { .. }))
            .count(),
        10
    );
    check(&app);
    let out = app
        .execute(&Actor::Admin, T0, DeleteUsers { limit: Some(15) })
        .unwrap();
    assert_eq!(out.reply.items.len(), 15);
    assert_eq!(out.reply.cursor, None);
    assert!(list(&app, None, None).unwrap().items.is_empty());
    check(&app);
}

#[test]
fn batch_delete_limit_edges() {
    let app = app();
    reg_many(&app, "u", 310);
    assert_err(
        app.execute(&Actor::Admin, T0, DeleteUsers { limit: Some(0) }),
        400,
        "illegal_argument",
    );
    for (limit, expect) in [(99, 99), (100, 100), (101, 100)] {
        let out = app
            .execute(&Actor::Admin, T0, DeleteUsers { limit: Some(limit) })
            .unwrap();
        assert_eq!(out.reply.items.len(), expect, "limit {limit}");
    }
    // 310 - 299 = 11 left.
    let left = list(&app, Some(100), None).unwrap();
    assert_eq!(left.items.len(), 11);
    check(&app);
}

#[test]
fn batch_delete_is_admin_only() {
    let app = app();
    reg(&app, "a");
    assert_err(
        app.execute(&user("a"), T0, DeleteUsers { limit: Some(1) }),
        401,
        "unauthorized",
    );
    assert_eq!(list(&app, None, None).unwrap().items.len(), 1);
}

#[test]
fn batch_delete_runs_the_full_cascade() {
    let app = app();
    reg(&app, "old");
    reg(&app, "young");
    befriend(&app, "old", "young");
    block(&app, "young", &["old"]).unwrap();
    set_attrs(&app, "old", &[("k", "vvvv")]).unwrap();
    let out = app
        .execute(&Actor::Admin, T0, DeleteUsers { limit: Some(1) })
        .unwrap();
    assert_eq!(
        out.events,
        vec![
            Event::ContactRemoved {
                owner: n("young"),
                friend: n("old")
            },
            Event::UserDeleted {
                user: n("old"),
                uuid: "uuid-old".into()
            },
        ]
    );
    assert!(friends(&app, "young").is_empty());
    assert!(blocks(&app, "young").is_empty());
    assert_eq!(capacity(&app), 0);
    check(&app);
}
