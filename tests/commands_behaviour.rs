//! Commands beyond ftplib (FEAT after login, NOOP, SYST, SITE, STAT, ACCT, HOST, ALLO,
//! MDTM, MFMT, CWD by levels, MKD of a whole path) against the scripted fake server:
//! what the client sent and what it made of the replies.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{assert_never_sent, done, exchange, expect, quit, reply};
use ftp::{ErrorKind, FileTime, Ftp};
use std::time::Duration;

/// A connected client (FEAT after login as `feat`), the server running `script` then QUIT.
fn session(script: Vec<Vec<Step>>, feat: bool) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 fake ready")];
    full.extend(script.into_iter().flatten());
    full.extend(quit());
    let server = FakeServer::start(full);
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(feat);
    ftp.set_type_caching(false);
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap();
    (server, ftp)
}

const FEAT_REPLY: &str =
    "211-Features:\r\n MDTM\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n SIZE\r\n UTF8\r\n211 End";

#[test]
fn login_asks_feat_and_turns_utf8_on_when_offered() {
    let (server, mut ftp) = session(
        vec![
            exchange("USER anonymous", "331 pw"),
            exchange("PASS anonymous@", "230 in"),
            exchange("FEAT", FEAT_REPLY),
            exchange("OPTS UTF8 ON", "200 always in UTF8 mode"),
        ],
        true,
    );
    let r = ftp.login(None, None, None).unwrap();
    assert_eq!(r.code, 230);
    assert_eq!(ftp.last_reply().unwrap().code, 230, "the login's reply stays the last one");
    // Queries use what was fetched: no second FEAT.
    let f = ftp.features().unwrap();
    assert!(f.has("MLST") && f.has("rest stream") && f.has("UTF8") && !f.has("MFMT"));
    assert_eq!(f.params("MLST"), Some("type*;size*;modify*;"));
    let t = done(server, ftp);
    assert_eq!(t.commands, vec!["USER anonymous", "PASS anonymous@", "FEAT", "OPTS UTF8 ON", "QUIT"]);
}

#[test]
fn a_server_without_feat_has_no_features_and_gets_no_opts() {
    let (server, mut ftp) =
        session(vec![exchange("USER anonymous", "230 in"), exchange("FEAT", "500 FEAT not understood")], true);
    ftp.login(None, None, None).unwrap();
    assert!(!ftp.features().unwrap().has("UTF8"));
    let t = done(server, ftp);
    assert_eq!(t.commands, vec!["USER anonymous", "FEAT", "QUIT"]);
}

#[test]
fn features_on_demand_once_per_login() {
    let (server, mut ftp) =
        session(vec![exchange("FEAT", "211-Ext:\r\n MFMT\r\n EPSV\r\n211 end"), exchange("NOOP", "200 ok")], false);
    assert!(ftp.features().unwrap().has("mfmt"));
    assert!(ftp.features().unwrap().has("EPSV"));
    ftp.noop().unwrap();
    let t = done(server, ftp);
    assert_eq!(t.commands, vec!["FEAT", "NOOP", "QUIT"]);
}

#[test]
fn a_refused_opts_utf8_is_not_a_login_failure() {
    let (server, mut ftp) = session(
        vec![
            exchange("USER anonymous", "230 in"),
            exchange("FEAT", "211-x\r\n UTF8\r\n211 end"),
            exchange("OPTS UTF8 ON", "501 no"),
        ],
        true,
    );
    assert_eq!(ftp.login(None, None, None).unwrap().code, 230);
    done(server, ftp);
}

#[test]
fn a_feat_refused_after_the_login_is_not_a_login_failure_but_a_421_is() {
    let (server, mut ftp) = session(
        vec![exchange("USER anonymous", "230 in"), exchange("FEAT", "550 not for you"), exchange("NOOP", "200 ok")],
        true,
    );
    assert_eq!(ftp.login(None, None, None).unwrap().code, 230);
    // Remembered as no features: not asked again.
    assert!(!ftp.features().unwrap().has("MLST"));
    ftp.noop().unwrap();
    done(server, ftp);

    let (server, mut ftp) = session(
        vec![exchange("USER anonymous", "230 in"), exchange("FEAT", "421 going down"), vec![Step::Close]],
        true,
    );
    let e = ftp.login(None, None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    server.finish_any();
}

#[test]
fn mdtm_gives_utc_and_refuses_garbage() {
    let (server, mut ftp) = session(
        vec![
            exchange("MDTM a.txt", "213 20010203040506"),
            exchange("MDTM b.txt", "213 20240229235959.25"),
            exchange("MDTM c.txt", "213 20231301000000"),
            exchange("MDTM d.txt", "213 yesterday"),
            exchange("MDTM e.txt", "550 no such file"),
        ],
        false,
    );
    assert_eq!(ftp.mdtm("a.txt").unwrap(), FileTime { secs: 981173106, nanos: 0 });
    assert_eq!(ftp.mdtm("b.txt").unwrap(), FileTime { secs: 1709251199, nanos: 250_000_000 });
    assert_eq!(ftp.mdtm("c.txt").unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.mdtm("d.txt").unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.mdtm("e.txt").unwrap_err().kind(), ErrorKind::Perm);
    done(server, ftp);
}

#[test]
fn mfmt_sends_the_utc_stamp() {
    let (server, mut ftp) =
        session(vec![exchange("MFMT 20010203040506 dir/f x.txt", "213 Modify=20010203040506;")], false);
    ftp.mfmt("dir/f x.txt", FileTime { secs: 981173106, nanos: 0 }).unwrap();
    assert_eq!(ftp.mfmt("f", FileTime { secs: -5, nanos: 0 }).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(ftp.mfmt("a\r\nDELE b", FileTime { secs: 0, nanos: 0 }).unwrap_err().kind(), ErrorKind::Invalid);
    let t = done(server, ftp);
    assert_eq!(t.commands.len(), 2, "nothing sent for the refused ones: {:?}", t.commands);
}

#[test]
fn simple_commands() {
    let (server, mut ftp) = session(
        vec![
            exchange("NOOP", "200 ok"),
            exchange("SYST", "215 UNIX Type: L8"),
            exchange("SITE CHMOD 600 f", "200 done"),
            exchange("ALLO 1048576", "202 not needed"),
            exchange("ACCT dept42", "230 account ok"),
            exchange("HOST ftp.example.org", "220 host ready"),
            exchange("STAT", "211 all fine"),
            exchange("STAT dir", "213-Status of dir:\r\n-rw-r--r-- 1 u g 5 Jan 1 2020 a\r\n drwx x\r\n213 End"),
        ],
        false,
    );
    ftp.noop().unwrap();
    assert_eq!(ftp.syst().unwrap(), b"UNIX Type: L8");
    ftp.site("CHMOD 600 f").unwrap();
    assert_eq!(ftp.allo(1 << 20).unwrap().code, 202);
    ftp.acct("dept42").unwrap();
    ftp.host_cmd("ftp.example.org").unwrap();
    assert_eq!(ftp.stat("").unwrap(), vec![b"all fine".to_vec()]);
    assert_eq!(ftp.stat("dir").unwrap(), vec![b"-rw-r--r-- 1 u g 5 Jan 1 2020 a".to_vec(), b" drwx x".to_vec()]);
    done(server, ftp);
}

#[test]
fn cwd_each_walks_one_level_at_a_time() {
    let (server, mut ftp) = session(
        vec![
            exchange("CWD /", "250 ok"),
            exchange("CWD a", "250 ok"),
            exchange("CWD b c", "250 ok"),
            exchange("CWD x", "250 ok"),
            exchange("CWD missing", "550 no"),
        ],
        false,
    );
    ftp.cwd_each("/a//b c/").unwrap();
    assert_eq!(ftp.cwd_each("x/missing/y").unwrap_err().kind(), ErrorKind::Perm);
    let t = done(server, ftp);
    assert!(!t.commands.contains(&"CWD y".to_string()), "stops at the first failure");
}

#[test]
fn mkd_all_without_a_path_in_the_pwd_reply_makes_the_levels_and_stays() {
    let (server, mut ftp) = session(
        vec![
            exchange("PWD", "257 /home/u is cwd"),
            exchange("CWD a", "550 no"),
            exchange("MKD a", "257 \"a\" created"),
            exchange("CWD a", "250 ok"),
        ],
        false,
    );
    ftp.mkd_all("a").unwrap();
    let t = done(server, ftp);
    assert_eq!(t.commands, vec!["PWD", "CWD a", "MKD a", "CWD a", "QUIT"]);
}

#[test]
fn mkd_all_creates_missing_levels_and_comes_back() {
    let (server, mut ftp) = session(
        vec![
            exchange("PWD", "257 \"/home/u\" is cwd"),
            exchange("CWD a", "250 exists"),
            exchange("CWD b", "550 no such dir"),
            exchange("MKD b", "257 \"/home/u/a/b\" created"),
            exchange("CWD b", "250 ok"),
            exchange("CWD c", "550 no"),
            exchange("MKD c", "550 exists (made by another client meanwhile)"),
            exchange("CWD c", "250 ok"),
            exchange("CWD /home/u", "250 back"),
            // A level that is a file: neither entered nor made.
            exchange("PWD", "257 \"/home/u\""),
            exchange("CWD f", "550 not a directory"),
            exchange("MKD f", "550 file exists"),
            exchange("CWD f", "550 not a directory"),
            exchange("CWD /home/u", "250 back"),
        ],
        false,
    );
    ftp.mkd_all("a/b/c").unwrap();
    let err = ftp.mkd_all("f/g").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Perm);
    assert!(err.to_string().contains("file exists"), "{err}");
    done(server, ftp);
}

/// A passive LIST/MLSD exchange sending `lines`.
fn listing(cmd: &str, lines: &str) -> Vec<Step> {
    let mut s = exchange("TYPE A", "200 ascii");
    s.extend([expect("EPSV"), Step::Epsv, expect(cmd), reply("150 here")]);
    s.extend([Step::DataAccept, Step::DataSend(lines.as_bytes().to_vec()), Step::DataClose, reply("226 done")]);
    s
}

fn names(ftp: &mut Ftp, path: &str) -> Vec<(String, ftp::EntryType, Option<u64>)> {
    let mut out = Vec::new();
    ftp.list_entries(path, |e| {
        out.push((String::from_utf8_lossy(&e.name).into_owned(), e.kind, e.size));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    out
}

#[test]
fn entries_come_from_mlsd_when_offered_and_from_list_otherwise() {
    use ftp::EntryType::*;
    let (server, mut ftp) = session(
        vec![
            exchange("FEAT", "211-x\r\n MLST type*;size*;\r\n211 end"),
            // A blank line is no entry.
            listing("MLSD", "type=cdir; .\r\n\r\ntype=file;size=5; a b\r\ntype=dir; d\r\n"),
            // The same server refusing MLSD for a path: LIST is the fallback.
            exchange("TYPE A", "200 ascii"),
            vec![expect("EPSV"), Step::Epsv, expect("MLSD sub"), reply("500 no MLSD here")],
            listing("LIST sub", "total 8\r\n-rw-r--r-- 1 u g 7 Jan  1  2020 f.txt\r\nodd line\r\n"),
        ],
        false,
    );
    assert_eq!(
        names(&mut ftp, ""),
        vec![(".".into(), CurrentDir, None), ("a b".into(), File, Some(5)), ("d".into(), Dir, None)]
    );
    assert_eq!(names(&mut ftp, "sub"), vec![("f.txt".into(), File, Some(7)), ("odd line".into(), Unknown, None)]);
    done(server, ftp);
}

#[test]
fn parsed_listings_ask_for_every_fact_again_after_mlsd_chose_some() {
    // mlsd(.., ["size"]) leaves the server listing sizes only: no "type", no "modify".
    let (server, mut ftp) = session(
        vec![
            exchange("OPTS MLST size;", "200 MLST OPTS size;"),
            listing("MLSD", "size=5; a\r\n"),
            exchange("FEAT", "211-x\r\n MLST type;size*;modify;UNIX.mode;\r\n211 end"),
            exchange("OPTS MLST type;size;modify;unix.mode;", "200 MLST OPTS type;size;modify;unix.mode;"),
            listing("MLSD", "type=file;size=5;modify=20240101000000; a\r\n"),
            // Asked once: the facts are the listing's own now.
            listing("MLSD", "type=file;size=5;modify=20240101000000; a\r\n"),
        ],
        false,
    );
    let mut sizes = Vec::new();
    ftp.mlsd("", &["size"], |e| {
        sizes.push(e.fact("size").map(str::to_string));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(sizes, vec![Some("5".to_string())]);
    for _ in 0..2 {
        assert_eq!(names(&mut ftp, ""), vec![("a".into(), ftp::EntryType::File, Some(5))]);
    }
    done(server, ftp);
}

#[test]
fn without_mlst_in_feat_list_is_used_at_once() {
    let (server, mut ftp) = session(
        vec![exchange("FEAT", "500 what"), listing("LIST", "01-16-24  02:15PM       <DIR>          Program Files\r\n")],
        false,
    );
    assert_eq!(names(&mut ftp, ""), vec![("Program Files".into(), ftp::EntryType::Dir, None)]);
    let t = done(server, ftp);
    assert_never_sent(&t, &["MLSD"]);
}

#[test]
fn active_mode_announces_the_external_address_but_listens_locally() {
    // 192.0.2.7 (TEST-NET-1) is only announced, never connected to: the server refuses.
    let (server, mut ftp) = session(
        vec![
            exchange("TYPE I", "200 binary"),
            vec![Step::ExpectPrefix("PORT 192,0,2,7,".into()), reply("200 PORT ok")],
            exchange("RETR f", "425 cannot open data connection"),
        ],
        false,
    );
    ftp.set_pasv(false);
    ftp.set_active_address(Some("192.0.2.7".parse().unwrap()));
    let e = ftp.retrbinary("RETR f", 8192, None, |_| std::ops::ControlFlow::Continue(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    done(server, ftp);
}

#[test]
fn a_refused_type_sent_with_size_is_reported_as_type_s() {
    let (server, mut ftp) = session(
        vec![
            vec![expect("TYPE I"), expect("SIZE f"), reply("504 TYPE I not implemented"), reply("213 1234")],
            // A reply of no known class to TYPE: SIZE's is still read, not left for CWD.
            vec![expect("TYPE I"), expect("SIZE f"), reply("600 odd")],
            vec![Step::Sleep(50), reply("213 5")],
            exchange("CWD x", "550 no such directory"),
        ],
        false,
    );
    let e = ftp.size("f").unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(504), "{e}");
    assert_eq!(ftp.last_command(), Some("TYPE I"));
    assert_eq!(ftp.last_reply().map(|r| r.code), Some(504));
    assert_eq!(ftp.size("f").unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.cwd("x").unwrap_err().kind(), ErrorKind::Perm, "CWD's own 550");
    done(server, ftp);
}

#[test]
fn a_stray_421_is_no_command_s_reply() {
    let (server, mut ftp) =
        session(vec![exchange("PWD", "257 \"/\""), vec![Step::Sleep(100), reply("421 Timeout.")]], false);
    ftp.pwd().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let e = ftp.cwd("x").unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(421), "{e}");
    assert_eq!(ftp.last_command(), None, "PWD did not get this 421");
    drop(ftp);
    server.finish_any();
}

#[test]
fn mkd_all_reports_a_lost_connection_as_such() {
    let (server, mut ftp) = session(vec![exchange("PWD", "257 \"/\""), vec![expect("CWD a"), Step::Close]], false);
    let e = ftp.mkd_all("a/b").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
    drop(ftp);
    let t = server.finish_any();
    assert_never_sent(&t, &["MKD"]);
}

#[test]
fn a_session_remembers_its_server_and_login_for_reopening() {
    let (server, mut ftp) = session(
        vec![exchange("USER alice", "331 pw"), exchange("PASS secret", "332 acct"), exchange("ACCT dept", "230 in")],
        false,
    );
    let t = ftp.target().expect("a connected session has a target").clone();
    assert_eq!((t.host.as_str(), t.port, t.login.is_none()), ("127.0.0.1", server.port, true));
    ftp.login(Some("alice"), Some("secret"), Some("dept")).unwrap();
    let p = ftp.connect_params().unwrap();
    let login = p.target.login.as_ref().unwrap();
    assert_eq!((login.user.as_str(), login.passwd.as_str(), login.acct.as_deref()), ("alice", "secret", Some("dept")));
    assert!(!format!("{p:?}").contains("secret"), "Debug never shows the password: {p:?}");
    assert!(ftp.is_usable());
    done(server, ftp);
}

#[test]
fn connect_params_open_a_logged_in_session_and_a_failed_connect_forgets_the_target() {
    let server = FakeServer::start(
        [vec![reply("220 fake ready")], exchange("USER anonymous", "331 pw"), exchange("PASS anonymous@", "230 in")]
            .concat(),
    );
    let opts = ftp::Options { feat_after_login: false, timeout: Some(Duration::from_secs(5)), ..Default::default() };
    let mut ftp = ftp::ConnectParams::new("127.0.0.1", server.port, opts).with_login(None, None, None).open().unwrap();
    assert_eq!(ftp.last_reply().unwrap().code, 230);
    assert_eq!(ftp.target().unwrap().login.as_ref().unwrap().user, "anonymous");
    server.finish();
    ftp.close();
    // Nothing listens on port 1 of 127.0.0.1: the failed connect leaves nothing to reopen.
    assert!(ftp.connect("127.0.0.1", 1, Some(Duration::from_secs(5)), None).is_err());
    assert!(ftp.target().is_none());
    assert_eq!(ftp.reopen().unwrap_err().kind(), ErrorKind::State);
}
