//! User lookup by name (hot and cold, 1 and 2 threads) and user attributes (set 64 bytes and
//! 2 KB, batch get of 100 users) on the shared 200k-user data set (see `common`).
//!
//! Times are CPU time (see `common::cpu_now`).
//!
//! Run: `cargo bench --bench users -- --warm-up-time 1 --measurement-time 3`.

mod common;

use std::hint::black_box;

use common::*;
use criterion::{BenchmarkId, Criterion, Throughput};
use imcore::*;

fn lookups(c: &mut Criterion, w: &World) {
    let mut g = c.benchmark_group("get_user");
    for hot in [true, false] {
        let temp = if hot { "hot" } else { "cold" };
        let lists: Vec<Vec<UserName>> = (0..2)
            .map(|t| {
                let mut rng = Rng(500 + t);
                (0..REQS)
                    .map(|_| {
                        uname(if hot {
                            w.hot(&mut rng, 0)
                        } else {
                            rng.below(w.users)
                        })
                    })
                    .collect()
            })
            .collect();
        let get = |n: &UserName| {
            let v = w
                .app
                .query(
                    &Actor::Admin,
                    NOW,
                    GetUser {
                        username: n.clone(),
                    },
                )
                .expect("get user");
            debug_assert_eq!(&v.username, n);
            v
        };
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new(temp, "1t"), |b| {
            let l = &lists[0];
            b.iter_custom(|iters| cpu_iter(iters, |i| get(&l[i as usize & (REQS - 1)])))
        });
        g.throughput(Throughput::Elements(2));
        g.bench_function(BenchmarkId::new(temp, "2t"), |b| {
            b.iter_custom(|iters| {
                run_threads(2, iters, &|t| &lists[t], &|l, i| {
                    black_box(get(&l[i as usize & (REQS - 1)]));
                })
            })
        });
        eprintln!(
            "get_user/{temp}/2t: thread overlap {:.2} of 2",
            take_overlap()
        );
    }
    g.finish();
}

fn attributes(c: &mut Criterion, w: &World) {
    let app = &w.app;
    let mut g = c.benchmark_group("set_attribute");
    g.throughput(Throughput::Elements(1));
    // Key `k` (1 byte) + value: 64 bytes and 2048 bytes (the whole per-user budget). Every
    // user already has `k` set, so these overwrite; the 2 KB one grows the user's size the
    // first time it lands on a user (reserving on the app-wide counter).
    for (label, value_len) in [("64B", 63usize), ("2KB", 2047)] {
        for hot in [true, false] {
            let temp = if hot { "hot" } else { "cold" };
            let mut rng = Rng(900 + value_len as u64);
            let users: Vec<UserName> = (0..REQS)
                .map(|_| {
                    uname(if hot {
                        w.hot(&mut rng, 0)
                    } else {
                        rng.below(w.users)
                    })
                })
                .collect();
            let mut i = 0usize;
            g.bench_function(BenchmarkId::new(label, temp), |b| {
                b.iter_custom(|iters| {
                    cpu_batched(
                        iters,
                        || {
                            i = (i + 1) & (REQS - 1);
                            SetAttributes {
                                username: users[i].clone(),
                                pairs: vec![("k".into(), "w".repeat(value_len))],
                            }
                        },
                        |cmd| app.execute(&Actor::Admin, NOW, cmd).expect("set"),
                    )
                })
            });
        }
    }
    g.finish();
    // Put every user back to a 64-byte attribute so the batch get reads the documented shape.
    for i in 0..w.users {
        let cmd = SetAttributes {
            username: uname(i),
            pairs: vec![("k".into(), "v".repeat(63))],
        };
        app.execute(&Actor::Admin, NOW, cmd).expect("reset");
    }
    let mut g = c.benchmark_group("batch_get_attributes");
    g.throughput(Throughput::Elements(100));
    let mut rng = Rng(77);
    let batches: Vec<Vec<String>> = (0..1024)
        .map(|_| (0..100).map(|_| name(rng.below(w.users))).collect())
        .collect();
    let mut i = 0usize;
    g.bench_function("100_users/cold", |b| {
        b.iter_custom(|iters| {
            cpu_batched(
                iters,
                || {
                    i = (i + 1) & 1023;
                    BatchGetAttributes {
                        targets: batches[i].clone(),
                        properties: vec!["k".into()],
                    }
                },
                |q| {
                    let r = app.query(&Actor::Admin, NOW, q).expect("batch get");
                    debug_assert!(!r.is_empty() && r.len() <= 100);
                    r
                },
            )
        })
    });
    g.finish();
    imcore::invariants::check(app).expect("invariants after the attribute benches");
}

fn main() {
    let w = World::build();
    let mut c = Criterion::default().configure_from_args();
    lookups(&mut c, &w);
    attributes(&mut c, &w);
    c.final_summary();
}
