//! Every configurable room limit at its edge (n-1, n, n+1), with small limits for speed.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn small() -> Limits {
    room_limits(|l| {
        l.maxusers_default = 4;
        l.admins_max = 2;
        l.add_members_batch_max = 3;
        l.remove_members_batch_max = 3;
        l.list_batch_max = 2;
        l.details_ids_max = 2;
        l.attr_keys_per_call_max = 2;
        l.attr_keys_per_room_max = 3;
        l.attr_key_chars_max = 4;
        l.attr_value_chars_max = 3;
        l.name_chars_max = 3;
        l.description_chars_max = 3;
        l.custom_chars_max = 3;
        l.announcement_chars_max = 3;
        l.rooms_per_user_max = Some(2);
    })
}

fn world() -> (App, RoomId) {
    let app = app_with(small(), &["o", "a", "b", "c", "d", "e"]);
    let id = create(&app, "o", &[]);
    (app, id)
}

#[test]
fn maxusers_default_applies_and_fills_at_n() {
    let (app, id) = world();
    assert_eq!(
        ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0].maxusers,
        4
    );
    join(&app, id, "a").unwrap();
    join(&app, id, "b").unwrap();
    join(&app, id, "c").unwrap(); // 4 = n
    assert_err(join(&app, id, "d"), 403, "exceed_limit", FULL);
    check(&app);
}

#[test]
fn admins_max() {
    let (app, id) = world();
    for n in ["a", "b", "c"] {
        add(&app, id, n);
    }
    make_admin(&app, id, "a");
    make_admin(&app, id, "b");
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomAdmin {
                room: id,
                user: un("c"),
            },
        ),
        403,
        "exceed_limit",
        "admin count exceeds limit 2",
    );
}

type BatchFn<'a> = Box<dyn Fn(Vec<UserName>) -> Result<usize> + 'a>;

#[test]
fn batch_sizes() {
    let (app, id) = world();
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
    assert_eq!(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: id,
                users: uns(&["a", "b"])
            }
        )
        .unwrap()
        .len(),
        2
    );
    assert_eq!(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: id,
                users: uns(&["c", "d", "e"])
            }
        )
        .unwrap()
        .len(),
        3
    );
    assert_err(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: id,
                users: uns(&["a", "b", "c", "d"]),
            },
        ),
        400,
        "invalid_parameter",
        "addMembers: addMembers number more than maxSize : 3",
    );
    assert_err(
        run(
            &app,
            &admin(),
            RemoveRoomMembers {
                room: id,
                users: uns(&["a", "b", "c", "d"]),
            },
        ),
        400,
        "invalid_parameter",
        "kickMember: kickMembers number more than maxSize : 3",
    );
    assert_eq!(
        run(
            &app,
            &admin(),
            RemoveRoomMembers {
                room: id,
                users: uns(&["a", "b", "c"])
            }
        )
        .unwrap()
        .len(),
        3
    );
    let three = uns(&["d", "e", "o"]);
    let two = uns(&["d", "e"]);
    let cases: Vec<(BatchFn, &str)> = vec![
        (
            Box::new(|v| {
                run(
                    &app,
                    &admin(),
                    MuteRoomMembers {
                        room: id,
                        users: v,
                        duration_ms: -1,
                    },
                )
                .map(|o| o.len())
            }),
            "userNames size is more than max limit : 2",
        ),
        (
            Box::new(|v| {
                run(&app, &admin(), UnmuteRoomMembers { room: id, users: v }).map(|o| o.len())
            }),
            "removeMute member size more than max limit : 2",
        ),
        (
            Box::new(|v| {
                run(&app, &admin(), AllowRoomUsers { room: id, users: v }).map(|o| o.len())
            }),
            "usernames size is more than max limit : 2",
        ),
        (
            Box::new(|v| {
                run(&app, &admin(), DisallowRoomUsers { room: id, users: v }).map(|o| o.len())
            }),
            "removeWhitelist size is more than max limit : 2",
        ),
        (
            Box::new(|v| {
                run(&app, &admin(), UnblockRoomUsers { room: id, users: v }).map(|o| o.len())
            }),
            "removeBlacklist: list size more than max limit : 2",
        ),
        (
            Box::new(|v| {
                run(&app, &admin(), BlockRoomUsers { room: id, users: v }).map(|o| o.len())
            }),
            "userNames is more than max limit : 2",
        ),
    ];
    for (f, msg) in cases {
        assert_err(f(three.clone()), 400, "invalid_parameter", msg);
        assert_eq!(f(two.clone()).unwrap(), 2);
        assert_eq!(
            f(uns(&["d"])).map_err(|e| e.to_string()).map(|_| ()),
            if msg.starts_with("userNames is") {
                Err("users [d] are not members of this group!".into())
            } else {
                Ok(())
            }
        );
    }
    check(&app);
}

#[test]
fn details_ids() {
    let (app, id) = world();
    assert_eq!(
        ask(&app, &admin(), GetRooms { ids: vec![id, id] })
            .unwrap()
            .len(),
        2
    );
    assert_err(
        ask(&app, &admin(), GetRooms { ids: vec![id; 3] }),
        400,
        "invalid_parameter",
        "chatroom ids size is more than max limit : 2",
    );
}

#[test]
fn text_lengths() {
    let (app, id) = world();
    let create_with = |n: &str, d: &str, c: &str| {
        run(
            &app,
            &admin(),
            CreateRoom {
                name: Some(n.into()),
                description: Some(d.into()),
                custom: Some(c.into()),
                owner: Some(un("e")),
                ..Default::default()
            },
        )
    };
    create_with("nn", "dd", "cc").unwrap();
    assert_err(
        create_with("nnnn", "", ""),
        403,
        "exceed_limit",
        "title cannot exceed to 3",
    );
    assert_err(
        create_with("n", "dddd", ""),
        403,
        "exceed_limit",
        "desc cannot exceed to 3",
    );
    assert_err(
        create_with("n", "", "cccc"),
        403,
        "exceed_limit",
        "custom cannot exceed to 3",
    );
    create_with("nnn", "ddd", "ccc").unwrap();
    let ann = |t: &str| {
        run(
            &app,
            &admin(),
            SetRoomAnnouncement {
                room: id,
                text: t.into(),
            },
        )
    };
    ann("ab").unwrap();
    ann("abc").unwrap();
    assert_err(
        ann("abcd"),
        403,
        "forbidden_op",
        "announce info length exceeds limit!",
    );
}

#[test]
fn attribute_limits() {
    let (app, id) = world();
    assert_err(
        set_attrs(
            &app,
            &u("o"),
            id,
            &[("a", ""), ("b", ""), ("c", "")],
            None,
            false,
        ),
        400,
        "illegal_argument",
        "exceed allowed batch size 2",
    );
    let out = set_attrs(
        &app,
        &u("o"),
        id,
        &[("abcd", "xyz"), ("abcde", "")],
        None,
        false,
    )
    .unwrap();
    assert_eq!(out.success_keys, ["abcd"]);
    assert_eq!(
        out.error_keys.get("abcde").map(String::as_str),
        Some("properties key 'abcde' is exceeding maximum limit 4")
    );
    let out = set_attrs(
        &app,
        &u("o"),
        id,
        &[("v3", "xyz"), ("v4", "wxyz")],
        None,
        false,
    )
    .unwrap();
    assert_eq!(out.success_keys, ["v3"]);
    assert_eq!(
        out.error_keys.get("v4").map(String::as_str),
        Some("properties value of key 'v4' is exceeding maximum limit 3")
    );
    let out = set_attrs(&app, &u("o"), id, &[("k3", ""), ("k4", "")], None, false).unwrap();
    assert_eq!(out.success_keys, ["k3"]);
    assert_eq!(
        out.error_keys.get("k4").map(String::as_str),
        Some("size of metadata keys exceeds 3")
    );
    check(&app);
}

#[test]
fn rooms_per_user_on_join_and_batch_add() {
    let (app, r1) = world();
    let r2 = create(&app, "a", &[]);
    let r3 = create(&app, "b", &[]);
    join(&app, r1, "c").unwrap();
    join(&app, r2, "c").unwrap(); // 2 = n
    assert_err(
        join(&app, r3, "c"),
        403,
        "forbidden_op",
        "can not join this group, reason:user c has joined too many chatrooms!",
    );
    // The batch add skips c silently.
    assert_eq!(
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room: r3,
                users: uns(&["c", "d"])
            }
        )
        .unwrap(),
        uns(&["d"])
    );
    // Leaving frees a slot.
    run(
        &app,
        &u("c"),
        LeaveRoom {
            room: r1,
            user: un("c"),
        },
    )
    .unwrap();
    join(&app, r3, "c").unwrap();
    check(&app);
}
