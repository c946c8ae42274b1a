//! A torn last record — the last segment cut at any byte inside its last record, or its last
//! record's bytes garbled from any point to its end — is dropped with a warning naming the
//! file and offset; its bytes are zeroed; later commands follow on and survive the next
//! restart.

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
    let after = std::fs::read(seg).unwrap();
    assert!(
        after[offset as usize..].iter().all(|&b| b == 0),
        "the torn bytes are zeroed"
    );
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
    let end = imcore_durable::format::read_segment(&bytes).end;
    for cut in last + 1..end {
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
fn a_last_record_garbled_to_its_end_is_dropped_with_a_warning() {
    // A power cut can leave stale bytes or zeros in place of the end of the last write: the
    // last frame fails its checksum and nothing good follows it.
    let t = tempfile::tempdir().unwrap();
    let master = t.path().join("master");
    logged(&master);
    let seg = segments(&master).pop().unwrap();
    let bytes = std::fs::read(&seg).unwrap();
    let last = last_record_offset(&bytes) as usize;
    let end = imcore_durable::format::read_segment(&bytes).end as usize;
    for (i, fill) in [0u8, 0xff, 0x5a].into_iter().enumerate() {
        for from in [last, last + 4, last + 16, end - 1] {
            if fill == 0 && from == last {
                continue; // all zeros: no record was written there, nothing to warn about
            }
            let mut b = bytes.clone();
            b[from..end].fill(fill);
            if b == bytes {
                continue;
            }
            let data = t.path().join(format!("garbled-{i}-{from}"));
            copy_dir(&master, &data);
            let seg = segments(&data).pop().unwrap();
            std::fs::write(&seg, &b).unwrap();
            recovers_without_the_last_record(&data, &seg, last as u64);
        }
    }
}

#[test]
fn garbage_after_the_last_record_is_a_torn_write_and_is_zeroed() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path());
    let seg = segments(t.path()).pop().unwrap();
    let mut b = std::fs::read(&seg).unwrap();
    let end = imcore_durable::format::read_segment(&b).end as usize;
    b[end + 3..end + 40].fill(0x77);
    std::fs::write(&seg, &b).unwrap();
    let ((_dir, _engine, app), logs) = capture_logs(|| reopen(t.path(), options()));
    let app = app.unwrap();
    assert_eq!(
        app.recovery().torn.as_ref().map(|(_, o)| *o),
        Some(end as u64)
    );
    assert!(logs.contains("WARN"), "{logs}");
    assert_eq!(snapshot(app.app()), reference(N));
}

#[test]
fn a_segment_created_just_before_a_crash_with_nothing_in_it_is_removed() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path());
    let empty = app_dir(t.path())
        .join("log")
        .join(format!("{:020}.log", N + 1));
    for content in [&[][..], &[0u8; 4096][..]] {
        std::fs::write(&empty, content).unwrap();
        let (dir, _engine, app) = reopen(t.path(), options());
        let app = app.unwrap();
        assert!(!empty.exists());
        assert_eq!(snapshot(app.app()), reference(N));
        drop(app);
        dir.abandon();
    }
}
