//! Properties: printing a matcher (or a list) and parsing the text gives the same matchers back,
//! for every parser and mode that can represent them; and no input makes a parser panic.

use model::matcher::{
    Dialect, MatchOp, Matcher, MatcherParseMode, Matchers, parse_matcher_classic,
    parse_matcher_utf8, parse_matchers_classic, parse_matchers_utf8,
};
use proptest::prelude::*;

/// Characters that stress the grammars and the escaping, mixed with arbitrary ones.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '"', '\\', '\n', '\t', '\r', ',', '{', '}', '=', '!', '~', '\'', '`', ' ', ':', '-',
            '.', 'n', 'x', 'u', '0', 'é', 'Σ', '🙂', '\u{a0}', '\u{2028}', '\u{202f}', '\u{0}',
            '\u{7f}', '\u{ad}', '\u{feff}', '\u{e0001}',
        ]),
        2 => prop::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

fn tricky_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..=max).prop_map(|cs| cs.into_iter().collect())
}

fn op() -> impl Strategy<Value = MatchOp> {
    prop::sample::select(vec![MatchOp::Equal, MatchOp::NotEqual, MatchOp::Regex, MatchOp::NotRegex])
}

/// Escapes regex metacharacters, so that any text becomes a valid (literal) pattern.
fn quote_meta(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A value for `op`: any text for `=`/`!=`; for the regex operators either the raw text (when
/// it happens to be a valid pattern) or the text made literal.
fn matcher(name: impl Strategy<Value = String>) -> impl Strategy<Value = Matcher> {
    (name, op(), tricky_string(12), any::<bool>()).prop_filter_map(
        "value is not a valid regex",
        |(name, op, value, literal)| {
            let value = if op.is_regex() && literal { quote_meta(&value) } else { value };
            Matcher::alertmanager(op, name, value).ok()
        },
    )
}

/// Any non-empty name (the UTF-8 parser reads them all back).
fn utf8_name() -> impl Strategy<Value = String> {
    tricky_string(8).prop_filter("empty name", |s| !s.is_empty())
}

/// A name the classic parser reads: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn classic_name() -> impl Strategy<Value = String> {
    "[a-zA-Z_:][a-zA-Z0-9_:]{0,8}"
}

fn list(m: impl Strategy<Value = Matcher>) -> impl Strategy<Value = Matchers> {
    prop::collection::vec(m, 0..5).prop_map(Matchers::from)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn utf8_parser_reads_printed_matcher(m in matcher(utf8_name())) {
        let text = m.to_string();
        prop_assert_eq!(parse_matcher_utf8(&text), Ok(m), "{}", text);
    }

    #[test]
    fn utf8_parser_reads_printed_list(ms in list(matcher(utf8_name()))) {
        let text = ms.to_string();
        prop_assert_eq!(parse_matchers_utf8(&text), Ok(ms), "{}", text);
    }

    #[test]
    fn utf8_parser_reads_prometheus_form(m in matcher(utf8_name())) {
        // Prometheus Go-quotes values (and unusual names); the UTF-8 parser reads Go quoting.
        let text = m.display_as(Dialect::Prometheus).to_string();
        prop_assert_eq!(parse_matcher_utf8(&text), Ok(m), "{}", text);
    }

    #[test]
    fn classic_parser_reads_printed_matcher(m in matcher(classic_name())) {
        let text = m.to_string();
        prop_assert_eq!(parse_matcher_classic(&text), Ok(m), "{}", text);
    }

    #[test]
    fn classic_parser_reads_printed_list(ms in list(matcher(classic_name()))) {
        let text = ms.to_string();
        prop_assert_eq!(parse_matchers_classic(&text), Ok(ms), "{}", text);
    }

    #[test]
    fn every_mode_reads_printed_list_without_warning(
        utf8 in list(matcher(utf8_name())),
        classic in list(matcher(classic_name())),
    ) {
        for (mode, ms) in [
            (MatcherParseMode::Fallback, &utf8),
            (MatcherParseMode::Utf8Strict, &utf8),
            (MatcherParseMode::Fallback, &classic),
            (MatcherParseMode::Utf8Strict, &classic),
            (MatcherParseMode::Classic, &classic),
        ] {
            let text = ms.to_string();
            let parsed = mode.parse_matchers(&text);
            prop_assert!(parsed.is_ok(), "{:?} {}: {:?}", mode, text, parsed);
            if let Ok(parsed) = parsed {
                prop_assert_eq!(&parsed.value, ms, "{:?} {}", mode, text);
                prop_assert_eq!(parsed.warning, None, "{:?} {}", mode, text);
            }
        }
    }

    #[test]
    fn inverse_matches_the_rest(m in matcher(utf8_name()), v in tricky_string(6)) {
        prop_assert_ne!(m.matches(&v), m.inverse().matches(&v));
    }

    #[test]
    fn no_input_makes_a_parser_panic(s in tricky_string(24)) {
        let _ = parse_matchers_utf8(&s);
        let _ = parse_matcher_utf8(&s);
        let _ = parse_matchers_classic(&s);
        let _ = parse_matcher_classic(&s);
        for mode in [
            MatcherParseMode::Fallback,
            MatcherParseMode::Utf8Strict,
            MatcherParseMode::Classic,
        ] {
            let _ = mode.parse_matchers(&s);
            let _ = mode.parse_matcher(&s);
        }
    }

    #[test]
    fn whatever_parses_prints_and_parses_back(s in tricky_string(24)) {
        for mode in [
            MatcherParseMode::Fallback,
            MatcherParseMode::Utf8Strict,
            MatcherParseMode::Classic,
        ] {
            if let Ok(parsed) = mode.parse_matchers(&s) {
                // An empty name (`""=x`) prints as `="x"`, as upstream prints it, which no
                // parser reads.
                if parsed.value.iter().any(|m| m.name().is_empty()) {
                    continue;
                }
                let text = parsed.value.to_string();
                let again = mode.parse_matchers(&text).map(|p| p.value);
                prop_assert_eq!(again, Ok(parsed.value), "{:?} {:?} -> {}", mode, s, text);
            }
        }
    }
}
