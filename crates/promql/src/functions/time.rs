//! `time()` and the calendar functions (`minute`, `hour`, `day_of_week`, `day_of_month`,
//! `day_of_year`, `days_in_month`, `month`, `year`), all in UTC. Without an argument the
//! calendar functions read the evaluation time, as `vector(time())`.

use model::labels::Labels;

use super::util::{map_floats, sample, vector_arg};
use super::{StepCall, StepOutput};
use crate::engine::QueryError;
use crate::value::Annotations;

type Out = Result<StepOutput, QueryError>;

pub(super) fn time(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    Ok(StepOutput::Scalar(call.t as f64 / 1000.0))
}

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 1–366.
    pub yday: u32,
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub(crate) fn days_in_month_of(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The UTC date of `secs` seconds since the epoch (proleptic Gregorian calendar; days are
/// counted with Howard Hinnant's `civil_from_days`).
pub(crate) fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let cumulative: u32 = (1..month).map(|m| days_in_month_of(year, m)).sum();
    Civil {
        year,
        month,
        day,
        hour: (sod / 3600) as u32,
        minute: (sod % 3600 / 60) as u32,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as u32,
        yday: cumulative + day,
    }
}

/// Applies `f` to the date of the evaluation time (no argument) or of each sample's value
/// (seconds, truncated towards zero as Go's `int64()` does).
fn date_fn(call: &StepCall<'_>, name: &str, f: fn(&Civil) -> f64) -> Out {
    if call.args.is_empty() {
        let c = civil(call.t / 1000);
        return Ok(StepOutput::Vector(vec![sample(Labels::empty(), call.t, f(&c), false)]));
    }
    let input = vector_arg(call, name, 0)?;
    Ok(StepOutput::Vector(map_floats(input, call.t, |v| f(&civil(v as i64)))))
}

pub(super) fn minute(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "minute", |c| f64::from(c.minute))
}

pub(super) fn hour(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "hour", |c| f64::from(c.hour))
}

pub(super) fn day_of_week(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "day_of_week", |c| f64::from(c.weekday))
}

pub(super) fn day_of_month(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "day_of_month", |c| f64::from(c.day))
}

pub(super) fn day_of_year(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "day_of_year", |c| f64::from(c.yday))
}

pub(super) fn days_in_month(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "days_in_month", |c| f64::from(days_in_month_of(c.year, c.month)))
}

pub(super) fn month(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "month", |c| f64::from(c.month))
}

pub(super) fn year(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    date_fn(call, "year", |c| c.year as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        let epoch = civil(0);
        assert_eq!(
            (epoch.year, epoch.month, epoch.day, epoch.weekday, epoch.yday),
            (1970, 1, 1, 4, 1)
        );
        // 2006-01-02T22:04:05Z, a Monday.
        let c = civil(1_136_239_445);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.weekday, c.yday),
            (2006, 1, 2, 22, 4, 1, 2)
        );
        // 1969-12-31T23:59:59Z.
        let c = civil(-1);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.weekday, c.yday),
            (1969, 12, 31, 23, 59, 3, 365)
        );
        // 2016-12-31, day 366 of a leap year.
        assert_eq!(civil(1_483_191_420).yday, 366);
        assert_eq!(days_in_month_of(2016, 2), 29);
        assert_eq!(days_in_month_of(1900, 2), 28);
        assert_eq!(days_in_month_of(2000, 2), 29);
        // Extreme inputs do not panic.
        let _ = civil(i64::MIN);
        let _ = civil(i64::MAX);
    }
}
