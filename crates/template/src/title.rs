//! `cases.Title(language.AmericanEnglish[, cases.NoLower])` from `golang.org/x/text/cases`:
//! Alertmanager's `title` lower-cases the rest of each word, Prometheus' (`cases.NoLower`)
//! leaves it as is. The first cased letter of each word is title-cased.
//!
//! Words are delimited as x/text approximates Unicode word breaking: letter-like runes continue
//! a word; a "mid" rune (`'`, `.`, `:`, `·`, `’`, ...) continues it unless another mid
//! follows; anything else (spaces, `-`, `,`, `/`, ideographs, ...) ends it. Which runes are
//! cased, mid or breaking, and their title case, come from tables derived from x/text itself,
//! rune by rune (`title_table.rs`, see `scripts/oracle/promtemplate/xtext/`).
//!
//! Lower-casing (without `no_lower`) uses Rust's full lower-case mappings, with final sigma: a
//! `Σ` inside a word becomes `σ` when a cased letter follows (after case-ignorable runes), else
//! `ς`. The case-ignorable runes are the mids plus a few classes approximated below.

use crate::title_table::{BREAK, CASED, MID, TITLE_MULTI, TITLE_RUNS};

/// Title-cases `s` as x/text's English title caser does; with `no_lower`, the letters after
/// the first of each word are kept as they are instead of lower-cased.
pub fn title(s: &str, no_lower: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut mid_word = false;
    let mut rest = s.chars();
    while let Some(c) = rest.next() {
        let was_mid = is_mid(c);
        if is_cased(c) {
            if !mid_word {
                push_title(&mut out, c);
                mid_word = true;
            } else if no_lower {
                out.push(c);
            } else if c == 'Σ' {
                let next = rest.clone().find(|&n| !is_case_ignorable(n));
                out.push(if next.is_some_and(is_cased) { 'σ' } else { 'ς' });
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            out.push(c);
            if in_ranges(BREAK, c) {
                mid_word = false;
            }
        }
        if was_mid && rest.clone().next().is_some_and(is_mid) {
            mid_word = false;
        }
    }
    out
}

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    let i = table.partition_point(|&(lo, _)| lo <= c);
    i > 0 && c <= table[i - 1].1
}

fn is_cased(c: char) -> bool {
    in_ranges(CASED, c)
}

fn is_mid(c: char) -> bool {
    in_ranges(MID, c)
}

/// Appends what `c` becomes at the start of a word.
fn push_title(out: &mut String, c: char) {
    if let Ok(i) = TITLE_MULTI.binary_search_by_key(&c, |&(k, _)| k) {
        out.push_str(TITLE_MULTI[i].1);
        return;
    }
    let code = c as u32;
    let i = TITLE_RUNS.partition_point(|&(lo, ..)| lo <= code);
    if i > 0 {
        let (lo, hi, stride, delta) = TITLE_RUNS[i - 1];
        if code <= hi
            && (code - lo).is_multiple_of(stride)
            && let Some(t) = code.checked_add_signed(delta).and_then(char::from_u32)
        {
            out.push(t);
            return;
        }
    }
    out.push(c);
}

/// Unicode's Case_Ignorable, as final sigma needs it: mids, marks, format characters and
/// modifier symbols and letters (the latter classes approximated by the blocks that hold them).
fn is_case_ignorable(c: char) -> bool {
    is_mid(c)
        || is_mark(c)
        || is_format(c)
        || is_symbol_letter(c)
        || matches!(c, '^' | '`' | '\u{A8}' | '\u{AF}' | '\u{B4}' | '\u{B8}')
}

/// Combining marks (Word_Break Extend), approximated by the blocks that hold them.
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06DC
        | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED | 0x0900..=0x0903 | 0x093A..=0x094F
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x200C | 0x200D | 0x20D0..=0x20FF | 0x2CEF..=0x2CF1 | 0x2DE0..=0x2DFF | 0x302A..=0x302F
        | 0x3099..=0x309A | 0xA66F..=0xA672 | 0xA674..=0xA67D | 0xA69E..=0xA69F | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F | 0xFF9E..=0xFF9F | 0x1E8D0..=0x1E8D6 | 0x1E944..=0x1E94A
        | 0xE0100..=0xE01EF)
}

/// Word_Break Format (and the other invisible characters that never break a word).
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0xAD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E | 0x200E..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE0001 | 0xE0020..=0xE007F)
}

/// Modifier symbols and punctuation that Word_Break counts as letters.
fn is_symbol_letter(c: char) -> bool {
    matches!(c as u32,
        0xB8 | 0x02C2..=0x02C5 | 0x02D2..=0x02D7 | 0x02DE..=0x02DF | 0x02E5..=0x02EB | 0x02ED
        | 0x02EF..=0x02FF | 0x055A..=0x055C | 0x055E | 0x058A | 0x05F3 | 0xA700..=0xA716
        | 0xA720..=0xA721 | 0xA789..=0xA78A | 0xAB5B | 0xAB6A..=0xAB6B)
}

#[cfg(test)]
mod tests {
    use super::title;

    #[test]
    fn lower() {
        assert_eq!(title("hello wORLD", false), "Hello World");
        assert_eq!(title("don't stop-me now_ok a.b a..b", false), "Don't Stop-Me Now_ok A.b A..B");
        assert_eq!(title("ΣΑΣ ΣΑΣ.", false), "Σας Σας.");
        assert_eq!(title("ΣΣ\u{301}Α", false), "Σσ\u{301}α");
        assert_eq!(title("ǆemal straße", false), "ǅemal Straße");
    }

    #[test]
    fn no_lower() {
        assert_eq!(title("hello wORLD", true), "Hello WORLD");
        assert_eq!(title("hello world", true), "Hello World");
        assert_eq!(title("don't stop", true), "Don't Stop");
        assert_eq!(title("foo.bar foo..bar", true), "Foo.bar Foo..Bar");
        assert_eq!(title("snake_case kebab-case", true), "Snake_case Kebab-Case");
        assert_eq!(title("iPHONE 1st", true), "IPHONE 1St");
        assert_eq!(title("ßtraße ǆemal ﬁne", true), "Sstraße ǅemal Fine");
        assert_eq!(title("", true), "");
    }
}
