//! Start-up configuration and its command line (hand-parsed; no argument crate).

use std::net::SocketAddr;

use imcore::Limits;

/// What the server serves and where.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen. Default `127.0.0.1:5080`.
    pub listen: SocketAddr,
    /// The organisation name. Default `demo`.
    pub org: String,
    /// The app name. Default `demo`.
    pub app: String,
    /// The app's client id (`client_credentials` grant). Default `demo-client-id`.
    pub client_id: String,
    /// The app's client secret. Default `demo-client-secret`.
    pub client_secret: String,
    /// Let anonymous callers register users (spec 01 §4). Default off.
    pub open_registration: bool,
    /// The app's limits; the spec's defaults unless a library caller changes them.
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 5080)),
            org: "demo".into(),
            app: "demo".into(),
            client_id: "demo-client-id".into(),
            client_secret: "demo-client-secret".into(),
            open_registration: false,
            limits: Limits::default(),
        }
    }
}

/// The `--help` text.
pub const USAGE: &str = "\
usage: imcore-server [--listen ADDR:PORT] [--org ORG] [--app APP]
                     [--client-id ID] [--client-secret SECRET] [--open-registration]

Serves the Easemob REST API for one app, with state in memory (lost on exit).
Defaults: --listen 127.0.0.1:5080 --org demo --app demo
          --client-id demo-client-id --client-secret demo-client-secret";

/// What the command line asks for.
#[derive(Debug)]
pub enum Cli {
    /// Run with this configuration.
    Run(Box<Config>),
    /// Print [`USAGE`] and exit.
    Help,
}

impl Config {
    /// Parses the arguments after the program name. Each value flag takes the next argument
    /// (`--org acme`) or an `=` form (`--org=acme`).
    ///
    /// # Errors
    /// A message naming the unknown flag, the flag missing its value, or the bad address.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Cli, String> {
        let mut c = Config::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--help" | "-h" => return Ok(Cli::Help),
                "--listen" => {
                    let v = value("--listen")?;
                    c.listen = v
                        .parse()
                        .map_err(|_| format!("--listen: {v} is not an ADDR:PORT"))?;
                }
                "--org" => c.org = value("--org")?,
                "--app" => c.app = value("--app")?,
                "--client-id" => c.client_id = value("--client-id")?,
                "--client-secret" => c.client_secret = value("--client-secret")?,
                "--open-registration" if inline.is_none() => c.open_registration = true,
                _ => return Err(format!("unknown argument {arg}")),
            }
        }
        Ok(Cli::Run(Box::new(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Cli, String> {
        Config::from_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_parse() {
        let Ok(Cli::Run(c)) = parse(&[
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
        ]) else {
            panic!("should parse")
        };
        assert_eq!(c.listen.to_string(), "0.0.0.0:9");
        assert_eq!((c.org.as_str(), c.app.as_str()), ("acme", "chat"));
        assert_eq!((c.client_id.as_str(), c.client_secret.as_str()), ("i", "s"));
        assert!(c.open_registration);
        let Ok(Cli::Run(d)) = parse(&[]) else {
            panic!()
        };
        assert_eq!(d.listen.to_string(), "127.0.0.1:5080");
        assert!(!d.open_registration);
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(parse(&["--nope"]).is_err());
        assert!(parse(&["--org"]).is_err());
        assert!(parse(&["--listen", "nowhere"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(Cli::Help)));
    }
}
