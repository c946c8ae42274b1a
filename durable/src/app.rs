//! [`Durable`]: one app of a data directory. Commands are logged and made durable before
//! their reply is returned (group commit: one committer thread per app writes and syncs
//! everything that arrived while it was busy); queries go straight to the engine; snapshots
//! are taken in the background and the log they cover is dropped.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::Instant;

use imcore::{Actor, App, AppKey, Ask, Command, Exec, Limits, Output, Timestamp};
use serde::{Deserialize, Serialize};

use crate::blobs::Blobs;
use crate::error::{Error, ExecError, Result};
use crate::format::{SNAPSHOT_MAGIC, push_frame, seal_header};
use crate::fsio;
use crate::{DirShared, Options};

/// What a data directory keeps about an app besides its state: the key and the limits it was
/// created with (the state of a new app before its first snapshot), and the host's own values
/// (`imcore-server` keeps the uuid it shows as `application`). Written once, when the app is
/// created, as checksummed JSON (`app.meta`), so that limits added later read as defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMeta {
    /// The app's key.
    pub key: AppKey,
    /// The limits the app was created with.
    pub limits: Limits,
    /// The host's values, by name.
    #[serde(default)]
    pub host: BTreeMap<String, String>,
}

/// What recovery found when an app was opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The snapshot restored, and the app's applied count in it.
    pub snapshot: Option<(PathBuf, u64)>,
    /// Log records replayed after the snapshot.
    pub replayed: u64,
    /// Log segments read.
    pub segments: usize,
    /// A torn last record that was dropped: the file and the offset it was truncated at.
    pub torn: Option<(PathBuf, u64)>,
    /// How long recovery took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Counters of an app's log, for tests and monitoring.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Records logged since the app was opened.
    pub records: u64,
    /// Batches written, each with one `write` and one `sync_data` (group commit: fewer than
    /// records under concurrent writers).
    pub syncs: u64,
    /// The position of the last durable record.
    pub durable: u64,
    /// Snapshots written since the app was opened.
    pub snapshots: u64,
    /// Log segment files on disk.
    pub segments: usize,
    /// Log bytes written since the last snapshot started.
    pub bytes_since_snapshot: u64,
    /// Log bytes written since the app was opened (records and their frames).
    pub bytes: u64,
}

/// One app of a data directory (or, for [`Durable::in_memory`], of none). Cheap to clone:
/// clones share the app.
///
/// - Inputs: [`Durable::execute`] (logged, durable before it returns).
/// - Reads: [`Durable::query`] and [`Durable::app`] (the engine's handle, for queries).
/// - Getters: [`Durable::meta`], [`Durable::blobs`], [`Durable::recovery`], [`Durable::stats`].
/// - Lifecycle: [`Durable::snapshot`], [`Durable::close`].
///
/// Every command must go through [`Durable::execute`]: a command run on the engine's handle
/// directly is not logged, and is lost in a crash (a later snapshot may still save it).
#[derive(Clone)]
pub struct Durable {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable")
            .field("key", self.inner.app.key())
            .field("logged", &self.inner.log.is_some())
            .finish()
    }
}

pub(crate) struct Inner {
    pub app: App,
    pub meta: AppMeta,
    pub blobs: Blobs,
    pub recovery: Recovery,
    pub log: Option<Arc<Log>>,
}

/// The log of one app: the group-commit buffer, its committer, its segments and snapshots.
pub(crate) struct Log {
    /// The app's directory.
    pub dir: PathBuf,
    pub options: Options,
    pub state: Mutex<LogState>,
    /// Signalled when a record is pushed or the log starts closing (the committer waits on it).
    pub pushed: Condvar,
    /// Signalled when a batch is durable or the log failed: writers whose record is in a
    /// batch of even generation wait on the first, odd on the second, so that a sync wakes
    /// only the writers it made durable, not those already waiting for the next batch.
    pub synced: [Condvar; 2],
    /// The segment files, oldest first; the committer appends, snapshots remove a prefix.
    pub segments: Mutex<Vec<(u64, PathBuf)>>,
    /// Held while a snapshot is written; the lower bound of the newest snapshot's position.
    pub snapshot_lock: Mutex<u64>,
    pub committer: Mutex<Option<JoinHandle<()>>>,
    /// Whether the spare segment (`log/spare.tmp`) is zero-filled and synced; held while it is
    /// made (by the background thread) or taken (by the committer, which never waits for it).
    pub spare: Mutex<bool>,
    pub shared: Arc<DirShared>,
}

#[derive(Default)]
pub(crate) struct LogState {
    /// Framed records pushed and not yet taken by the committer.
    pub buf: Vec<u8>,
    /// The position of the first record in `buf`.
    pub buf_first: u64,
    /// The generation of `buf`: how many batches the committer has taken before it.
    pub batch_no: u64,
    /// The committer is waiting for records (pushes wake it only then).
    pub committer_idle: bool,
    /// The position of the last record pushed.
    pub last_pushed: u64,
    /// Every position up to this one is on disk.
    pub durable: u64,
    /// Commands past the open check and not yet pushed or refused.
    pub inflight: usize,
    /// No new command is taken; the committer drains and stops.
    pub closing: bool,
    /// Closed: the final snapshot is written.
    pub closed: bool,
    /// Why the log failed, if it did.
    pub failed: Option<String>,
    /// Start a new segment at the next batch (after a snapshot, so that the old ones become
    /// wholly covered and can be dropped).
    pub roll: bool,
    /// A snapshot is queued or running.
    pub snapshot_queued: bool,
    pub stats: LogStats,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Encodes one log record's payload: the caller, the clock reading and the command.
pub(crate) fn encode_record(actor: &Actor, now: Timestamp, cmd: &Command) -> Vec<u8> {
    postcard::to_stdvec(&(actor, now, cmd)).expect("a command always serializes")
}

/// Decodes a payload written by [`encode_record`].
pub(crate) fn decode_record(payload: &[u8]) -> Result<(Actor, Timestamp, Command), String> {
    postcard::from_bytes(payload).map_err(|e| format!("record does not decode: {e}"))
}

/// Counts a command between the open check and its push (or refusal), so that closing waits
/// for it; dropping it uncounts a command that did not push (refused, or a panic).
struct Ticket<'a> {
    log: &'a Log,
    pushed: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.pushed {
            let mut st = lock(&self.log.state);
            st.inflight -= 1;
            drop(st);
            self.log.pushed.notify_all();
        }
    }
}

impl Log {
    fn begin(&self) -> Result<Ticket<'_>> {
        let mut st = lock(&self.state);
        if let Some(f) = &st.failed {
            return Err(Error::Failed(f.clone()));
        }
        if st.closing {
            return Err(Error::Closed);
        }
        st.inflight += 1;
        Ok(Ticket {
            log: self,
            pushed: false,
        })
    }

    /// Hands a record to the committer. Runs under the app's write lock, so the buffer's
    /// order is the order the commands applied in.
    /// Returns the generation of the batch the record is in.
    fn push(&self, ticket: &mut Ticket<'_>, position: u64, payload: &[u8]) -> u64 {
        let mut st = lock(&self.state);
        if st.buf.is_empty() {
            st.buf_first = position;
        }
        push_frame(&mut st.buf, position, payload);
        st.last_pushed = position;
        st.inflight -= 1;
        st.stats.records += 1;
        ticket.pushed = true;
        let batch_no = st.batch_no;
        let wake = st.committer_idle;
        drop(st);
        if wake {
            self.pushed.notify_one();
        }
        batch_no
    }

    /// Waits until `position`, in the batch of generation `batch_no`, is durable.
    fn wait(&self, position: u64, batch_no: u64) -> Result<()> {
        let mut st = lock(&self.state);
        loop {
            if st.durable >= position {
                return Ok(());
            }
            if let Some(f) = &st.failed {
                return Err(Error::Failed(f.clone()));
            }
            st = self.synced[(batch_no % 2) as usize]
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The committer's end of the log: the open segment.
pub(crate) struct Writer {
    pub log_dir: PathBuf,
    /// The segment being written (its cursor at the end of its records), its path and the
    /// offset of that end.
    pub open: Option<(File, PathBuf, u64)>,
}

/// The name of the zero-filled file a background job prepares for the next segment.
pub(crate) const SPARE: &str = "spare.tmp";

/// Creates `path` full of zeros (`len` bytes), synced: a segment whose writes then change no
/// file size.
pub(crate) fn zeroed_file(path: &Path, len: u64) -> std::io::Result<File> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    let chunk = vec![0u8; (len as usize).clamp(1, 1 << 20)];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    f.rewind()?;
    Ok(f)
}

impl Writer {
    /// Writes one batch with one `write` and one `sync_data`, in a new segment when asked
    /// (`roll`), when there is none, or when the batch would run past the open one's size.
    /// A new segment is the spare prepared in the background (renamed into place) or, if
    /// that is not ready, a zero-filled file made here.
    fn write(&mut self, log: &Arc<Log>, batch: &[u8], first: u64, roll: bool) -> Result<()> {
        let full = self.open.as_ref().is_none_or(|(_, _, at)| {
            *at > 0 && *at + batch.len() as u64 > log.options.segment_bytes
        });
        let new = roll || full;
        if new {
            let path = self
                .log_dir
                .join(fsio::numbered(first, crate::SEGMENT_SUFFIX));
            let spare = self.log_dir.join(SPARE);
            let took = match log.spare.try_lock() {
                Ok(mut ready) if *ready => {
                    *ready = false;
                    std::fs::rename(&spare, &path).is_ok()
                }
                _ => false,
            };
            let file = if took {
                OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(Error::io(&path))?
            } else {
                zeroed_file(&path, log.options.segment_bytes).map_err(Error::io(&path))?
            };
            lock(&log.segments).push((first, path.clone()));
            self.open = Some((file, path, 0));
            log.shared.queue_spare(log);
        }
        let (file, path, at) = self.open.as_mut().expect("a segment is open");
        file.write_all(batch).map_err(Error::io(&*path))?;
        file.sync_data().map_err(Error::io(&*path))?;
        if new {
            fsio::sync_dir(&self.log_dir)?;
        }
        *at += batch.len() as u64;
        Ok(())
    }
}

/// Prepares the spare segment of `log` (run by the background thread).
pub(crate) fn prepare_spare(log: &Log) {
    let mut ready = lock(&log.spare);
    {
        let st = lock(&log.state);
        if *ready || st.closing || st.failed.is_some() {
            return;
        }
    }
    let path = log.dir.join("log").join(SPARE);
    match zeroed_file(&path, log.options.segment_bytes) {
        Ok(_) => *ready = true,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            tracing::warn!(file = %path.display(), error = %e, "preparing the next log segment failed; it will be made when needed");
        }
    }
}

/// The committer: takes everything pushed since its last write, writes it with one `write`
/// and one `sync_data`, and wakes the writers waiting for it. Stops when the log closes (after
/// draining) or fails.
pub(crate) fn run_committer(log: Arc<Log>, mut writer: Writer, app: Weak<Inner>) {
    let mut spare = Vec::new();
    loop {
        let (batch, first, upto, roll, batch_no) = {
            let mut st = lock(&log.state);
            while st.buf.is_empty() && !(st.closing && st.inflight == 0) {
                st.committer_idle = true;
                st = log.pushed.wait(st).unwrap_or_else(PoisonError::into_inner);
                st.committer_idle = false;
            }
            if st.buf.is_empty() {
                return;
            }
            let batch = std::mem::replace(&mut st.buf, std::mem::take(&mut spare));
            let roll = std::mem::take(&mut st.roll);
            let batch_no = st.batch_no;
            st.batch_no += 1;
            (batch, st.buf_first, st.last_pushed, roll, batch_no)
        };
        let result = writer.write(&log, &batch, first, roll);
        let mut st = lock(&log.state);
        match result {
            Ok(()) => {
                st.durable = upto;
                st.stats.syncs += 1;
                st.stats.durable = upto;
                st.stats.bytes_since_snapshot += batch.len() as u64;
                st.stats.bytes += batch.len() as u64;
                let due = st.stats.bytes_since_snapshot >= log.options.snapshot_log_bytes
                    && !st.snapshot_queued
                    && !st.closing;
                if due {
                    st.snapshot_queued = true;
                }
                drop(st);
                log.synced[(batch_no % 2) as usize].notify_all();
                if due && let Some(inner) = app.upgrade() {
                    log.shared.queue_snapshot(Durable { inner });
                }
                spare = batch;
                spare.clear();
            }
            Err(e) => {
                tracing::error!(dir = %log.dir.display(), error = %e, "the app's log failed; it takes no more commands");
                st.failed = Some(e.to_string());
                drop(st);
                log.synced.iter().for_each(Condvar::notify_all);
                return;
            }
        }
    }
}

impl Durable {
    /// An app without a data directory: commands run on the engine directly and nothing is
    /// kept (`--in-memory` hosts, tests); blobs are kept in memory.
    pub fn in_memory(app: App) -> Durable {
        let meta = AppMeta {
            key: app.key().clone(),
            limits: Limits::clone(&app.limits()),
            host: BTreeMap::new(),
        };
        Durable {
            inner: Arc::new(Inner {
                app,
                meta,
                blobs: Blobs::in_memory(),
                recovery: Recovery::default(),
                log: None,
            }),
        }
    }

    /// The engine's handle of the app, for queries. Run commands with [`Durable::execute`].
    pub fn app(&self) -> &App {
        &self.inner.app
    }

    /// What the data directory keeps about the app (key, limits, the host's values).
    pub fn meta(&self) -> &AppMeta {
        &self.inner.meta
    }

    /// The app's blob store (in its directory; in memory for [`Durable::in_memory`]).
    pub fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    /// What recovery found when the app was opened (empty for a new app).
    pub fn recovery(&self) -> &Recovery {
        &self.inner.recovery
    }

    /// Whether commands are logged (false for [`Durable::in_memory`]).
    pub fn is_logged(&self) -> bool {
        self.inner.log.is_some()
    }

    /// The log's counters (all zero for [`Durable::in_memory`]).
    ///
    /// # Locking
    /// Takes the log's state lock briefly.
    pub fn stats(&self) -> LogStats {
        match &self.inner.log {
            None => LogStats::default(),
            Some(log) => {
                let mut s = lock(&log.state).stats.clone();
                s.segments = lock(&log.segments).len();
                s
            }
        }
    }

    /// Runs a command and returns its reply once it is durable: its log record is written
    /// and synced (with the records of the commands that arrived meanwhile: one sync covers
    /// them all). A refused command is not logged and changes nothing.
    ///
    /// # Errors
    /// [`ExecError::Refused`] with the engine's error; [`ExecError::Storage`] when the app is
    /// closed ([`Error::Closed`], nothing ran) or its log failed ([`Error::Failed`]).
    ///
    /// # Locking
    /// Takes the app's write lock for the command (as [`App::execute`]), then blocks until the
    /// committer has synced the record: about one disk sync.
    pub fn execute<C: Exec + Clone>(
        &self,
        actor: &Actor,
        now: Timestamp,
        cmd: C,
    ) -> Result<Output<C::Reply>, ExecError> {
        let app = &self.inner.app;
        let Some(log) = &self.inner.log else {
            return Ok(app.execute(actor, now, cmd)?);
        };
        let payload = encode_record(actor, now, &cmd.clone().into());
        let mut ticket = log.begin()?;
        let (mut position, mut batch_no) = (0, 0);
        let out = app.execute_logged(actor, now, cmd, |p| {
            position = p;
            batch_no = log.push(&mut ticket, p, &payload);
        })?;
        drop(ticket);
        log.wait(position, batch_no)?;
        Ok(out)
    }

    /// Runs a query on the engine (queries are not logged).
    ///
    /// # Errors
    /// The query's.
    ///
    /// # Locking
    /// As [`App::query`].
    pub fn query<Q: Ask>(&self, actor: &Actor, now: Timestamp, q: Q) -> imcore::Result<Q::Reply> {
        self.inner.app.query(actor, now, q)
    }

    /// Writes a snapshot now (if commands applied since the last one) and drops the log
    /// segments it covers. Background snapshots do the same when the log since the last one
    /// passes [`Options::snapshot_log_bytes`].
    ///
    /// # Errors
    /// The I/O error; the app's log failure.
    ///
    /// # Locking
    /// Holds the app's read lock while the state is serialized (commands wait, queries do
    /// not), then writes the file without it.
    pub fn snapshot(&self) -> Result<()> {
        self.write_snapshot(false).map(|_| ())
    }

    /// Writes a snapshot unless nothing applied since the last one; `last` also drops the
    /// open segment (the log is closed and every record is covered). The position a snapshot
    /// is named by is the applied count read before it is serialized, a lower bound of the
    /// exact count inside (commands may apply in between), so only segments wholly at or
    /// below it are dropped.
    pub(crate) fn write_snapshot(&self, last: bool) -> Result<Option<u64>> {
        let Some(log) = &self.inner.log else {
            return Ok(None);
        };
        if let Some(f) = &lock(&log.state).failed {
            return Err(Error::Failed(f.clone()));
        }
        let mut newest = lock(&log.snapshot_lock);
        let at = self.inner.app.applied();
        let wrote = if at > *newest {
            let started = Instant::now();
            lock(&log.state).stats.bytes_since_snapshot = 0;
            let bytes = serialize_snapshot(&self.inner.app);
            let path = log.dir.join(fsio::numbered(at, crate::SNAPSHOT_SUFFIX));
            let header = seal_header(SNAPSHOT_MAGIC, &bytes);
            fsio::write_atomic(&path, &[&header, &bytes])?;
            {
                let mut st = lock(&log.state);
                st.roll = true;
                st.stats.snapshots += 1;
            }
            *newest = at;
            tracing::info!(app = %self.inner.app.key(), file = %path.display(), bytes = bytes.len(),
                ms = started.elapsed().as_millis() as u64, "snapshot written");
            true
        } else {
            false
        };
        drop_covered(&log.dir, &log.segments, at, last)?;
        if last {
            // The log is closed: no next segment.
            *lock(&log.spare) = false;
            let spare = log.dir.join("log").join(SPARE);
            if spare.exists() {
                std::fs::remove_file(&spare).map_err(Error::io(&spare))?;
            }
        }
        Ok(wrote.then_some(at))
    }

    /// Stops taking commands, waits for the logged ones to be durable, writes a final
    /// snapshot and drops the log it covers. Idempotent; later commands get
    /// [`Error::Closed`]; queries still answer.
    ///
    /// # Errors
    /// The I/O error of the final snapshot; [`Error::Failed`] if the log had failed (no
    /// snapshot is written then: the memory may hold commands that are not on disk).
    ///
    /// # Locking
    /// Blocks until the commands in flight are durable and the snapshot is written.
    pub fn close(&self) -> Result<()> {
        let Some(log) = &self.inner.log else {
            return Ok(());
        };
        if lock(&log.state).closed {
            return Ok(());
        }
        self.stop();
        if let Some(f) = lock(&log.state).failed.clone() {
            return Err(Error::Failed(f));
        }
        self.write_snapshot(true)?;
        lock(&log.state).closed = true;
        Ok(())
    }
}

impl Durable {
    /// Stops taking commands and waits until the committer has made the logged ones durable
    /// and stopped.
    pub(crate) fn stop(&self) {
        let Some(log) = &self.inner.log else {
            return;
        };
        lock(&log.state).closing = true;
        log.pushed.notify_all();
        if let Some(h) = lock(&log.committer).take() {
            let _ = h.join();
        }
    }
}

/// The app's snapshot in postcard.
pub(crate) fn serialize_snapshot(app: &App) -> Vec<u8> {
    use postcard::ser_flavors::Flavor;
    let mut ser = postcard::Serializer {
        output: postcard::ser_flavors::StdVec::new(),
    };
    app.snapshot(&mut ser).expect("a state always serializes");
    ser.output.finalize().expect("a Vec always finalizes")
}

/// Removes the snapshots older than the one at `at` and the segments wholly covered by it:
/// segment `i` holds the positions from its name up to the next segment's name minus one, so
/// it is covered when the next one starts at or below `at + 1`. The last segment is removed
/// only when `all` (the log is closed at `at`).
fn drop_covered(
    dir: &Path,
    segments: &Mutex<Vec<(u64, PathBuf)>>,
    at: u64,
    all: bool,
) -> Result<()> {
    let mut changed = false;
    for (n, path) in fsio::list(dir, |s| fsio::parse_numbered(s, crate::SNAPSHOT_SUFFIX))? {
        if n < at {
            std::fs::remove_file(&path).map_err(Error::io(&path))?;
            changed = true;
        }
    }
    if changed {
        fsio::sync_dir(dir)?;
    }
    let mut segs = lock(segments);
    let mut removed = 0;
    while let Some((_, path)) = segs.first() {
        let covered = match segs.get(1) {
            Some((next, _)) => *next <= at + 1,
            None => all,
        };
        if !covered {
            break;
        }
        std::fs::remove_file(path).map_err(Error::io(path))?;
        segs.remove(0);
        removed += 1;
    }
    drop(segs);
    if removed > 0 {
        fsio::sync_dir(&dir.join("log"))?;
    }
    Ok(())
}
