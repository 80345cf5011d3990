//! Rule file checks that warn rather than fail: upstream's duplicate-rule lint, and klaxon's
//! own — `for` shorter than the group interval, and annotations naming labels the expression
//! cannot have. Also the selectors of an expression, for checking them against a live server.

use std::collections::{BTreeMap, BTreeSet};

use model::duration::Duration;
use model::matcher::MatchOp;
use promql::Expr;
use promql::ast::{AggOp, Cardinality, ValueType, VectorSelector};
use template::prometheus::{AnnotationData, Expander, FuncContext, QuerySample};

use super::{GroupSpec, RuleFile, RuleSpec};

/// Rules that share a name and merged label set (upstream's `checkDuplicates`), sorted by
/// name then labels, each reported once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duplicate {
    pub metric: String,
    pub labels: BTreeMap<String, String>,
}

/// The duplicates among a file's rules.
pub fn duplicates(file: &RuleFile) -> Vec<Duplicate> {
    let mut all: Vec<Duplicate> = file
        .groups
        .iter()
        .flat_map(|g| {
            g.rules
                .iter()
                .map(move |r| Duplicate { metric: r.name().to_owned(), labels: r.merged_labels(g) })
        })
        .collect();
    all.sort();
    let mut out: Vec<Duplicate> = Vec::new();
    for w in all.windows(2) {
        if w[0] == w[1] && out.last() != Some(&w[1]) {
            out.push(w[1].clone());
        }
    }
    out
}

/// Upstream's text for duplicates (after its `lint error ` prefix), empty when none.
pub fn duplicates_report(dups: &[Duplicate]) -> String {
    if dups.is_empty() {
        return String::new();
    }
    let mut s = format!("{} duplicate rule(s) found.\n", dups.len());
    for d in dups {
        s.push_str(&format!("Metric: {}\nLabel(s):\n", d.metric));
        for (k, v) in &d.labels {
            s.push_str(&format!("\t{k}: {v}\n"));
        }
    }
    s.push_str("Might cause inconsistency while recording expressions");
    s
}

/// A lint finding about one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub group: String,
    /// 1-based index of the rule in its group.
    pub index: usize,
    pub rule: String,
    pub position: super::Position,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: group {}, rule {}, {}: {}",
            self.position,
            model::gostr::quote(&self.group),
            self.index,
            model::gostr::quote(&self.rule),
            self.message
        )
    }
}

fn warning(g: &GroupSpec, i: usize, r: &RuleSpec, message: String) -> Warning {
    Warning {
        group: g.name.clone(),
        index: i + 1,
        rule: r.name().to_owned(),
        position: r.position,
        message,
    }
}

/// Alerting rules whose `for` is non-zero but shorter than the group's interval: the alert
/// can only fire at the next evaluation, so the effective `for` is the interval.
/// `default_interval` is the global `evaluation_interval` for groups without their own.
pub fn short_for(file: &RuleFile, default_interval: Duration) -> Vec<Warning> {
    let mut out = Vec::new();
    for g in &file.groups {
        let interval = g.interval.filter(|d| !d.is_zero()).unwrap_or(default_interval);
        for (i, r) in g.rules.iter().enumerate() {
            if r.is_alerting() && !r.for_.is_zero() && r.for_ < interval {
                out.push(warning(
                    g,
                    i,
                    r,
                    format!(
                        "'for' ({}) is shorter than the group's evaluation interval ({interval}); \
                         the alert fires after {interval} at the earliest",
                        r.for_
                    ),
                ));
            }
        }
    }
    out
}

/// Annotations and labels of alerting rules that use `$labels.X` (or `.Labels.X`) where the
/// expression's result is known never to carry `X`. Only expressions whose output label set
/// is fully known (`by (...)` aggregations, `absent(...)`, `vector(...)` and what is built on
/// them) are judged; anything else is assumed to be able to carry any label.
pub fn unknown_template_labels(file: &RuleFile) -> Vec<Warning> {
    let mut out = Vec::new();
    for g in &file.groups {
        for (i, r) in g.rules.iter().enumerate() {
            if !r.is_alerting() {
                continue;
            }
            let Some(have) = output_labels(&r.expr.expr) else { continue };
            for (kind, map) in [("label", &r.labels), ("annotation", &r.annotations)] {
                for (k, text) in map {
                    for used in referenced_labels(text) {
                        if !have.contains(&used) {
                            let list = have.iter().cloned().collect::<Vec<_>>().join(", ");
                            out.push(warning(
                                g,
                                i,
                                r,
                                format!(
                                    "{kind} {} uses $labels.{used}, but the expression's result \
                                     only has the labels {{{list}}}",
                                    model::gostr::quote(k)
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Labels and annotations of alerting rules whose template fails when rendered with example
/// data (upstream only parses them when loading, so such errors otherwise show in a firing
/// alert). The example: the labels the template names, each `"example"`, plus `instance`
/// and `job`; value 1; `query` answers one sample. Real data may differ, so these are
/// warnings.
pub fn template_errors(file: &RuleFile) -> Vec<Warning> {
    let ctx = FuncContext::default().with_query(|_| {
        Ok(vec![QuerySample::new([("__name__", "example"), ("instance", "example")], 1.0)])
    });
    let mut out = Vec::new();
    for g in &file.groups {
        for (i, r) in g.rules.iter().enumerate() {
            let Some(alert) = &r.alert else { continue };
            for (kind, map) in [("label", &r.labels), ("annotation", &r.annotations)] {
                for (k, text) in map {
                    let mut data = AnnotationData::example();
                    for l in referenced_labels(text) {
                        data.labels.entry(l).or_insert_with(|| "example".into());
                    }
                    if let Err(e) = Expander::alert(alert, text, &data, &ctx).expand() {
                        let msg = format!(
                            "{kind} {} fails when rendered with example data: {e}",
                            model::gostr::quote(k)
                        );
                        out.push(warning(g, i, r, msg));
                    }
                }
            }
        }
    }
    out
}

/// Label names a template reads as `$labels.X` or `.Labels.X`.
pub fn referenced_labels(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["$labels.", ".Labels."] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            // `.Labels.` inside `$externalLabels.`-like names is not ours.
            let before = &rest[..i];
            rest = &rest[i + prefix.len()..];
            if prefix == ".Labels." && before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The complete set of label names the expression's result can carry (without `__name__`),
/// when it is known statically; `None` when series may bring labels of their own.
pub fn output_labels(e: &Expr) -> Option<BTreeSet<String>> {
    match e {
        Expr::Number(_) | Expr::String(_) => Some(BTreeSet::new()),
        Expr::VectorSelector(_) | Expr::MatrixSelector(_) => None,
        Expr::Subquery(s) => output_labels(&s.expr),
        Expr::Paren(inner) | Expr::Unary(_, inner) => output_labels(inner),
        Expr::Aggregate(a) => match a.op {
            AggOp::Topk | AggOp::Bottomk | AggOp::Limitk | AggOp::LimitRatio => {
                output_labels(&a.expr)
            }
            _ if a.grouping.without => {
                let mut inner = output_labels(&a.expr)?;
                for l in &a.grouping.labels {
                    inner.remove(l);
                }
                Some(inner)
            }
            AggOp::CountValues => {
                let mut set: BTreeSet<String> = a.grouping.labels.iter().cloned().collect();
                match a.param.as_deref() {
                    Some(Expr::String(s)) => {
                        set.insert(s.clone());
                        Some(set)
                    }
                    _ => None,
                }
            }
            _ => Some(a.grouping.labels.iter().cloned().collect()),
        },
        Expr::Call(c) => call_labels(&c.name, &c.args),
        Expr::Binary(b) => {
            let lhs_scalar = b.lhs.value_type() == ValueType::Scalar;
            let rhs_scalar = b.rhs.value_type() == ValueType::Scalar;
            match (&b.matching, lhs_scalar, rhs_scalar) {
                (_, true, true) => Some(BTreeSet::new()),
                (_, true, false) => output_labels(&b.rhs),
                (_, false, true) | (None, _, _) => output_labels(&b.lhs),
                (Some(m), false, false) => {
                    let (side, other) = match m.card {
                        Cardinality::OneToMany => (&b.rhs, &b.lhs),
                        _ => (&b.lhs, &b.rhs),
                    };
                    if matches!(b.op, promql::ast::BinOp::Or) {
                        let mut l = output_labels(&b.lhs)?;
                        l.extend(output_labels(&b.rhs)?);
                        return Some(l);
                    }
                    let mut set = output_labels(side)?;
                    if matches!(m.card, Cardinality::ManyToOne | Cardinality::OneToMany) {
                        // `group_left(x)` copies `x` from the other side when it has it.
                        let from_other = output_labels(other);
                        for l in &m.include {
                            if from_other.as_ref().is_none_or(|o| o.contains(l)) {
                                set.insert(l.clone());
                            }
                        }
                    }
                    Some(set)
                }
            }
        }
    }
}

fn call_labels(name: &str, args: &[Expr]) -> Option<BTreeSet<String>> {
    match name {
        "vector" | "time" | "scalar" | "pi" | "day_of_month" | "day_of_week" | "day_of_year"
        | "days_in_month" | "hour" | "minute" | "month" | "year"
            if args.iter().all(|a| a.value_type() == ValueType::Scalar) =>
        {
            Some(BTreeSet::new())
        }
        "absent" | "absent_over_time" => {
            let sel = match args.first()? {
                Expr::VectorSelector(s) => s,
                Expr::MatrixSelector(m) => &m.selector,
                _ => return Some(BTreeSet::new()),
            };
            Some(
                sel.matchers
                    .iter()
                    .filter(|m| m.op() == MatchOp::Equal && m.name() != model::labels::METRIC_NAME)
                    .map(|m| m.name().to_owned())
                    .collect(),
            )
        }
        "label_replace" | "label_join" => {
            let mut set = output_labels(args.first()?)?;
            if let Some(Expr::String(dst)) = args.get(1) {
                set.insert(dst.clone());
                Some(set)
            } else {
                None
            }
        }
        _ => {
            let arg = args
                .iter()
                .find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix))?;
            output_labels(arg)
        }
    }
}

/// Every series selector in the expression, printed without `offset`/`@` (what a server is
/// asked whether anything matches), deduplicated, in order of appearance. Selectors inside
/// `absent(...)`/`absent_over_time(...)` are left out: matching nothing is their point.
pub fn selectors(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect(e, &mut out);
    let mut seen = BTreeSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

fn collect(e: &Expr, out: &mut Vec<String>) {
    let plain = |s: &VectorSelector| {
        Expr::VectorSelector(VectorSelector { offset: 0, at: None, ..s.clone() }).to_string()
    };
    match e {
        Expr::Number(_) | Expr::String(_) => {}
        Expr::VectorSelector(s) => out.push(plain(s)),
        Expr::MatrixSelector(m) => out.push(plain(&m.selector)),
        Expr::Subquery(s) => collect(&s.expr, out),
        Expr::Paren(i) | Expr::Unary(_, i) => collect(i, out),
        Expr::Binary(b) => {
            collect(&b.lhs, out);
            collect(&b.rhs, out);
        }
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                collect(p, out);
            }
            collect(&a.expr, out);
        }
        Expr::Call(c) if c.name == "absent" || c.name == "absent_over_time" => {}
        Expr::Call(c) => c.args.iter().for_each(|a| collect(a, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(q: &str) -> Option<Vec<String>> {
        let e = promql::parse(q).expect("parses");
        output_labels(&e).map(|s| s.into_iter().collect())
    }

    #[test]
    fn knows_output_labels_only_when_closed() {
        assert_eq!(labels("up"), None);
        assert_eq!(labels("sum by (job) (up) > 0"), Some(vec!["job".into()]));
        assert_eq!(labels("sum(rate(x[5m]))"), Some(vec![]));
        assert_eq!(labels("absent(up{job=\"a\",x=~\"b\"})"), Some(vec!["job".into()]));
        assert_eq!(labels("sum without (a) (up)"), None);
        assert_eq!(
            labels("label_replace(sum by (a) (x), \"b\", \"$1\", \"a\", \"(.*)\")"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(labels("1 < count by (a,b) (x)"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(labels("topk(3, sum by (a) (x))"), Some(vec!["a".into()]));
        assert_eq!(
            labels("sum by (a) (x) * on (a) group_left (b) y"),
            Some(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn finds_referenced_labels() {
        let got = referenced_labels(
            "{{ $labels.job }} {{$labels.instance}} {{ .Labels.env }} {{ $externalLabels.x }}",
        );
        assert_eq!(got.into_iter().collect::<Vec<_>>(), ["env", "instance", "job"]);
    }

    #[test]
    fn lists_selectors_plainly() {
        let e =
            promql::parse("rate(a{x=\"1\"}[5m] offset 1m) / on() b + sum(a{x=\"1\"}) + absent(c)")
                .expect("parses");
        assert_eq!(selectors(&e), ["a{x=\"1\"}", "b"]);
    }
}
