//! The tokenizer of the UTF-8 matcher parser.
//!
//! Positions count bytes (offsets) and Unicode scalar values (columns) from the start of the
//! input, because Alertmanager's error messages quote columns (`3:4: ~: invalid input`). An
//! error is sticky: once the lexer failed, every later `scan` returns the same error.

use std::fmt;

use super::is_reserved;

/// The kinds of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    Eof,
    OpenBrace,
    CloseBrace,
    Comma,
    Equals,
    NotEquals,
    Matches,
    NotMatches,
    Quoted,
    Unquoted,
}

/// Where a token (or the text an error is about) lies in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Position {
    pub offset_start: usize,
    pub offset_end: usize,
    pub column_start: usize,
    pub column_end: usize,
}

/// A token: its kind, its text exactly as in the input (quotes and escapes included) and its
/// position. The end-of-input token has empty text and a zero position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub pos: Position,
}

impl Token<'_> {
    fn eof() -> Self {
        Token { kind: TokenKind::Eof, text: "", pos: Position::default() }
    }
}

/// Input that is not a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LexError {
    /// An operator started with `!` (or `=`) but did not go on as one.
    Expected { pos: Position, text: String, at_end: bool, expected: &'static str },
    /// A character that cannot start a token (`~`, `\`, `'`, `` ` ``).
    InvalidInput { pos: Position, text: String },
    /// A double-quoted string without its closing quote.
    Unterminated { pos: Position, text: String },
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexError::Expected { pos, at_end: true, expected, .. } => write!(
                f,
                "{}:{}: unexpected end of input, expected one of '{expected}'",
                pos.column_start, pos.column_end
            ),
            LexError::Expected { pos, text, at_end: false, expected } => write!(
                f,
                "{}:{}: {text}: expected one of '{expected}'",
                pos.column_start, pos.column_end
            ),
            LexError::InvalidInput { pos, text } => {
                write!(f, "{}:{}: {text}: invalid input", pos.column_start, pos.column_end)
            }
            LexError::Unterminated { pos, text } => {
                write!(f, "{}:{}: {text}: missing end \"", pos.column_start, pos.column_end)
            }
        }
    }
}

/// Scans tokens off the input one at a time.
#[derive(Debug, Clone)]
pub(super) struct Lexer<'a> {
    input: &'a str,
    err: Option<LexError>,
    /// Byte offset where the current token starts.
    start: usize,
    /// Byte offset of the cursor.
    pos: usize,
    /// Width in bytes of the character last read (0 at end of input).
    width: usize,
    /// Column where the current token starts.
    column: usize,
    /// Columns read so far (the cursor's column).
    cols: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Lexer { input, err: None, start: 0, pos: 0, width: 0, column: 0, cols: 0 }
    }

    /// The next token, an end-of-input token once the input is used up, or the (sticky) error.
    pub(super) fn scan(&mut self) -> Result<Token<'a>, LexError> {
        if let Some(err) = &self.err {
            return Err(err.clone());
        }
        let result = self.scan_token();
        if let Err(err) = &result {
            self.err = Some(err.clone());
        }
        result
    }

    /// The token `scan` would return, without consuming it. An error still sticks.
    pub(super) fn peek(&mut self) -> Result<Token<'a>, LexError> {
        let saved = (self.start, self.pos, self.width, self.column, self.cols);
        let result = self.scan();
        (self.start, self.pos, self.width, self.column, self.cols) = saved;
        result
    }

    /// The column just past the last token consumed.
    pub(super) fn column_end(&self) -> usize {
        self.cols
    }

    fn scan_token(&mut self) -> Result<Token<'a>, LexError> {
        while let Some(c) = self.next() {
            match c {
                '{' => return Ok(self.emit(TokenKind::OpenBrace)),
                '}' => return Ok(self.emit(TokenKind::CloseBrace)),
                ',' => return Ok(self.emit(TokenKind::Comma)),
                '=' | '!' => {
                    self.rewind();
                    return self.scan_operator();
                }
                '"' => {
                    self.rewind();
                    return self.scan_quoted();
                }
                c if !is_reserved(c) => {
                    self.rewind();
                    return Ok(self.scan_unquoted());
                }
                c if c.is_whitespace() => self.skip(),
                _ => {
                    return Err(LexError::InvalidInput {
                        pos: self.position(),
                        text: self.current_text().to_owned(),
                    });
                }
            }
        }
        Ok(Token::eof())
    }

    fn scan_operator(&mut self) -> Result<Token<'a>, LexError> {
        if self.accept('!') {
            if self.accept('=') {
                return Ok(self.emit(TokenKind::NotEquals));
            }
            if self.accept('~') {
                return Ok(self.emit(TokenKind::NotMatches));
            }
            return Err(self.expected("=~"));
        }
        if self.accept('=') {
            if self.accept('~') {
                return Ok(self.emit(TokenKind::Matches));
            }
            return Ok(self.emit(TokenKind::Equals));
        }
        Err(self.expected("!="))
    }

    fn scan_quoted(&mut self) -> Result<Token<'a>, LexError> {
        if !self.accept('"') {
            return Err(self.expected("\""));
        }
        let mut escaped = false;
        while let Some(c) = self.next() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                self.rewind();
                break;
            }
        }
        if !self.accept('"') {
            return Err(LexError::Unterminated {
                pos: self.position(),
                text: self.current_text().to_owned(),
            });
        }
        Ok(self.emit(TokenKind::Quoted))
    }

    fn scan_unquoted(&mut self) -> Token<'a> {
        while let Some(c) = self.next() {
            if is_reserved(c) {
                self.rewind();
                break;
            }
        }
        self.emit(TokenKind::Unquoted)
    }

    fn expected(&self, expected: &'static str) -> LexError {
        LexError::Expected {
            pos: self.position(),
            text: self.current_text().to_owned(),
            at_end: self.pos >= self.input.len(),
            expected,
        }
    }

    fn position(&self) -> Position {
        Position {
            offset_start: self.start,
            offset_end: self.pos,
            column_start: self.column,
            column_end: self.cols,
        }
    }

    fn current_text(&self) -> &'a str {
        &self.input[self.start..self.pos]
    }

    /// Consumes the next character if it is `c`.
    fn accept(&mut self, c: char) -> bool {
        if self.next() == Some(c) {
            return true;
        }
        self.rewind();
        false
    }

    fn emit(&mut self, kind: TokenKind) -> Token<'a> {
        let token = Token { kind, text: self.current_text(), pos: self.position() };
        self.start = self.pos;
        self.column = self.cols;
        token
    }

    fn next(&mut self) -> Option<char> {
        match self.input[self.pos..].chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                self.cols += 1;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    /// Steps back over the character last read; a no-op after reading the end of input.
    fn rewind(&mut self) {
        self.pos -= self.width;
        if self.width > 0 {
            self.cols -= 1;
        }
        // A second rewind must not step back further.
        self.width = 0;
    }

    /// Drops the text read since the last token (white space).
    fn skip(&mut self) {
        self.start = self.pos;
        self.column = self.cols;
    }
}
