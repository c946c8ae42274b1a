//! Messages (spec 03 §4): who may send what to whom, and what becomes of it.
//!
//! | spec 03 | file |
//! |---|---|
//! | §4.3 the one-to-one send decision (stages S and T) | `policy.rs` |

mod policy;

pub use policy::*;
