//! The groups area of the engine: group lifecycle, membership, roles, admins, block, allow and
//! mute lists, content (announcements, shared files), limits, cascades, check order, cursors,
//! and threads. One test binary; one module per behaviour. (The model and concurrency tests
//! of groups are in the `model` and `concurrency` binaries.)

#[path = "../fixture/mod.rs"]
mod fixture;

mod admins;
mod block_allow_mute;
mod cascades;
mod check_order;
mod content;
mod cursors_survive_leaves;
mod field_caps_and_side_effects;
mod lifecycle;
mod limits;
mod membership;
mod mute_expiry;
mod rights_follow_identity;
mod roles_matrix;
mod threads;
