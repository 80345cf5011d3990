//! Histogram functions. `histogram_quantile`, `histogram_quantiles` and `histogram_fraction`
//! work on classic histograms: float series with an `le` label, grouped by their other labels
//! (metric name included). Native histograms are not evaluated yet: they yield no output,
//! except that a native histogram with the same labels as a classic group voids that group
//! (with Prometheus' warning). `histogram_count`, `histogram_sum` and `histogram_avg` read
//! native histograms only; float input gives nothing.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::stats::almost_equal;
use model::labels::{BUCKET_LABEL, Labels};

use super::util::{annot, metric_name, parse_go_float, sample, scalar_arg, string_arg, vector_arg};
use super::{StepCall, StepOutput};
use crate::engine::QueryError;
use crate::value::{Anchor, Annotations, Sample};

type Out = Result<StepOutput, QueryError>;

/// Relative difference under which two cumulative counts are taken as equal.
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// A classic-histogram bucket: upper bound and cumulative count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub upper_bound: f64,
    pub count: f64,
}

/// The buckets of one classic histogram, and the labels of its result (the series' labels
/// without `le`).
#[derive(Debug)]
struct Group {
    metric: Labels,
    buckets: Vec<Bucket>,
}

/// A hash of `metric` without its `le` label.
fn group_hash(metric: &Labels) -> u64 {
    let mut h = DefaultHasher::new();
    for l in metric.iter().filter(|l| l.name != BUCKET_LABEL) {
        l.hash(&mut h);
    }
    h.finish()
}

/// Whether `metric` without `le` is `group`.
fn in_group(metric: &Labels, group: &Labels) -> bool {
    metric.iter().filter(|l| l.name != BUCKET_LABEL).eq(group.iter())
}

/// Groups the float samples of `input` into classic histograms, in order of first
/// appearance. Samples without a parseable `le` are left out with a warning; a group that a
/// native histogram of the same labels collides with is left out too.
fn classic_groups(input: &[Sample], arg: usize, annos: &mut Annotations) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    // Group indexes by hash; the labels without `le` are built once per group, not per bucket.
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut natives = Vec::new();
    for s in input {
        if s.h.is_some() {
            natives.push(s);
            continue;
        }
        let le = s.metric.get_or_empty(BUCKET_LABEL);
        let Some(upper_bound) = parse_go_float(le) else {
            annos.warn_at(annot::bad_bucket_label(metric_name(&s.metric), le), Anchor::Arg(arg));
            continue;
        };
        let candidates = index.entry(group_hash(&s.metric)).or_default();
        let i = match candidates.iter().find(|&&i| in_group(&s.metric, &groups[i].metric)) {
            Some(&i) => i,
            None => {
                groups
                    .push(Group { metric: s.metric.without(&[BUCKET_LABEL]), buckets: Vec::new() });
                candidates.push(groups.len() - 1);
                groups.len() - 1
            }
        };
        groups[i].buckets.push(Bucket { upper_bound, count: s.f });
    }
    let mut voided = vec![false; groups.len()];
    for n in natives {
        // The whole label set of the native histogram, `le` included, must be a group's.
        if n.metric.has(BUCKET_LABEL) {
            continue;
        }
        let Some(candidates) = index.get(&group_hash(&n.metric)) else { continue };
        if let Some(&i) = candidates.iter().find(|&&i| groups[i].metric == n.metric) {
            annos.warn_at(annot::mixed_classic_native(metric_name(&n.metric)), Anchor::Arg(arg));
            voided[i] = true;
        }
    }
    groups.into_iter().zip(voided).filter(|(_, v)| !v).map(|(g, _)| g).collect()
}

/// Warns about φ outside [0, 1]; `arg` is φ's argument index.
fn validate_quantile(q: f64, arg: usize, annos: &mut Annotations) {
    if q.is_nan() || !(0.0..=1.0).contains(&q) {
        annos.warn_at(annot::invalid_quantile(q), Anchor::Arg(arg));
    }
}

/// `histogram_quantile(φ, buckets)`.
pub(super) fn histogram_quantile(call: &StepCall<'_>, annos: &mut Annotations) -> Out {
    const NAME: &str = "histogram_quantile";
    let q = scalar_arg(call, NAME, 0)?;
    let input = vector_arg(call, NAME, 1)?;
    validate_quantile(q, 0, annos);
    let mut out = Vec::new();
    for mut g in classic_groups(input, 1, annos) {
        let (v, forced) = bucket_quantile(q, &mut g.buckets);
        if forced {
            annos.info_at(annot::forced_monotonicity(metric_name(&g.metric)), Anchor::Arg(1));
        }
        out.push(sample(g.metric, call.t, v, true));
    }
    Ok(StepOutput::Vector(out))
}

/// `histogram_quantiles(buckets, "label", φ1, φ2, ...)`: one result per φ and histogram,
/// told apart by `label` (φ in OpenMetrics float form).
pub(super) fn histogram_quantiles(call: &StepCall<'_>, annos: &mut Annotations) -> Out {
    const NAME: &str = "histogram_quantiles";
    let input = vector_arg(call, NAME, 0)?;
    let label = string_arg(call, NAME, 1)?;
    let mut qs = Vec::with_capacity(call.args.len().saturating_sub(2));
    for i in 2..call.args.len() {
        let q = scalar_arg(call, NAME, i)?;
        validate_quantile(q, i, annos);
        qs.push(q);
    }
    let groups = classic_groups(input, 0, annos);
    let mut out = Vec::new();
    for q in qs {
        let q_text = openmetrics_float(q);
        for g in &groups {
            let mut buckets = g.buckets.clone();
            let (v, forced) = bucket_quantile(q, &mut buckets);
            if forced {
                annos.info_at(annot::forced_monotonicity(metric_name(&g.metric)), Anchor::Arg(0));
            }
            let mut b = g.metric.builder();
            b.set(label, &q_text);
            out.push(sample(b.labels(), call.t, v, true));
        }
    }
    Ok(StepOutput::Vector(out))
}

/// `histogram_fraction(lower, upper, buckets)`: the estimated share of observations
/// between the bounds.
pub(super) fn histogram_fraction(call: &StepCall<'_>, annos: &mut Annotations) -> Out {
    const NAME: &str = "histogram_fraction";
    let lower = scalar_arg(call, NAME, 0)?;
    let upper = scalar_arg(call, NAME, 1)?;
    let input = vector_arg(call, NAME, 2)?;
    let mut out = Vec::new();
    for mut g in classic_groups(input, 2, annos) {
        let v = bucket_fraction(lower, upper, &mut g.buckets);
        out.push(sample(g.metric, call.t, v, true));
    }
    Ok(StepOutput::Vector(out))
}

/// A function of native histograms only; floats yield nothing.
fn native_only(
    call: &StepCall<'_>,
    name: &str,
    f: impl Fn(&model::histogram::FloatHistogram) -> Option<f64>,
) -> Out {
    let input = vector_arg(call, name, 0)?;
    let out = input
        .iter()
        .filter_map(|s| {
            let v = f(s.h.as_deref()?)?;
            Some(sample(s.metric.clone(), call.t, v, true))
        })
        .collect();
    Ok(StepOutput::Vector(out))
}

pub(super) fn histogram_count(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    native_only(call, "histogram_count", |h| Some(h.count))
}

pub(super) fn histogram_sum(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    native_only(call, "histogram_sum", |h| Some(h.sum))
}

pub(super) fn histogram_avg(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    native_only(call, "histogram_avg", |h| Some(h.sum / h.count))
}

/// Needs native-histogram bucket iteration, which klaxon does not have yet: no output.
pub(super) fn histogram_stddev(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    native_only(call, "histogram_stddev", |_| None)
}

/// Needs native-histogram bucket iteration, which klaxon does not have yet: no output.
pub(super) fn histogram_stdvar(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    native_only(call, "histogram_stdvar", |_| None)
}

/// Go's `sort.Search`: the first index in `0..n` where `pred` holds (binary search).
fn search(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut i, mut j) = (0, n);
    while i < j {
        let h = i + (j - i) / 2;
        if pred(h) {
            j = h;
        } else {
            i = h + 1;
        }
    }
    i
}

fn sort_and_coalesce(buckets: &mut Vec<Bucket>) {
    buckets.sort_by(|a, b| {
        a.upper_bound.partial_cmp(&b.upper_bound).unwrap_or(std::cmp::Ordering::Equal)
    });
    // Buckets with the same bound (`le="1"` and `le="1.0"`) are one bucket.
    let mut merged: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets.drain(..) {
        match merged.last_mut() {
            Some(last) if last.upper_bound == b.upper_bound => last.count += b.count,
            _ => merged.push(b),
        }
    }
    *buckets = merged;
}

/// Makes cumulative counts non-decreasing: tiny relative differences (floating-point noise)
/// are flattened silently, real decreases are raised to the previous count. Returns whether
/// a real decrease was fixed.
fn ensure_monotonic(buckets: &mut [Bucket]) -> bool {
    let mut forced = false;
    let Some(first) = buckets.first() else { return false };
    let mut prev = first.count;
    for b in buckets.iter_mut().skip(1) {
        let curr = b.count;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, SMALL_DELTA_TOLERANCE) {
            b.count = prev;
            continue;
        }
        if curr < prev {
            b.count = prev;
            forced = true;
            continue;
        }
        prev = curr;
    }
    forced
}

/// The φ-quantile of a classic histogram by linear interpolation inside the bucket holding
/// rank φ·count (0 as the lower bound of the first bucket when that bound is positive; the
/// second-highest bound when the rank falls in the +Inf bucket). Also says whether the
/// counts had to be made monotonic.
pub fn bucket_quantile(q: f64, buckets: &mut Vec<Bucket>) -> (f64, bool) {
    if q.is_nan() {
        return (f64::NAN, false);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, false);
    }
    if q > 1.0 {
        return (f64::INFINITY, false);
    }
    sort_and_coalesce(buckets);
    match buckets.last() {
        Some(b) if b.upper_bound == f64::INFINITY => {}
        _ => return (f64::NAN, false),
    }
    let forced = ensure_monotonic(buckets);
    let n = buckets.len();
    if n < 2 {
        return (f64::NAN, forced);
    }
    let observations = buckets[n - 1].count;
    if observations == 0.0 {
        return (f64::NAN, forced);
    }
    let mut rank = q * observations;
    let b = search(n - 1, |i| buckets[i].count >= rank);
    let v = if b == n - 1 {
        buckets[n - 2].upper_bound
    } else if b == 0 && buckets[0].upper_bound <= 0.0 {
        buckets[0].upper_bound
    } else {
        let mut start = 0.0;
        let end = buckets[b].upper_bound;
        let mut count = buckets[b].count;
        if b > 0 {
            start = buckets[b - 1].upper_bound;
            count -= buckets[b - 1].count;
            rank -= buckets[b - 1].count;
        }
        start + (end - start) * (rank / count)
    };
    (v, forced)
}

/// The share of observations between `lower` and `upper` in a classic histogram,
/// interpolating linearly inside buckets (the first bucket starts at 0 when its bound is
/// positive, at -Inf otherwise).
pub fn bucket_fraction(lower: f64, upper: f64, buckets: &mut Vec<Bucket>) -> f64 {
    sort_and_coalesce(buckets);
    match buckets.last() {
        Some(b) if b.upper_bound == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    let count = buckets[buckets.len() - 1].count;
    if count == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }

    let mut rank = 0.0;
    let (mut lower_rank, mut upper_rank) = (0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    let mut lower_bound = if buckets[0].upper_bound <= 0.0 { f64::NEG_INFINITY } else { 0.0 };
    for (i, b) in buckets.iter().enumerate() {
        if i > 0 {
            lower_bound = buckets[i - 1].upper_bound;
        }
        let upper_bound = b.upper_bound;
        let interpolate = |v: f64| {
            if lower_bound == f64::NEG_INFINITY {
                return b.count;
            }
            rank + (b.count - rank) * (v - lower_bound) / (upper_bound - lower_bound)
        };
        if !lower_set && lower_bound >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && lower_bound >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && lower_bound < lower && upper_bound > lower {
            lower_rank = interpolate(lower);
            lower_set = true;
        }
        if !upper_set && lower_bound < upper && upper_bound > upper {
            upper_rank = interpolate(upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank = b.count;
    }
    if !lower_set || lower_rank > count {
        lower_rank = count;
    }
    if !upper_set || upper_rank > count {
        upper_rank = count;
    }
    (upper_rank - lower_rank) / count
}

/// A float as OpenMetrics writes it: `1.0`, `0.5`, `1e-05`, `+Inf`.
fn openmetrics_float(f: f64) -> String {
    if f == 0.0 {
        return "0.0".into();
    }
    let s = super::util::go_fmt_g(f);
    if f.is_finite() && !s.contains(['e', '.']) {
        return s + ".0";
    }
    s
}
