//! Time intervals (`time_intervals:` in the config): when a route is muted
//! (`mute_time_intervals`) or active (`active_time_intervals`).
//!
//! A [`TimeInterval`] is a named list of [`TimeSpec`]s and contains an instant when any of them
//! does. A spec constrains times of day, weekdays, days of the month, months and years; every
//! field that is present must match (absent = any), and within a field any range may match.
//! The instant is first converted into the spec's `location` (UTC by default), with jiff's time
//! zone rules, so DST transitions are handled as Go handles them.
//!
//! Parsing follows upstream's `timeinterval` package exactly, error texts included: names are
//! case-insensitive, ranges are inclusive (`monday:friday`, `1:5`, `-3:-1`), times are `HH:MM`
//! with `24:00` allowed as an end, and the week starts on Sunday.

use crate::alert::Time;
use jiff::tz::TimeZone;
use model::gostr::quote;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// A named set of specs; contains an instant when any spec does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeInterval {
    /// The name routes refer to.
    pub name: String,
    /// The specs (`time_intervals:` of the named entry).
    #[serde(rename = "time_intervals")]
    pub specs: Vec<TimeSpec>,
}

impl TimeInterval {
    /// Whether `t` falls inside any of the specs.
    pub fn contains(&self, t: Time) -> bool {
        self.specs.iter().any(|s| s.contains(t))
    }
}

/// Upstream's `Intervener.Mutes`: the names among `names` whose interval contains `now`, a name
/// repeated once per spec of it that matches (as upstream reports them in `mutedBy`). A name
/// the config does not define is an error with upstream's text.
pub fn names_containing<'a>(
    intervals: &BTreeMap<String, TimeInterval>,
    names: &'a [String],
    now: Time,
) -> Result<Vec<&'a str>, String> {
    let mut hits = Vec::new();
    for name in names {
        let ti = intervals
            .get(name)
            .ok_or_else(|| format!("time interval {name} doesn't exist in config"))?;
        hits.extend(ti.specs.iter().filter(|s| s.contains(now)).map(|_| name.as_str()));
    }
    Ok(hits)
}

/// One spec. `None` fields match anything; an explicitly empty list (`times: []`) matches
/// nothing, as upstream.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<TimeRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<WeekdayRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_of_month: Option<Vec<DayOfMonthRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl TimeSpec {
    /// Whether `t` (converted into the spec's location) satisfies every present field.
    pub fn contains(&self, t: Time) -> bool {
        let tz = self.location.as_ref().map_or(TimeZone::UTC, |l| l.tz.clone());
        let z = t.to_zoned(tz);
        let minute = i64::from(z.hour()) * 60 + i64::from(z.minute());
        let day = i64::from(z.day());
        let month = i64::from(z.month());
        let weekday = i64::from(z.weekday().to_sunday_zero_offset());
        let year = i64::from(z.year());
        let dim = i64::from(z.days_in_month());

        fn any<T>(field: &Option<Vec<T>>, f: impl Fn(&T) -> bool) -> bool {
            field.as_ref().is_none_or(|v| v.iter().any(f))
        }
        any(&self.times, |r| minute >= r.start_minute && minute < r.end_minute)
            && any(&self.days_of_month, |r| day_of_month_matches(r.0, dim, day))
            && any(&self.months, |r| month >= r.0.begin && month <= r.0.end)
            && any(&self.weekdays, |r| weekday >= r.0.begin && weekday <= r.0.end)
            && any(&self.years, |r| year >= r.0.begin && year <= r.0.end)
    }
}

/// Negative days count from the month's end (-1 = last day); both ends are then clamped to the
/// month, and a range starting after the month's last day never matches.
fn day_of_month_matches(r: InclusiveRange, dim: i64, day: i64) -> bool {
    let resolve = |d: i64| if d < 0 { dim + d + 1 } else { d };
    let begin = resolve(r.begin);
    let end = resolve(r.end);
    if begin > dim {
        return false;
    }
    let begin = begin.clamp(-dim, dim);
    let end = end.clamp(-dim, dim);
    day >= begin && day <= end
}

/// `begin..=end` as integers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InclusiveRange {
    pub begin: i64,
    pub end: i64,
}

/// `[start_minute, end_minute)` of the day (0..=1440).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub start_minute: i64,
    pub end_minute: i64,
}

/// Weekdays, 0 = Sunday .. 6 = Saturday.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekdayRange(pub InclusiveRange);

/// Days of the month: 1..=31 or -31..=-1 (from the end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayOfMonthRange(pub InclusiveRange);

/// Months, 1 = January.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthRange(pub InclusiveRange);

/// Years.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearRange(pub InclusiveRange);

/// A time zone by IANA name, `UTC` or `Local` (the system's zone).
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The name as configured (`""` reads as `UTC`, as in Go).
    pub name: String,
    /// The zone.
    pub tz: TimeZone,
}

impl Location {
    /// Go's `time.LoadLocation`, with its error text.
    pub fn load(name: &str) -> Result<Location, String> {
        let tz = match name {
            "" | "UTC" => TimeZone::UTC,
            "Local" => TimeZone::system(),
            _ => TimeZone::get(name).map_err(|_| format!("unknown time zone {name}"))?,
        };
        let name = if name.is_empty() { "UTC" } else { name };
        Ok(Location { name: name.to_owned(), tz })
    }
}

const WEEKDAYS: [&str; 7] =
    ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Go's `strconv.Atoi`, with its error texts.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", quote(s)));
    }
    s.parse::<i64>().map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(s)))
}

/// Upstream's `stringableRangeFromString`: lower-cases, then reads `a:b` or `a`.
fn parse_range(
    input: &str,
    member: impl Fn(&str) -> Result<i64, String>,
) -> Result<InclusiveRange, String> {
    let s = input.to_lowercase();
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 2 {
            return Err(format!("couldn't parse range {s}, invalid format"));
        }
        Ok(InclusiveRange { begin: member(parts[0])?, end: member(parts[1])? })
    } else {
        let v = member(&s)?;
        Ok(InclusiveRange { begin: v, end: v })
    }
}

fn weekday_member(s: &str) -> Result<i64, String> {
    WEEKDAYS
        .iter()
        .position(|d| *d == s)
        .map(|i| i as i64)
        .ok_or_else(|| format!("{s} is not a valid weekday"))
}

fn month_member(s: &str) -> Result<i64, String> {
    match MONTHS.iter().position(|m| *m == s) {
        Some(i) => Ok(i as i64 + 1),
        None => atoi(s).map_err(|_| format!("{s} is not a valid month")),
    }
}

impl WeekdayRange {
    /// Parses `monday`, `monday:friday` (upstream's checks and texts).
    pub fn parse(s: &str) -> Result<Self, String> {
        let r = parse_range(s, weekday_member)?;
        if r.begin > r.end {
            return Err("start day cannot be before end day".into());
        }
        if !(0..=6).contains(&r.begin) || !(0..=6).contains(&r.end) {
            return Err(format!("{s} is not a valid day of the week: out of range"));
        }
        Ok(WeekdayRange(r))
    }
}

impl DayOfMonthRange {
    /// Parses `1`, `1:5`, `-3:-1` (upstream's checks and texts).
    pub fn parse(s: &str) -> Result<Self, String> {
        let r = parse_range(s, atoi)?;
        let valid = |d: i64| d != 0 && (-31..=31).contains(&d);
        if !valid(r.begin) {
            return Err(format!("{} is not a valid day of the month: out of range", r.begin));
        }
        if !valid(r.end) {
            return Err(format!("{} is not a valid day of the month: out of range", r.end));
        }
        if r.begin < 0 && r.end > 0 {
            return Err("end day must be negative if start day is negative".into());
        }
        // Only what is wrong in every month can be caught here: compare on a 28-day month.
        let on28 = |d: i64| if d < 0 { 28 + d } else { d };
        if on28(r.begin) > on28(r.end) {
            return Err(format!("end day {} is always before start day {}", r.end, r.begin));
        }
        Ok(DayOfMonthRange(r))
    }
}

impl MonthRange {
    /// Parses `may`, `1:3`, `may:august` (upstream's checks and texts; like upstream, numbers
    /// are not range-checked).
    pub fn parse(s: &str) -> Result<Self, String> {
        let r = parse_range(s, month_member)?;
        if r.begin > r.end {
            let name = |m: i64| {
                usize::try_from(m - 1).ok().and_then(|i| MONTHS.get(i)).copied().unwrap_or("")
            };
            return Err(format!(
                "end month {} is before start month {}",
                name(r.end),
                name(r.begin)
            ));
        }
        Ok(MonthRange(r))
    }
}

impl YearRange {
    /// Parses `2024`, `2020:2022`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let r = parse_range(s, atoi)?;
        if r.begin > r.end {
            return Err(format!("end year {} is before start year {}", r.end, r.begin));
        }
        Ok(YearRange(r))
    }
}

/// Upstream's `parseTime`: `HH:MM` (00:00..23:59) or `24:00`, as minutes of the day.
fn parse_time(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    let valid = s == "24:00"
        || (b.len() == 5
            && b[2] == b':'
            && b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit())
            && (b[0] < b'2' || (b[0] == b'2' && b[1] <= b'3'))
            && b[3] <= b'5');
    if !valid {
        return Err(format!("couldn't parse timestamp {s}, invalid format"));
    }
    let h = i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0');
    let m = i64::from(b[3] - b'0') * 10 + i64::from(b[4] - b'0');
    Ok(h * 60 + m)
}

impl TimeRange {
    /// Parses a `start_time`/`end_time` pair (upstream's checks and texts).
    pub fn parse(start: &str, end: &str) -> Result<Self, String> {
        if start.is_empty() || end.is_empty() {
            return Err("both start and end times must be provided".into());
        }
        let start_minute = parse_time(start)?;
        let end_minute = parse_time(end)?;
        if start_minute >= end_minute {
            return Err("start time cannot be equal or greater than end time".into());
        }
        Ok(TimeRange { start_minute, end_minute })
    }
}

/// Reads a list element as a string; YAML null gives `None` (Go's zero range).
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

macro_rules! range_serde {
    ($ty:ident, $fmt:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                match scalar(d)? {
                    Some(s) => $ty::parse(&s).map_err(serde::de::Error::custom),
                    None => Ok($ty::default()),
                }
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let f: fn(i64) -> String = $fmt;
                let r = self.0;
                if r.begin == r.end {
                    s.serialize_str(&f(r.begin))
                } else {
                    s.serialize_str(&format!("{}:{}", f(r.begin), f(r.end)))
                }
            }
        }
    };
}

range_serde!(WeekdayRange, |d| usize::try_from(d)
    .ok()
    .and_then(|i| WEEKDAYS.get(i))
    .map_or_else(|| d.to_string(), |s| (*s).to_owned()));
range_serde!(DayOfMonthRange, |d| d.to_string());
range_serde!(MonthRange, |d| d.to_string());
range_serde!(YearRange, |d| d.to_string());

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeRange {
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<RawTimeRange>::deserialize(d)? {
            Some(r) => TimeRange::parse(
                r.start_time.as_deref().unwrap_or(""),
                r.end_time.as_deref().unwrap_or(""),
            )
            .map_err(serde::de::Error::custom),
            None => Ok(TimeRange::default()),
        }
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("start_time", &hm(self.start_minute))?;
        map.serialize_entry("end_time", &hm(self.end_minute))?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Location::load(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Time {
        s.parse().unwrap()
    }

    fn spec(yaml: &str) -> TimeSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    fn spec_err(yaml: &str) -> String {
        let e = serde_saphyr::from_str::<TimeSpec>(yaml).unwrap_err();
        use serde_saphyr::MessageFormatter;
        serde_saphyr::DefaultMessageFormatter.format_message(e.without_snippet()).into_owned()
    }

    #[test]
    fn times_are_half_open_and_24_00_ends_the_day() {
        let s = spec("times: [{start_time: '17:00', end_time: '24:00'}]");
        assert!(!s.contains(ts("2024-01-01T16:59:59Z")));
        assert!(s.contains(ts("2024-01-01T17:00:00Z")));
        assert!(s.contains(ts("2024-01-01T23:59:59Z")));
        assert!(!s.contains(ts("2024-01-02T00:00:00Z")));
        let s = spec("times: [{start_time: '09:00', end_time: '17:00'}]");
        assert!(!s.contains(ts("2024-01-01T17:00:00Z")));
    }

    #[test]
    fn weekdays_start_on_sunday_and_are_case_insensitive() {
        let s = spec("weekdays: ['Monday:FRIDAY']");
        assert!(s.contains(ts("2024-01-01T12:00:00Z"))); // a Monday
        assert!(s.contains(ts("2024-01-05T12:00:00Z"))); // Friday
        assert!(!s.contains(ts("2024-01-06T12:00:00Z"))); // Saturday
        assert!(!s.contains(ts("2024-01-07T12:00:00Z"))); // Sunday
        let s = spec("weekdays: [sunday]");
        assert!(s.contains(ts("2024-01-07T00:00:00Z")));
    }

    #[test]
    fn negative_days_of_month_count_from_the_end() {
        let s = spec("days_of_month: ['-3:-1']");
        assert!(s.contains(ts("2024-02-27T00:00:00Z"))); // leap year: 27, 28, 29
        assert!(s.contains(ts("2024-02-29T00:00:00Z")));
        assert!(!s.contains(ts("2024-02-26T23:59:59Z")));
        assert!(s.contains(ts("2023-02-26T00:00:00Z"))); // 26, 27, 28
        assert!(s.contains(ts("2024-01-31T00:00:00Z")));
        // 1:31 is clamped to the month; 30:31 does not reach into March.
        let s = spec("days_of_month: ['30:31']");
        assert!(!s.contains(ts("2023-02-28T00:00:00Z")));
        assert!(!s.contains(ts("2023-03-01T00:00:00Z")));
        assert!(s.contains(ts("2023-03-30T00:00:00Z")));
        let s = spec("days_of_month: ['1:-1']");
        assert!(s.contains(ts("2023-02-28T00:00:00Z")));
    }

    #[test]
    fn months_years_and_names() {
        let s = spec("months: ['may:august', '1']\nyears: ['2020:2022']");
        assert!(s.contains(ts("2021-06-01T00:00:00Z")));
        assert!(s.contains(ts("2022-01-15T00:00:00Z")));
        assert!(!s.contains(ts("2022-02-15T00:00:00Z")));
        assert!(!s.contains(ts("2023-06-01T00:00:00Z")));
    }

    #[test]
    fn location_converts_before_matching_and_follows_dst() {
        let s =
            spec("times: [{start_time: '09:00', end_time: '17:00'}]\nlocation: 'Europe/Berlin'");
        // Winter: UTC+1; summer: UTC+2.
        assert!(s.contains(ts("2024-01-15T08:00:00Z")));
        assert!(!s.contains(ts("2024-01-15T07:59:00Z")));
        assert!(s.contains(ts("2024-07-15T07:00:00Z")));
        assert!(!s.contains(ts("2024-07-15T15:00:00Z")));
        // The weekday is the local one: Sunday 23:30 UTC is Monday in Tokyo.
        let s = spec("weekdays: [monday]\nlocation: Asia/Tokyo");
        assert!(s.contains(ts("2024-01-07T23:30:00Z")));
    }

    #[test]
    fn names_containing_reports_each_matching_spec() {
        let weekend = TimeInterval {
            name: "weekend".into(),
            specs: vec![spec("weekdays: [saturday, sunday]"), spec("weekdays: [saturday]")],
        };
        let map = BTreeMap::from([("weekend".to_string(), weekend)]);
        let names = vec!["weekend".to_string()];
        let sat = ts("2024-01-06T12:00:00Z");
        assert_eq!(names_containing(&map, &names, sat).unwrap(), ["weekend", "weekend"]);
        assert!(names_containing(&map, &names, ts("2024-01-08T12:00:00Z")).unwrap().is_empty());
        let unknown = vec!["nope".to_string()];
        assert_eq!(
            names_containing(&map, &unknown, sat).unwrap_err(),
            "time interval nope doesn't exist in config"
        );
    }

    #[test]
    fn empty_list_matches_nothing_absent_matches_all() {
        assert!(spec("{}").contains(ts("2024-01-01T00:00:00Z")));
        assert!(!spec("times: []").contains(ts("2024-01-01T00:00:00Z")));
    }

    #[test]
    fn upstream_error_texts() {
        for (yaml, want) in [
            ("times: [{start_time: '10:00'}]", "both start and end times must be provided"),
            (
                "times: [{start_time: '1:00', end_time: '2:00'}]",
                "couldn't parse timestamp 1:00, invalid format",
            ),
            (
                "times: [{start_time: '24:00', end_time: '24:00'}]",
                "start time cannot be equal or greater than end time",
            ),
            (
                "times: [{start_time: '00:00', end_time: '24:01'}]",
                "couldn't parse timestamp 24:01, invalid format",
            ),
            (
                "times: [{start_time: '10:00', end_time: '09:00'}]",
                "start time cannot be equal or greater than end time",
            ),
            ("weekdays: ['friday:monday']", "start day cannot be before end day"),
            ("weekdays: ['funday']", "funday is not a valid weekday"),
            ("weekdays: ['Mon:Fri']", "mon is not a valid weekday"),
            ("days_of_month: ['0']", "0 is not a valid day of the month: out of range"),
            ("days_of_month: ['1:32']", "32 is not a valid day of the month: out of range"),
            ("days_of_month: ['-1:5']", "end day must be negative if start day is negative"),
            ("days_of_month: ['10:5']", "end day 5 is always before start day 10"),
            ("days_of_month: ['x']", "strconv.Atoi: parsing \"x\": invalid syntax"),
            ("days_of_month: ['1:2:3']", "couldn't parse range 1:2:3, invalid format"),
            ("months: ['august:may']", "end month may is before start month august"),
            ("months: ['smarch']", "smarch is not a valid month"),
            ("years: ['2022:2020']", "end year 2020 is before start year 2022"),
            ("location: 'Mars/Olympus'", "unknown time zone Mars/Olympus"),
        ] {
            assert_eq!(spec_err(yaml), want, "{yaml}");
        }
    }

    #[test]
    fn serialises_like_upstream() {
        let s = spec(
            "times: [{start_time: '09:00', end_time: '17:30'}]\nweekdays: ['monday:friday', 'sunday']\nmonths: [may]\nlocation: UTC",
        );
        let y = serde_saphyr::to_string(&s).unwrap();
        assert!(y.contains("start_time: 09:00") || y.contains("start_time: '09:00'"), "{y}");
        assert!(y.contains("monday:friday"), "{y}");
        assert!(y.contains("- sunday"), "{y}");
        assert!(y.contains("'5'") || y.contains("\"5\"") || y.contains("- 5"), "{y}");
    }
}
