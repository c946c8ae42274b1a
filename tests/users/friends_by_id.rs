//! The id forms of the friend writes (`AddFriendById`, `RemoveFriendById`, issue 9): the same
//! rules, replies, events and errors as `AddFriend` and `RemoveFriend`, by handles from
//! `LookupUser`. Every error at its edge: the caller, the owner as their own friend, unknown
//! and stale handles, the friend cap (the default 1000 at n-1, n and n+1, on either side), and
//! the interplay with blocks; and a mixed script run once by names and once by handles on two
//! apps, step for step equal.

use crate::fixture::users::*;
use imcore::*;

const CAP_MSG: &str = "user contact number exceed limit";

fn id(app: &App, name: &str) -> UserId {
    app.query(&Actor::Admin, T0, LookupUser { username: n(name) })
        .unwrap()
}

fn add_id(app: &App, actor: &Actor, a: UserId, b: UserId) -> Result<Output<UserView>> {
    app.execute(
        actor,
        T0,
        AddFriendById {
            owner: a,
            friend: b,
        },
    )
}

fn remove_id(app: &App, actor: &Actor, a: UserId, b: UserId) -> Result<Output<UserView>> {
    app.execute(
        actor,
        T0,
        RemoveFriendById {
            owner: a,
            friend: b,
        },
    )
}

fn are_friends(app: &App, a: &str, b: &str) -> bool {
    app.query(&Actor::Admin, T0, AreFriends { a: n(a), b: n(b) })
        .unwrap()
}

#[test]
fn adding_by_handle_forms_the_friendship_both_ways_with_the_name_forms_reply_and_event() {
    let app = app();
    reg(&app, "alice");
    let bob_view = reg(&app, "bob");
    let (a, b) = (id(&app, "alice"), id(&app, "bob"));
    let out = add_id(&app, &Actor::Admin, a, b).unwrap();
    assert_eq!(out.reply, bob_view);
    assert_eq!(
        out.events,
        vec![Event::ContactAdded {
            owner: n("alice"),
            friend: n("bob"),
        }]
    );
    assert!(are_friends(&app, "alice", "bob") && are_friends(&app, "bob", "alice"));
    assert_eq!(friends(&app, "alice"), ["bob"]);
    assert_eq!(friends(&app, "bob"), ["alice"]);
    // Again, either way round: a success that changes nothing and emits nothing.
    for (x, y) in [(a, b), (b, a)] {
        let out = add_id(&app, &Actor::Admin, x, y).unwrap();
        assert!(out.events.is_empty());
    }
    assert_eq!(friends(&app, "alice"), ["bob"]);
    check(&app);
}

#[test]
fn removing_by_handle_ends_it_both_ways_with_both_remarks() {
    let app = app();
    reg(&app, "alice");
    let bob_view = reg(&app, "bob");
    let (a, b) = (id(&app, "alice"), id(&app, "bob"));
    add_id(&app, &Actor::Admin, a, b).unwrap();
    for (o, f) in [("alice", "bob"), ("bob", "alice")] {
        app.execute(
            &Actor::Admin,
            T0,
            SetRemark {
                owner: n(o),
                friend: n(f),
                remark: format!("{f}!"),
            },
        )
        .unwrap();
    }
    // The friend removes: the event names the side that asked.
    let out = remove_id(&app, &Actor::Admin, b, a).unwrap();
    assert_eq!(out.reply.username, n("alice"));
    assert_eq!(
        out.events,
        vec![Event::ContactRemoved {
            owner: n("bob"),
            friend: n("alice"),
        }]
    );
    assert!(!are_friends(&app, "alice", "bob") && !are_friends(&app, "bob", "alice"));
    // Not friends any more: success, no change, no event; the reply is still the view.
    let out = remove_id(&app, &Actor::Admin, a, b).unwrap();
    assert!(out.events.is_empty());
    assert_eq!(out.reply, bob_view);
    // Friends again: the remarks did not survive.
    add_id(&app, &Actor::Admin, a, b).unwrap();
    let page = app
        .query(
            &Actor::Admin,
            T0,
            ListFriendsPage {
                owner: n("alice"),
                limit: None,
                cursor: None,
                need_remark: true,
            },
        )
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].remark, None);
    check(&app);
}

#[test]
fn the_owner_as_their_own_friend_is_400_before_the_handle_is_looked_at() {
    let app = app();
    reg(&app, "alice");
    let a = id(&app, "alice");
    assert_err_desc(
        add_id(&app, &Actor::Admin, a, a),
        400,
        "illegal_argument",
        "user can not add himself as a friend",
    );
    // As with the name form, the self check comes before the existence check.
    let nobody = UserId(u64::from(u32::MAX) - 3);
    assert_err(
        add_id(&app, &Actor::Admin, nobody, nobody),
        400,
        "illegal_argument",
    );
    // Removing oneself is a success that changes nothing (as `RemoveFriend` by name).
    let out = remove_id(&app, &Actor::Admin, a, a).unwrap();
    assert!(out.events.is_empty());
    assert_eq!(out.reply.username, n("alice"));
    assert!(friends(&app, "alice").is_empty());
}

#[test]
fn unknown_and_stale_handles_get_the_404_an_unknown_name_gets() {
    let app = app();
    reg(&app, "alice");
    reg(&app, "bob");
    let (a, b) = (id(&app, "alice"), id(&app, "bob"));
    // The name forms' answer for an unknown user, to compare with.
    let by_name = app
        .execute(
            &Actor::Admin,
            T0,
            AddFriend {
                owner: n("alice"),
                friend: n("ghost"),
            },
        )
        .unwrap_err();
    assert_eq!(
        (by_name.status(), by_name.code()),
        (404, "service_resource_not_found")
    );
    let past = UserId(1_000_000);
    for (o, f) in [(a, past), (past, b)] {
        for r in [
            add_id(&app, &Actor::Admin, o, f),
            remove_id(&app, &Actor::Admin, o, f),
        ] {
            let e = assert_err(r, 404, "service_resource_not_found");
            assert_eq!(e.description(), by_name.description());
        }
    }
    // A stale handle: bob is deleted and registered again; his old handle names nobody, the
    // new one works.
    add_id(&app, &Actor::Admin, a, b).unwrap();
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("bob") })
        .unwrap();
    assert!(friends(&app, "alice").is_empty());
    reg(&app, "bob");
    let b2 = id(&app, "bob");
    assert_ne!(b, b2);
    assert_err(
        add_id(&app, &Actor::Admin, a, b),
        404,
        "service_resource_not_found",
    );
    assert_err(
        add_id(&app, &Actor::Admin, b, a),
        404,
        "service_resource_not_found",
    );
    assert_err(
        remove_id(&app, &Actor::Admin, a, b),
        404,
        "service_resource_not_found",
    );
    assert!(
        friends(&app, "alice").is_empty(),
        "a refused write changed nothing"
    );
    add_id(&app, &Actor::Admin, a, b2).unwrap();
    assert_eq!(friends(&app, "alice"), ["bob"]);
    check(&app);
}

#[test]
fn the_caller_is_the_admin_or_the_owner_by_their_token() {
    let app = app();
    for u in ["alice", "bob", "carol"] {
        reg(&app, u);
    }
    let (a, b, c) = (id(&app, "alice"), id(&app, "bob"), id(&app, "carol"));
    // Another user's token, anonymous: 401, as the name form, and nothing changes.
    for actor in [user("bob"), user("carol"), Actor::Anonymous] {
        assert_err(add_id(&app, &actor, a, b), 401, "unauthorized");
        assert_err(remove_id(&app, &actor, a, b), 401, "unauthorized");
    }
    assert!(friends(&app, "alice").is_empty());
    // A user token with a handle of nobody is not that user's: 401 before the 404.
    let nobody = UserId(1_000_000);
    assert_err(add_id(&app, &user("alice"), nobody, b), 401, "unauthorized");
    // The owner's own token.
    let out = add_id(&app, &user("alice"), a, c).unwrap();
    assert_eq!(out.events.len(), 1);
    // The owner's token with an unknown friend: the 404.
    assert_err(
        add_id(&app, &user("alice"), a, nobody),
        404,
        "service_resource_not_found",
    );
    let out = remove_id(&app, &user("alice"), a, c).unwrap();
    assert_eq!(out.events.len(), 1);
    assert!(friends(&app, "alice").is_empty());
}

/// The default cap (1000) by handles: the owner at n-1 adds (reaching n), at n is refused
/// (n+1), and so is anyone adding a user at the cap; an existing friend at the cap is still a
/// success; a removal frees a slot.
#[test]
fn the_default_friend_cap_of_1000_at_its_edge() {
    let app = app();
    assert_eq!(app.limits().friends_max, Some(1000));
    let names = reg_many(&app, "f", 1002);
    reg(&app, "owner");
    let ids: Vec<UserId> = names.iter().map(|u| id(&app, u.as_str())).collect();
    let o = id(&app, "owner");
    for f in &ids[..999] {
        add_id(&app, &Actor::Admin, o, *f).unwrap();
    }
    assert_eq!(friends(&app, "owner").len(), 999); // n-1
    let out = add_id(&app, &Actor::Admin, o, ids[999]).unwrap(); // reaches n
    assert_eq!(out.events.len(), 1);
    assert_eq!(friends(&app, "owner").len(), 1000);
    // n+1, either way round.
    let at = |x: UserId, y: UserId| {
        assert_err_desc(
            add_id(&app, &Actor::Admin, x, y),
            403,
            "exceed_limit",
            CAP_MSG,
        )
    };
    at(o, ids[1000]);
    at(ids[1000], o);
    assert!(friends(&app, "f1000").is_empty());
    // Already friends at the cap: success, no event, either way round.
    for (x, y) in [(o, ids[5]), (ids[5], o)] {
        assert!(add_id(&app, &Actor::Admin, x, y).unwrap().events.is_empty());
    }
    // A removal frees a slot for the next one, then the cap holds again.
    remove_id(&app, &Actor::Admin, ids[0], o).unwrap();
    add_id(&app, &Actor::Admin, ids[1000], o).unwrap();
    assert_eq!(friends(&app, "owner").len(), 1000);
    assert_err(
        add_id(&app, &Actor::Admin, o, ids[1001]),
        403,
        "exceed_limit",
    );
    check(&app);
}

#[test]
fn blocks_stay_when_friends_are_added_or_removed_by_handle() {
    let app = app();
    reg(&app, "alice");
    reg(&app, "bob");
    let (a, b) = (id(&app, "alice"), id(&app, "bob"));
    block(&app, "alice", &["bob"]).unwrap();
    // A block does not stop a friendship (either side asking), nor end one.
    add_id(&app, &Actor::Admin, b, a).unwrap();
    assert!(are_friends(&app, "alice", "bob"));
    let blocked = |app: &App| {
        app.query(&Actor::Admin, T0, IsBlockedById { owner: a, other: b })
            .unwrap()
    };
    assert!(blocked(&app));
    remove_id(&app, &Actor::Admin, a, b).unwrap();
    assert!(!are_friends(&app, "alice", "bob"));
    assert!(blocked(&app), "removing the friend kept the block");
    assert_eq!(blocks(&app, "alice"), ["bob"]);
    check(&app);
}

/// One script of friend writes — successes, repeats, refusals of every kind — run on two apps,
/// by names on one and by handles on the other: every reply, event and error is the same.
#[test]
fn a_script_by_names_and_by_handles_gives_the_same_outputs() {
    let limits = Limits {
        friends_max: Some(2),
        ..Limits::default()
    };
    let (by_name, by_id) = (app_with(limits.clone()), app_with(limits));
    for app in [&by_name, &by_id] {
        for u in ["a", "b", "c", "d"] {
            reg(app, u);
        }
    }
    let script: &[(bool, &str, &str, &str)] = &[
        // (add?, actor ("" = admin), owner, friend)
        (true, "", "a", "b"),
        (true, "", "a", "b"),
        (true, "", "b", "a"),
        (true, "a", "a", "c"),
        (true, "", "a", "d"),  // a at the cap
        (true, "", "d", "a"),  // the other side at the cap
        (true, "b", "a", "d"), // another user's token
        (true, "", "c", "c"),
        (false, "", "a", "d"), // not friends
        (false, "c", "a", "b"),
        (false, "", "b", "a"),
        (true, "", "a", "d"),
        (false, "a", "a", "c"),
        (false, "", "c", "c"),
    ];
    type Got = std::result::Result<(UserView, Vec<Event>), (u16, &'static str, String)>;
    for (i, &(add, who, o, f)) in script.iter().enumerate() {
        let actor = if who.is_empty() {
            Actor::Admin
        } else {
            user(who)
        };
        let flat = |r: Result<Output<UserView>>| -> Got {
            r.map(|o| (o.reply, o.events))
                .map_err(|e| (e.status(), e.code(), e.description()))
        };
        let (x, y) = if add {
            (
                by_name.execute(
                    &actor,
                    T0,
                    AddFriend {
                        owner: n(o),
                        friend: n(f),
                    },
                ),
                add_id(&by_id, &actor, id(&by_id, o), id(&by_id, f)),
            )
        } else {
            (
                by_name.execute(
                    &actor,
                    T0,
                    RemoveFriend {
                        owner: n(o),
                        friend: n(f),
                    },
                ),
                remove_id(&by_id, &actor, id(&by_id, o), id(&by_id, f)),
            )
        };
        assert_eq!(flat(x), flat(y), "step {i}: {add} {who} {o} {f}");
        for u in ["a", "b", "c", "d"] {
            assert_eq!(friends(&by_name, u), friends(&by_id, u), "step {i}: {u}");
        }
    }
    assert_eq!(friends(&by_id, "a"), ["d"]);
    check(&by_name);
    check(&by_id);
}

/// The id forms are commands like any other: they serialize (a command log holds them),
/// replay through `execute_any` with the typed reply, and the variants logged before them keep
/// their tags.
#[test]
fn the_id_forms_serialize_and_replay() {
    let app = app();
    reg(&app, "alice");
    reg(&app, "bob");
    let (a, b) = (id(&app, "alice"), id(&app, "bob"));
    let cmds: Vec<Command> = vec![
        AddFriendById {
            owner: a,
            friend: b,
        }
        .into(),
        RemoveFriendById {
            owner: b,
            friend: a,
        }
        .into(),
    ];
    for c in cmds {
        let bytes = postcard::to_stdvec(&c).unwrap();
        let back: Command = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
        let out = app.execute_any(&Actor::Admin, T0, back).unwrap();
        assert_eq!(out.events.len(), 1);
        assert!(matches!(
            out.reply,
            Reply::AddFriendById(ref v) | Reply::RemoveFriendById(ref v) if v.username.as_str() != ""
        ));
    }
    // `AddFriend` keeps the tag it had before the id forms were added (they come last).
    let old: Command = AddFriend {
        owner: n("alice"),
        friend: n("bob"),
    }
    .into();
    let add_tag = postcard::to_stdvec(&old).unwrap()[0];
    let add_id_tag = postcard::to_stdvec(&Command::from(AddFriendById {
        owner: a,
        friend: b,
    }))
    .unwrap();
    assert_eq!(add_tag, 13, "AddFriend's tag in the command log");
    // After the variants of every area (`Expire` and the lifecycle's `SetChatBan` among the
    // last before them).
    let expire_tag = postcard::to_stdvec(&Command::from(Expire)).unwrap()[0];
    assert!(
        add_id_tag[0] > expire_tag + 12,
        "{add_id_tag:?} after {expire_tag}"
    );
}
