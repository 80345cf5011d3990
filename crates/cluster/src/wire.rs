//! Our envelope around everything sent between peers, UDP packets and TCP frames alike:
//! `magic, version, label, kind, body`. The label (`--cluster.label`) lets two clusters share a
//! network without merging; the version lets a future format be told apart.
//!
//! [`decode`] parses any message and is total: every input gives a value or a [`DecodeError`].

use std::net::SocketAddr;

use bytes::BufMut;

use crate::codec::{self, DecodeError, Reader, SwimCodec};

const MAGIC: u8 = 0x4b;
const VERSION: u8 = 1;

/// Largest TCP frame accepted (a full state of many silences is megabytes; this bounds what a
/// hostile peer can make us allocate).
pub(crate) const MAX_FRAME: usize = 256 << 20;

/// Largest number of states in one push-pull (we register two: "sil" and "nfl").
const MAX_STATES: usize = 64;

/// A decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireMessage {
    /// A SWIM packet for foca (its header already checked).
    Swim(Vec<u8>),
    /// Push-pull request: the sender's full states, answered with [`WireMessage::PushPullReply`].
    PushPull(Vec<(String, Vec<u8>)>),
    /// Push-pull answer: the receiver's full states.
    PushPullReply(Vec<(String, Vec<u8>)>),
    /// A delta too large for a UDP packet, sent directly over TCP.
    Broadcast(Item),
    /// The sender at this address is leaving on purpose: do not try to reconnect to it.
    Leave(SocketAddr),
}

/// One gossiped delta: a random id (so each peer merges and forwards it once), the state key,
/// and the owner's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: u64,
    pub key: String,
    pub payload: Vec<u8>,
}

impl Item {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + codec::short_str_len(&self.key) + self.payload.len());
        out.put_u64(self.id);
        codec::put_short_str(&mut out, &self.key);
        out.extend_from_slice(&self.payload);
        out
    }

    pub(crate) fn decode(mut bytes: &[u8]) -> Result<Item, DecodeError> {
        let mut r = Reader::new(&mut bytes);
        let id = r.u64("broadcast id")?;
        let key = r.short_str("state key")?;
        Ok(Item { id, key, payload: bytes.to_vec() })
    }
}

/// Encodes `msg` under `label`.
pub(crate) fn encode(label: &str, msg: &WireMessage) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u8(MAGIC);
    out.put_u8(VERSION);
    codec::put_short_str(&mut out, label);
    match msg {
        WireMessage::Swim(b) => {
            out.put_u8(0);
            out.extend_from_slice(b);
        }
        WireMessage::PushPull(states) | WireMessage::PushPullReply(states) => {
            out.put_u8(if matches!(msg, WireMessage::PushPull(_)) { 1 } else { 2 });
            out.put_u16(states.len().min(MAX_STATES) as u16);
            for (key, bytes) in states.iter().take(MAX_STATES) {
                codec::put_short_str(&mut out, key);
                out.put_u32(bytes.len() as u32);
                out.extend_from_slice(bytes);
            }
        }
        WireMessage::Broadcast(item) => {
            out.put_u8(3);
            out.extend_from_slice(&item.encode());
        }
        WireMessage::Leave(addr) => {
            out.put_u8(4);
            codec::put_addr(&mut out, addr);
        }
    }
    out
}

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// From a cluster with another `--cluster.label`.
    #[error("label {got:?} is not ours ({want:?})")]
    Label { got: String, want: String },
}

/// Decodes one message and checks its label.
pub fn decode_labelled(label: &str, bytes: &[u8]) -> Result<WireMessage, WireError> {
    let (got, msg) = decode(bytes)?;
    if got != label {
        return Err(WireError::Label { got, want: label.to_string() });
    }
    Ok(msg)
}

/// Decodes one message (a UDP packet or a TCP frame without its length), returning its label.
/// Total: never panics, never allocates more than the input's size.
pub fn decode(mut bytes: &[u8]) -> Result<(String, WireMessage), DecodeError> {
    let mut r = Reader::new(&mut bytes);
    if r.u8("magic")? != MAGIC {
        return Err(DecodeError::Invalid("magic"));
    }
    if r.u8("version")? != VERSION {
        return Err(DecodeError::Invalid("version"));
    }
    let label = r.short_str("label")?;
    let kind = r.u8("message kind")?;
    let msg = match kind {
        0 => {
            // Check the header here so garbage is refused before foca sees it.
            let mut probe: &[u8] = bytes;
            foca::Codec::decode_header(&mut SwimCodec, &mut probe)
                .map_err(|_| DecodeError::Invalid("SWIM header"))?;
            WireMessage::Swim(bytes.to_vec())
        }
        1 | 2 => {
            let mut r = Reader::new(&mut bytes);
            let n = usize::from(r.u16("state count")?);
            if n > MAX_STATES {
                return Err(DecodeError::Invalid("state count"));
            }
            let mut states = Vec::with_capacity(n);
            for _ in 0..n {
                let key = r.short_str("state key")?;
                let len = r.u32("state length")? as usize;
                states.push((key, r.bytes(len, "state")?));
            }
            if !bytes.is_empty() {
                return Err(DecodeError::Invalid("trailing bytes after states"));
            }
            if kind == 1 {
                WireMessage::PushPull(states)
            } else {
                WireMessage::PushPullReply(states)
            }
        }
        3 => WireMessage::Broadcast(Item::decode(bytes)?),
        4 => {
            let mut r = Reader::new(&mut bytes);
            let addr = codec::get_addr(&mut r)?;
            WireMessage::Leave(addr)
        }
        _ => return Err(DecodeError::Invalid("message kind")),
    };
    Ok((label, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<WireMessage> {
        vec![
            WireMessage::PushPull(vec![("sil".into(), b"abc".to_vec()), ("nfl".into(), vec![])]),
            WireMessage::PushPullReply(vec![]),
            WireMessage::Broadcast(Item { id: 7, key: "nfl".into(), payload: b"delta".to_vec() }),
            WireMessage::Leave("10.0.0.1:9094".parse().unwrap()),
        ]
    }

    #[test]
    fn messages_round_trip_with_label() {
        for m in all() {
            let b = encode("prod", &m);
            assert_eq!(decode_labelled("prod", &b).unwrap(), m);
            assert!(matches!(decode_labelled("", &b), Err(WireError::Label { .. })));
        }
    }

    #[test]
    fn every_prefix_and_every_byte_flip_is_handled() {
        for m in all() {
            let b = encode("", &m);
            // A broadcast's payload runs to the end, so only its header must be whole.
            let must_have = if let WireMessage::Broadcast(i) = &m {
                b.len() - i.payload.len()
            } else {
                b.len()
            };
            for cut in 0..must_have {
                assert!(decode(&b[..cut]).is_err(), "prefix {cut} of {m:?}");
            }
            for i in 0..b.len() {
                let mut c = b.clone();
                c[i] ^= 0xff;
                let _ = decode(&c);
            }
        }
    }

    #[test]
    fn garbage_swim_packets_are_refused() {
        let mut b = encode("", &WireMessage::Swim(vec![]));
        assert!(decode(&b).is_err());
        b.extend_from_slice(&[0xff; 40]);
        assert!(decode(&b).is_err());
    }

    #[test]
    fn huge_declared_lengths_do_not_allocate() {
        let mut b = vec![MAGIC, VERSION, 0, 1, 0, 1, 1, b'k'];
        b.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(decode(&b), Err(DecodeError::Truncated("state")));
    }
}
