//! `imcore-server`: serves one app of the Easemob REST API on the imcore engine, with state in
//! memory. See `--help` for the flags.

use imcore_server::{Cli, Config, config::USAGE};

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
        Ok(Cli::Help) => {
            println!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("imcore-server: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("imcore-server: cannot listen on {}: {e}", config.listen);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().map_or(config.listen, |a| a);
    println!(
        "imcore-server listening on http://{addr} for app key {}#{} (state is in memory and is lost on exit); \
         get an app token: curl -s -X POST http://{addr}/{}/{}/token -H 'Content-Type: application/json' \
         -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{}\",\"client_secret\":\"{}\"}}'",
        config.org, config.app, config.org, config.app, config.client_id, config.client_secret
    );
    if let Err(e) = imcore_server::serve(listener, config, shutdown_signal()).await {
        eprintln!("imcore-server: {e}");
        std::process::exit(1);
    }
    tracing::info!("stopped");
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
