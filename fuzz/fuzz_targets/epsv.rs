//! EPSV (229) replies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(port) = ftp::fuzzing::parse_229(data) {
        assert_ne!(port, 0, "a 229 naming port 0 was accepted");
    }
});
