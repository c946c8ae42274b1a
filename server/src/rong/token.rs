//! RongCloud tokens: the engine records a grant ([`imcore::TokenGrant`]: user, issue time,
//! sequence number) and the host turns it into an opaque string, signed with the app secret:
//! `<hex of the user id>.<issued at, ms>.<grant sequence>.<hex SHA-1 of secret + the first
//! three parts>` — at most 64·2 + 20 + 20 + 40 + 3 bytes, under RongCloud's 256. At connect
//! time the host reads the user and the issue time back ([`verify`]) and asks the engine
//! ([`imcore::ValidateGrant`]) what the grant is worth. A changed secret fails every token.

use imcore::{Timestamp, TokenGrant, UserName};
use sha1::{Digest, Sha1};

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-1 of the concatenation of `parts`.
pub fn sha1_hex(parts: &[&str]) -> String {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    hex(&h.finalize())
}

/// The token for `grant`, signed with `secret`.
pub fn mint(secret: &str, grant: &TokenGrant) -> String {
    let body = format!(
        "{}.{}.{}",
        hex(grant.user.as_str().as_bytes()),
        grant.issued_at.0,
        grant.grant_seq
    );
    let sig = sha1_hex(&[secret, ".", &body]);
    format!("{body}.{sig}")
}

/// The user and issue time of a token minted with `secret`, or `None` if it is malformed or
/// signed with another secret.
pub fn verify(secret: &str, token: &str) -> Option<(UserName, Timestamp)> {
    let (body, sig) = token.rsplit_once('.')?;
    if !crate::rong::auth::same(&sha1_hex(&[secret, ".", body]), sig) {
        return None;
    }
    let mut parts = body.split('.');
    let user_hex = parts.next()?;
    let issued: i64 = parts.next()?.parse().ok()?;
    let _seq: u64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || user_hex.len() % 2 != 0 {
        return None;
    }
    let bytes = (0..user_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(user_hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let user = UserName::parse(std::str::from_utf8(&bytes).ok()?).ok()?;
    Some((user, Timestamp(issued)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_with_their_secret_only() {
        let g = TokenGrant {
            user: UserName::parse("alice_1").unwrap(),
            issued_at: Timestamp(1_700_000_000_123),
            grant_seq: 42,
        };
        let t = mint("s3cret", &g);
        assert!(t.len() <= 256);
        assert_eq!(verify("s3cret", &t), Some((g.user.clone(), g.issued_at)));
        assert_eq!(verify("other", &t), None);
        let mut bad = t.clone();
        bad.replace_range(0..2, "62");
        assert_eq!(verify("s3cret", &bad), None);
        assert_eq!(verify("s3cret", "garbage"), None);
        // The longest id still fits RongCloud's 256 bytes.
        let long = TokenGrant {
            user: UserName::parse(&"a".repeat(64)).unwrap(),
            issued_at: Timestamp(i64::MAX),
            grant_seq: u64::MAX,
        };
        assert!(mint("s", &long).len() <= 256);
    }

    #[test]
    fn sha1_matches_the_known_vector() {
        assert_eq!(
            sha1_hex(&["a", "bc"]),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
