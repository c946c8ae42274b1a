//! The file-system steps every durable write is made of: sync a directory, write a file
//! atomically (temporary name, sync, rename, sync the directory), read a file whole.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The suffix of files being written; such files left by a crash are removed on recovery.
pub const TMP_SUFFIX: &str = ".tmp";

/// Syncs `dir`, so that the names created, renamed or removed in it are durable.
///
/// # Errors
/// The I/O error, naming `dir`.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(dir))
}

/// Writes `parts` (concatenated) to `path` atomically: to `path.tmp`, synced, renamed over
/// `path`, and the directory synced. A reader sees the old file or the whole new one.
///
/// # Errors
/// The I/O error, naming the file; the temporary file is removed.
pub fn write_atomic(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let tmp = tmp_path(path);
    let write = || -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        for p in parts {
            f.write_all(p)?;
        }
        f.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(&tmp)(e));
    }
    fs::rename(&tmp, path).map_err(Error::io(path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// `path` with [`TMP_SUFFIX`] appended.
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(TMP_SUFFIX);
    PathBuf::from(s)
}

/// The whole file.
///
/// # Errors
/// The I/O error, naming `path`.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(Error::io(path))
}

/// Creates `dir` and its missing parents, syncing each parent whose entries changed so that
/// the new directories survive a crash.
///
/// # Errors
/// The I/O error, naming the directory.
pub fn create_dirs(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dirs(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(Error::io(dir)(e)),
    }
    sync_dir(
        dir.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
}

/// The entries of `dir` whose names parse with `parse`, sorted by the parsed key.
///
/// # Errors
/// The I/O error, naming `dir`.
pub fn list<K: Ord>(dir: &Path, parse: impl Fn(&str) -> Option<K>) -> Result<Vec<(K, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(dir)(e)),
    };
    for e in entries {
        let e = e.map_err(Error::io(dir))?;
        if let Some(k) = e.file_name().to_str().and_then(&parse) {
            out.push((k, e.path()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// A number written as 20 digits followed by `suffix` (`00000000000000000042.log`).
pub fn numbered(n: u64, suffix: &str) -> String {
    format!("{n:020}{suffix}")
}

/// The number of a name written by [`numbered`] with `suffix`.
pub fn parse_numbered(name: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_suffix(suffix)?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}
