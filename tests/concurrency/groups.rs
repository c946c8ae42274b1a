//! Concurrency: joins, leaves, kicks, blocks, ownership transfers, thread joins, group
//! destruction and user deletions racing on shared groups from several threads; afterwards
//! every invariant holds. Also: the per-user joined-groups cap and max_users stay exact under
//! contention. Heavier sizes run with `--ignored`.

use crate::fixture::groups::*;

use std::sync::atomic::{AtomicUsize, Ordering};

use imcore::groups::*;
use imcore::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
}

fn storm(threads: usize, ops: usize, users: usize, seed: u64) {
    let mut l = limits();
    l.groups.max_users_default = 12;
    l.groups.groups_per_user_max = 4;
    l.groups.threads_per_user_max = 3;
    l.groups.threads_per_app_max = 20;
    let f = Fx::with(l);
    let names: Vec<String> = (0..users).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    f.users(&refs);
    let groups: Vec<GroupId> = (0..6).map(|i| f.group(refs[i], &[])).collect();
    let groups = std::sync::Mutex::new(groups);
    let now = f.now;
    let oks = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let app = f.app.clone();
            let refs = &refs;
            let groups = &groups;
            let oks = &oks;
            s.spawn(move || {
                let mut r = Rng(seed + t as u64 * 7919 + 1);
                let mut msg = 0u64;
                for _ in 0..ops {
                    let gs = groups.lock().unwrap().clone();
                    let g = gs[r.next() % gs.len()].clone();
                    let a = u(refs[r.next() % refs.len()]);
                    let b = u(refs[r.next() % refs.len()]);
                    let admin = &Actor::Admin;
                    let res = match r.next() % 14 {
                        0..=2 => app
                            .execute(
                                admin,
                                now,
                                AddGroupMember {
                                    group: g,
                                    user: a,
                                    need_notify: None,
                                },
                            )
                            .map(|_| ()),
                        3 => app
                            .execute(
                                admin,
                                now,
                                AddGroupMembers {
                                    group: g,
                                    users: vec![a, b],
                                    need_notify: None,
                                },
                            )
                            .map(|_| ()),
                        4 => app
                            .execute(
                                &Actor::User(a.clone()),
                                now,
                                LeaveGroup { group: g, user: a },
                            )
                            .map(|_| ()),
                        5 => app
                            .execute(admin, now, RemoveGroupMember { group: g, user: a })
                            .map(|_| ()),
                        6 => app
                            .execute(admin, now, BlockGroupMember { group: g, user: a })
                            .map(|_| ()),
                        7 => app
                            .execute(
                                admin,
                                now,
                                TransferGroupOwner {
                                    group: g,
                                    new_owner: a,
                                },
                            )
                            .map(|_| ()),
                        8 => app
                            .execute(
                                admin,
                                now,
                                MuteGroupMembers {
                                    group: g,
                                    users: vec![a],
                                    duration_ms: -1,
                                },
                            )
                            .map(|_| ()),
                        9 => app
                            .execute(admin, now, AddGroupAdmin { group: g, user: a })
                            .map(|_| ()),
                        10 => {
                            msg += 1;
                            // A real message of the group to host the thread (spec 02 H4).
                            let parent = app
                                .execute(
                                    admin,
                                    now,
                                    imcore::messages::SendMessage::text(
                                        imcore::messages::ChatType::GroupChat,
                                        None,
                                        &[g.as_str()],
                                        &format!("{t}-{msg}"),
                                    ),
                                )
                                .ok()
                                .and_then(|o| {
                                    o.reply.accepted().next().map(|(_, id)| id.to_string())
                                })
                                .unwrap_or_default();
                            app.execute(
                                admin,
                                now,
                                CreateThread {
                                    group: Some(g),
                                    name: Some("t".into()),
                                    msg_id: Some(parent),
                                    owner: Some(a),
                                },
                            )
                            .map(|_| ())
                        }
                        11 => {
                            let ts = app.query(
                                admin,
                                now,
                                ListAppThreads {
                                    limit: Some(10),
                                    cursor: None,
                                    sort: None,
                                },
                            );
                            match ts.ok().and_then(|p| p.items.first().cloned()) {
                                Some(th) => app
                                    .execute(
                                        admin,
                                        now,
                                        JoinThreadMembers {
                                            thread: th,
                                            users: vec![a],
                                        },
                                    )
                                    .map(|_| ()),
                                None => Ok(()),
                            }
                        }
                        12 => {
                            let n = a.to_string();
                            let r = app.execute(admin, now, DeleteUser { username: a });
                            let _ =
                                app.execute(admin, now, RegisterUser(NewUser::new(&n, "pw", "x")));
                            r.map(|_| ())
                        }
                        _ => {
                            if r.next().is_multiple_of(4) {
                                let res =
                                    app.execute(admin, now, DestroyGroup { group: g.clone() });
                                let owner = u(refs[r.next() % refs.len()]);
                                if let Ok(o) = app.execute(
                                    admin,
                                    now,
                                    CreateGroup {
                                        owner: Some(owner),
                                        public: Some(true),
                                        ..Default::default()
                                    },
                                ) {
                                    let mut gl = groups.lock().unwrap();
                                    gl.retain(|x| *x != g);
                                    gl.push(o.reply.group_id);
                                }
                                res.map(|_| ())
                            } else {
                                app.execute(admin, now, UnblockGroupMember { group: g, user: a })
                                    .map(|_| ())
                            }
                        }
                    };
                    if res.is_ok() {
                        oks.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let oks = oks.load(Ordering::Relaxed);
    assert!(oks * 5 > threads * ops, "too few commands succeeded: {oks}");
    f.check();
}

#[test]
fn racing_commands_keep_the_invariants() {
    for seed in 0..4 {
        storm(4, 400, 16, seed * 1_000_003);
    }
}

#[test]
#[ignore]
fn racing_commands_keep_the_invariants_heavy() {
    for seed in 0..20 {
        storm(8, 5000, 40, seed * 1_000_003 + 17);
    }
}

#[test]
fn the_per_user_cap_is_exact_under_contention() {
    let mut l = limits();
    l.groups.groups_per_user_max = 5;
    let f = Fx::with(l);
    f.users(&["target"]);
    let owners: Vec<String> = (0..40).map(|i| format!("o{i}")).collect();
    let refs: Vec<&str> = owners.iter().map(|s| s.as_str()).collect();
    f.users(&refs);
    let groups: Vec<GroupId> = refs.iter().map(|o| f.group(o, &[])).collect();
    let wins = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for chunk in groups.chunks(10) {
            let app = f.app.clone();
            let wins = &wins;
            s.spawn(move || {
                for g in chunk {
                    if app
                        .execute(
                            &Actor::Admin,
                            Timestamp(1),
                            AddGroupMember {
                                group: g.clone(),
                                user: u("target"),
                                need_notify: None,
                            },
                        )
                        .is_ok()
                    {
                        wins.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(wins.load(Ordering::Relaxed), 5);
    assert_eq!(f.joined("target"), 5);
    f.check();
}

#[test]
fn max_users_is_exact_under_contention() {
    let mut l = limits();
    l.groups.max_users_default = 7;
    let f = Fx::with(l);
    let names: Vec<String> = (0..40).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    f.users(&refs);
    let g = f.group("u0", &[]);
    let wins = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for chunk in refs[1..].chunks(10) {
            let app = f.app.clone();
            let (g, wins) = (&g, &wins);
            s.spawn(move || {
                for n in chunk {
                    if app
                        .execute(
                            &Actor::Admin,
                            Timestamp(1),
                            AddGroupMember {
                                group: g.clone(),
                                user: u(n),
                                need_notify: None,
                            },
                        )
                        .is_ok()
                    {
                        wins.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(wins.load(Ordering::Relaxed), 6);
    assert_eq!(f.members(&g).len(), 7);
    f.check();
}

#[test]
fn deleting_users_while_they_join_and_get_blocked() {
    for round in 0..20 {
        let f = Fx::new();
        f.users(&["o", "v"]);
        let groups: Vec<GroupId> = (0..8).map(|_| f.group("o", &[])).collect();
        std::thread::scope(|s| {
            let app = f.app.clone();
            let gs = groups.clone();
            s.spawn(move || {
                for g in &gs {
                    let _ = app.execute(
                        &Actor::Admin,
                        Timestamp(1),
                        AddGroupMember {
                            group: g.clone(),
                            user: u("v"),
                            need_notify: None,
                        },
                    );
                    let _ = app.execute(
                        &Actor::Admin,
                        Timestamp(1),
                        MuteGroupMembers {
                            group: g.clone(),
                            users: vec![u("v")],
                            duration_ms: -1,
                        },
                    );
                    let _ = app.execute(
                        &Actor::Admin,
                        Timestamp(1),
                        BlockGroupMember {
                            group: g.clone(),
                            user: u("v"),
                        },
                    );
                    let _ = app.execute(
                        &Actor::Admin,
                        Timestamp(1),
                        AddGroupMember {
                            group: g.clone(),
                            user: u("v"),
                            need_notify: None,
                        },
                    );
                }
            });
            let app = f.app.clone();
            s.spawn(move || {
                for _ in 0..round % 5 {
                    std::thread::yield_now();
                }
                let _ = app.execute(&Actor::Admin, Timestamp(1), DeleteUser { username: u("v") });
            });
        });
        f.check();
    }
}
