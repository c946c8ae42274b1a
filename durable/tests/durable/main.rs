//! The data directory end to end: recovery round trips, torn tails, damage, the lock, group
//! commit, snapshots and dropping the log, and tokens across restarts. One test binary; one
//! module per behaviour.

mod common;

mod damage;
mod group_commit;
mod lock;
mod recovery;
mod snapshots;
mod torn_tail;
