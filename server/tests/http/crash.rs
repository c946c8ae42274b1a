//! The crash test: the server binary, on a data directory with small segments and frequent
//! snapshots, takes writes from several concurrent clients — users, friends, blocks,
//! attributes, groups, rooms, one-to-one messages, and writes that must be refused — and is killed with SIGKILL at
//! a random moment, then restarted on the same directory, several times. After each restart:
//!
//! - every write that was acknowledged (answered 200) is there, read back over REST;
//! - no write that was refused (answered 4xx) is;
//! - the one write per client in flight at the kill (no answer) is either wholly there or
//!   wholly absent;
//! - the app token issued before the first kill still works;
//! - the invariants hold: the server checks every invariant of the recovered state at
//!   start-up (`imcore_durable::Options::check_invariants`, and `Engine::restore_app` for the
//!   snapshot) and refuses to start otherwise; its log says the app was recovered.
//!
//! Each client owns its own names (`c{k}u{i}`, groups `c{k}g{n}`, rooms `c{k}r{n}`), so its
//! model of what must be there is exact: a sequential client's acknowledged writes in order.
//! The seed is printed; `IMCORE_CRASH_SEED=N` replays one.

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::binary::Server;
use crate::fixture::{Resp, parse};

const CLIENTS: usize = 4;
const USERS: usize = 10;
const KILLS: usize = 5;
const ORG: &str = "crash";
const APP: &str = "test";
const ID: &str = "crash-id";
const SECRET: &str = "crash-secret";

/// A small deterministic generator (xorshift).
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One request; `None` if the connection failed or the answer was cut off (the server was
/// killed): the write's outcome is then unknown.
fn try_request(
    addr: SocketAddr,
    method: &str,
    p: &str,
    token: &str,
    body: Option<(&str, String)>,
) -> Option<Resp> {
    let (ct, body) = body.unwrap_or(("application/json", String::new()));
    let req = format!(
        "{method} /{ORG}/{APP}{p} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..head_end])
        .ok()?
        .to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())?;
    if buf.len() - head_end - 4 != len {
        return None;
    }
    Some(parse(&buf))
}

/// What one client's names hold: the state it reads back, and its model of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct State {
    users: BTreeSet<String>,
    /// Friendships, as sorted pairs (they are mutual).
    friends: BTreeSet<(String, String)>,
    /// (owner, blocked).
    blocks: BTreeSet<(String, String)>,
    attrs: BTreeMap<String, BTreeMap<String, String>>,
    /// Group id → `owner:x` / `member:y`.
    groups: BTreeMap<String, BTreeSet<String>>,
    /// Room name → `owner:x` / `member:y`.
    rooms: BTreeMap<String, BTreeSet<String>>,
    /// One-to-one text messages: (from, to, text), read back from the sender's export.
    messages: BTreeSet<(String, String, String)>,
}

/// A write, with what it does to the model when it is acknowledged.
#[derive(Clone, Debug)]
enum Op {
    Register(String),
    Befriend(String, String),
    Unfriend(String, String),
    Block(String, String),
    Unblock(String, String),
    SetAttr(String, String, String),
    CreateGroup(String, String),
    AddGroupMember(String, String),
    CreateRoom(String, String),
    AddRoomMember(String, String),
    /// A text message from the first to the second (never sent where the recipient blocks
    /// the sender, so it is always delivered or queued).
    Message(String, String, String),
    /// Writes that must be refused: a second registration of a user, a friend or a group
    /// member who does not exist.
    RegisterAgain(String),
    BefriendGhost(String),
    AddGhostToGroup(String),
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

impl State {
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Register(u) => {
                self.users.insert(u.clone());
            }
            Op::Befriend(a, b) => {
                self.friends.insert(pair(a, b));
            }
            Op::Unfriend(a, b) => {
                self.friends.remove(&pair(a, b));
            }
            Op::Block(a, b) => {
                self.blocks.insert((a.clone(), b.clone()));
            }
            Op::Unblock(a, b) => {
                self.blocks.remove(&(a.clone(), b.clone()));
            }
            Op::SetAttr(u, k, v) => {
                self.attrs
                    .entry(u.clone())
                    .or_default()
                    .insert(k.clone(), v.clone());
            }
            Op::CreateGroup(g, owner) => {
                self.groups
                    .insert(g.clone(), [format!("owner:{owner}")].into());
            }
            Op::AddGroupMember(g, u) => {
                self.groups
                    .get_mut(g)
                    .unwrap()
                    .insert(format!("member:{u}"));
            }
            Op::CreateRoom(r, owner) => {
                self.rooms
                    .insert(r.clone(), [format!("owner:{owner}")].into());
            }
            Op::AddRoomMember(r, u) => {
                self.rooms.get_mut(r).unwrap().insert(format!("member:{u}"));
            }
            Op::Message(a, b, text) => {
                self.messages.insert((a.clone(), b.clone(), text.clone()));
            }
            Op::RegisterAgain(_) | Op::BefriendGhost(_) | Op::AddGhostToGroup(_) => {}
        }
    }
}

/// One client: its names, its model, and the write in flight when the server died.
struct Client {
    k: usize,
    rng: Rng,
    model: State,
    room_ids: BTreeMap<String, String>,
    next_group: usize,
    next_room: usize,
    next_message: usize,
    pending: Option<Op>,
    acked: usize,
    refused: usize,
}

fn user(k: usize, i: usize) -> String {
    format!("c{k}u{i}")
}

fn members(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("members: {v}"))
        .iter()
        .flat_map(|m| m.as_object().unwrap().iter())
        .map(|(role, name)| format!("{role}:{}", name.as_str().unwrap()))
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("names: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

impl Client {
    fn new(k: usize, seed: u64) -> Client {
        Client {
            k,
            rng: Rng(seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(k as u64 + 1)) | 1),
            model: State::default(),
            room_ids: BTreeMap::new(),
            next_group: 0,
            next_room: 0,
            next_message: 0,
            pending: None,
            acked: 0,
            refused: 0,
        }
    }

    fn pick_user(&mut self) -> Option<String> {
        let users: Vec<&String> = self.model.users.iter().collect();
        (!users.is_empty()).then(|| users[self.rng.below(users.len())].clone())
    }

    /// The next write, chosen from what the model holds.
    fn next_op(&mut self) -> Op {
        let k = self.k;
        loop {
            let roll = self.rng.below(115);
            if self.model.users.len() < 2 || (roll < 8 && self.model.users.len() < USERS) {
                let free: Vec<String> = (0..USERS)
                    .map(|i| user(k, i))
                    .filter(|u| !self.model.users.contains(u))
                    .collect();
                return Op::Register(free[self.rng.below(free.len())].clone());
            }
            let a = self.pick_user().unwrap();
            let b = self.pick_user().unwrap();
            match roll {
                0..=7 => return Op::RegisterAgain(a),
                8..=27 if a != b => {
                    return if self.model.friends.contains(&pair(&a, &b)) {
                        Op::Unfriend(a, b)
                    } else {
                        Op::Befriend(a, b)
                    };
                }
                28..=29 => return Op::BefriendGhost(a),
                30..=44 if a != b => {
                    return if self.model.blocks.contains(&(a.clone(), b.clone())) {
                        Op::Unblock(a, b)
                    } else {
                        Op::Block(a, b)
                    };
                }
                45..=59 => {
                    let key = format!("k{}", self.rng.below(4));
                    let val = format!("v{}", self.rng.next() % 1000);
                    return Op::SetAttr(a, key, val);
                }
                60..=67 => {
                    self.next_group += 1;
                    return Op::CreateGroup(format!("c{k}g{}", self.next_group), a);
                }
                68..=79 if !self.model.groups.is_empty() => {
                    let gs: Vec<&String> = self.model.groups.keys().collect();
                    let g = gs[self.rng.below(gs.len())].clone();
                    let m = &self.model.groups[&g];
                    if m.contains(&format!("owner:{a}")) || m.contains(&format!("member:{a}")) {
                        continue;
                    }
                    return Op::AddGroupMember(g, a);
                }
                80..=81 if !self.model.groups.is_empty() => {
                    let g = self.model.groups.keys().next().unwrap().clone();
                    return Op::AddGhostToGroup(g);
                }
                82..=87 => {
                    self.next_room += 1;
                    return Op::CreateRoom(format!("c{k}r{}", self.next_room), a);
                }
                88..=99 if !self.room_ids.is_empty() => {
                    let rs: Vec<&String> = self.room_ids.keys().collect();
                    let r = rs[self.rng.below(rs.len())].clone();
                    let m = &self.model.rooms[&r];
                    if m.contains(&format!("owner:{a}")) || m.contains(&format!("member:{a}")) {
                        continue;
                    }
                    return Op::AddRoomMember(r, a);
                }
                100.. if a != b && !self.model.blocks.contains(&(b.clone(), a.clone())) => {
                    self.next_message += 1;
                    return Op::Message(a, b, format!("c{k}m{}", self.next_message));
                }
                _ => continue,
            }
        }
    }

    /// Sends `op`; `Some(true)` acknowledged, `Some(false)` refused, `None` no answer.
    fn send(&mut self, addr: SocketAddr, token: &str, op: &Op) -> Option<bool> {
        let j = |v: Value| Some(("application/json", v.to_string()));
        let (method, path, body) = match op {
            Op::Register(u) | Op::RegisterAgain(u) => (
                "POST",
                "/users".to_string(),
                j(json!({"username": u, "password": "pw"})),
            ),
            Op::Befriend(a, b) => ("POST", format!("/users/{a}/contacts/users/{b}"), None),
            Op::Unfriend(a, b) => ("DELETE", format!("/users/{a}/contacts/users/{b}"), None),
            Op::BefriendGhost(a) => (
                "POST",
                format!("/users/{a}/contacts/users/c{}ghost", self.k),
                None,
            ),
            Op::Block(a, b) => (
                "POST",
                format!("/users/{a}/blocks/users"),
                j(json!({"usernames": [b]})),
            ),
            Op::Unblock(a, b) => ("DELETE", format!("/users/{a}/blocks/users/{b}"), None),
            Op::SetAttr(u, key, v) => (
                "PUT",
                format!("/metadata/user/{u}"),
                Some(("application/x-www-form-urlencoded", format!("{key}={v}"))),
            ),
            Op::CreateGroup(g, owner) => (
                "POST",
                "/chatgroups".to_string(),
                j(json!({"groupname": g, "description": "d", "public": true,
                         "owner": owner, "maxusers": 200, "groupid": g})),
            ),
            Op::AddGroupMember(g, u) => ("POST", format!("/chatgroups/{g}/users/{u}"), None),
            Op::AddGhostToGroup(g) => (
                "POST",
                format!("/chatgroups/{g}/users/c{}ghost", self.k),
                None,
            ),
            Op::CreateRoom(r, owner) => (
                "POST",
                "/chatrooms".to_string(),
                j(json!({"name": r, "description": "d", "owner": owner})),
            ),
            Op::AddRoomMember(r, u) => (
                "POST",
                format!("/chatrooms/{}/users/{u}", self.room_ids[r]),
                None,
            ),
            Op::Message(a, b, text) => (
                "POST",
                "/messages/users".to_string(),
                j(json!({"from": a, "to": [b], "type": "txt", "body": {"msg": text}})),
            ),
        };
        let resp = try_request(addr, method, &path, token, body)?;
        let must_refuse = matches!(
            op,
            Op::RegisterAgain(_) | Op::BefriendGhost(_) | Op::AddGhostToGroup(_)
        );
        if must_refuse {
            assert!(
                (400..500).contains(&resp.status),
                "client {}: {op:?} must be refused: {} {}",
                self.k,
                resp.status,
                resp.body
            );
            return Some(false);
        }
        assert_eq!(
            resp.status, 200,
            "client {}: {op:?} must succeed: {}",
            self.k, resp.body
        );
        if let Op::CreateRoom(r, _) = op {
            let id = resp.body["data"]["id"].as_str().unwrap().to_owned();
            self.room_ids.insert(r.clone(), id);
        }
        Some(true)
    }

    /// Writes until the server stops answering or `stop` is set.
    fn work(&mut self, addr: SocketAddr, token: &str, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let op = self.next_op();
            match self.send(addr, token, &op) {
                Some(true) => {
                    self.model.apply(&op);
                    self.acked += 1;
                }
                Some(false) => self.refused += 1,
                None => {
                    self.pending = Some(op);
                    return;
                }
            }
        }
    }

    /// Reads back everything this client's names hold.
    fn observe(
        &self,
        addr: SocketAddr,
        token: &str,
        all_rooms: &[(String, String)],
    ) -> (State, BTreeMap<String, String>) {
        let get = |p: &str| {
            try_request(addr, "GET", p, token, None).unwrap_or_else(|| panic!("GET {p}: no answer"))
        };
        let mut s = State::default();
        for i in 0..USERS {
            let u = user(self.k, i);
            let r = get(&format!("/users/{u}"));
            match r.status {
                200 => {
                    s.users.insert(u.clone());
                }
                404 => continue,
                st => panic!("GET /users/{u}: {st} {}", r.body),
            }
            for f in names(&get(&format!("/users/{u}/contacts/users")).ok()["data"]) {
                s.friends.insert(pair(&u, &f));
            }
            for b in names(&get(&format!("/users/{u}/blocks/users")).ok()["data"]) {
                s.blocks.insert((u.clone(), b));
            }
            let attrs = get(&format!("/metadata/user/{u}")).ok()["data"].clone();
            let attrs: BTreeMap<String, String> = attrs
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            if !attrs.is_empty() {
                s.attrs.insert(u.clone(), attrs);
            }
            let export = get(&format!("/users/{u}/export")).ok()["data"]["messages"].clone();
            for m in export["messages"].as_array().unwrap() {
                if m["from"] == u.as_str() {
                    s.messages.insert((
                        u.clone(),
                        m["to"].as_str().unwrap().to_owned(),
                        m["payload"]["bodies"][0]["msg"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    ));
                }
            }
        }
        assert_eq!(
            get(&format!("/users/c{}ghost", self.k)).status,
            404,
            "a refused write left no user"
        );
        for n in 1..=self.next_group {
            let g = format!("c{}g{n}", self.k);
            let r = get(&format!("/chatgroups/{g}/users?pagenum=1&pagesize=1000"));
            match r.status {
                200 => {
                    s.groups.insert(g, members(&r.body["data"]));
                }
                404 => {}
                st => panic!("group {g}: {st} {}", r.body),
            }
        }
        let mut ids = BTreeMap::new();
        let prefix = format!("c{}r", self.k);
        for (id, name) in all_rooms.iter().filter(|(_, n)| n.starts_with(&prefix)) {
            let r = get(&format!("/chatrooms/{id}/users?pagenum=1&pagesize=1000"));
            s.rooms.insert(name.clone(), members(&r.ok()["data"]));
            ids.insert(name.clone(), id.clone());
        }
        (s, ids)
    }

    /// Checks what the restarted server holds against the model (either side of the write
    /// in flight), then adopts it.
    fn verify(
        &mut self,
        addr: SocketAddr,
        token: &str,
        all_rooms: &[(String, String)],
        round: usize,
    ) {
        let (seen, ids) = self.observe(addr, token, all_rooms);
        let before = self.model.clone();
        let mut after = before.clone();
        if let Some(op) = &self.pending {
            after.apply(op);
        }
        assert!(
            seen == before || seen == after,
            "client {} after restart {round}: acknowledged writes missing or refused ones present\n\
             in flight: {:?}\nexpected: {before:#?}\nor: {after:#?}\nseen: {seen:#?}",
            self.k,
            self.pending
        );
        self.model = seen;
        self.room_ids = ids;
        self.pending = None;
    }
}

fn config_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("crash.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[storage]
data_dir = "{}"
# Small segments and frequent snapshots, so that kills land during rolls, snapshots and
# the dropping of covered segments too.
segment_bytes = 4096
snapshot_log_bytes = 8192

[[apps]]
org = "{ORG}"
app = "{APP}"
client_id = "{ID}"
client_secret = "{SECRET}"
"#,
            dir.join("data").display()
        ),
    )
    .unwrap();
    path
}

fn all_rooms(addr: SocketAddr, token: &str) -> Vec<(String, String)> {
    let r = try_request(addr, "GET", "/chatrooms?limit=1000", token, None).expect("rooms");
    r.ok()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_owned(),
                x["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn sigkill_under_concurrent_writes_loses_no_acknowledged_write() {
    let started = Instant::now();
    let seed: u64 = std::env::var("IMCORE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test seed: {seed} (IMCORE_CRASH_SEED={seed} replays it)");
    let t = tempfile::tempdir().unwrap();
    let cfg = config_file(t.path());
    let cfg = cfg.to_str().unwrap();
    let mut rng = Rng(seed | 1);
    let mut clients: Vec<Client> = (0..CLIENTS).map(|k| Client::new(k, seed)).collect();
    let mut admin: Option<String> = None;
    let (mut acked, mut refused, mut in_flight, mut snapshots) = (0, 0, 0, 0);
    for round in 0..=KILLS {
        let log = t.path().join(format!("server-{round}.log"));
        let server = Server::start(&["--config", cfg], &log);
        let addr = server.addr;
        let token = match &admin {
            // The app token issued before the first kill still works.
            Some(t) => t.clone(),
            None => {
                let t = server.token(ORG, APP, ID, SECRET);
                admin = Some(t.clone());
                t
            }
        };
        if round > 0 {
            let text = server.log();
            assert!(text.contains("app recovered"), "{text}");
            let rooms = all_rooms(addr, &token);
            for c in &mut clients {
                c.verify(addr, &token, &rooms, round);
            }
        }
        if round == KILLS {
            assert!(server.term().success(), "clean exit after the last check");
            break;
        }
        // Writes from every client at once; the kill lands at a random moment.
        let stop = Arc::new(AtomicBool::new(false));
        let kill_after = Duration::from_millis(300 + rng.below(900) as u64);
        std::thread::scope(|s| {
            let handles: Vec<_> = clients
                .iter_mut()
                .map(|c| {
                    let stop = Arc::clone(&stop);
                    let token = token.clone();
                    s.spawn(move || c.work(addr, &token, &stop))
                })
                .collect();
            std::thread::sleep(kill_after);
            snapshots += server.log().matches("snapshot written").count();
            server.kill();
            stop.store(true, Ordering::Relaxed);
            for h in handles {
                h.join().unwrap();
            }
        });
        for c in &clients {
            in_flight += usize::from(c.pending.is_some());
        }
    }
    for c in &clients {
        acked += c.acked;
        refused += c.refused;
    }
    // The final check of a clean restart: everything the last verification adopted.
    let server = Server::start(&["--config", cfg], &t.path().join("server-final.log"));
    let token = admin.unwrap();
    let rooms = all_rooms(server.addr, &token);
    for c in &mut clients {
        c.verify(server.addr, &token, &rooms, KILLS + 1);
    }
    assert!(server.term().success());
    let users: usize = clients.iter().map(|c| c.model.users.len()).sum();
    let messages: usize = clients.iter().map(|c| c.model.messages.len()).sum();
    eprintln!(
        "crash test: {KILLS} kills, {acked} acknowledged and {refused} refused writes, {in_flight} in flight at a kill, \
         {snapshots} background snapshots, {users} users and {messages} messages at the end, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(messages > 0, "messages were written and recovered");
    assert!(snapshots > 0, "the kills landed among background snapshots");
    assert!(acked > 100, "enough writes: {acked}");
    assert!(refused > 0);
}
