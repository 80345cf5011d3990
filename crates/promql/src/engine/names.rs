//! Output label sets: `__name__` removal (at once or delayed), duplicate label sets, and the
//! labels `absent*` invent.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use model::labels::{Labels, LabelsBuilder, METRIC_NAME};
use model::matcher::{MatchOp, Matcher};

use super::QueryError;
use crate::value::Series;

/// Prometheus' error for two output elements with one label set at one time.
pub(crate) const DUP_LABELSET: &str = "vector cannot contain metrics with the same labelset";

pub(crate) fn dup_error() -> QueryError {
    QueryError::Execution(DUP_LABELSET.into())
}

/// The labels and flag of an output series whose value changed (`drop`): without delayed
/// name removal the name goes now, else the flag carries it to the end of evaluation.
pub(crate) fn output_labels(metric: &Labels, drop: bool, delayed: bool) -> (Labels, bool) {
    if drop && !delayed { (metric.drop_metric_name(), false) } else { (metric.clone(), drop) }
}

/// Checks a node's output built series at a time. With one step, duplicate label sets are an
/// error unless name removal is delayed (the order is kept for `sort`); over several steps,
/// series with one label set are merged, and an error only if they meet at a step.
pub(crate) fn finish_series(
    series: Vec<Series>,
    single: bool,
    delayed: bool,
) -> Result<Vec<Series>, QueryError> {
    if single {
        if !delayed && has_duplicates(&series) {
            return Err(dup_error());
        }
        return Ok(series);
    }
    merge_same_labels(series)
}

pub(crate) fn has_duplicates(series: &[Series]) -> bool {
    if series.len() < 2 {
        return false;
    }
    let mut seen = std::collections::HashSet::with_capacity(series.len());
    series.iter().any(|s| !seen.insert(&s.metric))
}

/// Merges series with equal label sets (first appearance keeps its place); two points at one
/// time are an error.
pub(crate) fn merge_same_labels(series: Vec<Series>) -> Result<Vec<Series>, QueryError> {
    if !has_duplicates(&series) {
        return Ok(series);
    }
    let mut out: Vec<Series> = Vec::with_capacity(series.len());
    let mut index: HashMap<Labels, usize> = HashMap::with_capacity(series.len());
    let mut merged_any = Vec::new();
    for s in series {
        match index.entry(s.metric.clone()) {
            Entry::Occupied(e) => {
                let target = &mut out[*e.get()];
                target.floats.extend_from_slice(&s.floats);
                target.histograms.extend(s.histograms);
                target.drop_name |= s.drop_name;
                merged_any.push(*e.get());
            }
            Entry::Vacant(e) => {
                e.insert(out.len());
                out.push(s);
            }
        }
    }
    merged_any.sort_unstable();
    merged_any.dedup();
    for i in merged_any {
        let floats = &mut out[i].floats;
        floats.sort_by_key(|p| p.t);
        if floats.windows(2).any(|w| w[0].t == w[1].t) {
            return Err(dup_error());
        }
    }
    Ok(out)
}

/// Delayed name removal at the end of evaluation: flagged series lose `__name__`, then series
/// that became equal are merged.
pub(crate) fn remove_flagged_names(series: Vec<Series>) -> Result<Vec<Series>, QueryError> {
    let series: Vec<Series> = series
        .into_iter()
        .map(|mut s| {
            if s.drop_name {
                s.metric = s.metric.drop_metric_name();
                s.drop_name = false;
            }
            s
        })
        .collect();
    merge_same_labels(series)
}

/// The labels `absent`/`absent_over_time` give their one output: the equality matchers of the
/// selector (not `__name__`); a label matched twice, or by another kind of matcher, is left out.
pub(crate) fn absent_labels(matchers: &[Matcher]) -> Labels {
    let mut b = LabelsBuilder::new(Labels::empty());
    let mut has: Vec<&str> = Vec::new();
    for m in matchers {
        if m.name() == METRIC_NAME {
            continue;
        }
        if m.op() == MatchOp::Equal && !has.contains(&m.name()) {
            b.set(m.name(), m.value());
            has.push(m.name());
        } else {
            b.del(m.name());
        }
    }
    b.labels()
}

/// Whether a metric name looks like a counter's (rate/increase info annotation).
pub(crate) fn looks_like_counter(name: &str) -> bool {
    ["_total", "_sum", "_count", "_bucket"].iter().any(|s| name.ends_with(s))
}
