//! The vendor's success envelope. Most operations answer with the full envelope
//! (`action`, `path`, `uri`, `entities`, `data`, `count`, `cursor`, `timestamp`, `duration`,
//! `organization`, `application`, `applicationName`, each set as spec 01 shows per operation);
//! the attribute calls answer with the bare one (`timestamp`, `data`, `duration`).
//!
//! Also here: the vendor's user view (`{uuid, type, created, modified, username, activated,
//! nickname?, <push fields>?}`), shared by every route that shows users.

use axum::Json;
use axum::response::{IntoResponse, Response};
use imcore::UserView;
use serde_json::{Map, Value, json};

use crate::extract::Call;

/// A success answer being built; turn it into a response with `into_response`.
pub struct Envelope {
    body: Map<String, Value>,
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

    /// Sets any other top-level field.
    pub fn field(mut self, k: &str, v: Value) -> Envelope {
        self.body.insert(k.into(), v);
        self
    }
}

impl IntoResponse for Envelope {
    fn into_response(mut self) -> Response {
        self.body.insert("duration".into(), self.duration.into());
        Json(Value::Object(self.body)).into_response()
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
