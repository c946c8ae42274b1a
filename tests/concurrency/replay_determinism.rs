//! The sans-IO contract (DESIGN §1): the same commands with the same `now`s produce the same
//! replies, the same events and the same state. A command log recorded as `Command` values is
//! replayed on a fresh app and must reproduce every reply, error and event exactly.

use crate::fixture::users::*;
use imcore::*;

/// xorshift64*, deterministic per seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

fn log(seed: u64, len: usize) -> Vec<(Actor, Timestamp, Command)> {
    let mut r = Rng(seed | 1);
    let mut now = T0.0;
    let mut out = Vec::new();
    for i in 0..len {
        now += r.below(3) as i64 * 700;
        let t = Timestamp(now);
        let kind = r.below(14);
        let mut p = || n(NAMES[r.below(NAMES.len())]);
        let cmd: Command = match kind {
            0 | 1 => RegisterUser(NewUser::new(
                NAMES[i % NAMES.len()],
                "pw",
                &format!("id{i}"),
            ))
            .into(),
            2 => DeleteUser { username: p() }.into(),
            3 | 4 => AddFriend {
                owner: p(),
                friend: p(),
            }
            .into(),
            5 => RemoveFriend {
                owner: p(),
                friend: p(),
            }
            .into(),
            6 => BlockUsers {
                owner: p(),
                usernames: vec![p(), p()],
            }
            .into(),
            7 => SetAttributes {
                username: p(),
                pairs: vec![("k".into(), "v".repeat(i % 40))],
            }
            .into(),
            8 => SetGlobalMute {
                username: p(),
                chat: Some(MuteValue::For(Millis(1500))),
                groupchat: None,
                chatroom: Some(MuteValue::Forever),
            }
            .into(),
            9 => OpenSession {
                username: p(),
                resource: format!("ios_{}", i % 6),
                device_uuid: None,
                device_name: None,
            }
            .into(),
            // The id forms of the friend writes, by handles of the first slots (the names
            // register into slots 0..8, generation 0, and again at 1 after a deletion).
            11 | 12 => {
                let mut h = || UserId((r.below(2) as u64) << 32 | r.below(NAMES.len()) as u64);
                let (owner, friend) = (h(), h());
                if kind == 11 {
                    AddFriendById { owner, friend }.into()
                } else {
                    RemoveFriendById { owner, friend }.into()
                }
            }
            10 => ChangePassword {
                username: p(),
                new_password: format!("pw{}", i % 2),
            }
            .into(),
            _ => IssueToken {
                grant: GrantType::Password {
                    username: p().to_string(),
                    password: "pw".into(),
                },
                token: format!("tok{}", i % 30),
                ttl: Some(Millis(2000)),
            }
            .into(),
        };
        out.push((Actor::Admin, t, cmd));
    }
    out
}

type Step = std::result::Result<Output<Reply>, (u16, &'static str, String)>;

fn replay(app: &App, entries: &[(Actor, Timestamp, Command)]) -> Vec<Step> {
    entries
        .iter()
        .map(|(a, t, c)| {
            app.execute_any(a, *t, c.clone())
                .map_err(|e| (e.status(), e.code(), e.to_string()))
        })
        .collect()
}

/// Everything observable about the app, as plain data.
fn state(app: &App, now: Timestamp) -> Vec<String> {
    let mut out = Vec::new();
    let users = app
        .query(
            &Actor::Admin,
            now,
            ListUsers {
                limit: Some(100),
                cursor: None,
            },
        )
        .unwrap();
    out.push(format!("{:?}", users));
    for name in NAMES {
        let u = n(name);
        out.push(format!(
            "{:?} {:?} {:?} {:?} {:?} {:?}",
            app.query(
                &Actor::Admin,
                now,
                ListFriendsPage {
                    owner: u.clone(),
                    limit: Some(50),
                    cursor: None,
                    need_remark: true
                }
            ),
            app.query(
                &Actor::Admin,
                now,
                ListBlocks {
                    owner: u.clone(),
                    page_size: None,
                    cursor: None
                }
            ),
            app.query(
                &Actor::Admin,
                now,
                GetAttributes {
                    username: u.clone()
                }
            ),
            app.query(
                &Actor::Admin,
                now,
                GetGlobalMute {
                    username: u.clone()
                }
            ),
            app.query(
                &Actor::Admin,
                now,
                ListDevices {
                    username: u.clone()
                }
            ),
            app.query(&Actor::Admin, now, IsOnline { username: u }),
        ));
    }
    for i in 0..30 {
        out.push(format!(
            "{:?}",
            app.query(
                &Actor::Anonymous,
                now,
                ValidateToken {
                    token: format!("tok{i}")
                }
            )
        ));
    }
    out.push(format!(
        "{:?}",
        app.query(&Actor::Admin, now, AttributeCapacity)
    ));
    out
}

#[test]
fn a_replayed_command_log_reproduces_replies_events_and_state() {
    for seed in 1..=20u64 {
        let entries = log(seed, 400);
        let first = app_with(Limits {
            friends_max: Some(3),
            attr_bytes_per_app: 200,
            ..Limits::default()
        });
        let second = app_with(Limits {
            friends_max: Some(3),
            attr_bytes_per_app: 200,
            ..Limits::default()
        });
        let a = replay(&first, &entries);
        let b = replay(&second, &entries);
        assert_eq!(a, b, "seed {seed}");
        let end = entries.last().unwrap().1;
        assert_eq!(state(&first, end), state(&second, end), "seed {seed}");
        check(&first);
        // The log did real work: some commands succeeded and some failed.
        assert!(a.iter().filter(|s| s.is_ok()).count() > 100, "seed {seed}");
        assert!(a.iter().filter(|s| s.is_err()).count() > 10, "seed {seed}");
    }
}

#[test]
fn typed_and_serializable_forms_agree() {
    // `execute` with a command struct and `execute_any` with its `Command` give the same result.
    let typed = app();
    let any = app();
    for (i, (actor, t, cmd)) in log(7, 300).into_iter().enumerate() {
        let a: std::result::Result<Vec<Event>, (u16, &str)> = match cmd.clone() {
            Command::AddFriend(c) => typed.execute(&actor, t, c).map(|o| o.events),
            Command::RegisterUser(c) => typed.execute(&actor, t, c).map(|o| o.events),
            Command::DeleteUser(c) => typed.execute(&actor, t, c).map(|o| o.events),
            Command::BlockUsers(c) => typed.execute(&actor, t, c).map(|o| o.events),
            other => typed.execute_any(&actor, t, other).map(|o| o.events),
        }
        .map_err(|e| (e.status(), e.code()));
        let b = any
            .execute_any(&actor, t, cmd)
            .map(|o| o.events)
            .map_err(|e| (e.status(), e.code()));
        assert_eq!(a, b, "step {i}");
    }
    let q = |app: &App| {
        (
            app.query_any(
                &Actor::Admin,
                T0,
                Query::ListUsers(ListUsers {
                    limit: Some(100),
                    cursor: None,
                }),
            ),
            app.query(
                &Actor::Admin,
                T0,
                ListUsers {
                    limit: Some(100),
                    cursor: None,
                },
            ),
        )
    };
    let (x, y) = q(&typed);
    assert_eq!(x.unwrap(), QueryReply::ListUsers(y.unwrap()));
}

/// A log of generated commands across every area: each `Command`'s derived `Arbitrary`
/// (feature `fuzzing`, names and ids from small pools) over bytes drawn from `seed`, with
/// the admin or a pool user calling and time passing between some of them. The pool users
/// are registered first, so that group and room commands find people.
fn generated_log(seed: u64, len: usize) -> Vec<(Actor, Timestamp, Command)> {
    use arbitrary::{Arbitrary, Unstructured};
    let mut r = Rng(seed | 1);
    let bytes: Vec<u8> = (0..len * 48).map(|_| r.below(256) as u8).collect();
    let mut u = Unstructured::new(&bytes);
    let mut now = T0.0;
    let mut out: Vec<(Actor, Timestamp, Command)> = imcore::ids::USER_POOL
        .iter()
        .map(|n| {
            let c = RegisterUser(NewUser::new(n, "pw", &format!("uuid-{n}")));
            (Actor::Admin, T0, c.into())
        })
        .collect();
    while out.len() < len {
        let Ok((actor, skip, cmd)) = (|| {
            let actor = if u.ratio(3, 4)? {
                Actor::Admin
            } else {
                Actor::arbitrary(&mut u)?
            };
            let skip = *u.choose(&[0i64, 0, 0, 700, 3001])?;
            Ok::<_, arbitrary::Error>((actor, skip, Command::arbitrary(&mut u)?))
        })() else {
            break;
        };
        now += skip;
        out.push((actor, Timestamp(now), cmd));
    }
    out
}

#[test]
fn a_replayed_generated_log_reproduces_replies_events_and_errors() {
    for seed in 1..=10u64 {
        let entries = generated_log(seed, 1200);
        assert!(entries.len() >= 600, "seed {seed}: {}", entries.len());
        let limits = || {
            let mut l = Limits {
                friends_max: Some(3),
                attr_bytes_per_app: 200,
                ..Limits::default()
            };
            l.groups.max_users_default = 4;
            l.rooms.maxusers_default = 4;
            l
        };
        let (first, second) = (app_with(limits()), app_with(limits()));
        let a = replay(&first, &entries);
        let b = replay(&second, &entries);
        assert_eq!(a, b, "seed {seed}");
        check(&first);
        // The log did real work in every area: some commands succeeded, some failed.
        let ok = a.iter().filter(|s| s.is_ok()).count();
        assert!(
            ok > 40 && a.len() - ok > 40,
            "seed {seed}: {ok} of {}",
            a.len()
        );
    }
}
