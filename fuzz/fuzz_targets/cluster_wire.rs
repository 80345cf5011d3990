//! Cluster wire messages: any bytes a peer (or anyone reaching port 9094) sends decode to a
//! message or an error, never a panic or an allocation sized by a lying length field.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cluster::wire::decode(data);
});
