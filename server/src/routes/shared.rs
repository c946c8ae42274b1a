//! Request shapes and helpers the route modules share, so that each handler is parse → one
//! engine call → render:
//!
//! - path parameters as typed ids ([`group`], [`thread`], [`room`], [`room_q`]) and lists
//!   ([`comma_list`]);
//! - the users a call names ([`Named`]: one in the path, a comma list, or a body
//!   `{usernames}`) and who joins or leaves ([`self_user`]);
//! - query parameters ([`cursor`], [`sort`]);
//! - JSON bodies ([`UsernamesBody`], and the field readers [`text`], [`flag`], [`number`],
//!   [`string_list`], [`whole_number`], [`as_text`]);
//! - the JSON shapes answers share ([`names_json`], [`object_json`], [`strings_json`],
//!   [`expire_json`], batch items: [`Items`], [`items_json`], [`results_json`]) and the
//!   envelopes of lists ([`names_answer`], [`listing`], [`page_answer`]).
//!
//! Errors of the request's shape (a field of the wrong JSON type, a bad `sort`) are the host's;
//! everything the engine checks (ids that name nothing, illegal or unknown users, ranges) is
//! left to the engine or answered with the engine's own error values.

use axum::body::Body;
use imcore::groups::{GroupMemberRemoved, GroupSort};
use imcore::{Actor, BatchItem, Exec, Expiry, GroupId, RoomId, ThreadId, UserName};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;

// ---------------------------------------------------------------------------------------------
// Path parameters

/// The group in path parameter `{g}`. Any text names a group for the engine, which answers
/// for one that does not exist.
pub fn group(call: &Call) -> GroupId {
    call.param("g").into()
}

/// The thread in path parameter `{t}` (any text, as for groups).
pub fn thread(call: &Call) -> ThreadId {
    call.param("t").into()
}

/// The room in path parameter `{id}` for a command: text that is no room id is the engine's
/// `E_ROOM` naming it ([`RoomId::for_command`]).
///
/// # Errors
/// `404 resource_not_found`.
pub fn room(call: &Call) -> ApiResult<RoomId> {
    Ok(RoomId::for_command(call.param("id"))?)
}

/// The room in path parameter `{id}` for a details, member or export read: `E_ROOM_Q` for
/// text that is no room id ([`RoomId::for_read`]).
///
/// # Errors
/// `404 service_resource_not_found`.
pub fn room_q(call: &Call) -> ApiResult<RoomId> {
    Ok(RoomId::for_read(call.param("id"))?)
}

/// `e` with `params`: the named query parameters the request gave, each as a one-element
/// array of its text, as the vendor echoes them on its paged listings (`params: {pagesize:
/// ["2"], pagenum: ["2"]}`; the vendor's Java SDK reads `params.pagenum` to page group
/// members, room members and room super admins). Without any of them, `e` unchanged.
pub fn with_params(call: &Call, e: Envelope, names: &[&str]) -> Envelope {
    let given: Map<String, Value> = names
        .iter()
        .filter_map(|n| {
            call.query(n)
                .map(|v| ((*n).to_owned(), Value::Array(vec![v.into()])))
        })
        .collect();
    if given.is_empty() {
        e
    } else {
        e.field("params", Value::Object(given))
    }
}

/// The comma-separated items of a path parameter (`g1,g2`); none for empty text.
pub fn comma_list(raw: &str) -> Vec<&str> {
    if raw.is_empty() {
        Vec::new()
    } else {
        raw.split(',').collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Users named by a call

/// `{"usernames": [..]}`, the body of every call that names several users.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UsernamesBody {
    /// The names as sent (absent or `null`: none).
    #[serde(default, deserialize_with = "null_default")]
    pub usernames: Vec<String>,
}

/// Reads a body field whose JSON `null` means the same as its absence (the vendor's Jackson
/// binding reads both as missing): the type's default for `null`, the value otherwise. Used
/// with `#[serde(default, deserialize_with = "null_default")]`, so that `{"password": null}`
/// gets the engine's "missing" error (`400 illegal_argument`), not a `400 json_parse`.
///
/// # Errors
/// The value's own, when it is neither `null` nor a `T`.
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// User names from a body; each must be a legal name (`400 illegal_argument`).
///
/// # Errors
/// The first illegal name's.
pub fn body_users(names: &[String]) -> ApiResult<Vec<UserName>> {
    Ok(names
        .iter()
        .map(|n| UserName::parse(n))
        .collect::<imcore::Result<Vec<_>>>()?)
}

/// The users a call names, in the form the vendor answers it: one user in the path is the
/// single-user form (the answer is one object); users after a comma in the path, or in a body
/// `{usernames}`, are the batch form (the answer is an array).
pub enum Named {
    /// One user in the path.
    One(UserName),
    /// Several in the path, or a body's.
    Many(Vec<UserName>),
}

impl Named {
    /// A `POST`'s users: the one in path parameter `{users}` when the route has it (a comma
    /// makes no list here, and no legal name), else the body's `usernames`. Only the body
    /// form reads the body.
    ///
    /// # Errors
    /// The body's (`415`, `413`, `400 json_parse`); an illegal name's `400 illegal_argument`.
    pub async fn posted(call: &Call, body: Body) -> ApiResult<Named> {
        if call.has_param("users") {
            return Ok(Named::One(call.user("users")?));
        }
        let b: UsernamesBody = call.json(body).await?;
        Ok(Named::Many(body_users(&b.usernames)?))
    }

    /// The users in path parameter `{users}`: one, or a comma-separated list.
    ///
    /// # Errors
    /// The first illegal name's `400 illegal_argument`.
    pub fn in_path(call: &Call) -> ApiResult<Named> {
        let raw = call.param("users");
        if !raw.contains(',') {
            return Ok(Named::One(UserName::parse(raw)?));
        }
        let users = raw.split(',').map(UserName::parse);
        Ok(Named::Many(users.collect::<imcore::Result<_>>()?))
    }

    /// The users, whichever the form.
    pub fn into_vec(self) -> Vec<UserName> {
        match self {
            Named::One(u) => vec![u],
            Named::Many(us) => us,
        }
    }

    /// Runs, for the group or room `at`, the single-user command `one` for the single form or
    /// the batch command `many` for the batch form; the answer keeps the form.
    ///
    /// # Errors
    /// The command's.
    pub fn run<T, O, M>(
        self,
        call: &Call,
        at: &T,
        one: impl FnOnce(T, UserName) -> O,
        many: impl FnOnce(T, Vec<UserName>) -> M,
    ) -> ApiResult<Items>
    where
        T: Clone,
        O: Exec + Clone,
        O::Reply: OneReply,
        M: Exec<Reply = Vec<BatchItem>> + Clone,
    {
        let at = at.clone();
        Ok(match self {
            Named::One(user) => Items {
                single: true,
                items: call.exec(one(at, user.clone()))?.into_items(user),
            },
            Named::Many(users) => Items {
                single: false,
                items: call.exec(many(at, users))?,
            },
        })
    }
}

/// The reply of a command for one user, as batch items.
pub trait OneReply {
    /// The items for `user`, the one the command named.
    fn into_items(self, user: UserName) -> Vec<BatchItem>;
}

/// Whether it applied.
impl OneReply for bool {
    fn into_items(self, user: UserName) -> Vec<BatchItem> {
        vec![BatchItem {
            user,
            result: self,
            reason: None,
        }]
    }
}

/// A batch command run for one user: its items as they are.
impl OneReply for Vec<BatchItem> {
    fn into_items(self, _user: UserName) -> Vec<BatchItem> {
        self
    }
}

impl OneReply for GroupMemberRemoved {
    fn into_items(self, _user: UserName) -> Vec<BatchItem> {
        self.result.into_items(self.user)
    }
}

/// Who joins or leaves: the caller for a user token, else the `username` query parameter;
/// `missing` when there is neither.
///
/// # Errors
/// `missing`; an illegal `username`'s `400 illegal_argument`.
pub fn self_user(call: &Call, missing: impl Into<imcore::Error>) -> ApiResult<UserName> {
    match (&call.actor, call.query("username")) {
        (Actor::User(u), None) => Ok(u.clone()),
        (_, Some(n)) => Ok(UserName::parse(n)?),
        (_, None) => Err(missing.into().into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Query parameters

/// The `cursor` query parameter, as the engine takes it; absent or empty (`cursor=`, the
/// first page) is `None`, as for the other query parameters ([`Call::query_u32`]).
pub fn cursor(call: &Call) -> Option<String> {
    call.query("cursor")
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// The `sort` query parameter (`asc` or `desc`, any case); absent or empty is `None`.
///
/// # Errors
/// `400 invalid_parameter` for anything else.
pub fn sort(call: &Call) -> ApiResult<Option<GroupSort>> {
    match call.query("sort") {
        None | Some("") => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("asc") => Ok(Some(GroupSort::Asc)),
        Some(s) if s.eq_ignore_ascii_case("desc") => Ok(Some(GroupSort::Desc)),
        Some(s) => Err(ApiError::new(
            400,
            "invalid_parameter",
            format!("sort must be asc or desc, got {s}"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON body fields (bodies read as a JSON object)

/// A string field; absent or `null` is `None`.
///
/// # Errors
/// `400 json_parse` for another type.
pub fn text(m: &Map<String, Value>, k: &str) -> ApiResult<Option<String>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::json_parse(format!("{k} must be a string"))),
    }
}

/// A boolean field, also as the string `true` or `false` (any case); absent or `null` is
/// `None`.
///
/// # Errors
/// `400 json_parse` for anything else.
pub fn flag(m: &Map<String, Value>, k: &str) -> ApiResult<Option<bool>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::json_parse(format!("{k} must be true or false"))),
    }
}

/// A count field such as `maxusers`: a whole number, also as a string of one; a number outside
/// `u32` (negative, too large, fractional) becomes 0, which the engine refuses with its own
/// range error. Absent or `null` is `None`.
///
/// # Errors
/// `400 json_parse` for another type or a string that is no whole number.
pub fn number(m: &Map<String, Value>, k: &str) -> ApiResult<Option<u32>> {
    let not_a_number = || ApiError::json_parse(format!("{k} must be a number"));
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(
            n.as_i64().and_then(|i| u32::try_from(i).ok()).unwrap_or(0),
        )),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(|i| Some(u32::try_from(i).unwrap_or(0)))
            .map_err(|_| not_a_number()),
        Some(_) => Err(not_a_number()),
    }
}

/// An array-of-strings field such as `members`; absent or `null` is `None`.
///
/// # Errors
/// `400 json_parse` for anything else.
pub fn string_list(m: &Map<String, Value>, k: &str) -> ApiResult<Option<Vec<String>>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|_| ApiError::json_parse(format!("{k} must be an array of user names"))),
    }
}

/// A value that is a whole number: an `i64`, or a string of one (spaces around allowed).
/// `None` for anything else.
pub fn whole_number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Attribute pairs as text: strings as they are, other JSON values as their JSON text.
pub fn as_text<C: FromIterator<(String, String)>>(
    pairs: impl IntoIterator<Item = (String, Value)>,
) -> C {
    pairs
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Answers

/// User names as a JSON array of strings.
pub fn names_json(names: &[UserName]) -> Value {
    Value::Array(names.iter().map(|n| n.as_str().into()).collect())
}

/// The answer of a list read: `data: [user]`, `count`.
pub fn names_answer(call: &Call, names: &[UserName]) -> Envelope {
    Envelope::full(call)
        .count(names.len())
        .data(names_json(names))
}

/// The answer of a vendor listing: `entities: []`, `data`, `count` (add `cursor` or `total`
/// where the listing has one).
pub fn listing(call: &Call, data: Vec<Value>) -> Envelope {
    listing_of(call, &data)
}

/// [`listing`] of names (usernames, group or room ids), written straight to JSON text.
pub fn listing_names<'a>(call: &Call, names: impl ExactSizeIterator<Item = &'a str>) -> Envelope {
    Envelope::full(call)
        .entities(vec![])
        .count(names.len())
        .data_strings(names)
}

/// [`listing`] of any serializable items, written straight to JSON text (for listings of many
/// names, `&str` items spare a `Value` a name).
pub fn listing_of<T: serde::Serialize>(call: &Call, data: &[T]) -> Envelope {
    Envelope::full(call)
        .entities(vec![])
        .count(data.len())
        .data_serialized(&data)
}

/// The answer of a cursor page whose `data` is an object: `data` (with `cursor` inside too
/// when more follow, as the vendor), `count`, and `cursor` at the top.
pub fn page_answer(call: &Call, mut data: Value, count: usize, cursor: Option<String>) -> Envelope {
    if let Some(c) = &cursor {
        data["cursor"] = c.as_str().into();
    }
    Envelope::full(call).count(count).data(data).cursor(cursor)
}

/// Key/value pairs as a JSON object (a later repeat of a key wins).
pub fn object_json<K: Into<String>, V: Into<Value>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
    )
}

/// Text pairs (attributes) as a JSON object of strings, in their order.
pub fn strings_json<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    object_json(pairs.into_iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// An expiry as the vendor shows it: epoch ms, `-1` for forever.
pub fn expire_json(e: Expiry) -> Value {
    match e {
        Expiry::Never => Value::from(-1),
        Expiry::At(t) => Value::from(t.0),
    }
}

/// The group or room the items of a batch answer name: the key (`groupid`, `chatroomid`,
/// `id`) and the id as text.
pub struct Scope {
    key: &'static str,
    id: String,
}

impl Scope {
    /// Items that name `id` under `key`.
    pub fn new(key: &'static str, id: impl ToString) -> Scope {
        Scope {
            key,
            id: id.to_string(),
        }
    }
}

/// Batch items in the form the call named its users ([`Named`]).
pub struct Items {
    single: bool,
    items: Vec<BatchItem>,
}

impl Items {
    /// The answer's `data`: one object for the single form, an array for the batch form,
    /// each item as [`items_json`] shows it.
    pub fn json(&self, action: &str, scope: &Scope) -> Value {
        let mut all = self.items.iter().map(|i| item_json(i, action, scope));
        if self.single {
            all.next().unwrap_or(Value::Null)
        } else {
            Value::Array(all.collect())
        }
    }
}

/// Batch items as an array of `{result, action, user, <key>: id, reason?}`.
pub fn items_json(items: &[BatchItem], action: &str, scope: &Scope) -> Value {
    Value::Array(items.iter().map(|i| item_json(i, action, scope)).collect())
}

fn item_json(i: &BatchItem, action: &str, scope: &Scope) -> Value {
    let mut m = Map::new();
    m.insert("result".into(), i.result.into());
    m.insert("action".into(), action.into());
    m.insert("user".into(), i.user.as_str().into());
    m.insert(scope.key.into(), scope.id.as_str().into());
    if let Some(r) = &i.reason {
        m.insert("reason".into(), r.as_str().into());
    }
    Value::Object(m)
}

/// Per-user results without an action: `{result, user, expire?, reason?}` (mutes, unmutes,
/// thread kicks).
pub fn results_json<'a>(
    items: impl IntoIterator<Item = (bool, &'a UserName, Option<Expiry>, Option<&'a str>)>,
) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|(result, user, expire, reason)| {
                let mut m = Map::new();
                m.insert("result".into(), result.into());
                m.insert("user".into(), user.as_str().into());
                if let Some(e) = expire {
                    m.insert("expire".into(), expire_json(e));
                }
                if let Some(r) = reason {
                    m.insert("reason".into(), r.into());
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// [`results_json`] for batch items.
pub fn batch_results_json(items: &[BatchItem]) -> Value {
    results_json(
        items
            .iter()
            .map(|i| (i.result, &i.user, None, i.reason.as_deref())),
    )
}
