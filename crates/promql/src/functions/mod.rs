//! Function implementations. The engine evaluates arguments and calls these per step (functions
//! of instant vectors and scalars) or per series and step (functions of a range vector).
//!
//! - `range`: `rate`, `increase`, `delta` (extrapolated), `irate`, `idelta`, `deriv`,
//!   `predict_linear`, `changes`, `resets`.
//! - `over_time`: the `*_over_time` family, `mad_over_time`, `ts_of_*_over_time`.
//! - `math`: element-wise math, `round`, `clamp*`. `time`: `time()` and the calendar functions.
//! - `labels`: `label_replace`, `label_join`. `histogram`: classic-bucket quantiles and
//!   fractions, the native-histogram accessors.
//! - `misc`: `scalar`, `vector`, `pi`, sorting, `absent`, `min_of`/`max_of`,
//!   `double_exponential_smoothing`.
//!
//! Results that Prometheus strips of `__name__` are flagged (`drop_name`), never stripped
//! here. Annotations name what they are about with an [`crate::value::Anchor`] (an argument
//! or the call); the engine's scope turns that into Prometheus' ` (line:col)` suffix.

mod histogram;
mod labels;

pub(crate) use labels::valid_label_name;
mod math;
mod misc;
mod over_time;
mod range;
mod time;
pub(crate) mod util;

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
/// times), as in Prometheus; so are `start()`, `end()`, `range()` and `step()` (query
/// parameters), `info()` (a second storage lookup) and `start_timestamp()` (start times).
pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Every function implemented here.
pub fn all() -> &'static [Function] {
    FUNCTIONS
}

const fn per_step(name: &'static str, f: StepFn) -> Function {
    Function { name, imp: Impl::Step(f), keeps_name: false }
}

const fn per_step_keeping_name(name: &'static str, f: StepFn) -> Function {
    Function { name, imp: Impl::Step(f), keeps_name: true }
}

const fn per_window(name: &'static str, f: RangeFn) -> Function {
    Function { name, imp: Impl::Range(f), keeps_name: false }
}

const fn per_window_keeping_name(name: &'static str, f: RangeFn) -> Function {
    Function { name, imp: Impl::Range(f), keeps_name: true }
}

type StepFn = fn(&StepCall<'_>, &mut Annotations) -> Result<StepOutput, QueryError>;
type RangeFn = fn(&Window<'_>, &mut Annotations) -> Result<Option<f64>, QueryError>;

static FUNCTIONS: &[Function] = &[
    // Functions of range vectors: rates and counters.
    per_window("rate", range::rate),
    per_window("increase", range::increase),
    per_window("delta", range::delta),
    per_window("irate", range::irate),
    per_window("idelta", range::idelta),
    per_window("deriv", range::deriv),
    per_window("predict_linear", range::predict_linear),
    per_window("changes", range::changes),
    per_window("resets", range::resets),
    // Aggregations over time.
    per_window("avg_over_time", over_time::avg),
    per_window("sum_over_time", over_time::sum),
    per_window("count_over_time", over_time::count),
    per_window("min_over_time", over_time::min),
    per_window("max_over_time", over_time::max),
    per_window("quantile_over_time", over_time::quantile),
    per_window("stddev_over_time", over_time::stddev),
    per_window("stdvar_over_time", over_time::stdvar),
    per_window_keeping_name("last_over_time", over_time::last),
    per_window_keeping_name("first_over_time", over_time::first),
    per_window("present_over_time", over_time::present),
    per_window("mad_over_time", over_time::mad),
    per_window("ts_of_min_over_time", over_time::ts_of_min),
    per_window("ts_of_max_over_time", over_time::ts_of_max),
    per_window("ts_of_first_over_time", over_time::ts_of_first),
    per_window("ts_of_last_over_time", over_time::ts_of_last),
    per_window("double_exponential_smoothing", misc::double_exponential_smoothing),
    // Math on instant vectors.
    per_step("abs", math::abs),
    per_step("ceil", math::ceil),
    per_step("floor", math::floor),
    per_step("exp", math::exp),
    per_step("sqrt", math::sqrt),
    per_step("ln", math::ln),
    per_step("log2", math::log2),
    per_step("log10", math::log10),
    per_step("sgn", math::sgn),
    per_step("deg", math::deg),
    per_step("rad", math::rad),
    per_step("sin", math::sin),
    per_step("cos", math::cos),
    per_step("tan", math::tan),
    per_step("asin", math::asin),
    per_step("acos", math::acos),
    per_step("atan", math::atan),
    per_step("sinh", math::sinh),
    per_step("cosh", math::cosh),
    per_step("tanh", math::tanh),
    per_step("asinh", math::asinh),
    per_step("acosh", math::acosh),
    per_step("atanh", math::atanh),
    per_step("round", math::round),
    per_step("clamp", math::clamp),
    per_step("clamp_min", math::clamp_min),
    per_step("clamp_max", math::clamp_max),
    // Time and date.
    per_step("time", time::time),
    per_step("minute", time::minute),
    per_step("hour", time::hour),
    per_step("day_of_week", time::day_of_week),
    per_step("day_of_month", time::day_of_month),
    per_step("day_of_year", time::day_of_year),
    per_step("days_in_month", time::days_in_month),
    per_step("month", time::month),
    per_step("year", time::year),
    // Labels.
    per_step_keeping_name("label_replace", labels::label_replace),
    per_step_keeping_name("label_join", labels::label_join),
    // Histograms.
    per_step("histogram_quantile", histogram::histogram_quantile),
    per_step("histogram_quantiles", histogram::histogram_quantiles),
    per_step("histogram_fraction", histogram::histogram_fraction),
    per_step("histogram_count", histogram::histogram_count),
    per_step("histogram_sum", histogram::histogram_sum),
    per_step("histogram_avg", histogram::histogram_avg),
    per_step("histogram_stddev", histogram::histogram_stddev),
    per_step("histogram_stdvar", histogram::histogram_stdvar),
    // Types, sorting, absence, scalars.
    per_step("scalar", misc::scalar),
    per_step("vector", misc::vector),
    per_step("pi", misc::pi),
    per_step_keeping_name("sort", misc::sort),
    per_step_keeping_name("sort_desc", misc::sort_desc),
    per_step_keeping_name("sort_by_label", misc::sort_by_label),
    per_step_keeping_name("sort_by_label_desc", misc::sort_by_label_desc),
    per_step("absent", misc::absent),
    per_step("min_of", misc::min_of),
    per_step("max_of", misc::max_of),
];
