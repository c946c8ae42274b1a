//! The delivery policy (spec 03 §4.3): stage S (the sender), stage T for each kind of target
//! (a user, a group or one of its threads, a chatroom) and stage R (the route of each
//! recipient), as plain functions over the state; and the one-to-one decision as a query
//! ([`MayMessage`], [`MayMessageById`]): may `from` message `to` now, and if not, exactly why.

use serde::{Deserialize, Serialize};

use super::send::Route;
use crate::engine::{NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::groups::Group;
use crate::ids::{GroupId, RoomId, ThreadId, UserId, UserName};
use crate::query::Ask;
use crate::rooms::Room;
use crate::roster::Roster;
use crate::store::State;
use crate::time::{Expiry, Timestamp};
use crate::users::MuteScope;

/// Who sends: the server (an app token: REST with `origin = Server`) or a user's client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum Origin {
    /// A server-side send (the app admin). May send as anyone, or as the system sender; is
    /// exempt from the friend check.
    Server,
    /// A client-side send by `from` themself.
    Client,
}

/// The answer of [`MayMessage`]: what happens to a one-to-one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChatVerdict {
    /// T4: accepted; the recipient receives it.
    Deliver,
    /// T1, server origin: the recipient does not exist; the message is accepted (it gets an
    /// id) and reaches nobody, as the vendor does.
    NoRecipient,
    /// The sender may not send at all (the whole request fails).
    SenderRefused(SenderRefusal),
    /// This target refuses the message (the other targets of the request still go).
    TargetRefused(TargetRefusal),
}

/// Why a sender may not send (stage S): the whole request fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SenderRefusal {
    /// S1: the sender is disabled (`403 forbidden_op "user {user} is deactivated"`).
    Deactivated,
    /// S2: a client-side sender that does not exist (`404 resource_not_found "username {user}
    /// doesn't exist!"`).
    Unknown,
    /// S3: a global mute of the sender for this kind of message is live (`403 forbidden_op
    /// "user {user} is muted"`; client code 219); until when.
    GloballyMuted(Expiry),
}

/// Why one target refuses a message (stage T): that target is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum TargetRefusal {
    /// T1, client origin: no such recipient (client code 204).
    RecipientNotFound,
    /// T2: the recipient has the sender on their block list (client code 210).
    BlockedByRecipient,
    /// T3: the app requires friendship for client sends and they are not friends (client
    /// code 221).
    NotFriend,
    /// Group T1, client origin: no such group or thread (client code 606).
    GroupNotFound,
    /// The group is disabled (spec 02 §3: user calls fail with `GROUP_DISABLED`).
    GroupDisabled,
    /// Group T2: the sender is not a member (client code 602).
    NotGroupMember,
    /// Group T3: the sender's mute in the group is live (client code 215).
    MutedInGroup,
    /// Group or room T4: mute-all is on and the sender is not the owner, an admin or
    /// allow-listed (client code 507).
    MuteAllNotAllowListed,
    /// Room T1, client origin: no such room (client code 705).
    RoomNotFound,
    /// Room T2: the sender is not a member (client code 702; blocked users never are).
    NotRoomMember,
    /// Room T3: the sender's mute in the room is live (client code 215).
    MutedInRoom,
    /// The recipient's account is closed (spec 04 §10 step 1; client code 204, as for no
    /// recipient).
    RecipientClosed,
    /// A client send to a recipient in allow-list mode who has not listed the sender (spec 04
    /// §10 step 2; client code 210, as for a block; RongCloud 405).
    NotInAllowlist,
}

impl TargetRefusal {
    /// The client SDK's error code for this refusal.
    pub fn client_code(self) -> u16 {
        use TargetRefusal::*;
        match self {
            RecipientNotFound | RecipientClosed => 204,
            BlockedByRecipient | NotInAllowlist => 210,
            NotFriend => 221,
            GroupNotFound => 606,
            GroupDisabled => 603,
            NotGroupMember => 602,
            MutedInGroup | MutedInRoom => 215,
            MuteAllNotAllowListed => 507,
            RoomNotFound => 705,
            NotRoomMember => 702,
        }
    }

    /// The refusal as text, for the `403 forbidden_op` of a send every target refused
    /// *(engine wording)*.
    pub fn describe(self, from: &str, to: &str) -> String {
        use TargetRefusal::*;
        match self {
            RecipientNotFound => format!("username {to} doesn't exist!"),
            BlockedByRecipient => format!("user {from} is blocked by {to}"),
            NotFriend => format!("user {from} is not a friend of {to}"),
            GroupNotFound => format!("group {to} does not exist"),
            GroupDisabled => format!("group {to} is disabled"),
            NotGroupMember => format!("user {from} is not a member of group {to}"),
            MutedInGroup => format!("user {from} is muted in group {to}"),
            MuteAllNotAllowListed => format!("{to} is muted for all members"),
            RoomNotFound => format!("chatroom {to} does not exist"),
            NotRoomMember => format!("user {from} is not a member of chatroom {to}"),
            MutedInRoom => format!("user {from} is muted in chatroom {to}"),
            RecipientClosed => format!("user {to} is deactivated"),
            NotInAllowlist => format!("user {from} is not in the allowlist of {to}"),
        }
    }
}

/// The sender as stage S sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sender {
    /// The system sender: a server-side send without `from`, or from `admin` when no user of
    /// that name exists. Stage S is skipped.
    System,
    /// A registered user.
    User(UserId),
}

/// Stage S for the sender of a message of kind `scope` (chat, groupchat or chatroom) at
/// `now`: who the sender is, or why they may not send.
pub(crate) fn stage_s(
    st: &State,
    origin: Origin,
    from: Option<&UserName>,
    scope: MuteScope,
    now: Timestamp,
) -> std::result::Result<Sender, SenderRefusal> {
    let id = from.and_then(|f| st.users.id(f));
    let id = match (origin, from, id) {
        (Origin::Server, None, _) => return Ok(Sender::System),
        (Origin::Server, Some(f), None) if f.as_str() == "admin" => return Ok(Sender::System),
        (Origin::Client, _, None) => return Err(SenderRefusal::Unknown),
        // A server-side send may name a sender that does not exist (vendor behaviour): nothing
        // about them can refuse it.
        (Origin::Server, Some(_), None) => return Ok(Sender::System),
        (_, _, Some(id)) => id,
    };
    sender_checks(st, id, scope, now).map(|()| Sender::User(id))
}

/// S1 and S3 for a registered sender.
fn sender_checks(
    st: &State,
    id: UserId,
    scope: MuteScope,
    now: Timestamp,
) -> std::result::Result<(), SenderRefusal> {
    let Some(u) = st.users.get(id) else {
        return Err(SenderRefusal::Unknown);
    };
    if !u.activated {
        return Err(SenderRefusal::Deactivated);
    }
    if let Some(e) = u.extra().and_then(|x| x.mutes[scope as usize])
        && e.is_live(now)
    {
        return Err(SenderRefusal::GloballyMuted(e));
    }
    Ok(())
}

/// Stage T for a one-to-one message to `to` from `sender`.
pub(crate) fn stage_t_chat(
    st: &State,
    origin: Origin,
    sender: Sender,
    to: Option<UserId>,
) -> ChatVerdict {
    let Some(r) = to.and_then(|r| st.users.get(r).map(|u| (r, u))) else {
        return match origin {
            Origin::Server => ChatVerdict::NoRecipient,
            Origin::Client => ChatVerdict::TargetRefused(TargetRefusal::RecipientNotFound),
        };
    };
    if st.lifecycle.is_closed(r.0) {
        return ChatVerdict::TargetRefused(TargetRefusal::RecipientClosed);
    }
    let Sender::User(from) = sender else {
        return ChatVerdict::Deliver;
    };
    if from == r.0 {
        // Sending to oneself is allowed (T4), friend check or not.
        return ChatVerdict::Deliver;
    }
    // Client sends: the recipient's DM mode decides which list applies (spec 04 §10). Server
    // sends: the block list, as Easemob does (RongCloud's `verifyBlacklist` is the lifecycle
    // area's `MayDirectMessage`).
    if origin == Origin::Client {
        if let Some(t) = crate::lifecycle::lists_refuse(st, from, r.0) {
            return ChatVerdict::TargetRefused(t);
        }
    } else if r.1.has_blocked(from) {
        return ChatVerdict::TargetRefused(TargetRefusal::BlockedByRecipient);
    }
    if origin == Origin::Client && st.limits.friend_check && !r.1.is_friend(from) {
        return ChatVerdict::TargetRefused(TargetRefusal::NotFriend);
    }
    ChatVerdict::Deliver
}

/// A group-chat target that stage T accepted: what it resolved to.
pub(crate) enum GroupTarget<'a> {
    /// Server origin, no such group or thread: accepted, reaching nobody.
    Nobody,
    /// A group.
    Group(&'a GroupId),
    /// A thread of a group.
    Thread(&'a ThreadId, &'a GroupId),
}

/// The group send rule on a user of `g` for a client-side send (T2–T4 and `GROUP_DISABLED`).
fn group_rule(g: &Group, from: UserId, now: Timestamp) -> std::result::Result<(), TargetRefusal> {
    if g.disabled {
        return Err(TargetRefusal::GroupDisabled);
    }
    let Some(m) = g.roster.members.get(from) else {
        return Err(TargetRefusal::NotGroupMember);
    };
    if g.roster.live_mute(from, now).is_some() {
        return Err(TargetRefusal::MutedInGroup);
    }
    if !Roster::speaks(m, g.mute_all, now) {
        return Err(TargetRefusal::MuteAllNotAllowListed);
    }
    Ok(())
}

/// Stage T for a group-chat target `to` (a group id, or a thread id): server origin skips
/// T2–T4 (OPEN 1) and accepts unknown targets; a client sender must pass the group's send
/// rule (a thread's is its group's).
pub(crate) fn stage_t_group<'a>(
    st: &'a State,
    origin: Origin,
    sender: Sender,
    to: &str,
    now: Timestamp,
) -> std::result::Result<GroupTarget<'a>, TargetRefusal> {
    let found = match st.groups.get_key_value(to) {
        Some((gid, g)) => Some((GroupTarget::Group(gid), g)),
        None => st
            .groups
            .thread_key_value(to)
            .map(|(tid, gid, g, _)| (GroupTarget::Thread(tid, gid), g)),
    };
    let Some((target, g)) = found else {
        return match origin {
            Origin::Server => Ok(GroupTarget::Nobody),
            Origin::Client => Err(TargetRefusal::GroupNotFound),
        };
    };
    match (origin, sender) {
        (Origin::Client, Sender::User(from)) => group_rule(g, from, now).map(|()| target),
        _ => Ok(target),
    }
}

/// Stage T for a chatroom target: server origin skips T2–T4 (OPEN 1) and accepts unknown
/// rooms (`None`); a client sender must be a member, not muted, and past mute-all (owner,
/// admins and allow-listed members are exempt, OPEN 5).
pub(crate) fn stage_t_room(
    st: &State,
    origin: Origin,
    sender: Sender,
    to: Option<RoomId>,
    now: Timestamp,
) -> std::result::Result<Option<&Room>, TargetRefusal> {
    let Some(r) = to.and_then(|id| st.rooms.get(id)) else {
        return match origin {
            Origin::Server => Ok(None),
            Origin::Client => Err(TargetRefusal::RoomNotFound),
        };
    };
    if let (Origin::Client, Sender::User(from)) = (origin, sender) {
        let Some(m) = r.roster.members.get(from) else {
            return Err(TargetRefusal::NotRoomMember);
        };
        if r.roster.live_mute(from, now).is_some() {
            return Err(TargetRefusal::MutedInRoom);
        }
        if !Roster::speaks(m, r.mute_all, now) {
            return Err(TargetRefusal::MuteAllNotAllowListed);
        }
    }
    Ok(Some(r))
}

/// Stage R for one recipient (R1, R2): a room message reaches online users and is dropped
/// for the others; a chat or group message reaches online users, is dropped for offline ones
/// with `ROUTE_ONLINE`, and is queued for the other offline ones.
#[inline]
pub(crate) fn stage_r(online: bool, room: bool, route_online: bool) -> Route {
    if online {
        Route::Online
    } else if room || route_online {
        Route::Dropped
    } else {
        Route::OfflineQueued
    }
}

/// May `from` send a one-to-one message to `to` at `now` (spec 03 §4.3, stages S and T)?
/// `from: None` with server origin is the system sender. The app admin, or the sender
/// themself with client origin.
///
/// The stages run in order: S1 the sender is disabled; S2 a client-side sender is unknown; S3
/// the sender's global chat mute is live; T1 the recipient is unknown (server origin: accepted,
/// no recipient); T2 the recipient blocked the sender; T3 client origin, the app's
/// `friend_check` is on and they are not friends; T4 deliver. Sending to oneself is allowed
/// (the friend check does not apply to it).
///
/// Errors: `401 unauthorized` (another user, or a user asking with server origin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MayMessage {
    /// Server or client side.
    pub origin: Origin,
    /// The sender (`None`: the system sender, server origin only).
    pub from: Option<UserName>,
    /// The recipient.
    pub to: UserName,
}

fn caller_may_ask(cx: &ReadCtx<'_>, origin: Origin, from: Option<&UserName>) -> Result<()> {
    match (cx.actor, origin, from) {
        (crate::engine::Actor::Admin, _, _) => Ok(()),
        (crate::engine::Actor::User(u), Origin::Client, Some(f)) if u == f => Ok(()),
        _ => Err(NOT_ALLOWED),
    }
}

impl Ask for MayMessage {
    type Reply = ChatVerdict;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<ChatVerdict> {
        caller_may_ask(cx, self.origin, self.from.as_ref())?;
        let st = cx.st;
        let sender = match stage_s(st, self.origin, self.from.as_ref(), MuteScope::Chat, cx.now) {
            Ok(s) => s,
            Err(r) => return Ok(ChatVerdict::SenderRefused(r)),
        };
        Ok(stage_t_chat(st, self.origin, sender, st.users.id(&self.to)))
    }
}

/// [`MayMessage`] by user handles, for hosts that resolved names once ([`UserId`]s from
/// [`crate::LookupUser`] or [`crate::Authenticate`]). A handle of a deleted user is an
/// unknown user. The app admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MayMessageById {
    /// Server or client side.
    pub origin: Origin,
    /// The sender (`None`: the system sender, server origin only).
    pub from: Option<UserId>,
    /// The recipient.
    pub to: UserId,
}

impl Ask for MayMessageById {
    type Reply = ChatVerdict;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<ChatVerdict> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let st = cx.st;
        let sender = match (self.origin, self.from) {
            (Origin::Server, None) => Sender::System,
            (_, None) => return Ok(ChatVerdict::SenderRefused(SenderRefusal::Unknown)),
            (_, Some(id)) => match sender_checks(st, id, MuteScope::Chat, cx.now) {
                Ok(()) => Sender::User(id),
                Err(SenderRefusal::Unknown) if self.origin == Origin::Server => Sender::System,
                Err(r) => return Ok(ChatVerdict::SenderRefused(r)),
            },
        };
        Ok(stage_t_chat(st, self.origin, sender, Some(self.to)))
    }
}
