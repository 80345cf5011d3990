//! The syntax tree as JSON, in the shape Prometheus 3's `/api/v1/parse_query` answers with
//! (upstream `web/api/v1/translate_ast.go`): field names, value encodings (numbers as Go's
//! `FormatFloat` strings, durations and offsets in ms, `timestamp` in ms or null,
//! `startOrEnd` as `"start"`/`"end"`/null) and which fields are null when unset.

use serde_json::{Map, Value, json};

use crate::ast::{At, Cardinality, Expr, VectorSelector};
use crate::display::format_number;
use crate::signatures;

/// `expr` as `/api/v1/parse_query`'s `data`.
pub fn to_json(expr: &Expr) -> Value {
    match expr {
        Expr::Number(v) => json!({"type": "numberLiteral", "val": format_number(*v)}),
        Expr::String(s) => json!({"type": "stringLiteral", "val": s}),
        Expr::Paren(e) => json!({"type": "parenExpr", "expr": to_json(e)}),
        Expr::Unary(op, e) => {
            let op = match op {
                crate::ast::UnaryOp::Neg => "-",
                crate::ast::UnaryOp::Pos => "+",
            };
            json!({"type": "unaryExpr", "op": op, "expr": to_json(e)})
        }
        Expr::VectorSelector(vs) => {
            let mut m = selector_fields(vs);
            m.insert("type".into(), "vectorSelector".into());
            Value::Object(m)
        }
        Expr::MatrixSelector(ms) => {
            let mut m = selector_fields(&ms.selector);
            m.insert("type".into(), "matrixSelector".into());
            m.insert("range".into(), ms.range.into());
            m.insert("rangeExpr".into(), Value::Null);
            Value::Object(m)
        }
        Expr::Subquery(sq) => {
            let (timestamp, start_or_end) = at_fields(sq.at);
            json!({
                "type": "subquery",
                "expr": to_json(&sq.expr),
                "range": sq.range,
                "rangeExpr": null,
                "offset": sq.offset,
                "offsetExpr": null,
                "step": sq.step.unwrap_or(0),
                "stepExpr": null,
                "timestamp": timestamp,
                "startOrEnd": start_or_end,
            })
        }
        Expr::Binary(b) => {
            let matching = b.matching.as_ref().map_or(Value::Null, |vm| {
                json!({
                    "card": card_str(vm.card),
                    "labels": vm.labels,
                    "on": vm.on,
                    "include": vm.include,
                    "fillValues": {"lhs": null, "rhs": null},
                })
            });
            json!({
                "type": "binaryExpr",
                "op": b.op.as_str(),
                "lhs": to_json(&b.lhs),
                "rhs": to_json(&b.rhs),
                "matching": matching,
                "bool": b.return_bool,
            })
        }
        Expr::Aggregate(a) => json!({
            "type": "aggregation",
            "op": a.op.as_str(),
            "expr": to_json(&a.expr),
            "param": a.param.as_ref().map_or(Value::Null, |p| to_json(p)),
            "grouping": a.grouping.labels,
            "without": a.grouping.without,
        }),
        Expr::Call(c) => {
            let func = match signatures::lookup(&c.name) {
                Some(sig) => json!({
                    "name": sig.name,
                    "argTypes": sig.args.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "variadic": sig.variadic,
                    "returnType": sig.ret.as_str(),
                }),
                None => {
                    json!({"name": c.name, "argTypes": [], "variadic": 0, "returnType": "vector"})
                }
            };
            json!({
                "type": "call",
                "func": func,
                "args": c.args.iter().map(to_json).collect::<Vec<_>>(),
            })
        }
    }
}

fn card_str(c: Cardinality) -> &'static str {
    match c {
        Cardinality::OneToOne => "one-to-one",
        Cardinality::ManyToOne => "many-to-one",
        Cardinality::OneToMany => "one-to-many",
        Cardinality::ManyToMany => "many-to-many",
    }
}

fn at_fields(at: Option<At>) -> (Value, Value) {
    match at {
        None => (Value::Null, Value::Null),
        Some(At::Time(ms)) => (ms.into(), Value::Null),
        Some(At::Start) => (Value::Null, "start".into()),
        Some(At::End) => (Value::Null, "end".into()),
    }
}

fn selector_fields(vs: &VectorSelector) -> Map<String, Value> {
    let (timestamp, start_or_end) = at_fields(vs.at);
    let matchers: Vec<Value> = vs
        .matchers
        .iter()
        .map(|m| json!({"name": m.name(), "value": m.value(), "type": m.op().as_str()}))
        .collect();
    let mut m = Map::new();
    m.insert("name".into(), vs.name.clone().unwrap_or_default().into());
    m.insert("offset".into(), vs.offset.into());
    m.insert("offsetExpr".into(), Value::Null);
    m.insert("matchers".into(), matchers.into());
    m.insert("timestamp".into(), timestamp);
    m.insert("startOrEnd".into(), start_or_end);
    m.insert("anchored".into(), false.into());
    m.insert("smoothed".into(), false.into());
    m
}
