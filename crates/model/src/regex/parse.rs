//! A parser for Go's RE2 syntax (`regexp/syntax` with the `Perl` flags), written to accept
//! exactly what Go accepts and to fail with Go's error text where Go fails.
//!
//! It follows Go's parsing rules closely, quirks included, because those decide which
//! patterns compile: a `{` that does not start a valid repetition is a literal, `a**` is an
//! error but `a*(?i)*` is not, error texts quote the offending slice of the pattern.

use super::RegexError;
use super::ast::{Class, ClassItem, Kind, MAX_HEIGHT, MAX_SIZE, Node, RepeatOp};
use super::classes::{perl_class, posix_class};
use super::escape::{class_char, next_char, parse_escape, parse_repeat, unicode_class};

/// Go's `ErrorCode` strings.
pub(crate) mod code {
    pub(crate) const INVALID_CHAR_RANGE: &str = "invalid character class range";
    pub(crate) const INVALID_ESCAPE: &str = "invalid escape sequence";
    pub(crate) const INVALID_NAMED_CAPTURE: &str = "invalid named capture";
    pub(crate) const INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
    pub(crate) const INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
    pub(crate) const INVALID_REPEAT_SIZE: &str = "invalid repeat count";
    pub(crate) const MISSING_BRACKET: &str = "missing closing ]";
    pub(crate) const MISSING_PAREN: &str = "missing closing )";
    pub(crate) const MISSING_REPEAT_ARGUMENT: &str = "missing argument to repetition operator";
    pub(crate) const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
    pub(crate) const UNEXPECTED_PAREN: &str = "unexpected )";
    pub(crate) const NESTING_DEPTH: &str = "expression nests too deeply";
    pub(crate) const LARGE: &str = "expression too large";
}

/// Go's error text: ``error parsing regexp: <code>: `<expr>` ``.
pub(crate) fn error(code: &str, expr: &str) -> RegexError {
    RegexError { message: format!("error parsing regexp: {code}: `{expr}`") }
}

/// A parsed pattern.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) root: Node,
    /// Go's `SubexpNames`: one entry per group, index 0 (the whole match) included.
    pub(crate) capture_names: Vec<Option<String>>,
    /// Whether it uses `\B`, which can hold inside a multi-byte character (see `GoRegex`).
    pub(crate) has_non_boundary: bool,
}

/// Parses `pattern` with Go's `syntax.Perl` flags, plus `syntax.DotNL` when `dot_nl`.
pub(crate) fn parse(pattern: &str, dot_nl: bool) -> Result<Parsed, RegexError> {
    let flags = Flags { fold: false, dot_nl, one_line: true, non_greedy: false };
    let mut p = Parser {
        s: pattern,
        flags,
        frames: vec![Frame::new(Open::Root)],
        names: vec![None],
        has_non_boundary: false,
    };
    p.run()?;
    let root = p.finish()?;
    Ok(Parsed { root, capture_names: p.names, has_non_boundary: p.has_non_boundary })
}

#[derive(Debug, Clone, Copy)]
struct Flags {
    fold: bool,
    dot_nl: bool,
    /// `^`/`$` match only at the ends of the text (cleared by `(?m)`).
    one_line: bool,
    non_greedy: bool,
}

#[derive(Debug)]
enum Open {
    Root,
    /// `(`, `(?:`, `(?flags:` or a named group; `flags` are restored at its `)`.
    Group {
        capture: Option<usize>,
        flags: Flags,
    },
}

/// One open group: its finished branches and the branch being parsed.
#[derive(Debug)]
struct Frame {
    open: Open,
    branches: Vec<Node>,
    concat: Vec<Node>,
}

impl Frame {
    fn new(open: Open) -> Frame {
        Frame { open, branches: Vec::new(), concat: Vec::new() }
    }
}

struct Parser<'a> {
    s: &'a str,
    flags: Flags,
    frames: Vec<Frame>,
    names: Vec<Option<String>>,
    has_non_boundary: bool,
}

impl Parser<'_> {
    fn run(&mut self) -> Result<(), RegexError> {
        let s = self.s;
        let b = s.as_bytes();
        let mut i = 0;
        // Where the previous iteration's repetition operator started, if it was one.
        let mut last_repeat: Option<usize> = None;
        while i < b.len() {
            let mut repeat = None;
            match b[i] {
                b'(' if b.get(i + 1) == Some(&b'?') => i = self.perl_flags(i)?,
                b'(' => {
                    let index = self.names.len();
                    self.names.push(None);
                    self.open(Open::Group { capture: Some(index), flags: self.flags });
                    i += 1;
                }
                b'|' => {
                    self.end_branch();
                    i += 1;
                }
                b')' => {
                    self.close_group()?;
                    i += 1;
                }
                b'^' => {
                    let kind = if self.flags.one_line { Kind::BeginText } else { Kind::BeginLine };
                    self.push(Node::leaf(kind));
                    i += 1;
                }
                b'$' => {
                    let kind = if self.flags.one_line { Kind::EndText } else { Kind::EndLine };
                    self.push(Node::leaf(kind));
                    i += 1;
                }
                b'.' => {
                    let kind = if self.flags.dot_nl { Kind::AnyChar } else { Kind::AnyCharNotNl };
                    self.push(Node::leaf(kind));
                    i += 1;
                }
                b'[' => i = self.class(i)?,
                b'*' | b'+' | b'?' => {
                    let op = match b[i] {
                        b'*' => RepeatOp::Star,
                        b'+' => RepeatOp::Plus,
                        _ => RepeatOp::Quest,
                    };
                    let after = self.repeat(op, i, i + 1, last_repeat)?;
                    repeat = Some(i);
                    i = after;
                }
                b'{' => match parse_repeat(s, i) {
                    None => {
                        self.literal('{' as u32);
                        i += 1;
                    }
                    Some((min, max, after)) => {
                        if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                            return Err(error(code::INVALID_REPEAT_SIZE, &s[i..after]));
                        }
                        let op = RepeatOp::Range {
                            min: min as u32,
                            max: if max < 0 { None } else { Some(max as u32) },
                        };
                        let after = self.repeat(op, i, after, last_repeat)?;
                        repeat = Some(i);
                        i = after;
                    }
                },
                b'\\' => i = self.escape(i)?,
                _ => {
                    let c = next_char(s, i);
                    self.literal(c as u32);
                    i += c.len_utf8();
                }
            }
            last_repeat = repeat;
        }
        Ok(())
    }

    /// Ends the pattern: every group must have been closed.
    fn finish(&mut self) -> Result<Node, RegexError> {
        if self.frames.len() != 1 {
            return Err(error(code::MISSING_PAREN, self.s));
        }
        self.end_branch();
        let frame = self.frames.pop().map(|f| f.branches).unwrap_or_default();
        let root = Node::alternate(frame);
        self.check(&root)?;
        Ok(root)
    }

    fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::new(Open::Root));
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn push(&mut self, node: Node) {
        self.frame().concat.push(node);
    }

    /// Pushes a literal code point; surrogates (from `\x{D800}`) match nothing.
    fn literal(&mut self, c: u32) {
        let fold = self.flags.fold;
        match char::from_u32(c) {
            Some(c) => self.push(Node::literal(c, fold)),
            None => self.push(Node::never()),
        }
    }

    fn open(&mut self, open: Open) {
        self.frames.push(Frame::new(open));
    }

    /// Go's limits, checked as each node is built, as Go does.
    fn check(&self, node: &Node) -> Result<(), RegexError> {
        if node.height > MAX_HEIGHT {
            return Err(error(code::NESTING_DEPTH, self.s));
        }
        if node.size > MAX_SIZE {
            return Err(error(code::LARGE, self.s));
        }
        Ok(())
    }

    /// `|`: the current branch is complete.
    fn end_branch(&mut self) {
        let frame = self.frame();
        let concat = Node::concat(std::mem::take(&mut frame.concat));
        frame.branches.push(concat);
    }

    /// `)`: closes the innermost group.
    fn close_group(&mut self) -> Result<(), RegexError> {
        if self.frames.len() < 2 {
            return Err(error(code::UNEXPECTED_PAREN, self.s));
        }
        self.end_branch();
        let Some(frame) = self.frames.pop() else {
            return Err(error(code::UNEXPECTED_PAREN, self.s));
        };
        let inner = Node::alternate(frame.branches);
        self.check(&inner)?;
        let Open::Group { capture, flags } = frame.open else {
            return Err(error(code::UNEXPECTED_PAREN, self.s));
        };
        self.flags = flags;
        let node = match capture {
            Some(index) => {
                let name = self.names.get(index).cloned().flatten();
                Node::capture(index, name, inner)
            }
            None => inner,
        };
        self.check(&node)?;
        self.push(node);
        Ok(())
    }

    /// Applies a repetition operator spanning `before..after` to the last node, as Go's
    /// `repeat` does. Returns where parsing continues.
    fn repeat(
        &mut self,
        op: RepeatOp,
        before: usize,
        mut after: usize,
        last_repeat: Option<usize>,
    ) -> Result<usize, RegexError> {
        let s = self.s;
        let mut non_greedy = self.flags.non_greedy;
        if s.as_bytes().get(after) == Some(&b'?') {
            after += 1;
            non_greedy = !non_greedy;
        }
        if let Some(last) = last_repeat {
            return Err(error(code::INVALID_REPEAT_OP, &s[last..after]));
        }
        let Some(sub) = self.frame().concat.pop() else {
            return Err(error(code::MISSING_REPEAT_ARGUMENT, &s[before..after]));
        };
        let node = Node::repeat(op, !non_greedy, sub);
        self.check(&node)?;
        if let RepeatOp::Range { min, max } = op
            && (min >= 2 || max.is_some_and(|m| m >= 2))
            && !node.repeat_is_valid(1000)
        {
            return Err(error(code::INVALID_REPEAT_SIZE, &s[before..after]));
        }
        self.push(node);
        Ok(after)
    }

    /// `(?`: flags, a non-capturing group or a named group. Returns where parsing continues.
    fn perl_flags(&mut self, start: usize) -> Result<usize, RegexError> {
        let s = self.s;
        let t = &s[start..];
        let tb = t.as_bytes();
        let starts_with_p = tb.len() > 4 && tb[2] == b'P' && tb[3] == b'<';
        let starts_with_name = tb.len() > 3 && tb[2] == b'<';
        if starts_with_p || starts_with_name {
            let name_start = if starts_with_p { 4 } else { 3 };
            let Some(end) = t.find('>') else {
                return Err(error(code::INVALID_NAMED_CAPTURE, t));
            };
            let name = &t[name_start..end];
            if name.is_empty() || !name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric()) {
                return Err(error(code::INVALID_NAMED_CAPTURE, &t[..=end]));
            }
            let index = self.names.len();
            self.names.push(Some(name.to_string()));
            self.open(Open::Group { capture: Some(index), flags: self.flags });
            return Ok(start + end + 1);
        }

        let mut flags = self.flags;
        let mut negate = false;
        let mut saw_flag = false;
        let mut i = start + 2;
        while i < s.len() {
            let c = next_char(s, i);
            i += c.len_utf8();
            match c {
                'i' => flags.fold = !negate,
                'm' => flags.one_line = negate,
                's' => flags.dot_nl = !negate,
                'U' => flags.non_greedy = !negate,
                '-' if !negate => {
                    negate = true;
                    saw_flag = false;
                    continue;
                }
                ':' | ')' if !negate || saw_flag => {
                    if c == ':' {
                        self.open(Open::Group { capture: None, flags: self.flags });
                    }
                    self.flags = flags;
                    return Ok(i);
                }
                _ => break,
            }
            saw_flag = true;
        }
        Err(error(code::INVALID_PERL_OP, &s[start..i]))
    }

    /// A backslash outside a class. Returns where parsing continues.
    fn escape(&mut self, i: usize) -> Result<usize, RegexError> {
        let s = self.s;
        let b = s.as_bytes();
        if let Some(&c) = b.get(i + 1) {
            let kind = match c {
                b'A' => Some(Kind::BeginText),
                b'b' => Some(Kind::WordBoundary),
                b'B' => Some(Kind::NoWordBoundary),
                b'z' => Some(Kind::EndText),
                b'C' => return Err(error(code::INVALID_ESCAPE, &s[i..i + 2])),
                b'Q' => {
                    let rest = &s[i + 2..];
                    let (lit, next) = match rest.find("\\E") {
                        Some(end) => (&rest[..end], i + 2 + end + 2),
                        None => (rest, s.len()),
                    };
                    for c in lit.chars() {
                        self.literal(c as u32);
                    }
                    return Ok(next);
                }
                _ => None,
            };
            if let Some(kind) = kind {
                self.has_non_boundary |= kind == Kind::NoWordBoundary;
                self.push(Node::leaf(kind));
                return Ok(i + 2);
            }
            if c == b'p' || c == b'P' {
                let (item, next) = unicode_class(s, i)?;
                self.push_class(vec![item], false);
                return Ok(next);
            }
            if let Some(class) = perl_class(c) {
                self.push_class(vec![ClassItem::Ascii(class)], false);
                return Ok(i + 2);
            }
        }
        let (c, next) = parse_escape(s, i)?;
        self.literal(c);
        Ok(next)
    }

    fn push_class(&mut self, items: Vec<ClassItem>, negated: bool) {
        let fold = self.flags.fold;
        self.push(Node::leaf(Kind::Class(Class { negated, fold, items })));
    }

    /// A bracketed class starting at `start` (the `[`). Returns where parsing continues.
    fn class(&mut self, start: usize) -> Result<usize, RegexError> {
        let s = self.s;
        let b = s.as_bytes();
        let whole = &s[start..];
        let mut t = start + 1;
        let negated = b.get(t) == Some(&b'^');
        if negated {
            t += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        while t >= b.len() || b[t] != b']' || first {
            first = false;
            if b.len() - t.min(b.len()) > 2
                && b[t] == b'['
                && b[t + 1] == b':'
                && let Some(end) = s[t + 2..].find(":]")
            {
                let name = &s[t..t + 2 + end + 2];
                let Some(class) = posix_class(name) else {
                    return Err(error(code::INVALID_CHAR_RANGE, name));
                };
                items.push(ClassItem::Ascii(class));
                t += name.len();
                continue;
            }
            if t + 1 < b.len() && b[t] == b'\\' {
                if b[t + 1] == b'p' || b[t + 1] == b'P' {
                    let (item, next) = unicode_class(s, t)?;
                    items.push(item);
                    t = next;
                    continue;
                }
                if let Some(class) = perl_class(b[t + 1]) {
                    items.push(ClassItem::Ascii(class));
                    t += 2;
                    continue;
                }
            }
            let range_start = t;
            let (lo, next) = class_char(s, t, whole)?;
            t = next;
            let mut hi = lo;
            if t + 1 < b.len() && b[t] == b'-' && b[t + 1] != b']' {
                let (h, next) = class_char(s, t + 1, whole)?;
                t = next;
                hi = h;
                if hi < lo {
                    return Err(error(code::INVALID_CHAR_RANGE, &s[range_start..t]));
                }
            }
            items.push(ClassItem::Range(lo, hi));
        }
        self.push_class(items, negated);
        Ok(t + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(pattern: &str) -> String {
        match parse(pattern, false) {
            Ok(p) => panic!("{pattern:?} parsed: {:?}", p.root),
            Err(e) => e.message,
        }
    }

    fn ok(pattern: &str) -> Node {
        match parse(pattern, false) {
            Ok(p) => p.root,
            Err(e) => panic!("{pattern:?}: {}", e.message),
        }
    }

    #[test]
    fn go_error_texts() {
        let cases = [
            ("(abc", "missing closing ): `(abc`"),
            ("abc)", "unexpected ): `abc)`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("a{2,1}", "invalid repeat count: `{2,1}`"),
            ("(a{100}){11}", "invalid repeat count: `{11}`"),
            ("*", "missing argument to repetition operator: `*`"),
            ("a|*", "missing argument to repetition operator: `*`"),
            ("(+)", "missing argument to repetition operator: `+`"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("a*?+", "invalid nested repetition operator: `*?+`"),
            ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
            ("(?x)", "invalid or unsupported Perl syntax: `(?x`"),
            ("(?i-)", "invalid or unsupported Perl syntax: `(?i-)`"),
            ("(?--i)", "invalid or unsupported Perl syntax: `(?--`"),
            ("(?=a)", "invalid or unsupported Perl syntax: `(?=`"),
            ("(?", "invalid or unsupported Perl syntax: `(?`"),
            ("(?P=n)", "invalid or unsupported Perl syntax: `(?P`"),
            ("(?P<n!>a)", "invalid named capture: `(?P<n!>`"),
            ("(?<n", "invalid named capture: `(?<n`"),
            ("(?<>a)", "invalid named capture: `(?<>`"),
            ("\\C", "invalid escape sequence: `\\C`"),
            ("\\Z", "invalid escape sequence: `\\Z`"),
            ("\\1", "invalid escape sequence: `\\1`"),
            ("\\8", "invalid escape sequence: `\\8`"),
            ("\\x{110000}", "invalid escape sequence: `\\x{110000`"),
            ("{1}x", "missing argument to repetition operator: `{1}`"),
            ("\\x{}", "invalid escape sequence: `\\x{}`"),
            ("\\xZ1", "invalid escape sequence: `\\xZ1`"),
            ("\\x4", "invalid escape sequence: `\\x4`"),
            ("\\é", "invalid escape sequence: `\\é`"),
            ("a\\", "trailing backslash at end of expression: ``"),
            ("[a", "missing closing ]: `[a`"),
            ("[]", "missing closing ]: `[]`"),
            ("x[^]", "missing closing ]: `[^]`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
            ("\\p{Foo}", "invalid character class range: `\\p{Foo}`"),
            ("\\pX", "invalid character class range: `\\pX`"),
            ("\\p", "invalid character class range: `\\p`"),
            ("\\p{L", "invalid character class range: `\\p{L`"),
            ("[a-\\d]", "invalid escape sequence: `\\d`"),
            ("[\\Q]", "invalid escape sequence: `\\Q`"),
        ];
        for (pattern, want) in cases {
            assert_eq!(err(pattern), format!("error parsing regexp: {want}"), "{pattern:?}");
        }
    }

    #[test]
    fn go_accepts() {
        for pattern in [
            "",
            "a{",
            "a{,5}",
            "a{01}",
            "a{1,2",
            "{",
            "x{1000}",
            "(?:a{10}){100}",
            "a*(?i)*",
            "a*\\Q\\E*",
            "^*",
            "\\b+",
            "(?)",
            "(?i)",
            "(?i-s:a)",
            "(?U)a*?",
            "(?P<name>a)(?<name>b)",
            "(?P<1>a)",
            "[]a]",
            "[^]a]",
            "[a-]",
            "[-a]",
            "[\\d-z]",
            "[[:alpha:][:^digit:]]",
            "[[:alpha]",
            "\\pL\\p{Greek}\\PN\\P{^Lu}\\p{^Any}",
            "\\Qa.b",
            "\\Q\\E",
            "\\0\\01\\012\\0123\\08",
            "\\x{10FFFF}\\x{D800}\\x41",
            "\\_\\ \\-\\<",
            "(?i)k",
        ] {
            ok(pattern);
        }
    }

    #[test]
    fn repetition_binds_to_last_character() {
        let n = ok("ab*");
        let Kind::Concat(parts) = &n.kind else { panic!("{n:?}") };
        assert_eq!(parts[0].kind, Kind::Literal { chars: vec!['a'], fold: false });
        assert!(matches!(parts[1].kind, Kind::Repeat { op: RepeatOp::Star, .. }));
    }

    #[test]
    fn flags_follow_go() {
        let n = ok("(?i)a(?-i)b");
        let Kind::Concat(parts) = &n.kind else { panic!("{n:?}") };
        assert_eq!(parts[0].kind, Kind::Literal { chars: vec!['a'], fold: true });
        assert_eq!(parts[1].kind, Kind::Literal { chars: vec!['b'], fold: false });
        // Flags end with their group, but carry across `|`.
        let n = ok("((?i)a|b)c");
        let Kind::Concat(parts) = &n.kind else { panic!("{n:?}") };
        let Kind::Capture { sub, .. } = &parts[0].kind else { panic!("{n:?}") };
        let Kind::Alternate(alts) = &sub.kind else { panic!("{n:?}") };
        assert_eq!(alts[1].kind, Kind::Literal { chars: vec!['b'], fold: true });
        assert_eq!(parts[1].kind, Kind::Literal { chars: vec!['c'], fold: false });
        assert!(matches!(ok("(?U)a*").kind, Kind::Repeat { greedy: false, .. }));
        assert!(matches!(ok("(?U)a*?").kind, Kind::Repeat { greedy: true, .. }));
        assert_eq!(ok("(?s).").kind, Kind::AnyChar);
        assert_eq!(ok(".").kind, Kind::AnyCharNotNl);
        assert_eq!(ok("(?m)^").kind, Kind::BeginLine);
        assert_eq!(ok("(?m)(?-m)$").kind, Kind::EndText);
    }

    #[test]
    fn escapes_decode_like_go() {
        let lit = |p: &str| match ok(p).kind {
            Kind::Literal { chars, .. } => chars.into_iter().collect::<String>(),
            k => panic!("{p:?}: {k:?}"),
        };
        assert_eq!(lit("\\0"), "\0");
        assert_eq!(lit("\\101"), "A");
        assert_eq!(lit("\\1018"), "A8");
        assert_eq!(lit("\\x41\\x{42}"), "AB");
        assert_eq!(lit("\\Qa.b\\Ec"), "a.bc");
        assert_eq!(lit("\\a\\f\\t\\n\\r\\v"), "\x07\x0c\t\n\r\x0b");
        assert_eq!(lit("a{,5}"), "a{,5}");
    }

    #[test]
    fn names_are_recorded() {
        let p = parse("(a)(?P<x>b)(?:c)(?<y>d)", false).unwrap();
        assert_eq!(p.capture_names, vec![None, None, Some("x".into()), Some("y".into())]);
    }

    #[test]
    fn nesting_limit() {
        let deep = format!("{}a{}", "(".repeat(999), ")".repeat(999));
        ok(&deep);
        let deeper = format!("{}a{}", "(".repeat(1000), ")".repeat(1000));
        assert_eq!(
            err(&deeper),
            format!("error parsing regexp: expression nests too deeply: `{deeper}`")
        );
        // Non-capturing groups are not nodes, as in Go.
        let flat = format!("{}a{}", "(?:".repeat(5000), ")".repeat(5000));
        ok(&flat);
        // An unbalanced pattern that would be deep fails without recursion trouble.
        let open = "(".repeat(100_000);
        assert!(
            err(&open).contains("nests too deeply") || err(&open).contains("missing closing )")
        );
    }
}
