//! Metrics from log files.
//!
//! Jobs (`klaxon.log_metrics` in `prometheus.yml`) tail access logs, following rotation and
//! truncation and resuming from a saved offset so no line is read twice, parse named formats
//! (nginx `combined`, `main`, custom `log_format` strings, JSON lines) and count responses by
//! label fields, with response-time histograms.
//!
//! Their series are scraped like any other target: [`LogMetrics`] serves each job's text
//! on an internal `127.0.0.1` listener (`/metrics?job=<job_name>`), and `klaxon run` adds a
//! scrape config per job pointing there, so `up`, `/api/v1/targets` and staleness work as
//! for an exporter.

pub mod config;
pub mod fields;
pub mod format;
pub mod job;
pub mod metrics;
mod tail;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{DEFAULT_BUCKETS, JobConfig, ReadFrom};
pub use format::FormatSpec;
pub use job::Job;

/// How often files are looked at for new lines.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// How often offsets and counters are saved while lines come in (and at stop).
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// The running jobs and their internal listener.
#[derive(Debug)]
pub struct LogMetrics {
    jobs: Arc<Mutex<HashMap<String, Running>>>,
    state_dir: Option<PathBuf>,
    address: SocketAddr,
    server: JoinHandle<()>,
}

#[derive(Debug)]
struct Running {
    job: Arc<Mutex<Job>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl LogMetrics {
    /// Binds the internal listener (127.0.0.1, a free port) and serves it; no jobs yet.
    /// `state_dir` holds the saved offsets and counters (`None`: nothing is saved).
    pub async fn start(state_dir: Option<PathBuf>) -> std::io::Result<LogMetrics> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let jobs: Arc<Mutex<HashMap<String, Running>>> = Arc::default();
        let app = axum::Router::new()
            .route("/metrics", axum::routing::get(serve_metrics))
            .with_state(jobs.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(err = %e, "log metrics listener failed");
            }
        });
        Ok(LogMetrics { jobs, state_dir, address, server })
    }

    /// Where the jobs' metrics are served (`http://<address>/metrics?job=<job_name>`).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Runs exactly `jobs`: unchanged ones keep running, changed ones restart (their state
    /// saved and reloaded), removed ones stop. A job that cannot start is reported; the
    /// others still apply.
    pub async fn apply(&self, jobs: &[JobConfig]) -> Result<(), String> {
        let mut stopping = Vec::new();
        {
            let mut running = self.jobs.lock();
            let stale: Vec<String> = running
                .iter()
                .filter(|(name, r)| {
                    !jobs.iter().any(|j| &j.job_name == *name && j == r.job.lock().config())
                })
                .map(|(n, _)| n.clone())
                .collect();
            for name in stale {
                if let Some(r) = running.remove(&name) {
                    let _ = r.stop.send(true);
                    stopping.push(r.task);
                }
            }
        }
        for task in stopping {
            let _ = task.await;
        }
        let mut errors = Vec::new();
        for cfg in jobs {
            if self.jobs.lock().contains_key(&cfg.job_name) {
                continue;
            }
            let dir = self.state_dir.clone();
            let name = cfg.job_name.clone();
            let cfg = cfg.clone();
            let opened = tokio::task::spawn_blocking(move || Job::open(cfg, dir.as_deref()))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r);
            match opened {
                Ok(job) => {
                    let job = Arc::new(Mutex::new(job));
                    let (stop, stopped) = watch::channel(false);
                    let task = tokio::spawn(run(job.clone(), stopped));
                    self.jobs.lock().insert(name, Running { job, stop, task });
                }
                Err(e) => errors.push(format!("log_metrics job {name:?}: {e}")),
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }

    /// Stops every job, saving its state, and the listener.
    pub async fn stop(&self) {
        let tasks: Vec<JoinHandle<()>> = {
            let mut running = self.jobs.lock();
            running
                .drain()
                .map(|(_, r)| {
                    let _ = r.stop.send(true);
                    r.task
                })
                .collect()
        };
        for t in tasks {
            let _ = t.await;
        }
        self.server.abort();
    }
}

/// Polls a job until told to stop, saving about every second; saves once more at the end.
async fn run(job: Arc<Mutex<Job>>, mut stop: watch::Receiver<bool>) {
    let mut last_save = tokio::time::Instant::now();
    loop {
        let j = job.clone();
        let _ = tokio::task::spawn_blocking(move || while j.lock().poll() {}).await;
        if last_save.elapsed() >= SAVE_EVERY {
            save(&job).await;
            last_save = tokio::time::Instant::now();
        }
        tokio::select! {
            _ = stop.changed() => break,
            () = tokio::time::sleep(POLL_EVERY) => {}
        }
    }
    save(&job).await;
}

async fn save(job: &Arc<Mutex<Job>>) {
    let j = job.clone();
    let res = tokio::task::spawn_blocking(move || {
        let mut j = j.lock();
        j.save().map_err(|e| (j.config().job_name.clone(), e))
    })
    .await;
    if let Ok(Err((name, e))) = res {
        tracing::warn!(job = name, err = %e, "saving log_metrics offsets failed");
    }
}

async fn serve_metrics(
    State(jobs): State<Arc<Mutex<HashMap<String, Running>>>>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let job = q.get("job").and_then(|name| jobs.lock().get(name).map(|r| r.job.clone()));
    let Some(job) = job else {
        return (StatusCode::NOT_FOUND, "no such log_metrics job\n".to_string()).into_response();
    };
    let mut out = String::new();
    job.lock().render(&mut out);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[tokio::test]
    async fn serves_jobs_and_follows_apply() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        let mut cfg = JobConfig::new("web", vec![log.display().to_string()], FormatSpec::Combined);
        cfg.read_from = ReadFrom::Beginning;
        std::fs::File::create(&log)
            .unwrap()
            .write_all(b"1.2.3.4 - - [x] \"GET / HTTP/1.1\" 502 0 \"-\" \"ua\"\n")
            .unwrap();
        let lm = LogMetrics::start(Some(dir.path().join("state"))).await.unwrap();
        lm.apply(std::slice::from_ref(&cfg)).await.unwrap();
        let url = format!("http://{}/metrics?job=web", lm.address());
        let mut body = String::new();
        for _ in 0..100 {
            body = reqwest::get(&url).await.unwrap().text().await.unwrap();
            if body.contains("status=\"502\"} 1") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            body.contains("nginx_http_response_count_total{method=\"GET\",status=\"502\"} 1"),
            "{body}"
        );
        let missing =
            reqwest::get(format!("http://{}/metrics?job=nope", lm.address())).await.unwrap();
        assert_eq!(missing.status(), 404);

        // A changed job restarts from its saved offsets: nothing re-read, new label set.
        let mut changed = cfg.clone();
        changed.label_fields = vec!["status".into()];
        lm.apply(std::slice::from_ref(&changed)).await.unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .unwrap()
            .write_all(b"1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 0 \"-\" \"ua\"\n")
            .unwrap();
        for _ in 0..100 {
            body = reqwest::get(&url).await.unwrap().text().await.unwrap();
            if body.contains("{status=\"200\"} 1") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(body.contains("nginx_http_response_count_total{status=\"200\"} 1\n"), "{body}");
        assert!(!body.contains("502"), "counters started over, the old line not re-read: {body}");

        lm.apply(&[]).await.unwrap();
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
        assert!(dir.path().join("state/web.json").exists(), "state saved at stop");
        lm.stop().await;
    }
}
