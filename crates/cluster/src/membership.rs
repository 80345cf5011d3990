//! Membership and failure detection: one task owns the foca instance and feeds it packets and
//! timers; what foca decides (packets to send, timers, members up and down) is carried out
//! here and published to [`Shared`] for the rest of the crate.

use std::num::{NonZeroU8, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use foca::{AccumulatingRuntime, Config, Foca, OwnedNotification, PeriodicParams, Timer};
use rand010::SeedableRng;
use rand010::rngs::StdRng;
use tokio::sync::{mpsc, oneshot};

use crate::broadcast::Handler;
use crate::codec::SwimCodec;
use crate::identity::NodeId;
use crate::wire::{self, WireMessage};
use crate::{PeerOptions, Shared};

/// What the membership task is asked to do.
#[derive(Debug)]
pub(crate) enum Cmd {
    /// A SWIM packet from the network (envelope already checked).
    Packet(Vec<u8>),
    /// A foca timer that came due.
    Timer(Timer<NodeId>),
    /// Join (or rejoin) the cluster through this address.
    Announce(std::net::SocketAddr),
    /// Queue an encoded delta for gossip.
    Broadcast(Vec<u8>),
    /// Leave the cluster; answered once the leave was sent.
    Leave(oneshot::Sender<()>),
}

type Swim = Foca<NodeId, SwimCodec, StdRng, Handler>;

/// foca's settings from the `--cluster.*` flags.
pub(crate) fn config(opts: &PeerOptions) -> Config {
    let probe_period = opts.probe_interval.max(Duration::from_millis(2));
    let probe_rtt = opts.probe_timeout.clamp(Duration::from_millis(1), probe_period / 2);
    let mut c = Config::new_lan(std::num::NonZeroU32::MIN.saturating_add(2));
    c.probe_period = probe_period;
    c.probe_rtt = probe_rtt;
    // memberlist: suspicion lasts 4 probe intervals in a small cluster.
    c.suspect_to_down_after = probe_period * 4;
    c.max_transmissions = NonZeroU8::new(6).unwrap_or(NonZeroU8::MIN);
    c.max_packet_size = NonZeroUsize::new(1400).unwrap_or(NonZeroUsize::MIN);
    c.periodic_gossip = Some(PeriodicParams {
        frequency: opts.gossip_interval.max(Duration::from_millis(1)),
        num_members: NonZeroUsize::new(3).unwrap_or(NonZeroUsize::MIN),
    });
    // Rejoining lost peers is ours to do (reconnect interval/timeout, as upstream).
    c.periodic_announce_to_down_members = None;
    c
}

/// Creates the foca instance.
pub(crate) fn new_swim(id: NodeId, opts: &PeerOptions, shared: Arc<Shared>) -> Swim {
    Foca::with_custom_broadcast(
        id,
        config(opts),
        StdRng::seed_from_u64(rand010::random()),
        SwimCodec,
        Handler { shared },
    )
}

/// The membership task.
pub(crate) async fn run(shared: Arc<Shared>, mut swim: Swim, mut cmds: mpsc::Receiver<Cmd>) {
    let mut rt = AccumulatingRuntime::new();
    while let Some(cmd) = cmds.recv().await {
        let mut reply = None;
        let res = match cmd {
            Cmd::Packet(p) => swim.handle_data(&p, &mut rt),
            Cmd::Timer(t) => swim.handle_timer(t, &mut rt),
            Cmd::Announce(addr) => swim.announce(NodeId::probe_target(addr), &mut rt),
            Cmd::Broadcast(item) => match swim.add_broadcast(&item) {
                // Send at once; foca's periodic gossip re-sends it.
                Ok(_) => swim.broadcast(&mut rt),
                Err(e) => Err(e),
            },
            Cmd::Leave(done) => {
                reply = Some(done);
                swim.leave_cluster(&mut rt)
            }
        };
        if let Err(e) = res {
            tracing::debug!(error = %e, "cluster: SWIM");
        }
        drain(&shared, &mut swim, &mut rt).await;
        if let Some(done) = reply {
            let _ = done.send(());
        }
    }
}

/// Carries out what foca asked for and publishes the member list.
async fn drain(shared: &Arc<Shared>, swim: &mut Swim, rt: &mut AccumulatingRuntime<NodeId>) {
    while let Some((to, data)) = rt.to_send() {
        let packet = wire::encode(&shared.label, &WireMessage::Swim(data.to_vec()));
        shared.packets.send(&shared.dialer, to.addr, packet).await;
    }
    while let Some((after, timer)) = rt.to_schedule() {
        let cmd = shared.cmd.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = cmd.send(Cmd::Timer(timer)).await;
        });
    }
    while let Some(n) = rt.to_notify() {
        match n {
            OwnedNotification::MemberUp(id) => {
                tracing::info!(peer = %id.name, addr = %id.addr, "cluster: peer joined");
                shared.metrics.peers_joined.inc();
                shared.failed.lock().remove(&id.addr);
                shared.left.lock().remove(&id.addr);
                // Upstream syncs full state on join.
                let _ = shared.pushpull.send(Some(id.addr));
            }
            OwnedNotification::MemberDown(id) => {
                shared.metrics.peers_left.inc();
                if shared.left.lock().remove(&id.addr) {
                    tracing::info!(peer = %id.name, "cluster: peer left");
                } else {
                    tracing::warn!(peer = %id.name, addr = %id.addr, "cluster: peer failed");
                    shared
                        .failed
                        .lock()
                        .insert(id.addr, crate::reconnect::Failed::now(id.name.clone()));
                }
            }
            OwnedNotification::Rename(_, to) => {
                shared.metrics.peers_update.inc();
                tracing::debug!(peer = %to.name, "cluster: peer restarted");
            }
            OwnedNotification::Rejoin(id) => {
                tracing::warn!("cluster: we were declared dead; rejoined");
                *shared.me.write() = id;
            }
            OwnedNotification::Defunct => tracing::warn!("cluster: we were declared dead"),
            OwnedNotification::Active | OwnedNotification::Idle => {}
        }
    }
    let mut members: Vec<NodeId> = swim.iter_members().map(|m| m.id().clone()).collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let suspects = swim.iter_members().filter(|m| m.state() == foca::State::Suspect).count();
    *shared.members.write() = members;
    shared.metrics.health_score.set(suspects as f64);
    let in_flight = crate::broadcast::OVERSIZE_SLOTS - shared.oversize_slots.available_permits();
    shared.metrics.messages_queued.set((swim.custom_broadcast_backlog() + in_flight) as i64);
    shared.publish();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_follows_the_flags_and_stays_valid() {
        let opts = PeerOptions {
            probe_interval: Duration::from_millis(100),
            probe_timeout: Duration::from_millis(500),
            ..PeerOptions::default()
        };
        let c = config(&opts);
        assert_eq!(c.probe_period, Duration::from_millis(100));
        assert!(c.probe_rtt < c.probe_period);
        assert_eq!(c.suspect_to_down_after, Duration::from_millis(400));
    }
}
