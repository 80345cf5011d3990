//! The `klaxon` binary: parses the command line and hands each command to the library crate
//! that implements it. Logic lives in the libraries, where tests reach it.

mod cli;
mod commands;
mod logging;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

use cli::{CheckCommand, Cli, Command, RulesCommand, TemplateCommand, TestCommand, TsdbCommand};

/// Exit code for usage errors and commands not built yet (clap uses 2 for usage errors too).
const EXIT_NOT_IMPLEMENTED: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Template(TemplateCommand::Render(args)) => {
            match commands::template::render(args) {
                Ok(out) => {
                    // A closed stdout (`| head`) is not an error worth reporting.
                    let _ = std::io::stdout().write_all(out.as_bytes());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("klaxon template render: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check(CheckCommand::Templates { globs }) => {
            let (failures, summary) = commands::template::check(globs);
            for f in &failures {
                eprintln!("  FAILED: {f}");
            }
            if failures.is_empty() {
                println!("SUCCESS: {summary}");
                ExitCode::SUCCESS
            } else {
                eprintln!("FAILED: {} problem(s); {summary}", failures.len());
                ExitCode::FAILURE
            }
        }
        Command::Alertmanager(args) => commands::alertmanager::server::run(args),
        Command::Check(CheckCommand::Alertmanager { files }) => {
            let (report, err) = commands::alertmanager::check(files);
            let _ = std::io::stdout().write_all(report.as_bytes());
            match err {
                None => ExitCode::SUCCESS,
                Some(e) => {
                    eprintln!("klaxon: error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check(CheckCommand::Rules { files, lint }) => commands::check::rules(files, lint),
        Command::Check(CheckCommand::Config { files, syntax_only, lint, lookback_delta }) => {
            commands::check::config(files, *syntax_only, lint, lookback_delta)
        }
        Command::Test(TestCommand::Promql { files }) => commands::promql_test::run(files),
        Command::Test(TestCommand::Rules { files, run, ignore_unknown_fields }) => {
            commands::test_rules::run(files, run, *ignore_unknown_fields)
        }
        Command::Query(c) => commands::query::run(c),
        Command::Tsdb(TsdbCommand::Import(c)) => commands::tsdb::import(c),
        Command::Run(args) => commands::run::run(args),
        Command::Rules(RulesCommand::Backtest(args)) => commands::rules_cmd::backtest(args),
        Command::Demo(args) => commands::demo::run(args),
        other => {
            // Still to be built; each says so rather than pretending.
            eprintln!("klaxon {}: not implemented yet", other.name());
            ExitCode::from(EXIT_NOT_IMPLEMENTED)
        }
    }
}
