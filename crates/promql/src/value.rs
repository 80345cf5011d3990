//! The values a query produces, as Prometheus defines them.

use std::sync::Arc;

use model::histogram::FloatHistogram;
use model::labels::Labels;
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
/// `PromQL warning: ...` / `PromQL info: ...`. Deduplicated, in the order first raised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
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
