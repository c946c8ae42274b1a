//! [`Error`]: what can go wrong with a data directory, each naming the file (and, for damage,
//! the offset) at fault; [`ExecError`]: a command refused by the engine or not made durable.

use std::path::PathBuf;

/// A data directory's error. Every variant about a file names it; damage names the offset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on `path`.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Another process (or another [`crate::DataDir`] in this one) has the directory open.
    #[error("data directory in use{holder}: its lock file {} is held", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// ` by pid N` when the lock file names its holder.
        holder: String,
    },
    /// Damage: a record, snapshot, metadata file or blob that is not what was written.
    /// Nothing on disk was changed.
    #[error("{} at offset {offset}: {what}", path.display())]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// Where in the file the damage was found.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The directory is not a data directory of this format.
    #[error("{}: {what}", path.display())]
    Format {
        /// The directory or its format file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// [`crate::DataDir::create_app`] for an app the directory already holds.
    #[error("app {0} already exists in the data directory")]
    AppExists(String),
    /// [`crate::DataDir::open_app`] for an app the directory does not hold.
    #[error("app {0} is not in the data directory")]
    AppNotFound(String),
    /// The engine already has an app of this key (the data directory's apps are created or
    /// restored by the data directory itself).
    #[error("the engine already has app {0}")]
    EngineHasApp(String),
    /// An earlier write or sync of the app's log failed: the app takes no more commands, and
    /// its memory may hold commands that are not on disk. Restart to recover the last durable
    /// state.
    #[error("the app's log failed earlier and takes no more commands: {0}")]
    Failed(String),
    /// The app (or its data directory) was closed.
    #[error("the app's data directory is closed")]
    Closed,
    /// A blob id that is empty or longer than [`crate::BLOB_ID_BYTES_MAX`].
    #[error("blob id of {0} bytes (1..=128 allowed)")]
    BlobId(usize),
}

impl Error {
    /// An [`Error::Io`] on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// The result of a data directory call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why [`crate::Durable::execute`] returned no reply.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The engine refused the command (its own error, with the vendor's status and code).
    /// Nothing changed and nothing was logged.
    #[error(transparent)]
    Refused(#[from] imcore::Error),
    /// The command was not made durable: the log failed (the command may have applied in
    /// memory; the app takes no more commands) or the app is closed (nothing changed).
    #[error(transparent)]
    Storage(#[from] Error),
}
