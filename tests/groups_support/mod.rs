//! Shared fixtures of the groups and threads tests.
#![allow(dead_code)]

use imcore::groups::*;
use imcore::*;

/// A test app with its clock.
pub struct Fx {
    pub app: App,
    pub now: Timestamp,
}

pub fn limits() -> Limits {
    Limits::default()
}

impl Fx {
    pub fn new() -> Fx {
        Fx::with(limits())
    }

    pub fn with(l: Limits) -> Fx {
        let engine = Engine::new();
        let app = engine
            .create_app(AppKey::new("org", "app").unwrap(), l)
            .unwrap();
        Fx {
            app,
            now: Timestamp(1_000_000),
        }
    }

    /// Registers users by name.
    pub fn users(&self, names: &[&str]) {
        for n in names {
            self.app
                .execute(
                    &Actor::Admin,
                    self.now,
                    RegisterUser(NewUser::new(n, "pw", &format!("uuid-{n}"))),
                )
                .unwrap();
        }
    }

    pub fn run<C: Exec>(&self, actor: &Actor, cmd: C) -> Result<Output<C::Reply>> {
        self.app.execute(actor, self.now, cmd)
    }

    /// Runs as the admin, unwrapping the reply.
    pub fn ok<C: Exec + std::fmt::Debug + Clone>(&self, cmd: C) -> C::Reply {
        let c = cmd.clone();
        match self.app.execute(&Actor::Admin, self.now, cmd) {
            Ok(o) => o.reply,
            Err(e) => panic!("{c:?} failed: {e:?}"),
        }
    }

    pub fn ask<Q: Ask>(&self, actor: &Actor, q: Q) -> Result<Q::Reply> {
        self.app.query(actor, self.now, q)
    }

    pub fn q<Q: Ask>(&self, q: Q) -> Q::Reply {
        self.app.query(&Actor::Admin, self.now, q).unwrap()
    }

    /// A private group owned by `owner` with `members`, created by the admin.
    pub fn group(&self, owner: &str, members: &[&str]) -> String {
        self.ok(CreateGroup {
            owner: Some(u(owner)),
            public: Some(false),
            members: members.iter().map(|m| u(m)).collect(),
            ..Default::default()
        })
        .group_id
    }

    /// A public group.
    pub fn public_group(&self, owner: &str, members: &[&str]) -> String {
        self.ok(CreateGroup {
            owner: Some(u(owner)),
            public: Some(true),
            members: members.iter().map(|m| u(m)).collect(),
            ..Default::default()
        })
        .group_id
    }

    pub fn members(&self, g: &str) -> Vec<String> {
        self.q(ListGroupMembers {
            group: g.into(),
            ..Default::default()
        })
        .items
        .into_iter()
        .map(|i| i.user.to_string())
        .collect()
    }

    pub fn is_member(&self, g: &str, user: &str) -> bool {
        self.q(IsGroupMember {
            group: g.into(),
            user: u(user),
        })
    }

    pub fn joined(&self, user: &str) -> usize {
        self.q(ListJoinedGroups {
            user: u(user),
            page_num: None,
            page_size: None,
        })
        .total
    }

    pub fn check(&self) {
        imcore::invariants::check(&self.app).unwrap();
    }

    pub fn delete_user(&self, name: &str) -> Vec<Event> {
        self.run(&Actor::Admin, DeleteUser { username: u(name) })
            .unwrap()
            .events
    }

    /// Registers users and a group: owner "own", admin "adm", member "mem", outsider "out".
    pub fn roles(&self) -> String {
        self.users(&["own", "adm", "mem", "out"]);
        let g = self.group("own", &["adm", "mem"]);
        self.ok(AddGroupAdmin {
            group: g.clone(),
            user: u("adm"),
        });
        g
    }
}

pub fn u(n: &str) -> UserName {
    UserName::parse(n).unwrap()
}

pub fn us(ns: &[&str]) -> Vec<UserName> {
    ns.iter().map(|n| u(n)).collect()
}

pub fn user(n: &str) -> Actor {
    Actor::User(u(n))
}

/// Status and code of an error.
pub fn sc<T: std::fmt::Debug>(r: Result<T>) -> (u16, &'static str) {
    let e = r.expect_err("expected an error");
    (e.status(), e.code())
}

/// The error itself.
pub fn gerr<T: std::fmt::Debug>(r: Result<T>) -> GroupError {
    match r.expect_err("expected an error") {
        Error::Group(g) => g,
        e => panic!("not a group error: {e:?}"),
    }
}

pub fn group_events(o: &[Event]) -> Vec<GroupEvent> {
    o.iter()
        .filter_map(|e| match e {
            Event::Group(g) => Some(g.clone()),
            _ => None,
        })
        .collect()
}
