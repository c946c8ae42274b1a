//! Push settings (spec 01 §15): `PUT /users/{u}` (push nickname, display style, legacy
//! do-not-disturb; wired on the users module's path), the batch push nickname, notification
//! settings per app, user and group, the translation language, the template name and device
//! bindings.
//!
//! Units: `ignoreDuration` is in milliseconds in and out (the end time, or `0`). Numbers may
//! come as JSON numbers or strings of digits (the vendor's hours are strings); a number out of
//! range reaches the engine as a value it refuses with its own `parameters is invalid :
//! <field>`; a field of the wrong JSON type is `400 json_parse`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::put;
use imcore::{
    BindPushDevice, GetNotification, GetPushLanguage, GetPushTemplate, ListPushBindings, NotifyKey,
    NotifyView, PushBinding, PushNickname, SetNotification, SetPushLanguage, SetPushNicknames,
    SetPushProfile, SetPushTemplate,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::shared::{flag, null_default, text, whole_number};
use crate::envelope::{Envelope, user_json};
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;

/// This module's routes (`PUT /users/{u}` is [`set_profile`], on the users module's path).
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/push/nickname", put(set_nicknames))
        .route(
            "/{org}/{app}/users/{username}/notification/language",
            put(set_language).get(language),
        )
        .route(
            "/{org}/{app}/users/{username}/notification/template",
            put(set_template).get(template),
        )
        .route(
            "/{org}/{app}/users/{username}/notification/{chattype}/{key}",
            put(set_notification).get(notification),
        )
        .route(
            "/{org}/{app}/users/{username}/push/binding",
            put(bind).get(bindings),
        )
}

/// A small whole-number field (an hour, a style): out of `u8` becomes 255, which the engine
/// refuses; absent, `null` or `""` is `None` (a client that always writes the do-not-disturb
/// hours sends them empty when it switches do-not-disturb off).
fn small(m: &Map<String, Value>, k: &str) -> ApiResult<Option<u8>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => match whole_number(v) {
            Some(n) => Ok(Some(u8::try_from(n).unwrap_or(u8::MAX))),
            None => Err(ApiError::json_parse(format!("{k} must be a number"))),
        },
    }
}

/// The JSON object a body must be (an empty body reads as `{}`).
async fn object(call: &Call, body: Body) -> ApiResult<Map<String, Value>> {
    match call.json_opt::<Value>(body).await? {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ApiError::json_parse("the body must be a JSON object")),
    }
}

/// `PUT /users/{username}` with any of `nickname`, `notification_display_style`,
/// `notification_no_disturbing`, `notification_no_disturbing_start`, `_end`: `entities:
/// [user]`.
pub async fn set_profile(call: Call, body: Body) -> ApiResult<Envelope> {
    let m = object(&call, body).await?;
    let v = call.exec(SetPushProfile {
        username: call.user("username")?,
        nickname: text(&m, "nickname")?,
        display_style: small(&m, "notification_display_style")?,
        no_disturbing: flag(&m, "notification_no_disturbing")?,
        no_disturbing_start: small(&m, "notification_no_disturbing_start")?,
        no_disturbing_end: small(&m, "notification_no_disturbing_end")?,
    })?;
    Ok(Envelope::full(&call).entities(vec![user_json(&v)]))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NicknameItem {
    #[serde(default, deserialize_with = "null_default")]
    username: String,
    #[serde(default, deserialize_with = "null_default")]
    push_nickname: String,
}

/// `PUT /push/nickname`, body `[{username, push_nickname}]`: `entities: [{username,
/// push_nickname}]` for the users changed.
async fn set_nicknames(call: Call, body: Body) -> ApiResult<Envelope> {
    let items: Vec<NicknameItem> = call.json_opt(body).await?.unwrap_or_default();
    let out = call.exec(SetPushNicknames(
        items
            .into_iter()
            .map(|i| PushNickname {
                username: i.username,
                push_nickname: i.push_nickname,
            })
            .collect(),
    ))?;
    let entities = out
        .iter()
        .map(|i| json!({"username": i.username, "push_nickname": i.push_nickname}))
        .collect();
    Ok(Envelope::full(&call).entities(entities))
}

fn notify_json(v: &NotifyView) -> Value {
    json!({
        "type": v.kind.as_str(),
        "ignoreInterval": v.ignore_interval,
        "ignoreDuration": v.ignore_until.map_or(0, |t| t.0),
    })
}

fn notify_key(call: &Call) -> ApiResult<NotifyKey> {
    Ok(NotifyKey::parse(call.param("chattype"), call.param("key"))?)
}

/// `PUT /users/{username}/notification/{chattype}/{key}`, body `{type?, ignoreInterval?,
/// ignoreDuration?}`: `data: {type, ignoreInterval, ignoreDuration}`. `chattype=user` with
/// `key` the user themself is the app level.
async fn set_notification(call: Call, body: Body) -> ApiResult<Envelope> {
    let m = object(&call, body).await?;
    // `""` is no type, as absent (a client that always writes the field sends it empty).
    let kind = text(&m, "type")?
        .filter(|t| !t.is_empty())
        .map(|t| t.parse())
        .transpose()?;
    let ignore_duration = match m.get("ignoreDuration") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            whole_number(v)
                .ok_or_else(|| ApiError::json_parse("ignoreDuration must be a number"))?,
        ),
    };
    let v = call.exec(SetNotification {
        username: call.user("username")?,
        key: notify_key(&call)?,
        kind,
        ignore_interval: text(&m, "ignoreInterval")?,
        ignore_duration,
    })?;
    Ok(Envelope::full(&call).data(notify_json(&v)))
}

/// `GET /users/{username}/notification/{chattype}/{key}`: `data: {type, ignoreInterval,
/// ignoreDuration}`, the defaults when never set.
async fn notification(call: Call) -> ApiResult<Envelope> {
    let v = call.ask(GetNotification {
        username: call.user("username")?,
        key: notify_key(&call)?,
    })?;
    Ok(Envelope::full(&call).data(notify_json(&v)))
}

/// `PUT /users/{username}/notification/language`, body `{translationLanguage}`: `data:
/// {language}`.
async fn set_language(call: Call, body: Body) -> ApiResult<Envelope> {
    let m = object(&call, body).await?;
    let l = call.exec(SetPushLanguage {
        username: call.user("username")?,
        language: text(&m, "translationLanguage")?.unwrap_or_default(),
    })?;
    Ok(Envelope::full(&call).data(json!({ "language": l })))
}

/// `GET /users/{username}/notification/language`: `data: {language}`.
async fn language(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(GetPushLanguage {
        username: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).data(json!({ "language": l })))
}

/// `PUT /users/{username}/notification/template`, body `{templateName}`: `data:
/// {templateName}`.
async fn set_template(call: Call, body: Body) -> ApiResult<Envelope> {
    let m = object(&call, body).await?;
    let t = call.exec(SetPushTemplate {
        username: call.user("username")?,
        template: text(&m, "templateName")?.unwrap_or_default(),
    })?;
    Ok(Envelope::full(&call).data(json!({ "templateName": t })))
}

/// `GET /users/{username}/notification/template`: `data: {templateName}`.
async fn template(call: Call) -> ApiResult<Envelope> {
    let t = call.ask(GetPushTemplate {
        username: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).data(json!({ "templateName": t })))
}

fn binding_json(b: &PushBinding) -> Value {
    json!({
        "device_id": b.device_id,
        "device_token": b.device_token,
        "notifier_name": b.notifier_name,
    })
}

/// `PUT /users/{username}/push/binding`, body `{device_id, notifier_name, device_token}`:
/// `entities` are the device's bindings afterwards.
async fn bind(call: Call, body: Body) -> ApiResult<Envelope> {
    let m = object(&call, body).await?;
    let out = call.exec(BindPushDevice {
        username: call.user("username")?,
        device_id: text(&m, "device_id")?.unwrap_or_default(),
        notifier_name: text(&m, "notifier_name")?.unwrap_or_default(),
        device_token: text(&m, "device_token")?.unwrap_or_default(),
    })?;
    Ok(Envelope::full(&call).entities(out.iter().map(binding_json).collect()))
}

/// `GET /users/{username}/push/binding`: `entities` are every binding of the user.
async fn bindings(call: Call) -> ApiResult<Envelope> {
    let out = call.ask(ListPushBindings {
        username: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).entities(out.iter().map(binding_json).collect()))
}
