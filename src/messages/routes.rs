//! The routes of an accepted target (spec 03 §4.4): who receives a message and how, in the
//! order the send's docs promise (members in join order, or the directed users in request
//! order; the sender's copy last), without one record per recipient for large targets.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::send::{Delivery, Route};
use crate::ids::UserId;

/// The routes of one accepted target: a sequence of [`Delivery`] (user and route), read with
/// [`Routes::iter`]. Cloning is one reference count at most; the reply and the
/// [`super::MessageEvent::Sent`] event share one.
///
/// # Shape
/// - A one-to-one message's routes (the recipient, and the sender's copy with
///   `sync_device`) are held inline: no allocation.
/// - A group, thread or room message's routes are, in one shared allocation: the recipients
///   as a shared list of ids (`Arc<[UserId]>`: for an undirected send, the roster's own
///   snapshot of its members in join order, which the roster rebuilds only when its
///   membership changes, so a send copies no id; for a directed send, the listed users who
///   are members, in request order); one bit per listed user, set when they were online at
///   the send; the route of the others ([`Route::OfflineQueued`], or [`Route::Dropped`] for
///   rooms and `ROUTE_ONLINE`); the position of the sender in the list, if there (skipped: not
///   a recipient); and the sender's copy ([`Route::SenderSync`], last). So a send to `n`
///   members costs `n` bits and one read of each member's online bit, not `n` 16-byte
///   records.
/// - Any other list (as deserialized, or a broadcast's) is kept as it is.
///
/// The serialized form is the sequence of deliveries, whatever the shape; two `Routes` are
/// equal when their sequences are.
#[derive(Clone)]
pub struct Routes(Repr);

#[derive(Clone)]
enum Repr {
    /// Up to two deliveries inline (`.0` of them).
    Few(u8, [Delivery; 2]),
    /// A member list with one online bit each.
    Fanout(Arc<Fanout>),
    /// Any list.
    List(Arc<[Delivery]>),
}

/// A member list, who of it was online, and what the others get.
pub(crate) struct Fanout {
    users: Arc<[UserId]>,
    /// Bit `i % 64` of word `i / 64`: `users[i]` was online.
    online: Box<[u64]>,
    /// The route of a listed user who was not online.
    offline: Route,
    /// The sender's position in `users` (`usize::MAX`: not listed).
    skip: usize,
    /// The sender's copy.
    sync: Option<UserId>,
}

impl Fanout {
    fn route(&self, i: usize) -> Route {
        if self.online[i / 64] & (1 << (i % 64)) != 0 {
            Route::Online
        } else {
            self.offline
        }
    }

    fn len(&self) -> usize {
        self.users.len() - usize::from(self.skip != usize::MAX) + usize::from(self.sync.is_some())
    }

    /// The listed users routed [`Route::OfflineQueued`], in order (the clear bits of the
    /// online set, a word at a time; the sender skipped).
    pub(crate) fn queued(&self) -> Queued<'_> {
        Queued(if self.offline == Route::OfflineQueued {
            QueuedRepr::Bits {
                f: self,
                w: 0,
                word: self.online.first().map_or(0, |w| !w & self.valid(0)),
            }
        } else {
            QueuedRepr::Slice([].iter())
        })
    }

    /// The bits of word `w` that stand for a listed user.
    fn valid(&self, w: usize) -> u64 {
        let n = self.users.len();
        if (w + 1) * 64 <= n {
            u64::MAX
        } else {
            (1u64 << (n - w * 64)) - 1
        }
    }
}

const NOBODY: Delivery = Delivery {
    user: UserId(0),
    route: Route::Dropped,
};

impl Routes {
    /// No routes (a target that reaches nobody).
    pub(crate) fn none() -> Routes {
        Routes(Repr::Few(0, [NOBODY; 2]))
    }

    /// Adds a delivery to an inline list (one-to-one: at most two).
    pub(crate) fn push_few(&mut self, d: Delivery) {
        match &mut self.0 {
            Repr::Few(n, ds) if (*n as usize) < ds.len() => {
                ds[*n as usize] = d;
                *n += 1;
            }
            _ => {
                let mut v = self.to_vec();
                v.push(d);
                *self = Routes::from(v);
            }
        }
    }

    /// The routes of a send to `users` (in that order): online users (by `online`) get
    /// [`Route::Online`], the others `offline`; `me`, if listed, is skipped; `sync` is the
    /// sender's copy, last.
    pub(crate) fn fanout(
        users: Arc<[UserId]>,
        online: impl Fn(UserId) -> bool,
        offline: Route,
        me: Option<UserId>,
        sync: Option<UserId>,
    ) -> Routes {
        let bits: Box<[u64]> = users
            .chunks(64)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u64, |w, (b, u)| w | (u64::from(online(*u)) << b))
            })
            .collect();
        let skip = me
            .and_then(|me| users.iter().position(|u| *u == me))
            .unwrap_or(usize::MAX);
        Routes(Repr::Fanout(Arc::new(Fanout {
            users,
            online: bits,
            offline,
            skip,
            sync,
        })))
    }

    /// How many deliveries.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Few(n, _) => *n as usize,
            Repr::Fanout(f) => f.len(),
            Repr::List(l) => l.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The deliveries, in order: each receiving user and their route, the sender's copy last.
    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.0 {
            Repr::Few(n, ds) => IterRepr::Slice(ds[..*n as usize].iter()),
            Repr::List(l) => IterRepr::Slice(l.iter()),
            Repr::Fanout(f) => IterRepr::Fanout {
                f,
                i: 0,
                synced: false,
            },
        })
    }

    /// The deliveries as a vector.
    pub fn to_vec(&self) -> Vec<Delivery> {
        self.iter().collect()
    }

    /// The users routed [`Route::OfflineQueued`], in order: for a member list, the clear bits
    /// of the online set (a word at a time), the sender skipped.
    pub(crate) fn queued(&self) -> Queued<'_> {
        match &self.0 {
            Repr::Fanout(f) => f.queued(),
            Repr::Few(n, ds) => Queued(QueuedRepr::Slice(ds[..*n as usize].iter())),
            Repr::List(l) => Queued(QueuedRepr::Slice(l.iter())),
        }
    }

    /// The member-list form's shared allocation, if this is one.
    pub(crate) fn shared(&self) -> Option<&Arc<Fanout>> {
        match &self.0 {
            Repr::Fanout(f) => Some(f),
            _ => None,
        }
    }
}

/// The users a [`Routes`] queued offline, in order ([`Routes::queued`]).
pub(crate) struct Queued<'a>(QueuedRepr<'a>);

enum QueuedRepr<'a> {
    Slice(std::slice::Iter<'a, Delivery>),
    /// The clear bits left in word `w` of a member list's online set.
    Bits {
        f: &'a Fanout,
        w: usize,
        word: u64,
    },
}

impl<'a> Iterator for Queued<'a> {
    type Item = &'a UserId;

    fn next(&mut self) -> Option<&'a UserId> {
        match &mut self.0 {
            QueuedRepr::Slice(s) => s
                .by_ref()
                .find(|d| d.route == Route::OfflineQueued)
                .map(|d| &d.user),
            QueuedRepr::Bits { f, w, word } => loop {
                if *word != 0 {
                    let i = *w * 64 + word.trailing_zeros() as usize;
                    *word &= *word - 1;
                    if i != f.skip {
                        return Some(&f.users[i]);
                    }
                } else {
                    *w += 1;
                    let next = f.online.get(*w)?;
                    *word = !next & f.valid(*w);
                }
            },
        }
    }
}

/// The deliveries of [`Routes`], in order.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Slice(std::slice::Iter<'a, Delivery>),
    Fanout {
        f: &'a Fanout,
        i: usize,
        synced: bool,
    },
}

impl Iterator for Iter<'_> {
    type Item = Delivery;

    #[inline]
    fn next(&mut self) -> Option<Delivery> {
        match &mut self.0 {
            IterRepr::Slice(s) => s.next().copied(),
            IterRepr::Fanout { f, i, synced } => {
                if *i == f.skip {
                    *i += 1;
                }
                if let Some(&user) = f.users.get(*i) {
                    let route = f.route(*i);
                    *i += 1;
                    return Some(Delivery { user, route });
                }
                match f.sync {
                    Some(user) if !*synced => {
                        *synced = true;
                        Some(Delivery {
                            user,
                            route: Route::SenderSync,
                        })
                    }
                    _ => None,
                }
            }
        }
    }
}

impl<'a> IntoIterator for &'a Routes {
    type Item = Delivery;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl From<Vec<Delivery>> for Routes {
    fn from(v: Vec<Delivery>) -> Routes {
        if v.len() <= 2 {
            let mut ds = [NOBODY; 2];
            ds[..v.len()].copy_from_slice(&v);
            Routes(Repr::Few(v.len() as u8, ds))
        } else {
            Routes(Repr::List(v.into()))
        }
    }
}

impl From<Arc<[Delivery]>> for Routes {
    fn from(l: Arc<[Delivery]>) -> Routes {
        Routes(Repr::List(l))
    }
}

impl PartialEq for Routes {
    fn eq(&self, other: &Routes) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Routes {}

impl fmt::Debug for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Routes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        // The length first (formats such as postcard need it).
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for d in self.iter() {
            seq.serialize_element(&d)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Routes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Routes, D::Error> {
        Vec::<Delivery>::deserialize(d).map(Routes::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(u: u64, route: Route) -> Delivery {
        Delivery {
            user: UserId(u),
            route,
        }
    }

    /// The fan-out shape yields exactly what one record per recipient would, at every word
    /// edge (63, 64, 65 users, and the sender at either end).
    #[test]
    fn a_fanout_reads_as_the_list_it_stands_for() {
        for n in [0u64, 1, 63, 64, 65, 130] {
            for me in [None, Some(0), Some(n.saturating_sub(1)), Some(999)] {
                for offline in [Route::OfflineQueued, Route::Dropped] {
                    let users: Arc<[UserId]> = (0..n).map(UserId).collect();
                    let online = |u: UserId| u.0.is_multiple_of(3);
                    let sync = me.map(UserId);
                    let r = Routes::fanout(users, online, offline, me.map(UserId), sync);
                    let mut want: Vec<Delivery> = (0..n)
                        .filter(|u| Some(*u) != me)
                        .map(|u| {
                            d(
                                u,
                                if u.is_multiple_of(3) {
                                    Route::Online
                                } else {
                                    offline
                                },
                            )
                        })
                        .collect();
                    if let Some(m) = me {
                        want.push(d(m, Route::SenderSync));
                    }
                    assert_eq!(r.to_vec(), want, "n {n}, me {me:?}");
                    assert_eq!(r.len(), want.len());
                    assert_eq!(r, Routes::from(want.clone()));
                    let queued: Vec<UserId> = r.queued().copied().collect();
                    let want_q: Vec<UserId> = want
                        .iter()
                        .filter(|d| d.route == Route::OfflineQueued)
                        .map(|d| d.user)
                        .collect();
                    assert_eq!(queued, want_q);
                    assert_eq!(
                        postcard::to_stdvec(&r).unwrap(),
                        postcard::to_stdvec(&want).unwrap()
                    );
                    let json = serde_json::to_string(&r).unwrap();
                    assert_eq!(json, serde_json::to_string(&want).unwrap());
                    let back: Routes = serde_json::from_str(&json).unwrap();
                    assert_eq!(back, r);
                }
            }
        }
    }

    #[test]
    fn few_routes_are_inline_and_grow_into_a_list() {
        let mut r = Routes::none();
        assert!(r.is_empty());
        r.push_few(d(1, Route::Online));
        r.push_few(d(1, Route::SenderSync));
        assert_eq!(r.to_vec(), [d(1, Route::Online), d(1, Route::SenderSync)]);
        r.push_few(d(2, Route::Dropped));
        assert_eq!(r.len(), 3);
        assert_eq!(r.iter().last(), Some(d(2, Route::Dropped)));
    }
}
