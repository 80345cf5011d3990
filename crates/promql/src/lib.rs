//! The PromQL query engine.
//!
//! - [`parse`]: the `promql-parser` crate's tree converted at once into our own [`ast`], checked
//!   by a validator for what Prometheus rejects; [`ast::Expr`]'s `Display` prints expressions
//!   as Prometheus reprints them.
//! - [`engine`]: instant and range queries over the [`model::storage::Storage`] seam with
//!   Prometheus 3 semantics (left-open ranges, 5m lookback, staleness), limits, timeouts and
//!   cancellation; [`functions`] and [`aggregate`] implement the function and aggregation sets.
//! - [`promqltest`]: the upstream `.test` script format and its runner.

pub mod aggregate;
pub mod ast;
pub mod ast_json;
mod display;
pub mod engine;
pub mod functions;
pub mod parse;
pub mod promqltest;
pub mod signatures;
mod stats;
pub mod value;

pub use ast::Expr;
pub use engine::{Engine, EngineOptions, QueryError, QueryOptions, QueryResult};
pub use parse::{ParseError, ParseOptions, parse, parse_with};
pub use value::{Annotations, Value};
