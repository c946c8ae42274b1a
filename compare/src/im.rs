//! imcore: the data set built through the public command API, as the app admin.

use imcore::messages::{
    ChatVerdict, MayMessage, MayMessageById, Origin, SenderRefusal, TargetRefusal,
};
use imcore::*;

use crate::data::*;

pub struct Im {
    pub app: App,
    /// `ids[i]`: user `i`'s handle, resolved once with `LookupUser`.
    pub ids: Vec<UserId>,
    /// `names[i]`: user `i`'s name.
    pub names: Vec<UserName>,
}

const ADMIN: Actor = Actor::Admin;

/// The answer codes every backend gives for "may message?" (client origin).
pub const DELIVER: u8 = 0;
pub const SENDER_DISABLED: u8 = 1;
pub const SENDER_UNKNOWN: u8 = 2;
pub const SENDER_MUTED: u8 = 3;
pub const NO_RECIPIENT: u8 = 4;
pub const BLOCKED: u8 = 5;
pub const NOT_FRIEND: u8 = 6;

pub fn verdict_code(v: ChatVerdict) -> u8 {
    match v {
        ChatVerdict::Deliver => DELIVER,
        ChatVerdict::SenderRefused(SenderRefusal::Deactivated) => SENDER_DISABLED,
        ChatVerdict::SenderRefused(SenderRefusal::Unknown) => SENDER_UNKNOWN,
        ChatVerdict::SenderRefused(SenderRefusal::GloballyMuted(_)) => SENDER_MUTED,
        ChatVerdict::TargetRefused(TargetRefusal::RecipientNotFound) => NO_RECIPIENT,
        ChatVerdict::TargetRefused(TargetRefusal::BlockedByRecipient) => BLOCKED,
        ChatVerdict::TargetRefused(TargetRefusal::NotFriend) => NOT_FRIEND,
        other => panic!("unexpected verdict for a one-to-one client send: {other:?}"),
    }
}

pub const CODE_NAMES: [&str; 7] = [
    "deliver",
    "sender disabled",
    "sender unknown",
    "sender muted",
    "no recipient",
    "blocked",
    "not friends",
];

impl Im {
    pub fn build(dist: &[usize]) -> Im {
        let limits = Limits {
            friend_check: true,
            ..Limits::default()
        };
        let app = Engine::new()
            .create_app(AppKey::new("compare", "app").expect("key"), limits)
            .expect("app");
        let mut i = 0;
        while i < USERS {
            let end = (i + 60).min(USERS);
            let batch = (i..end)
                .map(|j| NewUser::new(&name(j), "secret-pw", &format!("uuid-{j}")))
                .collect();
            app.execute(&ADMIN, NOW, RegisterUsers(batch))
                .expect("register");
            i = end;
        }
        let names: Vec<UserName> = (0..USERS).map(uname).collect();
        for (k, d) in dist.iter().enumerate() {
            for i in 0..USERS {
                let cmd = AddFriend {
                    owner: names[i].clone(),
                    friend: names[(i + d) % USERS].clone(),
                };
                app.execute(&ADMIN, Timestamp(NOW.0 + k as i64), cmd)
                    .expect("add friend");
            }
        }
        for i in 0..USERS {
            let cmd = BlockUsers {
                owner: names[i].clone(),
                usernames: [1, 7, BLOCK_FAR]
                    .iter()
                    .map(|d| names[(i + d) % USERS].clone())
                    .collect(),
            };
            app.execute(&ADMIN, NOW, cmd).expect("block");
            let mute = match special(i) {
                Special::Plain => None,
                Special::Disabled => {
                    app.execute(
                        &ADMIN,
                        NOW,
                        DisableUser {
                            username: names[i].clone(),
                        },
                    )
                    .expect("disable");
                    None
                }
                Special::MutedForever => Some(MuteValue::Forever),
                Special::MuteLapsed => Some(MuteValue::For(Millis(MUTE_LAPSED_MS))),
                Special::MutedUntil => Some(MuteValue::For(Millis(MUTE_LIVE_MS))),
            };
            if let Some(m) = mute {
                let cmd = SetGlobalMute {
                    username: names[i].clone(),
                    chat: Some(m),
                    groupchat: None,
                    chatroom: None,
                };
                app.execute(&ADMIN, NOW, cmd).expect("mute");
            }
        }
        let ids = names
            .iter()
            .map(|n| {
                app.query(
                    &ADMIN,
                    QNOW,
                    LookupUser {
                        username: n.clone(),
                    },
                )
                .expect("lookup")
            })
            .collect();
        Im { app, ids, names }
    }

    /// User `i`'s handle; for an index past the data set, a handle no user has.
    pub fn id(&self, i: usize) -> UserId {
        self.ids
            .get(i)
            .copied()
            .unwrap_or(UserId(u64::MAX / 2 + i as u64))
    }

    /// User `i`'s name; for an index past the data set, a name no user has.
    pub fn name(&self, i: usize) -> UserName {
        self.names.get(i).cloned().unwrap_or_else(|| uname(i))
    }

    #[inline]
    pub fn friends_by_id(&self, a: UserId, b: UserId) -> bool {
        self.app.read(|v| friends_in(v, a, b))
    }

    #[inline]
    pub fn friends_by_name(&self, a: &UserName, b: &UserName) -> bool {
        self.app
            .query(
                &ADMIN,
                QNOW,
                AreFriends {
                    a: a.clone(),
                    b: b.clone(),
                },
            )
            .expect("are friends")
    }

    #[inline]
    pub fn may_by_id(&self, from: UserId, to: UserId) -> ChatVerdict {
        self.app.read(|v| may_in(v, from, to))
    }

    #[inline]
    pub fn may_by_name(&self, from: &UserName, to: &UserName) -> ChatVerdict {
        self.app
            .query(
                &ADMIN,
                QNOW,
                MayMessage {
                    origin: Origin::Client,
                    from: Some(from.clone()),
                    to: to.clone(),
                },
            )
            .expect("may message")
    }

    /// `AddFriend` as the admin; `true` when the edge was new.
    #[inline]
    pub fn add_friend(&self, a: &UserName, b: &UserName) -> bool {
        let out = self
            .app
            .execute(
                &ADMIN,
                QNOW,
                AddFriend {
                    owner: a.clone(),
                    friend: b.clone(),
                },
            )
            .expect("add friend");
        !out.events.is_empty()
    }

    /// `AddFriendById` as the admin; `true` when the edge was new.
    #[inline]
    pub fn add_friend_by_id(&self, a: UserId, b: UserId) -> bool {
        let out = self
            .app
            .execute(
                &ADMIN,
                QNOW,
                AddFriendById {
                    owner: a,
                    friend: b,
                },
            )
            .expect("add friend by id");
        !out.events.is_empty()
    }

    /// `RemoveFriendById` as the admin; `true` when there was an edge.
    #[inline]
    pub fn remove_friend_by_id(&self, a: UserId, b: UserId) -> bool {
        let out = self
            .app
            .execute(
                &ADMIN,
                QNOW,
                RemoveFriendById {
                    owner: a,
                    friend: b,
                },
            )
            .expect("remove friend by id");
        !out.events.is_empty()
    }

    /// `RemoveFriend` as the admin; `true` when there was an edge.
    #[inline]
    pub fn remove_friend(&self, a: &UserName, b: &UserName) -> bool {
        let out = self
            .app
            .execute(
                &ADMIN,
                QNOW,
                RemoveFriend {
                    owner: a.clone(),
                    friend: b.clone(),
                },
            )
            .expect("remove friend");
        !out.events.is_empty()
    }
}

/// `AreFriendsById` on a view ([`App::read`]): the id rows take one view a check, the "one
/// view" rows one view a sample.
#[inline]
pub fn friends_in(v: &View<'_>, a: UserId, b: UserId) -> bool {
    v.query(&ADMIN, QNOW, AreFriendsById { a, b })
        .expect("are friends by id")
}

/// `MayMessageById` (client origin) on a view; see [`friends_in`].
#[inline]
pub fn may_in(v: &View<'_>, from: UserId, to: UserId) -> ChatVerdict {
    v.query(
        &ADMIN,
        QNOW,
        MayMessageById {
            origin: Origin::Client,
            from: Some(from),
            to,
        },
    )
    .expect("may message by id")
}
