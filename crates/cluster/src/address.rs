//! Our name and the address others reach us at.

use std::net::{IpAddr, SocketAddr};

use crate::{ClusterError, resolve};

/// A random name in the shape of a ULID (26 Crockford base-32 characters, time first), as
/// upstream names peers.
pub(crate) fn random_name() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let value: u128 = (millis << 80) | (rand010::random::<u128>() >> 48);
    (0..26).rev().map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char).collect()
}

pub(crate) fn config_err(msg: impl Into<String>) -> ClusterError {
    ClusterError::Config(msg.into())
}

/// Resolves a `host:port` flag value to one address.
pub(crate) async fn resolve_one(flag: &str, value: &str) -> Result<SocketAddr, ClusterError> {
    let value = value.trim();
    let spec = if value.starts_with(':') { format!("0.0.0.0{value}") } else { value.to_string() };
    resolve::check_peer(&spec).map_err(|e| config_err(e.replace("--cluster.peer", flag)))?;
    tokio::net::lookup_host(spec.as_str())
        .await
        .map_err(|e| config_err(format!("{flag} {value:?}: {e}")))?
        .next()
        .ok_or_else(|| config_err(format!("{flag} {value:?}: no address")))
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_link_local()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// Picks the address others reach us at when only a wildcard listen address is given: the
/// address of the interface with the default route, if private (upstream refuses to advertise
/// a public address unless told to).
pub(crate) fn discover_advertise(
    port: u16,
    allow_public: bool,
) -> Result<SocketAddr, ClusterError> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
        .and_then(|s| s.local_addr());
    match probe {
        Ok(a) if !a.ip().is_unspecified() && (is_private(a.ip()) || allow_public) => {
            Ok(SocketAddr::new(a.ip(), port))
        }
        Ok(a) if !a.ip().is_unspecified() => Err(config_err(format!(
            "--cluster.advertise-address: the only address found ({}) is public; set --cluster.advertise-address \
             or --cluster.allow-insecure-public-advertise-address-discovery",
            a.ip()
        ))),
        _ => Err(config_err(
            "--cluster.advertise-address: no private IP address found; set --cluster.advertise-address",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_look_like_ulids() {
        let a = random_name();
        assert_eq!(a.len(), 26);
        assert!(a.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
        assert_ne!(a, random_name());
    }

    #[test]
    fn private_ranges() {
        for ip in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd00::1"] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2001:db8::1", "100.128.0.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn flag_values_resolve_or_name_the_flag() {
        assert_eq!(resolve_one("--x", ":9094").await.unwrap(), "0.0.0.0:9094".parse().unwrap());
        assert!(resolve_one("--x", "1.2.3.4").await.unwrap_err().to_string().contains("--x"));
    }
}
