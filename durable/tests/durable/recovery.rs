//! Recovery round trips: after a clean close (one snapshot, no log), after a crash (the log
//! replayed), after a crash following a snapshot (snapshot + the log after it), and with
//! concurrent writers; tokens survive; the host's values are kept; a closed app refuses
//! commands; an in-memory app logs nothing.

use std::collections::BTreeMap;

use imcore::*;
use imcore_durable::{DataDir, Durable, Error, ExecError};

use crate::common::*;

#[test]
fn a_clean_close_leaves_one_snapshot_and_no_log_and_reopens_to_the_same_state() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 40);
    drop(app);
    dir.close().unwrap();
    assert_eq!(snapshots(t.path()).len(), 1);
    assert!(segments(t.path()).is_empty(), "the log is dropped");

    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 0);
    assert_eq!(app.recovery().snapshot.as_ref().unwrap().1, 40);
    assert_eq!(snapshot(app.app()), reference(40));
}

#[test]
fn after_a_crash_the_log_replays_to_the_same_state_and_new_commands_follow_on() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 30);
    drop(app);
    dir.abandon();
    assert!(snapshots(t.path()).is_empty());

    let (dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 30);
    assert_eq!(snapshot(app.app()), reference(30));
    run(&app, 30, 50);
    drop(app);
    dir.abandon();

    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 50);
    assert_eq!(snapshot(app.app()), reference(50));
}

#[test]
fn after_a_snapshot_only_the_log_after_it_is_replayed() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 20);
    app.snapshot().unwrap();
    run(&app, 20, 32);
    drop(app);
    dir.abandon();

    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().snapshot.as_ref().unwrap().1, 20);
    assert_eq!(app.recovery().replayed, 12);
    assert_eq!(snapshot(app.app()), reference(32));
}

#[test]
fn concurrent_writers_recover_to_a_byte_identical_snapshot() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    // Each thread registers its own users and befriends them: 8 threads at once.
    std::thread::scope(|s| {
        for th in 0..8u64 {
            let app = app.clone();
            s.spawn(move || {
                for i in 0..20u64 {
                    let n = th * 100 + i;
                    app.execute(
                        &Actor::Admin,
                        Timestamp(T0.0 + i as i64),
                        RegisterUser(NewUser::new(&format!("w{n}"), "pw", "id")),
                    )
                    .unwrap();
                    if i > 0 {
                        app.execute(
                            &Actor::Admin,
                            T0,
                            AddFriend {
                                owner: UserName::parse(&format!("w{n}")).unwrap(),
                                friend: UserName::parse(&format!("w{}", n - 1)).unwrap(),
                            },
                        )
                        .unwrap();
                    }
                }
            });
        }
    });
    let live = snapshot(app.app());
    drop(app);
    dir.abandon();
    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 8 * 39);
    assert_eq!(snapshot(app.app()), live);
    imcore::invariants::check(app.app()).unwrap();
}

#[test]
fn tokens_stay_valid_across_restarts_until_they_expire() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    app.execute(
        &Actor::Admin,
        T0,
        SetCredentials(Credentials {
            client_id: "id".into(),
            client_secret: "secret".into(),
        }),
    )
    .unwrap();
    app.execute(
        &Actor::Anonymous,
        T0,
        IssueToken {
            grant: GrantType::ClientCredentials {
                client_id: "id".into(),
                client_secret: "secret".into(),
            },
            token: "app-token".into(),
            ttl: Some(Millis::from_secs(3600)),
        },
    )
    .unwrap();
    drop(app);
    dir.abandon(); // a crash: the log has the token

    let validate = |app: &Durable, at: Timestamp| {
        app.query(
            &Actor::Anonymous,
            at,
            ValidateToken {
                token: "app-token".into(),
            },
        )
    };
    let (dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(validate(&app, T0).unwrap(), Actor::Admin);
    drop(app);
    dir.close().unwrap(); // a clean stop: the snapshot has it

    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(
        validate(&app, Timestamp(T0.0 + 1000)).unwrap(),
        Actor::Admin
    );
    assert!(
        validate(&app, Timestamp(T0.0 + 3_600_001)).is_err(),
        "expired"
    );
}

#[test]
fn the_hosts_values_and_limits_are_kept_and_apps_are_listed() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::open(t.path(), options()).unwrap();
    let engine = Engine::new();
    let limits = Limits {
        friends_max: Some(3),
        ..Limits::default()
    };
    let host = BTreeMap::from([("uuid".to_string(), "abc".to_string())]);
    let app = dir
        .create_app(&engine, key(), limits.clone(), host.clone())
        .unwrap();
    assert!(matches!(
        dir.create_app(&Engine::new(), key(), Limits::default(), BTreeMap::new()),
        Err(Error::AppExists(_))
    ));
    let other = AppKey::new("acme", "other").unwrap();
    dir.create_app(&engine, other.clone(), Limits::default(), BTreeMap::new())
        .unwrap();
    drop(app);
    dir.close().unwrap();

    let dir = DataDir::open(t.path(), options()).unwrap();
    assert_eq!(dir.app_keys().unwrap(), vec![key(), other]);
    let engine = Engine::new();
    let app = dir.open_app(&engine, &key()).unwrap();
    assert_eq!(app.meta().host, host);
    assert_eq!(app.meta().limits, limits);
    assert_eq!(*app.app().limits(), limits);
    assert!(matches!(
        dir.open_app(&engine, &AppKey::new("no", "such").unwrap()),
        Err(Error::AppNotFound(_))
    ));
}

#[test]
fn a_closed_app_refuses_commands_and_still_answers_queries() {
    let t = tempfile::tempdir().unwrap();
    let (_dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 2);
    app.close().unwrap();
    app.close().unwrap();
    let e = app.execute(&Actor::Admin, T0, step(2)).unwrap_err();
    assert!(matches!(e, ExecError::Storage(Error::Closed)), "{e}");
    assert!(
        app.query(&Actor::Admin, T0, GetUser { username: user(0) })
            .is_ok()
    );
}

#[test]
fn refused_commands_are_not_logged() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 2);
    let e = app
        .execute(
            &Actor::Admin,
            T0,
            RegisterUser(NewUser::new("u0", "pw", "again")),
        )
        .unwrap_err();
    assert!(matches!(e, ExecError::Refused(_)));
    assert_eq!(app.stats().records, 2);
    drop(app);
    dir.abandon();
    let (_dir, _engine, app) = reopen(t.path(), options());
    assert_eq!(app.unwrap().recovery().replayed, 2);
}

#[test]
fn an_in_memory_app_runs_commands_and_logs_nothing() {
    let engine = Engine::new();
    let app = Durable::in_memory(engine.create_app(key(), Limits::default()).unwrap());
    run(&app, 0, 8);
    assert!(!app.is_logged());
    assert_eq!(app.stats(), Default::default());
    assert_eq!(snapshot(app.app()), reference(8));
    app.blobs().put("b", b"bytes").unwrap();
    assert_eq!(app.blobs().get("b").unwrap().unwrap(), b"bytes");
    app.close().unwrap();
}

#[test]
fn blobs_live_in_the_apps_directory_and_survive_a_restart() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    app.blobs().put("file-1", b"attachment bytes").unwrap();
    assert!(app_dir(t.path()).join("blobs").is_dir());
    drop(app);
    dir.abandon();
    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(
        app.blobs().get("file-1").unwrap().unwrap(),
        b"attachment bytes"
    );
}

#[test]
fn an_app_built_in_memory_is_adopted_with_a_snapshot_and_goes_on_durably() {
    let t = tempfile::tempdir().unwrap();
    let engine = Engine::new();
    let plain = engine.create_app(key(), Limits::default()).unwrap();
    for i in 0..10 {
        plain.execute_any(&Actor::Admin, T0, step(i)).unwrap();
    }
    let dir = DataDir::open(t.path(), options()).unwrap();
    let app = dir.adopt_app(&plain, BTreeMap::new()).unwrap();
    assert_eq!(snapshots(t.path()).len(), 1);
    assert!(matches!(
        dir.adopt_app(&plain, BTreeMap::new()),
        Err(Error::AppExists(_))
    ));
    run(&app, 10, 16);
    drop(app);
    dir.abandon();
    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 6);
    assert_eq!(snapshot(app.app()), reference(16));
}
