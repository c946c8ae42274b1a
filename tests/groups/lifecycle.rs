//! Group lifecycle (spec §4): create, details, app list, joined groups, is-member, modify,
//! transfer, disable/enable, destroy — replies, events and every error's status and code.

#![allow(clippy::bool_assert_comparison)] // replies are maps of field → bool

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn create_makes_owner_first_member_then_members_in_order() {
    let f = Fx::new();
    f.users(&["alice", "bob", "carol"]);
    let out = f
        .run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("alice")),
                public: Some(true),
                name: Some("team".into()),
                allow_invites: Some(true),
                members: us(&["carol", "bob", "alice", "carol"]),
                ..Default::default()
            },
        )
        .unwrap();
    let g = out.reply.group_id.clone();
    assert!(
        g.as_str().bytes().all(|b| b.is_ascii_digit()),
        "engine ids are decimal"
    );
    assert_eq!(f.members(&g), ["alice", "carol", "bob"]);
    let ev = group_events(&out.events);
    assert_eq!(
        ev[0],
        GroupEvent::GroupCreated {
            group: g.clone(),
            owner: u("alice")
        }
    );
    assert_eq!(ev.len(), 4);
    let d = match &f.q(GetGroups {
        ids: vec![g.clone()],
    })[0]
    {
        GroupLookup::Found(d) => d.clone(),
        x => panic!("{x:?}"),
    };
    assert_eq!(d.name, "team");
    assert!(d.public);
    assert!(
        !d.allow_invites,
        "public groups start without member invites"
    );
    assert!(d.invite_need_confirm);
    assert_eq!(d.max_users, 200);
    assert_eq!(d.affiliations_count, 3);
    assert_eq!(
        d.affiliations,
        vec![
            Affiliation::Owner(u("alice")),
            Affiliation::Member(u("carol")),
            Affiliation::Member(u("bob"))
        ]
    );
    f.check();
}

#[test]
fn ids_come_from_the_counter_and_are_never_reused() {
    let f = Fx::new();
    f.users(&["a"]);
    let g1 = f.group("a", &[]);
    f.ok(DestroyGroup { group: g1.clone() });
    let g2 = f.group("a", &[]);
    assert_ne!(g1, g2);
    assert!(g2.as_str().parse::<u64>().unwrap() > g1.as_str().parse::<u64>().unwrap());
}

#[test]
fn create_errors_in_check_order() {
    let mut l = limits();
    l.groups.max_users_cap = 10;
    let f = Fx::with(l);
    f.users(&["a", "b"]);
    let base = || CreateGroup {
        owner: Some(u("a")),
        public: Some(false),
        ..Default::default()
    };
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: None,
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::MissingField("owner"));
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            public: None,
            ..base()
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            public: None,
            ..base()
        },
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "group must contain public field!"
    );
    let long = |n| Some("x".repeat(n));
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            name: long(129),
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::FieldTooLong("groupname"));
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                name: long(128),
                ..base()
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            description: long(513),
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::FieldTooLong("description"));
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                description: long(512),
                ..base()
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            avatar: long(1025),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (400, "invalid_parameter"));
    assert_eq!(e.unwrap_err().to_string(), "avatar length is too big");
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                avatar: long(1024),
                ..base()
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            custom: long(8193),
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::FieldTooLong("custom"));
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                custom: long(8192),
                ..base()
            }
        )
        .is_ok()
    );
    // Multi-byte chars count as chars for names, bytes for custom.
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                name: Some("群".repeat(128)),
                ..base()
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            custom: Some("群".repeat(2731)),
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::FieldTooLong("custom"));
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            max_users: Some(0),
            ..base()
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            max_users: Some(11),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(gerr(e), GroupError::MaxUsersOverCap { n: 11, cap: 10 });
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                max_users: Some(10),
                ..base()
            }
        )
        .is_ok()
    );
    // The default 200 is clamped to a lower plan cap.
    let g = f.ok(base()).group_id;
    match &f.q(GetGroups { ids: vec![g] })[0] {
        GroupLookup::Found(d) => assert_eq!(d.max_users, 10),
        x => panic!("{x:?}"),
    }
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("zed")),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (404, "resource_not_found"));
    assert_eq!(e.unwrap_err().to_string(), "username zed doesn't exist!");
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            members: us(&["b", "x1", "x2"]),
            ..base()
        },
    );
    assert_eq!(gerr(e), GroupError::UserNotFound("x1".into()));
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            members: us(&["b"]),
            max_users: Some(1),
            ..base()
        },
    );
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "members size is greater than max user size !"
    );
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                members: us(&["b"]),
                max_users: Some(2),
                ..base()
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn custom_group_ids() {
    let f = Fx::new();
    f.users(&["a"]);
    let mk = |id: &str| {
        f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("a")),
                public: Some(false),
                group_id: Some(id.into()),
                ..Default::default()
            },
        )
    };
    assert_eq!(mk("my-Group_1").unwrap().reply.group_id, "my-Group_1");
    assert!(mk(&"x".repeat(64)).is_ok());
    for bad in ["", "has space", "dot.dot", &"x".repeat(65)] {
        assert_eq!(sc(mk(bad)), (400, "invalid_parameter"), "{bad:?}");
    }
    let e = mk("my-Group_1");
    assert_eq!(sc(e.clone()), (400, "illegal_argument"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "group ID my-Group_1 already exists!"
    );
    // All digits are a well-formed custom id (spec OPEN 16: `[0-9A-Za-z_-]`; the vendor's SDK
    // test creates group "123456666"). One a live group has is taken; one ahead of the counter
    // is given, and the counter skips it.
    assert_eq!(mk("123456666").unwrap().reply.group_id, "123456666");
    let next: u64 = f.group("a", &[]).as_str().parse().unwrap();
    assert_eq!(sc(mk(&next.to_string())), (400, "illegal_argument"));
    let ahead = (next + 1).to_string();
    assert_eq!(mk(&ahead).unwrap().reply.group_id, ahead.as_str());
    let minted = f.group("a", &[]);
    assert_ne!(minted.as_str(), ahead);
    assert!(minted.as_str().parse::<u64>().unwrap() > next + 1);
    assert!(mk("1a").is_ok(), "digits and a letter are fine");
    f.check();
    let mut l = limits();
    l.groups.custom_group_id_enabled = false;
    let f2 = Fx::with(l);
    f2.users(&["a"]);
    let e = f2.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            group_id: Some("ok".into()),
            ..Default::default()
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
}

#[test]
fn a_destroyed_groups_id_is_never_reused() {
    let f = Fx::new();
    f.users(&["a"]);
    let mk = |id: &str| {
        f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("a")),
                public: Some(false),
                group_id: Some(id.into()),
                ..Default::default()
            },
        )
    };
    // A minted id: refused as a custom id once destroyed, and the counter moves on.
    let g = f.group("a", &[]);
    f.ok(DestroyGroup { group: g.clone() });
    assert_eq!(
        gerr(mk(g.as_str())),
        GroupError::GroupIdExists(g.to_string())
    );
    assert_ne!(f.group("a", &[]), g);
    // An all-digit custom id: refused once destroyed too.
    mk("987654321").unwrap();
    f.ok(DestroyGroup {
        group: "987654321".into(),
    });
    assert_eq!(
        gerr(mk("987654321")),
        GroupError::GroupIdExists("987654321".into())
    );
    // A custom id: refused once destroyed, also when the owner's deletion destroyed it.
    mk("mine").unwrap();
    f.ok(DestroyGroup {
        group: "mine".into(),
    });
    let e = mk("mine");
    assert_eq!(sc(e.clone()), (400, "illegal_argument"));
    assert_eq!(gerr(e), GroupError::GroupIdExists("mine".into()));
    f.users(&["b"]);
    f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("b")),
            public: Some(false),
            group_id: Some("bees".into()),
            ..Default::default()
        },
    )
    .unwrap();
    f.delete_user("b");
    assert_eq!(gerr(mk("bees")), GroupError::GroupIdExists("bees".into()));
    assert!(mk("other").is_ok());
    f.check();
}

#[test]
fn users_create_groups_they_own() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let g = f
        .run(
            &user("a"),
            CreateGroup {
                public: Some(true),
                ..Default::default()
            },
        )
        .unwrap()
        .reply
        .group_id;
    assert_eq!(f.members(&g), ["a"]);
    let e = f.run(
        &user("a"),
        CreateGroup {
            owner: Some(u("b")),
            public: Some(true),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let e = f.run(
        &Actor::Anonymous,
        CreateGroup {
            owner: Some(u("b")),
            public: Some(true),
            ..Default::default()
        },
    );
    assert_eq!(sc(e), (403, "forbidden_op"));
}

#[test]
fn get_groups_one_and_many() {
    let mut l = limits();
    l.groups.details_ids_max = 3;
    l.groups.details_members_max = 2;
    let f = Fx::with(l);
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b", "c"]);
    let e = f.ask(
        &Actor::Admin,
        GetGroups {
            ids: vec!["404".into()],
        },
    );
    assert_eq!(sc(e.clone()), (404, "resource_not_found"));
    assert_eq!(e.unwrap_err().to_string(), "grpID 404 does not exist!");
    let r = f.q(GetGroups {
        ids: vec![g.clone(), "404".into(), g.clone()],
    });
    assert_eq!(r.len(), 3);
    assert_eq!(
        r[1],
        GroupLookup::Missing {
            id: "404".into(),
            error: "group id doesn't exist".into()
        }
    );
    match &r[0] {
        GroupLookup::Found(d) => {
            assert_eq!(d.affiliations.len(), 2, "capped at details_members_max");
            assert_eq!(d.affiliations_count, 3);
        }
        x => panic!("{x:?}"),
    }
    let e = f.ask(
        &Actor::Admin,
        GetGroups {
            ids: vec![g.clone(); 4],
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
    let e = f.ask(&Actor::Admin, GetGroups { ids: vec![] });
    assert_eq!(sc(e), (400, "invalid_parameter"));
}

#[test]
fn list_app_groups_newest_first_with_cursor() {
    let f0 = Fx::new();
    f0.users(&["a"]);
    let mut ids = Vec::new();
    let mut f = f0;
    for i in 0..7 {
        f.now = Timestamp(T0.0 + i / 2); // ties broken by creation order
        ids.push(f.group("a", &[]));
    }
    f.ok(DestroyGroup {
        group: ids[3].clone(),
    });
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = f.q(ListAppGroups {
            limit: Some(2),
            cursor: cursor.clone(),
        });
        seen.extend(p.items.iter().map(|i| i.group_id.clone()));
        if p.cursor.is_none() {
            break;
        }
        if seen.len() == 2 {
            // Created after the first page: never shows up later.
            f.group("a", &[]);
        }
        cursor = p.cursor;
    }
    let mut want: Vec<GroupId> = ids.clone();
    want.remove(3);
    want.reverse();
    assert_eq!(seen, want);
    assert_eq!(f.q(ListAppGroups::default()).items.len(), 7);
    let e = f.ask(
        &Actor::Admin,
        ListAppGroups {
            limit: Some(0),
            cursor: None,
        },
    );
    assert_eq!(sc(e), (400, "invalid_parameter"));
    let e = f.ask(
        &Actor::Admin,
        ListAppGroups {
            limit: None,
            cursor: Some("junk".into()),
        },
    );
    assert_eq!(e.unwrap_err().to_string(), "invalid cursor");
    assert_eq!(
        f.q(ListAppGroups {
            limit: Some(5000),
            cursor: None
        })
        .items
        .len(),
        7,
        "clamped, not rejected"
    );
    let e = f.ask(&user("a"), ListAppGroups::default());
    assert_eq!(gerr(e), GroupError::PermissionDenied);
}

#[test]
fn joined_groups_newest_join_first_paged() {
    let mut f = Fx::new();
    f.users(&["a", "b"]);
    let mut ids = Vec::new();
    for i in 0..7 {
        f.now = Timestamp(T0.0 + 1_000_000 + i);
        ids.push(f.group("a", &["b"]));
    }
    let all = |f: &Fx, n, s| {
        f.q(ListJoinedGroups {
            user: u("b"),
            page_num: n,
            page_size: s,
        })
    };
    let p = all(&f, None, None);
    assert_eq!(p.total, 7);
    assert_eq!(p.items.len(), 5, "default page size 5");
    assert_eq!(p.items[0].group_id, ids[6]);
    let p = all(&f, Some(2), Some(5));
    assert_eq!(
        p.items
            .iter()
            .map(|i| i.group_id.clone())
            .collect::<Vec<_>>(),
        [ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(
        all(&f, Some(0), Some(3)).items[0].group_id,
        ids[6],
        "page 0 is page 1"
    );
    assert_eq!(all(&f, Some(9), Some(3)).items.len(), 0);
    assert_eq!(all(&f, None, Some(0)).items.len(), 5, "0 means the default");
    let r = f.q(ListJoinedGroups {
        user: u("nobody"),
        page_num: None,
        page_size: None,
    });
    assert_eq!((r.items.len(), r.total), (0, 0));
    let legacy = f.q(ListJoinedGroupsLegacy { user: u("b") });
    assert_eq!(legacy.len(), 7);
    assert_eq!(legacy[0].0, ids[6]);
    let e = f.ask(
        &user("a"),
        ListJoinedGroups {
            user: u("b"),
            page_num: None,
            page_size: None,
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    assert!(
        f.ask(
            &user("b"),
            ListJoinedGroups {
                user: u("b"),
                page_num: None,
                page_size: Some(50)
            }
        )
        .unwrap()
        .items
        .len()
            == 7
    );
}

#[test]
fn joined_page_size_clamps_to_20() {
    let mut l = limits();
    l.groups.max_users_default = 5;
    let f = Fx::with(l);
    f.users(&["a"]);
    for _ in 0..21 {
        f.group("a", &[]);
    }
    let p = f.q(ListJoinedGroups {
        user: u("a"),
        page_num: None,
        page_size: Some(21),
    });
    assert_eq!((p.items.len(), p.total), (20, 21));
}

#[test]
fn is_member() {
    let f = Fx::new();
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b"]);
    assert!(f.is_member(&g, "a"));
    assert!(f.is_member(&g, "b"));
    assert!(!f.is_member(&g, "c"));
    assert!(!f.is_member(&g, "ghost"));
    let e = f.ask(
        &Actor::Admin,
        IsGroupMember {
            group: "9999".into(),
            user: u("a"),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
}

#[test]
fn modify_applies_per_field() {
    let mut l = limits();
    l.groups.max_users_cap = 50;
    let mut f = Fx::with(l);
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b", "c"]);
    f.now = Timestamp(T0.0 + 4_000_000);
    let out = f
        .run(
            &Actor::Admin,
            ModifyGroup {
                group: g.clone(),
                name: Some("n".into()),
                description: Some("d".into()),
                max_users: Some(51),
                public: Some(true),
                custom: Some("c".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let r = out.reply;
    assert_eq!(r["groupname"], true);
    assert_eq!(r["maxusers"], false, "above the cap");
    assert_eq!(r["public"], true);
    assert_eq!(r.len(), 5);
    assert!(
        matches!(&group_events(&out.events)[0], GroupEvent::GroupInfoUpdated { fields, .. } if fields.len() == 4)
    );
    assert_eq!(
        f.ok(ModifyGroup {
            group: g.clone(),
            max_users: Some(2),
            ..Default::default()
        })["maxusers"],
        false,
        "below the member count"
    );
    assert_eq!(
        f.ok(ModifyGroup {
            group: g.clone(),
            max_users: Some(0),
            ..Default::default()
        })["maxusers"],
        false
    );
    assert_eq!(
        f.ok(ModifyGroup {
            group: g.clone(),
            max_users: Some(3),
            ..Default::default()
        })["maxusers"],
        true,
        "equal to the member count"
    );
    assert_eq!(
        f.ok(ModifyGroup {
            group: g.clone(),
            max_users: Some(50),
            ..Default::default()
        })["maxusers"],
        true
    );
    match &f.q(GetGroups {
        ids: vec![g.clone()],
    })[0]
    {
        GroupLookup::Found(d) => {
            assert_eq!(
                (d.name.as_str(), d.description.as_str(), d.custom.as_str()),
                ("n", "d", "c")
            );
            assert_eq!(d.max_users, 50);
            assert!(d.public);
            assert_eq!(d.last_modified, Timestamp(T0.0 + 4_000_000));
        }
        x => panic!("{x:?}"),
    }
    let e = f.run(
        &Actor::Admin,
        ModifyGroup {
            group: g.clone(),
            unknown_fields: vec!["groupid".into()],
            ..Default::default()
        },
    );
    assert_eq!(sc(e.clone()), (400, "invalid_parameter"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "some of [groupid] are not valid fields"
    );
    let e = f.run(
        &Actor::Admin,
        ModifyGroup {
            group: g.clone(),
            avatar: Some("x".repeat(1025)),
            name: Some("zz".into()),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::AvatarTooLong);
    let e = f.run(
        &Actor::Admin,
        ModifyGroup {
            group: "404".into(),
            name: Some("x".into()),
            ..Default::default()
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    // The failed calls changed nothing.
    match &f.q(GetGroups { ids: vec![g] })[0] {
        GroupLookup::Found(d) => assert_eq!(d.name, "n"),
        x => panic!("{x:?}"),
    }
}

#[test]
fn transfer_ownership() {
    let f = Fx::new();
    f.users(&["a", "b", "c", "d"]);
    let g = f.group("a", &["b", "c"]);
    f.ok(AddGroupAdmin {
        group: g.clone(),
        user: u("b"),
    });
    f.ok(MuteGroupMembers {
        group: g.clone(),
        users: us(&["b"]),
        duration_ms: -1,
    });
    let out = f
        .run(
            &Actor::Admin,
            TransferGroupOwner {
                group: g.clone(),
                new_owner: u("b"),
            },
        )
        .unwrap();
    assert!(out.reply);
    assert_eq!(
        group_events(&out.events),
        [
            GroupEvent::AdminRemoved {
                group: g.clone(),
                user: u("b")
            },
            GroupEvent::MuteRemoved {
                group: g.clone(),
                user: u("b")
            },
            GroupEvent::OwnerChanged {
                group: g.clone(),
                old: u("a"),
                new: u("b")
            }
        ]
    );
    assert!(
        f.q(ListGroupAdmins { group: g.clone() }).is_empty(),
        "the new owner left the admin list; the old owner is not an admin"
    );
    assert!(
        f.q(ListGroupMutes { group: g.clone() }).is_empty(),
        "the new owner lost the mute"
    );
    assert_eq!(f.joined("a"), 1);
    assert_eq!(f.joined("b"), 1);
    let e = f.run(
        &Actor::Admin,
        TransferGroupOwner {
            group: g.clone(),
            new_owner: u("d"),
        },
    );
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(
        e.unwrap_err().to_string(),
        format!("user: d doesn't exist in group: {g}")
    );
    let e = f.run(
        &Actor::Admin,
        TransferGroupOwner {
            group: g.clone(),
            new_owner: u("b"),
        },
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "new owner and old owner are the same"
    );
    let e = f.run(
        &Actor::Admin,
        TransferGroupOwner {
            group: "404".into(),
            new_owner: u("b"),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    // The old owner is an ordinary member now: they can leave; the new owner cannot.
    assert!(
        f.run(
            &user("a"),
            LeaveGroup {
                group: g.clone(),
                user: u("a")
            }
        )
        .is_ok()
    );
    let e = f.run(
        &user("b"),
        LeaveGroup {
            group: g.clone(),
            user: u("b"),
        },
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "forbidden operation on group owner!"
    );
    f.check();
}

#[test]
fn disable_and_enable() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let g = f.group("a", &["b"]);
    let out = f
        .run(&Actor::Admin, DisableGroup { group: g.clone() })
        .unwrap();
    assert!(out.reply);
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::GroupDisabled { group: g.clone() }]
    );
    assert!(
        f.run(&Actor::Admin, DisableGroup { group: g.clone() })
            .unwrap()
            .events
            .is_empty(),
        "idempotent"
    );
    // User calls fail; admin calls work.
    let e = f.ask(
        &user("b"),
        ListGroupMembers {
            group: g.clone(),
            ..Default::default()
        },
    );
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(gerr(e), GroupError::GroupDisabled(g.to_string()));
    let e = f.run(
        &user("a"),
        SetGroupAnnouncement {
            group: g.clone(),
            announcement: Some("x".into()),
        },
    );
    assert_eq!(gerr(e), GroupError::GroupDisabled(g.to_string()));
    assert_eq!(f.members(&g).len(), 2);
    assert!(
        f.run(
            &Actor::Admin,
            SetGroupAnnouncement {
                group: g.clone(),
                announcement: Some("x".into())
            }
        )
        .is_ok()
    );
    assert_eq!(
        f.q(MaySpeakInGroup {
            group: g.clone(),
            user: u("a")
        }),
        GroupSpeak::Disabled
    );
    assert!(f.q(GroupSpeakers { group: g.clone() }).is_empty());
    let out = f
        .run(&Actor::Admin, EnableGroup { group: g.clone() })
        .unwrap();
    assert!(!out.reply);
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::GroupEnabled { group: g.clone() }]
    );
    assert!(
        f.ask(
            &user("b"),
            ListGroupMembers {
                group: g.clone(),
                ..Default::default()
            }
        )
        .is_ok()
    );
    let e = f.run(&user("a"), DisableGroup { group: g.clone() });
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let e = f.run(
        &Actor::Admin,
        EnableGroup {
            group: "404".into(),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
}

#[test]
fn destroy_cascades_and_a_second_destroy_fails() {
    let f = Fx::new();
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b", "c"]);
    let t = f.ok(CreateThread {
        group: Some(g.clone()),
        name: Some("t".into()),
        msg_id: Some(f.m(&g, "m1")),
        owner: Some(u("b")),
    });
    let out = f
        .run(&Actor::Admin, DestroyGroup { group: g.clone() })
        .unwrap();
    assert_eq!(
        out.reply,
        GroupDestroyed {
            success: true,
            group_id: g.clone()
        }
    );
    let ev = group_events(&out.events);
    assert_eq!(
        ev[0],
        GroupEvent::ThreadDestroyed {
            group: g.clone(),
            thread: t.thread_id.clone()
        }
    );
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(
                e,
                GroupEvent::MemberLeft {
                    reason: LeaveReason::Delete,
                    ..
                }
            ))
            .count(),
        3
    );
    assert_eq!(
        ev.last().unwrap(),
        &GroupEvent::GroupDestroyed { group: g.clone() }
    );
    assert_eq!(f.joined("a") + f.joined("b") + f.joined("c"), 0);
    let e = f.run(&Actor::Admin, DestroyGroup { group: g.clone() });
    assert_eq!(sc(e.clone()), (404, "resource_not_found"));
    assert_eq!(
        e.unwrap_err().to_string(),
        format!("grpID {g} does not exist!")
    );
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
    // The parent message may host a new thread in another group now.
    let g2 = f.group("a", &[]);
    assert!(
        f.run(
            &Actor::Admin,
            CreateThread {
                group: Some(g2.clone()),
                name: Some("t".into()),
                msg_id: Some(f.m(&g2, "m1")),
                owner: Some(u("a"))
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn group_commands_run_through_the_serializable_enums() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let out = f
        .app
        .execute_any(
            &Actor::Admin,
            f.now,
            Command::from(CreateGroup {
                owner: Some(u("a")),
                public: Some(true),
                members: us(&["b"]),
                ..Default::default()
            }),
        )
        .unwrap();
    let Reply::CreateGroup(created) = out.reply else {
        panic!("{:?}", out.reply)
    };
    let r = f
        .app
        .query_any(
            &Actor::Admin,
            f.now,
            Query::from(IsGroupMember {
                group: created.group_id.clone(),
                user: u("b"),
            }),
        )
        .unwrap();
    assert_eq!(r, QueryReply::IsGroupMember(true));
    let e = f
        .app
        .execute_any(
            &Actor::Admin,
            f.now,
            Command::from(DestroyGroup {
                group: "nope".into(),
            }),
        )
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (404, "resource_not_found"));
}
