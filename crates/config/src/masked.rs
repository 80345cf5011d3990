//! The config as `/api/v1/status/config` shows it: the file's own text would reveal
//! passwords and tokens, so secrets are replaced by `<secret>`, as upstream prints them.

use crate::types::Config;
use serde_json::Value;

/// Keys whose values are secrets wherever they appear (upstream's `Secret` fields).
const SECRET_KEYS: &[&str] = &[
    "password",
    "bearer_token",
    "credentials",
    "client_secret",
    "secret_key",
    "token",
    "auth_token",
    "secrets",
];

const MASK: &str = "<secret>";

impl Config {
    /// The file's YAML with every secret replaced by `<secret>` (keys in sorted order).
    pub fn masked_yaml(&self) -> String {
        let Ok(mut v) = serde_saphyr::from_str::<Value>(&self.original) else {
            return String::new();
        };
        mask(&mut v, None);
        serde_saphyr::to_string(&v).unwrap_or_default()
    }
}

fn mask(v: &mut Value, parent: Option<&str>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let secret = SECRET_KEYS.contains(&k.as_str())
                    || (k == "key" && parent == Some("tls_config"))
                    || parent == Some("proxy_connect_header");
                if secret {
                    mask_all(child);
                } else {
                    mask(child, Some(k));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| mask(i, parent)),
        _ => {}
    }
}

/// Masks a secret value: a string, or each string of a list.
fn mask_all(v: &mut Value) {
    match v {
        Value::String(s) if !s.is_empty() => *s = MASK.into(),
        Value::Array(items) => items.iter_mut().for_each(mask_all),
        Value::Null | Value::String(_) => {}
        other => *other = Value::String(MASK.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn secrets_are_masked() {
        let text = "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: hunter2}\n    tls_config: {cert: c, key: PRIVATE}\n    proxy_url: http://p\n    proxy_connect_header: {X-Auth: [s3cret]}\n    http_headers: {X-T: {values: [v], secrets: [hidden]}}\nremote_write:\n  - url: http://rw\n    authorization: {credentials: tok}\n";
        let c = crate::load_str(text, Path::new("/"), "p.yml").unwrap();
        let out = c.masked_yaml();
        for secret in ["hunter2", "PRIVATE", "s3cret", "hidden", "tok\n"] {
            assert!(!out.contains(secret), "{secret} in\n{out}");
        }
        for kept in ["username: u", "job_name: a", "http://rw", "<secret>"] {
            assert!(out.contains(kept), "{kept} missing in\n{out}");
        }
    }
}
