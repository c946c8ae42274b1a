//! The optional send rates (spec 03 §4.2 step 10): off by default; on per app, fixed windows on
//! `now` — one-to-one messages per minute (a send to N users counts N), group and room sends
//! per second (each target counts one), directed sends per second — at n-1, n, n+1; the next
//! window starts afresh; a refused send counts nothing.

use crate::fixture::messages::*;
use imcore::groups::*;
use imcore::messages::*;
use imcore::*;

const REACH: &str = "message send reach limit";

/// The ms offset from `T0` where the next minute starts (windows are `now / length`).
fn next_minute() -> i64 {
    60_000 - T0.0.rem_euclid(60_000)
}

fn next_second() -> i64 {
    1000 - T0.0.rem_euclid(1000)
}

#[track_caller]
fn reach<T: std::fmt::Debug>(r: Result<T>) {
    let e = r.expect_err("expected the rate limit");
    assert_eq!((e.status(), e.code()), (403, "message_send_error"), "{e:?}");
    assert_eq!(e.to_string(), REACH);
}

fn rated(f: impl FnOnce(&mut SendRateLimits)) -> App {
    app_with(
        |l| {
            l.send_rates.enabled = true;
            f(&mut l.send_rates);
        },
        &["a", "b", "c", "d"],
    )
}

#[test]
fn off_by_default() {
    let app = app(&["a", "b"]);
    for _ in 0..30 {
        ok(&app, &Actor::Admin, txt(ChatType::Chat, Some("a"), &["b"]));
    }
}

#[test]
fn one_to_one_messages_per_minute_count_each_target() {
    let app = rated(|m| m.users_per_minute_max = 3);
    let send =
        |ms: i64, to: &[&str]| run_at(&app, &Actor::Admin, ms, txt(ChatType::Chat, Some("a"), to));
    // Start at a window's first ms, so the whole test stays in it until `next_minute()`.
    let w = next_minute();
    send(w, &["b", "c"]).unwrap(); // 2 (n-1)
    // Duplicates count once; 3 (n).
    send(w + 1, &["d", "D"]).unwrap();
    reach(send(w + 2, &["b"])); // 4 (n+1)
    // A refused send counted nothing; nor does one refused by validation.
    assert!(
        run_at(
            &app,
            &Actor::Admin,
            w + 3,
            SendMessage::text(ChatType::Chat, Some(""), &["b"], "x")
        )
        .is_err()
    );
    reach(send(w + 59_999, &["b"]));
    // The next minute starts afresh.
    send(w + 60_000, &["b", "c", "d"]).unwrap();
    reach(send(w + 60_001, &["b"]));
}

#[test]
fn group_room_and_directed_sends_per_second() {
    let app = rated(|m| {
        m.groups_per_second_max = 2;
        m.rooms_per_second_max = 1;
        m.directed_per_second_max = 1;
    });
    let g = ok(
        &app,
        &Actor::Admin,
        CreateGroup {
            owner: Some(n("a")),
            public: Some(true),
            members: vec![n("b"), n("c")],
            ..Default::default()
        },
    )
    .group_id;
    let w = next_second();
    let gsend = |ms: i64| {
        run_at(
            &app,
            &Actor::Admin,
            ms,
            txt(ChatType::GroupChat, Some("a"), &[g.as_str()]),
        )
    };
    gsend(w).unwrap(); // 1 (n-1)
    gsend(w + 1).unwrap(); // 2 (n)
    reach(gsend(w + 999)); // 3 (n+1)
    gsend(w + 1000).unwrap();
    // Directed sends have their own window.
    let mut d = txt(ChatType::GroupChat, Some("a"), &[g.as_str()]);
    d.users = Some(vec!["b".into()]);
    run_at(&app, &Actor::Admin, w + 1001, d.clone()).unwrap();
    reach(run_at(&app, &Actor::Admin, w + 1002, d.clone()));
    gsend(w + 1003).unwrap();
    // Rooms: one a second.
    let r = ok(
        &app,
        &Actor::Admin,
        imcore::rooms::CreateRoom {
            name: Some("r".into()),
            description: Some("d".into()),
            owner: Some(n("a")),
            members: Some(vec![n("b")]),
            ..Default::default()
        },
    );
    let rsend = |ms: i64| {
        run_at(
            &app,
            &Actor::Admin,
            ms,
            txt(ChatType::ChatRoom, Some("a"), &[r.to_string().as_str()]),
        )
    };
    rsend(w + 2000).unwrap();
    reach(rsend(w + 2999));
    rsend(w + 3000).unwrap();
}
