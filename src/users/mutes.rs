//! Global mutes (spec 01 §12): an app-wide ban on sending, with one timer per scope. A mute
//! lapses by itself once `now >= expiry`: every read decides against its `now`, so no command
//! or sweeper is needed for correctness. [`crate::Expire`] removes a lapsed mute from the
//! state (and from the list's index) and reports it once with `MuteExpired`.

use serde::{Deserialize, Serialize};

use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::UserName;
use crate::limits::{MUTE_MILLIS_MAX, MUTES_PAGE_MAX};
use crate::query::Ask;
use crate::store::State;
use crate::time::{Expiry, Millis, Remaining, Timestamp};

/// Where a global mute applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum MuteScope {
    /// One-to-one messages.
    Chat = 0,
    /// Group messages.
    GroupChat = 1,
    /// Chatroom messages.
    ChatRoom = 2,
}

impl MuteScope {
    /// All scopes in the vendor's order.
    pub const ALL: [MuteScope; 3] = [MuteScope::Chat, MuteScope::GroupChat, MuteScope::ChatRoom];
}

/// What to do to one scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum MuteValue {
    /// Lift the mute (vendor `0`).
    Lift,
    /// Mute until lifted (vendor `-1`).
    Forever,
    /// Mute for this long from `now`: 1 ms to 2 147 483 647 s (vendor seconds × 1000).
    For(#[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::mute_millis))] Millis),
}

fn gate(st: &State) -> Result<()> {
    if st.limits.global_mute_enabled {
        Ok(())
    } else {
        Err(Error::ForbiddenOp(
            "user_mute is not used for this app".into(),
        ))
    }
}

/// Sets or lifts a user's global mutes (`POST /mutes`). Scopes left `None` are unchanged; a
/// call with none succeeds and does nothing. Admin only.
///
/// Errors, in check order: `403 forbidden_op` "user_mute is not used for this app"; `401
/// unauthorized`; `400 illegal_argument` (a duration of 0 or over 2 147 483 647 s); `400
/// required_property_not_found` (unknown user).
///
/// Emits `GlobalMuteChanged` per scope given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetGlobalMute {
    /// Who.
    pub username: UserName,
    /// One-to-one scope.
    pub chat: Option<MuteValue>,
    /// Group scope.
    pub groupchat: Option<MuteValue>,
    /// Chatroom scope.
    pub chatroom: Option<MuteValue>,
}

impl Exec for SetGlobalMute {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        gate(cx.st)?;
        cx.actor.admin_only(NOT_ALLOWED)?;
        let given = [self.chat, self.groupchat, self.chatroom];
        let mut to: [Option<Option<Expiry>>; 3] = [None; 3];
        for (slot, v) in to.iter_mut().zip(given) {
            *slot = match v {
                None => None,
                Some(MuteValue::Lift) => Some(None),
                Some(MuteValue::Forever) => Some(Some(Expiry::Never)),
                Some(MuteValue::For(d)) if d.0 == 0 || d.0 > MUTE_MILLIS_MAX => {
                    return Err(Error::illegal("mute duration is invalid"));
                }
                Some(MuteValue::For(d)) => Some(Some(Expiry::At(cx.now.after(d)))),
            };
        }
        let users = &mut cx.st.users;
        let id = users
            .id(&self.username)
            .ok_or(Error::RequiredPropertyNotFound)?;
        if to.iter().all(Option::is_none) {
            return Ok(());
        }
        for (scope, t) in MuteScope::ALL.into_iter().zip(to) {
            if let Some(e) = t {
                users.set_global_mute(id, scope, e);
            }
        }
        for (scope, t) in MuteScope::ALL.into_iter().zip(to) {
            if let Some(expiry) = t {
                cx.emit(Event::GlobalMuteChanged {
                    user: self.username.clone(),
                    scope,
                    expiry,
                });
            }
        }
        Ok(())
    }
}

/// A user's global mutes at `now` (`GET /mutes/{u}`): remaining time per scope, `None` when
/// not muted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GlobalMuteView {
    /// Who.
    pub username: UserName,
    /// One-to-one scope.
    pub chat: Option<Remaining>,
    /// Group scope.
    pub groupchat: Option<Remaining>,
    /// Chatroom scope.
    pub chatroom: Option<Remaining>,
    /// The `now` this was read at.
    pub now: Timestamp,
}

/// Reads a user's global mutes. Admin only.
///
/// Errors: `403 forbidden_op` (off); `401 unauthorized`; `400 required_property_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetGlobalMute {
    /// Who.
    pub username: UserName,
}

impl Ask for GetGlobalMute {
    type Reply = GlobalMuteView;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<GlobalMuteView> {
        gate(cx.st)?;
        cx.actor.admin_only(NOT_ALLOWED)?;
        let (_, s) = cx
            .st
            .users
            .named(&self.username)
            .ok_or(Error::RequiredPropertyNotFound)?;
        let m = s.extra().map(|x| x.mutes).unwrap_or_default();
        let r = |i: usize| m[i].and_then(|e| e.remaining(cx.now));
        Ok(GlobalMuteView {
            username: self.username,
            chat: r(0),
            groupchat: r(1),
            chatroom: r(2),
            now: cx.now,
        })
    }
}

/// Whether a user is globally muted in a scope at `now`: the predicate the messaging, group
/// and chatroom areas check before a send. Unknown users are not muted. Admin only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct IsGloballyMuted {
    /// Who.
    pub username: UserName,
    /// Which scope.
    pub scope: MuteScope,
}

impl Ask for IsGloballyMuted {
    type Reply = bool;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<bool> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        Ok(cx.st.users.named(&self.username).is_some_and(|(_, s)| {
            s.extra()
                .and_then(|x| x.mutes[self.scope as usize])
                .is_some_and(|e| e.is_live(cx.now))
        }))
    }
}

/// One active (user, scope) mute in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct MuteEntry {
    /// Who.
    pub username: UserName,
    /// Which scope.
    pub scope: MuteScope,
    /// What is left.
    pub remaining: Remaining,
}

/// Lists active global mutes, one entry per (user, scope), by username then scope (`GET
/// /mutes?pageNum&pageSize`). `page_num` is 1-based (0 reads as 1); `page_size` is 1–50
/// (default 10). Lapsed and lifted mutes are not listed. Admin only.
///
/// Errors: `403 forbidden_op` (off); `401 unauthorized`; `400 illegal_argument` (page size 0
/// or over 50).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListGlobalMutes {
    /// 1-based page.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_num: Option<u32>,
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub page_size: Option<u32>,
}

impl Ask for ListGlobalMutes {
    type Reply = Vec<MuteEntry>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<MuteEntry>> {
        gate(cx.st)?;
        cx.actor.admin_only(NOT_ALLOWED)?;
        let size = match self.page_size {
            None => 10,
            Some(n) if (1..=MUTES_PAGE_MAX).contains(&n) => n as usize,
            Some(_) => {
                return Err(Error::illegal(format!(
                    "pageSize must be between 1 and {MUTES_PAGE_MAX}"
                )));
            }
        };
        let skip = (self.page_num.unwrap_or(1).max(1) as usize - 1).saturating_mul(size);
        let users = &cx.st.users;
        let mut out = Vec::new();
        let mut seen = 0usize;
        for (name, id) in &users.muted {
            let Some(x) = users.get(*id).and_then(|s| s.extra()) else {
                continue;
            };
            for scope in MuteScope::ALL {
                if let Some(remaining) = x.mutes[scope as usize].and_then(|e| e.remaining(cx.now)) {
                    if seen >= skip && out.len() < size {
                        out.push(MuteEntry {
                            username: name.clone(),
                            scope,
                            remaining,
                        });
                    }
                    seen += 1;
                }
            }
            if out.len() >= size {
                break;
            }
        }
        Ok(out)
    }
}
