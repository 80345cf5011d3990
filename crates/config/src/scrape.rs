//! One `scrape_configs` entry: defaults from `global`, upstream's checks and texts.

use crate::discovery::{self, SdLists};
use crate::error::{Positioned, Result};
use crate::global::{ESCAPING_SCHEMES, scrape_protocol, scrape_protocols, validation_scheme};
use crate::raw::{Entry, RawScrape};
use crate::relabel;
use crate::types::{GlobalConfig, ScrapeConfig, ScrapeLimits, ScrapeProtocol};
use httpclient::config::join_dir;
use model::duration::Duration;
use model::gostr::quote;
use model::labels::ValidationScheme;
use std::path::Path;

/// Converts one entry (`base_dir`: the directory of the file it was written in).
pub(crate) fn convert(
    entry: Entry<RawScrape>,
    global: &GlobalConfig,
    base_dir: &Path,
) -> Result<ScrapeConfig> {
    let at = entry.referenced;
    let Some(mut raw) = entry.value else {
        return Err(Positioned::at(at, "empty or null scrape config section"));
    };
    let err = |m: String| Positioned::at(at, m);

    // What upstream checks while decoding the entry: the discovery blocks first, then the
    // job's own fields.
    if let Some((sd, loc)) = raw.unsupported_sd() {
        return Err(Positioned::at(loc, crate::discovery::unsupported_message(sd)));
    }
    let service_discovery = discovery::convert(
        SdLists {
            static_configs: &raw.static_configs,
            file_sd_configs: &raw.file_sd_configs,
            http_sd_configs: &mut raw.http_sd_configs,
            dns_sd_configs: &raw.dns_sd_configs,
        },
        base_dir,
    )?;
    let job_name = raw.job_name.as_ref().map(|j| j.value.0.clone()).unwrap_or_default();
    if job_name.is_empty() {
        return Err(Positioned::at(
            raw.job_name.as_ref().map_or(at, |j| j.referenced),
            "job_name is empty",
        ));
    }
    let mut http_client = raw.take_http_config(true);
    http_client.validate(base_dir).map_err(err)?;
    if raw.relabel_configs.is_empty() {
        discovery::check_static_addresses(&raw.static_configs)?;
    }
    for (list, what) in [(&raw.relabel_configs, "target"), (&raw.metric_relabel_configs, "metric")]
    {
        if let Some(e) = list.iter().find(|e| e.value.is_none()) {
            return Err(Positioned::at_span(
                e,
                format!("empty or null {what} relabeling rule in scrape config"),
            ));
        }
    }

    // Then `Validate(global)`.
    let job = quote(&job_name);
    let scrape_interval =
        raw.scrape_interval.filter(|d| !d.is_zero()).unwrap_or(global.scrape_interval);
    let timeout = raw.scrape_timeout.as_ref().map_or(Duration::ZERO, |t| t.value);
    if timeout > scrape_interval {
        let loc = raw.scrape_timeout.as_ref().map_or(at, |t| t.referenced);
        return Err(Positioned::at(
            loc,
            format!(
                "scrape timeout greater than scrape interval for scrape config with job name {job}"
            ),
        ));
    }
    let scrape_timeout =
        if timeout.is_zero() { global.scrape_timeout.min(scrape_interval) } else { timeout };
    let pick = |local: Option<u64>, global: u64| local.filter(|v| *v != 0).unwrap_or(global);
    let g = &global.limits;
    let limits = ScrapeLimits {
        body_size_limit: pick(raw.body_size_limit.map(|b| b.limit()), g.body_size_limit),
        sample_limit: pick(raw.sample_limit, g.sample_limit),
        label_limit: pick(raw.label_limit, g.label_limit),
        label_name_length_limit: pick(raw.label_name_length_limit, g.label_name_length_limit),
        label_value_length_limit: pick(raw.label_value_length_limit, g.label_value_length_limit),
        target_limit: pick(raw.target_limit, g.target_limit),
        keep_dropped_targets: pick(raw.keep_dropped_targets, g.keep_dropped_targets),
    };
    let mut scrape_failure_log_file = raw.scrape_failure_log_file.clone();
    join_dir(base_dir, &mut scrape_failure_log_file);
    if scrape_failure_log_file.is_empty() {
        scrape_failure_log_file.clone_from(&global.scrape_failure_log_file);
    }
    let scrape_native_histograms =
        raw.scrape_native_histograms.unwrap_or(global.scrape_native_histograms);
    let protocols = match &raw.scrape_protocols {
        Some(p) => scrape_protocols(&p.value).map_err(|e| {
            Positioned::at_span(p, format!("{e} for scrape config with job name {job}"))
        })?,
        None if global.scrape_protocols_set => global.scrape_protocols.clone(),
        None if scrape_native_histograms => ScrapeProtocol::DEFAULT_PROTO_FIRST.to_vec(),
        None => ScrapeProtocol::DEFAULT.to_vec(),
    };
    let fallback_scrape_protocol = match &raw.fallback_scrape_protocol {
        Some(f) if !f.value.0.is_empty() => Some(scrape_protocol(&f.value.0).map_err(|e| {
            Positioned::at_span(
                f,
                format!(
                    "invalid fallback_scrape_protocol for scrape config with job name {job}: {e}"
                ),
            )
        })?),
        _ => None,
    };

    // Name validation and escaping, as upstream derives them.
    let local_scheme = match &raw.metric_name_validation_scheme {
        Some(s) => validation_scheme(&s.value.0).map_err(|m| Positioned::at_span(s, m))?,
        None => None,
    };
    let validation =
        local_scheme.unwrap_or(global.metric_name_validation_scheme.as_str()).to_string();
    let global_escaping = match global.metric_name_escaping_scheme.as_str() {
        "" if global.metric_name_validation_scheme == "legacy" => "underscores",
        "" => "allow-utf-8",
        other => other,
    };
    let escaping = match raw.metric_name_escaping_scheme.as_ref().map(|e| e.value.0.as_str()) {
        Some(e) if !e.is_empty() => e.to_string(),
        _ if local_scheme.is_none() => global_escaping.to_string(),
        _ if validation == "legacy" => "underscores".to_string(),
        _ => "allow-utf-8".to_string(),
    };
    let escaping_at = raw.metric_name_escaping_scheme.as_ref().map_or(at, |e| e.referenced);
    if escaping == "allow-utf-8" && validation != "utf8" {
        return Err(Positioned::at(
            escaping_at,
            "utf8 metric names requested but validation scheme is not set to UTF8",
        ));
    }
    if !ESCAPING_SCHEMES.contains(&escaping.as_str()) {
        return Err(Positioned::at(
            escaping_at,
            format!(
                "unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got {}",
                quote(&escaping)
            ),
        ));
    }
    let scheme =
        if validation == "legacy" { ValidationScheme::Legacy } else { ValidationScheme::Utf8 };
    let relabel_configs = relabel::convert_list(
        &raw.relabel_configs,
        scheme,
        "empty or null target relabeling rule in scrape config",
    )?;
    let metric_relabel_configs = relabel::convert_list(
        &raw.metric_relabel_configs,
        scheme,
        "empty or null metric relabeling rule in scrape config",
    )?;

    let url_scheme = raw.scheme.as_ref().map(|s| s.value.0.clone()).filter(|s| !s.is_empty());
    let url_scheme = url_scheme.unwrap_or_else(|| "http".into());
    if url_scheme != "http" && url_scheme != "https" {
        let loc = raw.scheme.as_ref().map_or(at, |s| s.referenced);
        return Err(Positioned::at(
            loc,
            format!(
                "invalid scheme {} for scrape config with job name {job}: must be http or https",
                quote(&url_scheme)
            ),
        ));
    }
    Ok(ScrapeConfig {
        job_name,
        scrape_interval,
        scrape_timeout,
        metrics_path: raw
            .metrics_path
            .map(|p| p.0)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/metrics".into()),
        scheme: url_scheme,
        params: raw.params,
        honor_labels: raw.honor_labels.unwrap_or(false),
        honor_timestamps: raw.honor_timestamps.unwrap_or(true),
        track_timestamps_staleness: raw.track_timestamps_staleness.unwrap_or(false),
        enable_compression: raw.enable_compression.unwrap_or(true),
        scrape_protocols: protocols,
        fallback_scrape_protocol,
        limits,
        http_client,
        service_discovery,
        relabel_configs,
        metric_relabel_configs,
        scrape_native_histograms,
        always_scrape_classic_histograms: raw
            .always_scrape_classic_histograms
            .unwrap_or(global.always_scrape_classic_histograms),
        convert_classic_histograms_to_nhcb: raw
            .convert_classic_histograms_to_nhcb
            .unwrap_or(global.convert_classic_histograms_to_nhcb),
        extra_scrape_metrics: raw.extra_scrape_metrics.unwrap_or(global.extra_scrape_metrics),
        scrape_failure_log_file,
        metric_name_validation_scheme: validation,
        metric_name_escaping_scheme: escaping,
        native_histogram_bucket_limit: raw.native_histogram_bucket_limit.unwrap_or(0),
        native_histogram_min_bucket_factor: raw.native_histogram_min_bucket_factor.unwrap_or(0.0),
    })
}
