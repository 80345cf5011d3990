//! `klaxon run` as a process, queried with `klaxon query` as `promtool query` would be: history
//! imported with `klaxon tsdb import openmetrics`, the server on a random port, answers printed
//! in promtool's format, the config text served back, a clean exit on SIGTERM.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

mod run_support;

use run_support::Klaxon;

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

/// `klaxon run`, and the base URL it serves on.
struct Server {
    k: Klaxon,
    url: String,
}

impl Server {
    /// Starts `klaxon run` on a free port and waits for upstream's "ready" log line.
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let k = Klaxon::start(dir, "prometheus.yml", "data", &extra);
        Server { url: k.url(), k }
    }

    fn wait_for_log(&self, needle: &str) {
        self.k.wait_for_log(needle);
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

    /// SIGTERM, then the exit status and the whole log.
    fn terminate(self) -> (Option<i32>, String) {
        self.k.terminate()
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
