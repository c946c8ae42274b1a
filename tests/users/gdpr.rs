//! GDPR (spec 01 §16): one user who touched every area, exported (every field of the document
//! checked, and nothing that must not be there), then erased (the delete cascade) and found
//! nowhere: not in any other user's export, not in the app's snapshot bytes. The three
//! places where the specs keep a deleted user's name on purpose are shown separately.

use crate::fixture::users::*;
use imcore::groups::*;
use imcore::messages;
use imcore::rooms::*;
use imcore::*;
use indexmap::IndexMap;

const Z: &str = "zelda";
const SECRET_TOKEN: &str = "tok-zelda-secret-0123456789";

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn ok<C: Exec + std::fmt::Debug + Clone>(app: &App, actor: &Actor, cmd: C) -> C::Reply {
    match app.execute(actor, T0, cmd.clone()) {
        Ok(o) => o.reply,
        Err(e) => panic!("{cmd:?} failed: {e:?}"),
    }
}

fn admin<C: Exec + std::fmt::Debug + Clone>(app: &App, cmd: C) -> C::Reply {
    ok(app, &Actor::Admin, cmd)
}

/// Sends a text message and returns its id (`from` `None`: the system sender).
fn send(app: &App, chat: messages::ChatType, from: Option<&str>, to: &str, text: &str) -> String {
    let out = admin(app, messages::SendMessage::text(chat, from, &[to], text));
    match &out.targets[0].outcome {
        messages::Outcome::Accepted { msg_id, .. } => msg_id.to_string(),
        o => panic!("message to {to} refused: {o:?}"),
    }
}

fn map(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn group(app: &App, owner: &str, members: &[&str], f: impl FnOnce(&mut CreateGroup)) -> GroupId {
    let mut c = CreateGroup {
        owner: Some(n(owner)),
        public: Some(false),
        members: members.iter().map(|m| n(m)).collect(),
        ..Default::default()
    };
    f(&mut c);
    admin(app, c).group_id
}

fn room(app: &App, owner: &str, members: &[&str]) -> RoomId {
    admin(
        app,
        CreateRoom {
            name: Some(format!("room of {owner}")),
            description: Some("d".into()),
            owner: Some(n(owner)),
            members: Some(members.iter().map(|m| n(m)).collect()),
            ..Default::default()
        },
    )
}

/// What `touch_everything` made.
struct Made {
    g_own: GroupId,
    g_member: GroupId,
    g_applied: GroupId,
    g_blocked: GroupId,
    g_invited: GroupId,
    t_own: ThreadId,
    t_joined: ThreadId,
    r_own: RoomId,
    r_admin: RoomId,
    r_muted: RoomId,
    r_blocked: RoomId,
}

/// Zelda touches every area; yuri, walt and vera are the others. Nothing here leaves
/// zelda's name behind once zelda is deleted (see `residues_the_specs_keep` for what does).
fn touch_everything(app: &App) -> Made {
    for u in [Z, "yuri", "walt", "vera"] {
        reg(app, u);
    }
    // Tokens and sessions.
    token(app, Z, "pw", SECRET_TOKEN).unwrap();
    let open_dev = |res: &str, dev: Option<&str>| {
        admin(
            app,
            OpenSession {
                username: n(Z),
                resource: res.into(),
                device_uuid: dev.map(Into::into),
                device_name: dev.map(|_| "phone".into()),
            },
        )
    };
    // Messages: one each way with yuri (erased with zelda: spec 01 §6 item 3).
    send(app, messages::ChatType::Chat, Some(Z), "yuri", "z-to-y");
    send(app, messages::ChatType::Chat, Some("yuri"), Z, "y-to-z");
    open_dev("ios_1", Some("dev-1"));
    open_dev("web_1", None);
    admin(
        app,
        CloseSession {
            username: n(Z),
            resource: "web_1".into(),
        },
    );
    // Attributes, contacts, blocks, mutes.
    set_attrs(app, Z, &[("nickname", "Zed"), ("city", "Oslo")]).unwrap();
    befriend(app, Z, "yuri");
    befriend(app, Z, "walt");
    admin(
        app,
        SetRemark {
            owner: n(Z),
            friend: n("yuri"),
            remark: "pal".into(),
        },
    );
    admin(
        app,
        SetRemark {
            owner: n("yuri"),
            friend: n(Z),
            remark: "secret-remark-about-z".into(),
        },
    );
    block(app, Z, &["walt"]).unwrap();
    block(app, Z, &["vera"]).unwrap();
    block(app, "vera", &[Z]).unwrap();
    admin(
        app,
        SetGlobalMute {
            username: n(Z),
            chat: Some(MuteValue::For(Millis(60_000))),
            groupchat: None,
            chatroom: Some(MuteValue::Forever),
        },
    );
    // Presence.
    admin(
        app,
        SetPresence {
            username: n(Z),
            resource: "ios_1".into(),
            status: "2".into(),
            ext: Some("out".into()),
        },
    );
    admin(
        app,
        SubscribePresence {
            username: n(Z),
            duration: Millis::from_secs(3600),
            usernames: vec![n("yuri"), n("ghost")],
        },
    );
    admin(
        app,
        SubscribePresence {
            username: n("yuri"),
            duration: Millis::from_secs(3600),
            usernames: vec![n(Z)],
        },
    );
    // Push.
    admin(
        app,
        SetPushProfile {
            username: n(Z),
            nickname: Some("Zee".into()),
            display_style: Some(1),
            no_disturbing: Some(true),
            no_disturbing_start: Some(22),
            no_disturbing_end: Some(7),
        },
    );
    admin(
        app,
        SetNotification {
            username: n(Z),
            key: NotifyKey::User(n(Z)),
            kind: Some(NotifyType::At),
            ignore_interval: Some("23:00-06:00".into()),
            ignore_duration: None,
        },
    );
    admin(
        app,
        SetNotification {
            username: n(Z),
            key: NotifyKey::User(n("yuri")),
            kind: Some(NotifyType::None),
            ignore_interval: None,
            ignore_duration: None,
        },
    );
    admin(
        app,
        SetNotification {
            username: n(Z),
            key: NotifyKey::Group(GroupId::from("g-any")),
            kind: None,
            ignore_interval: None,
            ignore_duration: Some(5_000),
        },
    );
    admin(
        app,
        SetNotification {
            username: n("yuri"),
            key: NotifyKey::User(n(Z)),
            kind: Some(NotifyType::None),
            ignore_interval: None,
            ignore_duration: None,
        },
    );
    admin(
        app,
        SetPushLanguage {
            username: n(Z),
            language: "de".into(),
        },
    );
    admin(
        app,
        SetPushTemplate {
            username: n(Z),
            template: "tpl".into(),
        },
    );
    admin(
        app,
        BindPushDevice {
            username: n(Z),
            device_id: "d1".into(),
            notifier_name: "apns".into(),
            device_token: "tokA".into(),
        },
    );
    // Groups: owned (with a thread and a file), member with every role and list, applied,
    // blocked, invited.
    let g_own = group(app, Z, &["yuri"], |_| {});
    let t_own = admin(
        app,
        CreateThread {
            group: Some(g_own.clone()),
            name: Some("mine".into()),
            msg_id: Some(send(
                app,
                messages::ChatType::GroupChat,
                None,
                g_own.as_str(),
                "m1",
            )),
            owner: Some(n(Z)),
        },
    )
    .thread_id;
    ok(
        app,
        &user(Z),
        UploadGroupFile {
            group: g_own.clone(),
            file_name: Some("own.txt".into()),
            file_size: 3,
        },
    );
    let g_member = group(app, "yuri", &[Z, "walt"], |_| {});
    admin(
        app,
        AllowGroupMembers {
            group: g_member.clone(),
            users: vec![n(Z)],
        },
    );
    admin(
        app,
        AddGroupAdmin {
            group: g_member.clone(),
            user: n(Z),
        },
    );
    admin(
        app,
        MuteGroupMembers {
            group: g_member.clone(),
            users: vec![n(Z)],
            duration_ms: 60_000,
        },
    );
    admin(
        app,
        SetGroupMemberAttrs {
            group: g_member.clone(),
            user: n(Z),
            attrs: map(&[("role", "dj")]),
        },
    );
    let t_joined = admin(
        app,
        CreateThread {
            group: Some(g_member.clone()),
            name: Some("theirs".into()),
            msg_id: Some(send(
                app,
                messages::ChatType::GroupChat,
                None,
                g_member.as_str(),
                "m2",
            )),
            owner: Some(n("yuri")),
        },
    )
    .thread_id;
    ok(
        app,
        &user(Z),
        JoinThread {
            thread: t_joined.clone(),
            user: n(Z),
        },
    );
    let g_applied = group(app, "walt", &[], |c| {
        c.public = Some(true);
        c.members_only = Some(true);
    });
    ok(
        app,
        &user(Z),
        JoinGroup {
            group: g_applied.clone(),
            user: n(Z),
        },
    );
    let g_blocked = group(app, "walt", &[Z], |_| {});
    admin(
        app,
        BlockGroupMembers {
            group: g_blocked.clone(),
            users: vec![n(Z)],
        },
    );
    let g_invited = group(app, "walt", &["yuri"], |c| {
        c.invite_need_confirm = Some(true)
    });
    ok(
        app,
        &user("walt"),
        InviteToGroup {
            group: g_invited.clone(),
            users: vec![n(Z)],
        },
    );
    // Rooms: owned, admin with an attribute, muted and allowed, blocked; super admin.
    let r_own = room(app, Z, &["yuri"]);
    let r_admin = room(app, "yuri", &[Z]);
    admin(
        app,
        AddRoomAdmin {
            room: r_admin,
            user: n(Z),
        },
    );
    admin(
        app,
        SetRoomAttributes {
            room: r_admin,
            operator: Some(n(Z)),
            attrs: map(&[("mood", "ok")]),
            auto_delete: Some("DELETE".into()),
            forced: false,
        },
    );
    let r_muted = room(app, "yuri", &[Z]);
    admin(
        app,
        MuteRoomMembers {
            room: r_muted,
            users: vec![n(Z)],
            duration_ms: 60_000,
        },
    );
    admin(
        app,
        AllowRoomUsers {
            room: r_muted,
            users: vec![n(Z)],
        },
    );
    let r_blocked = room(app, "walt", &[Z]);
    admin(
        app,
        BlockRoomUser {
            room: r_blocked,
            user: n(Z),
        },
    );
    admin(app, AddRoomSuperAdmin { user: n(Z) });
    check(app);
    Made {
        g_own,
        g_member,
        g_applied,
        g_blocked,
        g_invited,
        t_own,
        t_joined,
        r_own,
        r_admin,
        r_muted,
        r_blocked,
    }
}

fn export(app: &App, who: &str) -> Box<UserExport> {
    app.query(&Actor::Admin, T0, ExportUser { username: n(who) })
        .unwrap()
}

#[test]
fn the_export_holds_everything_about_the_user() {
    let app = app();
    let m = touch_everything(&app);
    let ex = export(&app, Z);
    // The user view, with its push fields.
    assert_eq!(
        ex.user,
        app.query(&Actor::Admin, T0, GetUser { username: n(Z) })
            .unwrap()
    );
    assert_eq!(ex.user.uuid, "uuid-zelda");
    assert_eq!(ex.user.nickname.as_deref(), Some("Zee"));
    assert_eq!(
        ex.user.push,
        PushFields {
            notification_display_style: Some(1),
            notification_no_disturbing: Some(true),
            notification_no_disturbing_start: Some(22),
            notification_no_disturbing_end: Some(7),
            notifier_name: Some("apns".into()),
            device_token: Some("tokA".into()),
        }
    );
    assert_eq!(ex.attributes, map(&[("nickname", "Zed"), ("city", "Oslo")]));
    assert_eq!(
        ex.contacts,
        vec![
            ExportedContact {
                username: n("walt"),
                remark: None,
                added_at: T0
            },
            ExportedContact {
                username: n("yuri"),
                remark: Some("pal".into()),
                added_at: T0
            },
        ]
    );
    assert_eq!(ex.blocks, vec![n("vera"), n("walt")], "newest first");
    assert_eq!(
        ex.mutes,
        ExportedMutes {
            chat: Some(Expiry::At(at(60_000))),
            groupchat: None,
            chatroom: Some(Expiry::Never),
        }
    );
    assert_eq!(
        ex.sessions,
        vec![ExportedSession {
            device: Device {
                res: "ios_1".into(),
                device_uuid: Some("dev-1".into()),
                device_name: Some("phone".into()),
            },
            opened: T0,
        }]
    );
    assert_eq!(
        ex.tokens,
        vec![Expiry::At(T0.after(Limits::default().token_ttl_default))]
    );
    let mut statuses = IndexMap::new();
    statuses.insert("web_1".to_string(), "0".to_string());
    statuses.insert("ios_1".to_string(), "2".to_string());
    let expiry = Timestamp((T0.0 / 1000 + 3600) * 1000);
    assert_eq!(
        ex.presence,
        ExportedPresence {
            statuses,
            ext: "out".into(),
            last_time: Some(T0),
            offline_since: None,
            subscriptions: vec![
                ExportedSubscription {
                    target: n("yuri"),
                    expiry
                },
                ExportedSubscription {
                    target: n("ghost"),
                    expiry
                },
            ],
        }
    );
    let view = |kind, interval: &str, until| NotifyView {
        kind,
        ignore_interval: interval.into(),
        ignore_until: until,
    };
    assert_eq!(
        ex.push,
        ExportedPush {
            nickname: Some("Zee".into()),
            fields: ex.user.push.clone(),
            app: Some(view(NotifyType::At, "23:00-06:00", None)),
            conversations: vec![
                (NotifyKey::User(n("yuri")), view(NotifyType::None, "", None)),
                (
                    NotifyKey::Group(GroupId::from("g-any")),
                    view(NotifyType::Default, "", Some(at(5_000)))
                ),
            ],
            language: Some("de".into()),
            template: Some("tpl".into()),
            bindings: vec![PushBinding {
                device_id: "d1".into(),
                device_token: "tokA".into(),
                notifier_name: "apns".into(),
            }],
        }
    );
    // Groups: every group that names zelda, and both threads.
    let rec = |g: &GroupId| {
        ex.groups
            .groups
            .iter()
            .find(|r| r.group == *g)
            .unwrap_or_else(|| panic!("no record for {g}: {:?}", ex.groups))
            .clone()
    };
    assert_eq!(ex.groups.groups.len(), 5);
    let own = rec(&m.g_own);
    assert!(own.owner && own.joined == Some(T0));
    assert_eq!(own.files.len(), 1);
    assert_eq!(
        (own.files[0].name.as_str(), own.files[0].size),
        ("own.txt", 3)
    );
    let mem = rec(&m.g_member);
    assert_eq!(
        (
            mem.owner,
            mem.joined,
            mem.admin,
            mem.allowed,
            mem.blocked,
            mem.muted
        ),
        (
            false,
            Some(T0),
            true,
            true,
            false,
            Some(Expiry::At(at(60_000)))
        )
    );
    assert_eq!(
        mem.member_attributes,
        vec![("role".to_string(), "dj".to_string())]
    );
    let applied = rec(&m.g_applied);
    assert!(applied.applied && !applied.invited && applied.joined.is_none());
    let blocked = rec(&m.g_blocked);
    assert!(blocked.blocked && blocked.joined.is_none());
    let invited = rec(&m.g_invited);
    assert!(invited.invited && !invited.applied);
    let threads: Vec<(ThreadId, bool, Option<Timestamp>)> = ex
        .groups
        .threads
        .iter()
        .map(|t| (t.thread.clone(), t.owner, t.joined))
        .collect();
    assert!(
        threads.contains(&(m.t_own.clone(), true, Some(T0))),
        "{threads:?}"
    );
    assert!(
        threads.contains(&(m.t_joined.clone(), false, Some(T0))),
        "{threads:?}"
    );
    // Rooms: the rooms area's own export, embedded.
    assert_eq!(
        ex.rooms,
        app.query(&Actor::Admin, T0, ExportUserRooms { user: n(Z) })
            .unwrap()
    );
    assert!(ex.rooms.super_admin);
    let room_rec = |r: RoomId| ex.rooms.rooms.iter().find(|x| x.room == r).unwrap().clone();
    assert!(room_rec(m.r_own).owner);
    let ra = room_rec(m.r_admin);
    assert!(ra.admin && ra.member);
    assert_eq!(ra.attributes, vec![("mood".to_string(), "ok".to_string())]);
    let rm = room_rec(m.r_muted);
    assert!(rm.allowed && rm.muted == Some(Expiry::At(at(60_000))));
    assert!(room_rec(m.r_blocked).blocked);
    // Messages: the one-to-one messages zelda sent and received, not the group messages the
    // system sender sent to her groups.
    let texts: Vec<(String, String)> = ex
        .messages
        .messages
        .iter()
        .map(|r| (r.from.clone(), r.to.clone()))
        .collect();
    assert_eq!(
        texts,
        vec![
            (Z.to_string(), "yuri".to_string()),
            ("yuri".to_string(), Z.to_string())
        ]
    );
    // Nothing it must not hold: no password, no token string, no one else's remark about
    // zelda, no one else's subscription to zelda or setting about zelda.
    let text = format!("{ex:?}");
    for secret in [SECRET_TOKEN, "secret-remark-about-z", "\"pw\""] {
        assert!(!text.contains(secret), "{secret} leaked into the export");
    }
    // Admin only; unknown users are 404.
    assert_err(
        app.query(&user(Z), T0, ExportUser { username: n(Z) }),
        401,
        "unauthorized",
    );
    assert_err_desc(
        app.query(
            &Actor::Admin,
            T0,
            ExportUser {
                username: n("nobody"),
            },
        ),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
}

fn snapshot(app: &App) -> Vec<u8> {
    use postcard::ser_flavors::Flavor;
    let mut ser = postcard::Serializer {
        output: postcard::ser_flavors::StdVec::new(),
    };
    app.snapshot(&mut ser).unwrap();
    ser.output.finalize().unwrap()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn erasing_the_user_leaves_no_trace() {
    let app = app();
    touch_everything(&app);
    let before = snapshot(&app);
    assert!(contains(&before, Z) && contains(&before, "uuid-zelda"));
    let cap_before = capacity(&app);
    app.execute(&Actor::Admin, T0, DeleteUser { username: n(Z) })
        .unwrap();
    check(&app);
    // Not found, and the attribute bytes are gone.
    assert_err(
        app.query(&Actor::Admin, T0, GetUser { username: n(Z) }),
        404,
        "service_resource_not_found",
    );
    assert_eq!(
        capacity(&app),
        cap_before - ("nicknameZedcityOslo".len() as u64)
    );
    // In no other user's export...
    for other in ["yuri", "walt", "vera"] {
        let text = format!("{:?}", export(&app, other));
        assert!(
            !text.contains(Z),
            "{other}'s export still names zelda: {text}"
        );
    }
    // ...and nowhere in the app's serialized state.
    let after = snapshot(&app);
    if let Some(i) = after.windows(Z.len()).position(|w| w == Z.as_bytes()) {
        let lo = i.saturating_sub(120);
        panic!(
            "the snapshot still names zelda: {:?}",
            String::from_utf8_lossy(&after[lo..(i + 60).min(after.len())])
        );
    }
    assert!(
        !contains(&after, "uuid-zelda"),
        "the snapshot still holds zelda's uuid"
    );
    assert!(!contains(&after, "Oslo") && !contains(&after, "secret-remark-about-z"));
    assert!(!contains(&after, "tokA") && !contains(&after, "dev-1"));
    assert_eq!(app.next_expiry(), None, "no timer of zelda's is left");
    // The name is free again, and the newcomer inherits nothing.
    reg(&app, Z);
    let ex = export(&app, Z);
    assert!(ex.contacts.is_empty() && ex.blocks.is_empty() && ex.presence.subscriptions.is_empty());
    assert!(ex.groups.groups.is_empty() && ex.rooms.rooms.is_empty() && !ex.rooms.super_admin);
    assert!(
        !app.query(
            &Actor::Admin,
            T0,
            IsBlocked {
                owner: n("vera"),
                other: n(Z)
            }
        )
        .unwrap()
    );
}

/// Spec 02 §14 keeps the creator of a thread and the uploader of a file in a group that
/// survives them, and spec 03 §3.11 keeps `NO_DELETE` room attributes with their owner: those
/// records keep the deleted user's name. This test pins that down, so that a decision to
/// pseudonymise them (see the report) shows up here.
#[test]
fn residues_the_specs_keep() {
    let app = app();
    let m = touch_everything(&app);
    // OPEN 6c: a group message zelda sent stays, under her name, in a group that survives her.
    let z_said = send(
        &app,
        messages::ChatType::GroupChat,
        Some(Z),
        m.g_member.as_str(),
        "z-in-group",
    );
    admin(
        &app,
        CreateThread {
            group: Some(m.g_member.clone()),
            name: Some("z-thread".into()),
            msg_id: Some(z_said.clone()),
            owner: Some(n(Z)),
        },
    );
    ok(
        &app,
        &user(Z),
        UploadGroupFile {
            group: m.g_member.clone(),
            file_name: Some("z.txt".into()),
            file_size: 1,
        },
    );
    admin(
        &app,
        SetRoomAttributes {
            room: m.r_admin,
            operator: Some(n(Z)),
            attrs: map(&[("keep", "1")]),
            auto_delete: Some("NO_DELETE".into()),
            forced: false,
        },
    );
    let ex = export(&app, Z);
    assert_eq!(rec_files(&ex, &m.g_member), vec!["z.txt".to_string()]);
    assert!(
        ex.groups
            .threads
            .iter()
            .any(|t| t.owner && t.name == "z-thread")
    );
    app.execute(&Actor::Admin, T0, DeleteUser { username: n(Z) })
        .unwrap();
    check(&app);
    assert!(
        contains(&snapshot(&app), Z),
        "the specs keep these four records"
    );
    let kept = app
        .query(
            &Actor::Admin,
            T0,
            messages::GetMessage {
                msg_id: MessageId::parse(&z_said).unwrap(),
            },
        )
        .unwrap()
        .expect("the group message stays");
    assert_eq!(kept.from, Z);
    assert!(
        !contains(&snapshot(&app), "uuid-zelda"),
        "but never the uuid"
    );
}

fn rec_files(ex: &UserExport, g: &GroupId) -> Vec<String> {
    ex.groups
        .groups
        .iter()
        .find(|r| r.group == *g)
        .map(|r| r.files.iter().map(|f| f.name.clone()).collect())
        .unwrap_or_default()
}
