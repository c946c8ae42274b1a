//! Membership (spec §5) and the user flows (§13): add one and many, remove one and many,
//! member lists both ways, leave, join with approval, invite with confirmation.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn add_member_errors_in_order() {
    let mut l = limits();
    l.groups.max_users_default = 3;
    l.groups.groups_per_user_max = 2;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "d", "e"]);
    let g = f.group("a", &["b"]);
    let add = |who: &str| {
        f.run(
            &Actor::Admin,
            AddGroupMember {
                group: g.clone(),
                user: u(who),
                need_notify: None,
            },
        )
    };
    let e = f.run(
        &Actor::Admin,
        AddGroupMember {
            group: "404".into(),
            user: u("zz"),
            need_notify: None,
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    let e = add("zz");
    assert_eq!(gerr(e), GroupError::UserNotFound("zz".into()));
    let e = add("b");
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(
        e.unwrap_err().to_string(),
        format!("can not join this group, reason:user: b already in group: {g}\n")
    );
    // e is in two groups already: at the cap.
    f.group("e", &[]);
    f.group("e", &[]);
    let e = add("e");
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "user e has joined too many groups!"
    );
    let out = add("c").unwrap();
    assert_eq!(
        out.reply,
        GroupMemberAdded {
            result: true,
            group_id: g.clone(),
            user: u("c")
        }
    );
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::MemberJoined {
            group: g.clone(),
            user: u("c"),
            need_notify: true
        }]
    );
    let e = add("d");
    assert_eq!(
        gerr(e),
        GroupError::GroupFull,
        "full is checked before the user's cap"
    );
    let out = f.run(
        &Actor::Admin,
        AddGroupMember {
            group: g.clone(),
            user: u("c"),
            need_notify: Some(false),
        },
    );
    assert!(out.is_err());
    f.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("c"),
    });
    let out = f
        .run(
            &Actor::Admin,
            AddGroupMember {
                group: g.clone(),
                user: u("c"),
                need_notify: Some(false),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::MemberJoined {
            group: g.clone(),
            user: u("c"),
            need_notify: false
        }]
    );
    f.check();
}

#[test]
fn add_members_batch_is_atomic() {
    let mut l = limits();
    l.groups.member_batch_max = 4;
    l.groups.max_users_default = 4;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "d", "e", "x"]);
    let g = f.group("a", &["b"]);
    let add = |who: &[&str]| {
        f.run(
            &Actor::Admin,
            AddGroupMembers {
                group: g.clone(),
                users: us(who),
                need_notify: None,
            },
        )
    };
    let e = add(&["c", "d", "e", "x", "b"]);
    assert_eq!(
        sc(e.clone()),
        (403, "exceed_limit"),
        "over the batch size, as documented"
    );
    assert_eq!(gerr(e), GroupError::GroupFull);
    let e = add(&[]);
    assert_eq!(sc(e), (400, "invalid_parameter"));
    let e = add(&["c", "nope"]);
    assert_eq!(gerr(e), GroupError::UserNotFound("nope".into()));
    assert!(!f.is_member(&g, "c"), "atomic");
    let e = add(&["a", "b"]);
    assert_eq!(
        gerr(e),
        GroupError::AlreadyMember {
            user: "a".into(),
            group: g.to_string()
        }
    );
    let e = add(&["c", "d", "e"]);
    assert_eq!(gerr(e), GroupError::GroupFull);
    assert!(!f.is_member(&g, "c"), "atomic");
    let r = add(&["b", "d", "c", "d"]).unwrap().reply;
    assert_eq!(
        r.newmembers,
        us(&["d", "c"]),
        "members skipped, duplicates collapsed"
    );
    assert_eq!(f.members(&g), ["a", "b", "d", "c"]);
    f.check();
}

#[test]
fn add_members_batch_at_the_user_cap_is_atomic() {
    let mut l = limits();
    l.groups.groups_per_user_max = 1;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "o"]);
    let g = f.group("o", &[]);
    f.group("c", &[]);
    let e = f.run(
        &Actor::Admin,
        AddGroupMembers {
            group: g.clone(),
            users: us(&["b", "c"]),
            need_notify: None,
        },
    );
    assert_eq!(gerr(e), GroupError::UserGroupLimit("c".into()));
    assert!(!f.is_member(&g, "b"));
    f.check();
}

#[test]
fn remove_member() {
    let f = Fx::new();
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b"]);
    let rm = |who: &str| {
        f.run(
            &Actor::Admin,
            RemoveGroupMember {
                group: g.clone(),
                user: u(who),
            },
        )
    };
    let e = f.run(
        &Actor::Admin,
        RemoveGroupMember {
            group: "404".into(),
            user: u("b"),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    let e = rm("a");
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "forbidden operation on group owner!"
    );
    let e = rm("c");
    assert_eq!(
        e.unwrap_err().to_string(),
        "users [c] are not members of this group!"
    );
    let e = rm("ghost");
    assert_eq!(gerr(e), GroupError::NotMembers(vec!["ghost".into()]));
    let out = rm("b").unwrap();
    assert_eq!(
        out.reply,
        GroupMemberRemoved {
            result: true,
            group_id: g.clone(),
            user: u("b")
        }
    );
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::MemberLeft {
            group: g.clone(),
            user: u("b"),
            reason: LeaveReason::Kick
        }]
    );
    assert_eq!(f.joined("b"), 0);
    f.check();
}

#[test]
fn remove_members_batch() {
    let mut l = limits();
    l.groups.member_batch_max = 5;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "d", "x"]);
    let g = f.group("a", &["b", "c", "d"]);
    let rm = |who: &[&str]| {
        f.run(
            &Actor::Admin,
            RemoveGroupMembers {
                group: g.clone(),
                users: us(who),
            },
        )
    };
    let e = rm(&["b", "c", "d", "x", "a", "b"]);
    assert_eq!(sc(e.clone()), (400, "invalid_parameter"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "kickMember: kickMembers number more than maxSize : 5"
    );
    let e = rm(&["b", "a"]);
    assert_eq!(gerr(e), GroupError::OwnerForbidden);
    assert!(f.is_member(&g, "b"), "nothing applied");
    let e = rm(&["x", "ghost"]);
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(
        gerr(e),
        GroupError::NotMembers(vec!["x".into(), "ghost".into()])
    );
    let r = rm(&["b", "x", "ghost", "c", "b"]).unwrap().reply;
    assert_eq!(r.len(), 4);
    assert_eq!(
        r[0],
        BatchItem {
            user: u("b"),
            result: true,
            reason: None
        }
    );
    assert_eq!(r[1].reason.as_deref(), Some("user x is not a member"));
    assert_eq!(r[2].reason.as_deref(), Some("user ghost doesn't exist."));
    assert!(r[3].result);
    assert_eq!(f.members(&g), ["a", "d"]);
    f.check();
}

#[test]
fn member_list_page_number_both_orders() {
    let mut f = Fx::new();
    f.users(&["a", "b", "c", "d", "e"]);
    let g = f.group("a", &[]);
    for (i, n) in ["b", "c", "d", "e"].iter().enumerate() {
        f.now = Timestamp(T0.0 + 1_000_000 + i as i64);
        f.ok(AddGroupMember {
            group: g.clone(),
            user: u(n),
            need_notify: None,
        });
    }
    f.ok(AddGroupAdmin {
        group: g.clone(),
        user: u("c"),
    });
    let p = f.q(ListGroupMembers {
        group: g.clone(),
        page_num: Some(1),
        page_size: Some(2),
        joined_time: true,
        sort: GroupSort::Asc,
    });
    assert_eq!(p.count, 2);
    assert_eq!(
        p.items[0],
        GroupMemberItem {
            role: GroupMemberRole::Owner,
            user: u("a"),
            joined_at: Some(T0)
        }
    );
    assert_eq!(p.items[1].role, GroupMemberRole::Member);
    let p = f.q(ListGroupMembers {
        group: g.clone(),
        page_num: Some(2),
        page_size: Some(2),
        joined_time: false,
        sort: GroupSort::Asc,
    });
    assert_eq!(
        p.items
            .iter()
            .map(|i| i.user.to_string())
            .collect::<Vec<_>>(),
        ["c", "d"]
    );
    assert_eq!(
        p.items[0].role,
        GroupMemberRole::Member,
        "admins report member"
    );
    assert_eq!(p.items[0].joined_at, None);
    let p = f.q(ListGroupMembers {
        group: g.clone(),
        page_num: Some(1),
        page_size: Some(2),
        joined_time: false,
        sort: GroupSort::Desc,
    });
    assert_eq!(
        p.items
            .iter()
            .map(|i| i.user.to_string())
            .collect::<Vec<_>>(),
        ["e", "d"]
    );
    let p = f.q(ListGroupMembers {
        group: g.clone(),
        page_num: Some(4),
        page_size: Some(2),
        ..Default::default()
    });
    assert!(p.items.is_empty(), "past the end: empty");
    let p = f.q(ListGroupMembers {
        group: g.clone(),
        page_num: Some(0),
        page_size: Some(0),
        ..Default::default()
    });
    assert_eq!(p.count, 5, "0 = page 1 / default size");
    let e = f.ask(
        &Actor::Admin,
        ListGroupMembers {
            group: "404".into(),
            ..Default::default()
        },
    );
    assert_eq!(sc(e.clone()), (404, "service_resource_not_found"));
    assert_eq!(e.unwrap_err().to_string(), "do not find this group:404");
}

#[test]
fn member_list_page_size_clamps_at_1000() {
    let f = Fx::new();
    let names: Vec<String> = (0..1001).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    f.users(&refs);
    let mut l = limits();
    l.groups.max_users_default = 2000;
    let f2 = Fx::with(l);
    f2.users(&refs);
    let g = f2.group("u0", &[]);
    for chunk in refs[1..].chunks(60) {
        f2.ok(AddGroupMembers {
            group: g.clone(),
            users: us(chunk),
            need_notify: None,
        });
    }
    let p = f2.q(ListGroupMembers {
        group: g.clone(),
        page_size: Some(1001),
        ..Default::default()
    });
    assert_eq!(p.count, 1000);
    let p = f2.q(ListGroupMembers {
        group: g.clone(),
        page_num: Some(2),
        page_size: Some(1001),
        ..Default::default()
    });
    assert_eq!(p.count, 1);
    drop(f);
}

#[test]
fn member_cursor_list_excludes_owner_and_survives_leaves() {
    let mut f = Fx::new();
    f.users(&["a", "b", "c", "d", "e", "g"]);
    let g = f.group("a", &[]);
    for (i, n) in ["b", "c", "d", "e", "g"].iter().enumerate() {
        f.now = Timestamp(T0.0 + 1_000_000 + i as i64);
        f.ok(AddGroupMember {
            group: g.clone(),
            user: u(n),
            need_notify: None,
        });
    }
    let page = |f: &Fx, c: Option<String>, s| {
        f.q(ListGroupMembersCursor {
            group: g.clone(),
            limit: Some(2),
            cursor: c,
            sort: s,
        })
    };
    let p1 = page(&f, None, GroupSort::Asc);
    assert_eq!(p1.items, us(&["b", "c"]));
    // c leaves: the next page still starts after c.
    f.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("c"),
    });
    let p2 = page(&f, p1.cursor.clone(), GroupSort::Asc);
    assert_eq!(p2.items, us(&["d", "e"]));
    let p3 = page(&f, p2.cursor.clone(), GroupSort::Asc);
    assert_eq!(p3.items, us(&["g"]));
    assert_eq!(p3.cursor, None, "absent on the last page");
    let d1 = page(&f, None, GroupSort::Desc);
    assert_eq!(d1.items, us(&["g", "e"]));
    let d2 = page(&f, d1.cursor, GroupSort::Desc);
    assert_eq!(d2.items, us(&["d", "b"]));
    assert_eq!(d2.cursor, None, "the owner is excluded so nothing follows");
    assert_eq!(
        f.q(ListGroupMembersCursor {
            group: g.clone(),
            ..Default::default()
        })
        .items
        .len(),
        4
    );
    let e = f.ask(
        &Actor::Admin,
        ListGroupMembersCursor {
            group: g.clone(),
            limit: Some(0),
            ..Default::default()
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
    let e = f.ask(
        &Actor::Admin,
        ListGroupMembersCursor {
            group: g.clone(),
            cursor: Some("g:1.2".into()),
            ..Default::default()
        },
    );
    assert_eq!(e.unwrap_err().to_string(), "invalid cursor");
    let e = f.ask(
        &Actor::Admin,
        ListGroupMembersCursor {
            group: "404".into(),
            ..Default::default()
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
}

#[test]
fn leave_group() {
    let f = Fx::new();
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b"]);
    let e = f.run(
        &user("c"),
        LeaveGroup {
            group: g.clone(),
            user: u("b"),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let e = f.run(
        &user("a"),
        LeaveGroup {
            group: g.clone(),
            user: u("a"),
        },
    );
    assert_eq!(gerr(e), GroupError::OwnerForbidden);
    let e = f.run(
        &user("c"),
        LeaveGroup {
            group: g.clone(),
            user: u("c"),
        },
    );
    assert_eq!(gerr(e), GroupError::NotMembers(vec!["c".into()]));
    let e = f.run(
        &user("c"),
        LeaveGroup {
            group: "404".into(),
            user: u("c"),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    let out = f
        .run(
            &user("b"),
            LeaveGroup {
                group: g.clone(),
                user: u("b"),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::MemberLeft {
            group: g.clone(),
            user: u("b"),
            reason: LeaveReason::Quit
        }]
    );
    assert_eq!(f.joined("b"), 0);
    f.check();
}

#[test]
fn join_public_group_directly_or_by_approval() {
    let f = Fx::new();
    f.users(&["a", "b", "c", "d"]);
    let open = f.public_group("a", &[]);
    let private = f.group("a", &[]);
    assert_eq!(
        f.run(
            &user("b"),
            JoinGroup {
                group: open.clone(),
                user: u("b")
            }
        )
        .unwrap()
        .reply,
        JoinOutcome::Joined
    );
    let e = f.run(
        &user("b"),
        JoinGroup {
            group: open.clone(),
            user: u("b"),
        },
    );
    assert_eq!(
        gerr(e),
        GroupError::AlreadyMember {
            user: "b".into(),
            group: open.to_string()
        }
    );
    let e = f.run(
        &user("b"),
        JoinGroup {
            group: private.clone(),
            user: u("b"),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let e = f.run(
        &user("b"),
        JoinGroup {
            group: open.clone(),
            user: u("c"),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied, "only for themself");
    f.ok(BlockGroupMember {
        group: open.clone(),
        user: u("b"),
    });
    let e = f.run(
        &user("b"),
        JoinGroup {
            group: open.clone(),
            user: u("b"),
        },
    );
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(
        e.unwrap_err().to_string(),
        format!("user b is in blocklist of group {open}")
    );
    // Approval needed.
    f.ok(ModifyGroup {
        group: open.clone(),
        members_only: Some(true),
        ..Default::default()
    });
    let out = f
        .run(
            &user("c"),
            JoinGroup {
                group: open.clone(),
                user: u("c"),
            },
        )
        .unwrap();
    assert_eq!(out.reply, JoinOutcome::Pending);
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::JoinRequested {
            group: open.clone(),
            user: u("c")
        }]
    );
    f.run(
        &user("d"),
        JoinGroup {
            group: open.clone(),
            user: u("d"),
        },
    )
    .unwrap();
    assert!(!f.is_member(&open, "c"));
    assert_eq!(
        f.q(ListGroupRequests {
            group: open.clone()
        })
        .applications,
        us(&["c", "d"])
    );
    let e = f.run(
        &user("d"),
        ApproveGroupJoin {
            group: open.clone(),
            user: u("c"),
        },
    );
    assert_eq!(
        gerr(e),
        GroupError::PermissionDenied,
        "only owner/admin approve"
    );
    assert_eq!(
        f.run(
            &user("a"),
            ApproveGroupJoin {
                group: open.clone(),
                user: u("c")
            }
        )
        .unwrap()
        .reply,
        JoinOutcome::Joined
    );
    assert!(f.is_member(&open, "c"));
    let out = f
        .run(
            &user("a"),
            DeclineGroupJoin {
                group: open.clone(),
                user: u("d"),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::JoinDeclined {
            group: open.clone(),
            user: u("d")
        }]
    );
    let e = f.run(
        &user("a"),
        ApproveGroupJoin {
            group: open.clone(),
            user: u("d"),
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"), "no pending application");
    assert!(
        f.q(ListGroupRequests {
            group: open.clone()
        })
        .applications
        .is_empty()
    );
    f.check();
}

#[test]
fn invitations() {
    let f = Fx::new();
    f.users(&["a", "b", "c", "d", "e"]);
    let g = f.group("a", &["b"]);
    let e = f.run(
        &user("b"),
        InviteToGroup {
            group: g.clone(),
            users: us(&["c"]),
        },
    );
    assert_eq!(
        gerr(e),
        GroupError::PermissionDenied,
        "ordinary members need allow_invites"
    );
    f.ok(ModifyGroup {
        group: g.clone(),
        allow_invites: Some(true),
        ..Default::default()
    });
    let out = f
        .run(
            &user("b"),
            InviteToGroup {
                group: g.clone(),
                users: us(&["c", "d"]),
            },
        )
        .unwrap();
    assert_eq!(out.reply.invited, us(&["c", "d"]));
    assert_eq!(
        group_events(&out.events)[0],
        GroupEvent::Invited {
            group: g.clone(),
            user: u("c"),
            inviter: u("b")
        }
    );
    assert!(!f.is_member(&g, "c"));
    let e = f.run(
        &user("d"),
        AcceptGroupInvite {
            group: g.clone(),
            user: u("c"),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    assert_eq!(
        f.run(
            &user("c"),
            AcceptGroupInvite {
                group: g.clone(),
                user: u("c")
            }
        )
        .unwrap()
        .reply,
        JoinOutcome::Joined
    );
    assert!(f.is_member(&g, "c"));
    f.run(
        &user("d"),
        DeclineGroupInvite {
            group: g.clone(),
            user: u("d"),
        },
    )
    .unwrap();
    assert!(!f.is_member(&g, "d"));
    let e = f.run(
        &user("d"),
        AcceptGroupInvite {
            group: g.clone(),
            user: u("d"),
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
    // Without confirmation invitees join at once.
    f.ok(ModifyGroup {
        group: g.clone(),
        invite_need_confirm: Some(false),
        ..Default::default()
    });
    let r = f
        .run(
            &user("b"),
            InviteToGroup {
                group: g.clone(),
                users: us(&["e"]),
            },
        )
        .unwrap()
        .reply;
    assert_eq!(r.joined, us(&["e"]));
    assert!(f.is_member(&g, "e"));
    // Blocked users cannot be invited.
    f.ok(BlockGroupMember {
        group: g.clone(),
        user: u("e"),
    });
    let e = f.run(
        &user("b"),
        InviteToGroup {
            group: g.clone(),
            users: us(&["e"]),
        },
    );
    assert_eq!(
        gerr(e),
        GroupError::UserBlocked {
            user: "e".into(),
            group: g.to_string()
        }
    );
    f.check();
}
