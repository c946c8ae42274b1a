//! App super admins (spec 03 §3.1).

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn list(app: &App, n: Option<u32>, s: Option<u32>) -> Vec<String> {
    let p = ask(
        app,
        &admin(),
        ListRoomSuperAdmins {
            pagenum: n,
            pagesize: s,
        },
    )
    .unwrap();
    assert_eq!(p.count, p.data.len());
    p.data.iter().map(|u| u.to_string()).collect()
}

#[test]
fn add_is_idempotent_and_ordered() {
    let app = app(&["a", "b", "c"]);
    for n in ["b", "a", "b", "c"] {
        run(&app, &admin(), AddRoomSuperAdmin { user: un(n) }).unwrap();
    }
    assert_eq!(list(&app, None, None), ["b", "a", "c"]);
    assert_eq!(list(&app, Some(2), Some(2)), ["c"]);
    assert_eq!(list(&app, Some(3), Some(2)), Vec::<String>::new());
    assert_eq!(list(&app, Some(0), Some(0)), ["b"]);
    check(&app);
}

#[test]
fn page_size_defaults_to_10_and_clamps_to_1000() {
    let names: Vec<String> = (0..1002).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = app(&refs);
    for n in &refs {
        run(&app, &admin(), AddRoomSuperAdmin { user: un(n) }).unwrap();
    }
    assert_eq!(list(&app, None, None).len(), 10);
    assert_eq!(list(&app, None, Some(999)).len(), 999);
    assert_eq!(list(&app, None, Some(1000)).len(), 1000);
    assert_eq!(list(&app, None, Some(1001)).len(), 1000);
    assert_eq!(list(&app, Some(2), Some(1001)), ["u1000", "u1001"]);
}

#[test]
fn errors() {
    let app = app(&["a"]);
    assert_err(
        run(&app, &admin(), AddRoomSuperAdmin { user: un("ghost") }),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    assert_err(
        run(&app, &admin(), RemoveRoomSuperAdmin { user: un("ghost") }),
        404,
        "resource_not_found",
        "username ghost doesn't exist!",
    );
    let e = run(&app, &u("a"), AddRoomSuperAdmin { user: un("a") }).unwrap_err();
    assert_eq!((e.status(), e.code()), (401, "unauthorized"));
    let e = ask(&app, &u("a"), ListRoomSuperAdmins::default()).unwrap_err();
    assert_eq!((e.status(), e.code()), (401, "unauthorized"));
}

#[test]
fn remove_keeps_existing_rooms_and_stops_new_ones() {
    let app = app(&["s"]);
    run(&app, &admin(), AddRoomSuperAdmin { user: un("s") }).unwrap();
    let id = run(&app, &u("s"), create_cmd("s")).unwrap();
    // Not a super admin: success, no change.
    assert_eq!(
        run(&app, &admin(), RemoveRoomSuperAdmin { user: un("s") }).unwrap(),
        un("s")
    );
    run(&app, &admin(), RemoveRoomSuperAdmin { user: un("s") }).unwrap();
    assert!(list(&app, None, None).is_empty());
    assert_eq!(members(&app, id), ["owner:s"]);
    assert_err(
        run(&app, &u("s"), create_cmd("s")),
        401,
        "group_authorization",
        PERM,
    );
}

#[test]
fn deleting_a_user_removes_them_from_the_set() {
    let app = app(&["s", "t"]);
    run(&app, &admin(), AddRoomSuperAdmin { user: un("s") }).unwrap();
    run(&app, &admin(), AddRoomSuperAdmin { user: un("t") }).unwrap();
    run(&app, &admin(), DeleteUser { username: un("s") }).unwrap();
    assert_eq!(list(&app, None, None), ["t"]);
    // A new user with the same name is not a super admin.
    register(&app, &["s"]);
    assert_eq!(list(&app, None, None), ["t"]);
    check(&app);
}
