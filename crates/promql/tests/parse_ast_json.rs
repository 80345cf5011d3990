//! The `/api/v1/parse_query` tree (upstream `web/api/v1/translate_ast.go`), field by field.

use promql::ast_json::to_json;
use promql::parse;
use serde_json::json;

fn tree(input: &str) -> serde_json::Value {
    to_json(&parse(input).unwrap_or_else(|e| panic!("{input}: {e}")))
}

#[test]
fn vector_selector() {
    assert_eq!(
        tree(r#"foo{job="a", x!~"y.*"} offset 5m @ 100"#),
        json!({
            "type": "vectorSelector",
            "name": "foo",
            "offset": 300000,
            "offsetExpr": null,
            "matchers": [
                {"name": "job", "value": "a", "type": "="},
                {"name": "x", "value": "y.*", "type": "!~"},
                {"name": "__name__", "value": "foo", "type": "="},
            ],
            "timestamp": 100000,
            "startOrEnd": null,
            "anchored": false,
            "smoothed": false,
        })
    );
    assert_eq!(tree(r#"{job="a"} @ start()"#)["name"], json!(""));
    assert_eq!(tree(r#"{job="a"} @ start()"#)["startOrEnd"], json!("start"));
    assert_eq!(tree(r#"{job="a"} @ start()"#)["timestamp"], json!(null));
}

#[test]
fn matrix_selector_and_subquery() {
    assert_eq!(
        tree("foo[5m] offset -1m"),
        json!({
            "type": "matrixSelector",
            "name": "foo",
            "range": 300000,
            "rangeExpr": null,
            "offset": -60000,
            "offsetExpr": null,
            "matchers": [{"name": "__name__", "value": "foo", "type": "="}],
            "timestamp": null,
            "startOrEnd": null,
            "anchored": false,
            "smoothed": false,
        })
    );
    let sq = tree("foo[1h:] @ end()");
    assert_eq!(sq["type"], json!("subquery"));
    assert_eq!(sq["range"], json!(3600000));
    // An omitted step is 0, as upstream's zero Duration.
    assert_eq!(sq["step"], json!(0));
    assert_eq!(sq["stepExpr"], json!(null));
    assert_eq!(sq["offset"], json!(0));
    assert_eq!(sq["startOrEnd"], json!("end"));
    assert_eq!(sq["expr"]["type"], json!("vectorSelector"));
    assert_eq!(tree("foo[1h:30s]")["step"], json!(30000));
}

#[test]
fn binary_expressions() {
    assert_eq!(
        tree("a > bool on(x) group_left(y) b"),
        json!({
            "type": "binaryExpr",
            "op": ">",
            "lhs": tree("a"),
            "rhs": tree("b"),
            "matching": {
                "card": "many-to-one",
                "labels": ["x"],
                "on": true,
                "include": ["y"],
                "fillValues": {"lhs": null, "rhs": null},
            },
            "bool": true,
        })
    );
    assert_eq!(tree("a or b")["matching"]["card"], json!("many-to-many"));
    assert_eq!(tree("a or b")["matching"]["labels"], json!([]));
    assert_eq!(tree("a / b")["matching"]["card"], json!("one-to-one"));
    // Between a vector and a scalar there is no matching.
    assert_eq!(tree("a * 2")["matching"], json!(null));
}

#[test]
fn aggregations_calls_and_literals() {
    assert_eq!(
        tree("topk by (job) (3, foo)"),
        json!({
            "type": "aggregation",
            "op": "topk",
            "expr": tree("foo"),
            "param": {"type": "numberLiteral", "val": "3"},
            "grouping": ["job"],
            "without": false,
        })
    );
    assert_eq!(tree("sum(foo)")["param"], json!(null));
    assert_eq!(tree("sum(foo)")["grouping"], json!([]));
    assert_eq!(tree("sum without (a) (foo)")["without"], json!(true));
    assert_eq!(
        tree("round(foo, 0.5)"),
        json!({
            "type": "call",
            "func": {
                "name": "round",
                "argTypes": ["vector", "scalar"],
                "variadic": 1,
                "returnType": "vector",
            },
            "args": [tree("foo"), {"type": "numberLiteral", "val": "0.5"}],
        })
    );
    assert_eq!(tree("time()")["func"]["argTypes"], json!([]));
    assert_eq!(tree("time()")["args"], json!([]));
    assert_eq!(tree("1e21"), json!({"type": "numberLiteral", "val": "1000000000000000000000"}));
    assert_eq!(tree("-Inf"), json!({"type": "numberLiteral", "val": "-Inf"}));
    assert_eq!(tree(r#""a\nb""#), json!({"type": "stringLiteral", "val": "a\nb"}));
    assert_eq!(tree("(foo)"), json!({"type": "parenExpr", "expr": tree("foo")}));
    assert_eq!(tree("-foo"), json!({"type": "unaryExpr", "op": "-", "expr": tree("foo")}));
}
