//! PromQL parsing: never panics; whatever parses prints back (and prettifies) to text that
//! parses to the same tree (up to matcher order and an empty `by ()`, which printing drops as
//! Prometheus does), and to the JSON tree without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promql::{Expr, ParseOptions, parse_with};

fn canon(e: &mut Expr) {
    match e {
        Expr::VectorSelector(vs) => vs.matchers.sort_by_key(|m| m.to_string()),
        Expr::MatrixSelector(ms) => ms.selector.matchers.sort_by_key(|m| m.to_string()),
        Expr::Subquery(sq) => canon(&mut sq.expr),
        // Upstream prints +Inf as `+Inf`, which reads back as a unary plus on `Inf` (so
        // `Inf ^ 2` reprints as `+Inf ^ 2`, which is `+(Inf ^ 2)`): the same value; a unary
        // plus is left out of the comparison.
        Expr::Unary(promql::ast::UnaryOp::Pos, x) => {
            canon(x);
            *e = (**x).clone();
        }
        Expr::Paren(x) | Expr::Unary(_, x) => canon(x),
        Expr::Binary(b) => {
            canon(&mut b.lhs);
            canon(&mut b.rhs);
        }
        Expr::Aggregate(a) => {
            a.has_grouping = a.grouping.without || !a.grouping.labels.is_empty();
            canon(&mut a.expr);
            if let Some(p) = &mut a.param {
                canon(p);
            }
        }
        Expr::Call(c) => c.args.iter_mut().for_each(canon),
        // NaN is not equal to itself; any fixed stand-in compares the rest of the tree.
        Expr::Number(v) if v.is_nan() => *v = f64::MIN_POSITIVE,
        Expr::Number(_) | Expr::String(_) => {}
    }
}

fuzz_target!(|s: &str| {
    for experimental_functions in [false, true] {
        let opts = ParseOptions { experimental_functions };
        let Ok(e) = parse_with(s, opts) else { continue };
        let printed = e.to_string();
        let again = match parse_with(&printed, opts) {
            Ok(a) => a,
            Err(err) => panic!("{s:?} printed as {printed:?}, which does not parse: {err}"),
        };
        let (mut a, mut b) = (e.clone(), again);
        canon(&mut a);
        canon(&mut b);
        assert_eq!(a, b, "{s:?} printed as {printed:?}");
        let pretty = promql::parse::pretty(&e);
        match parse_with(&pretty, opts) {
            Ok(mut p) => {
                canon(&mut p);
                assert_eq!(a, p, "{s:?} prettified as {pretty:?}");
            }
            Err(err) => panic!("{s:?} prettified as {pretty:?}, which does not parse: {err}"),
        }
        let _ = promql::ast_json::to_json(&e);
    }
});
