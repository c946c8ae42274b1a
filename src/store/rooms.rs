//! The chatrooms table (filled in by the rooms port).

/// The chatrooms table.
#[derive(Debug, Default)]
pub(crate) struct Rooms {}
