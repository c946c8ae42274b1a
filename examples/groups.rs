//! A group's life: create, add, admin, mute, block, thread, transfer, destroy — printing each
//! step's reply and the events it caused.
//!
//! Run with `cargo run --example groups`.

use imcore::groups::*;
use imcore::*;

fn show<R: std::fmt::Debug>(step: &str, out: Result<Output<R>>) -> R {
    let out = out.unwrap_or_else(|e| panic!("{step}: {} {} {e}", e.status(), e.code()));
    println!("== {step}\n   reply: {:?}", out.reply);
    for e in &out.events {
        println!("   event: {e:?}");
    }
    out.reply
}

fn main() -> Result<()> {
    let engine = Engine::new();
    let app = engine.create_app(AppKey::new("acme", "chat")?, Limits::default())?;
    let admin = Actor::Admin;
    let mut now = Timestamp(1_700_000_000_000);
    let name = |s: &str| UserName::parse(s).expect("valid");
    for u in ["alice", "bob", "carol", "dave"] {
        app.execute(&admin, now, RegisterUser(NewUser::new(u, "secret", u)))?;
    }

    // alice creates a private group with bob.
    let alice = Actor::User(name("alice"));
    let g = show(
        "alice creates a group",
        app.execute(
            &alice,
            now,
            CreateGroup {
                public: Some(false),
                name: Some("rust fans".into()),
                members: vec![name("bob")],
                ..Default::default()
            },
        ),
    )
    .group_id;
    show(
        "alice adds carol and dave",
        app.execute(
            &alice,
            now,
            AddGroupMembers {
                group: g.clone(),
                users: vec![name("carol"), name("dave")],
                need_notify: None,
            },
        ),
    );
    show(
        "bob becomes an admin",
        app.execute(
            &alice,
            now,
            AddGroupAdmin {
                group: g.clone(),
                user: name("bob"),
            },
        ),
    );
    let bob = Actor::User(name("bob"));
    show(
        "bob mutes carol for a minute",
        app.execute(
            &bob,
            now,
            MuteGroupMembers {
                group: g.clone(),
                users: vec![name("carol")],
                duration_ms: 60_000,
            },
        ),
    );
    println!(
        "   may carol speak? {:?}",
        app.query(
            &admin,
            now,
            MaySpeakInGroup {
                group: g.clone(),
                user: name("carol")
            }
        )?
    );
    now = now.after(Millis(60_000));
    println!(
        "   a minute later:  {:?}",
        app.query(
            &admin,
            now,
            MaySpeakInGroup {
                group: g.clone(),
                user: name("carol")
            }
        )?
    );
    show(
        "bob blocks dave",
        app.execute(
            &bob,
            now,
            BlockGroupMember {
                group: g.clone(),
                user: name("dave"),
            },
        ),
    );
    let parent = show(
        "carol posts to the group",
        app.execute(
            &Actor::User(name("carol")),
            now,
            imcore::messages::SendMessage::text(
                imcore::messages::ChatType::GroupChat,
                None,
                &[g.as_str()],
                "shall we plan the release?",
            ),
        ),
    );
    let msg_id = parent.accepted().next().expect("accepted").1.to_string();
    let t = show(
        "carol starts a thread under a message",
        app.execute(
            &Actor::User(name("carol")),
            now,
            CreateThread {
                group: Some(g.clone()),
                name: Some("release planning".into()),
                msg_id: Some(msg_id),
                owner: Some(name("carol")),
            },
        ),
    )
    .thread_id;
    show(
        "bob joins the thread",
        app.execute(
            &bob,
            now,
            JoinThread {
                thread: t.clone(),
                user: name("bob"),
            },
        ),
    );
    show(
        "alice hands the group to bob",
        app.execute(
            &alice,
            now,
            TransferGroupOwner {
                group: g.clone(),
                new_owner: name("bob"),
            },
        ),
    );
    println!(
        "   members now: {:?}",
        app.query(
            &admin,
            now,
            ListGroupMembers {
                group: g.clone(),
                ..Default::default()
            }
        )?
        .items
        .iter()
        .map(|m| (m.user.to_string(), m.role))
        .collect::<Vec<_>>()
    );
    show(
        "bob destroys the group (and its thread)",
        app.execute(&bob, now, DestroyGroup { group: g.clone() }),
    );
    imcore::invariants::check(&app).expect("invariants hold");
    println!("invariants hold");
    Ok(())
}
