//! Matcher parsers, in every mode: never panic; whatever parses prints back to equal matchers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::matcher::{
    Dialect, MatcherParseMode, Matchers, parse_matcher_classic, parse_matcher_utf8,
    parse_matchers_classic, parse_matchers_utf8,
};

/// Printing `ms` and parsing the text with `parse` gives `ms` again. Names that are empty are
/// skipped: upstream prints them as `="v"`, which no parser reads.
fn round_trips<E: std::fmt::Debug>(ms: &Matchers, parse: impl Fn(&str) -> Result<Matchers, E>) {
    if ms.iter().any(|m| m.name().is_empty()) {
        return;
    }
    let text = ms.to_string();
    match parse(&text) {
        Ok(again) => assert_eq!(&again, ms, "{text}"),
        Err(e) => panic!("{ms:?} printed as {text} does not parse: {e:?}"),
    }
}

fuzz_target!(|s: &str| {
    if let Ok(ms) = parse_matchers_utf8(s) {
        round_trips(&ms, parse_matchers_utf8);
        // The UTF-8 parser also reads the Prometheus form (Go-quoted values).
        for m in ms.iter().filter(|m| !m.name().is_empty()) {
            let text = m.display_as(Dialect::Prometheus).to_string();
            assert_eq!(parse_matcher_utf8(&text).as_ref(), Ok(m), "{text}");
        }
    }
    if let Ok(m) = parse_matcher_utf8(s) {
        round_trips(&Matchers::from(vec![m]), parse_matchers_utf8);
    }
    if let Ok(ms) = parse_matchers_classic(s) {
        round_trips(&ms, parse_matchers_classic);
    }
    if let Ok(m) = parse_matcher_classic(s) {
        round_trips(&Matchers::from(vec![m]), parse_matchers_classic);
    }
    for mode in
        [MatcherParseMode::Fallback, MatcherParseMode::Utf8Strict, MatcherParseMode::Classic]
    {
        if let Ok(parsed) = mode.parse_matchers(s) {
            round_trips(&parsed.value, |t| mode.parse_matchers(t).map(|p| p.value));
        }
        if let Ok(parsed) = mode.parse_matcher(s) {
            let text = parsed.value.to_string();
            if !parsed.value.name().is_empty() {
                let again = mode.parse_matcher(&text).map(|p| p.value);
                assert_eq!(again.as_ref(), Ok(&parsed.value), "{text}");
            }
        }
    }
});
