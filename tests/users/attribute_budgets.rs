//! Attribute byte budgets (spec 01 §9, §18): 2048 bytes per user, the app budget, and the
//! 4096-byte write cap, each at n-1, n and n+1; a refused write changes nothing.

use crate::fixture::users::*;
use imcore::limits::ATTR_WRITE_BYTES_MAX;
use imcore::*;

fn attrs(app: &App, who: &str) -> indexmap::IndexMap<String, String> {
    app.query(&Actor::Admin, T0, GetAttributes { username: n(who) })
        .unwrap()
}

const USER_MSG: &str =
    "size of metadata for this single user exceeds the user defined limit, 2048Bytes";

#[test]
fn per_user_budget_edges() {
    let app = app();
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    // size = key bytes + value bytes.
    set_attrs(&app, "a", &[("k", &"v".repeat(2046))]).unwrap(); // n-1
    set_attrs(&app, "b", &[("k", &"v".repeat(2047))]).unwrap(); // n
    assert_err_desc(
        set_attrs(&app, "c", &[("k", &"v".repeat(2048))]), // n+1
        403,
        "FORBIDDEN",
        USER_MSG,
    );
    assert!(attrs(&app, "c").is_empty());
    assert_eq!(capacity(&app), 2047 + 2048);
    // a has one byte left; b none.
    set_attrs(&app, "a", &[("z", "")]).unwrap();
    assert_err_desc(
        set_attrs(&app, "b", &[("z", "")]),
        403,
        "FORBIDDEN",
        USER_MSG,
    );
    assert_eq!(capacity(&app), 2048 + 2048);
    check(&app);
}

#[test]
fn per_user_budget_counts_utf8_bytes_across_writes() {
    let app = app();
    reg(&app, "a");
    // 'é' is two bytes: 1 + 2*1023 = 2047.
    set_attrs(&app, "a", &[("k", &"é".repeat(1023))]).unwrap();
    set_attrs(&app, "a", &[("j", "")]).unwrap(); // 2048
    assert_err(set_attrs(&app, "a", &[("i", "")]), 403, "FORBIDDEN");
    check(&app);
}

#[test]
fn overwriting_counts_only_the_difference() {
    let app = app();
    reg(&app, "a");
    set_attrs(&app, "a", &[("k", &"v".repeat(2047))]).unwrap();
    // Same size: fits.
    set_attrs(&app, "a", &[("k", &"w".repeat(2047))]).unwrap();
    // Shrink, then another key fits into the freed bytes.
    set_attrs(&app, "a", &[("k", &"w".repeat(1000))]).unwrap();
    assert_eq!(capacity(&app), 1001);
    set_attrs(&app, "a", &[("m", &"x".repeat(1046))]).unwrap();
    assert_eq!(capacity(&app), 2048);
    // Replacing one key while adding another, net over the budget: refused whole.
    assert_err(
        set_attrs(&app, "a", &[("k", ""), ("n", &"y".repeat(1001))]),
        403,
        "FORBIDDEN",
    );
    assert_eq!(attrs(&app, "a")["k"].len(), 1000);
    // Net within the budget: fine.
    set_attrs(&app, "a", &[("k", ""), ("n", &"y".repeat(999))]).unwrap();
    assert_eq!(capacity(&app), 2048);
    check(&app);
}

#[test]
fn the_per_user_budget_comes_from_limits() {
    let app = app_with(Limits {
        attr_bytes_per_user: 10,
        ..Limits::default()
    });
    reg(&app, "a");
    set_attrs(&app, "a", &[("k", "123456789")]).unwrap();
    assert_err_desc(
        set_attrs(&app, "a", &[("k", "1234567890")]),
        403,
        "FORBIDDEN",
        "size of metadata for this single user exceeds the user defined limit, 10Bytes",
    );
    check(&app);
}

#[test]
fn app_budget_edges() {
    let app = app_with(Limits {
        attr_bytes_per_app: 100,
        attr_bytes_per_user: 60,
        ..Limits::default()
    });
    for u in ["a", "b", "c"] {
        reg(&app, u);
    }
    let msg = "total size of user metadata for this app exceeds the user defined limit, 100Bytes";
    set_attrs(&app, "a", &[("k", &"v".repeat(59))]).unwrap(); // 60
    set_attrs(&app, "b", &[("k", &"v".repeat(38))]).unwrap(); // 99: n-1
    assert_eq!(capacity(&app), 99);
    assert_err_desc(
        set_attrs(&app, "c", &[("k", "v")]), // 101: n+1
        403,
        "FORBIDDEN",
        msg,
    );
    assert!(attrs(&app, "c").is_empty());
    assert_eq!(capacity(&app), 99);
    set_attrs(&app, "c", &[("k", "")]).unwrap(); // 100: n
    assert_eq!(capacity(&app), 100);
    check(&app);
    // At the cap: same-size overwrites and shrinking still work; growth does not.
    set_attrs(&app, "a", &[("k", &"w".repeat(59))]).unwrap();
    assert_err_desc(set_attrs(&app, "c", &[("j", "")]), 403, "FORBIDDEN", msg);
    // The per-user budget is checked first.
    assert_err(set_attrs(&app, "a", &[("x", "")]), 403, "FORBIDDEN");
    let e = set_attrs(&app, "a", &[("x", "")]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("size of metadata for this single user")
    );
    set_attrs(&app, "b", &[("k", "")]).unwrap(); // 60 + 1 + 1
    assert_eq!(capacity(&app), 62);
    check(&app);
    // Deleting attributes and deleting users both free the app budget.
    app.execute(&Actor::Admin, T0, DeleteAttributes { username: n("a") })
        .unwrap();
    assert_eq!(capacity(&app), 2);
    set_attrs(&app, "b", &[("k", &"v".repeat(59))]).unwrap();
    assert_eq!(capacity(&app), 61);
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("b") })
        .unwrap();
    assert_eq!(capacity(&app), 1);
    set_attrs(&app, "a", &[("k", &"v".repeat(59))]).unwrap();
    check(&app);
}

#[test]
fn write_size_edges() {
    // A per-user budget above the write cap, so that the write cap is what is tested.
    let app = app_with(Limits {
        attr_bytes_per_user: 16 * 1024,
        ..Limits::default()
    });
    reg(&app, "a");
    // {"k":"<n bytes>"} is n + 8 bytes of compact JSON.
    let fit = ATTR_WRITE_BYTES_MAX - 8;
    set_attrs(&app, "a", &[("k", &"v".repeat(fit - 1))]).unwrap();
    set_attrs(&app, "a", &[("k", &"v".repeat(fit))]).unwrap();
    assert_err_desc(
        set_attrs(&app, "a", &[("k", &"v".repeat(fit + 1))]),
        413,
        "Request Entity Too Large",
        "Request Entity Too Large",
    );
    assert_eq!(attrs(&app, "a")["k"].len(), fit);
    // Escapes count as JSON writes them: '"' is two bytes.
    let half = fit / 2;
    set_attrs(&app, "a", &[("q", &"\"".repeat(half))]).unwrap();
    assert_err(
        set_attrs(&app, "a", &[("q", &"\"".repeat(half + 1))]),
        413,
        "Request Entity Too Large",
    );
    // Several pairs: {"a":"x","b":"y"} is 17 bytes; commas and quotes count.
    let two = |n: usize| [("a", "x".repeat(n)), ("b", "y".to_string())];
    // 17 - 1 + n bytes with an n-byte first value.
    let n_fit = ATTR_WRITE_BYTES_MAX - 16;
    let p = two(n_fit);
    set_attrs(&app, "a", &[(p[0].0, &p[0].1), (p[1].0, &p[1].1)]).unwrap();
    let p = two(n_fit + 1);
    assert_err(
        set_attrs(&app, "a", &[(p[0].0, &p[0].1), (p[1].0, &p[1].1)]),
        413,
        "Request Entity Too Large",
    );
    check(&app);
}

#[test]
fn write_cap_is_checked_before_the_user_and_the_budget() {
    let app = app();
    reg(&app, "a");
    let big = "v".repeat(ATTR_WRITE_BYTES_MAX);
    assert_err(
        set_attrs(&app, "ghost", &[("k", &big)]),
        413,
        "Request Entity Too Large",
    );
    // Within the write cap but over the user budget: the budget error.
    assert_err_desc(
        set_attrs(&app, "a", &[("k", &"v".repeat(ATTR_WRITE_BYTES_MAX - 8))]),
        403,
        "FORBIDDEN",
        USER_MSG,
    );
}
