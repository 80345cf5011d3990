//! Hand-written checks of `template::gofmt` behaviour the Go oracle table does not reach:
//! locations (`Local`, load errors), parsing into `Local`, and the agreed evaluator interface.

use model::duration::GoDuration;
use template::gofmt::{
    FmtArg, GoLocation, GoTime, format_float, layout, sprint, sprintf, sprintln,
};

#[test]
fn gofmt_template_examples() {
    let a = |v: f64| FmtArg::Float(v);
    assert_eq!(
        sprintf("%v %v %v %v", &[a(1e6), a(0.1), a(f64::NAN), a(f64::NEG_INFINITY)]),
        "1e+06 0.1 NaN -Inf"
    );
    assert_eq!(sprintf("%.4g", &[a(123456.0)]), "1.235e+05");
    assert_eq!(sprintf("%s", &[FmtArg::Int(5)]), "%!s(int=5)");
    assert_eq!(sprintf("%d %d", &[FmtArg::Int(1)]), "1 %!d(MISSING)");
    assert_eq!(sprintf("%d", &[FmtArg::Int(1), FmtArg::Str("x")]), "1%!(EXTRA string=x)");
    let list = FmtArg::List(vec![FmtArg::Str("a"), FmtArg::Str("b")]);
    assert_eq!(sprintf("%q", std::slice::from_ref(&list)), r#"["a" "b"]"#);
    assert_eq!(sprintf("%T", &[list]), "[]string");
    let kv = FmtArg::Named {
        type_name: "template.KV",
        value: Box::new(FmtArg::Map(vec![
            (FmtArg::Str("a"), FmtArg::Str("1")),
            (FmtArg::Str("b"), FmtArg::Str("2")),
        ])),
    };
    assert_eq!(sprint(std::slice::from_ref(&kv)), "map[a:1 b:2]");
    assert_eq!(sprintf("%#v", &[kv]), r#"template.KV{"a":"1", "b":"2"}"#);
    assert_eq!(sprintln(&[FmtArg::Str("a"), FmtArg::Int(1)]), "a 1\n");
    assert_eq!(sprint(&[FmtArg::Str("a"), FmtArg::Int(1), FmtArg::Int(2)]), "a1 2");
    let end = FmtArg::Time(GoTime::zero());
    assert_eq!(sprint(&[end]), "0001-01-01 00:00:00 +0000 UTC");
    let d = FmtArg::Duration(GoDuration::from_secs(90));
    assert_eq!(sprintf("%v %d %T", &[d.clone(), d.clone(), d]), "1m30s 90000000000 time.Duration");
    assert_eq!(format_float(0.1, b'e', -1, 64), "1e-01");
    assert_eq!(format_float(1.0 / 3.0, b'f', 3, 32), "0.333");
}

#[test]
fn gofmt_locations() {
    assert_eq!(GoLocation::load("").unwrap().name(), "UTC");
    assert_eq!(GoLocation::load("UTC").unwrap().name(), "UTC");
    assert_eq!(GoLocation::load("Europe/Paris").unwrap().name(), "Europe/Paris");
    assert_eq!(
        GoLocation::load("Mars/Olympus").unwrap_err().to_string(),
        "unknown time zone Mars/Olympus"
    );
    assert_eq!(
        GoLocation::load("europe/paris").unwrap_err().to_string(),
        "unknown time zone europe/paris"
    );
    assert_eq!(
        GoLocation::load("../etc/passwd").unwrap_err().to_string(),
        "time: invalid location name"
    );

    let t = GoTime::from_unix(1_700_000_000, 0);
    let unset = t.in_location(&GoLocation::local_from_tz(None));
    assert_eq!(unset.to_string(), "2023-11-14 22:13:20 +0000 UTC");
    assert_eq!(unset.location().name(), "Local");
    assert_eq!(unset.go_string(), "time.Date(2023, time.November, 14, 22, 13, 20, 0, time.Local)");
    let berlin = t.in_location(&GoLocation::local_from_tz(Some(":Europe/Berlin")));
    assert_eq!(berlin.to_string(), "2023-11-14 23:13:20 +0100 CET");
    assert_eq!(berlin.zone(), ("CET".to_owned(), 3600));
    let bogus = t.in_location(&GoLocation::local_from_tz(Some("Nowhere/Atall")));
    assert_eq!(bogus.to_string(), "2023-11-14 22:13:20 +0000 UTC");
}

#[test]
fn gofmt_parse_into_local() {
    let berlin = GoLocation::local_from_tz(Some("Europe/Berlin"));
    let t =
        GoTime::parse_in_location(layout::RFC3339, "2024-07-01T12:00:00+02:00", &berlin).unwrap();
    assert_eq!(t.location().name(), "Local");
    assert_eq!(t.format(layout::RFC1123), "Mon, 01 Jul 2024 12:00:00 CEST");
    let t =
        GoTime::parse_in_location(layout::RFC3339, "2024-07-01T12:00:00+03:00", &berlin).unwrap();
    assert_eq!(t.to_string(), "2024-07-01 12:00:00 +0300 +0300");
    let t = GoTime::parse_in_location(layout::RFC1123, "Mon, 01 Jul 2024 12:00:00 CEST", &berlin)
        .unwrap();
    assert_eq!(t.unix(), 1_719_828_000);
    let t = GoTime::parse_in_location(layout::RFC1123, "Mon, 01 Jan 2024 12:00:00 CEST", &berlin)
        .unwrap();
    assert_eq!(t.to_string(), "2024-01-01 11:00:00 +0100 CET");
    let err = GoTime::parse(layout::DATE_ONLY, "2024-02-30").unwrap_err();
    assert_eq!(err.to_string(), r#"parsing time "2024-02-30": day out of range"#);
}

#[test]
fn gofmt_arithmetic() {
    let t = GoTime::date(2024, 1, 31, 23, 59, 59, 999_999_999, &GoLocation::utc());
    assert_eq!(t.add_nanos(1).to_string(), "2024-02-01 00:00:00 +0000 UTC");
    assert_eq!(
        GoTime::date(2024, 14, 0, 25, 61, 0, 0, &GoLocation::utc()).to_string(),
        "2025-02-01 02:01:00 +0000 UTC"
    );
    let far = GoTime::from_unix(i64::MAX / 4, 0);
    assert_eq!(far.sub(&GoTime::zero()), GoDuration::from_nanos(i64::MAX));
    assert_eq!(GoTime::zero().sub(&far), GoDuration::from_nanos(i64::MIN));
    assert!(GoTime::zero().before(&t) && t.after(&GoTime::zero()));
    assert!(t.equal(&t.in_zone("Asia/Tokyo").unwrap()));
    assert!(GoTime::default().is_zero());
    assert!(GoTime::zero().in_zone("America/New_York").unwrap().is_zero());
    assert_eq!(GoTime::from_unix_millis(-1).to_string(), "1969-12-31 23:59:59.999 +0000 UTC");
    assert_eq!(GoTime::from_unix_nanos(1).unix_nano(), 1);
}

#[test]
fn gofmt_absurd_inputs_do_not_panic() {
    let utc = GoLocation::utc();
    for v in [i64::MIN, i64::MIN / 2, -1, 0, i64::MAX / 2, i64::MAX] {
        let t = GoTime::date(v, v, v, v, v, v, v, &utc);
        let _ = t.to_string();
        let t = GoTime::from_unix(v, v).in_zone("America/New_York").unwrap();
        let _ = (t.format(layout::RFC3339_NANO), t.go_string(), t.add_nanos(v).to_string());
        let _ = (t.round(GoDuration::from_nanos(v)), t.truncate(GoDuration::from_nanos(v)));
        let _ = sprintf("%*.*f|%[1]*d", &[FmtArg::Int(v), FmtArg::Int(v), FmtArg::Float(v as f64)]);
    }
    let _ = sprintf("%1000000d|%.1000000f", &[FmtArg::Int(1), FmtArg::Float(1.0)]);
}
