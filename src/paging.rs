//! Opaque cursors and page types.
//!
//! A cursor names a position in one list's order (the last item returned), so pages stay
//! stable while items are added or removed. It carries a tag for the list it belongs to; a
//! cursor the engine cannot decode, or one from another list, is `400 illegal_argument`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A page of items and, if and only if more follow, the cursor for the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Present exactly when more items follow.
    pub cursor: Option<String>,
}

pub(crate) fn encode(tag: &str, parts: &[u64]) -> String {
    let mut s = String::with_capacity(tag.len() + 1 + parts.len() * 17);
    s.push_str(tag);
    for (i, p) in parts.iter().enumerate() {
        s.push(if i == 0 { ':' } else { '.' });
        s.push_str(&format!("{p:x}"));
    }
    s
}

pub(crate) fn decode<const N: usize>(tag: &str, cursor: &str) -> Result<[u64; N]> {
    let bad = || Error::illegal("invalid cursor");
    let rest = cursor
        .strip_prefix(tag)
        .and_then(|r| r.strip_prefix(':'))
        .ok_or_else(bad)?;
    let mut out = [0u64; N];
    let mut it = rest.split('.');
    for slot in out.iter_mut() {
        let p = it.next().ok_or_else(bad)?;
        if p.is_empty() || p.len() > 16 {
            return Err(bad());
        }
        *slot = u64::from_str_radix(p, 16).map_err(|_| bad())?;
    }
    if it.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

/// Clamps or rejects a `limit`: `None` gives `default`, `0` is `400 illegal_argument`, above
/// `max` is clamped.
pub(crate) fn limit(given: Option<u32>, default: u32, max: u32) -> Result<usize> {
    match given {
        None => Ok(default as usize),
        Some(0) => Err(Error::illegal("limit must be >= 1")),
        Some(n) => Ok(n.min(max) as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let c = encode("u", &[5, u64::MAX]);
        assert_eq!(decode::<2>("u", &c).unwrap(), [5, u64::MAX]);
        assert!(decode::<2>("f", &c).is_err());
        assert!(decode::<1>("u", &c).is_err());
        assert!(decode::<2>("u", "u:1").is_err());
        assert!(decode::<1>("u", "u:zz").is_err());
        assert!(decode::<1>("u", "").is_err());
        assert_eq!(limit(Some(500), 10, 100).unwrap(), 100);
        assert!(limit(Some(0), 10, 100).is_err());
    }
}
