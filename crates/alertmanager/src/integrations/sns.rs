//! The `sns` notifier: SNS `Publish` over AWS's Query API (form-encoded POST), signed with
//! SigV4, as upstream's AWS SDK sends it.
//!
//! Upstream returns "retry" for every failure that is not an HTTP status (template errors
//! included, with reason `clientError`); statuses follow the generic rule (5xx retryable).

pub mod credentials;
pub mod sigv4;

use super::http::{Client, Renderer, classify_details, group_key_hash};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::SnsConfig;
use credentials::{AwsEnv, Provider, dns_suffix, xml_value};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

/// SNS's limit for a message, except SMS.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// SMS messages (`phone_number`) are cut to this many bytes.
const MAX_SMS_BYTES: usize = 1600;

/// Builds the notifier for one validated `sns_configs` entry.
pub fn build(cfg: &SnsConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    build_with_env(cfg, env, AwsEnv::process())
}

/// [`build`] with the AWS environment given (tests).
pub fn build_with_env(
    cfg: &SnsConfig,
    env: &BuildEnv,
    aws: AwsEnv,
) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    let provider = Provider::new(cfg.sigv4.clone(), aws.clone(), client.clone());
    Ok(Arc::new(Sns { cfg: cfg.clone(), client, provider, aws }))
}

/// Publishes notifications to SNS.
#[derive(Debug)]
pub struct Sns {
    cfg: SnsConfig,
    client: Client,
    provider: Provider,
    aws: AwsEnv,
}

fn client_error(message: String) -> NotifyError {
    NotifyError::retryable(FailureReason::ClientError, message)
}

impl Sns {
    /// The form parameters of `Publish`, sorted by name.
    fn publish_params(
        &self,
        cx: &NotifyContext,
        r: &Renderer<'_>,
    ) -> Result<BTreeMap<String, String>, NotifyError> {
        let t = |what: &str, s: &str| {
            r.text(s).map_err(|e| client_error(format!("execute '{what}' template: {e}")))
        };
        let mut attributes = BTreeMap::new();
        for (k, v) in &self.cfg.attributes {
            attributes.insert(t("attributes", k)?, t("attributes", v)?);
        }
        let mut p = BTreeMap::new();
        let mut limit = MAX_MESSAGE_BYTES;
        if !self.cfg.topic_arn.is_empty() {
            let topic = t("topic_arn", &self.cfg.topic_arn)?;
            if topic.ends_with(".fifo") {
                let key = group_key_hash(&cx.group_key);
                p.insert("MessageDeduplicationId".to_string(), key.clone());
                p.insert("MessageGroupId".to_string(), key);
            }
            p.insert("TopicArn".to_string(), topic);
        }
        if !self.cfg.phone_number.is_empty() {
            p.insert("PhoneNumber".to_string(), t("phone_number", &self.cfg.phone_number)?);
            limit = MAX_SMS_BYTES;
        }
        if !self.cfg.target_arn.is_empty() {
            p.insert("TargetArn".to_string(), t("target_arn", &self.cfg.target_arn)?);
        }
        let mut message = t("message", self.cfg.message.as_deref().unwrap_or_default())?;
        if message.len() > limit {
            // Upstream cuts bytes; we stop at the character boundary below the limit so the
            // message stays valid UTF-8.
            let mut end = limit;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            attributes.insert("truncated".to_string(), "true".to_string());
        }
        p.insert("Message".to_string(), message);
        for (i, (k, v)) in attributes.into_iter().enumerate() {
            let n = i + 1;
            p.insert(format!("MessageAttributes.entry.{n}.Name"), k);
            p.insert(format!("MessageAttributes.entry.{n}.Value.DataType"), "String".to_string());
            p.insert(format!("MessageAttributes.entry.{n}.Value.StringValue"), v);
        }
        let subject = self.cfg.subject.as_deref().unwrap_or_default();
        if !subject.is_empty() {
            p.insert("Subject".to_string(), t("subject", subject)?);
        }
        Ok(p)
    }

    /// The endpoint and the form body (rendered without holding template data across the
    /// network calls).
    fn prepare(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
        region: &str,
    ) -> Result<(url::Url, Vec<u8>), NotifyError> {
        let r = Renderer::new(cx, alerts);
        let api_url = r
            .text(&self.cfg.api_url)
            .map_err(|e| client_error(format!("execute 'api_url' template: {e}")))?;
        let endpoint = if !api_url.is_empty() {
            api_url
        } else if let Some(u) = self.aws.endpoint("sns") {
            u
        } else {
            format!("https://sns.{region}.{}/", dns_suffix(region))
        };
        let mut url = url::Url::parse(&endpoint).map_err(|e| {
            NotifyError::retryable(FailureReason::Other, format!("invalid SNS endpoint: {e}"))
        })?;
        if url.path().is_empty() {
            url.set_path("/");
        }
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", "Publish");
        for (k, v) in self.publish_params(cx, &r)? {
            form.append_pair(&k, &v);
        }
        form.append_pair("Version", "2010-03-31");
        Ok((url, form.finish().into_bytes()))
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let retry = |m: String| NotifyError::retryable(FailureReason::Other, m);
        let region = self.aws.region(&self.cfg.sigv4).ok_or_else(|| {
            retry(
                "region not configured in sns.sigv4.region or in default credentials chain".into(),
            )
        })?;
        let (url, body) = self.prepare(cx, alerts, &region)?;
        let creds = self.provider.credentials(&region).await.map_err(retry)?;
        let ct = "application/x-www-form-urlencoded; charset=utf-8";
        let headers = vec![("Content-Type".to_string(), ct.to_string())];
        // AWS's SDK signs SNS requests for `sns` whatever `sigv4.service_name` says.
        let service = "sns";
        let signed = sigv4::sign(
            &sigv4::Request { method: "POST", url: &url, headers: &headers, body: &body },
            &creds,
            &region,
            service,
            jiff::Timestamp::now(),
        );
        let mut req = super::http::Request::new(reqwest::Method::POST, url.as_str()).body(body, ct);
        for (n, v) in signed {
            req = req.header(&n, v);
        }
        let resp = self.client.send(req).await?;
        let text = resp.text();
        let details = xml_value(&text, "Message").unwrap_or(text);
        classify_details(resp.status, &details, &[])?;
        Ok(Sent::default())
    }
}

impl Notifier for Sns {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}
