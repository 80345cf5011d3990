//! `cases.Title(language.AmericanEnglish)` from `golang.org/x/text/cases`, which Alertmanager's
//! `title` uses (and Prometheus' with `cases.NoLower`): the first cased letter of each word is
//! title-cased, the word's other cased letters lower-cased (unless `no_lower`).
//!
//! Words follow x/text's approximation of Unicode word breaking: letters, digits, marks and
//! `_` never break a word; a "mid" character (`'`, `.`, `:`, `·`, `’`, ...) does not break it
//! unless two mids follow each other; anything else (spaces, punctuation, symbols) breaks it.
//! Final sigma: a `Σ` lower-cased at the end of a word becomes `ς`.

/// Title-cases `s` as x/text's English title caser does.
pub fn title(s: &str, no_lower: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut mid_word = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let was_mid = is_mid(c);
        if is_cased(c) {
            if !mid_word {
                push_title(c, &mut out);
                mid_word = true;
            } else if no_lower {
                out.push(c);
            } else if c == 'Σ' {
                // σ if a cased letter follows (after case-ignorables), else ς.
                let next = chars[i + 1..].iter().find(|&&n| !is_case_ignorable(n));
                out.push(if next.is_some_and(|&n| is_cased(n)) { 'σ' } else { 'ς' });
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            out.push(c);
            if is_break(c) {
                mid_word = false;
            }
        }
        i += 1;
        if was_mid && chars.get(i).is_some_and(|&n| is_mid(n)) {
            mid_word = false;
        }
    }
    out
}

fn is_titlecase_letter(c: char) -> bool {
    matches!(c as u32,
        0x01C5 | 0x01C8 | 0x01CB | 0x01F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
        | 0x1FBC | 0x1FCC | 0x1FFC)
}

fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase_letter(c)
}

/// Word_Break MidLetter, MidNumLet and Single_Quote.
fn is_mid(c: char) -> bool {
    matches!(
        c,
        '\'' | '.'
            | ':'
            | '\u{B7}'
            | '\u{387}'
            | '\u{55F}'
            | '\u{5F4}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{2024}'
            | '\u{2027}'
            | '\u{FE13}'
            | '\u{FE52}'
            | '\u{FE55}'
            | '\u{FF07}'
            | '\u{FF0E}'
            | '\u{FF1A}'
    )
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

/// Word_Break ExtendNumLet (connector punctuation).
fn is_extend_num_let(c: char) -> bool {
    matches!(
        c,
        '_' | '\u{202F}'
            | '\u{203F}'
            | '\u{2040}'
            | '\u{2054}'
            | '\u{FE33}'
            | '\u{FE34}'
            | '\u{FE4D}'..='\u{FE4F}' | '\u{FF3F}'
    )
}

/// Modifier symbols and punctuation that Word_Break counts as letters.
fn is_symbol_letter(c: char) -> bool {
    matches!(c as u32,
        0xB8 | 0x02C2..=0x02C5 | 0x02D2..=0x02D7 | 0x02DE..=0x02DF | 0x02E5..=0x02EB | 0x02ED
        | 0x02EF..=0x02FF | 0x055A..=0x055C | 0x055E | 0x058A | 0x05F3 | 0xA700..=0xA716
        | 0xA720..=0xA721 | 0xA789..=0xA78A | 0xAB5B | 0xAB6A..=0xAB6B)
}

/// Numbers that are not decimal digits (Word_Break Other): superscripts, fractions, circled...
fn is_other_number(c: char) -> bool {
    matches!(c as u32,
        0xB2..=0xB3 | 0xB9 | 0xBC..=0xBE | 0x09F4..=0x09F9 | 0x0BF0..=0x0BF2 | 0x0F2A..=0x0F33
        | 0x1369..=0x137C | 0x2070..=0x209F | 0x2150..=0x218B | 0x2460..=0x24FF | 0x2776..=0x2793
        | 0x2CFD | 0x3007 | 0x3021..=0x3029 | 0x3038..=0x303A | 0x3192..=0x3195 | 0x3220..=0x3229
        | 0x3248..=0x324F | 0x3251..=0x325F | 0x3280..=0x3289 | 0x32B1..=0x32BF | 0xA830..=0xA835
        | 0x10107..=0x10133 | 0x1D360..=0x1D378)
}

/// Scripts whose letters Word_Break does not count as ALetter (ideographs, kana, and the
/// Southeast Asian scripts segmented by dictionary).
fn is_non_aletter_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x1950..=0x19DF | 0x1A20..=0x1AAF
        | 0x3005..=0x3006 | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA9E0..=0xA9FF | 0xAA60..=0xAADF | 0xF900..=0xFAFF | 0xFF66..=0xFF9D | 0x20000..=0x3FFFF)
}

fn is_case_ignorable(c: char) -> bool {
    is_mid(c)
        || is_mark(c)
        || is_format(c)
        || is_symbol_letter(c)
        || matches!(c, '^' | '`' | '\u{A8}' | '\u{AF}' | '\u{B4}' | '\u{B8}')
}

/// Whether an uncased character ends a word: anything but letters, decimal digits, marks,
/// format characters, connectors and mids.
fn is_break(c: char) -> bool {
    let letter = (c.is_alphabetic() && !is_non_aletter_script(c))
        || (c.is_numeric() && !is_other_number(c))
        || is_mark(c)
        || is_format(c)
        || is_extend_num_let(c)
        || is_symbol_letter(c);
    !(letter || is_mid(c))
}

fn push_title(c: char, out: &mut String) {
    let n = c as u32;
    let special: Option<&str> = match n {
        0x01C4..=0x01C6 => Some("\u{1C5}"),
        0x01C7..=0x01C9 => Some("\u{1C8}"),
        0x01CA..=0x01CC => Some("\u{1CB}"),
        0x01F1..=0x01F3 => Some("\u{1F2}"),
        0xDF => Some("Ss"),
        0x149 => Some("\u{2BC}N"),
        // Greek with ypogegrammeni: the title case keeps the iota subscript as a mark.
        0x1FB2 => Some("\u{1FBA}\u{345}"),
        0x1FB4 => Some("\u{386}\u{345}"),
        0x1FB7 => Some("\u{391}\u{342}\u{345}"),
        0x1FC2 => Some("\u{1FCA}\u{345}"),
        0x1FC4 => Some("\u{389}\u{345}"),
        0x1FC7 => Some("\u{397}\u{342}\u{345}"),
        0x1FF2 => Some("\u{1FFA}\u{345}"),
        0x1FF4 => Some("\u{38F}\u{345}"),
        0x1FF7 => Some("\u{3A9}\u{342}\u{345}"),
        0x587 => Some("\u{535}\u{582}"),
        0xFB00 => Some("Ff"),
        0xFB01 => Some("Fi"),
        0xFB02 => Some("Fl"),
        0xFB03 => Some("Ffi"),
        0xFB04 => Some("Ffl"),
        0xFB05 | 0xFB06 => Some("St"),
        0xFB13 => Some("\u{544}\u{576}"),
        0xFB14 => Some("\u{544}\u{565}"),
        0xFB15 => Some("\u{544}\u{56B}"),
        0xFB16 => Some("\u{54E}\u{576}"),
        0xFB17 => Some("\u{544}\u{56D}"),
        _ => None,
    };
    if let Some(s) = special {
        out.push_str(s);
        return;
    }
    if is_titlecase_letter(c) {
        out.push(c);
        return;
    }
    let mapped = match n {
        // Georgian Mkhedruli letters are their own title case.
        0x10D0..=0x10FA | 0x10FD..=0x10FF => Some(n),
        0x1F80..=0x1FAF => Some(n | 8),
        0x1FB3 | 0x1FC3 | 0x1FF3 => Some(n + 9),
        _ => None,
    };
    match mapped.and_then(char::from_u32) {
        Some(m) => out.push(m),
        None => out.extend(c.to_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::title;

    #[test]
    fn words() {
        assert_eq!(title("hello wORLD", false), "Hello World");
        assert_eq!(title("hello wORLD", true), "Hello WORLD");
        assert_eq!(title("don't stop-me now_ok a.b a..b", false), "Don't Stop-Me Now_ok A.b A..B");
        assert_eq!(title("ΣΑΣ", false), "Σας");
        assert_eq!(title("ǆemal straße", false), "ǅemal Straße");
    }
}
