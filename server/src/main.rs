//! `imcore-server`: serves the Easemob REST API on the imcore engine for the apps of its
//! configuration, keeping their data in a data directory (`imcore-data/` by default). See
//! `--help` for the flags.

use imcore_server::config::CliError;
use imcore_server::{Cli, Config};

#[tokio::main]
async fn main() {
    // Logs go to stderr (colored only on a terminal); stdout carries the start-up line.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(Cli::Run(c)) => *c,
        Ok(Cli::PrintConfig(c)) => {
            print!("{}", c.to_toml());
            return;
        }
        Err(CliError::Args(e)) => e.exit(),
        Err(CliError::Config(e)) => {
            eprintln!("imcore-server: {e}");
            std::process::exit(2);
        }
    };
    // Signals first: a SIGTERM from now on stops the server cleanly.
    let shutdown = shutdown_signal();
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("imcore-server: cannot listen on {}: {e}", config.listen);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().map_or(config.listen, |a| a);
    let keys: Vec<String> = config
        .apps
        .iter()
        .map(|a| format!("{}#{}", a.org, a.app))
        .collect();
    let storage = if config.storage.in_memory {
        "state is in memory and is lost on exit".to_string()
    } else {
        format!(
            "data in {}/",
            config
                .storage
                .data_dir
                .display()
                .to_string()
                .trim_end_matches('/')
        )
    };
    // Recover the apps before announcing anything: a locked or damaged data directory stops
    // start-up here.
    let host = match imcore_server::open(&config) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("imcore-server: {e}");
            std::process::exit(1);
        }
    };
    let first = &config.apps[0];
    println!(
        "imcore-server listening on http://{addr} for app key {} ({storage}); \
         get an app token: curl -s -X POST http://{addr}/{}/{}/token -H 'Content-Type: application/json' \
         -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{}\",\"client_secret\":\"{}\"}}'",
        keys.join(", "),
        first.org,
        first.app,
        first.client_id,
        first.client_secret
    );
    if let Err(e) = imcore_server::serve_host(listener, host, shutdown).await {
        eprintln!("imcore-server: {e}");
        std::process::exit(1);
    }
    tracing::info!("stopped");
}

/// A future that resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when
/// this is called, not when the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
            tracing::info!(
                "shutting down: finishing the requests in flight, then a final snapshot"
            );
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing the requests in flight, then a final snapshot");
    }
}
