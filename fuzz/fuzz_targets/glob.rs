//! The mirror's shell-style name filter: any pattern against any name ends, in bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first 0xff byte (or the middle) splits pattern from name.
    let cut = data.iter().position(|&b| b == 0xff).unwrap_or(data.len() / 2);
    let (pattern, name) = (&data[..cut], &data[(cut + 1).min(data.len())..]);
    let _ = ftp::glob_match(pattern, name);
});
