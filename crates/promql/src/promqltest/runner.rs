//! Executing a script: loads into a fresh store, evals through the engine, as upstream's
//! harness does (the spec's §6.3), including its two extra checks for instant evals: the same
//! query as a range query around `T`, and the query with `@ T` on every selector evaluated at
//! other times.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use model::labels::Labels;
use model::storage::{Appendable, Storage};

use super::compare::{Grid, assert_sorted, compare_result, describe_expected, describe_value};
use super::report::{Outcome, Report, Status};
use super::script::{Command, Eval, EvalKind, Load, fmt_ms, parse_script};
use super::series::SeqValue;
use crate::ast::{At, Expr, VectorSelector};
use crate::engine::{Engine, EngineOptions, QueryOptions, QueryResult};
use crate::parse::{ParseOptions, parse_with};
use crate::value::{Annotations, Sample, Value};

/// A store the runner can load and query; any `Storage + Appendable` is one.
pub trait TestStore: Storage + Appendable {}

impl<T: Storage + Appendable + ?Sized> TestStore for T {}

/// Makes an empty store; called at the start and at every `clear`.
pub type StoreFactory = Box<dyn Fn() -> Box<dyn TestStore> + Send + Sync>;

/// How scripts are run.
pub struct RunnerOptions {
    pub new_store: StoreFactory,
    /// Upstream's test engine settings by default ([`test_engine_options`]).
    pub engine: EngineOptions,
    pub parse: ParseOptions,
}

impl RunnerOptions {
    /// Upstream's test settings over stores made by `new_store`.
    pub fn new(new_store: impl Fn() -> Box<dyn TestStore> + Send + Sync + 'static) -> Self {
        RunnerOptions {
            new_store: Box::new(new_store),
            engine: test_engine_options(),
            parse: ParseOptions { experimental_functions: true },
        }
    }
}

impl fmt::Debug for RunnerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunnerOptions")
            .field("engine", &self.engine)
            .field("parse", &self.parse)
            .finish_non_exhaustive()
    }
}

/// The engine settings of upstream's test engine: 5m lookback, 10,000 samples, 100s timeout,
/// 1m subquery step, delayed name removal.
pub fn test_engine_options() -> EngineOptions {
    EngineOptions {
        lookback_delta: 5 * 60 * 1000,
        max_samples: 10_000,
        timeout: Duration::from_secs(100),
        default_subquery_step: 60 * 1000,
        delayed_name_removal: true,
    }
}

/// Features the parser may reject that are known not to be supported yet: when an expression
/// fails to parse and matches one of these patterns (Go RE2, searched in the expression with its
/// string literals emptied), the eval is skipped with the reason instead of failing. All are
/// experimental upstream (feature flags); stable PromQL is never listed.
const UNSUPPORTED: &[(&str, &str)] = &[
    (r"\b(anchored|smoothed)\b", "extended range selectors (anchored/smoothed) are not supported"),
    (r"\b(fill|fill_left|fill_right)\s*\(", "binary operator fill modifiers are not supported"),
    (r"\[[^\]]*[-+*/%^()][^\]]*\]", "duration expressions are not supported"),
    (r"(?i)\boffset\s*-?\s*[(a-z]", "duration expressions are not supported"),
    (r"(?i)\b(step|range)\s*\(\s*\)", "duration expressions are not supported"),
    (r"(>/|</)", "native histogram trim operators are not supported"),
    (r"\binfo\s*\(", "the experimental info() function is not supported"),
];

/// Runtime errors that mean "not implemented" for an experimental feature listed here; the eval
/// is skipped with the reason. Matched as substrings of the error text.
const UNSUPPORTED_AT_RUNTIME: &[(&str, &str)] = &[(
    r#"function "info" is not implemented"#,
    "the experimental info() function is not supported",
)];

/// Functions whose result depends on the evaluation time even for fixed inputs, so the
/// `@ T` rewrite check does not apply (upstream's `AtModifierUnsafeFunctions`).
const AT_UNSAFE_FUNCTIONS: &[&str] = &[
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "end",
    "hour",
    "minute",
    "month",
    "year",
    "predict_linear",
    "range",
    "start",
    "step",
    "time",
    "timestamp",
];

/// Series the store lacks or holds only in part (native histograms, start timestamps), so
/// evals that read them are skipped.
#[derive(Debug)]
struct Taint {
    metric: Labels,
    line: usize,
    reason: &'static str,
}

struct State {
    store: Box<dyn TestStore>,
    tainted: Vec<Taint>,
}

/// Runs a script and reports one outcome per eval, plus a failure for every command that could
/// not be parsed or loaded.
pub fn run_script(text: &str, opts: &RunnerOptions) -> Report {
    let script = parse_script(text);
    let engine = Engine::new(opts.engine.clone());
    let mut state = State { store: (opts.new_store)(), tainted: Vec::new() };
    let mut report = Report::default();
    for cmd in &script.commands {
        match cmd {
            Command::Clear { .. } => {
                state.store = (opts.new_store)();
                state.tainted.clear();
            }
            Command::Load(load) => {
                if let Err(e) = run_load(&mut state, load) {
                    report.outcomes.push(Outcome {
                        line: load.line,
                        status: Status::Fail(format!(
                            "load {}\nload failed: {e}",
                            fmt_ms(load.step)
                        )),
                    });
                }
            }
            Command::Eval(eval) => {
                let status = run_eval(&engine, &state, eval, opts.parse);
                report.outcomes.push(Outcome { line: eval.line, status });
            }
            Command::Invalid { line, message } => {
                report.outcomes.push(Outcome {
                    line: *line,
                    status: Status::Fail(format!("invalid command\n{message}")),
                });
            }
        }
    }
    report
}

fn run_load(state: &mut State, load: &Load) -> Result<(), String> {
    let State { store, tainted } = state;
    let mut app = store.appender();
    let mut first_error = None;
    for s in &load.series {
        if s.values.contains(&SeqValue::Histogram) {
            taint(tainted, &s.metric, s.line, "native histogram samples are not supported");
        }
        if s.start_timestamps {
            taint(tainted, &s.metric, s.line, "start timestamps (@st) are not supported");
        }
        if load.with_nhcb
            && let Some(base) = nhcb_base(&s.metric)
        {
            taint(
                tainted,
                &base,
                s.line,
                "load_with_nhcb (native histograms with custom buckets) is not supported",
            );
        }
        for (i, v) in s.values.iter().enumerate() {
            let SeqValue::Float(f) = v else { continue };
            let t = load.step.saturating_mul(i as i64);
            if let Err(e) = app.append(&s.metric, t, *f)
                && first_error.is_none()
            {
                first_error = Some(format!("line {}: {} at t={t}: {e}", s.line, s.metric));
            }
        }
    }
    app.commit().map_err(|e| e.to_string())?;
    first_error.map_or(Ok(()), Err)
}

fn taint(tainted: &mut Vec<Taint>, metric: &Labels, line: usize, reason: &'static str) {
    if !tainted.iter().any(|t| &t.metric == metric && t.reason == reason) {
        tainted.push(Taint { metric: metric.clone(), line, reason });
    }
}

/// The native-histogram series `load_with_nhcb` builds from a classic `_bucket`, `_count` or
/// `_sum` series: the base name, without `le`.
fn nhcb_base(metric: &Labels) -> Option<Labels> {
    let name = metric.metric_name()?;
    let base = ["_bucket", "_count", "_sum"].iter().find_map(|s| name.strip_suffix(s))?;
    if name.ends_with("_bucket") {
        let le = metric.get("le")?;
        if le.parse::<f64>().map_or(true, f64::is_nan) && !matches!(le, "+Inf" | "-Inf") {
            return None;
        }
    }
    let mut b = metric.builder();
    b.set("__name__", base).del("le");
    Some(b.labels())
}

fn run_eval(engine: &Engine, state: &State, eval: &Eval, parse_opts: ParseOptions) -> Status {
    let expr = match parse_with(&eval.expr, parse_opts) {
        Ok(expr) => expr,
        Err(e) => {
            if let Some(reason) = unsupported_feature(&eval.expr) {
                return Status::Skip(format!("{reason}: {e}"));
            }
            if eval.expects_failure() {
                return match check_expected_failure(eval, &e.to_string()) {
                    Ok(()) => Status::Pass,
                    Err(problem) => fail(eval, "parse", &problem, None),
                };
            }
            return fail(eval, "parse", &e.to_string(), None);
        }
    };
    if eval.expects_histograms() {
        return Status::Skip("expects native histogram values".into());
    }
    if let Some(t) = selects_tainted(&expr, &state.tainted) {
        return Status::Skip(format!("reads {} loaded at line {}: {}", t.metric, t.line, t.reason));
    }
    let store: &dyn Storage = &*state.store;
    let result = match eval.kind {
        EvalKind::Range { start, end, step } => {
            run_range(engine, store, eval, &expr, start, end, step)
        }
        EvalKind::Instant { at } => run_instant(engine, store, eval, &expr, at),
    };
    match result {
        Ok(()) => Status::Pass,
        Err(CheckFailure { skip: Some(reason), problem, .. }) => {
            Status::Skip(format!("{reason}: {problem}"))
        }
        Err(f) => fail(eval, &f.context, &f.problem, f.got.as_ref()),
    }
}

/// Why a check failed, and the value it saw.
struct CheckFailure {
    context: String,
    problem: String,
    got: Option<Value>,
    /// Set when the query hit a listed unsupported feature: the eval is skipped instead.
    skip: Option<&'static str>,
}

fn check_failure(context: &str, problem: String, got: Option<Value>) -> CheckFailure {
    CheckFailure { context: context.to_string(), problem, got, skip: None }
}

/// Turns a listed not-implemented error into a skip; other errors pass through.
fn skip_unsupported(
    res: Result<QueryResult, String>,
) -> Result<Result<QueryResult, String>, CheckFailure> {
    match res {
        Err(e) => match unsupported_at_runtime(&e) {
            Some(reason) => Err(CheckFailure { skip: Some(reason), ..check_failure("", e, None) }),
            None => Ok(Err(e)),
        },
        ok => Ok(ok),
    }
}

fn fail(eval: &Eval, context: &str, problem: &str, got: Option<&Value>) -> Status {
    let mut text = format!("{}\n{context}: {problem}", eval.header());
    let expected = describe_expected(eval);
    text.push_str("\nexpected:");
    for l in expected {
        text.push_str("\n  ");
        text.push_str(&l);
    }
    if let Some(v) = got {
        text.push_str("\ngot:");
        for l in describe_value(v) {
            text.push_str("\n  ");
            text.push_str(&l);
        }
    }
    Status::Fail(text)
}

fn unsupported_feature(expr: &str) -> Option<&'static str> {
    let text = without_string_contents(expr);
    UNSUPPORTED.iter().find_map(|(pattern, reason)| {
        model::regex::GoRegex::new(pattern, model::regex::Anchoring::Unanchored)
            .ok()
            .filter(|re| re.is_match(&text))
            .map(|_| *reason)
    })
}

fn unsupported_at_runtime(err: &str) -> Option<&'static str> {
    UNSUPPORTED_AT_RUNTIME.iter().find(|(text, _)| err.contains(text)).map(|(_, reason)| *reason)
}

/// `expr` with the insides of its string literals removed, so regex matchers such as
/// `{a=~"x[0-9]+"}` cannot look like syntax.
fn without_string_contents(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in expr.chars() {
        match quote {
            None => {
                if matches!(c, '"' | '\'' | '`') {
                    quote = Some(c);
                }
                out.push(c);
            }
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q != '`' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Runs a query, turning an engine panic into an error so one bad query cannot end the run.
fn guarded(
    what: &str,
    f: impl FnOnce() -> Result<QueryResult, crate::engine::QueryError>,
) -> Result<QueryResult, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("PANIC in {what}: {msg}"))
        }
    }
}

/// Marks a query error as a panic so the runner never treats it as an expected failure.
fn is_panic(err: &str) -> bool {
    err.starts_with("PANIC in ")
}

fn run_range(
    engine: &Engine,
    store: &dyn Storage,
    eval: &Eval,
    expr: &Expr,
    start: i64,
    end: i64,
    step: i64,
) -> Result<(), CheckFailure> {
    let ctx = "range query";
    let res = guarded(ctx, || {
        engine.range_query(store, expr, start, end, step, &QueryOptions::default())
    });
    let res = match skip_unsupported(res)? {
        Err(e) if eval.expects_failure() && !is_panic(&e) => {
            return check_expected_failure(eval, &e).map_err(|p| check_failure(ctx, p, None));
        }
        Err(e) => return Err(check_failure(ctx, format!("error evaluating query: {e}"), None)),
        Ok(res) => res,
    };
    if eval.expects_failure() {
        return Err(check_failure(ctx, "expected an error but got none".into(), Some(res.value)));
    }
    check_annotations(eval, &res.annotations)
        .map_err(|p| check_failure(ctx, p, Some(res.value.clone())))?;
    compare_result(eval, Grid { start, end, step }, &res.value)
        .map_err(|p| check_failure(ctx, p, Some(res.value)))
}

fn run_instant(
    engine: &Engine,
    store: &dyn Storage,
    eval: &Eval,
    expr: &Expr,
    at: i64,
) -> Result<(), CheckFailure> {
    let (t, grid) = match eval.range_vector {
        Some(r) => (r.end, Grid { start: r.start, end: r.end, step: r.step }),
        None => (at, Grid { start: at, end: at, step: 0 }),
    };
    let query_context = mentions_query_context(expr) || mentions_query_context_text(&eval.expr);
    run_instant_query(engine, store, eval, expr, t, grid, "instant query", query_context)?;
    if let Some((pinned, times)) = at_modifier_cases(expr, t) {
        let pinned_context = mentions_query_context(&pinned);
        for et in times {
            let ctx =
                format!("with @ {} on every selector, evaluated at {}", fmt_ms(t), fmt_ms(et));
            run_instant_query(engine, store, eval, &pinned, et, grid, &ctx, pinned_context)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_instant_query(
    engine: &Engine,
    store: &dyn Storage,
    eval: &Eval,
    expr: &Expr,
    t: i64,
    grid: Grid,
    ctx: &str,
    query_context: bool,
) -> Result<(), CheckFailure> {
    let res = guarded(ctx, || engine.instant_query(store, expr, t, &QueryOptions::default()));
    let res = match skip_unsupported(res)? {
        Err(e) if eval.expects_failure() && !is_panic(&e) => {
            return check_expected_failure(eval, &e).map_err(|p| check_failure(ctx, p, None));
        }
        Err(e) => return Err(check_failure(ctx, format!("error evaluating query: {e}"), None)),
        Ok(res) => res,
    };
    if eval.expects_failure() {
        return Err(check_failure(ctx, "expected an error but got none".into(), Some(res.value)));
    }
    check_annotations(eval, &res.annotations)
        .map_err(|p| check_failure(ctx, p, Some(res.value.clone())))?;
    compare_result(eval, grid, &res.value)
        .map_err(|p| check_failure(ctx, p, Some(res.value.clone())))?;

    // Matrix and string results, and queries whose value depends on the query's own range,
    // have no range-mode equivalent.
    if eval.range_vector.is_some() || eval.expected_string.is_some() || query_context {
        return Ok(());
    }
    let rctx = format!(
        "{ctx}, re-run as a range query from {} to {} step 1m",
        fmt_ms(t - 60_000),
        fmt_ms(t + 60_000)
    );
    let ranged = guarded(&rctx, || {
        engine.range_query(store, expr, t - 60_000, t + 60_000, 60_000, &QueryOptions::default())
    })
    .map_err(|e| {
        check_failure(&rctx, format!("error evaluating query in range mode: {e}"), None)
    })?;
    if eval.ordered {
        // Range results are sorted by labels, so an expected order cannot be checked.
        return Ok(());
    }
    let Value::Matrix(matrix) = &ranged.value else {
        let kind = ranged.value.value_type().as_str();
        return Err(check_failure(
            &rctx,
            format!("range query returned a {kind}, not a matrix"),
            Some(ranged.value),
        ));
    };
    assert_sorted(matrix).map_err(|p| check_failure(&rctx, p, Some(ranged.value.clone())))?;
    let at_t: Vec<Sample> = matrix
        .iter()
        .filter_map(|s| {
            s.floats.iter().find(|p| p.t == t).map(|p| Sample {
                metric: s.metric.clone(),
                t,
                f: p.f,
                h: None,
                drop_name: false,
            })
        })
        .collect();
    let value = if matches!(res.value, Value::Scalar { .. }) {
        match at_t.first() {
            Some(s) => Value::Scalar { t, f: s.f },
            None => {
                return Err(check_failure(
                    &rctx,
                    format!("range query has no point at {}", fmt_ms(t)),
                    Some(ranged.value),
                ));
            }
        }
    } else {
        Value::Vector(at_t)
    };
    compare_result(eval, grid, &value).map_err(|p| check_failure(&rctx, p, Some(value)))
}

fn check_expected_failure(eval: &Eval, err: &str) -> Result<(), String> {
    if let Some(m) = &eval.expected_fail_message
        && m != err
    {
        return Err(format!("expected error {m:?}, but got: {err}"));
    }
    if let Some(re) = &eval.expected_fail_regexp
        && !re.is_match(err)
    {
        return Err(format!("expected error matching pattern {:?}, but got: {err}", re.as_str()));
    }
    if let Some(e) = &eval.expect_fail
        && !e.matches(err)
    {
        return Err(format!("expected error matching {}, but got: {err}", e.describe()));
    }
    Ok(())
}

fn check_annotations(eval: &Eval, annos: &Annotations) -> Result<(), String> {
    if eval.legacy_warn && annos.warnings.is_empty() {
        return Err("expected warnings but got none".into());
    }
    if eval.legacy_info && annos.infos.is_empty() {
        return Err("expected info annotations but got none".into());
    }
    check_annotations_of_type(&eval.expect_warn, &annos.warnings, "warn")?;
    check_annotations_of_type(&eval.expect_info, &annos.infos, "info")?;
    if eval.no_warn && !annos.warnings.is_empty() {
        return Err(format!("unexpected warning annotations: {:?}", annos.warnings));
    }
    if eval.no_info && !annos.infos.is_empty() {
        return Err(format!("unexpected info annotations: {:?}", annos.infos));
    }
    Ok(())
}

fn check_annotations_of_type(
    expected: &[super::script::Expect],
    actual: &[String],
    kind: &str,
) -> Result<(), String> {
    if expected.is_empty() {
        return Ok(());
    }
    if actual.is_empty() {
        return Err(format!("expected {kind} annotations but none were found"));
    }
    for e in expected {
        if !actual.iter().any(|a| e.matches(a)) {
            return Err(format!(
                "expected {kind} annotation matching {} but no matching annotation was found, found: {actual:?}",
                e.describe()
            ));
        }
    }
    if let Some(a) = actual.iter().find(|a| !expected.iter().any(|e| e.matches(a))) {
        return Err(format!("unexpected {kind} annotation {a:?}"));
    }
    Ok(())
}

/// The first taint whose series one of the expression's selectors matches.
fn selects_tainted<'a>(expr: &Expr, tainted: &'a [Taint]) -> Option<&'a Taint> {
    if tainted.is_empty() {
        return None;
    }
    let mut found = None;
    walk(expr, &mut |e| {
        let sel = match e {
            Expr::VectorSelector(vs) => vs,
            Expr::MatrixSelector(ms) => &ms.selector,
            _ => return,
        };
        if found.is_none() {
            found = tainted
                .iter()
                .find(|t| sel.matchers.iter().all(|m| m.matches(t.metric.get_or_empty(m.name()))));
        }
    });
    found
}

/// Calls `f` on every node, parents first.
fn walk<'a>(expr: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(expr);
    match expr {
        Expr::Number(_) | Expr::String(_) | Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {}
        Expr::Subquery(sq) => walk(&sq.expr, f),
        Expr::Paren(e) | Expr::Unary(_, e) => walk(e, f),
        Expr::Binary(b) => {
            walk(&b.lhs, f);
            walk(&b.rhs, f);
        }
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                walk(p, f);
            }
            walk(&a.expr, f);
        }
        Expr::Call(c) => c.args.iter().for_each(|a| walk(a, f)),
    }
}

/// Whether the value depends on the query's own start, end, range or step: `@ start()`,
/// `@ end()` or the `start() end() range() step()` functions.
fn mentions_query_context(expr: &Expr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| {
        let at = match e {
            Expr::VectorSelector(vs) => vs.at,
            Expr::MatrixSelector(ms) => ms.selector.at,
            Expr::Subquery(sq) => sq.at,
            Expr::Call(c) => {
                found |= matches!(c.name.as_str(), "start" | "end" | "range" | "step");
                None
            }
            _ => None,
        };
        found |= matches!(at, Some(At::Start | At::End));
    });
    found
}

/// Upstream's textual test for the same (`(start|end|range|step)\(\)` anywhere in the text).
fn mentions_query_context_text(expr: &str) -> bool {
    ["start()", "end()", "range()", "step()"].iter().any(|f| expr.contains(f))
}

/// The `@ T` rewrite: every selector and subquery outside subqueries pinned to `t` (replacing
/// `@ start()`/`@ end()`, as upstream does), with the times to evaluate it at. `None` when the
/// expression calls a function whose value depends on the evaluation time itself.
fn at_modifier_cases(expr: &Expr, t: i64) -> Option<(Expr, Vec<i64>)> {
    let mut pinned = expr.clone();
    let mut unsafe_call = false;
    pin(&mut pinned, t, &mut unsafe_call);
    if unsafe_call {
        return None;
    }
    let times = if t == 0 { vec![-1000, 0, 1000] } else { vec![-10 * t, 0, t / 5, t, 10 * t] };
    Some((pinned, times))
}

fn pin_selector(vs: &mut VectorSelector, t: i64) {
    if !matches!(vs.at, Some(At::Time(_))) {
        vs.at = Some(At::Time(t));
    }
}

fn pin(expr: &mut Expr, t: i64, unsafe_call: &mut bool) {
    match expr {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::VectorSelector(vs) => pin_selector(vs, t),
        Expr::MatrixSelector(ms) => pin_selector(&mut ms.selector, t),
        // The subquery is pinned; what is inside it is evaluated at the subquery's own steps
        // and left alone (so neither its selectors nor its calls are looked at).
        Expr::Subquery(sq) => {
            if !matches!(sq.at, Some(At::Time(_))) {
                sq.at = Some(At::Time(t));
            }
        }
        Expr::Paren(e) | Expr::Unary(_, e) => pin(e, t, unsafe_call),
        Expr::Binary(b) => {
            pin(&mut b.lhs, t, unsafe_call);
            pin(&mut b.rhs, t, unsafe_call);
        }
        Expr::Aggregate(a) => {
            if let Some(p) = &mut a.param {
                pin(p, t, unsafe_call);
            }
            pin(&mut a.expr, t, unsafe_call);
        }
        Expr::Call(c) => {
            *unsafe_call |= AT_UNSAFE_FUNCTIONS.contains(&c.name.as_str());
            for a in &mut c.args {
                pin(a, t, unsafe_call);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{BinOp, Binary, Call, MatrixSelector, Subquery};
    use model::matcher::{MatchOp, Matcher};

    fn sel(name: &str) -> VectorSelector {
        VectorSelector {
            name: Some(name.into()),
            matchers: vec![Matcher::prometheus(MatchOp::Equal, "__name__", name).unwrap()],
            offset: 0,
            at: None,
        }
    }

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call(Call { name: name.into(), args, pos: Default::default() })
    }

    #[test]
    fn at_rewrite_pins_selectors_outside_subqueries() {
        let mut fixed = sel("b");
        fixed.at = Some(At::Time(5));
        let mut started = sel("c");
        started.at = Some(At::Start);
        let expr = Expr::Binary(Binary {
            op: BinOp::Add,
            lhs: Box::new(call(
                "rate",
                vec![Expr::MatrixSelector(MatrixSelector { selector: sel("a"), range: 60_000 })],
            )),
            rhs: Box::new(Expr::Binary(Binary {
                op: BinOp::Mul,
                lhs: Box::new(Expr::VectorSelector(fixed)),
                rhs: Box::new(Expr::VectorSelector(started)),
                return_bool: false,
                matching: None,
            })),
            return_bool: false,
            matching: None,
        });
        let (pinned, times) = at_modifier_cases(&expr, 100_000).unwrap();
        assert_eq!(times, [-1_000_000, 0, 20_000, 100_000, 1_000_000]);
        let mut ats = Vec::new();
        walk(&pinned, &mut |e| match e {
            Expr::VectorSelector(vs) => ats.push(vs.at),
            Expr::MatrixSelector(ms) => ats.push(ms.selector.at),
            _ => {}
        });
        assert_eq!(ats, [Some(At::Time(100_000)), Some(At::Time(5)), Some(At::Time(100_000))]);
        assert_eq!(at_modifier_cases(&expr, 0).unwrap().1, [-1000, 0, 1000]);
    }

    #[test]
    fn at_rewrite_leaves_subquery_insides_and_skips_unsafe_calls() {
        let sq = Expr::Subquery(Subquery {
            expr: Box::new(call("time", vec![])),
            range: 300_000,
            step: None,
            offset: 0,
            at: None,
        });
        let expr = call("max_over_time", vec![sq]);
        let (pinned, _) =
            at_modifier_cases(&expr, 60_000).expect("time() inside a subquery is safe");
        let Expr::Call(c) = &pinned else { unreachable!() };
        let Expr::Subquery(sq) = &c.args[0] else { unreachable!() };
        assert_eq!(sq.at, Some(At::Time(60_000)));
        assert!(
            at_modifier_cases(&call("timestamp", vec![Expr::VectorSelector(sel("a"))]), 60_000)
                .is_none()
        );
        assert!(at_modifier_cases(&call("time", vec![]), 60_000).is_none());
    }

    #[test]
    fn query_context_detection() {
        let mut s = sel("a");
        s.at = Some(At::End);
        assert!(mentions_query_context(&Expr::VectorSelector(s)));
        assert!(mentions_query_context(&call("step", vec![])));
        assert!(!mentions_query_context(&call("time", vec![])));
        assert!(mentions_query_context_text("foo @ start()"));
        assert!(!mentions_query_context_text("foo @ 100"));
    }

    #[test]
    fn taint_matching() {
        let tainted = vec![Taint {
            metric: Labels::from_pairs([("__name__", "h"), ("job", "x")]),
            line: 3,
            reason: "native histogram samples are not supported",
        }];
        assert!(selects_tainted(&Expr::VectorSelector(sel("h")), &tainted).is_some());
        assert!(selects_tainted(&Expr::VectorSelector(sel("other")), &tainted).is_none());
        let nested = call(
            "sum",
            vec![Expr::MatrixSelector(MatrixSelector { selector: sel("h"), range: 1 })],
        );
        assert!(selects_tainted(&nested, &tainted).is_some());
    }

    #[test]
    fn nhcb_bases() {
        let b = Labels::from_pairs([("__name__", "req_bucket"), ("le", "0.5"), ("job", "a")]);
        assert_eq!(nhcb_base(&b), Some(Labels::from_pairs([("__name__", "req"), ("job", "a")])));
        let inf = Labels::from_pairs([("__name__", "req_bucket"), ("le", "+Inf")]);
        assert_eq!(nhcb_base(&inf), Some(Labels::from_pairs([("__name__", "req")])));
        let c = Labels::from_pairs([("__name__", "req_count")]);
        assert_eq!(nhcb_base(&c), Some(Labels::from_pairs([("__name__", "req")])));
        assert_eq!(nhcb_base(&Labels::from_pairs([("__name__", "req_total")])), None);
        assert_eq!(nhcb_base(&Labels::from_pairs([("__name__", "x_bucket"), ("le", "abc")])), None);
    }

    #[test]
    fn unsupported_list() {
        assert!(unsupported_feature("rate(foo[5m] anchored)").is_some());
        assert!(unsupported_feature("foo + fill(0) bar").is_some());
        assert!(unsupported_feature("foo[5m+1m]").is_some());
        assert!(unsupported_feature("step()").is_some());
        assert!(unsupported_feature("rate(foo[5m])").is_none());
        assert!(unsupported_feature("foo[5m:1m] offset 1m").is_none());
        assert!(unsupported_feature("sum(foo)").is_none());
        assert!(unsupported_feature(r#"foo{a=~"x[0-9]+"}"#).is_none());
        assert!(unsupported_feature("foo[step()]").is_some());
        assert!(unsupported_feature("changes(x[60*30])").is_some());
        assert!(unsupported_feature("x offset STEP()").is_some());
        assert!(unsupported_feature("x >/ 0").is_some());
        assert!(unsupported_feature(r#"info(x, {a=~".*"})"#).is_some());
        assert!(unsupported_feature(r#"label_replace(x, "a", "[1+1]", "b", "(.*)")"#).is_none());
        assert!(unsupported_feature("x offset -5m").is_none());
        assert_eq!(without_string_contents(r#"a{b="x\"]["} + `c[` + 'd'"#), r#"a{b=""} + `` + ''"#);
        assert!(unsupported_at_runtime(r#"function "info" is not implemented"#).is_some());
        assert!(unsupported_at_runtime("something else").is_none());
    }

    #[test]
    fn annotation_expectations() {
        use crate::promqltest::script::{Command, parse_script};
        let Command::Eval(e) =
            parse_script("eval instant at 0 x\n  expect warn msg: PromQL warning: a (1:1)\n")
                .commands
                .remove(0)
        else {
            unreachable!()
        };
        let mut annos = Annotations::default();
        assert!(check_annotations(&e, &annos).is_err());
        annos.warn("PromQL warning: a (1:1)");
        assert_eq!(check_annotations(&e, &annos), Ok(()));
        annos.warn("PromQL warning: b (1:1)");
        assert!(check_annotations(&e, &annos).unwrap_err().contains("unexpected warn annotation"));
        // A plain eval checks nothing.
        let Command::Eval(plain) = parse_script("eval instant at 0 x\n").commands.remove(0) else {
            unreachable!()
        };
        assert_eq!(check_annotations(&plain, &annos), Ok(()));
    }
}
