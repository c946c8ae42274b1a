//! The delivery policy (spec 03 §4.3): stage S (deactivated, unknown client sender, global
//! mute per kind, the system sender), stage T for users (unknown, block, friend check), groups
//! and rooms (unknown, non-member, member mute vs the allow list, mute-all and its exemptions,
//! server-origin privileges), multi-target partial rejection, and stage R's routes.

use crate::fixture::messages::*;
use imcore::groups::*;
use imcore::messages::*;
use imcore::rooms::*;
use imcore::*;

fn send(app: &App, actor: &Actor, c: SendMessage) -> Result<SendResult> {
    app.execute(actor, T0, c).map(|o| o.reply)
}

fn mute(app: &App, who: &str, chat: bool, group: bool, room: bool) {
    let v = |b: bool| b.then_some(MuteValue::Forever);
    ok(
        app,
        &Actor::Admin,
        SetGlobalMute {
            username: n(who),
            chat: v(chat),
            groupchat: v(group),
            chatroom: v(room),
        },
    );
}

#[test]
fn stage_s_aborts_the_whole_request() {
    let app = app(&["a", "b", "c"]);
    let g = group(&app, "a", &["b"]);
    let r = room(&app, "a", &["b"]);
    // S2: a client sender that does not exist (a token outliving its user).
    err(
        send(&app, &user("ghost"), txt(ChatType::Chat, None, &["b"])),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    // S3: the global mute of the message's kind only, both origins.
    mute(&app, "a", true, false, false);
    for actor in [user("a"), Actor::Admin] {
        err(
            send(&app, &actor, txt(ChatType::Chat, Some("a"), &["b", "c"])),
            403,
            "forbidden_op",
            "user a is muted",
        );
    }
    assert!(
        send(
            &app,
            &user("a"),
            txt(ChatType::GroupChat, None, &[g.as_str()])
        )
        .is_ok()
    );
    assert!(
        send(
            &app,
            &user("a"),
            txt(ChatType::ChatRoom, None, &[&r.to_string()])
        )
        .is_ok()
    );
    mute(&app, "a", false, true, true);
    err(
        send(
            &app,
            &user("a"),
            txt(ChatType::GroupChat, None, &[g.as_str()]),
        ),
        403,
        "forbidden_op",
        "user a is muted",
    );
    err(
        send(
            &app,
            &user("a"),
            txt(ChatType::ChatRoom, None, &[&r.to_string()]),
        ),
        403,
        "forbidden_op",
        "user a is muted",
    );
    // S1 before S3: deactivated wins.
    ok(&app, &Actor::Admin, DisableUser { username: n("a") });
    err(
        send(
            &app,
            &Actor::Admin,
            txt(ChatType::GroupChat, Some("a"), &[g.as_str()]),
        ),
        403,
        "forbidden_op",
        "user a is deactivated",
    );
    // The system sender skips stage S: no from, `admin`, or an unknown name with server origin.
    for from in [None, Some("admin"), Some("nobody")] {
        assert!(
            send(&app, &Actor::Admin, txt(ChatType::Chat, from, &["b"])).is_ok(),
            "{from:?}"
        );
    }
    check(&app);
}

#[test]
fn stage_t_for_users_block_friend_check_unknown() {
    let app = app_with(|l| l.friend_check = true, &["a", "b", "c"]);
    ok(
        &app,
        &Actor::Admin,
        AddFriend {
            owner: n("a"),
            friend: n("b"),
        },
    );
    ok(
        &app,
        &Actor::Admin,
        BlockUsers {
            owner: n("c"),
            usernames: vec![n("a")],
        },
    );
    // Client: b accepted (friend), c refused (blocked, before the friend check), ghost unknown.
    let r = send(
        &app,
        &user("a"),
        txt(ChatType::Chat, None, &["b", "c", "ghost", "B"]),
    )
    .unwrap();
    assert_eq!(r.targets.len(), 3, "targets de-duplicated after folding");
    assert!(matches!(r.targets[0].outcome, Outcome::Accepted { .. }));
    assert_eq!(refused(&r, "c"), Some(TargetRefusal::BlockedByRecipient));
    assert_eq!(refused(&r, "ghost"), Some(TargetRefusal::RecipientNotFound));
    // Friend check: client only.
    ok(
        &app,
        &Actor::Admin,
        UnblockUser {
            owner: n("c"),
            blocked: n("a"),
        },
    );
    let r = send(&app, &user("a"), txt(ChatType::Chat, None, &["b", "c"])).unwrap();
    assert_eq!(refused(&r, "c"), Some(TargetRefusal::NotFriend));
    let r = send(
        &app,
        &Actor::Admin,
        txt(ChatType::Chat, Some("a"), &["c", "ghost"]),
    )
    .unwrap();
    assert_eq!(
        r.accepted().count(),
        2,
        "server: no friend check, unknown targets accepted"
    );
    assert_eq!(
        routes(&app, &r, "ghost"),
        vec![],
        "an unknown target reaches nobody"
    );
    // A block stops server sends from a real user too (OPEN), never the system sender.
    ok(
        &app,
        &Actor::Admin,
        BlockUsers {
            owner: n("c"),
            usernames: vec![n("a")],
        },
    );
    err(
        send(&app, &Actor::Admin, txt(ChatType::Chat, Some("a"), &["c"])),
        403,
        "forbidden_op",
        "user a is blocked by c",
    );
    assert!(send(&app, &Actor::Admin, txt(ChatType::Chat, None, &["c"])).is_ok());
    // Every target refused: 403 with the first reason; nothing was stored, no id drawn.
    err(
        send(&app, &user("a"), txt(ChatType::Chat, None, &["c", "ghost"])),
        403,
        "forbidden_op",
        "user a is blocked by c",
    );
    // Sending to oneself is allowed.
    assert!(send(&app, &user("a"), txt(ChatType::Chat, None, &["a"])).is_ok());
    check(&app);
}

#[test]
fn stage_t_for_groups_membership_mutes_allow_list_and_mute_all() {
    let app = app(&["own", "adm", "mem", "ok", "out"]);
    let g = group(&app, "own", &["adm", "mem", "ok"]);
    let gs = g.as_str();
    ok(
        &app,
        &Actor::Admin,
        AddGroupAdmin {
            group: g.clone(),
            user: n("adm"),
        },
    );
    ok(
        &app,
        &Actor::Admin,
        AllowGroupMember {
            group: g.clone(),
            user: n("ok"),
        },
    );
    let multi = |who: &str| {
        send(
            &app,
            &user(who),
            txt(ChatType::GroupChat, None, &[gs, "no-such-group"]),
        )
    };
    // Unknown group and non-member.
    let r = multi("mem").unwrap();
    assert_eq!(
        refused(&r, "no-such-group"),
        Some(TargetRefusal::GroupNotFound)
    );
    assert!(
        refused(&r, gs).is_none(),
        "partial rejection: the group went"
    );
    // A non-member is refused at both targets: the whole send fails with the first reason.
    err(
        send(
            &app,
            &user("out"),
            txt(ChatType::GroupChat, None, &[gs, "no-such-group"]),
        ),
        403,
        "forbidden_op",
        &format!("user out is not a member of group {gs}"),
    );
    let r = send(&app, &user("out"), txt(ChatType::GroupChat, None, &[gs])).unwrap_err();
    assert_eq!(
        r.to_string(),
        TargetRefusal::NotGroupMember.describe("out", gs)
    );
    // A member mute beats the allow list.
    ok(
        &app,
        &Actor::Admin,
        MuteGroupMembers {
            group: g.clone(),
            users: vec![n("ok")],
            duration_ms: 1000,
        },
    );
    assert_eq!(
        verdict(&multi("ok"), "ok", gs),
        Some(TargetRefusal::MutedInGroup)
    );
    let later = app
        .execute(&user("ok"), at(1000), txt(ChatType::GroupChat, None, &[gs]))
        .unwrap()
        .reply;
    assert!(
        refused(&later, gs).is_none(),
        "the mute lapsed at its instant"
    );
    // Mute-all: owner, admins and allow-listed members are exempt.
    ok(&app, &Actor::Admin, MuteGroupAll { group: g.clone() });
    let speak = |who: &str| {
        app.execute(
            &user(who),
            at(1000),
            txt(ChatType::GroupChat, None, &[gs, "no-such-group"]),
        )
        .map(|o| o.reply)
    };
    assert_eq!(
        verdict(&speak("mem"), "mem", gs),
        Some(TargetRefusal::MuteAllNotAllowListed)
    );
    for who in ["own", "adm", "ok"] {
        assert!(verdict(&speak(who), who, gs).is_none(), "{who}");
    }
    // Server origin skips membership, mutes and mute-all, even for a non-member `from`.
    assert!(
        send(
            &app,
            &Actor::Admin,
            txt(ChatType::GroupChat, Some("out"), &[gs])
        )
        .is_ok()
    );
    // A disabled group refuses client sends, not the admin's.
    ok(&app, &Actor::Admin, DisableGroup { group: g.clone() });
    assert_eq!(
        verdict(&multi("own"), "own", gs),
        Some(TargetRefusal::GroupDisabled)
    );
    assert!(send(&app, &Actor::Admin, txt(ChatType::GroupChat, None, &[gs])).is_ok());
    check(&app);
}

#[test]
fn stage_t_for_rooms() {
    let app = app(&["own", "mem", "ok", "out"]);
    let r = room(&app, "own", &["mem", "ok"]);
    let rs = r.to_string();
    ok(
        &app,
        &Actor::Admin,
        AllowRoomUsers {
            room: r,
            users: vec![n("ok")],
        },
    );
    let speak = |who: &str| {
        send(
            &app,
            &user(who),
            txt(ChatType::ChatRoom, None, &[&rs, "999999"]),
        )
    };
    assert_eq!(
        refused(&speak("mem").unwrap(), "999999"),
        Some(TargetRefusal::RoomNotFound)
    );
    err(
        send(
            &app,
            &user("out"),
            txt(ChatType::ChatRoom, None, &[&rs, "999999"]),
        ),
        403,
        "forbidden_op",
        &format!("user out is not a member of chatroom {rs}"),
    );
    ok(
        &app,
        &Actor::Admin,
        MuteRoomMembers {
            room: r,
            users: vec![n("ok")],
            duration_ms: -1,
        },
    );
    assert_eq!(
        verdict(&speak("ok"), "ok", &rs),
        Some(TargetRefusal::MutedInRoom)
    );
    ok(
        &app,
        &Actor::Admin,
        UnmuteRoomMembers {
            room: r,
            users: vec![n("ok")],
        },
    );
    ok(
        &app,
        &Actor::Admin,
        SetRoomMuteAll {
            room: r,
            muted: true,
        },
    );
    assert_eq!(
        verdict(&speak("mem"), "mem", &rs),
        Some(TargetRefusal::MuteAllNotAllowListed)
    );
    assert!(verdict(&speak("ok"), "ok", &rs).is_none());
    assert!(verdict(&speak("own"), "own", &rs).is_none());
    let srv = send(
        &app,
        &Actor::Admin,
        txt(ChatType::ChatRoom, None, &[&rs, "999999"]),
    )
    .unwrap();
    assert_eq!(
        srv.accepted().count(),
        2,
        "server origin: mute-all skipped, unknown room accepted"
    );
    check(&app);
}

#[test]
fn stage_r_routes_each_recipient() {
    let app = app(&["a", "b", "c", "d"]);
    online(&app, "b");
    let g = group(&app, "a", &["b", "c", "d"]);
    let r = room(&app, "a", &["b", "c"]);
    use Route::*;
    // Group: online, offline queued; the sender's copy always.
    let out = send(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    )
    .unwrap();
    assert_eq!(
        routes(&app, &out, g.as_str()),
        vec![
            ("b".into(), Online),
            ("c".into(), OfflineQueued),
            ("d".into(), OfflineQueued),
            ("a".into(), SenderSync)
        ]
    );
    // ROUTE_ONLINE drops instead of queueing.
    let mut c = txt(ChatType::GroupChat, None, &[g.as_str()]);
    c.route_online = true;
    let out = send(&app, &user("a"), c).unwrap();
    assert_eq!(routes(&app, &out, g.as_str())[1], ("c".into(), Dropped));
    // Rooms: online or dropped, no sender copy.
    let out = send(
        &app,
        &user("a"),
        txt(ChatType::ChatRoom, None, &[&r.to_string()]),
    )
    .unwrap();
    assert_eq!(
        routes(&app, &out, &r.to_string()),
        vec![("b".into(), Online), ("c".into(), Dropped)]
    );
    // Users: the sender's copy only with sync_device.
    let mut c = txt(ChatType::Chat, None, &["c"]);
    c.sync_device = true;
    let out = send(&app, &user("a"), c).unwrap();
    assert_eq!(
        routes(&app, &out, "c"),
        vec![("c".into(), OfflineQueued), ("a".into(), SenderSync)]
    );
    // Directed: only listed members; others silently skipped.
    let mut c = txt(ChatType::GroupChat, None, &[g.as_str()]);
    c.users = Some(vec!["b".into(), "d".into(), "zzz".into()]);
    let out = send(&app, &user("a"), c).unwrap();
    assert_eq!(
        routes(&app, &out, g.as_str()),
        vec![
            ("b".into(), Online),
            ("d".into(), OfflineQueued),
            ("a".into(), SenderSync)
        ]
    );
    // Personal block lists never filter group messages (OPEN).
    ok(
        &app,
        &Actor::Admin,
        BlockUsers {
            owner: n("c"),
            usernames: vec![n("a")],
        },
    );
    let out = send(
        &app,
        &user("a"),
        txt(ChatType::GroupChat, None, &[g.as_str()]),
    )
    .unwrap();
    assert_eq!(
        routes(&app, &out, g.as_str())[1],
        ("c".into(), OfflineQueued)
    );
    check(&app);
}

#[test]
fn each_accepted_target_gets_its_own_id_and_one_event() {
    let app = app(&["a", "b", "c"]);
    let out = app
        .execute(&user("a"), T0, txt(ChatType::Chat, None, &["b", "c"]))
        .unwrap();
    let ids: Vec<MessageId> = out.reply.accepted().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    let sent: Vec<MessageId> = out
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Message(MessageEvent::Sent { msg_id, .. }) => Some(*msg_id),
            _ => None,
        })
        .collect();
    assert_eq!(sent, ids);
    // A refused send draws no id: the next id follows on.
    let _ = app.execute(&user("a"), T0, txt(ChatType::Chat, None, &["ghost"]));
    let next = the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"])));
    assert_eq!(next.0, ids[1].0 + 1);
}

/// The routes follow the members between sends (the roster's member list is shared by the
/// sends between two changes and rebuilt after one), a reply and its event carry the same
/// routes, and a held reply keeps the routes it was given.
#[test]
fn routes_follow_membership_and_reply_and_event_agree() {
    let app = app(&["a", "b", "c", "d"]);
    online(&app, "b");
    let g = group(&app, "a", &["b", "c"]);
    use Route::*;
    let send_g = |app: &App| {
        app.execute(
            &Actor::Admin,
            T0,
            txt(ChatType::GroupChat, Some("a"), &[g.as_str()]),
        )
        .unwrap()
    };
    let first = send_g(&app);
    let want_first = vec![
        ("b".to_string(), Online),
        ("c".to_string(), OfflineQueued),
        ("a".to_string(), SenderSync),
    ];
    assert_eq!(routes(&app, &first.reply, g.as_str()), want_first);
    let Outcome::Accepted {
        routes: in_reply, ..
    } = &first.reply.targets[0].outcome
    else {
        panic!("accepted");
    };
    let in_event = first
        .events
        .iter()
        .find_map(|e| match e {
            Event::Message(MessageEvent::Sent { routes, .. }) => Some(routes),
            _ => None,
        })
        .expect("a Sent event");
    assert_eq!(in_event, in_reply);
    assert_eq!(in_event.to_vec(), in_reply.iter().collect::<Vec<_>>());
    assert_eq!(in_reply.len(), 3);
    // d joins at the end of the join order; c leaves.
    ok(
        &app,
        &Actor::Admin,
        AddGroupMember {
            group: g.clone(),
            user: n("d"),
            need_notify: None,
        },
    );
    let second = send_g(&app);
    assert_eq!(
        routes(&app, &second.reply, g.as_str()),
        vec![
            ("b".into(), Online),
            ("c".into(), OfflineQueued),
            ("d".into(), OfflineQueued),
            ("a".into(), SenderSync)
        ]
    );
    ok(
        &app,
        &Actor::Admin,
        RemoveGroupMember {
            group: g.clone(),
            user: n("c"),
        },
    );
    online(&app, "d");
    let third = send_g(&app);
    assert_eq!(
        routes(&app, &third.reply, g.as_str()),
        vec![
            ("b".into(), Online),
            ("d".into(), Online),
            ("a".into(), SenderSync)
        ]
    );
    // The first reply still reads as it was sent.
    assert_eq!(routes(&app, &first.reply, g.as_str()), want_first);
    // c's queue got the first two; d's only the second.
    for (u, k) in [("c", 2), ("d", 1), ("b", 0)] {
        assert_eq!(ask(&app, OfflineCount { user: n(u) }), k, "{u}");
    }
    check(&app);
}
