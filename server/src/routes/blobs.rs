//! The host's bytes of attachments (`/chatfiles`) and group shared files: a small blob store
//! behind the [`Blobs`] trait. The engine keeps only their metadata; this keeps the bytes.
//!
//! [`MemoryBlobs`] keeps them in memory, bounded: at most [`MEMORY_BLOBS_BYTES_MAX`] bytes in
//! all, each blob dropped after its retention (7 days, as the engine's metadata), on a
//! download the engine refuses, and when the engine says it dropped an attachment.
//! [`DirBlobs`] keeps them in the app's data directory ([`imcore_durable::Blobs`]: one sealed
//! file per blob, synced before `put` returns), so they survive restarts with the metadata.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use imcore::Timestamp;

/// Most bytes the in-memory store holds (1 GiB).
pub const MEMORY_BLOBS_BYTES_MAX: usize = 1024 * 1024 * 1024;

/// Where blobs are kept. Keys are the host's (`chatfile/{uuid}`, `groupfile/{group}/{id}`).
pub trait Blobs: Send + Sync + std::fmt::Debug {
    /// Keeps `bytes` under `key` at `now`; `false` when there is no room.
    fn put(&self, key: &str, bytes: Bytes, now: Timestamp) -> bool;
    /// The bytes under `key`.
    fn get(&self, key: &str) -> Option<Bytes>;
    /// Drops `key`.
    fn remove(&self, key: &str);
    /// Drops every blob put before `cutoff`.
    fn expire(&self, cutoff: Timestamp);
}

/// The blobs by key with when each was put, and their total size.
type Held = (HashMap<String, (Bytes, Timestamp)>, usize);

/// Blobs in memory, at most `max` bytes in all.
#[derive(Debug)]
pub struct MemoryBlobs {
    max: usize,
    inner: Mutex<Held>,
}

impl MemoryBlobs {
    /// An empty store holding at most `max` bytes.
    pub fn new(max: usize) -> MemoryBlobs {
        MemoryBlobs {
            max,
            inner: Mutex::new((HashMap::new(), 0)),
        }
    }
}

impl Blobs for MemoryBlobs {
    fn put(&self, key: &str, bytes: Bytes, now: Timestamp) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let old = g.0.get(key).map_or(0, |b| b.0.len());
        if g.1 - old + bytes.len() > self.max {
            return false;
        }
        g.1 = g.1 - old + bytes.len();
        g.0.insert(key.to_owned(), (bytes, now));
        true
    }

    fn get(&self, key: &str) -> Option<Bytes> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0.get(key).map(|b| b.0.clone())
    }

    fn remove(&self, key: &str) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((b, _)) = g.0.remove(key) {
            g.1 -= b.len();
        }
    }

    fn expire(&self, cutoff: Timestamp) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (map, total) = &mut *g;
        map.retain(|_, (b, at)| {
            let keep = *at > cutoff;
            if !keep {
                *total -= b.len();
            }
            keep
        });
    }
}

/// Blobs in an app's data directory. Each is written and synced before [`Blobs::put`]
/// returns, before the command that names it runs, so after a crash a blob may lack its
/// metadata (an orphan, never served, removed by the start-up sweep) but never the reverse.
/// [`Blobs::expire`] does nothing here: the engine's metadata decides what is expired (a
/// download it refuses removes the bytes), and the start-up sweep removes the bytes of every
/// attachment and shared file the engine no longer holds.
#[derive(Debug)]
pub struct DirBlobs(pub imcore_durable::Blobs);

impl Blobs for DirBlobs {
    fn put(&self, key: &str, bytes: Bytes, _now: Timestamp) -> bool {
        match self.0.put(key, &bytes) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, key, "storing bytes failed");
                false
            }
        }
    }

    fn get(&self, key: &str) -> Option<Bytes> {
        match self.0.get(key) {
            Ok(b) => b.map(Bytes::from),
            Err(e) => {
                tracing::error!(error = %e, key, "reading stored bytes failed");
                None
            }
        }
    }

    fn remove(&self, key: &str) {
        if let Err(e) = self.0.delete(key) {
            tracing::warn!(error = %e, key, "deleting stored bytes failed");
        }
    }

    fn expire(&self, _cutoff: Timestamp) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let s = MemoryBlobs::new(10);
        assert!(s.put("a", Bytes::from_static(b"12345"), Timestamp(1)));
        assert!(s.put("b", Bytes::from_static(b"12345"), Timestamp(2)));
        assert!(!s.put("c", Bytes::from_static(b"1"), Timestamp(3)), "full");
        assert!(!s.put("a", Bytes::from_static(b"123456"), Timestamp(3)));
        s.expire(Timestamp(1));
        assert!(s.get("a").is_none() && s.get("b").is_some());
        assert!(s.put("c", Bytes::from_static(b"12345"), Timestamp(3)));
        s.remove("b");
        assert!(s.get("b").is_none());
    }
}
