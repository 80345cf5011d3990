//! The pieces of `klaxon alertmanager`'s flag handling that need no running server:
//! `--enable-feature`, `--web.listen-address`, `--web.external-url` / `--web.route-prefix`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use anyhow::{Context, Result, anyhow, bail};
use model::matcher::MatcherParseMode;

/// Feature names `--enable-feature` accepts (upstream's list).
pub const ALLOWED_FEATURES: &[&str] = &[
    "alert-names-in-metrics",
    "receiver-name-in-metrics",
    "group-key-in-metrics",
    "classic-mode",
    "utf8-strict-mode",
    "auto-gomemlimit",
    "event-recorder",
];

/// The parsed `--enable-feature` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    pub enabled: Vec<String>,
    pub matcher_mode: MatcherParseMode,
}

impl Features {
    pub fn has(&self, name: &str) -> bool {
        self.enabled.iter().any(|f| f == name)
    }
}

/// Parses the (repeatable, comma-separated) `--enable-feature` values. Unknown names and
/// the two matcher modes together are errors, with upstream's texts.
pub fn parse_features(values: &[String]) -> Result<Features> {
    let mut f = Features::default();
    for name in values.iter().flat_map(|v| v.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        if !ALLOWED_FEATURES.contains(&name) {
            bail!("unknown option '{name}' for --enable-feature");
        }
        if !f.has(name) {
            f.enabled.push(name.to_string());
        }
    }
    f.matcher_mode = match (f.has("classic-mode"), f.has("utf8-strict-mode")) {
        (true, true) => bail!("cannot have both classic and UTF-8 modes enabled"),
        (true, false) => MatcherParseMode::Classic,
        (false, true) => MatcherParseMode::Utf8Strict,
        (false, false) => MatcherParseMode::Fallback,
    };
    Ok(f)
}

/// Resolves one `--web.listen-address` to the socket addresses to try, in order. `:9093`
/// (no host) means every interface, as in Go: the IPv6 wildcard (dual-stack on Linux) first,
/// then the IPv4 one for hosts without IPv6.
pub async fn resolve_listen_address(addr: &str) -> Result<Vec<SocketAddr>> {
    let (host, port) = split_host_port(addr)?;
    let port: u16 =
        port.parse().map_err(|_| anyhow!("listen address {addr:?}: invalid port {port:?}"))?;
    if host.is_empty() {
        return Ok(vec![
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
            SocketAddr::from(([0, 0, 0, 0], port)),
        ]);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .with_context(|| format!("listen address {addr:?}: resolving {host:?}"))?
        .collect();
    if found.is_empty() {
        bail!("listen address {addr:?}: {host:?} resolves to no address");
    }
    Ok(found)
}

/// Go's `net.SplitHostPort`: `host:port`, `[v6]:port`, `:port`.
fn split_host_port(addr: &str) -> Result<(&str, &str)> {
    if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) =
            rest.split_once(']').ok_or_else(|| anyhow!("address {addr:?}: missing ']'"))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| anyhow!("address {addr:?}: missing port in address"))?;
        return Ok((host, port));
    }
    let (host, port) = addr
        .rsplit_once(':')
        .ok_or_else(|| anyhow!("address {addr:?}: missing port in address"))?;
    if host.contains(':') {
        bail!("address {addr:?}: too many colons in address");
    }
    Ok((host, port))
}

/// The externally visible URL (no trailing slash) and the route prefix
/// (`/` or `/x` without trailing slash), derived as upstream does: the external URL defaults to
/// `http://<hostname>:<port of the first listener>/`; the prefix defaults to its path.
pub fn external_url_and_prefix(
    external: &str,
    route_prefix: &str,
    hostname: &str,
    first_listener: SocketAddr,
) -> Result<(String, String)> {
    let text = if external.is_empty() {
        format!("http://{hostname}:{}/", first_listener.port())
    } else {
        external.to_string()
    };
    let mut u = url::Url::parse(&text).map_err(|e| anyhow!("--web.external-url {text:?}: {e}"))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        bail!("{:?}: invalid {:?} scheme, only 'http' and 'https' are supported", text, u.scheme());
    }
    let path = u.path().trim_end_matches('/').to_string();
    u.set_path(&path);
    let prefix_src = if route_prefix.is_empty() { path.as_str() } else { route_prefix };
    let prefix = format!("/{}", prefix_src.trim_matches('/'));
    // `Url` always shows an empty path as `/`; Go's URL string has none.
    let mut shown = u.to_string();
    if path.is_empty() && u.query().is_none() && u.fragment().is_none() {
        shown = shown.trim_end_matches('/').to_string();
    }
    Ok((shown, prefix))
}

/// The host name for the default external URL (`$HOSTNAME`, `/etc/hostname`, else
/// `localhost`), as Go's `os.Hostname` would report it.
pub fn hostname() -> String {
    let from_file = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    from_file
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn features_select_the_matcher_mode() {
        assert_eq!(parse_features(&v(&[""])).unwrap().matcher_mode, MatcherParseMode::Fallback);
        assert_eq!(
            parse_features(&v(&["classic-mode"])).unwrap().matcher_mode,
            MatcherParseMode::Classic
        );
        let f = parse_features(&v(&["utf8-strict-mode,receiver-name-in-metrics"])).unwrap();
        assert_eq!(f.matcher_mode, MatcherParseMode::Utf8Strict);
        assert!(f.has("receiver-name-in-metrics"));
        let e = parse_features(&v(&["classic-mode", "utf8-strict-mode"])).unwrap_err();
        assert_eq!(e.to_string(), "cannot have both classic and UTF-8 modes enabled");
        let e = parse_features(&v(&["bogus"])).unwrap_err();
        assert_eq!(e.to_string(), "unknown option 'bogus' for --enable-feature");
    }

    #[tokio::test]
    async fn listen_addresses() {
        let all = resolve_listen_address(":9093").await.unwrap();
        assert_eq!(all[0].port(), 9093);
        assert!(all[0].ip().is_unspecified() && all[1].ip().is_unspecified());
        let one = resolve_listen_address("127.0.0.1:0").await.unwrap();
        assert_eq!(one, vec![SocketAddr::from(([127, 0, 0, 1], 0))]);
        let v6 = resolve_listen_address("[::1]:80").await.unwrap();
        assert_eq!(v6[0].port(), 80);
        assert!(resolve_listen_address("9093").await.is_err());
        assert!(resolve_listen_address("1.2.3.4:http").await.is_err());
    }

    #[test]
    fn external_url_and_route_prefix() {
        let l = SocketAddr::from(([127, 0, 0, 1], 43123));
        let (u, p) = external_url_and_prefix("", "", "box", l).unwrap();
        assert_eq!(u, "http://box:43123");
        assert_eq!(p, "/");
        let (u, p) =
            external_url_and_prefix("https://am.example.com/alerts/", "", "box", l).unwrap();
        assert_eq!(u, "https://am.example.com/alerts");
        assert_eq!(p, "/alerts");
        let (_, p) = external_url_and_prefix("http://x/a", "foo/", "box", l).unwrap();
        assert_eq!(p, "/foo");
        let e = external_url_and_prefix("ftp://x/", "", "box", l).unwrap_err();
        assert!(e.to_string().contains("only 'http' and 'https' are supported"), "{e}");
    }
}
