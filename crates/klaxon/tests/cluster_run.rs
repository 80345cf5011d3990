//! `klaxon run --alertmanager.cluster.*`: the embedded Alertmanagers of two `klaxon run`
//! processes form a cluster, report each other on `/api/v2/status` and share silences; without
//! the flag the embedded Alertmanager stays alone (`disabled`).

#![allow(clippy::unwrap_used)]

mod cluster_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use cluster_support::free_port;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

struct Run {
    _child: Child,
    am: String,
    _dir: tempfile::TempDir,
}

async fn start(cluster: &[String]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), "global:\n  scrape_interval: 15s\n").unwrap();
    std::fs::write(
        dir.path().join("alertmanager.yml"),
        "route:\n  receiver: x\nreceivers:\n- name: x\n",
    )
    .unwrap();
    let am_port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_klaxon"))
        .arg("run")
        .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg("--web.listen-address=127.0.0.1:0")
        .arg(format!(
            "--alertmanager.config.file={}",
            dir.path().join("alertmanager.yml").display()
        ))
        .arg(format!("--alertmanager.web.listen-address=127.0.0.1:{am_port}"))
        .args(cluster)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    Run { _child: child, am: format!("http://127.0.0.1:{am_port}"), _dir: dir }
}

async fn status(client: &reqwest::Client, run: &Run) -> Value {
    match client.get(format!("{}/api/v2/status", run.am)).send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_klaxon_runs_form_an_alertmanager_cluster() {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let (c1, c2) = (free_port(), free_port());
    let flags = |me: u16, peer: u16, name: &str| {
        vec![
            format!("--alertmanager.cluster.listen-address=127.0.0.1:{me}"),
            format!("--alertmanager.cluster.peer=127.0.0.1:{peer}"),
            format!("--alertmanager.cluster.peer-name={name}"),
            "--alertmanager.cluster.settle-timeout=2s".to_string(),
            "--alertmanager.cluster.pushpull-interval=2s".to_string(),
        ]
    };
    let a = start(&flags(c1, c2, "a")).await;
    let b = start(&flags(c2, c1, "b")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (sa, sb) = (status(&client, &a).await, status(&client, &b).await);
        let peers = |s: &Value| s["cluster"]["peers"].as_array().map_or(0, Vec::len);
        if peers(&sa) == 2 && peers(&sb) == 2 && sa["cluster"]["status"] == "ready" {
            assert_eq!(sa["cluster"]["name"], "a");
            break;
        }
        assert!(Instant::now() < deadline, "no cluster: {sa} / {sb}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let now = jiff::Timestamp::now();
    let r = client
        .post(format!("{}/api/v2/silences", a.am))
        .json(&json!({
            "matchers": [{"name": "alertname", "value": "x", "isRegex": false, "isEqual": true}],
            "startsAt": format!("{now:.3}"),
            "endsAt": format!("{:.3}", now + jiff::SignedDuration::from_secs(600)),
            "createdBy": "test", "comment": "shared",
        }))
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["silenceID"].as_str().unwrap().to_string();
    loop {
        let got: Value = client
            .get(format!("{}/api/v2/silences", b.am))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if got.as_array().unwrap().iter().any(|s| s["id"] == id.as_str()) {
            break;
        }
        assert!(Instant::now() < deadline, "silence never reached b");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Without the flag: no cluster.
    let alone = start(&[]).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = status(&client, &alone).await;
        if !s.is_null() {
            assert_eq!(s["cluster"]["status"], "disabled");
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
