//! The C ABI. Thin and mechanical: argument checks, type conversion, error mapping; the
//! protocol lives in the core. Every function body runs inside `handle::with_session`
//! (or `no_panic` where there is no session), so no panic crosses into C.
//!
//! The module is private: Rust users of the rlib get the safe core, not these raw-pointer
//! functions. `#[unsafe(no_mangle)]` still exports them from the cdylib and staticlib,
//! and cbindgen reads the sources, so the header does not depend on re-exports.

#![allow(non_camel_case_types)]

mod args;
mod commands;
mod entry;
mod extended;
mod files;
mod handle;
mod mirror;
mod result;
mod session;
mod tls;
mod transfer;
mod tuning;
mod url;
mod version;
