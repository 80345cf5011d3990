//! `POST /api/v1/write` bodies: arbitrary bytes through the receiver's snappy and protobuf
//! decoding never panic, and whatever decodes is appended to a TSDB head through the same
//! code the handler runs (label checks, the future-timestamp bound, rollback on errors)
//! without panicking either. Decoded size is capped as the server caps it, so the fuzzer
//! cannot ask for gigabytes with a five-byte snappy header.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// 2023-11-14T22:13:20Z, fixed so runs are reproducible.
const NOW_MS: i64 = 1_700_000_000_000;

fuzz_target!(|body: &[u8]| {
    let head = tsdb::Head::new(tsdb::HeadOptions::default());
    let _ = remote::receive::receive(&head, body, 1 << 20, NOW_MS);
    // Also feed the raw bytes as an already-decompressed protobuf message, so the fuzzer
    // reaches the append path without having to learn snappy first.
    if let Ok(req) = <remote::proto::WriteRequest as prost::Message>::decode(body) {
        let _ = remote::receive::write(&head, &req, NOW_MS);
        // Round trip: what decoded must encode and decode to the same message.
        let again = remote::codec::decode(&remote::codec::encode(&req), usize::MAX);
        assert!(again.is_ok_and(|a| a.timeseries.len() == req.timeseries.len()));
    }
});
