//! Where calls, aggregations and their arguments start, as annotations report them
//! (Prometheus' `(line:col)`: 1-based, columns in bytes).

use promql::ast::LineCol;

use promql::ast::{Expr, Positions};
use promql::parse;

fn positions(e: &Expr, out: &mut Vec<(String, Positions)>) {
    match e {
        Expr::Call(c) => {
            out.push((c.name.clone(), c.pos.clone()));
            c.args.iter().for_each(|a| positions(a, out));
        }
        Expr::Aggregate(a) => {
            out.push((a.op.as_str().to_string(), a.pos.clone()));
            if let Some(p) = &a.param {
                positions(p, out);
            }
            positions(&a.expr, out);
        }
        Expr::Paren(e) | Expr::Unary(_, e) => positions(e, out),
        Expr::Binary(b) => {
            positions(&b.lhs, out);
            positions(&b.rhs, out);
        }
        Expr::Subquery(s) => positions(&s.expr, out),
        _ => {}
    }
}

/// Each call or aggregation in pre-order: name, where it starts, where its arguments start.
type Placed = (String, Option<LineCol>, Vec<Option<LineCol>>);

fn all(q: &str) -> Vec<Placed> {
    let mut out = Vec::new();
    positions(&parse(q).expect("query parses"), &mut out);
    out.into_iter().map(|(n, p)| (n, p.node, p.args)).collect()
}

#[test]
fn aggregation_parameter_and_expression() {
    assert_eq!(
        all("quantile without(point)(NaN, data)"),
        [("quantile".to_string(), Some((1, 1)), vec![Some((1, 25)), Some((1, 30))])]
    );
    // No parameter: its slot is empty, the expression is argument 1.
    assert_eq!(all("sum(x) by (a)"), [("sum".to_string(), Some((1, 1)), vec![None, Some((1, 5))])]);
}

#[test]
fn nested_calls_in_text_order_over_lines() {
    let q = "sum by (job) (\n  rate(a[5m])\n) / on() group_left\n  sum(rate(b[5m] @ start()))";
    assert_eq!(
        all(q),
        [
            ("sum".to_string(), Some((1, 1)), vec![None, Some((2, 3))]),
            ("rate".to_string(), Some((2, 3)), vec![Some((2, 8))]),
            ("sum".to_string(), Some((4, 3)), vec![None, Some((4, 7))]),
            ("rate".to_string(), Some((4, 7)), vec![Some((4, 12))]),
        ]
    );
}

#[test]
fn arguments_start_at_their_first_token() {
    assert_eq!(
        all("histogram_quantile((0.9), -x + y)"),
        [("histogram_quantile".to_string(), Some((1, 1)), vec![Some((1, 20)), Some((1, 27))])]
    );
}

#[test]
fn positions_do_not_take_part_in_equality() {
    assert_eq!(parse("sum(rate(x[5m]))").unwrap(), parse("sum( rate( x[5m] ) )").unwrap());
}
