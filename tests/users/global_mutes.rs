//! Global mutes (spec 01 §12): per-scope timers that lapse on their own, lifting, the duration
//! range, the list with one entry per active (user, scope) and its page-size cap, the switch.

use crate::fixture::users::*;
use imcore::limits::{MUTE_MILLIS_MAX, MUTES_PAGE_MAX};
use imcore::*;

fn set(
    app: &App,
    who: &str,
    chat: Option<MuteValue>,
    groupchat: Option<MuteValue>,
    chatroom: Option<MuteValue>,
    now: Timestamp,
) -> Result<Output<()>> {
    app.execute(
        &Actor::Admin,
        now,
        SetGlobalMute {
            username: n(who),
            chat,
            groupchat,
            chatroom,
        },
    )
}

fn get(app: &App, who: &str, now: Timestamp) -> Result<GlobalMuteView> {
    app.query(&Actor::Admin, now, GetGlobalMute { username: n(who) })
}

fn muted(app: &App, who: &str, scope: MuteScope, now: Timestamp) -> bool {
    app.query(
        &Actor::Admin,
        now,
        IsGloballyMuted {
            username: n(who),
            scope,
        },
    )
    .unwrap()
}

fn list(
    app: &App,
    page_num: Option<u32>,
    page_size: Option<u32>,
    now: Timestamp,
) -> Result<Vec<MuteEntry>> {
    app.query(
        &Actor::Admin,
        now,
        ListGlobalMutes {
            page_num,
            page_size,
        },
    )
}

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

#[test]
fn scopes_are_independent_and_lapse_on_their_own() {
    let app = app();
    reg(&app, "a");
    let out = set(
        &app,
        "a",
        Some(MuteValue::For(Millis(10_000))),
        Some(MuteValue::Forever),
        None,
        T0,
    )
    .unwrap();
    assert_eq!(
        out.events,
        vec![
            Event::GlobalMuteChanged {
                user: n("a"),
                scope: MuteScope::Chat,
                expiry: Some(Expiry::At(at(10_000)))
            },
            Event::GlobalMuteChanged {
                user: n("a"),
                scope: MuteScope::GroupChat,
                expiry: Some(Expiry::Never)
            },
        ]
    );
    let v = get(&app, "a", at(1)).unwrap();
    assert_eq!(v.username, n("a"));
    assert_eq!(v.chat, Some(Remaining::For(Millis(9_999))));
    assert_eq!(v.chat.unwrap().vendor_secs(), 10);
    assert_eq!(v.groupchat, Some(Remaining::Forever));
    assert_eq!(v.groupchat.unwrap().vendor_secs(), -1);
    assert_eq!(v.chatroom, None);
    assert_eq!(v.now, at(1));
    assert!(muted(&app, "a", MuteScope::Chat, at(9_999)));
    assert!(!muted(&app, "a", MuteScope::Chat, at(10_000)));
    assert!(muted(&app, "a", MuteScope::GroupChat, at(i64::MAX / 2)));
    assert!(!muted(&app, "a", MuteScope::ChatRoom, T0));
    assert_eq!(get(&app, "a", at(10_000)).unwrap().chat, None);
    check(&app);
}

#[test]
fn lifting_and_leaving_scopes_unchanged() {
    let app = app();
    reg(&app, "a");
    set(
        &app,
        "a",
        Some(MuteValue::Forever),
        Some(MuteValue::Forever),
        Some(MuteValue::Forever),
        T0,
    )
    .unwrap();
    let out = set(&app, "a", None, Some(MuteValue::Lift), None, T0).unwrap();
    assert_eq!(
        out.events,
        vec![Event::GlobalMuteChanged {
            user: n("a"),
            scope: MuteScope::GroupChat,
            expiry: None
        }]
    );
    let v = get(&app, "a", T0).unwrap();
    assert_eq!(
        (v.chat, v.groupchat, v.chatroom),
        (Some(Remaining::Forever), None, Some(Remaining::Forever))
    );
    // No scopes: success, nothing happens.
    let out = set(&app, "a", None, None, None, T0).unwrap();
    assert!(out.events.is_empty());
    // Lifting everything takes the user off the list.
    set(
        &app,
        "a",
        Some(MuteValue::Lift),
        None,
        Some(MuteValue::Lift),
        T0,
    )
    .unwrap();
    assert!(list(&app, None, None, T0).unwrap().is_empty());
    check(&app);
}

#[test]
fn duration_edges() {
    let app = app();
    reg(&app, "a");
    let d = |ms| Some(MuteValue::For(Millis(ms)));
    set(&app, "a", d(1), None, None, T0).unwrap();
    set(&app, "a", d(MUTE_MILLIS_MAX - 1), None, None, T0).unwrap();
    set(&app, "a", d(MUTE_MILLIS_MAX), None, None, T0).unwrap();
    assert_eq!(
        get(&app, "a", T0).unwrap().chat.unwrap().vendor_secs(),
        2_147_483_647
    );
    assert_err(
        set(&app, "a", d(MUTE_MILLIS_MAX + 1), None, None, T0),
        400,
        "illegal_argument",
    );
    assert_err(
        set(&app, "a", d(0), None, None, T0),
        400,
        "illegal_argument",
    );
    assert_err(
        set(&app, "a", None, None, d(u64::MAX), T0),
        400,
        "illegal_argument",
    );
    // A bad value in one scope refuses the whole call.
    assert_err(
        set(&app, "a", Some(MuteValue::Lift), d(0), None, T0),
        400,
        "illegal_argument",
    );
    assert_eq!(
        get(&app, "a", T0).unwrap().chat.unwrap().vendor_secs(),
        2_147_483_647
    );
    check(&app);
}

#[test]
fn errors_in_check_order() {
    let app = app();
    reg(&app, "a");
    let desc = "Entity user requires a property named username";
    assert_err_desc(
        set(&app, "ghost", Some(MuteValue::Forever), None, None, T0),
        400,
        "required_property_not_found",
        desc,
    );
    assert_err_desc(
        get(&app, "ghost", T0),
        400,
        "required_property_not_found",
        desc,
    );
    // Value errors before the user lookup.
    assert_err(
        set(
            &app,
            "ghost",
            Some(MuteValue::For(Millis(0))),
            None,
            None,
            T0,
        ),
        400,
        "illegal_argument",
    );
    for actor in [user("a"), Actor::Anonymous] {
        assert_err(
            app.execute(
                &actor,
                T0,
                SetGlobalMute {
                    username: n("a"),
                    chat: Some(MuteValue::Forever),
                    groupchat: None,
                    chatroom: None,
                },
            ),
            401,
            "unauthorized",
        );
        assert_err(
            app.query(&actor, T0, GetGlobalMute { username: n("a") }),
            401,
            "unauthorized",
        );
        assert_err(
            app.query(&actor, T0, ListGlobalMutes::default()),
            401,
            "unauthorized",
        );
    }
    assert!(!muted(&app, "a", MuteScope::Chat, T0));
    assert!(!muted(&app, "ghost", MuteScope::Chat, T0));
}

#[test]
fn the_list_has_one_entry_per_active_user_and_scope() {
    let app = app();
    for u in ["b", "a", "c", "d"] {
        reg(&app, u);
    }
    set(
        &app,
        "b",
        Some(MuteValue::For(Millis(5_000))),
        None,
        Some(MuteValue::Forever),
        T0,
    )
    .unwrap();
    set(
        &app,
        "a",
        None,
        Some(MuteValue::For(Millis(1_500))),
        None,
        T0,
    )
    .unwrap();
    set(&app, "c", Some(MuteValue::For(Millis(100))), None, None, T0).unwrap();
    let got = list(&app, None, None, at(500)).unwrap();
    assert_eq!(
        got,
        vec![
            MuteEntry {
                username: n("a"),
                scope: MuteScope::GroupChat,
                remaining: Remaining::For(Millis(1_000))
            },
            MuteEntry {
                username: n("b"),
                scope: MuteScope::Chat,
                remaining: Remaining::For(Millis(4_500))
            },
            MuteEntry {
                username: n("b"),
                scope: MuteScope::ChatRoom,
                remaining: Remaining::Forever
            },
        ]
    );
    // Lapsed mutes leave the list by themselves.
    let got = list(&app, None, None, at(1_500)).unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|e| e.username.as_str() == "b"));
    check(&app);
}

#[test]
fn page_size_edges_and_page_numbers() {
    let app = app();
    let users = reg_many(&app, "u", 30);
    for u in &users {
        set(
            &app,
            u.as_str(),
            Some(MuteValue::Forever),
            Some(MuteValue::Forever),
            None,
            T0,
        )
        .unwrap();
    }
    // 60 entries.
    assert_eq!(list(&app, None, None, T0).unwrap().len(), 10);
    assert_eq!(list(&app, None, Some(1), T0).unwrap().len(), 1);
    assert_eq!(
        list(&app, None, Some(MUTES_PAGE_MAX - 1), T0)
            .unwrap()
            .len(),
        49
    );
    assert_eq!(
        list(&app, None, Some(MUTES_PAGE_MAX), T0).unwrap().len(),
        50
    );
    assert_err(
        list(&app, None, Some(MUTES_PAGE_MAX + 1), T0),
        400,
        "illegal_argument",
    );
    assert_err(list(&app, None, Some(0), T0), 400, "illegal_argument");
    let p2 = list(&app, Some(2), Some(MUTES_PAGE_MAX), T0).unwrap();
    assert_eq!(p2.len(), 10);
    assert!(
        list(&app, Some(3), Some(MUTES_PAGE_MAX), T0)
            .unwrap()
            .is_empty()
    );
    // Pages concatenate to the whole ordered list.
    let mut all = Vec::new();
    for p in 1..=7 {
        all.extend(list(&app, Some(p), Some(9), T0).unwrap());
    }
    assert_eq!(all.len(), 60);
    let mut sorted = all.clone();
    sorted.sort_by(|x, y| (&x.username, x.scope).cmp(&(&y.username, y.scope)));
    assert_eq!(all, sorted);
    // Page 0 reads as page 1.
    assert_eq!(
        list(&app, Some(0), Some(5), T0).unwrap(),
        list(&app, Some(1), Some(5), T0).unwrap()
    );
}

#[test]
fn switched_off_mutes_refuse_every_call() {
    let app = app_with(Limits {
        global_mute_enabled: false,
        ..Limits::default()
    });
    reg(&app, "a");
    let msg = "user_mute is not used for this app";
    assert_err_desc(
        set(&app, "a", Some(MuteValue::Forever), None, None, T0),
        403,
        "forbidden_op",
        msg,
    );
    assert_err_desc(get(&app, "a", T0), 403, "forbidden_op", msg);
    assert_err_desc(list(&app, None, None, T0), 403, "forbidden_op", msg);
}

#[test]
fn remaining_time_is_exact_across_the_whole_clock_range() {
    // The host's clock may be anywhere in i64 milliseconds; a mute set near the end of time
    // and read from far before it must show the true remaining time, not wrap around.
    let app = app();
    reg(&app, "a");
    let late = Timestamp(i64::MAX - 10);
    set(
        &app,
        "a",
        Some(MuteValue::For(Millis(1000))),
        None,
        None,
        late,
    )
    .unwrap();
    let early = Timestamp(-10);
    let v = get(&app, "a", early).unwrap();
    // The expiry saturated at i64::MAX.
    assert_eq!(v.chat, Some(Remaining::For(Millis(i64::MAX as u64 + 10))));
    assert!(muted(&app, "a", MuteScope::Chat, early));
    let listed = list(&app, None, None, Timestamp(i64::MIN)).unwrap();
    assert_eq!(
        listed[0].remaining,
        Remaining::For(Millis(i64::MAX as u64 + (i64::MAX as u64) + 1))
    );
}
