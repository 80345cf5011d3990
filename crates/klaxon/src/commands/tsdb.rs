//! `klaxon tsdb import openmetrics FILE [DIR]`.

use std::process::ExitCode;

use crate::cli::ImportCommand;

pub fn import(cmd: &ImportCommand) -> ExitCode {
    let _ = cmd;
    eprintln!("klaxon tsdb import: not implemented yet");
    ExitCode::from(2)
}
