//! The host's side of the sans-IO contract: the clock, randomness, and the registry of apps
//! the server serves (each an engine [`App`] with the uuid the vendor shows as `application`).

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use imcore::{
    App, AppKey, Credentials, Engine, Limits, RegistrationMode, SetCredentials, Timestamp,
};

use crate::config::Config;

/// The host's clock: the engine's `now`, epoch milliseconds from `SystemTime`.
pub fn now_millis() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// `N` random bytes from `/dev/urandom`.
///
/// # Panics
/// Never in practice; if the kernel's random device cannot be read the server cannot mint
/// unguessable tokens, and it refuses to go on rather than issue weak ones.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("reading /dev/urandom");
    buf
}

/// A fresh token string: 32 random bytes as 64 lowercase hex digits (256 bits).
pub fn new_token() -> String {
    hex(&random_bytes::<32>())
}

/// A fresh random uuid in the RFC 4122 version-4 format (`xxxxxxxx-xxxx-4xxx-yxxx-...`).
pub fn new_uuid() -> String {
    let mut b = random_bytes::<16>();
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

/// One app the server serves.
#[derive(Debug)]
pub struct HostApp {
    /// The engine's handle.
    pub app: App,
    /// The app's uuid, shown as `application` in responses (drawn at start-up).
    pub uuid: String,
}

/// Everything the handlers share: the engine and the apps it serves, by org and app name.
#[derive(Debug)]
pub struct Host {
    /// The engine.
    pub engine: Arc<Engine>,
    apps: HashMap<(String, String), Arc<HostApp>>,
}

impl Host {
    /// An engine with the one app `config` names, its credentials and limits.
    ///
    /// # Errors
    /// The engine's, if the org or app name is not legal.
    pub fn new(config: &Config) -> imcore::Result<Host> {
        // A secret seed for the engine's maps of client-chosen names.
        let engine = Arc::new(Engine::with_hash_seed(u64::from_le_bytes(
            random_bytes::<8>(),
        )));
        let key = AppKey::new(&config.org, &config.app)?;
        let mut limits: Limits = config.limits.clone();
        if config.open_registration {
            limits.registration_mode = RegistrationMode::Open;
        }
        let app = engine.create_app(key, limits)?;
        app.execute(
            &imcore::Actor::Admin,
            now_millis(),
            SetCredentials(Credentials {
                client_id: config.client_id.clone(),
                client_secret: config.client_secret.clone(),
            }),
        )?;
        let mut apps = HashMap::new();
        apps.insert(
            (config.org.clone(), config.app.clone()),
            Arc::new(HostApp {
                app,
                uuid: new_uuid(),
            }),
        );
        Ok(Host { engine, apps })
    }

    /// The app at `/{org}/{app}`, or `404 organization_application_not_found`.
    pub fn app(&self, org: &str, app: &str) -> imcore::Result<Arc<HostApp>> {
        self.apps
            .get(&(org.to_owned(), app.to_owned()))
            .cloned()
            .ok_or_else(|| imcore::Error::AppNotFound(format!("{org}#{app}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_uuids_are_random_and_well_formed() {
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
}
