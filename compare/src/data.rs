//! The data set and the request lists, the same shape as `benches/common/mod.rs`:
//!
//! - `USERS` (200k) users `u000000`..`u199999`;
//! - 50 friends each: user `i` is friends with `i ± d` (mod `USERS`) for 25 distances `d`
//!   (1..=5 and 20 fixed pseudo-random ones below `USERS / 2`); the edge `i -> i + d` for the
//!   `k`-th distance was added at `NOW + k`;
//! - 3 blocks each: user `i` blocks `i + 1`, `i + 7` and `i + BLOCK_FAR`;
//! - no attributes (SQLite and Redis would not hold them either);
//! - so that "may message?" has every branch to take, a few special senders (0.4 %): user `i`
//!   with `i % 1000 == 500` is disabled, `501` has a live chat mute (forever), `502` a chat mute
//!   that has lapsed by `QNOW`, `503` a live chat mute that ends after `QNOW`.
//!
//! Users are named by their index everywhere; each backend maps the index to its own key
//! (imcore: the `UserId` from `LookupUser`; SQLite: the integer primary key `i`; Redis: `i` in
//! the key). An index `>= USERS` is a user that does not exist.

use imcore::{Timestamp, UserName};

/// Users in the data set.
pub const USERS: usize = 200_000;
/// Friends per user (25 distances, both directions).
pub const FRIENDS: usize = 50;
/// The hot set: 1k consecutive users.
pub const HOT: usize = 1_000;
/// First user of the hot set.
pub const HOT_START: usize = 100_000;
/// The far block distance.
pub const BLOCK_FAR: usize = 77_777;
/// Requests per request list (a power of two, cycled).
pub const REQS: usize = 1 << 16;
/// Distinct stranger pairs for the write workloads (a sample adds at most this many edges).
pub const WRITE_POOL: usize = 100_000;
/// Extra stranger pairs used only to warm up the write paths.
pub const WRITE_WARM: usize = 20_000;

/// When the data set was built (epoch ms).
pub const NOW: Timestamp = Timestamp(1_700_000_000_000);
/// When the questions are asked: a minute later (the `502` mutes have lapsed by then).
pub const QNOW: Timestamp = Timestamp(NOW.0 + 60_000);
/// The `502` mutes last this long from `NOW` (lapsed at `QNOW`).
pub const MUTE_LAPSED_MS: u64 = 1_000;
/// The `503` mutes last this long from `NOW` (live at `QNOW`).
pub const MUTE_LIVE_MS: u64 = 3_600_000;

/// What a special sender is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    Plain,
    Disabled,
    MutedForever,
    MuteLapsed,
    MutedUntil,
}

pub fn special(i: usize) -> Special {
    match i % 1000 {
        500 => Special::Disabled,
        501 => Special::MutedForever,
        502 => Special::MuteLapsed,
        503 => Special::MutedUntil,
        _ => Special::Plain,
    }
}

/// The chat-mute expiry of user `i` as epoch ms (`i64::MAX`: forever), if any.
pub fn mute_until(i: usize) -> Option<i64> {
    match special(i) {
        Special::MutedForever => Some(i64::MAX),
        Special::MuteLapsed => Some(NOW.0 + MUTE_LAPSED_MS as i64),
        Special::MutedUntil => Some(NOW.0 + MUTE_LIVE_MS as i64),
        _ => None,
    }
}

/// A small deterministic RNG (splitmix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn name(i: usize) -> String {
    format!("u{i:06}")
}

pub fn uname(i: usize) -> UserName {
    UserName::parse(&name(i)).expect("valid name")
}

/// The 25 friend distances: 1..=5, then 20 distinct pseudo-random ones in `6..USERS / 2`
/// (the same seed and draw as the benches).
pub fn friend_distances() -> Vec<usize> {
    let mut d: Vec<usize> = (1..=5).collect();
    let mut rng = Rng(42);
    while d.len() < FRIENDS / 2 {
        let x = 6 + rng.below(USERS / 2 - 7);
        if !d.contains(&x) {
            d.push(x);
        }
    }
    d
}

/// User `i`'s friends with the time each edge was added, sorted by friend.
pub fn friends_of(dist: &[usize], i: usize) -> Vec<(usize, i64)> {
    let mut v: Vec<(usize, i64)> = Vec::with_capacity(FRIENDS);
    for (k, d) in dist.iter().enumerate() {
        let at = NOW.0 + k as i64;
        v.push(((i + d) % USERS, at));
        v.push(((i + USERS - d) % USERS, at));
    }
    v.sort_unstable();
    v
}

/// The users `i` blocks, sorted.
pub fn blocks_of(i: usize) -> [usize; 3] {
    let mut b = [1, 7, BLOCK_FAR].map(|d| (i + d) % USERS);
    b.sort_unstable();
    b
}

/// Whether `a` and `b` are friends in the data set.
pub fn are_friends(dist: &[usize], a: usize, b: usize) -> bool {
    if a >= USERS || b >= USERS {
        return false;
    }
    let d = (b + USERS - a) % USERS;
    dist.contains(&d) || dist.contains(&(USERS - d))
}

/// A random user of the hot set, `margin` away from its edges.
fn hot_user(rng: &mut Rng, margin: usize) -> usize {
    HOT_START + margin + rng.below(HOT - 2 * margin)
}

/// Pairs of user indices, half of them friends. Hot: both users in the hot set (`b = a ±
/// 1..=10`; 1..=5 are friends). Cold: `a` uniform over all users, `b` a random friend of `a`
/// or a uniform user. The same draw as `World::friend_pairs` in the benches.
pub fn pairs(dist: &[usize], hot: bool, seed: u64) -> Vec<(usize, usize)> {
    let mut rng = Rng(seed);
    (0..REQS)
        .map(|_| {
            if hot {
                let a = hot_user(&mut rng, 10);
                let d = 1 + rng.below(10);
                (a, if rng.next() & 1 == 0 { a + d } else { a - d })
            } else {
                let a = rng.below(USERS);
                let b = if rng.next() & 1 == 0 {
                    let d = dist[rng.below(dist.len())];
                    if rng.next() & 1 == 0 {
                        (a + d) % USERS
                    } else {
                        (a + USERS - d) % USERS
                    }
                } else {
                    rng.below(USERS)
                };
                (a, b)
            }
        })
        .collect()
}

/// `n` distinct pairs of users that are not friends (nor the same pair reversed), spread
/// uniformly: the edges the write workloads add and remove again.
pub fn stranger_pairs(dist: &[usize], n: usize, seed: u64) -> Vec<(usize, usize)> {
    let mut rng = Rng(seed);
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let a = rng.below(USERS);
        let b = rng.below(USERS);
        if a != b && !are_friends(dist, a, b) && seen.insert((a.min(b), a.max(b))) {
            out.push((a, b));
        }
    }
    out
}

/// Pairs that take every branch of "may message?": each special sender and an unknown one,
/// to a friend, a stranger, a user who blocked them, themself and an unknown recipient.
pub fn edge_pairs(dist: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let unknown = [USERS, USERS + 12_345];
    let mut senders: Vec<usize> = (0..4)
        .flat_map(|k| [500 + k, 100_500 + k, 199_500 + k])
        .collect();
    senders.extend([0, 1, 7, 99_999, 100_000, 199_999]);
    senders.extend(unknown);
    for &a in &senders {
        let base = a % USERS;
        let mut to = vec![
            (base + dist[0]) % USERS,           // a friend (unless `a` is unknown)
            (base + 3 * USERS / 7) % USERS,     // a stranger
            (base + USERS - 1) % USERS,         // blocked `a` (`i` blocks `i + 1`)
            (base + USERS - BLOCK_FAR) % USERS, // blocked `a` (far)
            a,                                  // themself
        ];
        to.extend(unknown);
        for b in to {
            out.push((a, b));
        }
    }
    out
}
