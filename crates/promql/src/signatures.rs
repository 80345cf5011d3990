//! Function signatures: argument and return types, as the parser's type checker and the
//! engine see them. The implementations live in `functions/`.
//!
//! The table is Prometheus 3.14's function list (upstream `promql/parser/functions.go`): every
//! stable and experimental function, with the same argument types and variadic counts.

use crate::ast::ValueType;

/// A PromQL function's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub name: &'static str,
    /// Argument types in order.
    pub args: &'static [ValueType],
    /// -1: the last argument may repeat without limit; 0: fixed; n > 0: up to n optional
    /// trailing arguments may be left out.
    pub variadic: i32,
    pub ret: ValueType,
    /// Needs `--enable-feature=promql-experimental-functions`.
    pub experimental: bool,
}

impl Signature {
    /// The fewest arguments a call may have.
    pub fn min_args(&self) -> usize {
        if self.variadic == 0 { self.args.len() } else { self.args.len().saturating_sub(1) }
    }

    /// The most arguments a call may have (`None`: unbounded).
    pub fn max_args(&self) -> Option<usize> {
        match self.variadic {
            0 => Some(self.args.len()),
            v if v < 0 => None,
            v => Some(self.args.len().saturating_sub(1) + v as usize),
        }
    }

    /// The type argument `i` must have (the last declared type repeats for variadic calls).
    pub fn arg_type(&self, i: usize) -> Option<ValueType> {
        self.args
            .get(i)
            .or_else(|| if self.variadic != 0 { self.args.last() } else { None })
            .copied()
    }
}

use ValueType::{Matrix as M, Scalar as S, String as Str, Vector as V};

const fn sig(
    name: &'static str,
    args: &'static [ValueType],
    variadic: i32,
    ret: ValueType,
    experimental: bool,
) -> Signature {
    Signature { name, args, variadic, ret, experimental }
}

/// Every function klaxon knows, stable and experimental, sorted by name.
pub static SIGNATURES: &[Signature] = &[
    sig("abs", &[V], 0, V, false),
    sig("absent", &[V], 0, V, false),
    sig("absent_over_time", &[M], 0, V, false),
    sig("acos", &[V], 0, V, false),
    sig("acosh", &[V], 0, V, false),
    sig("asin", &[V], 0, V, false),
    sig("asinh", &[V], 0, V, false),
    sig("atan", &[V], 0, V, false),
    sig("atanh", &[V], 0, V, false),
    sig("avg_over_time", &[M], 0, V, false),
    sig("ceil", &[V], 0, V, false),
    sig("changes", &[M], 0, V, false),
    sig("clamp", &[V, S, S], 0, V, false),
    sig("clamp_max", &[V, S], 0, V, false),
    sig("clamp_min", &[V, S], 0, V, false),
    sig("cos", &[V], 0, V, false),
    sig("cosh", &[V], 0, V, false),
    sig("count_over_time", &[M], 0, V, false),
    sig("day_of_month", &[V], 1, V, false),
    sig("day_of_week", &[V], 1, V, false),
    sig("day_of_year", &[V], 1, V, false),
    sig("days_in_month", &[V], 1, V, false),
    sig("deg", &[V], 0, V, false),
    sig("delta", &[M], 0, V, false),
    sig("deriv", &[M], 0, V, false),
    sig("double_exponential_smoothing", &[M, S, S], 0, V, true),
    sig("end", &[], 0, S, true),
    sig("exp", &[V], 0, V, false),
    sig("first_over_time", &[M], 0, V, false),
    sig("floor", &[V], 0, V, false),
    sig("histogram_avg", &[V], 0, V, false),
    sig("histogram_count", &[V], 0, V, false),
    sig("histogram_fraction", &[S, S, V], 0, V, false),
    sig("histogram_quantile", &[S, V], 0, V, false),
    sig("histogram_quantiles", &[V, Str, S, S], 9, V, true),
    sig("histogram_stddev", &[V], 0, V, false),
    sig("histogram_stdvar", &[V], 0, V, false),
    sig("histogram_sum", &[V], 0, V, false),
    sig("hour", &[V], 1, V, false),
    sig("idelta", &[M], 0, V, false),
    sig("increase", &[M], 0, V, false),
    sig("info", &[V, V], 1, V, true),
    sig("irate", &[M], 0, V, false),
    sig("label_join", &[V, Str, Str, Str], -1, V, false),
    sig("label_replace", &[V, Str, Str, Str, Str], 0, V, false),
    sig("last_over_time", &[M], 0, V, false),
    sig("ln", &[V], 0, V, false),
    sig("log10", &[V], 0, V, false),
    sig("log2", &[V], 0, V, false),
    sig("mad_over_time", &[M], 0, V, true),
    sig("max_of", &[S, S], 0, S, true),
    sig("max_over_time", &[M], 0, V, false),
    sig("min_of", &[S, S], 0, S, true),
    sig("min_over_time", &[M], 0, V, false),
    sig("minute", &[V], 1, V, false),
    sig("month", &[V], 1, V, false),
    sig("pi", &[], 0, S, false),
    sig("predict_linear", &[M, S], 0, V, false),
    sig("present_over_time", &[M], 0, V, false),
    sig("quantile_over_time", &[S, M], 0, V, false),
    sig("rad", &[V], 0, V, false),
    sig("range", &[], 0, S, true),
    sig("rate", &[M], 0, V, false),
    sig("resets", &[M], 0, V, false),
    sig("round", &[V, S], 1, V, false),
    sig("scalar", &[V], 0, S, false),
    sig("sgn", &[V], 0, V, false),
    sig("sin", &[V], 0, V, false),
    sig("sinh", &[V], 0, V, false),
    sig("sort", &[V], 0, V, false),
    sig("sort_by_label", &[V, Str], -1, V, true),
    sig("sort_by_label_desc", &[V, Str], -1, V, true),
    sig("sort_desc", &[V], 0, V, false),
    sig("sqrt", &[V], 0, V, false),
    sig("start", &[], 0, S, true),
    sig("start_timestamp", &[V], 0, V, true),
    sig("stddev_over_time", &[M], 0, V, false),
    sig("stdvar_over_time", &[M], 0, V, false),
    sig("step", &[], 0, S, true),
    sig("sum_over_time", &[M], 0, V, false),
    sig("tan", &[V], 0, V, false),
    sig("tanh", &[V], 0, V, false),
    sig("time", &[], 0, S, false),
    sig("timestamp", &[V], 0, V, false),
    sig("ts_of_first_over_time", &[M], 0, V, true),
    sig("ts_of_last_over_time", &[M], 0, V, true),
    sig("ts_of_max_over_time", &[M], 0, V, true),
    sig("ts_of_min_over_time", &[M], 0, V, true),
    sig("vector", &[S], 0, V, false),
    sig("year", &[V], 1, V, false),
];

/// The signature of function `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static Signature> {
    SIGNATURES.binary_search_by(|s| s.name.cmp(name)).ok().map(|i| &SIGNATURES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(SIGNATURES.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn lookup_finds_stable_and_experimental_functions() {
        let rate = lookup("rate").unwrap();
        assert_eq!(rate.args, &[ValueType::Matrix]);
        assert!(!rate.experimental);
        let lj = lookup("label_join").unwrap();
        assert_eq!((lj.min_args(), lj.max_args()), (3, None));
        assert_eq!(lj.arg_type(7), Some(ValueType::String));
        let round = lookup("round").unwrap();
        assert_eq!((round.min_args(), round.max_args()), (1, Some(2)));
        let hq = lookup("histogram_quantiles").unwrap();
        assert!(hq.experimental);
        assert_eq!((hq.min_args(), hq.max_args()), (3, Some(12)));
        assert_eq!(lookup("time").unwrap().ret, ValueType::Scalar);
        assert!(lookup("holt_winters").is_none());
        assert!(lookup("integral").is_none());
        assert_eq!(SIGNATURES.len(), 90);
    }
}
