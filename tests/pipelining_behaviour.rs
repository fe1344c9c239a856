//! Pipelined commands and stray replies, played by the scripted fake server. With
//! pipelining on (the default) the client sends two commands in one write at these
//! points, and each reply must be matched to its command:
//!
//! - P1 `TYPE` + `EPSV` (a transfer that needs another type, EPSV not refused yet);
//! - P2 `TYPE` + `PASV` (the same after EPSV was refused, or in PASV-only mode);
//! - P3 `TYPE` + `SIZE`;
//! - P4 `EPSV` + the transfer command (`RETR`, `LIST`, ...; once EPSV worked on the
//!   connection and neither TYPE nor REST has to go first).
//!
//! At each point three kinds of stray reply are played, each coming AFTER the client's
//! write, so that dropping replies before a command cannot catch it:
//!
//! - duplicated: the first command's answer comes twice (P1-P3: TYPE's 200; P4: EPSV's 229);
//! - late: a reply to an earlier exchange comes first (a previous transfer's 226);
//! - unsolicited: a reply nobody asked for comes between the two answers (a 220, a 200
//!   after the first answer, or a 227 where a 229 is due).
//!
//! How a stray is told from an answer: TYPE (first in a write) and EPSV (first in P4)
//! take only 200 / 229 (or a refusal), so anything else before them is dropped and the
//! next reply read. For the last command of P1-P3 (EPSV, PASV, SIZE; also sent alone)
//! a reply that cannot answer it may be a stray or the server's broken answer: the
//! client sends NOOP, and a fitting reply before NOOP's 200 is the answer, else the odd
//! reply was (reported as the reply error it is). For P4's transfer command a 2xx or
//! 229 before the 1xx is dropped, as a 2xx there always was (no NOOP while the server
//! may be starting a transfer).
//!
//! Plus a refused TYPE followed by a stray (the second command's answer must still be
//! read), the stray that comes in the first answer's place (P4's EPSV), and the passive
//! mode switch: PASV only, EPSV only, and a first EPSV left unanswered (falls back to
//! PASV after the short wait, the late 229 dropped).
//! Also here: the source port (`set_source_port`), which binds the control connection
//! and never a data connection.
//! Every scenario asserts what the client sent, what it returned, and that the next
//! command (NOOP) gets its own reply ("200 noop's own").

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{cmds, done, expect, pattern, quit, raw, reply};
use ftp::{ErrorKind, Ftp, PassiveMode};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(3);

fn session(script: Vec<Vec<Step>>, setup: impl FnOnce(&mut Ftp)) -> (FakeServer, Ftp) {
    session_with(script, TIMEOUT, setup)
}

fn session_with(script: Vec<Vec<Step>>, timeout: Duration, setup: impl FnOnce(&mut Ftp)) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 pipelining test server")];
    full.extend(script.into_iter().flatten());
    let server = FakeServer::start(full);
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    setup(&mut ftp);
    ftp.connect("127.0.0.1", server.port, Some(timeout), None).expect("connect to the fake server");
    (server, ftp)
}

/// The server's side of a download after the data connection is set up: `cmd`'s 150,
/// the data, 226.
fn serve(data: &[u8]) -> Vec<Step> {
    vec![
        reply("150 opening data connection"),
        Step::DataAccept,
        Step::DataSend(data.to_vec()),
        Step::DataClose,
        reply("226 done"),
    ]
}

fn noop() -> Vec<Step> {
    vec![expect("NOOP"), reply("200 noop's own")]
}

/// The NOOP the client sends when a reply cannot answer the last command of a write.
fn resync() -> Vec<Step> {
    vec![expect("NOOP"), reply("200 resync")]
}

/// The commands the client sent, with `after` followed by the resynchronising NOOP
/// when `resynced`.
fn with_resync<'a>(sent: &[&'a str], after: &str, resynced: bool) -> Vec<&'a str> {
    let mut v = Vec::new();
    for c in sent {
        v.push(*c);
        if resynced && *c == after {
            v.push("NOOP");
        }
    }
    v
}

fn download(ftp: &mut Ftp, cmd: &str) -> ftp::Result<(Vec<u8>, ftp::Reply)> {
    let mut got = Vec::new();
    let r = ftp.retrbinary(cmd, 8192, None, |b| {
        got.extend_from_slice(b);
        ControlFlow::Continue(())
    })?;
    Ok((got, r))
}

/// The next command gets its own reply, not a stray one left queued.
fn assert_in_step(ftp: &mut Ftp) {
    assert_eq!(ftp.sendcmd("NOOP").expect("NOOP after the scenario").text(), "200 noop's own");
}

// ---- P1: TYPE + EPSV ------------------------------------------------------------------------

/// TYPE I and EPSV in one write, answered with `answers` (which must include the 229,
/// as `Step::Epsv`), then RETR f served.
fn p1(answers: Vec<Step>, resynced: bool) {
    let data = pattern(3000);
    let mut script = vec![expect("TYPE I"), expect("EPSV")];
    script.extend(answers);
    if resynced {
        script.extend(resync());
    }
    script.push(expect("RETR f"));
    script.extend(serve(&data));
    let (server, mut ftp) = session(vec![script, noop(), quit()], |_| {});
    let (got, r) = download(&mut ftp, "RETR f").expect("download");
    assert_eq!((got, r.code), (data, 226));
    assert_in_step(&mut ftp);
    let sent = ["TYPE I", "EPSV", "RETR f", "NOOP", "QUIT"];
    assert_eq!(cmds(&done(server, ftp)), with_resync(&sent, "EPSV", resynced));
}

#[test]
fn p1_type_answered_twice_is_not_taken_for_epsv_answer() {
    p1(vec![reply("200 binary"), reply("200 binary (again)"), Step::Epsv], true);
}

#[test]
fn p1_a_late_transfer_reply_before_the_type_answer_is_dropped() {
    p1(vec![reply("226 a previous transfer's end"), reply("200 binary"), Step::Epsv], false);
}

#[test]
fn p1_an_unsolicited_reply_between_the_answers_is_dropped() {
    p1(
        vec![
            reply("200 binary"),
            reply("220 hello again"),
            raw(b"227 Entering Passive Mode (9,9,9,9,1,1)\r\n"),
            Step::Epsv,
        ],
        true,
    );
}

#[test]
fn p1_a_refused_type_still_reads_epsv_answer_past_a_stray() {
    let (server, mut ftp) = session(
        vec![
            vec![expect("TYPE I"), expect("EPSV"), reply("504 no binary"), reply("200 stray"), Step::Epsv],
            resync(),
            noop(),
            quit(),
        ],
        |_| {},
    );
    let e = download(&mut ftp, "RETR f").unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(504), "{e}");
    assert_eq!(ftp.last_command(), Some("TYPE I"));
    // The 229 was read (past the stray 200), not left for NOOP.
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "NOOP", "NOOP", "QUIT"]);
}

// ---- P2: TYPE + PASV ------------------------------------------------------------------------

fn p2(answers: Vec<Step>, resynced: bool) {
    let data = pattern(2000);
    let mut script = vec![expect("TYPE I"), expect("PASV")];
    script.extend(answers);
    if resynced {
        script.extend(resync());
    }
    script.push(expect("RETR f"));
    script.extend(serve(&data));
    let (server, mut ftp) = session(vec![script, noop(), quit()], |f| f.set_passive_mode(PassiveMode::PasvOnly));
    let (got, r) = download(&mut ftp, "RETR f").expect("download");
    assert_eq!((got, r.code), (data, 226));
    assert_in_step(&mut ftp);
    let sent = ["TYPE I", "PASV", "RETR f", "NOOP", "QUIT"];
    assert_eq!(cmds(&done(server, ftp)), with_resync(&sent, "PASV", resynced));
}

#[test]
fn p2_type_answered_twice_is_not_taken_for_pasv_answer() {
    p2(vec![reply("200 binary"), reply("200 binary (again)"), Step::Pasv("127,0,0,1".into())], true);
}

#[test]
fn p2_a_late_reply_before_the_type_answer_is_dropped() {
    p2(vec![reply("226 a previous transfer's end"), reply("200 binary"), Step::Pasv("127,0,0,1".into())], false);
}

#[test]
fn p2_an_unsolicited_229_where_a_227_is_due_is_dropped() {
    p2(
        vec![
            reply("200 binary"),
            raw(b"229 Entering Extended Passive Mode (|||9|)\r\n"),
            Step::Pasv("127,0,0,1".into()),
        ],
        true,
    );
}

#[test]
fn p2_after_a_refused_epsv_type_and_pasv_are_pipelined_and_matched() {
    // EPSV refused on the first transfer; the second needs TYPE A, sent with PASV.
    let data = pattern(500);
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply("500 EPSV not understood")],
        vec![expect("PASV"), Step::Pasv("127,0,0,1".into()), expect("RETR a")],
        serve(&data),
        vec![expect("TYPE A"), expect("PASV"), reply("200 ascii"), reply("200 ascii (again)")],
        vec![Step::Pasv("127,0,0,1".into())],
        resync(),
        vec![expect("NLST"), reply("150 here"), Step::DataAccept],
        vec![Step::DataSend(b"x\r\n".to_vec()), Step::DataClose, reply("226 listed")],
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session(script, |_| {});
    assert_eq!(download(&mut ftp, "RETR a").unwrap().0, data);
    let mut names = Vec::new();
    ftp.nlst("", |l| {
        names.push(l.to_vec());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(names, [b"x".to_vec()]);
    assert_in_step(&mut ftp);
    assert_eq!(
        cmds(&done(server, ftp)),
        ["TYPE I", "EPSV", "PASV", "RETR a", "TYPE A", "PASV", "NOOP", "NLST", "NOOP", "QUIT"]
    );
}

// ---- P3: TYPE + SIZE ------------------------------------------------------------------------

fn p3(answers: Vec<Step>, resynced: bool) {
    let mut script = vec![expect("TYPE I"), expect("SIZE f")];
    script.extend(answers);
    if resynced {
        script.extend(resync());
    }
    let (server, mut ftp) = session(vec![script, noop(), quit()], |_| {});
    assert_eq!(ftp.size("f").expect("SIZE"), Some(42));
    assert_in_step(&mut ftp);
    let sent = ["TYPE I", "SIZE f", "NOOP", "QUIT"];
    assert_eq!(cmds(&done(server, ftp)), with_resync(&sent, "SIZE f", resynced));
}

#[test]
fn p3_type_answered_twice_is_not_taken_for_size_answer() {
    p3(vec![reply("200 binary"), reply("200 binary (again)"), reply("213 42")], true);
}

#[test]
fn p3_a_late_reply_before_the_type_answer_is_dropped() {
    p3(vec![reply("226 a previous transfer's end"), reply("200 binary"), reply("213 42")], false);
}

#[test]
fn p3_an_unsolicited_reply_between_the_answers_is_dropped() {
    p3(vec![reply("200 binary"), reply("220 hello again"), reply("213 42")], true);
}

// ---- P4: EPSV + transfer command --------------------------------------------------------------

/// A first download (TYPE I + EPSV, then RETR a) makes EPSV known to work; the second
/// sends EPSV and RETR b in one write, answered with `answers`.
fn p4(answers: Vec<Step>) {
    let (a, b) = (pattern(1000), pattern(4000));
    let mut second = vec![expect("EPSV"), expect("RETR b")];
    second.extend(answers);
    second.extend([Step::DataAccept, Step::DataSend(b.clone()), Step::DataClose, reply("226 done b")]);
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), Step::Epsv, expect("RETR a")],
        serve(&a),
        second,
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session(script, |_| {});
    assert_eq!(download(&mut ftp, "RETR a").unwrap().0, a);
    let (got, r) = download(&mut ftp, "RETR b").expect("second download");
    assert_eq!((got, r.text()), (b, "226 done b".to_string()));
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "RETR a", "EPSV", "RETR b", "NOOP", "QUIT"]);
}

#[test]
fn p4_epsv_answered_twice_is_not_taken_for_retr_answer() {
    p4(vec![Step::Epsv, raw(b"229 Entering Extended Passive Mode (|||9|)\r\n"), reply("150 b")]);
}

#[test]
fn p4_a_late_reply_before_the_epsv_answer_is_dropped() {
    p4(vec![reply("226 a previous transfer's end"), Step::Epsv, reply("150 b")]);
}

#[test]
fn p4_an_unsolicited_reply_between_the_answers_is_dropped() {
    p4(vec![Step::Epsv, reply("200 nobody asked"), reply("150 b")]);
}

#[test]
fn p4_a_stray_200_where_the_229_is_due_is_dropped() {
    p4(vec![reply("200 stray"), Step::Epsv, reply("150 b")]);
}

// ---- a reply that cannot answer, and is the answer -------------------------------------------

#[test]
fn a_broken_answer_is_told_from_a_stray_by_noop_and_reported() {
    // PASV answered with a 200 (no 227 follows): NOOP's 200 comes next, so the 200 was
    // PASV's answer. Reported as the reply error it is; RETR never sent; in step.
    let script = vec![
        vec![expect("TYPE I"), expect("PASV"), reply("200 binary"), reply("200 not a 227")],
        resync(),
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session(script, |f| f.set_passive_mode(PassiveMode::PasvOnly));
    let e = download(&mut ftp, "RETR f").unwrap_err();
    assert_eq!((e.kind(), e.reply().map(|r| r.text())), (ErrorKind::Reply, Some("200 not a 227".into())));
    // The answer stays the last reply, with the command it answered.
    assert_eq!(ftp.last_reply().map(|r| r.text()), Some("200 not a 227".into()));
    assert_eq!(ftp.last_command(), Some("PASV"));
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "PASV", "NOOP", "NOOP", "QUIT"]);
}

#[test]
fn size_answered_with_another_2xx_is_no_size_after_noop() {
    let script = vec![
        vec![expect("TYPE I"), expect("SIZE f"), reply("200 binary"), reply("250 some other 2xx")],
        resync(),
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session(script, |_| {});
    assert_eq!(ftp.size("f").unwrap(), None);
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "SIZE f", "NOOP", "NOOP", "QUIT"]);
}

#[test]
fn a_421_while_resynchronising_ends_the_session() {
    let script = vec![
        vec![expect("TYPE I"), expect("SIZE f"), reply("200 binary"), reply("200 binary (again)")],
        vec![expect("NOOP"), reply("421 closing"), Step::ExpectEof],
    ];
    let (server, mut ftp) = session(script, |_| {});
    let e = ftp.size("f").unwrap_err();
    assert_eq!((e.kind(), e.reply().map(|r| r.code)), (ErrorKind::Temp, Some(421)));
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    ftp.close();
    assert_eq!(cmds(&server.finish()), ["TYPE I", "SIZE f", "NOOP"]);
}

// ---- passive mode switch --------------------------------------------------------------------

#[test]
fn pasv_only_never_sends_epsv() {
    let data = pattern(100);
    let script = vec![
        vec![expect("TYPE I"), expect("PASV"), reply("200 binary"), Step::Pasv("127,0,0,1".into()), expect("RETR a")],
        serve(&data),
        vec![expect("PASV"), Step::Pasv("127,0,0,1".into()), expect("RETR a")],
        serve(&data),
        quit(),
    ];
    let (server, mut ftp) = session(script, |f| f.set_passive_mode(PassiveMode::PasvOnly));
    assert_eq!(ftp.options().passive_mode, PassiveMode::PasvOnly);
    assert_eq!(download(&mut ftp, "RETR a").unwrap().0, data);
    assert_eq!(download(&mut ftp, "RETR a").unwrap().0, data);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "PASV", "RETR a", "PASV", "RETR a", "QUIT"]);
}

#[test]
fn epsv_only_fails_on_a_refused_epsv_without_trying_pasv() {
    let script =
        vec![vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), reply("502 no EPSV here")], noop(), quit()];
    let (server, mut ftp) = session(script, |f| f.set_passive_mode(PassiveMode::EpsvOnly));
    let e = download(&mut ftp, "RETR a").unwrap_err();
    assert_eq!((e.kind(), e.reply().map(|r| r.code)), (ErrorKind::Perm, Some(502)));
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "NOOP", "QUIT"]);
}

#[test]
fn an_unanswered_first_epsv_falls_back_to_pasv_and_its_late_229_is_dropped() {
    let data = pattern(700);
    let script = vec![
        // EPSV gets no answer until PASV comes: then its 229, late, and PASV's 227.
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), expect("PASV")],
        vec![raw(b"229 Entering Extended Passive Mode (|||9|)\r\n"), Step::Pasv("127,0,0,1".into())],
        resync(),
        vec![expect("RETR a")],
        serve(&data),
        // EPSV is not tried again on this connection.
        vec![expect("PASV"), Step::Pasv("127,0,0,1".into()), expect("RETR a")],
        serve(&data),
        noop(),
        quit(),
    ];
    // A 1 s reply timeout: the first EPSV's wait is the shorter of it and FIRST_EPSV_WAIT.
    let (server, mut ftp) = session_with(script, Duration::from_secs(1), |_| {});
    let t0 = Instant::now();
    assert_eq!(download(&mut ftp, "RETR a").expect("download after the fallback").0, data);
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(2500), "{took:?}");
    assert_eq!(download(&mut ftp, "RETR a").unwrap().0, data);
    assert_in_step(&mut ftp);
    assert_eq!(
        cmds(&done(server, ftp)),
        ["TYPE I", "EPSV", "PASV", "NOOP", "RETR a", "PASV", "RETR a", "NOOP", "QUIT"]
    );
}

#[test]
fn a_late_refusal_of_an_unanswered_epsv_is_not_taken_for_pasv_s_answer() {
    let data = pattern(300);
    let script = vec![
        // EPSV's refusal comes only after PASV went out, then PASV's 227: a NOOP tells.
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), expect("PASV")],
        vec![raw(b"500 EPSV not understood\r\n"), Step::Pasv("127,0,0,1".into())],
        resync(),
        vec![expect("RETR a")],
        serve(&data),
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session_with(script, Duration::from_millis(500), |_| {});
    assert_eq!(download(&mut ftp, "RETR a").expect("PASV's own 227 is used").0, data);
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "PASV", "NOOP", "RETR a", "NOOP", "QUIT"]);
}

#[test]
fn pasv_refused_after_an_unanswered_epsv_is_pasv_s_refusal_and_the_session_stays_in_step() {
    let script = vec![
        vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), expect("PASV"), reply("502 PASV disabled")],
        resync(),
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session_with(script, Duration::from_millis(500), |_| {});
    let e = download(&mut ftp, "RETR a").unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(502), "{e}");
    assert_in_step(&mut ftp);
    assert_eq!(cmds(&done(server, ftp)), ["TYPE I", "EPSV", "PASV", "NOOP", "NOOP", "QUIT"]);
}

#[test]
fn epsv_only_does_not_fall_back_when_epsv_goes_unanswered() {
    let script = vec![vec![expect("TYPE I"), expect("EPSV"), reply("200 binary"), Step::Sleep(1500), Step::Close]];
    let (server, mut ftp) =
        session_with(script, Duration::from_millis(500), |f| f.set_passive_mode(PassiveMode::EpsvOnly));
    let e = download(&mut ftp, "RETR a").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    // A reply timeout: the session is out of step and says so.
    assert_eq!(ftp.sendcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
    drop(ftp);
    assert_eq!(cmds(&server.finish_any()), ["TYPE I", "EPSV"]);
}

// ---- source port ------------------------------------------------------------------------------

/// A server that answers a login-less download, recording the client's address on the
/// control connection and on the data connection.
fn recording_server() -> (u16, std::thread::JoinHandle<(std::net::SocketAddr, std::net::SocketAddr)>) {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (ctrl, control_peer) = listener.accept().unwrap();
        ctrl.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut w = ctrl.try_clone().unwrap();
        let mut lines = BufReader::new(ctrl);
        w.write_all(b"220 ready\r\n").unwrap();
        let data_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut data_peer = None;
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap() == 0 {
                break;
            }
            match line.trim_end() {
                "TYPE I" => w.write_all(b"200 binary\r\n").unwrap(),
                "EPSV" => {
                    let p = data_listener.local_addr().unwrap().port();
                    w.write_all(format!("229 ok (|||{p}|)\r\n").as_bytes()).unwrap();
                }
                "RETR f" => {
                    w.write_all(b"150 here\r\n").unwrap();
                    let (mut d, peer) = data_listener.accept().unwrap();
                    data_peer = Some(peer);
                    d.write_all(b"hello").unwrap();
                    drop(d);
                    w.write_all(b"226 done\r\n").unwrap();
                }
                "QUIT" => {
                    w.write_all(b"221 bye\r\n").unwrap();
                    break;
                }
                other => panic!("unexpected command {other:?}"),
            }
        }
        (control_peer, data_peer.expect("a data connection"))
    });
    (port, t)
}

#[test]
fn the_source_port_binds_the_control_connection_only() {
    let (port, server) = recording_server();
    // A free port: taken from a listener closed at once.
    let source_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut ftp = Ftp::new();
    ftp.set_source_port(source_port);
    assert_eq!(ftp.options().source_port, source_port);
    ftp.connect("127.0.0.1", port, Some(TIMEOUT), Some("127.0.0.1".parse().unwrap())).unwrap();
    assert_eq!(download(&mut ftp, "RETR f").unwrap().0, b"hello");
    ftp.quit().unwrap();
    let (control, data) = server.join().unwrap();
    assert_eq!(control, std::net::SocketAddr::new("127.0.0.1".parse().unwrap(), source_port));
    // The data connection: the source address, a port of the system's choice.
    assert_eq!(data.ip(), control.ip());
    assert_ne!(data.port(), source_port);
}

#[test]
fn a_source_port_without_a_source_address_binds_the_unspecified_address() {
    let (port, server) = recording_server();
    let source_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut ftp = Ftp::new();
    ftp.set_source_port(source_port);
    ftp.connect("127.0.0.1", port, Some(TIMEOUT), None).unwrap();
    assert_eq!(download(&mut ftp, "RETR f").unwrap().0, b"hello");
    ftp.quit().unwrap();
    let (control, data) = server.join().unwrap();
    assert_eq!(control.port(), source_port);
    assert_ne!(data.port(), source_port);
}

// ---- ABOR form --------------------------------------------------------------------------------

/// A download the client aborts after the first bytes; the server takes the ABOR only
/// as exactly `abor` (as a server that does not strip Telnet bytes would), answers 426
/// and 226, then the client's NOOP.
fn abort_with(urgent: Option<bool>, abor: &[u8]) {
    use std::io::Read;
    let script = vec![
        vec![expect("EPSV"), Step::Epsv, expect("RETR big"), reply("150 sending"), Step::DataAccept],
        vec![Step::DataSend(pattern(1000)), Step::ExpectRaw(abor.to_vec())],
        vec![reply("426 aborted"), reply("226 abort done"), expect("NOOP"), reply("200 resync"), Step::DataClose],
        noop(),
        quit(),
    ];
    let (server, mut ftp) = session(script, |f| {
        if let Some(u) = urgent {
            f.set_abort_urgent(u);
        }
    });
    assert_eq!(ftp.options().abort_urgent, urgent.unwrap_or(false));
    let mut conn = ftp.transfercmd("RETR big", None).unwrap();
    let mut first = [0u8; 10];
    conn.read_exact(&mut first).unwrap();
    assert_eq!(ftp.abort().unwrap().text(), "226 abort done");
    drop(conn);
    assert_in_step(&mut ftp);
    let t = done(server, ftp);
    assert_eq!(t.raw[2], abor);
    assert_eq!(cmds(&t)[3..], ["NOOP", "NOOP", "QUIT"]);
}

#[test]
fn abort_is_a_plain_abor_line_by_default() {
    abort_with(None, common::script::ABOR_LINE);
    assert_eq!(common::script::ABOR_LINE, b"ABOR\r\n");
}

#[test]
fn abort_urgent_sends_telnet_ip_and_synch_first() {
    abort_with(Some(true), common::script::URGENT_ABOR_LINE);
    abort_with(Some(false), b"ABOR\r\n");
}
