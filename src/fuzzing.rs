//! Fuzzing only (feature `fuzzing`): the small pools that generated commands and queries draw
//! their free-form fields from, so that a generated value keeps meeting what earlier commands
//! stored (the same password, token, resource, attribute key, file id, thread message id...)
//! and keeps hitting the caps and the validation edges (empty, one past the longest).
//!
//! Each function is a field generator for `#[arbitrary(with = ...)]`. Names, group, thread
//! and room ids come from the pools in [`crate::ids`]. Lengths are chosen so that small
//! per-app limits (as fuzz targets and model tests set them) are reached and the defaults'
//! edges are crossed; text mixes one- and two-byte characters so that byte and char counts
//! differ.

use arbitrary::{Arbitrary, Result, Unstructured};
use indexmap::IndexMap;

use crate::ids::{GroupId, USER_POOL, UserName};
use crate::time::Millis;

/// `len` characters, every seventh one two bytes long (`é`).
pub fn text_of(len: usize) -> String {
    (0..len)
        .map(|i| if i % 7 == 3 { 'é' } else { 'x' })
        .collect()
}

fn pick<T: Clone>(u: &mut Unstructured<'_>, pool: &[T]) -> Result<T> {
    Ok(u.choose(pool)?.clone())
}

fn opt<T>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    if u.ratio(1, 3)? {
        Ok(None)
    } else {
        f(u).map(Some)
    }
}

/// Mostly present: `None` one time in sixteen (for fields a command needs).
fn mostly<'a, T>(
    u: &mut Unstructured<'a>,
    f: impl FnOnce(&mut Unstructured<'a>) -> Result<T>,
) -> Result<Option<T>> {
    if u.ratio(1, 16)? {
        Ok(None)
    } else {
        f(u).map(Some)
    }
}

/// Up to `max` items.
fn few<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}

// ---- users ----

/// A username as the host passes it unvalidated: the pool, a case variant, an illegal name,
/// the empty name, one too long.
pub fn raw_name(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(7, 8)? {
        return Ok(pick(u, &USER_POOL)?.to_string());
    }
    Ok(match u.int_in_range(0..=3)? {
        0 => "U1".into(),
        1 => "bad name".into(),
        2 => String::new(),
        _ => "u".repeat(65),
    })
}

/// Up to 5 raw names.
pub fn raw_names(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    few(u, 5, raw_name)
}

/// A password: two real ones, the empty one (illegal), one too long.
pub fn password(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0..=3 => "pw".into(),
        4 | 5 => "p1".into(),
        6 => String::new(),
        _ => "p".repeat(65),
    })
}

/// A user's uuid.
pub fn uuid(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(format!("uuid-{}", u.int_in_range(0..=3)?))
}

/// A push nickname: none, empty, short, the longest, one too long.
pub fn nickname(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| Ok(text_of(pick(u, &[0, 4, 100, 101])?)))
}

/// A RongCloud push name: empty (illegal), short, the longest (64), one too long.
pub fn nickname_req(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 4, 4, 64, 65])?))
}

/// A portrait URI: none, empty (clears), short, the longest (1 024 bytes), one too long.
pub fn opt_portrait(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| Ok(text_of(pick(u, &[0, 8, 1024, 1025])?)))
}

/// Login-block minutes: 0 and 43 201 (illegal), 1, 10, 43 200.
pub fn block_minutes(u: &mut Unstructured<'_>) -> Result<u32> {
    pick(u, &[0, 1, 1, 10, 43_200, 43_201])
}

/// User tags: a few from a small pool, sometimes a bad one or too many.
pub fn tags(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    if u.ratio(1, 16)? {
        return Ok((0..21).map(|i| format!("t{i}")).collect());
    }
    let n = pick(u, &[0, 1, 1, 2, 3])?;
    (0..n)
        .map(|_| Ok(pick(u, &["vip", "beta", "cn", "bad tag", ""])?.to_string()))
        .collect()
}

/// A friend remark: empty (clears), short, the longest, one too long.
pub fn remark(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 1, 5, 100, 101])?))
}

/// A token string the host minted.
pub fn token(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=9)? {
        9 => String::new(),
        i => format!("t{}", i % 5),
    })
}

/// A token lifetime: none (the default), zero (never expires), short, long.
pub fn ttl(u: &mut Unstructured<'_>) -> Result<Option<Millis>> {
    opt(u, |u| Ok(Millis(pick(u, &[0, 300, 1500, 5000, 60_000])?)))
}

/// A mute duration: zero (illegal), short, long, the longest, one past it.
pub fn mute_millis(u: &mut Unstructured<'_>) -> Result<Millis> {
    use crate::limits::MUTE_MILLIS_MAX;
    Ok(Millis(pick(
        u,
        &[
            0,
            1,
            700,
            3000,
            60_000,
            MUTE_MILLIS_MAX,
            MUTE_MILLIS_MAX + 1,
        ],
    )?))
}

/// The app's client id: the one fuzz targets and models set, and another.
pub fn client_id(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pick(u, &["id", "id", "x"])?.into())
}

/// The app's client secret: the one fuzz targets and models set, another, empty.
pub fn client_secret(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pick(u, &["secret", "secret", "s2", ""])?.into())
}

/// A session resource `<platform>_<id>`, and one with no platform.
pub fn resource(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pick(
        u,
        &[
            "android_1",
            "android_2",
            "android_3",
            "ios_1",
            "ios_2",
            "webim_x",
            "nope",
        ],
    )?
    .into())
}

/// An optional resource.
pub fn opt_resource(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, resource)
}

/// A device uuid or name: none, empty, short, one past 128 bytes.
pub fn device(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| {
        Ok(match u.int_in_range(0..=5)? {
            0 => String::new(),
            1 => "d".repeat(129),
            i => ["dev", "phone"][i % 2].into(),
        })
    })
}

/// A user attribute key: three legal ones, a two-byte one, sometimes the empty one.
pub fn user_attr_key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pick(u, &["a", "bb", "ccc", "a", "bb", "ä", "ccc", ""])?.into())
}

/// User attribute keys to read.
pub fn user_attr_keys(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    few(u, 3, user_attr_key)
}

/// A user attribute value: sizes around small budgets and the 4096-byte write cap.
pub fn user_attr_value(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 1, 3, 8, 40, 300, 1900, 4100])?))
}

/// User attribute pairs, in request order (repeated keys included).
pub fn user_attr_pairs(u: &mut Unstructured<'_>) -> Result<Vec<(String, String)>> {
    few(u, 4, |u| Ok((user_attr_key(u)?, user_attr_value(u)?)))
}

// ---- paging ----

/// A page size or number: none, zero (illegal), small, huge (clamped).
pub fn page(u: &mut Unstructured<'_>) -> Result<Option<u32>> {
    opt(u, |u| pick(u, &[0, 1, 1, 2, 3, 5, 50, u32::MAX]))
}

/// A cursor: none, garbage, or a well-formed one of some list with small parts (real cursors
/// come from replies; fuzz targets feed those back).
pub fn cursor(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    if u.ratio(3, 4)? {
        return Ok(None);
    }
    Ok(Some(match u.int_in_range(0..=2)? {
        0 => pick(u, &["", "%%", "u:", "u:zz", "x:1.2.3"])?.into(),
        1 => format!(
            "{}:{:x}",
            pick(u, &["b", "m", "r", "tm", "gm"])?,
            u.int_in_range(0..=8u64)?
        ),
        _ => format!(
            "{}:{:x}.{:x}",
            pick(u, &["u", "f", "g", "t", "ut"])?,
            u.int_in_range(0..=8u64)?,
            u.int_in_range(0..=8u64)?
        ),
    }))
}

// ---- groups, threads, rooms ----

/// A name (group, room): none, empty, short, one past small caps (8), one past the defaults.
pub fn opt_name(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| Ok(text_of(pick(u, &[0, 3, 3, 8, 8, 9, 129])?)))
}

/// Free text (description, avatar, custom, announcement): none, empty, short, one past small
/// caps (20), long.
pub fn opt_text(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, text)
}

/// Free text, present.
pub fn text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 5, 5, 5, 20, 20, 21, 21, 513, 1025])?))
}

/// A member count cap: none, zero, small, huge.
pub fn max_users(u: &mut Unstructured<'_>) -> Result<Option<u32>> {
    if u.ratio(1, 2)? {
        return Ok(None);
    }
    pick(u, &[0, 1, 2, 3, 4, 5, 6, 8, 10_000, u32::MAX]).map(Some)
}

/// Fields a modify request named that the engine does not know.
pub fn unknown_fields(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    if u.ratio(7, 8)? {
        return Ok(Vec::new());
    }
    few(u, 2, |u| Ok(pick(u, &["foo", "owner", ""])?.into()))
}

/// A mute duration in ms: -1 (forever), 0, a bad negative, short, long.
pub fn duration_ms(u: &mut Unstructured<'_>) -> Result<i64> {
    pick(u, &[-1, -1, 0, -5, 10, 700, 3000, 60_000, i64::MAX])
}

/// A minted id (shared file ids come from the app's counter), or a bogus one.
pub fn minted_id(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 8)? {
        return Ok(pick(u, &["", "nope"])?.into());
    }
    Ok(crate::ids::minted(u)?.to_string())
}

/// A shared file name: none, empty, short, one past 256 bytes.
pub fn file_name(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| {
        Ok(match u.int_in_range(0..=6)? {
            0 => String::new(),
            1 => "f".repeat(257),
            i => ["a.txt", "b.png"][i % 2].into(),
        })
    })
}

/// A shared file size: empty, small, around small caps (1000), around the default (10 MiB).
pub fn file_size(u: &mut Unstructured<'_>) -> Result<u64> {
    pick(u, &[0, 1, 999, 1000, 1001, 10 * 1024 * 1024 + 1, u64::MAX])
}

/// A group member attribute key: legal ones, a two-byte one, empty, one past 16 bytes.
pub fn member_attr_key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pick(u, &["k", "role", "nick", "ä", "", "a-key-longer-than-16b"])?.into())
}

/// Group member attribute keys to read.
pub fn member_attr_keys(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    few(u, 3, member_attr_key)
}

/// A group member attribute value: sizes around small caps (300, 700) and the defaults (512).
pub fn member_attr_value(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 1, 9, 150, 300, 301, 513])?))
}

/// Group member attributes.
pub fn member_attrs(u: &mut Unstructured<'_>) -> Result<IndexMap<String, String>> {
    let pairs = few(u, 4, |u| Ok((member_attr_key(u)?, member_attr_value(u)?)))?;
    Ok(pairs.into_iter().collect())
}

/// `(user, attributes)` entries of a batch set.
pub fn member_attr_entries(
    u: &mut Unstructured<'_>,
) -> Result<Vec<(UserName, IndexMap<String, String>)>> {
    few(u, 4, |u| Ok((UserName::arbitrary(u)?, member_attrs(u)?)))
}

/// A thread name: empty, short, one past small caps (8), one past the default (64).
pub fn thread_name(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 2, 2, 2, 8, 8, 9, 65])?))
}

/// An optional thread name, mostly present.
pub fn opt_thread_name(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, thread_name)
}

/// A thread's parent message id, mostly present: a few, empty, one past 64 bytes.
pub fn msg_id(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, |u| {
        Ok(match u.int_in_range(0..=15)? {
            14 => String::new(),
            15 => "m".repeat(65),
            i => format!("m{}", i % 4),
        })
    })
}

/// A room attribute key: legal ones, empty, an illegal character, one past 16 and 128 chars.
pub fn room_attr_key(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(7, 8)? {
        return Ok(format!("k{}", u.int_in_range(0..=3)?));
    }
    Ok(match u.int_in_range(0..=3)? {
        0 => String::new(),
        1 => "bad key".into(),
        2 => "k".repeat(17),
        _ => "k".repeat(129),
    })
}

/// Room attribute keys (to delete).
pub fn room_attr_keys(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    few(u, 4, room_attr_key)
}

/// Room attribute keys to read: none (all), or a few.
pub fn opt_room_attr_keys(u: &mut Unstructured<'_>) -> Result<Option<Vec<String>>> {
    opt(u, room_attr_keys)
}

/// Room attributes.
pub fn room_attrs(u: &mut Unstructured<'_>) -> Result<IndexMap<String, String>> {
    let pairs = few(u, 4, |u| {
        Ok((
            room_attr_key(u)?,
            text_of(pick(u, &[0, 1, 4, 300, 301, 4097])?),
        ))
    })?;
    Ok(pairs.into_iter().collect())
}

/// A room attribute auto-delete mode: none (the default), the two modes, a bogus one.
pub fn auto_delete(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| {
        Ok(pick(u, &["DELETE", "NO_DELETE", "DELETE", "bogus"])?.into())
    })
}

/// A list of pool users: mostly one to three, sometimes empty or longer (batch caps).
pub fn names(u: &mut Unstructured<'_>) -> Result<Vec<UserName>> {
    let n = pick(u, &[0, 1, 1, 1, 2, 2, 3, 5])?;
    (0..n).map(|_| UserName::arbitrary(u)).collect()
}

/// An optional list of pool users.
pub fn opt_names(u: &mut Unstructured<'_>) -> Result<Option<Vec<UserName>>> {
    opt(u, names)
}

/// A flag a command needs (`public`), mostly present.
pub fn mostly_bool(u: &mut Unstructured<'_>) -> Result<Option<bool>> {
    mostly(u, bool::arbitrary)
}

/// A user a command needs (an owner), mostly present.
pub fn mostly_user(u: &mut Unstructured<'_>) -> Result<Option<UserName>> {
    mostly(u, UserName::arbitrary)
}

/// A group a command needs, mostly present.
pub fn mostly_group(u: &mut Unstructured<'_>) -> Result<Option<GroupId>> {
    mostly(u, GroupId::arbitrary)
}

/// A caller-chosen group id: mostly none (minted), else one of the custom pool ids, sometimes
/// all digits (one the counter may mint) or an illegal one (empty).
pub fn custom_group_id(u: &mut Unstructured<'_>) -> Result<Option<GroupId>> {
    Ok(match u.int_in_range(0..=7)? {
        0..=4 => None,
        5 | 6 => Some(GroupId::from(*u.choose(&crate::ids::GROUP_POOL)?)),
        _ => Some(GroupId::from(*u.choose(&["7", ""])?)),
    })
}

/// A name a command needs (a room's), mostly present.
pub fn mostly_name(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, |u| Ok(text_of(pick(u, &[0, 3, 3, 8, 8, 9, 129])?)))
}

/// Free text a command needs (a room's description), mostly present.
pub fn mostly_text(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, text)
}

// ---- messages ----

/// A message target: a pool user, a minted group/room/thread id, a custom group id, or junk.
fn target(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=9)? {
        0..=4 => (*u.choose(&USER_POOL)?).to_string(),
        5..=7 => minted_id(u)?,
        8 => "g0".into(),
        _ => (*u.choose(&["", "ghost", "bad name"])?).to_string(),
    })
}

/// A send's sender: mostly absent (the caller or the system sender), else a pool user,
/// `admin`, or junk.
pub fn msg_from(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    Ok(match u.int_in_range(0..=7)? {
        0..=3 => None,
        4 | 5 => Some((*u.choose(&USER_POOL)?).to_string()),
        6 => Some("admin".into()),
        _ => Some((*u.choose(&["", "bad name", "nobody"])?).to_string()),
    })
}

/// A send's targets: one to three, rarely none.
pub fn msg_targets(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    let n = *u.choose(&[1usize, 1, 1, 2, 3, 0])?;
    (0..n).map(|_| target(u)).collect()
}

/// A directed send's users: mostly absent.
pub fn msg_directed(u: &mut Unstructured<'_>) -> Result<Option<Vec<String>>> {
    if u.ratio(3, 4)? {
        return Ok(None);
    }
    let n = u.int_in_range(0..=3)?;
    Ok(Some(
        (0..n)
            .map(|_| u.choose(&USER_POOL).map(|s| s.to_string()))
            .collect::<Result<_>>()?,
    ))
}

/// A message type: mostly text, every other type, and invalid ones.
pub fn msg_type(u: &mut Unstructured<'_>) -> Result<String> {
    Ok((*u.choose(&[
        "txt", "txt", "txt", "txt", "img", "audio", "video", "file", "loc", "cmd", "custom", "",
        "bogus",
    ])?)
    .to_string())
}

/// A body: one that fits some type (a text, a url, a location, an action, a custom event),
/// an empty object, an oversized text, or none.
pub fn msg_body(u: &mut Unstructured<'_>) -> Result<Option<crate::messages::Json>> {
    use crate::messages::Json;
    let s = |v: &str| Json::str(v);
    Ok(match u.int_in_range(0..=9)? {
        0..=3 => Some(Json::object([("msg", s("hello"))])),
        4 => Some(Json::object([("url", s("https://x.example/chatfiles/a"))])),
        5 => Some(Json::object([
            ("lat", Json::Number("1.5".into())),
            ("lng", Json::Number("2.5".into())),
            ("addr", s("here")),
        ])),
        6 => Some(Json::object([("action", s("ping"))])),
        7 => Some(Json::object([("customEvent", s("evt"))])),
        8 => Some(Json::object([("msg", s(&"x".repeat(5200)))])),
        _ => u
            .choose(&[None, Some(Json::object(Vec::<(String, Json)>::new()))])?
            .clone(),
    })
}

/// An extension: mostly absent, else an object or (invalid) a non-object.
pub fn msg_ext(u: &mut Unstructured<'_>) -> Result<Option<crate::messages::Json>> {
    use crate::messages::Json;
    Ok(match u.int_in_range(0..=5)? {
        0..=3 => None,
        4 => Some(Json::object([("k", Json::str("v"))])),
        _ => Some(Json::Null),
    })
}

/// Users hidden from roaming: mostly none.
pub fn msg_roam_ignore(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    few(u, 2, |u| u.choose(&USER_POOL).map(|s| s.to_string()))
}

/// A room message level: mostly absent.
pub fn msg_level(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| {
        pick(
            u,
            &[
                "high".to_string(),
                "normal".into(),
                "low".into(),
                "urgent".into(),
            ],
        )
    })
}

/// A message id as text: a small minted id, or junk.
pub fn msg_ref(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 8)? {
        pick(u, &[String::new(), "abc".into(), "00".into()])
    } else {
        minted_id(u)
    }
}

/// A recall's target as text.
pub fn msg_target(u: &mut Unstructured<'_>) -> Result<String> {
    target(u)
}

/// A chat type as text: the three, or junk.
pub fn msg_chat_type(u: &mut Unstructured<'_>) -> Result<String> {
    pick(
        u,
        &[
            "chat".to_string(),
            "chat".into(),
            "groupchat".into(),
            "chatroom".into(),
            String::new(),
        ],
    )
}

/// A chat type as text, maybe absent.
pub fn msg_opt_chat_type(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, msg_chat_type)
}

/// A conversation's peer as text, maybe absent.
pub fn msg_channel(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, target)
}

/// A reaction: a small pool, the 128-char edge and one past it.
pub fn reaction(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=9)? {
        0..=7 => (*u.choose(&["👍", "❤", "a", "b"])?).to_string(),
        8 => "r".repeat(128),
        _ => "r".repeat(129),
    })
}

/// An attachment uuid: a small pool, so downloads and repeats meet uploads.
pub fn attachment_uuid(u: &mut Unstructured<'_>) -> Result<String> {
    pick(u, &["f0".to_string(), "f1".into(), "f2".into()])
}

/// An attachment size: small, the 10 MiB edge, one past it, or missing.
pub fn attachment_size(u: &mut Unstructured<'_>) -> Result<Option<u64>> {
    Ok(match u.int_in_range(0..=7)? {
        0..=4 => Some(u.int_in_range(1..=20_000)?),
        5 => Some(10 * 1024 * 1024),
        6 => Some(10 * 1024 * 1024 + 1),
        _ => None,
    })
}

/// An attachment's file name.
pub fn attachment_name(u: &mut Unstructured<'_>) -> Result<String> {
    pick(u, &["a.png".to_string(), "b.txt".into(), String::new()])
}

// ---- presence and push settings (spec 01 §13, §15) ----

/// A presence resource: the session pool, empty, one too long.
pub fn presence_resource(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 8)? {
        return pick(u, &[String::new(), "r".repeat(129)]);
    }
    resource(u)
}

/// A presence status: offline, online, custom, empty, not digits, one byte too long.
pub fn presence_status(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 | 1 => "0".into(),
        2 | 3 => "1".into(),
        4 => "7".into(),
        5 => String::new(),
        6 => "x1".into(),
        _ => "1".repeat(33),
    })
}

/// A presence `ext`: missing, empty, short, the longest, one byte too long.
pub fn presence_ext(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    mostly(u, |u| Ok("e".repeat(pick(u, &[0, 0, 3, 1024, 1025])?)))
}

/// A subscription length: zero (refused), whole seconds, not whole, the longest, one past.
pub fn subscription(u: &mut Unstructured<'_>) -> Result<Millis> {
    use crate::limits::PRESENCE_SUBSCRIPTION_MILLIS_MAX as MAX;
    Ok(Millis(pick(
        u,
        &[0, 1000, 3000, 3000, 7000, 1500, MAX, MAX + 1],
    )?))
}

/// A push nickname in the batch call: empty (clears), short, the longest, one too long.
pub fn push_nickname(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(text_of(pick(u, &[0, 4, 4, 100, 101])?))
}

/// A display style: none, the two legal ones, one past.
pub fn display_style(u: &mut Unstructured<'_>) -> Result<Option<u8>> {
    opt(u, |u| pick(u, &[0, 1, 1, 2]))
}

/// A do-not-disturb hour: none, legal ones, one past the last.
pub fn hour(u: &mut Unstructured<'_>) -> Result<Option<u8>> {
    opt(u, |u| pick(u, &[0, 7, 22, 23, 24]))
}

/// An `ignoreInterval`: none, clear, off, a legal one, an illegal one.
pub fn interval(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    opt(u, |u| {
        Ok(pick(u, &["", "00:00-00:00", "22:00-07:30", "25:00-01:00"])?.into())
    })
}

/// An `ignoreDuration` in ms: none, negative, zero, short, the longest, one past.
pub fn ignore_duration(u: &mut Unstructured<'_>) -> Result<Option<i64>> {
    opt(u, |u| {
        pick(u, &[-1, 0, 1000, 3000, 604_800_000, 604_800_001])
    })
}

/// A language or template name: empty (clears), short, the longest, one byte too long.
pub fn push_field(u: &mut Unstructured<'_>) -> Result<String> {
    Ok("l".repeat(pick(u, &[0, 2, 2, 128, 129])?))
}

/// A device id: empty (refused), two devices, one byte too long.
pub fn device_id(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => String::new(),
        1..=3 => "d1".into(),
        4..=6 => "d2".into(),
        _ => "d".repeat(129),
    })
}

/// A notifier: empty (unbinds the device), two notifiers.
pub fn notifier(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pick(u, &["", "apns", "fcm", "fcm"])?.into())
}

/// A device token: empty (unbinds), two tokens, one byte too long.
pub fn device_token(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 | 1 => String::new(),
        2..=4 => "tok1".into(),
        5 | 6 => "tok2".into(),
        _ => "t".repeat(513),
    })
}

/// Limits for `SetLimits`: the defaults with small caps now and then (so that lowering a cap
/// below current use is tried).
pub fn limits(u: &mut Unstructured<'_>) -> Result<Box<crate::Limits>> {
    let mut l = crate::Limits::default();
    if u.ratio(1, 2)? {
        l.friends_max = Some(u.int_in_range(0..=5)?);
    }
    if u.ratio(1, 3)? {
        l.users_max = Some(u.int_in_range(0..=8)?);
    }
    if u.ratio(1, 3)? {
        l.attr_bytes_per_user = u.int_in_range(0..=64)?;
    }
    Ok(Box::new(l))
}
