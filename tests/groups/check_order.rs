//! Spec §0.5 check order for the self-service and add commands: the group (or thread) must
//! exist before the caller's permission is judged, and the caller's permission is judged
//! before the named users are looked up (so outsiders cannot probe usernames).

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

#[test]
fn an_unknown_group_is_404_before_acting_for_another_user_is_refused() {
    let f = Fx::new();
    f.users(&["a", "b"]);
    let a = user("a");
    let nope = || "nope".to_string();
    let nf = GroupError::GroupNotFound(nope());
    for who in ["a", "b"] {
        let e = f.run(
            &a,
            LeaveGroup {
                group: nope().into(),
                user: u(who),
            },
        );
        assert_eq!(
            sc(e.clone()),
            (404, "resource_not_found"),
            "leave for {who}"
        );
        assert_eq!(gerr(e), nf);
        let e = f.run(
            &a,
            JoinGroup {
                group: nope().into(),
                user: u(who),
            },
        );
        assert_eq!(gerr(e), nf, "join for {who}");
        let e = f.run(
            &a,
            AcceptGroupInvite {
                group: nope().into(),
                user: u(who),
            },
        );
        assert_eq!(gerr(e), nf, "accept for {who}");
        let e = f.run(
            &a,
            DeclineGroupInvite {
                group: nope().into(),
                user: u(who),
            },
        );
        assert_eq!(gerr(e), nf, "decline for {who}");
        let e = f.run(
            &a,
            JoinThread {
                thread: nope().into(),
                user: u(who),
            },
        );
        assert_eq!(sc(e.clone()), (404, "group_error"), "join thread for {who}");
        assert_eq!(gerr(e), GroupError::ThreadNotFound);
        let e = f.run(
            &a,
            LeaveThread {
                thread: nope().into(),
                user: u(who),
            },
        );
        assert_eq!(
            gerr(e),
            GroupError::ThreadNotFound,
            "leave thread for {who}"
        );
    }
    // An existing group: acting for another user is refused.
    let g = f.public_group("a", &["b"]);
    let e = f.run(
        &a,
        LeaveGroup {
            group: g.clone(),
            user: u("b"),
        },
    );
    assert_eq!(sc(e.clone()), (403, "forbidden_op"));
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    assert!(f.is_member(&g, "b"));
}

#[test]
fn outsiders_get_permission_denied_not_user_not_found_when_adding_members() {
    let f = Fx::new();
    f.users(&["o", "m", "x"]);
    let g = f.group("o", &["m"]);
    for actor in [user("x"), user("m")] {
        let e = f.run(
            &actor,
            AddGroupMember {
                group: g.clone(),
                user: u("ghost"),
                need_notify: None,
            },
        );
        assert_eq!(sc(e.clone()), (403, "forbidden_op"));
        assert_eq!(gerr(e), GroupError::PermissionDenied);
        let e = f.run(
            &actor,
            AddGroupMembers {
                group: g.clone(),
                users: us(&["ghost"]),
                need_notify: None,
            },
        );
        assert_eq!(gerr(e), GroupError::PermissionDenied);
        let e = f.run(
            &actor,
            ApproveGroupJoin {
                group: g.clone(),
                user: u("ghost"),
            },
        );
        assert_eq!(gerr(e), GroupError::PermissionDenied);
    }
    // Invites are off for ordinary members of this group.
    let e = f.run(
        &user("x"),
        InviteToGroup {
            group: g.clone(),
            users: us(&["ghost"]),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    // Staff callers do learn that the user is unknown.
    let e = f.run(
        &user("o"),
        AddGroupMember {
            group: g.clone(),
            user: u("ghost"),
            need_notify: None,
        },
    );
    assert_eq!(sc(e.clone()), (404, "resource_not_found"));
    assert_eq!(gerr(e), GroupError::UserNotFound("ghost".into()));
    let e = f.run(
        &user("o"),
        AddGroupMembers {
            group: g.clone(),
            users: us(&["x", "ghost"]),
            need_notify: None,
        },
    );
    assert_eq!(gerr(e), GroupError::UserNotFound("ghost".into()));
    assert!(!f.is_member(&g, "x"), "atomic");
    f.check();
}

#[test]
fn a_user_outside_the_group_may_not_join_or_leave_its_threads() {
    let f = Fx::new();
    f.users(&["o", "m", "x"]);
    let g = f.group("o", &["m"]);
    let t = f
        .ok(CreateThread {
            group: Some(g.clone()),
            name: Some("t".into()),
            msg_id: Some(f.m(&g, "m1")),
            owner: Some(u("o")),
        })
        .thread_id;
    let e = f.run(
        &user("x"),
        JoinThread {
            thread: t.clone(),
            user: u("x"),
        },
    );
    assert_eq!(
        sc(e.clone()),
        (403, "forbidden_op"),
        "roles matrix: non-member ✗"
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    let e = f.run(
        &user("x"),
        LeaveThread {
            thread: t.clone(),
            user: u("x"),
        },
    );
    assert_eq!(gerr(e), GroupError::PermissionDenied);
    // The app admin naming a non-member gets the target error (spec H8 / OPEN 12).
    let e = f.run(
        &Actor::Admin,
        JoinThread {
            thread: t.clone(),
            user: u("x"),
        },
    );
    assert_eq!(sc(e.clone()), (404, "group_error"));
    assert_eq!(gerr(e), GroupError::ThreadUserNotInGroup);
    // A member may.
    assert!(
        f.run(
            &user("m"),
            JoinThread {
                thread: t.clone(),
                user: u("m")
            }
        )
        .unwrap()
        .reply
    );
    assert!(
        f.run(
            &user("m"),
            LeaveThread {
                thread: t.clone(),
                user: u("m")
            }
        )
        .unwrap()
        .reply
    );
    f.check();
}
