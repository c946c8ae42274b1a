//! The durability benchmarks (BENCHMARKS.md, "Durability"):
//!
//! - `writes`: acknowledged durable writes per second with 16 concurrent clients through the
//!   library (`Durable::execute`: AddFriend and SetAttributes alternating), and the same
//!   writes into SQLite (WAL, `synchronous=FULL`, one transaction per write), side by side in
//!   one run, with the ratio; records per sync and log bytes per write.
//! - `recovery`: 200,000 users with 50 friends each: the snapshot's size, the data directory's
//!   bytes per user and per friend edge, and the time to recover the app from the snapshot.
//! - `reads`: `AreFriends` through the durable handle and on the engine's handle directly.
//!
//! Run: `cargo bench -p imcore-durable --features bench-sqlite --bench durable`
//! (`-- writes`, `-- recovery`, `-- reads` for one part; `--secs S` per store and round
//! (0.5), `--rounds N` alternations of the stores (20), `--clients N` (16), `--users N`
//! (200,000), `--verbose` for each round's figures).
//! Not built by `cargo test --workspace` (it needs the `bench-sqlite` feature, which compiles
//! SQLite).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use imcore::*;
use imcore_durable::{DataDir, Durable, Options};

const NOW: Timestamp = Timestamp(1_700_000_000_000);

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// This thread's CPU time in seconds (`/proc/thread-self/schedstat`, ns on CPU): on a busy
/// shared machine, wall time includes waiting for a core; CPU time is what the work costs.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// The whole process's CPU time in seconds (user + system, every thread; 10 ms ticks).
fn process_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f[11].parse::<u64>().ok()? + f[12].parse::<u64>().ok()?) as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

fn dir_bytes(p: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        n += if m.is_dir() {
            dir_bytes(&e.path())
        } else {
            m.len()
        };
    }
    n
}

struct Args {
    parts: Vec<String>,
    secs: f64,
    rounds: usize,
    verbose: bool,
    clients: usize,
    users: usize,
}

fn args() -> Args {
    let mut a = Args {
        parts: Vec::new(),
        secs: 0.5,
        rounds: 20,
        verbose: false,
        clients: 16,
        users: 200_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--secs" => a.secs = it.next().unwrap().parse().unwrap(),
            "--clients" => a.clients = it.next().unwrap().parse().unwrap(),
            "--rounds" => a.rounds = it.next().unwrap().parse().unwrap(),
            "--verbose" => a.verbose = true,
            "--users" => a.users = it.next().unwrap().parse().unwrap(),
            "--bench" => {}
            p if !p.starts_with('-') => a.parts.push(p.to_owned()),
            _ => {}
        }
    }
    if a.parts.is_empty() {
        a.parts = vec!["writes".into(), "recovery".into(), "reads".into()];
    }
    a
}

fn name(c: usize, i: usize) -> String {
    format!("c{c:02}u{i:04}")
}

/// The write a client makes at step `n`: AddFriend of two of its users, or SetAttributes of
/// one with a 60-byte value (the two alternate).
enum Write {
    Friend(String, String),
    Attr(String, String, String),
}

const PER_CLIENT: usize = 400;

fn write(c: usize, n: usize) -> Write {
    let a = n / 2 % PER_CLIENT;
    if n.is_multiple_of(2) {
        let b = (a + 1 + n / (2 * PER_CLIENT)) % PER_CLIENT;
        Write::Friend(name(c, a), name(c, b))
    } else {
        Write::Attr(name(c, a), format!("k{}", n % 4), format!("{n:060}"))
    }
}

fn percentile(v: &mut [u64], p: f64) -> f64 {
    v.sort_unstable();
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

/// Runs `clients` threads for `secs`, each calling `op(client, step)`; returns acks per second
/// and latency percentiles (ms).
fn drive(clients: usize, secs: f64, op: &(dyn Fn(usize, usize) + Sync)) -> (f64, f64, f64) {
    let stop = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let lat = Mutex::new(Vec::new());
    let barrier = Barrier::new(clients + 1);
    let t = std::thread::scope(|s| {
        for c in 0..clients {
            let (stop, count, lat, barrier) = (&stop, &count, &lat, &barrier);
            s.spawn(move || {
                let mut mine = Vec::new();
                barrier.wait();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    op(c, n);
                    mine.push(t.elapsed().as_micros() as u64);
                    n += 1;
                }
                count.fetch_add(n as u64, Ordering::Relaxed);
                lat.lock().unwrap().extend(mine);
            });
        }
        barrier.wait();
        let t = Instant::now();
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
        t
    });
    let elapsed = t.elapsed().as_secs_f64();
    let mut lat = lat.into_inner().unwrap();
    let n = count.load(Ordering::Relaxed) as f64;
    (
        n / elapsed,
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.99),
    )
}

fn writes(a: &Args) {
    println!(
        "## writes: {} concurrent clients, {} rounds of {} s per store, the stores alternating; load {}",
        a.clients,
        a.rounds,
        a.secs,
        loadavg()
    );
    // Through the library.
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::open(t.path(), Options::default()).unwrap();
    let engine = Engine::new();
    let app = dir
        .create_app(
            &engine,
            AppKey::new("bench", "writes").unwrap(),
            Limits::default(),
            BTreeMap::new(),
        )
        .unwrap();
    for c in 0..a.clients {
        for chunk in (0..PER_CLIENT).collect::<Vec<_>>().chunks(60) {
            let batch = chunk
                .iter()
                .map(|&i| NewUser::new(&name(c, i), "secret-pw", &format!("uuid-{c}-{i}")))
                .collect();
            app.execute(&Actor::Admin, NOW, RegisterUsers(batch))
                .unwrap();
        }
    }
    let round = AtomicU64::new(0);
    let step = |n: usize| n + round.load(Ordering::Relaxed) as usize * 10_000_000;
    let durable = |c: usize, n: usize| {
        let r = match write(c, step(n)) {
            Write::Friend(x, y) => app
                .execute(
                    &Actor::Admin,
                    NOW,
                    AddFriend {
                        owner: UserName::parse(&x).unwrap(),
                        friend: UserName::parse(&y).unwrap(),
                    },
                )
                .map(|_| ()),
            Write::Attr(u, k, v) => app
                .execute(
                    &Actor::Admin,
                    NOW,
                    SetAttributes {
                        username: UserName::parse(&u).unwrap(),
                        pairs: vec![(k, v)],
                    },
                )
                .map(|_| ()),
        };
        r.unwrap();
    };

    // SQLite: the same writes, one transaction each, WAL, synchronous=FULL.
    let s = tempfile::tempdir().unwrap();
    let db = s.path().join("bench.db");
    let open = || {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;",
        )
        .unwrap();
        c
    };
    open()
        .execute_batch(
            "CREATE TABLE friends(owner TEXT, friend TEXT, since INTEGER, PRIMARY KEY(owner, friend)) WITHOUT ROWID;
             CREATE TABLE attrs(user TEXT, k TEXT, v TEXT, PRIMARY KEY(user, k)) WITHOUT ROWID;",
        )
        .unwrap();
    let sqlite_write = |conn: &mut rusqlite::Connection, c: usize, n: usize| match write(c, n) {
        Write::Friend(x, y) => {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            for (o, f) in [(&x, &y), (&y, &x)] {
                tx.execute(
                    "INSERT OR IGNORE INTO friends VALUES (?1, ?2, ?3)",
                    rusqlite::params![o, f, NOW.0],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        Write::Attr(u, k, v) => {
            conn.execute(
                "INSERT OR REPLACE INTO attrs VALUES (?1, ?2, ?3)",
                rusqlite::params![u, k, v],
            )
            .unwrap();
        }
    };
    // (a) One connection per client (SQLite's own locking and busy waits).
    let conns: Vec<Mutex<rusqlite::Connection>> =
        (0..a.clients).map(|_| Mutex::new(open())).collect();
    let per_conn = |c: usize, n: usize| sqlite_write(&mut conns[c].lock().unwrap(), c, step(n));
    // (b) One shared connection behind a mutex (writers queue; no busy waits).
    let shared = Mutex::new(open());
    let one_conn =
        |c: usize, n: usize| sqlite_write(&mut shared.lock().unwrap(), c, step(n) + 5_000_000);

    // Short alternating rounds: this VM's sync latency changes regime every few seconds
    // (0.15 ms to 4 ms), so each store gets its share of every regime.
    let mut ratios = Vec::new();
    let mut totals = [0.0f64; 3];
    let (mut records, mut syncs, mut bytes) = (0u64, 0u64, 0u64);
    let mut cpu = [0.0f64; 3];
    let mut done = [0.0f64; 3];
    let mut lat: [Vec<(f64, f64)>; 3] = Default::default();
    for r in 0..a.rounds {
        round.store(r as u64, Ordering::Relaxed);
        let before = app.stats();
        let c = process_cpu_secs();
        let (ours, p50, p99) = drive(a.clients, a.secs, &durable);
        cpu[0] += process_cpu_secs() - c;
        let after = app.stats();
        records += after.records - before.records;
        syncs += after.syncs - before.syncs;
        bytes += after.bytes - before.bytes;
        let c = process_cpu_secs();
        let (sq_a, sa50, sa99) = drive(a.clients, a.secs, &per_conn);
        cpu[1] += process_cpu_secs() - c;
        let c = process_cpu_secs();
        let (sq_b, sb50, sb99) = drive(a.clients, a.secs, &one_conn);
        cpu[2] += process_cpu_secs() - c;
        for (i, x) in [ours, sq_a, sq_b].into_iter().enumerate() {
            done[i] += x * a.secs;
        }
        if a.verbose {
            println!(
                "round {r}: imcore-durable {ours:.0}/s | SQLite per client {sq_a:.0}/s | SQLite shared {sq_b:.0}/s"
            );
        }
        for (i, (x, p50, p99)) in [(ours, p50, p99), (sq_a, sa50, sa99), (sq_b, sb50, sb99)]
            .into_iter()
            .enumerate()
        {
            totals[i] += x;
            lat[i].push((p50, p99));
        }
        ratios.push(ours / sq_a.max(sq_b));
    }
    let n = a.rounds as f64;
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let lat_of = |i: usize| {
        let mut p50: Vec<f64> = lat[i].iter().map(|l| l.0).collect();
        let mut p99: Vec<f64> = lat[i].iter().map(|l| l.1).collect();
        (med(&mut p50), med(&mut p99))
    };
    let names = [
        "imcore-durable (group commit)",
        "SQLite WAL synchronous=FULL, a connection per client",
        "SQLite WAL synchronous=FULL, one shared connection",
    ];
    for (i, name) in names.iter().enumerate() {
        let (p50, p99) = lat_of(i);
        println!(
            "{name}: {:.0} acknowledged writes/s (mean of the rounds; median round p50 {p50:.2} ms, p99 {p99:.2} ms; \
             {:.1} µs of CPU per write, all threads)",
            totals[i] / n,
            cpu[i] * 1e6 / done[i].max(1.0)
        );
    }
    let best = (totals[1] / n).max(totals[2] / n);
    let mut sorted = ratios.clone();
    println!(
        "imcore-durable: {records} records in {syncs} syncs ({:.1} per sync), {:.0} log bytes per write",
        records as f64 / syncs.max(1) as f64,
        bytes as f64 / records.max(1) as f64
    );
    println!(
        "ratio to the better SQLite: {:.1}x over all rounds (per round: median {:.1}x, min {:.1}x, max {:.1}x); load {}",
        totals[0] / n / best,
        med(&mut sorted),
        sorted[0],
        sorted[sorted.len() - 1],
        loadavg()
    );
    // A crash now: recovery replays the log written since the last snapshot.
    let key = app.app().key().clone();
    drop(app);
    dir.abandon();
    let engine = Engine::new();
    let t0 = Instant::now();
    let c = cpu_secs();
    let dir = DataDir::open(t.path(), Options::default()).unwrap();
    let app = dir.open_app(&engine, &key).unwrap();
    let (cpu, wall) = (cpu_secs() - c, t0.elapsed().as_secs_f64());
    let r = app.recovery();
    println!(
        "crash recovery of this app: snapshot {:?}, {} log records in {} segments replayed in {wall:.2} s wall, \
         {cpu:.2} s CPU ({:.0} records/s of CPU, every invariant checked after); load {}",
        r.snapshot.as_ref().map(|s| s.1),
        r.replayed,
        r.segments,
        r.replayed as f64 / cpu,
        loadavg()
    );
    drop(app);
    dir.close().unwrap();
}

/// 200k users, and the same with 50 friends each (user `i` befriends `i + d` for 25
/// distances), as in the engine's benches.
fn build(users: usize, friends: bool) -> (Engine, App) {
    let engine = Engine::new();
    let app = engine
        .create_app(
            AppKey::new("bench", if friends { "friends" } else { "users" }).unwrap(),
            Limits::default(),
        )
        .unwrap();
    let mut i = 0;
    while i < users {
        let end = (i + 60).min(users);
        let batch = (i..end)
            .map(|j| NewUser::new(&format!("u{j:06}"), "secret-pw", &format!("uuid-{j}")))
            .collect();
        app.execute(&Actor::Admin, NOW, RegisterUsers(batch))
            .unwrap();
        i = end;
    }
    if friends {
        let names: Vec<UserName> = (0..users)
            .map(|j| UserName::parse(&format!("u{j:06}")).unwrap())
            .collect();
        let mut dist: Vec<usize> = (1..=5).collect();
        let mut x = 42u64;
        while dist.len() < 25 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let d = 6 + (x >> 33) as usize % (users / 2 - 7);
            if !dist.contains(&d) {
                dist.push(d);
            }
        }
        for d in &dist {
            for j in 0..users {
                app.execute(
                    &Actor::Admin,
                    NOW,
                    AddFriend {
                        owner: names[j].clone(),
                        friend: names[(j + d) % users].clone(),
                    },
                )
                .unwrap();
            }
        }
    }
    (engine, app)
}

/// Adopts `app` into a fresh data directory, closes it, and returns the directory.
fn store(app: &App) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::open(t.path(), Options::default()).unwrap();
    dir.adopt_app(app, BTreeMap::new()).unwrap();
    dir.close().unwrap();
    t
}

fn recovery(a: &Args) -> Option<(tempfile::TempDir, AppKey)> {
    println!(
        "## recovery: {} users, 50 friends each, load {}",
        a.users,
        loadavg()
    );
    let t0 = Instant::now();
    let (_e1, users_only) = build(a.users, false);
    let d1 = store(&users_only);
    let users_bytes = dir_bytes(d1.path());
    drop(users_only);
    drop(_e1);
    let (_e2, full) = build(a.users, true);
    println!(
        "built both data sets in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let key = full.key().clone();
    let d2 = store(&full);
    drop(full);
    drop(_e2);
    let full_bytes = dir_bytes(d2.path());
    let friendships = a.users as u64 * 25;
    println!(
        "data directory: {users_bytes} bytes with users only ({:.1} bytes per user); {full_bytes} bytes with friends \
         ({:.1} bytes per friendship, {:.1} per friend-list entry: {friendships} friendships, 2 entries each)",
        users_bytes as f64 / a.users as f64,
        (full_bytes - users_bytes) as f64 / friendships as f64,
        (full_bytes - users_bytes) as f64 / (2 * friendships) as f64,
    );
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..3 {
        let engine = Engine::with_hash_seed(7);
        let t = Instant::now();
        let c = cpu_secs();
        let dir = DataDir::open(d2.path(), Options::default()).unwrap();
        let app = dir.open_app(&engine, &key).unwrap();
        cpu.push(cpu_secs() - c);
        let el = t.elapsed().as_secs_f64();
        times.push(el);
        assert!(app.recovery().snapshot.is_some());
        drop(app);
        dir.abandon();
    }
    // The parts: reading and checking the file, and restoring it.
    let snap = std::fs::read_dir(d2.path().join("apps/bench/friends"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "snap"))
        .unwrap();
    let c = cpu_secs();
    let bytes = std::fs::read(&snap).unwrap();
    let payload =
        imcore_durable::format::unseal(&snap, imcore_durable::format::SNAPSHOT_MAGIC, &bytes)
            .unwrap();
    let read = cpu_secs() - c;
    let c = cpu_secs();
    let engine = Engine::with_hash_seed(7);
    engine
        .restore_app(&mut postcard::Deserializer::from_bytes(payload))
        .unwrap();
    let restore = cpu_secs() - c;
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    cpu.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "recovery from the snapshot ({} bytes), median of 3: {:.2} s wall (min {:.2}, max {:.2}), {:.2} s CPU \
         (min {:.2}, max {:.2}); CPU of the parts: reading and checking the file {read:.2} s, restoring it \
         (decode, rehash, every invariant) {restore:.2} s; load {}",
        bytes.len(),
        times[1],
        times[0],
        times[2],
        cpu[1],
        cpu[0],
        cpu[2],
        loadavg()
    );
    Some((d2, key))
}

fn reads(a: &Args, stored: Option<(tempfile::TempDir, AppKey)>) {
    let (t, key) = match stored {
        Some(s) => s,
        None => {
            let (_e, app) = build(a.users, true);
            let key = app.key().clone();
            (store(&app), key)
        }
    };
    println!(
        "## reads: AreFriends on the recovered app, load {}",
        loadavg()
    );
    let engine = Engine::with_hash_seed(7);
    let dir = DataDir::open(t.path(), Options::default()).unwrap();
    let durable: Durable = dir.open_app(&engine, &key).unwrap();
    let plain = durable.app().clone();
    let users = a.users;
    let pairs: Vec<(UserName, UserName)> = (0..65_536usize)
        .map(|k| {
            let a = (k * 7919) % users;
            let b = if k.is_multiple_of(2) {
                (a + 1) % users
            } else {
                (a + 1000) % users
            };
            (
                UserName::parse(&format!("u{a:06}")).unwrap(),
                UserName::parse(&format!("u{b:06}")).unwrap(),
            )
        })
        .collect();
    let run = |f: &dyn Fn(&UserName, &UserName) -> bool| {
        let t = Instant::now();
        let mut hits = 0;
        for _ in 0..8 {
            for (x, y) in &pairs {
                hits += usize::from(f(x, y));
            }
        }
        (
            t.elapsed().as_nanos() as f64 / (8 * pairs.len()) as f64,
            hits,
        )
    };
    let q = |x: &UserName, y: &UserName| AreFriends {
        a: x.clone(),
        b: y.clone(),
    };
    let mut through = Vec::new();
    let mut direct = Vec::new();
    for _ in 0..3 {
        let (ns, h1) = run(&|x, y| durable.query(&Actor::Admin, NOW, q(x, y)).unwrap());
        through.push(ns);
        let (ns, h2) = run(&|x, y| plain.query(&Actor::Admin, NOW, q(x, y)).unwrap());
        direct.push(ns);
        assert_eq!(h1, h2);
    }
    through.sort_by(|a, b| a.partial_cmp(b).unwrap());
    direct.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "AreFriends (uniform users, half friends; wall time per query, 1 thread, median of 3): \
         through Durable::query {:.0} ns, on the engine's App::query {:.0} ns; load {}",
        through[1],
        direct[1],
        loadavg()
    );
    drop(durable);
    dir.abandon();
}

fn main() {
    let a = args();
    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );
    if a.parts.iter().any(|p| p == "writes") {
        writes(&a);
    }
    let stored = a
        .parts
        .iter()
        .any(|p| p == "recovery")
        .then(|| recovery(&a))
        .flatten();
    if a.parts.iter().any(|p| p == "reads") {
        reads(&a, stored);
    }
}
