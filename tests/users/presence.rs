//! Presence (spec 01 §13): statuses per resource, `ext`, `last_time` from sessions;
//! subscriptions with their expiry, the 100-name lists, the 3000/3000 caps with eviction of
//! the least time left; get, unsubscribe, the subscription list and its paging;
//! `PresenceChanged` to live subscribers; the `presence_enabled` switch. Every error string,
//! in check order, and every cap at n-1, n, n+1.

use crate::fixture::users::*;
use imcore::limits::{
    PRESENCE_EXT_BYTES_MAX, PRESENCE_NAMES_MAX, PRESENCE_RESOURCES_MAX, PRESENCE_STATUS_BYTES_MAX,
    PRESENCE_SUBLIST_PAGE_MAX, PRESENCE_SUBSCRIBERS_MAX, PRESENCE_SUBSCRIPTIONS_MAX,
};
use imcore::*;

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn set(
    app: &App,
    actor: &Actor,
    who: &str,
    res: &str,
    status: &str,
    ext: Option<&str>,
) -> Result<Output<()>> {
    app.execute(
        actor,
        T0,
        SetPresence {
            username: n(who),
            resource: res.into(),
            status: status.into(),
            ext: ext.map(Into::into),
        },
    )
}

fn names(v: &[&str]) -> Vec<UserName> {
    v.iter().map(|s| n(s)).collect()
}

fn sub_at(
    app: &App,
    who: &str,
    secs: u64,
    targets: Vec<UserName>,
    now: Timestamp,
) -> Result<Output<Vec<PresenceSubscribed>>> {
    app.execute(
        &Actor::Admin,
        now,
        SubscribePresence {
            username: n(who),
            duration: Millis::from_secs(secs),
            usernames: targets,
        },
    )
}

fn sub(
    app: &App,
    who: &str,
    secs: u64,
    targets: &[&str],
) -> Result<Output<Vec<PresenceSubscribed>>> {
    sub_at(app, who, secs, names(targets), T0)
}

fn get(app: &App, who: &str, targets: &[&str]) -> Result<Vec<PresenceView>> {
    app.query(
        &Actor::Admin,
        T0,
        GetPresence {
            username: n(who),
            usernames: names(targets),
        },
    )
}

fn sublist_at(
    app: &App,
    who: &str,
    page_num: Option<u32>,
    page_size: Option<u32>,
    now: Timestamp,
) -> Result<PresenceSubscriptionPage> {
    app.query(
        &Actor::Admin,
        now,
        ListPresenceSubscriptions {
            username: n(who),
            page_num,
            page_size,
        },
    )
}

fn all_subs(app: &App, who: &str, now: Timestamp) -> Vec<String> {
    sublist_at(app, who, Some(1), Some(PRESENCE_SUBLIST_PAGE_MAX), now)
        .unwrap()
        .sublist
        .into_iter()
        .map(|s| s.uid.to_string())
        .collect()
}

fn total(app: &App, who: &str, now: Timestamp) -> usize {
    sublist_at(app, who, None, None, now).unwrap().totalnum
}

/// `count` target names `<prefix>0`… (they need not be registered).
fn targets(prefix: &str, from: usize, count: usize) -> Vec<UserName> {
    (from..from + count)
        .map(|i| n(&format!("{prefix}{i}")))
        .collect()
}

/// Subscribes `who` to `count` targets, 100 per call.
fn sub_many(app: &App, who: &str, prefix: &str, count: usize, secs: u64) {
    for start in (0..count).step_by(PRESENCE_NAMES_MAX) {
        let k = PRESENCE_NAMES_MAX.min(count - start);
        sub_at(app, who, secs, targets(prefix, start, k), T0).unwrap();
    }
}

#[test]
fn set_records_status_ext_and_needs_no_session() {
    let app = app();
    reg(&app, "a");
    set(&app, &Actor::Admin, "a", "ios_1", "2", Some("busy")).unwrap();
    set(&app, &user("a"), "a", "web_1", "0", Some("")).unwrap();
    let v = get(&app, "a", &["a"]).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].uid, "a");
    assert_eq!(v[0].ext, "", "ext is per user: the last set wins");
    assert_eq!(
        v[0].status
            .iter()
            .map(|(r, s)| (r.as_str(), s.as_str()))
            .collect::<Vec<_>>(),
        vec![("ios_1", "2"), ("web_1", "0")]
    );
    assert_eq!(v[0].last_time, None, "set does not touch last_time");
    assert!(
        !app.query(&Actor::Admin, T0, IsOnline { username: n("a") })
            .unwrap()
    );
    check(&app);
}

#[test]
fn set_errors_in_check_order() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    // 2. another user's token (before every input check).
    let e = assert_err(
        set(&app, &user("b"), "a", "", "x", None),
        401,
        "unauthorized",
    );
    assert_eq!(e.to_string(), "principal not allowed");
    // 3. ext missing, before the other fields.
    assert_err_desc(
        set(&app, &Actor::Admin, "a", "", "x", None),
        400,
        "illegal_argument",
        "ext cannot be null",
    );
    // 4. ext over 1024 bytes (n-1, n, n+1).
    let big = "e".repeat(PRESENCE_EXT_BYTES_MAX + 1);
    assert_err_desc(
        set(&app, &Actor::Admin, "a", "", "x", Some(&big)),
        400,
        "illegal_argument",
        "ext is too big",
    );
    set(&app, &Actor::Admin, "a", "r", "1", Some(&big[1..])).unwrap();
    set(&app, &Actor::Admin, "a", "r", "1", Some(&big[2..])).unwrap();
    // 5. resource.
    for r in [String::new(), "r".repeat(129)] {
        assert_err_desc(
            set(&app, &Actor::Admin, "a", &r, "x", Some("")),
            400,
            "illegal_argument",
            "resource must be 1 to 128 bytes",
        );
    }
    set(&app, &Actor::Admin, "a", &"r".repeat(128), "1", Some("")).unwrap();
    // 6. status: a digit string of 1 to 32 bytes.
    let long = "1".repeat(PRESENCE_STATUS_BYTES_MAX + 1);
    for s in ["", "x", "1a", "-1", " 1", long.as_str()] {
        assert_err_desc(
            set(&app, &Actor::Admin, "zz", "r", s, Some("")),
            400,
            "illegal_argument",
            "status must be a digit string",
        );
    }
    set(&app, &Actor::Admin, "a", "r", &long[1..], Some("")).unwrap();
    // 7. unknown user, last.
    assert_err_desc(
        set(&app, &Actor::Admin, "zz", "r", "1", Some("")),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    check(&app);
}

#[test]
fn the_status_map_keeps_the_most_recent_resources() {
    let app = app();
    reg(&app, "a");
    for i in 0..PRESENCE_RESOURCES_MAX - 1 {
        set(&app, &Actor::Admin, "a", &format!("r{i}"), "1", Some("")).unwrap();
    }
    assert_eq!(
        get(&app, "a", &["a"]).unwrap()[0].status.len(),
        PRESENCE_RESOURCES_MAX - 1
    );
    set(&app, &Actor::Admin, "a", "r_n", "1", Some("")).unwrap();
    assert_eq!(
        get(&app, "a", &["a"]).unwrap()[0].status.len(),
        PRESENCE_RESOURCES_MAX
    );
    // Setting r0 again makes it the most recent; one more new resource then drops r1.
    set(&app, &Actor::Admin, "a", "r0", "2", Some("")).unwrap();
    set(&app, &Actor::Admin, "a", "r_n1", "1", Some("")).unwrap();
    let st = get(&app, "a", &["a"]).unwrap().remove(0).status;
    assert_eq!(st.len(), PRESENCE_RESOURCES_MAX);
    assert!(!st.contains_key("r1") && st["r0"] == "2" && st.contains_key("r_n1"));
    assert_eq!(st.keys().last().map(String::as_str), Some("r_n1"));
    check(&app);
}

#[test]
fn sessions_set_status_and_last_time() {
    let app = app();
    reg(&app, "a");
    let open_at = |res: &str, now: Timestamp| {
        app.execute(
            &Actor::Admin,
            now,
            OpenSession {
                username: n("a"),
                resource: res.into(),
                device_uuid: None,
                device_name: None,
            },
        )
        .unwrap()
    };
    open_at("ios_1", at(1_000));
    let v = get(&app, "a", &["a"]).unwrap().remove(0);
    assert_eq!(v.status["ios_1"], "1");
    assert_eq!(v.last_time, Some(at(1_000)));
    open_at("web_1", at(2_000));
    app.execute(
        &Actor::Admin,
        at(3_500),
        CloseSession {
            username: n("a"),
            resource: "ios_1".into(),
        },
    )
    .unwrap();
    let v = get(&app, "a", &["a"]).unwrap().remove(0);
    assert_eq!(
        (v.status["ios_1"].as_str(), v.status["web_1"].as_str()),
        ("0", "1")
    );
    assert_eq!(v.last_time, Some(at(3_500)));
    // Closing a resource that is not open changes nothing.
    app.execute(
        &Actor::Admin,
        at(9_000),
        CloseSession {
            username: n("a"),
            resource: "nope".into(),
        },
    )
    .unwrap();
    assert_eq!(
        get(&app, "a", &["a"]).unwrap()[0].last_time,
        Some(at(3_500))
    );
    // A forced logout, a disable and a password change close sessions too.
    app.execute(
        &Actor::Admin,
        at(10_000),
        ForceLogout {
            username: n("a"),
            resource: None,
        },
    )
    .unwrap();
    let v = get(&app, "a", &["a"]).unwrap().remove(0);
    assert_eq!(v.status["web_1"], "0");
    assert_eq!(v.last_time, Some(at(10_000)));
    open_at("web_1", at(11_000));
    app.execute(&Actor::Admin, at(12_000), DisableUser { username: n("a") })
        .unwrap();
    let v = get(&app, "a", &["a"]).unwrap().remove(0);
    assert_eq!(
        (v.status["web_1"].as_str(), v.last_time),
        ("0", Some(at(12_000)))
    );
    check(&app);
}

#[test]
fn presence_changed_goes_to_live_subscribers_only() {
    let app = app();
    for u in ["a", "b", "c", "d"] {
        reg(&app, u);
    }
    // Nobody subscribed: no event.
    let out = set(&app, &Actor::Admin, "a", "ios_1", "1", Some("x")).unwrap();
    assert!(out.events.is_empty());
    sub(&app, "c", 100, &["a"]).unwrap();
    sub(&app, "b", 10, &["a"]).unwrap();
    let out = set(&app, &Actor::Admin, "a", "ios_1", "5", Some("away")).unwrap();
    assert_eq!(
        out.events,
        vec![Event::PresenceChanged {
            user: n("a"),
            resource: "ios_1".into(),
            status: "5".into(),
            ext: "away".into(),
            subscribers: vec![n("c"), n("b")],
        }]
    );
    // b's subscription has lapsed at T0 + 10 s (even before Expire runs).
    let out = app
        .execute(
            &Actor::Admin,
            at(10_000),
            OpenSession {
                username: n("a"),
                resource: "web_2".into(),
                device_uuid: None,
                device_name: None,
            },
        )
        .unwrap();
    assert_eq!(
        out.events,
        vec![Event::PresenceChanged {
            user: n("a"),
            resource: "web_2".into(),
            status: "1".into(),
            ext: "away".into(),
            subscribers: vec![n("c")],
        }]
    );
    check(&app);
}

#[test]
fn subscribe_returns_presence_and_the_absolute_expiry() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    set(&app, &Actor::Admin, "b", "ios_1", "1", Some("hi")).unwrap();
    // The expiry is the whole second now_s + expiry.
    let now = at(1_234);
    let out = sub_at(&app, "a", 60, names(&["b", "ghost", "b"]), now).unwrap();
    assert!(out.events.is_empty());
    let want_exp = Timestamp((now.0 / 1000 + 60) * 1000);
    assert_eq!(out.reply.len(), 2, "repeats collapse: {:?}", out.reply);
    assert_eq!(out.reply[0].presence.uid, "b");
    assert_eq!(out.reply[0].presence.ext, "hi");
    assert_eq!(out.reply[0].presence.status["ios_1"], "1");
    assert_eq!(out.reply[0].expiry, want_exp);
    assert_eq!(
        out.reply[1].presence,
        PresenceView {
            uid: "ghost".into(),
            ..Default::default()
        }
    );
    assert_eq!(out.reply[1].expiry, want_exp);
    // Live until the expiry, then not.
    assert_eq!(total(&app, "a", Timestamp(want_exp.0 - 1)), 2);
    assert_eq!(total(&app, "a", want_exp), 0);
    // Subscribing again overwrites the expiry and keeps the order.
    sub_at(&app, "a", 10, names(&["b"]), now).unwrap();
    let page = sublist_at(&app, "a", Some(1), Some(10), now).unwrap();
    assert_eq!(
        page.sublist,
        vec![
            PresenceSubscription {
                uid: n("b"),
                expiry: Timestamp((now.0 / 1000 + 10) * 1000)
            },
            PresenceSubscription {
                uid: n("ghost"),
                expiry: want_exp
            },
        ]
    );
    check(&app);
}

#[test]
fn subscribe_errors_in_check_order_and_edges() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let as_b = |cmd: SubscribePresence| app.execute(&user("b"), T0, cmd);
    let cmd = |secs: u64, t: Vec<UserName>| SubscribePresence {
        username: n("a"),
        duration: Millis::from_secs(secs),
        usernames: t,
    };
    assert_err(as_b(cmd(0, vec![])), 401, "unauthorized");
    // Expiry: 1 s to 2 592 000 s.
    for secs in [0, 2_592_001] {
        assert_err_desc(
            app.execute(&Actor::Admin, T0, cmd(secs, vec![])),
            400,
            "illegal_argument",
            "expiry must be between 1 and 2592000 seconds",
        );
    }
    sub(&app, "a", 2_592_000, &["x"]).unwrap();
    sub(&app, "a", 2_591_999, &["x"]).unwrap();
    sub(&app, "a", 1, &["x"]).unwrap();
    assert_err_desc(
        sub(&app, "a", 10, &[]),
        400,
        "illegal_argument",
        "usernames is empty",
    );
    // 100 names per call (n-1, n, n+1).
    sub_at(&app, "a", 10, targets("t", 0, PRESENCE_NAMES_MAX - 1), T0).unwrap();
    sub_at(&app, "a", 10, targets("t", 0, PRESENCE_NAMES_MAX), T0).unwrap();
    let mut too_many = targets("t", 0, PRESENCE_NAMES_MAX + 1);
    assert_err_desc(
        sub_at(&app, "a", 10, too_many.clone(), T0),
        400,
        "illegal_argument",
        "too many sub presence",
    );
    too_many.truncate(3);
    too_many.push(n("a"));
    assert_err_desc(
        sub_at(&app, "a", 10, too_many, T0),
        400,
        "illegal_argument",
        "you can't sub yourself",
    );
    assert_err_desc(
        sub(&app, "nobody", 10, &["a"]),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    // A user may subscribe for themself.
    app.execute(
        &user("a"),
        T0,
        SubscribePresence {
            username: n("a"),
            duration: Millis::from_secs(5),
            usernames: names(&["b"]),
        },
    )
    .unwrap();
    check(&app);
}

#[test]
fn a_subscriber_holds_at_most_3000_dropping_the_least_time_left() {
    let app = app();
    reg(&app, "a");
    // 10 subscriptions of 10 s, the rest of 20 s: 2999 in all.
    sub_at(&app, "a", 10, targets("s", 0, 10), T0).unwrap();
    sub_many(&app, "a", "l", PRESENCE_SUBSCRIPTIONS_MAX - 11, 20);
    assert_eq!(total(&app, "a", T0), PRESENCE_SUBSCRIPTIONS_MAX - 1);
    sub_at(&app, "a", 30, vec![n("x0")], T0).unwrap();
    assert_eq!(total(&app, "a", T0), PRESENCE_SUBSCRIPTIONS_MAX);
    check(&app);
    // One more: it still succeeds, and the oldest of the least time left (s0) goes.
    let out = sub_at(&app, "a", 30, vec![n("x1")], T0).unwrap();
    assert_eq!(out.reply.len(), 1);
    assert_eq!(total(&app, "a", T0), PRESENCE_SUBSCRIPTIONS_MAX);
    let all = all_subs(&app, "a", T0);
    assert_eq!(all[0], "s1", "s0 was dropped");
    // Two more at once: s1 and s2 go.
    sub_at(&app, "a", 30, names(&["x2", "x3"]), T0).unwrap();
    let all = all_subs(&app, "a", T0);
    assert_eq!(all[0], "s3");
    // A new subscription with the least time left is itself the one dropped.
    sub_at(&app, "a", 1, vec![n("brief")], T0).unwrap();
    assert_eq!(total(&app, "a", T0), PRESENCE_SUBSCRIPTIONS_MAX);
    assert_eq!(all_subs(&app, "a", T0)[0], "s3");
    check(&app);
}

#[test]
fn a_target_has_at_most_3000_subscribers_dropping_the_least_time_left() {
    let app = app();
    let subs = reg_many(&app, "f", PRESENCE_SUBSCRIBERS_MAX + 1);
    reg(&app, "star");
    for (i, s) in subs.iter().take(PRESENCE_SUBSCRIBERS_MAX - 1).enumerate() {
        let secs = if i < 2 { 5 } else { 50 };
        sub_at(&app, s.as_str(), secs, names(&["star"]), T0).unwrap();
    }
    let n_subscribers = |app: &App| {
        let out = set(app, &Actor::Admin, "star", "r", "1", Some("")).unwrap();
        match out.events.as_slice() {
            [Event::PresenceChanged { subscribers, .. }] => subscribers.len(),
            e => panic!("{e:?}"),
        }
    };
    assert_eq!(n_subscribers(&app), PRESENCE_SUBSCRIBERS_MAX - 1);
    let last = subs[PRESENCE_SUBSCRIBERS_MAX - 1].as_str();
    sub_at(&app, last, 60, names(&["star"]), T0).unwrap();
    assert_eq!(n_subscribers(&app), PRESENCE_SUBSCRIBERS_MAX);
    // One more: f0 (5 s, the oldest of the least time left) loses its subscription.
    let extra = subs[PRESENCE_SUBSCRIBERS_MAX].as_str();
    sub_at(&app, extra, 60, names(&["star"]), T0).unwrap();
    assert_eq!(n_subscribers(&app), PRESENCE_SUBSCRIBERS_MAX);
    assert_eq!(total(&app, "f0", T0), 0);
    assert_eq!(total(&app, "f1", T0), 1);
    assert_eq!(total(&app, extra, T0), 1);
    check(&app);
}

#[test]
fn get_reads_any_name_up_to_100() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    set(&app, &Actor::Admin, "b", "ios_1", "1", Some("e")).unwrap();
    let v = get(&app, "a", &["b", "ghost", "b"]).unwrap();
    assert_eq!(v.len(), 3, "request order, repeats included");
    assert_eq!((v[0].uid.as_str(), v[0].ext.as_str()), ("b", "e"));
    assert_eq!(
        v[1],
        PresenceView {
            uid: "ghost".into(),
            ..Default::default()
        }
    );
    assert!(get(&app, "a", &[]).unwrap().is_empty());
    let ask = |k: usize| {
        app.query(
            &Actor::Admin,
            T0,
            GetPresence {
                username: n("a"),
                usernames: targets("t", 0, k),
            },
        )
    };
    assert_eq!(
        ask(PRESENCE_NAMES_MAX - 1).unwrap().len(),
        PRESENCE_NAMES_MAX - 1
    );
    assert_eq!(ask(PRESENCE_NAMES_MAX).unwrap().len(), PRESENCE_NAMES_MAX);
    assert_err_desc(
        ask(PRESENCE_NAMES_MAX + 1),
        400,
        "illegal_argument",
        "too many get presences",
    );
    assert_err(
        app.query(
            &user("b"),
            T0,
            GetPresence {
                username: n("a"),
                usernames: vec![],
            },
        ),
        401,
        "unauthorized",
    );
    assert_err_desc(
        get(&app, "nobody", &["a"]),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
}

#[test]
fn unsubscribe_removes_and_skips_unknown() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    sub(&app, "a", 100, &["b", "c", "d"]).unwrap();
    let unsub = |actor: &Actor, who: &str, t: Vec<UserName>| {
        app.execute(
            actor,
            T0,
            UnsubscribePresence {
                username: n(who),
                usernames: t,
            },
        )
    };
    let out = unsub(&Actor::Admin, "a", names(&["c", "never"])).unwrap();
    assert!(out.events.is_empty());
    assert_eq!(all_subs(&app, "a", T0), vec!["b", "d"]);
    unsub(&user("a"), "a", names(&["b"])).unwrap();
    assert_eq!(all_subs(&app, "a", T0), vec!["d"]);
    assert_err(unsub(&user("b"), "a", vec![]), 401, "unauthorized");
    assert_err_desc(
        unsub(&Actor::Admin, "a", vec![]),
        400,
        "illegal_argument",
        "usernames cannot be null",
    );
    unsub(&Actor::Admin, "a", targets("t", 0, PRESENCE_NAMES_MAX - 1)).unwrap();
    unsub(&Actor::Admin, "a", targets("t", 0, PRESENCE_NAMES_MAX)).unwrap();
    assert_err_desc(
        unsub(&Actor::Admin, "a", targets("t", 0, PRESENCE_NAMES_MAX + 1)),
        400,
        "illegal_argument",
        "too many unsub presences",
    );
    assert_err_desc(
        unsub(&Actor::Admin, "nobody", names(&["a"])),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    check(&app);
}

#[test]
fn sublist_pages_live_subscriptions_in_subscribe_order() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    sub(&app, "a", 100, &["t2", "t0"]).unwrap();
    sub(&app, "a", 5, &["t1"]).unwrap();
    // Default page: 1, size 1.
    let p = sublist_at(&app, "a", None, None, T0).unwrap();
    assert_eq!(p.totalnum, 3);
    assert_eq!(p.sublist.len(), 1);
    assert_eq!(p.sublist[0].uid, n("t2"));
    let p = sublist_at(&app, "a", Some(2), Some(2), T0).unwrap();
    assert_eq!(
        p.sublist.iter().map(|s| s.uid.as_str()).collect::<Vec<_>>(),
        vec!["t1"]
    );
    assert!(
        sublist_at(&app, "a", Some(9), Some(2), T0)
            .unwrap()
            .sublist
            .is_empty()
    );
    // Expired ones are not listed.
    let p = sublist_at(&app, "a", Some(1), Some(10), at(5_000)).unwrap();
    assert_eq!(p.totalnum, 2);
    // Page sizes 1..=500.
    sublist_at(&app, "a", Some(1), Some(PRESENCE_SUBLIST_PAGE_MAX - 1), T0).unwrap();
    sublist_at(&app, "a", Some(1), Some(PRESENCE_SUBLIST_PAGE_MAX), T0).unwrap();
    for size in [0, PRESENCE_SUBLIST_PAGE_MAX + 1] {
        assert_err_desc(
            sublist_at(&app, "a", Some(1), Some(size), T0),
            400,
            "illegal_argument",
            "pageSize must be between 1 and 500",
        );
    }
    assert_err_desc(
        sublist_at(&app, "a", Some(0), Some(1), T0),
        400,
        "illegal_argument",
        "pageNum must be >= 1",
    );
    // Unknown users and users with none: totalnum 0.
    assert_eq!(
        sublist_at(&app, "nobody", None, None, T0).unwrap(),
        PresenceSubscriptionPage::default()
    );
    assert_eq!(sublist_at(&app, "b", None, None, T0).unwrap().totalnum, 0);
    assert_err(
        app.query(
            &user("b"),
            T0,
            ListPresenceSubscriptions {
                username: n("a"),
                page_num: None,
                page_size: None,
            },
        ),
        401,
        "unauthorized",
    );
}

#[test]
fn presence_off_refuses_every_call_and_records_nothing() {
    let app = app_with(Limits {
        presence_enabled: false,
        ..Limits::default()
    });
    reg(&app, "a");
    let off = |r: Result<()>| {
        assert_err_desc(
            r,
            400,
            "service open exception",
            "the app not open presence",
        );
    };
    off(set(&app, &user("zz"), "a", "", "", None).map(|_| ()));
    off(sub(&app, "a", 0, &[]).map(|_| ()));
    off(app
        .execute(
            &Actor::Admin,
            T0,
            UnsubscribePresence {
                username: n("a"),
                usernames: vec![],
            },
        )
        .map(|_| ()));
    off(get(&app, "a", &[]).map(|_| ()));
    off(sublist_at(&app, "a", Some(0), None, T0).map(|_| ()));
    // Sessions record no presence.
    open(&app, "a", "ios_1").unwrap();
    let ex = app
        .query(&Actor::Admin, T0, ExportUser { username: n("a") })
        .unwrap();
    assert_eq!(ex.presence.statuses.len(), 0);
    assert_eq!(ex.presence.last_time, None);
    check(&app);
}

#[test]
fn presence_is_on_by_default_and_deleting_a_user_drops_their_subscriptions_both_ways() {
    assert!(Limits::default().presence_enabled);
    let app = app();
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    sub(&app, "a", 100, &["b", "c"]).unwrap();
    sub(&app, "b", 100, &["a", "c"]).unwrap();
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    assert_eq!(all_subs(&app, "b", T0), vec!["c"]);
    check(&app);
}
