//! Prometheus' checks on a parsed expression (upstream `checkAST` and the checks its grammar
//! makes while parsing), on our tree and with upstream's messages. The crate makes most of
//! them too, but not all (experimental functions, `limitk`'s parameter type, `info()`'s
//! selector, functions it knows and Prometheus does not, Go regex semantics for the
//! empty-matcher rule, literal special cases it lets through such as `ln(-1)`).

use model::gostr::quote;

use super::Source;
use super::errors::documented;
use crate::ast::{AggOp, Expr, ValueType, VectorSelector};
use crate::parse::{ParseError, ParseOptions};
use crate::signatures;

pub(super) fn check(src: &Source<'_>, e: &Expr, opts: ParseOptions) -> Result<(), ParseError> {
    // Upstream reports these while parsing, before any type check.
    enabled(src, e, opts)?;
    types(src, e).map(|_| ())
}

fn children(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Number(_) | Expr::String(_) | Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {
            Vec::new()
        }
        Expr::Subquery(s) => vec![&s.expr],
        Expr::Paren(x) | Expr::Unary(_, x) => vec![x],
        Expr::Binary(b) => vec![&b.lhs, &b.rhs],
        Expr::Aggregate(a) => a.param.iter().map(|p| &**p).chain([&*a.expr]).collect(),
        Expr::Call(c) => c.args.iter().collect(),
    }
}

fn enabled(src: &Source<'_>, e: &Expr, opts: ParseOptions) -> Result<(), ParseError> {
    match e {
        Expr::Call(c) => {
            let pos = src.call_index(&c.name).map(|i| src.tokens[i].pos);
            match signatures::lookup(&c.name) {
                None => {
                    let msg = format!("unknown function with name {}", quote(&c.name));
                    return Err(src.error_at(msg, pos));
                }
                Some(sig) if sig.experimental && !opts.experimental_functions => {
                    return Err(
                        src.error_at(format!("function {} is not enabled", quote(&c.name)), pos)
                    );
                }
                Some(_) => {}
            }
        }
        Expr::Aggregate(a)
            if matches!(a.op, AggOp::Limitk | AggOp::LimitRatio)
                && !opts.experimental_functions =>
        {
            let op = a.op.as_str();
            let msg = format!(
                "{op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions"
            );
            return Err(src.error_at(msg, aggregation_pos(src, op)));
        }
        _ => {}
    }
    children(e).into_iter().try_for_each(|c| enabled(src, c, opts))
}

fn aggregation_index(src: &Source<'_>, op: &str) -> Option<usize> {
    src.tokens.windows(2).position(|w| {
        w[0].is_keyword(op) && (w[1].is("(") || w[1].is_keyword("by") || w[1].is_keyword("without"))
    })
}

fn aggregation_pos(src: &Source<'_>, op: &str) -> Option<usize> {
    aggregation_index(src, op).map(|i| src.tokens[i].pos)
}

/// Type-checks `e` and its children; returns `e`'s type.
fn types(src: &Source<'_>, e: &Expr) -> Result<ValueType, ParseError> {
    match e {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::VectorSelector(vs) => selector(src, vs, false)?,
        Expr::MatrixSelector(ms) => selector(src, &ms.selector, false)?,
        Expr::Subquery(s) => {
            let t = types(src, &s.expr)?;
            if t != ValueType::Vector {
                let msg = format!(
                    "subquery is only allowed on instant vector, got {} instead",
                    t.as_str()
                );
                return Err(ParseError::new(msg, None));
            }
        }
        Expr::Paren(x) => {
            types(src, x)?;
        }
        Expr::Unary(_, x) => {
            let t = types(src, x)?;
            if t != ValueType::Scalar && t != ValueType::Vector {
                let msg = format!(
                    "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                    quote(documented(t.as_str()))
                );
                return Err(ParseError::new(msg, None));
            }
        }
        Expr::Binary(b) => {
            let lt = types(src, &b.lhs)?;
            let rt = types(src, &b.rhs)?;
            let op_pos = || {
                src.tokens
                    .iter()
                    .find(|t| t.is(b.op.as_str()) || t.is_keyword(b.op.as_str()))
                    .map(|t| t.pos)
            };
            if b.return_bool && !b.op.is_comparison() {
                return Err(src
                    .error_at("bool modifier can only be used on comparison operators", op_pos()));
            }
            if b.op.is_comparison()
                && !b.return_bool
                && lt == ValueType::Scalar
                && rt == ValueType::Scalar
            {
                return Err(
                    src.error_at("comparisons between scalars must use BOOL modifier", op_pos())
                );
            }
            if let Some(vm) = &b.matching
                && vm.on
                && let Some(l) = vm.labels.iter().find(|l| vm.include.contains(l))
            {
                let msg =
                    format!("label {} must not occur in ON and GROUP clause at once", quote(l));
                return Err(src.error_at(msg, op_pos()));
            }
            for t in [lt, rt] {
                if t != ValueType::Scalar && t != ValueType::Vector {
                    return Err(ParseError::new(
                        "binary expression must contain only scalar and instant vector types",
                        None,
                    ));
                }
            }
            if let Some(vm) = &b.matching
                && b.op.is_set()
                && matches!(
                    vm.card,
                    crate::ast::Cardinality::ManyToOne | crate::ast::Cardinality::OneToMany
                )
            {
                let msg = format!("no grouping allowed for {} operation", quote(b.op.as_str()));
                return Err(src.error_at(msg, src.binary_start(b.op.as_str())));
            }
            if (lt == ValueType::Scalar || rt == ValueType::Scalar) && b.op.is_set() {
                let msg = format!(
                    "set operator {} not allowed in binary scalar expression",
                    quote(b.op.as_str())
                );
                return Err(src.error_at(msg, src.binary_start(b.op.as_str())));
            }
        }
        Expr::Aggregate(a) => {
            let idx = aggregation_index(src, a.op.as_str());
            let has_param = a.op.has_param();
            let t = types(src, &a.expr)?;
            if t != ValueType::Vector {
                let msg = format!(
                    "expected type instant vector in aggregation expression, got {}",
                    documented(t.as_str())
                );
                return Err(
                    src.error_at(msg, idx.and_then(|i| src.arg_pos(i, usize::from(has_param))))
                );
            }
            if let Some(p) = &a.param {
                let pt = types(src, p)?;
                let want =
                    if a.op == AggOp::CountValues { ValueType::String } else { ValueType::Scalar };
                if has_param && pt != want {
                    let msg = format!(
                        "expected type {} in aggregation parameter, got {}",
                        documented(want.as_str()),
                        documented(pt.as_str())
                    );
                    return Err(src.error_at(msg, idx.and_then(|i| src.arg_pos(i, 0))));
                }
            }
        }
        Expr::Call(c) => call(src, c)?,
    }
    Ok(e.value_type())
}

fn call(src: &Source<'_>, c: &crate::ast::Call) -> Result<(), ParseError> {
    let idx = src.call_index(&c.name);
    let name_pos = idx.map(|i| src.tokens[i].pos);
    let Some(sig) = signatures::lookup(&c.name) else {
        return Err(
            src.error_at(format!("unknown function with name {}", quote(&c.name)), name_pos)
        );
    };
    let n = c.args.len();
    let name = quote(&c.name);
    if sig.variadic == 0 {
        if sig.args.len() != n {
            let msg = format!("expected {} argument(s) in call to {name}, got {n}", sig.args.len());
            return Err(src.error_at(msg, name_pos));
        }
    } else if sig.min_args() > n {
        let msg =
            format!("expected at least {} argument(s) in call to {name}, got {n}", sig.min_args());
        return Err(src.error_at(msg, name_pos));
    } else if let Some(max) = sig.max_args()
        && sig.variadic > 0
        && max < n
    {
        let msg = format!("expected at most {max} argument(s) in call to {name}, got {n}");
        return Err(src.error_at(msg, name_pos));
    }
    let arg_pos = |i: usize| idx.and_then(|ix| src.arg_pos(ix, i));
    let mut info_labels_only = false;
    if c.name == "info"
        && let Some(arg) = c.args.get(1)
    {
        if arg.value_type() != ValueType::Vector {
            let msg = format!(
                "expected type instant vector in call to function {name}, got {}",
                documented(arg.value_type().as_str())
            );
            return Err(src.error_at(msg, name_pos));
        }
        match arg {
            Expr::VectorSelector(vs) if vs.name.is_some() => {
                return Err(src.error_at(
                    "expected label selectors only, got vector selector instead",
                    arg_pos(1),
                ));
            }
            Expr::VectorSelector(_) => info_labels_only = true,
            _ => return Err(src.error_at("expected label selectors only", arg_pos(1))),
        }
    }
    for (i, arg) in c.args.iter().enumerate() {
        let t = match (info_labels_only && i == 1, arg) {
            // info()'s label selector may match everything.
            (true, Expr::VectorSelector(vs)) => {
                selector(src, vs, true)?;
                ValueType::Vector
            }
            _ => types(src, arg)?,
        };
        let Some(want) = sig.arg_type(i) else { break };
        if t != want {
            let msg = format!(
                "expected type {} in call to function {name}, got {}",
                documented(want.as_str()),
                documented(t.as_str())
            );
            return Err(src.error_at(msg, arg_pos(i)));
        }
    }
    Ok(())
}

fn selector(src: &Source<'_>, vs: &VectorSelector, bypass_empty: bool) -> Result<(), ParseError> {
    if let Some(name) = &vs.name {
        // The last matcher is the name written outside the braces.
        let inner = &vs.matchers[..vs.matchers.len().saturating_sub(1)];
        if let Some(m) = inner.iter().find(|m| m.name() == "__name__") {
            let msg = format!(
                "metric name must not be set twice: {} or {}",
                quote(name),
                quote(m.value())
            );
            return Err(src.error_at_token(msg, |t| t.text == *name));
        }
        return Ok(());
    }
    if !bypass_empty && vs.matchers.iter().all(|m| m.matches("")) {
        return Err(src
            .error_at_token("vector selector must contain at least one non-empty matcher", |t| {
                t.is("{")
            }));
    }
    Ok(())
}
