//! `SetLimits`: a host applies a changed configuration as a command. Admin only; the new
//! limits apply to later commands; a cap below what the app holds is refused whole (the old
//! limits stay), at the edge (n-1 refused, n and n+1 accepted).

use crate::fixture::users::*;
use imcore::*;

fn set(l: Limits) -> SetLimits {
    SetLimits(Box::new(l))
}

fn friends_capped(max: Option<u32>) -> Limits {
    Limits {
        friends_max: max,
        ..Limits::default()
    }
}

fn befriend(app: &App, a: &str, b: &str) -> Result<Output<UserView>> {
    app.execute(
        &Actor::Admin,
        T0,
        AddFriend {
            owner: n(a),
            friend: n(b),
        },
    )
}

#[test]
fn only_the_admin_sets_limits() {
    let app = app();
    reg(&app, "a");
    assert_err(
        app.execute(&user("a"), T0, set(friends_capped(Some(5)))),
        401,
        "unauthorized",
    );
    assert_eq!(app.limits().friends_max, Limits::default().friends_max);
}

#[test]
fn raised_and_lowered_caps_apply_to_later_commands() {
    let app = app_with(friends_capped(Some(1)));
    for u in ["a", "b", "c", "d"] {
        reg(&app, u);
    }
    befriend(&app, "a", "b").unwrap();
    assert_err(befriend(&app, "a", "c"), 403, "exceed_limit");
    let applied = app.applied();
    app.execute(&Actor::Admin, T0, set(friends_capped(Some(2))))
        .unwrap();
    assert_eq!(app.applied(), applied + 1, "a change is a logged command");
    assert_eq!(app.limits().friends_max, Some(2));
    befriend(&app, "a", "c").unwrap();
    assert_err(befriend(&app, "a", "d"), 403, "exceed_limit");
    // The same limits again change nothing (and still count as applied).
    app.execute(&Actor::Admin, T0, set(friends_capped(Some(2))))
        .unwrap();
    check(&app);
}

#[test]
fn a_cap_below_what_the_app_holds_is_refused_at_its_edge() {
    let app = app_with(friends_capped(Some(5)));
    for u in ["a", "b", "c", "d"] {
        reg(&app, u);
    }
    for f in ["b", "c", "d"] {
        befriend(&app, "a", f).unwrap();
    }
    // a has 3 friends: a cap of 2 (n-1) is refused and the old cap stays.
    let e = assert_err(
        app.execute(&Actor::Admin, T0, set(friends_capped(Some(2)))),
        400,
        "illegal_argument",
    );
    assert!(e.to_string().contains("friends"), "{e}");
    assert_eq!(app.limits().friends_max, Some(5));
    // 3 (n) and 4 (n+1) apply.
    app.execute(&Actor::Admin, T0, set(friends_capped(Some(4))))
        .unwrap();
    app.execute(&Actor::Admin, T0, set(friends_capped(Some(3))))
        .unwrap();
    assert_eq!(app.limits().friends_max, Some(3));
    reg(&app, "e");
    assert_err(befriend(&app, "a", "e"), 403, "exceed_limit");
    befriend(&app, "b", "e").unwrap();
    check(&app);
}

#[test]
fn users_max_below_the_user_count_is_refused() {
    let app = app();
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    let cap = |m| Limits {
        users_max: Some(m),
        ..Limits::default()
    };
    assert_err(
        app.execute(&Actor::Admin, T0, set(cap(2))),
        400,
        "illegal_argument",
    );
    app.execute(&Actor::Admin, T0, set(cap(3))).unwrap();
    assert_err(
        app.execute(
            &Actor::Admin,
            T0,
            RegisterUser(NewUser::new("d", "pw", "uuid-d")),
        ),
        429,
        "resource_limited",
    );
}
