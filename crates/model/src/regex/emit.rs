//! Writes a parsed Go pattern back out in the `regex` crate's syntax, with every Go semantic
//! spelled out so that no default of the `regex` crate leaks in.
//!
//! Flags are resolved per node rather than copied: a case-insensitive literal becomes
//! `(?i:...)`, a dot-all `.` becomes `(?s:.)`, Go's ASCII `\b` becomes `(?-u:\b)`, Go's ASCII
//! classes become explicit ranges. The output is verbose but means the same in both engines.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::ast::{Class, ClassItem, Kind, Node, RepeatOp};

/// The pattern in `regex` crate syntax.
pub(crate) fn to_rust(root: &Node) -> String {
    let mut e = Emitter { out: String::new(), names: HashSet::new() };
    e.node(root);
    e.out
}

struct Emitter {
    out: String,
    /// Group names already used: the `regex` crate rejects duplicates, Go allows them.
    names: HashSet<String>,
}

impl Emitter {
    fn node(&mut self, node: &Node) {
        match &node.kind {
            Kind::Empty => self.out.push_str("(?:)"),
            Kind::Literal { chars, fold } => {
                if *fold {
                    self.out.push_str("(?i:");
                }
                for &c in chars {
                    push_literal(&mut self.out, c);
                }
                if *fold {
                    self.out.push(')');
                }
            }
            Kind::Class(class) => self.class(class),
            Kind::AnyChar => self.out.push_str("(?s:.)"),
            Kind::AnyCharNotNl => self.out.push('.'),
            Kind::BeginLine => self.out.push_str("(?m:^)"),
            Kind::EndLine => self.out.push_str("(?m:$)"),
            Kind::BeginText => self.out.push_str("\\A"),
            Kind::EndText => self.out.push_str("\\z"),
            Kind::WordBoundary => self.out.push_str("(?-u:\\b)"),
            Kind::NoWordBoundary => self.out.push_str("(?-u:\\B)"),
            Kind::Capture { name, sub, .. } => {
                // Go names are `[A-Za-z0-9_]+`; the `regex` crate also wants a non-digit first
                // and unique names. Other groups stay unnamed here; `GoRegex` keeps Go's names.
                match name {
                    Some(n)
                        if !n.starts_with(|c: char| c.is_ascii_digit())
                            && self.names.insert(n.clone()) =>
                    {
                        let _ = write!(self.out, "(?P<{n}>");
                    }
                    _ => self.out.push('('),
                }
                self.node(sub);
                self.out.push(')');
            }
            Kind::Repeat { op, greedy, sub } => {
                let group = match &sub.kind {
                    Kind::Literal { chars, fold } => chars.len() > 1 && !fold,
                    Kind::Concat(_)
                    | Kind::Alternate(_)
                    | Kind::Repeat { .. }
                    | Kind::BeginText
                    | Kind::EndText => true,
                    _ => false,
                };
                if group {
                    self.out.push_str("(?:");
                }
                self.node(sub);
                if group {
                    self.out.push(')');
                }
                let _ = match op {
                    RepeatOp::Star => write!(self.out, "*"),
                    RepeatOp::Plus => write!(self.out, "+"),
                    RepeatOp::Quest => write!(self.out, "?"),
                    RepeatOp::Range { min, max: None } => write!(self.out, "{{{min},}}"),
                    RepeatOp::Range { min, max: Some(max) } if min == max => {
                        write!(self.out, "{{{min}}}")
                    }
                    RepeatOp::Range { min, max: Some(max) } => write!(self.out, "{{{min},{max}}}"),
                };
                if !greedy {
                    self.out.push('?');
                }
            }
            Kind::Concat(subs) => {
                for sub in subs {
                    if matches!(sub.kind, Kind::Alternate(_)) {
                        self.out.push_str("(?:");
                        self.node(sub);
                        self.out.push(')');
                    } else {
                        self.node(sub);
                    }
                }
            }
            Kind::Alternate(subs) => {
                for (i, sub) in subs.iter().enumerate() {
                    if i > 0 {
                        self.out.push('|');
                    }
                    self.node(sub);
                }
            }
        }
    }

    fn class(&mut self, class: &Class) {
        let mut body = String::new();
        for item in &class.items {
            match item {
                ClassItem::Range(lo, hi) => {
                    // Surrogates are not characters; no valid string contains one.
                    let lo = if (0xD800..=0xDFFF).contains(lo) { 0xE000 } else { *lo };
                    let hi = if (0xD800..=0xDFFF).contains(hi) { 0xD7FF } else { *hi };
                    if let (Some(lo), Some(hi)) = (char::from_u32(lo), char::from_u32(hi))
                        && lo <= hi
                    {
                        push_class_char(&mut body, lo);
                        if hi > lo {
                            body.push('-');
                            push_class_char(&mut body, hi);
                        }
                    }
                }
                ClassItem::Ascii(ascii) => {
                    // A negated class nested in a bracket: the `regex` crate folds case before
                    // negating it, as Go does.
                    if ascii.negated {
                        body.push_str("[^");
                    }
                    for &(lo, hi) in ascii.ranges {
                        push_class_char(&mut body, char::from(lo));
                        if hi > lo {
                            body.push('-');
                            push_class_char(&mut body, char::from(hi));
                        }
                    }
                    if ascii.negated {
                        body.push(']');
                    }
                }
                ClassItem::Unicode { prop, negated } => match prop.rust_syntax(*negated) {
                    Some(syntax) => body.push_str(&syntax),
                    // Not in the surrogates: every character.
                    None if *negated => body.push_str("\\x{0}-\\x{10FFFF}"),
                    None => {}
                },
            }
        }
        if body.is_empty() {
            // Nothing in the class: matches no character, or every one when negated.
            self.out.push_str(if class.negated {
                "[\\x{0}-\\x{10FFFF}]"
            } else {
                "[^\\x{0}-\\x{10FFFF}]"
            });
            return;
        }
        if class.fold {
            self.out.push_str("(?i:");
        }
        self.out.push('[');
        if class.negated {
            self.out.push('^');
        }
        self.out.push_str(&body);
        self.out.push(']');
        if class.fold {
            self.out.push(')');
        }
    }
}

/// A literal character outside a class.
fn push_literal(out: &mut String, c: char) {
    if regex_syntax::is_meta_character(c) {
        out.push('\\');
        out.push(c);
    } else {
        push_plain(out, c);
    }
}

/// A character inside a class (`[`, `-`, `&`, `~` and the like are escaped).
fn push_class_char(out: &mut String, c: char) {
    push_literal(out, c);
}

/// Printable characters as themselves, the rest as `\x{..}` so the pattern stays readable.
fn push_plain(out: &mut String, c: char) {
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn rust(pattern: &str) -> String {
        to_rust(&parse(pattern, false).unwrap().root)
    }

    #[test]
    fn spells_out_go_semantics() {
        let cases = [
            ("abc", "abc"),
            ("a.b", "a.b"),
            ("(?s)a.b", "a(?s:.)b"),
            ("\\d", "[0-9]"),
            ("\\D", "[[^0-9]]"),
            ("\\s", "[\\x{9}-\\x{A}\\x{C}-\\x{D} ]"),
            ("(?i)\\w", "(?i:[0-9A-Z_a-z])"),
            ("[\\d_]", "[0-9_]"),
            ("[^\\s]", "[^\\x{9}-\\x{A}\\x{C}-\\x{D} ]"),
            ("\\b\\B", "(?-u:\\b)(?-u:\\B)"),
            ("(?i)ab", "(?i:ab)"),
            ("ab*", "ab*"),
            ("(?:ab)*", "(?:ab)*"),
            ("(?U)a+", "a+?"),
            ("a{2,}b{3}c{1,4}?", "a{2,}b{3}c{1,4}?"),
            ("a|b(c|d)", "a|b(c|d)"),
            ("x(?:a|b)", "x(?:a|b)"),
            ("^a$", "\\Aa\\z"),
            ("(?m)^a$", "(?m:^)a(?m:$)"),
            ("\\Q[.]\\E", "\\[\\.\\]"),
            ("[\\[\\]-]", "[\\[\\]\\-]"),
            ("\\pL\\P{Greek}", "[\\p{gc=L}][\\P{sc=Greek}]"),
            ("\\p{Cs}", "[^\\x{0}-\\x{10FFFF}]"),
            ("\\x{D800}", "[^\\x{0}-\\x{10FFFF}]"),
            ("[\\x{D000}-\\x{E000}]", "[\u{D000}-\u{E000}]"),
            ("[\\x{D800}-\\x{DBFF}a]", "[a]"),
            ("(?P<1>a)(?P<x>b)(?P<x>c)", "(a)(?P<x>b)(c)"),
            ("", "(?:)"),
            ("\n\t", "\\x{A}\\x{9}"),
        ];
        for (go, want) in cases {
            assert_eq!(rust(go), want, "{go:?}");
        }
    }

    #[test]
    fn output_compiles() {
        for go in [
            "\\x{D800}*",
            "^*",
            "$+",
            "(?:)*",
            "[\\p{Cs}]",
            "[^\\p{Cs}]",
            "\\P{Cs}",
            "a||b",
            "(|a)",
        ] {
            let r = rust(go);
            assert!(regex::Regex::new(&r).is_ok(), "{go:?} -> {r:?}");
        }
    }
}
