//! The C ABI. Thin and mechanical: argument checks, type conversion, error mapping; the
//! protocol lives in the core. Every function body is one call of the boundary in
//! `handle.rs` (a unit test there checks it), so every object has the same guard and no
//! panic crosses into C.
//!
//! The module is private: Rust users of the rlib get the safe core, not these raw-pointer
//! functions. `#[unsafe(no_mangle)]` still exports them from the cdylib and staticlib,
//! and cbindgen reads the sources, so the header does not depend on re-exports.

#![allow(non_camel_case_types)]

// In the order the header presents the API to a C reader (cbindgen follows it; rustfmt
// keeps it, reorder_modules = false): lifecycle, connecting and logging in, commands,
// transfers, listings, whole files, TLS, URLs, mirroring, the rest.
mod handle;
mod session;
mod commands;
mod transfer;
mod listing;
mod walk;
mod files;
mod segmented;
mod tls;
mod url;
mod mirror;
mod pool;
mod batch;
mod extended;
mod tuning;
mod result;
mod version;
mod args;
