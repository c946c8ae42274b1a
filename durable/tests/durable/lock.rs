//! A second opener of a data directory is refused while the first holds it, with an error
//! naming the lock file and the holder's pid; once the first closes, it opens. A directory of
//! another format is refused.

use imcore_durable::{DataDir, Error};

use crate::common::*;

#[test]
fn a_second_opener_is_refused_until_the_first_closes() {
    let t = tempfile::tempdir().unwrap();
    let (dir, _engine, app) = create(t.path(), options());
    run(&app, 0, 4);
    let before = contents(t.path());
    let e = DataDir::open(t.path(), options()).unwrap_err();
    match &e {
        Error::Locked { path, holder } => {
            assert_eq!(path, &t.path().join("LOCK"));
            assert_eq!(holder, &format!(" by pid {}", std::process::id()));
        }
        e => panic!("{e}"),
    }
    assert!(e.to_string().contains("in use"), "{e}");
    assert_eq!(
        contents(t.path()),
        before,
        "the refused opener changed nothing"
    );
    run(&app, 4, 8);
    drop(app);
    dir.close().unwrap();
    let (_dir, _engine, app) = reopen(t.path(), options());
    assert_eq!(snapshot(app.unwrap().app()), reference(8));
}

#[test]
fn a_directory_of_another_format_is_refused() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("FORMAT"), "imcore-data 99\n").unwrap();
    let e = DataDir::open(t.path(), options()).unwrap_err();
    assert!(matches!(e, Error::Format { .. }), "{e}");
    assert!(e.to_string().contains("FORMAT"), "{e}");
}
