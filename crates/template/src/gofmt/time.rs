//! [`GoTime`], Go's `time.Time`: an instant (seconds and nanoseconds since the Unix epoch, any
//! year Go can hold, including Go's zero time 0001-01-01 00:00:00 UTC) in a [`GoLocation`], with
//! Go's layout-based `Format`, `String()`, `GoString()` and arithmetic.
//!
//! The civil calendar is computed here (proleptic Gregorian, like Go); only time-zone rules come
//! from jiff's bundled tz database.
//!
//! `Local` is UTC unless the `TZ` environment variable names a zone (`TZ=Europe/Berlin` or
//! `TZ=:Europe/Berlin`). Go would read `/etc/localtime` when `TZ` is unset; we do not, so that a
//! server renders the same text whatever host it runs on.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use jiff::tz::TimeZone;
use model::duration::GoDuration;

use super::layout::{
    LONG_DAY_NAMES, LONG_MONTH_NAMES, SHORT_DAY_NAMES, SHORT_MONTH_NAMES, Std, append_int,
    next_std_chunk,
};

const NANOS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Years (and days) beyond these are clamped by [`GoTime::date`]; Go wraps around instead.
const MAX_YEAR: i64 = 1_000_000_000_000;
const MAX_DAYS: i64 = 400 * MAX_YEAR;
/// Unix seconds of Go's zero time, 0001-01-01 00:00:00 UTC.
const ZERO_UNIX: i64 = -62_135_596_800;

/// A failure from the time functions (unknown zone, unparsable time), worded as Go words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeError(pub(crate) String);

/// A Go `*time.Location`: UTC, a fixed offset with a name, or an IANA zone.
#[derive(Debug, Clone)]
pub struct GoLocation(Loc);

#[derive(Debug, Clone)]
enum Loc {
    Utc,
    Fixed { name: Arc<str>, offset: i32 },
    Zone { name: Arc<str>, tz: TimeZone },
}

impl Default for GoLocation {
    fn default() -> Self {
        GoLocation::utc()
    }
}

impl GoLocation {
    /// `time.UTC`.
    pub fn utc() -> Self {
        GoLocation(Loc::Utc)
    }

    /// `time.Local`: the zone named by `TZ` (read once), else UTC. See the module docs.
    pub fn local() -> Self {
        static LOCAL: OnceLock<GoLocation> = OnceLock::new();
        LOCAL.get_or_init(|| GoLocation::local_from_tz(std::env::var("TZ").ok().as_deref())).clone()
    }

    /// What `Local` is for a given value of the `TZ` variable (`None`: unset).
    pub fn local_from_tz(tz: Option<&str>) -> Self {
        let name = tz.map(|tz| tz.strip_prefix(':').unwrap_or(tz)).unwrap_or("");
        let tz = match name {
            "" | "UTC" => TimeZone::UTC,
            _ => TimeZone::get(name).unwrap_or(TimeZone::UTC),
        };
        GoLocation(Loc::Zone { name: Arc::from("Local"), tz })
    }

    /// `time.FixedZone(name, offset)`: always `offset` seconds east of UTC, abbreviated `name`.
    pub fn fixed(name: &str, offset_secs: i32) -> Self {
        GoLocation(Loc::Fixed { name: Arc::from(name), offset: offset_secs })
    }

    /// `time.LoadLocation(name)`: `""` and `"UTC"` are UTC, `"Local"` is [`GoLocation::local`],
    /// anything else an IANA zone name.
    pub fn load(name: &str) -> Result<Self, TimeError> {
        match name {
            "" | "UTC" => Ok(GoLocation::utc()),
            "Local" => Ok(GoLocation::local()),
            _ => {
                // Go refuses names that could escape the zoneinfo directory.
                if name.starts_with('/') || name.starts_with('\\') || name.contains("..") {
                    return Err(TimeError("time: invalid location name".to_owned()));
                }
                let unknown = || TimeError(format!("unknown time zone {name}"));
                let tz = TimeZone::get(name).map_err(|_| unknown())?;
                // Zone files are looked up case-sensitively by Go; jiff ignores case.
                if let Some(iana) = tz.iana_name()
                    && iana != name
                    && iana.eq_ignore_ascii_case(name)
                {
                    return Err(unknown());
                }
                Ok(GoLocation(Loc::Zone { name: Arc::from(name), tz }))
            }
        }
    }

    /// The location's name (`Location.String()`): `UTC`, `Local`, `America/New_York`, or a
    /// fixed zone's name.
    pub fn name(&self) -> &str {
        match &self.0 {
            Loc::Utc => "UTC",
            Loc::Fixed { name, .. } | Loc::Zone { name, .. } => name,
        }
    }

    /// The zone abbreviation and offset (seconds east of UTC) in effect at Unix second `sec`.
    pub fn lookup(&self, sec: i64) -> (Cow<'_, str>, i32) {
        match &self.0 {
            Loc::Utc => (Cow::Borrowed("UTC"), 0),
            Loc::Fixed { name, offset } => (Cow::Borrowed(&**name), *offset),
            Loc::Zone { tz, .. } => {
                let info = tz.to_offset_info(jiff_ts(sec));
                (Cow::Owned(info.abbreviation().to_owned()), info.offset().seconds())
            }
        }
    }

    fn offset_at(&self, sec: i64) -> i32 {
        match &self.0 {
            Loc::Utc => 0,
            Loc::Fixed { offset, .. } => *offset,
            Loc::Zone { tz, .. } => tz.to_offset_info(jiff_ts(sec)).offset().seconds(),
        }
    }

    /// Go's `lookupName`: the offset of the zone abbreviated `abbrev` around Unix second `sec`.
    pub(crate) fn lookup_name(&self, abbrev: &str, sec: i64) -> Option<i32> {
        match &self.0 {
            Loc::Utc => (abbrev == "UTC").then_some(0),
            Loc::Fixed { name, offset } => (&**name == abbrev).then_some(*offset),
            Loc::Zone { tz, .. } => {
                // The zones in use half a year either side stand in for Go's list of the
                // location's zones.
                let mut candidates = Vec::with_capacity(3);
                for probe in [sec, sec - 183 * SECS_PER_DAY, sec + 183 * SECS_PER_DAY] {
                    let info = tz.to_offset_info(jiff_ts(probe));
                    if info.abbreviation() == abbrev {
                        candidates.push(info.offset().seconds());
                    }
                }
                for &off in &candidates {
                    let (name, o) = self.lookup(sec - i64::from(off));
                    if name == abbrev {
                        return Some(o);
                    }
                }
                candidates.first().copied()
            }
        }
    }
}

/// A jiff timestamp for looking up the zone rules at Unix second `sec`. Outside jiff's range
/// (years -9999..=9999) the instant moves by whole 400-year Gregorian cycles, which repeat the
/// calendar exactly, so a zone's recurring DST rule gives the offset Go gives.
fn jiff_ts(sec: i64) -> jiff::Timestamp {
    const CYCLE: i64 = 146_097 * SECS_PER_DAY;
    let lo = jiff::Timestamp::MIN.as_second();
    let hi = jiff::Timestamp::MAX.as_second();
    let mut s = sec;
    if s > hi {
        s -= ((s - hi - 1) / CYCLE + 1) * CYCLE;
    } else if s < lo {
        s += ((lo - s - 1) / CYCLE + 1) * CYCLE;
    }
    jiff::Timestamp::from_second(s.clamp(lo, hi)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (`month` may be 1..=12 only).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day number since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

pub(crate) fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 => {
            if is_leap(year) {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A Go `time.Time`: an instant plus the location it is shown in.
#[derive(Debug, Clone)]
pub struct GoTime {
    sec: i64,
    nsec: u32,
    loc: GoLocation,
}

impl Default for GoTime {
    /// Go's zero `time.Time`: 0001-01-01 00:00:00 UTC.
    fn default() -> Self {
        GoTime::zero()
    }
}

/// Civil fields of an instant in its location.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    yday: i64,
    weekday: usize,
    hour: i64,
    min: i64,
    sec: i64,
}

impl GoTime {
    /// Go's zero time, 0001-01-01 00:00:00 UTC (what `IsZero` reports).
    pub fn zero() -> Self {
        GoTime { sec: ZERO_UNIX, nsec: 0, loc: GoLocation::utc() }
    }

    /// `time.Unix(sec, nsec).UTC()`: `nsec` may be outside [0, 1e9).
    pub fn from_unix(sec: i64, nsec: i64) -> Self {
        let sec = sec.saturating_add(nsec.div_euclid(NANOS_PER_SEC));
        let nsec = nsec.rem_euclid(NANOS_PER_SEC) as u32;
        GoTime { sec, nsec, loc: GoLocation::utc() }
    }

    /// `time.UnixMilli(ms).UTC()`.
    pub fn from_unix_millis(ms: i64) -> Self {
        GoTime::from_unix(ms.div_euclid(1000), ms.rem_euclid(1000) * 1_000_000)
    }

    /// `time.Unix(0, ns).UTC()`.
    pub fn from_unix_nanos(ns: i64) -> Self {
        GoTime::from_unix(0, ns)
    }

    /// A wall-clock reading, in UTC.
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => GoTime::from_unix(
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                i64::from(d.subsec_nanos()),
            ),
            Err(e) => {
                let d = e.duration();
                GoTime::from_unix(
                    -i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                    -i64::from(d.subsec_nanos()),
                )
            }
        }
    }

    /// `time.Date(year, month, day, hour, min, sec, nsec, loc)`: values outside their usual
    /// ranges are normalized (October 32 is November 1); a wall time that a DST change skips or
    /// repeats resolves as Go resolves it.
    #[allow(clippy::too_many_arguments)]
    pub fn date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
        nsec: i64,
        loc: &GoLocation,
    ) -> Self {
        // Saturating arithmetic: absurd arguments give an absurd time, never a panic (Go wraps).
        let m = month.saturating_sub(1);
        let year = year.saturating_add(m.div_euclid(12)).clamp(-MAX_YEAR, MAX_YEAR);
        let month = m.rem_euclid(12) + 1;
        let sec = sec.saturating_add(nsec.div_euclid(NANOS_PER_SEC));
        let nsec = nsec.rem_euclid(NANOS_PER_SEC);
        let min = min.saturating_add(sec.div_euclid(60));
        let sec = sec.rem_euclid(60);
        let hour = hour.saturating_add(min.div_euclid(60));
        let min = min.rem_euclid(60);
        let day = day.saturating_add(hour.div_euclid(24)).clamp(-MAX_DAYS, MAX_DAYS);
        let hour = hour.rem_euclid(24);
        let days = days_from_civil(year, month, 1) + day - 1;
        let mut unix =
            days.saturating_mul(SECS_PER_DAY).saturating_add(hour * 3600 + min * 60 + sec);
        // Look for the zone offset for the expected time, then adjust if the result lies in a
        // different offset (a transition in between).
        let offset = loc.offset_at(unix);
        if offset != 0 {
            let utc = unix.saturating_sub(i64::from(offset));
            let offset2 = loc.offset_at(utc);
            unix = unix.saturating_sub(i64::from(if offset2 != offset { offset2 } else { offset }));
        }
        GoTime { sec: unix, nsec: nsec as u32, loc: loc.clone() }
    }

    /// Seconds since the Unix epoch (`Unix()`).
    pub fn unix(&self) -> i64 {
        self.sec
    }

    /// Milliseconds since the Unix epoch (`UnixMilli()`).
    pub fn unix_milli(&self) -> i64 {
        self.sec.wrapping_mul(1000).wrapping_add(i64::from(self.nsec / 1_000_000))
    }

    /// Microseconds since the Unix epoch (`UnixMicro()`).
    pub fn unix_micro(&self) -> i64 {
        self.sec.wrapping_mul(1_000_000).wrapping_add(i64::from(self.nsec / 1000))
    }

    /// Nanoseconds since the Unix epoch (`UnixNano()`; wraps outside years 1678..2262 as Go's).
    pub fn unix_nano(&self) -> i64 {
        self.sec.wrapping_mul(NANOS_PER_SEC).wrapping_add(i64::from(self.nsec))
    }

    /// The nanosecond within the second, [0, 999999999].
    pub fn nanosecond(&self) -> u32 {
        self.nsec
    }

    /// The location the time is shown in.
    pub fn location(&self) -> &GoLocation {
        &self.loc
    }

    /// `Zone()`: abbreviation and offset in seconds east of UTC.
    pub fn zone(&self) -> (String, i32) {
        let (name, off) = self.loc.lookup(self.sec);
        (name.into_owned(), off)
    }

    /// The same instant in UTC.
    pub fn utc(&self) -> Self {
        GoTime { loc: GoLocation::utc(), ..self.clone() }
    }

    /// The same instant in `Local` (see the module docs).
    pub fn local(&self) -> Self {
        GoTime { loc: GoLocation::local(), ..self.clone() }
    }

    /// `In(loc)`: the same instant shown in `loc`.
    pub fn in_location(&self, loc: &GoLocation) -> Self {
        GoTime { loc: loc.clone(), ..self.clone() }
    }

    /// `In(time.LoadLocation(name))`.
    pub fn in_zone(&self, name: &str) -> Result<Self, TimeError> {
        Ok(self.in_location(&GoLocation::load(name)?))
    }

    /// `Add(d)`.
    pub fn add(&self, d: GoDuration) -> Self {
        self.add_nanos(d.as_nanos())
    }

    /// `Add` of a raw nanosecond count.
    pub fn add_nanos(&self, d: i64) -> Self {
        let mut dsec = d / NANOS_PER_SEC;
        let mut nsec = i64::from(self.nsec) + d % NANOS_PER_SEC;
        if nsec >= NANOS_PER_SEC {
            dsec += 1;
            nsec -= NANOS_PER_SEC;
        } else if nsec < 0 {
            dsec -= 1;
            nsec += NANOS_PER_SEC;
        }
        GoTime { sec: self.sec.wrapping_add(dsec), nsec: nsec as u32, loc: self.loc.clone() }
    }

    /// `Sub(u)`: `self - u`, saturating at the largest and smallest durations as Go's does.
    pub fn sub(&self, u: &GoTime) -> GoDuration {
        let d = (i128::from(self.sec) - i128::from(u.sec)) * i128::from(NANOS_PER_SEC)
            + (i128::from(self.nsec) - i128::from(u.nsec));
        GoDuration::from_nanos(d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// `Truncate(d)`: rounded down to a multiple of `d` since Go's zero time (`d <= 0`: as is).
    pub fn truncate(&self, d: GoDuration) -> Self {
        match self.rem_since_zero(d) {
            Some(r) => self.add_nanos(-r),
            None => self.clone(),
        }
    }

    /// `Round(d)`: rounded to the nearest multiple of `d` since Go's zero time, halfway values
    /// up (`d <= 0`: as is).
    pub fn round(&self, d: GoDuration) -> Self {
        match self.rem_since_zero(d) {
            Some(r) if (r as u64).wrapping_add(r as u64) < d.as_nanos() as u64 => {
                self.add_nanos(-r)
            }
            Some(r) => self.add_nanos(d.as_nanos() - r),
            None => self.clone(),
        }
    }

    /// The time since Go's zero time modulo `d`, in [0, d); `None` for `d <= 0`.
    fn rem_since_zero(&self, d: GoDuration) -> Option<i64> {
        let d = i128::from(d.as_nanos());
        if d <= 0 {
            return None;
        }
        let total = (i128::from(self.sec) - i128::from(ZERO_UNIX)) * i128::from(NANOS_PER_SEC)
            + i128::from(self.nsec);
        Some(total.rem_euclid(d) as i64)
    }

    /// Whether `self` is before `u`.
    pub fn before(&self, u: &GoTime) -> bool {
        (self.sec, self.nsec) < (u.sec, u.nsec)
    }

    /// Whether `self` is after `u`.
    pub fn after(&self, u: &GoTime) -> bool {
        (self.sec, self.nsec) > (u.sec, u.nsec)
    }

    /// Whether both are the same instant, whatever their locations.
    pub fn equal(&self, u: &GoTime) -> bool {
        (self.sec, self.nsec) == (u.sec, u.nsec)
    }

    /// `Compare(u)`: -1, 0 or +1.
    pub fn compare(&self, u: &GoTime) -> i32 {
        match (self.sec, self.nsec).cmp(&(u.sec, u.nsec)) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    }

    /// Whether this is Go's zero time (0001-01-01 00:00:00 UTC, in any location).
    pub fn is_zero(&self) -> bool {
        self.sec == ZERO_UNIX && self.nsec == 0
    }

    fn civil(&self, offset: i32) -> Civil {
        let abs = self.sec.saturating_add(i64::from(offset));
        let days = abs.div_euclid(SECS_PER_DAY);
        let secs = abs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            yday: days - days_from_civil(year, 1, 1) + 1,
            weekday: (days + 4).rem_euclid(7) as usize,
            hour: secs / 3600,
            min: secs % 3600 / 60,
            sec: secs % 60,
        }
    }

    /// The year, month (1-12) and day in the time's location.
    pub fn ymd(&self) -> (i64, u32, u32) {
        let c = self.civil(self.loc.offset_at(self.sec));
        (c.year, c.month, c.day)
    }

    /// Hour, minute and second in the time's location.
    pub fn clock(&self) -> (u32, u32, u32) {
        let c = self.civil(self.loc.offset_at(self.sec));
        (c.hour as u32, c.min as u32, c.sec as u32)
    }

    /// `Year()`.
    pub fn year(&self) -> i64 {
        self.ymd().0
    }

    /// `Month()` as a number, 1 = January.
    pub fn month(&self) -> u32 {
        self.ymd().1
    }

    /// `Month().String()`: `January`.
    pub fn month_name(&self) -> &'static str {
        LONG_MONTH_NAMES[self.month() as usize - 1]
    }

    /// `Day()`.
    pub fn day(&self) -> u32 {
        self.ymd().2
    }

    /// `Hour()`.
    pub fn hour(&self) -> u32 {
        self.clock().0
    }

    /// `Minute()`.
    pub fn minute(&self) -> u32 {
        self.clock().1
    }

    /// `Second()`.
    pub fn second(&self) -> u32 {
        self.clock().2
    }

    /// `Weekday().String()`: `Sunday`.
    pub fn weekday_name(&self) -> &'static str {
        LONG_DAY_NAMES[self.weekday() as usize]
    }

    /// Day of the week, 0 = Sunday.
    pub fn weekday(&self) -> u32 {
        self.civil(self.loc.offset_at(self.sec)).weekday as u32
    }

    /// Day of the year, 1..=366.
    pub fn year_day(&self) -> u32 {
        self.civil(self.loc.offset_at(self.sec)).yday as u32
    }

    /// `Format(layout)`: the time laid out like Go's reference time in `layout`.
    pub fn format(&self, layout: &str) -> String {
        let mut out = String::with_capacity(layout.len() + 10);
        self.append_format(&mut out, layout);
        out
    }

    /// [`GoTime::format`], appending to `out`.
    pub fn append_format(&self, out: &mut String, layout: &str) {
        let (name, offset) = self.loc.lookup(self.sec);
        let c = self.civil(offset);
        let bytes = layout.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            let (pre_end, std, next) = next_std_chunk(&bytes[pos..]);
            out.push_str(&layout[pos..pos + pre_end]);
            let Some(std) = std else { break };
            pos += next;
            match std {
                Std::Year => append_int(out, (c.year % 100).abs(), 2),
                Std::LongYear => append_int(out, c.year, 4),
                Std::Month => out.push_str(SHORT_MONTH_NAMES[c.month as usize - 1]),
                Std::LongMonth => out.push_str(LONG_MONTH_NAMES[c.month as usize - 1]),
                Std::NumMonth => append_int(out, i64::from(c.month), 0),
                Std::ZeroMonth => append_int(out, i64::from(c.month), 2),
                Std::WeekDay => out.push_str(SHORT_DAY_NAMES[c.weekday]),
                Std::LongWeekDay => out.push_str(LONG_DAY_NAMES[c.weekday]),
                Std::Day => append_int(out, i64::from(c.day), 0),
                Std::UnderDay => {
                    if c.day < 10 {
                        out.push(' ');
                    }
                    append_int(out, i64::from(c.day), 0);
                }
                Std::ZeroDay => append_int(out, i64::from(c.day), 2),
                Std::UnderYearDay => {
                    if c.yday < 100 {
                        out.push(' ');
                        if c.yday < 10 {
                            out.push(' ');
                        }
                    }
                    append_int(out, c.yday, 0);
                }
                Std::ZeroYearDay => append_int(out, c.yday, 3),
                Std::Hour => append_int(out, c.hour, 2),
                Std::Hour12 | Std::ZeroHour12 => {
                    let hr = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
                    append_int(out, hr, if std == Std::Hour12 { 0 } else { 2 });
                }
                Std::Minute => append_int(out, c.min, 0),
                Std::ZeroMinute => append_int(out, c.min, 2),
                Std::Second => append_int(out, c.sec, 0),
                Std::ZeroSecond => append_int(out, c.sec, 2),
                Std::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
                Std::TZ => {
                    if !name.is_empty() {
                        out.push_str(&name);
                    } else {
                        let mut zone = offset / 60;
                        if zone < 0 {
                            out.push('-');
                            zone = -zone;
                        } else {
                            out.push('+');
                        }
                        append_int(out, i64::from(zone / 60), 2);
                        append_int(out, i64::from(zone % 60), 2);
                    }
                }
                Std::Frac0 { n, sep } | Std::Frac9 { n, sep } => {
                    append_nano(out, self.nsec, n, sep, matches!(std, Std::Frac9 { .. }))
                }
                numeric_tz => append_tz(out, numeric_tz, offset),
            }
        }
    }

    /// `GoString()`: `time.Date(2009, time.November, 10, 23, 0, 0, 0, time.UTC)`.
    pub fn go_string(&self) -> String {
        use fmt::Write as _;
        let c = self.civil(self.loc.offset_at(self.sec));
        let mut s = String::with_capacity(72);
        let _ = write!(
            s,
            "time.Date({}, time.{}, {}, {}, {}, {}, {}, ",
            c.year,
            LONG_MONTH_NAMES[c.month as usize - 1],
            c.day,
            c.hour,
            c.min,
            c.sec,
            self.nsec
        );
        match &self.loc.0 {
            Loc::Utc => s.push_str("time.UTC"),
            Loc::Zone { name, .. } if &**name == "Local" => s.push_str("time.Local"),
            Loc::Fixed { name, .. } | Loc::Zone { name, .. } => {
                s.push_str("time.Location(");
                s.push_str(&time_quote(name.as_bytes()));
                s.push(')');
            }
        }
        s.push(')');
        s
    }

    pub(crate) fn from_parts(sec: i64, nsec: u32, loc: GoLocation) -> Self {
        GoTime { sec, nsec, loc }
    }

    pub(crate) fn with_location(mut self, loc: GoLocation) -> Self {
        self.loc = loc;
        self
    }
}

impl fmt::Display for GoTime {
    /// `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(40);
        self.append_format(&mut s, "2006-01-02 15:04:05.999999999 -0700 MST");
        f.write_str(&s)
    }
}

/// Appends the fraction of a second (Go's `appendNano`).
fn append_nano(out: &mut String, nsec: u32, n: usize, sep: u8, trim: bool) {
    if trim && (n == 0 || nsec == 0) {
        return;
    }
    let start = out.len();
    out.push(sep as char);
    append_int(out, i64::from(nsec), 9);
    if n < 9 {
        out.truncate(out.len() - 9 + n);
    }
    if trim {
        while out.len() > start && out.ends_with('0') {
            out.pop();
        }
        if out.len() == start + 1 {
            out.pop();
        }
    }
}

/// Appends a numeric zone (`-0700`, `Z07:00`, ...).
fn append_tz(out: &mut String, std: Std, offset: i32) {
    if offset == 0 && std.is_iso() {
        out.push('Z');
        return;
    }
    let mut zone = offset / 60;
    let mut absoffset = offset;
    if zone < 0 {
        out.push('-');
        zone = -zone;
        absoffset = -absoffset;
    } else {
        out.push('+');
    }
    append_int(out, i64::from(zone / 60), 2);
    let colon = matches!(
        std,
        Std::Iso8601ColonTZ | Std::NumColonTZ | Std::Iso8601ColonSecondsTZ | Std::NumColonSecondsTZ
    );
    if colon {
        out.push(':');
    }
    if std != Std::NumShortTZ && std != Std::Iso8601ShortTZ {
        append_int(out, i64::from(zone % 60), 2);
    }
    if matches!(
        std,
        Std::Iso8601SecondsTZ
            | Std::NumSecondsTZ
            | Std::NumColonSecondsTZ
            | Std::Iso8601ColonSecondsTZ
    ) {
        if matches!(std, Std::NumColonSecondsTZ | Std::Iso8601ColonSecondsTZ) {
            out.push(':');
        }
        append_int(out, i64::from(absoffset % 60), 2);
    }
}

/// The `time` package's own quoting (for error messages): bytes outside printable ASCII become
/// `\xNN`.
pub(crate) fn time_quote(s: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if !(b' '..0x80).contains(&b) {
            out.push_str("\\x");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            if b == b'"' || b == b'\\' {
                out.push('\\');
            }
            out.push(b as char);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_time() {
        let z = GoTime::zero();
        assert!(z.is_zero());
        assert_eq!(z.to_string(), "0001-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn civil_roundtrip() {
        for d in [-719_162, -1, 0, 1, 10_957, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(dd)), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
