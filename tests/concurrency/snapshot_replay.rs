//! Snapshots and the command log: several writer threads run commands on one app, each
//! applied command logged with its position (`App::execute_logged`); replaying the log in
//! order on a fresh engine (keyed with another hash seed) gives the same replies and a
//! snapshot byte-identical to the live one; a snapshot restores to an app whose snapshot is
//! the same bytes and which goes on like the original.

use std::sync::{Arc, Mutex};

use imcore::groups::*;
use imcore::rooms::*;
use imcore::*;

use crate::fixture::T0;

/// A small deterministic generator (xorshift), one per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const USERS: u64 = 24;

fn name(i: u64) -> UserName {
    UserName::parse(&format!("u{i}")).unwrap()
}

/// One random command of every area, as the admin or as a user.
fn command(r: &mut Rng) -> (Actor, Command) {
    let a = name(r.below(USERS));
    let b = name(r.below(USERS));
    let group: GroupId = (1 + r.below(60)).to_string().into();
    let room = RoomId(1 + r.below(60));
    let admin = Actor::Admin;
    match r.below(14) {
        0 | 1 => (
            admin,
            RegisterUser(NewUser::new(a.as_str(), "pw", &format!("uuid-{a}"))).into(),
        ),
        2 => (admin, DeleteUser { username: a }.into()),
        3 | 4 => (
            Actor::User(a.clone()),
            AddFriend {
                owner: a,
                friend: b,
            }
            .into(),
        ),
        5 => (
            admin,
            BlockUsers {
                owner: a,
                usernames: vec![b],
            }
            .into(),
        ),
        6 => (
            admin,
            SetAttributes {
                username: a,
                pairs: vec![(format!("k{}", r.below(4)), "v".repeat(r.below(40) as usize))],
            }
            .into(),
        ),
        7 => (
            admin,
            CreateGroup {
                owner: Some(a),
                public: Some(r.below(2) == 0),
                members: vec![b],
                ..Default::default()
            }
            .into(),
        ),
        8 => (
            admin,
            AddGroupMember {
                group,
                user: a,
                need_notify: None,
            }
            .into(),
        ),
        9 => (
            admin,
            MuteGroupMembers {
                group,
                users: vec![a],
                duration_ms: 60_000,
            }
            .into(),
        ),
        10 => (
            admin,
            CreateRoom {
                name: Some("r".into()),
                owner: Some(a),
                ..Default::default()
            }
            .into(),
        ),
        11 => (
            Actor::User(a.clone()),
            JoinRoom {
                room,
                user: a,
                leave_other_rooms: false,
            }
            .into(),
        ),
        12 => (
            admin,
            SetGlobalMute {
                username: a,
                chat: Some(MuteValue::For(Millis(5_000))),
                groupchat: None,
                chatroom: None,
            }
            .into(),
        ),
        _ => (
            admin,
            IssueToken {
                grant: GrantType::Inherit {
                    username: a.to_string(),
                    auto_create: true,
                    uuid: "inherited".into(),
                },
                token: format!("t{}", r.next()),
                ttl: None,
            }
            .into(),
        ),
    }
}

/// One applied command: its log position and everything needed to run it again.
type Record = (u64, Actor, Timestamp, Command, Reply);

fn key() -> AppKey {
    AppKey::new("org", "app").unwrap()
}

fn snapshot(app: &App) -> Vec<u8> {
    use postcard::ser_flavors::Flavor;
    let mut ser = postcard::Serializer {
        output: postcard::ser_flavors::StdVec::new(),
    };
    app.snapshot(&mut ser).unwrap();
    ser.output.finalize().unwrap()
}

fn restore(engine: &Engine, bytes: &[u8]) -> std::result::Result<App, RestoreError> {
    engine.restore_app(&mut postcard::Deserializer::from_bytes(bytes))
}

/// Runs `per_thread` random commands on each of `threads` threads, logging the applied ones.
fn run_logged(app: &App, threads: u64, per_thread: usize) -> Vec<Record> {
    let log: Arc<Mutex<Vec<Record>>> = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for t in 0..threads {
            let log = Arc::clone(&log);
            s.spawn(move || {
                let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ (t + 1));
                for i in 0..per_thread {
                    let now = Timestamp(T0.0 + (i as i64) * 10);
                    let (actor, cmd) = command(&mut r);
                    let mut seq = 0;
                    if let Ok(out) = app.execute_logged(&actor, now, cmd.clone(), |s| seq = s) {
                        log.lock().unwrap().push((seq, actor, now, cmd, out.reply));
                    }
                }
            });
        }
    });
    let mut log = Arc::try_unwrap(log).unwrap().into_inner().unwrap();
    log.sort_by_key(|r| r.0);
    log
}

/// Replays records in order; every one must apply at its position with the same reply.
fn replay(app: &App, log: &[Record]) {
    for (seq, actor, now, cmd, reply) in log {
        let mut at = 0;
        let out = app
            .execute_logged(actor, *now, cmd.clone(), |s| at = s)
            .unwrap_or_else(|e| panic!("logged command {seq} failed on replay: {e}"));
        assert_eq!(at, *seq, "log position");
        assert_eq!(&out.reply, reply, "reply of command {seq}");
    }
}

#[test]
fn a_log_written_by_concurrent_writers_replays_to_a_byte_identical_snapshot() {
    let engine = Engine::with_hash_seed(1);
    let app = engine.create_app(key(), Limits::default()).unwrap();
    let log = run_logged(&app, 4, 600);
    assert!(log.len() > 500, "enough commands applied: {}", log.len());
    let positions: Vec<u64> = log.iter().map(|r| r.0).collect();
    assert_eq!(
        positions,
        (1..=log.len() as u64).collect::<Vec<_>>(),
        "positions are 1..=n, each once"
    );
    assert_eq!(app.applied(), log.len() as u64);
    imcore::invariants::check(&app).unwrap();

    // Another engine, another hash seed: the same bytes.
    let fresh = Engine::with_hash_seed(0xdead_beef);
    let copy = fresh.create_app(key(), Limits::default()).unwrap();
    replay(&copy, &log);
    let live = snapshot(&app);
    assert_eq!(snapshot(&copy), live);
}

#[test]
fn a_snapshot_restores_to_the_same_bytes_and_goes_on_like_the_original() {
    let engine = Engine::with_hash_seed(7);
    let app = engine.create_app(key(), Limits::default()).unwrap();
    let first = run_logged(&app, 2, 300);
    let bytes = snapshot(&app);

    let other = Engine::with_hash_seed(99);
    let restored = restore(&other, &bytes).unwrap();
    assert_eq!(restored.applied(), app.applied());
    assert_eq!(
        snapshot(&restored),
        bytes,
        "a restored app snapshots to the same bytes"
    );
    imcore::invariants::check(&restored).unwrap();

    // The same commands after the snapshot give the same replies and the same state: ids
    // continue from the snapshot's counter.
    let more = run_logged(&app, 1, 300);
    replay(&restored, &more);
    assert_eq!(snapshot(&restored), snapshot(&app));
    assert!(first.len() + more.len() > 300);

    // A second restore of the same key on one engine is refused.
    assert!(matches!(
        restore(&other, &bytes),
        Err(RestoreError::AppExists(_))
    ));
}

#[test]
fn damaged_or_foreign_snapshots_are_refused() {
    let engine = Engine::new();
    let app = engine.create_app(key(), Limits::default()).unwrap();
    run_logged(&app, 1, 200);
    let bytes = snapshot(&app);
    let e = Engine::new();
    assert!(matches!(restore(&e, b"\x01"), Err(RestoreError::Format(_))));
    assert!(matches!(
        restore(&e, &bytes[..bytes.len() / 2]),
        Err(RestoreError::Format(_))
    ));
    // The version is the first field (a varint): the current one → the next.
    let mut next = bytes.clone();
    assert_eq!(u32::from(next[0]), SNAPSHOT_VERSION);
    next[0] += 1;
    assert_eq!(
        restore(&e, &next).unwrap_err(),
        RestoreError::Version(SNAPSHOT_VERSION + 1)
    );
    assert!(e.app_keys().is_empty(), "nothing refused was registered");
    assert!(restore(&e, &bytes).is_ok());
}
