//! Every cell of the roles and permissions matrix (spec 03 §2): for each operation, the app
//! admin, the owner, an admin, a member and an outsider, each on a fresh room.
//!
//! The room: owner `o`; admins `a` and `a2`; ordinary members `m` and `t`; outsider `x`.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

const ROLES: [&str; 5] = ["app", "o", "a", "m", "x"];

fn actor(role: &str) -> Actor {
    if role == "app" { admin() } else { u(role) }
}

fn setup() -> (App, RoomId) {
    let app = app(&["o", "a", "a2", "m", "t", "x"]);
    let id = create(&app, "o", &["a", "a2", "m", "t"]);
    make_admin(&app, id, "a");
    make_admin(&app, id, "a2");
    run(
        &app,
        &admin(),
        BlockRoomUsers {
            room: id,
            users: uns(&["t"]),
        },
    )
    .unwrap();
    add_back(&app, id);
    (app, id)
}

/// `t` is blocked then unblocked and re-added, so block lists are non-empty only when a test
/// needs it; keeps `t` an ordinary member.
fn add_back(app: &App, id: RoomId) {
    run(
        app,
        &admin(),
        UnblockRoomUser {
            room: id,
            user: un("t"),
        },
    )
    .unwrap();
    add(app, id, "t");
}

type Op = fn(&App, RoomId, &Actor) -> Result<()>;

/// `allowed` in ROLES order; a denial must be exactly `deny` = (status, code).
fn row(name: &str, op: Op, allowed: [bool; 5], deny: (u16, &str)) {
    for (i, role) in ROLES.iter().enumerate() {
        let (app, id) = setup();
        let r = op(&app, id, &actor(role));
        if allowed[i] {
            assert!(r.is_ok(), "{name} as {role}: {r:?}");
        } else {
            let e = r.expect_err(&format!("{name} as {role} must be denied"));
            assert_eq!((e.status(), e.code()), deny, "{name} as {role}: {e:?}");
        }
        check(&app);
    }
}

const PERM_DENY: (u16, &str) = (401, "group_authorization");
const ALL: [bool; 5] = [true; 5];
const INSIDE: [bool; 5] = [true, true, true, true, false];
const MANAGERS: [bool; 5] = [true, true, true, false, false];
const OWNERS: [bool; 5] = [true, true, false, false, false];
const SERVER: [bool; 5] = [true, false, false, false, false];

#[test]
fn create_room_needs_super_admin() {
    // No user is a super admin in the setup.
    row(
        "create",
        |app, _, a| {
            let owner = match a {
                Actor::User(u) => u.clone(),
                _ => un("o"),
            };
            run(
                app,
                a,
                CreateRoom {
                    owner: Some(owner),
                    ..create_cmd("o")
                },
            )
            .map(drop)
        },
        SERVER,
        PERM_DENY,
    );
    row(
        "create as super admin",
        |app, _, a| {
            for n in ["o", "a", "m", "x"] {
                run(app, &admin(), AddRoomSuperAdmin { user: un(n) }).unwrap();
            }
            let owner = match a {
                Actor::User(u) => u.clone(),
                _ => un("o"),
            };
            run(
                app,
                a,
                CreateRoom {
                    owner: Some(owner),
                    ..create_cmd("o")
                },
            )
            .map(drop)
        },
        ALL,
        PERM_DENY,
    );
}

#[test]
fn list_rooms_and_joined_rooms() {
    row(
        "list rooms",
        |app, _, a| ask(app, a, ListRooms::default()).map(drop),
        ALL,
        PERM_DENY,
    );
    row(
        "joined rooms",
        |app, _, a| {
            ask(
                app,
                a,
                ListJoinedRooms {
                    user: un("m"),
                    pagenum: None,
                    pagesize: None,
                },
            )
            .map(drop)
        },
        ALL,
        PERM_DENY,
    );
}

#[test]
fn member_reads() {
    row(
        "details",
        |app, id, a| ask(app, a, GetRooms { ids: vec![id] }).map(drop),
        INSIDE,
        PERM_DENY,
    );
    row(
        "announcement",
        |app, id, a| ask(app, a, GetRoomAnnouncement { room: id }).map(drop),
        INSIDE,
        PERM_DENY,
    );
    row(
        "members",
        |app, id, a| {
            ask(
                app,
                a,
                ListRoomMembers {
                    room: id,
                    pagenum: None,
                    pagesize: None,
                },
            )
            .map(drop)
        },
        INSIDE,
        PERM_DENY,
    );
    row(
        "members cursor",
        |app, id, a| {
            ask(
                app,
                a,
                ListRoomMembersCursor {
                    room: id,
                    limit: None,
                    cursor: None,
                    desc: false,
                },
            )
            .map(drop)
        },
        INSIDE,
        PERM_DENY,
    );
    row(
        "admins",
        |app, id, a| ask(app, a, ListRoomAdmins { room: id }).map(drop),
        INSIDE,
        PERM_DENY,
    );
}

#[test]
fn field_updates_and_announcement() {
    row(
        "update",
        |app, id, a| {
            run(
                app,
                a,
                UpdateRoom {
                    room: id,
                    name: Some("n".into()),
                    ..Default::default()
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "set announcement",
        |app, id, a| {
            run(
                app,
                a,
                SetRoomAnnouncement {
                    room: id,
                    text: "t".into(),
                },
            )
        },
        MANAGERS,
        PERM_DENY,
    );
}

#[test]
fn owner_only_operations() {
    row(
        "transfer",
        |app, id, a| {
            run(
                app,
                a,
                TransferRoom {
                    room: id,
                    new_owner: un("t"),
                },
            )
            .map(drop)
        },
        OWNERS,
        PERM_DENY,
    );
    row(
        "destroy",
        |app, id, a| run(app, a, DeleteRoom { room: id }).map(drop),
        OWNERS,
        PERM_DENY,
    );
    row(
        "add admin",
        |app, id, a| {
            run(
                app,
                a,
                AddRoomAdmin {
                    room: id,
                    user: un("t"),
                },
            )
            .map(drop)
        },
        OWNERS,
        PERM_DENY,
    );
    row(
        "remove admin",
        |app, id, a| {
            run(
                app,
                a,
                RemoveRoomAdmin {
                    room: id,
                    user: un("a2"),
                },
            )
            .map(drop)
        },
        OWNERS,
        PERM_DENY,
    );
}

#[test]
fn join_and_leave_self() {
    row(
        "join self",
        |app, id, a| {
            let user = match a {
                Actor::User(u) => u.clone(),
                _ => un("x"),
            };
            run(
                app,
                a,
                JoinRoom {
                    room: id,
                    user,
                    leave_other_rooms: false,
                },
            )
            .map(drop)
        },
        ALL,
        PERM_DENY,
    );
    // Leaving is open to every member, the owner included; an outsider is not a member.
    row(
        "leave self",
        |app, id, a| {
            let user = match a {
                Actor::User(u) => u.clone(),
                _ => un("m"),
            };
            run(app, a, LeaveRoom { room: id, user })
        },
        INSIDE,
        (403, "forbidden_op"),
    );
    // Nobody acts for someone else.
    row(
        "join for another",
        |app, id, a| {
            run(
                app,
                a,
                JoinRoom {
                    room: id,
                    user: un("x"),
                    leave_other_rooms: false,
                },
            )
            .map(drop)
        },
        [true, false, false, false, true],
        PERM_DENY,
    );
}

#[test]
fn adding_others_is_server_only() {
    row(
        "add member",
        |app, id, a| {
            run(
                app,
                a,
                AddRoomMember {
                    room: id,
                    user: un("x"),
                },
            )
            .map(drop)
        },
        SERVER,
        PERM_DENY,
    );
    row(
        "add members",
        |app, id, a| {
            run(
                app,
                a,
                AddRoomMembers {
                    room: id,
                    users: uns(&["x"]),
                },
            )
            .map(drop)
        },
        SERVER,
        PERM_DENY,
    );
}

#[test]
fn remove_block_mute_ordinary_members() {
    row(
        "remove member",
        |app, id, a| {
            run(
                app,
                a,
                RemoveRoomMember {
                    room: id,
                    user: un("t"),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "block",
        |app, id, a| {
            run(
                app,
                a,
                BlockRoomUser {
                    room: id,
                    user: un("t"),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "block batch",
        |app, id, a| {
            run(
                app,
                a,
                BlockRoomUsers {
                    room: id,
                    users: uns(&["t"]),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "remove batch",
        |app, id, a| {
            run(
                app,
                a,
                RemoveRoomMembers {
                    room: id,
                    users: uns(&["t"]),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "mute",
        |app, id, a| {
            let out = run(
                app,
                a,
                MuteRoomMembers {
                    room: id,
                    users: uns(&["t"]),
                    duration_ms: -1,
                },
            )?;
            assert!(out[0].result);
            Ok(())
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "unmute",
        |app, id, a| {
            run(
                app,
                a,
                UnmuteRoomMembers {
                    room: id,
                    users: uns(&["t"]),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "unblock",
        |app, id, a| {
            run(
                app,
                a,
                UnblockRoomUsers {
                    room: id,
                    users: uns(&["t"]),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
}

#[test]
fn acting_on_an_admin_needs_the_owner() {
    row(
        "remove an admin",
        |app, id, a| {
            run(
                app,
                a,
                RemoveRoomMember {
                    room: id,
                    user: un("a2"),
                },
            )
            .map(drop)
        },
        OWNERS,
        PERM_DENY,
    );
    row(
        "block an admin",
        |app, id, a| {
            run(
                app,
                a,
                BlockRoomUser {
                    room: id,
                    user: un("a2"),
                },
            )
            .map(drop)
        },
        OWNERS,
        PERM_DENY,
    );
    // Batch forms report it per item.
    let (app, id) = setup();
    let out = run(
        &app,
        &u("a"),
        MuteRoomMembers {
            room: id,
            users: uns(&["a2", "t"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    assert_eq!(out[0].reason.as_deref(), Some(PERM));
    assert!(out[1].result);
    let out = run(
        &app,
        &u("a"),
        BlockRoomUsers {
            room: id,
            users: uns(&["a2"]),
        },
    )
    .unwrap();
    assert_eq!(out[0].reason.as_deref(), Some(PERM));
    let out = run(
        &app,
        &u("a"),
        RemoveRoomMembers {
            room: id,
            users: uns(&["a2"]),
        },
    )
    .unwrap();
    assert_eq!(out[0].reason.as_deref(), Some(PERM));
    let out = run(
        &app,
        &u("o"),
        MuteRoomMembers {
            room: id,
            users: uns(&["a2"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    assert!(out[0].result);
    // Only the owner lifts an admin's mute.
    let out = run(
        &app,
        &u("a"),
        UnmuteRoomMembers {
            room: id,
            users: uns(&["a2", "t"]),
        },
    )
    .unwrap();
    assert_eq!(out[0].reason.as_deref(), Some(PERM));
    assert!(out[1].result);
    assert_eq!(
        ask(&app, &admin(), ListRoomMutes { room: id }).unwrap()[0].user,
        un("a2")
    );
    let out = run(
        &app,
        &u("o"),
        UnmuteRoomMembers {
            room: id,
            users: uns(&["a2"]),
        },
    )
    .unwrap();
    assert!(out[0].result);
    assert!(
        ask(&app, &admin(), ListRoomMutes { room: id })
            .unwrap()
            .is_empty()
    );
}

#[test]
fn list_views_allow_and_mute_all() {
    row(
        "block list",
        |app, id, a| ask(app, a, ListRoomBlocks { room: id }).map(drop),
        MANAGERS,
        PERM_DENY,
    );
    row(
        "allow list",
        |app, id, a| ask(app, a, ListRoomAllow { room: id }).map(drop),
        MANAGERS,
        PERM_DENY,
    );
    row(
        "mute list",
        |app, id, a| ask(app, a, ListRoomMutes { room: id }).map(drop),
        MANAGERS,
        PERM_DENY,
    );
    row(
        "allow",
        |app, id, a| {
            run(
                app,
                a,
                AllowRoomUsers {
                    room: id,
                    users: uns(&["t"]),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "disallow",
        |app, id, a| {
            run(
                app,
                a,
                DisallowRoomUsers {
                    room: id,
                    users: uns(&["t"]),
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "mute all",
        |app, id, a| {
            run(
                app,
                a,
                SetRoomMuteAll {
                    room: id,
                    muted: true,
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "unmute all",
        |app, id, a| {
            run(
                app,
                a,
                SetRoomMuteAll {
                    room: id,
                    muted: false,
                },
            )
            .map(drop)
        },
        MANAGERS,
        PERM_DENY,
    );
    row(
        "own allow status",
        |app, id, a| {
            let user = match a {
                Actor::User(u) => u.clone(),
                _ => un("m"),
            };
            ask(app, a, IsRoomAllowed { room: id, user }).map(drop)
        },
        INSIDE,
        PERM_DENY,
    );
}

#[test]
fn attributes() {
    const META: (u16, &str) = (401, "MetadataException");
    row(
        "get attributes",
        |app, id, a| {
            ask(
                app,
                a,
                GetRoomAttributes {
                    room: id,
                    keys: None,
                },
            )
            .map(drop)
        },
        INSIDE,
        META,
    );
    // The app admin writes as the pseudo-operator `admin`: forced only.
    row(
        "set own",
        |app, id, a| {
            let out = set_attrs(app, a, id, &[("k", "v")], None, false)?;
            assert_eq!(out.success_keys, ["k"]);
            Ok(())
        },
        [false, true, true, true, false],
        META,
    );
    row(
        "forced set",
        |app, id, a| {
            set_attrs(app, &u("t"), id, &[("k", "t's")], None, false).unwrap();
            let out = set_attrs(app, a, id, &[("k", "v")], None, true)?;
            assert_eq!(out.success_keys, ["k"]);
            Ok(())
        },
        INSIDE,
        META,
    );
    row(
        "delete own",
        |app, id, a| {
            if matches!(a, Actor::User(_)) {
                let _ = set_attrs(app, a, id, &[("k", "v")], None, false);
            }
            let out = run(
                app,
                a,
                DeleteRoomAttributes {
                    room: id,
                    operator: None,
                    keys: vec!["k".into()],
                    forced: false,
                },
            )?;
            assert_eq!(out.success_keys, ["k"]);
            Ok(())
        },
        [false, true, true, true, false],
        META,
    );
    row(
        "forced delete",
        |app, id, a| {
            set_attrs(app, &u("t"), id, &[("k", "t's")], None, false).unwrap();
            let out = run(
                app,
                a,
                DeleteRoomAttributes {
                    room: id,
                    operator: None,
                    keys: vec!["k".into()],
                    forced: true,
                },
            )?;
            assert_eq!(out.success_keys, ["k"]);
            Ok(())
        },
        INSIDE,
        META,
    );
}
