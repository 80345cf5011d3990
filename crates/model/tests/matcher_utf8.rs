//! The UTF-8 matcher parser (`matcher/parse` upstream): results and exact error texts.
//!
//! `MATCHERS` and `MATCHER` are upstream's `parse_test.go` tables (`TestMatchers`,
//! `TestMatcher`), case for case. `MORE` holds further inputs, one per error path and edge of
//! the grammar, with the results upstream's parser gives for them (checked by running it).

mod matcher_common;

use matcher_common::*;
use model::matcher::{Utf8ParseError, parse_matcher_utf8, parse_matchers_utf8};

/// upstream `TestMatchers`: (name, input, result)
const MATCHERS: &[(&str, &str, Want)] = &[
    ("no braces", "", Ok(&[])),
    ("open and closing braces", "{}", Ok(&[])),
    ("equals", "{foo=bar}", Ok(&[(EQ, "foo", "bar")])),
    ("equals with trailing comma", "{foo=bar,}", Ok(&[(EQ, "foo", "bar")])),
    ("not equals", "{foo!=bar}", Ok(&[(NE, "foo", "bar")])),
    ("match regex", "{foo=~[a-z]+}", Ok(&[(RE, "foo", "[a-z]+")])),
    ("doesn't match regex", "{foo!~[a-z]+}", Ok(&[(NRE, "foo", "[a-z]+")])),
    ("equals unicode emoji", "{foo=🙂}", Ok(&[(EQ, "foo", "🙂")])),
    ("equals unicode sentence", "{foo=🙂bar}", Ok(&[(EQ, "foo", "🙂bar")])),
    ("equals without braces", "foo=bar", Ok(&[(EQ, "foo", "bar")])),
    ("equals without braces but with trailing comma", "foo=bar,", Ok(&[(EQ, "foo", "bar")])),
    ("not equals without braces", "foo!=bar", Ok(&[(NE, "foo", "bar")])),
    ("match regex without braces", "foo=~[a-z]+", Ok(&[(RE, "foo", "[a-z]+")])),
    ("doesn't match regex without braces", "foo!~[a-z]+", Ok(&[(NRE, "foo", "[a-z]+")])),
    ("equals in quotes", r#"{"foo"="bar"}"#, Ok(&[(EQ, "foo", "bar")])),
    ("equals in quotes and with trailing comma", r#"{"foo"="bar",}"#, Ok(&[(EQ, "foo", "bar")])),
    ("not equals in quotes", r#"{"foo"!="bar"}"#, Ok(&[(NE, "foo", "bar")])),
    ("match regex in quotes", r#"{"foo"=~"[a-z]+"}"#, Ok(&[(RE, "foo", "[a-z]+")])),
    ("match regex digit in quotes", r#"{"foo"=~"\\d+"}"#, Ok(&[(RE, "foo", r#"\d+"#)])),
    ("doesn't match regex in quotes", r#"{"foo"!~"[a-z]+"}"#, Ok(&[(NRE, "foo", "[a-z]+")])),
    ("equals unicode emoji in quotes", r#"{"foo"="🙂"}"#, Ok(&[(EQ, "foo", "🙂")])),
    (
        "equals unicode emoji as bytes in quotes",
        r#"{"foo"="\xf0\x9f\x99\x82"}"#,
        Ok(&[(EQ, "foo", "🙂")]),
    ),
    (
        "equals unicode emoji as code points in quotes",
        r#"{"foo"="\U0001f642"}"#,
        Ok(&[(EQ, "foo", "🙂")]),
    ),
    ("equals unicode sentence in quotes", r#"{"foo"="🙂bar"}"#, Ok(&[(EQ, "foo", "🙂bar")])),
    ("equals with newline in quotes", r#"{"foo"="bar\n"}"#, Ok(&[(EQ, "foo", "bar\n")])),
    ("equals with tab in quotes", r#"{"foo"="bar\t"}"#, Ok(&[(EQ, "foo", "bar\t")])),
    (
        "equals with escaped quotes in quotes",
        r#"{"foo"="\"bar\""}"#,
        Ok(&[(EQ, "foo", r#""bar""#)]),
    ),
    (
        "equals with escaped backslash in quotes",
        r#"{"foo"="bar\\"}"#,
        Ok(&[(EQ, "foo", r#"bar\"#)]),
    ),
    ("equals without braces in quotes", r#""foo"="bar""#, Ok(&[(EQ, "foo", "bar")])),
    (
        "equals without braces in quotes with trailing comma",
        r#""foo"="bar","#,
        Ok(&[(EQ, "foo", "bar")]),
    ),
    ("complex", "{foo=bar,bar!=baz}", Ok(&[(EQ, "foo", "bar"), (NE, "bar", "baz")])),
    (
        "complex in quotes",
        r#"{foo="bar",bar!="baz"}"#,
        Ok(&[(EQ, "foo", "bar"), (NE, "bar", "baz")]),
    ),
    ("complex without braces", "foo=bar,bar!=baz", Ok(&[(EQ, "foo", "bar"), (NE, "bar", "baz")])),
    (
        "complex without braces in quotes",
        r#"foo="bar",bar!="baz""#,
        Ok(&[(EQ, "foo", "bar"), (NE, "bar", "baz")]),
    ),
    ("comma", ",", Err("0:1: unexpected ,: expected label name")),
    ("comma in braces", "{,}", Err("1:2: unexpected ,: expected label name")),
    ("open brace", "{", Err("0:1: end of input: expected close brace")),
    ("close brace", "}", Err("0:1: }: expected opening brace")),
    ("no open brace", "foo=bar}", Err("0:8: }: expected opening brace")),
    ("no close brace", "{foo=bar", Err("0:8: end of input: expected close brace")),
    (
        "invalid input after operator and before quotes",
        r#"{foo=:"bar"}"#,
        Err(r#"6:11: unexpected "bar": expected a comma or close brace"#),
    ),
    ("invalid escape sequence", r#"{foo="bar\w"}"#, Err(r#"5:12: "bar\w": invalid input"#)),
    (
        "invalid escape sequence regex digits",
        r#"{"foo"=~"\d+"}"#,
        Err(r#"8:13: "\d+": invalid input"#),
    ),
    (
        "no unquoted escape sequences",
        r#"{foo=bar\n}"#,
        Err(r#"8:9: \: invalid input: expected a comma or close brace"#),
    ),
    ("invalid unicode", r#"{"foo"="\xf0\x9f"}"#, Err(r#"7:17: "\xf0\x9f": invalid input"#)),
];

/// upstream `TestMatcher`: (name, input, result)
const MATCHER: &[(&str, &str, Want)] = &[
    ("equals", "{foo=bar}", Ok(&[(EQ, "foo", "bar")])),
    ("equals with trailing comma", "{foo=bar,}", Ok(&[(EQ, "foo", "bar")])),
    ("not equals", "{foo!=bar}", Ok(&[(NE, "foo", "bar")])),
    ("match regex", "{foo=~[a-z]+}", Ok(&[(RE, "foo", "[a-z]+")])),
    ("doesn't match regex", "{foo!~[a-z]+}", Ok(&[(NRE, "foo", "[a-z]+")])),
    ("equals unicode emoji", "{foo=🙂}", Ok(&[(EQ, "foo", "🙂")])),
    (
        "equals unicode emoji as bytes in quotes",
        r#"{"foo"="\xf0\x9f\x99\x82"}"#,
        Ok(&[(EQ, "foo", "🙂")]),
    ),
    (
        "equals unicode emoji as code points in quotes",
        r#"{"foo"="\U0001f642"}"#,
        Ok(&[(EQ, "foo", "🙂")]),
    ),
    ("equals unicode sentence", "{foo=🙂bar}", Ok(&[(EQ, "foo", "🙂bar")])),
    ("equals without braces", "foo=bar", Ok(&[(EQ, "foo", "bar")])),
    ("equals without braces but with trailing comma", "foo=bar,", Ok(&[(EQ, "foo", "bar")])),
    ("not equals without braces", "foo!=bar", Ok(&[(NE, "foo", "bar")])),
    ("match regex without braces", "foo=~[a-z]+", Ok(&[(RE, "foo", "[a-z]+")])),
    ("doesn't match regex without braces", "foo!~[a-z]+", Ok(&[(NRE, "foo", "[a-z]+")])),
    ("equals in quotes", r#"{"foo"="bar"}"#, Ok(&[(EQ, "foo", "bar")])),
    ("equals in quotes and with trailing comma", r#"{"foo"="bar",}"#, Ok(&[(EQ, "foo", "bar")])),
    ("not equals in quotes", r#"{"foo"!="bar"}"#, Ok(&[(NE, "foo", "bar")])),
    ("match regex in quotes", r#"{"foo"=~"[a-z]+"}"#, Ok(&[(RE, "foo", "[a-z]+")])),
    ("doesn't match regex in quotes", r#"{"foo"!~"[a-z]+"}"#, Ok(&[(NRE, "foo", "[a-z]+")])),
    ("equals unicode emoji in quotes", r#"{"foo"="🙂"}"#, Ok(&[(EQ, "foo", "🙂")])),
    ("equals unicode sentence in quotes", r#"{"foo"="🙂bar"}"#, Ok(&[(EQ, "foo", "🙂bar")])),
    ("equals with newline in quotes", r#"{"foo"="bar\n"}"#, Ok(&[(EQ, "foo", "bar\n")])),
    ("equals with tab in quotes", r#"{"foo"="bar\t"}"#, Ok(&[(EQ, "foo", "bar\t")])),
    (
        "equals with escaped quotes in quotes",
        r#"{"foo"="\"bar\""}"#,
        Ok(&[(EQ, "foo", r#""bar""#)]),
    ),
    (
        "equals with escaped backslash in quotes",
        r#"{"foo"="bar\\"}"#,
        Ok(&[(EQ, "foo", r#"bar\"#)]),
    ),
    ("equals without braces in quotes", r#""foo"="bar""#, Ok(&[(EQ, "foo", "bar")])),
    (
        "equals without braces in quotes with trailing comma",
        r#""foo"="bar","#,
        Ok(&[(EQ, "foo", "bar")]),
    ),
    ("no input", "", Err("no matchers")),
    ("open and closing braces", "{}", Err("no matchers")),
    ("two or more returns error", "foo=bar,bar=baz", Err("expected 1 matcher, found 2")),
    ("invalid unicode", r#"foo="\xf0\x9f""#, Err(r#"4:14: "\xf0\x9f": invalid input"#)),
];

#[test]
fn upstream_matchers_table() {
    for (name, input, want) in MATCHERS {
        check(name, input, parse_matchers_utf8(input).map(|m| m.into_vec()), want);
    }
}

#[test]
fn upstream_matcher_table() {
    for (name, input, want) in MATCHER {
        check(name, input, parse_matcher_utf8(input).map(|m| vec![m]), want);
    }
}

#[test]
fn more_inputs() {
    for (input, many, one, _, _) in MORE {
        check("multi", input, parse_matchers_utf8(input).map(|m| m.into_vec()), many);
        check("single", input, parse_matcher_utf8(input).map(|m| vec![m]), one);
    }
}

#[test]
fn regex_errors_are_wrapped() {
    // (input, error): Go's regexp texts quote the pattern as anchored by textual wrapping.
    let cases = [
        ("foo=~(", "failed to create matcher: error parsing regexp: missing closing ): `^(?:()$`"),
        (
            r#"foo!~"a++""#,
            "failed to create matcher: error parsing regexp: invalid nested repetition operator: `++`",
        ),
        (
            r#"foo=~"\\u00e9""#,
            r"failed to create matcher: error parsing regexp: invalid escape sequence: `\u`",
        ),
    ];
    for (input, want) in cases {
        let err = parse_matchers_utf8(input).expect_err(input);
        assert!(matches!(err, Utf8ParseError::Regex(_)), "{input}: {err:?}");
        assert_eq!(err.to_string(), want, "{input}");
    }
    // A `{` that cannot start a repetition is a literal, as in Go.
    assert_eq!(parse_matcher_utf8(r#"foo=~"a{""#).unwrap().value(), "a{");
}

#[test]
fn names_and_values_may_be_any_utf8() {
    let ms =
        parse_matchers_utf8(r#"{"foo bar"="baz\"qux", Σ=~"🙂.*", "0"!="\u00e9\x41"}"#).unwrap();
    let got: Vec<_> = ms.iter().map(|m| (m.op(), m.name(), m.value())).collect();
    assert_eq!(got, [(EQ, "foo bar", "baz\"qux"), (RE, "Σ", "🙂.*"), (NE, "0", "éA")]);
}
