//! Many clients at once: parallel connections registering users and befriending one hub all
//! get answers, and the hub's list ends up with exactly everyone (the friend adds are atomic).

use std::sync::Arc;

use crate::fixture::*;
use serde_json::Value;

#[test]
fn parallel_friend_adds_all_land() {
    let api = Arc::new(api());
    api.register(&["hub"]);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let api = Arc::clone(&api);
            std::thread::spawn(move || {
                let names: Vec<String> = (0..20).map(|i| format!("t{t}u{i}")).collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                api.register(&refs);
                for n in &names {
                    api.befriend(n, "hub");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    let r = api.get("/users/hub/contacts/users");
    let b = r.ok();
    assert_eq!(b["count"], 160);
    let mut got: Vec<String> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 160);
    assert_eq!(
        api.get("/users/t3u7/contacts/users").ok()["data"],
        Value::from(vec!["hub"])
    );
}
