//! A bound on how deeply an expression nests.
//!
//! Everything that walks the tree (conversion, validation, printing, evaluation) recurses, so
//! a query like `((((…1…))))` or `a + a + … + a` nested a few thousand levels deep would
//! overflow a thread's stack and abort the process. Prometheus (Go, growable stacks) has no
//! such limit; klaxon refuses expressions nested deeper than [`MAX_DEPTH`] levels, far beyond
//! what real queries use.

use promql_parser::parser as pp;

use super::lexer::{Kind, Token};

/// The deepest expression tree accepted.
pub(crate) const MAX_DEPTH: usize = 256;

/// Beyond this bound the crate is not even run: its tree would be too deep to take apart
/// safely.
const MAX_BOUND: usize = 2_000;

pub(crate) fn too_deep_message() -> String {
    format!("expression nests too deeply (more than {MAX_DEPTH} levels)")
}

/// An upper bound on the tree depth from the tokens alone: every level of a path from the root
/// is a bracket enclosing the next one, or an operator of its own.
pub(crate) fn bound(tokens: &[Token]) -> usize {
    let (mut depth, mut max_depth, mut ops) = (0usize, 0usize, 0usize);
    for t in tokens {
        match t.text.as_str() {
            "(" | "{" | "[" => {
                depth += 1;
                max_depth = max_depth.max(depth);
                ops += usize::from(t.is("["));
            }
            ")" | "}" | "]" => depth = depth.saturating_sub(1),
            _ if t.kind == Kind::Punct
                && !matches!(t.text.as_str(), "," | ":" | "@" | "=" | "=~" | "!~") =>
            {
                ops += 1
            }
            _ if ["and", "or", "unless", "atan2"].iter().any(|k| t.is_keyword(k)) => ops += 1,
            _ => {}
        }
    }
    max_depth + ops + 1
}

/// Whether the bound alone rules the expression out.
pub(crate) fn bound_too_large(bound: usize) -> bool {
    bound > MAX_BOUND
}

fn children(e: &pp::Expr) -> Vec<&pp::Expr> {
    match e {
        pp::Expr::Aggregate(a) => a.param.iter().map(|p| &**p).chain([&*a.expr]).collect(),
        pp::Expr::Unary(u) => vec![&u.expr],
        pp::Expr::Binary(b) => vec![&b.lhs, &b.rhs],
        pp::Expr::Paren(p) => vec![&p.expr],
        pp::Expr::Subquery(s) => vec![&s.expr],
        pp::Expr::Call(c) => c.args.args.iter().map(|a| &**a).collect(),
        _ => Vec::new(),
    }
}

/// The depth of the crate's tree, measured without recursion.
pub(crate) fn depth(e: &pp::Expr) -> usize {
    let mut max = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((node, d)) = stack.pop() {
        max = max.max(d);
        stack.extend(children(node).into_iter().map(|c| (c, d + 1)));
    }
    max
}

/// Drops the crate's tree without recursion (its boxes would otherwise be dropped one stack
/// frame per level).
pub(crate) fn drop_flat(e: pp::Expr) {
    let mut stack = vec![e];
    while let Some(node) = stack.pop() {
        match node {
            pp::Expr::Aggregate(a) => {
                stack.push(*a.expr);
                stack.extend(a.param.map(|p| *p));
            }
            pp::Expr::Unary(u) => stack.push(*u.expr),
            pp::Expr::Binary(b) => {
                stack.push(*b.lhs);
                stack.push(*b.rhs);
            }
            pp::Expr::Paren(p) => stack.push(*p.expr),
            pp::Expr::Subquery(s) => stack.push(*s.expr),
            pp::Expr::Call(c) => stack.extend(c.args.args.into_iter().map(|a| *a)),
            _ => {}
        }
    }
}
