//! How literal template text moves the parser from one [`Context`] to the next (Go's
//! `transition.go`): each function consumes a prefix of the text and returns the new context
//! and how many bytes it read.

use super::attr::{ContentType, attr_type};
use super::context::{Attr, Context, Delim, Element, EscError, JsCtx, State, UrlPart};
use super::css::{decode_css, ends_with_css_keyword};
use super::js::{is_js_ident_part, is_js_type, next_js_ctx};

fn bad(description: String) -> Context {
    Context::error(EscError { node_loc: None, line: 0, description })
}

/// Go's `%q` of bytes (as a string).
pub(crate) fn q(s: &[u8]) -> String {
    model::gostr::quote(&String::from_utf8_lossy(s))
}

/// Go's `%.32q`: the first 32 characters, quoted.
fn q32(s: &[u8]) -> String {
    let text = String::from_utf8_lossy(s);
    let cut: String = text.chars().take(32).collect();
    model::gostr::quote(&cut)
}

fn index_any(s: &[u8], chars: &[u8]) -> Option<usize> {
    s.iter().position(|b| chars.contains(b))
}

fn find(s: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    s.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn eat_white_space(s: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < s.len() && matches!(s[j], b' ' | b'\t' | b'\n' | 0x0c | b'\r') {
        j += 1;
    }
    j
}

/// Runs the transition function of `c.state` on `s`.
pub(crate) fn transition(c: Context, s: &[u8]) -> (Context, usize) {
    let st = c.state;
    transition_as(st, c, s)
}

/// Runs the transition function of state `st` on `s` (which may differ from `c.state`).
pub(crate) fn transition_as(st: State, c: Context, s: &[u8]) -> (Context, usize) {
    use State::*;
    match st {
        Text => t_text(c, s),
        Tag => t_tag(c, s),
        AttrName => t_attr_name(c, s),
        AfterName => t_after_name(c, s),
        BeforeValue => t_before_value(c, s),
        HtmlCmt => t_html_cmt(c, s),
        Rcdata => t_special_tag_end(c, s),
        Attr => (c, s.len()),
        Url | Srcset => t_url(c, s),
        MetaContent => t_meta_content(c, s),
        MetaContentUrl => t_meta_content_url(c, s),
        Js => t_js(c, s),
        JsDqStr | JsSqStr | JsRegexp => t_js_delimited(c, s),
        JsTmplLit => t_js_tmpl(c, s),
        JsBlockCmt | CssBlockCmt => t_block_cmt(c, s),
        JsLineCmt | JsHtmlOpenCmt | JsHtmlCloseCmt | CssLineCmt => t_line_cmt(c, s),
        Css => t_css(c, s),
        CssDqStr | CssSqStr | CssDqUrl | CssSqUrl | CssUrl => t_css_str(c, s),
        Error | Dead => (c, s.len()),
    }
}

fn t_text(c: Context, s: &[u8]) -> (Context, usize) {
    let mut k = 0;
    loop {
        let Some(off) = s[k..].iter().position(|&b| b == b'<') else {
            return (c, s.len());
        };
        let mut i = k + off;
        if i + 1 == s.len() {
            return (c, s.len());
        }
        if s[i..].starts_with(b"<!--") {
            return (Context::with_state(State::HtmlCmt), i + 4);
        }
        i += 1;
        let mut end = false;
        if s[i] == b'/' {
            if i + 1 == s.len() {
                return (c, s.len());
            }
            end = true;
            i += 1;
        }
        let (j, mut e) = eat_tag_name(s, i);
        if j != i {
            if end {
                e = Element::None;
            }
            return (Context { state: State::Tag, element: e, ..Context::default() }, j);
        }
        k = j;
    }
}

fn t_tag(c: Context, s: &[u8]) -> (Context, usize) {
    let i = eat_white_space(s, 0);
    if i == s.len() {
        return (c, s.len());
    }
    if s[i] == b'>' {
        if c.element == Element::Meta {
            return (Context::default(), i + 1);
        }
        return (
            Context { state: c.element.content_state(), element: c.element, ..Context::default() },
            i + 1,
        );
    }
    let j = match eat_attr_name(s, i) {
        Ok(j) => j,
        Err(e) => return (e, s.len()),
    };
    if i == j {
        return (
            bad(format!("expected space, attr name, or end of tag, but got {}", q(&s[i..]))),
            s.len(),
        );
    }
    let name = String::from_utf8_lossy(&s[i..j]).to_lowercase();
    let attr = if c.element == Element::Script && name == "type" {
        Attr::ScriptType
    } else if c.element == Element::Meta && name == "content" {
        Attr::MetaContent
    } else {
        match attr_type(&name) {
            ContentType::Url => Attr::Url,
            ContentType::Css => Attr::Style,
            ContentType::Js => Attr::Script,
            ContentType::Srcset => Attr::Srcset,
            _ => Attr::None,
        }
    };
    let state = if j == s.len() { State::AttrName } else { State::AfterName };
    (Context { state, element: c.element, attr, ..Context::default() }, j)
}

fn t_attr_name(mut c: Context, s: &[u8]) -> (Context, usize) {
    match eat_attr_name(s, 0) {
        Err(e) => (e, s.len()),
        Ok(i) => {
            if i != s.len() {
                c.state = State::AfterName;
            }
            (c, i)
        }
    }
}

fn t_after_name(mut c: Context, s: &[u8]) -> (Context, usize) {
    let i = eat_white_space(s, 0);
    if i == s.len() {
        return (c, s.len());
    }
    if s[i] != b'=' {
        c.state = State::Tag;
        return (c, i);
    }
    c.state = State::BeforeValue;
    (c, i + 1)
}

fn t_before_value(mut c: Context, s: &[u8]) -> (Context, usize) {
    let mut i = eat_white_space(s, 0);
    if i == s.len() {
        return (c, s.len());
    }
    let delim = match s[i] {
        b'\'' => {
            i += 1;
            Delim::SingleQuote
        }
        b'"' => {
            i += 1;
            Delim::DoubleQuote
        }
        _ => Delim::SpaceOrTagEnd,
    };
    c.state = c.attr.start_state();
    c.delim = delim;
    (c, i)
}

fn t_html_cmt(c: Context, s: &[u8]) -> (Context, usize) {
    match find(s, b"-->") {
        Some(i) => (Context::default(), i + 3),
        None => (c, s.len()),
    }
}

/// The end of a raw-text or RCDATA element body.
pub(crate) fn t_special_tag_end(c: Context, s: &[u8]) -> (Context, usize) {
    if c.element != Element::None {
        if c.element == Element::Script && (c.state.is_in_script_literal() || c.state.is_comment())
        {
            return (c, s.len());
        }
        if let Some(i) = index_tag_end(s, c.element.end_marker()) {
            return (Context::default(), i);
        }
    }
    (c, s.len())
}

/// Where `</TAG` followed by a separator starts, case-insensitively.
fn index_tag_end(mut s: &[u8], tag: &[u8]) -> Option<usize> {
    let mut res = 0;
    while !s.is_empty() {
        let i = find(s, b"</")?;
        s = &s[i + 2..];
        if tag.len() <= s.len() && s[..tag.len()].eq_ignore_ascii_case(tag) {
            s = &s[tag.len()..];
            if !s.is_empty() && b"> \t\n\x0c/".contains(&s[0]) {
                return Some(res + i);
            }
            res += tag.len();
        }
        res += i + 2;
    }
    None
}

pub(crate) fn t_url(mut c: Context, s: &[u8]) -> (Context, usize) {
    if index_any(s, b"#?").is_some() {
        c.url_part = UrlPart::QueryOrFrag;
    } else if s.len() != eat_white_space(s, 0) && c.url_part == UrlPart::None {
        c.url_part = UrlPart::PreQuery;
    }
    (c, s.len())
}

fn t_js(mut c: Context, s: &[u8]) -> (Context, usize) {
    let Some(mut i) = index_any(s, b"\"`'/{}<-#") else {
        c.js_ctx = next_js_ctx(s, c.js_ctx);
        return (c, s.len());
    };
    c.js_ctx = next_js_ctx(&s[..i], c.js_ctx);
    match s[i] {
        b'"' => (c.state, c.js_ctx) = (State::JsDqStr, JsCtx::Regexp),
        b'\'' => (c.state, c.js_ctx) = (State::JsSqStr, JsCtx::Regexp),
        b'`' => (c.state, c.js_ctx) = (State::JsTmplLit, JsCtx::Regexp),
        b'/' => {
            if i + 1 < s.len() && s[i + 1] == b'/' {
                c.state = State::JsLineCmt;
                i += 1;
            } else if i + 1 < s.len() && s[i + 1] == b'*' {
                c.state = State::JsBlockCmt;
                i += 1;
            } else if c.js_ctx == JsCtx::Regexp {
                c.state = State::JsRegexp;
            } else if c.js_ctx == JsCtx::DivOp {
                c.js_ctx = JsCtx::Regexp;
            } else {
                return (
                    bad(format!("'/' could start a division or regexp: {}", q32(&s[i..]))),
                    s.len(),
                );
            }
        }
        b'<' => {
            if i + 3 < s.len() && &s[i..i + 4] == b"<!--" {
                c.state = State::JsHtmlOpenCmt;
                i += 3;
            }
        }
        b'-' => {
            if i + 2 < s.len() && &s[i..i + 3] == b"-->" {
                c.state = State::JsHtmlCloseCmt;
                i += 2;
            }
        }
        b'#' => {
            if i + 1 < s.len() && s[i + 1] == b'!' {
                c.state = State::JsLineCmt;
                i += 1;
            } else {
                while i + 1 < s.len() && is_js_ident_part(s[i + 1] as char) {
                    i += 1;
                }
                c.js_ctx = JsCtx::DivOp;
            }
        }
        b'{' => {
            c.js_ctx = next_js_ctx(&s[i..i + 1], c.js_ctx);
            if let Some(d) = c.js_brace_depth.last_mut() {
                *d += 1;
            } else {
                return (c, i + 1);
            }
        }
        _ => {
            // '}'
            let Some(d) = c.js_brace_depth.last_mut() else {
                c.js_ctx = next_js_ctx(&s[i..i + 1], c.js_ctx);
                return (c, i + 1);
            };
            *d -= 1;
            if *d >= 0 {
                c.js_ctx = next_js_ctx(&s[i..i + 1], c.js_ctx);
                return (c, i + 1);
            }
            c.js_brace_depth.pop();
            c.state = State::JsTmplLit;
        }
    }
    (c, i + 1)
}

fn t_js_tmpl(mut c: Context, s: &[u8]) -> (Context, usize) {
    let mut k = 0;
    while let Some(off) = index_any(&s[k..], b"`\\$") {
        let mut i = k + off;
        match s[i] {
            b'\\' => {
                i += 1;
                if i == s.len() {
                    return (
                        bad(format!("unfinished escape sequence in JS string: {}", q(s))),
                        s.len(),
                    );
                }
            }
            b'$' => {
                if s.len() >= i + 2 && s[i + 1] == b'{' {
                    c.js_brace_depth.push(0);
                    c.state = State::Js;
                    c.js_ctx = JsCtx::Regexp;
                    return (c, i + 2);
                }
            }
            _ => {
                c.state = State::Js;
                return (c, i + 1);
            }
        }
        k = i + 1;
    }
    (c, s.len())
}

fn t_js_delimited(mut c: Context, s: &[u8]) -> (Context, usize) {
    let specials: &[u8] = match c.state {
        State::JsSqStr => b"\\'",
        State::JsRegexp => b"\\/[]",
        _ => b"\\\"",
    };
    let (mut k, mut in_charset) = (0, false);
    while let Some(off) = index_any(&s[k..], specials) {
        let mut i = k + off;
        match s[i] {
            b'\\' => {
                i += 1;
                if i == s.len() {
                    return (
                        bad(format!("unfinished escape sequence in JS string: {}", q(s))),
                        s.len(),
                    );
                }
            }
            b'[' => in_charset = true,
            b']' => in_charset = false,
            b'/' => {
                if i > 0 && i + 7 <= s.len() && s[i - 1..i + 7].eq_ignore_ascii_case(b"</script") {
                    i += 1;
                } else if !in_charset {
                    c.state = State::Js;
                    c.js_ctx = JsCtx::DivOp;
                    return (c, i + 1);
                }
            }
            _ => {
                if !in_charset {
                    c.state = State::Js;
                    c.js_ctx = JsCtx::DivOp;
                    return (c, i + 1);
                }
            }
        }
        k = i + 1;
    }
    if in_charset {
        return (bad(format!("unfinished JS regexp charset: {}", q(s))), s.len());
    }
    (c, s.len())
}

fn t_block_cmt(mut c: Context, s: &[u8]) -> (Context, usize) {
    let Some(i) = find(s, b"*/") else {
        return (c, s.len());
    };
    c.state = if c.state == State::JsBlockCmt { State::Js } else { State::Css };
    (c, i + 2)
}

fn t_line_cmt(mut c: Context, s: &[u8]) -> (Context, usize) {
    let (end, terminators): (State, &[&[u8]]) = if c.state == State::CssLineCmt {
        (State::Css, &[b"\n", b"\x0c", b"\r"])
    } else {
        (State::Js, &[b"\n", b"\r", "\u{2028}".as_bytes(), "\u{2029}".as_bytes()])
    };
    let i = (0..s.len()).find(|&i| terminators.iter().any(|t| s[i..].starts_with(t)));
    match i {
        None => (c, s.len()),
        Some(i) => {
            c.state = end;
            (c, i)
        }
    }
}

fn t_css(mut c: Context, s: &[u8]) -> (Context, usize) {
    let mut k = 0;
    loop {
        let Some(off) = index_any(&s[k..], b"(\"'/") else {
            return (c, s.len());
        };
        let i = k + off;
        match s[i] {
            b'(' => {
                let mut p = &s[..i];
                while let [rest @ .., b'\t' | b'\n' | 0x0c | b'\r' | b' '] = p {
                    p = rest;
                }
                if ends_with_css_keyword(p, "url") {
                    let mut j = i + 1;
                    while j < s.len() && matches!(s[j], b'\t' | b'\n' | 0x0c | b'\r' | b' ') {
                        j += 1;
                    }
                    if j != s.len() && s[j] == b'"' {
                        c.state = State::CssDqUrl;
                        j += 1;
                    } else if j != s.len() && s[j] == b'\'' {
                        c.state = State::CssSqUrl;
                        j += 1;
                    } else {
                        c.state = State::CssUrl;
                    }
                    return (c, j);
                }
            }
            b'/' => {
                if i + 1 < s.len() {
                    match s[i + 1] {
                        b'/' => {
                            c.state = State::CssLineCmt;
                            return (c, i + 2);
                        }
                        b'*' => {
                            c.state = State::CssBlockCmt;
                            return (c, i + 2);
                        }
                        _ => {}
                    }
                }
            }
            b'"' => {
                c.state = State::CssDqStr;
                return (c, i + 1);
            }
            _ => {
                c.state = State::CssSqStr;
                return (c, i + 1);
            }
        }
        k = i + 1;
    }
}

fn t_css_str(mut c: Context, s: &[u8]) -> (Context, usize) {
    let end_and_esc: &[u8] = match c.state {
        State::CssDqStr | State::CssDqUrl => b"\\\"",
        State::CssSqStr | State::CssSqUrl => b"\\'",
        _ => b"\\\t\n\x0c\r )",
    };
    let mut k = 0;
    loop {
        let Some(off) = index_any(&s[k..], end_and_esc) else {
            let (c, n) = t_url(c, &decode_css(&s[k..]));
            return (c, k + n);
        };
        let mut i = k + off;
        if s[i] == b'\\' {
            i += 1;
            if i == s.len() {
                return (
                    bad(format!("unfinished escape sequence in CSS string: {}", q(s))),
                    s.len(),
                );
            }
        } else {
            c.state = State::Css;
            return (c, i + 1);
        }
        c = t_url(c, &decode_css(&s[..i + 1])).0;
        k = i + 1;
    }
}

fn t_meta_content(mut c: Context, s: &[u8]) -> (Context, usize) {
    for i in 0..s.len() {
        if i + 3 < s.len() && s[i..i + 3].eq_ignore_ascii_case(b"url") {
            let j = eat_white_space(s, i + 3);
            if j < s.len() && s[j] == b'=' {
                c.state = State::MetaContentUrl;
                return (c, j + 1);
            }
        }
    }
    (c, s.len())
}

fn t_meta_content_url(mut c: Context, s: &[u8]) -> (Context, usize) {
    match s.iter().position(|&b| b == b';') {
        Some(i) => {
            c.state = State::MetaContent;
            (c, i + 1)
        }
        None => (c, s.len()),
    }
}

fn eat_attr_name(s: &[u8], i: usize) -> Result<usize, Context> {
    for j in i..s.len() {
        match s[j] {
            b' ' | b'\t' | b'\n' | 0x0c | b'\r' | b'=' | b'>' => return Ok(j),
            b'\'' | b'"' | b'<' => {
                return Err(bad(format!("{} in attribute name: {}", q(&s[j..j + 1]), q32(s))));
            }
            _ => {}
        }
    }
    Ok(s.len())
}

fn eat_tag_name(s: &[u8], i: usize) -> (usize, Element) {
    if i == s.len() || !s[i].is_ascii_alphabetic() {
        return (i, Element::None);
    }
    let mut j = i + 1;
    while j < s.len() {
        let x = s[j];
        if x.is_ascii_alphanumeric() {
            j += 1;
            continue;
        }
        if (x == b':' || x == b'-') && j + 1 < s.len() && s[j + 1].is_ascii_alphanumeric() {
            j += 2;
            continue;
        }
        break;
    }
    let name = String::from_utf8_lossy(&s[i..j]).to_lowercase();
    (j, Element::from_tag_name(&name))
}

/// Consumes a prefix of `s` from context `c` (Go's `contextAfterText`).
pub(crate) fn context_after_text(c: Context, s: &[u8]) -> (Context, usize) {
    if c.delim == Delim::None {
        let (c1, i) = t_special_tag_end(c.clone(), s);
        if i == 0 {
            return (c1, 0);
        }
        return transition(c, &s[..i]);
    }
    let i = index_any(s, c.delim.ends()).unwrap_or(s.len());
    if c.delim == Delim::SpaceOrTagEnd
        && let Some(j) = index_any(&s[..i], b"\"'<=`")
    {
        return (bad(format!("{} in unquoted attr: {}", q(&s[j..j + 1]), q(&s[..i]))), s.len());
    }
    if i == s.len() {
        // Still inside the attribute: decode entities so that the value's own language sees
        // `&quot;` as `"`.
        let decoded = super::entity::unescape(&String::from_utf8_lossy(s));
        let mut u = decoded.as_bytes();
        let mut c = c;
        while !u.is_empty() {
            let (c1, i1) = transition(c, u);
            c = c1;
            u = &u[i1..];
        }
        return (c, s.len());
    }
    let mut element = c.element;
    if c.state == State::Attr
        && c.element == Element::Script
        && c.attr == Attr::ScriptType
        && !is_js_type(&String::from_utf8_lossy(&s[..i]))
    {
        element = Element::None;
    }
    let mut i = i;
    if c.delim != Delim::SpaceOrTagEnd {
        i += 1;
    }
    (Context { state: State::Tag, element, ..Context::default() }, i)
}
