//! Room lifecycle (spec 03 §3.2) and the announcement (§3.3).

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

#[test]
fn create_joins_owner_then_members_in_order_dropping_duplicates() {
    let app = app(&["o", "a", "b", "c"]);
    let ev = events(
        &app,
        &admin(),
        CreateRoom {
            members: Some(uns(&["b", "o", "a", "b", "c"])),
            ..create_cmd("o")
        },
    );
    let RoomEvent::RoomCreated { room, owner } = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(owner.as_str(), "o");
    let joined: Vec<String> = ev[1..]
        .iter()
        .map(|e| match e {
            RoomEvent::MemberJoined { user, .. } => user.to_string(),
            e => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(joined, ["o", "b", "a", "c"]);
    assert_eq!(members(&app, *room), ["owner:o", "b", "a", "c"]);
    let d = ask(&app, &admin(), GetRooms { ids: vec![*room] }).unwrap();
    assert_eq!(d[0].maxusers, 1000);
    assert_eq!(d[0].affiliations_count, 4);
    assert_eq!(d[0].created, T0);
    assert!(d[0].public && !d[0].membersonly && !d[0].allowinvites && !d[0].mute);
    assert_eq!(joined_of(&app, "a"), vec![*room]);
    check(&app);
}

fn joined_of(app: &App, u: &str) -> Vec<RoomId> {
    joined(app, u)
}

#[test]
fn room_ids_increase_and_are_never_reused() {
    let app = app(&["o"]);
    let a = create(&app, "o", &[]);
    let b = create(&app, "o", &[]);
    assert!(b > a);
    run(&app, &admin(), DeleteRoom { room: b }).unwrap();
    let c = create(&app, "o", &[]);
    assert!(c > b);
}

#[test]
fn create_missing_and_empty_fields() {
    let app = app(&["o"]);
    for (cmd, field) in [
        (
            CreateRoom {
                name: None,
                ..create_cmd("o")
            },
            "name",
        ),
        (
            CreateRoom {
                description: None,
                ..create_cmd("o")
            },
            "description",
        ),
        (
            CreateRoom {
                owner: None,
                ..create_cmd("o")
            },
            "owner",
        ),
    ] {
        assert_err(
            run(&app, &admin(), cmd),
            400,
            "invalid_parameter",
            &format!("{field} must be provided"),
        );
    }
    assert_err(
        run(
            &app,
            &admin(),
            CreateRoom {
                members: Some(vec![]),
                ..create_cmd("o")
            },
        ),
        400,
        "invalid_parameter",
        "members must be provided",
    );
    // An empty description is fine.
    run(
        &app,
        &admin(),
        CreateRoom {
            description: Some(String::new()),
            ..create_cmd("o")
        },
    )
    .unwrap();
}

#[test]
fn create_text_lengths_at_their_edges() {
    let app = app(&["o"]);
    let with = |name: usize, desc: usize, custom: usize| CreateRoom {
        name: Some("n".repeat(name)),
        description: Some("d".repeat(desc)),
        custom: Some("é".repeat(custom)),
        ..create_cmd("o")
    };
    run(&app, &admin(), with(127, 511, 1023)).unwrap();
    run(&app, &admin(), with(128, 512, 1024)).unwrap();
    assert_err(
        run(&app, &admin(), with(129, 0, 0)),
        403,
        "exceed_limit",
        "title cannot exceed to 128",
    );
    assert_err(
        run(&app, &admin(), with(1, 513, 0)),
        403,
        "exceed_limit",
        "desc cannot exceed to 512",
    );
    assert_err(
        run(&app, &admin(), with(1, 0, 1025)),
        403,
        "exceed_limit",
        "custom cannot exceed to 1024",
    );
}

#[test]
fn create_maxusers_range() {
    let app = app(&["o"]);
    let m = |n| CreateRoom {
        maxusers: Some(n),
        ..create_cmd("o")
    };
    for bad in [0, 10_001] {
        assert_err(
            run(&app, &admin(), m(bad)),
            403,
            "exceed_limit",
            "maxUsers cannot exceed 10000",
        );
    }
    for good in [1, 9_999, 10_000] {
        let id = run(&app, &admin(), m(good)).unwrap();
        let d = ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap();
        assert_eq!(d[0].maxusers, good);
    }
    // The cap is configurable.
    let small = app_with(room_limits(|l| l.maxusers_cap = 5), &["o"]);
    assert_err(
        run(&small, &admin(), m(6)),
        403,
        "exceed_limit",
        "maxUsers cannot exceed 5",
    );
    run(&small, &admin(), m(5)).unwrap();
}

#[test]
fn create_unknown_users_first_offender() {
    let app = app(&["o", "a"]);
    assert_err(
        run(&app, &admin(), create_cmd("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(
        run(
            &app,
            &admin(),
            CreateRoom {
                members: Some(uns(&["a", "x1", "x2"])),
                ..create_cmd("o")
            },
        ),
        404,
        "resource_not_found",
        "username x1 doesn't exist!",
    );
    assert_eq!(
        ask(&app, &admin(), ListRooms::default())
            .unwrap()
            .items
            .len(),
        0
    );
    check(&app);
}

#[test]
fn create_members_against_maxusers_edges() {
    let app = app(&["o", "a", "b", "c"]);
    let c = |n: u32| CreateRoom {
        maxusers: Some(n),
        members: Some(uns(&["a", "b", "a", "o"])),
        ..create_cmd("o")
    };
    // owner + a + b = 3 seats
    assert_err(run(&app, &admin(), c(2)), 403, "exceed_limit", FULL);
    run(&app, &admin(), c(3)).unwrap();
    run(&app, &admin(), c(4)).unwrap();
    check(&app);
}

#[test]
fn create_rooms_per_app_edge() {
    let app = app_with(room_limits(|l| l.rooms_per_app_max = Some(2)), &["o"]);
    let a = create(&app, "o", &[]);
    create(&app, "o", &[]);
    assert_err(
        run(&app, &admin(), create_cmd("o")),
        403,
        "exceed_limit",
        "appKey:org#app has create too many chatrooms!",
    );
    run(&app, &admin(), DeleteRoom { room: a }).unwrap();
    create(&app, "o", &[]);
    check(&app);
}

#[test]
fn create_rooms_per_user_edge() {
    let app = app_with(
        room_limits(|l| l.rooms_per_user_max = Some(2)),
        &["o", "p", "a"],
    );
    create(&app, "o", &["a"]);
    create(&app, "p", &["a"]);
    assert_err(
        run(
            &app,
            &admin(),
            CreateRoom {
                members: Some(uns(&["a"])),
                ..create_cmd("p")
            },
        ),
        403,
        "exceed_limit",
        "user a has joined too many chatrooms!",
    );
    // Nothing was left behind by the refused create.
    assert_eq!(
        ask(&app, &admin(), ListRooms::default())
            .unwrap()
            .items
            .len(),
        2
    );
    check(&app);
}

#[test]
fn create_permission_for_users() {
    let app = app(&["s", "o"]);
    assert_err(
        run(&app, &u("s"), create_cmd("s")),
        401,
        "group_authorization",
        PERM,
    );
    run(&app, &admin(), AddRoomSuperAdmin { user: un("s") }).unwrap();
    // A super admin creates only for themself.
    assert_err(
        run(&app, &u("s"), create_cmd("o")),
        401,
        "group_authorization",
        PERM,
    );
    let id = run(&app, &u("s"), create_cmd("s")).unwrap();
    assert_eq!(members(&app, id), ["owner:s"]);
    // Permission is checked before the fields.
    assert_err(
        run(
            &app,
            &u("o"),
            CreateRoom {
                name: None,
                ..create_cmd("o")
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &Actor::Anonymous, create_cmd("o")),
        401,
        "group_authorization",
        PERM,
    );
}

#[test]
fn list_rooms_pages_by_ascending_id_without_duplicates() {
    let app = app(&["o"]);
    let ids: Vec<RoomId> = (0..7).map(|_| create(&app, "o", &[])).collect();
    let p1 = ask(
        &app,
        &admin(),
        ListRooms {
            limit: Some(3),
            cursor: None,
        },
    )
    .unwrap();
    assert_eq!(
        p1.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    assert_eq!(p1.items[0].owner.as_str(), "o");
    assert_eq!(p1.items[0].affiliations_count, 1);
    // Delete one already seen and one ahead; create one.
    run(&app, &admin(), DeleteRoom { room: ids[1] }).unwrap();
    run(&app, &admin(), DeleteRoom { room: ids[4] }).unwrap();
    let new = create(&app, "o", &[]);
    let p2 = ask(
        &app,
        &admin(),
        ListRooms {
            limit: Some(3),
            cursor: p1.cursor.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        p2.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![ids[3], ids[5], ids[6]]
    );
    let p3 = ask(
        &app,
        &admin(),
        ListRooms {
            limit: Some(3),
            cursor: p2.cursor.clone(),
        },
    )
    .unwrap();
    assert_eq!(p3.items.iter().map(|s| s.id).collect::<Vec<_>>(), vec![new]);
    assert_eq!(p3.cursor, None);
    // Exactly a full last page: no cursor.
    let all = ask(
        &app,
        &admin(),
        ListRooms {
            limit: Some(6),
            cursor: None,
        },
    )
    .unwrap();
    assert_eq!(all.items.len(), 6);
    assert_eq!(all.cursor, None);
    let five = ask(
        &app,
        &admin(),
        ListRooms {
            limit: Some(5),
            cursor: None,
        },
    )
    .unwrap();
    assert!(five.cursor.is_some());
}

#[test]
fn list_rooms_limit_and_cursor_errors() {
    let app = app(&["o"]);
    for _ in 0..12 {
        create(&app, "o", &[]);
    }
    assert_err(
        ask(
            &app,
            &admin(),
            ListRooms {
                limit: Some(0),
                cursor: None,
            },
        ),
        400,
        "invalid_parameter",
        "limit must be between 1 and 1000",
    );
    assert_err(
        ask(
            &app,
            &admin(),
            ListRooms {
                limit: None,
                cursor: Some("nonsense".into()),
            },
        ),
        400,
        "invalid_parameter",
        "cursor is invalid",
    );
    assert_eq!(
        ask(&app, &admin(), ListRooms::default())
            .unwrap()
            .items
            .len(),
        10
    );
    assert_eq!(
        ask(
            &app,
            &admin(),
            ListRooms {
                limit: Some(5000),
                cursor: None
            }
        )
        .unwrap()
        .items
        .len(),
        12
    );
    // Any user may list.
    assert!(ask(&app, &u("o"), ListRooms::default()).is_ok());
}

#[test]
fn joined_rooms_most_recent_first_and_paged() {
    let app = app(&["o", "a"]);
    let r: Vec<RoomId> = (0..5).map(|_| create(&app, "o", &[])).collect();
    for id in &r {
        join(&app, *id, "a").unwrap();
    }
    let mut rev = r.clone();
    rev.reverse();
    assert_eq!(joined(&app, "a"), rev);
    let page = |n, s| {
        ask(
            &app,
            &u("a"),
            ListJoinedRooms {
                user: un("a"),
                pagenum: n,
                pagesize: s,
            },
        )
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(page(Some(2), Some(2)), vec![r[2], r[1]]);
    assert_eq!(page(Some(3), Some(2)), vec![r[0]]);
    assert_eq!(page(Some(4), Some(2)), vec![]);
    assert_eq!(page(None, Some(3)), vec![r[4], r[3], r[2]]);
    assert_eq!(joined(&app, "nobody"), vec![]);
    // Leaving drops it; re-joining makes it the latest.
    run(
        &app,
        &u("a"),
        LeaveRoom {
            room: r[4],
            user: un("a"),
        },
    )
    .unwrap();
    join(&app, r[0], "a").unwrap();
    assert_eq!(joined(&app, "a"), vec![r[3], r[2], r[1], r[0]]);
    run(
        &app,
        &u("a"),
        LeaveRoom {
            room: r[0],
            user: un("a"),
        },
    )
    .unwrap();
    join(&app, r[0], "a").unwrap();
    assert_eq!(joined(&app, "a")[0], r[0]);
}

#[test]
fn joined_rooms_default_is_latest_500() {
    let app = app(&["o"]);
    let ids: Vec<RoomId> = (0..502).map(|_| create(&app, "o", &[])).collect();
    let j = joined(&app, "o");
    assert_eq!(j.len(), 500);
    assert_eq!(j[0], ids[501]);
    assert_eq!(j[499], ids[2]);
    let all = ask(
        &app,
        &admin(),
        ListJoinedRooms {
            user: un("o"),
            pagenum: Some(1),
            pagesize: None,
        },
    )
    .unwrap();
    assert_eq!(all.len(), 502);
}

#[test]
fn details_errors_and_limits() {
    let app = app(&["o", "x"]);
    let id = create(&app, "o", &[]);
    assert_err(
        ask(
            &app,
            &admin(),
            GetRooms {
                ids: vec![id, RoomId(999_999)],
            },
        ),
        404,
        "service_resource_not_found",
        "do not find this group:999999",
    );
    assert_err(
        ask(&app, &admin(), GetRooms { ids: vec![id; 101] }),
        400,
        "invalid_parameter",
        "chatroom ids size is more than max limit : 100",
    );
    assert_eq!(
        ask(&app, &admin(), GetRooms { ids: vec![id; 100] })
            .unwrap()
            .len(),
        100
    );
    assert_err(
        ask(&app, &admin(), GetRooms { ids: vec![] }),
        400,
        "invalid_parameter",
        "chatroom ids must be provided",
    );
    assert_err(
        ask(&app, &u("x"), GetRooms { ids: vec![id] }),
        401,
        "group_authorization",
        PERM,
    );
    assert!(ask(&app, &u("o"), GetRooms { ids: vec![id] }).is_ok());
}

#[test]
fn update_fields_and_errors() {
    let app = app(&["o", "a", "m"]);
    let id = create(&app, "o", &["a", "m"]);
    make_admin(&app, id, "a");
    let upd = |f: fn(&mut UpdateRoom)| {
        let mut c = UpdateRoom {
            room: id,
            ..Default::default()
        };
        f(&mut c);
        c
    };
    let out = run(
        &app,
        &u("a"),
        upd(|c| {
            c.name = Some("new".into());
            c.maxusers = Some(3);
        }),
    )
    .unwrap();
    assert_eq!(
        out,
        RoomUpdated {
            groupname: Some(true),
            maxusers: Some(true),
            ..Default::default()
        }
    );
    let d = &ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0];
    assert_eq!((d.name.as_str(), d.maxusers), ("new", 3));
    assert_err(
        run(&app, &u("m"), upd(|c| c.name = Some("x".into()))),
        401,
        "group_authorization",
        "you have no permission to do this,group fields require group admin privileges to be modified",
    );
    assert_err(
        run(
            &app,
            &admin(),
            upd(|c| c.unknown_fields = vec!["owner".into()]),
        ),
        400,
        "invalid_parameter",
        "some of [owner] are not valid fields",
    );
    assert_err(
        run(&app, &admin(), upd(|c| c.maxusers = Some(2))),
        403,
        "exceed_limit",
        "maxUsers cannot be less than current member count",
    );
    assert_err(
        run(&app, &admin(), upd(|c| c.maxusers = Some(10_001))),
        403,
        "exceed_limit",
        "maxUsers cannot exceed 10000",
    );
    // All or nothing: a bad description keeps the good name out.
    assert_err(
        run(
            &app,
            &admin(),
            upd(|c| {
                c.name = Some("zzz".into());
                c.description = Some("d".repeat(513));
            }),
        ),
        403,
        "exceed_limit",
        "desc cannot exceed to 512",
    );
    assert_err(
        run(&app, &admin(), upd(|c| c.custom = Some("c".repeat(1025)))),
        403,
        "exceed_limit",
        "custom cannot exceed to 1024",
    );
    assert_err(
        run(&app, &admin(), upd(|c| c.name = Some("n".repeat(129)))),
        403,
        "exceed_limit",
        "title cannot exceed to 128",
    );
    let d = &ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0];
    assert_eq!(d.name, "new");
    assert_err(
        run(
            &app,
            &admin(),
            UpdateRoom {
                room: RoomId(4242),
                ..Default::default()
            },
        ),
        404,
        "resource_not_found",
        "grpID 4242 does not exist!",
    );
    // Idempotent; the event lists the fields.
    let ev = events(&app, &admin(), upd(|c| c.custom = Some("c".into())));
    assert_eq!(
        ev,
        vec![RoomEvent::RoomInfoChanged {
            room: id,
            fields: vec!["custom".into()]
        }]
    );
    run(&app, &admin(), upd(|c| c.custom = Some("c".into()))).unwrap();
}

#[test]
fn transfer_errors_and_effects() {
    let app = app(&["o", "a", "b", "x"]);
    let id = create(&app, "o", &["a", "b"]);
    make_admin(&app, id, "a");
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: id,
            users: uns(&["a"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    let t = |who: &str| TransferRoom {
        room: id,
        new_owner: un(who),
    };
    assert_err(run(&app, &u("a"), t("b")), 401, "group_authorization", PERM);
    assert_err(
        run(&app, &u("o"), t("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(
        run(&app, &u("o"), t("o")),
        403,
        "forbidden_op",
        "new owner and old owner are the same",
    );
    assert_err(
        run(&app, &u("o"), t("x")),
        403,
        "forbidden_op",
        &format!("user: x doesn't exist in group: {id}"),
    );
    let ev = events(&app, &u("o"), t("a"));
    assert_eq!(
        ev,
        vec![RoomEvent::OwnerChanged {
            room: id,
            old: un("o"),
            new: un("a")
        }]
    );
    assert_eq!(members(&app, id), ["owner:a", "o", "b"]);
    assert!(
        ask(&app, &admin(), ListRoomAdmins { room: id })
            .unwrap()
            .is_empty()
    );
    assert!(
        ask(&app, &admin(), ListRoomMutes { room: id })
            .unwrap()
            .is_empty()
    );
    // The old owner is now an ordinary member.
    assert_err(run(&app, &u("o"), t("b")), 401, "group_authorization", PERM);
    check(&app);
}

#[test]
fn delete_room_events_and_second_delete() {
    let app = app(&["o", "a", "b"]);
    let id = create(&app, "o", &["a", "b"]);
    set_attrs(&app, &u("a"), id, &[("k", "v")], None, false).unwrap();
    assert_err(
        run(&app, &u("a"), DeleteRoom { room: id }),
        401,
        "group_authorization",
        PERM,
    );
    let ev = events(&app, &u("o"), DeleteRoom { room: id });
    let exits: Vec<String> = ev
        .iter()
        .filter_map(|e| match e {
            RoomEvent::MemberExited { user, reason, .. } => {
                assert_eq!(*reason, RoomExitReason::RoomDestroyed);
                Some(user.to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(exits, ["o", "a", "b"]);
    assert_eq!(ev.last(), Some(&RoomEvent::RoomDestroyed { room: id }));
    assert_err(
        run(&app, &admin(), DeleteRoom { room: id }),
        404,
        "resource_not_found",
        &format!("grpID {id} does not exist!"),
    );
    assert!(joined(&app, "a").is_empty());
    assert_err(
        ask(
            &app,
            &admin(),
            ListRoomMembers {
                room: id,
                pagenum: None,
                pagesize: None,
            },
        ),
        404,
        "service_resource_not_found",
        &format!("do not find this group:{id}"),
    );
    check(&app);
}

#[test]
fn announcement_get_set_and_limit() {
    let app = app(&["o", "m", "x"]);
    let id = create(&app, "o", &["m"]);
    assert_eq!(
        ask(&app, &u("m"), GetRoomAnnouncement { room: id }).unwrap(),
        ""
    );
    assert_err(
        ask(&app, &u("x"), GetRoomAnnouncement { room: id }),
        401,
        "group_authorization",
        PERM,
    );
    let set = |t: String| SetRoomAnnouncement { room: id, text: t };
    assert_err(
        run(&app, &u("m"), set("hi".into())),
        401,
        "group_authorization",
        PERM,
    );
    run(&app, &u("o"), set("a".repeat(511))).unwrap();
    run(&app, &u("o"), set("a".repeat(512))).unwrap();
    assert_err(
        run(&app, &u("o"), set("a".repeat(513))),
        403,
        "forbidden_op",
        "announce info length exceeds limit!",
    );
    assert_eq!(
        ask(&app, &u("m"), GetRoomAnnouncement { room: id })
            .unwrap()
            .len(),
        512
    );
    let ev = events(&app, &admin(), set(String::new()));
    assert_eq!(
        ev,
        vec![RoomEvent::AnnouncementChanged {
            room: id,
            text: String::new()
        }]
    );
    assert_eq!(
        ask(&app, &u("m"), GetRoomAnnouncement { room: id }).unwrap(),
        ""
    );
    assert_err(
        ask(&app, &u("m"), GetRoomAnnouncement { room: RoomId(77) }),
        404,
        "resource_not_found",
        "grpID 77 does not exist!",
    );
}

#[test]
fn create_with_a_full_roster_at_the_cap() {
    let names: Vec<String> = (0..10_001).map(|i| format!("m{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = app(&refs);
    let with = |n: usize| CreateRoom {
        maxusers: Some(10_000),
        members: Some(refs[1..=n].iter().map(|m| un(m)).collect()),
        ..create_cmd("m0")
    };
    // owner + 10 000 members = 10 001 seats: refused, nothing left behind.
    assert_err(run(&app, &admin(), with(10_000)), 403, "exceed_limit", FULL);
    assert!(joined(&app, "m1").is_empty());
    // owner + 9 999 = 10 000: fits exactly.
    let id = run(&app, &admin(), with(9_999)).unwrap();
    let d = &ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0];
    assert_eq!(d.affiliations_count, 10_000);
    assert_eq!(joined(&app, "m9999"), vec![id]);
    assert_err(join(&app, id, "m10000"), 403, "exceed_limit", FULL);
    check(&app);
}
