//! Reading `prometheus.yml`: strict YAML, then upstream's checks section by section, every
//! error positioned at the YAML node it is about; `scrape_config_files` are read and merged.

use crate::discovery::valid_glob_path;
use crate::error::{ConfigError, Positioned, Result, position_of};
use crate::raw::{RawConfig, RawScrapeConfigFile};
use crate::types::{Config, ScrapeConfig};
use crate::{alerting, global, remote, scrape, sections};
use httpclient::config::join_dir;
use model::gostr::quote;
use model::labels::ValidationScheme;
use serde::Deserialize;
use serde_saphyr::MessageFormatter;
use std::collections::HashMap;
use std::path::Path;

/// Parses YAML strictly; errors carry serde-saphyr's position. An empty document (or one of
/// only comments) is `T::default()`, as Go's decoder leaves the defaults.
pub(crate) fn parse_yaml<'a, T: Deserialize<'a> + Default>(text: &'a str) -> Result<T> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<Option<T>>(text, options)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            let e = e.without_snippet();
            Positioned {
                position: e.location().and_then(position_of),
                message: plain_words(&serde_saphyr::UserMessageFormatter.format_message(e)),
            }
        })
}

/// serde-saphyr's wording for the commonest shape mistakes, said the way a config's author
/// thinks of them.
fn plain_words(msg: &str) -> String {
    match msg {
        "expected sequence start" => "expected a list".into(),
        "expected mapping start" => "expected a mapping (key: value pairs)".into(),
        "expected string scalar" => "expected a string".into(),
        _ => unknown_field(msg).unwrap_or_else(|| msg.to_owned()),
    }
}

/// `unknown field `x`, expected one of <50 names>` → `unknown field `x``, with the closest
/// known name when it is a likely typo.
fn unknown_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once("`, expected ")?;
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    let best = expected
        .split([',', ' '])
        .map(|c| c.trim_matches('`'))
        .filter(|c| !c.is_empty() && *c != "or")
        .map(|c| (edit_distance(field, c), c))
        .min();
    Some(match best {
        Some((d, c)) if d <= 2.max(field.len() / 4) => {
            format!("unknown field `{field}` (did you mean `{c}`?)")
        }
        _ => format!("unknown field `{field}`"),
    })
}

/// Levenshtein distance over bytes (field names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Loads `text` as the file `label` in `base_dir`, looking environment variables up with `env`.
pub(crate) fn load(
    text: &str,
    base_dir: &Path,
    label: &str,
    env: &dyn Fn(&str) -> String,
) -> std::result::Result<Config, ConfigError> {
    let raw: RawConfig = parse_yaml(text).map_err(|p| p.in_file(label))?;
    let in_file = |p: Positioned| p.in_file(label);

    let global = global::convert(raw.global, base_dir, env).map_err(in_file)?;
    let scheme = if global.metric_name_validation_scheme == "legacy" {
        ValidationScheme::Legacy
    } else {
        ValidationScheme::Utf8
    };
    let mut rule_files = Vec::with_capacity(raw.rule_files.len());
    for f in &raw.rule_files {
        if !valid_glob_path(&f.value.0) {
            return Err(in_file(Positioned::at_span(
                f,
                format!("invalid rule file path {}", quote(&f.value.0)),
            )));
        }
        let mut p = f.value.0.clone();
        join_dir(base_dir, &mut p);
        rule_files.push(p);
    }
    let mut scrape_config_files = Vec::with_capacity(raw.scrape_config_files.len());
    for f in &raw.scrape_config_files {
        if !valid_glob_path(&f.value.0) {
            return Err(in_file(Positioned::at_span(
                f,
                format!("invalid scrape config file path {}", quote(&f.value.0)),
            )));
        }
        let mut p = f.value.0.clone();
        join_dir(base_dir, &mut p);
        scrape_config_files.push(p);
    }

    let mut scrape_configs: Vec<ScrapeConfig> = Vec::with_capacity(raw.scrape_configs.len());
    let mut job_names: HashMap<String, String> = HashMap::new();
    for entry in raw.scrape_configs {
        let name_at = entry.value.as_ref().and_then(|e| e.job_name.as_ref()).map(|j| j.referenced);
        let sc = scrape::convert(entry, &global, base_dir).map_err(in_file)?;
        if job_names.contains_key(&sc.job_name) {
            let at = name_at.unwrap_or(serde_saphyr::Location::UNKNOWN);
            return Err(in_file(Positioned::at(
                at,
                format!("found multiple scrape configs with job name {}", quote(&sc.job_name)),
            )));
        }
        job_names.insert(sc.job_name.clone(), "main config file".into());
        scrape_configs.push(sc);
    }

    let alerting = alerting::convert(raw.alerting, scheme, base_dir).map_err(in_file)?;
    let remote_write = remote::convert_all(raw.remote_write, scheme, base_dir).map_err(in_file)?;
    let remote_read = remote::check_remote_read(raw.remote_read).map_err(in_file)?;
    let storage = sections::storage(raw.storage).map_err(in_file)?;
    let tracing = sections::tracing(raw.tracing, base_dir).map_err(in_file)?;

    let mut taken: Vec<String> = job_names.keys().cloned().collect();
    let klaxon =
        crate::log_metrics::convert(raw.klaxon, &global, base_dir, &mut taken).map_err(in_file)?;
    for l in &klaxon.log_metrics {
        job_names.insert(l.job.job_name.clone(), "klaxon.log_metrics".into());
    }

    for pattern in &scrape_config_files {
        for file in glob_files(pattern).map_err(|m| Positioned::nowhere(m).in_file(label))? {
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Positioned::nowhere(format!("open {shown}: {e}")).in_file(&shown))?;
            let raw: RawScrapeConfigFile = parse_yaml(&text).map_err(|p| p.in_file(&shown))?;
            let dir = file.parent().unwrap_or(Path::new(""));
            for entry in raw.scrape_configs {
                let name_at =
                    entry.value.as_ref().and_then(|e| e.job_name.as_ref()).map(|j| j.referenced);
                let sc = scrape::convert(entry, &global, dir).map_err(|p| p.in_file(&shown))?;
                if let Some(first) = job_names.get(&sc.job_name) {
                    let at = name_at.unwrap_or(serde_saphyr::Location::UNKNOWN);
                    return Err(Positioned::at(
                        at,
                        format!(
                            "found multiple scrape configs with job name {}, first found in {first}",
                            quote(&sc.job_name)
                        ),
                    )
                    .in_file(&shown));
                }
                job_names.insert(sc.job_name.clone(), quote(&shown));
                scrape_configs.push(sc);
            }
        }
    }

    Ok(Config {
        global,
        rule_files,
        scrape_config_files,
        scrape_configs,
        alerting,
        remote_write,
        remote_read,
        storage,
        tracing,
        otlp: raw.otlp.unwrap_or_default(),
        runtime: raw.runtime.unwrap_or_default(),
        klaxon,
        base_dir: base_dir.to_path_buf(),
        original: text.to_owned(),
    })
}

/// Go's `filepath.Glob`: the matching files, sorted; a pattern without wildcards matches
/// the file if it exists.
fn glob_files(pattern: &str) -> std::result::Result<Vec<std::path::PathBuf>, String> {
    let paths = glob::glob(pattern)
        .map_err(|e| format!("error retrieving scrape config files for {}: {e}", quote(pattern)))?;
    let mut out: Vec<_> =
        paths.filter_map(std::result::Result::ok).filter(|p| p.is_file()).collect();
    out.sort();
    Ok(out)
}
