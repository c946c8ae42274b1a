//! The smaller holes of issue 14, each closed: group mute durations and token `ttl` are
//! bounded, control and bidi characters are refused in identifiers the spec gives no rule for,
//! and a user's threads in an unknown group are a 404, not an empty list. (A user token's
//! batch attribute read is in `attributes`.)

use crate::fixture::*;
use serde_json::{Value, json};

fn group(api: &Api) -> String {
    api.register(&["owner", "a"]);
    let r = api.admin(
        "POST",
        "/chatgroups",
        &json!({"groupname": "g", "description": "d", "public": true, "owner": "owner",
                "members": ["a"], "maxusers": 200}),
    );
    r.ok()["data"]["groupid"].as_str().unwrap().to_owned()
}

#[test]
fn a_group_mute_is_at_most_the_longest_global_mute() {
    let api = api();
    let gid = group(&api);
    let mute = |d: Value| {
        api.admin(
            "POST",
            &format!("/chatgroups/{gid}/mute"),
            &json!({"usernames": ["a"], "mute_duration": d}),
        )
    };
    mute(json!(2_147_483_647_000_i64)).ok();
    for d in [
        json!(2_147_483_647_001_i64),
        json!(i64::MAX),
        json!(u64::MAX),
    ] {
        mute(d).assert_error(400, "invalid_parameter");
    }
}

#[test]
fn a_token_ttl_is_bounded() {
    let api = api();
    let ttl = |t: Value| {
        api.call(
            "POST",
            "/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET, "ttl": t}),
        )
    };
    assert_eq!(
        ttl(json!(2_147_483_647_u64)).ok()["expires_in"],
        2_147_483_647_u64
    );
    for t in [
        json!(2_147_483_648_u64),
        json!(u64::MAX),
        json!("18446744073709551615"),
    ] {
        ttl(t).assert_error(400, "illegal_argument");
    }
}

#[test]
fn control_and_bidi_characters_are_refused_in_identifiers() {
    let api = api();
    let gid = group(&api);
    api.befriend("owner", "a");
    for bad in [
        "a\u{0}b",
        "a\nb",
        "a\u{7}",
        "\u{202E}gnp.exe",
        "x\u{2066}y",
        "\u{200F}",
    ] {
        api.admin(
            "POST",
            "/users",
            &json!({"username": "newbie", "password": bad}),
        )
        .assert_error(400, "illegal_argument");
        api.admin("PUT", "/users/a/password", &json!({"newpassword": bad}))
            .assert_error(400, "illegal_argument");
        api.admin("PUT", "/metadata/user/a", &json!({ bad: "v" }))
            .assert_error(400, "illegal_argument");
        api.admin(
            "PUT",
            "/user/owner/contacts/users/a",
            &json!({"remark": bad}),
        )
        .assert_error(400, "illegal_argument");
        api.admin(
            "PUT",
            &format!("/chatgroups/{gid}"),
            &json!({"groupname": bad}),
        )
        .assert_error(400, "invalid_parameter");
    }
    // Ordinary text, accents and scripts included, is still taken.
    api.admin("PUT", "/metadata/user/a", &json!({"名前 é": "v"}))
        .ok();
    api.admin(
        "PUT",
        "/user/owner/contacts/users/a",
        &json!({"remark": "Ünïcode 好友"}),
    )
    .ok();
    api.admin(
        "PUT",
        &format!("/chatgroups/{gid}"),
        &json!({"groupname": "Café 群"}),
    )
    .ok();
}

#[test]
fn threads_of_a_user_in_an_unknown_group_are_a_404() {
    let api = api();
    api.register(&["x"]);
    api.get("/threads/chatgroups/999999/user/x")
        .assert_error(404, "resource_not_found");
}
