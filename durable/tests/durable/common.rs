//! What the tests share: a key, commands, snapshots as bytes, directory copies and listings,
//! and a way to capture the warnings recovery logs.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use imcore::*;
use imcore_durable::{DataDir, Durable, Options};

pub const T0: Timestamp = Timestamp(1_700_000_000_000);

pub fn key() -> AppKey {
    AppKey::new("acme", "chat").unwrap()
}

pub fn user(i: u64) -> UserName {
    UserName::parse(&format!("u{i}")).unwrap()
}

/// The command of step `i` of a fixed script: registrations, friendships, attributes.
pub fn step(i: u64) -> Command {
    match i % 4 {
        0 | 1 => RegisterUser(NewUser::new(&format!("u{i}"), "pw", &format!("id-{i}"))).into(),
        2 => AddFriend {
            owner: user(i - 2),
            friend: user(i - 1),
        }
        .into(),
        _ => SetAttributes {
            username: user(i - 3),
            pairs: vec![("k".into(), format!("v{i}"))],
        }
        .into(),
    }
}

/// Runs steps `from..to` on `app`, each as its own (durable) call.
pub fn run(app: &Durable, from: u64, to: u64) {
    for i in from..to {
        app.execute(&Actor::Admin, T0, step(i))
            .unwrap_or_else(|e| panic!("step {i}: {e}"));
    }
}

/// The same steps on a plain engine app: the reference state.
pub fn reference(to: u64) -> Vec<u8> {
    let engine = Engine::new();
    let app = engine.create_app(key(), Limits::default()).unwrap();
    for i in 0..to {
        app.execute_any(&Actor::Admin, T0, step(i)).unwrap();
    }
    snapshot(&app)
}

pub fn snapshot(app: &App) -> Vec<u8> {
    use postcard::ser_flavors::Flavor;
    let mut ser = postcard::Serializer {
        output: postcard::ser_flavors::StdVec::new(),
    };
    app.snapshot(&mut ser).unwrap();
    ser.output.finalize().unwrap()
}

/// Small segments (each is zero-filled when made), so that the tests write little.
pub fn options() -> Options {
    Options {
        segment_bytes: 64 << 10,
        ..Options::default()
    }
}

/// Opens `path` and creates the app.
pub fn create(path: &Path, options: Options) -> (DataDir, Engine, Durable) {
    let dir = DataDir::open(path, options).unwrap();
    let engine = Engine::new();
    let app = dir
        .create_app(&engine, key(), Limits::default(), BTreeMap::new())
        .unwrap();
    (dir, engine, app)
}

/// Opens `path` and recovers the app.
pub fn reopen(path: &Path, options: Options) -> (DataDir, Engine, imcore_durable::Result<Durable>) {
    let dir = DataDir::open(path, options).unwrap();
    let engine = Engine::with_hash_seed(42);
    let app = dir.open_app(&engine, &key());
    (dir, engine, app)
}

/// The app's directory.
pub fn app_dir(data: &Path) -> PathBuf {
    data.join("apps").join("acme").join("chat")
}

/// The log segments, oldest first.
pub fn segments(data: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(app_dir(data).join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    v.sort();
    v
}

/// The snapshot files.
pub fn snapshots(data: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(app_dir(data))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    v.sort();
    v
}

/// Every file under `dir` with its bytes (the lock file's content, the holder's pid, left out).
pub fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n != "LOCK") {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, &mut out);
    out
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// Where captured log lines go.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with this thread's `tracing` output captured; returns its result and the text.
pub fn capture_logs<R>(f: impl FnOnce() -> R) -> (R, String) {
    let buf = Captured::default();
    let writer = buf.clone();
    let sub = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let r = tracing::subscriber::with_default(sub, f);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    (r, text)
}
