//! The data shape every bench binary shares, built once per binary:
//!
//! - `USERS` (200k) users `u000000`..`u199999`, registered in batches of 60 by the admin;
//! - 50 friends each: user `i` is friends with `i ± d` (mod `USERS`) for 25 distances `d`
//!   (1..=5 and 20 fixed pseudo-random ones below `USERS / 2`), so every user has exactly 50;
//! - 3 blocks each: user `i` blocks `i + 1`, `i + 7` and `i + BLOCK_FAR`;
//! - one 64-byte attribute each (key `k`, 63-byte value);
//! - a hot set of 1k consecutive users (`HOT_START..HOT_START + HOT`) and uniform cold access
//!   over all users.
//!
//! Everything is deterministic (a fixed-seed splitmix64), so runs compare.

#![allow(dead_code)] // each bench binary uses part of this module

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use imcore::*;

/// Users in the data set.
pub const USERS: usize = 200_000;
/// Friends per user (25 distances, both directions).
pub const FRIENDS: usize = 50;
/// The hot set: 1k consecutive users.
pub const HOT: usize = 1_000;
/// First user of the hot set.
pub const HOT_START: usize = 100_000;
/// The far block distance.
pub const BLOCK_FAR: usize = 77_777;
/// Requests per prepared request list (a power of two, cycled).
pub const REQS: usize = 1 << 16;

pub const NOW: Timestamp = Timestamp(1_700_000_000_000);

/// A small deterministic RNG (splitmix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn name(i: usize) -> String {
    format!("u{i:06}")
}

/// A fresh `UserName` for user `i` (its own `Arc`, not shared with the engine or other threads).
pub fn uname(i: usize) -> UserName {
    UserName::parse(&name(i)).expect("valid name")
}

/// The 25 friend distances: 1..=5, then 20 distinct pseudo-random ones in `6..USERS / 2`.
pub fn friend_distances(users: usize) -> Vec<usize> {
    let mut d: Vec<usize> = (1..=5).collect();
    let mut rng = Rng(42);
    while d.len() < FRIENDS / 2 {
        let x = 6 + rng.below(users / 2 - 7);
        if !d.contains(&x) {
            d.push(x);
        }
    }
    d
}

/// Whether `a` and `b` are friends in the data set.
pub fn are_friends(dist: &[usize], users: usize, a: usize, b: usize) -> bool {
    let d = (b + users - a) % users;
    dist.contains(&d) || dist.contains(&(users - d))
}

pub struct World {
    pub app: App,
    pub users: usize,
    pub dist: Vec<usize>,
}

/// Registers `users` users (no friends, no attributes).
pub fn register(app: &App, users: usize) {
    let mut i = 0;
    while i < users {
        let end = (i + 60).min(users);
        let batch = (i..end)
            .map(|j| NewUser::new(&name(j), "secret-pw", &format!("uuid-{j}")))
            .collect();
        app.execute(&Actor::Admin, NOW, RegisterUsers(batch))
            .expect("register");
        i = end;
    }
}

/// Adds the 25 friendships `i -> i + d` for every user.
pub fn befriend(app: &App, users: usize, dist: &[usize]) {
    let names: Vec<UserName> = (0..users).map(uname).collect();
    for (k, d) in dist.iter().enumerate() {
        for i in 0..users {
            let cmd = AddFriend {
                owner: names[i].clone(),
                friend: names[(i + d) % users].clone(),
            };
            app.execute(&Actor::Admin, Timestamp(NOW.0 + k as i64), cmd)
                .expect("add friend");
        }
    }
}

pub fn new_app(tag: &str) -> App {
    Engine::new()
        .create_app(AppKey::new("bench", tag).expect("key"), Limits::default())
        .expect("app")
}

impl World {
    /// Builds the full data set described in the module docs.
    pub fn build() -> World {
        let t = Instant::now();
        let app = new_app("world");
        let users = USERS;
        register(&app, users);
        let dist = friend_distances(users);
        befriend(&app, users, &dist);
        for i in 0..users {
            let cmd = BlockUsers {
                owner: uname(i),
                usernames: [1, 7, BLOCK_FAR]
                    .iter()
                    .map(|d| uname((i + d) % users))
                    .collect(),
            };
            app.execute(&Actor::Admin, NOW, cmd).expect("block");
            let cmd = SetAttributes {
                username: uname(i),
                pairs: vec![("k".into(), "v".repeat(63))],
            };
            app.execute(&Actor::Admin, NOW, cmd).expect("attr");
        }
        eprintln!(
            "data set: {users} users, {FRIENDS} friends, 3 blocks and one 64-byte attribute each; built in {:.1?}",
            t.elapsed()
        );
        World { app, users, dist }
    }

    /// A random user of the hot set, away from its edges by `margin`.
    pub fn hot(&self, rng: &mut Rng, margin: usize) -> usize {
        HOT_START + margin + rng.below(HOT - 2 * margin)
    }

    /// Friend-check pairs, half friends, half not. Hot: both users in the hot set (`b = a ±
    /// 1..=10`; 1..=5 are friends). Cold: `a` uniform, `b` a random friend or a uniform user.
    pub fn friend_pairs(&self, hot: bool, seed: u64) -> Vec<(UserName, UserName, bool)> {
        let mut rng = Rng(seed);
        (0..REQS)
            .map(|_| {
                let (a, b) = if hot {
                    let a = self.hot(&mut rng, 10);
                    let d = 1 + rng.below(10);
                    (a, if rng.next() & 1 == 0 { a + d } else { a - d })
                } else {
                    let a = rng.below(self.users);
                    let b = if rng.next() & 1 == 0 {
                        let d = self.dist[rng.below(self.dist.len())];
                        if rng.next() & 1 == 0 {
                            (a + d) % self.users
                        } else {
                            (a + self.users - d) % self.users
                        }
                    } else {
                        rng.below(self.users)
                    };
                    (a, b)
                };
                (
                    uname(a),
                    uname(b),
                    are_friends(&self.dist, self.users, a, b),
                )
            })
            .collect()
    }

    /// Block-check pairs `(owner, other)`. Hot: both in the hot set, `other = owner + 1..=10`
    /// (1 and 7 are blocked). Cold: `owner` uniform, `other` its far block or a uniform user.
    pub fn block_pairs(&self, hot: bool, seed: u64) -> Vec<(UserName, UserName, bool)> {
        let mut rng = Rng(seed);
        (0..REQS)
            .map(|_| {
                let (a, b) = if hot {
                    let a = self.hot(&mut rng, 10);
                    (a, a + 1 + rng.below(10))
                } else {
                    let a = rng.below(self.users);
                    let b = if rng.next() & 1 == 0 {
                        (a + BLOCK_FAR) % self.users
                    } else {
                        rng.below(self.users)
                    };
                    (a, b)
                };
                let d = (b + self.users - a) % self.users;
                (uname(a), uname(b), [1, 7, BLOCK_FAR].contains(&d))
            })
            .collect()
    }

    /// Distinct pairs in the hot set that are not friends (for add/remove, hot): no pair
    /// twice, in either order, so that every add in a run of them forms a friendship.
    pub fn hot_stranger_pairs(&self, n: usize, seed: u64) -> Vec<(UserName, UserName)> {
        let mut rng = Rng(seed);
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let (a, b) = (self.hot(&mut rng, 0), self.hot(&mut rng, 0));
            if a != b
                && !are_friends(&self.dist, self.users, a, b)
                && seen.insert((a.min(b), a.max(b)))
            {
                out.push((uname(a), uname(b)));
            }
        }
        out
    }

    /// Pairs that are not friends (for add/remove), spread uniformly.
    pub fn stranger_pairs(&self, n: usize, seed: u64) -> Vec<(UserName, UserName)> {
        let mut rng = Rng(seed);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let a = rng.below(self.users);
            let b = rng.below(self.users);
            if a != b && !are_friends(&self.dist, self.users, a, b) {
                out.push((uname(a), uname(b)));
            }
        }
        out
    }
}

/// This thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
///
/// The benches time CPU, not wall-clock: the machine is shared with other builds, and a
/// thread that is descheduled for a while would otherwise count the wait as work.
pub fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` `iters` times and returns the CPU time it took.
pub fn cpu_iter<R>(iters: u64, mut f: impl FnMut(u64) -> R) -> Duration {
    let t = cpu_now();
    for i in 0..iters {
        std::hint::black_box(f(i));
    }
    cpu_now() - t
}

/// How much two threads really overlapped in the 2-thread benches: Σ thread CPU time / wall
/// time, summed over every sample (2.0 = both threads ran all the time on their own cores).
pub static OVERLAP_CPU_NS: AtomicU64 = AtomicU64::new(0);
/// See [`OVERLAP_CPU_NS`].
pub static OVERLAP_WALL_NS: AtomicU64 = AtomicU64::new(0);

/// Takes and resets the overlap ratio measured since the last call.
pub fn take_overlap() -> f64 {
    let c = OVERLAP_CPU_NS.swap(0, Ordering::Relaxed) as f64;
    let w = OVERLAP_WALL_NS.swap(0, Ordering::Relaxed) as f64;
    if w == 0.0 { 0.0 } else { c / w }
}

/// Runs `op` `iters` times on each of `threads` threads, all released together by a barrier,
/// and returns the largest per-thread CPU time (what the wall time would be with a free core
/// per thread). `make` gives each thread its state (its own request list) before the clock
/// starts. Adds to the overlap counters.
pub fn run_threads<S: Send>(
    threads: usize,
    iters: u64,
    make: &(dyn Fn(usize) -> S + Sync),
    op: &(dyn Fn(&mut S, u64) + Sync),
) -> Duration {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant, Duration)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    let mut st = make(t);
                    barrier.wait();
                    let start = Instant::now();
                    let c0 = cpu_now();
                    for i in 0..iters {
                        op(&mut st, i);
                    }
                    let cpu = cpu_now() - c0;
                    (start, Instant::now(), cpu)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("threads");
    let end = spans.iter().map(|s| s.1).max().expect("threads");
    let cpu_sum: Duration = spans.iter().map(|s| s.2).sum();
    OVERLAP_CPU_NS.fetch_add(cpu_sum.as_nanos() as u64, Ordering::Relaxed);
    OVERLAP_WALL_NS.fetch_add((end - start).as_nanos() as u64, Ordering::Relaxed);
    spans.iter().map(|s| s.2).max().expect("threads")
}

/// Like criterion's `iter_batched`, timed in CPU time: builds inputs with `setup` in chunks of
/// 1024 (untimed), runs `routine` on them (timed), and drops the outputs (untimed).
pub fn cpu_batched<I, O>(
    iters: u64,
    mut setup: impl FnMut() -> I,
    mut routine: impl FnMut(I) -> O,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    let mut outs = Vec::with_capacity(1024);
    while left > 0 {
        let n = left.min(1024);
        let ins: Vec<I> = (0..n).map(|_| setup()).collect();
        let t = cpu_now();
        for i in ins {
            outs.push(routine(i));
        }
        total += cpu_now() - t;
        outs.clear();
        left -= n;
    }
    total
}
