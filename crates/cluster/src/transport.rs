//! Sockets: UDP for SWIM packets, TCP for push-pull, oversized deltas and leave notices.
//! A TCP connection carries frames of `u32 length, message`; each frame read and each dial
//! are bounded by `--cluster.tcp-timeout`, and an idle connection is closed after it.
//!
//! With `--cluster.tls-config` every connection is TLS and SWIM packets travel as frames on
//! pooled TLS connections instead of UDP (as upstream's TLS transport).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use crate::tls::Tls;

use crate::membership::Cmd;
use crate::wire::{self, MAX_FRAME, WireMessage};
use crate::{Shared, broadcast, pushpull};

/// Largest UDP datagram we read (foca packets are at most 1400 bytes plus our envelope).
const MAX_DATAGRAM: usize = 2048;

/// Receives SWIM packets and hands them to the membership task.
pub(crate) async fn udp_loop(shared: Arc<Shared>, socket: Arc<UdpSocket>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                // ICMP "port unreachable" of an earlier send shows up here on some systems.
                tracing::trace!(error = %e, "cluster: UDP receive error");
                continue;
            }
        };
        if shared.dialer.is_isolated() {
            continue;
        }
        match wire::decode_labelled(&shared.label, &buf[..n]) {
            Ok(WireMessage::Swim(packet)) => {
                if shared.cmd.try_send(Cmd::Packet(packet)).is_err() {
                    shared.metrics.messages_pruned.inc();
                }
            }
            Ok(other) => {
                tracing::debug!(%from, kind = ?std::mem::discriminant(&other), "cluster: unexpected UDP message")
            }
            Err(e) => {
                shared.metrics.decode_errors.inc();
                tracing::debug!(%from, error = %e, "cluster: bad UDP packet");
            }
        }
    }
}

/// Accepts TCP connections; each is served in its own task.
pub(crate) async fn tcp_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, from)) => {
                if shared.dialer.is_isolated() {
                    continue;
                }
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let res = match &shared.dialer.tls {
                        None => serve(&shared, stream).await,
                        Some(tls) => {
                            let timeout = shared.opts.tcp_timeout;
                            match tokio::time::timeout(timeout, tls.acceptor.accept(stream)).await {
                                Ok(Ok(s)) => serve(&shared, s).await,
                                Ok(Err(e)) => Err(e),
                                Err(_) => Err(timed_out("TLS handshake")),
                            }
                        }
                    };
                    if let Err(e) = res {
                        tracing::debug!(%from, error = %e, "cluster: TCP connection failed");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "cluster: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

fn bad(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("{what} timed out"))
}

/// Serves one incoming connection: frames until the peer closes it or stays idle too long.
async fn serve(
    shared: &Arc<Shared>,
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
) -> io::Result<()> {
    loop {
        let frame =
            match tokio::time::timeout(shared.opts.tcp_timeout, read_frame(&mut stream)).await {
                Ok(Ok(Some(f))) => f,
                Ok(Ok(None)) => return Ok(()),
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(timed_out("idle connection")),
            };
        let msg = match wire::decode_labelled(&shared.label, &frame) {
            Ok(m) => m,
            Err(e) => {
                shared.metrics.decode_errors.inc();
                return Err(bad(e));
            }
        };
        match msg {
            WireMessage::PushPull(states) => {
                pushpull::merge_states(shared, &states, frame.len());
                let reply = pushpull::local_reply(shared);
                write_frame(&mut stream, &reply).await?;
            }
            WireMessage::Broadcast(item) => broadcast::receive_direct(shared, &item, frame.len()),
            WireMessage::Leave(addr) => {
                // Whichever comes first, this notice or foca's "down": not a failure.
                shared.left.lock().insert(addr);
                if shared.failed.lock().remove(&addr).is_some() {
                    shared.left.lock().remove(&addr);
                }
                shared.publish();
                // Acknowledge, so the leaver sends its SWIM leave only after we know.
                write_frame(&mut stream, &frame).await?;
            }
            WireMessage::Swim(packet) => {
                let _ = shared.cmd.try_send(Cmd::Packet(packet));
            }
            WireMessage::PushPullReply(_) => return Err(bad("unexpected push-pull reply")),
        }
    }
}

/// Reads one frame; `None` at a clean end of stream.
pub(crate) async fn read_frame(r: &mut (impl AsyncRead + Unpin)) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(bad(format!("frame of {len} bytes is over the limit")));
    }
    // Read in steps so a lying length costs no more memory than the bytes really sent.
    let mut out = Vec::with_capacity(len.min(64 << 10));
    let mut limited = r.take(len as u64);
    limited.read_to_end(&mut out).await?;
    if out.len() != len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated frame"));
    }
    Ok(Some(out))
}

pub(crate) async fn write_frame(w: &mut (impl AsyncWrite + Unpin), frame: &[u8]) -> io::Result<()> {
    let len = u32::try_from(frame.len()).map_err(|_| bad("frame too large"))?;
    w.write_all(&len.to_be_bytes()).await?;
    w.write_all(frame).await?;
    w.flush().await
}

/// A byte stream to a peer: plain TCP or TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How to reach a peer: the TCP timeout and, with `--cluster.tls-config`, the TLS client side.
#[derive(Debug, Clone)]
pub(crate) struct Dialer {
    pub(crate) tcp_timeout: Duration,
    pub(crate) tls: Option<Tls>,
    /// Test hook ([`crate::Peer::isolate`]): drop all traffic, as a network partition would.
    pub(crate) isolated: Arc<std::sync::atomic::AtomicBool>,
}

impl Dialer {
    /// Connects (and handshakes) to `addr` within the TCP timeout.
    pub(crate) async fn connect(&self, addr: SocketAddr) -> io::Result<Box<dyn Io>> {
        if self.is_isolated() {
            return Err(io::Error::new(io::ErrorKind::NetworkUnreachable, "isolated"));
        }
        tokio::time::timeout(self.tcp_timeout, async {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            match &self.tls {
                None => Ok(Box::new(stream) as Box<dyn Io>),
                Some(tls) => {
                    let name =
                        tls.server_name.clone().unwrap_or(ServerName::IpAddress(addr.ip().into()));
                    Ok(Box::new(tls.connector.connect(name, stream).await?) as Box<dyn Io>)
                }
            }
        })
        .await
        .map_err(|_| timed_out("connect"))?
    }
}

impl Dialer {
    pub(crate) fn is_isolated(&self) -> bool {
        self.isolated.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Connects to `addr` within the TCP timeout.
pub(crate) async fn connect(shared: &Shared, addr: SocketAddr) -> io::Result<Box<dyn Io>> {
    shared.dialer.connect(addr).await
}

/// Sends frames to `addr` on a new connection and closes it.
pub(crate) async fn send_frames(
    shared: &Shared,
    addr: SocketAddr,
    frames: &[&[u8]],
) -> io::Result<()> {
    tokio::time::timeout(shared.opts.tcp_timeout, async {
        let mut s = connect(shared, addr).await?;
        for f in frames {
            write_frame(&mut s, f).await?;
        }
        s.shutdown().await
    })
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "send timed out"))?
}

/// Tells `addr` we are leaving and waits for its acknowledgement.
pub(crate) async fn notify_leave(
    shared: &Shared,
    addr: SocketAddr,
    notice: &[u8],
) -> io::Result<()> {
    tokio::time::timeout(shared.opts.tcp_timeout, async {
        let mut s = connect(shared, addr).await?;
        write_frame(&mut s, notice).await?;
        read_frame(&mut s).await?;
        s.shutdown().await
    })
    .await
    .map_err(|_| timed_out("leave notice"))?
}

/// Where SWIM packets go: UDP, or (TLS) frames on one pooled connection per peer.
#[derive(Debug)]
pub(crate) enum Packets {
    Udp(Arc<UdpSocket>),
    Tls { dialer: Dialer, pool: Mutex<HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>> },
}

/// Packets queued for one peer's TLS connection before newer ones are dropped (as UDP would).
const PACKET_QUEUE: usize = 256;

impl Packets {
    /// Sends one enveloped packet; best effort, like UDP.
    pub(crate) async fn send(&self, dialer: &Dialer, to: SocketAddr, packet: Vec<u8>) {
        if dialer.is_isolated() {
            return;
        }
        match self {
            Packets::Udp(sock) => {
                if let Err(e) = sock.send_to(&packet, to).await {
                    tracing::trace!(%to, error = %e, "cluster: UDP send failed");
                }
            }
            Packets::Tls { dialer, pool } => {
                let mut pool = pool.lock();
                let packet = match pool.get(&to) {
                    Some(tx) => match tx.try_send(packet) {
                        Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => return,
                        Err(mpsc::error::TrySendError::Closed(p)) => p,
                    },
                    None => packet,
                };
                let (tx, rx) = mpsc::channel(PACKET_QUEUE);
                let _ = tx.try_send(packet);
                pool.insert(to, tx);
                tokio::spawn(packet_writer(dialer.clone(), to, rx));
            }
        }
    }
}

/// Writes queued packets to one peer until the connection fails or stays idle.
async fn packet_writer(dialer: Dialer, to: SocketAddr, mut rx: mpsc::Receiver<Vec<u8>>) {
    let mut conn = match dialer.connect(to).await {
        Ok(c) => c,
        Err(e) => {
            tracing::trace!(%to, error = %e, "cluster: TLS packet connection failed");
            return;
        }
    };
    while let Ok(Some(p)) = tokio::time::timeout(dialer.tcp_timeout / 2, rx.recv()).await {
        if let Err(e) = write_frame(&mut conn, &p).await {
            tracing::trace!(%to, error = %e, "cluster: TLS packet write failed");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip_and_lies_are_errors() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"hello").await.unwrap();
        let mut r = &buf[..];
        assert_eq!(read_frame(&mut r).await.unwrap().unwrap(), b"hello");
        assert!(read_frame(&mut r).await.unwrap().is_none());

        let mut lie = 1000u32.to_be_bytes().to_vec();
        lie.extend_from_slice(b"short");
        assert!(read_frame(&mut &lie[..]).await.is_err());

        let huge = u32::MAX.to_be_bytes();
        assert!(read_frame(&mut &huge[..]).await.is_err());
    }
}
