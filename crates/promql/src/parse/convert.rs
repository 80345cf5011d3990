//! The parser crate's tree turned into ours, at once. Whatever the crate accepts but our tree
//! cannot say (`or` between matchers, fill modifiers, durations out of range) is refused here
//! with Prometheus' words; type rules are left to `validate`.

use std::time::{Duration, SystemTime};

use model::matcher::{MatchOp, Matcher};
use promql_parser::label as pl;
use promql_parser::parser as pp;

use super::Source;
use crate::ast::{
    AggOp, Aggregate, At, BinOp, Binary, Call, Cardinality, Expr, Grouping, MatrixSelector,
    Subquery, ValueType, VectorMatching, VectorSelector,
};
use crate::parse::ParseError;

const METRIC_NAME: &str = "__name__";

pub(super) fn convert(src: &Source<'_>, e: &pp::Expr) -> Result<Expr, ParseError> {
    Ok(match e {
        pp::Expr::NumberLiteral(n) => Expr::Number(n.val),
        pp::Expr::StringLiteral(s) => Expr::String(s.val.clone()),
        pp::Expr::VectorSelector(vs) => Expr::VectorSelector(selector(src, vs)?),
        pp::Expr::MatrixSelector(ms) => {
            let range = duration_ms(src, &ms.range)?;
            if range <= 0 {
                return Err(zero_duration(src));
            }
            Expr::MatrixSelector(MatrixSelector { selector: selector(src, &ms.vs)?, range })
        }
        pp::Expr::Subquery(sq) => {
            let range = duration_ms(src, &sq.range)?;
            let step = sq.step.as_ref().map(|d| duration_ms(src, d)).transpose()?;
            if range <= 0 || step.is_some_and(|s| s <= 0) {
                return Err(zero_duration(src));
            }
            Expr::Subquery(Subquery {
                expr: Box::new(convert(src, &sq.expr)?),
                range,
                step,
                offset: offset_ms(src, sq.offset.as_ref())?,
                at: at(src, sq.at.as_ref())?,
            })
        }
        pp::Expr::Paren(p) => Expr::Paren(Box::new(convert(src, &p.expr)?)),
        // The crate's unary node is always a negation; `Source` knows which were `+`. Taken
        // before the operand, so nodes are counted in text order.
        pp::Expr::Unary(u) => {
            let op = src.next_unary();
            Expr::Unary(op, Box::new(convert(src, &u.expr)?))
        }
        pp::Expr::Binary(b) => binary(src, b)?,
        pp::Expr::Aggregate(a) => aggregate(src, a)?,
        pp::Expr::Call(c) => {
            // Placed before the arguments are converted: calls are met in text order.
            let pos = src.next_call(c.func.name, c.args.args.len());
            Expr::Call(Call {
                name: c.func.name.to_string(),
                args: c.args.args.iter().map(|a| convert(src, a)).collect::<Result<_, _>>()?,
                pos,
            })
        }
        pp::Expr::Extension(_) => {
            return Err(ParseError::new("unknown node type: extension", None));
        }
    })
}

fn selector(src: &Source<'_>, vs: &pp::VectorSelector) -> Result<VectorSelector, ParseError> {
    if !vs.matchers.or_matchers.is_empty() {
        // Prometheus has no `or` between matchers: its parser stops at the `or`.
        return Err(src.error_at_token(
            r#"unexpected identifier "or" in label matching, expected "," or "}""#,
            |t| t.is_keyword("or"),
        ));
    }
    let mut matchers = Vec::with_capacity(vs.matchers.matchers.len() + 1);
    for m in &vs.matchers.matchers {
        matchers.push(matcher(src, m)?);
    }
    // As upstream, the name written outside the braces becomes the last matcher.
    if let Some(name) = &vs.name {
        matchers.push(prometheus_matcher(src, MatchOp::Equal, METRIC_NAME, name)?);
    }
    Ok(VectorSelector {
        name: vs.name.clone(),
        matchers,
        offset: offset_ms(src, vs.offset.as_ref())?,
        at: at(src, vs.at.as_ref())?,
    })
}

fn matcher(src: &Source<'_>, m: &pl::Matcher) -> Result<Matcher, ParseError> {
    let op = match m.op {
        pl::MatchOp::Equal => MatchOp::Equal,
        pl::MatchOp::NotEqual => MatchOp::NotEqual,
        pl::MatchOp::Re(_) => MatchOp::Regex,
        pl::MatchOp::NotRe(_) => MatchOp::NotRegex,
    };
    prometheus_matcher(src, op, &m.name, &m.value)
}

fn prometheus_matcher(
    src: &Source<'_>,
    op: MatchOp,
    name: &str,
    value: &str,
) -> Result<Matcher, ParseError> {
    Matcher::prometheus(op, name, value).map_err(|e| src.error_at_label(&e.to_string(), name))
}

fn duration_ms(src: &Source<'_>, d: &Duration) -> Result<i64, ParseError> {
    i64::try_from(d.as_millis()).map_err(|_| src.error_at_token("duration out of range", |_| false))
}

fn offset_ms(src: &Source<'_>, o: Option<&pp::Offset>) -> Result<i64, ParseError> {
    Ok(match o {
        None => 0,
        Some(pp::Offset::Pos(d)) => duration_ms(src, d)?,
        Some(pp::Offset::Neg(d)) => -duration_ms(src, d)?,
    })
}

fn at(src: &Source<'_>, a: Option<&pp::AtModifier>) -> Result<Option<At>, ParseError> {
    let Some(a) = a else { return Ok(None) };
    Ok(Some(match a {
        pp::AtModifier::Start => At::Start,
        pp::AtModifier::End => At::End,
        pp::AtModifier::At(t) => {
            let (ms, secs) = match t.duration_since(SystemTime::UNIX_EPOCH) {
                Ok(d) => (i64::try_from(d.as_millis()).ok(), d.as_secs_f64()),
                Err(e) => {
                    let d = e.duration();
                    (i64::try_from(d.as_millis()).ok().map(|v| -v), -d.as_secs_f64())
                }
            };
            At::Time(ms.ok_or_else(|| {
                let msg = format!("timestamp out of bounds for @ modifier: {secs:.6}");
                src.error_at_token(msg, |t| t.is("@"))
            })?)
        }
    }))
}

fn binop(op: &str) -> Option<BinOp> {
    Some(match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Mod,
        "^" => BinOp::Pow,
        "atan2" => BinOp::Atan2,
        "==" => BinOp::Eql,
        "!=" => BinOp::Neq,
        ">" => BinOp::Gtr,
        "<" => BinOp::Lss,
        ">=" => BinOp::Gte,
        "<=" => BinOp::Lte,
        "and" => BinOp::And,
        "or" => BinOp::Or,
        "unless" => BinOp::Unless,
        _ => return None,
    })
}

fn binary(src: &Source<'_>, b: &pp::BinaryExpr) -> Result<Expr, ParseError> {
    let op_text = b.op.to_string().to_ascii_lowercase();
    let op = binop(&op_text).ok_or_else(|| {
        ParseError::new(format!("binary expression does not support operator {op_text:?}"), None)
    })?;
    let lhs = convert(src, &b.lhs)?;
    let rhs = convert(src, &b.rhs)?;
    let m = b.modifier.clone().unwrap_or_default();
    if m.fill_values.lhs.is_some() || m.fill_values.rhs.is_some() {
        let msg = "binop fill modifiers are experimental and not enabled";
        return Err(src.error_at(msg, src.binary_start(op.as_str())));
    }
    let (on, labels) = match &m.matching {
        None => (false, Vec::new()),
        Some(pp::LabelModifier::Include(l)) => (true, l.labels.clone()),
        Some(pp::LabelModifier::Exclude(l)) => (false, l.labels.clone()),
    };
    let (card, include) = match &m.card {
        pp::VectorMatchCardinality::OneToOne => (Cardinality::OneToOne, Vec::new()),
        pp::VectorMatchCardinality::ManyToOne(l) => (Cardinality::ManyToOne, l.labels.clone()),
        pp::VectorMatchCardinality::OneToMany(l) => (Cardinality::OneToMany, l.labels.clone()),
        pp::VectorMatchCardinality::ManyToMany => (Cardinality::ManyToMany, Vec::new()),
    };
    let card =
        if op.is_set() && card == Cardinality::OneToOne { Cardinality::ManyToMany } else { card };
    // Upstream keeps the matching clause only between two instant vectors.
    let vectors = lhs.value_type() == ValueType::Vector && rhs.value_type() == ValueType::Vector;
    let matching = vectors.then_some(VectorMatching { card, on, labels, include });
    Ok(Expr::Binary(Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        return_bool: m.return_bool,
        matching,
    }))
}

fn aggop(op: &str) -> Option<AggOp> {
    Some(match op {
        "sum" => AggOp::Sum,
        "avg" => AggOp::Avg,
        "count" => AggOp::Count,
        "min" => AggOp::Min,
        "max" => AggOp::Max,
        "group" => AggOp::Group,
        "stddev" => AggOp::Stddev,
        "stdvar" => AggOp::Stdvar,
        "topk" => AggOp::Topk,
        "bottomk" => AggOp::Bottomk,
        "count_values" => AggOp::CountValues,
        "quantile" => AggOp::Quantile,
        "limitk" => AggOp::Limitk,
        "limit_ratio" => AggOp::LimitRatio,
        _ => return None,
    })
}

fn aggregate(src: &Source<'_>, a: &pp::AggregateExpr) -> Result<Expr, ParseError> {
    let op_text = a.op.to_string().to_ascii_lowercase();
    let op = aggop(&op_text).ok_or_else(|| {
        ParseError::new(
            format!("aggregation operator expected in aggregation expression but got {op_text:?}"),
            None,
        )
    })?;
    let (grouping, has_grouping) = match &a.modifier {
        None => (Grouping { without: false, labels: Vec::new() }, false),
        Some(pp::LabelModifier::Include(l)) => {
            (Grouping { without: false, labels: l.labels.clone() }, true)
        }
        Some(pp::LabelModifier::Exclude(l)) => {
            (Grouping { without: true, labels: l.labels.clone() }, true)
        }
    };
    // Placed before its operands are converted: aggregations are met in text order.
    let mut pos = src.next_call(&op_text, if a.param.is_some() { 2 } else { 1 });
    if a.param.is_none() {
        pos.args.insert(0, None);
    }
    // The parameter comes first in the text, so it is converted first (see `next_unary`).
    let param = a.param.as_ref().map(|p| convert(src, p).map(Box::new)).transpose()?;
    Ok(Expr::Aggregate(Aggregate {
        op,
        expr: Box::new(convert(src, &a.expr)?),
        param,
        grouping,
        has_grouping,
        pos,
    }))
}

/// Upstream places this at the duration literal: the token after the first `[`.
fn zero_duration(src: &Source<'_>) -> ParseError {
    let pos = src.tokens.windows(2).find_map(|w| w[0].is("[").then_some(w[1].pos));
    src.error_at("duration must be greater than 0", pos)
}
