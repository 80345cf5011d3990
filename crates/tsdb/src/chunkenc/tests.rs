use proptest::prelude::*;

use super::*;
use model::storage::{STALE_NAN_BITS, stale_nan};

fn encode(samples: &[(i64, f64)]) -> Box<[u8]> {
    let mut e = XorEncoder::new();
    for &(t, f) in samples {
        e.append(t, f);
    }
    e.finish()
}

fn decode_bits(chunk: &[u8]) -> Vec<(i64, u64)> {
    XorIter::new(chunk).map(|(t, f)| (t, f.to_bits())).collect()
}

#[test]
fn layout_matches_prometheus_by_hand() {
    // Header 3; varint(zigzag(1000)) = D0 0F; 1.0 raw; uvarint(1000) = E8 07; then three 0 bits
    // (value unchanged, dod 0, value unchanged) padded to a byte.
    let chunk = encode(&[(1000, 1.0), (2000, 1.0), (3000, 1.0)]);
    assert_eq!(&*chunk, &[0x00, 0x03, 0xD0, 0x0F, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0xE8, 0x07, 0x00]);
}

#[test]
fn special_values_keep_their_bits() {
    let values = [
        stale_nan(),
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        stale_nan(),
        1.5,
    ];
    let samples: Vec<(i64, f64)> =
        values.iter().enumerate().map(|(i, &f)| (i as i64 * 15_000, f)).collect();
    let got = decode_bits(&encode(&samples));
    let want: Vec<(i64, u64)> = samples.iter().map(|&(t, f)| (t, f.to_bits())).collect();
    assert_eq!(got, want);
    assert_eq!(got[0].1, STALE_NAN_BITS);
    assert_eq!(got[9].1, STALE_NAN_BITS);
}

#[test]
fn huge_and_negative_deltas() {
    // Each dod size class, both signs, and jumps needing the 64-bit escape.
    let ts = [
        i64::MIN + 10,
        -5,
        0,
        1,
        8193,
        16_385,
        200_000,
        200_001,
        1_000_000,
        i64::MAX / 2,
        i64::MAX - 1,
        i64::MAX,
    ];
    let samples: Vec<(i64, f64)> = ts.iter().map(|&t| (t, t as f64)).collect();
    let got: Vec<(i64, f64)> = XorIter::new(&encode(&samples)).collect();
    assert_eq!(got, samples);
}

#[test]
fn dod_field_edges() {
    // dod exactly 2^13 fits the 14-bit field; -2^13 does not and takes the 17-bit one.
    for dod in [8192i64, -8191, -8192, 65_536, -65_535, -65_536, 524_288, -524_288] {
        let base = 1_000_000i64;
        let samples = [(0, 1.0), (base, 2.0), (2 * base + dod, 3.0), (3 * base + dod, 4.0)];
        let got: Vec<(i64, f64)> = XorIter::new(&encode(&samples)).collect();
        assert_eq!(got, samples, "dod {dod}");
    }
}

#[test]
fn limit_reads_a_prefix_while_the_chunk_grows() {
    let mut e = XorEncoder::new();
    for i in 0..50 {
        e.append(i * 1000, (i * i) as f64);
    }
    let seen = 20;
    let mut more = e.clone();
    for i in 50..120 {
        more.append(i * 1000, (i % 7) as f64 * 0.1);
    }
    let got: Vec<(i64, f64)> = XorIter::with_limit(more.bytes(), seen).collect();
    let want: Vec<(i64, f64)> = (0..seen as i64).map(|i| (i * 1000, (i * i) as f64)).collect();
    assert_eq!(got, want);
    assert_eq!(chunk_len(more.bytes()), Some(120));
}

#[test]
fn truncated_chunk_stops_without_panic() {
    let samples: Vec<(i64, f64)> = (0..100).map(|i| (i * 15_000 + i % 3, i as f64 * 1.1)).collect();
    let chunk = encode(&samples);
    for cut in 0..chunk.len() {
        let mut it = XorIter::new(&chunk[..cut]);
        let got: Vec<(i64, f64)> = it.by_ref().collect();
        assert!(got.len() < samples.len());
        assert_eq!(&samples[..got.len()], &got[..]);
        assert!(it.is_corrupt() || cut < 2);
    }
}

#[test]
fn typical_scrape_series_compresses_well() {
    // A counter scraped every 15s with a little jitter: Prometheus gets 1-2 bytes per sample.
    let mut e = XorEncoder::new();
    let mut v = 0.0;
    for i in 0..120i64 {
        v += (i % 5) as f64;
        e.append(1_700_000_000_000 + i * 15_000 + (i % 3), v);
    }
    let bytes = e.bytes().len();
    assert!(bytes < 120 * 3, "{bytes} bytes for 120 samples");
}

proptest! {
    #[test]
    fn round_trip(
        start in any::<i64>(),
        deltas in proptest::collection::vec(0i64..=(1 << 40), 0..200),
        values in proptest::collection::vec(any::<u64>(), 200),
    ) {
        let mut t = start;
        let mut samples = Vec::new();
        for (i, d) in deltas.iter().enumerate() {
            if i > 0 {
                let Some(next) = t.checked_add(*d) else { break };
                t = next;
            }
            samples.push((t, values[i]));
        }
        let mut e = XorEncoder::new();
        for &(t, v) in &samples {
            e.append(t, f64::from_bits(v));
        }
        prop_assert_eq!(decode_bits(&e.finish()), samples);
    }

    #[test]
    fn round_trip_realistic(
        start in 0i64..2_000_000_000_000,
        steps in proptest::collection::vec((14_000i64..16_000, -1000i32..1000), 1..120),
    ) {
        let mut t = start;
        let mut v = 0.0f64;
        let mut samples = Vec::new();
        for (dt, dv) in steps {
            samples.push((t, v.to_bits()));
            t += dt;
            v += f64::from(dv) / 8.0;
        }
        let mut e = XorEncoder::new();
        for &(t, v) in &samples {
            e.append(t, f64::from_bits(v));
        }
        prop_assert_eq!(decode_bits(&e.finish()), samples);
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut it = XorIter::new(&data);
        let n = it.by_ref().count();
        prop_assert!(n <= chunk_len(&data).unwrap_or(0));
    }
}
