//! Chatrooms (spec 03 §3.1–§3.5): super admins, the room lifecycle (create, list, details,
//! update, transfer, delete), the announcement, members (page and cursor mode, add one or a
//! batch, remove one or a batch), join and leave, and admins. The block, allow and mute lists
//! are in [`room_lists`](super::room_lists), attributes in
//! [`room_attributes`](super::room_attributes).
//!
//! # Conventions of these routes
//! - Room ids are decimal strings (`"66213271109633"`), in paths and in answers. A path id
//!   that is not a decimal number without a leading zero names no room: the engine's `E_ROOM`
//!   (`404 resource_not_found "grpID {id} does not exist!"`), or `E_ROOM_Q` (`404
//!   service_resource_not_found "do not find this group:{id}"`) for the detail, member and
//!   export reads, naming the id as written ([`RoomId::for_command`], [`RoomId::for_read`]).
//! - Several users in a path are comma-separated (`/users/u1,u2`); a path with one user takes
//!   the single-user form (an object in `data`), with a comma the batch form (an array).
//! - A user name in a path or body that is not a legal user name is `400 illegal_argument`
//!   naming the rule, except where the vendor answers "no such user" for an unknown one
//!   (create's `owner` and `members`, the batch add's `usernames`, `superadmin`, `newowner`
//!   and `newadmin`): there it is `E_USER`.
//! - Join and leave have no vendor REST path (clients join over the SDK). This host serves
//!   them as `POST /chatrooms/{id}/join` and `POST /chatrooms/{id}/leave`: with a user token
//!   the caller joins or leaves; with the app token the user is named by the `username` query
//!   parameter. Join takes `leave_other_rooms=true` as a query parameter.
//! - The engine's other reads have host paths too (no vendor REST equivalent):
//!   `GET /chatrooms/{id}/users/{user}` (membership and whether they may speak now),
//!   `GET /chatrooms/{id}/white/users/{user}` (allow-list status),
//!   `GET /chatrooms/{id}/mute/{user}` (individual mute status),
//!   `GET /metadata/chatroom/{id}/owners` (who owns each attribute key), and the §3.11 exports
//!   `GET /chatrooms/{id}/export` and `GET /users/{user}/chatrooms/export` (app admin only).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{delete, get, post};
use imcore::UserName;
use imcore::groups::GroupSort;
use imcore::rooms::{
    AddRoomAdmin, AddRoomMember, AddRoomMembers, AddRoomSuperAdmin, CreateRoom, DeleteRoom,
    ExportRoom, ExportUserRooms, GetRoomAnnouncement, GetRooms, IsRoomMember, JoinRoom, LeaveRoom,
    ListJoinedRooms, ListRoomAdmins, ListRoomMembers, ListRoomMembersCursor, ListRoomSuperAdmins,
    ListRooms, MayRoomMemberSpeak, RemoveRoomAdmin, RemoveRoomMember, RemoveRoomMembers,
    RemoveRoomSuperAdmin, RoomAffiliation, RoomDetails, RoomError, RoomId, SetRoomAnnouncement,
    TransferRoom, UpdateRoom,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::shared::{
    Named, Scope, UsernamesBody, comma_list, cursor, expire_json, listing, names_answer,
    names_json, number, room, room_q, self_user, sort, string_list, strings_json, text,
    with_params,
};
use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route(
            "/{org}/{app}/chatrooms/super_admin",
            post(add_super_admin).get(list_super_admins),
        )
        .route(
            "/{org}/{app}/chatrooms/super_admin/{username}",
            delete(remove_super_admin),
        )
        .route("/{org}/{app}/chatrooms", post(create).get(list))
        .route(
            "/{org}/{app}/users/{username}/joined_chatrooms",
            get(joined),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}",
            get(details).put(update).delete(remove),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/announcement",
            get(announcement).post(set_announcement),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/users",
            get(members).post(add_members),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/users/{users}",
            post(add_member).delete(remove_members).get(member_status),
        )
        .route("/{org}/{app}/chatrooms/{id}/export", get(export_room))
        .route(
            "/{org}/{app}/users/{username}/chatrooms/export",
            get(export_user),
        )
        .route("/{org}/{app}/chatrooms/{id}/join", post(join))
        .route("/{org}/{app}/chatrooms/{id}/leave", post(leave))
        .route(
            "/{org}/{app}/chatrooms/{id}/admin",
            get(admins).post(add_admin),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/admin/{username}",
            delete(remove_admin),
        )
}

/// User names where the vendor answers "no such user" for any bad one: an illegal name is
/// `E_USER` for it.
fn known_users(names: &[String]) -> ApiResult<Vec<UserName>> {
    names
        .iter()
        .map(|n| UserName::parse(n).map_err(|_| RoomError::UserNotFound(n.clone()).into()))
        .collect()
}

/// A required user-name string field: missing is `400 invalid_parameter "{k} must be
/// provided"`, an illegal name `E_USER`.
fn user_field(m: &Map<String, Value>, k: &'static str) -> ApiResult<UserName> {
    let name = text(m, k)?.ok_or(RoomError::Missing(k))?;
    Ok(known_users(&[name])?.remove(0))
}

// ---------------------------------------------------------------------------------------------
// Super admins (§3.1)

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SuperAdminBody {
    superadmin: Option<String>,
}

/// `POST /chatrooms/super_admin`, body `{superadmin}`: `data: {result: "success", resource}`.
async fn add_super_admin(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: SuperAdminBody = call.json(body).await?;
    let name = b.superadmin.ok_or(RoomError::Missing("superadmin"))?;
    let user = known_users(&[name])?.remove(0);
    call.exec(AddRoomSuperAdmin { user })?;
    Ok(Envelope::full(&call).data(json!({"result": "success", "resource": ""})))
}

/// `GET /chatrooms/super_admin?pagenum&pagesize`: `data: [user]`, `count`, and the paging
/// parameters given echoed as `params`.
async fn list_super_admins(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListRoomSuperAdmins {
        pagenum: call.query_count("pagenum")?,
        pagesize: call.query_count("pagesize")?,
    })?;
    let e = Envelope::full(&call)
        .data(names_json(&page.data))
        .count(page.count);
    Ok(with_params(&call, e, &["pagenum", "pagesize"]))
}

/// `DELETE /chatrooms/super_admin/{user}`: `data: {newSuperAdmin, resource}`.
async fn remove_super_admin(call: Call) -> ApiResult<Envelope> {
    let user = call.user("username")?;
    let u = call.exec(RemoveRoomSuperAdmin { user })?;
    Ok(Envelope::full(&call).data(json!({"newSuperAdmin": u.as_str(), "resource": ""})))
}

// ---------------------------------------------------------------------------------------------
// Lifecycle (§3.2)

/// `POST /chatrooms`, body `{name, description, owner, maxusers?, members?, custom?}`
/// (`need_verify`, `scale` and other fields are ignored): `data: {id}`. A `maxusers` outside
/// `u32` is passed as 0, which the engine refuses with "maxUsers cannot exceed {cap}".
async fn create(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let owner = match text(&m, "owner")? {
        Some(o) => Some(known_users(&[o])?.remove(0)),
        None => None,
    };
    let members = match string_list(&m, "members")? {
        Some(names) => Some(known_users(&names)?),
        None => None,
    };
    let id = call.exec(CreateRoom {
        name: text(&m, "name")?,
        description: text(&m, "description")?,
        owner,
        maxusers: number(&m, "maxusers")?,
        members,
        custom: text(&m, "custom")?,
    })?;
    Ok(Envelope::full(&call).data(json!({"id": id.to_string()})))
}

/// `GET /chatrooms?limit&cursor`: `data: [{id, name, owner, affiliations_count, disabled}]`,
/// `count`, `cursor` when more follow.
async fn list(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListRooms {
        limit: call.query_count("limit")?,
        cursor: cursor(&call),
    })?;
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "id": r.id.to_string(),
                "name": r.name,
                "owner": r.owner.as_str(),
                "affiliations_count": r.affiliations_count,
                "disabled": r.disabled,
            })
        })
        .collect();
    Ok(listing(&call, data).cursor(page.cursor))
}

/// `GET /users/{user}/joined_chatrooms?pagenum&pagesize`: `data: [{id, name, disabled}]`,
/// most recent first, `count`, and the paging parameters given echoed as `params`.
async fn joined(call: Call) -> ApiResult<Envelope> {
    let rooms = call.ask(ListJoinedRooms {
        user: call.user("username")?,
        pagenum: call.query_count("pagenum")?,
        pagesize: call.query_count("pagesize")?,
    })?;
    let data: Vec<Value> = rooms
        .iter()
        .map(|r| json!({"id": r.id.to_string(), "name": r.name, "disabled": r.disabled}))
        .collect();
    Ok(with_params(
        &call,
        listing(&call, data),
        &["pagenum", "pagesize"],
    ))
}

fn affiliation_json(a: &RoomAffiliation) -> Value {
    match a {
        RoomAffiliation::Owner(u) => json!({"owner": u.as_str()}),
        RoomAffiliation::Member(u) => json!({"member": u.as_str()}),
    }
}

fn details_json(d: &RoomDetails) -> Value {
    json!({
        "id": d.id.to_string(),
        "name": d.name,
        "description": d.description,
        "membersonly": d.membersonly,
        "allowinvites": d.allowinvites,
        "maxusers": d.maxusers,
        "owner": d.owner.as_str(),
        "created": d.created.0,
        "custom": d.custom,
        "mute": d.mute,
        "affiliations_count": d.affiliations_count,
        "affiliations": d.affiliations.iter().map(affiliation_json).collect::<Vec<_>>(),
        "public": d.public,
    })
}

/// `GET /chatrooms/{id[,id…]}`: `data: [details]` in request order, `count`.
///
/// An id that is no room id is `E_ROOM_Q` naming it, after the engine's checks of the list
/// as a whole (none, too many) and before its checks of each room. So the engine is asked
/// with a stand-in for each such id: its refusal of the list (`400`) comes first, and any
/// other answer yields to that `E_ROOM_Q`.
async fn details(call: Call) -> ApiResult<Envelope> {
    let parsed: Vec<Result<RoomId, RoomError>> = comma_list(call.param("id"))
        .into_iter()
        .map(RoomId::for_read)
        .collect();
    let ids = parsed
        .iter()
        .map(|p| p.as_ref().copied().unwrap_or_default())
        .collect();
    let answer = call.ask(GetRooms { ids });
    let rooms = match parsed.into_iter().find_map(Result::err) {
        Some(bad) if !answer.as_ref().is_err_and(|e| e.status == 400) => {
            return Err(bad.into());
        }
        _ => answer?,
    };
    let data: Vec<Value> = rooms.iter().map(details_json).collect();
    Ok(Envelope::full(&call).count(data.len()).data(data))
}

/// `PUT /chatrooms/{id}`: with `newowner`, a transfer (`data: {newowner: true}`); else an
/// update of `name`, `description`, `maxusers`, `custom` (`need_verify` ignored), `data`
/// one `true` per supplied field (`groupname`, `description`, `maxusers`, `custom`). A body
/// mixing `newowner` with other fields names the first of them as an invalid field.
async fn update(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let m: Map<String, Value> = call.json(body).await?;
    if m.contains_key("newowner") {
        if let Some(k) = m.keys().find(|k| *k != "newowner") {
            return Err(RoomError::UnknownField(k.clone()).into());
        }
        let new_owner = user_field(&m, "newowner")?;
        let r = call.exec(TransferRoom {
            room: id,
            new_owner,
        })?;
        return Ok(Envelope::full(&call).data(json!({"newowner": r})));
    }
    let unknown_fields = m
        .keys()
        .filter(|k| {
            !matches!(
                k.as_str(),
                "name" | "description" | "maxusers" | "custom" | "need_verify"
            )
        })
        .cloned()
        .collect();
    let r = call.exec(UpdateRoom {
        room: id,
        name: text(&m, "name")?,
        description: text(&m, "description")?,
        maxusers: number(&m, "maxusers")?,
        custom: text(&m, "custom")?,
        unknown_fields,
    })?;
    let data = serde_json::to_value(r)
        .map_err(|e| ApiError::new(500, "INTERNAL_SERVER_ERROR", e.to_string()))?;
    Ok(Envelope::full(&call).data(data))
}

/// `DELETE /chatrooms/{id}`: `data: {success: true, id}`.
async fn remove(call: Call) -> ApiResult<Envelope> {
    let id = call.exec(DeleteRoom { room: room(&call)? })?;
    Ok(Envelope::full(&call).data(json!({"success": true, "id": id.to_string()})))
}

// ---------------------------------------------------------------------------------------------
// Announcement (§3.3)

/// `GET /chatrooms/{id}/announcement`: `data: {announcement}`.
async fn announcement(call: Call) -> ApiResult<Envelope> {
    let text = call.ask(GetRoomAnnouncement { room: room(&call)? })?;
    Ok(Envelope::full(&call).data(json!({ "announcement": text })))
}

/// `POST /chatrooms/{id}/announcement`, body `{announcement}` ("" clears): `data: {id,
/// result: true}`.
async fn set_announcement(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let m: Map<String, Value> = call.json(body).await?;
    let text = text(&m, "announcement")?.ok_or(RoomError::Missing("announcement"))?;
    call.exec(SetRoomAnnouncement { room: id, text })?;
    Ok(Envelope::full(&call).data(json!({"id": id.to_string(), "result": true})))
}

// ---------------------------------------------------------------------------------------------
// Members (§3.4)

/// `GET /chatrooms/{id}/users`: page mode (`pagenum`, `pagesize`; `data: [{owner}|{member}]`,
/// `count`, the paging parameters given echoed as `params`), or with `version=v3` cursor mode (`limit`, `cursor`, `sort=asc|desc`; `data:
/// [user]` without the owner, `count`, `cursor` when more follow).
async fn members(call: Call) -> ApiResult<Envelope> {
    let id = room_q(&call)?;
    if call.query("version") == Some("v3") {
        let desc = sort(&call)? == Some(GroupSort::Desc);
        let page = call.ask(ListRoomMembersCursor {
            room: id,
            limit: call.query_count("limit")?,
            cursor: cursor(&call),
            desc,
        })?;
        return Ok(Envelope::full(&call)
            .count(page.items.len())
            .data(names_json(&page.items))
            .cursor(page.cursor));
    }
    let list = call.ask(ListRoomMembers {
        room: id,
        pagenum: call.query_count("pagenum")?,
        pagesize: call.query_count("pagesize")?,
    })?;
    let data: Vec<Value> = list.iter().map(affiliation_json).collect();
    let e = Envelope::full(&call).count(data.len()).data(data);
    Ok(with_params(&call, e, &["pagenum", "pagesize"]))
}

/// `POST /chatrooms/{id}/users/{user}`: `data: {result: true, action: "add_member", id,
/// user}`.
async fn add_member(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("users")?;
    let r = call.exec(AddRoomMember {
        room: id,
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call).data(json!({
        "result": r, "action": "add_member", "id": id.to_string(), "user": user.as_str(),
    })))
}

/// `POST /chatrooms/{id}/users`, body `{usernames}`: `data: {newmembers, action:
/// "add_member", id}`.
async fn add_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let b: UsernamesBody = call.json(body).await?;
    let users = known_users(&b.usernames)?;
    let added = call.exec(AddRoomMembers { room: id, users })?;
    Ok(Envelope::full(&call).data(json!({
        "newmembers": names_json(&added), "action": "add_member", "id": id.to_string(),
    })))
}

/// `DELETE /chatrooms/{id}/users/{user}`: `data: {result: true, action: "remove_member",
/// user, id}`; with `u1,u2,…`: `data: [{result, action, user, id, reason?}]`.
async fn remove_members(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let items = Named::in_path(&call)?.run(
        &call,
        &id,
        |room, user| RemoveRoomMember { room, user },
        |room, users| RemoveRoomMembers { room, users },
    )?;
    Ok(Envelope::full(&call).data(items.json("remove_member", &Scope::new("id", id))))
}

/// `POST /chatrooms/{id}/join[?leave_other_rooms=true]` (host path, see the module docs):
/// `data: {result: true, action: "join", id, user, joined}` (`joined` false when already a
/// member).
async fn join(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = self_user(&call, RoomError::Missing("username"))?;
    let joined = call.exec(JoinRoom {
        room: id,
        user: user.clone(),
        leave_other_rooms: call.query_bool("leave_other_rooms")?,
    })?;
    Ok(Envelope::full(&call).data(json!({
        "result": true, "action": "join", "id": id.to_string(), "user": user.as_str(),
        "joined": joined,
    })))
}

/// `POST /chatrooms/{id}/leave` (host path): `data: {result: true, action: "leave", id,
/// user}`.
async fn leave(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = self_user(&call, RoomError::Missing("username"))?;
    call.exec(LeaveRoom {
        room: id,
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call).data(json!({
        "result": true, "action": "leave", "id": id.to_string(), "user": user.as_str(),
    })))
}

// ---------------------------------------------------------------------------------------------
// Admins (§3.5)

/// `GET /chatrooms/{id}/admin`: `data: [user]`, `count`.
async fn admins(call: Call) -> ApiResult<Envelope> {
    let list = call.ask(ListRoomAdmins { room: room(&call)? })?;
    Ok(names_answer(&call, &list))
}

/// `POST /chatrooms/{id}/admin`, body `{newadmin}`: `data: {result: "success", newadmin}`.
async fn add_admin(call: Call, body: Body) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let m: Map<String, Value> = call.json(body).await?;
    let user = user_field(&m, "newadmin")?;
    let u = call.exec(AddRoomAdmin { room: id, user })?;
    Ok(Envelope::full(&call).data(json!({"result": "success", "newadmin": u.as_str()})))
}

/// `DELETE /chatrooms/{id}/admin/{user}`: `data: {result: "success", oldadmin}`.
async fn remove_admin(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("username")?;
    let u = call.exec(RemoveRoomAdmin { room: id, user })?;
    Ok(Envelope::full(&call).data(json!({"result": "success", "oldadmin": u.as_str()})))
}

// ---------------------------------------------------------------------------------------------
// Host paths for the engine's other reads

/// `GET /chatrooms/{id}/users/{user}` (host path): `data: {user, id, member, may_speak}`.
/// The app admin, or the user themself.
async fn member_status(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("users")?;
    let member = call.ask(IsRoomMember {
        room: id,
        user: user.clone(),
    })?;
    let may_speak = call.ask(MayRoomMemberSpeak {
        room: id,
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call).data(json!({
        "user": user.as_str(), "id": id.to_string(), "member": member, "may_speak": may_speak,
    })))
}

/// `GET /chatrooms/{id}/export` (host path, §3.11, app admin): `data: {details,
/// announcement, admins, mutes: [{user, expire}], blocks, allow, attributes: [{key, value,
/// owner, autoDelete}]}`; `owner` is `admin` for the app admin's keys.
async fn export_room(call: Call) -> ApiResult<Envelope> {
    let x = call.ask(ExportRoom {
        room: room_q(&call)?,
    })?;
    let mutes: Vec<Value> = x
        .mutes
        .iter()
        .map(|m| json!({"user": m.user.as_str(), "expire": expire_json(m.expire)}))
        .collect();
    let attributes: Vec<Value> = x
        .attributes
        .iter()
        .map(|(k, v, owner, auto)| {
            json!({
                "key": k, "value": v,
                "owner": owner.as_ref().map_or("admin", |o| o.as_str()),
                "autoDelete": if *auto { "DELETE" } else { "NO_DELETE" },
            })
        })
        .collect();
    Ok(Envelope::full(&call).data(json!({
        "details": details_json(&x.details),
        "announcement": x.announcement,
        "admins": names_json(&x.admins),
        "mutes": mutes,
        "blocks": names_json(&x.blocks),
        "allow": names_json(&x.allow),
        "attributes": attributes,
    })))
}

/// `GET /users/{user}/chatrooms/export` (host path, §3.11, app admin): `data: {super_admin,
/// joined: [id], rooms: [{id, name, owner, member, admin, muted, blocked, allowed,
/// attributes: {k: v}}]}`; `muted` is the entry's expiry (`-1` forever) or `null`.
async fn export_user(call: Call) -> ApiResult<Envelope> {
    let x = call.ask(ExportUserRooms {
        user: call.user("username")?,
    })?;
    let rooms: Vec<Value> = x
        .rooms
        .iter()
        .map(|r| {
            json!({
                "id": r.room.to_string(), "name": r.name, "owner": r.owner, "member": r.member,
                "admin": r.admin, "muted": r.muted.map(expire_json), "blocked": r.blocked,
                "allowed": r.allowed,
                "attributes": strings_json(r.attributes.iter().map(|(k, v)| (k, v))),
            })
        })
        .collect();
    let joined: Vec<Value> = x.joined.iter().map(|i| i.to_string().into()).collect();
    Ok(Envelope::full(&call).data(json!({
        "super_admin": x.super_admin, "joined": joined, "rooms": rooms,
    })))
}
