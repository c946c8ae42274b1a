//! The chatrooms area of the engine: room lifecycle, membership, roles, admins and super
//! admins, block, allow and mute lists, attributes, export, limits and cascades. One test
//! binary; one module per behaviour. (The model and concurrency tests of rooms are in the
//! `model` and `concurrency` binaries.)

#[path = "../fixture/mod.rs"]
mod fixture;

mod admins;
mod attributes;
mod block_allow_mute;
mod cascades;
mod export;
mod lifecycle;
mod limits;
mod membership;
mod roles_matrix;
mod super_admins;
mod timers;
