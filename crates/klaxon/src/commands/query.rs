//! `klaxon query instant|range|series|labels`: a client of any Prometheus-compatible API.

use std::process::ExitCode;

use crate::cli::QueryCommand;

pub fn run(cmd: &QueryCommand) -> ExitCode {
    let _ = cmd;
    eprintln!("klaxon query: not implemented yet");
    ExitCode::from(2)
}
