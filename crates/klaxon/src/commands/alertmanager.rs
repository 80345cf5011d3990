//! `klaxon alertmanager` (the server, in [`server`]) and `klaxon check alertmanager`.

pub mod flags;
pub mod server;

use std::fmt::Write as _;
use std::path::PathBuf;

/// `klaxon check alertmanager FILE...`: what `amtool check-config` does, plus rendering every
/// template the config loads against example data, so template errors show here and not at
/// notification time. Returns the report for stdout and, when something failed, the error
/// line for stderr (`failed to validate N file(s)`).
pub fn check(files: &[PathBuf]) -> (String, Option<String>) {
    let mut out = String::new();
    let mut failed = 0;
    for file in files {
        let _ = write!(out, "Checking '{}'", file.display());
        let cfg = match alertmanager::config::load_file(file) {
            Ok(cfg) => {
                out.push_str("  SUCCESS\n");
                cfg
            }
            Err(e) => {
                let _ = writeln!(out, "  FAILED: {e}\n");
                failed += 1;
                continue;
            }
        };
        out.push_str("Found:\n - global config\n - route\n");
        let _ = writeln!(out, " - {} inhibit rules", cfg.inhibit_rules.len());
        let _ = writeln!(out, " - {} receivers", cfg.receivers.len());
        let _ = writeln!(out, " - {} templates", cfg.templates.len());
        if !cfg.templates.is_empty() {
            let (mut failures, summary) = super::template::check(&cfg.templates);
            // Unlike `check templates`, a config's glob may match nothing (upstream: fine).
            failures.retain(|f| !f.starts_with("no template files match"));
            if failures.is_empty() {
                let _ = writeln!(out, "  SUCCESS ({summary})");
            } else {
                for f in &failures {
                    let _ = writeln!(out, "  FAILED: {f}");
                }
                failed += 1;
            }
        }
        out.push('\n');
    }
    let err = (failed > 0).then(|| format!("failed to validate {failed} file(s)"));
    (out, err)
}
