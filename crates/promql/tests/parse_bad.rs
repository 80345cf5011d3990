//! Expressions Prometheus rejects, with its error texts (upstream `promql/parser`) and, where
//! we can place them, its positions (1-based line:column of the offending node).

use promql::{ParseOptions, parse, parse_with};

/// Cases whose full printed error (position included) must match.
const WITH_POSITION: &[(&str, &str)] = &[
    ("xyz(foo)", r#"1:1: parse error: unknown function with name "xyz""#),
    (
        "holt_winters(foo[5m], 0.5, 0.5)",
        r#"1:1: parse error: unknown function with name "holt_winters""#,
    ),
    // The crate knows `integral`; Prometheus does not.
    ("integral(foo[5m])", r#"1:1: parse error: unknown function with name "integral""#),
    ("mad_over_time(foo[5m])", r#"1:1: parse error: function "mad_over_time" is not enabled"#),
    (
        "1 + sort_by_label(foo, \"a\")",
        r#"1:5: parse error: function "sort_by_label" is not enabled"#,
    ),
    (
        "sum(limitk(1, foo))",
        "1:5: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
    ),
    (
        "rate(foo)",
        r#"1:6: parse error: expected type range vector in call to function "rate", got instant vector"#,
    ),
    ("rate(foo[5m], 1)", r#"1:1: parse error: expected 1 argument(s) in call to "rate", got 2"#),
    (
        "label_join(foo)",
        r#"1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1"#,
    ),
    (
        "round(foo, 1, 2)",
        r#"1:1: parse error: expected at most 2 argument(s) in call to "round", got 3"#,
    ),
    // The crate lets a literal through for ln/exp special cases; Prometheus type-checks it.
    (
        "ln(-1)",
        r#"1:4: parse error: expected type instant vector in call to function "ln", got scalar"#,
    ),
    ("1 < 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"),
    (
        "foo and bool bar",
        "1:5: parse error: bool modifier can only be used on comparison operators",
    ),
    ("1 and 2", r#"1:1: parse error: set operator "and" not allowed in binary scalar expression"#),
    ("foo or on(a) group_left bar", r#"1:1: parse error: no grouping allowed for "or" operation"#),
    (
        "a == on(x) group_left(x) b",
        r#"1:3: parse error: label "x" must not occur in ON and GROUP clause at once"#,
    ),
    (
        r#"topk("a", foo)"#,
        "1:6: parse error: expected type scalar in aggregation parameter, got string",
    ),
    (
        "count_values(1, foo)",
        "1:14: parse error: expected type string in aggregation parameter, got scalar",
    ),
    (
        "sum(foo[5m])",
        "1:5: parse error: expected type instant vector in aggregation expression, got range vector",
    ),
    ("{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"),
    (
        r#"{a=~".*", b!="x"}"#,
        "1:1: parse error: vector selector must contain at least one non-empty matcher",
    ),
    (
        r#"foo{__name__="bar"}"#,
        r#"1:1: parse error: metric name must not be set twice: "foo" or "bar""#,
    ),
    (
        r#"foo{a="b" or c="d"}"#,
        r#"1:11: parse error: unexpected identifier "or" in label matching, expected "," or "}""#,
    ),
    ("a + fill(0) b", "1:1: parse error: binop fill modifiers are experimental and not enabled"),
    ("foo[0]", "1:5: parse error: duration must be greater than 0"),
    ("foo[1e30]", "1:5: parse error: duration out of range"),
    ("foo offset 1e300", "1:12: parse error: duration out of range"),
    ("foo offset -Inf", "1:13: parse error: duration out of range"),
    ("foo[5m:NaN]", "1:8: parse error: duration out of range"),
    ("1 + on(a) foo", "1:1: parse error: vector matching only allowed between instant vectors"),
    (
        "sum(foo, bar)",
        "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2",
    ),
    ("rate(foo[5m],)", "1:13: parse error: trailing commas not allowed in function call args"),
    (
        "foo[5m] offset",
        "1:15: parse error: unexpected end of input in offset, expected number, duration, step(), or range()",
    ),
    ("foo offset 5m [5m]", "1:15: parse error: no offset modifiers allowed before range"),
    ("sum(foo)[5m]", "1:9: parse error: ranges only allowed for vector selectors"),
    ("foo{a=~\"(\"}", "1:5: parse error: error parsing regexp: missing closing ): `(`"),
    ("1 +", "1:4: parse error: unexpected end of input"),
    ("sum(foo", "1:8: parse error: unclosed left parenthesis"),
    ("(foo))", "1:7: parse error: unexpected right parenthesis ')'"),
    ("foo and", "1:8: parse error: unexpected end of input"),
    ("foo +\n  xyz(bar)", r#"2:3: parse error: unknown function with name "xyz""#),
];

/// Cases whose message must match; the position is one we cannot recover from the crate.
const MESSAGE_ONLY: &[(&str, &str)] = &[
    (
        "sum(x) @ 1",
        "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ),
    ("foo @ 1 @ 2", "@ <timestamp> may not be set multiple times"),
    ("foo offset 5m offset 1m", "offset may not be set multiple times"),
    (
        r#"-"a""#,
        r#"unary expression only allowed on expressions of type scalar or instant vector, got "string""#,
    ),
    ("foo[5m][5m:]", "subquery is only allowed on instant vector, got matrix instead"),
    ("'a' + 1", "binary expression must contain only scalar and instant vector types"),
    (
        r#"+"a""#,
        r#"unary expression only allowed on expressions of type scalar or instant vector, got "string""#,
    ),
    ("", "no expression found in input"),
];

#[test]
fn errors_with_positions() {
    let mut failures = Vec::new();
    for (input, want) in WITH_POSITION {
        match parse(input) {
            Ok(e) => failures.push(format!("{input:?}: parsed as {e:?}")),
            Err(e) if e.to_string() != *want => {
                failures.push(format!("{input:?}:\n   got  {e}\n   want {want}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_by_message() {
    let mut failures = Vec::new();
    for (input, want) in MESSAGE_ONLY {
        match parse(input) {
            Ok(e) => failures.push(format!("{input:?}: parsed as {e:?}")),
            Err(e) if e.message != *want => {
                failures.push(format!("{input:?}:\n   got  {}\n   want {want}", e.message))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn experimental_functions_need_the_option() {
    let on = ParseOptions { experimental_functions: true };
    for input in [
        "mad_over_time(foo[5m])",
        "limitk(1, foo)",
        "ts_of_max_over_time(foo[1m])",
        "pi() + step()",
    ] {
        assert!(parse(input).is_err(), "{input} parsed without the option");
        assert!(parse_with(input, on).is_ok(), "{input}: {:?}", parse_with(input, on));
    }
    let err = parse_with(r#"limitk("a", foo)"#, on).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1:8: parse error: expected type scalar in aggregation parameter, got string"
    );
}

#[test]
fn errors_without_position_print_without_one() {
    let err = parse("foo @ 1 @ 2").unwrap_err();
    if err.position.is_none() {
        assert_eq!(err.to_string(), "parse error: @ <timestamp> may not be set multiple times");
    }
}

#[test]
fn hostile_inputs_are_errors_not_panics() {
    for input in [
        "foo[1e30]",
        "foo[5m:1e300]",
        "foo offset NaN",
        "foo offset +Inf",
        "foo @ 1e400",
        "foo @ NaN",
        "foo offset 999999999999y",
        "foo[99999999999999999999d]",
        "((((((((((",
        "}{",
        "foo{a=~\"\\\\\"}",
        "sum by (",
        "\"\\xff\" + 1",
        "1 +",
        "foo[5m:-1m]",
    ] {
        assert!(parse(input).is_err(), "{input} parsed");
    }
}

#[test]
fn nesting_is_bounded_so_no_stack_overflows() {
    // Run where a query would run: a thread with a 2 MiB stack (tokio's blocking pool default).
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let nested = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
            let e = parse(&nested(200)).unwrap();
            assert_eq!(e.to_string(), nested(200));
            assert!(promql::parse::pretty(&e).starts_with("(\n  (\n"));
            let too_deep = "parse error: expression nests too deeply (more than 256 levels)";
            for input in [
                nested(300),
                nested(100_000),
                format!("{}foo", "-".repeat(300)),
                vec!["a"; 300].join(" + "),
                format!("{}1", "(".repeat(50_000)),
            ] {
                assert_eq!(parse(&input).unwrap_err().to_string(), too_deep);
            }
        })
        .unwrap();
    handle.join().unwrap();
}
