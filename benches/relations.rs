//! Friend and block checks and the one-to-one send decision (`MayMessage`, client origin),
//! name and id forms (hot and cold, 1 and 2 threads), adding and removing friends, blocking
//! and unblocking, on the shared 200k-user data set (see `common`). Friend writes come in
//! both forms too (`friend/*` by name, `friend_id/*` by handle), hot (both users in the hot
//! set) and cold (uniform). The id forms take the
//! handles `LookupUser` gave once, as a host that authenticated the caller holds them. The id
//! checks also run batched (`<check>/view_hot`, `view_cold`): 1,024 checks to one view of the
//! app (`App::read`, one read lock), against their per-query rows (`App::read` a check, which
//! is what `App::query` does).
//!
//! Times are CPU time (see `common::cpu_now`). Throughput: the 1-thread benches count 1 element per iteration, the 2-thread ones 2 (each
//! thread does one op per iteration), so criterion's `thrpt` lines compare directly and the
//! speed-up is `2 × t(1 thread) / t(2 threads)`.
//!
//! Run: `cargo bench --bench relations -- --warm-up-time 1 --measurement-time 3`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::*;
use criterion::{BenchmarkId, Criterion, Throughput};
use imcore::*;

type Pairs = Vec<(UserName, UserName, bool)>;
type IdPairs = Vec<(UserId, UserId, bool)>;

fn may_message(app: &App, p: &(UserName, UserName, bool)) -> bool {
    let v = app
        .query(
            &Actor::Admin,
            NOW,
            imcore::messages::MayMessage {
                origin: imcore::messages::Origin::Client,
                from: Some(p.0.clone()),
                to: p.1.clone(),
            },
        )
        .expect("query");
    matches!(v, imcore::messages::ChatVerdict::Deliver)
}

fn are_friends_id(v: &View<'_>, p: &(UserId, UserId, bool)) -> bool {
    v.query(&Actor::Admin, NOW, AreFriendsById { a: p.0, b: p.1 })
        .expect("query")
}

fn is_blocked_id(v: &View<'_>, p: &(UserId, UserId, bool)) -> bool {
    v.query(
        &Actor::Admin,
        NOW,
        IsBlockedById {
            owner: p.0,
            other: p.1,
        },
    )
    .expect("query")
}

fn may_message_id(v: &View<'_>, p: &(UserId, UserId, bool)) -> bool {
    let v = v
        .query(
            &Actor::Admin,
            NOW,
            imcore::messages::MayMessageById {
                origin: imcore::messages::Origin::Client,
                from: Some(p.0),
                to: p.1,
            },
        )
        .expect("query");
    matches!(v, imcore::messages::ChatVerdict::Deliver)
}

/// The handles of a name pair list (resolved once, outside timing).
fn ids(app: &App, pairs: Pairs) -> IdPairs {
    let id = |n: &UserName| {
        app.query(
            &Actor::Admin,
            NOW,
            LookupUser {
                username: n.clone(),
            },
        )
        .expect("registered")
    };
    pairs.iter().map(|p| (id(&p.0), id(&p.1), p.2)).collect()
}

fn are_friends(app: &App, p: &(UserName, UserName, bool)) -> bool {
    let r = app
        .query(
            &Actor::Admin,
            NOW,
            AreFriends {
                a: p.0.clone(),
                b: p.1.clone(),
            },
        )
        .expect("query");
    debug_assert_eq!(r, p.2);
    r
}

fn is_blocked(app: &App, p: &(UserName, UserName, bool)) -> bool {
    let r = app
        .query(
            &Actor::Admin,
            NOW,
            IsBlocked {
                owner: p.0.clone(),
                other: p.1.clone(),
            },
        )
        .expect("query");
    debug_assert_eq!(r, p.2);
    r
}

/// One check bench group: `<group>/<hot|cold>/<1|2>t`.
fn checks<K: Clone + Sync + std::fmt::Debug>(
    c: &mut Criterion,
    w: &World,
    group: &str,
    pairs: &dyn Fn(bool, u64) -> Vec<(K, K, bool)>,
    check: fn(&App, &(K, K, bool)) -> bool,
) {
    let mut g = c.benchmark_group(group);
    for hot in [true, false] {
        let temp = if hot { "hot" } else { "cold" };
        // Each thread gets its own request list, built with its own `UserName`s.
        let lists: Vec<Vec<(K, K, bool)>> = (0..2).map(|t| pairs(hot, 1000 + t as u64)).collect();
        // Every answer must match the data set (checked once, outside timing).
        for p in &lists[0] {
            assert_eq!(check(&w.app, p), p.2, "{group} {p:?}");
        }
        g.throughput(Throughput::Elements(1));
        // Both rows run through the same harness (`run_threads`, one dynamic call an op), so
        // that the speed-up compares threads, not loops.
        for threads in [1, 2] {
            g.throughput(Throughput::Elements(threads as u64));
            g.bench_function(BenchmarkId::new(temp, format!("{threads}t")), |b| {
                b.iter_custom(|iters| {
                    run_threads(threads, iters, &|t| &lists[t], &|l, i| {
                        black_box(check(&w.app, &l[i as usize & (REQS - 1)]));
                    })
                })
            });
            let overlap = take_overlap();
            if threads == 2 {
                eprintln!("{group}/{temp}/2t: thread overlap {overlap:.2} of 2");
            }
        }
    }
    g.finish();
}

/// One id check, batched: `<group>/view_<hot|cold>`, one thread, the checks run 1,024 to one
/// view of the app ([`App::read`]: the read lock taken once a batch instead of once a check).
/// The checks are the ones the `checks` rows run, each of those through its own `App::read`.
fn in_view(
    c: &mut Criterion,
    w: &World,
    group: &str,
    pairs: &dyn Fn(bool, u64) -> IdPairs,
    check: fn(&View<'_>, &(UserId, UserId, bool)) -> bool,
) {
    const BATCH: usize = 1024;
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(1));
    for hot in [true, false] {
        let temp = if hot { "view_hot" } else { "view_cold" };
        let list = pairs(hot, 1000);
        w.app.read(|v| {
            for p in &list {
                assert_eq!(check(v, p), p.2, "{group} {p:?}");
            }
        });
        let mut at = 0usize;
        g.bench_function(temp, |b| {
            b.iter_custom(|iters| {
                let t = cpu_now();
                let mut left = iters as usize;
                while left > 0 {
                    let n = left.min(BATCH);
                    w.app.read(|v| {
                        for k in 0..n {
                            black_box(check(v, &list[(at + k) & (REQS - 1)]));
                        }
                    });
                    at = (at + n) & (REQS - 1);
                    left -= n;
                }
                cpu_now() - t
            })
        });
    }
    g.finish();
}

/// Times `timed` over chunks of `pairs`, running `undo` (untimed) after each chunk so that
/// the data set returns to its shape.
fn chunked<T>(
    iters: u64,
    pairs: &[T],
    before: &dyn Fn(&T),
    timed: &dyn Fn(&T),
    after: &dyn Fn(&T),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters as usize;
    let mut at = 0usize;
    while left > 0 {
        let n = left.min(4096).min(pairs.len() - at);
        let chunk = &pairs[at..at + n];
        for p in chunk {
            before(p);
        }
        let t = cpu_now();
        for p in chunk {
            timed(p);
        }
        total += cpu_now() - t;
        for p in chunk {
            after(p);
        }
        left -= n;
        at = (at + n) % pairs.len();
    }
    total
}

/// Adding and removing friends (name and id forms, hot and cold), blocking and unblocking
/// (cold). Each timed add forms a new friendship and each timed remove ends one (the pairs are
/// strangers, distinct within a chunk); the untimed undo puts the data set back.
fn mutations(c: &mut Criterion, w: &World) {
    let app = &w.app;
    let admin = Actor::Admin;
    let cold = w.stranger_pairs(REQS, 7);
    let hot = w.hot_stranger_pairs(REQS, 8);
    let add = |p: &(UserName, UserName)| {
        let out = app
            .execute(
                &admin,
                NOW,
                AddFriend {
                    owner: p.0.clone(),
                    friend: p.1.clone(),
                },
            )
            .expect("add");
        debug_assert_eq!(out.events.len(), 1);
        black_box(out);
    };
    let remove = |p: &(UserName, UserName)| {
        let out = app
            .execute(
                &admin,
                NOW,
                RemoveFriend {
                    owner: p.0.clone(),
                    friend: p.1.clone(),
                },
            )
            .expect("remove");
        debug_assert_eq!(out.events.len(), 1);
        black_box(out);
    };
    let add_id = |p: &(UserId, UserId)| {
        let out = app
            .execute(
                &admin,
                NOW,
                AddFriendById {
                    owner: p.0,
                    friend: p.1,
                },
            )
            .expect("add by id");
        debug_assert_eq!(out.events.len(), 1);
        black_box(out);
    };
    let remove_id = |p: &(UserId, UserId)| {
        let out = app
            .execute(
                &admin,
                NOW,
                RemoveFriendById {
                    owner: p.0,
                    friend: p.1,
                },
            )
            .expect("remove by id");
        debug_assert_eq!(out.events.len(), 1);
        black_box(out);
    };
    let block = |p: &(UserName, UserName)| {
        let out = app
            .execute(
                &admin,
                NOW,
                BlockUsers {
                    owner: p.0.clone(),
                    usernames: vec![p.1.clone()],
                },
            )
            .expect("block");
        black_box(out);
    };
    let unblock = |p: &(UserName, UserName)| {
        let out = app
            .execute(
                &admin,
                NOW,
                UnblockUser {
                    owner: p.0.clone(),
                    blocked: p.1.clone(),
                },
            )
            .expect("unblock");
        black_box(out);
    };
    let nothing = |_: &(UserName, UserName)| {};
    let nothing_id = |_: &(UserId, UserId)| {};
    let handles = |pairs: &[(UserName, UserName)]| -> Vec<(UserId, UserId)> {
        let id = |n: &UserName| {
            app.query(
                &admin,
                NOW,
                LookupUser {
                    username: n.clone(),
                },
            )
            .expect("registered")
        };
        pairs.iter().map(|p| (id(&p.0), id(&p.1))).collect()
    };
    let (cold_id, hot_id) = (handles(&cold), handles(&hot));
    let mut g = c.benchmark_group("friend");
    g.throughput(Throughput::Elements(1));
    for (temp, pairs) in [("cold", &cold), ("hot", &hot)] {
        g.bench_function(format!("add/{temp}"), |b| {
            b.iter_custom(|iters| chunked(iters, pairs, &nothing, &add, &remove))
        });
        g.bench_function(format!("remove/{temp}"), |b| {
            b.iter_custom(|iters| chunked(iters, pairs, &add, &remove, &nothing))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("friend_id");
    g.throughput(Throughput::Elements(1));
    for (temp, pairs) in [("cold", &cold_id), ("hot", &hot_id)] {
        g.bench_function(format!("add/{temp}"), |b| {
            b.iter_custom(|iters| chunked(iters, pairs, &nothing_id, &add_id, &remove_id))
        });
        g.bench_function(format!("remove/{temp}"), |b| {
            b.iter_custom(|iters| chunked(iters, pairs, &add_id, &remove_id, &nothing_id))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("block");
    g.throughput(Throughput::Elements(1));
    g.bench_function("add/cold", |b| {
        b.iter_custom(|iters| chunked(iters, &cold, &nothing, &block, &unblock))
    });
    g.bench_function("remove/cold", |b| {
        b.iter_custom(|iters| chunked(iters, &cold, &block, &unblock, &nothing))
    });
    g.finish();
    imcore::invariants::check(app).expect("invariants after the mutation benches");
}

/// What the check path is made of, measured alone on the same machine in the same run: the
/// name lookup (a `std::collections::HashMap<UserName, UserId>` of 200k entries, hot set of 1k,
/// as the users table resolves a name), the app's sharded read lock (taken and dropped, as every
/// query does), and a `parking_lot::RwLock` read for comparison.
fn parts(c: &mut Criterion, w: &World) {
    use std::collections::HashMap;
    let mut hm: HashMap<UserName, u64> = HashMap::new();
    for i in 0..w.users {
        hm.insert(uname(i), i as u64);
    }
    let mut rng = Rng(31);
    let keys: Vec<UserName> = (0..REQS).map(|_| uname(w.hot(&mut rng, 0))).collect();
    let lock = parking_lot::RwLock::new(0u64);
    let sharded = crossbeam_utils::sync::ShardedLock::new(0u64);
    let mut g = c.benchmark_group("parts");
    g.bench_function("std_hashmap_get/hot", |b| {
        b.iter_custom(|iters| cpu_iter(iters, |i| hm.get(&keys[i as usize & (REQS - 1)]).copied()))
    });
    g.bench_function("sharded_lock_read", |b| {
        b.iter_custom(|iters| cpu_iter(iters, |_| *sharded.read().expect("not poisoned")))
    });
    g.bench_function("rwlock_read", |b| {
        b.iter_custom(|iters| cpu_iter(iters, |_| *lock.read()))
    });
    g.finish();
}

fn main() {
    let w = World::build();
    let mut c = Criterion::default().configure_from_args();
    checks(
        &mut c,
        &w,
        "are_friends",
        &|hot, seed| w.friend_pairs(hot, seed),
        are_friends,
    );
    checks(
        &mut c,
        &w,
        "is_blocked",
        &|hot, seed| w.block_pairs(hot, seed),
        is_blocked,
    );
    checks(
        &mut c,
        &w,
        "are_friends_id",
        &|hot, seed| ids(&w.app, w.friend_pairs(hot, seed)),
        |app, p| app.read(|v| are_friends_id(v, p)),
    );
    checks(
        &mut c,
        &w,
        "is_blocked_id",
        &|hot, seed| ids(&w.app, w.block_pairs(hot, seed)),
        |app, p| app.read(|v| is_blocked_id(v, p)),
    );
    // May A message B: delivered unless B blocks A (the data set's friend check is off), so
    // the block pairs, reversed, give both answers.
    let reversed = |v: Pairs| -> Pairs { v.into_iter().map(|(a, b, x)| (b, a, !x)).collect() };
    checks(
        &mut c,
        &w,
        "may_message",
        &|hot, seed| reversed(w.block_pairs(hot, seed)),
        may_message,
    );
    checks(
        &mut c,
        &w,
        "may_message_id",
        &|hot, seed| ids(&w.app, reversed(w.block_pairs(hot, seed))),
        |app, p| app.read(|v| may_message_id(v, p)),
    );
    // The same id checks, 1,024 to one view (`App::read`: one lock for the batch).
    in_view(
        &mut c,
        &w,
        "are_friends_id",
        &|hot, seed| ids(&w.app, w.friend_pairs(hot, seed)),
        are_friends_id,
    );
    in_view(
        &mut c,
        &w,
        "is_blocked_id",
        &|hot, seed| ids(&w.app, w.block_pairs(hot, seed)),
        is_blocked_id,
    );
    in_view(
        &mut c,
        &w,
        "may_message_id",
        &|hot, seed| ids(&w.app, reversed(w.block_pairs(hot, seed))),
        may_message_id,
    );
    mutations(&mut c, &w);
    parts(&mut c, &w);
    c.final_summary();
}
