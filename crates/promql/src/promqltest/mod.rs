//! The upstream `promqltest` script format and its runner (see the spec's §6).
//!
//! - [`script`]: the script parsed into commands with their line numbers.
//! - [`series`]: series descriptions and value notation (`0+10x10`, `_x4`, `stale`).
//! - [`compare`]: upstream's float tolerance and result matching.
//! - [`runner`]: executes a script against a fresh store and the engine ([`run_script`]).
//! - [`report`]: the per-eval outcomes and their printed form.

pub mod compare;
pub mod report;
pub mod runner;
pub mod script;
pub mod series;

pub use report::{Outcome, Report, Status};
pub use runner::{RunnerOptions, TestStore, run_script};
