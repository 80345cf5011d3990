//! The crate's error messages in Prometheus' words, placed where we can find the culprit.
//!
//! The crate stops at its first error with a message of its own wording (`'rate'` where
//! Prometheus writes `"rate"`, `vector` where it writes `instant vector`) and no position.
//! Each known message is rewritten to upstream's text; the position is the offending token's
//! when it can be told from the text, and left out otherwise.

use model::gostr::quote;
use model::matcher::{MatchOp, Matcher};

use super::Source;
use super::lexer::Kind;
use crate::parse::ParseError;

/// Prometheus' name for a value type in messages (`DocumentedType`).
pub(crate) fn documented(t: &str) -> &str {
    match t {
        "vector" => "instant vector",
        "matrix" => "range vector",
        other => other,
    }
}

/// Strips one pair of single quotes the crate puts around names.
fn unquote_single(s: &str) -> &str {
    s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).unwrap_or(s)
}

/// The aggregation keyword's token index (first aggregation operator that is followed by its
/// arguments or a grouping clause).
fn aggregation_index(src: &Source<'_>) -> Option<usize> {
    const OPS: [&str; 14] = [
        "sum",
        "avg",
        "count",
        "min",
        "max",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "count_values",
        "quantile",
        "limitk",
        "limit_ratio",
    ];
    src.tokens.windows(2).position(|w| {
        OPS.iter().any(|op| w[0].is_keyword(op))
            && (w[1].is("(") || w[1].is_keyword("by") || w[1].is_keyword("without"))
    })
}

pub(super) fn translate(src: &Source<'_>, msg: &str) -> ParseError {
    let none = |m: String| ParseError::new(m, None);

    // Type errors in calls: `expected type matrix in call to function 'rate', got vector`.
    if let Some(rest) = msg.strip_prefix("expected type ")
        && let Some((want, rest)) = rest.split_once(" in call to function ")
        && let Some((name, got)) = rest.rsplit_once(", got ")
    {
        let name = unquote_single(name);
        let text = format!(
            "expected type {} in call to function {}, got {}",
            documented(want),
            quote(name),
            documented(got)
        );
        let pos = src.call_index(name).and_then(|i| {
            let sig = crate::signatures::lookup(name)?;
            let mut slots = sig.args.iter().enumerate().filter(|(_, t)| t.as_str() == want);
            let (first, _) = slots.next()?;
            if slots.next().is_some() {
                src.tokens.get(i).map(|t| t.pos)
            } else {
                src.arg_pos(i, first)
            }
        });
        return src.error_at(text, pos);
    }
    // Type errors in aggregations: the crate says "aggregation expression" for both places.
    if let Some(rest) = msg.strip_prefix("expected type ")
        && let Some((want, got)) = rest.split_once(" in aggregation expression, got ")
    {
        let param = want != "vector";
        let text = format!(
            "expected type {} in aggregation {}, got {}",
            documented(want),
            if param { "parameter" } else { "expression" },
            documented(got)
        );
        let pos = aggregation_index(src).and_then(|i| {
            let has_param =
                ["topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"]
                    .iter()
                    .any(|op| src.tokens[i].is_keyword(op));
            src.arg_pos(i, usize::from(has_param && !param))
        });
        return src.error_at(text, pos);
    }
    for (prefix, middle) in [
        ("expected at least ", " argument(s) in call to "),
        ("expected at most ", " argument(s) in call to "),
        ("expected ", " argument(s) in call to "),
    ] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some((n, rest)) = rest.split_once(middle)
            && let Some((name, got)) = rest.rsplit_once(", got ")
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            let name = unquote_single(name);
            let text = format!("{prefix}{n}{middle}{}, got {got}", quote(name));
            let pos = src.call_index(name).map(|i| src.tokens[i].pos);
            return src.error_at(text, pos);
        }
    }
    if let Some(name) = msg.strip_prefix("unknown function with name ") {
        let name = unquote_single(name);
        return src.error_at_token(format!("unknown function with name {}", quote(name)), |t| {
            t.kind == Kind::Ident && t.text == name
        });
    }
    if let Some(rest) = msg.strip_prefix("set operator ")
        && let Some(op) = rest.strip_suffix(" not allowed in binary scalar expression")
    {
        let op = unquote_single(op);
        let text = format!("set operator {} not allowed in binary scalar expression", quote(op));
        return src.error_at(text, src.binary_start(op));
    }
    if let Some(rest) = msg.strip_prefix("no grouping allowed for ")
        && let Some(op) = rest.strip_suffix(" operation")
    {
        let op = unquote_single(op);
        let text = format!("no grouping allowed for {} operation", quote(op));
        return src.error_at(text, src.binary_start(op));
    }
    if let Some(rest) = msg.strip_prefix("label ")
        && let Some(label) = rest.strip_suffix(" must not occur in ON and GROUP clause at once")
    {
        let text = format!(
            "label {} must not occur in ON and GROUP clause at once",
            quote(unquote_single(label))
        );
        let pos = operator_before(src, "on");
        return src.error_at(text, pos);
    }
    if let Some(rest) = msg.strip_prefix("metric name must not be set twice: ")
        && let Some((a, b)) = rest.split_once(" or ")
    {
        let (a, b) = (unquote_single(a), unquote_single(b));
        let text = format!("metric name must not be set twice: {} or {}", quote(a), quote(b));
        return src.error_at_token(text, |t| t.kind == Kind::Ident && t.text == a);
    }
    if let Some(t) = msg
        .strip_prefix("unary expression only allowed on expressions of type scalar or vector, got")
    {
        let t = t.trim_start_matches(':').trim();
        return none(format!(
            "unary expression only allowed on expressions of type scalar or instant vector, got {}",
            quote(documented(t))
        ));
    }
    if let Some(rest) = msg.strip_prefix("subquery is only allowed on vector, got ") {
        return none(format!("subquery is only allowed on instant vector, got {rest}"));
    }
    if let Some(secs) = msg.strip_prefix("timestamp out of bounds for @ modifier: ") {
        let secs = secs.parse::<f64>().map_or_else(|_| secs.to_string(), |v| format!("{v:.6}"));
        return src
            .error_at_token(format!("timestamp out of bounds for @ modifier: {secs}"), |t| {
                t.is("@")
            });
    }
    if let Some(re) = msg.strip_prefix("illegal regex for ") {
        let text = match Matcher::prometheus(MatchOp::Regex, "x", re) {
            Err(e) => e.to_string(),
            Ok(_) => format!("error parsing regexp: unsupported regular expression `{re}`"),
        };
        let pos = src.tokens.windows(3).find_map(|w| {
            let op = w[1].is("=~") || w[1].is("!~");
            let value = model::gostr::unquote(&w[2].text).ok();
            (op && value.as_deref() == Some(re.as_bytes())).then_some(w[0].pos)
        });
        return src.error_at(text, pos);
    }
    if msg.starts_with("no arguments for aggregate expression") {
        let pos = aggregation_index(src).map(|i| src.tokens[i].pos);
        return src.error_at("no arguments for aggregate expression provided", pos);
    }
    if msg.starts_with("wrong number of arguments for aggregate expression") {
        let pos = aggregation_index(src).map(|i| src.tokens[i].pos);
        return src.error_at(msg, pos);
    }
    match msg {
        "vector matching only allowed between vectors" => {
            let text = "vector matching only allowed between instant vectors";
            let pos = ["on", "ignoring"].iter().find_map(|kw| {
                let i = src.tokens.iter().position(|t| t.is_keyword(kw))?;
                src.binary_start(&src.tokens.get(i.checked_sub(1)?)?.text)
            });
            src.error_at(text, pos)
        }
        "@ modifier must be preceded by an vector selector or matrix selector or a subquery" => {
            none("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery".into())
        }
        "offset modifier must be preceded by an vector selector or matrix selector or a subquery" => {
            none("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery".into())
        }
        "bool modifier can only be used on comparison operators" => {
            src.error_at(msg, operator_before(src, "bool"))
        }
        "comparisons between scalars must use BOOL modifier" => {
            src.error_at_token(msg, |t| {
                t.kind == Kind::Punct && ["==", "!=", "<", ">", "<=", ">="].contains(&t.text.as_str())
            })
        }
        // Lexer errors: Prometheus places them where the lexer stopped.
        "unclosed left parenthesis" => src.error_at(msg, Some(src.input.len())),
        "unexpected right parenthesis ')'" => {
            let mut depth = 0usize;
            let pos = src.tokens.iter().find_map(|t| {
                match t.text.as_str() {
                    "(" => depth += 1,
                    // Upstream reports the position just after it.
                    ")" if depth == 0 => return Some(t.pos + 1),
                    ")" => depth -= 1,
                    _ => {}
                }
                None
            });
            src.error_at(msg, pos)
        }
        "vector selector must contain at least one non-empty matcher" => {
            src.error_at_token(msg, |t| t.is("{"))
        }
        "no offset modifiers allowed before range"
        | "no @ modifiers allowed before range"
        | "ranges only allowed for vector selectors" => src.error_at_token(msg, |t| t.is("[")),
        "duration must be greater than 0" => {
            let pos = src.tokens.windows(2).find_map(|w| (w[0].is("[")).then_some(w[1].pos));
            src.error_at(msg, pos)
        }
        "unexpected end of input in offset, expected duration" => src.error_at(
            "unexpected end of input in offset, expected number, duration, step(), or range()",
            Some(src.input.len()),
        ),
        "unexpected end of input in @, expected timestamp" => {
            src.error_at(msg, Some(src.input.len()))
        }
        "missing unit character in duration" => src.error_at_token(
            r#"unexpected "]" in subquery or range selector, expected number, duration, step(), or range()"#,
            |t| t.is("]"),
        ),
        "trailing commas not allowed in function call args" => {
            let pos = src.tokens.windows(2).find_map(|w| (w[0].is(",") && w[1].is(")")).then_some(w[0].pos));
            src.error_at(msg, pos)
        }
        // The crate gives no detail on grammar errors; an expression that stops after an
        // operator or an opening bracket is one case upstream words precisely.
        "invalid promql query" if ends_unfinished(src) => {
            src.error_at("unexpected end of input", Some(src.input.len()))
        }
        m if m.starts_with("no expression found in input") => {
            src.error_at("no expression found in input", None)
        }
        m => none(m.to_string()),
    }
}

/// The position of the binary operator that precedes keyword `kw` (`bool`, `on`): the
/// operator part of the expression, where Prometheus places matching errors.
fn operator_before(src: &Source<'_>, kw: &str) -> Option<usize> {
    let i = src.tokens.iter().position(|t| t.is_keyword(kw))?;
    let mut j = i.checked_sub(1)?;
    if src.tokens[j].is_keyword("bool") {
        j = j.checked_sub(1)?;
    }
    Some(src.tokens[j].pos)
}

/// Whether the input stops where an operand must follow (after a binary operator, a comma or
/// an opening bracket).
fn ends_unfinished(src: &Source<'_>) -> bool {
    const OPEN: [&str; 19] = [
        "+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">=", "(", "[", "{", ",", "=",
        "=~", "!~",
    ];
    src.tokens.last().is_some_and(|t| {
        OPEN.contains(&t.text.as_str())
            || ["and", "or", "unless", "atan2", "bool"].iter().any(|k| t.is_keyword(k))
    })
}
