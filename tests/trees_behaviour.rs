//! Issue 24 items 6-9 and 11 against the scripted fake server: atomic uploads (temporary
//! name, size check, rename, a server that will not rename onto a file, cleanup), the
//! walk over a tree and the recursive remove, MLST of one path, the MLST facts asked once
//! per connection, LIST time zones, and progress totals and counts.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{ABOR_LINE, assert_never_sent, cmds, done, exchange, expect, quit, reply};
use common::temp_dir;
use ftp::{EntryType, ErrorKind, FileOptions, Flow, Ftp, Progress, Refusal};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn session(script: Vec<Vec<Step>>) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 ready")];
    full.extend(script.into_iter().flatten());
    full.extend(quit());
    let server = FakeServer::start(full);
    let mut ftp = Ftp::new();
    ftp.set_type_caching(false);
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap();
    (server, ftp)
}

/// A passive binary upload with `cmd`, answered `end` once the data is in.
fn upload(cmd: &str, end: &str) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect(cmd), reply("150 go"), Step::DataAccept]);
    s.extend([Step::DataRecvAll, Step::DataClose, reply(end)]);
    s
}

fn size(name: &str, answer: &str) -> Vec<Step> {
    [exchange("TYPE I", "200 binary"), exchange(&format!("SIZE {name}"), answer)].concat()
}

/// A text listing `cmd` whose data is `lines` (CRLF added to each).
fn listing(cmd: &str, lines: &[&str]) -> Vec<Step> {
    let data: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
    let mut s = exchange("TYPE A", "200 ascii");
    s.extend([expect("EPSV"), Step::Epsv, expect(cmd), reply("150 here"), Step::DataAccept]);
    s.extend([Step::DataSend(data.into_bytes()), Step::DataClose, reply("226 done")]);
    s
}

fn local_file(what: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = temp_dir(what).join("up.bin");
    std::fs::write(&path, bytes).unwrap();
    path
}

const ATOMIC: FileOptions =
    FileOptions { atomic: true, resume: false, preserve_mtime: false, verify_size: false, append: false };

#[test]
fn an_atomic_upload_goes_to_a_part_file_checked_and_renamed() {
    let local = local_file("atomic-up", b"hello");
    let (server, mut ftp) = session(vec![
        upload("STOR d/up.bin.part", "226 ok"),
        size("d/up.bin.part", "213 5"),
        exchange("RNFR d/up.bin.part", "350 ready"),
        exchange("RNTO d/up.bin", "250 renamed"),
    ]);
    assert_eq!(ftp.stor_file(&local, "d/up.bin", ATOMIC).unwrap(), 5);
    let t = done(server, ftp);
    assert_eq!(t.data, vec![b"hello".to_vec()]);
    assert_never_sent(&t, &["DELE", "STOR d/up.bin\r"]);
}

#[test]
fn a_server_that_will_not_rename_onto_a_file_has_the_old_one_moved_aside_then_deleted() {
    let local = local_file("atomic-stale", b"abc");
    let (server, mut ftp) = session(vec![
        upload("STOR up.bin.part", "226 ok"),
        size("up.bin.part", "213 3"),
        exchange("RNFR up.bin.part", "350 ready"),
        exchange("RNTO up.bin", "553 file exists"),
        exchange("RNFR up.bin", "350 ready"),
        exchange("RNTO up.bin.libftp-old", "250 moved"),
        exchange("RNFR up.bin.part", "350 ready"),
        exchange("RNTO up.bin", "250 renamed"),
        exchange("DELE up.bin.libftp-old", "250 deleted"),
    ]);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap(), 3);
    done(server, ftp);
}

#[test]
fn a_failed_second_rename_puts_the_old_file_back_and_keeps_the_part() {
    let local = local_file("atomic-kept", b"abc");
    let (server, mut ftp) = session(vec![
        upload("STOR up.bin.part", "226 ok"),
        size("up.bin.part", "213 3"),
        exchange("RNFR up.bin.part", "350 ready"),
        exchange("RNTO up.bin", "550 exists"),
        exchange("RNFR up.bin", "350 ready"),
        exchange("RNTO up.bin.libftp-old", "250 moved"),
        exchange("RNFR up.bin.part", "350 ready"),
        exchange("RNTO up.bin", "550 still no"),
        exchange("RNFR up.bin.libftp-old", "350 ready"),
        exchange("RNTO up.bin", "250 back"),
    ]);
    let e = ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("the upload kept in up.bin.part"), "{e}");
    // Nothing deleted: not the target (back in place), not the part (the whole upload).
    assert_never_sent(&done(server, ftp), &["DELE"]);
}

#[test]
fn a_passing_refusal_of_the_rename_keeps_the_part_and_the_target() {
    let local = local_file("atomic-busy", b"abc");
    let (server, mut ftp) = session(vec![
        upload("STOR up.bin.part", "226 ok"),
        size("up.bin.part", "213 3"),
        exchange("RNFR up.bin.part", "350 ready"),
        exchange("RNTO up.bin", "450 busy, try later"),
    ]);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Temp);
    assert_never_sent(&done(server, ftp), &["DELE", "RNFR up.bin\r"]);
}

#[test]
fn a_failed_or_short_atomic_upload_removes_the_part_and_leaves_the_target() {
    let local = local_file("atomic-fail", b"abcdef");
    // Refused at the end: the part goes.
    let (server, mut ftp) =
        session(vec![upload("STOR up.bin.part", "451 disk full"), exchange("DELE up.bin.part", "250 ok")]);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Temp);
    assert_never_sent(&done(server, ftp), &["RNFR", "RNTO", "DELE up.bin\r"]);
    // The server holds less than was sent: no rename, the part goes.
    let (server, mut ftp) = session(vec![
        upload("STOR up.bin.part", "226 ok"),
        size("up.bin.part", "213 4"),
        exchange("DELE up.bin.part", "250 ok"),
    ]);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Proto);
    assert_never_sent(&done(server, ftp), &["RNFR"]);
    // No SIZE to check with: an error, never a silent rename.
    let (server, mut ftp) = session(vec![
        upload("STOR up.bin.part", "226 ok"),
        size("up.bin.part", "502 no SIZE"),
        exchange("DELE up.bin.part", "250 ok"),
    ]);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Proto);
    assert_never_sent(&done(server, ftp), &["RNFR"]);
    // RNFR refused (the part vanished): nothing deleted but the part.
    let (server, mut ftp) = session(vec![
        upload("STOR up.bin.part", "226 ok"),
        size("up.bin.part", "213 6"),
        exchange("RNFR up.bin.part", "550 gone"),
        exchange("DELE up.bin.part", "550 gone"),
    ]);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Perm);
    assert_never_sent(&done(server, ftp), &["RNTO", "DELE up.bin\r"]);
}

#[test]
fn an_atomic_upload_with_resume_keeps_and_continues_its_part() {
    let local = local_file("atomic-resume", b"abcdef");
    let opts = FileOptions { resume: true, ..ATOMIC };
    // A failure keeps the part for the next call.
    let (server, mut ftp) = session(vec![size("up.bin.part", "550 none"), upload("STOR up.bin.part", "451 disk full")]);
    assert_eq!(ftp.stor_file(&local, "up.bin", opts).unwrap_err().kind(), ErrorKind::Temp);
    assert_never_sent(&done(server, ftp), &["DELE"]);
    // Which then sends the rest only.
    let (server, mut ftp) = session(vec![
        size("up.bin.part", "213 4"),
        exchange("FEAT", "211-x\r\n REST STREAM\r\n SIZE\r\n211 end"),
        {
            let mut s = exchange("TYPE I", "200 binary");
            s.extend([expect("EPSV"), Step::Epsv, expect("REST 4"), reply("350 ok"), expect("STOR up.bin.part")]);
            s.extend([reply("150 go"), Step::DataAccept, Step::DataRecvAll, Step::DataClose, reply("226 ok")]);
            s
        },
        size("up.bin.part", "213 6"),
        exchange("RNFR up.bin.part", "350 ready"),
        exchange("RNTO up.bin", "250 renamed"),
    ]);
    assert_eq!(ftp.stor_file(&local, "up.bin", opts).unwrap(), 2);
    assert_eq!(done(server, ftp).data, vec![b"ef".to_vec()]);
}

#[test]
fn atomic_uploads_refuse_append_and_paths_naming_no_file_before_any_command() {
    let local = local_file("atomic-bad", b"x");
    let (server, mut ftp) = session(vec![]);
    let append = FileOptions { append: true, ..ATOMIC };
    assert_eq!(ftp.stor_file(&local, "up.bin", append).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(ftp.stor_file(&local, "dir/", ATOMIC).unwrap_err().kind(), ErrorKind::Invalid);
    let missing = local.with_file_name("missing");
    assert_eq!(ftp.stor_file(&missing, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Io);
    assert_eq!(cmds(&done(server, ftp)), vec!["QUIT"]);
}

#[test]
fn a_cancelled_atomic_upload_removes_its_part() {
    let local = local_file("atomic-cancel", &vec![7u8; 300_000]);
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect("STOR up.bin.part"), reply("150 go"), Step::DataAccept]);
    s.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose, reply("426 aborted"), reply("226 ok")]);
    s.extend(exchange("NOOP", "200 resync"));
    s.extend(exchange("DELE up.bin.part", "250 ok"));
    let (server, mut ftp) = session(vec![s]);
    ftp.set_progress(Some(Box::new(|_: &Progress| Flow::Break(()))), Duration::ZERO);
    assert_eq!(ftp.stor_file(&local, "up.bin", ATOMIC).unwrap_err().kind(), ErrorKind::Cancelled);
    assert_never_sent(&done(server, ftp), &["RNFR"]);
}

const FEAT_MLST: &str =
    "211-Features:\r\n MLST type*;size*;modify*;unique*;unix.mode;unix.uid;lang;\r\n SIZE\r\n211 End";

#[test]
fn parsed_listings_ask_for_the_facts_they_read_once_per_connection() {
    let entry = "type=file;size=3;modify=20240101000000;unique=1;unix.mode=0640;unix.uid=1000; a";
    let (server, mut ftp) = session(vec![
        exchange("FEAT", FEAT_MLST),
        // The facts that are on, and those parsed that are not; "lang" is left off.
        exchange("OPTS MLST type;size;modify;unique;unix.mode;unix.uid;", "200 MLST OPTS"),
        listing("MLSD", &[entry]),
        listing("MLSD d", &[entry]),
    ]);
    let first = ftp.list_all("").unwrap();
    assert_eq!((first[0].mode, first[0].owner.as_deref()), (Some(0o640), Some("1000")));
    ftp.list_all("d").unwrap();
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("OPTS")).count(), 1);
}

#[test]
fn no_opts_mlst_when_every_parsed_fact_is_on_and_again_after_the_callers_own() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", "211-x\r\n MLST type*;size*;modify*;\r\n211 End"),
        listing("MLSD", &["type=file;size=1; a"]),
        exchange("OPTS MLST size;", "200 ok"),
        listing("MLSD", &["size=1; a"]),
        exchange("OPTS MLST type;size;modify;", "200 ok"),
        listing("MLSD", &["type=file;size=1; a"]),
    ]);
    ftp.list_all("").unwrap();
    ftp.mlsd("", &["size"], |_| Flow::Continue(())).unwrap();
    assert_eq!(ftp.list_all("").unwrap()[0].kind, EntryType::File);
    done(server, ftp);
}

#[test]
fn list_times_are_taken_back_to_utc_by_the_sessions_offset() {
    let lines = ["-rw-r--r-- 1 u g 3 Jan 02  2020 f", "drwxr-xr-x 2 u g 4096 Mar 04  2021 d"];
    let (server, mut ftp) =
        session(vec![exchange("FEAT", "211-x\r\n SIZE\r\n211 End"), listing("LIST", &lines), listing("LIST", &lines)]);
    let plain = ftp.list_all("").unwrap();
    ftp.set_list_time_offset(3600).unwrap();
    let shifted = ftp.list_all("").unwrap();
    // 2020-01-02 00:00 as UTC is 1577923200.
    assert_eq!(plain[0].modified.unwrap().secs, 1_577_923_200);
    for (p, s) in plain.iter().zip(&shifted) {
        assert_eq!(s.modified.unwrap().secs, p.modified.unwrap().secs - 3600);
    }
    assert_eq!(ftp.set_list_time_offset(86_401).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(ftp.set_list_time_offset(-86_400).map_err(|e| e.kind()), Ok(()));
    done(server, ftp);
}

#[test]
fn mlsd_times_ignore_the_list_offset() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", "211-x\r\n MLST type*;modify*;\r\n211 End"),
        listing("MLSD", &["type=file;modify=20200102000000; f"]),
    ]);
    ftp.set_list_time_offset(-7200).unwrap();
    assert_eq!(ftp.list_all("").unwrap()[0].modified.unwrap().secs, 1_577_923_200);
    done(server, ftp);
}

const FEAT_TREE: &str = "211-x\r\n MLST type*;size*;unique*;\r\n211 End";

#[test]
fn a_walk_reports_each_entry_before_its_contents_and_follows_no_link() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", FEAT_TREE),
        listing(
            "MLSD r",
            &[
                "type=cdir;unique=R; r",
                "type=pdir;unique=P; ..",
                "type=file;size=1;unique=1; a",
                "type=dir;unique=D; d",
                "type=OS.unix=slink:/etc;unique=L; l",
                "type=file;unique=2; ..",
                "type=file;unique=3; x/y",
            ],
        ),
        listing("MLSD r/d", &["type=cdir;unique=D; .", "type=dir;unique=R; back", "type=file;size=2;unique=4; b"]),
    ]);
    let mut seen = Vec::new();
    ftp.walk("r", None, |w| {
        seen.push((String::from_utf8_lossy(w.path).into_owned(), w.depth, w.entry.kind, w.refused));
        Flow::Continue(())
    })
    .unwrap();
    let want = vec![
        ("r/a".to_string(), 1, EntryType::File, None),
        ("r/d".to_string(), 1, EntryType::Dir, None),
        ("r/d/back".to_string(), 2, EntryType::Dir, Some(Refusal::Loop)),
        ("r/d/b".to_string(), 2, EntryType::File, None),
        ("r/l".to_string(), 1, EntryType::Link, None),
        ("r/..".to_string(), 1, EntryType::File, Some(Refusal::UnsafeName)),
        ("r/x/y".to_string(), 1, EntryType::File, Some(Refusal::UnsafeName)),
    ];
    assert_eq!(seen, want);
    done(server, ftp);
}

#[test]
fn a_walk_stops_at_its_depth_limit_and_on_the_callbacks_word() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", FEAT_TREE),
        listing("MLSD r", &["type=dir;unique=D; d", "type=file;unique=1; f"]),
        listing("MLSD r", &["type=dir;unique=D; d", "type=file;unique=1; f"]),
    ]);
    let mut n = 0;
    ftp.walk("r", Some(1), |_| {
        n += 1;
        Flow::Continue(())
    })
    .unwrap();
    assert_eq!(n, 2, "depth 1 lists r only");
    let e = ftp.walk("r", None, |_| Flow::Break(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(ftp.walk("r", Some(0), |_| Flow::Continue(())).unwrap_err().kind(), ErrorKind::Invalid);
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("MLSD")).count(), 2);
}

#[test]
fn remove_tree_deletes_files_and_links_then_each_emptied_directory() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", FEAT_TREE),
        listing("MLSD t", &["type=cdir;unique=T; .", "type=dir;unique=S; s", "type=file;unique=1; f"]),
        // A directory is tried with DELE first: a real one refuses it, and is entered.
        exchange("DELE t/s", "550 Is a directory"),
        listing("MLSD t/s", &["type=OS.unix=slink:/;unique=L; l", "type=file;unique=2; g"]),
        exchange("DELE t/s/l", "250 ok"),
        exchange("DELE t/s/g", "250 ok"),
        exchange("RMD t/s", "250 ok"),
        exchange("DELE t/f", "250 ok"),
        exchange("RMD t", "250 ok"),
    ]);
    ftp.remove_tree("t").unwrap();
    done(server, ftp);
}

#[test]
fn remove_tree_deletes_a_link_listed_as_a_directory_and_never_goes_into_it() {
    // pyftpdlib's MLSD follows links: "important" is a link to a directory elsewhere.
    let (server, mut ftp) = session(vec![
        exchange("FEAT", FEAT_TREE),
        listing("MLSD t", &["type=cdir;unique=T; .", "type=dir;unique=X; important"]),
        exchange("DELE t/important", "250 link removed"),
        exchange("RMD t", "250 ok"),
    ]);
    ftp.remove_tree("t").unwrap();
    // Nothing under the link was listed or deleted.
    assert_never_sent(&done(server, ftp), &["MLSD t/important", "DELE t/important/"]);
}

#[test]
fn remove_tree_stops_at_a_refused_delete_or_an_unsafe_name() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", FEAT_TREE),
        listing("MLSD t", &["type=file;unique=1; f", "type=file;unique=2; g"]),
        exchange("DELE t/f", "550 permission denied"),
        listing("MLSD t", &["type=file;unique=3; a/b"]),
    ]);
    let e = ftp.remove_tree("t").unwrap_err();
    assert_eq!((e.kind(), e.reply().map(|r| r.code)), (ErrorKind::Perm, Some(550)));
    let e = ftp.remove_tree("t").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    for root in ["", "/", "//", ".", "./", "/.", "./."] {
        assert_eq!(ftp.remove_tree(root).unwrap_err().kind(), ErrorKind::Invalid);
    }
    assert_never_sent(&done(server, ftp), &["RMD", "DELE t/g"]);
}

#[test]
fn mlst_parses_the_one_entry_and_falls_back_to_the_parents_listing() {
    let (server, mut ftp) = session(vec![
        exchange("FEAT", "211-x\r\n MLST type*;size*;modify*;\r\n211 End"),
        exchange("MLST /a/f", "250-Listing /a/f\r\n type=file;size=42;modify=20200102000000; /a/f\r\n250 End"),
        exchange("MLST /a/none", "550 no such file"),
    ]);
    let e = ftp.mlst("/a/f").unwrap();
    assert_eq!((e.name.as_slice(), e.kind, e.size), (&b"/a/f"[..], EntryType::File, Some(42)));
    assert_eq!(e.modified.unwrap().secs, 1_577_923_200);
    assert_eq!(ftp.mlst("/a/none").unwrap_err().kind(), ErrorKind::Perm);
    done(server, ftp);

    // No MLST: the parent is listed (LIST), and the entry of that name taken.
    let (server, mut ftp) = session(vec![
        exchange("FEAT", "211-x\r\n SIZE\r\n211 End"),
        listing("LIST /a", &["-rw-r--r-- 1 u g 42 Jan 02  2020 f", "drwxr-xr-x 2 u g 4096 Jan 02  2020 d"]),
        listing("LIST /a", &["-rw-r--r-- 1 u g 42 Jan 02  2020 f"]),
    ]);
    let e = ftp.mlst("/a/d/").unwrap();
    assert_eq!((e.name.as_slice(), e.kind), (&b"d"[..], EntryType::Dir));
    assert_eq!(ftp.mlst("/a/gone").unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.mlst("/").unwrap_err().kind(), ErrorKind::Proto);
    done(server, ftp);
}

type Seen = Arc<Mutex<Vec<Progress>>>;

fn recording(ftp: &mut Ftp, stop_after: Option<u64>) -> Seen {
    let seen: Seen = Arc::default();
    let s2 = Arc::clone(&seen);
    ftp.set_progress(
        Some(Box::new(move |p: &Progress| {
            s2.lock().unwrap().push(*p);
            if stop_after.is_some_and(|n| p.bytes >= n) { Flow::Break(()) } else { Flow::Continue(()) }
        })),
        Duration::ZERO,
    );
    seen
}

fn retr(rest: Option<u64>, announce: &str, data: &[u8]) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv]);
    if let Some(r) = rest {
        s.extend(exchange(&format!("REST {r}"), "350 ok"));
    }
    s.extend([expect("RETR f"), reply(announce), Step::DataAccept]);
    s.extend([Step::DataSend(data.to_vec()), Step::DataClose, reply("226 done")]);
    s
}

#[test]
fn a_whole_download_with_a_progress_sink_asks_size_when_the_150_has_none() {
    let local = temp_dir("progress-size").join("f");
    let (server, mut ftp) = session(vec![size("f", "213 3000"), retr(None, "150 here", &[1u8; 3000])]);
    let seen = recording(&mut ftp, None);
    assert_eq!(ftp.retr_file("f", &local, FileOptions::default()).unwrap(), 3000);
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|p| p.total == Some(3000) && p.offset == 0), "{seen:?}");
    // At interval 0 every block is reported once, and the last is not repeated.
    assert!(seen.windows(2).all(|w| w[0].bytes < w[1].bytes), "{seen:?}");
    assert_eq!(seen.last().unwrap().bytes, 3000);
    done(server, ftp);
}

#[test]
fn without_a_sink_no_size_is_asked() {
    let local = temp_dir("progress-nosize").join("f");
    let (server, mut ftp) = session(vec![retr(None, "150 here", b"abc")]);
    assert_eq!(ftp.retr_file("f", &local, FileOptions::default()).unwrap(), 3);
    assert_never_sent(&done(server, ftp), &["SIZE"]);
}

#[test]
fn a_resumed_download_reports_its_offset_beside_the_bytes_moved() {
    let local = temp_dir("progress-offset").join("f");
    std::fs::write(&local, [0u8; 1000]).unwrap();
    let (server, mut ftp) = session(vec![size("f", "213 4000"), retr(Some(1000), "150 here", &[2u8; 3000])]);
    let seen = recording(&mut ftp, None);
    let opts = FileOptions { resume: true, ..FileOptions::default() };
    assert_eq!(ftp.retr_file("f", &local, opts).unwrap(), 3000);
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.offset, last.bytes, last.total), (1000, 3000, Some(3000)));
    done(server, ftp);
}

#[test]
fn after_a_cancelled_download_the_session_says_how_much_arrived() {
    let local = temp_dir("progress-cancel").join("f");
    let mut s = size("f", "213 1000000");
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept]);
    s.extend([Step::DataSendUntilCut(vec![1u8; 1_000_000])]);
    s.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose, reply("426 aborted"), reply("226 ok")]);
    s.extend(exchange("NOOP", "200 resync"));
    let (server, mut ftp) = session(vec![s]);
    let _seen = recording(&mut ftp, Some(20_000));
    let e = ftp.retr_file("f", &local, FileOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    let arrived = ftp.last_transfer_bytes();
    assert!(arrived >= 20_000, "{arrived}");
    assert_eq!(std::fs::metadata(&local).unwrap().len(), arrived);
    done(server, ftp);
}

#[test]
fn remove_tree_deletes_a_directorys_links_before_its_files() {
    // GNU inetutils, netkit and ftp-srv stat() what DELE names: a link to a file beside
    // it is refused (550 No such file) once that file is gone, so the link goes first.
    let (server, mut ftp) = session(vec![
        exchange("FEAT", "211-x\r\n SIZE\r\n211 End"),
        listing("LIST t", &["-rw-r--r-- 1 u g 2 Jan 02  2020 g", "lrwxrwxrwx 1 u g 1 Jan 02  2020 lnk -> g"]),
        exchange("DELE t/lnk", "250 ok"),
        exchange("DELE t/g", "250 ok"),
        exchange("RMD t", "250 ok"),
    ]);
    ftp.remove_tree("t").unwrap();
    done(server, ftp);
}

#[test]
fn a_list_path_with_a_blank_is_listed_from_inside_and_ls_complaints_are_no_entries() {
    // Servers that run ls (GNU inetutils, netkit) split "LIST a b" into two paths, and
    // send ls's complaint about a missing path as the listing, with a 226.
    let (server, mut ftp) = session(vec![
        exchange("FEAT", "211-x\r\n SIZE\r\n211 End"),
        exchange("PWD", "257 \"/home/u\" is current"),
        exchange("CWD deeper dir", "250 ok"),
        listing("LIST", &["-rw-r--r-- 1 u g 2 Jan 02  2020 x y.txt"]),
        exchange("CWD /home/u", "250 ok"),
        listing("LIST gone", &["gone: No such file or directory"]),
        listing("LIST other", &["/bin/ls: cannot access 'other': No such file or directory"]),
        // A line in no known format that is no complaint stays an entry.
        listing("LIST odd", &["something else"]),
        // Nor is another complaint: an unreadable directory must not look empty.
        listing("LIST locked", &["/bin/ls: cannot open directory 'locked': Permission denied"]),
        exchange("PWD", "257 \"/home/u\" is current"),
        exchange("CWD missing dir", "550 No such directory"),
    ]);
    let listed = ftp.list_all("deeper dir").unwrap();
    assert_eq!((listed.len(), listed[0].name.as_slice()), (1, &b"x y.txt"[..]));
    assert!(ftp.list_all("gone").unwrap().is_empty());
    assert!(ftp.list_all("other").unwrap().is_empty());
    assert_eq!(ftp.list_all("odd").unwrap()[0].kind, EntryType::Unknown);
    assert_eq!(ftp.list_all("locked").unwrap()[0].kind, EntryType::Unknown);
    assert_eq!(ftp.list_all("missing dir").unwrap_err().kind(), ErrorKind::Perm);
    done(server, ftp);
}

#[test]
fn a_feat_that_names_no_mlst_facts_gets_no_empty_opts_mlst() {
    // unftp lists "MLST" alone, and ends the connection on an OPTS MLST it cannot
    // parse; after a caller's own OPTS MLST, a parsed listing asks again for the facts
    // FEAT offers: here none, and an empty list would ask for no facts at all.
    let (server, mut ftp) = session(vec![
        exchange("OPTS MLST size;", "200 ok"),
        listing("MLSD", &["size=1; a"]),
        exchange("FEAT", "211-x\r\n MLST\r\n MLSD\r\n211 End"),
        listing("MLSD", &["type=file;size=1; a"]),
    ]);
    ftp.mlsd("", &["size"], |_| Flow::Continue(())).unwrap();
    assert_eq!(ftp.list_all("").unwrap()[0].kind, EntryType::File);
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("OPTS")).count(), 1, "{:?}", t.commands);
}
