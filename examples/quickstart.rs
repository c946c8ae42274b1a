//! A tour of imcore: create an app, register users, give them attributes, make friends, block,
//! mute, and delete a user, printing every reply and the events each call returns.
//!
//! Run: `cargo run --example quickstart`.
//!
//! The engine does no I/O: every call gets the caller (`Actor`) and the host's clock reading
//! (`Timestamp`), and returns a reply plus the events the host should act on (pushes,
//! callbacks, disconnects). Here the "host" just prints them.

use std::fmt::Debug;

use imcore::*;

/// Prints a command's reply and events, or its error with the vendor status and code.
fn show<R: Debug>(what: &str, r: Result<Output<R>>) -> Option<R> {
    println!("\n> {what}");
    match r {
        Ok(out) => {
            println!("  reply:  {:?}", out.reply);
            if out.events.is_empty() {
                println!("  events: (none)");
            }
            for e in &out.events {
                println!("  event:  {e:?}");
            }
            Some(out.reply)
        }
        Err(e) => {
            println!("  error:  {} {} \"{e}\"", e.status(), e.code());
            None
        }
    }
}

/// Prints a query's answer, or its error.
fn ask<R: Debug>(what: &str, r: Result<R>) -> Option<R> {
    println!("\n? {what}");
    match r {
        Ok(v) => {
            println!("  answer: {v:?}");
            Some(v)
        }
        Err(e) => {
            println!("  error:  {} {} \"{e}\"", e.status(), e.code());
            None
        }
    }
}

fn main() -> Result<()> {
    // 1. An engine holds isolated apps (tenants). Each app has its own limits.
    let engine = Engine::new();
    let app = engine.create_app(AppKey::new("acme", "chat")?, Limits::default())?;
    println!("created app {} with the default limits:", app.key());
    let l = app.limits();
    println!(
        "  friends_max {:?}, attribute bytes per user {}, registration {:?}",
        l.friends_max, l.attr_bytes_per_user, l.registration_mode
    );

    // The host owns the clock: every call takes `now` in epoch milliseconds.
    let mut now = Timestamp(1_700_000_000_000);
    let admin = Actor::Admin;

    // 2. Register users. Names are validated and case-folded: "Alice" is "alice".
    for (name, uuid) in [("Alice", "uuid-a"), ("bob", "uuid-b"), ("carol", "uuid-c")] {
        show(
            &format!("register {name}"),
            app.execute(
                &admin,
                now,
                RegisterUser(NewUser::new(name, "secret", uuid)),
            ),
        );
    }
    show(
        "register alice again (names are unique after folding)",
        app.execute(&admin, now, RegisterUser(NewUser::new("ALICE", "x", "u"))),
    );
    show(
        "register without a token while registration is admin-only",
        app.execute(
            &Actor::Anonymous,
            now,
            RegisterUser(NewUser::new("mallory", "x", "u")),
        ),
    );
    let alice = UserName::parse("alice")?;
    let bob = UserName::parse("bob")?;
    let carol = UserName::parse("carol")?;
    ask(
        "get alice",
        app.query(
            &admin,
            now,
            GetUser {
                username: alice.clone(),
            },
        ),
    );

    // 3. Attributes: free-form string pairs with a 2 KB budget per user. A user may write
    //    their own; the admin may write anyone's.
    let as_alice = Actor::User(alice.clone());
    show(
        "alice sets her attributes",
        app.execute(
            &as_alice,
            now,
            SetAttributes {
                username: alice.clone(),
                pairs: vec![
                    ("avatar".into(), "https://example.com/a.png".into()),
                    ("city".into(), "Beijing".into()),
                ],
            },
        ),
    );
    show(
        "alice tries to set bob's attributes",
        app.execute(
            &as_alice,
            now,
            SetAttributes {
                username: bob.clone(),
                pairs: vec![("city".into(), "Nowhere".into())],
            },
        ),
    );
    show(
        "bob's attributes would pass the 2 KB budget",
        app.execute(
            &admin,
            now,
            SetAttributes {
                username: bob.clone(),
                pairs: vec![("bio".into(), "x".repeat(2046))],
            },
        ),
    );
    ask(
        "batch-get the avatar of alice, bob and someone unknown",
        app.query(
            &as_alice,
            now,
            BatchGetAttributes {
                targets: vec!["alice".into(), "bob".into(), "nobody".into()],
                properties: vec!["avatar".into()],
            },
        ),
    );
    ask(
        "attribute bytes in use in the app",
        app.query(&admin, now, AttributeCapacity),
    );

    // 4. Friends: symmetric, one command links both sides.
    now = Timestamp(now.0 + 1_000);
    show(
        "alice adds bob",
        app.execute(
            &as_alice,
            now,
            AddFriend {
                owner: alice.clone(),
                friend: bob.clone(),
            },
        ),
    );
    show(
        "alice adds bob again (already friends: no change, no event)",
        app.execute(
            &as_alice,
            now,
            AddFriend {
                owner: alice.clone(),
                friend: bob.clone(),
            },
        ),
    );
    show(
        "the admin imports carol and a missing user into alice's list",
        app.execute(
            &admin,
            now,
            ImportFriends {
                owner: alice.clone(),
                usernames: vec!["carol".into(), "dave".into()],
                notify: true,
            },
        ),
    );
    show(
        "alice labels bob",
        app.execute(
            &as_alice,
            now,
            SetRemark {
                owner: alice.clone(),
                friend: bob.clone(),
                remark: "Bobby".into(),
            },
        ),
    );
    ask(
        "are bob and alice friends?",
        app.query(
            &admin,
            now,
            AreFriends {
                a: bob.clone(),
                b: alice.clone(),
            },
        ),
    );
    ask(
        "alice's friends, one page with remarks",
        app.query(
            &as_alice,
            now,
            ListFriendsPage {
                owner: alice.clone(),
                limit: Some(10),
                cursor: None,
                need_remark: true,
            },
        ),
    );

    // 5. Blocks: one-way, and they do not end a friendship.
    show(
        "bob blocks carol",
        app.execute(
            &Actor::User(bob.clone()),
            now,
            BlockUsers {
                owner: bob.clone(),
                usernames: vec![carol.clone()],
            },
        ),
    );
    ask(
        "is carol on bob's block list?",
        app.query(
            &admin,
            now,
            IsBlocked {
                owner: bob.clone(),
                other: carol.clone(),
            },
        ),
    );
    ask(
        "is bob on carol's block list? (blocks are one-way)",
        app.query(
            &admin,
            now,
            IsBlocked {
                owner: carol.clone(),
                other: bob.clone(),
            },
        ),
    );

    // 6. Global mutes: decided against the caller's `now`; they lapse by themselves.
    show(
        "mute carol in 1:1 chat for 60 s and in groups forever",
        app.execute(
            &admin,
            now,
            SetGlobalMute {
                username: carol.clone(),
                chat: Some(MuteValue::For(Millis::from_secs(60))),
                groupchat: Some(MuteValue::Forever),
                chatroom: None,
            },
        ),
    );
    ask(
        "carol's mutes now",
        app.query(
            &admin,
            now,
            GetGlobalMute {
                username: carol.clone(),
            },
        ),
    );
    let later = Timestamp(now.0 + 61_000);
    ask(
        "is carol muted in chat 61 s later? (no sweeper needed)",
        app.query(
            &admin,
            later,
            IsGloballyMuted {
                username: carol.clone(),
                scope: MuteScope::Chat,
            },
        ),
    );
    now = later;

    // 7. Tokens and sessions: the host mints token strings, the engine keeps the grants.
    show(
        "bob logs in with his password",
        app.execute(
            &Actor::Anonymous,
            now,
            IssueToken {
                grant: GrantType::Password {
                    username: "bob".into(),
                    password: "secret".into(),
                },
                token: "tok-bob-1".into(),
                ttl: None,
            },
        ),
    );
    ask(
        "who is tok-bob-1?",
        app.query(
            &Actor::Anonymous,
            now,
            ValidateToken {
                token: "tok-bob-1".into(),
            },
        ),
    );
    show(
        "bob connects from his phone",
        app.execute(
            &admin,
            now,
            OpenSession {
                username: bob.clone(),
                resource: "android_1".into(),
                device_uuid: None,
                device_name: Some("Pixel".into()),
            },
        ),
    );

    // 8. Delete a user: the cascade unlinks friends, blocks, tokens, sessions, attributes.
    show(
        "delete bob",
        app.execute(
            &admin,
            now,
            DeleteUser {
                username: bob.clone(),
            },
        ),
    );
    ask(
        "tok-bob-1 after the delete",
        app.query(
            &Actor::Anonymous,
            now,
            ValidateToken {
                token: "tok-bob-1".into(),
            },
        ),
    );
    ask(
        "alice's friends after the delete",
        app.query(
            &admin,
            now,
            ListFriends {
                owner: alice.clone(),
            },
        ),
    );
    ask("get bob", app.query(&admin, now, GetUser { username: bob }));

    // Every property the engine promises holds when no command is in flight.
    imcore::invariants::check(&app).expect("invariants hold");
    println!("\ninvariants hold; done.");
    Ok(())
}
