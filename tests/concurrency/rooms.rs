//! Concurrent churn on one room of 10 000 members: joins, leaves (some leaving other rooms),
//! kicks, blocks, mutes, attribute writes and deletes, and user deletions from several
//! threads; then every invariant. The default run is sized to stay fast; the heavy variant
//! is `#[ignore]`d (`cargo test --release --test concurrency rooms:: -- --ignored`).

use std::sync::Arc;

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const MEMBERS: usize = 10_000;

fn setup(extra: usize) -> (App, RoomId, RoomId, Vec<String>) {
    let names: Vec<String> = (0..MEMBERS + extra).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = app(&refs);
    let room = run(
        &app,
        &admin(),
        CreateRoom {
            maxusers: Some(MEMBERS as u32),
            ..create_cmd("u0")
        },
    )
    .unwrap();
    let side = create(&app, "u1", &[]);
    for chunk in names[1..MEMBERS].chunks(60) {
        run(
            &app,
            &admin(),
            AddRoomMembers {
                room,
                users: chunk.iter().map(|n| un(n)).collect(),
            },
        )
        .unwrap();
    }
    assert_eq!(
        ask(&app, &admin(), GetRooms { ids: vec![room] }).unwrap()[0].affiliations_count,
        MEMBERS
    );
    (app, room, side, names)
}

fn churn(threads: usize, ops: usize, extra: usize) {
    let (app, room, side, names) = setup(extra);
    let names = Arc::new(names);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let app = app.clone();
            let names = Arc::clone(&names);
            std::thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((t as u64 + 1) * 0x1234_5678));
                for i in 0..ops {
                    // Users 0 and 1 own the rooms; deletions pick from the tail.
                    let who = 2 + rng.below(names.len() - 2);
                    let n = un(&names[who]);
                    let now = Timestamp(T0.0 + i as i64);
                    let _ = match rng.below(12) {
                        0..=2 => app
                            .execute(
                                &Actor::User(n.clone()),
                                now,
                                JoinRoom {
                                    room,
                                    user: n,
                                    leave_other_rooms: rng.below(4) == 0,
                                },
                            )
                            .map(drop),
                        3..=4 => app
                            .execute(&Actor::User(n.clone()), now, LeaveRoom { room, user: n })
                            .map(drop),
                        5 => app
                            .execute(
                                &Actor::User(n.clone()),
                                now,
                                JoinRoom {
                                    room: side,
                                    user: n,
                                    leave_other_rooms: false,
                                },
                            )
                            .map(drop),
                        6 => app
                            .execute(
                                &Actor::User(n.clone()),
                                now,
                                SetRoomAttributes {
                                    room,
                                    operator: None,
                                    attrs: [(
                                        format!("k{}", rng.below(150)),
                                        "v".repeat(rng.below(64)),
                                    )]
                                    .into_iter()
                                    .collect(),
                                    auto_delete: Some(
                                        if rng.below(2) == 0 {
                                            "DELETE"
                                        } else {
                                            "NO_DELETE"
                                        }
                                        .into(),
                                    ),
                                    forced: rng.below(3) == 0,
                                },
                            )
                            .map(drop),
                        7 => app
                            .execute(
                                &Actor::User(n.clone()),
                                now,
                                DeleteRoomAttributes {
                                    room,
                                    operator: None,
                                    keys: vec![format!("k{}", rng.below(150))],
                                    forced: rng.below(2) == 0,
                                },
                            )
                            .map(drop),
                        8 => app
                            .execute(
                                &Actor::Admin,
                                now,
                                MuteRoomMembers {
                                    room,
                                    users: vec![n],
                                    duration_ms: 1 + rng.below(50) as i64,
                                },
                            )
                            .map(drop),
                        9 => {
                            if rng.below(2) == 0 {
                                app.execute(&Actor::Admin, now, BlockRoomUser { room, user: n })
                                    .map(drop)
                            } else {
                                app.execute(&Actor::Admin, now, UnblockRoomUser { room, user: n })
                                    .map(drop)
                            }
                        }
                        10 => app
                            .execute(
                                &Actor::Admin,
                                now,
                                AllowRoomUsers {
                                    room,
                                    users: vec![n],
                                },
                            )
                            .map(drop),
                        _ => {
                            // Deletions: rarely, and only from the upper half of the names.
                            if rng.below(8) == 0 && who > names.len() / 2 {
                                app.execute(&Actor::Admin, now, DeleteUser { username: n })
                                    .map(drop)
                            } else {
                                app.execute(&Actor::Admin, now, RemoveRoomMember { room, user: n })
                                    .map(drop)
                            }
                        }
                    };
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    imcore::invariants::check(&app).unwrap();
    let d = &ask(&app, &admin(), GetRooms { ids: vec![room] }).unwrap()[0];
    assert!(d.affiliations_count <= MEMBERS);
    // The room still works normally afterwards.
    let page = ask(
        &app,
        &admin(),
        ListRoomMembers {
            room,
            pagenum: Some(1),
            pagesize: Some(100),
        },
    )
    .unwrap();
    assert_eq!(page.len(), 100.min(d.affiliations_count));
}

#[test]
fn churn_on_a_room_of_10000() {
    churn(4, 3_000, 300);
}

#[test]
#[ignore = "heavy: run with --ignored"]
fn churn_on_a_room_of_10000_heavy() {
    churn(8, 50_000, 2_000);
}

/// Rooms are created (with members), joined, and deleted while their owners and members are
/// being deleted and re-registered: no room may keep a deleted user, no user index may keep a
/// deleted room.
fn create_delete_race(threads: usize, ops: usize) {
    let names: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = app(&refs);
    let names = Arc::new(names);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let app = app.clone();
            let names = Arc::clone(&names);
            std::thread::spawn(move || {
                let mut rng = Rng(0xDEAD_BEEF_u64 ^ ((t as u64 + 7) << 20));
                let mut mine: Vec<RoomId> = Vec::new();
                for _ in 0..ops {
                    let pick = |rng: &mut Rng| un(&names[rng.below(names.len())]);
                    match rng.below(6) {
                        0 | 1 => {
                            let owner = pick(&mut rng);
                            let members = (0..rng.below(5)).map(|_| pick(&mut rng)).collect();
                            if let Ok(o) = app.execute(
                                &Actor::Admin,
                                T0,
                                CreateRoom {
                                    owner: Some(owner),
                                    members: Some(members),
                                    ..create_cmd("p0")
                                },
                            ) {
                                mine.push(o.reply);
                            }
                        }
                        2 if !mine.is_empty() => {
                            let room = mine[rng.below(mine.len())];
                            let user = pick(&mut rng);
                            let _ = app.execute(
                                &Actor::User(user.clone()),
                                T0,
                                JoinRoom {
                                    room,
                                    user,
                                    leave_other_rooms: rng.below(3) == 0,
                                },
                            );
                        }
                        3 if !mine.is_empty() => {
                            let room = mine.swap_remove(rng.below(mine.len()));
                            let _ = app.execute(&Actor::Admin, T0, DeleteRoom { room });
                        }
                        4 => {
                            let user = pick(&mut rng);
                            let _ = app.execute(&Actor::Admin, T0, DeleteUser { username: user });
                        }
                        _ => {
                            let user = pick(&mut rng);
                            let _ = app.execute(
                                &Actor::Admin,
                                T0,
                                RegisterUser(NewUser::new(user.as_str(), "pw", "x")),
                            );
                            let _ = app.execute(&Actor::Admin, T0, AddRoomSuperAdmin { user });
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    imcore::invariants::check(&app).unwrap();
}

#[test]
fn rooms_created_and_deleted_while_users_are_deleted() {
    create_delete_race(4, 2_000);
}

#[test]
#[ignore = "heavy: run with --ignored"]
fn rooms_created_and_deleted_while_users_are_deleted_heavy() {
    for _ in 0..10 {
        create_delete_race(8, 20_000);
    }
}
