//! Threads (spec §12): create, rename, delete, members, batch join and kick, user join and
//! leave, the three lists, and the feature gate.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

fn mk(f: &Fx, g: &GroupId, owner: &str, msg: &str) -> Result<ThreadId> {
    f.run(
        &Actor::Admin,
        CreateThread {
            group: Some(g.clone()),
            name: Some(format!("t-{msg}")),
            msg_id: Some(f.m(g, msg)),
            owner: Some(u(owner)),
        },
    )
    .map(|o| o.reply.thread_id)
}

#[test]
fn create_errors_in_check_order() {
    let f = Fx::new();
    f.users(&["a", "b", "x"]);
    let g = f.group("a", &["b"]);
    let base = || CreateThread {
        group: Some(g.clone()),
        name: Some("n".into()),
        msg_id: Some(f.m(&g, "m")),
        owner: Some(u("b")),
    };
    for c in [
        CreateThread {
            group: None,
            ..base()
        },
        CreateThread {
            name: None,
            ..base()
        },
        CreateThread {
            msg_id: None,
            ..base()
        },
        CreateThread {
            owner: None,
            ..base()
        },
    ] {
        let e = f.run(&Actor::Admin, c);
        assert_eq!(sc(e.clone()), (400, "param_illegal"));
        assert_eq!(e.unwrap_err().to_string(), "Failed to read HTTP message");
    }
    let e = f.run(
        &Actor::Admin,
        CreateThread {
            name: Some("x".repeat(65)),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (400, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "thread name limit reached.");
    let e = f.run(
        &Actor::Admin,
        CreateThread {
            name: Some(String::new()),
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::ThreadName);
    let e = f.run(
        &Actor::Admin,
        CreateThread {
            group: Some("404".into()),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (404, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "group not found.");
    let e = f.run(
        &Actor::Admin,
        CreateThread {
            owner: Some(u("x")),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (404, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "user not in group.");
    let out = f
        .run(
            &Actor::Admin,
            CreateThread {
                name: Some("群".repeat(64)),
                ..base()
            },
        )
        .unwrap();
    let t = out.reply.thread_id.clone();
    assert_eq!(
        group_events(&out.events),
        [
            GroupEvent::ThreadCreated {
                group: g.clone(),
                thread: t.clone(),
                owner: u("b")
            },
            GroupEvent::ThreadMemberJoined {
                thread: t.clone(),
                user: u("b")
            }
        ]
    );
    let e = f.run(&Actor::Admin, base());
    assert_eq!(sc(e.clone()), (403, "group_error"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "msg already create thread.not allow to create."
    );
    assert_eq!(
        f.q(ListThreadMembers {
            thread: t.clone(),
            ..Default::default()
        })
        .items,
        us(&["b"])
    );
    // After deletion the message may host a new thread.
    f.ok(DeleteThread { thread: t.clone() });
    assert!(f.run(&Actor::Admin, base()).is_ok());
    f.check();
}

#[test]
fn feature_gate_is_checked_first() {
    let mut l = limits();
    l.groups.threads_enabled = false;
    let f = Fx::with(l);
    f.users(&["a"]);
    let g = f.group("a", &[]);
    let e = f.run(
        &Actor::Admin,
        CreateThread {
            group: Some(g),
            ..Default::default()
        },
    );
    assert_eq!(sc(e.clone()), (403, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "thread not open.");
    assert_eq!(
        gerr(f.ask(&Actor::Admin, ListAppThreads::default())),
        GroupError::ThreadNotOpen
    );
    assert_eq!(
        gerr(f.run(&Actor::Admin, DeleteThread { thread: "1".into() })),
        GroupError::ThreadNotOpen
    );
    assert_eq!(
        gerr(f.run(
            &Actor::Admin,
            RenameThread {
                thread: "1".into(),
                name: "x".repeat(99)
            }
        )),
        GroupError::ThreadNotOpen
    );
    assert_eq!(
        gerr(f.run(
            &Actor::Admin,
            JoinThreadMembers {
                thread: "1".into(),
                users: vec![]
            }
        )),
        GroupError::ThreadNotOpen
    );
}

#[test]
fn rename_delete_and_not_found() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let g = f.group("a", &["b"]);
    let t = mk(&f, &g, "b", "m1").unwrap();
    let out = f
        .run(
            &Actor::Admin,
            RenameThread {
                thread: t.clone(),
                name: "new".into(),
            },
        )
        .unwrap();
    assert_eq!(out.reply, "new");
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::ThreadRenamed {
            group: g.clone(),
            thread: t.clone()
        }]
    );
    let info = f.q(ListUserThreads {
        user: u("b"),
        limit: None,
        cursor: None,
        sort: None,
    });
    assert_eq!(info.items[0].name, "new");
    assert_eq!(info.items[0].msg_id, f.m(&g, "m1"));
    assert_eq!(info.items[0].group_id, g);
    let e = f.run(
        &Actor::Admin,
        RenameThread {
            thread: t.clone(),
            name: "x".repeat(65),
        },
    );
    assert_eq!(gerr(e), GroupError::ThreadName);
    let e = f.run(
        &Actor::Admin,
        RenameThread {
            thread: "404".into(),
            name: "x".into(),
        },
    );
    assert_eq!(sc(e.clone()), (404, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "thread not found.");
    let out = f
        .run(&Actor::Admin, DeleteThread { thread: t.clone() })
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::ThreadDestroyed {
            group: g.clone(),
            thread: t.clone()
        }]
    );
    let e = f.run(&Actor::Admin, DeleteThread { thread: t.clone() });
    assert_eq!(gerr(e), GroupError::ThreadNotFound);
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
    assert!(f.is_member(&g, "b"), "no effect on the group");
    f.check();
}

#[test]
fn batch_join_and_kick() {
    let mut l = limits();
    l.groups.thread_batch_max = 3;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "d", "e", "x"]);
    let g = f.group("a", &["b", "c", "d", "e"]);
    let t = mk(&f, &g, "a", "m").unwrap();
    let join = |who: &[&str]| {
        f.run(
            &Actor::Admin,
            JoinThreadMembers {
                thread: t.clone(),
                users: us(who),
            },
        )
    };
    let e = join(&["b", "c", "d", "e"]);
    assert_eq!(sc(e.clone()), (400, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "request body reaches limit.");
    assert_eq!(gerr(join(&[])), GroupError::ThreadBodyLimit);
    let e = f.run(
        &Actor::Admin,
        JoinThreadMembers {
            thread: "404".into(),
            users: us(&["b"]),
        },
    );
    assert_eq!(gerr(e), GroupError::ThreadNotFound);
    assert_eq!(gerr(join(&["b", "x"])), GroupError::ThreadUserNotInGroup);
    assert_eq!(
        gerr(join(&["b", "ghost"])),
        GroupError::ThreadUserNotInGroup
    );
    assert_eq!(
        f.q(ListThreadMembers {
            thread: t.clone(),
            ..Default::default()
        })
        .items,
        us(&["a"]),
        "atomic"
    );
    let out = join(&["b", "c", "a"]).unwrap();
    assert_eq!(
        group_events(&out.events).len(),
        2,
        "existing members are no-ops"
    );
    assert_eq!(
        f.q(ListThreadMembers {
            thread: t.clone(),
            ..Default::default()
        })
        .items,
        us(&["a", "b", "c"])
    );
    let kick = |who: &[&str]| {
        f.run(
            &Actor::Admin,
            KickThreadMembers {
                thread: t.clone(),
                users: us(who),
            },
        )
    };
    assert_eq!(
        gerr(kick(&["a", "b", "c", "d"])),
        GroupError::ThreadBodyLimit
    );
    let r = kick(&["a", "d", "ghost"]).unwrap().reply;
    assert_eq!(
        r.iter().map(|i| i.result).collect::<Vec<_>>(),
        [true, false, false]
    );
    let r = kick(&["d"]).unwrap().reply;
    assert!(!r[0].result, "no all-failed error");
    // The kicked creator stays recorded as the owner.
    let info = f.q(ListUserThreadsInGroup {
        group: g.clone(),
        user: u("b"),
        limit: None,
        cursor: None,
        sort: None,
    });
    assert_eq!(info.items[0].owner, u("a"));
    f.check();
}

#[test]
fn user_join_and_leave() {
    let f = Fx::new();
    f.users(&["a", "b", "x"]);
    let g = f.group("a", &["b"]);
    let t = mk(&f, &g, "a", "m").unwrap();
    assert!(
        f.run(
            &user("b"),
            JoinThread {
                thread: t.clone(),
                user: u("b")
            }
        )
        .unwrap()
        .reply
    );
    assert!(
        f.run(
            &user("b"),
            JoinThread {
                thread: t.clone(),
                user: u("b")
            }
        )
        .unwrap()
        .events
        .is_empty(),
        "idempotent"
    );
    let e = f.run(
        &user("x"),
        JoinThread {
            thread: t.clone(),
            user: u("x"),
        },
    );
    // Roles matrix (spec §3): a user outside the group may not join its threads.
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let e = f.run(
        &user("x"),
        JoinThread {
            thread: t.clone(),
            user: u("b"),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    assert!(
        f.run(
            &user("b"),
            LeaveThread {
                thread: t.clone(),
                user: u("b")
            }
        )
        .unwrap()
        .reply
    );
    assert!(
        !f.run(
            &user("b"),
            LeaveThread {
                thread: t.clone(),
                user: u("b")
            }
        )
        .unwrap()
        .reply
    );
    f.check();
}

#[test]
fn leaving_the_group_leaves_its_threads_and_rejoining_does_not_restore_them() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let g = f.group("a", &["b"]);
    let t1 = mk(&f, &g, "b", "m1").unwrap();
    let t2 = mk(&f, &g, "a", "m2").unwrap();
    f.ok(JoinThreadMembers {
        thread: t2.clone(),
        users: us(&["b"]),
    });
    let out = f
        .run(
            &user("b"),
            LeaveGroup {
                group: g.clone(),
                user: u("b"),
            },
        )
        .unwrap();
    let ev = group_events(&out.events);
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, GroupEvent::ThreadMemberRemoved { .. }))
            .count(),
        2
    );
    assert!(
        f.q(ListThreadMembers {
            thread: t1.clone(),
            ..Default::default()
        })
        .items
        .is_empty()
    );
    assert_eq!(
        f.q(ListThreadMembers {
            thread: t2.clone(),
            ..Default::default()
        })
        .items,
        us(&["a"])
    );
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("b"),
        need_notify: None,
    });
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
    f.check();
}

#[test]
fn lists_and_paging() {
    let mut f = Fx::new();
    f.users(&["a", "b"]);
    let g1 = f.group("a", &["b"]);
    let g2 = f.group("a", &["b"]);
    let mut ts = Vec::new();
    for i in 0..5 {
        f.now = Timestamp(T0.0 + 2_000_000 + i);
        let g = if i % 2 == 0 { &g1 } else { &g2 };
        ts.push(mk(&f, g, "a", &format!("m{i}")).unwrap());
    }
    f.now = Timestamp(T0.0 + 2_100_000);
    for t in ts.iter().rev() {
        f.ok(JoinThreadMembers {
            thread: t.clone(),
            users: us(&["b"]),
        });
        f.now = Timestamp(f.now.0 + 1);
    }
    // App list: newest first, cursor whenever the page is non-empty.
    let p1 = f.q(ListAppThreads {
        limit: Some(2),
        cursor: None,
        sort: None,
    });
    assert_eq!(p1.items, [ts[4].clone(), ts[3].clone()]);
    let p2 = f.q(ListAppThreads {
        limit: Some(2),
        cursor: p1.cursor.clone(),
        sort: None,
    });
    assert_eq!(p2.items, [ts[2].clone(), ts[1].clone()]);
    let p3 = f.q(ListAppThreads {
        limit: Some(2),
        cursor: p2.cursor.clone(),
        sort: None,
    });
    assert_eq!(p3.items, [ts[0].clone()]);
    assert!(p3.cursor.is_some(), "returned on the last non-empty page");
    let p4 = f.q(ListAppThreads {
        limit: Some(2),
        cursor: p3.cursor.clone(),
        sort: None,
    });
    assert!(
        p4.items.is_empty() && p4.cursor.is_none(),
        "an empty page is the end"
    );
    let asc = f.q(ListAppThreads {
        limit: None,
        cursor: None,
        sort: Some(GroupSort::Asc),
    });
    assert_eq!(asc.items, ts);
    // Limits: 1–50, above is rejected, 0 too.
    assert_eq!(
        gerr(f.ask(
            &Actor::Admin,
            ListAppThreads {
                limit: Some(51),
                cursor: None,
                sort: None
            }
        )),
        GroupError::ThreadQueryLimit
    );
    assert_eq!(
        sc(f.ask(
            &Actor::Admin,
            ListAppThreads {
                limit: Some(0),
                cursor: None,
                sort: None
            }
        )),
        (400, "group_error")
    );
    assert!(
        f.ask(
            &Actor::Admin,
            ListAppThreads {
                limit: Some(50),
                cursor: None,
                sort: None
            }
        )
        .is_ok()
    );
    assert_eq!(
        gerr(f.ask(&user("a"), ListAppThreads::default())),
        GroupError::PermissionDenied
    );
    // User lists: by b's join time, newest first (b joined ts[4] first, ts[0] last).
    let p = f.q(ListUserThreads {
        user: u("b"),
        limit: Some(3),
        cursor: None,
        sort: None,
    });
    assert_eq!(
        p.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        [ts[0].clone(), ts[1].clone(), ts[2].clone()]
    );
    let p = f.q(ListUserThreads {
        user: u("b"),
        limit: Some(3),
        cursor: p.cursor,
        sort: None,
    });
    assert_eq!(p.items.len(), 2);
    let p = f.q(ListUserThreads {
        user: u("b"),
        limit: Some(3),
        cursor: p.cursor,
        sort: None,
    });
    assert!(p.items.is_empty() && p.cursor.is_none());
    let p = f.q(ListUserThreadsInGroup {
        group: g2.clone(),
        user: u("b"),
        limit: None,
        cursor: None,
        sort: Some(GroupSort::Asc),
    });
    assert_eq!(
        p.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        [ts[3].clone(), ts[1].clone()]
    );
    let e = f.ask(
        &user("a"),
        ListUserThreads {
            user: u("b"),
            limit: None,
            cursor: None,
            sort: None,
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    assert!(
        f.ask(
            &user("b"),
            ListUserThreads {
                user: u("b"),
                limit: None,
                cursor: None,
                sort: None
            }
        )
        .is_ok()
    );
    // Thread members paging.
    let t = &ts[0];
    let m = f.q(ListThreadMembers {
        thread: t.clone(),
        limit: Some(1),
        cursor: None,
    });
    assert_eq!(m.items, us(&["a"]));
    let m = f.q(ListThreadMembers {
        thread: t.clone(),
        limit: Some(1),
        cursor: m.cursor,
    });
    assert_eq!(m.items, us(&["b"]));
    let m = f.q(ListThreadMembers {
        thread: t.clone(),
        limit: Some(1),
        cursor: m.cursor,
    });
    assert!(m.items.is_empty() && m.cursor.is_none());
    assert_eq!(
        gerr(f.ask(
            &Actor::Admin,
            ListThreadMembers {
                thread: t.clone(),
                limit: Some(51),
                cursor: None
            }
        )),
        GroupError::ThreadQueryLimit
    );
    let e = f.ask(
        &Actor::Admin,
        ListThreadMembers {
            thread: t.clone(),
            limit: None,
            cursor: Some("bad".into()),
        },
    );
    assert_eq!(e.unwrap_err().to_string(), "invalid cursor");
}

#[test]
fn thread_caps_at_their_edges() {
    let mut l = limits();
    l.groups.threads_per_app_max = 3;
    l.groups.threads_per_user_max = 2;
    let f = Fx::with(l);
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b", "c"]);
    let t1 = mk(&f, &g, "b", "m1").unwrap();
    mk(&f, &g, "b", "m2").unwrap();
    let e = mk(&f, &g, "b", "m3");
    assert_eq!(sc(e.clone()), (403, "group_error"));
    assert_eq!(e.unwrap_err().to_string(), "user join thread reach limit.");
    mk(&f, &g, "c", "m3").unwrap();
    let e = mk(&f, &g, "a", "m4");
    assert_eq!(sc(e.clone()), (403, "group_error"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "thread number has reached limit."
    );
    // b is in two threads: joining a third fails atomically.
    let t3 = f
        .q(ListUserThreads {
            user: u("c"),
            limit: None,
            cursor: None,
            sort: None,
        })
        .items[0]
        .id
        .clone();
    let e = f.run(
        &Actor::Admin,
        JoinThreadMembers {
            thread: t3.clone(),
            users: us(&["a", "b"]),
        },
    );
    assert_eq!(gerr(e), GroupError::ThreadUserLimit);
    assert_eq!(
        f.q(ListThreadMembers {
            thread: t3.clone(),
            ..Default::default()
        })
        .items,
        us(&["c"])
    );
    f.ok(DeleteThread { thread: t1 });
    assert!(mk(&f, &g, "a", "m4").is_ok(), "deleting frees the app slot");
    assert!(
        f.run(
            &Actor::Admin,
            JoinThreadMembers {
                thread: t3,
                users: us(&["b"])
            }
        )
        .is_ok(),
        "and the user slot"
    );
    f.check();
}

#[test]
fn a_disabled_group_refuses_user_thread_calls() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let g = f.group("a", &["b"]);
    let t = mk(&f, &g, "b", "m").unwrap();
    f.ok(DisableGroup { group: g.clone() });
    let disabled = GroupError::GroupDisabled(g.to_string());
    let e = f.run(
        &user("b"),
        CreateThread {
            group: Some(g.clone()),
            name: Some("n".into()),
            msg_id: Some(f.m(&g, "m2")),
            owner: Some(u("b")),
        },
    );
    assert_eq!(gerr(e), disabled);
    assert_eq!(
        gerr(f.run(
            &user("b"),
            RenameThread {
                thread: t.clone(),
                name: "n".into()
            }
        )),
        disabled
    );
    assert_eq!(
        gerr(f.run(&user("a"), DeleteThread { thread: t.clone() })),
        disabled
    );
    assert_eq!(
        gerr(f.run(
            &user("b"),
            LeaveThread {
                thread: t.clone(),
                user: u("b")
            }
        )),
        disabled
    );
    assert_eq!(
        gerr(f.ask(
            &user("b"),
            ListThreadMembers {
                thread: t.clone(),
                ..Default::default()
            }
        )),
        disabled
    );
    // The app admin is unaffected (spec OPEN 11).
    assert!(
        f.run(
            &Actor::Admin,
            RenameThread {
                thread: t.clone(),
                name: "n".into()
            }
        )
        .is_ok()
    );
    f.ok(EnableGroup { group: g.clone() });
    assert!(
        f.run(
            &user("b"),
            RenameThread {
                thread: t,
                name: "again".into()
            }
        )
        .is_ok()
    );
}
