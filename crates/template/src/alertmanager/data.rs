//! Alertmanager's notification data ([`Data`], [`Alert`], [`Kv`]) and the Go objects templates
//! see: `template.Data`, `template.Alert`, `template.Alerts` (`Firing`, `Resolved`),
//! `template.KV` (`SortedPairs`, `Names`, `Values`, `Remove`, `String`), `template.Pairs`,
//! `template.Pair` and `template.Strings` (`Join`), with Go's type names, field order and
//! printing.

use std::collections::BTreeMap;
use std::sync::Arc;

use model::duration::GoDuration;

use crate::funcs::{ArgType, Signature};
use crate::gofmt::GoTime;
use crate::value::{Elem, List, Map, Object, Value};

/// A set of label or annotation pairs (Go's `template.KV`, a `map[string]string`).
///
/// Held as the template engine's map value, so that [`Data::to_value`] shares it rather than
/// copying it: cloning is cheap, changing a shared set copies it first.
#[derive(Debug, Clone)]
pub struct Kv(Arc<Map>);

impl Default for Kv {
    fn default() -> Self {
        Kv(Arc::new(Map { elem: Elem::String, entries: BTreeMap::new() }))
    }
}

impl PartialEq for Kv {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl Eq for Kv {}

impl<K: Into<String>, V: Into<Arc<str>>> FromIterator<(K, V)> for Kv {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        Kv(Arc::new(Map {
            elem: Elem::String,
            entries: pairs.into_iter().map(|(k, v)| (k.into(), Value::String(v.into()))).collect(),
        }))
    }
}

impl Kv {
    /// A set from pairs (a later pair replaces an earlier one of the same name).
    pub fn from_pairs<K: Into<String>, V: Into<Arc<str>>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        pairs.into_iter().collect()
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.entries.get(name).and_then(Value::as_str)
    }

    /// Sets `name` to `value`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Arc<str>>) {
        Arc::make_mut(&mut self.0).entries.insert(name.into(), Value::String(value.into()));
    }

    /// Removes `name`, returning whether it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        Arc::make_mut(&mut self.0).entries.remove(name).is_some()
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.0.entries.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.entries.is_empty()
    }

    /// The pairs sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.entries.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
    }

    /// The pairs, `alertname` first and the rest sorted by name (Go's `SortedPairs`).
    pub fn sorted_pairs(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::with_capacity(self.len());
        if let Some(v) = self.get("alertname") {
            out.push(("alertname", v));
        }
        out.extend(self.iter().filter(|(k, _)| *k != "alertname"));
        out
    }

    /// Go's `KV.String()`: `name=value, name=value` in [`Kv::sorted_pairs`] order.
    pub fn to_go_string(&self) -> String {
        pairs_string(self.sorted_pairs().into_iter())
    }

    fn value(&self) -> Value {
        Value::object(KvObject { map: self.0.clone() })
    }
}

fn pairs_string<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = String::new();
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// One alert of a notification (Go's `template.Alert`).
#[derive(Debug, Clone, Default)]
pub struct Alert {
    /// `firing` or `resolved`.
    pub status: String,
    /// The alert's labels.
    pub labels: Kv,
    /// The alert's annotations.
    pub annotations: Kv,
    /// When the alert started.
    pub starts_at: GoTime,
    /// When it ended (Go's zero time for a firing alert in a notification).
    pub ends_at: GoTime,
    /// Link to the alert's source.
    pub generator_url: String,
    /// The label set's fingerprint, 16 hex digits.
    pub fingerprint: String,
}

/// What a notification's templates are executed against (Go's `template.Data`).
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// The receiver's name, regex-escaped as Alertmanager passes it (`a.b` → `a\.b`).
    pub receiver: String,
    /// `firing` if any alert is firing, else `resolved`.
    pub status: String,
    /// The group's alerts.
    pub alerts: Vec<Alert>,
    /// Why the notification is sent (empty unless set).
    pub notification_reason: String,
    /// The labels the group is grouped by.
    pub group_labels: Kv,
    /// Labels with the same value in every alert.
    pub common_labels: Kv,
    /// Annotations with the same value in every alert.
    pub common_annotations: Kv,
    /// The route's `labels` (templates, rendered lazily by `routeLabels`).
    pub route_labels: Kv,
    /// Alertmanager's external URL, without a trailing slash.
    pub external_url: String,
    /// Whether [`Data::route_labels`] are already rendered (then `routeLabels` returns them
    /// verbatim). Go's unexported `routeLabelsRendered`.
    pub route_labels_rendered: bool,
}

impl Data {
    /// The data `amtool template render` uses when given none, with `now` as the current time
    /// (the alerts started 5 and 10 minutes before `now` and end at `now`).
    pub fn example_at(now: &GoTime) -> Data {
        let alert =
            |status: &str, labels: &[(&str, &str)], ann: &[(&str, &str)], ago: i64, fp: &str| {
                Alert {
                    status: status.into(),
                    labels: Kv::from_pairs(labels.iter().copied()),
                    annotations: Kv::from_pairs(ann.iter().copied()),
                    starts_at: now.add(GoDuration::from_secs(-60 * ago)),
                    ends_at: now.clone(),
                    generator_url: "https://generatorurl.com".into(),
                    fingerprint: fp.into(),
                }
            };
        let common_labels =
            [("commonlabelkey1", "commonlabelvalue1"), ("commonlabelkey2", "commonlabelvalue2")];
        let common_ann = [
            ("commonannotationkey1", "commonannotationvalue1"),
            ("commonannotationkey2", "commonannotationvalue2"),
        ];
        let with = |a: &[(&'static str, &'static str)], b: &[(&'static str, &'static str)]| {
            a.iter().chain(b).copied().collect::<Vec<_>>()
        };
        Data {
            receiver: "receiver".into(),
            status: "alertstatus".into(),
            alerts: vec![
                alert(
                    "firing",
                    &with(
                        &[("label1", "value1"), ("label2", "value2"), ("instance", "foo.bar:1234")],
                        &common_labels,
                    ),
                    &with(&[("annotation1", "value1"), ("annotation2", "value2")], &common_ann),
                    5,
                    "fingerprint1",
                ),
                alert(
                    "resolved",
                    &with(&[("foo", "bar"), ("baz", "qux")], &common_labels),
                    &with(&[("aaa", "bbb"), ("ccc", "ddd")], &common_ann),
                    10,
                    "fingerprint2",
                ),
            ],
            notification_reason: String::new(),
            group_labels: Kv::from_pairs([
                ("grouplabelkey1", "grouplabelvalue1"),
                ("grouplabelkey2", "grouplabelvalue2"),
            ]),
            common_labels: Kv::from_pairs(common_labels),
            common_annotations: Kv::from_pairs(common_ann),
            route_labels: Kv::default(),
            external_url: "https://example.com".into(),
            route_labels_rendered: false,
        }
    }

    /// [`Data::example_at`] the current time (in `Local`, as Go's `time.Now()`).
    pub fn example() -> Data {
        Data::example_at(&GoTime::from_system_time(std::time::SystemTime::now()).local())
    }

    /// Decodes Alertmanager's notification JSON (the webhook body, or `template.Data` as
    /// `amtool template render --template.data` reads it). As Go's `encoding/json`, keys match
    /// field names case-insensitively, unknown keys are ignored, `null` leaves a field empty,
    /// and times are RFC 3339.
    pub fn from_json(j: &serde_json::Value) -> Result<Data, String> {
        let obj = as_object(j, "template.Data")?;
        let mut d = Data::default();
        for (k, v) in obj {
            match k.to_ascii_lowercase().as_str() {
                "receiver" => d.receiver = json_string(v, "Data.receiver")?,
                "status" => d.status = json_string(v, "Data.status")?,
                "notification_reason" => {
                    d.notification_reason = json_string(v, "Data.notification_reason")?
                }
                "grouplabels" => d.group_labels = json_kv(v, "Data.groupLabels")?,
                "commonlabels" => d.common_labels = json_kv(v, "Data.commonLabels")?,
                "commonannotations" => d.common_annotations = json_kv(v, "Data.commonAnnotations")?,
                "routelabels" => d.route_labels = json_kv(v, "Data.routeLabels")?,
                "externalurl" => d.external_url = json_string(v, "Data.externalURL")?,
                "alerts" => match v {
                    serde_json::Value::Null => d.alerts.clear(),
                    serde_json::Value::Array(items) => {
                        d.alerts = items.iter().map(alert_from_json).collect::<Result<_, _>>()?
                    }
                    _ => return Err(type_error(v, "Data.alerts", "template.Alerts")),
                },
                _ => {}
            }
        }
        Ok(d)
    }

    /// The data as a template value: a `template.Data` object with Go's fields and methods.
    pub fn to_value(&self) -> Value {
        Value::object(DataObject {
            receiver: Value::from(self.receiver.as_str()),
            status: Value::from(self.status.as_str()),
            alerts: Value::object(AlertsObject::new(&self.alerts)),
            notification_reason: Value::from(self.notification_reason.as_str()),
            group_labels: self.group_labels.value(),
            common_labels: self.common_labels.value(),
            common_annotations: self.common_annotations.value(),
            route_labels: self.route_labels.value(),
            external_url: Value::from(self.external_url.as_str()),
            route_labels_rendered: self.route_labels_rendered,
        })
    }
}

fn as_object<'a>(
    j: &'a serde_json::Value,
    ty: &str,
) -> Result<&'a serde_json::Map<String, serde_json::Value>, String> {
    match j {
        serde_json::Value::Object(o) => Ok(o),
        _ => Err(format!("json: cannot unmarshal {} into Go value of type {ty}", json_kind(j))),
    }
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn type_error(j: &serde_json::Value, field: &str, ty: &str) -> String {
    format!("json: cannot unmarshal {} into Go struct field {field} of type {ty}", json_kind(j))
}

fn json_string(j: &serde_json::Value, field: &str) -> Result<String, String> {
    match j {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Null => Ok(String::new()),
        _ => Err(type_error(j, field, "string")),
    }
}

fn json_kv(j: &serde_json::Value, field: &str) -> Result<Kv, String> {
    match j {
        serde_json::Value::Null => Ok(Kv::default()),
        serde_json::Value::Object(o) => {
            let mut entries = BTreeMap::new();
            for (k, v) in o {
                entries.insert(k.clone(), Value::from(json_string(v, field)?));
            }
            Ok(Kv(Arc::new(Map { elem: Elem::String, entries })))
        }
        _ => Err(type_error(j, field, "template.KV")),
    }
}

fn json_time(j: &serde_json::Value, field: &str) -> Result<GoTime, String> {
    match j {
        serde_json::Value::Null => Ok(GoTime::zero()),
        serde_json::Value::String(s) => {
            GoTime::parse(crate::gofmt::layout::RFC3339, s).map_err(|e| e.to_string())
        }
        _ => Err(type_error(j, field, "time.Time")),
    }
}

fn alert_from_json(j: &serde_json::Value) -> Result<Alert, String> {
    let obj = match j {
        serde_json::Value::Null => return Ok(Alert::default()),
        _ => as_object(j, "template.Alert")?,
    };
    let mut a = Alert::default();
    for (k, v) in obj {
        match k.to_ascii_lowercase().as_str() {
            "status" => a.status = json_string(v, "Alert.alerts.status")?,
            "labels" => a.labels = json_kv(v, "Alert.alerts.labels")?,
            "annotations" => a.annotations = json_kv(v, "Alert.alerts.annotations")?,
            "startsat" => a.starts_at = json_time(v, "Alert.alerts.startsAt")?,
            "endsat" => a.ends_at = json_time(v, "Alert.alerts.endsAt")?,
            "generatorurl" => a.generator_url = json_string(v, "Alert.alerts.generatorURL")?,
            "fingerprint" => a.fingerprint = json_string(v, "Alert.alerts.fingerprint")?,
            _ => {}
        }
    }
    Ok(a)
}

// ---- Go objects ----

/// `template.KV`: the `map[string]string` itself is the object's underlying value.
#[derive(Debug)]
pub(crate) struct KvObject {
    map: Arc<Map>,
}

impl KvObject {
    fn from_entries(entries: BTreeMap<String, Value>) -> Self {
        KvObject { map: Arc::new(Map { elem: Elem::String, entries }) }
    }

    /// `alertname` first, then the rest by name.
    fn sorted(&self) -> Vec<(&str, &Value)> {
        let e = &self.map.entries;
        let mut out = Vec::with_capacity(e.len());
        if let Some(v) = e.get("alertname") {
            out.push(("alertname", v));
        }
        out.extend(e.iter().filter(|(k, _)| *k != "alertname").map(|(k, v)| (k.as_str(), v)));
        out
    }

    fn pairs_text(&self) -> String {
        pairs_string(self.sorted().into_iter().map(|(k, v)| (k, v.as_str().unwrap_or(""))))
    }
}

impl Object for KvObject {
    fn type_name(&self) -> &str {
        "template.KV"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        match name {
            "SortedPairs" | "Names" | "Values" | "String" => Some(Signature::fixed(&[])),
            "Remove" => Some(Signature::fixed(&[ArgType::StringList])),
            _ => None,
        }
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match name {
            "SortedPairs" => Ok(Value::object(PairsObject(
                self.sorted().into_iter().map(|(k, v)| (Arc::from(k), v.clone())).collect(),
            ))),
            "Names" => Ok(Value::object(StringsObject(Value::List(Arc::new(List {
                elem: Elem::String,
                items: self.sorted().into_iter().map(|(k, _)| Value::from(k)).collect(),
            }))))),
            "Values" => Ok(Value::object(StringsObject(Value::List(Arc::new(List {
                elem: Elem::String,
                items: self.sorted().into_iter().map(|(_, v)| v.clone()).collect(),
            }))))),
            "String" => Ok(Value::from(self.pairs_text())),
            "Remove" => {
                let mut out = self.map.entries.clone();
                if let Some(Value::List(l)) = args.first() {
                    for k in l.items.iter().filter_map(Value::as_str) {
                        out.remove(k);
                    }
                }
                Ok(Value::object(KvObject::from_entries(out)))
            }
            _ => Err(format!("no method {name}")),
        }
    }
    fn underlying(&self) -> Option<Value> {
        Some(Value::Map(self.map.clone()))
    }
    fn display(&self) -> Option<String> {
        Some(self.pairs_text())
    }
}

/// `template.Strings`: a `[]string` with `Join`.
#[derive(Debug)]
struct StringsObject(Value);

impl Object for StringsObject {
    fn type_name(&self) -> &str {
        "template.Strings"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        (name == "Join").then(|| Signature::fixed(&[ArgType::String]))
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, &self.0) {
            ("Join", Value::List(l)) => {
                let sep = args.first().and_then(Value::as_str).unwrap_or("");
                let parts: Vec<&str> = l.items.iter().filter_map(Value::as_str).collect();
                Ok(Value::from(parts.join(sep)))
            }
            _ => Err(format!("no method {name}")),
        }
    }
    fn underlying(&self) -> Option<Value> {
        Some(self.0.clone())
    }
}

/// `template.Pairs`: names, and values (strings) shared with the `KV` they came from.
#[derive(Debug)]
struct PairsObject(Vec<(Arc<str>, Value)>);

impl Object for PairsObject {
    fn type_name(&self) -> &str {
        "template.Pairs"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        matches!(name, "Names" | "Values" | "String").then(|| Signature::fixed(&[]))
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        let list = |items: Vec<Value>| {
            Value::object(StringsObject(Value::List(Arc::new(List { elem: Elem::String, items }))))
        };
        match name {
            "Names" => Ok(list(self.0.iter().map(|p| Value::String(p.0.clone())).collect())),
            "Values" => Ok(list(self.0.iter().map(|p| p.1.clone()).collect())),
            "String" => Ok(Value::from(self.display_string())),
            _ => Err(format!("no method {name}")),
        }
    }
    fn underlying(&self) -> Option<Value> {
        Some(Value::List(Arc::new(List {
            elem: Elem::Concrete,
            items: self
                .0
                .iter()
                .map(|(k, v)| Value::object(PairObject(k.clone(), v.clone())))
                .collect(),
        })))
    }
    fn display(&self) -> Option<String> {
        Some(self.display_string())
    }
}

impl PairsObject {
    fn display_string(&self) -> String {
        pairs_string(self.0.iter().map(|(k, v)| (&**k, v.as_str().unwrap_or(""))))
    }
}

/// `template.Pair`.
#[derive(Debug)]
struct PairObject(Arc<str>, Value);

impl Object for PairObject {
    fn type_name(&self) -> &str {
        "template.Pair"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Name" => Some(Value::String(self.0.clone())),
            "Value" => Some(self.1.clone()),
            _ => None,
        }
    }
    fn fields(&self) -> Vec<(&str, Value)> {
        vec![("Name", Value::String(self.0.clone())), ("Value", self.1.clone())]
    }
}

/// `template.Alert`.
#[derive(Debug, Clone)]
pub(crate) struct AlertObject {
    status: Value,
    labels: Value,
    annotations: Value,
    starts_at: Value,
    ends_at: Value,
    generator_url: Value,
    fingerprint: Value,
}

const ALERT_FIELDS: [&str; 7] =
    ["Status", "Labels", "Annotations", "StartsAt", "EndsAt", "GeneratorURL", "Fingerprint"];

/// The JSON names of `template.Alert`'s fields, in order.
pub(crate) const ALERT_JSON: [&str; 7] =
    ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"];

impl AlertObject {
    fn value(a: &Alert) -> Value {
        Value::object(AlertObject {
            status: Value::from(a.status.as_str()),
            labels: a.labels.value(),
            annotations: a.annotations.value(),
            starts_at: Value::Time(a.starts_at.clone()),
            ends_at: Value::Time(a.ends_at.clone()),
            generator_url: Value::from(a.generator_url.as_str()),
            fingerprint: Value::from(a.fingerprint.as_str()),
        })
    }
}

impl Object for AlertObject {
    fn type_name(&self) -> &str {
        "template.Alert"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Status" => self.status.clone(),
            "Labels" => self.labels.clone(),
            "Annotations" => self.annotations.clone(),
            "StartsAt" => self.starts_at.clone(),
            "EndsAt" => self.ends_at.clone(),
            "GeneratorURL" => self.generator_url.clone(),
            "Fingerprint" => self.fingerprint.clone(),
            _ => return None,
        })
    }
    fn fields(&self) -> Vec<(&str, Value)> {
        ALERT_FIELDS.into_iter().map(|n| (n, self.field(n).unwrap_or_default())).collect()
    }
}

/// `template.Alerts`, or (`plain`) the `[]template.Alert` that `Firing` and `Resolved` return.
#[derive(Debug)]
struct AlertsObject {
    list: Value,
    /// Each alert's status, for `Firing` and `Resolved`.
    statuses: Vec<Arc<str>>,
    plain: bool,
}

impl AlertsObject {
    fn new(alerts: &[Alert]) -> Self {
        AlertsObject {
            list: Value::List(Arc::new(List {
                elem: Elem::Concrete,
                items: alerts.iter().map(AlertObject::value).collect(),
            })),
            statuses: alerts.iter().map(|a| Arc::from(a.status.as_str())).collect(),
            plain: false,
        }
    }

    fn filtered(&self, want: &str) -> Value {
        let Value::List(l) = &self.list else { return Value::Nil };
        let keep: Vec<usize> = (0..l.items.len()).filter(|&i| &*self.statuses[i] == want).collect();
        Value::object(AlertsObject {
            list: Value::List(Arc::new(List {
                elem: Elem::Concrete,
                items: keep.iter().map(|&i| l.items[i].clone()).collect(),
            })),
            statuses: keep.iter().map(|&i| self.statuses[i].clone()).collect(),
            plain: true,
        })
    }
}

impl Object for AlertsObject {
    fn type_name(&self) -> &str {
        if self.plain { "[]template.Alert" } else { "template.Alerts" }
    }
    fn method(&self, name: &str) -> Option<Signature> {
        (!self.plain && matches!(name, "Firing" | "Resolved")).then(|| Signature::fixed(&[]))
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        match name {
            "Firing" => Ok(self.filtered("firing")),
            "Resolved" => Ok(self.filtered("resolved")),
            _ => Err(format!("no method {name}")),
        }
    }
    fn underlying(&self) -> Option<Value> {
        Some(self.list.clone())
    }
}

/// `template.Data`.
#[derive(Debug)]
pub(crate) struct DataObject {
    receiver: Value,
    status: Value,
    alerts: Value,
    notification_reason: Value,
    group_labels: Value,
    common_labels: Value,
    common_annotations: Value,
    route_labels: Value,
    external_url: Value,
    route_labels_rendered: bool,
}

const DATA_FIELDS: [&str; 9] = [
    "Receiver",
    "Status",
    "Alerts",
    "NotificationReason",
    "GroupLabels",
    "CommonLabels",
    "CommonAnnotations",
    "RouteLabels",
    "ExternalURL",
];

/// The JSON names of `template.Data`'s fields, in order.
pub(crate) const DATA_JSON: [&str; 9] = [
    "receiver",
    "status",
    "alerts",
    "notification_reason",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "routeLabels",
    "externalURL",
];

impl Object for DataObject {
    fn type_name(&self) -> &str {
        "template.Data"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Receiver" => self.receiver.clone(),
            "Status" => self.status.clone(),
            "Alerts" => self.alerts.clone(),
            "NotificationReason" => self.notification_reason.clone(),
            "GroupLabels" => self.group_labels.clone(),
            "CommonLabels" => self.common_labels.clone(),
            "CommonAnnotations" => self.common_annotations.clone(),
            "RouteLabels" => self.route_labels.clone(),
            "ExternalURL" => self.external_url.clone(),
            _ => return None,
        })
    }
    fn fields(&self) -> Vec<(&str, Value)> {
        let mut v: Vec<(&str, Value)> =
            DATA_FIELDS.into_iter().map(|n| (n, self.field(n).unwrap_or_default())).collect();
        v.push(("routeLabelsRendered", Value::Bool(self.route_labels_rendered)));
        v
    }
}

/// The route labels and whether they are rendered, if `v` is a `template.Data`.
pub(crate) fn route_labels_of(v: &Value) -> Option<(BTreeMap<String, String>, bool)> {
    let Value::Object(o) = v else { return None };
    if o.type_name() != "template.Data" {
        return None;
    }
    let rendered = o
        .fields()
        .into_iter()
        .any(|(n, v)| n == "routeLabelsRendered" && matches!(v, Value::Bool(true)));
    let labels = match o.field("RouteLabels") {
        Some(Value::Object(kv)) => match kv.underlying() {
            Some(Value::Map(m)) => m
                .entries
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    };
    Some((labels, rendered))
}
