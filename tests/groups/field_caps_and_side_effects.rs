//! Field caps at their edges (shared file names, thread parent message ids), the disabled
//! gate of the per-group thread list, and the events of an ownership transfer that drops the
//! new owner's admin role and mute.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn file_name_is_capped_in_bytes_at_its_edge() {
    let f = Fx::new();
    f.users(&["o"]);
    let g = f.group("o", &[]);
    let cap = limits().groups.file_name_bytes_max;
    assert_eq!(cap, 256);
    let up = |name: String| {
        f.run(
            &user("o"),
            UploadGroupFile {
                group: g.clone(),
                file_name: Some(name),
                file_size: 1,
            },
        )
    };
    assert!(up("x".repeat(cap - 1)).is_ok());
    assert!(up("x".repeat(cap)).is_ok());
    let e = up("x".repeat(cap + 1));
    assert_eq!(sc(e.clone()), (400, "invalid_parameter"));
    assert_eq!(gerr(e), GroupError::FieldTooLong("file_name"));
    // Bytes, not chars: 128 two-byte chars fit, one more does not.
    assert!(up("é".repeat(cap / 2)).is_ok());
    assert_eq!(
        gerr(up("é".repeat(cap / 2) + "x")),
        GroupError::FieldTooLong("file_name")
    );
    let n = f
        .q(ListGroupFiles {
            group: g.clone(),
            page_num: None,
            page_size: None,
        })
        .len();
    assert_eq!(n, 3, "refused uploads left nothing");
}

#[test]
fn thread_parent_message_id_is_capped_in_bytes_at_its_edge() {
    let f = Fx::new();
    f.users(&["o"]);
    let g = f.group("o", &[]);
    let cap = limits().groups.thread_msg_id_bytes_max;
    assert_eq!(cap, 64);
    let mk = |msg: String| {
        f.run(
            &Actor::Admin,
            CreateThread {
                group: Some(g.clone()),
                name: Some("t".into()),
                msg_id: Some(msg),
                owner: Some(u("o")),
            },
        )
    };
    // Ids within the cap pass the shape check and meet the message checks.
    assert_eq!(gerr(mk("1".repeat(cap - 1))), GroupError::ThreadMsgNotExist);
    assert_eq!(gerr(mk("2".repeat(cap))), GroupError::ThreadMsgNotExist);
    let e = mk("c".repeat(cap + 1));
    assert_eq!(sc(e.clone()), (400, "param_illegal"));
    assert_eq!(gerr(e), GroupError::ThreadBadBody);
    // Checked with the request shape: before the name and the group.
    let e = f.run(
        &Actor::Admin,
        CreateThread {
            group: Some("nope".into()),
            name: Some(String::new()),
            msg_id: Some("c".repeat(cap + 1)),
            owner: Some(u("o")),
        },
    );
    assert_eq!(gerr(e), GroupError::ThreadBadBody);
    f.check();
}

#[test]
fn a_disabled_group_refuses_a_users_thread_list_in_it() {
    let f = Fx::new();
    f.users(&["o", "a"]);
    let g = f.group("o", &["a"]);
    let t = f
        .ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&g, "m")),
            owner: Some(u("a")),
        })
        .thread_id;
    let list = |actor: &Actor| {
        f.ask(
            actor,
            ListUserThreadsInGroup {
                group: g.clone(),
                user: u("a"),
                limit: None,
                cursor: None,
                sort: None,
            },
        )
    };
    assert_eq!(list(&user("a")).unwrap().items.len(), 1);
    f.ok(DisableGroup { group: g.clone() });
    let e = list(&user("a"));
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(gerr(e), GroupError::GroupDisabled(g.to_string()));
    let items = list(&Actor::Admin).unwrap().items;
    assert_eq!(items[0].id, t, "the app admin still may");
    f.ok(EnableGroup { group: g.clone() });
    assert_eq!(list(&user("a")).unwrap().items.len(), 1);
}

#[test]
fn transfer_reports_dropping_the_new_owners_admin_role_and_mute() {
    let f = Fx::new();
    f.users(&["o", "a", "b"]);
    let g = f.group("o", &["a", "b"]);
    f.ok(AddGroupAdmin {
        group: g.clone(),
        user: u("a"),
    });
    f.ok(MuteGroupMembers {
        group: g.clone(),
        users: us(&["a"]),
        duration_ms: -1,
    });
    let out = f
        .run(
            &Actor::Admin,
            TransferGroupOwner {
                group: g.clone(),
                new_owner: u("a"),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [
            GroupEvent::AdminRemoved {
                group: g.clone(),
                user: u("a")
            },
            GroupEvent::MuteRemoved {
                group: g.clone(),
                user: u("a")
            },
            GroupEvent::OwnerChanged {
                group: g.clone(),
                old: u("o"),
                new: u("a")
            },
        ]
    );
    // Neither role nor mute: only the owner change.
    let out = f
        .run(
            &Actor::Admin,
            TransferGroupOwner {
                group: g.clone(),
                new_owner: u("b"),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::OwnerChanged {
            group: g.clone(),
            old: u("a"),
            new: u("b")
        }]
    );
    f.check();
}
