//! Expressions Prometheus accepts, each checked against the tree it must become.

use model::matcher::{MatchOp, Matcher};
use promql::ast::*;
use promql::{ParseOptions, parse, parse_with};

fn m(op: MatchOp, name: &str, value: &str) -> Matcher {
    Matcher::prometheus(op, name, value).unwrap_or_else(|e| panic!("{name}{op}{value}: {e}"))
}

fn name(n: &str) -> Matcher {
    m(MatchOp::Equal, "__name__", n)
}

fn vs(n: &str) -> VectorSelector {
    VectorSelector { name: Some(n.into()), matchers: vec![name(n)], offset: 0, at: None }
}

fn sel(n: &str) -> Expr {
    Expr::VectorSelector(vs(n))
}

fn num(v: f64) -> Expr {
    Expr::Number(v)
}

fn bin(op: BinOp, lhs: Expr, rhs: Expr, matching: Option<VectorMatching>) -> Expr {
    Expr::Binary(Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        return_bool: false,
        matching,
    })
}

fn default_matching(card: Cardinality) -> Option<VectorMatching> {
    Some(VectorMatching { card, on: false, labels: vec![], include: vec![] })
}

fn call(n: &str, args: Vec<Expr>) -> Expr {
    Expr::Call(Call { name: n.into(), args, pos: Default::default() })
}

fn ok(input: &str) -> Expr {
    parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
}

fn experimental(input: &str) -> Expr {
    parse_with(input, ParseOptions { experimental_functions: true })
        .unwrap_or_else(|e| panic!("{input}: {e}"))
}

#[test]
fn number_literals() {
    let cases: &[(&str, f64)] = &[
        ("1", 1.0),
        ("-1", -1.0),
        ("+1", 1.0),
        ("- -1", 1.0),
        (".5", 0.5),
        ("2.", 2.0),
        ("1e6", 1e6),
        ("1E-3", 1e-3),
        ("0x1F", 31.0),
        ("Inf", f64::INFINITY),
        ("-inf", f64::NEG_INFINITY),
        ("1_000", 1000.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
    ];
    for (input, want) in cases {
        assert_eq!(ok(input), num(*want), "{input}");
    }
    assert!(matches!(ok("NaN"), Expr::Number(v) if v.is_nan()));
}

#[test]
fn string_literals() {
    assert_eq!(ok(r#""a\tb""#), Expr::String("a\tb".into()));
    assert_eq!(ok("'it'"), Expr::String("it".into()));
    assert_eq!(ok("`raw\\n`"), Expr::String("raw\\n".into()));
    assert_eq!(ok(r#""\u00e9""#), Expr::String("é".into()));
}

#[test]
fn selectors_and_matchers() {
    assert_eq!(ok("foo"), sel("foo"));
    assert_eq!(ok("foo:bar:rate5m"), sel("foo:bar:rate5m"));
    // The name written outside the braces is the last matcher, as upstream appends it.
    assert_eq!(
        ok(r#"foo{a="b", c!="d", e=~"f.*", g!~"h|i",}"#),
        Expr::VectorSelector(VectorSelector {
            name: Some("foo".into()),
            matchers: vec![
                m(MatchOp::Equal, "a", "b"),
                m(MatchOp::NotEqual, "c", "d"),
                m(MatchOp::Regex, "e", "f.*"),
                m(MatchOp::NotRegex, "g", "h|i"),
                name("foo"),
            ],
            offset: 0,
            at: None,
        })
    );
    // A quoted name inside the braces is a matcher, not the selector's name.
    assert_eq!(
        ok(r#"{"my.metric", "a.b"="c"}"#),
        Expr::VectorSelector(VectorSelector {
            name: None,
            matchers: vec![name("my.metric"), m(MatchOp::Equal, "a.b", "c")],
            offset: 0,
            at: None,
        })
    );
    assert_eq!(
        ok(r#"{__name__=~"a|b", job!=""}"#),
        Expr::VectorSelector(VectorSelector {
            name: None,
            matchers: vec![m(MatchOp::Regex, "__name__", "a|b"), m(MatchOp::NotEqual, "job", "")],
            offset: 0,
            at: None,
        })
    );
}

#[test]
fn offsets_at_and_ranges_in_milliseconds() {
    let mut v = vs("foo");
    v.offset = 300_000;
    assert_eq!(ok("foo offset 5m"), Expr::VectorSelector(v.clone()));
    v.offset = -90_000;
    assert_eq!(ok("foo offset -1m30s"), Expr::VectorSelector(v.clone()));
    v.offset = 10_000;
    assert_eq!(ok("foo offset 10"), Expr::VectorSelector(v.clone()));

    let mut v = vs("foo");
    v.at = Some(At::Time(1_609_746_000_500));
    assert_eq!(ok("foo @ 1609746000.5"), Expr::VectorSelector(v.clone()));
    v.at = Some(At::Time(-1_500));
    assert_eq!(ok("foo @ -1.5"), Expr::VectorSelector(v.clone()));
    v.at = Some(At::Start);
    assert_eq!(ok("foo @ start()"), Expr::VectorSelector(v.clone()));
    v.at = Some(At::End);
    assert_eq!(ok("foo @ end()"), Expr::VectorSelector(v));

    let mut v = vs("foo");
    v.offset = 3_600_000;
    v.at = Some(At::Time(100_000));
    let want = Expr::MatrixSelector(MatrixSelector { selector: v, range: 300_000 });
    assert_eq!(ok("foo[5m] offset 1h @ 100"), want);
    assert_eq!(ok("foo[5m] @ 100 offset 1h"), want);
    assert_eq!(
        ok("foo[10]"),
        Expr::MatrixSelector(MatrixSelector { selector: vs("foo"), range: 10_000 })
    );
    assert_eq!(
        ok("foo[1h30m]"),
        Expr::MatrixSelector(MatrixSelector { selector: vs("foo"), range: 5_400_000 })
    );
}

#[test]
fn subqueries() {
    assert_eq!(
        ok("foo[5m:]"),
        Expr::Subquery(Subquery {
            expr: Box::new(sel("foo")),
            range: 300_000,
            step: None,
            offset: 0,
            at: None
        })
    );
    assert_eq!(
        ok("rate(foo[1m])[1h:30s] @ end() offset -2m"),
        Expr::Subquery(Subquery {
            expr: Box::new(call(
                "rate",
                vec![Expr::MatrixSelector(MatrixSelector { selector: vs("foo"), range: 60_000 })]
            )),
            range: 3_600_000,
            step: Some(30_000),
            offset: -120_000,
            at: Some(At::End),
        })
    );
}

#[test]
fn binary_operators_and_precedence() {
    // `^` is right-associative and binds tighter than unary minus, so the minus applies to
    // the power, not to the literal (upstream folds a minus into a bare literal only).
    assert_eq!(
        ok("-2 ^ 2"),
        Expr::Unary(UnaryOp::Neg, Box::new(bin(BinOp::Pow, num(2.0), num(2.0), None)))
    );
    assert_eq!(
        ok("2 ^ 3 ^ 2"),
        bin(BinOp::Pow, num(2.0), bin(BinOp::Pow, num(3.0), num(2.0), None), None)
    );
    assert_eq!(
        ok("1 + 2 * 3"),
        bin(BinOp::Add, num(1.0), bin(BinOp::Mul, num(2.0), num(3.0), None), None)
    );
    assert_eq!(
        ok("a or b and c"),
        bin(
            BinOp::Or,
            sel("a"),
            bin(BinOp::And, sel("b"), sel("c"), default_matching(Cardinality::ManyToMany)),
            default_matching(Cardinality::ManyToMany)
        )
    );
    // Vector-scalar operations have no matching; vector-vector ones always do.
    assert_eq!(ok("foo * 2"), bin(BinOp::Mul, sel("foo"), num(2.0), None));
    assert_eq!(
        ok("a / b"),
        bin(BinOp::Div, sel("a"), sel("b"), default_matching(Cardinality::OneToOne))
    );
    assert_eq!(
        ok("a atan2 b"),
        bin(BinOp::Atan2, sel("a"), sel("b"), default_matching(Cardinality::OneToOne))
    );
}

#[test]
fn vector_matching_modifiers() {
    assert_eq!(
        ok("a == bool on(x, y) b"),
        Expr::Binary(Binary {
            op: BinOp::Eql,
            lhs: Box::new(sel("a")),
            rhs: Box::new(sel("b")),
            return_bool: true,
            matching: Some(VectorMatching {
                card: Cardinality::OneToOne,
                on: true,
                labels: vec!["x".into(), "y".into()],
                include: vec![],
            }),
        })
    );
    assert_eq!(
        ok("a * ignoring(x) group_left(y, z) b"),
        bin(
            BinOp::Mul,
            sel("a"),
            sel("b"),
            Some(VectorMatching {
                card: Cardinality::ManyToOne,
                on: false,
                labels: vec!["x".into()],
                include: vec!["y".into(), "z".into()],
            })
        )
    );
    assert_eq!(
        ok("a - on() group_right b"),
        bin(
            BinOp::Sub,
            sel("a"),
            sel("b"),
            Some(VectorMatching {
                card: Cardinality::OneToMany,
                on: true,
                labels: vec![],
                include: vec![],
            })
        )
    );
    assert_eq!(
        ok("a unless on(job) b"),
        bin(
            BinOp::Unless,
            sel("a"),
            sel("b"),
            Some(VectorMatching {
                card: Cardinality::ManyToMany,
                on: true,
                labels: vec!["job".into()],
                include: vec![],
            })
        )
    );
    assert_eq!(
        ok("1 > bool 2"),
        Expr::Binary(Binary {
            op: BinOp::Gtr,
            lhs: Box::new(num(1.0)),
            rhs: Box::new(num(2.0)),
            return_bool: true,
            matching: None,
        })
    );
}

#[test]
fn unary_and_parens() {
    assert_eq!(ok("-foo"), Expr::Unary(UnaryOp::Neg, Box::new(sel("foo"))));
    assert_eq!(ok("-(1)"), Expr::Unary(UnaryOp::Neg, Box::new(Expr::Paren(Box::new(num(1.0))))));
    assert_eq!(
        ok("(a + (b))"),
        Expr::Paren(Box::new(bin(
            BinOp::Add,
            sel("a"),
            Expr::Paren(Box::new(sel("b"))),
            default_matching(Cardinality::OneToOne)
        )))
    );
}

#[test]
fn unary_plus_is_kept_on_non_literals() {
    assert_eq!(ok("+foo"), Expr::Unary(UnaryOp::Pos, Box::new(sel("foo"))));
    assert_eq!(ok("+1"), num(1.0));
    assert_eq!(
        ok("-+foo"),
        Expr::Unary(UnaryOp::Neg, Box::new(Expr::Unary(UnaryOp::Pos, Box::new(sel("foo")))))
    );
    assert_eq!(
        ok("a - +b"),
        bin(
            BinOp::Sub,
            sel("a"),
            Expr::Unary(UnaryOp::Pos, Box::new(sel("b"))),
            default_matching(Cardinality::OneToOne)
        )
    );
    assert_eq!(
        ok("topk(+(1), -foo)"),
        Expr::Aggregate(Aggregate {
            op: AggOp::Topk,
            expr: Box::new(Expr::Unary(UnaryOp::Neg, Box::new(sel("foo")))),
            param: Some(Box::new(Expr::Unary(
                UnaryOp::Pos,
                Box::new(Expr::Paren(Box::new(num(1.0))))
            ))),
            grouping: Grouping { without: false, labels: vec![] },
            has_grouping: false,
            pos: Default::default(),
        })
    );
    assert_eq!(ok("sum(x) by (a) + y").to_string(), "sum by (a) (x) + y");
    assert_eq!(ok("+foo").to_string(), "+foo");
}

#[test]
fn aggregations() {
    let agg = |op, expr, param: Option<Expr>, without, labels: &[&str], has_grouping| {
        Expr::Aggregate(Aggregate {
            op,
            expr: Box::new(expr),
            param: param.map(Box::new),
            grouping: Grouping { without, labels: labels.iter().map(|s| s.to_string()).collect() },
            has_grouping,
            pos: Default::default(),
        })
    };
    assert_eq!(ok("sum(foo)"), agg(AggOp::Sum, sel("foo"), None, false, &[], false));
    assert_eq!(
        ok("sum by (a, b) (foo)"),
        agg(AggOp::Sum, sel("foo"), None, false, &["a", "b"], true)
    );
    assert_eq!(ok("SUM(foo) BY (a,)"), agg(AggOp::Sum, sel("foo"), None, false, &["a"], true));
    assert_eq!(ok("avg without (a) (foo)"), agg(AggOp::Avg, sel("foo"), None, true, &["a"], true));
    assert_eq!(ok("max by () (foo)"), agg(AggOp::Max, sel("foo"), None, false, &[], true));
    assert_eq!(ok("topk(5, foo)"), agg(AggOp::Topk, sel("foo"), Some(num(5.0)), false, &[], false));
    assert_eq!(
        ok(r#"count_values("v", foo)"#),
        agg(AggOp::CountValues, sel("foo"), Some(Expr::String("v".into())), false, &[], false)
    );
    assert_eq!(
        ok("quantile without (x) (0.9, foo)"),
        agg(AggOp::Quantile, sel("foo"), Some(num(0.9)), true, &["x"], true)
    );
    assert_eq!(
        ok(r#"sum by ("a.b") (foo)"#),
        agg(AggOp::Sum, sel("foo"), None, false, &["a.b"], true)
    );
    assert_eq!(
        experimental("limitk(2, foo)"),
        agg(AggOp::Limitk, sel("foo"), Some(num(2.0)), false, &[], false)
    );
    assert_eq!(
        experimental("limit_ratio(0.5, foo)"),
        agg(AggOp::LimitRatio, sel("foo"), Some(num(0.5)), false, &[], false)
    );
}

#[test]
fn function_calls() {
    assert_eq!(ok("time()"), call("time", vec![]));
    assert_eq!(ok("abs(-foo)"), call("abs", vec![Expr::Unary(UnaryOp::Neg, Box::new(sel("foo")))]));
    assert_eq!(ok("round(foo)"), call("round", vec![sel("foo")]));
    assert_eq!(ok("round(foo, 5)"), call("round", vec![sel("foo"), num(5.0)]));
    assert_eq!(ok("hour()"), call("hour", vec![]));
    assert_eq!(
        ok(r#"label_join(foo, "d", ",", "a", "b", "c")"#),
        call(
            "label_join",
            vec![
                sel("foo"),
                Expr::String("d".into()),
                Expr::String(",".into()),
                Expr::String("a".into()),
                Expr::String("b".into()),
                Expr::String("c".into()),
            ]
        )
    );
    assert_eq!(
        ok("histogram_quantile(0.9, sum by (le) (rate(h[5m])))").value_type(),
        ValueType::Vector
    );
    assert_eq!(ok("scalar(foo)").value_type(), ValueType::Scalar);
    assert_eq!(experimental("mad_over_time(foo[5m])").value_type(), ValueType::Vector);
    assert_eq!(
        experimental(r#"sort_by_label(foo, "a", "b")"#),
        call("sort_by_label", vec![sel("foo"), Expr::String("a".into()), Expr::String("b".into())])
    );
}

#[test]
fn comments_and_whitespace() {
    assert_eq!(ok("foo # a comment\n + 1"), bin(BinOp::Add, sel("foo"), num(1.0), None));
    assert_eq!(ok("\n\tfoo\n"), sel("foo"));
}

#[test]
fn go_string_escapes() {
    assert_eq!(
        ok(r#""\a\b\f\v\141\x41\u00e9\U0001F600""#),
        Expr::String("\u{7}\u{8}\u{c}\u{b}aAé😀".into())
    );
    assert_eq!(ok(r#"'single \' "double"'"#), Expr::String("single ' \"double\"".into()));
    // Bytes that are not UTF-8 cannot be held in our strings: each becomes U+FFFD.
    assert_eq!(ok(r#""a\xc5z""#), Expr::String("a\u{fffd}z".into()));
    // Raw strings keep backslashes as written.
    assert_eq!(ok(r"`a\d\.b`"), Expr::String(r"a\d\.b".into()));
    assert_eq!(
        ok(r#"foo{path=~`/api/v\d+/.*`}"#),
        Expr::VectorSelector(VectorSelector {
            name: Some("foo".into()),
            matchers: vec![m(MatchOp::Regex, "path", r"/api/v\d+/.*"), name("foo")],
            offset: 0,
            at: None,
        })
    );
}

#[test]
fn keywords_as_names() {
    // Aggregation and modifier keywords are valid metric and label names where unambiguous.
    assert_eq!(ok("sum by (on, bool, offset) (foo)").value_type(), ValueType::Vector);
    assert_eq!(ok(r#"foo{on="x"}"#).to_string(), r#"foo{on="x"}"#);
}
