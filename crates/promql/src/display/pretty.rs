//! Prometheus' `Prettify` (upstream `promql/parser/prettier.go`): an expression printed on one
//! line when that line is at most 100 characters, else split node by node, each child on its
//! own lines indented two spaces deeper.

use std::fmt::Write;

use super::{aggregation_head, modifiers, subquery_suffix, unary_str};
use crate::ast::Expr;

/// Lines longer than this are split.
const MAX_LINE: usize = 100;
const INDENT: &str = "  ";

impl Expr {
    /// The expression split over lines as Prometheus' `Prettify` does (see [`pretty`]).
    pub fn pretty(&self) -> String {
        pretty(self)
    }
}

/// Prometheus' `Prettify`: an expression whose printed form is longer than 100 characters is
/// split over lines, children indented by two spaces per level; shorter ones print on one line.
pub fn pretty(expr: &Expr) -> String {
    pretty_at(expr, 0)
}

fn indent(level: usize) -> String {
    INDENT.repeat(level)
}

fn pretty_at(e: &Expr, level: usize) -> String {
    let flat = e.to_string();
    let split = flat.len() > MAX_LINE;
    match e {
        Expr::Aggregate(a) if split => {
            let mut s = format!("{}{}(\n", indent(level), aggregation_head(a));
            if let Some(p) = &a.param {
                let _ = writeln!(s, "{},", pretty_at(p, level + 1));
            }
            let _ = write!(s, "{}\n{})", pretty_at(&a.expr, level + 1), indent(level));
            s
        }
        Expr::Binary(b) if split => format!(
            "{}\n{}{}{}\n{}",
            pretty_at(&b.lhs, level + 1),
            indent(level),
            b.op.as_str(),
            modifiers(b),
            pretty_at(&b.rhs, level + 1)
        ),
        Expr::Call(c) if split => {
            let args: Vec<String> = c.args.iter().map(|a| pretty_at(a, level + 1)).collect();
            format!("{}{}(\n{}\n{})", indent(level), c.name, args.join(",\n"), indent(level))
        }
        Expr::Paren(inner) if split => {
            format!("{}(\n{}\n{})", indent(level), pretty_at(inner, level + 1), indent(level))
        }
        // Upstream prints an unsplit subquery without its indentation; kept for equal output.
        Expr::Subquery(_) if !split => flat,
        Expr::Subquery(sq) => format!("{}{}", pretty_at(&sq.expr, level), subquery_suffix(sq)),
        Expr::Unary(op, inner) => {
            format!("{}{}{}", indent(level), unary_str(*op), pretty_at(inner, level).trim())
        }
        _ => format!("{}{flat}", indent(level)),
    }
}
