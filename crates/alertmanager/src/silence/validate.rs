//! Checks on posted silences, with upstream's texts (§5.2), the size estimate behind
//! `--silences.max-silence-size-bytes`, and the compiled-size probe behind the regex budget.

use model::gostr::quote;
use model::matcher::{MatchOp, Matcher, MatcherParseMode, Matchers};
use model::regex::{Anchoring, GoRegex};

use super::{MatcherSpec, Silence};
use crate::alert::{Time, is_zero};

/// The checks `POST /api/v2/silences` makes before handing the silence to [`super::Silences`]
/// (the API prefixes the error with `Failed to create silence: `).
pub fn check_api_times(starts_at: Time, ends_at: Time, now: Time) -> Result<(), String> {
    if starts_at >= ends_at {
        return Err("start time must be before end time".into());
    }
    if ends_at < now {
        return Err("end time can't be in the past".into());
    }
    Ok(())
}

/// Builds the matchers of a posted silence, validating names per `mode` and compiling regexes
/// (anchored, as silences match). Errors are upstream's text after `invalid silence: `.
pub(crate) fn build_matchers(
    specs: &[MatcherSpec],
    mode: MatcherParseMode,
) -> Result<Matchers, String> {
    if specs.is_empty() {
        return Err("at least one matcher set required".into());
    }
    let mut out = Vec::with_capacity(specs.len());
    let mut all_match_empty = true;
    for (i, m) in specs.iter().enumerate() {
        let wrap = |e: String| format!("invalid label matcher {i} in set 0: {e}");
        if !mode.is_valid_label_name(&m.name) {
            return Err(wrap(format!("invalid label name {}", quote(&m.name))));
        }
        if m.is_regex {
            // Probe the size first: refusing a huge pattern must not cost compiling it fully.
            model::regex::translate(&m.value).map_err(|e| {
                wrap(format!("invalid regular expression {}: {}", quote(&m.value), e.message))
            })?;
            regex_charge(&m.value).map_err(wrap)?;
        }
        let op = MatchOp::from_flags(m.is_regex, m.is_equal);
        let matcher = Matcher::alertmanager(op, m.name.clone(), m.value.clone()).map_err(|e| {
            // Upstream validates the pattern as written, so its error quotes that, not the
            // anchored form.
            let msg = GoRegex::new(&m.value, Anchoring::Unanchored).err().unwrap_or(e).message;
            wrap(format!("invalid regular expression {}: {msg}", quote(&m.value)))
        })?;
        all_match_empty &= matcher.matches_empty();
        out.push(matcher);
    }
    if all_match_empty {
        return Err("matcher set 0: at least one matcher must not match the empty string".into());
    }
    Ok(Matchers::from(out))
}

/// The timestamp checks of upstream's `validateSilence`.
pub(crate) fn check_times(starts_at: Time, ends_at: Time) -> Result<(), String> {
    if is_zero(starts_at) {
        return Err("invalid zero start timestamp".into());
    }
    if is_zero(ends_at) {
        return Err("invalid zero end timestamp".into());
    }
    if ends_at < starts_at {
        return Err("end time must not be before start time".into());
    }
    Ok(())
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// A length-delimited protobuf field of `n` payload bytes (tag < 16).
fn field(n: usize) -> usize {
    1 + varint_len(n as u64) + n
}

fn str_field(s: &str) -> usize {
    if s.is_empty() { 0 } else { field(s.len()) }
}

fn timestamp_field(t: Time) -> usize {
    let secs = t.as_second();
    let nanos = t.subsec_nanosecond();
    let mut n = 0;
    if secs != 0 {
        n += 1 + varint_len(secs as u64);
    }
    if nanos != 0 {
        n += 1 + varint_len(nanos as u64);
    }
    field(n)
}

/// The size upstream compares with `--silences.max-silence-size-bytes`: the protobuf encoding
/// of the `MeshSilence` (silence plus expiry), computed field by field.
pub(crate) fn encoded_size(s: &Silence, expires_at: Time) -> usize {
    let matchers: usize = s
        .matchers
        .iter()
        .map(|m| {
            let ty = match m.op() {
                MatchOp::Equal => 0,
                _ => 2,
            };
            field(ty + str_field(m.name()) + str_field(m.value()))
        })
        .sum();
    let annotations: usize =
        s.annotations.iter().map(|(k, v)| field(str_field(k) + str_field(v))).sum();
    let silence = str_field(&s.id)
        + field(matchers)
        + timestamp_field(s.starts_at)
        + timestamp_field(s.ends_at)
        + timestamp_field(s.updated_at)
        + str_field(&s.created_by)
        + str_field(&s.comment)
        + annotations;
    field(silence) + timestamp_field(expires_at)
}

/// Compiled-size steps a silence regex is probed at; the first that fits is what it is
/// charged against the regex budget.
const PROBES: [usize; 4] = [256 << 10, 1 << 20, 4 << 20, 16 << 20];

/// An upper bound on the compiled size of an anchored silence regex (within a factor of 4),
/// or an error when it needs more than the largest probe.
pub(crate) fn regex_charge(pattern: &str) -> Result<usize, String> {
    let rust = model::regex::translate(pattern).map_err(|e| e.message)?;
    let anchored = format!("^(?:{rust})$");
    for limit in PROBES {
        if regex::RegexBuilder::new(&anchored).size_limit(limit).build().is_ok() {
            return Ok(limit);
        }
    }
    Err(format!(
        "regular expression {} needs more than {} MiB compiled (the limit for silences)",
        quote(pattern),
        PROBES[PROBES.len() - 1] >> 20
    ))
}
