//! Cursors over group members, thread members and a user's threads carry a join sequence, so
//! a member leaving (or being kicked) between pages never makes the next page skip anyone.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

fn names(p: &paging::Page<UserName>) -> Vec<String> {
    p.items.iter().map(|n| n.to_string()).collect()
}

fn thread(f: &Fx, g: &GroupId, owner: &str, msg: &str) -> ThreadId {
    f.ok(CreateThread {
        group: Some(g.clone()),
        name: Some("t".into()),
        msg_id: Some(f.m(g, msg)),
        owner: Some(u(owner)),
    })
    .thread_id
}

#[test]
fn member_cursor_continues_past_a_removed_member_of_a_same_instant_batch() {
    for sort in [GroupSort::Asc, GroupSort::Desc] {
        let f = Fx::new();
        f.users(&["o", "a", "b", "c", "d"]);
        let g = f.group("o", &["a", "b", "c", "d"]); // all joined at the same instant
        let list = |cursor: Option<String>| {
            f.q(ListGroupMembersCursor {
                group: g.clone(),
                limit: Some(2),
                cursor,
                sort,
            })
        };
        let p1 = list(None);
        let (first, rest) = match sort {
            GroupSort::Asc => (["a", "b"], ["c", "d"]),
            GroupSort::Desc => (["d", "c"], ["b", "a"]),
        };
        assert_eq!(names(&p1), first);
        // The cursor's member leaves.
        f.ok(RemoveGroupMember {
            group: g.clone(),
            user: u(first[1]),
        });
        let p2 = list(p1.cursor.clone());
        assert_eq!(names(&p2), rest, "{sort:?}: nobody skipped");
        assert!(p2.cursor.is_none(), "{sort:?}: the end");
    }
}

#[test]
fn member_cursor_does_not_repeat_or_skip_when_the_cursor_member_rejoins() {
    let f = Fx::new();
    f.users(&["o", "a", "b", "c"]);
    let g = f.group("o", &["a", "b", "c"]);
    let p1 = f.q(ListGroupMembersCursor {
        group: g.clone(),
        limit: Some(1),
        ..Default::default()
    });
    assert_eq!(names(&p1), ["a"]);
    f.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("a"),
    });
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("a"),
        need_notify: None,
    });
    let p2 = f.q(ListGroupMembersCursor {
        group: g.clone(),
        limit: Some(10),
        cursor: p1.cursor,
        ..Default::default()
    });
    assert_eq!(names(&p2), ["b", "c", "a"], "a rejoined at the end");
}

#[test]
fn thread_member_cursor_continues_past_a_kicked_member() {
    let f = Fx::new();
    f.users(&["o", "a", "b", "c"]);
    let g = f.group("o", &["a", "b", "c"]);
    let t = thread(&f, &g, "o", "m");
    f.ok(JoinThreadMembers {
        thread: t.clone(),
        users: us(&["a", "b", "c"]),
    });
    let p1 = f.q(ListThreadMembers {
        thread: t.clone(),
        limit: Some(2),
        cursor: None,
    });
    assert_eq!(p1.items, us(&["o", "a"]));
    f.ok(KickThreadMembers {
        thread: t.clone(),
        users: us(&["a"]),
    });
    let p2 = f.q(ListThreadMembers {
        thread: t.clone(),
        limit: Some(2),
        cursor: p1.cursor,
    });
    assert_eq!(p2.items, us(&["b", "c"]), "b not skipped");
    let p3 = f.q(ListThreadMembers {
        thread: t.clone(),
        limit: Some(2),
        cursor: p2.cursor,
    });
    assert!(p3.items.is_empty() && p3.cursor.is_none());
}

#[test]
fn user_thread_cursor_continues_past_a_left_thread() {
    for sort in [GroupSort::Asc, GroupSort::Desc] {
        let f = Fx::new();
        f.users(&["o", "a"]);
        let g = f.group("o", &["a"]);
        // Four threads a joins at the same instant.
        let ts: Vec<ThreadId> = (0..4)
            .map(|i| thread(&f, &g, "o", &format!("m{i}")))
            .collect();
        for t in &ts {
            f.ok(JoinThreadMembers {
                thread: t.clone(),
                users: us(&["a"]),
            });
        }
        let list = |cursor: Option<String>| {
            f.q(ListUserThreads {
                user: u("a"),
                limit: Some(2),
                cursor,
                sort: Some(sort),
            })
        };
        let ids = |p: &paging::Page<ThreadInfo>| -> Vec<ThreadId> {
            p.items.iter().map(|t| t.id.clone()).collect()
        };
        let order: Vec<ThreadId> = match sort {
            GroupSort::Asc => ts.clone(),
            GroupSort::Desc => ts.iter().rev().cloned().collect(),
        };
        let p1 = list(None);
        assert_eq!(ids(&p1), order[..2]);
        f.ok(KickThreadMembers {
            thread: order[0].clone(),
            users: us(&["a"]),
        });
        let p2 = list(p1.cursor.clone());
        assert_eq!(ids(&p2), order[2..], "{sort:?}: nobody skipped");
        // Same in one group's list.
        let pg = f.q(ListUserThreadsInGroup {
            group: g.clone(),
            user: u("a"),
            limit: Some(2),
            cursor: p1.cursor.clone(),
            sort: Some(sort),
        });
        assert_eq!(ids(&pg), order[2..]);
    }
}
