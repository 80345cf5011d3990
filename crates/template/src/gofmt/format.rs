//! The leaf formatters of Go's `fmt/format.go`: padding, integers in any base, `%U`, `%c`,
//! `%q`, hex strings and floats, under the flags, width and precision of one verb.

use model::gostr;

use super::float::append_float;

pub(super) const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
pub(super) const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";

/// Go's `strconv.CanBackquote`: whether `s` can be a raw string literal unchanged.
pub(super) fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || (c >= ' ' && c != '\u{7f}')))
}

/// The flags, width and precision of the verb being printed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Flags {
    pub(super) wid_present: bool,
    pub(super) prec_present: bool,
    pub(super) minus: bool,
    pub(super) plus: bool,
    pub(super) sharp: bool,
    pub(super) space: bool,
    pub(super) zero: bool,
    // %+v and %#v: set at the top level, cleared `plus`/`sharp`.
    pub(super) plus_v: bool,
    pub(super) sharp_v: bool,
    pub(super) wid: usize,
    pub(super) prec: usize,
}

/// Formats values into a buffer (Go's `pp` and `fmt` in one).
pub(super) struct Printer<'b> {
    pub(super) buf: &'b mut String,
    pub(super) f: Flags,
    /// Inside a `%!verb(type=value)`: methods (`String()`) are not called.
    pub(super) erroring: bool,
    /// Reused scratch space for numbers.
    pub(super) num: String,
}

impl<'b> Printer<'b> {
    pub(super) fn new(buf: &'b mut String) -> Self {
        Printer { buf, f: Flags::default(), erroring: false, num: String::new() }
    }

    // ---- padding -------------------------------------------------------------------------

    pub(super) fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero && !self.f.minus { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(c, n));
    }

    /// Appends `s` padded to the width on the left (or right with `-`).
    pub(super) fn pad(&mut self, s: &str) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.push_str(s);
            return;
        }
        let width = self.f.wid.saturating_sub(s.chars().count());
        if !self.f.minus {
            self.write_padding(width);
            self.buf.push_str(s);
        } else {
            self.buf.push_str(s);
            self.write_padding(width);
        }
    }

    /// [`Printer::pad`] for text whose length is known to be `len` runes, written by `write`.
    pub(super) fn pad_with(&mut self, len: usize, write: impl FnOnce(&mut String)) {
        let width = if self.f.wid_present { self.f.wid.saturating_sub(len) } else { 0 };
        if !self.f.minus {
            self.write_padding(width);
            write(self.buf);
        } else {
            write(self.buf);
            self.write_padding(width);
        }
    }

    pub(super) fn without_zero(&mut self, body: impl FnOnce(&mut Self)) {
        let old = self.f.zero;
        self.f.zero = false;
        body(self);
        self.f.zero = old;
    }

    // ---- leaf formatters (format.go) -----------------------------------------------------

    pub(super) fn fmt_boolean(&mut self, v: bool) {
        self.pad(if v { "true" } else { "false" });
    }

    pub(super) fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4usize;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let mut hex = [0u8; 16];
        let mut i = hex.len();
        let mut v = u;
        loop {
            i -= 1;
            hex[i] = UDIGITS[(v & 0xf) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        let ndig = hex.len() - i;
        let zeros = prec.saturating_sub(ndig);
        let printable = if self.f.sharp {
            u32::try_from(u).ok().and_then(char::from_u32).filter(|&c| gostr::is_print(c))
        } else {
            None
        };
        let len = 2 + zeros + ndig + printable.map_or(0, |_| 4);
        let digits = &hex[i..];
        self.without_zero(|p| {
            p.pad_with(len, |b| {
                b.push_str("U+");
                b.extend(std::iter::repeat_n('0', zeros));
                digits.iter().for_each(|&d| b.push(d as char));
                if let Some(c) = printable {
                    b.push_str(" '");
                    b.push(c);
                    b.push('\'');
                }
            })
        });
    }

    pub(super) fn fmt_integer(
        &mut self,
        mut u: u64,
        base: u64,
        signed: bool,
        verb: char,
        digits: &[u8; 17],
    ) {
        let negative = signed && (u as i64) < 0;
        if negative {
            u = u.wrapping_neg();
        }
        let mut prec: i64 = 0;
        if self.f.prec_present {
            prec = self.f.prec as i64;
            // Precision 0 and value 0 means "print nothing" but padding.
            if prec == 0 && u == 0 {
                let wid = self.f.wid;
                self.without_zero(|p| p.write_padding(wid));
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid as i64;
            if negative || self.f.plus || self.f.space {
                prec -= 1; // leave room for the sign
            }
        }
        let mut tmp = [0u8; 64];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = digits[(u % base) as usize];
            u /= base;
            if u == 0 {
                break;
            }
        }
        let ndig = tmp.len() - i;
        let zeros = usize::try_from(prec).unwrap_or(0).saturating_sub(ndig);
        let mut prefix = [0u8; 5];
        let mut plen = 0;
        let mut push = |c: u8| {
            prefix[plen] = c;
            plen += 1;
        };
        if negative {
            push(b'-');
        } else if self.f.plus {
            push(b'+');
        } else if self.f.space {
            push(b' ');
        }
        if verb == 'O' {
            push(b'0');
            push(b'o');
        }
        if self.f.sharp {
            match base {
                2 => {
                    push(b'0');
                    push(b'b');
                }
                8 if zeros == 0 && tmp[i] != b'0' => push(b'0'),
                16 => {
                    push(b'0');
                    push(digits[16]);
                }
                _ => {}
            }
        }
        let len = plen + zeros + ndig;
        let body = &tmp[i..];
        let pre = &prefix[..plen];
        self.without_zero(|p| {
            p.pad_with(len, |b| {
                pre.iter().for_each(|&c| b.push(c as char));
                b.extend(std::iter::repeat_n('0', zeros));
                body.iter().for_each(|&c| b.push(c as char));
            })
        });
    }

    pub(super) fn truncate<'s>(&self, s: &'s str) -> &'s str {
        if self.f.prec_present
            && let Some((i, _)) = s.char_indices().nth(self.f.prec)
        {
            return &s[..i];
        }
        s
    }

    pub(super) fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    pub(super) fn fmt_sx(&mut self, s: &str, digits: &[u8; 17]) {
        let mut length = s.len();
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                let w = self.f.wid;
                self.write_padding(w);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            let w = self.f.wid - width;
            self.write_padding(w);
        }
        let (sharp, space) = (self.f.sharp, self.f.space);
        if sharp {
            self.buf.push('0');
            self.buf.push(digits[16] as char);
        }
        for (i, &c) in s.as_bytes()[..length].iter().enumerate() {
            if space && i > 0 {
                self.buf.push(' ');
                if sharp {
                    self.buf.push('0');
                    self.buf.push(digits[16] as char);
                }
            }
            self.buf.push(digits[(c >> 4) as usize] as char);
            self.buf.push(digits[(c & 0xf) as usize] as char);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            let w = self.f.wid - width;
            self.write_padding(w);
        }
    }

    pub(super) fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            let len = s.chars().count() + 2;
            self.pad_with(len, |b| {
                b.push('`');
                b.push_str(s);
                b.push('`');
            });
            return;
        }
        let mut q = std::mem::take(&mut self.num);
        q.clear();
        gostr::append_quoted(&mut q, s, '"', self.f.plus);
        self.pad(&q);
        self.num = q;
    }

    pub(super) fn rune_of(c: u64) -> char {
        u32::try_from(c).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}')
    }

    pub(super) fn fmt_c(&mut self, c: u64) {
        let mut tmp = [0u8; 4];
        let s: &str = Self::rune_of(c).encode_utf8(&mut tmp);
        self.pad(s);
    }

    pub(super) fn fmt_qc(&mut self, c: u64) {
        let r = Self::rune_of(c);
        let mut tmp = [0u8; 4];
        let mut q = std::mem::take(&mut self.num);
        q.clear();
        gostr::append_quoted(&mut q, r.encode_utf8(&mut tmp), '\'', self.f.plus);
        self.pad(&q);
        self.num = q;
    }

    pub(super) fn fmt_float(&mut self, v: f64, verb: u8, mut prec: i32) {
        if self.f.prec_present {
            prec = i32::try_from(self.f.prec).unwrap_or(i32::MAX);
        }
        // Format into the scratch buffer, with room for a leading sign at `num[start]`.
        let mut num = std::mem::take(&mut self.num);
        num.clear();
        num.push('+');
        append_float(&mut num, v, verb, prec, 64);
        let start = usize::from(matches!(num.as_bytes()[1], b'-' | b'+'));
        let mut sign = num.as_bytes()[start];
        // The space flag means a leading space instead of "+", unless "+" was asked for.
        if self.f.space && sign == b'+' && !self.f.plus {
            sign = b' ';
            num.replace_range(start..start + 1, " ");
        }
        let body = start + 1;
        let first = num.as_bytes().get(body).copied().unwrap_or(b'0');
        if first == b'I' || first == b'N' {
            // Infinities and NaN are not zero padded; NaN shows a sign only if asked for.
            let from = if first == b'N' && !self.f.space && !self.f.plus { body } else { start };
            self.without_zero(|p| p.pad(&num[from..]));
            self.num = num;
            return;
        }
        if self.f.sharp && verb != b'b' {
            // "#" keeps a decimal point and trailing zeros.
            let mut digits: i32 = 0;
            if matches!(verb, b'v' | b'g' | b'G' | b'x') {
                digits = if prec == -1 { 6 } else { prec };
            }
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut cut = num.len();
            for (i, &c) in num.as_bytes().iter().enumerate().skip(body) {
                match c {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        cut = i;
                        break;
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        cut = i;
                        break;
                    }
                    _ => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
            }
            let tail = num[cut..].to_owned();
            num.truncate(cut);
            if !has_point {
                if &num[body..] == "0" {
                    digits -= 1;
                }
                num.push('.');
            }
            while digits > 0 {
                num.push('0');
                digits -= 1;
            }
            num.push_str(&tail);
        }
        if self.f.plus || sign != b'+' {
            let signed = &num[start..];
            let len = signed.len();
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > len {
                // Zero padding goes between the sign and the digits.
                self.buf.push(sign as char);
                let w = self.f.wid - len;
                self.write_padding(w);
                self.buf.push_str(&signed[1..]);
            } else {
                self.pad(signed);
            }
        } else {
            self.pad(&num[body..]);
        }
        self.num = num;
    }
}
