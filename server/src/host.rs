//! The host's side of the sans-IO contract: the clock, randomness, and the registry of apps
//! the server serves — each an engine [`App`] behind its [`Durable`] handle (which logs every
//! command to the data directory before the reply goes out), with the uuid the vendor shows
//! as `application`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use imcore::{Actor, App, Credentials, Engine, SetCredentials, SetLimits, Timestamp};
use imcore_durable::{DataDir, Durable};
use rand::TryRng;

use crate::config::{AppConfig, Config};
use crate::routes::blobs::{DirBlobs, MEMORY_BLOBS_BYTES_MAX, MemoryBlobs};
use crate::routes::chatfiles::SharedBlobs;

/// The host's clock: the engine's `now`, epoch milliseconds from `SystemTime`.
pub fn now_millis() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Checks that the operating system's random source answers (start-up refuses to go on
/// without it rather than issue guessable tokens); after this the thread-local generator
/// that [`new_token`] and [`new_uuid`] use seeds from it without failing.
///
/// # Errors
/// The random source's error.
pub fn check_randomness() -> Result<(), String> {
    let mut b = [0u8; 16];
    rand::rngs::SysRng
        .try_fill_bytes(&mut b)
        .map_err(|e| format!("the operating system's random source failed: {e}"))
}

/// A fresh token string: 32 random bytes as 64 lowercase hex digits (256 bits), from `rand`'s
/// thread-local CSPRNG (ChaCha12, seeded and reseeded from the operating system).
pub fn new_token() -> String {
    hex(&rand::random::<[u8; 32]>())
}

/// A fresh random uuid in the RFC 4122 version-4 format (`xxxxxxxx-xxxx-4xxx-yxxx-...`).
pub fn new_uuid() -> String {
    let mut b = rand::random::<[u8; 16]>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

/// The name under which the app's uuid is kept in the data directory ([`imcore_durable::AppMeta::host`]).
pub const UUID_KEY: &str = "application_uuid";

/// One app the server serves.
#[derive(Debug)]
pub struct HostApp {
    /// The engine's handle, for queries. Commands go through [`HostApp::durable`]
    /// ([`crate::extract::Call::exec`] does).
    pub app: App,
    /// The durable handle: runs commands and returns once they are on disk; the app's blob
    /// store ([`Durable::blobs`]).
    pub durable: Durable,
    /// The app's uuid, shown as `application` in responses: drawn when the app is created and
    /// kept in its data directory, so it is stable across restarts.
    pub uuid: String,
    /// The bytes of the app's attachments and group shared files: in its data directory
    /// ([`DirBlobs`]), or in memory, bounded ([`MemoryBlobs`]).
    pub blobs: SharedBlobs,
    /// The key of the app's self-contained tokens ([`crate::tokens`]).
    pub token_key: crate::tokens::TokenKey,
}

impl HostApp {
    /// Who a bearer token authenticates at `now`: a self-contained token ([`crate::tokens`])
    /// is checked by its signature, anything else by the engine's grants
    /// ([`imcore::ValidateToken`], tokens issued before).
    ///
    /// # Errors
    /// The `401` answers of [`imcore::ValidateToken`].
    pub fn authenticate(&self, token: &str, now: Timestamp) -> imcore::Result<Actor> {
        match crate::tokens::authenticate(&self.token_key, &self.app, token, now) {
            Some(r) => r,
            None => self.app.query(
                &Actor::Anonymous,
                now,
                imcore::ValidateToken {
                    token: token.to_owned(),
                },
            ),
        }
    }
}

/// Everything the handlers share: the engine, the apps it serves by org and app name, and the
/// data directory they live in.
#[derive(Debug)]
pub struct Host {
    /// The engine.
    pub engine: Arc<Engine>,
    apps: HashMap<(String, String), Arc<HostApp>>,
    data: Mutex<Option<DataDir>>,
    /// The connection limits and timeouts the server applies ([`crate::conn`]).
    pub http: crate::config::Http,
    /// The token endpoint's throttle on failed credentials.
    pub throttle: crate::throttle::Throttle,
}

impl Host {
    /// Opens the storage `config` names (the data directory, recovering every configured app
    /// in it, or memory), creates the configured apps it does not hold, and sets each app's
    /// credentials and, where the configuration changed them, its limits.
    ///
    /// # Errors
    /// A message for: no randomness; a data directory that is locked by another server,
    /// damaged (naming the file and offset) or of another format; an app whose configured
    /// limits do not hold for what it holds ([`SetLimits`]); an illegal org or app name.
    pub fn open(config: &Config) -> Result<Host, String> {
        check_randomness()?;
        // A secret seed for the engine's maps of client-chosen names.
        let engine = Arc::new(Engine::with_hash_seed(rand::random()));
        let data = if config.storage.in_memory {
            None
        } else {
            let path = &config.storage.data_dir;
            // The error names the directory or the file at fault.
            Some(DataDir::open(path, config.storage.options()).map_err(|e| e.to_string())?)
        };
        let mut apps = HashMap::new();
        let result = (|| {
            for a in &config.apps {
                let durable = open_app(&engine, data.as_ref(), a)?;
                let uuid = durable
                    .meta()
                    .host
                    .get(UUID_KEY)
                    .cloned()
                    .unwrap_or_else(new_uuid);
                sweep_orphan_files(&durable);
                durable
                    .execute(
                        &Actor::Admin,
                        now_millis(),
                        SetCredentials(Credentials {
                            client_id: a.client_id.clone(),
                            client_secret: a.client_secret.clone(),
                        }),
                    )
                    .map_err(|e| {
                        format!("app {}#{}: setting its credentials: {e}", a.org, a.app)
                    })?;
                let blobs: SharedBlobs = if data.is_some() {
                    Arc::new(DirBlobs(durable.blobs().clone()))
                } else {
                    Arc::new(MemoryBlobs::new(MEMORY_BLOBS_BYTES_MAX))
                };
                apps.insert(
                    (a.org.clone(), a.app.clone()),
                    Arc::new(HostApp {
                        app: durable.app().clone(),
                        token_key: crate::tokens::TokenKey::derive(&a.client_secret, &uuid),
                        durable,
                        uuid,
                        blobs,
                    }),
                );
            }
            if let Some(d) = &data {
                for k in d.app_keys().map_err(|e| e.to_string())? {
                    if !apps.contains_key(&(k.org().to_owned(), k.app().to_owned())) {
                        tracing::warn!(app = %k, "app is in the data directory but not in the configuration: not served (its data is kept)");
                    }
                }
            }
            Ok::<(), String>(())
        })();
        if let Err(e) = result {
            // Release the lock without writing anything more.
            if let Some(d) = data {
                d.abandon();
            }
            return Err(e);
        }
        Ok(Host {
            engine,
            apps,
            data: Mutex::new(data),
            http: config.http.clone(),
            throttle: crate::throttle::Throttle::new(&config.http),
        })
    }

    /// The app at `/{org}/{app}`, or `404 organization_application_not_found`.
    pub fn app(&self, org: &str, app: &str) -> imcore::Result<Arc<HostApp>> {
        self.apps
            .get(&(org.to_owned(), app.to_owned()))
            .cloned()
            .ok_or_else(|| imcore::Error::AppNotFound(format!("{org}#{app}")))
    }

    /// The answer for a request to `/{org}/{app}` when that app is not served here, without
    /// telling an unauthenticated caller whether the app exists: a caller whose bearer token
    /// (`authorization`, the header's value) is valid for some app served here learns `404
    /// organization_application_not_found`; anyone else gets the `401` a missing or bad token
    /// gets.
    pub fn unknown_app(
        &self,
        authorization: Option<&str>,
        not_found: imcore::Error,
    ) -> imcore::Error {
        let Some(h) = authorization else {
            return imcore::Error::TokenExpired;
        };
        let token = h
            .split_once(' ')
            .and_then(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer").then(|| t.trim()));
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return imcore::Error::BadAccessToken;
        };
        let now = now_millis();
        let known = self
            .apps
            .values()
            .any(|a| a.authenticate(token, now).is_ok());
        if known {
            not_found
        } else {
            imcore::Error::BadAccessToken
        }
    }

    /// The apps served, sorted by org and app.
    pub fn apps(&self) -> Vec<Arc<HostApp>> {
        let mut v: Vec<_> = self.apps.values().cloned().collect();
        v.sort_by(|a, b| a.app.key().cmp(b.app.key()));
        v
    }

    /// Whether the data is kept in a data directory (false: in memory).
    pub fn is_durable(&self) -> bool {
        self.data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Closes the data directory: waits for the logged commands, writes a final snapshot per
    /// app, and releases the lock. Commands after it are refused (`503`); queries still
    /// answer. Does nothing in memory, or the second time.
    ///
    /// # Errors
    /// The first app's close error.
    ///
    /// # Locking
    /// Blocks while the snapshots are written.
    pub fn close(&self) -> Result<(), String> {
        let data = self
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match data {
            Some(d) => d.close().map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

/// Removes the stored bytes of attachments and group shared files the engine no longer holds
/// (deleted with their group or sender, expired, or uploaded just before a crash that lost
/// the command): run at start-up, so such bytes last at most one server lifetime. A file whose
/// group is only disabled keeps its bytes.
fn sweep_orphan_files(durable: &Durable) {
    use imcore::groups::{GetGroupFile, GroupError};
    use imcore::messages::AuthorizeDownload;
    let blobs = durable.blobs();
    let ids = match blobs.ids() {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "listing stored bytes failed; no sweep");
            return;
        }
    };
    let now = now_millis();
    let mut removed = 0;
    for id in ids {
        let gone = if let Some((group, file_id)) = id
            .strip_prefix("groupfile/")
            .and_then(|rest| rest.rsplit_once('/'))
        {
            let q = GetGroupFile {
                group: group.into(),
                file_id: file_id.to_owned(),
            };
            matches!(
                durable.query(&Actor::Admin, now, q),
                Err(imcore::Error::Group(
                    GroupError::FileNotFound(_) | GroupError::FileGroupNotFound(_)
                ))
            )
        } else if let Some(uuid) = id.strip_prefix("chatfile/") {
            let q = AuthorizeDownload {
                uuid: uuid.to_owned(),
                secret: None,
                thumbnail: false,
            };
            // Restricted files refuse a download without the secret (401): still held.
            durable
                .query(&Actor::Admin, now, q)
                .is_err_and(|e| e.status() == 404)
        } else {
            false
        };
        if gone && blobs.delete(&id).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(app = %durable.app().key(), removed, "removed the bytes of files the engine no longer holds");
    }
}

/// Opens, creates (in the data directory or in memory) the configured app `a`.
fn open_app(engine: &Engine, data: Option<&DataDir>, a: &AppConfig) -> Result<Durable, String> {
    let key = a
        .key()
        .map_err(|e| format!("app {}#{}: {e}", a.org, a.app))?;
    let Some(d) = data else {
        let app = engine
            .create_app(key, a.limits.clone())
            .map_err(|e| e.to_string())?;
        return Ok(Durable::in_memory(app));
    };
    let held = d.app_keys().map_err(|e| e.to_string())?;
    if !held.contains(&key) {
        let host = BTreeMap::from([(UUID_KEY.to_string(), new_uuid())]);
        return d
            .create_app(engine, key, a.limits.clone(), host)
            .map_err(|e| e.to_string());
    }
    let durable = d.open_app(engine, &key).map_err(|e| e.to_string())?;
    let kept = durable.app().limits();
    // An app created before the host's default caps (issue 14) keeps having none.
    let wanted = crate::config::with_legacy_defaults(&kept, &a.limits);
    if wanted != a.limits {
        tracing::warn!(app = %key, "app created without users_max, groups_per_app_max or \
            rooms_per_app_max: it keeps having none (issue 14)");
    }
    if *kept != wanted {
        // A changed configuration applies as a logged command, so that replay reproduces it.
        let diff = limits_diff(&kept, &wanted);
        durable
            .execute(&Actor::Admin, now_millis(), SetLimits(Box::new(wanted)))
            .map_err(|e| {
                format!(
                    "app {key}: its limits in the configuration ({diff}) cannot apply: {e}; \
                     raise them to cover what the app holds"
                )
            })?;
        tracing::info!(app = %key, changed = %diff, "the app's limits changed to the configuration's");
    }
    Ok(durable)
}

/// The fields where two limits differ, as `field: kept → configured`.
fn limits_diff(kept: &imcore::Limits, configured: &imcore::Limits) -> String {
    fn walk(prefix: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                for (k, va) in x {
                    let vb = y.get(k).unwrap_or(&serde_json::Value::Null);
                    walk(&format!("{prefix}{k}."), va, vb, out);
                }
            }
            _ if a != b => out.push(format!("{}: {a} → {b}", prefix.trim_end_matches('.'))),
            _ => {}
        }
    }
    let (a, b) = (
        serde_json::to_value(kept).unwrap_or_default(),
        serde_json::to_value(configured).unwrap_or_default(),
    );
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_uuids_are_random_and_well_formed() {
        check_randomness().unwrap();
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, new_uuid());
    }

    #[test]
    fn limits_differences_are_named() {
        let a = imcore::Limits::default();
        let mut b = a.clone();
        b.friends_max = Some(3);
        b.groups.threads_enabled = false;
        assert_eq!(
            limits_diff(&a, &b),
            "friends_max: 1000 → 3, groups.threads_enabled: true → false"
        );
    }
}
