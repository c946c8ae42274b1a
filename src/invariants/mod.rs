//! The properties that hold whenever no command is running, one function each, by area.
//! Tests, the model checker, the concurrency tests and the fuzz target call [`check`] after
//! every step; a broken property comes back as a message naming it.

mod groups;
mod lifecycle;
mod messages;
mod rooms;
mod users;

use crate::engine::App;
use crate::store::State;

/// Checks every invariant of one app.
///
/// # Errors
/// A message naming the first broken property and where.
///
/// # Locking
/// Takes the app's read lock: it sees the state between two commands.
pub fn check(app: &App) -> Result<(), String> {
    app.store.view(check_state)
}

/// Checks every invariant of one app's state.
pub(crate) fn check_state(st: &State) -> Result<(), String> {
    users::check(st)?;
    groups::check(st)?;
    rooms::check(st)?;
    messages::check(st)?;
    lifecycle::check(st)?;
    Ok(())
}
