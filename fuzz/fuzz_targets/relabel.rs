//! Relabelling: any rule that compiles and validates runs on any label set without panicking,
//! and the builder variant agrees with `relabel`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::labels::{Labels, LabelsBuilder, ValidationScheme};
use model::relabel::{Action, RelabelConfig, compile_regex, relabel, relabel_builder};

const ACTIONS: [Action; 11] = [
    Action::Replace,
    Action::Keep,
    Action::Drop,
    Action::KeepEqual,
    Action::DropEqual,
    Action::HashMod,
    Action::LabelMap,
    Action::LabelDrop,
    Action::LabelKeep,
    Action::Lowercase,
    Action::Uppercase,
];

// Input: action byte, then NUL-separated regex, target, replacement, separator, source labels
// (comma-separated), and label pairs (`name=value`, comma-separated).
fuzz_target!(|data: &[u8]| {
    let Some((&action, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut parts = text.split('\0');
    let mut next = || parts.next().unwrap_or("");
    let (regex, target, replacement, separator, sources, pairs) =
        (next(), next(), next(), next(), next(), next());
    let Ok(regex) = compile_regex(regex) else { return };
    let mut rule = RelabelConfig {
        source_labels: sources.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        separator: separator.to_string(),
        target_label: target.to_string(),
        regex,
        modulus: u64::from(action >> 4) + 1,
        replacement: replacement.to_string(),
        action: ACTIONS[usize::from(action) % ACTIONS.len()],
        ..RelabelConfig::default()
    };
    let scheme = if action & 0x80 != 0 { ValidationScheme::Legacy } else { ValidationScheme::Utf8 };
    if rule.validate(scheme).is_err() {
        return;
    }
    let labels = Labels::from_pairs(pairs.split(',').filter_map(|p| p.split_once('=')));
    let rules = [rule];
    let out = relabel(&labels, &rules);
    let mut b = LabelsBuilder::new(labels);
    let kept = relabel_builder(&mut b, &rules);
    assert_eq!(kept, out.is_some());
    if let Some(out) = out {
        assert_eq!(out, b.labels());
    }
});
