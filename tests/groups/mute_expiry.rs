//! Member mutes lapsing on time (spec 02 §9 with the engine's timers): `Expire` reports a
//! lapsed member mute once, at its instant, with `MuteExpired`, and removes the entry; mutes
//! forever, lifted, moved or dropped with their group are never reported; reads decide
//! against `now` whether or not the timer ran.

use crate::fixture::groups::*;
use imcore::groups::*;
use imcore::*;

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.0 + ms)
}

fn mute(fx: &Fx, g: &GroupId, who: &[&str], ms: i64, now: Timestamp) {
    fx.app
        .execute(
            &Actor::Admin,
            now,
            MuteGroupMembers {
                group: g.clone(),
                users: us(who),
                duration_ms: ms,
            },
        )
        .unwrap();
}

fn expire(fx: &Fx, now: Timestamp) -> Vec<Event> {
    let out = fx.app.expire(now).unwrap();
    fx.check();
    out.events
}

fn mutes(fx: &Fx, g: &GroupId, now: Timestamp) -> Vec<String> {
    fx.app
        .query(&Actor::Admin, now, ListGroupMutes { group: g.clone() })
        .unwrap()
        .into_iter()
        .map(|m| m.user.to_string())
        .collect()
}

#[test]
fn a_member_mute_lapses_once_at_its_instant() {
    let fx = Fx::new();
    fx.users(&["o", "a", "b"]);
    let g = fx.group("o", &["a", "b"]);
    mute(&fx, &g, &["a"], 5_000, T0);
    mute(&fx, &g, &["b"], -1, T0);
    assert_eq!(fx.app.next_expiry(), Some(at(5_000)));
    assert!(expire(&fx, at(4_999)).is_empty());
    assert_eq!(mutes(&fx, &g, at(4_999)), vec!["a", "b"]);
    // Reads decide against now before the timer runs.
    assert_eq!(mutes(&fx, &g, at(5_000)), vec!["b"]);
    assert_eq!(
        expire(&fx, at(5_000)),
        vec![Event::Group(GroupEvent::MuteExpired {
            group: g.clone(),
            user: u("a")
        })]
    );
    assert!(expire(&fx, at(5_000)).is_empty());
    assert_eq!(fx.app.next_expiry(), None, "a mute forever has no deadline");
    // The entry is gone: re-muting is a fresh mute.
    let speak = fx
        .app
        .query(
            &Actor::Admin,
            at(5_000),
            MaySpeakInGroup {
                group: g.clone(),
                user: u("a"),
            },
        )
        .unwrap();
    assert_eq!(speak, GroupSpeak::Allowed, "{speak:?}");
}

#[test]
fn lifted_moved_transferred_or_destroyed_mutes_are_never_reported() {
    let fx = Fx::new();
    fx.users(&["o", "a", "b", "c"]);
    let g = fx.group("o", &["a", "b", "c"]);
    mute(&fx, &g, &["a", "b", "c"], 1_000, T0);
    // a: moved later.
    mute(&fx, &g, &["a"], 9_000, T0);
    // b: lifted (duration 0) and c: unmuted.
    mute(&fx, &g, &["b"], 0, T0);
    fx.ok(UnmuteGroupMembers {
        group: g.clone(),
        users: us(&["c"]),
    });
    assert_eq!(fx.app.next_expiry(), Some(at(9_000)));
    assert!(expire(&fx, at(1_000)).is_empty());
    // The new owner's mute goes with the transfer.
    fx.ok(TransferGroupOwner {
        group: g.clone(),
        new_owner: u("a"),
    });
    assert_eq!(fx.app.next_expiry(), None);
    // A destroyed group takes its deadlines along.
    let g2 = fx.group("o", &["b"]);
    mute(&fx, &g2, &["b"], 1_000, T0);
    fx.ok(DestroyGroup { group: g2 });
    assert_eq!(fx.app.next_expiry(), None);
    // A deleted user takes theirs along, and a mute kept after leaving still lapses.
    mute(&fx, &g, &["b"], 1_000, T0);
    mute(&fx, &g, &["c"], 2_000, T0);
    fx.delete_user("b");
    fx.ok(RemoveGroupMember {
        group: g.clone(),
        user: u("c"),
    });
    assert_eq!(fx.app.next_expiry(), Some(at(2_000)));
    assert_eq!(
        expire(&fx, at(2_000)),
        vec![Event::Group(GroupEvent::MuteExpired {
            group: g,
            user: u("c")
        })]
    );
}
