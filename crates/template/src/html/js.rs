//! JavaScript helpers for the transitions (Go's `js.go`).

use super::context::JsCtx;

const JS_WHITESPACE: &[char] = &[
    '\x0c', '\n', '\r', '\t', '\x0b', ' ', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2001}',
    '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}',
    '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
];

/// Whether a `/` after the tokens `s` starts a regexp or a division.
pub(crate) fn next_js_ctx(s: &[u8], preceding: JsCtx) -> JsCtx {
    let text = String::from_utf8_lossy(s);
    let t = text.trim_end_matches(JS_WHITESPACE).as_bytes();
    let n = t.len();
    let Some(&c) = t.last() else {
        return preceding;
    };
    match c {
        b'+' | b'-' => {
            let mut start = n - 1;
            while start > 0 && t[start - 1] == c {
                start -= 1;
            }
            if (n - start) & 1 == 1 { JsCtx::Regexp } else { JsCtx::DivOp }
        }
        b'.' => {
            if n != 1 && t[n - 2].is_ascii_digit() {
                JsCtx::DivOp
            } else {
                JsCtx::Regexp
            }
        }
        b',' | b'<' | b'>' | b'=' | b'*' | b'%' | b'&' | b'|' | b'^' | b'?' | b'!' | b'~'
        | b'(' | b'[' | b':' | b';' | b'{' | b'}' => JsCtx::Regexp,
        _ => {
            let mut j = n;
            while j > 0 && is_js_ident_part(t[j - 1] as char) {
                j -= 1;
            }
            let word = &t[j..];
            let before = String::from_utf8_lossy(&t[..j]);
            let keyword = matches!(
                word,
                b"break"
                    | b"case"
                    | b"continue"
                    | b"delete"
                    | b"do"
                    | b"else"
                    | b"finally"
                    | b"in"
                    | b"instanceof"
                    | b"return"
                    | b"throw"
                    | b"try"
                    | b"typeof"
                    | b"void"
                    | b"yield"
            );
            if keyword && !before.trim_end_matches(JS_WHITESPACE).ends_with('.') {
                JsCtx::Regexp
            } else {
                JsCtx::DivOp
            }
        }
    }
}

/// Whether `r` can be part of a JS identifier (ASCII only, as Go's check).
pub(crate) fn is_js_ident_part(r: char) -> bool {
    r == '$' || r == '_' || r.is_ascii_alphanumeric()
}

/// Whether a `<script type=...>` MIME type is JavaScript.
pub(crate) fn is_js_type(mime: &str) -> bool {
    let mime = mime.split(';').next().unwrap_or("").to_lowercase();
    matches!(
        mime.trim(),
        "" | "application/ecmascript"
            | "application/javascript"
            | "application/json"
            | "application/ld+json"
            | "application/x-ecmascript"
            | "application/x-javascript"
            | "module"
            | "text/ecmascript"
            | "text/javascript"
            | "text/javascript1.0"
            | "text/javascript1.1"
            | "text/javascript1.2"
            | "text/javascript1.3"
            | "text/javascript1.4"
            | "text/javascript1.5"
            | "text/jscript"
            | "text/livescript"
            | "text/x-ecmascript"
            | "text/x-javascript"
    )
}
