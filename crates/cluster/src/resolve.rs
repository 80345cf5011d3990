//! Turning `--cluster.peer` values into addresses. A DNS name (a Kubernetes headless service)
//! may resolve to several addresses; each is a peer. Names are resolved again on every
//! reconnect/refresh, so replicas that come back with new IPs are found.

use std::net::SocketAddr;
use std::time::Duration;

/// Resolves every `host:port` in `peers`; names that fail to resolve are logged and skipped
/// (they are retried on the next refresh). Our own address is left out.
pub(crate) async fn resolve_peers(
    peers: &[String],
    me: SocketAddr,
    timeout: Duration,
) -> Vec<SocketAddr> {
    resolve_with(peers, me, timeout, |p| async move {
        tokio::net::lookup_host(p).await.map(|a| a.collect::<Vec<_>>())
    })
    .await
}

/// [`resolve_peers`] with the lookup given (tests use a fake DNS).
pub(crate) async fn resolve_with<F, Fut>(
    peers: &[String],
    me: SocketAddr,
    timeout: Duration,
    lookup: F,
) -> Vec<SocketAddr>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<Vec<SocketAddr>>>,
{
    let mut out = Vec::new();
    for peer in peers {
        let peer = peer.trim();
        if peer.is_empty() {
            continue;
        }
        match tokio::time::timeout(timeout, lookup(peer.to_string())).await {
            Ok(Ok(addrs)) => {
                for a in addrs {
                    if a != me && !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
            Ok(Err(e)) => tracing::warn!(peer, error = %e, "cluster: cannot resolve peer"),
            Err(_) => tracing::warn!(peer, "cluster: resolving peer timed out"),
        }
    }
    out
}

/// Checks that a `--cluster.peer` value has the `host:port` form, for a startup error that
/// names the flag rather than a silent retry loop.
pub(crate) fn check_peer(peer: &str) -> Result<(), String> {
    let Some((host, port)) = peer.rsplit_once(':') else {
        return Err(format!("--cluster.peer {peer:?}: missing port (want host:port)"));
    };
    if host.is_empty() {
        return Err(format!("--cluster.peer {peer:?}: missing host"));
    }
    port.parse::<u16>().map_err(|_| format!("--cluster.peer {peer:?}: invalid port {port:?}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_values_are_checked() {
        assert!(check_peer("am-0.am:9094").is_ok());
        assert!(check_peer("[::1]:9094").is_ok());
        assert!(check_peer("am-0").is_err());
        assert!(check_peer(":9094").is_err());
        assert!(check_peer("a:b").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_name_with_several_addresses_gives_several_peers() {
        let me: SocketAddr = "10.0.0.2:9094".parse().unwrap();
        let lookup = |p: String| async move {
            match p.as_str() {
                "am.svc:9094" => Ok(["10.0.0.1:9094", "10.0.0.2:9094", "10.0.0.3:9094"]
                    .iter()
                    .map(|a| a.parse().unwrap())
                    .collect()),
                "10.0.0.3:9094" => Ok(vec!["10.0.0.3:9094".parse().unwrap()]),
                "slow:1" => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(vec!["10.9.9.9:1".parse().unwrap()])
                }
                _ => Err(std::io::Error::other("NXDOMAIN")),
            }
        };
        let peers = ["am.svc:9094", "10.0.0.3:9094", "gone:1", "slow:1"].map(String::from);
        let got = resolve_with(&peers, me, Duration::from_secs(1), lookup).await;
        let want: Vec<SocketAddr> =
            ["10.0.0.1:9094", "10.0.0.3:9094"].iter().map(|a| a.parse().unwrap()).collect();
        assert_eq!(got, want, "self skipped, duplicates merged, failures and timeouts skipped");
    }

    #[tokio::test]
    async fn localhost_resolves_and_self_is_skipped() {
        let me: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let got = resolve_peers(
            &["127.0.0.1:1".into(), "localhost:2".into(), "bad host name .invalid:3".into()],
            me,
            Duration::from_secs(5),
        )
        .await;
        assert!(!got.contains(&me));
        assert!(got.iter().any(|a| a.port() == 2 && a.ip().is_loopback()));
    }
}
