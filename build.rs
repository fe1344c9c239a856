//! Generates `include/ftp.h` from the C layer (`src/capi/`) with cbindgen.
//!
//! The header is committed; the build rewrites it only when its content changes, so a
//! stale committed header shows up as a diff (ctest `header_is_fresh` checks that).

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        // Only the C layer: the core's public items are for Rust users, not the header.
        .with_src(crate_dir.join("src/capi/mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen can generate ftp.h");
    let mut text = Vec::new();
    bindings.write(&mut text);

    let out = crate_dir.join("include").join("ftp.h");
    let current = std::fs::read(&out).unwrap_or_default();
    if current != text {
        std::fs::create_dir_all(out.parent().expect("include/ has a parent")).expect("create include/");
        std::fs::write(&out, &text).expect("write include/ftp.h");
    }
}
