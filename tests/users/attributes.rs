//! User attributes (spec 01 §9): merge semantics, who may read and write, unknown users,
//! batch get with its 100-target cap, delete, capacity, and the feature switch.

use crate::fixture::users::*;
use imcore::limits::BATCH_GET_TARGETS_MAX;
use imcore::*;
use indexmap::IndexMap;

fn map(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn set_as(
    app: &App,
    actor: &Actor,
    who: &str,
    pairs: &[(&str, &str)],
) -> Result<Output<IndexMap<String, String>>> {
    app.execute(
        actor,
        T0,
        SetAttributes {
            username: n(who),
            pairs: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
    )
}

fn get_as(app: &App, actor: &Actor, who: &str) -> Result<IndexMap<String, String>> {
    app.query(actor, T0, GetAttributes { username: n(who) })
}

fn batch_get(
    app: &App,
    actor: &Actor,
    targets: &[&str],
    props: &[&str],
) -> Result<IndexMap<String, IndexMap<String, String>>> {
    app.query(
        actor,
        T0,
        BatchGetAttributes {
            targets: targets.iter().map(|s| s.to_string()).collect(),
            properties: props.iter().map(|s| s.to_string()).collect(),
        },
    )
}

fn delete_as(app: &App, actor: &Actor, who: &str) -> Result<Output<bool>> {
    app.execute(actor, T0, DeleteAttributes { username: n(who) })
}

#[test]
fn set_merges_and_returns_only_the_pairs_sent() {
    let app = app();
    reg(&app, "a");
    let out = set_attrs(&app, "a", &[("nickname", "Ann"), ("phone", "1")]).unwrap();
    assert_eq!(out.reply, map(&[("nickname", "Ann"), ("phone", "1")]));
    assert_eq!(
        out.events,
        vec![Event::AttributesSet {
            user: n("a"),
            keys: vec!["nickname".into(), "phone".into()]
        }]
    );
    let out = set_attrs(&app, "a", &[("phone", "22"), ("sign", "")]).unwrap();
    assert_eq!(out.reply, map(&[("phone", "22"), ("sign", "")]));
    assert_eq!(
        get_as(&app, &Actor::Admin, "a").unwrap(),
        map(&[("nickname", "Ann"), ("phone", "22"), ("sign", "")])
    );
    // A key sent twice: the last value wins, listed once.
    let out = set_attrs(&app, "a", &[("x", "1"), ("y", "2"), ("x", "3")]).unwrap();
    assert_eq!(out.reply, map(&[("x", "3"), ("y", "2")]));
    assert_eq!(
        out.events,
        vec![Event::AttributesSet {
            user: n("a"),
            keys: vec!["x".into(), "y".into()]
        }]
    );
    assert_eq!(get_as(&app, &Actor::Admin, "a").unwrap()["x"], "3");
    // Size counts key + value bytes.
    assert_eq!(capacity(&app), (8 + 3) + (5 + 2) + 4 + 2 + 2);
    check(&app);
}

/// Overwriting a value with one of the same length (copied into the stored one), a longer
/// and a shorter one: each read back as sent, with the byte counts following.
#[test]
fn overwrites_of_every_length_read_back_as_sent() {
    let app = app();
    reg(&app, "a");
    set_attrs(&app, "a", &[("k", "abc"), ("other", "x")]).unwrap();
    for v in ["xyz", "é1", "longer value", "", "q"] {
        let out = set_attrs(&app, "a", &[("k", v)]).unwrap();
        assert_eq!(out.reply, map(&[("k", v)]));
        let all = get_as(&app, &Actor::Admin, "a").unwrap();
        assert_eq!(all, map(&[("k", v), ("other", "x")]), "{v:?}");
        assert_eq!(capacity(&app), (1 + v.len() + 5 + 1) as u64, "{v:?}");
    }
    check(&app);
}

#[test]
fn who_may_set() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    set_as(&app, &user("a"), "a", &[("k", "v")]).unwrap();
    assert_err_desc(
        set_as(&app, &user("b"), "a", &[("k", "w")]),
        401,
        "metadata_error",
        "auth error",
    );
    assert_err(
        set_as(&app, &Actor::Anonymous, "a", &[("k", "w")]),
        401,
        "unauthorized",
    );
    assert_eq!(
        get_as(&app, &Actor::Admin, "a").unwrap(),
        map(&[("k", "v")])
    );
}

#[test]
fn set_input_errors() {
    let app = app();
    reg(&app, "a");
    assert_err(set_attrs(&app, "a", &[]), 400, "illegal_argument");
    assert_err(set_attrs(&app, "a", &[("", "v")]), 400, "illegal_argument");
    assert_err(
        set_attrs(&app, "a", &[("k", "v"), ("", "v")]),
        400,
        "illegal_argument",
    );
    assert_err_desc(
        set_attrs(&app, "ghost", &[("k", "v")]),
        404,
        "service_resource_not_found",
        "Service resource not found",
    );
    // Input errors come before the user lookup.
    assert_err(set_attrs(&app, "ghost", &[]), 400, "illegal_argument");
    assert!(get_as(&app, &Actor::Admin, "a").unwrap().is_empty());
    assert_eq!(capacity(&app), 0);
    check(&app);
}

#[test]
fn who_may_get_and_unknown_users_read_empty() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    set_attrs(&app, "a", &[("k", "v")]).unwrap();
    assert_eq!(get_as(&app, &user("a"), "a").unwrap(), map(&[("k", "v")]));
    assert_err_desc(
        get_as(&app, &user("b"), "a"),
        401,
        "metadata_error",
        "auth error",
    );
    assert_err(get_as(&app, &Actor::Anonymous, "a"), 401, "unauthorized");
    assert!(get_as(&app, &Actor::Admin, "ghost").unwrap().is_empty());
    assert!(get_as(&app, &Actor::Admin, "b").unwrap().is_empty());
}

#[test]
fn batch_get_returns_every_target_and_only_listed_properties() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    reg(&app, "c");
    set_attrs(
        &app,
        "a",
        &[("nickname", "Ann"), ("phone", "1"), ("mail", "m")],
    )
    .unwrap();
    set_attrs(&app, "b", &[("phone", "2")]).unwrap();
    let got = batch_get(
        &app,
        &Actor::Admin,
        &["A", "b", "c", "ghost", "a", "not a name"],
        &["phone", "nickname", "absent"],
    )
    .unwrap();
    let mut want = IndexMap::new();
    want.insert("a".to_string(), map(&[("phone", "1"), ("nickname", "Ann")]));
    want.insert("b".to_string(), map(&[("phone", "2")]));
    want.insert("c".to_string(), IndexMap::new());
    want.insert("ghost".to_string(), IndexMap::new());
    want.insert("not a name".to_string(), IndexMap::new());
    assert_eq!(got, want);
    assert_eq!(
        batch_get(&app, &Actor::Admin, &["a"], &["mail"]).unwrap()["a"],
        map(&[("mail", "m")])
    );
    // A user reads only themself (issue 14), as with GetAttributes.
    assert_eq!(
        batch_get(&app, &user("a"), &["A", "a"], &["mail"]).unwrap()["a"],
        map(&[("mail", "m")])
    );
    assert_err(
        batch_get(&app, &user("c"), &["c", "a"], &["phone"]),
        401,
        "metadata_error",
    );
}

#[test]
fn batch_get_errors_and_the_target_cap() {
    let app = app();
    reg(&app, "a");
    assert_err(
        batch_get(&app, &Actor::Anonymous, &["a"], &["k"]),
        401,
        "unauthorized",
    );
    assert_err(
        batch_get(&app, &Actor::Admin, &[], &["k"]),
        400,
        "illegal_argument",
    );
    assert_err(
        batch_get(&app, &Actor::Admin, &["a"], &[]),
        400,
        "illegal_argument",
    );
    let names: Vec<String> = (0..=BATCH_GET_TARGETS_MAX)
        .map(|i| format!("t{i}"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for size in [BATCH_GET_TARGETS_MAX - 1, BATCH_GET_TARGETS_MAX] {
        let got = batch_get(&app, &Actor::Admin, &refs[..size], &["k"]).unwrap();
        assert_eq!(got.len(), size);
    }
    assert_err_desc(
        batch_get(&app, &Actor::Admin, &refs, &["k"]),
        400,
        "BAD_REQUEST",
        "exceed allowed batch size 100",
    );
    // The size check comes before the emptiness check.
    assert_err(
        batch_get(&app, &Actor::Admin, &refs, &[]),
        400,
        "BAD_REQUEST",
    );
}

#[test]
fn delete_frees_bytes_and_is_idempotent() {
    let app = app();
    reg(&app, "a");
    reg(&app, "b");
    set_attrs(&app, "a", &[("k", "vv")]).unwrap();
    set_attrs(&app, "b", &[("k", "v")]).unwrap();
    assert_err_desc(
        delete_as(&app, &user("b"), "a"),
        401,
        "metadata_error",
        "auth error",
    );
    assert_err(delete_as(&app, &Actor::Anonymous, "a"), 401, "unauthorized");
    let out = delete_as(&app, &user("a"), "a").unwrap();
    assert!(out.reply);
    assert_eq!(out.events, vec![Event::AttributesDeleted { user: n("a") }]);
    assert!(get_as(&app, &Actor::Admin, "a").unwrap().is_empty());
    assert_eq!(capacity(&app), 2);
    let again = delete_as(&app, &Actor::Admin, "a").unwrap();
    assert!(again.reply);
    assert!(again.events.is_empty());
    let ghost = delete_as(&app, &Actor::Admin, "ghost").unwrap();
    assert!(ghost.reply);
    assert!(ghost.events.is_empty());
    check(&app);
    // Attributes can be set again after a delete.
    set_attrs(&app, "a", &[("k2", "v")]).unwrap();
    assert_eq!(capacity(&app), 5);
    check(&app);
}

#[test]
fn capacity_is_admin_only_and_starts_at_zero() {
    let app = app();
    reg(&app, "a");
    assert_eq!(capacity(&app), 0);
    assert_err(
        app.query(&user("a"), T0, AttributeCapacity),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(&Actor::Anonymous, T0, AttributeCapacity),
        401,
        "unauthorized",
    );
}

#[test]
fn switched_off_attributes_refuse_every_call() {
    let app = app_with(Limits {
        metadata_enabled: false,
        ..Limits::default()
    });
    reg(&app, "a");
    let msg = "org#app user metadata service not allow";
    // The switch is checked before the caller.
    assert_err_desc(
        set_as(&app, &user("zz"), "a", &[("k", "v")]),
        403,
        "FORBIDDEN",
        msg,
    );
    assert_err_desc(set_attrs(&app, "a", &[("k", "v")]), 403, "FORBIDDEN", msg);
    assert_err_desc(get_as(&app, &Actor::Admin, "a"), 403, "FORBIDDEN", msg);
    assert_err_desc(
        batch_get(&app, &Actor::Admin, &["a"], &["k"]),
        403,
        "FORBIDDEN",
        msg,
    );
    assert_err_desc(delete_as(&app, &Actor::Admin, "a"), 403, "FORBIDDEN", msg);
    assert_err_desc(
        app.query(&Actor::Admin, T0, AttributeCapacity),
        403,
        "FORBIDDEN",
        msg,
    );
}
