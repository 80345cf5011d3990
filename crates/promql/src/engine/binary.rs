//! Binary operators: scalar/scalar, vector/scalar (series at a time), vector/vector with
//! label matching (step at a time, signatures hashed once per series) and the set operators.

use std::collections::HashMap;

use model::labels::{Labels, LabelsBuilder, METRIC_NAME};

use super::QueryError;
use super::collect::Collector;
use super::eval::{Evaluator, Val};
use super::names::{finish_series, output_labels};
use super::steps::Steps;
use crate::ast::{BinOp, Binary, Cardinality, VectorMatching};
use crate::value::{FPoint, Series};

/// Whether the operator computes a new value (and so drops the metric name).
fn is_arithmetic(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow | BinOp::Atan2
    )
}

fn arith(op: BinOp, l: f64, r: f64) -> f64 {
    match op {
        BinOp::Add => l + r,
        BinOp::Sub => l - r,
        BinOp::Mul => l * r,
        BinOp::Div => l / r,
        // Rust's `%` on floats is C's fmod, the sign of the dividend, as Go's math.Mod.
        BinOp::Mod => l % r,
        BinOp::Pow => l.powf(r),
        BinOp::Atan2 => l.atan2(r),
        _ => f64::NAN,
    }
}

fn compare(op: BinOp, l: f64, r: f64) -> bool {
    match op {
        BinOp::Eql => l == r,
        BinOp::Neq => l != r,
        BinOp::Gtr => l > r,
        BinOp::Lss => l < r,
        BinOp::Gte => l >= r,
        BinOp::Lte => l <= r,
        _ => false,
    }
}

/// One element of a vector operation: the value and whether the element is kept. A
/// comparison keeps the left value.
fn elem(op: BinOp, l: f64, r: f64) -> (f64, bool) {
    if op.is_comparison() { (l, compare(op, l, r)) } else { (arith(op, l, r), true) }
}

fn bool_f(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The join signature of each series, as small ordinals shared by both sides.
struct Signatures {
    lhs: Vec<u32>,
    rhs: Vec<u32>,
    count: usize,
}

fn signatures(lhs: &[Series], rhs: &[Series], m: &VectorMatching) -> Signatures {
    let mut names = m.labels.clone();
    names.sort();
    let sig = |l: &Labels| -> u64 {
        if m.on { l.hash_for_labels(&names) } else { l.hash_without_labels(&names) }
    };
    let mut ords: HashMap<u64, u32> = HashMap::new();
    let mut ord = |l: &Labels| -> u32 {
        let next = ords.len() as u32;
        *ords.entry(sig(l)).or_insert(next)
    };
    let lhs = lhs.iter().map(|s| ord(&s.metric)).collect();
    let rhs = rhs.iter().map(|s| ord(&s.metric)).collect();
    Signatures { lhs, rhs, count: ords.len() }
}

/// Prometheus' `MatchLabels`: the labels a match group is identified by.
fn match_labels(l: &Labels, m: &VectorMatching) -> Labels {
    if m.on {
        l.keep_only(&m.labels)
    } else {
        l.filter(|x| x.name != METRIC_NAME && !m.labels.iter().any(|n| n == x.name))
    }
}

/// The labels of a vector/vector result: the "many" side's, reduced as the matching says,
/// plus the `group_x` labels from the "one" side.
fn result_metric(
    many: &Labels,
    one: &Labels,
    op: BinOp,
    m: &VectorMatching,
    drop_name: bool,
) -> Labels {
    let mut b = LabelsBuilder::new(many.clone());
    if drop_name || is_arithmetic(op) {
        b.del(METRIC_NAME);
    }
    if m.card == Cardinality::OneToOne {
        if m.on {
            b.keep(&m.labels);
        } else {
            b.del_all(&m.labels);
        }
    }
    for name in &m.include {
        match one.get(name) {
            Some(v) if !v.is_empty() => b.set(name, v),
            _ => b.del(name),
        };
    }
    b.labels()
}

/// The times at which each signature has a sample on one side, sorted. As big as the side's
/// points, so sparse series over long ranges cost nothing extra.
struct Presence {
    times: Vec<Vec<i64>>,
}

impl Presence {
    fn new(series: &[Series], sigs: &[u32], count: usize) -> Self {
        let mut times: Vec<Vec<i64>> = vec![Vec::new(); count];
        let mut shared = vec![false; count];
        for (s, &ord) in series.iter().zip(sigs) {
            let list = &mut times[ord as usize];
            shared[ord as usize] |= !list.is_empty();
            list.extend(s.floats.iter().map(|p| p.t));
        }
        for (list, shared) in times.iter_mut().zip(shared) {
            if shared {
                list.sort_unstable();
                list.dedup();
            }
        }
        Presence { times }
    }

    /// Keeps the points of a series with signature `ord` whose time is (`want`) or is not
    /// present.
    fn retain(&self, ord: u32, points: &mut Vec<FPoint>, want: bool) {
        let times = &self.times[ord as usize];
        let mut i = 0;
        points.retain(|p| {
            while i < times.len() && times[i] < p.t {
                i += 1;
            }
            (i < times.len() && times[i] == p.t) == want
        });
    }
}

impl Evaluator<'_> {
    pub fn binary(&mut self, b: &Binary, steps: Steps) -> Result<Val, QueryError> {
        let lhs = self.eval(&b.lhs, steps)?;
        let rhs = self.eval(&b.rhs, steps)?;
        match (lhs, rhs) {
            (Val::Scalar(l), Val::Scalar(r)) => Ok(Val::Scalar(
                l.into_iter()
                    .zip(r)
                    .map(|(l, r)| {
                        if b.op.is_comparison() {
                            bool_f(compare(b.op, l, r))
                        } else {
                            arith(b.op, l, r)
                        }
                    })
                    .collect(),
            )),
            (Val::Vector(l), Val::Scalar(r)) => self.vector_scalar(b, l, &r, false, steps),
            (Val::Scalar(l), Val::Vector(r)) => self.vector_scalar(b, r, &l, true, steps),
            (Val::Vector(l), Val::Vector(r)) => {
                let default;
                let m = match &b.matching {
                    Some(m) => m,
                    None => {
                        default = VectorMatching {
                            card: if b.op.is_set() {
                                Cardinality::ManyToMany
                            } else {
                                Cardinality::OneToOne
                            },
                            on: false,
                            labels: Vec::new(),
                            include: Vec::new(),
                        };
                        &default
                    }
                };
                if b.op.is_set() {
                    self.set_op(b.op, l, r, m, steps)
                } else {
                    self.vector_vector(b, &l, &r, m, steps)
                }
            }
            _ => Err(QueryError::Execution(format!(
                "operator \"{}\" needs scalar or instant vector operands",
                b.op.as_str()
            ))),
        }
    }

    /// `vector op scalar` (or `scalar op vector` when `swap`), one series at a time.
    fn vector_scalar(
        &mut self,
        b: &Binary,
        series: Vec<Series>,
        scalar: &[f64],
        swap: bool,
        steps: Steps,
    ) -> Result<Val, QueryError> {
        let delayed = self.delayed();
        let changes = is_arithmetic(b.op) || b.return_bool;
        let mut out = Vec::with_capacity(series.len());
        for mut s in series {
            self.limits.tick()?;
            s.floats.retain_mut(|p| {
                let sv = scalar[steps.index(p.t)];
                let (l, r) = if swap { (sv, p.f) } else { (p.f, sv) };
                let (mut v, keep) = elem(b.op, l, r);
                if b.op.is_comparison() {
                    // The vector's value survives a filter whichever side it is on.
                    v = p.f;
                }
                if b.return_bool {
                    p.f = bool_f(keep);
                    return true;
                }
                p.f = v;
                keep
            });
            if s.floats.is_empty() {
                continue;
            }
            if changes {
                let (metric, flag) = output_labels(&s.metric, true, delayed);
                s.metric = metric;
                s.drop_name |= flag;
            }
            out.push(s);
        }
        Ok(Val::Vector(finish_series(out, steps.is_single(), delayed)?))
    }

    /// Arithmetic and comparisons between two vectors, matched by signature at each step.
    fn vector_vector(
        &mut self,
        b: &Binary,
        lhs: &[Series],
        rhs: &[Series],
        m: &VectorMatching,
        steps: Steps,
    ) -> Result<Val, QueryError> {
        let sigs = signatures(lhs, rhs, m);
        let swapped = m.card == Cardinality::OneToMany;
        let (many, one, many_sig, one_sig) = if swapped {
            (rhs, lhs, &sigs.rhs, &sigs.lhs)
        } else {
            (lhs, rhs, &sigs.lhs, &sigs.rhs)
        };
        let delayed = self.delayed();
        let drop_name = !delayed && b.return_bool;
        let mut out = Collector::new(steps.is_single(), delayed, steps.len());
        // Per-step state, stamped with the step number + 1 instead of cleared.
        let mut one_at: Vec<(u32, u32)> = vec![(0, 0); sigs.count];
        let mut matched: Vec<u32> = vec![0; sigs.count];
        // Many-to-one: the output label sets (by hash) each signature produced at a step.
        let mut produced: HashMap<(u32, u64), u32> = HashMap::new();
        // The output slot and label hash of each many-side series for its last partner.
        let mut last_slot: Vec<(u32, usize, u64)> = vec![(u32::MAX, 0, 0); many.len()];
        let mut pairs: HashMap<(u32, u32), (usize, u64)> = HashMap::new();
        let (mut many_pos, mut one_pos) = (vec![0usize; many.len()], vec![0usize; one.len()]);
        let mut many_now: Vec<(usize, f64)> = Vec::new();
        let mut one_now: Vec<(usize, f64)> = Vec::new();
        for (i, ts) in steps.iter() {
            self.limits.tick()?;
            gather(many, &mut many_pos, ts, &mut many_now);
            gather(one, &mut one_pos, ts, &mut one_now);
            if many_now.is_empty() || one_now.is_empty() {
                continue;
            }
            let stamp = (i as u32).wrapping_add(1);
            for &(j, _) in &one_now {
                let ord = one_sig[j] as usize;
                if one_at[ord].0 == stamp {
                    let other = &one[one_at[ord].1 as usize].metric;
                    return Err(duplicate_on_one_side(&one[j].metric, other, m, swapped));
                }
                one_at[ord] = (stamp, j as u32);
            }
            let mut added = 0;
            for &(k, many_f) in &many_now {
                let ord = many_sig[k] as usize;
                if one_at[ord].0 != stamp {
                    continue;
                }
                let j = one_at[ord].1;
                let one_f = one_f_at(&one_now, j as usize);
                let (l, r) = if swapped { (one_f, many_f) } else { (many_f, one_f) };
                let (mut value, keep) = elem(b.op, l, r);
                if b.return_bool {
                    value = bool_f(keep);
                }
                let (slot, hash) = if last_slot[k].0 == j {
                    (last_slot[k].1, last_slot[k].2)
                } else {
                    let (slot, hash) = match pairs.get(&(k as u32, j)) {
                        Some(&found) => found,
                        None => {
                            let metric = result_metric(
                                &many[k].metric,
                                &one[j as usize].metric,
                                b.op,
                                m,
                                drop_name,
                            );
                            let found = (out.slot(&metric, b.return_bool), metric.hash());
                            pairs.insert((k as u32, j), found);
                            found
                        }
                    };
                    last_slot[k] = (j, slot, hash);
                    (slot, hash)
                };
                if m.card == Cardinality::OneToOne {
                    if matched[ord] == stamp {
                        return Err(QueryError::Execution(
                            "multiple matches for labels: many-to-one matching must be explicit \
                             (group_left/group_right)"
                                .into(),
                        ));
                    }
                    matched[ord] = stamp;
                } else if produced.insert((ord as u32, hash), stamp) == Some(stamp) {
                    return Err(QueryError::Execution(
                        "multiple matches for labels: grouping labels must ensure unique matches"
                            .into(),
                    ));
                }
                if !keep && !b.return_bool {
                    continue;
                }
                out.push(slot, ts, value)?;
                added += 1;
            }
            self.limits.add(added)?;
        }
        Ok(Val::Vector(out.finish()?))
    }

    /// `and`, `or`, `unless`: series at a time against which signatures the other side has
    /// at each step.
    fn set_op(
        &mut self,
        op: BinOp,
        lhs: Vec<Series>,
        rhs: Vec<Series>,
        m: &VectorMatching,
        steps: Steps,
    ) -> Result<Val, QueryError> {
        let sigs = signatures(&lhs, &rhs, m);
        let mut out = Vec::with_capacity(lhs.len() + rhs.len());
        match op {
            BinOp::And | BinOp::Unless => {
                let right = Presence::new(&rhs, &sigs.rhs, sigs.count);
                let want = op == BinOp::And;
                for (mut s, &ord) in lhs.into_iter().zip(&sigs.lhs) {
                    self.limits.tick()?;
                    right.retain(ord, &mut s.floats, want);
                    if !s.floats.is_empty() {
                        out.push(s);
                    }
                }
            }
            _ => {
                let left = Presence::new(&lhs, &sigs.lhs, sigs.count);
                out.extend(lhs);
                for (mut s, &ord) in rhs.into_iter().zip(&sigs.rhs) {
                    self.limits.tick()?;
                    left.retain(ord, &mut s.floats, false);
                    if !s.floats.is_empty() {
                        out.push(s);
                    }
                }
            }
        }
        Ok(Val::Vector(finish_series(out, steps.is_single(), self.delayed())?))
    }
}

/// The series of `series` with a point at `t` and their values (steps visited in order).
fn gather(series: &[Series], pos: &mut [usize], t: i64, out: &mut Vec<(usize, f64)>) {
    out.clear();
    for (i, s) in series.iter().enumerate() {
        if let Some(p) = s.floats.get(pos[i])
            && p.t == t
        {
            out.push((i, p.f));
            pos[i] += 1;
        }
    }
}

/// The value of series `j` among this step's gathered one-side samples.
fn one_f_at(now: &[(usize, f64)], j: usize) -> f64 {
    match now.binary_search_by_key(&j, |&(i, _)| i) {
        Ok(i) => now[i].1,
        Err(_) => f64::NAN,
    }
}

fn duplicate_on_one_side(
    this: &Labels,
    other: &Labels,
    m: &VectorMatching,
    swapped: bool,
) -> QueryError {
    let side = if swapped { "left" } else { "right" };
    let (mut a, mut b) = (this.to_string(), other.to_string());
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    QueryError::Execution(format!(
        "found duplicate series for the match group {} on the {side} hand-side of the operation: \
         [{a}, {b}];many-to-many matching not allowed: matching labels must be unique on one side",
        match_labels(this, m)
    ))
}
