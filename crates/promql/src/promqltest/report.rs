//! What a script run found: one outcome per eval (and per command that could not run).

use std::fmt::Write as _;

/// How one eval (or broken command) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Pass,
    /// A readable explanation: the header line first, then indented details.
    Fail(String),
    /// Why the eval was not run.
    Skip(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 1-based line of the command in the script.
    pub line: usize,
    pub status: Status,
}

/// The outcomes of one script, in script order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.count(|s| matches!(s, Status::Pass))
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Fail(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skip(_)))
    }

    fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(&o.status)).count()
    }

    /// `N passed, M failed, K skipped`.
    pub fn summary(&self) -> String {
        summary_line(self.passed(), self.failed(), self.skipped())
    }

    /// Every outcome as `file:line: PASS|FAIL ...|SKIP (reason)`, one string each (failures span
    /// several lines).
    pub fn lines(&self, file: &str) -> Vec<String> {
        self.outcomes.iter().map(|o| format_outcome(file, o)).collect()
    }
}

/// `N passed, M failed, K skipped`, the last line `klaxon test promql` prints.
pub fn summary_line(passed: usize, failed: usize, skipped: usize) -> String {
    format!("{passed} passed, {failed} failed, {skipped} skipped")
}

/// One outcome as `file:line: STATUS`.
pub fn format_outcome(file: &str, o: &Outcome) -> String {
    let mut out = format!("{file}:{}: ", o.line);
    match &o.status {
        Status::Pass => out.push_str("PASS"),
        Status::Skip(reason) => {
            let _ = write!(out, "SKIP ({reason})");
        }
        Status::Fail(text) => {
            let mut lines = text.lines();
            let _ = write!(out, "FAIL {}", lines.next().unwrap_or(""));
            for l in lines {
                let _ = write!(out, "\n    {l}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_lines() {
        let r = Report {
            outcomes: vec![
                Outcome { line: 3, status: Status::Pass },
                Outcome {
                    line: 7,
                    status: Status::Fail("eval instant at 0 x\nexpected: 1\ngot: 2".into()),
                },
                Outcome { line: 9, status: Status::Skip("native histograms".into()) },
                Outcome { line: 12, status: Status::Pass },
            ],
        };
        assert_eq!(r.summary(), "2 passed, 1 failed, 1 skipped");
        assert_eq!(
            r.lines("a.test"),
            [
                "a.test:3: PASS",
                "a.test:7: FAIL eval instant at 0 x\n    expected: 1\n    got: 2",
                "a.test:9: SKIP (native histograms)",
                "a.test:12: PASS",
            ]
        );
    }
}
