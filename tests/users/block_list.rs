//! Block lists (spec 01 §11): add (skip existing, all or nothing), the 500 cap at its edge,
//! newest-first listing with the unpaged read and pages of 1–50, remove, the feature switch.

use crate::fixture::users::*;
use imcore::limits::{BLOCKS_MAX, BLOCKS_PAGE_MAX};
use imcore::*;

fn list(
    app: &App,
    owner: &str,
    page_size: Option<u32>,
    cursor: Option<String>,
) -> Result<Page<UserName>> {
    app.query(
        &Actor::Admin,
        T0,
        ListBlocks {
            owner: n(owner),
            page_size,
            cursor,
        },
    )
}

fn unblock_as(app: &App, actor: &Actor, owner: &str, other: &str) -> Result<Output<UserView>> {
    app.execute(
        actor,
        T0,
        UnblockUser {
            owner: n(owner),
            blocked: n(other),
        },
    )
}

fn block_as(
    app: &App,
    actor: &Actor,
    owner: &str,
    targets: &[&str],
) -> Result<Output<Vec<UserName>>> {
    app.execute(
        actor,
        T0,
        BlockUsers {
            owner: n(owner),
            usernames: targets.iter().map(|t| n(t)).collect(),
        },
    )
}

#[test]
fn block_returns_the_names_and_skips_existing_entries() {
    let app = app();
    for u in ["o", "a", "b", "c"] {
        reg(&app, u);
    }
    let out = block(&app, "o", &["a", "b"]).unwrap();
    assert_eq!(out.reply, vec![n("a"), n("b")]);
    assert_eq!(
        out.events,
        vec![
            Event::UserBlocked {
                owner: n("o"),
                blocked: n("a")
            },
            Event::UserBlocked {
                owner: n("o"),
                blocked: n("b")
            },
        ]
    );
    assert_eq!(blocks(&app, "o"), ["b", "a"]);
    // a is already there: skipped, keeps its position; c is new; duplicates collapse.
    let out = block(&app, "o", &["c", "A", "c"]).unwrap();
    assert_eq!(out.reply, vec![n("c"), n("a")]);
    assert_eq!(
        out.events,
        vec![Event::UserBlocked {
            owner: n("o"),
            blocked: n("c")
        }]
    );
    assert_eq!(blocks(&app, "o"), ["c", "b", "a"]);
    check(&app);
}

#[test]
fn block_errors_change_nothing() {
    let app = app();
    for u in ["o", "a", "b"] {
        reg(&app, u);
    }
    block(&app, "o", &["a"]).unwrap();
    assert_err(block_as(&app, &user("a"), "o", &["b"]), 401, "unauthorized");
    assert_err(
        block_as(&app, &Actor::Anonymous, "o", &["b"]),
        401,
        "unauthorized",
    );
    assert_err(block(&app, "o", &[]), 400, "illegal_argument");
    assert_err(block(&app, "o", &["b", "O"]), 400, "illegal_argument");
    assert_err(
        block(&app, "ghost", &["a"]),
        404,
        "service_resource_not_found",
    );
    assert_err_desc(
        block(&app, "o", &["b", "ghost"]),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    assert_eq!(blocks(&app, "o"), ["a"]);
    // The owner may block on their own behalf.
    block_as(&app, &user("o"), "o", &["b"]).unwrap();
    assert_eq!(blocks(&app, "o"), ["b", "a"]);
    check(&app);
}

#[test]
fn the_500_cap_is_all_or_nothing() {
    let app = app();
    reg(&app, "o");
    let others = reg_many(&app, "t", BLOCKS_MAX + 2);
    let strs: Vec<&str> = others.iter().map(UserName::as_str).collect();
    block(&app, "o", &strs[..BLOCKS_MAX - 2]).unwrap();
    block(&app, "o", &strs[BLOCKS_MAX - 2..BLOCKS_MAX - 1]).unwrap(); // n-1
    // Two more would be n+1: refused whole.
    assert_err_desc(
        block(&app, "o", &strs[BLOCKS_MAX - 1..BLOCKS_MAX + 1]),
        403,
        "exceed_limit",
        "blocklist exceed limit",
    );
    assert_eq!(blocks(&app, "o").len(), BLOCKS_MAX - 1);
    block(&app, "o", &strs[BLOCKS_MAX - 1..BLOCKS_MAX]).unwrap(); // n
    assert_eq!(blocks(&app, "o").len(), BLOCKS_MAX);
    assert_err(block(&app, "o", &strs[BLOCKS_MAX..]), 403, "exceed_limit"); // n+1
    // Re-blocking existing entries at the cap adds nothing and succeeds.
    let out = block(&app, "o", &strs[..3]).unwrap();
    assert!(out.events.is_empty());
    // The unpaged read returns all 500, newest first, without a cursor.
    let p = list(&app, "o", None, None).unwrap();
    assert_eq!(p.items.len(), BLOCKS_MAX);
    assert_eq!(p.cursor, None);
    assert_eq!(p.items[0], others[BLOCKS_MAX - 1]);
    assert_eq!(p.items[BLOCKS_MAX - 1], others[0]);
    check(&app);
    // Unblocking one makes room again.
    unblock_as(&app, &Actor::Admin, "o", strs[0]).unwrap();
    block(&app, "o", &strs[BLOCKS_MAX..BLOCKS_MAX + 1]).unwrap();
    check(&app);
}

#[test]
fn page_size_edges_and_paging() {
    let app = app();
    reg(&app, "o");
    let others = reg_many(&app, "t", 120);
    for t in &others {
        block(&app, "o", &[t.as_str()]).unwrap();
    }
    for size in [1, BLOCKS_PAGE_MAX - 1, BLOCKS_PAGE_MAX] {
        let p = list(&app, "o", Some(size), None).unwrap();
        assert_eq!(p.items.len(), size as usize);
        assert_eq!(p.items[0].as_str(), "t119");
        assert!(p.cursor.is_some());
    }
    assert_err(
        list(&app, "o", Some(BLOCKS_PAGE_MAX + 1), None),
        400,
        "illegal_argument",
    );
    assert_err(list(&app, "o", Some(0), None), 400, "illegal_argument");
    // Walk every page.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = list(&app, "o", Some(17), cursor).unwrap();
        seen.extend(p.items);
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut want = others.clone();
    want.reverse();
    assert_eq!(seen, want);
    // With only a cursor, pages are of 50.
    let first = list(&app, "o", Some(10), None).unwrap();
    let next = list(&app, "o", None, first.cursor).unwrap();
    assert_eq!(next.items.len(), 50);
    assert_eq!(next.items[0].as_str(), "t109");
    // The last page has no cursor.
    let p = list(&app, "o", Some(50), None).unwrap();
    let p = list(&app, "o", Some(50), p.cursor).unwrap();
    let p = list(&app, "o", Some(50), p.cursor).unwrap();
    assert_eq!(p.items.len(), 20);
    assert_eq!(p.cursor, None);
    for bad in ["", "b", "b:", "b:1.2", "u:1.2", "b:xyz"] {
        assert_err(
            list(&app, "o", Some(5), Some(bad.into())),
            400,
            "illegal_argument",
        );
    }
}

#[test]
fn exactly_a_full_page_has_no_cursor() {
    let app = app();
    reg(&app, "o");
    let others = reg_many(&app, "t", 50);
    let strs: Vec<&str> = others.iter().map(UserName::as_str).collect();
    block(&app, "o", &strs).unwrap();
    let p = list(&app, "o", Some(50), None).unwrap();
    assert_eq!(p.items.len(), 50);
    assert_eq!(p.cursor, None);
    let p = list(&app, "o", Some(49), None).unwrap();
    assert!(p.cursor.is_some());
}

#[test]
fn list_errors_and_permissions() {
    let app = app();
    reg(&app, "o");
    reg(&app, "x");
    assert_err(
        list(&app, "ghost", None, None),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.query(
            &user("x"),
            T0,
            ListBlocks {
                owner: n("o"),
                page_size: None,
                cursor: None,
            },
        ),
        401,
        "unauthorized",
    );
    assert!(
        app.query(
            &user("o"),
            T0,
            ListBlocks {
                owner: n("o"),
                page_size: None,
                cursor: None
            }
        )
        .unwrap()
        .items
        .is_empty()
    );
}

#[test]
fn unblock_reports_the_user_and_is_idempotent() {
    let app = app();
    reg(&app, "o");
    let a = reg(&app, "a");
    reg(&app, "b");
    block(&app, "o", &["a", "b"]).unwrap();
    assert_err(unblock_as(&app, &user("a"), "o", "a"), 401, "unauthorized");
    let out = unblock_as(&app, &user("o"), "o", "A").unwrap();
    assert_eq!(out.reply, a);
    assert_eq!(
        out.events,
        vec![Event::UserUnblocked {
            owner: n("o"),
            blocked: n("a")
        }]
    );
    assert_eq!(blocks(&app, "o"), ["b"]);
    let again = unblock_as(&app, &Actor::Admin, "o", "a").unwrap();
    assert_eq!(again.reply, a);
    assert!(again.events.is_empty());
    assert_err(
        unblock_as(&app, &Actor::Admin, "o", "ghost"),
        404,
        "service_resource_not_found",
    );
    assert_err(
        unblock_as(&app, &Actor::Admin, "ghost", "a"),
        404,
        "service_resource_not_found",
    );
    check(&app);
    // Re-blocking puts the user at the front again.
    block(&app, "o", &["a"]).unwrap();
    assert_eq!(blocks(&app, "o"), ["a", "b"]);
    check(&app);
}

#[test]
fn is_blocked_permissions() {
    let app = app();
    for u in ["o", "a", "x"] {
        reg(&app, u);
    }
    block(&app, "o", &["a"]).unwrap();
    let ask = |actor: &Actor| {
        app.query(
            actor,
            T0,
            IsBlocked {
                owner: n("o"),
                other: n("a"),
            },
        )
    };
    assert!(ask(&Actor::Admin).unwrap());
    assert!(ask(&user("o")).unwrap());
    assert!(ask(&user("a")).unwrap());
    assert_err(ask(&user("x")), 401, "unauthorized");
    assert_err(ask(&Actor::Anonymous), 401, "unauthorized");
    assert!(
        !app.query(
            &Actor::Admin,
            T0,
            IsBlocked {
                owner: n("ghost"),
                other: n("a")
            }
        )
        .unwrap()
    );
}

#[test]
fn switched_off_block_lists_refuse_every_call() {
    let app = app_with(Limits {
        blocklist_enabled: false,
        ..Limits::default()
    });
    reg(&app, "o");
    reg(&app, "a");
    // The switch comes first, before the caller is checked.
    assert_err(block_as(&app, &user("a"), "o", &["a"]), 403, "forbidden_op");
    assert_err(block(&app, "o", &["a"]), 403, "forbidden_op");
    assert_err(
        unblock_as(&app, &Actor::Admin, "o", "a"),
        403,
        "forbidden_op",
    );
    assert_err(list(&app, "o", None, None), 403, "forbidden_op");
}
