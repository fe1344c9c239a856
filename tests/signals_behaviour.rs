//! Signals against the scripted fake server: a signal handler that runs while the
//! library waits (SIGCHLD, a profiler's SIGPROF, a timer's SIGALRM) is not a failure.
//! With a socket timeout set, Linux never restarts an interrupted recv or send, so each
//! such signal surfaces as EINTR.

mod common;

use common::fake_server::{FakeServer, Step, connected_with};
use common::script::{ABOR_LINE, exchange, expect, pattern, quit, reply};
use common::temp_dir;
use ftp::{FileOptions, Flow, Ftp};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Sends SIGUSR1 (handled, without SA_RESTART) to the calling thread every 2 ms while
/// `f` runs.
fn under_signals<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: a handler that does nothing, installed without SA_RESTART so that
    // interrupted calls return EINTR; nothing else in this test binary uses SIGUSR1.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore_signal as extern "C" fn(libc::c_int) as usize;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
    }
    // SAFETY: pthread_self has no preconditions.
    let target = unsafe { libc::pthread_self() };
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let signaller = std::thread::spawn(move || {
        while !stopped.load(Ordering::SeqCst) {
            // SAFETY: the target thread lives until `stop` is set and this thread joined.
            unsafe { libc::pthread_kill(target, libc::SIGUSR1) };
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let out = f();
    stop.store(true, Ordering::SeqCst);
    signaller.join().unwrap();
    out
}

/// `data` in 20 pieces with pauses between, so reads wait (and get interrupted).
fn slowly(data: &[u8]) -> Step {
    Step::DataSendSplit(data.chunks(data.len().div_ceil(20)).map(<[u8]>::to_vec).collect())
}

/// A passive transfer of `cmd` in type `ty`, the data sent slowly, the 226 split too.
/// A client (pipelining and FEAT after login off) connected to a server running
/// `script` after its welcome.
fn connected(script: Vec<Step>) -> (FakeServer, Ftp) {
    connected_with(script, |ftp| {
        ftp.set_feat_after_login(false);
        ftp.set_pipelining(false);
    })
}

fn slow_transfer(ty: &str, cmd: &str, data: &[u8], first: bool) -> Vec<Step> {
    let mut s = if first { exchange(&format!("TYPE {ty}"), "200 ok") } else { Vec::new() };
    s.extend([expect("EPSV"), Step::Epsv, expect(cmd), reply("150 go"), Step::DataAccept, slowly(data)]);
    s.extend([Step::DataClose, Step::SendSplit(vec![b"226 ".to_vec(), b"done\r\n".to_vec()])]);
    s
}

#[test]
fn signals_during_replies_and_transfers_are_not_failures() {
    let data = pattern(200_000);
    let text = b"one\r\ntwo\r\nthree\r\n".repeat(50);
    // More than loopback's socket buffers hold, so that sends block.
    let big = pattern(32 << 20);
    let mut script = vec![expect("NOOP"), Step::SendSplit(vec![b"200 ".to_vec(), b"fine\r\n".to_vec()])];
    script.extend(slow_transfer("I", "RETR a", &data, true));
    script.extend(slow_transfer("A", "RETR t", &text, true));
    script.extend(exchange("TYPE I", "200 ok"));
    script.extend(exchange("SIZE a", "213 200000"));
    script.extend(slow_transfer("I", "RETR a", &data, false));
    // Uploads, read/write and sendfile(2): the server reads late, so sends block.
    for cmd in ["STOR up", "STOR big"] {
        script.extend([expect("EPSV"), Step::Epsv, expect(cmd), reply("150 go"), Step::DataAccept]);
        script.extend([Step::DataRecvAllAfter(300), Step::DataClose, reply("226 done")]);
    }
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let dir = temp_dir("signals");
    std::fs::write(dir.join("big"), &big).unwrap();

    under_signals(|| {
        assert_eq!(ftp.sendcmd("NOOP").unwrap().code, 200);
        // Read and write into a callback.
        let mut got = Vec::new();
        ftp.retrbinary("RETR a", 8192, None, |b| {
            got.extend_from_slice(b);
            Flow::Continue(())
        })
        .unwrap();
        assert_eq!(got, data);
        // Lines (ASCII).
        let mut lines = 0;
        ftp.retrlines("RETR t", |_| {
            lines += 1;
            Flow::Continue(())
        })
        .unwrap();
        assert_eq!(lines, 150);
        // splice(2) into a file.
        let local = dir.join("a");
        let opts = FileOptions { verify_size: true, ..FileOptions::default() };
        assert_eq!(ftp.retr_file("a", &local, opts).unwrap(), data.len() as u64);
        assert_eq!(std::fs::read(&local).unwrap(), data);
        ftp.storbinary("STOR up", &mut big.as_slice(), 65536, None, |_| Flow::Continue(())).unwrap();
        ftp.set_zero_copy(true, true);
        ftp.stor_file(&dir.join("big"), "big", FileOptions::default()).unwrap();
    });
    ftp.quit().unwrap();
    assert_eq!(server.finish().data, vec![big.clone(), big]);
}

#[test]
fn signals_coming_faster_than_the_data_timeout_do_not_hide_a_stall() {
    // Each signal cuts a wait short; were each retry given the whole timeout again, a
    // stalled transfer would wait for as long as the signals come.
    let stalled = |cmd: &str, first: bool| {
        let mut s = if first { exchange("TYPE I", "200 ok") } else { Vec::new() };
        s.extend([expect("EPSV"), Step::Epsv, expect(cmd), reply("150 go"), Step::DataAccept]);
        s.extend([Step::DataSend(vec![7u8; 1000]), Step::Sleep(1500), Step::DataClose, reply("226 done")]);
        s.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), reply("225 no transfer"), expect("NOOP"), reply("200 ok")]);
        s
    };
    let script = [stalled("RETR a", true), stalled("RETR a", false), quit()].concat();
    let (server, mut ftp) = connected(script);
    ftp.set_timeouts(ftp::Timeouts { data: Some(Some(Duration::from_millis(300))), ..ftp::Timeouts::default() })
        .unwrap();
    let dir = temp_dir("signals-stall");
    under_signals(|| {
        // Read and write into a callback, then splice(2) into a file.
        let e = ftp.retrbinary("RETR a", 8192, None, |_| Flow::Continue(())).unwrap_err();
        assert_eq!(e.kind(), ftp::ErrorKind::Timeout, "{e}");
        let e = ftp.retr_file("a", &dir.join("a"), FileOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ftp::ErrorKind::Timeout, "{e}");
    });
    ftp.quit().unwrap();
    server.finish();
}
