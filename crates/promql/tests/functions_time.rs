//! time() and the calendar functions, in UTC.
#![allow(clippy::unwrap_used)] // Test helpers unwrap outside #[test] functions.

mod functions_support;

use functions_support::*;
use promql::functions::ArgValue;

/// `f(vector(secs))`.
fn date(f: &str, secs: f64) -> f64 {
    let input = [sample(&[("__name__", "ts"), ("k", "v")], secs)];
    let out = step_vector(f, &[ArgValue::Vector(&input)]);
    assert_eq!(out.len(), 1);
    assert!(out[0].drop_name);
    assert_eq!(out[0].metric, input[0].metric);
    out[0].f
}

#[test]
fn time_is_the_evaluation_time_in_seconds() {
    assert_eq!(step_scalar("time", &[], 1), 0.001);
    assert_eq!(step_scalar("time", &[], 3_000_000), 3000.0);
}

#[test]
fn calendar_of_a_monday_evening() {
    // 1136239445 = 2006-01-02 22:04:05 UTC, a Monday.
    let t = 1_136_239_445.0;
    assert_eq!(date("year", t), 2006.0);
    assert_eq!(date("month", t), 1.0);
    assert_eq!(date("day_of_month", t), 2.0);
    assert_eq!(date("day_of_year", t), 2.0);
    assert_eq!(date("day_of_week", t), 1.0);
    assert_eq!(date("hour", t), 22.0);
    assert_eq!(date("minute", t), 4.0);
    assert_eq!(date("days_in_month", t), 31.0);
}

#[test]
fn leap_years_and_month_lengths() {
    // 2016-02-01 and 2017-02-01 UTC.
    assert_eq!(date("days_in_month", 1_454_284_800.0), 29.0);
    assert_eq!(date("days_in_month", 1_485_907_200.0), 28.0);
    // 2016-02-29 23:59:59 and one second later, 2016-03-01.
    assert_eq!(date("month", 1_456_790_399.0), 2.0);
    assert_eq!(date("day_of_month", 1_456_790_399.0), 29.0);
    assert_eq!(date("month", 1_456_790_400.0), 3.0);
    assert_eq!(date("day_of_month", 1_456_790_400.0), 1.0);
    // 2016-12-31 is day 366, 2022-12-31 day 365.
    assert_eq!(date("day_of_year", 1_483_191_420.0), 366.0);
    assert_eq!(date("day_of_year", 1_672_493_820.0), 365.0);
    // 2000-02-15 (a leap year though divisible by 100) and 2100-02-15 (not one).
    assert_eq!(date("days_in_month", 950_572_800.0), 29.0);
    assert_eq!(date("days_in_month", 4_106_246_400.0), 28.0);
}

#[test]
fn before_the_epoch_and_fractions() {
    // -1 s is 1969-12-31 23:59:59, a Wednesday.
    assert_eq!(date("year", -1.0), 1969.0);
    assert_eq!(date("month", -1.0), 12.0);
    assert_eq!(date("day_of_month", -1.0), 31.0);
    assert_eq!(date("day_of_year", -1.0), 365.0);
    assert_eq!(date("day_of_week", -1.0), 3.0);
    assert_eq!(date("hour", -1.0), 23.0);
    assert_eq!(date("minute", -1.0), 59.0);
    // Seconds truncate towards zero: -0.5 is the epoch, 59.9 still minute 0.
    assert_eq!(date("year", -0.5), 1970.0);
    assert_eq!(date("minute", 59.9), 0.0);
    assert_eq!(date("minute", 60.0), 1.0);
}

#[test]
fn without_argument_the_evaluation_time_is_used() {
    // t = 0 is Thursday 1970-01-01 00:00 UTC.
    for (f, want) in [
        ("year", 1970.0),
        ("month", 1.0),
        ("day_of_month", 1.0),
        ("day_of_week", 4.0),
        ("day_of_year", 1.0),
        ("hour", 0.0),
        ("minute", 0.0),
        ("days_in_month", 31.0),
    ] {
        let out = step_vector(f, &[]);
        assert_eq!(out.len(), 1);
        assert!(out[0].metric.is_empty());
        assert_eq!(out[0].f, want, "{f}()");
    }
    // 1 day, 2 hours, 3 minutes (and some ms) after the epoch.
    let t = (86_400 + 2 * 3600 + 3 * 60) * 1000 + 999;
    match step_fn("hour", &[], &[], t).0.unwrap() {
        promql::functions::StepOutput::Vector(v) => assert_eq!(v[0].f, 2.0),
        other => panic!("{other:?}"),
    }
    match step_fn("minute", &[], &[], t).0.unwrap() {
        promql::functions::StepOutput::Vector(v) => assert_eq!(v[0].f, 3.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn extreme_values_do_not_panic() {
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
        for f in [
            "year",
            "month",
            "day_of_month",
            "day_of_week",
            "day_of_year",
            "hour",
            "minute",
            "days_in_month",
        ] {
            let _ = date(f, v);
        }
    }
}
