//! 257 replies (PWD, MKD): the path never carries a control byte.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = ftp::fuzzing::parse_257(data) {
        assert!(!path.iter().any(|&b| b < 0x20 || b == 0x7f), "control byte in a 257 path");
        assert!(path.len() < data.len().max(1));
    }
});
