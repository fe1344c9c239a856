//! Progress reports and interrupts against the scripted fake server.

mod common;

use common::fake_server::{FakeServer, Step, connected_with};
use common::script::{ABOR_LINE, exchange, expect, quit, reply};
use ftp::{ErrorKind, Flow, Ftp, Progress};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// TYPE I, EPSV and RETR f answered by `announce`, the data connection accepted.
fn retr_open(announce: &str) -> Vec<Step> {
    retr_open_at(None, announce)
}

/// `retr_open` with REST `rest` before the RETR when given.
fn retr_open_at(rest: Option<u64>, announce: &str) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv]);
    if let Some(r) = rest {
        s.extend(exchange(&format!("REST {r}"), "350 restarting"));
    }
    s.extend([expect("RETR f"), reply(announce), Step::DataAccept]);
    s
}

/// The end of an aborted transfer (ABOR, then the NOOP that resynchronises), then two
/// NOOPs of the test's own (the session is still usable) and QUIT.
fn aborted_then_noop() -> Vec<Step> {
    let mut s = vec![Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose, reply("426 aborted"), reply("226 ok")];
    s.extend(exchange("NOOP", "200 resync"));
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(exchange("NOOP", "200 still here"));
    s.extend(quit());
    s
}

fn connected(script: Vec<Step>) -> (FakeServer, Ftp) {
    connected_with(script, |ftp| ftp.set_type_caching(false))
}

type Seen = Arc<Mutex<Vec<Progress>>>;

fn recording(ftp: &mut Ftp, interval: Duration, stop_after: Option<u64>) -> Seen {
    let seen: Seen = Arc::default();
    let s2 = Arc::clone(&seen);
    ftp.set_progress(
        Some(Box::new(move |p: &Progress| {
            s2.lock().unwrap().push(*p);
            match stop_after {
                Some(n) if p.bytes >= n => Flow::Break(()),
                _ => Flow::Continue(()),
            }
        })),
        interval,
    );
    seen
}

#[test]
fn progress_counts_bytes_against_the_announced_size() {
    let data = vec![5u8; 300_000];
    let mut script = retr_open("150 here (300000 bytes)");
    script.extend([Step::DataSend(data.clone()), Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let seen = recording(&mut ftp, Duration::ZERO, None);
    let mut got = 0;
    ftp.retrbinary("RETR f", 8192, None, |b| {
        got += b.len();
        Flow::Continue(())
    })
    .unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].bytes <= w[1].bytes), "never backwards");
    let last = seen.last().unwrap();
    assert_eq!((last.bytes, last.total, got), (300_000, Some(300_000), 300_000));
    assert!(last.rate > 0.0);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn reports_are_rate_limited() {
    let mut script = retr_open("150 here");
    script.extend([Step::DataSend(vec![1u8; 200_000]), Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let seen = recording(&mut ftp, Duration::from_secs(3600), None);
    ftp.retrbinary("RETR f", 1024, None, |_| Flow::Continue(())).unwrap();
    let seen = seen.lock().unwrap();
    // The first block and the end: nothing in between within the hour.
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[1].bytes, seen[1].total), (200_000, None));
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn progress_returning_stop_cancels_and_the_session_goes_on() {
    let mut script = retr_open("150 here (1000000 bytes)");
    script.push(Step::DataSend(vec![1u8; 100_000]));
    script.extend(aborted_then_noop());
    let (server, mut ftp) = connected(script);
    let _seen = recording(&mut ftp, Duration::ZERO, Some(10_000));
    let e = ftp.retrbinary("RETR f", 8192, None, |_| Flow::Continue(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    ftp.noop().unwrap();
    ftp.noop().unwrap();
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn another_thread_interrupts_a_stalled_transfer_and_the_session_goes_on() {
    let mut script = retr_open("150 here (1000000 bytes)");
    script.extend([Step::DataSend(vec![1u8; 1000]), Step::Sleep(300)]);
    script.extend(aborted_then_noop());
    let (server, mut ftp) = connected(script);
    let interrupter = ftp.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        interrupter.interrupt();
    });
    let e = ftp.retrbinary("RETR f", 8192, None, |_| Flow::Continue(())).unwrap_err();
    t.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    ftp.noop().unwrap();
    // The interrupt is spent: the next transfer-free call is not affected either.
    ftp.noop().unwrap();
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn an_interrupt_that_cuts_the_last_write_of_storlines_is_an_interrupt() {
    // The interrupt comes while the last line is queued, before the only write (a few
    // lines go out in one): the failed write is the interrupt's, and ends the abort way.
    let mut script = exchange("TYPE A", "200 ascii");
    script.extend([expect("EPSV"), Step::Epsv, expect("STOR f"), reply("150 send"), Step::DataAccept]);
    script.extend(aborted_then_noop());
    let (server, mut ftp) = connected(script);
    let interrupter = ftp.interrupter();
    let mut lines = 0;
    let e = ftp
        .storlines("STOR f", &mut &b"one\ntwo\nthree\n"[..], |_| {
            lines += 1;
            if lines == 3 {
                interrupter.interrupt();
            }
            Flow::Continue(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    ftp.noop().unwrap();
    ftp.noop().unwrap();
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn interrupting_a_wait_for_a_reply_closes_the_session() {
    let (server, mut ftp) = connected(vec![expect("NOOP"), Step::Sleep(500)]);
    let interrupter = ftp.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        interrupter.interrupt();
    });
    let start = std::time::Instant::now();
    let e = ftp.noop().unwrap_err();
    t.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(4), "woken by the interrupt, not a timeout");
    assert!(matches!(e.kind(), ErrorKind::Closed | ErrorKind::Io), "{e}");
    assert_eq!(ftp.noop().unwrap_err().kind(), ErrorKind::State);
    server.finish_any();
}

#[test]
fn retrlines_counts_the_bytes_that_crossed_the_connection() {
    let mut script = Vec::new();
    for (i, text) in [&b"one\r\ntwo\r\nthree\r\n"[..], b"a\r\nb\nlast"].into_iter().enumerate() {
        if i == 0 {
            script.extend(exchange("TYPE A", "200 ascii"));
        }
        script.extend([
            expect("EPSV"),
            Step::Epsv,
            expect("RETR t"),
            reply(&format!("150 here ({} bytes)", text.len())),
        ]);
        script.extend([Step::DataAccept, Step::DataSend(text.to_vec()), Step::DataClose, reply("226 done")]);
    }
    script.extend(quit());
    let (server, mut ftp) = connected_with(script, |ftp| ftp.set_pipelining(false));
    let seen = recording(&mut ftp, Duration::ZERO, None);
    for want in [17, 9] {
        ftp.retrlines("RETR t", |_| Flow::Continue(())).unwrap();
        let last = *seen.lock().unwrap().last().unwrap();
        assert_eq!((last.bytes, last.total), (want, Some(want)));
    }
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn after_rest_the_total_is_not_taken_from_the_150() {
    // proftpd announces what is left (6000), vsftpd the whole file (10000): neither can
    // be told apart, so a plain REST download has no total, and a resume takes SIZE's.
    let mut script = retr_open_at(Some(4000), "150 here (6000 bytes)");
    script.extend([Step::DataSend(vec![1u8; 6000]), Step::DataClose, reply("226 done")]);
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend(exchange("SIZE f", "213 10000"));
    script.extend(retr_open_at(Some(4000), "150 here (6000 bytes)"));
    script.extend([Step::DataSend(vec![1u8; 6000]), Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let seen = recording(&mut ftp, Duration::ZERO, None);
    ftp.retrbinary("RETR f", 8192, Some(4000), |_| Flow::Continue(())).unwrap();
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.bytes, last.total), (6000, None));
    let local = common::temp_dir("progress-resume").join("f");
    std::fs::write(&local, vec![1u8; 4000]).unwrap();
    let opts = ftp::FileOptions { resume: true, ..ftp::FileOptions::default() };
    assert_eq!(ftp.retr_file("f", &local, opts).unwrap(), 6000);
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.bytes, last.total), (6000, Some(6000)));
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_whole_file_download_takes_the_total_from_size_when_the_150_has_none() {
    let mut script = exchange("TYPE I", "200 binary");
    script.extend(exchange("SIZE f", "213 5000"));
    script.extend(retr_open("150 here"));
    script.extend([Step::DataSend(vec![1u8; 5000]), Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let seen = recording(&mut ftp, Duration::ZERO, None);
    let local = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hint-{}", std::process::id()));
    let opts = ftp::FileOptions { verify_size: true, ..ftp::FileOptions::default() };
    assert_eq!(ftp.retr_file("f", &local, opts).unwrap(), 5000);
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.bytes, last.total), (5000, Some(5000)));
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_whole_file_upload_reports_the_local_size_as_total() {
    let mut script = exchange("TYPE I", "200 binary");
    script.extend([expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 go")]);
    script.extend([Step::DataAccept, Step::DataRecvAll, Step::DataClose, reply("226 ok")]);
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let seen = recording(&mut ftp, Duration::ZERO, None);
    let local = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("up-{}", std::process::id()));
    std::fs::write(&local, vec![3u8; 7000]).unwrap();
    assert_eq!(ftp.stor_file(&local, "up", ftp::FileOptions::default()).unwrap(), 7000);
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.bytes, last.total), (7000, Some(7000)));
    ftp.quit().unwrap();
    server.finish();
}

/// Interrupts `ftp` every 10 ms from 100 ms on, until the returned flag is set.
fn interrupting(ftp: &Ftp) -> (Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<()>) {
    let interrupter = ftp.interrupter();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = done.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        while !finished.load(std::sync::atomic::Ordering::SeqCst) {
            interrupter.interrupt();
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    (done, t)
}

#[test]
fn interrupts_repeated_past_the_grace_free_a_call_stuck_on_a_silent_server() {
    // The server does not answer the ABOR for 4 s (and the reply timeout is 5 s): the
    // repeated interrupt ends the wait once the grace has passed, not before.
    let mut script = retr_open("150 here (1000000 bytes)");
    script.extend([Step::DataSend(vec![1u8; 1000]), Step::Sleep(300)]);
    script.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose, Step::Sleep(4000)]);
    let (server, mut ftp) = connected(script);
    let (done, t) = interrupting(&ftp);
    let start = std::time::Instant::now();
    let e = ftp.retrbinary("RETR f", 8192, None, |_| Flow::Continue(())).unwrap_err();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    t.join().unwrap();
    let took = start.elapsed();
    assert!(took >= ftp::SETTLE_GRACE && took < Duration::from_millis(3500), "{took:?}");
    assert!(matches!(e.kind(), ErrorKind::Closed | ErrorKind::Io), "{e}");
    assert!(e.to_string().starts_with("interrupted; ending the transfer then failed"), "{e}");
    drop(ftp);
    server.finish_any();
}

#[test]
fn interrupts_repeated_while_the_transfer_settles_keep_the_session() {
    // A caller repeating the interrupt until the call returns (the Go binding does, every
    // 10 ms) must not turn the clean abort into a closed session: the server takes
    // 300 ms to answer the ABOR, and the interrupts go on meanwhile.
    let mut script = retr_open("150 here (1000000 bytes)");
    script.extend([Step::DataSend(vec![1u8; 1000]), Step::Sleep(300)]);
    script.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose, Step::Sleep(300)]);
    script.extend([reply("426 aborted"), reply("226 ok")]);
    script.extend(exchange("NOOP", "200 resync"));
    script.extend(exchange("NOOP", "200 ok"));
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let (done, t) = interrupting(&ftp);
    let e = ftp.retrbinary("RETR f", 8192, None, |_| Flow::Continue(())).unwrap_err();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    ftp.noop().unwrap();
    ftp.quit().unwrap();
    server.finish();
}
