//! What a node reports about the cluster. Clustering is its own issue: with a listen address
//! the node reports itself as the one ready member.

use super::{ClusterOptions, ClusterStatus};

pub(super) fn cluster_status(c: &ClusterOptions) -> ClusterStatus {
    if c.listen_address.is_empty() {
        return ClusterStatus { name: String::new(), status: "disabled", peers: Vec::new() };
    }
    let name = if c.peer_name.is_empty() { ulid() } else { c.peer_name.clone() };
    let address =
        if c.advertise_address.is_empty() { &c.listen_address } else { &c.advertise_address };
    ClusterStatus { name: name.clone(), status: "ready", peers: vec![(name, address.clone())] }
}

/// A ULID (48-bit millisecond time, 80 random bits, Crockford base32), as upstream names
/// peers.
fn ulid() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let value = ((ms & ((1 << 48) - 1)) << 80) | (rand::random::<u128>() & ((1 << 80) - 1));
    (0..26).rev().map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulids_are_26_crockford_chars() {
        let u = ulid();
        assert_eq!(u.len(), 26);
        assert!(u.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_ne!(u, ulid());
    }

    #[test]
    fn cluster_disabled_without_listen_address() {
        assert_eq!(cluster_status(&ClusterOptions::default()).status, "disabled");
        let c = cluster_status(&ClusterOptions {
            listen_address: "127.0.0.1:9094".into(),
            peer_name: "me".into(),
            ..ClusterOptions::default()
        });
        assert_eq!(c.status, "ready");
        assert_eq!(c.peers, vec![("me".to_string(), "127.0.0.1:9094".to_string())]);
    }
}
