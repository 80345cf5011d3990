//! `klaxon check rules` and `klaxon check config`: what `promtool check rules` and
//! `promtool check config` print, with the same exit codes (0 fine, 1 errors, 3 lint findings
//! with `--lint-fatal`), plus klaxon's warnings (`for` shorter than the group interval,
//! `$labels.X` the expression cannot produce, templates that fail on example data,
//! selectors a live server has no series for),
//! which go to stderr and never change the exit code.

mod lint;
mod probe;

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use model::duration::Duration;
use rules::file::{self, ParseOptions, RuleFile, RuleFileError};

use crate::cli::RuleLintArgs;
use lint::LintSettings;

/// promtool's exit code for lint findings under `--lint-fatal`.
const EXIT_LINT: u8 = 3;

/// What checking found: anything at all (`failed`), and real errors among it.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    failed: bool,
    has_errors: bool,
}

impl Outcome {
    fn merge(&mut self, o: Outcome) {
        self.failed |= o.failed;
        self.has_errors |= o.has_errors;
    }

    fn exit_code(self, fatal: bool) -> ExitCode {
        if self.failed && self.has_errors {
            ExitCode::FAILURE
        } else if self.failed && fatal {
            ExitCode::from(EXIT_LINT)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// `klaxon check rules [FILE...]`; standard input when no file is given.
pub fn rules(files: &[PathBuf], args: &RuleLintArgs) -> ExitCode {
    let settings = LintSettings::parse(&args.lint, false);
    let checker = RuleChecker::new(args, &settings, Duration::from_secs(60));
    let outcome = if files.is_empty() { checker.stdin() } else { checker.files(files) };
    outcome.exit_code(args.lint_fatal)
}

/// `klaxon check config FILE...`: each config, then the rule files it names.
pub fn config(
    files: &[PathBuf],
    syntax_only: bool,
    args: &RuleLintArgs,
    lookback_delta: &str,
) -> ExitCode {
    let settings = LintSettings::parse(&args.lint, true);
    let lookback = match Duration::parse(lookback_delta) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("klaxon check config: --lint.lookback-delta: {e}");
            return ExitCode::from(2);
        }
    };
    let mut outcome = Outcome::default();
    for f in files {
        println!("Checking {}", f.display());
        let loaded = config::load(f).map_err(|e| e.to_string()).and_then(|cfg| {
            let rule_files = if syntax_only { Vec::new() } else { rule_files_of(&cfg)? };
            Ok((cfg, rule_files))
        });
        let checked = match loaded {
            Err(e) => {
                eprintln!("  FAILED: {e}");
                outcome.merge(Outcome { failed: true, has_errors: true });
                None
            }
            Ok((cfg, rule_files)) => {
                if !rule_files.is_empty() {
                    println!("  SUCCESS: {} rule files found", rule_files.len());
                }
                println!(" SUCCESS: {} is valid prometheus config file syntax", f.display());
                Some((cfg, rule_files))
            }
        };
        println!();
        let Some((cfg, rule_files)) = checked else { continue };
        if syntax_only {
            continue;
        }
        let too_long = cfg.scrape_configs.iter().find(|s| s.scrape_interval >= lookback);
        if let Some(job) =
            too_long.filter(|_| settings.too_long_scrape_interval && !lookback.is_zero())
        {
            eprintln!(
                "  FAILED: too long scrape interval found, data point will be marked as stale - job: {}, interval: {}",
                job.job_name, job.scrape_interval
            );
            outcome.merge(Outcome { failed: true, has_errors: false });
        }
        let checker = RuleChecker::new(args, &settings, cfg.global.evaluation_interval);
        outcome.merge(checker.files(&rule_files));
    }
    outcome.exit_code(args.lint_fatal)
}

/// The rule files a config names: each pattern globbed; a pattern without `*` must match.
fn rule_files_of(cfg: &config::Config) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for pattern in &cfg.rule_files {
        let paths = glob::glob(pattern).map_err(|e| format!("{pattern}: {e}"))?;
        let mut matched: Vec<PathBuf> = paths.filter_map(Result::ok).collect();
        matched.sort();
        if !pattern.contains('*') && matched.is_empty() {
            return Err(format!(
                "{} does not point to an existing file",
                model::gostr::quote(pattern)
            ));
        }
        out.extend(matched);
    }
    Ok(out)
}

/// Checks rule files with one set of options.
struct RuleChecker<'a> {
    opts: ParseOptions,
    settings: &'a LintSettings,
    default_interval: Duration,
    url: Option<&'a str>,
}

impl<'a> RuleChecker<'a> {
    fn new(args: &'a RuleLintArgs, settings: &'a LintSettings, default_interval: Duration) -> Self {
        RuleChecker {
            opts: ParseOptions {
                ignore_unknown_fields: args.ignore_unknown_fields,
                ..ParseOptions::default()
            },
            settings,
            default_interval,
            url: args.url.as_deref(),
        }
    }

    fn files(&self, files: &[PathBuf]) -> Outcome {
        let mut outcome = Outcome::default();
        for f in files {
            println!("Checking {}", f.display());
            outcome
                .merge(self.report(file::load_file_with(f, self.opts), &f.display().to_string()));
        }
        outcome
    }

    fn stdin(&self) -> Outcome {
        println!("Checking standard input");
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("  FAILED: {e}");
            return Outcome { failed: true, has_errors: true };
        }
        self.report(file::parse_str_with(&text, "", self.opts), "standard input")
    }

    /// Prints one file's result as promtool does (errors and lint findings on stderr).
    fn report(&self, parsed: Result<RuleFile, Vec<RuleFileError>>, label: &str) -> Outcome {
        let rf = match parsed {
            Ok(rf) => rf,
            Err(errs) => {
                eprintln!("  FAILED:");
                for e in errs {
                    eprintln!("{e}");
                }
                return Outcome { failed: true, has_errors: true };
            }
        };
        for w in &rf.warnings {
            eprintln!("  WARNING: {w}");
        }
        if self.settings.klaxon_warnings {
            let at = if rf.file.is_empty() { label } else { rf.file.as_str() };
            for w in file::lint::short_for(&rf, self.default_interval)
                .into_iter()
                .chain(file::lint::unknown_template_labels(&rf))
                .chain(file::lint::template_errors(&rf))
            {
                eprintln!("  WARNING: {at}:{w}");
            }
            if let Some(url) = self.url {
                for w in probe::empty_selectors(url, &rf) {
                    eprintln!("  WARNING: {at}:{w}");
                }
            }
        }
        if self.settings.duplicate_rules {
            let dups = file::lint::duplicates(&rf);
            if !dups.is_empty() {
                eprintln!("  FAILED:");
                eprintln!("lint error {}", file::lint::duplicates_report(&dups));
                println!();
                return Outcome { failed: true, has_errors: false };
            }
        }
        println!("  SUCCESS: {} rules found", rf.rule_count());
        println!();
        Outcome::default()
    }
}
