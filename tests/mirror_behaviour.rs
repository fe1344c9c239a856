//! Mirroring against the scripted fake server: names that could escape the target are
//! refused and nothing is written outside it.

mod common;

use common::fake_server::{FakeServer, Step, connected_with};
use common::script::{exchange, expect, quit, reply};
use common::temp_dir;
use ftp::{Flow, Ftp, MirrorAction, MirrorOptions};

/// A client connected to a server that runs `script` after its welcome.
fn connected(script: Vec<Step>) -> (FakeServer, Ftp) {
    connected_with(script, |ftp| ftp.set_feat_after_login(false))
}

/// A mirror's result, and each action it reported with its path.
type Mirrored = (ftp::Result<ftp::MirrorStats>, Vec<(MirrorAction, String)>);

/// Mirrors the server's /pub into `dir` (`up`: `dir` into /pub).
fn mirror(ftp: &mut Ftp, up: bool, dir: &std::path::Path, opts: &MirrorOptions) -> Mirrored {
    let mut seen = Vec::new();
    let mut note = |a, p: &[u8], _| {
        seen.push((a, String::from_utf8_lossy(p).into_owned()));
        Flow::Continue(())
    };
    let result = if up {
        ftp.mirror_upload(dir, "/pub", opts, &mut note)
    } else {
        ftp.mirror_download("/pub", dir, opts, &mut note)
    };
    (result, seen)
}

fn download(ftp: &mut Ftp, dir: &std::path::Path, opts: &MirrorOptions) -> Mirrored {
    mirror(ftp, false, dir, opts)
}

/// After the welcome: a mirror of /pub from /home whose first listing is `listing`,
/// then `then`, then the CWD back home and QUIT.
fn walk(listing: Vec<Step>, then: Vec<Step>) -> Vec<Step> {
    let mut s = exchange("PWD", "257 \"/home\"");
    s.extend(exchange("CWD /pub", "250 ok"));
    s.extend(exchange("PWD", "257 \"/pub\""));
    s.extend(listing);
    s.extend(then);
    s.extend(exchange("CWD /home", "250 ok"));
    s.extend(quit());
    s
}

/// `walk` with a server whose FEAT has no MLST, listing /pub as `listing` with LIST.
fn list_script(listing: &str, then: Vec<Step>) -> Vec<Step> {
    let mut s = exchange("FEAT", "500 no");
    s.extend(exchange("TYPE A", "200 ascii"));
    s.extend([expect("EPSV"), Step::Epsv, expect("LIST"), reply("150 here")]);
    s.extend([Step::DataAccept, Step::DataSend(listing.as_bytes().to_vec()), Step::DataClose, reply("226 ok")]);
    walk(s, then)
}

/// An MLSD listing of the working directory; `first` adds the FEAT and TYPE A that
/// only the first listing of a session sends.
fn mlsd(listing: &str, first: bool) -> Vec<Step> {
    let mut s = Vec::new();
    if first {
        s.extend(exchange("FEAT", "211-x\r\n MLST type*;size*;\r\n211 end"));
        s.extend(exchange("TYPE A", "200 ascii"));
    }
    s.extend([expect("EPSV"), Step::Epsv, expect("MLSD"), reply("150 here")]);
    s.extend([Step::DataAccept, Step::DataSend(listing.as_bytes().to_vec()), Step::DataClose, reply("226 ok")]);
    s
}

/// `walk` with /pub listed by MLSD as `listing`.
fn mlsd_script(listing: &str, then: Vec<Step>) -> Vec<Step> {
    walk(mlsd(listing, true), then)
}

/// TYPE I (when `first`), EPSV and RETR `name`, answered with `data` and `end`.
fn retr(name: &str, data: &[u8], end: &str, first: bool) -> Vec<Step> {
    let mut s = if first { exchange("TYPE I", "200 binary") } else { Vec::new() };
    s.extend([expect("EPSV"), Step::Epsv, expect(&format!("RETR {name}")), reply("150 go")]);
    s.extend([Step::DataAccept, Step::DataSend(data.to_vec()), Step::DataClose, reply(end)]);
    s
}

/// `retr` for a connection's first download with more to come in the directory: its
/// end carries the order probe (a NOOP, answered in turn; see `ended_with_probe`).
fn retr_probed(name: &str, data: &[u8], end: &str) -> Vec<Step> {
    let mut s = retr(name, data, end, true);
    s.pop();
    s.extend([expect("NOOP"), reply(end), reply("200 NOOP ok")]);
    s
}

#[test]
fn hostile_names_from_the_server_are_refused() {
    let listing = "type=file;size=4; ../escape\r\ntype=file;size=4; a/b\r\ntype=file;size=4; back\\slash\r\n\
                   type=dir; ..\r\ntype=pdir; ..\r\ntype=file;size=2; ok.txt\r\n";
    let (server, mut ftp) = connected(mlsd_script(listing, retr("ok.txt", b"ok", "226 ok", true)));

    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mirror-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let target = root.join("target");
    let (stats, seen) = download(&mut ftp, &target, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!(stats.refused, 4, "{seen:?}");
    assert_eq!(stats.files_transferred, 1);
    assert!(seen.contains(&(MirrorAction::Refused, "../escape".into())));
    assert!(seen.contains(&(MirrorAction::Get, "ok.txt".into())));
    // Only ok.txt exists, inside the target; nothing beside it.
    let mut inside: Vec<_> = std::fs::read_dir(&target).unwrap().map(|d| d.unwrap().file_name()).collect();
    inside.sort();
    assert_eq!(inside, vec![std::ffi::OsString::from("ok.txt")]);
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "nothing written next to the target");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn an_interrupt_that_comes_as_a_file_ends_stops_the_mirror() {
    // The interrupt lands in the final progress report of "a": too late for a's
    // transfer, which ends well, but the call was interrupted: "b" is not fetched.
    let listing = "type=file;size=2; a\r\ntype=file;size=2; b\r\n";
    // "a" comes in two pieces: the first is reported as it comes, the second (within
    // the hour's interval) only by the final report, which is where the interrupt lands.
    let mut then = exchange("TYPE I", "200 binary");
    then.extend([expect("EPSV"), Step::Epsv, expect("RETR a"), reply("150 go"), Step::DataAccept]);
    then.extend([Step::DataSendSplit(vec![b"a".to_vec(), b"a".to_vec()]), Step::DataClose, reply("226 ok")]);
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("mirror-interrupted");
    let interrupter = ftp.interrupter();
    // Calls marked as the C API marks them: the interrupt holds for the whole call.
    interrupter.set_idle(false);
    ftp.set_progress(
        Some(Box::new(move |p: &ftp::Progress| {
            if p.bytes == 2 {
                interrupter.interrupt();
            }
            Flow::Continue(())
        })),
        std::time::Duration::from_secs(3600),
    );
    let (result, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    assert_eq!(result.unwrap_err().kind(), ftp::ErrorKind::Interrupted, "{seen:?}");
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"aa");
    assert!(!dir.join("b").exists());
    ftp.quit().unwrap();
    let t = server.finish();
    assert!(!t.commands.iter().any(|c| c == "RETR b"), "{:?}", t.commands);
}

#[test]
fn symlinks_are_skipped_by_default_and_fetched_when_followed() {
    let listing = "lrwxrwxrwx 1 u g 3 Jan  1  2020 link -> one\r\n";
    let target =
        |n: &str| std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("links-{n}-{}", std::process::id()));
    for follow in [false, true] {
        let mut then = Vec::new();
        if follow {
            then.extend(exchange("TYPE I", "200 binary"));
            then.extend([expect("EPSV"), Step::Epsv, expect("RETR link"), reply("150 go")]);
            then.extend([Step::DataAccept, Step::DataSend(b"one".to_vec()), Step::DataClose, reply("226 ok")]);
        }
        let (server, mut ftp) = connected(list_script(listing, then));
        let dir = target(if follow { "follow" } else { "skip" });
        let _ = std::fs::remove_dir_all(&dir);
        let opts = MirrorOptions {
            symlinks: if follow { ftp::SymlinkPolicy::Follow } else { ftp::SymlinkPolicy::Skip },
            ..MirrorOptions::default()
        };
        let mut actions = Vec::new();
        ftp.mirror_download("/pub", &dir, &opts, &mut |a, _, _| {
            actions.push(a);
            Flow::Continue(())
        })
        .unwrap();
        if follow {
            assert_eq!(actions, vec![MirrorAction::Get]);
            assert_eq!(std::fs::read(dir.join("link")).unwrap(), b"one");
        } else {
            assert_eq!(actions, vec![MirrorAction::SkippedLink]);
            assert!(!dir.join("link").exists());
        }
        ftp.quit().unwrap();
        server.finish();
    }
}

#[test]
fn a_dry_run_upload_into_a_missing_directory_reports_everything_and_sends_no_change() {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dry-up-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("a.txt"), b"aa").unwrap();
    std::fs::write(root.join("sub/b.txt"), b"bbb").unwrap();
    let mut script = exchange("PWD", "257 \"/home\"");
    script.extend(exchange("CWD /new", "550 no such directory"));
    script.extend(exchange("CWD /home", "250 ok"));
    script.extend(quit());
    let (server, mut ftp) = connected(script);
    let opts = MirrorOptions { dry_run: true, ..MirrorOptions::default() };
    let mut seen = Vec::new();
    let stats = ftp
        .mirror_upload(&root, "/new", &opts, &mut |a, path, size| {
            seen.push((a, String::from_utf8_lossy(path).into_owned(), size));
            Flow::Continue(())
        })
        .unwrap();
    assert_eq!(
        seen,
        vec![
            (MirrorAction::Put, "a.txt".into(), Some(2)),
            (MirrorAction::MakeDir, "sub".into(), None),
            (MirrorAction::Put, "sub/b.txt".into(), Some(3)),
        ]
    );
    assert_eq!((stats.files_transferred, stats.dirs_created, stats.bytes_transferred), (2, 1, 0));
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_pwd_reply_without_a_path_stops_a_mirror_before_it_starts() {
    // Paths built on an empty directory would lead into the server's root instead.
    let (server, mut ftp) = connected([exchange("PWD", "257 /srv is the current directory"), quit()].concat());
    let e = ftp
        .mirror_download("/pub", &temp_dir("nopwd"), &MirrorOptions::default(), &mut |_, _, _| Flow::Continue(()))
        .unwrap_err();
    assert_eq!(e.kind(), ftp::ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("names no directory"), "{e}");
    ftp.quit().unwrap();
    assert_eq!(server.finish().commands, vec!["PWD", "QUIT"]);
}

#[test]
fn a_local_symlink_where_the_server_has_a_directory_is_refused_not_followed() {
    let root = temp_dir("symdir");
    let outside = root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), b"precious").unwrap();
    let target = root.join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::os::unix::fs::symlink(&outside, target.join("data")).unwrap();

    let (server, mut ftp) = connected(mlsd_script("type=dir; data\r\n", Vec::new()));
    let opts = MirrorOptions { delete: true, ..MirrorOptions::default() };
    let (stats, seen) = download(&mut ftp, &target, &opts);
    let stats = stats.unwrap();
    assert_eq!(seen, vec![(MirrorAction::Refused, "data".to_string())]);
    assert_eq!(stats.refused, 1);
    assert_eq!(std::fs::read(outside.join("keep.txt")).unwrap(), b"precious", "nothing deleted through the link");
    assert!(std::fs::symlink_metadata(target.join("data")).unwrap().file_type().is_symlink());
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_tree_deeper_than_the_bound_is_a_failure_not_a_stack_overflow() {
    // A server that lists a directory "a" inside every directory, as a loop would.
    let mut deeper = Vec::new();
    let mut dir = String::from("/pub");
    for _ in 1..=ftp::MAX_MIRROR_DEPTH {
        dir.push_str("/a");
        deeper.extend(exchange(&format!("CWD {dir}"), "250 ok"));
        deeper.extend(mlsd("type=dir; a\r\n", false));
    }
    let (server, mut ftp) = connected(mlsd_script("type=dir; a\r\n", deeper));
    let target = temp_dir("deep");
    let stats =
        ftp.mirror_download("/pub", &target, &MirrorOptions::default(), &mut |_, _, _| Flow::Continue(())).unwrap();
    // One failure, for the directory one level too deep; the mirror went on (and back).
    assert_eq!(stats.failures.len(), 1, "{stats:?}");
    let f = &stats.failures[0];
    assert_eq!((f.kind, f.path.len()), (ftp::ErrorKind::Proto, 2 * (ftp::MAX_MIRROR_DEPTH + 1) - 1));
    assert!(f.message.contains("directories deep"), "{}", f.message);
    // Made down to the bound, and not one level further.
    let deepest = target.join(vec!["a"; ftp::MAX_MIRROR_DEPTH].join("/"));
    assert!(deepest.is_dir());
    assert!(!deepest.join("a").exists());
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn followed_links_ignore_the_links_own_size_and_a_link_to_a_directory_is_left_out() {
    // LIST gives a link's own length (7, "big.bin"), not its target's (1000 bytes).
    let listing = "lrwxrwxrwx 1 u g 7 Jan  1  2020 big -> big.bin\r\nlrwxrwxrwx 1 u g 3 Jan  1  2020 sub -> dir\r\n";
    let mut then = exchange("TYPE I", "200 binary");
    then.extend([expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 go")]);
    then.extend([Step::DataAccept, Step::DataSend(vec![7u8; 1000]), Step::DataClose]);
    then.extend([expect("NOOP"), reply("226 ok"), reply("200 NOOP ok")]);
    then.extend([expect("EPSV"), Step::Epsv, expect("RETR sub"), reply("550 not a plain file")]);
    let (server, mut ftp) = connected(list_script(listing, then));
    let dir = temp_dir("follow-size");
    let opts = MirrorOptions { symlinks: ftp::SymlinkPolicy::Follow, ..MirrorOptions::default() };
    let (stats, seen) = download(&mut ftp, &dir, &opts);
    let stats = stats.unwrap();
    assert_eq!(
        seen,
        vec![
            (MirrorAction::Get, "big".to_string()),
            // A download is reported once it is done: this one never was.
            (MirrorAction::SkippedLink, "sub".to_string()),
        ]
    );
    assert_eq!((stats.files_transferred, stats.bytes_transferred, stats.skipped), (1, 1000, 1));
    assert_eq!(std::fs::read(dir.join("big")).unwrap().len(), 1000);
    assert!(!dir.join("sub").exists() && !dir.join("sub.part").exists());
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_followed_link_where_a_local_directory_is_leaves_the_directory() {
    // The server turned the directory "latest" into a link to one.
    let dir = temp_dir("link-over-dir");
    std::fs::create_dir_all(dir.join("latest")).unwrap();
    std::fs::write(dir.join("latest/kept.txt"), b"kept").unwrap();
    let (server, mut ftp) = connected(list_script("lrwxrwxrwx 1 u g 3 Jan  1  2020 latest -> 1.2\r\n", Vec::new()));
    let opts = MirrorOptions { symlinks: ftp::SymlinkPolicy::Follow, ..MirrorOptions::default() };
    let (stats, seen) = download(&mut ftp, &dir, &opts);
    stats.unwrap();
    assert_eq!(seen, vec![(MirrorAction::SkippedLink, "latest".to_string())]);
    assert_eq!(std::fs::read(dir.join("latest/kept.txt")).unwrap(), b"kept");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_file_on_the_server_replaces_a_local_directory_only_when_deleting() {
    for delete in [false, true] {
        let then = if delete { retr("docs", b"file", "226 ok", true) } else { Vec::new() };
        let (server, mut ftp) = connected(mlsd_script("type=file;size=4; docs\r\n", then));
        let dir = temp_dir(if delete { "dir-to-file-delete" } else { "dir-to-file" });
        std::fs::create_dir_all(dir.join("docs")).unwrap();
        std::fs::write(dir.join("docs/only-here.txt"), b"local").unwrap();
        let opts = MirrorOptions { delete, ..MirrorOptions::default() };
        let (stats, seen) = download(&mut ftp, &dir, &opts);
        stats.unwrap();
        if delete {
            assert_eq!(seen, vec![(MirrorAction::Get, "docs".to_string())]);
            assert_eq!(std::fs::read(dir.join("docs")).unwrap(), b"file");
        } else {
            assert_eq!(seen, vec![(MirrorAction::Refused, "docs".to_string())]);
            assert_eq!(std::fs::read(dir.join("docs/only-here.txt")).unwrap(), b"local");
        }
        ftp.quit().unwrap();
        server.finish();
    }
}

#[test]
fn deleting_keeps_local_files_the_listing_names_in_a_form_not_understood() {
    // An ISO-date LIST line parses as neither Unix nor DOS: which name it lists is
    // unknown, so no local file of that directory is the server's to delete. A
    // directory whose lines all parse still deletes what it does not list.
    let understood = "-rw-r--r-- 1 u g 5 Jan 16  2024 kept.txt\r\n";
    for listing in ["-rw-r--r-- 1 u g 5 2024-01-16 14:15 kept.txt\r\n", understood] {
        let known = listing == understood;
        let then = if known { retr("kept.txt", b"fresh", "226 ok", true) } else { Vec::new() };
        let (server, mut ftp) = connected(list_script(listing, then));
        let dir = temp_dir("unknown-kept");
        std::fs::write(dir.join("kept.txt"), b"local").unwrap();
        std::fs::write(dir.join("gone.txt"), b"extra").unwrap();
        let opts = MirrorOptions { delete: true, ..MirrorOptions::default() };
        let (stats, seen) = download(&mut ftp, &dir, &opts);
        let stats = stats.unwrap();
        if known {
            let want = [(MirrorAction::Get, "kept.txt".to_string()), (MirrorAction::Delete, "gone.txt".to_string())];
            assert_eq!(seen, want);
            assert_eq!(std::fs::read(dir.join("kept.txt")).unwrap(), b"fresh");
        } else {
            assert_eq!(seen, []);
            assert_eq!(std::fs::read(dir.join("kept.txt")).unwrap(), b"local");
        }
        assert_eq!(stats.deleted, u64::from(known));
        assert_eq!(dir.join("gone.txt").exists(), !known);
        ftp.quit().unwrap();
        server.finish();
    }
}

#[test]
fn a_name_listed_twice_is_mirrored_once() {
    let listing = "type=file;size=3; a\r\ntype=file;size=3; a\r\ntype=dir; d\r\ntype=dir; d\r\n";
    let mut then = retr("a", b"aaa", "226 ok", true);
    then.extend(exchange("CWD /pub/d", "250 ok"));
    then.extend(exchange("TYPE A", "200 ascii"));
    then.extend(mlsd("", false));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("twice");
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!(seen, vec![(MirrorAction::Get, "a".to_string()), (MirrorAction::MakeDir, "d".to_string())]);
    assert_eq!((stats.files_transferred, stats.dirs_created), (1, 1));
    ftp.quit().unwrap();
    let t = server.finish();
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("RETR")).count(), 1, "{:?}", t.commands);
}

#[test]
fn a_download_short_of_the_listed_size_leaves_the_old_copy_in_place_and_the_mirror_goes_on() {
    let mut then = retr_probed("f", b"short", "226 ok");
    then.extend(retr("g", b"gg", "226 ok", false));
    let (server, mut ftp) = connected(mlsd_script("type=file;size=10; f\r\ntype=file;size=2; g\r\n", then));
    let dir = temp_dir("short-mirror");
    std::fs::write(dir.join("f"), b"old").unwrap();
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!(stats.failures.len(), 1, "{stats:?}");
    let f = &stats.failures[0];
    assert_eq!((f.path.as_slice(), f.kind, f.reply_code), (&b"f"[..], ftp::ErrorKind::Proto, None));
    assert!(f.message.contains("the listing said 10"), "{}", f.message);
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"old", "the good copy is not replaced by a short one");
    assert_eq!(std::fs::read(dir.join("g")).unwrap(), b"gg", "the next file is fetched");
    assert_eq!(seen, [(MirrorAction::Failed, "f".to_string()), (MirrorAction::Get, "g".to_string())]);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_file_the_server_refuses_is_a_failure_and_its_directory_keeps_what_deleting_would_remove() {
    // b is refused (550): a and c are fetched; with deleting asked for, the local extra
    // in /pub stays (an entry there failed), while the one in /pub/sub goes.
    let listing = "type=file;size=1; a\r\ntype=file;size=1; b\r\ntype=file;size=1; c\r\ntype=dir; sub\r\n";
    let mut then = retr_probed("a", b"a", "226 ok");
    then.extend([expect("EPSV"), Step::Epsv, expect("RETR b"), reply("550 Permission denied.")]);
    then.extend(retr("c", b"c", "226 ok", false));
    then.extend(exchange("CWD /pub/sub", "250 ok"));
    then.extend(exchange("TYPE A", "200 ascii"));
    then.extend(mlsd("type=file;size=1; d\r\n", false));
    then.extend(retr("d", b"d", "226 ok", true));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("mirror-refused-file");
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("extra"), b"x").unwrap();
    std::fs::write(dir.join("sub/extra"), b"x").unwrap();
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions { delete: true, ..MirrorOptions::default() });
    let stats = stats.unwrap();
    assert_eq!(stats.files_transferred, 3);
    assert_eq!(stats.failures.len(), 1);
    let f = &stats.failures[0];
    assert_eq!((f.path.as_slice(), f.kind, f.reply_code), (&b"b"[..], ftp::ErrorKind::Perm, Some(550)));
    assert!(seen.contains(&(MirrorAction::Failed, "b".to_string())), "{seen:?}");
    assert!(!seen.contains(&(MirrorAction::Get, "b".to_string())), "reported as fetched: {seen:?}");
    assert!(!dir.join("b").exists() && !dir.join("b.part").exists());
    assert!(dir.join("extra").exists(), "deleted in a directory where an entry failed");
    assert!(!dir.join("sub/extra").exists(), "not deleted where everything worked");
    assert_eq!(std::fs::read(dir.join("sub/d")).unwrap(), b"d");
    assert_eq!(stats.deleted, 1);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_directory_the_server_will_not_list_is_a_failure_and_the_others_are_mirrored() {
    let listing = "type=dir; locked\r\ntype=dir; open\r\n";
    let mut then = exchange("CWD /pub/locked", "550 Failed to change directory.");
    then.extend(exchange("CWD /pub/open", "250 ok"));
    then.extend(mlsd("type=file;size=2; x\r\n", false));
    then.extend(retr("x", b"xx", "226 ok", true));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("mirror-locked-dir");
    let (stats, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!(stats.failures.len(), 1);
    assert_eq!((stats.failures[0].path.as_slice(), stats.failures[0].reply_code), (&b"locked"[..], Some(550)));
    assert_eq!(std::fs::read(dir.join("open/x")).unwrap(), b"xx");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_name_too_long_for_the_local_file_system_is_a_failure_not_the_end() {
    // 300 bytes: the server may have it, ext4 and tmpfs take 255. Nothing is asked of
    // the server for it (the local file cannot even be opened).
    let long = "n".repeat(300);
    let listing = format!("type=dir; {long}\r\ntype=file;size=1; {long}.txt\r\ntype=file;size=2; ok\r\n");
    let (server, mut ftp) = connected(mlsd_script(&listing, retr("ok", b"ok", "226 ok", true)));
    let dir = temp_dir("mirror-long-name");
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    let failed: Vec<_> = stats.failures.iter().map(|f| (f.path.len(), f.kind)).collect();
    assert_eq!(failed, [(304, ftp::ErrorKind::Io), (300, ftp::ErrorKind::Io)], "{stats:?}");
    assert!(stats.failures.iter().all(|f| f.message.contains("File name too long")), "{stats:?}");
    assert_eq!(std::fs::read(dir.join("ok")).unwrap(), b"ok");
    assert_eq!(seen.iter().filter(|(a, _)| *a == MirrorAction::Failed).count(), 2);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_lost_control_connection_still_ends_the_mirror() {
    let listing = "type=file;size=1; a\r\ntype=file;size=1; b\r\n";
    let mut s = exchange("PWD", "257 \"/home\"");
    s.extend(exchange("CWD /pub", "250 ok"));
    s.extend(exchange("PWD", "257 \"/pub\""));
    s.extend(mlsd(listing, true));
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR a"), reply("421 Timeout."), Step::Close]);
    let (server, mut ftp) = connected(s);
    let dir = temp_dir("mirror-lost");
    let (result, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let e = result.unwrap_err();
    assert!(matches!(e.kind(), ftp::ErrorKind::Temp | ftp::ErrorKind::Closed), "{e}");
    assert!(!ftp.is_usable());
    let t = server.finish();
    assert!(!t.commands.iter().any(|c| c == "RETR b"), "{:?}", t.commands);
}

#[test]
fn a_listed_name_part_is_not_taken_for_the_download_of_name() {
    // Both files are mirrored whole; "a" is written in place since "a.part" is the
    // server's own file here.
    let listing = "type=file;size=4; a.part\r\ntype=file;size=3; a\r\n";
    let mut then = retr_probed("a.part", b"part", "226 ok");
    then.extend(retr("a", b"aaa", "226 ok", false));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("part-clash");
    let (stats, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    assert_eq!(stats.unwrap().files_transferred, 2);
    assert_eq!(std::fs::read(dir.join("a.part")).unwrap(), b"part");
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"aaa");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_local_directory_named_name_part_does_not_stop_the_download_of_name() {
    let (server, mut ftp) = connected(mlsd_script("type=file;size=3; a\r\n", retr("a", b"aaa", "226 ok", true)));
    let dir = temp_dir("part-dir");
    std::fs::create_dir(dir.join("a.part")).unwrap();
    std::fs::write(dir.join("a.part").join("kept"), b"k").unwrap();
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    assert_eq!(stats.unwrap().files_transferred, 1, "{seen:?}");
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"aaa");
    assert_eq!(std::fs::read(dir.join("a.part").join("kept")).unwrap(), b"k");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_directory_with_the_unique_id_of_one_being_walked_is_a_loop_and_refused() {
    // /pub/a lists a link back to /pub and one to itself, both shown as directories;
    // MLSD's "unique" fact gives them away. Without it the walk would branch until the
    // depth bound, twice per level.
    let mut then = exchange("CWD /pub/a", "250 ok");
    then.extend(mlsd("type=cdir;unique=A; .\r\ntype=dir;unique=R; up\r\ntype=dir;unique=A; self\r\n", false));
    let (server, mut ftp) = connected(mlsd_script("type=cdir;unique=R; .\r\ntype=dir;unique=A; a\r\n", then));
    let dir = temp_dir("unique-loop");
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    assert_eq!(stats.unwrap().refused, 2);
    assert_eq!(
        seen,
        vec![
            (MirrorAction::MakeDir, "a".to_string()),
            (MirrorAction::Refused, "a/up".to_string()),
            (MirrorAction::Refused, "a/self".to_string()),
        ]
    );
    assert!(!dir.join("a/up").exists() && !dir.join("a/self").exists());
    ftp.quit().unwrap();
    server.finish();
}

/// Bind mounts, undone when dropped: two names for one file or directory, as a file
/// system that ignores case gives "README" and "readme".
struct Aliases(Vec<std::path::PathBuf>);

impl Aliases {
    /// In `dir`, makes each pair's second name show its first (an existing file or
    /// directory). None where mounting is not allowed (not root): a failure under CI.
    fn of(dir: &std::path::Path, pairs: &[(&str, &str)]) -> Option<Aliases> {
        let mut aliases = Aliases(Vec::new());
        for (target, alias) in pairs {
            let (target, alias) = (dir.join(target), dir.join(alias));
            if target.is_dir() {
                std::fs::create_dir(&alias).unwrap();
            } else {
                std::fs::write(&alias, b"").unwrap();
            }
            let mounted = std::process::Command::new("mount")
                .arg("--bind")
                .args([&target, &alias])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !mounted {
                assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "bind mounts are needed (run as root)");
                eprintln!("skipped: bind mounts need root");
                return None;
            }
            aliases.0.push(alias);
        }
        Some(aliases)
    }
}

/// Writes a file with the time the listings here give ("modify=20200101000000").
fn dated(path: &std::path::Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800)).unwrap();
}

impl Drop for Aliases {
    fn drop(&mut self) {
        for alias in self.0.iter().rev() {
            let _ = std::process::Command::new("umount").arg(alias).status();
        }
    }
}

#[test]
fn a_name_whose_local_entry_another_listed_name_has_is_refused() {
    let dir = temp_dir("case-folded");
    dated(&dir.join("README"), b"old");
    std::fs::create_dir(dir.join("Docs")).unwrap();
    let Some(_aliases) = Aliases::of(&dir, &[("README", "readme"), ("Docs", "docs")]) else { return };
    // README is up to date; "readme" would overwrite it, and "docs" would be walked
    // into Docs (with deleting on, each would delete what the other has).
    let listing = "type=file;size=3;modify=20200101000000; README\r\ntype=file;size=5; readme\r\n\
                   type=dir; Docs\r\ntype=dir; docs\r\n";
    let mut then = exchange("CWD /pub/Docs", "250 ok");
    then.extend(mlsd("", false));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let opts = MirrorOptions { delete: true, ..MirrorOptions::default() };
    let (stats, seen) = download(&mut ftp, &dir, &opts);
    assert_eq!(stats.unwrap().refused, 2, "{seen:?}");
    assert_eq!(
        seen,
        vec![
            (MirrorAction::Unchanged, "README".to_string()),
            (MirrorAction::Refused, "readme".to_string()),
            (MirrorAction::Refused, "docs".to_string()),
        ]
    );
    assert_eq!(std::fs::read(dir.join("README")).unwrap(), b"old");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn hard_linked_local_copies_are_names_of_their_own() {
    // A mirror deduplicated with hard links (hardlink(1), rdfind) stays up to date.
    let dir = temp_dir("hard-linked");
    dated(&dir.join("a"), b"same");
    std::fs::hard_link(dir.join("a"), dir.join("b")).unwrap();
    let listing = "type=file;size=4;modify=20200101000000; a\r\ntype=file;size=4;modify=20200101000000; b\r\n";
    let (server, mut ftp) = connected(mlsd_script(listing, Vec::new()));
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    assert_eq!(stats.unwrap().unchanged, 2, "{seen:?}");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_local_entry_a_listed_name_reaches_under_another_spelling_is_not_deleted() {
    // On a file system that ignores case, the server's README is the local "readme":
    // deleting "readme" as unlisted would delete the copy just found up to date.
    let dir = temp_dir("case-kept");
    dated(&dir.join("README"), b"old");
    std::fs::write(dir.join("gone"), b"x").unwrap();
    let Some(_aliases) = Aliases::of(&dir, &[("README", "readme")]) else { return };
    let (server, mut ftp) = connected(mlsd_script("type=file;size=3;modify=20200101000000; README\r\n", Vec::new()));
    let opts = MirrorOptions { delete: true, ..MirrorOptions::default() };
    let (stats, seen) = download(&mut ftp, &dir, &opts);
    assert_eq!(stats.unwrap().deleted, 1, "{seen:?}");
    assert_eq!(seen, vec![(MirrorAction::Unchanged, "README".to_string()), (MirrorAction::Delete, "gone".to_string())]);
    assert_eq!(std::fs::read(dir.join("readme")).unwrap(), b"old");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_file_written_in_place_replaces_a_local_link_never_writes_through_it() {
    // "a" is written in place (the server lists "a.part" too); a symbolic link at "a"
    // would carry the download outside the target, a hard link into its other name.
    let root = temp_dir("in-place-link");
    let outside = root.join("outside");
    let dir = root.join("target");
    std::fs::create_dir(&dir).unwrap();
    for hard in [false, true] {
        std::fs::write(&outside, b"keep").unwrap();
        let _ = std::fs::remove_file(dir.join("a"));
        let _ = std::fs::remove_file(dir.join("a.part"));
        if hard {
            std::fs::hard_link(&outside, dir.join("a")).unwrap();
        } else {
            std::os::unix::fs::symlink(&outside, dir.join("a")).unwrap();
        }
        let listing = "type=file;size=4; a.part\r\ntype=file;size=3; a\r\n";
        let mut then = retr_probed("a.part", b"part", "226 ok");
        then.extend(retr("a", b"new", "226 ok", false));
        let (server, mut ftp) = connected(mlsd_script(listing, then));
        let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
        assert_eq!(stats.unwrap().files_transferred, 2, "{seen:?}");
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep", "hard link: {hard}");
        let a = std::fs::symlink_metadata(dir.join("a")).unwrap();
        assert!(a.is_file() && std::os::unix::fs::MetadataExt::nlink(&a) == 1, "hard link: {hard}");
        assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"new");
        ftp.quit().unwrap();
        server.finish();
    }
}

/// After the welcome: an upload mirror into /pub from /home (made with its parents)
/// whose listing of /pub is `listing`, then `then`, the CWD back home and QUIT.
fn upload_script(listing: &str, then: Vec<Step>) -> Vec<Step> {
    let mut s = exchange("PWD", "257 \"/home\"");
    s.extend(exchange("CWD /", "250 ok"));
    s.extend(exchange("CWD pub", "250 ok"));
    s.extend(exchange("CWD /home", "250 ok"));
    s.extend(exchange("PWD", "257 \"/home\""));
    s.extend(exchange("CWD /pub", "250 ok"));
    s.extend(exchange("PWD", "257 \"/pub\""));
    s.extend(mlsd(listing, true));
    s.extend(then);
    s.extend(exchange("CWD /home", "250 ok"));
    s.extend(quit());
    s
}

fn upload(ftp: &mut Ftp, root: &std::path::Path, opts: &MirrorOptions) -> Mirrored {
    mirror(ftp, true, root, opts)
}

#[test]
fn an_upload_never_deletes_a_name_that_differs_from_a_local_one_only_in_case() {
    // On a server that ignores case, STOR readme wrote README: deleting README as a
    // name the local tree lacks would delete the upload.
    let root = temp_dir("mirror-up-case");
    std::fs::write(root.join("readme"), b"hello").unwrap();
    let mut then = exchange("TYPE I", "200 binary");
    then.extend([expect("EPSV"), Step::Epsv, expect("STOR readme"), reply("150 go")]);
    then.extend([Step::DataAccept, Step::DataRecvAll, Step::DataClose, reply("226 ok")]);
    let (server, mut ftp) = connected(upload_script("type=file;size=9; README\r\n", then));
    let (result, seen) = upload(&mut ftp, &root, &MirrorOptions { delete: true, ..MirrorOptions::default() });
    assert_eq!(result.unwrap().deleted, 0);
    assert_eq!(seen, [(MirrorAction::Put, "readme".to_string())]);
    ftp.quit().unwrap();
    let t = server.finish();
    assert!(!t.commands.iter().any(|c| c.starts_with("DELE")), "{:?}", t.commands);
}

#[test]
fn an_upload_never_writes_through_a_link_on_the_server() {
    let root = temp_dir("mirror-up-link");
    std::fs::write(root.join("f"), b"hello").unwrap();
    let (server, mut ftp) = connected(upload_script("type=OS.unix=symlink;size=11; f\r\n", Vec::new()));
    let (result, seen) = upload(&mut ftp, &root, &MirrorOptions::default());
    assert_eq!(result.unwrap().files_transferred, 0);
    assert_eq!(seen, [(MirrorAction::SkippedLink, "f".to_string())]);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_refused_name_is_left_as_it_is_locally_too() {
    let dir = temp_dir("mirror-refused-kept");
    std::fs::write(dir.join("back\\slash"), b"keep me").unwrap();
    let (server, mut ftp) = connected(mlsd_script("type=file;size=7; back\\slash\r\n", Vec::new()));
    let (result, seen) = download(&mut ftp, &dir, &MirrorOptions { delete: true, ..MirrorOptions::default() });
    assert_eq!(result.unwrap().deleted, 0);
    assert_eq!(seen, [(MirrorAction::Refused, "back\\slash".to_string())]);
    assert_eq!(std::fs::read(dir.join("back\\slash")).unwrap(), b"keep me");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn an_upload_the_server_refuses_is_a_failure_and_nothing_is_deleted_beside_it() {
    let root = temp_dir("mirror-up-refused");
    std::fs::write(root.join("a"), b"aa").unwrap();
    std::fs::write(root.join("b"), b"bb").unwrap();
    let mut then = exchange("TYPE I", "200 binary");
    then.extend([expect("EPSV"), Step::Epsv, expect("STOR a"), reply("553 Could not create file.")]);
    then.extend([expect("EPSV"), Step::Epsv, expect("STOR b"), reply("150 go")]);
    then.extend([Step::DataAccept, Step::DataRecvAll, Step::DataClose, reply("226 ok")]);
    let (server, mut ftp) = connected(upload_script("type=file;size=9; old\r\n", then));
    let (result, seen) = upload(&mut ftp, &root, &MirrorOptions { delete: true, ..MirrorOptions::default() });
    let stats = result.unwrap();
    assert_eq!((stats.files_transferred, stats.deleted), (1, 0));
    assert_eq!(stats.failures.len(), 1);
    assert_eq!((stats.failures[0].path.as_slice(), stats.failures[0].reply_code), (&b"a"[..], Some(553)));
    assert_eq!(seen, [(MirrorAction::Failed, "a".to_string()), (MirrorAction::Put, "b".to_string())]);
    ftp.quit().unwrap();
    let t = server.finish();
    assert!(!t.commands.iter().any(|c| c.starts_with("DELE")), "{:?}", t.commands);
}

/// A private pyftpdlib server (several connections at once, unlike the fake server)
/// for the parallel mirror: user "u" (password "p") at `root`, at most `per_ip`
/// connections from one address (0: no limit); files under `root/locked` may be listed
/// but not fetched, `root/hidden` may not even be entered. None where pyftpdlib is
/// missing (outside CI, where that fails the test instead).
struct PyServer {
    child: std::process::Child,
    port: u16,
}

const PY_SERVER: &str = r#"
import logging, sys
logging.basicConfig(level=logging.ERROR)
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
root, per_ip = sys.argv[1], int(sys.argv[2])
a = DummyAuthorizer()
a.add_user("u", "p", root, perm="elradfmwMT")
import os
for d, perm in (("locked", "el"), ("hidden", "")):
    if os.path.isdir(root + "/" + d):
        a.override_perm("u", root + "/" + d, perm, recursive=True)
FTPHandler.authorizer = a
s = FTPServer(("127.0.0.1", 0), FTPHandler)
s.max_cons_per_ip = per_ip
print(s.socket.getsockname()[1], flush=True)
s.serve_forever(handle_exit=False)
"#;

impl PyServer {
    fn start(root: &std::path::Path, per_ip: u32) -> Option<PyServer> {
        use std::io::BufRead;
        let spawned = std::process::Command::new("python3")
            .args(["-c", PY_SERVER])
            .arg(root)
            .arg(per_ip.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => return no_server(&format!("python3: {e}")),
        };
        let mut line = String::new();
        let out = child.stdout.take().unwrap();
        let _ = std::io::BufReader::new(out).read_line(&mut line);
        match line.trim().parse() {
            Ok(port) => Some(PyServer { child, port }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                no_server("pyftpdlib did not start")
            }
        }
    }

    fn session(&self) -> Ftp {
        let mut ftp = Ftp::new();
        ftp.connect("127.0.0.1", self.port, Some(std::time::Duration::from_secs(20)), None).unwrap();
        ftp.login(Some("u"), Some("p"), None).unwrap();
        ftp
    }
}

fn no_server(why: &str) -> Option<PyServer> {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "the parallel mirror tests need pyftpdlib: {why}");
    eprintln!("skipped: {why}");
    None
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tree of `dirs` directories of `files` small files each (and 4 more in two
/// levels of subdirectories), one big file, and the
/// directories "locked" (files refused) and "hidden" (not listable) with a file each.
fn make_tree(root: &std::path::Path, dirs: usize, files: usize) {
    for d in 0..dirs {
        let dir = root.join(format!("d{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..files {
            std::fs::write(dir.join(format!("f{f}")), format!("{d}/{f}").repeat(100 + f)).unwrap();
        }
        // One level deeper: listed by the workers while the walk goes on.
        std::fs::create_dir_all(dir.join("sub/subsub")).unwrap();
        for f in 0..3 {
            std::fs::write(dir.join(format!("sub/s{f}")), format!("sub {d}/{f}")).unwrap();
        }
        std::fs::write(dir.join("sub/subsub/deep"), format!("deep {d}")).unwrap();
    }
    std::fs::write(root.join("big"), (0..3_000_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>()).unwrap();
    for d in ["locked", "hidden"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
        std::fs::write(root.join(d).join("secret"), b"no").unwrap();
    }
}

/// Every file under `dir`, relative path and bytes, sorted.
fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A mirror's steps as a sorted set (a parallel mirror reports in another order).
fn steps(seen: &[(MirrorAction, String)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = seen.iter().map(|(a, p)| (format!("{a:?}"), p.clone())).collect();
    v.sort();
    v
}

/// Sessions from connect parameters, counted: how many were given, how many refused.
struct Counted {
    params: ftp::ConnectParams,
    given: std::sync::atomic::AtomicUsize,
    refused: std::sync::atomic::AtomicUsize,
}

impl ftp::SessionSource for Counted {
    fn open(&self) -> ftp::Result<Ftp> {
        use std::sync::atomic::Ordering::SeqCst;
        let r = self.params.open();
        if r.is_ok() { &self.given } else { &self.refused }.fetch_add(1, SeqCst);
        r
    }
}

#[test]
fn a_parallel_mirror_gets_what_a_serial_one_gets_failures_included() {
    let root = temp_dir("par-src");
    make_tree(&root, 6, 25);
    let Some(server) = PyServer::start(&root, 0) else { return };
    let mut ftp = server.session();
    let opts = |parallel| MirrorOptions { delete: true, parallel, ..MirrorOptions::default() };
    let serial_dir = temp_dir("par-serial");
    let parallel_dir = temp_dir("par-parallel");
    for dir in [&serial_dir, &parallel_dir] {
        // Local extras: kept beside the refused files, deleted where all went well.
        std::fs::create_dir_all(dir.join("locked")).unwrap();
        std::fs::create_dir_all(dir.join("d1")).unwrap();
        std::fs::write(dir.join("locked/extra"), b"x").unwrap();
        std::fs::write(dir.join("d1/extra"), b"x").unwrap();
    }
    let mut seen_serial = Vec::new();
    let serial = ftp
        .mirror_download("/", &serial_dir, &opts(1), &mut |a, p: &[u8], _| {
            seen_serial.push((a, String::from_utf8_lossy(p).into_owned()));
            Flow::Continue(())
        })
        .unwrap();
    let counted = Counted { params: ftp.connect_params().unwrap(), given: 0.into(), refused: 0.into() };
    let main_thread = std::thread::current().id();
    let mut seen_parallel = Vec::new();
    let parallel = ftp
        .mirror_download_with(
            "/",
            &parallel_dir,
            &opts(4),
            &mut |a, p: &[u8], _| {
                assert_eq!(std::thread::current().id(), main_thread, "the sink is called on the caller's thread");
                seen_parallel.push((a, String::from_utf8_lossy(p).into_owned()));
                Flow::Continue(())
            },
            &counted,
        )
        .unwrap();
    // Up to 3 more sessions (fewer only if the others took every file first).
    let given = counted.given.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=3).contains(&given), "{given} more sessions");

    let mut failed: Vec<_> =
        serial.failures.iter().map(|f| (String::from_utf8_lossy(&f.path).into_owned(), f.reply_code)).collect();
    failed.sort();
    assert_eq!(failed, [("hidden".to_string(), Some(550)), ("locked/secret".to_string(), Some(550))]);
    let mut failed_parallel = parallel.failures.clone();
    failed_parallel.sort_by(|a, b| a.path.cmp(&b.path));
    let mut failed_serial = serial.failures.clone();
    failed_serial.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(failed_parallel, failed_serial);
    assert_eq!(
        (parallel.files_transferred, parallel.bytes_transferred, parallel.deleted, parallel.dirs_created),
        (serial.files_transferred, serial.bytes_transferred, serial.deleted, serial.dirs_created)
    );
    assert_eq!(serial.files_transferred, 6 * (25 + 4) + 1);
    assert_eq!(steps(&seen_parallel), steps(&seen_serial));
    let want: Vec<_> =
        files_under(&root).into_iter().filter(|(p, _)| !p.contains("locked") && !p.contains("hidden")).collect();
    for dir in [&serial_dir, &parallel_dir] {
        let mut got = files_under(dir);
        got.retain(|(p, _)| p != "locked/extra");
        assert_eq!(got.len(), want.len());
        assert!(got == want, "the copy in {} differs", dir.display());
        assert!(dir.join("locked/extra").exists(), "deleted beside a refused file");
        assert!(!dir.join("d1/extra").exists(), "not deleted where everything worked");
    }
    // The mirror's session is where it was, and usable.
    assert_eq!(ftp.pwd().unwrap(), b"/");
    ftp.quit().unwrap();
}

#[test]
fn a_parallel_mirror_shrinks_to_the_connections_the_server_allows() {
    let root = temp_dir("par-limit-src");
    make_tree(&root, 3, 20);
    // Two connections per address: the mirror's own and one more.
    let Some(server) = PyServer::start(&root, 2) else { return };
    let mut ftp = server.session();
    let counted = Counted { params: ftp.connect_params().unwrap(), given: 0.into(), refused: 0.into() };
    let dir = temp_dir("par-limit-dst");
    let opts = MirrorOptions { parallel: 8, ..MirrorOptions::default() };
    let stats = ftp.mirror_download_with("/", &dir, &opts, &mut |_, _, _| Flow::Continue(()), &counted).unwrap();
    use std::sync::atomic::Ordering::SeqCst;
    assert!(counted.given.load(SeqCst) <= 1, "more sessions than the server allows");
    assert!(counted.refused.load(SeqCst) >= 6, "refused: {}", counted.refused.load(SeqCst));
    assert_eq!(stats.files_transferred, 3 * (20 + 4) + 1);
    assert_eq!(stats.failures.len(), 2, "only the locked and hidden entries: {:?}", stats.failures);
    let want: Vec<_> =
        files_under(&root).into_iter().filter(|(p, _)| !p.contains("locked") && !p.contains("hidden")).collect();
    assert!(files_under(&dir) == want, "the copy differs");

    // And a source that gives nothing: the mirror's own session does all of it.
    let dir2 = temp_dir("par-none-dst");
    struct Nothing;
    impl ftp::SessionSource for Nothing {
        fn open(&self) -> ftp::Result<Ftp> {
            Err(ftp::Error::Temp(ftp::Reply { code: 421, lines: vec![b"421 Too many connections".to_vec()] }))
        }
    }
    let stats = ftp.mirror_download_with("/", &dir2, &opts, &mut |_, _, _| Flow::Continue(()), &Nothing).unwrap();
    assert_eq!(stats.files_transferred, 3 * (20 + 4) + 1);
    assert!(files_under(&dir2) == want, "the copy differs");
    ftp.quit().unwrap();
}

#[test]
fn a_parallel_upload_sends_the_tree_and_reports_as_a_serial_one() {
    let root = temp_dir("par-up-server");
    std::fs::create_dir_all(root.join("in")).unwrap();
    let local = temp_dir("par-up-local");
    for d in 0..4 {
        std::fs::create_dir_all(local.join(format!("d{d}"))).unwrap();
        for f in 0..15 {
            std::fs::write(local.join(format!("d{d}/f{f}")), format!("{d}:{f}").repeat(50 + f)).unwrap();
        }
        std::fs::create_dir_all(local.join(format!("d{d}/inner"))).unwrap();
        std::fs::write(local.join(format!("d{d}/inner/x")), format!("inner {d}")).unwrap();
    }
    let Some(server) = PyServer::start(&root, 0) else { return };
    let mut ftp = server.session();
    std::fs::write(root.join("in/old"), b"gone soon").unwrap();
    let opts = MirrorOptions { parallel: 4, delete: true, ..MirrorOptions::default() };
    let mut puts = 0;
    let stats = ftp
        .mirror_upload(&local, "/in", &opts, &mut |a, _, _| {
            puts += usize::from(a == MirrorAction::Put);
            Flow::Continue(())
        })
        .unwrap();
    assert_eq!((stats.files_transferred, puts, stats.deleted, stats.failures.len()), (64, 64, 1, 0));
    assert!(files_under(&root.join("in")) == files_under(&local), "the upload differs");
    ftp.quit().unwrap();
}

/// The end of a download sent ahead: the server reads EPSV and `next`'s RETR before it
/// sends `end`, the final reply of the transfer just done.
fn ended_with_next_ahead(end: &str, next: &str) -> Vec<Step> {
    vec![expect("EPSV"), expect(&format!("RETR {next}")), reply(end), Step::Epsv, reply("150 go")]
}

/// The end of a connection's first download: the order probe (NOOP) comes before the
/// final reply `end`, and is answered after it, in turn.
fn ended_with_probe(end: &str) -> Vec<Step> {
    vec![expect("NOOP"), reply(end), reply("200 NOOP ok")]
}

/// A file `name` sent as `data`: data connection accepted, sent, closed.
fn served(data: &[u8]) -> Vec<Step> {
    vec![Step::DataAccept, Step::DataSend(data.to_vec()), Step::DataClose]
}

/// TYPE I, then EPSV and RETR `first` in turn, served with `data`.
fn first_retr(first: &str, data: &[u8]) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect(&format!("RETR {first}")), reply("150 go")]);
    s.extend(served(data));
    s
}

/// EPSV and RETR `name` pipelined, in turn, served with `data`.
fn pipelined_retr(name: &str, data: &[u8]) -> Vec<Step> {
    let mut s = vec![expect("EPSV"), Step::Epsv, expect(&format!("RETR {name}")), reply("150 go")];
    s.extend(served(data));
    s
}

/// Three files, a, b and c (1, 2 and 3 bytes).
const ABC: &str = "type=file;size=1; a\r\ntype=file;size=2; b\r\ntype=file;size=3; c\r\n";

/// a fetched in turn with the order probe at its end (answered in turn), then b's
/// EPSV and RETR pipelined and b served: the steps before b's end.
fn a_probed_then_b() -> Vec<Step> {
    let mut s = first_retr("a", b"a");
    s.extend(ended_with_probe("226 a done"));
    s.extend(pipelined_retr("b", b"bb"));
    s
}

/// a, b and c fetched whole into `dir`.
fn assert_abc(dir: &std::path::Path) {
    for (name, data) in [("a", &b"a"[..]), ("b", b"bb"), ("c", b"ccc")] {
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), data);
    }
}

#[test]
fn each_download_goes_out_before_the_one_before_it_has_ended() {
    // The server holds back each transfer's 226 until the next file's EPSV and RETR
    // have come: a client that waited for the 226 first would stall the script. The
    // first file's end carries the order probe (NOOP) instead, answered in turn.
    let listing = "type=file;size=1; a\r\ntype=file;size=2; b\r\ntype=file;size=3; c\r\ntype=file;size=4; d\r\n";
    let mut then = first_retr("a", b"a");
    then.extend(ended_with_probe("226 a done"));
    then.extend(pipelined_retr("b", b"bb"));
    then.extend(ended_with_next_ahead("226 b done", "c"));
    then.extend(served(b"ccc"));
    then.extend(ended_with_next_ahead("226 c done", "d"));
    then.extend(served(b"dddd"));
    then.push(reply("226 d done"));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("mirror-ahead");
    let (stats, seen) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!((stats.files_transferred, stats.failures.len()), (4, 0), "{stats:?}");
    for (name, data) in [("a", &b"a"[..]), ("b", b"bb"), ("c", b"ccc"), ("d", b"dddd")] {
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), data);
    }
    let got: Vec<_> = seen.iter().map(|(a, p)| (*a, p.as_str())).collect();
    let want: Vec<_> = ["a", "b", "c", "d"].into_iter().map(|n| (MirrorAction::Get, n)).collect();
    assert_eq!(got, want);
    assert!(ftp.is_usable());
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_download_sent_ahead_that_cannot_run_is_ended_and_the_mirror_goes_on() {
    // The third file's RETR went out ahead, then its local file could not be made (a
    // name too long here): the client connects to the port it was given, and once the
    // RETR is answered resets the connection, reads the transfer's end, and goes on.
    let long = "n".repeat(300);
    let listing =
        format!("type=file;size=1; a\r\ntype=file;size=1; b\r\ntype=file;size=1; {long}\r\ntype=file;size=2; c\r\n");
    let mut then = first_retr("a", b"a");
    then.extend(ended_with_probe("226 a done"));
    then.extend(pipelined_retr("b", b"b"));
    then.extend(ended_with_next_ahead("226 b done", &long));
    then.extend([Step::DataAccept, Step::DataSendUntilCut(vec![b'n'; 1 << 20]), reply("426 connection reset")]);
    then.extend(retr("c", b"cc", "226 ok", false));
    let (server, mut ftp) = connected(mlsd_script(&listing, then));
    let dir = temp_dir("mirror-ahead-unrun");
    let (stats, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    let failed: Vec<_> = stats.failures.iter().map(|f| (f.path.len(), f.kind)).collect();
    assert_eq!(failed, [(300, ftp::ErrorKind::Io)], "{stats:?}");
    assert_eq!(stats.files_transferred, 3);
    assert_eq!(std::fs::read(dir.join("b")).unwrap(), b"b");
    assert_eq!(std::fs::read(dir.join("c")).unwrap(), b"cc");
    assert!(ftp.is_usable(), "the replies of the transfer not run were read");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_server_answering_the_order_probe_out_of_turn_is_followed() {
    // ftp-srv and unftp answer NOOP while they still end the transfer: its 200 comes
    // before the 226, which is still taken as the transfer's end.
    let listing = "type=file;size=1; a\r\ntype=file;size=2; b\r\n";
    let mut then = first_retr("a", b"a");
    then.extend([expect("NOOP"), reply("200 NOOP ok"), reply("451 a: local error")]);
    then.extend(retr("b", b"bb", "226 b done", false));
    let (server, mut ftp) = connected(mlsd_script(listing, then));
    let dir = temp_dir("mirror-probe-out-of-turn");
    let (stats, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    let failed: Vec<_> = stats.failures.iter().map(|f| (f.path.clone(), f.reply_code)).collect();
    assert_eq!(failed, [(b"a".to_vec(), Some(451))], "{stats:?}");
    assert!(!dir.join("a").exists(), "a transfer that failed at its end is not put in place");
    assert_eq!(std::fs::read(dir.join("b")).unwrap(), b"bb");
    assert!(ftp.is_usable());
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn replies_to_a_download_sent_ahead_that_come_before_the_transfers_end_are_kept_for_it() {
    // unftp's order once in a while, after answering the probe in turn: the next
    // file's 229 and 150 before this file's 226.
    let mut then = a_probed_then_b();
    then.extend([expect("EPSV"), expect("RETR c"), Step::Epsv, reply("150 go"), reply("226 b done")]);
    then.extend(served(b"ccc"));
    then.push(reply("226 c done"));
    let (server, mut ftp) = connected(mlsd_script(ABC, then));
    let dir = temp_dir("mirror-ahead-unordered");
    let (stats, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!((stats.files_transferred, stats.failures.len()), (3, 0), "{stats:?}");
    assert_abc(&dir);
    assert!(ftp.is_usable());
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_refusal_after_an_early_229_is_not_guessed_at() {
    // 229, then 550, then 226: the 550 may end b or refuse c. Neither is guessed: b
    // is not put in place, the connection is out of step, and the mirror ends (no
    // hang waiting for a reply that was taken for another).
    let mut then = a_probed_then_b();
    then.extend([expect("EPSV"), expect("RETR c"), Step::Epsv, reply("550 c: no such file"), reply("226 b done")]);
    let (server, mut ftp) = connected(mlsd_script(ABC, then));
    let dir = temp_dir("mirror-ahead-ambiguous");
    let (result, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ftp::ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("sent ahead"), "{e}");
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"a");
    assert!(!dir.join("b").exists() && !dir.join("c").exists());
    assert!(!ftp.is_usable());
    server.finish_any();
}

#[test]
fn a_download_sent_ahead_that_the_server_gave_up_waiting_for_runs_again_in_turn() {
    // The server refuses c's data connection (it waited too long while the mirror
    // finished b, say): c is asked again the usual way and fetched.
    let mut then = a_probed_then_b();
    then.extend([expect("EPSV"), expect("RETR c"), reply("226 b done"), Step::Epsv]);
    then.push(reply("425 Failed to establish connection."));
    then.extend(pipelined_retr("c", b"ccc"));
    then.push(reply("226 c done"));
    let (server, mut ftp) = connected(mlsd_script(ABC, then));
    let dir = temp_dir("mirror-ahead-425");
    let (stats, _) = download(&mut ftp, &dir, &MirrorOptions::default());
    let stats = stats.unwrap();
    assert_eq!((stats.files_transferred, stats.failures.len()), (3, 0), "{stats:?}");
    assert_eq!(std::fs::read(dir.join("c")).unwrap(), b"ccc");
    ftp.quit().unwrap();
    let t = server.finish();
    assert_eq!(t.commands.iter().filter(|c| *c == "RETR c").count(), 2);
}
