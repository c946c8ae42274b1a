//! The roles and permissions matrix (spec §3), one row per operation, one cell per caller:
//! owner, admin, member, non-member, app admin (and the anonymous caller, who gets what a
//! non-member gets). Every cell runs on a fresh group; a denied cell must fail with the
//! row's error (`PERMISSION_DENIED` unless stated) and change nothing.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

type Op = dyn Fn(&Fx, &str, &Actor, &str, &str) -> Result<()>;

/// The fixture: owner `own`, admin `adm`, member `mem`, outsider `out`, spare user `x`, and a
/// thread `t` created by `own` on message `m0`.
fn fixture() -> (Fx, String, String) {
    let f = Fx::new();
    let g = f.roles();
    f.users(&["x"]);
    let t = f
        .ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&g, "m0")),
            owner: Some(u("own")),
        })
        .thread_id;
    (f, g.to_string(), t.to_string())
}

/// Runs one row. `expect` has one letter per caller (own, adm, mem, out, app admin):
/// `Y` allowed, `N` denied with `denied`.
fn row(name: &str, expect: &str, denied: GroupError, op: &Op) {
    row_with(name, expect, denied, &|_, _| {}, op)
}

/// [`row`] with a setup step run (as the app admin) before the cell's snapshot. `expect` may
/// carry a sixth letter for the anonymous caller; otherwise they get the non-member's.
fn row_with(name: &str, expect: &str, denied: GroupError, setup: &dyn Fn(&Fx, &str), op: &Op) {
    let callers: [(Actor, &str); 6] = [
        (user("own"), "own"),
        (user("adm"), "adm"),
        (user("mem"), "mem"),
        (user("out"), "out"),
        (Actor::Admin, "mem"),
        (Actor::Anonymous, "out"),
    ];
    let expect: Vec<char> = if expect.len() == 6 {
        expect.chars().collect()
    } else {
        format!("{expect}{}", &expect[3..4]).chars().collect()
    };
    for ((actor, me), want) in callers.iter().zip(expect) {
        let (f, g, t) = fixture();
        setup(&f, &g);
        let before = f.q(GetGroups {
            ids: vec![g.as_str().into()],
        });
        let r = op(&f, &g, actor, me, &t);
        match want {
            'Y' => assert!(r.is_ok(), "{name}: {actor:?} should be allowed, got {r:?}"),
            _ => {
                let e = r.expect_err(&format!("{name}: {actor:?} should be denied"));
                assert_eq!(e, Error::Group(denied.clone()), "{name}: {actor:?}");
                assert_eq!(
                    f.q(GetGroups {
                        ids: vec![g.as_str().into()]
                    }),
                    before,
                    "{name}: a denied call changed the group"
                );
            }
        }
        f.check();
    }
}

fn pd() -> GroupError {
    GroupError::PermissionDenied
}

fn ok<T>(r: Result<T>) -> Result<()> {
    r.map(|_| ())
}

#[test]
fn viewing() {
    row(
        "details of a private group",
        "YYYNY",
        pd(),
        &|f, g, a, _, _| {
            ok(f.ask(
                a,
                GetGroups {
                    ids: vec![g.into()],
                },
            ))
        },
    );
    row_with(
        "details of a public group",
        "YYYYY",
        pd(),
        &|f, g| {
            f.ok(ModifyGroup {
                group: g.into(),
                public: Some(true),
                ..Default::default()
            });
        },
        &|f, g, a, _, _| {
            ok(f.ask(
                a,
                GetGroups {
                    ids: vec![g.into()],
                },
            ))
        },
    );
    row("member list", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(
            a,
            ListGroupMembers {
                group: g.into(),
                ..Default::default()
            },
        ))
    });
    row("member cursor list", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(
            a,
            ListGroupMembersCursor {
                group: g.into(),
                ..Default::default()
            },
        ))
    });
    row("admin list", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(a, ListGroupAdmins { group: g.into() }))
    });
    row("is member", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(
            a,
            IsGroupMember {
                group: g.into(),
                user: u("adm"),
            },
        ))
    });
    row("is member (self)", "YYYYYN", pd(), &|f, g, a, me, _| {
        ok(f.ask(
            a,
            IsGroupMember {
                group: g.into(),
                user: u(me),
            },
        ))
    });
}

#[test]
fn modifying() {
    row("modify name", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            ModifyGroup {
                group: g.into(),
                name: Some("n".into()),
                ..Default::default()
            },
        ))
    });
    row("modify custom", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            ModifyGroup {
                group: g.into(),
                custom: Some("c".into()),
                ..Default::default()
            },
        ))
    });
    row("modify max_users", "NNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            ModifyGroup {
                group: g.into(),
                max_users: Some(50),
                ..Default::default()
            },
        ))
    });
    row("modify public", "NNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            ModifyGroup {
                group: g.into(),
                public: Some(true),
                ..Default::default()
            },
        ))
    });
    row("destroy", "YNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(a, DestroyGroup { group: g.into() }))
    });
    row("transfer", "YNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            TransferGroupOwner {
                group: g.into(),
                new_owner: u("mem"),
            },
        ))
    });
    row("add admin", "YNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            AddGroupAdmin {
                group: g.into(),
                user: u("mem"),
            },
        ))
    });
    row("remove admin", "YNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            RemoveGroupAdmin {
                group: g.into(),
                user: u("adm"),
            },
        ))
    });
    row("disable", "NNNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(a, DisableGroup { group: g.into() }))
    });
}

#[test]
fn membership() {
    row("add member", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            AddGroupMember {
                group: g.into(),
                user: u("x"),
                need_notify: None,
            },
        ))
    });
    row("add members", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            AddGroupMembers {
                group: g.into(),
                users: us(&["x"]),
                need_notify: None,
            },
        ))
    });
    row(
        "invite without allow_invites",
        "YYNNY",
        pd(),
        &|f, g, a, _, _| {
            ok(f.run(
                a,
                InviteToGroup {
                    group: g.into(),
                    users: us(&["x"]),
                },
            ))
        },
    );
    row_with(
        "invite with allow_invites",
        "YYYNY",
        pd(),
        &|f, g| {
            f.ok(ModifyGroup {
                group: g.into(),
                allow_invites: Some(true),
                ..Default::default()
            });
        },
        &|f, g, a, _, _| {
            ok(f.run(
                a,
                InviteToGroup {
                    group: g.into(),
                    users: us(&["x"]),
                },
            ))
        },
    );
    row(
        "remove an ordinary member",
        "YYNNY",
        pd(),
        &|f, g, a, _, _| {
            ok(f.run(
                a,
                RemoveGroupMember {
                    group: g.into(),
                    user: u("mem"),
                },
            ))
        },
    );
    row("remove members", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            RemoveGroupMembers {
                group: g.into(),
                users: us(&["mem"]),
            },
        ))
    });
    row(
        "remove the owner",
        "NNNNN",
        GroupError::OwnerForbidden,
        &|f, g, a, _, _| match f.run(
            a,
            RemoveGroupMember {
                group: g.into(),
                user: u("own"),
            },
        ) {
            Err(Error::Group(GroupError::PermissionDenied)) => {
                Err(GroupError::OwnerForbidden.into())
            }
            r => ok(r),
        },
    );
    row(
        "leave",
        "NYYNY",
        GroupError::OwnerForbidden,
        &|f, g, a, me, _| match f.run(
            a,
            LeaveGroup {
                group: g.into(),
                user: u(me),
            },
        ) {
            Err(Error::Group(GroupError::NotMembers(_)))
            | Err(Error::Group(GroupError::PermissionDenied)) => {
                Err(GroupError::OwnerForbidden.into())
            }
            r => ok(r),
        },
    );
}

#[test]
fn admins_act_on_ordinary_members_only() {
    let f = Fx::new();
    let g = f.roles();
    f.users(&["adm2"]);
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("adm2"),
        need_notify: None,
    });
    f.ok(AddGroupAdmin {
        group: g.clone(),
        user: u("adm2"),
    });
    let a = user("adm");
    assert_eq!(
        gerr(f.run(
            &a,
            RemoveGroupMember {
                group: g.clone(),
                user: u("adm2")
            }
        )),
        pd()
    );
    assert_eq!(
        gerr(f.run(
            &a,
            BlockGroupMember {
                group: g.clone(),
                user: u("adm2")
            }
        )),
        pd()
    );
    assert_eq!(
        gerr(f.run(
            &a,
            MuteGroupMembers {
                group: g.clone(),
                users: us(&["adm2"]),
                duration_ms: -1
            }
        )),
        pd()
    );
    assert_eq!(
        gerr(f.run(
            &a,
            RemoveGroupMember {
                group: g.clone(),
                user: u("own")
            }
        )),
        GroupError::OwnerForbidden
    );
    let r = f
        .run(
            &a,
            RemoveGroupMembers {
                group: g.clone(),
                users: us(&["adm2", "mem"]),
            },
        )
        .unwrap()
        .reply;
    assert_eq!(
        r.iter().map(|i| i.result).collect::<Vec<_>>(),
        [false, true]
    );
    let e = f.run(
        &a,
        BlockGroupMembers {
            group: g.clone(),
            users: us(&["adm2"]),
        },
    );
    assert_eq!(gerr(e), GroupError::NotMembers(vec!["adm2".into()]));
    // The owner may act on admins.
    assert!(
        f.run(
            &user("own"),
            MuteGroupMembers {
                group: g.clone(),
                users: us(&["adm2"]),
                duration_ms: -1
            }
        )
        .is_ok()
    );
    assert!(
        f.run(
            &user("own"),
            BlockGroupMember {
                group: g.clone(),
                user: u("adm2")
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn moderation() {
    row("block", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            BlockGroupMember {
                group: g.into(),
                user: u("mem"),
            },
        ))
    });
    row("block batch", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            BlockGroupMembers {
                group: g.into(),
                users: us(&["mem"]),
            },
        ))
    });
    row_with(
        "unblock",
        "YYNNY",
        pd(),
        &|f, g| {
            f.ok(AddGroupMember {
                group: g.into(),
                user: u("x"),
                need_notify: None,
            });
            f.ok(BlockGroupMember {
                group: g.into(),
                user: u("x"),
            });
        },
        &|f, g, a, _, _| {
            ok(f.run(
                a,
                UnblockGroupMember {
                    group: g.into(),
                    user: u("x"),
                },
            ))
        },
    );
    row("list blocks", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(a, ListGroupBlocks { group: g.into() }))
    });
    row("allow", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            AllowGroupMember {
                group: g.into(),
                user: u("mem"),
            },
        ))
    });
    row_with(
        "disallow",
        "YYNNY",
        pd(),
        &|f, g| {
            f.ok(AllowGroupMember {
                group: g.into(),
                user: u("mem"),
            });
        },
        &|f, g, a, _, _| {
            ok(f.run(
                a,
                DisallowGroupMembers {
                    group: g.into(),
                    users: us(&["mem"]),
                },
            ))
        },
    );
    row("view allow list", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(a, ListGroupAllowed { group: g.into() }))
    });
    row("check own allow entry", "YYYNY", pd(), &|f, g, a, me, _| {
        ok(f.ask(
            a,
            IsGroupAllowed {
                group: g.into(),
                user: u(me),
            },
        ))
    });
    row("mute", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            MuteGroupMembers {
                group: g.into(),
                users: us(&["mem"]),
                duration_ms: -1,
            },
        ))
    });
    row("unmute", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            UnmuteGroupMembers {
                group: g.into(),
                users: us(&["mem"]),
            },
        ))
    });
    row("list mutes", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(a, ListGroupMutes { group: g.into() }))
    });
    row("mute all", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(a, MuteGroupAll { group: g.into() }))
    });
    row("unmute all", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(a, UnmuteGroupAll { group: g.into() }))
    });
    row(
        "mute the owner",
        "NNNNN",
        GroupError::OwnerForbidden,
        &|f, g, a, _, _| match f.run(
            a,
            MuteGroupMembers {
                group: g.into(),
                users: us(&["own"]),
                duration_ms: -1,
            },
        ) {
            Err(Error::Group(GroupError::PermissionDenied)) => {
                Err(GroupError::OwnerForbidden.into())
            }
            r => ok(r),
        },
    );
}

#[test]
fn content() {
    row("set announcement", "YYNNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            SetGroupAnnouncement {
                group: g.into(),
                announcement: Some("hi".into()),
            },
        ))
    });
    row("read announcement", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(a, GetGroupAnnouncement { group: g.into() }))
    });
    row("list files", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(
            a,
            ListGroupFiles {
                group: g.into(),
                ..Default::default()
            },
        ))
    });
    row("upload file", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            UploadGroupFile {
                group: g.into(),
                file_name: Some("f".into()),
                file_size: 1,
            },
        ))
    });
    row(
        "delete someone else's file",
        "YYNNY",
        pd(),
        &|f, g, a, _, _| {
            let id = f
                .run(
                    &user("own"),
                    UploadGroupFile {
                        group: g.into(),
                        file_name: Some("f".into()),
                        file_size: 1,
                    },
                )
                .unwrap()
                .reply
                .file_id;
            ok(f.run(
                a,
                DeleteGroupFile {
                    group: g.into(),
                    file_id: id,
                },
            ))
        },
    );
    row("delete own file", "YYYNY", pd(), &|f, g, a, _, _| {
        let up = if *a == Actor::Anonymous || *a == user("out") {
            Actor::Admin
        } else {
            a.clone()
        };
        let id = f
            .run(
                &up,
                UploadGroupFile {
                    group: g.into(),
                    file_name: Some("f".into()),
                    file_size: 1,
                },
            )
            .unwrap()
            .reply
            .file_id;
        ok(f.run(
            a,
            DeleteGroupFile {
                group: g.into(),
                file_id: id,
            },
        ))
    });
    // The member's cell is their own record: allowed (self).
    row("set mem's attributes", "YNYNY", pd(), &|f, g, a, _, _| {
        ok(f.run(
            a,
            SetGroupMemberAttrs {
                group: g.into(),
                user: u("mem"),
                attrs: [("k".to_string(), "v".to_string())].into_iter().collect(),
            },
        ))
    });
    row("set own attributes", "YYYNY", pd(), &|f, g, a, me, _| {
        ok(f.run(
            a,
            SetGroupMemberAttrs {
                group: g.into(),
                user: u(me),
                attrs: [("k".to_string(), "v".to_string())].into_iter().collect(),
            },
        ))
    });
    row("read attributes", "YYYNY", pd(), &|f, g, a, _, _| {
        ok(f.ask(
            a,
            GetGroupMemberAttrs {
                group: g.into(),
                user: u("mem"),
            },
        ))
    });
}

#[test]
fn threads() {
    row("create thread", "YYYNY", pd(), &|f, g, a, me, _| {
        ok(f.run(
            a,
            CreateThread {
                group: Some(g.into()),
                name: Some("n".into()),
                msg_id: Some(f.m(&GroupId::from(g), "m1")),
                owner: Some(u(me)),
            },
        ))
    });
    row(
        "rename someone else's thread",
        "YYNNY",
        pd(),
        &|f, _, a, _, t| {
            ok(f.run(
                a,
                RenameThread {
                    thread: t.into(),
                    name: "n".into(),
                },
            ))
        },
    );
    row("destroy thread", "YYNNY", pd(), &|f, _, a, _, t| {
        ok(f.run(a, DeleteThread { thread: t.into() }))
    });
    row(
        "join thread",
        "YYYNY",
        GroupError::ThreadUserNotInGroup,
        &|f, _, a, me, t| match f.run(
            a,
            JoinThread {
                thread: t.into(),
                user: u(me),
            },
        ) {
            Err(Error::Group(GroupError::PermissionDenied)) => {
                Err(GroupError::ThreadUserNotInGroup.into())
            }
            r => ok(r),
        },
    );
    row("kick from thread", "YYNNY", pd(), &|f, _, a, _, t| {
        ok(f.run(
            a,
            KickThreadMembers {
                thread: t.into(),
                users: us(&["own"]),
            },
        ))
    });
    row("batch join", "YYNNY", pd(), &|f, _, a, _, t| {
        ok(f.run(
            a,
            JoinThreadMembers {
                thread: t.into(),
                users: us(&["mem"]),
            },
        ))
    });
    row("list thread members", "YYYNY", pd(), &|f, _, a, _, t| {
        ok(f.ask(
            a,
            ListThreadMembers {
                thread: t.into(),
                ..Default::default()
            },
        ))
    });
}

#[test]
fn a_member_renames_their_own_thread() {
    let (f, g, _) = fixture();
    let t = f
        .run(
            &user("mem"),
            CreateThread {
                group: Some(g.clone().into()),
                name: Some("n".into()),
                msg_id: Some(f.m(&GroupId::from(g.as_str()), "m9")),
                owner: Some(u("mem")),
            },
        )
        .unwrap()
        .reply
        .thread_id;
    assert!(
        f.run(
            &user("mem"),
            RenameThread {
                thread: t.clone(),
                name: "mine".into()
            }
        )
        .is_ok()
    );
    assert_eq!(gerr(f.run(&user("mem"), DeleteThread { thread: t })), pd());
}
