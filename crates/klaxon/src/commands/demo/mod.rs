//! `klaxon demo`: the quickstart's stand-ins for the outside world, so the nginx-to-Slack
//! tutorial runs on a laptop with nothing installed and no Slack account:
//!
//! - [`site`]: a small shop standing in for nginx, writing its access log in nginx's
//!   `combined` format ([`access_log`]) for `klaxon run` to read;
//! - [`traffic`]: visitors at a steady rate, failing 6 in 10 for a while, then healthy;
//! - [`sink`]: a Slack incoming webhook on localhost that prints each message as Slack
//!   would show it (FIRING, repeats, RESOLVED).
//!
//! It runs until SIGINT/SIGTERM.

mod access_log;
mod sink;
mod site;
mod term;
mod traffic;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use crate::cli::DemoArgs;
use term::{Style, Term, clock, human};

/// Runs the demo until SIGINT/SIGTERM: exit 0, or 1 when it could not start.
pub fn run(args: &DemoArgs) -> ExitCode {
    let rt =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("klaxon demo: cannot start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    match rt.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("klaxon demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `:9095` means every interface, as Go's listeners read it.
fn listen_address(flag: &str, value: &str) -> Result<String> {
    if value.rsplit_once(':').is_none_or(|(_, port)| port.parse::<u16>().is_err()) {
        bail!("{flag}: {value:?} is not host:port");
    }
    Ok(if value.starts_with(':') { format!("0.0.0.0{value}") } else { value.to_string() })
}

async fn bind(flag: &str, value: &str) -> Result<TcpListener> {
    let addr = listen_address(flag, value)?;
    TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({flag}); is another demo running?"))
}

async fn serve(args: &DemoArgs) -> Result<()> {
    let term = Term::new(&args.color)?;
    if !args.traffic_rate.is_finite() || args.traffic_rate < 0.0 {
        bail!("--traffic.rate: {} is not a rate of requests a second", args.traffic_rate);
    }
    let failing_for =
        Duration::from_nanos(args.traffic_failing_for.as_nanos().max(0).unsigned_abs());
    let log = access_log::AccessLog::open(&args.access_log_file)?;
    let site = site::Site::new(log);
    let site_listener = bind("--web.listen-address", &args.web_listen_address).await?;
    let site_addr = site_listener.local_addr()?;
    let sink_listener = match args.slack_listen_address.as_str() {
        "" => None,
        a => Some(bind("--slack.listen-address", a).await?),
    };

    let mut intro = format!("{}\n", term.paint(Style::Bold, "klaxon demo"));
    intro.push_str(&format!(
        "  site        http://{site_addr}/ writing the nginx access log {} (combined format)\n",
        site.log_path().display()
    ));
    let phase = if failing_for.is_zero() {
        "every request succeeds".to_string()
    } else {
        format!("6 in 10 fail (404, 500, 502) for {}, then all succeed", human(failing_for))
    };
    intro.push_str(&format!("  traffic     {} requests/s; {phase}\n", args.traffic_rate));
    if let Some(l) = &sink_listener {
        intro.push_str(&format!(
            "  Slack sink  http://{}/ prints below what Slack would show\n",
            l.local_addr()?
        ));
    }
    intro.push_str(&format!("{}  started; stop with Ctrl-C\n", clock()));
    term.print(&intro);

    let app = site::router(site.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut servers = tokio::task::JoinSet::new();
    servers.spawn(async move { axum::serve(site_listener, app).await.context("demo site") });
    if let Some(l) = sink_listener {
        let app = sink::router(sink::Sink::new(term));
        servers.spawn(async move { axum::serve(l, app).await.context("Slack sink") });
    }
    let (base, rate) = (format!("http://{site_addr}"), args.traffic_rate);
    servers.spawn(async move {
        traffic::run(base, rate, failing_for, site, term).await;
        std::future::pending::<Result<()>>().await
    });

    let mut term_signal = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term_signal.recv() => {}
        Some(res) = servers.join_next() => {
            res.context("demo task")??;
        }
    }
    servers.abort_all();
    term.print(&format!("{}  klaxon demo stopped\n", clock()));
    Ok(())
}
