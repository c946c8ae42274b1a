//! Single registration (spec 01 §2, §4): username, password and nickname rules at their edges,
//! case folding, duplicates, registration mode and the app's user cap.

use crate::fixture::users::*;
use imcore::*;

fn register(app: &App, actor: &Actor, u: NewUser) -> Result<Output<UserView>> {
    app.execute(actor, T0, RegisterUser(u))
}

fn count_users(app: &App) -> usize {
    app.query(
        &Actor::Admin,
        T0,
        ListUsers {
            limit: Some(100),
            cursor: None,
        },
    )
    .unwrap()
    .items
    .len()
}

#[test]
fn registering_returns_the_view_and_an_event() {
    let app = app();
    let mut u = NewUser::new("Alice", "secret", "uuid-1");
    u.nickname = Some("Ally".into());
    let out = register(&app, &Actor::Admin, u).unwrap();
    assert_eq!(
        out.reply,
        UserView {
            uuid: "uuid-1".into(),
            username: n("alice"),
            created: T0,
            modified: T0,
            activated: true,
            nickname: Some("Ally".into()),
            push: PushFields::default(),
        }
    );
    assert_eq!(out.events, vec![Event::UserRegistered { user: n("alice") }]);
    let got = app
        .query(
            &Actor::Admin,
            T0,
            GetUser {
                username: n("ALICE"),
            },
        )
        .unwrap();
    assert_eq!(got, out.reply);
    check(&app);
}

#[test]
fn username_length_edges() {
    let app = app();
    for len in [1, 63, 64] {
        let name = "a".repeat(len);
        let v = register(&app, &Actor::Admin, NewUser::new(&name, "pw", "u"))
            .unwrap()
            .reply;
        assert_eq!(v.username.as_str().len(), len);
    }
    assert_err_desc(
        register(
            &app,
            &Actor::Admin,
            NewUser::new(&"b".repeat(65), "pw", "u"),
        ),
        400,
        "illegal_argument",
        "USERNAME_TOO_LONG",
    );
    assert_eq!(count_users(&app), 3);
    check(&app);
}

#[test]
fn username_characters() {
    let app = app();
    reg(&app, "A-b_c.9");
    assert!(
        app.query(
            &Actor::Admin,
            T0,
            GetUser {
                username: n("a-b_c.9")
            }
        )
        .is_ok()
    );
    assert_err_desc(
        register(&app, &Actor::Admin, NewUser::new("", "pw", "u")),
        400,
        "illegal_argument",
        "Entity user requires a property named username",
    );
    for bad in ["a b", " a", "a\t", "é", "a@b", "a/b", "a#b"] {
        assert_err_desc(
            register(&app, &Actor::Admin, NewUser::new(bad, "pw", "u")),
            400,
            "illegal_argument",
            &format!("username {bad} is not legal"),
        );
    }
    assert_eq!(count_users(&app), 1);
}

#[test]
fn usernames_are_case_insensitive() {
    let app = app();
    reg(&app, "Bob");
    let e = assert_err(
        register(&app, &Actor::Admin, NewUser::new("bOB", "other", "u2")),
        400,
        "duplicate_unique_property_exists",
    );
    assert_eq!(
        e.to_string(),
        "Application org#app Entity user requires that property named username be unique, value of bob exists"
    );
    assert_eq!(count_users(&app), 1);
    // The original user is unchanged: the first password still works.
    assert!(token(&app, "BOB", "pw", "t1").is_ok());
    assert_err(token(&app, "bob", "other", "t2"), 400, "invalid_grant");
}

#[test]
fn password_length_edges() {
    let app = app();
    // Characters, not bytes: 64 two-byte characters are allowed.
    for (i, pw) in [
        "x".to_string(),
        "é".repeat(63),
        "é".repeat(64),
        "p".repeat(64),
    ]
    .iter()
    .enumerate()
    {
        register(&app, &Actor::Admin, NewUser::new(&format!("u{i}"), pw, "u")).unwrap();
        assert!(token(&app, &format!("u{i}"), pw, &format!("t{i}")).is_ok());
    }
    for pw in ["é".repeat(65), "p".repeat(65)] {
        assert_err_desc(
            register(&app, &Actor::Admin, NewUser::new("v", &pw, "u")),
            400,
            "illegal_argument",
            "password is too long",
        );
    }
    assert_err_desc(
        register(&app, &Actor::Admin, NewUser::new("v", "", "u")),
        400,
        "illegal_argument",
        "password or pin must provided",
    );
    assert_eq!(count_users(&app), 4);
}

#[test]
fn nickname_length_edges() {
    let app = app();
    for (i, len) in [0usize, 99, 100].into_iter().enumerate() {
        let mut u = NewUser::new(&format!("u{i}"), "pw", "u");
        u.nickname = Some("昵".repeat(len));
        let v = register(&app, &Actor::Admin, u).unwrap().reply;
        assert_eq!(v.nickname.unwrap().chars().count(), len);
    }
    let mut u = NewUser::new("v", "pw", "u");
    u.nickname = Some("昵".repeat(101));
    assert_err_desc(
        register(&app, &Actor::Admin, u),
        400,
        "illegal_argument",
        "NICKNAME_TOO_LONG",
    );
    assert_eq!(count_users(&app), 3);
}

#[test]
fn validation_runs_in_the_documented_order() {
    let app = app();
    // Username before password before nickname.
    let mut u = NewUser::new("a b", "", "u");
    u.nickname = Some("n".repeat(101));
    assert_err_desc(
        register(&app, &Actor::Admin, u.clone()),
        400,
        "illegal_argument",
        "username a b is not legal",
    );
    u.username = "ok".into();
    assert_err_desc(
        register(&app, &Actor::Admin, u.clone()),
        400,
        "illegal_argument",
        "password or pin must provided",
    );
    u.password = "pw".into();
    assert_err_desc(
        register(&app, &Actor::Admin, u),
        400,
        "illegal_argument",
        "NICKNAME_TOO_LONG",
    );
    // Authorization before validation.
    assert_err(
        register(&app, &Actor::Anonymous, NewUser::new("a b", "", "u")),
        401,
        "unauthorized",
    );
}

#[test]
fn authorized_mode_needs_the_admin() {
    let app = app();
    reg(&app, "admin-made");
    let msg = "Open registration doesn't allow, so register user need token";
    assert_err_desc(
        register(&app, &Actor::Anonymous, NewUser::new("x", "pw", "u")),
        401,
        "unauthorized",
        msg,
    );
    assert_err_desc(
        register(&app, &user("admin-made"), NewUser::new("x", "pw", "u")),
        401,
        "unauthorized",
        msg,
    );
    assert_eq!(count_users(&app), 1);
}

#[test]
fn open_mode_lets_anyone_register() {
    let app = app_with(Limits {
        registration_mode: RegistrationMode::Open,
        ..Limits::default()
    });
    register(&app, &Actor::Anonymous, NewUser::new("a", "pw", "u1")).unwrap();
    register(&app, &user("a"), NewUser::new("b", "pw", "u2")).unwrap();
    register(&app, &Actor::Admin, NewUser::new("c", "pw", "u3")).unwrap();
    assert_eq!(count_users(&app), 3);
    check(&app);
}

#[test]
fn user_cap_edges() {
    let app = app_with(Limits {
        users_max: Some(3),
        ..Limits::default()
    });
    reg(&app, "u1");
    reg(&app, "u2"); // n-1
    reg(&app, "u3"); // n
    assert_err_desc(
        register(&app, &Actor::Admin, NewUser::new("u4", "pw", "u")),
        429,
        "resource_limited",
        "You have exceeded the limit of the community edition,Please upgrade to the enterprise edition",
    );
    // A duplicate is reported as a duplicate even at the cap.
    assert_err(
        register(&app, &Actor::Admin, NewUser::new("u1", "pw", "u")),
        400,
        "duplicate_unique_property_exists",
    );
    assert_eq!(count_users(&app), 3);
    check(&app);
    // Deleting frees a slot.
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("u2") })
        .unwrap();
    reg(&app, "u4");
    assert_err(
        register(&app, &Actor::Admin, NewUser::new("u5", "pw", "u")),
        429,
        "resource_limited",
    );
    check(&app);
}

#[test]
fn a_deleted_name_can_be_registered_again_as_a_new_user() {
    let app = app();
    reg(&app, "carol");
    app.execute(
        &Actor::Admin,
        T0,
        DeleteUser {
            username: n("carol"),
        },
    )
    .unwrap();
    let later = Timestamp(T0.0 + 5);
    let v = app
        .execute(
            &Actor::Admin,
            later,
            RegisterUser(NewUser::new("carol", "pw2", "uuid-new")),
        )
        .unwrap()
        .reply;
    assert_eq!(v.uuid, "uuid-new");
    assert_eq!(v.created, later);
    check(&app);
}

mod rules {
    use super::*;
    use proptest::prelude::*;

    fn spec_valid(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    }

    proptest! {
        /// A username is accepted exactly when it is 1–64 bytes of `[A-Za-z0-9_.-]`, and is
        /// stored lowercase; anything else is `400 illegal_argument`.
        #[test]
        fn usernames_follow_the_spec_rule(s in "[A-Za-z0-9_.\\- é#\t]{0,70}") {
            match UserName::parse(&s) {
                Ok(u) => {
                    prop_assert!(spec_valid(&s));
                    prop_assert_eq!(u.as_str(), s.to_ascii_lowercase());
                }
                Err(e) => {
                    prop_assert!(!spec_valid(&s));
                    prop_assert_eq!((e.status(), e.code()), (400, "illegal_argument"));
                }
            }
        }

        /// A password is accepted exactly when it is 1–64 Unicode scalar values.
        #[test]
        fn passwords_count_characters(p in "\\PC{0,70}") {
            let app = app();
            let r = app.execute(&Actor::Admin, T0, RegisterUser(NewUser::new("u", &p, "x")));
            let chars = p.chars().count();
            if (1..=64).contains(&chars) {
                prop_assert!(r.is_ok());
            } else {
                let e = r.unwrap_err();
                prop_assert_eq!((e.status(), e.code()), (400, "illegal_argument"));
            }
        }
    }
}
