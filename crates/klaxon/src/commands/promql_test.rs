//! `klaxon test promql FILE...`: runs upstream-format PromQL test scripts.

use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(files: &[PathBuf]) -> ExitCode {
    let _ = files;
    eprintln!("klaxon test promql: not implemented yet");
    ExitCode::from(2)
}
