//! The evaluator: walks the tree once, each node producing its values at every step.

use std::time::Instant;

use model::storage::Storage;

use super::collect::Collector;
use super::limits::Limits;
use super::names::{self, finish_series};
use super::steps::Steps;
use super::{Engine, EngineOptions, QueryError, QueryOptions, QueryResult};
use crate::aggregate::{Aggregator, Param};
use crate::ast::{AggOp, Aggregate, At, Expr, UnaryOp, ValueType};
use crate::value::{Annotations, FPoint, Sample, Series, Value};

/// A node's value over all steps.
#[derive(Debug)]
pub(crate) enum Val {
    /// One value per step.
    Scalar(Vec<f64>),
    /// Series with at most one point per step, at the step's time.
    Vector(Vec<Series>),
    /// A range vector (one step only): points at their own times.
    Matrix(Vec<Series>),
    String(String),
}

impl Val {
    fn samples(&self) -> usize {
        match self {
            Val::Scalar(v) => v.len(),
            Val::Vector(m) | Val::Matrix(m) => m.iter().map(|s| s.floats.len()).sum(),
            Val::String(_) => 0,
        }
    }
}

pub(crate) struct Evaluator<'a> {
    pub storage: &'a dyn Storage,
    pub opts: &'a EngineOptions,
    pub lookback: i64,
    /// The query's own start and end, for `@ start()` / `@ end()`.
    pub query_start: i64,
    pub query_end: i64,
    /// The range query's step (0 for instant queries), for `step()`.
    pub query_step: i64,
    pub limits: Limits,
    pub annotations: Annotations,
    /// Nesting of `eval` calls, bounded so that no query exhausts the thread's stack.
    depth: usize,
}

/// Deeper expressions are refused: evaluation recurses once per level, and queries run on
/// threads with small stacks (tokio's blocking pool gives 2 MiB).
const MAX_DEPTH: usize = 300;

pub(super) fn instant(
    engine: &Engine,
    storage: &dyn Storage,
    expr: &Expr,
    t: i64,
    qopts: &QueryOptions,
) -> Result<QueryResult, QueryError> {
    let mut ev = Evaluator::new(engine, storage, t, t, qopts);
    let val = ev.eval(expr, Steps::single(t, 1))?;
    let delayed = ev.opts.delayed_name_removal;
    let value = match val {
        Val::Scalar(v) => Value::Scalar { t, f: v.first().copied().unwrap_or(f64::NAN) },
        Val::String(s) => Value::String { t, s },
        Val::Vector(series) => {
            let series = if delayed { names::remove_flagged_names(series)? } else { series };
            Value::Vector(
                series
                    .into_iter()
                    .filter_map(|s| {
                        let f = s.floats.first()?.f;
                        Some(Sample { metric: s.metric, t, f, h: None, drop_name: s.drop_name })
                    })
                    .collect(),
            )
        }
        Val::Matrix(series) => {
            let mut series = if delayed { names::remove_flagged_names(series)? } else { series };
            series.sort_by(|a, b| a.metric.cmp(&b.metric));
            Value::Matrix(series)
        }
    };
    Ok(QueryResult { value, annotations: ev.annotations })
}

pub(super) fn range(
    engine: &Engine,
    storage: &dyn Storage,
    expr: &Expr,
    start: i64,
    end: i64,
    step: i64,
    qopts: &QueryOptions,
) -> Result<QueryResult, QueryError> {
    let ty = expr.value_type();
    if ty != ValueType::Scalar && ty != ValueType::Vector {
        let doc = match ty {
            ValueType::Matrix => "range vector",
            other => other.as_str(),
        };
        return Err(QueryError::Execution(format!(
            "invalid expression type \"{doc}\" for range query, must be Scalar or instant Vector"
        )));
    }
    if step <= 0 {
        return Err(QueryError::Execution(
            "zero or negative query resolution step widths are not accepted. Try a positive integer"
                .into(),
        ));
    }
    if end < start {
        return Err(QueryError::Execution("end timestamp must not be before start time".into()));
    }
    let steps = Steps { start, end, interval: step };
    let mut ev = Evaluator::new(engine, storage, start, end, qopts);
    ev.query_step = step;
    let val = ev.eval(expr, steps)?;
    let mut series = match val {
        Val::Scalar(v) => vec![Series {
            floats: steps.iter().zip(v).map(|((_, t), f)| FPoint { t, f }).collect(),
            ..Series::default()
        }],
        Val::Vector(series) => {
            if ev.opts.delayed_name_removal {
                names::remove_flagged_names(series)?
            } else {
                series
            }
        }
        Val::Matrix(_) | Val::String(_) => {
            return Err(QueryError::Execution("range query of a non-vector expression".into()));
        }
    };
    series.retain(|s| !s.floats.is_empty());
    series.sort_by(|a, b| a.metric.cmp(&b.metric));
    Ok(QueryResult { value: Value::Matrix(series), annotations: ev.annotations })
}

impl<'a> Evaluator<'a> {
    fn new(
        engine: &'a Engine,
        storage: &'a dyn Storage,
        query_start: i64,
        query_end: i64,
        qopts: &QueryOptions,
    ) -> Self {
        let opts = engine.options();
        let timeout = qopts.timeout.unwrap_or(opts.timeout);
        let now = Instant::now();
        let deadline =
            now.checked_add(timeout).unwrap_or(now + std::time::Duration::from_secs(86400 * 365));
        let lookback = match qopts.lookback_delta {
            Some(l) if l > 0 => l,
            _ => opts.lookback_delta,
        };
        Evaluator {
            storage,
            opts,
            lookback,
            query_start,
            query_end,
            query_step: 0,
            limits: Limits::new(deadline, qopts.cancel.clone(), opts.max_samples),
            annotations: Annotations::default(),
            depth: 0,
        }
    }

    pub fn delayed(&self) -> bool {
        self.opts.delayed_name_removal
    }

    /// The absolute time an `@` modifier pins to.
    pub fn at_time(&self, at: Option<At>) -> Option<i64> {
        at.map(|a| match a {
            At::Time(t) => t,
            At::Start => self.query_start,
            At::End => self.query_end,
        })
    }

    /// Evaluates `expr` at every step of `steps`. Memory accounting: what the node holds once
    /// done is its output; what it held while working is released.
    pub fn eval(&mut self, expr: &Expr, steps: Steps) -> Result<Val, QueryError> {
        self.limits.check_now()?;
        if self.depth >= MAX_DEPTH {
            return Err(QueryError::Execution(format!(
                "query is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        self.depth += 1;
        let before = self.limits.current;
        let val = if steps.len() > 1 && wraps_step_invariant(expr) {
            self.eval_invariant(expr, steps)
        } else {
            self.eval_node(expr, steps)
        };
        self.depth -= 1;
        let val = val?;
        self.limits.current = before;
        self.limits.add(val.samples())?;
        Ok(val)
    }

    fn eval_node(&mut self, expr: &Expr, steps: Steps) -> Result<Val, QueryError> {
        match expr {
            Expr::Number(v) => {
                self.limits.fits(steps.len())?;
                Ok(Val::Scalar(vec![*v; steps.len()]))
            }
            Expr::String(s) => Ok(Val::String(s.clone())),
            Expr::Paren(e) => self.eval(e, steps),
            Expr::Unary(op, e) => {
                let val = self.eval(e, steps)?;
                match op {
                    UnaryOp::Pos => Ok(val),
                    UnaryOp::Neg => self.negate(val, steps),
                }
            }
            Expr::VectorSelector(vs) => {
                Ok(Val::Vector(self.vector_selector(vs, steps, super::selector::Pick::Value)?))
            }
            Expr::MatrixSelector(ms) => {
                if !steps.is_single() {
                    return Err(QueryError::Execution(
                        "cannot do range evaluation of matrix selector".into(),
                    ));
                }
                Ok(Val::Matrix(self.matrix_selector(ms, steps.start)?))
            }
            Expr::Subquery(sq) => {
                if !steps.is_single() {
                    return Err(QueryError::Execution(
                        "cannot do range evaluation of subquery".into(),
                    ));
                }
                Ok(Val::Matrix(self.subquery_at(sq, steps.start)?))
            }
            Expr::Binary(b) => self.binary(b, steps),
            Expr::Aggregate(a) => self.aggregate(a, steps),
            Expr::Call(c) => self.call(c, steps),
        }
    }

    fn negate(&mut self, val: Val, steps: Steps) -> Result<Val, QueryError> {
        match val {
            Val::Scalar(mut v) => {
                v.iter_mut().for_each(|f| *f = -*f);
                Ok(Val::Scalar(v))
            }
            Val::Vector(mut series) => {
                let delayed = self.delayed();
                for s in &mut series {
                    s.floats.iter_mut().for_each(|p| p.f = -p.f);
                    let (metric, flag) = names::output_labels(&s.metric, true, delayed);
                    s.metric = metric;
                    s.drop_name = flag;
                }
                if delayed {
                    Ok(Val::Vector(series))
                } else {
                    Ok(Val::Vector(finish_series(series, steps.is_single(), false)?))
                }
            }
            Val::Matrix(_) | Val::String(_) => {
                Err(QueryError::Execution("unary minus needs a scalar or instant vector".into()))
            }
        }
    }

    /// Evaluates a step-invariant expression once, at the first step, and repeats its value.
    fn eval_invariant(&mut self, expr: &Expr, steps: Steps) -> Result<Val, QueryError> {
        let once = self.eval_node(expr, Steps::single(steps.start, steps.interval))?;
        let n = steps.len();
        Ok(match once {
            Val::Scalar(v) => {
                self.limits.fits(n)?;
                Val::Scalar(vec![v.first().copied().unwrap_or(f64::NAN); n])
            }
            Val::Vector(mut series) => {
                for s in &mut series {
                    let Some(f) = s.floats.first().map(|p| p.f) else { continue };
                    self.limits.add(n)?;
                    s.floats = steps.iter().map(|(_, t)| FPoint { t, f }).collect();
                }
                Val::Vector(series)
            }
            other => other,
        })
    }

    fn aggregate(&mut self, agg: &Aggregate, steps: Steps) -> Result<Val, QueryError> {
        enum P {
            None,
            Numbers(Vec<f64>),
            Label(String),
        }
        let param = match (&agg.param, agg.op) {
            (Some(p), AggOp::CountValues) => match unparen(p) {
                Expr::String(s) => {
                    if !crate::functions::valid_label_name(s) {
                        return Err(QueryError::Execution(format!(
                            "invalid label name {}",
                            model::gostr::quote(s)
                        )));
                    }
                    P::Label(s.clone())
                }
                _ => {
                    return Err(QueryError::Execution(
                        "count_values needs a string literal as its parameter".into(),
                    ));
                }
            },
            (Some(p), _) => match self.eval(p, steps)? {
                Val::Scalar(v) => P::Numbers(v),
                _ => {
                    return Err(QueryError::Execution(format!(
                        "expected scalar parameter for {}",
                        agg.op.as_str()
                    )));
                }
            },
            (None, _) => P::None,
        };
        let input = match self.eval(&agg.expr, steps)? {
            Val::Vector(s) => s,
            _ => {
                return Err(QueryError::Execution(format!(
                    "expected instant vector argument for {}",
                    agg.op.as_str()
                )));
            }
        };
        let mut aggregator = Aggregator::new(agg);
        let mut out = Collector::new(steps.is_single(), self.delayed(), steps.len());
        let mut cursor = Cursor::new(input.len());
        // The operands are evaluated: annotations from here on are about this aggregation.
        let outer = self.annotations.enter(&agg.pos);
        for (i, ts) in steps.iter() {
            self.limits.tick()?;
            let vec = cursor.samples_at(&input, ts);
            let param = match &param {
                P::None => Param::None,
                P::Numbers(v) => Param::Number(v[i]),
                P::Label(l) => Param::Label(l),
            };
            let result = aggregator.step(vec, param, ts, &mut self.annotations)?;
            self.limits.add(result.len())?;
            for s in &result {
                let slot = out.slot(&s.metric, s.drop_name);
                out.push(slot, ts, s.f)?;
            }
        }
        self.annotations.leave(outer);
        Ok(Val::Vector(out.finish()?))
    }
}

/// Walks through parentheses.
pub(crate) fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(inner) = e {
        e = inner;
    }
    e
}

/// Functions whose value depends on the evaluation time even when their arguments do not.
fn time_dependent(name: &str) -> bool {
    matches!(
        name,
        "days_in_month"
            | "day_of_month"
            | "day_of_week"
            | "day_of_year"
            | "end"
            | "hour"
            | "minute"
            | "month"
            | "year"
            | "predict_linear"
            | "range"
            | "start"
            | "step"
            | "time"
            | "timestamp"
    )
}

/// Whether `expr` has the same value at every step (it reads only `@`-pinned data), by
/// Prometheus' rules for wrapping step-invariant expressions.
fn step_invariant(expr: &Expr) -> bool {
    match expr {
        Expr::Number(_) | Expr::String(_) => true,
        Expr::VectorSelector(vs) => vs.at.is_some(),
        Expr::MatrixSelector(ms) => ms.selector.at.is_some(),
        Expr::Subquery(sq) => sq.at.is_some(),
        Expr::Paren(e) | Expr::Unary(_, e) => step_invariant(e),
        Expr::Binary(b) => step_invariant(&b.lhs) && step_invariant(&b.rhs),
        // As Prometheus, only the aggregated expression counts, not the parameter.
        Expr::Aggregate(a) => step_invariant(&a.expr),
        Expr::Call(c)
            if c.args.is_empty()
                && matches!(c.name.as_str(), "start" | "end" | "range" | "step") =>
        {
            // Constants of the query (Prometheus folds them into literals first).
            true
        }
        Expr::Call(c) => {
            let args_invariant = c.args.iter().all(step_invariant);
            if c.name == "timestamp" {
                // timestamp(x @ t) is invariant, timestamp(abs(x @ t)) is not.
                return args_invariant
                    && c.args.iter().all(|a| matches!(unparen(a), Expr::VectorSelector(_)));
            }
            args_invariant && !time_dependent(&c.name)
        }
    }
}

/// Whether a multi-step evaluation of `expr` should evaluate it once and repeat it. Literals
/// are cheap either way; range vectors are never repeated.
fn wraps_step_invariant(expr: &Expr) -> bool {
    !matches!(
        expr,
        Expr::Number(_)
            | Expr::String(_)
            | Expr::MatrixSelector(_)
            | Expr::Subquery(_)
            | Expr::Paren(_)
    ) && step_invariant(expr)
}

/// Walks the series of a vector value step by step, giving the samples present at each step.
/// When every series has a point (the common case) the samples are one buffer updated in
/// place, so label sets are not cloned per step.
pub(crate) struct Cursor {
    pos: Vec<usize>,
    all: Vec<Sample>,
    some: Vec<Sample>,
}

impl Cursor {
    pub fn new(n: usize) -> Self {
        Cursor { pos: vec![0; n], all: Vec::new(), some: Vec::new() }
    }

    /// The samples of the series with a point at `t` (steps must be visited in order).
    pub fn samples_at(&mut self, series: &[Series], t: i64) -> &[Sample] {
        if self.all.len() != series.len() {
            self.all = series
                .iter()
                .map(|s| Sample {
                    metric: s.metric.clone(),
                    t,
                    f: 0.0,
                    h: None,
                    drop_name: s.drop_name,
                })
                .collect();
        }
        let mut present = 0;
        for (i, s) in series.iter().enumerate() {
            let p = &mut self.pos[i];
            let sample = &mut self.all[i];
            sample.t = t;
            if let Some(pt) = s.floats.get(*p)
                && pt.t == t
            {
                sample.f = pt.f;
                present += 1;
                *p += 1;
            } else {
                // Marks absence for the subset pass below.
                sample.t = i64::MIN;
            }
        }
        if present == series.len() {
            return &self.all;
        }
        self.some.clear();
        self.some.extend(self.all.iter().filter(|s| s.t == t).cloned());
        &self.some
    }
}
