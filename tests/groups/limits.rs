//! Every group cap at its edge (n-1, n, n+1), with small limits configured for speed, and the
//! spec's defaults.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn defaults_match_the_spec() {
    let l = GroupLimits::default();
    assert_eq!(l.name_chars_max, 128);
    assert_eq!(l.description_chars_max, 512);
    assert_eq!(l.avatar_chars_max, 1024);
    assert_eq!(l.custom_bytes_max, 8192);
    assert_eq!(l.announcement_chars_max, 512);
    assert_eq!(l.max_users_default, 200);
    assert_eq!(l.admins_max, 99);
    assert_eq!(
        (
            l.member_batch_max,
            l.block_batch_max,
            l.allow_batch_max,
            l.mute_batch_max
        ),
        (60, 60, 60, 60)
    );
    assert_eq!((l.details_ids_max, l.details_members_max), (100, 10_000));
    assert_eq!((l.app_list_default, l.app_list_max), (10, 1000));
    assert_eq!((l.joined_page_default, l.joined_page_max), (5, 20));
    assert_eq!((l.member_page_default, l.member_page_max), (1000, 1000));
    assert_eq!((l.member_cursor_default, l.member_cursor_max), (10, 1000));
    assert_eq!(l.file_bytes_max, 10_485_760);
    assert_eq!(l.files_per_group_max, 10_000);
    assert_eq!(l.file_retention_ms, 7 * 24 * 3_600_000);
    assert_eq!(
        (
            l.meta_key_bytes_max,
            l.meta_value_bytes_max,
            l.meta_total_bytes_max
        ),
        (16, 512, 4096)
    );
    assert_eq!((l.meta_targets_max, l.meta_batch_users_max), (10, 20));
    assert_eq!(l.thread_name_chars_max, 64);
    assert_eq!(
        (l.threads_per_app_max, l.threads_per_user_max),
        (100_000, 100_000)
    );
    assert_eq!((l.thread_page_max, l.thread_batch_max), (50, 10));
    assert!(l.threads_enabled && l.member_attrs_enabled && l.custom_group_id_enabled);
}

#[test]
fn max_users_at_its_edge() {
    let mut l = limits();
    l.groups.max_users_default = 3;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "d"]);
    let g = f.group("a", &["b"]); // n-1 = 2 of 3
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupMember {
                group: g.clone(),
                user: u("c"),
                need_notify: None
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        AddGroupMember {
            group: g.clone(),
            user: u("d"),
            need_notify: None,
        },
    );
    assert_eq!(sc(e), (403, "exceed_limit"));
    // Joining by request and accepting an invitation hit the same cap.
    f.ok(ModifyGroup {
        group: g.clone(),
        public: Some(true),
        ..Default::default()
    });
    let e = f.run(
        &user("d"),
        JoinGroup {
            group: g.clone(),
            user: u("d"),
        },
    );
    assert_eq!(gerr(e), GroupError::GroupFull);
    f.ok(ModifyGroup {
        group: g.clone(),
        max_users: Some(4),
        ..Default::default()
    });
    assert!(
        f.run(
            &user("d"),
            JoinGroup {
                group: g.clone(),
                user: u("d")
            }
        )
        .is_ok()
    );
    // Creation: 1 + members ≤ max_users.
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("a")),
                public: Some(false),
                members: us(&["b", "c"]),
                ..Default::default()
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            members: us(&["b", "c", "d"]),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::GroupFull);
    f.check();
}

#[test]
fn groups_per_user_at_its_edge() {
    let mut l = limits();
    l.groups.groups_per_user_max = 3;
    let f = Fx::with(l);
    f.users(&["u", "o", "p"]);
    f.group("u", &[]);
    f.group("o", &["u"]); // u: 2 = n-1
    let g3 = f.group("o", &[]);
    let g4 = f.group("o", &[]);
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupMember {
                group: g3.clone(),
                user: u("u"),
                need_notify: None
            }
        )
        .is_ok()
    ); // n
    let e = f.run(
        &Actor::Admin,
        AddGroupMember {
            group: g4.clone(),
            user: u("u"),
            need_notify: None,
        },
    ); // n+1
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "user u has joined too many groups!"
    );
    // The owner counts too: u cannot create another group.
    let e = f.run(
        &user("u"),
        CreateGroup {
            public: Some(true),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::UserGroupLimit("u".into()));
    // A member at the cap in the create list fails the whole create.
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("p")),
            public: Some(false),
            members: us(&["u"]),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::UserGroupLimit("u".into()));
    assert_eq!(f.joined("p"), 0);
    // The owner is checked first.
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("o")),
            public: Some(false),
            members: us(&["u"]),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::UserGroupLimit("o".into()));
    // Leaving frees a slot.
    f.ok(RemoveGroupMember {
        group: g3.clone(),
        user: u("u"),
    });
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupMember {
                group: g4.clone(),
                user: u("u"),
                need_notify: None
            }
        )
        .is_ok()
    );
    assert_eq!(f.joined("u"), 3);
    f.check();
}

#[test]
fn groups_per_app_at_its_edge() {
    let mut l = limits();
    l.groups.groups_per_app_max = Some(2);
    let f = Fx::with(l);
    f.users(&["a"]);
    let g1 = f.group("a", &[]);
    f.group("a", &[]);
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            ..Default::default()
        },
    );
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "appKey:org#app has create too many groups!"
    );
    // Dissolved groups do not count; a failed create does not leak a slot.
    let e = f.run(
        &Actor::Admin,
        CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            members: us(&["nope"]),
            ..Default::default()
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    f.ok(DestroyGroup { group: g1 });
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("a")),
                public: Some(false),
                ..Default::default()
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn failed_create_at_the_user_cap_releases_the_app_slot() {
    let mut l = limits();
    l.groups.groups_per_app_max = Some(2);
    l.groups.groups_per_user_max = 1;
    let f = Fx::with(l);
    f.users(&["a", "b"]);
    f.group("a", &[]);
    for _ in 0..3 {
        let e = f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("a")),
                public: Some(false),
                ..Default::default()
            },
        );
        assert_eq!(gerr(e), GroupError::UserGroupLimit("a".into()));
    }
    assert!(
        f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("b")),
                public: Some(false),
                ..Default::default()
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn batch_sizes_at_their_edges() {
    let mut l = limits();
    l.groups.member_batch_max = 3;
    l.groups.block_batch_max = 3;
    l.groups.allow_batch_max = 3;
    l.groups.mute_batch_max = 3;
    l.groups.max_users_default = 100;
    let f = Fx::with(l);
    let names = ["o", "m1", "m2", "m3", "m4"];
    f.users(&names);
    let g = f.group("o", &[]);
    let three = us(&["m1", "m2", "m3"]);
    let four = us(&["m1", "m2", "m3", "m4"]);
    // Add: n+1 refused, n accepted.
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupMembers {
                group: g.clone(),
                users: four.clone(),
                need_notify: None
            }
        )
        .is_err()
    );
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupMembers {
                group: g.clone(),
                users: three.clone(),
                need_notify: None
            }
        )
        .is_ok()
    );
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("m4"),
        need_notify: None,
    });
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            MuteGroupMembers {
                group: g.clone(),
                users: four.clone(),
                duration_ms: 10
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            MuteGroupMembers {
                group: g.clone(),
                users: three.clone(),
                duration_ms: 10
            }
        )
        .is_ok()
    );
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            UnmuteGroupMembers {
                group: g.clone(),
                users: four.clone()
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            UnmuteGroupMembers {
                group: g.clone(),
                users: three.clone()
            }
        )
        .is_ok()
    );
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            AllowGroupMembers {
                group: g.clone(),
                users: four.clone()
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            AllowGroupMembers {
                group: g.clone(),
                users: three.clone()
            }
        )
        .is_ok()
    );
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            DisallowGroupMembers {
                group: g.clone(),
                users: four.clone()
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            DisallowGroupMembers {
                group: g.clone(),
                users: three.clone()
            }
        )
        .is_ok()
    );
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            BlockGroupMembers {
                group: g.clone(),
                users: four.clone()
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            BlockGroupMembers {
                group: g.clone(),
                users: three.clone()
            }
        )
        .is_ok()
    );
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            UnblockGroupMembers {
                group: g.clone(),
                users: four.clone()
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            UnblockGroupMembers {
                group: g.clone(),
                users: three.clone()
            }
        )
        .is_ok()
    );
    f.ok(AddGroupMembers {
        group: g.clone(),
        users: three.clone(),
        need_notify: None,
    });
    assert_eq!(
        sc(f.run(
            &Actor::Admin,
            RemoveGroupMembers {
                group: g.clone(),
                users: four.clone()
            }
        )),
        (400, "invalid_parameter")
    );
    assert!(
        f.run(
            &Actor::Admin,
            RemoveGroupMembers {
                group: g.clone(),
                users: three
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn text_lengths_at_their_edges_on_modify() {
    let mut l = limits();
    l.groups.name_chars_max = 4;
    l.groups.description_chars_max = 4;
    l.groups.avatar_chars_max = 4;
    l.groups.custom_bytes_max = 4;
    let f = Fx::with(l);
    f.users(&["a"]);
    let g = f.group("a", &[]);
    let m = |name: usize, desc: usize, av: usize, cu: usize| {
        f.run(
            &Actor::Admin,
            ModifyGroup {
                group: g.clone(),
                name: Some("n".repeat(name)),
                description: Some("d".repeat(desc)),
                avatar: Some("a".repeat(av)),
                custom: Some("c".repeat(cu)),
                ..Default::default()
            },
        )
    };
    assert!(m(3, 3, 3, 3).is_ok());
    assert!(m(4, 4, 4, 4).is_ok());
    assert_eq!(gerr(m(5, 4, 4, 4)), GroupError::FieldTooLong("groupname"));
    assert_eq!(gerr(m(4, 5, 4, 4)), GroupError::FieldTooLong("description"));
    assert_eq!(gerr(m(4, 4, 5, 4)), GroupError::AvatarTooLong);
    assert_eq!(gerr(m(4, 4, 4, 5)), GroupError::FieldTooLong("custom"));
}

#[test]
fn details_ids_at_the_edge() {
    let mut l = limits();
    l.groups.details_ids_max = 2;
    let f = Fx::with(l);
    f.users(&["a"]);
    let g = f.group("a", &[]);
    assert_eq!(
        f.q(GetGroups {
            ids: vec![g.clone()]
        })
        .len(),
        1
    );
    assert_eq!(
        f.q(GetGroups {
            ids: vec![g.clone(); 2]
        })
        .len(),
        2
    );
    let e = f.ask(&Actor::Admin, GetGroups { ids: vec![g; 3] });
    assert_eq!(sc(e), (400, "invalid_parameter"));
}

#[test]
fn large_scale_flag() {
    let mut l = limits();
    l.groups.large_group_threshold = 10;
    let f = Fx::with(l);
    f.users(&["a"]);
    let small = f
        .ok(CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            max_users: Some(10),
            ..Default::default()
        })
        .group_id;
    let big = f
        .ok(CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            max_users: Some(11),
            ..Default::default()
        })
        .group_id;
    let flagged = f
        .ok(CreateGroup {
            owner: Some(u("a")),
            public: Some(false),
            large: true,
            ..Default::default()
        })
        .group_id;
    let large = |g: GroupId| match &f.q(GetGroups { ids: vec![g] })[0] {
        GroupLookup::Found(d) => d.large,
        x => panic!("{x:?}"),
    };
    assert!(!large(small));
    assert!(large(big));
    assert!(large(flagged));
}

/// CreateGroup counts distinct members (the owner and repeats are free) and refuses a list
/// that outgrows `max_users` before resolving any name: an oversized list of unknown names is
/// `GROUP_FULL`, not `USER_NOT_FOUND`.
#[test]
fn create_counts_distinct_members_and_refuses_an_oversized_list_before_resolving_names() {
    let f = Fx::new();
    f.users(&["a", "b", "c", "d"]);
    let mk = |members: Vec<UserName>, max: u32| {
        f.run(
            &Actor::Admin,
            CreateGroup {
                owner: Some(u("a")),
                public: Some(false),
                max_users: Some(max),
                members,
                ..Default::default()
            },
        )
    };
    // max_users 3: two distinct members fit (n-1, n), a third is one too many (n+1).
    assert!(mk(us(&["b"]), 3).is_ok());
    let g = mk(us(&["b", "a", "c", "b", "c", "a"]), 3)
        .unwrap()
        .reply
        .group_id;
    assert_eq!(f.members(&g), ["a", "b", "c"]);
    let e = mk(us(&["b", "c", "d"]), 3);
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(gerr(e), GroupError::GroupFull);
    // Unknown names past the room: refused as too many, not looked up.
    let e = mk(us(&["b", "c", "ghost"]), 3);
    assert_eq!(gerr(e), GroupError::GroupFull);
    let e = mk(us(&["ghost", "b"]), 3);
    assert_eq!(
        gerr(e),
        GroupError::UserNotFound("ghost".into()),
        "within the room"
    );
    // A huge list: repeats collapse; distinct unknown names stop at the room.
    let many: Vec<UserName> = (0..40_000).map(|_| u("b")).collect();
    assert!(mk(many, 2).is_ok());
    let many: Vec<UserName> = (0..40_000).map(|i| u(&format!("m{i}"))).collect();
    assert_eq!(gerr(mk(many, 200)), GroupError::GroupFull);
    // max_users 1: the owner alone; any other member is too many.
    assert!(mk(us(&["a"]), 1).is_ok());
    assert_eq!(gerr(mk(us(&["b"]), 1)), GroupError::GroupFull);
    f.check();
}
