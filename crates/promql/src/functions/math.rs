//! Element-wise math on instant vectors. Every result loses its metric name (flagged with
//! `drop_name`); native histograms are skipped.

use super::util::{go_max, go_min, map_floats, scalar_arg, vector_arg};
use super::{StepCall, StepOutput};
use crate::engine::QueryError;
use crate::value::Annotations;

type Out = Result<StepOutput, QueryError>;

/// Applies `f` to the floats of the first argument.
fn simple(call: &StepCall<'_>, name: &str, f: impl Fn(f64) -> f64) -> Out {
    let input = vector_arg(call, name, 0)?;
    Ok(StepOutput::Vector(map_floats(input, call.t, f)))
}

macro_rules! simple_fns {
    ($($name:ident => $f:expr),* $(,)?) => {
        $(
            pub(super) fn $name(call: &StepCall<'_>, _: &mut Annotations) -> Out {
                simple(call, stringify!($name), $f)
            }
        )*
    };
}

simple_fns! {
    abs => f64::abs,
    ceil => f64::ceil,
    floor => f64::floor,
    exp => f64::exp,
    sqrt => f64::sqrt,
    ln => f64::ln,
    log2 => f64::log2,
    log10 => f64::log10,
    sin => f64::sin,
    cos => f64::cos,
    tan => f64::tan,
    asin => f64::asin,
    acos => f64::acos,
    atan => f64::atan,
    sinh => f64::sinh,
    cosh => f64::cosh,
    tanh => f64::tanh,
    asinh => f64::asinh,
    acosh => f64::acosh,
    atanh => f64::atanh,
    // Multiply first, as Prometheus does, for the same rounding.
    deg => |v: f64| v * 180.0 / std::f64::consts::PI,
    rad => |v: f64| v * std::f64::consts::PI / 180.0,
    // Zeros and NaN are their own sign.
    sgn => |v: f64| if v < 0.0 { -1.0 } else if v > 0.0 { 1.0 } else { v },
}

/// `round(v, to_nearest=1)`: ties go up (`floor(v/n + 0.5)·n`), computed with 1/n as
/// Prometheus does because it rounds better.
pub(super) fn round(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let to_nearest = if call.args.len() >= 2 { scalar_arg(call, "round", 1)? } else { 1.0 };
    let inverse = 1.0 / to_nearest;
    simple(call, "round", |f| (f * inverse + 0.5).floor() / inverse)
}

/// `clamp(v, min, max)`: nothing when max < min; NaN bounds give NaN (Go's `math.Max` and
/// `math.Min`).
pub(super) fn clamp(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let lo = scalar_arg(call, "clamp", 1)?;
    let hi = scalar_arg(call, "clamp", 2)?;
    clamp_between(call, "clamp", lo, hi)
}

pub(super) fn clamp_min(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let lo = scalar_arg(call, "clamp_min", 1)?;
    clamp_between(call, "clamp_min", lo, f64::INFINITY)
}

pub(super) fn clamp_max(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let hi = scalar_arg(call, "clamp_max", 1)?;
    clamp_between(call, "clamp_max", f64::NEG_INFINITY, hi)
}

fn clamp_between(call: &StepCall<'_>, name: &str, lo: f64, hi: f64) -> Out {
    if hi < lo {
        return Ok(StepOutput::Vector(Vec::new()));
    }
    simple(call, name, |f| go_max(lo, go_min(hi, f)))
}
