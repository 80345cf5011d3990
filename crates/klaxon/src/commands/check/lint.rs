//! The `--lint` flag: promtool's comma-separated lint names.

/// Which lints run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LintSettings {
    pub(super) duplicate_rules: bool,
    pub(super) too_long_scrape_interval: bool,
    /// klaxon's own warnings: on unless `none`.
    pub(super) klaxon_warnings: bool,
}

impl LintSettings {
    /// Reads `--lint`; unknown names are warned about as promtool does, then ignored.
    /// `too-long-scrape-interval` exists only for `check config`.
    pub(super) fn parse(flag: &str, config: bool) -> Self {
        let mut s = LintSettings {
            duplicate_rules: false,
            too_long_scrape_interval: false,
            klaxon_warnings: true,
        };
        for name in flag.split(',') {
            match name {
                "all" => {
                    s.duplicate_rules = true;
                    s.too_long_scrape_interval = config;
                }
                "duplicate-rules" => s.duplicate_rules = true,
                "too-long-scrape-interval" if config => s.too_long_scrape_interval = true,
                "none" => {
                    s = LintSettings {
                        duplicate_rules: false,
                        too_long_scrape_interval: false,
                        klaxon_warnings: false,
                    };
                }
                other => println!("WARNING: unknown lint option: {}", model::gostr::quote(other)),
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_promtool_names() {
        let d = LintSettings::parse("duplicate-rules", false);
        assert!(d.duplicate_rules && !d.too_long_scrape_interval && d.klaxon_warnings);
        let a = LintSettings::parse("all", true);
        assert!(a.duplicate_rules && a.too_long_scrape_interval);
        let n = LintSettings::parse("none", true);
        assert!(!n.duplicate_rules && !n.klaxon_warnings);
    }
}
