//! Support for the HA black-box tests: a cluster of `klaxon alertmanager` processes on
//! loopback with fixed ports and names (so a node can be killed and restarted in place), a
//! "Prometheus" that posts alerts to every live node, and a counting webhook.
//!
//! Timing is fast but real: group_wait 1s, peer_timeout 2s, gossip 200ms, push-pull 2s,
//! settle timeout 3s. Assertions count notifications; waits are generous.

#![allow(dead_code)] // Each test uses a subset.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// `--cluster.peer-timeout` of the test clusters.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(2);

/// A free TCP port on loopback (also free for UDP in practice: nothing else binds UDP here).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p = l.local_addr().unwrap().port();
    let u = std::net::UdpSocket::bind(("127.0.0.1", p));
    drop(l);
    match u {
        Ok(_) => p,
        Err(_) => free_port(),
    }
}

/// The route: one group per alertname, a second's wait, never a repeat during a test.
pub fn config(webhook: &str) -> String {
    format!(
        "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n- name: hook\n  webhook_configs:\n  - url: '{webhook}'\n    send_resolved: true\n"
    )
}

/// One node: its name, ports and directory survive restarts.
#[derive(Debug)]
pub struct Node {
    pub name: String,
    pub web_port: u16,
    pub cluster_port: u16,
    pub dir: Arc<tempfile::TempDir>,
    peers: Vec<String>,
    extra: Vec<String>,
    child: Option<Child>,
    pub client: reqwest::Client,
    starts: usize,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.web_port)
    }

    pub fn cluster_addr(&self) -> String {
        format!("127.0.0.1:{}", self.cluster_port)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("stderr.{}.log", self.starts))
    }

    /// The last `n` lines of the current run's stderr.
    pub fn log_tail(&self, n: usize) -> String {
        let s = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    fn args(&self) -> Vec<String> {
        let d = self.dir.path();
        let mut a: Vec<String> = [
            "alertmanager",
            "--config.file",
            &d.join("config.yml").display().to_string(),
            "--storage.path",
            &d.join("data").display().to_string(),
            "--web.listen-address",
            &format!("127.0.0.1:{}", self.web_port),
            "--cluster.listen-address",
            &self.cluster_addr(),
            "--cluster.peer-name",
            &self.name,
            "--cluster.peer-timeout",
            "2s",
            "--cluster.gossip-interval",
            "200ms",
            "--cluster.pushpull-interval",
            "2s",
            "--cluster.settle-timeout",
            "3s",
            "--cluster.probe-interval",
            "300ms",
            "--cluster.probe-timeout",
            "200ms",
            "--cluster.reconnect-interval",
            "1s",
            "--log.level",
            "debug",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for p in &self.peers {
            a.push(format!("--cluster.peer={p}"));
        }
        a.extend(self.extra.iter().cloned());
        a
    }

    async fn spawn(&mut self) {
        self.starts += 1;
        let log = std::fs::File::create(self.log_path()).unwrap();
        // KLAXON_BIN runs another build (e.g. a release binary) through the same scenarios.
        let bin =
            std::env::var("KLAXON_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_klaxon").into());
        let child = Command::new(bin)
            .args(self.args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("start klaxon");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = self.client.get(self.url("/api/v2/status")).send().await
                && r.status().is_success()
            {
                return;
            }
            if let Some(st) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("{} exited at start ({st}):\n{}", self.name, self.log_tail(40));
            }
            assert!(Instant::now() < deadline, "{} not up:\n{}", self.name, self.log_tail(40));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The cluster part of `/api/v2/status`.
    pub async fn cluster_status(&self) -> Option<Value> {
        let r = self.client.get(self.url("/api/v2/status")).send().await.ok()?;
        let v: Value = r.json().await.ok()?;
        Some(v["cluster"].clone())
    }

    /// Whether `/-/ready` answers 200.
    pub async fn ready(&self) -> bool {
        match self.client.get(self.url("/-/ready")).send().await {
            Ok(r) => r.status().is_success(),
            Err(_) => false,
        }
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// kill -9.
    pub async fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.start_kill();
            let _ = c.wait().await;
        }
    }

    /// SIGTERM, then wait for the exit.
    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if let Some(pid) = c.id() {
                let _ = std::process::Command::new("kill")
                    .args(["-s", "TERM", &pid.to_string()])
                    .status();
            }
            let exited = tokio::time::timeout(Duration::from_secs(20), c.wait()).await;
            assert!(exited.is_ok(), "{} did not exit on SIGTERM", self.name);
        }
    }

    /// Starts again with the same name, ports and directory.
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "still running");
        self.spawn().await;
    }

    /// Posts alerts (JSON values as the API takes them); errors are ignored (a dead node).
    pub async fn post(&self, alerts: &Value) -> bool {
        match self.client.post(self.url("/api/v2/alerts")).json(alerts).send().await {
            Ok(r) => r.status().is_success(),
            Err(_) => false,
        }
    }

    /// Creates a silence; returns its id.
    pub async fn silence(&self, body: &Value) -> String {
        let r = self.client.post(self.url("/api/v2/silences")).json(body).send().await.unwrap();
        assert!(r.status().is_success(), "silence: {}", r.text().await.unwrap_or_default());
        let v: Value = r.json().await.unwrap();
        v["silenceID"].as_str().unwrap().to_string()
    }

    /// Ids of the silences this node knows.
    pub async fn silence_ids(&self) -> Vec<String> {
        let Ok(r) = self.client.get(self.url("/api/v2/silences")).send().await else {
            return Vec::new();
        };
        let v: Value = r.json().await.unwrap_or(Value::Null);
        v.as_array()
            .map(|a| a.iter().filter_map(|s| s["id"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    }
}

/// A cluster of `n` nodes named `n0`.. (so `n0` has position 0 while it lives).
#[derive(Debug)]
pub struct Cluster {
    pub nodes: Vec<Node>,
}

impl Cluster {
    /// Starts `n` nodes with `config`, each told about every other, and waits until every
    /// node sees all `n` members and is ready.
    pub async fn start(n: usize, config: &str) -> Cluster {
        Cluster::start_with(n, config, &[]).await
    }

    pub async fn start_with(n: usize, config: &str, extra: &[&str]) -> Cluster {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let mut nodes = Vec::new();
        for (i, (web, cl)) in ports.iter().enumerate() {
            let dir = Arc::new(tempfile::tempdir().unwrap());
            std::fs::write(dir.path().join("config.yml"), config).unwrap();
            let peers = ports
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, c))| format!("127.0.0.1:{c}"))
                .collect();
            nodes.push(Node {
                name: format!("n{i}"),
                web_port: *web,
                cluster_port: *cl,
                dir,
                peers,
                extra: extra.iter().map(|s| s.to_string()).collect(),
                child: None,
                client: client.clone(),
                starts: 0,
            });
        }
        for node in &mut nodes {
            node.spawn().await;
        }
        let c = Cluster { nodes };
        c.wait_formed(n).await;
        c
    }

    /// Waits until every running node reports `n` members and is ready.
    pub async fn wait_formed(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut ok = true;
            for node in self.nodes.iter().filter(|x| x.running()) {
                let st = node.cluster_status().await.unwrap_or(Value::Null);
                let members = st["peers"].as_array().map_or(0, |p| p.len());
                if members != n || st["status"] != "ready" || !node.ready().await {
                    ok = false;
                }
            }
            if ok {
                return;
            }
            if Instant::now() > deadline {
                let mut report = String::new();
                for node in &self.nodes {
                    report.push_str(&format!(
                        "{}: {:?}\n{}\n",
                        node.name,
                        node.cluster_status().await,
                        node.log_tail(15)
                    ));
                }
                panic!("cluster of {n} never formed:\n{report}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Posts to every running node, as each Prometheus does (§10: alerts are not gossiped).
    pub async fn post_all(&self, alerts: &Value) {
        for node in self.nodes.iter().filter(|x| x.running()) {
            node.post(alerts).await;
        }
    }

    /// Stderr tails of every node, for failure messages.
    pub fn logs(&self, n: usize) -> String {
        self.nodes.iter().map(|x| format!("----- {} -----\n{}\n", x.name, x.log_tail(n))).collect()
    }
}

/// A firing alert named `name` (no end: it resolves after resolve_timeout unless refreshed).
pub fn firing(name: &str) -> Value {
    json!({"labels": {"alertname": name, "severity": "page"}})
}

/// The alert resolved now.
pub fn resolved(name: &str) -> Value {
    let now = jiff::Timestamp::now();
    let start = now - jiff::SignedDuration::from_secs(600);
    json!({
        "labels": {"alertname": name, "severity": "page"},
        "startsAt": format!("{start:.3}"),
        "endsAt": format!("{now:.3}"),
    })
}

/// What the webhook received: one entry per delivery, `(alertname, status)`.
#[derive(Debug, Clone, Default)]
pub struct Deliveries {
    inner: Arc<Mutex<Vec<(String, String, Instant)>>>,
}

/// A webhook that counts deliveries and can fail for a while.
#[derive(Debug, Clone)]
pub struct CountingHook {
    pub url: String,
    pub got: Deliveries,
    /// Answer 500 (and record nothing) until this instant.
    fail_until: Arc<Mutex<Option<Instant>>>,
    pub attempts: Arc<Mutex<usize>>,
}

impl CountingHook {
    pub async fn start() -> CountingHook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let hook = CountingHook {
            url,
            got: Deliveries::default(),
            fail_until: Arc::default(),
            attempts: Arc::default(),
        };
        let state = hook.clone();
        let app =
            axum::Router::new().fallback(axum::routing::any(move |body: axum::body::Bytes| {
                let h = state.clone();
                async move { h.handle(body) }
            }));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        hook
    }

    /// Answers 500 for `d` from now.
    pub fn fail_for(&self, d: Duration) {
        *self.fail_until.lock() = Some(Instant::now() + d);
    }

    fn handle(&self, body: axum::body::Bytes) -> axum::http::StatusCode {
        *self.attempts.lock() += 1;
        if self.fail_until.lock().is_some_and(|t| Instant::now() < t) {
            return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&body) else {
            return axum::http::StatusCode::BAD_REQUEST;
        };
        let name = v["groupLabels"]["alertname"].as_str().unwrap_or("").to_string();
        let status = v["status"].as_str().unwrap_or("").to_string();
        self.got.inner.lock().push((name, status, Instant::now()));
        axum::http::StatusCode::OK
    }

    /// Deliveries per `(alertname, status)`.
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for (n, s, _) in self.got.inner.lock().iter() {
            *m.entry((n.clone(), s.clone())).or_insert(0) += 1;
        }
        m
    }

    pub fn total(&self) -> usize {
        self.got.inner.lock().len()
    }

    /// Waits until `want` deliveries arrived (or `timeout`), then `settle` more to catch
    /// duplicates; returns the counts.
    pub async fn wait_for(
        &self,
        want: usize,
        timeout: Duration,
        settle: Duration,
    ) -> BTreeMap<(String, String), usize> {
        let deadline = Instant::now() + timeout;
        while self.total() < want && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(settle).await;
        self.counts()
    }
}

/// `{(name, status): 1}` for each name.
pub fn once_each(names: &[String], status: &str) -> BTreeMap<(String, String), usize> {
    names.iter().map(|n| ((n.clone(), status.to_string()), 1)).collect()
}
