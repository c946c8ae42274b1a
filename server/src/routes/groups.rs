//! Groups (spec 02 §4–§10, §12): lifecycle (create, details, list, joined groups, modify,
//! transfer, disable/enable, destroy), members (page and cursor mode, add, remove, join and
//! leave), admins, the block and allow lists, mutes and mute-all (the routes of
//! [`lists`], with the engine calls of [`Moderated`] for [`GroupId`]), the
//! announcement, and member attributes (`/metadata/chatgroup/...`).
//!
//! Conventions as in [`rooms`](super::rooms): several users in a path are comma-separated,
//! one user takes the single-user form; group ids are the engine's strings (it validates
//! them); an illegal user name in a path or body is `400 illegal_argument`. Bodies use the
//! vendor's field names (`groupname`, `maxusers`, `membersonly`, `allowinvites`, …); answers
//! name the group `groupid`. Mute durations are milliseconds (`mute_duration`; `-1` forever,
//! `0` lifts); one that is no whole number is `400 invalid_parameter "mute_duration is
//! invalid"` before anything else is checked.
//!
//! Host paths (no vendor REST equivalent): `POST /chatgroups/{g}/join` and
//! `POST /chatgroups/{g}/leave` (caller's token, or `username` query parameter with the app
//! token); `GET /chatgroups/{g}/white/users/{user}` (allow status); join requests and
//! invitations (`GET /chatgroups/{g}/requests`, `POST /chatgroups/{g}/requests/{user}/approve`
//! and `…/decline`, `POST /chatgroups/{g}/invite` with `{usernames}`,
//! `POST /chatgroups/{g}/invitations/{user}/accept` and `…/decline`); the send rule
//! (`GET /chatgroups/{g}/users/{user}`: `may_speak` and why not; `GET /chatgroups/{g}/speakers`).
//!
//! Shared files (`/chatgroups/{g}/share_files[/{file_id}]`) take the vendor's multipart upload
//! (field `file`): the engine keeps the metadata, the host the bytes (`routes::blobs`), and
//! reading one file serves them. A JSON body `{file_name, file_size}` still records metadata
//! alone (reading such a file answers its metadata). A file's metadata names its download URL
//! (`file_url`), as the vendor's upload answer does.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequest;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use imcore::groups::{
    AcceptGroupInvite, AddGroupAdmin, AddGroupMember, AddGroupMembers, Affiliation,
    AllowGroupMember, AllowGroupMembers, ApproveGroupJoin, BatchSetGroupMemberAttrs,
    BlockGroupMember, BlockGroupMembers, CreateGroup, DeclineGroupInvite, DeclineGroupJoin,
    DeleteGroupFile, DestroyGroup, DisableGroup, DisallowGroupMembers, EnableGroup,
    GetGroupAnnouncement, GetGroupFile, GetGroupMemberAttrs, GetGroupMemberAttrsByKeys, GetGroups,
    GroupDetails, GroupError, GroupFile, GroupLookup, GroupMemberRole, GroupSpeak, GroupSpeakers,
    InviteToGroup, IsGroupAllowed, IsGroupMember, JoinGroup, JoinOutcome, LeaveGroup,
    ListAppGroups, ListGroupAdmins, ListGroupAllowed, ListGroupBlocks, ListGroupFiles,
    ListGroupMembers, ListGroupMembersCursor, ListGroupMutes, ListGroupRequests, ListJoinedGroups,
    ListJoinedGroupsLegacy, MaySpeakInGroup, ModifyGroup, MuteGroupAll, MuteGroupMembers,
    RemoveGroupAdmin, RemoveGroupMember, RemoveGroupMembers, SetGroupAnnouncement,
    SetGroupMemberAttrs, TransferGroupOwner, UnblockGroupMember, UnblockGroupMembers,
    UnmuteGroupAll, UnmuteGroupMembers, UploadGroupFile,
};
use imcore::{BatchItem, Expiry, GroupId, UserName};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::lists::{self, Moderated};
use super::shared::{
    Items, Named, Scope, UsernamesBody, as_text, body_users, comma_list, cursor, expire_json, flag,
    group, listing, names_answer, names_json, number, object_json, results_json, self_user, sort,
    string_list, strings_json, text, whole_number, with_params,
};
use crate::envelope::Envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::Call;
use crate::host::Host;
use crate::routes::chatfiles::UPLOAD_BODY_BYTES_MAX;

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
        .route("/{org}/{app}/chatgroups/{g}/disable", post(disable::<true>))
        .route("/{org}/{app}/chatgroups/{g}/enable", post(disable::<false>))
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
            post(decide::<false>),
        )
        .route("/{org}/{app}/chatgroups/{g}/invite", post(invite))
        .route(
            "/{org}/{app}/chatgroups/{g}/invitations/{username}/{verdict}",
            post(decide::<true>),
        )
        .route(
            "/{org}/{app}/chatgroups/{g}/share_files",
            get(files)
                .post(upload_file)
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_BYTES_MAX)),
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
            delete(remove_admin),
        )
        .merge(lists::routes::<GroupId>())
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

/// The full envelope with `entities: []`, as the vendor's group pages show every answer of the
/// group calls (lifecycle, members, admins, announcement, shared files).
fn vendor(call: &Call) -> Envelope {
    Envelope::full(call).entities(Vec::new())
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/// `POST /chatgroups`, body `{owner, public, groupname?, description?, avatar?, maxusers?,
/// membersonly?, allowinvites?, invite_need_confirm?, members?, custom?, groupid?, scale?}`:
/// `data: {groupid}`. The vendor's older spellings, which its Java server SDK still sends
/// (`CreateGroupRequest`), are read too: `desc` for `description` and `members_only` for
/// `membersonly` (the current name wins when both are given).
async fn create(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let owner = text(&m, "owner")?
        .map(|o| UserName::parse(&o))
        .transpose()?;
    let members = match string_list(&m, "members")? {
        Some(names) => body_users(&names)?,
        None => Vec::new(),
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
        description: match text(&m, "description")? {
            Some(d) => Some(d),
            None => text(&m, "desc")?,
        },
        avatar: text(&m, "avatar")?,
        max_users: number(&m, "maxusers")?,
        members_only: match flag(&m, "membersonly")? {
            Some(b) => Some(b),
            None => flag(&m, "members_only")?,
        },
        allow_invites: flag(&m, "allowinvites")?,
        invite_need_confirm: flag(&m, "invite_need_confirm")?,
        members,
        custom: text(&m, "custom")?,
        group_id: text(&m, "groupid")?.map(GroupId::from),
        large,
    })?;
    Ok(vendor(&call).data(json!({ "groupid": r.group_id })))
}

/// `GET /chatgroups?limit&cursor`: `data: [{groupid, groupname, owner, affiliations, type,
/// last_modified, lastModified, created}]` (the vendor's pages name the modification time
/// `last_modified` in older and `lastModified` in newer versions; both are given), `count`,
/// `cursor` when more follow, and the paging parameters given echoed as `params`.
async fn list(call: Call) -> ApiResult<Envelope> {
    let page = call.ask(ListAppGroups {
        limit: call.query_u32("limit")?,
        cursor: cursor(&call),
    })?;
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            json!({
                "groupid": i.group_id, "groupname": i.name, "owner": i.owner.as_str(),
                "affiliations": i.affiliations, "type": "group",
                "last_modified": i.last_modified.0, "lastModified": i.last_modified.0,
                "created": i.created.0,
            })
        })
        .collect();
    Ok(with_params(
        &call,
        listing(&call, data).cursor(page.cursor),
        &["limit", "cursor"],
    ))
}

/// `GET /chatgroups/user/{user}?pagenum&pagesize`: the page as `entities: [{id, groupId, name,
/// avatar, owner, description, disabled, public, allowinvites, membersonly, maxusers,
/// created}]` (the vendor's current page), and again as `data: [{groupid, groupname, …}]`
/// (its older one); `count` (this page), `total` (all the user's groups), and the paging
/// parameters given echoed as `params`.
async fn joined(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(ListJoinedGroups {
        user: call.user("username")?,
        page_num: call.query_u32("pagenum")?,
        page_size: call.query_u32("pagesize")?,
    })?;
    let (data, entities): (Vec<Value>, Vec<Value>) = r
        .items
        .iter()
        .map(|i| {
            let common = json!({
                "avatar": i.avatar, "owner": i.owner.as_str(), "description": i.description,
                "disabled": i.disabled, "public": i.public, "allowinvites": i.allow_invites,
                "membersonly": i.members_only, "maxusers": i.max_users, "created": i.created.0,
            });
            let mut old = common.clone();
            old["groupid"] = i.group_id.as_str().into();
            old["groupname"] = i.name.as_str().into();
            let mut new = common;
            new["id"] = i.group_id.as_str().into();
            new["groupId"] = i.group_id.as_str().into();
            new["name"] = i.name.as_str().into();
            (old, new)
        })
        .unzip();
    let e = listing(&call, data)
        .entities(entities)
        .field("total", r.total.into());
    Ok(with_params(&call, e, &["pagenum", "pagesize"]))
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
    Ok(listing(&call, data))
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
    let ids = comma_list(call.param("g"))
        .into_iter()
        .map(GroupId::from)
        .collect();
    let r = call.ask(GetGroups { ids })?;
    let data: Vec<Value> = r
        .iter()
        .map(|l| match l {
            GroupLookup::Found(d) => details_json(d),
            GroupLookup::Missing { id, error } => json!({"id": id, "error": error}),
        })
        .collect();
    Ok(vendor(&call).count(data.len()).data(data))
}

/// The group fields a modification reads; the engine refuses any other as an invalid field.
const MODIFIABLE: [&str; 9] = [
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

/// The other names the vendor's Java server SDK sends in a modification
/// (`UpdateGroupRequest`): `name` for `groupname` (answered as `groupname`), and `need_verify`,
/// the vendor's content check on the new texts, accepted and ignored as room updates do.
const SDK_MODIFY_FIELDS: [&str; 2] = ["name", "need_verify"];

/// `PUT /chatgroups/{g}`: with `newowner`, a transfer (`data: {newowner: true}`; any other
/// field beside it is `INVALID_FIELDS` naming them all); else a modification, `data: {field:
/// applied}` keyed by the REST names.
async fn modify(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    if m.contains_key("newowner") {
        let others: Vec<&str> = m
            .keys()
            .filter(|k| *k != "newowner")
            .map(String::as_str)
            .collect();
        if !others.is_empty() {
            return Err(GroupError::InvalidFields(others.join(", ")).into());
        }
        let name = text(&m, "newowner")?.unwrap_or_default();
        let r = call.exec(TransferGroupOwner {
            group: group(&call),
            new_owner: UserName::parse(&name)?,
        })?;
        return Ok(vendor(&call).data(json!({ "newowner": r })));
    }
    let unknown_fields = m
        .keys()
        .filter(|k| !MODIFIABLE.contains(&k.as_str()) && !SDK_MODIFY_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect();
    let r = call.exec(ModifyGroup {
        group: group(&call),
        name: match text(&m, "groupname")? {
            Some(n) => Some(n),
            None => text(&m, "name")?,
        },
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
    Ok(vendor(&call).data(object_json(r)))
}

/// `POST /chatgroups/{g}/disable` (`data: {disabled: true}`) and `POST /chatgroups/{g}/enable`
/// (`data: {disabled: false}`).
async fn disable<const DISABLE: bool>(call: Call) -> ApiResult<Envelope> {
    let group = group(&call);
    let disabled = if DISABLE {
        call.exec(DisableGroup { group })?
    } else {
        call.exec(EnableGroup { group })?
    };
    Ok(vendor(&call).data(json!({ "disabled": disabled })))
}

/// `DELETE /chatgroups/{g}`: `data: {success: true, groupid}`.
async fn destroy(call: Call) -> ApiResult<Envelope> {
    let r = call.exec(DestroyGroup {
        group: group(&call),
    })?;
    Ok(vendor(&call).data(json!({"success": r.success, "groupid": r.group_id})))
}

/// `GET /chatgroups/{g}/user/{user}/is_joined`: `data: bool`.
async fn is_joined(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(IsGroupMember {
        group: group(&call),
        user: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).data(r))
}

// ---------------------------------------------------------------------------------------------
// Members

/// `GET /chatgroups/{g}/users`: page mode (`pagenum`, `pagesize`, `joined_time`, `sort`;
/// `data: [{owner|member: user, joined_time?}]`, `count`, the paging parameters given echoed
/// as `params`), or `version=v3` cursor mode
/// (`limit`, `cursor`, `sort`; `data: [user]` without the owner, `cursor` when more follow).
async fn members(call: Call) -> ApiResult<Envelope> {
    let sort = sort(&call)?.unwrap_or_default();
    if call.query("version") == Some("v3") {
        let page = call.ask(ListGroupMembersCursor {
            group: group(&call),
            limit: call.query_u32("limit")?,
            cursor: cursor(&call),
            sort,
        })?;
        return Ok(Envelope::full(&call)
            .count(page.items.len())
            .data(names_json(&page.items))
            .cursor(page.cursor));
    }
    let page = call.ask(ListGroupMembers {
        group: group(&call),
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
    let e = vendor(&call).count(page.count).data(data);
    Ok(with_params(
        &call,
        e,
        &["pagenum", "pagesize", "joined_time"],
    ))
}

/// `POST /chatgroups/{g}/users/{user}[?need_notify]`: `data: {result, groupid, action:
/// "add_member", user}`.
async fn add_member(call: Call) -> ApiResult<Envelope> {
    let need_notify = call
        .query("need_notify")
        .map(|_| call.query_bool("need_notify"));
    let r = call.exec(AddGroupMember {
        group: group(&call),
        user: call.user("users")?,
        need_notify: need_notify.transpose()?,
    })?;
    Ok(vendor(&call).data(json!({
        "result": r.result, "groupid": r.group_id, "action": "add_member",
        "user": r.user.as_str(),
    })))
}

/// `POST /chatgroups/{g}/users`, body `{usernames}`: `data: {newmembers, groupid, action}`.
async fn add_members(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let r = call.exec(AddGroupMembers {
        group: group(&call),
        users: body_users(&b.usernames)?,
        need_notify: None,
    })?;
    Ok(vendor(&call).data(json!({
        "newmembers": names_json(&r.newmembers), "groupid": r.group_id, "action": "add_member",
    })))
}

/// `DELETE /chatgroups/{g}/users/{user}` (`data: {result, action: "remove_member", user,
/// groupid}`) or `…/{u1,u2}` (`data: [{…, reason?}]`).
async fn remove_members(call: Call) -> ApiResult<Envelope> {
    let users = Named::in_path(&call)?;
    let g = group(&call);
    let items = users.run(
        &call,
        &g,
        |group, user| RemoveGroupMember { group, user },
        |group, users| RemoveGroupMembers { group, users },
    )?;
    Ok(vendor(&call).data(items.json("remove_member", &Scope::new("groupid", &g))))
}

fn outcome(o: JoinOutcome) -> &'static str {
    match o {
        JoinOutcome::Joined => "joined",
        JoinOutcome::Pending => "pending",
    }
}

/// `POST /chatgroups/{g}/join` (host path): `data: {result: true, groupid, user, status:
/// "joined"|"pending"}` (`pending`: the group needs approval).
async fn join(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call, GroupError::MissingField("username"))?;
    let r = call.exec(JoinGroup {
        group: group(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call).data(json!({
        "result": true, "groupid": group(&call), "user": user.as_str(), "status": outcome(r),
    })))
}

/// `POST /chatgroups/{g}/leave` (host path): `data: {result, groupid, user}`.
async fn leave(call: Call) -> ApiResult<Envelope> {
    let user = self_user(&call, GroupError::MissingField("username"))?;
    let r = call.exec(LeaveGroup {
        group: group(&call),
        user: user.clone(),
    })?;
    Ok(Envelope::full(&call).data(json!({
        "result": r, "groupid": group(&call), "user": user.as_str(),
    })))
}

// ---------------------------------------------------------------------------------------------
// Admins

/// `GET /chatgroups/{g}/admin`: `data: [user]`, `count`.
async fn admins(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupAdmins {
        group: group(&call),
    })?;
    Ok(names_answer(&call, &l).entities(Vec::new()))
}

/// `POST /chatgroups/{g}/admin`, body `{newadmin}`: `data: {result: "success", newadmin}`.
async fn add_admin(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let name = text(&m, "newadmin")?.ok_or(GroupError::MissingField("newadmin"))?;
    let u = call.exec(AddGroupAdmin {
        group: group(&call),
        user: UserName::parse(&name)?,
    })?;
    Ok(vendor(&call).data(json!({"result": "success", "newadmin": u.as_str()})))
}

/// `DELETE /chatgroups/{g}/admin/{user}`: `data: {result: "success", oldadmin}`.
async fn remove_admin(call: Call) -> ApiResult<Envelope> {
    let u = call.exec(RemoveGroupAdmin {
        group: group(&call),
        user: call.user("username")?,
    })?;
    Ok(vendor(&call).data(json!({"result": "success", "oldadmin": u.as_str()})))
}

// ---------------------------------------------------------------------------------------------
// Block and allow lists, mutes (the routes are in `lists`)

/// A group's list calls. The allow list (`white/users`) reads as the effective set (owner,
/// admins, entries).
impl Moderated for GroupId {
    const PATH: &'static str = "/{org}/{app}/chatgroups/{g}";
    const KEY: &'static str = "groupid";

    fn from_path(call: &Call) -> ApiResult<GroupId> {
        Ok(group(call))
    }

    /// With `entities: []`, as the vendor's group list pages show every answer.
    fn shaped(e: Envelope) -> Envelope {
        e.entities(Vec::new())
    }

    fn blocks(&self, call: &Call) -> ApiResult<Vec<UserName>> {
        let group = self.clone();
        call.ask(ListGroupBlocks { group })
    }

    fn block(&self, call: &Call, users: Named) -> ApiResult<Items> {
        users.run(
            call,
            self,
            |group, user| BlockGroupMember { group, user },
            |group, users| BlockGroupMembers { group, users },
        )
    }

    fn unblock(&self, call: &Call, users: Named) -> ApiResult<Items> {
        users.run(
            call,
            self,
            |group, user| UnblockGroupMember { group, user },
            |group, users| UnblockGroupMembers { group, users },
        )
    }

    fn allowed(&self, call: &Call) -> ApiResult<Vec<UserName>> {
        let group = self.clone();
        call.ask(ListGroupAllowed { group })
    }

    fn allow(&self, call: &Call, users: Named) -> ApiResult<Items> {
        users.run(
            call,
            self,
            |group, user| AllowGroupMember { group, user },
            |group, users| AllowGroupMembers { group, users },
        )
    }

    fn disallow(&self, call: &Call, users: Vec<UserName>) -> ApiResult<Vec<BatchItem>> {
        let group = self.clone();
        call.exec(DisallowGroupMembers { group, users })
    }

    fn is_allowed(&self, call: &Call, user: UserName) -> ApiResult<bool> {
        let group = self.clone();
        call.ask(IsGroupAllowed { group, user })
    }

    fn mutes(&self, call: &Call) -> ApiResult<Vec<(UserName, Expiry)>> {
        let group = self.clone();
        let l = call.ask(ListGroupMutes { group })?;
        Ok(l.into_iter().map(|m| (m.user, m.expiry)).collect())
    }

    /// Missing is `MISSING_FIELD`; a value that is no whole number `400 invalid_parameter`
    /// ([`GroupError::mute_duration_invalid`]), before anything else; the engine checks the
    /// range.
    fn mute_duration(v: Option<Value>) -> ApiResult<i64> {
        match v {
            None | Some(Value::Null) => Err(GroupError::MissingField("mute_duration").into()),
            Some(v) => Ok(whole_number(&v).ok_or_else(GroupError::mute_duration_invalid)?),
        }
    }

    fn mute(&self, call: &Call, users: Vec<UserName>, duration_ms: i64) -> ApiResult<Value> {
        let group = self.clone();
        let r = call.exec(MuteGroupMembers {
            group,
            users,
            duration_ms,
        })?;
        let items = r.iter().map(|i| (i.result, &i.user, i.expiry, None));
        Ok(results_json(items))
    }

    fn unmute(&self, call: &Call, users: Vec<UserName>) -> ApiResult<Vec<BatchItem>> {
        let group = self.clone();
        call.exec(UnmuteGroupMembers { group, users })
    }

    fn mute_all(&self, call: &Call, on: bool) -> ApiResult<bool> {
        let group = self.clone();
        if on {
            call.exec(MuteGroupAll { group })
        } else {
            call.exec(UnmuteGroupAll { group })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Announcement

/// `GET /chatgroups/{g}/announcement`: `data: {announcement}`.
async fn announcement(call: Call) -> ApiResult<Envelope> {
    let t = call.ask(GetGroupAnnouncement {
        group: group(&call),
    })?;
    Ok(vendor(&call).data(json!({ "announcement": t })))
}

/// `POST /chatgroups/{g}/announcement`, body `{announcement}`: `data: {id, result}`.
async fn set_announcement(call: Call, body: Body) -> ApiResult<Envelope> {
    let m: Map<String, Value> = call.json(body).await?;
    let r = call.exec(SetGroupAnnouncement {
        group: group(&call),
        announcement: text(&m, "announcement")?,
    })?;
    Ok(vendor(&call).data(json!({"id": group(&call), "result": r})))
}

// ---------------------------------------------------------------------------------------------
// Member attributes (`/metadata/chatgroup`)

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = MemberAttributesBody)]
pub(crate) struct MetaBody {
    #[serde(rename = "metaData", default)]
    meta_data: IndexMap<String, Value>,
}

/// `PUT /metadata/chatgroup/{g}/user/{user}`, body `{metaData}` (non-string values are stored
/// as their JSON text): `data` the keys set.
async fn set_attrs(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: MetaBody = call.json(body).await?;
    let r = call.exec(SetGroupMemberAttrs {
        group: group(&call),
        user: call.user("username")?,
        attrs: as_text(b.meta_data),
    })?;
    Ok(Envelope::full(&call).data(strings_json(&r)))
}

/// `GET /metadata/chatgroup/{g}/user/{user}`: `data` every key.
async fn get_attrs(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(GetGroupMemberAttrs {
        group: group(&call),
        user: call.user("username")?,
    })?;
    Ok(Envelope::full(&call).data(strings_json(&r)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = MemberAttributesEntry)]
pub(crate) struct BatchEntry {
    #[serde(default)]
    username: String,
    #[serde(default)]
    metadata: IndexMap<String, Value>,
}

/// `PUT /metadata/chatgroup/{g}/users/batch`, body `[{username, metadata}]`: `data:
/// {succeeded: [{username, metadata}], failed: []}`, the same lists also under the names of
/// the vendor's current page, `updateMetadataSucceeded` and `updateMetadataFailed`.
async fn batch_set_attrs(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: Vec<BatchEntry> = call.json(body).await?;
    let entries = b
        .into_iter()
        .map(|e| Ok((UserName::parse(&e.username)?, as_text(e.metadata))))
        .collect::<ApiResult<Vec<_>>>()?;
    let r = call.exec(BatchSetGroupMemberAttrs {
        group: group(&call),
        entries,
    })?;
    let ok: Vec<Value> = r
        .iter()
        .map(|s| json!({"username": s.username.as_str(), "metadata": strings_json(&s.metadata)}))
        .collect();
    Ok(Envelope::full(&call).data(json!({
        "succeeded": ok, "failed": [],
        "updateMetadataSucceeded": ok, "updateMetadataFailed": [],
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = MemberAttributesQuery)]
pub(crate) struct ByKeysBody {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    properties: Vec<String>,
}

/// `POST /metadata/chatgroup/{g}/get`, body `{targets, properties}`: `data: {user: {k: v}}`.
async fn get_attrs_by_keys(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: ByKeysBody = call.json(body).await?;
    let r = call.ask(GetGroupMemberAttrsByKeys {
        group: group(&call),
        targets: body_users(&b.targets)?,
        keys: b.properties,
    })?;
    Ok(Envelope::full(&call).data(object_json(
        r.iter().map(|(u, m)| (u.as_str(), strings_json(m))),
    )))
}

// ---------------------------------------------------------------------------------------------
// Host paths: the send rule, join requests and invitations

/// `GET /chatgroups/{g}/users/{user}` (host path): `data: {user, groupid, may_speak,
/// reason?, expire?}`; `reason` is `not_member`, `disabled`, `muted` (with `expire`) or
/// `muted_all`.
async fn speak_status(call: Call) -> ApiResult<Envelope> {
    let user = call.user("users")?;
    let r = call.ask(MaySpeakInGroup {
        group: group(&call),
        user: user.clone(),
    })?;
    let mut data = json!({"user": user.as_str(), "groupid": group(&call), "may_speak": false});
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
    Ok(Envelope::full(&call).data(data))
}

/// `GET /chatgroups/{g}/speakers` (host path, app admin): `data: [user]`, who may send now.
async fn speakers(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(GroupSpeakers {
        group: group(&call),
    })?;
    Ok(names_answer(&call, &l))
}

/// `GET /chatgroups/{g}/requests` (host path): `data: {applications, invitations}`.
async fn requests(call: Call) -> ApiResult<Envelope> {
    let r = call.ask(ListGroupRequests {
        group: group(&call),
    })?;
    Ok(Envelope::full(&call).data(json!({
        "applications": names_json(&r.applications),
        "invitations": names_json(&r.invitations),
    })))
}

/// `POST /chatgroups/{g}/requests/{user}/approve|decline` (a join request) and
/// `POST /chatgroups/{g}/invitations/{user}/accept|decline` (an invitation) (host paths):
/// `data: {result: true, groupid, user, status}`. Another verb is `404
/// service_resource_not_found`: the other kind's (`accept` for a request, `approve` for an
/// invitation) before the user name is read, any other after it.
async fn decide<const INVITATION: bool>(call: Call) -> ApiResult<Envelope> {
    let (yes, other_kind) = if INVITATION {
        ("accept", "approve")
    } else {
        ("approve", "accept")
    };
    let no_such = |verb: &str| {
        ApiError::new(
            404,
            "service_resource_not_found",
            format!("no such action: {verb}"),
        )
    };
    if call.param("verdict") == other_kind {
        return Err(no_such(other_kind));
    }
    let user = call.user("username")?;
    let accept = match call.param("verdict") {
        v if v == yes => true,
        "decline" => false,
        v => return Err(no_such(v)),
    };
    let (g, u) = (group(&call), user.clone());
    let o = match (INVITATION, accept) {
        (false, true) => call.exec(ApproveGroupJoin { group: g, user: u })?,
        (false, false) => call.exec(DeclineGroupJoin { group: g, user: u })?,
        (true, true) => call.exec(AcceptGroupInvite { group: g, user: u })?,
        (true, false) => call.exec(DeclineGroupInvite { group: g, user: u })?,
    };
    Ok(Envelope::full(&call).data(json!({
        "result": true, "groupid": group(&call), "user": user.as_str(), "status": outcome(o),
    })))
}

/// `POST /chatgroups/{g}/invite` (host path), body `{usernames}`: `data: {joined, invited}`.
async fn invite(call: Call, body: Body) -> ApiResult<Envelope> {
    let b: UsernamesBody = call.json(body).await?;
    let r = call.exec(InviteToGroup {
        group: group(&call),
        users: body_users(&b.usernames)?,
    })?;
    Ok(Envelope::full(&call).data(json!({
        "joined": names_json(&r.joined), "invited": names_json(&r.invited),
    })))
}

// ---------------------------------------------------------------------------------------------
// Shared files (metadata)

/// A shared file as the vendor shows it, with `file_url`: where the file is downloaded
/// (`{base}/chatgroups/{g}/share_files/{file_id}` on this host).
fn file_json(call: &Call, f: &GroupFile) -> Value {
    json!({
        "file_id": f.file_id, "file_name": f.file_name, "file_owner": f.file_owner,
        "file_size": f.file_size, "created": f.created.0, "group_id": f.group_id,
        "file_url": file_url(call, &f.group_id, &f.file_id),
    })
}

/// The download URL of a shared file: the request's scheme, host, org and app, then the
/// file's path.
fn file_url(call: &Call, group: &GroupId, file_id: &str) -> String {
    let base = call
        .uri()
        .strip_suffix(call.path.as_str())
        .unwrap_or_default();
    format!("{base}/chatgroups/{group}/share_files/{file_id}")
}

/// `GET /chatgroups/{g}/share_files?pagenum&pagesize`: `data: [file]`, newest first, and the
/// paging parameters given echoed as `params`.
async fn files(call: Call) -> ApiResult<Envelope> {
    let l = call.ask(ListGroupFiles {
        group: group(&call),
        page_num: call.query_u32("pagenum")?,
        page_size: call.query_u32("pagesize")?,
    })?;
    let data: Vec<Value> = l.iter().map(|f| file_json(&call, f)).collect();
    let e = vendor(&call).count(data.len()).data(data);
    Ok(with_params(&call, e, &["pagenum", "pagesize"]))
}

/// The blob key of a shared file's bytes (in its app's blob store).
pub fn file_blob(group: &GroupId, file_id: &str) -> String {
    format!("groupfile/{group}/{file_id}")
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = SharedFileBody)]
pub(crate) struct UploadBody {
    file_name: Option<String>,
    #[serde(default)]
    file_size: u64,
}

/// `POST /chatgroups/{g}/share_files`: a `multipart/form-data` upload (field `file`), as the
/// vendor takes it, or the bytes as an `application/octet-stream` body with the name in query
/// parameter `file_name` — the host keeps the bytes in the app's blob store (the data
/// directory); or a JSON body `{file_name, file_size}` that records metadata only.
/// `data: file`. The metadata is recorded first (the engine draws the file id); if the bytes
/// cannot then be stored, the file is deleted again and the answer is `507 storage_full`.
async fn upload_file(call: Call, req: axum::extract::Request) -> ApiResult<Envelope> {
    let blobs = call.app.blobs.clone();
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (file_name, file_size, bytes) = if multipart {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|e| crate::error::ApiError::illegal(format!("bad multipart body: {e}")))?;
        let max = call.app.app.limits().groups.file_bytes_max;
        let cutoff = imcore::Timestamp(
            call.now
                .0
                .saturating_sub(call.app.app.limits().groups.file_retention_ms as i64),
        );
        blobs.expire(cutoff);
        match crate::routes::chatfiles::read_file(&mut mp, max + 1).await {
            // A part without a file name is called `file`.
            Ok(Some(p)) => (
                Some(p.filename)
                    .filter(|n| !n.is_empty())
                    .or(Some("file".into())),
                p.bytes.len() as u64,
                Some(p.bytes),
            ),
            Ok(None) => (None, 0, None),
            // Over the cap: the engine's own FILE_TOO_LARGE.
            Err(e) if e.status == 413 => (Some("file".into()), max + 1, None),
            Err(e) => return Err(e),
        }
    } else if call.is_octet_stream() {
        let max = call.app.app.limits().groups.file_bytes_max;
        let bytes = call
            .bytes_up_to(req.into_body(), usize::try_from(max).unwrap_or(usize::MAX))
            .await;
        // Over the cap: the engine refuses it with FILE_TOO_LARGE, in its check order.
        let size = bytes
            .as_ref()
            .map_or(max.saturating_add(1), |b| b.len() as u64);
        (call.query("file_name").map(str::to_owned), size, bytes)
    } else {
        let b: UploadBody = call.json(req.into_body()).await?;
        (b.file_name, b.file_size, None)
    };
    let g = group(&call);
    let f = call.exec(UploadGroupFile {
        group: g.clone(),
        file_name,
        file_size,
    })?;
    if let Some(b) = bytes
        && !call.blocking(|| blobs.put(&file_blob(&g, &f.file_id), b, call.now))
    {
        let _ = call.exec(DeleteGroupFile {
            group: g,
            file_id: f.file_id,
        });
        return Err(crate::error::ApiError::new(
            507,
            "storage_full",
            "the server's file store is full",
        ));
    }
    Ok(vendor(&call).data(file_json(&call, &f)))
}

/// `GET /chatgroups/{g}/share_files/{file_id}`: the file's bytes when they were uploaded
/// (multipart or octet-stream), else `data: file` (metadata).
async fn file(call: Call) -> ApiResult<axum::response::Response> {
    let blobs = call.app.blobs.clone();
    let g = group(&call);
    let key = file_blob(&g, call.param("file_id"));
    let f = match call.ask(GetGroupFile {
        group: g,
        file_id: call.param("file_id").to_owned(),
    }) {
        Ok(f) => f,
        Err(e) => {
            if e.status == 404 {
                blobs.remove(&key);
            }
            return Err(e);
        }
    };
    Ok(match call.blocking(|| blobs.get(&key)) {
        Some(b) => (
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            b,
        )
            .into_response(),
        None => vendor(&call).data(file_json(&call, &f)).into_response(),
    })
}

/// `DELETE /chatgroups/{g}/share_files/{file_id}`: `data: {group_id, file_id, result}`.
async fn delete_file(call: Call) -> ApiResult<Envelope> {
    let blobs = call.app.blobs.clone();
    let id = call.param("file_id").to_owned();
    let g = group(&call);
    let r = call.exec(DeleteGroupFile {
        group: g.clone(),
        file_id: id.clone(),
    })?;
    call.blocking(|| blobs.remove(&file_blob(&g, &id)));
    Ok(vendor(&call).data(json!({"group_id": group(&call), "file_id": id, "result": r})))
}
