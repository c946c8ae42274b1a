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
/// Most token grants the engine keeps for one user; past it, issuing another first drops the
/// expired ones, and is refused (`429`) if none has expired (issue 14: a valid token is never
/// pushed out). Hosts that mint self-contained tokens ([`crate::CheckGrant`]) keep none.
pub const TOKENS_PER_USER_MAX: usize = 256;
/// Most app token grants the engine keeps; past it as [`TOKENS_PER_USER_MAX`].
pub const APP_TOKENS_MAX: usize = 4096;
/// Longest opaque token string the engine accepts from the host, in bytes.
pub const TOKEN_BYTES_MAX: usize = 512;
/// Longest session resource name, device uuid and device name, in bytes.
pub const RESOURCE_BYTES_MAX: usize = 128;
/// Most open sessions per user across all platforms; opening one more closes the oldest.
pub const SESSIONS_PER_USER_MAX: usize = 32;

// ---- presence (spec 01 §13) ----

/// Longest presence `ext`, in bytes.
pub const PRESENCE_EXT_BYTES_MAX: usize = 1024;
/// Longest presence status (a digit string), in bytes (the engine's cap; the vendor has none).
pub const PRESENCE_STATUS_BYTES_MAX: usize = 32;
/// Most resources in one user's presence status map (the engine's cap): setting one more
/// drops the least recently set.
pub const PRESENCE_RESOURCES_MAX: usize = 32;
/// Most names in one presence subscribe, get or unsubscribe.
pub const PRESENCE_NAMES_MAX: usize = 100;
/// Longest presence subscription, in milliseconds (2 592 000 s, 30 days).
pub const PRESENCE_SUBSCRIPTION_MILLIS_MAX: u64 = 2_592_000_000;
/// Most subscriptions one user holds; more drop those with the least time left.
pub const PRESENCE_SUBSCRIPTIONS_MAX: usize = 3000;
/// Most subscribers one user (name) has; more drop those with the least time left.
pub const PRESENCE_SUBSCRIBERS_MAX: usize = 3000;
/// Largest page of the subscription list.
pub const PRESENCE_SUBLIST_PAGE_MAX: u32 = 500;
/// Default page of the subscription list.
pub const PRESENCE_SUBLIST_PAGE_DEFAULT: u32 = 1;

// ---- push settings (spec 01 §15) ----

/// Most items in one batch push-nickname call.
pub const PUSH_NICKNAME_BATCH_MAX: usize = 50;
/// Longest `ignoreDuration`, in milliseconds (7 days).
pub const NOTIFY_IGNORE_MILLIS_MAX: u64 = 604_800_000;
/// Most per-conversation notification settings one user keeps (the engine's cap).
pub const NOTIFY_CONVERSATIONS_MAX: usize = 1000;
/// Most device bindings one user keeps (the engine's cap): binding one more drops the least
/// recently bound.
pub const PUSH_BINDINGS_MAX: usize = 16;
/// Longest language, template name, device id or notifier name, in bytes (the engine's cap).
pub const PUSH_FIELD_BYTES_MAX: usize = 128;
/// Longest device token, in bytes (the engine's cap).
pub const PUSH_TOKEN_BYTES_MAX: usize = 512;

// ---- timers ----

/// Most lapses one `Expire` applies; the rest wait for the next one (the host runs it again
/// while [`crate::App::next_expiry`] is due).
pub const EXPIRE_BATCH_MAX: usize = 4096;

/// Who may register users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistrationMode {
    /// Anyone, including anonymous callers.
    Open,
    /// Only the app admin (an app token).
    Authorized,
}

/// Per-app configuration: caps and feature switches. Field names end in their unit.
///
/// Read from a self-describing format (a host's TOML or JSON), every field is optional and
/// takes its default's value, and an unknown field is an error (so a typo is not ignored); the
/// same holds for [`GroupLimits`] and [`RoomLimits`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
    /// Presence is on (spec 01 §13). Default true.
    pub presence_enabled: bool,
    /// The host applies the per-second rate limits of spec 01 §17 ([`crate::rate`]). Default
    /// false.
    pub rate_limits: bool,
    /// Attribute bytes per user. Default 2048.
    pub attr_bytes_per_user: u64,
    /// Attribute bytes per app. Default 10 GiB.
    pub attr_bytes_per_app: u64,
    /// Open sessions per platform per user. Default 4.
    pub devices_per_platform_max: u32,
    /// Token lifetime when a grant gives none. Default 60 days.
    pub token_ttl_default: Millis,
    /// Limits of groups and threads.
    pub groups: GroupLimits,
    /// Limits of chatrooms.
    pub rooms: RoomLimits,
    /// Limits and feature switches of messages.
    pub messages: MessageLimits,
    /// Most users on one block list (spec 04 §9: 500 for an Easemob-style app, 3 000 on
    /// RongCloud's premium plans). Default [`BLOCKS_MAX`] (500).
    pub blocklist_max: usize,
    /// Limits and switches of the RongCloud user lifecycle (spec 04).
    pub lifecycle: LifecycleLimits,
    /// The optional send rates of spec 03 §4.2 step 10 (off by default).
    pub send_rates: SendRateLimits,
}

/// The send rate limits of spec 03 §4.2 step 10: fixed windows on `now`, per app; a send past
/// its rate is `403 message_send_error` "message send reach limit". The vendor makes them
/// optional per app: off by default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendRateLimits {
    /// The rates are enforced. Default false.
    pub enabled: bool,
    /// One-to-one messages per minute in the app (a send to N users counts N). Default 6000.
    pub users_per_minute_max: u64,
    /// Group sends per second in the app (each target group counts one). Default 20.
    pub groups_per_second_max: u64,
    /// Room sends per second in the app (each target room counts one). Default 100.
    pub rooms_per_second_max: u64,
    /// Directed sends (to some members of a group or room) per second. Default 100.
    pub directed_per_second_max: u64,
}

impl Default for SendRateLimits {
    fn default() -> Self {
        SendRateLimits {
            enabled: false,
            users_per_minute_max: 6000,
            groups_per_second_max: 20,
            rooms_per_second_max: 100,
            directed_per_second_max: 100,
        }
    }
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
            presence_enabled: true,
            rate_limits: false,
            attr_bytes_per_user: 2048,
            attr_bytes_per_app: 10 * 1024 * 1024 * 1024,
            devices_per_platform_max: 4,
            token_ttl_default: Millis::from_secs(5_184_000),
            groups: Default::default(),
            rooms: Default::default(),
            messages: Default::default(),
            blocklist_max: BLOCKS_MAX,
            lifecycle: Default::default(),
            send_rates: Default::default(),
        }
    }
}

/// [`Limits`] as snapshot format version 1 wrote them (before the lifecycle's
/// `blocklist_max` and `lifecycle`): read from old snapshots, which take the new fields'
/// defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LimitsV1 {
    pub registration_mode: RegistrationMode,
    pub users_max: Option<u64>,
    pub friends_max: Option<u32>,
    pub friend_check: bool,
    pub blocklist_enabled: bool,
    pub metadata_enabled: bool,
    pub global_mute_enabled: bool,
    pub presence_enabled: bool,
    pub rate_limits: bool,
    pub attr_bytes_per_user: u64,
    pub attr_bytes_per_app: u64,
    pub devices_per_platform_max: u32,
    pub token_ttl_default: Millis,
    pub groups: GroupLimits,
    pub rooms: RoomLimits,
    pub messages: MessageLimits,
}

impl From<LimitsV1> for Limits {
    fn from(l: LimitsV1) -> Limits {
        Limits {
            registration_mode: l.registration_mode,
            users_max: l.users_max,
            friends_max: l.friends_max,
            friend_check: l.friend_check,
            blocklist_enabled: l.blocklist_enabled,
            metadata_enabled: l.metadata_enabled,
            global_mute_enabled: l.global_mute_enabled,
            presence_enabled: l.presence_enabled,
            rate_limits: l.rate_limits,
            attr_bytes_per_user: l.attr_bytes_per_user,
            attr_bytes_per_app: l.attr_bytes_per_app,
            devices_per_platform_max: l.devices_per_platform_max,
            token_ttl_default: l.token_ttl_default,
            groups: l.groups,
            rooms: l.rooms,
            messages: l.messages,
            ..Limits::default()
        }
    }
}

#[cfg(test)]
impl From<&Limits> for LimitsV1 {
    fn from(l: &Limits) -> LimitsV1 {
        let l = l.clone();
        LimitsV1 {
            registration_mode: l.registration_mode,
            users_max: l.users_max,
            friends_max: l.friends_max,
            friend_check: l.friend_check,
            blocklist_enabled: l.blocklist_enabled,
            metadata_enabled: l.metadata_enabled,
            global_mute_enabled: l.global_mute_enabled,
            presence_enabled: l.presence_enabled,
            rate_limits: l.rate_limits,
            attr_bytes_per_user: l.attr_bytes_per_user,
            attr_bytes_per_app: l.attr_bytes_per_app,
            devices_per_platform_max: l.devices_per_platform_max,
            token_ttl_default: l.token_ttl_default,
            groups: l.groups,
            rooms: l.rooms,
            messages: l.messages,
        }
    }
}

/// Per-app limits and switches of the RongCloud user lifecycle (spec 04): the DM allow list,
/// the app-wide allow-list mode, and the lifetime of RongCloud token grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleLimits {
    /// Most users on one DM allow list (spec 04 §10). Default 3 000.
    pub allowlist_max: usize,
    /// Every user is in allow-list mode and may not leave it (the console switch of spec 04
    /// §10). Default false.
    pub force_allowlist_mode: bool,
    /// How long a RongCloud token grant lives; `None` is unlimited (spec 04 §1). Default
    /// `None`.
    pub token_ttl: Option<Millis>,
}

impl Default for LifecycleLimits {
    fn default() -> Self {
        LifecycleLimits {
            allowlist_max: ALLOWLIST_MAX,
            force_allowlist_mode: false,
            token_ttl: None,
        }
    }
}

/// Default most users on one DM allow list (spec 04 §10).
pub const ALLOWLIST_MAX: usize = 3000;
/// The block-list cap of RongCloud's premium and ultimate plans (spec 04 §9).
pub const RONG_BLOCKLIST_MAX: usize = 3000;
/// Most ids in one RongCloud list or block request (spec 04 §2, §7, §9, §10).
pub const RONG_BATCH_MAX: usize = 20;
/// Most ids in one close or reopen request (spec 04 §3, §5).
pub const RONG_CLOSE_BATCH_MAX: usize = 100;
/// Shortest and longest timed login block, in minutes (spec 04 §7).
pub const LOGIN_BLOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=43_200;
/// How long after its closure an id may be reopened, in milliseconds (spec 04 §5).
pub const REOPEN_WAIT_MS: i64 = 3_600_000;
/// Longest RongCloud push name, in Unicode scalar values (spec 04 §1 OPEN).
pub const RONG_NAME_CHARS_MAX: usize = 64;
/// Longest portrait URI, in bytes (spec 04 §1).
pub const PORTRAIT_BYTES_MAX: usize = 1024;
/// Largest closed-accounts page (spec 04 §4); also the default.
pub const CLOSED_PAGE_MAX: u32 = 50;
/// Most login blocks in one unpaged read, and the default page size (spec 04 §7).
pub const LOGIN_BLOCKS_UNPAGED_MAX: usize = 1000;
/// Default login-block page size (spec 04 §7).
pub const LOGIN_BLOCKS_PAGE_DEFAULT: u32 = 50;
/// Largest (and default) RongCloud block or allow list page (spec 04 §9).
pub const RONG_LIST_PAGE_MAX: u32 = 1000;
/// Most tags per user (spec 04 §11).
pub const TAGS_PER_USER_MAX: usize = 20;
/// Longest tag, in bytes (spec 04 §11).
pub const TAG_BYTES_MAX: usize = 40;
/// Most users in one one-to-one ban request (spec 04 §12).
pub const CHAT_BAN_BATCH_MAX: usize = 1000;
/// Largest one-to-one ban page (spec 04 §12).
pub const CHAT_BAN_PAGE_MAX: u32 = 200;
/// Default one-to-one ban page.
pub const CHAT_BAN_PAGE_DEFAULT: u32 = 100;
/// Most users in one batch tag set (spec 04 §11).
pub const TAG_BATCH_USERS_MAX: usize = 1000;
/// Most users in one tag read (spec 04 §11).
pub const TAG_GET_USERS_MAX: usize = 50;

/// Per-app limits of the groups area. [`GroupLimits::default`] gives the spec's values for an
/// engine without a plan record (the Flagship plan's caps where the spec has a plan table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupLimits {
    /// Threads are on (`T_NOT_OPEN` otherwise). Default true.
    pub threads_enabled: bool,
    /// Group member attributes are on (`META_DISABLED` otherwise). Default true.
    pub member_attrs_enabled: bool,
    /// Callers may choose group ids. Default true.
    pub custom_group_id_enabled: bool,
    /// Longest group name, in chars. Default 128.
    pub name_chars_max: usize,
    /// Longest description, in chars. Default 512.
    pub description_chars_max: usize,
    /// Longest avatar URL, in chars. Default 1024.
    pub avatar_chars_max: usize,
    /// Largest `custom` extension, in bytes. Default 8192.
    pub custom_bytes_max: usize,
    /// Longest announcement, in chars. Default 512.
    pub announcement_chars_max: usize,
    /// `max_users` when a group is created without one. Default 200 (clamped to the cap).
    pub max_users_default: u32,
    /// The plan's cap on `max_users`. Default 8000 (the largest plan add-on).
    pub max_users_cap: u32,
    /// Groups at which a group counts as large (`scale`). Default 3000.
    pub large_group_threshold: u32,
    /// Live groups per app; `None` is unlimited. Default `None` (Pro/Flagship).
    pub groups_per_app_max: Option<u64>,
    /// Groups one user may be in, owner included. Default 100,000 (Flagship).
    pub groups_per_user_max: u32,
    /// Admins per group (owner excluded). Default 99.
    pub admins_max: usize,
    /// Users per batch add / batch remove of members. Default 60.
    pub member_batch_max: usize,
    /// Users per batch block / unblock. Default 60.
    pub block_batch_max: usize,
    /// Users per allow-list batch add / remove. Default 60.
    pub allow_batch_max: usize,
    /// Users per mute / unmute call. Default 60.
    pub mute_batch_max: usize,
    /// Group ids per details call. Default 100.
    pub details_ids_max: usize,
    /// Members listed per group in details. Default 10,000.
    pub details_members_max: usize,
    /// Largest app group list `limit` (clamped). Default 1000.
    pub app_list_max: u32,
    /// Default app group list `limit`. Default 10.
    pub app_list_default: u32,
    /// Largest joined-groups page (clamped). Default 20.
    pub joined_page_max: u32,
    /// Default joined-groups page. Default 5.
    pub joined_page_default: u32,
    /// Most items of the legacy (unpaged) joined-groups list. Default 500.
    pub joined_legacy_max: usize,
    /// Largest member page (clamped). Default 1000.
    pub member_page_max: u32,
    /// Default member page. Default 1000.
    pub member_page_default: u32,
    /// Largest member cursor page (clamped). Default 1000.
    pub member_cursor_max: u32,
    /// Default member cursor page. Default 10.
    pub member_cursor_default: u32,
    /// Largest shared file, in bytes. Default 10 MiB.
    pub file_bytes_max: u64,
    /// Live shared files per group. Default 10,000.
    pub files_per_group_max: usize,
    /// How long a shared file lives, in ms. Default 7 days.
    pub file_retention_ms: u64,
    /// Largest shared file page (clamped). Default 1000.
    pub file_page_max: u32,
    /// Longest member attribute key, in bytes. Default 16.
    pub meta_key_bytes_max: usize,
    /// Longest member attribute value, in bytes. Default 512.
    pub meta_value_bytes_max: usize,
    /// Most attribute bytes per member (Σ key + value). Default 4096.
    pub meta_total_bytes_max: usize,
    /// Targets per get-by-keys. Default 10.
    pub meta_targets_max: usize,
    /// Users per batch set. Default 20.
    pub meta_batch_users_max: usize,
    /// Longest thread name, in chars. Default 64.
    pub thread_name_chars_max: usize,
    /// Live threads per app. Default 100,000.
    pub threads_per_app_max: u64,
    /// Threads one user may be in. Default 100,000.
    pub threads_per_user_max: usize,
    /// Largest thread list / thread member page (above it is rejected). Default 50.
    pub thread_page_max: u32,
    /// Users per thread batch join / kick. Default 10.
    pub thread_batch_max: usize,
    /// Longest shared file name, in bytes (`FIELD_TOO_LONG` above). The vendor documents no
    /// cap; 256 bytes is the usual file-system name limit. Default 256.
    pub file_name_bytes_max: usize,
    /// Longest parent message id of a thread, in bytes (`T_BAD_BODY` above). Message ids are
    /// decimal u64 renderings (≤ 20 bytes); 64 leaves room for host formats. Default 64.
    pub thread_msg_id_bytes_max: usize,
}

impl Default for GroupLimits {
    fn default() -> Self {
        GroupLimits {
            threads_enabled: true,
            member_attrs_enabled: true,
            custom_group_id_enabled: true,
            name_chars_max: 128,
            description_chars_max: 512,
            avatar_chars_max: 1024,
            custom_bytes_max: 8192,
            announcement_chars_max: 512,
            max_users_default: 200,
            max_users_cap: 8000,
            large_group_threshold: 3000,
            groups_per_app_max: None,
            groups_per_user_max: 100_000,
            admins_max: 99,
            member_batch_max: 60,
            block_batch_max: 60,
            allow_batch_max: 60,
            mute_batch_max: 60,
            details_ids_max: 100,
            details_members_max: 10_000,
            app_list_max: 1000,
            app_list_default: 10,
            joined_page_max: 20,
            joined_page_default: 5,
            joined_legacy_max: 500,
            member_page_max: 1000,
            member_page_default: 1000,
            member_cursor_max: 1000,
            member_cursor_default: 10,
            file_bytes_max: 10 * 1024 * 1024,
            files_per_group_max: 10_000,
            file_retention_ms: 7 * 24 * 3600 * 1000,
            file_page_max: 1000,
            meta_key_bytes_max: 16,
            meta_value_bytes_max: 512,
            meta_total_bytes_max: 4096,
            meta_targets_max: 10,
            meta_batch_users_max: 20,
            thread_name_chars_max: 64,
            threads_per_app_max: 100_000,
            threads_per_user_max: 100_000,
            thread_page_max: 50,
            thread_batch_max: 10,
            file_name_bytes_max: 256,
            thread_msg_id_bytes_max: 64,
        }
    }
}

/// Per-app limits of the chatrooms area (spec 03 §5). [`RoomLimits::default`] gives the
/// spec's defaults; tests and hosts may shrink them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomLimits {
    /// `maxusers` when a create names none. Default 1000.
    pub maxusers_default: u32,
    /// Largest `maxusers` (`room_max_members_cap`). Default 10 000.
    pub maxusers_cap: u32,
    /// Most rooms in the app (`max_rooms_per_app`); `None` is unlimited (default).
    pub rooms_per_app_max: Option<u64>,
    /// Most rooms one user is a member of (`max_rooms_per_user`); `None` is unlimited (default).
    pub rooms_per_user_max: Option<u32>,
    /// Most admins per room. Default 99.
    pub admins_max: u32,
    /// Longest room name, in chars. Default 128.
    pub name_chars_max: usize,
    /// Longest description, in chars. Default 512.
    pub description_chars_max: usize,
    /// Longest `custom`, in chars. Default 1024.
    pub custom_chars_max: usize,
    /// Longest announcement, in chars. Default 512.
    pub announcement_chars_max: usize,
    /// Most users in one batch add. Default 60.
    pub add_members_batch_max: usize,
    /// Most users in one batch removal. Default 100 (OPEN 4).
    pub remove_members_batch_max: usize,
    /// Most users in one batch block, unblock, allow, disallow, mute or unmute. Default 60.
    pub list_batch_max: usize,
    /// Most ids in one details call. Default 100.
    pub details_ids_max: usize,
    /// Most attribute keys in one set or delete call. Default 10.
    pub attr_keys_per_call_max: usize,
    /// Most attribute keys in one room. Default 100.
    pub attr_keys_per_room_max: usize,
    /// Longest attribute key, in chars. Default 128.
    pub attr_key_chars_max: usize,
    /// Longest attribute value, in chars. Default 4096.
    pub attr_value_chars_max: usize,
    /// Room attribute bytes (UTF-8 keys + values) per app. Default 10 GiB.
    pub attr_bytes_per_app: u64,
    /// Offline time before a member is swept (`room_offline_grace_ms`). Default 120 000 ms.
    pub offline_grace: Millis,
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits {
            maxusers_default: 1000,
            maxusers_cap: 10_000,
            rooms_per_app_max: None,
            rooms_per_user_max: None,
            admins_max: 99,
            name_chars_max: 128,
            description_chars_max: 512,
            custom_chars_max: 1024,
            announcement_chars_max: 512,
            add_members_batch_max: 60,
            remove_members_batch_max: 100,
            list_batch_max: 60,
            details_ids_max: 100,
            attr_keys_per_call_max: 10,
            attr_keys_per_room_max: 100,
            attr_key_chars_max: 128,
            attr_value_chars_max: 4096,
            attr_bytes_per_app: 10 * 1024 * 1024 * 1024,
            offline_grace: Millis(120_000),
        }
    }
}

/// Largest `limit` when listing all rooms.
pub const ROOMS_PAGE_MAX: u32 = 1000;
/// Default `limit` when listing all rooms.
pub const ROOMS_PAGE_DEFAULT: u32 = 10;
/// Joined rooms returned when no paging is given (the most recent).
pub const ROOM_JOINED_LATEST: usize = 500;
/// Largest (and default) joined-rooms page.
pub const ROOM_JOINED_PAGE_MAX: u32 = 1000;
/// Largest (and default) members page in page mode.
pub const ROOM_MEMBERS_PAGE_MAX: u32 = 1000;
/// Default `limit` of the members cursor mode.
pub const ROOM_MEMBERS_CURSOR_DEFAULT: u32 = 10;
/// Largest super-admin page.
pub const ROOM_SUPER_ADMINS_PAGE_MAX: u32 = 1000;
/// Default super-admin page.
pub const ROOM_SUPER_ADMINS_PAGE_DEFAULT: u32 = 10;

/// Per-app limits and feature switches of messages (spec 03 §4, §5; spec 01 §14). The friend
/// check of one-to-one sends is [`Limits::friend_check`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLimits {
    /// Most distinct user targets of one send. Default 600.
    pub users_per_send_max: usize,
    /// Most distinct group targets of one send. Default 3.
    pub groups_per_send_max: usize,
    /// Most distinct room targets of one send. Default 10.
    pub rooms_per_send_max: usize,
    /// Most users of a directed send. Default 20.
    pub directed_users_max: usize,
    /// Most `roam_ignore_users`. Default 20.
    pub roam_ignore_max: usize,
    /// Largest body + ext, as compact JSON UTF-8 bytes. Default 5120.
    pub body_bytes_max: usize,
    /// Messages kept in the app's store; the oldest (by id, that is acceptance order) goes
    /// first. Default 100 000.
    pub stored_max: usize,
    /// How long a message is kept (and how far back the hourly export reaches), from its
    /// acceptance. Default 3 days.
    pub history_retention: Millis,
    /// How long an offline-queue entry lives. Default 7 days.
    pub offline_retention: Millis,
    /// Offline one-to-one entries per user; the oldest is evicted. Default 500.
    pub offline_chat_max: usize,
    /// Offline group entries per user; the oldest is evicted. Default 200.
    pub offline_group_max: usize,
    /// Recall is on (`recall_enabled`). Default true.
    pub recall_enabled: bool,
    /// The recall window from acceptance; at most 7 days (longer reads as 7 days). Default
    /// 120 000 ms.
    pub recall_window: Millis,
    /// Most recalls in one batch recall. Default 20.
    pub recall_batch_max: usize,
    /// Rewriting messages is on. Default false.
    pub rewrite_enabled: bool,
    /// Edits per message. Default 10.
    pub rewrite_edits_max: u32,
    /// Broadcast to rooms is on. Default false.
    pub broadcast_enabled: bool,
    /// Broadcasts per minute. Default 10.
    pub broadcasts_per_minute_max: usize,
    /// Broadcasts per day. Default 100.
    pub broadcasts_per_day_max: usize,
    /// Roaming (and its clears) is on. Default true.
    pub roaming_enabled: bool,
    /// Message ids per roaming clear by id. Default 50.
    pub roaming_delete_ids_max: usize,
    /// Largest attachment, in bytes. Default 10 MiB.
    pub attachment_bytes_max: u64,
    /// How long an attachment lives. Default 7 days.
    pub attachment_retention: Millis,
    /// Live attachments in the app (bounds the metadata and the host's bytes). Default
    /// 100 000.
    pub attachments_max: usize,
    /// Reactions are on. Default true.
    pub reactions_enabled: bool,
    /// Distinct reactions per message. Default 20.
    pub reactions_per_message_max: usize,
}

impl Default for MessageLimits {
    fn default() -> Self {
        MessageLimits {
            users_per_send_max: 600,
            groups_per_send_max: 3,
            rooms_per_send_max: 10,
            directed_users_max: 20,
            roam_ignore_max: 20,
            body_bytes_max: 5120,
            stored_max: 100_000,
            history_retention: Millis(3 * 24 * 3600 * 1000),
            offline_retention: Millis(7 * 24 * 3600 * 1000),
            offline_chat_max: 500,
            offline_group_max: 200,
            recall_enabled: true,
            recall_window: Millis(120_000),
            recall_batch_max: 20,
            rewrite_enabled: false,
            rewrite_edits_max: 10,
            broadcast_enabled: false,
            broadcasts_per_minute_max: 10,
            broadcasts_per_day_max: 100,
            roaming_enabled: true,
            roaming_delete_ids_max: 50,
            attachment_bytes_max: 10 * 1024 * 1024,
            attachment_retention: Millis(7 * 24 * 3600 * 1000),
            attachments_max: 100_000,
            reactions_enabled: true,
            reactions_per_message_max: 20,
        }
    }
}

/// Longest recall window, in milliseconds (7 days).
pub const RECALL_WINDOW_MAX: Millis = Millis(604_800_000);
/// Longest reaction, in chars.
pub const REACTION_CHARS_MAX: usize = 128;
/// Most message ids in one reaction list read.
pub const REACTION_LIST_IDS_MAX: usize = 20;
/// Largest (and default) reaction detail page.
pub const REACTION_DETAIL_PAGE_MAX: u32 = 50;
/// Users shown per reaction in a list read.
pub const REACTION_PREVIEW_USERS: usize = 3;
/// Images up to this many bytes are their own thumbnail.
pub const THUMBNAIL_SELF_BYTES_MAX: u64 = 10_240;
/// Default thumbnail edge, in pixels.
pub const THUMBNAIL_EDGE_DEFAULT: u32 = 170;
/// Most `customExts` pairs of a custom message.
pub const CUSTOM_EXTS_MAX: usize = 16;
/// Longest `customEvent`, in chars.
pub const CUSTOM_EVENT_CHARS_MAX: usize = 32;

/// Replaces the app's limits (a host applying a changed configuration; as a command, so a
/// command log replays the change where it happened). Admin (the host) only.
///
/// The new limits must hold for what the app already holds — every cap the invariants check
/// (users, friends, attribute bytes, members, admins, stored messages, …) — so that lowering
/// a cap below current use is refused rather than leaving state that breaks it; a refused
/// change leaves the old limits. Caps apply to later commands; nothing is evicted.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` naming the first
/// invariant the new limits would break.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetLimits(
    /// The new limits (boxed: they are large beside the other commands).
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::limits))]
    pub Box<Limits>,
);

impl crate::command::Exec for SetLimits {
    type Reply = ();
    fn exec(self, cx: &mut crate::engine::Ctx<'_>) -> crate::error::Result<()> {
        cx.actor.admin_only(crate::engine::NOT_ALLOWED)?;
        if *cx.st.limits == *self.0 {
            return Ok(());
        }
        let old = std::mem::replace(&mut cx.st.limits, std::sync::Arc::new(*self.0));
        if let Err(e) = crate::invariants::check_state(cx.st) {
            cx.st.limits = old;
            return Err(crate::error::Error::illegal(format!(
                "the new limits do not hold for the app's data: {e}"
            )));
        }
        Ok(())
    }
}
