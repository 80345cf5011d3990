//! Printing as Prometheus reprints expressions (upstream `printer.go`), `Prettify`
//! (`prettier.go`), and the round trip parse(print(e)) == e.

use promql::Expr;
use promql::parse::pretty;
use promql::{ParseOptions, parse, parse_with};

/// `e` with every selector's matchers in printing order and `has_grouping` as printing
/// implies: printing sorts matchers and leaves out `by ()` (as upstream does), so a reprinted
/// expression equals the original up to those.
fn canon(e: &Expr) -> Expr {
    let mut e = e.clone();
    canon_in_place(&mut e);
    e
}

fn canon_in_place(e: &mut Expr) {
    match e {
        Expr::VectorSelector(vs) => vs.matchers.sort_by_key(|m| m.to_string()),
        Expr::MatrixSelector(ms) => ms.selector.matchers.sort_by_key(|m| m.to_string()),
        Expr::Subquery(sq) => canon_in_place(&mut sq.expr),
        // Upstream prints +Inf as `+Inf`, which reads back as a unary plus on `Inf` (so
        // `Inf ^ 2` reprints as `+Inf ^ 2`, which is `+(Inf ^ 2)`): the same value; a unary
        // plus is left out of the comparison.
        Expr::Unary(promql::ast::UnaryOp::Pos, x) => {
            canon_in_place(x);
            *e = (**x).clone();
        }
        Expr::Paren(x) | Expr::Unary(_, x) => canon_in_place(x),
        Expr::Binary(b) => {
            canon_in_place(&mut b.lhs);
            canon_in_place(&mut b.rhs);
        }
        Expr::Aggregate(a) => {
            // `by ()` prints as nothing (as upstream), so whether it was written is lost.
            a.has_grouping = a.grouping.without || !a.grouping.labels.is_empty();
            canon_in_place(&mut a.expr);
            if let Some(p) = &mut a.param {
                canon_in_place(p);
            }
        }
        Expr::Call(c) => c.args.iter_mut().for_each(canon_in_place),
        Expr::Number(_) | Expr::String(_) => {}
    }
}

fn printed(input: &str) -> String {
    parse(input).unwrap_or_else(|e| panic!("{input}: {e}")).to_string()
}

#[test]
fn prints_as_prometheus() {
    let cases: &[(&str, &str)] = &[
        ("foo", "foo"),
        // Matchers sorted by their printed form; the name outside the braces.
        (r#"foo{b="2", a="1"}"#, r#"foo{a="1",b="2"}"#),
        (r#"foo{a!~"x|y",a=~"z"}"#, r#"foo{a!~"x|y",a=~"z"}"#),
        (r#"{__name__="foo"}"#, r#"{__name__="foo"}"#),
        (r#"{"my.metric"}"#, r#"{__name__="my.metric"}"#),
        (r#"{"a.b"="c", job="x"}"#, r#"{"a.b"="c",job="x"}"#),
        (r#"foo{a="line\nbreak \"q\""}"#, r#"foo{a="line\nbreak \"q\""}"#),
        // Durations normalised.
        ("foo[300s]", "foo[5m]"),
        ("foo[90m]", "foo[1h30m]"),
        ("foo[10]", "foo[10s]"),
        ("foo[1500ms]", "foo[1s500ms]"),
        ("foo[14d]", "foo[2w]"),
        ("foo offset 90m", "foo offset 1h30m"),
        ("foo offset -5m", "foo offset -5m"),
        ("foo @ 1609746000", "foo @ 1609746000.000"),
        ("foo @ -1.5", "foo @ -1.500"),
        ("foo @ start()", "foo @ start()"),
        ("foo[5m] offset 1h @ 100", "foo[5m] @ 100.000 offset 1h"),
        ("rate(foo[5m:])", "rate(foo[5m:])"),
        ("foo[1h:30s] offset 1m @ end()", "foo[1h:30s] @ end() offset 1m"),
        // Numbers as Go's FormatFloat(f, 'f', -1, 64).
        ("1e6", "1000000"),
        ("0x10", "16"),
        (".5", "0.5"),
        ("1e-7", "0.0000001"),
        ("Inf", "+Inf"),
        ("-Inf", "-Inf"),
        ("NaN", "NaN"),
        ("1_000", "1000"),
        // Strings Go-quoted with double quotes.
        (r#"'a"b'"#, r#""a\"b""#),
        ("`raw\\d`", r#""raw\\d""#),
        // Aggregations.
        ("sum by(a,b)(foo)", "sum by (a, b) (foo)"),
        ("sum(foo) without(a)", "sum without (a) (foo)"),
        ("sum without() (foo)", "sum without () (foo)"),
        ("sum by () (foo)", "sum(foo)"),
        ("topk(5,foo)", "topk(5, foo)"),
        (r#"count_values("v",foo)"#, r#"count_values("v", foo)"#),
        (r#"sum by ("a.b", c) (foo)"#, r#"sum by ("a.b", c) (foo)"#),
        // Binary operators and their modifiers.
        ("a+b", "a + b"),
        ("a == bool on(x,y) b", "a == bool on (x, y) b"),
        ("a * ignoring(x) group_left(y) b", "a * ignoring (x) group_left (y) b"),
        ("a * on() group_right b", "a * on () group_right () b"),
        ("a / ignoring() b", "a / b"),
        ("a and on(job) b", "a and on (job) b"),
        ("a unless b", "a unless b"),
        ("1 > bool 2", "1 > bool 2"),
        ("foo atan2 bar", "foo atan2 bar"),
        ("2 ^ 3 ^ 2", "2 ^ 3 ^ 2"),
        // Unary minus and parentheses kept.
        ("-foo", "-foo"),
        ("-(1)", "-(1)"),
        ("(a + b) * c", "(a + b) * c"),
        ("((foo))", "((foo))"),
        (
            r#"label_replace(up, "a", "$1", "b", "(.*)")"#,
            r#"label_replace(up, "a", "$1", "b", "(.*)")"#,
        ),
        ("time()", "time()"),
    ];
    let mut failures = Vec::new();
    for (input, want) in cases {
        let got = printed(input);
        if got != *want {
            failures.push(format!("{input}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn short_expressions_are_not_split() {
    assert_eq!(pretty(&parse("sum by (a) (rate(foo[5m]))").unwrap()), "sum by (a) (rate(foo[5m]))");
}

#[test]
fn long_aggregation_is_split() {
    let e = parse(
        r#"sum by (job) (rate(http_requests_total{job="apiserver",code=~"5..",handler="/api/v1/query_range"}[5m]))"#,
    )
    .unwrap();
    assert_eq!(
        pretty(&e),
        "sum by (job) (\n  rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\",job=\"apiserver\"}[5m])\n)"
    );
    assert_eq!(e.pretty(), pretty(&e));
}

#[test]
fn long_binary_is_split_around_the_operator() {
    let e = parse(
        "sum(rate(a_very_long_metric_name_number_one_total[5m])) / on (job) group_left () sum(rate(a_very_long_metric_name_number_two_total[5m]))",
    )
    .unwrap();
    assert_eq!(
        pretty(&e),
        "  sum(rate(a_very_long_metric_name_number_one_total[5m]))\n/ on (job) group_left ()\n  sum(rate(a_very_long_metric_name_number_two_total[5m]))"
    );
}

#[test]
fn long_call_puts_each_argument_on_its_line() {
    let e = parse(
        r#"label_replace(up{job="some-rather-long-job-name",instance="host.example.org:9100"}, "dst", "$1", "instance", "(.*):.*")"#,
    )
    .unwrap();
    assert_eq!(
        pretty(&e),
        "label_replace(\n  up{instance=\"host.example.org:9100\",job=\"some-rather-long-job-name\"},\n  \"dst\",\n  \"$1\",\n  \"instance\",\n  \"(.*):.*\"\n)"
    );
}

#[test]
fn nested_splits_indent_per_level() {
    let e = parse(
        "-(sum(rate(a_very_long_metric_name_number_one_total[5m])) + sum(rate(a_very_long_metric_name_number_two_total[5m])))",
    )
    .unwrap();
    assert_eq!(
        pretty(&e),
        "-(\n    sum(rate(a_very_long_metric_name_number_one_total[5m]))\n  +\n    sum(rate(a_very_long_metric_name_number_two_total[5m]))\n)"
    );
    let sq = parse(
        r#"sum by (job) (rate(http_requests_total{job="apiserver",code=~"5..",handler="/api/v1/query_range"}[5m]))[1h:5m]"#,
    )
    .unwrap();
    assert_eq!(
        pretty(&sq),
        "sum by (job) (\n  rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\",job=\"apiserver\"}[5m])\n)[1h:5m]"
    );
}

const ROUND_TRIP: &[&str] = &[
    "foo",
    r#"foo{a="b",c!="d",e=~"f.*",g!~"h"}"#,
    r#"{__name__=~"a|b",job!=""}"#,
    r#"{"my.metric","a.b"="c"}"#,
    "foo offset -1h30m",
    "foo[5m] @ 1609746000.123 offset 1m",
    "foo @ start()",
    "rate(foo[1m])[1h:30s] @ end() offset -2m",
    "foo[5m:]",
    "-2 ^ 2",
    "2 ^ -1",
    "1 - -1",
    "-(foo + 1)",
    "a or b and c unless d",
    "(a or b) and c",
    "a == bool on (x, y) b",
    "a * ignoring (x) group_left (y, z) b",
    "a - on () group_right b",
    "1 > bool 2",
    "sum by (a) (foo)",
    "sum without () (foo)",
    "sum(foo) by ()",
    r#"count_values("v", foo)"#,
    "quantile without (x) (0.9, foo)",
    r#"sum by ("a.b") (foo)"#,
    "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
    r#"label_join(foo, "d", ",", "a", "b")"#,
    "round(foo, 0.5) + clamp(foo, -1, 1e300)",
    "1e-7 * 0x1F + Inf - -Inf",
    r#""a\tb\u00e9\\""#,
    "time() - timestamp(foo @ 10)",
    "absent_over_time(nonexistent{job=\"x\"}[1d])",
    "predict_linear(foo[1h], 4 * 3600) < 0",
    "sum(rate(a[5m])) / sum(rate(b[5m])) > 0.05",
    "max_over_time(deriv(rate(x[1m])[5m:1m])[10m:])",
];

#[test]
fn printed_expressions_parse_back_to_the_same_tree() {
    for input in ROUND_TRIP {
        let e = parse(input).unwrap_or_else(|err| panic!("{input}: {err}"));
        let printed = e.to_string();
        let again = parse(&printed).unwrap_or_else(|err| panic!("{input} -> {printed}: {err}"));
        assert_eq!(canon(&again), canon(&e), "{input} -> {printed}");
        // Printing is stable: the reprint of the reprint is the same text.
        assert_eq!(again.to_string(), printed);
        let pretty = pretty(&e);
        assert_eq!(canon(&parse(&pretty).unwrap()), canon(&e), "pretty: {pretty}");
    }
    let on = ParseOptions { experimental_functions: true };
    for input in ["limitk(2, foo)", r#"sort_by_label_desc(foo, "a", "b")"#, "mad_over_time(x[5m])"]
    {
        let e = parse_with(input, on).unwrap();
        assert_eq!(canon(&parse_with(&e.to_string(), on).unwrap()), canon(&e), "{input}");
    }
}
