//! Instruction counts per operation, for comparisons that a busy machine cannot blur: run under
//! callgrind, once with `setup 1` and once with an operation and N iterations; the difference
//! divided by N is the operation's cost in instructions (repeatable to the instruction for the
//! same binary and inputs).
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! B=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null $B setup 1
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null $B room_join_leave 2000
//! ```
//!
//! Operations: `room_join_leave`, `group_add_remove`, `speaker_ids_3000`, `speakers_3000`,
//! `are_friends`, `friend_add_remove`, `room_is_member`, `get_user`, `room_set_attr`,
//! `room_get_2_attrs`, `group_send_3000` (a text to the group, all members online), `chat_send`
//! (a one-to-one text, server origin, to an offline user), `chat_send_client` (client origin,
//! to an online user), `group_send_3000_offline` (a text to a second group of 3,000, all
//! offline: 3,000 queue entries), `room_send_9999` (a text to the room, 3,000 of its members
//! online), `chat_send_recall` (`chat_send`, then its recall: minus `chat_send` is the
//! recall), `room_join_leave_send` (`room_join_leave`, then `room_send_9999`: the send after a
//! membership change, which rebuilds the roster's member snapshot). Data: 10,001 users (the first 2,000 with 25 friends), one group of 3,000 members
//! (u0–u2999, online), one of 3,000 (u3000–u5999, offline), one room of 9,999.
use imcore::groups::*;
use imcore::rooms::*;
use imcore::*;
const NOW: Timestamp = Timestamp(1_700_000_000_000);
fn un(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}
fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let op = args.next().unwrap_or_else(|| "setup".into());
    let n: usize = args
        .next()
        .map_or(1, |s| s.parse().expect("an iteration count"));
    let engine = Engine::new();
    let mut l = Limits::default();
    l.groups.max_users_cap = 8000;
    l.groups.max_users_default = 8000;
    let app = engine
        .create_app(AppKey::new("bench", "prof").unwrap(), l)
        .unwrap();
    let users = 10_001;
    let names: Vec<UserName> = (0..users).map(|i| un(&format!("u{i}"))).collect();
    for c in names.chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            RegisterUsers(
                c.iter()
                    .map(|u| NewUser::new(u.as_str(), "pw", "x"))
                    .collect(),
            ),
        )
        .unwrap();
    }
    // friends: u_i with u_{i+1..i+25}
    for i in 0..2000 {
        for d in 1..=25 {
            app.execute(
                &Actor::Admin,
                NOW,
                AddFriend {
                    owner: names[i].clone(),
                    friend: names[(i + d * 7) % users].clone(),
                },
            )
            .unwrap();
        }
    }
    let g = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateGroup {
                owner: Some(names[0].clone()),
                public: Some(false),
                ..Default::default()
            },
        )
        .unwrap()
        .reply
        .group_id;
    for c in names[1..3000].chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddGroupMembers {
                group: g.clone(),
                users: c.to_vec(),
                need_notify: None,
            },
        )
        .unwrap();
    }
    let g2 = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateGroup {
                owner: Some(names[3000].clone()),
                public: Some(false),
                ..Default::default()
            },
        )
        .unwrap()
        .reply
        .group_id;
    for c in names[3001..6000].chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddGroupMembers {
                group: g2.clone(),
                users: c.to_vec(),
                need_notify: None,
            },
        )
        .unwrap();
    }
    let room = app
        .execute(
            &Actor::Admin,
            NOW,
            CreateRoom {
                name: Some("r".into()),
                description: Some(String::new()),
                owner: Some(names[0].clone()),
                maxusers: Some(10_000),
                ..Default::default()
            },
        )
        .unwrap()
        .reply;
    for c in names[1..9999].chunks(60) {
        app.execute(
            &Actor::Admin,
            NOW,
            AddRoomMembers {
                room,
                users: c.to_vec(),
            },
        )
        .unwrap();
    }
    for chunk in 0..10 {
        app.execute(
            &Actor::Admin,
            NOW,
            SetRoomAttributes {
                room,
                operator: Some(names[1].clone()),
                attrs: (0..10)
                    .map(|i| (format!("key{}", chunk * 10 + i), "v".repeat(64)))
                    .collect(),
                auto_delete: None,
                forced: false,
            },
        )
        .unwrap();
    }
    let one: indexmap::IndexMap<String, String> =
        [("key7".to_string(), "w".repeat(64))].into_iter().collect();
    let owner = Actor::User(names[1].clone());
    let some = Some(vec!["key3".to_string(), "key42".to_string()]);
    // The group's members are online (one session each).
    for u in &names[..3000] {
        app.execute(
            &Actor::Admin,
            NOW,
            OpenSession {
                username: u.clone(),
                resource: "ios_1".into(),
                device_uuid: None,
                device_name: None,
            },
        )
        .unwrap();
    }
    let group_text = imcore::messages::SendMessage::text(
        imcore::messages::ChatType::GroupChat,
        None,
        &[g.as_str()],
        "hello",
    );
    let chat_text = imcore::messages::SendMessage::text(
        imcore::messages::ChatType::Chat,
        Some(names[5000].as_str()),
        &[names[5001].as_str()],
        "hello",
    );
    let offline_group_text = imcore::messages::SendMessage::text(
        imcore::messages::ChatType::GroupChat,
        None,
        &[g2.as_str()],
        "hello",
    );
    let room_text = imcore::messages::SendMessage::text(
        imcore::messages::ChatType::ChatRoom,
        None,
        &[&room.to_string()],
        "hello",
    );
    // Client origin: u1 (online) to u2 (online).
    let client_text = imcore::messages::SendMessage::text(
        imcore::messages::ChatType::Chat,
        None,
        &[names[2].as_str()],
        "hello",
    );
    let u1 = Actor::User(names[1].clone());
    let x = names[10_000].clone();
    let me = Actor::User(x.clone());
    let join_leave = || {
        app.execute(
            &me,
            NOW,
            JoinRoom {
                room,
                user: x.clone(),
                leave_other_rooms: false,
            },
        )
        .unwrap();
        app.execute(
            &me,
            NOW,
            LeaveRoom {
                room,
                user: x.clone(),
            },
        )
        .unwrap();
    };
    let mut acc = 0usize;
    for i in 0..n {
        match op.as_str() {
            "setup" => {}
            "room_join_leave" => {
                join_leave();
            }
            "group_add_remove" => {
                app.execute(
                    &Actor::Admin,
                    NOW,
                    AddGroupMember {
                        group: g.clone(),
                        user: x.clone(),
                        need_notify: None,
                    },
                )
                .unwrap();
                app.execute(
                    &Actor::Admin,
                    NOW,
                    RemoveGroupMember {
                        group: g.clone(),
                        user: x.clone(),
                    },
                )
                .unwrap();
            }
            "speaker_ids_3000" => {
                acc += app
                    .query(&Actor::Admin, NOW, GroupSpeakerIds { group: g.clone() })
                    .unwrap()
                    .len();
            }
            "speakers_3000" => {
                acc += app
                    .query(&Actor::Admin, NOW, GroupSpeakers { group: g.clone() })
                    .unwrap()
                    .len();
            }
            "are_friends" => {
                acc += app
                    .query(
                        &Actor::Admin,
                        NOW,
                        AreFriends {
                            a: names[i % 2000].clone(),
                            b: names[(i % 2000 + 7) % users].clone(),
                        },
                    )
                    .unwrap() as usize;
            }
            "friend_add_remove" => {
                app.execute(
                    &Actor::Admin,
                    NOW,
                    AddFriend {
                        owner: names[5000].clone(),
                        friend: names[6000].clone(),
                    },
                )
                .unwrap();
                app.execute(
                    &Actor::Admin,
                    NOW,
                    RemoveFriend {
                        owner: names[5000].clone(),
                        friend: names[6000].clone(),
                    },
                )
                .unwrap();
            }
            "room_is_member" => {
                acc += app
                    .query(
                        &Actor::Admin,
                        NOW,
                        IsRoomMember {
                            room,
                            user: names[i % 9999].clone(),
                        },
                    )
                    .unwrap() as usize;
            }
            "get_user" => {
                acc += app
                    .query(
                        &Actor::Admin,
                        NOW,
                        GetUser {
                            username: names[i % users].clone(),
                        },
                    )
                    .unwrap()
                    .created
                    .0 as usize;
            }
            "room_set_attr" => {
                app.execute(
                    &owner,
                    NOW,
                    SetRoomAttributes {
                        room,
                        operator: None,
                        attrs: one.clone(),
                        auto_delete: None,
                        forced: false,
                    },
                )
                .unwrap();
            }
            "group_send_3000" => {
                app.execute(&Actor::Admin, NOW, group_text.clone()).unwrap();
            }
            "chat_send" => {
                app.execute(&Actor::Admin, NOW, chat_text.clone()).unwrap();
            }
            "chat_send_client" => {
                app.execute(&u1, NOW, client_text.clone()).unwrap();
            }
            "group_send_3000_offline" => {
                app.execute(&Actor::Admin, NOW, offline_group_text.clone())
                    .unwrap();
            }
            "room_send_9999" => {
                app.execute(&Actor::Admin, NOW, room_text.clone()).unwrap();
            }
            "room_join_leave_send" => {
                // A membership change before each send: the roster's snapshot is rebuilt.
                join_leave();
                app.execute(&Actor::Admin, NOW, room_text.clone()).unwrap();
            }
            "chat_send_recall" => {
                let id = app
                    .execute(&Actor::Admin, NOW, chat_text.clone())
                    .unwrap()
                    .reply
                    .accepted()
                    .next()
                    .unwrap()
                    .1;
                app.execute(
                    &Actor::Admin,
                    NOW,
                    imcore::messages::RecallMessage {
                        msg_id: id.to_string(),
                        to: names[5001].to_string(),
                        chat_type: "chat".into(),
                        from: None,
                        force: false,
                    },
                )
                .unwrap();
            }
            "room_get_2_attrs" => {
                acc += app
                    .query(
                        &Actor::Admin,
                        NOW,
                        GetRoomAttributes {
                            room,
                            keys: some.clone(),
                        },
                    )
                    .unwrap()
                    .len();
            }
            // ---- writes (issue 9): set a 64-byte attribute, friend add+remove by id ----
            // `set_attribute_64`: key `k` + 63-byte value on u5000 (the first one adds, the
            // rest overwrite), the command built in the loop as a host builds it.
            "set_attribute_64" => {
                app.execute(
                    &Actor::Admin,
                    NOW,
                    SetAttributes {
                        username: names[5000].clone(),
                        pairs: vec![("k".into(), "w".repeat(63))],
                    },
                )
                .unwrap();
            }
            // `friend_add_remove_id`: `friend_add_remove` by handles (u5000, u6000; looked
            // up once, on the first iteration).
            "friend_add_remove_id" => {
                static IDS: std::sync::OnceLock<(UserId, UserId)> = std::sync::OnceLock::new();
                let &(a, b) = IDS.get_or_init(|| {
                    let id = |u: &UserName| {
                        app.query(
                            &Actor::Admin,
                            NOW,
                            LookupUser {
                                username: u.clone(),
                            },
                        )
                        .unwrap()
                    };
                    (id(&names[5000]), id(&names[6000]))
                });
                app.execute(
                    &Actor::Admin,
                    NOW,
                    AddFriendById {
                        owner: a,
                        friend: b,
                    },
                )
                .unwrap();
                app.execute(
                    &Actor::Admin,
                    NOW,
                    RemoveFriendById {
                        owner: a,
                        friend: b,
                    },
                )
                .unwrap();
            }
            // ---- end of writes (issue 9) ----
            _ => panic!("op"),
        }
    }
    std::hint::black_box(acc);
}
