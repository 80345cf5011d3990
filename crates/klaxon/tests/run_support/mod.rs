//! Shared pieces of the `run_*.rs` black-box tests: the real `klaxon run` as a child process
//! (its log collected, the addresses it bound read from it), a mock Slack recording every
//! webhook body, and HTTP helpers. Each test file keeps only what is its own (exporter,
//! configs, flags).

#![allow(dead_code)] // Each test file uses a different subset.
#![allow(clippy::unwrap_used)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

/// How long any one expected event may take before a test gives up.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// The log line `klaxon run` writes once it serves.
const READY: &str = "Server is ready to receive web requests.";

/// `klaxon run` as a child process; its stderr collected.
pub struct Klaxon {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Klaxon {
    /// `klaxon run <args>`; waits until it serves.
    pub fn run<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Klaxon {
        let mut command = Command::new(env!("CARGO_BIN_EXE_klaxon"));
        command.arg("run").args(args).stdin(Stdio::null()).stdout(Stdio::null());
        let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
        let log = collect(child.stderr.take().unwrap());
        let k = Klaxon { child, log };
        k.wait_for_log(READY);
        k
    }

    /// `klaxon run` on `<dir>/<config>` with its store in `<dir>/<data>`, serving on a free
    /// local port, with `extra` flags; waits until it serves.
    pub fn start(dir: &Path, config: &str, data: &str, extra: &[String]) -> Klaxon {
        let mut args = vec![
            format!("--config.file={}", dir.join(config).display()),
            format!("--storage.tsdb.path={}", dir.join(data).display()),
            "--web.listen-address=127.0.0.1:0".to_string(),
        ];
        args.extend_from_slice(extra);
        Klaxon::run(args)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.log().contains(needle) {
            assert!(Instant::now() < deadline, "no {needle:?} in the log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The address logged on the line with `marker` (`... address=127.0.0.1:PORT ...`).
    pub fn address(&self, marker: &str) -> String {
        let log = self.log();
        let line = log.lines().find(|l| l.contains(marker)).unwrap_or_else(|| {
            panic!("no {marker:?} in the log:\n{log}");
        });
        let addr = line.split("address=").nth(1).unwrap();
        addr.split_whitespace().next().unwrap().to_string()
    }

    /// The base URL of the Prometheus-side web server.
    pub fn url(&self) -> String {
        format!("http://{}", self.address("Start listening for connections"))
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args([sig, &pid]).status().unwrap().success());
    }

    /// SIGTERM, then the exit code and the whole log.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(200));
                return (status.code(), self.log());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("klaxon did not exit after SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL (a crash), then reaps the process.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Klaxon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every line read from `from`, appended as it comes by a thread.
fn collect(from: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let log = Arc::new(Mutex::new(String::new()));
    let into = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let mut l = into.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    log
}

/// Serves `router` on a free local port; returns its address.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr.to_string()
}

/// The mock Slack's record: every webhook body, in arrival order.
pub type Posts = Arc<Mutex<Vec<String>>>;

/// An Alertmanager config sending everything to the mock Slack at `slack` within a second
/// (resolved notices too), grouped by `group_by`, to `channel`, with `text` as the message
/// template.
pub fn slack_alertmanager(slack: &str, group_by: &str, channel: &str, text: &str) -> String {
    format!(
        r#"global:
  slack_api_url: 'http://{slack}/slack'
route:
  receiver: slack
  group_by: [{group_by}]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: slack
    slack_configs:
      - channel: '{channel}'
        send_resolved: true
        title: '[{{{{ .Status | toUpper }}}}] {{{{ .CommonLabels.alertname }}}}'
        text: '{text}'
"#
    )
}

/// Starts an exporter: `/metrics` answers `render(state)`, and `step(state)` runs every
/// 200 ms for the rest of the test (its traffic, steered by the test through `state`).
/// Returns its address.
pub async fn exporter<S: Send + Sync + 'static>(
    state: Arc<S>,
    render: fn(&S) -> String,
    step: fn(&S),
) -> String {
    let ticking = state.clone();
    every_200ms(move || step(&ticking));
    let metrics = move || {
        let state = state.clone();
        async move { render(&state) }
    };
    serve(Router::new().route("/metrics", get(metrics))).await
}

/// Starts a mock Slack taking webhooks on `/slack`; returns its record and address.
pub async fn mock_slack() -> (Posts, String) {
    let posts: Posts = Arc::default();
    let addr = serve(Router::new().route("/slack", post(slack)).with_state(posts.clone())).await;
    (posts, addr)
}

/// Calls `step` every 200 ms for the rest of the test.
fn every_200ms(step: impl Fn() + Send + 'static) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            step();
        }
    });
}

/// The mock Slack's handler: records the body, answers as Slack does.
async fn slack(State(posts): State<Posts>, body: String) -> &'static str {
    posts.lock().unwrap().push(body);
    "ok"
}

/// Waits until a Slack post satisfies `pred`; returns it.
pub async fn wait_for_post(
    posts: &Posts,
    k: &Klaxon,
    what: &str,
    pred: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(p) = posts.lock().unwrap().iter().find(|p| pred(p)) {
            return p.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no Slack post {what}; posts: {:#?}\nklaxon log:\n{}",
            posts.lock().unwrap(),
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// GETs `url`, which must answer 2xx; returns the body.
pub async fn get_text(url: &str) -> String {
    let r = reqwest::get(url).await.unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.text().await.unwrap()
}
