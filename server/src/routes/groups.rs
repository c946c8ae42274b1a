//! Groups (spec 02 §4–§10, §12): lifecycle (create, details, list, joined groups, modify,
//! transfer, disable/enable, destroy), members (page and cursor mode, add, remove, join and
//! leave), admins, the block and allow lists, mutes and mute-all, the announcement, and
//! member attributes (`/metadata/chatgroup/...`).
//!
//! Conventions as in [`rooms`](super::rooms): several users in a path are comma-separated,
//! one user takes the single-user form; group ids are the engine's strings (it validates
//! them); an illegal user name in a path or body is `400 illegal_argument`. Bodies use the
//! vendor's field names (`groupname`, `maxusers`, `membersonly`, `allowinvites`, …); answers
//! name the group `groupid`. Mute durations are milliseconds (`mute_duration`; `-1` forever,
//! `0` lifts).
//!
//! Host paths (no vendor REST equivalent): `POST /chatgroups/{g}/join` and
//! `POST /chatgroups/{g}/leave` (caller's token, or `username` query parameter with the app
//! token); `GET /chatgroups/{g}/white/users/{user}` (allow status); join requests and
//! invitations (`GET /chatgroups/{g}/requests`, `POST /chatgroups/{g}/requests/{user}/approve`
//! and `…/decline`, `POST /chatgroups/{g}/invite` with `{usernames}`,
//! `POST /chatgroups/{g}/invitations/{user}/accept` and `…/decline`); the send rule
//! (`GET /chatgroups/{g}/users/{user}`: `may_speak` and why not; `GET /chatgroups/{g}/speakers`).
//!
//! Shared files (`/chatgroups/{g}/share_files[/{file_id}]`) keep metadata only, as the engine
//! does: upload takes a JSON body `{file_name, file_size}` instead of the vendor's multipart
//! form (this host stores no bytes), and reading one file answers its metadata.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post, put};
use imcore::groups::{
    AcceptGroupInvite, ApproveGroupJoin, DeclineGroupInvite, DeclineGroupJoin, DeleteGroupFile,
    GetGroupFile, GroupFile, GroupSpeak, GroupSpeakers, InviteToGroup, ListGroupFiles,
    ListGroupRequests, MaySpeakInGroup, UploadGroupFile,
};
use imcore::groups::{
    AddGroupAdmin, AddGroupMember, AddGroupMembers, Affiliation, AllowGroupMember,
    AllowGroupMembers, BatchSetGroupMemberAttrs, BlockGroupMember, BlockGroupMembers, CreateGroup,
    DestroyGroup, DisableGroup, DisallowGroupMembers, EnableGroup, GetGroupAnnouncement,
    GetGroupMemberAttrs, GetGroupMemberAttrsByKeys, GetGroups, GroupDetails, GroupLookup,
    GroupMemberRole, GroupSort, IsGroupAllowed, IsGroupMember, JoinGroup, JoinOutcome, LeaveGroup,
    ListAppGroups, ListGroupAdmins, ListGroupAllowed, ListGroupBlocks, ListGroupMembers,
    ListGroupMembersCursor, ListGroupMutes, ListJoinedGroups, ListJoinedGroupsLegacy, ModifyGroup,
    MuteGroupAll, MuteGroupMembers, RemoveGroupAdmin, RemoveGroupMember, RemoveGroupMembers,
    SetGroupAnnouncement, SetGroupMemberAttrs, TransferGroupOwner, UnblockGroupMember,
    UnblockGroupMembers, UnmuteGroupAll, UnmuteGroupMembers,
};
use imcore::{Actor, BatchItem, GroupId, UserName};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::rooms::{UsernamesBody, body_users, expire_json, names_json, path_users};
use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/chatgroups", post(create).get(list))
        .route("/{org}/{app}/chatgroups/user/{username}", get(joined))
        .route(
            "/{org}/{app}/users/{username}/joined_chatgroups",
            get(joined_legacy),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}",
            get(details).put(modify).delete(destroy),
        )
        .route("/{org}/{app}/chatgroups/{g}/disable", post(disable))
        .route("/{org}/{app}/chatgroups/{g}/enable", post(enable))
        .route(
            "/{org}/{app}/chatgroups/{g}/user/{username}/is_joined",
            get(is_joined),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/users",
            get(members).post(add_members),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/users/{users}",
            post(add_member).delete(remove_members).get(speak_status),
        )
        .route("/{org}/{app}/chatgroups/{g}/speakers", get(speakers))
        .route("/{org}/{app}/chatgroups/{g}/requests", get(requests))
        .route(
            "/{org}/{app}/chatgroups/{g}/requests/{username}/{verdict}",
            post(decide_request),
        )
        .route("/{org}/{app}/chatgroups/{g}/invite", post(invite))
        .route(
            "/{org}/{app}/chatgroups/{g}/invitations/{username}/{verdict}",
            post(decide_invitation),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/share_files",
            get(files).post(upload_file),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/share_files/{file_id}",
            get(file).delete(delete_file),
        )
        .route("/{org}/{app}/chatgroups/{g}/join", post(join))
        .route("/{org}/{app}/chatgroups/{g}/leave", post(leave))
        .route(
            "/{org}/{app}/chatgroups/{g}/admin",
            get(admins).post(add_admin),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/admin/{username}",
            axum::routing::delete(remove_admin),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/blocks/users",
            get(blocks).post(block_batch),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/blocks/users/{users}",
            post(block_one).delete(unblock),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/white/users",
            get(allow_list).post(allow_batch),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/white/users/{users}",
            post(allow_one).delete(disallow).get(allow_status),
        )
        .route("/{org}/{app}/chatgroups/{g}/mute", get(mutes).post(mute))
        .route(
            "/{org}/{app}/chatgroups/{g}/mute/{users}",
            axum::routing::delete(unmute),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/ban",
            post(mute_all).delete(unmute_all),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/announcement",
            get(announcement).post(set_announcement),
        )
        .route(
            "/{org}/{app}/metadata/chatgroup/{g}/user/{username}",
            put(set_attrs).get(get_attrs),
        )
        .route(
            "/{org}/{app}/metadata/chatgroup/{g}/users/batch",
            put(batch_set_attrs),
        )
        .route(
            "/{org}/{app}/metadata/chatgroup/{g}/get",
            post(get_attrs_by_keys),
        )
}

fn g(call: &Call) -> GroupId {
    call.param("g").into()
}

fn text(m: &Map<String, Value>, k: &str) -> ApiResult<Option<String>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::json_parse(format!("{k} must be a string"))),
    }
}

fn flag(m: &Map<String, Value>, k: &str) -> ApiResult<Option<bool>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::json_parse(format!("{k} must be true or false"))),
    }
}

/// `maxusers`: a number in `u32`; other numbers become 0 (which the engine refuses).
fn number(m: &Map<String, Value>, k: &str) -> ApiResult<Option<u32>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(
            n.as_i64().and_then(|i| u32::try_from(i).ok()).unwrap_or(0),
        )),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(|i| Some(u32::try_from(i).unwrap_or(0)))
            .map_err(|_| ApiError::json_parse(format!("{k} must be a number"))),
        Some(_) => Err(ApiError::json_parse(format!("{k} must be a number"))),
    }
}

fn sort(call: &Call) -> ApiResult<Option<GroupSort>> {
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

fn item_json(i: &BatchItem, action: &str, gid: &GroupId) -> Value {
    let mut m = Map::new();
    m.insert("result".into(), i.result.into());
    m.insert("action".into(), action.into());
    m.insert("user".into(), i.user.as_str().into());
    m.insert("groupid".into(), gid.as_str().into());
    if let Some(r) = &i.reason {
        m.insert("reason".into(), r.as_str().into());
    }
    Value::Object(m)
}

fn items_json(items: &[BatchItem], action: &str, gid: &GroupId) -> Value {
    Value::Array(items.iter().map(|i| item_json(i, action, gid)).collect())
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/// `POST /chatgroups`, body `{owner, public, groupname?, description?, avatar?, maxusers?,
/// membersonly?, allowinvites?, invite_need_confirm?, members?, custom?, groupid?, scale?}`:
/// `data: {groupid}`.
async fn create(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let owner = text(&m, "owner")?
        .map(|o| UserName::parse(&o))
        .transpose()?;
    let members = match m.get("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => {
            let names: Vec<String> = serde_json::from_value(v.clone())
                .map_err(|_| ApiError::json_parse("members must be an array of user names"))?;
            body_users(&names)?
        }
    };
    let large = match text(&m, "scale")?.as_deref() {
        None | Some("normal") => false,
        Some("large") => true,
        Some(s) => {
            return Err(ApiError::new(
                400,
                "invalid_parameter",
                format!("scale must be normal or large, got {s}"),
            ));
        }
    };
    let r = call.exec(CreateGroup {
        owner,
        public: flag(&m, "public")?,
        name: text(&m, "groupname")?,
        description: text(&m, "description")?,
        avatar: text(&m, "avatar")?,
        max_users: number(&m, "maxusers")?,
        members_only: flag(&m, "membersonly")?,
        allow_invites: flag(&m, "allowinvites")?,
        invite_need_confirm: flag(&m, "invite_need_confirm")?,
        members,
        custom: text(&m, "custom")?,
        group_id: text(&m, "groupid")?.map(GroupId::from),
        large,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({ "groupid": r.group_id })))
}

/// `GET /chatgroups?limit&cursor`: `data: [{groupid, groupname, owner, affiliations, type,
/// last_modified, created}]`, `count`, `cursor` when more follow.
async fn list(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListAppGroups {
        limit: call.query_u32("limit")?,
        cursor: call.query("cursor").map(str::to_owned),
    })?;
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            json!({
                "groupid": i.group_id, "groupname": i.name, "owner": i.owner.as_str(),
                "affiliations": i.affiliations, "type": "group",
                "last_modified": i.last_modified.0, "created": i.created.0,
            })
        })
        .collect();
    Ok(Envelope::full(&call, "get")
        .entities(vec![])
        .count(data.len())
        .data(data)
        .cursor(page.cursor))
}

/// `GET /chatgroups/user/{user}?pagenum&pagesize`: `data: [{groupid, groupname, …}]`,
/// `count` (this page), `total` (all the user's groups).
async fn joined(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(ListJoinedGroups {
        user: call.user("username")?,
        page_num: call.query_u32("pagenum")?,
        page_size: call.query_u32("pagesize")?,
    })?;
    let data: Vec<Value> = r
        .items
        .iter()
        .map(|i| {
            json!({
                "groupid": i.group_id, "groupname": i.name, "avatar": i.avatar,
                "owner": i.owner.as_str(), "description": i.description,
                "disabled": i.disabled, "public": i.public, "allowinvites": i.allow_invites,
                "membersonly": i.members_only, "maxusers": i.max_users, "created": i.created.0,
            })
        })
        .collect();
    Ok(Envelope::full(&call, "get")
        .entities(vec![])
        .count(data.len())
        .data(data)
        .field("total", r.total.into()))
}

/// `GET /users/{user}/joined_chatgroups`: `data: [{groupid, groupname}]` (up to 500).
async fn joined_legacy(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(ListJoinedGroupsLegacy {
        user: call.user("username")?,
    })?;
    let data: Vec<Value> = r
        .iter()
        .map(|(id, name)| json!({"groupid": id, "groupname": name}))
        .collect();
    Ok(Envelope::full(&call, "get")
        .entities(vec![])
        .count(data.len())
        .data(data))
}

fn details_json(d: &GroupDetails) -> Value {
    let affiliations: Vec<Value> = d
        .affiliations
        .iter()
        .map(|a| match a {
            Affiliation::Owner(u) => json!({"owner": u.as_str()}),
            Affiliation::Member(u) => json!({"member": u.as_str()}),
        })
        .collect();
    json!({
        "id": d.id, "name": d.name, "avatar": d.avatar, "description": d.description,
        "public": d.public, "membersonly": d.members_only, "allowinvites": d.allow_invites,
        "invite_need_confirm": d.invite_need_confirm, "maxusers": d.max_users,
        "owner": d.owner.as_str(), "created": d.created.0, "last_modified": d.last_modified.0,
        "custom": d.custom, "mute": d.mute, "disabled": d.disabled,
        "scale": if d.large { "large" } else { "normal" },
        "affiliations_count": d.affiliations_count, "affiliations": affiliations,
        "admins": names_json(&d.admins),
    })
}

/// `GET /chatgroups/{g1,g2,…}`: `data: [details | {id, error}]` in request order, `count`.
async fn details(call: Call) -> ApiResult<Envelope> {
    let raw = call.param("g");
    let ids: Vec<GroupId> = if raw.is_empty() {
        Vec::new()
    } else {
        raw.split(',').map(GroupId::from).collect()
    };
    let r = call.ask(GetGroups { ids })?;
    let data: Vec<Value> = r
        .iter()
        .map(|l| match l {
            GroupLookup::Found(d) => details_json(d),
            GroupLookup::Missing { id, error } => json!({"id": id, "error": error}),
        })
        .collect();
    Ok(Envelope::full(&call, "get").count(data.len()).data(data))
}

/// `PUT /chatgroups/{g}`: with `newowner`, a transfer (`data: {newowner: true}`); else a
/// modification, `data: {field: applied}` keyed by the REST names.
async fn modify(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    if m.contains_key("newowner") {
        let others: Vec<&String> = m.keys().filter(|k| *k != "newowner").collect();
        if !others.is_empty() {
            let list: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
            return Err(ApiError::new(
                400,
                "invalid_parameter",
                format!("some of [{}] are not valid fields", list.join(", ")),
            ));
        }
        let name = text(&m, "newowner")?.unwrap_or_default();
        let r = call.exec(TransferGroupOwner {
            group: g(&call),
            new_owner: UserName::parse(&name)?,
        })?;
        return Ok(Envelope::full(&call, "put").data(json!({ "newowner": r })));
    }
    const KNOWN: [&str; 9] = [
        "groupname",
        "description",
        "avatar",
        "maxusers",
        "membersonly",
        "allowinvites",
        "invite_need_confirm",
        "public",
        "custom",
    ];
    let unknown_fields = m
        .keys()
        .filter(|k| !KNOWN.contains(&k.as_str()))
        .cloned()
        .collect();
    let r = call.exec(ModifyGroup {
        group: g(&call),
        name: text(&m, "groupname")?,
        description: text(&m, "description")?,
        avatar: text(&m, "avatar")?,
        max_users: number(&m, "maxusers")?,
        members_only: flag(&m, "membersonly")?,
        allow_invites: flag(&m, "allowinvites")?,
        invite_need_confirm: flag(&m, "invite_need_confirm")?,
        public: flag(&m, "public")?,
        custom: text(&m, "custom")?,
        unknown_fields,
    })?;
    let mut data = Map::new();
    for (k, v) in r {
        data.insert(k, v.into());
    }
    Ok(Envelope::full(&call, "put").data(data))
}

/// `POST /chatgroups/{g}/disable`: `data: {disabled: true}`.
async fn disable(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(DisableGroup { group: g(&call) })?;
    Ok(Envelope::full(&call, "post").data(json!({ "disabled": r })))
}

/// `POST /chatgroups/{g}/enable`: `data: {disabled: false}`.
async fn enable(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(EnableGroup { group: g(&call) })?;
    Ok(Envelope::full(&call, "post").data(json!({ "disabled": r })))
}

/// `DELETE /chatgroups/{g}`: `data: {success: true, groupid}`.
async fn destroy(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(DestroyGroup { group: g(&call) })?;
    Ok(Envelope::full(&call, "delete").data(json!({"success": r.success, "groupid": r.group_id})))
}

/// `GET /chatgroups/{g}/user/{user}/is_joined`: `data: bool`.
async fn is_joined(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(IsGroupMember {
        group: g(&call),
        user: call.user("username")?,
    })?;
    Ok(Envelope::full(&call, "get").data(r))
}

// ---------------------------------------------------------------------------------------------
// Members

/// `GET /chatgroups/{g}/users`: page mode (`pagenum`, `pagesize`, `joined_time`, `sort`;
/// `data: [{owner|member: user, joined_time?}]`, `count`), or `version=v3` cursor mode
/// (`limit`, `cursor`, `sort`; `data: [user]` without the owner, `cursor` when more follow).
async fn members(call: Call) -> ApiResult<Envelope> {
    let sort = sort(&call)?.unwrap_or_default();
    if call.query("version") == Some("v3") {
        let page = call.ask(ListGroupMembersCursor {
            group: g(&call),
            limit: call.query_u32("limit")?,
            cursor: call.query("cursor").map(str::to_owned),
            sort,
        })?;
        return Ok(Envelope::full(&call, "get")
            .count(page.items.len())
            .data(names_json(&page.items))
            .cursor(page.cursor));
    }
    let page = call.ask(ListGroupMembers {
        group: g(&call),
        page_num: call.query_u32("pagenum")?,
        page_size: call.query_u32("pagesize")?,
        joined_time: call.query_bool("joined_time")?,
        sort,
    })?;
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            let role = match i.role {
                GroupMemberRole::Owner => "owner",
                GroupMemberRole::Member => "member",
            };
            let mut m = Map::new();
            m.insert(role.into(), i.user.as_str().into());
            if let Some(t) = i.joined_at {
                m.insert("joined_time".into(), t.0.into());
            }
            Value::Object(m)
        })
        .collect();
    Ok(Envelope::full(&call, "get").count(page.count).data(data))
}

/// `POST /chatgroups/{g}/users/{user}[?need_notify]`: `data: {result, groupid, action:
/// "add_member", user}`.
async fn add_member(call: Call) -> ApiResult<Envelope> {
    let need_notify = call
        .query("need_notify")
        .map(|_| call.query_bool("need_notify"));
    let r = call.exec(AddGroupMember {
        group: g(&call),
        user: call.user("users")?,
        need_notify: need_notify.transpose()?,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "result": r.result, "groupid": r.group_id, "action": "add_member",
        "user": r.user.as_str(),
    })))
}

/// `POST /chatgroups/{g}/users`, body `{usernames}`: `data: {newmembers, groupid, action}`.
async fn add_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let r = call.exec(AddGroupMembers {
        group: g(&call),
        users: body_users(&b.usernames)?,
        need_notify: None,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "newmembers": names_json(&r.newmembers), "groupid": r.group_id, "action": "add_member",
    })))
}

/// `DELETE /chatgroups/{g}/users/{user}` (`data: {result, action: "remove_member", user,
/// groupid}`) or `…/{u1,u2}` (`data: [{…, reason?}]`).
async fn remove_members(call: Call) -> ApiResult<Envelope> {
    let (users, batch) = path_users(&call, "users")?;
    let gid = g(&call);
    if batch {
        let items = call.exec(RemoveGroupMembers {
            group: gid.clone(),
            users,
        })?;
        return Ok(Envelope::full(&call, "delete").data(items_json(&items, "remove_member", &gid)));
    }
    let user = users.into_iter().next().unwrap_or_else(|| unreachable!());
    let r = call.exec(RemoveGroupMember { group: gid, user })?;
    Ok(Envelope::full(&call, "delete").data(json!({
        "result": r.result, "action": "remove_member", "user": r.user.as_str(),
        "groupid": r.group_id,
    })))
}

fn self_user(call: &Call) -> ApiResult<UserName> {
    match (&call.actor, call.query("username")) {
        (Actor::User(u), None) => Ok(u.clone()),
        (_, Some(n)) => Ok(UserName::parse(n)?),
        (_, None) => Err(ApiError::new(
            400,
            "invalid_parameter",
            "username must be provided",
        )),
    }
}

/// `POST /chatgroups/{g}/join` (host path): `data: {result: true, groupid, user, status:
/// "joined"|"pending"}` (`pending`: the group needs approval).
async fn join(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call)?;
    let r = call.exec(JoinGroup {
        group: g(&call),
        user: user.clone(),
    })?;
    let status = match r {
        JoinOutcome::Joined => "joined",
        JoinOutcome::Pending => "pending",
    };
    Ok(Envelope::full(&call, "post").data(json!({
        "result": true, "groupid": g(&call), "user": user.as_str(), "status": status,
    })))
}

/// `POST /chatgroups/{g}/leave` (host path): `data: {result, groupid, user}`.
async fn leave(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call)?;
    let r = call.exec(LeaveGroup {
        group: g(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "result": r, "groupid": g(&call), "user": user.as_str(),
    })))
}

// ---------------------------------------------------------------------------------------------
// Admins

/// `GET /chatgroups/{g}/admin`: `data: [user]`, `count`.
async fn admins(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupAdmins { group: g(&call) })?;
    Ok(Envelope::full(&call, "get")
        .count(l.len())
        .data(names_json(&l)))
}

/// `POST /chatgroups/{g}/admin`, body `{newadmin}`: `data: {result: "success", newadmin}`.
async fn add_admin(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let name = text(&m, "newadmin")?
        .ok_or_else(|| ApiError::new(400, "invalid_parameter", "newadmin must be provided"))?;
    let u = call.exec(AddGroupAdmin {
        group: g(&call),
        user: UserName::parse(&name)?,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({"result": "success", "newadmin": u.as_str()})))
}

/// `DELETE /chatgroups/{g}/admin/{user}`: `data: {result: "success", oldadmin}`.
async fn remove_admin(call: Call) -> ApiResult<Envelope> {
    let u = call.exec(RemoveGroupAdmin {
        group: g(&call),
        user: call.user("username")?,
    })?;
    Ok(Envelope::full(&call, "delete").data(json!({"result": "success", "oldadmin": u.as_str()})))
}

// ---------------------------------------------------------------------------------------------
// Block list

/// `GET /chatgroups/{g}/blocks/users`: `data: [user]`, `count`.
async fn blocks(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupBlocks { group: g(&call) })?;
    Ok(Envelope::full(&call, "get")
        .count(l.len())
        .data(names_json(&l)))
}

/// `POST /chatgroups/{g}/blocks/users/{user}`: `data: {result, action: "add_blocks", user,
/// groupid}`.
async fn block_one(call: Call) -> ApiResult<Envelope> {
    let user = call.user("users")?;
    let r = call.exec(BlockGroupMember {
        group: g(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "result": r, "action": "add_blocks", "user": user.as_str(), "groupid": g(&call),
    })))
}

/// `POST /chatgroups/{g}/blocks/users`, body `{usernames}`: `data: [item]`.
async fn block_batch(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let items = call.exec(BlockGroupMembers {
        group: g(&call),
        users: body_users(&b.usernames)?,
    })?;
    Ok(Envelope::full(&call, "post").data(items_json(&items, "add_blocks", &g(&call))))
}

/// `DELETE /chatgroups/{g}/blocks/users/{user}` (object) or `…/{u1,u2}` (array).
async fn unblock(call: Call) -> ApiResult<Envelope> {
    let (users, batch) = path_users(&call, "users")?;
    if batch {
        let items = call.exec(UnblockGroupMembers {
            group: g(&call),
            users,
        })?;
        return Ok(Envelope::full(&call, "delete").data(items_json(
            &items,
            "remove_blocks",
            &g(&call),
        )));
    }
    let user = users.into_iter().next().unwrap_or_else(|| unreachable!());
    let r = call.exec(UnblockGroupMember {
        group: g(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "delete").data(json!({
        "result": r, "action": "remove_blocks", "user": user.as_str(), "groupid": g(&call),
    })))
}

// ---------------------------------------------------------------------------------------------
// Allow list

/// `GET /chatgroups/{g}/white/users`: the effective set (owner, admins, entries), `count`.
async fn allow_list(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupAllowed { group: g(&call) })?;
    Ok(Envelope::full(&call, "get")
        .count(l.len())
        .data(names_json(&l)))
}

/// `POST /chatgroups/{g}/white/users/{user}`: `data: {result, action: "add_user_whitelist",
/// user, groupid}`.
async fn allow_one(call: Call) -> ApiResult<Envelope> {
    let user = call.user("users")?;
    let r = call.exec(AllowGroupMember {
        group: g(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "result": r, "action": "add_user_whitelist", "user": user.as_str(), "groupid": g(&call),
    })))
}

/// `POST /chatgroups/{g}/white/users`, body `{usernames}`: `data: [item]`.
async fn allow_batch(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let items = call.exec(AllowGroupMembers {
        group: g(&call),
        users: body_users(&b.usernames)?,
    })?;
    Ok(Envelope::full(&call, "post").data(items_json(&items, "add_user_whitelist", &g(&call))))
}

/// `DELETE /chatgroups/{g}/white/users/{u[,u]}`: `data: [item]` (an array also for one).
async fn disallow(call: Call) -> ApiResult<Envelope> {
    let (users, _) = path_users(&call, "users")?;
    let items = call.exec(DisallowGroupMembers {
        group: g(&call),
        users,
    })?;
    Ok(
        Envelope::full(&call, "delete").data(items_json(
            &items,
            "remove_user_whitelist",
            &g(&call),
        )),
    )
}

/// `GET /chatgroups/{g}/white/users/{user}` (host path): `data: {user, groupid, result}`.
async fn allow_status(call: Call) -> ApiResult<Envelope> {
    let user = call.user("users")?;
    let r = call.ask(IsGroupAllowed {
        group: g(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call, "get").data(json!({
        "user": user.as_str(), "groupid": g(&call), "result": r,
    })))
}

// ---------------------------------------------------------------------------------------------
// Mutes

/// `GET /chatgroups/{g}/mute`: `data: [{user, expire}]` (`expire` epoch ms, `-1` forever).
async fn mutes(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupMutes { group: g(&call) })?;
    let data: Vec<Value> = l
        .iter()
        .map(|m| json!({"user": m.user.as_str(), "expire": expire_json(m.expiry)}))
        .collect();
    Ok(Envelope::full(&call, "get").count(data.len()).data(data))
}

#[derive(Deserialize)]
struct MuteBody {
    #[serde(default)]
    usernames: Vec<String>,
    mute_duration: Option<Value>,
}

/// `POST /chatgroups/{g}/mute`, body `{usernames, mute_duration}` (ms; `-1` forever, `0`
/// lifts): `data: [{result, user, expire?}]`. A duration that is no whole number is `400
/// invalid_parameter`.
async fn mute(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: MuteBody = call.json(body).await?;
    let bad = || ApiError::new(400, "invalid_parameter", "mute_duration is invalid");
    let duration_ms = match b.mute_duration {
        None | Some(Value::Null) => {
            return Err(ApiError::new(
                400,
                "invalid_parameter",
                "mute_duration must be provided",
            ));
        }
        Some(Value::Number(n)) => n.as_i64().ok_or_else(bad)?,
        Some(Value::String(s)) => s.trim().parse().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    let r = call.exec(MuteGroupMembers {
        group: g(&call),
        users: body_users(&b.usernames)?,
        duration_ms,
    })?;
    let data: Vec<Value> = r
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("result".into(), i.result.into());
            m.insert("user".into(), i.user.as_str().into());
            if let Some(e) = i.expiry {
                m.insert("expire".into(), expire_json(e));
            }
            Value::Object(m)
        })
        .collect();
    Ok(Envelope::full(&call, "post").data(data))
}

/// `DELETE /chatgroups/{g}/mute/{u[,u]}`: `data: [{result, user, reason?}]`.
async fn unmute(call: Call) -> ApiResult<Envelope> {
    let (users, _) = path_users(&call, "users")?;
    let items = call.exec(UnmuteGroupMembers {
        group: g(&call),
        users,
    })?;
    let data: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("result".into(), i.result.into());
            m.insert("user".into(), i.user.as_str().into());
            if let Some(r) = &i.reason {
                m.insert("reason".into(), r.as_str().into());
            }
            Value::Object(m)
        })
        .collect();
    Ok(Envelope::full(&call, "delete").data(data))
}

/// `POST /chatgroups/{g}/ban`: `data: {mute: true}`.
async fn mute_all(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(MuteGroupAll { group: g(&call) })?;
    Ok(Envelope::full(&call, "post").data(json!({ "mute": r })))
}

/// `DELETE /chatgroups/{g}/ban`: `data: {mute: false}`.
async fn unmute_all(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(UnmuteGroupAll { group: g(&call) })?;
    Ok(Envelope::full(&call, "delete").data(json!({ "mute": r })))
}

// ---------------------------------------------------------------------------------------------
// Announcement

/// `GET /chatgroups/{g}/announcement`: `data: {announcement}`.
async fn announcement(call: Call) -> ApiResult<Envelope> {
    let t = call.ask(GetGroupAnnouncement { group: g(&call) })?;
    Ok(Envelope::full(&call, "get").data(json!({ "announcement": t })))
}

/// `POST /chatgroups/{g}/announcement`, body `{announcement}`: `data: {id, result}`.
async fn set_announcement(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let r = call.exec(SetGroupAnnouncement {
        group: g(&call),
        announcement: text(&m, "announcement")?,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({"id": g(&call), "result": r})))
}

// ---------------------------------------------------------------------------------------------
// Member attributes (`/metadata/chatgroup`)

fn map_json(m: &IndexMap<String, String>) -> Value {
    let mut o = Map::new();
    for (k, v) in m {
        o.insert(k.clone(), v.as_str().into());
    }
    Value::Object(o)
}

/// Non-string values are stored as their JSON text.
fn string_map(m: IndexMap<String, Value>) -> IndexMap<String, String> {
    m.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

#[derive(Deserialize)]
struct MetaBody {
    #[serde(rename = "metaData", default)]
    meta_data: IndexMap<String, Value>,
}

/// `PUT /metadata/chatgroup/{g}/user/{user}`, body `{metaData}`: `data` the keys set.
async fn set_attrs(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: MetaBody = call.json(body).await?;
    let r = call.exec(SetGroupMemberAttrs {
        group: g(&call),
        user: call.user("username")?,
        attrs: string_map(b.meta_data),
    })?;
    Ok(Envelope::full(&call, "put").data(map_json(&r)))
}

/// `GET /metadata/chatgroup/{g}/user/{user}`: `data` every key.
async fn get_attrs(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(GetGroupMemberAttrs {
        group: g(&call),
        user: call.user("username")?,
    })?;
    Ok(Envelope::full(&call, "get").data(map_json(&r)))
}

#[derive(Deserialize)]
struct BatchEntry {
    #[serde(default)]
    username: String,
    #[serde(default)]
    metadata: IndexMap<String, Value>,
}

/// `PUT /metadata/chatgroup/{g}/users/batch`, body `[{username, metadata}]`: `data:
/// {succeeded: [{username, metadata}], failed: []}`.
async fn batch_set_attrs(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: Vec<BatchEntry> = call.json(body).await?;
    let entries = b
        .into_iter()
        .map(|e| Ok((UserName::parse(&e.username)?, string_map(e.metadata))))
        .collect::<ApiResult<Vec<_>>>()?;
    let r = call.exec(BatchSetGroupMemberAttrs {
        group: g(&call),
        entries,
    })?;
    let ok: Vec<Value> = r
        .iter()
        .map(|s| json!({"username": s.username.as_str(), "metadata": map_json(&s.metadata)}))
        .collect();
    Ok(Envelope::full(&call, "put").data(json!({"succeeded": ok, "failed": []})))
}

#[derive(Deserialize)]
struct ByKeysBody {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    properties: Vec<String>,
}

/// `POST /metadata/chatgroup/{g}/get`, body `{targets, properties}`: `data: {user: {k: v}}`.
async fn get_attrs_by_keys(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: ByKeysBody = call.json(body).await?;
    let r = call.ask(GetGroupMemberAttrsByKeys {
        group: g(&call),
        targets: body_users(&b.targets)?,
        keys: b.properties,
    })?;
    let mut data = Map::new();
    for (u, m) in &r {
        data.insert(u.to_string(), map_json(m));
    }
    Ok(Envelope::full(&call, "post").data(data))
}

// ---------------------------------------------------------------------------------------------
// Host paths: the send rule, join requests and invitations

/// `GET /chatgroups/{g}/users/{user}` (host path): `data: {user, groupid, may_speak,
/// reason?, expire?}`; `reason` is `not_member`, `disabled`, `muted` (with `expire`) or
/// `muted_all`.
async fn speak_status(call: Call) -> ApiResult<Envelope> {
    let user = call.user("users")?;
    let r = call.ask(MaySpeakInGroup {
        group: g(&call),
        user: user.clone(),
    })?;
    let mut data = json!({"user": user.as_str(), "groupid": g(&call), "may_speak": false});
    match r {
        GroupSpeak::Allowed => data["may_speak"] = true.into(),
        GroupSpeak::NotMember => data["reason"] = "not_member".into(),
        GroupSpeak::Disabled => data["reason"] = "disabled".into(),
        GroupSpeak::Muted(e) => {
            data["reason"] = "muted".into();
            data["expire"] = expire_json(e);
        }
        GroupSpeak::MutedAll => data["reason"] = "muted_all".into(),
    }
    Ok(Envelope::full(&call, "get").data(data))
}

/// `GET /chatgroups/{g}/speakers` (host path, app admin): `data: [user]`, who may send now.
async fn speakers(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(GroupSpeakers { group: g(&call) })?;
    Ok(Envelope::full(&call, "get")
        .count(l.len())
        .data(names_json(&l)))
}

/// `GET /chatgroups/{g}/requests` (host path): `data: {applications, invitations}`.
async fn requests(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(ListGroupRequests { group: g(&call) })?;
    Ok(Envelope::full(&call, "get").data(json!({
        "applications": names_json(&r.applications),
        "invitations": names_json(&r.invitations),
    })))
}

fn outcome(o: JoinOutcome) -> &'static str {
    match o {
        JoinOutcome::Joined => "joined",
        JoinOutcome::Pending => "pending",
    }
}

fn verdict(call: &Call) -> ApiResult<bool> {
    match call.param("verdict") {
        "approve" | "accept" => Ok(true),
        "decline" => Ok(false),
        v => Err(ApiError::new(
            404,
            "service_resource_not_found",
            format!("no such action: {v}"),
        )),
    }
}

/// `POST /chatgroups/{g}/requests/{user}/approve|decline` (host path): `data: {result: true,
/// groupid, user, status}`.
async fn decide_request(call: Call) -> ApiResult<Envelope> {
    if call.param("verdict") == "accept" {
        return Err(ApiError::new(
            404,
            "service_resource_not_found",
            "no such action: accept",
        ));
    }
    let user = call.user("username")?;
    let (group, u) = (g(&call), user.clone());
    let o = if verdict(&call)? {
        call.exec(ApproveGroupJoin { group, user: u })?
    } else {
        call.exec(DeclineGroupJoin { group, user: u })?
    };
    Ok(Envelope::full(&call, "post").data(json!({
        "result": true, "groupid": g(&call), "user": user.as_str(), "status": outcome(o),
    })))
}

/// `POST /chatgroups/{g}/invite` (host path), body `{usernames}`: `data: {joined, invited}`.
async fn invite(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let r = call.exec(InviteToGroup {
        group: g(&call),
        users: body_users(&b.usernames)?,
    })?;
    Ok(Envelope::full(&call, "post").data(json!({
        "joined": names_json(&r.joined), "invited": names_json(&r.invited),
    })))
}

/// `POST /chatgroups/{g}/invitations/{user}/accept|decline` (host path): `data: {result:
/// true, groupid, user, status}`.
async fn decide_invitation(call: Call) -> ApiResult<Envelope> {
    if call.param("verdict") == "approve" {
        return Err(ApiError::new(
            404,
            "service_resource_not_found",
            "no such action: approve",
        ));
    }
    let user = call.user("username")?;
    let (group, u) = (g(&call), user.clone());
    let o = if verdict(&call)? {
        call.exec(AcceptGroupInvite { group, user: u })?
    } else {
        call.exec(DeclineGroupInvite { group, user: u })?
    };
    Ok(Envelope::full(&call, "post").data(json!({
        "result": true, "groupid": g(&call), "user": user.as_str(), "status": outcome(o),
    })))
}

// ---------------------------------------------------------------------------------------------
// Shared files (metadata)

fn file_json(f: &GroupFile) -> Value {
    json!({
        "file_id": f.file_id, "file_name": f.file_name, "file_owner": f.file_owner,
        "file_size": f.file_size, "created": f.created.0, "group_id": f.group_id,
    })
}

/// `GET /chatgroups/{g}/share_files?pagenum&pagesize`: `data: [file]`, newest first.
async fn files(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupFiles {
        group: g(&call),
        page_num: call.query_u32("pagenum")?,
        page_size: call.query_u32("pagesize")?,
    })?;
    let data: Vec<Value> = l.iter().map(file_json).collect();
    Ok(Envelope::full(&call, "get").count(data.len()).data(data))
}

#[derive(Deserialize)]
struct UploadBody {
    file_name: Option<String>,
    #[serde(default)]
    file_size: u64,
}

/// `POST /chatgroups/{g}/share_files`, body `{file_name, file_size}`: `data: file`.
async fn upload_file(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UploadBody = call.json(body).await?;
    let f = call.exec(UploadGroupFile {
        group: g(&call),
        file_name: b.file_name,
        file_size: b.file_size,
    })?;
    Ok(Envelope::full(&call, "post").data(file_json(&f)))
}

/// `GET /chatgroups/{g}/share_files/{file_id}`: `data: file` (metadata).
async fn file(call: Call) -> ApiResult<Envelope> {
    let f = call.ask(GetGroupFile {
        group: g(&call),
        file_id: call.param("file_id").to_owned(),
    })?;
    Ok(Envelope::full(&call, "get").data(file_json(&f)))
}

/// `DELETE /chatgroups/{g}/share_files/{file_id}`: `data: {group_id, file_id, result}`.
async fn delete_file(call: Call) -> ApiResult<Envelope> {
    let id = call.param("file_id").to_owned();
    let r = call.exec(DeleteGroupFile {
        group: g(&call),
        file_id: id.clone(),
    })?;
    Ok(Envelope::full(&call, "delete")
        .data(json!({"group_id": g(&call), "file_id": id, "result": r})))
}
