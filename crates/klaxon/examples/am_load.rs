//! Load generator and measuring receiver for `scripts/bench/alertmanager-side-by-side.sh`:
//! drives any Alertmanager-compatible server (klaxon or upstream) through its API v2.
//!
//! ```text
//! am_load post      --url http://127.0.0.1:9093 --alerts 100000 --batch 1000 [--update]
//! am_load silences  --url ... --count 10000 [--every 10]
//! am_load latency   --url ... --path /api/v2/alerts --runs 5
//! am_load webhook   --port-file F --log F      (records "<unix ns> <alerts>" per notification)
//! am_load wait      --log F --expect N --since-ns T --timeout 600
//! ```
//!
//! Alert `i` has labels `alertname=Bench<i % 100>`, `instance=host-<i>`, `job=bench`; silence
//! `k` matches `instance="host-<k * every>"` (so 10k silences with `--every 10` silence a tenth
//! of 100k alerts).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// POST distinct alerts in batches, one request at a time; prints alerts/s.
    Post {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 100_000)]
        alerts: usize,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// Re-post as an update (a changed annotation), as a rule evaluation would.
        #[arg(long)]
        update: bool,
    },
    /// POST silences one by one; prints silences/s.
    Silences {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 10)]
        every: usize,
    },
    /// GET a path several times; prints min/median/max latency and the body size.
    Latency {
        #[arg(long)]
        url: String,
        #[arg(long)]
        path: String,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// A webhook receiver appending "<unix ns> <number of alerts>" per notification to --log.
    Webhook {
        #[arg(long)]
        port_file: PathBuf,
        #[arg(long)]
        log: PathBuf,
    },
    /// Waits until --log holds --expect alerts (or nothing new came for --idle seconds);
    /// prints the first and last arrival relative to --since-ns.
    Wait {
        #[arg(long)]
        log: PathBuf,
        #[arg(long)]
        expect: usize,
        #[arg(long)]
        since_ns: u128,
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        #[arg(long, default_value_t = 30)]
        idle: u64,
    },
}

fn unix_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn alert(i: usize, update: bool) -> Value {
    json!({
        "labels": {"alertname": format!("Bench{}", i % 100), "instance": format!("host-{i}"), "job": "bench"},
        "annotations": {"summary": if update { "updated" } else { "first" }},
        "generatorURL": "http://prometheus.bench/graph",
    })
}

async fn post(url: &str, alerts: usize, batch: usize, update: bool) -> Result<()> {
    let client = reqwest::Client::new();
    // Bodies are built first so that the clock measures the server, not the generator.
    let bodies: Vec<Vec<u8>> = (0..alerts)
        .collect::<Vec<_>>()
        .chunks(batch.max(1))
        .map(|c| serde_json::to_vec(&c.iter().map(|&i| alert(i, update)).collect::<Vec<_>>()))
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    for body in bodies {
        let r = client
            .post(format!("{url}/api/v2/alerts"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("POST /api/v2/alerts: {} {}", r.status(), r.text().await.unwrap_or_default());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "posted {alerts} alerts in {secs:.2}s: {:.0} alerts/s; last post at {}",
        alerts as f64 / secs,
        unix_ns()
    );
    Ok(())
}

async fn silences(url: &str, count: usize, every: usize) -> Result<()> {
    let client = reqwest::Client::new();
    let now = jiff::Timestamp::now();
    let end = now + jiff::SignedDuration::from_hours(24);
    let start = Instant::now();
    for k in 0..count {
        let body = json!({
            "matchers": [{"name": "instance", "value": format!("host-{}", k * every), "isRegex": false, "isEqual": true}],
            "startsAt": format!("{now:.3}"), "endsAt": format!("{end:.3}"),
            "createdBy": "bench", "comment": "side by side",
        });
        let r = client.post(format!("{url}/api/v2/silences")).json(&body).send().await?;
        if !r.status().is_success() {
            bail!("POST /api/v2/silences: {} {}", r.status(), r.text().await.unwrap_or_default());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("posted {count} silences in {secs:.2}s: {:.0} silences/s", count as f64 / secs);
    Ok(())
}

async fn latency(url: &str, path: &str, runs: usize) -> Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(600)).build()?;
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let r = client.get(format!("{url}{path}")).send().await?;
        let status = r.status();
        let body = r.bytes().await?;
        if !status.is_success() {
            bail!("GET {path}: {status}");
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "GET {path}: min {:.0} ms, median {:.0} ms, max {:.0} ms, {:.1} MB",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        size as f64 / 1e6
    );
    Ok(())
}

async fn webhook(port_file: PathBuf, log: PathBuf) -> Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let out = Arc::new(parking_lot::Mutex::new(
        std::fs::OpenOptions::new().create(true).append(true).open(&log)?,
    ));
    let app = axum::Router::new().fallback(axum::routing::post(move |body: axum::body::Bytes| {
        let out = out.clone();
        async move {
            let n = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["alerts"].as_array().map(Vec::len))
                .unwrap_or(0);
            let _ = writeln!(out.lock(), "{} {n}", unix_ns());
            "ok"
        }
    }));
    std::fs::write(&port_file, port.to_string())?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn wait(log: PathBuf, expect: usize, since_ns: u128, timeout: u64, idle: u64) -> Result<()> {
    let start = Instant::now();
    let mut last_change = Instant::now();
    let mut last_len = 0;
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let rows: Vec<(u128, usize)> = text
            .lines()
            .filter_map(|l| {
                let (t, n) = l.split_once(' ')?;
                Some((t.parse().ok()?, n.parse().ok()?))
            })
            .collect();
        let total: usize = rows.iter().map(|r| r.1).sum();
        if rows.len() != last_len {
            last_len = rows.len();
            last_change = Instant::now();
        }
        let done = total >= expect;
        let stalled = !rows.is_empty() && last_change.elapsed() > Duration::from_secs(idle);
        if done || stalled || start.elapsed() > Duration::from_secs(timeout) {
            let first = rows.iter().map(|r| r.0).min().unwrap_or(0);
            let last = rows.iter().map(|r| r.0).max().unwrap_or(0);
            let rel = |t: u128| (t as f64 - since_ns as f64) / 1e9;
            println!(
                "notified {total}/{expect} alerts in {} notifications; first {:.2}s, last {:.2}s after the last post{}",
                rows.len(),
                rel(first),
                rel(last),
                if done { "" } else { " (INCOMPLETE)" }
            );
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Post { url, alerts, batch, update } => post(&url, alerts, batch, update).await,
        Cmd::Silences { url, count, every } => silences(&url, count, every).await,
        Cmd::Latency { url, path, runs } => latency(&url, &path, runs).await,
        Cmd::Webhook { port_file, log } => webhook(port_file, log).await.context("webhook"),
        Cmd::Wait { log, expect, since_ns, timeout, idle } => {
            wait(log, expect, since_ns, timeout, idle).await
        }
    }
}
