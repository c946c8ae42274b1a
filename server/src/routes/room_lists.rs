//! A chatroom's moderation lists (spec 03 §3.6–§3.8): the block list, the allow list
//! (`white/users`), individual mutes and mute-all (`ban`), served by the routes of
//! [`lists`] with the engine calls of [`Moderated`] for [`RoomId`], and the
//! host path `GET /chatrooms/{id}/mute/{user}` (one member's mute). Batch items name the room
//! `chatroomid`; batches answer one item per distinct user with HTTP 200.
//!
//! Mute durations are the vendor's room unit, milliseconds (`mute_duration`): `n > 0` mutes
//! for `n` ms from now, `-1` until lifted; the engine answers anything else (0, other
//! negatives) with `400 invalid_parameter "mute_duration is invalid"`, and a value that is no
//! whole number (a fraction, a non-number) is passed to it as 0 so that it answers the same.
//! Mute lists show `expire` as an epoch-ms instant, `-1` for forever.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use imcore::rooms::{
    AllowRoomUsers, BlockRoomUser, BlockRoomUsers, DisallowRoomUsers, GetRoomMuteStatus,
    IsRoomAllowed, ListRoomAllow, ListRoomBlocks, ListRoomMutes, MuteRoomMembers, RoomError,
    RoomId, SetRoomMuteAll, UnblockRoomUser, UnblockRoomUsers, UnmuteRoomMembers,
};
use imcore::{BatchItem, Expiry, UserName};
use serde_json::{Value, json};

use super::lists::{self, Moderated};
use super::shared::{Items, Named, expire_json, results_json, room, whole_number};
use crate::envelope::Envelope;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::host::Host;

/// This module's routes.
pub fn routes() -> Router<Arc<Host>> {
    Router::new()
        .route("/{org}/{app}/chatrooms/{id}/mute/{users}", get(mute_status))
        .merge(lists::routes::<RoomId>())
}

/// A room's list calls. Unblocking one user who is not blocked is `403 forbidden_op`; the
/// single-user allow is the batch call for one user (its item may carry a `reason`).
impl Moderated for RoomId {
    const PATH: &'static str = "/{org}/{app}/chatrooms/{id}";
    const KEY: &'static str = "chatroomid";

    fn from_path(call: &Call) -> ApiResult<RoomId> {
        room(call)
    }

    fn blocks(&self, call: &Call) -> ApiResult<Vec<UserName>> {
        call.ask(ListRoomBlocks { room: *self })
    }

    fn block(&self, call: &Call, users: Named) -> ApiResult<Items> {
        users.run(
            call,
            self,
            |room, user| BlockRoomUser { room, user },
            |room, users| BlockRoomUsers { room, users },
        )
    }

    fn unblock(&self, call: &Call, users: Named) -> ApiResult<Items> {
        users.run(
            call,
            self,
            |room, user| UnblockRoomUser { room, user },
            |room, users| UnblockRoomUsers { room, users },
        )
    }

    fn allowed(&self, call: &Call) -> ApiResult<Vec<UserName>> {
        call.ask(ListRoomAllow { room: *self })
    }

    fn allow(&self, call: &Call, users: Named) -> ApiResult<Items> {
        users.run(
            call,
            self,
            |room, user| AllowRoomUsers {
                room,
                users: vec![user],
            },
            |room, users| AllowRoomUsers { room, users },
        )
    }

    fn disallow(&self, call: &Call, users: Vec<UserName>) -> ApiResult<Vec<BatchItem>> {
        call.exec(DisallowRoomUsers { room: *self, users })
    }

    fn is_allowed(&self, call: &Call, user: UserName) -> ApiResult<bool> {
        call.ask(IsRoomAllowed { room: *self, user })
    }

    fn mutes(&self, call: &Call) -> ApiResult<Vec<(UserName, Expiry)>> {
        let l = call.ask(ListRoomMutes { room: *self })?;
        Ok(l.into_iter().map(|m| (m.user, m.expire)).collect())
    }

    /// Missing is `400 invalid_parameter "mute_duration must be provided"`; a value that is no
    /// whole number is 0, which the engine refuses in its check order.
    fn mute_duration(v: Option<Value>) -> ApiResult<i64> {
        match v {
            None | Some(Value::Null) => Err(RoomError::Missing("mute_duration").into()),
            Some(v) => Ok(whole_number(&v).unwrap_or(0)),
        }
    }

    fn mute(&self, call: &Call, users: Vec<UserName>, duration_ms: i64) -> ApiResult<Value> {
        let items = call.exec(MuteRoomMembers {
            room: *self,
            users,
            duration_ms,
        })?;
        Ok(results_json(items.iter().map(|i| {
            (i.result, &i.user, i.expire, i.reason.as_deref())
        })))
    }

    fn unmute(&self, call: &Call, users: Vec<UserName>) -> ApiResult<Vec<BatchItem>> {
        call.exec(UnmuteRoomMembers { room: *self, users })
    }

    fn mute_all(&self, call: &Call, on: bool) -> ApiResult<bool> {
        call.exec(SetRoomMuteAll {
            room: *self,
            muted: on,
        })
    }
}

/// `GET /chatrooms/{id}/mute/{user}` (host path): `data: {user, muted, expire?}` for the
/// individual mute (mute-all not counted). Owner, admins, the app admin, or the user
/// themself.
async fn mute_status(call: Call) -> ApiResult<Envelope> {
    let id = room(&call)?;
    let user = call.user("users")?;
    let s = call.ask(GetRoomMuteStatus {
        room: id,
        user: user.clone(),
    })?;
    let mut data = json!({"user": user.as_str(), "muted": s.muted});
    if let Some(e) = s.expire {
        data["expire"] = expire_json(e);
    }
    Ok(Envelope::full(&call).data(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mute_durations_map_to_engine_values() {
        let d = |v| RoomId::mute_duration(Some(v));
        assert_eq!(d(json!(-1)).unwrap(), -1);
        assert_eq!(d(json!(60000)).unwrap(), 60000);
        assert_eq!(d(json!("5000")).unwrap(), 5000);
        assert_eq!(d(json!(1.5)).unwrap(), 0);
        assert_eq!(d(json!(true)).unwrap(), 0);
        let e = RoomId::mute_duration(None).unwrap_err();
        assert_eq!((e.status, e.error.as_str()), (400, "invalid_parameter"));
    }
}
