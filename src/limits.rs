//! Every cap in one place. Names end in their unit. [`Limits::default`] gives the spec's
//! defaults; each app may override them when it is created.
//!
//! Caps the vendor does not let an app configure are constants here, so that tests and hosts
//! can name them.

use serde::{Deserialize, Serialize};

use crate::time::Millis;

/// Longest username, in bytes.
pub const USERNAME_BYTES_MAX: usize = 64;
/// Longest password, in Unicode scalar values.
pub const PASSWORD_CHARS_MAX: usize = 64;
/// Longest push nickname, in Unicode scalar values.
pub const NICKNAME_CHARS_MAX: usize = 100;
/// Most users in one batch registration.
pub const BATCH_REGISTER_MAX: usize = 60;
/// Largest `limit` for listing users and for batch delete.
pub const USER_PAGE_MAX: u32 = 100;
/// Default `limit` for listing users and for batch delete.
pub const USER_PAGE_DEFAULT: u32 = 10;
/// Largest attribute write, as compact JSON bytes of the submitted pairs.
pub const ATTR_WRITE_BYTES_MAX: usize = 4096;
/// Most targets in one attribute batch get.
pub const BATCH_GET_TARGETS_MAX: usize = 100;
/// Longest friend remark, in Unicode scalar values.
pub const REMARK_CHARS_MAX: usize = 100;
/// Largest contacts page.
pub const CONTACTS_PAGE_MAX: u32 = 50;
/// Default contacts page.
pub const CONTACTS_PAGE_DEFAULT: u32 = 10;
/// Most names in one contacts import.
pub const CONTACTS_IMPORT_MAX: usize = 10;
/// Most users on one block list.
pub const BLOCKS_MAX: usize = 500;
/// Largest block-list page.
pub const BLOCKS_PAGE_MAX: u32 = 50;
/// Most names in one batch online-status read.
pub const BATCH_STATUS_MAX: usize = 100;
/// Longest global mute, in milliseconds (2 147 483 647 seconds).
pub const MUTE_MILLIS_MAX: u64 = 2_147_483_647_000;
/// Largest global-mute list page.
pub const MUTES_PAGE_MAX: u32 = 50;
/// Most live token grants one user holds; issuing another drops the oldest.
pub const TOKENS_PER_USER_MAX: usize = 256;
/// Longest opaque token string the engine accepts from the host, in bytes.
pub const TOKEN_BYTES_MAX: usize = 512;
/// Longest session resource name, device uuid and device name, in bytes.
pub const RESOURCE_BYTES_MAX: usize = 128;
/// Most open sessions per user across all platforms; opening one more closes the oldest.
pub const SESSIONS_PER_USER_MAX: usize = 32;

/// Who may register users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistrationMode {
    /// Anyone, including anonymous callers.
    Open,
    /// Only the app admin (an app token).
    Authorized,
}

/// Per-app configuration: caps and feature switches. Field names end in their unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Who may register. Default [`RegistrationMode::Authorized`].
    pub registration_mode: RegistrationMode,
    /// Most registered users; `None` is unlimited. Default `None` (free plan: 100).
    pub users_max: Option<u64>,
    /// Most friends per user; `None` is unlimited. Default 1000.
    pub friends_max: Option<u32>,
    /// Only friends may exchange 1:1 messages (used by the messaging area). Default false.
    pub friend_check: bool,
    /// Block lists are on. Default true.
    pub blocklist_enabled: bool,
    /// User attributes are on. Default true.
    pub metadata_enabled: bool,
    /// Global mutes are on. Default true.
    pub global_mute_enabled: bool,
    /// Attribute bytes per user. Default 2048.
    pub attr_bytes_per_user: u64,
    /// Attribute bytes per app. Default 10 GiB.
    pub attr_bytes_per_app: u64,
    /// Open sessions per platform per user. Default 4.
    pub devices_per_platform_max: u32,
    /// Token lifetime when a grant gives none. Default 60 days.
    pub token_ttl_default: Millis,
    /// Limits of groups and threads.
    pub groups: crate::groups::GroupLimits,
    /// Limits of chatrooms.
    pub rooms: crate::rooms::RoomLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            registration_mode: RegistrationMode::Authorized,
            users_max: None,
            friends_max: Some(1000),
            friend_check: false,
            blocklist_enabled: true,
            metadata_enabled: true,
            global_mute_enabled: true,
            attr_bytes_per_user: 2048,
            attr_bytes_per_app: 10 * 1024 * 1024 * 1024,
            devices_per_platform_max: 4,
            token_ttl_default: Millis::from_secs(5_184_000),
            groups: Default::default(),
            rooms: Default::default(),
        }
    }
}
