//! Membership (spec 03 §3.4): add, remove, join, leave, member pages.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn add_member_errors_in_check_order() {
    let app = app_with(
        room_limits(|l| l.rooms_per_user_max = Some(1)),
        &["o", "a", "b", "c", "busy", "o2"],
    );
    let id = create(&app, "o", &["a"]);
    create(&app, "o2", &["busy"]);
    let add = |n: &str| AddRoomMember {
        room: id,
        user: un(n),
    };
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomMember {
                room: RoomId(5555),
                user: un("ghost"),
            },
        ),
        404,
        "resource_not_found",
        "grpID 5555 does not exist!",
    );
    // Users (even the owner) may not add others: server only.
    assert_err(
        run(&app, &u("o"), add("b")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &admin(), add("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("a"),
        },
    )
    .unwrap();
    assert_err(
        run(&app, &admin(), add("a")),
        403,
        "forbidden_op",
        &format!("user: a is in blacklist of chatroom: {id}"),
    );
    assert_err(
        run(&app, &admin(), add("o")),
        403,
        "forbidden_op",
        &format!("can not join this group, reason:user: o already in group: {id}"),
    );
    run(
        &app,
        &admin(),
        UpdateRoom {
            room: id,
            maxusers: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    run(&app, &admin(), add("b")).unwrap();
    assert_err(run(&app, &admin(), add("c")), 403, "exceed_limit", FULL);
    run(
        &app,
        &admin(),
        UpdateRoom {
            room: id,
            maxusers: Some(10),
            ..Default::default()
        },
    )
    .unwrap();
    assert_err(
        run(&app, &admin(), add("busy")),
        403,
        "forbidden_op",
        "can not join this group, reason:user busy has joined too many chatrooms!",
    );
    let ev = events(&app, &admin(), add("c"));
    assert_eq!(
        ev,
        vec![RoomEvent::MemberJoined {
            room: id,
            user: un("c")
        }]
    );
    assert_eq!(members(&app, id), ["owner:o", "b", "c"]);
    check(&app);
}

#[test]
fn add_members_batch_size_edges() {
    let us = names("u", 61);
    let mut all = refs(&us);
    all.push("o");
    let app = app(&all);
    let id = create(&app, "o", &[]);
    let batch = |v: &[String]| AddRoomMembers {
        room: id,
        users: v.iter().map(|n| un(n)).collect(),
    };
    let msg = "addMembers: addMembers number more than maxSize : 60";
    assert_err(
        run(&app, &admin(), batch(&[])),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), batch(&us)),
        400,
        "invalid_parameter",
        msg,
    );
    assert_eq!(run(&app, &admin(), batch(&us[..59])).unwrap().len(), 59);
    assert_eq!(run(&app, &admin(), batch(&us[..60])).unwrap().len(), 1);
    assert_err(
        run(&app, &u("o"), batch(&us[..1])),
        401,
        "group_authorization",
        PERM,
    );
    check(&app);
}

#[test]
fn add_members_skips_and_refuses_whole() {
    let app = app_with(
        room_limits(|l| l.rooms_per_user_max = Some(1)),
        &["o", "a", "b", "c", "d", "busy", "p"],
    );
    let id = create(&app, "o", &["a", "b"]);
    create(&app, "p", &["busy"]);
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("b"),
        },
    )
    .unwrap();
    // Unknown user: nothing added.
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: id,
                users: uns(&["c", "ghost"]),
            },
        ),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_eq!(members(&app, id), ["owner:o", "a"]);
    // Members, blocked users and users at their limit are skipped silently.
    let out = run(
        &app,
        &admin(),
        AddRoomMembers {
            room: id,
            users: uns(&["a", "b", "busy", "c", "c"]),
        },
    )
    .unwrap();
    assert_eq!(out, uns(&["c"]));
    // The rest do not fit: nothing added.
    run(
        &app,
        &admin(),
        UpdateRoom {
            room: id,
            maxusers: Some(4),
            ..Default::default()
        },
    )
    .unwrap();
    register(&app, &["e"]);
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: id,
                users: uns(&["d", "e"]),
            },
        ),
        403,
        "exceed_limit",
        FULL,
    );
    assert_eq!(members(&app, id), ["owner:o", "a", "c"]);
    assert_eq!(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: id,
                users: uns(&["d"]),
            },
        )
        .unwrap(),
        uns(&["d"])
    );
    check(&app);
}

#[test]
fn remove_member_errors_and_kick() {
    let app = app(&["o", "a", "b", "m", "x"]);
    let id = create(&app, "o", &["a", "b", "m"]);
    make_admin(&app, id, "a");
    make_admin(&app, id, "b");
    let rm = |n: &str| RemoveRoomMember {
        room: id,
        user: un(n),
    };
    assert_err(
        run(&app, &u("m"), rm("x")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("a"), rm("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(run(&app, &u("a"), rm("o")), 403, "forbidden_op", OWNER);
    // An admin removes ordinary members only.
    assert_err(
        run(&app, &u("a"), rm("b")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("a"), rm("x")),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let ev = events(&app, &u("a"), rm("m"));
    assert_eq!(
        ev,
        vec![RoomEvent::MemberExited {
            room: id,
            user: un("m"),
            reason: RoomExitReason::Kicked
        }]
    );
    // The owner removes admins; removed users may re-join.
    run(&app, &u("o"), rm("b")).unwrap();
    join(&app, id, "m").unwrap();
    assert_eq!(members(&app, id), ["owner:o", "a", "m"]);
    check(&app);
}

#[test]
fn remove_members_batch() {
    let us = names("u", 101);
    let mut all = refs(&us);
    all.extend(["o", "a", "x"]);
    let app = app(&all);
    let id = create(&app, "o", &["a"]);
    for n in &us[..50] {
        add(&app, id, n);
    }
    let batch = |v: Vec<UserName>| RemoveRoomMembers { room: id, users: v };
    let msg = "kickMember: kickMembers number more than maxSize : 100";
    assert_err(
        run(&app, &admin(), batch(vec![])),
        400,
        "invalid_parameter",
        msg,
    );
    let all101: Vec<UserName> = us.iter().map(|n| un(n)).collect();
    assert_err(
        run(&app, &admin(), batch(all101.clone())),
        400,
        "invalid_parameter",
        msg,
    );
    // Every user a non-member: E_NOT_MEMBER for the first.
    assert_err(
        run(&app, &admin(), batch(uns(&["x", "ghost"]))),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let mut v = uns(&["x", "o", "u0", "u0", "ghost"]);
    v.extend(all101[1..50].iter().cloned());
    let out = run(&app, &admin(), batch(v)).unwrap();
    assert_eq!(out.len(), 53);
    assert_eq!(
        out[0],
        BatchItem {
            result: false,
            user: un("x"),
            reason: Some(format!("user: x doesn't exist in group: {id}"))
        }
    );
    assert_eq!(out[1].reason.as_deref(), Some(OWNER));
    assert!(out[2].result && out[2].user == un("u0"));
    assert!(!out[3].result);
    assert!(out[4..].iter().all(|i| i.result));
    assert_eq!(members(&app, id), ["owner:o", "a"]);
    // 100 is allowed.
    let out = run(&app, &admin(), batch(all101[..100].to_vec()));
    assert_err(
        out,
        403,
        "forbidden_op",
        "users [u0] are not members of this group!",
    );
    check(&app);
}

#[test]
fn join_is_idempotent_and_checks_in_order() {
    let app = app_with(
        room_limits(|l| l.rooms_per_user_max = Some(2)),
        &["o", "a", "b", "c", "p", "q"],
    );
    let id = create(&app, "o", &[]);
    assert!(join(&app, id, "a").unwrap());
    assert!(!join(&app, id, "a").unwrap());
    assert_eq!(members(&app, id), ["owner:o", "a"]);
    assert_err(
        join(&app, RoomId(1234), "a"),
        404,
        "resource_not_found",
        "grpID 1234 does not exist!",
    );
    assert_err(
        run(
            &app,
            &u("a"),
            JoinRoom {
                room: id,
                user: un("b"),
                leave_other_rooms: false,
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("a"),
        },
    )
    .unwrap();
    assert_err(
        join(&app, id, "a"),
        403,
        "forbidden_op",
        &format!("user: a is in blacklist of chatroom: {id}"),
    );
    run(
        &app,
        &admin(),
        UpdateRoom {
            room: id,
            maxusers: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    join(&app, id, "b").unwrap();
    assert_err(join(&app, id, "c"), 403, "exceed_limit", FULL);
    let r2 = create(&app, "p", &[]);
    let r3 = create(&app, "q", &[]);
    join(&app, r2, "c").unwrap();
    join(&app, r3, "c").unwrap();
    let r4 = create(&app, "b", &[]);
    assert_err(
        join(&app, r4, "c"),
        403,
        "forbidden_op",
        "can not join this group, reason:user c has joined too many chatrooms!",
    );
    check(&app);
}

#[test]
fn join_leaving_other_rooms() {
    let app = app(&["o", "a"]);
    let r1 = create(&app, "o", &["a"]);
    let r2 = create(&app, "o", &["a"]);
    let r3 = create(&app, "o", &[]);
    let ev = events(
        &app,
        &u("a"),
        JoinRoom {
            room: r3,
            user: un("a"),
            leave_other_rooms: true,
        },
    );
    assert_eq!(
        ev,
        vec![
            RoomEvent::MemberExited {
                room: r1,
                user: un("a"),
                reason: RoomExitReason::Left
            },
            RoomEvent::MemberExited {
                room: r2,
                user: un("a"),
                reason: RoomExitReason::Left
            },
            RoomEvent::MemberJoined {
                room: r3,
                user: un("a")
            },
        ]
    );
    assert_eq!(joined(&app, "a"), vec![r3]);
    // A refused join leaves nothing.
    let r4 = create(&app, "o", &[]);
    run(
        &app,
        &admin(),
        UpdateRoom {
            room: r4,
            maxusers: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    assert_err(
        run(
            &app,
            &u("a"),
            JoinRoom {
                room: r4,
                user: un("a"),
                leave_other_rooms: true,
            },
        ),
        403,
        "exceed_limit",
        FULL,
    );
    assert_eq!(joined(&app, "a"), vec![r3]);
    check(&app);
}

#[test]
fn leave_and_the_owners_absence() {
    let app = app(&["o", "a", "b", "x"]);
    let id = create(&app, "o", &["a"]);
    assert_err(
        run(
            &app,
            &u("x"),
            LeaveRoom {
                room: id,
                user: un("x"),
            },
        ),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let leave = |n: &str| LeaveRoom {
        room: id,
        user: un(n),
    };
    let ev = events(&app, &u("o"), leave("o"));
    assert_eq!(
        ev,
        vec![RoomEvent::MemberExited {
            room: id,
            user: un("o"),
            reason: RoomExitReason::Left
        }]
    );
    // Still the owner, absent from lists, still in charge.
    assert_eq!(members(&app, id), ["a"]);
    let d = &ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0];
    assert_eq!(d.owner, un("o"));
    assert_eq!(d.affiliations, vec![RoomAffiliation::Member(un("a"))]);
    assert!(joined(&app, "o").is_empty());
    run(
        &app,
        &u("o"),
        SetRoomAnnouncement {
            room: id,
            text: "still mine".into(),
        },
    )
    .unwrap();
    // The owner's seat stays reserved: maxusers 3 = a + reserved owner + one more.
    run(
        &app,
        &admin(),
        UpdateRoom {
            room: id,
            maxusers: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    join(&app, id, "b").unwrap();
    assert_err(join(&app, id, "x"), 403, "exceed_limit", FULL);
    join(&app, id, "o").unwrap();
    assert_eq!(members(&app, id), ["owner:o", "a", "b"]);
    check(&app);
}

#[test]
fn member_pages() {
    let us = names("m", 12);
    let mut all = refs(&us);
    all.extend(["o", "x"]);
    let app = app(&all);
    let id = create(&app, "o", &refs(&us));
    let page = |n: Option<u32>, s: Option<u32>| {
        ask(
            &app,
            &u("m0"),
            ListRoomMembers {
                room: id,
                pagenum: n,
                pagesize: s,
            },
        )
        .unwrap()
    };
    assert_eq!(page(None, None).len(), 13);
    assert_eq!(page(Some(1), Some(0)).len(), 13);
    let p2 = page(Some(2), Some(5));
    assert_eq!(
        p2,
        (4..9)
            .map(|i| RoomAffiliation::Member(un(&format!("m{i}"))))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        page(Some(1), Some(1)),
        vec![RoomAffiliation::Owner(un("o"))]
    );
    assert!(page(Some(9), Some(5)).is_empty());
    assert_err(
        ask(
            &app,
            &u("x"),
            ListRoomMembers {
                room: id,
                pagenum: None,
                pagesize: None,
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    // Cursor mode: owner excluded, asc and desc.
    let cur = |limit, cursor, desc| {
        ask(
            &app,
            &admin(),
            ListRoomMembersCursor {
                room: id,
                limit,
                cursor,
                desc,
            },
        )
    };
    let p = cur(None, None, false).unwrap();
    assert_eq!(
        p.items,
        (0..10).map(|i| un(&format!("m{i}"))).collect::<Vec<_>>()
    );
    let p = cur(None, p.cursor, false).unwrap();
    assert_eq!(p.items, uns(&["m10", "m11"]));
    assert_eq!(p.cursor, None);
    let d = cur(Some(5), None, true).unwrap();
    assert_eq!(d.items, uns(&["m11", "m10", "m9", "m8", "m7"]));
    // Changes between pages: no duplicates.
    run(
        &app,
        &admin(),
        RemoveRoomMember {
            room: id,
            user: un("m6"),
        },
    )
    .unwrap();
    let d2 = cur(Some(5), d.cursor, true).unwrap();
    assert_eq!(d2.items, uns(&["m5", "m4", "m3", "m2", "m1"]));
    let d3 = cur(Some(5), d2.cursor, true).unwrap();
    assert_eq!(d3.items, uns(&["m0"]));
    assert_eq!(d3.cursor, None);
    let full = cur(Some(11), None, false).unwrap();
    assert_eq!(full.items.len(), 11);
    assert_eq!(full.cursor, None);
    assert_err(
        cur(None, Some("zz".into()), false),
        400,
        "invalid_parameter",
        "cursor is invalid",
    );
    assert_err(
        ask(
            &app,
            &admin(),
            ListRoomMembersCursor {
                room: RoomId(31337),
                limit: None,
                cursor: None,
                desc: false,
            },
        ),
        404,
        "service_resource_not_found",
        "do not find this group:31337",
    );
}

#[test]
fn is_member_query() {
    let app = app(&["o", "a", "x"]);
    let id = create(&app, "o", &["a"]);
    let is = |actor: &Actor, who: &str| {
        ask(
            &app,
            actor,
            IsRoomMember {
                room: id,
                user: un(who),
            },
        )
    };
    assert!(is(&admin(), "a").unwrap());
    assert!(is(&u("a"), "a").unwrap());
    assert!(!is(&admin(), "x").unwrap());
    assert!(!is(&admin(), "ghost").unwrap());
    assert_err(is(&u("x"), "a"), 401, "group_authorization", PERM);
    run(
        &app,
        &u("o"),
        LeaveRoom {
            room: id,
            user: un("o"),
        },
    )
    .unwrap();
    assert!(!is(&u("o"), "o").unwrap());
    assert_err(
        ask(
            &app,
            &admin(),
            IsRoomMember {
                room: RoomId(777_777),
                user: un("a"),
            },
        ),
        404,
        "resource_not_found",
        "grpID 777777 does not exist!",
    );
}
