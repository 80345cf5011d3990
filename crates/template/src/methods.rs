//! Methods of the Go standard types that [`Value`] models directly: `time.Time` and
//! `time.Duration`.

use model::duration::GoDuration;

use crate::funcs::{ArgType, Func, Signature};
use crate::value::Value;

/// The method `name` of `v`, bound to it, if `v`'s type has one.
pub(crate) fn method(v: &Value, name: &str) -> Option<Func> {
    match v {
        Value::Time(t) => time_method(t.clone(), name),
        Value::Duration(d) => duration_method(*d, name),
        _ => None,
    }
}

fn time_arg(a: &[Value]) -> Option<&crate::gofmt::GoTime> {
    match a.first() {
        Some(Value::Time(t)) => Some(t),
        _ => None,
    }
}

fn time_method(t: crate::gofmt::GoTime, name: &str) -> Option<Func> {
    let none = Signature::fixed(&[]);
    let one_time = Signature::fixed(&[ArgType::Time]);
    let f = match name {
        "Format" => Func::new(Signature::fixed(&[ArgType::String]), move |a| {
            Ok(Value::from(t.format(a[0].as_str().unwrap_or(""))))
        }),
        "String" => Func::new(none, move |_| Ok(Value::from(t.to_string()))),
        "Unix" => Func::new(none, move |_| Ok(Value::int64(t.unix()))),
        "UnixMilli" => Func::new(none, move |_| Ok(Value::int64(t.unix_milli()))),
        "UnixNano" => Func::new(none, move |_| Ok(Value::int64(t.unix_nano()))),
        "UTC" => Func::new(none, move |_| Ok(Value::Time(t.utc()))),
        "Local" => Func::new(none, move |_| Ok(Value::Time(t.local()))),
        "IsZero" => Func::new(none, move |_| Ok(Value::Bool(t.is_zero()))),
        "Year" => Func::new(none, move |_| Ok(Value::Int(t.ymd().0))),
        "Day" => Func::new(none, move |_| Ok(Value::Int(i64::from(t.ymd().2)))),
        "Hour" => Func::new(none, move |_| Ok(Value::Int(i64::from(t.clock().0)))),
        "Minute" => Func::new(none, move |_| Ok(Value::Int(i64::from(t.clock().1)))),
        "Second" => Func::new(none, move |_| Ok(Value::Int(i64::from(t.clock().2)))),
        "Nanosecond" => Func::new(none, move |_| Ok(Value::Int(i64::from(t.nanosecond())))),
        "YearDay" => Func::new(none, move |_| Ok(Value::Int(i64::from(t.year_day())))),
        "Add" => Func::new(Signature::fixed(&[ArgType::Duration]), move |a| match a.first() {
            Some(Value::Duration(d)) => Ok(Value::Time(t.add(*d))),
            _ => Err("Add needs a time.Duration".into()),
        }),
        "Sub" => Func::new(one_time, move |a| match time_arg(a) {
            Some(u) => Ok(Value::Duration(t.sub(u))),
            None => Err("Sub needs a time.Time".into()),
        }),
        "Before" | "After" | "Equal" => {
            let which = name.to_string();
            Func::new(one_time, move |a| {
                let u = time_arg(a).ok_or("needs a time.Time")?;
                Ok(Value::Bool(match which.as_str() {
                    "Before" => t.before(u),
                    "After" => t.after(u),
                    _ => t.equal(u),
                }))
            })
        }
        _ => return None,
    };
    Some(f)
}

fn duration_method(d: GoDuration, name: &str) -> Option<Func> {
    let none = Signature::fixed(&[]);
    let ns = d.as_nanos();
    let f = match name {
        "String" => Func::new(none, move |_| Ok(Value::from(d.to_string()))),
        "Seconds" => Func::new(none, move |_| Ok(Value::Float(d.as_secs_f64()))),
        "Minutes" => Func::new(none, move |_| {
            Ok(Value::Float((ns / 60_000_000_000) as f64 + (ns % 60_000_000_000) as f64 / 6e10))
        }),
        "Hours" => Func::new(none, move |_| {
            Ok(Value::Float(
                (ns / 3_600_000_000_000) as f64 + (ns % 3_600_000_000_000) as f64 / 3.6e12,
            ))
        }),
        "Milliseconds" => Func::new(none, move |_| Ok(Value::int64(ns / 1_000_000))),
        "Microseconds" => Func::new(none, move |_| Ok(Value::int64(ns / 1_000))),
        "Nanoseconds" => Func::new(none, move |_| Ok(Value::int64(ns))),
        _ => return None,
    };
    Some(f)
}
