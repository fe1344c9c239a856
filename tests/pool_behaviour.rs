//! The pool and batches: against the many-connection fake server in
//! tests/common/pool_server.rs, and live against the shared test servers (when
//! LIBFTP_TEST_ENV names them; under CI=true their absence fails).

mod common;

use common::pool_server::PoolServer;
use ftp::{Batch, BatchFlow, ConnectParams, ErrorKind, FileOptions, Options, Pool, PoolOptions, TlsConfig, TlsMode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn pool_for(server: &PoolServer, max_sessions: usize) -> Pool {
    let params =
        ConnectParams::new("127.0.0.1", server.port, Options::default()).with_login(Some("u"), Some("p"), None);
    let opts = PoolOptions { max_sessions, checkout_timeout: Some(Duration::from_secs(20)), ..PoolOptions::default() };
    Pool::new(params, opts)
}

/// Bytes that differ per file and position.
fn content(seed: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed * 7) % 251) as u8).collect()
}

fn atomic() -> FileOptions {
    FileOptions { atomic: true, ..FileOptions::default() }
}

#[test]
fn sessions_open_lazily_and_come_back_for_reuse() {
    let server = PoolServer::start(10);
    let pool = pool_for(&server, 3);
    assert_eq!(server.shared.accepted.load(Ordering::SeqCst), 0, "nothing opened before a get");
    {
        let mut s = pool.get().unwrap();
        s.noop().unwrap();
    }
    for _ in 0..5 {
        pool.get().unwrap().noop().unwrap();
    }
    let st = pool.stats();
    assert_eq!((st.opened, st.reused, st.open, st.idle, st.in_use), (1, 5, 1, 1, 0), "{st:?}");
    assert_eq!(server.shared.logins.load(Ordering::SeqCst), 1);
    // Three held at once: three connections, and no more than that.
    let held: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
    assert_eq!(pool.stats().opened, 3);
    assert_eq!(pool.stats().in_use, 3);
    drop(held);
    assert_eq!(pool.stats().idle, 3);
    assert_eq!(server.shared.accepted.load(Ordering::SeqCst), 3);
}

#[test]
fn the_last_returned_session_is_handed_out_first() {
    let server = PoolServer::start(10);
    let pool = pool_for(&server, 2);
    let mut a = pool.get().unwrap();
    let mut b = pool.get().unwrap();
    a.noop().unwrap();
    b.pwd().unwrap();
    drop(a);
    drop(b);
    // b came back last: it goes out first (its last command tells it apart).
    assert_eq!(pool.get().unwrap().last_command(), Some("PWD"));
}

#[test]
fn a_checkout_waits_for_a_session_and_times_out() {
    let server = PoolServer::start(10);
    let params =
        ConnectParams::new("127.0.0.1", server.port, Options::default()).with_login(Some("u"), Some("p"), None);
    let pool = Pool::new(
        params,
        PoolOptions { max_sessions: 1, checkout_timeout: Some(Duration::from_millis(300)), ..PoolOptions::default() },
    );
    let held = pool.get().unwrap();
    let started = std::time::Instant::now();
    let err = pool.get().err().expect("the only session is in use");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    // A session given back from another thread wakes a waiting getter.
    let p2 = pool.clone();
    let waiter = std::thread::spawn(move || p2.get().map(|_| ()));
    std::thread::sleep(Duration::from_millis(50));
    drop(held);
    waiter.join().unwrap().unwrap();
    assert_eq!(pool.stats().waits, 2);
}

#[test]
fn a_session_the_server_dropped_is_replaced() {
    let server = PoolServer::start(10);
    let params =
        ConnectParams::new("127.0.0.1", server.port, Options::default()).with_login(Some("u"), Some("p"), None);
    let pool = Pool::new(params, PoolOptions { max_sessions: 2, idle_check: Duration::ZERO, ..PoolOptions::default() });
    pool.get().unwrap().noop().unwrap();
    server.kill_all();
    std::thread::sleep(Duration::from_millis(50));
    // The idle session fails its NOOP check and a new connection takes its place.
    let mut s = pool.get().unwrap();
    s.noop().unwrap();
    drop(s);
    let st = pool.stats();
    assert_eq!((st.opened, st.discarded, st.open), (2, 1, 1), "{st:?}");
    // The first NOOP, and the new session's; the check's NOOP met the dead connection.
    assert_eq!(server.count("NOOP"), 2);
    // A session found unusable by its user is not given back.
    let mut s = pool.get().unwrap();
    server.kill_all();
    assert!(s.noop().is_err());
    assert!(!s.is_usable());
    drop(s);
    assert_eq!(pool.stats().open, 0);
    pool.get().unwrap().noop().unwrap();
    assert_eq!(pool.stats().opened, 3);
}

#[test]
fn discard_closes_instead_of_returning() {
    let server = PoolServer::start(10);
    let pool = pool_for(&server, 2);
    pool.get().unwrap().discard();
    let st = pool.stats();
    assert_eq!((st.open, st.discarded), (0, 1));
}

#[test]
fn a_server_refusing_connections_shrinks_the_limit_and_the_batch_completes() {
    let server = PoolServer::start(2);
    let dir = common::temp_dir("pool-shrink");
    let mut batch = Batch::new(pool_for(&server, 5));
    for i in 0..30 {
        server.put(&format!("f{i}"), content(i, 20_000 + i));
        batch.add_download(format!("f{i}"), dir.join(format!("f{i}")), atomic());
    }
    let summary = batch.run();
    assert_eq!((summary.ok, summary.failed, summary.skipped), (30, 0, 0), "{summary:?}");
    for i in 0..30 {
        assert_eq!(std::fs::read(dir.join(format!("f{i}"))).unwrap(), content(i, 20_000 + i), "f{i}");
    }
    assert!(server.shared.refused.load(Ordering::SeqCst) >= 1, "the server did refuse");
    assert!(server.shared.peak.load(Ordering::SeqCst) <= 2);
    let pool = batch_pool_stats(&batch);
    assert_eq!(pool.limit, 2, "{pool:?}");
    assert!(pool.shrinks >= 1);
}

fn batch_pool_stats(batch: &Batch) -> ftp::PoolStats {
    batch.pool().stats()
}

#[test]
fn a_pool_that_cannot_open_even_one_session_fails() {
    let server = PoolServer::start(0);
    let pool = pool_for(&server, 3);
    let err = pool.get().err().expect("the server refuses every connection");
    assert_eq!(err.kind(), ErrorKind::Temp, "{err}");
    // And a batch over it fails each item with that error rather than hanging.
    let dir = common::temp_dir("pool-none");
    let mut batch = Batch::new(pool);
    batch.add_download("x", dir.join("x"), FileOptions::default());
    batch.add_download("y", dir.join("y"), FileOptions::default());
    let s = batch.run();
    assert_eq!(s.failed, 2, "{s:?}");
    assert_eq!(batch.result(0).unwrap().as_ref().unwrap_err().kind(), ErrorKind::Temp);
}

#[test]
fn a_session_cut_mid_download_is_replaced_and_the_download_resumes() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-cut");
    let mut batch = Batch::new(pool_for(&server, 3));
    for i in 0..12 {
        server.put(&format!("f{i}"), content(i, 100_000));
        batch.add_download(format!("f{i}"), dir.join(format!("f{i}")), atomic());
    }
    *server.shared.cut_retr.lock().unwrap() = Some((b"f5".to_vec(), 40_000));
    let summary = batch.run();
    assert_eq!((summary.ok, summary.failed, summary.retried), (12, 0, 1), "{summary:?}");
    for i in 0..12 {
        assert_eq!(std::fs::read(dir.join(format!("f{i}"))).unwrap(), content(i, 100_000), "f{i}");
        assert!(!dir.join(format!("f{i}.part")).exists());
    }
    // The retry continued the part file: a REST, and fewer than two whole files sent.
    assert_eq!(server.count("REST"), 1);
    assert!(summary.bytes < 12 * 100_000 + 100_000, "{summary:?}");
    assert_eq!(batch.pool().stats().discarded, 1);
}

#[test]
fn without_retries_a_cut_download_fails_and_never_looks_complete() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-noretry");
    let mut batch = Batch::new(pool_for(&server, 2));
    batch.options.retries = 0;
    server.put("big", content(1, 200_000));
    server.put("small", content(2, 1000));
    batch.add_download("big", dir.join("big"), atomic());
    batch.add_download("small", dir.join("small"), atomic());
    *server.shared.cut_retr.lock().unwrap() = Some((b"big".to_vec(), 50_000));
    let s = batch.run();
    assert_eq!((s.ok, s.failed), (1, 1), "{s:?}");
    let err = batch.result(0).unwrap().as_ref().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Closed | ErrorKind::Io), "{err}");
    assert!(!dir.join("big").exists(), "a failed download is never at its name");
    assert!(dir.join("big.part").exists());
    assert_eq!(std::fs::read(dir.join("small")).unwrap(), content(2, 1000));
    // Running the batch again does only the failed item, resuming the part.
    let s = batch.run();
    assert_eq!((s.ok, s.failed), (1, 0), "{s:?}");
    assert_eq!(std::fs::read(dir.join("big")).unwrap(), content(1, 200_000));
}

#[test]
fn a_cut_atomic_upload_never_replaces_the_target_and_the_retry_completes_it() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-up");
    let mut batch = Batch::new(pool_for(&server, 2));
    server.put("up0", b"old contents".to_vec());
    let mut files = Vec::new();
    for i in 0..6 {
        let local = dir.join(format!("l{i}"));
        std::fs::write(&local, content(i, 300_000)).unwrap();
        batch.add_upload(&local, format!("up{i}"), atomic());
        files.push(local);
    }
    *server.shared.cut_stor.lock().unwrap() = Some((b"up0.part".to_vec(), 100_000));
    let s = batch.run();
    assert_eq!((s.ok, s.failed, s.retried), (6, 0, 1), "{s:?}");
    for i in 0..6 {
        assert_eq!(server.get(&format!("up{i}")).unwrap(), content(i, 300_000), "up{i}");
        assert!(server.get(&format!("up{i}.part")).is_none());
    }
    assert!(server.count("REST") + server.count("APPE") >= 1, "the retry resumed");
}

#[test]
fn a_failed_upload_without_retry_leaves_the_old_target() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-up-fail");
    let mut batch = Batch::new(pool_for(&server, 1));
    batch.options.retries = 0;
    server.put("t", b"old contents".to_vec());
    let local = dir.join("l");
    std::fs::write(&local, content(3, 300_000)).unwrap();
    batch.add_upload(&local, "t", atomic());
    *server.shared.cut_stor.lock().unwrap() = Some((b"t.part".to_vec(), 100_000));
    assert_eq!(batch.run().failed, 1);
    assert_eq!(server.get("t").unwrap(), b"old contents");
}

#[test]
fn one_file_cancelled_from_the_callback_leaves_the_others() {
    let server = PoolServer::start(10);
    server.set_slow(Some(Duration::from_millis(2)));
    let dir = common::temp_dir("pool-cancel-one");
    let mut batch = Batch::new(pool_for(&server, 3));
    batch.options.progress_interval = Duration::ZERO;
    for i in 0..8 {
        server.put(&format!("f{i}"), content(i, 64 * 1024));
        batch.add_download(format!("f{i}"), dir.join(format!("f{i}")), atomic());
    }
    let finished = Arc::new(Mutex::new(HashMap::new()));
    let f2 = Arc::clone(&finished);
    batch.set_progress(Some(Box::new(move |p| {
        if p.finished {
            f2.lock().unwrap().insert(p.index, p.ok);
            return BatchFlow::Continue;
        }
        assert!(p.files_total == 8 && p.batch_bytes >= p.bytes);
        if p.index == 4 && p.bytes > 0 { BatchFlow::CancelFile } else { BatchFlow::Continue }
    })));
    let s = batch.run();
    assert_eq!((s.ok, s.failed), (7, 1), "{s:?}");
    assert_eq!(batch.result(4).unwrap().as_ref().unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(!dir.join("f4").exists());
    for i in (0..8).filter(|&i| i != 4) {
        assert_eq!(std::fs::read(dir.join(format!("f{i}"))).unwrap(), content(i, 64 * 1024));
    }
    let finished = finished.lock().unwrap();
    assert_eq!(finished.len(), 8, "a final report for each file");
    assert!(!finished[&4], "f4 ended cancelled");
    // The cancelled session was aborted cleanly and kept: no more than 3 connections.
    assert!(batch.pool().stats().opened <= 3);
}

#[test]
fn a_file_cancelled_where_that_ends_the_session_is_cancelled_and_not_tried_again() {
    // netkit ftpd ends the session when a download's data connection is closed: the
    // cancel's ABOR then fails, which must neither hide the cancel nor retry the file.
    let server = PoolServer::start(10);
    server.set_slow(Some(Duration::from_millis(2)));
    server.shared.reset_ends_session.store(true, std::sync::atomic::Ordering::SeqCst);
    let dir = common::temp_dir("pool-cancel-ends");
    let mut batch = Batch::new(pool_for(&server, 2));
    batch.options.progress_interval = Duration::ZERO;
    for i in 0..4 {
        server.put(&format!("f{i}"), content(i, 64 * 1024));
        batch.add_download(format!("f{i}"), dir.join(format!("f{i}")), atomic());
    }
    batch.set_progress(Some(Box::new(|p| {
        if !p.finished && p.index == 1 && p.bytes > 0 { BatchFlow::CancelFile } else { BatchFlow::Continue }
    })));
    let s = batch.run();
    assert_eq!((s.ok, s.failed), (3, 1), "{s:?}");
    assert_eq!(batch.result(1).unwrap().as_ref().unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(!dir.join("f1").exists());
    assert_eq!(server.count("RETR"), 4, "f1 was not fetched again");
}

#[test]
fn the_whole_batch_cancelled_from_the_callback_stops_every_file() {
    let server = PoolServer::start(10);
    server.set_slow(Some(Duration::from_millis(5)));
    let dir = common::temp_dir("pool-cancel-all");
    let mut batch = Batch::new(pool_for(&server, 3));
    batch.options.progress_interval = Duration::ZERO;
    for i in 0..20 {
        server.put(&format!("f{i}"), content(i, 256 * 1024));
        batch.add_download(format!("f{i}"), dir.join(format!("f{i}")), atomic());
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = Arc::clone(&calls);
    batch.set_progress(Some(Box::new(move |p| {
        c2.fetch_add(1, Ordering::SeqCst);
        if p.batch_bytes > 100_000 { BatchFlow::CancelBatch } else { BatchFlow::Continue }
    })));
    let started = std::time::Instant::now();
    let s = batch.run();
    // Each file takes 64 pauses of 5 ms: a batch that ran to the end takes 7 s or more.
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(s.ok, 0, "{s:?}");
    assert_eq!(s.failed + s.skipped, 20);
    for i in 0..20 {
        assert_eq!(batch.result(i).unwrap().as_ref().unwrap_err().kind(), ErrorKind::Cancelled, "item {i}");
        assert!(!dir.join(format!("f{i}")).exists());
    }
}

#[test]
fn stop_on_error_starts_nothing_after_a_failure() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-stop");
    let mut batch = Batch::new(pool_for(&server, 1));
    batch.options.stop_on_error = true;
    server.put("a", b"a".to_vec());
    server.put("c", b"c".to_vec());
    batch.add_download("a", dir.join("a"), FileOptions::default());
    batch.add_download("missing", dir.join("b"), FileOptions::default());
    batch.add_download("c", dir.join("c"), FileOptions::default());
    let s = batch.run();
    assert_eq!((s.ok, s.failed, s.skipped), (1, 1, 1), "{s:?}");
    assert_eq!(batch.result(1).unwrap().as_ref().unwrap_err().kind(), ErrorKind::Perm);
    assert!(!dir.join("c").exists());
    // Without it, a failing file does not stop the others.
    batch.options.stop_on_error = false;
    let s = batch.run();
    assert_eq!((s.ok, s.failed), (1, 1), "{s:?}");
    assert!(dir.join("c").exists());
}

#[test]
fn several_threads_share_one_pool() {
    let server = PoolServer::start(10);
    for i in 0..8 {
        server.put(&format!("f{i}"), content(i, 30_000));
    }
    let pool = pool_for(&server, 3);
    let dir = common::temp_dir("pool-threads");
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (pool, dir) = (pool.clone(), dir.clone());
            scope.spawn(move || {
                for round in 0..10 {
                    let mut s = pool.get().unwrap();
                    let i = (t + round) % 8;
                    let local = dir.join(format!("t{t}-{round}"));
                    s.retr_file(format!("f{i}"), &local, FileOptions::default()).unwrap();
                    drop(s);
                    assert_eq!(std::fs::read(&local).unwrap(), content(i, 30_000));
                }
            });
        }
    });
    let st = pool.stats();
    assert!(st.opened <= 3 && st.open <= 3, "{st:?}");
    assert!(server.shared.peak.load(Ordering::SeqCst) <= 3);
    assert_eq!(server.count("RETR"), 80);
}

#[test]
fn interrupt_all_stops_transfers_and_waiting_getters() {
    let server = PoolServer::start(10);
    server.set_slow(Some(Duration::from_millis(20)));
    server.put("slow", content(9, 1024 * 1024));
    let pool = pool_for(&server, 1);
    let dir = common::temp_dir("pool-interrupt");
    let p1 = pool.clone();
    let d1 = dir.clone();
    let busy = std::thread::spawn(move || {
        let mut s = p1.get().unwrap();
        s.retr_file("slow", &d1.join("slow"), FileOptions::default())
    });
    std::thread::sleep(Duration::from_millis(200));
    let p2 = pool.clone();
    let waiting = std::thread::spawn(move || p2.get().map(|_| ()));
    std::thread::sleep(Duration::from_millis(100));
    let started = std::time::Instant::now();
    pool.interrupt_all();
    let transfer = busy.join().unwrap();
    assert_eq!(transfer.unwrap_err().kind(), ErrorKind::Interrupted);
    assert_eq!(waiting.join().unwrap().unwrap_err().kind(), ErrorKind::Interrupted);
    assert!(started.elapsed() < Duration::from_secs(3));
    // The pool works afterwards, and the aborted session was kept.
    server.set_slow(None);
    pool.get().unwrap().noop().unwrap();
    assert_eq!(pool.stats().opened, 1);
}

#[test]
fn interrupt_all_during_a_batch_fails_the_rest_as_interrupted() {
    let server = PoolServer::start(10);
    server.set_slow(Some(Duration::from_millis(10)));
    let dir = common::temp_dir("pool-interrupt-batch");
    let pool = pool_for(&server, 2);
    let mut batch = Batch::new(pool.clone());
    for i in 0..10 {
        server.put(&format!("f{i}"), content(i, 512 * 1024));
        batch.add_download(format!("f{i}"), dir.join(format!("f{i}")), atomic());
    }
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        pool.interrupt_all();
    });
    let s = batch.run();
    stopper.join().unwrap();
    assert_eq!(s.ok, 0, "{s:?}");
    for i in 0..10 {
        assert_eq!(batch.result(i).unwrap().as_ref().unwrap_err().kind(), ErrorKind::Interrupted, "item {i}");
    }
}

// ---- Live tests against the shared servers ----

struct Live {
    name: &'static str,
    port_key: &'static str,
    root_key: &'static str,
    tls: bool,
}

const LIVE: [Live; 8] = [
    Live { name: "vsftpd", port_key: "VSFTPD_PORT", root_key: "VSFTPD_USER_ROOT", tls: false },
    Live { name: "proftpd", port_key: "PROFTPD_PORT", root_key: "PROFTPD_USER_ROOT", tls: false },
    Live { name: "pure-ftpd", port_key: "PUREFTPD_PORT", root_key: "PUREFTPD_USER_ROOT", tls: false },
    Live { name: "pyftpdlib", port_key: "PYFTPD_PORT", root_key: "PYFTPD_USER_ROOT", tls: false },
    Live { name: "vsftpd-tls", port_key: "VSFTPS_PORT", root_key: "VSFTPS_USER_ROOT", tls: true },
    Live { name: "proftpd-tls", port_key: "PROFTPS_PORT", root_key: "PROFTPS_USER_ROOT", tls: true },
    Live { name: "pure-ftpd-tls", port_key: "PUREFTPS_PORT", root_key: "PUREFTPS_USER_ROOT", tls: true },
    Live { name: "pyftpdlib-tls", port_key: "PYFTPS_PORT", root_key: "PYFTPS_USER_ROOT", tls: true },
];

fn live_params(env: &HashMap<String, String>, port: u16, tls: bool) -> ConnectParams {
    let mut options = Options::default();
    if tls {
        options.tls_mode = TlsMode::Explicit;
        let mut config = TlsConfig::default();
        config.set_ca_file(Some(Path::new(&env["CA_FILE"]))).unwrap();
        options.tls = config;
    }
    options.timeout = Some(Duration::from_secs(30));
    ConnectParams::new("127.0.0.1", port, options).with_login(Some(&env["FTP_USER"]), Some(&env["FTP_PASS"]), None)
}

/// A directory of this test's own under a server's user root, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(root: &str, what: &str) -> (Scratch, String) {
    let name = format!("pool-{what}-{}", std::process::id());
    let dir = Path::new(root).join(&name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The servers run as another user: the directory must be theirs to write.
    let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777));
    (Scratch(dir), name)
}

#[test]
#[ignore = "live: ctest rust_live runs it against the shared servers"]
fn live_batches_of_many_small_files_and_a_few_large_ones() {
    let Some(env) = common::live_env() else { return };
    let small = 1000;
    let large = [3 * 1024 * 1024 + 17, 5 * 1024 * 1024 + 3];
    for live in &LIVE {
        let port: u16 = env[live.port_key].parse().unwrap();
        let (remote_dir, name) = scratch(&env[live.root_key], live.name);
        let local = common::temp_dir(&format!("pool-live-{}", live.name));
        let down = local.join("down");
        std::fs::create_dir_all(&down).unwrap();
        let pool =
            Pool::new(live_params(&env, port, live.tls), PoolOptions { max_sessions: 4, ..PoolOptions::default() });
        // Upload: 1,000 small files and the large ones, from local files.
        let mut up = Batch::new(pool.clone());
        let mut expected = Vec::new();
        for i in 0..small + large.len() {
            let len = if i < small { 1 + (i * 37) % 3000 } else { large[i - small] };
            let data = content(i, len);
            let path = local.join(format!("u{i}"));
            std::fs::write(&path, &data).unwrap();
            up.add_upload(&path, format!("{name}/f{i}"), FileOptions { verify_size: true, ..FileOptions::default() });
            expected.push(data);
        }
        let started = std::time::Instant::now();
        let s = up.run();
        let up_time = started.elapsed();
        assert_eq!(
            (s.ok, s.failed),
            (expected.len(), 0),
            "{}: upload {s:?} first failure {:?}",
            live.name,
            (0..expected.len()).find_map(|i| up.result(i).unwrap().as_ref().err().map(|e| e.to_string()))
        );
        for (i, data) in expected.iter().enumerate() {
            assert_eq!(&std::fs::read(remote_dir.0.join(format!("f{i}"))).unwrap(), data, "{}: f{i}", live.name);
        }
        // Download them back, atomically, and compare.
        let mut back = Batch::new(pool.clone());
        for i in 0..expected.len() {
            back.add_download(format!("{name}/f{i}"), down.join(format!("f{i}")), atomic());
        }
        let started = std::time::Instant::now();
        let s = back.run();
        let down_time = started.elapsed();
        assert_eq!((s.ok, s.failed), (expected.len(), 0), "{}: download {s:?}", live.name);
        for (i, data) in expected.iter().enumerate() {
            assert_eq!(&std::fs::read(down.join(format!("f{i}"))).unwrap(), data, "{}: f{i}", live.name);
        }
        let st = pool.stats();
        assert!(st.opened <= 4, "{}: {st:?}", live.name);
        eprintln!(
            "{}: {} files up in {:.2} s, down in {:.2} s; pool {st:?}",
            live.name,
            expected.len(),
            up_time.as_secs_f64(),
            down_time.as_secs_f64()
        );
        pool.close_idle();
        let _ = std::fs::remove_dir_all(&local);
    }
}

#[test]
#[ignore = "live: ctest rust_live runs it against the shared servers"]
fn live_a_session_killed_mid_batch_is_replaced_and_the_batch_completes() {
    let Some(env) = common::live_env() else { return };
    for live in LIVE.iter().filter(|l| ["vsftpd", "proftpd", "pyftpdlib-tls"].contains(&l.name)) {
        let port: u16 = env[live.port_key].parse().unwrap();
        let (remote_dir, name) = scratch(&env[live.root_key], &format!("kill-{}", live.name));
        let local = common::temp_dir(&format!("pool-live-kill-{}", live.name));
        let n = 40;
        for i in 0..n {
            std::fs::write(remote_dir.0.join(format!("f{i}")), content(i, 2 * 1024 * 1024)).unwrap();
        }
        let forwarder = Arc::new(Forwarder::start(port));
        let pool = Pool::new(
            live_params(&env, forwarder.port, live.tls),
            PoolOptions { max_sessions: 3, ..PoolOptions::default() },
        );
        let mut batch = Batch::new(pool.clone());
        batch.options.progress_interval = Duration::from_millis(1);
        for i in 0..n {
            batch.add_download(format!("{name}/f{i}"), local.join(format!("f{i}")), atomic());
        }
        // Once the batch is well under way, one session's control connection is cut
        // (both ways, with a reset) by the forwarder the pool connects through.
        let killed = Arc::new(AtomicUsize::new(0));
        let k2 = Arc::clone(&killed);
        let fw = Arc::clone(&forwarder);
        batch.set_progress(Some(Box::new(move |p| {
            if p.batch_bytes > 20 * 1024 * 1024 && k2.fetch_add(1, Ordering::SeqCst) == 0 {
                fw.kill_one();
            }
            BatchFlow::Continue
        })));
        let s = batch.run();
        assert!(killed.load(Ordering::SeqCst) > 0);
        assert_eq!((s.ok, s.failed), (n, 0), "{}: {s:?}", live.name);
        // The kill reached a session: a transfer on it was retried, or (cut once its
        // last bytes were in: the file complete, its 226 lost) the broken session was
        // closed instead of kept and a new one opened.
        let st = pool.stats();
        assert!(s.retried >= 1 || st.discarded >= 1, "{}: the kill reached no session: {s:?} {st:?}", live.name);
        for i in 0..n {
            assert_eq!(std::fs::read(local.join(format!("f{i}"))).unwrap(), content(i, 2 * 1024 * 1024));
        }
        assert!(pool.stats().opened >= 4, "{}: a replacement was opened {:?}", live.name, pool.stats());
        eprintln!("{}: session cut mid-batch: {s:?}; pool {:?}", live.name, pool.stats());
        pool.close_idle();
        let _ = std::fs::remove_dir_all(&local);
    }
}

/// A blind TCP forwarder for control connections (data connections go straight to
/// the server, which EPSV allows): it can cut one of them as a server or a middle box
/// would, without touching anyone else's connections to the shared server.
struct Forwarder {
    port: u16,
    pairs: Arc<Mutex<Vec<(std::net::TcpStream, std::net::TcpStream)>>>,
}

impl Forwarder {
    fn start(target: u16) -> Forwarder {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let pairs = Arc::new(Mutex::new(Vec::new()));
        let p2 = Arc::clone(&pairs);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else { continue };
                p2.lock().unwrap().push((client.try_clone().unwrap(), server.try_clone().unwrap()));
                for (mut from, mut to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Forwarder { port, pairs }
    }

    /// Cuts the most recently opened connection that is still open (one a session
    /// closed meanwhile would be cut for nothing, and the kill reach no session).
    fn kill_one(&self) {
        let mut pairs = self.pairs.lock().unwrap();
        while let Some((client, server)) = pairs.pop() {
            // A peek that does not wait: 0 bytes is the end of a closed connection.
            let mut byte = [std::mem::MaybeUninit::<u8>::uninit()];
            let peeked =
                socket2::SockRef::from(&client).recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT);
            if matches!(peeked, Ok(0)) {
                continue;
            }
            for s in [&client, &server] {
                let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            return;
        }
    }
}

/// A private pyftpdlib allowing 2 connections per address (and its own directory),
/// stopped on drop.
struct LimitedServer {
    child: std::process::Child,
    port: u16,
    home: PathBuf,
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

const LIMITED_SERVER: &str = r#"
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
home, port_file = sys.argv[1], sys.argv[2]
auth = DummyAuthorizer()
auth.add_user("pool", "pool", home, perm="elradfmwMT")
handler = FTPHandler
handler.authorizer = auth
server = FTPServer(("127.0.0.1", 0), handler)
server.max_cons_per_ip = 2
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.socket.getsockname()[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"#;

fn limited_server() -> Option<LimitedServer> {
    let home = common::temp_dir("pool-limited-home");
    let port_file = home.with_extension("port");
    let _ = std::fs::remove_file(&port_file);
    let child = std::process::Command::new("python3")
        .args(["-c", LIMITED_SERVER])
        .arg(&home)
        .arg(&port_file)
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut server = LimitedServer { child, port: 0, home };
    for _ in 0..200 {
        if let Ok(p) = std::fs::read_to_string(&port_file) {
            server.port = p.trim().parse().unwrap();
            let _ = std::fs::remove_file(&port_file);
            return Some(server);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

#[test]
#[ignore = "live: ctest rust_live runs it against the shared servers"]
fn live_a_server_limiting_connections_below_the_pool_size_gets_the_whole_batch() {
    let Some(_env) = common::live_env() else { return };
    let server = limited_server().expect("python3 with pyftpdlib runs a private server");
    let local = common::temp_dir("pool-limited-local");
    let n = 60;
    for i in 0..n {
        std::fs::write(server.home.join(format!("f{i}")), content(i, 50_000 + i)).unwrap();
    }
    let params =
        ConnectParams::new("127.0.0.1", server.port, Options::default()).with_login(Some("pool"), Some("pool"), None);
    let pool = Pool::new(params, PoolOptions { max_sessions: 6, ..PoolOptions::default() });
    let mut batch = Batch::new(pool.clone());
    for i in 0..n {
        batch.add_download(format!("f{i}"), local.join(format!("f{i}")), atomic());
    }
    let s = batch.run();
    assert_eq!((s.ok, s.failed), (n, 0), "{s:?}");
    for i in 0..n {
        assert_eq!(std::fs::read(local.join(format!("f{i}"))).unwrap(), content(i, 50_000 + i));
    }
    let st = pool.stats();
    assert_eq!(st.limit, 2, "{st:?}");
    assert!(st.shrinks >= 1 && st.open <= 2, "{st:?}");
    eprintln!("limited server: {st:?}");
    let _ = std::fs::remove_dir_all(&local);
}

/// A pool of one session whose idle session the server has dropped: the next checkout
/// hands it out (it was returned moments ago) and its first command fails.
fn pool_with_a_dead_idle_session(server: &PoolServer) -> Pool {
    let pool = pool_for(server, 1);
    drop(pool.get().unwrap());
    server.kill_all();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(pool.stats().idle, 1);
    pool
}

#[test]
fn a_retry_after_a_failure_before_the_transfer_starts_over_instead_of_resuming_old_content() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-stale-down");
    let new = content(7, 50_000);
    server.put("f", new.clone());
    // An old local file of the same size: resuming it would fetch nothing and keep it.
    std::fs::write(dir.join("f"), content(8, 50_000)).unwrap();
    let mut batch = Batch::new(pool_with_a_dead_idle_session(&server));
    batch.add_download("f", dir.join("f"), FileOptions::default());
    let s = batch.run();
    assert_eq!((s.ok, s.failed, s.retried), (1, 0, 1), "{s:?} {:?}", batch.result(0));
    assert_eq!(*batch.result(0).unwrap().as_ref().unwrap(), 50_000);
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), new, "the old local content was kept");
    assert_eq!(server.count("REST"), 0);

    // An upload: the server holds an old first half; the retry must replace it whole.
    let mut batch = Batch::new(pool_with_a_dead_idle_session(&server));
    server.put("u", content(9, 150_000));
    let local = dir.join("u");
    std::fs::write(&local, content(10, 300_000)).unwrap();
    batch.add_upload(&local, "u", FileOptions::default());
    let s = batch.run();
    assert_eq!((s.ok, s.failed, s.retried), (1, 0, 1), "{s:?} {:?}", batch.result(0));
    assert_eq!(server.get("u").unwrap(), content(10, 300_000), "old first half and new second half");
}

#[test]
fn an_append_cut_after_it_sent_bytes_is_not_appended_again() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-appe");
    let base = b"log start\n".to_vec();
    server.put("log", base.clone());
    let local = dir.join("l");
    std::fs::write(&local, content(4, 300_000)).unwrap();
    let mut batch = Batch::new(pool_for(&server, 2));
    batch.add_upload(&local, "log", FileOptions { append: true, ..FileOptions::default() });
    *server.shared.cut_stor.lock().unwrap() = Some((b"log".to_vec(), 100_000));
    let s = batch.run();
    assert_eq!((s.ok, s.failed, s.retried), (0, 1, 0), "{s:?}");
    assert_eq!(server.count("APPE"), 1, "a second APPE appends the whole file again");
    let held = server.get("log").unwrap();
    assert_eq!(held.len(), base.len() + 100_000);
}

#[test]
fn workers_never_claim_an_item_they_have_no_session_for() {
    let server = PoolServer::start(10);
    server.set_slow(Some(Duration::from_millis(20)));
    let dir = common::temp_dir("pool-claim");
    let pool = pool_for(&server, 3);
    pool.set_options(PoolOptions { checkout_timeout: Some(Duration::from_millis(100)), ..pool.options() });
    // Another user holds two of the three sessions for the whole batch.
    let held = [pool.get().unwrap(), pool.get().unwrap()];
    let mut batch = Batch::new(pool.clone());
    batch.options.workers = 4;
    for i in 0..4 {
        server.put(&format!("c{i}"), content(i, 40_000));
        batch.add_download(format!("c{i}"), dir.join(format!("c{i}")), atomic());
    }
    let s = batch.run();
    assert_eq!(
        (s.ok, s.failed),
        (4, 0),
        "{s:?}: {:?}",
        (0..4).map(|i| format!("{:?}", batch.result(i))).collect::<Vec<_>>()
    );
    for i in 0..4 {
        assert_eq!(std::fs::read(dir.join(format!("c{i}"))).unwrap(), content(i, 40_000));
    }
    drop(held);
}

#[test]
fn a_returned_session_forgets_its_users_settings() {
    let server = PoolServer::start(10);
    let pool = pool_for(&server, 1);
    pool.set_options(PoolOptions { idle_check: Duration::ZERO, ..pool.options() });
    let lines = Arc::new(AtomicUsize::new(0));
    {
        let mut s = pool.get().unwrap();
        let seen = Arc::clone(&lines);
        s.set_log_sink(Some(Box::new(move |_, _| {
            seen.fetch_add(1, Ordering::SeqCst);
        })));
        s.set_debuglevel(2);
        s.set_reconnect(Some(ftp::ReconnectPolicy { tries: 3, delay: Duration::ZERO }));
        s.set_timeout(Some(Duration::from_millis(1))).unwrap();
        s.noop().unwrap();
    }
    let before = lines.load(Ordering::SeqCst);
    assert!(before > 0);
    // The next user: the pool's NOOP check and its own commands reach no one's sink.
    let mut s = pool.get().unwrap();
    s.noop().unwrap();
    assert_eq!(lines.load(Ordering::SeqCst), before, "the previous user's log sink was called");
    assert_eq!(s.debuglevel(), 0);
    assert!(s.reconnect_policy().is_none());
    assert_eq!(s.options().timeout, pool.params().options.timeout);
    assert_eq!(pool.stats().reused, 1);
    drop(s);
}

#[test]
fn a_session_that_sent_a_raw_login_command_is_not_kept() {
    let server = PoolServer::start(10);
    let pool = pool_for(&server, 1);
    {
        let mut s = pool.get().unwrap();
        let _ = s.sendcmd("USER someone-else");
        let _ = s.sendcmd("PASS other");
    }
    let st = pool.stats();
    assert_eq!((st.idle, st.discarded), (0, 1), "{st:?}");
    // A session whose own login() went through is kept.
    {
        let mut s = pool.get().unwrap();
        s.login(Some("u"), Some("p"), None).unwrap();
    }
    assert_eq!(pool.stats().idle, 1);
}

/// A local port free now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn a_source_port_is_not_given_to_every_session_of_a_pool() {
    let server = PoolServer::start(10);
    let options = Options { source_port: free_port(), ..Options::default() };
    let params = ConnectParams::new("127.0.0.1", server.port, options).with_login(Some("u"), Some("p"), None);
    let pool = Pool::new(
        params,
        PoolOptions { max_sessions: 3, checkout_timeout: Some(Duration::from_secs(2)), ..PoolOptions::default() },
    );
    let sessions: Vec<_> = (0..3).map(|_| pool.get().expect("three sessions at once")).collect();
    let st = pool.stats();
    assert_eq!((st.open, st.limit, st.shrinks), (3, 3, 0), "{st:?}");
    drop(sessions);
}

#[test]
fn a_segmented_download_takes_its_sessions_from_a_pool_and_gives_them_back() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-seg");
    let data = content(11, 1_000_000);
    server.put("big", data.clone());
    let pool = pool_for(&server, 4);
    let mut ftp = pool.get().unwrap();
    let seg = ftp::SegmentOptions { segments: 4, min_segment: 64 * 1024, ..ftp::SegmentOptions::default() };
    let n = ftp.retr_segmented_with("big", &dir.join("big"), FileOptions::default(), seg, &pool).unwrap();
    assert_eq!(n, data.len() as u64);
    assert_eq!(std::fs::read(dir.join("big")).unwrap(), data);
    let st = pool.stats();
    assert!(st.opened >= 2, "the pool lent sessions: {st:?}");
    assert_eq!(st.in_use, 1, "only the caller's session is out: {st:?}");
    assert_eq!(st.open, st.idle + 1, "{st:?}");
    drop(ftp);
    assert_eq!(pool.stats().in_use, 0);
}

#[test]
fn sessions_a_pool_lends_come_back_when_they_break() {
    let server = PoolServer::start(10);
    let pool = pool_for(&server, 2);
    let source: &dyn ftp::SessionSource = &pool;
    let a = source.open().unwrap();
    let mut b = source.open().unwrap();
    assert_eq!(pool.stats().in_use, 2);
    // At the limit a pool lends nothing more, at once.
    let started = std::time::Instant::now();
    assert_eq!(source.open().err().unwrap().kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(1));
    b.close();
    source.release(b);
    source.release(a);
    let st = pool.stats();
    assert_eq!((st.in_use, st.idle, st.discarded), (0, 1, 1), "{st:?}");
}

#[test]
#[ignore = "live: ctest rust_live runs it against the shared servers"]
fn live_a_parallel_mirror_takes_its_sessions_from_a_pool_and_gives_them_back() {
    let Some(env) = common::live_env() else { return };
    for live in LIVE.iter().filter(|l| ["vsftpd", "proftpd-tls"].contains(&l.name)) {
        let port: u16 = env[live.port_key].parse().unwrap();
        let (remote_dir, name) = scratch(&env[live.root_key], &format!("mirror-{}", live.name));
        let local = common::temp_dir(&format!("pool-mirror-{}", live.name));
        let mut expected = Vec::new();
        for d in 0..3 {
            std::fs::create_dir_all(local.join(format!("d{d}"))).unwrap();
            for f in 0..8 {
                let rel = format!("d{d}/f{f}");
                let data = content(d * 10 + f, 20_000 + f * 1000);
                std::fs::write(local.join(&rel), &data).unwrap();
                expected.push((rel, data));
            }
        }
        let pool =
            Pool::new(live_params(&env, port, live.tls), PoolOptions { max_sessions: 4, ..PoolOptions::default() });
        let mut ftp = pool.get().unwrap();
        let opts = ftp::MirrorOptions { parallel: 4, ..ftp::MirrorOptions::default() };
        let stats = ftp
            .mirror_upload_with(&local, name.as_bytes(), &opts, &mut |_, _, _| ftp::Flow::Continue(()), &pool)
            .unwrap();
        assert_eq!(stats.files_transferred, expected.len() as u64, "{}: {stats:?}", live.name);
        assert!(stats.failures.is_empty(), "{}: {:?}", live.name, stats.failures);
        for (rel, data) in &expected {
            assert_eq!(&std::fs::read(remote_dir.0.join(rel)).unwrap(), data, "{}: {rel}", live.name);
        }
        let st = pool.stats();
        assert!(st.opened >= 2, "{}: the pool lent sessions: {st:?}", live.name);
        assert_eq!(st.in_use, 1, "{}: only the caller's session is out: {st:?}", live.name);
        assert_eq!(st.open, st.idle + 1, "{}: {st:?}", live.name);
        drop(ftp);
        assert_eq!(pool.stats().in_use, 0);
        pool.close_idle();
        let _ = std::fs::remove_dir_all(&local);
    }
}

#[test]
fn a_segmented_download_from_a_session_with_a_source_port_still_opens_its_extra_sessions() {
    let server = PoolServer::start(10);
    let dir = common::temp_dir("pool-seg-port");
    let data = content(12, 1_000_000);
    server.put("big", data.clone());
    let mut ftp = ftp::Ftp::new();
    ftp.set_source_port(free_port());
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(10)), None).unwrap();
    ftp.login(Some("u"), Some("p"), None).unwrap();
    let seg = ftp::SegmentOptions { segments: 4, min_segment: 64 * 1024, ..ftp::SegmentOptions::default() };
    let n = ftp.retr_file_segmented("big", &dir.join("big"), FileOptions::default(), seg).unwrap();
    assert_eq!(n, data.len() as u64);
    assert_eq!(std::fs::read(dir.join("big")).unwrap(), data);
    assert!(server.shared.logins.load(Ordering::SeqCst) >= 2, "no extra session could connect");
    assert!(server.shared.peak.load(Ordering::SeqCst) >= 2);
}
