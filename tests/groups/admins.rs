//! Admins (spec §6): list in promotion order, promote, demote, the 99-admin cap, and what
//! happens to an admin who leaves.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn promote_list_demote() {
    let f = Fx::new();
    f.users(&["a", "b", "c", "d"]);
    let g = f.group("a", &["b", "c"]);
    let add = |who: &str| {
        f.run(
            &Actor::Admin,
            AddGroupAdmin {
                group: g.clone(),
                user: u(who),
            },
        )
    };
    let out = add("c").unwrap();
    assert_eq!(out.reply, u("c"));
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::AdminAdded {
            group: g.clone(),
            user: u("c")
        }]
    );
    add("b").unwrap();
    assert_eq!(
        f.q(ListGroupAdmins { group: g.clone() }),
        us(&["c", "b"]),
        "promotion order"
    );
    assert!(
        add("b").unwrap().events.is_empty(),
        "already admin: success, no change"
    );
    let e = add("a");
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(gerr(e), GroupError::OwnerForbidden);
    let e = add("d");
    assert_eq!(sc(e.clone()), (404, "resource_not_found"));
    assert_eq!(
        e.unwrap_err().to_string(),
        format!("user: d doesn't exist in group: {g}")
    );
    let e = f.run(
        &Actor::Admin,
        AddGroupAdmin {
            group: "404".into(),
            user: u("b"),
        },
    );
    assert_eq!(gerr(e), GroupError::GroupNotFound("404".into()));
    let out = f
        .run(
            &Actor::Admin,
            RemoveGroupAdmin {
                group: g.clone(),
                user: u("c"),
            },
        )
        .unwrap();
    assert_eq!(out.reply, u("c"));
    assert_eq!(
        group_events(&out.events),
        [GroupEvent::AdminRemoved {
            group: g.clone(),
            user: u("c")
        }]
    );
    assert!(f.is_member(&g, "c"), "stays a member");
    for who in ["c", "a", "d", "ghost"] {
        let e = f.run(
            &Actor::Admin,
            RemoveGroupAdmin {
                group: g.clone(),
                user: u(who),
            },
        );
        assert_eq!(sc(e.clone()), (403, "forbidden_op"), "{who}");
        assert_eq!(
            e.unwrap_err().to_string(),
            format!("user:{who} is not admin of group:{g}")
        );
    }
    let e = f.run(
        &Actor::Admin,
        RemoveGroupAdmin {
            group: "404".into(),
            user: u("b"),
        },
    );
    assert_eq!(sc(e), (404, "resource_not_found"));
    f.check();
}

#[test]
fn admin_cap_at_its_edge() {
    let mut l = limits();
    l.groups.admins_max = 3;
    let f = Fx::with(l);
    f.users(&["o", "a1", "a2", "a3", "a4"]);
    let g = f.group("o", &["a1", "a2", "a3", "a4"]);
    for a in ["a1", "a2"] {
        f.ok(AddGroupAdmin {
            group: g.clone(),
            user: u(a),
        });
    }
    // n-1 → n succeeds, n → n+1 fails.
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupAdmin {
                group: g.clone(),
                user: u("a3")
            }
        )
        .is_ok()
    );
    let e = f.run(
        &Actor::Admin,
        AddGroupAdmin {
            group: g.clone(),
            user: u("a4"),
        },
    );
    assert_eq!(sc(e.clone()), (403, "exceed_limit"));
    assert_eq!(e.unwrap_err().to_string(), "admin count exceeds limit 3");
    // Re-promoting an admin at the cap is still a no-op success.
    assert!(
        f.run(
            &Actor::Admin,
            AddGroupAdmin {
                group: g.clone(),
                user: u("a3")
            }
        )
        .is_ok()
    );
    f.check();
}

#[test]
fn default_admin_cap_is_99() {
    assert_eq!(Limits::default().groups.admins_max, 99);
}

#[test]
fn an_admin_who_leaves_loses_the_role() {
    let f = Fx::new();
    f.users(&["a", "b", "c", "d"]);
    let g = f.group("a", &["b", "c", "d"]);
    for x in ["b", "c", "d"] {
        f.ok(AddGroupAdmin {
            group: g.clone(),
            user: u(x),
        });
    }
    f.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("b"),
    });
    f.ok(BlockGroupMember {
        group: g.clone(),
        user: u("c"),
    });
    f.run(
        &user("d"),
        LeaveGroup {
            group: g.clone(),
            user: u("d"),
        },
    )
    .unwrap();
    assert!(f.q(ListGroupAdmins { group: g.clone() }).is_empty());
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("b"),
        need_notify: None,
    });
    assert!(
        f.q(ListGroupAdmins { group: g.clone() }).is_empty(),
        "rejoining does not restore it"
    );
    f.check();
}
