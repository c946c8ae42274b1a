//! The hourly export (spec 03 §4.9): the hour's edges, retention, order, recalled messages
//! excluded; the store's cap and retention.

use crate::fixture::messages::*;
use imcore::messages::*;
use imcore::*;

const HOUR: i64 = 3_600_000;
// T0 = 2023-11-14T22:13:20Z: its hour is 2023111422, starting 800 000 ms before T0.
const START: i64 = -800_000;

fn export(app: &App, now: i64, time: &str) -> Result<Vec<HistoryRecord>> {
    app.query(&Actor::Admin, at(now), ExportHistory { time: time.into() })
}

#[test]
fn hour_edges_and_errors() {
    let app = app(&["a", "b"]);
    let mut c = txt(ChatType::Chat, None, &["b"]);
    c.msg_timestamp = Some(at(START));
    let first = the_id(&ok(&app, &user("a"), c.clone()));
    c.msg_timestamp = Some(at(START + HOUR - 1));
    let last = the_id(&ok(&app, &user("a"), c.clone()));
    c.msg_timestamp = Some(at(START + HOUR));
    ok(&app, &user("a"), c.clone()); // the next hour
    c.msg_timestamp = Some(at(START + 10));
    let mid = the_id(&ok(&app, &user("a"), c.clone()));
    let prefix = "illegal arguments: appkey: org#app, time: ";
    for bad in ["2023111424", "202311142", "x023111422"] {
        err(
            export(&app, HOUR, bad),
            400,
            "illegal_argument",
            &format!("{prefix}{bad}"),
        );
    }
    let unstored = format!("{prefix}2023111422, maybe chat message history is expired or unstored");
    err(
        export(&app, START + HOUR - 1, "2023111422"),
        400,
        "illegal_argument",
        &unstored,
    );
    let recs = export(&app, START + HOUR, "2023111422").unwrap();
    let ids: Vec<MessageId> = recs.iter().map(|r| r.msg_id).collect();
    assert_eq!(
        ids,
        vec![first, mid, last],
        "by timestamp then id; the next hour excluded"
    );
    assert_eq!(recs[0].from, "a");
    assert_eq!(recs[0].to, "b");
    err(
        export(&app, START + 2 * HOUR, "2023111500"),
        400,
        "illegal_argument",
        &format!("{prefix}2023111500, maybe chat message history is expired or unstored"),
    );
    err(
        export(&app, 2 * HOUR, "2023111420"),
        404,
        "storage_object_not_found",
        "Failed to find chat message history download url for appkey: org#app, time: 2023111420",
    );
    // Recalled messages are excluded.
    ok(
        &app,
        &Actor::Admin,
        RecallMessage {
            msg_id: mid.to_string(),
            to: "b".into(),
            chat_type: "chat".into(),
            from: None,
            force: true,
        },
    );
    assert_eq!(export(&app, HOUR, "2023111422").unwrap().len(), 2);
    // Retention: 3 days back, counted from the hour's start.
    let days3 = 3 * 24 * HOUR;
    assert!(
        export(&app, START + days3, "2023111422").is_ok(),
        "the hour starts exactly at the edge"
    );
    err(
        export(&app, START + days3 + 1, "2023111422"),
        400,
        "illegal_argument",
        &unstored,
    );
}

#[test]
fn the_store_keeps_at_most_its_cap_oldest_first() {
    let app = app_with(|l| l.messages.stored_max = 3, &["a", "b"]);
    let ids: Vec<MessageId> = (0..5)
        .map(|_| the_id(&ok(&app, &user("a"), txt(ChatType::Chat, None, &["b"]))))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            ask(&app, GetMessage { msg_id: *id }).is_some(),
            i >= 2,
            "message {i}"
        );
    }
    // The evicted messages' offline entries stay (they have their own retention).
    assert_eq!(offline_count(&app, "b", 0), 5);
    check(&app);
}
