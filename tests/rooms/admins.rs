//! Room admins (spec 03 §3.5).

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn admins(app: &App, room: RoomId) -> Vec<String> {
    ask(app, &admin(), ListRoomAdmins { room })
        .unwrap()
        .iter()
        .map(|u| u.to_string())
        .collect()
}

#[test]
fn add_and_remove_in_promotion_order() {
    let app = app(&["o", "a", "b", "c"]);
    let id = create(&app, "o", &["a", "b", "c"]);
    for n in ["c", "a"] {
        let ev = events(
            &app,
            &u("o"),
            AddRoomAdmin {
                room: id,
                user: un(n),
            },
        );
        assert_eq!(
            ev,
            vec![RoomEvent::AdminAdded {
                room: id,
                user: un(n)
            }]
        );
    }
    assert_eq!(admins(&app, id), ["c", "a"]);
    assert_eq!(
        ask(&app, &u("b"), ListRoomAdmins { room: id })
            .unwrap()
            .len(),
        2
    );
    let out = run(
        &app,
        &u("o"),
        RemoveRoomAdmin {
            room: id,
            user: un("c"),
        },
    )
    .unwrap();
    assert_eq!(out, un("c"));
    assert_eq!(admins(&app, id), ["a"]);
    assert!(members(&app, id).contains(&"c".to_string()));
    check(&app);
}

#[test]
fn add_errors_in_order() {
    let app = app(&["o", "a", "b", "x"]);
    let id = create(&app, "o", &["a", "b"]);
    make_admin(&app, id, "a");
    let add = |n: &str| AddRoomAdmin {
        room: id,
        user: un(n),
    };
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomAdmin {
                room: RoomId(9),
                user: un("a"),
            },
        ),
        404,
        "resource_not_found",
        "grpID 9 does not exist!",
    );
    // Admins cannot promote.
    assert_err(
        run(&app, &u("a"), add("b")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("o"), add("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(run(&app, &u("o"), add("o")), 403, "forbidden_op", OWNER);
    assert_err(
        run(&app, &u("o"), add("x")),
        403,
        "forbidden_op",
        &format!("user: x doesn't exist in group: {id}"),
    );
    assert_err(
        run(&app, &u("o"), add("a")),
        403,
        "forbidden_op",
        &format!("user a is already admin of group {id}"),
    );
}

#[test]
fn remove_errors() {
    let app = app(&["o", "a", "b"]);
    let id = create(&app, "o", &["a", "b"]);
    make_admin(&app, id, "a");
    let rm = |n: &str| RemoveRoomAdmin {
        room: id,
        user: un(n),
    };
    assert_err(
        run(&app, &u("a"), rm("a")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("b"), rm("a")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("o"), rm("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(
        run(&app, &u("o"), rm("b")),
        403,
        "forbidden_op",
        &format!("user:b is not admin of group:{id}"),
    );
}

#[test]
fn admin_cap_at_its_edge() {
    // Default cap 99.
    let names: Vec<String> = (0..101).map(|i| format!("m{i}")).collect();
    let mut all: Vec<&str> = names.iter().map(String::as_str).collect();
    all.push("o");
    let app = app(&all);
    let id = create(&app, "o", &[]);
    for n in &names {
        add(&app, id, n);
    }
    for n in &names[..98] {
        make_admin(&app, id, n);
    }
    // 98 → 99 fine, 99 → 100 refused.
    make_admin(&app, id, &names[98]);
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomAdmin {
                room: id,
                user: un(&names[99]),
            },
        ),
        403,
        "exceed_limit",
        "admin count exceeds limit 99",
    );
    assert_eq!(admins(&app, id).len(), 99);
    check(&app);
}

#[test]
fn leaving_drops_the_role_and_rejoining_does_not_restore_it() {
    let app = app(&["o", "a"]);
    let id = create(&app, "o", &["a"]);
    make_admin(&app, id, "a");
    run(
        &app,
        &u("a"),
        LeaveRoom {
            room: id,
            user: un("a"),
        },
    )
    .unwrap();
    assert!(admins(&app, id).is_empty());
    join(&app, id, "a").unwrap();
    assert!(admins(&app, id).is_empty());
    check(&app);
}
