//! Shared helpers for the integration tests: a scripted fake FTP server, the steps its
//! scripts are written with, TLS certificates made at run time, and scratch directories.

#![allow(dead_code)]

pub mod fake_server;
pub mod script;
pub mod tls;

/// An empty directory of its own for a test (`what` names it), under Cargo's
/// target/tmp; whatever an earlier run left there is removed first.
pub fn temp_dir(what: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
