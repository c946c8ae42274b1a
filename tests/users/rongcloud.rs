//! The RongCloud user lifecycle (spec 04): every acceptance case of §15, every error of §13
//! through the engine, and the caps at n-1, n, n+1.

use crate::fixture::users::*;
use imcore::limits::{ALLOWLIST_MAX, BLOCKS_MAX, RONG_BLOCKLIST_MAX};
use imcore::messages::{ChatVerdict, MayMessage, Origin, TargetRefusal};
use imcore::*;

const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn names(v: &[&str]) -> Vec<UserName> {
    v.iter().map(|s| n(s)).collect()
}

/// `GrantToken` for `u` at `now`.
fn grant(app: &App, u: &str, now: Timestamp) -> Result<Output<TokenGrant>> {
    app.execute(
        &Actor::Admin,
        now,
        GrantToken {
            user: n(u),
            name: format!("Name {u}"),
            portrait: Some(format!("https://img/{u}.png")),
            uuid: format!("uuid-{u}"),
        },
    )
}

fn validate(app: &App, u: &str, issued_at: Timestamp, now: Timestamp) -> GrantStatus {
    app.query(
        &Actor::Admin,
        now,
        ValidateGrant {
            user: n(u),
            issued_at,
        },
    )
    .unwrap()
}

fn block_login(
    app: &App,
    users: &[&str],
    minutes: u32,
    now: Timestamp,
) -> Result<Output<Timestamp>> {
    app.execute(
        &Actor::Admin,
        now,
        BlockLogin {
            users: names(users),
            minutes,
        },
    )
}

fn unblock_login(app: &App, users: &[&str], now: Timestamp) -> Result<Output<()>> {
    app.execute(
        &Actor::Admin,
        now,
        UnblockLogin {
            users: names(users),
        },
    )
}

fn close(app: &App, users: &[&str], now: Timestamp) -> LifecycleOp<CloseOutcome> {
    app.execute(
        &Actor::Admin,
        now,
        CloseAccounts {
            users: names(users),
            leave_groups: false,
        },
    )
    .unwrap()
    .reply
}

fn reopen(app: &App, users: &[&str], now: Timestamp) -> LifecycleOp<ReopenOutcome> {
    app.execute(
        &Actor::Admin,
        now,
        ReopenAccountIds {
            users: names(users),
        },
    )
    .unwrap()
    .reply
}

fn add(app: &App, list: DmList, owner: &str, users: &[&str]) -> Result<Output<()>> {
    app.execute(
        &Actor::Admin,
        T0,
        AddToDmList {
            list,
            owner: n(owner),
            users: names(users),
        },
    )
}

fn list(app: &App, l: DmList, owner: &str) -> Vec<String> {
    app.query(
        &Actor::Admin,
        T0,
        ListDmList {
            list: l,
            owner: n(owner),
            size: None,
            cursor: None,
        },
    )
    .unwrap()
    .items
    .iter()
    .map(|u| u.to_string())
    .collect()
}

fn set_mode(app: &App, users: &[&str], mode: DmMode) -> Result<Output<()>> {
    app.execute(
        &Actor::Admin,
        T0,
        SetDmMode {
            users: names(users),
            mode,
        },
    )
}

fn may_dm(app: &App, from: &str, to: &str, origin: Origin, enforce: bool) -> Option<DmRefusal> {
    app.query(
        &Actor::Admin,
        T0,
        MayDirectMessage {
            from: n(from),
            to: n(to),
            origin,
            enforce_relations: enforce,
        },
    )
    .unwrap()
}

fn may_message(app: &App, from: &str, to: &str) -> ChatVerdict {
    app.query(
        &Actor::Admin,
        T0,
        MayMessage {
            origin: Origin::Client,
            from: Some(n(from)),
            to: n(to),
        },
    )
    .unwrap()
}

fn rong_code<T: std::fmt::Debug>(r: Result<T>) -> u16 {
    r.expect_err("expected an error").rong_code()
}

// ---- §1 registration ----

#[test]
fn registration_creates_then_updates_and_emits_grants() {
    let app = app();
    let out = grant(&app, "a", T0).unwrap();
    assert_eq!(
        out.reply,
        TokenGrant {
            user: n("a"),
            issued_at: T0,
            grant_seq: out.reply.grant_seq
        }
    );
    assert_eq!(
        out.events,
        vec![
            Event::UserRegistered { user: n("a") },
            Event::Lifecycle(LifecycleEvent::TokenGranted {
                user: n("a"),
                at: T0,
                grant_seq: out.reply.grant_seq
            }),
        ]
    );
    let info = app
        .query(&Actor::Admin, T0, GetUserInfo { user: n("a") })
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("Name a"));
    assert_eq!(info.portrait.as_deref(), Some("https://img/a.png"));
    assert_eq!(info.created_at, T0);
    // Again: a fresh grant, the same user, name overwritten; the earlier grant stays valid.
    let again = app
        .execute(
            &Actor::Admin,
            at(5),
            GrantToken {
                user: n("a"),
                name: "新名字".into(),
                portrait: None,
                uuid: "other".into(),
            },
        )
        .unwrap();
    assert!(again.reply.grant_seq > out.reply.grant_seq);
    assert!(matches!(
        again.events[0],
        Event::Lifecycle(LifecycleEvent::UserInfoChanged { .. })
    ));
    let info = app
        .query(&Actor::Admin, T0, GetUserInfo { user: n("a") })
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("新名字"));
    assert_eq!(info.portrait.as_deref(), Some("https://img/a.png"));
    assert_eq!(info.created_at, T0);
    assert_eq!(validate(&app, "a", T0, at(10)), GrantStatus::Ok);
    assert_eq!(validate(&app, "a", at(5), at(10)), GrantStatus::Ok);
    check(&app);
}

#[test]
fn registration_name_and_portrait_limits() {
    let app = app();
    let with = |name: String, portrait: Option<String>| {
        app.execute(
            &Actor::Admin,
            T0,
            GrantToken {
                user: n("a"),
                name,
                portrait,
                uuid: "u".into(),
            },
        )
    };
    // Name: 64 characters (CJK counted as one each) pass, 0 and 65 fail.
    assert!(with("名".repeat(63), None).is_ok());
    assert!(with("名".repeat(64), None).is_ok());
    assert_err(with("名".repeat(65), None), 400, "illegal_argument");
    assert_err(with(String::new(), None), 400, "illegal_argument");
    // Portrait: 1 024 bytes pass, 1 025 fail.
    assert!(with("a".into(), Some("p".repeat(1023))).is_ok());
    assert!(with("a".into(), Some("p".repeat(1024))).is_ok());
    let e = with("a".into(), Some("p".repeat(1025)));
    assert_eq!(rong_code(e), 1002);
    // Not the admin.
    assert_err(
        app.execute(
            &user("a"),
            T0,
            GrantToken {
                user: n("a"),
                name: "x".into(),
                portrait: None,
                uuid: "u".into(),
            },
        ),
        401,
        "unauthorized",
    );
}

#[test]
fn registration_user_cap_is_2007() {
    let app = app_with(Limits {
        users_max: Some(2),
        ..Limits::default()
    });
    grant(&app, "a", T0).unwrap();
    grant(&app, "b", T0).unwrap();
    grant(&app, "a", T0).unwrap(); // a known id does not count again
    let e = grant(&app, "c", T0);
    assert_eq!(rong_code(e), 2007);
}

#[test]
fn token_lifetime_expires_grants() {
    let app = app_with(Limits {
        lifecycle: LifecycleLimits {
            token_ttl: Some(Millis(1000)),
            ..Default::default()
        },
        ..Limits::default()
    });
    grant(&app, "a", T0).unwrap();
    assert_eq!(validate(&app, "a", T0, at(999)), GrantStatus::Ok);
    assert_eq!(validate(&app, "a", T0, at(1000)), GrantStatus::Expired);
}

#[test]
fn a_grant_from_before_the_user_existed_is_revoked() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    app.execute(&Actor::Admin, at(1), DeleteUser { username: n("a") })
        .unwrap();
    grant(&app, "a", at(2)).unwrap();
    assert_eq!(validate(&app, "a", T0, at(3)), GrantStatus::Revoked);
    assert_eq!(validate(&app, "a", at(2), at(3)), GrantStatus::Ok);
    check(&app);
}

// ---- §15.1 revocation ----

#[test]
fn acceptance_1_revocation() {
    let app = app();
    let first = grant(&app, "a", T0).unwrap().reply;
    let second = grant(&app, "a", at(100)).unwrap().reply;
    let out = app
        .execute(
            &Actor::Admin,
            at(200),
            RevokeTokens {
                users: names(&["a"]),
                before: second.issued_at,
            },
        )
        .unwrap();
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::TokensRevoked {
            user: n("a"),
            at: at(200),
            before: second.issued_at
        })]
    );
    assert_eq!(
        validate(&app, "a", first.issued_at, at(300)),
        GrantStatus::Revoked
    );
    assert_eq!(
        validate(&app, "a", second.issued_at, at(300)),
        GrantStatus::Ok
    );
    // An earlier `before` does not move the mark back.
    app.execute(
        &Actor::Admin,
        at(300),
        RevokeTokens {
            users: names(&["a"]),
            before: T0,
        },
    )
    .unwrap();
    assert_eq!(
        validate(&app, "a", first.issued_at, at(300)),
        GrantStatus::Revoked
    );
    check(&app);
}

#[test]
fn revocation_batch_limits_and_unknown_users() {
    let app = app();
    let ids: Vec<String> = (0..21).map(|i| format!("u{i}")).collect();
    for u in &ids {
        grant(&app, u, T0).unwrap();
    }
    let revoke = |k: usize| {
        app.execute(
            &Actor::Admin,
            T0,
            RevokeTokens {
                users: ids[..k].iter().map(|s| n(s)).collect(),
                before: T0,
            },
        )
    };
    assert!(revoke(19).is_ok());
    assert!(revoke(20).is_ok());
    assert_eq!(rong_code(revoke(21)), 1002);
    assert_eq!(rong_code(revoke(0)), 1002);
    let e = app.execute(
        &Actor::Admin,
        T0,
        RevokeTokens {
            users: names(&["ghost"]),
            before: T0,
        },
    );
    assert_err(e, 404, "service_resource_not_found");
}

// ---- §15.2, §15.3 timed login blocks ----

#[test]
fn acceptance_2_block_timing() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    open(&app, "a", "ios_1").unwrap();
    let out = block_login(&app, &["a"], 1, T0).unwrap();
    assert_eq!(out.reply, at(MIN));
    assert_eq!(
        out.events,
        vec![
            Event::ForceDisconnect {
                user: n("a"),
                resource: "ios_1".into(),
                reason: DisconnectReason::Blocked
            },
            Event::Lifecycle(LifecycleEvent::LoginBlocked {
                user: n("a"),
                at: T0,
                until: at(MIN)
            }),
        ]
    );
    assert!(
        !app.query(&Actor::Admin, T0, IsOnline { username: n("a") })
            .unwrap()
    );
    assert_eq!(
        validate(&app, "a", T0, at(MIN - 1)),
        GrantStatus::Blocked(at(MIN))
    );
    assert_eq!(validate(&app, "a", T0, at(MIN)), GrantStatus::Ok);
    let listed = |now| {
        app.query(
            &Actor::Admin,
            now,
            ListLoginBlocks {
                page: None,
                size: None,
            },
        )
        .unwrap()
    };
    assert_eq!(
        listed(at(MIN - 1)),
        vec![LoginBlockEntry {
            user: n("a"),
            until: at(MIN)
        }]
    );
    assert_eq!(listed(at(MIN)), vec![]);
    assert_eq!(app.next_expiry(), Some(at(MIN)));
    assert_eq!(app.expire(at(MIN - 1)).unwrap().reply, 0);
    let swept = app.expire(at(MIN)).unwrap();
    assert_eq!(
        swept.events,
        vec![Event::Lifecycle(LifecycleEvent::LoginUnblocked {
            user: n("a"),
            at: at(MIN),
            reason: UnblockReason::Expired
        })]
    );
    assert_eq!(app.expire(at(MIN + 1)).unwrap().events, vec![]);
    assert_eq!(app.next_expiry(), None);
    check(&app);
}

#[test]
fn acceptance_3_block_validation() {
    let app = app();
    let ids: Vec<String> = (0..21).map(|i| format!("u{i}")).collect();
    for u in &ids {
        grant(&app, u, T0).unwrap();
    }
    assert_err(block_login(&app, &["u0"], 0, T0), 400, "illegal_argument");
    assert_err(
        block_login(&app, &["u0"], 43_201, T0),
        400,
        "illegal_argument",
    );
    assert_eq!(rong_code(block_login(&app, &["u0"], 43_201, T0)), 1002);
    assert!(block_login(&app, &["u0"], 43_199, T0).is_ok());
    assert_eq!(
        block_login(&app, &["u0"], 43_200, T0).unwrap().reply,
        at(43_200 * MIN)
    );
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert!(block_login(&app, &refs[..20], 5, T0).is_ok());
    assert_err(block_login(&app, &refs, 5, T0), 400, "illegal_argument");
    assert_err(block_login(&app, &[], 5, T0), 400, "illegal_argument");
    assert_err(
        block_login(&app, &["ghost"], 5, T0),
        404,
        "service_resource_not_found",
    );
    assert_err(
        app.execute(
            &user("u0"),
            T0,
            BlockLogin {
                users: names(&["u1"]),
                minutes: 5,
            },
        ),
        401,
        "unauthorized",
    );
    check(&app);
}

#[test]
fn reblocking_overwrites_and_unblock_lifts_at_once() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    block_login(&app, &["a"], 10, T0).unwrap();
    block_login(&app, &["a"], 2, T0).unwrap();
    assert_eq!(validate(&app, "a", T0, at(2 * MIN)), GrantStatus::Ok);
    let out = unblock_login(&app, &["a"], at(MIN)).unwrap();
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::LoginUnblocked {
            user: n("a"),
            at: at(MIN),
            reason: UnblockReason::Manual
        })]
    );
    assert_eq!(validate(&app, "a", T0, at(MIN)), GrantStatus::Ok);
    // Nothing left to lapse, and a second unblock is a no-op.
    assert_eq!(app.next_expiry(), None);
    assert_eq!(unblock_login(&app, &["a"], at(MIN)).unwrap().events, vec![]);
    check(&app);
}

#[test]
fn a_blocked_user_cannot_open_a_session_or_get_an_easemob_token() {
    let app = app();
    reg(&app, "a");
    block_login(&app, &["a"], 5, T0).unwrap();
    let e = open(&app, "a", "ios_1");
    assert_err(e, 401, "login_blocked");
    assert_eq!(rong_code(open(&app, "a", "ios_1")), 31009);
    // After the block, connecting works again without a sweep.
    app.execute(
        &Actor::Admin,
        at(5 * MIN),
        OpenSession {
            username: n("a"),
            resource: "ios_1".into(),
            device_uuid: None,
            device_name: None,
        },
    )
    .unwrap();
    check(&app);
}

#[test]
fn login_block_list_is_sorted_and_paged() {
    let app = app();
    for (i, u) in ["a", "b", "c"].iter().enumerate() {
        grant(&app, u, T0).unwrap();
        block_login(&app, &[u], (i + 1) as u32, T0).unwrap();
    }
    let q = |page, size| {
        app.query(&Actor::Admin, T0, ListLoginBlocks { page, size })
            .map(|v| {
                v.into_iter()
                    .map(|e| e.user.to_string())
                    .collect::<Vec<_>>()
            })
    };
    assert_eq!(q(None, None).unwrap(), ["c", "b", "a"]);
    assert_eq!(q(Some(0), Some(1)).unwrap(), ["c", "b", "a"]);
    assert_eq!(q(Some(1), Some(2)).unwrap(), ["c", "b"]);
    assert_eq!(q(Some(2), Some(2)).unwrap(), ["a"]);
    assert_eq!(q(Some(3), Some(2)).unwrap(), Vec::<String>::new());
    assert!(q(Some(1), Some(1000)).is_ok());
    assert_err(q(Some(1), Some(0)), 400, "illegal_argument");
    assert_err(q(Some(1), Some(1001)), 400, "illegal_argument");
    // Spec 04 §7: with `page` absent or 0 the first 1 000 come back unpaged; `size` only
    // shapes pages, so a size out of its range does not refuse the unpaged list.
    assert_eq!(q(None, Some(0)).unwrap(), ["c", "b", "a"]);
    assert_eq!(q(Some(0), Some(0)).unwrap(), ["c", "b", "a"]);
    assert_eq!(q(Some(0), Some(5000)).unwrap(), ["c", "b", "a"]);
}

// ---- §15.4 independent bans ----

#[test]
fn acceptance_4_independent_bans() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    app.execute(&Actor::Admin, T0, DisableUser { username: n("a") })
        .unwrap();
    block_login(&app, &["a"], 10, T0).unwrap();
    unblock_login(&app, &["a"], T0).unwrap();
    assert_eq!(validate(&app, "a", T0, at(1)), GrantStatus::Disabled);
    // Enabling does not lift a timed block either.
    block_login(&app, &["a"], 10, T0).unwrap();
    app.execute(&Actor::Admin, T0, EnableUser { username: n("a") })
        .unwrap();
    assert_eq!(
        validate(&app, "a", T0, at(1)),
        GrantStatus::Blocked(at(10 * MIN))
    );
    unblock_login(&app, &["a"], at(1)).unwrap();
    assert_eq!(validate(&app, "a", T0, at(1)), GrantStatus::Ok);
    check(&app);
}

// ---- §15.5 close and reopen ----

#[test]
fn acceptance_5_close_and_reopen() {
    let app = app();
    let old = grant(&app, "a", T0).unwrap().reply;
    grant(&app, "b", T0).unwrap();
    grant(&app, "c", T0).unwrap();
    set_attrs(&app, "a", &[("k", "value")]).unwrap();
    let total = capacity(&app);
    assert!(total > 0);
    add(&app, DmList::Block, "a", &["b"]).unwrap();
    add(&app, DmList::Allow, "a", &["c"]).unwrap();
    set_mode(&app, &["a"], DmMode::Allowlist).unwrap();
    app.execute(
        &Actor::Admin,
        T0,
        SetUserTags {
            users: names(&["a"]),
            tags: vec!["vip".into()],
        },
    )
    .unwrap();
    befriend(&app, "a", "b");
    open(&app, "a", "ios_1").unwrap();

    let out = app
        .execute(
            &Actor::Admin,
            at(10),
            CloseAccounts {
                users: names(&["a", "ghost"]),
                leave_groups: false,
            },
        )
        .unwrap();
    let op = out.reply.op_id;
    assert_eq!(
        out.reply.items,
        vec![
            (n("a"), CloseOutcome::Closed),
            (n("ghost"), CloseOutcome::NotFound)
        ]
    );
    assert!(out.events.contains(&Event::ForceDisconnect {
        user: n("a"),
        resource: "ios_1".into(),
        reason: DisconnectReason::AccountClosed
    }));
    assert_eq!(
        out.events.last(),
        Some(&Event::Lifecycle(LifecycleEvent::AccountClosed {
            user: n("a"),
            at: at(10),
            op_id: op
        }))
    );
    // Erased: attributes (the app total drops), lists, mode, tags, profile, friends.
    assert_eq!(capacity(&app), 0);
    assert_eq!(list(&app, DmList::Block, "a"), Vec::<String>::new());
    assert_eq!(list(&app, DmList::Allow, "a"), Vec::<String>::new());
    assert_eq!(friends(&app, "b"), Vec::<String>::new());
    let tagged = app
        .query(&Actor::Admin, T0, UsersWithTag { tag: "vip".into() })
        .unwrap();
    assert!(tagged.is_empty());
    let ex = app
        .query(&Actor::Admin, T0, ExportUser { username: n("a") })
        .unwrap();
    assert!(ex.attributes.is_empty() && ex.blocks.is_empty() && ex.contacts.is_empty());
    assert_eq!(ex.user.nickname, None);
    assert_eq!(ex.lifecycle.portrait, None);
    assert_eq!(ex.lifecycle.dm_mode, Some(DmMode::Blocklist));
    assert_eq!(ex.lifecycle.closed_at, Some(at(10)));
    // Listed as closed; registration refused (31029); reads refused.
    let closed = app
        .query(
            &Actor::Admin,
            T0,
            ListClosedAccounts {
                page_no: None,
                page_size: None,
            },
        )
        .unwrap();
    assert_eq!(
        closed,
        ClosedPage {
            users: names(&["a"]),
            total: 1
        }
    );
    let e = grant(&app, "a", at(20));
    assert_eq!(rong_code(grant(&app, "a", at(20))), 31029);
    assert_err(e, 404, "account_closed");
    assert_err(
        app.query(&Actor::Admin, T0, GetUserInfo { user: n("a") }),
        404,
        "account_closed",
    );
    assert_eq!(
        validate(&app, "a", old.issued_at, at(20)),
        GrantStatus::Closed
    );
    assert_err(open(&app, "a", "ios_1"), 404, "account_closed");
    // Closing again: not an error.
    assert_eq!(
        close(&app, &["a"], at(20)).items,
        vec![(n("a"), CloseOutcome::AlreadyClosed)]
    );
    check(&app);

    // Reopen: an hour after the closure, not a millisecond sooner.
    let r = reopen(&app, &["a", "b", "ghost"], at(10 + HOUR - 1));
    assert_eq!(
        r.items,
        vec![
            (n("a"), ReopenOutcome::TooSoon(at(10 + HOUR))),
            (n("b"), ReopenOutcome::NotClosed),
            (n("ghost"), ReopenOutcome::NotFound),
        ]
    );
    let out = app
        .execute(
            &Actor::Admin,
            at(10 + HOUR),
            ReopenAccountIds {
                users: names(&["a"]),
            },
        )
        .unwrap();
    assert_eq!(out.reply.items, vec![(n("a"), ReopenOutcome::Reopened)]);
    assert!(out.reply.op_id > op);
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::AccountReopened {
            user: n("a"),
            at: at(10 + HOUR),
            op_id: out.reply.op_id
        })]
    );
    // Registration works again and the user starts empty; pre-closure grants stay invalid.
    let fresh = grant(&app, "a", at(10 + HOUR + 1)).unwrap().reply;
    assert_eq!(
        validate(&app, "a", old.issued_at, fresh.issued_at),
        GrantStatus::Revoked
    );
    assert_eq!(
        validate(&app, "a", fresh.issued_at, fresh.issued_at),
        GrantStatus::Ok
    );
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            ListClosedAccounts {
                page_no: None,
                page_size: None
            }
        )
        .unwrap()
        .total,
        0
    );
    check(&app);
}

#[test]
fn closing_supersedes_both_bans() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    app.execute(&Actor::Admin, T0, DisableUser { username: n("a") })
        .unwrap();
    block_login(&app, &["a"], 10, T0).unwrap();
    close(&app, &["a"], T0);
    assert_eq!(app.next_expiry(), None);
    let ex = app
        .query(&Actor::Admin, T0, ExportUser { username: n("a") })
        .unwrap();
    assert!(ex.user.activated);
    assert_eq!(ex.lifecycle.login_blocked_until, None);
    assert_err(block_login(&app, &["a"], 1, T0), 404, "account_closed");
    check(&app);
}

#[test]
fn close_and_reopen_batches_and_closed_paging() {
    let app = app();
    let ids: Vec<String> = (0..101).map(|i| format!("u{i:03}")).collect();
    for u in &ids {
        grant(&app, u, T0).unwrap();
    }
    let cmd = |k: usize| CloseAccounts {
        users: ids[..k].iter().map(|s| n(s)).collect(),
        leave_groups: false,
    };
    assert_err(
        app.execute(&Actor::Admin, T0, cmd(101)),
        400,
        "illegal_argument",
    );
    assert_err(
        app.execute(&Actor::Admin, T0, cmd(0)),
        400,
        "illegal_argument",
    );
    app.execute(&Actor::Admin, T0, cmd(99)).unwrap();
    app.execute(&Actor::Admin, T0, cmd(100)).unwrap();
    assert_err(
        app.execute(
            &Actor::Admin,
            T0,
            ReopenAccountIds {
                users: ids.iter().map(|s| n(s)).collect(),
            },
        ),
        400,
        "illegal_argument",
    );
    let page = |no, size| {
        app.query(
            &Actor::Admin,
            T0,
            ListClosedAccounts {
                page_no: no,
                page_size: size,
            },
        )
    };
    let p1 = page(None, None).unwrap();
    assert_eq!(p1.total, 100);
    assert_eq!(p1.users.len(), 50);
    assert_eq!(p1.users[0], n("u000"));
    let p2 = page(Some(2), Some(50)).unwrap();
    assert_eq!(p2.users[0], n("u050"));
    assert_eq!(page(Some(3), Some(49)).unwrap().users.len(), 2);
    assert_err(page(Some(0), None), 400, "illegal_argument");
    assert_err(page(None, Some(0)), 400, "illegal_argument");
    assert_err(page(None, Some(51)), 400, "illegal_argument");
    assert_eq!(rong_code(page(None, Some(51))), 1002);
    check(&app);
}

// ---- §15.6 block-list cap ----

fn blocklist_with(cap: usize) -> App {
    let app = app_with(Limits {
        blocklist_max: cap,
        ..Limits::default()
    });
    let others = reg_many(&app, "t", 501);
    reg(&app, "o");
    let strs: Vec<String> = others.iter().map(|u| u.to_string()).collect();
    for chunk in strs[..499].chunks(20) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        add(&app, DmList::Block, "o", &refs).unwrap();
    }
    app
}

#[test]
fn acceptance_6_blocklist_cap() {
    // 499 entries: 2 more pass 500 and fail atomically; under 3 000 they go in.
    let app = blocklist_with(BLOCKS_MAX);
    let e = add(&app, DmList::Block, "o", &["t499", "t500"]);
    assert_err(e, 403, "exceed_limit");
    assert_eq!(
        rong_code(add(&app, DmList::Block, "o", &["t499", "t500"])),
        1002
    );
    assert_eq!(list(&app, DmList::Block, "o").len(), 499);
    // n: exactly 500 fits; the shared Easemob list sees the same entries.
    add(&app, DmList::Block, "o", &["t499"]).unwrap();
    assert_eq!(blocks(&app, "o").len(), 500);
    assert_err(block(&app, "o", &["t500"]), 403, "exceed_limit");
    check(&app);

    let app = blocklist_with(RONG_BLOCKLIST_MAX);
    add(&app, DmList::Block, "o", &["t499", "t500"]).unwrap();
    assert_eq!(list(&app, DmList::Block, "o").len(), 501);
    // The Easemob unpaged read follows the cap too.
    assert_eq!(blocks(&app, "o").len(), 501);
    check(&app);
}

#[test]
fn dm_list_edits_validate_and_report() {
    let app = app();
    for u in ["o", "a", "b", "c"] {
        grant(&app, u, T0).unwrap();
    }
    let out = add(&app, DmList::Allow, "o", &["a", "b"]).unwrap();
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::AllowlistChanged {
            user: n("o"),
            at: T0,
            others: names(&["a", "b"]),
            added: true
        })]
    );
    // Duplicates skipped; newest first.
    assert_eq!(
        add(&app, DmList::Allow, "o", &["a"]).unwrap().events,
        vec![]
    );
    add(&app, DmList::Allow, "o", &["c"]).unwrap();
    assert_eq!(list(&app, DmList::Allow, "o"), ["c", "b", "a"]);
    let out = app
        .execute(
            &Actor::Admin,
            T0,
            RemoveFromDmList {
                list: DmList::Allow,
                owner: n("o"),
                users: names(&["b", "a"]),
            },
        )
        .unwrap();
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::AllowlistChanged {
            user: n("o"),
            at: T0,
            others: names(&["b", "a"]),
            added: false
        })]
    );
    assert_eq!(list(&app, DmList::Allow, "o"), ["c"]);
    // Errors: self, empty, 21, unknown owner or target, closed target.
    assert_err(
        add(&app, DmList::Block, "o", &["o"]),
        400,
        "illegal_argument",
    );
    assert_err(add(&app, DmList::Block, "o", &[]), 400, "illegal_argument");
    let many: Vec<String> = (0..21).map(|i| format!("x{i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_err(
        add(&app, DmList::Allow, "o", &refs),
        400,
        "illegal_argument",
    );
    assert_err(
        add(&app, DmList::Block, "ghost", &["a"]),
        404,
        "service_resource_not_found",
    );
    assert_err(
        add(&app, DmList::Block, "o", &["ghost"]),
        404,
        "service_resource_not_found",
    );
    close(&app, &["c"], T0);
    assert_err(add(&app, DmList::Block, "o", &["c"]), 404, "account_closed");
    // Paging with a cursor.
    add(&app, DmList::Block, "o", &["a", "b"]).unwrap();
    let p = app
        .query(
            &Actor::Admin,
            T0,
            ListDmList {
                list: DmList::Block,
                owner: n("o"),
                size: Some(1),
                cursor: None,
            },
        )
        .unwrap();
    assert_eq!(p.items, names(&["b"]));
    let p2 = app
        .query(
            &Actor::Admin,
            T0,
            ListDmList {
                list: DmList::Block,
                owner: n("o"),
                size: Some(1),
                cursor: p.cursor,
            },
        )
        .unwrap();
    assert_eq!(p2.items, names(&["a"]));
    assert_eq!(p2.cursor, None);
    for size in [0, 1001] {
        assert_err(
            app.query(
                &Actor::Admin,
                T0,
                ListDmList {
                    list: DmList::Block,
                    owner: n("o"),
                    size: Some(size),
                    cursor: None,
                },
            ),
            400,
            "illegal_argument",
        );
    }
    check(&app);
}

#[test]
fn allowlist_cap_at_the_edge() {
    let app = app_with(Limits {
        lifecycle: LifecycleLimits {
            allowlist_max: 3,
            ..Default::default()
        },
        ..Limits::default()
    });
    for u in ["o", "a", "b", "c", "d"] {
        grant(&app, u, T0).unwrap();
    }
    add(&app, DmList::Allow, "o", &["a", "b"]).unwrap(); // n-1
    assert_err(
        add(&app, DmList::Allow, "o", &["c", "d"]),
        403,
        "exceed_limit",
    ); // n+1
    add(&app, DmList::Allow, "o", &["c"]).unwrap(); // n
    assert_eq!(list(&app, DmList::Allow, "o").len(), 3);
    assert_eq!(LifecycleLimits::default().allowlist_max, ALLOWLIST_MAX);
    check(&app);
}

// ---- §15.7 allow-list mode ----

#[test]
fn acceptance_7_allowlist_mode() {
    let app = app();
    for u in ["r", "s", "f", "x"] {
        grant(&app, u, T0).unwrap();
    }
    add(&app, DmList::Block, "r", &["x"]).unwrap();
    add(&app, DmList::Allow, "r", &["f"]).unwrap();
    // Block-list mode: only x is refused.
    assert_eq!(may_dm(&app, "s", "r", Origin::Client, false), None);
    assert_eq!(
        may_dm(&app, "x", "r", Origin::Client, false),
        Some(DmRefusal::BlockedByRecipient)
    );
    let out = set_mode(&app, &["r"], DmMode::Allowlist).unwrap();
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::DmModeChanged {
            user: n("r"),
            at: T0,
            mode: DmMode::Allowlist
        })]
    );
    // s is not blocked but not listed: refused; f is listed.
    assert_eq!(
        may_dm(&app, "s", "r", Origin::Client, false),
        Some(DmRefusal::NotInAllowlist)
    );
    assert_eq!(may_dm(&app, "f", "r", Origin::Client, false), None);
    // The Easemob client send path applies the allow list too.
    assert_eq!(
        may_message(&app, "s", "r"),
        ChatVerdict::TargetRefused(TargetRefusal::NotInAllowlist)
    );
    assert_eq!(may_message(&app, "f", "r"), ChatVerdict::Deliver);
    assert_eq!(
        app.query(
            &Actor::Admin,
            T0,
            GetDmMode {
                users: names(&["r", "s"])
            }
        )
        .unwrap(),
        vec![(n("r"), DmMode::Allowlist), (n("s"), DmMode::Blocklist)]
    );
    // Back to block-list mode: the old block-list entries are in force again.
    set_mode(&app, &["r"], DmMode::Blocklist).unwrap();
    assert_eq!(
        may_dm(&app, "x", "r", Origin::Client, false),
        Some(DmRefusal::BlockedByRecipient)
    );
    assert_eq!(may_dm(&app, "s", "r", Origin::Client, false), None);
    check(&app);
}

#[test]
fn acceptance_7_forced_allowlist_mode() {
    let app = app_with(Limits {
        lifecycle: LifecycleLimits {
            force_allowlist_mode: true,
            ..Default::default()
        },
        ..Limits::default()
    });
    grant(&app, "r", T0).unwrap();
    grant(&app, "s", T0).unwrap();
    let e = set_mode(&app, &["r"], DmMode::Blocklist);
    assert_eq!(rong_code(set_mode(&app, &["r"], DmMode::Blocklist)), 1009);
    assert_err(e, 403, "forbidden_op");
    assert!(set_mode(&app, &["r"], DmMode::Allowlist).is_ok());
    assert_eq!(
        may_dm(&app, "s", "r", Origin::Client, false),
        Some(DmRefusal::NotInAllowlist)
    );
}

// ---- §15.8 server sends ----

#[test]
fn acceptance_8_server_sends() {
    let app = app();
    for u in ["r", "s", "x"] {
        grant(&app, u, T0).unwrap();
    }
    add(&app, DmList::Block, "r", &["x"]).unwrap();
    assert_eq!(may_dm(&app, "x", "r", Origin::Server, false), None);
    assert_eq!(
        may_dm(&app, "x", "r", Origin::Server, true),
        Some(DmRefusal::BlockedByRecipient)
    );
    set_mode(&app, &["r"], DmMode::Allowlist).unwrap();
    assert_eq!(may_dm(&app, "s", "r", Origin::Server, false), None);
    assert_eq!(
        may_dm(&app, "s", "r", Origin::Server, true),
        Some(DmRefusal::NotInAllowlist)
    );
    // Step 1 applies to every send: a closed recipient, a blocked sender.
    block_login(&app, &["s"], 5, T0).unwrap();
    assert_eq!(
        may_dm(&app, "s", "r", Origin::Server, false),
        Some(DmRefusal::SenderBlocked)
    );
    close(&app, &["r"], T0);
    assert_eq!(
        may_dm(&app, "x", "r", Origin::Server, false),
        Some(DmRefusal::RecipientClosed)
    );
}

// ---- §6 profile, §11 tags ----

#[test]
fn profile_updates() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    let upd = |name: Option<String>, portrait: Option<String>| {
        app.execute(
            &Actor::Admin,
            at(1),
            UpdateUserInfo {
                user: n("a"),
                name,
                portrait,
            },
        )
    };
    let out = upd(Some("B".into()), None).unwrap();
    assert_eq!(
        out.events,
        vec![Event::Lifecycle(LifecycleEvent::UserInfoChanged {
            user: n("a"),
            at: at(1)
        })]
    );
    let info = app
        .query(&Actor::Admin, T0, GetUserInfo { user: n("a") })
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("B"));
    assert_eq!(info.portrait.as_deref(), Some("https://img/a.png"));
    upd(None, Some(String::new())).unwrap();
    let info = app
        .query(&Actor::Admin, T0, GetUserInfo { user: n("a") })
        .unwrap();
    assert_eq!(info.portrait, None);
    assert_err(upd(Some("x".repeat(65)), None), 400, "illegal_argument");
    assert_err(upd(None, Some("x".repeat(1025))), 400, "illegal_argument");
    assert_err(
        app.query(&Actor::Admin, T0, GetUserInfo { user: n("ghost") }),
        404,
        "service_resource_not_found",
    );
    check(&app);
}

#[test]
fn tags_replace_index_and_limits() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    grant(&app, "b", T0).unwrap();
    let set = |users: &[&str], tags: Vec<String>| {
        app.execute(
            &Actor::Admin,
            T0,
            SetUserTags {
                users: names(users),
                tags,
            },
        )
    };
    set(&["a", "b"], vec!["vip".into(), "cn".into()]).unwrap();
    set(&["b"], vec!["beta".into()]).unwrap();
    let get = app
        .query(
            &Actor::Admin,
            T0,
            GetUserTags {
                users: names(&["a", "b"]),
            },
        )
        .unwrap();
    assert_eq!(
        get,
        vec![
            (n("a"), vec!["vip".to_string(), "cn".to_string()]),
            (n("b"), vec!["beta".to_string()])
        ]
    );
    let with = |t: &str| {
        app.query(&Actor::Admin, T0, UsersWithTag { tag: t.into() })
            .unwrap()
    };
    assert_eq!(with("vip"), names(&["a"]));
    assert_eq!(with("beta"), names(&["b"]));
    // 20 tags of 40 bytes pass; 21 tags, a 41-byte tag, a special character fail.
    let tags =
        |k: usize, len: usize| -> Vec<String> { (0..k).map(|i| format!("{i:0>len$}")).collect() };
    assert!(set(&["a"], tags(19, 40)).is_ok());
    assert!(set(&["a"], tags(20, 40)).is_ok());
    assert_err(set(&["a"], tags(21, 4)), 400, "illegal_argument");
    assert_err(set(&["a"], tags(1, 41)), 400, "illegal_argument");
    assert_err(set(&["a"], vec!["a b".into()]), 400, "illegal_argument");
    assert_err(set(&[], vec![]), 400, "illegal_argument");
    let many: Vec<String> = (0..51).map(|i| format!("x{i}")).collect();
    assert_err(
        app.query(
            &Actor::Admin,
            T0,
            GetUserTags {
                users: many.iter().map(|s| n(s)).collect(),
            },
        ),
        400,
        "illegal_argument",
    );
    // Deleting a user drops them from the index.
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("b") })
        .unwrap();
    assert!(with("beta").is_empty());
    check(&app);
}

#[test]
fn deleting_a_user_drops_them_from_allow_lists() {
    let app = app();
    for u in ["o", "a"] {
        grant(&app, u, T0).unwrap();
    }
    add(&app, DmList::Allow, "o", &["a"]).unwrap();
    app.execute(&Actor::Admin, T0, DeleteUser { username: n("a") })
        .unwrap();
    assert_eq!(list(&app, DmList::Allow, "o"), Vec::<String>::new());
    check(&app);
}

#[test]
fn state_survives_a_snapshot() {
    let app = app();
    grant(&app, "a", T0).unwrap();
    grant(&app, "b", T0).unwrap();
    add(&app, DmList::Allow, "a", &["b"]).unwrap();
    block_login(&app, &["b"], 3, T0).unwrap();
    close(&app, &["b"], T0);
    block_login(&app, &["a"], 3, T0).unwrap();
    use postcard::ser_flavors::Flavor;
    let mut ser = postcard::Serializer {
        output: postcard::ser_flavors::StdVec::new(),
    };
    app.snapshot(&mut ser).unwrap();
    let bytes = ser.output.finalize().unwrap();
    let engine = Engine::new();
    let back = engine
        .restore_app(&mut postcard::Deserializer::from_bytes(&bytes))
        .unwrap();
    assert_eq!(back.next_expiry(), Some(at(3 * MIN)));
    assert_eq!(back.dump_state(), app.dump_state());
    check(&back);
}

#[test]
fn batch_and_page_edges() {
    let app = app();
    grant(&app, "o", T0).unwrap();
    let ghosts = |k: usize| -> Vec<UserName> { (0..k).map(|i| n(&format!("g{i}"))).collect() };
    // Tag batch set: 1 000 ids pass the batch check (then the unknown id is found), 1 001 not.
    let set = |users| {
        app.execute(
            &Actor::Admin,
            T0,
            SetUserTags {
                users,
                tags: vec![],
            },
        )
    };
    assert_err(set(ghosts(999)), 404, "service_resource_not_found");
    assert_err(set(ghosts(1000)), 404, "service_resource_not_found");
    assert_err(set(ghosts(1001)), 400, "illegal_argument");
    // Tag read: 50 ids, not 51.
    let get = |users| app.query(&Actor::Admin, T0, GetUserTags { users });
    assert_err(get(ghosts(49)), 404, "service_resource_not_found");
    assert_err(get(ghosts(50)), 404, "service_resource_not_found");
    assert_err(get(ghosts(51)), 400, "illegal_argument");
    // DM mode: 20 ids, not 21.
    let mode = |users| {
        app.execute(
            &Actor::Admin,
            T0,
            SetDmMode {
                users,
                mode: DmMode::Allowlist,
            },
        )
    };
    assert_err(mode(ghosts(20)), 404, "service_resource_not_found");
    assert_err(mode(ghosts(21)), 400, "illegal_argument");
    let read = |users| app.query(&Actor::Admin, T0, GetDmMode { users });
    assert_err(read(ghosts(20)), 404, "service_resource_not_found");
    assert_err(read(ghosts(21)), 400, "illegal_argument");
    // Unblock and list removal: 20 ids, not 21.
    let unblock = |users| app.execute(&Actor::Admin, T0, UnblockLogin { users });
    assert_err(unblock(ghosts(20)), 404, "service_resource_not_found");
    assert_err(unblock(ghosts(21)), 400, "illegal_argument");
    let remove = |users| {
        app.execute(
            &Actor::Admin,
            T0,
            RemoveFromDmList {
                list: DmList::Allow,
                owner: n("o"),
                users,
            },
        )
    };
    assert_err(remove(ghosts(20)), 404, "service_resource_not_found");
    assert_err(remove(ghosts(21)), 400, "illegal_argument");
    // List pages: 999 and 1 000 entries per page, not 1 001.
    for size in [999, 1000] {
        assert!(
            app.query(
                &Actor::Admin,
                T0,
                ListDmList {
                    list: DmList::Allow,
                    owner: n("o"),
                    size: Some(size),
                    cursor: None,
                },
            )
            .is_ok()
        );
    }
    // Tags: 39 and 40 bytes, not 41 (above); a 39-byte tag too.
    assert!(
        app.execute(
            &Actor::Admin,
            T0,
            SetUserTags {
                users: names(&["o"]),
                tags: vec!["t".repeat(39)],
            },
        )
        .is_ok()
    );
    // Only the admin reads the lifecycle queries.
    assert_err(
        app.query(
            &user("o"),
            T0,
            ListLoginBlocks {
                page: None,
                size: None,
            },
        ),
        401,
        "unauthorized",
    );
    assert_err(
        app.query(
            &user("o"),
            T0,
            ValidateGrant {
                user: n("o"),
                issued_at: T0,
            },
        ),
        401,
        "unauthorized",
    );
}

// ---- §12 one-to-one ban ----

#[test]
fn chat_ban_is_the_global_chat_mute() {
    let app = app();
    for u in ["a", "b", "c"] {
        grant(&app, u, T0).unwrap();
    }
    let ban = |users: &[&str], banned| {
        app.execute(
            &Actor::Admin,
            T0,
            SetChatBan {
                users: names(users),
                banned,
            },
        )
    };
    let out = ban(&["b", "a"], true).unwrap();
    assert_eq!(
        out.events,
        vec![
            Event::GlobalMuteChanged {
                user: n("b"),
                scope: MuteScope::Chat,
                expiry: Some(Expiry::Never)
            },
            Event::GlobalMuteChanged {
                user: n("a"),
                scope: MuteScope::Chat,
                expiry: Some(Expiry::Never)
            },
        ]
    );
    // Again: no change, no event.
    assert_eq!(ban(&["a"], true).unwrap().events, vec![]);
    // The Easemob face sees the same mute.
    assert!(
        app.query(
            &Actor::Admin,
            T0,
            IsGloballyMuted {
                username: n("a"),
                scope: MuteScope::Chat
            }
        )
        .unwrap()
    );
    let list = |num, offset| app.query(&Actor::Admin, T0, ListChatBans { num, offset });
    assert_eq!(
        list(None, None).unwrap(),
        ChatBanPage {
            users: names(&["a", "b"]),
            total: 2
        }
    );
    assert_eq!(list(Some(1), Some(1)).unwrap().users, names(&["b"]));
    assert!(list(Some(199), None).is_ok());
    assert!(list(Some(200), None).is_ok());
    assert_err(list(Some(201), None), 400, "illegal_argument");
    assert_err(list(Some(0), None), 400, "illegal_argument");
    ban(&["a"], false).unwrap();
    assert_eq!(list(None, None).unwrap().users, names(&["b"]));
    // Batches: 1 000 ids pass the batch check, 1 001 do not; unknown ids are 404.
    let ghosts: Vec<String> = (0..1001).map(|i| format!("g{i}")).collect();
    let refs: Vec<&str> = ghosts.iter().map(String::as_str).collect();
    assert_err(ban(&refs[..1000], true), 404, "service_resource_not_found");
    assert_err(ban(&refs, true), 400, "illegal_argument");
    assert_err(ban(&[], true), 400, "illegal_argument");
    // Off with global mutes: 1009.
    let off = app_with(Limits {
        global_mute_enabled: false,
        ..Limits::default()
    });
    let e = off.execute(
        &Actor::Admin,
        T0,
        SetChatBan {
            users: names(&["a"]),
            banned: true,
        },
    );
    assert_eq!(rong_code(e), 1009);
    check(&app);
}

#[test]
fn closure_keeps_groups_leaves_rooms_and_drops_the_offline_queue() {
    use crate::fixture::messages as mx;
    use imcore::groups::IsGroupMember;
    use imcore::messages::ChatType;
    use imcore::rooms::IsRoomMember;
    let app = mx::app(&["a", "b", "c"]);
    let g = mx::group(&app, "b", &["a"]);
    let r = mx::room(&app, "b", &["a"]);
    mx::ok(
        &app,
        &Actor::Admin,
        mx::txt(ChatType::Chat, Some("b"), &["a"]),
    );
    mx::ok(
        &app,
        &Actor::Admin,
        mx::txt(ChatType::Chat, Some("a"), &["c"]),
    );
    assert_eq!(mx::offline_count(&app, "a", 0), 1);
    close(&app, &["a"], T0);
    check(&app);
    // Group memberships stay (spec 04 §3, OPEN (c)); chatrooms are left (OPEN (d)); the
    // offline queue is gone; others' copies of what they received stay theirs.
    assert!(mx::ask(
        &app,
        IsGroupMember {
            group: g,
            user: n("a")
        }
    ));
    assert!(!mx::ask(
        &app,
        IsRoomMember {
            room: r,
            user: n("a")
        }
    ));
    assert_eq!(mx::offline_count(&app, "a", 0), 0);
    assert_eq!(mx::offline_count(&app, "c", 0), 1);
    // A client send to the closed id is refused.
    assert_eq!(
        may_message(&app, "c", "a"),
        ChatVerdict::TargetRefused(TargetRefusal::RecipientClosed)
    );
}

#[test]
fn closing_with_leave_groups_hands_owned_groups_over() {
    use crate::fixture::messages as mx;
    use imcore::groups::{AddGroupAdmin, GroupEvent, IsGroupMember, LeaveReason};
    let app = mx::app(&["a", "b", "c", "d"]);
    // a owns g1 (admin c, member b), owns g2 (member b only), owns g3 alone, is in g4.
    let g1 = mx::group(&app, "a", &["b", "c"]);
    mx::ok(
        &app,
        &Actor::Admin,
        AddGroupAdmin {
            group: g1.clone(),
            user: n("c"),
        },
    );
    let g2 = mx::group(&app, "a", &["b"]);
    let g3 = mx::group(&app, "a", &[]);
    let g4 = mx::group(&app, "d", &["a"]);
    let out = app
        .execute(
            &Actor::Admin,
            T0,
            CloseAccounts {
                users: names(&["a"]),
                leave_groups: true,
            },
        )
        .unwrap();
    check(&app);
    let member = |g: &GroupId, u: &str| {
        mx::ask(
            &app,
            IsGroupMember {
                group: g.clone(),
                user: n(u),
            },
        )
    };
    // g1 went to its admin c, g2 to its oldest member b; g3 was dismissed; a left g4.
    let changed: Vec<(GroupId, UserName)> = out
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Group(GroupEvent::OwnerChanged { group, new, .. }) => {
                Some((group.clone(), new.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(changed, vec![(g1.clone(), n("c")), (g2.clone(), n("b"))]);
    assert!(out.events.iter().any(|e| matches!(
        e,
        Event::Group(GroupEvent::GroupDestroyed { group, .. }) if *group == g3
    )));
    assert!(out.events.iter().any(|e| matches!(
        e,
        Event::Group(GroupEvent::MemberLeft { group, user, reason: LeaveReason::Quit })
            if *group == g4 && *user == n("a")
    )));
    for g in [&g1, &g2, &g4] {
        assert!(!member(g, "a"));
    }
    assert!(member(&g1, "c") && member(&g2, "b"));
}

// ---- §8 online status ----

#[test]
fn block_and_close_set_the_user_offline_for_subscribers() {
    let app = app();
    for u in ["a", "s"] {
        grant(&app, u, T0).unwrap();
    }
    app.execute(
        &Actor::Admin,
        T0,
        SubscribePresence {
            username: n("s"),
            duration: Millis(3_600_000),
            usernames: names(&["a"]),
        },
    )
    .unwrap();
    let offline_to_s = |events: &[Event]| {
        events.iter().any(|e| {
            matches!(e, Event::PresenceChanged { user, status, subscribers, .. }
                if *user == n("a") && status == "0" && *subscribers == names(&["s"]))
        })
    };
    open(&app, "a", "ios_1").unwrap();
    assert!(
        app.query(&Actor::Admin, T0, IsOnline { username: n("a") })
            .unwrap()
    );
    let out = block_login(&app, &["a"], 5, T0).unwrap();
    assert!(offline_to_s(&out.events), "{:?}", out.events);
    assert!(
        !app.query(&Actor::Admin, T0, IsOnline { username: n("a") })
            .unwrap()
    );
    unblock_login(&app, &["a"], T0).unwrap();
    open(&app, "a", "ios_1").unwrap();
    let out = app
        .execute(
            &Actor::Admin,
            T0,
            CloseAccounts {
                users: names(&["a"]),
                leave_groups: false,
            },
        )
        .unwrap();
    assert!(offline_to_s(&out.events), "{:?}", out.events);
    check(&app);
}
