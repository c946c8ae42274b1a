//! Timers with a fake clock (the design's `next_expiry()`/`expire(now)`): global mutes and
//! presence subscriptions lapse through `Expire` exactly once, at the right `now`, never
//! early; `next_expiry` names the earliest lapse and moves when state is set, moved or
//! lifted; reads never depend on the timer; `Expire` is a command (admin only, replayable);
//! one call applies at most `EXPIRE_BATCH_MAX` lapses.

use crate::fixture::users::*;
use imcore::limits::EXPIRE_BATCH_MAX;
use imcore::*;

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn mute(
    app: &App,
    who: &str,
    chat: Option<MuteValue>,
    groupchat: Option<MuteValue>,
    now: Timestamp,
) {
    app.execute(
        &Actor::Admin,
        now,
        SetGlobalMute {
            username: n(who),
            chat,
            groupchat,
            chatroom: None,
        },
    )
    .unwrap();
}

fn expire(app: &App, now: Timestamp) -> Vec<Event> {
    let out = app.expire(now).unwrap();
    assert_eq!(out.reply, out.events.len());
    check(app);
    out.events
}

fn listed(app: &App, now: Timestamp) -> usize {
    app.query(&Actor::Admin, now, ListGlobalMutes::default())
        .unwrap()
        .len()
}

#[test]
fn a_global_mute_lapses_once_at_its_instant() {
    let app = app();
    reg(&app, "a");
    assert_eq!(app.next_expiry(), None, "nothing timed");
    mute(
        &app,
        "a",
        Some(MuteValue::For(Millis(10_000))),
        Some(MuteValue::Forever),
        T0,
    );
    assert_eq!(
        app.next_expiry(),
        Some(at(10_000)),
        "a mute forever has no deadline"
    );
    // None early.
    assert!(expire(&app, at(9_999)).is_empty());
    assert_eq!(listed(&app, at(9_999)), 2);
    // Exactly at the instant.
    assert_eq!(
        expire(&app, at(10_000)),
        vec![Event::MuteExpired {
            user: n("a"),
            scope: MuteScope::Chat
        }]
    );
    // Exactly once.
    assert!(expire(&app, at(10_000)).is_empty());
    assert!(expire(&app, at(99_000)).is_empty());
    assert_eq!(app.next_expiry(), None);
    let v = app
        .query(
            &Actor::Admin,
            at(10_000),
            GetGlobalMute { username: n("a") },
        )
        .unwrap();
    assert_eq!((v.chat, v.groupchat), (None, Some(Remaining::Forever)));
    // Lifting the last mute drops the user from the list's index.
    mute(&app, "a", None, Some(MuteValue::Lift), at(10_000));
    assert_eq!(listed(&app, at(10_000)), 0);
    assert_eq!(
        app.query(&Actor::Admin, at(10_000), ExportUser { username: n("a") })
            .unwrap()
            .mutes,
        ExportedMutes::default()
    );
}

#[test]
fn the_index_keeps_no_lapsed_entries_once_expired() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    mute(&app, "a", Some(MuteValue::For(Millis(1_000))), None, T0);
    mute(
        &app,
        "b",
        Some(MuteValue::For(Millis(1_000))),
        Some(MuteValue::For(Millis(1_000))),
        T0,
    );
    // Reads decide against now, before and after the timer runs.
    assert_eq!(listed(&app, at(1_000)), 0);
    assert!(
        !app.query(
            &Actor::Admin,
            at(1_000),
            IsGloballyMuted {
                username: n("a"),
                scope: MuteScope::Chat
            }
        )
        .unwrap()
    );
    let ev = expire(&app, at(5_000));
    assert_eq!(
        ev,
        vec![
            Event::MuteExpired {
                user: n("a"),
                scope: MuteScope::Chat
            },
            Event::MuteExpired {
                user: n("b"),
                scope: MuteScope::Chat
            },
            Event::MuteExpired {
                user: n("b"),
                scope: MuteScope::GroupChat
            },
        ],
        "same instant: by user, then scope"
    );
    // The invariant checker (run by `expire`) verifies the index is empty and exact; the
    // export shows nothing left.
    for u in ["a", "b"] {
        let ex = app
            .query(&Actor::Admin, at(5_000), ExportUser { username: n(u) })
            .unwrap();
        assert_eq!(ex.mutes, ExportedMutes::default());
    }
}

#[test]
fn moving_or_lifting_before_the_instant_reports_nothing_then() {
    let app = app();
    reg(&app, "a");
    mute(&app, "a", Some(MuteValue::For(Millis(1_000))), None, T0);
    // Moved later: nothing at the old instant, one event at the new one.
    mute(&app, "a", Some(MuteValue::For(Millis(5_000))), None, T0);
    assert_eq!(app.next_expiry(), Some(at(5_000)));
    assert!(expire(&app, at(1_000)).is_empty());
    assert_eq!(expire(&app, at(5_000)).len(), 1);
    // Lifted: never reported.
    mute(
        &app,
        "a",
        Some(MuteValue::For(Millis(1_000))),
        None,
        at(5_000),
    );
    mute(&app, "a", Some(MuteValue::Lift), None, at(5_500));
    assert_eq!(app.next_expiry(), None);
    assert!(expire(&app, at(10_000)).is_empty());
    // Forever: never reported.
    mute(&app, "a", Some(MuteValue::Forever), None, at(10_000));
    assert_eq!(app.next_expiry(), None);
    // Deleting the user drops their deadlines.
    mute(
        &app,
        "a",
        None,
        Some(MuteValue::For(Millis(1_000))),
        at(10_000),
    );
    app.execute(&Actor::Admin, at(10_000), DeleteUser { username: n("a") })
        .unwrap();
    assert_eq!(app.next_expiry(), None);
    assert!(expire(&app, at(99_000)).is_empty());
}

#[test]
fn a_subscription_lapses_once_at_its_second() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let now = at(1_500);
    app.execute(
        &Actor::Admin,
        now,
        SubscribePresence {
            username: n("a"),
            duration: Millis::from_secs(3),
            usernames: vec![n("b"), n("ghost")],
        },
    )
    .unwrap();
    let due = Timestamp((now.0 / 1000 + 3) * 1000);
    assert_eq!(app.next_expiry(), Some(due));
    assert!(expire(&app, Timestamp(due.0 - 1)).is_empty());
    assert_eq!(
        expire(&app, due),
        vec![
            Event::SubscriptionExpired {
                subscriber: n("a"),
                target: n("b")
            },
            Event::SubscriptionExpired {
                subscriber: n("a"),
                target: n("ghost")
            },
        ]
    );
    assert!(expire(&app, due).is_empty());
    assert_eq!(app.next_expiry(), None);
    let ex = app
        .query(&Actor::Admin, due, ExportUser { username: n("a") })
        .unwrap();
    assert!(ex.presence.subscriptions.is_empty());
}

#[test]
fn next_expiry_is_the_earliest_of_every_kind() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    mute(&app, "a", Some(MuteValue::For(Millis(9_000))), None, T0);
    app.execute(
        &Actor::Admin,
        T0,
        SubscribePresence {
            username: n("b"),
            duration: Millis::from_secs(4),
            usernames: vec![n("a")],
        },
    )
    .unwrap();
    assert_eq!(app.next_expiry(), Some(at(4_000)));
    assert_eq!(
        app.query(&Actor::Admin, T0, NextExpiry).unwrap(),
        Some(at(4_000))
    );
    assert_err(app.query(&user("a"), T0, NextExpiry), 401, "unauthorized");
    // Everything due at once, earliest first.
    let ev = expire(&app, at(60_000));
    assert!(matches!(ev[0], Event::SubscriptionExpired { .. }), "{ev:?}");
    assert!(matches!(ev[1], Event::MuteExpired { .. }), "{ev:?}");
    assert_eq!(app.next_expiry(), None);
}

#[test]
fn expire_is_an_admin_command_that_replays() {
    let app = app();
    reg(&app, "a");
    assert_err(app.execute(&user("a"), T0, Expire), 401, "unauthorized");
    mute(&app, "a", Some(MuteValue::For(Millis(1_000))), None, T0);
    let out = app
        .execute_any(&Actor::Admin, at(1_000), Command::Expire(Expire))
        .unwrap();
    assert_eq!(out.reply, Reply::Expire(1));
    // The same commands at the same nows on a fresh app give the same events.
    let again = crate::fixture::users::app();
    reg(&again, "a");
    mute(&again, "a", Some(MuteValue::For(Millis(1_000))), None, T0);
    let out2 = again
        .execute_any(&Actor::Admin, at(1_000), Command::Expire(Expire))
        .unwrap();
    assert_eq!(out.events, out2.events);
}

#[test]
fn one_call_applies_at_most_the_batch_cap() {
    let app = app();
    let names = reg_many(&app, "m", EXPIRE_BATCH_MAX / 3 + 1);
    for u in &names {
        app.execute(
            &Actor::Admin,
            T0,
            SetGlobalMute {
                username: u.clone(),
                chat: Some(MuteValue::For(Millis(1))),
                groupchat: Some(MuteValue::For(Millis(1))),
                chatroom: Some(MuteValue::For(Millis(1))),
            },
        )
        .unwrap();
    }
    let total = names.len() * 3;
    assert!(total > EXPIRE_BATCH_MAX);
    let first = app.expire(at(1)).unwrap();
    assert_eq!(first.reply, EXPIRE_BATCH_MAX);
    assert_eq!(app.next_expiry(), Some(at(1)), "the rest is still due");
    let second = app.expire(at(1)).unwrap();
    assert_eq!(second.reply, total - EXPIRE_BATCH_MAX);
    assert_eq!(app.next_expiry(), None);
    check(&app);
}
