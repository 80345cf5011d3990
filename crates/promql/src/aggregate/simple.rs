//! `sum avg count min max group stddev stdvar quantile`: one output sample per group, labelled
//! with the group's labels.

use std::sync::Arc;

use model::histogram::FloatHistogram;

use super::grouping::Grouper;
use crate::ast::AggOp;
use crate::stats::{kahan_inc, quantile};
use crate::value::{Anchor, Annotations, Sample};

/// One group's running state at one step.
#[derive(Debug, Clone, Default)]
struct Acc {
    /// The step this state belongs to; older states are stale and reinitialised on first use.
    stamp: u64,
    /// Sum, minimum, maximum or (stddev/stdvar) the sum of squared deviations.
    value: f64,
    /// Running mean (avg once it switched to incremental, stddev, stdvar).
    mean: f64,
    /// Kahan compensation of `value` or `mean`.
    c: f64,
    /// Samples aggregated (floats only for avg/stddev/stdvar).
    count: f64,
    /// `avg` switched from sum-then-divide to an incremental mean because the sum overflowed.
    incremental: bool,
    has_float: bool,
    histograms: u32,
    histogram: Option<Arc<FloatHistogram>>,
    drop_name: bool,
}

/// Evaluates the per-group aggregations; state is kept between steps to reuse allocations.
#[derive(Debug)]
pub(crate) struct Simple {
    op: AggOp,
    step: u64,
    accs: Vec<Acc>,
    /// Groups touched this step, in order of first sample.
    touched: Vec<usize>,
    /// `quantile`'s values per group.
    values: Vec<Vec<f64>>,
}

impl Simple {
    pub(crate) fn new(op: AggOp) -> Simple {
        Simple { op, step: 0, accs: Vec::new(), touched: Vec::new(), values: Vec::new() }
    }

    /// Aggregates one step. `q` is `quantile`'s φ (ignored by the others).
    pub(crate) fn step(
        &mut self,
        grouper: &Grouper,
        input: &[Sample],
        q: f64,
        t: i64,
        annotations: &mut Annotations,
    ) -> Vec<Sample> {
        self.step += 1;
        self.touched.clear();
        let groups = grouper.group_count();
        if self.accs.len() < groups {
            self.accs.resize(groups, Acc::default());
        }
        if self.op == AggOp::Quantile && self.values.len() < groups {
            self.values.resize_with(groups, Vec::new);
        }
        let op = self.op;
        for (s, &gid) in input.iter().zip(grouper.group_ids()) {
            if self.accs[gid].stamp != self.step {
                if self.init(gid, s, annotations) {
                    self.touched.push(gid);
                }
                continue;
            }
            let acc = &mut self.accs[gid];
            acc.drop_name |= s.drop_name;
            match (op, &s.h) {
                (AggOp::Sum | AggOp::Avg, Some(h)) => {
                    acc.histograms += 1;
                    acc.histogram.get_or_insert_with(|| h.clone());
                }
                (AggOp::Sum, None) => {
                    if acc.has_float {
                        (acc.value, acc.c) = kahan_inc(s.f, acc.value, acc.c);
                    } else {
                        start_float(acc, s.f);
                    }
                }
                (AggOp::Avg, None) => {
                    if acc.has_float {
                        add_to_mean(acc, s.f);
                    } else {
                        start_float(acc, s.f);
                    }
                }
                (AggOp::Count, _) => acc.count += 1.0,
                (AggOp::Group, _) => {}
                (
                    AggOp::Min | AggOp::Max | AggOp::Stddev | AggOp::Stdvar | AggOp::Quantile,
                    Some(_),
                ) => {
                    histogram_ignored(op, annotations);
                }
                (AggOp::Max, None) => {
                    if acc.value < s.f || acc.value.is_nan() {
                        acc.value = s.f;
                    }
                }
                (AggOp::Min, None) => {
                    if acc.value > s.f || acc.value.is_nan() {
                        acc.value = s.f;
                    }
                }
                (AggOp::Stddev | AggOp::Stdvar, None) => {
                    // Welford's online variance.
                    acc.count += 1.0;
                    let delta = s.f - acc.mean;
                    acc.mean += delta / acc.count;
                    acc.value += delta * (s.f - acc.mean);
                }
                (AggOp::Quantile, None) => self.values[gid].push(s.f),
                // Not per-group aggregations; `Aggregator` never routes them here.
                (
                    AggOp::Topk
                    | AggOp::Bottomk
                    | AggOp::CountValues
                    | AggOp::Limitk
                    | AggOp::LimitRatio,
                    _,
                ) => {}
            }
        }

        let mut out = Vec::with_capacity(self.touched.len());
        for &gid in &self.touched {
            let acc = &self.accs[gid];
            let mut h = None;
            let f = match op {
                AggOp::Sum | AggOp::Avg => {
                    if acc.histograms > 0 {
                        if acc.has_float {
                            annotations.warn_at(
                                "PromQL warning: encountered a mix of histograms and floats for aggregation",
                                Anchor::Arg(1),
                            );
                            continue;
                        }
                        // Adding native histograms is not supported yet; one is its own sum
                        // and mean.
                        if acc.histograms > 1 {
                            continue;
                        }
                        h = acc.histogram.clone();
                        0.0
                    } else if op == AggOp::Sum {
                        acc.value + acc.c
                    } else if acc.incremental {
                        acc.mean + acc.c
                    } else {
                        acc.value / acc.count + acc.c / acc.count
                    }
                }
                AggOp::Count => acc.count,
                AggOp::Stdvar => acc.value / acc.count,
                AggOp::Stddev => (acc.value / acc.count).sqrt(),
                AggOp::Quantile => quantile(q, &mut self.values[gid]),
                _ => acc.value,
            };
            out.push(Sample {
                metric: grouper.labels(gid).clone(),
                t,
                f,
                h,
                drop_name: acc.drop_name,
            });
        }
        out
    }

    /// Starts group `gid`'s state at this step with sample `s`; false when the sample does not
    /// count (a histogram where only floats are aggregated), leaving the group unstarted.
    fn init(&mut self, gid: usize, s: &Sample, annotations: &mut Annotations) -> bool {
        let op = self.op;
        let acc = &mut self.accs[gid];
        *acc = Acc { stamp: self.step, drop_name: s.drop_name, count: 1.0, ..Acc::default() };
        match (op, &s.h) {
            (AggOp::Sum | AggOp::Avg, Some(h)) => {
                acc.histograms = 1;
                acc.histogram = Some(h.clone());
            }
            (AggOp::Sum | AggOp::Avg, None) => start_float(acc, s.f),
            (AggOp::Group, _) => acc.value = 1.0,
            (AggOp::Count, _) => {}
            (_, Some(_)) => {
                histogram_ignored(op, annotations);
                acc.stamp = 0;
                return false;
            }
            (AggOp::Stddev | AggOp::Stdvar, None) => {
                acc.mean = s.f;
                // A lone NaN or ±Inf has no defined deviation.
                acc.value = if s.f.is_finite() { 0.0 } else { f64::NAN };
            }
            (AggOp::Quantile, None) => {
                let values = &mut self.values[gid];
                values.clear();
                values.push(s.f);
            }
            (_, None) => acc.value = s.f,
        }
        true
    }
}

fn start_float(acc: &mut Acc, f: f64) {
    acc.has_float = true;
    acc.value = f;
    acc.mean = f;
    acc.c = 0.0;
    acc.count = 1.0;
    acc.incremental = false;
}

/// `avg`: Kahan-summed total divided at the end, as Prometheus does; once the total would
/// overflow, an incremental (also compensated) mean from there on.
fn add_to_mean(acc: &mut Acc, f: f64) {
    acc.count += 1.0;
    if !acc.incremental {
        let (sum, c) = kahan_inc(f, acc.value, acc.c);
        if !sum.is_infinite() {
            (acc.value, acc.c) = (sum, c);
            return;
        }
        acc.incremental = true;
        acc.mean = acc.value / (acc.count - 1.0);
        acc.c /= acc.count - 1.0;
    }
    let q = (acc.count - 1.0) / acc.count;
    (acc.mean, acc.c) = kahan_inc(f / acc.count, q * acc.mean, q * acc.c);
}

fn histogram_ignored(op: AggOp, annotations: &mut Annotations) {
    annotations.info_at(
        format!("PromQL info: ignored histogram in {} aggregation", op.as_str()),
        Anchor::Arg(1),
    );
}
