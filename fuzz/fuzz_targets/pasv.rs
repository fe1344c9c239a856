//! PASV (227) and the other one-line reply parsers (150 size, 213 size, MDTM time).
#![no_main]
use ftp::fuzzing::{parse_150_size, parse_213_size, parse_227, parse_time_val};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, port)) = parse_227(data) {
        assert_ne!(port, 0, "a 227 naming port 0 was accepted");
    }
    let _ = parse_150_size(data);
    let _ = parse_213_size(data);
    let _ = parse_time_val(data);
});
