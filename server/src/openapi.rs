//! The OpenAPI 3.1 description of the Easemob surface the host serves (issue 14), served at
//! `GET /openapi.json` without a token.
//!
//! The description is built from [`ROUTES`], one entry per method and path of the Easemob
//! routers in [`crate::routes`] (the RongCloud face is not described): its path parameters
//! come from the path template, its query parameters are the ones the handler reads, and its
//! request body is the schema of the type the handler deserializes, derived with
//! [`utoipa::ToSchema`] on that type in its route module. Handlers that read a JSON object
//! field by field (with [`crate::routes::shared::text`] and friends) have no such type; for
//! them a schema type here names the fields the handler reads ([`bodies`]).
//!
//! One table rather than `#[utoipa::path]` on each handler: many handlers are generic
//! (`lists::block::<M>` serves groups and rooms; `disable::<true>` and `disable::<false>` two
//! paths), and `#[utoipa::path]` describes one path per function; and the table is also the
//! list of routes ([`easemob_routes`]) that the tests hold against the routers.
//!
//! Every operation answers `200` with the vendor's envelope ([`EnvelopeSchema`]; the token
//! endpoint with its token object, downloads with bytes) and any other status with the
//! vendor's error body ([`ErrorSchema`]): the statuses of the layers in front of the handler
//! (400, 401, 404, 413, 415, 429, as the route's kind has them) by number, the handler's own
//! under `default`. The creating operations link their new id to the operations that take it
//! ([`LINKS`]), for stateful testing.

use std::sync::OnceLock;

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    Components, Content, OpenApi as Document, Ref, RefOr, Required, ResponseBuilder, Schema,
};
use utoipa::{OpenApi, ToSchema};

use crate::routes::{
    attributes, contacts, groups, lists, mutes, presence, push, room_attributes, rooms, shared,
    threads, tokens, users,
};

/// An HTTP method of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Verb {
    /// As an [`axum::http::Method`].
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Delete => Method::DELETE,
        }
    }

    fn http(self) -> HttpMethod {
        match self {
            Verb::Get => HttpMethod::Get,
            Verb::Post => HttpMethod::Post,
            Verb::Put => HttpMethod::Put,
            Verb::Delete => HttpMethod::Delete,
        }
    }
}

/// The type of a query parameter, as the handler parses it.
#[derive(Clone, Copy, Debug)]
pub enum Q {
    /// Any text.
    Str,
    /// A user name ([`NAME`]).
    Name,
    /// A whole number `0..=u32::MAX` ([`crate::extract::Call::query_u32`]).
    U32,
    /// A whole number of milliseconds (`delTime`).
    I64,
    /// `true` or `false` ([`crate::extract::Call::query_bool`]).
    Bool,
    /// `asc` or `desc` ([`crate::routes::shared::sort`]).
    Sort,
}

/// Gives a request type's schema, its name and the schemas it refers to.
type SchemaFn = fn() -> NamedSchema;

/// A named schema and the schemas it refers to.
pub struct NamedSchema {
    name: String,
    schema: RefOr<Schema>,
    deps: Vec<(String, RefOr<Schema>)>,
}

fn schema<T: ToSchema>() -> NamedSchema {
    let mut deps = Vec::new();
    T::schemas(&mut deps);
    NamedSchema {
        name: T::name().into_owned(),
        schema: T::schema(),
        deps,
    }
}

/// A route's request body.
#[derive(Clone, Copy)]
pub enum Body {
    /// None read.
    None,
    /// JSON, required.
    Json(SchemaFn),
    /// JSON; an empty body reads as none.
    JsonOpt(SchemaFn),
    /// A JSON array of the schema, required.
    JsonArray(SchemaFn),
    /// A JSON array of the schema; an empty body reads as none.
    JsonArrayOpt(SchemaFn),
    /// JSON, or the same pairs form-encoded.
    JsonOrForm(SchemaFn),
    /// `multipart/form-data` with the file in field `file`.
    Multipart,
    /// A group shared file: multipart, raw bytes (`?file_name=`), or JSON metadata.
    Upload(SchemaFn),
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// A bearer token (app or user).
    Bearer,
    /// No token needed (one, if sent, must be valid).
    Optional,
    /// No token read (the token endpoint).
    None,
}

/// What a route answers on success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The vendor's envelope.
    Envelope,
    /// The token object.
    Token,
    /// The file's bytes.
    Bytes,
    /// The file's bytes, or the envelope with its metadata when only that was recorded.
    BytesOrEnvelope,
}

/// One described route: a method on a path of the Easemob routers.
pub struct Route {
    /// Its method.
    pub verb: Verb,
    /// Its path as the router has it, `/{org}/{app}/...`.
    pub path: &'static str,
    /// The area (the route module).
    pub tag: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// The query parameters the handler reads.
    pub query: &'static [(&'static str, Q)],
    /// The request headers the handler reads (besides `Authorization`).
    pub headers: &'static [&'static str],
    /// The body the handler reads.
    pub body: Body,
    /// Who may call it.
    pub auth: Auth,
    /// Its success answer.
    pub answer: Answer,
}

const fn r(verb: Verb, path: &'static str, tag: &'static str, summary: &'static str) -> Route {
    Route {
        verb,
        path,
        tag,
        summary,
        query: &[],
        headers: &[],
        body: Body::None,
        auth: Auth::Bearer,
        answer: Answer::Envelope,
    }
}

impl Route {
    const fn q(mut self, query: &'static [(&'static str, Q)]) -> Route {
        self.query = query;
        self
    }
    const fn h(mut self, headers: &'static [&'static str]) -> Route {
        self.headers = headers;
        self
    }
    const fn b(mut self, body: Body) -> Route {
        self.body = body;
        self
    }
    const fn auth(mut self, auth: Auth) -> Route {
        self.auth = auth;
        self
    }
    const fn answer(mut self, answer: Answer) -> Route {
        self.answer = answer;
        self
    }
}

use Verb::{Delete, Get, Post, Put};

const PAGE: &[(&str, Q)] = &[("limit", Q::U32), ("cursor", Q::Str)];
const PAGENUM: &[(&str, Q)] = &[("pagenum", Q::U32), ("pagesize", Q::U32)];
const SELF_USER: &[(&str, Q)] = &[("username", Q::Name)];
const MEMBERS: &[(&str, Q)] = &[
    ("version", Q::Str),
    ("sort", Q::Sort),
    ("limit", Q::U32),
    ("cursor", Q::Str),
    ("pagenum", Q::U32),
    ("pagesize", Q::U32),
    ("joined_time", Q::Bool),
];
const USERNAMES: Body = Body::Json(schema::<shared::UsernamesBody>);

/// The moderation lists (`lists`) under a group's or a room's path.
#[rustfmt::skip]
macro_rules! lists {
    ($base:literal, $tag:literal) => {
        [
            r(Get, concat!($base, "/blocks/users"), $tag, "The block list"),
            r(Post, concat!($base, "/blocks/users"), $tag, "Blocks users").b(USERNAMES),
            r(Post, concat!($base, "/blocks/users/{users}"), $tag, "Blocks one user"),
            r(Delete, concat!($base, "/blocks/users/{users}"), $tag, "Unblocks users (comma list)"),
            r(Get, concat!($base, "/white/users"), $tag, "The allow list"),
            r(Post, concat!($base, "/white/users"), $tag, "Allows users").b(USERNAMES),
            r(Post, concat!($base, "/white/users/{users}"), $tag, "Allows one user"),
            r(Delete, concat!($base, "/white/users/{users}"), $tag, "Disallows users (comma list)"),
            r(Get, concat!($base, "/white/users/{users}"), $tag, "Whether a user is allowed"),
            r(Get, concat!($base, "/mute"), $tag, "The mutes"),
            r(Post, concat!($base, "/mute"), $tag, "Mutes users")
                .b(Body::Json(schema::<lists::MuteBody>)),
            r(Delete, concat!($base, "/mute/{users}"), $tag, "Unmutes users (comma list)"),
            r(Post, concat!($base, "/ban"), $tag, "Mutes all"),
            r(Delete, concat!($base, "/ban"), $tag, "Ends mute-all"),
        ]
    };
}

const GROUP_LISTS: [Route; 14] = lists!("/{org}/{app}/chatgroups/{g}", "groups");
const ROOM_LISTS: [Route; 14] = lists!("/{org}/{app}/chatrooms/{id}", "rooms");

/// Every route of the Easemob routers, in the order of [`crate::routes::router`] (one line a
/// route, unformatted so that the table reads as one).
#[rustfmt::skip]
pub static ROUTES: &[&[Route]] = &[
    // tokens
    &[r(Post, "/{org}/{app}/token", "tokens", "Issues a token")
        .b(Body::Json(schema::<tokens::TokenBody>))
        .auth(Auth::None)
        .answer(Answer::Token)],
    // users
    &[
        r(Post, "/{org}/{app}/users", "users", "Registers one user or a batch")
            .b(Body::Json(schema::<users::RegisterBody>))
            .auth(Auth::Optional),
        r(Get, "/{org}/{app}/users", "users", "Lists users").q(PAGE),
        r(Delete, "/{org}/{app}/users", "users", "Deletes the oldest users")
            .q(&[("limit", Q::U32)]),
        r(Post, "/{org}/{app}/users/batch/status", "users", "Users' online status").b(USERNAMES),
        r(Get, "/{org}/{app}/users/{username}", "users", "A user"),
        r(Delete, "/{org}/{app}/users/{username}", "users", "Deletes a user"),
        r(Put, "/{org}/{app}/users/{username}", "users", "Sets a user's profile")
            .b(Body::JsonOpt(schema::<bodies::ProfileBody>)),
        r(Get, "/{org}/{app}/users/{username}/export", "users", "A user's data (export)"),
        r(Put, "/{org}/{app}/users/{username}/password", "users", "Changes a password")
            .b(Body::Json(schema::<users::PasswordBody>)),
        r(Post, "/{org}/{app}/users/{username}/deactivate", "users", "Deactivates a user"),
        r(Post, "/{org}/{app}/users/{username}/activate", "users", "Activates a user"),
        r(Get, "/{org}/{app}/users/{username}/disconnect", "users", "Disconnects a user"),
        r(Delete, "/{org}/{app}/users/{username}/disconnect/{resource}", "users", "Disconnects one device"),
        r(Get, "/{org}/{app}/users/{username}/resources", "users", "A user's devices"),
        r(Get, "/{org}/{app}/users/{username}/status", "users", "A user's online status"),
    ],
    // attributes
    &[
        r(Get, "/{org}/{app}/metadata/user/capacity", "attributes", "Attribute bytes used"),
        r(Post, "/{org}/{app}/metadata/user/get", "attributes", "Several users' attributes")
            .b(Body::Json(schema::<attributes::BatchBody>)),
        r(Put, "/{org}/{app}/metadata/user/{username}", "attributes", "Sets attributes")
            .b(Body::JsonOrForm(schema::<bodies::AttributesBody>)),
        r(Get, "/{org}/{app}/metadata/user/{username}", "attributes", "A user's attributes"),
        r(Delete, "/{org}/{app}/metadata/user/{username}", "attributes", "Deletes attributes"),
    ],
    // contacts
    &[
        r(Post, "/{org}/{app}/users/{owner}/contacts/users/{friend}", "contacts", "Adds a friend"),
        r(Delete, "/{org}/{app}/users/{owner}/contacts/users/{friend}", "contacts", "Removes a friend"),
        r(Put, "/{org}/{app}/user/{owner}/contacts/users/{friend}", "contacts", "Sets a friend's remark")
            .b(Body::Json(schema::<contacts::RemarkBody>)),
        r(Put, "/{org}/{app}/users/{owner}/contacts/users/{friend}", "contacts", "Sets a friend's remark (the Java SDK 2.x path)")
            .b(Body::Json(schema::<contacts::RemarkBody>)),
        r(Get, "/{org}/{app}/users/{owner}/contacts/users", "contacts", "All friends"),
        r(Get, "/{org}/{app}/user/{owner}/contacts", "contacts", "Friends, a page")
            .q(&[("limit", Q::U32), ("cursor", Q::Str), ("needReturnRemark", Q::Bool)]),
        r(Get, "/{org}/{app}/users/{owner}/contacts", "contacts", "Friends, a page (the Java SDK 2.x path)")
            .q(&[("limit", Q::U32), ("cursor", Q::Str), ("needReturnRemark", Q::Bool)]),
        r(Post, "/{org}/{app}/users/{owner}/contacts/import", "contacts", "Imports friends")
            .q(&[("isSendNotice", Q::Bool)])
            .b(USERNAMES),
    ],
    // blocks
    &[
        r(Post, "/{org}/{app}/users/{owner}/blocks/users", "blocks", "Blocks users").b(USERNAMES),
        r(Get, "/{org}/{app}/users/{owner}/blocks/users", "blocks", "The block list")
            .q(&[("pageSize", Q::U32), ("cursor", Q::Str)]),
        r(Delete, "/{org}/{app}/users/{owner}/blocks/users/{blocked}", "blocks", "Unblocks a user"),
    ],
    // mutes
    &[
        r(Post, "/{org}/{app}/mutes", "mutes", "Sets a user's global mutes")
            .b(Body::Json(schema::<mutes::MuteBody>)),
        r(Get, "/{org}/{app}/mutes", "mutes", "The global mutes")
            .q(&[("pageNum", Q::U32), ("pageSize", Q::U32)]),
        r(Get, "/{org}/{app}/mutes/{username}", "mutes", "A user's global mutes"),
    ],
    // rooms
    &[
        r(Post, "/{org}/{app}/chatrooms/super_admin", "rooms", "Adds a super admin")
            .b(Body::Json(schema::<rooms::SuperAdminBody>)),
        r(Get, "/{org}/{app}/chatrooms/super_admin", "rooms", "The super admins").q(PAGENUM),
        r(Delete, "/{org}/{app}/chatrooms/super_admin/{username}", "rooms", "Removes a super admin"),
        r(Post, "/{org}/{app}/chatrooms", "rooms", "Creates a room")
            .b(Body::Json(schema::<bodies::RoomCreateBody>)),
        r(Get, "/{org}/{app}/chatrooms", "rooms", "Lists rooms").q(PAGE),
        r(Get, "/{org}/{app}/users/{username}/joined_chatrooms", "rooms", "A user's rooms").q(PAGENUM),
        r(Get, "/{org}/{app}/chatrooms/{id}", "rooms", "Rooms' details (comma list)"),
        r(Put, "/{org}/{app}/chatrooms/{id}", "rooms", "Updates a room")
            .b(Body::Json(schema::<bodies::RoomUpdateBody>)),
        r(Delete, "/{org}/{app}/chatrooms/{id}", "rooms", "Deletes a room"),
        r(Get, "/{org}/{app}/chatrooms/{id}/announcement", "rooms", "A room's announcement"),
        r(Post, "/{org}/{app}/chatrooms/{id}/announcement", "rooms", "Sets the announcement")
            .b(Body::Json(schema::<bodies::AnnouncementBody>)),
        r(Get, "/{org}/{app}/chatrooms/{id}/users", "rooms", "A room's members").q(MEMBERS),
        r(Post, "/{org}/{app}/chatrooms/{id}/users", "rooms", "Adds members").b(USERNAMES),
        r(Post, "/{org}/{app}/chatrooms/{id}/users/{users}", "rooms", "Adds one member"),
        r(Delete, "/{org}/{app}/chatrooms/{id}/users/{users}", "rooms", "Removes members (comma list)"),
        r(Get, "/{org}/{app}/chatrooms/{id}/users/{users}", "rooms", "Whether users are members"),
        r(Get, "/{org}/{app}/chatrooms/{id}/export", "rooms", "A room's data (export)"),
        r(Get, "/{org}/{app}/users/{username}/chatrooms/export", "rooms", "A user's room data"),
        r(Post, "/{org}/{app}/chatrooms/{id}/join", "rooms", "Joins a room")
            .q(&[("username", Q::Name), ("leave_other_rooms", Q::Bool)]),
        r(Post, "/{org}/{app}/chatrooms/{id}/leave", "rooms", "Leaves a room").q(SELF_USER),
        r(Get, "/{org}/{app}/chatrooms/{id}/admin", "rooms", "A room's admins"),
        r(Post, "/{org}/{app}/chatrooms/{id}/admin", "rooms", "Adds an admin")
            .b(Body::Json(schema::<bodies::AdminBody>)),
        r(Delete, "/{org}/{app}/chatrooms/{id}/admin/{username}", "rooms", "Removes an admin"),
    ],
    // room_lists
    &[r(Get, "/{org}/{app}/chatrooms/{id}/mute/{users}", "rooms", "Whether users are muted")],
    &ROOM_LISTS,
    // room_attributes
    &[
        r(Post, "/{org}/{app}/metadata/chatroom/{id}", "room_attributes", "A room's attributes")
            .b(Body::JsonOpt(schema::<room_attributes::KeysBody>)),
        r(Get, "/{org}/{app}/metadata/chatroom/{id}/owners", "room_attributes", "Attribute owners"),
        r(Put, "/{org}/{app}/metadata/chatroom/{id}/user/{op}", "room_attributes", "Sets attributes")
            .b(Body::Json(schema::<room_attributes::SetBody>)),
        r(Delete, "/{org}/{app}/metadata/chatroom/{id}/user/{op}", "room_attributes", "Removes attributes")
            .b(Body::JsonOpt(schema::<room_attributes::KeysBody>)),
        r(Put, "/{org}/{app}/metadata/chatroom/{id}/user/{op}/forced", "room_attributes", "Sets attributes, forced")
            .b(Body::Json(schema::<room_attributes::SetBody>)),
        r(Delete, "/{org}/{app}/metadata/chatroom/{id}/user/{op}/forced", "room_attributes", "Removes attributes, forced")
            .b(Body::JsonOpt(schema::<room_attributes::KeysBody>)),
    ],
    // groups
    &[
        r(Post, "/{org}/{app}/chatgroups", "groups", "Creates a group")
            .b(Body::Json(schema::<bodies::GroupCreateBody>)),
        r(Get, "/{org}/{app}/chatgroups", "groups", "Lists groups").q(PAGE),
        r(Get, "/{org}/{app}/chatgroups/user/{username}", "groups", "A user's groups").q(PAGENUM),
        r(Get, "/{org}/{app}/users/{username}/joined_chatgroups", "groups", "A user's groups (legacy)"),
        r(Get, "/{org}/{app}/chatgroups/{g}", "groups", "Groups' details (comma list)"),
        r(Put, "/{org}/{app}/chatgroups/{g}", "groups", "Modifies a group")
            .b(Body::Json(schema::<bodies::GroupModifyBody>)),
        r(Delete, "/{org}/{app}/chatgroups/{g}", "groups", "Destroys a group"),
        r(Post, "/{org}/{app}/chatgroups/{g}/disable", "groups", "Disables a group"),
        r(Post, "/{org}/{app}/chatgroups/{g}/enable", "groups", "Enables a group"),
        r(Get, "/{org}/{app}/chatgroups/{g}/user/{username}/is_joined", "groups", "Whether a user is a member"),
        r(Get, "/{org}/{app}/chatgroups/{g}/users", "groups", "A group's members").q(MEMBERS),
        r(Post, "/{org}/{app}/chatgroups/{g}/users", "groups", "Adds members").b(USERNAMES),
        r(Post, "/{org}/{app}/chatgroups/{g}/users/{users}", "groups", "Adds one member")
            .q(&[("need_notify", Q::Bool)]),
        r(Delete, "/{org}/{app}/chatgroups/{g}/users/{users}", "groups", "Removes members (comma list)"),
        r(Get, "/{org}/{app}/chatgroups/{g}/users/{users}", "groups", "Whether users may speak"),
        r(Get, "/{org}/{app}/chatgroups/{g}/speakers", "groups", "Who may speak"),
        r(Get, "/{org}/{app}/chatgroups/{g}/requests", "groups", "Pending join requests"),
        r(Post, "/{org}/{app}/chatgroups/{g}/requests/{username}/{verdict}", "groups", "Decides a join request"),
        r(Post, "/{org}/{app}/chatgroups/{g}/invite", "groups", "Invites users").b(USERNAMES),
        r(Post, "/{org}/{app}/chatgroups/{g}/invitations/{username}/{verdict}", "groups", "Decides an invitation"),
        r(Get, "/{org}/{app}/chatgroups/{g}/share_files", "groups", "Shared files").q(PAGENUM),
        r(Post, "/{org}/{app}/chatgroups/{g}/share_files", "groups", "Uploads a shared file")
            .q(&[("file_name", Q::Str)])
            .b(Body::Upload(schema::<groups::UploadBody>)),
        r(Get, "/{org}/{app}/chatgroups/{g}/share_files/{file_id}", "groups", "A shared file")
            .answer(Answer::BytesOrEnvelope),
        r(Delete, "/{org}/{app}/chatgroups/{g}/share_files/{file_id}", "groups", "Deletes a shared file"),
        r(Post, "/{org}/{app}/chatgroups/{g}/join", "groups", "Joins a group").q(SELF_USER),
        r(Post, "/{org}/{app}/chatgroups/{g}/leave", "groups", "Leaves a group").q(SELF_USER),
        r(Get, "/{org}/{app}/chatgroups/{g}/admin", "groups", "A group's admins"),
        r(Post, "/{org}/{app}/chatgroups/{g}/admin", "groups", "Adds an admin")
            .b(Body::Json(schema::<bodies::AdminBody>)),
        r(Delete, "/{org}/{app}/chatgroups/{g}/admin/{username}", "groups", "Removes an admin"),
    ],
    &GROUP_LISTS,
    &[
        r(Get, "/{org}/{app}/chatgroups/{g}/announcement", "groups", "A group's announcement"),
        r(Post, "/{org}/{app}/chatgroups/{g}/announcement", "groups", "Sets the announcement")
            .b(Body::Json(schema::<bodies::AnnouncementBody>)),
        r(Put, "/{org}/{app}/metadata/chatgroup/{g}/user/{username}", "groups", "Sets a member's attributes")
            .b(Body::Json(schema::<groups::MetaBody>)),
        r(Get, "/{org}/{app}/metadata/chatgroup/{g}/user/{username}", "groups", "A member's attributes"),
        r(Put, "/{org}/{app}/metadata/chatgroup/{g}/users/batch", "groups", "Sets members' attributes")
            .b(Body::JsonArray(schema::<groups::BatchEntry>)),
        r(Post, "/{org}/{app}/metadata/chatgroup/{g}/get", "groups", "Members' attributes by keys")
            .b(Body::Json(schema::<groups::ByKeysBody>)),
    ],
    // threads
    &[
        r(Post, "/{org}/{app}/thread", "threads", "Creates a thread")
            .b(Body::Json(schema::<bodies::ThreadCreateBody>)),
        r(Get, "/{org}/{app}/thread", "threads", "Lists threads")
            .q(&[("limit", Q::U32), ("cursor", Q::Str), ("sort", Q::Sort)]),
        r(Put, "/{org}/{app}/thread/{t}", "threads", "Renames a thread")
            .b(Body::Json(schema::<threads::NameBody>)),
        r(Delete, "/{org}/{app}/thread/{t}", "threads", "Deletes a thread"),
        r(Get, "/{org}/{app}/thread/{t}/users", "threads", "A thread's members").q(PAGE),
        r(Post, "/{org}/{app}/thread/{t}/users", "threads", "Adds members").b(USERNAMES),
        r(Delete, "/{org}/{app}/thread/{t}/users", "threads", "Removes members").b(USERNAMES),
        r(Post, "/{org}/{app}/thread/{t}/join", "threads", "Joins a thread").q(SELF_USER),
        r(Post, "/{org}/{app}/thread/{t}/leave", "threads", "Leaves a thread").q(SELF_USER),
        r(Get, "/{org}/{app}/threads/user/{username}", "threads", "A user's threads")
            .q(&[("limit", Q::U32), ("sort", Q::Sort), ("cursor", Q::Str)]),
        r(Get, "/{org}/{app}/threads/chatgroups/{g}/user/{username}", "threads", "A user's threads in a group")
            .q(&[("limit", Q::U32), ("sort", Q::Sort), ("cursor", Q::Str)]),
    ],
    // messages
    &[
        r(Post, "/{org}/{app}/messages", "messages", "Sends a message (legacy form)")
            .b(Body::Json(schema::<bodies::LegacyMessageBody>)),
        r(Post, "/{org}/{app}/messages/users", "messages", "Sends to users")
            .b(Body::Json(schema::<bodies::MessageBody>)),
        r(Post, "/{org}/{app}/messages/chatgroups", "messages", "Sends to groups")
            .b(Body::Json(schema::<bodies::MessageBody>)),
        r(Post, "/{org}/{app}/messages/chatrooms", "messages", "Sends to rooms")
            .b(Body::Json(schema::<bodies::MessageBody>)),
        r(Post, "/{org}/{app}/messages/chatgroups/users", "messages", "Sends to some group members")
            .b(Body::Json(schema::<bodies::MessageBody>)),
        r(Post, "/{org}/{app}/messages/chatrooms/users", "messages", "Sends to some room members")
            .b(Body::Json(schema::<bodies::MessageBody>)),
        r(Post, "/{org}/{app}/messages/chatrooms/broadcast", "messages", "Broadcasts to all rooms")
            .b(Body::Json(schema::<bodies::BroadcastBody>)),
        r(Post, "/{org}/{app}/messages/msg_recall", "messages", "Recalls a message")
            .b(Body::Json(schema::<bodies::RecallBody>)),
        r(Post, "/{org}/{app}/messages/recall", "messages", "Recalls messages")
            .b(Body::Json(schema::<bodies::RecallBatchBody>)),
        r(Put, "/{org}/{app}/messages/rewrite/{msg_id}", "messages", "Rewrites a message")
            .b(Body::Json(schema::<bodies::RewriteBody>)),
        r(Delete, "/{org}/{app}/users/{username}/user_channel", "messages", "Deletes a conversation")
            .b(Body::JsonOpt(schema::<bodies::ChannelBody>)),
        r(Post, "/{org}/{app}/rest/message/roaming/user/{username}/delete/all", "messages", "Clears all roaming messages"),
        r(Delete, "/{org}/{app}/rest/message/roaming/chat/user/{username}", "messages", "Clears roaming messages by id")
            .q(&[("msgIdList", Q::Str), ("userId", Q::Str)]),
        r(Delete, "/{org}/{app}/rest/message/roaming/group/user/{username}", "messages", "Clears roaming messages by id")
            .q(&[("msgIdList", Q::Str), ("groupId", Q::Str)]),
        r(Delete, "/{org}/{app}/rest/message/roaming/chat/user/{username}/time", "messages", "Clears a chat up to a time")
            .q(&[("userId", Q::Str), ("delTime", Q::I64)]),
        r(Delete, "/{org}/{app}/rest/message/roaming/group/user/{username}/time", "messages", "Clears a group up to a time")
            .q(&[("groupId", Q::Str), ("delTime", Q::I64)]),
        r(Get, "/{org}/{app}/chatmessages/{time}", "messages", "An hour of history (yyyyMMddHH)"),
        r(Get, "/{org}/{app}/users/{username}/offline_msg_count", "messages", "Offline message count"),
        r(Get, "/{org}/{app}/users/{username}/offline_msg_status/{msg_id}", "messages", "Offline message status"),
    ],
    // chatfiles
    &[
        r(Post, "/{org}/{app}/chatfiles", "chatfiles", "Uploads an attachment")
            .h(&["restrict-access"])
            .b(Body::Multipart),
        r(Get, "/{org}/{app}/chatfiles/{uuid}", "chatfiles", "Downloads an attachment")
            .h(&["share-secret", "thumbnail"])
            .auth(Auth::Optional)
            .answer(Answer::Bytes),
    ],
    // reactions
    &[
        r(Post, "/{org}/{app}/reaction/user/{username}", "reactions", "Adds a reaction")
            .b(Body::Json(schema::<bodies::ReactionBody>)),
        r(Delete, "/{org}/{app}/reaction/user/{username}", "reactions", "Removes a reaction")
            .q(&[("msgId", Q::Str), ("message", Q::Str)]),
        r(Get, "/{org}/{app}/reaction/user/{username}", "reactions", "Reactions on messages")
            .q(&[("msgIdList", Q::Str), ("msgType", Q::Str), ("groupId", Q::Str)]),
        r(Get, "/{org}/{app}/reaction/user/{username}/detail", "reactions", "Who reacted")
            .q(&[("msgId", Q::Str), ("message", Q::Str), ("limit", Q::U32), ("cursor", Q::Str)]),
    ],
    // presence
    &[
        r(Post, "/{org}/{app}/users/{username}/presence", "presence", "Presence of users").b(USERNAMES),
        r(Delete, "/{org}/{app}/users/{username}/presence", "presence", "Unsubscribes")
            .b(Body::JsonOpt(schema::<presence::NamesBody>)),
        r(Get, "/{org}/{app}/users/{username}/presence/sublist", "presence", "Subscriptions")
            .q(&[("pageNum", Q::U32), ("pageSize", Q::U32)]),
        r(Post, "/{org}/{app}/users/{username}/presence/{expiry}", "presence", "Subscribes").b(USERNAMES),
        r(Post, "/{org}/{app}/users/{username}/presence/{resource}/{status}", "presence", "Sets presence")
            .b(Body::JsonOpt(schema::<presence::ExtBody>)),
    ],
    // push
    &[
        r(Put, "/{org}/{app}/push/nickname", "push", "Sets push nicknames")
            .b(Body::JsonArrayOpt(schema::<push::NicknameItem>)),
        r(Put, "/{org}/{app}/users/{username}/notification/language", "push", "Sets the translation language")
            .b(Body::JsonOpt(schema::<bodies::LanguageBody>)),
        r(Get, "/{org}/{app}/users/{username}/notification/language", "push", "The translation language"),
        r(Put, "/{org}/{app}/users/{username}/notification/template", "push", "Sets the push template")
            .b(Body::JsonOpt(schema::<bodies::TemplateBody>)),
        r(Get, "/{org}/{app}/users/{username}/notification/template", "push", "The push template"),
        r(Put, "/{org}/{app}/users/{username}/notification/{chattype}/{key}", "push", "Sets a notification setting")
            .b(Body::JsonOpt(schema::<bodies::NotificationBody>)),
        r(Get, "/{org}/{app}/users/{username}/notification/{chattype}/{key}", "push", "A notification setting"),
        r(Put, "/{org}/{app}/users/{username}/push/binding", "push", "Binds a device")
            .b(Body::JsonOpt(schema::<bodies::BindingBody>)),
        r(Get, "/{org}/{app}/users/{username}/push/binding", "push", "A user's devices"),
    ],
];

/// The operations that create something, for schemathesis' stateful phase: the JSON pointer
/// to the new id in the answer, and the path parameter that names it. Each becomes an OpenAPI
/// link from the creating operation to every operation with that parameter (the other path
/// parameters carried over from the request where the target has them).
pub const LINKS: &[(&str, &str, &str)] = &[
    ("post_users", "/entities/0/username", "username"),
    ("post_chatgroups", "/data/groupid", "g"),
    ("post_chatrooms", "/data/id", "id"),
    ("post_thread", "/data/thread_id", "t"),
    ("post_chatfiles", "/entities/0/uuid", "uuid"),
    ("post_chatgroups_g_share_files", "/data/file_id", "file_id"),
];

/// Every described route as (method, path), in table order.
pub fn easemob_routes() -> Vec<(Method, &'static str)> {
    ROUTES
        .iter()
        .flat_map(|g| g.iter())
        .map(|r| (r.verb.method(), r.path))
        .collect()
}

/// The success envelope: `action`, `path`, `uri`, `entities`, `data`, `count`, `cursor`,
/// `timestamp`, `duration`, `organization`, `application`, `applicationName`, as each operation
/// sets them (the attribute and presence calls answer with the bare one: `timestamp`, `data`
/// or `result`, `duration`). Other fields may appear.
#[derive(ToSchema)]
#[schema(as = Envelope)]
#[allow(dead_code)]
pub struct EnvelopeSchema {
    action: Option<String>,
    application: Option<String>,
    #[schema(rename = "applicationName")]
    application_name: Option<String>,
    organization: Option<String>,
    path: Option<String>,
    uri: Option<String>,
    entities: Option<Vec<serde_json::Value>>,
    data: Option<serde_json::Value>,
    count: Option<u64>,
    cursor: Option<String>,
    /// Epoch milliseconds.
    timestamp: i64,
    /// Milliseconds spent.
    duration: u64,
}

/// The error body every failure carries, with the vendor's HTTP status (see
/// [`crate::error::ApiError::body`]).
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)]
pub struct ErrorSchema {
    /// The vendor's error string, e.g. `illegal_argument`.
    error: String,
    /// What went wrong.
    error_description: String,
    /// The vendor's Java exception name (informational).
    exception: String,
    /// Epoch milliseconds.
    timestamp: i64,
    /// Milliseconds spent.
    duration: u64,
}

/// The token endpoint's answer.
#[derive(ToSchema)]
#[schema(as = Token)]
#[allow(dead_code)]
pub struct TokenSchema {
    /// The token, for `Authorization: Bearer …`.
    access_token: String,
    /// Seconds until it expires.
    expires_in: u64,
    /// The app's uuid.
    application: Option<String>,
    /// The user (password and inherit grants).
    user: Option<serde_json::Value>,
}

/// The description's fixed parts: info, the bearer scheme, the answer schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "imcore-server: Easemob REST",
        description = "The Easemob (环信) REST surface of imcore-server, under /{org}/{app}. \
                       Every path answers 200 with the vendor's envelope, or the vendor's \
                       error body with its HTTP status.",
    ),
    components(schemas(EnvelopeSchema, ErrorSchema, TokenSchema)),
    security(("bearer" = [])),
    modifiers(&Bearer),
)]
struct Base;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut Document) {
        let c = doc.components.get_or_insert_with(Components::new);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An app or user token from POST /{org}/{app}/token"))
                    .build(),
            ),
        );
    }
}

fn json_content(schema: impl Into<RefOr<Schema>>) -> Content {
    Content::new(Some(schema))
}

fn component(c: &mut Components, f: SchemaFn) -> Ref {
    let n = f();
    for (name, s) in n.deps {
        c.schemas.entry(name).or_insert(s);
    }
    c.schemas.entry(n.name.clone()).or_insert(n.schema);
    Ref::from_schema_name(n.name)
}

fn binary() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .format(Some(SchemaFormat::Custom("binary".into())))
        .build()
        .into()
}

fn query_schema(q: Q) -> Schema {
    let o = ObjectBuilder::new();
    match q {
        Q::Str => o.schema_type(SchemaType::new(Type::String)),
        Q::Name => o
            .schema_type(SchemaType::new(Type::String))
            .pattern(Some(NAME)),
        Q::U32 => o
            .schema_type(SchemaType::new(Type::Integer))
            .minimum(Some(0))
            .maximum(Some(u32::MAX)),
        Q::I64 => o
            .schema_type(SchemaType::new(Type::Integer))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        Q::Bool => o.schema_type(SchemaType::new(Type::Boolean)),
        Q::Sort => o
            .schema_type(SchemaType::new(Type::String))
            .enum_values(Some(["asc", "desc"])),
    }
    .build()
    .into()
}

/// A user name as the engine takes it (`imcore::UserName::parse`): 1 to 64 of `[A-Za-z0-9_.-]`;
/// others are `400 illegal_argument`.
pub const NAME: &str = "^[A-Za-z0-9_.-]{1,64}$";

/// One user name or several, comma-separated (path parameter `{users}`).
pub const NAMES: &str = "^[A-Za-z0-9_.-]{1,64}(,[A-Za-z0-9_.-]{1,64})*$";

/// The schema of a path parameter: user names have [`NAME`] (or [`NAMES`]), the rest are
/// any text (ids the engine looks up, verbs the handler matches).
fn path_schema(name: &str) -> Schema {
    let s = ObjectBuilder::new().schema_type(SchemaType::new(Type::String));
    match name {
        "username" | "owner" | "friend" | "blocked" | "op" => s.pattern(Some(NAME)),
        "users" => s.pattern(Some(NAMES)),
        _ => s,
    }
    .build()
    .into()
}

/// The names of a path template's parameters, in order.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn operation(route: &Route, c: &mut Components) -> utoipa::openapi::path::Operation {
    let string = || ObjectBuilder::new().schema_type(SchemaType::new(Type::String));
    let mut op = OperationBuilder::new()
        .tag(route.tag)
        .summary(Some(route.summary))
        .operation_id(Some(operation_id(route)));
    for p in path_params(route.path) {
        op = op.parameter(
            ParameterBuilder::new()
                .name(p)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(path_schema(p))),
        );
    }
    for &(name, q) in route.query {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(query_schema(q))),
        );
    }
    for &h in route.headers {
        op = op.parameter(
            ParameterBuilder::new()
                .name(h)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .schema(Some(string())),
        );
    }
    let multipart = || {
        Content::new(Some(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::Object))
                .property("file", binary()),
        ))
    };
    let body = match route.body {
        Body::None => None,
        Body::Json(f) => Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", json_content(component(c, f))),
        ),
        Body::JsonOpt(f) => Some(
            RequestBodyBuilder::new()
                .required(Some(Required::False))
                .content("application/json", json_content(component(c, f))),
        ),
        Body::JsonArray(f) | Body::JsonArrayOpt(f) => Some(
            RequestBodyBuilder::new()
                .required(Some(if matches!(route.body, Body::JsonArray(_)) {
                    Required::True
                } else {
                    Required::False
                }))
                .content(
                    "application/json",
                    json_content(ArrayBuilder::new().items(component(c, f))),
                ),
        ),
        Body::JsonOrForm(f) => {
            let s = component(c, f);
            Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content("application/json", json_content(s.clone()))
                    .content("application/x-www-form-urlencoded", json_content(s)),
            )
        }
        Body::Multipart => Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("multipart/form-data", multipart()),
        ),
        Body::Upload(f) => Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("multipart/form-data", multipart())
                .content("application/octet-stream", Content::new(Some(binary())))
                .content("application/json", json_content(component(c, f))),
        ),
    };
    op = op.request_body(body.map(|b| b.build()));
    let envelope = || json_content(Ref::from_schema_name("Envelope"));
    let bytes = || Content::new(Some(binary()));
    let mut ok = match route.answer {
        Answer::Envelope => ResponseBuilder::new()
            .description("The vendor's envelope")
            .content("application/json", envelope()),
        Answer::Token => ResponseBuilder::new().description("A token").content(
            "application/json",
            json_content(Ref::from_schema_name("Token")),
        ),
        Answer::Bytes => ResponseBuilder::new()
            .description("The file's bytes")
            .content("application/octet-stream", bytes()),
        Answer::BytesOrEnvelope => ResponseBuilder::new()
            .description("The file's bytes, or its metadata when no bytes were uploaded")
            .content("application/octet-stream", bytes())
            .content("application/json", envelope()),
    };
    let id = operation_id(route);
    for &(_, pointer, param) in LINKS.iter().filter(|(source, _, _)| *source == id) {
        let from = path_params(route.path);
        for target in ROUTES.iter().flat_map(|g| g.iter()) {
            let params = path_params(target.path);
            if !params.contains(&param) {
                continue;
            }
            let mut link = LinkBuilder::new().operation_id(operation_id(target));
            for p in params {
                if p == param {
                    link = link.parameter(p, format!("$response.body#{pointer}"));
                } else if from.contains(&p) {
                    link = link.parameter(p, format!("$request.path.{p}"));
                }
            }
            ok = ok.link(operation_id(target), link.build());
        }
    }
    op = op.response("200", ok);
    // The statuses every route of its kind can answer, from the layers in front of the
    // handler; the handler's own (403, 404 for what the path names, ...) are the default's.
    let error = |why: &str| {
        ResponseBuilder::new().description(why).content(
            "application/json",
            json_content(Ref::from_schema_name("Error")),
        )
    };
    let mut statuses = vec![(
        "400",
        "A malformed parameter or body (illegal_argument, json_parse, ...)",
    )];
    // The token endpoint answers an unknown app as it answers wrong credentials (400).
    if route.auth != Auth::None {
        statuses.push(("401", "No token, or a bad or expired one"));
        statuses.push(("404", "The app, or what the path names, does not exist"));
    }
    if !matches!(route.body, Body::None) {
        statuses.push(("413", "The body is over the size limit"));
        statuses.push(("415", "The body's content type is not one the route reads"));
    }
    statuses.push(("429", "Over the app's rate limit (reach_limit)"));
    statuses.sort();
    for (status, why) in statuses {
        op = op.response(status, error(why));
    }
    op = op.response(
        "default",
        error("Any other vendor error, with its HTTP status (5xx only for a server fault)"),
    );
    op = match route.auth {
        Auth::Bearer => op,
        Auth::None => op.securities(Some([SecurityRequirement::default()])),
        Auth::Optional => op.securities(Some([
            SecurityRequirement::default(),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ])),
    };
    op.build()
}

/// A unique id: the method and the path's words, e.g. `get_users_username_export`.
fn operation_id(route: &Route) -> String {
    let mut id = format!("{:?}", route.verb).to_ascii_lowercase();
    for seg in route.path.split('/').skip(3).filter(|s| !s.is_empty()) {
        id.push('_');
        id.push_str(seg.trim_matches(|c| c == '{' || c == '}'));
    }
    id
}

/// The whole description.
pub fn document() -> Document {
    let mut doc = Base::openapi();
    let mut c = doc.components.take().unwrap_or_default();
    for route in ROUTES.iter().flat_map(|g| g.iter()) {
        let op = operation(route, &mut c);
        let item = PathItem::new(route.verb.http(), op);
        match doc.paths.paths.get_mut(route.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                doc.paths.paths.insert(route.path.to_owned(), item);
            }
        }
    }
    doc.components = Some(c);
    doc
}

/// The description as JSON text, built once.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| document().to_json().expect("the description serializes"))
}

/// `GET /openapi.json`: the description (no token needed).
pub async fn serve() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
        .into_response()
}

/// Schemas of the bodies that handlers read field by field from a JSON object (no
/// deserialized type exists for them): the fields each handler reads, with the JSON types it
/// accepts. Other fields are ignored by the handler.
pub mod bodies {
    #![allow(dead_code)]
    use serde_json::Value;
    use utoipa::ToSchema;

    /// `PUT /users/{username}`.
    #[derive(ToSchema)]
    pub struct ProfileBody {
        nickname: Option<String>,
        /// 0 or 1.
        notification_display_style: Option<u8>,
        notification_no_disturbing: Option<bool>,
        /// An hour, 0–23.
        notification_no_disturbing_start: Option<u8>,
        /// An hour, 0–23.
        notification_no_disturbing_end: Option<u8>,
    }

    /// `PUT /metadata/user/{username}`: attribute names and values (non-strings are stored
    /// as their JSON text).
    #[derive(ToSchema)]
    pub struct AttributesBody(std::collections::BTreeMap<String, Value>);

    /// `POST /chatrooms`.
    #[derive(ToSchema)]
    pub struct RoomCreateBody {
        name: Option<String>,
        description: Option<String>,
        owner: Option<String>,
        maxusers: Option<u32>,
        members: Option<Vec<String>>,
        custom: Option<String>,
    }

    /// `PUT /chatrooms/{id}`.
    #[derive(ToSchema)]
    pub struct RoomUpdateBody {
        name: Option<String>,
        description: Option<String>,
        maxusers: Option<u32>,
        custom: Option<String>,
    }

    /// `POST …/announcement`.
    #[derive(ToSchema)]
    pub struct AnnouncementBody {
        announcement: Option<String>,
    }

    /// `POST …/admin`.
    #[derive(ToSchema)]
    pub struct AdminBody {
        newadmin: Option<String>,
    }

    /// `POST /chatgroups`.
    #[derive(ToSchema)]
    pub struct GroupCreateBody {
        owner: Option<String>,
        members: Option<Vec<String>>,
        /// `normal` or `large`.
        scale: Option<String>,
        public: Option<bool>,
        groupname: Option<String>,
        description: Option<String>,
        avatar: Option<String>,
        maxusers: Option<u32>,
        membersonly: Option<bool>,
        allowinvites: Option<bool>,
        invite_need_confirm: Option<bool>,
        custom: Option<String>,
        groupid: Option<String>,
        /// The older name of `description`, which the vendor's Java SDK sends.
        desc: Option<String>,
        /// The older name of `membersonly`, which the vendor's Java SDK sends.
        members_only: Option<bool>,
        /// The vendor's content check; accepted and ignored.
        need_verify: Option<bool>,
    }

    /// `PUT /chatgroups/{g}` (`newowner` transfers the group).
    #[derive(ToSchema)]
    pub struct GroupModifyBody {
        newowner: Option<String>,
        groupname: Option<String>,
        description: Option<String>,
        avatar: Option<String>,
        maxusers: Option<u32>,
        membersonly: Option<bool>,
        allowinvites: Option<bool>,
        invite_need_confirm: Option<bool>,
        public: Option<bool>,
        custom: Option<String>,
        /// Another name of `groupname`, which the vendor's Java SDK sends.
        name: Option<String>,
        /// The vendor's content check; accepted and ignored.
        need_verify: Option<bool>,
    }

    /// `POST /thread`.
    #[derive(ToSchema)]
    pub struct ThreadCreateBody {
        group_id: Option<String>,
        name: Option<String>,
        msg_id: Option<String>,
        owner: Option<String>,
    }

    /// `POST /messages/{users|chatgroups|chatrooms}[/users]` (`users`: the directed forms).
    #[derive(ToSchema)]
    pub struct MessageBody {
        from: Option<String>,
        /// One target or several.
        to: Option<Vec<String>>,
        users: Option<Vec<String>>,
        #[schema(rename = "type")]
        msg_type: Option<String>,
        body: Option<Value>,
        ext: Option<Value>,
        sync_device: Option<bool>,
        routetype: Option<String>,
        roam_ignore_users: Option<Vec<String>>,
        chatroom_msg_level: Option<String>,
        msg_timestamp: Option<i64>,
        need_group_ack: Option<bool>,
    }

    /// `POST /messages` (the legacy form).
    #[derive(ToSchema)]
    pub struct LegacyMessageBody {
        /// `users`, `chatgroups` or `chatrooms`.
        target_type: Option<String>,
        target: Option<Vec<String>>,
        msg: Option<Value>,
        from: Option<String>,
        ext: Option<Value>,
    }

    /// `POST /messages/chatrooms/broadcast`.
    #[derive(ToSchema)]
    pub struct BroadcastBody {
        msg: Option<Value>,
        from: Option<String>,
        ext: Option<Value>,
        chatroom_msg_level: Option<String>,
    }

    /// `POST /messages/msg_recall`, and each item of `POST /messages/recall`.
    #[derive(ToSchema)]
    pub struct RecallBody {
        msg_id: Option<String>,
        to: Option<String>,
        chat_type: Option<String>,
        from: Option<String>,
        force: Option<bool>,
    }

    /// `POST /messages/recall`.
    #[derive(ToSchema)]
    pub struct RecallBatchBody {
        msgs: Option<Vec<RecallBody>>,
    }

    /// `new_msg` of a rewrite.
    #[derive(ToSchema)]
    pub struct NewContentBody {
        #[schema(rename = "type")]
        msg_type: Option<String>,
        msg: Option<String>,
        #[schema(rename = "customEvent")]
        custom_event: Option<String>,
        #[schema(rename = "customExts")]
        custom_exts: Option<Value>,
    }

    /// `PUT /messages/rewrite/{msg_id}`.
    #[derive(ToSchema)]
    pub struct RewriteBody {
        new_msg: Option<NewContentBody>,
        user: Option<String>,
        new_ext: Option<Value>,
        is_combine_ext: Option<bool>,
    }

    /// `DELETE /users/{username}/user_channel`.
    #[derive(ToSchema)]
    pub struct ChannelBody {
        channel: Option<String>,
        #[schema(rename = "type")]
        chat_type: Option<String>,
        delete_roam: Option<bool>,
    }

    /// `POST /reaction/user/{username}`.
    #[derive(ToSchema)]
    pub struct ReactionBody {
        #[schema(rename = "msgId")]
        msg_id: Option<String>,
        message: Option<String>,
    }

    /// `PUT /users/{username}/notification/language`.
    #[derive(ToSchema)]
    pub struct LanguageBody {
        #[schema(rename = "translationLanguage")]
        translation_language: Option<String>,
    }

    /// `PUT /users/{username}/notification/template`.
    #[derive(ToSchema)]
    pub struct TemplateBody {
        #[schema(rename = "templateName")]
        template_name: Option<String>,
    }

    /// `PUT /users/{username}/notification/{chattype}/{key}`.
    #[derive(ToSchema)]
    pub struct NotificationBody {
        /// `DEFAULT`, `ALL`, `AT` or `NONE`.
        #[schema(rename = "type")]
        kind: Option<String>,
        #[schema(rename = "ignoreInterval")]
        ignore_interval: Option<String>,
        #[schema(rename = "ignoreDuration")]
        ignore_duration: Option<i64>,
    }

    /// `PUT /users/{username}/push/binding`.
    #[derive(ToSchema)]
    pub struct BindingBody {
        device_id: Option<String>,
        notifier_name: Option<String>,
        device_token: Option<String>,
    }
}
