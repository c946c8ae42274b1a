//! Friends (spec 01 §10): symmetric add and remove, remarks, list order, the paged list with
//! its 50-item cap, import with its 10-name cap and per-name buckets, and who may call.

use crate::fixture::users::*;
use imcore::limits::{CONTACTS_IMPORT_MAX, CONTACTS_PAGE_MAX};
use imcore::*;

fn add_as(
    app: &App,
    actor: &Actor,
    owner: &str,
    friend: &str,
    now: Timestamp,
) -> Result<Output<UserView>> {
    app.execute(
        actor,
        now,
        AddFriend {
            owner: n(owner),
            friend: n(friend),
        },
    )
}

fn remove_as(app: &App, actor: &Actor, owner: &str, friend: &str) -> Result<Output<UserView>> {
    app.execute(
        actor,
        T0,
        RemoveFriend {
            owner: n(owner),
            friend: n(friend),
        },
    )
}

fn remark_as(app: &App, actor: &Actor, owner: &str, friend: &str, r: &str) -> Result<Output<()>> {
    app.execute(
        actor,
        T0,
        SetRemark {
            owner: n(owner),
            friend: n(friend),
            remark: r.into(),
        },
    )
}

fn are_friends(app: &App, a: &str, b: &str) -> bool {
    app.query(&Actor::Admin, T0, AreFriends { a: n(a), b: n(b) })
        .unwrap()
}

fn page(
    app: &App,
    owner: &str,
    limit: Option<u32>,
    cursor: Option<String>,
    need_remark: bool,
) -> Result<Page<Contact>> {
    app.query(
        &Actor::Admin,
        T0,
        ListFriendsPage {
            owner: n(owner),
            limit,
            cursor,
            need_remark,
        },
    )
}

fn import(
    app: &App,
    owner: &str,
    names: &[&str],
    notify: bool,
) -> Result<Output<Vec<(String, ImportResult)>>> {
    app.execute(
        &Actor::Admin,
        T0,
        ImportFriends {
            owner: n(owner),
            usernames: names.iter().map(|s| s.to_string()).collect(),
            notify,
        },
    )
}

#[test]
fn adding_is_symmetric_and_reports_the_friend() {
    let app = app();
    reg(&app, "a");
    let b = reg(&app, "b");
    let out = add_as(&app, &Actor::Admin, "A", "B", T0).unwrap();
    assert_eq!(out.reply, b);
    assert_eq!(
        out.events,
        vec![Event::ContactAdded {
            owner: n("a"),
            friend: n("b")
        }]
    );
    assert!(are_friends(&app, "a", "b"));
    assert!(are_friends(&app, "b", "a"));
    assert_eq!(friends(&app, "a"), ["b"]);
    assert_eq!(friends(&app, "b"), ["a"]);
    check(&app);
}

#[test]
fn adding_an_existing_friend_changes_nothing() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    add_as(&app, &Actor::Admin, "a", "b", T0).unwrap();
    let later = Timestamp(T0.0 + 100);
    for (o, f) in [("a", "b"), ("b", "a")] {
        let out = add_as(&app, &Actor::Admin, o, f, later).unwrap();
        assert!(out.events.is_empty());
    }
    assert_eq!(friends(&app, "a"), ["b"]);
    // The original added_at is kept.
    assert_eq!(
        page(&app, "a", None, None, false).unwrap().items[0].added_at,
        T0
    );
    check(&app);
}

#[test]
fn add_errors_in_check_order() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    reg(&app, "c");
    assert_err(add_as(&app, &user("c"), "a", "b", T0), 401, "unauthorized");
    assert_err(
        add_as(&app, &Actor::Anonymous, "a", "b", T0),
        401,
        "unauthorized",
    );
    assert_err(add_as(&app, &user("c"), "a", "a", T0), 401, "unauthorized");
    assert_err(
        add_as(&app, &Actor::Admin, "a", "A", T0),
        400,
        "illegal_argument",
    );
    assert_err(
        add_as(&app, &Actor::Admin, "ghost", "ghost", T0),
        400,
        "illegal_argument",
    );
    assert_err_desc(
        add_as(&app, &Actor::Admin, "a", "ghost", T0),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    assert_err(
        add_as(&app, &Actor::Admin, "ghost", "a", T0),
        404,
        "service_resource_not_found",
    );
    // The owner may add on their own behalf.
    add_as(&app, &user("a"), "a", "b", T0).unwrap();
    assert_eq!(friends(&app, "c"), Vec::<String>::new());
    check(&app);
}

#[test]
fn removing_is_symmetric_and_drops_both_remarks() {
    let app = app();
    reg(&app, "a");
    let b = reg(&app, "b");
    befriend(&app, "a", "b");
    remark_as(&app, &Actor::Admin, "a", "b", "bee").unwrap();
    remark_as(&app, &Actor::Admin, "b", "a", "ay").unwrap();
    assert_err(remove_as(&app, &user("b"), "a", "b"), 401, "unauthorized");
    let out = remove_as(&app, &user("a"), "a", "b").unwrap();
    assert_eq!(out.reply, b);
    assert_eq!(
        out.events,
        vec![Event::ContactRemoved {
            owner: n("a"),
            friend: n("b")
        }]
    );
    assert!(!are_friends(&app, "a", "b"));
    assert!(!are_friends(&app, "b", "a"));
    check(&app);
    // Not friends: success, nothing happens.
    let out = remove_as(&app, &Actor::Admin, "b", "a").unwrap();
    assert!(out.events.is_empty());
    // Re-adding starts without remarks.
    befriend(&app, "a", "b");
    assert_eq!(
        page(&app, "a", None, None, true).unwrap().items[0].remark,
        None
    );
    assert_eq!(
        page(&app, "b", None, None, true).unwrap().items[0].remark,
        None
    );
    assert_err(
        remove_as(&app, &Actor::Admin, "a", "ghost"),
        404,
        "service_resource_not_found",
    );
    assert_err(
        remove_as(&app, &Actor::Admin, "ghost", "a"),
        404,
        "service_resource_not_found",
    );
    check(&app);
}

#[test]
fn remarks_are_one_directional_with_a_100_character_cap() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    reg(&app, "c");
    befriend(&app, "a", "b");
    for len in [1, 99, 100] {
        remark_as(&app, &Actor::Admin, "a", "b", &"备".repeat(len)).unwrap();
        let items = page(&app, "a", None, None, true).unwrap().items;
        assert_eq!(
            items[0].remark.as_deref().map(|r| r.chars().count()),
            Some(len)
        );
    }
    assert_err(
        remark_as(&app, &Actor::Admin, "a", "b", &"备".repeat(101)),
        400,
        "illegal_argument",
    );
    assert_eq!(
        page(&app, "a", None, None, true).unwrap().items[0]
            .remark
            .as_deref()
            .map(|r| r.chars().count()),
        Some(100)
    );
    // b's label for a is separate.
    assert_eq!(
        page(&app, "b", None, None, true).unwrap().items[0].remark,
        None
    );
    // Without need_remark, remarks are left out.
    assert_eq!(
        page(&app, "a", None, None, false).unwrap().items[0].remark,
        None
    );
    // An empty remark clears it.
    remark_as(&app, &user("a"), "a", "b", "").unwrap();
    assert_eq!(
        page(&app, "a", None, None, true).unwrap().items[0].remark,
        None
    );
    check(&app);
}

#[test]
fn remark_errors_in_check_order() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    reg(&app, "c");
    befriend(&app, "a", "b");
    assert_err(
        remark_as(&app, &user("b"), "a", "b", "x"),
        401,
        "unauthorized",
    );
    assert_err(
        remark_as(&app, &Actor::Admin, "ghost", "b", &"x".repeat(101)),
        400,
        "illegal_argument",
    );
    assert_err(
        remark_as(&app, &Actor::Admin, "a", "ghost", "x"),
        404,
        "service_resource_not_found",
    );
    assert_err(
        remark_as(&app, &Actor::Admin, "ghost", "a", "x"),
        404,
        "service_resource_not_found",
    );
    assert_err_desc(
        remark_as(&app, &Actor::Admin, "a", "c", "x"),
        400,
        "illegal_argument",
        "updateRemark they are not friends, please add as a friend first.",
    );
    assert_err(
        remark_as(&app, &Actor::Admin, "a", "a", "x"),
        400,
        "illegal_argument",
    );
    check(&app);
}

#[test]
fn lists_are_most_recently_added_first() {
    let app = app();
    for u in ["o", "f1", "f2", "f3", "f4"] {
        reg(&app, u);
    }
    add_as(&app, &Actor::Admin, "o", "f2", Timestamp(T0.0 + 1)).unwrap();
    add_as(&app, &Actor::Admin, "f1", "o", Timestamp(T0.0 + 2)).unwrap();
    add_as(&app, &Actor::Admin, "o", "f4", Timestamp(T0.0 + 3)).unwrap();
    // Same instant: the later-registered user first.
    add_as(&app, &Actor::Admin, "o", "f3", Timestamp(T0.0 + 3)).unwrap();
    assert_eq!(friends(&app, "o"), ["f4", "f3", "f1", "f2"]);
    let p = page(&app, "o", None, None, false).unwrap();
    let names: Vec<String> = p.items.iter().map(|c| c.username.to_string()).collect();
    assert_eq!(names, ["f4", "f3", "f1", "f2"]);
    assert_eq!(p.items[2].added_at, Timestamp(T0.0 + 2));
    assert_eq!(p.cursor, None);
}

#[test]
fn list_errors_and_permissions() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    assert_err(
        app.query(&Actor::Admin, T0, ListFriends { owner: n("ghost") }),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.query(&user("b"), T0, ListFriends { owner: n("a") }),
        401,
        "unauthorized",
    );
    assert!(
        app.query(&user("a"), T0, ListFriends { owner: n("a") })
            .unwrap()
            .is_empty()
    );
    assert_err(
        page(&app, "ghost", None, None, false),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.query(
            &user("b"),
            T0,
            ListFriendsPage {
                owner: n("a"),
                limit: None,
                cursor: None,
                need_remark: false,
            },
        ),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(
            &user("b"),
            T0,
            AreFriends {
                a: n("a"),
                b: n("a"),
            },
        ),
        401,
        "unauthorized",
    );
    assert!(
        !app.query(
            &user("b"),
            T0,
            AreFriends {
                a: n("a"),
                b: n("b")
            }
        )
        .unwrap()
    );
    assert!(
        !app.query(
            &Actor::Admin,
            T0,
            AreFriends {
                a: n("ghost"),
                b: n("b")
            }
        )
        .unwrap()
    );
}

#[test]
fn contacts_page_size_edges() {
    let app = app();
    reg(&app, "o");
    let others = reg_many(&app, "f", 60);
    for (i, f) in others.iter().enumerate() {
        add_as(
            &app,
            &Actor::Admin,
            "o",
            f.as_str(),
            Timestamp(T0.0 + i as i64),
        )
        .unwrap();
    }
    assert_eq!(page(&app, "o", None, None, false).unwrap().items.len(), 10);
    assert_eq!(
        page(&app, "o", Some(1), None, false).unwrap().items.len(),
        1
    );
    for size in [CONTACTS_PAGE_MAX - 1, CONTACTS_PAGE_MAX] {
        let p = page(&app, "o", Some(size), None, false).unwrap();
        assert_eq!(p.items.len(), size as usize);
        assert!(p.cursor.is_some());
    }
    assert_err_desc(
        page(&app, "o", Some(CONTACTS_PAGE_MAX + 1), None, false),
        400,
        "illegal_argument",
        "getContacts page size more than max limit : 50",
    );
    assert_err(
        page(&app, "o", Some(0), None, false),
        400,
        "illegal_argument",
    );
    // Walk the whole list in pages.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(&app, "o", Some(7), cursor, false).unwrap();
        seen.extend(p.items.into_iter().map(|c| c.username.to_string()));
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, friends(&app, "o"));
    assert_eq!(seen.len(), 60);
    assert_eq!(seen[0], "f59");
    for bad in ["x", "f:", "f:1", "u:1.2", "f:g.1"] {
        assert_err(
            page(&app, "o", Some(5), Some(bad.into()), false),
            400,
            "illegal_argument",
        );
    }
}

#[test]
fn cursor_is_present_exactly_when_more_follow() {
    let app = app();
    reg(&app, "o");
    for f in reg_many(&app, "f", 20) {
        befriend(&app, "o", f.as_str());
    }
    assert_eq!(page(&app, "o", Some(20), None, false).unwrap().cursor, None);
    let p = page(&app, "o", Some(19), None, false).unwrap();
    let rest = page(&app, "o", Some(19), p.cursor, false).unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.cursor, None);
}

#[test]
fn import_sorts_names_into_buckets() {
    let app = app_with(Limits {
        friends_max: Some(3),
        ..Limits::default()
    });
    for u in ["o", "old", "new1", "full", "x1", "x2", "x3", "new2"] {
        reg(&app, u);
    }
    befriend(&app, "o", "old");
    for x in ["x1", "x2", "x3"] {
        befriend(&app, "full", x);
    }
    let out = import(
        &app,
        "o",
        &[
            "OLD",
            "new1",
            "ghost",
            "full",
            "o",
            "not a name",
            "new2",
            "x1",
        ],
        true,
    )
    .unwrap();
    use ImportResult::*;
    assert_eq!(
        out.reply,
        vec![
            ("OLD".to_string(), Success),
            ("new1".to_string(), Success),
            ("ghost".to_string(), NotExistFailed),
            ("full".to_string(), MaxLimitFailed),
            ("o".to_string(), UnknownFailed),
            ("not a name".to_string(), UnknownFailed),
            ("new2".to_string(), Success),
            // o reached the cap (old, new1, new2) during the import.
            ("x1".to_string(), MaxLimitFailed),
        ]
    );
    assert_eq!(
        out.events,
        vec![
            Event::ContactAdded {
                owner: n("o"),
                friend: n("new1")
            },
            Event::ContactAdded {
                owner: n("o"),
                friend: n("new2")
            },
        ]
    );
    assert!(are_friends(&app, "new1", "o"));
    assert!(are_friends(&app, "new2", "o"));
    check(&app);
    // The owner at the cap is refused outright.
    assert_err_desc(
        import(&app, "o", &["x2"], false),
        403,
        "exceed_limit",
        "Inviter's contact max count.",
    );
}

#[test]
fn import_without_notice_emits_nothing() {
    let app = app();
    reg(&app, "o");
    reg(&app, "a");
    let out = import(&app, "o", &["a"], false).unwrap();
    assert_eq!(out.reply, vec![("a".to_string(), ImportResult::Success)]);
    assert!(out.events.is_empty());
    assert!(are_friends(&app, "a", "o"));
}

#[test]
fn import_size_edges_and_errors() {
    let app = app();
    reg(&app, "o");
    let names = reg_many(&app, "f", CONTACTS_IMPORT_MAX + 1);
    let strs: Vec<&str> = names.iter().map(UserName::as_str).collect();
    let out = import(&app, "o", &strs[..CONTACTS_IMPORT_MAX - 1], false).unwrap();
    assert_eq!(out.reply.len(), CONTACTS_IMPORT_MAX - 1);
    let out = import(&app, "o", &strs[..CONTACTS_IMPORT_MAX], false).unwrap();
    assert_eq!(out.reply.len(), CONTACTS_IMPORT_MAX);
    assert_err_desc(
        import(&app, "o", &strs, false),
        400,
        "illegal_argument",
        "request user over flow limit:10.",
    );
    assert!(!are_friends(&app, "o", strs[CONTACTS_IMPORT_MAX]));
    assert_err(
        import(&app, "ghost", &["f1"], false),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.execute(
            &user("o"),
            T0,
            ImportFriends {
                owner: n("o"),
                usernames: vec!["f1".into()],
                notify: false,
            },
        ),
        401,
        "unauthorized",
    );
    assert_eq!(friends(&app, "o").len(), CONTACTS_IMPORT_MAX);
    check(&app);
}
