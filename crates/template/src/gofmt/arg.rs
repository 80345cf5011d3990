//! [`FmtArg`]: a Go value as `fmt` sees it (its kind, its type name, its `String()` method).

use std::borrow::Cow;

use model::duration::GoDuration;

use super::time::GoTime;

/// A Go value passed to `fmt.Sprintf` and friends.
///
/// The variant decides how `fmt` prints it; the type name (`%T`, and the `%!d(string=x)` error
/// forms) is Go's name for the variant: `int`, `uint64`, `float64`, `string`, `bool`, and for
/// lists and maps a name guessed from the elements (`[]string` when every element is a string,
/// `[]interface {}` otherwise; `map[string]string`, `map[string]int`, `map[string]interface {}`).
/// [`FmtArg::Named`] gives any value an exact type name.
#[derive(Debug, Clone)]
pub enum FmtArg<'a> {
    /// Go's nil interface: `%v` prints `<nil>`.
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int` (template integer constants are `int`).
    Int(i64),
    /// `uint64`.
    Uint(u64),
    /// `float64`.
    Float(f64),
    /// `string`.
    Str(&'a str),
    /// A slice: `%v` prints `[a b c]`, with the verb applied to each element.
    List(Vec<FmtArg<'a>>),
    /// A map, entries already in Go's printing order (sorted keys): `map[a:1 b:2]`.
    Map(Vec<(FmtArg<'a>, FmtArg<'a>)>),
    /// A value whose `String()` method gives `text`: `%v %s` print it, `%q` quotes it, `%x`
    /// hex-encodes it, `%T` prints `type_name`.
    Stringer {
        /// Go type name, e.g. `model.LabelName`.
        type_name: &'a str,
        /// What `String()` returns.
        text: String,
    },
    /// A value with a `String()` method whose underlying value is known as well: the verbs that
    /// call `String()` (`%v %s %q %x %X`) print `text`; other verbs and `%#v` print `value` under
    /// `type_name`, as Go does (`%d` of a `String()`-er struct prints its fields).
    StringerValue {
        /// Go type name, e.g. `template.KV`.
        type_name: &'a str,
        /// What `String()` returns.
        text: String,
        /// The underlying value (a struct, map, string, ...).
        value: Box<FmtArg<'a>>,
    },
    /// A struct: `%v` prints `{1 2}`, `%+v` `{A:1 B:2}`, `%#v` `main.T{A:1, B:2}`.
    Struct {
        /// Go type name, e.g. `template.Alert`.
        type_name: &'a str,
        /// Field names and values, in declaration order.
        fields: Vec<(&'a str, FmtArg<'a>)>,
    },
    /// A `time.Time`: prints as Go's `Time.String()`.
    Time(GoTime),
    /// A `time.Duration`: `%v` prints `1m30s`, `%d` prints nanoseconds.
    Duration(GoDuration),
    /// `value` under a named Go type (`template.KV`, `model.LabelValue`, `[]interface {}`):
    /// prints as `value` does, but `%T`, `%#v` and the error forms use `type_name`.
    Named {
        /// Go type name.
        type_name: &'a str,
        /// The underlying value.
        value: Box<FmtArg<'a>>,
    },
}

impl<'a> FmtArg<'a> {
    /// Go's type name for this value, as `%T` prints it.
    pub fn type_name(&self) -> Cow<'a, str> {
        match self {
            FmtArg::Nil => Cow::Borrowed("<nil>"),
            FmtArg::Bool(_) => Cow::Borrowed("bool"),
            FmtArg::Int(_) => Cow::Borrowed("int"),
            FmtArg::Uint(_) => Cow::Borrowed("uint64"),
            FmtArg::Float(_) => Cow::Borrowed("float64"),
            FmtArg::Str(_) => Cow::Borrowed("string"),
            FmtArg::List(items) => {
                let elem = common_elem_type(items.iter());
                Cow::Owned(format!("[]{elem}"))
            }
            FmtArg::Map(entries) => {
                let k = common_elem_type(entries.iter().map(|(k, _)| k));
                let v = common_elem_type(entries.iter().map(|(_, v)| v));
                Cow::Owned(format!("map[{k}]{v}"))
            }
            FmtArg::Stringer { type_name, .. }
            | FmtArg::StringerValue { type_name, .. }
            | FmtArg::Struct { type_name, .. }
            | FmtArg::Named { type_name, .. } => Cow::Borrowed(type_name),
            FmtArg::Time(_) => Cow::Borrowed("time.Time"),
            FmtArg::Duration(_) => Cow::Borrowed("time.Duration"),
        }
    }

    /// Whether Go's `reflect.Kind` of the value is `String` (what `fmt.Sprint` looks at).
    pub(crate) fn is_string_kind(&self) -> bool {
        match self {
            FmtArg::Str(_) => true,
            FmtArg::Named { value, .. } | FmtArg::StringerValue { value, .. } => {
                value.is_string_kind()
            }
            _ => false,
        }
    }
}

/// The element type of a slice or map built from these values: the shared scalar type name if
/// all have one, else `interface {}`.
fn common_elem_type<'x, 'a: 'x>(mut items: impl Iterator<Item = &'x FmtArg<'a>>) -> Cow<'a, str> {
    let Some(first) = items.next() else {
        return Cow::Borrowed("interface {}");
    };
    let scalar = |a: &FmtArg<'a>| -> Option<Cow<'a, str>> {
        match a {
            FmtArg::Nil | FmtArg::List(_) | FmtArg::Map(_) => None,
            other => Some(other.type_name()),
        }
    };
    let Some(name) = scalar(first) else {
        return Cow::Borrowed("interface {}");
    };
    for it in items {
        if scalar(it).as_deref() != Some(&*name) {
            return Cow::Borrowed("interface {}");
        }
    }
    name
}

impl From<bool> for FmtArg<'_> {
    fn from(v: bool) -> Self {
        FmtArg::Bool(v)
    }
}

impl From<i64> for FmtArg<'_> {
    fn from(v: i64) -> Self {
        FmtArg::Int(v)
    }
}

impl From<u64> for FmtArg<'_> {
    fn from(v: u64) -> Self {
        FmtArg::Uint(v)
    }
}

impl From<f64> for FmtArg<'_> {
    fn from(v: f64) -> Self {
        FmtArg::Float(v)
    }
}

impl<'a> From<&'a str> for FmtArg<'a> {
    fn from(v: &'a str) -> Self {
        FmtArg::Str(v)
    }
}

impl From<GoTime> for FmtArg<'_> {
    fn from(v: GoTime) -> Self {
        FmtArg::Time(v)
    }
}

impl From<GoDuration> for FmtArg<'_> {
    fn from(v: GoDuration) -> Self {
        FmtArg::Duration(v)
    }
}
