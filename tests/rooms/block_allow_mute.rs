//! Block list (§3.6), allow list (§3.7), mutes (§3.8) and "may speak now".

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn names(prefix: &str, n: usize) -> Vec<UserName> {
    (0..n).map(|i| un(&format!("{prefix}{i}"))).collect()
}

fn big_app(extra: &[&str]) -> (App, RoomId) {
    let us: Vec<String> = (0..61).map(|i| format!("u{i}")).collect();
    let mut all: Vec<&str> = us.iter().map(String::as_str).collect();
    all.extend(extra);
    let app = app(&all);
    let id = create(&app, "o", &all[..60]);
    (app, id)
}

fn speak(app: &App, room: RoomId, user: &str, now: Timestamp) -> bool {
    app.query(
        &admin(),
        now,
        MayRoomMemberSpeak {
            room,
            user: un(user),
        },
    )
    .unwrap()
}

#[test]
fn block_one_removes_membership_and_bars_return() {
    let app = app(&["o", "a", "m", "b", "x"]);
    let id = create(&app, "o", &["a", "m", "b"]);
    make_admin(&app, id, "a");
    make_admin(&app, id, "b");
    run(
        &app,
        &admin(),
        AllowRoomUsers {
            room: id,
            users: uns(&["m"]),
        },
    )
    .unwrap();
    let blk = |n: &str| BlockRoomUser {
        room: id,
        user: un(n),
    };
    assert_err(
        run(&app, &u("m"), blk("a")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("a"), blk("ghost")),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(run(&app, &u("a"), blk("o")), 403, "forbidden_op", OWNER);
    assert_err(
        run(&app, &u("a"), blk("b")),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &u("a"), blk("x")),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let ev = events(&app, &u("a"), blk("m"));
    assert_eq!(
        ev,
        vec![
            RoomEvent::MemberExited {
                room: id,
                user: un("m"),
                reason: RoomExitReason::Blocked
            },
            RoomEvent::BlockListAdded {
                room: id,
                user: un("m")
            }
        ]
    );
    assert_eq!(members(&app, id), ["owner:o", "a", "b"]);
    assert_eq!(
        ask(&app, &u("a"), ListRoomBlocks { room: id }).unwrap(),
        uns(&["m"])
    );
    // Like every departure, blocking keeps the allow-list entry (OPEN 6).
    assert_eq!(
        ask(&app, &admin(), ListRoomAllow { room: id }).unwrap(),
        uns(&["m"])
    );
    assert!(join(&app, id, "m").is_err());
    // Blocking an already blocked (non-member) user fails.
    assert_err(
        run(&app, &u("o"), blk("m")),
        403,
        "forbidden_op",
        "users [m] are not members of this group!",
    );
    // The owner blocks admins.
    run(&app, &u("o"), blk("b")).unwrap();
    assert_eq!(
        ask(&app, &admin(), ListRoomBlocks { room: id }).unwrap(),
        uns(&["m", "b"])
    );
    assert_err(
        ask(&app, &u("x"), ListRoomBlocks { room: id }),
        401,
        "group_authorization",
        PERM,
    );
    check(&app);
}

#[test]
fn block_batch_sizes_items_and_all_non_members() {
    let (app, id) = big_app(&["o", "x"]);
    let msg = "userNames is more than max limit : 60";
    let blk = |v: Vec<UserName>| BlockRoomUsers { room: id, users: v };
    assert_err(
        run(&app, &admin(), blk(vec![])),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), blk(names("u", 61))),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), blk(uns(&["x", "u60"]))),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let out = run(&app, &admin(), blk(uns(&["x", "o", "u1", "u1", "ghost"]))).unwrap();
    assert_eq!(out.len(), 4);
    assert_eq!(
        out[3].reason.as_deref(),
        Some(format!("user: ghost doesn't exist in chatroom: {id}").as_str())
    );
    let out = &out[..3];
    assert_eq!(
        out,
        vec![
            BatchItem {
                result: false,
                user: un("x"),
                reason: Some(format!("user: x doesn't exist in chatroom: {id}"))
            },
            BatchItem {
                result: false,
                user: un("o"),
                reason: Some(OWNER.into())
            },
            BatchItem {
                result: true,
                user: un("u1"),
                reason: None
            },
        ]
    );
    // 60 distinct names is fine.
    let mut v = names("u", 60);
    v.retain(|n| n.as_str() != "u1");
    v.push(un("x"));
    let out = run(&app, &admin(), blk(v)).unwrap();
    assert_eq!(out.iter().filter(|i| i.result).count(), 59);
    assert_eq!(members(&app, id), ["owner:o"]);
    check(&app);
}

#[test]
fn unblock_batch_and_single() {
    let (app, id) = big_app(&["o"]);
    run(
        &app,
        &admin(),
        BlockRoomUsers {
            room: id,
            users: uns(&["u1", "u2"]),
        },
    )
    .unwrap();
    let msg = "removeBlacklist: list size more than max limit : 60";
    let ub = |v: Vec<UserName>| UnblockRoomUsers { room: id, users: v };
    assert_err(
        run(&app, &admin(), ub(vec![])),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), ub(names("u", 61))),
        400,
        "invalid_parameter",
        msg,
    );
    let out = run(&app, &admin(), ub(names("u", 60))).unwrap();
    assert_eq!(out.iter().filter(|i| i.result).count(), 2);
    assert_eq!(
        out[0].reason.as_deref(),
        Some(format!("user: u0 is not in blacklist of chatroom: {id}").as_str())
    );
    // Unblocking does not re-add.
    assert!(!members(&app, id).contains(&"u1".to_string()));
    join(&app, id, "u1").unwrap();
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("u3"),
        },
    )
    .unwrap();
    let one = |n: &str| UnblockRoomUser {
        room: id,
        user: un(n),
    };
    assert_err(
        run(&app, &admin(), one("u4")),
        403,
        "forbidden_op",
        &format!("user: u4 is not in blacklist of chatroom: {id}"),
    );
    assert_err(
        run(&app, &u("u5"), one("u3")),
        401,
        "group_authorization",
        PERM,
    );
    let ev = events(&app, &admin(), one("u3"));
    assert_eq!(
        ev,
        vec![RoomEvent::BlockListRemoved {
            room: id,
            user: un("u3")
        }]
    );
    check(&app);
}

#[test]
fn allow_list_rules() {
    let (app, id) = big_app(&["o", "x"]);
    make_admin(&app, id, "u0");
    let msg = "usernames size is more than max limit : 60";
    let al = |v: Vec<UserName>| AllowRoomUsers { room: id, users: v };
    assert_err(
        run(&app, &admin(), al(vec![])),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), al(names("u", 61))),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &u("u1"), al(uns(&["u2"]))),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &admin(), al(uns(&["x"]))),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let out = run(
        &app,
        &u("u0"),
        al(uns(&["u2", "x", "o", "u0", "u2", "ghost"])),
    )
    .unwrap();
    assert_eq!(
        out.iter().map(|i| i.result).collect::<Vec<_>>(),
        [true, false, true, true, false]
    );
    assert_eq!(
        out[4].reason.as_deref(),
        Some(format!("user: ghost doesn't exist in chatroom: {id}").as_str())
    );
    assert_eq!(
        out[1].reason.as_deref(),
        Some(format!("user: x doesn't exist in chatroom: {id}").as_str())
    );
    // Owner and admins are exempt implicitly and not stored; re-adding is fine.
    run(&app, &admin(), al(uns(&["u2", "u3"]))).unwrap();
    assert_eq!(
        ask(&app, &u("u0"), ListRoomAllow { room: id }).unwrap(),
        uns(&["u2", "u3"])
    );
    let is = |who: &str, about: &str| {
        ask(
            &app,
            &u(who),
            IsRoomAllowed {
                room: id,
                user: un(about),
            },
        )
    };
    assert!(is("u2", "u2").unwrap());
    assert!(!is("u4", "u4").unwrap());
    assert!(is("o", "o").unwrap());
    assert!(is("u0", "u0").unwrap());
    assert_err(is("u4", "u2"), 401, "group_authorization", PERM);
    assert_err(is("x", "x"), 401, "group_authorization", PERM);
    // Disallow: always true, also for absent users.
    let msg = "removeWhitelist size is more than max limit : 60";
    let dl = |v: Vec<UserName>| DisallowRoomUsers { room: id, users: v };
    assert_err(
        run(&app, &admin(), dl(vec![])),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), dl(names("u", 61))),
        400,
        "invalid_parameter",
        msg,
    );
    let out = run(&app, &admin(), dl(uns(&["u2", "x", "ghost"]))).unwrap();
    assert!(out.iter().all(|i| i.result));
    assert_eq!(
        ask(&app, &admin(), ListRoomAllow { room: id }).unwrap(),
        uns(&["u3"])
    );
    assert_err(
        ask(&app, &u("u5"), ListRoomAllow { room: id }),
        401,
        "group_authorization",
        PERM,
    );
    // The entry survives leaving (OPEN 6).
    run(
        &app,
        &u("u3"),
        LeaveRoom {
            room: id,
            user: un("u3"),
        },
    )
    .unwrap();
    assert_eq!(
        ask(&app, &admin(), ListRoomAllow { room: id }).unwrap(),
        uns(&["u3"])
    );
    check(&app);
}

#[test]
fn mute_batch_durations_and_items() {
    let (app, id) = big_app(&["o", "x"]);
    make_admin(&app, id, "u0");
    make_admin(&app, id, "u1");
    let mute = |v: Vec<UserName>, d: i64| MuteRoomMembers {
        room: id,
        users: v,
        duration_ms: d,
    };
    let msg = "userNames size is more than max limit : 60";
    assert_err(
        run(&app, &admin(), mute(vec![], 10)),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), mute(names("u", 61), 10)),
        400,
        "invalid_parameter",
        msg,
    );
    for d in [0, -2, i64::MIN] {
        assert_err(
            run(&app, &admin(), mute(uns(&["u2"]), d)),
            400,
            "invalid_parameter",
            "mute_duration is invalid",
        );
    }
    assert_err(
        run(&app, &u("u2"), mute(uns(&["u3"]), 10)),
        401,
        "group_authorization",
        PERM,
    );
    assert_err(
        run(&app, &admin(), mute(uns(&["x"]), 10)),
        403,
        "forbidden_op",
        "users [x] are not members of this group!",
    );
    let mut out = run(
        &app,
        &u("u0"),
        mute(uns(&["u2", "o", "u1", "x", "ghost"]), 5_000),
    )
    .unwrap();
    let ghost = out.pop().unwrap();
    assert!(!ghost.result && ghost.expire.is_none());
    let exp = Expiry::At(Timestamp(T0.0 + 5_000));
    assert_eq!(
        out,
        vec![
            RoomMuteItem {
                result: true,
                user: un("u2"),
                expire: Some(exp),
                reason: None
            },
            RoomMuteItem {
                result: false,
                user: un("o"),
                expire: None,
                reason: Some(OWNER.into())
            },
            RoomMuteItem {
                result: false,
                user: un("u1"),
                expire: None,
                reason: Some(PERM.into())
            },
            RoomMuteItem {
                result: false,
                user: un("x"),
                expire: None,
                reason: Some(format!("user: x doesn't exist in chatroom: {id}"))
            },
        ]
    );
    // 60 users at once, forever.
    let out = run(&app, &admin(), mute(names("u", 60), -1)).unwrap();
    assert_eq!(out.iter().filter(|i| i.result).count(), 60);
    let list = ask(&app, &admin(), ListRoomMutes { room: id }).unwrap();
    assert_eq!(list.len(), 60);
    assert_eq!(list[0].user, un("u2"));
    assert!(list.iter().all(|m| m.expire == Expiry::Never));
    // Saturating expiry.
    let out = run(&app, &admin(), mute(uns(&["u5"]), i64::MAX)).unwrap();
    assert_eq!(out[0].expire, Some(Expiry::At(Timestamp(i64::MAX))));
    check(&app);
}

#[test]
fn mute_lapses_against_now_and_survives_leaving() {
    let app = app(&["o", "a", "b"]);
    let id = create(&app, "o", &["a", "b"]);
    let ev = app
        .execute(
            &admin(),
            T0,
            MuteRoomMembers {
                room: id,
                users: uns(&["a"]),
                duration_ms: 1000,
            },
        )
        .unwrap()
        .events;
    assert_eq!(
        ev,
        vec![Event::Room(RoomEvent::MuteListAdded {
            room: id,
            user: un("a"),
            expire: Expiry::At(Timestamp(T0.0 + 1000))
        })]
    );
    let at = |ms: i64| Timestamp(T0.0 + ms);
    let status = |now| {
        app.query(
            &u("a"),
            now,
            GetRoomMuteStatus {
                room: id,
                user: un("a"),
            },
        )
        .unwrap()
    };
    assert!(status(at(999)).muted);
    assert_eq!(status(at(999)).expire, Some(Expiry::At(at(1000))));
    assert!(!status(at(1000)).muted);
    assert!(!speak(&app, id, "a", at(999)));
    assert!(speak(&app, id, "a", at(1000)));
    let list = |now| {
        app.query(&admin(), now, ListRoomMutes { room: id })
            .unwrap()
    };
    assert_eq!(list(at(999)).len(), 1);
    assert_eq!(list(at(1000)).len(), 0);
    // Re-muting overwrites the expiry.
    run_at(
        &app,
        &admin(),
        at(500),
        MuteRoomMembers {
            room: id,
            users: uns(&["a"]),
            duration_ms: 10_000,
        },
    )
    .unwrap();
    assert!(status(at(10_499)).muted);
    // Leave and come back: still muted (OPEN 6).
    run(
        &app,
        &u("a"),
        LeaveRoom {
            room: id,
            user: un("a"),
        },
    )
    .unwrap();
    add(&app, id, "a");
    assert!(status(at(2000)).muted);
    assert!(!speak(&app, id, "a", at(2000)));
    // Others may not read someone's status; admins may.
    assert_err(
        ask(
            &app,
            &u("b"),
            GetRoomMuteStatus {
                room: id,
                user: un("a"),
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    assert!(
        ask(
            &app,
            &u("o"),
            GetRoomMuteStatus {
                room: id,
                user: un("a")
            }
        )
        .is_ok()
    );
    check(&app);
}

#[test]
fn unmute_batch() {
    let (app, id) = big_app(&["o"]);
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: id,
            users: uns(&["u1"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    let msg = "removeMute member size more than max limit : 60";
    let um = |v: Vec<UserName>| UnmuteRoomMembers { room: id, users: v };
    assert_err(
        run(&app, &admin(), um(vec![])),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &admin(), um(names("u", 61))),
        400,
        "invalid_parameter",
        msg,
    );
    assert_err(
        run(&app, &u("u2"), um(uns(&["u1"]))),
        401,
        "group_authorization",
        PERM,
    );
    let out = app
        .execute(&admin(), T0, um(uns(&["u1", "u2", "ghost"])))
        .unwrap();
    assert!(out.reply.iter().all(|i| i.result));
    assert_eq!(out.reply.len(), 3);
    assert_eq!(
        out.events,
        vec![Event::Room(RoomEvent::MuteListRemoved {
            room: id,
            user: un("u1")
        })]
    );
    assert!(speak(&app, id, "u1", T0));
}

#[test]
fn mute_all_and_who_may_speak() {
    let app = app(&["o", "a", "m", "w", "x"]);
    let id = create(&app, "o", &["a", "m", "w"]);
    make_admin(&app, id, "a");
    run(
        &app,
        &admin(),
        AllowRoomUsers {
            room: id,
            users: uns(&["w"]),
        },
    )
    .unwrap();
    assert_err(
        run(
            &app,
            &u("m"),
            SetRoomMuteAll {
                room: id,
                muted: true,
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    let ev = events(
        &app,
        &u("a"),
        SetRoomMuteAll {
            room: id,
            muted: true,
        },
    );
    assert_eq!(
        ev,
        vec![RoomEvent::AllMemberMuteChanged {
            room: id,
            muted: true
        }]
    );
    // Idempotent: no second event.
    assert!(
        events(
            &app,
            &u("a"),
            SetRoomMuteAll {
                room: id,
                muted: true
            }
        )
        .is_empty()
    );
    assert!(ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0].mute);
    assert!(speak(&app, id, "o", T0));
    assert!(speak(&app, id, "a", T0));
    assert!(speak(&app, id, "w", T0));
    assert!(!speak(&app, id, "m", T0));
    assert!(!speak(&app, id, "x", T0));
    assert!(!speak(&app, id, "ghost", T0));
    // Mute-all does not touch the list; the allow list does not override a mute.
    assert!(
        ask(&app, &admin(), ListRoomMutes { room: id })
            .unwrap()
            .is_empty()
    );
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: id,
            users: uns(&["w"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    assert!(!speak(&app, id, "w", T0));
    assert!(
        !run(
            &app,
            &admin(),
            SetRoomMuteAll {
                room: id,
                muted: false
            }
        )
        .unwrap()
    );
    assert!(speak(&app, id, "m", T0));
    // Self or admin only.
    assert_err(
        ask(
            &app,
            &u("m"),
            MayRoomMemberSpeak {
                room: id,
                user: un("a"),
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    assert!(
        ask(
            &app,
            &u("m"),
            MayRoomMemberSpeak {
                room: id,
                user: un("m")
            }
        )
        .unwrap()
    );
    // The absent owner may not speak.
    run(
        &app,
        &u("o"),
        LeaveRoom {
            room: id,
            user: un("o"),
        },
    )
    .unwrap();
    assert!(!speak(&app, id, "o", T0));
    check(&app);
}

#[test]
fn allow_list_events() {
    let app = app(&["o", "a", "b"]);
    let id = create(&app, "o", &["a", "b"]);
    let ev = events(
        &app,
        &admin(),
        AllowRoomUsers {
            room: id,
            users: uns(&["a", "o", "b"]),
        },
    );
    assert_eq!(
        ev,
        vec![
            RoomEvent::AllowListAdded {
                room: id,
                user: un("a")
            },
            RoomEvent::AllowListAdded {
                room: id,
                user: un("b")
            },
        ]
    );
    // Listing again changes nothing and says nothing.
    assert!(
        events(
            &app,
            &admin(),
            AllowRoomUsers {
                room: id,
                users: uns(&["a"]),
            },
        )
        .is_empty()
    );
    let ev = events(
        &app,
        &admin(),
        DisallowRoomUsers {
            room: id,
            users: uns(&["b", "o"]),
        },
    );
    assert_eq!(
        ev,
        vec![RoomEvent::AllowListRemoved {
            room: id,
            user: un("b")
        }]
    );
    // Promoting an allow-listed member drops the (now implicit) entry.
    make_admin(&app, id, "a");
    assert!(
        ask(&app, &admin(), ListRoomAllow { room: id })
            .unwrap()
            .is_empty()
    );
    check(&app);
}
