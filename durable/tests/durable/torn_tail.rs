//! A torn last record — the last segment cut at any byte inside its last record, or its last
//! record's bytes garbled up to the end of the file — is dropped with a warning naming the
//! file and offset; the segment is truncated there; later commands follow on and survive the
//! next restart.

use imcore::*;

use crate::common::*;

const N: u64 = 12;

/// A data directory whose log holds steps `0..N`, one record each, and no snapshot.
fn logged(path: &std::path::Path) {
    let (dir, _engine, app) = create(path, options());
    run(&app, 0, N);
    drop(app);
    dir.abandon();
}

/// The offset of the last record of a segment.
fn last_record_offset(bytes: &[u8]) -> u64 {
    let seg = imcore_durable::format::read_segment(bytes);
    assert!(seg.bad.is_none());
    seg.frames.last().unwrap().offset
}

/// Recovers `data`, expecting the last record dropped at `offset` of `seg`; then runs the
/// last step again, restarts, and expects all `N` steps.
fn recovers_without_the_last_record(data: &std::path::Path, seg: &std::path::Path, offset: u64) {
    let ((dir, _engine, app), logs) = capture_logs(|| reopen(data, options()));
    let app = app.unwrap_or_else(|e| panic!("offset {offset}: {e}"));
    let name = seg.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        app.recovery().torn.as_ref().map(|(p, o)| (p.as_path(), *o)),
        Some((seg, offset))
    );
    assert!(
        logs.contains("WARN") && logs.contains(name) && logs.contains(&format!("offset={offset}")),
        "a warning naming the file and offset: {logs}"
    );
    assert_eq!(std::fs::metadata(seg).unwrap().len(), offset, "truncated");
    assert_eq!(snapshot(app.app()), reference(N - 1));
    app.execute(&Actor::Admin, T0, step(N - 1)).unwrap();
    drop(app);
    dir.abandon();
    let (_dir, _engine, app) = reopen(data, options());
    let app = app.unwrap();
    assert_eq!(app.recovery().torn, None);
    assert_eq!(snapshot(app.app()), reference(N));
}

#[test]
fn a_last_record_cut_at_any_byte_is_dropped_with_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let master = t.path().join("master");
    logged(&master);
    let seg = segments(&master).pop().unwrap();
    let bytes = std::fs::read(&seg).unwrap();
    let last = last_record_offset(&bytes);
    for cut in last + 1..bytes.len() as u64 {
        let data = t.path().join(format!("cut-{cut}"));
        copy_dir(&master, &data);
        let seg = segments(&data).pop().unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .unwrap()
            .set_len(cut)
            .unwrap();
        recovers_without_the_last_record(&data, &seg, last);
        std::fs::remove_dir_all(&data).unwrap();
    }
}

#[test]
fn a_last_record_garbled_to_the_end_of_the_file_is_dropped_with_a_warning() {
    // A power cut can leave the file's new length with zeros or stale bytes in place of the
    // last write: the last frame fails its checksum and nothing good follows it.
    let t = tempfile::tempdir().unwrap();
    let master = t.path().join("master");
    logged(&master);
    let seg = segments(&master).pop().unwrap();
    let bytes = std::fs::read(&seg).unwrap();
    let last = last_record_offset(&bytes) as usize;
    for (i, fill) in [0u8, 0xff, 0x5a].into_iter().enumerate() {
        for from in [last, last + 4, last + 16, bytes.len() - 1] {
            let data = t.path().join(format!("garbled-{i}-{from}"));
            copy_dir(&master, &data);
            let seg = segments(&data).pop().unwrap();
            let mut b = bytes.clone();
            b[from..].fill(fill);
            if b == bytes {
                continue;
            }
            std::fs::write(&seg, &b).unwrap();
            recovers_without_the_last_record(&data, &seg, last as u64);
        }
    }
}

#[test]
fn a_segment_created_just_before_a_crash_with_nothing_in_it_is_removed() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path());
    let empty = app_dir(t.path())
        .join("log")
        .join(format!("{:020}.log", N + 1));
    std::fs::write(&empty, b"").unwrap();
    let (_dir, _engine, app) = reopen(t.path(), options());
    let app = app.unwrap();
    assert!(!empty.exists());
    assert_eq!(snapshot(app.app()), reference(N));
}
