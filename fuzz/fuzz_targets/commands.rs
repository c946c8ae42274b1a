//! Fuzz target: an arbitrary sequence of imcore commands and queries over a small universe of
//! names, run as the admin and sometimes as a user or anonymously. Each step is drawn from one
//! of three areas with equal weight: users (this file), groups and threads, and chatrooms
//! (`area.rs`; groups, threads, rooms and files are named by an index into the ids created so
//! far, or a bogus id). The config gives small caps for every area, and may pre-register users
//! so that group and room ops find people to act on.
//!
//! After every operation:
//! - `imcore::invariants::check` must pass;
//! - a command that failed must have changed nothing (the observable state, read through
//!   queries — users, relations, attributes, mutes, devices, tokens, and every group's details,
//!   members, admins, block/allow/mute lists, requests, announcement, files, member attributes,
//!   threads and their members, each user's groups/threads/rooms, super admins, and every
//!   room's details, members, admins, block/allow/mute lists, announcement and attributes with
//!   their owners — is the same before and after).
//!
//! At the end the whole sequence is replayed on a fresh engine and must give the same
//! transcript (replies, events, errors) and the same final state: the engine is deterministic.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run commands -- -max_total_time=600`.

#![no_main]

use arbitrary::Arbitrary;
use imcore::*;
use libfuzzer_sys::fuzz_target;

/// The universe of names. Upper-case variants exercise case folding.
const NAMES: [&str; 8] = ["u0", "u1", "u2", "u3", "u4", "U1", "u5", "u6"];
/// Raw strings used where the API takes unvalidated names.
const RAW: [&str; 6] = ["u0", "U2", "u3", "", "bad name", "nobody"];
const KEYS: [&str; 4] = ["k", "avatar", "nick", "ä"];
const RESOURCES: [&str; 5] = ["android_1", "android_2", "ios_1", "ios_2", "webim_x"];
const TOKENS: [&str; 4] = ["t0", "t1", "t2", "t3"];
const PASSWORDS: [&str; 3] = ["pw", "other", ""];

#[derive(Arbitrary, Debug, Clone, Copy)]
struct N(u8);

impl N {
    fn name(self) -> UserName {
        UserName::parse(NAMES[self.0 as usize % NAMES.len()]).expect("valid name")
    }
    fn raw(self) -> String {
        RAW[self.0 as usize % RAW.len()].to_string()
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Who {
    Admin,
    User(N),
    Anonymous,
}

impl Who {
    fn actor(self) -> Actor {
        match self {
            Who::Admin => Actor::Admin,
            Who::User(n) => Actor::User(n.name()),
            Who::Anonymous => Actor::Anonymous,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Mute {
    Lift,
    Forever,
    For(u16),
    Zero,
}

impl Mute {
    fn value(self) -> MuteValue {
        match self {
            Mute::Lift => MuteValue::Lift,
            Mute::Forever => MuteValue::Forever,
            Mute::For(s) => MuteValue::For(Millis(u64::from(s) * 10)),
            Mute::Zero => MuteValue::For(Millis(0)),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Grant {
    Client { id_ok: bool, secret_ok: bool },
    Password { user: N, pw: u8 },
    Inherit { user: N, auto_create: bool },
}

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    Register {
        who: Who,
        user: N,
        pw: u8,
        nick: Option<u8>,
    },
    RegisterBatch(Vec<(N, u8)>),
    Delete {
        who: Who,
        user: N,
    },
    DeleteUsers(Option<u8>),
    ChangePassword {
        who: Who,
        user: N,
        pw: u8,
    },
    Disable {
        who: Who,
        user: N,
    },
    Enable {
        who: Who,
        user: N,
    },
    AddFriend {
        who: Who,
        owner: N,
        friend: N,
    },
    RemoveFriend {
        who: Who,
        owner: N,
        friend: N,
    },
    Remark {
        who: Who,
        owner: N,
        friend: N,
        len: u8,
    },
    Import {
        who: Who,
        owner: N,
        names: Vec<N>,
        notify: bool,
    },
    Block {
        who: Who,
        owner: N,
        users: Vec<N>,
    },
    Unblock {
        who: Who,
        owner: N,
        user: N,
    },
    SetAttrs {
        who: Who,
        user: N,
        pairs: Vec<(u8, u16)>,
    },
    DeleteAttrs {
        who: Who,
        user: N,
    },
    SetMute {
        who: Who,
        user: N,
        chat: Option<Mute>,
        group: Option<Mute>,
        room: Option<Mute>,
    },
    IssueToken {
        grant: Grant,
        token: u8,
        ttl: Option<u16>,
    },
    OpenSession {
        user: N,
        res: u8,
        named: bool,
    },
    CloseSession {
        user: N,
        res: u8,
    },
    ForceLogout {
        user: N,
        res: Option<u8>,
    },
    Advance(u16),
    // Queries.
    GetUser {
        who: Who,
        user: N,
    },
    ListUsers {
        limit: Option<u8>,
        follow: bool,
    },
    ListFriends {
        who: Who,
        owner: N,
    },
    ListFriendsPage {
        who: Who,
        owner: N,
        limit: Option<u8>,
        follow: bool,
        remark: bool,
    },
    AreFriends {
        who: Who,
        a: N,
        b: N,
    },
    IsBlocked {
        who: Who,
        owner: N,
        other: N,
    },
    ListBlocks {
        who: Who,
        owner: N,
        size: Option<u8>,
        follow: bool,
    },
    GetAttrs {
        who: Who,
        user: N,
    },
    BatchGetAttrs {
        who: Who,
        targets: Vec<N>,
        props: Vec<u8>,
    },
    Capacity,
    GetMute {
        who: Who,
        user: N,
    },
    IsMuted {
        who: Who,
        user: N,
        scope: u8,
    },
    ListMutes {
        num: Option<u8>,
        size: Option<u8>,
    },
    Validate(u8),
    ListDevices {
        who: Who,
        user: N,
    },
    IsOnline {
        who: Who,
        user: N,
    },
    BatchOnline {
        who: Who,
        users: Vec<N>,
    },
    /// A cursor that was never issued.
    BogusCursor(u8),
}

/// One step: an op of one of the three areas (each area drawn equally often).
#[derive(Arbitrary, Debug, Clone)]
enum Step {
    /// Users, relations, attributes, mutes, tokens, sessions.
    U(Op),
    /// Groups and threads.
    G(GOp),
    /// Chatrooms.
    R(ROp),
}

#[derive(Arbitrary, Debug, Clone)]
struct Input {
    friends_max: u8,
    users_max: Option<u8>,
    attr_per_user: u16,
    attr_per_app: u16,
    devices: u8,
    open_registration: bool,
    blocklist: bool,
    metadata: bool,
    mutes: bool,
    /// Users registered before the ops run (bit i registers `NAMES[i]`).
    preregister: u8,
    /// Knobs for the group and room caps.
    caps: [u8; 6],
    ops: Vec<Step>,
}

impl Input {
    fn limits(&self) -> Limits {
        Limits {
            registration_mode: if self.open_registration {
                RegistrationMode::Open
            } else {
                RegistrationMode::Authorized
            },
            users_max: self.users_max.map(|m| u64::from(m % 8)),
            friends_max: Some(u32::from(self.friends_max % 6)),
            blocklist_enabled: !self.blocklist,
            metadata_enabled: !self.metadata,
            global_mute_enabled: !self.mutes,
            attr_bytes_per_user: u64::from(self.attr_per_user % 2200),
            attr_bytes_per_app: u64::from(self.attr_per_app % 5000),
            devices_per_platform_max: u32::from(self.devices % 4),
            groups: group_limits(self.caps),
            rooms: room_limits(self.caps),
            ..Limits::default()
        }
    }
}

/// Cursors from the last page of each list, so that `follow` can continue a listing.
#[derive(Default)]
struct Cursors {
    users: Option<String>,
    friends: Option<String>,
    blocks: Option<String>,
    app_groups: Option<String>,
    group_members: Option<String>,
    app_threads: Option<String>,
    user_threads: Option<String>,
    thread_members: Option<String>,
    rooms: Option<String>,
    room_members: Option<String>,
}

fn str_of(len: u16) -> String {
    // Mix one- and two-byte characters so byte budgets and JSON sizes differ from char counts.
    let mut s = String::new();
    for i in 0..(len % 2200) {
        s.push(if i % 7 == 3 { 'é' } else { 'x' });
    }
    s
}

/// The state as the admin sees it through queries.
fn observe(app: &App, now: Timestamp, ids: &area::Ids) -> String {
    let a = Actor::Admin;
    let mut out = String::new();
    let mut cursor = None;
    loop {
        let p = app
            .query(
                &a,
                now,
                ListUsers {
                    limit: Some(100),
                    cursor: cursor.take(),
                },
            )
            .expect("list users");
        out += &format!("{:?}\n", p.items);
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    for n in NAMES {
        let u = UserName::parse(n).expect("valid");
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetUser {
                    username: u.clone()
                }
            )
        );
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetAttributes {
                    username: u.clone()
                }
            )
        );
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                ListFriendsPage {
                    owner: u.clone(),
                    limit: Some(50),
                    cursor: None,
                    need_remark: true
                }
            )
        );
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                ListBlocks {
                    owner: u.clone(),
                    page_size: None,
                    cursor: None
                }
            )
        );
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetGlobalMute {
                    username: u.clone()
                }
            )
        );
        out += &format!("{:?}\n", app.query(&a, now, ListDevices { username: u }));
    }
    for t in TOKENS {
        out += &format!(
            "{:?}\n",
            app.query(&a, now, ValidateToken { token: t.into() })
        );
    }
    out += &format!("{:?}\n", app.query(&a, now, AttributeCapacity));
    out += &area::observe(app, now, ids);
    out
}

/// Runs the ops on a fresh engine; returns the transcript and the final observed state.
fn run(input: &Input) -> (Vec<String>, String) {
    let engine = Engine::new();
    let app = engine
        .create_app(AppKey::new("fuzz", "app").expect("key"), input.limits())
        .expect("app");
    app.set_credentials(Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
    });
    let mut now = Timestamp(1_700_000_000_000);
    let mut cur = Cursors::default();
    let mut ids = area::Ids::default();
    let mut transcript = Vec::with_capacity(input.ops.len() + 1);
    let pre: Vec<NewUser> = (0..NAMES.len())
        .filter(|i| input.preregister & (1 << i) != 0)
        .map(|i| NewUser::new(NAMES[i], "pw", "pre"))
        .collect();
    if !pre.is_empty() {
        transcript.push(cmd(app.execute(&Actor::Admin, now, RegisterUsers(pre))).0);
    }
    for op in &input.ops {
        let before = observe(&app, now, &ids);
        let (line, failed_command) = match op {
            Step::G(g) => area::group_step(&app, now, &mut cur, &mut ids, g),
            Step::R(r) => area::room_step(&app, now, &mut cur, &mut ids, r),
            Step::U(u) => step(&app, &mut now, &mut cur, u),
        };
        if let Err(e) = imcore::invariants::check(&app) {
            panic!("invariant broken after {op:?}: {e}\n{line}");
        }
        if failed_command {
            let after = observe(&app, now, &ids);
            assert_eq!(before, after, "failed command {op:?} changed state: {line}");
        }
        transcript.push(line);
    }
    let fin = observe(&app, now, &ids);
    (transcript, fin)
}

/// Formats a command's result; the flag says whether it failed.
fn cmd<R: std::fmt::Debug>(r: Result<Output<R>>) -> (String, bool) {
    let failed = r.is_err();
    if let Err(e) = &r {
        // Every error maps to a vendor status and code.
        assert!((400..=599).contains(&e.status()), "bad status for {e:?}");
        assert!(!e.code().is_empty());
    }
    (format!("{r:?}"), failed)
}

fn ask<R: std::fmt::Debug>(r: Result<R>) -> (String, bool) {
    if let Err(e) = &r {
        assert!((400..=599).contains(&e.status()), "bad status for {e:?}");
    }
    (format!("{r:?}"), false)
}

fn step(app: &App, now: &mut Timestamp, cur: &mut Cursors, op: &Op) -> (String, bool) {
    let t = *now;
    let admin = Actor::Admin;
    match op.clone() {
        Op::Register {
            who,
            user,
            pw,
            nick,
        } => {
            let mut u = NewUser::new(
                NAMES[user.0 as usize % NAMES.len()],
                PASSWORDS[pw as usize % PASSWORDS.len()],
                &format!("uuid-{}", user.0),
            );
            u.nickname = nick.map(|l| str_of(u16::from(l) % 120));
            cmd(app.execute(&who.actor(), t, RegisterUser(u)))
        }
        Op::RegisterBatch(v) => {
            let users = v
                .iter()
                .map(|(n, pw)| {
                    NewUser::new(&n.raw(), PASSWORDS[*pw as usize % PASSWORDS.len()], "b")
                })
                .collect();
            cmd(app.execute(&admin, t, RegisterUsers(users)))
        }
        Op::Delete { who, user } => cmd(app.execute(
            &who.actor(),
            t,
            DeleteUser {
                username: user.name(),
            },
        )),
        Op::DeleteUsers(limit) => cmd(app.execute(
            &admin,
            t,
            DeleteUsers {
                limit: limit.map(|l| u32::from(l % 5)),
            },
        )),
        Op::ChangePassword { who, user, pw } => cmd(app.execute(
            &who.actor(),
            t,
            ChangePassword {
                username: user.name(),
                new_password: PASSWORDS[pw as usize % PASSWORDS.len()].into(),
            },
        )),
        Op::Disable { who, user } => cmd(app.execute(
            &who.actor(),
            t,
            DisableUser {
                username: user.name(),
            },
        )),
        Op::Enable { who, user } => cmd(app.execute(
            &who.actor(),
            t,
            EnableUser {
                username: user.name(),
            },
        )),
        Op::AddFriend { who, owner, friend } => cmd(app.execute(
            &who.actor(),
            t,
            AddFriend {
                owner: owner.name(),
                friend: friend.name(),
            },
        )),
        Op::RemoveFriend { who, owner, friend } => cmd(app.execute(
            &who.actor(),
            t,
            RemoveFriend {
                owner: owner.name(),
                friend: friend.name(),
            },
        )),
        Op::Remark {
            who,
            owner,
            friend,
            len,
        } => cmd(app.execute(
            &who.actor(),
            t,
            SetRemark {
                owner: owner.name(),
                friend: friend.name(),
                remark: str_of(u16::from(len) % 110),
            },
        )),
        Op::Import {
            who,
            owner,
            names,
            notify,
        } => cmd(app.execute(
            &who.actor(),
            t,
            ImportFriends {
                owner: owner.name(),
                usernames: names.iter().map(|n| n.raw()).collect(),
                notify,
            },
        )),
        Op::Block { who, owner, users } => cmd(app.execute(
            &who.actor(),
            t,
            BlockUsers {
                owner: owner.name(),
                usernames: users.iter().map(|n| n.name()).collect(),
            },
        )),
        Op::Unblock { who, owner, user } => cmd(app.execute(
            &who.actor(),
            t,
            UnblockUser {
                owner: owner.name(),
                blocked: user.name(),
            },
        )),
        Op::SetAttrs { who, user, pairs } => cmd(app.execute(
            &who.actor(),
            t,
            SetAttributes {
                username: user.name(),
                pairs: pairs
                    .iter()
                    .map(|(k, len)| {
                        let key = if *k == 255 {
                            String::new()
                        } else {
                            KEYS[*k as usize % KEYS.len()].into()
                        };
                        (key, str_of(*len))
                    })
                    .collect(),
            },
        )),
        Op::DeleteAttrs { who, user } => cmd(app.execute(
            &who.actor(),
            t,
            DeleteAttributes {
                username: user.name(),
            },
        )),
        Op::SetMute {
            who,
            user,
            chat,
            group,
            room,
        } => cmd(app.execute(
            &who.actor(),
            t,
            SetGlobalMute {
                username: user.name(),
                chat: chat.map(Mute::value),
                groupchat: group.map(Mute::value),
                chatroom: room.map(Mute::value),
            },
        )),
        Op::IssueToken { grant, token, ttl } => {
            let (g, who) = match grant {
                Grant::Client { id_ok, secret_ok } => (
                    GrantType::ClientCredentials {
                        client_id: if id_ok { "id" } else { "x" }.into(),
                        client_secret: if secret_ok { "secret" } else { "" }.into(),
                    },
                    Actor::Anonymous,
                ),
                Grant::Password { user, pw } => (
                    GrantType::Password {
                        username: user.raw(),
                        password: PASSWORDS[pw as usize % PASSWORDS.len()].into(),
                    },
                    Actor::Anonymous,
                ),
                Grant::Inherit { user, auto_create } => (
                    GrantType::Inherit {
                        username: user.raw(),
                        auto_create,
                        uuid: "inh".into(),
                    },
                    Actor::Admin,
                ),
            };
            cmd(app.execute(
                &who,
                t,
                IssueToken {
                    grant: g,
                    token: TOKENS[token as usize % TOKENS.len()].into(),
                    ttl: ttl.map(|s| Millis(u64::from(s) * 5)),
                },
            ))
        }
        Op::OpenSession { user, res, named } => cmd(app.execute(
            &admin,
            t,
            OpenSession {
                username: user.name(),
                resource: RESOURCES[res as usize % RESOURCES.len()].into(),
                device_uuid: named.then(|| "dev".into()),
                device_name: named.then(|| "phone".into()),
            },
        )),
        Op::CloseSession { user, res } => cmd(app.execute(
            &admin,
            t,
            CloseSession {
                username: user.name(),
                resource: RESOURCES[res as usize % RESOURCES.len()].into(),
            },
        )),
        Op::ForceLogout { user, res } => cmd(app.execute(
            &admin,
            t,
            ForceLogout {
                username: user.name(),
                resource: res.map(|r| RESOURCES[r as usize % RESOURCES.len()].into()),
            },
        )),
        Op::Advance(ms) => {
            *now = Timestamp(now.0 + i64::from(ms));
            (format!("advance {ms}"), false)
        }
        Op::GetUser { who, user } => ask(app.query(
            &who.actor(),
            t,
            GetUser {
                username: user.name(),
            },
        )),
        Op::ListUsers { limit, follow } => {
            let cursor = if follow { cur.users.take() } else { None };
            let r = app.query(
                &admin,
                t,
                ListUsers {
                    limit: limit.map(u32::from),
                    cursor,
                },
            );
            if let Ok(p) = &r {
                cur.users = p.cursor.clone();
            }
            ask(r)
        }
        Op::ListFriends { who, owner } => ask(app.query(
            &who.actor(),
            t,
            ListFriends {
                owner: owner.name(),
            },
        )),
        Op::ListFriendsPage {
            who,
            owner,
            limit,
            follow,
            remark,
        } => {
            let cursor = if follow { cur.friends.take() } else { None };
            let r = app.query(
                &who.actor(),
                t,
                ListFriendsPage {
                    owner: owner.name(),
                    limit: limit.map(|l| u32::from(l % 60)),
                    cursor,
                    need_remark: remark,
                },
            );
            if let Ok(p) = &r {
                cur.friends = p.cursor.clone();
            }
            ask(r)
        }
        Op::AreFriends { who, a, b } => ask(app.query(
            &who.actor(),
            t,
            AreFriends {
                a: a.name(),
                b: b.name(),
            },
        )),
        Op::IsBlocked { who, owner, other } => ask(app.query(
            &who.actor(),
            t,
            IsBlocked {
                owner: owner.name(),
                other: other.name(),
            },
        )),
        Op::ListBlocks {
            who,
            owner,
            size,
            follow,
        } => {
            let cursor = if follow { cur.blocks.take() } else { None };
            let r = app.query(
                &who.actor(),
                t,
                ListBlocks {
                    owner: owner.name(),
                    page_size: size.map(|s| u32::from(s % 60)),
                    cursor,
                },
            );
            if let Ok(p) = &r {
                cur.blocks = p.cursor.clone();
            }
            ask(r)
        }
        Op::GetAttrs { who, user } => ask(app.query(
            &who.actor(),
            t,
            GetAttributes {
                username: user.name(),
            },
        )),
        Op::BatchGetAttrs {
            who,
            targets,
            props,
        } => ask(app.query(
            &who.actor(),
            t,
            BatchGetAttributes {
                targets: targets.iter().map(|n| n.raw()).collect(),
                properties: props
                    .iter()
                    .map(|k| KEYS[*k as usize % KEYS.len()].into())
                    .collect(),
            },
        )),
        Op::Capacity => ask(app.query(&admin, t, AttributeCapacity)),
        Op::GetMute { who, user } => ask(app.query(
            &who.actor(),
            t,
            GetGlobalMute {
                username: user.name(),
            },
        )),
        Op::IsMuted { who, user, scope } => ask(app.query(
            &who.actor(),
            t,
            IsGloballyMuted {
                username: user.name(),
                scope: MuteScope::ALL[scope as usize % MuteScope::ALL.len()],
            },
        )),
        Op::ListMutes { num, size } => ask(app.query(
            &admin,
            t,
            ListGlobalMutes {
                page_num: num.map(u32::from),
                page_size: size.map(|s| u32::from(s % 60)),
            },
        )),
        Op::Validate(tok) => ask(app.query(
            &Actor::Anonymous,
            t,
            ValidateToken {
                token: TOKENS[tok as usize % TOKENS.len()].into(),
            },
        )),
        Op::ListDevices { who, user } => ask(app.query(
            &who.actor(),
            t,
            ListDevices {
                username: user.name(),
            },
        )),
        Op::IsOnline { who, user } => ask(app.query(
            &who.actor(),
            t,
            IsOnline {
                username: user.name(),
            },
        )),
        Op::BatchOnline { who, users } => ask(app.query(
            &who.actor(),
            t,
            BatchOnline {
                usernames: users.iter().map(|n| n.raw()).collect(),
            },
        )),
        Op::BogusCursor(k) => {
            let c = ["", "u", "f:1", "b:zz", "u:1,2", "%%%"][k as usize % 6].to_string();
            let a = app.query(
                &admin,
                t,
                ListUsers {
                    limit: None,
                    cursor: Some(c.clone()),
                },
            );
            let b = app.query(
                &admin,
                t,
                ListFriendsPage {
                    owner: UserName::parse("u0").expect("valid"),
                    limit: None,
                    cursor: Some(c.clone()),
                    need_remark: false,
                },
            );
            let d = app.query(
                &admin,
                t,
                ListBlocks {
                    owner: UserName::parse("u0").expect("valid"),
                    page_size: None,
                    cursor: Some(c.clone()),
                },
            );
            let e = area::bogus_cursors(app, t, &c);
            (format!("{a:?} {b:?} {d:?} {e}"), false)
        }
    }
}

#[path = "area.rs"]
mod area;
use area::{GOp, ROp, group_limits, room_limits};

fuzz_target!(|input: Input| {
    let (t1, s1) = run(&input);
    let (t2, s2) = run(&input);
    assert_eq!(t1, t2, "same commands gave different replies or events");
    assert_eq!(s1, s2, "same commands gave different state");
});
