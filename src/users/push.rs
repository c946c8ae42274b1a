//! Push settings (spec 01 §15): the push nickname (one user, or a batch), the display style,
//! the legacy do-not-disturb hours, notification settings at the app level and per
//! conversation (`type`, `ignoreInterval`, `ignoreDuration`), the translation language, the
//! template name and device bindings; and [`WantsPush`], the rule the messaging area asks
//! before a push.
//!
//! Callers: the app admin, or the user themself (the batch nickname call: the admin only). An
//! unknown user is `400 required_property_not_found`; a bad value `400 illegal_argument
//! "parameters is invalid : <field>"` ([`Error::invalid_param`]). Input is checked before the
//! user is looked up. The push fields that are set appear in the user view ([`PushFields`]).
//!
//! Choices where the spec is silent (OPEN, or the engine's): settings never set read as
//! `{type: DEFAULT (conversation) | ALL (app), ignoreInterval: "", ignoreDuration: 0}`; an
//! `ignoreDuration` end time that has passed reads as `0`; unknown names in the batch nickname
//! call are skipped and left out of the result; a conversation setting back at its defaults is
//! dropped; a user keeps at most [`NOTIFY_CONVERSATIONS_MAX`] conversation settings (`403
//! exceed_limit` "notification settings exceed limit") and [`PUSH_BINDINGS_MAX`] device
//! bindings (binding one more drops the least recently bound); an empty push nickname clears
//! it; turning the legacy do-not-disturb on needs both hours, given now or before; hours and
//! intervals are UTC.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::records::{Binding, Interval, Notify, NotifyKey, NotifyType, Push};
use super::state::User;
use super::{UserView, check_nickname};
use crate::command::Exec;
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId, UserName};
use crate::limits::{
    NICKNAME_CHARS_MAX, NOTIFY_CONVERSATIONS_MAX, NOTIFY_IGNORE_MILLIS_MAX, PUSH_BINDINGS_MAX,
    PUSH_FIELD_BYTES_MAX, PUSH_NICKNAME_BATCH_MAX, PUSH_TOKEN_BYTES_MAX,
};
use crate::query::Ask;
use crate::store::State;
use crate::time::{Millis, Timestamp};

/// The push fields of the user view, each `None` unless set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct PushFields {
    /// `0` generic text, `1` sender and content.
    pub notification_display_style: Option<u8>,
    /// Legacy do-not-disturb on or off.
    pub notification_no_disturbing: Option<bool>,
    /// Its first quiet hour, 0–23.
    pub notification_no_disturbing_start: Option<u8>,
    /// Its end hour, 0–23.
    pub notification_no_disturbing_end: Option<u8>,
    /// The notifier of the most recent device binding.
    pub notifier_name: Option<String>,
    /// The token of the most recent device binding.
    pub device_token: Option<String>,
}

/// The push fields of a user that are set.
pub(crate) fn fields_of(u: &User) -> PushFields {
    let Some(p) = u.extra().and_then(|x| x.push.as_deref()) else {
        return PushFields::default();
    };
    let last = p.bindings.last();
    PushFields {
        notification_display_style: p.display_style,
        notification_no_disturbing: p.dnd.on,
        notification_no_disturbing_start: p.dnd.start,
        notification_no_disturbing_end: p.dnd.end,
        notifier_name: last.map(|b| b.notifier.to_string()),
        device_token: last.map(|b| b.token.to_string()),
    }
}

impl NotifyType {
    /// The vendor's word: `DEFAULT`, `ALL`, `AT`, `NONE`.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyType::Default => "DEFAULT",
            NotifyType::All => "ALL",
            NotifyType::At => "AT",
            NotifyType::None => "NONE",
        }
    }
}

impl FromStr for NotifyType {
    type Err = Error;
    /// The vendor's word; anything else is `parameters is invalid : type`.
    fn from_str(s: &str) -> Result<NotifyType> {
        match s {
            "DEFAULT" => Ok(NotifyType::Default),
            "ALL" => Ok(NotifyType::All),
            "AT" => Ok(NotifyType::At),
            "NONE" => Ok(NotifyType::None),
            _ => Err(Error::invalid_param("type")),
        }
    }
}

impl NotifyKey {
    /// The key of `PUT|GET /users/{u}/notification/{chattype}/{key}`: `chattype` `user` (key:
    /// a username) or `chatgroup` (key: a group id).
    ///
    /// # Errors
    /// `400 illegal_argument` "parameters is invalid : chattype" for another chat type, "…
    /// : key" for an empty key or one that is no legal username.
    pub fn parse(chattype: &str, key: &str) -> Result<NotifyKey> {
        match chattype {
            "user" => UserName::parse(key)
                .map(NotifyKey::User)
                .map_err(|_| Error::invalid_param("key")),
            "chatgroup" if !key.is_empty() && key.len() <= PUSH_FIELD_BYTES_MAX => {
                Ok(NotifyKey::Group(GroupId::from(key)))
            }
            "chatgroup" => Err(Error::invalid_param("key")),
            _ => Err(Error::invalid_param("chattype")),
        }
    }
}

impl Interval {
    /// Parses `"HH:MM-HH:MM"` (hours 00–23, minutes 00–59).
    ///
    /// # Errors
    /// `400 illegal_argument` "parameters is invalid : ignoreInterval".
    pub fn parse(s: &str) -> Result<Interval> {
        let bad = || Error::invalid_param("ignoreInterval");
        let minute = |t: &str| -> Result<u16> {
            let b = t.as_bytes();
            if b.len() != 5
                || b[2] != b':'
                || !t[..2]
                    .bytes()
                    .chain(t[3..].bytes())
                    .all(|c| c.is_ascii_digit())
            {
                return Err(bad());
            }
            let (h, m): (u16, u16) = (
                t[..2].parse().map_err(|_| bad())?,
                t[3..].parse().map_err(|_| bad())?,
            );
            if h > 23 || m > 59 {
                return Err(bad());
            }
            Ok(h * 60 + m)
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        Ok(Interval {
            start: minute(a)?,
            end: minute(b)?,
        })
    }

    /// `"HH:MM-HH:MM"`.
    pub fn render(self) -> String {
        format!(
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

/// A notification setting as the vendor shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyView {
    /// `type`.
    pub kind: NotifyType,
    /// `ignoreInterval`: `"HH:MM-HH:MM"`, or `""` when none (conversations: always `""`).
    pub ignore_interval: String,
    /// `ignoreDuration`: the end of the quiet time while it lasts; `None` shows as `0`.
    pub ignore_until: Option<Timestamp>,
}

pub(crate) fn notify_view(n: Option<&Notify>, app_level: bool, now: Timestamp) -> NotifyView {
    let kind = match n {
        Some(n) => n.kind,
        None if app_level => NotifyType::All,
        None => NotifyType::Default,
    };
    NotifyView {
        kind,
        ignore_interval: n
            .and_then(|n| n.interval)
            .map(Interval::render)
            .unwrap_or_default(),
        ignore_until: n.and_then(|n| n.until).filter(|t| now < *t),
    }
}

/// The push record of a user found for a push call (`400 required_property_not_found`).
fn push_mut<'a>(st: &'a mut State, name: &UserName) -> Result<(UserId, &'a mut Push)> {
    let id = st.users.id(name).ok_or(Error::RequiredPropertyNotFound)?;
    let u = st.users.get_mut(id).expect("indexed");
    Ok((id, u.extra_mut().push.get_or_insert_with(Default::default)))
}

fn push_of<'a>(st: &'a State, name: &UserName) -> Result<Option<&'a Push>> {
    let (_, u) = st
        .users
        .named(name)
        .ok_or(Error::RequiredPropertyNotFound)?;
    Ok(u.extra().and_then(|x| x.push.as_deref()))
}

/// Drops an empty push record.
fn tidy(st: &mut State, id: UserId) {
    if let Some(x) = st.users.get_mut(id).and_then(|u| u.extra.as_deref_mut())
        && x.push.as_deref().is_some_and(Push::is_empty)
    {
        x.push = None;
    }
}

fn hour(h: Option<u8>, field: &str) -> Result<()> {
    match h {
        Some(h) if h > 23 => Err(Error::invalid_param(field)),
        _ => Ok(()),
    }
}

/// Changes a user's push nickname, display style and legacy do-not-disturb (`PUT /users/{u}`
/// with any of `nickname`, `notification_display_style`, `notification_no_disturbing`,
/// `_start`, `_end`). Fields left `None` are unchanged; an empty nickname clears it; a call
/// that changes anything bumps `modified`. Admin, or the user themself. Returns the view.
///
/// Errors, in check order:
/// 1. `401 unauthorized`;
/// 2. `400 illegal_argument` "NICKNAME_TOO_LONG" — over 100 characters;
/// 3. `400 illegal_argument` "parameters is invalid : notification_display_style" — not 0
///    or 1;
/// 4. `400 illegal_argument` "parameters is invalid : notification_no_disturbing_start" (then
///    `_end`) — an hour over 23;
/// 5. `400 required_property_not_found` — unknown user;
/// 6. `400 illegal_argument` "parameters is invalid : notification_no_disturbing_start" (then
///    `_end`) — switching on with an hour neither given nor set before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetPushProfile {
    /// Whose.
    pub username: UserName,
    /// The push nickname (`""` clears).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::nickname))]
    pub nickname: Option<String>,
    /// `notification_display_style`: 0 or 1.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::display_style))]
    pub display_style: Option<u8>,
    /// `notification_no_disturbing`.
    pub no_disturbing: Option<bool>,
    /// `notification_no_disturbing_start`, 0–23.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::hour))]
    pub no_disturbing_start: Option<u8>,
    /// `notification_no_disturbing_end`, 0–23.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::hour))]
    pub no_disturbing_end: Option<u8>,
}

impl Exec for SetPushProfile {
    type Reply = UserView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<UserView> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        if let Some(n) = &self.nickname {
            check_nickname(n)?;
        }
        if self.display_style.is_some_and(|s| s > 1) {
            return Err(Error::invalid_param("notification_display_style"));
        }
        hour(self.no_disturbing_start, "notification_no_disturbing_start")?;
        hour(self.no_disturbing_end, "notification_no_disturbing_end")?;
        let mut dnd = push_of(cx.st, &self.username)?.map_or_else(Default::default, |p| p.dnd);
        if self.no_disturbing_start.is_some() {
            dnd.start = self.no_disturbing_start;
        }
        if self.no_disturbing_end.is_some() {
            dnd.end = self.no_disturbing_end;
        }
        if self.no_disturbing.is_some() {
            dnd.on = self.no_disturbing;
        }
        if dnd.on == Some(true) {
            if dnd.start.is_none() {
                return Err(Error::invalid_param("notification_no_disturbing_start"));
            }
            if dnd.end.is_none() {
                return Err(Error::invalid_param("notification_no_disturbing_end"));
            }
        }
        let (id, p) = push_mut(cx.st, &self.username)?;
        p.dnd = dnd;
        if self.display_style.is_some() {
            p.display_style = self.display_style;
        }
        let changed = self.nickname.is_some()
            || self.display_style.is_some()
            || self.no_disturbing.is_some()
            || self.no_disturbing_start.is_some()
            || self.no_disturbing_end.is_some();
        let u = cx.st.users.get_mut(id).expect("found");
        if let Some(n) = self.nickname {
            u.nickname = (!n.is_empty()).then(|| n.into());
        }
        if changed {
            u.modified = cx.now;
        }
        tidy(cx.st, id);
        Ok(UserView::of(cx.st.users.get(id).expect("found")))
    }
}

/// One item of the batch push-nickname call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct PushNickname {
    /// The username (as given in the request; folded in the reply).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::raw_name))]
    pub username: String,
    /// The push nickname (`""` clears).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::push_nickname))]
    pub push_nickname: String,
}

/// Sets the push nicknames of up to 50 users (`PUT /push/nickname`, body `[{username,
/// push_nickname}]`). Unknown (or illegal) names are skipped and left out of the result; the
/// items apply in order, so a name given twice ends with its last nickname. Each change bumps
/// `modified`. Admin only.
///
/// Errors, in check order:
/// 1. `401 unauthorized`;
/// 2. `400 illegal_argument` "put user push nicknames illegal empty request body";
/// 3. `400 illegal_argument` "put user push nicknames exceeds the limit" — over 50 items;
/// 4. `400 illegal_argument` "<u> push nickname length exceeds the limit" — the first item
///    with a nickname over 100 characters (`<u>` as given).
///
/// Returns the items applied, names folded, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetPushNicknames(pub Vec<PushNickname>);

impl Exec for SetPushNicknames {
    type Reply = Vec<PushNickname>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<PushNickname>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        if self.0.is_empty() {
            return Err(Error::illegal(
                "put user push nicknames illegal empty request body",
            ));
        }
        if self.0.len() > PUSH_NICKNAME_BATCH_MAX {
            return Err(Error::illegal("put user push nicknames exceeds the limit"));
        }
        if let Some(i) = self
            .0
            .iter()
            .find(|i| i.push_nickname.chars().count() > NICKNAME_CHARS_MAX)
        {
            return Err(Error::illegal(format!(
                "{} push nickname length exceeds the limit",
                i.username
            )));
        }
        let mut out = Vec::new();
        for i in self.0 {
            let Some(id) = cx.st.users.id_str(&i.username) else {
                continue;
            };
            let u = cx.st.users.get_mut(id).expect("indexed");
            u.nickname = (!i.push_nickname.is_empty()).then(|| i.push_nickname.as_str().into());
            u.modified = cx.now;
            out.push(PushNickname {
                username: u.name.to_string(),
                push_nickname: i.push_nickname,
            });
        }
        Ok(out)
    }
}

/// Sets the app-level notification setting (`key` the user themself, as `chattype=user`) or
/// one conversation's (`PUT /users/{u}/notification/{chattype}/{key}`, body `{type?,
/// ignoreInterval?, ignoreDuration?}`). Fields left `None` are unchanged. `ignore_interval`:
/// `"HH:MM-HH:MM"` (app level only), `""` clears, `"00:00-00:00"` is off. `ignore_duration`:
/// ms, 0 clears, otherwise quiet until `now + d`. Admin, or the user themself. Returns the
/// setting as it now reads.
///
/// Errors, in check order:
/// 1. `401 unauthorized`;
/// 2. `400 illegal_argument` "parameters is invalid : type" — `DEFAULT` at the app level;
/// 3. `400 illegal_argument` "parameters is invalid : ignoreInterval" — non-empty for a
///    conversation (`""` there is taken and changes nothing), or not `"HH:MM-HH:MM"`;
/// 4. `400 illegal_argument` "parameters is invalid : ignoreDuration" — outside 0–604 800 000;
/// 5. `400 required_property_not_found` — unknown user;
/// 6. `403 exceed_limit` "notification settings exceed limit" — a new conversation setting
///    past 1000.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetNotification {
    /// Whose.
    pub username: UserName,
    /// Which conversation; the user themself (`User(username)`) is the app level.
    pub key: NotifyKey,
    /// `type`.
    pub kind: Option<NotifyType>,
    /// `ignoreInterval`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::interval))]
    pub ignore_interval: Option<String>,
    /// `ignoreDuration`, ms.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::ignore_duration))]
    pub ignore_duration: Option<i64>,
}

impl Exec for SetNotification {
    type Reply = NotifyView;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<NotifyView> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let app_level = self.key == NotifyKey::User(self.username.clone());
        if app_level && self.kind == Some(NotifyType::Default) {
            return Err(Error::invalid_param("type"));
        }
        let interval = match self.ignore_interval.as_deref() {
            None => None,
            // A conversation has no interval: `""` (none) is taken as a no-op, anything else
            // is refused.
            Some("") if !app_level => None,
            Some(_) if !app_level => return Err(Error::invalid_param("ignoreInterval")),
            Some("") => Some(None),
            Some(s) => Some(Some(Interval::parse(s)?)),
        };
        let until = match self.ignore_duration {
            None => None,
            Some(d) if !(0..=NOTIFY_IGNORE_MILLIS_MAX as i64).contains(&d) => {
                return Err(Error::invalid_param("ignoreDuration"));
            }
            Some(0) => Some(None),
            Some(d) => Some(Some(cx.now.after(Millis(d as u64)))),
        };
        let now = cx.now;
        let full = push_of(cx.st, &self.username)?.is_some_and(|p| {
            !p.conversations.contains_key(&self.key)
                && p.conversations.len() >= NOTIFY_CONVERSATIONS_MAX
        });
        if !app_level && full {
            return Err(Error::ExceedLimit("notification settings exceed limit"));
        }
        let (id, p) = push_mut(cx.st, &self.username)?;
        let n = if app_level {
            p.app.get_or_insert_with(|| Notify {
                kind: NotifyType::All,
                ..Notify::default()
            })
        } else {
            p.conversations.entry(self.key.clone()).or_default()
        };
        if let Some(k) = self.kind {
            n.kind = k;
        }
        if let Some(i) = interval {
            n.interval = i;
        }
        if let Some(u) = until {
            n.until = u;
        }
        let view = notify_view(Some(n), app_level, now);
        if !app_level && *n == Notify::default() {
            p.conversations.remove(&self.key);
        }
        if let NotifyKey::User(peer) = &self.key
            && !app_level
        {
            let holds = p.conversations.contains_key(&self.key);
            cx.st.users.note_notified(peer, id, holds);
        }
        tidy(cx.st, id);
        Ok(view)
    }
}

/// Reads the app-level (key: the user themself) or one conversation's notification setting
/// (`GET /users/{u}/notification/{chattype}/{key}`); never-set settings read as their
/// defaults. Admin, or the user themself.
///
/// Errors: `401 unauthorized`; `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetNotification {
    /// Whose.
    pub username: UserName,
    /// Which conversation; the user themself is the app level.
    pub key: NotifyKey,
}

impl Ask for GetNotification {
    type Reply = NotifyView;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<NotifyView> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let p = push_of(cx.st, &self.username)?;
        let app_level = self.key == NotifyKey::User(self.username.clone());
        let n = p.and_then(|p| {
            if app_level {
                p.app.as_ref()
            } else {
                p.conversations.get(&self.key)
            }
        });
        Ok(notify_view(n, app_level, cx.now))
    }
}

fn check_field(v: &str, max: usize, field: &str) -> Result<()> {
    if v.len() > max {
        return Err(Error::invalid_param(field));
    }
    Ok(())
}

/// Sets the push translation language (`PUT /users/{u}/notification/language`, body
/// `{translationLanguage}`); `""` means no translation. Admin, or the user themself. Returns
/// the language.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "parameters is invalid
/// : translationLanguage" (over 128 bytes); `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetPushLanguage {
    /// Whose.
    pub username: UserName,
    /// The language code, or `""`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::push_field))]
    pub language: String,
}

impl Exec for SetPushLanguage {
    type Reply = String;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<String> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        check_field(&self.language, PUSH_FIELD_BYTES_MAX, "translationLanguage")?;
        let (id, p) = push_mut(cx.st, &self.username)?;
        p.language = (!self.language.is_empty()).then(|| self.language.as_str().into());
        tidy(cx.st, id);
        Ok(self.language)
    }
}

/// Reads the push translation language (`GET /users/{u}/notification/language`); `""` when
/// none. Admin, or the user themself.
///
/// Errors: `401 unauthorized`; `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetPushLanguage {
    /// Whose.
    pub username: UserName,
}

impl Ask for GetPushLanguage {
    type Reply = String;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<String> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let p = push_of(cx.st, &self.username)?;
        Ok(p.and_then(|p| p.language.as_deref())
            .unwrap_or("")
            .to_string())
    }
}

/// Sets the push template name (`PUT /users/{u}/notification/template`, body
/// `{templateName}`); `""` clears. Whether the template exists is the push-template spec's
/// business. Admin, or the user themself. Returns the name.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "parameters is invalid
/// : templateName" (over 128 bytes); `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetPushTemplate {
    /// Whose.
    pub username: UserName,
    /// The template name, or `""`.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::push_field))]
    pub template: String,
}

impl Exec for SetPushTemplate {
    type Reply = String;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<String> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        check_field(&self.template, PUSH_FIELD_BYTES_MAX, "templateName")?;
        let (id, p) = push_mut(cx.st, &self.username)?;
        p.template = (!self.template.is_empty()).then(|| self.template.as_str().into());
        tidy(cx.st, id);
        Ok(self.template)
    }
}

/// Reads the push template name (`GET /users/{u}/notification/template`); `""` when none.
/// Admin, or the user themself.
///
/// Errors: `401 unauthorized`; `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetPushTemplate {
    /// Whose.
    pub username: UserName,
}

impl Ask for GetPushTemplate {
    type Reply = String;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<String> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let p = push_of(cx.st, &self.username)?;
        Ok(p.and_then(|p| p.template.as_deref())
            .unwrap_or("")
            .to_string())
    }
}

/// One device binding, as the vendor shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushBinding {
    /// The device.
    pub device_id: String,
    /// The device's token with this notifier.
    pub device_token: String,
    /// The notifier (push provider).
    pub notifier_name: String,
}

fn binding_view(b: &Binding) -> PushBinding {
    PushBinding {
        device_id: b.device.to_string(),
        device_token: b.token.to_string(),
        notifier_name: b.notifier.to_string(),
    }
}

/// Binds a device's token to a notifier, or unbinds (`PUT /users/{u}/push/binding`, body
/// `{device_id, notifier_name, device_token}`): an empty `device_token` unbinds this device
/// from this notifier; an empty `notifier_name` unbinds every notifier of this device.
/// Binding again replaces the token and makes it the most recent; beyond 16 bindings the
/// least recently bound goes. Admin, or the user themself. Returns the device's bindings
/// afterwards, least recently bound first.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "parameters is invalid
/// : device_id" (empty, or over 128 bytes), "… : notifier_name" (over 128 bytes), "… :
/// device_token" (over 512 bytes); `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BindPushDevice {
    /// Whose.
    pub username: UserName,
    /// The device.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::device_id))]
    pub device_id: String,
    /// The notifier; `""` unbinds every notifier of the device.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::notifier))]
    pub notifier_name: String,
    /// The token; `""` unbinds the device from the notifier.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::device_token))]
    pub device_token: String,
}

impl Exec for BindPushDevice {
    type Reply = Vec<PushBinding>;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<Vec<PushBinding>> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        if self.device_id.is_empty() {
            return Err(Error::invalid_param("device_id"));
        }
        check_field(&self.device_id, PUSH_FIELD_BYTES_MAX, "device_id")?;
        check_field(&self.notifier_name, PUSH_FIELD_BYTES_MAX, "notifier_name")?;
        check_field(&self.device_token, PUSH_TOKEN_BYTES_MAX, "device_token")?;
        let (id, p) = push_mut(cx.st, &self.username)?;
        let device = self.device_id.as_str();
        if self.notifier_name.is_empty() {
            p.bindings.retain(|b| &*b.device != device);
        } else {
            let notifier = self.notifier_name.as_str();
            p.bindings
                .retain(|b| !(&*b.device == device && &*b.notifier == notifier));
            if !self.device_token.is_empty() {
                while p.bindings.len() >= PUSH_BINDINGS_MAX {
                    p.bindings.remove(0);
                }
                p.bindings.push(Binding {
                    device: device.into(),
                    notifier: notifier.into(),
                    token: self.device_token.as_str().into(),
                });
            }
        }
        let out = p
            .bindings
            .iter()
            .filter(|b| &*b.device == device)
            .map(binding_view)
            .collect();
        tidy(cx.st, id);
        Ok(out)
    }
}

/// Lists every device binding of a user, least recently bound first (`GET
/// /users/{u}/push/binding`). Admin, or the user themself.
///
/// Errors: `401 unauthorized`; `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListPushBindings {
    /// Whose.
    pub username: UserName,
}

impl Ask for ListPushBindings {
    type Reply = Vec<PushBinding>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<PushBinding>> {
        cx.actor.admin_or_self(&self.username, NOT_ALLOWED)?;
        let p = push_of(cx.st, &self.username)?;
        Ok(p.map(|p| p.bindings.iter().map(binding_view).collect())
            .unwrap_or_default())
    }
}

/// Whether the hour `h` (0–23) is inside the legacy quiet hours `start..end` (`start == end`:
/// all day; `end < start`: across midnight).
fn in_hours(h: u8, start: u8, end: u8) -> bool {
    match start.cmp(&end) {
        std::cmp::Ordering::Equal => true,
        std::cmp::Ordering::Less => start <= h && h < end,
        std::cmp::Ordering::Greater => h >= start || h < end,
    }
}

/// Whether the minute of the day `m` is inside an interval (`start == end`: off).
fn in_interval(m: u16, i: Interval) -> bool {
    match i.start.cmp(&i.end) {
        std::cmp::Ordering::Equal => false,
        std::cmp::Ordering::Less => i.start <= m && m < i.end,
        std::cmp::Ordering::Greater => m >= i.start || m < i.end,
    }
}

/// The push rule (spec 01 §15): whether a message from `from` (a peer or a group) that does
/// (`mentioned`) or does not mention the user gets a push to them at `now`. Do-not-disturb
/// wins over `type`: the legacy quiet hours, the app-level `ignoreInterval`, and an
/// `ignoreDuration` still running at the app level or for the conversation each mean no push.
/// Otherwise the conversation's `type` decides, or the app level's when it is `DEFAULT`
/// (`ALL` when never set): `ALL` pushes, `AT` only when mentioned, `NONE` never. Hours and
/// intervals are UTC.
pub(crate) fn wants_push(
    p: Option<&Push>,
    from: &NotifyKey,
    mentioned: bool,
    now: Timestamp,
) -> bool {
    let Some(p) = p else {
        return true;
    };
    let day_ms = now.0.rem_euclid(86_400_000);
    let hour = (day_ms / 3_600_000) as u8;
    let minute = (day_ms / 60_000) as u16;
    if let (Some(true), Some(s), Some(e)) = (p.dnd.on, p.dnd.start, p.dnd.end)
        && in_hours(hour, s, e)
    {
        return false;
    }
    let conv = p.conversations.get(from);
    let quiet_until = |n: Option<&Notify>| n.and_then(|n| n.until).is_some_and(|t| now < t);
    if quiet_until(p.app.as_ref()) || quiet_until(conv) {
        return false;
    }
    if p.app
        .as_ref()
        .and_then(|n| n.interval)
        .is_some_and(|i| in_interval(minute, i))
    {
        return false;
    }
    let kind = match conv.map(|n| n.kind) {
        Some(k) if k != NotifyType::Default => k,
        _ => p.app.as_ref().map_or(NotifyType::All, |n| n.kind),
    };
    match kind {
        NotifyType::All | NotifyType::Default => true,
        NotifyType::At => mentioned,
        NotifyType::None => false,
    }
}

/// Whether a message from `from` gets a push to `username` at `now` (see the rule in the
/// module docs and on `wants_push`). Unknown users get no push. The app admin only (a host or
/// the messaging area asks it).
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct WantsPush {
    /// The recipient.
    pub username: UserName,
    /// The conversation: the sender (one-to-one) or the group.
    pub from: NotifyKey,
    /// Whether the message mentions the recipient (`em_at_list` naming them or `"all"`).
    pub mentioned: bool,
}

impl Ask for WantsPush {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let Some((_, u)) = cx.st.users.named(&self.username) else {
            return Ok(false);
        };
        let p = u.extra().and_then(|x| x.push.as_deref());
        Ok(wants_push(p, &self.from, self.mentioned, cx.now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_and_render() {
        let i = Interval::parse("22:30-07:05").unwrap();
        assert_eq!((i.start, i.end), (22 * 60 + 30, 7 * 60 + 5));
        assert_eq!(i.render(), "22:30-07:05");
        for bad in [
            "",
            "24:00-01:00",
            "1:00-02:00",
            "01:60-02:00",
            "01:00",
            "01:00-02:0x",
        ] {
            assert!(Interval::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quiet_hours_wrap_and_all_day() {
        assert!(in_hours(5, 5, 5) && in_hours(17, 5, 5));
        assert!(in_hours(22, 22, 7) && in_hours(3, 22, 7) && !in_hours(7, 22, 7));
        assert!(in_hours(9, 9, 17) && !in_hours(17, 9, 17) && !in_hours(8, 9, 17));
        let off = Interval { start: 0, end: 0 };
        assert!(!in_interval(0, off) && !in_interval(700, off));
    }

    #[test]
    fn dnd_wins_over_type_and_default_follows_the_app() {
        let g = NotifyKey::Group(GroupId::from("g"));
        let now = Timestamp(10 * 3_600_000); // 10:00 UTC
        let mut p = Push::default();
        assert!(wants_push(Some(&p), &g, false, now));
        p.app = Some(Notify {
            kind: NotifyType::At,
            ..Notify::default()
        });
        assert!(!wants_push(Some(&p), &g, false, now));
        assert!(wants_push(Some(&p), &g, true, now));
        p.conversations.insert(
            g.clone(),
            Notify {
                kind: NotifyType::All,
                ..Notify::default()
            },
        );
        assert!(wants_push(Some(&p), &g, false, now));
        p.dnd = super::super::records::Dnd {
            on: Some(true),
            start: Some(9),
            end: Some(11),
        };
        assert!(!wants_push(Some(&p), &g, true, now));
        p.dnd.on = Some(false);
        p.conversations.get_mut(&g).unwrap().until = Some(Timestamp(now.0 + 1));
        assert!(!wants_push(Some(&p), &g, true, now));
        assert!(wants_push(Some(&p), &g, true, Timestamp(now.0 + 1)));
    }
}
