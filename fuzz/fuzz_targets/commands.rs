//! Fuzz target: arbitrary sequences of real imcore `Command`s and `Query`s (their derived
//! `Arbitrary`, crate feature `fuzzing`: names, ids and free-form fields come from small pools,
//! see `src/ids.rs` and `src/fuzzing.rs`), each with an arbitrary `Actor`, interleaved with
//! time passing, on an app with an arbitrary small config (small caps for every area, some
//! users registered up front so that group and room commands find people).
//!
//! After every step:
//! - `imcore::invariants::check` passes;
//! - a command that failed left the app's whole state unchanged (`App::dump_state` before and
//!   after are equal), and its error carries a vendor status (400–599) and a code;
//! - nothing panicked (a panic is a crash).
//!
//! At the end the whole sequence is replayed on a fresh engine with the same config and must
//! give the same transcript (every reply, event and error, in order): the engine is
//! deterministic. Transcripts are compared, not dumps: two engines' hash maps iterate in
//! different orders.
//!
//! A query step may "follow": its cursor is replaced by the last cursor a reply of the same
//! query kind returned, so that listings continue over real positions.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run commands -- -max_total_time=1800`.

#![no_main]

use std::collections::HashMap;

use arbitrary::{Arbitrary, Result as AResult, Unstructured};
use imcore::*;
use libfuzzer_sys::fuzz_target;

/// The app's config: small caps for every area, from a few presets and small ranges.
#[derive(Arbitrary, Debug, Clone)]
struct Config {
    open_registration: bool,
    /// `users_max`: none, 3, 5 or 8.
    users_max: u8,
    /// `friends_max`: 0 to 5.
    friends_max: u8,
    /// Bit 0: block lists off, bit 1: attributes off, bit 2: global mutes off, bit 3:
    /// presence off, bit 4: forced DM allow-list mode (each rare: the byte must be at least
    /// 0xf8 for any of them).
    switches: u8,
    /// Attribute budgets: per user and per app, from presets.
    attr_preset: u8,
    /// Sessions per platform: 0 to 3.
    devices: u8,
    /// Default token lifetime preset.
    ttl_preset: u8,
    /// Knobs for the group and room caps.
    caps: [u8; 6],
    /// Users registered before the steps (bit i registers `u{i}`).
    preregister: u8,
}

impl Config {
    fn limits(&self) -> Limits {
        let off = |bit: u8| self.switches >= 0xf8 && self.switches & (1 << bit) != 0;
        let (per_user, per_app) = [
            (12, 30),
            (50, 120),
            (500, 5000),
            (2048, 10 * 1024 * 1024 * 1024),
        ][usize::from(self.attr_preset % 4)];
        Limits {
            registration_mode: if self.open_registration {
                RegistrationMode::Open
            } else {
                RegistrationMode::Authorized
            },
            users_max: [None, Some(3), Some(5), Some(8)][usize::from(self.users_max % 4)],
            friends_max: Some(u32::from(self.friends_max % 6)),
            blocklist_enabled: !off(0),
            metadata_enabled: !off(1),
            global_mute_enabled: !off(2),
            presence_enabled: !off(3),
            attr_bytes_per_user: per_user,
            attr_bytes_per_app: per_app,
            devices_per_platform_max: u32::from(self.devices % 4),
            token_ttl_default: Millis([500, 5000, 5_184_000_000][usize::from(self.ttl_preset % 3)]),
            groups: group_limits(self.caps),
            rooms: room_limits(self.caps),
            // The RongCloud lifecycle (spec 04): small list caps so that they are reached, the
            // forced allow-list mode rarely (switch bit 4), grants that expire with the preset.
            blocklist_max: [2, 3, 500][usize::from(self.friends_max % 3)],
            lifecycle: LifecycleLimits {
                allowlist_max: 1 + usize::from(self.caps[5] % 3),
                force_allowlist_mode: off(4),
                token_ttl: [None, Some(Millis(5000))][usize::from(self.ttl_preset % 2)],
            },
            ..Limits::default()
        }
    }
}

/// Group-area caps derived from the config, small so that they are reached.
fn group_limits(c: [u8; 6]) -> GroupLimits {
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

/// Room-area caps derived from the config, small so that they are reached.
fn room_limits(c: [u8; 6]) -> RoomLimits {
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
        // Short, so that the offline sweep (run by `Expire`) comes due within a run.
        offline_grace: Millis([1_000, 5_000, 120_000][usize::from(c[3] % 3)]),
        ..RoomLimits::default()
    }
}

/// The caller: the admin half of the time, else a pool user or anonymous.
fn actor(u: &mut Unstructured<'_>) -> AResult<Actor> {
    Ok(match u.int_in_range(0..=7)? {
        0..=3 => Actor::Admin,
        7 => Actor::Anonymous,
        _ => Actor::User(UserName::arbitrary(u)?),
    })
}

/// One step.
#[derive(Debug, Clone)]
enum Step {
    /// A command.
    Command(Actor, Command),
    /// A query; `follow` continues the last listing of the same kind.
    Query(Actor, Query, bool),
    /// Time passes by this many ms.
    Advance(i64),
}

impl<'a> Arbitrary<'a> for Step {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Step> {
        Ok(match u.int_in_range(0..=19)? {
            0..=13 => Step::Command(actor(u)?, Command::arbitrary(u)?),
            14..=17 => Step::Query(actor(u)?, Query::arbitrary(u)?, u.arbitrary()?),
            // Past token and mute expiries and file retention (5 s).
            _ => Step::Advance(*u.choose(&[1, 300, 700, 1_500, 3_001, 5_001, 60_001])?),
        })
    }
}

#[derive(Arbitrary, Debug, Clone)]
struct Input {
    config: Config,
    steps: Vec<Step>,
}

/// The cursor slot of a listing query (`None` for queries that do not page by cursor).
fn cursor_slot(q: &mut Query) -> Option<&mut Option<String>> {
    Some(match q {
        Query::ListUsers(x) => &mut x.cursor,
        Query::ListFriendsPage(x) => &mut x.cursor,
        Query::ListBlocks(x) => &mut x.cursor,
        Query::ListAppGroups(x) => &mut x.cursor,
        Query::ListGroupMembersCursor(x) => &mut x.cursor,
        Query::ListAppThreads(x) => &mut x.cursor,
        Query::ListUserThreads(x) => &mut x.cursor,
        Query::ListUserThreadsInGroup(x) => &mut x.cursor,
        Query::ListThreadMembers(x) => &mut x.cursor,
        Query::ListRooms(x) => &mut x.cursor,
        Query::ListRoomMembersCursor(x) => &mut x.cursor,
        Query::ListDmList(x) => &mut x.cursor,
        _ => return None,
    })
}

/// The next-page cursor of a listing reply.
fn reply_cursor(r: &QueryReply) -> Option<Option<String>> {
    Some(match r {
        QueryReply::ListUsers(p) => p.cursor.clone(),
        QueryReply::ListFriendsPage(p) => p.cursor.clone(),
        QueryReply::ListBlocks(p) => p.cursor.clone(),
        QueryReply::ListAppGroups(p) => p.cursor.clone(),
        QueryReply::ListGroupMembersCursor(p) => p.cursor.clone(),
        QueryReply::ListAppThreads(p) => p.cursor.clone(),
        QueryReply::ListUserThreads(p) => p.cursor.clone(),
        QueryReply::ListUserThreadsInGroup(p) => p.cursor.clone(),
        QueryReply::ListThreadMembers(p) => p.cursor.clone(),
        QueryReply::ListRooms(p) => p.cursor.clone(),
        QueryReply::ListRoomMembersCursor(p) => p.cursor.clone(),
        QueryReply::ListDmList(p) => p.cursor.clone(),
        _ => return None,
    })
}

/// The variant name of a value's `Debug` rendering (`ListUsers(..)` → `ListUsers`).
fn kind(dbg: &str) -> String {
    dbg.split(['(', ' ', '{']).next().unwrap_or("").to_string()
}

fn check_error(e: &Error, what: &dyn std::fmt::Debug) {
    assert!(
        (400..=599).contains(&e.status()),
        "bad status for {e:?} from {what:?}"
    );
    assert!(!e.code().is_empty(), "empty code for {e:?} from {what:?}");
}

/// Runs the steps on a fresh engine; returns the transcript.
fn run(input: &Input) -> Vec<String> {
    let engine = Engine::new();
    let app = engine
        .create_app(
            AppKey::new("fuzz", "app").expect("key"),
            input.config.limits(),
        )
        .expect("app");
    let mut now = Timestamp(1_700_000_000_000);
    let mut transcript = Vec::with_capacity(input.steps.len() + 2);
    let creds = SetCredentials(Credentials {
        client_id: "id".into(),
        client_secret: "secret".into(),
    });
    transcript.push(format!("{:?}", app.execute(&Actor::Admin, now, creds)));
    let pre: Vec<NewUser> = (0..8)
        .filter(|i| input.config.preregister & (1 << i) != 0)
        .map(|i| NewUser::new(&format!("u{i}"), "pw", &format!("uuid-{i}")))
        .collect();
    if !pre.is_empty() {
        transcript.push(format!(
            "{:?}",
            app.execute(&Actor::Admin, now, RegisterUsers(pre))
        ));
    }
    let mut cursors: HashMap<String, Option<String>> = HashMap::new();
    for (i, step) in input.steps.iter().enumerate() {
        let line = match step {
            Step::Command(actor, cmd) => {
                let before = app.dump_state();
                let r = app.execute_any(actor, now, cmd.clone());
                if let Err(e) = &r {
                    check_error(e, cmd);
                    let after = app.dump_state();
                    if before != after {
                        panic!(
                            "step {i}: failed command changed the state: {actor:?} {cmd:?} -> \
                             {e:?}\nbefore: {before}\nafter:  {after}"
                        );
                    }
                }
                format!("{r:?}")
            }
            Step::Query(actor, q, follow) => {
                let mut q = q.clone();
                let k = kind(&format!("{q:?}"));
                if *follow && let Some(slot) = cursor_slot(&mut q) {
                    *slot = cursors.get(&k).cloned().flatten();
                }
                let r = app.query_any(actor, now, q.clone());
                match &r {
                    Err(e) => check_error(e, &q),
                    Ok(reply) => {
                        if let Some(c) = reply_cursor(reply) {
                            cursors.insert(k, c);
                        }
                    }
                }
                format!("{r:?}")
            }
            Step::Advance(ms) => {
                now = Timestamp(now.0 + ms);
                format!("advance {ms}")
            }
        };
        if let Err(e) = imcore::invariants::check(&app) {
            panic!("step {i}: invariant broken after {step:?}: {e}\n{line}");
        }
        transcript.push(line);
    }
    transcript
}

fuzz_target!(|input: Input| {
    let first = run(&input);
    let second = run(&input);
    if first != second {
        let i = first
            .iter()
            .zip(&second)
            .position(|(a, b)| a != b)
            .unwrap_or(first.len().min(second.len()));
        panic!(
            "replay differs at transcript line {i}:\nfirst:  {:?}\nsecond: {:?}",
            first.get(i),
            second.get(i)
        );
    }
});
