//! What a matcher matches, how it prints in each dialect, and how a list sorts and prints.
//!
//! `AM_STRING` and `AM_MATCHES` are upstream Alertmanager's `pkg/labels/matcher_test.go` tables
//! (`TestMatcherString`, `TestMatcher`); `PROM_MATCHES` is Prometheus'
//! `model/labels/matcher_test.go` `TestMatcher`; `PROM_STRING` holds what Prometheus'
//! `Matcher.String()` prints (checked against Go).

mod matcher_common;

use matcher_common::*;
use model::labels::Labels;
use model::matcher::{Dialect, MatchOp, Matcher, Matchers};

/// upstream `TestMatcherString`: (name, op, value, printed)
const AM_STRING: &[(&str, MatchOp, &str, &str)] = &[
    ("foo", EQ, "bar", r#"foo="bar""#),
    ("foo", NE, "bar", r#"foo!="bar""#),
    ("foo", RE, "bar", r#"foo=~"bar""#),
    ("foo", NRE, "bar", r#"foo!~"bar""#),
    ("foo", EQ, r"back\slash", r#"foo="back\\slash""#),
    ("foo", EQ, r#"double"quote"#, r#"foo="double\"quote""#),
    ("foo", EQ, "new\nline", r#"foo="new\nline""#),
    ("foo", EQ, "tab\tstop", "foo=\"tab\tstop\""),
    ("foo", EQ, "🙂", r#"foo="🙂""#),
    ("foo!", NE, "bar", r#""foo!"!="bar""#),
    ("foo🙂", EQ, "bar", r#"foo🙂="bar""#),
    ("foo bar", EQ, "baz", r#""foo bar"="baz""#),
];

/// More of Alertmanager's printed forms (checked against Go): a reserved character in the
/// name switches both parts to Go quoting, which escapes more than OpenMetrics escaping does.
const AM_STRING_MORE: &[(&str, MatchOp, &str, &str)] = &[
    ("foo bar", EQ, "tab\tnl\n\u{a0}", r#""foo bar"="tab\tnl\n\u00a0""#),
    ("foo", EQ, "tab\t\u{a0}\u{0}", "foo=\"tab\t\u{a0}\u{0}\""),
    ("a,b", RE, r"\d+", r#""a,b"=~"\\d+""#),
    ("a\u{2028}b", EQ, "", r#""a\u2028b"="""#),
    ("foo-bar:baz.qux", EQ, "x", r#"foo-bar:baz.qux="x""#),
    ("", EQ, "x", r#"="x""#),
];

/// upstream Alertmanager `TestMatcher`: (op, value, label value, matches)
const AM_MATCHES: &[(MatchOp, &str, &str, bool)] = &[
    (EQ, "bar", "bar", true),
    (EQ, "bar", "foo-bar", false),
    (NE, "bar", "bar", false),
    (NE, "bar", "foo-bar", true),
    (RE, "bar", "bar", true),
    (RE, "bar", "foo-bar", false),
    (RE, ".*bar", "foo-bar", true),
    (NRE, "bar", "bar", false),
    (NRE, "bar", "foo-bar", true),
    (NRE, ".*bar", "foo-bar", false),
    (RE, "foo.bar", "foo-bar", true),
    (RE, r"foo\.bar", "foo-bar", false),
    (RE, r"foo\.bar", "foo.bar", true),
    (EQ, "foo\nbar", "foo\nbar", true),
    (RE, "foo.bar", "foo\nbar", false),
    (RE, "(?s)foo.bar", "foo\nbar", true),
    (EQ, "~!=\"", "~!=\"", true),
];

/// Prometheus `TestMatcher`: (op, value, label value, matches)
const PROM_MATCHES: &[(MatchOp, &str, &str, bool)] = &[
    (EQ, "bar", "bar", true),
    (EQ, "bar", "foo-bar", false),
    (NE, "bar", "bar", false),
    (NE, "bar", "foo-bar", true),
    (RE, "bar", "bar", true),
    (RE, "bar", "foo-bar", false),
    (RE, ".*bar", "foo-bar", true),
    (NRE, "bar", "bar", false),
    (NRE, "bar", "foo-bar", true),
    (NRE, ".*bar", "foo-bar", false),
    (RE, "$*bar", "foo-bar", false),
    (RE, "bar^+", "foo-bar", false),
    (RE, "$+bar", "foo-bar", false),
    // Anchored `^(?s:…)$`: `.` matches a newline, unlike in Alertmanager.
    (RE, "foo.bar", "foo\nbar", true),
];

/// Prometheus' `Matcher.String()`: (name, op, value, printed)
const PROM_STRING: &[(&str, MatchOp, &str, &str)] = &[
    ("foo", EQ, "bar", r#"foo="bar""#),
    ("foo", NRE, "a.*", r#"foo!~"a.*""#),
    ("foo:bar", EQ, "x", r#""foo:bar"="x""#),
    ("0a", EQ, "x", r#""0a"="x""#),
    ("a0", RE, "x", r#"a0=~"x""#),
    ("", EQ, "x", r#"""="x""#),
    ("foo bar", NE, "baz", r#""foo bar"!="baz""#),
    ("Σ", EQ, "🙂", r#""Σ"="🙂""#),
    ("foo", EQ, "tab\tnew\nline\"q\"\\", r#"foo="tab\tnew\nline\"q\"\\""#),
    ("foo", EQ, "\u{a0}\u{2028}\u{0}\u{7f}", r#"foo="\u00a0\u2028\x00\x7f""#),
    ("__name__", EQ, "up", r#"__name__="up""#),
    ("foo-bar", EQ, "é", r#""foo-bar"="é""#),
];

fn am(op: MatchOp, name: &str, value: &str) -> Matcher {
    Matcher::alertmanager(op, name, value).expect("valid matcher")
}

#[test]
fn alertmanager_string() {
    for &(name, op, value, want) in AM_STRING.iter().chain(AM_STRING_MORE) {
        let m = am(op, name, value);
        assert_eq!(m.to_string(), want, "{name:?} {op} {value:?}");
        assert_eq!(m.display_as(Dialect::Alertmanager).to_string(), want);
    }
}

#[test]
fn prometheus_string() {
    for &(name, op, value, want) in PROM_STRING {
        let m = Matcher::prometheus(op, name, value).unwrap();
        assert_eq!(m.to_string(), want, "{name:?} {op} {value:?}");
        assert_eq!(am(op, name, value).display_as(Dialect::Prometheus).to_string(), want);
    }
}

#[test]
fn alertmanager_matches() {
    for &(op, value, input, want) in AM_MATCHES {
        assert_eq!(am(op, "", value).matches(input), want, "{op} {value:?} on {input:?}");
    }
}

#[test]
fn prometheus_matches() {
    for &(op, value, input, want) in PROM_MATCHES {
        let m = Matcher::prometheus(op, "", value).unwrap();
        assert_eq!(m.matches(input), want, "{op} {value:?} on {input:?}");
    }
}

#[test]
fn operators() {
    // (op, text, isRegex, isEqual) as the v1/v2 API flags spell them.
    for (op, text, is_regex, is_equal) in [
        (EQ, "=", false, true),
        (NE, "!=", false, false),
        (RE, "=~", true, true),
        (NRE, "!~", true, false),
    ] {
        assert_eq!(op.to_string(), text);
        assert_eq!((op.is_regex(), op.is_equal()), (is_regex, is_equal));
        assert_eq!(MatchOp::from_flags(is_regex, is_equal), op);
        assert_eq!(op.inverse().inverse(), op);
        assert_ne!(op.inverse(), op);
    }
    let m = am(RE, "a", "b.*");
    let inv = m.inverse();
    assert_eq!((inv.op(), inv.name(), inv.value()), (NRE, "a", "b.*"));
    assert!(inv.matches("c") && !inv.matches("bc"));
}

#[test]
fn matches_empty_is_upstreams_silence_rule() {
    // (op, value, matches_empty)
    let cases = [
        (EQ, "", true),
        (EQ, "x", false),
        (RE, "", true),
        (RE, ".*", true),
        (RE, "a|", true),
        (RE, ".+", false),
        (NE, "", false),
        (NE, "x", false),
        (NRE, "x", false),
        (NRE, ".+", false),
    ];
    for (op, value, want) in cases {
        assert_eq!(am(op, "a", value).matches_empty(), want, "{op} {value:?}");
    }
    let all_empty: Matchers = [am(EQ, "a", ""), am(RE, "b", ".*")].into_iter().collect();
    assert!(all_empty.all_match_empty());
    let one_not: Matchers = [am(EQ, "a", ""), am(NE, "b", "")].into_iter().collect();
    assert!(!one_not.all_match_empty());
}

#[test]
fn route_key_form_and_sort_order() {
    assert_eq!(Matchers::new().to_string(), "{}");
    // Upstream sorts a route's matchers by name, then value, then operator.
    let ms: Matchers = [
        am(EQ, "b", "1"),
        am(NE, "a", "2"),
        am(EQ, "a", "2"),
        am(RE, "a", "1"),
        am(EQ, "severity", "critical"),
    ]
    .into_iter()
    .collect();
    assert_eq!(ms.sorted().to_string(), r#"{a=~"1",a="2",a!="2",b="1",severity="critical"}"#);
    let utf8: Matchers = [am(EQ, "foo bar", "x\ty"), am(EQ, "foo", "x\"y")].into_iter().collect();
    assert_eq!(utf8.sorted().to_string(), r#"{foo="x\"y","foo bar"="x\ty"}"#);
}

#[test]
fn list_matches_label_sets() {
    let ms: Matchers = [am(EQ, "job", "api"), am(NE, "env", "dev"), am(RE, "instance", ".*:9090")]
        .into_iter()
        .collect();
    let set = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    };
    assert!(ms.matches(set(&[("job", "api"), ("instance", "h:9090")])));
    assert!(!ms.matches(set(&[("job", "api"), ("env", "dev"), ("instance", "h:9090")])));
    assert!(!ms.matches(set(&[("job", "api")])));
    assert!(Matchers::new().matches(set(&[])));
    // A missing label compares as "".
    let empty: Matchers = [am(EQ, "missing", "")].into_iter().collect();
    assert!(empty.matches(set(&[])));

    let labels = Labels::from_pairs([("job", "api"), ("instance", "h:9090"), ("env", "prod")]);
    assert!(ms.matches_labels(&labels));
    assert!(empty.matches_labels(&labels));
    assert!(!ms.matches_labels(&Labels::from_pairs([("job", "api")])));
}

#[test]
fn equality_and_cheap_clones() {
    let a = am(RE, "a", "b+");
    let b = a.clone();
    assert_eq!(a, b);
    assert_eq!(a, am(RE, "a", "b+"));
    assert_ne!(a, am(NRE, "a", "b+"));
    // Same text, different dialect: not the same matcher (`.` and newlines differ).
    let p = Matcher::prometheus(RE, "a", "b+").unwrap();
    assert_ne!(a, p);
    assert_eq!(p.dialect(), Dialect::Prometheus);
    assert!(a.regex().is_some() && am(EQ, "a", "b").regex().is_none());
    assert_eq!(a.regex().map(|r| r.as_str()), Some("b+"));
}

#[test]
fn invalid_regex_is_an_error() {
    assert!(Matcher::alertmanager(RE, "a", "(").is_err());
    assert!(Matcher::prometheus(NRE, "a", "[").is_err());
    // Equality operators take any value.
    assert!(Matcher::alertmanager(EQ, "a", "(").is_ok());
}
