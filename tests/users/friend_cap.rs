//! The friend cap (spec 01 §10, §18): either side at `friends_max` refuses a new friendship,
//! at n-1, n and n+1, with a small cap and once at the default 1000.

use crate::fixture::users::*;
use imcore::*;

fn add(app: &App, a: &str, b: &str) -> Result<Output<UserView>> {
    app.execute(
        &Actor::Admin,
        T0,
        AddFriend {
            owner: n(a),
            friend: n(b),
        },
    )
}

const CAP_MSG: &str = "user contact number exceed limit";

fn capped(max: u32) -> App {
    app_with(Limits {
        friends_max: Some(max),
        ..Limits::default()
    })
}

#[test]
fn the_owner_at_the_cap_is_refused() {
    let app = capped(3);
    for u in ["a", "b", "c", "d", "e"] {
        reg(&app, u);
    }
    add(&app, "a", "b").unwrap();
    add(&app, "a", "c").unwrap(); // n-1
    add(&app, "a", "d").unwrap(); // n
    assert_err_desc(add(&app, "a", "e"), 403, "exceed_limit", CAP_MSG); // n+1
    assert_err_desc(add(&app, "e", "a"), 403, "exceed_limit", CAP_MSG);
    assert_eq!(friends(&app, "a").len(), 3);
    assert!(friends(&app, "e").is_empty());
    check(&app);
    // Re-adding an existing friend at the cap is still a success.
    let out = add(&app, "a", "b").unwrap();
    assert!(out.events.is_empty());
    // Removing one frees a slot.
    app.execute(
        &Actor::Admin,
        T0,
        RemoveFriend {
            owner: n("b"),
            friend: n("a"),
        },
    )
    .unwrap();
    add(&app, "e", "a").unwrap();
    assert_err(add(&app, "a", "b"), 403, "exceed_limit");
    check(&app);
}

#[test]
fn the_other_side_at_the_cap_is_refused() {
    let app = capped(2);
    for u in ["full", "x", "y", "newcomer"] {
        reg(&app, u);
    }
    add(&app, "full", "x").unwrap();
    add(&app, "full", "y").unwrap();
    assert_err_desc(add(&app, "newcomer", "full"), 403, "exceed_limit", CAP_MSG);
    assert!(friends(&app, "newcomer").is_empty());
    check(&app);
}

#[test]
fn deleting_a_friend_frees_a_slot() {
    let app = capped(1);
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    add(&app, "a", "b").unwrap();
    assert_err(add(&app, "a", "c"), 403, "exceed_limit");
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("b") })
        .unwrap();
    add(&app, "a", "c").unwrap();
    check(&app);
}

#[test]
fn no_cap_means_unlimited() {
    let app = app_with(Limits {
        friends_max: None,
        ..Limits::default()
    });
    reg(&app, "hub");
    for f in reg_many(&app, "f", 1100) {
        add(&app, "hub", f.as_str()).unwrap();
    }
    assert_eq!(friends(&app, "hub").len(), 1100);
    check(&app);
}

#[test]
fn default_cap_is_1000() {
    let app = app();
    assert_eq!(app.limits().friends_max, Some(1000));
    reg(&app, "hub");
    let fs = reg_many(&app, "f", 1001);
    for f in &fs[..999] {
        add(&app, "hub", f.as_str()).unwrap();
    }
    assert_eq!(friends(&app, "hub").len(), 999); // n-1
    add(&app, fs[999].as_str(), "hub").unwrap(); // n
    assert_err_desc(
        add(&app, "hub", fs[1000].as_str()),
        403,
        "exceed_limit",
        CAP_MSG,
    ); // n+1
    assert_err(add(&app, fs[1000].as_str(), "hub"), 403, "exceed_limit");
    assert_eq!(friends(&app, "hub").len(), 1000);
    check(&app);
    // Import at the cap: refused for the owner, a per-name failure for a full friend.
    assert_err_desc(
        app.execute(
            &Actor::Admin,
            T0,
            ImportFriends {
                owner: n("hub"),
                usernames: vec![fs[1000].to_string()],
                notify: false,
            },
        ),
        403,
        "exceed_limit",
        "Inviter's contact max count.",
    );
    let out = app
        .execute(
            &Actor::Admin,
            T0,
            ImportFriends {
                owner: fs[1000].clone(),
                usernames: vec!["hub".into()],
                notify: false,
            },
        )
        .unwrap();
    assert_eq!(
        out.reply,
        vec![("hub".to_string(), ImportResult::MaxLimitFailed)]
    );
    check(&app);
}
