//! Printing values as Go's `fmt` does: [`Value`] to the `gofmt` module's `FmtArg`.
//!
//! Objects can produce values on the fly (fields, underlying maps), while `FmtArg` borrows its
//! strings, so a value is first copied into an owned [`Printable`] tree and `FmtArg`s borrow
//! from that.

use std::sync::Arc;

use model::duration::GoDuration;

use crate::gofmt::{self, FmtArg, GoTime};
use crate::value::Value;

/// An owned snapshot of a value, shaped as `fmt` sees it.
#[derive(Debug)]
pub(crate) enum Printable {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(Arc<str>),
    List { type_name: String, items: Vec<Printable> },
    Map { type_name: String, entries: Vec<(Printable, Printable)> },
    Stringer { type_name: String, text: String },
    Struct { type_name: String, fields: Vec<(String, Printable)> },
    Named { type_name: String, value: Box<Printable> },
    Time(GoTime),
    Duration(GoDuration),
}

/// Deep structures are cut off here so that printing a self-referencing object cannot recurse
/// forever.
const MAX_PRINT_DEPTH: usize = 64;

pub(crate) fn printable(v: &Value) -> Printable {
    printable_at(v, 0)
}

fn printable_at(v: &Value, depth: usize) -> Printable {
    if depth > MAX_PRINT_DEPTH {
        return Printable::Str(Arc::from("..."));
    }
    match v {
        Value::Nil => Printable::Nil,
        Value::Bool(b) => Printable::Bool(*b),
        Value::Int(i) => Printable::Int(*i),
        Value::Uint(u) => Printable::Uint(*u),
        Value::Float(f) => Printable::Float(*f),
        Value::String(s) => Printable::Str(s.clone()),
        Value::List(l) => Printable::List {
            type_name: v.type_name(),
            items: l.items.iter().map(|x| printable_at(x, depth + 1)).collect(),
        },
        Value::Map(m) => Printable::Map {
            type_name: v.type_name(),
            entries: m
                .entries
                .iter()
                .map(|(k, x)| (Printable::Str(Arc::from(k.as_str())), printable_at(x, depth + 1)))
                .collect(),
        },
        Value::Object(o) => {
            let type_name = o.type_name().to_string();
            if let Some(text) = o.display() {
                return Printable::Stringer { type_name, text };
            }
            if let Some(u) = o.underlying() {
                return Printable::Named {
                    type_name,
                    value: Box::new(printable_at(&u, depth + 1)),
                };
            }
            let fields = o
                .fields()
                .into_iter()
                .map(|(k, x)| (k.to_string(), printable_at(&x, depth + 1)))
                .collect();
            Printable::Struct { type_name, fields }
        }
        Value::Time(t) => Printable::Time(t.clone()),
        Value::Duration(d) => Printable::Duration(*d),
        Value::Func(f) => Printable::Stringer { type_name: f.type_name(), text: "<func>".into() },
    }
}

pub(crate) fn fmt_arg(p: &Printable) -> FmtArg<'_> {
    match p {
        Printable::Nil => FmtArg::Nil,
        Printable::Bool(b) => FmtArg::Bool(*b),
        Printable::Int(i) => FmtArg::Int(*i),
        Printable::Uint(u) => FmtArg::Uint(*u),
        Printable::Float(f) => FmtArg::Float(*f),
        Printable::Str(s) => FmtArg::Str(s),
        Printable::List { type_name, items } => FmtArg::Named {
            type_name,
            value: Box::new(FmtArg::List(items.iter().map(fmt_arg).collect())),
        },
        Printable::Map { type_name, entries } => FmtArg::Named {
            type_name,
            value: Box::new(FmtArg::Map(
                entries.iter().map(|(k, v)| (fmt_arg(k), fmt_arg(v))).collect(),
            )),
        },
        Printable::Stringer { type_name, text } => {
            FmtArg::Stringer { type_name, text: text.clone() }
        }
        Printable::Struct { type_name, fields } => FmtArg::Struct {
            type_name,
            fields: fields.iter().map(|(k, v)| (k.as_str(), fmt_arg(v))).collect(),
        },
        Printable::Named { type_name, value } => {
            FmtArg::Named { type_name, value: Box::new(fmt_arg(value)) }
        }
        Printable::Time(t) => FmtArg::Time(t.clone()),
        Printable::Duration(d) => FmtArg::Duration(*d),
    }
}

/// `fmt.Sprint(v)`.
pub(crate) fn sprint_value(v: &Value) -> String {
    let p = printable(v);
    gofmt::sprint(&[fmt_arg(&p)])
}

fn with_args<R>(args: &[Value], f: impl FnOnce(&[FmtArg<'_>]) -> R) -> R {
    let ps: Vec<Printable> = args.iter().map(printable).collect();
    let fa: Vec<FmtArg<'_>> = ps.iter().map(fmt_arg).collect();
    f(&fa)
}

/// `fmt.Sprint(args...)`.
pub(crate) fn sprint(args: &[Value]) -> String {
    with_args(args, gofmt::sprint)
}

/// `fmt.Sprintln(args...)`.
pub(crate) fn sprintln(args: &[Value]) -> String {
    with_args(args, gofmt::sprintln)
}

/// `fmt.Sprintf(format, args...)`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    with_args(args, |a| gofmt::sprintf(format, a))
}
