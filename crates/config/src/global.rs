//! `global:`: defaults, the timeout ≤ interval check, `external_labels` with environment
//! expansion, and the scrape protocol list shared with jobs.

use crate::error::{Positioned, Result};
use crate::expand::expand;
use crate::raw::{Nullable, RawGlobal};
use crate::types::{GlobalConfig, ScrapeLimits, ScrapeProtocol};
use httpclient::config::join_dir;
use model::duration::Duration;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(60);
pub(crate) const DEFAULT_SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_EVALUATION_INTERVAL: Duration = Duration::from_secs(60);

impl Default for GlobalConfig {
    fn default() -> Self {
        GlobalConfig {
            scrape_interval: DEFAULT_SCRAPE_INTERVAL,
            scrape_timeout: DEFAULT_SCRAPE_TIMEOUT,
            evaluation_interval: DEFAULT_EVALUATION_INTERVAL,
            rule_query_offset: Duration::ZERO,
            external_labels: BTreeMap::new(),
            limits: ScrapeLimits::default(),
            metric_name_validation_scheme: "utf8".into(),
            scrape_protocols: ScrapeProtocol::DEFAULT.to_vec(),
            extra_scrape_metrics: false,
            query_log_file: String::new(),
            scrape_failure_log_file: String::new(),
            metric_name_escaping_scheme: String::new(),
            scrape_native_histograms: false,
            convert_classic_histograms_to_nhcb: false,
            always_scrape_classic_histograms: false,
            scrape_protocols_set: false,
        }
    }
}

/// Reads `metric_name_validation_scheme` (`""` is unset: the default).
pub(crate) fn validation_scheme(s: &str) -> std::result::Result<Option<&'static str>, String> {
    match s {
        "" => Ok(None),
        "utf8" => Ok(Some("utf8")),
        "legacy" => Ok(Some("legacy")),
        other => Err(format!("unrecognized ValidationScheme: {}", model::gostr::quote(other))),
    }
}

/// The escaping schemes upstream accepts.
pub(crate) const ESCAPING_SCHEMES: [&str; 4] = ["allow-utf-8", "underscores", "dots", "values"];

/// Checks a `scrape_protocols` list (upstream's `validateAcceptScrapeProtocols`).
pub(crate) fn scrape_protocols(
    names: &[String],
) -> std::result::Result<Vec<ScrapeProtocol>, String> {
    if names.is_empty() {
        return Err("scrape_protocols cannot be empty".into());
    }
    let mut seen = Vec::new();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let lower = n.to_lowercase();
        if seen.contains(&lower) {
            return Err(format!(
                "duplicated protocol in scrape_protocols, got [{}]",
                names.join(" ")
            ));
        }
        out.push(scrape_protocol(n).map_err(|e| format!("scrape_protocols: {e}"))?);
        seen.push(lower);
    }
    Ok(out)
}

/// One protocol name, with upstream's error listing the supported ones.
pub(crate) fn scrape_protocol(name: &str) -> std::result::Result<ScrapeProtocol, String> {
    ScrapeProtocol::from_name(name).ok_or_else(|| {
        let all: Vec<&str> = ScrapeProtocol::ALL.iter().map(|p| p.name()).collect();
        format!("unknown scrape protocol {name}, supported: [{}]", all.join(" "))
    })
}

/// `global:` with defaults; `env` looks up environment variables for `external_labels`.
pub(crate) fn convert(
    raw: Nullable<RawGlobal>,
    base_dir: &Path,
    env: &dyn Fn(&str) -> String,
) -> Result<GlobalConfig> {
    let (at, raw) = match raw {
        Some(Spanned { value, referenced, .. }) => (referenced, value.unwrap_or_default()),
        None => (Location::UNKNOWN, RawGlobal::default()),
    };
    let mut g = GlobalConfig::default();
    if let Some(s) = &raw.metric_name_validation_scheme
        && let Some(v) = validation_scheme(&s.value.0).map_err(|m| Positioned::at_span(s, m))?
    {
        g.metric_name_validation_scheme = v.into();
    }
    let legacy = g.metric_name_validation_scheme == "legacy";
    if let Some(labels) = &raw.external_labels {
        for (name, value) in &labels.value {
            let valid = if legacy {
                model::labels::is_valid_legacy_label_name(name)
            } else {
                !name.is_empty()
            };
            if !valid {
                return Err(Positioned::at_span(
                    labels,
                    format!("{} is not a valid label name", model::gostr::quote(name)),
                ));
            }
            let value = value.clone().unwrap_or_default();
            let expanded = expand(&value, |v| if v == "$" { "$".into() } else { env(v) });
            g.external_labels.insert(name.clone(), expanded);
        }
    }
    g.scrape_interval =
        raw.scrape_interval.filter(|d| !d.is_zero()).unwrap_or(DEFAULT_SCRAPE_INTERVAL);
    let timeout = raw.scrape_timeout.as_ref().map_or(Duration::ZERO, |t| t.value);
    if timeout > g.scrape_interval {
        let loc = raw.scrape_timeout.as_ref().map_or(at, |t| t.referenced);
        return Err(Positioned::at(loc, "global scrape timeout greater than scrape interval"));
    }
    g.scrape_timeout =
        if timeout.is_zero() { DEFAULT_SCRAPE_TIMEOUT.min(g.scrape_interval) } else { timeout };
    g.evaluation_interval =
        raw.evaluation_interval.filter(|d| !d.is_zero()).unwrap_or(DEFAULT_EVALUATION_INTERVAL);
    g.rule_query_offset = raw.rule_query_offset.unwrap_or(Duration::ZERO);
    g.scrape_native_histograms = raw.scrape_native_histograms.unwrap_or(false);
    g.extra_scrape_metrics = raw.extra_scrape_metrics.unwrap_or(false);
    g.convert_classic_histograms_to_nhcb = raw.convert_classic_histograms_to_nhcb.unwrap_or(false);
    g.always_scrape_classic_histograms = raw.always_scrape_classic_histograms.unwrap_or(false);
    if let Some(p) = &raw.scrape_protocols {
        g.scrape_protocols = scrape_protocols(&p.value)
            .map_err(|e| Positioned::at_span(p, format!("{e} for global config")))?;
        g.scrape_protocols_set = true;
    }
    if let Some(e) = &raw.metric_name_escaping_scheme {
        let v = e.value.0.as_str();
        if !v.is_empty() && !ESCAPING_SCHEMES.contains(&v) {
            return Err(Positioned::at_span(
                e,
                format!(
                    "unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got {}",
                    model::gostr::quote(v)
                ),
            ));
        }
        g.metric_name_escaping_scheme = v.into();
    }
    g.limits = ScrapeLimits {
        body_size_limit: raw.body_size_limit.map_or(0, |b| b.limit()),
        sample_limit: raw.sample_limit.unwrap_or(0),
        label_limit: raw.label_limit.unwrap_or(0),
        label_name_length_limit: raw.label_name_length_limit.unwrap_or(0),
        label_value_length_limit: raw.label_value_length_limit.unwrap_or(0),
        target_limit: raw.target_limit.unwrap_or(0),
        keep_dropped_targets: raw.keep_dropped_targets.unwrap_or(0),
    };
    g.query_log_file = raw.query_log_file;
    join_dir(base_dir, &mut g.query_log_file);
    g.scrape_failure_log_file = raw.scrape_failure_log_file;
    join_dir(base_dir, &mut g.scrape_failure_log_file);
    Ok(g)
}
