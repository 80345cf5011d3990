//! The classic matcher parser (`pkg/labels` upstream): results and exact error texts, and
//! where it and the UTF-8 parser agree.
//!
//! `MATCHERS` is upstream's `pkg/labels/parse_test.go` table; `COMPLIANCE` is upstream's
//! `matcher/compliance` table, which runs the same inputs through both parsers (`differs`
//! marks the inputs upstream skips because the UTF-8 parser reads them differently), with each
//! parser's result as upstream gives it.

mod matcher_common;

use matcher_common::*;
use model::matcher::{
    ClassicParseError, parse_matcher_classic, parse_matchers_classic, parse_matchers_utf8,
};

/// upstream `pkg/labels` `TestMatchers`: (input, result)
const MATCHERS: &[(&str, Want)] = &[
    ("{}", Ok(&[])),
    (",", Err("bad matcher format: ")),
    ("{,}", Err("bad matcher format: ")),
    ("{foo='}", Ok(&[(EQ, "foo", "'")])),
    ("{foo=`}", Ok(&[(EQ, "foo", "`")])),
    (r#"{foo=\"}"#, Ok(&[(EQ, "foo", r#"""#)])),
    ("{foo=bar}", Ok(&[(EQ, "foo", "bar")])),
    (r#"{foo="bar"}"#, Ok(&[(EQ, "foo", "bar")])),
    ("{foo=~bar.*}", Ok(&[(RE, "foo", "bar.*")])),
    (r#"{foo=~"bar.*"}"#, Ok(&[(RE, "foo", "bar.*")])),
    ("{foo!=bar}", Ok(&[(NE, "foo", "bar")])),
    (r#"{foo!="bar"}"#, Ok(&[(NE, "foo", "bar")])),
    ("{foo!~bar.*}", Ok(&[(NRE, "foo", "bar.*")])),
    (r#"{foo!~"bar.*"}"#, Ok(&[(NRE, "foo", "bar.*")])),
    (r#"{foo="bar", baz!="quux"}"#, Ok(&[(EQ, "foo", "bar"), (NE, "baz", "quux")])),
    (r#"{foo="bar", baz!~"quux.*"}"#, Ok(&[(EQ, "foo", "bar"), (NRE, "baz", "quux.*")])),
    (
        r#"{foo="bar",baz!~".*quux", derp="wat"}"#,
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", ".*quux"), (EQ, "derp", "wat")]),
    ),
    (
        r#"{foo="bar", baz!="quux", derp="wat"}"#,
        Ok(&[(EQ, "foo", "bar"), (NE, "baz", "quux"), (EQ, "derp", "wat")]),
    ),
    (
        r#"{foo="bar", baz!~".*quux.*", derp="wat"}"#,
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", ".*quux.*"), (EQ, "derp", "wat")]),
    ),
    (
        r#"{foo="bar", instance=~"some-api.*"}"#,
        Ok(&[(EQ, "foo", "bar"), (RE, "instance", "some-api.*")]),
    ),
    (r#"{foo=""}"#, Ok(&[(EQ, "foo", "")])),
    (r#"{foo="bar,quux", job="job1"}"#, Ok(&[(EQ, "foo", "bar,quux"), (EQ, "job", "job1")])),
    (r#"{foo = "bar", dings != "bums", }"#, Ok(&[(EQ, "foo", "bar"), (NE, "dings", "bums")])),
    ("foo=bar,dings!=bums", Ok(&[(EQ, "foo", "bar"), (NE, "dings", "bums")])),
    (
        r#"{quote="She said: \"Hi, ladies! That's gender-neutral…\""}"#,
        Ok(&[(EQ, "quote", r#"She said: "Hi, ladies! That's gender-neutral…""#)]),
    ),
    (r#"statuscode=~"5..""#, Ok(&[(RE, "statuscode", "5..")])),
    ("tricky=~~~", Ok(&[(RE, "tricky", "~~")])),
    (r#"trickier==\\=\=\""#, Ok(&[(EQ, "trickier", r#"=\=\=""#)])),
    (
        r#"contains_quote != "\"" , contains_comma !~ "foo,bar" , "#,
        Ok(&[(NE, "contains_quote", r#"""#), (NRE, "contains_comma", "foo,bar")]),
    ),
    ("{foo=bar}}", Ok(&[(EQ, "foo", "bar}")])),
    ("{foo=bar}},}", Ok(&[(EQ, "foo", "bar}}")])),
    ("{foo=,bar=}}", Ok(&[(EQ, "foo", ""), (EQ, "bar", "}")])),
    (r#"{foo=bar\t}"#, Ok(&[(EQ, "foo", r#"bar\t"#)])),
    (r#"{foo=bar\n}"#, Ok(&[(EQ, "foo", "bar\n")])),
    (r#"{foo=bar\}"#, Ok(&[(EQ, "foo", r#"bar\"#)])),
    (r#"{foo=bar\\}"#, Ok(&[(EQ, "foo", r#"bar\"#)])),
    (r#"{foo=bar\"}"#, Ok(&[(EQ, "foo", r#"bar""#)])),
    ("job=", Ok(&[(EQ, "job", "")])),
    (r#"job="value"#, Err(r#"matcher value contains unescaped double quote: "value"#)),
    (r#"job=value""#, Err(r#"matcher value contains unescaped double quote: value""#)),
    (r#"trickier==\\=\=\"""#, Err(r#"matcher value contains unescaped double quote: =\\=\=\"""#)),
    (
        r#"contains_unescaped_quote = foo"bar"#,
        Err(r#"matcher value contains unescaped double quote: foo"bar"#),
    ),
    (
        r#"{invalid-name = "valid label"}"#,
        Err(r#"bad matcher format: invalid-name = "valid label""#),
    ),
    (r#"{foo=~"invalid[regexp"}"#, Err("error parsing regexp: missing closing ]: `[regexp)$`")),
    (r#""{foo=\"bar"}"#, Err(r#"bad matcher format: "{foo=\"bar""#)),
    (r#""foo=\"bar""#, Err(r#"bad matcher format: "foo=\"bar""#)),
    (r#""foo=\"bar\"""#, Err(r#"bad matcher format: "foo=\"bar\"""#)),
    (r#""foo=\"bar\""#, Err(r#"bad matcher format: "foo=\"bar\""#)),
    (r#""{foo=\"bar\"}""#, Err(r#"bad matcher format: "{foo=\"bar\"}""#)),
    (r#""foo="bar"""#, Err(r#"bad matcher format: "foo="bar"""#)),
    ("{{foo=", Err("bad matcher format: {foo=")),
    ("{foo=", Ok(&[(EQ, "foo", "")])),
    ("{foo=}b", Ok(&[(EQ, "foo", "}b")])),
];

/// upstream `TestCompliance`: (input, differs, classic result, UTF-8 result)
const COMPLIANCE: &[(&str, bool, Want, Want)] = &[
    ("{}", false, Ok(&[]), Ok(&[])),
    ("{foo='}", true, Ok(&[(EQ, "foo", "'")]), Err("5:6: ': invalid input: expected label value")),
    ("{foo=`}", true, Ok(&[(EQ, "foo", "`")]), Err("5:6: `: invalid input: expected label value")),
    (
        r#"{foo=\n}"#,
        true,
        Ok(&[(EQ, "foo", "\n")]),
        Err(r#"5:6: \: invalid input: expected label value"#),
    ),
    (
        r#"{foo=bar\n}"#,
        true,
        Ok(&[(EQ, "foo", "bar\n")]),
        Err(r#"8:9: \: invalid input: expected a comma or close brace"#),
    ),
    (
        r#"{foo=\t}"#,
        true,
        Ok(&[(EQ, "foo", r#"\t"#)]),
        Err(r#"5:6: \: invalid input: expected label value"#),
    ),
    (
        r#"{foo=bar\t}"#,
        true,
        Ok(&[(EQ, "foo", r#"bar\t"#)]),
        Err(r#"8:9: \: invalid input: expected a comma or close brace"#),
    ),
    (
        r#"{foo=bar\}"#,
        true,
        Ok(&[(EQ, "foo", r#"bar\"#)]),
        Err(r#"8:9: \: invalid input: expected a comma or close brace"#),
    ),
    (
        r#"{foo=bar\\}"#,
        true,
        Ok(&[(EQ, "foo", r#"bar\"#)]),
        Err(r#"8:9: \: invalid input: expected a comma or close brace"#),
    ),
    (
        r#"{foo=\"}"#,
        true,
        Ok(&[(EQ, "foo", r#"""#)]),
        Err(r#"5:6: \: invalid input: expected label value"#),
    ),
    (
        r#"{foo=bar\"}"#,
        true,
        Ok(&[(EQ, "foo", r#"bar""#)]),
        Err(r#"8:9: \: invalid input: expected a comma or close brace"#),
    ),
    ("{foo=bar}", false, Ok(&[(EQ, "foo", "bar")]), Ok(&[(EQ, "foo", "bar")])),
    (r#"{foo="bar"}"#, false, Ok(&[(EQ, "foo", "bar")]), Ok(&[(EQ, "foo", "bar")])),
    ("{foo=~bar.*}", false, Ok(&[(RE, "foo", "bar.*")]), Ok(&[(RE, "foo", "bar.*")])),
    (r#"{foo=~"bar.*"}"#, false, Ok(&[(RE, "foo", "bar.*")]), Ok(&[(RE, "foo", "bar.*")])),
    ("{foo!=bar}", false, Ok(&[(NE, "foo", "bar")]), Ok(&[(NE, "foo", "bar")])),
    (r#"{foo!="bar"}"#, false, Ok(&[(NE, "foo", "bar")]), Ok(&[(NE, "foo", "bar")])),
    ("{foo!~bar.*}", false, Ok(&[(NRE, "foo", "bar.*")]), Ok(&[(NRE, "foo", "bar.*")])),
    (r#"{foo!~"bar.*"}"#, false, Ok(&[(NRE, "foo", "bar.*")]), Ok(&[(NRE, "foo", "bar.*")])),
    (
        r#"{foo="bar", baz!="quux"}"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (NE, "baz", "quux")]),
        Ok(&[(EQ, "foo", "bar"), (NE, "baz", "quux")]),
    ),
    (
        r#"{foo="bar", baz!~"quux.*"}"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", "quux.*")]),
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", "quux.*")]),
    ),
    (
        r#"{foo="bar",baz!~".*quux", derp="wat"}"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", ".*quux"), (EQ, "derp", "wat")]),
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", ".*quux"), (EQ, "derp", "wat")]),
    ),
    (
        r#"{foo="bar", baz!="quux", derp="wat"}"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (NE, "baz", "quux"), (EQ, "derp", "wat")]),
        Ok(&[(EQ, "foo", "bar"), (NE, "baz", "quux"), (EQ, "derp", "wat")]),
    ),
    (
        r#"{foo="bar", baz!~".*quux.*", derp="wat"}"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", ".*quux.*"), (EQ, "derp", "wat")]),
        Ok(&[(EQ, "foo", "bar"), (NRE, "baz", ".*quux.*"), (EQ, "derp", "wat")]),
    ),
    (
        r#"{foo="bar", instance=~"some-api.*"}"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (RE, "instance", "some-api.*")]),
        Ok(&[(EQ, "foo", "bar"), (RE, "instance", "some-api.*")]),
    ),
    (r#"{foo=""}"#, false, Ok(&[(EQ, "foo", "")]), Ok(&[(EQ, "foo", "")])),
    (
        r#"{foo="bar,quux", job="job1"}"#,
        false,
        Ok(&[(EQ, "foo", "bar,quux"), (EQ, "job", "job1")]),
        Ok(&[(EQ, "foo", "bar,quux"), (EQ, "job", "job1")]),
    ),
    (
        r#"{foo = "bar", dings != "bums", }"#,
        false,
        Ok(&[(EQ, "foo", "bar"), (NE, "dings", "bums")]),
        Ok(&[(EQ, "foo", "bar"), (NE, "dings", "bums")]),
    ),
    (
        "foo=bar,dings!=bums",
        false,
        Ok(&[(EQ, "foo", "bar"), (NE, "dings", "bums")]),
        Ok(&[(EQ, "foo", "bar"), (NE, "dings", "bums")]),
    ),
    (
        r#"{quote="She said: \"Hi, ladies! That's gender-neutral…\""}"#,
        false,
        Ok(&[(EQ, "quote", r#"She said: "Hi, ladies! That's gender-neutral…""#)]),
        Ok(&[(EQ, "quote", r#"She said: "Hi, ladies! That's gender-neutral…""#)]),
    ),
    (
        r#"statuscode=~"5..""#,
        false,
        Ok(&[(RE, "statuscode", "5..")]),
        Ok(&[(RE, "statuscode", "5..")]),
    ),
    (
        "tricky=~~~",
        true,
        Ok(&[(RE, "tricky", "~~")]),
        Err("8:9: ~: invalid input: expected label value"),
    ),
    (
        r#"trickier==\\=\=\""#,
        true,
        Ok(&[(EQ, "trickier", r#"=\=\=""#)]),
        Err("9:10: unexpected =: expected label value"),
    ),
    (
        r#"contains_quote != "\"" , contains_comma !~ "foo,bar" , "#,
        false,
        Ok(&[(NE, "contains_quote", r#"""#), (NRE, "contains_comma", "foo,bar")]),
        Ok(&[(NE, "contains_quote", r#"""#), (NRE, "contains_comma", "foo,bar")]),
    ),
    ("{foo=bar}}", true, Ok(&[(EQ, "foo", "bar}")]), Err("9:10: }: expected end of input")),
    ("{foo=bar}},}", true, Ok(&[(EQ, "foo", "bar}}")]), Err("9:10: }: expected end of input")),
    (
        "{foo=,bar=}}",
        true,
        Ok(&[(EQ, "foo", ""), (EQ, "bar", "}")]),
        Err("5:6: unexpected ,: expected label value"),
    ),
    ("job=", true, Ok(&[(EQ, "job", "")]), Err("end of input: expected label value")),
    (
        r#"{name-with-dashes = "bar"}"#,
        false,
        Err(r#"bad matcher format: name-with-dashes = "bar""#),
        Ok(&[(EQ, "name-with-dashes", "bar")]),
    ),
    ("{,}", false, Err("bad matcher format: "), Err("1:2: unexpected ,: expected label name")),
    (
        r#"job="value"#,
        false,
        Err(r#"matcher value contains unescaped double quote: "value"#),
        Err(r#"4:10: "value: missing end ": expected label value"#),
    ),
    (
        r#"job=value""#,
        false,
        Err(r#"matcher value contains unescaped double quote: value""#),
        Err(r#"9:10: ": missing end ": expected a comma or close brace"#),
    ),
    (
        r#"trickier==\\=\=\"""#,
        false,
        Err(r#"matcher value contains unescaped double quote: =\\=\=\"""#),
        Err("9:10: unexpected =: expected label value"),
    ),
    (
        r#"contains_unescaped_quote = foo"bar"#,
        false,
        Err(r#"matcher value contains unescaped double quote: foo"bar"#),
        Err(r#"30:34: "bar: missing end ": expected a comma or close brace"#),
    ),
    (
        r#"{foo=~"invalid[regexp"}"#,
        false,
        Err("error parsing regexp: missing closing ]: `[regexp)$`"),
        Err("failed to create matcher: error parsing regexp: missing closing ]: `[regexp)$`"),
    ),
    (
        r#""{foo=\"bar"}"#,
        false,
        Err(r#"bad matcher format: "{foo=\"bar""#),
        Err("12:13: unexpected }: expected an operator such as '=', '!=', '=~' or '!~'"),
    ),
    (
        r#""foo=\"bar""#,
        false,
        Err(r#"bad matcher format: "foo=\"bar""#),
        Err("end of input: expected an operator such as '=', '!=', '=~' or '!~'"),
    ),
    (
        r#""foo=\"bar\"""#,
        false,
        Err(r#"bad matcher format: "foo=\"bar\"""#),
        Err("end of input: expected an operator such as '=', '!=', '=~' or '!~'"),
    ),
    (
        r#""foo=\"bar\""#,
        false,
        Err(r#"bad matcher format: "foo=\"bar\""#),
        Err(r#"0:12: "foo=\"bar\": missing end ""#),
    ),
    (
        r#""{foo=\"bar\"}""#,
        false,
        Err(r#"bad matcher format: "{foo=\"bar\"}""#),
        Err("end of input: expected an operator such as '=', '!=', '=~' or '!~'"),
    ),
    (
        r#""foo="bar"""#,
        false,
        Err(r#"bad matcher format: "foo="bar"""#),
        Err("6:9: unexpected bar: expected an operator such as '=', '!=', '=~' or '!~'"),
    ),
    (
        "{{foo=",
        false,
        Err("bad matcher format: {foo="),
        Err("1:2: unexpected {: expected label name"),
    ),
    ("{foo=", true, Ok(&[(EQ, "foo", "")]), Err("end of input: expected label value")),
    ("{foo=}b", true, Ok(&[(EQ, "foo", "}b")]), Err("5:6: unexpected }: expected label value")),
];

#[test]
fn upstream_matchers_table() {
    for (input, want) in MATCHERS {
        check("classic", input, parse_matchers_classic(input).map(|m| m.into_vec()), want);
    }
}

#[test]
fn more_inputs() {
    for (input, _, _, many, one) in MORE {
        check("multi", input, parse_matchers_classic(input).map(|m| m.into_vec()), many);
        check("single", input, parse_matcher_classic(input).map(|m| vec![m]), one);
    }
}

#[test]
fn compliance_table() {
    for (input, differs, classic, utf8) in COMPLIANCE {
        check("classic", input, parse_matchers_classic(input).map(|m| m.into_vec()), classic);
        check("utf8", input, parse_matchers_utf8(input).map(|m| m.into_vec()), utf8);
        if !differs {
            // Where upstream expects agreement, both succeed alike or both fail.
            let a = parse_matchers_classic(input).ok();
            let b = parse_matchers_utf8(input).ok();
            assert!(a.is_none() || b.is_none() || a == b, "{input:?}: {a:?} vs {b:?}");
        }
    }
}

#[test]
fn error_kinds() {
    let bad = parse_matchers_classic("foo-bar=baz").unwrap_err();
    assert_eq!(bad, ClassicParseError::BadFormat("foo-bar=baz".into()));
    let quote = parse_matcher_classic(r#"a="b"c""#).unwrap_err();
    assert_eq!(quote, ClassicParseError::UnescapedQuote(r#""b"c""#.into()));
    assert!(matches!(parse_matcher_classic("a=~("), Err(ClassicParseError::Regex(_))));
}

#[test]
fn white_space_is_ascii_around_parts_and_unicode_at_the_end() {
    // RE2's `\s` around name, operator and value is ASCII only; the last piece of a list is
    // also trimmed of Unicode white space first.
    assert!(parse_matcher_classic("\u{a0}foo=bar").is_err());
    let one = parse_matcher_classic("foo=bar\u{a0}").unwrap();
    assert_eq!(one.value(), "bar\u{a0}");
    let many = parse_matchers_classic("foo=bar\u{a0}").unwrap();
    assert_eq!(many[0].value(), "bar");
    let many = parse_matchers_classic("foo=bar\u{a0},x=y").unwrap();
    assert_eq!(many[0].value(), "bar\u{a0}");
    // A vertical tab is not RE2 white space, so it stays in the value.
    assert_eq!(parse_matcher_classic("foo=bar\x0b").unwrap().value(), "bar\x0b");
}
