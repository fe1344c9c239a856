//! libftp: an FTP client. The Rust core (`Ftp` and its modules) knows nothing of C;
//! `capi` is the thin C layer that `include/ftp.h` is generated from.

pub mod capi;
