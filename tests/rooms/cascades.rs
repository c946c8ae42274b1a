//! Cascades (spec 03 §3.2, §3.4, §3.11): deleting a user, deleting a room, departures.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn room_events(app: &App, cmd: DeleteUser) -> Vec<RoomEvent> {
    app.execute(&admin(), T0, cmd)
        .unwrap()
        .events
        .into_iter()
        .filter_map(|e| match e {
            Event::Room(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn deleting_an_owner_deletes_their_rooms() {
    let app = app(&["o", "a", "b"]);
    let r1 = create(&app, "o", &["a", "b"]);
    let r2 = create(&app, "a", &["o"]);
    set_attrs(&app, &u("a"), r1, &[("k", "v")], Some("NO_DELETE"), false).unwrap();
    let ev = room_events(&app, DeleteUser { username: un("o") });
    assert!(ev.contains(&RoomEvent::RoomDestroyed { room: r1 }));
    for who in ["o", "a", "b"] {
        assert!(ev.contains(&RoomEvent::MemberExited {
            room: r1,
            user: un(who),
            reason: RoomExitReason::RoomDestroyed
        }));
    }
    assert!(ev.contains(&RoomEvent::MemberExited {
        room: r2,
        user: un("o"),
        reason: RoomExitReason::UserDeleted
    }));
    assert_err(
        ask(&app, &admin(), GetRooms { ids: vec![r1] }),
        404,
        "service_resource_not_found",
        &format!("do not find this group:{r1}"),
    );
    assert_eq!(joined(&app, "a"), vec![r2]);
    assert_eq!(joined(&app, "b"), vec![]);
    assert_eq!(members(&app, r2), ["owner:a"]);
    check(&app);
}

#[test]
fn deleting_a_member_clears_every_list_and_their_delete_keys() {
    let app = app(&["o", "v", "w", "z"]);
    let r1 = create(&app, "o", &["v", "w", "z"]);
    let r2 = create(&app, "o", &["v"]);
    let r3 = create(&app, "o", &["v"]);
    make_admin(&app, r1, "v");
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r1,
            users: uns(&["v"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    set_attrs(&app, &u("v"), r1, &[("gone", "1")], None, false).unwrap();
    set_attrs(
        &app,
        &u("v"),
        r1,
        &[("stays", "2")],
        Some("NO_DELETE"),
        false,
    )
    .unwrap();
    // r2: allow-listed and muted, then left (entries survive leaving).
    run(
        &app,
        &admin(),
        AllowRoomUsers {
            room: r2,
            users: uns(&["v"]),
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r2,
            users: uns(&["v"]),
            duration_ms: 5,
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
    // r3: blocked.
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
    check(&app);
    let ev = room_events(&app, DeleteUser { username: un("v") });
    assert_eq!(
        ev,
        vec![
            RoomEvent::MemberExited {
                room: r1,
                user: un("v"),
                reason: RoomExitReason::UserDeleted
            },
            RoomEvent::AttributesRemoved {
                room: r1,
                keys: vec!["gone".into()],
                operator: Some(un("v"))
            },
        ]
    );
    assert!(
        ask(&app, &admin(), ListRoomAdmins { room: r1 })
            .unwrap()
            .is_empty()
    );
    assert!(
        ask(&app, &admin(), ListRoomMutes { room: r1 })
            .unwrap()
            .is_empty()
    );
    assert!(
        ask(&app, &admin(), ListRoomAllow { room: r2 })
            .unwrap()
            .is_empty()
    );
    assert!(
        app.query(&admin(), Timestamp(0), ListRoomMutes { room: r2 })
            .unwrap()
            .is_empty()
    );
    assert!(
        ask(&app, &admin(), ListRoomBlocks { room: r3 })
            .unwrap()
            .is_empty()
    );
    assert!(
        ask(&app, &admin(), ListRoomSuperAdmins::default())
            .unwrap()
            .data
            .is_empty()
    );
    // The NO_DELETE key stays with the deleted owner's name.
    let owners = ask(&app, &admin(), GetRoomAttributeOwners { room: r1 }).unwrap();
    assert_eq!(owners.get("stays"), Some(&Some(un("v"))));
    assert_eq!(owners.len(), 1);
    check(&app);
    // A new user with the old name is someone else: not blocked, not owner of the key.
    register(&app, &["v"]);
    join(&app, r3, "v").unwrap();
    join(&app, r1, "v").unwrap();
    let out = set_attrs(&app, &u("v"), r1, &[("stays", "x")], None, false).unwrap();
    assert_eq!(
        out.error_keys.get("stays").map(String::as_str),
        Some("others are not allowed to be set")
    );
    assert_eq!(
        set_attrs(&app, &u("w"), r1, &[("stays", "x")], None, true)
            .unwrap()
            .success_keys,
        ["stays"]
    );
    check(&app);
}

#[test]
fn an_owner_who_left_still_takes_the_room_with_them() {
    let app = app(&["o", "a"]);
    let id = create(&app, "o", &["a"]);
    run(
        &app,
        &u("o"),
        LeaveRoom {
            room: id,
            user: un("o"),
        },
    )
    .unwrap();
    check(&app);
    let ev = room_events(&app, DeleteUser { username: un("o") });
    assert_eq!(
        ev,
        vec![
            RoomEvent::MemberExited {
                room: id,
                user: un("a"),
                reason: RoomExitReason::RoomDestroyed
            },
            RoomEvent::RoomDestroyed { room: id }
        ]
    );
    assert!(joined(&app, "a").is_empty());
    check(&app);
}

#[test]
fn deleting_a_room_releases_members_lists_bytes_and_counts() {
    let app = app_with(
        room_limits(|l| {
            l.rooms_per_app_max = Some(1);
            l.rooms_per_user_max = Some(1);
        }),
        &["o", "a", "b"],
    );
    let id = create(&app, "o", &["a", "b"]);
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("b"),
        },
    )
    .unwrap();
    set_attrs(&app, &u("a"), id, &[("k", "v")], Some("NO_DELETE"), false).unwrap();
    run(&app, &admin(), DeleteRoom { room: id }).unwrap();
    check(&app);
    // Counts are free again: another room for the same users.
    let id2 = create(&app, "a", &["o", "b"]);
    assert_eq!(members(&app, id2), ["owner:a", "o", "b"]);
    check(&app);
}

#[test]
fn every_departure_kind_drops_admin_role_and_delete_keys() {
    let app = app(&["o", "k", "b", "l", "d", "x"]);
    let id = create(&app, "o", &["k", "b", "l", "d", "x"]);
    for n in ["k", "b", "l", "d"] {
        make_admin(&app, id, n);
        set_attrs(&app, &u(n), id, &[(n, "v")], None, false).unwrap();
    }
    run(
        &app,
        &admin(),
        RemoveRoomMember {
            room: id,
            user: un("k"),
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        BlockRoomUsers {
            room: id,
            users: uns(&["b"]),
        },
    )
    .unwrap();
    run(
        &app,
        &u("l"),
        LeaveRoom {
            room: id,
            user: un("l"),
        },
    )
    .unwrap();
    run(&app, &admin(), DeleteUser { username: un("d") }).unwrap();
    assert!(
        ask(&app, &admin(), ListRoomAdmins { room: id })
            .unwrap()
            .is_empty()
    );
    assert!(attrs(&app, id).is_empty());
    assert_eq!(members(&app, id), ["owner:o", "x"]);
    check(&app);
}
