//! Python ftplib's behaviour, reply by reply, checked against a scripted fake server:
//! each test asserts the exact commands the server saw and what the client returned.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{ABOR_LINE, assert_never_sent, cmds, done, exchange, expect, pattern, quit, raw, reply};
use ftp::{ErrorKind, Flow, Ftp, LogKind, MlsdEntry};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WELCOME: &str = "220 fake ready";
/// Client-side timeout for all ordinary tests: long enough never to fire, short enough
/// that a broken test fails instead of hanging.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client that, like ftplib, sends nothing after a login that was not asked for (no
/// FEAT / OPTS UTF8), so scripts show ftplib's exact sequences; `features_after_login`
/// tests the default.
fn client() -> Ftp {
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    // ftplib sends TYPE before every transfer and waits for its reply.
    ftp.set_pipelining(false);
    ftp.set_type_caching(false);
    ftp
}

// ---- script helpers -------------------------------------------------------------------

/// The EPSV exchange and the data connection being accepted after `cmd`'s 150.
fn passive_open(cmd: &str) -> Vec<Step> {
    vec![expect("EPSV"), Step::Epsv, expect(cmd), reply("150 here it comes"), Step::DataAccept]
}

/// A passive download of `data` with `cmd`, after `type_cmd` (TYPE I or TYPE A).
fn passive_download(type_cmd: &str, cmd: &str, data: &[u8]) -> Vec<Step> {
    let mut s = exchange(type_cmd, "200 type set");
    s.extend(passive_open(cmd));
    s.extend([Step::DataSend(data.to_vec()), Step::DataClose, reply("226 transfer complete")]);
    s
}

/// A passive upload with `cmd`, recording what arrives.
fn passive_upload(type_cmd: &str, cmd: &str) -> Vec<Step> {
    let mut s = exchange(type_cmd, "200 type set");
    s.extend(passive_open(cmd));
    s.extend([Step::DataRecvAll, Step::DataClose, reply("226 transfer complete")]);
    s
}

/// Starts a server that greets with WELCOME then runs `script`, and a client connected to it.
fn session(script: Vec<Step>) -> (FakeServer, Ftp) {
    let mut full = vec![reply(WELCOME)];
    full.extend(script);
    let server = FakeServer::start(full);
    let mut ftp = client();
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).expect("connect to fake server");
    (server, ftp)
}

fn cont<T: ?Sized>(_: &T) -> Flow {
    Flow::Continue(())
}

/// retrbinary into a Vec: the bytes the client received.
fn download(ftp: &mut Ftp, cmd: &str, rest: Option<u64>) -> Vec<u8> {
    let mut got = Vec::new();
    ftp.retrbinary(cmd, 8192, rest, |b| {
        got.extend_from_slice(b);
        Flow::Continue(())
    })
    .unwrap();
    got
}

// ---- connecting and reading replies -----------------------------------------------------

#[test]
fn connect_reads_welcome() {
    let (server, ftp) = session(quit());
    let w = ftp.welcome().expect("welcome kept");
    assert_eq!(w.code, 220);
    assert_eq!(w.text(), WELCOME);
    assert_eq!(cmds(&done(server, ftp)), ["QUIT"]);
}

#[test]
fn connect_skips_120_before_220() {
    let server = FakeServer::start([vec![raw(b"120 ready in 1 minute\r\n220 now ready\r\n")], quit()].concat());
    let mut ftp = client();
    let w = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    assert_eq!((w.code, w.text().as_str()), (220, "220 now ready"));
    assert_eq!(cmds(&done(server, ftp)), ["QUIT"]);
}

#[test]
fn multiline_welcome_ends_only_at_code_space() {
    // "220-foo" and "220foo" inside do not end it; libftp follows RFC 959 here, where
    // ftplib would stop at "220foo" (same code followed by anything but '-').
    let welcome = "220-first\r\n220-foo\r\n220foo\r\n 220 indented\r\n230 other code\r\n220 last";
    let server = FakeServer::start([vec![reply(welcome)], quit()].concat());
    let mut ftp = client();
    let w = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    assert_eq!(w.code, 220);
    assert_eq!(w.lines.len(), 6);
    assert_eq!(w.text(), "220-first\n220-foo\n220foo\n 220 indented\n230 other code\n220 last");
    // The next reply read is QUIT's, so the whole welcome was consumed.
    assert_eq!(ftp.quit().unwrap().code, 221);
    server.finish();
}

#[test]
fn connect_refused_welcome_is_error_and_not_connected() {
    let server = FakeServer::start(vec![reply("421 too many users"), Step::Close]);
    let mut ftp = client();
    let e = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp);
    assert_eq!(e.reply().unwrap().code, 421);
    assert!(!ftp.is_connected());
    server.finish();
}

#[test]
fn reply_line_endings_lf_cr_and_split_crlf() {
    // ftplib accepts LF, CR or CRLF; a CRLF split across packets is one ending, not an
    // empty line that would be misread as the next reply.
    let mut s = vec![expect("NOOP"), raw(b"200 lf only\n"), expect("NOOP"), raw(b"200 cr only\r")];
    s.extend([expect("NOOP"), Step::SendSplit(vec![b"200 split".to_vec(), b"\r".to_vec()])]);
    s.extend([expect("NOOP"), Step::SendSplit(vec![b"\n200 after split\r\n".to_vec()])]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    for want in ["200 lf only", "200 cr only", "200 split", "200 after split"] {
        assert_eq!(ftp.voidcmd("NOOP").unwrap().text(), want);
    }
    assert_eq!(cmds(&done(server, ftp)), ["NOOP", "NOOP", "NOOP", "NOOP", "QUIT"]);
}

#[test]
fn the_lf_of_a_split_crlf_arriving_while_idle_is_no_stray_reply() {
    // The LF is already waiting when the next command goes: it ends the last line, and
    // is not the start of a reply the next command would then wait for in vain.
    let mut s = vec![expect("NOOP"), raw(b"200 first\r"), Step::Sleep(50), raw(b"\n")];
    s.extend(exchange("NOOP", "200 second"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.voidcmd("NOOP").unwrap().text(), "200 first");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(ftp.voidcmd("NOOP").unwrap().text(), "200 second");
    assert_eq!(cmds(&done(server, ftp)), ["NOOP", "NOOP", "QUIT"]);
}

#[test]
fn connect_stalled_welcome_times_out() {
    let server = FakeServer::start(vec![Step::Sleep(700)]);
    let mut ftp = client();
    let e = ftp.connect("127.0.0.1", server.port, Some(Duration::from_millis(300)), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(!ftp.is_connected());
    server.finish();
}

// ---- login -----------------------------------------------------------------------------

#[test]
fn login_defaults_to_anonymous() {
    let s = [
        exchange("USER anonymous", "331 send your e-mail"),
        exchange("PASS anonymous@", "230 welcome"),
        // ftplib turns the password "-" into "-anonymous@" for anonymous users.
        exchange("USER anonymous", "331 send your e-mail"),
        exchange("PASS -anonymous@", "230 welcome"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.login(None, None, None).unwrap().code, 230);
    assert_eq!(ftp.login(Some(""), Some("-"), None).unwrap().code, 230);
    done(server, ftp);
}

#[test]
fn login_230_after_user_sends_no_pass() {
    let (server, mut ftp) = session([exchange("USER bob", "230 no password needed"), quit()].concat());
    assert_eq!(ftp.login(Some("bob"), Some("secret"), None).unwrap().code, 230);
    assert_eq!(cmds(&done(server, ftp)), ["USER bob", "QUIT"]);
}

#[test]
fn login_332_sends_acct() {
    let s = [
        exchange("USER bob", "331 password please"),
        exchange("PASS pw", "332 need account"),
        exchange("ACCT acc1", "230 logged in"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.login(Some("bob"), Some("pw"), Some("acc1")).unwrap().code, 230);
    assert_eq!(cmds(&done(server, ftp)), ["USER bob", "PASS pw", "ACCT acc1", "QUIT"]);
}

#[test]
fn login_final_3xx_is_reply_error() {
    let s = [
        exchange("USER bob", "331 password please"),
        exchange("PASS pw", "332 need account"),
        exchange("ACCT acc1", "331 still not enough"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    let e = ftp.login(Some("bob"), Some("pw"), Some("acc1")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Reply);
    assert_eq!(e.reply().unwrap().code, 331);
    done(server, ftp);
}

#[test]
fn login_530_is_perm_error_with_code_and_text() {
    let s =
        [exchange("USER bob", "331 password please"), exchange("PASS wrong", "530 Login incorrect."), quit()].concat();
    let (server, mut ftp) = session(s);
    let e = ftp.login(Some("bob"), Some("wrong"), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm);
    let r = e.reply().unwrap();
    assert_eq!((r.code, r.text().as_str()), (530, "530 Login incorrect."));
    assert!(e.to_string().contains("530 Login incorrect."), "{e}");
    // A refused login leaves the session usable.
    assert_eq!(cmds(&done(server, ftp)), ["USER bob", "PASS wrong", "QUIT"]);
}

#[test]
fn login_4xx_is_temp_error() {
    let (server, mut ftp) = session([exchange("USER bob", "421 too many users, try later"), quit()].concat());
    let e = ftp.login(Some("bob"), Some("pw"), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp);
    assert_eq!(e.reply().unwrap().code, 421);
    assert_eq!(cmds(&done(server, ftp)), ["USER bob", "QUIT"]);
}

// ---- reply classes ---------------------------------------------------------------------

#[test]
fn reply_code_outside_1_to_5_is_proto_error() {
    // "999 x" is well-formed, so the connection stays in step: the next command works.
    let s =
        [exchange("NOOP", "999 what"), exchange("NOOP", "600 also odd"), exchange("NOOP", "200 ok"), quit()].concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.voidcmd("NOOP").unwrap().code, 200);
    done(server, ftp);
}

#[test]
fn garbage_reply_is_proto_error_and_connection_unusable() {
    // A line that is not a reply at all leaves replies out of step with commands: nothing
    // more may be sent, not even QUIT.
    let (server, mut ftp) = session(vec![expect("NOOP"), reply("hello there"), Step::ExpectEof]);
    let e = ftp.sendcmd("NOOP").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    assert_eq!(ftp.quit().unwrap_err().kind(), ErrorKind::State);
    assert!(!ftp.is_connected());
    assert_eq!(cmds(&server.finish()), ["NOOP"]);
}

#[test]
fn voidcmd_rejects_1xx_and_3xx_sendcmd_returns_them() {
    let s = [
        exchange("SITE A", "150 preliminary"),
        exchange("SITE B", "350 more needed"),
        exchange("SITE C", "350 more needed"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    for code in [150, 350] {
        let cmd = if code == 150 { "SITE A" } else { "SITE B" };
        let e = ftp.voidcmd(cmd).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Reply);
        assert_eq!(e.reply().unwrap().code, code);
    }
    assert_eq!(ftp.sendcmd("SITE C").unwrap().code, 350);
    done(server, ftp);
}

#[test]
fn sendcmd_returns_reply_text() {
    let s = [
        exchange("STAT", "211-status of fake\r\n connected from 127.0.0.1\r\n211 end of status"),
        exchange("SITE FOO", "550 no such site command"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    let r = ftp.sendcmd("STAT").unwrap();
    assert_eq!(r.code, 211);
    assert_eq!(r.text(), "211-status of fake\n connected from 127.0.0.1\n211 end of status");
    assert_eq!(ftp.last_reply(), Some(&r));
    let e = ftp.sendcmd("SITE FOO").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm);
    assert_eq!(e.reply().unwrap().text(), "550 no such site command");
    done(server, ftp);
}

// ---- directory and file commands -----------------------------------------------------------

#[test]
fn cwd_dotdot_sends_cdup() {
    let (server, mut ftp) = session([exchange("CDUP", "250 ok"), quit()].concat());
    assert_eq!(ftp.cwd("..").unwrap().code, 250);
    assert_eq!(cmds(&done(server, ftp)), ["CDUP", "QUIT"]);
}

#[test]
fn cwd_dotdot_falls_back_to_cwd_only_on_500() {
    let s = [
        exchange("CDUP", "500 CDUP not understood"),
        exchange("CWD ..", "250 ok"),
        exchange("CDUP", "550 permission denied"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.cwd("..").unwrap().code, 250);
    let e = ftp.cwd("..").unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 550));
    assert_eq!(cmds(&done(server, ftp)), ["CDUP", "CWD ..", "CDUP", "QUIT"]);
}

#[test]
fn cwd_sends_cwd_and_empty_means_dot() {
    let s = [
        exchange("CWD /pub/dir with space", "250 ok"),
        exchange("CWD .", "250 ok"),
        exchange("CWD nope", "550 no such directory"),
        exchange("CWD odd", "200 odd but fine"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    ftp.cwd("/pub/dir with space").unwrap();
    ftp.cwd("").unwrap();
    assert_eq!(ftp.cwd("nope").unwrap_err().kind(), ErrorKind::Perm);
    ftp.cwd("odd").unwrap();
    done(server, ftp);
}

#[test]
fn pwd_and_mkd_parse_257_with_doubled_quotes() {
    let s = [
        exchange("PWD", "257 \"/a \"\"q\"\" b\" is the current directory"),
        exchange("MKD new dir", "257 \"/pub/new dir\" created"),
        // IIS-style answers: another 2xx, or a 257 without quotes, give an empty path.
        exchange("MKD x", "250 directory created"),
        exchange("PWD", "257 /no/quotes"),
        exchange("MKD y", "550 already exists"),
        exchange("PWD", "257 \"/unterminated"),
        vec![expect("PWD"), raw(b"257 \"/caf\xe9\" non-UTF-8 name\r\n")],
        exchange("RMD y", "250 removed"),
        exchange("RMD z", "550 not empty"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.pwd().unwrap(), b"/a \"q\" b");
    assert_eq!(ftp.mkd("new dir").unwrap(), b"/pub/new dir");
    assert_eq!(ftp.mkd("x").unwrap(), b"");
    assert_eq!(ftp.pwd().unwrap(), b"");
    assert_eq!(ftp.mkd("y").unwrap_err().kind(), ErrorKind::Perm);
    assert_eq!(ftp.pwd().unwrap_err().kind(), ErrorKind::Proto);
    // Paths are bytes: a name that is not UTF-8 comes back unchanged.
    assert_eq!(ftp.pwd().unwrap(), b"/caf\xe9");
    assert_eq!(ftp.rmd("y").unwrap().code, 250);
    assert_eq!(ftp.rmd("z").unwrap_err().kind(), ErrorKind::Perm);
    done(server, ftp);
}

#[test]
fn size_sends_type_i_then_size() {
    let mut s = Vec::new();
    for (file, answer) in [
        ("a", "213 1234"),
        ("b", "500 SIZE not understood"),
        ("c", "502 SIZE not implemented"),
        ("c2", "504 SIZE not for this type"),
        ("d", "250 some other 2xx"),
        ("e", "550 no such file"),
        ("f", "213 12ab"),
    ] {
        s.extend(exchange("TYPE I", "200 binary"));
        s.extend(exchange(&format!("SIZE {file}"), answer));
        if file == "d" {
            // A 2xx that cannot answer SIZE: NOOP tells a stray from a broken answer.
            s.extend(exchange("NOOP", "200 resync"));
        }
    }
    s.extend(quit());
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.size("a").unwrap(), Some(1234));
    assert_eq!(ftp.size("b").unwrap(), None);
    assert_eq!(ftp.size("c").unwrap(), None);
    assert_eq!(ftp.size("c2").unwrap(), None);
    assert_eq!(ftp.size("d").unwrap(), None);
    let e = ftp.size("e").unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 550));
    assert_eq!(ftp.size("f").unwrap_err().kind(), ErrorKind::Proto);
    let t = done(server, ftp);
    assert_eq!(&cmds(&t)[..2], ["TYPE I", "SIZE a"]);
}

#[test]
fn rename_needs_350_to_rnfr() {
    let s = [
        exchange("RNFR old name", "350 ready for destination"),
        exchange("RNTO new name", "250 renamed"),
        // Not 3xx: RNTO is never sent.
        exchange("RNFR b", "250 odd"),
        exchange("RNFR c", "550 no such file"),
        exchange("RNFR d", "350 ready"),
        exchange("RNTO e", "553 not allowed"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.rename("old name", "new name").unwrap().code, 250);
    assert_eq!(ftp.rename("b", "x").unwrap_err().kind(), ErrorKind::Reply);
    assert_eq!(ftp.rename("c", "x").unwrap_err().kind(), ErrorKind::Perm);
    assert_eq!(ftp.rename("d", "e").unwrap_err().kind(), ErrorKind::Perm);
    let t = done(server, ftp);
    assert_eq!(cmds(&t), ["RNFR old name", "RNTO new name", "RNFR b", "RNFR c", "RNFR d", "RNTO e", "QUIT"]);
}

#[test]
fn delete_accepts_only_250_and_200() {
    let s = [
        exchange("DELE a", "250 deleted"),
        exchange("DELE b", "200 deleted"),
        exchange("DELE c", "226 odd"),
        exchange("DELE d", "350 odd"),
        exchange("DELE e", "550 no such file"),
        exchange("DELE f", "450 busy"),
        quit(),
    ]
    .concat();
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.delete("a").unwrap().code, 250);
    assert_eq!(ftp.delete("b").unwrap().code, 200);
    assert_eq!(ftp.delete("c").unwrap_err().kind(), ErrorKind::Reply);
    assert_eq!(ftp.delete("d").unwrap_err().kind(), ErrorKind::Reply);
    assert_eq!(ftp.delete("e").unwrap_err().kind(), ErrorKind::Perm);
    assert_eq!(ftp.delete("f").unwrap_err().kind(), ErrorKind::Temp);
    done(server, ftp);
}

#[test]
fn quit_sends_quit_and_closes() {
    let (server, mut ftp) = session(vec![expect("QUIT"), reply("221 goodbye"), Step::ExpectEof]);
    assert_eq!(ftp.quit().unwrap().code, 221);
    assert!(!ftp.is_connected());
    assert!(ftp.welcome().is_none());
    assert_eq!(ftp.quit().unwrap_err().kind(), ErrorKind::State);
    assert_eq!(cmds(&server.finish()), ["QUIT"]);
}

#[test]
fn quit_closes_even_when_server_drops_or_refuses() {
    let (server, mut ftp) = session(vec![expect("QUIT"), Step::Close]);
    assert_eq!(ftp.quit().unwrap_err().kind(), ErrorKind::Closed);
    assert!(!ftp.is_connected());
    server.finish();

    let (server, mut ftp) = session(vec![expect("QUIT"), reply("500 what?"), Step::ExpectEof]);
    assert_eq!(ftp.quit().unwrap_err().kind(), ErrorKind::Perm);
    assert!(!ftp.is_connected());
    server.finish();
}

// ---- passive transfers -----------------------------------------------------------------------

#[test]
fn retrbinary_tries_epsv_first_and_data_arrives_intact() {
    let data = pattern(300_000);
    let (server, mut ftp) = session([passive_download("TYPE I", "RETR big.bin", &data), quit()].concat());
    let mut got = Vec::new();
    let mut biggest = 0;
    let r = ftp
        .retrbinary("RETR big.bin", 8192, None, |b| {
            biggest = biggest.max(b.len());
            got.extend_from_slice(b);
            Flow::Continue(())
        })
        .unwrap();
    assert_eq!(r.code, 226);
    assert!(got == data, "received {} bytes, sent {}", got.len(), data.len());
    assert!(biggest <= 8192);
    let t = done(server, ftp);
    assert_eq!(cmds(&t), ["TYPE I", "EPSV", "RETR big.bin", "QUIT"]);
    assert_eq!(t.data_local[0].ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
}

#[test]
fn epsv_refused_falls_back_to_pasv_and_remembers() {
    for refusal in ["500 EPSV not understood", "502 EPSV not implemented"] {
        let mut s = exchange("TYPE I", "200 binary");
        s.extend([expect("EPSV"), reply(refusal), expect("PASV"), Step::Pasv("127,0,0,1".into())]);
        s.extend([expect("RETR a"), reply("150 go"), Step::DataAccept, Step::DataSend(b"AAA".to_vec())]);
        s.extend([Step::DataClose, reply("226 done")]);
        // Second transfer: straight to PASV.
        s.extend(exchange("TYPE I", "200 binary"));
        s.extend([expect("PASV"), Step::Pasv("127,0,0,1".into())]);
        s.extend([expect("RETR b"), reply("150 go"), Step::DataAccept, Step::DataSend(b"BBB".to_vec())]);
        s.extend([Step::DataClose, reply("226 done")]);
        s.extend(quit());
        let (server, mut ftp) = session(s);
        for (file, want) in [("a", b"AAA"), ("b", b"BBB")] {
            let got = download(&mut ftp, &format!("RETR {file}"), None);
            assert_eq!(got, want);
        }
        let t = done(server, ftp);
        assert_eq!(cmds(&t), ["TYPE I", "EPSV", "PASV", "RETR a", "TYPE I", "PASV", "RETR b", "QUIT"]);
    }
}

/// EPSV refused, then PASV answered by `pasv`, then RETR x answered normally.
fn pasv_retr(pasv: Step) -> Vec<Step> {
    let mut s = vec![expect("EPSV"), reply("502 no EPSV"), expect("PASV"), pasv];
    s.extend([expect("RETR x"), reply("150 go"), Step::DataAccept, Step::DataSend(b"xyz".to_vec())]);
    s.extend([Step::DataClose, reply("226 done")]);
    s
}

/// The error `transfercmd` must fail with (DataConn has no Debug, so no unwrap_err).
fn transfer_err(ftp: &mut Ftp, cmd: &str) -> ftp::Error {
    match ftp.transfercmd(cmd, None) {
        Ok(_) => panic!("{cmd}: transfercmd succeeded, expected an error"),
        Err(e) => e,
    }
}

fn read_all(ftp: &mut Ftp, cmd: &str) -> ftp::Result<Vec<u8>> {
    use std::io::Read;
    let mut conn = ftp.transfercmd(cmd, None)?;
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    drop(conn);
    ftp.voidresp()?;
    Ok(got)
}

#[test]
fn pasv_host_is_ignored_by_default() {
    let (server, mut ftp) = session([pasv_retr(Step::Pasv("10,1,2,3".into())), quit()].concat());
    assert_eq!(read_all(&mut ftp, "RETR x").unwrap(), b"xyz");
    let t = done(server, ftp);
    // The client dialled the control peer, not 10.1.2.3.
    assert_eq!(t.data_local[0].ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
}

#[test]
fn trust_pasv_host_dials_the_named_host() {
    let other = Ipv4Addr::new(127, 0, 0, 2);
    let (server, mut ftp) = session([pasv_retr(Step::PasvOn(other, "127,0,0,2".into())), quit()].concat());
    ftp.set_trust_pasv_host(true);
    assert_eq!(read_all(&mut ftp, "RETR x").unwrap(), b"xyz");
    let t = done(server, ftp);
    assert_eq!(t.data_local[0].ip(), IpAddr::V4(other));
}

#[test]
fn trust_pasv_host_unreachable_is_io_error_and_session_usable() {
    // The listener is on 127.0.0.1 but the reply names 127.0.0.2: only a client that
    // really dials the named host fails.
    let mut s = vec![expect("EPSV"), reply("502 no EPSV"), expect("PASV"), Step::Pasv("127,0,0,2".into())];
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    ftp.set_trust_pasv_host(true);
    let e = transfer_err(&mut ftp, "RETR x");
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    ftp.voidcmd("NOOP").unwrap();
    assert_eq!(cmds(&done(server, ftp)), ["EPSV", "PASV", "NOOP", "QUIT"]);
}

#[test]
fn hostile_pasv_replies_are_proto_errors() {
    let hostile = [
        "227 Entering Passive Mode (127,0,0,256,4,1).",
        "227 Entering Passive Mode (127,0,0,1,4).",
        "227 Entering Passive Mode (127,0,0,1,4,1,9).",
        "227 Entering Passive Mode (127,0,0,1,0,0).",
        "227 Entering Passive Mode (127,0,0,1,99999999999999999999999,1).",
        "227 Entering Passive Mode.",
    ];
    let mut s = vec![expect("EPSV"), reply("502 no EPSV")];
    for h in hostile {
        s.extend(exchange("PASV", h));
    }
    s.extend(exchange("PASV", "200 not a 227"));
    // A reply that cannot answer PASV: NOOP tells a stray from a broken answer.
    s.extend(exchange("NOOP", "200 resync"));
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    for h in hostile {
        let e = transfer_err(&mut ftp, "RETR x");
        assert_eq!(e.kind(), ErrorKind::Proto, "{h}: {e}");
    }
    assert_eq!(transfer_err(&mut ftp, "RETR x").kind(), ErrorKind::Reply);
    // The replies were well-formed, so the session is still in step.
    ftp.voidcmd("NOOP").unwrap();
    let t = done(server, ftp);
    assert_never_sent(&t, &["RETR"]);
}

#[test]
fn hostile_epsv_replies_are_proto_errors() {
    let hostile = [
        "229 Entering Extended Passive Mode (|||0|)",
        "229 Entering Extended Passive Mode (|||70000|)",
        "229 Entering Extended Passive Mode (|||12a|)",
        "229 Entering Extended Passive Mode |||2121|",
        "229 Entering Extended Passive Mode (|1|10.0.0.1|2121|)",
    ];
    let mut s = Vec::new();
    for h in hostile {
        // A malformed 229 is not a refusal: EPSV is tried again next time.
        s.extend(exchange("EPSV", h));
    }
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    for h in hostile {
        let e = transfer_err(&mut ftp, "RETR x");
        assert_eq!(e.kind(), ErrorKind::Proto, "{h}: {e}");
    }
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn rest_is_sent_after_data_setup_and_before_retr() {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv]);
    s.extend(exchange("REST 100", "350 restarting at 100"));
    s.extend([expect("RETR f"), reply("150 go"), Step::DataAccept, Step::DataSend(b"tail".to_vec())]);
    s.extend([Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let got = download(&mut ftp, "RETR f", Some(100));
    assert_eq!(got, b"tail");
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "REST 100", "RETR f", "QUIT"]);
}

#[test]
fn rest_refused_is_error_and_retr_not_sent() {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv]);
    s.extend(exchange("REST 100", "502 REST not implemented"));
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([expect("EPSV"), Step::Epsv]);
    s.extend(exchange("REST 5", "451 try later"));
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 8192, Some(100), cont).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 502));
    let e = ftp.retrbinary("RETR f", 8192, Some(5), cont).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 451));
    ftp.voidcmd("NOOP").unwrap();
    let t = done(server, ftp);
    assert_never_sent(&t, &["RETR"]);
}

#[test]
fn rest_answered_2xx_is_accepted_like_ftplib() {
    // ftplib sends REST with sendcmd, which only rejects 4xx/5xx; libftp does the same.
    let mut s = vec![expect("EPSV"), Step::Epsv];
    s.extend(exchange("REST 7", "200 whatever"));
    s.extend([expect("RETR f"), reply("150 go"), Step::DataAccept, Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let conn = ftp.transfercmd("RETR f", Some(7)).unwrap();
    drop(conn);
    ftp.voidresp().unwrap();
    done(server, ftp);
}

#[test]
fn a_2xx_before_the_1xx_is_skipped() {
    // Some servers send "200" before "150": ftplib reads one more reply.
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("200 fine"), reply("150 opening")]);
    s.extend([Step::DataAccept, Step::DataSend(b"data".to_vec()), Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let got = download(&mut ftp, "RETR f", None);
    assert_eq!(got, b"data");
    done(server, ftp);
}

#[test]
fn a_2xx_then_another_2xx_instead_of_150_is_reply_error() {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("250 done already"), reply("226 nothing sent")]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Reply, 226));
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn retr_refused_is_error_and_session_usable() {
    let mut s = Vec::new();
    for answer in ["550 no such file", "425 can't open data connection"] {
        s.extend(exchange("TYPE I", "200 binary"));
        s.extend([expect("EPSV"), Step::Epsv]);
        s.extend(exchange("RETR f", answer));
        s.extend(exchange("NOOP", "200 ok"));
    }
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 550));
    ftp.voidcmd("NOOP").unwrap();
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 425));
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn final_transfer_reply_error_is_reported() {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend(passive_open("RETR f"));
    s.extend([Step::DataSend(b"partial".to_vec()), Step::DataClose, reply("451 local error, transfer aborted")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 451));
    done(server, ftp);
}

#[test]
fn retrlines_strips_endings_and_joins_split_lines() {
    let pieces: Vec<Vec<u8>> = vec![
        b"line one\r".to_vec(),
        b"\nline two\r\nline ".to_vec(),
        b"three\nfour\rfive\r\n\r\n".to_vec(),
        b"last without ending".to_vec(),
    ];
    let mut s = exchange("TYPE A", "200 ascii");
    s.extend(passive_open("RETR notes.txt"));
    s.extend([Step::DataSendSplit(pieces), Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut lines = Vec::new();
    ftp.retrlines("RETR notes.txt", |l| {
        lines.push(String::from_utf8_lossy(l).into_owned());
        Flow::Continue(())
    })
    .unwrap();
    // A lone CR ends a line too (ftplib reads the data in universal-newline text mode).
    assert_eq!(lines, ["line one", "line two", "line three", "four", "five", "", "last without ending"]);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE A", "EPSV", "RETR notes.txt", "QUIT"]);
}

#[test]
fn retrlines_overlong_data_line_aborts_and_resyncs() {
    let mut long = vec![b'a'; 9000];
    long.extend_from_slice(b"\r\n");
    let mut s = exchange("TYPE A", "200 ascii");
    s.extend(passive_open("RETR big.txt"));
    // Over MAX_LINE: the client gives up on the transfer with ABOR, then NOOP to resync.
    s.extend([Step::DataSend(long), Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose]);
    s.extend([reply("426 transfer aborted"), reply("226 abort successful")]);
    s.extend([expect("NOOP"), reply("200 ok")]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let e = ftp.retrlines("RETR big.txt", cont).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    ftp.voidcmd("NOOP").unwrap();
    let t = done(server, ftp);
    assert_eq!(t.raw[3], ABOR_LINE);
    assert_eq!(&cmds(&t)[4..], ["NOOP", "NOOP", "QUIT"]);
}

#[test]
fn storlines_converts_line_endings_last_line_without_ending() {
    // The input does not end in a newline, so the last line gets CRLF added.
    let input: &[u8] = b"a\nb\r\nc\rd\ne\r";
    let (server, mut ftp) = session([passive_upload("TYPE A", "STOR t.txt"), quit()].concat());
    let mut seen = Vec::new();
    ftp.storlines("STOR t.txt", &mut &input[..], |l| {
        seen.push(l.to_vec());
        Flow::Continue(())
    })
    .unwrap();
    let t = done(server, ftp);
    assert_eq!(String::from_utf8_lossy(&t.data[0]), "a\r\nb\r\nc\rd\r\ne\r\n");
    assert_eq!(seen, [&b"a\r\n"[..], b"b\r\n", b"c\rd\r\n", b"e\r\n"]);
    assert_eq!(cmds(&t), ["TYPE A", "EPSV", "STOR t.txt", "QUIT"]);
}

#[test]
fn storlines_input_ending_in_newline_is_sent() {
    let input: &[u8] = b"one\ntwo\r\nthree\n";
    let (server, mut ftp) = session([passive_upload("TYPE A", "STOR t.txt"), quit()].concat());
    ftp.storlines("STOR t.txt", &mut &input[..], cont).unwrap();
    let t = done(server, ftp);
    assert_eq!(String::from_utf8_lossy(&t.data[0]), "one\r\ntwo\r\nthree\r\n");
}

#[test]
fn storbinary_bytes_arrive_intact() {
    let data = pattern(200_000);
    let (server, mut ftp) = session([passive_upload("TYPE I", "STOR up.bin"), quit()].concat());
    let mut sent = 0;
    let r = ftp
        .storbinary("STOR up.bin", &mut &data[..], 8192, None, |b| {
            sent += b.len();
            Flow::Continue(())
        })
        .unwrap();
    assert_eq!(r.code, 226);
    assert_eq!(sent, data.len());
    let t = done(server, ftp);
    assert!(t.data[0] == data, "server got {} bytes, sent {}", t.data[0].len(), data.len());
    assert_eq!(cmds(&t), ["TYPE I", "EPSV", "STOR up.bin", "QUIT"]);
}

#[test]
fn rest_then_stor() {
    let data = pattern(1000);
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv]);
    s.extend(exchange("REST 4096", "350 restarting"));
    s.extend([expect("STOR up.bin"), reply("150 send it"), Step::DataAccept, Step::DataRecvAll, Step::DataClose]);
    s.extend([reply("226 stored")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    ftp.storbinary("STOR up.bin", &mut &data[..], 8192, Some(4096), cont).unwrap();
    let t = done(server, ftp);
    assert_eq!(t.data[0], data);
    assert_eq!(cmds(&t), ["TYPE I", "EPSV", "REST 4096", "STOR up.bin", "QUIT"]);
}

#[test]
fn upload_refused_midway_reports_the_server_reply() {
    // The server drops the data connection and says why: whether the client's writes
    // fail or not, the error is the 552 reply, and the session stays usable.
    let mut s = exchange("TYPE I", "200 binary");
    s.extend(passive_open("STOR big.bin"));
    s.extend([Step::DataClose, reply("552 quota exceeded")]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let data = pattern(500_000);
    let e = ftp.storbinary("STOR big.bin", &mut &data[..], 8192, None, cont).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
    assert_eq!(e.reply().unwrap().code, 552);
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn epsv_refusal_is_forgotten_on_reconnect() {
    let first = [vec![expect("EPSV"), reply("502 no"), expect("PASV"), reply("227 (127,0,0,1,0,0)")], quit()].concat();
    let (server, mut ftp) = session(first);
    assert_eq!(transfer_err(&mut ftp, "RETR x").kind(), ErrorKind::Proto);
    ftp.quit().unwrap();
    server.finish();
    // Same Ftp, new connection: EPSV is tried again.
    let server = FakeServer::start([vec![reply(WELCOME)], exchange("EPSV", "229 (|||0|)"), quit()].concat());
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    assert_eq!(transfer_err(&mut ftp, "RETR x").kind(), ErrorKind::Proto);
    assert_eq!(cmds(&done(server, ftp)), ["EPSV", "QUIT"]);
}

#[test]
fn connect_to_closed_port_is_io_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut ftp = client();
    let e = ftp.connect("127.0.0.1", port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(!ftp.is_connected());
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
}

// ---- active mode -------------------------------------------------------------------------------

#[test]
fn active_mode_sends_port_and_accepts_the_server() {
    let data = pattern(50_000);
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("200 PORT ok")]);
    s.extend([expect("RETR f"), reply("150 connecting"), Step::ActiveConnect, Step::DataSend(data.clone())]);
    s.extend([Step::DataClose, reply("226 done")]);
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("200 PORT ok")]);
    s.extend([expect("STOR g"), reply("150 connecting"), Step::ActiveConnect, Step::DataRecvAll]);
    s.extend([Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    ftp.set_pasv(false);
    let got = download(&mut ftp, "RETR f", None);
    assert!(got == data);
    ftp.storbinary("STOR g", &mut &b"uploaded"[..], 8192, None, cont).unwrap();
    let t = done(server, ftp);
    assert_eq!(t.data[0], b"uploaded");
    // PORT names the control connection's local address and a real port.
    let port = common::fake_server::parse_port_command(&t.commands[1]).unwrap();
    assert_eq!(port.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_ne!(port.port(), 0);
    assert!(!t.commands.iter().any(|c| c == "EPSV" || c == "PASV"));
}

#[test]
fn over_an_ipv4_mapped_address_the_data_connection_is_ipv4() {
    // "::ffff:127.0.0.1" reaches an IPv4 server, which refuses EPRT |2| for an IPv4
    // client (proftpd: 522, vsftpd: 500): active mode announces PORT, and a refused
    // EPSV falls back to PASV as it does for an IPv4 address.
    let data = pattern(5000);
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("200 PORT ok")]);
    s.extend([expect("RETR f"), reply("150 connecting"), Step::ActiveConnect, Step::DataSend(data.clone())]);
    s.extend([Step::DataClose, reply("226 done")]);
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([expect("EPSV"), reply("500 EPSV not understood"), expect("PASV"), Step::Pasv("127,0,0,1".into())]);
    s.extend([expect("RETR f"), reply("150 here"), Step::DataAccept, Step::DataSend(data.clone())]);
    s.extend([Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let server = FakeServer::start([vec![reply(WELCOME)], s].concat());
    let mut ftp = client();
    ftp.connect("::ffff:127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).expect("connect");
    ftp.set_pasv(false);
    assert!(download(&mut ftp, "RETR f", None) == data, "active");
    ftp.set_pasv(true);
    assert!(download(&mut ftp, "RETR f", None) == data, "passive");
    done(server, ftp);
}

#[test]
fn a_421_to_epsv_is_reported_not_hidden_behind_pasv() {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), reply("421 closing down"), Step::Close]);
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(421), "{e}");
    let t = server.finish();
    assert_never_sent(&t, &["PASV"]);
}

#[test]
fn active_mode_150_whose_lf_comes_late_still_waits_for_the_server() {
    // The LF of the 150's CRLF makes the control connection readable while the client
    // waits for the server to connect: no reply is there yet, so it keeps waiting.
    let data = pattern(5000);
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("200 PORT ok")]);
    s.extend([expect("RETR f"), raw(b"150 connecting\r"), Step::Sleep(50), raw(b"\n"), Step::Sleep(50)]);
    s.extend([Step::ActiveConnect, Step::DataSend(data.clone()), Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    ftp.set_pasv(false);
    assert!(download(&mut ftp, "RETR f", None) == data);
    done(server, ftp);
}

/// Active-mode RETR f where the server answers 150 then, instead of connecting, 425;
/// `pause` puts the two replies in separate packets.
fn active_425_script(pause: bool) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([Step::ExpectPrefix("PORT ".into()), reply("200 PORT ok"), expect("RETR f")]);
    if pause {
        s.extend([reply("150 connecting"), Step::Sleep(250), reply("425 can't open data connection")]);
    } else {
        s.push(raw(b"150 connecting\r\n425 can't open data connection\r\n"));
    }
    s.extend([Step::ExpectPrefix("PORT ".into()), reply("500 PORT refused")]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    s
}

fn check_active_425(pause: bool) {
    let (server, mut ftp) = session(active_425_script(pause));
    ftp.set_pasv(false);
    // Short enough that the buggy case fails quickly instead of waiting CLIENT_TIMEOUT.
    ftp.set_timeout(Some(Duration::from_secs(1))).unwrap();
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    assert_eq!(e.reply().unwrap().code, 425);
    let e = transfer_err(&mut ftp, "RETR g");
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 500));
    ftp.voidcmd("NOOP").unwrap();
    let t = done(server, ftp);
    assert!(!t.commands.iter().any(|c| c == "RETR g"));
}

#[test]
fn active_mode_425_instead_of_connection_is_error() {
    check_active_425(true);
}

#[test]
fn active_mode_150_and_425_in_one_packet_is_error() {
    check_active_425(false);
}

// ---- ntransfercmd and abort ------------------------------------------------------------------------

#[test]
fn ntransfercmd_parses_size_from_150() {
    use std::io::Read;
    let body = pattern(1234);
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR x")];
    s.extend([reply("150 Opening BINARY mode data connection for x (1234 bytes)"), Step::DataAccept]);
    s.extend([Step::DataSend(body.clone()), Step::DataClose, reply("226 done")]);
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR y"), reply("125 Data connection already open")]);
    s.extend([Step::DataAccept, Step::DataClose, reply("226 done")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let (mut conn, size) = ftp.ntransfercmd("RETR x", None).unwrap();
    assert_eq!(size, Some(1234));
    // While the transfer is open, other commands are refused without being sent.
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    assert_eq!(got, body);
    drop(conn);
    assert_eq!(ftp.voidresp().unwrap().code, 226);
    let (conn, size) = ftp.ntransfercmd("RETR y", None).unwrap();
    assert_eq!(size, None);
    drop(conn);
    ftp.voidresp().unwrap();
    assert_eq!(cmds(&done(server, ftp)), ["EPSV", "RETR x", "EPSV", "RETR y", "QUIT"]);
}

#[test]
fn abort_answered_by_a_lone_150_summary_is_settled_by_noop() {
    // pure-ftpd's answer to ABOR during a download: one 150 line, no final reply.
    use std::io::Read;
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(1000)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend([reply("150 0.501 seconds (measured here), 7.48 Mbytes per second")]);
    s.extend([expect("NOOP"), reply("200 Zzz..."), Step::DataClose]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    let mut first = [0u8; 10];
    conn.read_exact(&mut first).unwrap();
    assert_eq!(ftp.abort().unwrap().code, 150);
    drop(conn);
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn abort_sends_abor_and_reads_426_then_226() {
    use std::io::Read;
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(1000)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend([reply("426 connection closed; transfer aborted"), reply("226 abort successful")]);
    // The client then resynchronises with NOOP (it held the data connection).
    s.extend([expect("NOOP"), reply("200 in step"), Step::DataClose]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    let mut first = [0u8; 10];
    conn.read_exact(&mut first).unwrap();
    let r = ftp.abort().unwrap();
    assert_eq!(r.code, 226);
    drop(conn);
    ftp.voidcmd("NOOP").unwrap();
    let t = done(server, ftp);
    assert_eq!(t.raw[2], ABOR_LINE);
    assert_eq!(&cmds(&t)[3..], ["NOOP", "NOOP", "QUIT"]);
}

#[test]
fn abort_426_without_a_following_reply_does_not_wait() {
    // Some servers answer ABOR with the transfer's 426 only. The client must not wait for a
    // 226 that never comes (the client timeout is 5 s; NOOP settles it at once).
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(1000)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend([reply("426 transfer aborted"), expect("NOOP"), reply("200 in step"), Step::DataClose]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    // Take the data first: the abort resets the connection, which must not race the send.
    std::io::Read::read_exact(&mut conn, &mut [0u8; 1000]).unwrap();
    let started = std::time::Instant::now();
    let r = ftp.abort().unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(r.code, 426);
    assert_eq!(ftp.last_reply().map(|r| r.code), Some(426));
    drop(conn);
    done(server, ftp);
}

#[test]
fn abort_whose_noop_is_never_answered_leaves_the_session_unusable() {
    // Replies keep coming but none is the NOOP's 200: the replies are out of step for good.
    let mut s = vec![Step::ExpectRaw(ABOR_LINE.to_vec()), reply("426 aborted"), expect("NOOP")];
    s.extend((0..8).map(|i| reply(&format!("250 noise {i}"))));
    s.extend([Step::ExpectEof]);
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.abort().unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    ftp.close();
    server.finish();
}

#[test]
fn abort_451_then_226_returns_the_226() {
    let mut s = vec![Step::ExpectRaw(ABOR_LINE.to_vec()), reply("451 local error"), reply("226 aborted")];
    s.extend([expect("NOOP"), reply("200 in step")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.abort().unwrap().code, 226);
    done(server, ftp);
}

#[test]
fn abort_of_a_download_answered_551_then_226_returns_the_226() {
    // ftp-srv 4.6.3: once the data connection is reset, the RETR fails with
    // "551 write ECONNRESET" on the control connection, then ABOR gets its 226.
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(1000)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend([reply("551 write ECONNRESET"), reply("226 Closing data connection")]);
    s.extend([expect("NOOP"), reply("200 in step"), Step::DataClose]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    std::io::Read::read_exact(&mut conn, &mut [0u8; 1000]).unwrap();
    let r = ftp.abort().unwrap();
    assert_eq!(r.code, 226);
    assert_eq!(ftp.last_reply().map(|r| r.code), Some(226));
    drop(conn);
    done(server, ftp);
}

#[test]
fn abort_answered_551_alone_without_a_transfer_is_still_an_error() {
    // Without an open transfer a 551 is no transfer's end: ABOR's answer is wrong.
    let mut s = vec![Step::ExpectRaw(ABOR_LINE.to_vec()), reply("551 odd")];
    s.extend(quit());
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.abort().unwrap_err().kind(), ErrorKind::Proto);
    done(server, ftp);
}

#[test]
fn a_late_426_after_an_abort_is_not_the_next_commands_answer() {
    // unftp 0.16.0: the aborted transfer's 426 can come after ABOR's answer and the
    // resync's 200, when the next command is already sent.
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(1000)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend([reply("226 ABOR ok"), expect("NOOP"), reply("200 in step"), Step::DataClose]);
    s.extend([expect("PWD"), reply("426 Connection closed"), reply("257 \"/\" is current")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    std::io::Read::read_exact(&mut conn, &mut [0u8; 1000]).unwrap();
    ftp.abort().unwrap();
    drop(conn);
    assert_eq!(ftp.pwd().unwrap(), b"/");
    done(server, ftp);
}

#[test]
fn abor_answered_after_the_noop_ends_the_transfer_and_is_not_the_next_answer() {
    // ftp-srv 4.6.3 handles commands concurrently: the RETR fails with 551 once the
    // data connection is reset, the resync's NOOP gets its 200, and only then comes
    // ABOR's own 225, when the next commands are already sent.
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(1000)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend([reply("551 write ECONNRESET"), expect("NOOP"), reply("200 in step"), Step::DataClose]);
    s.extend([expect("CWD sub"), reply("225 Data connection open; no transfer in progress")]);
    // Only the one owed is dropped: a 226 after it is a wrong answer, as it was before.
    s.extend([reply("250 in sub"), expect("DELE x"), reply("226 odd")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    std::io::Read::read_exact(&mut conn, &mut [0u8; 1000]).unwrap();
    assert_eq!(ftp.abort().unwrap().code, 551);
    drop(conn);
    assert_eq!(ftp.cwd("sub").unwrap().code, 250);
    assert_eq!(ftp.delete("x").unwrap_err().kind(), ErrorKind::Reply);
    done(server, ftp);
}

#[test]
fn abor_of_an_upload_the_server_saw_complete_owes_its_225_to_the_next_command() {
    // ftp-srv 4.6.3: the closed data connection ends its STOR (226), the NOOP gets its
    // 200, and ABOR's 225 comes after, as the answer to the DELE that follows.
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("STOR f.part"), reply("150 send"), Step::DataAccept];
    s.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), reply("226 /f.part"), expect("NOOP"), reply("200 in step")]);
    s.extend([Step::DataClose, expect("DELE f.part"), reply("225 no transfer in progress"), reply("250 deleted")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let conn = ftp.transfercmd("STOR f.part", None).unwrap();
    assert_eq!(ftp.abort().unwrap().code, 226);
    drop(conn);
    assert_eq!(ftp.delete("f.part").unwrap().code, 250);
    done(server, ftp);
}

#[test]
fn quit_accepts_221_without_line_ending_before_close() {
    let (server, mut ftp) = session(vec![expect("QUIT"), raw(b"221 Bye"), Step::Close]);
    assert_eq!(ftp.quit().unwrap().code, 221);
    server.finish();
}

#[test]
fn abort_without_transfer_accepts_225_and_rejects_others() {
    let mut s = vec![Step::ExpectRaw(ABOR_LINE.to_vec()), reply("225 no transfer to abort")];
    s.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), reply("502 ABOR not implemented")]);
    s.extend(exchange("NOOP", "200 ok"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    assert_eq!(ftp.abort().unwrap().code, 225);
    assert_eq!(ftp.abort().unwrap_err().kind(), ErrorKind::Proto);
    ftp.voidcmd("NOOP").unwrap();
    done(server, ftp);
}

#[test]
fn abort_answered_421_is_a_temporary_error_and_ends_the_session() {
    let s = vec![Step::ExpectRaw(ABOR_LINE.to_vec()), reply("421 shutting down"), Step::Close];
    let (server, mut ftp) = session(s);
    let e = ftp.abort().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    assert_eq!(e.reply().map(|r| r.code), Some(421));
    assert_eq!(ftp.voidcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    server.finish_any();
}

#[test]
fn a_421_to_the_noop_after_an_abort_also_ends_the_session() {
    let s = vec![
        Step::ExpectRaw(ABOR_LINE.to_vec()),
        reply("426 transfer aborted"),
        expect("NOOP"),
        reply("421 shutting down"),
        Step::Close,
    ];
    let (server, mut ftp) = session(s);
    let e = ftp.abort().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    assert_eq!(e.reply().map(|r| r.code), Some(421));
    assert_eq!(ftp.voidcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    server.finish_any();
}

// ---- hardening ----------------------------------------------------------------------------------------

#[test]
fn commands_with_cr_lf_nul_are_refused_before_sending() {
    let (server, mut ftp) = session(quit());
    let results = [
        ftp.sendcmd("NOOP\r\nDELE x").map(drop),
        ftp.sendcmd("NOOP\n").map(drop),
        ftp.sendcmd("NO\0OP").map(drop),
        ftp.voidcmd("X\rY").map(drop),
        ftp.cwd("a\nb").map(drop),
        ftp.delete("a\r\nDELE b").map(drop),
        ftp.rename("a", "b\n").map(drop),
        ftp.mkd("d\0").map(drop),
        ftp.rmd("d\r").map(drop),
        ftp.size("x\ny").map(drop),
        ftp.login(Some("u\r\nPASS x"), None, None).map(drop),
        ftp.login(Some("u"), Some("p\n"), None).map(drop),
        ftp.retrbinary("RETR a\nb", 8192, None, cont).map(drop),
        ftp.retrlines("LIST\r", cont).map(drop),
        ftp.storbinary("STOR a\0", &mut &b""[..], 8192, None, cont).map(drop),
        ftp.transfercmd("RETR \n", None).map(drop),
        ftp.mlsd("a\nb", &[], |_: &MlsdEntry| Flow::Continue(())).map(drop),
        ftp.nlst("a\r\nb", cont).map(drop),
        ftp.dir("\n", cont).map(drop),
    ];
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.as_ref().unwrap_err().kind(), ErrorKind::Invalid, "case {i}");
    }
    // Nothing reached the server, and the session is fine.
    assert_eq!(cmds(&done(server, ftp)), ["QUIT"]);
}

#[test]
fn overlong_reply_line_is_error_and_connection_unusable() {
    let mut long = b"200 ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 9000));
    long.extend_from_slice(b"\r\n");
    // Exactly MAX_LINE (8192) bytes before the CRLF is still accepted.
    let mut longest = b"200 ".to_vec();
    longest.extend(std::iter::repeat_n(b'y', ftp::MAX_LINE - 4));
    longest.extend_from_slice(b"\r\n");
    let (server, mut ftp) = session(vec![expect("NOOP"), Step::Raw(longest), expect("NOOP"), Step::Raw(long)]);
    assert_eq!(ftp.sendcmd("NOOP").unwrap().first_line().len(), ftp::MAX_LINE);
    let e = ftp.sendcmd("NOOP").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    assert_eq!(cmds(&server.finish()), ["NOOP", "NOOP"]);
}

#[test]
fn endless_multiline_reply_is_capped() {
    // Just over MAX_REPLY (1 MiB) of continuation lines, never ending.
    // The limit counts each line without its CRLF plus one byte: go just past it, so
    // little is left unread when the client gives up (the server's write must not block).
    let line = b" continuation line of a reply that never ends";
    let mut big = b"211-start\r\n".to_vec();
    let mut counted = 9;
    while counted <= ftp::MAX_REPLY + 1000 {
        big.extend_from_slice(line);
        big.extend_from_slice(b"\r\n");
        counted += line.len() + 1;
    }
    let (server, mut ftp) = session(vec![expect("STAT"), Step::Raw(big)]);
    let e = ftp.sendcmd("STAT").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    server.finish();
}

#[test]
fn connection_dropped_mid_reply_is_closed_error() {
    let (server, mut ftp) = session(vec![expect("STAT"), raw(b"211-start\r\n more"), Step::Close]);
    let e = ftp.sendcmd("STAT").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    server.finish();

    let (server, mut ftp) = session(vec![expect("NOOP"), Step::Close]);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::Closed);
    server.finish();
}

#[test]
fn connection_reset_is_io_error() {
    let (server, mut ftp) = session(vec![expect("NOOP"), Step::Reset]);
    let e = ftp.sendcmd("NOOP").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    server.finish();
}

#[test]
fn stalled_server_times_out() {
    let server = FakeServer::start(vec![reply(WELCOME), expect("NOOP"), Step::Sleep(700)]);
    let mut ftp = client();
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_millis(300)), None).unwrap();
    let e = ftp.sendcmd("NOOP").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    // A reply may still come, and would answer the wrong command: nothing more is sent.
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    assert_eq!(cmds(&server.finish()), ["NOOP"]);
}

#[test]
fn stalled_data_connection_times_out() {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend(passive_open("RETR f"));
    s.extend([Step::DataSend(b"some".to_vec()), Step::Sleep(700)]);
    let server = FakeServer::start([vec![reply(WELCOME)], s].concat());
    let mut ftp = client();
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_millis(300)), None).unwrap();
    let e = ftp.retrbinary("RETR f", 8192, None, cont).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    server.finish();
}

// ---- trace --------------------------------------------------------------------------------------------

type Trace = Arc<Mutex<Vec<(LogKind, String)>>>;

fn traced_session(level: u8, script: Vec<Step>) -> (FakeServer, Ftp, Trace) {
    let trace: Trace = Arc::default();
    let sink = Arc::clone(&trace);
    let mut full = vec![reply(WELCOME)];
    full.extend(script);
    let server = FakeServer::start(full);
    let mut ftp = client();
    ftp.set_debuglevel(level);
    ftp.set_log_sink(Some(Box::new(move |kind, text: &str| sink.lock().unwrap().push((kind, text.to_string())))));
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    (server, ftp, trace)
}

fn login_script() -> Vec<Step> {
    [exchange("USER bob", "331 password please"), exchange("PASS secret", "230-welcome\r\n230 in"), quit()].concat()
}

fn owned(v: &[(LogKind, &str)]) -> Vec<(LogKind, String)> {
    v.iter().map(|(k, t)| (*k, t.to_string())).collect()
}

#[test]
fn debug_level_1_masks_password() {
    let (server, mut ftp, trace) = traced_session(1, login_script());
    ftp.login(Some("bob"), Some("secret"), None).unwrap();
    let t = done(server, ftp);
    // The server got the real password; the trace did not.
    assert_eq!(cmds(&t)[1], "PASS secret");
    let trace = trace.lock().unwrap().clone();
    use LogKind::*;
    let want = [
        (Resp, WELCOME),
        (Cmd, "USER bob"),
        (Resp, "331 password please"),
        (Cmd, "PASS ******"),
        (Resp, "230-welcome\n230 in"),
        (Cmd, "QUIT"),
        (Resp, "221 bye"),
    ];
    assert_eq!(trace, owned(&want));
}

#[test]
fn debug_level_2_shows_every_line() {
    let (server, mut ftp, trace) = traced_session(2, login_script());
    ftp.login(Some("bob"), Some("secret"), None).unwrap();
    done(server, ftp);
    let trace = trace.lock().unwrap().clone();
    assert!(!trace.iter().any(|(_, t)| t.contains("secret")), "{trace:?}");
    use LogKind::*;
    let want = [
        (Get, WELCOME),
        (Resp, WELCOME),
        (Cmd, "USER bob"),
        (Put, "USER bob"),
        (Get, "331 password please"),
        (Resp, "331 password please"),
        (Cmd, "PASS ******"),
        (Put, "PASS ******"),
        (Get, "230-welcome"),
        (Get, "230 in"),
        (Resp, "230-welcome\n230 in"),
        (Cmd, "QUIT"),
        (Put, "QUIT"),
        (Get, "221 bye"),
        (Resp, "221 bye"),
    ];
    assert_eq!(trace, owned(&want));
}

#[test]
fn debug_level_0_logs_nothing() {
    let (server, mut ftp, trace) = traced_session(0, login_script());
    ftp.login(Some("bob"), Some("secret"), None).unwrap();
    done(server, ftp);
    assert!(trace.lock().unwrap().is_empty());
}

// ---- listings -------------------------------------------------------------------------------------------

#[test]
fn mlsd_parses_facts_and_names_with_spaces() {
    let listing =
        b"Type=file;Size=10;Modify=20240101120000; my file.txt\r\ntype=dir;perm=el; sub dir\r\ntype=cdir; .\r\n";
    let mut s = exchange("OPTS MLST type;size;modify;", "200 MLST OPTS type;size;modify;");
    s.extend(passive_download("TYPE A", "MLSD /pub", listing));
    s.extend(passive_download("TYPE A", "MLSD", b"type=file; x\r\nnospace\r\ntype=file;size=3 last\r\n"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut entries = Vec::new();
    ftp.mlsd("/pub", &["type", "size", "modify"], |e| {
        entries.push(e.clone());
        Flow::Continue(())
    })
    .unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].name, b"my file.txt");
    assert_eq!(
        entries[0].facts,
        [
            ("type".to_string(), "file".to_string()),
            ("size".into(), "10".into()),
            ("modify".into(), "20240101120000".into())
        ]
    );
    assert_eq!(entries[1].name, b"sub dir");
    assert_eq!(entries[1].fact("PERM"), Some("el"));
    assert_eq!(entries[2].name, b".");
    // A line without a space is all name; facts without a final ';' keep their last value.
    let mut more = Vec::new();
    ftp.mlsd("", &[], |e| {
        more.push(e.clone());
        Flow::Continue(())
    })
    .unwrap();
    assert_eq!(more.len(), 3);
    assert_eq!((more[1].name.as_slice(), more[1].facts.len()), (&b"nospace"[..], 0));
    assert_eq!((more[2].name.as_slice(), more[2].fact("size")), (&b"last"[..], Some("3")));
    let t = done(server, ftp);
    assert_eq!(
        cmds(&t),
        ["OPTS MLST type;size;modify;", "TYPE A", "EPSV", "MLSD /pub", "TYPE A", "EPSV", "MLSD", "QUIT"]
    );
}

#[test]
fn nlst_and_dir_return_lines() {
    let names = b"a.txt\r\nb c.txt\r\n";
    let long = b"-rw-r--r-- 1 ftp ftp 10 Jan 01 12:00 a.txt\r\ndrwxr-xr-x 2 ftp ftp 4096 Jan 01 12:00 sub\r\n";
    let mut s = passive_download("TYPE A", "NLST -a", names);
    s.extend(passive_download("TYPE A", "NLST", b""));
    s.extend(passive_download("TYPE A", "LIST /pub", long));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut got: Vec<String> = Vec::new();
    let mut push = |l: &[u8]| {
        got.push(String::from_utf8_lossy(l).into_owned());
        Flow::Continue(())
    };
    ftp.nlst("-a", &mut push).unwrap();
    ftp.nlst("", &mut push).unwrap();
    ftp.dir("/pub", &mut push).unwrap();
    assert_eq!(
        got,
        [
            "a.txt",
            "b c.txt",
            "-rw-r--r-- 1 ftp ftp 10 Jan 01 12:00 a.txt",
            "drwxr-xr-x 2 ftp ftp 4096 Jan 01 12:00 sub"
        ]
    );
    let t = done(server, ftp);
    assert_eq!(
        cmds(&t),
        ["TYPE A", "EPSV", "NLST -a", "TYPE A", "EPSV", "NLST", "TYPE A", "EPSV", "LIST /pub", "QUIT"]
    );
}

#[test]
fn callback_can_cancel_a_download() {
    // Stopping from the callback aborts the transfer (ABOR) and leaves the session in step.
    let mut s = exchange("TYPE I", "200 binary");
    s.extend(passive_open("RETR f"));
    s.extend([Step::DataSend(pattern(5000)), Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose]);
    s.extend([reply("426 aborted"), reply("226 abort ok"), expect("NOOP"), reply("200 ok")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 100, None, |_| Flow::Break(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    // The last reply is the transfer's end, not the library's own NOOP.
    assert_eq!(ftp.last_reply().map(|r| r.code), Some(226));
    done(server, ftp);
}

#[test]
fn cancel_whose_abort_fails_says_so_and_closes() {
    // The server drops the connection instead of answering ABOR: the caller must learn the
    // session is gone, not get a plain "cancelled" and a dead session on the next call.
    let mut s = exchange("TYPE I", "200 binary");
    s.extend(passive_open("RETR f"));
    s.extend([Step::DataSend(pattern(5000)), Step::ExpectRaw(ABOR_LINE.to_vec()), Step::Close]);
    let (server, mut ftp) = session(s);
    let e = ftp.retrbinary("RETR f", 100, None, |_| Flow::Break(())).unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Cancelled);
    let msg = e.to_string();
    assert!(msg.starts_with("cancelled by callback") && msg.contains("connection was closed"), "{msg}");
    assert!(!ftp.is_connected());
    server.finish();
}

#[test]
fn abort_refused_while_a_transfer_is_open_keeps_replies_in_step() {
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(100)), Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose]);
    // 502 to ABOR, then the transfer's own 226: the NOOP resync must swallow the 226.
    s.extend([reply("502 no ABOR here"), reply("226 done anyway"), expect("NOOP"), reply("200 ok")]);
    s.extend(exchange("DELE x", "250 deleted"));
    s.extend(quit());
    let (server, mut ftp) = session(s);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    // Read what was sent first: the abort resets the connection, and the server's send
    // must not race it.
    std::io::Read::read_exact(&mut conn, &mut [0u8; 100]).unwrap();
    let e = ftp.abort().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    drop(conn);
    assert_eq!(ftp.delete("x").unwrap().code, 250);
    done(server, ftp);
}

#[test]
fn dropping_a_transfercmd_upload_sends_eof_before_voidresp() {
    // The session keeps a second handle on the data socket (for abort); dropping the
    // caller's connection must still end the upload, or the server waits forever.
    let mut s = exchange("TYPE I", "200 binary");
    s.extend(passive_open("STOR f"));
    s.extend([Step::DataRecvAll, reply("226 stored")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    ftp.voidcmd("TYPE I").unwrap();
    let mut conn = ftp.transfercmd("STOR f", None).unwrap();
    std::io::Write::write_all(&mut conn, b"payload").unwrap();
    drop(conn);
    assert_eq!(ftp.voidresp().unwrap().code, 226);
    let t = done(server, ftp);
    assert_eq!(t.data[0], b"payload");
}

#[test]
fn non_utf8_names_are_sent_as_the_bytes_given() {
    // A Latin-1 name from a listing must be usable in later commands unchanged.
    let mut s = vec![Step::ExpectRaw(b"DELE caf\xe9.txt\r\n".to_vec()), reply("250 deleted")];
    s.extend([Step::ExpectRaw(b"RNFR \xff\r\n".to_vec()), reply("350 go on")]);
    s.extend([Step::ExpectRaw(b"RNTO \xfe\r\n".to_vec()), reply("250 renamed")]);
    s.extend(quit());
    let (server, mut ftp) = session(s);
    ftp.delete(b"caf\xe9.txt").unwrap();
    ftp.rename(b"\xff", b"\xfe").unwrap();
    assert_eq!(ftp.delete(b"a\r\nDELE b").unwrap_err().kind(), ErrorKind::Invalid);
    done(server, ftp);
}

#[test]
fn non_ascii_paths_are_sent_and_traced_without_panicking() {
    let mut s = exchange("CWD é", "250 ok");
    s.extend(exchange("MKD ünïcödé", "257 \"/ünïcödé\" created"));
    s.extend(quit());
    let (server, mut ftp, trace) = traced_session(1, s);
    ftp.cwd("é").unwrap();
    assert_eq!(ftp.mkd("ünïcödé").unwrap(), "/ünïcödé".as_bytes());
    let t = done(server, ftp);
    assert_eq!(&cmds(&t)[..2], ["CWD é", "MKD ünïcödé"]);
    assert!(trace.lock().unwrap().iter().any(|(_, l)| l == "CWD é"));
}
