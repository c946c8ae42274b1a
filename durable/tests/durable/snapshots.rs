//! Background snapshots: when the log since the last snapshot passes the threshold a snapshot
//! is written, a new segment started, and the segments it covers deleted with older snapshots;
//! recovery then reads the newest snapshot and the short log after it.

use imcore_durable::Options;

use crate::common::*;

fn small() -> Options {
    Options {
        segment_bytes: 512,
        snapshot_log_bytes: 2048,
        ..Options::default()
    }
}

#[test]
fn the_log_is_snapshotted_and_dropped_in_the_background_and_recovers() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), small());
    run(&app, 0, 400);
    // Let a queued background snapshot finish.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.stats().snapshots == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let stats = app.stats();
    assert!(stats.snapshots >= 1, "{stats:?}");
    run(&app, 400, 410);
    let live = snapshot(app.app());
    drop(app);
    dir.abandon();
    // At most one snapshot file, and far fewer segments than 400 records need (each is
    // 512 bytes, about 12 records).
    assert!(snapshots(t.path()).len() <= 1);
    let segs = segments(t.path());
    assert!(segs.len() < 20, "{} segments left", segs.len());

    let (_dir, _engine, app) = reopen(t.path(), small());
    let app = app.unwrap();
    let r = app.recovery();
    assert!(r.snapshot.is_some(), "{r:?}");
    assert!(r.replayed < 400, "{r:?}");
    assert_eq!(snapshot(app.app()), live);
    assert_eq!(live, reference(410));
}

#[test]
fn a_snapshot_ahead_of_the_log_starts_a_new_segment_and_recovers() {
    // A snapshot may hold commands whose records were not yet written when the process
    // died; recovery then starts the next record in a new segment after the gap, which the
    // snapshot covers.
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 10);
    app.snapshot().unwrap();
    drop(app);
    dir.abandon();
    // Drop the last three records, as if they had been lost with the process.
    let seg = segments(t.path()).pop().unwrap();
    let b = std::fs::read(&seg).unwrap();
    let s = imcore_durable::format::read_segment(&b);
    let keep = s.frames[s.frames.len() - 3].offset;
    std::fs::write(&seg, &b[..keep as usize]).unwrap();

    let (dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 0);
    run(&app, 10, 14);
    drop(app);
    dir.abandon();
    assert_eq!(segments(t.path()).len(), 2);
    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert_eq!(app.recovery().replayed, 4);
    assert_eq!(snapshot(app.app()), reference(14));
}
