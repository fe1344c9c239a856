//! The C ABI. Thin and mechanical: argument checks, type conversion, error mapping; the
//! protocol lives in the core. Every function body runs inside `handle::with_session`
//! (or `no_panic` where there is no session), so no panic crosses into C.

#![allow(non_camel_case_types)]
// These functions are the C boundary: callers pass raw pointers by design. Each one is
// checked for NULL here and its validity rules are documented in ftp.h.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod args;
mod commands;
mod handle;
mod result;
mod session;
mod transfer;
mod version;

pub use args::FTP_NO_REST;
pub use commands::*;
pub use handle::ftp_session;
pub use result::*;
pub use session::*;
pub use transfer::*;
pub use version::*;
