//! The one-to-one send decision (spec 03 §4.3, stages S and T) and the id forms of the hot
//! queries: `MayMessage` / `MayMessageById` at every stage and its order, `LookupUser`,
//! `Authenticate`, `AreFriendsById`, `IsBlockedById`.

use crate::fixture::users::*;
use imcore::messages::*;
use imcore::*;

fn may(app: &App, origin: Origin, from: Option<&str>, to: &str) -> ChatVerdict {
    app.query(
        &Actor::Admin,
        T0,
        MayMessage {
            origin,
            from: from.map(n),
            to: n(to),
        },
    )
    .unwrap()
}

fn id(app: &App, name: &str) -> UserId {
    app.query(&Actor::Admin, T0, LookupUser { username: n(name) })
        .unwrap()
}

fn by_id(app: &App, origin: Origin, from: Option<&str>, to: &str) -> ChatVerdict {
    app.query(
        &Actor::Admin,
        T0,
        MayMessageById {
            origin,
            from: from.map(|f| id(app, f)),
            to: id(app, to),
        },
    )
    .unwrap()
}

fn mute_chat(app: &App, who: &str, ms: u64) {
    app.execute(
        &Actor::Admin,
        T0,
        SetGlobalMute {
            username: n(who),
            chat: Some(MuteValue::For(Millis(ms))),
            groupchat: None,
            chatroom: None,
        },
    )
    .unwrap();
}

#[test]
fn stage_s_refuses_the_sender_in_order() {
    let app = app();
    for u in ["a", "b"] {
        reg(&app, u);
    }
    use ChatVerdict::*;
    use Origin::*;
    assert_eq!(may(&app, Client, Some("a"), "b"), Deliver);
    assert_eq!(by_id(&app, Client, Some("a"), "b"), Deliver);
    // S2: a client-side sender that does not exist.
    assert_eq!(
        may(&app, Client, Some("ghost"), "b"),
        SenderRefused(SenderRefusal::Unknown)
    );
    // S3: a live global chat mute; lapsed at its instant.
    mute_chat(&app, "a", 1000);
    let muted = SenderRefused(SenderRefusal::GloballyMuted(Expiry::At(Timestamp(
        T0.0 + 1000,
    ))));
    assert_eq!(may(&app, Client, Some("a"), "b"), muted);
    assert_eq!(
        may(&app, Server, Some("a"), "b"),
        muted,
        "REST sends are blocked too"
    );
    let later = MayMessage {
        origin: Client,
        from: Some(n("a")),
        to: n("b"),
    };
    assert_eq!(
        app.query(&Actor::Admin, Timestamp(T0.0 + 999), later.clone())
            .unwrap(),
        muted
    );
    assert_eq!(
        app.query(&Actor::Admin, Timestamp(T0.0 + 1000), later)
            .unwrap(),
        Deliver
    );
    // S1 comes before S3: a disabled sender who is also muted is refused as disabled.
    app.execute(&Actor::Admin, T0, DisableUser { username: n("a") })
        .unwrap();
    assert_eq!(
        may(&app, Client, Some("a"), "b"),
        SenderRefused(SenderRefusal::Deactivated)
    );
    assert_eq!(
        by_id(&app, Server, Some("a"), "b"),
        SenderRefused(SenderRefusal::Deactivated)
    );
    // Only chat mutes count for a one-to-one message.
    app.execute(&Actor::Admin, T0, EnableUser { username: n("a") })
        .unwrap();
    app.execute(
        &Actor::Admin,
        T0,
        SetGlobalMute {
            username: n("b"),
            chat: None,
            groupchat: Some(MuteValue::Forever),
            chatroom: Some(MuteValue::Forever),
        },
    )
    .unwrap();
    assert_eq!(may(&app, Client, Some("b"), "a"), Deliver);
}

#[test]
fn the_system_sender_skips_stage_s() {
    let app = app();
    reg(&app, "b");
    use ChatVerdict::*;
    use Origin::*;
    assert_eq!(may(&app, Server, None, "b"), Deliver);
    assert_eq!(may(&app, Server, Some("admin"), "b"), Deliver);
    assert_eq!(may(&app, Server, Some("ghost"), "b"), Deliver);
    assert_eq!(by_id(&app, Server, None, "b"), Deliver);
    // A client may not be the system sender.
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            MayMessageById {
                origin: Client,
                from: None,
                to: id(&app, "b"),
            },
        )
        .unwrap(),
        SenderRefused(SenderRefusal::Unknown)
    );
    // A registered user named admin is a real sender.
    reg(&app, "admin");
    app.execute(
        &Actor::Admin,
        T0,
        DisableUser {
            username: n("admin"),
        },
    )
    .unwrap();
    assert_eq!(
        may(&app, Server, Some("admin"), "b"),
        SenderRefused(SenderRefusal::Deactivated)
    );
}

#[test]
fn stage_t_refuses_the_target_in_order() {
    let app = app_with(Limits {
        friend_check: true,
        ..Limits::default()
    });
    for u in ["a", "b"] {
        reg(&app, u);
    }
    use ChatVerdict::*;
    use Origin::*;
    // T1: an unknown recipient.
    assert_eq!(
        may(&app, Client, Some("a"), "ghost"),
        TargetRefused(TargetRefusal::RecipientNotFound)
    );
    assert_eq!(may(&app, Server, Some("a"), "ghost"), NoRecipient);
    // T3: not friends, friend check on, client side only.
    assert_eq!(
        may(&app, Client, Some("a"), "b"),
        TargetRefused(TargetRefusal::NotFriend)
    );
    assert_eq!(may(&app, Server, Some("a"), "b"), Deliver);
    befriend(&app, "a", "b");
    assert_eq!(may(&app, Client, Some("a"), "b"), Deliver);
    assert_eq!(by_id(&app, Client, Some("a"), "b"), Deliver);
    // T2 before T3, both origins: b blocks a (the friendship stays).
    block(&app, "b", &["a"]).unwrap();
    for origin in [Client, Server] {
        assert_eq!(
            may(&app, origin, Some("a"), "b"),
            TargetRefused(TargetRefusal::BlockedByRecipient)
        );
        assert_eq!(
            by_id(&app, origin, Some("a"), "b"),
            TargetRefused(TargetRefusal::BlockedByRecipient)
        );
    }
    // The block is one-way: b may still message a.
    assert_eq!(may(&app, Client, Some("b"), "a"), Deliver);
    // The system sender is never blocked.
    assert_eq!(may(&app, Server, None, "b"), Deliver);
    // Sending to oneself is allowed.
    assert_eq!(may(&app, Client, Some("a"), "a"), Deliver);
}

#[test]
fn who_may_ask_and_the_id_forms() {
    let app = app();
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    let q = |actor: &Actor, origin, from: &str| {
        app.query(
            actor,
            T0,
            MayMessage {
                origin,
                from: Some(n(from)),
                to: n("b"),
            },
        )
    };
    assert_eq!(
        q(&user("a"), Origin::Client, "a").unwrap(),
        ChatVerdict::Deliver
    );
    assert_err(q(&user("c"), Origin::Client, "a"), 401, "unauthorized");
    assert_err(q(&user("a"), Origin::Server, "a"), 401, "unauthorized");
    assert_err(
        q(&Actor::Anonymous, Origin::Client, "a"),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(
            &user("a"),
            T0,
            MayMessageById {
                origin: Origin::Client,
                from: Some(id(&app, "a")),
                to: id(&app, "b"),
            },
        ),
        401,
        "unauthorized",
    );

    // LookupUser: admin or self; 404 for unknown names.
    assert_eq!(
        app.query(&user("a"), T0, LookupUser { username: n("a") })
            .unwrap(),
        id(&app, "a")
    );
    assert_err(
        app.query(&user("a"), T0, LookupUser { username: n("b") }),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(&Actor::Admin, T0, LookupUser { username: n("zz") }),
        404,
        "service_resource_not_found",
    );

    // The id forms agree with the name forms; a deleted user's handle is nobody.
    befriend(&app, "a", "b");
    block(&app, "a", &["c"]).unwrap();
    let (a, b, c) = (id(&app, "a"), id(&app, "b"), id(&app, "c"));
    let friends = |x, y| {
        app.query(&Actor::Admin, T0, AreFriendsById { a: x, b: y })
            .unwrap()
    };
    let blocked = |x, y| {
        app.query(&Actor::Admin, T0, IsBlockedById { owner: x, other: y })
            .unwrap()
    };
    assert!(friends(a, b) && friends(b, a) && !friends(a, c));
    assert!(blocked(a, c) && !blocked(c, a) && !blocked(a, b));
    assert_err(
        app.query(&user("a"), T0, AreFriendsById { a, b }),
        401,
        "unauthorized",
    );
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("b") })
        .unwrap();
    reg(&app, "b");
    let b2 = id(&app, "b");
    assert_ne!(b, b2, "handles are never reused");
    assert!(!friends(a, b) && !friends(a, b2));
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            MayMessageById {
                origin: Origin::Client,
                from: Some(a),
                to: b,
            },
        )
        .unwrap(),
        ChatVerdict::TargetRefused(TargetRefusal::RecipientNotFound)
    );
}

#[test]
fn authenticate_gives_the_callers_handle() {
    let app = app();
    reg(&app, "a");
    token(&app, "a", "pw", "tok-a").unwrap();
    let got = app
        .query(
            &Actor::Anonymous,
            T0,
            Authenticate {
                token: "tok-a".into(),
            },
        )
        .unwrap();
    assert_eq!(got.actor, user("a"));
    assert_eq!(got.user, Some(id(&app, "a")));
    assert_err(
        app.query(
            &Actor::Anonymous,
            T0,
            Authenticate {
                token: "nope".into(),
            },
        ),
        401,
        "auth_bad_access_token",
    );
}
