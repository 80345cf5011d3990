//! The values a query produces, as Prometheus defines them.

use std::sync::Arc;

use model::histogram::FloatHistogram;
use model::labels::Labels;

use crate::ast::{LineCol, Positions};
pub use model::storage::{FPoint, HPoint};

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: Labels,
    /// Milliseconds; the evaluation time for computed samples.
    pub t: i64,
    pub f: f64,
    /// A native histogram instead of `f` (not supported yet; always `None` from storage).
    pub h: Option<Arc<FloatHistogram>>,
    /// Delayed name removal: `__name__` is still in `metric` but goes at the end of
    /// evaluation (Prometheus' `DropName`).
    pub drop_name: bool,
}

pub type Vector = Vec<Sample>;

/// One series of a range vector or range-query result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub metric: Labels,
    pub floats: Vec<FPoint>,
    pub histograms: Vec<HPoint>,
    pub drop_name: bool,
}

pub type Matrix = Vec<Series>;

/// A query result.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { t: i64, f: f64 },
    String { t: i64, s: String },
    Vector(Vector),
    Matrix(Matrix),
}

impl Value {
    pub fn value_type(&self) -> crate::ast::ValueType {
        use crate::ast::ValueType;
        match self {
            Value::Scalar { .. } => ValueType::Scalar,
            Value::String { .. } => ValueType::String,
            Value::Vector(_) => ValueType::Vector,
            Value::Matrix(_) => ValueType::Matrix,
        }
    }
}

/// Warnings and infos a query collects (Prometheus' annotations), already formatted as
/// `PromQL warning: ...` / `PromQL info: ...`, with Prometheus' ` (line:col)` suffix where the
/// node they are about has a known position. Deduplicated on the text without the position,
/// the last position raised winning (as upstream), in the order first raised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
    /// The positions of the node being evaluated (see [`Annotations::enter`]).
    scope: Positions,
}

/// Which part of the node being evaluated an annotation points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The call or aggregation itself.
    Node,
    /// Argument `i` of a call; of an aggregation, 0 is the parameter and 1 the expression.
    Arg(usize),
}

impl Annotations {
    pub fn warn(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if !self.warnings.contains(&msg) {
            self.warnings.push(msg);
        }
    }

    pub fn info(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if !self.infos.contains(&msg) {
            self.infos.push(msg);
        }
    }

    /// A warning about `anchor` of the node being evaluated.
    pub fn warn_at(&mut self, msg: impl Into<String>, anchor: Anchor) {
        let pos = self.position(anchor);
        add_positioned(&mut self.warnings, msg.into(), pos);
    }

    /// An info about `anchor` of the node being evaluated.
    pub fn info_at(&mut self, msg: impl Into<String>, anchor: Anchor) {
        let pos = self.position(anchor);
        add_positioned(&mut self.infos, msg.into(), pos);
    }

    /// Makes `scope` the node that annotations raised with an [`Anchor`] point into, until the
    /// returned previous scope is put back with [`Annotations::leave`].
    pub fn enter(&mut self, scope: &Positions) -> Positions {
        std::mem::replace(&mut self.scope, scope.clone())
    }

    pub fn leave(&mut self, previous: Positions) {
        self.scope = previous;
    }

    fn position(&self, anchor: Anchor) -> Option<LineCol> {
        match anchor {
            Anchor::Node => self.scope.node,
            Anchor::Arg(i) => self.scope.arg(i),
        }
    }

    pub fn merge(&mut self, other: Annotations) {
        for w in other.warnings {
            self.warn(w);
        }
        for i in other.infos {
            self.info(i);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty() && self.infos.is_empty()
    }
}

/// Adds `msg` with its ` (line:col)`, replacing an entry of the same text at another position.
fn add_positioned(list: &mut Vec<String>, msg: String, pos: Option<LineCol>) {
    let full = match pos {
        Some((line, col)) => format!("{msg} ({line}:{col})"),
        None => msg.clone(),
    };
    let same = |e: &String| {
        e.strip_prefix(msg.as_str()).is_some_and(|rest| rest.is_empty() || is_position(rest))
    };
    match list.iter_mut().find(|e| same(e)) {
        Some(e) => *e = full,
        None => list.push(full),
    }
}

/// Whether `s` is a ` (line:col)` suffix.
fn is_position(s: &str) -> bool {
    let Some(inner) = s.strip_prefix(" (").and_then(|r| r.strip_suffix(')')) else {
        return false;
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    inner.split_once(':').is_some_and(|(l, c)| digits(l) && digits(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(node: LineCol, args: &[LineCol]) -> Positions {
        Positions { node: Some(node), args: args.iter().map(|&a| Some(a)).collect() }
    }

    #[test]
    fn positions_are_appended_from_the_scope() {
        let mut a = Annotations::default();
        let outer = a.enter(&scope((1, 1), &[(1, 10), (2, 3)]));
        a.warn_at("PromQL warning: w", Anchor::Arg(0));
        a.info_at("PromQL info: i", Anchor::Node);
        a.warn_at("PromQL warning: beyond", Anchor::Arg(5));
        a.leave(outer);
        a.warn_at("PromQL warning: outside", Anchor::Node);
        assert_eq!(
            a.warnings,
            ["PromQL warning: w (1:10)", "PromQL warning: beyond", "PromQL warning: outside"]
        );
        assert_eq!(a.infos, ["PromQL info: i (1:1)"]);
    }

    #[test]
    fn same_text_keeps_one_entry_at_the_last_position() {
        let mut a = Annotations::default();
        a.enter(&scope((1, 1), &[(1, 5)]));
        a.warn_at("PromQL warning: w", Anchor::Arg(0));
        a.warn_at("PromQL warning: other", Anchor::Arg(0));
        a.enter(&scope((3, 1), &[(3, 7)]));
        a.warn_at("PromQL warning: w", Anchor::Arg(0));
        assert_eq!(a.warnings, ["PromQL warning: w (3:7)", "PromQL warning: other (1:5)"]);
        // A longer text that merely starts the same is another annotation.
        a.warn_at("PromQL warning: w2", Anchor::Arg(0));
        assert_eq!(a.warnings.len(), 3);
    }
}
