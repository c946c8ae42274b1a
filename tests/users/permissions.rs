//! Who may call what (spec 01 §0 and each operation): the admin may do everything; a user
//! acts on their own resources where the spec says so; anonymous callers only register (in
//! open mode) and obtain tokens. Each refusal has the documented status and code.

use crate::fixture::users::*;
use imcore::*;

/// What a caller gets: allowed, or refused with (status, code).
#[derive(Debug, PartialEq)]
enum Want {
    Ok,
    Err(u16, &'static str),
}

use Want::*;

const UNAUTH: Want = Err(401, "unauthorized");
const META: Want = Err(401, "metadata_error");

fn outcome<T>(r: Result<T>) -> Want {
    match r {
        Result::Ok(_) => Ok,
        Result::Err(e) => Err(e.status(), e.code()),
    }
}

/// A fresh world per call: "me" (the caller when acting as a user), "peer", friends, with
/// attributes, a block and a remark in place.
fn world() -> App {
    let app = app();
    reg(&app, "me");
    reg(&app, "peer");
    reg(&app, "third");
    befriend(&app, "me", "peer");
    set_attrs(&app, "me", &[("k", "v")]).unwrap();
    app
}

type Call = fn(&App, &Actor) -> Want;

/// (name, call, as "me" on own resources, as "third" on me's resources, anonymous).
fn table() -> Vec<(&'static str, Call, Want, Want, Want)> {
    vec![
        (
            "get user",
            |a, c| outcome(a.query(c, T0, GetUser { username: n("me") })),
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "list users",
            |a, c| outcome(a.query(c, T0, ListUsers::default())),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "delete user",
            |a, c| outcome(a.execute(c, T0, DeleteUser { username: n("me") })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "batch delete",
            |a, c| outcome(a.execute(c, T0, DeleteUsers { limit: Some(1) })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "change password",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    ChangePassword {
                        username: n("me"),
                        new_password: "x".into(),
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "disable",
            |a, c| outcome(a.execute(c, T0, DisableUser { username: n("me") })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "enable",
            |a, c| outcome(a.execute(c, T0, EnableUser { username: n("me") })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "open session",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    OpenSession {
                        username: n("me"),
                        resource: "ios_1".into(),
                        device_uuid: None,
                        device_name: None,
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "close session",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    CloseSession {
                        username: n("me"),
                        resource: "ios_1".into(),
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "force logout",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    ForceLogout {
                        username: n("me"),
                        resource: None,
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "devices",
            |a, c| outcome(a.query(c, T0, ListDevices { username: n("me") })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "is online",
            |a, c| outcome(a.query(c, T0, IsOnline { username: n("me") })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "batch online",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    BatchOnline {
                        usernames: vec!["me".into()],
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "set attributes",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    SetAttributes {
                        username: n("me"),
                        pairs: vec![("k".into(), "w".into())],
                    },
                ))
            },
            Ok,
            META,
            UNAUTH,
        ),
        (
            "get attributes",
            |a, c| outcome(a.query(c, T0, GetAttributes { username: n("me") })),
            Ok,
            META,
            UNAUTH,
        ),
        (
            "batch get attributes",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    BatchGetAttributes {
                        targets: vec!["me".into()],
                        properties: vec!["k".into()],
                    },
                ))
            },
            Ok,
            META,
            UNAUTH,
        ),
        (
            "delete attributes",
            |a, c| outcome(a.execute(c, T0, DeleteAttributes { username: n("me") })),
            Ok,
            META,
            UNAUTH,
        ),
        (
            "capacity",
            |a, c| outcome(a.query(c, T0, AttributeCapacity)),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "add friend",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    AddFriend {
                        owner: n("me"),
                        friend: n("third"),
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "remove friend",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    RemoveFriend {
                        owner: n("me"),
                        friend: n("peer"),
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "set remark",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    SetRemark {
                        owner: n("me"),
                        friend: n("peer"),
                        remark: "r".into(),
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "list friends",
            |a, c| outcome(a.query(c, T0, ListFriends { owner: n("me") })),
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "list friends page",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    ListFriendsPage {
                        owner: n("me"),
                        limit: None,
                        cursor: None,
                        need_remark: true,
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "import friends",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    ImportFriends {
                        owner: n("me"),
                        usernames: vec!["third".into()],
                        notify: false,
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "are friends",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    AreFriends {
                        a: n("me"),
                        b: n("peer"),
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "block",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    BlockUsers {
                        owner: n("me"),
                        usernames: vec![n("peer")],
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "unblock",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    UnblockUser {
                        owner: n("me"),
                        blocked: n("peer"),
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "list blocks",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    ListBlocks {
                        owner: n("me"),
                        page_size: None,
                        cursor: None,
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "is blocked",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    IsBlocked {
                        owner: n("me"),
                        other: n("peer"),
                    },
                ))
            },
            Ok,
            UNAUTH,
            UNAUTH,
        ),
        (
            "set global mute",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    SetGlobalMute {
                        username: n("me"),
                        chat: Some(MuteValue::Forever),
                        groupchat: None,
                        chatroom: None,
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "get global mute",
            |a, c| outcome(a.query(c, T0, GetGlobalMute { username: n("me") })),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "list global mutes",
            |a, c| outcome(a.query(c, T0, ListGlobalMutes::default())),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "is globally muted",
            |a, c| {
                outcome(a.query(
                    c,
                    T0,
                    IsGloballyMuted {
                        username: n("me"),
                        scope: MuteScope::Chat,
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "register (authorized mode)",
            |a, c| outcome(a.execute(c, T0, RegisterUser(NewUser::new("newbie", "pw", "u")))),
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "batch register",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    RegisterUsers(vec![NewUser::new("newbie", "pw", "u")]),
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "inherit token",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    IssueToken {
                        grant: GrantType::Inherit {
                            username: "me".into(),
                            auto_create: false,
                            uuid: "u".into(),
                        },
                        token: "tok".into(),
                        ttl: None,
                    },
                ))
            },
            UNAUTH,
            UNAUTH,
            UNAUTH,
        ),
        (
            "password token",
            |a, c| {
                outcome(a.execute(
                    c,
                    T0,
                    IssueToken {
                        grant: GrantType::Password {
                            username: "me".into(),
                            password: "pw".into(),
                        },
                        token: "tok".into(),
                        ttl: None,
                    },
                ))
            },
            Ok,
            Ok,
            Ok,
        ),
        (
            "validate token",
            |a, c| {
                let _ = token(a, "me", "pw", "known");
                outcome(a.query(
                    c,
                    T0,
                    ValidateToken {
                        token: "known".into(),
                    },
                ))
            },
            Ok,
            Ok,
            Ok,
        ),
    ]
}

#[test]
fn the_admin_may_do_everything() {
    for (name, call, ..) in table() {
        let app = world();
        assert_eq!(call(&app, &Actor::Admin), Ok, "admin: {name}");
        check(&app);
    }
}

#[test]
fn users_act_only_on_their_own_resources() {
    for (name, call, own, other, anon) in table() {
        let app = world();
        assert_eq!(call(&app, &user("me")), own, "me: {name}");
        check(&app);
        let app = world();
        assert_eq!(call(&app, &user("third")), other, "third on me: {name}");
        let app = world();
        assert_eq!(call(&app, &Actor::Anonymous), anon, "anonymous: {name}");
        check(&app);
    }
}

#[test]
fn a_refused_call_changes_nothing() {
    let app = world();
    for (_, call, _, other, _) in table() {
        if other != Ok {
            call(&app, &user("third"));
        }
    }
    assert_eq!(friends(&app, "me"), ["peer"]);
    assert_eq!(capacity(&app), 2);
    assert!(blocks(&app, "me").is_empty());
    assert!(
        app.query(&Actor::Admin, T0, GetUser { username: n("me") })
            .unwrap()
            .activated
    );
    check(&app);
}
