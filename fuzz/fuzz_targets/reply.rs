//! The control-connection reply reader on arbitrary bytes: bounded lines and replies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ftp::fuzzing::replies(data);
});
