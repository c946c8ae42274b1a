//! A proptest model of the room commands: random sequences run on the engine and on a simple
//! single-threaded model (vectors in join / list order); replies (success or the error's
//! status and code) and the observable state (members, admins, block, allow and mute lists,
//! attributes with owners, each user's joined rooms) must match after every step, and every
//! invariant must hold.

use std::collections::BTreeMap;

use crate::fixture::rooms::*;
use imcore::rooms::*;
use imcore::*;
use proptest::prelude::*;

const USERS: usize = 6;

fn name(i: u8) -> String {
    format!("u{}", i as usize % USERS)
}

#[derive(Clone, Debug)]
enum Op {
    Create {
        owner: u8,
        members: Vec<u8>,
        max: u8,
    },
    Delete {
        room: u8,
    },
    Join {
        user: u8,
        room: u8,
    },
    Leave {
        user: u8,
        room: u8,
    },
    Add {
        user: u8,
        room: u8,
    },
    Kick {
        user: u8,
        room: u8,
    },
    Block {
        user: u8,
        room: u8,
    },
    Unblock {
        user: u8,
        room: u8,
    },
    Mute {
        user: u8,
        room: u8,
        dur: Option<u16>,
    },
    Unmute {
        user: u8,
        room: u8,
    },
    Allow {
        user: u8,
        room: u8,
    },
    AddAdmin {
        user: u8,
        room: u8,
    },
    RemoveAdmin {
        user: u8,
        room: u8,
    },
    Transfer {
        user: u8,
        room: u8,
    },
    MuteAll {
        room: u8,
        on: bool,
    },
    SetAttr {
        op: Option<u8>,
        room: u8,
        key: u8,
        val: u8,
        no_delete: bool,
        forced: bool,
    },
    DelAttr {
        op: Option<u8>,
        room: u8,
        key: u8,
        forced: bool,
    },
    DeleteUser {
        user: u8,
    },
    Register {
        user: u8,
    },
    Tick {
        ms: u16,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let u = 0u8..USERS as u8;
    let r = 0u8..8;
    prop_oneof![
        2 => (u.clone(), prop::collection::vec(0u8..USERS as u8, 0..4), 1u8..6)
            .prop_map(|(owner, members, max)| Op::Create { owner, members, max }),
        1 => r.clone().prop_map(|room| Op::Delete { room }),
        3 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Join { user, room }),
        2 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Leave { user, room }),
        2 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Add { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Kick { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Block { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Unblock { user, room }),
        1 => (u.clone(), r.clone(), prop::option::of(1u16..3000))
            .prop_map(|(user, room, dur)| Op::Mute { user, room, dur }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Unmute { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Allow { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::AddAdmin { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::RemoveAdmin { user, room }),
        1 => (u.clone(), r.clone()).prop_map(|(user, room)| Op::Transfer { user, room }),
        1 => (r.clone(), any::<bool>()).prop_map(|(room, on)| Op::MuteAll { room, on }),
        3 => (prop::option::of(u.clone()), r.clone(), 0u8..4, 0u8..4, any::<bool>(), any::<bool>())
            .prop_map(|(op, room, key, val, no_delete, forced)| Op::SetAttr { op, room, key, val, no_delete, forced }),
        2 => (prop::option::of(u.clone()), r.clone(), 0u8..4, any::<bool>())
            .prop_map(|(op, room, key, forced)| Op::DelAttr { op, room, key, forced }),
        1 => u.clone().prop_map(|user| Op::DeleteUser { user }),
        1 => u.clone().prop_map(|user| Op::Register { user }),
        1 => (0u16..2000).prop_map(|ms| Op::Tick { ms }),
    ]
}

/// An attribute owner: `None` is the admin; a user is (name, generation).
type Owner = Option<(String, u32)>;

#[derive(Clone, Debug, Default)]
struct MRoom {
    owner: String,
    owner_left: bool,
    max: usize,
    members: Vec<String>,
    admins: Vec<String>,
    blocks: Vec<String>,
    allow: Vec<String>,
    mutes: Vec<(String, Expiry)>,
    mute_all: bool,
    attrs: Vec<(String, String, Owner, bool)>,
}

#[derive(Default)]
struct Model {
    /// Live users and their generation.
    users: BTreeMap<String, u32>,
    gens: BTreeMap<String, u32>,
    rooms: BTreeMap<RoomId, MRoom>,
    /// Per user: rooms in join order.
    joined: BTreeMap<String, Vec<RoomId>>,
}

type Res = std::result::Result<(), (u16, String)>;

fn e404() -> Res {
    Err((404, "resource_not_found".into()))
}
fn e403(code: &str) -> Res {
    Err((403, code.into()))
}

impl Model {
    fn depart(&mut self, id: RoomId, u: &str, left: bool) {
        let generation = self.users.get(u).copied();
        let r = self.rooms.get_mut(&id).unwrap();
        r.members.retain(|m| m != u);
        r.admins.retain(|m| m != u);
        if left && r.owner == u {
            r.owner_left = true;
        }
        r.attrs.retain(|(_, _, o, auto)| {
            !(*auto && o.as_ref().map(|(n, g)| (n.as_str(), Some(*g))) == Some((u, generation)))
        });
        if let Some(j) = self.joined.get_mut(u) {
            j.retain(|r| *r != id);
        }
    }

    fn join(&mut self, id: RoomId, u: &str) {
        let r = self.rooms.get_mut(&id).unwrap();
        r.members.push(u.to_string());
        if r.owner == u {
            r.owner_left = false;
        }
        self.joined.entry(u.to_string()).or_default().push(id);
    }

    fn seats(r: &MRoom) -> usize {
        r.members.len() + usize::from(r.owner_left)
    }

    fn delete_room(&mut self, id: RoomId) {
        self.rooms.remove(&id);
        for j in self.joined.values_mut() {
            j.retain(|r| *r != id);
        }
    }
}

struct World {
    app: App,
    model: Model,
    ids: Vec<RoomId>,
    now: Timestamp,
}

impl World {
    fn room(&self, i: u8) -> RoomId {
        if self.ids.is_empty() {
            RoomId(u64::MAX)
        } else {
            self.ids[i as usize % self.ids.len()]
        }
    }

    fn exec<C: Exec>(&self, actor: &Actor, c: C) -> Result<C::Reply> {
        self.app.execute(actor, self.now, c).map(|o| o.reply)
    }

    fn step(&mut self, op: &Op) {
        let got: Res;
        let want: Res;
        if let Op::Tick { ms } = op {
            self.now = Timestamp(self.now.0 + *ms as i64);
            return;
        }
        let mut model = std::mem::take(&mut self.model);
        let m = &mut model;
        match op.clone() {
            Op::Tick { .. } => unreachable!(),
            Op::Create {
                owner,
                members,
                max,
            } => {
                let o = name(owner);
                let ms: Vec<String> = members.iter().map(|i| name(*i)).collect();
                let r = self.app.execute(
                    &admin(),
                    self.now,
                    CreateRoom {
                        name: Some("r".into()),
                        description: Some(String::new()),
                        owner: Some(un(&o)),
                        maxusers: Some(max as u32),
                        members: if ms.is_empty() {
                            None
                        } else {
                            Some(ms.iter().map(|n| un(n)).collect())
                        },
                        custom: None,
                    },
                );
                let mut all = vec![o.clone()];
                for n in &ms {
                    if !all.contains(n) {
                        all.push(n.clone());
                    }
                }
                want = if let Some(bad) = all.iter().find(|n| !m.users.contains_key(*n)) {
                    let _ = bad;
                    e404()
                } else if all.len() > max as usize {
                    e403("exceed_limit")
                } else {
                    Ok(())
                };
                got = match r {
                    Ok(out) => {
                        let id = out.reply;
                        self.ids.push(id);
                        m.rooms.insert(
                            id,
                            MRoom {
                                owner: o.clone(),
                                max: max as usize,
                                ..Default::default()
                            },
                        );
                        for n in &all {
                            m.join(id, n);
                        }
                        Ok(())
                    }
                    Err(e) => Err((e.status(), e.code().into())),
                };
            }
            Op::Delete { room } => {
                let id = self.room(room);
                want = if m.rooms.contains_key(&id) {
                    Ok(())
                } else {
                    e404()
                };
                got = res(self.exec(&admin(), DeleteRoom { room: id }));
                if want.is_ok() {
                    m.delete_room(id);
                }
            }
            Op::Join { user, room } => {
                let (id, u) = (self.room(room), name(user));
                let mut changed = false;
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if r.blocks.contains(&u) => e403("forbidden_op"),
                    Some(r) if r.members.contains(&u) => Ok(()),
                    Some(r) if r.owner != u && Model::seats(r) + 1 > r.max => e403("exceed_limit"),
                    Some(_) => {
                        changed = true;
                        Ok(())
                    }
                };
                got = res(self.exec(
                    &Actor::User(un(&u)),
                    JoinRoom {
                        room: id,
                        user: un(&u),
                        leave_other_rooms: false,
                    },
                ));
                if changed {
                    m.join(id, &u);
                }
            }
            Op::Leave { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if !r.members.contains(&u) => e403("forbidden_op"),
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &Actor::User(un(&u)),
                    LeaveRoom {
                        room: id,
                        user: un(&u),
                    },
                ));
                if want.is_ok() {
                    m.depart(id, &u, true);
                }
            }
            Op::Add { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if r.blocks.contains(&u) || r.members.contains(&u) => {
                        e403("forbidden_op")
                    }
                    Some(r) if r.owner != u && Model::seats(r) + 1 > r.max => e403("exceed_limit"),
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &admin(),
                    AddRoomMember {
                        room: id,
                        user: un(&u),
                    },
                ));
                if want.is_ok() {
                    m.join(id, &u);
                }
            }
            Op::Kick { user, room } | Op::Block { user, room } => {
                let block = matches!(op, Op::Block { .. });
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if r.owner == u || !r.members.contains(&u) => e403("forbidden_op"),
                    Some(_) => Ok(()),
                };
                got = if block {
                    res(self.exec(
                        &admin(),
                        BlockRoomUser {
                            room: id,
                            user: un(&u),
                        },
                    ))
                } else {
                    res(self.exec(
                        &admin(),
                        RemoveRoomMember {
                            room: id,
                            user: un(&u),
                        },
                    ))
                };
                if want.is_ok() {
                    m.depart(id, &u, false);
                    if block {
                        let r = m.rooms.get_mut(&id).unwrap();
                        r.blocks.push(u.clone());
                    }
                }
            }
            Op::Unblock { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(r) if !r.blocks.contains(&u) => e403("forbidden_op"),
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &admin(),
                    UnblockRoomUser {
                        room: id,
                        user: un(&u),
                    },
                ));
                if want.is_ok() {
                    m.rooms.get_mut(&id).unwrap().blocks.retain(|x| *x != u);
                }
            }
            Op::Mute { user, room, dur } => {
                let (id, u) = (self.room(room), name(user));
                let expire = match dur {
                    None => Expiry::Never,
                    Some(d) => Expiry::At(Timestamp(self.now.0 + d as i64)),
                };
                let mut apply = false;
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(r) if r.owner == u && m.users.contains_key(&u) => Ok(()),
                    Some(r) if !m.users.contains_key(&u) || !r.members.contains(&u) => {
                        e403("forbidden_op")
                    }
                    Some(_) => {
                        apply = true;
                        Ok(())
                    }
                };
                let r = self.exec(
                    &admin(),
                    MuteRoomMembers {
                        room: id,
                        users: vec![un(&u)],
                        duration_ms: dur.map_or(-1, |d| d as i64),
                    },
                );
                if let Ok(items) = &r {
                    assert_eq!(items[0].result, apply, "{op:?}");
                }
                got = res(r);
                if apply {
                    let r = m.rooms.get_mut(&id).unwrap();
                    match r.mutes.iter_mut().find(|(n, _)| *n == u) {
                        Some(e) => e.1 = expire,
                        None => r.mutes.push((u.clone(), expire)),
                    }
                }
            }
            Op::Unmute { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = if m.rooms.contains_key(&id) {
                    Ok(())
                } else {
                    e404()
                };
                got = res(self.exec(
                    &admin(),
                    UnmuteRoomMembers {
                        room: id,
                        users: vec![un(&u)],
                    },
                ));
                if want.is_ok() && m.users.contains_key(&u) {
                    m.rooms.get_mut(&id).unwrap().mutes.retain(|(n, _)| *n != u);
                }
            }
            Op::Allow { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(r) if !m.users.contains_key(&u) || !r.members.contains(&u) => {
                        e403("forbidden_op")
                    }
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &admin(),
                    AllowRoomUsers {
                        room: id,
                        users: vec![un(&u)],
                    },
                ));
                if want.is_ok() {
                    let r = m.rooms.get_mut(&id).unwrap();
                    if r.owner != u && !r.admins.contains(&u) && !r.allow.contains(&u) {
                        r.allow.push(u.clone());
                    }
                }
            }
            Op::AddAdmin { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if r.owner == u || !r.members.contains(&u) || r.admins.contains(&u) => {
                        e403("forbidden_op")
                    }
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &admin(),
                    AddRoomAdmin {
                        room: id,
                        user: un(&u),
                    },
                ));
                if want.is_ok() {
                    let r = m.rooms.get_mut(&id).unwrap();
                    r.admins.push(u.clone());
                    r.allow.retain(|x| *x != u);
                }
            }
            Op::RemoveAdmin { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if !r.admins.contains(&u) => e403("forbidden_op"),
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &admin(),
                    RemoveRoomAdmin {
                        room: id,
                        user: un(&u),
                    },
                ));
                if want.is_ok() {
                    m.rooms.get_mut(&id).unwrap().admins.retain(|x| *x != u);
                }
            }
            Op::Transfer { user, room } => {
                let (id, u) = (self.room(room), name(user));
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(_) if !m.users.contains_key(&u) => e404(),
                    Some(r) if r.owner == u || !r.members.contains(&u) => e403("forbidden_op"),
                    Some(_) => Ok(()),
                };
                got = res(self.exec(
                    &admin(),
                    TransferRoom {
                        room: id,
                        new_owner: un(&u),
                    },
                ));
                if want.is_ok() {
                    let r = m.rooms.get_mut(&id).unwrap();
                    r.owner = u.clone();
                    r.owner_left = false;
                    r.admins.retain(|x| *x != u);
                    r.allow.retain(|x| *x != u);
                    r.mutes.retain(|(x, _)| *x != u);
                }
            }
            Op::MuteAll { room, on } => {
                let id = self.room(room);
                want = if m.rooms.contains_key(&id) {
                    Ok(())
                } else {
                    e404()
                };
                got = res(self.exec(
                    &admin(),
                    SetRoomMuteAll {
                        room: id,
                        muted: on,
                    },
                ));
                if want.is_ok() {
                    m.rooms.get_mut(&id).unwrap().mute_all = on;
                }
            }
            Op::SetAttr {
                op: who,
                room,
                key,
                val,
                no_delete,
                forced,
            } => {
                let id = self.room(room);
                let k = format!("k{key}");
                let v = "v".repeat(val as usize);
                let owner: Owner = who.map(|i| {
                    let n = name(i);
                    let g = m.users.get(&n).copied().unwrap_or(u32::MAX);
                    (n, g)
                });
                let mut key_ok = false;
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(r) => match &owner {
                        None if !forced => Err((401, "MetadataException".into())),
                        Some((n, _)) if !m.users.contains_key(n) || !r.members.contains(n) => {
                            Err((401, "MetadataException".into()))
                        }
                        _ => {
                            key_ok = match r.attrs.iter().find(|a| a.0 == k) {
                                Some(a) => forced || a.2 == owner,
                                None => true,
                            };
                            Ok(())
                        }
                    },
                };
                let r = self.exec(
                    &admin(),
                    SetRoomAttributes {
                        room: id,
                        operator: who.map(|i| un(&name(i))),
                        attrs: [(k.clone(), v.clone())].into_iter().collect(),
                        auto_delete: Some(if no_delete { "NO_DELETE" } else { "DELETE" }.into()),
                        forced,
                    },
                );
                if let Ok(out) = &r {
                    assert_eq!(out.success_keys.len() == 1, key_ok, "{op:?} {out:?}");
                }
                got = res(r);
                if key_ok {
                    let r = m.rooms.get_mut(&id).unwrap();
                    let entry = (k.clone(), v, owner, !no_delete);
                    match r.attrs.iter_mut().find(|a| a.0 == k) {
                        Some(a) => *a = entry,
                        None => r.attrs.push(entry),
                    }
                }
            }
            Op::DelAttr {
                op: who,
                room,
                key,
                forced,
            } => {
                let id = self.room(room);
                let k = format!("k{key}");
                let owner: Owner = who.map(|i| {
                    let n = name(i);
                    let g = m.users.get(&n).copied().unwrap_or(u32::MAX);
                    (n, g)
                });
                let mut key_ok = false;
                want = match m.rooms.get(&id) {
                    None => e404(),
                    Some(r) => match &owner {
                        None if !forced => Err((401, "MetadataException".into())),
                        Some((n, _)) if !m.users.contains_key(n) || !r.members.contains(n) => {
                            Err((401, "MetadataException".into()))
                        }
                        _ => {
                            key_ok = r.attrs.iter().any(|a| a.0 == k && (forced || a.2 == owner));
                            Ok(())
                        }
                    },
                };
                let r = self.exec(
                    &admin(),
                    DeleteRoomAttributes {
                        room: id,
                        operator: who.map(|i| un(&name(i))),
                        keys: vec![k.clone()],
                        forced,
                    },
                );
                if let Ok(out) = &r {
                    assert_eq!(out.success_keys.len() == 1, key_ok, "{op:?} {out:?}");
                }
                got = res(r);
                if key_ok {
                    m.rooms.get_mut(&id).unwrap().attrs.retain(|a| a.0 != k);
                }
            }
            Op::DeleteUser { user } => {
                let u = name(user);
                want = if m.users.contains_key(&u) {
                    Ok(())
                } else {
                    Err((404, "service_resource_not_found".into()))
                };
                got = res(self.exec(&admin(), DeleteUser { username: un(&u) }));
                if want.is_ok() {
                    let ids: Vec<RoomId> = m.rooms.keys().copied().collect();
                    for id in ids {
                        if m.rooms[&id].owner == u {
                            m.delete_room(id);
                        } else {
                            m.depart(id, &u, false);
                            let r = m.rooms.get_mut(&id).unwrap();
                            r.blocks.retain(|x| *x != u);
                            r.allow.retain(|x| *x != u);
                            r.mutes.retain(|(x, _)| *x != u);
                        }
                    }
                    m.users.remove(&u);
                    m.joined.remove(&u);
                }
            }
            Op::Register { user } => {
                let u = name(user);
                want = if m.users.contains_key(&u) {
                    Err((400, "duplicate_unique_property_exists".into()))
                } else {
                    Ok(())
                };
                got = res(self.exec(&admin(), RegisterUser(NewUser::new(&u, "pw", "x"))));
                if want.is_ok() {
                    let g = m.gens.entry(u.clone()).or_default();
                    *g += 1;
                    m.users.insert(u, *g);
                }
            }
        }
        self.model = model;
        assert_eq!(got, want, "{op:?}");
        self.compare();
    }

    fn compare(&self) {
        let m = &self.model;
        let now = self.now;
        for (id, r) in &m.rooms {
            let q = |c| self.app.query_any(&admin(), now, c).unwrap();
            let mut want = Vec::new();
            if r.members.contains(&r.owner) {
                want.push(RoomAffiliation::Owner(un(&r.owner)));
            }
            want.extend(
                r.members
                    .iter()
                    .filter(|x| **x != r.owner)
                    .map(|x| RoomAffiliation::Member(un(x))),
            );
            let got = self
                .app
                .query(
                    &admin(),
                    now,
                    ListRoomMembers {
                        room: *id,
                        pagenum: None,
                        pagesize: None,
                    },
                )
                .unwrap();
            assert_eq!(got, want, "members of {id}");
            let names = |v: &[String]| v.iter().map(|n| un(n)).collect::<Vec<_>>();
            assert_eq!(
                self.app
                    .query(&admin(), now, ListRoomAdmins { room: *id })
                    .unwrap(),
                names(&r.admins)
            );
            assert_eq!(
                self.app
                    .query(&admin(), now, ListRoomBlocks { room: *id })
                    .unwrap(),
                names(&r.blocks)
            );
            assert_eq!(
                self.app
                    .query(&admin(), now, ListRoomAllow { room: *id })
                    .unwrap(),
                names(&r.allow)
            );
            let mutes: Vec<RoomMute> = r
                .mutes
                .iter()
                .filter(|(_, e)| e.is_live(now))
                .map(|(n, e)| RoomMute {
                    user: un(n),
                    expire: *e,
                })
                .collect();
            assert_eq!(
                self.app
                    .query(&admin(), now, ListRoomMutes { room: *id })
                    .unwrap(),
                mutes
            );
            let attrs = self
                .app
                .query(&admin(), now, GetRoomAttributeOwners { room: *id })
                .unwrap();
            let want: Vec<(String, Option<UserName>)> = r
                .attrs
                .iter()
                .map(|a| (a.0.clone(), a.2.as_ref().map(|(n, _)| un(n))))
                .collect();
            assert_eq!(attrs.into_iter().collect::<Vec<_>>(), want, "attrs of {id}");
            let d = &self
                .app
                .query(&admin(), now, GetRooms { ids: vec![*id] })
                .unwrap()[0];
            assert_eq!((d.owner.to_string(), d.mute), (r.owner.clone(), r.mute_all));
            let _ = q;
        }
        for u in m.users.keys() {
            let mut want = m.joined.get(u).cloned().unwrap_or_default();
            want.reverse();
            assert_eq!(joined(&self.app, u), want, "joined rooms of {u}");
        }
        imcore::invariants::check(&self.app).unwrap();
    }
}

fn res<T>(r: Result<T>) -> Res {
    r.map(drop).map_err(|e| (e.status(), e.code().to_string()))
}

fn world() -> World {
    let names: Vec<String> = (0..USERS as u8).map(name).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = app(&refs);
    let mut model = Model::default();
    for n in names {
        model.users.insert(n.clone(), 1);
        model.gens.insert(n, 1);
    }
    World {
        app,
        model,
        ids: Vec::new(),
        now: T0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        let mut w = world();
        for o in &ops {
            w.step(o);
        }
    }
}
