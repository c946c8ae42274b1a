//! Thread-creator and file-uploader rights belong to the user (their id), not to their name:
//! someone who re-registers a deleted user's name inherits neither.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;

fn upload(f: &Fx, who: &Actor, g: &GroupId) -> String {
    f.run(
        who,
        UploadGroupFile {
            group: g.clone(),
            file_name: Some("x".into()),
            file_size: 1,
        },
    )
    .unwrap()
    .reply
    .file_id
}

#[test]
fn a_reregistered_name_does_not_inherit_thread_creator_or_file_owner_rights() {
    let f = Fx::new();
    f.users(&["o", "bob"]);
    let g = f.group("o", &["bob"]);
    let file = upload(&f, &user("bob"), &g);
    let t = f
        .run(
            &user("bob"),
            CreateThread {
                group: Some(g.clone()),
                name: Some("t".into()),
                msg_id: Some(f.m(&g, "m")),
                owner: Some(u("bob")),
            },
        )
        .unwrap()
        .reply
        .thread_id;
    // The original bob has both rights.
    assert!(
        f.run(
            &user("bob"),
            RenameThread {
                thread: t.clone(),
                name: "his".into()
            }
        )
        .is_ok()
    );
    f.delete_user("bob");
    f.users(&["bob"]); // a different person takes the name
    f.ok(AddGroupMember {
        group: g.clone(),
        user: u("bob"),
        need_notify: None,
    });
    let r = f.run(
        &user("bob"),
        RenameThread {
            thread: t.clone(),
            name: "mine".into(),
        },
    );
    assert_eq!(sc(r), (403, "forbidden_op"));
    assert_eq!(
        gerr(f.run(
            &user("bob"),
            RenameThread {
                thread: t.clone(),
                name: "mine".into()
            }
        )),
        GroupError::PermissionDenied
    );
    let d = f.run(
        &user("bob"),
        DeleteGroupFile {
            group: g.clone(),
            file_id: file.clone(),
        },
    );
    assert_eq!(gerr(d), GroupError::PermissionDenied);
    // The file and the thread's name are untouched; the new bob's own upload is theirs.
    assert!(
        f.q(GetGroupFile {
            group: g.clone(),
            file_id: file.clone()
        })
        .file_id
            == file
    );
    let mine = upload(&f, &user("bob"), &g);
    assert!(
        f.run(
            &user("bob"),
            DeleteGroupFile {
                group: g.clone(),
                file_id: mine
            }
        )
        .unwrap()
        .reply
    );
    f.check();
}

#[test]
fn a_member_may_not_delete_a_file_the_app_admin_uploaded() {
    let f = Fx::new();
    f.users(&["o", "admin"]);
    let g = f.group("o", &["admin"]);
    let file = upload(&f, &Actor::Admin, &g);
    let d = f.run(
        &user("admin"),
        DeleteGroupFile {
            group: g.clone(),
            file_id: file.clone(),
        },
    );
    assert_eq!(sc(d), (403, "forbidden_op"));
    assert!(
        f.run(
            &user("o"),
            DeleteGroupFile {
                group: g.clone(),
                file_id: file
            }
        )
        .unwrap()
        .reply,
        "the group owner may"
    );
}
