//! MLSD lines: the facts parser and the structured entry built from it.
#![no_main]
use ftp::{Entry, MlsdEntry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let m = MlsdEntry::parse(data);
    for name in ["type", "size", "modify", "perm", "unix.mode", "unique"] {
        let _ = m.fact(name);
    }
    let e = Entry::from_mlsd(data);
    assert!(e.name.len() <= data.len());
});
