//! Sessions, forced logout and online status (spec 01 §8): the per-platform device cap with
//! eviction, forced logout of one or all devices, single and batch status.

use crate::fixture::users::*;
use imcore::limits::{BATCH_STATUS_MAX, RESOURCE_BYTES_MAX};
use imcore::*;

fn devices(app: &App, name: &str) -> Vec<String> {
    app.query(&Actor::Admin, T0, ListDevices { username: n(name) })
        .unwrap()
        .into_iter()
        .map(|d| d.res)
        .collect()
}

fn online(app: &App, name: &str) -> bool {
    app.query(&Actor::Admin, T0, IsOnline { username: n(name) })
        .unwrap()
}

fn logout(app: &App, name: &str, res: Option<&str>) -> Result<Output<bool>> {
    app.execute(
        &Actor::Admin,
        T0,
        ForceLogout {
            username: n(name),
            resource: res.map(Into::into),
        },
    )
}

fn kicked(name: &str, res: &str, reason: DisconnectReason) -> Event {
    Event::ForceDisconnect {
        user: n(name),
        resource: res.into(),
        reason,
    }
}

#[test]
fn open_and_close_drive_online_status() {
    let app = app();
    reg(&app, "a");
    assert!(!online(&app, "a"));
    let out = app
        .execute(
            &Actor::Admin,
            T0,
            OpenSession {
                username: n("a"),
                resource: "ios_abc".into(),
                device_uuid: Some("dev-1".into()),
                device_name: Some("iPhone".into()),
            },
        )
        .unwrap();
    assert!(out.events.is_empty());
    assert!(online(&app, "a"));
    assert_eq!(
        app.query(&Actor::Admin, T0, ListDevices { username: n("a") })
            .unwrap(),
        vec![Device {
            res: "ios_abc".into(),
            device_uuid: Some("dev-1".into()),
            device_name: Some("iPhone".into()),
        }]
    );
    open(&app, "a", "web_1").unwrap();
    let close = |res: &str| {
        app.execute(
            &Actor::Admin,
            T0,
            CloseSession {
                username: n("a"),
                resource: res.into(),
            },
        )
        .unwrap()
    };
    assert!(close("ios_abc").events.is_empty());
    assert!(online(&app, "a"));
    close("not_open");
    assert_eq!(devices(&app, "a"), ["web_1"]);
    close("web_1");
    assert!(!online(&app, "a"));
}

#[test]
fn open_session_errors() {
    let app = app();
    reg(&app, "a");
    let open_as = |actor: &Actor, name: &str, res: &str| {
        app.execute(
            actor,
            T0,
            OpenSession {
                username: n(name),
                resource: res.into(),
                device_uuid: None,
                device_name: None,
            },
        )
    };
    assert_err(open_as(&user("a"), "a", "ios_1"), 401, "unauthorized");
    assert_err(
        open_as(&Actor::Anonymous, "a", "ios_1"),
        401,
        "unauthorized",
    );
    assert_err(open_as(&Actor::Admin, "a", ""), 400, "illegal_argument");
    let long = format!("web_{}", "x".repeat(RESOURCE_BYTES_MAX - 4));
    assert_eq!(long.len(), RESOURCE_BYTES_MAX);
    assert!(open_as(&Actor::Admin, "a", &long).is_ok());
    assert_err(
        open_as(&Actor::Admin, "a", &format!("{long}y")),
        400,
        "illegal_argument",
    );
    // Validation before existence.
    assert_err(open_as(&Actor::Admin, "ghost", ""), 400, "illegal_argument");
    assert_err(
        open_as(&Actor::Admin, "ghost", "ios_1"),
        404,
        "service_resource_not_found",
    );
    assert_eq!(devices(&app, "a"), [long]);
    let close = app.execute(
        &Actor::Admin,
        T0,
        CloseSession {
            username: n("ghost"),
            resource: "x".into(),
        },
    );
    assert_err(close, 404, "service_resource_not_found");
    assert_err(
        app.execute(
            &user("a"),
            T0,
            CloseSession {
                username: n("a"),
                resource: "x".into(),
            },
        ),
        401,
        "unauthorized",
    );
}

#[test]
fn four_sessions_per_platform_then_the_oldest_is_evicted() {
    let app = app();
    reg(&app, "a");
    for i in 1..=3 {
        assert!(
            open(&app, "a", &format!("android_{i}"))
                .unwrap()
                .events
                .is_empty()
        );
    }
    open(&app, "a", "ios_1").unwrap();
    // n: the fourth android session fits.
    assert!(open(&app, "a", "android_4").unwrap().events.is_empty());
    // n+1: the oldest android session goes; ios is another platform.
    let out = open(&app, "a", "android_5").unwrap();
    assert_eq!(
        out.events,
        vec![kicked(
            "a",
            "android_1",
            DisconnectReason::LoginAnotherDevice
        )]
    );
    assert_eq!(
        devices(&app, "a"),
        ["android_2", "android_3", "ios_1", "android_4", "android_5"]
    );
    // Other platforms have their own four.
    for i in 2..=4 {
        assert!(
            open(&app, "a", &format!("ios_{i}"))
                .unwrap()
                .events
                .is_empty()
        );
    }
    let out = open(&app, "a", "ios_5").unwrap();
    assert_eq!(
        out.events,
        vec![kicked("a", "ios_1", DisconnectReason::LoginAnotherDevice)]
    );
}

#[test]
fn the_device_cap_comes_from_limits() {
    let app = app_with(Limits {
        devices_per_platform_max: 1,
        ..Limits::default()
    });
    reg(&app, "a");
    open(&app, "a", "web_1").unwrap();
    let out = open(&app, "a", "web_2").unwrap();
    assert_eq!(
        out.events,
        vec![kicked("a", "web_1", DisconnectReason::LoginAnotherDevice)]
    );
    assert_eq!(devices(&app, "a"), ["web_2"]);
}

#[test]
fn reopening_a_resource_replaces_it() {
    let app = app();
    reg(&app, "a");
    open(&app, "a", "ios_1").unwrap();
    open(&app, "a", "web_1").unwrap();
    let out = open(&app, "a", "ios_1").unwrap();
    assert_eq!(
        out.events,
        vec![kicked("a", "ios_1", DisconnectReason::LoginAnotherDevice)]
    );
    assert_eq!(devices(&app, "a"), ["web_1", "ios_1"]);
}

#[test]
fn force_logout_everything_or_one_device() {
    let app = app();
    reg(&app, "a");
    for r in ["ios_1", "web_1", "android_1"] {
        open(&app, "a", r).unwrap();
    }
    let out = logout(&app, "a", Some("web_1")).unwrap();
    assert!(out.reply);
    assert_eq!(
        out.events,
        vec![kicked("a", "web_1", DisconnectReason::Kicked)]
    );
    // A resource that is not connected: still true, nothing happens.
    let out = logout(&app, "a", Some("web_1")).unwrap();
    assert!(out.reply);
    assert!(out.events.is_empty());
    let out = logout(&app, "a", None).unwrap();
    assert!(out.reply);
    assert_eq!(
        out.events,
        vec![
            kicked("a", "ios_1", DisconnectReason::Kicked),
            kicked("a", "android_1", DisconnectReason::Kicked),
        ]
    );
    assert!(!online(&app, "a"));
    // No sessions: still true.
    let out = logout(&app, "a", None).unwrap();
    assert!(out.reply);
    assert!(out.events.is_empty());
}

#[test]
fn force_logout_errors() {
    let app = app();
    reg(&app, "a");
    assert_err(
        logout(&app, "ghost", None),
        404,
        "service_resource_not_found",
    );
    assert_err(
        logout(&app, "ghost", Some("ios_1")),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.execute(
            &user("a"),
            T0,
            ForceLogout {
                username: n("a"),
                resource: None,
            },
        ),
        401,
        "unauthorized",
    );
}

#[test]
fn status_reads_are_admin_only_and_need_a_user() {
    let app = app();
    reg(&app, "a");
    assert_err(
        app.query(&user("a"), T0, IsOnline { username: n("a") }),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(&user("a"), T0, ListDevices { username: n("a") }),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(
            &Actor::Admin,
            T0,
            IsOnline {
                username: n("ghost"),
            },
        ),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.query(
            &Actor::Admin,
            T0,
            ListDevices {
                username: n("ghost"),
            },
        ),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.query(&user("a"), T0, BatchOnline { usernames: vec![] }),
        401,
        "unauthorized",
    );
}

#[test]
fn batch_status_in_request_order_with_unknowns_offline() {
    let app = app();
    reg(&app, "on");
    reg(&app, "off");
    open(&app, "on", "ios_1").unwrap();
    let got = app
        .query(
            &Actor::Admin,
            T0,
            BatchOnline {
                usernames: vec![
                    "off".into(),
                    "ON".into(),
                    "ghost".into(),
                    "not a name".into(),
                    "on".into(),
                ],
            },
        )
        .unwrap();
    assert_eq!(
        got,
        vec![
            ("off".to_string(), false),
            ("ON".to_string(), true),
            ("ghost".to_string(), false),
            ("not a name".to_string(), false),
            ("on".to_string(), true),
        ]
    );
    assert!(
        app.query(&Actor::Admin, T0, BatchOnline { usernames: vec![] })
            .unwrap()
            .is_empty()
    );
}

#[test]
fn batch_status_size_edges() {
    let app = app();
    reg(&app, "a");
    for size in [BATCH_STATUS_MAX - 1, BATCH_STATUS_MAX] {
        let got = app
            .query(
                &Actor::Admin,
                T0,
                BatchOnline {
                    usernames: vec!["a".into(); size],
                },
            )
            .unwrap();
        assert_eq!(got.len(), size);
    }
    assert_err_desc(
        app.query(
            &Actor::Admin,
            T0,
            BatchOnline {
                usernames: vec!["a".into(); BATCH_STATUS_MAX + 1],
            },
        ),
        400,
        "illegal_argument",
        "request body exceeds maximum limit, maximum limit is 100",
    );
}

/// Resources without `_` are platforms of their own; the total cap still bounds a user's
/// sessions, evicting the oldest with `LoginAnotherDevice`.
#[test]
fn total_sessions_are_capped_across_platforms() {
    use imcore::limits::SESSIONS_PER_USER_MAX;
    let (app, now) = (crate::fixture::users::app(), crate::fixture::users::T0);
    crate::fixture::users::reg(&app, "u");
    let u = crate::fixture::users::n("u");
    for i in 0..SESSIONS_PER_USER_MAX {
        let out = app
            .execute(
                &imcore::Actor::Admin,
                now,
                imcore::OpenSession {
                    username: u.clone(),
                    resource: format!("p{i}"),
                    device_uuid: None,
                    device_name: None,
                },
            )
            .unwrap();
        assert!(out.events.is_empty(), "no eviction below the cap");
    }
    let out = app
        .execute(
            &imcore::Actor::Admin,
            now,
            imcore::OpenSession {
                username: u.clone(),
                resource: "extra".into(),
                device_uuid: None,
                device_name: None,
            },
        )
        .unwrap();
    assert_eq!(
        out.events,
        vec![imcore::Event::ForceDisconnect {
            user: u.clone(),
            resource: "p0".into(),
            reason: imcore::DisconnectReason::LoginAnotherDevice
        }]
    );
    let devices = app
        .query(
            &imcore::Actor::Admin,
            now,
            imcore::ListDevices {
                username: u.clone(),
            },
        )
        .unwrap();
    assert_eq!(devices.len(), SESSIONS_PER_USER_MAX);
    let long = Some("d".repeat(129));
    let err = app
        .execute(
            &imcore::Actor::Admin,
            now,
            imcore::OpenSession {
                username: u.clone(),
                resource: "web_1".into(),
                device_uuid: None,
                device_name: long,
            },
        )
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (400, "illegal_argument"));
    let ok = Some("d".repeat(128));
    app.execute(
        &imcore::Actor::Admin,
        now,
        imcore::OpenSession {
            username: u,
            resource: "web_1".into(),
            device_uuid: ok,
            device_name: None,
        },
    )
    .unwrap();
}
