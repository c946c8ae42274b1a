//! User attributes (spec 01 §9): free-form string pairs per user, with byte budgets.
//!
//! `size(user) = Σ (UTF-8 bytes of key + UTF-8 bytes of value)`; the app total is the sum over
//! users. A write is checked against both budgets before it applies, so the app total never
//! exceeds its cap and always equals the sum of the users' sizes.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::find;
use crate::command::{Event, Exec};
use crate::engine::{Actor, Ctx, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::UserName;
use crate::limits::{ATTR_WRITE_BYTES_MAX, BATCH_GET_TARGETS_MAX};
use crate::query::Ask;
use crate::store::State;

/// Bytes a string takes as a JSON string literal, quotes included.
///
/// Counted per byte, which gives the same total as per character: a character outside ASCII
/// is written as its UTF-8 bytes, all of them `>= 0x80`, so only ASCII bytes can need an
/// escape: `"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` take one extra byte, other control
/// characters five (`\u00XX`). A first pass without branches (which the compiler vectorizes)
/// finds whether any byte needs an escape; most values have none and cost just that pass.
/// Measured against the per-character count on the bench machine: 63 bytes 71 → 15 ns,
/// 2047 bytes 5.0 → 0.25 µs (values with escapes cost the same as before).
fn json_str_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    // 16 bytes at a time as fixed-size arrays (compared as vectors), the last 16 read again
    // for the tail: a loop over the whole slice did its tail byte by byte (63 bytes took
    // ~146 instructions).
    let any = if bytes.len() >= 16 {
        let mut chunks = bytes.chunks_exact(16);
        let mut any = 0u8;
        for c in &mut chunks {
            any |= escapes16(c.try_into().expect("16 bytes"));
        }
        any | escapes16(bytes[bytes.len() - 16..].try_into().expect("16 bytes"))
    } else {
        bytes.iter().fold(0u8, |any, &b| any | escapes(b))
    };
    if any == 0 {
        return 2 + bytes.len();
    }
    let mut extra = 0usize;
    for &b in bytes {
        let short = usize::from(matches!(
            b,
            b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t'
        ));
        let control = usize::from(b < 0x20);
        extra += short + control * (1 - short) * 5;
    }
    2 + bytes.len() + extra
}

/// Whether a byte needs an escape in a JSON string: 1 or 0.
#[inline]
fn escapes(b: u8) -> u8 {
    u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\')
}

/// [`escapes`] over 16 bytes: non-zero if any needs one.
#[inline]
fn escapes16(c: &[u8; 16]) -> u8 {
    c.iter().fold(0u8, |any, &b| any | escapes(b))
}

/// Bytes of the compact JSON object `{"k":"v",...}` of the pairs.
pub(crate) fn compact_json_len(pairs: &[(String, String)]) -> usize {
    2 + pairs
        .iter()
        .map(|(k, v)| json_str_len(k) + 1 + json_str_len(v))
        .sum::<usize>()
        + pairs.len().saturating_sub(1)
}

fn gate(st: &State) -> Result<()> {
    if st.limits.metadata_enabled {
        Ok(())
    } else {
        Err(Error::MetadataDisabled(st.key.to_string()))
    }
}

/// Sets attributes by merging (`PUT /metadata/user/{u}`): given keys are inserted or
/// overwritten, others kept; `""` stores an empty string. Admin, or the user themself.
/// Returns only the pairs sent (a key sent twice: the last value wins).
///
/// Errors, in check order:
/// 1. `403 FORBIDDEN` — attributes are off for the app;
/// 2. `401 metadata_error` "auth error" — another user's token; `401 unauthorized` anonymous;
/// 3. `400 illegal_argument` — no pairs, an empty key, or a key with a control or bidi
///    character ([`crate::ids::has_control_or_bidi`]);
/// 4. `413 Request Entity Too Large` — the pairs are over 4096 bytes of compact JSON;
/// 5. `404 service_resource_not_found` — unknown user;
/// 6. `403 FORBIDDEN` — the user's size would pass `attr_bytes_per_user`;
/// 7. `403 FORBIDDEN` — the app's total would pass `attr_bytes_per_app`.
///
/// Emits `AttributesSet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetAttributes {
    /// Whose.
    pub username: UserName,
    /// The pairs, in request order.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::user_attr_pairs))]
    pub pairs: Vec<(String, String)>,
}

impl Exec for SetAttributes {
    type Reply = IndexMap<String, String>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<IndexMap<String, String>> {
        gate(cx.st)?;
        auth(cx.actor, &self.username)?;
        if self.pairs.is_empty() {
            return Err(Error::illegal("metadata must be provided"));
        }
        if self.pairs.iter().any(|(k, _)| k.is_empty()) {
            return Err(Error::illegal("metadata key must not be empty"));
        }
        if self
            .pairs
            .iter()
            .any(|(k, _)| crate::ids::has_control_or_bidi(k))
        {
            return Err(Error::illegal(
                "metadata key must not contain control or bidi characters",
            ));
        }
        if compact_json_len(&self.pairs) > ATTR_WRITE_BYTES_MAX {
            return Err(Error::RequestTooLarge);
        }
        let (id, s) = find(cx.st, &self.username)?;
        let x = s.extra();
        // The user's attributes are a chain of loads (the out-of-line record, the entries, the
        // stored strings): started here, they arrive while the reply map is built.
        if let Some(x) = x {
            warm(x);
        }
        let mut sent: IndexMap<String, String> = IndexMap::with_capacity(self.pairs.len());
        // The reply gets a copy of each key and the event the keys themselves, collected in
        // place: the request's vector becomes the event's (no allocation for it, no free of
        // the request's). A key sent twice is listed once, as the reply lists it.
        let mut keys: Vec<String> = self
            .pairs
            .into_iter()
            .map(|(k, v)| {
                sent.insert(k.clone(), v);
                k
            })
            .collect();
        if keys.len() != sent.len() {
            keys = sent.keys().cloned().collect();
        }
        let old = x.map_or(0, |x| x.attr_bytes);
        let mut new = old;
        for (k, v) in &sent {
            if let Some(x) = x
                && let Some(i) = stored(&x.attrs, k)
            {
                new -= (k.len() + x.attrs[i].len()) as u64;
            }
            new += (k.len() + v.len()) as u64;
        }
        let cap = cx.st.limits.attr_bytes_per_user;
        if new > cap {
            return Err(Error::UserAttrBudget(cap));
        }
        let users = &mut cx.st.users;
        let app_cap = cx.st.limits.attr_bytes_per_app;
        if new > old && users.attr_total + (new - old) > app_cap {
            return Err(Error::AppAttrBudget(app_cap));
        }
        users.attr_total = users.attr_total + new - old;
        let x = users.get_mut(id).expect("found").extra_mut();
        for (k, v) in &sent {
            match stored(&x.attrs, k) {
                // Overwrites keep the stored key; a value of the same length is copied into
                // the stored one (no allocation, no free).
                Some(i) => overwrite(&mut x.attrs[i], v),
                None => {
                    x.attrs.insert(k.as_str().into(), v.as_str().into());
                }
            }
        }
        x.attr_bytes = new;
        cx.emit(Event::AttributesSet {
            user: self.username,
            keys,
        });
        Ok(sent)
    }
}

/// Loads the first word of what a write reads of a user's attributes — the byte count, and
/// the first few entries with their keys and values — and drops the result: a prefetch in
/// safe code (see `users::contacts`'s `warm`).
fn warm(x: &super::state::Extra) {
    let mut h = x.attr_bytes;
    for (k, v) in x.attrs.iter().take(4) {
        h ^= u64::from(k.as_bytes().first().copied().unwrap_or(0));
        h ^= u64::from(v.as_bytes().first().copied().unwrap_or(0));
    }
    std::hint::black_box(h);
}

/// Where `key` is among a user's attributes. A few attributes (the common case: a user's
/// budget is 2 KB) are scanned in order, which costs less than hashing the key with the map's
/// SipHash; more are looked up by hash.
fn stored(attrs: &IndexMap<Box<str>, Box<str>>, key: &str) -> Option<usize> {
    if attrs.len() <= 8 {
        attrs.keys().position(|k| **k == *key)
    } else {
        attrs.get_index_of(key)
    }
}

/// Replaces a stored value: in place when the lengths match, else with a new allocation.
fn overwrite(slot: &mut Box<str>, v: &str) {
    if slot.len() == v.len() {
        // The stored allocation as a `String` whose capacity is its length: cleared and
        // refilled, it needs no new allocation, and boxing it again no reallocation.
        let mut s = std::mem::take(slot).into_string();
        s.clear();
        s.push_str(v);
        *slot = s.into_boxed_str();
    } else {
        *slot = v.into();
    }
}

fn auth(actor: &Actor, user: &UserName) -> Result<()> {
    match actor {
        Actor::Admin => Ok(()),
        Actor::User(u) if u == user => Ok(()),
        Actor::User(_) => Err(Error::MetadataAuth),
        Actor::Anonymous => Err(Error::Unauthorized("principal not allowed")),
    }
}

/// Reads all of a user's attributes, in the order they were first set (`GET
/// /metadata/user/{u}`). Unknown users read `{}`. Admin, or the user themself.
///
/// Errors: `403 FORBIDDEN` (off); `401 metadata_error` (another user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetAttributes {
    /// Whose.
    pub username: UserName,
}

impl Ask for GetAttributes {
    type Reply = IndexMap<String, String>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<IndexMap<String, String>> {
        gate(cx.st)?;
        auth(cx.actor, &self.username)?;
        let Some((_, s)) = cx.st.users.named(&self.username) else {
            return Ok(IndexMap::new());
        };
        Ok(s.extra()
            .map(|x| {
                x.attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Reads the listed properties of up to 100 users (`POST /metadata/user/get`). Every target
/// (case-folded, first occurrence kept) appears in the result, with `{}` for unknown users or
/// no matching keys. Admin, or a user reading only themself: as [`GetAttributes`], a user
/// token does not read another user's attributes (issue 14; spec 01 §6 let any user).
///
/// Errors, in check order: `403 FORBIDDEN` (off); `401 unauthorized` (anonymous); `400
/// BAD_REQUEST` "exceed allowed batch size 100"; `400 illegal_argument` (no targets, no
/// properties); `401 metadata_error` (a user token naming another user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BatchGetAttributes {
    /// Users, as given.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_names))]
    pub targets: Vec<String>,
    /// Keys to return.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::user_attr_keys))]
    pub properties: Vec<String>,
}

impl Ask for BatchGetAttributes {
    type Reply = IndexMap<String, IndexMap<String, String>>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Self::Reply> {
        gate(cx.st)?;
        cx.actor
            .authenticated(Error::Unauthorized("principal not allowed"))?;
        if self.targets.len() > BATCH_GET_TARGETS_MAX {
            return Err(Error::BatchGetTooLarge);
        }
        if self.targets.is_empty() || self.properties.is_empty() {
            return Err(Error::illegal("targets and properties must be provided"));
        }
        if let Actor::User(me) = cx.actor
            && self
                .targets
                .iter()
                .any(|t| !t.eq_ignore_ascii_case(me.as_str()))
        {
            return Err(Error::MetadataAuth);
        }
        let mut out: IndexMap<String, IndexMap<String, String>> =
            IndexMap::with_capacity(self.targets.len());
        for t in &self.targets {
            let key = t.to_ascii_lowercase();
            if out.contains_key(&key) {
                continue;
            }
            let mut found = IndexMap::new();
            let users = &cx.st.users;
            if let Some(x) = users.id_str(t).and_then(|id| users.get(id)?.extra()) {
                for p in &self.properties {
                    if let Some(v) = x.attrs.get(p.as_str()) {
                        found.insert(p.clone(), v.to_string());
                    }
                }
            }
            out.insert(key, found);
        }
        Ok(out)
    }
}

/// Deletes all of a user's attributes and frees their bytes (`DELETE /metadata/user/{u}`).
/// Returns `true`, also for unknown users and users with none (idempotent). Admin, or the user
/// themself. Emits `AttributesDeleted` when something was deleted.
///
/// Errors: `403 FORBIDDEN` (off); `401 metadata_error` (another user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct DeleteAttributes {
    /// Whose.
    pub username: UserName,
}

impl Exec for DeleteAttributes {
    type Reply = bool;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<bool> {
        gate(cx.st)?;
        auth(cx.actor, &self.username)?;
        let users = &mut cx.st.users;
        let Some(id) = users.id(&self.username) else {
            return Ok(true);
        };
        let s = users.get_mut(id).expect("indexed");
        let freed = match s.extra.as_deref_mut() {
            Some(x) if !x.attrs.is_empty() => {
                x.attrs = IndexMap::new();
                std::mem::take(&mut x.attr_bytes)
            }
            _ => return Ok(true),
        };
        users.attr_total -= freed;
        cx.emit(Event::AttributesDeleted {
            user: self.username,
        });
        Ok(true)
    }
}

/// The app's attribute bytes in use (`GET /metadata/user/capacity`). Admin only.
///
/// Errors: `403 FORBIDDEN` (off); `401 unauthorized` (a user token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AttributeCapacity;

impl Ask for AttributeCapacity {
    type Reply = u64;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<u64> {
        gate(cx.st)?;
        cx.actor
            .admin_only(Error::Unauthorized("principal not allowed"))?;
        Ok(cx.st.users.attr_total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_length_counts_escapes() {
        assert_eq!(compact_json_len(&[]), 2);
        assert_eq!(
            compact_json_len(&[("a".into(), "b".into())]),
            r#"{"a":"b"}"#.len()
        );
        assert_eq!(
            compact_json_len(&[("a".into(), "\"\n".into()), ("c".into(), "\u{1}é".into())]),
            r#"{"a":"\"\n","c":"\u0001é"}"#.len()
        );
    }

    /// One byte needing an escape, at every position of strings of 0 to 40 bytes: found
    /// whether it falls in a 16-byte block, in the re-read tail or in a short string.
    #[test]
    fn json_length_finds_an_escape_at_every_position() {
        for len in 0..=40usize {
            assert_eq!(json_str_len(&"x".repeat(len)), len + 2);
            for p in 0..len {
                for (c, extra) in [('"', 1), ('\\', 1), ('\n', 1), ('\u{1}', 5)] {
                    let mut v: Vec<char> = vec!['x'; len];
                    v[p] = c;
                    let s: String = v.into_iter().collect();
                    assert_eq!(json_str_len(&s), len + 2 + extra, "{len} {p} {c:?}");
                }
            }
        }
    }

    /// The byte-wise count equals the definition per character (escapes for `"`, `\\` and
    /// control characters, UTF-8 bytes otherwise) for every character up to U+00FF and for
    /// characters of 2, 3 and 4 bytes.
    #[test]
    fn json_length_by_bytes_matches_by_chars() {
        fn by_chars(s: &str) -> usize {
            2 + s
                .chars()
                .map(|c| match c {
                    '"' | '\\' | '\u{08}' | '\u{0c}' | '\n' | '\r' | '\t' => 2,
                    c if (c as u32) < 0x20 => 6,
                    c => c.len_utf8(),
                })
                .sum::<usize>()
        }
        let mut all: String = (0u32..0x100).filter_map(char::from_u32).collect();
        all.push_str("é中😀\u{7f}\u{2028}");
        for c in all.chars() {
            let one = c.to_string();
            assert_eq!(json_str_len(&one), by_chars(&one), "{c:?}");
        }
        assert_eq!(json_str_len(&all), by_chars(&all));
        assert_eq!(json_str_len(""), 2);
    }
}
