//! Validated identifiers and the per-tenant handles they are interned to.
//!
//! Names arrive from the host as strings and are checked once, here, when they become an
//! [`AppKey`] or a [`UserName`]. Inside a tenant a user is a [`UserId`]: a `u64` handle drawn
//! from the tenant's counter when the user is registered and never reused, so a user who is
//! deleted and registered again is a different user (their old tokens and links do not match).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::limits::USERNAME_BYTES_MAX;
use crate::rooms::RoomError;

/// Longest org or app name, in bytes.
pub const APP_NAME_BYTES_MAX: usize = 64;

/// A tenant: an organisation and one of its apps (`org#app`).
///
/// Both parts are 1–64 bytes of ASCII letters, digits, `_` and `-`, and compare exactly.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "(String, String)", into = "(String, String)")]
pub struct AppKey {
    org: Arc<str>,
    app: Arc<str>,
}

impl AppKey {
    /// Validates and builds an app key.
    ///
    /// # Errors
    /// [`Error::IllegalArgument`] if either part is empty, longer than 64 bytes, or has a
    /// character outside `[A-Za-z0-9_-]`.
    pub fn new(org: &str, app: &str) -> Result<AppKey> {
        for (what, s) in [("org", org), ("app", app)] {
            let ok = !s.is_empty()
                && s.len() <= APP_NAME_BYTES_MAX
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return Err(Error::illegal(format!("{what} name {s} is not legal")));
            }
        }
        Ok(AppKey {
            org: org.into(),
            app: app.into(),
        })
    }

    /// The organisation name.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// The app name.
    pub fn app(&self) -> &str {
        &self.app
    }
}

impl fmt::Display for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.org, self.app)
    }
}

impl TryFrom<(String, String)> for AppKey {
    type Error = Error;
    fn try_from((org, app): (String, String)) -> Result<AppKey> {
        AppKey::new(&org, &app)
    }
}

impl From<AppKey> for (String, String) {
    fn from(k: AppKey) -> (String, String) {
        (k.org.to_string(), k.app.to_string())
    }
}

/// A username: 1–64 bytes of ASCII letters, digits, `_`, `-` and `.`, folded to lowercase.
///
/// `Aa` and `aa` are the same user. Nothing is trimmed: whitespace is illegal. Cloning is
/// cheap (a shared string).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(Arc<str>);

impl UserName {
    /// Validates and case-folds a username.
    ///
    /// # Errors
    /// `400 illegal_argument`, checked in this order:
    /// 1. empty: `Entity user requires a property named username`;
    /// 2. a character outside `[A-Za-z0-9_.-]`: `username <x> is not legal`;
    /// 3. over 64 bytes: `USERNAME_TOO_LONG`.
    pub fn parse(s: &str) -> Result<UserName> {
        if s.is_empty() {
            return Err(Error::illegal(
                "Entity user requires a property named username",
            ));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(Error::illegal(format!("username {s} is not legal")));
        }
        if s.len() > USERNAME_BYTES_MAX {
            return Err(Error::illegal("USERNAME_TOO_LONG"));
        }
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Ok(UserName(s.to_ascii_lowercase().into()))
        } else {
            Ok(UserName(s.into()))
        }
    }

    /// The folded name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for UserName {
    type Err = Error;
    fn from_str(s: &str) -> Result<UserName> {
        UserName::parse(s)
    }
}

impl TryFrom<String> for UserName {
    type Error = Error;
    fn try_from(s: String) -> Result<UserName> {
        UserName::parse(&s)
    }
}

impl TryFrom<&str> for UserName {
    type Error = Error;
    fn try_from(s: &str) -> Result<UserName> {
        UserName::parse(s)
    }
}

impl From<UserName> for String {
    fn from(u: UserName) -> String {
        u.0.to_string()
    }
}

impl std::borrow::Borrow<str> for UserName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A group id: minted by the engine (decimal, from the app's counter) or chosen by the caller
/// (1–64 chars of `[0-9A-Za-z_-]`, digits only allowed; checked when the group is created). Any
/// string names a group for a lookup: an id no group has is simply not found. The default is
/// the empty id, which no group has.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(Arc<str>);

/// A thread id: minted by the engine (decimal, from the app's counter). Any string names a
/// thread for a lookup. The default is the empty id, which no thread has.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ThreadId(Arc<str>);

macro_rules! string_id {
    ($t:ident) => {
        impl $t {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<&str> for $t {
            fn from(s: &str) -> $t {
                $t(s.into())
            }
        }
        impl From<String> for $t {
            fn from(s: String) -> $t {
                $t(s.into())
            }
        }
        impl From<&String> for $t {
            fn from(s: &String) -> $t {
                $t(s.as_str().into())
            }
        }
        impl From<$t> for String {
            fn from(id: $t) -> String {
                id.0.to_string()
            }
        }
        impl std::borrow::Borrow<str> for $t {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }
    };
}
string_id!(GroupId);
string_id!(ThreadId);

/// A chatroom id: minted from the app's counter, never reused. Decimal in the vendor API: a
/// host reads one from a request with [`RoomId::for_command`] or [`RoomId::for_read`], which
/// answer text that is no room id with the engine's own room-not-found error, naming the text.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct RoomId(pub u64);

impl RoomId {
    /// A room id from its decimal text: ASCII digits without a leading zero (`0` itself is
    /// one), within `u64`. `None` for any other text, which names no room.
    pub fn parse(raw: &str) -> Option<RoomId> {
        let decimal = !raw.is_empty()
            && raw.bytes().all(|b| b.is_ascii_digit())
            && (raw == "0" || !raw.starts_with('0'));
        if decimal {
            raw.parse().ok().map(RoomId)
        } else {
            None
        }
    }

    /// The room `raw` names in a command; text that is no room id names no room:
    /// [`RoomError::NotFoundText`] (`E_ROOM`, "grpID {raw} does not exist!").
    ///
    /// # Errors
    /// `E_ROOM` with `raw` as written.
    pub fn for_command(raw: &str) -> std::result::Result<RoomId, RoomError> {
        RoomId::parse(raw).ok_or_else(|| RoomError::NotFoundText(raw.to_owned()))
    }

    /// The room `raw` names in a details, member or export read; text that is no room id:
    /// [`RoomError::QueryNotFoundText`] (`E_ROOM_Q`, "do not find this group:{raw}").
    ///
    /// # Errors
    /// `E_ROOM_Q` with `raw` as written.
    pub fn for_read(raw: &str) -> std::result::Result<RoomId, RoomError> {
        RoomId::parse(raw).ok_or_else(|| RoomError::QueryNotFoundText(raw.to_owned()))
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A registered user inside one tenant: a dense handle, never reused.
///
/// The low 32 bits are the user's slot in the app's users table (slots of deleted users are
/// used again), the high 32 bits the slot's generation (how many users held it before). So a
/// handle finds its user with one array index, and a user deleted and registered again (or
/// another user in the same slot) has another handle: old tokens and links do not match.
/// Handles order by slot, not by registration; the registration order is kept separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserId(pub u64);

impl UserId {
    /// The handle of generation `generation` of slot `slot`.
    pub(crate) fn new(slot: u32, generation: u32) -> UserId {
        UserId((u64::from(generation) << 32) | u64::from(slot))
    }

    /// The slot in the users table.
    pub(crate) fn slot(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }

    /// The slot's generation.
    pub(crate) fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

/// A message id: minted from the app's counter once a send's checks pass, strictly increasing
/// in acceptance order, never reused. Decimal in the vendor API (at most 19 digits, no leading
/// zero): a host reads one with [`MessageId::parse`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct MessageId(pub u64);

/// Most digits of a message id in the vendor API.
pub const MESSAGE_ID_DIGITS_MAX: usize = 19;

impl MessageId {
    /// A message id from its decimal text: 1–19 ASCII digits without a leading zero (`0`
    /// itself is one). `None` for any other text, which names no message.
    pub fn parse(raw: &str) -> Option<MessageId> {
        let decimal = !raw.is_empty()
            && raw.len() <= MESSAGE_ID_DIGITS_MAX
            && raw.bytes().all(|b| b.is_ascii_digit())
            && (raw == "0" || !raw.starts_with('0'));
        if decimal {
            raw.parse().ok().map(MessageId)
        } else {
            None
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Fuzzing: ids are drawn from small pools, so that generated commands keep meeting the users,
/// groups, threads and rooms that earlier commands created.
#[cfg(feature = "fuzzing")]
mod fuzzing {
    use super::*;
    use arbitrary::{Arbitrary, Result, Unstructured};

    /// The usernames generated commands use.
    pub const USER_POOL: [&str; 8] = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"];
    /// The custom group ids generated commands use, beside minted ones.
    pub const GROUP_POOL: [&str; 2] = ["g0", "g1"];
    /// Minted ids are small decimals: the pools of minted group, thread and room ids.
    pub const MINTED_MAX: u64 = 48;

    /// A minted id: mostly among the first 16 (a handful of users, groups, threads and rooms
    /// take those), sometimes up to [`MINTED_MAX`].
    pub(crate) fn minted(u: &mut Unstructured<'_>) -> Result<u64> {
        if u.ratio(3, 4)? {
            u.int_in_range(1..=16)
        } else {
            u.int_in_range(1..=MINTED_MAX)
        }
    }

    impl<'a> Arbitrary<'a> for UserName {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(UserName((*u.choose(&USER_POOL)?).into()))
        }
    }

    impl<'a> Arbitrary<'a> for GroupId {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            if u.ratio(1, 4)? {
                Ok(GroupId((*u.choose(&GROUP_POOL)?).into()))
            } else {
                Ok(GroupId(minted(u)?.to_string().into()))
            }
        }
    }

    impl<'a> Arbitrary<'a> for ThreadId {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(ThreadId(minted(u)?.to_string().into()))
        }
    }

    impl<'a> Arbitrary<'a> for RoomId {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(RoomId(minted(u)?))
        }
    }

    impl<'a> Arbitrary<'a> for MessageId {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(MessageId(u.int_in_range(1..=MINTED_MAX * 4)?))
        }
    }

    impl<'a> Arbitrary<'a> for UserId {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            // Small slots, mostly generation 0: the handles of the first users registered.
            Ok(UserId::new(
                u.int_in_range(0..=MINTED_MAX as u32)?,
                u.int_in_range(0..=1)?,
            ))
        }
    }
}

#[cfg(feature = "fuzzing")]
pub(crate) use fuzzing::minted;
#[cfg(feature = "fuzzing")]
pub use fuzzing::{GROUP_POOL, MINTED_MAX, USER_POOL};

/// Whether `s` holds a control character (Unicode `Cc`: NUL, escapes, line breaks) or a
/// bidirectional formatting character (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069),
/// which can hide or reorder what an identifier shows. Identifiers the spec gives no
/// character rule for (passwords, attribute keys, remarks, group names) refuse them
/// (issue 14).
pub fn has_control_or_bidi(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_fold_and_validate() {
        assert_eq!(UserName::parse("AbC_.-9").unwrap().as_str(), "abc_.-9");
        let e = UserName::parse("").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Entity user requires a property named username"
        );
        let e = UserName::parse("a b").unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "illegal_argument"));
        assert_eq!(e.to_string(), "username a b is not legal");
        assert!(UserName::parse("é").is_err());
        let max = "a".repeat(64);
        assert!(UserName::parse(&max).is_ok());
        assert_eq!(
            UserName::parse(&"a".repeat(65)).unwrap_err().to_string(),
            "USERNAME_TOO_LONG"
        );
        assert!(UserName::parse(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn app_keys_validate() {
        assert_eq!(
            AppKey::new("acme", "chat-1").unwrap().to_string(),
            "acme#chat-1"
        );
        assert!(AppKey::new("", "x").is_err());
        assert!(AppKey::new("a#b", "x").is_err());
        assert!(AppKey::new("a", &"x".repeat(65)).is_err());
        assert!(AppKey::new("a", &"x".repeat(64)).is_ok());
    }

    #[test]
    fn room_ids_parse_as_decimals_and_name_bad_text_in_the_room_errors() {
        assert_eq!(
            RoomId::parse("66213271109633"),
            Some(RoomId(66213271109633))
        );
        assert_eq!(RoomId::parse("0"), Some(RoomId(0)));
        assert_eq!(
            RoomId::parse("18446744073709551615"),
            Some(RoomId(u64::MAX))
        );
        for bad in ["", "007", "abc", "+5", "-1", " 5", "18446744073709551616"] {
            assert_eq!(RoomId::parse(bad), None, "{bad:?}");
        }
        let e = Error::from(RoomId::for_command("007").unwrap_err());
        assert_eq!(
            (e.status(), e.code(), e.to_string().as_str()),
            (404, "resource_not_found", "grpID 007 does not exist!")
        );
        let e = Error::from(RoomId::for_read("abc").unwrap_err());
        assert_eq!(
            (e.status(), e.code(), e.to_string().as_str()),
            (
                404,
                "service_resource_not_found",
                "do not find this group:abc"
            )
        );
        assert_eq!(RoomId::for_command("12"), Ok(RoomId(12)));
        assert_eq!(RoomId::for_read("12"), Ok(RoomId(12)));
    }

    #[test]
    fn usernames_deserialize_through_validation() {
        let u: std::result::Result<UserName, _> =
            serde::Deserialize::deserialize(serde::de::value::StrDeserializer::<
                serde::de::value::Error,
            >::new("Bob"));
        assert_eq!(u.unwrap().as_str(), "bob");
    }

    #[test]
    fn control_and_bidi_characters_are_found() {
        for bad in [
            "a\u{0}",
            "\n",
            "\u{7f}",
            "\u{202E}x",
            "\u{2069}",
            "\u{061C}",
            "\u{200E}",
        ] {
            assert!(super::has_control_or_bidi(bad), "{bad:?}");
        }
        for ok in ["", "abc", "名前 é", "a-b_c.d", "\u{200B}"] {
            assert!(!super::has_control_or_bidi(ok), "{ok:?}");
        }
    }
}
