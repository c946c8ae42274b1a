//! Data export (spec 03 §3.11): what the rooms area holds about a user, and about a room.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

#[test]
fn export_a_user_everywhere_they_are_named() {
    let app = app(&["o", "v", "w"]);
    let owned = create(&app, "v", &[]);
    let r1 = create(&app, "o", &["v", "w"]);
    let r2 = create(&app, "o", &["v"]);
    let r3 = create(&app, "o", &["v"]);
    let untouched = create(&app, "o", &["w"]);
    make_admin(&app, r1, "v");
    set_attrs(
        &app,
        &u("v"),
        r1,
        &[("mine", "1")],
        Some("NO_DELETE"),
        false,
    )
    .unwrap();
    set_attrs(&app, &u("w"), r1, &[("theirs", "2")], None, false).unwrap();
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r2,
            users: uns(&["v"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    run(
        &app,
        &u("v"),
        LeaveRoom {
            room: r2,
            user: un("v"),
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: r3,
            user: un("v"),
        },
    )
    .unwrap();
    run(&app, &admin(), AddRoomSuperAdmin { user: un("v") }).unwrap();
    let x = ask(&app, &admin(), ExportUserRooms { user: un("v") }).unwrap();
    assert!(x.super_admin);
    assert_eq!(x.joined, vec![r1, owned]);
    let ids: Vec<RoomId> = x.rooms.iter().map(|r| r.room).collect();
    assert_eq!(ids, vec![owned, r1, r2, r3]);
    assert!(!ids.contains(&untouched));
    let rec = |id| x.rooms.iter().find(|r| r.room == id).unwrap();
    assert!(rec(owned).owner && rec(owned).member);
    assert!(rec(r1).admin && rec(r1).member);
    assert_eq!(
        rec(r1).attributes,
        vec![("mine".to_string(), "1".to_string())]
    );
    assert_eq!(rec(r2).muted, Some(Expiry::Never));
    assert!(!rec(r2).member);
    assert!(rec(r3).blocked && !rec(r3).member);
    // Errors.
    assert_err(
        ask(&app, &admin(), ExportUserRooms { user: un("ghost") }),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    let e = ask(&app, &u("v"), ExportUserRooms { user: un("v") }).unwrap_err();
    assert_eq!((e.status(), e.code()), (401, "unauthorized"));
    // After erasure nothing names them.
    run(&app, &admin(), DeleteUser { username: un("v") }).unwrap();
    register(&app, &["v"]);
    let x = ask(&app, &admin(), ExportUserRooms { user: un("v") }).unwrap();
    assert!(!x.super_admin && x.joined.is_empty() && x.rooms.is_empty());
    check(&app);
}

#[test]
fn export_a_room() {
    let app = app(&["o", "a", "m", "b"]);
    let id = create(&app, "o", &["a", "m", "b"]);
    make_admin(&app, id, "a");
    run(
        &app,
        &admin(),
        SetRoomAnnouncement {
            room: id,
            text: "hello".into(),
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: id,
            users: uns(&["m"]),
            duration_ms: 10,
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        AllowRoomUsers {
            room: id,
            users: uns(&["m"]),
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("b"),
        },
    )
    .unwrap();
    set_attrs(&app, &admin(), id, &[("k", "v")], None, true).unwrap();
    let x = ask(&app, &admin(), ExportRoom { room: id }).unwrap();
    assert_eq!(
        x.details,
        ask(&app, &admin(), GetRooms { ids: vec![id] }).unwrap()[0]
    );
    assert_eq!(x.announcement, "hello");
    assert_eq!(x.admins, uns(&["a"]));
    assert_eq!(
        x.mutes,
        vec![RoomMute {
            user: un("m"),
            expire: Expiry::At(Timestamp(T0.0 + 10))
        }]
    );
    assert_eq!(x.blocks, uns(&["b"]));
    assert_eq!(x.allow, uns(&["m"]));
    assert_eq!(
        x.attributes,
        vec![("k".to_string(), "v".to_string(), None, true)]
    );
    assert_err(
        ask(
            &app,
            &admin(),
            ExportRoom {
                room: RoomId(123_456),
            },
        ),
        404,
        "service_resource_not_found",
        "do not find this group:123456",
    );
    let e = ask(&app, &u("o"), ExportRoom { room: id }).unwrap_err();
    assert_eq!((e.status(), e.code()), (401, "unauthorized"));
}
