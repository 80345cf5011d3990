//! The three parse modes (`matcher/compat` upstream): which parser answers, the fallback
//! warnings, single-matcher brace rejection and label-name validity.
//!
//! The `FALLBACK_*` and `*_LABEL_NAMES` tables are upstream's `compat/parse_test.go` tables.

mod matcher_common;

use matcher_common::*;
use model::labels::ValidationScheme;
use model::matcher::{
    MatcherParseError, MatcherParseMode, ModeConflictError, ParseWarning, Utf8ParseError,
};

use MatcherParseMode::{Classic, Fallback, Utf8Strict};

/// upstream `TestFallbackMatcherParser`: (name, input, result)
const FALLBACK_MATCHER: &[(&str, &str, Want)] = &[
    ("input is accepted", "foo=bar", Ok(&[(EQ, "foo", "bar")])),
    ("input is accepted in neither", "foo!bar", Err("bad matcher format: foo!bar")),
    ("accepted in matchers/parse but not pkg/labels", "foo🙂=bar", Ok(&[(EQ, "foo🙂", "bar")])),
    ("accepted in pkg/labels but not matchers/parse", r"foo=!bar\n", Ok(&[(EQ, "foo", "!bar\n")])),
    (
        "input causes disagreement",
        r#"foo="\xf0\x9f\x99\x82""#,
        Ok(&[(EQ, "foo", r"\xf0\x9f\x99\x82")]),
    ),
];

/// upstream `TestFallbackMatchersParser`: (name, input, result)
const FALLBACK_MATCHERS: &[(&str, &str, Want)] = &[
    ("input is accepted", "{foo=bar,bar=baz}", Ok(&[(EQ, "foo", "bar"), (EQ, "bar", "baz")])),
    ("input is accepted in neither", "{foo!bar}", Err("bad matcher format: foo!bar")),
    (
        "accepted in matchers/parse but not pkg/labels",
        "{foo🙂=bar,bar=baz🙂}",
        Ok(&[(EQ, "foo🙂", "bar"), (EQ, "bar", "baz🙂")]),
    ),
    (
        "accepted in pkg/labels but not matchers/parse",
        r"{foo=!bar,bar=$baz\n}",
        Ok(&[(EQ, "foo", "!bar"), (EQ, "bar", "$baz\n")]),
    ),
    (
        "input causes disagreement",
        r#"{foo="\xf0\x9f\x99\x82"}"#,
        Ok(&[(EQ, "foo", r"\xf0\x9f\x99\x82")]),
    ),
];

/// upstream `TestIsValidClassicLabelName` and `TestIsValidUTF8LabelName`:
/// (name, classic, UTF-8)
const LABEL_NAMES: &[(&str, bool, bool)] = &[
    ("foo", true, true),
    ("_foo1", true, true),
    ("", false, false),
    ("0foo", false, true),
    ("foo🙂", false, true),
];

#[test]
fn upstream_fallback_tables() {
    for (name, input, want) in FALLBACK_MATCHER {
        let got = Fallback.parse_matcher(input).map(|p| vec![p.value]);
        check(name, input, got, want);
    }
    for (name, input, want) in FALLBACK_MATCHERS {
        let got = Fallback.parse_matchers(input).map(|p| p.value.into_vec());
        check(name, input, got, want);
    }
}

#[test]
fn upstream_label_name_tables() {
    for &(name, classic, utf8) in LABEL_NAMES {
        assert_eq!(Classic.is_valid_label_name(name), classic, "{name:?}");
        assert_eq!(Utf8Strict.is_valid_label_name(name), utf8, "{name:?}");
        assert_eq!(Fallback.is_valid_label_name(name), utf8, "{name:?}");
    }
    assert_eq!(Classic.label_name_scheme(), ValidationScheme::Legacy);
    assert_eq!(Fallback.label_name_scheme(), ValidationScheme::Utf8);
    assert_eq!(Utf8Strict.label_name_scheme(), ValidationScheme::Utf8);
    // The classic parser reads colons in names, but they are not valid label names.
    assert!(!Classic.is_valid_label_name("foo:bar"));
    assert!(Fallback.is_valid_label_name("foo:bar"));
}

#[test]
fn fallback_warnings() {
    // Only the classic parser reads it: its result, and the UTF-8 error plus a suggestion.
    let p = Fallback.parse_matchers("foo=").unwrap();
    assert_eq!(p.value.to_string(), r#"{foo=""}"#);
    let Some(ParseWarning::Incompatible { error, suggestion }) = &p.warning else {
        panic!("{:?}", p.warning)
    };
    assert_eq!(error.to_string(), "end of input: expected label value");
    assert_eq!(suggestion, r#"foo="""#);
    assert!(p.warning.as_ref().unwrap().to_string().starts_with(
        "Alertmanager is moving to a new parser for labels and matchers, and this input is \
         incompatible. Alertmanager has instead parsed the input using the classic matchers \
         parser as a fallback."
    ));

    // The suggestion of a list joins the matchers with commas, without braces.
    let p = Fallback.parse_matchers(r"{foo=!bar,bar=$baz\n}").unwrap();
    let Some(ParseWarning::Incompatible { suggestion, .. }) = &p.warning else { panic!() };
    assert_eq!(suggestion, r#"foo="!bar",bar="$baz\n""#);

    // Both read it, differently: the classic result wins.
    let p = Fallback.parse_matcher(r#"foo="\xf0\x9f\x99\x82""#).unwrap();
    assert_eq!(p.warning, Some(ParseWarning::Disagreement));
    assert_eq!(p.warning.unwrap().to_string(), "Matchers input has disagreement");

    // Both read it alike: no warning (also for empty input, where upstream warns about a
    // disagreement between an empty list and an absent one).
    for input in ["foo=bar", r#"{foo="bar", baz=~".*"}"#, "", "{}", " "] {
        assert_eq!(Fallback.parse_matchers(input).unwrap().warning, None, "{input:?}");
    }
    // Only the UTF-8 parser reads it: no warning.
    assert_eq!(Fallback.parse_matcher("foo🙂=bar").unwrap().warning, None);
}

#[test]
fn strict_and_classic_modes_use_one_parser() {
    assert_eq!(
        Utf8Strict.parse_matchers("foo=").unwrap_err().to_string(),
        "end of input: expected label value"
    );
    assert!(matches!(Utf8Strict.parse_matchers("foo="), Err(MatcherParseError::Utf8(_))));
    assert_eq!(Utf8Strict.parse_matchers("foo🙂=bar").unwrap().value[0].name(), "foo🙂");
    assert_eq!(
        Classic.parse_matchers("foo🙂=bar").unwrap_err().to_string(),
        "bad matcher format: foo🙂=bar"
    );
    assert!(matches!(Classic.parse_matchers("foo🙂=bar"), Err(MatcherParseError::Classic(_))));
    let p = Classic.parse_matchers(r#"foo="\xf0\x9f\x99\x82""#).unwrap();
    assert_eq!((p.value[0].value(), p.warning), (r"\xf0\x9f\x99\x82", None));
    let p = Utf8Strict.parse_matchers(r#"foo="\xf0\x9f\x99\x82""#).unwrap();
    assert_eq!((p.value[0].value(), p.warning), ("🙂", None));
}

#[test]
fn single_matcher_rejects_braces_except_in_classic_mode() {
    for mode in [Fallback, Utf8Strict] {
        for input in ["{foo=bar}", "{foo=bar", "foo=bar}", "{}"] {
            let err = mode.parse_matcher(input).unwrap_err();
            assert_eq!(err, MatcherParseError::Brace(input.to_owned()));
            assert_eq!(err.to_string(), format!("unexpected open or close brace: {input}"));
        }
        // Multi-matcher parsing takes them.
        assert_eq!(mode.parse_matchers("{foo=bar}").unwrap().value.len(), 1);
    }
    assert_eq!(
        Classic.parse_matcher("{foo=bar}").unwrap_err().to_string(),
        "bad matcher format: {foo=bar}"
    );
    // A classic single matcher keeps commas in the value.
    assert_eq!(Classic.parse_matcher("a=b,c=d").unwrap().value.value(), "b,c=d");
    assert_eq!(
        Utf8Strict.parse_matcher("a=b,c=d").unwrap_err(),
        MatcherParseError::Utf8(Utf8ParseError::TooManyMatchers(2))
    );
    assert_eq!(Fallback.parse_matcher("").unwrap_err().to_string(), "bad matcher format: ");
    assert_eq!(Utf8Strict.parse_matcher("").unwrap_err().to_string(), "no matchers");
}

/// Every further input, in every mode, gives what upstream's compat layer makes of the two
/// parsers' results.
#[test]
fn modes_on_more_inputs() {
    for (input, utf8_many, utf8_one, classic_many, classic_one) in MORE {
        let many = |p: Result<model::matcher::Parsed<model::matcher::Matchers>, _>| {
            p.map(|p| p.value.into_vec())
        };
        check("strict", input, many(Utf8Strict.parse_matchers(input)), utf8_many);
        check("classic", input, many(Classic.parse_matchers(input)), classic_many);
        let want = match (utf8_many, classic_many) {
            (Err(_), c) => c,
            (Ok(_), Ok(c)) => &Ok(*c),
            (u, Err(_)) => u,
        };
        check("fallback", input, many(Fallback.parse_matchers(input)), want);

        let one = |p: Result<model::matcher::Parsed<model::matcher::Matcher>, _>| {
            p.map(|p| vec![p.value])
        };
        check("classic single", input, one(Classic.parse_matcher(input)), classic_one);
        if input.starts_with('{') || input.ends_with('}') {
            continue;
        }
        check("strict single", input, one(Utf8Strict.parse_matcher(input)), utf8_one);
        let want = match (utf8_one, classic_one) {
            (Err(_), c) => c,
            (Ok(_), Ok(c)) => &Ok(*c),
            (u, Err(_)) => u,
        };
        check("fallback single", input, one(Fallback.parse_matcher(input)), want);
    }
}

#[test]
fn feature_flags() {
    assert_eq!(MatcherParseMode::default(), Fallback);
    assert_eq!(MatcherParseMode::from_features(false, false), Ok(Fallback));
    assert_eq!(MatcherParseMode::from_features(true, false), Ok(Classic));
    assert_eq!(MatcherParseMode::from_features(false, true), Ok(Utf8Strict));
    let err = MatcherParseMode::from_features(true, true).unwrap_err();
    assert_eq!(err, ModeConflictError);
    assert_eq!(err.to_string(), "cannot have both classic and UTF-8 modes enabled");
}
