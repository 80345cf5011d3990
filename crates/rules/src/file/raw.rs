//! The rule file as YAML gives it, with positions, before validation. Two copies of the
//! shapes exist: strict (unknown keys are errors, the default) and lenient (promtool's
//! `--ignore-unknown-fields`); the lenient one converts into the strict one.

use std::collections::BTreeMap;

use model::duration::Duration;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

/// A string map whose values may be null (`key:` reads as `""`, as Go's decoder does).
pub(crate) type StrMap = BTreeMap<String, Spanned<Option<String>>>;

/// A value that may be absent, null, or set, with where it is.
pub(crate) type Field<T> = Option<Spanned<Option<T>>>;

/// Reads a list that may be null as empty.
fn null_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(d).map(Option::unwrap_or_default)
}

macro_rules! shapes {
    ($($attr:meta)?) => {
        #[derive(Debug, Default, Deserialize)]
        $(#[$attr])?
        pub(crate) struct File {
            #[serde(default, deserialize_with = "super::null_list")]
            pub(crate) groups: Vec<Spanned<Group>>,
        }

        #[derive(Debug, Deserialize)]
        $(#[$attr])?
        pub(crate) struct Group {
            #[serde(default)]
            pub(crate) name: super::Field<String>,
            #[serde(default)]
            pub(crate) interval: super::Field<Duration>,
            #[serde(default)]
            pub(crate) query_offset: super::Field<Duration>,
            #[serde(default)]
            pub(crate) limit: super::Field<i64>,
            #[serde(default, deserialize_with = "super::null_list")]
            pub(crate) rules: Vec<Spanned<Rule>>,
            #[serde(default)]
            pub(crate) labels: super::Field<super::StrMap>,
        }

        #[derive(Debug, Deserialize)]
        $(#[$attr])?
        pub(crate) struct Rule {
            #[serde(default)]
            pub(crate) record: super::Field<String>,
            #[serde(default)]
            pub(crate) alert: super::Field<String>,
            #[serde(default)]
            pub(crate) expr: super::Field<String>,
            #[serde(default, rename = "for")]
            pub(crate) for_: super::Field<Duration>,
            #[serde(default)]
            pub(crate) keep_firing_for: super::Field<Duration>,
            #[serde(default)]
            pub(crate) labels: super::Field<super::StrMap>,
            #[serde(default)]
            pub(crate) annotations: super::Field<super::StrMap>,
        }
    };
}

/// Unknown keys are errors.
pub(crate) mod strict {
    use super::*;
    shapes!(serde(deny_unknown_fields));
}

/// Unknown keys are ignored.
pub(crate) mod lenient {
    use super::*;
    shapes!();

    fn span<T, U>(s: Spanned<T>, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned { value: f(s.value), referenced: s.referenced, defined: s.defined }
    }

    impl From<File> for strict::File {
        fn from(f: File) -> Self {
            strict::File { groups: f.groups.into_iter().map(|g| span(g, Into::into)).collect() }
        }
    }

    impl From<Group> for strict::Group {
        fn from(g: Group) -> Self {
            strict::Group {
                name: g.name,
                interval: g.interval,
                query_offset: g.query_offset,
                limit: g.limit,
                rules: g.rules.into_iter().map(|r| span(r, Into::into)).collect(),
                labels: g.labels,
            }
        }
    }

    impl From<Rule> for strict::Rule {
        fn from(r: Rule) -> Self {
            strict::Rule {
                record: r.record,
                alert: r.alert,
                expr: r.expr,
                for_: r.for_,
                keep_firing_for: r.keep_firing_for,
                labels: r.labels,
                annotations: r.annotations,
            }
        }
    }
}
