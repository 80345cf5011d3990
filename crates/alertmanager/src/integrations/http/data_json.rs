//! Template data as Go's `encoding/json` writes it (`template.Data`, `template.Alert`): the
//! webhook body, PagerDuty's `firing`/`resolved` details and incident.io's payload.

use serde::Serialize;
use std::collections::BTreeMap;
use template::alertmanager::{Alert, Data, Kv};
use template::gofmt::GoTime;
use template::gofmt::layout::RFC3339_NANO;

/// `template.Data` in upstream's field order.
#[derive(Debug, Serialize)]
pub struct DataJson<'a> {
    pub receiver: &'a str,
    pub status: &'a str,
    pub alerts: Vec<AlertJson<'a>>,
    pub notification_reason: &'a str,
    #[serde(rename = "groupLabels")]
    pub group_labels: BTreeMap<&'a str, &'a str>,
    #[serde(rename = "commonLabels")]
    pub common_labels: BTreeMap<&'a str, &'a str>,
    #[serde(rename = "commonAnnotations")]
    pub common_annotations: BTreeMap<&'a str, &'a str>,
    #[serde(rename = "routeLabels")]
    pub route_labels: BTreeMap<&'a str, &'a str>,
    #[serde(rename = "externalURL")]
    pub external_url: &'a str,
}

/// `template.Alert`.
#[derive(Debug, Serialize)]
pub struct AlertJson<'a> {
    pub status: &'a str,
    pub labels: BTreeMap<&'a str, &'a str>,
    pub annotations: BTreeMap<&'a str, &'a str>,
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    #[serde(rename = "endsAt")]
    pub ends_at: String,
    #[serde(rename = "generatorURL")]
    pub generator_url: &'a str,
    pub fingerprint: &'a str,
}

/// The JSON view of `data`.
pub fn data_json(data: &Data) -> DataJson<'_> {
    DataJson {
        receiver: &data.receiver,
        status: &data.status,
        alerts: data.alerts.iter().map(alert_json).collect(),
        notification_reason: &data.notification_reason,
        group_labels: kv(&data.group_labels),
        common_labels: kv(&data.common_labels),
        common_annotations: kv(&data.common_annotations),
        route_labels: kv(&data.route_labels),
        external_url: &data.external_url,
    }
}

/// The JSON view of one alert.
pub fn alert_json(a: &Alert) -> AlertJson<'_> {
    AlertJson {
        status: &a.status,
        labels: kv(&a.labels),
        annotations: kv(&a.annotations),
        starts_at: time_json(&a.starts_at),
        ends_at: time_json(&a.ends_at),
        generator_url: &a.generator_url,
        fingerprint: &a.fingerprint,
    }
}

/// Go's `time.Time` JSON text (RFC 3339 with nanoseconds, trailing zeros trimmed).
pub fn time_json(t: &GoTime) -> String {
    t.format(RFC3339_NANO)
}

fn kv(k: &Kv) -> BTreeMap<&str, &str> {
    k.iter().collect()
}
