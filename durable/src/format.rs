//! The bytes on disk: log record frames, and sealed files (snapshots, app metadata, blobs).
//!
//! # Log records
//! A segment file is a sequence of frames followed by zeros (no header: the file name is the
//! position of its first record). Segments are created full of zeros and written in place, so
//! that syncing a batch flushes data only, not the file's size (a journal commit on most file
//! systems, several times slower); the written part ends where the rest of the file is all
//! zeros:
//!
//! ```text
//! offset 0   len      u32 LE   payload bytes (1 ..= RECORD_BYTES_MAX)
//! offset 4   crc      u32 LE   CRC-32 (IEEE) of len ‖ position ‖ payload
//! offset 8   position u64 LE   the command's position in the app's log (1, 2, 3, …)
//! offset 16  payload           postcard of (Actor, Timestamp, Command)
//! ```
//!
//! # Sealed files
//! Snapshots, the app metadata and blobs are one payload behind a header:
//!
//! ```text
//! offset 0   magic    8 bytes  what the file is (SNAPSHOT_MAGIC, META_MAGIC, BLOB_MAGIC)
//! offset 8   len      u64 LE   payload bytes
//! offset 16  crc      u32 LE   CRC-32 of the payload
//! offset 20  payload
//! ```
//!
//! They are written whole to a temporary name, synced, renamed into place and the directory
//! synced, so a sealed file is either absent or complete: any mismatch is damage.

use std::path::Path;

use crate::error::Error;

/// Bytes of a record frame's header.
pub const FRAME_HEADER_BYTES: usize = 16;
/// Largest record payload. A command is bounded by the host's request size (a few hundred
/// KiB at most); anything larger in a length field is damage.
pub const RECORD_BYTES_MAX: usize = 16 << 20;

/// Bytes of a sealed file's header.
pub const SEALED_HEADER_BYTES: usize = 20;
/// The magic of a snapshot file.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"IMCSNAP1";
/// The magic of an app's metadata file.
pub const META_MAGIC: [u8; 8] = *b"IMCMETA1";
/// The magic of a blob file.
pub const BLOB_MAGIC: [u8; 8] = *b"IMCBLOB1";

fn record_crc(len: u32, position: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&len.to_le_bytes());
    h.update(&position.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Appends the frame of the record at `position` to `out`.
///
/// # Panics
/// If the payload is empty or larger than [`RECORD_BYTES_MAX`] (a command never is).
pub fn push_frame(out: &mut Vec<u8>, position: u64, payload: &[u8]) {
    assert!(
        !payload.is_empty() && payload.len() <= RECORD_BYTES_MAX,
        "record payload of {} bytes",
        payload.len()
    );
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&record_crc(len, position, payload).to_le_bytes());
    out.extend_from_slice(&position.to_le_bytes());
    out.extend_from_slice(payload);
}

/// One well-formed frame of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Where the frame starts in its file.
    pub offset: u64,
    /// The record's log position.
    pub position: u64,
    /// The record's payload.
    pub payload: &'a [u8],
}

/// Why the bytes at an offset are no frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadFrame {
    /// Fewer than [`FRAME_HEADER_BYTES`] bytes are left.
    ShortHeader,
    /// The length field is 0 or above [`RECORD_BYTES_MAX`].
    BadLength(u32),
    /// The length runs past the end of the file.
    ShortPayload {
        /// The length field.
        len: u32,
        /// The bytes left after the header.
        left: usize,
    },
    /// The checksum does not match.
    Checksum,
}

impl std::fmt::Display for BadFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadFrame::ShortHeader => write!(f, "record header cut short"),
            BadFrame::BadLength(n) => write!(f, "record length {n} is out of range"),
            BadFrame::ShortPayload { len, left } => {
                write!(f, "record of {len} bytes cut short ({left} bytes left)")
            }
            BadFrame::Checksum => write!(f, "record checksum mismatch"),
        }
    }
}

/// The frame at `offset` of `bytes`.
///
/// # Errors
/// Why it is no frame.
pub fn frame_at(bytes: &[u8], offset: usize) -> Result<Frame<'_>, BadFrame> {
    let rest = &bytes[offset.min(bytes.len())..];
    if rest.len() < FRAME_HEADER_BYTES {
        return Err(BadFrame::ShortHeader);
    }
    let len = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes"));
    let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
    let position = u64::from_le_bytes(rest[8..16].try_into().expect("8 bytes"));
    if len == 0 || len as usize > RECORD_BYTES_MAX {
        return Err(BadFrame::BadLength(len));
    }
    let left = rest.len() - FRAME_HEADER_BYTES;
    if (len as usize) > left {
        return Err(BadFrame::ShortPayload { len, left });
    }
    let payload = &rest[FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + len as usize];
    if record_crc(len, position, payload) != crc {
        return Err(BadFrame::Checksum);
    }
    Ok(Frame {
        offset: offset as u64,
        position,
        payload,
    })
}

/// A segment read up to its first bad frame.
#[derive(Debug)]
pub struct Segment<'a> {
    /// The well-formed frames, in file order.
    pub frames: Vec<Frame<'a>>,
    /// The first bad frame, if any: its offset and why.
    pub bad: Option<(u64, BadFrame)>,
    /// Where the good frames end: the next record goes here.
    pub end: u64,
    /// Where the bytes that are not zero end (past `end` only when there is a bad frame).
    pub dirty_end: u64,
}

/// Splits a segment's bytes into frames, stopping at the zeros after the last one or at the
/// first bad one.
pub fn read_segment(bytes: &[u8]) -> Segment<'_> {
    let mut frames = Vec::new();
    let mut at = 0usize;
    let dirty_end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1) as u64;
    while (at as u64) < dirty_end {
        match frame_at(bytes, at) {
            Ok(f) => {
                at += FRAME_HEADER_BYTES + f.payload.len();
                frames.push(f);
            }
            Err(e) => {
                return Segment {
                    frames,
                    bad: Some((at as u64, e)),
                    end: at as u64,
                    dirty_end,
                };
            }
        }
    }
    Segment {
        frames,
        bad: None,
        end: at as u64,
        dirty_end: dirty_end.max(at as u64),
    }
}

/// The offset of the first well-formed frame that starts after `offset`, if any: a bad frame
/// followed by a good one is damage in the middle of a log, not a write cut short at its end.
pub fn next_good_frame(bytes: &[u8], offset: u64) -> Option<u64> {
    let start = offset as usize + 1;
    (start..bytes.len().saturating_sub(FRAME_HEADER_BYTES - 1))
        .find(|&at| frame_at(bytes, at).is_ok())
        .map(|at| at as u64)
}

/// `payload` behind a sealed-file header with `magic`.
pub fn seal(magic: [u8; 8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SEALED_HEADER_BYTES + payload.len());
    out.extend_from_slice(&magic);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The sealed-file header for `payload` (to write before it without copying it).
pub fn seal_header(magic: [u8; 8], payload: &[u8]) -> [u8; SEALED_HEADER_BYTES] {
    let mut h = [0u8; SEALED_HEADER_BYTES];
    h[0..8].copy_from_slice(&magic);
    h[8..16].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    h[16..20].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    h
}

/// The payload of a sealed file read from `path`.
///
/// # Errors
/// [`Error::Corrupt`] naming `path` and the offset of the damage: a short header (offset 0),
/// another magic (0), a length that disagrees with the file's size (8), a checksum mismatch
/// (the payload's offset, 20).
pub fn unseal<'a>(path: &Path, magic: [u8; 8], bytes: &'a [u8]) -> Result<&'a [u8], Error> {
    let corrupt = |offset: u64, what: String| Error::Corrupt {
        path: path.to_owned(),
        offset,
        what,
    };
    if bytes.len() < SEALED_HEADER_BYTES {
        return Err(corrupt(
            0,
            format!("header cut short ({} bytes)", bytes.len()),
        ));
    }
    if bytes[0..8] != magic {
        return Err(corrupt(
            0,
            format!(
                "magic {:?} is not {:?}",
                String::from_utf8_lossy(&bytes[0..8]),
                String::from_utf8_lossy(&magic)
            ),
        ));
    }
    let len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    let have = (bytes.len() - SEALED_HEADER_BYTES) as u64;
    if len != have {
        return Err(corrupt(
            8,
            format!("length field says {len} payload bytes, the file has {have}"),
        ));
    }
    let crc = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
    let payload = &bytes[SEALED_HEADER_BYTES..];
    if crc32fast::hash(payload) != crc {
        return Err(corrupt(
            SEALED_HEADER_BYTES as u64,
            format!("checksum mismatch in the {len} payload bytes"),
        ));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(records: &[(u64, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (p, r) in records {
            push_frame(&mut v, *p, r);
        }
        v
    }

    #[test]
    fn frames_round_trip() {
        let bytes = segment(&[(1, b"a"), (2, b"bcd"), (3, &[7u8; 300])]);
        let s = read_segment(&bytes);
        assert!(s.bad.is_none());
        assert_eq!(s.frames.len(), 3);
        assert_eq!(s.frames[1].position, 2);
        assert_eq!(s.frames[1].payload, b"bcd");
        assert_eq!(s.frames[1].offset, 17);
        assert_eq!(s.frames[2].offset, 17 + 19);
    }

    #[test]
    fn zeros_after_the_frames_end_the_segment() {
        let mut bytes = segment(&[(1, b"a"), (2, b"bc")]);
        let end = bytes.len() as u64;
        bytes.resize(4096, 0);
        let s = read_segment(&bytes);
        assert_eq!(
            (s.frames.len(), s.bad.clone(), s.end, s.dirty_end),
            (2, None, end, end)
        );
        let s = read_segment(&[0u8; 64]);
        assert_eq!((s.frames.len(), s.bad.is_none(), s.end), (0, true, 0));
        // A frame cut short before zeros is a bad frame with nothing good after it.
        let mut cut = segment(&[(1, b"a"), (2, b"bcdef")]);
        let second = 17;
        cut.truncate(second + 10);
        cut.resize(4096, 0);
        let s = read_segment(&cut);
        assert_eq!(s.bad.as_ref().map(|b| b.0), Some(second as u64));
        assert_eq!(s.end, second as u64);
        assert!(s.dirty_end > s.end && s.dirty_end <= second as u64 + 10);
        assert_eq!(next_good_frame(&cut, second as u64), None);
    }

    #[test]
    fn every_cut_of_the_last_frame_is_a_bad_tail_with_nothing_good_after_it() {
        let bytes = segment(&[(1, b"hello"), (2, b"world!")]);
        let second = 16 + 5;
        for cut in second + 1..bytes.len() {
            let s = read_segment(&bytes[..cut]);
            assert_eq!(s.frames.len(), 1, "cut {cut}");
            let (off, _) = s.bad.clone().unwrap();
            assert_eq!(off, second as u64);
            assert_eq!(next_good_frame(&bytes[..cut], off), None);
        }
    }

    #[test]
    fn a_flipped_byte_in_a_middle_frame_has_a_good_frame_after_it() {
        let mut bytes = segment(&[(1, b"hello"), (2, b"world!"), (3, b"again")]);
        for i in 21..21 + 22 {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            let s = read_segment(&b);
            let (off, why) = s.bad.clone().unwrap();
            assert_eq!(off, 21, "byte {i}: {why}");
            assert!(next_good_frame(&b, off).is_some(), "byte {i}");
        }
        bytes[0] ^= 1;
        assert_eq!(read_segment(&bytes).bad.unwrap().0, 0);
    }

    #[test]
    fn sealed_files_detect_damage() {
        let p = Path::new("x");
        let s = seal(SNAPSHOT_MAGIC, b"payload");
        assert_eq!(unseal(p, SNAPSHOT_MAGIC, &s).unwrap(), b"payload");
        assert!(matches!(
            unseal(p, META_MAGIC, &s),
            Err(Error::Corrupt { offset: 0, .. })
        ));
        assert!(matches!(
            unseal(p, SNAPSHOT_MAGIC, &s[..s.len() - 1]),
            Err(Error::Corrupt { offset: 8, .. })
        ));
        let mut b = s.clone();
        *b.last_mut().unwrap() ^= 1;
        assert!(matches!(
            unseal(p, SNAPSHOT_MAGIC, &b),
            Err(Error::Corrupt { offset: 20, .. })
        ));
        assert_eq!(&seal_header(SNAPSHOT_MAGIC, b"payload")[..], &s[..20]);
    }
}
