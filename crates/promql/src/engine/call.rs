//! Function calls: range-vector functions series at a time over all steps, the others once
//! per step with their evaluated arguments.

use std::sync::Arc;

use model::labels::METRIC_NAME;
use model::storage::{SelectHints, StoredSeries, is_stale_nan};

use super::QueryError;
use super::collect::Collector;
use super::eval::{Cursor, Evaluator, Val, unparen};
use super::names::{self, finish_series, output_labels};
use super::selector::{LONG_LOOP, Pick};
use super::steps::Steps;
use crate::ast::{Call, Expr, ValueType};
use crate::functions::{self, ArgValue, Function, Impl, StepCall, StepOutput, Window};
use crate::value::{Anchor, FPoint, Series};

/// The series a range-vector argument reads.
enum Source {
    /// From storage, decoded one series at a time over `[mint, maxt]`.
    Stored { series: Vec<Arc<dyn StoredSeries>>, mint: i64, maxt: i64 },
    /// A subquery's result, points at the inner steps.
    Subquery(Vec<Series>),
}

/// Where each step's window lies for a range-vector argument.
#[derive(Clone, Copy)]
struct Span {
    range: i64,
    offset: i64,
    at: Option<i64>,
}

impl Span {
    /// The window `(start, end]` at step time `ts`.
    fn window(self, ts: i64) -> (i64, i64) {
        let end = self.at.unwrap_or(ts).saturating_sub(self.offset);
        (end.saturating_sub(self.range), end)
    }
}

fn not_implemented(name: &str) -> QueryError {
    QueryError::Execution(format!("function \"{name}\" is not implemented"))
}

fn find(name: &str) -> Result<&'static Function, QueryError> {
    functions::lookup(name).ok_or_else(|| not_implemented(name))
}

impl Evaluator<'_> {
    pub fn call(&mut self, c: &Call, steps: Steps) -> Result<Val, QueryError> {
        if c.name == "timestamp"
            && let [arg] = c.args.as_slice()
            && let Expr::VectorSelector(vs) = unparen(arg)
        {
            // The selected samples' own times, which a computed vector no longer has.
            let mut series = self.vector_selector(vs, steps, Pick::Timestamp)?;
            let delayed = self.delayed();
            for s in &mut series {
                (s.metric, s.drop_name) = output_labels(&s.metric, true, delayed);
            }
            return Ok(Val::Vector(finish_series(series, steps.is_single(), delayed)?));
        }
        if c.args.is_empty()
            && let Some(v) = self.query_context_value(&c.name)
        {
            self.limits.fits(steps.len())?;
            return Ok(Val::Scalar(vec![v; steps.len()]));
        }
        if c.name == "timestamp" {
            // Of a computed vector: the evaluation time of each sample.
            let Some(arg) = c.args.first() else {
                return Err(QueryError::Execution("timestamp() needs an argument".into()));
            };
            let Val::Vector(mut series) = self.eval(arg, steps)? else {
                return Err(QueryError::Execution(
                    "timestamp() needs an instant vector argument".into(),
                ));
            };
            let delayed = self.delayed();
            for s in &mut series {
                s.floats.iter_mut().for_each(|p| p.f = p.t as f64 / 1000.0);
                let (metric, flag) = output_labels(&s.metric, true, delayed);
                s.metric = metric;
                s.drop_name |= flag;
            }
            return Ok(Val::Vector(finish_series(series, steps.is_single(), delayed)?));
        }
        let range_arg = c
            .args
            .iter()
            .position(|a| matches!(unparen(a), Expr::MatrixSelector(_) | Expr::Subquery(_)));
        match range_arg {
            Some(i) => self.range_call(c, i, steps),
            None => self.step_call(c, steps),
        }
    }

    /// `start()`, `end()`, `range()`, `step()`: the query's own times in seconds.
    fn query_context_value(&self, name: &str) -> Option<f64> {
        let ms = match name {
            "start" => self.query_start,
            "end" => self.query_end,
            "range" => self.query_end.saturating_sub(self.query_start),
            "step" => self.query_step,
            _ => return None,
        };
        Some(ms as f64 / 1000.0)
    }

    fn range_call(&mut self, c: &Call, arg_index: usize, steps: Steps) -> Result<Val, QueryError> {
        let name = c.name.as_str();
        let absent = name == "absent_over_time";
        let (func, keeps_name) = if absent {
            (None, false)
        } else {
            let func = find(name)?;
            match func.imp {
                Impl::Range(f) => (Some(f), func.keeps_name),
                Impl::Step(_) => {
                    return Err(QueryError::Execution(format!(
                        "function \"{name}\" does not take a range vector"
                    )));
                }
            }
        };
        let mut params: Vec<Vec<f64>> = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if i == arg_index {
                continue;
            }
            match self.eval(a, steps)? {
                Val::Scalar(v) => params.push(v),
                _ => {
                    return Err(QueryError::Execution(format!(
                        "expected a scalar argument to {name}"
                    )));
                }
            }
        }
        let arg = unparen(&c.args[arg_index]);
        let (span, source, absent_matchers) = match arg {
            Expr::MatrixSelector(ms) => {
                let vs = &ms.selector;
                let span = Span { range: ms.range, offset: vs.offset, at: self.at_time(vs.at) };
                let (first_start, _) = span.window(steps.start);
                let (_, last_end) = span.window(steps.last());
                let mint = first_start.saturating_add(1);
                let hints = SelectHints {
                    start: mint,
                    end: last_end,
                    step: steps.hint_step(),
                    range: ms.range,
                    func: Some(name.to_string()),
                };
                let series = self.select(&vs.matchers, hints)?;
                (span, Source::Stored { series, mint, maxt: last_end }, vs.matchers.as_slice())
            }
            Expr::Subquery(sq) => {
                let span = Span { range: sq.range, offset: sq.offset, at: self.at_time(sq.at) };
                (span, Source::Subquery(self.subquery_series(sq, steps)?), &[][..])
            }
            _ => return Err(QueryError::Execution(format!("expected a range vector in {name}"))),
        };

        let delayed = self.delayed();
        let n = steps.len();
        let mut present = if absent { vec![false; n] } else { Vec::new() };
        let mut out: Vec<Series> = Vec::new();
        let mut buf: Vec<FPoint> = Vec::new();
        let mut param_buf: Vec<f64> = Vec::with_capacity(params.len());
        let count = match &source {
            Source::Stored { series, .. } => series.len(),
            Source::Subquery(series) => series.len(),
        };
        // Inputs are unique label sets, so dropping the name can only make two equal when they
        // differ in their names; with one name throughout, the duplicate check is skipped.
        let mut first_name: Option<Option<String>> = None;
        let mut one_name = true;
        // The arguments are evaluated: annotations from here on are about this call.
        let outer = self.annotations.enter(&c.pos);
        for idx in 0..count {
            self.limits.tick()?;
            let (metric, input_drop, points): (_, bool, &[FPoint]) = match &source {
                Source::Stored { series, mint, maxt } => {
                    let s = &series[idx];
                    buf.clear();
                    s.floats_into(*mint, *maxt, &mut buf);
                    buf.retain(|p| !is_stale_nan(p.f));
                    (s.labels(), false, &buf)
                }
                Source::Subquery(series) => {
                    let s = &series[idx];
                    (&s.metric, s.drop_name, &s.floats)
                }
            };
            if points.is_empty() {
                continue;
            }
            if one_name {
                let name = metric.get(METRIC_NAME);
                match &first_name {
                    None => first_name = Some(name.map(str::to_owned)),
                    Some(first) => one_name = first.as_deref() == name,
                }
            }
            let mut result: Vec<FPoint> = Vec::new();
            let (mut lo, mut hi) = (0, 0);
            // Without @, only steps whose window can hold one of the points.
            let reach = match span.at {
                None => {
                    steps.reaching(points[0].t, points[points.len() - 1].t, span.offset, span.range)
                }
                Some(_) => 0..n,
            };
            for i in reach {
                let ts = steps.at(i);
                let (start, end) = span.window(ts);
                while hi < points.len() && points[hi].t <= end {
                    hi += 1;
                }
                while lo < hi && points[lo].t <= start {
                    lo += 1;
                }
                if lo == hi {
                    continue;
                }
                if i % LONG_LOOP == LONG_LOOP - 1 {
                    self.limits.check_now()?;
                    self.limits.fits(result.len())?;
                }
                let Some(f) = func else {
                    present[i] = true;
                    continue;
                };
                self.limits.fits(hi - lo)?;
                param_buf.clear();
                param_buf.extend(params.iter().map(|p| p[i]));
                let window = Window {
                    metric,
                    floats: &points[lo..hi],
                    range_start: start,
                    range_end: end,
                    t: ts,
                    params: &param_buf,
                };
                if let Some(v) = f(&window, &mut self.annotations)? {
                    if result.capacity() == 0 {
                        result.reserve_exact(n.min(LONG_LOOP));
                    }
                    result.push(FPoint { t: ts, f: v });
                }
            }
            if result.is_empty() {
                continue;
            }
            if matches!(name, "rate" | "increase")
                && let Some(metric_name) = metric.get(METRIC_NAME)
                && !names::looks_like_counter(metric_name)
            {
                self.annotations.info_at(
                    format!(
                        "PromQL info: metric might not be a counter, name does not end in \
                         _total/_sum/_count/_bucket: {}",
                        model::gostr::quote(metric_name)
                    ),
                    Anchor::Arg(0),
                );
            }
            self.limits.add(result.len())?;
            let (labels, flag) = output_labels(metric, !keeps_name || input_drop, delayed);
            out.push(Series {
                metric: labels,
                floats: result,
                histograms: Vec::new(),
                drop_name: flag,
            });
        }
        self.annotations.leave(outer);

        if absent {
            let floats: Vec<FPoint> = steps
                .iter()
                .filter(|(i, _)| !present[*i])
                .map(|(_, t)| FPoint { t, f: 1.0 })
                .collect();
            if floats.is_empty() {
                return Ok(Val::Vector(Vec::new()));
            }
            let metric = names::absent_labels(absent_matchers);
            return Ok(Val::Vector(vec![Series {
                metric,
                floats,
                histograms: Vec::new(),
                drop_name: true,
            }]));
        }
        if !delayed && !one_name && names::has_duplicates(&out) {
            return Err(names::dup_error());
        }
        Ok(Val::Vector(out))
    }

    fn step_call(&mut self, c: &Call, steps: Steps) -> Result<Val, QueryError> {
        let name = c.name.as_str();
        let func = find(name)?;
        let Impl::Step(f) = func.imp else {
            return Err(QueryError::Execution(format!(
                "function \"{name}\" needs a range vector argument"
            )));
        };
        if matches!(name, "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc")
            && !steps.is_single()
        {
            let outer = self.annotations.enter(&c.pos);
            self.annotations.warn_at(
                "PromQL warning: sort is ineffective for range queries since results are always \
                 ordered by labels",
                Anchor::Node,
            );
            self.annotations.leave(outer);
        }
        let mut args: Vec<Val> = Vec::with_capacity(c.args.len());
        for a in &c.args {
            let v = self.eval(a, steps)?;
            if matches!(v, Val::Matrix(_)) {
                return Err(QueryError::Execution(format!(
                    "function \"{name}\" does not take a range vector"
                )));
            }
            args.push(v);
        }
        let ret = crate::signatures::lookup(name).map(|s| s.ret).unwrap_or(ValueType::Vector);
        let mut cursors: Vec<Cursor> = args
            .iter()
            .map(|a| Cursor::new(if let Val::Vector(s) = a { s.len() } else { 0 }))
            .collect();
        let mut scalars: Vec<f64> = Vec::new();
        let mut out = Collector::new(steps.is_single(), self.delayed(), steps.len());
        // The arguments are evaluated: annotations from here on are about this call.
        let outer = self.annotations.enter(&c.pos);
        for (i, ts) in steps.iter() {
            self.limits.tick()?;
            let mut argv: Vec<ArgValue<'_>> = Vec::with_capacity(args.len());
            for (a, cursor) in args.iter().zip(cursors.iter_mut()) {
                argv.push(match a {
                    Val::Scalar(v) => ArgValue::Scalar(v[i]),
                    Val::String(s) => ArgValue::String(s),
                    Val::Vector(series) => ArgValue::Vector(cursor.samples_at(series, ts)),
                    Val::Matrix(_) => ArgValue::Vector(&[]),
                });
            }
            let call = StepCall { args: &argv, exprs: &c.args, t: ts };
            match f(&call, &mut self.annotations)? {
                StepOutput::Scalar(v) => scalars.push(v),
                StepOutput::Vector(samples) => {
                    self.limits.add(samples.len())?;
                    for s in &samples {
                        let slot = out.slot(&s.metric, s.drop_name);
                        out.push(slot, ts, s.f)?;
                    }
                }
            }
        }
        self.annotations.leave(outer);
        if ret == ValueType::Scalar {
            scalars.resize(steps.len(), f64::NAN);
            return Ok(Val::Scalar(scalars));
        }
        Ok(Val::Vector(out.finish()?))
    }
}
