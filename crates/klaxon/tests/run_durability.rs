//! Nothing acknowledged is lost: `klaxon run` takes samples over remote write
//! (`--web.enable-remote-write-receiver`) as fast as one client can send them, is killed with
//! SIGKILL in the middle, and restarts on the same directory. Every batch the server answered
//! 204 for must be there, whole, and the store must open cleanly. A WAL whose tail is
//! corrupted (as a crash mid-write on another filesystem could leave it) is repaired at start,
//! the repair is logged, and everything before the damage is kept.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use remote::proto::{Label, Sample, TimeSeries, WriteRequest};

mod run_support;

use run_support::Klaxon;

/// Series per batch; each batch is one sample for each at one timestamp.
const SERIES: usize = 50;

/// `klaxon run` taking remote writes, and the base URL it serves on.
struct Server {
    k: Klaxon,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        std::fs::write(dir.join("prometheus.yml"), "global:\n  scrape_interval: 15s\n").unwrap();
        let flags = ["--web.enable-remote-write-receiver".to_string()];
        let k = Klaxon::start(dir, "prometheus.yml", "data", &flags);
        Server { url: k.url(), k }
    }

    fn log(&self) -> String {
        self.k.log()
    }

    fn kill9(self) {
        self.k.kill9();
    }

    /// SIGTERM; the exit must be clean. Returns the whole log.
    fn terminate(self) -> String {
        let (code, log) = self.k.terminate();
        assert_eq!(code, Some(0), "unclean exit:\n{log}");
        log
    }

    /// An instant query's vector as (labels JSON, value) pairs.
    fn query(&self, q: &str, t_ms: i64) -> Vec<(serde_json::Value, f64)> {
        let url = format!("{}/api/v1/query", self.url);
        let t = format!("{:.3}", t_ms as f64 / 1000.0);
        let body: serde_json::Value = reqwest::blocking_get(&url, &[("query", q), ("time", &t)]);
        assert_eq!(body["status"], "success", "{q}: {body}");
        body["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["metric"].clone(), r["value"][1].as_str().unwrap().parse().unwrap()))
            .collect()
    }
}

/// Tiny blocking HTTP helpers over a current-thread runtime (reqwest's blocking client is not
/// enabled in the workspace).
mod reqwest {
    pub fn blocking_get(url: &str, params: &[(&str, &str)]) -> serde_json::Value {
        runtime().block_on(async {
            let url = url::Url::parse_with_params(url, params).unwrap();
            let body = ::reqwest::get(url).await.unwrap().text().await.unwrap();
            serde_json::from_str(&body).unwrap()
        })
    }

    pub fn blocking_post(client: &::reqwest::Client, url: &str, body: Vec<u8>) -> Option<u16> {
        runtime().block_on(async {
            let r = client
                .post(url)
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .body(body)
                .send()
                .await
                .ok()?;
            Some(r.status().as_u16())
        })
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }
}

/// Batch `i`: one sample per series at `base + i` seconds, value `i`.
fn batch(base_ms: i64, i: usize) -> Vec<u8> {
    let timeseries = (0..SERIES)
        .map(|s| TimeSeries {
            labels: vec![
                Label { name: "__name__".into(), value: "load_series".into() },
                Label { name: "s".into(), value: format!("{s:03}") },
            ],
            samples: vec![Sample { value: i as f64, timestamp: base_ms + i as i64 * 1000 }],
            ..Default::default()
        })
        .collect();
    remote::codec::encode(&WriteRequest { timeseries, metadata: vec![] })
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Sends batches from a thread until `stop`; returns the count acknowledged with 204 (batches
/// are sent in order, one at a time, so the acknowledged ones are exactly `0..count`).
fn writer(
    url: String,
    base_ms: i64,
    acked: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let client = ::reqwest::Client::new();
        let url = format!("{url}/api/v1/write");
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            match reqwest::blocking_post(&client, &url, batch(base_ms, i)) {
                Some(204) => {
                    i += 1;
                    acked.store(i, Ordering::SeqCst);
                }
                Some(code) => panic!("batch {i} answered {code}"),
                None => return, // the server is gone
            }
        }
    })
}

/// Every acknowledged batch is there, whole.
fn assert_batches_present(server: &Server, base_ms: i64, acked: usize) {
    assert!(acked > 0);
    let end = base_ms + acked as i64 * 1000;
    let window = format!("{}s", acked + 10);
    // Each series has at least one sample per acknowledged batch (maybe one more: a batch in
    // flight at the kill may have been committed without its answer arriving).
    let counts = server.query(&format!("count_over_time(load_series[{window}])"), end + 500);
    assert_eq!(counts.len(), SERIES, "series after restart");
    for (labels, n) in &counts {
        assert!(*n as usize >= acked, "{labels}: {n} samples, {acked} acknowledged");
        assert!(*n as usize <= acked + 1, "{labels}: {n} samples, {acked} acknowledged");
    }
    // The last acknowledged batch, exactly, on every series.
    let last = (acked - 1) as f64;
    let at_last = server.query("load_series", base_ms + (acked as i64 - 1) * 1000);
    assert_eq!(at_last.len(), SERIES);
    assert!(at_last.iter().all(|(_, v)| *v == last), "{at_last:?}");
}

#[test]
fn kill_9_during_ingestion_loses_no_acknowledged_sample() {
    let dir = tempfile::tempdir().unwrap();
    let base = now_ms() - 3_600_000;
    for round in 0..3 {
        let server = Server::start(dir.path());
        let acked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        // Later rounds continue after what earlier rounds wrote, so the store keeps growing.
        let round_base = base + round * 1_000_000;
        let w = writer(server.url.clone(), round_base, acked.clone(), stop.clone());
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.load(Ordering::SeqCst) < 300 {
            assert!(Instant::now() < deadline, "too slow: {}", acked.load(Ordering::SeqCst));
            std::thread::sleep(Duration::from_millis(5));
        }
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
        let n = acked.load(Ordering::SeqCst);

        let server = Server::start(dir.path());
        assert_batches_present(&server, round_base, n);
        let log = server.log();
        assert!(!log.contains("level=error"), "errors at start:\n{log}");
        server.kill9();
    }
}

#[test]
fn a_corrupted_wal_tail_is_repaired_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let base = now_ms() - 3_600_000;
    let server = Server::start(dir.path());
    let client = ::reqwest::Client::new();
    for i in 0..50 {
        let code = reqwest::blocking_post(
            &client,
            &format!("{}/api/v1/write", server.url),
            batch(base, i),
        );
        assert_eq!(code, Some(204));
    }
    server.terminate();

    // Damage the end of the newest segment: a record that claims to continue but holds garbage.
    let wal = dir.path().join("data").join("wal");
    let mut segments: Vec<_> = std::fs::read_dir(&wal)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().bytes().all(|b| b.is_ascii_digit()))
        .collect();
    segments.sort();
    let last = segments.last().unwrap();
    let mut bytes = std::fs::read(last).unwrap();
    let len = bytes.len();
    assert!(len > 64, "segment too small to damage: {len}");
    // Flip bytes inside the last record's payload; its checksum no longer matches.
    for b in &mut bytes[len - 20..len - 4] {
        *b ^= 0x5a;
    }
    std::fs::write(last, &bytes).unwrap();

    let server = Server::start(dir.path());
    let log = server.log();
    assert!(log.contains("msg=\"WAL repaired\""), "no repair reported:\n{log}");
    // Everything before the damaged record is there: all batches but (at most) the last one.
    let counts = server.query("count_over_time(load_series[2m])", base + 50_000);
    assert_eq!(counts.len(), SERIES);
    assert!(counts.iter().all(|(_, n)| *n >= 49.0), "{counts:?}");
    // The repaired store takes new samples and reopens without another repair.
    let code =
        reqwest::blocking_post(&client, &format!("{}/api/v1/write", server.url), batch(base, 60));
    assert_eq!(code, Some(204));
    server.terminate();
    let server = Server::start(dir.path());
    let log = server.log();
    assert!(!log.contains("WAL repaired"), "repaired twice:\n{log}");
    server.kill9();
}
