//! Helpers shared by the scenario tests: an app with chosen limits, user registration, name
//! parsing, and error assertions on status, code and description.
#![allow(dead_code)]

use imcore::*;

/// The `now` most tests run at.
pub const T0: Timestamp = Timestamp(1_700_000_000_000);

/// A fresh app with default limits.
pub fn app() -> App {
    app_with(Limits::default())
}

/// A fresh app with the given limits.
pub fn app_with(limits: Limits) -> App {
    let engine = Engine::new();
    engine
        .create_app(AppKey::new("org", "app").unwrap(), limits)
        .unwrap()
}

/// A parsed (folded) username.
pub fn n(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

/// Registers one user as the admin at `T0`, with password `pw` and uuid `uuid-<name>`.
pub fn reg(app: &App, name: &str) -> UserView {
    app.execute(
        &Actor::Admin,
        T0,
        RegisterUser(NewUser::new(name, "pw", &format!("uuid-{name}"))),
    )
    .unwrap()
    .reply
}

/// Registers `count` users `<prefix>0`, `<prefix>1`, ... in batches of 60; returns their names.
pub fn reg_many(app: &App, prefix: &str, count: usize) -> Vec<UserName> {
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}{i}")).collect();
    for chunk in names.chunks(60) {
        let batch = chunk
            .iter()
            .map(|s| NewUser::new(s, "pw", &format!("uuid-{s}")))
            .collect();
        let out = app
            .execute(&Actor::Admin, T0, RegisterUsers(batch))
            .unwrap();
        assert_eq!(out.reply.created.len(), chunk.len());
    }
    names.iter().map(|s| n(s)).collect()
}

/// The user actor for a name.
pub fn user(s: &str) -> Actor {
    Actor::User(n(s))
}

/// Asserts the error has this status and code.
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(r: Result<T>, status: u16, code: &str) -> Error {
    let e = r.expect_err("expected an error");
    assert_eq!(
        (e.status(), e.code()),
        (status, code),
        "wrong error: {e:?} ({e})"
    );
    e
}

/// Asserts the error has this status, code and description.
#[track_caller]
pub fn assert_err_desc<T: std::fmt::Debug>(r: Result<T>, status: u16, code: &str, desc: &str) {
    let e = assert_err(r, status, code);
    assert_eq!(e.to_string(), desc);
    assert_eq!(e.description(), desc);
}

/// Runs the invariant checker and panics with its message.
#[track_caller]
pub fn check(app: &App) {
    if let Err(m) = imcore::invariants::check(app) {
        panic!("invariant broken: {m}");
    }
}

/// Friends of `owner`, as strings, most recent first.
pub fn friends(app: &App, owner: &str) -> Vec<String> {
    app.query(&Actor::Admin, T0, ListFriends { owner: n(owner) })
        .unwrap()
        .into_iter()
        .map(|u| u.to_string())
        .collect()
}

/// `owner`'s block list, as strings, newest first (the unpaged read).
pub fn blocks(app: &App, owner: &str) -> Vec<String> {
    app.query(
        &Actor::Admin,
        T0,
        ListBlocks {
            owner: n(owner),
            page_size: None,
            cursor: None,
        },
    )
    .unwrap()
    .items
    .into_iter()
    .map(|u| u.to_string())
    .collect()
}

/// Adds a friendship as the admin at `T0`.
pub fn befriend(app: &App, a: &str, b: &str) {
    app.execute(
        &Actor::Admin,
        T0,
        AddFriend {
            owner: n(a),
            friend: n(b),
        },
    )
    .unwrap();
}

/// Blocks `targets` on `owner`'s list as the admin.
pub fn block(app: &App, owner: &str, targets: &[&str]) -> Result<Output<Vec<UserName>>> {
    app.execute(
        &Actor::Admin,
        T0,
        BlockUsers {
            owner: n(owner),
            usernames: targets.iter().map(|t| n(t)).collect(),
        },
    )
}

/// Sets attributes as the admin.
pub fn set_attrs(
    app: &App,
    who: &str,
    pairs: &[(&str, &str)],
) -> Result<Output<indexmap::IndexMap<String, String>>> {
    app.execute(
        &Actor::Admin,
        T0,
        SetAttributes {
            username: n(who),
            pairs: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
    )
}

/// The app's attribute bytes.
pub fn capacity(app: &App) -> u64 {
    app.query(&Actor::Admin, T0, AttributeCapacity).unwrap()
}

/// Issues a password-grant token.
pub fn token(app: &App, name: &str, pw: &str, tok: &str) -> Result<Output<TokenIssued>> {
    app.execute(
        &Actor::Anonymous,
        T0,
        IssueToken {
            grant: GrantType::Password {
                username: name.into(),
                password: pw.into(),
            },
            token: tok.into(),
            ttl: None,
        },
    )
}

/// Validates a token at `now`.
pub fn validate(app: &App, tok: &str, now: Timestamp) -> Result<Actor> {
    app.query(&Actor::Anonymous, now, ValidateToken { token: tok.into() })
}

/// Opens a session as the host.
pub fn open(app: &App, name: &str, res: &str) -> Result<Output<()>> {
    app.execute(
        &Actor::Admin,
        T0,
        OpenSession {
            username: n(name),
            resource: res.into(),
            device_uuid: None,
            device_name: None,
        },
    )
}
