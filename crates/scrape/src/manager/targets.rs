//! Target groups → scrape targets for one job: discovered labels, `relabel_configs`, the final
//! labels, the URL, and per-target interval and timeout.
//!
//! The work is [`crate::target`]'s; this adds what the loops need: the public labels, the
//! identity hash and `std` durations.

use std::time::Duration;

use config::{ScrapeConfig, TargetGroup};
use model::labels::Labels;

use crate::scrape_loop::schedule::target_hash;

/// A target kept after relabelling.
#[derive(Debug, Clone)]
pub struct Target {
    /// Before relabelling (`__meta_*` included).
    pub discovered: Labels,
    /// After relabelling, `__`-prefixed labels included (they take part in the identity).
    pub labels: Labels,
    /// The labels attached to the target's series (no `__` prefix).
    pub public: Labels,
    pub url: String,
    pub interval: Duration,
    pub timeout: Duration,
    /// Identity across syncs and the scrape phase ([`target_hash`]).
    pub hash: u64,
}

/// What one discovered target became.
#[derive(Debug)]
pub enum Built {
    Active(Target),
    /// Dropped by relabelling (or without an address): its discovered labels.
    Dropped(Labels),
}

/// Every target of `groups` under `cfg` (see [`crate::target`]); targets that are neither
/// kept nor dropped (no address, a bad interval) are logged, as upstream does.
pub fn build_targets(groups: &[TargetGroup], cfg: &ScrapeConfig) -> Vec<Built> {
    let mut out = Vec::new();
    for tg in groups {
        let built = crate::target::targets_from_group(tg, cfg);
        for e in built.errors {
            tracing::error!(scrape_pool = %cfg.job_name, err = %e, "creating target failed");
        }
        out.extend(built.dropped.into_iter().map(Built::Dropped));
        out.extend(built.active.into_iter().map(|t| Built::Active(Target::from_populated(t))));
    }
    out
}

impl Target {
    fn from_populated(t: crate::target::Target) -> Target {
        let std = |d: model::duration::Duration| d.to_std().unwrap_or(Duration::from_secs(60));
        let public = t.public_labels();
        let hash = target_hash(t.labels.hash(), &t.url);
        Target {
            interval: std(t.interval),
            timeout: std(t.timeout),
            discovered: t.discovered,
            labels: t.labels,
            public,
            url: t.url,
            hash,
        }
    }
}
