//! Reading and validating a rule file as upstream's `rulefmt` does: strict YAML, then every
//! group and rule checked with all errors collected.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use model::duration::Duration;
use model::labels::ValidationScheme;
use serde_saphyr::{MessageFormatter, Spanned};
use template::prometheus::{AnnotationData, Expander, FuncContext};

use super::error::{RuleFileError, RuleRef};
use super::raw::{self, Field, StrMap};
use super::{GroupSpec, ParseOptions, Position, RuleFile, RuleSpec, position};
use crate::seams::RuleQuery;

/// The warning upstream logs for a file with more than one YAML document.
pub(crate) const MULTI_DOC_WARNING: &str =
    "Multiple document yaml rules files are not supported, only the first document is processed";

pub(crate) fn parse(
    text: &str,
    file: &str,
    opts: ParseOptions,
) -> Result<RuleFile, Vec<RuleFileError>> {
    let (doc, more) = position::first_document(text);
    let parsed = decode(doc, opts.ignore_unknown_fields).map_err(|(pos, msg)| {
        let mut e = RuleFileError::file(file, msg);
        e.position = pos;
        vec![e]
    })?;
    let mut v = Validator { src: doc, file, scheme: opts.scheme, errors: Vec::new() };
    let groups = v.groups(parsed.groups);
    if !v.errors.is_empty() {
        return Err(v.errors);
    }
    let warnings = if more { vec![MULTI_DOC_WARNING.to_owned()] } else { Vec::new() };
    Ok(RuleFile { file: file.to_owned(), groups, warnings })
}

type DecodeError = (Option<Position>, String);

fn decode(doc: &str, lenient: bool) -> Result<raw::strict::File, DecodeError> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let res = if lenient {
        serde_saphyr::from_str_with_options::<Option<raw::lenient::File>>(doc, options)
            .map(|f| f.map(Into::into))
    } else {
        serde_saphyr::from_str_with_options::<Option<raw::strict::File>>(doc, options)
    };
    res.map(Option::unwrap_or_default).map_err(|e| {
        let e = e.without_snippet();
        let pos = e.location().and_then(position::of);
        (pos, yaml_words(&serde_saphyr::UserMessageFormatter.format_message(e)))
    })
}

/// serde-saphyr's message, with the list of expected keys after an unknown one dropped
/// (`unknown field `foo``).
fn yaml_words(msg: &str) -> String {
    match msg.split_once("`, expected ") {
        Some((head, _)) if head.starts_with("unknown field `") => format!("{head}`"),
        _ => msg.to_owned(),
    }
}

struct Validator<'a> {
    src: &'a str,
    file: &'a str,
    scheme: ValidationScheme,
    errors: Vec<RuleFileError>,
}

/// A string field's value ("" when absent or null) and where it is.
fn text(f: &Field<String>) -> (&str, Option<Position>) {
    match f {
        Some(s) => (s.value.as_deref().unwrap_or(""), position::of(s.referenced)),
        None => ("", None),
    }
}

fn duration(f: &Field<Duration>) -> Option<Duration> {
    f.as_ref().and_then(|s| s.value)
}

/// A string map field, values null → "", each with its value's position.
fn string_map(f: &Field<StrMap>) -> (BTreeMap<String, String>, BTreeMap<String, Option<Position>>) {
    let mut values = BTreeMap::new();
    let mut at = BTreeMap::new();
    if let Some(Spanned { value: Some(m), .. }) = f {
        for (k, v) in m {
            values.insert(k.clone(), v.value.clone().unwrap_or_default());
            at.insert(k.clone(), position::of(v.referenced));
        }
    }
    (values, at)
}

impl Validator<'_> {
    fn error(&mut self, at: Option<Position>, message: String) {
        let mut e = RuleFileError::file(self.file, message);
        e.position = at;
        self.errors.push(e);
    }

    fn groups(&mut self, groups: Vec<Spanned<raw::strict::Group>>) -> Vec<GroupSpec> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for g in groups {
            let at = position::of(g.referenced);
            let g = g.value;
            let (name, _) = text(&g.name);
            let name = name.to_owned();
            if name.is_empty() {
                self.error(at, "Groupname must not be empty".into());
            }
            if !seen.insert(name.clone()) {
                self.error(at, format!("groupname: \"{name}\" is repeated in the same file"));
            }
            let (labels, label_at) = string_map(&g.labels);
            for k in labels.keys() {
                if !self.scheme.is_valid_label_name(k) || k == model::labels::METRIC_NAME {
                    let pos = label_at.get(k).copied().flatten();
                    self.error(pos, format!("invalid label name: {k}"));
                }
            }
            let mut rules = Vec::new();
            for (i, r) in g.rules.into_iter().enumerate() {
                if let Some(r) = self.rule(&name, i + 1, r) {
                    rules.push(r);
                }
            }
            let limit = g.limit.as_ref().and_then(|l| l.value).unwrap_or(0);
            out.push(GroupSpec {
                name,
                interval: duration(&g.interval),
                limit: usize::try_from(limit).unwrap_or(0),
                query_offset: duration(&g.query_offset),
                labels,
                rules,
                position: at.unwrap_or_default(),
            });
        }
        out
    }

    fn rule(
        &mut self,
        group: &str,
        index: usize,
        r: Spanned<raw::strict::Rule>,
    ) -> Option<RuleSpec> {
        let rule_at = position::of(r.referenced);
        let r = r.value;
        let (record, record_at) = text(&r.record);
        let (alert, alert_at) = text(&r.alert);
        let (expr, expr_at) = text(&r.expr);
        let name = if alert.is_empty() { record } else { alert };
        let before = self.errors.len();
        let rref = RuleRef { group: group.to_owned(), index, name: name.to_owned() };
        let mut err = |at: Option<Position>, alt: Option<Position>, message: String| {
            self.errors.push(RuleFileError {
                file: self.file.to_owned(),
                position: at.or(rule_at),
                position_alt: alt,
                rule: Some(rref.clone()),
                message,
            });
        };

        if !record.is_empty() && !alert.is_empty() {
            err(record_at, alert_at, "only one of 'record' and 'alert' must be set".into());
        }
        if record.is_empty() && alert.is_empty() {
            err(None, None, "one of 'record' or 'alert' must be set".into());
        }
        let mut parsed = None;
        if expr.is_empty() {
            err(expr_at, None, "field 'expr' must be set in rule".into());
        } else {
            match promql::parse(expr) {
                Ok(e) => parsed = Some(e),
                Err(e) => {
                    let at = match (expr_at, e.position) {
                        (Some(at), Some(p)) => Some(position::in_expr(self.src, at, expr, p)),
                        (at, _) => at,
                    };
                    err(at, None, format!("could not parse expression: {e}"));
                }
            }
        }
        let (labels, label_at) = string_map(&r.labels);
        let (annotations, ann_at) = string_map(&r.annotations);
        let for_ = duration(&r.for_).unwrap_or_default();
        let keep_firing_for = duration(&r.keep_firing_for).unwrap_or_default();
        if !record.is_empty() {
            if !annotations.is_empty() {
                err(record_at, None, "invalid field 'annotations' in recording rule".into());
            }
            if !for_.is_zero() {
                err(record_at, None, "invalid field 'for' in recording rule".into());
            }
            if !keep_firing_for.is_zero() {
                err(record_at, None, "invalid field 'keep_firing_for' in recording rule".into());
            }
            if !self.scheme.is_valid_metric_name(record) {
                err(record_at, None, format!("invalid recording rule name: {record}"));
            }
            if record.contains(['{', '}']) {
                err(
                    record_at,
                    None,
                    format!(
                        "braces present in the recording rule name; should it be in expr?: {record}"
                    ),
                );
            }
        }
        let at_key = |m: &BTreeMap<String, Option<Position>>, k: &str| m.get(k).copied().flatten();
        for k in labels.keys() {
            if !self.scheme.is_valid_label_name(k) || k == model::labels::METRIC_NAME {
                err(at_key(&label_at, k), None, format!("invalid label name: {k}"));
            }
        }
        for k in annotations.keys() {
            if !self.scheme.is_valid_label_name(k) {
                err(at_key(&ann_at, k), None, format!("invalid annotation name: {k}"));
            }
        }
        if !alert.is_empty() {
            let data = AnnotationData::default();
            let ctx = FuncContext::default();
            for (kind, map, at) in
                [("label", &labels, &label_at), ("annotation", &annotations, &ann_at)]
            {
                for (k, v) in map {
                    if let Err(e) = Expander::alert(alert, v, &data, &ctx).parse_test() {
                        err(at_key(at, k), None, format!("{kind} {}: {e}", model::gostr::quote(k)));
                    }
                }
            }
        }
        if self.errors.len() > before {
            return None;
        }
        Some(RuleSpec {
            record: (!record.is_empty()).then(|| record.to_owned()),
            alert: (!alert.is_empty()).then(|| alert.to_owned()),
            expr: RuleQuery { text: expr.to_owned(), expr: Arc::new(parsed?) },
            for_,
            keep_firing_for,
            labels,
            annotations,
            position: rule_at.unwrap_or_default(),
            expr_position: expr_at.unwrap_or_default(),
        })
    }
}
