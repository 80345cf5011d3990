//! Rule files: any bytes read as a rule file never panic; what loads also survives the lints
//! `klaxon check rules` runs on it, and every error prints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::duration::Duration;
use rules::file::{self, ParseOptions, lint};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for ignore_unknown_fields in [false, true] {
        let opts = ParseOptions { ignore_unknown_fields, ..ParseOptions::default() };
        match file::parse_str_with(text, "fuzz.yml", opts) {
            Ok(f) => {
                let _ = lint::duplicates_report(&lint::duplicates(&f));
                let _ = lint::short_for(&f, Duration::from_secs(60));
                let _ = lint::unknown_template_labels(&f);
                for g in &f.groups {
                    for r in &g.rules {
                        let _ = lint::selectors(&r.expr.expr);
                    }
                }
            }
            Err(errs) => {
                for e in errs {
                    let _ = (e.to_string(), e.location());
                }
            }
        }
    }
});
