//! The `klaxon` binary: parses the command line and hands each command to the library crate
//! that implements it. Logic lives in the libraries, where tests reach it.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::Cli;

/// Exit code for usage errors and commands not built yet (clap uses 2 for usage errors too).
const EXIT_NOT_IMPLEMENTED: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every command below is still to be built; each says so rather than pretending.
    eprintln!("klaxon {}: not implemented yet", cli.command.name());
    ExitCode::from(EXIT_NOT_IMPLEMENTED)
}
