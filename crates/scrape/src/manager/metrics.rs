//! The scrape manager's self-metrics, under upstream's names.
//!
//! `prometheus-client` has no summary type, so the two summaries upstream exports
//! (`prometheus_target_interval_length_seconds`, `prometheus_target_sync_length_seconds`) are a
//! small collector here: `_sum` and `_count` are exact; the quantiles (0.01, 0.05, 0.5, 0.9, 0.99)
//! are computed at exposition time over the last 1024 observations of each label value, where
//! upstream uses a 10-minute decaying window.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

const WINDOW: usize = 1024;
const QUANTILES: [f64; 5] = [0.01, 0.05, 0.5, 0.9, 0.99];

#[derive(Debug, Default)]
struct Window {
    recent: VecDeque<f64>,
    sum: f64,
    count: u64,
}

/// One label value's state at exposition time.
struct Snapshot {
    label_value: String,
    /// (quantile, value)
    quantiles: Vec<(f64, f64)>,
    sum: f64,
    count: u64,
}

/// A summary keyed by one label; see the module documentation.
#[derive(Debug)]
pub struct WindowSummary {
    name: &'static str,
    help: &'static str,
    label: &'static str,
    series: Mutex<HashMap<String, Window>>,
}

impl WindowSummary {
    fn new(name: &'static str, help: &'static str, label: &'static str) -> Self {
        WindowSummary { name, help, label, series: Mutex::new(HashMap::new()) }
    }

    pub fn observe(&self, label_value: &str, v: f64) {
        let mut series = self.series.lock();
        let w = match series.get_mut(label_value) {
            Some(w) => w,
            None => series.entry(label_value.to_string()).or_default(),
        };
        if w.recent.len() == WINDOW {
            w.recent.pop_front();
        }
        w.recent.push_back(v);
        w.sum += v;
        w.count += 1;
    }

    /// Forgets a label value (a removed scrape pool).
    pub fn remove(&self, label_value: &str) {
        self.series.lock().remove(label_value);
    }

    fn snapshot(&self) -> Vec<Snapshot> {
        let series = self.series.lock();
        let mut out: Vec<_> = series
            .iter()
            .map(|(k, w)| {
                let mut sorted: Vec<f64> = w.recent.iter().copied().collect();
                sorted.sort_by(f64::total_cmp);
                let qs = QUANTILES
                    .iter()
                    .map(|&q| {
                        let v = if sorted.is_empty() {
                            f64::NAN
                        } else {
                            let i = ((q * sorted.len() as f64).ceil() as usize).saturating_sub(1);
                            sorted[i.min(sorted.len() - 1)]
                        };
                        (q, v)
                    })
                    .collect();
                Snapshot { label_value: k.clone(), quantiles: qs, sum: w.sum, count: w.count }
            })
            .collect();
        out.sort_by(|a, b| a.label_value.cmp(&b.label_value));
        out
    }
}

impl Collector for WindowSummary {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let snapshot = self.snapshot();
        {
            let mut m =
                encoder.encode_descriptor(self.name, self.help, None, MetricType::Unknown)?;
            for snap in &snapshot {
                for (q, v) in &snap.quantiles {
                    let labels = vec![
                        (self.label.to_string(), snap.label_value.clone()),
                        ("quantile".to_string(), q.to_string()),
                    ];
                    let fam = m.encode_family(&labels)?;
                    encode_f64(fam, *v)?;
                }
            }
        }
        let sum_name = format!("{}_sum", self.name);
        {
            let mut m =
                encoder.encode_descriptor(&sum_name, self.help, None, MetricType::Unknown)?;
            for snap in &snapshot {
                let labels = vec![(self.label.to_string(), snap.label_value.clone())];
                encode_f64(m.encode_family(&labels)?, snap.sum)?;
            }
        }
        let count_name = format!("{}_count", self.name);
        let mut m = encoder.encode_descriptor(&count_name, self.help, None, MetricType::Unknown)?;
        for snap in &snapshot {
            let labels = vec![(self.label.to_string(), snap.label_value.clone())];
            encode_f64(m.encode_family(&labels)?, snap.count as f64)?;
        }
        Ok(())
    }
}

fn encode_f64(encoder: prometheus_client::encoding::MetricEncoder<'_>, v: f64) -> std::fmt::Result {
    let g = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    g.set(v);
    g.encode(encoder)
}

type JobLabel = Vec<(String, String)>;

/// Counters and gauges shared by the manager and its loops.
#[derive(Debug, Clone)]
pub struct ScrapeMetrics {
    pub interval_length: Arc<WindowSummary>,
    pub sync_length: Arc<WindowSummary>,
    pub pool_targets: Family<JobLabel, Gauge>,
    pub pools_total: Counter,
    pub pools_failed_total: Counter,
    pub exceeded_sample_limit: Counter,
    pub exceeded_body_size_limit: Counter,
    pub exceeded_target_limit: Counter,
    pub exceeded_label_limits: Counter,
    pub out_of_order: Counter,
    pub duplicate_timestamp: Counter,
    pub out_of_bounds: Counter,
}

impl Default for ScrapeMetrics {
    fn default() -> Self {
        ScrapeMetrics {
            interval_length: Arc::new(WindowSummary::new(
                "prometheus_target_interval_length_seconds",
                "Actual intervals between scrapes.",
                "interval",
            )),
            sync_length: Arc::new(WindowSummary::new(
                "prometheus_target_sync_length_seconds",
                "Actual interval to sync the scrape pool.",
                "scrape_job",
            )),
            pool_targets: Family::default(),
            pools_total: Counter::default(),
            pools_failed_total: Counter::default(),
            exceeded_sample_limit: Counter::default(),
            exceeded_body_size_limit: Counter::default(),
            exceeded_target_limit: Counter::default(),
            exceeded_label_limits: Counter::default(),
            out_of_order: Counter::default(),
            duplicate_timestamp: Counter::default(),
            out_of_bounds: Counter::default(),
        }
    }
}

impl ScrapeMetrics {
    pub fn job_label(job: &str) -> JobLabel {
        vec![("scrape_job".to_string(), job.to_string())]
    }

    pub fn register(&self, registry: &mut Registry) {
        registry.register_collector(Box::new(self.interval_length.clone()));
        registry.register_collector(Box::new(self.sync_length.clone()));
        registry.register(
            "prometheus_target_scrape_pool_targets",
            "Current number of targets in this scrape pool.",
            self.pool_targets.clone(),
        );
        let counters: [(&str, &str, &Counter); 9] = [
            (
                "prometheus_target_scrape_pools",
                "Total number of scrape pool creation attempts.",
                &self.pools_total,
            ),
            (
                "prometheus_target_scrape_pools_failed",
                "Total number of scrape pool creations that failed.",
                &self.pools_failed_total,
            ),
            (
                "prometheus_target_scrapes_exceeded_sample_limit",
                "Total number of scrapes that hit the sample limit and were rejected.",
                &self.exceeded_sample_limit,
            ),
            (
                "prometheus_target_scrapes_exceeded_body_size_limit",
                "Total number of scrapes that hit the body size limit",
                &self.exceeded_body_size_limit,
            ),
            (
                "prometheus_target_scrape_pool_exceeded_target_limit",
                "Total number of times scrape pools hit the target limit, during sync or config reload.",
                &self.exceeded_target_limit,
            ),
            (
                "prometheus_target_scrape_pool_exceeded_label_limits",
                "Total number of times scrape pools hit the label limits, during sync or config reload.",
                &self.exceeded_label_limits,
            ),
            (
                "prometheus_target_scrapes_sample_out_of_order",
                "Total number of samples rejected due to not being out of the expected order.",
                &self.out_of_order,
            ),
            (
                "prometheus_target_scrapes_sample_duplicate_timestamp",
                "Total number of samples rejected due to duplicate timestamps but different values.",
                &self.duplicate_timestamp,
            ),
            (
                "prometheus_target_scrapes_sample_out_of_bounds",
                "Total number of samples rejected due to timestamp falling outside of the time bounds.",
                &self.out_of_bounds,
            ),
        ];
        for (name, help, c) in counters {
            registry.register(name, help, c.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_encodes_quantiles_sum_and_count() {
        let m = ScrapeMetrics::default();
        for i in 1..=100 {
            m.interval_length.observe("15s", f64::from(i));
        }
        m.exceeded_sample_limit.inc();
        let mut reg = Registry::default();
        m.register(&mut reg);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &reg).unwrap();
        assert!(
            out.contains(
                "prometheus_target_interval_length_seconds{interval=\"15s\",quantile=\"0.5\"} 50"
            ),
            "{out}"
        );
        assert!(
            out.contains("prometheus_target_interval_length_seconds_count{interval=\"15s\"} 100")
        );
        assert!(out.contains("prometheus_target_scrapes_exceeded_sample_limit_total 1"));
    }
}
