//! Announcement and shared files (spec §10), member attributes (§11).

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn announcement() {
    let mut l = limits();
    l.groups.announcement_chars_max = 5;
    let f = Fx::with(l);
    f.users(&["a"]);
    let g = f.group("a", &[]);
    assert_eq!(f.q(GetGroupAnnouncement { group: g.clone() }), "");
    let e = f.run(
        &Actor::Admin,
        SetGroupAnnouncement {
            group: g.clone(),
            announcement: None,
        },
    );
    assert_eq!(sc(e.clone()), (400, "illegal_argument"));
    assert_eq!(e.unwrap_err().to_string(), "announcement is null");
    let e = f.run(
        &Actor::Admin,
        SetGroupAnnouncement {
            group: g.clone(),
            announcement: Some("群".repeat(6)),
        },
    );
    assert_eq!(sc(e.clone()), (403, "FORBIDDEN"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "announce info length exceeds limit!"
    );
    let out = f
        .run(
            &Actor::Admin,
            SetGroupAnnouncement {
                group: g.clone(),
                announcement: Some("群".repeat(5)),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::AnnouncementUpdated { group: g.clone() }]
    );
    assert_eq!(f.q(GetGroupAnnouncement { group: g.clone() }), "群群群群群");
    f.ok(SetGroupAnnouncement {
        group: g.clone(),
        announcement: Some(String::new()),
    });
    assert_eq!(f.q(GetGroupAnnouncement { group: g.clone() }), "");
    let e = f.ask(
        &Actor::Admin,
        GetGroupAnnouncement {
            group: "404".into(),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    assert_eq!(Limits::default().groups.announcement_chars_max, 512);
}

#[test]
fn shared_files() {
    let mut l = limits();
    l.groups.files_per_group_max = 2;
    l.groups.file_bytes_max = 100;
    l.groups.file_retention_ms = 1000;
    let mut f = Fx::with(l);
    f.users(&["a", "b", "c"]);
    let g = f.group("a", &["b", "c"]);
    let up = |f: &Fx, who: &Actor, name: Option<&str>, size| {
        f.run(
            who,
            UploadGroupFile {
                group: g.clone(),
                file_name: name.map(Into::into),
                file_size: size,
            },
        )
    };
    let e = up(&f, &Actor::Admin, None, 1);
    assert_eq!(sc(e.clone()), (400, "IllegalArgumentException"));
    assert_eq!(e.unwrap_err().to_string(), "file must be provided.");
    let e = up(&f, &Actor::Admin, Some("x"), 101);
    assert_eq!(sc(e), (413, "request_entity_too_large"));
    let e = f.run(
        &Actor::Admin,
        UploadGroupFile {
            group: "404".into(),
            file_name: Some("x".into()),
            file_size: 1,
        },
    );
    assert_eq!(sc(e.clone()), (404, "RestGroupFeignException"));
    assert_eq!(e.unwrap_err().to_string(), "grpID 404 does not exist!");
    let f1 = up(&f, &Actor::Admin, Some("one"), 100).unwrap();
    assert_eq!(f1.reply.file_owner, "admin");
    assert_eq!(f1.reply.file_size, 100);
    f.now = Timestamp(f.now.0 + 10);
    let f2 = up(&f, &user("b"), Some("two"), 5).unwrap().reply;
    assert_eq!(f2.file_owner, "b");
    let e = up(&f, &user("b"), Some("three"), 5);
    assert_eq!(sc(e), (403, "exceed_limit"));
    let list = f.q(ListGroupFiles {
        group: g.clone(),
        ..Default::default()
    });
    assert_eq!(
        list.iter()
            .map(|x| x.file_name.as_str())
            .collect::<Vec<_>>(),
        ["two", "one"],
        "newest first"
    );
    assert_eq!(
        f.q(GetGroupFile {
            group: g.clone(),
            file_id: f2.file_id.clone()
        }),
        f2
    );
    // Members delete their own uploads only.
    let e = f.run(
        &user("c"),
        DeleteGroupFile {
            group: g.clone(),
            file_id: f2.file_id.clone(),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let out = f
        .run(
            &user("b"),
            DeleteGroupFile {
                group: g.clone(),
                file_id: f2.file_id.clone(),
            },
        )
        .unwrap();
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::FileDeleted {
            group: g.clone(),
            file_id: f2.file_id.clone()
        }]
    );
    let e = f.run(
        &user("b"),
        DeleteGroupFile {
            group: g.clone(),
            file_id: f2.file_id.clone(),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"), "not idempotent");
    // Retention: at created + retention the file behaves as deleted and frees its slot.
    f.now = Timestamp(f1.reply.created.0 + 1000);
    assert!(
        f.q(ListGroupFiles {
            group: g.clone(),
            ..Default::default()
        })
        .is_empty()
    );
    let e = f.ask(
        &Actor::Admin,
        GetGroupFile {
            group: g.clone(),
            file_id: f1.reply.file_id.clone(),
        },
    );
    assert_eq!(gerr(e), GroupError::FileNotFound(f1.reply.file_id.clone()));
    up(&f, &user("c"), Some("a"), 1).unwrap();
    up(&f, &user("c"), Some("b"), 1).unwrap();
    assert_eq!(
        f.q(ListGroupFiles {
            group: g.clone(),
            page_num: Some(2),
            page_size: Some(1)
        })
        .len(),
        1
    );
    // Files outlive their uploader's membership (file_owner unchanged).
    f.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("c"),
    });
    assert!(
        f.q(ListGroupFiles {
            group: g.clone(),
            ..Default::default()
        })
        .iter()
        .all(|x| x.file_owner == "c")
    );
    let e = f.ask(
        &user("c"),
        ListGroupFiles {
            group: g.clone(),
            ..Default::default()
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
}

#[test]
fn member_attributes() {
    let mut l = limits();
    l.groups.meta_total_bytes_max = 20;
    l.groups.meta_batch_users_max = 2;
    l.groups.meta_targets_max = 2;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "x"]);
    let g = f.group("a", &["b", "c"]);
    let set = |who: &Actor, target: &str, kv: &[(&str, &str)]| {
        f.run(
            who,
            SetGroupMemberAttrs {
                group: g.clone(),
                user: u(target),
                attrs: kv
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        )
    };
    let e = set(&Actor::Admin, "b", &[(&"k".repeat(17), "v")]);
    assert_eq!(sc(e.clone()), (400, "metadata_error"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "exceeds chatgroup user metadata single key limit"
    );
    assert!(set(&Actor::Admin, "b", &[(&"k".repeat(16), "")]).is_ok());
    let e = set(&Actor::Admin, "b", &[("k", &"v".repeat(513))]);
    assert_eq!(gerr(e), GroupError::MetaValueTooLong);
    let e = set(&Actor::Admin, "x", &[("k", "v")]);
    assert_eq!(sc(e.clone()), (404, "MetadataException"));
    assert_eq!(e.unwrap_err().to_string(), "user not in group");
    let e = f.run(
        &Actor::Admin,
        SetGroupMemberAttrs {
            group: "404".into(),
            user: u("b"),
            attrs: Default::default(),
        },
    );
    assert_eq!(sc(e.clone()), (404, "metadata_error"));
    assert_eq!(e.unwrap_err().to_string(), "group not exists");
    // Total budget 20 bytes: 10 + 10 fits, one more byte does not.
    let r = set(
        &Actor::Admin,
        "b",
        &[("k1", "12345678"), ("k2", "12345678")],
    )
    .unwrap()
    .reply;
    assert_eq!(r.len(), 2);
    let e = set(&Actor::Admin, "b", &[("k3", "")]);
    assert!(e.is_ok(), "deleting an absent key is fine");
    let e = set(&Actor::Admin, "b", &[("k1", "123456789")]);
    assert_eq!(sc(e.clone()), (400, "metadata_error"));
    assert_eq!(gerr(e), GroupError::MetaTotalTooLong);
    let r = set(&Actor::Admin, "b", &[("k1", ""), ("k3", "x")]).unwrap();
    assert_eq!(r.reply.len(), 1, "deleted keys omitted");
    assert_eq!(
        group_events(&r.events),
        [GroupEvent::MemberAttrsChanged {
            group: g.clone(),
            user: u("b")
        }]
    );
    let got = f.q(GetGroupMemberAttrs {
        group: g.clone(),
        user: u("b"),
    });
    assert_eq!(got.keys().collect::<Vec<_>>(), ["k2", "k3"]);
    assert!(
        f.q(GetGroupMemberAttrs {
            group: g.clone(),
            user: u("c")
        })
        .is_empty()
    );
    let e = f.ask(
        &Actor::Admin,
        GetGroupMemberAttrs {
            group: g.clone(),
            user: u("x"),
        },
    );
    assert_eq!(gerr(e), GroupError::MetaUserNotInGroup);
    // Permissions: self, or the owner for anyone.
    assert!(set(&user("c"), "c", &[("k", "v")]).is_ok());
    assert_eq!(
        gerr(set(&user("c"), "b", &[("k", "v")])),
        GroupError::PermissionDenied
    );
    assert!(set(&user("a"), "b", &[("k4", "v")]).is_ok());
    // Get by keys.
    let e = f.ask(
        &Actor::Admin,
        GetGroupMemberAttrsByKeys {
            group: g.clone(),
            targets: us(&["a", "b", "c"]),
            keys: vec![],
        },
    );
    assert_eq!(e.unwrap_err().to_string(), "query param reaches limit.");
    let e = f.ask(
        &Actor::Admin,
        GetGroupMemberAttrsByKeys {
            group: g.clone(),
            targets: vec![],
            keys: vec![],
        },
    );
    assert_eq!(gerr(e), GroupError::MetaQueryLimit);
    let r = f.q(GetGroupMemberAttrsByKeys {
        group: g.clone(),
        targets: us(&["b", "c"]),
        keys: vec!["k2".into()],
    });
    assert_eq!(r.len(), 1, "only users with a matching key");
    assert_eq!(r[&u("b")]["k2"], "12345678");
    // Leaving drops them (spec OPEN 8).
    f.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("b"),
    });
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("b"),
        need_notify: None,
    });
    assert!(
        f.q(GetGroupMemberAttrs {
            group: g.clone(),
            user: u("b")
        })
        .is_empty()
    );
}

#[test]
fn member_attributes_batch() {
    let mut l = limits();
    l.groups.meta_batch_users_max = 2;
    l.groups.meta_total_bytes_max = 10;
    let f = Fx::with(l);
    f.users(&["a", "b", "c", "x", "y"]);
    let g = f.group("a", &["b", "c"]);
    let kv = |k: &str, v: &str| {
        [(k.to_string(), v.to_string())]
            .into_iter()
            .collect::<indexmap::IndexMap<_, _>>()
    };
    let e = f.run(
        &Actor::Admin,
        BatchSetGroupMemberAttrs {
            group: g.clone(),
            entries: vec![(u("b"), kv("k", "v")); 3],
        },
    );
    assert_eq!(sc(e.clone()), (400, "metadata_error"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "exceeds chatgroup metadata batch put users limit"
    );
    let e = f.run(
        &Actor::Admin,
        BatchSetGroupMemberAttrs {
            group: g.clone(),
            entries: vec![(u("x"), kv("k", "v")), (u("y"), kv("k", "v"))],
        },
    );
    assert_eq!(
        gerr(e.clone()),
        GroupError::MetaNotInGroupBatch(vec!["x".into(), "y".into()])
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "Some users are not in the group: x,y"
    );
    let e = f.run(
        &Actor::Admin,
        BatchSetGroupMemberAttrs {
            group: g.clone(),
            entries: vec![(u("b"), kv("k", "v")), (u("c"), kv("k", "1234567890"))],
        },
    );
    assert_eq!(gerr(e), GroupError::MetaTotalTooLong);
    assert!(
        f.q(GetGroupMemberAttrs {
            group: g.clone(),
            user: u("b")
        })
        .is_empty(),
        "atomic"
    );
    let r = f.ok(BatchSetGroupMemberAttrs {
        group: g.clone(),
        entries: vec![(u("b"), kv("k", "1")), (u("b"), kv("j", "2"))],
    });
    assert_eq!(r.len(), 1, "merged in order");
    assert_eq!(r[0].metadata.len(), 2);
    assert_eq!(
        f.q(GetGroupMemberAttrs {
            group: g.clone(),
            user: u("b")
        })
        .len(),
        2
    );
    let mut l = limits();
    l.groups.member_attrs_enabled = false;
    let f2 = Fx::with(l);
    f2.users(&["a"]);
    let g2 = f2.group("a", &[]);
    let e = f2.ask(
        &Actor::Admin,
        GetGroupMemberAttrs {
            group: g2,
            user: u("a"),
        },
    );
    assert_eq!(sc(e.clone()), (403, "metadata_error"));
    assert_eq!(
        e.unwrap_err().to_string(),
        "chatgroup user metadata service not allow"
    );
}
