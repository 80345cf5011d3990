//! `file_sd_configs`: target groups read from JSON or YAML files matched by globs.
//!
//! Each file is a list of `{targets: [...], labels: {...}}`; every group gets
//! `__meta_filepath` and the source `<path>:<index>`. A file that fails to parse keeps its
//! previous groups (the error names `file:line:col` and counts in
//! `prometheus_sd_file_read_errors_total`); a deleted file, or groups cut from the end of a
//! file, send empty groups for their sources.
//!
//! Watching is by polling, not inotify: every `poll_interval` (5 s) the globs are expanded and
//! each file's modification time and size compared with the last read; changed files are
//! re-read, and every `refresh_interval` all files are re-read regardless. Polling costs a
//! `stat` per file per tick, sees changes that inotify misses (NFS, Kubernetes ConfigMap
//! symlink swaps, editors that replace files, directories created after start), needs no
//! watcher thread, and is testable with paused time. Its latency is within the manager's own
//! 5 s throttle.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use config::FileSdConfig;
use serde::Deserialize;
use tokio::time::{Instant, MissedTickBehavior};

use super::{GroupSender, Provider, SdMetrics, TargetGroup, refresh_period, vanished_groups};

/// The label that names the file a target came from.
pub const FILEPATH_LABEL: &str = "__meta_filepath";

/// How often files are checked for changes unless the options say otherwise.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct FileProvider {
    config: FileSdConfig,
    poll_interval: Duration,
    metrics: SdMetrics,
}

impl FileProvider {
    pub fn new(config: FileSdConfig, poll_interval: Duration, metrics: SdMetrics) -> Self {
        FileProvider { config, poll_interval, metrics }
    }
}

impl Provider for FileProvider {
    fn run(self: Box<Self>, out: GroupSender) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let refresh = refresh_period(self.config.refresh_interval);
            let mut scanner = Scanner::new(self.config.files.clone(), self.metrics.clone());
            let Some(groups) = scan(&mut scanner, true).await else { return };
            if !out.send(groups) {
                return;
            }
            let mut last_full = Instant::now();
            let mut tick = tokio::time::interval(self.poll_interval.max(Duration::from_millis(1)));
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let full = last_full.elapsed() >= refresh;
                if full {
                    last_full = Instant::now();
                }
                let Some(groups) = scan(&mut scanner, full).await else { return };
                if !groups.is_empty() && !out.send(groups) {
                    return;
                }
            }
        })
    }
}

/// Runs a scan off the async threads (it stats and reads files). `None` if it panicked.
async fn scan(scanner: &mut Scanner, full: bool) -> Option<Vec<TargetGroup>> {
    let placeholder = Scanner::new(Vec::new(), scanner.metrics.clone());
    let mut owned = std::mem::replace(scanner, placeholder);
    let (back, groups) = tokio::task::spawn_blocking(move || {
        let groups = owned.scan(full);
        (owned, groups)
    })
    .await
    .ok()?;
    *scanner = back;
    Some(groups)
}

/// What the last read of one file gave.
#[derive(Debug, Default)]
struct Watched {
    stamp: Option<Stamp>,
    groups: Vec<TargetGroup>,
}

/// Enough of a file's metadata to tell that it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp { modified: meta.modified().ok(), len: meta.len() }
    }
}

/// The state of one `file_sd_configs` entry between scans.
#[derive(Debug)]
pub struct Scanner {
    patterns: Vec<String>,
    files: BTreeMap<PathBuf, Watched>,
    metrics: SdMetrics,
}

impl Scanner {
    pub fn new(patterns: Vec<String>, metrics: SdMetrics) -> Self {
        Scanner { patterns, files: BTreeMap::new(), metrics }
    }

    /// Checks the globs and files; returns the groups that changed since the last scan
    /// (empty groups for sources that went). `full` re-reads files whose metadata did not
    /// change too.
    pub fn scan(&mut self, full: bool) -> Vec<TargetGroup> {
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let mut present = BTreeSet::new();
        for path in self.list() {
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            if !meta.is_file() {
                continue;
            }
            present.insert(path.clone());
            let stamp = Stamp::of(&meta);
            let watched = self.files.entry(path.clone()).or_default();
            if !full && watched.stamp == Some(stamp) {
                continue;
            }
            watched.stamp = Some(stamp);
            match read_file(&path) {
                Ok(groups) => {
                    if groups != watched.groups {
                        let name = path.display().to_string();
                        out.extend(vanished_groups(&name, groups.len(), watched.groups.len()));
                        out.extend(groups.iter().cloned());
                        watched.groups = groups;
                    }
                }
                Err(err) => {
                    self.metrics.file_read_errors.inc();
                    tracing::error!(file = %path.display(), err = %err, "Error reading file SD file; keeping its last good targets");
                }
            }
        }
        self.files.retain(|path, watched| {
            if present.contains(path) {
                return true;
            }
            let name = path.display().to_string();
            out.extend(vanished_groups(&name, 0, watched.groups.len()));
            false
        });
        self.metrics.file_scan_duration.observe(started.elapsed().as_secs_f64());
        out
    }

    /// The files the globs match now, sorted.
    fn list(&self) -> BTreeSet<PathBuf> {
        let mut files = BTreeSet::new();
        for pattern in &self.patterns {
            match glob::glob(pattern) {
                Ok(paths) => files.extend(paths.filter_map(Result::ok)),
                Err(err) => {
                    tracing::error!(pattern = %pattern, err = %err, "Invalid file SD pattern")
                }
            }
        }
        files
    }
}

/// One group as a file (or an HTTP SD answer) writes it.
#[derive(Debug, Deserialize)]
pub(super) struct RawGroup {
    #[serde(default)]
    pub(super) targets: Option<Vec<String>>,
    #[serde(default)]
    pub(super) labels: Option<BTreeMap<String, String>>,
}

/// The same for YAML, where upstream rejects unknown keys (its JSON decoding ignores them).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictRawGroup {
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

impl From<StrictRawGroup> for RawGroup {
    fn from(g: StrictRawGroup) -> Self {
        RawGroup { targets: g.targets, labels: g.labels }
    }
}

/// Reads one file SD file into its groups; errors start with `file:line:col` where known.
pub fn read_file(path: &Path) -> Result<Vec<TargetGroup>, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    parse_groups(&text, &name)
}

/// Parses the text of file `name` (its extension picks JSON or YAML).
pub fn parse_groups(text: &str, name: &str) -> Result<Vec<TargetGroup>, String> {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let raw: Vec<Option<RawGroup>> = match ext.as_str() {
        "json" => parse_json(text).map_err(|e| format!("{name}:{e}"))?,
        "yml" | "yaml" => parse_yaml(text).map_err(|e| format!("{name}:{e}"))?,
        _ => return Err(format!("{name}: unsupported file extension (want .json, .yml or .yaml)")),
    };
    raw.into_iter()
        .enumerate()
        .map(|(i, group)| build_group(group, i, name, FILEPATH_LABEL, name))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{name}: {e}"))
}

/// The `i`th group read from `origin` (a file or URL): source `<origin>:<i>`, plus the meta
/// label that names the origin. Errors for what upstream rejects: `null` items, empty label
/// names.
pub(super) fn build_group(
    group: Option<RawGroup>,
    i: usize,
    origin: &str,
    meta_label: &str,
    meta_value: &str,
) -> Result<TargetGroup, String> {
    let group = group.ok_or_else(|| format!("target group {i}: nil target group item found"))?;
    let mut labels = group.labels.unwrap_or_default();
    if let Some(bad) = labels.keys().find(|k| k.is_empty()) {
        return Err(format!("target group {i}: invalid label name {bad:?}"));
    }
    labels.insert(meta_label.to_owned(), meta_value.to_owned());
    Ok(TargetGroup {
        targets: group.targets.unwrap_or_default(),
        labels,
        source: format!("{origin}:{i}"),
    })
}

/// JSON, with errors as `line:col: message`.
pub(super) fn parse_json(text: &str) -> Result<Vec<Option<RawGroup>>, String> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        format!("{}:{}: {message}", e.line(), e.column())
    })
}

/// YAML, with errors as `line:col: message` (upstream: an empty file is an empty list).
fn parse_yaml(text: &str) -> Result<Vec<Option<RawGroup>>, String> {
    use serde_saphyr::MessageFormatter;
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let groups: Vec<Option<StrictRawGroup>> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| {
            let e = e.without_snippet();
            let message = serde_saphyr::UserMessageFormatter.format_message(e).to_string();
            match e.location().filter(|l| l.line() != 0) {
                Some(l) => format!("{}:{}: {message}", l.line(), l.column()),
                None => format!(" {message}"),
            }
        })?;
    Ok(groups.into_iter().map(|g| g.map(RawGroup::from)).collect())
}

#[cfg(test)]
mod tests;
