//! Rate limits over HTTP (spec 01 §17): off by default; on per app, a bucket admits its quota
//! in one second and the next call gets `429 reach_limit`; buckets are per API (or shared for
//! registration); the next second starts afresh.

use crate::fixture::*;
use imcore::Limits;

fn limited() -> Api {
    api_with({
        let mut c = config();
        c.apps[0].limits = Limits {
            rate_limits: true,
            ..Limits::default()
        };
        c
    })
}

/// Waits until early in a second, so that `n` quick calls land in one window.
fn start_of_second() {
    loop {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1000;
        if ms < 50 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn off_by_default() {
    assert!(!Limits::default().rate_limits);
    let api = api();
    api.register(&["a"]);
    start_of_second();
    for _ in 0..60 {
        api.get("/users/a/presence/sublist").ok();
    }
}

#[test]
fn a_bucket_admits_its_quota_then_429() {
    let api = limited();
    api.register(&["a"]);
    // Presence calls: 50 per second each. Retry if the burst straddles a second.
    for attempt in 0.. {
        start_of_second();
        let mut statuses = Vec::new();
        for _ in 0..51 {
            statuses.push(api.get("/users/a/presence/sublist").status);
        }
        if statuses[..50].iter().all(|s| *s == 200) && statuses[50] == 429 {
            break;
        }
        assert!(attempt < 5, "never saw 50 then 429: {statuses:?}");
    }
    let r = api.get("/users/a/presence/sublist");
    if r.status == 429 {
        r.assert_error(429, "reach_limit");
        assert_eq!(
            r.body["error_description"],
            "This request has reached api limit"
        );
    }
    // Another API has its own bucket.
    api.admin(
        "POST",
        "/users/a/presence",
        &serde_json::json!({"usernames": []}),
    )
    .ok();
    // The next second starts afresh.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    api.get("/users/a/presence/sublist").ok();
}

#[test]
fn unknown_routes_and_apps_are_not_counted() {
    let api = limited();
    start_of_second();
    for _ in 0..120 {
        let r = api.get("/no/such/route");
        assert_eq!(r.status, 404);
    }
}
