//! The vendor's success envelope. Most operations answer with the full envelope
//! (`action`, `path`, `uri`, `entities`, `data`, `count`, `cursor`, `timestamp`, `duration`,
//! `organization`, `application`, `applicationName`, each set as spec 01 shows per operation);
//! the attribute calls answer with the bare one (`timestamp`, `data`, `duration`).
//!
//! Also here: the vendor's user view (`{uuid, type, created, modified, username, activated,
//! nickname?, <push fields>?}`), shared by every route that shows users.

use axum::response::{IntoResponse, Response};
use imcore::UserView;
use serde_json::{Map, Value, json};

use crate::extract::Call;

/// A success answer being built; turn it into a response with `into_response`.
pub struct Envelope {
    body: Map<String, Value>,
    /// A field whose value is already JSON text (see [`Envelope::data_serialized`]), written
    /// in its key's place among the others.
    raw: Option<(&'static str, Vec<u8>)>,
    duration: u64,
}

impl Envelope {
    /// The full envelope for `call`; its `action` is the request's method in lowercase
    /// ([`Call::action`]).
    pub fn full(call: &Call) -> Envelope {
        let mut body = Map::new();
        body.insert("action".into(), call.action().into());
        body.insert("application".into(), call.app.uuid.clone().into());
        body.insert("path".into(), call.path.clone().into());
        body.insert("uri".into(), call.uri().into());
        body.insert("organization".into(), call.org().into());
        body.insert("applicationName".into(), call.app_name().into());
        Envelope::finish(call, body)
    }

    /// An envelope with only `action` (when given), `timestamp` and `duration`.
    pub fn bare(call: &Call, action: Option<&str>) -> Envelope {
        let mut body = Map::new();
        if let Some(a) = action {
            body.insert("action".into(), a.into());
        }
        Envelope::finish(call, body)
    }

    fn finish(call: &Call, mut body: Map<String, Value>) -> Envelope {
        body.insert("timestamp".into(), call.now.0.into());
        Envelope {
            body,
            raw: None,
            duration: call.duration_ms(),
        }
    }

    /// Sets `entities`.
    pub fn entities(self, e: Vec<Value>) -> Envelope {
        self.field("entities", Value::Array(e))
    }

    /// Sets `data`.
    pub fn data(self, d: impl Into<Value>) -> Envelope {
        self.field("data", d.into())
    }

    /// Sets `count`.
    pub fn count(self, n: usize) -> Envelope {
        self.field("count", n.into())
    }

    /// Sets `cursor` when there is one (the vendor leaves it out on the last page).
    pub fn cursor(self, c: Option<String>) -> Envelope {
        match c {
            Some(c) => self.field("cursor", c.into()),
            None => self,
        }
    }

    /// Sets `data` to `d` serialized straight to JSON text, without building a [`Value`] tree
    /// first: the same answer as [`Envelope::data`] of `d`'s value, for listings whose items are
    /// many small strings (a `Value` a name costs an allocation and a free each).
    pub fn data_serialized(mut self, d: &impl serde::Serialize) -> Envelope {
        self.body.remove("data");
        // Serializing plain data (strings, numbers, sequences of them) cannot fail.
        let bytes = serde_json::to_vec(d).unwrap_or_else(|_| b"null".to_vec());
        self.raw = Some(("data", bytes));
        self
    }

    /// Sets `data` to the JSON array of `items`, written straight to JSON text: for listings of
    /// names (usernames, group and room ids), which need no escaping, each is copied as is.
    pub fn data_strings<'a>(mut self, items: impl ExactSizeIterator<Item = &'a str>) -> Envelope {
        self.body.remove("data");
        let mut out = Vec::with_capacity(2 + items.len() * 16);
        out.push(b'[');
        for (i, s) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(&mut out, s);
        }
        out.push(b']');
        self.raw = Some(("data", out));
        self
    }

    /// Sets any other top-level field.
    pub fn field(mut self, k: &str, v: Value) -> Envelope {
        if self.raw.as_ref().is_some_and(|(rk, _)| *rk == k) {
            self.raw = None;
        }
        self.body.insert(k.into(), v);
        self
    }

    /// The answer's JSON text: the fields in key order (as `serde_json`'s map writes them),
    /// written into one buffer sized up front instead of through a growing `BytesMut`.
    fn into_json(mut self) -> Vec<u8> {
        self.body.insert("duration".into(), self.duration.into());
        let raw_len = self.raw.as_ref().map_or(0, |(_, b)| b.len());
        let mut out = Vec::with_capacity(256 + raw_len);
        out.push(b'{');
        let mut raw = self.raw.take();
        let mut first = true;
        let mut sep = |out: &mut Vec<u8>| {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
        };
        for (k, v) in &self.body {
            if let Some((rk, bytes)) = raw.take_if(|(rk, _)| rk.as_bytes() < k.as_bytes()) {
                sep(&mut out);
                write_field(&mut out, rk, |o| o.extend_from_slice(&bytes));
            }
            sep(&mut out);
            write_field(&mut out, k, |o| {
                // Writing a `Value` into a vector cannot fail.
                let _ = serde_json::to_writer(o, v);
            });
        }
        if let Some((rk, bytes)) = raw {
            sep(&mut out);
            write_field(&mut out, rk, |o| o.extend_from_slice(&bytes));
        }
        out.push(b'}');
        out
    }
}

/// `s` as a JSON string: copied between quotes when no byte needs escaping (the usual case
/// for identifiers), else through `serde_json`'s escaping.
fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a vector cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

fn write_field(out: &mut Vec<u8>, key: &str, value: impl FnOnce(&mut Vec<u8>)) {
    write_str(out, key);
    out.push(b':');
    value(out);
}

impl IntoResponse for Envelope {
    fn into_response(self) -> Response {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            self.into_json(),
        )
            .into_response()
    }
}

/// The vendor's view of a user; `nickname` only when set.
pub fn user_json(u: &UserView) -> Value {
    let mut v = json!({
        "uuid": u.uuid,
        "type": "user",
        "created": u.created.0,
        "modified": u.modified.0,
        "username": u.username.as_str(),
        "activated": u.activated,
    });
    if let Some(n) = &u.nickname {
        v["nickname"] = n.as_str().into();
    }
    // The push fields that are set (spec 01 §1); the hours as the vendor's strings.
    let p = &u.push;
    if let Some(s) = p.notification_display_style {
        v["notification_display_style"] = s.into();
    }
    if let Some(on) = p.notification_no_disturbing {
        v["notification_no_disturbing"] = on.into();
    }
    if let Some(h) = p.notification_no_disturbing_start {
        v["notification_no_disturbing_start"] = h.to_string().into();
    }
    if let Some(h) = p.notification_no_disturbing_end {
        v["notification_no_disturbing_end"] = h.to_string().into();
    }
    if let Some(n) = &p.notifier_name {
        v["notifier_name"] = n.as_str().into();
    }
    if let Some(t) = &p.device_token {
        v["device_token"] = t.as_str().into();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(fields: &[(&str, Value)], raw: Option<(&'static str, Value)>) -> Envelope {
        Envelope {
            body: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            raw: raw.map(|(k, v)| (k, serde_json::to_vec(&v).unwrap())),
            duration: 7,
        }
    }

    /// The hand-written writer gives byte for byte what serializing the whole object as one
    /// `Value` gives, wherever the pre-serialized field falls among the keys.
    #[test]
    fn json_text_is_serde_json_s_for_every_position_of_the_raw_field() {
        let names = json!(["a\"b", "ü", "\u{1}", ""]);
        let base = [
            ("action", json!("get")),
            ("count", json!(4)),
            ("entities", json!([])),
            ("zz", json!({"k": [1, null, true]})),
        ];
        for key in ["aaa", "data", "timestamp", "zzz"] {
            let e = envelope(&base, Some((key, names.clone())));
            let mut want: Map<String, Value> = base
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            want.insert(key.into(), names.clone());
            want.insert("duration".into(), 7.into());
            assert_eq!(
                String::from_utf8(e.into_json()).unwrap(),
                serde_json::to_string(&Value::Object(want)).unwrap(),
                "raw field {key}"
            );
        }
        let plain = envelope(&base, None).into_json();
        let mut want: Map<String, Value> = base
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        want.insert("duration".into(), 7.into());
        assert_eq!(plain, serde_json::to_vec(&Value::Object(want)).unwrap());
    }

    /// The fast string writer gives serde_json's text, escaped or not.
    #[test]
    fn data_strings_is_the_json_array_of_the_strings() {
        let items = [
            "alice",
            "a\"b",
            "back\\slash",
            "\u{1f}",
            "ü€",
            "",
            "x\u{7f}",
        ];
        let e = envelope(&[], None).data_strings(items.iter().copied());
        let text = String::from_utf8(e.into_json()).unwrap();
        let want = serde_json::to_string(&json!({"data": items, "duration": 7})).unwrap();
        assert_eq!(text, want);
    }

    /// Setting `data` by value after a serialized `data` (or the reverse) leaves one `data`.
    #[test]
    fn a_later_data_replaces_an_earlier_one_of_either_kind() {
        let e = envelope(&[], Some(("data", json!(["x"])))).data(json!(1));
        let v: Value = serde_json::from_slice(&e.into_json()).unwrap();
        assert_eq!(v, json!({"data": 1, "duration": 7}));
        let e = envelope(&[("data", json!(1))], None).data_serialized(&["y"]);
        let v: Value = serde_json::from_slice(&e.into_json()).unwrap();
        assert_eq!(v, json!({"data": ["y"], "duration": 7}));
    }
}
