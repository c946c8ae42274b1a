//! Attachments (`/chatfiles`, spec 03 §4.10) and the multipart reading shared with group
//! shared files: the upload is `multipart/form-data` with the bytes in field `file` (header
//! `restrict-access: true` for files that need their `share-secret`), as the vendor takes it.
//! The engine keeps the metadata; the bytes go to the host's [`Blobs`] store.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use imcore::messages::{AuthorizeDownload, MessageError, RegisterUpload};
use serde_json::json;

use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Call, MaybeAnon};
use crate::host::{Host, new_token, new_uuid};
use crate::routes::blobs::Blobs;

/// The blob store the routes share.
pub type SharedBlobs = Arc<dyn Blobs>;

/// Largest upload body read, in bytes: the 10 MiB file cap plus room for the multipart
/// framing (a bigger file is still read far enough to answer the vendor's 413).
pub const UPLOAD_BODY_BYTES_MAX: usize = 11 * 1024 * 1024;

/// The attachment routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/chatfiles",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES_MAX)),
        )
        .route("/{org}/{app}/chatfiles/{uuid}", get(download))
}

/// One uploaded file: its name, media type and bytes.
pub struct FilePart {
    /// The part's file name ("" when none).
    pub filename: String,
    /// The part's media type, when given.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

/// Reads field `file` of a multipart upload, at most `max` bytes; `None` when there is no
/// such field. Other fields are skipped.
///
/// # Errors
/// `413 file exceeding maximum limit` past `max`; `400 illegal_argument` for a malformed body.
pub async fn read_file(mp: &mut Multipart, max: u64) -> ApiResult<Option<FilePart>> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::from(imcore::Error::from(MessageError::FileTooLarge))
        } else {
            ApiError::illegal(format!("bad multipart body: {e}"))
        }
    };
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("").to_owned();
        let content_type = field.content_type().map(str::to_owned);
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if (buf.len() + chunk.len()) as u64 > max {
                return Err(imcore::Error::from(MessageError::FileTooLarge).into());
            }
            buf.extend_from_slice(&chunk);
        }
        return Ok(Some(FilePart {
            filename,
            content_type,
            bytes: buf.into(),
        }));
    }
    Ok(None)
}

fn header<'a>(h: &'a HeaderMap, k: &str) -> Option<&'a str> {
    h.get(k).and_then(|v| v.to_str().ok())
}

/// `POST /chatfiles` (multipart, field `file`; header `restrict-access`): `entities: [{uuid,
/// type: "chatfile", share-secret}]`. A request that is no multipart upload at all (no body,
/// another media type) carries no file either: the engine's `400 illegal_argument "file must
/// be provided."`.
async fn upload(
    call: Call,
    headers: HeaderMap,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Envelope> {
    let blobs = call.app.blobs.clone();
    let l = call.app.app.limits().messages.clone();
    let cutoff = imcore::Timestamp(call.now.0.saturating_sub(l.attachment_retention.0 as i64));
    blobs.expire(cutoff);
    // One byte past the cap is enough to know the file is too large.
    let part = match mp {
        Ok(mut mp) => read_file(&mut mp, l.attachment_bytes_max + 1).await?,
        Err(_) => None,
    };
    let uuid = new_uuid();
    let key = format!("chatfile/{uuid}");
    let size = part.as_ref().map(|p| p.bytes.len() as u64);
    if let Some(p) = &part
        && size <= Some(l.attachment_bytes_max)
        && !call.blocking(|| blobs.put(&key, p.bytes.clone(), call.now))
    {
        return Err(ApiError::new(
            507,
            "storage_full",
            "the server's attachment store is full",
        ));
    }
    let restrict =
        header(&headers, "restrict-access").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let is_image = part
        .as_ref()
        .and_then(|p| p.content_type.as_deref())
        .is_some_and(|c| c.starts_with("image/"));
    let r = call.exec(RegisterUpload {
        uuid: uuid.clone(),
        share_secret: new_token()[..32].to_owned(),
        size_bytes: size,
        filename: part
            .as_ref()
            .map(|p| p.filename.clone())
            .unwrap_or_default(),
        restrict_access: restrict,
        is_image,
        thumb_width: None,
        thumb_height: None,
    });
    let meta = match r {
        Ok(m) => m,
        Err(e) => {
            blobs.remove(&key);
            return Err(e);
        }
    };
    Ok(Envelope::full(&call).entities(vec![json!({
        "uuid": meta.uuid, "type": "chatfile", "share-secret": meta.share_secret,
    })]))
}

/// `GET /chatfiles/{uuid}` (headers `share-secret`, `thumbnail`): the bytes. A token is not
/// needed; restricted files need their secret. The thumbnail of an image is the image itself
/// (the host makes no thumbnails).
async fn download(MaybeAnon(call): MaybeAnon, headers: HeaderMap) -> ApiResult<Response> {
    let blobs = call.app.blobs.clone();
    let uuid = call.param("uuid").to_owned();
    let key = format!("chatfile/{uuid}");
    let meta = call.ask(AuthorizeDownload {
        uuid: uuid.clone(),
        secret: header(&headers, "share-secret").map(str::to_owned),
        thumbnail: header(&headers, "thumbnail").is_some_and(|v| v.eq_ignore_ascii_case("true")),
    });
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            if e.status == 404 {
                blobs.remove(&key);
            }
            return Err(e);
        }
    };
    let bytes = call
        .blocking(|| blobs.get(&key))
        .ok_or_else(|| ApiError::from(imcore::Error::from(MessageError::FileNotFound)))?;
    let _ = meta;
    Ok(([(CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}
