//! Model checks: proptest runs random command sequences on the engine and on a simple model
//! written in the tests, and requires equal replies and observations after every step. One
//! module per area: `users`, `groups`, `rooms`.
//!
//! Proptest's default failure persistence (`SourceParallel("proptest-regressions")`) finds
//! this directory's `main.rs` and keeps a module's saved cases in
//! `tests/proptest-regressions/<module>.txt` (e.g. `rooms.txt` for `rooms.rs`).

#[path = "../fixture/mod.rs"]
mod fixture;

mod groups;
mod rooms;
mod users;
