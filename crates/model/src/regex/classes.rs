//! Named character classes as Go defines them: the ASCII-only Perl classes (`\d \s \w`) and
//! POSIX classes (`[[:alpha:]]`), and the Unicode classes of `\p{...}`.
//!
//! Go's Perl classes are ASCII while Rust's are Unicode, and Go's `\s` leaves out `\v`, so
//! these are spelled out as explicit ranges rather than handed to the `regex` crate by name.

use super::unicode_names::NAMES;

/// An ASCII class, possibly negated (`\D`, `[[:^alpha:]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AsciiClass {
    pub(crate) ranges: &'static [(u8, u8)],
    pub(crate) negated: bool,
}

const DIGIT: &[(u8, u8)] = &[(b'0', b'9')];
/// Go's `\s`: `[\t\n\f\r ]`, without `\v` (which `[[:space:]]` has).
const PERL_SPACE: &[(u8, u8)] = &[(b'\t', b'\n'), (0x0c, b'\r'), (b' ', b' ')];
const WORD: &[(u8, u8)] = &[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')];

/// The Perl class for the letter after a backslash (`d`, `D`, `s`, `S`, `w`, `W`).
pub(crate) fn perl_class(letter: u8) -> Option<AsciiClass> {
    let (ranges, negated) = match letter {
        b'd' => (DIGIT, false),
        b'D' => (DIGIT, true),
        b's' => (PERL_SPACE, false),
        b'S' => (PERL_SPACE, true),
        b'w' => (WORD, false),
        b'W' => (WORD, true),
        _ => return None,
    };
    Some(AsciiClass { ranges, negated })
}

/// The POSIX class for a name written `[:alpha:]` or `[:^alpha:]`.
pub(crate) fn posix_class(name: &str) -> Option<AsciiClass> {
    let inner = name.strip_prefix("[:")?.strip_suffix(":]")?;
    let (inner, negated) = match inner.strip_prefix('^') {
        Some(rest) => (rest, true),
        None => (inner, false),
    };
    let ranges: &'static [(u8, u8)] = match inner {
        "alnum" => &[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')],
        "alpha" => &[(b'A', b'Z'), (b'a', b'z')],
        "ascii" => &[(0x00, 0x7f)],
        "blank" => &[(b'\t', b'\t'), (b' ', b' ')],
        "cntrl" => &[(0x00, 0x1f), (0x7f, 0x7f)],
        "digit" => DIGIT,
        "graph" => &[(b'!', b'~')],
        "lower" => &[(b'a', b'z')],
        "print" => &[(b' ', b'~')],
        "punct" => &[(b'!', b'/'), (b':', b'@'), (b'[', b'`'), (b'{', b'~')],
        "space" => &[(b'\t', b'\r'), (b' ', b' ')],
        "upper" => &[(b'A', b'Z')],
        "word" => WORD,
        "xdigit" => &[(b'0', b'9'), (b'A', b'F'), (b'a', b'f')],
        _ => return None,
    };
    Some(AsciiClass { ranges, negated })
}

/// A Unicode class Go knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnicodeProp {
    /// A general category by its short name (`Lu`, `L`, `LC`).
    Category(&'static str),
    /// A script (`Greek`, `Old_Italic`).
    Script(&'static str),
    Any,
    Assigned,
    Ascii,
}

/// Scripts in Go's Unicode 17 tables that the `regex` crate's Unicode 16 tables lack. Go
/// releases before 1.27 (which the upstream binaries are built with) reject them too.
const NOT_IN_RUST_TABLES: &[&str] = &["Beria_Erfe", "Sidetic", "Tai_Yo", "Tolong_Siki"];

impl UnicodeProp {
    /// Looks a name up as Go 1.27 does: case-insensitively, ignoring `_`, `-` and spaces.
    pub(crate) fn lookup(name: &str) -> Option<UnicodeProp> {
        let key = canonical_name(name);
        let idx = NAMES.binary_search_by(|(n, _)| (*n).cmp(key.as_str())).ok()?;
        let prop = NAMES.get(idx)?.1;
        match prop {
            UnicodeProp::Script(s) if NOT_IN_RUST_TABLES.contains(&s) => None,
            _ => Some(prop),
        }
    }

    /// The class in `regex` crate syntax, or `None` for Go's `Cs` (surrogates), which no
    /// character of a valid string is in.
    pub(crate) fn rust_syntax(self, negated: bool) -> Option<String> {
        let p = if negated { 'P' } else { 'p' };
        match self {
            UnicodeProp::Category("Cs") => None,
            UnicodeProp::Category(c) => Some(format!("\\{p}{{gc={c}}}")),
            UnicodeProp::Script(s) => Some(format!("\\{p}{{sc={s}}}")),
            UnicodeProp::Any => Some(format!("\\{p}{{Any}}")),
            UnicodeProp::Assigned => Some(format!("\\{p}{{Assigned}}")),
            UnicodeProp::Ascii => Some(format!("\\{p}{{ASCII}}")),
        }
    }
}

/// Go's canonical form of a class name: first letter upper case, the rest lower case, without
/// `_`, `-` and spaces.
fn canonical_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().filter(|c| !matches!(c, '_' | '-' | ' ')) {
        if out.is_empty() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_for_binary_search() {
        assert!(NAMES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lookup_like_go() {
        assert_eq!(UnicodeProp::lookup("Greek"), Some(UnicodeProp::Script("Greek")));
        assert_eq!(UnicodeProp::lookup("greek"), Some(UnicodeProp::Script("Greek")));
        assert_eq!(UnicodeProp::lookup("old italic"), Some(UnicodeProp::Script("Old_Italic")));
        assert_eq!(UnicodeProp::lookup("Lu"), Some(UnicodeProp::Category("Lu")));
        assert_eq!(UnicodeProp::lookup("LC"), Some(UnicodeProp::Category("LC")));
        assert_eq!(UnicodeProp::lookup("Uppercase_Letter"), Some(UnicodeProp::Category("Lu")));
        assert_eq!(UnicodeProp::lookup("ASCII"), Some(UnicodeProp::Ascii));
        assert_eq!(UnicodeProp::lookup("Sidetic"), None);
        assert_eq!(UnicodeProp::lookup(""), None);
        assert_eq!(UnicodeProp::lookup("Klingon"), None);
    }

    /// Every name Go accepts (but the few Unicode 17 scripts) must exist in the `regex` crate.
    #[test]
    fn every_go_class_compiles_in_rust() {
        for (name, prop) in NAMES {
            for negated in [false, true] {
                let Some(syntax) = prop.rust_syntax(negated) else { continue };
                let compiled = regex::Regex::new(&syntax);
                let unsupported =
                    matches!(prop, UnicodeProp::Script(s) if NOT_IN_RUST_TABLES.contains(s));
                assert_eq!(compiled.is_err(), unsupported, "{name}: {syntax}");
            }
        }
    }

    #[test]
    fn posix_names() {
        assert_eq!(posix_class("[:alpha:]").map(|c| c.negated), Some(false));
        assert_eq!(posix_class("[:^alpha:]").map(|c| c.negated), Some(true));
        assert_eq!(posix_class("[:foo:]"), None);
        assert_eq!(perl_class(b'x'), None);
    }
}
