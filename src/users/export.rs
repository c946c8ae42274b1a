//! The GDPR export (spec 01 §16): one read that returns, in one document
//! ([`UserExport`]), everything the engine holds about one user — and nothing it must not.
//!
//! The users area fills its own parts (the user view, attributes, contacts with remarks and
//! `added_at`, the block list, global mutes, sessions, token expiries, presence and
//! subscriptions, push settings and device bindings); every other area adds its part through
//! a hook, one function per area called from [`ExportUser`]:
//!
//! | part | hook |
//! |---|---|
//! | [`UserExport::groups`]: groups, threads, files, member attributes (spec 02) | `crate::groups::export_user` |
//! | [`UserExport::rooms`]: chatrooms, lists, attributes, super admin (spec 03 §3.11) | `crate::rooms::export_user` |
//! | [`UserExport::messages`]: offline queue size, retained messages sent (anywhere) or received one-to-one, attachments uploaded (spec 03 §4) | `crate::messages::export_user` |
//!
//! Never exported: passwords (or anything derived from them), token strings (only each live
//! token's expiry), other users' remarks about this user, and who subscribes to this user's
//! presence (other users' data). Erasure is [`super::DeleteUser`]'s cascade.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::push::{NotifyView, PushBinding, PushFields, fields_of};
use super::records::NotifyKey;
use super::{Device, UserView};
use crate::engine::{NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::groups::UserGroupsExport;
use crate::ids::{UserId, UserName};
use crate::query::Ask;
use crate::rooms::UserRoomsExport;
use crate::time::{Expiry, Timestamp};

/// A contact in the export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedContact {
    /// The friend.
    pub username: UserName,
    /// This user's remark for them, if set.
    pub remark: Option<String>,
    /// When the friendship formed.
    pub added_at: Timestamp,
}

/// The global mutes in the export: each scope's expiry, live or lapsed and not yet expired.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedMutes {
    /// One-to-one.
    pub chat: Option<Expiry>,
    /// Groups.
    pub groupchat: Option<Expiry>,
    /// Chatrooms.
    pub chatroom: Option<Expiry>,
}

/// An open session in the export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedSession {
    /// The resource, device uuid and name.
    pub device: Device,
    /// When it opened.
    pub opened: Timestamp,
}

/// A subscription this user holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedSubscription {
    /// The target.
    pub target: UserName,
    /// When it lapses (the stored expiry, even if already past).
    pub expiry: Timestamp,
}

/// Presence in the export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedPresence {
    /// Status per resource, least recently set first.
    pub statuses: IndexMap<String, String>,
    /// The `ext`.
    pub ext: String,
    /// The last session opening or closing.
    pub last_time: Option<Timestamp>,
    /// Since when the user has had no session (`None`: online, or never connected).
    pub offline_since: Option<Timestamp>,
    /// The subscriptions this user holds, in subscribe order.
    pub subscriptions: Vec<ExportedSubscription>,
}

/// Push settings in the export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedPush {
    /// The push nickname.
    pub nickname: Option<String>,
    /// Display style and legacy do-not-disturb (and the latest binding, as the view shows).
    pub fields: PushFields,
    /// The app-level notification setting, if set.
    pub app: Option<NotifyView>,
    /// Per-conversation notification settings, by key.
    pub conversations: Vec<(NotifyKey, NotifyView)>,
    /// The translation language, if set.
    pub language: Option<String>,
    /// The template name, if set.
    pub template: Option<String>,
    /// Device bindings, least recently bound first.
    pub bindings: Vec<PushBinding>,
}

/// Everything the engine holds about one user (spec 01 §16).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserExport {
    /// The user view (with the push fields that are set).
    pub user: UserView,
    /// Every attribute, in insertion order.
    pub attributes: IndexMap<String, String>,
    /// Friends, most recently added first, with this user's remarks.
    pub contacts: Vec<ExportedContact>,
    /// This user's block list, newest first.
    pub blocks: Vec<UserName>,
    /// Global mutes.
    pub mutes: ExportedMutes,
    /// Open sessions, oldest first.
    pub sessions: Vec<ExportedSession>,
    /// The expiry of each live token (never the token strings), oldest first.
    pub tokens: Vec<Expiry>,
    /// Presence and subscriptions.
    pub presence: ExportedPresence,
    /// Push settings and device bindings.
    pub push: ExportedPush,
    /// The groups area's part.
    pub groups: UserGroupsExport,
    /// The chatrooms area's part.
    pub rooms: UserRoomsExport,
    /// The messages area's part: the offline queue size, the retained messages the user sent
    /// (to anyone) or received one-to-one, oldest first, and the attachments they uploaded.
    pub messages: crate::messages::UserMessagesExport,
    /// The RongCloud lifecycle's part (spec 04): portrait, revocation, login block, DM mode
    /// and allow list, tags, closure.
    pub lifecycle: crate::lifecycle::UserLifecycleExport,
}

/// Exports everything the engine holds about a user (`GET /users/{u}/export`, spec 01 §16).
/// The app admin only.
///
/// Errors, in check order: `401 unauthorized`; `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ExportUser {
    /// Whose.
    pub username: UserName,
}

impl Ask for ExportUser {
    /// Boxed: the document is large.
    type Reply = Box<UserExport>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Box<UserExport>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let st = cx.st;
        let (id, u) = st
            .users
            .named(&self.username)
            .ok_or_else(|| Error::UserNotFound(self.username.to_string()))?;
        let x = u.extra();
        let name_of = |f: UserId| st.users.name(f).cloned();
        let mut contacts: Vec<(UserId, Timestamp)> = u.contacts.iter().collect();
        contacts.sort_unstable_by_key(|c| std::cmp::Reverse((c.1, c.0)));
        let contacts = contacts
            .into_iter()
            .filter_map(|(f, at)| {
                Some(ExportedContact {
                    username: name_of(f)?,
                    remark: x.and_then(|x| x.remarks.get(&f)).map(|r| r.to_string()),
                    added_at: at,
                })
            })
            .collect();
        let mut blocks: Vec<(UserId, u64)> = x.map(|x| x.blocks.clone()).unwrap_or_default();
        blocks.sort_unstable_by_key(|b| std::cmp::Reverse(b.1));
        let blocks = blocks.into_iter().filter_map(|(b, _)| name_of(b)).collect();
        let m = x.map(|x| x.mutes).unwrap_or_default();
        let sessions = x
            .map(|x| {
                x.sessions
                    .iter()
                    .map(|s| ExportedSession {
                        device: Device {
                            res: s.resource.to_string(),
                            device_uuid: s.device_uuid.as_deref().map(Into::into),
                            device_name: s.device_name.as_deref().map(Into::into),
                        },
                        opened: s.opened,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let tokens = x
            .map(|x| {
                x.tokens
                    .iter()
                    .filter_map(|t| st.users.tokens.get(t).map(|g| g.expires))
                    .collect()
            })
            .unwrap_or_default();
        let p = x.and_then(|x| x.presence.as_deref());
        let presence = ExportedPresence {
            statuses: p
                .map(|p| {
                    p.statuses
                        .iter()
                        .map(|(r, s)| (r.to_string(), s.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            ext: p.map(|p| p.ext.to_string()).unwrap_or_default(),
            last_time: p.and_then(|p| p.last_time),
            offline_since: x.and_then(|x| x.offline_since),
            subscriptions: st
                .users
                .subscriptions
                .of(id)
                .into_iter()
                .flatten()
                .map(|(t, at)| ExportedSubscription {
                    target: t.clone(),
                    expiry: *at,
                })
                .collect(),
        };
        Ok(Box::new(UserExport {
            user: UserView::of(u),
            attributes: x
                .map(|x| {
                    x.attrs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            contacts,
            blocks,
            mutes: ExportedMutes {
                chat: m[0],
                groupchat: m[1],
                chatroom: m[2],
            },
            sessions,
            tokens,
            presence,
            push: push_part(u, cx.now),
            groups: crate::groups::export_user(st, id),
            rooms: crate::rooms::export_user(st, id),
            messages: crate::messages::export_user(st, id, cx.now),
            lifecycle: crate::lifecycle::export_user(st, id, cx.now),
        }))
    }
}

fn push_part(u: &super::User, now: Timestamp) -> ExportedPush {
    let p = u.extra().and_then(|x| x.push.as_deref());
    let view = |n: &super::records::Notify, app: bool| super::push::notify_view(Some(n), app, now);
    ExportedPush {
        nickname: u.nickname.as_deref().map(Into::into),
        fields: fields_of(u),
        app: p.and_then(|p| p.app.as_ref()).map(|n| view(n, true)),
        conversations: p
            .map(|p| {
                p.conversations
                    .iter()
                    .map(|(k, n)| (k.clone(), view(n, false)))
                    .collect()
            })
            .unwrap_or_default(),
        language: p.and_then(|p| p.language.as_deref()).map(Into::into),
        template: p.and_then(|p| p.template.as_deref()).map(Into::into),
        bindings: p
            .map(|p| {
                p.bindings
                    .iter()
                    .map(|b| PushBinding {
                        device_id: b.device.to_string(),
                        device_token: b.token.to_string(),
                        notifier_name: b.notifier.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}
