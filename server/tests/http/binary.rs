//! Running the built `imcore-server` binary: start it on a free loopback port (with a data
//! directory or `--in-memory`), read its start-up line, stop it with SIGTERM or kill it with
//! SIGKILL, and read what it logged (stderr goes to a file, so a killed server's log stays
//! readable).

#![cfg(unix)]
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::{Api, request};

/// A running server binary.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// The first line it printed.
    pub banner: String,
    log: PathBuf,
}

/// A free loopback port (bound and released: the binary binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the binary with `args` plus `--listen` on a free port, in the directory of `log`
    /// (where its stderr goes). Waits for the start-up line.
    ///
    /// # Panics
    /// If it exits or prints nothing within 30 s.
    pub fn start(args: &[&str], log: &Path) -> Server {
        Server::try_start(args, log)
            .unwrap_or_else(|(status, log)| panic!("the server did not start ({status:?}): {log}"))
    }

    /// As [`Server::start`], but a server that exits before printing its line is an `Err`
    /// with its exit status and its log.
    pub fn try_start(args: &[&str], log: &Path) -> Result<Server, (Option<ExitStatus>, String)> {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let err = std::fs::File::create(log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_imcore-server"))
            .args(args)
            .args(["--listen", &listen])
            // Events are logged at debug (issue 14: one line per event is too much for info).
            .env("RUST_LOG", "info,imcore_server::events=debug")
            // Relative paths (the default `imcore-data`) land beside the log, in the test's
            // temporary directory.
            .current_dir(log.parent().unwrap())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("spawn");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        let _ = out.read_line(&mut banner);
        if banner.is_empty() {
            let status = child.wait().ok();
            return Err((status, std::fs::read_to_string(log).unwrap_or_default()));
        }
        // Keep reading stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Ok(Server {
            child,
            addr: listen.parse().unwrap(),
            banner,
            log: log.to_owned(),
        })
    }

    /// An app token for the app `org/app` with these credentials.
    pub fn token(&self, org: &str, app: &str, id: &str, secret: &str) -> String {
        let r = request(
            self.addr,
            "POST",
            &format!("/{org}/{app}/token"),
            None,
            Some("application/json"),
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret})
                .to_string()
                .as_bytes(),
        );
        r.ok()["access_token"].as_str().unwrap().to_owned()
    }

    /// The fixture's client for the test app, with an admin token.
    pub fn api(&self, admin: &str) -> Api {
        Api {
            addr: self.addr,
            admin: admin.to_owned(),
        }
    }

    /// Sends SIGTERM and waits (up to 20 s) for the exit.
    pub fn term(mut self) -> ExitStatus {
        let st = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not stop on SIGTERM: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it with SIGKILL (no chance to write anything more) and reaps it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
