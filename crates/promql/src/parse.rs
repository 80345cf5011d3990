//! Parsing: `promql-parser`'s tree converted into [`crate::ast`], then validated.
//!
//! The crate parses; [`convert`] turns its tree into ours at once (the engine never sees the
//! crate's types); [`validate`] applies Prometheus' type checks (upstream `checkAST`) and
//! refuses what the crate accepts but Prometheus does not. The crate's tree has no positions
//! and its messages differ from upstream's, so [`errors`] rewrites its messages into
//! Prometheus' words and places errors by finding the offending token with our own small
//! [`lexer`].
//!
//! The crate drops a unary `+`; [`unary`] recovers it (Prometheus keeps `+foo` as a node).

mod convert;
mod depth;
mod errors;
mod lexer;
mod unary;
mod validate;

use std::fmt;

use crate::ast::Expr;

pub use crate::display::pretty;

/// What the parser accepts beyond stable PromQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// `--enable-feature=promql-experimental-functions`.
    pub experimental_functions: bool,
}

/// A parse error, printed as Prometheus prints it (`1:5: parse error: ...` when the position is
/// known, `parse error: ...` otherwise).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The message alone, in Prometheus' words (`unknown function with name "foo"`).
    pub message: String,
    /// 1-based line and column (in bytes), when known.
    pub position: Option<(usize, usize)>,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, position: Option<(usize, usize)>) -> Self {
        ParseError { message: message.into(), position }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{line}:{col}: parse error: {}", self.message),
            None => write!(f, "parse error: {}", self.message),
        }
    }
}

/// Parses stable PromQL.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    parse_with(input, ParseOptions::default())
}

/// Parses with options.
pub fn parse_with(input: &str, opts: ParseOptions) -> Result<Expr, ParseError> {
    let mut src = Source::new(input);
    src.precheck()?;
    let ops = unary::prefix_ops(&src.tokens);
    let expr = match unary::plus_as_minus(input, &ops) {
        Some(signed) => {
            src.unary_plus = ops.iter().map(|&(_, plus)| plus).collect();
            let expr = parse_prepared(&src, &signed)?;
            if src.unary_seen.get() == src.unary_plus.len() {
                expr
            } else {
                // The unary nodes did not line up with the operators found in the text: parse
                // the text as written, where `+` is simply dropped.
                src.unary_plus.clear();
                src.unary_seen.set(0);
                src.call_cursor.set(0);
                parse_prepared(&src, input)?
            }
        }
        None => parse_prepared(&src, input)?,
    };
    validate::check(&src, &expr, opts)?;
    Ok(expr)
}

/// Runs the crate on `text` (the input, or the input with recovered `+` signs as `-`) after
/// the rewrites it needs, and converts its tree.
fn parse_prepared(src: &Source<'_>, text: &str) -> Result<Expr, ParseError> {
    let prepared = lexer::rewrite_for_crate(text, &src.tokens);
    let tree = run_crate(prepared.as_deref().unwrap_or(text))
        .map_err(|msg| errors::translate(src, &msg))?;
    if src.depth_bound > depth::MAX_DEPTH && depth::depth(&tree) > depth::MAX_DEPTH {
        depth::drop_flat(tree);
        return Err(ParseError::new(depth::too_deep_message(), None));
    }
    convert::convert(src, &tree)
}

/// Runs the crate's parser. Its number-to-duration conversion panics on values `precheck`
/// refuses; the unwind guard is a second line for anything else.
fn run_crate(text: &str) -> Result<promql_parser::parser::Expr, String> {
    std::panic::catch_unwind(|| promql_parser::parser::parse(text))
        .unwrap_or_else(|_| Err("unexpected error".to_string()))
}

/// The input with its tokens, for placing errors.
pub(crate) struct Source<'a> {
    pub input: &'a str,
    pub tokens: Vec<lexer::Token>,
    /// For each unary node the crate will produce, in pre-order: whether it is a `+`.
    unary_plus: Vec<bool>,
    /// How many unary nodes the conversion has taken so far.
    unary_seen: std::cell::Cell<usize>,
    /// The token after the last call or aggregation the conversion has placed.
    call_cursor: std::cell::Cell<usize>,
    /// An upper bound on the tree's depth, from the tokens.
    depth_bound: usize,
}

impl<'a> Source<'a> {
    fn new(input: &'a str) -> Self {
        let tokens = lexer::tokenize(input);
        Source {
            input,
            depth_bound: depth::bound(&tokens),
            tokens,
            unary_plus: Vec::new(),
            unary_seen: std::cell::Cell::new(0),
            call_cursor: std::cell::Cell::new(0),
        }
    }

    /// The operator of the next unary node in pre-order (`Neg` unless a `+` was recovered).
    pub fn next_unary(&self) -> crate::ast::UnaryOp {
        let n = self.unary_seen.get();
        self.unary_seen.set(n + 1);
        match self.unary_plus.get(n) {
            Some(true) => crate::ast::UnaryOp::Pos,
            _ => crate::ast::UnaryOp::Neg,
        }
    }

    /// Where the next call or aggregation named `name` and its first `nargs` arguments start.
    ///
    /// The conversion visits nodes in pre-order, which is the text order of their name tokens
    /// (a node's name precedes its arguments, a left operand its right one), so the next
    /// name token followed by `(` (or by `by`/`without`) after the previous one is this node's.
    /// Names after `@` (`@ start()`) are modifiers, not calls.
    pub fn next_call(&self, name: &str, nargs: usize) -> crate::ast::Positions {
        let from = self.call_cursor.get();
        let found = self.tokens.iter().enumerate().skip(from).position(|(i, t)| {
            let opens = self
                .tokens
                .get(i + 1)
                .is_some_and(|n| n.is("(") || n.is_keyword("by") || n.is_keyword("without"));
            let after_at = i > 0 && self.tokens[i - 1].is("@");
            t.is_keyword(name) && opens && !after_at
        });
        let Some(idx) = found.map(|k| k + from) else {
            return crate::ast::Positions::default();
        };
        self.call_cursor.set(idx + 1);
        let at = |p: usize| {
            let (line, col) = lexer::line_col(self.input, p);
            (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX))
        };
        crate::ast::Positions {
            node: Some(at(self.tokens[idx].pos)),
            args: (0..nargs).map(|k| self.arg_pos(idx, k).map(at)).collect(),
        }
    }

    /// An error at byte offset `pos`.
    pub fn error_at(&self, message: impl Into<String>, pos: Option<usize>) -> ParseError {
        ParseError::new(message, pos.map(|p| lexer::line_col(self.input, p)))
    }

    /// An error at the first token satisfying `pred` (no position when there is none).
    pub fn error_at_token(
        &self,
        message: impl Into<String>,
        pred: impl Fn(&lexer::Token) -> bool,
    ) -> ParseError {
        self.error_at(message, self.tokens.iter().find(|t| pred(t)).map(|t| t.pos))
    }

    /// An error at the first matcher on label `name` (the label token inside braces).
    pub fn error_at_label(&self, message: &str, name: &str) -> ParseError {
        let quoted = model::gostr::quote(name);
        let pos = self.tokens.windows(2).find_map(|w| {
            let is_name = w[0].text == name || w[0].text == quoted;
            (is_name && ["=", "!=", "=~", "!~"].contains(&w[1].text.as_str())).then_some(w[0].pos)
        });
        self.error_at(message, pos)
    }

    /// Where a binary expression with operator `op` starts, when that can be told: the
    /// operator appears once, outside any parentheses, so the expression is the whole input.
    pub fn binary_start(&self, op: &str) -> Option<usize> {
        let mut depth = 0usize;
        let mut found = None;
        for t in &self.tokens {
            match t.text.as_str() {
                "(" | "{" | "[" => depth += 1,
                ")" | "}" | "]" => depth = depth.saturating_sub(1),
                _ => {}
            }
            if t.kind != lexer::Kind::Str && (t.is(op) || t.is_keyword(op)) {
                if found.is_some() || depth > 0 {
                    return None;
                }
                found = Some(t.pos);
            }
        }
        found.and(self.tokens.first().map(|t| t.pos))
    }

    /// The index of the first call of function `name` (its name token followed by `(`).
    pub fn call_index(&self, name: &str) -> Option<usize> {
        self.tokens.windows(2).position(|w| w[0].is_keyword(name) && w[1].is("("))
    }

    /// The byte offset where argument `arg` of the call (or aggregation) whose name token is
    /// at `idx` starts; the aggregation's `by`/`without` clause before the parentheses is
    /// skipped.
    pub fn arg_pos(&self, idx: usize, arg: usize) -> Option<usize> {
        let mut i = idx + 1;
        if self.tokens.get(i).is_some_and(|t| t.is_keyword("by") || t.is_keyword("without")) {
            i = self.tokens[i..].iter().position(|t| t.is(")"))? + i + 1;
        }
        if !self.tokens.get(i)?.is("(") {
            return None;
        }
        let (mut depth, mut n) = (0usize, 0usize);
        let mut want_start = true;
        for t in &self.tokens[i + 1..] {
            if want_start && depth == 0 && n == arg {
                return Some(t.pos);
            }
            want_start = false;
            match t.text.as_str() {
                "(" | "{" | "[" => depth += 1,
                ")" | "}" | "]" if depth == 0 => return None,
                ")" | "}" | "]" => depth -= 1,
                "," if depth == 0 => {
                    n += 1;
                    want_start = true;
                }
                _ => {}
            }
        }
        None
    }

    /// Refuses, before the crate sees them, number durations it cannot hold (it would panic).
    fn precheck(&self) -> Result<(), ParseError> {
        if depth::bound_too_large(self.depth_bound) {
            return Err(ParseError::new(depth::too_deep_message(), None));
        }
        let mut bracket_depth = 0usize;
        for (i, t) in self.tokens.iter().enumerate() {
            match t.text.as_str() {
                "[" => bracket_depth += 1,
                "]" => bracket_depth = bracket_depth.saturating_sub(1),
                _ => {}
            }
            let duration_slot =
                (bracket_depth > 0 && (t.is("[") || t.is(":"))) || t.is_keyword("offset");
            if !duration_slot {
                continue;
            }
            let mut j = i + 1;
            if t.is_keyword("offset") && self.tokens.get(j).is_some_and(|n| n.is("+") || n.is("-"))
            {
                j += 1;
            }
            let Some(next) = self.tokens.get(j) else { continue };
            let numeric = next.kind == lexer::Kind::Number
                || next.is_keyword("inf")
                || next.is_keyword("nan");
            if numeric
                && lexer::number_value(&next.text)
                    .is_some_and(|v| !lexer::duration_number_in_range(v))
            {
                return Err(self.error_at("duration out of range", Some(next.pos)));
            }
        }
        Ok(())
    }
}
