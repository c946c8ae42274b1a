//! Groups benchmarks: add a member, remove a member, is-member, list 100 members, and the
//! members who may speak in groups of 500 and 3000 (goal ≤ 2 ns per member, no allocation
//! per member). Single thread; fixed shapes: 3500 registered users, groups prefilled in join
//! order, 2% of members muted.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use imcore::groups::*;
use imcore::*;

const NOW: Timestamp = Timestamp(1_000_000);

fn name(i: usize) -> UserName {
    UserName::parse(&format!("user{i}")).unwrap()
}

fn setup() -> App {
    let engine = Engine::new();
    let mut l = Limits::default();
    l.groups.max_users_cap = 8000;
    l.groups.max_users_default = 8000;
    let app = engine
        .create_app(AppKey::new("bench", "groups").unwrap(), l)
        .unwrap();
    for i in 0..3500 {
        let n = format!("user{i}");
        app.execute(&Actor::Admin, NOW, RegisterUser(NewUser::new(&n, "pw", &n)))
            .unwrap();
    }
    app
}

/// A group owned by user `first` with `n` members (owner included): users first..first+n.
fn group(app: &App, first: usize, n: usize) -> GroupId {
    let g = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateGroup {
                owner: Some(name(first)),
                public: Some(false),
                ..Default::default()
            },
        )
        .unwrap()
        .reply
        .group_id;
    let rest: Vec<UserName> = (first + 1..first + n).map(name).collect();
    for chunk in rest.chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddGroupMembers {
                group: g.clone(),
                users: chunk.to_vec(),
                need_notify: None,
            },
        )
        .unwrap();
    }
    // 2% muted.
    let muted: Vec<UserName> = (first + 1..first + n).step_by(50).map(name).collect();
    for chunk in muted.chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            MuteGroupMembers {
                group: g.clone(),
                users: chunk.to_vec(),
                duration_ms: -1,
            },
        )
        .unwrap();
    }
    g
}

fn add(app: &App, g: &GroupId, u: &UserName) {
    app.execute(
        &Actor::Admin,
        NOW,
        AddGroupMember {
            group: g.clone(),
            user: u.clone(),
            need_notify: None,
        },
    )
    .unwrap();
}

fn remove(app: &App, g: &GroupId, u: &UserName) {
    app.execute(
        &Actor::Admin,
        NOW,
        RemoveGroupMember {
            group: g.clone(),
            user: u.clone(),
        },
    )
    .unwrap();
}

fn benches(c: &mut Criterion) {
    let app = setup();
    let g200 = group(&app, 0, 200);
    let g500 = group(&app, 0, 500);
    let g3000 = group(&app, 0, 3000);
    let outsider = name(3400);

    // Add (timed) then remove (untimed), so the group stays at 200 members.
    c.bench_function("group add member (200 members)", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let s = Instant::now();
                add(&app, &g200, &outsider);
                t += s.elapsed();
                remove(&app, &g200, &outsider);
            }
            t
        })
    });
    c.bench_function("group remove member (200 members)", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                add(&app, &g200, &outsider);
                let s = Instant::now();
                remove(&app, &g200, &outsider);
                t += s.elapsed();
            }
            t
        })
    });
    let member = name(250);
    c.bench_function("group is-member (500 members)", |b| {
        b.iter(|| {
            black_box(
                app.query(
                    &Actor::Admin,
                    NOW,
                    IsGroupMember {
                        group: g500.clone(),
                        user: member.clone(),
                    },
                )
                .unwrap(),
            )
        })
    });
    c.bench_function("group list 100 members (500 members)", |b| {
        b.iter(|| {
            black_box(
                app.query(
                    &Actor::Admin,
                    NOW,
                    ListGroupMembers {
                        group: g500.clone(),
                        page_num: Some(2),
                        page_size: Some(100),
                        ..Default::default()
                    },
                )
                .unwrap(),
            )
        })
    });
    for (n, g) in [(500, &g500), (3000, &g3000)] {
        c.bench_function(&format!("group speakers as names ({n} members)"), |b| {
            b.iter(|| {
                black_box(
                    app.query(&Actor::Admin, NOW, GroupSpeakers { group: g.clone() })
                        .unwrap(),
                )
            })
        });
        c.bench_function(&format!("group speakers as ids ({n} members)"), |b| {
            b.iter(|| {
                black_box(
                    app.query(&Actor::Admin, NOW, GroupSpeakerIds { group: g.clone() })
                        .unwrap(),
                )
            })
        });
    }
}

criterion_group!(groups, benches);
criterion_main!(groups);
