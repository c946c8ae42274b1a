//! The one-to-one send decision (spec 03 §4.3, stages S and T for a chat message): may `from`
//! message `to` now, and if not, exactly why.

use serde::{Deserialize, Serialize};

use crate::engine::{NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::query::Ask;
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
pub enum TargetRefusal {
    /// T1, client origin: no such recipient (client code 204).
    RecipientNotFound,
    /// T2: the recipient has the sender on their block list (client code 210).
    BlockedByRecipient,
    /// T3: the app requires friendship for client sends and they are not friends (client
    /// code 221).
    NotFriend,
}

/// The sender as stage S sees them.
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
    sender: &Sender,
    to: Option<UserId>,
) -> ChatVerdict {
    let Some(r) = to.and_then(|r| st.users.get(r).map(|u| (r, u))) else {
        return match origin {
            Origin::Server => ChatVerdict::NoRecipient,
            Origin::Client => ChatVerdict::TargetRefused(TargetRefusal::RecipientNotFound),
        };
    };
    let Sender::User(from) = *sender else {
        return ChatVerdict::Deliver;
    };
    if from == r.0 {
        // Sending to oneself is allowed (T4), friend check or not.
        return ChatVerdict::Deliver;
    }
    if r.1.has_blocked(from) {
        return ChatVerdict::TargetRefused(TargetRefusal::BlockedByRecipient);
    }
    if origin == Origin::Client && st.limits.friend_check && !r.1.is_friend(from) {
        return ChatVerdict::TargetRefused(TargetRefusal::NotFriend);
    }
    ChatVerdict::Deliver
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
        Ok(stage_t_chat(
            st,
            self.origin,
            &sender,
            st.users.id(&self.to),
        ))
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
        Ok(stage_t_chat(st, self.origin, &sender, Some(self.to)))
    }
}
