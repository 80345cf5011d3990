//! `time.Parse` and `time.ParseInLocation`: reading a time laid out like Go's reference time,
//! with Go's error messages (`parsing time "x" as "2006-01-02": cannot parse "x" as "2006"`).

use super::layout::{
    LONG_DAY_NAMES, LONG_MONTH_NAMES, SHORT_DAY_NAMES, SHORT_MONTH_NAMES, Std, next_std_chunk,
};
use super::time::{GoLocation, GoTime, TimeError, days_in, is_leap, time_quote};

/// Internal marker for "this element did not match" (Go's `errBad`).
struct Bad;

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `leadingInt`: the leading decimal digits, or `Bad` on overflow.
fn leading_int(s: &[u8]) -> Result<(u64, &[u8]), Bad> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > (1 << 63) / 10 {
            return Err(Bad);
        }
        x = x * 10 + u64::from(s[i] - b'0');
        if x > 1 << 63 {
            return Err(Bad);
        }
        i += 1;
    }
    Ok((x, &s[i..]))
}

/// Go's time `atoi`: an optionally signed decimal that must use all of `s`.
fn atoi(s: &[u8]) -> Result<i64, Bad> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (q, rem) = leading_int(digits)?;
    if !rem.is_empty() {
        return Err(Bad);
    }
    let x = q as i64;
    Ok(if neg { x.wrapping_neg() } else { x })
}

/// One or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Result<(i64, &[u8]), Bad> {
    if !is_digit(s, 0) {
        return Err(Bad);
    }
    if !is_digit(s, 1) {
        if fixed {
            return Err(Bad);
        }
        return Ok((i64::from(s[0] - b'0'), &s[1..]));
    }
    Ok((i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'), &s[2..]))
}

/// One to three digits (exactly three when `fixed`).
fn getnum3(s: &[u8], fixed: bool) -> Result<(i64, &[u8]), Bad> {
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && is_digit(s, i) {
        n = n * 10 + i64::from(s[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return Err(Bad);
    }
    Ok((n, &s[i..]))
}

/// Matches the literal `prefix`; a space in the prefix matches any run of spaces.
fn skip<'v>(mut value: &'v [u8], mut prefix: &[u8]) -> Result<&'v [u8], &'v [u8]> {
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|&c| c != b' ') {
                return Err(value);
            }
            while prefix.first() == Some(&b' ') {
                prefix = &prefix[1..];
            }
            while value.first() == Some(&b' ') {
                value = &value[1..];
            }
            continue;
        }
        if value.first() != Some(&p) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

/// Case-insensitive (ASCII letters only) lookup of a name at the start of `val`.
fn lookup<'v>(tab: &[&str], val: &'v [u8]) -> Result<(usize, &'v [u8]), Bad> {
    for (i, v) in tab.iter().enumerate() {
        let v = v.as_bytes();
        if val.len() >= v.len() {
            let ok = val[..v.len()].iter().zip(v).all(|(&a, &b)| {
                a == b || {
                    let (a, b) = (a | 0x20, b | 0x20);
                    a == b && a.is_ascii_lowercase()
                }
            });
            if ok {
                return Ok((i, &val[v.len()..]));
            }
        }
    }
    Err(Bad)
}

fn comma_or_period(b: u8) -> bool {
    b == b'.' || b == b','
}

/// Go's `parseNanoseconds`: `value[..nbytes]` is a separator and digits.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Result<(i64, Option<&'static str>), Bad> {
    if !value.first().is_some_and(|&b| comma_or_period(b)) {
        return Err(Bad);
    }
    let nbytes = nbytes.min(10);
    let mut ns = atoi(&value[1..nbytes])?;
    if ns < 0 {
        return Ok((0, Some("fractional second")));
    }
    for _ in 0..10 - nbytes {
        ns *= 10;
    }
    Ok((ns, None))
}

/// Go's `parseSignedOffset`: the length of a `+hh`/`-h` offset, or 0.
fn parse_signed_offset(value: &[u8]) -> usize {
    let Some(&sign) = value.first() else { return 0 };
    if sign != b'-' && sign != b'+' {
        return 0;
    }
    match leading_int(&value[1..]) {
        Ok((x, rem)) if rem.len() != value.len() - 1 && x <= 23 => value.len() - rem.len(),
        _ => 0,
    }
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.len() >= 4 && (&value[..4] == b"ChST" || &value[..4] == b"MeST") {
        return Some(4);
    }
    if &value[..3] == b"GMT" {
        return Some(3 + if value.len() > 3 { parse_signed_offset(&value[3..]) } else { 0 });
    }
    if value[0] == b'+' || value[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let upper = value.iter().take(6).take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        5 if value[4] == b'T' => Some(5),
        4 if value[3] == b'T' || &value[..4] == b"WITA" => Some(4),
        3 => Some(3),
        _ => None,
    }
}

fn days_before(month: i64) -> i64 {
    const CUM: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    CUM[(month - 1).clamp(0, 12) as usize]
}

struct Err<'a> {
    layout: &'a str,
    value: &'a str,
}

impl Err<'_> {
    fn cannot(&self, value_elem: &[u8], layout_elem: &[u8]) -> TimeError {
        TimeError(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(self.value.as_bytes()),
            time_quote(self.layout.as_bytes()),
            time_quote(value_elem),
            time_quote(layout_elem)
        ))
    }

    fn message(&self, message: &str) -> TimeError {
        TimeError(format!("parsing time {}{message}", time_quote(self.value.as_bytes())))
    }
}

impl GoTime {
    /// `time.Parse(layout, value)`: a time without zone information is UTC; a zone offset or
    /// abbreviation that matches `Local` gives a `Local` time, any other a fixed zone.
    pub fn parse(layout: &str, value: &str) -> Result<GoTime, TimeError> {
        parse(layout, value, &GoLocation::utc(), &GoLocation::local())
    }

    /// `time.ParseInLocation(layout, value, loc)`: like [`GoTime::parse`] with `loc` in place
    /// of UTC for times without zone information and of `Local` for matching offsets.
    pub fn parse_in_location(
        layout: &str,
        value: &str,
        loc: &GoLocation,
    ) -> Result<GoTime, TimeError> {
        parse(layout, value, loc, loc)
    }
}

fn parse(
    layout_str: &str,
    value_str: &str,
    default_loc: &GoLocation,
    local: &GoLocation,
) -> Result<GoTime, TimeError> {
    let e = Err { layout: layout_str, value: value_str };
    let mut layout = layout_str.as_bytes();
    let mut value = value_str.as_bytes();
    let mut am_set = false;
    let mut pm_set = false;
    let mut year = 0i64;
    let mut month = -1i64;
    let mut day = -1i64;
    let mut yday = -1i64;
    let mut hour = 0i64;
    let mut min = 0i64;
    let mut sec = 0i64;
    let mut nsec = 0i64;
    let mut z: Option<GoLocation> = None;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: &[u8] = b"";

    loop {
        let (pre_end, std, next) = next_std_chunk(layout);
        let prefix = &layout[..pre_end];
        let stdstr = &layout[pre_end..next];
        value = skip(value, prefix).map_err(|v| e.cannot(v, prefix))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(e.message(&format!(": extra text: {}", time_quote(value))));
            }
            break;
        };
        layout = &layout[next..];
        let hold = value;
        let mut range_err: Option<&'static str> = None;
        let res: Result<(), Bad> = (|| {
            match std {
                Std::Year => {
                    if value.len() < 2 {
                        return Err(Bad);
                    }
                    let p = &value[..2];
                    value = &value[2..];
                    year = atoi(p)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    if value.len() < 4 || !is_digit(value, 0) {
                        return Err(Bad);
                    }
                    let p = &value[..4];
                    value = &value[4..];
                    year = atoi(p)?;
                }
                Std::Month | Std::LongMonth => {
                    let tab: &[&str] =
                        if std == Std::Month { &SHORT_MONTH_NAMES } else { &LONG_MONTH_NAMES };
                    let (m, rest) = lookup(tab, value)?;
                    month = m as i64 + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    value = rest;
                    if month <= 0 || 12 < month {
                        range_err = Some("month");
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let tab: &[&str] =
                        if std == Std::WeekDay { &SHORT_DAY_NAMES } else { &LONG_DAY_NAMES };
                    let (_, rest) = lookup(tab, value)?;
                    value = rest;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.first() == Some(&b' ') {
                        value = &value[1..];
                    }
                    let (d, rest) = getnum(value, std == Std::ZeroDay)?;
                    day = d;
                    value = rest;
                    // Day-of-month range is checked at the end.
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                            value = &value[1..];
                        }
                    }
                    let (d, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                    yday = d;
                    value = rest;
                }
                Std::Hour => {
                    let r = getnum(value, false);
                    let (h, rest) = r?;
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    value = rest;
                    if !(0..=12).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    value = rest;
                    if !(0..60).contains(&min) {
                        range_err = Some("minute");
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, rest) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range_err = Some("second");
                        return Ok(());
                    }
                    // Special case: a fractional second in the value but not the layout.
                    if value.len() >= 2 && comma_or_period(value[0]) && is_digit(value, 1) {
                        let (_, next_std, _) = next_std_chunk(layout);
                        if matches!(next_std, Some(Std::Frac0 { .. } | Std::Frac9 { .. })) {
                            // Fractional second in the layout; handled there.
                            return Ok(());
                        }
                        let mut n = 2;
                        while n < value.len() && is_digit(value, n) {
                            n += 1;
                        }
                        let (ns, re) = parse_nanoseconds(value, n)?;
                        nsec = ns;
                        range_err = re;
                        value = &value[n..];
                    }
                }
                Std::PM | Std::Pm => {
                    if value.len() < 2 {
                        return Err(Bad);
                    }
                    let p = &value[..2];
                    value = &value[2..];
                    let (pm, am): (&[u8], &[u8]) =
                        if std == Std::PM { (b"PM", b"AM") } else { (b"pm", b"am") };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        return Err(Bad);
                    }
                }
                Std::TZ => {
                    if value.len() >= 3 && &value[..3] == b"UTC" {
                        z = Some(GoLocation::utc());
                        value = &value[3..];
                        return Ok(());
                    }
                    let n = parse_time_zone(value).ok_or(Bad)?;
                    zone_name = &value[..n];
                    value = &value[n..];
                }
                Std::Frac0 { n, .. } => {
                    let ndigit = 1 + n;
                    if value.len() < ndigit {
                        return Err(Bad);
                    }
                    let (ns, re) = parse_nanoseconds(value, ndigit)?;
                    nsec = ns;
                    range_err = re;
                    value = &value[ndigit..];
                }
                Std::Frac9 { .. } => {
                    if value.len() < 2 || !comma_or_period(value[0]) || !value[1].is_ascii_digit() {
                        // Fractional second omitted.
                        return Ok(());
                    }
                    let mut i = 0;
                    while i + 1 < value.len() && value[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    let (ns, re) = parse_nanoseconds(value, 1 + i)?;
                    nsec = ns;
                    range_err = re;
                    value = &value[1 + i..];
                }
                tz => {
                    if tz.is_iso() && value.first() == Some(&b'Z') {
                        value = &value[1..];
                        z = Some(GoLocation::utc());
                        return Ok(());
                    }
                    let (sign, hh, mm, ss): (u8, &[u8], &[u8], &[u8]);
                    match tz {
                        Std::Iso8601ColonTZ | Std::NumColonTZ => {
                            if value.len() < 6 || value[3] != b':' {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss) = (value[0], &value[1..3], &value[4..6], b"00");
                            value = &value[6..];
                        }
                        Std::NumShortTZ | Std::Iso8601ShortTZ => {
                            if value.len() < 3 {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss) = (value[0], &value[1..3], b"00", b"00");
                            value = &value[3..];
                        }
                        Std::Iso8601ColonSecondsTZ | Std::NumColonSecondsTZ => {
                            if value.len() < 9 || value[3] != b':' || value[6] != b':' {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss) =
                                (value[0], &value[1..3], &value[4..6], &value[7..9]);
                            value = &value[9..];
                        }
                        Std::Iso8601SecondsTZ | Std::NumSecondsTZ => {
                            if value.len() < 7 {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss) =
                                (value[0], &value[1..3], &value[3..5], &value[5..7]);
                            value = &value[7..];
                        }
                        _ => {
                            if value.len() < 5 {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss) = (value[0], &value[1..3], &value[3..5], b"00");
                            value = &value[5..];
                        }
                    }
                    let (hr, _) = getnum(hh, true)?;
                    let (mi, _) = getnum(mm, true)?;
                    let (se, _) = getnum(ss, true)?;
                    if hr > 24 {
                        range_err = Some("time zone offset hour");
                    }
                    if mi > 60 {
                        range_err = Some("time zone offset minute");
                    }
                    if se > 60 {
                        range_err = Some("time zone offset second");
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return Err(Bad),
                    });
                }
            }
            Ok(())
        })();
        if let Some(what) = range_err {
            return Err(e.message(&format!(": {what} out of range")));
        }
        if res.is_err() {
            return Err(e.cannot(hold, stdstr));
        }
    }

    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }

    // Convert a day of the year into month and day.
    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(e.message(": day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if days_before(m + 1) < yday {
                m += 1;
            }
            d = yday - days_before(m);
        }
        if month >= 0 && month != m {
            return Err(e.message(": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(e.message(": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }

    if day < 1 || day > days_in(month, year) {
        return Err(e.message(": day out of range"));
    }

    if let Some(z) = z {
        return Ok(GoTime::date(year, month, day, hour, min, sec, nsec, &z));
    }

    let utc = GoLocation::utc();
    if let Some(offset) = zone_offset {
        let t = GoTime::date(year, month, day, hour, min, sec, nsec, &utc);
        let t = GoTime::from_parts(t.unix() - offset, t.nanosecond(), utc);
        let (name, local_off) = local.lookup(t.unix());
        if i64::from(local_off) == offset && (zone_name.is_empty() || name.as_bytes() == zone_name)
        {
            return Ok(t.with_location(local.clone()));
        }
        let name = String::from_utf8_lossy(zone_name);
        return Ok(t.with_location(GoLocation::fixed(&name, offset as i32)));
    }

    if !zone_name.is_empty() {
        let t = GoTime::date(year, month, day, hour, min, sec, nsec, &utc);
        let name = String::from_utf8_lossy(zone_name);
        if let Some(offset) = local.lookup_name(&name, t.unix()) {
            let t = GoTime::from_parts(t.unix() - i64::from(offset), t.nanosecond(), utc);
            return Ok(t.with_location(local.clone()));
        }
        let mut offset = 0i64;
        if zone_name.len() > 3 && &zone_name[..3] == b"GMT" {
            offset = atoi(&zone_name[3..]).unwrap_or(0) * 3600;
        }
        return Ok(t.with_location(GoLocation::fixed(&name, offset as i32)));
    }

    Ok(GoTime::date(year, month, day, hour, min, sec, nsec, default_loc))
}
