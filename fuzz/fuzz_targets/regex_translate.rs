//! Fuzzes the Go regex translation (`model::regex`).
//!
//! Input: a pattern, optionally followed by NUL-separated inputs to match. Under every
//! anchoring the pattern must compile or fail with an error, never panic; when it compiles,
//! matching must not panic, the fast path must agree with the full regex, and what the index
//! helpers promise (literal set, prefix, empty match, match-everything) must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::regex::{Anchoring, GoRegex, translate};

fuzz_target!(|data: &str| {
    let mut parts = data.split('\0');
    let pattern = parts.next().unwrap_or_default();
    let mut inputs: Vec<&str> = parts.take(8).collect();
    inputs.extend(["", "\n", "a", "K", "\u{212A}", "é", "foo\nbar", pattern]);

    let _ = translate(pattern);
    for anchoring in [Anchoring::Unanchored, Anchoring::Prometheus, Anchoring::Alertmanager] {
        let Ok(re) = GoRegex::new(pattern, anchoring) else { continue };
        assert_eq!(re.matches_empty(), re.regex().find("").is_some(), "{pattern:?} {anchoring:?}");
        if let Some(set) = re.literal_set() {
            for s in set {
                assert!(re.regex().find(s).is_some(), "{pattern:?} {anchoring:?}: set {s:?}");
            }
        }
        for input in &inputs {
            // `find`, not the regex crate's `is_match` (see `GoRegex::regex`).
            let full = re.regex().find(input).is_some();
            assert_eq!(re.is_match(input), full, "{pattern:?} {anchoring:?} on {input:?}");
            if full && let Some(prefix) = re.literal_prefix() {
                assert!(input.starts_with(prefix), "{pattern:?} {anchoring:?} on {input:?}");
            }
            if let Some(set) = re.literal_set() {
                assert_eq!(set.iter().any(|s| s == input), full, "{pattern:?} on {input:?}");
            }
            if re.matches_everything() {
                assert!(full, "{pattern:?} {anchoring:?} on {input:?}");
            }
            let mut out = String::new();
            if let Some(caps) = re.regex().captures(input) {
                re.expand(&caps, "$1${name}$$x$0", &mut out);
            }
            let _ = re.replace_all(input, "<$1>");
        }
    }
});
