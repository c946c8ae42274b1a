//! Blocking does not end a friendship (spec 01 §10 OPEN c, §11): a block is one-way, friends
//! stay friends while blocked, friends may be added while a block is in place, and unblocking
//! leaves the users as they were before.

use crate::fixture::users::*;
use imcore::*;

fn is_blocked(app: &App, owner: &str, other: &str) -> bool {
    app.query(
        &Actor::Admin,
        T0,
        IsBlocked {
            owner: n(owner),
            other: n(other),
        },
    )
    .unwrap()
}

fn are_friends(app: &App, a: &str, b: &str) -> bool {
    app.query(&Actor::Admin, T0, AreFriends { a: n(a), b: n(b) })
        .unwrap()
}

fn unblock(app: &App, owner: &str, other: &str) -> Output<UserView> {
    app.execute(
        &Actor::Admin,
        T0,
        UnblockUser {
            owner: n(owner),
            blocked: n(other),
        },
    )
    .unwrap()
}

#[test]
fn friends_stay_friends_when_one_blocks_the_other() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    befriend(&app, "a", "b");
    let out = block(&app, "a", &["b"]).unwrap();
    assert_eq!(
        out.events,
        vec![Event::UserBlocked {
            owner: n("a"),
            blocked: n("b")
        }]
    );
    assert!(are_friends(&app, "a", "b"));
    assert!(are_friends(&app, "b", "a"));
    assert!(is_blocked(&app, "a", "b"));
    assert!(!is_blocked(&app, "b", "a"), "blocking is one-way");
    check(&app);
    unblock(&app, "a", "b");
    assert!(are_friends(&app, "a", "b"));
    assert!(!is_blocked(&app, "a", "b"));
    check(&app);
}

#[test]
fn friends_can_be_added_while_a_block_is_in_place() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    block(&app, "a", &["b"]).unwrap();
    block(&app, "b", &["a"]).unwrap();
    befriend(&app, "b", "a");
    assert!(are_friends(&app, "a", "b"));
    assert!(is_blocked(&app, "a", "b"));
    assert!(is_blocked(&app, "b", "a"));
    check(&app);
}

#[test]
fn ending_a_friendship_keeps_the_block() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    befriend(&app, "a", "b");
    block(&app, "b", &["a"]).unwrap();
    app.execute(
        &Actor::Admin,
        T0,
        RemoveFriend {
            owner: n("a"),
            friend: n("b"),
        },
    )
    .unwrap();
    assert!(!are_friends(&app, "a", "b"));
    assert!(is_blocked(&app, "b", "a"));
    // Unblocking a non-friend leaves plain non-friends.
    unblock(&app, "b", "a");
    assert!(!are_friends(&app, "a", "b"));
    assert!(!is_blocked(&app, "b", "a"));
    check(&app);
}

#[test]
fn remarks_survive_a_block() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    befriend(&app, "a", "b");
    app.execute(
        &Actor::Admin,
        T0,
        SetRemark {
            owner: n("a"),
            friend: n("b"),
            remark: "bee".into(),
        },
    )
    .unwrap();
    block(&app, "a", &["b"]).unwrap();
    unblock(&app, "a", "b");
    let p = app
        .query(
            &Actor::Admin,
            T0,
            ListFriendsPage {
                owner: n("a"),
                limit: None,
                cursor: None,
                need_remark: true,
            },
        )
        .unwrap();
    assert_eq!(p.items[0].remark.as_deref(), Some("bee"));
}
