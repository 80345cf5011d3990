//! `label_replace` and `label_join`. Both keep every sample (histograms too) and its metric
//! name, and fail when two results end up with the same labels.

use std::cell::RefCell;
use std::collections::HashSet;

use model::labels::{Labels, METRIC_NAME};
use model::regex::{Anchoring, GoRegex};

use super::util::{string_arg, vector_arg};
use super::{StepCall, StepOutput};
use crate::engine::QueryError;
use crate::value::{Annotations, Sample};

type Out = Result<StepOutput, QueryError>;

/// Prometheus 3's label-name rule (UTF-8 names): any non-empty valid UTF-8 string. Our strings
/// are UTF-8; a query string holding bytes that are not (`"\xff"`) reaches us with each such
/// byte as U+FFFD (see parse/lexer.rs), so U+FFFD stands for "not valid UTF-8" here.
pub(crate) fn valid_label_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::REPLACEMENT_CHARACTER)
}

/// How many compiled `label_replace` patterns each thread keeps.
const REGEX_CACHE_SIZE: usize = 16;

thread_local! {
    /// Recently compiled patterns, newest last: `label_replace` runs once per step with the
    /// same pattern, and compiling it every time would dominate a long range query.
    static REGEX_CACHE: RefCell<Vec<(String, GoRegex)>> = const { RefCell::new(Vec::new()) };
}

/// `pattern` compiled with Prometheus' anchoring, or `None` when it is invalid.
fn compiled(pattern: &str) -> Option<GoRegex> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(i) = cache.iter().position(|(p, _)| p == pattern) {
            let hit = cache.remove(i);
            let re = hit.1.clone();
            cache.push(hit);
            return Some(re);
        }
        let re = GoRegex::new(pattern, Anchoring::Prometheus).ok()?;
        if cache.len() >= REGEX_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((pattern.to_string(), re.clone()));
        Some(re)
    })
}

/// `label_replace(v, dst, replacement, src, regex)`: where the anchored regex matches the
/// value of `src` (`""` when absent), `dst` is set to the replacement with `$1`, `${name}`
/// expanded as Go's `Regexp.Expand`; an empty result deletes `dst`.
pub(super) fn label_replace(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    const NAME: &str = "label_replace";
    let input = vector_arg(call, NAME, 0)?;
    let dst = string_arg(call, NAME, 1)?;
    let replacement = string_arg(call, NAME, 2)?;
    let src = string_arg(call, NAME, 3)?;
    let pattern = string_arg(call, NAME, 4)?;

    let re = compiled(pattern).ok_or_else(|| {
        QueryError::Execution(format!("invalid regular expression in label_replace(): {pattern}"))
    })?;
    if !valid_label_name(dst) {
        return Err(QueryError::Execution(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }

    let mut out = Vec::with_capacity(input.len());
    let mut value = String::new();
    for s in input {
        let src_value = s.metric.get_or_empty(src);
        let Some(caps) = re.regex().captures(src_value) else {
            out.push(s.clone());
            continue;
        };
        value.clear();
        re.expand(&caps, replacement, &mut value);
        out.push(relabelled(s, dst, &value));
    }
    check_unique(&out)?;
    Ok(StepOutput::Vector(out))
}

/// `label_join(v, dst, separator, src...)`: `dst` set to the values of the `src` labels
/// (`""` when absent) joined by the separator; an empty result deletes `dst`.
pub(super) fn label_join(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    const NAME: &str = "label_join";
    let input = vector_arg(call, NAME, 0)?;
    let dst = string_arg(call, NAME, 1)?;
    let sep = string_arg(call, NAME, 2)?;
    let mut srcs = Vec::with_capacity(call.args.len().saturating_sub(3));
    for i in 3..call.args.len() {
        let src = string_arg(call, NAME, i)?;
        if !valid_label_name(src) {
            return Err(QueryError::Execution(format!(
                "invalid source label name in label_join(): {src}"
            )));
        }
        srcs.push(src);
    }
    if !valid_label_name(dst) {
        return Err(QueryError::Execution(format!(
            "invalid destination label name in label_join(): {dst}"
        )));
    }

    let mut out = Vec::with_capacity(input.len());
    let mut value = String::new();
    for s in input {
        value.clear();
        for (i, src) in srcs.iter().enumerate() {
            if i > 0 {
                value.push_str(sep);
            }
            value.push_str(s.metric.get_or_empty(src));
        }
        out.push(relabelled(s, dst, &value));
    }
    check_unique(&out)?;
    Ok(StepOutput::Vector(out))
}

/// `s` with `dst` set to `value` (deleted when empty). Setting `__name__` explicitly keeps the
/// name even where an earlier step meant to drop it.
fn relabelled(s: &Sample, dst: &str, value: &str) -> Sample {
    let mut b = s.metric.builder();
    b.set(dst, value);
    let metric: Labels = b.labels();
    let drop_name = if dst == METRIC_NAME { false } else { s.drop_name };
    Sample { metric, t: s.t, f: s.f, h: s.h.clone(), drop_name }
}

/// Prometheus refuses a vector with two identical label sets.
fn check_unique(out: &[Sample]) -> Result<(), QueryError> {
    if out.len() < 2 {
        return Ok(());
    }
    let mut seen = HashSet::with_capacity(out.len());
    for s in out {
        if !seen.insert(&s.metric) {
            return Err(QueryError::Execution(
                "vector cannot contain metrics with the same labelset".into(),
            ));
        }
    }
    Ok(())
}
