//! Where the AWS credentials and region come from when `sigv4` does not give them: the
//! default chain of AWS SDKs (environment, shared config files, web identity, ECS container
//! credentials, EC2 instance metadata), and STS `AssumeRole` for `role_arn`.

use super::sigv4::{self, Credentials};
use crate::config::receivers::sns::SigV4Config;
use crate::config::secret::Secret;
use crate::integrations::http::{Client, Request};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Looks up one environment variable.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The process environment, behind a seam so tests can supply their own.
#[derive(Clone)]
pub struct AwsEnv {
    vars: Arc<Lookup>,
}

impl fmt::Debug for AwsEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AwsEnv")
    }
}

impl Default for AwsEnv {
    fn default() -> Self {
        AwsEnv::process()
    }
}

impl AwsEnv {
    /// The real environment.
    pub fn process() -> AwsEnv {
        AwsEnv { vars: Arc::new(|k| std::env::var(k).ok().filter(|v| !v.is_empty())) }
    }

    /// A fixed set of variables (tests).
    pub fn from_map(vars: HashMap<String, String>) -> AwsEnv {
        AwsEnv { vars: Arc::new(move |k| vars.get(k).cloned()) }
    }

    /// One variable (unset or empty: `None`).
    pub fn var(&self, k: &str) -> Option<String> {
        (self.vars)(k)
    }

    fn home_file(&self, var: &str, rel: &str) -> Option<String> {
        self.var(var).or_else(|| self.var("HOME").map(|h| format!("{h}/.aws/{rel}")))
    }

    /// The profile to read from the shared files.
    fn profile(&self, cfg: &SigV4Config) -> String {
        if !cfg.profile.is_empty() {
            return cfg.profile.clone();
        }
        self.var("AWS_PROFILE").unwrap_or_else(|| "default".into())
    }

    /// A key of the profile in `~/.aws/credentials` then `~/.aws/config`.
    fn profile_value(&self, cfg: &SigV4Config, key: &str) -> Option<String> {
        let profile = self.profile(cfg);
        if let Some(path) = self.home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
            && let Some(v) = ini_value(&path, &profile, key)
        {
            return Some(v);
        }
        let section = if profile == "default" { profile } else { format!("profile {profile}") };
        self.home_file("AWS_CONFIG_FILE", "config").and_then(|p| ini_value(&p, &section, key))
    }

    /// The region: `sigv4.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's.
    pub fn region(&self, cfg: &SigV4Config) -> Option<String> {
        if !cfg.region.is_empty() {
            return Some(cfg.region.clone());
        }
        self.var("AWS_REGION")
            .or_else(|| self.var("AWS_DEFAULT_REGION"))
            .or_else(|| self.profile_value(cfg, "region"))
    }

    /// An endpoint override (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`).
    pub fn endpoint(&self, service: &str) -> Option<String> {
        self.var(&format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase()))
            .or_else(|| self.var("AWS_ENDPOINT_URL"))
    }
}

/// `[section]` `key = value` of an INI file, if present.
fn ini_value(path: &str, section: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if current == section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// Credentials that expire (STS, container, instance) are refreshed this long before.
const REFRESH_MARGIN: jiff::SignedDuration = jiff::SignedDuration::from_secs(5 * 60);

/// Resolves and caches the credentials of one `sigv4` config.
#[derive(Debug)]
pub struct Provider {
    cfg: SigV4Config,
    env: AwsEnv,
    client: Client,
    cached: Mutex<Option<(Credentials, Option<jiff::Timestamp>)>>,
}

impl Provider {
    pub fn new(cfg: SigV4Config, env: AwsEnv, client: Client) -> Provider {
        Provider { cfg, env, client, cached: Mutex::new(None) }
    }

    /// The credentials to sign with (assuming `role_arn` when set).
    pub async fn credentials(&self, region: &str) -> Result<Credentials, String> {
        let now = jiff::Timestamp::now();
        if let Some((c, Some(exp))) = &*self.cached.lock()
            && now + REFRESH_MARGIN < *exp
        {
            return Ok(c.clone());
        }
        let (base, exp) = self.base().await?;
        let (creds, exp) = if self.cfg.role_arn.is_empty() {
            (base, exp)
        } else {
            self.assume_role(&base, region).await?
        };
        // Only expiring credentials are kept: the others are cheap to resolve again, and a
        // rotated credentials file is then picked up as upstream (a new client per send) does.
        if exp.is_some() {
            *self.cached.lock() = Some((creds.clone(), exp));
        }
        Ok(creds)
    }

    /// The default chain.
    async fn base(&self) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
        if !self.cfg.access_key.is_empty() {
            return Ok((
                Credentials {
                    access_key: self.cfg.access_key.clone(),
                    secret_key: self.cfg.secret_key.clone(),
                    session_token: None,
                },
                None,
            ));
        }
        let env = &self.env;
        if self.cfg.profile.is_empty()
            && let (Some(ak), Some(sk)) =
                (env.var("AWS_ACCESS_KEY_ID"), env.var("AWS_SECRET_ACCESS_KEY"))
        {
            return Ok((
                Credentials {
                    access_key: ak,
                    secret_key: Secret::new(sk),
                    session_token: env.var("AWS_SESSION_TOKEN"),
                },
                None,
            ));
        }
        if let (Some(ak), Some(sk)) = (
            env.profile_value(&self.cfg, "aws_access_key_id"),
            env.profile_value(&self.cfg, "aws_secret_access_key"),
        ) {
            let token = env.profile_value(&self.cfg, "aws_session_token");
            return Ok((
                Credentials { access_key: ak, secret_key: Secret::new(sk), session_token: token },
                None,
            ));
        }
        if let (Some(token_file), Some(role)) =
            (env.var("AWS_WEB_IDENTITY_TOKEN_FILE"), env.var("AWS_ROLE_ARN"))
        {
            return self.web_identity(&token_file, &role).await;
        }
        if env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
            || env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        {
            return self.container().await;
        }
        if env.var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Err("failed to refresh cached credentials, no EC2 IMDS role found".into());
        }
        self.instance().await
    }

    fn sts_url(&self, region: &str) -> String {
        if let Some(u) = self.env.endpoint("sts") {
            return u;
        }
        let host = if self.cfg.use_fips_sts_endpoint { "sts-fips" } else { "sts" };
        format!("https://{host}.{region}.{}/", dns_suffix(region))
    }

    async fn assume_role(
        &self,
        base: &Credentials,
        region: &str,
    ) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
        let session = session_name();
        let mut pairs = vec![("Action", "AssumeRole")];
        if !self.cfg.external_id.is_empty() {
            pairs.push(("ExternalId", &self.cfg.external_id));
        }
        pairs.extend([
            ("RoleArn", self.cfg.role_arn.as_str()),
            ("RoleSessionName", &session),
            ("Version", "2011-06-15"),
        ]);
        let body = form(&pairs);
        let url = self.sts_url(region);
        let parsed = url::Url::parse(&url).map_err(|e| format!("invalid STS endpoint: {e}"))?;
        let ct = "application/x-www-form-urlencoded";
        let headers = vec![("Content-Type".to_string(), ct.to_string())];
        let signed = sigv4::sign(
            &sigv4::Request { method: "POST", url: &parsed, headers: &headers, body: &body },
            base,
            region,
            "sts",
            jiff::Timestamp::now(),
        );
        let mut req = Request::new(reqwest::Method::POST, url).body(body, ct);
        for (n, v) in signed {
            req = req.header(&n, v);
        }
        self.sts_call(req, "AssumeRole").await
    }

    async fn web_identity(
        &self,
        token_file: &str,
        role: &str,
    ) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
        let token = std::fs::read_to_string(token_file)
            .map_err(|e| format!("failed to read web identity token file {token_file}: {e}"))?;
        let region = self.env.region(&self.cfg).unwrap_or_else(|| "us-east-1".into());
        let session = self.env.var("AWS_ROLE_SESSION_NAME").unwrap_or_else(session_name);
        let body = form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("RoleArn", role),
            ("RoleSessionName", &session),
            ("Version", "2011-06-15"),
            ("WebIdentityToken", token.trim()),
        ]);
        let req = Request::new(reqwest::Method::POST, self.sts_url(&region))
            .body(body, "application/x-www-form-urlencoded");
        self.sts_call(req, "AssumeRoleWithWebIdentity").await
    }

    async fn sts_call(
        &self,
        req: Request,
        op: &str,
    ) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
        let resp =
            self.client.send(req).await.map_err(|e| format!("operation error STS: {op}: {e}"))?;
        let text = resp.text();
        if resp.status / 100 != 2 {
            let msg = xml_value(&text, "Message").unwrap_or(text);
            return Err(format!("operation error STS: {op}, StatusCode: {}, {msg}", resp.status));
        }
        let get = |k: &str| {
            xml_value(&text, k)
                .ok_or_else(|| format!("operation error STS: {op}: no {k} in response"))
        };
        let creds = Credentials {
            access_key: get("AccessKeyId")?,
            secret_key: Secret::new(get("SecretAccessKey")?),
            session_token: Some(get("SessionToken")?),
        };
        let exp = xml_value(&text, "Expiration").and_then(|e| e.parse().ok());
        Ok((creds, exp))
    }

    async fn container(&self) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
        let url = match self.env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            Some(rel) => format!("http://169.254.170.2{rel}"),
            None => self.env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI").unwrap_or_default(),
        };
        let mut req = Request::new(reqwest::Method::GET, url);
        let token = match self.env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Some(f) => std::fs::read_to_string(&f).ok().map(|s| s.trim().to_string()),
            None => self.env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        };
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        let resp = self
            .client
            .send(req)
            .await
            .map_err(|e| format!("failed to load container credentials: {e}"))?;
        json_credentials(&resp.body, resp.status, "container")
    }

    async fn instance(&self) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
        let base = self
            .env
            .var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .unwrap_or_else(|| "http://169.254.169.254".into());
        let base = base.trim_end_matches('/');
        let fail = |e: String| {
            format!("failed to refresh cached credentials, no EC2 IMDS role found, {e}")
        };
        let token = self
            .client
            .send(
                Request::new(reqwest::Method::PUT, format!("{base}/latest/api/token"))
                    .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
                    .timeout(Some(std::time::Duration::from_secs(1))),
            )
            .await
            .map_err(|e| fail(e.to_string()))?;
        let token = if token.status == 200 { Some(token.text()) } else { None };
        let get = |path: String| {
            let mut r = Request::new(reqwest::Method::GET, format!("{base}{path}"))
                .timeout(Some(std::time::Duration::from_secs(1)));
            if let Some(t) = &token {
                r = r.header("X-aws-ec2-metadata-token", t.clone());
            }
            r
        };
        let role = self
            .client
            .send(get("/latest/meta-data/iam/security-credentials/".into()))
            .await
            .map_err(|e| fail(e.to_string()))?;
        if role.status != 200 {
            return Err(fail(format!("status {}", role.status)));
        }
        let role = role.text();
        let role = role.lines().next().unwrap_or_default().trim().to_string();
        let resp = self
            .client
            .send(get(format!("/latest/meta-data/iam/security-credentials/{role}")))
            .await
            .map_err(|e| fail(e.to_string()))?;
        json_credentials(&resp.body, resp.status, "EC2 IMDS")
    }
}

fn json_credentials(
    body: &[u8],
    status: u16,
    what: &str,
) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
    if status != 200 {
        return Err(format!("failed to load {what} credentials: status {status}"));
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct J {
        access_key_id: String,
        secret_access_key: String,
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        expiration: Option<String>,
    }
    let j: J = serde_json::from_slice(body)
        .map_err(|e| format!("failed to decode {what} credentials: {e}"))?;
    Ok((
        Credentials {
            access_key: j.access_key_id,
            secret_key: Secret::new(j.secret_access_key),
            session_token: j.token,
        },
        j.expiration.and_then(|e| e.parse().ok()),
    ))
}

/// A form-encoded body.
fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut f = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        f.append_pair(k, v);
    }
    f.finish().into_bytes()
}

/// The session name AWS's Go SDK uses.
fn session_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("aws-go-sdk-{nanos}")
}

/// The DNS suffix of AWS's partition for a region.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" }
}

/// The text of the first `<tag>…</tag>`, XML entities decoded.
pub fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> AwsEnv {
        AwsEnv::from_map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn region_and_profile_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        let config = dir.path().join("config");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AK1\n[ops]\naws_access_key_id=AK2\n",
        )
        .unwrap();
        std::fs::write(&config, "[profile ops]\nregion = eu-west-3\n").unwrap();
        let e = env(&[
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ]);
        let mut cfg = SigV4Config::default();
        assert_eq!(e.profile_value(&cfg, "aws_access_key_id").as_deref(), Some("AK1"));
        assert_eq!(e.region(&cfg), None);
        cfg.profile = "ops".into();
        assert_eq!(e.profile_value(&cfg, "aws_access_key_id").as_deref(), Some("AK2"));
        assert_eq!(e.region(&cfg).as_deref(), Some("eu-west-3"));
        cfg.region = "us-west-2".into();
        assert_eq!(e.region(&cfg).as_deref(), Some("us-west-2"));
        assert_eq!(
            env(&[("AWS_DEFAULT_REGION", "ap-south-1")]).region(&SigV4Config::default()).as_deref(),
            Some("ap-south-1")
        );
    }

    #[test]
    fn xml_values() {
        let x = "<E><Error><Code>X</Code><Message>a &amp; &lt;b&gt;</Message></Error></E>";
        assert_eq!(xml_value(x, "Message").as_deref(), Some("a & <b>"));
        assert_eq!(xml_value(x, "Nope"), None);
    }

    #[tokio::test]
    async fn static_and_environment_credentials() {
        let client = Client::new(&Default::default(), "test").unwrap();
        let cfg = SigV4Config {
            access_key: "AK".into(),
            secret_key: Secret::new("SK"),
            ..Default::default()
        };
        let p = Provider::new(cfg, env(&[("AWS_ACCESS_KEY_ID", "ENV")]), client.clone());
        assert_eq!(p.credentials("us-east-1").await.unwrap().access_key, "AK");
        let p = Provider::new(
            SigV4Config::default(),
            env(&[
                ("AWS_ACCESS_KEY_ID", "ENV"),
                ("AWS_SECRET_ACCESS_KEY", "S"),
                ("AWS_SESSION_TOKEN", "T"),
            ]),
            client,
        );
        let c = p.credentials("us-east-1").await.unwrap();
        assert_eq!((c.access_key.as_str(), c.session_token.as_deref()), ("ENV", Some("T")));
    }
}
