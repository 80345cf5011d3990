//! `klaxon run` as a process, queried with `klaxon query` as `promtool query` would be: history
//! imported with `klaxon tsdb import openmetrics`, the server on a random port, answers printed
//! in promtool's format, the config text served back, a clean exit on SIGTERM.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HISTORY: &str = "# TYPE up gauge
up{job=\"api\",instance=\"a:1\"} 1 1700000000
up{job=\"api\",instance=\"a:1\"} 0 1700000060
up{job=\"db\",instance=\"c:1\"} 1 1700000000
up{job=\"db\",instance=\"c:1\"} 1 1700000060
# EOF
";

const CONFIG: &str = "global:\n  scrape_interval: 15s\n";

fn klaxon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_klaxon")).args(args).output().unwrap()
}

struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `klaxon run` on a free port and waits for upstream's "ready" log line.
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let data = dir.join("data");
        let config = dir.join("prometheus.yml");
        let mut args = vec![
            "run".to_string(),
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", data.display()),
            "--web.listen-address=127.0.0.1:0".to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_klaxon"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("Start listening for connections") {
                    let addr = line.split("address=").nth(1).unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("server did not start:\n{}", log.lock().unwrap());
        });
        let server = Server { child, url: format!("http://{addr}"), log };
        server.wait_for_log("Server is ready to receive web requests.");
        server
    }

    fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.log.lock().unwrap().contains(needle) {
            assert!(Instant::now() < deadline, "no {needle:?} in:\n{}", self.log.lock().unwrap());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn query(&self, args: &[&str]) -> Output {
        let mut full = vec!["query", args[0], self.url.as_str()];
        full.extend(&args[1..]);
        klaxon(&full)
    }

    /// A raw HTTP GET (no client library needed for one request).
    fn get(&self, path: &str) -> String {
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return (status.code(), self.log.lock().unwrap().clone());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("history.om"), HISTORY).unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), CONFIG).unwrap();
    let om = dir.path().join("history.om");
    let data = dir.path().join("data");
    let out =
        klaxon(&["tsdb", "import", "openmetrics", om.to_str().unwrap(), data.to_str().unwrap()]);
    assert!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn run_serves_what_query_prints_like_promtool() {
    let dir = setup();
    let server = Server::start(dir.path(), &[]);

    // The engine returns selector results in label order.
    let out = stdout(&server.query(&["instant", "up", "--time", "1700000060"]));
    assert_eq!(
        out,
        "up{instance=\"a:1\", job=\"api\"} => 0 @[1700000060]\nup{instance=\"c:1\", job=\"db\"} => 1 @[1700000060]\n"
    );

    // At :30 both series still show their :00 samples (within the 5m lookback).
    let out = stdout(&server.query(&[
        "range",
        "sum(up)",
        "--start",
        "1700000000",
        "--end",
        "2023-11-14T22:14:20Z",
        "--step",
        "30s",
    ]));
    assert_eq!(out, "{} =>\n2 @[1700000000]\n2 @[1700000030]\n1 @[1700000060]\n");

    let out = stdout(&server.query(&[
        "series",
        "--match",
        "up{job=\"db\"}",
        "--start",
        "1700000000",
        "--end",
        "1700000060",
    ]));
    assert_eq!(out, "{__name__=\"up\", instance=\"c:1\", job=\"db\"}\n");

    let out = stdout(&server.query(&["labels", "job", "--start", "1700000000"]));
    assert_eq!(out, "api\ndb\n");
    let out = stdout(&server.query(&[
        "labels",
        "instance",
        "--match",
        "up{job=\"db\"}",
        "--start",
        "1700000000",
    ]));
    assert_eq!(out, "c:1\n");

    let out =
        stdout(&server.query(&["instant", "-o", "json", "up{job=\"db\"}", "--time", "1700000060"]));
    assert_eq!(
        out,
        "[{\"metric\":{\"__name__\":\"up\",\"instance\":\"c:1\",\"job\":\"db\"},\"value\":[1700000060,\"1\"]}]\n"
    );

    let out = stdout(&server.query(&["instant", "scalar(sum(up))", "--time", "1700000030.5"]));
    assert_eq!(out, "scalar: 2 @[1700000030.5]\n");

    // promtool's default window is 9999h either side of now: this 2023 history is outside.
    let out = stdout(&server.query(&["labels", "job"]));
    assert_eq!(out, "");

    // Errors: promtool's wording and exit code 1.
    let out = server.query(&["instant", "up +"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("query error: bad_data: invalid parameter \"query\": "), "{err}");

    // The configuration file's text comes back from the status API.
    let resp = server.get("/api/v1/status/config");
    assert!(resp.starts_with("HTTP/1.0 200") || resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(
        resp.ends_with(
            r#"{"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}}"#
        ),
        "{resp}"
    );
    let resp = server.get("/api/v1/status/flags");
    assert!(resp.contains(r#""query.max-concurrency":"20""#), "{resp}");
    let resp = server.get("/api/v1/status/tsdb");
    assert!(resp.contains(r#""status":"success""#), "{resp}");

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("msg=\"Received an OS signal, exiting gracefully...\" signal=terminated"),
        "{log}"
    );
    assert!(log.contains("See you next time!"), "{log}");
}

#[test]
fn experimental_functions_need_the_feature_flag() {
    let dir = setup();
    let plain = Server::start(dir.path(), &[]);
    let out = plain.query(&["instant", "sort_by_label(up, \"job\")", "--time", "1700000060"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    plain.terminate();

    let with = Server::start(dir.path(), &["--enable-feature=promql-experimental-functions"]);
    with.wait_for_log("Experimental PromQL functions enabled.");
    let out =
        stdout(&with.query(&["instant", "sort_by_label(up, \"job\")", "--time", "1700000060"]));
    assert_eq!(out.lines().count(), 2, "{out}");
    with.terminate();
}

#[test]
fn bad_flags_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = klaxon(&[
        "run",
        &format!("--storage.tsdb.path={}", dir.path().join("d").display()),
        "--web.listen-address=127.0.0.1:0",
        "--query.timeout=0s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--query.timeout must be positive"));
    let out = klaxon(&["run", "--query.lookback-delta=5x"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects a malformed duration");
}
