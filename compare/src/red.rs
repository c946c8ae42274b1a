//! Redis: a `redis-server` of our own on a free loopback port (no persistence), stopped by its
//! PID at the end; the data as sets and hashes; each question one request, sent and answered
//! before the next (a synchronous connection, no pipelining).
//!
//! Keys: `u:{i}` a hash (`a` = 1 or 0 for activated, `m` = chat mute until, epoch ms, when
//! muted); `f:{i}` the set of `i`'s friends; `b:{i}` the set of users `i` blocks. Redis keeps
//! no time per friend edge (imcore and SQLite do).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::{Cmd, Connection, cmd};

use crate::data::*;

/// "May S message R?" in one round trip, in imcore's order. KEYS: `u:S`, `u:R`, `b:R`, `f:R`;
/// ARGV: S, R, now.
const MAY: &str = r"
local s = redis.call('HMGET', KEYS[1], 'a', 'm')
if not s[1] then return 2 end
if s[1] == '0' then return 1 end
if s[2] and tonumber(s[2]) > tonumber(ARGV[3]) then return 3 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 4 end
if ARGV[1] == ARGV[2] then return 0 end
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return 5 end
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 then return 6 end
return 0
";

/// "Add a friend": both users exist and differ; the edge both ways. KEYS: `u:A`, `u:B`,
/// `f:A`, `f:B`; ARGV: A, B. Returns 2 when the edge is new.
const ADD: &str = r"
if ARGV[1] == ARGV[2] then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
return redis.call('SADD', KEYS[3], ARGV[2]) + redis.call('SADD', KEYS[4], ARGV[1])
";

/// "Remove a friend": the edge both ways. Returns 2 when there was one.
const REMOVE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
return redis.call('SREM', KEYS[3], ARGV[2]) + redis.call('SREM', KEYS[4], ARGV[1])
";

/// `redis-server` on the PATH, if there is one.
pub fn find_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

/// Our own `redis-server` child process.
pub struct Server {
    child: Child,
    pub port: u16,
    pub version: String,
}

impl Server {
    /// Starts `redis-server` on a free loopback port, with no persistence, and waits until it
    /// answers PING (10 s at most).
    pub fn start(bin: &Path, dir: &Path) -> Result<(Server, Connection), String> {
        let version = Command::new(bin)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let mut command = Command::new(bin);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--logfile", ""])
            .arg("--dir")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: `prctl` is async-signal-safe; it only asks the kernel to kill the child when
        // this process dies, so that an interrupted run leaves no server behind.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
        let mut server = Server {
            child,
            port,
            version,
        };
        let url = format!("redis://127.0.0.1:{port}/");
        let client = redis::Client::open(url.as_str()).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("redis-server exited at start: {status}"));
            }
            if let Ok(mut con) = client.get_connection()
                && cmd("PING")
                    .query::<String>(&mut con)
                    .is_ok_and(|p| p == "PONG")
            {
                return Ok((server, con));
            }
            if Instant::now() > deadline {
                server.stop();
                return Err("redis-server did not answer PING within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM to its PID, then SIGKILL if it has not exited within 5 s; reaps it.
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: `pid` is our own child, not yet reaped (checked above), so the PID is still
        // ours; `kill` has no memory effects.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The connection and the loaded scripts.
pub struct Redis {
    pub con: Connection,
    may_sha: String,
    add_sha: String,
    remove_sha: String,
}

impl Redis {
    /// Loads the data set (pipelined, 500 users per round trip) and the scripts.
    pub fn build(mut con: Connection, dist: &[usize]) -> redis::RedisResult<Redis> {
        cmd("FLUSHALL").exec(&mut con)?;
        let mut i = 0;
        while i < USERS {
            let end = (i + 500).min(USERS);
            let mut p = redis::pipe();
            for j in i..end {
                let h = p.cmd("HSET").arg(format!("u:{j}")).arg("a");
                h.arg(if special(j) == Special::Disabled {
                    0
                } else {
                    1
                });
                if let Some(m) = mute_until(j) {
                    h.arg("m").arg(m);
                }
                h.ignore();
                let f = p.cmd("SADD").arg(format!("f:{j}"));
                for (x, _) in friends_of(dist, j) {
                    f.arg(x);
                }
                f.ignore();
                p.cmd("SADD")
                    .arg(format!("b:{j}"))
                    .arg(&blocks_of(j)[..])
                    .ignore();
            }
            p.exec(&mut con)?;
            i = end;
        }
        let keys: usize = cmd("DBSIZE").query(&mut con)?;
        assert_eq!(keys, 3 * USERS, "redis keys after the load");
        let load = |con: &mut Connection, src: &str| -> redis::RedisResult<String> {
            cmd("SCRIPT").arg("LOAD").arg(src).query(con)
        };
        let may_sha = load(&mut con, MAY)?;
        let add_sha = load(&mut con, ADD)?;
        let remove_sha = load(&mut con, REMOVE)?;
        Ok(Redis {
            con,
            may_sha,
            add_sha,
            remove_sha,
        })
    }

    /// `used_memory` from `INFO memory`, in bytes.
    pub fn used_memory(&mut self) -> Option<u64> {
        let info: String = cmd("INFO").arg("memory").query(&mut self.con).ok()?;
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
    }

    /// "Are A and B friends?": `SISMEMBER f:A B`.
    pub fn friends_cmd(a: usize, b: usize) -> Cmd {
        let mut c = cmd("SISMEMBER");
        c.arg(format!("f:{a}")).arg(b);
        c
    }

    /// "May S message R?": `EVALSHA` of the script above.
    pub fn may_cmd(&self, s: usize, r: usize) -> Cmd {
        let mut c = cmd("EVALSHA");
        c.arg(&self.may_sha)
            .arg(4)
            .arg(format!("u:{s}"))
            .arg(format!("u:{r}"))
            .arg(format!("b:{r}"))
            .arg(format!("f:{r}"))
            .arg(s)
            .arg(r)
            .arg(QNOW.0);
        c
    }

    fn edge_cmd(sha: &str, a: usize, b: usize) -> Cmd {
        let mut c = cmd("EVALSHA");
        c.arg(sha)
            .arg(4)
            .arg(format!("u:{a}"))
            .arg(format!("u:{b}"))
            .arg(format!("f:{a}"))
            .arg(format!("f:{b}"))
            .arg(a)
            .arg(b);
        c
    }

    pub fn add_cmd(&self, a: usize, b: usize) -> Cmd {
        Self::edge_cmd(&self.add_sha, a, b)
    }

    pub fn remove_cmd(&self, a: usize, b: usize) -> Cmd {
        Self::edge_cmd(&self.remove_sha, a, b)
    }

    /// Runs one prepared command (one round trip) and returns its integer answer.
    #[inline]
    pub fn run(&mut self, c: &Cmd) -> i64 {
        c.query(&mut self.con).expect("redis request")
    }
}
