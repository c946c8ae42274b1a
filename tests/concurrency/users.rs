//! Concurrency: several std threads run random commands on one shared app (each thread with
//! its own deterministic PRNG), then the invariants must hold. Also: the attribute budget never
//! exceeds its cap while many threads write against it and equals the sum at the end; links
//! made concurrently are all there (nothing lost); deletes racing with links leave nothing
//! behind; a token string issued twice at once is granted once. A watchdog turns a deadlock
//! into a failure. Heavy sizes are `#[ignore]`d: `cargo test --release --test concurrency
//! users:: -- --ignored`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use crate::fixture::T0;
use imcore::*;

/// xorshift64*: small, deterministic per seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn n(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

fn new_app(limits: Limits) -> App {
    Engine::new()
        .create_app(AppKey::new("org", "conc").unwrap(), limits)
        .unwrap()
}

fn check(app: &App) {
    if let Err(m) = imcore::invariants::check(app) {
        panic!("invariant broken: {m}");
    }
}

/// Runs `threads` copies of `f(thread index)` and waits for all of them; a run that does not
/// finish within `secs` is reported as a deadlock.
fn run_threads<F>(threads: usize, secs: u64, f: F)
where
    F: Fn(usize) + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for t in 0..threads {
        let f = Arc::clone(&f);
        let tx = tx.clone();
        handles.push(std::thread::spawn(move || {
            f(t);
            let _ = tx.send(());
        }));
    }
    drop(tx);
    for _ in 0..threads {
        match rx.recv_timeout(Duration::from_secs(secs)) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("threads did not finish: deadlock?"),
            // A thread panicked before sending; join below reports its panic.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    for h in handles {
        if let Err(p) = h.join() {
            std::panic::resume_unwind(p);
        }
    }
}

/// Errors a random command may legitimately get; anything else (a 500, an unexpected code)
/// fails the test.
fn expected(e: &Error) -> bool {
    matches!(
        (e.status(), e.code()),
        (400, "illegal_argument")
            | (400, "duplicate_unique_property_exists")
            | (400, "required_property_not_found")
            | (400, "invalid_grant")
            | (404, "invalid_grant")
            | (404, "service_resource_not_found")
            | (404, "entity_not_found")
            | (403, "exceed_limit")
            | (403, "FORBIDDEN")
            | (429, "resource_limited")
    )
}

/// One random command on a universe of `names` users.
fn random_step(app: &App, rng: &mut Rng, names: &[String], thread: usize, step: usize) {
    let now = Timestamp(T0.0 + step as i64);
    let pick = |rng: &mut Rng| n(&names[rng.below(names.len())]);
    let ad = &Actor::Admin;
    let r: Result<()> = match rng.below(24) {
        0 | 1 => {
            let u = &names[rng.below(names.len())];
            app.execute(
                ad,
                now,
                RegisterUser(NewUser::new(u, "pw", &format!("{u}-{thread}-{step}"))),
            )
            .map(drop)
        }
        2 => app
            .execute(
                ad,
                now,
                DeleteUser {
                    username: pick(rng),
                },
            )
            .map(drop),
        3..=5 => app
            .execute(
                ad,
                now,
                AddFriend {
                    owner: pick(rng),
                    friend: pick(rng),
                },
            )
            .map(drop),
        6 => app
            .execute(
                ad,
                now,
                RemoveFriend {
                    owner: pick(rng),
                    friend: pick(rng),
                },
            )
            .map(drop),
        7 => app
            .execute(
                ad,
                now,
                SetRemark {
                    owner: pick(rng),
                    friend: pick(rng),
                    remark: "r".into(),
                },
            )
            .map(drop),
        8 | 9 => {
            let owner = pick(rng);
            let usernames = (0..1 + rng.below(3)).map(|_| pick(rng)).collect();
            app.execute(ad, now, BlockUsers { owner, usernames })
                .map(drop)
        }
        10 => app
            .execute(
                ad,
                now,
                UnblockUser {
                    owner: pick(rng),
                    blocked: pick(rng),
                },
            )
            .map(drop),
        11 | 12 => {
            let pairs = (0..1 + rng.below(2))
                .map(|_| (format!("k{}", rng.below(3)), "v".repeat(rng.below(10))))
                .collect();
            app.execute(
                ad,
                now,
                SetAttributes {
                    username: pick(rng),
                    pairs,
                },
            )
            .map(drop)
        }
        13 => app
            .execute(
                ad,
                now,
                DeleteAttributes {
                    username: pick(rng),
                },
            )
            .map(drop),
        14 => {
            let token = format!("tok-{thread}-{step}");
            let username = names[rng.below(names.len())].clone();
            app.execute(
                &Actor::Anonymous,
                now,
                IssueToken {
                    grant: GrantType::Password {
                        username,
                        password: "pw".into(),
                    },
                    token,
                    ttl: None,
                },
            )
            .map(drop)
        }
        16 => {
            let password = ["pw", "pw2"][rng.below(2)].to_string();
            app.execute(
                ad,
                now,
                ChangePassword {
                    username: pick(rng),
                    new_password: password,
                },
            )
            .map(drop)
        }
        17 => app
            .execute(
                ad,
                now,
                DisableUser {
                    username: pick(rng),
                },
            )
            .map(drop),
        18 => app
            .execute(
                ad,
                now,
                EnableUser {
                    username: pick(rng),
                },
            )
            .map(drop),
        19 => app
            .execute(
                ad,
                now,
                OpenSession {
                    username: pick(rng),
                    resource: format!("ios_{}", rng.below(6)),
                    device_uuid: None,
                    device_name: None,
                },
            )
            .map(drop),
        20 => app
            .execute(
                ad,
                now,
                ForceLogout {
                    username: pick(rng),
                    resource: None,
                },
            )
            .map(drop),
        21 => {
            let usernames = (0..rng.below(4))
                .map(|_| names[rng.below(names.len())].clone())
                .collect();
            app.execute(
                ad,
                now,
                ImportFriends {
                    owner: pick(rng),
                    usernames,
                    notify: true,
                },
            )
            .map(drop)
        }
        22 => {
            let username = names[rng.below(names.len())].clone();
            app.execute(
                ad,
                now,
                IssueToken {
                    grant: GrantType::Inherit {
                        username,
                        auto_create: true,
                        uuid: format!("inh-{thread}-{step}"),
                    },
                    token: format!("inh-{thread}-{step}"),
                    ttl: None,
                },
            )
            .map(drop)
        }
        _ => app
            .execute(
                ad,
                now,
                SetGlobalMute {
                    username: pick(rng),
                    chat: Some(if rng.below(2) == 0 {
                        MuteValue::Forever
                    } else {
                        MuteValue::Lift
                    }),
                    groupchat: None,
                    chatroom: None,
                },
            )
            .map(drop),
    };
    if let Err(e) = r {
        assert!(
            expected(&e),
            "unexpected error {e:?}: {}/{}",
            e.status(),
            e.code()
        );
    }
}

fn random_mix(threads: usize, steps: usize, users: usize) {
    let app = new_app(Limits {
        friends_max: Some(4),
        attr_bytes_per_user: 24,
        attr_bytes_per_app: 150,
        ..Limits::default()
    });
    let names: Arc<Vec<String>> = Arc::new((0..users).map(|i| format!("u{i}")).collect());
    for u in names.iter().take(users / 2) {
        app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new(u, "pw", u)))
            .unwrap();
    }
    let shared = app.clone();
    let writers_done = Arc::new(AtomicU64::new(0));
    let done2 = Arc::clone(&writers_done);
    // Thread 0 reads while the others write.
    run_threads(threads + 1, 120, move |t| {
        if t == 0 {
            let mut rng = Rng::new(99);
            while done2.load(Ordering::Acquire) < threads as u64 {
                random_read(&shared, &mut rng, &names);
            }
            return;
        }
        let mut rng = Rng::new(t as u64);
        for step in 0..steps {
            random_step(&shared, &mut rng, &names, t, step);
        }
        done2.fetch_add(1, Ordering::Release);
    });
    check(&app);
}

/// One random read; reads may miss users deleted meanwhile but must stay sane.
fn random_read(app: &App, rng: &mut Rng, names: &[String]) {
    let now = T0;
    let ad = &Actor::Admin;
    let who = n(&names[rng.below(names.len())]);
    let ok_or_missing = |r: Result<()>| {
        if let Err(e) = r {
            assert_eq!(
                (e.status(), e.code()),
                (404, "service_resource_not_found"),
                "{e}"
            );
        }
    };
    match rng.below(7) {
        0 => {
            // A walk over the user list never repeats a user and keeps creation order.
            let mut seen = std::collections::HashSet::new();
            let mut last = None;
            let mut cursor = None;
            loop {
                let p = app
                    .query(
                        ad,
                        now,
                        ListUsers {
                            limit: Some(3),
                            cursor,
                        },
                    )
                    .unwrap();
                for v in &p.items {
                    assert!(seen.insert(v.uuid.clone()), "user listed twice");
                    assert!(last <= Some(v.created), "creation order broken");
                    last = Some(v.created);
                }
                match p.cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
        }
        1 => ok_or_missing(
            app.query(ad, now, ListFriends { owner: who.clone() })
                .map(|f| {
                    assert!(!f.contains(&who), "a user is their own friend");
                    assert!(f.len() <= 4, "over the friend cap");
                }),
        ),
        2 => ok_or_missing(
            app.query(
                ad,
                now,
                ListBlocks {
                    owner: who.clone(),
                    page_size: None,
                    cursor: None,
                },
            )
            .map(|b| assert!(!b.items.contains(&who), "a user blocks themself")),
        ),
        3 => {
            let a = app.query(ad, now, GetAttributes { username: who }).unwrap();
            let size: usize = a.iter().map(|(k, v)| k.len() + v.len()).sum();
            assert!(size <= 24, "a user over their attribute budget");
            assert!(app.query(ad, now, AttributeCapacity).unwrap() <= 150);
        }
        4 => {
            let names: Vec<String> = names.to_vec();
            let got = app
                .query(
                    ad,
                    now,
                    BatchOnline {
                        usernames: names.clone(),
                    },
                )
                .unwrap();
            assert_eq!(got.into_iter().map(|x| x.0).collect::<Vec<_>>(), names);
        }
        5 => {
            app.query(
                ad,
                now,
                ListGlobalMutes {
                    page_num: None,
                    page_size: Some(50),
                },
            )
            .unwrap();
        }
        _ => ok_or_missing(
            app.query(
                ad,
                now,
                ListFriendsPage {
                    owner: who,
                    limit: Some(2),
                    cursor: None,
                    need_remark: true,
                },
            )
            .map(drop),
        ),
    }
}

#[test]
fn random_commands_from_several_threads_keep_the_invariants() {
    for round in 0..4 {
        let _ = round;
        random_mix(4, 3_000, 12);
    }
}

#[test]
#[ignore]
fn random_commands_heavy() {
    for _ in 0..10 {
        random_mix(8, 50_000, 24);
    }
}

/// A reader that checks, while writers run, that the app total never passes the cap.
fn budget_run(threads: usize, steps: usize, cap: u64) {
    let app = new_app(Limits {
        attr_bytes_per_app: cap,
        attr_bytes_per_user: 64,
        ..Limits::default()
    });
    let users_per_thread = 4;
    for t in 0..threads {
        for i in 0..users_per_thread {
            let u = format!("w{t}x{i}");
            app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new(&u, "pw", &u)))
                .unwrap();
        }
    }
    let done = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicU64::new(0));
    let reader = {
        let (app, done) = (app.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            loop {
                let finished = done.load(Ordering::Acquire);
                let c = app.query(&Actor::Admin, T0, AttributeCapacity).unwrap();
                assert!(c <= cap, "capacity {c} over the cap {cap}");
                if finished {
                    break;
                }
            }
        })
    };
    let (shared, refused2) = (app.clone(), Arc::clone(&refused));
    run_threads(threads, 120, move |t| {
        let mut rng = Rng::new(1000 + t as u64);
        for step in 0..steps {
            let u = n(&format!("w{t}x{}", rng.below(users_per_thread)));
            let now = Timestamp(T0.0 + step as i64);
            if rng.below(8) == 0 {
                shared
                    .execute(&Actor::Admin, now, DeleteAttributes { username: u })
                    .unwrap();
                continue;
            }
            let pairs = vec![(format!("k{}", rng.below(4)), "v".repeat(rng.below(15)))];
            match shared.execute(&Actor::Admin, now, SetAttributes { username: u, pairs }) {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!((e.status(), e.code()), (403, "FORBIDDEN"), "{e}");
                    refused2.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });
    done.store(true, Ordering::Release);
    reader.join().unwrap();
    check(&app);
    // The total is exactly the sum of what the users hold.
    let mut sum = 0u64;
    for t in 0..threads {
        for i in 0..users_per_thread {
            let a = app
                .query(
                    &Actor::Admin,
                    T0,
                    GetAttributes {
                        username: n(&format!("w{t}x{i}")),
                    },
                )
                .unwrap();
            sum += a
                .iter()
                .map(|(k, v)| (k.len() + v.len()) as u64)
                .sum::<u64>();
        }
    }
    let total = app.query(&Actor::Admin, T0, AttributeCapacity).unwrap();
    assert_eq!(total, sum);
    assert!(total <= cap);
    // The budget was tight enough to matter: every user's keys together could hold far more
    // than the cap, so writers met the app cap.
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "no write was refused; the test is too loose"
    );
    // Nothing leaked: deleting everything returns the total to zero.
    for t in 0..threads {
        for i in 0..users_per_thread {
            app.execute(
                &Actor::Admin,
                T0,
                DeleteAttributes {
                    username: n(&format!("w{t}x{i}")),
                },
            )
            .unwrap();
        }
    }
    assert_eq!(app.query(&Actor::Admin, T0, AttributeCapacity).unwrap(), 0);
    check(&app);
}

#[test]
fn the_app_budget_holds_under_concurrent_writers() {
    budget_run(6, 5_000, 200);
}

#[test]
#[ignore]
fn the_app_budget_holds_under_concurrent_writers_heavy() {
    budget_run(16, 100_000, 1_000);
}

#[test]
fn concurrent_links_are_all_kept() {
    // Every thread befriends and blocks its own pairs over a shared set of users; every link
    // made must be there afterwards, both ways.
    let app = new_app(Limits {
        friends_max: None,
        ..Limits::default()
    });
    let users = 40;
    for i in 0..users {
        let u = format!("p{i}");
        app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new(&u, "pw", &u)))
            .unwrap();
    }
    let threads = 4;
    let shared = app.clone();
    run_threads(threads, 60, move |t| {
        for i in 0..users {
            for j in 0..users {
                // Thread t owns the pairs with (i + j) % threads == t.
                if i < j && (i + j) % threads == t {
                    let (a, b) = (n(&format!("p{i}")), n(&format!("p{j}")));
                    shared
                        .execute(
                            &Actor::Admin,
                            T0,
                            AddFriend {
                                owner: b.clone(),
                                friend: a.clone(),
                            },
                        )
                        .unwrap();
                    shared
                        .execute(
                            &Actor::Admin,
                            T0,
                            BlockUsers {
                                owner: a,
                                usernames: vec![b],
                            },
                        )
                        .unwrap();
                }
            }
        }
    });
    for i in 0..users {
        let f = app
            .query(
                &Actor::Admin,
                T0,
                ListFriends {
                    owner: n(&format!("p{i}")),
                },
            )
            .unwrap();
        assert_eq!(f.len(), users - 1, "p{i} lost friends");
        let b = app
            .query(
                &Actor::Admin,
                T0,
                ListBlocks {
                    owner: n(&format!("p{i}")),
                    page_size: None,
                    cursor: None,
                },
            )
            .unwrap();
        assert_eq!(b.items.len(), users - 1 - i, "p{i} lost blocks");
    }
    check(&app);
}

#[test]
fn concurrent_registrations_are_all_kept_within_the_cap() {
    let cap = 150;
    let app = new_app(Limits {
        users_max: Some(cap),
        ..Limits::default()
    });
    let threads = 4;
    let shared = app.clone();
    let created = Arc::new(AtomicU64::new(0));
    let c2 = Arc::clone(&created);
    run_threads(threads, 60, move |t| {
        for i in 0..60 {
            // Half the names are shared between threads; the rest are the thread's own.
            let name = if i % 2 == 0 {
                format!("s{i}")
            } else {
                format!("t{t}n{i}")
            };
            match shared.execute(
                &Actor::Admin,
                T0,
                RegisterUser(NewUser::new(&name, "pw", &name)),
            ) {
                Ok(_) => {
                    c2.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => assert!(
                    matches!(
                        e.code(),
                        "duplicate_unique_property_exists" | "resource_limited"
                    ),
                    "{e}"
                ),
            }
        }
    });
    let mut listed = 0;
    let mut cursor = None;
    loop {
        let p = app
            .query(
                &Actor::Admin,
                T0,
                ListUsers {
                    limit: Some(100),
                    cursor,
                },
            )
            .unwrap();
        listed += p.items.len() as u64;
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(listed, created.load(Ordering::Relaxed));
    // 30 shared + 4 × 30 own = 150 distinct names: exactly the cap.
    assert_eq!(listed, cap);
    check(&app);
}

#[test]
fn deletes_racing_with_links_leave_nothing_behind() {
    // One thread deletes and re-registers a hot user over and over; the others keep linking
    // to it (friends, blocks both ways, attributes, tokens, mutes).
    let app = new_app(Limits {
        friends_max: Some(8),
        ..Limits::default()
    });
    for u in ["hot", "a", "b", "c", "d"] {
        app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new(u, "pw", u)))
            .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let shared = app.clone();
    let stop2 = Arc::clone(&stop);
    run_threads(4, 120, move |t| {
        let now = T0;
        let ad = &Actor::Admin;
        if t == 0 {
            for i in 0..1_500 {
                let _ = shared.execute(ad, now, DeleteUser { username: n("hot") });
                let _ = shared.execute(
                    ad,
                    now,
                    RegisterUser(NewUser::new("hot", "pw", &format!("hot{i}"))),
                );
            }
            stop2.store(true, Ordering::Release);
            return;
        }
        let me = n(["a", "b", "c"][t - 1]);
        let mut i = 0u64;
        while !stop2.load(Ordering::Acquire) {
            i += 1;
            let hot = n("hot");
            let r = [
                shared
                    .execute(
                        ad,
                        now,
                        AddFriend {
                            owner: me.clone(),
                            friend: hot.clone(),
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        SetRemark {
                            owner: me.clone(),
                            friend: hot.clone(),
                            remark: "x".into(),
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        BlockUsers {
                            owner: me.clone(),
                            usernames: vec![hot.clone(), n("d")],
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        BlockUsers {
                            owner: hot.clone(),
                            usernames: vec![me.clone()],
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        AddFriend {
                            owner: hot.clone(),
                            friend: n("d"),
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        SetAttributes {
                            username: hot.clone(),
                            pairs: vec![("k".into(), "v".repeat(10))],
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        &Actor::Anonymous,
                        now,
                        IssueToken {
                            grant: GrantType::Password {
                                username: "hot".into(),
                                password: "pw".into(),
                            },
                            token: format!("tk{t}-{i}"),
                            ttl: None,
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        SetGlobalMute {
                            username: hot.clone(),
                            chat: Some(MuteValue::Forever),
                            groupchat: None,
                            chatroom: None,
                        },
                    )
                    .map(drop),
                shared
                    .execute(
                        ad,
                        now,
                        OpenSession {
                            username: hot,
                            resource: format!("ios_{t}"),
                            device_uuid: None,
                            device_name: None,
                        },
                    )
                    .map(drop),
            ];
            for e in r.into_iter().filter_map(|r| r.err()) {
                assert!(expected(&e), "unexpected {e:?}");
            }
        }
    });
    check(&app);
    // Delete the hot user once more in quiet: everything of it goes.
    let _ = app.execute(&Actor::Admin, T0, DeleteUser { username: n("hot") });
    check(&app);
    for u in ["a", "b", "c", "d"] {
        let f = app
            .query(&Actor::Admin, T0, ListFriends { owner: n(u) })
            .unwrap();
        assert!(!f.contains(&n("hot")), "{u} still lists hot");
        let b = app
            .query(
                &Actor::Admin,
                T0,
                ListBlocks {
                    owner: n(u),
                    page_size: None,
                    cursor: None,
                },
            )
            .unwrap();
        assert!(!b.items.contains(&n("hot")), "{u} still blocks hot");
    }
    assert_eq!(app.query(&Actor::Admin, T0, AttributeCapacity).unwrap(), 0);
    assert!(
        app.query(&Actor::Admin, T0, ListGlobalMutes::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn one_token_string_issued_twice_at_once_is_granted_once() {
    // Each round, two threads ask for the same token string for two different users: exactly
    // one may get it. The race window is narrow, so it takes many rounds to hit
    // (`TOKEN_ROUNDS`, default 20 000); users rotate so that none reaches the per-user token
    // cap.
    let app = new_app(Limits::default());
    let rounds: usize = std::env::var("TOKEN_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let users = rounds.div_ceil(200);
    for i in 0..users {
        for side in ["a", "b"] {
            let u = format!("{side}{i}");
            app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new(&u, "pw", &u)))
                .unwrap();
        }
    }
    let barrier = Arc::new(Barrier::new(2));
    let wins = Arc::new(AtomicU64::new(0));
    let (shared, w2) = (app.clone(), Arc::clone(&wins));
    run_threads(2, 60, move |t| {
        let side = ["a", "b"][t];
        for i in 0..rounds {
            barrier.wait();
            let r = shared.execute(
                &Actor::Anonymous,
                T0,
                IssueToken {
                    grant: GrantType::Password {
                        username: format!("{side}{}", i % users),
                        password: "pw".into(),
                    },
                    token: format!("same-{i}"),
                    ttl: None,
                },
            );
            match r {
                Ok(_) => {
                    w2.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => assert_eq!((e.status(), e.code()), (400, "illegal_argument"), "{e}"),
            }
        }
    });
    check(&app);
    assert_eq!(
        wins.load(Ordering::Relaxed),
        rounds as u64,
        "each token string granted exactly once"
    );
    for i in 0..rounds {
        let who = app
            .query(
                &Actor::Anonymous,
                T0,
                ValidateToken {
                    token: format!("same-{i}"),
                },
            )
            .unwrap();
        let (a, b) = (format!("a{}", i % users), format!("b{}", i % users));
        assert!(
            who == Actor::User(n(&a)) || who == Actor::User(n(&b)),
            "{i}: {who:?}"
        );
    }
}

#[test]
fn a_password_change_revokes_tokens_granted_concurrently_with_the_old_password() {
    // Each round, one thread changes a user's password while another logs in with the old
    // one. Whichever order they run in, no token granted for the old password may survive the
    // change. The race is narrow: `PASSWORD_ROUNDS`, default 20 000.
    let app = new_app(Limits::default());
    let rounds: usize = std::env::var("PASSWORD_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    for i in 0..rounds {
        let u = format!("p{i}");
        app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new(&u, "old", &u)))
            .unwrap();
    }
    let barrier = Arc::new(Barrier::new(2));
    let shared = app.clone();
    run_threads(2, 120, move |t| {
        for i in 0..rounds {
            barrier.wait();
            if t == 0 {
                shared
                    .execute(
                        &Actor::Admin,
                        T0,
                        ChangePassword {
                            username: n(&format!("p{i}")),
                            new_password: "new".into(),
                        },
                    )
                    .unwrap();
            } else {
                let r = shared.execute(
                    &Actor::Anonymous,
                    T0,
                    IssueToken {
                        grant: GrantType::Password {
                            username: format!("p{i}"),
                            password: "old".into(),
                        },
                        token: format!("old-{i}"),
                        ttl: None,
                    },
                );
                if let Err(e) = r {
                    assert_eq!((e.status(), e.code()), (400, "invalid_grant"), "{e}");
                }
            }
        }
    });
    check(&app);
    for i in 0..rounds {
        let r = app.query(
            &Actor::Anonymous,
            T0,
            ValidateToken {
                token: format!("old-{i}"),
            },
        );
        assert!(
            r.is_err(),
            "round {i}: a token for the old password survived"
        );
    }
}

#[test]
fn batch_deletes_racing_with_duplicate_registrations_keep_the_user_count() {
    // Two threads register the same names at once (one of each pair loses); a third deletes
    // the oldest users in batches meanwhile. The loser of a race must never be seen, deleted
    // or counted.
    let app = new_app(Limits {
        users_max: Some(1_000),
        ..Limits::default()
    });
    let rounds: usize = std::env::var("DUP_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(2));
    let (shared, stop2) = (app.clone(), Arc::clone(&stop));
    run_threads(3, 120, move |t| {
        let now = T0;
        if t == 2 {
            while !stop2.load(Ordering::Acquire) {
                shared
                    .execute(&Actor::Admin, now, DeleteUsers { limit: Some(100) })
                    .unwrap();
            }
            return;
        }
        for i in 0..rounds {
            barrier.wait();
            let name = format!("d{}", i % 50);
            let r = shared.execute(
                &Actor::Admin,
                now,
                RegisterUser(NewUser::new(&name, "pw", &format!("{t}-{i}"))),
            );
            if let Err(e) = r {
                assert!(
                    matches!(
                        e.code(),
                        "duplicate_unique_property_exists" | "resource_limited"
                    ),
                    "{e}"
                );
            }
        }
        if t == 0 {
            stop2.store(true, Ordering::Release);
        }
    });
    check(&app);
    // No name is left stuck: each one is a live user or can be registered.
    for i in 0..50 {
        let name = format!("d{i}");
        let live = app
            .query(&Actor::Admin, T0, GetUser { username: n(&name) })
            .is_ok();
        let free = app
            .execute(
                &Actor::Admin,
                T0,
                RegisterUser(NewUser::new(&name, "pw", "late")),
            )
            .is_ok();
        assert!(live || free, "{name} is neither live nor free");
    }
    check(&app);
}

#[test]
fn concurrent_adds_stop_exactly_at_the_friend_and_block_caps() {
    // Four threads race to befriend and block one hub: exactly the caps' worth succeed.
    let cap = 50u32;
    let app = new_app(Limits {
        friends_max: Some(cap),
        ..Limits::default()
    });
    let per_thread = 150;
    let threads = 4;
    app.execute(
        &Actor::Admin,
        T0,
        RegisterUser(NewUser::new("hub", "pw", "hub")),
    )
    .unwrap();
    for t in 0..threads {
        let batch: Vec<NewUser> = (0..per_thread)
            .map(|i| {
                let u = format!("c{t}x{i}");
                NewUser::new(&u, "pw", &u)
            })
            .collect();
        for chunk in batch.chunks(60) {
            app.execute(&Actor::Admin, T0, RegisterUsers(chunk.to_vec()))
                .unwrap();
        }
    }
    let friends = Arc::new(AtomicU64::new(0));
    let blocks = Arc::new(AtomicU64::new(0));
    let (shared, f2, b2) = (app.clone(), Arc::clone(&friends), Arc::clone(&blocks));
    run_threads(threads, 60, move |t| {
        for i in 0..per_thread {
            let other = n(&format!("c{t}x{i}"));
            match shared.execute(
                &Actor::Admin,
                T0,
                AddFriend {
                    owner: other.clone(),
                    friend: n("hub"),
                },
            ) {
                Ok(_) => {
                    f2.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => assert_eq!((e.status(), e.code()), (403, "exceed_limit"), "{e}"),
            }
            match shared.execute(
                &Actor::Admin,
                T0,
                BlockUsers {
                    owner: n("hub"),
                    usernames: vec![other],
                },
            ) {
                Ok(_) => {
                    b2.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => assert_eq!((e.status(), e.code()), (403, "exceed_limit"), "{e}"),
            }
        }
    });
    assert_eq!(friends.load(Ordering::Relaxed), cap as u64);
    assert_eq!(blocks.load(Ordering::Relaxed), 500);
    let listed = app
        .query(&Actor::Admin, T0, ListFriends { owner: n("hub") })
        .unwrap();
    assert_eq!(listed.len(), cap as usize);
    let blocked = app
        .query(
            &Actor::Admin,
            T0,
            ListBlocks {
                owner: n("hub"),
                page_size: None,
                cursor: None,
            },
        )
        .unwrap();
    assert_eq!(blocked.items.len(), 500);
    check(&app);
}

#[test]
fn an_auto_create_that_loses_its_token_string_creates_nobody() {
    // Each round, two threads auto-create different users with an `inherit` grant for the same
    // token string. The loser's command fails and must leave no user behind: creation and
    // grant happen together or not at all.
    let app = new_app(Limits::default());
    let rounds: usize = std::env::var("INHERIT_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let barrier = Arc::new(Barrier::new(2));
    let shared = app.clone();
    run_threads(2, 120, move |t| {
        for i in 0..rounds {
            barrier.wait();
            let r = shared.execute(
                &Actor::Admin,
                T0,
                IssueToken {
                    grant: GrantType::Inherit {
                        username: format!("n{t}x{i}"),
                        auto_create: true,
                        uuid: format!("{t}-{i}"),
                    },
                    token: format!("shared-{i}"),
                    ttl: None,
                },
            );
            match r {
                Ok(out) => assert_eq!(
                    out.events,
                    vec![Event::UserRegistered {
                        user: n(&format!("n{t}x{i}"))
                    }]
                ),
                Err(e) => assert_eq!((e.status(), e.code()), (400, "illegal_argument"), "{e}"),
            }
        }
    });
    check(&app);
    for i in 0..rounds {
        let holder = app
            .query(
                &Actor::Anonymous,
                T0,
                ValidateToken {
                    token: format!("shared-{i}"),
                },
            )
            .unwrap();
        let live: Vec<bool> = (0..2)
            .map(|t| {
                app.query(
                    &Actor::Admin,
                    T0,
                    GetUser {
                        username: n(&format!("n{t}x{i}")),
                    },
                )
                .is_ok()
            })
            .collect();
        assert_eq!(
            live.iter().filter(|l| **l).count(),
            1,
            "round {i}: {live:?}"
        );
        let winner = if live[0] { 0 } else { 1 };
        assert_eq!(holder, Actor::User(n(&format!("n{winner}x{i}"))));
    }
}

#[test]
fn racing_auto_creates_of_one_name_both_get_a_token() {
    // Spec 01 §3: the engine serialises racing `inherit` auto-creates, so neither ever sees the
    // other's half-registered user as missing. Each round, two threads auto-create the same
    // name with different token strings: both must succeed, for the same user.
    let app = new_app(Limits::default());
    let rounds: usize = std::env::var("INHERIT_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000);
    let barrier = Arc::new(Barrier::new(2));
    let shared = app.clone();
    run_threads(2, 120, move |t| {
        for i in 0..rounds {
            barrier.wait();
            let out = shared
                .execute(
                    &Actor::Admin,
                    T0,
                    IssueToken {
                        grant: GrantType::Inherit {
                            username: format!("same{i}"),
                            auto_create: true,
                            uuid: format!("{t}-{i}"),
                        },
                        token: format!("t{t}-{i}"),
                        ttl: None,
                    },
                )
                .unwrap_or_else(|e| panic!("round {i}: {} {} {e}", e.status(), e.code()));
            assert_eq!(
                out.reply.user.map(|u| u.username),
                Some(n(&format!("same{i}")))
            );
        }
    });
    check(&app);
}
