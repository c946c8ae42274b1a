//! Start-up configuration: the command line (`clap`) and the config file (TOML).
//!
//! The command line describes one app (`--org`, `--app`, `--client-id`, `--client-secret`,
//! `--open-registration`, as before) or names a config file (`--config FILE`) that lists any
//! number of apps, each with every [`Limits`] field and feature switch, each optional with
//! the spec's default. `--listen`, `--data-dir` and `--in-memory` apply to both and override
//! the file. `--print-config` prints the effective configuration, every field included.
//!
//! ```toml
//! listen = "127.0.0.1:5080"
//!
//! [storage]
//! data_dir = "imcore-data"        # or: in_memory = true
//!
//! [http]                          # connection limits and timeouts; see `Http`
//! connections_max = 1024
//! header_timeout_ms = 10000
//!
//! [[apps]]
//! org = "acme"
//! app = "chat"
//! client_id = "acme-client-id"
//! client_secret = "change-me"
//!
//! [apps.limits]                   # any Limits field; the rest keep their defaults
//! friends_max = 500
//! registration_mode = "Open"
//!
//! [apps.limits.groups]
//! threads_enabled = false
//! ```
//!
//! A config file with a syntax error, an unknown field (a typo), a value of the wrong type,
//! an illegal org or app name or the same app twice stops start-up with the file, the line
//! and the field at fault.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Parser;
use imcore::{AppKey, Limits, RegistrationMode};
use serde::{Deserialize, Serialize};

/// What the server serves, where, and where it keeps its data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen. Default `127.0.0.1:5080`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Where the data lives. Default: the directory `imcore-data` under the working directory.
    #[serde(default)]
    pub storage: Storage,
    /// Connection limits and timeouts (issue 14). Default: [`Http::default`].
    #[serde(default)]
    pub http: Http,
    /// The apps served, each at `/{org}/{app}`. Default: one app, org `demo`, app `demo`.
    pub apps: Vec<AppConfig>,
}

/// Where the data lives and how it is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    /// Keep nothing: every app lives in memory and is lost on exit (throwaway runs and
    /// tests). Default false.
    pub in_memory: bool,
    /// The data directory (relative to the working directory). Default `imcore-data`.
    pub data_dir: PathBuf,
    /// The size of a log segment (each is zero-filled when made). Default 4 MiB.
    pub segment_bytes: u64,
    /// A background snapshot starts when this many log bytes were written since the last
    /// one; recovery after a crash replays at most about this much. Default 32 MiB.
    pub snapshot_log_bytes: u64,
}

impl Default for Storage {
    fn default() -> Self {
        let o = imcore_durable::Options::default();
        Storage {
            in_memory: false,
            data_dir: PathBuf::from("imcore-data"),
            segment_bytes: o.segment_bytes,
            snapshot_log_bytes: o.snapshot_log_bytes,
        }
    }
}

impl Storage {
    /// Nothing kept: every app in memory.
    pub fn in_memory() -> Storage {
        Storage {
            in_memory: true,
            ..Storage::default()
        }
    }

    /// The data directory's options.
    pub fn options(&self) -> imcore_durable::Options {
        imcore_durable::Options {
            segment_bytes: self.segment_bytes,
            snapshot_log_bytes: self.snapshot_log_bytes,
            ..imcore_durable::Options::default()
        }
    }
}

/// What one client may hold of the server: connections, time, header sizes and failed
/// credentials. A client over these gets the vendor's JSON error (`408`, `429`, `431`, `503`)
/// or is cut off, and the server keeps serving the others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// The most connections open at once; one more is answered `503 service_unavailable` and
    /// closed. Default 1024.
    pub connections_max: usize,
    /// A request's line and headers must arrive within this many milliseconds of the
    /// connection waiting for them, else the connection is closed. The same timer bounds an
    /// idle keep-alive connection (hyper starts it as soon as the connection waits for the
    /// next request). Default 10,000 (10 s).
    pub header_timeout_ms: u64,
    /// A request, body included, must be answered within this many milliseconds, else it is
    /// answered `408 request_timeout` and the connection closed: a trickled body is cut off
    /// here. Default 30,000 (30 s).
    pub request_timeout_ms: u64,
    /// The longest pause, in milliseconds, between two pieces of a request body, else the
    /// body fails and the request is answered `408`. Default 10,000 (10 s).
    pub body_idle_timeout_ms: u64,
    /// The most header lines a request may have; more is `431`. Default 100.
    pub headers_max: usize,
    /// The most bytes of request line and headers (hyper's read buffer, at least 8192); more is
    /// `431` (`414` for a long URL). Default 65,536.
    pub head_bytes_max: usize,
    /// Failed token requests (wrong credentials) one client address may make per window;
    /// past it, its token requests get `429 reach_limit` until the window ends. Default 30.
    pub token_failures_per_client_max: u32,
    /// Failed token requests for one username per window, from any client; past it, token
    /// requests for that user get `429 reach_limit` until the window ends. Default 10.
    pub token_failures_per_user_max: u32,
    /// The window of the two failure counts, in milliseconds. Default 60,000 (one minute).
    pub token_failure_window_ms: u64,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            connections_max: 1024,
            header_timeout_ms: 10_000,
            request_timeout_ms: 30_000,
            body_idle_timeout_ms: 10_000,
            headers_max: 100,
            head_bytes_max: 64 * 1024,
            token_failures_per_client_max: 30,
            token_failures_per_user_max: 10,
            token_failure_window_ms: 60_000,
        }
    }
}

/// One app: its key, its `client_credentials`, and its limits and feature switches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The organisation name.
    pub org: String,
    /// The app name.
    pub app: String,
    /// The client id of the `client_credentials` grant.
    pub client_id: String,
    /// The client secret of the `client_credentials` grant.
    pub client_secret: String,
    /// Every cap and feature switch; each field optional, with the spec's default, except the
    /// caps [`host_limits`] sets. Fixed when the app is created
    /// in the data directory.
    #[serde(default)]
    pub limits: Limits,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            org: "demo".into(),
            app: "demo".into(),
            client_id: "demo-client-id".into(),
            client_secret: "demo-client-secret".into(),
            limits: host_limits(Limits::default()),
        }
    }
}

/// The users an app holds when its configuration sets no `users_max` (issue 14: without a
/// cap, anyone who may register users could grow the server's memory without bound; about
/// 0.6 KB each). Configure a larger `users_max` to hold more.
pub const DEFAULT_USERS_MAX: u64 = 100_000;
/// The groups an app holds when its configuration sets no `groups.groups_per_app_max`.
pub const DEFAULT_GROUPS_PER_APP_MAX: u64 = 100_000;
/// The chatrooms an app holds when its configuration sets no `rooms.rooms_per_app_max`.
pub const DEFAULT_ROOMS_PER_APP_MAX: u64 = 100_000;

/// The host's defaults over the engine's (whose spec defaults leave these unbounded): a
/// `users_max` of [`DEFAULT_USERS_MAX`], a `groups.groups_per_app_max` of
/// [`DEFAULT_GROUPS_PER_APP_MAX`] and a `rooms.rooms_per_app_max` of
/// [`DEFAULT_ROOMS_PER_APP_MAX`], each when none is set.
pub fn host_limits(mut l: Limits) -> Limits {
    l.users_max.get_or_insert(DEFAULT_USERS_MAX);
    l.groups
        .groups_per_app_max
        .get_or_insert(DEFAULT_GROUPS_PER_APP_MAX);
    l.rooms
        .rooms_per_app_max
        .get_or_insert(DEFAULT_ROOMS_PER_APP_MAX);
    l
}

/// The limits to apply to an app whose data directory holds `kept`, configured as
/// `configured`: the configured ones, except that a cap the host now defaults
/// ([`host_limits`]) stays absent for an app created without it while the configuration only
/// has the default (an app created before these defaults keeps having none).
pub fn with_legacy_defaults(kept: &Limits, configured: &Limits) -> Limits {
    let mut c = configured.clone();
    if kept.users_max.is_none() && c.users_max == Some(DEFAULT_USERS_MAX) {
        c.users_max = None;
    }
    if kept.groups.groups_per_app_max.is_none()
        && c.groups.groups_per_app_max == Some(DEFAULT_GROUPS_PER_APP_MAX)
    {
        c.groups.groups_per_app_max = None;
    }
    if kept.rooms.rooms_per_app_max.is_none()
        && c.rooms.rooms_per_app_max == Some(DEFAULT_ROOMS_PER_APP_MAX)
    {
        c.rooms.rooms_per_app_max = None;
    }
    c
}

impl AppConfig {
    /// The app's key.
    ///
    /// # Errors
    /// The engine's, for an illegal org or app name.
    pub fn key(&self) -> imcore::Result<AppKey> {
        AppKey::new(&self.org, &self.app)
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5080))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: default_listen(),
            storage: Storage::default(),
            http: Http::default(),
            apps: vec![AppConfig::default()],
        }
    }
}

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "imcore-server",
    version,
    about = "Serves the Easemob REST API on the imcore engine, keeping its data in a data directory.",
    after_help = "Without --config the server serves one app, described by --org, --app, --client-id, \
                  --client-secret and --open-registration. Data lives in imcore-data/ under the working \
                  directory unless --data-dir or --in-memory says otherwise."
)]
pub struct Args {
    /// Where to listen [default: 127.0.0.1:5080].
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// A TOML file listing the apps, their limits and the storage settings.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the effective configuration, every field included, and exit.
    #[arg(long)]
    pub print_config: bool,
    /// The data directory [default: imcore-data].
    #[arg(long, value_name = "DIR", conflicts_with = "in_memory")]
    pub data_dir: Option<PathBuf>,
    /// Keep nothing: state in memory, lost on exit.
    #[arg(long)]
    pub in_memory: bool,
    /// The organisation name of the one app [default: demo].
    #[arg(long, conflicts_with = "config")]
    pub org: Option<String>,
    /// The app name of the one app [default: demo].
    #[arg(long, conflicts_with = "config")]
    pub app: Option<String>,
    /// The one app's client id [default: demo-client-id].
    #[arg(long, value_name = "ID", conflicts_with = "config")]
    pub client_id: Option<String>,
    /// The one app's client secret [default: demo-client-secret].
    #[arg(long, value_name = "SECRET", conflicts_with = "config")]
    pub client_secret: Option<String>,
    /// Let anonymous callers register users in the one app.
    #[arg(long, conflicts_with = "config")]
    pub open_registration: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Cli {
    /// Run with this configuration.
    Run(Box<Config>),
    /// Print this configuration ([`Config::to_toml`]) and exit.
    PrintConfig(Box<Config>),
}

/// Why the command line or the config file was refused.
#[derive(Debug)]
pub enum CliError {
    /// Bad flags, or `--help`/`--version` (clap renders and exits).
    Args(clap::Error),
    /// A config file that cannot be read or is not valid, with the file, line and field.
    Config(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Args(e) => write!(f, "{e}"),
            CliError::Config(e) => write!(f, "{e}"),
        }
    }
}

impl Config {
    /// Parses the arguments after the program name (and the config file they name).
    ///
    /// # Errors
    /// [`CliError::Args`] for bad flags (and for `--help`, which clap prints); a
    /// [`CliError::Config`] naming the file, line and field of a bad config file.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Cli, CliError> {
        let args = Args::try_parse_from(std::iter::once("imcore-server".to_string()).chain(args))
            .map_err(CliError::Args)?;
        let mut c = match &args.config {
            Some(path) => Config::from_file(path).map_err(CliError::Config)?,
            None => {
                let d = AppConfig::default();
                let mut app = AppConfig {
                    org: args.org.clone().unwrap_or(d.org),
                    app: args.app.clone().unwrap_or(d.app),
                    client_id: args.client_id.clone().unwrap_or(d.client_id),
                    client_secret: args.client_secret.clone().unwrap_or(d.client_secret),
                    limits: d.limits,
                };
                if args.open_registration {
                    app.limits.registration_mode = RegistrationMode::Open;
                }
                app.key()
                    .map_err(|e| CliError::Config(format!("--org/--app: {e}")))?;
                Config {
                    apps: vec![app],
                    ..Config::default()
                }
            }
        };
        if let Some(l) = args.listen {
            c.listen = l;
        }
        if let Some(d) = &args.data_dir {
            c.storage.data_dir = d.clone();
            c.storage.in_memory = false;
        }
        if args.in_memory {
            c.storage.in_memory = true;
        }
        Ok(if args.print_config {
            Cli::PrintConfig(Box::new(c))
        } else {
            Cli::Run(Box::new(c))
        })
    }

    /// Reads a config file.
    ///
    /// # Errors
    /// A message naming the file and, for a bad file, the line and field at fault.
    pub fn from_file(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        Config::from_toml(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }

    /// Parses a config file's text.
    ///
    /// # Errors
    /// A message with the line and field at fault: TOML syntax, an unknown field, a value of
    /// the wrong type, no apps, an illegal org or app name, an empty client id or secret, an
    /// app listed twice.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let line = |span: std::ops::Range<usize>| {
            text[..span.start.min(text.len())].lines().count().max(1)
        };
        if raw.apps.is_empty() {
            return Err(
                "no apps: list at least one [[apps]] table (org, app, client_id, client_secret)"
                    .into(),
            );
        }
        let mut apps = Vec::new();
        let mut seen = std::collections::BTreeMap::new();
        for (i, a) in raw.apps.into_iter().enumerate() {
            let at = |field: &str, s: &toml::Spanned<String>| {
                format!("line {}, apps[{i}].{field}", line(s.span()))
            };
            let key = AppKey::new(a.org.get_ref(), a.app.get_ref()).map_err(|e| {
                let bad = if AppKey::new(a.org.get_ref(), "x").is_err() {
                    at("org", &a.org)
                } else {
                    at("app", &a.app)
                };
                format!("{bad}: {e}")
            })?;
            for (field, v) in [
                ("client_id", &a.client_id),
                ("client_secret", &a.client_secret),
            ] {
                if v.get_ref().is_empty() {
                    return Err(format!("{}: must not be empty", at(field, v)));
                }
            }
            if let Some(first) = seen.insert(key.clone(), line(a.org.span())) {
                return Err(format!(
                    "{}: app {key} is listed twice (first at line {first})",
                    at("org", &a.org)
                ));
            }
            apps.push(AppConfig {
                org: a.org.into_inner(),
                app: a.app.into_inner(),
                client_id: a.client_id.into_inner(),
                client_secret: a.client_secret.into_inner(),
                limits: host_limits(a.limits),
            });
        }
        if raw.http.connections_max == 0 {
            return Err("http.connections_max: must be at least 1".into());
        }
        Ok(Config {
            listen: raw.listen,
            storage: raw.storage,
            http: raw.http,
            apps,
        })
    }

    /// The configuration as a config file, every field included: fields whose value is "no
    /// limit" (`users_max`, `groups_per_app_max`, …) are written as comments, since TOML has
    /// no null.
    pub fn to_toml(&self) -> String {
        let text = toml::to_string_pretty(self).expect("the configuration serializes");
        let fields_of = |header: &str| -> Option<&'static [&'static str]> {
            match header {
                "[[apps]]" => Some(field_names::<AppConfig>()),
                "[apps.limits]" => Some(field_names::<Limits>()),
                "[apps.limits.groups]" => Some(field_names::<imcore::GroupLimits>()),
                "[apps.limits.rooms]" => Some(field_names::<imcore::RoomLimits>()),
                "[storage]" => Some(field_names::<Storage>()),
                "[http]" => Some(field_names::<Http>()),
                _ => None,
            }
        };
        let mut out = String::new();
        let mut section: Option<&'static [&'static str]> = Some(field_names::<Config>());
        let mut present: Vec<String> = Vec::new();
        let flush = |out: &mut String, section: Option<&[&str]>, present: &[String]| {
            let Some(fields) = section else { return };
            let missing: Vec<&&str> = fields
                .iter()
                .filter(|f| !present.iter().any(|p| p == **f))
                .filter(|f| {
                    !matches!(
                        **f,
                        "apps" | "storage" | "http" | "limits" | "groups" | "rooms"
                    )
                })
                .collect();
            if missing.is_empty() {
                return;
            }
            while out.ends_with("\n\n") {
                out.pop();
            }
            for f in missing {
                out.push_str(&format!("# {f}: not set (no limit)\n"));
            }
            out.push('\n');
        };
        for l in text.lines() {
            let t = l.trim();
            if t.starts_with('[') {
                flush(&mut out, section, &present);
                section = fields_of(t);
                present.clear();
            } else if let Some((k, _)) = t.split_once(" = ") {
                present.push(k.trim().to_owned());
            }
            out.push_str(l);
            out.push('\n');
        }
        flush(&mut out, section, &present);
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    #[serde(default)]
    storage: Storage,
    #[serde(default)]
    http: Http,
    #[serde(default)]
    apps: Vec<RawApp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    org: toml::Spanned<String>,
    app: toml::Spanned<String>,
    client_id: toml::Spanned<String>,
    client_secret: toml::Spanned<String>,
    #[serde(default)]
    limits: Limits,
}

/// The field names of a struct, as serde sees them (to list the fields a TOML rendering
/// leaves out because they are `None`).
fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field names")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }
    struct Probe;
    impl<'de> de::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    match T::deserialize(Probe) {
        Err(Found(f)) => f,
        Ok(_) => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Cli, CliError> {
        Config::from_args(a.iter().map(|s| s.to_string()))
    }

    fn run(a: &[&str]) -> Config {
        match parse(a) {
            Ok(Cli::Run(c)) => *c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_single_app_flags_of_before_still_work() {
        let c = run(&[
            "--listen",
            "0.0.0.0:9",
            "--org=acme",
            "--app",
            "chat",
            "--client-id",
            "i",
            "--client-secret",
            "s",
            "--open-registration",
        ]);
        assert_eq!(c.listen.to_string(), "0.0.0.0:9");
        let a = &c.apps[0];
        assert_eq!((a.org.as_str(), a.app.as_str()), ("acme", "chat"));
        assert_eq!((a.client_id.as_str(), a.client_secret.as_str()), ("i", "s"));
        assert_eq!(a.limits.registration_mode, RegistrationMode::Open);
        let d = run(&[]);
        assert_eq!(d, Config::default());
        assert_eq!(d.listen.to_string(), "127.0.0.1:5080");
        assert_eq!(d.storage.data_dir, PathBuf::from("imcore-data"));
        assert!(!d.storage.in_memory);
        assert!(run(&["--in-memory"]).storage.in_memory);
        assert_eq!(
            run(&["--data-dir", "/x"]).storage.data_dir,
            PathBuf::from("/x")
        );
    }

    #[test]
    fn bad_flags_are_refused() {
        for bad in [
            &["--nope"][..],
            &["--org"],
            &["--listen", "nowhere"],
            &["--in-memory", "--data-dir", "x"],
            &["--config", "f.toml", "--org", "o"],
        ] {
            assert!(matches!(parse(bad), Err(CliError::Args(_))), "{bad:?}");
        }
        assert!(matches!(parse(&["--org", "a b"]), Err(CliError::Config(_))));
        let Err(CliError::Args(e)) = parse(&["--help"]) else {
            panic!()
        };
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
    }

    #[test]
    fn a_config_file_lists_apps_with_limits_and_defaults() {
        let c = Config::from_toml(
            r#"
listen = "127.0.0.1:7000"
[storage]
data_dir = "/var/lib/imcore"
[[apps]]
org = "acme"
app = "chat"
client_id = "id"
client_secret = "secret"
[apps.limits]
friends_max = 3
users_max = 10
[apps.limits.groups]
threads_enabled = false
[[apps]]
org = "acme"
app = "support"
client_id = "id2"
client_secret = "secret2"
"#,
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(c.storage.data_dir, PathBuf::from("/var/lib/imcore"));
        assert_eq!(c.storage.segment_bytes, Storage::default().segment_bytes);
        assert_eq!(c.apps.len(), 2);
        let l = &c.apps[0].limits;
        assert_eq!((l.friends_max, l.users_max), (Some(3), Some(10)));
        assert!(!l.groups.threads_enabled);
        assert_eq!(l.groups.admins_max, Limits::default().groups.admins_max);
        // The engine's defaults, but users_max, which the host caps (issue 14).
        assert_eq!(c.apps[1].limits, host_limits(Limits::default()));
        assert_eq!(c.apps[1].limits.users_max, Some(DEFAULT_USERS_MAX));
    }

    #[test]
    fn a_bad_config_file_names_the_line_and_field() {
        let app =
            "[[apps]]\norg = \"acme\"\napp = \"chat\"\nclient_id = \"i\"\nclient_secret = \"s\"\n";
        let cases = [
            (
                format!("{app}[apps.limits]\nfrends_max = 3\n"),
                "line 7",
                "frends_max",
            ),
            (
                format!("{app}[apps.limits]\nfriends_max = \"many\"\n"),
                "line 7",
                "friends_max",
            ),
            (
                format!("{app}[apps.limits.rooms]\nadmins_max = -1\n"),
                "line 7",
                "admins_max",
            ),
            (format!("{app}colour = 1\n"), "line 6", "colour"),
            (format!("listen = \"nowhere\"\n{app}"), "line 1", "listen"),
            (app.replace("acme", "ac me"), "line 2", "apps[0].org"),
            (app.replace("chat", ""), "line 3", "apps[0].app"),
            (
                app.replace("= \"s\"", "= \"\""),
                "line 5",
                "apps[0].client_secret",
            ),
            (format!("{app}{app}"), "line 7", "listed twice"),
            ("[[apps]]\norg = \"acme\"\n".to_string(), "line 1", "app"),
            (
                "[storage]\nin_memory = \"yes\"\n".to_string(),
                "line 2",
                "in_memory",
            ),
            (String::new(), "", "no apps"),
        ];
        for (text, line, field) in cases {
            let e = Config::from_toml(&text).unwrap_err();
            assert!(e.contains(line) && e.contains(field), "{text}\n=> {e}");
        }
    }

    #[test]
    fn print_config_writes_every_field_and_reads_back_the_same() {
        let mut c = Config::default();
        c.apps[0].limits.users_max = Some(7);
        let text = c.to_toml();
        for f in field_names::<Limits>()
            .iter()
            .chain(field_names::<imcore::GroupLimits>())
            .chain(field_names::<imcore::RoomLimits>())
            .chain(field_names::<Storage>())
            .chain(field_names::<Http>())
            .filter(|f| !matches!(**f, "groups" | "rooms"))
        {
            assert!(
                text.contains(&format!("\n{f} = ")) || text.contains(&format!("# {f}: not set")),
                "{f} missing from:\n{text}"
            );
        }
        assert!(
            text.contains("# rooms_per_user_max: not set (no limit)"),
            "{text}"
        );
        assert!(text.contains("users_max = 7"), "{text}");
        assert_eq!(Config::from_toml(&text).unwrap(), c);
    }
}
