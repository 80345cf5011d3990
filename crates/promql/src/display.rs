//! Printing expressions as Prometheus reprints them (the spec's §5.12; upstream
//! `promql/parser/printer.go`); [`pretty`] (in `pretty.rs`) is Prometheus' `Prettify`, which
//! `/api/v1/format_query` answers with.
//!
//! Printing rules: matchers sorted by their printed form, the `__name__` matcher left out when
//! the name is written outside the braces; durations normalised (`[300s]` → `[5m]`); `@` with
//! three decimals; numbers as Go's `FormatFloat(f, 'f', -1, 64)`; strings Go-quoted;
//! parentheses kept; an aggregation's empty `by ()` left out.

mod pretty;

use std::fmt;

use model::duration::Duration;
use model::gostr::quote;

use crate::ast::{
    Aggregate, At, Binary, Cardinality, Expr, MatrixSelector, Subquery, UnaryOp, VectorMatching,
    VectorSelector,
};

pub use pretty::pretty;

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(v) => f.write_str(&format_number(*v)),
            Expr::String(s) => f.write_str(&quote(s)),
            Expr::VectorSelector(vs) => write_selector(f, vs, true),
            Expr::MatrixSelector(ms) => write_matrix(f, ms),
            Expr::Subquery(sq) => write!(f, "{}{}", sq.expr, subquery_suffix(sq)),
            Expr::Paren(e) => write!(f, "({e})"),
            Expr::Unary(op, e) => write!(f, "{}{e}", unary_str(*op)),
            Expr::Binary(b) => {
                write!(f, "{} {}{} {}", b.lhs, b.op.as_str(), modifiers(b), b.rhs)
            }
            Expr::Aggregate(a) => {
                f.write_str(&aggregation_head(a))?;
                f.write_str("(")?;
                if let Some(p) = &a.param {
                    write!(f, "{p}, ")?;
                }
                write!(f, "{})", a.expr)
            }
            Expr::Call(c) => {
                write!(f, "{}(", c.name)?;
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

pub(super) fn unary_str(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
    }
}

/// A number as Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never
/// an exponent; `+Inf`, `-Inf`, `NaN`.
pub(crate) fn format_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v == f64::INFINITY {
        "+Inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        // Rust's `Display` for floats is the shortest round-trip form without an exponent.
        format!("{v}")
    }
}

/// A duration in ms as Prometheus' `model.Duration` prints it (`5m`, `1h30m`, `0s`).
fn format_duration(ms: i64) -> String {
    Duration::from_millis(ms).to_string()
}

/// ` offset 5m` / ` offset -5m` / nothing.
fn offset_str(ms: i64) -> String {
    match ms {
        0 => String::new(),
        ms if ms > 0 => format!(" offset {}", format_duration(ms)),
        ms => format!(" offset -{}", format_duration(ms.saturating_neg())),
    }
}

fn at_str(at: Option<At>) -> String {
    match at {
        None => String::new(),
        Some(At::Start) => " @ start()".to_string(),
        Some(At::End) => " @ end()".to_string(),
        Some(At::Time(ms)) => format!(" @ {:.3}", ms as f64 / 1000.0),
    }
}

/// Whether a label name prints bare: Prometheus' legacy label names.
fn is_legacy_label(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn write_labels(out: &mut String, labels: &[String]) {
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if is_legacy_label(l) {
            out.push_str(l);
        } else {
            out.push_str(&quote(l));
        }
    }
}

fn write_selector(f: &mut fmt::Formatter<'_>, vs: &VectorSelector, modifiers: bool) -> fmt::Result {
    let name = vs.name.as_deref().unwrap_or("");
    let mut parts: Vec<String> = vs
        .matchers
        .iter()
        .filter(|m| {
            !(m.name() == "__name__"
                && m.op() == model::matcher::MatchOp::Equal
                && m.value() == name
                && !name.is_empty())
        })
        .map(|m| m.to_string())
        .collect();
    f.write_str(name)?;
    if !parts.is_empty() {
        parts.sort();
        write!(f, "{{{}}}", parts.join(","))?;
    }
    if modifiers {
        write!(f, "{}{}", at_str(vs.at), offset_str(vs.offset))?;
    }
    Ok(())
}

fn write_matrix(f: &mut fmt::Formatter<'_>, ms: &MatrixSelector) -> fmt::Result {
    write_selector(f, &ms.selector, false)?;
    write!(
        f,
        "[{}]{}{}",
        format_duration(ms.range),
        at_str(ms.selector.at),
        offset_str(ms.selector.offset)
    )
}

pub(super) fn subquery_suffix(sq: &Subquery) -> String {
    let step = match sq.step {
        Some(s) if s != 0 => format_duration(s),
        _ => String::new(),
    };
    format!("[{}:{step}]{}{}", format_duration(sq.range), at_str(sq.at), offset_str(sq.offset))
}

/// `sum`, `sum by (a, b) `, `sum without (a) ` (the trailing space is upstream's).
pub(super) fn aggregation_head(a: &Aggregate) -> String {
    let mut s = a.op.as_str().to_string();
    if a.grouping.without {
        s.push_str(" without (");
        write_labels(&mut s, &a.grouping.labels);
        s.push_str(") ");
    } else if !a.grouping.labels.is_empty() {
        s.push_str(" by (");
        write_labels(&mut s, &a.grouping.labels);
        s.push_str(") ");
    }
    s
}

/// ` bool`, ` on (a)`, ` ignoring (b)`, ` group_left (c)` as written after the operator.
pub(super) fn modifiers(b: &Binary) -> String {
    let mut s = String::new();
    if b.return_bool {
        s.push_str(" bool");
    }
    if let Some(vm) = &b.matching {
        s.push_str(&matching_str(vm));
    }
    s
}

fn matching_str(vm: &VectorMatching) -> String {
    let mut s = String::new();
    let grouped = matches!(vm.card, Cardinality::ManyToOne | Cardinality::OneToMany);
    if !vm.labels.is_empty() || vm.on || grouped {
        s.push_str(if vm.on { " on (" } else { " ignoring (" });
        write_labels(&mut s, &vm.labels);
        s.push(')');
    }
    if grouped {
        s.push_str(if vm.card == Cardinality::ManyToOne {
            " group_left ("
        } else {
            " group_right ("
        });
        write_labels(&mut s, &vm.include);
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_go_formatfloat_f() {
        assert_eq!(format_number(1e6), "1000000");
        assert_eq!(format_number(1e21), "1000000000000000000000");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(1e-7), "0.0000001");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(f64::INFINITY), "+Inf");
        assert_eq!(format_number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_number(f64::NAN), "NaN");
    }

    #[test]
    fn durations_are_normalised() {
        assert_eq!(format_duration(300_000), "5m");
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(86_400_000 * 14), "2w");
        assert_eq!(format_duration(86_400_000 * 90), "90d");
        assert_eq!(format_duration(1_500), "1s500ms");
        assert_eq!(offset_str(-60_000), " offset -1m");
    }

    #[test]
    fn legacy_label_names_print_bare() {
        assert!(is_legacy_label("job_1"));
        assert!(!is_legacy_label("a.b"));
        assert!(!is_legacy_label("1a"));
        assert!(!is_legacy_label("a:b"));
    }
}
