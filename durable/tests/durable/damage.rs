//! Damage stops recovery with an error naming the file and the offset, changes nothing on
//! disk (every byte compared before and after) and leaves nothing in the engine: a flipped
//! byte in a middle record (of the last segment or of an older one), a gap in the log, a
//! record that fails on replay, a flipped byte in a snapshot or in the metadata file.

use std::path::{Path, PathBuf};

use imcore::*;
use imcore_durable::{Error, Options};

use crate::common::*;

/// Small segments, so that the log has several.
fn small_segments() -> Options {
    Options {
        segment_bytes: 300,
        ..Options::default()
    }
}

fn logged(path: &Path, options: Options) {
    let (dir, _engine, app) = create(path, options);
    run(&app, 0, 24);
    drop(app);
    dir.abandon();
}

/// Recovers `data` expecting [`Error::Corrupt`] at `file` and `offset`, with every file
/// unchanged and no app left in the engine.
fn refused(data: &Path, options: Options, file: &Path, offset: u64) -> String {
    let before = contents(data);
    let (dir, engine, app) = reopen(data, options);
    let e = app.unwrap_err();
    match &e {
        Error::Corrupt {
            path, offset: o, ..
        } => {
            assert_eq!((path.as_path(), *o), (file, offset), "{e}");
        }
        e => panic!("not a corruption error: {e}"),
    }
    let text = e.to_string();
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(text.contains(&format!("offset {offset}")), "{text}");
    assert!(engine.app_keys().is_empty(), "nothing left in the engine");
    drop(dir);
    assert_eq!(contents(data), before, "nothing on disk changed");
    text
}

fn flip(path: &Path, at: u64) {
    let mut b = std::fs::read(path).unwrap();
    b[at as usize] ^= 0x10;
    std::fs::write(path, b).unwrap();
}

fn frames(path: &Path) -> Vec<u64> {
    let b = std::fs::read(path).unwrap();
    imcore_durable::format::read_segment(&b)
        .frames
        .iter()
        .map(|f| f.offset)
        .collect()
}

#[test]
fn a_flipped_byte_in_a_middle_record_of_the_last_segment_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let master = t.path().join("master");
    logged(&master, options());
    let seg = segments(&master).pop().unwrap();
    let offsets = frames(&seg);
    let mid = offsets[offsets.len() / 2];
    // Every byte of the record: header (length, checksum, position) and payload.
    let end = offsets[offsets.len() / 2 + 1];
    for at in mid..end {
        let data = t.path().join(format!("flip-{at}"));
        copy_dir(&master, &data);
        let seg = segments(&data).pop().unwrap();
        flip(&seg, at);
        let text = refused(&data, options(), &seg, mid);
        assert!(text.contains("good records follow"), "{text}");
        std::fs::remove_dir_all(&data).unwrap();
    }
}

#[test]
fn a_flipped_byte_in_an_older_segment_is_an_error_even_in_its_last_record() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path(), small_segments());
    let segs = segments(t.path());
    assert!(segs.len() >= 3, "{segs:?}");
    let first = &segs[0];
    let last_in_first = *frames(first).last().unwrap();
    flip(first, last_in_first + 20);
    refused(t.path(), small_segments(), first, last_in_first);
}

#[test]
fn a_missing_segment_is_a_gap() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path(), small_segments());
    let segs = segments(t.path());
    std::fs::remove_file(&segs[1]).unwrap();
    let text = refused(t.path(), small_segments(), &segs[2], 0);
    assert!(text.contains("gap"), "{text}");
}

/// Replaces the payload of the record at `offset` with `cmd`'s, with a correct frame.
fn rewrite_record(seg: &Path, offset: u64, cmd: Command) -> PathBuf {
    let b = std::fs::read(seg).unwrap();
    let s = imcore_durable::format::read_segment(&b);
    let i = s.frames.iter().position(|f| f.offset == offset).unwrap();
    let mut out = b[..offset as usize].to_vec();
    let payload = postcard::to_stdvec(&(Actor::Admin, T0, cmd)).unwrap();
    imcore_durable::format::push_frame(&mut out, s.frames[i].position, &payload);
    for f in &s.frames[i + 1..] {
        imcore_durable::format::push_frame(&mut out, f.position, f.payload);
    }
    std::fs::write(seg, out).unwrap();
    seg.to_owned()
}

#[test]
fn a_well_framed_record_that_fails_on_replay_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path(), options());
    let seg = segments(t.path()).pop().unwrap();
    let third = frames(&seg)[2];
    // Step 2 befriends u0 and u1; make it befriend a user that does not exist.
    rewrite_record(
        &seg,
        third,
        AddFriend {
            owner: user(0),
            friend: UserName::parse("nobody").unwrap(),
        }
        .into(),
    );
    let text = refused(t.path(), options(), &seg, third);
    assert!(text.contains("fails on replay"), "{text}");
}

#[test]
fn a_repeated_position_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path(), options());
    let seg = segments(t.path()).pop().unwrap();
    let b = std::fs::read(&seg).unwrap();
    let s = imcore_durable::format::read_segment(&b);
    // Frame 5 again, with position 5 (a duplicated write).
    let mut out = Vec::new();
    for f in &s.frames[..6] {
        imcore_durable::format::push_frame(&mut out, f.position, f.payload);
    }
    let dup_at = out.len() as u64;
    let f = s.frames[5];
    imcore_durable::format::push_frame(&mut out, f.position, f.payload);
    for f in &s.frames[6..] {
        imcore_durable::format::push_frame(&mut out, f.position, f.payload);
    }
    std::fs::write(&seg, out).unwrap();
    refused(t.path(), options(), &seg, dup_at);
}

#[test]
fn a_flipped_byte_in_a_snapshot_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let master = t.path().join("master");
    let (dir, _engine, app) = create(&master, options());
    run(&app, 0, 24);
    drop(app);
    dir.close().unwrap();
    let snap = snapshots(&master).pop().unwrap();
    let len = std::fs::metadata(&snap).unwrap().len();
    for (at, expect) in [
        (0, 0),
        (9, 8),
        (17, 20),
        (20, 20),
        (len / 2, 20),
        (len - 1, 20),
    ] {
        let data = t.path().join(format!("snap-{at}"));
        copy_dir(&master, &data);
        let snap = snapshots(&data).pop().unwrap();
        flip(&snap, at);
        refused(&data, options(), &snap, expect);
        std::fs::remove_dir_all(&data).unwrap();
    }
}

#[test]
fn a_flipped_byte_in_the_metadata_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    logged(t.path(), options());
    let meta = app_dir(t.path()).join("app.meta");
    flip(&meta, 30);
    refused(t.path(), options(), &meta, 20);
}
