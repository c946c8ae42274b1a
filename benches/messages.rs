//! Messages benchmarks: a one-to-one send decided and recorded (goal ≤ 1 µs hot), a group send
//! to 3000 members (goal ≤ 2 ns per recipient + ≤ 2 µs fixed), a room send to 10 000 members
//! (the same per recipient), a recall (goal ≤ 1 µs), and the heap bytes one stored message
//! takes. Single thread; fixed shapes: 10 000 registered users, users 3000–9999 online; a
//! group of 3000 whose members are all offline (every recipient queued: the costliest route)
//! and one whose members are all online; a room of all 10 000 (7000 online). The routes of a
//! group or room send are the roster's shared member list and one online bit a member
//! (`messages::Routes`), so the figures are the decision, the bits and the queue pushes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use imcore::groups::*;
use imcore::messages::*;
use imcore::rooms::*;
use imcore::*;

/// Counts live heap bytes, to measure what a stored message takes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const NOW: Timestamp = Timestamp(1_700_000_000_000);
const USERS: usize = 10_000;

fn name(i: usize) -> UserName {
    UserName::parse(&format!("user{i}")).unwrap()
}

fn setup() -> App {
    let mut l = Limits::default();
    l.groups.max_users_cap = 8000;
    l.groups.max_users_default = 8000;
    l.messages.stored_max = 1_000_000;
    let app = Engine::new()
        .create_app(AppKey::new("bench", "messages").unwrap(), l)
        .unwrap();
    let names: Vec<String> = (0..USERS).map(|i| format!("user{i}")).collect();
    for chunk in names.chunks(60) {
        let batch = chunk.iter().map(|n| NewUser::new(n, "pw", n)).collect();
        app.execute(&Actor::Admin, NOW, RegisterUsers(batch))
            .unwrap();
    }
    app
}

fn online(app: &App, users: std::ops::Range<usize>) {
    for i in users {
        app.execute(
            &Actor::Admin,
            NOW,
            OpenSession {
                username: name(i),
                resource: "android_1".into(),
                device_uuid: None,
                device_name: None,
            },
        )
        .unwrap();
    }
}

fn group(app: &App, users: std::ops::Range<usize>) -> GroupId {
    let first = users.start;
    let g = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateGroup {
                owner: Some(name(first)),
                public: Some(false),
                ..Default::default()
            },
        )
        .unwrap()
        .reply
        .group_id;
    let rest: Vec<UserName> = (first + 1..users.end).map(name).collect();
    for chunk in rest.chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddGroupMembers {
                group: g.clone(),
                users: chunk.to_vec(),
                need_notify: None,
            },
        )
        .unwrap();
    }
    g
}

fn room(app: &App, users: std::ops::Range<usize>) -> RoomId {
    let first = users.start;
    let r = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateRoom {
                name: Some("r".into()),
                description: Some("d".into()),
                owner: Some(name(first)),
                maxusers: Some(10_000),
                members: None,
                custom: None,
            },
        )
        .unwrap()
        .reply;
    let rest: Vec<UserName> = (first + 1..users.end).map(name).collect();
    for chunk in rest.chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddRoomMembers {
                room: r,
                users: chunk.to_vec(),
            },
        )
        .unwrap();
    }
    r
}

fn quick(c: &mut Criterion) -> &mut Criterion {
    c
}

fn bench(c: &mut Criterion) {
    let app = setup();
    // Users 3000..6000 and the room's members are online; 0..3000 are not.
    online(&app, 3000..USERS);
    let offline_group = group(&app, 0..3000);
    let online_group = group(&app, 3000..6000);
    let r = room(&app, 0..USERS);
    let c = quick(c);

    c.bench_function("send/chat (decided, stored, queued offline)", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % 2000;
            let m = SendMessage::text(
                ChatType::Chat,
                Some("user5000"),
                &[&format!("user{i}")],
                "hello",
            );
            black_box(app.execute(&Actor::Admin, NOW, m).unwrap());
        })
    });
    c.bench_function("send/chat (client origin, online recipient)", |b| {
        let me = Actor::User(name(5000));
        b.iter(|| {
            let m = SendMessage::text(ChatType::Chat, None, &["user5001"], "hello");
            black_box(app.execute(&me, NOW, m).unwrap());
        })
    });
    for (label, g) in [("offline", &offline_group), ("online", &online_group)] {
        c.bench_function(&format!("send/group of 3000, members {label}"), |b| {
            b.iter(|| {
                let m = SendMessage::text(ChatType::GroupChat, None, &[g.as_str()], "hello");
                black_box(app.execute(&Actor::Admin, NOW, m).unwrap());
            })
        });
    }
    c.bench_function("send/room of 10000 (7000 online)", |b| {
        let rs = r.to_string();
        b.iter(|| {
            let m = SendMessage::text(ChatType::ChatRoom, None, &[&rs], "hello");
            black_box(app.execute(&Actor::Admin, NOW, m).unwrap());
        })
    });
    c.bench_function("recall/chat", |b| {
        b.iter_batched(
            || {
                let m = SendMessage::text(ChatType::Chat, Some("user5000"), &["user5002"], "hello");
                let id = app
                    .execute(&Actor::Admin, NOW, m)
                    .unwrap()
                    .reply
                    .accepted()
                    .next()
                    .unwrap()
                    .1;
                RecallMessage {
                    msg_id: id.to_string(),
                    to: "user5002".into(),
                    chat_type: "chat".into(),
                    from: None,
                    force: false,
                }
            },
            |rc| black_box(app.execute(&Actor::Admin, NOW, rc).unwrap()),
            BatchSize::SmallInput,
        )
    });
    // Heap bytes per stored message: 20 000 one-to-one texts of 5 chars to online users (no
    // offline entries), replies and events dropped.
    let fresh = setup();
    online(&fresh, 0..100);
    let before = LIVE.load(Ordering::Relaxed);
    let n = 20_000;
    for i in 0..n {
        let m = SendMessage::text(
            ChatType::Chat,
            Some("user1"),
            &[&format!("user{}", i % 100)],
            "hello",
        );
        drop(fresh.execute(&Actor::Admin, NOW, m).unwrap());
    }
    let per = (LIVE.load(Ordering::Relaxed) - before) as f64 / n as f64;
    println!("memory/stored message: {per:.0} heap bytes per one-to-one text message (\"hello\")");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
