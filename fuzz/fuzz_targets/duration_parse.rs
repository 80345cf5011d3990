//! Duration parsers: never panic; whatever parses prints back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::duration::{Duration, GoDuration};

fuzz_target!(|s: &str| {
    if let Ok(d) = Duration::parse(s) {
        assert_eq!(Duration::parse(&d.to_string()), Ok(d), "{s:?}");
    }
    if let Ok(d) = Duration::parse_allow_negative(s) {
        assert_eq!(Duration::parse_allow_negative(&d.to_string()), Ok(d), "{s:?}");
    }
    if let Ok(d) = GoDuration::parse(s) {
        assert_eq!(GoDuration::parse(&d.to_string()), Ok(d), "{s:?}");
    }
    if let Ok(bytes) = model::gostr::unquote(s)
        && let Ok(text) = String::from_utf8(bytes)
    {
        assert_eq!(
            model::gostr::unquote(&model::gostr::quote(&text)).ok(),
            Some(text.into_bytes())
        );
    }
});
