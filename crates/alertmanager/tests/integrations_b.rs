//! Email, SNS, Jira, Telegram, Pushover, VictorOps, Webex, WeChat, Rocket.Chat and
//! incident.io against local mocks of their services: the exact requests (JSON compared as
//! values, forms parsed, SMTP transcripts), retry classification, and config validation.

#![allow(clippy::unwrap_used)]

#[path = "common/mock_http.rs"]
mod mock_http;
#[path = "common/mock_smtp.rs"]
mod mock_smtp;
#[path = "common/receivers.rs"]
mod receivers;

use alertmanager::alert::Alert;
use alertmanager::config::global::GlobalConfig;
use alertmanager::config::receivers::{
    EmailConfig, IncidentIoConfig, IntegrationConfig, JiraConfig, PushoverConfig, RocketChatConfig,
    SnsConfig, TelegramConfig, VictorOpsConfig, WeChatConfig, WebexConfig,
};
use alertmanager::integrations::{self, FailureReason, Notifier, NotifyContext, NotifyError};
use mock_http::fixtures::{context, env, firing, resolved};
use mock_http::{MockResponse, MockServer};
use mock_smtp::{SmtpMock, SmtpOptions};
use receivers::load;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

// ---------------------------------------------------------------- helpers

fn cfg<T: serde::de::DeserializeOwned + IntegrationConfig>(yaml: &str) -> T {
    load(yaml, &GlobalConfig::defaults()).unwrap()
}

/// The notifier for a valid entry, with the global defaults.
fn built<T: serde::de::DeserializeOwned + IntegrationConfig>(
    yaml: &str,
    build: receivers::Build<T>,
) -> Arc<dyn Notifier> {
    receivers::notifier(yaml, &GlobalConfig::defaults(), build)
}

fn alerts() -> Vec<Alert> {
    vec![firing(
        &[("alertname", "HighCPU"), ("instance", "web-1"), ("severity", "critical")],
        &[("summary", "CPU is hot"), ("description", "über 90%")],
    )]
}

fn cx() -> NotifyContext {
    context("team-ops", &[("alertname", "HighCPU")])
}

/// Renders a template string the way a notifier does, for expected values.
fn render(cx: &NotifyContext, alerts: &[Alert], tmpl: &str) -> String {
    let data = alertmanager::template_data::build(cx, alerts);
    cx.templates.execute_text(tmpl, &data).unwrap()
}

fn render_html(cx: &NotifyContext, alerts: &[Alert], tmpl: &str) -> String {
    let data = alertmanager::template_data::build(cx, alerts);
    cx.templates.execute_html(tmpl, &data).unwrap()
}

fn key_hash(cx: &NotifyContext) -> String {
    alertmanager::integrations::http::group_key_hash(&cx.group_key)
}

async fn notify(
    n: &Arc<dyn Notifier>,
    cx: &NotifyContext,
    alerts: &[Alert],
) -> Result<(), NotifyError> {
    n.notify(cx, alerts).await.map(drop)
}

// ---------------------------------------------------------------- email

/// Decodes a quoted-printable body.
fn qp_decode(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 3 <= b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(h, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A received mail: its headers (name → value, in order) and its MIME parts (content type →
/// decoded body).
struct Mail {
    headers: Vec<(String, String)>,
    parts: Vec<(String, String)>,
}

impl Mail {
    fn parse(raw: &str) -> Mail {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let headers: Vec<(String, String)> = head
            .split("\r\n")
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        let ct = headers.iter().find(|(k, _)| k == "Content-Type").unwrap().1.clone();
        let boundary = ct.split("boundary=").nth(1).unwrap().to_string();
        assert!(ct.starts_with("multipart/alternative;  boundary="), "{ct}");
        assert!(body.ends_with(&format!("\r\n--{boundary}--\r\n")), "{body}");
        let mut parts = Vec::new();
        for chunk in body.split(&format!("--{boundary}")).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let chunk = chunk.trim_start_matches("\r\n");
            let (ph, pb) = chunk.split_once("\r\n\r\n").unwrap();
            assert!(ph.contains("Content-Transfer-Encoding: quoted-printable"), "{ph}");
            let ctype =
                ph.lines().find_map(|l| l.strip_prefix("Content-Type: ")).unwrap().to_string();
            let pb = pb.strip_suffix("\r\n").unwrap_or(pb);
            parts.push((ctype, qp_decode(pb)));
        }
        Mail { headers, parts }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn email(yaml: &str, mock: &SmtpMock) -> Arc<dyn Notifier> {
    let yaml = format!("smarthost: '{}'\nfrom: am@example.com\n{yaml}", mock.smarthost());
    built::<EmailConfig>(&yaml, integrations::email::build)
}

#[tokio::test]
async fn email_starttls_plain_auth_and_exact_message() {
    let mock =
        SmtpMock::start(SmtpOptions { auth: vec!["PLAIN", "LOGIN"], ..Default::default() }).await;
    let n = email(
        &format!(
            "to: 'a@example.com, Bee <b@example.com>'\nauth_username: user\nauth_password: pass\n\
             tls_config: {{ca_file: '{}'}}\nheaders: {{x-team: 'ops {{{{ .GroupLabels.alertname }}}}'}}",
            mock_smtp::ca_file()
        ),
        &mock,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();

    let sessions = mock.sessions();
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert!(s.tls, "the message went over STARTTLS");
    assert_eq!(s.authenticated.as_deref(), Some("PLAIN"), "first advertised usable mechanism");
    let commands: Vec<&str> = s.commands.iter().map(String::as_str).collect();
    assert_eq!(
        commands,
        [
            "EHLO localhost",
            "STARTTLS",
            "EHLO localhost",
            "AUTH PLAIN AHVzZXIAcGFzcw==",
            "MAIL FROM:<am@example.com>",
            "RCPT TO:<a@example.com>",
            "RCPT TO:<b@example.com>",
            "DATA",
            "QUIT"
        ]
    );

    let mail = Mail::parse(s.message.as_deref().unwrap());
    let names: Vec<&str> = mail.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["From", "Subject", "To", "X-Team", "Message-Id", "Date", "Content-Type", "MIME-Version"]
    );
    assert_eq!(mail.header("Subject"), Some("[FIRING:1] HighCPU (web-1 critical)"));
    assert_eq!(mail.header("To"), Some("a@example.com, Bee <b@example.com>"));
    assert_eq!(mail.header("From"), Some("am@example.com"));
    assert_eq!(mail.header("X-Team"), Some("ops HighCPU"));
    assert_eq!(mail.header("MIME-Version"), Some("1.0"));
    let mid = mail.header("Message-Id").unwrap();
    assert!(mid.starts_with('<') && mid.ends_with('>') && mid.contains('@'), "{mid}");
    let date = mail.header("Date").unwrap();
    assert!(jiff::fmt::rfc2822::parse(date).is_ok(), "RFC 1123Z date: {date}");
    // Only the default HTML part, rendered in HTML mode.
    assert_eq!(mail.parts.len(), 1);
    assert_eq!(mail.parts[0].0, "text/html; charset=UTF-8");
    let want = render_html(&cx, &alerts, r#"{{ template "email.default.html" . }}"#);
    assert_eq!(mail.parts[0].1, want.replace("\r\n", "\n").replace('\n', "\r\n"));
    assert!(mail.parts[0].1.contains("über 90%"));
}

#[tokio::test]
async fn email_text_part_threading_and_encoded_headers() {
    let mock = SmtpMock::start(SmtpOptions { starttls: false, ..Default::default() }).await;
    let n = email(
        "to: a@example.com\nrequire_tls: false\ntext: 'Alerts: {{ len .Alerts }}'\nhtml: '<b>{{ .Status }}</b>'\n\
         headers: {Subject: 'Größe {{ .Status }}'}\nthreading: {enabled: true, thread_by_date: none}",
        &mock,
    );
    let cx = cx();
    notify(&n, &cx, &alerts()).await.unwrap();
    let s = &mock.sessions()[0];
    assert!(!s.tls);
    assert_eq!(s.authenticated, None);
    let mail = Mail::parse(s.message.as_deref().unwrap());
    assert_eq!(mail.header("Subject"), Some("=?utf-8?q?Gr=C3=B6=C3=9Fe_firing?="));
    let root = format!("<alert-{}-@alertmanager>", &key_hash(&cx)[..16]);
    assert_eq!(mail.header("References"), Some(root.as_str()));
    assert_eq!(mail.header("In-Reply-To"), Some(root.as_str()));
    // Text first, the preferred HTML alternative last.
    assert_eq!(
        mail.parts,
        [
            ("text/plain; charset=UTF-8".to_string(), "Alerts: 1".to_string()),
            ("text/html; charset=UTF-8".to_string(), "<b>firing</b>".to_string())
        ]
    );
}

#[tokio::test]
async fn email_implicit_tls_with_login() {
    let mock = SmtpMock::start(SmtpOptions {
        implicit_tls: true,
        starttls: false,
        auth: vec!["LOGIN"],
        ..Default::default()
    })
    .await;
    let n = email(
        &format!(
            "to: a@example.com\nforce_implicit_tls: true\nauth_username: user\nauth_password: pass\n\
             tls_config: {{ca_file: '{}'}}",
            mock_smtp::ca_file()
        ),
        &mock,
    );
    notify(&n, &cx(), &alerts()).await.unwrap();
    let s = &mock.sessions()[0];
    assert!(s.tls);
    assert_eq!(s.authenticated.as_deref(), Some("LOGIN"));
    assert_eq!(&s.commands[..4], ["EHLO localhost", "AUTH LOGIN", "dXNlcg==", "cGFzcw=="]);
}

#[tokio::test]
async fn email_cram_md5_is_preferred_when_listed_first() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s3cret").unwrap();
    let mock = SmtpMock::start(SmtpOptions {
        starttls: false,
        auth: vec!["CRAM-MD5", "PLAIN"],
        ..Default::default()
    })
    .await;
    let n = email(
        &format!(
            "to: a@example.com\nrequire_tls: false\nhello: client.example\nauth_username: user\n\
             auth_password: pass\nauth_secret_file: '{}'",
            secret.display()
        ),
        &mock,
    );
    notify(&n, &cx(), &alerts()).await.unwrap();
    let s = &mock.sessions()[0];
    assert_eq!(s.commands[0], "EHLO client.example");
    assert_eq!(s.commands[1], "AUTH CRAM-MD5");
    assert_eq!(s.authenticated.as_deref(), Some("CRAM-MD5"));
    assert!(s.message.is_some());
}

#[tokio::test]
async fn email_auth_failure_and_missing_credentials_are_retryable() {
    let mock =
        SmtpMock::start(SmtpOptions { starttls: false, auth: vec!["PLAIN"], ..Default::default() })
            .await;
    let n = email(
        "to: a@example.com\nrequire_tls: false\nauth_username: user\nauth_password: wrong",
        &mock,
    );
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "*smtp.plainAuth auth: 535 5.7.8 Authentication credentials invalid");

    let n = email("to: a@example.com\nrequire_tls: false\nauth_username: user", &mock);
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "find auth mechanism: missing password for PLAIN auth mechanism");
}

#[tokio::test]
async fn email_require_tls_without_starttls_fails() {
    let mock = SmtpMock::start(SmtpOptions { starttls: false, ..Default::default() }).await;
    let n = email("to: a@example.com", &mock);
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(
        e.message,
        format!(
            "'require_tls' is true (default) but {:?} does not advertise the STARTTLS extension",
            mock.smarthost()
        )
    );
    assert!(mock.sessions()[0].message.is_none());
}

#[tokio::test]
async fn email_rejected_recipient_is_retryable() {
    let mock =
        SmtpMock::start(SmtpOptions { starttls: false, reject_rcpt: true, ..Default::default() })
            .await;
    let n = email("to: a@example.com\nrequire_tls: false", &mock);
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "send RCPT command: 550 5.1.1 No such user");
}

#[tokio::test]
async fn email_bad_addresses_and_templates_are_permanent_and_send_nothing() {
    let mock = SmtpMock::start(SmtpOptions::default()).await;
    for (yaml, want) in [
        (
            "to: not-an-address\nrequire_tls: false",
            "parse 'to' addresses: mail: missing @ in addr-spec",
        ),
        (
            "to: a@example.com\nheaders: {Subject: '{{ .Nope.Nope }}'}",
            r#"execute "Subject" header template"#,
        ),
        ("to: '{{ if }}'", "execute 'to' template"),
    ] {
        let n = email(yaml, &mock);
        let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
        assert!(!e.retryable, "{yaml}: {e:?}");
        assert!(e.message.starts_with(want), "{yaml}: {}", e.message);
    }
    let c: EmailConfig =
        cfg(&format!("to: a@b.c\nsmarthost: '{}'\nfrom: 'a@b.c, d@e.f'", mock.smarthost()));
    let n = integrations::email::build(&c, &env()).unwrap();
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert_eq!(e.message, "must be exactly one 'from' address (got: 2)");
    assert!(mock.sessions().is_empty(), "nothing reached the server");
}

#[tokio::test]
async fn email_connection_refused_is_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let n = built::<EmailConfig>(
        &format!("to: a@b.c\nfrom: x@y.z\nsmarthost: '{addr}'"),
        integrations::email::build,
    );
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert!(e.message.starts_with("establish connection to server: "), "{}", e.message);
}

#[test]
fn email_global_fallbacks() {
    let mut g = GlobalConfig::defaults();
    assert_eq!(load::<EmailConfig>("to: a@b", &g).unwrap_err(), "no global SMTP smarthost set");
    g.smtp_smarthost = Some("mail.example:587".into());
    assert_eq!(load::<EmailConfig>("to: a@b", &g).unwrap_err(), "no global SMTP from set");
    g.smtp_from = Some("am@example".into());
    g.smtp_auth_username = Some("u".into());
    let c = load::<EmailConfig>("to: a@b\nauth_password: p", &g).unwrap();
    assert_eq!(
        (c.smarthost.as_str(), c.from.as_str(), c.auth_username.as_str()),
        ("mail.example:587", "am@example", "u")
    );
    assert_eq!(c.require_tls, Some(true));
    assert_eq!(
        load::<EmailConfig>("from: x@y", &g).unwrap_err(),
        "missing to address in email config"
    );
}

// ---------------------------------------------------------------- sns

fn form(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

const PUBLISH_OK: &str = "<PublishResponse xmlns=\"https://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>\
    <MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult></PublishResponse>";

fn sns(yaml: &str, mock: &MockServer) -> Arc<dyn Notifier> {
    let c: SnsConfig = cfg(&format!(
        "api_url: '{}'\nsigv4: {{region: us-east-1, access_key: AKID, secret_key: SECRET}}\n{yaml}",
        mock.url("/")
    ));
    integrations::sns::build_with_env(
        &c,
        &env(),
        integrations::sns::credentials::AwsEnv::from_map(HashMap::new()),
    )
    .unwrap()
}

#[tokio::test]
async fn sns_publish_form_and_valid_signature() {
    let mock = MockServer::start().await;
    mock.set_default(MockResponse::text(200, PUBLISH_OK));
    let n = sns(
        "topic_arn: arn:aws:sns:us-east-1:123456789012:alerts\nattributes: {team: '{{ .CommonLabels.severity }}'}",
        &mock,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let req = mock.single();
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/"));
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    let f = form(&req.body);
    let want: BTreeMap<String, String> = [
        ("Action", "Publish".to_string()),
        ("Version", "2010-03-31".to_string()),
        ("TopicArn", "arn:aws:sns:us-east-1:123456789012:alerts".to_string()),
        ("Subject", render(&cx, &alerts, r#"{{ template "sns.default.subject" . }}"#)),
        ("Message", render(&cx, &alerts, r#"{{ template "sns.default.message" . }}"#)),
        ("MessageAttributes.entry.1.Name", "team".to_string()),
        ("MessageAttributes.entry.1.Value.DataType", "String".to_string()),
        ("MessageAttributes.entry.1.Value.StringValue", "critical".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(f, want);
    assert_eq!(f["Subject"], "[FIRING:1] HighCPU (web-1 critical)");

    // The signature checks out against the request as received.
    let amz_date = req.header("x-amz-date").unwrap().to_string();
    let when: jiff::Timestamp = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", &amz_date)
        .unwrap()
        .to_datetime()
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
    let url = url::Url::parse(&mock.url("/")).unwrap();
    let headers =
        vec![("Content-Type".to_string(), req.header("content-type").unwrap().to_string())];
    let signed = integrations::sns::sigv4::sign(
        &integrations::sns::sigv4::Request {
            method: "POST",
            url: &url,
            headers: &headers,
            body: &req.body,
        },
        &integrations::sns::sigv4::Credentials {
            access_key: "AKID".into(),
            secret_key: alertmanager::config::secret::Secret::new("SECRET"),
            session_token: None,
        },
        "us-east-1",
        "sns",
        when,
    );
    let auth = req.header("authorization").unwrap();
    assert_eq!(auth, signed.last().unwrap().1);
    assert!(auth.starts_with(&format!(
        "AWS4-HMAC-SHA256 Credential=AKID/{}/us-east-1/sns/aws4_request, ",
        &amz_date[..8]
    )));
    assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date,"), "{auth}");
}

#[tokio::test]
async fn sns_fifo_topic_and_sms_truncation() {
    let mock = MockServer::start().await;
    mock.set_default(MockResponse::text(200, PUBLISH_OK));
    let cx = cx();
    let n = sns("topic_arn: arn:aws:sns:us-east-1:1:alerts.fifo\nsubject: ''", &mock);
    notify(&n, &cx, &alerts()).await.unwrap();
    let f = form(&mock.single().body);
    assert_eq!(f["MessageGroupId"], key_hash(&cx));
    assert_eq!(f["MessageDeduplicationId"], key_hash(&cx));
    assert!(!f.contains_key("Subject"), "an empty subject template sends none");

    mock.clear();
    let n = sns("phone_number: '+15555550100'\nmessage: short", &mock);
    notify(&n, &cx, &alerts()).await.unwrap();
    let f = form(&mock.single().body);
    assert_eq!(f["PhoneNumber"], "+15555550100");
    assert!(
        !f.contains_key("MessageAttributes.entry.1.Name"),
        "short messages are not marked truncated"
    );

    mock.clear();
    let long = "é".repeat(1000); // 2000 bytes
    let n = sns(&format!("phone_number: '+15555550100'\nmessage: '{long}'"), &mock);
    notify(&n, &cx, &alerts()).await.unwrap();
    let f = form(&mock.single().body);
    assert_eq!(f["Message"], "é".repeat(800), "cut to 1600 bytes for SMS");
    assert_eq!(f["MessageAttributes.entry.1.Name"], "truncated");
    assert_eq!(f["MessageAttributes.entry.1.Value.StringValue"], "true");
}

#[tokio::test]
async fn sns_status_classification() {
    let mock = MockServer::start().await;
    let n = sns("target_arn: arn:aws:sns:us-east-1:1:endpoint/x", &mock);
    mock.enqueue(MockResponse::text(
        400,
        "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code>\
         <Message>Invalid parameter: TargetArn</Message></Error><RequestId>r</RequestId></ErrorResponse>",
    ));
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(!e.retryable);
    assert_eq!(e.reason, FailureReason::ClientError);
    assert_eq!(e.message, "unexpected status code 400: Invalid parameter: TargetArn");
    mock.enqueue(MockResponse::text(
        503,
        "<ErrorResponse><Error><Message>busy</Message></Error></ErrorResponse>",
    ));
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.reason, FailureReason::ServerError);
    assert_eq!(form(&mock.requests()[0].body)["TargetArn"], "arn:aws:sns:us-east-1:1:endpoint/x");
}

#[tokio::test]
async fn sns_assumes_role_through_sts() {
    let sts = MockServer::start().await;
    sts.set_default(MockResponse::text(
        200,
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIATEMP</AccessKeyId>\
         <SecretAccessKey>tempsecret</SecretAccessKey><SessionToken>tok+en/=</SessionToken>\
         <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
    ));
    let sns_mock = MockServer::start().await;
    sns_mock.set_default(MockResponse::text(200, PUBLISH_OK));
    let c: SnsConfig = cfg(&format!(
        "api_url: '{}'\ntopic_arn: t\nsigv4: {{region: eu-west-1, access_key: AKID, secret_key: S, \
         role_arn: 'arn:aws:iam::1:role/am', external_id: ext}}",
        sns_mock.url("/")
    ));
    let aws = integrations::sns::credentials::AwsEnv::from_map(HashMap::from([(
        "AWS_ENDPOINT_URL_STS".to_string(),
        sts.url("/"),
    )]));
    let n = integrations::sns::build_with_env(&c, &env(), aws).unwrap();
    notify(&n, &cx(), &alerts()).await.unwrap();
    notify(&n, &cx(), &alerts()).await.unwrap();
    assert_eq!(sts.requests().len(), 1, "assumed credentials are cached");
    let a = form(&sts.single().body);
    assert_eq!(a["Action"], "AssumeRole");
    assert_eq!(a["RoleArn"], "arn:aws:iam::1:role/am");
    assert_eq!(a["ExternalId"], "ext");
    assert!(a["RoleSessionName"].starts_with("aws-go-sdk-"));
    assert!(sts.single().header("authorization").unwrap().contains("Credential=AKID/"));
    assert!(sts.single().header("authorization").unwrap().contains("/eu-west-1/sts/aws4_request"));
    let p = &sns_mock.requests()[1];
    assert_eq!(p.header("x-amz-security-token"), Some("tok+en/="));
    assert!(p.header("authorization").unwrap().contains("Credential=ASIATEMP/"));
}

#[tokio::test]
async fn sns_without_region_fails_retryably() {
    let c: SnsConfig = cfg("topic_arn: t\nsigv4: {access_key: a, secret_key: b}");
    let aws = integrations::sns::credentials::AwsEnv::from_map(HashMap::new());
    let n = integrations::sns::build_with_env(&c, &env(), aws).unwrap();
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(
        e.message,
        "region not configured in sns.sigv4.region or in default credentials chain"
    );
}

// ---------------------------------------------------------------- jira

fn jira(yaml: &str, mock: &MockServer) -> Arc<dyn Notifier> {
    built::<JiraConfig>(
        &format!(
            "api_url: '{}'\nproject: OPS\nissue_type: Bug\nlabels: ['{{{{ .CommonLabels.severity }}}}']\n{yaml}",
            mock.url("/rest/api/2")
        ),
        integrations::jira::build,
    )
}

#[tokio::test]
async fn jira_creates_an_issue_when_none_exists() {
    let mock = MockServer::start().await;
    mock.on("POST", "/rest/api/2/search", MockResponse::json(200, json!({"issues": []})));
    mock.on("POST", "/rest/api/2/issue", MockResponse::json(201, json!({"key": "OPS-1"})));
    let n = jira(
        "fields: {customfield_10001: '{{ .CommonLabels.instance }}', customfield_2: '{{ len .Alerts }}'}",
        &mock,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    let h = key_hash(&cx);
    assert_eq!(reqs[0].header("accept-language"), Some("en"));
    assert_eq!(
        reqs[0].json(),
        json!({
            "fields": ["status"],
            "jql": format!("statusCategory != Done and project=\"OPS\" and labels=\"ALERT{{{h}}}\" order by status ASC,resolutiondate DESC"),
            "maxResults": 2
        })
    );
    assert_eq!(reqs[1].path, "/rest/api/2/issue");
    assert_eq!(
        reqs[1].json(),
        json!({"fields": {
            "project": {"key": "OPS"},
            "issuetype": {"name": "Bug"},
            "summary": render(&cx, &alerts, r#"{{ template "jira.default.summary" . }}"#),
            "description": render(&cx, &alerts, r#"{{ template "jira.default.description" . }}"#),
            "labels": [format!("ALERT{{{h}}}"), "critical"],
            "priority": {"name": "High"},
            "customfield_10001": "web-1",
            "customfield_2": 1
        }})
    );
}

#[tokio::test]
async fn jira_updates_and_resolves_an_existing_issue() {
    let mock = MockServer::start().await;
    mock.on(
        "POST",
        "/rest/api/2/search",
        MockResponse::json(200, json!({"issues": [{"key": "OPS-7", "fields": {"status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}}}]})),
    );
    mock.on("PUT", "/rest/api/2/issue/OPS-7", MockResponse::status(204));
    mock.on(
        "GET",
        "/rest/api/2/issue/OPS-7/transitions",
        MockResponse::json(
            200,
            json!({"transitions": [{"id": "11", "name": "Start"}, {"id": "31", "name": "Done"}]}),
        ),
    );
    mock.on("POST", "/rest/api/2/issue/OPS-7/transitions", MockResponse::status(204));
    let n = jira("resolve_transition: Done\nsummary: {template: 'x', enable_update: false}", &mock);
    let alerts = vec![resolved(&[("alertname", "HighCPU"), ("severity", "critical")], &[])];
    notify(&n, &cx(), &alerts).await.unwrap();
    let reqs = mock.requests();
    let calls: Vec<(&str, &str)> =
        reqs.iter().map(|r| (r.method.as_str(), r.path.as_str())).collect();
    assert_eq!(
        calls,
        [
            ("POST", "/rest/api/2/search"),
            ("PUT", "/rest/api/2/issue/OPS-7"),
            ("GET", "/rest/api/2/issue/OPS-7/transitions"),
            ("POST", "/rest/api/2/issue/OPS-7/transitions")
        ]
    );
    assert!(reqs[1].json()["fields"].get("summary").is_none(), "summary updates disabled");
    assert!(reqs[1].json()["fields"].get("description").is_some());
    assert_eq!(reqs[3].json(), json!({"transition": {"id": "31"}}));
}

#[tokio::test]
async fn jira_resolved_without_issue_sends_nothing_and_cloud_search_path() {
    let mock = MockServer::start().await;
    mock.set_default(MockResponse::json(200, json!({"issues": []})));
    let n = built::<JiraConfig>(
        &format!(
            "api_url: '{}'\napi_type: cloud\nproject: OPS\nissue_type: Bug\nwont_fix_resolution: \"Won't Fix\"\n\
         reopen_transition: Reopen\nreopen_duration: 2h",
            mock.url("/rest/api/2")
        ),
        integrations::jira::build,
    );
    notify(&n, &cx(), &[resolved(&[("alertname", "HighCPU")], &[])]).await.unwrap();
    let r = mock.single();
    assert_eq!(r.path, "/rest/api/3/search/jql");
    assert!(r.json()["jql"].as_str().unwrap().starts_with(
        "(resolution is EMPTY or resolution != \"Won't Fix\") and statusCategory != Done and project=\"OPS\""
    ));
    mock.clear();
    notify(&n, &cx(), &alerts()).await.unwrap();
    let reqs = mock.requests();
    assert!(
        reqs[0].json()["jql"]
            .as_str()
            .unwrap()
            .contains("(resolutiondate is EMPTY OR resolutiondate >= -120m) and project=")
    );
    assert_eq!(reqs[1].path, "/rest/api/2/issue");
}

#[tokio::test]
async fn jira_classification() {
    let mock = MockServer::start().await;
    let n = jira("", &mock);
    mock.enqueue(MockResponse::text(429, "slow down"));
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.reason, FailureReason::RateLimited);
    assert_eq!(
        e.message,
        "failed to look up existing issues: HTTP request to JIRA API: unexpected status code 429: slow down"
    );
    mock.enqueue(MockResponse::json(200, json!({"issues": []})));
    mock.enqueue(MockResponse::text(400, "bad field"));
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(!e.retryable);
    assert_eq!(
        e.message,
        "failed to POST request to \"issue\": unexpected status code 400: bad field"
    );
}

// ---------------------------------------------------------------- telegram

#[tokio::test]
async fn telegram_send_message_payload() {
    let mock = MockServer::start().await;
    mock.set_default(MockResponse::json(
        200,
        json!({"ok": true, "result": {"message_id": 1, "chat": {"id": -100}}}),
    ));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "123:ABC\n").unwrap();
    let n = built::<TelegramConfig>(
        &format!(
            "api_url: '{}'\nbot_token_file: '{}'\nchat_id: -100\nmessage_thread_id: 7\ndisable_notifications: true",
            mock.url(""),
            token.display()
        ),
        integrations::telegram::build,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let r = mock.single();
    assert_eq!(r.path, "/bot123:ABC/sendMessage");
    assert_eq!(
        r.json(),
        json!({
            "chat_id": "-100",
            "text": render_html(&cx, &alerts, r#"{{ template "telegram.default.message" . }}"#),
            "parse_mode": "HTML",
            "disable_web_page_preview": "true",
            "disable_notification": "true",
            "message_thread_id": "7"
        })
    );
}

#[tokio::test]
async fn telegram_errors_are_retryable_with_reason() {
    let mock = MockServer::start().await;
    let n = built::<TelegramConfig>(
        &format!(
            "api_url: '{}'\nbot_token: t\nchat_id: 1\nparse_mode: ''\nmessage: 'hi'",
            mock.url("")
        ),
        integrations::telegram::build,
    );
    mock.enqueue(MockResponse::json(
        400,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}),
    ));
    let e = notify(&n, &cx(), &alerts()).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.reason, FailureReason::ClientError);
    assert_eq!(e.message, "telegram: Bad Request: chat not found (400)");
    assert_eq!(
        mock.single().json(),
        json!({"chat_id": "1", "text": "hi", "disable_web_page_preview": "true"})
    );
}

// ---------------------------------------------------------------- pushover

#[tokio::test]
async fn pushover_query_parameters() {
    let mock = MockServer::start().await;
    let c: PushoverConfig =
        cfg("user_key: ukey\ntoken: tkey\nttl: 1h\nsound: siren\nretry: 30s\nhtml: true");
    let n =
        integrations::pushover::build_with_url(&c, &env(), &mock.url("/1/messages.json")).unwrap();
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/1/messages.json"));
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let q: BTreeMap<String, String> = r.query_pairs().into_iter().collect();
    let message = render_html(&cx, &alerts, r#"{{ template "pushover.default.message" . }}"#);
    let want: BTreeMap<String, String> = [
        ("token", "tkey".to_string()),
        ("user", "ukey".to_string()),
        ("title", render(&cx, &alerts, r#"{{ template "pushover.default.title" . }}"#)),
        ("html", "1".to_string()),
        ("message", message.trim().to_string()),
        ("url", "http://am.example:9093/#/alerts?receiver=team-ops".to_string()),
        ("url_title", String::new()),
        ("priority", "2".to_string()),
        ("retry", "30".to_string()),
        ("expire", "3600".to_string()),
        ("device", String::new()),
        ("sound", "siren".to_string()),
        ("ttl", "3600".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(q, want);
    // Query keys are sorted as Go's url.Values encodes them.
    let keys: Vec<String> = r.query_pairs().into_iter().map(|(k, _)| k).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    mock.enqueue(MockResponse::text(500, "oops"));
    let e = notify(&n, &cx, &[resolved(&[("alertname", "x")], &[])]).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "unexpected status code 500: oops");
    let q: BTreeMap<String, String> = mock.requests()[1].query_pairs().into_iter().collect();
    assert_eq!(q["priority"], "0", "normal priority once resolved");
}

// ---------------------------------------------------------------- victorops

#[tokio::test]
async fn victorops_payload_and_url() {
    let mock = MockServer::start().await;
    let n = built::<VictorOpsConfig>(
        &format!(
            "api_url: '{}'\napi_key: KEY\nrouting_key: 'team-{{{{ .CommonLabels.severity }}}}'\nmessage_type: BOGUS\n\
         custom_fields: {{runbook: 'http://rb/{{{{ .GroupLabels.alertname }}}}'}}",
            mock.url("/integrations/generic/20131114/alert")
        ),
        integrations::victorops::build,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let r = mock.single();
    assert_eq!(r.path, "/integrations/generic/20131114/alert/KEY/team-critical");
    assert_eq!(
        r.json(),
        json!({
            "message_type": "CRITICAL",
            "entity_id": key_hash(&cx),
            "entity_display_name": render(&cx, &alerts, r#"{{ template "victorops.default.entity_display_name" . }}"#),
            "state_message": render(&cx, &alerts, r#"{{ template "victorops.default.state_message" . }}"#),
            "monitoring_tool": render(&cx, &alerts, r#"{{ template "victorops.default.monitoring_tool" . }}"#),
            "runbook": "http://rb/HighCPU"
        })
    );
    mock.clear();
    notify(&n, &cx, &[resolved(&[("alertname", "HighCPU")], &[])]).await.unwrap();
    assert_eq!(mock.single().json()["message_type"], "RECOVERY");
}

// ---------------------------------------------------------------- webex

#[tokio::test]
async fn webex_payload_with_authorization() {
    let mock = MockServer::start().await;
    let n = built::<WebexConfig>(
        &format!(
            "api_url: '{}'\nroom_id: 'room-{{{{ .GroupLabels.alertname }}}}'\nhttp_config: {{authorization: {{credentials: wtok}}}}",
            mock.url("/v1/messages")
        ),
        integrations::webex::build,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let r = mock.single();
    assert_eq!(r.header("authorization"), Some("Bearer wtok"));
    assert_eq!(
        r.json(),
        json!({"markdown": render(&cx, &alerts, r#"{{ template "webex.default.message" . }}"#), "roomId": "room-HighCPU"})
    );
    mock.enqueue(MockResponse::status(404));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(!e.retryable);
    assert_eq!(e.reason, FailureReason::ClientError);
}

// ---------------------------------------------------------------- wechat

#[tokio::test]
async fn wechat_token_then_message_and_token_expiry() {
    let mock = MockServer::start().await;
    mock.on("GET", "/cgi-bin/gettoken", MockResponse::json(200, json!({"access_token": "AT1"})));
    mock.on(
        "POST",
        "/cgi-bin/message/send",
        MockResponse::json(200, json!({"errcode": 0, "errmsg": "ok"})),
    );
    let n = built::<WeChatConfig>(
        &format!(
            "api_url: '{}'\napi_secret: SEC\ncorp_id: CORP\nto_user: '@all'\nagent_id: '1000002'\nmessage_type: markdown",
            mock.url("/cgi-bin")
        ),
        integrations::wechat::build,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    notify(&n, &cx, &alerts).await.unwrap();
    let reqs = mock.requests();
    let calls: Vec<(&str, &str)> =
        reqs.iter().map(|r| (r.method.as_str(), r.path.as_str())).collect();
    assert_eq!(
        calls,
        [
            ("GET", "/cgi-bin/gettoken"),
            ("POST", "/cgi-bin/message/send"),
            ("POST", "/cgi-bin/message/send")
        ]
    );
    assert_eq!(reqs[0].query, "corpid=CORP&corpsecret=SEC");
    assert_eq!(reqs[1].query, "access_token=AT1");
    assert_eq!(
        reqs[1].json(),
        json!({
            "text": {"content": ""},
            "touser": "@all",
            "agentid": "1000002",
            "safe": "0",
            "msgtype": "markdown",
            "markdown": {"content": render(&cx, &alerts, r#"{{ template "wechat.default.message" . }}"#)}
        })
    );

    // An expired token is dropped and the failure retried; other errcodes are final.
    mock.enqueue(MockResponse::json(
        200,
        json!({"errcode": 42001, "errmsg": "access_token expired"}),
    ));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "access_token expired");
    notify(&n, &cx, &alerts).await.unwrap();
    assert_eq!(mock.requests().iter().filter(|r| r.path == "/cgi-bin/gettoken").count(), 2);
    mock.enqueue(MockResponse::json(
        200,
        json!({"errcode": 60020, "errmsg": "not allow to access from your ip"}),
    ));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(!e.retryable);
    mock.enqueue(MockResponse::status(502));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "unexpected status code 502");
}

// ---------------------------------------------------------------- rocketchat

#[tokio::test]
async fn rocketchat_payload_headers_and_errors() {
    let mock = MockServer::start().await;
    mock.set_default(MockResponse::json(200, json!({"success": true})));
    let n = built::<RocketChatConfig>(
        &format!(
            "api_url: '{}'\ntoken: TOK\ntoken_id: UID\nchannel: '#ops'\nshort_fields: true\n\
         fields: [{{title: sev, value: '{{{{ .CommonLabels.severity }}}}'}}, {{title: t2, value: v2, short: false}}]\n\
         actions: [{{text: Open, url: 'http://x/{{{{ .GroupLabels.alertname }}}}'}}]",
            mock.url("/base")
        ),
        integrations::rocketchat::build,
    );
    let (cx, alerts) = (cx(), alerts());
    notify(&n, &cx, &alerts).await.unwrap();
    let r = mock.single();
    assert_eq!(r.path, "/base/api/v1/chat.postMessage");
    assert_eq!(r.header("x-auth-token"), Some("TOK"));
    assert_eq!(r.header("x-user-id"), Some("UID"));
    let t = |s: &str| render(&cx, &alerts, s);
    let mut att = json!({
        "title": t(r#"{{ template "rocketchat.default.title" . }}"#),
        "title_link": t(r#"{{ template "rocketchat.default.titlelink" . }}"#),
        "text": t(r#"{{ template "rocketchat.default.text" . }}"#),
        "color": "red",
        "fields": [{"short": true, "title": "sev", "value": "critical"}, {"short": false, "title": "t2", "value": "v2"}],
        "actions": [{"type": "button", "text": "Open", "url": "http://x/HighCPU", "is_webview": false, "msg_in_chat_window": false}]
    });
    // Empty template results are omitted.
    att.as_object_mut().unwrap().retain(|_, v| v != "");
    let mut want = json!({
        "channel": "#ops",
        "emoji": t(r#"{{ template "rocketchat.default.emoji" . }}"#),
        "avatar": t(r#"{{ template "rocketchat.default.iconurl" . }}"#),
        "attachments": [att]
    });
    want.as_object_mut().unwrap().retain(|_, v| v != "");
    assert_eq!(r.json(), want);

    mock.enqueue(MockResponse::json(200, json!({"success": false, "error": "error-not-allowed"})));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(!e.retryable);
    assert_eq!(e.reason, FailureReason::ClientError);
    assert_eq!(e.message, "channel \"#ops\": error response from Rocketchat: error-not-allowed");
    mock.enqueue(MockResponse::text(500, "down"));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.message, "channel \"#ops\": unexpected status code 500: down");
}

// ---------------------------------------------------------------- incident.io

#[tokio::test]
async fn incidentio_payload_token_and_classification() {
    let mock = MockServer::start().await;
    let n = built::<IncidentIoConfig>(
        &format!("url: '{}'\nalert_source_token: SRC\nmax_alerts: 1", mock.url("/v2/alert_events")),
        integrations::incidentio::build,
    );
    let cx = cx();
    let mut alerts = alerts();
    alerts.push(firing(&[("alertname", "HighCPU"), ("instance", "web-2")], &[]));
    notify(&n, &cx, &alerts).await.unwrap();
    let r = mock.single();
    assert_eq!(r.header("authorization"), Some("Bearer SRC"));
    let body = r.json();
    assert_eq!(body["version"], "1");
    assert_eq!(body["groupKey"], &*cx.group_key);
    assert_eq!(body["truncatedAlerts"], 1);
    assert_eq!(body["receiver"], "team-ops");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(body["alerts"][0]["labels"]["instance"], "web-1");
    assert_eq!(
        body["commonLabels"],
        json!({"alertname": "HighCPU", "instance": "web-1", "severity": "critical"})
    );
    assert_eq!(body["externalURL"], "http://am.example:9093");

    mock.enqueue(MockResponse::json(429, json!({"message": "rate limited", "errors": ["a", "b"]})));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(e.retryable);
    assert_eq!(e.reason, FailureReason::RateLimited);
    assert_eq!(e.message, "unexpected status code 429: rate limited: a, b");
    mock.enqueue(MockResponse::json(400, json!({"error": "bad"})));
    let e = notify(&n, &cx, &alerts).await.unwrap_err();
    assert!(!e.retryable);
    assert_eq!(e.message, "unexpected status code 400: bad");
}

// ---------------------------------------------------------------- config validation

#[test]
fn config_validation_errors() {
    let g = GlobalConfig::defaults();
    macro_rules! err {
        ($t:ty, $yaml:expr) => {
            load::<$t>($yaml, &g).unwrap_err()
        };
    }
    let cases: Vec<(String, &str)> = vec![
        (
            err!(TelegramConfig, "bot_token: t"),
            "missing chat_id or chat_id_file on telegram_config",
        ),
        (
            err!(TelegramConfig, "chat_id: 1"),
            "missing bot_token or bot_token_file on telegram_config",
        ),
        (
            err!(TelegramConfig, "bot_token: t\nbot_token_file: f\nchat_id: 1"),
            "at most one of bot_token & bot_token_file must be configured",
        ),
        (
            err!(TelegramConfig, "bot_token: t\nchat_id: 1\nchat_id_file: f"),
            "at most one of chat_id & chat_id_file must be configured",
        ),
        (
            err!(TelegramConfig, "bot_token: t\nchat_id: 1\nparse_mode: md"),
            "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string",
        ),
        (err!(PushoverConfig, "token: t"), "one of user_key or user_key_file must be configured"),
        (err!(PushoverConfig, "user_key: u"), "one of token or token_file must be configured"),
        (
            err!(PushoverConfig, "user_key: u\ntoken: t\nhtml: true\nmonospace: true"),
            "at most one of monospace & html must be configured",
        ),
        (err!(VictorOpsConfig, "api_key: k"), "missing Routing key in VictorOps config"),
        (err!(VictorOpsConfig, "routing_key: r"), "no global VictorOps API Key set"),
        (
            err!(VictorOpsConfig, "routing_key: r\napi_key: k\ncustom_fields: {entity_state: x}"),
            "victorOps config contains custom field entity_state which cannot be used as it conflicts with the fixed/static fields",
        ),
        (
            err!(WebexConfig, "http_config: {authorization: {credentials: x}}"),
            "missing room_id on webex_config",
        ),
        (err!(WebexConfig, "room_id: r"), "missing webex_configs.http_config.authorization"),
        (
            err!(WeChatConfig, "corp_id: c"),
            "no global Wechat Api Secret set either inline or in a file",
        ),
        (err!(WeChatConfig, "api_secret: s"), "no global Wechat CorpID set"),
        (
            err!(WeChatConfig, "api_secret: s\ncorp_id: c\nmessage_type: html"),
            "weChat message type \"html\" does not match valid options ^(text|markdown)$",
        ),
        (
            err!(RocketChatConfig, "token: t"),
            "no global Rocketchat TokenID set either inline or in a file",
        ),
        (
            err!(RocketChatConfig, "token_id: t"),
            "no global Rocketchat Token set either inline or in a file",
        ),
        (
            err!(RocketChatConfig, "token: t\ntoken_file: f"),
            "at most one of token & token_file must be configured",
        ),
        (err!(JiraConfig, "issue_type: Bug"), "missing project in jira_config"),
        (err!(JiraConfig, "project: P"), "missing issue_type in jira_config"),
        (
            err!(JiraConfig, "project: P\nissue_type: B\napi_type: server"),
            "unknown api_type on jira_config, must be auto, cloud or datacenter",
        ),
        (err!(JiraConfig, "project: P\nissue_type: B"), "no global Jira Cloud URL set"),
        (
            err!(IncidentIoConfig, "alert_source_token: t"),
            "one of url or url_file must be configured",
        ),
        (
            err!(IncidentIoConfig, "url: http://x\nurl_file: f"),
            "at most one of url & url_file must be configured",
        ),
        (
            err!(IncidentIoConfig, "url: http://x\nhttp_config: {}"),
            "at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured",
        ),
        (
            err!(
                IncidentIoConfig,
                "url: http://x\nalert_source_token: t\nhttp_config: {authorization: {credentials: c}}"
            ),
            "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization",
        ),
        (
            err!(SnsConfig, "{}"),
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config",
        ),
        (
            err!(EmailConfig, "to: a@b\nheaders: {subject: a, SUBJECT: b}"),
            "duplicate header \"Subject\" in email config",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn global_fallbacks_and_defaults() {
    let mut g = GlobalConfig::defaults();
    g.telegram_bot_token = Some(alertmanager::config::secret::Secret::new("gt"));
    g.victorops_api_key = Some(alertmanager::config::secret::Secret::new("vk"));
    g.wechat_api_secret = Some(alertmanager::config::secret::Secret::new("ws"));
    g.wechat_api_corp_id = Some("corp".into());
    g.rocketchat_token = Some(alertmanager::config::secret::Secret::new("rt"));
    g.rocketchat_token_id = Some(alertmanager::config::secret::Secret::new("rid"));
    g.jira_api_url = Some("https://x.atlassian.net/rest/api/2".into());

    let t: TelegramConfig = load("chat_id: 5", &g).unwrap();
    assert_eq!(
        (t.bot_token.expose(), t.api_url.as_deref()),
        ("gt", Some("https://api.telegram.org"))
    );
    assert_eq!(t.parse_mode.as_deref(), Some("HTML"));
    assert!(t.send_resolved());
    let v: VictorOpsConfig = load("routing_key: r\napi_url: http://vo/x", &g).unwrap();
    assert_eq!((v.api_key.expose(), v.api_url.as_deref()), ("vk", Some("http://vo/x/")));
    let w: WeChatConfig = load("{}", &g).unwrap();
    assert_eq!(w.api_url.as_deref(), Some("https://qyapi.weixin.qq.com/cgi-bin/"));
    assert_eq!((w.corp_id.as_str(), w.message_type.as_str()), ("corp", "text"));
    assert!(!w.send_resolved());
    let r: RocketChatConfig = load("{}", &g).unwrap();
    assert_eq!(r.api_url.as_deref(), Some("https://open.rocket.chat/"));
    assert!(!r.send_resolved());
    let j: JiraConfig = load("project: P\nissue_type: B\nsummary: 'S {{ .Status }}'", &g).unwrap();
    assert_eq!(j.api_url.as_deref(), Some("https://x.atlassian.net/rest/api/2"));
    assert_eq!(j.summary.unwrap().template, "S {{ .Status }}");
    let p: PushoverConfig = load("user_key: u\ntoken: t", &g).unwrap();
    assert_eq!(p.retry.unwrap().as_nanos(), 60_000_000_000);
    let we: WebexConfig = load("room_id: r\nhttp_config: {bearer_token: b}", &g).unwrap();
    assert_eq!(we.api_url.as_deref(), Some("https://webexapis.com/v1/messages"));
    let i: IncidentIoConfig = load("url: http://x", &g).unwrap();
    assert!(i.http_config.is_some() && i.send_resolved());
}

#[test]
fn full_config_loads_and_builds_every_integration() {
    let yaml = r#"
global:
  smtp_smarthost: 'mail.example:587'
  smtp_from: am@example.com
  wechat_api_secret: ws
  wechat_api_corp_id: corp
  rocketchat_token: rt
  rocketchat_token_id: rid
  jira_api_url: https://jira.example/rest/api/2
route:
  receiver: all
receivers:
  - name: all
    email_configs: [{to: ops@example.com, headers: {subject: 'x'}}]
    sns_configs: [{topic_arn: 'arn:aws:sns:us-east-1:1:t', sigv4: {region: us-east-1}}]
    jira_configs: [{project: OPS, issue_type: Bug, summary: {template: s, enable_update: false}, fields: {customfield_1: {nested: ['{{ .Status }}']}}}]
    telegram_configs: [{bot_token: t, chat_id: 42}]
    pushover_configs: [{user_key: u, token: t, retry: 2m}]
    victorops_configs: [{api_key: k, routing_key: r}]
    webex_configs: [{room_id: r, http_config: {authorization: {credentials: c}}}]
    wechat_configs: [{}]
    rocketchat_configs: [{channel: '#x', actions: [{text: Open, url: 'http://x'}], fields: [{title: a, value: b}]}]
    incidentio_configs: [{url: 'https://api.incident.io/v2/alert_events/alertmanager/x', alert_source_token: s}]
"#;
    let c = alertmanager::config::load_str(yaml, Path::new("/etc/am/alertmanager.yml")).unwrap();
    let r = c.receivers.iter().find(|r| r.name == "all").unwrap();
    let built = integrations::build(r, &env()).unwrap();
    let names: Vec<&str> = built.iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        [
            "email",
            "incidentio",
            "jira",
            "pushover",
            "rocketchat",
            "sns",
            "telegram",
            "victorops",
            "webex",
            "wechat"
        ]
    );
    let email = r.email_configs[0].value.as_ref().unwrap();
    assert_eq!(email.headers.get("Subject").map(String::as_str), Some("x"));
    assert_eq!(email.smarthost, "mail.example:587");
    let jira = r.jira_configs[0].value.as_ref().unwrap();
    assert_eq!(jira.fields["customfield_1"], json!({"nested": ["{{ .Status }}"]}));
    let sent: Vec<bool> = built.iter().map(|i| i.send_resolved).collect();
    assert_eq!(sent, [false, true, true, true, false, true, true, true, true, false]);

    let bad = yaml.replace("chat_id: 42", "chat_id: 42, bogus: 1");
    let e = alertmanager::config::load_str(&bad, Path::new("/etc/am/alertmanager.yml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bogus"), "{e}");
    let bad = yaml.replace("{to: ops@example.com, ", "{");
    let e = alertmanager::config::load_str(&bad, Path::new("/etc/am/alertmanager.yml"))
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("missing to address in email config"), "{e}");
    assert!(e.starts_with("/etc/am/alertmanager.yml:"), "{e}");
}

#[tokio::test]
async fn sns_default_chain_container_and_web_identity_credentials() {
    use integrations::sns::credentials::{AwsEnv, Provider};
    let client = integrations::http::Client::new(&Default::default(), "test").unwrap();
    let sigv4 = alertmanager::config::receivers::sns::SigV4Config::default();

    let ecs = MockServer::start().await;
    ecs.set_default(MockResponse::json(
        200,
        json!({"AccessKeyId": "ECSKEY", "SecretAccessKey": "s", "Token": "ecs-token", "Expiration": "2099-01-01T00:00:00Z"}),
    ));
    let env = AwsEnv::from_map(HashMap::from([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI".to_string(), ecs.url("/creds")),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN".to_string(), "auth-tok".to_string()),
        ("HOME".to_string(), "/nonexistent".to_string()),
    ]));
    let p = Provider::new(sigv4.clone(), env, client.clone());
    let c = p.credentials("us-east-1").await.unwrap();
    assert_eq!((c.access_key.as_str(), c.session_token.as_deref()), ("ECSKEY", Some("ecs-token")));
    assert_eq!(ecs.single().header("authorization"), Some("auth-tok"));

    let sts = MockServer::start().await;
    sts.set_default(MockResponse::text(
        200,
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
         <AccessKeyId>WEBKEY</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>wt</SessionToken>\
         <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>\
         </AssumeRoleWithWebIdentityResponse>",
    ));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "jwt.value\n").unwrap();
    let env = AwsEnv::from_map(HashMap::from([
        ("AWS_WEB_IDENTITY_TOKEN_FILE".to_string(), token.display().to_string()),
        ("AWS_ROLE_ARN".to_string(), "arn:aws:iam::1:role/irsa".to_string()),
        ("AWS_ENDPOINT_URL_STS".to_string(), sts.url("/")),
        ("HOME".to_string(), "/nonexistent".to_string()),
    ]));
    let p = Provider::new(sigv4, env, client);
    let c = p.credentials("us-east-1").await.unwrap();
    assert_eq!(c.access_key, "WEBKEY");
    let f = form(&sts.single().body);
    assert_eq!(f["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(f["WebIdentityToken"], "jwt.value");
    assert_eq!(f["RoleArn"], "arn:aws:iam::1:role/irsa");
    assert!(sts.single().header("authorization").is_none(), "web identity calls are unsigned");
}
