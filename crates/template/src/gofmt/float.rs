//! `strconv.FormatFloat`: Go's float layouts (`%e`, `%f`, `%g`, `%b`, `%x`).
//!
//! Digit generation is Rust's own (`{:e}` gives the shortest round-trip digits, `{:.N}` /
//! `{:.Ne}` give exactly rounded digits, ties to even, as Go's decimal rounding does); everything
//! after that (exponent form `e+06`, when `%g` switches to exponent form, zero padding of `%e`
//! precision) follows Go's rules.

use std::fmt::Write as _;

/// A small formatting buffer: on the stack for the usual case, on the heap for huge precisions.
struct Scratch {
    arr: [u8; 48],
    len: usize,
    spill: Vec<u8>,
}

impl Scratch {
    fn new() -> Self {
        Scratch { arr: [0; 48], len: 0, spill: Vec::new() }
    }

    fn bytes(&self) -> &[u8] {
        if self.spill.is_empty() { &self.arr[..self.len] } else { &self.spill }
    }

    fn push(&mut self, b: u8) {
        if self.spill.is_empty() && self.len < self.arr.len() {
            self.arr[self.len] = b;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.arr[..self.len]);
            }
            self.spill.push(b);
        }
    }
}

/// Appends ASCII digits.
fn push_ascii(out: &mut String, digits: &[u8]) {
    out.push_str(std::str::from_utf8(digits).unwrap_or_default());
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.spill.is_empty() && self.len + s.len() <= self.arr.len() {
            self.arr[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.arr[..self.len]);
            }
            self.spill.extend_from_slice(s.as_bytes());
        }
        Ok(())
    }
}

/// Decimal digits `0.d1d2...dn × 10^dp`, without leading or trailing zeros (Go's `decimalSlice`).
struct Digits {
    d: Scratch,
    nd: usize,
    dp: i32,
}

impl Digits {
    fn digits(&self) -> &[u8] {
        &self.d.bytes()[..self.nd]
    }
}

/// How many digits to generate.
#[derive(Clone, Copy)]
enum Want {
    Shortest,
    /// This many significant digits (at least 1).
    Significant(usize),
    /// This many digits after the decimal point.
    Fixed(usize),
}

/// Generates the decimal digits of the non-zero, finite `|v|`.
fn gen_digits(v: f64, single: bool, want: Want) -> Digits {
    // An f64 has at most 767 significant decimal digits and 1074 after the point, so past these
    // limits every digit is an exact zero (and Rust's precision argument tops out at u16::MAX).
    let want = match want {
        Want::Significant(n) => Want::Significant(n.min(800)),
        Want::Fixed(n) => Want::Fixed(n.min(1100)),
        Want::Shortest => Want::Shortest,
    };
    let mut raw = Scratch::new();
    // Writing into Scratch cannot fail.
    let _ = match (want, single) {
        (Want::Shortest, false) => write!(raw, "{:e}", v.abs()),
        (Want::Shortest, true) => write!(raw, "{:e}", (v as f32).abs()),
        (Want::Significant(n), _) => write!(raw, "{:.*e}", n.saturating_sub(1), v.abs()),
        (Want::Fixed(n), _) => write!(raw, "{:.*}", n, v.abs()),
    };
    let bytes = raw.bytes();
    let mut d = Scratch::new();
    let mut dp: i32;
    match want {
        Want::Fixed(_) => {
            let mut int_len = 0i32;
            let mut seen_point = false;
            let mut leading = true;
            dp = 0;
            for &b in bytes {
                if b == b'.' {
                    seen_point = true;
                    continue;
                }
                if !seen_point {
                    int_len += 1;
                }
                if leading && b == b'0' {
                    dp -= 1;
                    continue;
                }
                leading = false;
                d.push(b);
            }
            dp += int_len;
        }
        _ => {
            let epos = bytes.iter().position(|&b| b == b'e').unwrap_or(bytes.len());
            for &b in &bytes[..epos] {
                if b != b'.' {
                    d.push(b);
                }
            }
            let exp = std::str::from_utf8(&bytes[(epos + 1).min(bytes.len())..])
                .ok()
                .and_then(|s| s.parse::<i32>().ok())
                .unwrap_or(0);
            dp = exp + 1;
        }
    }
    let all = d.bytes();
    let mut nd = all.len();
    while nd > 0 && all[nd - 1] == b'0' {
        nd -= 1;
    }
    if nd == 0 {
        dp = 0;
    }
    let mut digs = Digits { d, nd, dp };
    if matches!(want, Want::Shortest) {
        fix_shortest_tie(v.abs(), single, &mut digs);
    }
    digs
}

/// When `v` lies exactly halfway between two shortest decimal candidates, Go takes the even
/// one; Rust's shortest formatting takes the upper one (740724388116910.25 is `...910.2` in Go,
/// `...910.3` in Rust). Swaps in the even neighbour in that case.
fn fix_shortest_tie(v: f64, single: bool, digs: &mut Digits) {
    let all = digs.digits();
    let nd = all.len();
    if nd == 0 || nd > 19 || (all[nd - 1] - b'0').is_multiple_of(2) {
        return;
    }
    let d: u128 = all.iter().fold(0, |acc, &c| acc * 10 + u128::from(c - b'0'));
    // v == (10·D ± 5) · 10^k?
    let k = digs.dp - nd as i32 - 1;
    let replacement = if exact_equals(v, 10 * d - 5, k) {
        d - 1
    } else if exact_equals(v, 10 * d + 5, k) {
        d + 1
    } else {
        return;
    };
    let mut text = Scratch::new();
    let _ = write!(text, "{replacement}");
    let new_len = text.bytes().len();
    let dp = digs.dp + new_len as i32 - nd as i32;
    // Only take it if it still reads back as v.
    let mut check = Scratch::new();
    let _ = write!(check, "0.{replacement}e{dp}");
    let text_ok = std::str::from_utf8(check.bytes()).ok();
    let reads_back = if single {
        text_ok.and_then(|s| s.parse::<f32>().ok()).is_some_and(|x| f64::from(x) == v)
    } else {
        text_ok.and_then(|s| s.parse::<f64>().ok()).is_some_and(|x| x == v)
    };
    if !reads_back {
        return;
    }
    let mut nd2 = new_len;
    while nd2 > 0 && text.bytes()[nd2 - 1] == b'0' {
        nd2 -= 1;
    }
    *digs = Digits { d: text, nd: nd2, dp };
}

/// Whether the finite, positive `v` equals `n · 10^k` exactly (false when too big to check).
fn exact_equals(v: f64, n: u128, k: i32) -> bool {
    let (mant, exp, mant_bits) = decompose(v, false);
    if mant == 0 {
        return false;
    }
    let tz = mant.trailing_zeros();
    let m = u128::from(mant >> tz);
    let e = exp - mant_bits as i32 + tz as i32; // v = m · 2^e, m odd
    let shl = |x: u128, s: i32| -> Option<u128> {
        ((0..128).contains(&s) && x.leading_zeros() >= s as u32).then(|| x << s)
    };
    if k >= 0 {
        let lhs = 10u128.checked_pow(k as u32).and_then(|p| n.checked_mul(p));
        let rhs = shl(m, e);
        matches!((lhs, rhs), (Some(a), Some(b)) if a == b)
    } else {
        // v · 10^j = m · 5^j · 2^(e+j) must equal n.
        let j = -k;
        let rhs =
            5u128.checked_pow(j as u32).and_then(|p| m.checked_mul(p)).and_then(|x| shl(x, e + j));
        rhs == Some(n)
    }
}

/// `strconv.FormatFloat(f, fmt, prec, bits)`. Formats `b e E f g G x X`; `prec` -1 means the
/// fewest digits that read back exactly; `bits` is 32 or 64.
pub fn format_float(f: f64, fmt: u8, prec: i32, bits: u32) -> String {
    let mut out = String::new();
    append_float(&mut out, f, fmt, prec, bits);
    out
}

/// [`format_float`], appending to `out`.
pub fn append_float(out: &mut String, f: f64, fmt: u8, prec: i32, bits: u32) {
    let single = bits == 32;
    let v = if single { f64::from(f as f32) } else { f };
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v < 0.0 { "-Inf" } else { "+Inf" });
        return;
    }
    let neg = v.is_sign_negative();
    match fmt {
        b'b' => return fmt_b(out, v, single),
        b'x' | b'X' => return fmt_x(out, v, single, prec, fmt),
        b'e' | b'E' | b'f' | b'g' | b'G' => {}
        _ => {
            out.push('%');
            out.push(fmt as char);
            return;
        }
    }
    if v == 0.0 {
        let empty = Digits { d: Scratch::new(), nd: 0, dp: 0 };
        fmt_efg(out, neg, &empty, prec, fmt, prec < 0);
        return;
    }
    if prec < 0 {
        let digs = gen_digits(v, single, Want::Shortest);
        let nd = digs.nd as i32;
        let p = match fmt {
            b'e' | b'E' => (nd - 1).max(0),
            b'f' => (nd - digs.dp).max(0),
            _ => nd,
        };
        fmt_efg(out, neg, &digs, p, fmt, true);
        return;
    }
    let (want, p) = match fmt {
        b'e' | b'E' => (Want::Significant(prec as usize + 1), prec),
        b'f' => (Want::Fixed(prec as usize), prec),
        _ => {
            let p = prec.max(1);
            (Want::Significant(p as usize), p)
        }
    };
    let digs = gen_digits(v, false, want);
    fmt_efg(out, neg, &digs, p, fmt, false);
}

fn push_zeros(out: &mut String, n: i32) {
    out.extend(std::iter::repeat_n('0', n.max(0) as usize));
}

/// Lays out digits as `%e`, `%f` or `%g` (Go's `fmtE`/`fmtF` and the `%g` choice between them).
fn fmt_efg(out: &mut String, neg: bool, digs: &Digits, mut prec: i32, mut fmt: u8, shortest: bool) {
    let s = digs.digits();
    let nd = digs.nd as i32;
    let dp = digs.dp;
    if fmt == b'g' || fmt == b'G' {
        let mut eprec = prec;
        if eprec > nd && nd >= dp {
            eprec = nd;
        }
        // %e is used if the exponent from the conversion is less than -4 or greater than or
        // equal to the precision; for the shortest form the cut-off is 6 (1e+06, 100000).
        if shortest {
            eprec = 6;
        }
        let exp = dp - 1;
        if exp < -4 || exp >= eprec {
            if prec > nd {
                prec = nd;
            }
            prec -= 1;
            fmt = fmt + b'e' - b'g';
        } else {
            if prec > dp {
                prec = nd;
            }
            prec = (prec - dp).max(0);
            fmt = b'f';
        }
    }
    if neg {
        out.push('-');
    }
    if fmt == b'e' || fmt == b'E' {
        out.push(if nd != 0 { s[0] as char } else { '0' });
        if prec > 0 {
            out.push('.');
            let m = nd.min(prec + 1);
            if m > 1 {
                push_ascii(out, &s[1..m as usize]);
            }
            push_zeros(out, prec + 1 - m.max(1));
        }
        out.push(fmt as char);
        let mut exp = if nd == 0 { 0 } else { dp - 1 };
        if exp < 0 {
            out.push('-');
            exp = -exp;
        } else {
            out.push('+');
        }
        if exp >= 100 {
            out.push((b'0' + (exp / 100) as u8) as char);
        }
        out.push((b'0' + (exp / 10 % 10) as u8) as char);
        out.push((b'0' + (exp % 10) as u8) as char);
        return;
    }
    // %f
    if dp > 0 {
        let m = nd.min(dp);
        push_ascii(out, &s[..m as usize]);
        push_zeros(out, dp - m);
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        let lz = prec.min((-dp).max(0));
        let off = dp + lz;
        let m = (prec - lz).min((nd - off).max(0));
        push_zeros(out, lz);
        if m > 0 {
            push_ascii(out, &s[off as usize..(off + m) as usize]);
        }
        push_zeros(out, prec - lz - m);
    }
}

/// Mantissa (with the implicit bit), binary exponent (unbiased) and mantissa width.
fn decompose(v: f64, single: bool) -> (u64, i32, u32) {
    if single {
        let b = (v as f32).to_bits();
        let mut exp = ((b >> 23) & 0xff) as i32;
        let mut mant = u64::from(b & ((1 << 23) - 1));
        if exp == 0 {
            exp += 1;
        } else {
            mant |= 1 << 23;
        }
        (mant, exp - 127, 23)
    } else {
        let b = v.to_bits();
        let mut exp = ((b >> 52) & 0x7ff) as i32;
        let mut mant = b & ((1 << 52) - 1);
        if exp == 0 {
            exp += 1;
        } else {
            mant |= 1 << 52;
        }
        (mant, exp - 1023, 52)
    }
}

/// `%b`: decimal mantissa and binary exponent, `4503599627370496p-52`.
fn fmt_b(out: &mut String, v: f64, single: bool) {
    let (mant, exp, mant_bits) = decompose(v, single);
    if v.is_sign_negative() {
        out.push('-');
    }
    let e = exp - mant_bits as i32;
    let _ = write!(out, "{mant}p");
    if e >= 0 {
        out.push('+');
    }
    let _ = write!(out, "{e}");
}

/// `%x`: hexadecimal mantissa and binary exponent, `0x1.8p+01`.
fn fmt_x(out: &mut String, v: f64, single: bool, prec: i32, fmt: u8) {
    let (mut mant, mut exp, mant_bits) = decompose(v, single);
    if mant == 0 {
        exp = 0;
    }
    // Shift so that the leading 1 bit is bit 60.
    mant <<= 60 - mant_bits;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    // Round if requested (ties to even).
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            // Wrapped around.
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    if v.is_sign_negative() {
        out.push('-');
    }
    out.push('0');
    out.push(fmt as char);
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4; // remove the leading 0 or 1
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    let _ = write!(out, "{exp}");
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn basics() {
        assert_eq!(format_float(1e6, b'g', -1, 64), "1e+06");
        assert_eq!(format_float(100000.0, b'g', -1, 64), "100000");
        assert_eq!(format_float(0.1, b'g', -1, 64), "0.1");
        assert_eq!(format_float(-0.0, b'g', -1, 64), "-0");
        assert_eq!(format_float(1234567.0, b'g', -1, 64), "1.234567e+06");
        assert_eq!(format_float(100.0, b'g', 4, 64), "100");
        assert_eq!(format_float(1.5, b'e', 6, 64), "1.500000e+00");
        assert_eq!(format_float(0.0, b'e', -1, 64), "0e+00");
        assert_eq!(format_float(5e-324, b'g', -1, 64), "5e-324");
        assert_eq!(format_float(0.001, b'f', 2, 64), "0.00");
        assert_eq!(format_float(123.456, b'f', 1, 64), "123.5");
        assert_eq!(format_float(3.0, b'x', -1, 64), "0x1.8p+01");
    }
}
