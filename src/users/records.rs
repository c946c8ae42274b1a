//! The records of presence (spec 01 §13) and push settings (§15): what one user holds, kept
//! out of line in the user's `Extra` (most users never set either). The subscriptions between
//! users are the store's ([`crate::store::Subscriptions`]), since their targets need not be
//! registered users.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, UserName};
use crate::time::Timestamp;

/// One user's presence: a status per resource, one `ext`, and the last login or logout.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Presence {
    /// Status per resource (`"0"` offline, `"1"` online, other digit strings custom), least
    /// recently set first; at most [`crate::limits::PRESENCE_RESOURCES_MAX`] (setting one
    /// more drops the least recently set).
    pub statuses: IndexMap<Box<str>, Box<str>>,
    /// The user's presence extension (≤ 1024 bytes); `""` until set.
    pub ext: Box<str>,
    /// The last session opening or closing; `None` until the first.
    pub last_time: Option<Timestamp>,
}

/// Whose pushes a notification setting is about: a peer in one-to-one chat (the user's own
/// name meaning the app-wide level), or a group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum NotifyKey {
    /// One-to-one chat with this user (`chattype=user`).
    User(UserName),
    /// This group (`chattype=chatgroup`).
    Group(GroupId),
}

/// Which pushes a conversation (or the app level) gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum NotifyType {
    /// Follow the app level (conversations only). The conversation default.
    #[default]
    Default,
    /// Every message. The app-level default.
    All,
    /// Only messages that mention the user (`em_at_list` naming them or `"all"`).
    At,
    /// None.
    None,
}

/// A daily quiet interval, minutes after midnight UTC: `start == end` is off
/// (`"00:00-00:00"`), `end < start` runs across midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct Interval {
    /// First quiet minute of the day, 0–1439.
    pub start: u16,
    /// First minute that is no longer quiet, 0–1439.
    pub end: u16,
}

/// One notification setting (app level or one conversation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Notify {
    pub kind: NotifyType,
    /// App level only; `None` is `""`.
    pub interval: Option<Interval>,
    /// No pushes before this instant; `None` is `0`.
    pub until: Option<Timestamp>,
}

/// The legacy do-not-disturb switch and hours (`notification_no_disturbing*`), each `None`
/// until set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Dnd {
    pub on: Option<bool>,
    /// First quiet hour, 0–23 (UTC).
    pub start: Option<u8>,
    /// Last quiet hour, 0–23 (UTC); `start == end` is all day.
    pub end: Option<u8>,
}

/// One device binding: a device's token with one notifier (push provider).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Binding {
    pub device: Box<str>,
    pub notifier: Box<str>,
    pub token: Box<str>,
}

/// One user's push settings (the push nickname is on the user record).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Push {
    /// `notification_display_style`: 0 generic, 1 sender and content; `None` until set.
    pub display_style: Option<u8>,
    /// Legacy do-not-disturb.
    pub dnd: Dnd,
    /// The app-level setting; `None` until set.
    pub app: Option<Notify>,
    /// Per-conversation settings, by key.
    pub conversations: BTreeMap<NotifyKey, Notify>,
    /// `translationLanguage`; `None` until set (`""` stored as `None`).
    pub language: Option<Box<str>>,
    /// `templateName`; `None` until set (`""` stored as `None`).
    pub template: Option<Box<str>>,
    /// Device bindings, least recently bound first.
    pub bindings: Vec<Binding>,
}

impl Push {
    /// Whether nothing is set (the record can go).
    pub fn is_empty(&self) -> bool {
        *self == Push::default()
    }
}
