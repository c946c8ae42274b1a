//! Side by side: the same data and the same questions in imcore, SQLite and Redis.
//!
//! Run: `cd compare && cargo run --release` (options: `--samples N`, `--target-ms M`).
//!
//! It builds one data set (`data.rs`: 200k users, 50 friends and 3 blocks each) in imcore
//! (`im.rs`, the public command API), in SQLite (`sql.rs`: the bundled library, in memory and
//! copied to a file in WAL mode) and, when `redis-server` is on the PATH, in a Redis of its own
//! (`red.rs`: started on a free loopback port, stopped by its PID at the end; skipped with a
//! message otherwise). It then checks that every backend gives imcore's answer for a few
//! thousand questions (and stops if one does not), and times, single-threaded:
//!
//! - "are A and B friends?", hot (pairs within a 1,000-user hot set) and cold (uniform);
//! - "may A message B?" (`MayMessage`, client origin, the app's friend check on), hot and cold;
//!   both by id once with one read lock a check (`App::query`) and once with a whole sample's
//!   checks on one view (`App::read`, form "id, one view"), and by name;
//! - adding a friend edge between two uniform strangers, and removing it again (timed apart),
//!   by id (imcore `AddFriendById`/`RemoveFriendById`, SQLite by primary key) and by name.
//!
//! Each row runs many operations per sample (so that a sample takes about `--target-ms`),
//! samples of all rows interleaved round by round; the report gives the median of the samples
//! in ns per operation, wall clock and this thread's CPU time, and ratios to imcore's id form
//! and name form. The tables are Markdown, printed to stdout; progress goes to stderr.
//!
//! This crate is outside the workspace (like `fuzz/`), so `cargo test --workspace` does not
//! build it.

mod data;
mod im;
mod red;
mod sql;

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use imcore::{UserId, UserName};
use redis::Cmd;

use data::*;
use im::{CODE_NAMES, Im, verdict_code};
use red::Redis;
use sql::Sql;

/// Run-wide settings.
struct Cfg {
    samples: usize,
    target: Duration,
}

/// One backend and form of one workload: `run(start, n)` does `n` operations from position
/// `start` of the workload's list and returns a checksum; `undo` (writes only) does the reverse
/// of the same `n` operations, timed apart.
struct Row<'a> {
    backend: &'static str,
    form: &'static str,
    remote: bool,
    min_ops: usize,
    max_ops: usize,
    run: Batch<'a>,
    undo: Option<Batch<'a>>,
}

type Batch<'a> = Box<dyn FnMut(usize, usize) -> u64 + 'a>;

impl<'a> Row<'a> {
    fn read(backend: &'static str, form: &'static str, run: Batch<'a>) -> Row<'a> {
        Row {
            backend,
            form,
            remote: backend == REDIS,
            min_ops: 20_000,
            max_ops: 1_000_000,
            run,
            undo: None,
        }
    }

    fn write(
        backend: &'static str,
        form: &'static str,
        run: Batch<'a>,
        undo: Batch<'a>,
    ) -> Row<'a> {
        Row {
            backend,
            form,
            remote: backend == REDIS,
            min_ops: 1_000,
            max_ops: WRITE_POOL,
            run,
            undo: Some(undo),
        }
    }
}

const IMCORE: &str = "imcore";
/// imcore's id form, a whole sample's checks on one view ([`imcore::App::read`]: one read lock
/// for them all, as a host checking a batch of recipients would run them).
const VIEW: &str = "id, one view";
const MEM: &str = "SQLite :memory:";
const WAL: &str = "SQLite file, WAL, sync=NORMAL";
const WAL_FULL: &str = "SQLite file, WAL, sync=FULL";
const REDIS: &str = "Redis, 1 request at a time";

/// A row's samples, in ns per operation.
struct Stat {
    backend: &'static str,
    form: &'static str,
    remote: bool,
    ops: usize,
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        f64::NAN
    } else {
        s[s.len() / 2]
    }
}

/// This thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is one Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` and returns its wall and CPU time.
fn timed(f: impl FnOnce() -> u64) -> (Duration, Duration) {
    let (w, c) = (Instant::now(), cpu_now());
    black_box(f());
    (w.elapsed(), cpu_now() - c)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Warms a row up (about a quarter of the target time) and picks its operations per sample.
fn calibrate(r: &mut Row<'_>, cfg: &Cfg, rng: &mut Rng) -> usize {
    let budget = cfg.target / 4;
    let (mut ops, mut spent) = (0usize, Duration::ZERO);
    if let Some(undo) = r.undo.as_mut() {
        // Writes warm up on their own pairs (past `WRITE_POOL`), undoing each chunk.
        let chunk = 100;
        let mut at = WRITE_POOL;
        while spent < budget && at + chunk <= WRITE_POOL + WRITE_WARM {
            spent += timed(|| (r.run)(at, chunk)).0;
            undo(at, chunk);
            ops += chunk;
            at += chunk;
        }
    } else {
        let chunk = 1_000;
        while spent < budget {
            spent += timed(|| (r.run)(rng.below(REQS), chunk)).0;
            ops += chunk;
        }
    }
    let per_op = spent.as_secs_f64() / ops as f64;
    let want = (cfg.target.as_secs_f64() / per_op) as usize;
    let ops = want.clamp(r.min_ops, r.max_ops);
    // Round to two significant digits, for a readable table.
    let scale = 10usize.pow((ops as f64).log10().floor() as u32).max(10) / 10;
    (ops / scale * scale).clamp(r.min_ops, r.max_ops)
}

/// Times every row: calibrates each, then `cfg.samples` rounds, each running one sample of
/// every row in turn. Returns the rows' stats and, for writes, the stats of the undo.
fn measure(title: &str, rows: &mut [Row<'_>], cfg: &Cfg) -> (Vec<Stat>, Vec<Stat>) {
    let mut rng = Rng(0xC0FFEE);
    let ops: Vec<usize> = rows
        .iter_mut()
        .map(|r| {
            eprintln!("  {title}: warming up {} ({})", r.backend, r.form);
            calibrate(r, cfg, &mut rng)
        })
        .collect();
    let stat = |r: &Row<'_>, ops| Stat {
        backend: r.backend,
        form: r.form,
        remote: r.remote,
        ops,
        wall: Vec::new(),
        cpu: Vec::new(),
    };
    let mut stats: Vec<Stat> = rows.iter().zip(&ops).map(|(r, &n)| stat(r, n)).collect();
    let mut undos: Vec<Stat> = rows
        .iter()
        .zip(&ops)
        .filter(|(r, _)| r.undo.is_some())
        .map(|(r, &n)| stat(r, n))
        .collect();
    for s in 0..cfg.samples {
        eprintln!(
            "  {title}: round {}/{} (load {})",
            s + 1,
            cfg.samples,
            loadavg()
        );
        let mut u = 0;
        for (r, st) in rows.iter_mut().zip(&mut stats) {
            let start = if r.undo.is_some() { 0 } else { rng.below(REQS) };
            let n = st.ops;
            let (w, c) = timed(|| (r.run)(start, n));
            st.wall.push(w.as_nanos() as f64 / n as f64);
            st.cpu.push(c.as_nanos() as f64 / n as f64);
            if let Some(undo) = r.undo.as_mut() {
                let (w, c) = timed(|| undo(start, n));
                undos[u].wall.push(w.as_nanos() as f64 / n as f64);
                undos[u].cpu.push(c.as_nanos() as f64 / n as f64);
                u += 1;
            }
        }
    }
    (stats, undos)
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else {
        let s = format!("{ns:.0}");
        // Thousands separator.
        if s.len() > 3 {
            format!("{},{} ns", &s[..s.len() - 3], &s[s.len() - 3..])
        } else {
            format!("{s} ns")
        }
    }
}

fn fmt_ratio(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x >= 100.0 {
        format!("{x:.0}x")
    } else if x >= 10.0 {
        format!("{x:.1}x")
    } else {
        format!("{x:.2}x")
    }
}

/// The medians of one workload, by (backend, form): (wall, cpu).
type Medians = HashMap<(&'static str, &'static str), (f64, f64)>;

/// Prints one workload's table and returns its medians.
fn report(title: &str, stats: &[Stat], load_before: &str) -> Medians {
    let med: Medians = stats
        .iter()
        .map(|s| ((s.backend, s.form), (median(&s.wall), median(&s.cpu))))
        .collect();
    let im_id = med.get(&(IMCORE, "id")).map(|m| m.0);
    let im_name = med.get(&(IMCORE, "name")).map(|m| m.0);
    let im_id_cpu = med.get(&(IMCORE, "id")).map(|m| m.1);
    let im_name_cpu = med.get(&(IMCORE, "name")).map(|m| m.1);
    println!();
    println!("### {title}");
    println!();
    println!(
        "Load average before / after: {load_before} / {}.",
        loadavg()
    );
    println!();
    println!(
        "| backend | form | ops/sample | wall ns/op (median) | min–max | CPU ns/op (median) | wall ÷ imcore id | wall ÷ imcore name | CPU ÷ imcore (same form) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for s in stats {
        let (w, c) = med[&(s.backend, s.form)];
        let lo = s.wall.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = s.wall.iter().copied().fold(0.0, f64::max);
        let cpu = if s.remote {
            format!("{} (client only)", fmt_ns(c))
        } else {
            fmt_ns(c)
        };
        let same_form_cpu = match s.form {
            _ if s.remote => f64::NAN,
            "id" | VIEW => im_id_cpu.map_or(f64::NAN, |i| c / i),
            _ => im_name_cpu.map_or(f64::NAN, |i| c / i),
        };
        println!(
            "| {} | {} | {} | {} | {}–{} | {} | {} | {} | {} |",
            s.backend,
            s.form,
            s.ops,
            fmt_ns(w),
            fmt_ns(lo),
            fmt_ns(hi),
            cpu,
            fmt_ratio(im_id.map_or(f64::NAN, |i| w / i)),
            fmt_ratio(im_name.map_or(f64::NAN, |i| w / i)),
            fmt_ratio(same_form_cpu),
        );
    }
    med
}

/// One read workload's request list, in every backend's form.
struct List {
    idx: Vec<(usize, usize)>,
    ids: Vec<(UserId, UserId)>,
    names: Vec<(UserName, UserName)>,
    strs: Vec<(String, String)>,
    cmds: Vec<Cmd>,
}

impl List {
    fn new(idx: Vec<(usize, usize)>, im: &Im, cmd: impl Fn(usize, usize) -> Option<Cmd>) -> List {
        List {
            ids: idx.iter().map(|&(a, b)| (im.id(a), im.id(b))).collect(),
            names: idx.iter().map(|&(a, b)| (im.name(a), im.name(b))).collect(),
            strs: idx.iter().map(|&(a, b)| (name(a), name(b))).collect(),
            cmds: idx.iter().filter_map(|&(a, b)| cmd(a, b)).collect(),
            idx,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Question {
    Friends,
    May,
}

/// The sum of `f` over `n` requests of the list `xs` from the `s`-th on (wrapping): a row's
/// timed loop.
fn over<T>(xs: &[T], s: usize, n: usize, mut f: impl FnMut(&T) -> u64) -> u64 {
    (0..n).map(|k| f(&xs[(s + k) & (REQS - 1)])).sum()
}

/// imcore's two id-form rows of a read workload, running the same check: one view (read lock)
/// a check, which is what `App::query` does, and a whole sample's checks on one view.
fn imcore_id_rows<'a>(
    l: &'a List,
    im: &'a Im,
    check: fn(&imcore::View<'_>, UserId, UserId) -> u64,
) -> [Row<'a>; 2] {
    [
        Row::read(
            IMCORE,
            "id",
            Box::new(move |s, n| over(&l.ids, s, n, |&(a, b)| im.app.read(|v| check(v, a, b)))),
        ),
        Row::read(
            IMCORE,
            VIEW,
            Box::new(move |s, n| {
                im.app
                    .read(|v| over(&l.ids, s, n, |&(a, b)| check(v, a, b)))
            }),
        ),
    ]
}

/// The rows of one read workload.
fn read_rows<'a, 'c: 'a>(
    q: Question,
    l: &'a List,
    im: &'a Im,
    mem: &'a mut Sql<'c>,
    wal: &'a mut Sql<'c>,
    redis: Option<&'a mut Redis>,
) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    match q {
        Question::Friends => {
            rows.extend(imcore_id_rows(l, im, |v, a, b| {
                crate::im::friends_in(v, a, b) as u64
            }));
            rows.push(Row::read(
                IMCORE,
                "name",
                Box::new(move |s, n| {
                    over(&l.names, s, n, |(a, b)| im.friends_by_name(a, b) as u64)
                }),
            ));
            for (backend, db) in [(MEM, mem), (WAL, wal)] {
                // Both forms share the connection's statements: a cell, borrowed one call at
                // a time.
                let db = std::cell::RefCell::new(db);
                let db = std::rc::Rc::new(db);
                let d2 = db.clone();
                rows.push(Row::read(
                    backend,
                    "id",
                    Box::new(move |s, n| {
                        let mut db = db.borrow_mut();
                        over(&l.idx, s, n, |&(a, b)| {
                            db.friends_by_id(a as i64, b as i64) as u64
                        })
                    }),
                ));
                rows.push(Row::read(
                    backend,
                    "name",
                    Box::new(move |s, n| {
                        let mut db = d2.borrow_mut();
                        over(&l.strs, s, n, |(a, b)| db.friends_by_name(a, b) as u64)
                    }),
                ));
            }
        }
        Question::May => {
            rows.extend(imcore_id_rows(l, im, |v, a, b| {
                verdict_code(crate::im::may_in(v, a, b)) as u64
            }));
            rows.push(Row::read(
                IMCORE,
                "name",
                Box::new(move |s, n| {
                    over(&l.names, s, n, |(a, b)| {
                        verdict_code(im.may_by_name(a, b)) as u64
                    })
                }),
            ));
            for (backend, db) in [(MEM, mem), (WAL, wal)] {
                let db = std::rc::Rc::new(std::cell::RefCell::new(db));
                let d2 = db.clone();
                rows.push(Row::read(
                    backend,
                    "id",
                    Box::new(move |s, n| {
                        let mut db = db.borrow_mut();
                        over(&l.idx, s, n, |&(a, b)| {
                            db.may_by_id(a as i64, b as i64) as u64
                        })
                    }),
                ));
                rows.push(Row::read(
                    backend,
                    "name",
                    Box::new(move |s, n| {
                        let mut db = d2.borrow_mut();
                        over(&l.strs, s, n, |(a, b)| db.may_by_name(a, b) as u64)
                    }),
                ));
            }
        }
    }
    if let Some(r) = redis {
        rows.push(Row::read(
            REDIS,
            "id",
            Box::new(move |s, n| over(&l.cmds, s, n, |c| r.run(c) as u64)),
        ));
    }
    rows
}

/// The stranger pairs of the write workloads, in every backend's form.
struct Writes {
    names: Vec<(UserName, UserName)>,
    strs: Vec<(String, String)>,
    /// imcore's handles and SQLite's keys of the same pairs (the id forms).
    ids: Vec<(UserId, UserId)>,
    keys: Vec<(i64, i64)>,
    add: Vec<Cmd>,
    remove: Vec<Cmd>,
}

/// The rows of the write workload: add an edge (timed), then remove it (timed apart).
fn write_rows<'a, 'c: 'a>(
    w: &'a Writes,
    im: &'a Im,
    mem: &'a mut Sql<'c>,
    wal: &'a mut Sql<'c>,
    wal_full: &'a mut Sql<'c>,
    redis: Option<&'a mut Redis>,
) -> Vec<Row<'a>> {
    let mut rows = vec![
        Row::write(
            IMCORE,
            "id",
            Box::new(move |s, n| {
                w.ids[s..s + n]
                    .iter()
                    .map(|&(a, b)| im.add_friend_by_id(a, b) as u64)
                    .sum()
            }),
            Box::new(move |s, n| {
                w.ids[s..s + n]
                    .iter()
                    .map(|&(a, b)| im.remove_friend_by_id(a, b) as u64)
                    .sum()
            }),
        ),
        Row::write(
            IMCORE,
            "name",
            Box::new(move |s, n| {
                w.names[s..s + n]
                    .iter()
                    .map(|(a, b)| im.add_friend(a, b) as u64)
                    .sum()
            }),
            Box::new(move |s, n| {
                w.names[s..s + n]
                    .iter()
                    .map(|(a, b)| im.remove_friend(a, b) as u64)
                    .sum()
            }),
        ),
    ];
    for (backend, db) in [(MEM, mem), (WAL, wal), (WAL_FULL, wal_full)] {
        let db = std::rc::Rc::new(std::cell::RefCell::new(db));
        let (d2, d3, d4) = (db.clone(), db.clone(), db.clone());
        let mut by_id = Row::write(
            backend,
            "id",
            Box::new(move |s, n| {
                let mut db = d3.borrow_mut();
                w.keys[s..s + n]
                    .iter()
                    .map(|&(a, b)| db.add_friend_by_id(a, b) as u64)
                    .sum()
            }),
            Box::new(move |s, n| {
                let mut db = d4.borrow_mut();
                w.keys[s..s + n]
                    .iter()
                    .map(|&(a, b)| db.remove_friend_by_id(a, b) as u64)
                    .sum()
            }),
        );
        let mut by_name = Row::write(
            backend,
            "name",
            Box::new(move |s, n| {
                let mut db = db.borrow_mut();
                w.strs[s..s + n]
                    .iter()
                    .map(|(a, b)| db.add_friend(a, b) as u64)
                    .sum()
            }),
            Box::new(move |s, n| {
                let mut db = d2.borrow_mut();
                w.strs[s..s + n]
                    .iter()
                    .map(|(a, b)| db.remove_friend(a, b) as u64)
                    .sum()
            }),
        );
        if backend == WAL_FULL {
            // An fsync per commit: a few hundred per sample is enough.
            by_id.min_ops = 50;
            by_name.min_ops = 50;
        }
        rows.push(by_id);
        rows.push(by_name);
    }
    if let Some(r) = redis {
        let r = std::rc::Rc::new(std::cell::RefCell::new(r));
        let r2 = r.clone();
        rows.push(Row::write(
            REDIS,
            "id",
            Box::new(move |s, n| {
                let mut r = r.borrow_mut();
                w.add[s..s + n].iter().map(|c| r.run(c) as u64).sum()
            }),
            Box::new(move |s, n| {
                let mut r = r2.borrow_mut();
                w.remove[s..s + n].iter().map(|c| r.run(c) as u64).sum()
            }),
        ));
    }
    rows
}

/// Everything the answer checks ask.
struct Backends<'x, 'c> {
    im: &'x Im,
    dbs: [(&'static str, &'x mut Sql<'c>); 2],
    redis: &'x mut Option<Redis>,
    dist: &'x [usize],
}

/// Checks that every backend gives imcore's answer (id form) for the first `n` questions of
/// `l`. Returns the mix of imcore's answers over the whole list.
fn check_reads(
    what: &str,
    q: Question,
    l: &List,
    n: usize,
    b: &mut Backends<'_, '_>,
) -> Result<[usize; 7], String> {
    let Backends {
        im,
        dbs,
        redis,
        dist,
    } = b;
    let pairs = &l.idx[..n];
    let mut mix = [0usize; 7];
    let truth = |a: usize, b: usize| -> u8 {
        match q {
            Question::Friends => im.friends_by_id(im.id(a), im.id(b)) as u8,
            Question::May => verdict_code(im.may_by_id(im.id(a), im.id(b))),
        }
    };
    for &(a, b) in &l.idx {
        mix[truth(a, b) as usize] += 1;
    }
    let mismatch = |who: &str, form: &str, a: usize, b: usize, got: u8, want: u8| {
        Err(format!(
            "{what}: {who} ({form}) answers {got} for ({}, {}) where imcore answers {want}",
            name(a),
            name(b)
        ))
    };
    for &(a, b) in pairs {
        let want = truth(a, b);
        let (na, nb) = (im.name(a), im.name(b));
        let by_name = match q {
            Question::Friends => im.friends_by_name(&na, &nb) as u8,
            Question::May => verdict_code(im.may_by_name(&na, &nb)),
        };
        if by_name != want {
            return mismatch(IMCORE, "name", a, b, by_name, want);
        }
        if q == Question::Friends && (want == 1) != are_friends(dist, a, b) {
            return Err(format!(
                "{what}: imcore answers {want} for ({}, {}) against the data set's pattern",
                name(a),
                name(b)
            ));
        }
        for (who, db) in dbs.iter_mut() {
            let (x, y) = match q {
                Question::Friends => (
                    db.friends_by_id(a as i64, b as i64) as u8,
                    db.friends_by_name(&name(a), &name(b)) as u8,
                ),
                Question::May => (
                    db.may_by_id(a as i64, b as i64),
                    db.may_by_name(&name(a), &name(b)),
                ),
            };
            if x != want {
                return mismatch(who, "id", a, b, x, want);
            }
            if y != want {
                return mismatch(who, "name", a, b, y, want);
            }
        }
        if let Some(r) = redis.as_mut() {
            let c = match q {
                Question::Friends => Redis::friends_cmd(a, b),
                Question::May => r.may_cmd(a, b),
            };
            let got = r.run(&c) as u8;
            if got != want {
                return mismatch(REDIS, "id", a, b, got, want);
            }
        }
    }
    eprintln!(
        "  {what}: {} questions, every backend agrees with imcore",
        pairs.len()
    );
    Ok(mix)
}

/// Adds and removes `pairs` in every backend, checking each step's answer and the friendship
/// both ways after it.
fn check_writes(pairs: &[(usize, usize)], b: &mut Backends<'_, '_>) -> Result<(), String> {
    let Backends { im, dbs, redis, .. } = b;
    for &(a, b) in pairs {
        let (na, nb) = (im.name(a), im.name(b));
        let (sa, sb) = (name(a), name(b));
        for add in [true, false] {
            let step = if add { "add" } else { "remove" };
            let fail = |who: &str, what: &str| {
                Err(format!("write check: {who}: {step} ({sa}, {sb}): {what}"))
            };
            // The name form, then the id form undoes and redoes it (both must change it).
            let (ia, ib) = (im.id(a), im.id(b));
            let changed = if add {
                im.add_friend(&na, &nb)
                    && im.remove_friend_by_id(ia, ib)
                    && im.add_friend_by_id(ia, ib)
            } else {
                im.remove_friend(&na, &nb)
                    && im.add_friend_by_id(ia, ib)
                    && im.remove_friend_by_id(ia, ib)
            };
            if !changed {
                return fail(IMCORE, "no change");
            }
            if im.friends_by_id(ia, ib) != add || im.friends_by_id(ib, ia) != add {
                return fail(IMCORE, "friendship afterwards");
            }
            for (who, db) in dbs.iter_mut() {
                let (ka, kb) = (a as i64, b as i64);
                let changed = if add {
                    db.add_friend(&sa, &sb)
                        && db.remove_friend_by_id(ka, kb)
                        && db.add_friend_by_id(ka, kb)
                } else {
                    db.remove_friend(&sa, &sb)
                        && db.add_friend_by_id(ka, kb)
                        && db.remove_friend_by_id(ka, kb)
                };
                if !changed {
                    return fail(who, "no change");
                }
                if db.friends_by_id(ka, kb) != add || db.friends_by_id(kb, ka) != add {
                    return fail(who, "friendship afterwards");
                }
            }
            if let Some(r) = redis.as_mut() {
                let c = if add {
                    r.add_cmd(a, b)
                } else {
                    r.remove_cmd(a, b)
                };
                if r.run(&c) != 2 {
                    return fail(REDIS, "no change");
                }
                if r.run(&Redis::friends_cmd(a, b)) != add as i64
                    || r.run(&Redis::friends_cmd(b, a)) != add as i64
                {
                    return fail(REDIS, "friendship afterwards");
                }
            }
        }
    }
    eprintln!(
        "  writes: {} edges added and removed again, every backend agrees with imcore",
        pairs.len()
    );
    Ok(())
}

/// A scratch directory for the SQLite file and Redis, removed at the end.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn shell(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn args() -> Cfg {
    let mut cfg = Cfg {
        samples: 7,
        target: Duration::from_millis(400),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |what: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} needs a number"))
        };
        match a.as_str() {
            "--samples" => cfg.samples = value("--samples").max(1) as usize,
            "--target-ms" => cfg.target = Duration::from_millis(value("--target-ms").max(1)),
            other => panic!("unknown argument {other:?} (known: --samples N, --target-ms M)"),
        }
    }
    cfg
}

fn main() {
    if let Err(e) = run(&args()) {
        eprintln!("compare: {e}");
        std::process::exit(1);
    }
}

fn run(cfg: &Cfg) -> Result<(), String> {
    let dir = Scratch(std::env::temp_dir().join(format!("imcore-compare-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).map_err(|e| format!("scratch dir: {e}"))?;
    let commit = shell(
        "git",
        &["-C", env!("CARGO_MANIFEST_DIR"), "log", "-1", "--format=%h"],
    );
    let dirty = shell(
        "git",
        &[
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "status",
            "--porcelain",
            "--",
            "../src",
        ],
    );
    let load_start = loadavg();
    let dist = friend_distances();

    eprintln!("building imcore …");
    let t = Instant::now();
    let im = Im::build(&dist);
    let im_build = t.elapsed();

    eprintln!("building SQLite in memory …");
    let t = Instant::now();
    let mem_conn = sql::build_memory(&dist).map_err(|e| format!("sqlite build: {e}"))?;
    let mem_build = t.elapsed();
    let db_bytes: i64 = mem_conn
        .query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    eprintln!("copying it to a WAL file …");
    let t = Instant::now();
    let file = dir.0.join("compare.db");
    let wal_conn =
        sql::copy_to_wal_file(&mem_conn, &file).map_err(|e| format!("sqlite file: {e}"))?;
    let wal_copy = t.elapsed();
    let plans = sql::plans(&mem_conn).map_err(|e| format!("query plans: {e}"))?;

    let redis_note;
    let mut server = None;
    let mut redis = None;
    let mut redis_build = Duration::ZERO;
    match red::find_server() {
        None => {
            redis_note = "Redis skipped: no `redis-server` on the PATH (install it, e.g. \
                          `apt-get install redis-server`, to include it)."
                .into();
            eprintln!("{redis_note}");
        }
        Some(bin) => {
            eprintln!("starting {} …", bin.display());
            match red::Server::start(&bin, &dir.0) {
                Err(e) => {
                    redis_note = format!("Redis skipped: {e}.");
                    eprintln!("{redis_note}");
                }
                Ok((s, con)) => {
                    eprintln!("building Redis (pid {}, port {}) …", s.pid(), s.port);
                    let t = Instant::now();
                    let r = Redis::build(con, &dist).map_err(|e| format!("redis build: {e}"))?;
                    redis_build = t.elapsed();
                    redis_note = format!(
                        "Redis: `{}`, our own child process on 127.0.0.1:{} (`--save '' \
                         --appendonly no`), stopped by its PID at the end.",
                        s.version, s.port
                    );
                    server = Some(s);
                    redis = Some(r);
                }
            }
        }
    }
    let redis_mem = redis.as_mut().and_then(Redis::used_memory);

    // The request lists.
    let cmd_friends = |a, b| redis.as_ref().map(|_| Redis::friends_cmd(a, b));
    let friends_hot = List::new(pairs(&dist, true, 1000), &im, cmd_friends);
    let friends_cold = List::new(pairs(&dist, false, 1001), &im, cmd_friends);
    let cmd_may = |a, b| redis.as_ref().map(|r| r.may_cmd(a, b));
    let may_hot = List::new(pairs(&dist, true, 2000), &im, cmd_may);
    let may_cold = List::new(pairs(&dist, false, 2001), &im, cmd_may);
    let strangers = stranger_pairs(&dist, WRITE_POOL + WRITE_WARM, 7);
    let writes = Writes {
        names: strangers
            .iter()
            .map(|&(a, b)| (im.name(a), im.name(b)))
            .collect(),
        strs: strangers.iter().map(|&(a, b)| (name(a), name(b))).collect(),
        ids: strangers
            .iter()
            .map(|&(a, b)| (im.id(a), im.id(b)))
            .collect(),
        keys: strangers
            .iter()
            .map(|&(a, b)| (a as i64, b as i64))
            .collect(),
        add: redis
            .as_ref()
            .map(|r| strangers.iter().map(|&(a, b)| r.add_cmd(a, b)).collect())
            .unwrap_or_default(),
        remove: redis
            .as_ref()
            .map(|r| strangers.iter().map(|&(a, b)| r.remove_cmd(a, b)).collect())
            .unwrap_or_default(),
    };

    let mut mem = Sql::prepare(&mem_conn).map_err(|e| e.to_string())?;
    let mut wal = Sql::prepare(&wal_conn).map_err(|e| e.to_string())?;
    // A second set of statements on the same connection, run with `synchronous = FULL`.
    let mut wal_full = Sql::prepare(&wal_conn).map_err(|e| e.to_string())?;

    // Same answers first.
    eprintln!("checking that every backend answers as imcore does …");
    let edge = edge_pairs(&dist);
    let mixes = {
        let mut b = Backends {
            im: &im,
            dbs: [(MEM, &mut mem), (WAL, &mut wal)],
            redis: &mut redis,
            dist: &dist,
        };
        let f_hot = check_reads(
            "are friends? hot",
            Question::Friends,
            &friends_hot,
            2000,
            &mut b,
        )?;
        let f_cold = check_reads(
            "are friends? cold",
            Question::Friends,
            &friends_cold,
            2000,
            &mut b,
        )?;
        let m_hot = check_reads("may message? hot", Question::May, &may_hot, 2000, &mut b)?;
        let m_cold = check_reads("may message? cold", Question::May, &may_cold, 2000, &mut b)?;
        let edges = List::new(edge.clone(), &im, |_, _| None);
        check_reads(
            "are friends? edge cases",
            Question::Friends,
            &edges,
            edge.len(),
            &mut b,
        )?;
        check_reads(
            "may message? edge cases",
            Question::May,
            &edges,
            edge.len(),
            &mut b,
        )?;
        check_writes(&strangers[WRITE_POOL..WRITE_POOL + 300], &mut b)?;
        [f_hot, f_cold, m_hot, m_cold]
    };

    // The header.
    println!("## Side by side: imcore, SQLite, Redis (`compare/`)");
    println!();
    println!(
        "- Command: `cd compare && cargo run --release` ({} samples per row, about {} ms each).",
        cfg.samples,
        cfg.target.as_millis()
    );
    println!(
        "- Engine commit: `{commit}`{}.",
        if dirty == "unknown" || dirty.is_empty() {
            String::new()
        } else {
            " (with uncommitted changes in `src/`)".to_string()
        }
    );
    println!(
        "- Machine: {} cores ({}), load average at the start {load_start}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    println!(
        "- Data: {USERS} users, {FRIENDS} friends and 3 blocks each, 0.4 % disabled or chat-muted senders; \
         the app's friend check on. Built in: imcore {:.1?}, SQLite in memory {:.1?} ({} MiB), \
         copied to the WAL file {:.1?}{}.",
        im_build,
        mem_build,
        db_bytes >> 20,
        wal_copy,
        match redis_mem {
            Some(b) => format!(", Redis {redis_build:.1?} (used_memory {} MiB)", b >> 20),
            None => String::new(),
        }
    );
    println!("- SQLite {} (bundled); {redis_note}", rusqlite::version());
    println!(
        "- Single thread. Wall time for all; CPU time (this thread) too, which for Redis is the client's share only. Ratios: a backend's median ÷ imcore's median."
    );
    println!(
        "- Every backend gave imcore's answer for 2,000 questions of each read list, {} edge cases of \"may message?\" and 300 edges added and removed, before any timing.",
        edge.len()
    );
    println!();
    println!("SQLite query plans:");
    println!();
    for (what, plan) in &plans {
        println!("- {what}: `{plan}`");
    }
    for (title, mix) in [
        ("may message? hot", mixes[2]),
        ("may message? cold", mixes[3]),
    ] {
        let parts: Vec<String> = mix
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{} {:.1} %", CODE_NAMES[k], 100.0 * *n as f64 / REQS as f64))
            .collect();
        println!("- Answers in the {title} list: {}.", parts.join(", "));
    }
    for (title, mix) in [
        ("are friends? hot", mixes[0]),
        ("are friends? cold", mixes[1]),
    ] {
        println!(
            "- Friends in the {title} list: {:.1} %.",
            100.0 * mix[1] as f64 / REQS as f64
        );
    }

    // The workloads.
    let mut all: Vec<(&str, Medians)> = Vec::new();
    let reads = [
        (
            "are A and B friends? — hot (both in a 1,000-user hot set)",
            Question::Friends,
            &friends_hot,
        ),
        (
            "are A and B friends? — cold (uniform over 200k users)",
            Question::Friends,
            &friends_cold,
        ),
        (
            "may A message B? (`MayMessage`) — hot",
            Question::May,
            &may_hot,
        ),
        (
            "may A message B? (`MayMessage`) — cold",
            Question::May,
            &may_cold,
        ),
    ];
    for (title, q, list) in reads {
        let load = loadavg();
        let mut rows = read_rows(q, list, &im, &mut mem, &mut wal, redis.as_mut());
        let (stats, _) = measure(title, &mut rows, cfg);
        drop(rows);
        all.push((title, report(title, &stats, &load)));
    }
    {
        let load = loadavg();
        wal_conn
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(|e| e.to_string())?;
        let title = "add a friend edge — cold (uniform strangers; each write its own transaction)";
        let full_conn = &wal_conn;
        let mut rows = write_rows(
            &writes,
            &im,
            &mut mem,
            &mut wal,
            &mut wal_full,
            redis.as_mut(),
        );
        // The FULL rows switch the connection's `synchronous` around their own samples.
        for r in rows.iter_mut().filter(|r| r.backend == WAL_FULL) {
            let run = std::mem::replace(&mut r.run, Box::new(|_, _| 0));
            let undo = r.undo.take().expect("a write row");
            r.run = with_full_sync(full_conn, run);
            r.undo = Some(with_full_sync(full_conn, undo));
        }
        let (adds, removes) = measure(title, &mut rows, cfg);
        drop(rows);
        all.push((title, report(title, &adds, &load)));
        let title = "remove it again — cold (timed apart)";
        all.push((title, report(title, &removes, &load)));
    }

    // Goals.
    let get = |k: usize, b: &'static str, f: &'static str| all[k].1.get(&(b, f)).copied();
    let ratio = |k: usize, b: &'static str, f: &'static str, cpu: bool| -> f64 {
        match (get(k, b, f), get(k, IMCORE, f)) {
            (Some(x), Some(i)) => {
                if cpu {
                    x.1 / i.1
                } else {
                    x.0 / i.0
                }
            }
            _ => f64::NAN,
        }
    };
    let verdict = |r: f64, goal: f64| {
        if !r.is_finite() {
            "not measured".to_string()
        } else if r >= goal {
            "**met**".to_string()
        } else {
            format!("**missed** ({:.0} % of the goal)", 100.0 * r / goal)
        }
    };
    println!();
    println!("### Goals (this run)");
    println!();
    println!(
        "Judged on the id forms (each side's fastest: imcore `AreFriendsById`, SQLite's point query on the primary key, Redis `SISMEMBER`), wall clock; the name forms and CPU-time ratios beside them, and imcore's id form with a whole sample's checks on one view (`App::read`: one read lock for the batch)."
    );
    println!();
    println!(
        "| goal | id form, wall | name form, wall | id form, CPU | imcore id on one view, wall | |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for (goal_text, k, b, goal) in [
        ("≥ 50x SQLite in memory, hot", 0, MEM, 50.0),
        ("≥ 20x SQLite in memory, cold", 1, MEM, 20.0),
        ("≥ 300x Redis one request at a time (hot)", 0, REDIS, 300.0),
        ("≥ 300x Redis one request at a time (cold)", 1, REDIS, 300.0),
    ] {
        let id = ratio(k, b, "id", false);
        let name_form = if b == REDIS {
            // Redis has only the id form: compare it with imcore by name.
            match (get(k, b, "id"), get(k, IMCORE, "name")) {
                (Some(x), Some(i)) => x.0 / i.0,
                _ => f64::NAN,
            }
        } else {
            ratio(k, b, "name", false)
        };
        let cpu = if b == REDIS {
            f64::NAN
        } else {
            ratio(k, b, "id", true)
        };
        let in_view = match (get(k, b, "id"), get(k, IMCORE, VIEW)) {
            (Some(x), Some(i)) => x.0 / i.0,
            _ => f64::NAN,
        };
        println!(
            "| {goal_text} | {} | {} | {} | {} | {} (one view: {}) |",
            fmt_ratio(id),
            fmt_ratio(name_form),
            fmt_ratio(cpu),
            fmt_ratio(in_view),
            verdict(id, goal),
            verdict(in_view, goal)
        );
    }
    println!();
    println!(
        "Other ratios of this run (id forms, wall): SQLite file (WAL) hot {}, cold {}; `MayMessage` vs SQLite in memory hot {}, cold {}, vs Redis hot {}, cold {}; add a friend (name forms) vs SQLite in memory {}, vs SQLite WAL {}, vs Redis {}; add a friend (id forms) vs SQLite in memory {}, vs SQLite WAL {}, vs Redis {}; remove it (id forms) vs SQLite in memory {}, vs Redis {}.",
        fmt_ratio(ratio(0, WAL, "id", false)),
        fmt_ratio(ratio(1, WAL, "id", false)),
        fmt_ratio(ratio(2, MEM, "id", false)),
        fmt_ratio(ratio(3, MEM, "id", false)),
        fmt_ratio(ratio(2, REDIS, "id", false)),
        fmt_ratio(ratio(3, REDIS, "id", false)),
        fmt_ratio(ratio(4, MEM, "name", false)),
        fmt_ratio(ratio(4, WAL, "name", false)),
        get(4, REDIS, "id")
            .zip(get(4, IMCORE, "name"))
            .map_or("—".into(), |(x, i)| fmt_ratio(x.0 / i.0)),
        fmt_ratio(ratio(4, MEM, "id", false)),
        fmt_ratio(ratio(4, WAL, "id", false)),
        fmt_ratio(ratio(4, REDIS, "id", false)),
        fmt_ratio(ratio(5, MEM, "id", false)),
        fmt_ratio(ratio(5, REDIS, "id", false)),
    );
    println!();
    println!(
        "For reference, an older engine (from the issue): \"are A and B friends?\" hot 241 ns / SQLite in memory 1,421 ns / SQLite WAL 3,028 ns / Redis 18.3 µs (5.9x, 12.6x, 76x); cold 1,420 / 3,277 / 5,280 ns / 29.9 µs (2.3x, 3.7x, 21x); add a friend edge, cold 2,612 ns / 9,545 ns / 127 µs / 44.6 µs (3.7x, 49x, 17x)."
    );

    // Stop Redis (by its PID) before the scratch directory goes.
    drop(redis);
    if let Some(mut s) = server.take() {
        let pid = s.pid();
        s.stop();
        eprintln!("redis-server (pid {pid}) stopped");
    }
    Ok(())
}

/// Wraps a batch so that it runs with `PRAGMA synchronous = FULL`, restoring `NORMAL` after.
fn with_full_sync<'a>(conn: &'a rusqlite::Connection, mut f: Batch<'a>) -> Batch<'a> {
    Box::new(move |s, n| {
        conn.execute_batch("PRAGMA synchronous = FULL")
            .expect("synchronous = FULL");
        let r = f(s, n);
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .expect("synchronous = NORMAL");
        r
    })
}
