//! Who a cluster member is: its name, the address it is reached at, and a start stamp so a
//! restarted (or falsely declared dead) replica replaces its old self at once.

use std::net::SocketAddr;
use std::sync::Arc;

/// A member's identity in the SWIM protocol.
///
/// Two identities with the same address are the same replica; the one with the larger `bump`
/// is newer (a restart takes the current time in milliseconds, a rejoin after a false
/// "down" adds one), so foca replaces the old one instead of waiting for it to be forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct NodeId {
    pub(crate) name: Arc<str>,
    pub(crate) addr: SocketAddr,
    pub(crate) bump: u64,
}

impl NodeId {
    /// An identity used only to address an `Announce` to a peer whose name we do not know yet:
    /// foca accepts announces by address.
    pub(crate) fn probe_target(addr: SocketAddr) -> NodeId {
        NodeId { name: Arc::from(""), addr, bump: 0 }
    }
}

impl foca::Identity for NodeId {
    type Addr = SocketAddr;

    fn renew(&self) -> Option<Self> {
        Some(NodeId { name: self.name.clone(), addr: self.addr, bump: self.bump.wrapping_add(1) })
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        (self.bump, &self.name) > (adversary.bump, &adversary.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::Identity;

    #[test]
    fn renewed_identity_wins_over_the_old_one() {
        let a = NodeId { name: Arc::from("a"), addr: "127.0.0.1:1".parse().unwrap(), bump: 5 };
        let b = a.renew().unwrap();
        assert!(b.win_addr_conflict(&a));
        assert!(!a.win_addr_conflict(&b));
        assert_eq!(a.addr(), b.addr());
    }
}
