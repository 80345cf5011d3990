//! From a scraped body to appended samples: parse, look up or build each series' labels
//! (target labels, `honor_labels`, `metric_relabel_configs`), enforce the limits, append, and
//! write staleness markers. Synchronous and free of I/O so benches and tests call it directly.

use std::sync::Arc;

use config::ScrapeLimits;
use model::labels::{Labels, LabelsBuilder};
use model::relabel::RelabelConfig;
use model::storage::{AppendError, Appender, stale_nan};

use super::cache::{Entry, ScrapeCache};
use crate::exposition::{Entry as Line, Format, Parser};
use crate::fetch::ScrapeError;

/// Samples more than this far ahead of the scraper's clock are rejected (out of bounds).
pub const MAX_AHEAD_MS: i64 = 10 * 60 * 1000;

/// How a target's samples become series; fixed for the life of a scrape loop.
#[derive(Debug, Clone, Default)]
pub struct SampleRules {
    /// The target's public labels (no `__` prefix): `job`, `instance` and the rest.
    pub target_labels: Labels,
    pub honor_labels: bool,
    pub honor_timestamps: bool,
    pub track_timestamps_staleness: bool,
    pub metric_relabel_configs: Arc<[RelabelConfig]>,
    pub limits: ScrapeLimits,
}

/// Counts of one scrape, for the synthetic series and the self-metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppendStats {
    /// Samples in the exposition (`scrape_samples_scraped`).
    pub total: u64,
    /// Samples kept after metric relabelling (`scrape_samples_post_metric_relabeling`).
    pub added: u64,
    /// Series new to this target's cache (`scrape_series_added`).
    pub series_added: u64,
    pub out_of_order: u64,
    pub duplicates: u64,
    pub out_of_bounds: u64,
    pub sample_limit_exceeded: bool,
    pub label_limit_exceeded: bool,
}

/// Appends one scrape's body. On error nothing should be committed: the caller rolls back and
/// calls [`append_failed`] on a fresh appender.
#[allow(clippy::too_many_arguments)]
pub fn append_body(
    cache: &mut ScrapeCache,
    rules: &SampleRules,
    builder: &mut LabelsBuilder,
    app: &mut dyn Appender,
    body: &[u8],
    format: Format,
    scrape_ts: i64,
    now_ms: i64,
    stats: &mut AppendStats,
) -> Result<(), ScrapeError> {
    if body.is_empty() {
        // Upstream reads an empty body as an empty scrape, whatever its content type.
        append_stale_markers(cache, app, scrape_ts);
        cache.iter_done(false);
        return Ok(());
    }
    let max_t = now_ms.saturating_add(MAX_AHEAD_MS);
    let sample_limit = rules.limits.sample_limit;
    let mut appended: u64 = 0;
    let mut parser = Parser::new(body, format);
    let iter = cache.iter;
    while let Some(entry) = parser.next_entry() {
        let series = match entry {
            Err(e) => return Err(ScrapeError::Parse(e.to_string())),
            Ok(Line::Series(s)) => s,
            Ok(Line::Type { name, kind }) => {
                cache.set_type(&name, kind);
                continue;
            }
            Ok(Line::Help { name, help }) => {
                cache.set_help(&name, &help);
                continue;
            }
            Ok(Line::Unit { name, unit }) => {
                cache.set_unit(&name, &unit);
                continue;
            }
            Ok(Line::Comment(_) | Line::Eof) => continue,
        };
        stats.total += 1;
        let explicit = if rules.honor_timestamps { series.timestamp } else { None };
        let t = explicit.unwrap_or(scrape_ts);

        // Kept series are the common case: look them up first (upstream checks the dropped
        // ones first; a text is never in both).
        let (labels, cached, already) = match cache.series.get_mut(series.raw) {
            Some(e) => {
                let already = e.last_iter == iter;
                e.last_iter = iter;
                (e.labels.clone(), true, already)
            }
            None if cache.dropped.contains_key(series.raw) => {
                if let Some(seen) = cache.dropped.get_mut(series.raw) {
                    *seen = iter;
                }
                continue;
            }
            None => {
                let Some(labels) = sample_labels(series.to_labels(), rules, builder) else {
                    cache.dropped.insert(series.raw.into(), iter);
                    continue;
                };
                if labels.metric_name().is_none_or(str::is_empty) {
                    return Err(ScrapeError::Parse(
                        "missing metric name (__name__ label)".to_string(),
                    ));
                }
                if let Err(e) = check_label_limits(&labels, &rules.limits) {
                    stats.label_limit_exceeded = true;
                    return Err(e);
                }
                (labels, false, false)
            }
        };

        let limited = sample_limit > 0 && appended >= sample_limit;
        let result = if already && explicit.is_none() {
            Err(AppendError::DuplicateTimestamp)
        } else if limited {
            // Keep parsing so `scrape_samples_scraped` counts the whole exposition.
            stats.sample_limit_exceeded = true;
            Ok(false)
        } else if t > max_t {
            Err(AppendError::OutOfBounds)
        } else {
            app.append(&labels, t, series.value).map(|()| true)
        };
        let sample_added = match result {
            Ok(true) => {
                appended += 1;
                if explicit.is_none() || rules.track_timestamps_staleness {
                    cache.cur.insert(labels.clone());
                }
                true
            }
            Ok(false) => false,
            Err(AppendError::OutOfOrder) => {
                stats.out_of_order += 1;
                false
            }
            Err(AppendError::DuplicateTimestamp) => {
                stats.duplicates += 1;
                false
            }
            Err(AppendError::OutOfBounds | AppendError::TooOld) => {
                stats.out_of_bounds += 1;
                false
            }
            Err(e @ AppendError::InvalidLabels(_)) => {
                return Err(ScrapeError::Parse(format!("{e} ({labels})")));
            }
        };
        if !cached && sample_added {
            cache.series.insert(series.raw.into(), Entry { labels, last_iter: iter });
            if !stats.sample_limit_exceeded {
                stats.series_added += 1;
            }
        }
        stats.added += 1;
    }
    if stats.sample_limit_exceeded {
        return Err(ScrapeError::SampleLimit);
    }
    append_stale_markers(cache, app, scrape_ts);
    cache.iter_done(true);
    Ok(())
}

/// After a failed scrape (the body's appender rolled back): stale markers for every series of
/// the previous scrape, and the cache moves on without flushing.
pub fn append_failed(cache: &mut ScrapeCache, app: &mut dyn Appender, scrape_ts: i64) {
    cache.cur.clear();
    append_stale_markers(cache, app, scrape_ts);
    cache.iter_done(false);
}

/// Stale markers for the series of the previous scrape that this one did not write. Out of
/// order and duplicate answers are expected (a target recreated by a new loop) and ignored.
fn append_stale_markers(cache: &ScrapeCache, app: &mut dyn Appender, ts: i64) {
    for labels in cache.stale_series() {
        let _ = app.append(labels, ts, stale_nan());
    }
}

/// The label set to store for a scraped series, or `None` when metric relabelling drops it.
pub fn sample_labels(
    scraped: Labels,
    rules: &SampleRules,
    builder: &mut LabelsBuilder,
) -> Option<Labels> {
    let target = &rules.target_labels;
    let relabel = &rules.metric_relabel_configs;
    if target.is_empty() && relabel.is_empty() {
        return Some(scraped);
    }
    builder.reset(scraped.clone());
    if rules.honor_labels {
        for l in target.iter() {
            if scraped.get(l.name).is_none_or(str::is_empty) {
                builder.set(l.name, l.value);
            }
        }
    } else {
        let mut conflicts: Vec<(&str, &str)> = Vec::new();
        for l in target.iter() {
            if let Some(v) = scraped.get(l.name).filter(|v| !v.is_empty()) {
                conflicts.push((l.name, v));
            }
            builder.set(l.name, l.value);
        }
        // Shortest names first, each moved to the first free `exported_…` name.
        conflicts.sort_by_key(|(n, _)| n.len());
        for (name, value) in conflicts {
            let mut exported = name.to_string();
            loop {
                exported.insert_str(0, "exported_");
                if builder.get(&exported).is_empty() {
                    builder.set(&exported, value);
                    break;
                }
            }
        }
    }
    if !relabel.is_empty() && !model::relabel::relabel_builder(builder, relabel) {
        return None;
    }
    let labels = builder.labels();
    (!labels.is_empty()).then_some(labels)
}

/// `label_limit`, `label_name_length_limit`, `label_value_length_limit`, with upstream's texts.
fn check_label_limits(labels: &Labels, limits: &ScrapeLimits) -> Result<(), ScrapeError> {
    let metric = trunc(labels.metric_name().unwrap_or(""));
    if limits.label_limit > 0 && labels.len() as u64 > limits.label_limit {
        return Err(ScrapeError::LabelLimit(format!(
            "label_limit exceeded (metric: {metric}, number of labels: {}, limit: {})",
            labels.len(),
            limits.label_limit
        )));
    }
    if limits.label_name_length_limit == 0 && limits.label_value_length_limit == 0 {
        return Ok(());
    }
    for l in labels.iter() {
        let limit = limits.label_name_length_limit;
        if limit > 0 && l.name.len() as u64 > limit {
            return Err(ScrapeError::LabelLimit(format!(
                "label_name_length_limit exceeded (metric: {metric}, label name: {}, length: {}, limit: {limit})",
                trunc(l.name),
                l.name.len()
            )));
        }
        let limit = limits.label_value_length_limit;
        if limit > 0 && l.value.len() as u64 > limit {
            return Err(ScrapeError::LabelLimit(format!(
                "label_value_length_limit exceeded (metric: {metric}, label name: {}, value: {:?}, length: {}, limit: {limit})",
                trunc(l.name),
                trunc(l.value),
                l.value.len()
            )));
        }
    }
    Ok(())
}

/// Go's `%.50s`: at most 50 characters.
fn trunc(s: &str) -> &str {
    match s.char_indices().nth(50) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Appends `value` for each synthetic series (labels built once per loop).
pub fn append_report(app: &mut dyn Appender, series: &[(Labels, f64)], ts: i64) {
    for (labels, value) in series {
        // A target exposing its own `up` with honor_labels can collide; upstream logs and
        // carries on.
        let _ = app.append(labels, ts, *value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(target: &[(&str, &str)], honor: bool) -> SampleRules {
        SampleRules {
            target_labels: Labels::from_pairs(target.iter().copied()),
            honor_labels: honor,
            honor_timestamps: true,
            ..SampleRules::default()
        }
    }

    #[test]
    fn conflicting_labels_are_exported_shortest_first() {
        let r = rules(&[("job", "j"), ("instance", "i"), ("exported_job", "x")], false);
        let scraped = Labels::from_pairs([("__name__", "m"), ("job", "mine"), ("instance", "me")]);
        let got = sample_labels(scraped, &r, &mut LabelsBuilder::default()).unwrap();
        assert_eq!(
            got,
            Labels::from_pairs([
                ("__name__", "m"),
                ("job", "j"),
                ("instance", "i"),
                ("exported_job", "x"),
                ("exported_exported_job", "mine"),
                ("exported_instance", "me"),
            ])
        );
    }

    #[test]
    fn honor_labels_keeps_scraped_values() {
        let r = rules(&[("job", "j"), ("instance", "i")], true);
        let scraped = Labels::from_pairs([("__name__", "m"), ("job", "mine")]);
        let got = sample_labels(scraped, &r, &mut LabelsBuilder::default()).unwrap();
        assert_eq!(
            got,
            Labels::from_pairs([("__name__", "m"), ("job", "mine"), ("instance", "i")])
        );
    }

    /// Records appends; nothing is ever committed.
    #[derive(Default)]
    struct Recorder(Vec<(String, i64, f64)>);

    impl Appender for Recorder {
        fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
            self.0.push((labels.metric_name().unwrap_or("").to_string(), t, f));
            Ok(())
        }
        fn commit(self: Box<Self>) -> Result<(), model::storage::StorageError> {
            Ok(())
        }
        fn rollback(self: Box<Self>) {}
    }

    #[test]
    fn samples_far_in_the_future_are_out_of_bounds() {
        let now = 1_000_000_000_000;
        let body =
            format!("near 1 {}\nfar 2 {}\nplain 3\n", now + MAX_AHEAD_MS, now + MAX_AHEAD_MS + 1);
        let mut cache = ScrapeCache::new();
        let mut app = Recorder::default();
        let mut stats = AppendStats::default();
        let r = rules(&[], false);
        append_body(
            &mut cache,
            &r,
            &mut LabelsBuilder::default(),
            &mut app,
            body.as_bytes(),
            Format::PrometheusText,
            now,
            now,
            &mut stats,
        )
        .unwrap();
        let names: Vec<&str> = app.0.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["near", "plain"]);
        assert_eq!(stats.out_of_bounds, 1);
        assert_eq!((stats.total, stats.added, stats.series_added), (3, 3, 2));
    }

    #[test]
    fn cached_series_skip_relabelling_and_repeat_as_duplicates() {
        let mut cache = ScrapeCache::new();
        let r = rules(&[("job", "j")], false);
        let mut b = LabelsBuilder::default();
        for (i, ts) in [(0u64, 1000), (1, 2000)] {
            let mut app = Recorder::default();
            let mut stats = AppendStats::default();
            append_body(
                &mut cache,
                &r,
                &mut b,
                &mut app,
                b"m 1\nm 2\n",
                Format::PrometheusText,
                ts,
                ts,
                &mut stats,
            )
            .unwrap();
            assert_eq!(app.0.len(), 1, "the repeated line is a duplicate");
            assert_eq!(stats.duplicates, 1);
            assert_eq!(stats.series_added, 1 - i);
            assert_eq!(cache.len(), 1);
        }
    }

    #[test]
    fn label_limit_texts() {
        let l = Labels::from_pairs([("__name__", "m"), ("a", "12345")]);
        let limits = ScrapeLimits { label_value_length_limit: 3, ..Default::default() };
        let err = check_label_limits(&l, &limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "label_value_length_limit exceeded (metric: m, label name: a, value: \"12345\", length: 5, limit: 3)"
        );
        let limits = ScrapeLimits { label_limit: 1, ..Default::default() };
        assert!(check_label_limits(&l, &limits).is_err());
    }
}
