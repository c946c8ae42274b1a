//! The host's timer (the engine's `next_expiry`/`Expire`): timed state that lapses is removed
//! on time without any request — a 1-second global mute is gone from the user's export a
//! little after it lapses (reads alone never remove it).

use crate::fixture::*;
use serde_json::json;

#[test]
fn a_lapsed_mute_is_expired_by_the_timer() {
    let api = api();
    api.register(&["a"]);
    api.admin("POST", "/mutes", &json!({"username": "a", "chat": 1}))
        .ok();
    let d = api.get("/users/a/export").ok()["data"].clone();
    assert!(d["mutes"]["chat"].is_object(), "{d}");
    // Lapses after 1 s; the timer polls at least every 200 ms.
    let mut gone = false;
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if api.get("/users/a/export").ok()["data"]["mutes"]["chat"].is_null() {
            gone = true;
            break;
        }
    }
    assert!(gone, "the timer did not expire the mute");
    assert_eq!(api.get("/mutes").ok()["data"]["data"], json!([]));
}
