//! Go reference-time layouts: the standard layout constants and the tokenizer that finds the
//! next reference-time element (`2006`, `Jan`, `_2`, `Z07:00`, `.000`, ...) in a layout.

/// `time.Layout`: the reference time in numerical order.
pub const LAYOUT: &str = "01/02 03:04:05PM '06 -0700";
/// `time.ANSIC`.
pub const ANSIC: &str = "Mon Jan _2 15:04:05 2006";
/// `time.UnixDate`.
pub const UNIX_DATE: &str = "Mon Jan _2 15:04:05 MST 2006";
/// `time.RubyDate`.
pub const RUBY_DATE: &str = "Mon Jan 02 15:04:05 -0700 2006";
/// `time.RFC822`.
pub const RFC822: &str = "02 Jan 06 15:04 MST";
/// `time.RFC822Z`.
pub const RFC822Z: &str = "02 Jan 06 15:04 -0700";
/// `time.RFC850`.
pub const RFC850: &str = "Monday, 02-Jan-06 15:04:05 MST";
/// `time.RFC1123`.
pub const RFC1123: &str = "Mon, 02 Jan 2006 15:04:05 MST";
/// `time.RFC1123Z`.
pub const RFC1123Z: &str = "Mon, 02 Jan 2006 15:04:05 -0700";
/// `time.RFC3339`.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// `time.RFC3339Nano`.
pub const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";
/// `time.Kitchen`.
pub const KITCHEN: &str = "3:04PM";
/// `time.Stamp`.
pub const STAMP: &str = "Jan _2 15:04:05";
/// `time.StampMilli`.
pub const STAMP_MILLI: &str = "Jan _2 15:04:05.000";
/// `time.StampMicro`.
pub const STAMP_MICRO: &str = "Jan _2 15:04:05.000000";
/// `time.StampNano`.
pub const STAMP_NANO: &str = "Jan _2 15:04:05.000000000";
/// `time.DateTime`.
pub const DATE_TIME: &str = "2006-01-02 15:04:05";
/// `time.DateOnly`.
pub const DATE_ONLY: &str = "2006-01-02";
/// `time.TimeOnly`.
pub const TIME_ONLY: &str = "15:04:05";

/// One element of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Std {
    LongMonth,             // "January"
    Month,                 // "Jan"
    NumMonth,              // "1"
    ZeroMonth,             // "01"
    LongWeekDay,           // "Monday"
    WeekDay,               // "Mon"
    Day,                   // "2"
    UnderDay,              // "_2"
    ZeroDay,               // "02"
    UnderYearDay,          // "__2"
    ZeroYearDay,           // "002"
    Hour,                  // "15"
    Hour12,                // "3"
    ZeroHour12,            // "03"
    Minute,                // "4"
    ZeroMinute,            // "04"
    Second,                // "5"
    ZeroSecond,            // "05"
    LongYear,              // "2006"
    Year,                  // "06"
    PM,                    // "PM"
    Pm,                    // "pm"
    TZ,                    // "MST"
    Iso8601TZ,             // "Z0700"
    Iso8601SecondsTZ,      // "Z070000"
    Iso8601ShortTZ,        // "Z07"
    Iso8601ColonTZ,        // "Z07:00"
    Iso8601ColonSecondsTZ, // "Z07:00:00"
    NumTZ,                 // "-0700"
    NumSecondsTZ,          // "-070000"
    NumShortTZ,            // "-07"
    NumColonTZ,            // "-07:00"
    NumColonSecondsTZ,     // "-07:00:00"
    /// ".000" (`n` digits, trailing zeros kept), with separator '.' or ','.
    Frac0 {
        n: usize,
        sep: u8,
    },
    /// ".999" (`n` digits, trailing zeros dropped).
    Frac9 {
        n: usize,
        sep: u8,
    },
}

impl Std {
    pub(crate) fn is_iso(self) -> bool {
        matches!(
            self,
            Std::Iso8601TZ
                | Std::Iso8601SecondsTZ
                | Std::Iso8601ShortTZ
                | Std::Iso8601ColonTZ
                | Std::Iso8601ColonSecondsTZ
        )
    }
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

/// Finds the first layout element in `layout`: returns the end of the literal prefix, the
/// element, and where the rest starts. With no element, returns `(layout.len(), None, len)`.
pub(crate) fn next_std_chunk(layout: &[u8]) -> (usize, Option<Std>, usize) {
    let n = layout.len();
    let has = |i: usize, s: &[u8]| layout.len() >= i + s.len() && &layout[i..i + s.len()] == s;
    for i in 0..n {
        match layout[i] {
            b'J' if has(i, b"Jan") => {
                if has(i, b"January") {
                    return (i, Some(Std::LongMonth), i + 7);
                }
                if !starts_with_lower(&layout[i + 3..]) {
                    return (i, Some(Std::Month), i + 3);
                }
            }
            b'M' => {
                if has(i, b"Mon") {
                    if has(i, b"Monday") {
                        return (i, Some(Std::LongWeekDay), i + 6);
                    }
                    if !starts_with_lower(&layout[i + 3..]) {
                        return (i, Some(Std::WeekDay), i + 3);
                    }
                }
                if has(i, b"MST") {
                    return (i, Some(Std::TZ), i + 3);
                }
            }
            b'0' => {
                if i + 1 < n && (b'1'..=b'6').contains(&layout[i + 1]) {
                    let std = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ][(layout[i + 1] - b'1') as usize];
                    return (i, Some(std), i + 2);
                }
                if has(i, b"002") {
                    return (i, Some(Std::ZeroYearDay), i + 3);
                }
            }
            b'1' => {
                if has(i, b"15") {
                    return (i, Some(Std::Hour), i + 2);
                }
                return (i, Some(Std::NumMonth), i + 1);
            }
            b'2' => {
                if has(i, b"2006") {
                    return (i, Some(Std::LongYear), i + 4);
                }
                return (i, Some(Std::Day), i + 1);
            }
            b'_' => {
                if i + 1 < n && layout[i + 1] == b'2' {
                    // _2006 is really a literal _, followed by stdLongYear.
                    if has(i + 1, b"2006") {
                        return (i + 1, Some(Std::LongYear), i + 5);
                    }
                    return (i, Some(Std::UnderDay), i + 2);
                }
                if has(i, b"__2") {
                    return (i, Some(Std::UnderYearDay), i + 3);
                }
            }
            b'3' => return (i, Some(Std::Hour12), i + 1),
            b'4' => return (i, Some(Std::Minute), i + 1),
            b'5' => return (i, Some(Std::Second), i + 1),
            b'P' if has(i, b"PM") => return (i, Some(Std::PM), i + 2),
            b'p' if has(i, b"pm") => return (i, Some(Std::Pm), i + 2),
            b'-' => {
                for (pat, std) in [
                    (&b"-070000"[..], Std::NumSecondsTZ),
                    (b"-07:00:00", Std::NumColonSecondsTZ),
                    (b"-0700", Std::NumTZ),
                    (b"-07:00", Std::NumColonTZ),
                    (b"-07", Std::NumShortTZ),
                ] {
                    if has(i, pat) {
                        return (i, Some(std), i + pat.len());
                    }
                }
            }
            b'Z' => {
                for (pat, std) in [
                    (&b"Z070000"[..], Std::Iso8601SecondsTZ),
                    (b"Z07:00:00", Std::Iso8601ColonSecondsTZ),
                    (b"Z0700", Std::Iso8601TZ),
                    (b"Z07:00", Std::Iso8601ColonTZ),
                    (b"Z07", Std::Iso8601ShortTZ),
                ] {
                    if has(i, pat) {
                        return (i, Some(std), i + pat.len());
                    }
                }
            }
            c @ (b'.' | b',') if i + 1 < n && (layout[i + 1] == b'0' || layout[i + 1] == b'9') => {
                let ch = layout[i + 1];
                let mut j = i + 1;
                while j < n && layout[j] == ch {
                    j += 1;
                }
                // String of digits must end here - only fractional second if all same.
                if !(j < n && layout[j].is_ascii_digit()) {
                    let digits = (j - (i + 1)) & 0xfff;
                    let std = if ch == b'9' {
                        Std::Frac9 { n: digits, sep: c }
                    } else {
                        Std::Frac0 { n: digits, sep: c }
                    };
                    return (i, Some(std), j);
                }
            }
            _ => {}
        }
    }
    (n, None, n)
}

pub(crate) const LONG_DAY_NAMES: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
pub(crate) const SHORT_DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub(crate) const SHORT_MONTH_NAMES: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
pub(crate) const LONG_MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Go's time `appendInt`: `x` in decimal, zero-padded to `width` digits, sign first.
pub(crate) fn append_int(out: &mut String, x: i64, width: usize) {
    let mut u = x.unsigned_abs();
    if x < 0 {
        out.push('-');
    }
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let nd = tmp.len() - i;
    for _ in nd..width {
        out.push('0');
    }
    tmp[i..].iter().for_each(|&c| out.push(c as char));
}
