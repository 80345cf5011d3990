//! Shared test fixtures: configs from YAML, in-process targets, reading the head back.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use config::{ScrapeConfig, SdConfig, TargetGroup};
use model::labels::Labels;
use model::storage::{FPoint, is_stale_nan};
use model::time::TokioClock;
use parking_lot::Mutex;
use scrape::fetch::{InProcessResponse, InProcessTargets};
use scrape::manager::{ScrapeManager, ScrapeOptions};
use tsdb::Head;

/// Wall time at the start of every paused test: 2023-11-14T22:13:20Z.
pub const START_MS: i64 = 1_700_000_000_000;

pub fn configs(yaml: &str) -> Vec<ScrapeConfig> {
    let cfg = config::load_str(yaml, std::path::Path::new("."), "test.yml").unwrap();
    cfg.scrape_configs
}

/// The static groups of each job.
pub fn groups(configs: &[ScrapeConfig]) -> HashMap<String, Vec<TargetGroup>> {
    configs
        .iter()
        .map(|c| {
            let tgs = c
                .service_discovery
                .iter()
                .flat_map(|sd| match sd {
                    SdConfig::Static(g) => g.clone(),
                    _ => Vec::new(),
                })
                .collect();
            (c.job_name.clone(), tgs)
        })
        .collect()
}

/// Targets answered in-process; responses can change between scrapes.
#[derive(Debug, Default)]
pub struct Fake {
    responses: Mutex<HashMap<String, InProcessResponse>>,
    hits: Mutex<HashMap<String, u64>>,
}

impl Fake {
    pub fn set(&self, url: &str, status: u16, content_type: &str, body: &str) {
        self.set_response(
            url,
            InProcessResponse {
                status,
                content_type: content_type.to_string(),
                body: body.as_bytes().to_vec(),
                delay: Duration::ZERO,
            },
        );
    }

    pub fn text(&self, url: &str, body: &str) {
        self.set(url, 200, "text/plain; version=0.0.4", body);
    }

    pub fn set_response(&self, url: &str, r: InProcessResponse) {
        self.responses.lock().insert(url.to_string(), r);
    }

    pub fn hits(&self, url: &str) -> u64 {
        self.hits.lock().get(url).copied().unwrap_or(0)
    }
}

impl InProcessTargets for Fake {
    fn respond(&self, url: &str) -> InProcessResponse {
        *self.hits.lock().entry(url.to_string()).or_default() += 1;
        self.responses
            .lock()
            .get(url)
            .cloned()
            .unwrap_or(InProcessResponse { status: 404, ..Default::default() })
    }
}

pub struct Setup {
    pub head: Arc<Head>,
    pub fake: Arc<Fake>,
    pub manager: ScrapeManager,
}

/// A manager over a fresh head with in-process targets and a tokio-driven clock. Call from a
/// `start_paused` test.
pub fn setup() -> Setup {
    setup_with(|_| {})
}

pub fn setup_with(f: impl FnOnce(&mut ScrapeOptions)) -> Setup {
    let head = Arc::new(Head::default());
    let fake = Arc::new(Fake::default());
    let start = SystemTime::UNIX_EPOCH + Duration::from_millis(START_MS as u64);
    let mut options = ScrapeOptions {
        clock: Arc::new(TokioClock::starting_at(start)),
        in_process_targets: Some(fake.clone()),
        ..ScrapeOptions::default()
    };
    f(&mut options);
    let manager = ScrapeManager::new(head.clone(), options);
    Setup { head, fake, manager }
}

/// The series named `name`, with their samples.
pub fn series(head: &Head, name: &str) -> Vec<(Labels, Vec<FPoint>)> {
    head.series_snapshot().into_iter().filter(|(l, _)| l.metric_name() == Some(name)).collect()
}

/// The samples of the one series named `name`.
pub fn only(head: &Head, name: &str) -> Vec<FPoint> {
    let mut s = series(head, name);
    assert_eq!(s.len(), 1, "series named {name}: {:?}", s.iter().map(|x| &x.0).collect::<Vec<_>>());
    s.pop().unwrap().1
}

pub fn values(points: &[FPoint]) -> Vec<String> {
    points
        .iter()
        .map(|p| if is_stale_nan(p.f) { "stale".to_string() } else { p.f.to_string() })
        .collect()
}

pub async fn sleep_secs(s: u64) {
    tokio::time::sleep(Duration::from_secs(s)).await;
}
