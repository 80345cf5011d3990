//! `klaxon run`: the whole pipeline in one process.

use std::process::ExitCode;

use crate::cli::RunArgs;

pub fn run(args: &RunArgs) -> ExitCode {
    let _ = args;
    eprintln!("klaxon run: not implemented yet");
    ExitCode::from(2)
}
