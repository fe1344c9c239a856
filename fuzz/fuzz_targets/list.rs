//! LIST lines (Unix and DOS styles), with a fixed "now" for year-less dates.
#![no_main]
use ftp::{Entry, FileTime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // 2026-06-15 00:00:00 UTC.
    let now = FileTime { secs: 1_781_481_600, nanos: 0 };
    if let Some(e) = Entry::from_list(data, now) {
        assert!(e.name.len() <= data.len());
    }
});
