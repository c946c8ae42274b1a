//! RongCloud's one-to-one ban (单聊禁言, spec 04 §12: `/user/chat/fb/set.json`): a user who may
//! send no one-to-one message, with no duration. It is the users area's global mute of the
//! chat scope ([`crate::SetGlobalMute`]), never lapsing: one state, read by both faces.

use serde::{Deserialize, Serialize};

use super::{check_batch, error::invalid};
use crate::command::{Event, Exec};
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::{Error, Result};
use crate::ids::UserName;
use crate::limits::{CHAT_BAN_BATCH_MAX, CHAT_BAN_PAGE_DEFAULT, CHAT_BAN_PAGE_MAX};
use crate::query::Ask;
use crate::store::State;
use crate::time::Expiry;
use crate::users::{MuteScope, find};

fn gate(st: &State) -> Result<()> {
    if st.limits.global_mute_enabled {
        Ok(())
    } else {
        Err(Error::ForbiddenOp(
            "user_mute is not used for this app".into(),
        ))
    }
}

/// Bans users from sending one-to-one messages (`banned`), or lifts the ban
/// (`/user/chat/fb/set.json`, `state` 1 or 0): the chat-scope global mute set to never lapse,
/// or lifted (a timed one included). Admin only.
///
/// Errors, in check order: `403 forbidden_op` (global mutes off; RongCloud 1009); `401
/// unauthorized`; `400 illegal_argument` (no ids, over 1 000); `404 service_resource_not_found`
/// (nothing changes).
///
/// Emits `GlobalMuteChanged{scope: Chat}` per user whose mute changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetChatBan {
    /// Who.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// Ban (`true`) or lift.
    pub banned: bool,
}

impl Exec for SetChatBan {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        gate(cx.st)?;
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), CHAT_BAN_BATCH_MAX, "userId")?;
        let users = crate::roster::distinct(&self.users)
            .into_iter()
            .map(|n| find(cx.st, &n).map(|(id, _)| (id, n)))
            .collect::<Result<Vec<_>>>()?;
        let to = self.banned.then_some(Expiry::Never);
        for (id, name) in users {
            let cur = cx
                .st
                .users
                .get(id)
                .and_then(|u| u.extra())
                .and_then(|x| x.mutes[MuteScope::Chat as usize]);
            if cur == to {
                continue;
            }
            cx.st.users.set_global_mute(id, MuteScope::Chat, to);
            cx.emit(Event::GlobalMuteChanged {
                user: name,
                scope: MuteScope::Chat,
                expiry: to,
            });
        }
        Ok(())
    }
}

/// A page of one-to-one bans, with the total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatBanPage {
    /// The users, by id.
    pub users: Vec<UserName>,
    /// How many users are banned.
    pub total: u64,
}

/// The users who may not send one-to-one messages now (a live chat-scope global mute), by id
/// (`/user/chat/fb/querylist.json`): `num` (1–200, default 100) from `offset` (default 0).
/// Admin only.
///
/// Errors, in check order: `403 forbidden_op` (off); `401 unauthorized`; `400
/// illegal_argument` (`num` 0 or over 200).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct ListChatBans {
    /// Page size.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub num: Option<u32>,
    /// How many to skip.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::page))]
    pub offset: Option<u32>,
}

impl Ask for ListChatBans {
    type Reply = ChatBanPage;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<ChatBanPage> {
        gate(cx.st)?;
        cx.actor.admin_only(NOT_ALLOWED)?;
        let num = self.num.unwrap_or(CHAT_BAN_PAGE_DEFAULT);
        if num == 0 || num > CHAT_BAN_PAGE_MAX {
            return Err(invalid(format!(
                "num must be between 1 and {CHAT_BAN_PAGE_MAX}"
            )));
        }
        let all: Vec<UserName> = cx
            .st
            .users
            .muted
            .iter()
            .filter(|(_, id)| {
                cx.st
                    .users
                    .get(**id)
                    .and_then(|u| u.extra())
                    .and_then(|x| x.mutes[MuteScope::Chat as usize])
                    .is_some_and(|e| e.is_live(cx.now))
            })
            .map(|(n, _)| n.clone())
            .collect();
        Ok(ChatBanPage {
            total: all.len() as u64,
            users: all
                .into_iter()
                .skip(self.offset.unwrap_or(0) as usize)
                .take(num as usize)
                .collect(),
        })
    }
}
