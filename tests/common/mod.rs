//! Shared helpers for the integration tests: a scripted fake FTP server, the steps its
//! scripts are written with, TLS certificates made at run time, and scratch directories.

#![allow(dead_code)]

pub mod fake_server;
pub mod pool_server;
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

/// Ends the whole test process if it is still alive `limit` after this was made and
/// before it is dropped: for a step that would block forever if a regression came back
/// (opening a FIFO waits for a reader), so the test fails instead of hanging.
pub struct Watchdog(Option<std::sync::mpsc::Sender<()>>);

pub fn watchdog(what: &'static str, limit: std::time::Duration) -> Watchdog {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!("watchdog: {what} still blocked after {limit:?}");
            std::process::abort();
        }
    });
    Watchdog(Some(tx))
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Dropping the sender wakes the watchdog with Disconnected: it ends quietly.
        self.0.take();
    }
}

/// The shared servers' settings, or None (a failure under CI=true).
pub fn live_env() -> Option<std::collections::HashMap<String, String>> {
    let path = match std::env::var("LIBFTP_TEST_ENV") {
        Ok(p) => p,
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => panic!("CI=true but LIBFTP_TEST_ENV is not set"),
        Err(_) => {
            eprintln!("skipped: LIBFTP_TEST_ENV is not set");
            return None;
        }
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("LIBFTP_TEST_ENV={path}: {e}"));
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    )
}
