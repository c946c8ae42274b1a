//! Token grants and validation (spec 01 §3): app tokens, password and inherit grants, expiry,
//! and tokens outliving nothing: deletion, re-registration, password change, disable.

use crate::fixture::users::*;
use imcore::limits::{TOKEN_BYTES_MAX, TOKENS_PER_USER_MAX};
use imcore::*;

const DAY_MS: i64 = 86_400_000;

fn issue(
    app: &App,
    actor: &Actor,
    grant: GrantType,
    tok: &str,
    ttl: Option<Millis>,
) -> Result<Output<TokenIssued>> {
    app.execute(
        actor,
        T0,
        IssueToken {
            grant,
            token: tok.into(),
            ttl,
        },
    )
}

fn creds(id: &str, secret: &str) -> GrantType {
    GrantType::ClientCredentials {
        client_id: id.into(),
        client_secret: secret.into(),
    }
}

fn pw(name: &str, p: &str) -> GrantType {
    GrantType::Password {
        username: name.into(),
        password: p.into(),
    }
}

fn inherit(name: &str, auto_create: bool) -> GrantType {
    GrantType::Inherit {
        username: name.into(),
        auto_create,
        uuid: format!("uuid-{name}"),
    }
}

#[test]
fn app_tokens_need_matching_credentials() {
    let app = app();
    // No credentials configured: nothing matches.
    assert_err_desc(
        issue(&app, &Actor::Anonymous, creds("id", "secret"), "t0", None),
        400,
        "invalid_grant",
        "invalid client_id or client_secret",
    );
    app.execute(
        &Actor::Admin,
        T0,
        SetCredentials(Credentials {
            client_id: "id".into(),
            client_secret: "secret".into(),
        }),
    )
    .unwrap();
    assert_err_desc(
        issue(&app, &Actor::Anonymous, creds("", "secret"), "t1", None),
        400,
        "illegal_argument",
        "client_id must be provided.",
    );
    assert_err_desc(
        issue(&app, &Actor::Anonymous, creds("id", ""), "t1", None),
        400,
        "illegal_argument",
        "client_secret must be provided",
    );
    assert_err_desc(
        issue(&app, &Actor::Anonymous, creds("id2", "secret"), "t1", None),
        400,
        "invalid_grant",
        "invalid client_id or client_secret",
    );
    assert_err_desc(
        issue(&app, &Actor::Anonymous, creds("id", "secreT"), "t1", None),
        400,
        "invalid_grant",
        "invalid client_id or client_secret",
    );
    // Refused grants leave no token behind.
    assert_err(validate(&app, "t1", T0), 401, "auth_bad_access_token");
    let out = issue(&app, &Actor::Anonymous, creds("id", "secret"), "t1", None).unwrap();
    assert_eq!(
        out.reply,
        TokenIssued {
            access_token: "t1".into(),
            expires_in: Millis::from_secs(5_184_000),
            user: None
        }
    );
    assert_eq!(validate(&app, "t1", T0).unwrap(), Actor::Admin);
}

#[test]
fn password_grant_errors() {
    let app = app();
    let v = reg(&app, "alice");
    assert_err_desc(
        issue(&app, &Actor::Anonymous, pw("nobody", "pw"), "t", None),
        400,
        "invalid_grant",
        "invalid username or password",
    );
    assert_err_desc(
        issue(&app, &Actor::Anonymous, pw("alice", "wrong"), "t", None),
        400,
        "invalid_grant",
        "invalid username or password",
    );
    let out = issue(&app, &Actor::Anonymous, pw("ALICE", "pw"), "t", None).unwrap();
    assert_eq!(out.reply.user, Some(v));
    assert_eq!(validate(&app, "t", T0).unwrap(), user("alice"));
    app.execute(
        &Actor::Admin,
        T0,
        DisableUser {
            username: n("alice"),
        },
    )
    .unwrap();
    // The password is checked before the account state.
    assert_err_desc(
        issue(&app, &Actor::Anonymous, pw("alice", "wrong"), "t2", None),
        400,
        "invalid_grant",
        "invalid username or password",
    );
    assert_err_desc(
        issue(&app, &Actor::Anonymous, pw("alice", "pw"), "t2", None),
        400,
        "invalid_grant",
        "user not activated",
    );
    assert_err(validate(&app, "t2", T0), 401, "auth_bad_access_token");
    check(&app);
}

#[test]
fn inherit_grant_errors_and_auto_create() {
    let app = app_with(Limits {
        users_max: Some(2),
        ..Limits::default()
    });
    reg(&app, "alice");
    assert_err(
        issue(&app, &Actor::Anonymous, inherit("alice", false), "t", None),
        401,
        "unauthorized",
    );
    assert_err(
        issue(&app, &user("alice"), inherit("alice", false), "t", None),
        401,
        "unauthorized",
    );
    assert_err_desc(
        issue(&app, &Actor::Admin, inherit("ghost", false), "t", None),
        404,
        "entity_not_found",
        "User null not found",
    );
    assert_err_desc(
        issue(&app, &Actor::Admin, inherit("bad name", true), "t", None),
        400,
        "illegal_argument",
        "username bad name is not legal",
    );
    assert_err_desc(
        issue(
            &app,
            &Actor::Admin,
            inherit(&"a".repeat(65), true),
            "t",
            None,
        ),
        400,
        "illegal_argument",
        "USERNAME_TOO_LONG",
    );
    let out = issue(&app, &Actor::Admin, inherit("Ghost", true), "t", None).unwrap();
    let v = out.reply.user.clone().unwrap();
    assert_eq!(v.username, n("ghost"));
    assert_eq!(v.uuid, "uuid-Ghost");
    assert_eq!(out.events, vec![Event::UserRegistered { user: n("ghost") }]);
    assert_eq!(validate(&app, "t", T0).unwrap(), user("ghost"));
    // The auto-created user has no password: password grants fail.
    assert_err_desc(
        issue(&app, &Actor::Anonymous, pw("ghost", "x"), "t2", None),
        400,
        "invalid_grant",
        "invalid username or password",
    );
    // At the user cap, auto-create is refused.
    assert_err(
        issue(&app, &Actor::Admin, inherit("third", true), "t3", None),
        429,
        "resource_limited",
    );
    // Existing users need no slot.
    let out = issue(&app, &Actor::Admin, inherit("alice", true), "t4", None).unwrap();
    assert!(out.events.is_empty());
    app.execute(
        &Actor::Admin,
        T0,
        DisableUser {
            username: n("alice"),
        },
    )
    .unwrap();
    assert_err_desc(
        issue(&app, &Actor::Admin, inherit("alice", false), "t5", None),
        400,
        "invalid_grant",
        "user not activated",
    );
    check(&app);
}

#[test]
fn ttl_default_zero_and_explicit() {
    let app = app();
    reg(&app, "a");
    let d = issue(&app, &Actor::Anonymous, pw("a", "pw"), "default", None).unwrap();
    assert_eq!(d.reply.expires_in, Millis(60 * DAY_MS as u64));
    let f = issue(
        &app,
        &Actor::Anonymous,
        pw("a", "pw"),
        "forever",
        Some(Millis(0)),
    )
    .unwrap();
    assert_eq!(f.reply.expires_in, Millis(0));
    issue(
        &app,
        &Actor::Anonymous,
        pw("a", "pw"),
        "short",
        Some(Millis(1000)),
    )
    .unwrap();

    let expired = "Unable to authenticate due to expired access token";
    assert!(validate(&app, "default", Timestamp(T0.0 + 60 * DAY_MS - 1)).is_ok());
    assert_err_desc(
        validate(&app, "default", Timestamp(T0.0 + 60 * DAY_MS)),
        401,
        "unauthorized",
        expired,
    );
    assert!(validate(&app, "short", Timestamp(T0.0 + 999)).is_ok());
    assert_err_desc(
        validate(&app, "short", Timestamp(T0.0 + 1000)),
        401,
        "unauthorized",
        expired,
    );
    assert!(validate(&app, "forever", Timestamp(i64::MAX)).is_ok());
}

#[test]
fn app_default_ttl_comes_from_limits() {
    let app = app_with(Limits {
        token_ttl_default: Millis(5000),
        ..Limits::default()
    });
    reg(&app, "a");
    let out = issue(&app, &Actor::Anonymous, pw("a", "pw"), "t", None).unwrap();
    assert_eq!(out.reply.expires_in, Millis(5000));
    assert!(validate(&app, "t", Timestamp(T0.0 + 4999)).is_ok());
    assert_err(
        validate(&app, "t", Timestamp(T0.0 + 5000)),
        401,
        "unauthorized",
    );
}

#[test]
fn validation_errors() {
    let app = app();
    reg(&app, "a");
    token(&app, "a", "pw", "good").unwrap();
    assert_err_desc(
        validate(&app, "", T0),
        401,
        "unauthorized",
        "Unable to authenticate due to expired access token",
    );
    assert_err_desc(
        validate(&app, "nope", T0),
        401,
        "auth_bad_access_token",
        "Unable to authenticate",
    );
    // Another app's token is unknown here.
    let engine = Engine::new();
    let other = engine
        .create_app(AppKey::new("org", "other").unwrap(), Limits::default())
        .unwrap();
    assert_err(validate(&other, "good", T0), 401, "auth_bad_access_token");
    assert!(validate(&app, "good", T0).is_ok());
}

#[test]
fn token_strings_are_checked() {
    let app = app();
    reg(&app, "a");
    let long = "t".repeat(TOKEN_BYTES_MAX);
    assert!(token(&app, "a", "pw", &long).is_ok());
    assert!(token(&app, "a", "pw", &"u".repeat(TOKEN_BYTES_MAX - 1)).is_ok());
    assert_err(
        token(&app, "a", "pw", &"v".repeat(TOKEN_BYTES_MAX + 1)),
        400,
        "illegal_argument",
    );
    assert_err(token(&app, "a", "pw", ""), 400, "illegal_argument");
    // Re-issuing a live token string is refused and keeps the first grant.
    reg(&app, "b");
    assert_err(token(&app, "b", "pw", &long), 400, "illegal_argument");
    assert_eq!(validate(&app, &long, T0).unwrap(), user("a"));
    check(&app);
}

#[test]
fn a_deleted_users_tokens_never_validate_again() {
    let app = app();
    reg(&app, "dora");
    token(&app, "dora", "pw", "old").unwrap();
    assert_eq!(validate(&app, "old", T0).unwrap(), user("dora"));
    app.execute(
        &Actor::Admin,
        T0,
        DeleteUser {
            username: n("dora"),
        },
    )
    .unwrap();
    assert_err(validate(&app, "old", T0), 401, "auth_bad_access_token");
    check(&app);
    // Same name, same password: still a different user.
    reg(&app, "dora");
    assert_err(validate(&app, "old", T0), 401, "auth_bad_access_token");
    token(&app, "dora", "pw", "new").unwrap();
    assert_eq!(validate(&app, "new", T0).unwrap(), user("dora"));
    assert_err(validate(&app, "old", T0), 401, "auth_bad_access_token");
    check(&app);
}

#[test]
fn a_password_change_revokes_tokens() {
    let app = app();
    reg(&app, "a");
    token(&app, "a", "pw", "t1").unwrap();
    token(&app, "a", "pw", "t2").unwrap();
    app.execute(
        &Actor::Admin,
        T0,
        ChangePassword {
            username: n("a"),
            new_password: "pw2".into(),
        },
    )
    .unwrap();
    assert_err(validate(&app, "t1", T0), 401, "auth_bad_access_token");
    assert_err(validate(&app, "t2", T0), 401, "auth_bad_access_token");
    assert_err(token(&app, "a", "pw", "t3"), 400, "invalid_grant");
    token(&app, "a", "pw2", "t3").unwrap();
    assert_eq!(validate(&app, "t3", T0).unwrap(), user("a"));
    check(&app);
}

#[test]
fn a_disabled_users_tokens_are_refused_until_enabled() {
    let app = app();
    reg(&app, "a");
    token(&app, "a", "pw", "t").unwrap();
    app.execute(&Actor::Admin, T0, DisableUser { username: n("a") })
        .unwrap();
    assert_err_desc(
        validate(&app, "t", T0),
        401,
        "unauthorized",
        "user not activated",
    );
    app.execute(&Actor::Admin, T0, EnableUser { username: n("a") })
        .unwrap();
    assert_eq!(validate(&app, "t", T0).unwrap(), user("a"));
    check(&app);
}

#[test]
fn a_user_keeps_at_most_the_newest_tokens() {
    let app = app();
    reg(&app, "a");
    for i in 0..TOKENS_PER_USER_MAX - 1 {
        token(&app, "a", "pw", &format!("t{i}")).unwrap();
    }
    // n-1 and n: all kept.
    assert!(validate(&app, "t0", T0).is_ok());
    token(&app, "a", "pw", &format!("t{}", TOKENS_PER_USER_MAX - 1)).unwrap();
    assert!(validate(&app, "t0", T0).is_ok());
    check(&app);
    // n+1: refused, and no valid token is pushed out (issue 14).
    assert_err(token(&app, "a", "pw", "extra"), 429, "resource_limited");
    assert!(validate(&app, "t0", T0).is_ok());
    assert_err(validate(&app, "extra", T0), 401, "auth_bad_access_token");
    check(&app);
}

#[test]
fn a_full_token_list_makes_room_only_from_expired_tokens() {
    let app = app();
    reg(&app, "a");
    let short = |tok: &str| {
        issue(
            &app,
            &Actor::Anonymous,
            pw("a", "pw"),
            tok,
            Some(Millis::from_secs(1)),
        )
    };
    short("s0").unwrap();
    short("s1").unwrap();
    for i in 2..TOKENS_PER_USER_MAX {
        token(&app, "a", "pw", &format!("t{i}")).unwrap();
    }
    assert_err(token(&app, "a", "pw", "extra"), 429, "resource_limited");
    // Once the short ones expire, they make room; the others stay valid.
    let later = Timestamp(T0.0 + 2_000);
    app.execute(
        &Actor::Anonymous,
        later,
        IssueToken {
            grant: pw("a", "pw"),
            token: "extra".into(),
            ttl: None,
        },
    )
    .unwrap();
    assert!(validate(&app, "extra", later).is_ok());
    assert!(validate(&app, "t2", later).is_ok());
    assert_err(validate(&app, "s0", later), 401, "auth_bad_access_token");
    check(&app);
}

#[test]
fn the_app_keeps_at_most_4096_app_tokens_and_never_pushes_out_a_valid_one() {
    let app = app();
    app.execute(
        &Actor::Admin,
        T0,
        SetCredentials(Credentials {
            client_id: "id".into(),
            client_secret: "s".into(),
        }),
    )
    .unwrap();
    let max = 4096;
    for i in 0..max {
        issue(
            &app,
            &Actor::Anonymous,
            creds("id", "s"),
            &format!("a{i}"),
            None,
        )
        .unwrap();
    }
    assert!(validate(&app, "a0", T0).is_ok());
    // n+1: refused (issue 14); the first is still valid.
    assert_err(
        issue(&app, &Actor::Anonymous, creds("id", "s"), "last", None),
        429,
        "resource_limited",
    );
    assert!(validate(&app, "a0", T0).is_ok());
    assert_err(validate(&app, "last", T0), 401, "auth_bad_access_token");
}

#[test]
fn check_grant_records_nothing_and_token_subject_tracks_the_password() {
    let app = app();
    app.execute(
        &Actor::Admin,
        T0,
        SetCredentials(Credentials {
            client_id: "id".into(),
            client_secret: "secret".into(),
        }),
    )
    .unwrap();
    reg(&app, "a");
    let grant_check = |actor: &Actor, grant| app.query(actor, T0, CheckGrant { grant });
    let c = grant_check(&Actor::Anonymous, creds("id", "secret")).unwrap();
    assert_eq!((c.user, c.credential), (None, 0));
    assert_err_desc(
        grant_check(&Actor::Anonymous, creds("id", "nope")),
        400,
        "invalid_grant",
        "invalid client_id or client_secret",
    );
    for (u, p) in [("a", "nope"), ("ghost", "pw")] {
        assert_err_desc(
            grant_check(&Actor::Anonymous, pw(u, p)),
            400,
            "invalid_grant",
            "invalid username or password",
        );
    }
    let c = grant_check(&Actor::Anonymous, pw("A", "pw")).unwrap();
    let (id, view) = c.user.clone().unwrap();
    assert_eq!(view.username, n("a"));
    assert_ne!(c.credential, 0);
    // Inherit: admin only, and never creates.
    assert_err(
        grant_check(&Actor::Anonymous, inherit("a", false)),
        401,
        "unauthorized",
    );
    assert_err(
        grant_check(&Actor::Admin, inherit("zed", true)),
        404,
        "entity_not_found",
    );
    assert_eq!(grant_check(&Actor::Admin, inherit("a", false)).unwrap(), c);
    // Nothing was recorded.
    assert!(
        app.query(&Actor::Admin, T0, ValidateToken { token: "x".into() })
            .is_err()
    );
    // The subject: admin only; the credential changes with the password; disabled is a flag.
    let subject = |actor: &Actor| app.query(actor, T0, TokenSubject { user: id });
    assert_err(subject(&user("a")), 401, "unauthorized");
    let s = subject(&Actor::Admin).unwrap();
    assert_eq!(
        (s.actor, s.credential, s.activated),
        (user("a"), c.credential, true)
    );
    app.execute(
        &Actor::Admin,
        T0,
        ChangePassword {
            username: n("a"),
            new_password: "pw2".into(),
        },
    )
    .unwrap();
    assert_ne!(subject(&Actor::Admin).unwrap().credential, c.credential);
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    assert_err(subject(&Actor::Admin), 401, "auth_bad_access_token");
    check(&app);
}

/// A login-blocked user (spec 04 §8) gets no token through `CheckGrant` (the path a host that
/// mints self-contained tokens takes), as through `IssueToken`; once the block lapses, they do.
#[test]
fn check_grant_refuses_a_login_blocked_user_until_the_block_lapses() {
    let app = app();
    reg(&app, "a");
    app.execute(
        &Actor::Admin,
        T0,
        BlockLogin {
            users: vec![n("a")],
            minutes: 1,
        },
    )
    .unwrap();
    let check = |at: i64| {
        app.query(
            &Actor::Admin,
            Timestamp(T0.0 + at),
            CheckGrant {
                grant: pw("a", "pw"),
            },
        )
    };
    let e = check(0).expect_err("blocked");
    assert_eq!(
        e.status(),
        app.execute(
            &Actor::Admin,
            T0,
            IssueToken {
                grant: pw("a", "pw"),
                ttl: None,
                token: "t-blocked".into(),
            }
        )
        .unwrap_err()
        .status(),
        "the same refusal as IssueToken's"
    );
    assert!(check(59_999).is_err());
    assert!(check(60_000).is_ok());
}
