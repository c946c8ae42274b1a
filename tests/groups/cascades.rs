//! Cascades (spec §14): user deletion, group destruction, leaving, blocking, and what each
//! keeps.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn deleting_a_user_dissolves_the_groups_they_own() {
    let f = Fx::new();
    f.users(&["a", "b", "c"]);
    let owned = f.group("a", &["b", "c"]);
    let t = f
        .ok(CreateThread {
            group: Some(owned.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&owned, "m")),
            owner: Some(u("b")),
        })
        .thread_id;
    let ev = group_events(&f.delete_user("a"));
    assert!(ev.contains(&GroupEvent::ThreadDestroyed {
        group: owned.clone(),
        thread: t.clone()
    }));
    assert!(ev.contains(&GroupEvent::MemberLeft {
        group: owned.clone(),
        user: u("b"),
        reason: LeaveReason::Delete
    }));
    assert!(ev.contains(&GroupEvent::GroupDestroyed {
        group: owned.clone()
    }));
    let e = f.ask(
        &Actor::Admin,
        GetGroups {
            ids: vec![owned.clone()],
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    assert_eq!(f.joined("b"), 0);
    assert!(
        f.q(ListUserThreads {
            user: u("b"),
            limit: None,
            cursor: None,
            sort: None
        })
        .items
        .is_empty()
    );
    assert!(f.q(ListAppGroups::default()).items.is_empty());
    f.check();
}

#[test]
fn deleting_a_user_removes_them_everywhere_else() {
    let f = Fx::new();
    f.users(&["o", "d", "m", "x"]);
    let g = f.group("o", &["d", "m", "x"]);
    f.ok(AddGroupAdmin {
        group: g.clone(),
        user: u("d"),
    });
    f.ok(AllowGroupMember {
        group: g.clone(),
        user: u("d"),
    });
    f.ok(SetGroupMemberAttrs {
        group: g.clone(),
        user: u("d"),
        attrs: [("k".to_string(), "v".to_string())].into_iter().collect(),
    });
    f.ok(MuteGroupMembers {
        group: g.clone(),
        users: us(&["d"]),
        duration_ms: -1,
    });
    let t = f
        .ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&g, "m")),
            owner: Some(u("d")),
        })
        .thread_id;
    f.ok(JoinThreadMembers {
        thread: t.clone(),
        users: us(&["m"]),
    });
    // Block list and mute list of another group, a pending application and an invitation.
    let g2 = f.public_group("o", &["d"]);
    f.ok(MuteGroupMembers {
        group: g2.clone(),
        users: us(&["d"]),
        duration_ms: -1,
    });
    f.ok(BlockGroupMember {
        group: g2.clone(),
        user: u("d"),
    });
    let g3 = f.public_group("o", &[]);
    f.ok(ModifyGroup {
        group: g3.clone(),
        members_only: Some(true),
        ..Default::default()
    });
    f.run(
        &user("d"),
        JoinGroup {
            group: g3.clone(),
            user: u("d"),
        },
    )
    .unwrap();
    let g4 = f.group("o", &[]);
    f.run(
        &user("o"),
        InviteToGroup {
            group: g4.clone(),
            users: us(&["d"]),
        },
    )
    .unwrap();
    f.delete_user("d");
    assert_eq!(f.members(&g), ["o", "m", "x"]);
    assert!(f.q(ListGroupAdmins { group: g.clone() }).is_empty());
    assert_eq!(f.q(ListGroupAllowed { group: g.clone() }), us(&["o"]));
    assert!(
        f.q(ListGroupMutes { group: g.clone() }).is_empty(),
        "mute lists are purged (OPEN 9)"
    );
    assert!(
        f.q(ListGroupBlocks { group: g2.clone() }).is_empty(),
        "block lists are purged"
    );
    assert!(f.q(ListGroupMutes { group: g2.clone() }).is_empty());
    let r = f.q(ListGroupRequests { group: g3.clone() });
    assert!(r.applications.is_empty());
    assert!(
        f.q(ListGroupRequests { group: g4.clone() })
            .invitations
            .is_empty()
    );
    // Their thread lives on (owner recorded) without them.
    assert_eq!(
        f.q(ListThreadMembers {
            thread: t.clone(),
            ..Default::default()
        })
        .items,
        us(&["m"])
    );
    f.check();
    // A new user with the same name is someone else: in no group, on no list.
    f.users(&["d"]);
    assert!(!f.is_member(&g, "d"));
    assert_eq!(f.joined("d"), 0);
    assert!(
        f.q(GetGroupMemberAttrs {
            group: g.clone(),
            user: u("m")
        })
        .is_empty()
    );
    assert_eq!(
        f.q(MaySpeakInGroup {
            group: g.clone(),
            user: u("d")
        }),
        GroupSpeak::NotMember
    );
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("d"),
        need_notify: None,
    });
    assert_eq!(
        f.q(MaySpeakInGroup {
            group: g.clone(),
            user: u("d")
        }),
        GroupSpeak::Allowed,
        "the old mute does not apply"
    );
    f.check();
}

#[test]
fn deleting_a_user_after_ownership_moved() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let g = f.group("a", &["b"]);
    f.ok(TransferGroupOwner {
        group: g.clone(),
        new_owner: u("b"),
    });
    f.delete_user("a");
    assert_eq!(f.members(&g), ["b"], "not dissolved: a no longer owns it");
    f.delete_user("b");
    assert!(
        f.ask(
            &Actor::Admin,
            IsGroupMember {
                group: g.clone(),
                user: u("b")
            }
        )
        .is_err()
    );
    f.check();
}

#[test]
fn deleting_many_users_keeps_every_index_exact() {
    let f = Fx::new();
    let names: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    f.users(&refs);
    let mut groups = Vec::new();
    for i in 0..5 {
        let members: Vec<&str> = refs.iter().copied().filter(|n| n != &refs[i]).collect();
        groups.push(f.group(refs[i], &members));
    }
    for (i, g) in groups.iter().enumerate() {
        f.ok(BlockGroupMember {
            group: g.clone(),
            user: u(refs[10 + i]),
        });
        f.ok(MuteGroupMembers {
            group: g.clone(),
            users: us(&[refs[15 + i]]),
            duration_ms: -1,
        });
    }
    for n in &refs[2..18] {
        f.delete_user(n);
        f.check();
    }
    assert_eq!(f.q(ListAppGroups::default()).items.len(), 2);
}

#[test]
fn destroying_a_group_destroys_its_threads_and_frees_everyone() {
    let mut l = limits();
    l.groups.groups_per_user_max = 1;
    l.groups.threads_per_app_max = 1;
    let f = Fx::with(l);
    f.users(&["a", "b"]);
    let g = f.group("a", &["b"]);
    let t = f
        .ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&g, "m")),
            owner: Some(u("b")),
        })
        .thread_id;
    f.ok(SetGroupAnnouncement {
        group: g.clone(),
        announcement: Some("x".into()),
    });
    f.ok(DestroyGroup { group: g.clone() });
    let e = f.ask(
        &Actor::Admin,
        ListThreadMembers {
            thread: t,
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::ThreadNotFound);
    // Counters were released: b can join a group, the app can hold a thread again.
    let g2 = f.group("b", &[]);
    assert!(
        f.run(
            &Actor::Admin,
            CreateThread {
                group: Some(g2.clone()),
                name: Some("t".into()),
                msg_id: Some(f.m(&g2, "m")),
                owner: Some(u("b"))
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn kick_and_block_do_c_leave_but_keep_mutes_files_and_owned_threads() {
    let f = Fx::new();
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b", "c"]);
    let t = f
        .ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&g, "m")),
            owner: Some(u("b")),
        })
        .thread_id;
    f.run(
        &user("b"),
        UploadGroupFile {
            group: g.clone(),
            file_name: Some("f".into()),
            file_size: 1,
        },
    )
    .unwrap();
    f.ok(MuteGroupMembers {
        group: g.clone(),
        users: us(&["b", "c"]),
        duration_ms: -1,
    });
    f.ok(JoinThreadMembers {
        thread: t.clone(),
        users: us(&["c"]),
    });
    let out = f
        .run(
            &Actor::Admin,
            RemoveGroupMember {
                group: g.clone(),
                user: u("b"),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [
            GroupEvent::ThreadMemberRemoved {
                thread: t.clone(),
                user: u("b")
            },
            GroupEvent::MemberLeft {
                group: g.clone(),
                user: u("b"),
                reason: LeaveReason::Kick
            }
        ]
    );
    f.ok(BlockGroupMember {
        group: g.clone(),
        user: u("c"),
    });
    assert!(
        f.q(ListThreadMembers {
            thread: t.clone(),
            ..Default::default()
        })
        .items
        .is_empty()
    );
    assert_eq!(
        f.q(ListGroupMutes { group: g.clone() }).len(),
        2,
        "mutes kept"
    );
    assert_eq!(
        f.q(ListGroupFiles {
            group: g.clone(),
            ..Default::default()
        })[0]
            .file_owner,
        "b"
    );
    let info = f.q(ListUserThreadsInGroup {
        group: g.clone(),
        user: u("a"),
        limit: None,
        cursor: None,
        sort: None,
    });
    assert!(info.items.is_empty());
    assert!(
        f.q(ListAppThreads::default()).items.contains(&t),
        "the thread b created lives on"
    );
    f.check();
}

/// C-LEAVE follows the user's own thread index: leaving one group leaves exactly its threads
/// (and only theirs), for a kick, a block, a quit and the delete cascade alike.
#[test]
fn leaving_a_group_leaves_exactly_its_threads_via_the_users_index() {
    let f = Fx::new();
    f.users(&["o", "a", "b"]);
    let g1 = f.group("o", &["a", "b"]);
    let g2 = f.group("o", &["a", "b"]);
    let mk = |g: &GroupId, msg: &str| {
        f.ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(g, msg)),
            owner: Some(u("o")),
        })
        .thread_id
    };
    let t1: Vec<ThreadId> = (0..3).map(|i| mk(&g1, &format!("a{i}"))).collect();
    let t2: Vec<ThreadId> = (0..2).map(|i| mk(&g2, &format!("b{i}"))).collect();
    let idle = mk(&g1, "idle"); // a is not in this one
    for t in t1.iter().chain(&t2) {
        f.ok(JoinThreadMembers {
            thread: t.clone(),
            users: us(&["a", "b"]),
        });
    }
    let in_threads = |who: &str| -> Vec<ThreadId> {
        let mut v: Vec<ThreadId> = f
            .q(ListUserThreads {
                user: u(who),
                limit: None,
                cursor: None,
                sort: Some(GroupSort::Asc),
            })
            .items
            .into_iter()
            .map(|t| t.id)
            .collect();
        v.sort();
        v
    };
    let sorted = |v: &[ThreadId]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let out = f.run(
        &Actor::Admin,
        RemoveGroupMember {
            group: g1.clone(),
            user: u("a"),
        },
    );
    let removed: Vec<ThreadId> = group_events(&out.unwrap().events)
        .into_iter()
        .filter_map(|e| match e {
            GroupEvent::ThreadMemberRemoved { thread, .. } => Some(thread),
            _ => None,
        })
        .collect();
    assert_eq!(
        sorted(&removed),
        sorted(&t1),
        "one removal per thread of g1"
    );
    assert_eq!(in_threads("a"), sorted(&t2), "g2's threads kept");
    for t in &t1 {
        let m = f.q(ListThreadMembers {
            thread: t.clone(),
            limit: None,
            cursor: None,
        });
        assert_eq!(m.items, us(&["o", "b"]));
    }
    assert_eq!(
        f.q(ListThreadMembers {
            thread: idle,
            limit: None,
            cursor: None
        })
        .items,
        us(&["o"])
    );
    f.check();
    // The delete cascade takes the taken index: b leaves every thread in both groups.
    let ev = group_events(&f.delete_user("b"));
    let n = ev
        .iter()
        .filter(|e| matches!(e, GroupEvent::ThreadMemberRemoved { .. }))
        .count();
    assert_eq!(n, t1.len() + t2.len());
    for t in t1.iter().chain(&t2) {
        let m = f.q(ListThreadMembers {
            thread: t.clone(),
            limit: None,
            cursor: None,
        });
        assert!(!m.items.contains(&u("b")));
    }
    f.check();
}
