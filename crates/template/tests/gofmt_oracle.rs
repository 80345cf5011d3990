//! Differential test of `template::gofmt` against Go itself: every row of
//! `data/gofmt_cases.jsonl` (written by `scripts/oracle/gofmt/regen.sh`) holds the inputs and
//! Go's output of `fmt.Sprintf`, `fmt.Sprint(ln)`, `strconv.FormatFloat` or a `time.Time`
//! method; the Rust output must match byte for byte.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use model::duration::GoDuration;
use serde_json::Value;
use template::gofmt::{FmtArg, GoLocation, GoTime, format_float, sprint, sprintf, sprintln};

const DATA: &str = include_str!("data/gofmt_cases.jsonl");

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn int_of(v: &Value, key: &str) -> i64 {
    match &v[key] {
        Value::String(s) => s.parse().unwrap(),
        n => n.as_i64().unwrap_or_else(|| panic!("{key} missing in {v}")),
    }
}

fn arg(v: &Value) -> FmtArg<'_> {
    let t = str_of(v, "t");
    let a = match t {
        "nil" => FmtArg::Nil,
        "bool" => FmtArg::Bool(v["v"].as_bool().unwrap()),
        "int" => FmtArg::Int(int_of(v, "v")),
        "int64" => {
            FmtArg::Named { type_name: "int64", value: Box::new(FmtArg::Int(int_of(v, "v"))) }
        }
        "uint64" => FmtArg::Uint(str_of(v, "v").parse().unwrap()),
        "float64" => FmtArg::Float(f64::from_bits(str_of(v, "bits").parse().unwrap())),
        "string" => FmtArg::Str(str_of(v, "v")),
        "named" => FmtArg::Named { type_name: str_of(v, "type"), value: Box::new(arg(&v["v"])) },
        "list" => FmtArg::List(v["v"].as_array().unwrap().iter().map(arg).collect()),
        "map" => FmtArg::Map(
            v["v"].as_array().unwrap().iter().map(|e| (arg(&e[0]), arg(&e[1]))).collect(),
        ),
        "struct" => FmtArg::Struct {
            type_name: str_of(v, "type"),
            fields: v["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| (f[0].as_str().unwrap(), arg(&f[1])))
                .collect(),
        },
        "stringer" => {
            FmtArg::Stringer { type_name: str_of(v, "type"), text: str_of(v, "text").to_owned() }
        }
        "stringer_value" => FmtArg::StringerValue {
            type_name: str_of(v, "type"),
            text: str_of(v, "text").to_owned(),
            value: Box::new(arg(&v["v"])),
        },
        "time" => FmtArg::Time(time(&v["v"])),
        "duration" => FmtArg::Duration(GoDuration::from_nanos(int_of(v, "v"))),
        other => panic!("unknown arg type {other}"),
    };
    // Lists and maps: name the Go type exactly when our guess differs.
    if let Some(ty) = v.get("type").and_then(Value::as_str)
        && matches!(t, "list" | "map")
        && a.type_name() != ty
    {
        return FmtArg::Named { type_name: ty, value: Box::new(a) };
    }
    a
}

fn time(v: &Value) -> GoTime {
    let t = GoTime::from_unix(int_of(v, "sec"), int_of(v, "nsec"));
    let loc = if let Some(name) = v.get("fixed_name") {
        GoLocation::fixed(name.as_str().unwrap(), int_of(v, "fixed_off") as i32)
    } else {
        GoLocation::load(str_of(v, "loc")).unwrap()
    };
    t.in_location(&loc)
}

fn args(v: &Value) -> Vec<FmtArg<'_>> {
    v["args"].as_array().unwrap().iter().map(arg).collect()
}

fn parse_result(r: Result<GoTime, template::gofmt::TimeError>) -> String {
    match r {
        Ok(t) => format!("{t} | {}", t.unix()),
        Err(e) => format!("error: {e}"),
    }
}

fn run(row: &Value) -> String {
    match str_of(row, "kind") {
        "sprintf" => sprintf(str_of(row, "format"), &args(row)),
        "sprint" => sprint(&args(row)),
        "sprintln" => sprintln(&args(row)),
        "ftoa" => format_float(
            f64::from_bits(str_of(row, "bits").parse().unwrap()),
            str_of(row, "fmt").as_bytes()[0],
            int_of(row, "prec") as i32,
            int_of(row, "size") as u32,
        ),
        "tfmt" => time(&row["time"]).format(str_of(row, "layout")),
        "tstr" => time(&row["time"]).to_string(),
        "tgostr" => time(&row["time"]).go_string(),
        "tunix" => {
            let t = time(&row["time"]);
            format!(
                "{} {} {} {} {}",
                t.unix(),
                t.unix_milli(),
                t.unix_nano(),
                t.is_zero(),
                t.year_day()
            )
        }
        "tutc" => time(&row["time"]).utc().to_string(),
        "tin" => time(&row["time"]).in_zone(str_of(row, "zone")).unwrap().to_string(),
        "tadd" => time(&row["time"]).add(GoDuration::from_nanos(int_of(row, "dur"))).to_string(),
        "tsub" => {
            let base = GoTime::date(2009, 11, 10, 23, 0, 0, 0, &GoLocation::utc());
            time(&row["time"]).sub(&base).to_string()
        }
        "tparts" => {
            let t = time(&row["time"]);
            let base = GoTime::date(2009, 11, 10, 23, 0, 0, 0, &GoLocation::utc());
            format!(
                "{} {} {} {} {} {} {} {} {} {} {} {}",
                t.year(),
                t.month_name(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.weekday_name(),
                t.year_day(),
                t.unix_micro(),
                t.before(&base),
                t.after(&base),
                t.equal(&base.in_zone("America/New_York").unwrap()),
            )
        }
        "tround" => {
            let t = time(&row["time"]);
            let d = GoDuration::from_nanos(int_of(row, "dur"));
            format!("{} | {}", t.round(d), t.truncate(d))
        }
        "tparse" => parse_result(GoTime::parse_in_location(
            str_of(row, "layout"),
            str_of(row, "value"),
            &GoLocation::utc(),
        )),
        "tparse_ny" => parse_result(GoTime::parse_in_location(
            str_of(row, "layout"),
            str_of(row, "value"),
            &GoLocation::load("America/New_York").unwrap(),
        )),
        other => panic!("unknown row kind {other}"),
    }
}

#[test]
fn gofmt_matches_go() {
    let mut total: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (n, line) in DATA.lines().enumerate() {
        let row: Value = serde_json::from_str(line).unwrap();
        let want = str_of(&row, "out");
        let got = run(&row);
        let e = total.entry(str_of(&row, "kind").to_owned()).or_default();
        e.0 += 1;
        if got == want {
            e.1 += 1;
        } else {
            failures.push(format!("line {}: {line}\n   got: {got:?}\n  want: {want:?}", n + 1));
        }
    }
    for (kind, (rows, passed)) in &total {
        eprintln!("{kind:>10}: {passed}/{rows}");
    }
    for f in failures.iter().take(60) {
        eprintln!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows differ from Go",
        failures.len(),
        DATA.lines().count()
    );
}
