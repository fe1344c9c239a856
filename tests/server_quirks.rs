//! Regression tests for quirks of real servers (docs/servers.md, "Quirks found"), each
//! replayed by the scripted fake server with the replies the real server sent.

mod common;

use common::fake_server::{FakeServer, Step, connected_with};
use common::script::{URGENT_ABOR_LINE, assert_never_sent, cmds, done, exchange, expect, pattern, quit, raw, reply};
use common::tls;
use ftp::{ErrorKind, Flow, Ftp, MAX_WALK_DEPTH, TlsConfig, TlsFailure, TlsMode};
use std::time::Duration;

/// ftp-srv 4.6.3's FEAT: no MLST, so parsed listings use LIST.
const FTP_SRV_FEAT: &str =
    "211-Extensions supported\r\n AUTH TLS\r\n MDTM\r\n PBSZ\r\n PROT\r\n SIZE\r\n TYPE A,I,L\r\n UTF8\r\n211 End";

/// A client connected to a server running `script` after its 220, sending each command
/// on its own (no pipelining, TYPE before every transfer), so scripts are exact.
fn session(script: Vec<Vec<Step>>, setup: impl FnOnce(&mut Ftp)) -> (FakeServer, Ftp) {
    connected_with(script.concat(), |ftp| {
        ftp.set_feat_after_login(false);
        ftp.set_pipelining(false);
        ftp.set_type_caching(false);
        setup(ftp);
    })
}

/// The error carries the last reply and the last command starts with `cmd`: what the C
/// layer names in its message ("LIST x: server replied 451 ...").
fn assert_refused(ftp: &Ftp, e: &ftp::Error, cmd: &str, code: u16) {
    assert_eq!(e.reply().map(|r| r.code), Some(code), "{e}");
    assert_eq!(ftp.last_reply(), e.reply(), "the error's reply is the last one read");
    let last = ftp.last_command().unwrap_or("");
    assert!(last.starts_with(cmd), "last command {last:?}, want {cmd:?}");
}

/// A download `cmd` the server refuses (FTP_E_PERM's kind): its error, nothing delivered.
fn refused_download(ftp: &mut Ftp, cmd: &str) -> ftp::Error {
    let mut got = Vec::new();
    let e = ftp
        .retrbinary(cmd, 8192, None, |b| {
            got.extend_from_slice(b);
            Flow::Continue(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
    assert!(got.is_empty(), "{cmd}: bytes delivered although refused");
    e
}

/// NOOP answered, and the session between commands: the replies are still in step.
fn assert_in_step(ftp: &mut Ftp) {
    assert_eq!(ftp.voidcmd("NOOP").unwrap().code, 200);
    assert!(ftp.is_usable());
}

/// A LIST of `path` in text mode, its data `lines` (CRLF added to each).
fn listing(path: &str, lines: &[&str]) -> Vec<Step> {
    let data: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
    let mut s = exchange("TYPE A", "200 Switch to \"ascii\" transfer mode.");
    s.extend([expect("EPSV"), Step::Epsv, expect(&format!("LIST {path}")), reply("150 Accepted data connection")]);
    s.extend([Step::DataAccept, Step::DataSend(data.into_bytes()), Step::DataClose, reply("226 List complete")]);
    s
}

#[test]
fn ftp_srv_list_of_a_missing_directory_is_a_temporary_failure_naming_list() {
    // ftp-srv 4.6.3 answers a file-system error with the OS's message under 451, without
    // a 150 (it has taken the data connection first): a missing directory is FTP_E_TEMP.
    let missing = "451 ENOENT: no such file or directory, stat '/srv/ftp/no-such-dir'";
    let mut list = exchange("TYPE A", "200 Switch to \"ascii\" transfer mode.");
    list.extend([expect("EPSV"), Step::Epsv, expect("LIST no-such-dir"), Step::DataAccept, reply(missing)]);
    list.push(Step::DataClose);
    let script = vec![exchange("FEAT", FTP_SRV_FEAT), list, exchange("NOOP", "200 ok"), quit()];
    let (server, mut ftp) = session(script, |_| {});
    let e = ftp.list_all("no-such-dir").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    assert_refused(&ftp, &e, "LIST no-such-dir", 451);
    assert!(e.to_string().contains("ENOENT"), "{e}");
    assert_in_step(&mut ftp);
    assert_never_sent(&done(server, ftp), &["MLSD"]);
}

#[test]
fn ftp_srv_retr_of_a_missing_file_is_551_without_150_and_the_session_stays_in_step() {
    // ftp-srv 4.6.3: RETR of a missing file is "551 ENOENT ..." with no 150 before it.
    let missing = "551 ENOENT: no such file or directory, stat '/srv/ftp/no-such-file'";
    let mut retr = exchange("TYPE I", "200 Switch to \"binary\" transfer mode.");
    retr.extend([expect("EPSV"), Step::Epsv, expect("RETR no-such-file"), Step::DataAccept, reply(missing)]);
    retr.push(Step::DataClose);
    let (server, mut ftp) = session(vec![retr, exchange("NOOP", "200 ok"), quit()], |_| {});
    let e = refused_download(&mut ftp, "RETR no-such-file");
    assert_refused(&ftp, &e, "RETR no-such-file", 551);
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn ftp_srv_and_unftp_refuse_site_help_with_502() {
    // No SITE HELP on ftp-srv 4.6.3 ("502 Command not supported") nor on unftp 0.16.0
    // ("502 Unknown SITE command"): a permanent refusal naming SITE, session in step.
    for answer in ["502 Command not supported", "502 Unknown SITE command"] {
        let (server, mut ftp) =
            session(vec![exchange("SITE HELP", answer), exchange("NOOP", "200 ok"), quit()], |_| {});
        let e = ftp.site("HELP").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
        assert_refused(&ftp, &e, "SITE HELP", 502);
        assert_in_step(&mut ftp);
        assert_eq!(cmds(&done(server, ftp)), ["SITE HELP", "NOOP", "QUIT"]);
    }
}

#[test]
fn ftp_srv_auth_tls_race_plain_text_after_234_is_a_tls_failure_and_closes() {
    // ftp-srv 4.6.3 answers 234 to AUTH TLS and only then switches the socket to TLS:
    // a ClientHello sent at once is read as a command, and refused in clear text.
    let script = vec![
        reply("220 ftp-srv ready"),
        expect("AUTH TLS"),
        reply("234 Honored"),
        // Let the ClientHello arrive first, as it did in the race.
        Step::Sleep(200),
        raw(b"502 Command not allowed: \x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n"),
        Step::Sleep(300),
    ];
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut cfg = TlsConfig::new();
    cfg.set_ca_file(Some(&tls::ca_file())).unwrap();
    let mut ftp = Ftp::new();
    ftp.set_tls(TlsMode::Explicit, cfg);
    let e = ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Tls(_)), "{e}");
    assert_eq!(e.kind(), ErrorKind::Tls(TlsFailure::Required), "{e}");
    assert!(e.to_string().contains("did not answer in TLS"), "{e}");
    assert!(!ftp.is_connected());
    assert_eq!(ftp.voidcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    assert_eq!(server.finish().commands, ["AUTH TLS"], "nothing sent after the failed handshake");
}

#[test]
fn netkit_anonymous_list_with_no_data_is_an_empty_listing() {
    // netkit ftpd runs /bin/ls in the anonymous chroot, which has none: 150, a data
    // connection closed with no bytes, then 226. An empty listing, not an error.
    let mut list = exchange("TYPE A", "200 Type set to A.");
    list.extend([
        expect("EPSV"),
        Step::Epsv,
        expect("LIST"),
        reply("150 Opening ASCII mode data connection for '/bin/ls'."),
    ]);
    list.extend([Step::DataAccept, Step::DataClose, reply("226 Transfer complete.")]);
    let feat = exchange("FEAT", "500 'FEAT': command not understood.");
    let (server, mut ftp) = session(vec![feat, list, exchange("NOOP", "200 NOOP command successful."), quit()], |_| {});
    let entries = ftp.list_all("").unwrap();
    assert!(entries.is_empty(), "{entries:?}");
    assert_eq!(ftp.last_reply().map(|r| r.code), Some(226));
    assert_in_step(&mut ftp);
    let t = done(server, ftp);
    assert_eq!(cmds(&t), ["FEAT", "TYPE A", "EPSV", "LIST", "NOOP", "QUIT"]);
}

#[test]
fn unftp_refuses_active_mode_with_502_and_the_download_fails_naming_port() {
    // unftp 0.16.0 has no active mode: PORT (and EPRT) get "502 Active mode not enabled.".
    let mut retr = exchange("TYPE I", "200 Always in binary mode");
    retr.extend([Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("502 Active mode not enabled.")]);
    let (server, mut ftp) = session(vec![retr, exchange("NOOP", "200 Successfully did nothing"), quit()], |ftp| {
        ftp.set_pasv(false);
    });
    let e = refused_download(&mut ftp, "RETR hello.txt");
    assert_refused(&ftp, &e, "PORT ", 502);
    assert_in_step(&mut ftp);
    // The refused PORT ends the download: no RETR, no other way to a data connection.
    assert_never_sent(&done(server, ftp), &["RETR", "EPRT", "EPSV", "PASV"]);
}

#[test]
fn unftp_answers_the_urgent_abor_with_500_and_hangs_up_so_the_session_is_closed() {
    // unftp 0.16.0 reads the Telnet IP/Synch bytes of the urgent ABOR as a command:
    // "500 Invalid UTF8 in command", then it closes the connection.
    let mut script = vec![expect("EPSV"), Step::Epsv, expect("RETR big.bin"), reply("150 Sending data")];
    script.extend([Step::DataAccept, Step::DataSend(pattern(1000)), Step::ExpectRaw(URGENT_ABOR_LINE.to_vec())]);
    script.extend([reply("500 Invalid UTF8 in command"), Step::Close, Step::DataClose]);
    let (server, mut ftp) = session(vec![script], |ftp| ftp.set_abort_urgent(true));
    let mut conn = ftp.transfercmd("RETR big.bin", None).unwrap();
    std::io::Read::read_exact(&mut conn, &mut [0u8; 1000]).unwrap();
    let e = ftp.abort().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
    drop(conn);
    // The connection is kept as broken (is_connected stays true), but never used again.
    assert!(!ftp.is_usable());
    assert_eq!(ftp.voidcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    let t = server.finish();
    assert_eq!(t.raw.last().map(Vec::as_slice), Some(URGENT_ABOR_LINE));
}

#[test]
fn ftp_srv_link_to_a_parent_listed_as_a_directory_ends_at_the_walks_depth_limit() {
    // ftp-srv 4.6.3's LIST shows a symbolic link as its target: a link to a directory
    // above is a directory no client can tell from a real one, so a walk loops through
    // it until a bound stops it.
    let looped = "drwxr-xr-x 1 1001 1            4096 Nov 24 21:23 loop";
    let path =
        |depth: usize| ["t"].into_iter().chain(std::iter::repeat_n("loop", depth - 1)).collect::<Vec<_>>().join("/");
    // A caller's depth limit: depth 3 is listed, its "loop" reported but not entered.
    let mut script = vec![exchange("FEAT", FTP_SRV_FEAT)];
    script.extend((1..=3).map(|d| listing(&path(d), &[looped])));
    // No limit: MAX_WALK_DEPTH levels are listed, then the walk fails.
    script.extend((1..=MAX_WALK_DEPTH).map(|d| listing(&path(d), &[looped])));
    script.extend([exchange("NOOP", "200 ok"), quit()]);
    let (server, mut ftp) = session(script, |_| {});
    let mut seen = Vec::new();
    ftp.walk("t", Some(3), |w| {
        seen.push((String::from_utf8_lossy(w.path).into_owned(), w.depth, w.refused));
        Flow::Continue(())
    })
    .unwrap();
    let want: Vec<_> = (1..=3).map(|d| (path(d + 1), d, None)).collect();
    assert_eq!(seen, want);
    let mut deepest = 0;
    let e = ftp
        .walk("t", None, |w| {
            deepest = deepest.max(w.depth);
            Flow::Continue(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("directories deep"), "{e}");
    assert_eq!(deepest, MAX_WALK_DEPTH);
    assert_in_step(&mut ftp);
    let t = done(server, ftp);
    let lists = t.commands.iter().filter(|c| c.starts_with("LIST")).count();
    assert_eq!(lists, 3 + MAX_WALK_DEPTH);
}
