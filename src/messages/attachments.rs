//! Attachments (spec 03 §4.10): the engine keeps their metadata (size, name, access rule,
//! secret, thumbnail, the message that links them); the host keeps the bytes. The host draws
//! the uuid and the share secret (the engine draws no randomness) and passes them in.
//!
//! An attachment lives `attachment_retention` (7 days) and the app holds at most
//! `attachments_max`; expired ones are dropped as uploads arrive (`AttachmentsDropped` tells
//! the host to drop their bytes). A message whose `url` or `thumb` ends in `/chatfiles/{uuid}`
//! of a held, unlinked attachment links it; recalling the message deletes it.

use serde::{Deserialize, Serialize};

use super::error::MessageError;
use super::events::MessageEvent;
use super::state::Attachment;
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::MessageId;
use crate::limits::{THUMBNAIL_EDGE_DEFAULT, THUMBNAIL_SELF_BYTES_MAX};
use crate::query::Ask;
use crate::roster::Caller;
use crate::store::State;
use crate::time::Timestamp;

/// Longest uuid, share secret and file name the engine keeps, in bytes.
pub const ATTACHMENT_TEXT_BYTES_MAX: usize = 256;

/// Registers an upload (`POST /chatfiles`): its metadata, under the uuid and share secret the
/// host drew. Any authenticated caller.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` "file must be
/// provided." (no file); `413 file exceeding maximum limit` "the file size exceeds the maximum
/// limit." (over `attachment_bytes_max`, 10 MiB); `400 illegal_argument` (a uuid, secret or
/// name over 256 bytes, an empty uuid, a uuid already held); `403 exceed_limit` (the app holds
/// `attachments_max` live attachments).
///
/// Emits `AttachmentsDropped` for the expired attachments it cleared away.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RegisterUpload {
    /// The uuid the host drew.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::attachment_uuid))]
    pub uuid: String,
    /// The share secret the host drew.
    pub share_secret: String,
    /// The file's size in bytes (`None`: no file in the request).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::attachment_size))]
    pub size_bytes: Option<u64>,
    /// The file's name.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::attachment_name))]
    pub filename: String,
    /// Downloads need the share secret (`restrict-access: true`).
    pub restrict_access: bool,
    /// The file is an image.
    pub is_image: bool,
    /// Thumbnail width (default 170).
    pub thumb_width: Option<u32>,
    /// Thumbnail height (default 170).
    pub thumb_height: Option<u32>,
}

/// An attachment's metadata, as an upload or a download sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    /// Its uuid.
    pub uuid: String,
    /// The share secret.
    pub share_secret: String,
    /// Its name.
    pub filename: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether downloads need the secret.
    pub restrict_access: bool,
    /// Thumbnail dimensions, for images over 10 KiB (smaller ones are their own thumbnail).
    pub thumbnail: Option<(u32, u32)>,
    /// When it was uploaded.
    pub created: Timestamp,
    /// The message that links it.
    pub msg_id: Option<MessageId>,
}

fn meta(uuid: &str, a: &Attachment) -> AttachmentMeta {
    AttachmentMeta {
        uuid: uuid.to_string(),
        share_secret: a.secret.to_string(),
        filename: a.filename.clone(),
        size: a.size,
        restrict_access: a.restrict,
        thumbnail: a.thumb,
        created: a.created,
        msg_id: a.msg,
    }
}

/// Whether an attachment is past retention at `now`.
fn expired(st: &State, a: &Attachment, now: Timestamp) -> bool {
    a.created
        .0
        .saturating_add(st.limits.messages.attachment_retention.0 as i64)
        <= now.0
}

impl Exec for RegisterUpload {
    type Reply = AttachmentMeta;
    fn exec(self, cx: &mut Ctx<'_>) -> Result<AttachmentMeta> {
        cx.actor.authenticated(NOT_ALLOWED)?;
        let l = &cx.st.limits.messages;
        let Some(size) = self.size_bytes else {
            return Err(MessageError::FileMissing.into());
        };
        if size > l.attachment_bytes_max {
            return Err(MessageError::FileTooLarge.into());
        }
        let long = |s: &str| s.len() > ATTACHMENT_TEXT_BYTES_MAX;
        if self.uuid.is_empty()
            || long(&self.uuid)
            || long(&self.share_secret)
            || long(&self.filename)
        {
            return Err(crate::error::Error::illegal(
                "uuid, share-secret and filename must be 1 to 256 bytes",
            ));
        }
        let now = cx.now;
        let cutoff = Timestamp(now.0.saturating_sub(l.attachment_retention.0 as i64));
        let held = cx.st.messages.attachment(&self.uuid);
        if held.is_some_and(|a| !expired(cx.st, a, now)) {
            return Err(MessageError::FileExists(self.uuid).into());
        }
        let live = cx
            .st
            .messages
            .attachments()
            .filter(|(_, a)| !expired(cx.st, a, now))
            .count();
        let max = cx.st.limits.messages.attachments_max;
        if live >= max {
            return Err(MessageError::FileLimit(max).into());
        }
        let thumb = (self.is_image && size > THUMBNAIL_SELF_BYTES_MAX).then(|| {
            (
                self.thumb_width.unwrap_or(THUMBNAIL_EDGE_DEFAULT),
                self.thumb_height.unwrap_or(THUMBNAIL_EDGE_DEFAULT),
            )
        });
        let uploader = Caller::of(cx.st, cx.actor).id();
        let ms = &mut cx.st.messages;
        let mut dropped = ms.expire_attachments(cutoff);
        if ms.delete_attachment(&self.uuid) {
            dropped.push(self.uuid.clone());
        }
        let a = Attachment {
            filename: self.filename,
            size,
            restrict: self.restrict_access,
            secret: self.share_secret.into(),
            is_image: self.is_image,
            thumb,
            created: now,
            uploader,
            msg: None,
        };
        let out = meta(&self.uuid, &a);
        ms.add_attachment(self.uuid.into(), a);
        if !dropped.is_empty() {
            cx.emit(Event::Message(MessageEvent::AttachmentsDropped {
                uuids: dropped,
            }));
        }
        Ok(out)
    }
}

/// May this download go ahead (`GET /chatfiles/{uuid}`, headers `share-secret`,
/// `thumbnail`)? Returns the metadata; the host serves the bytes. Anyone (the share secret
/// guards restricted files).
///
/// Errors, in check order: `404 entity_not_found` "file may not exists"; `404 file_expired`
/// "file {uuid} is expired" (past `attachment_retention`); `401 unauthorized` "share-secret is
/// invalid" (restricted, and the secret is missing or wrong).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct AuthorizeDownload {
    /// The uuid.
    pub uuid: String,
    /// The `share-secret` header, when sent.
    pub secret: Option<String>,
    /// The thumbnail is asked for.
    pub thumbnail: bool,
}

impl Ask for AuthorizeDownload {
    type Reply = AttachmentMeta;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<AttachmentMeta> {
        let a = cx
            .st
            .messages
            .attachment(&self.uuid)
            .ok_or(MessageError::FileNotFound)?;
        if expired(cx.st, a, cx.now) {
            return Err(MessageError::FileExpired(self.uuid).into());
        }
        if a.restrict && self.secret.as_deref() != Some(&*a.secret) {
            return Err(MessageError::FileSecret.into());
        }
        Ok(meta(&self.uuid, a))
    }
}
