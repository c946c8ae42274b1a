//! Concurrency: threads racing commands on one shared app, then the invariants (`users`,
//! `groups`, `rooms`), and replay determinism (the same commands at the same times give the
//! same replies, events and state). The heavy sizes are `#[ignore]`d: `cargo test --release
//! --test concurrency -- --ignored`.

#[path = "../fixture/mod.rs"]
mod fixture;

mod groups;
mod replay_determinism;
mod rooms;
mod snapshot_replay;
mod users;
mod views;
