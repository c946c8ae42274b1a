//! The message model (spec 03 §4.1): chat types, message types, the JSON values bodies and
//! extensions are made of ([`Json`]), the body rules of every type, and the size rule (body +
//! ext as compact JSON, counted the way a compact JSON writer prints them).

use serde::{Deserialize, Serialize};

use crate::limits::{CUSTOM_EVENT_CHARS_MAX, CUSTOM_EXTS_MAX};

/// Where a message goes: a user, a group (or one of its threads), a chatroom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum ChatType {
    /// One-to-one (`chat`).
    Chat,
    /// A group or thread (`groupchat`).
    GroupChat,
    /// A chatroom (`chatroom`).
    ChatRoom,
}

impl ChatType {
    /// The vendor's name: `chat`, `groupchat`, `chatroom`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatType::Chat => "chat",
            ChatType::GroupChat => "groupchat",
            ChatType::ChatRoom => "chatroom",
        }
    }

    /// A chat type from the vendor's name (any case); `None` for other text.
    pub fn parse(s: &str) -> Option<ChatType> {
        [ChatType::Chat, ChatType::GroupChat, ChatType::ChatRoom]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

/// A message's type (spec 03 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum MsgType {
    /// Text: `msg`.
    Txt,
    /// Image: `url`; `filename`, `secret`, `size{width,height}`.
    Img,
    /// Voice: `url`; `filename`, `secret`, `length`.
    Audio,
    /// Video: `url`; `filename`, `thumb`, `length`, `secret`, `file_length`, `thumb_secret`.
    Video,
    /// File: `url`; `filename`, `secret`.
    File,
    /// Location: `lat`, `lng`, `addr`.
    Loc,
    /// Command (not stored offline differently, never recallable): `action`.
    Cmd,
    /// Custom: `customEvent`, `customExts`.
    Custom,
}

impl MsgType {
    const ALL: [MsgType; 8] = [
        MsgType::Txt,
        MsgType::Img,
        MsgType::Audio,
        MsgType::Video,
        MsgType::File,
        MsgType::Loc,
        MsgType::Cmd,
        MsgType::Custom,
    ];

    /// The vendor's name (`txt`, `img`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::Txt => "txt",
            MsgType::Img => "img",
            MsgType::Audio => "audio",
            MsgType::Video => "video",
            MsgType::File => "file",
            MsgType::Loc => "loc",
            MsgType::Cmd => "cmd",
            MsgType::Custom => "custom",
        }
    }

    /// A type from its vendor name (exact); `None` for other text.
    pub fn parse(s: &str) -> Option<MsgType> {
        MsgType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A chatroom message's priority (`chatroom_msg_level`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Priority {
    /// `high`.
    High,
    /// `normal` (the default).
    #[default]
    Normal,
    /// `low`.
    Low,
}

impl Priority {
    /// A priority from its vendor name (any case).
    pub fn parse(s: &str) -> Option<Priority> {
        match s.to_ascii_lowercase().as_str() {
            "high" => Some(Priority::High),
            "normal" => Some(Priority::Normal),
            "low" => Some(Priority::Low),
            _ => None,
        }
    }
}

/// A JSON value, as message bodies and extensions carry it. Numbers keep the text the host
/// read them from (so sizes count what the sender wrote); objects keep their key order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its JSON text.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in key order as given.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Json {
        Json::String(s.into())
    }

    /// An object of these pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The field `k` of an object (the last one if repeated); `None` for other values.
    pub fn get(&self, k: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Its length printed as compact JSON (no spaces), in UTF-8 bytes, with the escapes a
    /// compact writer uses: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, `\u00XX` for the other
    /// control characters; everything else (non-ASCII included) as its UTF-8 bytes.
    pub fn compact_len(&self) -> usize {
        match self {
            Json::Null => 4,
            Json::Bool(true) => 4,
            Json::Bool(false) => 5,
            Json::Number(n) => n.len(),
            Json::String(s) => string_len(s),
            Json::Array(v) => {
                2 + v.iter().map(Json::compact_len).sum::<usize>() + v.len().saturating_sub(1)
            }
            Json::Object(m) => {
                2 + m
                    .iter()
                    .map(|(k, v)| string_len(k) + 1 + v.compact_len())
                    .sum::<usize>()
                    + m.len().saturating_sub(1)
            }
        }
    }

    /// Merges `other`'s fields into this object (theirs win); a non-object is replaced.
    pub(crate) fn merge(&mut self, other: Json) {
        match (self, other) {
            (Json::Object(mine), Json::Object(theirs)) => {
                for (k, v) in theirs {
                    match mine.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => mine.push((k, v)),
                    }
                }
            }
            (me, other) => *me = other,
        }
    }
}

fn string_len(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// Fuzzing: small, shallow JSON values (a bounded depth keeps generation finite).
#[cfg(feature = "fuzzing")]
mod fuzzing {
    use super::Json;
    use arbitrary::{Arbitrary, Result, Unstructured};

    const KEYS: [&str; 8] = [
        "msg",
        "url",
        "action",
        "lat",
        "lng",
        "addr",
        "customEvent",
        "k",
    ];

    fn leaf(u: &mut Unstructured<'_>) -> Result<Json> {
        Ok(match u.int_in_range(0..=3)? {
            0 => Json::Null,
            1 => Json::Bool(u.arbitrary()?),
            2 => Json::Number(u.int_in_range(-5i32..=5)?.to_string()),
            _ => Json::String(u.arbitrary()?),
        })
    }

    fn value(u: &mut Unstructured<'_>, depth: u8) -> Result<Json> {
        if depth == 0 || u.ratio(2, 3)? {
            return leaf(u);
        }
        let n = u.int_in_range(0..=3)?;
        if u.arbitrary()? {
            (0..n)
                .map(|_| value(u, depth - 1))
                .collect::<Result<_>>()
                .map(Json::Array)
        } else {
            (0..n)
                .map(|_| Ok(((*u.choose(&KEYS)?).to_string(), value(u, depth - 1)?)))
                .collect::<Result<_>>()
                .map(Json::Object)
        }
    }

    impl<'a> Arbitrary<'a> for Json {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            // Mostly objects: bodies and extensions are objects.
            if u.ratio(4, 5)? {
                let n = u.int_in_range(0..=3)?;
                (0..n)
                    .map(|_| Ok(((*u.choose(&KEYS)?).to_string(), value(u, 2)?)))
                    .collect::<Result<_>>()
                    .map(Json::Object)
            } else {
                value(u, 2)
            }
        }
    }
}

/// Whether a body follows its type's rules (spec 03 §4.1): the required fields are present
/// with the right JSON type, and the optional fields the spec names have the right type when
/// present. Other fields are kept as they are.
pub(crate) fn body_ok(t: MsgType, body: &Json) -> bool {
    let Json::Object(_) = body else {
        return false;
    };
    let s = |k: &str| matches!(body.get(k), Some(Json::String(_)));
    let opt_s = |k: &str| matches!(body.get(k), None | Some(Json::Null | Json::String(_)));
    let opt_n = |k: &str| matches!(body.get(k), None | Some(Json::Null | Json::Number(_)));
    // Coordinates: numbers, or their text.
    let coord = |k: &str| match body.get(k) {
        Some(Json::Number(_)) => true,
        Some(Json::String(x)) => x.trim().parse::<f64>().is_ok(),
        _ => false,
    };
    match t {
        MsgType::Txt => s("msg"),
        MsgType::Img => {
            let size_ok = match body.get("size") {
                None | Some(Json::Null) => true,
                Some(sz @ Json::Object(_)) => {
                    matches!(sz.get("width"), None | Some(Json::Number(_)))
                        && matches!(sz.get("height"), None | Some(Json::Number(_)))
                }
                _ => false,
            };
            s("url") && opt_s("filename") && opt_s("secret") && size_ok
        }
        MsgType::Audio => s("url") && opt_s("filename") && opt_s("secret") && opt_n("length"),
        MsgType::Video => {
            s("url")
                && opt_s("filename")
                && opt_s("thumb")
                && opt_n("length")
                && opt_s("secret")
                && opt_n("file_length")
                && opt_s("thumb_secret")
        }
        MsgType::File => s("url") && opt_s("filename") && opt_s("secret"),
        MsgType::Loc => coord("lat") && coord("lng") && s("addr"),
        MsgType::Cmd => s("action"),
        MsgType::Custom => {
            let event_ok = match body.get("customEvent") {
                None | Some(Json::Null) => true,
                Some(Json::String(e)) => custom_event_ok(e),
                _ => false,
            };
            let exts_ok = match body.get("customExts") {
                None | Some(Json::Null) => true,
                Some(Json::Object(m)) => {
                    m.len() <= CUSTOM_EXTS_MAX && m.iter().all(|(_, v)| v.as_str().is_some())
                }
                _ => false,
            };
            event_ok && exts_ok
        }
    }
}

/// `customEvent`: 1–32 chars of `[a-zA-Z0-9-_/.]`.
pub(crate) fn custom_event_ok(e: &str) -> bool {
    let n = e.chars().count();
    (1..=CUSTOM_EVENT_CHARS_MAX).contains(&n)
        && e.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.'))
}

/// The attachment uuid a body's `url` or `thumb` names: the text after a final
/// `/chatfiles/`.
pub(crate) fn chatfile_uuids(body: &Json) -> impl Iterator<Item = &str> {
    ["url", "thumb"].into_iter().filter_map(|k| {
        let url = body.get(k)?.as_str()?;
        let i = url.rfind("/chatfiles/")?;
        let uuid = &url[i + "/chatfiles/".len()..];
        (!uuid.is_empty() && !uuid.contains('/')).then_some(uuid)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_length_counts_escapes_like_a_compact_writer() {
        let v = Json::object([
            ("a", Json::str("x\"y\n\u{1}é")),
            (
                "b",
                Json::Array(vec![
                    Json::Null,
                    Json::Bool(false),
                    Json::Number("1.5".into()),
                ]),
            ),
            ("c", Json::Object(vec![])),
        ]);
        // {"a":"x\"y\n\u0001é","b":[null,false,1.5],"c":{}}
        let want = r#"{"a":"x\"y\n\u0001é","b":[null,false,1.5],"c":{}}"#;
        assert_eq!(v.compact_len(), want.len());
        assert_eq!(Json::Array(vec![]).compact_len(), 2);
    }

    #[test]
    fn body_rules_per_type() {
        let o = |pairs: Vec<(&str, Json)>| Json::object(pairs);
        assert!(body_ok(MsgType::Txt, &o(vec![("msg", Json::str("hi"))])));
        assert!(!body_ok(
            MsgType::Txt,
            &o(vec![("msg", Json::Number("1".into()))])
        ));
        assert!(!body_ok(
            MsgType::Img,
            &o(vec![("filename", Json::str("a"))])
        ));
        assert!(body_ok(
            MsgType::Loc,
            &o(vec![
                ("lat", Json::str("39.9")),
                ("lng", Json::Number("116.3".into())),
                ("addr", Json::str("x"))
            ])
        ));
        assert!(!body_ok(
            MsgType::Loc,
            &o(vec![
                ("lat", Json::str("x")),
                ("lng", Json::str("1")),
                ("addr", Json::str(""))
            ])
        ));
        assert!(body_ok(MsgType::Custom, &o(vec![])));
        assert!(custom_event_ok(&"a".repeat(32)) && !custom_event_ok(&"a".repeat(33)));
        assert!(!custom_event_ok("a b") && !custom_event_ok(""));
        let exts =
            |n: usize| Json::Object((0..n).map(|i| (format!("k{i}"), Json::str("v"))).collect());
        assert!(body_ok(MsgType::Custom, &o(vec![("customExts", exts(16))])));
        assert!(!body_ok(
            MsgType::Custom,
            &o(vec![("customExts", exts(17))])
        ));
        assert!(!body_ok(MsgType::Cmd, &Json::Array(vec![])));
    }

    #[test]
    fn chatfile_links() {
        let b = Json::object([
            ("url", Json::str("http://h/o/a/chatfiles/abc-1")),
            ("thumb", Json::str("x")),
        ]);
        assert_eq!(chatfile_uuids(&b).collect::<Vec<_>>(), vec!["abc-1"]);
    }
}
