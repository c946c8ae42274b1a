//! Tenants share nothing (spec 01 §0): the same names in two apps are different users, with
//! their own relations, budgets, tokens and caps; unknown apps are 404.

use crate::fixture::users::*;
use imcore::*;

fn two_apps() -> (Engine, AppKey, AppKey) {
    let engine = Engine::new();
    let k1 = AppKey::new("org", "one").unwrap();
    let k2 = AppKey::new("org", "two").unwrap();
    engine.create_app(k1.clone(), Limits::default()).unwrap();
    engine
        .create_app(
            k2.clone(),
            Limits {
                users_max: Some(2),
                attr_bytes_per_app: 10,
                ..Limits::default()
            },
        )
        .unwrap();
    (engine, k1, k2)
}

fn register(engine: &Engine, key: &AppKey, name: &str) -> Result<Output<UserView>> {
    engine.execute(
        key,
        &Actor::Admin,
        T0,
        RegisterUser(NewUser::new(name, "pw", &format!("{key}-{name}"))),
    )
}

#[test]
fn the_same_names_are_different_users() {
    let (engine, k1, k2) = two_apps();
    for k in [&k1, &k2] {
        register(&engine, k, "a").unwrap();
        register(&engine, k, "b").unwrap();
    }
    engine
        .execute(
            &k1,
            &Actor::Admin,
            T0,
            AddFriend {
                owner: n("a"),
                friend: n("b"),
            },
        )
        .unwrap();
    engine
        .execute(
            &k1,
            &Actor::Admin,
            T0,
            BlockUsers {
                owner: n("b"),
                usernames: vec![n("a")],
            },
        )
        .unwrap();
    assert!(
        engine
            .query(
                &k1,
                &Actor::Admin,
                T0,
                AreFriends {
                    a: n("a"),
                    b: n("b")
                }
            )
            .unwrap()
    );
    assert!(
        !engine
            .query(
                &k2,
                &Actor::Admin,
                T0,
                AreFriends {
                    a: n("a"),
                    b: n("b")
                }
            )
            .unwrap()
    );
    assert!(
        !engine
            .query(
                &k2,
                &Actor::Admin,
                T0,
                IsBlocked {
                    owner: n("b"),
                    other: n("a")
                }
            )
            .unwrap()
    );
    let v1 = engine
        .query(&k1, &Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    let v2 = engine
        .query(&k2, &Actor::Admin, T0, GetUser { username: n("a") })
        .unwrap();
    assert_ne!(v1.uuid, v2.uuid);
    // Deleting in one app leaves the other alone.
    engine
        .execute(&k1, &Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    assert!(
        engine
            .query(&k2, &Actor::Admin, T0, GetUser { username: n("a") })
            .is_ok()
    );
    for k in [&k1, &k2] {
        check(&engine.app(k).unwrap());
    }
}

#[test]
fn budgets_caps_and_tokens_are_per_app() {
    let (engine, k1, k2) = two_apps();
    register(&engine, &k2, "a").unwrap();
    register(&engine, &k2, "b").unwrap();
    assert_err(register(&engine, &k2, "c"), 429, "resource_limited");
    register(&engine, &k1, "c").unwrap();
    register(&engine, &k1, "a").unwrap();

    let set = |k: &AppKey, v: &str| {
        engine.execute(
            k,
            &Actor::Admin,
            T0,
            SetAttributes {
                username: n("a"),
                pairs: vec![("k".into(), v.into())],
            },
        )
    };
    set(&k1, "0123456789abcdef").unwrap();
    assert_err(set(&k2, "0123456789"), 403, "FORBIDDEN");
    set(&k2, "012345678").unwrap();
    assert_eq!(
        engine
            .query(&k1, &Actor::Admin, T0, AttributeCapacity)
            .unwrap(),
        17
    );
    assert_eq!(
        engine
            .query(&k2, &Actor::Admin, T0, AttributeCapacity)
            .unwrap(),
        10
    );

    let a1 = engine.app(&k1).unwrap();
    let a2 = engine.app(&k2).unwrap();
    token(&a1, "a", "pw", "tok").unwrap();
    assert_eq!(validate(&a1, "tok", T0).unwrap(), user("a"));
    assert_err(validate(&a2, "tok", T0), 401, "auth_bad_access_token");
    // The same token string may be issued in the other app independently.
    token(&a2, "a", "pw", "tok").unwrap();
    engine
        .execute(&k2, &Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    assert_eq!(validate(&a1, "tok", T0).unwrap(), user("a"));
    assert_err(validate(&a2, "tok", T0), 401, "auth_bad_access_token");
    check(&a1);
    check(&a2);
}

#[test]
fn unknown_apps_are_404() {
    let (engine, k1, _) = two_apps();
    let nope = AppKey::new("org", "nope").unwrap();
    assert_err_desc(
        engine.app(&nope),
        404,
        "organization_application_not_found",
        "Could not find application for org#nope from path",
    );
    assert_err(
        engine.execute(
            &nope,
            &Actor::Admin,
            T0,
            RegisterUser(NewUser::new("a", "pw", "u")),
        ),
        404,
        "organization_application_not_found",
    );
    assert_err(
        engine.query(&nope, &Actor::Admin, T0, ListUsers::default()),
        404,
        "organization_application_not_found",
    );
    assert_err(
        engine.delete_app(&nope),
        404,
        "organization_application_not_found",
    );
    // Deleting an app makes it unknown; a duplicate create is refused.
    assert_err(
        engine.create_app(k1.clone(), Limits::default()),
        400,
        "duplicate_unique_property_exists",
    );
    assert_eq!(
        engine.app_keys(),
        vec![k1.clone(), AppKey::new("org", "two").unwrap()]
    );
    engine.delete_app(&k1).unwrap();
    assert_err(engine.app(&k1), 404, "organization_application_not_found");
    assert_eq!(engine.app_keys().len(), 1);
    // A fresh app under the old key starts empty.
    let fresh = engine.create_app(k1.clone(), Limits::default()).unwrap();
    assert!(
        fresh
            .query(&Actor::Admin, T0, ListUsers::default())
            .unwrap()
            .items
            .is_empty()
    );
}

#[test]
fn app_keys_are_validated() {
    assert!(AppKey::new("org", "app-1_x").is_ok());
    for (o, a) in [
        ("", "x"),
        ("x", ""),
        ("o#", "x"),
        ("o", "a b"),
        ("o", &"x".repeat(65)),
    ] {
        assert_err(AppKey::new(o, a), 400, "illegal_argument");
    }
    assert!(AppKey::new(&"o".repeat(64), &"x".repeat(64)).is_ok());
}
