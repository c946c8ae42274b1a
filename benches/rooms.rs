//! Chatroom benchmarks: a room of 10 000 members (join + leave, is-member, a page of 100
//! members) and room attributes (set, get). Single thread; fixed data shapes.
//!
//! Run: `cargo bench --bench rooms`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use imcore::rooms::*;
use imcore::*;

const MEMBERS: usize = 10_000;
const NOW: Timestamp = Timestamp(1_000_000);

fn un(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

/// An app with `MEMBERS + 1` users and one room holding the first `MEMBERS - 1` of them
/// (so one more may join), plus 100 attribute keys.
fn setup() -> (App, RoomId) {
    let engine = Engine::new();
    let app = engine
        .create_app(AppKey::new("bench", "rooms").unwrap(), Limits::default())
        .unwrap();
    for i in 0..=MEMBERS {
        app.execute(
            &Actor::Admin,
            NOW,
            RegisterUser(NewUser::new(&format!("u{i}"), "pw", "x")),
        )
        .unwrap();
    }
    let room = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateRoom {
                name: Some("bench".into()),
                description: Some(String::new()),
                owner: Some(un("u0")),
                maxusers: Some(MEMBERS as u32),
                ..Default::default()
            },
        )
        .unwrap()
        .reply;
    let names: Vec<UserName> = (1..MEMBERS - 1).map(|i| un(&format!("u{i}"))).collect();
    for chunk in names.chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddRoomMembers {
                room,
                users: chunk.to_vec(),
            },
        )
        .unwrap();
    }
    for chunk in 0..10 {
        app.execute(
            &Actor::Admin,
            NOW,
            SetRoomAttributes {
                room,
                operator: Some(un("u1")),
                attrs: (0..10)
                    .map(|i| (format!("key{}", chunk * 10 + i), "v".repeat(64)))
                    .collect(),
                auto_delete: None,
                forced: false,
            },
        )
        .unwrap();
    }
    (app, room)
}

fn benches(c: &mut Criterion) {
    let (app, room) = setup();
    let joiner = un(&format!("u{}", MEMBERS - 1));
    let me = Actor::User(joiner.clone());
    c.bench_function("rooms/join+leave (10k members)", |b| {
        b.iter(|| {
            app.execute(
                &me,
                NOW,
                JoinRoom {
                    room,
                    user: joiner.clone(),
                    leave_other_rooms: false,
                },
            )
            .unwrap();
            app.execute(
                &me,
                NOW,
                LeaveRoom {
                    room,
                    user: joiner.clone(),
                },
            )
            .unwrap();
        })
    });
    let member = un("u5000");
    c.bench_function("rooms/is-member (10k members)", |b| {
        b.iter(|| {
            black_box(
                app.query(
                    &Actor::Admin,
                    NOW,
                    IsRoomMember {
                        room,
                        user: member.clone(),
                    },
                )
                .unwrap(),
            )
        })
    });
    c.bench_function("rooms/may-speak (10k members)", |b| {
        b.iter(|| {
            black_box(
                app.query(
                    &Actor::Admin,
                    NOW,
                    MayRoomMemberSpeak {
                        room,
                        user: member.clone(),
                    },
                )
                .unwrap(),
            )
        })
    });
    // The same read from two threads at once: time per operation (wall time / total ops).
    c.bench_function("rooms/is-member, 2 threads (per op)", |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..iters {
                            black_box(
                                app.query(
                                    &Actor::Admin,
                                    NOW,
                                    IsRoomMember {
                                        room,
                                        user: member.clone(),
                                    },
                                )
                                .unwrap(),
                            );
                        }
                    });
                }
            });
            start.elapsed() / 2
        })
    });
    for (label, pagenum) in [("first", 1), ("last", 100)] {
        c.bench_function(&format!("rooms/list 100 members, {label} page"), |b| {
            b.iter(|| {
                black_box(
                    app.query(
                        &Actor::Admin,
                        NOW,
                        ListRoomMembers {
                            room,
                            pagenum: Some(pagenum),
                            pagesize: Some(100),
                        },
                    )
                    .unwrap(),
                )
            })
        });
    }
    c.bench_function("rooms/list 100 members, cursor", |b| {
        b.iter(|| {
            black_box(
                app.query(
                    &Actor::Admin,
                    NOW,
                    ListRoomMembersCursor {
                        room,
                        limit: Some(100),
                        cursor: None,
                        desc: false,
                    },
                )
                .unwrap(),
            )
        })
    });
    let owner = Actor::User(un("u1"));
    let one: indexmap::IndexMap<String, String> =
        [("key7".to_string(), "w".repeat(64))].into_iter().collect();
    c.bench_function("rooms/set 1 attribute (overwrite)", |b| {
        b.iter(|| {
            app.execute(
                &owner,
                NOW,
                SetRoomAttributes {
                    room,
                    operator: None,
                    attrs: one.clone(),
                    auto_delete: None,
                    forced: false,
                },
            )
            .unwrap()
        })
    });
    let ten: indexmap::IndexMap<String, String> = (0..10)
        .map(|i| (format!("key{i}"), "x".repeat(64)))
        .collect();
    c.bench_function("rooms/set 10 attributes (overwrite)", |b| {
        b.iter(|| {
            app.execute(
                &owner,
                NOW,
                SetRoomAttributes {
                    room,
                    operator: None,
                    attrs: ten.clone(),
                    auto_delete: None,
                    forced: false,
                },
            )
            .unwrap()
        })
    });
    c.bench_function("rooms/get all 100 attributes", |b| {
        b.iter(|| {
            black_box(
                app.query(&Actor::Admin, NOW, GetRoomAttributes { room, keys: None })
                    .unwrap(),
            )
        })
    });
    let some = Some(vec!["key3".to_string(), "key42".to_string()]);
    c.bench_function("rooms/get 2 attributes", |b| {
        b.iter(|| {
            black_box(
                app.query(
                    &Actor::Admin,
                    NOW,
                    GetRoomAttributes {
                        room,
                        keys: some.clone(),
                    },
                )
                .unwrap(),
            )
        })
    });
}

criterion_group!(rooms, benches);
criterion_main!(rooms);
