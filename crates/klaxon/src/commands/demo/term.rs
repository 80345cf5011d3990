//! The demo's terminal output: whole blocks written at once (site, traffic and sink print
//! from different tasks), colour only when asked for or when stdout is a terminal.

use std::io::{IsTerminal as _, Write as _};

use anyhow::{Result, bail};

/// Where and how the demo prints.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    color: bool,
}

/// The few styles the demo uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Red,
    Green,
    Yellow,
    Bold,
    Dim,
}

impl Term {
    /// `--color`: auto, always or never.
    pub fn new(color: &str) -> Result<Term> {
        let color = match color {
            "auto" => std::io::stdout().is_terminal(),
            "always" => true,
            "never" => false,
            other => bail!("--color: {other:?} is not auto, always or never"),
        };
        Ok(Term { color })
    }

    /// `s` in `style` (unchanged without colour).
    pub fn paint(&self, style: Style, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match style {
            Style::Red => "1;31",
            Style::Green => "1;32",
            Style::Yellow => "33",
            Style::Bold => "1",
            Style::Dim => "2",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }

    /// Prints `block` (lines, newline-terminated) in one write. A closed stdout is ignored:
    /// the demo keeps serving for `klaxon run`.
    pub fn print(&self, block: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(block.as_bytes());
        let _ = out.flush();
    }
}

/// The wall-clock time of day, `HH:MM:SS`, for the start of each printed block.
pub fn clock() -> String {
    jiff::Zoned::now().strftime("%H:%M:%S").to_string()
}

/// A duration as people read it: `4m30s`, `2m`, `45s`.
pub fn human(d: std::time::Duration) -> String {
    let secs = d.as_secs_f64().round() as u64;
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_secs(270)), "4m30s");
        assert_eq!(human(Duration::from_secs(120)), "2m");
        assert_eq!(human(Duration::from_millis(44_600)), "45s");
    }

    #[test]
    fn paints_only_with_colour() {
        let plain = Term { color: false };
        assert_eq!(plain.paint(Style::Red, "FIRING"), "FIRING");
        let ansi = Term { color: true };
        assert_eq!(ansi.paint(Style::Green, "RESOLVED"), "\x1b[1;32mRESOLVED\x1b[0m");
        assert!(Term::new("sometimes").is_err());
    }
}
