//! Binary encoding of foca's SWIM messages and of our own wire records.
//!
//! Hand-written rather than serde-derived so that every length is bounded and checked before
//! it is trusted: a truncated or hostile packet is a [`DecodeError`], never a panic or a huge
//! allocation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use bytes::{Buf, BufMut};
use foca::{Header, Member, Message, State};

use crate::identity::NodeId;

/// Why bytes from the network could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before `what` was complete.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// `what` has a value that cannot occur.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// Why a message could not be encoded into the space left in a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EncodeError {
    #[error("no room left in the packet")]
    NoSpace,
}

/// A bounds-checked reader over a byte slice.
pub(crate) struct Reader<'a, B: Buf> {
    buf: &'a mut B,
}

impl<'a, B: Buf> Reader<'a, B> {
    pub(crate) fn new(buf: &'a mut B) -> Self {
        Reader { buf }
    }

    fn need(&self, n: usize, what: &'static str) -> Result<(), DecodeError> {
        if self.buf.remaining() < n { Err(DecodeError::Truncated(what)) } else { Ok(()) }
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        self.need(1, what)?;
        Ok(self.buf.get_u8())
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.need(2, what)?;
        Ok(self.buf.get_u16())
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.need(4, what)?;
        Ok(self.buf.get_u32())
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.need(8, what)?;
        Ok(self.buf.get_u64())
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>, DecodeError> {
        self.need(n, what)?;
        let mut out = vec![0; n];
        self.buf.copy_to_slice(&mut out);
        Ok(out)
    }

    /// A string with a one-byte length prefix.
    pub(crate) fn short_str(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let n = usize::from(self.u8(what)?);
        String::from_utf8(self.bytes(n, what)?).map_err(|_| DecodeError::Invalid(what))
    }
}

/// Encoded size of a one-byte-length-prefixed string (callers keep strings ≤ 255 bytes).
pub(crate) fn short_str_len(s: &str) -> usize {
    1 + s.len().min(255)
}

/// Writes a one-byte-length-prefixed string, cut at 255 bytes (names are validated at start).
pub(crate) fn put_short_str(buf: &mut impl BufMut, s: &str) {
    let b = &s.as_bytes()[..s.len().min(255)];
    buf.put_u8(b.len() as u8);
    buf.put_slice(b);
}

fn addr_len(addr: &SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(_) => 1 + 4 + 2,
        SocketAddr::V6(_) => 1 + 16 + 2,
    }
}

pub(crate) fn put_addr(buf: &mut impl BufMut, addr: &SocketAddr) {
    match addr.ip() {
        IpAddr::V4(ip) => {
            buf.put_u8(4);
            buf.put_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            buf.put_u8(6);
            buf.put_slice(&ip.octets());
        }
    }
    buf.put_u16(addr.port());
}

pub(crate) fn get_addr<B: Buf>(r: &mut Reader<'_, B>) -> Result<SocketAddr, DecodeError> {
    let ip = match r.u8("address family")? {
        4 => {
            let b = r.bytes(4, "IPv4 address")?;
            IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
        6 => {
            let b = r.bytes(16, "IPv6 address")?;
            let mut o = [0u8; 16];
            o.copy_from_slice(&b);
            IpAddr::V6(Ipv6Addr::from(o))
        }
        _ => return Err(DecodeError::Invalid("address family")),
    };
    Ok(SocketAddr::new(ip, r.u16("port")?))
}

fn id_len(id: &NodeId) -> usize {
    short_str_len(&id.name) + addr_len(&id.addr) + 8
}

fn put_id(buf: &mut impl BufMut, id: &NodeId) {
    put_short_str(buf, &id.name);
    put_addr(buf, &id.addr);
    buf.put_u64(id.bump);
}

fn get_id<B: Buf>(r: &mut Reader<'_, B>) -> Result<NodeId, DecodeError> {
    let name = r.short_str("member name")?;
    let addr = get_addr(r)?;
    let bump = r.u64("member stamp")?;
    Ok(NodeId { name: Arc::from(name), addr, bump })
}

/// foca's codec for [`NodeId`]s: header = src, incarnation, dst, message; member = id,
/// incarnation, state.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SwimCodec;

fn message_len(m: &Message<NodeId>) -> usize {
    1 + match m {
        Message::Ping(_) | Message::Ack(_) => 1,
        Message::PingReq { target: id, .. }
        | Message::IndirectPing { origin: id, .. }
        | Message::IndirectAck { target: id, .. }
        | Message::ForwardedAck { origin: id, .. } => id_len(id) + 1,
        Message::Announce
        | Message::Feed
        | Message::Gossip
        | Message::Broadcast
        | Message::TurnUndead => 0,
    }
}

impl foca::Codec<NodeId> for SwimCodec {
    type Error = CodecError;

    fn encode_header(
        &mut self,
        header: &Header<NodeId>,
        mut buf: impl BufMut,
    ) -> Result<(), Self::Error> {
        let need = id_len(&header.src) + 2 + id_len(&header.dst) + message_len(&header.message);
        if buf.remaining_mut() < need {
            return Err(CodecError::Encode(EncodeError::NoSpace));
        }
        put_id(&mut buf, &header.src);
        buf.put_u16(header.src_incarnation);
        put_id(&mut buf, &header.dst);
        match &header.message {
            Message::Ping(n) => {
                buf.put_u8(1);
                buf.put_u8(*n);
            }
            Message::Ack(n) => {
                buf.put_u8(2);
                buf.put_u8(*n);
            }
            Message::PingReq { target, probe_number } => {
                buf.put_u8(3);
                put_id(&mut buf, target);
                buf.put_u8(*probe_number);
            }
            Message::IndirectPing { origin, probe_number } => {
                buf.put_u8(4);
                put_id(&mut buf, origin);
                buf.put_u8(*probe_number);
            }
            Message::IndirectAck { target, probe_number } => {
                buf.put_u8(5);
                put_id(&mut buf, target);
                buf.put_u8(*probe_number);
            }
            Message::ForwardedAck { origin, probe_number } => {
                buf.put_u8(6);
                put_id(&mut buf, origin);
                buf.put_u8(*probe_number);
            }
            Message::Announce => buf.put_u8(7),
            Message::Feed => buf.put_u8(8),
            Message::Gossip => buf.put_u8(9),
            Message::Broadcast => buf.put_u8(10),
            Message::TurnUndead => buf.put_u8(11),
        }
        Ok(())
    }

    fn decode_header(&mut self, mut buf: impl Buf) -> Result<Header<NodeId>, Self::Error> {
        let mut r = Reader::new(&mut buf);
        let src = get_id(&mut r)?;
        let src_incarnation = r.u16("incarnation")?;
        let dst = get_id(&mut r)?;
        let message = match r.u8("message type")? {
            1 => Message::Ping(r.u8("probe number")?),
            2 => Message::Ack(r.u8("probe number")?),
            3 => Message::PingReq { target: get_id(&mut r)?, probe_number: r.u8("probe number")? },
            4 => Message::IndirectPing {
                origin: get_id(&mut r)?,
                probe_number: r.u8("probe number")?,
            },
            5 => Message::IndirectAck {
                target: get_id(&mut r)?,
                probe_number: r.u8("probe number")?,
            },
            6 => Message::ForwardedAck {
                origin: get_id(&mut r)?,
                probe_number: r.u8("probe number")?,
            },
            7 => Message::Announce,
            8 => Message::Feed,
            9 => Message::Gossip,
            10 => Message::Broadcast,
            11 => Message::TurnUndead,
            _ => return Err(DecodeError::Invalid("message type").into()),
        };
        Ok(Header { src, src_incarnation, dst, message })
    }

    fn encode_member(
        &mut self,
        member: &Member<NodeId>,
        mut buf: impl BufMut,
    ) -> Result<(), Self::Error> {
        if buf.remaining_mut() < id_len(member.id()) + 3 {
            return Err(CodecError::Encode(EncodeError::NoSpace));
        }
        put_id(&mut buf, member.id());
        buf.put_u16(member.incarnation());
        buf.put_u8(match member.state() {
            State::Alive => 0,
            State::Suspect => 1,
            State::Down => 2,
        });
        Ok(())
    }

    fn decode_member(&mut self, mut buf: impl Buf) -> Result<Member<NodeId>, Self::Error> {
        let mut r = Reader::new(&mut buf);
        let id = get_id(&mut r)?;
        let incarnation = r.u16("incarnation")?;
        let state = match r.u8("member state")? {
            0 => State::Alive,
            1 => State::Suspect,
            2 => State::Down,
            _ => return Err(DecodeError::Invalid("member state").into()),
        };
        Ok(Member::new(id, incarnation, state))
    }
}

/// Errors of [`SwimCodec`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum CodecError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::Codec;

    fn id(name: &str, port: u16) -> NodeId {
        NodeId { name: Arc::from(name), addr: SocketAddr::from(([127, 0, 0, 1], port)), bump: 9 }
    }

    #[test]
    fn headers_round_trip() {
        let messages = [
            Message::Ping(1),
            Message::Ack(2),
            Message::PingReq { target: id("t", 3), probe_number: 3 },
            Message::IndirectPing { origin: id("o", 4), probe_number: 4 },
            Message::IndirectAck { target: id("t", 5), probe_number: 5 },
            Message::ForwardedAck { origin: id("o", 6), probe_number: 6 },
            Message::Announce,
            Message::Feed,
            Message::Gossip,
            Message::Broadcast,
            Message::TurnUndead,
        ];
        for message in messages {
            let h = Header { src: id("a", 1), src_incarnation: 7, dst: id("b", 2), message };
            let mut buf = Vec::new();
            SwimCodec.encode_header(&h, &mut buf).unwrap();
            assert_eq!(SwimCodec.decode_header(&buf[..]).unwrap(), h);
            // Every strict prefix is an error, not a panic.
            for cut in 0..buf.len() {
                assert!(SwimCodec.decode_header(&buf[..cut]).is_err());
            }
        }
    }

    #[test]
    fn members_round_trip_and_ipv6() {
        let mut m_id = id("x", 9);
        m_id.addr = "[::1]:9094".parse().unwrap();
        let m = Member::new(m_id, 3, State::Suspect);
        let mut buf = Vec::new();
        SwimCodec.encode_member(&m, &mut buf).unwrap();
        assert_eq!(SwimCodec.decode_member(&buf[..]).unwrap(), m);
    }

    #[test]
    fn encoding_into_a_full_buffer_is_an_error() {
        let h = Header {
            src: id("a", 1),
            src_incarnation: 0,
            dst: id("b", 2),
            message: Message::Ping(0),
        };
        let mut store = Vec::new();
        let mut limited = (&mut store).limit(10);
        assert!(SwimCodec.encode_header(&h, &mut limited).is_err());
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(SwimCodec.decode_header(&[1u8, b'a', 9, 9][..]).is_err());
        assert!(
            SwimCodec
                .decode_member(&[0u8, 4, 1, 2, 3, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7][..])
                .is_err()
        );
    }
}
