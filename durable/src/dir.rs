//! [`DataDir`]: the lock, the format marker, the apps' directories, recovery, and the
//! background snapshot thread.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use imcore::{AppKey, Engine, Limits, RestoreError};

use crate::app::{
    AppMeta, Durable, Inner, Log, LogState, LogStats, Recovery, Writer, decode_record,
    run_committer,
};
use crate::blobs::Blobs;
use crate::error::{Error, Result};
use crate::format::{self, META_MAGIC, SNAPSHOT_MAGIC};
use crate::fsio;
use crate::{Options, SEGMENT_SUFFIX, SNAPSHOT_SUFFIX};

/// The name of the lock file at the top of a data directory.
pub const LOCK_FILE: &str = "LOCK";
/// The name of the format marker at the top of a data directory.
pub const FORMAT_FILE: &str = "FORMAT";
/// The format marker's content.
pub const FORMAT: &str = "imcore-data 1\n";
/// The name of an app's metadata file.
pub const META_FILE: &str = "app.meta";

/// What the apps of one data directory share: its path, its lock, its options, and the queue
/// of the background thread (snapshots, next segments).
pub(crate) struct DirShared {
    pub path: PathBuf,
    pub options: Options,
    /// The locked lock file: the lock lasts as long as this handle (and the process).
    _lock: File,
    jobs: Mutex<Option<Sender<Job>>>,
}

/// Work for the background thread.
pub(crate) enum Job {
    /// Write a snapshot of the app and drop the log it covers.
    Snapshot(Durable),
    /// Zero-fill the app's next log segment ahead of time.
    Spare(Arc<Log>),
}

impl DirShared {
    fn send(&self, job: Job) {
        if let Some(tx) = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let _ = tx.send(job);
        }
    }

    /// Queues a background snapshot of `app` (dropped if the directory is closing).
    pub fn queue_snapshot(&self, app: Durable) {
        self.send(Job::Snapshot(app));
    }

    /// Queues the preparation of `log`'s next segment (dropped if the directory is closing).
    pub fn queue_spare(&self, log: &Arc<Log>) {
        self.send(Job::Spare(Arc::clone(log)));
    }
}

fn background_thread(rx: Receiver<Job>) {
    for job in rx {
        match job {
            Job::Snapshot(app) => {
                if let Err(e) = app.write_snapshot(false) {
                    tracing::warn!(app = %app.app().key(), error = %e, "background snapshot failed; the log keeps every command");
                }
                if let Some(log) = &app.inner.log {
                    log.state
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .snapshot_queued = false;
                }
            }
            Job::Spare(log) => crate::app::prepare_spare(&log),
        }
    }
}

/// A data directory: a lock file, a format marker, and one directory per app
/// (`apps/<org>/<app>/`) holding its metadata, its newest snapshot, its log segments and its
/// blobs. See the crate docs for the layout and the rules.
///
/// - Open: [`DataDir::open`] (takes the lock; a second opener is refused).
/// - Apps: [`DataDir::app_keys`], [`DataDir::open_app`] (recovers one app into an engine),
///   [`DataDir::create_app`], [`DataDir::adopt_app`] (an app built in memory).
/// - Close: [`DataDir::close`] closes every app it opened (final snapshots) and releases the
///   lock. Dropping it does the same, logging errors instead of returning them.
pub struct DataDir {
    shared: Arc<DirShared>,
    apps: Mutex<BTreeMap<AppKey, Durable>>,
    snapshotter: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataDir")
            .field("path", &self.shared.path)
            .finish()
    }
}

fn take_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(Error::io(&path))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() {
                String::new()
            } else {
                format!(" by pid {holder}")
            };
            return Err(Error::Locked { path, holder });
        }
        Err(TryLockError::Error(e)) => return Err(Error::io(&path)(e)),
    }
    f.set_len(0)
        .and_then(|()| f.write_all(format!("{}\n", std::process::id()).as_bytes()))
        .map_err(Error::io(&path))?;
    Ok(f)
}

fn check_format(dir: &Path) -> Result<()> {
    let path = dir.join(FORMAT_FILE);
    match fs::read_to_string(&path) {
        Ok(s) if s == FORMAT => Ok(()),
        Ok(s) => Err(Error::Format {
            path,
            what: format!("format {:?} is not {:?}", s.trim(), FORMAT.trim()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if dir.join("apps").exists() {
                return Err(Error::Format {
                    path,
                    what: "missing, but the directory holds apps".into(),
                });
            }
            fsio::write_atomic(&path, &[FORMAT.as_bytes()])
        }
        Err(e) => Err(Error::io(path)(e)),
    }
}

impl DataDir {
    /// Opens (creating it if missing) the data directory at `path` and takes its lock.
    ///
    /// # Errors
    /// [`Error::Locked`] if another process or another `DataDir` holds it (the lock is
    /// released when the holder exits, however it exits); [`Error::Format`] for a directory
    /// of another format; the I/O error.
    pub fn open(path: impl AsRef<Path>, options: Options) -> Result<DataDir> {
        let path = path.as_ref().to_path_buf();
        fsio::create_dirs(&path)?;
        let lock = take_lock(&path)?;
        check_format(&path)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let snapshotter = std::thread::Builder::new()
            .name("imcore-background".into())
            .spawn(move || background_thread(rx))
            .map_err(Error::io(&path))?;
        Ok(DataDir {
            shared: Arc::new(DirShared {
                path,
                options,
                _lock: lock,
                jobs: Mutex::new(Some(tx)),
            }),
            apps: Mutex::new(BTreeMap::new()),
            snapshotter: Some(snapshotter),
        })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The options it was opened with.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    fn app_dir(&self, key: &AppKey) -> PathBuf {
        self.shared
            .path
            .join("apps")
            .join(key.org())
            .join(key.app())
    }

    /// The apps the directory holds (those with a metadata file), sorted.
    ///
    /// # Errors
    /// The I/O error.
    pub fn app_keys(&self) -> Result<Vec<AppKey>> {
        let mut keys = Vec::new();
        let apps = self.shared.path.join("apps");
        for (org, org_dir) in fsio::list(&apps, |s| Some(s.to_owned()))? {
            for (app, app_dir) in fsio::list(&org_dir, |s| Some(s.to_owned()))? {
                if app_dir.join(META_FILE).is_file()
                    && let Ok(k) = AppKey::new(&org, &app)
                {
                    keys.push(k);
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Creates an app: writes its metadata (key, limits, the host's values), creates it in
    /// `engine`, and returns its handle. Its state is then kept by its log and snapshots.
    ///
    /// # Errors
    /// [`Error::AppExists`] if the directory holds the app; [`Error::EngineHasApp`] if the
    /// engine does; the I/O error.
    pub fn create_app(
        &self,
        engine: &Engine,
        key: AppKey,
        limits: Limits,
        host: BTreeMap<String, String>,
    ) -> Result<Durable> {
        let mut apps = self.apps.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = self.app_dir(&key);
        let meta_path = dir.join(META_FILE);
        if apps.contains_key(&key) || meta_path.exists() {
            return Err(Error::AppExists(key.to_string()));
        }
        if engine.app(&key).is_ok() {
            return Err(Error::EngineHasApp(key.to_string()));
        }
        if !fsio::list(&dir.join("log"), |s| {
            fsio::parse_numbered(s, SEGMENT_SUFFIX)
        })?
        .is_empty()
        {
            return Err(Error::Format {
                path: dir.clone(),
                what: format!("holds log segments but no {META_FILE}"),
            });
        }
        fsio::create_dirs(&dir.join("log"))?;
        let meta = AppMeta {
            key: key.clone(),
            limits: limits.clone(),
            host,
        };
        write_meta(&meta_path, &meta)?;
        let app = engine
            .create_app(key.clone(), limits)
            .map_err(|_| Error::EngineHasApp(key.to_string()))?;
        let d = self.start(app, meta, dir, Recovery::default(), Vec::new(), None, 0, 0)?;
        apps.insert(key, d.clone());
        Ok(d)
    }

    /// Takes an app that lives in an engine (built in memory, imported) into the directory:
    /// writes its metadata (key, limits, the host's values) and a snapshot of its current
    /// state, and returns its handle, whose log continues from the app's applied count. From
    /// here on, run its commands through the handle only.
    ///
    /// # Errors
    /// [`Error::AppExists`] if the directory holds the app; the I/O error.
    ///
    /// # Locking
    /// Holds the app's read lock while it is serialized (commands wait, queries do not).
    pub fn adopt_app(&self, app: &imcore::App, host: BTreeMap<String, String>) -> Result<Durable> {
        let key = app.key().clone();
        let mut apps = self.apps.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = self.app_dir(&key);
        let meta_path = dir.join(META_FILE);
        if apps.contains_key(&key) || meta_path.exists() {
            return Err(Error::AppExists(key.to_string()));
        }
        fsio::create_dirs(&dir.join("log"))?;
        let at = app.applied();
        let bytes = crate::app::serialize_snapshot(app);
        let snap = dir.join(fsio::numbered(at, SNAPSHOT_SUFFIX));
        fsio::write_atomic(
            &snap,
            &[&format::seal_header(SNAPSHOT_MAGIC, &bytes), &bytes],
        )?;
        let meta = AppMeta {
            key: key.clone(),
            limits: Limits::clone(&app.limits()),
            host,
        };
        write_meta(&meta_path, &meta)?;
        let d = self.start(
            app.clone(),
            meta,
            dir,
            Recovery::default(),
            Vec::new(),
            None,
            at,
            0,
        )?;
        apps.insert(key, d.clone());
        Ok(d)
    }

    /// Recovers an app into `engine` and returns its handle: restores its newest snapshot
    /// (or creates it from its metadata when it has none), replays the log records after it
    /// with [`imcore::App::execute_logged`], checks every invariant when records were replayed
    /// ([`Options::check_invariants`]), and only then, if the last record of the last segment
    /// was cut short, truncates it (with a warning naming the file and offset) and removes
    /// leftovers (older snapshots, temporary files). Opening an app that this `DataDir`
    /// already opened returns the same handle.
    ///
    /// # Errors
    /// [`Error::AppNotFound`]; [`Error::Corrupt`] naming the file and offset of any other
    /// damage — a bad record anywhere but at the end of the last segment, a gap or repeat in
    /// positions, a record that fails to replay or lands at another position, a bad snapshot
    /// or metadata file — with nothing on disk changed and nothing left in the engine;
    /// [`Error::EngineHasApp`]; the I/O error.
    pub fn open_app(&self, engine: &Engine, key: &AppKey) -> Result<Durable> {
        let mut apps = self.apps.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = apps.get(key) {
            return Ok(d.clone());
        }
        let dir = self.app_dir(key);
        let meta_path = dir.join(META_FILE);
        if !meta_path.is_file() {
            return Err(Error::AppNotFound(key.to_string()));
        }
        if engine.app(key).is_ok() {
            return Err(Error::EngineHasApp(key.to_string()));
        }
        let r = recover(engine, key, &dir, &meta_path, &self.shared.options);
        // Recovery succeeded: now the disk may change.
        let r = match r.and_then(|mut r| r.tidy(&dir).map(|()| r)) {
            Ok(r) => r,
            Err(e) => {
                let _ = engine.delete_app(key);
                return Err(e);
            }
        };
        let torn = r.torn.as_ref().map(|(p, o, _, _)| (p.clone(), *o));
        let recovery = Recovery {
            snapshot: r.snapshot.clone(),
            replayed: r.replayed,
            segments: r.segment_count,
            torn,
            elapsed_ms: r.started.elapsed().as_millis() as u64,
        };
        tracing::info!(app = %key, snapshot = ?recovery.snapshot.as_ref().map(|s| s.1), replayed = recovery.replayed,
            segments = recovery.segments, ms = recovery.elapsed_ms, "app recovered");
        let d = self.start(
            r.app,
            r.meta,
            dir,
            recovery,
            r.segments,
            r.open_segment,
            r.newest_snapshot,
            r.replayed_bytes,
        )?;
        apps.insert(key.clone(), d.clone());
        Ok(d)
    }

    /// Starts an app's log: its committer thread, and a snapshot right away if the log
    /// replayed on recovery is already past the threshold.
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        app: imcore::App,
        meta: AppMeta,
        dir: PathBuf,
        recovery: Recovery,
        segments: Vec<(u64, PathBuf)>,
        open_segment: Option<(File, PathBuf, u64)>,
        newest_snapshot: u64,
        log_bytes: u64,
    ) -> Result<Durable> {
        let applied = app.applied();
        let log = Arc::new(Log {
            dir: dir.clone(),
            options: self.shared.options.clone(),
            state: Mutex::new(LogState {
                durable: applied,
                last_pushed: applied,
                stats: LogStats {
                    durable: applied,
                    bytes_since_snapshot: log_bytes,
                    ..LogStats::default()
                },
                ..LogState::default()
            }),
            pushed: Condvar::new(),
            synced: [Condvar::new(), Condvar::new()],
            segments: Mutex::new(segments),
            snapshot_lock: Mutex::new(newest_snapshot),
            committer: Mutex::new(None),
            spare: Mutex::new(false),
            shared: Arc::clone(&self.shared),
        });
        let inner = Arc::new(Inner {
            app,
            meta,
            blobs: Blobs::in_dir(dir.join("blobs")),
            recovery,
            log: Some(Arc::clone(&log)),
        });
        let writer = Writer {
            log_dir: dir.join("log"),
            open: open_segment,
        };
        let weak = Arc::downgrade(&inner);
        let committer_log = Arc::clone(&log);
        let h = std::thread::Builder::new()
            .name(format!("imcore-log-{}", inner.app.key()))
            .spawn(move || run_committer(committer_log, writer, weak))
            .map_err(Error::io(&dir))?;
        *log.committer.lock().unwrap_or_else(PoisonError::into_inner) = Some(h);
        let d = Durable { inner };
        self.shared.queue_spare(&log);
        if log_bytes >= self.shared.options.snapshot_log_bytes {
            log.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .snapshot_queued = true;
            self.shared.queue_snapshot(d.clone());
        }
        Ok(d)
    }

    /// Closes every app this directory opened or created (each writes its final snapshot),
    /// stops the snapshot thread and releases the lock.
    ///
    /// # Errors
    /// The first app's close error (every app is still closed).
    ///
    /// # Locking
    /// Blocks until every app's commands in flight are durable and its snapshot is written.
    pub fn close(mut self) -> Result<()> {
        self.close_all()
    }

    /// Stops like a crash after the last acknowledged write: every app's logged commands are
    /// made durable and its committer stopped, but no final snapshot is written, and the lock
    /// is released. For tests of recovery in one process.
    #[doc(hidden)]
    pub fn abandon(mut self) {
        for a in self.stop_all() {
            a.stop();
        }
    }

    /// Takes the apps and stops the background snapshots (a queued one would race the final
    /// one).
    fn stop_all(&mut self) -> Vec<Durable> {
        let apps = std::mem::take(&mut *self.apps.lock().unwrap_or_else(PoisonError::into_inner));
        self.shared
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(h) = self.snapshotter.take() {
            let _ = h.join();
        }
        apps.into_values().collect()
    }

    fn close_all(&mut self) -> Result<()> {
        let apps = self.stop_all();
        let mut first = Ok(());
        for a in apps {
            if let Err(e) = a.close() {
                tracing::error!(app = %a.app().key(), error = %e, "closing the app failed");
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = self.close_all();
    }
}

fn write_meta(path: &Path, meta: &AppMeta) -> Result<()> {
    let json = serde_json::to_vec_pretty(meta).expect("metadata always serializes");
    fsio::write_atomic(path, &[&format::seal(META_MAGIC, &json)])
}

fn read_meta(path: &Path) -> Result<AppMeta> {
    let bytes = fsio::read(path)?;
    let payload = format::unseal(path, META_MAGIC, &bytes)?;
    serde_json::from_slice(payload).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        offset: format::SEALED_HEADER_BYTES as u64,
        what: format!("metadata does not decode: {e}"),
    })
}

/// What recovery read, before anything on disk changes.
struct Recovered {
    started: Instant,
    app: imcore::App,
    meta: AppMeta,
    snapshot: Option<(PathBuf, u64)>,
    /// The newest snapshot's file-name position (0 without one).
    newest_snapshot: u64,
    replayed: u64,
    replayed_bytes: u64,
    segment_count: usize,
    /// The segments that stay, oldest first.
    segments: Vec<(u64, PathBuf)>,
    /// The last segment, opened for appending, when new records follow on from it.
    open_segment: Option<(File, PathBuf, u64)>,
    /// The last record cut short: file, offset, why, and where its bytes end.
    torn: Option<(PathBuf, u64, String, u64)>,
    /// Where the written part of the last segment ends (the next record goes there).
    last_end: u64,
    /// The last segment holds no record (created just before a crash): removed.
    empty_last: Option<PathBuf>,
    /// Older snapshots and temporary files: removed.
    leftovers: Vec<PathBuf>,
    /// The last record on disk is the app's last applied command: new records follow on
    /// in the last segment (otherwise the next batch starts a new one).
    last_position_is_applied: bool,
}

impl Recovered {
    /// The disk changes recovery makes once it has succeeded: truncate a torn tail, remove an
    /// empty last segment, older snapshots and temporary files; then open the last segment
    /// for appending if the next record follows on from it.
    fn tidy(&mut self, dir: &Path) -> Result<()> {
        if let Some((path, offset, why, dirty_end)) = &self.torn {
            tracing::warn!(file = %path.display(), offset, reason = %why,
                "dropping a torn last log record (a write cut short by a crash); every record before it is kept");
            // Zero the torn bytes, so that the segment ends at the last good record again and
            // new records follow it.
            use std::io::{Seek, SeekFrom};
            let mut f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(Error::io(path))?;
            let zeros = vec![0u8; (dirty_end - offset) as usize];
            f.seek(SeekFrom::Start(*offset))
                .and_then(|_| f.write_all(&zeros))
                .and_then(|()| f.sync_all())
                .map_err(Error::io(path))?;
            if *offset == 0 {
                self.empty_last = Some(path.clone());
            }
        }
        let mut removed = false;
        if let Some(path) = self.empty_last.take() {
            fs::remove_file(&path).map_err(Error::io(&path))?;
            self.segments.retain(|(_, p)| *p != path);
            removed = true;
        }
        for p in std::mem::take(&mut self.leftovers) {
            fs::remove_file(&p).map_err(Error::io(&p))?;
            removed = true;
        }
        if removed {
            fsio::sync_dir(dir)?;
            fsio::sync_dir(&dir.join("log"))?;
        }
        if let Some((_, path)) = self.segments.last()
            && self.last_position_is_applied
        {
            use std::io::{Seek, SeekFrom};
            let mut f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(Error::io(path))?;
            f.seek(SeekFrom::Start(self.last_end))
                .map_err(Error::io(path))?;
            self.open_segment = Some((f, path.clone(), self.last_end));
        }
        Ok(())
    }
}

fn corrupt(path: &Path, offset: u64, what: impl Into<String>) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        offset,
        what: what.into(),
    }
}

/// Reads and replays an app's directory into `engine`, changing nothing on disk.
fn recover(
    engine: &Engine,
    key: &AppKey,
    dir: &Path,
    meta_path: &Path,
    options: &Options,
) -> Result<Recovered> {
    let started = Instant::now();
    let meta = read_meta(meta_path)?;
    if &meta.key != key {
        return Err(corrupt(
            meta_path,
            format::SEALED_HEADER_BYTES as u64,
            format!("metadata of app {} in the directory of {key}", meta.key),
        ));
    }
    let mut leftovers = Vec::new();
    for dir in [dir.to_path_buf(), dir.join("log"), dir.join("blobs")] {
        for (_, p) in fsio::list(&dir, |s| s.ends_with(fsio::TMP_SUFFIX).then_some(()))? {
            leftovers.push(p);
        }
    }
    let snaps = fsio::list(dir, |s| fsio::parse_numbered(s, SNAPSHOT_SUFFIX))?;
    let (app, snapshot, newest_snapshot) = match snaps.last() {
        Some((n, path)) => {
            for (_, p) in &snaps[..snaps.len() - 1] {
                leftovers.push(p.clone());
            }
            let bytes = fsio::read(path)?;
            let payload = format::unseal(path, SNAPSHOT_MAGIC, &bytes)?;
            let at = format::SEALED_HEADER_BYTES as u64;
            let app = engine
                .restore_app(&mut postcard::Deserializer::from_bytes(payload))
                .map_err(|e| match e {
                    RestoreError::AppExists(k) => Error::EngineHasApp(k),
                    e => corrupt(path, at, format!("snapshot does not restore: {e}")),
                })?;
            // From here on a failure must unregister the app: the caller does.
            if app.key() != key {
                return Err(corrupt(
                    path,
                    at,
                    format!("snapshot of app {} in the directory of {key}", app.key()),
                ));
            }
            if app.applied() < *n {
                return Err(corrupt(
                    path,
                    at,
                    format!(
                        "snapshot holds {} commands, its name says at least {n}",
                        app.applied()
                    ),
                ));
            }
            let applied = app.applied();
            (app, Some((path.clone(), applied)), *n)
        }
        None => {
            let app = engine
                .create_app(key.clone(), meta.limits.clone())
                .map_err(|_| Error::EngineHasApp(key.to_string()))?;
            (app, None, 0)
        }
    };
    let covered = app.applied();
    let segs = fsio::list(&dir.join("log"), |s| {
        fsio::parse_numbered(s, SEGMENT_SUFFIX)
    })?;
    let mut out = Recovered {
        started,
        app,
        meta,
        snapshot,
        newest_snapshot,
        replayed: 0,
        replayed_bytes: 0,
        segment_count: segs.len(),
        segments: segs.clone(),
        open_segment: None,
        torn: None,
        last_end: 0,
        empty_last: None,
        leftovers,
        last_position_is_applied: false,
    };
    let mut last_position: Option<u64> = None;
    for (i, (first, path)) in segs.iter().enumerate() {
        let is_last = i + 1 == segs.len();
        let bytes = fsio::read(path)?;
        let seg = format::read_segment(&bytes);
        if is_last {
            out.last_end = seg.end;
        }
        if let Some((offset, why)) = &seg.bad {
            if is_last && format::next_good_frame(&bytes, *offset).is_none() {
                out.torn = Some((path.clone(), *offset, why.to_string(), seg.dirty_end));
            } else if is_last {
                return Err(corrupt(
                    path,
                    *offset,
                    format!("{why}, and good records follow it"),
                ));
            } else {
                return Err(corrupt(path, *offset, why.to_string()));
            }
        }
        let Some(head) = seg.frames.first() else {
            if is_last {
                if out.torn.is_none() {
                    out.empty_last = Some(path.clone());
                }
                continue;
            }
            return Err(corrupt(path, 0, "segment holds no record"));
        };
        if head.position != *first {
            return Err(corrupt(
                path,
                0,
                format!(
                    "first record is at position {}, the file name says {first}",
                    head.position
                ),
            ));
        }
        if let Some(prev) = last_position {
            if *first <= prev {
                return Err(corrupt(
                    path,
                    0,
                    format!("segment starts at position {first}, not after {prev}"),
                ));
            }
            if *first != prev + 1 && *first > covered + 1 {
                return Err(corrupt(
                    path,
                    0,
                    format!(
                        "gap in the log: positions {} to {} are in no segment and no snapshot",
                        prev + 1,
                        first - 1
                    ),
                ));
            }
        }
        let mut prev_in_seg: Option<u64> = None;
        for f in &seg.frames {
            if let Some(p) = prev_in_seg
                && f.position != p + 1
            {
                return Err(corrupt(
                    path,
                    f.offset,
                    format!("record at position {} follows position {p}", f.position),
                ));
            }
            prev_in_seg = Some(f.position);
            let applied = out.app.applied();
            if f.position <= covered {
                continue;
            }
            if f.position != applied + 1 {
                return Err(corrupt(
                    path,
                    f.offset,
                    format!(
                        "gap in the log: record at position {} but the app is at {applied}",
                        f.position
                    ),
                ));
            }
            let (actor, now, cmd) =
                decode_record(f.payload).map_err(|e| corrupt(path, f.offset, e))?;
            let mut at = 0;
            out.app
                .execute_logged(&actor, now, cmd, |p| at = p)
                .map_err(|e| {
                    corrupt(
                        path,
                        f.offset,
                        format!(
                            "record at position {} fails on replay: {e} (written by another engine version?)",
                            f.position
                        ),
                    )
                })?;
            if at != f.position {
                return Err(corrupt(
                    path,
                    f.offset,
                    format!(
                        "record at position {} replayed at position {at}",
                        f.position
                    ),
                ));
            }
            out.replayed += 1;
            out.replayed_bytes += (format::FRAME_HEADER_BYTES + f.payload.len()) as u64;
        }
        last_position = prev_in_seg;
    }
    if out.replayed > 0 && options.check_invariants {
        imcore::invariants::check(&out.app).map_err(|e| {
            let (_, last) = segs.last().expect("records were replayed from a segment");
            corrupt(
                last,
                0,
                format!("the state after replaying the log breaks an invariant: {e}"),
            )
        })?;
    }
    out.last_position_is_applied = last_position == Some(out.app.applied());
    Ok(out)
}
