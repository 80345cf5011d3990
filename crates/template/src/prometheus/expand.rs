//! [`Expander`]: a label or annotation text of an alerting rule expanded as Prometheus' rules
//! engine expands it, with data [`AnnotationData`].

use std::collections::BTreeMap;

use super::convert::parse_float;
use super::{FuncContext, funcs};
use crate::template::{MissingKey, Template};
use crate::value::{Object, Value};

/// The variables the rules engine defines before every label and annotation text.
pub const PRELUDE: &str = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}\
                           {{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// The data of an alert template: the alert's sample labels and value, the external labels
/// and URL (upstream's `AlertTemplateData`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnnotationData {
    /// The labels of the sample that fired (`$labels`).
    pub labels: BTreeMap<String, String>,
    /// The global external labels (`$externalLabels`).
    pub external_labels: BTreeMap<String, String>,
    /// The external URL (`$externalURL`).
    pub external_url: String,
    /// The sample's value (`$value`).
    pub value: f64,
}

impl AnnotationData {
    /// Example data for rendering without a data file: an `up == 0`-style alert.
    pub fn example() -> Self {
        AnnotationData {
            labels: [("instance", "localhost:9090"), ("job", "prometheus")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            external_labels: BTreeMap::new(),
            external_url: "http://localhost:9090".into(),
            value: 1.0,
        }
    }

    /// Reads `{"labels": {...}, "value": 1.5, "externalLabels": {...}, "externalURL": "..."}`;
    /// every key is optional. `value` is a number or a string Go's `strconv.ParseFloat`
    /// accepts (`"NaN"`, `"+Inf"`, `"-0"`).
    pub fn from_json(j: &serde_json::Value) -> Result<AnnotationData, String> {
        let obj = j.as_object().ok_or("annotation data must be a JSON object")?;
        let mut d = AnnotationData { external_url: String::new(), ..AnnotationData::default() };
        for (k, v) in obj {
            match k.as_str() {
                "labels" => d.labels = string_map(k, v)?,
                "externalLabels" => d.external_labels = string_map(k, v)?,
                "externalURL" => {
                    d.external_url = v.as_str().ok_or("externalURL must be a string")?.to_string()
                }
                "value" => {
                    d.value = match v {
                        serde_json::Value::Number(n) => {
                            n.as_f64().ok_or_else(|| format!("value {n} is not a float"))?
                        }
                        serde_json::Value::String(s) => parse_float(s)?,
                        serde_json::Value::Null => 0.0,
                        _ => return Err("value must be a number or a numeric string".into()),
                    }
                }
                other => return Err(format!("unknown field {other:?} in annotation data")),
            }
        }
        Ok(d)
    }

    /// The template data: a struct with fields `Labels`, `ExternalLabels`, `ExternalURL` and
    /// `Value`.
    pub fn to_value(&self) -> Value {
        Value::object(DataObject {
            labels: labels_value(&self.labels),
            external_labels: labels_value(&self.external_labels),
            external_url: Value::from(self.external_url.as_str()),
            value: Value::Float(self.value),
        })
    }
}

fn string_map(key: &str, v: &serde_json::Value) -> Result<BTreeMap<String, String>, String> {
    match v {
        serde_json::Value::Null => Ok(BTreeMap::new()),
        serde_json::Value::Object(o) => o
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_string())),
                None => Err(format!("{key}.{k} must be a string")),
            })
            .collect(),
        _ => Err(format!("{key} must be an object of strings")),
    }
}

fn labels_value(m: &BTreeMap<String, String>) -> Value {
    Value::string_map(m.iter().map(|(k, v)| (k.clone(), v.as_str())))
}

/// Upstream's anonymous struct type.
const DATA_TYPE: &str = "struct { Labels map[string]string; ExternalLabels map[string]string; \
                         ExternalURL string; Value interface {} }";

#[derive(Debug)]
struct DataObject {
    labels: Value,
    external_labels: Value,
    external_url: Value,
    value: Value,
}

impl Object for DataObject {
    fn type_name(&self) -> &str {
        DATA_TYPE
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Labels" => self.labels.clone(),
            "ExternalLabels" => self.external_labels.clone(),
            "ExternalURL" => self.external_url.clone(),
            "Value" => self.value.clone(),
            _ => return None,
        })
    }

    fn fields(&self) -> Vec<(&str, Value)> {
        vec![
            ("Labels", self.labels.clone()),
            ("ExternalLabels", self.external_labels.clone()),
            ("ExternalURL", self.external_url.clone()),
            ("Value", self.value.clone()),
        ]
    }
}

/// Expands one template text with the Prometheus functions (upstream's `Expander`).
#[derive(Debug, Clone)]
pub struct Expander {
    /// The template name (`__alert_<alertname>` for alerting rules).
    pub name: String,
    /// The whole text, prelude included.
    pub text: String,
    /// The data (`.`).
    pub data: Value,
    /// Query callback, evaluation time, external URL.
    pub ctx: FuncContext,
}

impl Expander {
    /// An expander for `text` named `name` over arbitrary data.
    pub fn new(
        name: impl Into<String>,
        text: impl Into<String>,
        data: Value,
        ctx: &FuncContext,
    ) -> Self {
        Expander { name: name.into(), text: text.into(), data, ctx: ctx.clone() }
    }

    /// A label or annotation text of alerting rule `alert_name`, as the rules engine expands
    /// it: named `__alert_<alert_name>`, with the `$labels`... prelude prepended.
    pub fn alert(alert_name: &str, text: &str, data: &AnnotationData, ctx: &FuncContext) -> Self {
        Expander {
            name: format!("__alert_{alert_name}"),
            text: format!("{PRELUDE}{text}"),
            data: data.to_value(),
            ctx: ctx.clone(),
        }
    }

    /// Expands in text mode (`missingkey=zero`). Errors read as upstream's:
    /// `error parsing template NAME: template: ...` or
    /// `error executing template NAME: template: ...`.
    pub fn expand(&self) -> Result<String, String> {
        let t = Template::new(self.name.as_str())
            .funcs(&funcs(&self.ctx))
            .missing_key(MissingKey::Zero)
            .parse(&self.text)
            .map_err(|e| format!("error parsing template {}: {e}", self.name))?;
        t.execute(&self.data).map_err(|e| format!("error executing template {}: {e}", self.name))
    }

    /// Parses without executing, as rule files are checked when loaded (upstream's
    /// `ParseTest`): the error is the template's own (`template: __alert_X:1: ...`), which the
    /// rule-file parser wraps as `annotation "summary": ...` / `label "severity": ...`.
    pub fn parse_test(&self) -> Result<(), String> {
        Template::new(self.name.as_str())
            .funcs(&funcs(&self.ctx))
            .missing_key(MissingKey::Zero)
            .parse(&self.text)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// What the rules engine stores as the label or annotation value: the expansion, or
    /// `<error expanding template: ERR>` when it fails.
    pub fn expand_or_error_text(&self) -> String {
        self.expand().unwrap_or_else(|e| format!("<error expanding template: {e}>"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_with_prelude() {
        let d = AnnotationData::example();
        let ctx = FuncContext::default();
        let e =
            Expander::alert("Down", "{{ $labels.job }}/{{ $labels.nope }}/{{ $value }}", &d, &ctx);
        assert_eq!(e.expand().as_deref(), Ok("prometheus//1"));
        let e = Expander::alert("Down", "{{ .Nope }}", &d, &ctx);
        let err = e.expand().unwrap_err();
        assert!(
            err.starts_with("error executing template __alert_Down: template: __alert_Down:1:")
        );
        assert!(
            Expander::alert("Down", "{{", &d, &ctx)
                .expand_or_error_text()
                .starts_with("<error expanding template: error parsing template __alert_Down: ")
        );
    }

    #[test]
    fn parse_test_reports_the_template_error() {
        let ctx = FuncContext::default();
        let d = AnnotationData::default();
        assert_eq!(Expander::alert("A", "{{ $value | humanize }}", &d, &ctx).parse_test(), Ok(()));
        assert_eq!(
            Expander::alert("A", "{{ nosuch }}", &d, &ctx).parse_test().unwrap_err(),
            r#"template: __alert_A:1: function "nosuch" not defined"#
        );
        // Execution errors are not parse errors.
        assert_eq!(Expander::alert("A", "{{ .Nope }}", &d, &ctx).parse_test(), Ok(()));
    }

    #[test]
    fn data_from_json() {
        let j = serde_json::json!({"labels": {"a": "b"}, "value": "NaN", "externalLabels": null});
        let d = AnnotationData::from_json(&j).unwrap();
        assert!(d.value.is_nan());
        assert_eq!(d.labels.get("a").map(String::as_str), Some("b"));
        assert!(AnnotationData::from_json(&serde_json::json!({"labels": {"a": 1}})).is_err());
        assert!(AnnotationData::from_json(&serde_json::json!([])).is_err());
    }
}
