//! `GET /api/v1/alertmanagers`: the Alertmanagers the notifier sends to and those its
//! `relabel_configs` dropped, in upstream's shape
//! `{"activeAlertmanagers":[{"url":..}],"droppedAlertmanagers":[..]}`.

use rules::notifier::AlertmanagersView;

use super::json::write_str;
use super::response::{ApiResult, Success};

pub fn alertmanagers(view: Option<&dyn AlertmanagersView>) -> ApiResult {
    let (active, dropped) = view.map(|v| (v.active(), v.dropped())).unwrap_or_default();
    let mut out = String::from(r#"{"activeAlertmanagers":"#);
    write_urls(&mut out, &active);
    out.push_str(r#","droppedAlertmanagers":"#);
    write_urls(&mut out, &dropped);
    out.push('}');
    Ok(Success::raw(out))
}

fn write_urls(out: &mut String, urls: &[String]) {
    out.push('[');
    for (i, url) in urls.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"url":"#);
        write_str(out, url);
        out.push('}');
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl AlertmanagersView for Fixed {
        fn active(&self) -> Vec<String> {
            vec!["http://am:9093/api/v2/alerts".into()]
        }
        fn dropped(&self) -> Vec<String> {
            Vec::new()
        }
    }

    #[test]
    fn shape_is_upstreams() {
        let ok = alertmanagers(Some(&Fixed)).ok().map(|s| s.data);
        assert_eq!(
            ok.as_deref(),
            Some(
                r#"{"activeAlertmanagers":[{"url":"http://am:9093/api/v2/alerts"}],"droppedAlertmanagers":[]}"#
            )
        );
        let empty = alertmanagers(None).ok().map(|s| s.data);
        assert_eq!(
            empty.as_deref(),
            Some(r#"{"activeAlertmanagers":[],"droppedAlertmanagers":[]}"#)
        );
    }
}
