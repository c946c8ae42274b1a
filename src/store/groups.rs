//! The groups table (filled in by the groups port).

/// The groups table.
#[derive(Debug, Default)]
pub(crate) struct Groups {}
