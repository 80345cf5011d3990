//! Printing expressions as Prometheus reprints them (see the spec's §5.12).

use std::fmt;

use crate::ast::Expr;

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
