//! Function implementations. The engine evaluates arguments and calls these per step (functions
//! of instant vectors and scalars) or per series and step (functions of a range vector).

use model::labels::Labels;

use crate::ast::Expr;
use crate::engine::QueryError;
use crate::value::{Annotations, FPoint, Sample};

/// One argument's value at one step.
#[derive(Debug, Clone, Copy)]
pub enum ArgValue<'a> {
    Scalar(f64),
    String(&'a str),
    Vector(&'a [Sample]),
}

/// A call of an instant-vector/scalar function at one step.
#[derive(Debug)]
pub struct StepCall<'a> {
    /// The evaluated arguments.
    pub args: &'a [ArgValue<'a>],
    /// The argument expressions (`absent` reads a selector's matchers from here).
    pub exprs: &'a [Expr],
    /// The evaluation time of this step, ms.
    pub t: i64,
}

/// The result of an instant-vector/scalar function at one step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutput {
    Scalar(f64),
    Vector(Vec<Sample>),
}

/// One series' samples in one step's window of a range-vector argument.
#[derive(Debug)]
pub struct Window<'a> {
    pub metric: &'a Labels,
    /// Non-stale float samples with `range_start < t <= range_end`, in time order.
    pub floats: &'a [FPoint],
    /// Start of the window (exclusive), ms, after `offset` and `@`.
    pub range_start: i64,
    /// End of the window (inclusive), ms, after `offset` and `@`.
    pub range_end: i64,
    /// The evaluation time of this step, ms (for `predict_linear`'s intercept).
    pub t: i64,
    /// Scalar arguments other than the range vector, in argument order, at this step
    /// (`quantile_over_time`'s φ, `predict_linear`'s t, smoothing factors).
    pub params: &'a [f64],
}

/// How a function is evaluated.
#[derive(Debug, Clone, Copy)]
pub enum Impl {
    /// Called once per step with all arguments evaluated at that step.
    Step(fn(&StepCall<'_>, &mut Annotations) -> Result<StepOutput, QueryError>),
    /// Called per series and step with that series' window; `None` means no output sample.
    /// The output keeps the series' labels (minus `__name__` unless `keeps_name`).
    Range(fn(&Window<'_>, &mut Annotations) -> Result<Option<f64>, QueryError>),
}

/// A function's implementation and how its output is labelled.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    pub imp: Impl,
    /// Output samples keep `__name__` (label_replace, label_join, sort*, last/first_over_time).
    pub keeps_name: bool,
}

/// The implementation of `name`, if there is one. `absent_over_time` and `timestamp` are the
/// engine's own special cases (they need every series of a window or the selector's sample
/// times), as in Prometheus.
pub fn lookup(name: &str) -> Option<&'static Function> {
    let _ = name;
    None
}
