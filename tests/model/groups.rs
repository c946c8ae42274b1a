//! Model-based test: random sequences of group and thread commands run on the engine and on a
//! simple single-threaded model (vectors); each step's outcome (ok, or the error's status and
//! code) and the resulting members, admins, block lists, mute lists, thread members and joined
//! counts must agree, and every invariant (`imcore::invariants::check`) must hold after every
//! step: owner ∈ members, admins ⊆ members, blocked ∩ members = ∅, members ≤ max_users, each user's
//! joined-groups index equals the groups that list them, thread members ⊆ group members.

use crate::fixture::groups::*;

use imcore::groups::*;
use imcore::*;
use proptest::prelude::*;

const USERS: [&str; 6] = ["u0", "u1", "u2", "u3", "u4", "u5"];
const MAX_USERS: usize = 4;
const PER_USER: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    Create(usize, Vec<usize>),
    Add(usize, usize),
    Remove(usize, usize),
    Block(usize, usize),
    Unblock(usize, usize),
    Leave(usize, usize),
    AddAdmin(usize, usize),
    RemoveAdmin(usize, usize),
    Transfer(usize, usize),
    Destroy(usize),
    DeleteUser(usize),
    CreateThread(usize, usize),
    JoinThread(usize, usize),
    KickThread(usize, usize),
    /// Mute forever (`true`) or lift (`false`).
    Mute(usize, usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let u = 0..USERS.len();
    let g = 0..4usize;
    prop_oneof![
        2 => (u.clone(), proptest::collection::vec(0..USERS.len(), 0..5)).prop_map(|(o, m)| Op::Create(o, m)),
        3 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::Add(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::Remove(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::Block(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::Unblock(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::Leave(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::AddAdmin(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::RemoveAdmin(g, u)),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::Transfer(g, u)),
        1 => g.clone().prop_map(Op::Destroy),
        1 => u.clone().prop_map(Op::DeleteUser),
        1 => (g.clone(), u.clone()).prop_map(|(g, u)| Op::CreateThread(g, u)),
        2 => (0..6usize, u.clone()).prop_map(|(t, u)| Op::JoinThread(t, u)),
        1 => (0..6usize, u.clone()).prop_map(|(t, u)| Op::KickThread(t, u)),
        2 => (g, u, any::<bool>()).prop_map(|(g, u, on)| Op::Mute(g, u, on)),
    ]
}

#[derive(Clone, Debug)]
struct MGroup {
    id: GroupId,
    owner: usize,
    members: Vec<usize>,
    admins: Vec<usize>,
    blocks: Vec<usize>,
    /// Mute entries (forever), in insertion order; kept when the user leaves.
    mutes: Vec<usize>,
}

#[derive(Clone, Debug)]
struct MThread {
    id: ThreadId,
    group: GroupId,
    members: Vec<usize>,
}

#[derive(Default)]
struct Model {
    groups: Vec<MGroup>,
    threads: Vec<MThread>,
}

type Outcome = std::result::Result<(), (u16, &'static str)>;

fn err(e: GroupError) -> Outcome {
    let e = Error::Group(e);
    Err((e.status(), e.code()))
}

impl Model {
    fn joined(&self, u: usize) -> usize {
        self.groups
            .iter()
            .filter(|g| g.members.contains(&u))
            .count()
    }

    fn leave(&mut self, gi: usize, u: usize) {
        let g = &mut self.groups[gi];
        g.members.retain(|m| *m != u);
        g.admins.retain(|m| *m != u);
        let id = g.id.clone();
        for t in self.threads.iter_mut().filter(|t| t.group == id) {
            t.members.retain(|m| *m != u);
        }
    }

    fn destroy(&mut self, gi: usize) {
        let g = self.groups.remove(gi);
        self.threads.retain(|t| t.group != g.id);
    }
}

fn outcome<T>(r: Result<T>) -> Outcome {
    r.map(|_| ()).map_err(|e| (e.status(), e.code()))
}

fn step(f: &Fx, m: &mut Model, op: &Op, msg: &mut u32) {
    let gid = |g: usize| m.groups.get(g).map(|x| x.id.clone());
    let (got, want): (Outcome, Outcome) = match op.clone() {
        Op::Create(o, ms) => {
            let mut list: Vec<usize> = Vec::new();
            for x in ms {
                if x != o && !list.contains(&x) {
                    list.push(x);
                }
            }
            let r = f.run(
                &Actor::Admin,
                CreateGroup {
                    owner: Some(u(USERS[o])),
                    public: Some(false),
                    members: list.iter().map(|x| u(USERS[*x])).collect(),
                    ..Default::default()
                },
            );
            let want = if 1 + list.len() > MAX_USERS {
                err(GroupError::GroupFull)
            } else if let Some(x) = std::iter::once(o)
                .chain(list.iter().copied())
                .find(|x| m.joined(*x) >= PER_USER)
            {
                err(GroupError::UserGroupLimit(USERS[x].into()))
            } else {
                Ok(())
            };
            if let Ok(out) = &r {
                let mut members = vec![o];
                members.extend(list);
                m.groups.push(MGroup {
                    id: out.reply.group_id.clone(),
                    owner: o,
                    members,
                    admins: vec![],
                    blocks: vec![],
                    mutes: vec![],
                });
            }
            (outcome(r), want)
        }
        Op::Add(g, x) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(
                &Actor::Admin,
                AddGroupMember {
                    group: id,
                    user: u(USERS[x]),
                    need_notify: None,
                },
            );
            let mg = &m.groups[g];
            let want = if mg.members.contains(&x) {
                err(GroupError::AlreadyMember {
                    user: String::new(),
                    group: String::new(),
                })
            } else if mg.members.len() >= MAX_USERS {
                err(GroupError::GroupFull)
            } else if m.joined(x) >= PER_USER {
                err(GroupError::UserGroupLimit(String::new()))
            } else {
                let mg = &mut m.groups[g];
                mg.members.push(x);
                mg.blocks.retain(|b| *b != x);
                Ok(())
            };
            (outcome(r), want)
        }
        Op::Remove(g, x) | Op::Block(g, x) | Op::Leave(g, x) => {
            let Some(id) = gid(g) else { return };
            let r = match op {
                Op::Remove(..) => outcome(f.run(
                    &Actor::Admin,
                    RemoveGroupMember {
                        group: id,
                        user: u(USERS[x]),
                    },
                )),
                Op::Block(..) => outcome(f.run(
                    &Actor::Admin,
                    BlockGroupMember {
                        group: id,
                        user: u(USERS[x]),
                    },
                )),
                _ => outcome(f.run(
                    &user(USERS[x]),
                    LeaveGroup {
                        group: id,
                        user: u(USERS[x]),
                    },
                )),
            };
            let mg = &m.groups[g];
            let want = if mg.owner == x {
                err(GroupError::OwnerForbidden)
            } else if !mg.members.contains(&x) {
                err(GroupError::NotMembers(vec![]))
            } else {
                m.leave(g, x);
                if matches!(op, Op::Block(..)) {
                    m.groups[g].blocks.push(x);
                }
                Ok(())
            };
            (r, want)
        }
        Op::Unblock(g, x) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(
                &Actor::Admin,
                UnblockGroupMember {
                    group: id,
                    user: u(USERS[x]),
                },
            );
            let mg = &mut m.groups[g];
            let want = if mg.blocks.contains(&x) {
                mg.blocks.retain(|b| *b != x);
                Ok(())
            } else {
                err(GroupError::NotMembers(vec![]))
            };
            (outcome(r), want)
        }
        Op::AddAdmin(g, x) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(
                &Actor::Admin,
                AddGroupAdmin {
                    group: id,
                    user: u(USERS[x]),
                },
            );
            let mg = &mut m.groups[g];
            let want = if !mg.members.contains(&x) {
                err(GroupError::AdminTargetNotMember {
                    user: String::new(),
                    group: String::new(),
                })
            } else if mg.owner == x {
                err(GroupError::OwnerForbidden)
            } else {
                if !mg.admins.contains(&x) {
                    mg.admins.push(x);
                }
                Ok(())
            };
            (outcome(r), want)
        }
        Op::RemoveAdmin(g, x) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(
                &Actor::Admin,
                RemoveGroupAdmin {
                    group: id,
                    user: u(USERS[x]),
                },
            );
            let mg = &mut m.groups[g];
            let want = if mg.admins.contains(&x) {
                mg.admins.retain(|a| *a != x);
                Ok(())
            } else {
                err(GroupError::NotAdmin {
                    user: String::new(),
                    group: String::new(),
                })
            };
            (outcome(r), want)
        }
        Op::Transfer(g, x) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(
                &Actor::Admin,
                TransferGroupOwner {
                    group: id,
                    new_owner: u(USERS[x]),
                },
            );
            let mg = &mut m.groups[g];
            let want = if !mg.members.contains(&x) {
                err(GroupError::NewOwnerNotMember {
                    user: String::new(),
                    group: String::new(),
                })
            } else if mg.owner == x {
                err(GroupError::SameOwner)
            } else {
                mg.admins.retain(|a| *a != x);
                mg.mutes.retain(|a| *a != x);
                mg.owner = x;
                Ok(())
            };
            (outcome(r), want)
        }
        Op::Destroy(g) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(&Actor::Admin, DestroyGroup { group: id });
            m.destroy(g);
            (outcome(r), Ok(()))
        }
        Op::DeleteUser(x) => {
            f.delete_user(USERS[x]);
            f.users(&[USERS[x]]);
            let mut gi = 0;
            while gi < m.groups.len() {
                if m.groups[gi].owner == x {
                    m.destroy(gi);
                    continue;
                }
                if m.groups[gi].members.contains(&x) {
                    m.leave(gi, x);
                }
                m.groups[gi].blocks.retain(|b| *b != x);
                m.groups[gi].mutes.retain(|b| *b != x);
                gi += 1;
            }
            (Ok(()), Ok(()))
        }
        Op::CreateThread(g, x) => {
            let Some(id) = gid(g) else { return };
            *msg += 1;
            let r = f.run(
                &Actor::Admin,
                CreateThread {
                    group: Some(id.clone()),
                    name: Some("t".into()),
                    msg_id: Some(f.m(&id, &format!("m{msg}"))),
                    owner: Some(u(USERS[x])),
                },
            );
            let want = if m.groups[g].members.contains(&x) {
                Ok(())
            } else {
                err(GroupError::ThreadUserNotInGroup)
            };
            if let Ok(o) = &r {
                m.threads.push(MThread {
                    id: o.reply.thread_id.clone(),
                    group: id,
                    members: vec![x],
                });
            }
            (outcome(r), want)
        }
        Op::JoinThread(t, x) => {
            let Some(th) = m.threads.get(t).cloned() else {
                return;
            };
            let r = f.run(
                &Actor::Admin,
                JoinThreadMembers {
                    thread: th.id.clone(),
                    users: us(&[USERS[x]]),
                },
            );
            let g = m.groups.iter().find(|g| g.id == th.group).expect("live");
            let want = if g.members.contains(&x) {
                if !m.threads[t].members.contains(&x) {
                    m.threads[t].members.push(x);
                }
                Ok(())
            } else {
                err(GroupError::ThreadUserNotInGroup)
            };
            (outcome(r), want)
        }
        Op::KickThread(t, x) => {
            let Some(th) = m.threads.get(t).cloned() else {
                return;
            };
            let r = f.run(
                &Actor::Admin,
                KickThreadMembers {
                    thread: th.id.clone(),
                    users: us(&[USERS[x]]),
                },
            );
            m.threads[t].members.retain(|a| *a != x);
            (outcome(r), Ok(()))
        }
        Op::Mute(g, x, on) => {
            let Some(id) = gid(g) else { return };
            let r = f.run(
                &Actor::Admin,
                MuteGroupMembers {
                    group: id,
                    users: us(&[USERS[x]]),
                    duration_ms: if on { -1 } else { 0 },
                },
            );
            let mg = &mut m.groups[g];
            let want = if mg.owner == x {
                err(GroupError::OwnerForbidden)
            } else if !mg.members.contains(&x) {
                err(GroupError::NotMembers(vec![]))
            } else {
                if !on {
                    mg.mutes.retain(|a| *a != x);
                } else if !mg.mutes.contains(&x) {
                    mg.mutes.push(x);
                }
                Ok(())
            };
            (outcome(r), want)
        }
    };
    assert_eq!(got, want, "{op:?}");
}

fn compare(f: &Fx, m: &Model) {
    for g in &m.groups {
        let names = |v: &[usize]| v.iter().map(|x| u(USERS[*x])).collect::<Vec<_>>();
        let members: Vec<UserName> = f
            .q(ListGroupMembers {
                group: g.id.clone(),
                ..Default::default()
            })
            .items
            .into_iter()
            .map(|i| i.user)
            .collect();
        assert_eq!(members, names(&g.members), "members of {}", g.id);
        assert_eq!(
            f.q(ListGroupAdmins {
                group: g.id.clone()
            }),
            names(&g.admins)
        );
        assert_eq!(
            f.q(ListGroupBlocks {
                group: g.id.clone()
            }),
            names(&g.blocks)
        );
        let mutes: Vec<UserName> = f
            .q(ListGroupMutes {
                group: g.id.clone(),
            })
            .into_iter()
            .map(|e| e.user)
            .collect();
        assert_eq!(mutes, names(&g.mutes), "mutes of {}", g.id);
        match &f.q(GetGroups {
            ids: vec![g.id.clone()],
        })[0]
        {
            GroupLookup::Found(d) => assert_eq!(d.owner, u(USERS[g.owner])),
            x => panic!("{x:?}"),
        }
    }
    for t in &m.threads {
        let got = f
            .q(ListThreadMembers {
                thread: t.id.clone(),
                ..Default::default()
            })
            .items;
        assert_eq!(
            got,
            t.members.iter().map(|x| u(USERS[*x])).collect::<Vec<_>>(),
            "thread {}",
            t.id
        );
    }
    for (i, n) in USERS.iter().enumerate() {
        assert_eq!(f.joined(n), m.joined(i), "joined count of {n}");
    }
    assert_eq!(
        f.q(ListAppGroups {
            limit: Some(100),
            cursor: None
        })
        .items
        .len(),
        m.groups.len()
    );
    f.check();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn engine_matches_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut l = limits();
        l.groups.max_users_default = MAX_USERS as u32;
        l.groups.groups_per_user_max = PER_USER as u32;
        let f = Fx::with(l);
        f.users(&USERS);
        let mut m = Model::default();
        let mut msg = 0;
        for op in &ops {
            step(&f, &mut m, op, &mut msg);
            compare(&f, &m);
        }
    }
}
