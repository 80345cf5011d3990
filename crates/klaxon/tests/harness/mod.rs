//! Black-box harness for `klaxon alertmanager`, driving the built binary the way
//! Alertmanager's own acceptance tests drive theirs (spec §12.1):
//!
//! - [`Am`] starts `klaxon alertmanager` with the harness arguments (config in a temp dir,
//!   `--web.listen-address 127.0.0.1:0`, cluster on `127.0.0.1:0`, `--cluster.settle-timeout 0s`,
//!   `--log.level debug`), finds the HTTP address in the `Listening on ... address=` stderr line,
//!   and polls `<prefix>/api/v2/status` until it answers.
//! - [`Clock`]: t=0 is taken after the server is up; [`Clock::at`] sleeps until t=x seconds.
//! - [`Webhook`]: a mock webhook receiver recording each batch with its arrival time; a
//!   [`Hook`] can drop a delivery (answer 200 without recording), sleep first, or answer
//!   another status.
//! - [`Expect`]: the checker — for each `Between(a, b)` some batch that arrived in [a, b] must
//!   equal the expected alerts (order-insensitive, times within the tolerance); the total number
//!   of alerts received must equal the total expected; empty batches fail.
//!
//! Scenarios are plain async code: `clock.at(1.0).await; am.push(&clock, &[...]).await;`.

#![allow(dead_code)] // Each test file uses a different subset.
// Test support: a failed setup step is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Upstream's usual tolerance for times and arrival windows.
pub const TOLERANCE: Duration = Duration::from_millis(150);

// ---------------------------------------------------------------------------------------------
// Time base

/// t=0 of a scenario, on both clocks: `Instant` to schedule, wall time to build timestamps.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub t0: Instant,
    pub wall0: SystemTime,
}

impl Clock {
    pub fn now() -> Self {
        Clock { t0: Instant::now(), wall0: SystemTime::now() }
    }

    /// Sleeps until t = `secs`.
    pub async fn at(&self, secs: f64) {
        tokio::time::sleep_until((self.t0 + Duration::from_secs_f64(secs)).into()).await;
    }

    /// Seconds since t=0.
    pub fn elapsed(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }

    /// The RFC 3339 timestamp of t = `secs`; non-positive = Go's zero time (server assigns).
    pub fn ts(&self, secs: f64) -> String {
        if secs <= 0.0 {
            return "0001-01-01T00:00:00.000Z".to_string();
        }
        rfc3339(self.wall0 + Duration::from_secs_f64(secs))
    }

    /// A wall time relative to t=0, in seconds.
    pub fn rel(&self, t: jiff::Timestamp) -> f64 {
        let w0 = jiff::Timestamp::try_from(self.wall0).unwrap();
        (t.as_nanosecond() - w0.as_nanosecond()) as f64 / 1e9
    }

    pub fn rel_instant(&self, i: Instant) -> f64 {
        if i >= self.t0 { (i - self.t0).as_secs_f64() } else { -(self.t0 - i).as_secs_f64() }
    }
}

pub fn rfc3339(t: SystemTime) -> String {
    let ts = jiff::Timestamp::try_from(t).unwrap();
    format!("{ts:.3}")
}

/// Parses an API/webhook timestamp; Go's zero time (year 1) is `None`.
pub fn parse_ts(s: &str) -> Option<jiff::Timestamp> {
    let t: jiff::Timestamp = s.parse().unwrap_or_else(|e| panic!("bad timestamp {s:?}: {e}"));
    if t.as_second() < -62_000_000_000 { None } else { Some(t) }
}

// ---------------------------------------------------------------------------------------------
// Alerts as tests declare them

/// An alert with times relative to t=0 (upstream's `TestAlert`). `starts`/`ends` <= 0 = unset.
#[derive(Debug, Clone, PartialEq)]
pub struct TestAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts: f64,
    pub ends: f64,
}

/// `alert(&["alertname", "test", "lbl", "v1"])`: labels as name, value pairs.
pub fn alert(kv: &[&str]) -> TestAlert {
    assert!(kv.len().is_multiple_of(2), "odd label list");
    TestAlert {
        labels: kv.chunks(2).map(|c| (c[0].to_string(), c[1].to_string())).collect(),
        annotations: BTreeMap::new(),
        starts: 0.0,
        ends: 0.0,
    }
}

impl TestAlert {
    pub fn active(mut self, starts: f64) -> Self {
        self.starts = starts;
        self
    }

    pub fn active_until(mut self, starts: f64, ends: f64) -> Self {
        self.starts = starts;
        self.ends = ends;
        self
    }

    pub fn annotate(mut self, k: &str, v: &str) -> Self {
        self.annotations.insert(k.into(), v.into());
        self
    }

    /// The postable JSON (zero times for unset ones, as upstream's harness sends).
    pub fn postable(&self, clock: &Clock) -> Value {
        json!({
            "labels": self.labels,
            "annotations": self.annotations,
            "startsAt": clock.ts(self.starts),
            "endsAt": clock.ts(self.ends),
        })
    }
}

/// An alert as a receiver got it, times relative to t=0 (`None` = Go zero time).
#[derive(Debug, Clone)]
pub struct GotAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts: Option<f64>,
    pub ends: Option<f64>,
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default()
}

impl GotAlert {
    pub fn from_json(v: &Value, clock: &Clock) -> Self {
        let t = |k: &str| v[k].as_str().and_then(parse_ts).map(|t| clock.rel(t));
        GotAlert {
            labels: string_map(&v["labels"]),
            annotations: string_map(&v["annotations"]),
            starts: t("startsAt"),
            ends: t("endsAt"),
        }
    }

    fn matches(&self, want: &TestAlert, tol: f64) -> bool {
        let near = |got: Option<f64>, want: f64| match got {
            None => want <= 0.0,
            Some(g) => want > 0.0 && (g - want).abs() <= tol,
        };
        self.labels == want.labels
            && self.annotations == want.annotations
            && near(self.starts, want.starts)
            && near(self.ends, want.ends)
    }

    fn show(&self) -> String {
        let f = |t: Option<f64>| t.map(|t| format!("{t:.3}")).unwrap_or_default();
        format!("{:?}{}[{}:{}]", self.labels, ann(&self.annotations), f(self.starts), f(self.ends))
    }
}

fn ann(a: &BTreeMap<String, String>) -> String {
    if a.is_empty() { String::new() } else { format!(" ann={a:?}") }
}

impl TestAlert {
    fn show(&self) -> String {
        let f = |t: f64| if t > 0.0 { format!("{t}") } else { String::new() };
        format!("{:?}{}[{}:{}]", self.labels, ann(&self.annotations), f(self.starts), f(self.ends))
    }
}

// ---------------------------------------------------------------------------------------------
// The mock webhook receiver

/// What the mock does with one delivery, decided from t (relative seconds) and the 0-based
/// index of the request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HookAction {
    /// Parse and record the batch, answer 200.
    Record,
    /// Answer 200 without recording (a "lost" delivery).
    Drop,
    /// Sleep, then answer 200 without recording (a slow receiver whose answer is too late).
    SleepThenDrop(Duration),
    /// Answer this status without recording.
    Status(u16),
}

pub type Hook = Arc<dyn Fn(f64, usize) -> HookAction + Send + Sync>;

/// One recorded delivery.
#[derive(Debug, Clone)]
pub struct Batch {
    pub arrived: Instant,
    pub payload: Value,
}

#[derive(Clone)]
pub struct Webhook {
    pub url: String,
    batches: Arc<Mutex<Vec<Batch>>>,
    requests: Arc<AtomicUsize>,
    hook: Arc<Mutex<Option<Hook>>>,
    clock: Arc<Mutex<Option<Clock>>>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").field("url", &self.url).finish()
    }
}

impl Webhook {
    /// Starts a receiver on 127.0.0.1:0 (it lives as long as the test's runtime).
    pub async fn start() -> Webhook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let wh = Webhook {
            url,
            batches: Arc::default(),
            requests: Arc::default(),
            hook: Arc::default(),
            clock: Arc::default(),
        };
        let state = wh.clone();
        let app =
            axum::Router::new().fallback(axum::routing::any(move |body: axum::body::Bytes| {
                let wh = state.clone();
                async move { wh.handle(body).await }
            }));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        wh
    }

    /// Sets the time base used by the hook and the checker.
    pub fn set_clock(&self, clock: Clock) {
        *self.clock.lock() = Some(clock);
    }

    pub fn set_hook(&self, hook: impl Fn(f64, usize) -> HookAction + Send + Sync + 'static) {
        *self.hook.lock() = Some(Arc::new(hook));
    }

    async fn handle(&self, body: axum::body::Bytes) -> (axum::http::StatusCode, String) {
        let arrived = Instant::now();
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        let t = self.clock.lock().map(|c| c.rel_instant(arrived)).unwrap_or(f64::NEG_INFINITY);
        let hook = self.hook.lock().clone();
        let action = hook.map(|h| h(t, n)).unwrap_or(HookAction::Record);
        match action {
            HookAction::Record => {}
            HookAction::Drop => return (axum::http::StatusCode::OK, String::new()),
            HookAction::SleepThenDrop(d) => {
                tokio::time::sleep(d).await;
                return (axum::http::StatusCode::OK, String::new());
            }
            HookAction::Status(s) => {
                let code = axum::http::StatusCode::from_u16(s).unwrap();
                return (code, format!("mock answers {s}"));
            }
        }
        let payload: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return (axum::http::StatusCode::BAD_REQUEST, format!("bad JSON: {e}"));
            }
        };
        self.batches.lock().push(Batch { arrived, payload });
        (axum::http::StatusCode::OK, String::new())
    }

    pub fn batches(&self) -> Vec<Batch> {
        self.batches.lock().clone()
    }

    /// Every request seen, recorded or not.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------------
// The checker

/// Expected batches for one receiver (upstream's `Collector.Want` / `Check`).
#[derive(Debug, Default)]
pub struct Expect {
    wants: Vec<((f64, f64), Vec<TestAlert>)>,
    pub tolerance: Option<Duration>,
}

impl Expect {
    pub fn new() -> Self {
        Self::default()
    }

    /// `Between(a, b)`: a batch equal to `alerts` arrives in [a, b]. An empty list means
    /// "nothing arrives in [a, b]" (only meaningful together with the total count).
    pub fn want(&mut self, between: (f64, f64), alerts: Vec<TestAlert>) -> &mut Self {
        self.wants.push((between, alerts));
        self
    }

    /// The latest expected interval end: the scenario runs until then.
    pub fn latest(&self) -> f64 {
        self.wants.iter().map(|((_, b), _)| *b).fold(0.0, f64::max)
    }

    /// Checks the webhook's batches; `Err` holds a report of what was wanted and received.
    pub fn check(&self, name: &str, wh: &Webhook, clock: &Clock) -> Result<(), String> {
        let tol = self.tolerance.unwrap_or(TOLERANCE).as_secs_f64();
        let got: Vec<(f64, Vec<GotAlert>)> = wh
            .batches()
            .iter()
            .map(|b| {
                let alerts = b.payload["alerts"]
                    .as_array()
                    .map(|a| a.iter().map(|x| GotAlert::from_json(x, clock)).collect())
                    .unwrap_or_default();
                (clock.rel_instant(b.arrived), alerts)
            })
            .collect();
        let mut report = format!("\ncollector {name:?}:\n");
        let mut ok = true;
        for ((a, b), exp) in &self.wants {
            report.push_str(&format!("interval [{a},{b}]\n"));
            for e in exp {
                report.push_str(&format!("- {}\n", e.show()));
            }
            let in_window: Vec<&Vec<GotAlert>> =
                got.iter().filter(|(t, _)| *t >= *a && *t <= *b).map(|(_, x)| x).collect();
            let found = if exp.is_empty() {
                in_window.is_empty()
            } else {
                in_window.iter().any(|batch| batch_equal(exp, batch, tol))
            };
            report.push_str(if found { "  [ ok ]\n" } else { "  [ MISSING ]\n" });
            ok &= found;
        }
        let total_exp: usize = self.wants.iter().map(|(_, e)| e.len()).sum();
        let total_got: usize = got.iter().map(|(_, a)| a.len()).sum();
        if got.iter().any(|(_, a)| a.is_empty()) {
            ok = false;
            report.push_str("received an empty notification\n");
        }
        if total_exp != total_got {
            ok = false;
            report.push_str(&format!("expected a total of {total_exp} alerts, got {total_got}\n"));
        }
        if ok {
            return Ok(());
        }
        report.push_str("received:\n");
        for (t, alerts) in &got {
            report.push_str(&format!("@ {t:.3}\n"));
            for a in alerts {
                report.push_str(&format!("- {}\n", a.show()));
            }
        }
        Err(report)
    }
}

fn batch_equal(exp: &[TestAlert], got: &[GotAlert], tol: f64) -> bool {
    exp.len() == got.len() && exp.iter().all(|e| got.iter().any(|g| g.matches(e, tol)))
}

/// Sleeps until the latest expectation's end, then checks every (name, webhook, expect) and
/// panics with all reports if any failed; the server's stderr tail is appended.
pub async fn run_and_check(clock: &Clock, am: &Am, checks: &[(&str, &Webhook, &Expect)]) {
    let latest = checks.iter().map(|(_, _, e)| e.latest()).fold(0.0, f64::max);
    clock.at(latest).await;
    check_now(clock, am, checks);
}

pub fn check_now(clock: &Clock, am: &Am, checks: &[(&str, &Webhook, &Expect)]) {
    let mut failures = String::new();
    for (name, wh, exp) in checks {
        if let Err(r) = exp.check(name, wh, clock) {
            failures.push_str(&r);
        }
    }
    if !failures.is_empty() {
        panic!("{failures}\n--- klaxon stderr (tail) ---\n{}", am.stderr_tail(60));
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// How to start the server.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    pub features: Vec<String>,
    pub route_prefix: Option<String>,
    pub extra_args: Vec<String>,
}

impl Opts {
    pub fn features(f: &[&str]) -> Self {
        Opts { features: f.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    pub fn args(a: &[&str]) -> Self {
        Opts { extra_args: a.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }
}

/// A running `klaxon alertmanager`.
#[derive(Debug)]
pub struct Am {
    child: Option<Child>,
    pub addr: String,
    pub prefix: String,
    pub dir: Arc<tempfile::TempDir>,
    opts: Opts,
    stderr: Arc<Mutex<String>>,
    pub client: reqwest::Client,
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_klaxon")
}

impl Am {
    /// Writes `config` and starts the server; panics if it is not up within 20 s.
    pub async fn start(config: &str, opts: Opts) -> Am {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut am = Am {
            child: None,
            addr: String::new(),
            prefix: opts.route_prefix.clone().unwrap_or_default(),
            dir,
            opts,
            stderr: Arc::default(),
            client: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap(),
        };
        am.spawn().await;
        am
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.yml")
    }

    pub fn storage_path(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The harness arguments of §12.1.
    pub fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "alertmanager".into(),
            "--config.file".into(),
            self.config_path().display().to_string(),
            "--log.level".into(),
            "debug".into(),
            "--web.listen-address".into(),
            "127.0.0.1:0".into(),
            "--storage.path".into(),
            self.storage_path().display().to_string(),
            "--cluster.listen-address".into(),
            "127.0.0.1:0".into(),
            "--cluster.settle-timeout".into(),
            "0s".into(),
        ];
        if !self.opts.features.is_empty() {
            args.push(format!("--enable-feature={}", self.opts.features.join(",")));
        }
        if let Some(p) = &self.opts.route_prefix {
            args.push(format!("--web.route-prefix={p}"));
        }
        args.extend(self.opts.extra_args.iter().cloned());
        args
    }

    async fn spawn(&mut self) {
        // One start at a time across every test process: dozens of servers starting in the
        // same instant on two cores take a second each, and the scenarios' clocks (and
        // `--dispatch.start-delay`) count from the start. Released when this one answers.
        let gate = tokio::task::spawn_blocking(|| {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(std::env::temp_dir().join("klaxon-am-harness.lock"))
                .unwrap();
            f.lock().unwrap();
            f
        })
        .await
        .unwrap();
        self.spawn_locked().await;
        drop(gate);
    }

    async fn spawn_locked(&mut self) {
        let mut child = Command::new(binary())
            .args(self.args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start klaxon");
        let stderr = child.stderr.take().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let buf = self.stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut sent = false;
            while let Ok(Some(line)) = lines.next_line().await {
                if !sent
                    && line.contains("Listening on")
                    && let Some(addr) = line
                        .split_whitespace()
                        .find_map(|w| w.strip_prefix("address="))
                        .map(|a| a.trim_matches('"').to_string())
                {
                    let _ = tx.send(addr);
                    sent = true;
                }
                let mut b = buf.lock();
                b.push_str(&line);
                b.push('\n');
            }
        });
        self.child = Some(child);
        let addr = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await;
        let Ok(Some(addr)) = addr else {
            let status = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            panic!(
                "klaxon did not log `Listening on ... address=` within 20s (exit: {status:?}); stderr:\n{}",
                self.stderr_tail(80)
            );
        };
        self.addr = addr;
        // Up when the status endpoint answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // As upstream's harness: up when the status answers and, with clustering on,
            // names this node's cluster address.
            if let Ok(r) = self.client.get(self.url("/api/v2/status")).send().await
                && r.status().is_success()
                && let Ok(status) = r.json::<Value>().await
                && (status["cluster"]["status"] == "disabled"
                    || status["cluster"]["peers"][0]["address"]
                        .as_str()
                        .is_some_and(|a| !a.is_empty()))
            {
                break;
            }
            if Instant::now() > deadline {
                panic!("/api/v2/status never answered 200; stderr:\n{}", self.stderr_tail(80));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `http://addr<prefix><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}{}", self.addr, self.prefix.trim_end_matches('/'), path)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().and_then(|c| c.id()).expect("running")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().clone()
    }

    pub fn stderr_tail(&self, n: usize) -> String {
        let s = self.stderr.lock();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// POSTs alerts; returns status and body.
    pub async fn post_alerts_json(&self, body: &Value) -> (u16, String) {
        let r = self.client.post(self.url("/api/v2/alerts")).json(body).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// POSTs test alerts (asserting 200), as upstream's `Push`.
    pub async fn push(&self, clock: &Clock, alerts: &[TestAlert]) {
        let body = Value::Array(alerts.iter().map(|a| a.postable(clock)).collect());
        let (status, text) = self.post_alerts_json(&body).await;
        assert_eq!(status, 200, "posting {body}: {text}");
    }

    pub async fn get(&self, path_and_query: &str) -> (u16, String) {
        let r = self.client.get(self.url(path_and_query)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// GETs and parses JSON, asserting 200.
    pub async fn get_json(&self, path_and_query: &str) -> Value {
        let (status, text) = self.get(path_and_query).await;
        assert_eq!(status, 200, "GET {path_and_query}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path_and_query}: {e}: {text}"))
    }

    /// POSTs a silence; returns status and body.
    pub async fn post_silence(&self, body: &Value) -> (u16, String) {
        let r = self.client.post(self.url("/api/v2/silences")).json(body).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Creates (or updates) a silence, asserting 200; returns its id.
    pub async fn set_silence(&self, body: &Value) -> String {
        let (status, text) = self.post_silence(body).await;
        assert_eq!(status, 200, "posting silence {body}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        v["silenceID"].as_str().unwrap().to_string()
    }

    pub async fn delete_silence(&self, id: &str) -> u16 {
        let r =
            self.client.delete(self.url(&format!("/api/v2/silence/{id}"))).send().await.unwrap();
        r.status().as_u16()
    }

    /// Sends a signal by name (`HUP`, `TERM`, `INT`, `KILL`).
    pub fn signal(&self, sig: &str) {
        let st = std::process::Command::new("kill")
            .args(["-s", sig, &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "kill -s {sig}");
    }

    /// Waits for the process to exit; `None` on timeout.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        tokio::time::timeout(timeout, child.wait()).await.ok().and_then(Result::ok)
    }

    /// kill -9, wait for it to be gone.
    pub async fn kill9(&mut self) {
        self.signal("KILL");
        self.wait_exit(Duration::from_secs(10)).await.expect("killed");
        self.child = None;
    }

    /// Starts the server again with the same directory and flags (a new port).
    pub async fn restart(&mut self) {
        if let Some(c) = self.child.as_mut()
            && c.try_wait().ok().flatten().is_none()
        {
            panic!("restart while still running");
        }
        self.child = None;
        self.stderr.lock().push_str("----- restart -----\n");
        self.spawn().await;
    }

    /// Replaces the config file (for reload tests).
    pub fn write_config(&self, config: &str) {
        std::fs::write(self.config_path(), config).unwrap();
    }
}

/// A webhook route config (`group_by`, intervals) pointing at `url`, upstream-style.
pub fn webhook_config(url: &str, route: &str) -> String {
    format!(
        "route:\n  receiver: default\n{route}\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '{url}'\n"
    )
}

/// A postable silence JSON with times relative to t=0.
pub fn silence(clock: &Clock, starts: f64, ends: f64, matchers: &[(&str, &str, bool)]) -> Value {
    let m: Vec<Value> = matchers
        .iter()
        .map(|(n, v, re)| json!({"name": n, "value": v, "isRegex": re, "isEqual": true}))
        .collect();
    json!({
        "matchers": m,
        "startsAt": clock.ts(starts),
        "endsAt": clock.ts(ends),
        "createdBy": "harness",
        "comment": "test",
    })
}

/// Ensures a path exists (used by restart tests to look into `--storage.path`).
pub fn exists(p: &Path) -> bool {
    p.exists()
}
