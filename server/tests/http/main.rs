//! The HTTP host end to end: each module starts servers on ephemeral loopback ports (see
//! `fixture`) and checks one part of the REST surface over real HTTP/1.1; `startup` and
//! `crash` run the built binary (`binary`). One test binary; one module per behaviour.

mod binary;
mod fixture;

mod attributes;
mod bad_input;
mod blocks;
mod concurrent_clients;
mod contacts;
mod crash;
mod credentials;
mod export;
mod groups;
mod hardening;
mod holes;
mod malformed;
mod messages;
mod mutes;
mod openapi;
mod presence;
mod push;
mod rate_limits;
mod rongcloud;
mod rooms;
mod rooms_attributes;
mod startup;
mod threads;
mod timer;
mod token_lifetime;
mod tokens;
mod users;
