//! Chatroom timers: member mutes lapsing on time (`RoomEvent::MuteExpired`, once, at the
//! instant) and the offline sweep (spec 03 §3.4 `sweep_offline_members`): a member offline
//! for `offline_grace` while a member leaves with `MemberExited{Offline}`, except the owner,
//! admins and allow-listed users; the clock starts at the later of going offline and joining;
//! users who never connected are not swept; coming back online, or losing the exemption,
//! moves the timer. Fake clock throughout.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

const GRACE: i64 = 120_000;

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn session(app: &App, who: &str, open: bool, now: Timestamp) {
    if open {
        run_at(
            app,
            &admin(),
            now,
            OpenSession {
                username: un(who),
                resource: "ios_1".into(),
                device_uuid: None,
                device_name: None,
            },
        )
        .unwrap();
    } else {
        run_at(
            app,
            &admin(),
            now,
            CloseSession {
                username: un(who),
                resource: "ios_1".into(),
            },
        )
        .unwrap();
    }
}

fn expire(app: &App, now: Timestamp) -> Vec<RoomEvent> {
    let out = app.expire(now).unwrap();
    check(app);
    out.events
        .into_iter()
        .map(|e| match e {
            Event::Room(r) => r,
            other => panic!("not a room event: {other:?}"),
        })
        .collect()
}

fn exited(room: RoomId, who: &str) -> RoomEvent {
    RoomEvent::MemberExited {
        room,
        user: un(who),
        reason: RoomExitReason::Offline,
    }
}

#[test]
fn a_room_mute_lapses_once_at_its_instant() {
    let app = app(&["o", "a", "b"]);
    let r = create(&app, "o", &["a", "b"]);
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r,
            users: uns(&["a"]),
            duration_ms: 3_000,
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r,
            users: uns(&["b"]),
            duration_ms: -1,
        },
    )
    .unwrap();
    assert_eq!(app.next_expiry(), Some(at(3_000)));
    assert!(expire(&app, at(2_999)).is_empty());
    // Reads decide against now before the timer runs.
    let live = app
        .query(&admin(), at(3_000), ListRoomMutes { room: r })
        .unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(
        expire(&app, at(3_000)),
        vec![RoomEvent::MuteExpired {
            room: r,
            user: un("a")
        }]
    );
    assert!(expire(&app, at(3_000)).is_empty());
    assert_eq!(app.next_expiry(), None);
    // A mute kept after leaving still lapses; a deleted room takes its deadlines along.
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r,
            users: uns(&["a"]),
            duration_ms: 1_000,
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        RemoveRoomMember {
            room: r,
            user: un("a"),
        },
    )
    .unwrap();
    assert_eq!(
        expire(&app, at(1_000)),
        vec![RoomEvent::MuteExpired {
            room: r,
            user: un("a")
        }]
    );
    let r2 = create(&app, "o", &["a"]);
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r2,
            users: uns(&["a"]),
            duration_ms: 1_000,
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        UnmuteRoomMembers {
            room: r2,
            users: uns(&["a"]),
        },
    )
    .unwrap();
    assert_eq!(app.next_expiry(), None, "lifted");
    run(
        &app,
        &admin(),
        MuteRoomMembers {
            room: r2,
            users: uns(&["a"]),
            duration_ms: 1_000,
        },
    )
    .unwrap();
    run(&app, &admin(), DeleteRoom { room: r2 }).unwrap();
    assert_eq!(app.next_expiry(), None, "deleted with its room");
}

#[test]
fn offline_members_leave_after_the_grace_and_not_before() {
    let app = app(&["o", "a", "b"]);
    for w in ["o", "a", "b"] {
        session(&app, w, true, T0);
    }
    let r = create(&app, "o", &["a", "b"]);
    assert_eq!(app.next_expiry(), None, "everyone online");
    session(&app, "a", false, at(1_000));
    session(&app, "o", false, at(1_000));
    assert_eq!(
        app.next_expiry(),
        Some(at(1_000 + GRACE)),
        "the owner is exempt"
    );
    assert!(expire(&app, at(1_000 + GRACE - 1)).is_empty());
    assert_eq!(expire(&app, at(1_000 + GRACE)), vec![exited(r, "a")]);
    assert!(expire(&app, at(1_000 + GRACE)).is_empty(), "once");
    assert_eq!(members(&app, r), vec!["owner:o", "b"]);
    assert_eq!(app.next_expiry(), None);
    assert!(joined(&app, "a").is_empty());
}

#[test]
fn coming_back_in_time_stops_the_clock() {
    let app = app(&["o", "a"]);
    session(&app, "a", true, T0);
    let r = create(&app, "o", &["a"]);
    session(&app, "a", false, at(1_000));
    session(&app, "a", true, at(50_000));
    assert_eq!(app.next_expiry(), None);
    assert!(expire(&app, at(1_000_000)).is_empty());
    session(&app, "a", false, at(2_000_000));
    assert_eq!(app.next_expiry(), Some(at(2_000_000 + GRACE)));
    assert_eq!(expire(&app, at(2_000_000 + GRACE)), vec![exited(r, "a")]);
}

#[test]
fn owner_admins_and_allowed_are_exempt_until_they_lose_it() {
    let app = app(&["o", "adm", "ok", "m"]);
    for w in ["o", "adm", "ok", "m"] {
        session(&app, w, true, T0);
    }
    let r = create(&app, "o", &["adm", "ok", "m"]);
    make_admin(&app, r, "adm");
    run(
        &app,
        &admin(),
        AllowRoomUsers {
            room: r,
            users: uns(&["ok"]),
        },
    )
    .unwrap();
    for w in ["o", "adm", "ok", "m"] {
        session(&app, w, false, at(10));
    }
    assert_eq!(expire(&app, at(10 + GRACE)), vec![exited(r, "m")]);
    assert_eq!(app.next_expiry(), None);
    // Losing the exemption while offline for longer than the grace: due at once.
    run_at(
        &app,
        &admin(),
        at(500_000),
        RemoveRoomAdmin {
            room: r,
            user: un("adm"),
        },
    )
    .unwrap();
    run_at(
        &app,
        &admin(),
        at(500_000),
        DisallowRoomUsers {
            room: r,
            users: uns(&["ok"]),
        },
    )
    .unwrap();
    assert_eq!(app.next_expiry(), Some(at(10 + GRACE)));
    assert_eq!(
        expire(&app, at(500_000)),
        vec![exited(r, "adm"), exited(r, "ok")]
    );
    assert_eq!(members(&app, r), vec!["owner:o"]);
}

#[test]
fn the_clock_starts_at_the_join_and_never_connected_users_stay() {
    let app = app(&["o", "late", "never"]);
    session(&app, "late", true, T0);
    session(&app, "late", false, at(1_000));
    let r = create(&app, "o", &["never"]);
    // Added long after going offline: a full grace from the join.
    run_at(
        &app,
        &admin(),
        at(900_000),
        AddRoomMember {
            room: r,
            user: un("late"),
        },
    )
    .unwrap();
    assert_eq!(app.next_expiry(), Some(at(900_000 + GRACE)));
    assert_eq!(expire(&app, at(900_000 + GRACE)), vec![exited(r, "late")]);
    // `never` never had a session: not swept.
    assert!(expire(&app, at(99_000_000)).is_empty());
    assert_eq!(members(&app, r), vec!["owner:o", "never"]);
}

#[test]
fn the_grace_is_per_app_and_deleting_a_user_drops_their_timers() {
    let app = app_with(
        room_limits(|l| l.offline_grace = Millis(5_000)),
        &["o", "a"],
    );
    session(&app, "a", true, T0);
    create(&app, "o", &["a"]);
    session(&app, "a", false, T0);
    assert_eq!(app.next_expiry(), Some(at(5_000)));
    run(&app, &admin(), DeleteUser { username: un("a") }).unwrap();
    check(&app);
    assert_eq!(app.next_expiry(), None);
    assert_eq!(RoomLimits::default().offline_grace, Millis(GRACE as u64));
}
