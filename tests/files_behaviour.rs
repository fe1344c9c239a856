//! Whole-file transfers against the scripted fake server: the commands a resume sends
//! (SIZE, REST, APPE), the atomic ".part" file, and the final size check.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{assert_never_sent, done, exchange, expect, quit, reply};
use common::{temp_dir, watchdog};
use ftp::{ErrorKind, FileOptions, Ftp};
use std::path::Path;
use std::time::Duration;

fn session(script: Vec<Vec<Step>>) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 ready")];
    full.extend(script.into_iter().flatten());
    full.extend(quit());
    let server = FakeServer::start(full);
    let mut ftp = Ftp::new();
    // The scripts show a TYPE before every transfer.
    ftp.set_type_caching(false);
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap();
    (server, ftp)
}

/// TYPE I, SIZE answered with `size`.
fn size(name: &str, size: &str) -> Vec<Step> {
    [exchange("TYPE I", "200 binary"), exchange(&format!("SIZE {name}"), size)].concat()
}

/// A passive binary transfer of `cmd`, after REST `rest` when given.
fn transfer(cmd: &str, rest: Option<u64>, send: Option<&[u8]>) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv]);
    if let Some(r) = rest {
        s.extend(exchange(&format!("REST {r}"), "350 restarting"));
    }
    s.extend([expect(cmd), reply("150 go"), Step::DataAccept]);
    match send {
        Some(data) => s.extend([Step::DataSend(data.to_vec()), Step::DataClose]),
        None => s.extend([Step::DataRecvAll, Step::DataClose]),
    }
    s.push(reply("226 done"));
    s
}

#[test]
fn resumed_atomic_download_continues_the_part_file_and_renames_it() {
    let dir = temp_dir("files-retr");
    let local = dir.join("f.bin");
    std::fs::write(dir.join("f.bin.part"), b"0123").unwrap();
    let (server, mut ftp) = session(vec![size("f.bin", "213 10"), transfer("RETR f.bin", Some(4), Some(b"456789"))]);
    let opts = FileOptions { resume: true, atomic: true, verify_size: true, ..FileOptions::default() };
    assert_eq!(ftp.retr_file("f.bin", &local, opts).unwrap(), 6);
    assert_eq!(std::fs::read(&local).unwrap(), b"0123456789");
    assert!(!dir.join("f.bin.part").exists());
    done(server, ftp);
}

#[test]
fn a_download_short_of_the_size_is_an_error_and_keeps_the_part() {
    let dir = temp_dir("files-short");
    let local = dir.join("f.bin");
    let (server, mut ftp) = session(vec![size("f.bin", "213 10"), transfer("RETR f.bin", None, Some(b"0123"))]);
    let opts = FileOptions { atomic: true, verify_size: true, ..FileOptions::default() };
    let e = ftp.retr_file("f.bin", &local, opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("holds 4 bytes") && e.to_string().contains("says 10"), "{e}");
    assert!(!local.exists() && dir.join("f.bin.part").exists());
    done(server, ftp);
}

#[test]
fn a_download_short_of_what_its_150_announced_keeps_the_old_copy() {
    // The 226 says done, but 4 of the 10 bytes announced came: not a whole file.
    for zero_copy in [true, false] {
        let dir = temp_dir(&format!("files-short-150-{zero_copy}"));
        let local = dir.join("f.bin");
        std::fs::write(&local, b"GOOD OLD COPY").unwrap();
        let mut script = exchange("TYPE I", "200 binary");
        script.extend([expect("EPSV"), Step::Epsv, expect("RETR f.bin"), reply("150 f.bin (10 bytes)")]);
        script.extend([Step::DataAccept, Step::DataSend(b"0123".to_vec()), Step::DataClose, reply("226 done")]);
        let (server, mut ftp) = session(vec![script]);
        ftp.set_zero_copy(zero_copy, false);
        let e = ftp.retr_file("f.bin", &local, FileOptions { atomic: true, ..FileOptions::default() }).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
        assert!(e.to_string().contains("announced 10"), "{e}");
        assert_eq!(std::fs::read(&local).unwrap(), b"GOOD OLD COPY");
        assert_eq!(std::fs::read(dir.join("f.bin.part")).unwrap(), b"0123", "kept for a resume");
        done(server, ftp);
    }
}

#[test]
fn a_download_to_an_open_file_short_of_what_its_150_announced_fails() {
    // The same check for ftp_retr_fd: a whole download only, since after REST servers
    // differ on whether the 150 counts the whole file or the rest.
    let short = |rest: Option<u64>| {
        let mut script = exchange("TYPE I", "200 binary");
        script.extend([expect("EPSV"), Step::Epsv]);
        if let Some(r) = rest {
            script.extend(exchange(&format!("REST {r}"), "350 restarting"));
        }
        script.extend([expect("RETR f.bin"), reply("150 f.bin (10 bytes)"), Step::DataAccept]);
        script.extend([Step::DataSend(b"0123".to_vec()), Step::DataClose, reply("226 done")]);
        script
    };
    let dir = temp_dir("files-short-150-fd");
    let mut out = std::fs::File::create(dir.join("f.bin")).unwrap();
    let (server, mut ftp) = session(vec![short(None), short(Some(6))]);
    let e = ftp.retr_to("f.bin", &mut out, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("got 4 bytes, the server announced 10"), "{e}");
    assert_eq!(ftp.retr_to("f.bin", &mut out, Some(6)).unwrap(), 4, "a resume is not judged by the 150");
    done(server, ftp);
    assert_eq!(std::fs::read(dir.join("f.bin")).unwrap(), b"01230123");
}

#[test]
fn verify_size_without_size_on_the_server_fails_before_the_download() {
    let dir = temp_dir("files-no-size");
    let local = dir.join("f.bin");
    std::fs::write(&local, b"GOOD OLD COPY").unwrap();
    let (server, mut ftp) = session(vec![size("f.bin", "502 SIZE not implemented")]);
    let opts = FileOptions { atomic: true, verify_size: true, ..FileOptions::default() };
    let e = ftp.retr_file("f.bin", &local, opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert_eq!(std::fs::read(&local).unwrap(), b"GOOD OLD COPY");
    assert_never_sent(&done(server, ftp), &["RETR"]);
}

#[test]
fn a_resumed_upload_of_a_file_the_server_lacks_sends_it_whole() {
    let dir = temp_dir("files-resume-new");
    let local = dir.join("u.bin");
    std::fs::write(&local, b"abc").unwrap();
    let (server, mut ftp) = session(vec![size("u.bin", "550 No such file"), transfer("STOR u.bin", None, None)]);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    assert_eq!(ftp.stor_file(&local, "u.bin", opts).unwrap(), 3);
    assert_eq!(done(server, ftp).data, vec![b"abc".to_vec()]);
}

#[test]
fn resumed_upload_uses_rest_with_rest_stream_and_appe_without() {
    let dir = temp_dir("files-stor");
    let local = dir.join("up.bin");
    std::fs::write(&local, b"abcdefgh").unwrap();
    let (server, mut ftp) = session(vec![
        size("up.bin", "213 3"),
        exchange("FEAT", "211-x\r\n REST STREAM\r\n211 end"),
        transfer("STOR up.bin", Some(3), None),
        size("up.bin", "213 8"),
    ]);
    let opts = FileOptions { resume: true, verify_size: true, ..FileOptions::default() };
    assert_eq!(ftp.stor_file(&local, "up.bin", opts).unwrap(), 5);
    let t = done(server, ftp);
    assert_eq!(t.data, vec![b"defgh".to_vec()]);

    let (server, mut ftp) =
        session(vec![size("up.bin", "213 6"), exchange("FEAT", "500 no FEAT"), transfer("APPE up.bin", None, None)]);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    assert_eq!(ftp.stor_file(&local, "up.bin", opts).unwrap(), 2);
    assert_eq!(done(server, ftp).data, vec![b"gh".to_vec()]);
}

#[test]
fn an_append_sends_appe_and_checks_the_size_against_what_was_there() {
    let dir = temp_dir("files-appe");
    let local = dir.join("log.txt");
    std::fs::write(&local, b"abcdefgh").unwrap();
    let appe = || transfer("APPE log.txt", None, None);
    let opts = FileOptions { append: true, verify_size: true, ..FileOptions::default() };
    // A missing file (550) held nothing: the copy must now hold the local size.
    let (server, mut ftp) = session(vec![size("log.txt", "550 no such file"), appe(), size("log.txt", "213 8")]);
    assert_eq!(ftp.stor_file(&local, "log.txt", opts).unwrap(), 8);
    assert_eq!(done(server, ftp).data, vec![b"abcdefgh".to_vec()]);

    // 5 bytes before, 8 sent: 13 after is right...
    let (server, mut ftp) = session(vec![size("log.txt", "213 5"), appe(), size("log.txt", "213 13")]);
    assert_eq!(ftp.stor_file(&local, "log.txt", opts).unwrap(), 8);
    done(server, ftp);

    // ...and 12 is wrong.
    let (server, mut ftp) = session(vec![size("log.txt", "213 5"), appe(), size("log.txt", "213 12")]);
    let e = ftp.stor_file(&local, "log.txt", opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("has 12 bytes after the upload of 8 appended to 5"), "{e}");
    done(server, ftp);

    // A server without SIZE could not be checked afterwards: nothing is sent.
    let (server, mut ftp) = session(vec![size("log.txt", "502 no SIZE here")]);
    let e = ftp.stor_file(&local, "log.txt", opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    let t = done(server, ftp);
    assert_never_sent(&t, &["APPE", "EPSV"]);

    // Without the check no SIZE is sent.
    let (server, mut ftp) = session(vec![appe()]);
    assert_eq!(ftp.stor_file(&local, "log.txt", FileOptions { append: true, ..FileOptions::default() }).unwrap(), 8);
    let t = done(server, ftp);
    assert_never_sent(&t, &["SIZE"]);
}

#[test]
fn append_is_refused_with_resume_and_for_downloads() {
    let dir = temp_dir("files-appe-bad");
    let local = dir.join("a.bin");
    std::fs::write(&local, b"x").unwrap();
    let (server, mut ftp) = session(vec![]);
    let both = FileOptions { append: true, resume: true, ..FileOptions::default() };
    assert_eq!(ftp.stor_file(&local, "a.bin", both).unwrap_err().kind(), ErrorKind::Invalid);
    let append = FileOptions { append: true, ..FileOptions::default() };
    assert_eq!(ftp.retr_file("a.bin", &local, append).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(std::fs::read(&local).unwrap(), b"x");
    // Nothing reached the server.
    let t = done(server, ftp);
    assert!(t.commands.iter().all(|c| c == "QUIT"), "{:?}", t.commands);
}

/// A count from this thread's I/O accounting ("syscr:", "syscw:").
fn thread_io(key: &str) -> u64 {
    let io = std::fs::read_to_string("/proc/thread-self/io").expect("per-thread I/O accounting");
    let line = io.lines().find(|l| l.starts_with(key)).unwrap();
    line[key.len()..].trim().parse().unwrap()
}

/// Read system calls this thread has made on files (sendfile counts as one; socket
/// recv(2) does not): how an upload read its file.
fn file_reads_so_far() -> u64 {
    thread_io("syscr:")
}

#[test]
fn downloads_splice_into_files_unless_turned_off() {
    // 4 MiB: 64 writes of 64 KiB by read/write; splice(2) counts as no write call.
    let dir = temp_dir("files-splice");
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut writes = Vec::new();
    for splice in [true, false] {
        let (server, mut ftp) = session(vec![transfer("RETR d.bin", None, Some(&data))]);
        ftp.set_zero_copy(splice, false);
        let local = dir.join(format!("d-{splice}.bin"));
        let before = thread_io("syscw:");
        assert_eq!(ftp.retr_file("d.bin", &local, FileOptions::default()).unwrap(), data.len() as u64);
        writes.push(thread_io("syscw:") - before);
        assert!(std::fs::read(&local).unwrap() == data);
        done(server, ftp);
    }
    assert!(writes[0] < 10 && writes[1] >= 64, "write calls, splice then read/write: {writes:?}");
}

#[test]
fn uploads_to_a_server_on_this_host_read_and_write_unless_sendfile_is_asked_for() {
    // 4 MiB: 64 reads of 64 KiB by read/write, 4 sendfile calls of 1 MiB.
    let dir = temp_dir("files-zc");
    let local = dir.join("up.bin");
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &data).unwrap();
    let mut reads = Vec::new();
    for forced in [None, Some(true), Some(false)] {
        let (server, mut ftp) = session(vec![transfer("STOR up.bin", None, None)]);
        if let Some(on) = forced {
            ftp.set_zero_copy(true, on);
        }
        let before = file_reads_so_far();
        assert_eq!(ftp.stor_file(&local, "up.bin", FileOptions::default()).unwrap(), data.len() as u64);
        reads.push(file_reads_so_far() - before);
        assert_eq!(done(server, ftp).data, vec![data.clone()]);
    }
    assert!(reads[0] >= 64 && reads[2] >= 64, "read/write by default on loopback: {reads:?}");
    assert!(reads[1] < 20, "sendfile when asked: {reads:?}");
}

static SIGPIPES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn count_sigpipe(_: libc::c_int) {
    SIGPIPES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

#[test]
fn an_upload_whose_server_hangs_up_raises_no_sigpipe() {
    // A C program keeps SIGPIPE's default action, which kills it. sendfile has no
    // MSG_NOSIGNAL: the library holds the signal back itself, as for every other write.
    // SAFETY: a handler that only counts; SIGPIPE is otherwise ignored in Rust tests.
    unsafe { libc::signal(libc::SIGPIPE, count_sigpipe as extern "C" fn(libc::c_int) as libc::sighandler_t) };
    let dir = temp_dir("files-sigpipe");
    let local = dir.join("up.bin");
    std::fs::write(&local, vec![7u8; 16 << 20]).unwrap();
    for sendfile in [false, true] {
        // The server closes the data connection at once, then reports the failure.
        let mut script = exchange("TYPE I", "200 binary");
        script.extend([expect("EPSV"), Step::Epsv, expect("STOR up.bin"), Step::DataAccept, Step::DataClose]);
        script.extend([Step::Sleep(100), reply("150 go"), Step::Sleep(300), reply("426 connection closed")]);
        let (server, mut ftp) = session(vec![script]);
        ftp.set_zero_copy(true, sendfile);
        let e = ftp.stor_file(&local, "up.bin", FileOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
        done(server, ftp);
        assert_eq!(SIGPIPES.load(std::sync::atomic::Ordering::SeqCst), 0, "sendfile: {sendfile}");
    }
}

#[test]
fn nothing_moves_when_the_other_side_is_complete() {
    let dir = temp_dir("files-complete");
    let local = dir.join("c.bin");
    std::fs::write(&local, b"12345").unwrap();
    let (server, mut ftp) = session(vec![size("c.bin", "213 5"), size("c.bin", "213 5")]);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    assert_eq!(ftp.retr_file("c.bin", &local, opts).unwrap(), 0);
    assert_eq!(ftp.stor_file(&local, "c.bin", opts).unwrap(), 0);
    let t = done(server, ftp);
    assert_never_sent(&t, &["RETR", "STOR"]);
}

#[test]
fn a_local_write_failure_names_the_file() {
    let (server, mut ftp) = session(vec![]);
    let e = ftp.retr_file("x", Path::new("/nonexistent-dir/x"), FileOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("/nonexistent-dir/x"), "{e}");
    done(server, ftp);
}

/// A resumed download of f.bin whose SIZE is answered `size`, up to its EPSV, then `then`.
fn resume_until_epsv<const N: usize>(size_reply: &str, then: [Vec<Step>; N]) -> Vec<Step> {
    let mut s = size("f.bin", size_reply);
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([expect("EPSV"), Step::Epsv]);
    s.extend(then.into_iter().flatten());
    s
}

#[test]
fn a_resume_whose_rest_is_not_answered_350_stops_before_any_byte_moves() {
    // A server that ignored the offset would send the whole file, which would land
    // after the part already held.
    let dir = temp_dir("files-rest-200");
    let local = dir.join("f.bin");
    std::fs::write(&local, b"0123").unwrap();
    let script =
        resume_until_epsv("213 10", [exchange("REST 4", "200 whatever you say"), exchange("NOOP", "200 still here")]);
    let (server, mut ftp) = session(vec![script]);
    let e = ftp.retr_file("f.bin", &local, FileOptions { resume: true, ..FileOptions::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Reply, "{e}");
    assert_eq!(e.reply().unwrap().code, 200);
    assert_eq!(std::fs::read(&local).unwrap(), b"0123");
    // The session is still in step.
    assert_eq!(ftp.sendcmd("NOOP").unwrap().code, 200);
    let t = done(server, ftp);
    assert_never_sent(&t, &["RETR"]);
}

#[test]
fn a_refused_download_leaves_the_local_file_as_it_was() {
    // The server's size is shorter than the local part, so the resume starts again
    // from 0; the part is cut only once the server agrees to send.
    let dir = temp_dir("files-refused");
    let local = dir.join("f.bin");
    std::fs::write(&local, b"0123456789").unwrap();
    let (server, mut ftp) = session(vec![resume_until_epsv("213 0", [exchange("RETR f.bin", "550 not now")])]);
    let e = ftp.retr_file("f.bin", &local, FileOptions { resume: true, ..FileOptions::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
    assert_eq!(std::fs::read(&local).unwrap(), b"0123456789");
    // Once the server sends, the stale tail goes.
    let mut script = size("f.bin", "213 3");
    script.extend(transfer("RETR f.bin", None, Some(b"abc")));
    drop(done(server, ftp));
    let (server, mut ftp) = session(vec![script]);
    ftp.retr_file("f.bin", &local, FileOptions { resume: true, ..FileOptions::default() }).unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), b"abc");
    done(server, ftp);
}

#[test]
fn whatever_is_planted_at_the_part_name_is_replaced_never_written_through() {
    // "f.bin.part" is the library's name. A hard link or a symbolic link there would
    // carry the download (or a resume's REST offset) into another file; a FIFO would
    // hang the open.
    let dir = temp_dir("files-planted");
    let local = dir.join("f.bin");
    let part = dir.join("f.bin.part");
    let victim = dir.join("victim");
    type Plant = fn(&Path, &Path);
    let plants: [(&str, Plant); 3] = [
        ("hard link", |victim, part| std::fs::hard_link(victim, part).unwrap()),
        ("symbolic link", |victim, part| std::os::unix::fs::symlink(victim, part).unwrap()),
        ("fifo", |_, part| {
            let path = std::ffi::CString::new(part.as_os_str().as_encoded_bytes()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        }),
    ];
    for (what, plant) in plants {
        for resume in [false, true] {
            std::fs::write(&victim, b"0123").unwrap();
            let _ = std::fs::remove_file(&local);
            plant(&victim, &part);
            // A resume starts from 0: what was planted is not the download's part.
            let mut script = if resume { size("f.bin", "213 10") } else { Vec::new() };
            script.extend(transfer("RETR f.bin", None, Some(b"abcdefghij")));
            let (server, mut ftp) = session(vec![script]);
            let opts = FileOptions { resume, atomic: true, ..FileOptions::default() };
            let guard = watchdog("a download over a planted .part", Duration::from_secs(60));
            assert_eq!(ftp.retr_file("f.bin", &local, opts).unwrap(), 10, "{what}, resume {resume}");
            drop(guard);
            assert_eq!(std::fs::read(&local).unwrap(), b"abcdefghij", "{what}, resume {resume}");
            assert_eq!(std::fs::read(&victim).unwrap(), b"0123", "{what}, resume {resume}");
            assert!(std::fs::symlink_metadata(&part).is_err(), "{what}, resume {resume}");
            done(server, ftp);
        }
    }
}

/// A pipe whose end `nonblocking` (0: read, 1: write) is O_NONBLOCK, as Go makes them.
fn pipe(nonblocking: usize) -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe writes two new descriptors; fcntl sets a flag on one of them; each
    // File then owns one descriptor.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        let fd = fds[nonblocking];
        libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK);
        (std::fs::File::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1]))
    }
}

#[test]
fn non_blocking_descriptors_are_waited_for_not_failed() {
    use std::io::{Read, Write};
    let data: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    let (server, mut ftp) = session(vec![transfer("RETR f", None, Some(&data)), transfer("STOR g", None, None)]);
    let _watchdog = watchdog("transfers through non-blocking pipes", Duration::from_secs(60));
    // Download into a pipe whose reader is slower than the server.
    let (mut rd, mut wr) = pipe(1);
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            std::thread::sleep(Duration::from_micros(200));
            match rd.read(&mut chunk).unwrap() {
                0 => return got,
                n => got.extend_from_slice(&chunk[..n]),
            }
        }
    });
    assert_eq!(ftp.retr_to("f", &mut wr, None).unwrap(), data.len() as u64);
    drop(wr);
    assert!(reader.join().unwrap() == data);
    // Upload from a pipe whose writer pauses between pieces.
    let (mut rd, mut wr) = pipe(0);
    let pieces = data.clone();
    let writer = std::thread::spawn(move || {
        for piece in pieces.chunks(256 << 10) {
            std::thread::sleep(Duration::from_millis(50));
            wr.write_all(piece).unwrap();
        }
    });
    assert_eq!(ftp.stor_from_file(&mut rd, "g", None).unwrap(), data.len() as u64);
    writer.join().unwrap();
    assert!(done(server, ftp).data == vec![data]);
}

#[test]
fn a_file_sendfile_refuses_is_read_and_written_instead() {
    // /proc files refuse sendfile (EINVAL) and report a size of 0.
    let want = std::fs::read("/proc/self/cmdline").unwrap();
    assert!(!want.is_empty());
    let (server, mut ftp) = session(vec![transfer("STOR cmdline", None, None)]);
    ftp.set_zero_copy(true, true);
    let mut input = std::fs::File::open("/proc/self/cmdline").unwrap();
    assert_eq!(ftp.stor_from_file(&mut input, "cmdline", None).unwrap(), want.len() as u64);
    assert_eq!(done(server, ftp).data, vec![want]);
}

#[test]
fn a_file_splice_refuses_gets_the_bytes_written_instead() {
    // /proc/self/comm (the process's name) takes write(2) but refuses splice.
    let before = std::fs::read("/proc/self/comm").unwrap();
    let (server, mut ftp) = session(vec![transfer("RETR name", None, Some(b"ftp-splice"))]);
    ftp.set_zero_copy(true, false);
    let mut out = std::fs::OpenOptions::new().write(true).open("/proc/self/comm").unwrap();
    let moved = ftp.retr_to("name", &mut out, None);
    let after = std::fs::read("/proc/self/comm").unwrap();
    let _ = std::fs::write("/proc/self/comm", &before);
    assert_eq!(moved.unwrap(), 10);
    assert_eq!(after, b"ftp-splice\n");
    done(server, ftp);
}

#[test]
fn an_upload_that_cannot_read_its_source_fails_before_stor() {
    let dir = temp_dir("files-unreadable");
    let (server, mut ftp) = session(vec![]);
    // A directory opens, but reads fail: found before STOR would empty the remote file.
    let e = ftp.stor_file(&dir, "keep.bin", FileOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
    let mut write_only = std::fs::File::create(dir.join("w.bin")).unwrap();
    assert_eq!(ftp.stor_from_file(&mut write_only, "keep.bin", None).unwrap_err().kind(), ErrorKind::Io);
    let mut read_only = std::fs::File::open(dir.join("w.bin")).unwrap();
    assert_eq!(ftp.retr_to("f", &mut read_only, None).unwrap_err().kind(), ErrorKind::Io);
    let t = done(server, ftp);
    assert_never_sent(&t, &["STOR", "RETR", "TYPE", "EPSV"]);
}

#[test]
fn a_server_without_mdtm_still_gets_the_file_in_place() {
    let dir = temp_dir("files-no-mdtm");
    let local = dir.join("f.bin");
    let mut script = vec![transfer("RETR f.bin", None, Some(b"0123456789"))];
    script.push(exchange("MDTM f.bin", "502 MDTM not implemented"));
    let (server, mut ftp) = session(script);
    let opts = FileOptions { atomic: true, preserve_mtime: true, ..FileOptions::default() };
    assert_eq!(ftp.retr_file("f.bin", &local, opts).unwrap(), 10);
    assert_eq!(std::fs::read(&local).unwrap(), b"0123456789");
    assert!(!dir.join("f.bin.part").exists());
    done(server, ftp);
}

#[test]
fn a_refused_download_leaves_no_file_it_made() {
    let dir = temp_dir("files-refused-made");
    let (local, kept) = (dir.join("new.bin"), dir.join("old.bin"));
    std::fs::write(&kept, b"").unwrap();
    let refused = |name: &str| {
        let mut s = exchange("TYPE I", "200 binary");
        s.extend([expect("EPSV"), Step::Epsv]);
        s.extend(exchange(&format!("RETR {name}"), "550 no such file"));
        s
    };
    let (server, mut ftp) = session(vec![refused("new.bin"), refused("old.bin")]);
    for (name, path) in [("new.bin", &local), ("old.bin", &kept)] {
        let e = ftp.retr_file(name, path, FileOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
    }
    assert!(!local.exists(), "made by the call, and empty: removed");
    assert!(kept.exists(), "the caller's own empty file stays");
    done(server, ftp);
}

#[test]
fn the_descriptor_variants_need_rest_answered_350() {
    let ignored = || {
        let mut s = exchange("TYPE I", "200 binary");
        s.extend([expect("EPSV"), Step::Epsv]);
        s.extend(exchange("REST 3", "200 whatever"));
        s.extend([Step::DataAccept, Step::DataClose]);
        s
    };
    let dir = temp_dir("files-rest-fd");
    std::fs::write(dir.join("in.bin"), b"abcdefgh").unwrap();
    let (server, mut ftp) = session(vec![ignored(), ignored()]);
    let mut input = std::fs::File::open(dir.join("in.bin")).unwrap();
    let e = ftp.stor_from_file(&mut input, "u.bin", Some(3)).unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(200), "{e}");
    let mut out = std::fs::File::create(dir.join("out.bin")).unwrap();
    let e = ftp.retr_to("d.bin", &mut out, Some(3)).unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(200), "{e}");
    let t = done(server, ftp);
    assert_never_sent(&t, &["STOR", "RETR"]);
}
