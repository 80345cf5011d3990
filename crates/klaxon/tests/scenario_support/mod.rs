//! Shared pieces of the tutorial end-to-end tests (`scenario_*.rs`, `quickstart.rs`): the
//! real `klaxon run` as a child process, mock Slack and PagerDuty endpoints that record every
//! payload with its arrival time, and the example files copied with shortened intervals.

#![allow(dead_code)] // Each test file uses a different subset.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use parking_lot::Mutex;
use serde_json::Value;

/// How long any one expected event may take before a test gives up.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The repository root (the examples live under it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A port nothing listens on now (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Copies `examples/<name>/` (recursively) into `dest`.
pub fn copy_example(name: &str, dest: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    copy(&repo_root().join("examples").join(name), dest);
}

/// Replaces every `from` with `to` in `file`, failing when `from` is not there: the test
/// must notice when the example it shortens has changed.
pub fn edit(file: &Path, replacements: &[(&str, &str)]) {
    let mut text = std::fs::read_to_string(file).unwrap();
    for (from, to) in replacements {
        assert!(text.contains(from), "{}: no {from:?} to replace in:\n{text}", file.display());
        text = text.replace(from, to);
    }
    std::fs::write(file, text).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Mock receivers

/// One received payload.
#[derive(Debug, Clone)]
pub struct Post {
    /// Seconds since the recorder's t=0.
    pub at: f64,
    pub path: String,
    pub body: Value,
}

/// A mock endpoint: records each POST body (JSON) and answers as the real service does.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub addr: String,
    posts: Posts,
    t0: Instant,
}

type Posts = Arc<Mutex<Vec<Post>>>;

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Slack's incoming webhook: `200 ok`.
    Slack,
    /// PagerDuty's Events API v2: `202` and a JSON status.
    PagerDuty,
}

impl Recorder {
    pub async fn start(kind: Kind, t0: Instant) -> Recorder {
        let posts: Posts = Arc::default();
        let state = (posts.clone(), t0, kind);
        let app = Router::new().route("/{*path}", post(record)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Recorder { addr, posts, t0 }
    }

    pub fn posts(&self) -> Vec<Post> {
        self.posts.lock().clone()
    }

    /// Waits until a payload satisfies `pred`; returns it. `k` is shown when it never comes.
    pub async fn wait_for(&self, what: &str, k: &Klaxon, pred: impl Fn(&Post) -> bool) -> Post {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(p) = self.posts.lock().iter().find(|p| pred(p)) {
                return p.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no {what} within {PATIENCE:?}; received: {:#?}\nklaxon log:\n{}",
                self.posts(),
                k.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Seconds since t=0.
    pub fn now(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }
}

async fn record(
    State((posts, t0, kind)): State<(Posts, Instant, Kind)>,
    axum::extract::Path(path): axum::extract::Path<String>,
    body: String,
) -> (StatusCode, String) {
    let at = t0.elapsed().as_secs_f64();
    let body: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("not JSON: {e}: {body}")),
    };
    posts.lock().push(Post { at, path, body });
    match kind {
        Kind::Slack => (StatusCode::OK, "ok".into()),
        Kind::PagerDuty => {
            (StatusCode::ACCEPTED, r#"{"status":"success","message":"Event processed"}"#.into())
        }
    }
}

/// The Slack message's channel, attachment title and text.
pub fn slack_fields(p: &Post) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let a = &p.body["attachments"][0];
    (s(&p.body["channel"]), s(&a["title"]), s(&a["text"]))
}

// ---------------------------------------------------------------------------------------------
// klaxon run

/// `klaxon run` as a child process, its stderr collected.
#[derive(Debug)]
pub struct Klaxon {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Klaxon {
    /// `klaxon run --config.file <config> --alertmanager.config.file <am>` with its data in
    /// `data`, on local ports, rules resent every second; waits until it serves.
    pub fn start(config: &Path, am: &Path, data: &Path, extra: &[&str]) -> Klaxon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_klaxon"))
            .arg("run")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--alertmanager.config.file={}", am.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .args(
                [
                    "--web.listen-address=127.0.0.1:0",
                    "--alertmanager.web.listen-address=127.0.0.1:0",
                    "--rules.alert.resend-delay=1s",
                ]
                .into_iter()
                // A flag given in `extra` replaces the default (clap refuses a flag twice).
                .filter(|d| !extra.iter().any(|e| e.split('=').next() == d.split('=').next())),
            )
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        collect(child.stderr.take().unwrap(), log.clone());
        let mut k = Klaxon { child, log };
        let deadline = Instant::now() + PATIENCE;
        while !k.log().contains("Server is ready to receive web requests.") {
            if let Some(status) = k.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("klaxon run exited ({status}) before serving:\n{}", k.log());
            }
            assert!(Instant::now() < deadline, "klaxon run did not start:\n{}", k.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        k
    }

    pub fn log(&self) -> String {
        self.log.lock().clone()
    }

    pub fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.log().contains(needle) {
            assert!(Instant::now() < deadline, "no {needle:?} in the log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit code and the whole log.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                return (status.code(), self.log());
            }
            assert!(
                Instant::now() < deadline,
                "klaxon did not exit after SIGTERM:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Klaxon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends every line read from `from` to `into`, on a thread.
pub fn collect(from: impl std::io::Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            let mut l = into.lock();
            l.push_str(&line);
            l.push('\n');
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Checking a notification story

/// The arrival times of consecutive posts must be at least `min` and at most `max` seconds
/// apart (a repeat at `repeat_interval`, sent at the group's next flush).
pub fn assert_gaps(what: &str, times: &[f64], min: f64, max: f64) {
    for w in times.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (min..=max).contains(&gap),
            "{what}: {gap:.1}s between posts at {:.1}s and {:.1}s, expected {min}..{max}s (all: {times:?})",
            w[0],
            w[1]
        );
    }
}
