//! Alertmanager's UTF-8 matcher parser (`utf8-strict-mode`, and the first try in the default
//! fallback mode).
//!
//! Grammar: an optional `{`; zero or more `name op value` separated by commas, with one
//! trailing comma allowed; a `}` if and only if there was a `{`. Names and values are either
//! double-quoted Go string literals (any valid UTF-8 after unescaping) or unquoted runs of
//! characters other than white space and ``{}!=~,\"'` ``. White space between tokens is
//! ignored. Error texts, with their `start:end` columns, are upstream's.

use std::fmt;

use super::lexer::{LexError, Lexer, Token, TokenKind};
use super::{Dialect, MatchOp, Matcher, Matchers};
use crate::gostr;
use crate::regex::RegexError;

/// Why the UTF-8 parser rejected its input. `Display` is Alertmanager's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Utf8ParseError {
    /// The input does not follow the grammar; the text names the columns, the offending text
    /// and what was expected, e.g. `0:3: unexpected ,: expected label name`.
    #[error("{0}")]
    Syntax(String),
    /// A `=~` or `!~` value is not a valid regex.
    #[error("failed to create matcher: {0}")]
    Regex(#[source] RegexError),
    /// Single-matcher parsing found none.
    #[error("no matchers")]
    NoMatchers,
    /// Single-matcher parsing found more than one.
    #[error("expected 1 matcher, found {0}")]
    TooManyMatchers(usize),
}

/// Parses zero or more matchers (`{a="1", b=~"2"}`, `a=1,b=~2`, ``, `{}`) with the UTF-8
/// parser.
pub fn parse_matchers_utf8(input: &str) -> Result<Matchers, Utf8ParseError> {
    Parser { lexer: Lexer::new(input), has_open_brace: false, matchers: Vec::new() }.parse()
}

/// Parses exactly one matcher with the UTF-8 parser (braces allowed here; the parse modes
/// reject them for single matchers).
pub fn parse_matcher_utf8(input: &str) -> Result<Matcher, Utf8ParseError> {
    let mut matchers = parse_matchers_utf8(input)?.into_vec();
    match matchers.len() {
        1 => matchers.pop().ok_or(Utf8ParseError::NoMatchers),
        0 => Err(Utf8ParseError::NoMatchers),
        n => Err(Utf8ParseError::TooManyMatchers(n)),
    }
}

/// What the next token was, when it was not what the parser wanted.
enum Unwanted {
    /// The input ended.
    Eof,
    /// A token of another kind: `start:end: unexpected TEXT`.
    Token(String),
    /// The lexer failed.
    Lex(LexError),
}

impl fmt::Display for Unwanted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unwanted::Eof => f.write_str("end of input"),
            Unwanted::Token(s) => f.write_str(s),
            Unwanted::Lex(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl From<LexError> for Unwanted {
    fn from(e: LexError) -> Self {
        Unwanted::Lex(e)
    }
}

/// The parser's states; each consumes some tokens and names the next.
#[derive(Debug, Clone, Copy)]
enum State {
    OpenBrace,
    CloseBrace,
    Matcher,
    EndOfMatcher,
    Comma,
    Eof,
}

const EXPECTED_LABEL_NAME: &str = "expected label name";
const EXPECTED_LABEL_VALUE: &str = "expected label value";
const EXPECTED_OPERATOR: &str = "expected an operator such as '=', '!=', '=~' or '!~'";
const EXPECTED_COMMA_OR_CLOSE: &str = "expected a comma or close brace";
const EXPECTED_MATCHER_OR_CLOSE: &str = "expected a matcher or close brace after comma";
const EXPECTED_CLOSE: &str = "expected close brace";
const EXPECTED_OPEN: &str = "expected opening brace";
const EXPECTED_EOF: &str = "expected end of input";

fn syntax(what: impl fmt::Display, context: &str) -> Utf8ParseError {
    Utf8ParseError::Syntax(format!("{what}: {context}"))
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    has_open_brace: bool,
    matchers: Vec<Matcher>,
}

impl<'a> Parser<'a> {
    fn parse(mut self) -> Result<Matchers, Utf8ParseError> {
        let mut state = Some(State::OpenBrace);
        while let Some(s) = state {
            state = match s {
                State::OpenBrace => self.open_brace()?,
                State::CloseBrace => self.close_brace()?,
                State::Matcher => self.matcher()?,
                State::EndOfMatcher => self.end_of_matcher()?,
                State::Comma => self.comma()?,
                State::Eof => self.eof()?,
            };
        }
        Ok(Matchers::from(self.matchers))
    }

    fn open_brace(&mut self) -> Result<Option<State>, Utf8ParseError> {
        // An optional open brace.
        match self.accept(TokenKind::OpenBrace) {
            Ok(open) => self.has_open_brace = open,
            Err(Unwanted::Eof) => return Ok(Some(State::Eof)),
            Err(e) => return Err(Utf8ParseError::Syntax(e.to_string())),
        }
        // A close brace right away means no matchers; at the end of input the close brace
        // state reports the missing one.
        match self.accept_peek(TokenKind::CloseBrace) {
            Ok(true) | Err(Unwanted::Eof) => Ok(Some(State::CloseBrace)),
            Ok(false) => Ok(Some(State::Matcher)),
            Err(e) => Err(Utf8ParseError::Syntax(e.to_string())),
        }
    }

    fn close_brace(&mut self) -> Result<Option<State>, Utf8ParseError> {
        let found = self.expect(&[TokenKind::CloseBrace]);
        if self.has_open_brace {
            if let Err(e) = found {
                let col = self.lexer.column_end();
                return Err(Utf8ParseError::Syntax(format!("0:{col}: {e}: {EXPECTED_CLOSE}")));
            }
        } else if found.is_ok() {
            let col = self.lexer.column_end();
            return Err(Utf8ParseError::Syntax(format!("0:{col}: }}: {EXPECTED_OPEN}")));
        }
        Ok(Some(State::Eof))
    }

    fn matcher(&mut self) -> Result<Option<State>, Utf8ParseError> {
        let name = self
            .expect(&[TokenKind::Quoted, TokenKind::Unquoted])
            .map_err(|e| syntax(e, EXPECTED_LABEL_NAME))?;
        let name = unquote(&name)?;
        let op = self
            .expect(&[
                TokenKind::Equals,
                TokenKind::NotEquals,
                TokenKind::Matches,
                TokenKind::NotMatches,
            ])
            .map_err(|e| syntax(e, EXPECTED_OPERATOR))?;
        let op = match op.kind {
            TokenKind::NotEquals => MatchOp::NotEqual,
            TokenKind::Matches => MatchOp::Regex,
            TokenKind::NotMatches => MatchOp::NotRegex,
            _ => MatchOp::Equal,
        };
        let value = self
            .expect(&[TokenKind::Unquoted, TokenKind::Quoted])
            .map_err(|e| syntax(e, EXPECTED_LABEL_VALUE))?;
        let value = unquote(&value)?;
        let matcher =
            Matcher::new(Dialect::Alertmanager, op, name, value).map_err(Utf8ParseError::Regex)?;
        self.matchers.push(matcher);
        Ok(Some(State::EndOfMatcher))
    }

    fn end_of_matcher(&mut self) -> Result<Option<State>, Utf8ParseError> {
        match self.expect_peek(&[TokenKind::Comma, TokenKind::CloseBrace]) {
            Ok(t) if t.kind == TokenKind::Comma => Ok(Some(State::Comma)),
            Ok(_) | Err(Unwanted::Eof) => Ok(Some(State::CloseBrace)),
            Err(e) => Err(syntax(e, EXPECTED_COMMA_OR_CLOSE)),
        }
    }

    fn comma(&mut self) -> Result<Option<State>, Utf8ParseError> {
        self.expect(&[TokenKind::Comma]).map_err(|e| syntax(e, "expected a comma"))?;
        // After a comma: another matcher, a close brace or the end of input.
        match self.expect_peek(&[TokenKind::CloseBrace, TokenKind::Unquoted, TokenKind::Quoted]) {
            Ok(t) if t.kind == TokenKind::CloseBrace => Ok(Some(State::CloseBrace)),
            Ok(_) => Ok(Some(State::Matcher)),
            Err(Unwanted::Eof) => Ok(Some(State::CloseBrace)),
            Err(e) => Err(syntax(e, EXPECTED_MATCHER_OR_CLOSE)),
        }
    }

    fn eof(&mut self) -> Result<Option<State>, Utf8ParseError> {
        match self.lexer.scan() {
            Ok(t) if t.kind == TokenKind::Eof => Ok(None),
            Ok(t) => Err(Utf8ParseError::Syntax(format!(
                "{}:{}: {}: {EXPECTED_EOF}",
                t.pos.column_start, t.pos.column_end, t.text
            ))),
            Err(e) => Err(syntax(e, EXPECTED_EOF)),
        }
    }

    /// Consumes the next token if it is of `kind`; says whether it did.
    fn accept(&mut self, kind: TokenKind) -> Result<bool, Unwanted> {
        let ok = self.accept_peek(kind)?;
        if ok {
            self.lexer.scan()?;
        }
        Ok(ok)
    }

    /// Whether the next token is of `kind`, without consuming it.
    fn accept_peek(&mut self, kind: TokenKind) -> Result<bool, Unwanted> {
        let t = self.lexer.peek()?;
        if t.kind == TokenKind::Eof {
            return Err(Unwanted::Eof);
        }
        Ok(t.kind == kind)
    }

    /// Consumes and returns the next token if it is one of `kinds`.
    fn expect(&mut self, kinds: &[TokenKind]) -> Result<Token<'a>, Unwanted> {
        let t = self.expect_peek(kinds)?;
        self.lexer.scan()?;
        Ok(t)
    }

    /// Returns the next token, without consuming it, if it is one of `kinds`.
    fn expect_peek(&mut self, kinds: &[TokenKind]) -> Result<Token<'a>, Unwanted> {
        let t = self.lexer.peek()?;
        if t.kind == TokenKind::Eof {
            return Err(Unwanted::Eof);
        }
        if !kinds.contains(&t.kind) {
            return Err(Unwanted::Token(format!(
                "{}:{}: unexpected {}",
                t.pos.column_start, t.pos.column_end, t.text
            )));
        }
        Ok(t)
    }
}

/// The text of a name or value token: a quoted one is unescaped as a Go string literal and
/// must come out as valid UTF-8.
fn unquote(t: &Token<'_>) -> Result<String, Utf8ParseError> {
    if t.kind != TokenKind::Quoted {
        return Ok(t.text.to_owned());
    }
    gostr::unquote(t.text).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(|| {
        Utf8ParseError::Syntax(format!(
            "{}:{}: {}: invalid input",
            t.pos.column_start, t.pos.column_end, t.text
        ))
    })
}
