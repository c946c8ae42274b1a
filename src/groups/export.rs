//! The groups area's part of a user's data export (spec 01 §16, spec 02 §14 GDPR): every
//! group that names the user (member, owner, admin, allow, block or mute list, member
//! attributes, a pending application or invitation, files they uploaded) and every thread
//! they are in or created. [`crate::users::ExportUser`] calls [`user_part`]; the erase side is
//! the user-deletion cascade (`cascade.rs`).
//!
//! Files and threads a user created stay theirs after they leave a group (spec 02 §14), and
//! no index leads from a user to them, so this part reads every group once: `O(groups +
//! threads + files)`. It is a rare admin read.

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, ThreadId, UserId};
use crate::store::State;
use crate::time::{Expiry, Timestamp};

/// A shared file a user uploaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedGroupFile {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub created: Timestamp,
}

/// What one group holds about a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserGroupRecord {
    /// The group.
    pub group: GroupId,
    /// Its name.
    pub name: String,
    /// The user owns it.
    pub owner: bool,
    /// When the user joined, if a member.
    pub joined: Option<Timestamp>,
    /// The user is an admin.
    pub admin: bool,
    /// The user is on the allow list.
    pub allowed: bool,
    /// The user is on the block list.
    pub blocked: bool,
    /// The user's mute entry, live or lapsed and not yet expired.
    pub muted: Option<Expiry>,
    /// The user's member attributes, in insertion order.
    pub member_attributes: Vec<(String, String)>,
    /// The user applied to join and awaits a decision.
    pub applied: bool,
    /// The user is invited and has not answered.
    pub invited: bool,
    /// Shared files the user uploaded here.
    pub files: Vec<ExportedGroupFile>,
}

/// What one thread holds about a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserThreadRecord {
    /// The thread.
    pub thread: ThreadId,
    /// Its group.
    pub group: GroupId,
    /// Its name.
    pub name: String,
    /// The user created it.
    pub owner: bool,
    /// When the user joined it, if a member.
    pub joined: Option<Timestamp>,
}

/// Everything the groups area holds about one user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserGroupsExport {
    /// Groups that name the user, by id.
    pub groups: Vec<UserGroupRecord>,
    /// Threads the user is in or created, by id.
    pub threads: Vec<UserThreadRecord>,
}

/// The groups area's part of `id`'s export.
pub(crate) fn user_part(st: &State, id: UserId) -> UserGroupsExport {
    let mut out = UserGroupsExport::default();
    for (gid, g) in st.groups.iter() {
        let r = &g.roster;
        let member = r.members.get(id);
        let files: Vec<ExportedGroupFile> = g
            .files
            .iter()
            .filter(|(_, f)| f.owner_id == Some(id))
            .map(|(fid, f)| ExportedGroupFile {
                id: fid.to_string(),
                name: f.name.clone(),
                size: f.size,
                created: f.created,
            })
            .collect();
        let attrs: Vec<(String, String)> = g
            .attrs
            .get(&id)
            .map(|a| {
                a.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let named = member.is_some()
            || r.mentions(id)
            || g.applications.contains_key(&id)
            || g.invitations.contains_key(&id)
            || !files.is_empty()
            || !attrs.is_empty();
        if named {
            out.groups.push(UserGroupRecord {
                group: gid.clone(),
                name: g.name.clone(),
                owner: r.owner == id,
                joined: member.map(|m| m.joined()),
                admin: r.admins.contains_key(&id),
                allowed: r.allow.contains_key(&id),
                blocked: r.blocks.contains_key(&id),
                muted: r.mutes.get(&id).map(|(_, e)| *e),
                member_attributes: attrs,
                applied: g.applications.contains_key(&id),
                invited: g.invitations.contains_key(&id),
                files,
            });
        }
        for (tid, t) in &g.threads {
            let joined = t.members.get(id).map(|m| m.joined());
            if joined.is_some() || t.owner_id == id {
                out.threads.push(UserThreadRecord {
                    thread: tid.clone(),
                    group: gid.clone(),
                    name: t.name.clone(),
                    owner: t.owner_id == id,
                    joined,
                });
            }
        }
    }
    out.groups.sort_by(|a, b| a.group.cmp(&b.group));
    out.threads.sort_by(|a, b| a.thread.cmp(&b.thread));
    out
}
