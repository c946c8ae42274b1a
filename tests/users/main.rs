//! The users area of the engine: users, tokens, sessions and online status, attributes,
//! friends, block lists, global mutes, registration, deletion cascades, permissions, paging,
//! tenant isolation, password change, disable/enable, presence, push settings, the GDPR export
//! and erase, and the timers (`next_expiry`/`Expire`). One test binary; one module per
//! behaviour.

#[path = "../fixture/mod.rs"]
mod fixture;

mod attribute_budgets;
mod attributes;
mod batch_registration;
mod block_keeps_friendship;
mod block_list;
mod disable_enable;
mod expiry;
mod friend_cap;
mod friends;
mod friends_by_id;
mod gdpr;
mod global_mutes;
mod may_message;
mod password_change;
mod permissions;
mod presence;
mod push_settings;
mod registration;
mod rongcloud;
mod sessions_and_online_status;
mod set_limits;
mod tenant_isolation;
mod tokens;
mod user_deletion_cascade;
mod user_listing_and_paging;
