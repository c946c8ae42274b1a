//! SQLite (rusqlite, the bundled library): the same data in three tables, and each question as
//! one prepared statement, prepared once and kept.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, Statement, params};

use crate::data::*;

const SCHEMA: &str = "
CREATE TABLE users(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    activated INT NOT NULL,
    chat_mute_until INT
);
CREATE TABLE friends(
    a INT NOT NULL,
    b INT NOT NULL,
    added_at INT NOT NULL,
    PRIMARY KEY(a, b)
) WITHOUT ROWID;
CREATE TABLE blocks(
    owner INT NOT NULL,
    blocked INT NOT NULL,
    PRIMARY KEY(owner, blocked)
) WITHOUT ROWID;
";

/// "Are A and B friends?" by id: one point query on the primary key.
pub const FRIENDS_ID: &str = "SELECT 1 FROM friends WHERE a = ?1 AND b = ?2";

/// "Are A and B friends?" by name: both names through the unique index, then the point query.
pub const FRIENDS_NAME: &str = "SELECT 1 FROM users x JOIN users y JOIN friends f \
     ON f.a = x.id AND f.b = y.id WHERE x.name = ?1 AND y.name = ?2";

/// "May S message R?" (client origin, friend check on) as one query, in imcore's order:
/// sender unknown, disabled, muted; recipient unknown; to oneself; blocked by the recipient;
/// not friends; deliver. The codes are `im::DELIVER` and the rest. `{S}` and `{R}` are the
/// join conditions (by id or by name).
const MAY: &str = "SELECT CASE
    WHEN s.id IS NULL THEN 2
    WHEN s.activated = 0 THEN 1
    WHEN s.chat_mute_until > ?3 THEN 3
    WHEN r.id IS NULL THEN 4
    WHEN s.id = r.id THEN 0
    WHEN EXISTS (SELECT 1 FROM blocks WHERE owner = r.id AND blocked = s.id) THEN 5
    WHEN NOT EXISTS (SELECT 1 FROM friends WHERE a = r.id AND b = s.id) THEN 6
    ELSE 0 END
FROM (SELECT ?1 AS sk, ?2 AS rk) p
LEFT JOIN users s ON {S}
LEFT JOIN users r ON {R}";

pub fn may_sql(by_name: bool) -> String {
    let (s, r) = if by_name {
        ("s.name = p.sk", "r.name = p.rk")
    } else {
        ("s.id = p.sk", "r.id = p.rk")
    };
    MAY.replace("{S}", s).replace("{R}", r)
}

/// "Add a friend" by name, as `AddFriend` does it: both users must exist and differ; the edge
/// both ways. One statement, so in autocommit mode one transaction. (No cap check: imcore
/// also checks `friends_max`, which this skips.)
pub const ADD: &str = "WITH p AS (SELECT x.id AS a, y.id AS b FROM users x, users y \
     WHERE x.name = ?1 AND y.name = ?2 AND x.id <> y.id) \
     INSERT OR IGNORE INTO friends(a, b, added_at) \
     SELECT a, b, ?3 FROM p UNION ALL SELECT b, a, ?3 FROM p";

/// "Remove a friend" by name: the edge both ways. One statement, one transaction. Written as
/// an `OR` of two primary-key matches (SQLite then searches the key for each) rather than a
/// row-value `IN` over a subquery, which SQLite answers with a scan of every edge.
pub const REMOVE: &str = "DELETE FROM friends WHERE \
     (a = (SELECT id FROM users WHERE name = ?1) AND b = (SELECT id FROM users WHERE name = ?2)) \
     OR (a = (SELECT id FROM users WHERE name = ?2) AND b = (SELECT id FROM users WHERE name = ?1))";

/// "Add a friend" by id (the primary key), as `AddFriendById` does it: both users must exist
/// and differ; the edge both ways. One statement, one transaction. (No cap check either.)
pub const ADD_ID: &str = "WITH p AS (SELECT x.id AS a, y.id AS b FROM users x, users y \
     WHERE x.id = ?1 AND y.id = ?2 AND x.id <> y.id) \
     INSERT OR IGNORE INTO friends(a, b, added_at) \
     SELECT a, b, ?3 FROM p UNION ALL SELECT b, a, ?3 FROM p";

/// "Remove a friend" by id: the edge both ways, two primary-key matches.
pub const REMOVE_ID: &str = "DELETE FROM friends WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)";

/// Builds the data set in a fresh in-memory database, in one transaction, rows in key order.
pub fn build_memory(dist: &[usize]) -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(SCHEMA)?;
    let tx = conn.unchecked_transaction()?;
    {
        let mut user = tx.prepare(
            "INSERT INTO users(id, name, activated, chat_mute_until) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut friend = tx.prepare("INSERT INTO friends(a, b, added_at) VALUES (?1, ?2, ?3)")?;
        let mut block = tx.prepare("INSERT INTO blocks(owner, blocked) VALUES (?1, ?2)")?;
        for i in 0..USERS {
            let activated = special(i) != Special::Disabled;
            user.execute(params![i as i64, name(i), activated as i64, mute_until(i)])?;
            for (f, at) in friends_of(dist, i) {
                friend.execute(params![i as i64, f as i64, at])?;
            }
            for b in blocks_of(i) {
                block.execute(params![i as i64, b as i64])?;
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(conn)
}

/// Copies the in-memory database to `path` and opens it in WAL mode, `synchronous = NORMAL`,
/// with a page cache larger than the database (so that reads after warm-up come from SQLite's
/// own cache, its best case).
pub fn copy_to_wal_file(mem: &Connection, path: &Path) -> rusqlite::Result<Connection> {
    mem.execute("VACUUM INTO ?1", [path.to_str().expect("utf-8 path")])?;
    let conn = Connection::open(path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    assert_eq!(mode.to_lowercase(), "wal", "journal mode");
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -1048576;")?;
    Ok(conn)
}

/// One connection's prepared statements.
pub struct Sql<'c> {
    friends_id: Statement<'c>,
    friends_name: Statement<'c>,
    may_id: Statement<'c>,
    may_name: Statement<'c>,
    add: Statement<'c>,
    remove: Statement<'c>,
    add_id: Statement<'c>,
    remove_id: Statement<'c>,
}

impl<'c> Sql<'c> {
    pub fn prepare(conn: &'c Connection) -> rusqlite::Result<Sql<'c>> {
        Ok(Sql {
            friends_id: conn.prepare(FRIENDS_ID)?,
            friends_name: conn.prepare(FRIENDS_NAME)?,
            may_id: conn.prepare(&may_sql(false))?,
            may_name: conn.prepare(&may_sql(true))?,
            add: conn.prepare(ADD)?,
            remove: conn.prepare(REMOVE)?,
            add_id: conn.prepare(ADD_ID)?,
            remove_id: conn.prepare(REMOVE_ID)?,
        })
    }

    #[inline]
    pub fn friends_by_id(&mut self, a: i64, b: i64) -> bool {
        self.friends_id.exists([a, b]).expect("friends by id")
    }

    #[inline]
    pub fn friends_by_name(&mut self, a: &str, b: &str) -> bool {
        self.friends_name.exists([a, b]).expect("friends by name")
    }

    #[inline]
    pub fn may_by_id(&mut self, from: i64, to: i64) -> u8 {
        self.may_id
            .query_row(params![from, to, QNOW.0], |r| r.get(0))
            .expect("may message by id")
    }

    #[inline]
    pub fn may_by_name(&mut self, from: &str, to: &str) -> u8 {
        self.may_name
            .query_row(params![from, to, QNOW.0], |r| r.get(0))
            .expect("may message by name")
    }

    /// `true` when the edge was new.
    #[inline]
    pub fn add_friend(&mut self, a: &str, b: &str) -> bool {
        self.add.execute(params![a, b, QNOW.0]).expect("add friend") == 2
    }

    /// `true` when there was an edge.
    #[inline]
    pub fn remove_friend(&mut self, a: &str, b: &str) -> bool {
        self.remove.execute([a, b]).expect("remove friend") == 2
    }

    /// By id; `true` when the edge was new.
    #[inline]
    pub fn add_friend_by_id(&mut self, a: i64, b: i64) -> bool {
        self.add_id
            .execute(params![a, b, QNOW.0])
            .expect("add friend by id")
            == 2
    }

    /// By id; `true` when there was an edge.
    #[inline]
    pub fn remove_friend_by_id(&mut self, a: i64, b: i64) -> bool {
        self.remove_id.execute([a, b]).expect("remove friend by id") == 2
    }
}

/// The query plans, for the record (printed once).
pub fn plans(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (what, sql) in [
        ("friends? by id", FRIENDS_ID.to_string()),
        ("friends? by name", FRIENDS_NAME.to_string()),
        ("may message? by id", may_sql(false)),
        ("may message? by name", may_sql(true)),
        ("add friend", ADD.to_string()),
        ("remove friend", REMOVE.to_string()),
    ] {
        let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let vals = [
            Value::Text("u000001".into()),
            Value::Text("u000002".into()),
            Value::Integer(QNOW.0),
        ];
        for (k, v) in vals.iter().enumerate().take(st.parameter_count()) {
            st.raw_bind_parameter(k + 1, v)?;
        }
        let mut rows = st.raw_query();
        let mut steps = Vec::new();
        while let Some(r) = rows.next()? {
            steps.push(r.get::<_, String>(3)?);
        }
        out.push((what.to_string(), steps.join("; ")));
    }
    Ok(out)
}
