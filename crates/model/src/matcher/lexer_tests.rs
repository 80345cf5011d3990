//! Token-level tests of the UTF-8 lexer: kinds, texts, byte offsets, columns and error texts,
//! case for case after upstream's `matcher/parse/lexer_test.go`.

use super::lexer::{Lexer, Position, Token, TokenKind};

use TokenKind::*;

/// (kind, text, offset start, offset end, column start, column end)
type Tok = (TokenKind, &'static str, usize, usize, usize, usize);

/// (name, input, tokens expected before the end or the error, error text or "")
const CASES: &[(&str, &str, &[Tok], &str)] = &[
    ("no input", "", &[], ""),
    ("open brace", "{", &[(OpenBrace, "{", 0, 1, 0, 1)], ""),
    ("open brace with leading space", " {", &[(OpenBrace, "{", 1, 2, 1, 2)], ""),
    ("close brace", "}", &[(CloseBrace, "}", 0, 1, 0, 1)], ""),
    ("close brace with leading space", " }", &[(CloseBrace, "}", 1, 2, 1, 2)], ""),
    (
        "open and closing braces",
        "{}",
        &[(OpenBrace, "{", 0, 1, 0, 1), (CloseBrace, "}", 1, 2, 1, 2)],
        "",
    ),
    (
        "open and closing braces with space",
        "{ }",
        &[(OpenBrace, "{", 0, 1, 0, 1), (CloseBrace, "}", 2, 3, 2, 3)],
        "",
    ),
    ("unquoted", "hello", &[(Unquoted, "hello", 0, 5, 0, 5)], ""),
    ("unquoted with underscore", "hello_world", &[(Unquoted, "hello_world", 0, 11, 0, 11)], ""),
    ("unquoted with colon", "hello:world", &[(Unquoted, "hello:world", 0, 11, 0, 11)], ""),
    (
        "unquoted with numbers",
        "hello0123456789",
        &[(Unquoted, "hello0123456789", 0, 15, 0, 15)],
        "",
    ),
    ("unquoted can start with underscore", "_hello", &[(Unquoted, "_hello", 0, 6, 0, 6)], ""),
    (
        "unquoted separated with space",
        "hello world",
        &[(Unquoted, "hello", 0, 5, 0, 5), (Unquoted, "world", 6, 11, 6, 11)],
        "",
    ),
    ("newline before unquoted is skipped", "\nhello", &[(Unquoted, "hello", 1, 6, 1, 6)], ""),
    ("newline after unquoted is skipped", "hello\n", &[(Unquoted, "hello", 0, 5, 0, 5)], ""),
    ("carriage return before unquoted", "\rhello", &[(Unquoted, "hello", 1, 6, 1, 6)], ""),
    ("space before unquoted is skipped", " hello", &[(Unquoted, "hello", 1, 6, 1, 6)], ""),
    ("space after unquoted is skipped", "hello ", &[(Unquoted, "hello", 0, 5, 0, 5)], ""),
    (
        "newline between two unquoted is skipped",
        "hello\nworld",
        &[(Unquoted, "hello", 0, 5, 0, 5), (Unquoted, "world", 6, 11, 6, 11)],
        "",
    ),
    ("unquoted $", "$", &[(Unquoted, "$", 0, 1, 0, 1)], ""),
    ("unquoted emoji", "🙂", &[(Unquoted, "🙂", 0, 4, 0, 1)], ""),
    ("unquoted unicode", "Σ", &[(Unquoted, "Σ", 0, 2, 0, 1)], ""),
    (
        "unquoted unicode sentence",
        "hello🙂Σ world",
        &[(Unquoted, "hello🙂Σ", 0, 11, 0, 7), (Unquoted, "world", 12, 17, 8, 13)],
        "",
    ),
    (
        "unquoted unicode sentence with unicode space",
        "hello🙂Σ\u{202f}world",
        &[(Unquoted, "hello🙂Σ", 0, 11, 0, 7), (Unquoted, "world", 14, 19, 8, 13)],
        "",
    ),
    ("quoted", "\"hello\"", &[(Quoted, "\"hello\"", 0, 7, 0, 7)], ""),
    ("quoted with unicode", "\"hello 🙂\"", &[(Quoted, "\"hello 🙂\"", 0, 12, 0, 9)], ""),
    ("quoted with space", "\"hello world\"", &[(Quoted, "\"hello world\"", 0, 13, 0, 13)], ""),
    (
        "quoted with unicode space",
        "\"hello\u{202f}world\"",
        &[(Quoted, "\"hello\u{202f}world\"", 0, 15, 0, 13)],
        "",
    ),
    ("quoted with newline", "\"hello\nworld\"", &[(Quoted, "\"hello\nworld\"", 0, 13, 0, 13)], ""),
    ("quoted with tab", "\"hello\tworld\"", &[(Quoted, "\"hello\tworld\"", 0, 13, 0, 13)], ""),
    ("quoted with regex digit class", r#""\d+""#, &[(Quoted, r#""\d+""#, 0, 5, 0, 5)], ""),
    (
        "quoted with escaped regex digit class",
        r#""\\d+""#,
        &[(Quoted, r#""\\d+""#, 0, 6, 0, 6)],
        "",
    ),
    (
        "quoted with escaped quotes",
        r#""hello \"world\"""#,
        &[(Quoted, r#""hello \"world\"""#, 0, 17, 0, 17)],
        "",
    ),
    (
        "quoted with escaped backslash",
        r#""hello world\\""#,
        &[(Quoted, r#""hello world\\""#, 0, 15, 0, 15)],
        "",
    ),
    ("quoted escape sequence", r#""\n""#, &[(Quoted, r#""\n""#, 0, 4, 0, 4)], ""),
    ("equals operator", "=", &[(Equals, "=", 0, 1, 0, 1)], ""),
    ("not equals operator", "!=", &[(NotEquals, "!=", 0, 2, 0, 2)], ""),
    ("matches regex operator", "=~", &[(Matches, "=~", 0, 2, 0, 2)], ""),
    ("not matches regex operator", "!~", &[(NotMatches, "!~", 0, 2, 0, 2)], ""),
    ("invalid operator", "!", &[], "0:1: unexpected end of input, expected one of '=~'"),
    ("another invalid operator", "~", &[], "0:1: ~: invalid input"),
    (
        "unexpected ! after operator",
        "=!",
        &[(Equals, "=", 0, 1, 0, 1)],
        "1:2: unexpected end of input, expected one of '=~'",
    ),
    (
        "unexpected !! after operator",
        "!=!!",
        &[(NotEquals, "!=", 0, 2, 0, 2)],
        "2:3: !: expected one of '=~'",
    ),
    (
        "unexpected ! after unquoted",
        "hello!",
        &[(Unquoted, "hello", 0, 5, 0, 5)],
        "5:6: unexpected end of input, expected one of '=~'",
    ),
    ("invalid escape sequence", r"\n", &[], r"0:1: \: invalid input"),
    ("invalid escape sequence before unquoted", r"\nhello", &[], r"0:1: \: invalid input"),
    (
        "invalid escape sequence after unquoted",
        r"hello\n",
        &[(Unquoted, "hello", 0, 5, 0, 5)],
        r"5:6: \: invalid input",
    ),
    (
        "another invalid escape sequence after unquoted",
        r"hello\r",
        &[(Unquoted, "hello", 0, 5, 0, 5)],
        r"5:6: \: invalid input",
    ),
    ("unterminated quoted", "\"hello", &[], "0:6: \"hello: missing end \""),
    (
        "unterminated quoted with escaped quote",
        r#""hello\""#,
        &[],
        r#"0:8: "hello\": missing end ""#,
    ),
];

fn token(
    &(kind, text, offset_start, offset_end, column_start, column_end): &Tok,
) -> Token<'static> {
    Token { kind, text, pos: Position { offset_start, offset_end, column_start, column_end } }
}

#[test]
fn lexer_scan_table() {
    for &(name, input, tokens, err) in CASES {
        let mut lexer = Lexer::new(input);
        for want in tokens {
            let got = lexer.scan();
            assert_eq!(got, Ok(token(want)), "{name}: {input:?}");
        }
        match lexer.scan() {
            Ok(t) => {
                assert_eq!(err, "", "{name}: {input:?}: expected an error, got {t:?}");
                assert_eq!(t.kind, Eof, "{name}: {input:?}: trailing token");
                assert_eq!(t.pos, Position::default(), "{name}");
            }
            Err(e) => assert_eq!(e.to_string(), err, "{name}: {input:?}"),
        }
    }
}

#[test]
fn lexer_error_is_sticky() {
    let mut lexer = Lexer::new("\"hello");
    for _ in 0..10 {
        let e = lexer.scan().expect_err("unterminated string");
        assert_eq!(e.to_string(), "0:6: \"hello: missing end \"");
    }
}

#[test]
fn peek_does_not_consume() {
    let mut lexer = Lexer::new(" foo = \"bar\" ");
    let peeked = lexer.peek().expect("token");
    assert_eq!(lexer.peek(), Ok(peeked));
    assert_eq!(lexer.scan(), Ok(peeked));
    assert_eq!(lexer.column_end(), 4);
    assert_eq!(lexer.scan().map(|t| t.kind), Ok(Equals));
    assert_eq!(lexer.scan().map(|t| t.text), Ok("\"bar\""));
    assert_eq!(lexer.scan().map(|t| t.kind), Ok(Eof));
    assert_eq!(lexer.scan().map(|t| t.kind), Ok(Eof));
}

#[test]
fn peek_error_sticks() {
    let mut lexer = Lexer::new("~");
    assert!(lexer.peek().is_err());
    assert!(lexer.scan().is_err());
}
