//! `klaxon test rules FILE...`: rule unit tests in the `promtool test rules` format. Prints what
//! promtool prints (`Unit Testing:  FILE`, then `  SUCCESS` on stdout or `  FAILED:` and each
//! failure on stderr, followed by a line diff of expected against got) and exits 0 when every
//! file passed, 1 otherwise.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use model::regex::{Anchoring, GoRegex};
use rules::unittest::Options;

pub fn run(files: &[PathBuf], run: &[String], ignore_unknown_fields: bool) -> ExitCode {
    let mut opts = Options { ignore_unknown_fields, ..Options::default() };
    for pattern in run {
        match GoRegex::new(pattern, Anchoring::Unanchored) {
            Ok(re) => opts.run.push(re),
            Err(e) => {
                eprintln!("klaxon test rules: --run {pattern:?}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    // Template `query` calls wait for the engine from a blocking thread, so the runtime needs
    // workers of its own.
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("klaxon test rules: cannot start the runtime: {e}");
                return ExitCode::from(2);
            }
        };
    let (mut out, mut err) = (io::stdout(), io::stderr());
    let result =
        runtime.block_on(rules::unittest::run_files_with(files, &opts, &mut out, &mut err));
    let _ = out.flush();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // A closed stdout or stderr (`| head`): nothing more can be said.
        Err(_) => ExitCode::FAILURE,
    }
}
