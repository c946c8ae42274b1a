//! The RongCloud user routes (spec 04), all `POST` at the root of the server:
//!
//! | route | engine |
//! |---|---|
//! | `/user/getToken.json` (`userId`, `name`, `portraitUri?`) | [`GrantToken`] → `{userId, token}` |
//! | `/user/token/expire.json` (`userId`×1–20, `time` ms) | [`RevokeTokens`] |
//! | `/user/refresh.json` (`userId`, `name?`, `portraitUri?`) | [`UpdateUserInfo`] |
//! | `/user/info.json` (`userId`) | [`GetUserInfo`] → `{userName, userPortrait, createTime}` |
//! | `/user/checkOnline.json` (`userId`) | [`IsOnline`] → `{status: "1"/"0"}` |
//! | `/user/block.json` (`userId`×1–20, `minute`) | [`BlockLogin`] |
//! | `/user/unblock.json` (`userId`×1–20) | [`UnblockLogin`] |
//! | `/user/block/query.json` (`page?`, `size?`) | [`ListLoginBlocks`] → `{users: [{userId, blockEndTime}]}` |
//! | `/user/deactivate.json` (`userId`×1–100, imcore's `leaveGroups=1`) | [`CloseAccounts`] → `{operateId}` |
//! | `/user/deactivate/query.json` (`pageNo?`, `pageSize?`), also at `//user/...` (the Go SDK's address) | [`ListClosedAccounts`] → `{users, total}` |
//! | `/user/reactivate.json` (`userId`×1–100) | [`ReopenAccountIds`] → `{operateId}` |
//! | `/user/blacklist/add.json`, `remove.json` (`userId`, `blackUserId`×1–20) | [`AddToDmList`], [`RemoveFromDmList`] |
//! | `/user/blacklist/query.json` (`userId`, `pageToken?`, `size?`) | [`ListDmList`] → `{users, next?}` |
//! | `/user/whitelist/add.json`, `remove.json` (`userId`, `whiteUserId`×1–20) | the same, allow list |
//! | `/user/whitelist/query.json` (`userId`, `pageToken?`, `size?`) | [`ListDmList`] |
//! | `/user/whitesetting/set.json` (`userId`×1–20, `whiteSetting` 0/1) | [`SetDmMode`] |
//! | `/user/whitesetting/query.json` (`userId`×1–20) | [`GetDmMode`] → `{users: [{userId, whiteSetting: "1"/"0"}]}` |
//! | `/user/tag/set.json` (`userId`, `tags`) | [`SetUserTags`] |
//! | `/user/tag/batch/set.json` (`userIds`×1–1 000, `tags`) | [`SetUserTags`] |
//! | `/user/tags/get.json` (`userIds`×1–50) | [`GetUserTags`] → `{result: {id: [tags]}}` |
//! | `/user/chat/fb/set.json` (`userId`×1–1 000, `state` 1/0, `type=PERSON`) | [`SetChatBan`] |
//! | `/user/chat/fb/querylist.json` (`num?`, `offset?`, `type=PERSON`) | [`ListChatBans`] → `{total, users}` |
//! | `/user/token/check.json` (`token`) — an imcore extension for a connection gateway | [`ValidateGrant`] → `{userId}` or the client code |
//!
//! `/user/token/check.json` is what a gateway asks when a client connects with a token (spec
//! 04 §1 `ValidateToken`): `{"code": 200, "userId"}` when it may connect, else the RongCloud
//! client code — `31004` a token that is malformed, signed with another secret, of a deleted
//! user or revoked; `31020` expired; `31009` a disabled user or a live login block (with
//! `blockEndTime`); `31029` a closed account.
//!
//! Times shown as text (`createTime`, `blockEndTime`) are `YYYY-MM-DD HH:MM:SS` in UTC+8,
//! RongCloud's zone (spec 04 §6 OPEN: the engine keeps UTC milliseconds, the adapter picks the
//! zone). The close and reopen answers also carry `results`, one `{userId, code}` per id
//! (`code` `"0"` for success, as RongCloud's callback reports it; `"1"` otherwise, with
//! `reason`): the host sends no callbacks.

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use imcore::{
    AddToDmList, BlockLogin, CloseAccounts, CloseOutcome, DmList, DmMode, GetDmMode, GetUserInfo,
    GetUserTags, GrantStatus, GrantToken, IsOnline, ListChatBans, ListClosedAccounts, ListDmList,
    ListLoginBlocks, RemoveFromDmList, ReopenAccountIds, ReopenOutcome, RevokeTokens, SetChatBan,
    SetDmMode, SetUserTags, Timestamp, UnblockLogin, UpdateUserInfo, ValidateGrant,
};
use serde_json::{Map, Value, json};

use super::auth::Rong;
use super::reply::{RongError, RongOk, RongResult};
use crate::host::{Host, new_uuid};

/// The RongCloud routes, merged into the server's router.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/user/getToken.json", post(get_token))
        .route("/user/token/expire.json", post(expire_tokens))
        .route("/user/refresh.json", post(refresh))
        .route("/user/info.json", post(info))
        .route("/user/checkOnline.json", post(check_online))
        .route("/user/block.json", post(block))
        .route("/user/unblock.json", post(unblock))
        .route("/user/block/query.json", post(block_query))
        .route("/user/deactivate.json", post(deactivate))
        .route("/user/deactivate/query.json", post(deactivate_query))
        // RongCloud's Go SDK asks for this one with a doubled slash (`"%s/%s"` of the base
        // and `"/user/deactivate/query.json"`).
        .route("//user/deactivate/query.json", post(deactivate_query))
        .route("/user/reactivate.json", post(reactivate))
        .route("/user/blacklist/add.json", post(blacklist_add))
        .route("/user/blacklist/remove.json", post(blacklist_remove))
        .route("/user/blacklist/query.json", post(blacklist_query))
        .route("/user/whitelist/add.json", post(whitelist_add))
        .route("/user/whitelist/remove.json", post(whitelist_remove))
        .route("/user/whitelist/query.json", post(whitelist_query))
        .route("/user/whitesetting/set.json", post(whitesetting_set))
        .route("/user/whitesetting/query.json", post(whitesetting_query))
        .route("/user/tag/set.json", post(tag_set))
        .route("/user/tag/batch/set.json", post(tag_batch_set))
        .route("/user/tags/get.json", post(tags_get))
        .route("/user/chat/fb/set.json", post(chat_ban_set))
        .route("/user/chat/fb/querylist.json", post(chat_ban_list))
        .route("/user/token/check.json", post(token_check))
}

/// `YYYY-MM-DD HH:MM:SS` of `t` in UTC+8.
pub fn beijing_time(t: Timestamp) -> String {
    let secs = t.0.div_euclid(1000) + 8 * 3600;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn get_token(r: Rong) -> RongResult {
    let user = r.params.user("userId")?;
    let name = r.params.req("name")?.to_owned();
    let portrait = r.params.opt("portraitUri").map(str::to_owned);
    let grant = r.exec(GrantToken {
        user,
        name,
        portrait,
        uuid: new_uuid(),
    })?;
    let token = super::token::mint(&r.secret, &grant);
    Ok(RongOk::empty()
        .with("userId", grant.user.to_string())
        .with("token", token))
}

async fn expire_tokens(r: Rong) -> RongResult {
    let users = r.params.users("userId")?;
    let before = r
        .params
        .int::<i64>("time")?
        .ok_or_else(|| RongError::param("time is required"))?;
    r.exec(RevokeTokens {
        users,
        before: Timestamp(before),
    })?;
    Ok(RongOk::empty())
}

async fn refresh(r: Rong) -> RongResult {
    r.exec(UpdateUserInfo {
        user: r.params.user("userId")?,
        name: r.params.opt("name").map(str::to_owned),
        portrait: r.params.opt("portraitUri").map(str::to_owned),
    })?;
    Ok(RongOk::empty())
}

async fn info(r: Rong) -> RongResult {
    let i = r.ask(GetUserInfo {
        user: r.params.user("userId")?,
    })?;
    Ok(RongOk::empty()
        .with("userName", i.name.unwrap_or_default())
        .with("userPortrait", i.portrait.unwrap_or_default())
        .with("createTime", beijing_time(i.created_at)))
}

async fn check_online(r: Rong) -> RongResult {
    let on = r.ask(IsOnline {
        username: r.params.user("userId")?,
    })?;
    Ok(RongOk::empty().with("status", if on { "1" } else { "0" }))
}

async fn block(r: Rong) -> RongResult {
    let users = r.params.users("userId")?;
    let minutes = r
        .params
        .int::<u32>("minute")?
        .ok_or_else(|| RongError::param("minute is required"))?;
    r.exec(BlockLogin { users, minutes })?;
    Ok(RongOk::empty())
}

async fn unblock(r: Rong) -> RongResult {
    r.exec(UnblockLogin {
        users: r.params.users("userId")?,
    })?;
    Ok(RongOk::empty())
}

async fn block_query(r: Rong) -> RongResult {
    let list = r.ask(ListLoginBlocks {
        page: r.params.int("page")?,
        size: r.params.int("size")?,
    })?;
    let users: Vec<Value> = list
        .into_iter()
        .map(|e| json!({"userId": e.user.to_string(), "blockEndTime": beijing_time(e.until)}))
        .collect();
    Ok(RongOk::empty().with("users", users))
}

fn op_reply<T: Copy>(
    op_id: u64,
    items: Vec<(imcore::UserName, T)>,
    ok: impl Fn(T) -> bool,
    reason: impl Fn(T) -> String,
) -> RongOk {
    let results: Vec<Value> = items
        .into_iter()
        .map(|(u, o)| {
            let mut m = Map::new();
            m.insert("userId".into(), u.to_string().into());
            m.insert("code".into(), if ok(o) { "0" } else { "1" }.into());
            if !ok(o) {
                m.insert("reason".into(), reason(o).into());
            }
            Value::Object(m)
        })
        .collect();
    RongOk::empty()
        .with("operateId", op_id.to_string())
        .with("results", results)
}

async fn deactivate(r: Rong) -> RongResult {
    let out = r.exec(CloseAccounts {
        users: r.params.users("userId")?,
        leave_groups: r.params.opt("leaveGroups") == Some("1"),
    })?;
    Ok(op_reply(
        out.op_id,
        out.items,
        |o| o != CloseOutcome::NotFound,
        |_| "user not found".into(),
    ))
}

async fn deactivate_query(r: Rong) -> RongResult {
    let page = r.ask(ListClosedAccounts {
        page_no: r.params.int("pageNo")?,
        page_size: r.params.int("pageSize")?,
    })?;
    let users: Vec<String> = page.users.iter().map(ToString::to_string).collect();
    Ok(RongOk::empty()
        .with("users", users)
        .with("total", page.total))
}

async fn reactivate(r: Rong) -> RongResult {
    let out = r.exec(ReopenAccountIds {
        users: r.params.users("userId")?,
    })?;
    Ok(op_reply(
        out.op_id,
        out.items,
        |o| matches!(o, ReopenOutcome::Reopened | ReopenOutcome::NotClosed),
        |o| match o {
            ReopenOutcome::TooSoon(t) => format!("too soon: not before {}", beijing_time(t)),
            _ => "user not found".into(),
        },
    ))
}

fn list_edit(r: &Rong, list: DmList, key: &str, add: bool) -> RongResult {
    let owner = r.params.user("userId")?;
    let users = r.params.users(key)?;
    if add {
        r.exec(AddToDmList { list, owner, users })?;
    } else {
        r.exec(RemoveFromDmList { list, owner, users })?;
    }
    Ok(RongOk::empty())
}

fn list_query(r: &Rong, list: DmList) -> RongResult {
    let page = r.ask(ListDmList {
        list,
        owner: r.params.user("userId")?,
        size: r.params.int("size")?,
        cursor: r.params.opt("pageToken").map(str::to_owned),
    })?;
    let users: Vec<String> = page.items.iter().map(ToString::to_string).collect();
    let mut ok = RongOk::empty().with("users", users);
    if let Some(next) = page.cursor {
        ok = ok.with("next", next);
    }
    Ok(ok)
}

async fn blacklist_add(r: Rong) -> RongResult {
    list_edit(&r, DmList::Block, "blackUserId", true)
}

async fn blacklist_remove(r: Rong) -> RongResult {
    list_edit(&r, DmList::Block, "blackUserId", false)
}

async fn blacklist_query(r: Rong) -> RongResult {
    list_query(&r, DmList::Block)
}

async fn whitelist_add(r: Rong) -> RongResult {
    list_edit(&r, DmList::Allow, "whiteUserId", true)
}

async fn whitelist_remove(r: Rong) -> RongResult {
    list_edit(&r, DmList::Allow, "whiteUserId", false)
}

async fn whitelist_query(r: Rong) -> RongResult {
    list_query(&r, DmList::Allow)
}

async fn whitesetting_set(r: Rong) -> RongResult {
    let users = r.params.users("userId")?;
    let mode = match r.params.req("whiteSetting")? {
        "0" => DmMode::Blocklist,
        "1" => DmMode::Allowlist,
        _ => return Err(RongError::param("whiteSetting must be 0 or 1")),
    };
    r.exec(SetDmMode { users, mode })?;
    Ok(RongOk::empty())
}

async fn whitesetting_query(r: Rong) -> RongResult {
    let modes = r.ask(GetDmMode {
        users: r.params.users("userId")?,
    })?;
    let users: Vec<Value> = modes
        .into_iter()
        .map(|(u, m)| {
            let on = if m == DmMode::Allowlist { "1" } else { "0" };
            json!({"userId": u.to_string(), "whiteSetting": on})
        })
        .collect();
    Ok(RongOk::empty().with("users", users))
}

fn tags_of(r: &Rong) -> Vec<String> {
    r.params
        .all("tags")
        .into_iter()
        .map(str::to_owned)
        .collect()
}

async fn tag_set(r: Rong) -> RongResult {
    r.exec(SetUserTags {
        users: vec![r.params.user("userId")?],
        tags: tags_of(&r),
    })?;
    Ok(RongOk::empty())
}

async fn tag_batch_set(r: Rong) -> RongResult {
    r.exec(SetUserTags {
        users: r.params.users("userIds")?,
        tags: tags_of(&r),
    })?;
    Ok(RongOk::empty())
}

async fn tags_get(r: Rong) -> RongResult {
    let got = r.ask(GetUserTags {
        users: r.params.users("userIds")?,
    })?;
    let result: Map<String, Value> = got
        .into_iter()
        .map(|(u, t)| (u.to_string(), t.into()))
        .collect();
    Ok(RongOk::empty().with("result", result))
}

/// `type` must be `PERSON` when given (the one-to-one ban's only type).
fn person(r: &Rong) -> Result<(), RongError> {
    match r.params.opt("type") {
        None | Some("PERSON") => Ok(()),
        Some(_) => Err(RongError::param("type must be PERSON")),
    }
}

async fn chat_ban_set(r: Rong) -> RongResult {
    person(&r)?;
    let users = r.params.users("userId")?;
    let banned = match r.params.req("state")? {
        "1" => true,
        "0" => false,
        _ => return Err(RongError::param("state must be 0 or 1")),
    };
    r.exec(SetChatBan { users, banned })?;
    Ok(RongOk::empty())
}

async fn chat_ban_list(r: Rong) -> RongResult {
    person(&r)?;
    let page = r.ask(ListChatBans {
        num: r.params.int("num")?,
        offset: r.params.int("offset")?,
    })?;
    let users: Vec<String> = page.users.iter().map(ToString::to_string).collect();
    Ok(RongOk::empty()
        .with("total", page.total)
        .with("users", users))
}

async fn token_check(r: Rong) -> RongResult {
    let token = r.params.req("token")?;
    let refuse = |code: u16, message: &str| RongError {
        code,
        message: message.into(),
    };
    let (user, issued_at) = super::token::verify(&r.secret, token)
        .ok_or_else(|| refuse(31004, "token is not valid"))?;
    let status = r
        .ask(ValidateGrant {
            user: user.clone(),
            issued_at,
        })
        .map_err(|_| refuse(31004, "token is not valid"))?;
    match status {
        GrantStatus::Ok => Ok(RongOk::empty().with("userId", user.to_string())),
        GrantStatus::Revoked => Err(refuse(31004, "token was revoked")),
        GrantStatus::Expired => Err(refuse(31020, "token expired")),
        GrantStatus::Disabled => Err(refuse(31009, "user is disabled")),
        GrantStatus::Blocked(until) => Err(refuse(
            31009,
            &format!("user is blocked; blockEndTime {}", beijing_time(until)),
        )),
        GrantStatus::Closed => Err(refuse(31029, "user is deactivated")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_utc_plus_8() {
        assert_eq!(beijing_time(Timestamp(0)), "1970-01-01 08:00:00");
        // 2015-01-10 17:28:20 UTC.
        assert_eq!(
            beijing_time(Timestamp(1_420_910_900_000)),
            "2015-01-11 01:28:20"
        );
        assert_eq!(
            beijing_time(Timestamp(1_709_225_999_000)),
            "2024-03-01 00:59:59"
        );
    }
}
