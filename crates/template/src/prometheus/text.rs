//! String functions: `title` (as `golang.org/x/text/cases.Title(language.AmericanEnglish,
//! cases.NoLower)`), `stripPort`, `stripDomain` (Go's `net.SplitHostPort`, `net.ParseIP`,
//! `net.JoinHostPort`), `graphLink`, `tableLink`.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::escape::query_escape;

/// `title`: the first cased letter of each word in title case, the rest unchanged (see
/// [`crate::alertmanager::title`], here with `no_lower`).
pub fn title(s: &str) -> String {
    crate::title::title(s, true)
}

/// Go's `net.SplitHostPort`, without the error text (callers only need whether it failed).
pub(super) fn split_host_port(hp: &str) -> Option<(&str, &str)> {
    let i = hp.rfind(':')?;
    let (host, j, k) = if hp.starts_with('[') {
        let end = hp.find(']')?;
        if end + 1 != i {
            return None;
        }
        (&hp[1..end], 1, end + 1)
    } else {
        let host = &hp[..i];
        if host.contains(':') {
            return None;
        }
        (host, 0, 0)
    };
    if hp[j..].contains('[') || hp[k..].contains(']') {
        return None;
    }
    Some((host, &hp[i + 1..]))
}

/// Go's `net.JoinHostPort`.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// Go's `net.ParseIP(s) != nil`.
fn is_ip(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok() || (s.contains(':') && s.parse::<Ipv6Addr>().is_ok())
}

/// `stripPort`: the host of `host:port`, or the input when it has no port.
pub fn strip_port(hp: &str) -> String {
    match split_host_port(hp) {
        Some((host, _)) => host.to_string(),
        None => hp.to_string(),
    }
}

/// `stripDomain`: the first label of a host name, keeping the port; IP addresses unchanged.
pub fn strip_domain(hp: &str) -> String {
    let (host, port) = split_host_port(hp).unwrap_or((hp, ""));
    if is_ip(host) {
        return hp.to_string();
    }
    let host = host.split('.').next().unwrap_or("");
    if port.is_empty() { host.to_string() } else { join_host_port(host, port) }
}

/// `graphLink`: a relative link to the graph view of `expr`.
pub fn graph_link(expr: &str) -> String {
    format!("/graph?g0.expr={}&g0.tab=0", query_escape(expr))
}

/// `tableLink`: a relative link to the table view of `expr`.
pub fn table_link(expr: &str) -> String {
    format!("/graph?g0.expr={}&g0.tab=1", query_escape(expr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_keeps_case() {
        assert_eq!(title("hello wORLD"), "Hello WORLD");
    }

    #[test]
    fn host_port() {
        assert_eq!(strip_port("example.com:9090"), "example.com");
        assert_eq!(strip_port("[::1]:9090"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("host"), "host");
        assert_eq!(strip_domain("node1.example.com:9100"), "node1:9100");
        assert_eq!(strip_domain("node1.example.com"), "node1");
        assert_eq!(strip_domain("10.0.0.1:9100"), "10.0.0.1:9100");
        assert_eq!(strip_domain("[2001:db8::1]:80"), "[2001:db8::1]:80");
    }

    #[test]
    fn links() {
        assert_eq!(graph_link("up == 0"), "/graph?g0.expr=up+%3D%3D+0&g0.tab=0");
        assert_eq!(table_link("a{b=\"c\"}"), "/graph?g0.expr=a%7Bb%3D%22c%22%7D&g0.tab=1");
    }
}
