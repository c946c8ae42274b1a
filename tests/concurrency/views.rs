//! `App::read`: a batch of queries on one view of the app. Each answers what `App::query`
//! answers at the same state (answers and errors), and a command started while a view is
//! open applies only after the view is closed, so every query of one view sees one state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::fixture::T0;
use imcore::messages::{MayMessage, MayMessageById, Origin};
use imcore::*;

fn n(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

/// Six users; u0 friends with u1 and u2, u3 blocks u0, u4 blocks u5; u5's handle then goes
/// stale (deleted and registered again).
fn app() -> (App, Vec<UserId>) {
    let app = Engine::new()
        .create_app(AppKey::new("org", "views").unwrap(), Limits::default())
        .unwrap();
    let names: Vec<UserName> = (0..6).map(|i| n(&format!("u{i}"))).collect();
    let new = names
        .iter()
        .map(|u| NewUser::new(u.as_str(), "pw", &format!("uuid-{u}")))
        .collect();
    app.execute(&Actor::Admin, T0, RegisterUsers(new)).unwrap();
    for f in ["u1", "u2"] {
        app.execute(
            &Actor::Admin,
            T0,
            AddFriend {
                owner: n("u0"),
                friend: n(f),
            },
        )
        .unwrap();
    }
    for (o, x) in [("u3", "u0"), ("u4", "u5")] {
        app.execute(
            &Actor::Admin,
            T0,
            BlockUsers {
                owner: n(o),
                usernames: vec![n(x)],
            },
        )
        .unwrap();
    }
    let mut ids: Vec<UserId> = names
        .iter()
        .map(|u| {
            app.query(
                &Actor::Admin,
                T0,
                LookupUser {
                    username: u.clone(),
                },
            )
            .unwrap()
        })
        .collect();
    // A stale handle: u5 deleted (its old handle kept) and registered again.
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("u5") })
        .unwrap();
    app.execute(
        &Actor::Admin,
        T0,
        RegisterUser(NewUser::new("u5", "pw", "uuid-u5b")),
    )
    .unwrap();
    ids.push(
        app.query(&Actor::Admin, T0, LookupUser { username: n("u5") })
            .unwrap(),
    );
    (app, ids)
}

#[test]
fn a_view_answers_each_query_as_app_query_does() {
    let (app, ids) = app();
    let actors = [Actor::Admin, Actor::User(n("u0")), Actor::Anonymous];
    let mut checked = 0;
    app.read(|v| {
        for actor in &actors {
            for &a in &ids {
                for &b in &ids {
                    let q = AreFriendsById { a, b };
                    assert_eq!(
                        v.query(actor, T0, q.clone()),
                        app.query(actor, T0, q),
                        "AreFriendsById {a:?} {b:?} as {actor:?}"
                    );
                    let q = IsBlockedById { owner: a, other: b };
                    assert_eq!(v.query(actor, T0, q.clone()), app.query(actor, T0, q));
                    let q = MayMessageById {
                        origin: Origin::Client,
                        from: Some(a),
                        to: b,
                    };
                    assert_eq!(v.query(actor, T0, q.clone()), app.query(actor, T0, q));
                    checked += 3;
                }
            }
            for i in 0..7 {
                for j in 0..7 {
                    let (a, b) = (n(&format!("u{i}")), n(&format!("u{j}")));
                    let q = MayMessage {
                        origin: Origin::Server,
                        from: Some(a.clone()),
                        to: b.clone(),
                    };
                    assert_eq!(v.query(actor, T0, q.clone()), app.query(actor, T0, q));
                    let q = Query::from(AreFriends { a, b });
                    assert_eq!(
                        v.query_any(actor, T0, q.clone()),
                        app.query_any(actor, T0, q)
                    );
                    checked += 2;
                }
            }
        }
    });
    assert_eq!(checked, 3 * (7 * 7 * 3 + 7 * 7 * 2));
    // The answers are not all alike: friends, a block, a refusal and an error are among them.
    app.read(|v| {
        let q = |a: usize, b: usize| {
            v.query(
                &Actor::Admin,
                T0,
                AreFriendsById {
                    a: ids[a],
                    b: ids[b],
                },
            )
        };
        assert_eq!(q(0, 1), Ok(true));
        assert_eq!(q(1, 0), Ok(true));
        assert_eq!(q(0, 3), Ok(false));
        assert!(
            v.query(
                &Actor::Admin,
                T0,
                IsBlockedById {
                    owner: ids[3],
                    other: ids[0]
                }
            )
            .unwrap()
        );
        let e = v
            .query(
                &Actor::Anonymous,
                T0,
                AreFriendsById {
                    a: ids[0],
                    b: ids[1],
                },
            )
            .unwrap_err();
        assert_eq!(e.status(), 401);
    });
}

#[test]
fn a_command_started_during_a_view_applies_after_it() {
    let (app, ids) = app();
    let closed = AtomicBool::new(false);
    std::thread::scope(|s| {
        app.read(|v| {
            let writer = s.spawn(|| {
                app.execute(
                    &Actor::Admin,
                    T0,
                    AddFriend {
                        owner: n("u3"),
                        friend: n("u4"),
                    },
                )
                .unwrap();
                // The command could apply only once the view below was closed.
                assert!(closed.load(Ordering::SeqCst), "applied inside the view");
            });
            // Give the writer time to reach the lock; whatever the timing, the view must see
            // the state it opened on.
            std::thread::sleep(Duration::from_millis(50));
            let friends = v
                .query(
                    &Actor::Admin,
                    T0,
                    AreFriendsById {
                        a: ids[3],
                        b: ids[4],
                    },
                )
                .unwrap();
            assert!(!friends, "the view saw a command applied after it opened");
            assert!(!writer.is_finished());
            closed.store(true, Ordering::SeqCst);
        });
    });
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            AreFriendsById {
                a: ids[3],
                b: ids[4]
            }
        ),
        Ok(true)
    );
}
