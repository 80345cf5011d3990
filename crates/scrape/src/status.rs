//! What the scrape manager reports about its targets, for `/api/v1/targets` and
//! `/api/v1/targets/metadata`.
//!
//! The types are plain data so the API crate can serve them without knowing how scrape loops
//! work; the scrape manager implements [`TargetsView`] over its live state.

use std::collections::BTreeMap;

use model::duration::Duration;
use model::labels::Labels;
use model::relabel::RelabelConfig;

/// A target's health as of its last scrape; the API prints it lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Health {
    /// Not scraped yet.
    #[default]
    Unknown,
    /// The last scrape succeeded.
    Up,
    /// The last scrape failed.
    Down,
}

impl Health {
    /// The API spelling: `unknown`, `up` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Down => "down",
        }
    }
}

/// A target kept after relabelling, with the state of its scrape loop.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveTarget {
    /// Labels as discovered, before relabelling (`__meta_*` included).
    pub discovered_labels: Labels,
    /// Labels after relabelling, as attached to scraped series.
    pub labels: Labels,
    /// The `job_name` of the scrape config the target belongs to.
    pub scrape_pool: String,
    pub scrape_url: String,
    /// The scrape URL with the host name of this server instead of `localhost`-style addresses,
    /// as upstream; equal to `scrape_url` when nothing needs rewriting.
    pub global_url: String,
    /// Empty when the last scrape succeeded.
    pub last_error: String,
    /// When the last scrape started; `None` before the first.
    pub last_scrape: Option<std::time::SystemTime>,
    pub last_scrape_duration: std::time::Duration,
    pub health: Health,
    pub scrape_interval: Duration,
    pub scrape_timeout: Duration,
}

/// A target that relabelling dropped (or that had no `__address__`).
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedTarget {
    pub discovered_labels: Labels,
    pub scrape_pool: String,
}

/// Metadata (`# TYPE`, `# HELP`, `# UNIT`) of one metric family as last scraped from a target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetMetadata {
    /// The target's final labels.
    pub target: Labels,
    pub metric: String,
    /// `counter`, `gauge`, `histogram`, `gaugehistogram`, `summary`, `info`, `stateset` or
    /// `unknown`.
    pub kind: String,
    pub help: String,
    pub unit: String,
}

/// A read-only view of the scrape manager's targets; the API filters and formats it.
pub trait TargetsView: Send + Sync {
    fn active_targets(&self) -> Vec<ActiveTarget>;
    fn dropped_targets(&self) -> Vec<DroppedTarget>;
    /// All metadata; the API filters by `match_target`, `metric` and `limit`.
    fn target_metadata(&self) -> Vec<TargetMetadata>;

    /// Dropped targets per scrape pool. Override when `keep_dropped_targets` keeps fewer in
    /// [`dropped_targets`](Self::dropped_targets) than were dropped: upstream counts them all.
    fn dropped_target_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for t in self.dropped_targets() {
            *counts.entry(t.scrape_pool).or_insert(0) += 1;
        }
        counts
    }

    /// The names of the scrape pools (jobs). Override to list jobs that have no targets; by
    /// default the pools of the active and dropped targets.
    fn scrape_pools(&self) -> Vec<String> {
        let mut pools: Vec<String> = self
            .active_targets()
            .into_iter()
            .map(|t| t.scrape_pool)
            .chain(self.dropped_targets().into_iter().map(|t| t.scrape_pool))
            .collect();
        pools.sort();
        pools.dedup();
        pools
    }

    /// The `relabel_configs` of a scrape pool, for `/api/v1/targets/relabel_steps`; `None`
    /// for an unknown pool (and by default).
    fn relabel_configs(&self, scrape_pool: &str) -> Option<Vec<RelabelConfig>> {
        let _ = scrape_pool;
        None
    }
}
