//! `topk bottomk limitk limit_ratio`: a subset of the input samples per group, each keeping
//! its own labels (and `drop_name` flag).

use std::cmp::Ordering;

use super::format::go_g;
use super::grouping::Grouper;
use crate::ast::AggOp;
use crate::engine::QueryError;
use crate::value::{Anchor, Annotations, Sample};

/// What to keep of each group at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Limit {
    /// Keep nothing (k < 1, ratio 0).
    Nothing,
    /// `topk`/`bottomk`/`limitk`: at most this many.
    K(usize),
    /// `limit_ratio`: in [-1, 1].
    Ratio(f64),
}

/// Validates this step's parameter the way Prometheus does (errors and warnings included).
pub(crate) fn limit(op: AggOp, p: f64, annotations: &mut Annotations) -> Result<Limit, QueryError> {
    if op == AggOp::LimitRatio {
        if p == 0.0 {
            return Ok(Limit::Nothing);
        }
        if p.is_nan() {
            return Err(QueryError::Execution("Ratio value is NaN".into()));
        }
        let capped = p.clamp(-1.0, 1.0);
        if capped != p {
            annotations.warn_at(
                format!(
                    "PromQL warning: ratio value should be between -1 and 1, got {}, capping to {}",
                    go_g(p),
                    go_g(capped)
                ),
                Anchor::Arg(0),
            );
        }
        return Ok(Limit::Ratio(capped));
    }
    if p < 1.0 {
        return Ok(Limit::Nothing);
    }
    if p.is_nan() {
        return Err(QueryError::Execution("Parameter value is NaN".into()));
    }
    // i64::MAX as f64 is 2^63; Prometheus refuses k from there on.
    if p >= i64::MAX as f64 {
        return Err(QueryError::Execution(format!("Scalar value {} overflows int64", go_g(p))));
    }
    // Truncated like Go's int64(k); p is in [1, 2^63) here.
    Ok(Limit::K(usize::try_from(p as i64).unwrap_or(usize::MAX)))
}

/// Selects per group; keeps per-group buffers between steps.
#[derive(Debug)]
pub(crate) struct Selector {
    op: AggOp,
    step: u64,
    stamps: Vec<u64>,
    /// Input positions selected so far, per group.
    members: Vec<Vec<usize>>,
    touched: Vec<usize>,
    /// `limit_ratio`'s offset in [0, 1] per series id (NaN until computed).
    offsets: Vec<f64>,
}

impl Selector {
    pub(crate) fn new(op: AggOp) -> Selector {
        Selector {
            op,
            step: 0,
            stamps: Vec::new(),
            members: Vec::new(),
            touched: Vec::new(),
            offsets: Vec::new(),
        }
    }

    pub(crate) fn step(
        &mut self,
        grouper: &Grouper,
        input: &[Sample],
        limit: Limit,
        t: i64,
        annotations: &mut Annotations,
    ) -> Vec<Sample> {
        let (k, ratio) = match limit {
            Limit::Nothing => return Vec::new(),
            Limit::K(k) => (k.min(input.len()), 0.0),
            Limit::Ratio(r) => (usize::MAX, r),
        };
        if k == 0 {
            return Vec::new();
        }
        self.step += 1;
        self.touched.clear();
        let groups = grouper.group_count();
        if self.stamps.len() < groups {
            self.stamps.resize(groups, 0);
            self.members.resize_with(groups, Vec::new);
        }
        if self.op == AggOp::LimitRatio && self.offsets.len() < grouper.series_count() {
            self.offsets.resize(grouper.series_count(), f64::NAN);
        }

        for (i, (s, &gid)) in input.iter().zip(grouper.group_ids()).enumerate() {
            let keep = match self.op {
                AggOp::Topk | AggOp::Bottomk if s.h.is_some() => {
                    // Upstream places this one at the aggregation itself.
                    annotations.info_at(
                        format!(
                            "PromQL info: ignored histogram in {} aggregation",
                            self.op.as_str()
                        ),
                        Anchor::Node,
                    );
                    false
                }
                AggOp::LimitRatio => {
                    let sid = grouper.series_ids()[i];
                    let offset = &mut self.offsets[sid];
                    if offset.is_nan() {
                        *offset = sample_offset(s);
                    }
                    (ratio >= 0.0 && *offset < ratio) || (ratio < 0.0 && *offset >= 1.0 + ratio)
                }
                _ => true,
            };
            if !keep {
                continue;
            }
            if self.stamps[gid] != self.step {
                self.stamps[gid] = self.step;
                self.members[gid].clear();
                self.touched.push(gid);
            }
            let members = &mut self.members[gid];
            // limitk keeps the first k; topk/bottomk choose among all below.
            if self.op != AggOp::Limitk || members.len() < k {
                members.push(i);
            }
        }

        let mut out = Vec::new();
        for &gid in &self.touched {
            let members = &mut self.members[gid];
            match self.op {
                AggOp::Topk => select_best(members, k, |a, b| descending(input, a, b)),
                AggOp::Bottomk => select_best(members, k, |a, b| ascending(input, a, b)),
                _ => {}
            }
            out.extend(members.iter().map(|&i| {
                let s = &input[i];
                Sample {
                    metric: s.metric.clone(),
                    t,
                    f: s.f,
                    h: s.h.clone(),
                    drop_name: s.drop_name,
                }
            }));
        }
        out
    }
}

/// Keeps the `k` best of `members` by `better` and sorts them best first. `better` must be a
/// total order (ties broken by input position: earlier wins, as Prometheus' heap does).
fn select_best(members: &mut Vec<usize>, k: usize, better: impl Fn(usize, usize) -> Ordering) {
    if members.len() > k {
        members.select_nth_unstable_by(k - 1, |&a, &b| better(a, b));
        members.truncate(k);
    }
    members.sort_unstable_by(|&a, &b| better(a, b));
}

/// topk order: larger first, NaN last, then input order.
fn descending(input: &[Sample], a: usize, b: usize) -> Ordering {
    rank(input[a].f, input[b].f, true).then(a.cmp(&b))
}

/// bottomk order: smaller first, NaN last, then input order.
fn ascending(input: &[Sample], a: usize, b: usize) -> Ordering {
    rank(input[a].f, input[b].f, false).then(a.cmp(&b))
}

/// Numbers by value (largest first if `desc`), NaN after every number either way.
fn rank(x: f64, y: f64, desc: bool) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if desc { o.reverse() } else { o }
        }
    }
}

/// A series' place in [0, 1]: its label hash over the largest hash, as Prometheus'
/// `HashRatioSampler` (with the hash of its default `stringlabels` build).
fn sample_offset(s: &Sample) -> f64 {
    s.metric.hash_stringlabels() as f64 / u64::MAX as f64
}
