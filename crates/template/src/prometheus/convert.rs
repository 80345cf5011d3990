//! Number conversions and formatting shared by the humanizing functions: Prometheus'
//! `ConvertToFloat` (from `prometheus/common`'s template helpers), Go's `strconv.ParseFloat`
//! with its error texts, `%.4g`, and Go's float-to-integer conversion.

use crate::gofmt::{FmtArg, sprintf};
use crate::value::Value;

/// `ConvertToFloat`: `float64` as is, a `string` through `strconv.ParseFloat`, the integer
/// types, a `time.Duration` as seconds; anything else fails with `can't convert T to float`.
pub(super) fn convert_to_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Uint(u) => Ok(*u as f64),
        Value::String(s) => parse_float(s),
        Value::Duration(d) => Ok(d.as_secs_f64()),
        // Go's type switch matches `int64` and `uint` exactly, not other named types.
        Value::Object(o) if matches!(o.type_name(), "int64" | "uint") => match o.underlying() {
            Some(Value::Int(i)) => Ok(i as f64),
            Some(Value::Uint(u)) => Ok(u as f64),
            _ => Err(format!("can't convert {} to float", o.type_name())),
        },
        other => Err(format!("can't convert {} to float", other.type_name())),
    }
}

/// Go's `strconv.ParseFloat(s, 64)`, with its error texts.
pub(super) fn parse_float(s: &str) -> Result<f64, String> {
    let syntax =
        || format!("strconv.ParseFloat: parsing {}: invalid syntax", model::gostr::quote(s));
    let range =
        || format!("strconv.ParseFloat: parsing {}: value out of range", model::gostr::quote(s));
    if let Some(v) = special(s) {
        return Ok(v);
    }
    let m = read_float(s).ok_or_else(syntax)?;
    let v = if m.hex {
        hex_value(&m)
    } else {
        let int = if m.int.is_empty() { "0" } else { std::str::from_utf8(&m.int).unwrap_or("0") };
        let frac =
            if m.frac.is_empty() { "0" } else { std::str::from_utf8(&m.frac).unwrap_or("0") };
        format!("{int}.{frac}e{}", m.exp).parse::<f64>().map_err(|_| syntax())?
    };
    if v.is_infinite() {
        return Err(range());
    }
    Ok(if m.neg { -v } else { v })
}

/// The correctly rounded (to nearest, ties to even) value of a hexadecimal mantissa.
fn hex_value(m: &Mantissa) -> f64 {
    // Up to 30 significant hex digits (120 bits); any non-zero digit after them only breaks ties.
    let mut mant: u128 = 0;
    let mut kept = 0;
    let mut sticky = false;
    let mut exp2 = m.exp - 4 * m.frac.len() as i64;
    for &c in m.int.iter().chain(m.frac.iter()) {
        let d = (c as char).to_digit(16).unwrap_or(0);
        if mant == 0 && d == 0 {
            continue;
        }
        if kept < 30 {
            mant = mant << 4 | u128::from(d);
            kept += 1;
        } else {
            sticky |= d != 0;
            exp2 += 4;
        }
    }
    if mant == 0 {
        return 0.0;
    }
    let bits = 128 - i64::from(mant.leading_zeros());
    let top = exp2 + bits - 1;
    if top > 1023 {
        return f64::INFINITY;
    }
    // The exponent of the last bit kept: 52 bits below the top, or the smallest subnormal.
    let lsb = (top - 52).max(-1074);
    let shift = lsb - exp2;
    let q = if shift <= 0 {
        mant << (-shift)
    } else if shift > 127 {
        0
    } else {
        let q = mant >> shift;
        let rem = mant & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let up = rem > half || (rem == half && (sticky || q & 1 == 1));
        q + u128::from(up)
    };
    // q < 2^54 and lsb is within f64's exponent range: exact but for overflow to infinity.
    (q as f64) * pow2(lsb)
}

/// 2^e for e in [-1074, 1023], exactly.
fn pow2(e: i64) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

/// The parts of a number as Go's `readFloat` reads them (underscores dropped).
struct Mantissa {
    neg: bool,
    hex: bool,
    int: Vec<u8>,
    frac: Vec<u8>,
    exp: i64,
}

/// Go's `readFloat`, requiring the whole string to be the number: `None` on a syntax error.
fn read_float(s: &str) -> Option<Mantissa> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first() {
        Some(b'+') => i = 1,
        Some(b'-') => {
            i = 1;
            neg = true;
        }
        _ => {}
    }
    let hex = i + 2 < b.len() && b[i] == b'0' && (b[i + 1] | 0x20) == b'x';
    if hex {
        i += 2;
    }
    let (mut underscores, mut saw_dot, mut saw_digits) = (false, false, false);
    let (mut int, mut frac) = (Vec::new(), Vec::new());
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if saw_dot {
                break;
            }
            saw_dot = true;
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw_digits = true;
            if saw_dot { frac.push(c) } else { int.push(c) }
        } else {
            break;
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mut exp = 0i64;
    let exp_char = if hex { b'p' } else { b'e' };
    if i < b.len() && (b[i] | 0x20) == exp_char {
        i += 1;
        let mut sign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                i += 1;
                sign = -1;
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if exp < 10_000 {
                exp = exp * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        exp *= sign;
    } else if hex {
        return None;
    }
    if i != b.len() || (underscores && !underscores_ok(s)) {
        return None;
    }
    Some(Mantissa { neg, hex, int, frac, exp })
}

/// `inf`, `infinity` (any case, optionally signed) and `nan` (any case, unsigned).
fn special(s: &str) -> Option<f64> {
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => {
            if s.eq_ignore_ascii_case("nan") {
                return Some(f64::NAN);
            }
            (1.0, s)
        }
    };
    (rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity"))
        .then_some(sign * f64::INFINITY)
}

/// Go's `underscoreOK`: an underscore only between digits (a base prefix counts as one).
fn underscores_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(rest) = b.strip_prefix(b"-").or_else(|| b.strip_prefix(b"+")) {
        b = rest;
    }
    // 'd' for a digit or the base prefix, '_' for an underscore, '!' for anything else.
    let mut saw = '^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = 'd';
        hex = (b[1] | 0x20) == b'x';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = 'd';
        } else if c == b'_' {
            if saw != 'd' {
                return false;
            }
            saw = '_';
        } else {
            if saw == '_' {
                return false;
            }
            saw = '!';
        }
        i += 1;
    }
    saw != '_'
}

/// `fmt.Sprintf("%.4g", v)` followed by `suffix`.
pub(super) fn g4(v: f64, suffix: &str) -> String {
    let mut s = sprintf("%.4g", &[FmtArg::Float(v)]);
    s.push_str(suffix);
    s
}

/// `fmt.Sprint(v)` of a `float64` (`%v`).
pub(super) fn float_v(v: f64) -> String {
    sprintf("%v", &[FmtArg::Float(v)])
}

/// Go's `int64(f)` on amd64: truncation, with NaN and out-of-range values giving
/// `math.MinInt64` (the "integer indefinite" value of `CVTTSD2SI`).
pub(super) fn go_f64_to_i64(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) { i64::MIN } else { f as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_float_like_go() {
        assert_eq!(parse_float("1.5e3"), Ok(1500.0));
        assert_eq!(parse_float("-Inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_float("+infinity"), Ok(f64::INFINITY));
        assert!(parse_float("NaN").is_ok_and(f64::is_nan));
        assert_eq!(parse_float("0x1p-2"), Ok(0.25));
        assert_eq!(parse_float("0x_1p4"), Ok(16.0));
        assert_eq!(parse_float(".5"), Ok(0.5));
        assert_eq!(parse_float("5."), Ok(5.0));
        assert_eq!(
            parse_float("+nan").unwrap_err(),
            r#"strconv.ParseFloat: parsing "+nan": invalid syntax"#
        );
        assert_eq!(
            parse_float("1e400").unwrap_err(),
            r#"strconv.ParseFloat: parsing "1e400": value out of range"#
        );
        assert_eq!(
            parse_float("").unwrap_err(),
            r#"strconv.ParseFloat: parsing "": invalid syntax"#
        );
        assert_eq!(parse_float("1_000"), Ok(1000.0));
        // Hexadecimal mantissas longer than 53 bits round once, to nearest even.
        assert_eq!(parse_float("0x1.fffffffffffff8p0"), Ok(2.0));
        assert_eq!(parse_float("0x1p-1075"), Ok(0.0));
        assert_eq!(parse_float("0x1.8p-1074"), Ok(1e-323));
        assert_eq!(parse_float("0x1.0000000000001p-1074"), Ok(5e-324));
        assert_eq!(parse_float("0xfAD8C0D6bfc_9D406p0"), Ok(1.8075409133024696e19));
        assert!(parse_float("0x1p1024").unwrap_err().ends_with("value out of range"));
        assert!(parse_float("1__0").is_err());
        assert!(parse_float("_1").is_err());
        assert!(parse_float("0x1.8").is_err());
        assert!(parse_float("1e").is_err());
        assert!(parse_float(" 1").is_err());
    }

    #[test]
    fn float_to_int_like_amd64() {
        assert_eq!(go_f64_to_i64(-1.9), -1);
        assert_eq!(go_f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(go_f64_to_i64(1e19), i64::MIN);
        assert_eq!(go_f64_to_i64(-9.223_372_036_854_775e18 * 1.000_001), i64::MIN);
    }
}
