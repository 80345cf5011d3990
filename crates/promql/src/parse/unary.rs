//! Unary `+`, which the crate drops (`+foo` comes back as `foo`), recovered.
//!
//! Prometheus keeps `+expr` as a unary node (it prints `+foo`) and folds a sign into a bare
//! number literal (`+1` is `1`, `- -1` is `1`). Every prefix `+` or `-` whose operand is not a
//! bare number therefore becomes exactly one unary node, and those nodes come in the same order
//! in a pre-order walk of the tree as their operators in the text. So each such `+` is handed
//! to the crate as a `-` (same length, positions unchanged), and the conversion turns the n-th
//! unary node into `Pos` when the n-th prefix operator was a `+`.

use super::lexer::{Kind, Token};

/// For each prefix operator with a non-number operand, in text order: whether it is a `+`.
pub(crate) fn prefix_ops(tokens: &[Token]) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    // For each open bracket: whether it opens a label list of a matching/grouping clause.
    let mut clause_parens: Vec<bool> = Vec::new();
    let mut prev_closes_clause = false;
    for (i, t) in tokens.iter().enumerate() {
        let prefix_slot = i == 0 || prev_closes_clause || is_operand_start(&tokens[i - 1]);
        prev_closes_clause = false;
        match t.text.as_str() {
            "(" | "{" | "[" => {
                let clause = t.is("(")
                    && i > 0
                    && ["on", "ignoring", "group_left", "group_right"]
                        .iter()
                        .any(|k| tokens[i - 1].is_keyword(k));
                clause_parens.push(clause);
            }
            ")" | "}" | "]" => prev_closes_clause = clause_parens.pop().unwrap_or(false),
            _ => {}
        }
        if (t.is("+") || t.is("-")) && prefix_slot && !bare_number(tokens, i + 1) {
            out.push((t.pos, t.is("+")));
        }
        // `group_left`/`group_right` without a label list are followed by the operand.
        if t.is_keyword("group_left") || t.is_keyword("group_right") {
            prev_closes_clause = !tokens.get(i + 1).is_some_and(|n| n.is("("));
        }
    }
    out
}

/// Whether the token before a position makes that position the start of an operand.
fn is_operand_start(prev: &Token) -> bool {
    const OPS: [&str; 14] =
        ["(", ",", "+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">="];
    (prev.kind == Kind::Punct && OPS.contains(&prev.text.as_str()))
        || ["and", "or", "unless", "atan2", "bool"].iter().any(|k| prev.is_keyword(k))
}

/// Whether the operand starting at token `i` is a number literal once signs are folded: a
/// number (or further signs and a number) not followed by `^`, which binds tighter.
fn bare_number(tokens: &[Token], mut i: usize) -> bool {
    while tokens.get(i).is_some_and(|t| t.is("+") || t.is("-")) {
        i += 1;
    }
    let Some(t) = tokens.get(i) else { return false };
    let number = matches!(t.kind, Kind::Number | Kind::Duration)
        || t.is_keyword("inf")
        || t.is_keyword("nan");
    number && !tokens.get(i + 1).is_some_and(|n| n.is("^"))
}

/// `text` (the crate's input, same token positions as the original) with each recovered `+`
/// turned into `-`.
pub(crate) fn plus_as_minus(text: &str, ops: &[(usize, bool)]) -> Option<String> {
    if !ops.iter().any(|&(_, plus)| plus) {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for &(pos, plus) in ops {
        if plus && bytes.get(pos) == Some(&b'+') {
            bytes[pos] = b'-';
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lexer::tokenize;

    fn signs(input: &str) -> Vec<bool> {
        prefix_ops(&tokenize(input)).into_iter().map(|(_, plus)| plus).collect()
    }

    #[test]
    fn finds_prefix_operators_with_non_number_operands() {
        assert_eq!(signs("+foo"), [true]);
        assert_eq!(signs("-foo + +bar"), [false, true]);
        assert_eq!(signs("+1 + -2 * - -3"), Vec::<bool>::new());
        assert_eq!(signs("-1 ^ 2"), [false]);
        assert_eq!(signs("+(1)"), [true]);
        assert_eq!(signs("-+foo"), [false, true]);
        assert_eq!(signs("a * on(x) group_left(y) +b"), [true]);
        assert_eq!(signs("a * on(x) group_left +b"), [true]);
        assert_eq!(signs("a > bool +b"), [true]);
        assert_eq!(signs("sum by (a) (+b)"), [true]);
        // After a grouping clause written last, a sign is a binary operator.
        assert_eq!(signs("sum(x) by (a) + y"), Vec::<bool>::new());
        // Signs of offsets and `@` times are not unary operators.
        assert_eq!(signs("foo offset -5m"), Vec::<bool>::new());
        assert_eq!(signs("foo @ -100"), Vec::<bool>::new());
    }
}
