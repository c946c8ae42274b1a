//! [`Blobs`]: a small content store for the bytes the engine only describes (attachments,
//! group shared files): put, get and delete by id, in an app's directory or in memory.
//!
//! On disk each blob is one sealed file (`blobs/<hex of the id>`, checksummed), written
//! atomically and synced before [`Blobs::put`] returns, so a host can store the bytes first
//! and then run the command that refers to them: after a crash a blob may exist without its
//! command (an orphan, never served because nothing names it), never the other way round.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::format::{BLOB_MAGIC, seal_header, unseal};
use crate::fsio;

/// Longest blob id, in bytes.
pub const BLOB_ID_BYTES_MAX: usize = 128;

/// A content store: bytes by id. Cheap to clone (clones share the store).
#[derive(Clone, Debug)]
pub struct Blobs(Arc<Inner>);

#[derive(Debug)]
enum Inner {
    Dir(PathBuf),
    Memory(Mutex<HashMap<String, Arc<[u8]>>>),
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > BLOB_ID_BYTES_MAX {
        return Err(Error::BlobId(id.len()));
    }
    Ok(())
}

fn file_name(id: &str) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    id.bytes()
        .flat_map(|b| [D[(b >> 4) as usize] as char, D[(b & 15) as usize] as char])
        .collect()
}

fn id_of(name: &str) -> Option<String> {
    if !name.len().is_multiple_of(2) || name.is_empty() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..name.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(name.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

impl Blobs {
    /// A store in memory (lost on exit), for hosts without a data directory.
    pub fn in_memory() -> Blobs {
        Blobs(Arc::new(Inner::Memory(Mutex::new(HashMap::new()))))
    }

    /// A store in `dir` (created on the first put).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Blobs {
        Blobs(Arc::new(Inner::Dir(dir.into())))
    }

    /// The directory, for a store on disk.
    pub fn dir(&self) -> Option<&Path> {
        match &*self.0 {
            Inner::Dir(d) => Some(d),
            Inner::Memory(_) => None,
        }
    }

    /// Stores `bytes` under `id`, replacing what was there. On disk, durable when it returns.
    ///
    /// # Errors
    /// [`Error::BlobId`] for an id that is empty or too long; the I/O error.
    pub fn put(&self, id: &str, bytes: &[u8]) -> Result<()> {
        check_id(id)?;
        match &*self.0 {
            Inner::Dir(d) => {
                fsio::create_dirs(d)?;
                let header = seal_header(BLOB_MAGIC, bytes);
                fsio::write_atomic(&d.join(file_name(id)), &[&header, bytes])
            }
            Inner::Memory(m) => {
                m.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id.to_owned(), bytes.into());
                Ok(())
            }
        }
    }

    /// The bytes under `id`, if any.
    ///
    /// # Errors
    /// [`Error::BlobId`]; the I/O error; [`Error::Corrupt`] for a blob file that is not what
    /// was written (its checksum names the damage).
    pub fn get(&self, id: &str) -> Result<Option<Vec<u8>>> {
        check_id(id)?;
        match &*self.0 {
            Inner::Dir(d) => {
                let path = d.join(file_name(id));
                let bytes = match std::fs::read(&path) {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(Error::io(path)(e)),
                };
                Ok(Some(unseal(&path, BLOB_MAGIC, &bytes)?.to_vec()))
            }
            Inner::Memory(m) => Ok(m
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(id)
                .map(|b| b.to_vec())),
        }
    }

    /// Removes the blob under `id`; whether there was one. On disk, durable when it returns.
    ///
    /// # Errors
    /// [`Error::BlobId`]; the I/O error.
    pub fn delete(&self, id: &str) -> Result<bool> {
        check_id(id)?;
        match &*self.0 {
            Inner::Dir(d) => {
                let path = d.join(file_name(id));
                match std::fs::remove_file(&path) {
                    Ok(()) => {
                        fsio::sync_dir(d)?;
                        Ok(true)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(Error::io(path)(e)),
                }
            }
            Inner::Memory(m) => Ok(m
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(id)
                .is_some()),
        }
    }

    /// Every stored id, sorted (for a host that removes orphans).
    ///
    /// # Errors
    /// The I/O error.
    pub fn ids(&self) -> Result<Vec<String>> {
        match &*self.0 {
            Inner::Dir(d) => Ok(fsio::list(d, id_of)?.into_iter().map(|(k, _)| k).collect()),
            Inner::Memory(m) => {
                let mut v: Vec<String> = m
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .keys()
                    .cloned()
                    .collect();
                v.sort();
                Ok(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(b: &Blobs) {
        assert_eq!(b.get("a/../b").unwrap(), None);
        b.put("a/../b", b"one").unwrap();
        b.put("x", b"").unwrap();
        assert_eq!(b.get("a/../b").unwrap().as_deref(), Some(&b"one"[..]));
        b.put("a/../b", b"two").unwrap();
        assert_eq!(b.get("a/../b").unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(b.get("x").unwrap().as_deref(), Some(&b""[..]));
        assert_eq!(
            b.ids().unwrap(),
            vec!["a/../b".to_string(), "x".to_string()]
        );
        assert!(b.delete("x").unwrap());
        assert!(!b.delete("x").unwrap());
        assert!(matches!(b.put("", b"."), Err(Error::BlobId(0))));
        assert!(matches!(b.get(&"z".repeat(129)), Err(Error::BlobId(129))));
    }

    #[test]
    fn memory_and_dir_stores_behave_alike() {
        exercise(&Blobs::in_memory());
        let t = tempfile::tempdir().unwrap();
        let d = Blobs::in_dir(t.path().join("blobs"));
        exercise(&d);
        // A damaged blob is reported, not served.
        let path = t.path().join("blobs").join(file_name("a/../b"));
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(
            d.get("a/../b"),
            Err(Error::Corrupt { offset: 20, .. })
        ));
    }
}
