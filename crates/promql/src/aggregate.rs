//! Aggregation operators, one step at a time.
//!
//! An [`Aggregator`] is made once per aggregation node and query and called once per step with
//! that step's input samples. It remembers which group each input series belongs to across
//! steps (`grouping`), so a range query builds each group's labels once, not once per step.
//!
//! - `simple`: `sum avg count min max group stddev stdvar quantile`, one sample per group,
//!   labelled with the group's labels (`by`: only the listed labels; `without`: all but the
//!   listed ones and `__name__`; no clause: one group, `{}`).
//! - `topk`: `topk bottomk limitk limit_ratio`, which keep some input samples as they are.
//! - `count_values`: one sample per group and distinct value.
//!
//! Arithmetic follows Prometheus step for step where results are observable: `sum` and `avg`
//! use its compensated summation (`kahan`), `stddev`/`stdvar` its online (population)
//! variance, `quantile` its interpolation (`quantile`). Annotations carry Prometheus' texts
//! with the `(line:col)` of the parameter, expression or node they are about, from the
//! scope the engine enters for the aggregation ([`Anchor`]).

mod count_values;
mod format;
mod grouping;
mod simple;
mod topk;

use crate::ast::{AggOp, Aggregate};
use crate::engine::QueryError;
use crate::value::{Anchor, Annotations, Sample};

use self::count_values::CountValues;
use self::format::go_g;
use self::grouping::{Grouper, Rule};
use self::simple::Simple;
use self::topk::Selector;

/// The parameter of `topk`, `bottomk`, `quantile`, `limitk`, `limit_ratio` (a number) or
/// `count_values` (a label name) at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    None,
    Number(f64),
    Label(&'a str),
}

/// Evaluates one aggregation node; created once per node and query, called once per step, so
/// it may cache per-series grouping work across steps.
#[derive(Debug)]
pub struct Aggregator {
    op: AggOp,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Simple { grouper: Grouper, simple: Simple },
    Select { grouper: Grouper, selector: Selector },
    CountValues(CountValues),
}

impl Aggregator {
    pub fn new(spec: &Aggregate) -> Self {
        let op = spec.op;
        let rule = || Rule::new(&spec.grouping, spec.has_grouping);
        let kind = match op {
            AggOp::CountValues => Kind::CountValues(CountValues::new(spec)),
            AggOp::Topk | AggOp::Bottomk | AggOp::Limitk | AggOp::LimitRatio => Kind::Select {
                // limit_ratio remembers each series' sampling offset by series id.
                grouper: Grouper::new(rule(), op == AggOp::LimitRatio),
                selector: Selector::new(op),
            },
            AggOp::Sum
            | AggOp::Avg
            | AggOp::Count
            | AggOp::Min
            | AggOp::Max
            | AggOp::Group
            | AggOp::Stddev
            | AggOp::Stdvar
            | AggOp::Quantile => {
                Kind::Simple { grouper: Grouper::new(rule(), false), simple: Simple::new(op) }
            }
        };
        Aggregator { op, kind }
    }

    /// Aggregates `input` (the argument's samples at step `t`). Output samples have `t` = `t`.
    ///
    /// Call it at every step, also with an empty input: parameter errors (`Parameter value is
    /// NaN`, ...) and warnings do not depend on the input.
    pub fn step(
        &mut self,
        input: &[Sample],
        param: Param<'_>,
        t: i64,
        annotations: &mut Annotations,
    ) -> Result<Vec<Sample>, QueryError> {
        match &mut self.kind {
            Kind::Simple { grouper, simple } => {
                let q = if self.op == AggOp::Quantile {
                    let q = number(self.op, param)?;
                    if q.is_nan() || !(0.0..=1.0).contains(&q) {
                        annotations.warn_at(
                            format!(
                                "PromQL warning: quantile value should be between 0 and 1, got {}",
                                go_g(q)
                            ),
                            Anchor::Arg(0),
                        );
                    }
                    q
                } else {
                    f64::NAN
                };
                if input.is_empty() {
                    return Ok(Vec::new());
                }
                grouper.assign(input);
                Ok(simple.step(grouper, input, q, t, annotations))
            }
            Kind::Select { grouper, selector } => {
                let limit = topk::limit(self.op, number(self.op, param)?, annotations)?;
                if input.is_empty() || limit == topk::Limit::Nothing {
                    return Ok(Vec::new());
                }
                grouper.assign(input);
                Ok(selector.step(grouper, input, limit, t, annotations))
            }
            Kind::CountValues(cv) => match param {
                Param::Label(label) => cv.step(input, label, t, annotations),
                _ => Err(wrong_param(self.op, "a label name")),
            },
        }
    }
}

fn number(op: AggOp, param: Param<'_>) -> Result<f64, QueryError> {
    match param {
        Param::Number(f) => Ok(f),
        _ => Err(wrong_param(op, "a number")),
    }
}

/// The engine passed the wrong kind of parameter: a bug in the caller, reported, not panicked on.
fn wrong_param(op: AggOp, want: &str) -> QueryError {
    QueryError::Execution(format!("{} expects {want} as its parameter", op.as_str()))
}
