//! # imcore-durable
//!
//! Durability for the [`imcore`] engine, as a library: a data directory that keeps each app
//! as its newest snapshot plus the log of the commands after it, so that an app survives a
//! restart, a crash or a deploy, and a reply is returned only once its command is on disk.
//! The engine stays sans-IO: it hands out snapshots and log positions
//! ([`imcore::App::snapshot`], [`imcore::App::execute_logged`]); this crate does the files.
//!
//! ```no_run
//! use imcore::*;
//! use imcore_durable::{DataDir, Options};
//!
//! let engine = Engine::new();
//! let dir = DataDir::open("imcore-data", Options::default())?;
//! let key = AppKey::new("acme", "chat")?;
//! let app = if dir.app_keys()?.contains(&key) {
//!     dir.open_app(&engine, &key)? // newest snapshot, then the log after it
//! } else {
//!     dir.create_app(&engine, key, Limits::default(), Default::default())?
//! };
//! let now = Timestamp(1_700_000_000_000);
//! // Returns once the command's log record is synced (with those of concurrent callers).
//! app.execute(&Actor::Admin, now, RegisterUser(NewUser::new("alice", "pw", "u-1")))?;
//! // Queries go straight to the engine.
//! let alice = UserName::parse("alice")?;
//! assert!(app.query(&Actor::Admin, now, GetUser { username: alice }).is_ok());
//! dir.close()?; // a final snapshot per app; the lock is released
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Layout
//!
//! ```text
//! imcore-data/
//!   LOCK                          lock file (flock), holds the owner's pid
//!   FORMAT                        "imcore-data 1"
//!   apps/<org>/<app>/
//!     app.meta                    sealed JSON: key, limits, the host's values (written once)
//!     <position>.snap             sealed postcard snapshot (the newest; older ones removed)
//!     log/<first position>.log    log segments: framed records, then zeros
//!     log/spare.tmp               the next segment, zero-filled ahead of time
//!     blobs/<hex id>              sealed blobs (attachment and shared-file bytes)
//! ```
//!
//! Positions are 20-digit zero-padded numbers, so names sort in log order. The byte formats
//! (record frames, sealed files) are in [`mod@format`]. The record payload is postcard of
//! `(Actor, Timestamp, Command)`: the serde form of [`imcore::Command`] (its variant order) is
//! part of the log format, as the state's is part of the snapshot format
//! ([`imcore::SNAPSHOT_VERSION`]).
//!
//! ## Writing: group commit
//!
//! [`Durable::execute`] serializes the command, runs it with
//! [`imcore::App::execute_logged`], whose callback — under the app's write lock, so that log
//! order is apply order — frames the record into the app's commit buffer, and then waits. One
//! committer thread per app takes the whole buffer, writes it with one `write` and one
//! `sync_data`, and wakes every caller whose record it covered: while one sync runs, the
//! commands arriving meanwhile pile up into the next batch, so one sync covers them all.
//!
//! Segments are made full of zeros and written in place ([`Options::segment_bytes`], 4 MiB by
//! default; the next one is zero-filled ahead of time by the background thread), so that a
//! sync flushes the batch's data and nothing else: appending to a growing file also changes its
//! size, which `fdatasync` must persist with a file-system journal commit (several times slower
//! per sync on this machine, in `/tmp/storebench`: a single-writer sync took 3.98 ms at the
//! median on a growing file and 0.14 ms on a zero-filled one).
//! A refused command is not logged. If a write or sync fails the app takes no more commands
//! ([`Error::Failed`]); its memory may then hold commands that are not on disk, so nothing
//! else is written (no snapshot) and a restart recovers the last durable state.
//!
//! ## Snapshots and dropping the log
//!
//! When the log written since the last snapshot passes [`Options::snapshot_log_bytes`], a
//! background thread (one per data directory) serializes the app under its read lock
//! (commands wait, queries do not), writes the snapshot to a temporary file, syncs it, renames
//! it into place and syncs the directory; then the committer starts a new segment, and every
//! segment whose records the snapshot covers is deleted, with older snapshots. A segment is
//! dropped whole, never rewritten. [`Durable::close`] (and [`DataDir::close`]) write a final
//! snapshot and drop the whole log, so a clean restart reads one file.
//!
//! ## Recovery, and damage
//!
//! [`DataDir::open_app`] restores the newest snapshot (or creates the app from its metadata),
//! then replays every log record after the snapshot's applied count, in order. The rules:
//!
//! - **A torn last record** — a frame at the end of the *last* segment that is cut short or
//!   fails its checksum, with no good frame anywhere after it, as a power cut in the middle of
//!   a write leaves — was never acknowledged: it is dropped, with a `tracing` warning naming
//!   the file and offset, and its bytes zeroed so that new records follow the last good one.
//!   Zeros after the last record are the unwritten rest of the segment, not damage.
//! - **Anything else is an error naming the file and offset**, and recovery changes nothing on
//!   disk and leaves nothing in the engine: a bad frame followed by good ones, or in any but
//!   the last segment; a record whose position is not the next one (a gap or a repeat); a
//!   record that does not decode, fails on replay or lands at another position; a snapshot or
//!   metadata file whose magic, length or checksum is wrong, or whose state does not restore
//!   (the engine checks every invariant of a restored snapshot). After replaying records,
//!   every invariant is checked again ([`Options::check_invariants`]).
//! - **A second opener is refused**: [`DataDir::open`] takes an exclusive lock on `LOCK`
//!   ([`std::fs::File::try_lock`], released by the kernel when the holder exits however it
//!   exits) and fails with [`Error::Locked`] naming the holder's pid.
//!
//! ## Why plain files, not an embedded database
//!
//! The log and snapshots are plain files with our own framing, chosen by a benchmark on the
//! project's 2-core machine (`/tmp/storebench`, 3–5 runs each, medians) against redb 5.0,
//! fjall 3.1 and SQLite (rusqlite, WAL, `synchronous=FULL`), all doing the same group commit
//! (one transaction or one write + sync per batch):
//!
//! | | plain framed file | redb | fjall | SQLite |
//! |---|---|---|---|---|
//! | bytes written per commit | 216 B | 24.8 KB | not measured | not measured |
//! | recover 1M records (open + scan) | 0.1 s | 0.4 s | 2.1 s | 0.3 s |
//! | drop 900k records (prefix) | 0.1 s | 0.2 s | 1.5 s | 1.9 s |
//! | write a 256 MB snapshot | 0.6 s | 4.5 s (2x disk) | 2.1 s | 3.0 s |
//! | 16 writers, records/s, two runs (fsync-bound) | 3.6k; 14.9k | 3.1k; 9.4k | 3.3k; 13.1k | 3.4k; 17.1k |
//!
//! The plain file beat or tied every crate on every stable metric. The group-commit rates are
//! bound by the machine's fsync latency, which swung 4x between the two runs on this shared
//! VM; within a run the four are close, as they should be when each batch costs one sync. And only our own
//! framing meets the damage rules above: redb reports damage from outside as
//! `Corrupted(String)` with no position (and a plain open "may panic" on such a file, its docs
//! say); fjall silently truncates its journal at a checksum mismatch (changing the disk, no file
//! or offset); SQLite's main database pages carry no checksums at all. The parts come from
//! well-kept crates: `crc32fast` (checksums), `postcard` (the format), `serde_json`
//! (metadata); the lock is the standard library's.
//!
//! ## Blobs
//!
//! [`Blobs`] keeps bytes the engine only describes (attachments, group shared files): one
//! sealed file per id under the app's `blobs/`, written atomically and synced; in memory for
//! [`Durable::in_memory`] apps.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;
mod blobs;
mod dir;
mod error;
pub mod format;
mod fsio;

pub use app::{AppMeta, Durable, LogStats, Recovery};
pub use blobs::{BLOB_ID_BYTES_MAX, Blobs};
pub(crate) use dir::DirShared;
pub use dir::{DataDir, FORMAT, FORMAT_FILE, LOCK_FILE, META_FILE};
pub use error::{Error, ExecError, Result};

/// The suffix of log segment files.
pub const SEGMENT_SUFFIX: &str = ".log";
/// The suffix of snapshot files.
pub const SNAPSHOT_SUFFIX: &str = ".snap";

/// How a data directory writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The size of a log segment: each is created full of zeros (the next one ahead of
    /// time, in the background) and written in place, so that a sync flushes data only. A
    /// new one starts when a batch would run past it. Default 4 MiB.
    pub segment_bytes: u64,
    /// A background snapshot starts when this many log bytes were written since the last
    /// one. Recovery replays at most about this much log after a crash. Default 32 MiB.
    pub snapshot_log_bytes: u64,
    /// Check every invariant after replaying log records on recovery (the engine already
    /// checks a restored snapshot). Default true.
    pub check_invariants: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            segment_bytes: 4 << 20,
            snapshot_log_bytes: 32 << 20,
            check_invariants: true,
        }
    }
}
