//! Go's float formats where their text is observable: `%g`/`%v` in messages and
//! `strconv.FormatFloat(f, 'f', -1, 64)` in `count_values` labels.

use std::fmt::Write;

/// Go's `%g` (and `%v`) of a float64: the shortest round-trip digits, in exponent form when the
/// decimal exponent is below -4 or at least 6 (`1e+06`, `123456`, `1.5e-07`), `+Inf`, `NaN`.
pub(crate) fn go_g(f: f64) -> String {
    if let Some(s) = special(f) {
        return s.to_owned();
    }
    // Rust's `{:e}` gives the same shortest digits Go uses, as `d.ddde<exp>`.
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

/// Appends `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest round-trip digits as a plain
/// decimal, never an exponent (`1e21` is `1000000000000000000000`).
pub(crate) fn push_go_plain(out: &mut String, f: f64) {
    match special(f) {
        Some(s) => out.push_str(s),
        // Rust's float `Display` is exactly this: shortest digits, no exponent.
        None => {
            let _ = write!(out, "{f}");
        }
    }
}

fn special(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("+Inf")
    } else if f == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_g_matches_go() {
        // Expected texts are what Go's fmt.Sprintf("%g", x) prints.
        let cases = [
            (1.1, "1.1"),
            (-1.1, "-1.1"),
            (1.0, "1"),
            (0.0, "0"),
            (-0.0, "-0"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e20, "1e+20"),
            (9.223372036854776e18, "9.223372036854776e+18"),
            (1e100, "1e+100"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (f, want) in cases {
            assert_eq!(go_g(f), want, "{f:?}");
        }
    }

    #[test]
    fn plain_never_uses_exponents() {
        let cases = [
            (6.0, "6"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e21, "1000000000000000000000"),
            (1e-7, "0.0000001"),
            (-0.0, "-0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (f, want) in cases {
            let mut s = String::new();
            push_go_plain(&mut s, f);
            assert_eq!(s, want, "{f:?}");
        }
    }
}
