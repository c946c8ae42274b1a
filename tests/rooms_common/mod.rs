//! Shared helpers for the chatroom scenario tests.
#![allow(dead_code)]

use imcore::rooms::*;
use imcore::*;

pub const T0: Timestamp = Timestamp(1_000_000);

pub fn admin() -> Actor {
    Actor::Admin
}

pub fn u(name: &str) -> Actor {
    Actor::User(un(name))
}

pub fn un(name: &str) -> UserName {
    UserName::parse(name).unwrap()
}

pub fn uns(names: &[&str]) -> Vec<UserName> {
    names.iter().map(|n| un(n)).collect()
}

/// An app with these limits and these users registered.
pub fn app_with(limits: Limits, users: &[&str]) -> App {
    let engine = Engine::new();
    let app = engine
        .create_app(AppKey::new("org", "app").unwrap(), limits)
        .unwrap();
    register(&app, users);
    app
}

pub fn app(users: &[&str]) -> App {
    app_with(Limits::default(), users)
}

pub fn room_limits(f: impl FnOnce(&mut RoomLimits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l.rooms);
    l
}

pub fn register(app: &App, users: &[&str]) {
    for n in users {
        app.execute(
            &Actor::Admin,
            T0,
            RegisterUser(NewUser::new(n, "pw", &format!("uuid-{n}"))),
        )
        .unwrap();
    }
}

pub fn run<C: Exec>(app: &App, actor: &Actor, cmd: C) -> Result<C::Reply> {
    app.execute(actor, T0, cmd).map(|o| o.reply)
}

pub fn run_at<C: Exec>(app: &App, actor: &Actor, now: Timestamp, cmd: C) -> Result<C::Reply> {
    app.execute(actor, now, cmd).map(|o| o.reply)
}

pub fn events<C: Exec>(app: &App, actor: &Actor, cmd: C) -> Vec<RoomEvent> {
    app.execute(actor, T0, cmd)
        .unwrap()
        .events
        .into_iter()
        .filter_map(|e| match e {
            Event::Room(r) => Some(r),
            _ => None,
        })
        .collect()
}

pub fn ask<Q: Ask>(app: &App, actor: &Actor, q: Q) -> Result<Q::Reply> {
    app.query(actor, T0, q)
}

/// Creates a room as the admin: owner plus members.
pub fn create(app: &App, owner: &str, members: &[&str]) -> RoomId {
    run(
        app,
        &admin(),
        CreateRoom {
            name: Some("r".into()),
            description: Some("d".into()),
            owner: Some(un(owner)),
            members: if members.is_empty() {
                None
            } else {
                Some(uns(members))
            },
            ..Default::default()
        },
    )
    .unwrap()
}

pub fn create_cmd(owner: &str) -> CreateRoom {
    CreateRoom {
        name: Some("r".into()),
        description: Some("d".into()),
        owner: Some(un(owner)),
        ..Default::default()
    }
}

/// Members by page mode as the admin: owner first, then join order.
pub fn members(app: &App, room: RoomId) -> Vec<String> {
    ask(
        app,
        &admin(),
        ListRoomMembers {
            room,
            pagenum: None,
            pagesize: None,
        },
    )
    .unwrap()
    .into_iter()
    .map(|a| match a {
        RoomAffiliation::Owner(n) => format!("owner:{n}"),
        RoomAffiliation::Member(n) => n.to_string(),
    })
    .collect()
}

pub fn joined(app: &App, user: &str) -> Vec<RoomId> {
    ask(
        app,
        &admin(),
        ListJoinedRooms {
            user: un(user),
            pagenum: None,
            pagesize: None,
        },
    )
    .unwrap()
    .into_iter()
    .map(|j| j.id)
    .collect()
}

#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(r: Result<T>, status: u16, code: &str, desc: &str) {
    let e = r.expect_err("expected an error");
    assert_eq!(
        (e.status(), e.code(), e.to_string().as_str()),
        (status, code, desc),
        "{e:?}"
    );
}

#[track_caller]
pub fn check(app: &App) {
    imcore::invariants::check(app).unwrap();
}

pub const PERM: &str = "you have no permission to do this, group admin permission is required";
pub const OWNER: &str = "forbidden operation on group owner!";
pub const FULL: &str = "members size is greater than max user size !";

pub fn add(app: &App, room: RoomId, user: &str) {
    run(
        app,
        &admin(),
        AddRoomMember {
            room,
            user: un(user),
        },
    )
    .unwrap();
}

pub fn join(app: &App, room: RoomId, user: &str) -> Result<bool> {
    run(
        app,
        &u(user),
        JoinRoom {
            room,
            user: un(user),
            leave_other_rooms: false,
        },
    )
}

pub fn make_admin(app: &App, room: RoomId, user: &str) {
    run(
        app,
        &admin(),
        AddRoomAdmin {
            room,
            user: un(user),
        },
    )
    .unwrap();
}

pub fn set_attrs(
    app: &App,
    actor: &Actor,
    room: RoomId,
    pairs: &[(&str, &str)],
    auto_delete: Option<&str>,
    forced: bool,
) -> Result<RoomAttrResult> {
    run(
        app,
        actor,
        SetRoomAttributes {
            room,
            operator: None,
            attrs: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            auto_delete: auto_delete.map(str::to_string),
            forced,
        },
    )
}

pub fn attrs(app: &App, room: RoomId) -> Vec<(String, String)> {
    ask(app, &admin(), GetRoomAttributes { room, keys: None })
        .unwrap()
        .into_iter()
        .collect()
}
