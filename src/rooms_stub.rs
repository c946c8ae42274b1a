//! TEMPORARY (reshape branch): the chatrooms area is being ported onto the new store. Replaced
//! by `src/rooms/` when the port lands.
#![allow(missing_docs, dead_code)]

#[path = "rooms/error.rs"]
mod error;
#[path = "rooms/events.rs"]
mod events;
pub use crate::ids::RoomId;
pub use crate::limits::RoomLimits;
pub use error::*;
pub use events::*;

use crate::engine::Ctx;
use crate::ids::{UserId, UserName};
use crate::store::State;

pub(crate) fn on_user_deleted(_cx: &mut Ctx<'_>, _user: UserId, _name: &UserName) {}

pub(crate) fn check_invariants(_st: &State) -> Result<(), String> {
    Ok(())
}
