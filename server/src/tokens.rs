//! Self-contained tokens (issue 14): a token carries its subject (the app, or a user's
//! handle) and its expiry, signed with HMAC-SHA-256 under the app's key, so that minting one
//! costs the server no memory and no token ever pushes another out. A token stays valid until
//! it expires, its user is deleted (handles are never reused) or disabled, or their password
//! changes (a user token's signature also covers the user's credential fingerprint, which the
//! engine gives, [`imcore::TokenSubject`]; it is not in the token).
//!
//! Format: `v1.{a|u}.{handle}.{expires_ms}.{nonce}.{mac}`, where `a` is an app token (handle
//! 0), `u` a user token, `expires_ms` is epoch milliseconds (`0`: never), `nonce` 16 random
//! hex digits (two tokens minted in the same millisecond differ) and `mac` 64 hex digits.
//!
//! **The key** is derived from the app's client secret and its uuid (kept in the data
//! directory): `HMAC-SHA-256(client_secret, "imcore token key v1\0" + uuid)`. Tokens therefore
//! survive a restart, and changing the client secret in the configuration revokes every
//! token of the app at once. Whoever holds the client secret can mint app tokens anyway (and
//! user tokens through the `inherit` grant), so the key gives no power beyond it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use imcore::{Actor, Expiry, Timestamp, UserId};

type HmacSha256 = Hmac<Sha256>;

/// An app's token key, kept as the HMAC state already keyed with it: the key's inner and
/// outer pads are hashed once here instead of on every check (two of the four SHA-256 blocks
/// a check would otherwise hash).
#[derive(Clone)]
pub struct TokenKey(HmacSha256);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// What a token claims, once its signature is checked (for a user token, against the
/// credential the engine gives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The app admin.
    App,
    /// A user, by handle.
    User(UserId),
}

/// A token parsed but not yet checked.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// Whom it claims to be for.
    pub subject: Subject,
    /// When it expires.
    pub expires: Expiry,
    signed: &'a str,
    mac: [u8; 32],
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl TokenKey {
    /// The key of the app with this client secret and uuid.
    pub fn derive(client_secret: &str, uuid: &str) -> TokenKey {
        let mut m = HmacSha256::new_from_slice(client_secret.as_bytes()).expect("any key length");
        m.update(b"imcore token key v1\0");
        m.update(uuid.as_bytes());
        let key = m.finalize().into_bytes();
        TokenKey(HmacSha256::new_from_slice(&key).expect("any key length"))
    }

    fn mac(&self, signed: &str, credential: u64) -> HmacSha256 {
        let mut m = self.0.clone();
        m.update(signed.as_bytes());
        m.update(&credential.to_be_bytes());
        m
    }

    /// Mints a token for `subject` (with the user's `credential` fingerprint, 0 for the app)
    /// expiring at `expires`.
    pub fn mint(&self, subject: &Subject, credential: u64, expires: Expiry) -> String {
        let (kind, handle) = match subject {
            Subject::App => ('a', 0),
            Subject::User(id) => ('u', id.0),
        };
        let exp = match expires {
            Expiry::Never => 0,
            Expiry::At(t) => t.0.max(1),
        };
        let nonce = hex(&rand::random::<[u8; 8]>());
        let signed = format!("v1.{kind}.{handle}.{exp}.{nonce}");
        let mac = self.mac(&signed, credential).finalize().into_bytes();
        format!("{signed}.{}", hex(&mac))
    }

    /// Reads a token of this format (`None`: not one; the caller may try others).
    pub fn parse(token: &str) -> Option<Parsed<'_>> {
        let rest = token.strip_prefix("v1.")?;
        let (signed_rest, mac) = rest.rsplit_once('.')?;
        let signed = &token[..3 + signed_rest.len()];
        let mut f = signed_rest.split('.');
        let (kind, handle, exp, nonce) = (f.next()?, f.next()?, f.next()?, f.next()?);
        if f.next().is_some() || nonce.len() != 16 {
            return None;
        }
        let handle: u64 = handle.parse().ok()?;
        let exp: i64 = exp.parse().ok()?;
        let subject = match kind {
            "a" if handle == 0 => Subject::App,
            "u" => Subject::User(UserId(handle)),
            _ => return None,
        };
        Some(Parsed {
            subject,
            expires: if exp == 0 {
                Expiry::Never
            } else {
                Expiry::At(Timestamp(exp))
            },
            signed,
            mac: unhex32(mac)?,
        })
    }

    /// Whether `p`'s signature is this key's over its claims and `credential`.
    pub fn verify(&self, p: &Parsed<'_>, credential: u64) -> bool {
        self.mac(p.signed, credential).verify_slice(&p.mac).is_ok()
    }
}

/// Checks a self-contained token of `app` at `now` and says who it authenticates; `None` when
/// the string is not of this format (a token the engine keeps, from before).
///
/// Errors, in the engine's [`imcore::ValidateToken`] order: `401 auth_bad_access_token` (bad
/// signature, another app's, deleted user, password changed since); `401 unauthorized`
/// (expired); `401 unauthorized` "user not activated".
pub fn authenticate(
    key: &TokenKey,
    app: &imcore::App,
    token: &str,
    now: Timestamp,
) -> Option<imcore::Result<Actor>> {
    let p = TokenKey::parse(token)?;
    Some((|| match p.subject {
        Subject::App => {
            if !key.verify(&p, 0) {
                return Err(imcore::Error::BadAccessToken);
            }
            live(p.expires, now)?;
            Ok(Actor::Admin)
        }
        Subject::User(id) => {
            let s = app.query(&Actor::Admin, now, imcore::TokenSubject { user: id })?;
            if !key.verify(&p, s.credential) {
                return Err(imcore::Error::BadAccessToken);
            }
            live(p.expires, now)?;
            if !s.activated {
                return Err(imcore::Error::Unauthorized("user not activated"));
            }
            Ok(s.actor)
        }
    })())
}

fn live(e: Expiry, now: Timestamp) -> imcore::Result<()> {
    if e.is_live(now) {
        Ok(())
    } else {
        Err(imcore::Error::TokenExpired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let k = TokenKey::derive("secret", "uuid");
        let t = k.mint(&Subject::User(UserId(7)), 42, Expiry::At(Timestamp(1000)));
        let p = TokenKey::parse(&t).unwrap();
        assert_eq!(p.subject, Subject::User(UserId(7)));
        assert_eq!(p.expires, Expiry::At(Timestamp(1000)));
        assert!(k.verify(&p, 42));
        assert!(!k.verify(&p, 43), "another credential");
        assert!(!TokenKey::derive("secret", "other").verify(&p, 42));
        let forged = t.replacen("v1.u.7.", "v1.u.8.", 1);
        assert!(!k.verify(&TokenKey::parse(&forged).unwrap(), 42));
        assert_ne!(
            t,
            k.mint(&Subject::User(UserId(7)), 42, Expiry::At(Timestamp(1000)))
        );
        assert!(TokenKey::parse("abc").is_none());
        assert!(TokenKey::parse("v1.a.0.0.0011223344556677.zz").is_none());
        let a = k.mint(&Subject::App, 0, Expiry::Never);
        assert!(k.verify(&TokenKey::parse(&a).unwrap(), 0));
        assert!(a.len() < 128);
    }
}
