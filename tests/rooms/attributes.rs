//! Custom room attributes (spec 03 §3.9): ownership, force, per-key results, limits,
//! auto-delete.

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;

fn owners(app: &App, room: RoomId) -> Vec<(String, Option<String>)> {
    ask(app, &admin(), GetRoomAttributeOwners { room })
        .unwrap()
        .into_iter()
        .map(|(k, o)| (k, o.map(|u| u.to_string())))
        .collect()
}

fn del(
    app: &App,
    actor: &Actor,
    room: RoomId,
    keys: &[&str],
    forced: bool,
) -> Result<RoomAttrResult> {
    run(
        app,
        actor,
        DeleteRoomAttributes {
            room,
            operator: None,
            keys: keys.iter().map(|k| k.to_string()).collect(),
            forced,
        },
    )
}

fn ok_keys(keys: &[&str]) -> RoomAttrResult {
    RoomAttrResult {
        success_keys: keys.iter().map(|k| k.to_string()).collect(),
        error_keys: Default::default(),
    }
}

#[test]
fn set_records_the_owner_and_others_cannot_overwrite_without_force() {
    let app = app(&["o", "a", "b"]);
    let id = create(&app, "o", &["a", "b"]);
    let out = app
        .execute(
            &u("a"),
            T0,
            SetRoomAttributes {
                room: id,
                operator: None,
                attrs: [("k1", "v1"), ("k2", "v2")]
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                auto_delete: None,
                forced: false,
            },
        )
        .unwrap();
    assert_eq!(out.reply, ok_keys(&["k1", "k2"]));
    assert_eq!(
        out.events,
        vec![Event::Room(RoomEvent::AttributesUpdated {
            room: id,
            keys: vec!["k1".into(), "k2".into()],
            operator: Some(un("a"))
        })]
    );
    // b: one key conflicts, the other is new; per-key results.
    let out = set_attrs(&app, &u("b"), id, &[("k1", "x"), ("k3", "y")], None, false).unwrap();
    assert_eq!(out.success_keys, ["k3"]);
    assert_eq!(
        out.error_keys.get("k1").map(String::as_str),
        Some("others are not allowed to be set")
    );
    assert_eq!(
        attrs(&app, id),
        [("k1", "v1"), ("k2", "v2"), ("k3", "y")].map(|(k, v)| (k.to_string(), v.to_string()))
    );
    // The owner overwrites their own key.
    assert_eq!(
        set_attrs(&app, &u("a"), id, &[("k1", "v1b")], None, false).unwrap(),
        ok_keys(&["k1"])
    );
    // Forced: ownership ignored, owner replaced.
    assert_eq!(
        set_attrs(
            &app,
            &u("b"),
            id,
            &[("k1", "forced")],
            Some("NO_DELETE"),
            true
        )
        .unwrap(),
        ok_keys(&["k1"])
    );
    assert_eq!(owners(&app, id)[0], ("k1".into(), Some("b".into())));
    assert_eq!(
        set_attrs(&app, &u("a"), id, &[("k1", "back")], None, false)
            .unwrap()
            .error_keys
            .len(),
        1
    );
    check(&app);
}

#[test]
fn delete_own_others_forced_and_absent() {
    let app = app(&["o", "a", "b"]);
    let id = create(&app, "o", &["a", "b"]);
    set_attrs(&app, &u("a"), id, &[("ka", "1"), ("kb", "2")], None, false).unwrap();
    let out = del(&app, &u("b"), id, &["ka", "nope"], false).unwrap();
    assert!(out.success_keys.is_empty());
    assert_eq!(
        out.error_keys.get("ka").map(String::as_str),
        Some("properties key 'ka' is not part of you")
    );
    assert_eq!(
        out.error_keys.get("nope").map(String::as_str),
        Some("properties key 'nope' is not exist")
    );
    let ev = app
        .execute(
            &u("b"),
            T0,
            DeleteRoomAttributes {
                room: id,
                operator: None,
                keys: vec!["ka".into(), "ka".into(), "zz".into()],
                forced: true,
            },
        )
        .unwrap();
    assert_eq!(ev.reply.success_keys, ["ka"]);
    assert_eq!(
        ev.reply.error_keys.get("zz").map(String::as_str),
        Some("properties key 'zz' is not exist")
    );
    assert_eq!(
        ev.events,
        vec![Event::Room(RoomEvent::AttributesRemoved {
            room: id,
            keys: vec!["ka".into()],
            operator: Some(un("b"))
        })]
    );
    assert_eq!(
        del(&app, &u("a"), id, &["kb"], false).unwrap(),
        ok_keys(&["kb"])
    );
    assert!(attrs(&app, id).is_empty());
    check(&app);
}

#[test]
fn request_level_errors_in_order() {
    let app = app(&["o", "a", "x"]);
    let id = create(&app, "o", &["a"]);
    assert_err(
        set_attrs(&app, &u("x"), RoomId(999), &[], None, false),
        404,
        "resource_not_found",
        "grpID 999 does not exist!",
    );
    assert_err(
        set_attrs(&app, &u("x"), id, &[], None, false),
        400,
        "illegal_argument",
        "metaData must be provided",
    );
    let eleven: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".into())).collect();
    let refs: Vec<(&str, &str)> = eleven
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_err(
        set_attrs(&app, &u("x"), id, &refs, None, false),
        400,
        "illegal_argument",
        "exceed allowed batch size 10",
    );
    assert_eq!(
        set_attrs(&app, &u("a"), id, &refs[..10], None, false)
            .unwrap()
            .success_keys
            .len(),
        10
    );
    assert_err(
        set_attrs(&app, &u("x"), id, &[("k", "v")], None, false),
        401,
        "MetadataException",
        "user is not in chatroom",
    );
    assert_err(
        set_attrs(&app, &u("x"), id, &[("k", "v")], None, true),
        401,
        "MetadataException",
        "user is not in chatroom",
    );
    // The pseudo-operator admin: forced only.
    assert_err(
        set_attrs(&app, &admin(), id, &[("k", "v")], None, false),
        401,
        "MetadataException",
        "user is not in chatroom",
    );
    assert_eq!(
        set_attrs(&app, &admin(), id, &[("adm", "v")], None, true).unwrap(),
        ok_keys(&["adm"])
    );
    assert!(owners(&app, id).contains(&("adm".to_string(), None)));
    // The admin may name a member as operator.
    assert_eq!(
        run(
            &app,
            &admin(),
            SetRoomAttributes {
                room: id,
                operator: Some(un("a")),
                attrs: [("byop".to_string(), "v".to_string())]
                    .into_iter()
                    .collect(),
                auto_delete: None,
                forced: false,
            }
        )
        .unwrap(),
        ok_keys(&["byop"])
    );
    // A user may not act as another.
    assert_err(
        run(
            &app,
            &u("x"),
            SetRoomAttributes {
                room: id,
                operator: Some(un("a")),
                attrs: [("k".to_string(), "v".to_string())].into_iter().collect(),
                auto_delete: None,
                forced: false,
            },
        ),
        401,
        "group_authorization",
        PERM,
    );
    // Delete's own request checks.
    assert_err(
        del(&app, &u("a"), id, &[], false),
        400,
        "illegal_argument",
        "keys must be provided",
    );
    let ks: Vec<String> = (0..11).map(|i| format!("k{i}")).collect();
    let kr: Vec<&str> = ks.iter().map(String::as_str).collect();
    assert_err(
        del(&app, &u("a"), id, &kr, false),
        400,
        "illegal_argument",
        "exceed allowed batch size 10",
    );
    assert_err(
        del(&app, &u("x"), id, &["k0"], true),
        401,
        "MetadataException",
        "user is not in chatroom",
    );
    assert_err(
        del(&app, &admin(), id, &["k0"], false),
        401,
        "MetadataException",
        "user is not in chatroom",
    );
    assert_eq!(
        del(&app, &admin(), id, &["k0"], true).unwrap(),
        ok_keys(&["k0"])
    );
    check(&app);
}

#[test]
fn key_and_value_rules_at_their_edges() {
    let app = app(&["o"]);
    let id = create(&app, "o", &[]);
    let k128 = "k".repeat(128);
    let k129 = "k".repeat(129);
    let v4096 = "é".repeat(4096);
    let v4097 = "v".repeat(4097);
    let out = set_attrs(
        &app,
        &u("o"),
        id,
        &[
            ("", "x"),
            ("a b", "x"),
            ("ké", "x"),
            ("A-z_0.9", ""),
            (&k128, "x"),
            (&k129, "x"),
            ("big", &v4096),
            ("bigger", &v4097),
        ],
        None,
        false,
    )
    .unwrap();
    assert_eq!(out.success_keys, ["A-z_0.9", k128.as_str(), "big"]);
    let e = |k: &str| out.error_keys.get(k).cloned().unwrap();
    assert_eq!(e(""), "properties key '' is not Legal");
    assert_eq!(e("a b"), "properties key 'a b' is not Legal");
    assert_eq!(e("ké"), "properties key 'ké' is not Legal");
    assert_eq!(
        e(&k129),
        format!("properties key '{k129}' is exceeding maximum limit 128")
    );
    assert_eq!(
        e("bigger"),
        "properties value of key 'bigger' is exceeding maximum limit 4096"
    );
    check(&app);
}

#[test]
fn keys_per_room_edge() {
    let app = app(&["o"]);
    let id = create(&app, "o", &[]);
    for chunk in 0..10 {
        let ks: Vec<String> = (0..10).map(|i| format!("k{}", chunk * 10 + i)).collect();
        let pairs: Vec<(&str, &str)> = ks.iter().map(|k| (k.as_str(), "v")).collect();
        let n = if chunk == 9 { 9 } else { 10 };
        assert_eq!(
            set_attrs(&app, &u("o"), id, &pairs[..n], None, false)
                .unwrap()
                .success_keys
                .len(),
            n
        );
    }
    // 99 keys: the 100th is fine, the 101st is refused, updates still work.
    let out = set_attrs(
        &app,
        &u("o"),
        id,
        &[("k99", "v"), ("k100", "v"), ("k0", "new")],
        None,
        false,
    )
    .unwrap();
    assert_eq!(out.success_keys, ["k99", "k0"]);
    assert_eq!(
        out.error_keys.get("k100").map(String::as_str),
        Some("size of metadata keys exceeds 100")
    );
    assert_eq!(attrs(&app, id).len(), 100);
    check(&app);
}

#[test]
fn app_quota_counted_exactly() {
    let app = app_with(room_limits(|l| l.attr_bytes_per_app = 20), &["o", "p"]);
    let r1 = create(&app, "o", &[]);
    let r2 = create(&app, "p", &[]);
    // "ab"+"12345678" = 10 bytes.
    assert_eq!(
        set_attrs(&app, &u("o"), r1, &[("ab", "12345678")], None, false).unwrap(),
        ok_keys(&["ab"])
    );
    // 9 more bytes in another room: 19.
    set_attrs(&app, &u("p"), r2, &[("cd", "1234567")], None, false).unwrap();
    // One byte fits exactly (20), the next does not.
    let out = set_attrs(&app, &u("p"), r2, &[("e", ""), ("f", "")], None, false).unwrap();
    assert_eq!(out.success_keys, ["e"]);
    assert_eq!(
        out.error_keys.get("f").map(String::as_str),
        Some("size of metadata exceeds app quota")
    );
    // Growing a value past the cap fails and changes nothing; shrinking frees bytes.
    let out = set_attrs(&app, &u("o"), r1, &[("ab", "123456789")], None, false).unwrap();
    assert_eq!(out.error_keys.len(), 1);
    assert_eq!(
        attrs(&app, r1),
        [("ab".to_string(), "12345678".to_string())]
    );
    set_attrs(&app, &u("o"), r1, &[("ab", "1234567")], None, false).unwrap();
    set_attrs(&app, &u("p"), r2, &[("f", "")], None, false).unwrap();
    check(&app);
    // Deleting keys and rooms gives bytes back.
    run(&app, &admin(), DeleteRoom { room: r2 }).unwrap();
    check(&app);
    set_attrs(&app, &u("o"), r1, &[("zz", "12345678")], None, false).unwrap();
    del(&app, &u("o"), r1, &["ab"], false).unwrap();
    check(&app);
    assert_eq!(
        set_attrs(&app, &u("o"), r1, &[("y", "123456789")], None, false).unwrap(),
        ok_keys(&["y"])
    );
    check(&app);
}

#[test]
fn auto_delete_on_every_departure_but_not_no_delete_or_admin() {
    let app = app(&["o", "a", "b", "c", "d"]);
    let id = create(&app, "o", &["a", "b", "c", "d"]);
    set_attrs(&app, &u("a"), id, &[("a1", "x")], None, false).unwrap();
    set_attrs(&app, &u("a"), id, &[("a2", "x")], Some("no_delete"), false).unwrap();
    set_attrs(&app, &u("a"), id, &[("a3", "x")], Some("delete"), false).unwrap();
    set_attrs(&app, &u("a"), id, &[("a4", "x")], Some("whatever"), false).unwrap();
    set_attrs(&app, &u("b"), id, &[("b1", "x")], None, false).unwrap();
    set_attrs(&app, &u("c"), id, &[("c1", "x")], None, false).unwrap();
    set_attrs(&app, &admin(), id, &[("adm", "x")], Some("DELETE"), true).unwrap();
    let ev = events(
        &app,
        &u("a"),
        LeaveRoom {
            room: id,
            user: un("a"),
        },
    );
    assert_eq!(
        ev,
        vec![
            RoomEvent::MemberExited {
                room: id,
                user: un("a"),
                reason: RoomExitReason::Left
            },
            RoomEvent::AttributesRemoved {
                room: id,
                keys: vec!["a1".into(), "a3".into()],
                operator: Some(un("a"))
            }
        ]
    );
    run(
        &app,
        &admin(),
        RemoveRoomMember {
            room: id,
            user: un("b"),
        },
    )
    .unwrap();
    run(
        &app,
        &admin(),
        BlockRoomUser {
            room: id,
            user: un("c"),
        },
    )
    .unwrap();
    let keys: Vec<String> = attrs(&app, id).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a2", "a4", "adm"]);
    // Ownership transfer leaves attributes alone.
    run(
        &app,
        &u("o"),
        TransferRoom {
            room: id,
            new_owner: un("d"),
        },
    )
    .unwrap();
    assert_eq!(attrs(&app, id).len(), 3);
    check(&app);
}

#[test]
fn get_all_some_and_membership() {
    let app = app(&["o", "a", "x"]);
    let id = create(&app, "o", &["a"]);
    set_attrs(
        &app,
        &u("a"),
        id,
        &[("k1", "1"), ("k2", "2"), ("k3", "3")],
        None,
        false,
    )
    .unwrap();
    let get = |actor: &Actor, keys: Option<Vec<&str>>| {
        ask(
            &app,
            actor,
            GetRoomAttributes {
                room: id,
                keys: keys.map(|v| v.into_iter().map(str::to_string).collect()),
            },
        )
    };
    assert_eq!(get(&u("o"), None).unwrap().len(), 3);
    assert_eq!(get(&u("o"), Some(vec![])).unwrap().len(), 3);
    let some = get(&u("a"), Some(vec!["k3", "nope", "k1"])).unwrap();
    assert_eq!(
        some.into_iter().collect::<Vec<_>>(),
        vec![
            ("k1".to_string(), "1".to_string()),
            ("k3".to_string(), "3".to_string())
        ]
    );
    assert_err(
        get(&u("x"), None),
        401,
        "MetadataException",
        "user is not in chatroom",
    );
    assert_err(
        ask(
            &app,
            &admin(),
            GetRoomAttributes {
                room: RoomId(999_004),
                keys: None,
            },
        ),
        404,
        "resource_not_found",
        "grpID 999004 does not exist!",
    );
}

/// Repeated keys collapse before the 10-key cap is counted, and a huge key list is refused
/// with the cap error (without holding the room while it is deduplicated).
#[test]
fn delete_counts_distinct_keys_against_the_cap() {
    let app = app(&["o"]);
    let room = create(&app, "o", &[]);
    let ten: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    let pairs: Vec<(&str, &str)> = ten.iter().map(|k| (k.as_str(), "v")).collect();
    set_attrs(&app, &u("o"), room, &pairs, None, false).unwrap();
    // 11 names, 10 distinct: allowed.
    let mut eleven: Vec<&str> = ten.iter().map(String::as_str).collect();
    eleven.push("k0");
    let all: Vec<&str> = ten.iter().map(String::as_str).collect();
    assert_eq!(
        del(&app, &u("o"), room, &eleven, false).unwrap(),
        ok_keys(&all)
    );
    // 11 distinct: refused.
    let many: Vec<String> = (0..11).map(|i| format!("x{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_err(
        del(&app, &u("o"), room, &many, false),
        400,
        "illegal_argument",
        "exceed allowed batch size 10",
    );
    // 40 000 distinct: refused the same way.
    let huge: Vec<String> = (0..40_000).map(|i| format!("h{i}")).collect();
    let huge: Vec<&str> = huge.iter().map(String::as_str).collect();
    assert_err(
        del(&app, &u("o"), room, &huge, false),
        400,
        "illegal_argument",
        "exceed allowed batch size 10",
    );
    check(&app);
}
