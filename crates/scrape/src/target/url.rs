//! The scrape URL, written as Go's `url.URL.String()` writes it, so the targets page and
//! `scrapeUrl` in the API match upstream character for character.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use model::labels::{Labels, PARAM_PREFIX};

use super::{ADDRESS_LABEL, METRICS_PATH_LABEL, SCHEME_LABEL};

/// `scheme://address/path?query` from a target's final labels: the job's `params`, with each
/// `__param_<name>` label replacing the first value of `<name>` (or adding it). The query is
/// sorted by name, as Go's `url.Values.Encode`.
pub fn scrape_url(labels: &Labels, params: &BTreeMap<String, Vec<String>>) -> String {
    let mut query: BTreeMap<&str, Vec<&str>> = params
        .iter()
        .map(|(k, vs)| (k.as_str(), vs.iter().map(String::as_str).collect()))
        .collect();
    for l in labels.iter() {
        if let Some(name) = l.name.strip_prefix(PARAM_PREFIX) {
            let values = query.entry(name).or_default();
            match values.first_mut() {
                Some(first) => *first = l.value,
                None => values.push(l.value),
            }
        }
    }
    let scheme = labels.get_or_empty(SCHEME_LABEL);
    let host = labels.get_or_empty(ADDRESS_LABEL);
    let path = labels.get_or_empty(METRICS_PATH_LABEL);

    let mut out = String::with_capacity(scheme.len() + host.len() + path.len() + 16);
    if !scheme.is_empty() {
        out.push_str(scheme);
        out.push(':');
    }
    if !scheme.is_empty() || !host.is_empty() {
        if !host.is_empty() || !path.is_empty() {
            out.push_str("//");
        }
        escape(&mut out, host, Mode::Host);
    }
    if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
        out.push('/');
    }
    escape(&mut out, path, Mode::Path);
    let mut first = true;
    for (name, values) in &query {
        for value in values {
            out.push(if first { '?' } else { '&' });
            first = false;
            escape(&mut out, name, Mode::QueryComponent);
            out.push('=');
            escape(&mut out, value, Mode::QueryComponent);
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Host,
    Path,
    QueryComponent,
}

/// Go's `shouldEscape` for the three parts a scrape URL has.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::QueryComponent => true,
            // Only `/`, `?` and `@` reach here for a host; Go escapes them.
            Mode::Host => true,
        },
        _ => true,
    }
}

/// Go's `url.escape`: `%XX` (upper-case hex) for bytes that need it; a space in a query
/// component is `+`.
fn escape(out: &mut String, s: &str, mode: Mode) {
    if !s.bytes().any(|c| should_escape(c, mode)) {
        out.push_str(s);
        return;
    }
    for c in s.bytes() {
        if c == b' ' && mode == Mode::QueryComponent {
            out.push('+');
        } else if should_escape(c, mode) {
            let _ = write!(out, "%{c:02X}");
        } else {
            out.push(char::from(c));
        }
    }
}

/// What the targets page needs to turn a scrape URL into one that works from elsewhere
/// (upstream's `GlobalURLOptions`): this server's `--web.listen-address` and the host and
/// scheme of its `--web.external-url`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalUrlOptions {
    pub listen_address: String,
    /// `host[:port]` of the external URL.
    pub host: String,
    pub scheme: String,
}

/// Hosts that mean "this machine", which others cannot reach.
const LOCALHOST: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The scrape URL as seen from outside (`globalUrl` in the API), as upstream: a localhost
/// target on this server's own port becomes the external URL's scheme and host; another
/// localhost target gets the external host with its own port. Anything else, and any URL
/// that does not split as upstream splits it, is returned as it is.
pub fn global_url(url: &str, opts: &GlobalUrlOptions) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hostport, tail) = rest.split_at(host_end);
    let Some((host, port)) = sanitize_split_host_port(hostport) else {
        return url.to_string();
    };
    if !LOCALHOST.contains(&host) {
        return url.to_string();
    }
    let Some((_, own_port)) = split_host_port(&opts.listen_address) else {
        return url.to_string();
    };
    if port == own_port {
        return format!("{}://{}{tail}", opts.scheme, opts.host);
    }
    let Some((external, _)) = sanitize_split_host_port(&opts.host) else {
        return url.to_string();
    };
    if port.is_empty() {
        format!("{scheme}://{external}{tail}")
    } else if external.contains(':') {
        format!("{scheme}://[{external}]:{port}{tail}")
    } else {
        format!("{scheme}://{external}:{port}{tail}")
    }
}

/// Go's `net.SplitHostPort`; `None` where Go fails.
fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(inner) = s.strip_prefix('[') {
        let close = inner.find(']')?;
        let port = inner[close + 1..].strip_prefix(':')?;
        let host = &inner[..close];
        if port.contains([':', '[', ']']) {
            return None;
        }
        return Some((host, port));
    }
    let colon = s.rfind(':')?;
    let (host, port) = (&s[..colon], &s[colon + 1..]);
    if host.contains([':', '[', ']']) || port.contains(['[', ']']) {
        return None;
    }
    Some((host, port))
}

/// Upstream's `sanitizeSplitHostPort`: a host without a port splits as `(host, "")`, IPv6
/// brackets removed.
fn sanitize_split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(split) = split_host_port(s) {
        return Some(split);
    }
    // Go retries with ":80" appended when the port is missing: the host alone.
    let without_port = if let Some(inner) = s.strip_prefix('[') {
        inner.strip_suffix(']').filter(|h| !h.contains([']', '[']))?
    } else if s.contains([':', '[', ']']) {
        return None;
    } else {
        s
    };
    Some((without_port, ""))
}
