//! The groups area's records: a group (its settings, its [`Roster`], its content, its pending
//! requests and its threads), a thread, a shared file's metadata. The table that indexes them
//! (by id, by creation time, by thread, by parent message, by user) is the store's
//! ([`crate::store::Groups`]).

use indexmap::IndexMap;

use crate::ids::{ThreadId, UserId, UserName};
use crate::roster::{Members, Roster};
use crate::store::Map;
use crate::time::Timestamp;

/// A member's attributes, in insertion order.
pub(crate) type Attrs = IndexMap<Box<str>, Box<str>>;

/// One group.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Group {
    /// The id drawn when it was created: with `created`, its key in the creation index.
    pub seq: u64,
    pub name: String,
    pub description: String,
    pub avatar: String,
    pub public: bool,
    pub members_only: bool,
    pub allow_invites: bool,
    pub invite_need_confirm: bool,
    /// Capacity, owner included.
    pub max_users: u32,
    pub custom: String,
    pub large: bool,
    /// Owner, members in join order, admins, and the explicit allow, block and mute lists.
    /// The owner is always a member; allow entries and attributes are kept for members only;
    /// block and mute entries outlive membership.
    pub roster: Roster,
    pub mute_all: bool,
    pub disabled: bool,
    pub announcement: String,
    /// Shared files by id, oldest first (expired ones linger until the next upload prunes them).
    pub files: IndexMap<Box<str>, FileMeta>,
    /// Member attributes; only members with at least one attribute have an entry.
    #[serde(with = "crate::store::sorted")]
    pub attrs: Map<UserId, Attrs>,
    /// Live threads, in creation order.
    pub threads: IndexMap<ThreadId, Thread>,
    /// Pending join applications, oldest first, with the applicant's name.
    pub applications: IndexMap<UserId, UserName>,
    /// Pending invitations, oldest first, with the invitee's name.
    pub invitations: IndexMap<UserId, UserName>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

impl Group {
    /// The owner's name.
    pub fn owner_name(&self) -> &UserName {
        self.roster
            .members
            .get(self.roster.owner)
            .expect("the owner is a member")
            .name()
    }
}

/// A shared file's metadata.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct FileMeta {
    pub name: String,
    /// The uploader's display name ("admin" for the app admin).
    pub owner: String,
    /// The uploader's identity (`None`: the app admin). Rights follow this, not the name: a
    /// user who re-registers a deleted uploader's name does not own their files.
    pub owner_id: Option<UserId>,
    pub size: u64,
    pub created: Timestamp,
}

/// A thread, inside its group.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Thread {
    pub name: String,
    /// The creator's name, as shown.
    pub owner: UserName,
    /// The creator's identity. Creator rights follow this, not the name: a user who
    /// re-registers a deleted creator's name does not inherit their threads.
    pub owner_id: UserId,
    /// The parent message.
    pub msg_id: Box<str>,
    pub created: Timestamp,
    /// The id drawn when it was created: with `created`, its key in the creation index.
    pub seq: u64,
    /// Members in join order (group members only); each join sequence is never reused in this
    /// thread, so a member cursor survives a kick between pages.
    pub members: Members,
}
