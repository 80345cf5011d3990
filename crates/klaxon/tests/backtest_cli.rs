//! `klaxon rules backtest`, run as a user would: over a TSDB directory filled by
//! `klaxon tsdb import openmetrics`, and over a server's query API.

#![allow(clippy::unwrap_used)] // Test code.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use model::labels::Labels;
use model::storage::Appendable;

/// 2023-11-14T22:00:00Z (a multiple of the 2h block range).
const T0: i64 = 1_699_999_200;

fn klaxon(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klaxon"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run klaxon")
}

/// `queue_depth{queue="q1"}` each minute for 30 minutes: 50 during minutes 10..20, else 0.
fn depth(m: i64) -> f64 {
    if (10..20).contains(&m) { 50.0 } else { 0.0 }
}

fn history_openmetrics() -> String {
    let mut s = String::from("# TYPE queue_depth gauge\n");
    for m in 0..=30 {
        s.push_str(&format!("queue_depth{{queue=\"q1\"}} {} {}\n", depth(m), T0 + m * 60));
    }
    s.push_str("# EOF\n");
    s
}

const RULES: &str = "\
groups:
  - name: queues
    interval: 1m
    rules:
      - record: queue:depth:max
        expr: max by (queue) (queue_depth)
      - alert: QueueBackedUp
        expr: queue:depth:max > 10
        for: 2m
";

const TIMELINE: &str = "\
2023-11-14T22:10:00Z  PENDING   QueueBackedUp{queue=\"q1\"}  value=50
2023-11-14T22:12:00Z  FIRING    QueueBackedUp{queue=\"q1\"}  value=50
2023-11-14T22:20:00Z  RESOLVED  QueueBackedUp{queue=\"q1\"}  value=50
";

#[test]
fn replays_a_tsdb_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("history.om"), history_openmetrics()).unwrap();
    std::fs::write(tmp.path().join("rules.yml"), RULES).unwrap();
    let out =
        klaxon(tmp.path(), &["tsdb", "import", "openmetrics", "--quiet", "history.om", "data"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let before: Vec<_> =
        std::fs::read_dir(tmp.path().join("data")).unwrap().map(|e| e.unwrap().path()).collect();

    let out = klaxon(
        tmp.path(),
        &[
            "rules",
            "backtest",
            "--storage.tsdb.path",
            "data",
            "--from",
            "2023-11-14T22:00:00Z",
            "--to",
            &(T0 + 30 * 60).to_string(),
            "rules.yml",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout,
        format!(
            "{TIMELINE}\nSummary: 2023-11-14T22:00:00Z .. 2023-11-14T22:30:00Z, 1 group(s), 31 evaluation(s), 0 failed rule evaluation(s)\n  QueueBackedUp{{queue=\"q1\"}}  pending 1 time(s), fired 1 time(s), firing 8m\n"
        )
    );
    // Read-only: the directory holds what it held (no wal/, no lock, nothing removed).
    let after: Vec<_> =
        std::fs::read_dir(tmp.path().join("data")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(before, after);
}

#[test]
fn bad_input_fails_with_positions() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::write(
        tmp.path().join("bad.yml"),
        "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: sum(\n",
    )
    .unwrap();
    let out = klaxon(
        tmp.path(),
        &["rules", "backtest", "--storage.tsdb.path", "data", "--from", "-1h", "bad.yml"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yml: 5:19: "), "{stderr}");

    std::fs::write(tmp.path().join("ok.yml"), RULES).unwrap();
    let out = klaxon(tmp.path(), &["rules", "backtest", "--from", "-1h", "ok.yml"]);
    assert_eq!(out.status.code(), Some(2), "a history source is required");
    let out = klaxon(
        tmp.path(),
        &["rules", "backtest", "--storage.tsdb.path", "data", "--from", "soon", "ok.yml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from: invalid time"));
    let out = klaxon(
        tmp.path(),
        &["rules", "backtest", "--storage.tsdb.path", "missing", "--from", "-1h", "ok.yml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!tmp.path().join("missing").exists(), "nothing created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_against_a_servers_api() {
    let head = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let mut app = head.appender();
    for m in 0..=30 {
        let l = Labels::from_pairs([("__name__", "queue_depth"), ("queue", "q1")]);
        app.append(&l, (T0 + m * 60) * 1000, depth(m)).unwrap();
    }
    app.commit().unwrap();
    let backend = api::prometheus::PromBackend::new(head, promql::Engine::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, api::prometheus::router(backend)).await.unwrap();
    });

    let tmp = tempfile::tempdir().unwrap();
    // Against a server the alert reads the server's series directly.
    std::fs::write(
        tmp.path().join("rules.yml"),
        RULES.replace("queue:depth:max > 10", "max by (queue) (queue_depth) > 10"),
    )
    .unwrap();
    let dir = tmp.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        klaxon(
            &dir,
            &[
                "rules",
                "backtest",
                "--url",
                &url,
                "--from",
                &T0.to_string(),
                "--to",
                &(T0 + 30 * 60).to_string(),
                "rules.yml",
            ],
        )
    })
    .await
    .unwrap();
    server.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with(TIMELINE), "{stdout}");
    assert!(stderr.contains("note: with --url, recording rules"), "{stderr}");
}
