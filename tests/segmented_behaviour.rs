//! Segmented downloads against a server that serves one in-memory file to several
//! sessions at once (`common/segment_server.rs`): the bytes, the commands each
//! session sent, resuming from the state file, a dropped session, a server without
//! REST, and cancellation.

mod common;
#[path = "common/segment_server.rs"]
mod segment_server;

use common::{temp_dir, watchdog};
use ftp::{ErrorKind, FileOptions, Flow, Ftp, Progress, SegmentOptions};
use segment_server::{Behaviour, SegmentServer};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MIB: u64 = 1 << 20;

/// Bytes that differ at every offset, so a segment written at the wrong place shows.
fn content(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn login(server: &SegmentServer) -> Ftp {
    let mut ftp = Ftp::new();
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(10)), None).unwrap();
    ftp.login(Some("user"), Some("secret"), None).unwrap();
    ftp
}

fn four() -> SegmentOptions {
    SegmentOptions { segments: 4, min_segment: MIB, retries: 2 }
}

/// The progress reports seen: bytes and total.
type Reports = Arc<Mutex<Vec<(u64, Option<u64>)>>>;

/// Records every progress report of the session.
fn record_progress(ftp: &mut Ftp) -> Reports {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let sink = Box::new(move |p: &Progress| {
        s2.lock().unwrap().push((p.bytes, p.total));
        Flow::Continue(())
    });
    ftp.set_progress(Some(sink), Duration::ZERO);
    seen
}

#[test]
fn four_segments_give_the_file_byte_for_byte() {
    let _w = watchdog("segmented download", Duration::from_secs(60));
    let data = content(5 * MIB as usize + 12345);
    // Slow enough (about 0.1 s a segment) that every worker gets a segment of its own.
    let paced = Behaviour { block_pause: Some(Duration::from_millis(1)), ..Behaviour::default() };
    let server = SegmentServer::start(data.clone(), paced);
    let dir = temp_dir("seg-exact");
    let local = dir.join("big.bin");
    let mut ftp = login(&server);
    let progress = record_progress(&mut ftp);
    let opts = FileOptions { preserve_mtime: true, ..FileOptions::default() };
    let moved = ftp.retr_file_segmented("/pub/big.bin", &local, opts, four()).unwrap();
    assert_eq!(moved, data.len() as u64);
    assert!(std::fs::read(&local).unwrap() == data, "the file differs from the server's");
    assert!(!dir.join("big.bin.part").exists() && !dir.join("big.bin.segments").exists());
    // MDTM 20200102030405 UTC.
    let mtime = std::fs::metadata(&local).unwrap().modified().unwrap();
    assert_eq!(mtime.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_577_934_245);
    {
        let seen = server.seen();
        let each = data.len() as u64 / 4;
        let mut offsets = seen.retrs.clone();
        offsets.sort();
        assert_eq!(offsets, vec![0, each, 2 * each, 3 * each], "one RETR per segment, from its start");
        // The caller's session and up to three more (a worker the machine's load held
        // back may find every segment taken).
        assert!((2..=4).contains(&seen.sessions), "{} sessions", seen.sessions);
        // The caller's session (the first) stops a segment before the file's end with
        // ABOR, keeping in step; one opened here, with no segment waiting for it,
        // hangs up instead, two round trips sooner.
        if seen.sessions == 4 {
            assert!(seen.abor_sessions.iter().all(|&s| s == 0), "ABORs from sessions {:?}", seen.abor_sessions);
        }
    }
    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!(last, (data.len() as u64, Some(data.len() as u64)), "progress reports the whole file");
    // The caller's session is still usable after its segment's ABOR.
    assert!(ftp.is_usable());
    assert_eq!(ftp.size("/pub/big.bin").unwrap(), Some(data.len() as u64));
}

#[test]
fn a_relative_path_is_found_in_the_callers_directory_by_every_session() {
    let data = content(3 * MIB as usize);
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let dir = temp_dir("seg-relative");
    let local = dir.join("f");
    let mut ftp = login(&server);
    let seg = SegmentOptions { segments: 3, ..four() };
    ftp.retr_file_segmented("f", &local, FileOptions::default(), seg).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    // Every session is where its login put it: none changes directory.
    assert_eq!(server.seen().cwds, vec![]);
    drop(server);

    // Once the caller's session has moved, the others go where its PWD says.
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let mut ftp = login(&server);
    ftp.cwd("sub").unwrap();
    std::fs::remove_file(&local).unwrap();
    ftp.retr_file_segmented("f", &local, FileOptions::default(), seg).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    let seen = server.seen();
    let mut expect = vec![(0, "sub".to_string())];
    expect.extend((1..seen.sessions).map(|s| (s, "/home".to_string())));
    let mut cwds = seen.cwds.clone();
    cwds.sort();
    assert_eq!(cwds, expect);
}

#[test]
fn a_resume_fetches_only_what_the_state_file_says_is_missing() {
    let data = content(4 * MIB as usize);
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let dir = temp_dir("seg-resume");
    let local = dir.join("big.bin");
    // Segment 1 has its first MiB, segment 2 is complete; the rest of the part file
    // holds zeros, which must not survive.
    let half = 2 * MIB as usize;
    let mut part = vec![0u8; data.len()];
    part[..MIB as usize].copy_from_slice(&data[..MIB as usize]);
    part[half..].copy_from_slice(&data[half..]);
    std::fs::write(dir.join("big.bin.part"), &part).unwrap();
    std::fs::write(
        dir.join("big.bin.segments"),
        format!("libftp-segments 1\nsize {}\n0 {half} {MIB}\n{half} {} {half}\n", data.len(), data.len()),
    )
    .unwrap();
    let mut ftp = login(&server);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    let moved = ftp.retr_file_segmented("/big.bin", &local, opts, four()).unwrap();
    assert_eq!(moved, MIB, "only the missing MiB moved");
    assert!(std::fs::read(&local).unwrap() == data);
    let seen = server.seen();
    assert_eq!(seen.retrs, vec![MIB], "one RETR, from the first missing byte");
    assert_eq!(seen.sessions, 1, "one segment left: the caller's session alone");
    assert!(!dir.join("big.bin.segments").exists());
}

#[test]
fn without_resume_a_state_file_is_ignored_and_everything_fetched() {
    let data = content(2 * MIB as usize + 7);
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let dir = temp_dir("seg-noresume");
    let local = dir.join("x");
    std::fs::write(dir.join("x.part"), vec![1u8; data.len()]).unwrap();
    std::fs::write(
        dir.join("x.segments"),
        format!("libftp-segments 1\nsize {}\n0 {} {}\n", data.len(), data.len(), data.len()),
    )
    .unwrap();
    let mut ftp = login(&server);
    let moved = ftp.retr_file_segmented("/x", &local, FileOptions::default(), four()).unwrap();
    assert_eq!(moved, data.len() as u64);
    assert!(std::fs::read(&local).unwrap() == data);
}

#[test]
fn a_segment_whose_session_drops_is_fetched_again_on_a_fresh_one() {
    let _w = watchdog("segmented download with a drop", Duration::from_secs(60));
    let data = content(4 * MIB as usize + 1);
    // The second RETR the server gets dies after 100000 bytes, control connection and all.
    let behaviour = Behaviour { drop_retr: Some((2, 100_000)), ..Behaviour::default() };
    let server = SegmentServer::start(data.clone(), behaviour);
    let dir = temp_dir("seg-drop");
    let local = dir.join("big.bin");
    let mut ftp = login(&server);
    let moved = ftp.retr_file_segmented("/big.bin", &local, FileOptions::default(), four()).unwrap();
    assert!(std::fs::read(&local).unwrap() == data, "the file differs from the server's");
    assert_eq!(moved, data.len() as u64, "what the dropped segment wrote counts once");
    let seen = server.seen();
    assert_eq!(seen.retrs.len(), 5, "four segments and one retry: {:?}", seen.retrs);
    // The failed worker's session is gone: the retry ran on a fresh one, or on one a
    // worker that had finished its own segment still held.
    assert!((4..=5).contains(&seen.sessions), "{} sessions", seen.sessions);
    // The retry continued where the dropped segment stopped. It may start before the
    // last segment does: it is the one offset that is no segment's start.
    let dropped = seen.retrs[1];
    let starts: Vec<u64> = (0..4).map(|i| i * MIB).collect();
    let retry: Vec<u64> = seen.retrs.iter().copied().filter(|r| !starts.contains(r)).collect();
    assert_eq!(retry.len(), 1, "{:?}", seen.retrs);
    assert!(retry[0] >= dropped + 100_000 - 16 * 1024 && retry[0] <= dropped + 100_000, "{:?}", seen.retrs);
}

#[test]
fn a_server_without_rest_gets_one_plain_download() {
    let data = content(3 * MIB as usize);
    let server = SegmentServer::start(data.clone(), Behaviour { no_rest: true, ..Behaviour::default() });
    let dir = temp_dir("seg-norest");
    let local = dir.join("f");
    let mut ftp = login(&server);
    ftp.retr_file_segmented("/f", &local, FileOptions::default(), four()).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    let seen = server.seen();
    assert_eq!(seen.retrs, vec![0]);
    assert_eq!(seen.sessions, 1);
    assert!(!dir.join("f.part").exists());
}

#[test]
fn a_small_file_is_one_plain_download() {
    let data = content(MIB as usize + 5);
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let dir = temp_dir("seg-small");
    let local = dir.join("f");
    let mut ftp = login(&server);
    ftp.retr_file_segmented("/f", &local, FileOptions::default(), four()).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!(server.seen().retrs, vec![0]);
    assert_eq!(server.seen().sessions, 1);
}

#[test]
fn a_cancelled_download_leaves_no_complete_looking_file_and_resumes() {
    let _w = watchdog("cancelled segmented download", Duration::from_secs(60));
    let data = content(4 * MIB as usize);
    let slow = Behaviour { block_pause: Some(Duration::from_millis(10)), ..Behaviour::default() };
    let server = SegmentServer::start(data.clone(), slow);
    let dir = temp_dir("seg-cancel");
    let local = dir.join("big.bin");
    let mut ftp = login(&server);
    ftp.set_progress(
        Some(Box::new(|p: &Progress| if p.bytes > MIB { Flow::Break(()) } else { Flow::Continue(()) })),
        Duration::ZERO,
    );
    let err = ftp.retr_file_segmented("/big.bin", &local, FileOptions::default(), four()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(!local.exists(), "a cancelled download must not look complete");
    assert!(dir.join("big.bin.part").exists() && dir.join("big.bin.segments").exists());
    assert!(ftp.is_usable(), "the caller's session stays usable");
    assert_eq!(ftp.size("/big.bin").unwrap(), Some(data.len() as u64));
    drop(ftp);

    let server2 = SegmentServer::start(data.clone(), Behaviour::default());
    let mut ftp = login(&server2);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    let moved = ftp.retr_file_segmented("/big.bin", &local, opts, four()).unwrap();
    assert!(std::fs::read(&local).unwrap() == data, "the resumed file differs from the server's");
    assert!(moved < data.len() as u64 - MIB, "the resume kept what came before the cancel ({moved} moved)");
    assert!(server2.seen().retrs.iter().all(|&r| r > 0), "no segment started again from 0");
    assert!(!dir.join("big.bin.part").exists() && !dir.join("big.bin.segments").exists());
}

#[test]
fn an_interrupt_of_the_callers_session_stops_every_segment() {
    let _w = watchdog("interrupted segmented download", Duration::from_secs(60));
    let data = content(4 * MIB as usize);
    // About 0.6 s per segment: the interrupt at 0.2 s comes well before the end.
    let slow = Behaviour { block_pause: Some(Duration::from_millis(10)), ..Behaviour::default() };
    let server = SegmentServer::start(data, slow);
    let dir = temp_dir("seg-interrupt");
    let local = dir.join("big.bin");
    let mut ftp = login(&server);
    let interrupter = ftp.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        interrupter.interrupt();
    });
    let started = std::time::Instant::now();
    let err = ftp.retr_file_segmented("/big.bin", &local, FileOptions::default(), four()).unwrap_err();
    t.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "stopped promptly");
    assert!(!local.exists());
}

#[test]
fn sessions_can_come_from_any_source() {
    let data = content(2 * MIB as usize);
    let paced = Behaviour { block_pause: Some(Duration::from_millis(2)), ..Behaviour::default() };
    let server = SegmentServer::start(data.clone(), paced);
    let dir = temp_dir("seg-source");
    let local = dir.join("f");
    let port = server.port;
    let opened = std::sync::atomic::AtomicUsize::new(0);
    let source = || {
        opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut f = Ftp::new();
        f.connect("127.0.0.1", port, Some(Duration::from_secs(10)), None)?;
        f.login(Some("u"), Some("p"), None)?;
        Ok(f)
    };
    let mut ftp = login(&server);
    let seg = SegmentOptions { segments: 2, ..four() };
    ftp.retr_segmented_with("/f", &local, FileOptions::default(), seg, &source).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!(opened.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn a_state_file_with_a_server_without_rest_starts_again_in_one_stream() {
    let data = content(3 * MIB as usize);
    let server = SegmentServer::start(data.clone(), Behaviour { no_rest: true, ..Behaviour::default() });
    let dir = temp_dir("seg-norest-state");
    let local = dir.join("f");
    // A part file with holes, as a segmented run leaves it.
    std::fs::write(dir.join("f.part"), vec![0u8; data.len()]).unwrap();
    let len = data.len();
    std::fs::write(dir.join("f.segments"), format!("libftp-segments 1\nsize {len}\n0 {len} 1000\n")).unwrap();
    let mut ftp = login(&server);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    ftp.retr_file_segmented("/f", &local, opts, four()).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!(server.seen().retrs, vec![0]);
    assert!(!dir.join("f.segments").exists() && !dir.join("f.part").exists());
}

#[test]
fn a_state_file_that_does_not_fit_starts_everything_again() {
    let data = content(2 * MIB as usize + 3);
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let dir = temp_dir("seg-badstate");
    let local = dir.join("f");
    // A full-size part with holes, and a state file for another size: the part must
    // not pass for complete.
    std::fs::write(dir.join("f.part"), vec![0u8; data.len()]).unwrap();
    std::fs::write(dir.join("f.segments"), "libftp-segments 1\nsize 5\n0 5 5\n").unwrap();
    let mut ftp = login(&server);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    let moved = ftp.retr_file_segmented("/f", &local, opts, four()).unwrap();
    assert_eq!(moved, data.len() as u64);
    assert!(std::fs::read(&local).unwrap() == data);
}

#[test]
fn without_zero_copy_the_segments_are_read_and_written_to_the_same_bytes() {
    let data = content(3 * MIB as usize + 99);
    let server = SegmentServer::start(data.clone(), Behaviour::default());
    let dir = temp_dir("seg-copy");
    let local = dir.join("f");
    let mut ftp = login(&server);
    // The other sessions take the option from this one's connection parameters.
    ftp.set_zero_copy(false, false);
    let seg = SegmentOptions { segments: 3, ..four() };
    ftp.retr_file_segmented("/f", &local, FileOptions::default(), seg).unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    let seen = server.seen();
    if seen.sessions == 3 {
        assert!(seen.abor_sessions.iter().all(|&s| s == 0), "ABORs from sessions {:?}", seen.abor_sessions);
    }
}
