//! Alertmanager's classic matcher parser (`classic-mode`, and the fallback in the default
//! mode), the one Alertmanager used before 0.27.
//!
//! It is tolerant rather than strict: one leading `{` and one trailing `}` are dropped, the rest
//! is split at commas outside double quotes, and each piece is
//! `NAME OP VALUE` with NAME `[a-zA-Z_:][a-zA-Z0-9_:]*`, OP one of `=~ = != !~` (tried in that
//! order), and ASCII white space around each part ignored. VALUE may be wrapped in double
//! quotes; `\"`, `\n` and `\\` are unescaped and any other backslash is literal; a double quote
//! anywhere else is an error.

use super::{Dialect, MatchOp, Matcher, Matchers};
use crate::regex::RegexError;

/// Why the classic parser rejected its input. `Display` is Alertmanager's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicParseError {
    /// The piece is not `NAME OP VALUE`; carries the piece.
    #[error("bad matcher format: {0}")]
    BadFormat(String),
    /// A double quote in the value that is neither escaped nor one of the enclosing pair;
    /// carries the raw value.
    #[error("matcher value contains unescaped double quote: {0}")]
    UnescapedQuote(String),
    /// A `=~` or `!~` value is not a valid regex (the compiler's text, as upstream returns it).
    #[error(transparent)]
    Regex(RegexError),
}

/// Parses a comma-separated list of matchers with the classic parser.
pub fn parse_matchers_classic(input: &str) -> Result<Matchers, ClassicParseError> {
    let s = input.strip_prefix('{').unwrap_or(input);
    let s = s.strip_suffix('}').unwrap_or(s);

    // Split at commas outside double quotes; a backslash escapes a double quote (and itself).
    let mut pieces: Vec<&str> = Vec::new();
    let mut piece_start = 0;
    let mut inside_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            ',' if !inside_quotes => {
                pieces.push(&s[piece_start..i]);
                piece_start = i + 1;
            }
            // A comma inside quotes leaves `escaped` alone, as upstream does.
            ',' => {}
            '"' => {
                if escaped {
                    escaped = false;
                } else {
                    inside_quotes = !inside_quotes;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    // The last piece is trimmed (Unicode white space) and dropped if empty, which allows a
    // trailing comma; the others are taken as they are, so `a=1,,b=2` is an error.
    let last = s[piece_start..].trim();
    if !last.is_empty() {
        pieces.push(last);
    }

    pieces.into_iter().map(parse_matcher_classic).collect::<Result<Vec<_>, _>>().map(Matchers::from)
}

/// Parses one matcher with the classic parser. Braces are not stripped here, and a comma is
/// just part of the value.
pub fn parse_matcher_classic(input: &str) -> Result<Matcher, ClassicParseError> {
    let bad_format = || ClassicParseError::BadFormat(input.to_owned());
    let (name, op, raw_value) = split_matcher(input).ok_or_else(bad_format)?;

    let unescaped_quote = || ClassicParseError::UnescapedQuote(raw_value.to_owned());
    let (body, mut expect_trailing_quote) = match raw_value.strip_prefix('"') {
        Some(body) => (body, true),
        None => (raw_value, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                // A spurious escape: the backslash is literal.
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        let is_last = i + c.len_utf8() == body.len();
        match c {
            // A backslash at the very end is literal.
            '\\' if is_last => value.push('\\'),
            '\\' => escaped = true,
            '"' if expect_trailing_quote && is_last => expect_trailing_quote = false,
            '"' => return Err(unescaped_quote()),
            _ => value.push(c),
        }
    }
    if expect_trailing_quote {
        return Err(unescaped_quote());
    }
    Matcher::new(Dialect::Alertmanager, op, name, value).map_err(ClassicParseError::Regex)
}

/// Splits `\s*NAME\s*OP\s*VALUE\s*` (`\s` being ASCII white space, as in Go's RE2) into its
/// parts, as upstream's regex `^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$`
/// does.
fn split_matcher(s: &str) -> Option<(&str, MatchOp, &str)> {
    let s = s.trim_start_matches(is_go_space);
    let first = s.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_' || first == ':') {
        return None;
    }
    let name_len =
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(s.len());
    let (name, rest) = s.split_at(name_len);
    let rest = rest.trim_start_matches(is_go_space);
    let (op, rest) = if let Some(r) = rest.strip_prefix("=~") {
        (MatchOp::Regex, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (MatchOp::Equal, r)
    } else if let Some(r) = rest.strip_prefix("!=") {
        (MatchOp::NotEqual, r)
    } else if let Some(r) = rest.strip_prefix("!~") {
        (MatchOp::NotRegex, r)
    } else {
        return None;
    };
    Some((name, op, rest.trim_matches(is_go_space)))
}

/// RE2's `\s`: `[\t\n\f\r ]` (no vertical tab, nothing beyond ASCII).
fn is_go_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}
