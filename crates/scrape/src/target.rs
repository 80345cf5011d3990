//! From discovered target groups to scrape targets: upstream's `PopulateLabels`.
//!
//! For each address of a [`TargetGroup`]:
//! 1. [`discovered_labels`]: the target's labels, the group's labels (the target's win), and the
//!    job's defaults where unset: `job`, `__scheme__`, `__metrics_path__`,
//!    `__scrape_interval__`, `__scrape_timeout__`, the three histogram switches and
//!    `__param_<name>` (first value of each `params` entry);
//! 2. [`populate`]: `relabel_configs`; dropped when a rule drops it; then checked (an
//!    `__address__` without `/`, interval and timeout that parse, are non-zero and timeout ≤
//!    interval, the histogram switches as Go booleans), `__meta_*` removed, `instance`
//!    defaulted to `__address__`;
//! 3. [`Target`]: the final labels, the scrape URL ([`scrape_url`]), interval and timeout.
//!
//! The error texts are upstream's, so logs and the targets page read the same.

#[cfg(test)]
mod tests;
mod url;

use std::collections::BTreeMap;

use config::{ScrapeConfig, TargetGroup};
use model::duration::Duration;
use model::gostr::quote;
use model::labels::{
    INSTANCE_LABEL, JOB_LABEL, Labels, LabelsBuilder, META_PREFIX, PARAM_PREFIX, RESERVED_PREFIX,
};

pub use self::url::{GlobalUrlOptions, global_url, scrape_url};

/// `__address__`: `host:port` to scrape.
pub const ADDRESS_LABEL: &str = "__address__";
/// `__scheme__`: `http` or `https`.
pub const SCHEME_LABEL: &str = "__scheme__";
/// `__metrics_path__`.
pub const METRICS_PATH_LABEL: &str = "__metrics_path__";
/// `__scrape_interval__`, a Prometheus duration.
pub const SCRAPE_INTERVAL_LABEL: &str = "__scrape_interval__";
/// `__scrape_timeout__`, a Prometheus duration.
pub const SCRAPE_TIMEOUT_LABEL: &str = "__scrape_timeout__";
/// Per-target override of `scrape_native_histograms`.
pub const SCRAPE_NATIVE_HISTOGRAMS_LABEL: &str = "__scrape_native_histograms__";
/// Per-target override of `always_scrape_classic_histograms`.
pub const ALWAYS_SCRAPE_CLASSIC_HISTOGRAMS_LABEL: &str = "__always_scrape_classic_histograms__";
/// Per-target override of `convert_classic_histograms_to_nhcb`.
pub const CONVERT_CLASSIC_HISTOGRAMS_TO_NHCB_LABEL: &str = "__convert_classic_histograms_to_nhcb__";

/// A target kept after relabelling, ready for a scrape loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Before relabelling, defaults included (`__meta_*` too): what the targets page shows as
    /// "discovered labels".
    pub discovered: Labels,
    /// After relabelling, `__`-prefixed labels included (`__address__`, `__scheme__`,
    /// `__param_*`, `__tmp_*`, ...): the target's identity.
    pub labels: Labels,
    /// `scheme://address/path?params`.
    pub url: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub scrape_native_histograms: bool,
    pub always_scrape_classic_histograms: bool,
    pub convert_classic_histograms_to_nhcb: bool,
}

impl Target {
    /// The labels attached to the target's series and shown by the API: those not starting
    /// with `__`.
    pub fn public_labels(&self) -> Labels {
        public_labels(&self.labels)
    }

    /// The job (`job` label), or `""`.
    pub fn job(&self) -> &str {
        self.labels.get_or_empty(JOB_LABEL)
    }
}

/// The labels of `labels` that do not start with `__`.
pub fn public_labels(labels: &Labels) -> Labels {
    if labels.names().all(|n| !n.starts_with(RESERVED_PREFIX)) {
        return labels.clone();
    }
    labels.filter(|l| !l.name.starts_with(RESERVED_PREFIX))
}

/// What relabelling made of a discovered target.
#[derive(Debug, Clone, PartialEq)]
pub enum Populated {
    Active(Target),
    /// A rule dropped it; its discovered labels.
    Dropped(Labels),
}

/// The targets of one group: active, dropped (their discovered labels), and the errors of
/// targets that are neither (upstream logs these and lists them nowhere).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTargets {
    pub active: Vec<Target>,
    pub dropped: Vec<Labels>,
    /// `instance <i> in group <source>: <reason>`.
    pub errors: Vec<String>,
}

/// Builds the discovered label set of one target into `lb` and returns it: `target` labels,
/// then `group` labels the target does not have, then the job's defaults where unset.
pub fn discovered_labels<'a>(
    lb: &mut LabelsBuilder,
    cfg: &ScrapeConfig,
    target: impl IntoIterator<Item = (&'a str, &'a str)>,
    group: &BTreeMap<String, String>,
) -> Labels {
    lb.reset(Labels::empty());
    let mut own: Vec<&str> = Vec::new();
    for (name, value) in target {
        lb.set(name, value);
        own.push(name);
    }
    for (name, value) in group {
        if !own.contains(&name.as_str()) {
            lb.set(name, value);
        }
    }
    let interval = cfg.scrape_interval.to_string();
    let timeout = cfg.scrape_timeout.to_string();
    let defaults: [(&str, &str); 8] = [
        (JOB_LABEL, &cfg.job_name),
        (SCRAPE_INTERVAL_LABEL, &interval),
        (SCRAPE_TIMEOUT_LABEL, &timeout),
        (METRICS_PATH_LABEL, &cfg.metrics_path),
        (SCHEME_LABEL, &cfg.scheme),
        (CONVERT_CLASSIC_HISTOGRAMS_TO_NHCB_LABEL, go_bool(cfg.convert_classic_histograms_to_nhcb)),
        (ALWAYS_SCRAPE_CLASSIC_HISTOGRAMS_LABEL, go_bool(cfg.always_scrape_classic_histograms)),
        (SCRAPE_NATIVE_HISTOGRAMS_LABEL, go_bool(cfg.scrape_native_histograms)),
    ];
    for (name, value) in defaults {
        if lb.get(name).is_empty() {
            lb.set(name, value);
        }
    }
    let mut param = String::new();
    for (name, values) in &cfg.params {
        param.clear();
        param.push_str(PARAM_PREFIX);
        param.push_str(name);
        if let Some(first) = values.first()
            && lb.get(&param).is_empty()
        {
            lb.set(&param, first);
        }
    }
    lb.labels()
}

fn go_bool(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Relabels a discovered label set (from [`discovered_labels`]) under `cfg` and checks the
/// result as upstream does. `Err` is upstream's reason (`no address`, `error parsing scrape
/// interval: ...`).
pub fn populate(
    lb: &mut LabelsBuilder,
    cfg: &ScrapeConfig,
    discovered: &Labels,
) -> Result<Populated, String> {
    lb.reset(discovered.clone());
    if !model::relabel::relabel_builder(lb, &cfg.relabel_configs) {
        return Ok(Populated::Dropped(discovered.clone()));
    }
    let address = lb.get(ADDRESS_LABEL).to_string();
    if address.is_empty() {
        return Err("no address".into());
    }
    if address.contains('/') {
        return Err(format!("{} is not a valid hostname", quote(&address)));
    }
    let interval_text = lb.get(SCRAPE_INTERVAL_LABEL);
    let interval = Duration::parse(interval_text)
        .map_err(|e| format!("error parsing scrape interval: {e}"))?;
    if interval.is_zero() {
        return Err("scrape interval cannot be 0".into());
    }
    let timeout_text = lb.get(SCRAPE_TIMEOUT_LABEL);
    let timeout =
        Duration::parse(timeout_text).map_err(|e| format!("error parsing scrape timeout: {e}"))?;
    if timeout.is_zero() {
        return Err("scrape timeout cannot be 0".into());
    }
    if timeout > interval {
        return Err(format!(
            "scrape timeout cannot be greater than scrape interval ({} > {})",
            quote(timeout_text),
            quote(interval_text)
        ));
    }
    let switch = |name: &str, desc: &str, default: bool| -> Result<bool, String> {
        match lb.get(name) {
            "" => Ok(default),
            v => parse_go_bool(v).ok_or_else(|| {
                format!(
                    "error parsing {desc}: strconv.ParseBool: parsing {}: invalid syntax",
                    quote(v)
                )
            }),
        }
    };
    let convert_classic_histograms_to_nhcb = switch(
        CONVERT_CLASSIC_HISTOGRAMS_TO_NHCB_LABEL,
        "convert classic histograms to nhcb",
        cfg.convert_classic_histograms_to_nhcb,
    )?;
    let always_scrape_classic_histograms = switch(
        ALWAYS_SCRAPE_CLASSIC_HISTOGRAMS_LABEL,
        "always scrape classic histograms",
        cfg.always_scrape_classic_histograms,
    )?;
    let scrape_native_histograms = switch(
        SCRAPE_NATIVE_HISTOGRAMS_LABEL,
        "scrape native histograms",
        cfg.scrape_native_histograms,
    )?;
    lb.retain(|l| !l.name.starts_with(META_PREFIX));
    if lb.get(INSTANCE_LABEL).is_empty() {
        lb.set(INSTANCE_LABEL, &address);
    }
    // Label values are `&str`, so always valid UTF-8: upstream's last check cannot fail here.
    let labels = lb.labels();
    let url = scrape_url(&labels, &cfg.params);
    Ok(Populated::Active(Target {
        discovered: discovered.clone(),
        labels,
        url,
        interval,
        timeout,
        scrape_native_histograms,
        always_scrape_classic_histograms,
        convert_classic_histograms_to_nhcb,
    }))
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// [`discovered_labels`] then [`populate`] for one address of a group.
pub fn populate_labels(
    lb: &mut LabelsBuilder,
    cfg: &ScrapeConfig,
    address: &str,
    group: &BTreeMap<String, String>,
) -> Result<Populated, String> {
    let discovered = discovered_labels(lb, cfg, [(ADDRESS_LABEL, address)], group);
    populate(lb, cfg, &discovered)
}

/// Every target of `tg` under `cfg` (upstream's `TargetsFromGroup`).
pub fn targets_from_group(tg: &TargetGroup, cfg: &ScrapeConfig) -> GroupTargets {
    let mut lb = LabelsBuilder::default();
    let mut out = GroupTargets::default();
    for (i, address) in tg.targets.iter().enumerate() {
        match populate_labels(&mut lb, cfg, address, &tg.labels) {
            Ok(Populated::Active(t)) => out.active.push(t),
            Ok(Populated::Dropped(d)) => out.dropped.push(d),
            Err(e) => out.errors.push(format!("instance {i} in group {}: {e}", tg.source)),
        }
    }
    out
}
