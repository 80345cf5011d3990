//! Integrations with HTTP JSON receivers (webhook, Slack, PagerDuty, OpsGenie, Discord,
//! Microsoft Teams, Mattermost) against a local mock of each service: exact bodies, headers,
//! and upstream's retry classification.

#![allow(clippy::unwrap_used)]

#[path = "common/mock_http.rs"]
mod mock_http;
#[path = "common/receivers.rs"]
mod receivers;

use alertmanager::config::global::GlobalConfig;
use alertmanager::config::receivers::IntegrationConfig;
use alertmanager::integrations::{FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use mock_http::fixtures::{USER_AGENT, context, env, firing, resolved};
use mock_http::{MockResponse, MockServer, closed_port_url};
use receivers::load;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

fn global() -> GlobalConfig {
    GlobalConfig::default()
}

async fn send(
    n: &Arc<dyn Notifier>,
    cx: &NotifyContext,
    alerts: &[alertmanager::alert::Alert],
) -> Result<Sent, NotifyError> {
    n.notify(cx, alerts).await
}

fn fp(a: &alertmanager::alert::Alert) -> String {
    a.fingerprint().to_string()
}

mod webhook {
    use super::*;
    use alertmanager::config::receivers::WebhookConfig;
    use alertmanager::integrations::webhook;

    fn notifier(yaml: &str) -> Arc<dyn Notifier> {
        receivers::notifier::<WebhookConfig>(yaml, &global(), webhook::build)
    }

    #[tokio::test]
    async fn posts_the_version_4_message() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("url: {}", mock.url("/hook")));
        let a = firing(&[("alertname", "HighCPU"), ("instance", "a<b>&c")], &[("summary", "hot")]);
        let cx = context("team.x", &[("alertname", "HighCPU")]);
        send(&n, &cx, std::slice::from_ref(&a)).await.unwrap();
        let r = mock.single();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hook");
        assert_json_headers(&r);
        // Go's encoder: HTML characters escaped, newline at the end.
        assert!(r.text().contains(r#""instance":"a\u003cb\u003e\u0026c""#), "{}", r.text());
        assert!(r.text().ends_with("}\n"));
        assert_eq!(
            r.json(),
            json!({
                "receiver": "team\\.x",
                "status": "firing",
                "alerts": [{
                    "status": "firing",
                    "labels": {"alertname": "HighCPU", "instance": "a<b>&c"},
                    "annotations": {"summary": "hot"},
                    "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prom:9090/graph?g0.expr=up",
                    "fingerprint": fp(&a),
                }],
                "notification_reason": "first notification",
                "groupLabels": {"alertname": "HighCPU"},
                "commonLabels": {"alertname": "HighCPU", "instance": "a<b>&c"},
                "commonAnnotations": {"summary": "hot"},
                "routeLabels": {},
                "externalURL": "http://am.example:9093",
                "version": "4",
                "groupKey": "{}:{alertname=\"HighCPU\"}",
                "truncatedAlerts": 0,
            })
        );
    }

    #[tokio::test]
    async fn body_bytes_match_go_encoding() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("url: {}", mock.url("/hook")));
        let a = firing(&[("alertname", "A&B")], &[]);
        send(&n, &context("r", &[]), std::slice::from_ref(&a)).await.unwrap();
        // Go's encoder: struct field order, sorted map keys, HTML escapes, trailing newline.
        let want = format!(
            concat!(
                r#"{{"receiver":"r","status":"firing","alerts":[{{"status":"firing","labels":{{"alertname":"A\u0026B"}},"#,
                r#""annotations":{{}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","#,
                r#""generatorURL":"http://prom:9090/graph?g0.expr=up","fingerprint":"{}"}}],"#,
                r#""notification_reason":"first notification","groupLabels":{{}},"commonLabels":{{"alertname":"A\u0026B"}},"#,
                r#""commonAnnotations":{{}},"routeLabels":{{}},"externalURL":"http://am.example:9093","#,
                r#""version":"4","groupKey":"{{}}:{{}}","truncatedAlerts":0}}"#,
                "\n"
            ),
            fp(&a)
        );
        assert_eq!(mock.single().text(), want);
    }

    #[tokio::test]
    async fn resolved_and_max_alerts() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("url: {}\nmax_alerts: 1", mock.url("/hook")));
        let a = resolved(&[("alertname", "A")], &[]);
        let b = resolved(&[("alertname", "B")], &[]);
        send(&n, &context("r", &[]), &[a.clone(), b]).await.unwrap();
        let j = mock.single().json();
        assert_eq!(j["status"], "resolved");
        assert_eq!(j["truncatedAlerts"], 1);
        assert_eq!(j["alerts"].as_array().unwrap().len(), 1);
        assert_eq!(j["alerts"][0]["fingerprint"], fp(&a));
        assert_eq!(j["alerts"][0]["endsAt"], "2026-01-01T00:01:00Z");
        assert_eq!(j["commonLabels"], json!({"alertname": "A"}));
    }

    #[tokio::test]
    async fn templated_url_and_custom_payload() {
        let mock = MockServer::start().await;
        let yaml = format!(
            "url: '{}/{{{{ .GroupLabels.team }}}}'\npayload:\n  text: '{{{{ .Status }}}}'\n  count: '{{{{ len .Alerts }}}}'\n  labels: '{{{{ .CommonLabels | toJson }}}}'\n  '{{{{ .Receiver }}}}': [x, 2]\n",
            mock.url("")
        );
        let n = notifier(&yaml);
        let a = firing(&[("alertname", "A"), ("team", "db")], &[]);
        send(&n, &context("r", &[("team", "db")]), &[a]).await.unwrap();
        let r = mock.single();
        assert_eq!(r.path, "/db");
        assert_eq!(
            r.json(),
            json!({"text": "firing", "count": 1, "labels": {"alertname": "A", "team": "db"}, "r": ["x", 2]})
        );
    }

    #[tokio::test]
    async fn url_file_is_read_at_send_time() {
        let mock = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("url");
        std::fs::write(&f, format!("{}\n", mock.url("/one"))).unwrap();
        let n = notifier(&format!("url_file: {}", f.display()));
        send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap();
        std::fs::write(&f, mock.url("/two")).unwrap();
        send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap();
        let paths: Vec<_> = mock.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/one", "/two"]);
        std::fs::remove_file(&f).unwrap();
        let e =
            send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap_err();
        assert!(!e.retryable && e.message.starts_with("read url_file"), "{e:?}");
    }

    #[tokio::test]
    async fn classification() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("url: {}", mock.url("/hook")));
        let cx = context("r", &[]);
        let alerts = [firing(&[("alertname", "A")], &[])];
        for (status, retryable, reason) in [
            (500, true, FailureReason::ServerError),
            (503, true, FailureReason::ServerError),
            (400, false, FailureReason::ClientError),
            (401, false, FailureReason::AuthError),
            (429, false, FailureReason::RateLimited),
            (302, false, FailureReason::Other),
        ] {
            mock.enqueue(MockResponse::text(status, "nope"));
            let e = send(&n, &cx, &alerts).await.unwrap_err();
            assert_eq!((e.retryable, e.reason), (retryable, reason), "{status}");
            assert_eq!(e.message, format!("unexpected status code {status}: nope"));
        }
        mock.enqueue(MockResponse::status(204));
        assert!(send(&n, &cx, &alerts).await.is_ok());

        let closed = notifier(&format!("url: {}", closed_port_url("/secret-token").await));
        let e = send(&closed, &cx, &alerts).await.unwrap_err();
        assert!(e.retryable, "{e:?}");
        assert!(!e.message.contains("secret-token"), "URL leaked: {}", e.message);
    }

    #[tokio::test]
    async fn template_errors_are_permanent() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("url: '{}/{{{{ .Nope.Deeper }}}}'", mock.url("")));
        let e =
            send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap_err();
        assert!(!e.retryable);
        assert!(e.message.starts_with("failed to template webhook URL"), "{}", e.message);
        assert!(mock.requests().is_empty());
    }

    #[test]
    fn config_errors() {
        let g = global();
        let err = |y: &str| load::<WebhookConfig>(y, &g).unwrap_err();
        assert_eq!(err("max_alerts: 1"), "one of url or url_file must be configured");
        assert_eq!(
            err("url: http://x\nurl_file: /f"),
            "at most one of url & url_file must be configured"
        );
        assert!(err("url: ftp://x").contains("unsupported scheme \"ftp\" for URL"));
        let c = load::<WebhookConfig>("url: http://x", &g).unwrap();
        assert!(c.send_resolved());
        assert!(c.http_config.unwrap().follow_redirects);
        let c = load::<WebhookConfig>("url_file: u\nsend_resolved: false", &g).unwrap();
        assert_eq!(c.url_file, "/etc/am/u");
        assert!(!c.send_resolved());
    }

    #[tokio::test]
    async fn http_config_auth_and_headers() {
        let mock = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "s3cret\n").unwrap();
        let n = notifier(&format!(
            "url: {}\nhttp_config:\n  basic_auth: {{username: u, password_file: {}}}\n  http_headers:\n    X-Team: {{values: [a, b]}}\n",
            mock.url("/h"),
            pw.display()
        ));
        send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap();
        let r = mock.single();
        assert_eq!(r.header("authorization"), Some("Basic dTpzM2NyZXQ="));
        assert_eq!(r.header_all("x-team"), ["a", "b"]);

        mock.clear();
        let n = notifier(&format!("url: {}\nhttp_config: {{bearer_token: tok}}", mock.url("/h")));
        send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap();
        assert_eq!(mock.single().header("authorization"), Some("Bearer tok"));
    }

    #[tokio::test]
    async fn oauth2_token_is_fetched_and_cached() {
        let mock = MockServer::start().await;
        mock.on(
            "POST",
            "/token",
            MockResponse::json(
                200,
                json!({"access_token": "T1", "token_type": "bearer", "expires_in": 3600}),
            ),
        );
        let n = notifier(&format!(
            "url: {}\nhttp_config:\n  oauth2: {{client_id: id, client_secret: sec, token_url: '{}', scopes: [a, b]}}\n",
            mock.url("/h"),
            mock.url("/token")
        ));
        for _ in 0..2 {
            send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap();
        }
        let reqs = mock.requests();
        let paths: Vec<_> = reqs.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/token", "/h", "/h"]);
        assert_eq!(reqs[0].header("authorization"), Some("Basic aWQ6c2Vj"));
        assert_eq!(reqs[0].text(), "grant_type=client_credentials&scope=a+b");
        assert_eq!(reqs[1].header("authorization"), Some("Bearer T1"));
    }
}

/// The shared scenario: one firing alert of group `alertname=HighCPU` for receiver `team-x`.
mod scenario {
    use super::*;
    use alertmanager::alert::Alert;

    pub const SUBJECT: &str = "[FIRING:1] HighCPU (critical)";
    pub const AM_URL: &str = "http://am.example:9093/#/alerts?receiver=team-x";
    /// `__text_alert_list` of the firing alert.
    pub const LIST: &str = "Labels:\n - alertname = HighCPU\n - severity = critical\nAnnotations:\n - summary = CPU hot\nSource: http://prom:9090/graph?g0.expr=up\n";
    /// `__text_alert_list_markdown` of the firing alert.
    pub const MD_LIST: &str = "\nLabels:\n  - alertname = HighCPU\n  - severity = critical\n\nAnnotations:\n  - summary = CPU hot\n\nSource: http://prom:9090/graph?g0.expr=up\n\n";

    pub fn alert() -> Alert {
        firing(&[("alertname", "HighCPU"), ("severity", "critical")], &[("summary", "CPU hot")])
    }

    pub fn resolved_alert() -> Alert {
        resolved(&[("alertname", "HighCPU"), ("severity", "critical")], &[("summary", "CPU hot")])
    }

    pub fn cx() -> NotifyContext {
        context("team-x", &[("alertname", "HighCPU")])
    }

    /// Markdown text of msteams/msteamsv2/mattermost defaults for the firing alert.
    pub fn md_text() -> String {
        format!("\n\n# Alerts Firing:\n{MD_LIST}\n\n\n")
    }
}

/// The headers every JSON integration sends.
fn assert_json_headers(r: &mock_http::Recorded) {
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("user-agent"), Some(USER_AGENT));
}

/// Checks `retryable`/`reason` for a status answered by `mock`.
async fn check_status(
    mock: &MockServer,
    n: &Arc<dyn Notifier>,
    cx: &NotifyContext,
    alerts: &[alertmanager::alert::Alert],
    status: u16,
    retryable: bool,
) -> NotifyError {
    mock.enqueue(MockResponse::text(status, "x"));
    let e = send(n, cx, alerts).await.unwrap_err();
    assert_eq!(e.retryable, retryable, "status {status}: {e:?}");
    assert_eq!(e.reason, FailureReason::from_status(status), "status {status}");
    e
}

mod slack {
    use super::scenario::*;
    use super::*;
    use alertmanager::config::receivers::SlackConfig;
    use alertmanager::config::secret::Secret;
    use alertmanager::integrations::slack;

    fn notifier(yaml: &str, g: &GlobalConfig) -> Arc<dyn Notifier> {
        receivers::notifier::<SlackConfig>(yaml, g, slack::build)
    }

    #[tokio::test]
    async fn incoming_webhook_with_default_templates() {
        let mock = MockServer::start().await;
        mock.set_default(MockResponse::text(200, "ok"));
        let n = notifier(&format!("api_url: {}", mock.url("/services/T/B/X")), &global());
        let sent = send(&n, &cx(), &[alert()]).await.unwrap();
        assert_eq!(sent.receiver_data, None);
        let r = mock.single();
        assert_eq!(r.path, "/services/T/B/X");
        assert_json_headers(&r);
        assert_eq!(r.header("authorization"), None);
        assert_eq!(
            r.json(),
            json!({
                "username": "Alertmanager",
                "attachments": [{
                    "title": SUBJECT,
                    "title_link": AM_URL,
                    "text": "",
                    "fallback": format!("{SUBJECT} | {AM_URL}"),
                    "callback_id": "",
                    "footer": "",
                    "color": "danger",
                    "mrkdwn_in": ["fallback", "pretext", "text"],
                }],
            })
        );
    }

    #[tokio::test]
    async fn resolved_fields_actions_and_global_url() {
        let mock = MockServer::start().await;
        mock.set_default(MockResponse::text(200, "ok"));
        let g = GlobalConfig {
            slack_api_url: Some(Secret::new(mock.url("/global"))),
            ..GlobalConfig::default()
        };
        let yaml = r#"
channel: '#ops'
link_names: true
message_text: 'msg {{ .Status }}'
short_fields: true
icon_emoji: ':fire:'
mrkdwn_in: [text]
fields:
  - {title: sev, value: '{{ .CommonLabels.severity }}'}
  - {title: long, value: v, short: false}
actions:
  - {type: button, text: Runbook, url: 'http://rb/{{ .GroupLabels.alertname }}', name: dropped}
  - {type: button, text: Ack, name: ack, value: '1', confirm: {text: sure?, ok_text: yes}}
"#;
        let n = notifier(yaml, &g);
        send(&n, &cx(), &[resolved_alert()]).await.unwrap();
        let r = mock.single();
        assert_eq!(r.path, "/global");
        assert_eq!(
            r.json(),
            json!({
                "channel": "#ops",
                "username": "Alertmanager",
                "icon_emoji": ":fire:",
                "link_names": true,
                "text": "msg resolved",
                "attachments": [{
                    "title": "[RESOLVED] HighCPU (critical)",
                    "title_link": AM_URL,
                    "text": "",
                    "fallback": format!("[RESOLVED] HighCPU (critical) | {AM_URL}"),
                    "callback_id": "",
                    "fields": [
                        {"title": "sev", "value": "critical", "short": true},
                        {"title": "long", "value": "v", "short": false},
                    ],
                    "actions": [
                        {"type": "button", "text": "Runbook", "url": "http://rb/HighCPU"},
                        {"type": "button", "text": "Ack", "name": "ack", "value": "1",
                         "confirm": {"text": "sure?", "ok_text": "yes"}},
                    ],
                    "footer": "",
                    "color": "good",
                    "mrkdwn_in": ["text"],
                }],
            })
        );
    }

    #[tokio::test]
    async fn long_titles_are_truncated() {
        let mock = MockServer::start().await;
        mock.set_default(MockResponse::text(200, "ok"));
        let long = "é".repeat(2000);
        let n = notifier(&format!("api_url: {}\ntitle: {long}", mock.url("/h")), &global());
        send(&n, &cx(), &[alert()]).await.unwrap();
        let title = mock.single().json()["attachments"][0]["title"].as_str().unwrap().to_string();
        assert_eq!(title.chars().count(), 1024);
        assert!(title.ends_with("é…"));
    }

    #[tokio::test]
    async fn app_token_posts_then_updates_the_message() {
        let mock = MockServer::start().await;
        mock.on(
            "POST",
            "/api/chat.postMessage",
            MockResponse::json(200, json!({"ok": true, "channel": "C123", "ts": "1700.01"})),
        );
        mock.on("POST", "/api/chat.update", MockResponse::json(200, json!({"ok": true})));
        let n = notifier(
            &format!(
                "app_token: xoxb-1\napp_url: {}\nchannel: '#ops'\nupdate_message: true",
                mock.url("/api/chat.postMessage")
            ),
            &global(),
        );
        let sent = send(&n, &cx(), &[alert()]).await.unwrap();
        let data = sent.receiver_data.unwrap();
        assert_eq!(data.get("threadTs").map(String::as_str), Some("1700.01"));
        assert_eq!(data.get("channelId").map(String::as_str), Some("C123"));

        let mut cx2 = cx();
        cx2.receiver_data = data;
        send(&n, &cx2, &[resolved_alert()]).await.unwrap();
        let reqs = mock.requests();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].path, "/api/chat.postMessage");
        assert_eq!(reqs[0].header("authorization"), Some("Bearer xoxb-1"));
        assert_eq!(reqs[0].json()["channel"], "#ops");
        assert!(reqs[0].json().get("ts").is_none());
        assert_eq!(reqs[1].path, "/api/chat.update");
        assert_eq!(reqs[1].json()["ts"], "1700.01");
        assert_eq!(reqs[1].json()["channel"], "C123");
        assert_eq!(reqs[1].header("authorization"), Some("Bearer xoxb-1"));
    }

    #[tokio::test]
    async fn response_bodies_are_checked() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("api_url: {}\nchannel: '#c'", mock.url("/h")), &global());
        let alerts = [alert()];
        mock.enqueue(MockResponse::json(200, json!({"ok": false, "error": "invalid_auth"})));
        let e = send(&n, &cx(), &alerts).await.unwrap_err();
        assert!(!e.retryable);
        assert_eq!(e.message, "channel \"#c\": error response from Slack: invalid_auth");
        assert_eq!(e.reason, FailureReason::ClientError);
        mock.enqueue(MockResponse::text(200, "no_text"));
        let e = send(&n, &cx(), &alerts).await.unwrap_err();
        assert!(!e.retryable);
        assert_eq!(e.message, "channel \"#c\": received an error response from Slack: no_text");
        mock.enqueue(MockResponse::json(200, json!({"ok": true})));
        assert!(send(&n, &cx(), &alerts).await.is_ok());

        let e = check_status(&mock, &n, &cx(), &alerts, 500, true).await;
        assert_eq!(e.message, "channel \"#c\": unexpected status code 500: x");
        check_status(&mock, &n, &cx(), &alerts, 404, false).await;
        check_status(&mock, &n, &cx(), &alerts, 429, false).await;

        let closed =
            notifier(&format!("api_url: {}", closed_port_url("/T/B/secret").await), &global());
        let e = send(&closed, &cx(), &alerts).await.unwrap_err();
        assert!(e.retryable && !e.message.contains("secret"), "{e:?}");
    }

    #[tokio::test]
    async fn template_errors_leave_later_fields_empty_and_still_send() {
        let mock = MockServer::start().await;
        mock.set_default(MockResponse::text(200, "ok"));
        let n = notifier(
            &format!("api_url: {}\ntitle_link: '{{{{ .Nope.Deeper }}}}'", mock.url("/h")),
            &global(),
        );
        send(&n, &cx(), &[alert()]).await.unwrap();
        // title renders before title_link; everything after the failure is empty.
        assert_eq!(
            mock.single().json(),
            json!({"attachments": [{"title": SUBJECT, "text": "", "fallback": "",
                                    "callback_id": "", "footer": "",
                                    "mrkdwn_in": ["fallback", "pretext", "text"]}]})
        );
    }

    #[test]
    fn config_defaults_and_errors() {
        let g = global();
        let err = |y: &str| load::<SlackConfig>(y, &g).unwrap_err();
        assert_eq!(
            err("channel: x"),
            "no Slack API URL nor App token set either inline or in a file"
        );
        assert_eq!(
            err("api_url: http://x\napi_url_file: f"),
            "at most one of api_url & api_url_file must be configured"
        );
        assert_eq!(
            err("api_url: http://x\napp_token: t"),
            "at most one of api_url/api_url_file & app_token/app_token_file must be configured"
        );
        assert_eq!(
            err("app_token: t\nhttp_config: {authorization: {credentials: c}}"),
            "http authorization can't be set when using Slack App tokens"
        );
        assert_eq!(
            err("api_url: http://x\nupdate_message: true"),
            "update_message can only be used with bot tokens. api_url must be set to https://slack.com/api/chat.postMessage"
        );
        assert_eq!(
            err("api_url: http://x\nfields: [{title: t}]"),
            "missing value in Slack field configuration"
        );
        assert_eq!(
            err("api_url: http://x\nactions: [{type: button, text: t}]"),
            "missing name or url in Slack action configuration"
        );
        let c = load::<SlackConfig>("api_url: http://x", &g).unwrap();
        assert!(!c.send_resolved());
        assert_eq!(c.title, r#"{{ template "slack.default.title" . }}"#);
        let c = load::<SlackConfig>("app_token_file: tok", &g).unwrap();
        assert_eq!(c.api_url.expose(), "https://slack.com/api/chat.postMessage");
        let auth = c.http_config.unwrap().authorization.unwrap();
        assert_eq!(auth.credentials_file, "/etc/am/tok");
        // The global app token applies only without a local URL or authorization.
        let g2 =
            GlobalConfig { slack_app_token: Some(Secret::new("xoxb")), ..GlobalConfig::default() };
        let c = load::<SlackConfig>("channel: x", &g2).unwrap();
        assert!(c.token_mode());
        let c = load::<SlackConfig>("api_url: http://hook", &g2).unwrap();
        assert!(!c.token_mode());
    }
}

mod pagerduty {
    use super::scenario::*;
    use super::*;
    use alertmanager::config::receivers::PagerDutyConfig;
    use alertmanager::integrations::http::group_key_hash;
    use alertmanager::integrations::pagerduty;

    fn notifier(yaml: &str) -> Arc<dyn Notifier> {
        receivers::notifier::<PagerDutyConfig>(yaml, &global(), pagerduty::build)
    }

    #[tokio::test]
    async fn v2_trigger_with_default_details() {
        let mock = MockServer::start().await;
        mock.set_default(MockResponse::json(202, json!({"status": "success"})));
        let n = notifier(&format!(
            "routing_key: rk\nurl: {}\nclass: c\ngroup: '{{{{ .CommonLabels.severity }}}}'\nimages: [{{src: 'http://img', alt: a}}, {{src: ''}}]\nlinks: [{{href: 'http://l', text: t}}]\ndetails: {{extra: 'x {{{{ .Status }}}}', obj: '{{{{ .CommonLabels | toJson }}}}'}}",
            mock.url("/v2/enqueue")
        ));
        let a = alert();
        let cx = cx();
        send(&n, &cx, std::slice::from_ref(&a)).await.unwrap();
        let r = mock.single();
        assert_eq!(r.path, "/v2/enqueue");
        assert_json_headers(&r);
        assert_eq!(
            r.json(),
            json!({
                "routing_key": "rk",
                "dedup_key": group_key_hash(&cx.group_key),
                "event_action": "trigger",
                "payload": {
                    "summary": SUBJECT,
                    "source": "Alertmanager",
                    "severity": "error",
                    "class": "c",
                    "group": "critical",
                    "custom_details": {
                        "firing": [{
                            "status": "firing",
                            "labels": {"alertname": "HighCPU", "severity": "critical"},
                            "annotations": {"summary": "CPU hot"},
                            "startsAt": "2026-01-01T00:00:00Z",
                            "endsAt": "0001-01-01T00:00:00Z",
                            "generatorURL": "http://prom:9090/graph?g0.expr=up",
                            "fingerprint": fp(&a),
                        }],
                        "resolved": [],
                        "num_firing": 1,
                        "num_resolved": 0,
                        "extra": "x firing",
                        "obj": {"alertname": "HighCPU", "severity": "critical"},
                    },
                },
                "client": "Alertmanager",
                "client_url": AM_URL,
                "images": [{"src": "http://img", "alt": "a", "href": ""}],
                "links": [{"href": "http://l", "text": "t"}],
            })
        );
    }

    #[tokio::test]
    async fn v2_resolve_only_when_all_resolved() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("routing_key: rk\nurl: {}", mock.url("/e")));
        let other = firing(&[("alertname", "HighCPU"), ("instance", "b")], &[]);
        send(&n, &cx(), &[resolved_alert(), other]).await.unwrap();
        send(&n, &cx(), &[resolved_alert()]).await.unwrap();
        let reqs = mock.requests();
        assert_eq!(reqs[0].json()["event_action"], "trigger");
        assert_eq!(reqs[1].json()["event_action"], "resolve");
        assert_eq!(reqs[1].json()["payload"]["custom_details"]["num_resolved"], 1);
        assert_eq!(reqs[1].json()["payload"]["summary"], "[RESOLVED] HighCPU (critical)");
    }

    #[tokio::test]
    async fn v1_service_key() {
        let mock = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "sk\n").unwrap();
        let n = notifier(&format!("service_key_file: {}\nurl: {}", key.display(), mock.url("/v1")));
        let cx = cx();
        send(&n, &cx, &[alert()]).await.unwrap();
        send(&n, &cx, &[resolved_alert()]).await.unwrap();
        let reqs = mock.requests();
        let mut trigger = reqs[0].json();
        assert_eq!(trigger["details"]["num_firing"], 1);
        trigger["details"] = json!(null);
        assert_eq!(
            trigger,
            json!({
                "service_key": "sk",
                "incident_key": group_key_hash(&cx.group_key),
                "event_type": "trigger",
                "description": SUBJECT,
                "event_action": "",
                "payload": null,
                "client": "Alertmanager",
                "client_url": AM_URL,
                "details": null,
            })
        );
        let resolve = reqs[1].json();
        assert_eq!(resolve["event_type"], "resolve");
        assert!(resolve.get("client").is_none() && resolve.get("client_url").is_none());

        // v1 retries 403, not 429.
        check_status(&mock, &n, &cx, &[alert()], 403, true).await;
        check_status(&mock, &n, &cx, &[alert()], 429, false).await;
        check_status(&mock, &n, &cx, &[alert()], 502, true).await;
    }

    #[tokio::test]
    async fn v2_classification() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("routing_key: rk\nurl: {}", mock.url("/e")));
        let alerts = [alert()];
        check_status(&mock, &n, &cx(), &alerts, 429, true).await;
        check_status(&mock, &n, &cx(), &alerts, 500, true).await;
        check_status(&mock, &n, &cx(), &alerts, 403, false).await;
        mock.enqueue(MockResponse::json(
            400,
            json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["Length of 'routing_key' is incorrect", "x"]}),
        ));
        let e = send(&n, &cx(), &alerts).await.unwrap_err();
        assert!(!e.retryable);
        assert_eq!(
            e.message,
            "unexpected status code 400: Event object is invalid: Length of 'routing_key' is incorrect,x"
        );
        let closed = notifier(&format!("routing_key: rk\nurl: {}", closed_port_url("/e").await));
        let e = send(&closed, &cx(), &alerts).await.unwrap_err();
        assert!(
            e.retryable && e.message.starts_with("failed to post message to PagerDuty"),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn oversized_events_drop_custom_details() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("routing_key: rk\nurl: {}", mock.url("/e")));
        let big = "x".repeat(600_000);
        let a = firing(&[("alertname", "HighCPU")], &[("blob", big.as_str())]);
        send(&n, &cx(), &[a]).await.unwrap();
        let r = mock.single();
        assert!(r.body.len() < 512_000);
        assert_eq!(
            r.json()["payload"]["custom_details"],
            json!({"error": "Custom details have been removed because the original event exceeds the maximum size of 512KB"})
        );
    }

    #[tokio::test]
    async fn template_errors_are_permanent() {
        let mock = MockServer::start().await;
        let n = notifier(&format!(
            "routing_key: rk\nurl: {}\nseverity: '{{{{ .Nope.X }}}}'",
            mock.url("/e")
        ));
        let e = send(&n, &cx(), &[alert()]).await.unwrap_err();
        assert!(
            !e.retryable && e.message.starts_with("failed to template PagerDuty v2 message"),
            "{e:?}"
        );
        assert!(mock.requests().is_empty());
    }

    #[test]
    fn config_defaults_and_errors() {
        let g = global();
        let err = |y: &str| load::<PagerDutyConfig>(y, &g).unwrap_err();
        assert_eq!(err("client: x"), "missing service or routing key in PagerDuty config");
        assert_eq!(
            err("routing_key: a\nrouting_key_file: b"),
            "at most one of routing_key & routing_key_file must be configured"
        );
        assert_eq!(
            err("service_key: a\nservice_key_file: b"),
            "at most one of service_key & service_key_file must be configured"
        );
        let c = load::<PagerDutyConfig>("routing_key: a", &g).unwrap();
        assert!(c.send_resolved());
        assert_eq!(c.url.as_deref(), Some("https://events.pagerduty.com/v2/enqueue"));
        assert_eq!(c.source, c.client);
        assert_eq!(c.details.len(), 4);
        let c = load::<PagerDutyConfig>("service_key: a", &g).unwrap();
        assert_eq!(
            c.url.as_deref(),
            Some("https://events.pagerduty.com/generic/2010-04-15/create_event.json")
        );
        let c = load::<PagerDutyConfig>("routing_key: a\ndetails: {firing: mine}", &g).unwrap();
        assert_eq!(c.details["firing"], "mine");
    }
}

mod opsgenie {
    use super::scenario::*;
    use super::*;
    use alertmanager::config::receivers::OpsGenieConfig;
    use alertmanager::config::secret::Secret;
    use alertmanager::integrations::http::group_key_hash;
    use alertmanager::integrations::opsgenie;

    fn notifier(yaml: &str) -> Arc<dyn Notifier> {
        receivers::notifier::<OpsGenieConfig>(yaml, &global(), opsgenie::build)
    }

    #[tokio::test]
    async fn create_with_responders_tags_and_details() {
        let mock = MockServer::start().await;
        let n = notifier(&format!(
            r#"api_key: gk
api_url: {}
details: {{team: '{{{{ .CommonLabels.severity }}}}-x', severity: overridden}}
responders:
  - {{id: abc, type: team}}
  - {{name: 'a,b', type: teams}}
  - {{username: u, type: User}}
tags: 'x, y,,'
actions: 'run'
priority: P1
note: n
entity: e
"#,
            mock.url("/")
        ));
        let cx = cx();
        send(&n, &cx, &[alert()]).await.unwrap();
        let r = mock.single();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v2/alerts");
        assert_eq!(r.header("authorization"), Some("GenieKey gk"));
        assert_json_headers(&r);
        assert_eq!(
            r.json(),
            json!({
                "alias": group_key_hash(&cx.group_key),
                "message": SUBJECT,
                "description": format!("CPU hot\nAlerts Firing:\n{LIST}\n"),
                "details": {"alertname": "HighCPU", "severity": "overridden", "team": "critical-x"},
                "source": AM_URL,
                "responders": [
                    {"id": "abc", "type": "team"},
                    {"name": "a", "type": "team"},
                    {"name": "b", "type": "team"},
                    {"username": "u", "type": "user"},
                ],
                "tags": ["x", " y"],
                "note": "n",
                "priority": "P1",
                "entity": "e",
                "actions": ["run"],
            })
        );
    }

    #[tokio::test]
    async fn update_alerts_and_close() {
        let mock = MockServer::start().await;
        let g = GlobalConfig {
            opsgenie_api_url: Some(mock.url("/base")),
            opsgenie_api_key: Some(Secret::new("global-key")),
            ..GlobalConfig::default()
        };
        let c: OpsGenieConfig =
            load("update_alerts: true\nmessage: m\ndescription: d", &g).unwrap();
        assert_eq!(c.api_url.as_deref(), Some(mock.url("/base/").as_str()));
        let n = opsgenie::build(&c, &env()).unwrap();
        let cx = cx();
        let alias = group_key_hash(&cx.group_key);
        send(&n, &cx, &[alert()]).await.unwrap();
        send(&n, &cx, &[resolved_alert()]).await.unwrap();
        let reqs = mock.requests();
        let seen: Vec<_> = reqs.iter().map(|r| (r.method.as_str(), r.path_and_query())).collect();
        assert_eq!(
            seen,
            [
                ("POST", "/base/v2/alerts".to_string()),
                ("PUT", format!("/base/v2/alerts/{alias}/message?identifierType=alias")),
                ("PUT", format!("/base/v2/alerts/{alias}/description?identifierType=alias")),
                ("POST", format!("/base/v2/alerts/{alias}/close?identifierType=alias")),
            ]
        );
        assert_eq!(reqs[1].json(), json!({"message": "m"}));
        assert_eq!(reqs[2].json(), json!({"description": "d"}));
        assert_eq!(reqs[3].json(), json!({"source": AM_URL}));
        assert!(reqs.iter().all(|r| r.header("authorization") == Some("GenieKey global-key")));
    }

    #[tokio::test]
    async fn classification_and_long_messages() {
        let mock = MockServer::start().await;
        let n = notifier(&format!(
            "api_key: k\napi_url: {}\nmessage: '{}'",
            mock.url("/"),
            "m".repeat(200)
        ));
        let alerts = [alert()];
        send(&n, &cx(), &alerts).await.unwrap();
        let msg = mock.single().json()["message"].as_str().unwrap().to_string();
        assert_eq!(msg.chars().count(), 130);
        assert!(msg.ends_with('…'));
        check_status(&mock, &n, &cx(), &alerts, 429, true).await;
        check_status(&mock, &n, &cx(), &alerts, 503, true).await;
        check_status(&mock, &n, &cx(), &alerts, 422, false).await;
        let closed = notifier(&format!("api_key: k\napi_url: {}", closed_port_url("/").await));
        assert!(send(&closed, &cx(), &alerts).await.unwrap_err().retryable);
    }

    #[test]
    fn config_errors() {
        let g = global();
        let err = |y: &str| load::<OpsGenieConfig>(y, &g).unwrap_err();
        assert_eq!(err("message: x"), "no global OpsGenie API Key set either inline or in a file");
        assert_eq!(
            err("api_key: a\napi_key_file: b"),
            "at most one of api_key & api_key_file must be configured"
        );
        assert_eq!(
            err("api_key: a\nresponders: [{type: team}]"),
            "opsGenieConfig responder {   team} has to have at least one of id, username or name specified"
        );
        assert_eq!(
            err("api_key: a\nresponders: [{id: x, type: group}]"),
            "opsGenieConfig responder {x   group} type does not match valid options ^(team|teams|user|escalation|schedule)$"
        );
        let c = load::<OpsGenieConfig>("api_key: a\nresponders: [{id: x, type: '{{ .X }}'}]", &g)
            .unwrap();
        assert_eq!(c.api_url.as_deref(), Some("https://api.opsgenie.com/"));
        assert!(c.send_resolved());
    }
}

mod discord {
    use super::scenario::*;
    use super::*;
    use alertmanager::config::receivers::DiscordConfig;
    use alertmanager::integrations::discord;

    fn notifier(yaml: &str) -> Arc<dyn Notifier> {
        receivers::notifier::<DiscordConfig>(yaml, &global(), discord::build)
    }

    #[tokio::test]
    async fn embed_with_default_templates() {
        let mock = MockServer::start().await;
        let n = notifier(&format!(
            "webhook_url: {}\nusername: am\navatar_url: 'http://a/x.png'",
            mock.url("/api/webhooks/1/tok")
        ));
        send(&n, &cx(), &[alert()]).await.unwrap();
        let r = mock.single();
        assert_json_headers(&r);
        assert_eq!(
            r.json(),
            json!({
                "content": "",
                "embeds": [{
                    "title": SUBJECT,
                    "description": format!("\n\nAlerts Firing:\n{LIST}\n\n\n"),
                    "color": 0x992D22,
                }],
                "username": "am",
                "avatar_url": "http://a/x.png",
            })
        );
        send(&n, &cx(), &[resolved_alert()]).await.unwrap();
        let j = mock.requests()[1].json();
        assert_eq!(j["embeds"][0]["color"], 0x2ECC71);
        assert_eq!(j["embeds"][0]["title"], "[RESOLVED] HighCPU (critical)");
    }

    #[tokio::test]
    async fn classification_and_url_file() {
        let mock = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("url");
        std::fs::write(&f, mock.url("/from-file")).unwrap();
        let n = notifier(&format!("webhook_url_file: {}", f.display()));
        let alerts = [alert()];
        send(&n, &cx(), &alerts).await.unwrap();
        assert_eq!(mock.single().path, "/from-file");
        check_status(&mock, &n, &cx(), &alerts, 500, true).await;
        check_status(&mock, &n, &cx(), &alerts, 429, false).await;
        check_status(&mock, &n, &cx(), &alerts, 400, false).await;
        let closed = notifier(&format!("webhook_url: {}", closed_port_url("/x").await));
        assert!(send(&closed, &cx(), &alerts).await.unwrap_err().retryable);
    }

    #[test]
    fn config_errors() {
        let g = global();
        let err = |y: &str| load::<DiscordConfig>(y, &g).unwrap_err();
        assert_eq!(err("title: x"), "one of webhook_url or webhook_url_file must be configured");
        assert_eq!(
            err("webhook_url: http://x\nwebhook_url_file: f"),
            "at most one of webhook_url & webhook_url_file must be configured"
        );
        assert!(load::<DiscordConfig>("webhook_url: http://x", &g).unwrap().send_resolved());
    }
}

mod msteams {
    use super::scenario::*;
    use super::*;
    use alertmanager::config::receivers::{MsTeamsConfig, MsTeamsV2Config};
    use alertmanager::integrations::{msteams, msteamsv2};

    #[tokio::test]
    async fn connector_card() {
        let mock = MockServer::start().await;
        let c: MsTeamsConfig =
            load(&format!("webhook_url: {}", mock.url("/hook")), &global()).unwrap();
        let n = msteams::build(&c, &env()).unwrap();
        send(&n, &cx(), &[alert()]).await.unwrap();
        let r = mock.single();
        assert_json_headers(&r);
        assert_eq!(
            r.json(),
            json!({
                "@context": "http://schema.org/extensions",
                "type": "MessageCard",
                "title": SUBJECT,
                "summary": SUBJECT,
                "text": md_text(),
                "themeColor": "8C1A1A",
            })
        );
        send(&n, &cx(), &[resolved_alert()]).await.unwrap();
        assert_eq!(mock.requests()[1].json()["themeColor"], "2DC72D");
        let alerts = [alert()];
        check_status(&mock, &n, &cx(), &alerts, 502, true).await;
        check_status(&mock, &n, &cx(), &alerts, 429, false).await;
        check_status(&mock, &n, &cx(), &alerts, 400, false).await;
    }

    #[tokio::test]
    async fn adaptive_card() {
        let mock = MockServer::start().await;
        let c: MsTeamsV2Config =
            load(&format!("webhook_url: {}", mock.url("/flow")), &global()).unwrap();
        let n = msteamsv2::build(&c, &env()).unwrap();
        send(&n, &cx(), &[alert()]).await.unwrap();
        let r = mock.single();
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            r.json(),
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.2",
                        "body": [
                            {"type": "TextBlock", "text": SUBJECT, "weight": "Bolder", "size": "Medium",
                             "wrap": true, "style": "heading", "color": "Attention"},
                            {"type": "TextBlock", "text": md_text(), "wrap": true},
                        ],
                        "msteams": {"width": "full"},
                    },
                }],
            })
        );
        send(&n, &cx(), &[resolved_alert()]).await.unwrap();
        assert_eq!(
            mock.requests()[1].json()["attachments"][0]["content"]["body"][0]["color"],
            "Good"
        );
        let alerts = [alert()];
        check_status(&mock, &n, &cx(), &alerts, 500, true).await;
        check_status(&mock, &n, &cx(), &alerts, 404, false).await;
    }

    #[test]
    fn config_errors_and_proxy_inheritance() {
        let g = GlobalConfig {
            http_config: Some(
                serde_saphyr::from_str("proxy_url: http://proxy:3128\nfollow_redirects: false")
                    .unwrap(),
            ),
            ..GlobalConfig::default()
        };
        assert_eq!(
            load::<MsTeamsConfig>("title: x", &g).unwrap_err(),
            "one of webhook_url or webhook_url_file must be configured"
        );
        assert_eq!(
            load::<MsTeamsV2Config>("webhook_url: http://x\nwebhook_url_file: f", &g).unwrap_err(),
            "at most one of webhook_url & webhook_url_file must be configured"
        );
        // v2 with its own http_config takes only the global proxy_url.
        let c: MsTeamsV2Config =
            load("webhook_url: http://x\nhttp_config: {enable_http2: false}", &g).unwrap();
        let h = c.http_config.unwrap();
        assert_eq!(h.proxy_url, "http://proxy:3128");
        assert!(h.follow_redirects && !h.enable_http2);
        // v1 with its own http_config takes nothing from global.
        let c: MsTeamsConfig =
            load("webhook_url: http://x\nhttp_config: {enable_http2: false}", &g).unwrap();
        assert_eq!(c.http_config.unwrap().proxy_url, "");
        // Without one, both copy the global block.
        let c: MsTeamsConfig = load("webhook_url: http://x", &g).unwrap();
        assert!(!c.http_config.unwrap().follow_redirects);
    }
}

mod mattermost {
    use super::scenario::*;
    use super::*;
    use alertmanager::config::receivers::MattermostConfig;
    use alertmanager::config::secret::Secret;
    use alertmanager::integrations::mattermost;

    fn notifier(yaml: &str, g: &GlobalConfig) -> Arc<dyn Notifier> {
        receivers::notifier::<MattermostConfig>(yaml, g, mattermost::build)
    }

    #[tokio::test]
    async fn default_attachment() {
        let mock = MockServer::start().await;
        let g = GlobalConfig {
            mattermost_webhook_url: Some(Secret::new(mock.url("/hooks/abc"))),
            ..GlobalConfig::default()
        };
        let n = notifier(
            "channel: town-square\nfields: [{title: sev, value: '{{ .CommonLabels.severity }}', short: true}]",
            &g,
        );
        send(&n, &cx(), &[alert()]).await.unwrap();
        let r = mock.single();
        assert_eq!(r.path, "/hooks/abc");
        assert_json_headers(&r);
        assert_eq!(
            r.json(),
            json!({
                "channel": "town-square",
                "username": "Alertmanager",
                "attachments": [{
                    "fallback": format!("{SUBJECT} | {AM_URL}"),
                    "color": "danger",
                    "text": md_text(),
                    "title": SUBJECT,
                    "title_link": AM_URL,
                    "fields": [{"title": "sev", "value": "critical", "short": true}],
                }],
            })
        );
    }

    #[tokio::test]
    async fn explicit_attachments_and_priority() {
        let mock = MockServer::start().await;
        let n = notifier(
            &format!(
                "webhook_url: {}\ntext: 'hello {{{{ .Status }}}}'\nattachments: [{{title: t, text: '{{{{ .Status }}}}'}}]\npriority: {{priority: URGENT, requested_ack: true, persistent_notifications: true}}\nprops: {{card: c}}",
                mock.url("/h")
            ),
            &global(),
        );
        send(&n, &cx(), &[resolved_alert()]).await.unwrap();
        assert_eq!(
            mock.single().json(),
            json!({
                "text": "hello resolved",
                "username": "Alertmanager",
                "attachments": [{"title": "t", "text": "resolved"}],
                "props": {"card": "c"},
                "priority": {"priority": "urgent", "requested_ack": true, "persistent_notifications": true},
            })
        );
        mock.clear();
        let n = notifier(
            &format!(
                "webhook_url: {}\npriority: {{priority: bogus, requested_ack: true, persistent_notifications: true}}",
                mock.url("/h")
            ),
            &global(),
        );
        send(&n, &cx(), &[alert()]).await.unwrap();
        assert_eq!(mock.single().json()["priority"], json!({"priority": "standard"}));
    }

    #[tokio::test]
    async fn classification() {
        let mock = MockServer::start().await;
        let n = notifier(&format!("webhook_url: {}\nchannel: c", mock.url("/h")), &global());
        let alerts = [alert()];
        let e = check_status(&mock, &n, &cx(), &alerts, 500, true).await;
        assert_eq!(e.message, "channel \"c\": unexpected status code 500: x");
        check_status(&mock, &n, &cx(), &alerts, 403, false).await;
        check_status(&mock, &n, &cx(), &alerts, 429, false).await;
    }

    #[test]
    fn config_errors() {
        let g = global();
        let err = |y: &str| load::<MattermostConfig>(y, &g).unwrap_err();
        assert_eq!(
            err("channel: x"),
            "missing webhook_url or webhook_url_file on mattermost_config"
        );
        assert_eq!(
            err("webhook_url: http://x\nwebhook_url_file: f"),
            "at most one of webhook_url & webhook_url_file must be configured"
        );
        assert_eq!(
            err("webhook_url: http://x\nfields: [{value: v}]"),
            "missing title in Mattermost field configuration"
        );
        assert!(load::<MattermostConfig>("webhook_url: http://x", &g).unwrap().send_resolved());
    }
}

/// `http_config` at the transport level: TLS, proxies, redirects, timeouts.
mod http_client {
    use super::*;
    use alertmanager::config::http::HttpClientConfig;
    use alertmanager::integrations::http::{Client, Request};
    use mock_http::MockTls;
    use std::path::PathBuf;

    fn tls_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/tls")
    }

    fn pem(name: &str) -> String {
        std::fs::read_to_string(tls_dir().join(name)).unwrap()
    }

    fn client(yaml: &str) -> Client {
        let mut c: HttpClientConfig = serde_saphyr::from_str(yaml).unwrap();
        c.validate(&tls_dir()).unwrap();
        Client::new(&c, USER_AGENT).unwrap()
    }

    async fn get(c: &Client, url: String) -> Result<u16, NotifyError> {
        c.send(Request::new(reqwest::Method::GET, url)).await.map(|r| r.status)
    }

    fn https_server(client_ca: bool) -> MockServer {
        MockServer::start_tls(MockTls {
            cert_chain: pem("server.crt"),
            key: pem("server.key"),
            client_ca: client_ca.then(|| pem("ca.crt")),
        })
    }

    #[tokio::test]
    async fn custom_ca_and_insecure_skip_verify() {
        let mock = https_server(false);
        let url = mock.url_with_host("localhost", "/x");
        assert_eq!(get(&client("tls_config: {ca_file: ca.crt}"), url.clone()).await.unwrap(), 200);
        let inline = format!("tls_config: {{ca: {:?}}}", pem("ca.crt"));
        assert_eq!(get(&client(&inline), url.clone()).await.unwrap(), 200);
        // The system roots do not know the test CA.
        let e = get(&client("{}"), url).await.unwrap_err();
        assert!(e.retryable, "{e:?}");
        // The certificate has no IP SAN: verification fails unless skipped.
        let ip_url = mock.url("/x");
        assert!(get(&client("tls_config: {ca_file: ca.crt}"), ip_url.clone()).await.is_err());
        let insecure = client("tls_config: {insecure_skip_verify: true}");
        assert_eq!(get(&insecure, ip_url).await.unwrap(), 200);
        assert_eq!(mock.requests().len(), 3);
    }

    #[tokio::test]
    async fn server_name_is_what_gets_verified() {
        let mock = https_server(false);
        let ip_url = mock.url("/x");
        let c = client("tls_config: {ca_file: ca.crt, server_name: alt.example}");
        assert_eq!(get(&c, ip_url.clone()).await.unwrap(), 200);
        let c = client("tls_config: {ca_file: ca.crt, server_name: other.example}");
        assert!(get(&c, ip_url).await.is_err());
    }

    #[tokio::test]
    async fn client_certificates() {
        let mock = https_server(true);
        let url = mock.url_with_host("localhost", "/x");
        let with_cert =
            client("tls_config: {ca_file: ca.crt, cert_file: client.crt, key_file: client.key}");
        assert_eq!(get(&with_cert, url.clone()).await.unwrap(), 200);
        let without = client("tls_config: {ca_file: ca.crt}");
        assert!(get(&without, url).await.is_err());
        // The server_name path builds its own rustls config: it must send the cert too.
        let named = client(
            "tls_config: {ca_file: ca.crt, cert_file: client.crt, key_file: client.key, server_name: localhost}",
        );
        assert_eq!(get(&named, mock.url("/x")).await.unwrap(), 200);
        assert!(
            Client::new(
                &serde_saphyr::from_str("tls_config: {ca_file: /nonexistent/ca.crt}").unwrap(),
                USER_AGENT
            )
            .unwrap_err()
            .contains("unable to read CA cert")
        );
    }

    #[tokio::test]
    async fn proxy_url_and_no_proxy() {
        let proxy = MockServer::start().await;
        let c = client(&format!("proxy_url: {}", proxy.url("")));
        assert_eq!(get(&c, "http://target.invalid/hook".into()).await.unwrap(), 200);
        let r = proxy.single();
        assert_eq!(r.header("host"), Some("target.invalid"));
        assert_eq!(r.path, "/hook");
        // Bypassing the proxy for that host means resolving it, which fails.
        let c = client(&format!("proxy_url: {}\nno_proxy: target.invalid", proxy.url("")));
        assert!(get(&c, "http://target.invalid/hook".into()).await.unwrap_err().retryable);
        assert_eq!(proxy.requests().len(), 1);
    }

    #[tokio::test]
    async fn redirects_follow_unless_disabled() {
        let mock = MockServer::start().await;
        mock.on("GET", "/old", MockResponse::status(302).with_header("location", "/new"));
        mock.on("GET", "/new", MockResponse::status(204));
        assert_eq!(get(&client("{}"), mock.url("/old")).await.unwrap(), 204);
        assert_eq!(get(&client("follow_redirects: false"), mock.url("/old")).await.unwrap(), 302);
    }

    #[tokio::test(start_paused = true)]
    async fn webhook_timeout_is_a_retryable_deadline() {
        use alertmanager::config::receivers::WebhookConfig;
        let mock = MockServer::start().await;
        mock.set_default(MockResponse::status(200).with_delay(std::time::Duration::from_secs(60)));
        let c: WebhookConfig =
            load(&format!("url: {}\ntimeout: 2s", mock.url("/slow")), &global()).unwrap();
        let n = alertmanager::integrations::webhook::build(&c, &env()).unwrap();
        let e =
            send(&n, &context("r", &[]), &[firing(&[("alertname", "A")], &[])]).await.unwrap_err();
        assert!(e.retryable);
        assert_eq!(e.reason, FailureReason::ContextDeadlineExceeded, "{e:?}");
        assert!(e.message.ends_with(": configured webhook timeout reached (2s)"), "{e:?}");
    }

    #[tokio::test]
    async fn credential_files_are_read_per_request() {
        let mock = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let tok = dir.path().join("tok");
        let hdr = dir.path().join("hdr");
        std::fs::write(&tok, "one\n").unwrap();
        std::fs::write(&hdr, "h1").unwrap();
        let c = client(&format!(
            "authorization: {{type: Token, credentials_file: {}}}\nhttp_headers: {{X-Extra: {{files: [{}]}}}}",
            tok.display(),
            hdr.display()
        ));
        get(&c, mock.url("/a")).await.unwrap();
        std::fs::write(&tok, "two").unwrap();
        std::fs::write(&hdr, "h2").unwrap();
        get(&c, mock.url("/a")).await.unwrap();
        let seen: Vec<_> = mock
            .requests()
            .iter()
            .map(|r| {
                (
                    r.header("authorization").unwrap().to_string(),
                    r.header("x-extra").unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [("Token one".to_string(), "h1".to_string()), ("Token two".into(), "h2".into())]
        );
        std::fs::remove_file(&tok).unwrap();
        let e = get(&c, mock.url("/a")).await.unwrap_err();
        assert!(
            e.retryable && e.message.contains("unable to read authorization credentials"),
            "{e:?}"
        );
        assert_eq!(mock.requests().len(), 2);
    }
}
