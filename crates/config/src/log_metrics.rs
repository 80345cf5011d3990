//! `klaxon.log_metrics`: klaxon's own section (upstream Prometheus rejects the `klaxon:`
//! key). Each job tails access logs into counters (the `logs` crate) and is scraped like any
//! target: the loader also derives the job's scrape config, whose single static target is
//! the internal listener `klaxon run` fills in ([`Config::log_metrics_scrape_configs`]).

use crate::de::Str;
use crate::discovery::valid_glob_path;
use crate::error::{Positioned, Result};
use crate::load::parse_yaml;
use crate::raw::{Entry, Nullable, RawScrapeConfigFile};
use crate::relabel;
use crate::types::{Config, GlobalConfig, ScrapeConfig, SdConfig};
use httpclient::config::join_dir;
use logs::fields::Field;
use logs::{FormatSpec, JobConfig, ReadFrom};
use model::duration::Duration;
use model::labels::ValidationScheme;
use model::relabel::RelabelConfig;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::path::Path;

/// The target address written into the derived scrape configs until `klaxon run` knows the
/// internal listener's.
pub const LOG_METRICS_PLACEHOLDER: &str = "127.0.0.1:1";

/// `klaxon:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKlaxon {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub(crate) log_metrics: Vec<Entry<RawLogJob>>,
}

/// One `log_metrics` entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLogJob {
    #[serde(default)]
    job_name: Option<Spanned<Str>>,
    #[serde(default)]
    files: Option<Spanned<Vec<Spanned<Str>>>>,
    #[serde(default)]
    format: Option<Spanned<Str>>,
    #[serde(default)]
    metric_prefix: Option<Spanned<Str>>,
    #[serde(default)]
    instance: Option<Spanned<Str>>,
    #[serde(default)]
    scrape_interval: Option<Spanned<Duration>>,
    #[serde(default)]
    scrape_timeout: Option<Spanned<Duration>>,
    #[serde(default)]
    labels: Option<Spanned<BTreeMap<String, Option<String>>>>,
    #[serde(default)]
    label_fields: Option<Spanned<Vec<Spanned<Str>>>>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    relabel_configs: Vec<Entry<RelabelConfig>>,
    #[serde(default)]
    buckets: Option<Spanned<Vec<f64>>>,
    #[serde(default)]
    read_from: Option<Spanned<Str>>,
}

/// A loaded `log_metrics` job: what the logs crate runs and how it is scraped.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMetricsConfig {
    pub job: JobConfig,
    /// The job's scrape config, its target [`LOG_METRICS_PLACEHOLDER`].
    pub scrape: ScrapeConfig,
}

/// `klaxon:` as loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KlaxonConfig {
    pub log_metrics: Vec<LogMetricsConfig>,
}

impl Config {
    /// The log jobs' scrape configs, scraping `address` (the logs listener).
    pub fn log_metrics_scrape_configs(&self, address: &str) -> Vec<ScrapeConfig> {
        self.klaxon
            .log_metrics
            .iter()
            .map(|l| {
                let mut sc = l.scrape.clone();
                for sd in &mut sc.service_discovery {
                    if let SdConfig::Static(groups) = sd {
                        for g in groups {
                            for t in &mut g.targets {
                                address.clone_into(t);
                            }
                        }
                    }
                }
                sc
            })
            .collect()
    }
}

/// Converts `klaxon:`; `taken` holds the scrape job names already used (log job names are
/// added), so a name used twice is an error at the second.
pub(crate) fn convert(
    raw: Nullable<RawKlaxon>,
    global: &GlobalConfig,
    base_dir: &Path,
    taken: &mut Vec<String>,
) -> Result<KlaxonConfig> {
    let Some(Spanned { value: Some(raw), .. }) = raw else {
        return Ok(KlaxonConfig::default());
    };
    let mut log_metrics = Vec::with_capacity(raw.log_metrics.len());
    for entry in raw.log_metrics {
        let name_at = entry.value.as_ref().and_then(|e| e.job_name.as_ref()).map(|j| j.referenced);
        let l = job(entry, global, base_dir)?;
        check_unique(&l.job.job_name, name_at.unwrap_or(Location::UNKNOWN), taken)?;
        taken.push(l.job.job_name.clone());
        log_metrics.push(l);
    }
    Ok(KlaxonConfig { log_metrics })
}

/// Checks a job name against those already taken.
fn check_unique(name: &str, at: Location, taken: &[String]) -> std::result::Result<(), Positioned> {
    if taken.iter().any(|t| t == name) {
        return Err(Positioned::at(
            at,
            format!(
                "found multiple scrape configs with job name {name:?} (log_metrics job names share the scrape job names)"
            ),
        ));
    }
    Ok(())
}

fn str_of(s: &Option<Spanned<Str>>) -> Option<&str> {
    s.as_ref().map(|s| s.value.0.as_str())
}

fn job(
    entry: Entry<RawLogJob>,
    global: &GlobalConfig,
    base_dir: &Path,
) -> Result<LogMetricsConfig> {
    let at = entry.referenced;
    let Some(raw) = entry.value else {
        return Err(Positioned::at(at, "empty or null log_metrics job"));
    };
    let job_name = str_of(&raw.job_name).unwrap_or_default().to_string();
    if job_name.is_empty() {
        return Err(Positioned::at(
            raw.job_name.as_ref().map_or(at, |j| j.referenced),
            "job_name is empty",
        ));
    }

    let files_at = raw.files.as_ref().map_or(at, |f| f.referenced);
    let mut files = Vec::new();
    for f in raw.files.iter().flat_map(|f| &f.value) {
        let mut p = f.value.0.clone();
        if p.is_empty() || !valid_glob_path(&p) || glob::Pattern::new(&p).is_err() {
            return Err(Positioned::at_span(f, format!("invalid log file path {p:?}")));
        }
        join_dir(base_dir, &mut p);
        files.push(p);
    }
    if files.is_empty() {
        return Err(Positioned::at(
            files_at,
            format!("log_metrics job {job_name:?} needs at least one file in files"),
        ));
    }

    let format = match &raw.format {
        None => FormatSpec::Combined,
        Some(f) => {
            let spec =
                FormatSpec::from_config(&f.value.0).map_err(|m| Positioned::at_span(f, m))?;
            spec.compile().map_err(|m| Positioned::at_span(f, m))?;
            spec
        }
    };
    let mut compiled = format
        .compile()
        .map_err(|m| Positioned::at(raw.format.as_ref().map_or(at, |f| f.referenced), m))?;

    let metric_prefix = str_of(&raw.metric_prefix).unwrap_or("nginx").to_string();
    if !ValidationScheme::Legacy.is_valid_metric_name(&metric_prefix) {
        let loc = raw.metric_prefix.as_ref().map_or(at, |p| p.referenced);
        return Err(Positioned::at(loc, format!("invalid metric_prefix {metric_prefix:?}")));
    }
    let instance = str_of(&raw.instance).unwrap_or("localhost").to_string();
    if instance.is_empty() {
        return Err(Positioned::at(
            raw.instance.as_ref().map_or(at, |i| i.referenced),
            "instance is empty",
        ));
    }

    let mut labels = BTreeMap::new();
    if let Some(l) = &raw.labels {
        for (k, v) in &l.value {
            if !ValidationScheme::Legacy.is_valid_label_name(k) || k.starts_with("__") {
                return Err(Positioned::at_span(l, format!("invalid label name {k:?}")));
            }
            if k == "job" || k == "instance" {
                return Err(Positioned::at_span(
                    l,
                    format!("label {k:?} is set by the job itself (job_name, instance)"),
                ));
            }
            labels.insert(k.clone(), v.clone().unwrap_or_default());
        }
    }

    let label_fields = match &raw.label_fields {
        None => vec!["method".to_string(), "status".to_string()],
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for f in &list.value {
                let name = f.value.0.as_str();
                if !ValidationScheme::Legacy.is_valid_label_name(name) || name.starts_with("__") {
                    return Err(Positioned::at_span(
                        f,
                        format!("invalid label field name {name:?}"),
                    ));
                }
                if out.iter().any(|o| o == name) {
                    return Err(Positioned::at_span(
                        f,
                        format!("label field {name:?} listed twice"),
                    ));
                }
                if Field::resolve(&mut compiled, name).is_none() {
                    return Err(Positioned::at_span(
                        f,
                        format!("log format {format} has no field {name:?}"),
                    ));
                }
                out.push(name.to_string());
            }
            out
        }
    };

    let relabel_configs = relabel::convert_list(
        &raw.relabel_configs,
        ValidationScheme::Legacy,
        "empty or null relabeling rule in log_metrics job",
    )?;

    let buckets = match &raw.buckets {
        None => logs::DEFAULT_BUCKETS.to_vec(),
        Some(b) => {
            let v = b.value.clone();
            if v.is_empty()
                || v.iter().any(|x| !x.is_finite())
                || v.windows(2).any(|w| w[0] >= w[1])
            {
                return Err(Positioned::at_span(
                    b,
                    "buckets must be a non-empty list of finite numbers in increasing order",
                ));
            }
            v
        }
    };
    let read_from = match str_of(&raw.read_from) {
        None | Some("end") => ReadFrom::End,
        Some("beginning") => ReadFrom::Beginning,
        Some(other) => {
            let loc = raw.read_from.as_ref().map_or(at, |r| r.referenced);
            return Err(Positioned::at(
                loc,
                format!("read_from must be end or beginning, got {other:?}"),
            ));
        }
    };

    let scrape = scrape_config(&raw, &job_name, &instance, &labels, global, base_dir, at)?;
    Ok(LogMetricsConfig {
        job: JobConfig {
            job_name,
            files,
            format,
            metric_prefix,
            instance,
            labels,
            label_fields,
            relabel_configs,
            buckets,
            read_from,
        },
        scrape,
    })
}

/// The job as a `scrape_configs` entry (so every default and check is the scrape one's):
/// one static target with the stable `instance` as a target label.
fn scrape_config(
    raw: &RawLogJob,
    job_name: &str,
    instance: &str,
    labels: &BTreeMap<String, String>,
    global: &GlobalConfig,
    base_dir: &Path,
    at: Location,
) -> Result<ScrapeConfig> {
    let mut target_labels = labels.clone();
    target_labels.insert("instance".to_string(), instance.to_string());
    let mut entry = serde_json::json!({
        "job_name": job_name,
        "params": {"job": [job_name]},
        "static_configs": [{"targets": [LOG_METRICS_PLACEHOLDER], "labels": target_labels}],
    });
    for (key, d) in
        [("scrape_interval", &raw.scrape_interval), ("scrape_timeout", &raw.scrape_timeout)]
    {
        if let Some(d) = d {
            entry[key] = serde_json::Value::String(d.value.to_string());
        }
    }
    let text = serde_json::json!({ "scrape_configs": [entry] }).to_string();
    // Errors point at the log job: the derived text is not in any file.
    let locate = |p: Positioned| {
        let loc = if p.message.contains("scrape timeout") {
            raw.scrape_timeout.as_ref().map_or(at, |t| t.referenced)
        } else {
            at
        };
        Positioned::at(loc, p.message)
    };
    let file: RawScrapeConfigFile = parse_yaml(&text).map_err(locate)?;
    let Some(e) = file.scrape_configs.into_iter().next() else {
        return Err(Positioned::at(at, "internal error: derived scrape config missing"));
    };
    crate::scrape::convert(e, global, base_dir).map_err(locate)
}

#[cfg(test)]
mod tests;
