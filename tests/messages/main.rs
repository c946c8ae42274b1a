//! The messages area of the engine (spec 03 §4, spec 01 §14): send validation in order, the
//! delivery policy stage by stage, the offline queue, recall, rewrite, conversations and
//! roaming, the hourly export, attachments, reactions, cascades and the thread message checks.
//! One test binary; one module per behaviour.

#[path = "../fixture/mod.rs"]
mod fixture;

mod attachments;
mod cascades;
mod conversations;
mod delivery_policy;
mod history;
mod offline_queue;
mod reactions;
mod recall;
mod rewrite;
mod send_rates;
mod send_validation;
mod thread_parents;
