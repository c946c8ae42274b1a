//! Push settings (spec 01 §15): the push nickname (one user and the batch), display style,
//! legacy do-not-disturb, notification settings (app level, per user, per group) with
//! `type`, `ignoreInterval` and `ignoreDuration`, language, template name, device bindings,
//! the push fields of the user view, and the push rule. Every error string, every default,
//! every cap at n-1, n, n+1.

use crate::fixture::users::*;
use imcore::limits::{
    NICKNAME_CHARS_MAX, NOTIFY_CONVERSATIONS_MAX, NOTIFY_IGNORE_MILLIS_MAX, PUSH_BINDINGS_MAX,
    PUSH_FIELD_BYTES_MAX, PUSH_NICKNAME_BATCH_MAX, PUSH_TOKEN_BYTES_MAX,
};
use imcore::*;

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn profile(who: &str) -> SetPushProfile {
    SetPushProfile {
        username: n(who),
        nickname: None,
        display_style: None,
        no_disturbing: None,
        no_disturbing_start: None,
        no_disturbing_end: None,
    }
}

fn exec<C: Exec>(app: &App, cmd: C) -> Result<C::Reply> {
    app.execute(&Actor::Admin, T0, cmd).map(|o| o.reply)
}

fn invalid<T: std::fmt::Debug>(r: Result<T>, field: &str) {
    assert_err_desc(
        r,
        400,
        "illegal_argument",
        &format!("parameters is invalid : {field}"),
    );
}

fn unknown<T: std::fmt::Debug>(r: Result<T>) {
    assert_err_desc(
        r,
        400,
        "required_property_not_found",
        "Entity user requires a property named username",
    );
}

fn notify(who: &str, key: NotifyKey) -> SetNotification {
    SetNotification {
        username: n(who),
        key,
        kind: None,
        ignore_interval: None,
        ignore_duration: None,
    }
}

fn me(who: &str) -> NotifyKey {
    NotifyKey::User(n(who))
}

fn group(g: &str) -> NotifyKey {
    NotifyKey::Group(GroupId::from(g))
}

fn get_notify(app: &App, who: &str, key: NotifyKey, now: Timestamp) -> NotifyView {
    app.query(
        &Actor::Admin,
        now,
        GetNotification {
            username: n(who),
            key,
        },
    )
    .unwrap()
}

#[test]
fn push_nickname_display_style_and_dnd_change_the_view_and_modified() {
    let app = app();
    reg(&app, "a");
    let v = app
        .execute(
            &user("a"),
            at(5),
            SetPushProfile {
                nickname: Some("Ann".into()),
                display_style: Some(1),
                ..profile("a")
            },
        )
        .unwrap()
        .reply;
    assert_eq!(v.nickname.as_deref(), Some("Ann"));
    assert_eq!(v.modified, at(5));
    assert_eq!(v.push.notification_display_style, Some(1));
    assert_eq!(
        v.push.notification_no_disturbing, None,
        "left out unless set"
    );
    let v = exec(
        &app,
        SetPushProfile {
            no_disturbing: Some(true),
            no_disturbing_start: Some(22),
            no_disturbing_end: Some(7),
            ..profile("a")
        },
    )
    .unwrap();
    assert_eq!(
        (
            v.push.notification_no_disturbing,
            v.push.notification_no_disturbing_start,
            v.push.notification_no_disturbing_end
        ),
        (Some(true), Some(22), Some(7))
    );
    assert_eq!(v.modified, T0);
    // Switched off: the hours stay, the switch says false.
    let v = exec(
        &app,
        SetPushProfile {
            no_disturbing: Some(false),
            ..profile("a")
        },
    )
    .unwrap();
    assert_eq!(v.push.notification_no_disturbing, Some(false));
    assert_eq!(v.push.notification_no_disturbing_start, Some(22));
    // On again with the stored hours.
    exec(
        &app,
        SetPushProfile {
            no_disturbing: Some(true),
            ..profile("a")
        },
    )
    .unwrap();
    // The view everywhere shows the fields; an empty nickname clears it.
    let v = exec(
        &app,
        SetPushProfile {
            nickname: Some(String::new()),
            ..profile("a")
        },
    )
    .unwrap();
    assert_eq!(v.nickname, None);
    let got = app
        .query(&Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    assert_eq!(got, v);
    // A call that changes nothing does not bump `modified`.
    let v = app
        .execute(&Actor::Admin, at(99), profile("a"))
        .unwrap()
        .reply;
    assert_eq!(v.modified, T0);
    check(&app);
}

#[test]
fn profile_errors_in_check_order_and_edges() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let long = "字".repeat(NICKNAME_CHARS_MAX + 1);
    assert_err(
        app.execute(
            &user("b"),
            T0,
            SetPushProfile {
                nickname: Some(long.clone()),
                ..profile("a")
            },
        ),
        401,
        "unauthorized",
    );
    assert_err_desc(
        exec(
            &app,
            SetPushProfile {
                nickname: Some(long.clone()),
                display_style: Some(9),
                ..profile("zz")
            },
        ),
        400,
        "illegal_argument",
        "NICKNAME_TOO_LONG",
    );
    let at_cap: String = long.chars().skip(1).collect();
    exec(
        &app,
        SetPushProfile {
            nickname: Some(at_cap.clone()),
            ..profile("a")
        },
    )
    .unwrap();
    exec(
        &app,
        SetPushProfile {
            nickname: Some(at_cap[3..].into()),
            ..profile("a")
        },
    )
    .unwrap();
    invalid(
        exec(
            &app,
            SetPushProfile {
                display_style: Some(2),
                no_disturbing_start: Some(24),
                ..profile("zz")
            },
        ),
        "notification_display_style",
    );
    exec(
        &app,
        SetPushProfile {
            display_style: Some(0),
            ..profile("a")
        },
    )
    .unwrap();
    invalid(
        exec(
            &app,
            SetPushProfile {
                no_disturbing_start: Some(24),
                no_disturbing_end: Some(24),
                ..profile("zz")
            },
        ),
        "notification_no_disturbing_start",
    );
    invalid(
        exec(
            &app,
            SetPushProfile {
                no_disturbing_end: Some(24),
                ..profile("zz")
            },
        ),
        "notification_no_disturbing_end",
    );
    exec(
        &app,
        SetPushProfile {
            no_disturbing_start: Some(23),
            no_disturbing_end: Some(22),
            ..profile("a")
        },
    )
    .unwrap();
    unknown(exec(
        &app,
        SetPushProfile {
            display_style: Some(1),
            ..profile("zz")
        },
    ));
    // On without hours (neither given nor set before): after the user is found.
    reg(&app, "c");
    invalid(
        exec(
            &app,
            SetPushProfile {
                no_disturbing: Some(true),
                ..profile("c")
            },
        ),
        "notification_no_disturbing_start",
    );
    invalid(
        exec(
            &app,
            SetPushProfile {
                no_disturbing: Some(true),
                no_disturbing_start: Some(1),
                ..profile("c")
            },
        ),
        "notification_no_disturbing_end",
    );
    let v = app
        .query(&Actor::Admin, T0, GetUser { username: n("c") })
        .unwrap();
    assert_eq!(
        v.push,
        PushFields::default(),
        "a refused call changed nothing"
    );
    check(&app);
}

fn nick(u: &str, p: &str) -> PushNickname {
    PushNickname {
        username: u.into(),
        push_nickname: p.into(),
    }
}

#[test]
fn batch_push_nicknames() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let out = app
        .execute(
            &Actor::Admin,
            at(7),
            SetPushNicknames(vec![
                nick("A", "x"),
                nick("ghost", "y"),
                nick("bad name", "z"),
                nick("b", "q"),
                nick("a", "w"),
            ]),
        )
        .unwrap()
        .reply;
    assert_eq!(out, vec![nick("a", "x"), nick("b", "q"), nick("a", "w")]);
    let v = app
        .query(&Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    assert_eq!((v.nickname.as_deref(), v.modified), (Some("w"), at(7)));
    // Sizes: 1..=50.
    let batch = |k: usize| SetPushNicknames((0..k).map(|_| nick("b", "n")).collect());
    exec(&app, batch(PUSH_NICKNAME_BATCH_MAX - 1)).unwrap();
    exec(&app, batch(PUSH_NICKNAME_BATCH_MAX)).unwrap();
    assert_err_desc(
        exec(&app, batch(PUSH_NICKNAME_BATCH_MAX + 1)),
        400,
        "illegal_argument",
        "put user push nicknames exceeds the limit",
    );
    assert_err_desc(
        exec(&app, SetPushNicknames(vec![])),
        400,
        "illegal_argument",
        "put user push nicknames illegal empty request body",
    );
    let long = "n".repeat(NICKNAME_CHARS_MAX + 1);
    assert_err_desc(
        exec(
            &app,
            SetPushNicknames(vec![
                nick("b", "ok"),
                nick("Ghost", &long),
                nick("a", &long),
            ]),
        ),
        400,
        "illegal_argument",
        "Ghost push nickname length exceeds the limit",
    );
    exec(&app, SetPushNicknames(vec![nick("b", &long[1..])])).unwrap();
    assert_err(
        app.execute(&user("a"), T0, SetPushNicknames(vec![nick("a", "x")])),
        401,
        "unauthorized",
    );
    check(&app);
}

#[test]
fn notification_defaults() {
    let app = app();
    reg(&app, "a");
    let app_level = get_notify(&app, "a", me("a"), T0);
    assert_eq!(
        app_level,
        NotifyView {
            kind: NotifyType::All,
            ignore_interval: String::new(),
            ignore_until: None,
        }
    );
    for key in [NotifyKey::User(n("b")), group("g1")] {
        assert_eq!(
            get_notify(&app, "a", key, T0),
            NotifyView {
                kind: NotifyType::Default,
                ignore_interval: String::new(),
                ignore_until: None,
            }
        );
    }
}

#[test]
fn notification_settings_per_app_user_and_group() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let v = exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::At),
            ignore_interval: Some("22:00-07:30".into()),
            ignore_duration: Some(60_000),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    assert_eq!(
        v,
        NotifyView {
            kind: NotifyType::At,
            ignore_interval: "22:00-07:30".into(),
            ignore_until: Some(at(60_000)),
        }
    );
    assert_eq!(get_notify(&app, "a", me("a"), T0), v);
    // The end time reads as 0 once passed.
    assert_eq!(
        get_notify(&app, "a", me("a"), at(60_000)).ignore_until,
        None
    );
    // Fields left out are unchanged; "" clears the interval; "00:00-00:00" is kept (off).
    let v = exec(
        &app,
        SetNotification {
            ignore_interval: Some(String::new()),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    assert_eq!((v.kind, v.ignore_interval.as_str()), (NotifyType::At, ""));
    let v = exec(
        &app,
        SetNotification {
            ignore_interval: Some("00:00-00:00".into()),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    assert_eq!(v.ignore_interval, "00:00-00:00");
    let v = exec(
        &app,
        SetNotification {
            ignore_duration: Some(0),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    assert_eq!(v.ignore_until, None);
    // Per peer and per group; the maximum duration.
    let v = exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::None),
            ignore_duration: Some(NOTIFY_IGNORE_MILLIS_MAX as i64),
            ..notify("a", NotifyKey::User(n("b")))
        },
    )
    .unwrap();
    assert_eq!(
        (v.kind, v.ignore_until),
        (NotifyType::None, Some(at(NOTIFY_IGNORE_MILLIS_MAX as i64)))
    );
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::All),
            ..notify("a", group("g1"))
        },
    )
    .unwrap();
    assert_eq!(get_notify(&app, "a", group("g1"), T0).kind, NotifyType::All);
    // Back to the defaults: the setting is dropped (and reads as the default).
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::Default),
            ..notify("a", group("g1"))
        },
    )
    .unwrap();
    assert_eq!(
        get_notify(&app, "a", group("g1"), T0).kind,
        NotifyType::Default
    );
    let ex = app
        .query(&Actor::Admin, T0, ExportUser { username: n("a") })
        .unwrap();
    assert_eq!(ex.push.conversations.len(), 1);
    check(&app);
}

#[test]
fn notification_errors_in_check_order() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let everything_bad = SetNotification {
        kind: Some(NotifyType::Default),
        ignore_interval: Some("bad".into()),
        ignore_duration: Some(-1),
        ..notify("zz", me("zz"))
    };
    assert_err(
        app.execute(
            &user("b"),
            T0,
            SetNotification {
                username: n("a"),
                ..everything_bad.clone()
            },
        ),
        401,
        "unauthorized",
    );
    invalid(exec(&app, everything_bad.clone()), "type");
    invalid(
        exec(
            &app,
            SetNotification {
                kind: None,
                ..everything_bad.clone()
            },
        ),
        "ignoreInterval",
    );
    invalid(
        exec(
            &app,
            SetNotification {
                ignore_interval: Some("00:00-01:00".into()),
                ..notify("zz", group("g"))
            },
        ),
        "ignoreInterval",
    );
    // `""` on a conversation is "no interval", what a conversation always has: taken.
    assert!(
        exec(
            &app,
            SetNotification {
                ignore_interval: Some(String::new()),
                ..notify("a", group("g"))
            },
        )
        .is_ok()
    );
    for d in [-1, NOTIFY_IGNORE_MILLIS_MAX as i64 + 1] {
        invalid(
            exec(
                &app,
                SetNotification {
                    ignore_duration: Some(d),
                    ..notify("zz", me("zz"))
                },
            ),
            "ignoreDuration",
        );
    }
    exec(
        &app,
        SetNotification {
            ignore_duration: Some(NOTIFY_IGNORE_MILLIS_MAX as i64 - 1),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    unknown(exec(&app, notify("zz", me("zz"))));
    unknown(app.query(
        &Actor::Admin,
        T0,
        GetNotification {
            username: n("zz"),
            key: me("zz"),
        },
    ));
    // The vendor's words and chat types parse with the engine's errors.
    for (w, t) in [
        ("DEFAULT", NotifyType::Default),
        ("ALL", NotifyType::All),
        ("AT", NotifyType::At),
        ("NONE", NotifyType::None),
    ] {
        assert_eq!(w.parse::<NotifyType>().unwrap(), t);
        assert_eq!(t.as_str(), w);
    }
    invalid("all".parse::<NotifyType>(), "type");
    invalid(NotifyKey::parse("groupchat", "g"), "chattype");
    invalid(NotifyKey::parse("user", "bad name"), "key");
    invalid(NotifyKey::parse("chatgroup", ""), "key");
    assert_eq!(
        NotifyKey::parse("user", "B").unwrap(),
        NotifyKey::User(n("b"))
    );
    assert_eq!(NotifyKey::parse("chatgroup", "g1").unwrap(), group("g1"));
    check(&app);
}

#[test]
fn at_most_1000_conversation_settings() {
    let app = app();
    reg(&app, "a");
    for i in 0..NOTIFY_CONVERSATIONS_MAX - 1 {
        exec(
            &app,
            SetNotification {
                kind: Some(NotifyType::None),
                ..notify("a", group(&format!("g{i}")))
            },
        )
        .unwrap();
    }
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::None),
            ..notify("a", group("last"))
        },
    )
    .unwrap();
    let e = assert_err(
        exec(
            &app,
            SetNotification {
                kind: Some(NotifyType::None),
                ..notify("a", group("over"))
            },
        ),
        403,
        "exceed_limit",
    );
    assert_eq!(e.to_string(), "notification settings exceed limit");
    // Changing an existing one, and the app level, still work.
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::At),
            ..notify("a", group("last"))
        },
    )
    .unwrap();
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::At),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    check(&app);
}

#[test]
fn language_and_template() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    let lang = |who: &str| app.query(&Actor::Admin, T0, GetPushLanguage { username: n(who) });
    let tmpl = |who: &str| app.query(&Actor::Admin, T0, GetPushTemplate { username: n(who) });
    assert_eq!(lang("a").unwrap(), "");
    assert_eq!(tmpl("a").unwrap(), "");
    assert_eq!(
        exec(
            &app,
            SetPushLanguage {
                username: n("a"),
                language: "en".into()
            }
        )
        .unwrap(),
        "en"
    );
    assert_eq!(
        exec(
            &app,
            SetPushTemplate {
                username: n("a"),
                template: "t1".into()
            }
        )
        .unwrap(),
        "t1"
    );
    assert_eq!(
        (lang("a").unwrap(), tmpl("a").unwrap()),
        ("en".into(), "t1".into())
    );
    exec(
        &app,
        SetPushLanguage {
            username: n("a"),
            language: String::new(),
        },
    )
    .unwrap();
    assert_eq!(lang("a").unwrap(), "");
    let max = "l".repeat(PUSH_FIELD_BYTES_MAX);
    exec(
        &app,
        SetPushLanguage {
            username: n("a"),
            language: max[1..].into(),
        },
    )
    .unwrap();
    exec(
        &app,
        SetPushLanguage {
            username: n("a"),
            language: max.clone(),
        },
    )
    .unwrap();
    exec(
        &app,
        SetPushTemplate {
            username: n("a"),
            template: max.clone(),
        },
    )
    .unwrap();
    let over = format!("{max}x");
    invalid(
        exec(
            &app,
            SetPushLanguage {
                username: n("zz"),
                language: over.clone(),
            },
        ),
        "translationLanguage",
    );
    invalid(
        exec(
            &app,
            SetPushTemplate {
                username: n("zz"),
                template: over,
            },
        ),
        "templateName",
    );
    unknown(exec(
        &app,
        SetPushLanguage {
            username: n("zz"),
            language: "en".into(),
        },
    ));
    unknown(exec(
        &app,
        SetPushTemplate {
            username: n("zz"),
            template: "t".into(),
        },
    ));
    unknown(lang("zz"));
    unknown(tmpl("zz"));
    assert_err(
        app.execute(
            &user("b"),
            T0,
            SetPushLanguage {
                username: n("a"),
                language: "x".into(),
            },
        ),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(&user("b"), T0, GetPushTemplate { username: n("a") }),
        401,
        "unauthorized",
    );
    app.execute(
        &user("a"),
        T0,
        SetPushTemplate {
            username: n("a"),
            template: "own".into(),
        },
    )
    .unwrap();
    check(&app);
}

fn bind(who: &str, d: &str, nn: &str, t: &str) -> BindPushDevice {
    BindPushDevice {
        username: n(who),
        device_id: d.into(),
        notifier_name: nn.into(),
        device_token: t.into(),
    }
}

fn b(d: &str, nn: &str, t: &str) -> PushBinding {
    PushBinding {
        device_id: d.into(),
        device_token: t.into(),
        notifier_name: nn.into(),
    }
}

#[test]
fn device_bindings_bind_replace_and_unbind() {
    let app = app();
    reg(&app, "a");
    let list = || {
        app.query(&Actor::Admin, T0, ListPushBindings { username: n("a") })
            .unwrap()
    };
    assert!(list().is_empty());
    assert_eq!(
        exec(&app, bind("a", "d1", "apns", "t1")).unwrap(),
        vec![b("d1", "apns", "t1")]
    );
    assert_eq!(
        exec(&app, bind("a", "d1", "fcm", "t2")).unwrap(),
        vec![b("d1", "apns", "t1"), b("d1", "fcm", "t2")]
    );
    exec(&app, bind("a", "d2", "fcm", "t3")).unwrap();
    // The view shows the most recent binding.
    let v = app
        .query(&Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    assert_eq!(
        (
            v.push.notifier_name.as_deref(),
            v.push.device_token.as_deref()
        ),
        (Some("fcm"), Some("t3"))
    );
    // Binding again replaces the token and makes it the most recent.
    assert_eq!(
        exec(&app, bind("a", "d1", "apns", "t9")).unwrap(),
        vec![b("d1", "fcm", "t2"), b("d1", "apns", "t9")]
    );
    // An empty token unbinds the device from that notifier.
    assert_eq!(
        exec(&app, bind("a", "d1", "fcm", "")).unwrap(),
        vec![b("d1", "apns", "t9")]
    );
    // An empty notifier unbinds every notifier of the device.
    exec(&app, bind("a", "d1", "fcm", "t4")).unwrap();
    assert_eq!(exec(&app, bind("a", "d1", "", "ignored")).unwrap(), vec![]);
    assert_eq!(list(), vec![b("d2", "fcm", "t3")]);
    check(&app);
}

#[test]
fn device_binding_errors_and_caps() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    assert_err(
        app.execute(&user("b"), T0, bind("a", "", "", "")),
        401,
        "unauthorized",
    );
    invalid(exec(&app, bind("zz", "", "n", "t")), "device_id");
    let max = "d".repeat(PUSH_FIELD_BYTES_MAX);
    exec(&app, bind("a", &max, &max, "t")).unwrap();
    invalid(
        exec(&app, bind("zz", &format!("{max}x"), "n", "t")),
        "device_id",
    );
    invalid(
        exec(&app, bind("zz", "d", &format!("{max}x"), "t")),
        "notifier_name",
    );
    let tok = "t".repeat(PUSH_TOKEN_BYTES_MAX);
    exec(&app, bind("a", "d", "n", &tok)).unwrap();
    invalid(
        exec(&app, bind("zz", "d", "n", &format!("{tok}x"))),
        "device_token",
    );
    unknown(exec(&app, bind("zz", "d", "n", "t")));
    unknown(app.query(&Actor::Admin, T0, ListPushBindings { username: n("zz") }));
    app.execute(&user("a"), T0, bind("a", "own", "n", "t"))
        .unwrap();
    // At most 16: binding a 17th drops the least recently bound.
    let app = crate::fixture::users::app();
    reg(&app, "a");
    for i in 0..PUSH_BINDINGS_MAX - 1 {
        exec(&app, bind("a", &format!("d{i}"), "n", "t")).unwrap();
    }
    let count = || {
        app.query(&Actor::Admin, T0, ListPushBindings { username: n("a") })
            .unwrap()
    };
    assert_eq!(count().len(), PUSH_BINDINGS_MAX - 1);
    exec(&app, bind("a", "d15", "n", "t")).unwrap();
    assert_eq!(count().len(), PUSH_BINDINGS_MAX);
    exec(&app, bind("a", "d16", "n", "t")).unwrap();
    let all = count();
    assert_eq!(all.len(), PUSH_BINDINGS_MAX);
    assert_eq!(all[0].device_id, "d1", "d0 was the least recently bound");
    check(&app);
}

#[test]
fn the_push_rule() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    // 2023-11-15 00:00 UTC, plus ten hours.
    let ten = Timestamp(1_700_006_400_000 + 10 * 3_600_000);
    let wants = |from: NotifyKey, mentioned: bool, now: Timestamp| {
        app.query(
            &Actor::Admin,
            now,
            WantsPush {
                username: n("a"),
                from,
                mentioned,
            },
        )
        .unwrap()
    };
    let peer = NotifyKey::User(n("b"));
    assert!(wants(peer.clone(), false, ten), "never set: ALL");
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::At),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    assert!(!wants(peer.clone(), false, ten));
    assert!(wants(peer.clone(), true, ten));
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::All),
            ..notify("a", peer.clone())
        },
    )
    .unwrap();
    assert!(
        wants(peer.clone(), false, ten),
        "the conversation's type wins over the app's"
    );
    assert!(
        !wants(group("g"), false, ten),
        "other conversations follow the app level"
    );
    // Do-not-disturb wins over type: legacy hours, the app interval, a running duration.
    exec(
        &app,
        SetPushProfile {
            no_disturbing: Some(true),
            no_disturbing_start: Some(9),
            no_disturbing_end: Some(11),
            ..profile("a")
        },
    )
    .unwrap();
    assert!(!wants(peer.clone(), true, ten));
    exec(
        &app,
        SetPushProfile {
            no_disturbing: Some(false),
            ..profile("a")
        },
    )
    .unwrap();
    assert!(wants(peer.clone(), true, ten));
    exec(
        &app,
        SetNotification {
            ignore_interval: Some("09:59-10:01".into()),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    assert!(!wants(peer.clone(), true, ten));
    exec(
        &app,
        SetNotification {
            ignore_interval: Some(String::new()),
            ..notify("a", me("a"))
        },
    )
    .unwrap();
    app.execute(
        &Actor::Admin,
        ten,
        SetNotification {
            ignore_duration: Some(1000),
            ..notify("a", peer.clone())
        },
    )
    .unwrap();
    assert!(!wants(peer.clone(), true, ten));
    assert!(wants(peer.clone(), true, Timestamp(ten.0 + 1000)));
    // Unknown users get no push; only the admin asks.
    assert!(
        !app.query(
            &Actor::Admin,
            ten,
            WantsPush {
                username: n("zz"),
                from: peer.clone(),
                mentioned: true
            }
        )
        .unwrap()
    );
    assert_err(
        app.query(
            &user("a"),
            ten,
            WantsPush {
                username: n("a"),
                from: peer,
                mentioned: true,
            },
        ),
        401,
        "unauthorized",
    );
}

#[test]
fn deleting_a_peer_erases_others_settings_about_them() {
    let app = app();
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::None),
            ..notify("a", NotifyKey::User(n("b")))
        },
    )
    .unwrap();
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::None),
            ..notify("a", NotifyKey::User(n("c")))
        },
    )
    .unwrap();
    exec(
        &app,
        SetNotification {
            kind: Some(NotifyType::At),
            ..notify("b", NotifyKey::User(n("a")))
        },
    )
    .unwrap();
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("b") })
        .unwrap();
    let ex = app
        .query(&Actor::Admin, T0, ExportUser { username: n("a") })
        .unwrap();
    assert_eq!(
        ex.push
            .conversations
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>(),
        vec![NotifyKey::User(n("c"))]
    );
    check(&app);
}
