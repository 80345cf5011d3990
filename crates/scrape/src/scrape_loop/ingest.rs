//! From a scraped body to appended samples: parse, look up or build each series' labels
//! (target labels, `honor_labels`, `metric_relabel_configs`), enforce the limits, append, and
//! write staleness markers. Synchronous and free of I/O so benches and tests call it directly.

use std::sync::Arc;

use config::ScrapeLimits;
use model::labels::{Labels, LabelsBuilder};
use model::relabel::RelabelConfig;
use model::storage::{AppendError, Appender, SeriesHint, stale_nan};

use super::cache::{Entry, ScrapeCache, stamp};
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
        append_stale_markers(cache, app, scrape_ts, false);
        cache.iter_done(false, true);
        return Ok(());
    }
    let max_t = now_ms.saturating_add(MAX_AHEAD_MS);
    let sample_limit = rules.limits.sample_limit;
    let mut appended: u64 = 0;
    // Labels are parsed only for series text the cache does not know.
    let mut parser = Parser::new(body, format).defer_labels();
    let iter = cache.iter;
    let now = stamp(iter);
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
        let track = explicit.is_none() || rules.track_timestamps_staleness;
        let limited = sample_limit > 0 && appended >= sample_limit;
        let sample =
            Sample { t: explicit.unwrap_or(scrape_ts), v: series.value, explicit, limited, max_t };

        // Kept series are the common case: look them up first (upstream checks the dropped
        // ones first; a text is never in both).
        if let Some(e) = cache.series.get_mut(series.raw) {
            let already = e.last_iter == iter;
            e.last_iter = iter;
            match sample.append(app, &mut e.hint, &e.labels, already, stats)? {
                Outcome::Added => {
                    appended += 1;
                    if track {
                        ScrapeCache::mark_written(
                            e,
                            now,
                            &mut cache.written_now,
                            &mut cache.carried,
                        );
                    }
                }
                Outcome::Limited => stats.sample_limit_exceeded = true,
                Outcome::Rejected => {}
            }
            stats.added += 1;
            continue;
        }
        if let Some(seen) = cache.dropped.get_mut(series.raw) {
            *seen = iter;
            continue;
        }
        let scraped = series.label_set().map_err(|e| ScrapeError::Parse(e.to_string()))?;
        let Some(labels) = sample_labels(scraped, rules, builder) else {
            cache.dropped.insert(series.raw.into(), iter);
            continue;
        };
        if labels.metric_name().is_none_or(str::is_empty) {
            return Err(ScrapeError::Parse("missing metric name (__name__ label)".to_string()));
        }
        if let Err(e) = check_label_limits(&labels, &rules.limits) {
            stats.label_limit_exceeded = true;
            return Err(e);
        }
        let mut hint = None;
        match sample.append(app, &mut hint, &labels, false, stats)? {
            Outcome::Added => {
                appended += 1;
                let mut e = Entry { labels, hint, last_iter: iter, written: 0, written_before: 0 };
                if track {
                    ScrapeCache::mark_written(
                        &mut e,
                        now,
                        &mut cache.written_now,
                        &mut cache.carried,
                    );
                }
                cache.series.insert(series.raw, e);
                if !stats.sample_limit_exceeded {
                    stats.series_added += 1;
                }
            }
            Outcome::Limited => stats.sample_limit_exceeded = true,
            Outcome::Rejected => {}
        }
        stats.added += 1;
    }
    if stats.sample_limit_exceeded {
        return Err(ScrapeError::SampleLimit);
    }
    append_stale_markers(cache, app, scrape_ts, false);
    cache.iter_done(true, true);
    Ok(())
}

/// One scraped sample on its way to the appender.
struct Sample {
    t: i64,
    v: f64,
    explicit: Option<i64>,
    /// `sample_limit` is reached: the sample is counted, not appended.
    limited: bool,
    max_t: i64,
}

/// What became of a sample; storage rejections are counted in the stats.
enum Outcome {
    Added,
    Limited,
    Rejected,
}

impl Sample {
    /// Appends under the scrape's rules. `already`: the series text was seen earlier in
    /// this scrape.
    fn append(
        &self,
        app: &mut dyn Appender,
        hint: &mut SeriesHint,
        labels: &Labels,
        already: bool,
        stats: &mut AppendStats,
    ) -> Result<Outcome, ScrapeError> {
        let result = if already && self.explicit.is_none() {
            Err(AppendError::DuplicateTimestamp)
        } else if self.limited {
            // Keep parsing so `scrape_samples_scraped` counts the whole exposition.
            return Ok(Outcome::Limited);
        } else if self.t > self.max_t {
            Err(AppendError::OutOfBounds)
        } else {
            app.append_hinted(hint, labels, self.t, self.v)
        };
        match result {
            Ok(()) => return Ok(Outcome::Added),
            Err(AppendError::OutOfOrder) => stats.out_of_order += 1,
            Err(AppendError::DuplicateTimestamp) => stats.duplicates += 1,
            Err(AppendError::OutOfBounds | AppendError::TooOld) => stats.out_of_bounds += 1,
            Err(e @ AppendError::InvalidLabels(_)) => {
                return Err(ScrapeError::Parse(format!("{e} ({labels})")));
            }
        }
        Ok(Outcome::Rejected)
    }
}

/// After a failed scrape (the body's appender rolled back): stale markers for every series of
/// the previous scrape, and the cache moves on without flushing.
pub fn append_failed(cache: &mut ScrapeCache, app: &mut dyn Appender, scrape_ts: i64) {
    append_stale_markers(cache, app, scrape_ts, true);
    cache.iter_done(false, false);
}

/// Stale markers for the series of the previous scrape that this one did not write (all of
/// them when it `failed`). Out of order and duplicate answers are expected (a target
/// recreated by a new loop) and ignored.
fn append_stale_markers(cache: &mut ScrapeCache, app: &mut dyn Appender, ts: i64, failed: bool) {
    cache.take_stale(failed, |labels| {
        let _ = app.append(labels, ts, stale_nan());
    });
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

    /// The stale markers of one scrape; a body that fails is rolled back as the loop does.
    fn stale_after(cache: &mut ScrapeCache, r: &SampleRules, text: &str, ts: i64) -> Vec<String> {
        let mut app = Recorder::default();
        let mut stats = AppendStats::default();
        let mut b = LabelsBuilder::default();
        let res = append_body(
            cache,
            r,
            &mut b,
            &mut app,
            text.as_bytes(),
            Format::PrometheusText,
            ts,
            ts,
            &mut stats,
        );
        if res.is_err() {
            app = Recorder::default();
            append_failed(cache, &mut app, ts);
        }
        let mut stale: Vec<String> = app
            .0
            .iter()
            .filter(|(_, _, v)| model::storage::is_stale_nan(*v))
            .map(|(n, _, _)| n.clone())
            .collect();
        stale.sort();
        stale
    }

    #[test]
    fn stale_markers_follow_successful_and_failed_scrapes() {
        let mut cache = ScrapeCache::new();
        let r = rules(&[("job", "j")], false);
        let limited = SampleRules {
            limits: ScrapeLimits { sample_limit: 1, ..Default::default() },
            ..r.clone()
        };
        let none: Vec<String> = Vec::new();
        assert_eq!(stale_after(&mut cache, &r, "a 1\nb 1\nc 1\n", 1000), none);
        assert_eq!(stale_after(&mut cache, &r, "a 2\nc 2\n", 2000), ["b"]);
        // A failed scrape: everything of the previous one is stale, and the next scrape has
        // no previous series.
        assert_eq!(stale_after(&mut cache, &r, "a 3\n{\n", 3000), ["a", "c"]);
        assert_eq!(stale_after(&mut cache, &r, "a 4\nb 4\n", 4000), none);
        // Over the sample limit: `a` was written before the limit hit, yet the rollback
        // makes both series of the previous scrape stale, and forgets this scrape's writes.
        assert_eq!(stale_after(&mut cache, &limited, "a 5\nb 5\n", 5000), ["a", "b"]);
        assert_eq!(stale_after(&mut cache, &r, "b 6\n", 6000), none);
        assert_eq!(stale_after(&mut cache, &r, "a 7\n", 7000), ["b"]);
        // An empty body is an empty scrape.
        assert_eq!(stale_after(&mut cache, &r, "", 8000), ["a"]);
        assert_eq!(stale_after(&mut cache, &r, "", 9000), none);
        // Explicit timestamps are not tracked (track_timestamps_staleness off).
        assert_eq!(stale_after(&mut cache, &r, "a 10\nb 10 9500\n", 10_000), none);
        assert_eq!(stale_after(&mut cache, &r, "c 11\n", 11_000), ["a"]);
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
