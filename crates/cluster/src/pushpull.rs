//! Push-pull: every push-pull interval (and when a member joins, and when a state is
//! registered) swap the full state of every registered key with one member, merging both
//! ways. Gossip is best effort; this is what makes a joining or healed peer converge.

use std::net::SocketAddr;
use std::sync::Arc;

use rand010::seq::IndexedRandom;
use tokio::sync::mpsc;

use crate::metrics::FULL_STATE;
use crate::transport::{connect, read_frame, write_frame};
use crate::wire::{self, WireMessage};
use crate::{Shared, merge_into};

/// The full states of all registered keys.
pub(crate) fn local_states(shared: &Shared) -> Vec<(String, Vec<u8>)> {
    let states = shared.states.read();
    let mut out: Vec<(String, Vec<u8>)> =
        states.iter().map(|(k, s)| (k.to_string(), s.full_state())).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The encoded reply to a push-pull request.
pub(crate) fn local_reply(shared: &Shared) -> Vec<u8> {
    let frame = wire::encode(&shared.label, &WireMessage::PushPullReply(local_states(shared)));
    shared.metrics.sent(FULL_STATE, frame.len());
    frame
}

/// Merges a peer's full states.
pub(crate) fn merge_states(shared: &Shared, states: &[(String, Vec<u8>)], size: usize) {
    shared.metrics.received(FULL_STATE, size);
    for (key, bytes) in states {
        merge_into(shared, key, bytes, "push-pull");
    }
}

/// One exchange with `addr`.
pub(crate) async fn exchange(shared: &Shared, addr: SocketAddr) -> std::io::Result<()> {
    tokio::time::timeout(shared.opts.tcp_timeout, async {
        let mut s = connect(shared, addr).await?;
        let frame = wire::encode(&shared.label, &WireMessage::PushPull(local_states(shared)));
        shared.metrics.sent(FULL_STATE, frame.len());
        write_frame(&mut s, &frame).await?;
        let Some(reply) = read_frame(&mut s).await? else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "no push-pull reply",
            ));
        };
        match wire::decode_labelled(&shared.label, &reply) {
            Ok(WireMessage::PushPullReply(states)) => {
                merge_states(shared, &states, reply.len());
                Ok(())
            }
            Ok(_) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "unexpected reply")),
            Err(e) => {
                shared.metrics.decode_errors.inc();
                Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
            }
        }
    })
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "push-pull timed out"))?
}

/// The push-pull loop: on each tick with a random member; on a nudge with the named member
/// (a new one) or, for `None`, a random one.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut nudges: mpsc::UnboundedReceiver<Option<SocketAddr>>,
) {
    let mut tick = tokio::time::interval(
        shared.opts.pushpull_interval.max(std::time::Duration::from_millis(10)),
    );
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        let target = tokio::select! {
            _ = tick.tick() => None,
            n = nudges.recv() => match n {
                Some(t) => t,
                None => return,
            },
        };
        let addr = match target {
            Some(a) => a,
            None => {
                let members = shared.members.read().clone();
                let Some(m) = members.choose(&mut rand010::rng()) else { continue };
                m.addr
            }
        };
        let shared = shared.clone();
        // Concurrent so a slow peer does not hold up the next exchange.
        tokio::spawn(async move {
            if let Err(e) = exchange(&shared, addr).await {
                tracing::debug!(%addr, error = %e, "cluster: push-pull failed");
            }
        });
    }
}
