//! Hostile and broken servers, played by the scripted fake server: every scenario
//! asserts the error class (or success) the client reports AND what the server saw,
//! so a client that "fails safely" by sending the wrong thing is caught too.
//! The client runs with its defaults (pipelining, TYPE caching), FEAT after login off.
//! `.ci/run` counts these tests as the hostile-server scenarios.

mod common;

use common::fake_server::{FakeServer, Step, Transcript};
use common::script::{ABOR_LINE, assert_never_sent, cmds, done, exchange, expect, pattern, quit, raw, reply};
use ftp::{ErrorKind, Ftp};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(3);
/// For scenarios that end in a timeout: short, so the suite stays fast.
const SHORT: Duration = Duration::from_millis(400);
type Flow = ControlFlow<()>;

/// The session's first passive transfer up to the accepted data connection: TYPE I
/// pipelined with EPSV, then `cmd` and its 150.
fn first_transfer(cmd: &str) -> Vec<Step> {
    vec![
        expect("TYPE I"),
        expect("EPSV"),
        reply("200 binary"),
        Step::Epsv,
        expect(cmd),
        reply("150 opening data connection"),
        Step::DataAccept,
    ]
}

/// ABOR and the replies that settle it (426 then 226, then the NOOP resync).
fn abor_settled() -> Vec<Step> {
    vec![
        Step::ExpectRaw(ABOR_LINE.to_vec()),
        reply("426 transfer aborted"),
        reply("226 abort done"),
        expect("NOOP"),
        reply("200 in step"),
    ]
}

fn start(welcome: &str, script: Vec<Vec<Step>>) -> FakeServer {
    let mut full = vec![reply(welcome)];
    full.extend(script.into_iter().flatten());
    FakeServer::start(full)
}

fn client(server: &FakeServer, timeout: Duration) -> Ftp {
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    ftp.connect("127.0.0.1", server.port, Some(timeout), None).expect("connect to the fake server");
    ftp
}

fn session(script: Vec<Vec<Step>>) -> (FakeServer, Ftp) {
    let server = start("220 hostile test server", script);
    let ftp = client(&server, TIMEOUT);
    (server, ftp)
}

/// retrbinary into a Vec: (the bytes received, the result).
fn download(ftp: &mut Ftp, cmd: &str, rest: Option<u64>) -> (Vec<u8>, ftp::Result<ftp::Reply>) {
    let mut got = Vec::new();
    let r = ftp.retrbinary(cmd, 8192, rest, |b| {
        got.extend_from_slice(b);
        Flow::Continue(())
    });
    (got, r)
}

/// The session is still in step: NOOP gets its own reply.
fn assert_in_step(ftp: &mut Ftp) {
    assert_eq!(ftp.sendcmd("NOOP").expect("NOOP after the failure").code, 200);
}

fn assert_unusable(ftp: &mut Ftp) {
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
}

// ---- reply framing ------------------------------------------------------------------------

#[test]
fn multiline_reply_ends_only_at_its_own_code_followed_by_a_space() {
    let body = b"211-first\r\n200 looks final but is not\r\n226 neither\r\n211-still going\r\n211 end\r\n";
    let (server, mut ftp) = session(vec![vec![expect("STAT"), raw(body)], exchange("NOOP", "200 in step"), quit()]);
    let r = ftp.sendcmd("STAT").unwrap();
    assert_eq!((r.code, r.lines.len()), (211, 5));
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["STAT", "NOOP", "QUIT"]);
}

#[test]
fn lf_only_and_mixed_line_endings_are_accepted() {
    let (server, mut ftp) =
        session(vec![vec![expect("STAT"), raw(b"211-a\n b\r\n211 end\n")], exchange("NOOP", "200 ok"), quit()]);
    let r = ftp.sendcmd("STAT").unwrap();
    assert_eq!(r.lines, vec![b"211-a".to_vec(), b" b".to_vec(), b"211 end".to_vec()]);
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn a_reply_sent_byte_by_byte_is_reassembled() {
    let pieces = b"250-split\r\n250 done\r\n".iter().map(|&b| vec![b]).collect();
    let (server, mut ftp) = session(vec![vec![expect("CWD d"), Step::SendSplit(pieces)], quit()]);
    let r = ftp.cwd("d").unwrap();
    assert_eq!((r.code, r.lines.len()), (250, 2));
    assert_eq!(cmds(&done(server, ftp)), ["CWD d", "QUIT"]);
}

#[test]
fn replies_batched_in_one_segment_are_each_read_once() {
    // The 150 and the 226 arrive together, before any data.
    let data = pattern(5000);
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), raw(b"200 binary\r\n"), Step::Epsv, expect("RETR f")],
        vec![raw(b"150 go\r\n226 done\r\n"), Step::DataAccept, Step::DataSend(data.clone()), Step::DataClose],
        exchange("NOOP", "200 in step"),
        quit(),
    ];
    let (server, mut ftp) = session(script);
    let (got, r) = download(&mut ftp, "RETR f", None);
    assert_eq!(r.unwrap().code, 226);
    assert_eq!(got, data);
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn a_code_outside_1xx_to_5xx_is_a_protocol_error() {
    let (server, mut ftp) = session(vec![vec![expect("NOOP"), reply("600 beyond the classes")]]);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::Proto);
    drop(ftp);
    assert_eq!(cmds(&server.finish_any()), ["NOOP"]);
}

#[test]
fn a_short_reply_line_is_a_protocol_error_and_ends_the_session() {
    let (server, mut ftp) = session(vec![vec![expect("NOOP"), raw(b"20\r\n")]]);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::Proto);
    assert_unusable(&mut ftp);
    assert_eq!(cmds(&server.finish()), ["NOOP"]);
}

#[test]
fn a_non_digit_code_is_a_protocol_error_and_ends_the_session() {
    let (server, mut ftp) = session(vec![vec![expect("NOOP"), raw(b"2x0 hello\r\n")]]);
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::Proto);
    assert_unusable(&mut ftp);
    assert_eq!(cmds(&server.finish()), ["NOOP"]);
}

#[test]
fn nul_and_control_bytes_in_a_reply_are_kept_and_shown_escaped() {
    let script =
        vec![vec![expect("DELE f"), raw(b"550 no\0such\x07file\x1b[31m\r\n")], exchange("NOOP", "200 ok"), quit()];
    let (server, mut ftp) = session(script);
    let e = ftp.delete("f").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm);
    assert_eq!(e.reply().unwrap().first_line(), b"550 no\0such\x07file\x1b[31m");
    let shown = e.to_string();
    assert!(shown.contains("\\x00") && !shown.contains('\0') && !shown.contains('\x1b'), "{shown:?}");
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn invalid_utf8_in_a_reply_is_kept_as_bytes() {
    let script = vec![vec![expect("MKD d"), raw(b"257 \"/caf\xe9\xff\" created\r\n")], quit()];
    let (server, mut ftp) = session(script);
    assert_eq!(ftp.mkd("d").unwrap(), b"/caf\xe9\xff");
    assert!(ftp.last_reply().unwrap().text().contains('\u{fffd}'));
    done(server, ftp);
}

#[test]
fn a_continuation_line_past_8_kib_is_a_protocol_error() {
    let mut body = b"211-fine\r\n ".to_vec();
    body.extend(std::iter::repeat_n(b'x', ftp::MAX_LINE + 100));
    body.extend_from_slice(b"\r\n211 end\r\n");
    let (server, mut ftp) = session(vec![vec![expect("STAT"), raw(&body)]]);
    assert_eq!(ftp.sendcmd("STAT").unwrap_err().kind(), ErrorKind::Proto);
    assert_unusable(&mut ftp);
    assert_eq!(cmds(&server.finish()), ["STAT"]);
}

#[test]
fn a_million_continuation_lines_are_capped() {
    // 10^6 short lines (2 MB): the client stops at MAX_REPLY instead of growing.
    let mut body = b"211-start\r\n".to_vec();
    for _ in 0..1_000_000 {
        body.extend_from_slice(b"x\r\n");
    }
    let (server, mut ftp) = session(vec![vec![expect("STAT"), raw(&body)]]);
    let e = ftp.sendcmd("STAT").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert_unusable(&mut ftp);
    // The server is still writing what the client will never read: dropping the client
    // closes the connection and ends that write.
    drop(ftp);
    assert_eq!(cmds(&server.finish_any()), ["STAT"]);
}

#[test]
fn an_unsolicited_reply_in_the_same_segment_does_not_shift_later_replies() {
    let script = vec![
        vec![expect("NOOP"), raw(b"200 asked for\r\n200 nobody asked for this\r\n")],
        exchange("CWD d", "250 the real answer"),
        quit(),
    ];
    let (server, mut ftp) = session(script);
    assert_eq!(ftp.sendcmd("NOOP").unwrap().text(), "200 asked for");
    assert_eq!(ftp.cwd("d").unwrap().text(), "250 the real answer");
    assert_eq!(cmds(&done(server, ftp)), ["NOOP", "CWD d", "QUIT"]);
}

#[test]
fn a_late_unsolicited_reply_is_dropped_before_the_next_command() {
    let script = vec![
        exchange("NOOP", "200 asked for"),
        vec![Step::Sleep(50), reply("226 a stray transfer reply")],
        vec![expect("TYPE I"), expect("SIZE f"), reply("200 binary"), reply("213 42")],
        quit(),
    ];
    let (server, mut ftp) = session(script);
    ftp.sendcmd("NOOP").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(ftp.size("f").unwrap(), Some(42));
    // TYPE I went with SIZE in one write.
    assert_eq!(cmds(&done(server, ftp)), ["NOOP", "TYPE I", "SIZE f", "QUIT"]);
}

#[test]
fn an_unsolicited_421_is_reported_and_nothing_more_is_sent() {
    let script = vec![exchange("NOOP", "200 ok"), vec![reply("421 idle too long, closing"), Step::ExpectEof]];
    let (server, mut ftp) = session(script);
    ftp.sendcmd("NOOP").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let e = ftp.cwd("d").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    assert_eq!(e.reply().unwrap().code, 421);
    ftp.close();
    assert_eq!(cmds(&server.finish()), ["NOOP"]);
}

#[test]
fn eof_in_the_middle_of_a_reply_line_is_a_protocol_error() {
    // A last line cut short is still read (a "221 bye" without CRLF is fine), but "25"
    // is no reply: a protocol error, as in ftplib.
    let (server, mut ftp) = session(vec![vec![expect("PWD"), raw(b"25"), Step::Close]]);
    assert_eq!(ftp.pwd().unwrap_err().kind(), ErrorKind::Proto);
    assert_unusable(&mut ftp);
    assert_eq!(cmds(&server.finish()), ["PWD"]);
}

// ---- 421 -------------------------------------------------------------------------------------

#[test]
fn a_421_welcome_fails_the_connect() {
    let server = FakeServer::start(vec![reply("421 too many users"), Step::Close]);
    let mut ftp = Ftp::new();
    let e = ftp.connect("127.0.0.1", server.port, Some(TIMEOUT), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp);
    assert_eq!(e.reply().unwrap().code, 421);
    assert!(!ftp.is_connected());
    assert!(server.finish().commands.is_empty());
}

#[test]
fn a_421_answer_to_a_command_is_a_temporary_error() {
    let (server, mut ftp) = session(vec![vec![expect("CWD d"), reply("421 shutting down"), Step::Close]]);
    let e = ftp.cwd("d").unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 421));
    assert_eq!(cmds(&server.finish()), ["CWD d"]);
}

#[test]
fn a_421_in_the_middle_of_a_transfer_is_reported() {
    let mut s = first_transfer("RETR f");
    s.extend([Step::DataSend(pattern(1000)), reply("421 server going down"), Step::DataClose, Step::Close]);
    let (server, mut ftp) = session(vec![s]);
    let (got, r) = download(&mut ftp, "RETR f", None);
    let e = r.unwrap_err();
    assert_eq!((e.kind(), e.reply().map(|r| r.code)), (ErrorKind::Temp, Some(421)), "{e}");
    assert_eq!(got.len(), 1000);
    assert_eq!(cmds(&server.finish()), ["TYPE I", "EPSV", "RETR f"]);
}

// ---- transfer replies ------------------------------------------------------------------------

fn transfer_ending_with(final_reply: &str, data: usize) -> (Vec<u8>, ftp::Error, Transcript) {
    let mut s = first_transfer("RETR f");
    s.extend([Step::DataSend(pattern(data)), Step::DataClose, reply(final_reply)]);
    let (server, mut ftp) = session(vec![s, exchange("NOOP", "200 in step"), quit()]);
    let (got, r) = download(&mut ftp, "RETR f", None);
    assert_in_step(&mut ftp);
    (got, r.unwrap_err(), done(server, ftp))
}

#[test]
fn a_150_then_425_is_a_temporary_error() {
    let (got, e, t) = transfer_ending_with("425 cannot open data connection", 0);
    assert_eq!((e.kind(), e.reply().unwrap().code, got.len()), (ErrorKind::Temp, 425, 0));
    assert_eq!(cmds(&t), ["TYPE I", "EPSV", "RETR f", "NOOP", "QUIT"]);
}

#[test]
fn a_150_then_426_reports_the_cut_after_the_bytes_that_came() {
    let (got, e, _) = transfer_ending_with("426 connection closed; transfer aborted", 3000);
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 426));
    assert_eq!(got, pattern(3000));
}

#[test]
fn a_150_then_451_on_an_upload_is_a_temporary_error() {
    let mut s = first_transfer("STOR f");
    s.extend([Step::DataRecvAll, Step::DataClose, reply("451 local error in processing")]);
    let (server, mut ftp) = session(vec![s, exchange("NOOP", "200 in step"), quit()]);
    let data = pattern(10_000);
    let e = ftp.storbinary("STOR f", &mut data.as_slice(), 4096, None, |_| Flow::Continue(())).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 451));
    assert_in_step(&mut ftp);
    assert_eq!(done(server, ftp).data, vec![data]);
}

#[test]
fn a_150_then_silence_times_out() {
    let mut s = first_transfer("RETR f");
    s.push(Step::Sleep(1500));
    let server = start("220 hi", vec![s]);
    let mut ftp = client(&server, SHORT);
    let started = Instant::now();
    let e = download(&mut ftp, "RETR f", None).1.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(ftp);
    assert_eq!(cmds(&server.finish_any()), ["TYPE I", "EPSV", "RETR f"]);
}

#[test]
fn data_eof_without_a_final_reply_is_a_bounded_wait() {
    let mut s = first_transfer("RETR f");
    s.extend([Step::DataSend(pattern(100)), Step::DataClose, Step::Sleep(1500)]);
    let server = start("220 hi", vec![s]);
    let mut ftp = client(&server, SHORT);
    let started = Instant::now();
    let (got, r) = download(&mut ftp, "RETR f", None);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(got.len(), 100);
    drop(ftp);
    assert_eq!(cmds(&server.finish_any()), ["TYPE I", "EPSV", "RETR f"]);
}

#[test]
fn no_1xx_at_all_is_a_bounded_wait() {
    // The server sends the data and a 226, but never a 1xx: the 226 is skipped like
    // ftplib does, and the 1xx awaited until the timeout.
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), Step::Epsv, expect("RETR f")],
        vec![Step::DataAccept, Step::DataSend(pattern(10)), Step::DataClose, reply("226 done"), Step::Sleep(1500)],
    ];
    let server = start("220 hi", script);
    let mut ftp = client(&server, SHORT);
    let started = Instant::now();
    let (got, r) = download(&mut ftp, "RETR f", None);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(got.is_empty());
    drop(ftp);
    assert_eq!(cmds(&server.finish_any()), ["TYPE I", "EPSV", "RETR f"]);
}

#[test]
fn a_226_before_the_data_ends_still_gets_every_byte() {
    let data = pattern(200_000);
    let mut s = first_transfer("RETR f");
    s.extend([Step::DataSend(data[..50_000].to_vec()), reply("226 done early"), Step::Sleep(100)]);
    s.extend([Step::DataSend(data[50_000..].to_vec()), Step::DataClose]);
    let (server, mut ftp) = session(vec![s, quit()]);
    let (got, r) = download(&mut ftp, "RETR f", None);
    assert_eq!(r.unwrap().code, 226);
    assert_eq!(got, data);
    done(server, ftp);
}

#[test]
fn the_control_connection_closing_mid_transfer_is_reported() {
    let mut s = first_transfer("RETR f");
    s.extend([Step::DataSend(pattern(1000)), Step::Close, Step::Sleep(50), Step::DataSend(pattern(1000))]);
    s.push(Step::DataClose);
    let (server, mut ftp) = session(vec![s]);
    let (got, r) = download(&mut ftp, "RETR f", None);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(got.len(), 2000);
    assert_unusable(&mut ftp);
    assert_eq!(cmds(&server.finish()), ["TYPE I", "EPSV", "RETR f"]);
}

#[test]
fn a_data_reset_mid_transfer_is_an_io_error_and_the_session_recovers() {
    let mut s = first_transfer("RETR f");
    s.extend([Step::DataSend(pattern(1000)), Step::Sleep(50), Step::DataReset]);
    s.extend(abor_settled());
    let (server, mut ftp) = session(vec![s, exchange("NOOP", "200 ok"), quit()]);
    let e = download(&mut ftp, "RETR f", None).1.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert_in_step(&mut ftp);
    let t = done(server, ftp);
    assert_eq!(t.raw[3], ABOR_LINE);
}

// ---- passive mode ----------------------------------------------------------------------------

/// EPSV refused (pipelined with TYPE I), then PASV answered with `pasv`; the client
/// must fail with a protocol error without sending RETR, and stay in step.
fn check_hostile_pasv(pasv: &str) {
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply("502 EPSV not here")],
        exchange("PASV", pasv),
        exchange("NOOP", "200 in step"),
        quit(),
    ];
    let (server, mut ftp) = session(script);
    let e = download(&mut ftp, "RETR f", None).1.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{pasv}: {e}");
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "PASV", "NOOP", "QUIT"]);
}

fn check_hostile_epsv(epsv: &str) {
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply(epsv)],
        exchange("NOOP", "200 in step"),
        quit(),
    ];
    let (server, mut ftp) = session(script);
    let e = download(&mut ftp, "RETR f", None).1.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto, "{epsv}: {e}");
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "NOOP", "QUIT"]);
}

#[test]
fn pasv_with_an_octet_over_255_is_refused() {
    check_hostile_pasv("227 Entering Passive Mode (127,0,0,300,4,1)");
}

#[test]
fn pasv_naming_port_0_is_refused() {
    check_hostile_pasv("227 Entering Passive Mode (127,0,0,1,0,0)");
}

#[test]
fn pasv_with_missing_fields_is_refused() {
    check_hostile_pasv("227 Entering Passive Mode (127,0,0,1,4)");
}

#[test]
fn epsv_with_a_port_over_65535_is_refused() {
    check_hostile_epsv("229 Entering Extended Passive Mode (|||65536|)");
}

#[test]
fn epsv_without_the_closing_delimiter_is_refused() {
    check_hostile_epsv("229 Entering Extended Passive Mode (|||4242)");
}

#[test]
fn epsv_naming_port_0_is_refused() {
    check_hostile_epsv("229 Entering Extended Passive Mode (|||0|)");
}

#[test]
fn a_pasv_host_elsewhere_is_ignored_by_default() {
    // 10.9.8.7 is never dialled: the data connection goes to the control peer.
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply("500 no EPSV")],
        vec![expect("PASV"), Step::Pasv("10,9,8,7".into()), expect("RETR f"), reply("150 go"), Step::DataAccept],
        vec![Step::DataSend(b"ok".to_vec()), Step::DataClose, reply("226 done")],
        quit(),
    ];
    let (server, mut ftp) = session(script);
    let (got, r) = download(&mut ftp, "RETR f", None);
    r.unwrap();
    assert_eq!(got, b"ok");
    let t = done(server, ftp);
    assert_eq!(t.data_local[0].ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
}

#[test]
fn a_pasv_host_is_used_only_when_trusted() {
    let other = Ipv4Addr::new(127, 0, 0, 2);
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply("500 no EPSV")],
        vec![expect("PASV"), Step::PasvOn(other, "127,0,0,2".into()), expect("RETR f"), reply("150 go")],
        vec![Step::DataAccept, Step::DataSend(b"ok".to_vec()), Step::DataClose, reply("226 done")],
        quit(),
    ];
    let (server, mut ftp) = session(script);
    ftp.set_trust_pasv_host(true);
    download(&mut ftp, "RETR f", None).1.unwrap();
    assert_eq!(done(server, ftp).data_local[0].ip(), IpAddr::V4(other));
}

#[test]
fn epsv_refused_falls_back_to_pasv_for_good() {
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply("502 command not implemented")],
        vec![expect("PASV"), Step::Pasv("127,0,0,1".into()), expect("RETR a"), reply("150 go"), Step::DataAccept],
        vec![Step::DataSend(b"a".to_vec()), Step::DataClose, reply("226 done")],
        // The second transfer goes straight to PASV.
        vec![expect("PASV"), Step::Pasv("127,0,0,1".into()), expect("RETR b"), reply("150 go"), Step::DataAccept],
        vec![Step::DataSend(b"b".to_vec()), Step::DataClose, reply("226 done")],
        quit(),
    ];
    let (server, mut ftp) = session(script);
    assert_eq!(download(&mut ftp, "RETR a", None).0, b"a");
    assert_eq!(download(&mut ftp, "RETR b", None).0, b"b");
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "PASV", "RETR a", "PASV", "RETR b", "QUIT"]);
}

// ---- active mode -----------------------------------------------------------------------------

#[test]
fn active_mode_where_the_server_never_connects_times_out() {
    let script = vec![
        exchange("TYPE I", "200 binary"),
        vec![Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("200 PORT ok")],
        vec![expect("RETR f"), reply("150 connecting"), Step::Sleep(1200)],
        abor_settled(),
    ];
    let server = start("220 hi", script);
    let mut ftp = client(&server, SHORT);
    ftp.set_pasv(false);
    let e = download(&mut ftp, "RETR f", None).1.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    drop(ftp);
    let t = server.finish_any();
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("RETR")).count(), 1);
    assert!(t.data_local.is_empty());
}

#[test]
fn active_mode_drops_a_third_party_connection() {
    let data = pattern(4000);
    let script = vec![
        exchange("TYPE I", "200 binary"),
        vec![Step::ExpectPrefix("PORT ".into()), reply("200 PORT ok"), expect("RETR f"), reply("150 connecting")],
        // Someone else reaches the client's port first, from another address.
        vec![Step::IntruderConnect(Ipv4Addr::new(127, 0, 0, 2)), Step::ActiveConnect],
        vec![Step::DataSend(data.clone()), Step::DataClose, reply("226 done")],
        quit(),
    ];
    let (server, mut ftp) = session(script);
    ftp.set_pasv(false);
    let (got, r) = download(&mut ftp, "RETR f", None);
    r.unwrap();
    assert_eq!(got, data);
    assert_eq!(done(server, ftp).intruders_dropped, 1);
}

// ---- login -----------------------------------------------------------------------------------

#[test]
fn a_230_welcome_then_230_to_user_sends_no_password() {
    let server = start("230 already logged in", vec![exchange("USER anonymous", "230 welcome back"), quit()]);
    let mut ftp = client(&server, TIMEOUT);
    assert_eq!(ftp.welcome().unwrap().code, 230);
    assert_eq!(ftp.login(None, None, None).unwrap().code, 230);
    assert_eq!(cmds(&done(server, ftp)), ["USER anonymous", "QUIT"]);
}

#[test]
fn a_332_then_a_refused_account_is_a_permanent_error() {
    let script = vec![
        exchange("USER u", "331 password"),
        exchange("PASS p", "332 need account"),
        exchange("ACCT a", "530 account unknown"),
    ];
    let (server, mut ftp) = session(script);
    let e = ftp.login(Some("u"), Some("p"), Some("a")).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 530));
    drop(ftp);
    assert_eq!(cmds(&server.finish()), ["USER u", "PASS p", "ACCT a"]);
}

#[test]
fn a_530_to_user_sends_no_password() {
    let (server, mut ftp) = session(vec![exchange("USER u", "530 not allowed"), exchange("NOOP", "200 ok"), quit()]);
    let e = ftp.login(Some("u"), Some("secret"), None).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 530));
    assert_in_step(&mut ftp);
    let t = done(server, ftp);
    assert_never_sent(&t, &["PASS"]);
}

#[test]
fn a_421_during_login_is_a_temporary_error() {
    let script = vec![exchange("USER u", "331 password"), vec![expect("PASS p"), reply("421 closing"), Step::Close]];
    let (server, mut ftp) = session(script);
    let e = ftp.login(Some("u"), Some("p"), None).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Temp, 421));
    assert_eq!(cmds(&server.finish()), ["USER u", "PASS p"]);
}

// ---- SIZE / MDTM -----------------------------------------------------------------------------

fn size_reply(answer: &str) -> (ftp::Error, Transcript) {
    let script = vec![vec![expect("TYPE I"), expect("SIZE f"), reply("200 binary"), reply(answer)]];
    let (server, mut ftp) = session([script, vec![exchange("NOOP", "200 ok"), quit()]].concat());
    let e = ftp.size("f").unwrap_err();
    assert_in_step(&mut ftp);
    (e, done(server, ftp))
}

#[test]
fn garbage_from_size_is_a_protocol_error() {
    let (e, t) = size_reply("213 12abc");
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert_eq!(cmds(&t), ["TYPE I", "SIZE f", "NOOP", "QUIT"]);
}

#[test]
fn a_size_over_u64_is_a_protocol_error() {
    let (e, _) = size_reply("213 99999999999999999999999");
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
}

#[test]
fn garbage_from_mdtm_is_a_protocol_error() {
    let (server, mut ftp) = session(vec![exchange("MDTM f", "213 20261301250000"), exchange("NOOP", "200 ok"), quit()]);
    assert_eq!(ftp.mdtm("f").unwrap_err().kind(), ErrorKind::Proto);
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["MDTM f", "NOOP", "QUIT"]);
}

// ---- ABOR ------------------------------------------------------------------------------------

/// A transfer opened with transfercmd and 100 bytes read, then ABOR answered by `answer`.
fn abort_open_transfer(answer: Vec<Step>, timeout: Duration) -> (ftp::Result<ftp::Reply>, Ftp, FakeServer) {
    // transfercmd, like ftplib's, sends no TYPE.
    let mut s = vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 go"), Step::DataAccept];
    s.extend([Step::DataSend(pattern(100)), Step::ExpectRaw(ABOR_LINE.to_vec())]);
    s.extend(answer);
    let server = start("220 hi", vec![s]);
    let mut ftp = client(&server, timeout);
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    conn.read_exact(&mut [0u8; 100]).unwrap();
    let r = ftp.abort();
    drop(conn);
    (r, ftp, server)
}

#[test]
fn eof_in_the_middle_of_a_multiline_reply_is_closed() {
    let (server, mut ftp) = session(vec![vec![expect("STAT"), raw(b"211-status\r\n more\r\n"), Step::Close]]);
    assert_eq!(ftp.sendcmd("STAT").unwrap_err().kind(), ErrorKind::Closed);
    assert_unusable(&mut ftp);
    assert_eq!(cmds(&server.finish()), ["STAT"]);
}

#[test]
fn abor_answered_by_226_alone_ends_the_transfer() {
    let answer = vec![reply("226 aborted"), expect("NOOP"), reply("200 in step"), Step::DataClose];
    let (r, mut ftp, server) = abort_open_transfer([answer, exchange("NOOP", "200 ok"), quit()].concat(), TIMEOUT);
    assert_eq!(r.unwrap().code, 226);
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn abor_answered_by_225_ends_the_transfer() {
    let answer = vec![reply("225 data connection open, no transfer"), expect("NOOP"), reply("200 in step")];
    let (r, mut ftp, server) = abort_open_transfer([answer, exchange("NOOP", "200 ok"), quit()].concat(), TIMEOUT);
    assert_eq!(r.unwrap().code, 225);
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn abor_answered_by_nothing_times_out_and_ends_the_session() {
    let (r, mut ftp, server) = abort_open_transfer(vec![Step::Sleep(1200)], SHORT);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
    assert_unusable(&mut ftp);
    drop(ftp);
    assert_eq!(server.finish_any().raw[2], ABOR_LINE);
}

#[test]
fn abor_answered_by_a_closed_connection_is_closed() {
    let (r, mut ftp, server) = abort_open_transfer(vec![Step::Close], TIMEOUT);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Closed);
    assert_unusable(&mut ftp);
    assert_eq!(server.finish().raw[2], ABOR_LINE);
}

// ---- REST, STOR ------------------------------------------------------------------------------

#[test]
fn rest_past_the_end_refused_by_retr_is_a_permanent_error() {
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), Step::Epsv],
        exchange("REST 5000", "350 restarting at 5000"),
        exchange("RETR f", "554 offset beyond end of file"),
        exchange("NOOP", "200 ok"),
        quit(),
    ];
    let (server, mut ftp) = session(script);
    let (got, r) = download(&mut ftp, "RETR f", Some(5000));
    let e = r.unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 554));
    assert!(got.is_empty());
    assert_in_step(&mut ftp);
    done(server, ftp);
}

#[test]
fn stor_refused_with_552_sends_no_data() {
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), Step::Epsv],
        exchange("STOR f", "552 quota exceeded"),
        exchange("NOOP", "200 ok"),
        quit(),
    ];
    let (server, mut ftp) = session(script);
    let e = ftp.storbinary("STOR f", &mut &b"data"[..], 8192, None, |_| Flow::Continue(())).unwrap_err();
    assert_eq!((e.kind(), e.reply().unwrap().code), (ErrorKind::Perm, 552));
    assert_in_step(&mut ftp);
    let t = done(server, ftp);
    assert!(t.data.is_empty());
    assert_eq!(cmds(&t), ["TYPE I", "EPSV", "STOR f", "NOOP", "QUIT"]);
}

// ---- 257 -------------------------------------------------------------------------------------

fn pwd_reply(answer: &[u8]) -> (ftp::Result<Vec<u8>>, Transcript) {
    let mut line = answer.to_vec();
    line.extend_from_slice(b"\r\n");
    let (server, mut ftp) = session(vec![vec![expect("PWD"), raw(&line)], exchange("NOOP", "200 ok"), quit()]);
    let r = ftp.pwd();
    assert_in_step(&mut ftp);
    (r, done(server, ftp))
}

#[test]
fn a_257_without_a_closing_quote_is_a_protocol_error() {
    let (r, t) = pwd_reply(b"257 \"/home/unterminated");
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Proto);
    assert_eq!(cmds(&t), ["PWD", "NOOP", "QUIT"]);
}

#[test]
fn a_257_with_doubled_quotes_unescapes_them() {
    assert_eq!(pwd_reply(b"257 \"/a \"\"quoted\"\" dir\" is current").0.unwrap(), b"/a \"quoted\" dir");
}

#[test]
fn a_257_with_rubbish_before_the_path_skips_it() {
    assert_eq!(pwd_reply(b"257 current directory: \"/srv/ftp\" ok").0.unwrap(), b"/srv/ftp");
}

#[test]
fn a_257_with_control_bytes_in_the_path_is_a_protocol_error() {
    for bad in [&b"257 \"/a\x01b\""[..], b"257 \"/a\x00b\"", b"257 \"/a\x1bb\"", b"257 \"/a\x7fb\""] {
        assert_eq!(pwd_reply(bad).0.unwrap_err().kind(), ErrorKind::Proto, "{bad:?}");
    }
}

/// `list_all` of an MLSD listing the server sends as `listing`, expected to fail.
fn gathered_listing_error(listing: Vec<u8>) -> ftp::Error {
    let server = start(
        "220 ready",
        vec![
            exchange("FEAT", "211-x\r\n MLST type*;size*;\r\n211 end"),
            vec![expect("TYPE A"), expect("EPSV"), reply("200 ascii"), Step::Epsv, expect("MLSD")],
            // The client cuts the listing at its bound: how much of the rest the
            // socket buffers took by then is timing.
            vec![reply("150 here"), Step::DataAccept, Step::DataSendUntilCut(listing), Step::DataClose],
            abor_settled(),
            quit(),
        ],
    );
    let mut ftp = client(&server, Duration::from_secs(20));
    let e = ftp.list_all("").unwrap_err();
    ftp.quit().unwrap();
    server.finish();
    e
}

#[test]
fn a_listing_without_end_is_cut_at_the_bound_not_taken_into_memory() {
    // One entry more than a gathered listing may hold.
    let e = gathered_listing_error(b"type=file;size=1; f\r\n".repeat(ftp::MAX_LISTED + 1));
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("more than 1000000 entries"), "{e}");
}

#[test]
fn a_listing_of_huge_names_is_cut_at_the_byte_bound() {
    // Few entries, each an 8 KiB name: the entry count alone would let gigabytes in.
    let line = [b"type=file;size=1; ".as_slice(), &[b'n'; 8000], b"\r\n"].concat();
    let e = gathered_listing_error(line.repeat(ftp::MAX_LISTED_BYTES / 8000 + 1));
    assert_eq!(e.kind(), ErrorKind::Proto, "{e}");
    assert!(e.to_string().contains("more than 256 MiB"), "{e}");
}
