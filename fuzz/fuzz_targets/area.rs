//! The groups/threads and chatrooms part of the `commands` fuzz target: ops, their mapping to
//! imcore commands and queries, and the observation of group, thread and room state.
//!
//! Groups, threads, rooms and shared files are named by a small index into the ids created so
//! far in the run; index 255 (or any index while none exists) names a bogus id.

use super::{Cursors, N, NAMES, Who, ask, cmd, str_of};
use arbitrary::Arbitrary;
use imcore::groups::*;
use imcore::rooms::*;
use imcore::*;
use indexmap::IndexMap;

/// Member attribute / room attribute keys; the last ones are illegal or too long.
const AKEYS: [&str; 6] = [
    "k",
    "role",
    "nick",
    "ä",
    "",
    "a-key-longer-than-sixteen-bytes",
];
const MSGS: [&str; 3] = ["m1", "m2", "m3"];
const FILE_NAMES: [&str; 3] = ["a.txt", "", "b.png"];
const BOGUS_GROUP: &str = "no-such-group";
const BOGUS_THREAD: &str = "no-such-thread";
const BOGUS_ROOM: RoomId = RoomId(4_000_000_000);

/// Ids created so far in this run, in creation order (destroyed ones stay listed).
#[derive(Default)]
pub struct Ids {
    groups: Vec<String>,
    threads: Vec<String>,
    files: Vec<(String, String)>,
    rooms: Vec<RoomId>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct G(u8);
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct T(u8);
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct R(u8);

fn pick<X>(v: &[X], i: u8) -> Option<&X> {
    if i == 255 || v.is_empty() {
        None
    } else {
        Some(&v[i as usize % v.len()])
    }
}

impl Ids {
    fn g(&self, g: G) -> String {
        pick(&self.groups, g.0)
            .cloned()
            .unwrap_or_else(|| BOGUS_GROUP.into())
    }
    fn t(&self, t: T) -> String {
        pick(&self.threads, t.0)
            .cloned()
            .unwrap_or_else(|| BOGUS_THREAD.into())
    }
    fn r(&self, r: R) -> RoomId {
        pick(&self.rooms, r.0).copied().unwrap_or(BOGUS_ROOM)
    }
}

fn names(v: &[N]) -> Vec<UserName> {
    v.iter().map(|n| n.name()).collect()
}

fn pairs(v: &[(u8, u16)]) -> IndexMap<String, String> {
    v.iter()
        .map(|(k, len)| {
            (
                AKEYS[*k as usize % AKEYS.len()].to_string(),
                str_of(*len % 600),
            )
        })
        .collect()
}

/// A mute duration: -1 is forever, other negatives are invalid.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Dur {
    Forever,
    Ms(u16),
    Zero,
    Negative,
}

impl Dur {
    fn ms(self) -> i64 {
        match self {
            Dur::Forever => -1,
            Dur::Ms(m) => i64::from(m) * 10,
            Dur::Zero => 0,
            Dur::Negative => -5,
        }
    }
}

/// Group-area caps derived from the input, small so that they are reached.
pub fn group_limits(c: [u8; 6]) -> GroupLimits {
    GroupLimits {
        threads_enabled: c[0] & 1 == 0,
        member_attrs_enabled: c[0] & 2 == 0,
        custom_group_id_enabled: c[0] & 4 == 0,
        name_chars_max: 8,
        announcement_chars_max: 20,
        max_users_default: 1 + u32::from(c[1] % 6),
        max_users_cap: 2 + u32::from(c[1] / 16 % 6),
        groups_per_app_max: (c[2] & 1 == 0).then_some(u64::from(c[2] / 2 % 6)),
        groups_per_user_max: 1 + u32::from(c[2] / 16 % 4),
        admins_max: usize::from(c[3] % 3),
        member_batch_max: 1 + usize::from(c[3] / 4 % 4),
        block_batch_max: 1 + usize::from(c[3] / 16 % 4),
        allow_batch_max: 3,
        mute_batch_max: 1 + usize::from(c[3] / 64),
        details_ids_max: 3,
        files_per_group_max: 2,
        file_bytes_max: 1000,
        file_retention_ms: 5_000,
        meta_key_bytes_max: 16,
        meta_value_bytes_max: 300,
        meta_total_bytes_max: 700,
        meta_targets_max: 4,
        meta_batch_users_max: 3,
        thread_name_chars_max: 8,
        threads_per_app_max: u64::from(c[4] % 5),
        threads_per_user_max: usize::from(c[4] / 8 % 4),
        thread_batch_max: 1 + usize::from(c[4] / 32 % 4),
        ..GroupLimits::default()
    }
}

/// Room-area caps derived from the input, small so that they are reached.
pub fn room_limits(c: [u8; 6]) -> RoomLimits {
    RoomLimits {
        maxusers_default: 1 + u32::from(c[5] % 5),
        maxusers_cap: 2 + u32::from(c[5] / 8 % 6),
        rooms_per_app_max: (c[0] & 8 == 0).then_some(u64::from(c[0] / 16 % 6)),
        rooms_per_user_max: (c[1] & 8 == 0).then_some(1 + u32::from(c[1] % 3)),
        admins_max: u32::from(c[5] / 64),
        name_chars_max: 8,
        announcement_chars_max: 20,
        add_members_batch_max: 3,
        remove_members_batch_max: 3,
        list_batch_max: 3,
        details_ids_max: 3,
        attr_keys_per_call_max: 3,
        attr_keys_per_room_max: 1 + usize::from(c[4] % 5),
        attr_key_chars_max: 16,
        attr_value_chars_max: 300,
        attr_bytes_per_app: u64::from(c[2]) * 8,
        ..RoomLimits::default()
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum GOp {
    Create {
        who: Who,
        owner: Option<N>,
        public: Option<bool>,
        max_users: Option<u8>,
        members: Vec<N>,
        members_only: Option<bool>,
        allow_invites: Option<bool>,
        need_confirm: Option<bool>,
        custom_id: Option<u8>,
        name_len: Option<u8>,
    },
    Modify {
        who: Who,
        g: G,
        max_users: Option<u8>,
        public: Option<bool>,
        members_only: Option<bool>,
        allow_invites: Option<bool>,
        need_confirm: Option<bool>,
        name_len: Option<u8>,
        unknown: bool,
    },
    Transfer {
        who: Who,
        g: G,
        user: N,
    },
    Disable {
        who: Who,
        g: G,
        enable: bool,
    },
    Destroy {
        who: Who,
        g: G,
    },
    AddMember {
        who: Who,
        g: G,
        user: N,
    },
    AddMembers {
        who: Who,
        g: G,
        users: Vec<N>,
    },
    RemoveMember {
        who: Who,
        g: G,
        user: N,
    },
    RemoveMembers {
        who: Who,
        g: G,
        users: Vec<N>,
    },
    Admin {
        who: Who,
        g: G,
        user: N,
        add: bool,
    },
    Block {
        who: Who,
        g: G,
        users: Vec<N>,
        single: bool,
        unblock: bool,
    },
    Allow {
        who: Who,
        g: G,
        users: Vec<N>,
        single: bool,
        remove: bool,
    },
    Mute {
        who: Who,
        g: G,
        users: Vec<N>,
        dur: Dur,
    },
    Unmute {
        who: Who,
        g: G,
        users: Vec<N>,
    },
    MuteAll {
        who: Who,
        g: G,
        on: bool,
    },
    Leave {
        who: Who,
        g: G,
        user: N,
    },
    Join {
        who: Who,
        g: G,
        user: N,
    },
    /// 0 approve join, 1 decline join, 2 accept invite, 3 decline invite.
    Request {
        who: Who,
        g: G,
        user: N,
        kind: u8,
    },
    Invite {
        who: Who,
        g: G,
        users: Vec<N>,
    },
    Announce {
        who: Who,
        g: G,
        len: Option<u8>,
    },
    Upload {
        who: Who,
        g: G,
        name: Option<u8>,
        size: u16,
    },
    DeleteFile {
        who: Who,
        g: G,
        file: u8,
    },
    SetAttrs {
        who: Who,
        g: G,
        user: N,
        pairs: Vec<(u8, u16)>,
    },
    BatchSetAttrs {
        who: Who,
        g: G,
        entries: Vec<(N, Vec<(u8, u16)>)>,
    },
    CreateThread {
        who: Who,
        g: Option<G>,
        name_len: Option<u8>,
        msg: Option<u8>,
        owner: Option<N>,
    },
    RenameThread {
        who: Who,
        t: T,
        len: u8,
    },
    DeleteThread {
        who: Who,
        t: T,
    },
    JoinThread {
        who: Who,
        t: T,
        user: N,
        leave: bool,
    },
    ThreadMembers {
        who: Who,
        t: T,
        users: Vec<N>,
        kick: bool,
    },
    // Queries.
    GetGroups {
        who: Who,
        gs: Vec<G>,
    },
    ListApp {
        limit: Option<u8>,
        follow: bool,
    },
    ListJoined {
        who: Who,
        user: N,
        num: Option<u8>,
        size: Option<u8>,
        legacy: bool,
    },
    ListMembers {
        who: Who,
        g: G,
        num: Option<u8>,
        size: Option<u8>,
        joined: bool,
        desc: bool,
    },
    ListMembersCursor {
        who: Who,
        g: G,
        limit: Option<u8>,
        follow: bool,
        desc: bool,
    },
    IsMember {
        who: Who,
        g: G,
        user: N,
    },
    /// Admins, blocks, allowed, mutes, requests, announcement, files, speakers.
    Lists {
        who: Who,
        g: G,
        kind: u8,
    },
    MaySpeak {
        who: Who,
        g: G,
        user: N,
        allowed: bool,
    },
    GetAttrs {
        who: Who,
        g: G,
        user: N,
    },
    GetAttrsByKeys {
        who: Who,
        g: G,
        targets: Vec<N>,
        keys: Vec<u8>,
    },
    GetFile {
        who: Who,
        g: G,
        file: u8,
    },
    AppThreads {
        limit: Option<u8>,
        follow: bool,
        desc: Option<bool>,
    },
    UserThreads {
        who: Who,
        user: N,
        g: Option<G>,
        limit: Option<u8>,
        follow: bool,
    },
    ThreadMemberList {
        who: Who,
        t: T,
        limit: Option<u8>,
        follow: bool,
    },
}

#[derive(Arbitrary, Debug, Clone)]
pub enum ROp {
    SuperAdmin {
        who: Who,
        user: N,
        add: bool,
    },
    ListSuperAdmins {
        num: Option<u8>,
        size: Option<u8>,
    },
    Create {
        who: Who,
        owner: Option<N>,
        maxusers: Option<u8>,
        members: Option<Vec<N>>,
        name_len: Option<u8>,
    },
    Update {
        who: Who,
        r: R,
        maxusers: Option<u8>,
        name_len: Option<u8>,
        desc_len: Option<u8>,
        unknown: bool,
    },
    Transfer {
        who: Who,
        r: R,
        user: N,
    },
    Delete {
        who: Who,
        r: R,
    },
    Announce {
        who: Who,
        r: R,
        len: u8,
    },
    AddMember {
        who: Who,
        r: R,
        user: N,
    },
    AddMembers {
        who: Who,
        r: R,
        users: Vec<N>,
    },
    RemoveMember {
        who: Who,
        r: R,
        user: N,
    },
    RemoveMembers {
        who: Who,
        r: R,
        users: Vec<N>,
    },
    Join {
        who: Who,
        r: R,
        user: N,
        leave_other_rooms: bool,
    },
    Leave {
        who: Who,
        r: R,
        user: N,
    },
    Admin {
        who: Who,
        r: R,
        user: N,
        add: bool,
    },
    Block {
        who: Who,
        r: R,
        users: Vec<N>,
        single: bool,
        unblock: bool,
    },
    Allow {
        who: Who,
        r: R,
        users: Vec<N>,
        remove: bool,
    },
    Mute {
        who: Who,
        r: R,
        users: Vec<N>,
        dur: Dur,
    },
    Unmute {
        who: Who,
        r: R,
        users: Vec<N>,
    },
    MuteAll {
        who: Who,
        r: R,
        on: bool,
    },
    SetAttrs {
        who: Who,
        r: R,
        operator: Option<N>,
        pairs: Vec<(u8, u16)>,
        auto_delete: Option<bool>,
        forced: bool,
    },
    DeleteAttrs {
        who: Who,
        r: R,
        operator: Option<N>,
        keys: Vec<u8>,
        forced: bool,
    },
    // Queries.
    List {
        limit: Option<u8>,
        follow: bool,
    },
    Joined {
        who: Who,
        user: N,
        num: Option<u8>,
        size: Option<u8>,
    },
    Get {
        who: Who,
        rs: Vec<R>,
    },
    Members {
        who: Who,
        r: R,
        num: Option<u8>,
        size: Option<u8>,
    },
    MembersCursor {
        who: Who,
        r: R,
        limit: Option<u8>,
        follow: bool,
        desc: bool,
    },
    IsMember {
        who: Who,
        r: R,
        user: N,
    },
    /// Admins, blocks, allowed, mutes, announcement, attribute owners.
    Lists {
        who: Who,
        r: R,
        kind: u8,
    },
    MuteStatus {
        who: Who,
        r: R,
        user: N,
        speak: bool,
    },
    GetAttrs {
        who: Who,
        r: R,
        keys: Option<Vec<u8>>,
    },
}

fn follow(slot: &mut Option<String>, on: bool) -> Option<String> {
    if on { slot.take() } else { None }
}

fn lim(l: Option<u8>) -> Option<u32> {
    l.map(|l| u32::from(l % 12))
}

fn sort(desc: bool) -> GroupSort {
    if desc {
        GroupSort::Desc
    } else {
        GroupSort::Asc
    }
}

pub fn group_step(
    app: &App,
    t: Timestamp,
    cur: &mut Cursors,
    ids: &mut Ids,
    op: &GOp,
) -> (String, bool) {
    let admin = Actor::Admin;
    match op.clone() {
        GOp::Create {
            who,
            owner,
            public,
            max_users,
            members,
            members_only,
            allow_invites,
            need_confirm,
            custom_id,
            name_len,
        } => {
            let r = app.execute(
                &who.actor(),
                t,
                CreateGroup {
                    owner: owner.map(N::name),
                    public,
                    name: name_len.map(|l| str_of(u16::from(l % 12))),
                    max_users: max_users.map(|m| u32::from(m % 10)),
                    members_only,
                    allow_invites,
                    invite_need_confirm: need_confirm,
                    members: names(&members),
                    group_id: custom_id.map(|c| ["g1", "g2", "bad id!", ""][c as usize % 4].into()),
                    ..CreateGroup::default()
                },
            );
            if let Ok(o) = &r {
                ids.groups.push(o.reply.group_id.clone());
            }
            cmd(r)
        }
        GOp::Modify {
            who,
            g,
            max_users,
            public,
            members_only,
            allow_invites,
            need_confirm,
            name_len,
            unknown,
        } => cmd(app.execute(
            &who.actor(),
            t,
            ModifyGroup {
                group: ids.g(g),
                name: name_len.map(|l| str_of(u16::from(l % 12))),
                description: None,
                avatar: None,
                max_users: max_users.map(|m| u32::from(m % 10)),
                members_only,
                allow_invites,
                invite_need_confirm: need_confirm,
                public,
                custom: None,
                unknown_fields: if unknown {
                    vec!["bogus".into()]
                } else {
                    vec![]
                },
            },
        )),
        GOp::Transfer { who, g, user } => cmd(app.execute(
            &who.actor(),
            t,
            TransferGroupOwner {
                group: ids.g(g),
                new_owner: user.name(),
            },
        )),
        GOp::Disable { who, g, enable } => {
            let group = ids.g(g);
            if enable {
                cmd(app.execute(&who.actor(), t, EnableGroup { group }))
            } else {
                cmd(app.execute(&who.actor(), t, DisableGroup { group }))
            }
        }
        GOp::Destroy { who, g } => {
            cmd(app.execute(&who.actor(), t, DestroyGroup { group: ids.g(g) }))
        }
        GOp::AddMember { who, g, user } => cmd(app.execute(
            &who.actor(),
            t,
            AddGroupMember {
                group: ids.g(g),
                user: user.name(),
                need_notify: None,
            },
        )),
        GOp::AddMembers { who, g, users } => cmd(app.execute(
            &who.actor(),
            t,
            AddGroupMembers {
                group: ids.g(g),
                users: names(&users),
                need_notify: Some(true),
            },
        )),
        GOp::RemoveMember { who, g, user } => cmd(app.execute(
            &who.actor(),
            t,
            RemoveGroupMember {
                group: ids.g(g),
                user: user.name(),
            },
        )),
        GOp::RemoveMembers { who, g, users } => cmd(app.execute(
            &who.actor(),
            t,
            RemoveGroupMembers {
                group: ids.g(g),
                users: names(&users),
            },
        )),
        GOp::Admin { who, g, user, add } => {
            let (group, user) = (ids.g(g), user.name());
            if add {
                cmd(app.execute(&who.actor(), t, AddGroupAdmin { group, user }))
            } else {
                cmd(app.execute(&who.actor(), t, RemoveGroupAdmin { group, user }))
            }
        }
        GOp::Block {
            who,
            g,
            users,
            single,
            unblock,
        } => {
            let group = ids.g(g);
            let a = who.actor();
            match (single, unblock) {
                (true, false) => cmd(app.execute(
                    &a,
                    t,
                    BlockGroupMember {
                        group,
                        user: users.first().map_or_else(|| N(0).name(), |n| n.name()),
                    },
                )),
                (true, true) => cmd(app.execute(
                    &a,
                    t,
                    UnblockGroupMember {
                        group,
                        user: users.first().map_or_else(|| N(0).name(), |n| n.name()),
                    },
                )),
                (false, false) => cmd(app.execute(
                    &a,
                    t,
                    BlockGroupMembers {
                        group,
                        users: names(&users),
                    },
                )),
                (false, true) => cmd(app.execute(
                    &a,
                    t,
                    UnblockGroupMembers {
                        group,
                        users: names(&users),
                    },
                )),
            }
        }
        GOp::Allow {
            who,
            g,
            users,
            single,
            remove,
        } => {
            let group = ids.g(g);
            let a = who.actor();
            if remove {
                cmd(app.execute(
                    &a,
                    t,
                    DisallowGroupMembers {
                        group,
                        users: names(&users),
                    },
                ))
            } else if single {
                cmd(app.execute(
                    &a,
                    t,
                    AllowGroupMember {
                        group,
                        user: users.first().map_or_else(|| N(1).name(), |n| n.name()),
                    },
                ))
            } else {
                cmd(app.execute(
                    &a,
                    t,
                    AllowGroupMembers {
                        group,
                        users: names(&users),
                    },
                ))
            }
        }
        GOp::Mute { who, g, users, dur } => cmd(app.execute(
            &who.actor(),
            t,
            MuteGroupMembers {
                group: ids.g(g),
                users: names(&users),
                duration_ms: dur.ms(),
            },
        )),
        GOp::Unmute { who, g, users } => cmd(app.execute(
            &who.actor(),
            t,
            UnmuteGroupMembers {
                group: ids.g(g),
                users: names(&users),
            },
        )),
        GOp::MuteAll { who, g, on } => {
            let group = ids.g(g);
            if on {
                cmd(app.execute(&who.actor(), t, MuteGroupAll { group }))
            } else {
                cmd(app.execute(&who.actor(), t, UnmuteGroupAll { group }))
            }
        }
        GOp::Leave { who, g, user } => cmd(app.execute(
            &who.actor(),
            t,
            LeaveGroup {
                group: ids.g(g),
                user: user.name(),
            },
        )),
        GOp::Join { who, g, user } => cmd(app.execute(
            &who.actor(),
            t,
            JoinGroup {
                group: ids.g(g),
                user: user.name(),
            },
        )),
        GOp::Request { who, g, user, kind } => {
            let (group, user) = (ids.g(g), user.name());
            let a = who.actor();
            match kind % 4 {
                0 => cmd(app.execute(&a, t, ApproveGroupJoin { group, user })),
                1 => cmd(app.execute(&a, t, DeclineGroupJoin { group, user })),
                2 => cmd(app.execute(&a, t, AcceptGroupInvite { group, user })),
                _ => cmd(app.execute(&a, t, DeclineGroupInvite { group, user })),
            }
        }
        GOp::Invite { who, g, users } => cmd(app.execute(
            &who.actor(),
            t,
            InviteToGroup {
                group: ids.g(g),
                users: names(&users),
            },
        )),
        GOp::Announce { who, g, len } => cmd(app.execute(
            &who.actor(),
            t,
            SetGroupAnnouncement {
                group: ids.g(g),
                announcement: len.map(|l| str_of(u16::from(l % 25))),
            },
        )),
        GOp::Upload { who, g, name, size } => {
            let group = ids.g(g);
            let r = app.execute(
                &who.actor(),
                t,
                UploadGroupFile {
                    group: group.clone(),
                    file_name: name.map(|n| FILE_NAMES[n as usize % FILE_NAMES.len()].into()),
                    file_size: u64::from(size % 1200),
                },
            );
            if let Ok(o) = &r {
                ids.files.push((group, o.reply.file_id.clone()));
            }
            cmd(r)
        }
        GOp::DeleteFile { who, g, file } => {
            let (group, file_id) = file_of(ids, g, file);
            cmd(app.execute(&who.actor(), t, DeleteGroupFile { group, file_id }))
        }
        GOp::SetAttrs {
            who,
            g,
            user,
            pairs: p,
        } => cmd(app.execute(
            &who.actor(),
            t,
            SetGroupMemberAttrs {
                group: ids.g(g),
                user: user.name(),
                attrs: pairs(&p),
            },
        )),
        GOp::BatchSetAttrs { who, g, entries } => cmd(app.execute(
            &who.actor(),
            t,
            BatchSetGroupMemberAttrs {
                group: ids.g(g),
                entries: entries.iter().map(|(n, p)| (n.name(), pairs(p))).collect(),
            },
        )),
        GOp::CreateThread {
            who,
            g,
            name_len,
            msg,
            owner,
        } => {
            let r = app.execute(
                &who.actor(),
                t,
                CreateThread {
                    group: g.map(|g| ids.g(g)),
                    name: name_len.map(|l| str_of(u16::from(l % 10))),
                    msg_id: msg.map(|m| MSGS[m as usize % MSGS.len()].into()),
                    owner: owner.map(N::name),
                },
            );
            if let Ok(o) = &r {
                ids.threads.push(o.reply.thread_id.clone());
            }
            cmd(r)
        }
        GOp::RenameThread { who, t: th, len } => cmd(app.execute(
            &who.actor(),
            t,
            RenameThread {
                thread: ids.t(th),
                name: str_of(u16::from(len % 10)),
            },
        )),
        GOp::DeleteThread { who, t: th } => {
            cmd(app.execute(&who.actor(), t, DeleteThread { thread: ids.t(th) }))
        }
        GOp::JoinThread {
            who,
            t: th,
            user,
            leave,
        } => {
            let (thread, user) = (ids.t(th), user.name());
            if leave {
                cmd(app.execute(&who.actor(), t, LeaveThread { thread, user }))
            } else {
                cmd(app.execute(&who.actor(), t, JoinThread { thread, user }))
            }
        }
        GOp::ThreadMembers {
            who,
            t: th,
            users,
            kick,
        } => {
            let (thread, users) = (ids.t(th), names(&users));
            if kick {
                cmd(app.execute(&who.actor(), t, KickThreadMembers { thread, users }))
            } else {
                cmd(app.execute(&who.actor(), t, JoinThreadMembers { thread, users }))
            }
        }
        GOp::GetGroups { who, gs } => ask(app.query(
            &who.actor(),
            t,
            GetGroups {
                ids: gs.iter().map(|g| ids.g(*g)).collect(),
            },
        )),
        GOp::ListApp { limit, follow: f } => {
            let cursor = follow(&mut cur.app_groups, f);
            let r = app.query(
                &admin,
                t,
                ListAppGroups {
                    limit: lim(limit),
                    cursor,
                },
            );
            if let Ok(p) = &r {
                cur.app_groups = p.cursor.clone();
            }
            ask(r)
        }
        GOp::ListJoined {
            who,
            user,
            num,
            size,
            legacy,
        } => {
            if legacy {
                ask(app.query(
                    &who.actor(),
                    t,
                    ListJoinedGroupsLegacy { user: user.name() },
                ))
            } else {
                ask(app.query(
                    &who.actor(),
                    t,
                    ListJoinedGroups {
                        user: user.name(),
                        page_num: num.map(u32::from),
                        page_size: lim(size),
                    },
                ))
            }
        }
        GOp::ListMembers {
            who,
            g,
            num,
            size,
            joined,
            desc,
        } => ask(app.query(
            &who.actor(),
            t,
            ListGroupMembers {
                group: ids.g(g),
                page_num: num.map(u32::from),
                page_size: lim(size),
                joined_time: joined,
                sort: sort(desc),
            },
        )),
        GOp::ListMembersCursor {
            who,
            g,
            limit,
            follow: f,
            desc,
        } => {
            let cursor = follow(&mut cur.group_members, f);
            let r = app.query(
                &who.actor(),
                t,
                ListGroupMembersCursor {
                    group: ids.g(g),
                    limit: lim(limit),
                    cursor,
                    sort: sort(desc),
                },
            );
            if let Ok(p) = &r {
                cur.group_members = p.cursor.clone();
            }
            ask(r)
        }
        GOp::IsMember { who, g, user } => ask(app.query(
            &who.actor(),
            t,
            IsGroupMember {
                group: ids.g(g),
                user: user.name(),
            },
        )),
        GOp::Lists { who, g, kind } => group_list(app, &who.actor(), t, ids.g(g), kind),
        GOp::MaySpeak {
            who,
            g,
            user,
            allowed,
        } => {
            let (group, user) = (ids.g(g), user.name());
            if allowed {
                ask(app.query(&who.actor(), t, IsGroupAllowed { group, user }))
            } else {
                ask(app.query(&who.actor(), t, MaySpeakInGroup { group, user }))
            }
        }
        GOp::GetAttrs { who, g, user } => ask(app.query(
            &who.actor(),
            t,
            GetGroupMemberAttrs {
                group: ids.g(g),
                user: user.name(),
            },
        )),
        GOp::GetAttrsByKeys {
            who,
            g,
            targets,
            keys,
        } => ask(app.query(
            &who.actor(),
            t,
            GetGroupMemberAttrsByKeys {
                group: ids.g(g),
                targets: names(&targets),
                keys: keys
                    .iter()
                    .map(|k| AKEYS[*k as usize % AKEYS.len()].into())
                    .collect(),
            },
        )),
        GOp::GetFile { who, g, file } => {
            let (group, file_id) = file_of(ids, g, file);
            ask(app.query(&who.actor(), t, GetGroupFile { group, file_id }))
        }
        GOp::AppThreads {
            limit,
            follow: f,
            desc,
        } => {
            let cursor = follow(&mut cur.app_threads, f);
            let r = app.query(
                &admin,
                t,
                ListAppThreads {
                    limit: limit.map(|l| u32::from(l % 60)),
                    cursor,
                    sort: desc.map(sort),
                },
            );
            if let Ok(p) = &r {
                cur.app_threads = p.cursor.clone();
            }
            ask(r)
        }
        GOp::UserThreads {
            who,
            user,
            g,
            limit,
            follow: f,
        } => {
            let cursor = follow(&mut cur.user_threads, f);
            let limit = limit.map(|l| u32::from(l % 60));
            let r = match g {
                Some(g) => app.query(
                    &who.actor(),
                    t,
                    ListUserThreadsInGroup {
                        group: ids.g(g),
                        user: user.name(),
                        limit,
                        cursor,
                        sort: None,
                    },
                ),
                None => app.query(
                    &who.actor(),
                    t,
                    ListUserThreads {
                        user: user.name(),
                        limit,
                        cursor,
                        sort: None,
                    },
                ),
            };
            if let Ok(p) = &r {
                cur.user_threads = p.cursor.clone();
            }
            ask(r)
        }
        GOp::ThreadMemberList {
            who,
            t: th,
            limit,
            follow: f,
        } => {
            let cursor = follow(&mut cur.thread_members, f);
            let r = app.query(
                &who.actor(),
                t,
                ListThreadMembers {
                    thread: ids.t(th),
                    limit: limit.map(|l| u32::from(l % 60)),
                    cursor,
                },
            );
            if let Ok(p) = &r {
                cur.thread_members = p.cursor.clone();
            }
            ask(r)
        }
    }
}

fn file_of(ids: &Ids, g: G, file: u8) -> (String, String) {
    match pick(&ids.files, file) {
        Some((g, f)) if file % 4 != 3 => (g.clone(), f.clone()),
        Some((_, f)) => (ids.g(g), f.clone()),
        None => (ids.g(g), "no-such-file".into()),
    }
}

fn group_list(app: &App, a: &Actor, t: Timestamp, group: String, kind: u8) -> (String, bool) {
    match kind % 9 {
        0 => ask(app.query(a, t, ListGroupAdmins { group })),
        1 => ask(app.query(a, t, ListGroupBlocks { group })),
        2 => ask(app.query(a, t, ListGroupAllowed { group })),
        3 => ask(app.query(a, t, ListGroupMutes { group })),
        4 => ask(app.query(a, t, ListGroupRequests { group })),
        5 => ask(app.query(a, t, GetGroupAnnouncement { group })),
        6 => ask(app.query(
            a,
            t,
            ListGroupFiles {
                group,
                page_num: None,
                page_size: None,
            },
        )),
        7 => ask(app.query(a, t, GroupSpeakers { group })),
        _ => ask(app.query(a, t, GroupSpeakerIds { group })),
    }
}

pub fn room_step(
    app: &App,
    t: Timestamp,
    cur: &mut Cursors,
    ids: &mut Ids,
    op: &ROp,
) -> (String, bool) {
    let admin = Actor::Admin;
    match op.clone() {
        ROp::SuperAdmin { who, user, add } => {
            if add {
                cmd(app.execute(&who.actor(), t, AddRoomSuperAdmin { user: user.name() }))
            } else {
                cmd(app.execute(&who.actor(), t, RemoveRoomSuperAdmin { user: user.name() }))
            }
        }
        ROp::ListSuperAdmins { num, size } => ask(app.query(
            &admin,
            t,
            ListRoomSuperAdmins {
                pagenum: num.map(u32::from),
                pagesize: lim(size),
            },
        )),
        ROp::Create {
            who,
            owner,
            maxusers,
            members,
            name_len,
        } => {
            let r = app.execute(
                &who.actor(),
                t,
                CreateRoom {
                    name: name_len.map(|l| str_of(u16::from(l % 12))),
                    description: None,
                    owner: owner.map(N::name),
                    maxusers: maxusers.map(|m| u32::from(m % 10)),
                    members: members.map(|m| names(&m)),
                    custom: None,
                },
            );
            if let Ok(o) = &r {
                ids.rooms.push(o.reply);
            }
            cmd(r)
        }
        ROp::Update {
            who,
            r,
            maxusers,
            name_len,
            desc_len,
            unknown,
        } => cmd(app.execute(
            &who.actor(),
            t,
            UpdateRoom {
                room: ids.r(r),
                name: name_len.map(|l| str_of(u16::from(l % 12))),
                description: desc_len.map(|l| str_of(u16::from(l))),
                maxusers: maxusers.map(|m| u32::from(m % 10)),
                custom: None,
                unknown_fields: if unknown { vec!["x".into()] } else { vec![] },
            },
        )),
        ROp::Transfer { who, r, user } => cmd(app.execute(
            &who.actor(),
            t,
            TransferRoom {
                room: ids.r(r),
                new_owner: user.name(),
            },
        )),
        ROp::Delete { who, r } => cmd(app.execute(&who.actor(), t, DeleteRoom { room: ids.r(r) })),
        ROp::Announce { who, r, len } => cmd(app.execute(
            &who.actor(),
            t,
            SetRoomAnnouncement {
                room: ids.r(r),
                text: str_of(u16::from(len % 25)),
            },
        )),
        ROp::AddMember { who, r, user } => cmd(app.execute(
            &who.actor(),
            t,
            AddRoomMember {
                room: ids.r(r),
                user: user.name(),
            },
        )),
        ROp::AddMembers { who, r, users } => cmd(app.execute(
            &who.actor(),
            t,
            AddRoomMembers {
                room: ids.r(r),
                users: names(&users),
            },
        )),
        ROp::RemoveMember { who, r, user } => cmd(app.execute(
            &who.actor(),
            t,
            RemoveRoomMember {
                room: ids.r(r),
                user: user.name(),
            },
        )),
        ROp::RemoveMembers { who, r, users } => cmd(app.execute(
            &who.actor(),
            t,
            RemoveRoomMembers {
                room: ids.r(r),
                users: names(&users),
            },
        )),
        ROp::Join {
            who,
            r,
            user,
            leave_other_rooms,
        } => cmd(app.execute(
            &who.actor(),
            t,
            JoinRoom {
                room: ids.r(r),
                user: user.name(),
                leave_other_rooms,
            },
        )),
        ROp::Leave { who, r, user } => cmd(app.execute(
            &who.actor(),
            t,
            LeaveRoom {
                room: ids.r(r),
                user: user.name(),
            },
        )),
        ROp::Admin { who, r, user, add } => {
            let (room, user) = (ids.r(r), user.name());
            if add {
                cmd(app.execute(&who.actor(), t, AddRoomAdmin { room, user }))
            } else {
                cmd(app.execute(&who.actor(), t, RemoveRoomAdmin { room, user }))
            }
        }
        ROp::Block {
            who,
            r,
            users,
            single,
            unblock,
        } => {
            let room = ids.r(r);
            let a = who.actor();
            let one = users.first().map_or_else(|| N(2).name(), |n| n.name());
            match (single, unblock) {
                (true, false) => cmd(app.execute(&a, t, BlockRoomUser { room, user: one })),
                (true, true) => cmd(app.execute(&a, t, UnblockRoomUser { room, user: one })),
                (false, false) => cmd(app.execute(
                    &a,
                    t,
                    BlockRoomUsers {
                        room,
                        users: names(&users),
                    },
                )),
                (false, true) => cmd(app.execute(
                    &a,
                    t,
                    UnblockRoomUsers {
                        room,
                        users: names(&users),
                    },
                )),
            }
        }
        ROp::Allow {
            who,
            r,
            users,
            remove,
        } => {
            let (room, users) = (ids.r(r), names(&users));
            if remove {
                cmd(app.execute(&who.actor(), t, DisallowRoomUsers { room, users }))
            } else {
                cmd(app.execute(&who.actor(), t, AllowRoomUsers { room, users }))
            }
        }
        ROp::Mute { who, r, users, dur } => cmd(app.execute(
            &who.actor(),
            t,
            MuteRoomMembers {
                room: ids.r(r),
                users: names(&users),
                duration_ms: dur.ms(),
            },
        )),
        ROp::Unmute { who, r, users } => cmd(app.execute(
            &who.actor(),
            t,
            UnmuteRoomMembers {
                room: ids.r(r),
                users: names(&users),
            },
        )),
        ROp::MuteAll { who, r, on } => cmd(app.execute(
            &who.actor(),
            t,
            SetRoomMuteAll {
                room: ids.r(r),
                muted: on,
            },
        )),
        ROp::SetAttrs {
            who,
            r,
            operator,
            pairs: p,
            auto_delete,
            forced,
        } => cmd(app.execute(
            &who.actor(),
            t,
            SetRoomAttributes {
                room: ids.r(r),
                operator: operator.map(N::name),
                attrs: pairs(&p),
                auto_delete: auto_delete
                    .map(|d| if d { "DELETE" } else { "NO_DELETE" }.to_string()),
                forced,
            },
        )),
        ROp::DeleteAttrs {
            who,
            r,
            operator,
            keys,
            forced,
        } => cmd(app.execute(
            &who.actor(),
            t,
            DeleteRoomAttributes {
                room: ids.r(r),
                operator: operator.map(N::name),
                keys: keys
                    .iter()
                    .map(|k| AKEYS[*k as usize % AKEYS.len()].into())
                    .collect(),
                forced,
            },
        )),
        ROp::List { limit, follow: f } => {
            let cursor = follow(&mut cur.rooms, f);
            let r = app.query(
                &admin,
                t,
                ListRooms {
                    limit: lim(limit),
                    cursor,
                },
            );
            if let Ok(p) = &r {
                cur.rooms = p.cursor.clone();
            }
            ask(r)
        }
        ROp::Joined {
            who,
            user,
            num,
            size,
        } => ask(app.query(
            &who.actor(),
            t,
            ListJoinedRooms {
                user: user.name(),
                pagenum: num.map(u32::from),
                pagesize: lim(size),
            },
        )),
        ROp::Get { who, rs } => ask(app.query(
            &who.actor(),
            t,
            GetRooms {
                ids: rs.iter().map(|r| ids.r(*r)).collect(),
            },
        )),
        ROp::Members { who, r, num, size } => ask(app.query(
            &who.actor(),
            t,
            ListRoomMembers {
                room: ids.r(r),
                pagenum: num.map(u32::from),
                pagesize: lim(size),
            },
        )),
        ROp::MembersCursor {
            who,
            r,
            limit,
            follow: f,
            desc,
        } => {
            let cursor = follow(&mut cur.room_members, f);
            let res = app.query(
                &who.actor(),
                t,
                ListRoomMembersCursor {
                    room: ids.r(r),
                    limit: lim(limit),
                    cursor,
                    desc,
                },
            );
            if let Ok(p) = &res {
                cur.room_members = p.cursor.clone();
            }
            ask(res)
        }
        ROp::IsMember { who, r, user } => ask(app.query(
            &who.actor(),
            t,
            IsRoomMember {
                room: ids.r(r),
                user: user.name(),
            },
        )),
        ROp::Lists { who, r, kind } => room_list(app, &who.actor(), t, ids.r(r), kind),
        ROp::MuteStatus {
            who,
            r,
            user,
            speak,
        } => {
            let (room, user) = (ids.r(r), user.name());
            if speak {
                ask(app.query(&who.actor(), t, MayRoomMemberSpeak { room, user }))
            } else {
                ask(app.query(&who.actor(), t, GetRoomMuteStatus { room, user }))
            }
        }
        ROp::GetAttrs { who, r, keys } => ask(app.query(
            &who.actor(),
            t,
            GetRoomAttributes {
                room: ids.r(r),
                keys: keys.map(|k| {
                    k.iter()
                        .map(|k| AKEYS[*k as usize % AKEYS.len()].into())
                        .collect()
                }),
            },
        )),
    }
}

fn room_list(app: &App, a: &Actor, t: Timestamp, room: RoomId, kind: u8) -> (String, bool) {
    match kind % 7 {
        0 => ask(app.query(a, t, ListRoomAdmins { room })),
        1 => ask(app.query(a, t, ListRoomBlocks { room })),
        2 => ask(app.query(a, t, ListRoomAllow { room })),
        3 => ask(app.query(a, t, ListRoomMutes { room })),
        4 => ask(app.query(a, t, GetRoomAnnouncement { room })),
        5 => ask(app.query(a, t, GetRoomAttributeOwners { room })),
        _ => ask(app.query(
            a,
            t,
            ExportUserRooms {
                user: UserName::parse("u0").expect("valid"),
            },
        )),
    }
}

/// Cursors never issued, fed to the group, thread and room listings.
pub fn bogus_cursors(app: &App, t: Timestamp, c: &str) -> String {
    let a = Actor::Admin;
    let c = Some(c.to_string());
    let u0 = UserName::parse("u0").expect("valid");
    let g = app.query(
        &a,
        t,
        ListAppGroups {
            limit: None,
            cursor: c.clone(),
        },
    );
    let th = app.query(
        &a,
        t,
        ListAppThreads {
            limit: None,
            cursor: c.clone(),
            sort: None,
        },
    );
    let ut = app.query(
        &a,
        t,
        ListUserThreads {
            user: u0,
            limit: None,
            cursor: c.clone(),
            sort: None,
        },
    );
    let r = app.query(
        &a,
        t,
        ListRooms {
            limit: None,
            cursor: c,
        },
    );
    format!("{g:?} {th:?} {ut:?} {r:?}")
}

fn page_all<X: std::fmt::Debug>(mut f: impl FnMut(Option<String>) -> Result<Page<X>>) -> String {
    let mut out = String::new();
    let mut cursor = None;
    for _ in 0..50 {
        match f(cursor.take()) {
            Ok(p) => {
                out += &format!("{:?};", p.items);
                match p.cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            Err(e) => {
                out += &format!("{e:?}");
                break;
            }
        }
    }
    out
}

/// Group, thread and room state as the admin sees it through queries.
pub fn observe(app: &App, now: Timestamp, ids: &Ids) -> String {
    let a = Actor::Admin;
    let mut out = String::new();
    let names: Vec<UserName> = NAMES
        .iter()
        .map(|n| UserName::parse(n).expect("valid"))
        .collect();
    for chunk in ids.groups.chunks(3) {
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetGroups {
                    ids: chunk.to_vec()
                }
            )
        );
    }
    for g in &ids.groups {
        let group = || g.clone();
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                ListGroupMembers {
                    group: group(),
                    page_num: None,
                    page_size: None,
                    joined_time: true,
                    sort: GroupSort::Asc,
                }
            )
        );
        for k in 0..7 {
            out += &group_list(app, &a, now, group(), k).0;
        }
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetGroupMemberAttrsByKeys {
                    group: group(),
                    targets: names[..4].to_vec(),
                    keys: vec![],
                }
            )
        );
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetGroupMemberAttrsByKeys {
                    group: group(),
                    targets: names[4..].to_vec(),
                    keys: vec![],
                }
            )
        );
    }
    out += &page_all(|cursor| {
        app.query(
            &a,
            now,
            ListAppThreads {
                limit: None,
                cursor,
                sort: None,
            },
        )
    });
    for th in &ids.threads {
        out += &page_all(|cursor| {
            app.query(
                &a,
                now,
                ListThreadMembers {
                    thread: th.clone(),
                    limit: None,
                    cursor,
                },
            )
        });
    }
    for u in &names {
        out += &format!(
            "{:?}\n",
            app.query(&a, now, ListJoinedGroupsLegacy { user: u.clone() })
        );
        out += &page_all(|cursor| {
            app.query(
                &a,
                now,
                ListUserThreads {
                    user: u.clone(),
                    limit: None,
                    cursor,
                    sort: None,
                },
            )
        });
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                ListJoinedRooms {
                    user: u.clone(),
                    pagenum: None,
                    pagesize: None,
                }
            )
        );
    }
    out += &format!(
        "{:?}\n",
        app.query(
            &a,
            now,
            ListRoomSuperAdmins {
                pagenum: None,
                pagesize: None,
            }
        )
    );
    out += &page_all(|cursor| {
        app.query(
            &a,
            now,
            ListRooms {
                limit: None,
                cursor,
            },
        )
    });
    for chunk in ids.rooms.chunks(3) {
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                GetRooms {
                    ids: chunk.to_vec()
                }
            )
        );
    }
    for &room in &ids.rooms {
        out += &format!(
            "{:?}\n",
            app.query(
                &a,
                now,
                ListRoomMembers {
                    room,
                    pagenum: None,
                    pagesize: None,
                }
            )
        );
        for k in 0..6 {
            out += &room_list(app, &a, now, room, k).0;
        }
        out += &format!(
            "{:?}\n",
            app.query(&a, now, GetRoomAttributes { room, keys: None })
        );
    }
    out
}
