//! The RongCloud Server API face (spec 04): the user routes of RongCloud's IM Server API
//! (`POST /user/getToken.json` and the rest, see [`mod@routes`]) on the same port and state as
//! the Easemob face, so that an app server written for RongCloud — its own code or one of
//! RongCloud's server SDKs — runs against imcore-server unchanged.
//!
//! - **Authentication** ([`auth`]): headers `App-Key`, `Nonce`, `Timestamp` and `Signature`,
//!   the hex SHA-1 of app secret + nonce + timestamp. The app key is an app's client id and
//!   the secret its client secret (the config file's apps). A missing, stale (more than five
//!   minutes off the host's clock) or wrong signature, or an unknown app key, is answered with
//!   RongCloud's `1004` before anything else of the request — the body included — is read.
//! - **Requests** ([`params`]): form-encoded bodies (`application/x-www-form-urlencoded`; a
//!   list repeats its key, `userId=a&userId=b`, or separates ids with commas), or JSON objects
//!   for the routes RongCloud's SDKs send JSON to (the tag routes).
//! - **Answers** ([`reply`]): `{"code": 200, ...}` with the route's fields, or `{"code": <n>,
//!   "errorMessage": ...}` with the RongCloud code of the engine error
//!   ([`imcore::Error::rong_code`], spec 04 §13).
//! - **Commands** go through the app's durable handle, as every Easemob route's do: logged and
//!   synced before the answer, events logged.
//! - **Tokens** ([`token`]): the engine records a grant (user, issue time, sequence); the host
//!   mints the opaque token from it, signed with the app secret, so that rotating the secret
//!   kills every token of the app. A connection gateway checks a token with
//!   `/user/token/check.json` (an imcore extension; RongCloud clients connect to RongCloud's
//!   own servers), which answers RongCloud's client codes.
//!
//! Not served: the message-sending routes (their `verifyBlacklist` is the engine's
//! [`imcore::MayDirectMessage`]), callbacks (the engine's `AccountClosed`/`AccountReopened`
//! events are logged; the close and reopen answers carry the per-id results instead), rate
//! limits (`1008`).

pub mod auth;
pub mod params;
pub mod reply;
pub mod routes;
pub mod token;

pub use routes::routes;
