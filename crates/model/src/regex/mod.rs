//! Go RE2-compatible regular expressions on top of the `regex` crate.
//!
//! Prometheus and Alertmanager configs, matchers and templates are full of Go regexes, and
//! Go's syntax differs from the `regex` crate's in ways that change results: `\d`, `\w`, `\s`
//! and `\b` are ASCII in Go, `\Q...\E` and octal escapes exist, counts above 1000 are errors,
//! `(?x)` is not a flag, and so on. So a pattern is parsed here by Go's rules (failing with
//! Go's error texts), written out in the `regex` crate's syntax with every Go semantic made
//! explicit ([`translate`]), and anchored as upstream anchors it ([`Anchoring`]).
//!
//! `scripts/oracle/regex` runs Go itself on a few hundred patterns; `tests/regex_go_oracle.rs`
//! holds this module to Go's answers, error texts included.
//!
//! [`GoRegex::is_match`] skips the regex engine for the common label-matcher shapes (literal
//! sets, `foo.*`, `.*-prod`, `.*`): see [`GoRegex::literal_set`] and friends, which a series
//! index can use too.
//!
//! ```
//! use model::regex::{Anchoring, GoRegex};
//!
//! let re = GoRegex::new(r"api|web-\d+", Anchoring::Prometheus).unwrap();
//! assert!(re.is_match("web-12"));
//! assert!(!re.is_match("web-١٢")); // Arabic-Indic digits are not `\d` in Go
//! let err = GoRegex::new("(abc", Anchoring::Prometheus).unwrap_err();
//! assert_eq!(err.to_string(), "error parsing regexp: missing closing ): `(abc`");
//! ```

mod ast;
mod classes;
mod emit;
mod escape;
mod fast;
mod parse;
mod unicode_names;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock};

use self::fast::FastPath;

/// How a pattern is anchored, as each upstream anchors it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchoring {
    /// Search anywhere in the input (template functions `match`, `reReplaceAll`).
    Unanchored,
    /// Prometheus 3: `^(?s:<re>)$`, so `.` also matches a newline (label matchers, relabelling,
    /// `label_replace`). The pattern is parsed on its own first, as Prometheus' label matchers
    /// do, so errors quote it as written and `a)|(b` is an error (relabelling upstream wraps
    /// the text unparsed and would accept it).
    Prometheus,
    /// Alertmanager: `^(?:<re>)$` (matchers, routes, silences, inhibition, API filters). The
    /// wrapped text is what Go parses, so errors quote it, and a pattern like `a)|(b` compiles.
    Alertmanager,
}

/// A pattern that failed to compile, with Go's wording where Go rejects it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RegexError {
    /// The error text (Go's `regexp/syntax` wording where we can match it).
    pub message: String,
}

/// Compiled size the `regex` crate may use: Go's own budget of 128 MiB. Its UTF-8 automata
/// are larger than Go's programs, so `\pL{1000}` needs most of it.
const SIZE_LIMIT: usize = 128 << 20;
/// Nesting the `regex` crate accepts: above what a Go tree of height 1000 translates to.
const NEST_LIMIT: u32 = 4000;

/// Trees up to this height compile on the caller's stack.
const SHALLOW: u32 = 64;
/// Stack for compiling deeper trees: height 1000 needs about 8 MiB in a debug build.
const DEEP_STACK: usize = 64 << 20;

/// Writes the tree in the `regex` crate's syntax, anchors it and compiles it.
fn compile(
    root: &ast::Node,
    anchoring: Anchoring,
    go_text: &str,
) -> Result<regex::Regex, RegexError> {
    let body = emit::to_rust(root);
    let rust = match anchoring {
        Anchoring::Prometheus => format!("^(?:{body})$"),
        Anchoring::Unanchored | Anchoring::Alertmanager => body,
    };
    regex::RegexBuilder::new(&rust).size_limit(SIZE_LIMIT).nest_limit(NEST_LIMIT).build().map_err(
        |e| match e {
            regex::Error::CompiledTooBig(_) => parse::error(parse::code::LARGE, go_text),
            other => {
                RegexError { message: format!("error parsing regexp: internal error: {other}") }
            }
        },
    )
}

/// Translates a Go pattern (unanchored) into the `regex` crate's syntax, or fails with Go's
/// error text.
pub fn translate(pattern: &str) -> Result<String, RegexError> {
    Ok(emit::to_rust(&parse::parse(pattern, false)?.root))
}

/// A compiled regular expression with Go RE2 semantics.
#[derive(Clone)]
pub struct GoRegex {
    source: String,
    anchoring: Anchoring,
    re: regex::Regex,
    info: Arc<Info>,
}

/// What was learnt from the pattern at compile time.
#[derive(Debug)]
struct Info {
    fast: Option<FastPath>,
    /// Use `find` rather than `is_match`: with `\B` (our `(?-u:\B)`, which also holds inside
    /// a multi-byte character), regex 1.13's `is_match` can miss a match that ends after such
    /// an inside-a-character empty match (`[^ ]{2}|\B` on `"kéx"`); `find` gets it right.
    use_find: bool,
    matches_empty: bool,
    capture_names: Vec<Option<String>>,
}

impl GoRegex {
    /// Compiles `pattern` (Go RE2 syntax) with the given anchoring.
    pub fn new(pattern: &str, anchoring: Anchoring) -> Result<Self, RegexError> {
        let (go_text, dot_nl) = match anchoring {
            Anchoring::Unanchored => (Cow::Borrowed(pattern), false),
            // Prometheus parses the pattern with `DotNL` and wraps the result in `^(?s:...)$`.
            Anchoring::Prometheus => (Cow::Borrowed(pattern), true),
            Anchoring::Alertmanager => (Cow::Owned(format!("^(?:{pattern})$")), false),
        };
        let parsed = parse::parse(&go_text, dot_nl)?;
        if anchoring == Anchoring::Prometheus {
            // Prometheus then compiles `^(?s:<parsed>)$`, one level deeper unless the tree is
            // already a sequence. (Go quotes its re-serialisation of the pattern; we quote the
            // pattern as written.)
            let wrapped_height = match parsed.root.kind {
                ast::Kind::Concat(_) => parsed.root.height,
                _ => parsed.root.height + 1,
            };
            if wrapped_height > ast::MAX_HEIGHT {
                let text = format!("^(?s:{pattern})$");
                return Err(parse::error(parse::code::NESTING_DEPTH, &text));
            }
        }
        let compile = || compile(&parsed.root, anchoring, &go_text);
        let re = if parsed.root.height > SHALLOW {
            // The `regex` crate's compiler recurses once per nesting level; Go allows 1000
            // levels, more than a 2 MiB thread stack (tokio's) survives in a debug build.
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(DEEP_STACK)
                    .spawn_scoped(scope, compile)
                    .map_err(|e| RegexError { message: format!("error parsing regexp: {e}") })?
                    .join()
                    .unwrap_or_else(|_| {
                        Err(RegexError { message: "error parsing regexp: internal error".into() })
                    })
            })?
        } else {
            compile()?
        };
        let fast = match anchoring {
            Anchoring::Unanchored => None,
            Anchoring::Prometheus => FastPath::analyze(&parsed.root, true),
            Anchoring::Alertmanager => FastPath::analyze(&parsed.root, false),
        };
        let use_find = parsed.has_non_boundary;
        let matches_empty = if use_find { re.find("").is_some() } else { re.is_match("") };
        let info = Info { fast, use_find, matches_empty, capture_names: parsed.capture_names };
        Ok(GoRegex { source: pattern.to_string(), anchoring, re, info: Arc::new(info) })
    }

    /// Whether the pattern matches `s` (the whole of it, unless unanchored).
    pub fn is_match(&self, s: &str) -> bool {
        match &self.info.fast {
            Some(fast) => fast.is_match(s),
            None if self.info.use_find => self.re.find(s).is_some(),
            None => self.re.is_match(s),
        }
    }

    /// The pattern as written, without anchors.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// How this pattern is anchored.
    pub fn anchoring(&self) -> Anchoring {
        self.anchoring
    }

    /// The compiled `regex::Regex` (anchored as configured), for captures and replacement.
    ///
    /// Its groups are numbered as in Go; names Go allows but the `regex` crate does not (a
    /// leading digit, a repeated name) are left off, so look names up with
    /// [`capture_names`](Self::capture_names) or use [`expand`](Self::expand). For a yes/no
    /// answer use [`is_match`](Self::is_match): the `regex` crate's own `is_match` (unlike its
    /// `find` and `captures`) can miss matches of patterns with `\B`.
    pub fn regex(&self) -> &regex::Regex {
        &self.re
    }

    /// Whether the empty string matches.
    pub fn matches_empty(&self) -> bool {
        self.info.matches_empty
    }

    /// The complete set of strings the pattern matches, when it is a finite set of literals
    /// (`foo`, `api|web`, `(dev|prod)-eu`): sorted, deduplicated, at most 256. Anchored
    /// patterns only.
    pub fn literal_set(&self) -> Option<&[String]> {
        self.info.fast.as_ref()?.literal_set()
    }

    /// A case-sensitive prefix every match starts with (`foo` for `foo.*`), when known.
    pub fn literal_prefix(&self) -> Option<&str> {
        self.info.fast.as_ref()?.literal_prefix()
    }

    /// Whether every string matches (`.*` anchored the Prometheus way).
    pub fn matches_everything(&self) -> bool {
        self.info.fast.as_ref().is_some_and(FastPath::matches_everything)
    }

    /// Whether [`is_match`](Self::is_match) runs without the regex engine.
    pub fn is_optimized(&self) -> bool {
        self.info.fast.is_some()
    }

    /// Go's `SubexpNames`: the name of each group, index 0 being the whole match.
    pub fn capture_names(&self) -> &[Option<String>] {
        &self.info.capture_names
    }

    /// Appends `template` to `dst` with `$1`, `${1}`, `$name`, `${name}` replaced by groups of
    /// `caps` (a match of [`regex`](Self::regex)), exactly as Go's `Regexp.Expand`: a name is
    /// the longest run of letters, digits and `_`; `$$` is `$`; unknown or unmatched groups
    /// expand to nothing; a malformed reference is copied as is.
    pub fn expand(&self, caps: &regex::Captures<'_>, template: &str, dst: &mut String) {
        let mut rest = template;
        while let Some(dollar) = rest.find('$') {
            dst.push_str(&rest[..dollar]);
            rest = &rest[dollar + 1..];
            if let Some(after) = rest.strip_prefix('$') {
                dst.push('$');
                rest = after;
                continue;
            }
            let Some((name, after)) = extract_name(rest) else {
                dst.push('$');
                continue;
            };
            rest = after;
            let group = match group_number(name) {
                Some(n) => caps.get(n),
                None => self
                    .info
                    .capture_names
                    .iter()
                    .position(|n| n.as_deref() == Some(name))
                    .and_then(|i| caps.get(i)),
            };
            if let Some(m) = group {
                dst.push_str(m.as_str());
            }
        }
        dst.push_str(rest);
    }

    /// Go's `ReplaceAllString`: every match replaced by `template` as [`expand`](Self::expand)
    /// reads it.
    pub fn replace_all<'h>(&self, haystack: &'h str, template: &str) -> Cow<'h, str> {
        self.re.replace_all(haystack, |caps: &regex::Captures<'_>| {
            let mut out = String::new();
            self.expand(caps, template, &mut out);
            out
        })
    }
}

/// The name after a `$`: `{name}` or the longest run of letters, digits and `_`.
fn extract_name(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    if len == 0 {
        return None;
    }
    let (name, after) = body.split_at(len);
    if braced {
        return after.strip_prefix('}').map(|after| (name, after));
    }
    Some((name, after))
}

/// A group number as Go reads one: decimal digits, no leading zero, not past 10^8.
fn group_number(name: &str) -> Option<usize> {
    let mut n: usize = 0;
    for b in name.bytes() {
        if !b.is_ascii_digit() || n >= 100_000_000 {
            return None;
        }
        n = n * 10 + usize::from(b - b'0');
    }
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    Some(n)
}

/// Go's `unicode.IsLetter || unicode.IsDigit || '_'`.
fn is_name_char(c: char) -> bool {
    static UNICODE: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"\A[\p{L}\p{Nd}]\z").ok());
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    UNICODE.as_ref().is_some_and(|re| re.is_match(c.encode_utf8(&mut [0; 4])))
}

impl fmt::Debug for GoRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GoRegex").field(&self.source).field(&self.anchoring).finish()
    }
}

impl PartialEq for GoRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.anchoring == other.anchoring
    }
}

impl Eq for GoRegex {}

#[cfg(test)]
mod tests;
