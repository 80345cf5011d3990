//! Applying rules to a label set.

use md5::{Digest, Md5};

use super::{Action, RelabelConfig};
use crate::labels::{Labels, LabelsBuilder};

/// Applies `rules` in order to `labels`: the result, or `None` when a rule dropped the set.
pub fn relabel(labels: &Labels, rules: &[RelabelConfig]) -> Option<Labels> {
    if rules.is_empty() {
        return Some(labels.clone());
    }
    let mut builder = LabelsBuilder::new(labels.clone());
    relabel_builder(&mut builder, rules).then(|| builder.labels())
}

/// Applies `rules` in order to the labels in `builder`; `false` when a rule dropped the set
/// (the builder is then left part-way). For hot paths that reuse one builder.
pub fn relabel_builder(builder: &mut LabelsBuilder, rules: &[RelabelConfig]) -> bool {
    let mut value = String::new();
    rules.iter().all(|rule| apply(rule, builder, &mut value))
}

/// One rule; `value` is scratch space for the joined source values.
fn apply(rule: &RelabelConfig, lb: &mut LabelsBuilder, value: &mut String) -> bool {
    // The common filters on one label (`__name__` in metric relabelling) read it in place.
    if let [source] = rule.source_labels.as_slice()
        && let Some(keep) = filter(rule, lb, lb.get(source))
    {
        return keep;
    }
    value.clear();
    for (i, name) in rule.source_labels.iter().enumerate() {
        if i > 0 {
            value.push_str(&rule.separator);
        }
        value.push_str(lb.get(name));
    }
    let val = value.as_str();
    if let Some(keep) = filter(rule, lb, val) {
        return keep;
    }
    match rule.action {
        Action::Drop | Action::Keep | Action::DropEqual | Action::KeepEqual => {}
        Action::Replace => replace(rule, lb, val),
        Action::Lowercase => {
            lb.set(&rule.target_label, &go_case(val, char::to_lowercase));
        }
        Action::Uppercase => {
            lb.set(&rule.target_label, &go_case(val, char::to_uppercase));
        }
        Action::HashMod => {
            if let Some(m) = hash_mod(val, rule.modulus) {
                lb.set(&rule.target_label, &m.to_string());
            }
        }
        Action::LabelMap => {
            // Read every label first: the new names must not be mapped again in this pass.
            let mut renamed = Vec::new();
            lb.for_each(|l| {
                if rule.regex.is_match(l.name) {
                    let name = rule.regex.replace_all(l.name, &rule.replacement).into_owned();
                    renamed.push((name, l.value.to_owned()));
                }
            });
            for (name, v) in renamed.iter().filter(|(name, _)| !name.is_empty()) {
                lb.set(name, v);
            }
        }
        Action::LabelDrop => {
            lb.retain(|l| !rule.regex.is_match(l.name));
        }
        Action::LabelKeep => {
            lb.retain(|l| rule.regex.is_match(l.name));
        }
    }
    true
}

/// The actions that only decide whether the set stays: `Some(keep)` for those, `None` for
/// the actions that change labels.
fn filter(rule: &RelabelConfig, lb: &LabelsBuilder, val: &str) -> Option<bool> {
    Some(match rule.action {
        Action::Drop => !rule.regex.is_match(val),
        Action::Keep => rule.regex.is_match(val),
        Action::DropEqual => lb.get(&rule.target_label) != val,
        Action::KeepEqual => lb.get(&rule.target_label) == val,
        _ => return None,
    })
}

fn replace(rule: &RelabelConfig, lb: &mut LabelsBuilder, val: &str) {
    let target_has_var = rule.target_label.contains('$');
    // Upstream's fast path: adding a constant label needs no regex run.
    if val.is_empty()
        && rule.has_default_regex()
        && !target_has_var
        && !rule.replacement.contains('$')
    {
        lb.set(&rule.target_label, &rule.replacement);
        return;
    }
    let Some(caps) = rule.regex.regex().captures(val) else {
        return;
    };
    let mut target = String::new();
    let target = if target_has_var {
        rule.regex.expand(&caps, &rule.target_label, &mut target);
        target.as_str()
    } else {
        rule.target_label.as_str()
    };
    if !rule.name_validation_scheme.is_valid_label_name(target) {
        return;
    }
    let mut res = String::new();
    rule.regex.expand(&caps, &rule.replacement, &mut res);
    if res.is_empty() {
        lb.del(target);
    } else {
        lb.set(target, &res);
    }
}

/// Upstream's hash: the last 8 bytes of the MD5 of `val`, big-endian, modulo `modulus`
/// (`None` for a zero modulus, which validation rejects).
pub(super) fn hash_mod(val: &str, modulus: u64) -> Option<u64> {
    let digest = Md5::digest(val.as_bytes());
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&digest[8..16]);
    u64::from_be_bytes(tail).checked_rem(modulus)
}

/// Go's `strings.ToLower` / `ToUpper`: each character maps to one character (Unicode's simple
/// case mapping). Where Rust's full mapping gives several (`ß` → `SS`), Go keeps the character,
/// except `İ`, which Go lowers to `i`.
fn go_case<I: Iterator<Item = char>>(s: &str, map: impl Fn(char) -> I) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mut mapped = map(c);
        match (mapped.next(), mapped.next()) {
            (Some(m), None) => out.push(m),
            (Some('i'), Some(_)) if c == '\u{130}' => out.push('i'),
            _ => out.push(c),
        }
    }
    out
}
