//! FTPS (ftplib's FTP_TLS, plus what it lacks) against the scripted fake server doing
//! real TLS: the command sequence, session reuse on data connections, the end-of-file
//! policy, CCC, and the downgrade and injection defences.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{ABOR_LINE, assert_never_sent, done, exchange, expect, quit, raw, reply};
use common::tls;
use ftp::{ErrorKind, Flow, Ftp, TlsConfig, TlsFailure, TlsMode, TlsVersion};
use openssl::ssl::SslVersion;
use std::time::Duration;

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

/// Client settings trusting the fake server's certificate.
fn config() -> TlsConfig {
    let mut c = TlsConfig::new();
    c.set_ca_file(Some(&tls::ca_file())).unwrap();
    c
}

/// AUTH TLS accepted and the handshake, then a login and the automatic PBSZ/PROT P.
fn auth_and_login() -> Vec<Step> {
    let mut s = exchange("AUTH TLS", "234 AUTH TLS ok");
    s.push(Step::StartTls);
    s.extend(exchange("USER bob", "331 password please"));
    s.extend(exchange("PASS pw", "230 logged in"));
    s.extend(exchange("PBSZ 0", "200 PBSZ=0"));
    s.extend(exchange("PROT P", "200 protection private"));
    s
}

/// A TLS download of `data`: the 150 reply text, then how the server ends the data connection.
fn tls_download(announce: &str, data: &[u8], close: Step, end: &str) -> Vec<Step> {
    tls_download_with("I", announce, Step::DataStartTls, data, close, end)
}

/// `tls_download` in representation type `ty`, the data connection's TLS started by `start`.
fn tls_download_with(ty: &str, announce: &str, start: Step, data: &[u8], close: Step, end: &str) -> Vec<Step> {
    let mut s = exchange(&format!("TYPE {ty}"), "200 type set");
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply(announce), Step::DataAccept, start]);
    s.extend([Step::DataSend(data.to_vec()), close, reply(end)]);
    s
}

/// A data connection's TLS that issues no ticket and takes a connection that did not
/// resume (a server not requiring reuse).
const DECLINING: Step = Step::DataStartTlsWith { tickets: false, require_reuse: false };

/// A server running `script` after its welcome, and an explicit-FTPS client connected
/// (AUTH done) with `cfg`.
fn explicit(script: Vec<Step>, cfg: TlsConfig, max: Option<SslVersion>) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 fake ready")];
    full.extend(script);
    let server = FakeServer::start_tls(full, tls::acceptor(max), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, cfg);
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).expect("connect");
    (server, ftp)
}

fn retr(ftp: &mut Ftp) -> ftp::Result<Vec<u8>> {
    let mut got = Vec::new();
    ftp.retrbinary("RETR f", 8192, None, |b| {
        got.extend_from_slice(b);
        Flow::Continue(())
    })?;
    Ok(got)
}

fn tls_kind(e: &ftp::Error) -> Option<TlsFailure> {
    match e.kind() {
        ErrorKind::Tls(f) => Some(f),
        _ => None,
    }
}

#[test]
fn explicit_download_resumes_the_control_session_tls13() {
    let data = vec![7u8; 100_000];
    let mut script = auth_and_login();
    script.extend(tls_download("150 here (100000 bytes)", &data, Step::DataClose, "226 done"));
    script.extend(tls_download("150 again (100000 bytes)", &data, Step::DataClose, "226 done"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(ftp.tls_info().unwrap().0, "TLSv1.3");
    assert!(ftp.is_data_protected());
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert_eq!(ftp.data_session_resumed(), Some(true));
    assert_eq!(retr(&mut ftp).unwrap(), data);
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, vec![true, true], "the server saw both data connections resume");
}

#[test]
fn explicit_download_resumes_the_control_session_tls12() {
    let data = b"tls 1.2 bytes".to_vec();
    let mut script = auth_and_login();
    script.extend(tls_download("150 here (13 bytes)", &data, Step::DataClose, "226 done"));
    script.extend(tls_download("150 here (13 bytes)", &data, Step::DataCloseAbrupt, "226 done"));
    script.extend(tls_download("150 here (13 bytes)", &data, Step::DataClose, "226 done"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), Some(SslVersion::TLS1_2));
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(ftp.tls_info().unwrap().0, "TLSv1.2");
    for _ in 0..3 {
        assert_eq!(retr(&mut ftp).unwrap(), data);
    }
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, vec![true, true, true]);
}

/// A server whose control handshake issues no ticket; `late` issues one after login.
fn tickets_after_login(late: bool, data: &[u8]) -> Vec<Step> {
    let mut s = exchange("AUTH TLS", "234 AUTH TLS ok");
    s.push(Step::StartTlsNoTickets);
    s.extend(exchange("USER bob", "331 password please"));
    s.push(expect("PASS pw"));
    if late {
        s.push(Step::IssueTicket);
    }
    s.push(reply("230 logged in"));
    s.extend(exchange("PBSZ 0", "200 PBSZ=0"));
    s.extend(exchange("PROT P", "200 protection private"));
    s.extend(tls_download("150 here", data, Step::DataClose, "226 done"));
    s.extend(quit());
    s
}

#[test]
fn a_ticket_issued_after_login_is_used_for_data() {
    let data = b"late ticket".to_vec();
    for late in [true, false] {
        let (server, mut ftp) = explicit(tickets_after_login(late, &data), config(), None);
        ftp.login(Some("bob"), Some("pw"), None).unwrap();
        assert_eq!(retr(&mut ftp).unwrap(), data);
        let t = done(server, ftp);
        // Without any ticket there is nothing to resume: that shows the late one is used.
        assert_eq!(t.data_tls_resumed, vec![late], "late ticket: {late}");
    }
}

#[test]
fn endless_session_tickets_end_in_a_timeout() {
    // Tickets keep bytes arriving, so no read ever meets a silence: the reply timeout
    // must bound the whole reply, or USER would wait for the whole flood.
    let mut s = exchange("AUTH TLS", "234 AUTH TLS ok");
    s.extend([Step::StartTls, expect("USER bob"), Step::TicketFlood(3000), reply("331 too late")]);
    let server = FakeServer::start_tls([vec![reply("220 fake ready")], s].concat(), tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_millis(300)), None).expect("connect");
    let err = ftp.login(Some("bob"), Some("pw"), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("within the reply timeout"), "{err}");
    drop(ftp);
    assert_eq!(server.finish_any().commands, ["AUTH TLS", "USER bob"]);

    // On a data connection the data timeout bounds a run of them.
    let flood = vec![Step::DataStartTls, Step::DataSend(b"some".to_vec()), Step::DataTicketFlood(1500)];
    let err = stalled_download(flood, 300);
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("TLS records without data"), "{err}");
}

/// A protected download of f that `stall` holds up once the data connection is
/// accepted, with a data timeout of `data_ms`: its error, after checking that the
/// transfer was aborted and the session kept in step.
fn stalled_download(stall: Vec<Step>, data_ms: u64) -> ftp::Error {
    let mut s = auth_and_login();
    s.extend(exchange("TYPE I", "200 binary"));
    s.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept]);
    s.extend(stall);
    s.extend([expect("ABOR"), Step::DataClose, reply("426 aborted"), reply("226 ok")]);
    s.extend([expect("NOOP"), reply("200 in step")]);
    s.extend(quit());
    let (server, mut ftp) = explicit(s, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.set_timeouts(ftp::Timeouts { data: Some(Some(Duration::from_millis(data_ms))), ..ftp::Timeouts::default() })
        .unwrap();
    let err = retr(&mut ftp).unwrap_err();
    assert!(done(server, ftp).commands.ends_with(&["ABOR".into(), "NOOP".into(), "QUIT".into()]));
    err
}

#[test]
fn session_reuse_can_be_turned_off() {
    let data = b"full handshake".to_vec();
    let mut script = auth_and_login();
    script.extend(tls_download("150 here", &data, Step::DataClose, "226 done"));
    script.extend(quit());
    let mut cfg = config();
    cfg.set_session_reuse(false);
    let (server, mut ftp) = explicit(script, cfg, None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert_eq!(ftp.data_session_resumed(), Some(false));
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, vec![false]);
}

#[test]
fn data_close_without_close_notify_is_accepted_when_the_size_matches() {
    let data = vec![1u8; 5000];
    let mut script = auth_and_login();
    script.extend(tls_download("150 here (5000 bytes)", &data, Step::DataCloseAbrupt, "226 done"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    done(server, ftp);
}

#[test]
fn data_close_without_close_notify_short_of_the_announced_size_is_truncation() {
    let data = vec![1u8; 3000];
    let mut script = auth_and_login();
    script.extend(tls_download("150 here (5000 bytes)", &data, Step::DataCloseAbrupt, "226 done"));
    // The client ends the transfer the abort way; the server already said 226.
    script.extend([expect("ABOR"), reply("225 no transfer to abort"), expect("NOOP"), reply("200 ok")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    let err = retr(&mut ftp).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Failed), "{err}");
    assert!(err.to_string().contains("truncated") && err.to_string().contains("3000 of the 5000"), "{err}");
    done(server, ftp);
}

#[test]
fn an_ascii_download_is_not_held_to_the_size_on_disk() {
    // In ASCII mode the server announces the file's size on disk and sends it with
    // CRLF: more bytes than announced. No comparison applies; the 226 decides.
    let mut script = auth_and_login();
    let (announce, data) = ("150 Opening f (12 bytes).", b"line1\r\nline2\r\n");
    script.extend(tls_download_with("A", announce, Step::DataStartTls, data, Step::DataCloseAbrupt, "226 done"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    let mut lines = Vec::new();
    ftp.retrlines("RETR f", |l| {
        lines.push(l.to_vec());
        Flow::Continue(())
    })
    .unwrap();
    assert_eq!(lines, [b"line1".to_vec(), b"line2".to_vec()]);
    assert_never_sent(&done(server, ftp), &["ABOR"]);
}

#[test]
fn active_mode_150_whose_lf_comes_in_its_own_tls_record_still_waits_for_the_server() {
    let data = vec![7u8; 5000];
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([Step::ExpectPrefix("PORT 127,0,0,1,".into()), reply("200 PORT ok")]);
    script.extend([expect("RETR f"), raw(b"150 connecting\r"), Step::Sleep(50), raw(b"\n"), Step::Sleep(50)]);
    script.extend([Step::ActiveConnect, Step::DataStartTls, Step::DataSend(data.clone()), Step::DataClose]);
    script.extend([reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.set_pasv(false);
    assert_eq!(retr(&mut ftp).unwrap(), data);
    done(server, ftp);
}

#[test]
fn the_lf_of_the_auth_reply_split_off_stays_out_of_the_handshake() {
    let mut script = vec![expect("AUTH TLS"), raw(b"234 AUTH TLS ok\r"), Step::Sleep(50), raw(b"\n"), Step::StartTls];
    script.extend(exchange("USER bob", "331 password please"));
    script.extend(exchange("PASS pw", "230 logged in"));
    script.extend(exchange("PBSZ 0", "200 PBSZ=0"));
    script.extend(exchange("PROT P", "200 protection private"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    done(server, ftp);
}

#[test]
fn data_close_without_close_notify_and_no_size_is_decided_by_the_final_reply() {
    let data = b"listing line\r\n".to_vec();
    let mut script = auth_and_login();
    script.extend(tls_download("150 here", &data, Step::DataCloseAbrupt, "226 done"));
    script.extend(tls_download("150 here", &data, Step::DataCloseAbrupt, "426 connection lost"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data, "226: accepted");
    let err = retr(&mut ftp).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Temp, "426: refused ({err})");
    done(server, ftp);
}

#[test]
fn upload_ends_with_close_notify() {
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([
        expect("EPSV"),
        Step::Epsv,
        expect("STOR up"),
        reply("150 send it"),
        Step::DataAccept,
        Step::DataStartTls,
        Step::DataRecvAll,
        Step::DataClose,
        reply("226 stored"),
    ]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    let body = vec![9u8; 70_000];
    ftp.storbinary("STOR up", &mut &body[..], 8192, None, |_| Flow::Continue(())).unwrap();
    let t = done(server, ftp);
    assert_eq!(t.data, vec![body]);
    assert_eq!(t.data_tls_clean_eof, vec![true], "the server got close_notify before EOF");
    assert_eq!(t.data_tls_resumed, vec![true]);
}

#[test]
fn the_wait_after_an_upload_is_bounded_as_a_whole_even_against_a_trickle() {
    // After the upload the server sends a byte every 50 ms for 5 s: each read returns
    // quickly, so only a deadline for the whole wait stops the client early.
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 send it")]);
    script.extend([Step::DataAccept, Step::DataStartTls, Step::DataRecvAll]);
    script.extend([Step::DataTrickle { count: 100, interval: 50 }, Step::DataClose, reply("226 stored")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.set_timeout(Some(Duration::from_secs(1))).unwrap();
    let start = std::time::Instant::now();
    ftp.storbinary("STOR up", &mut &b"abc"[..], 8192, None, |_| Flow::Continue(())).unwrap();
    let took = start.elapsed();
    assert!(took < Duration::from_millis(2500), "the wait took {took:?}, its bound is the 1 s timeout");
    let t = done(server, ftp);
    assert_eq!(t.data, vec![b"abc".to_vec()]);
}

#[test]
fn uploads_in_a_row_keep_resuming_with_single_use_tickets() {
    // OpenSSL servers take each TLS 1.3 ticket once: the pool must be refilled by the
    // uploads themselves, which only happens if the client reads their tickets.
    let mut script = auth_and_login();
    for _ in 0..4 {
        script.extend(exchange("TYPE I", "200 binary"));
        script.extend([expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 send it")]);
        script.extend([Step::DataAccept, Step::DataStartTls, Step::DataRecvAll, Step::DataClose, reply("226 ok")]);
    }
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    for _ in 0..4 {
        ftp.storbinary("STOR up", &mut &b"abc"[..], 8192, None, |_| Flow::Continue(())).unwrap();
    }
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, vec![true; 4]);
}

/// `explicit` against a server whose TLS 1.3 tickets are each good for one connection.
fn explicit_single_use_tickets(script: Vec<Step>) -> (FakeServer, Ftp) {
    let mut full = vec![reply("220 fake ready")];
    full.extend(script);
    let server = FakeServer::start_tls(full, tls::single_use_ticket_acceptor(), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).expect("connect");
    (server, ftp)
}

/// Two TLS downloads from a server taking only the key-exchange `groups` given, and
/// the ClientHellos it read: after the control connection's handshake, and in all.
fn hellos_for_two_downloads(groups: Option<&str>) -> (usize, usize) {
    let hellos = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let data = vec![5u8; 10_000];
    let mut full = vec![reply("220 fake ready")];
    full.extend(auth_and_login());
    full.extend(tls_download("150 here", &data, Step::DataClose, "226 done"));
    full.extend(tls_download("150 again", &data, Step::DataClose, "226 done"));
    full.extend(quit());
    let server = FakeServer::start_tls(full, tls::counting_acceptor(groups, hellos.clone()), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).expect("connect");
    let control = hellos.load(std::sync::atomic::Ordering::SeqCst);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert_eq!(retr(&mut ftp).unwrap(), data);
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, vec![true, true]);
    (control, hellos.load(std::sync::atomic::Ordering::SeqCst))
}

#[test]
fn data_connections_offer_the_key_exchange_group_the_server_chose() {
    // vsftpd takes only P-256 while OpenSSL offers X25519 first: the control
    // connection's handshake needs a HelloRetryRequest (two ClientHellos), and the data
    // connections, offering P-256 from then on, one each.
    assert_eq!(hellos_for_two_downloads(Some("P-256")), (2, 4));
    // A server that takes X25519 never asks again.
    assert_eq!(hellos_for_two_downloads(None), (1, 3));
    // Nor does one that takes several, P-384 among them, and prefers it: offered
    // alone on the data connections, it is the one taken.
    assert_eq!(hellos_for_two_downloads(Some("P-384:P-256")), (2, 4));
}

/// An upload whose data connection starts TLS with `start`, then succeeds.
fn tls_upload(start: Step) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 send it"), Step::DataAccept, start]);
    s.extend([Step::DataRecvAll, Step::DataClose, reply("226 ok")]);
    s
}

/// An upload whose unresumed data connection the server closes and refuses.
fn tls_upload_refused(tickets: bool) -> Vec<Step> {
    let mut s = exchange("TYPE I", "200 binary");
    s.extend([expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 send it"), Step::DataAccept]);
    s.extend([Step::DataStartTlsWith { tickets, require_reuse: true }, reply("425 Unable to build data connection")]);
    s
}

const NO_TICKETS: Step = Step::DataStartTlsWith { tickets: false, require_reuse: true };

#[test]
fn a_data_connection_refused_for_a_spent_ticket_is_tried_again_with_new_ones() {
    // proftpd's way: each TLS 1.3 ticket is good once, its upload connections bring no
    // new ones, and a data connection that does not resume is refused. The control
    // connection's two tickets last two uploads; the third offers a spent one and is
    // refused, but that handshake brought new tickets, so the transfer is asked again.
    let mut script = auth_and_login();
    script.extend(tls_upload(NO_TICKETS));
    script.extend(tls_upload(NO_TICKETS));
    script.extend(tls_upload_refused(true));
    script.extend(tls_upload(NO_TICKETS));
    script.extend(tls_upload(NO_TICKETS));
    script.extend(quit());
    let (server, mut ftp) = explicit_single_use_tickets(script);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    for k in 0..4 {
        let data = format!("upload {k}");
        ftp.storbinary("STOR up", &mut data.as_bytes(), 8192, None, |_| Flow::Continue(())).unwrap();
    }
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, [true, true, false, true, true]);
    assert_eq!(t.data, ["upload 0", "upload 1", "upload 2", "upload 3"].map(|d| d.as_bytes().to_vec()));
}

#[test]
fn a_refusal_that_comes_again_is_the_error() {
    let mut script = auth_and_login();
    script.extend(tls_upload(NO_TICKETS));
    script.extend(tls_upload(NO_TICKETS));
    script.extend(tls_upload_refused(false));
    script.extend(tls_upload_refused(false));
    script.extend(exchange("NOOP", "200 still here"));
    script.extend(quit());
    let (server, mut ftp) = explicit_single_use_tickets(script);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    for _ in 0..2 {
        ftp.storbinary("STOR up", &mut &b"abc"[..], 8192, None, |_| Flow::Continue(())).unwrap();
    }
    let e = ftp.storbinary("STOR up", &mut &b"abc"[..], 8192, None, |_| Flow::Continue(())).unwrap_err();
    assert_eq!((e.kind(), e.reply().map(|r| r.code)), (ErrorKind::Temp, Some(425)), "{e}");
    ftp.voidcmd("NOOP").unwrap();
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, [true, true, false, false]);
}

#[test]
fn a_421_refusal_is_not_asked_again() {
    let mut script = auth_and_login();
    script.extend(tls_upload(NO_TICKETS));
    script.extend(tls_upload(NO_TICKETS));
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 send it"), Step::DataAccept]);
    script.extend([Step::DataStartTlsWith { tickets: true, require_reuse: true }, reply("421 shutting down")]);
    let (server, mut ftp) = explicit_single_use_tickets(script);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    for _ in 0..2 {
        ftp.storbinary("STOR up", &mut &b"abc"[..], 8192, None, |_| Flow::Continue(())).unwrap();
    }
    let e = ftp.storbinary("STOR up", &mut &b"abc"[..], 8192, None, |_| Flow::Continue(())).unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(421), "{e}");
    assert_eq!(server.finish_any().commands.iter().filter(|c| *c == "STOR up").count(), 3);
}

#[test]
fn an_interrupt_while_watching_an_unresumed_connection_is_not_a_refusal() {
    // The interrupt shuts the data connection, which then looks closed by the server,
    // and the server's 426 is a 4xx: still no second try.
    let mut script = auth_and_login();
    for _ in 0..2 {
        script.extend(tls_download_with("I", "150 here", DECLINING, b"x", Step::DataClose, "226 done"));
    }
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept]);
    // A slow handshake makes the watch long: it runs from about 0.4 s to 1.2 s.
    script.extend([Step::Sleep(400), Step::DataStartTlsWith { tickets: true, require_reuse: false }]);
    script.extend([Step::Sleep(1200), reply("426 transfer aborted")]);
    script.extend(quit());
    let (server, mut ftp) = explicit_single_use_tickets(script);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), b"x");
    assert_eq!(retr(&mut ftp).unwrap(), b"x");
    let interrupter = ftp.interrupter();
    let later = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        interrupter.interrupt();
    });
    let e = retr(&mut ftp).unwrap_err();
    later.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| *c == "RETR f").count(), 3);
}

#[test]
fn an_interrupt_during_the_data_handshake_is_an_interrupt() {
    // The server accepts the data connection and stalls before its handshake.
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept]);
    script.extend([expect("ABOR"), reply("426 aborted"), reply("226 abort done"), expect("NOOP"), reply("200 ok")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    let interrupter = ftp.interrupter();
    let later = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        interrupter.interrupt();
    });
    let e = retr(&mut ftp).unwrap_err();
    later.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    done(server, ftp);
}

#[test]
fn a_type_sent_by_the_caller_still_holds_a_download_to_its_size() {
    // ftp_ntransfercmd's C users send TYPE I themselves: an accepted one is the type in
    // force, so a short binary download closed without close_notify is still truncated.
    let mut script = auth_and_login();
    script.extend(tls_download("150 Opening f (12 bytes).", b"abcde", Step::DataCloseAbrupt, "226 done"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.voidcmd("TYPE I").unwrap();
    let (mut conn, size) = ftp.ntransfercmd("RETR f", None).unwrap();
    assert_eq!(size, Some(12));
    let err = std::io::Read::read_to_end(&mut conn, &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    drop(conn);
    ftp.voidresp().unwrap();
    done(server, ftp);
}

#[test]
fn an_unresumed_data_connection_closed_at_once_may_be_an_empty_file() {
    // A server that does not require reuse declines the spent ticket and sends an empty
    // file: closed at once, like a refusal, but its reply is 226. Both ways to close.
    let download = |close, data: &[u8], end| tls_download_with("I", "150 here", DECLINING, data, close, end);
    let mut script = auth_and_login();
    script.extend(download(Step::DataClose, b"x", "226 done"));
    script.extend(download(Step::DataClose, b"x", "226 done"));
    script.extend(download(Step::DataCloseAbrupt, b"", "226 empty, no close_notify"));
    script.extend(download(Step::DataClose, b"", "226 empty"));
    script.extend(exchange("NOOP", "200 in step"));
    script.extend(quit());
    let (server, mut ftp) = explicit_single_use_tickets(script);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), b"x");
    assert_eq!(retr(&mut ftp).unwrap(), b"x");
    for end in ["226 empty, no close_notify", "226 empty"] {
        assert_eq!(retr(&mut ftp).unwrap(), b"");
        assert_eq!(ftp.last_reply().unwrap().text(), end);
    }
    assert_eq!(ftp.voidcmd("NOOP").unwrap().code, 200);
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, [true, true, false, false]);
    assert_never_sent(&t, &["ABOR"]);
}

#[test]
fn implicit_tls_starts_before_the_welcome() {
    let data = b"implicit".to_vec();
    let mut script = vec![reply("220 implicit ready")];
    script.extend(exchange("USER bob", "331 password please"));
    script.extend(exchange("PASS pw", "230 logged in"));
    script.extend(exchange("PBSZ 0", "200 PBSZ=0"));
    script.extend(exchange("PROT P", "200 protection private"));
    script.extend(tls_download("150 here", &data, Step::DataClose, "226 done"));
    script.extend(quit());
    let server = FakeServer::start_tls(script, tls::acceptor(None), true);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Implicit, config());
    let welcome = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    assert_eq!(welcome.code, 220);
    assert!(ftp.tls_info().is_some());
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    let t = done(server, ftp);
    assert_eq!(t.data_tls_resumed, vec![true]);
}

#[test]
fn after_an_ftps_url_and_ccc_a_new_login_is_refused_in_clear_text() {
    // The session's own mode is plain: the ftps:// URL asked for TLS for this connection.
    let mut script = vec![reply("220 implicit ready")];
    script.extend(exchange("USER bob", "331 password please"));
    script.extend(exchange("PASS pw", "230 logged in"));
    script.extend(exchange("PBSZ 0", "200 PBSZ=0"));
    script.extend(exchange("PROT P", "200 protection private"));
    script.extend(exchange("CCC", "200 cleared"));
    script.push(Step::EndTls);
    script.extend(quit());
    let server = FakeServer::start_tls(script, tls::acceptor(None), true);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Off, config());
    let url = ftp::FtpUrl::parse(&format!("ftps://bob:pw@127.0.0.1:{}/", server.port)).unwrap();
    ftp.connect_url(&url, Some(CLIENT_TIMEOUT)).unwrap();
    ftp.ccc().unwrap();
    let err = ftp.login(Some("bob"), Some("secret"), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Required), "{err}");
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("USER")).count(), 1, "{:?}", t.commands);
}

#[test]
fn an_ftp_url_refused_in_implicit_mode_still_closes_the_old_connection() {
    // As ftp_connect: nothing meant for the URL's server may go to the old one.
    let server = FakeServer::start(vec![reply("220 plain ready"), Step::ExpectEof]);
    let mut ftp = client();
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    ftp.set_tls(TlsMode::Implicit, config());
    let url = ftp::FtpUrl::parse("ftp://127.0.0.1/").unwrap();
    assert_eq!(ftp.connect_url(&url, Some(CLIENT_TIMEOUT)).unwrap_err().kind(), ErrorKind::Invalid);
    // The server saw the connection closed, with no command on it.
    let t = server.finish();
    assert!(t.commands.is_empty(), "{:?}", t.commands);
    assert_eq!(ftp.voidcmd("NOOP").unwrap_err().kind(), ErrorKind::State);
}

/// `auth_and_login`, then CCC: the control connection in clear text from then on.
fn login_then_ccc() -> Vec<Step> {
    let mut s = auth_and_login();
    s.extend(exchange("CCC", "200 cleared"));
    s.push(Step::EndTls);
    s
}

#[test]
fn after_ccc_a_refused_auth_still_keeps_the_password_from_going_in_clear_text() {
    let mut script = login_then_ccc();
    script.extend(exchange("AUTH TLS", "534 not now"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.ccc().unwrap();
    assert_eq!(tls_kind(&ftp.auth().unwrap_err()), Some(TlsFailure::Required));
    let err = ftp.login(Some("bob"), Some("secret"), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Required), "{err}");
    assert!(ftp.is_data_protected(), "PROT P still holds");
    let t = done(server, ftp);
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("USER")).count(), 1, "{:?}", t.commands);
}

#[test]
fn after_ccc_only_close_notify_ends_a_tls_download() {
    // In clear text, the 150's size and the 226 could both be forged by whoever cut the
    // data: even a size that matches proves nothing.
    let data = vec![9u8; 5000];
    let mut script = login_then_ccc();
    script.extend(tls_download("150 here (5000 bytes)", &data, Step::DataClose, "226 done"));
    script.extend(tls_download("150 here (5000 bytes)", &data, Step::DataCloseAbrupt, "226 done"));
    // In clear text ABOR goes out with Telnet IP and Synch, as ftplib sends it.
    let abor = Step::ExpectRaw(ABOR_LINE.to_vec());
    script.extend([abor, reply("225 no transfer to abort"), expect("NOOP"), reply("200 ok")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.ccc().unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data, "close_notify: complete");
    let err = retr(&mut ftp).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Failed), "{err}");
    assert!(err.to_string().contains("truncated") && err.to_string().contains("CCC"), "{err}");
    done(server, ftp);
}

#[test]
fn prot_c_makes_data_connections_plain_again() {
    let data = b"clear data".to_vec();
    let mut script = auth_and_login();
    script.extend(exchange("PROT C", "200 clear"));
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept]);
    script.extend([Step::DataSend(data.clone()), Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.prot_c().unwrap();
    assert!(!ftp.is_data_protected());
    assert_eq!(retr(&mut ftp).unwrap(), data);
    let t = done(server, ftp);
    assert!(t.data_tls_resumed.is_empty(), "no TLS on the data connection");
}

#[test]
fn ccc_shuts_tls_down_and_goes_on_in_clear_text() {
    let mut script = auth_and_login();
    script.extend(exchange("CCC", "200 control channel cleared"));
    script.push(Step::EndTls);
    script.extend(exchange("NOOP", "200 clear text now"));
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.ccc().unwrap();
    assert!(ftp.tls_info().is_none());
    assert_eq!(ftp.voidcmd("NOOP").unwrap().code, 200);
    let t = done(server, ftp);
    assert!(t.commands.contains(&"NOOP".to_string()));
}

#[test]
fn login_after_ccc_is_refused_in_tls_mode() {
    let mut script = exchange("AUTH TLS", "234 ok");
    script.push(Step::StartTls);
    script.extend(exchange("CCC", "200 cleared"));
    script.push(Step::EndTls);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.ccc().unwrap();
    let err = ftp.login(Some("bob"), Some("secret"), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Required), "{err}");
    let t = done(server, ftp);
    assert_never_sent(&t, &["USER", "PASS"]);
}

#[test]
fn auth_refused_when_tls_is_required_sends_no_credentials() {
    let script = vec![reply("220 plain only"), expect("AUTH TLS"), reply("500 AUTH not understood"), Step::ExpectEof];
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    let err = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Required), "{err}");
    assert!(err.to_string().contains("500 AUTH not understood"), "{err}");
    assert!(!ftp.is_connected());
    let t = server.finish();
    assert_eq!(t.commands, vec!["AUTH TLS"]);
}

#[test]
fn tls_chosen_after_a_plain_connect_makes_login_auth_and_a_refusal_close() {
    let script = vec![reply("220 plain only"), expect("AUTH TLS"), reply("500 AUTH not understood"), Step::ExpectEof];
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    ftp.set_tls(TlsMode::Explicit, config());
    let err = ftp.login(Some("bob"), Some("secret"), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Required), "{err}");
    assert!(!ftp.is_connected(), "a server that refuses TLS is left, as in connect");
    let t = server.finish();
    assert_eq!(t.commands, vec!["AUTH TLS"]);
}

#[test]
fn a_230_before_auth_is_a_downgrade_and_nothing_is_sent() {
    let script = vec![reply("230 welcome, you are logged in"), Step::ExpectEof];
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    let err = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Required), "{err}");
    assert!(server.finish().commands.is_empty());
}

#[test]
fn bytes_after_the_234_are_refused_not_read_as_replies() {
    // CVE-2021-22947: a reply injected in clear text right after the 234 must not be
    // taken for the answer to a command sent over TLS later.
    let script = vec![
        reply("220 fake ready"),
        expect("AUTH TLS"),
        raw(b"234 go ahead\r\n230 injected login\r\n"),
        Step::ExpectEof,
    ];
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    let err = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Proto, "{err}");
    assert!(err.to_string().contains("before the TLS handshake"), "{err}");
    assert_eq!(server.finish().commands, vec!["AUTH TLS"]);
}

#[test]
fn auth_ssl_fallback_only_when_asked() {
    let mut script = exchange("AUTH TLS", "504 unknown security mechanism");
    script.extend(exchange("AUTH SSL", "234 ok, SSL"));
    script.push(Step::StartTls);
    script.extend(quit());
    let mut cfg = config();
    cfg.set_auth_ssl_fallback(true);
    let (server, ftp) = explicit(script, cfg, None);
    assert!(ftp.tls_info().is_some());
    let t = done(server, ftp);
    assert_eq!(t.commands, vec!["AUTH TLS", "AUTH SSL", "QUIT"]);
}

#[test]
fn manual_auth_in_plain_mode_like_ftp_tls() {
    let mut script = vec![reply("220 fake ready")];
    script.extend(exchange("AUTH TLS", "234 ok"));
    script.push(Step::StartTls);
    script.extend(exchange("USER anonymous", "230 in"));
    script.extend(exchange("PBSZ 0", "200 ok"));
    script.extend(exchange("PROT P", "200 ok"));
    script.extend(quit());
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    let mut cfg = config();
    cfg.set_versions(TlsVersion::Tls1_2, Some(TlsVersion::Tls1_3)).unwrap();
    ftp.set_tls(TlsMode::Off, cfg);
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    assert!(ftp.tls_info().is_none());
    assert_eq!(ftp.auth().unwrap().code, 234);
    assert_eq!(ftp.auth().unwrap_err().kind(), ErrorKind::State, "already secured");
    ftp.login(None, None, None).unwrap();
    done(server, ftp);
}

#[test]
fn prot_p_needs_tls_first() {
    let script = quit();
    let mut full = vec![reply("220 fake ready")];
    full.extend(script);
    let server = FakeServer::start(full);
    let mut ftp = client();
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    assert_eq!(ftp.prot_p().unwrap_err().kind(), ErrorKind::State);
    let t = done(server, ftp);
    assert_eq!(t.commands, vec!["QUIT"], "nothing sent for the refused PROT P");
}

#[test]
fn an_untrusted_certificate_fails_the_handshake_with_its_own_class() {
    let script = vec![reply("220 fake ready"), expect("AUTH TLS"), reply("234 ok"), Step::StartTls];
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, TlsConfig::new()); // system trust store only
    let err = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Untrusted), "{err}");
    assert!(err.to_string().contains("self-signed"), "{err}");
    assert_eq!(server.finish_any().commands, vec!["AUTH TLS"]);
}

#[test]
fn the_certificate_is_checked_against_the_host_connected_to() {
    let script = vec![reply("220 fake ready"), expect("AUTH TLS"), reply("234 ok"), Step::StartTls];
    let server = FakeServer::start_tls(script, tls::wrong_host_acceptor(), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    let err = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Hostname), "{err}");
    assert!(err.to_string().contains("\"127.0.0.1\""), "{err}");
    assert!(server.finish_any().commands == vec!["AUTH TLS"]);
}

#[test]
fn sni_and_the_name_check_use_the_host_name_given_for_control_and_data() {
    let data = b"by name".to_vec();
    let mut script = vec![reply("220 fake ready")];
    script.extend(auth_and_login());
    script.extend(tls_download("150 here", &data, Step::DataClose, "226 done"));
    script.extend(quit());
    let server = FakeServer::start_tls(script, tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    // "localhost" may resolve to ::1 first, where nothing listens: then 127.0.0.1 is tried.
    ftp.connect("localhost", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    let t = done(server, ftp);
    let localhost = Some("localhost".to_string());
    assert_eq!(t.tls_sni, vec![localhost.clone(), localhost], "SNI on the control and the data connection");
}

#[test]
fn no_sni_for_an_ip_address() {
    let mut script = exchange("AUTH TLS", "234 ok");
    script.push(Step::StartTls);
    script.extend(quit());
    let (server, ftp) = explicit(script, config(), None);
    let t = done(server, ftp);
    assert_eq!(t.tls_sni, vec![None], "RFC 6066: no IP addresses in SNI");
}

#[test]
fn an_address_the_resolver_reads_as_a_number_is_checked_as_one() {
    // "127.1" is 127.0.0.1 to getaddrinfo: no SNI, and the certificate's IP address.
    let mut script = exchange("AUTH TLS", "234 ok");
    script.push(Step::StartTls);
    script.extend(quit());
    let server = FakeServer::start_tls([vec![reply("220 fake ready")], script].concat(), tls::acceptor(None), false);
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    ftp.connect("127.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    let t = done(server, ftp);
    assert_eq!(t.tls_sni, vec![None], "RFC 6066: no IP addresses in SNI");
}

#[test]
fn with_verification_off_a_refused_handshake_is_not_called_a_certificate_failure() {
    // OpenSSL records a verification result even when nothing was checked.
    let script = vec![reply("220 fake ready"), expect("AUTH TLS"), reply("234 ok"), Step::StartTls];
    let server = FakeServer::start_tls(script, tls::client_cert_required_acceptor(), false);
    let mut ftp = client();
    let mut cfg = TlsConfig::new();
    cfg.set_verify(false);
    ftp.set_tls(TlsMode::Explicit, cfg);
    let err = ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap_err();
    server.finish_any();
    assert_eq!(tls_kind(&err), Some(TlsFailure::Failed), "{err}");
    assert!(!err.to_string().contains("certificate verification"), "{err}");
}

#[test]
fn an_encrypted_client_key_is_refused_without_asking_for_a_passphrase() {
    let dir = common::temp_dir("ftps-client-key");
    let (cert, key) = tls::encrypted_client_key(&dir);
    let _watchdog = common::watchdog("loading an encrypted key", Duration::from_secs(30));
    let err = TlsConfig::new().set_client_cert(Some((&cert, &key))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    // The default passphrase callback (which prompts on the terminal) never ran.
    assert!(err.to_string().contains("the key is encrypted"), "{err}");
    assert!(!err.to_string().contains("PEM_def_callback"), "{err}");
}

#[test]
fn verification_can_be_skipped_explicitly() {
    let mut script = vec![reply("220 fake ready"), expect("AUTH TLS"), reply("234 ok"), Step::StartTls];
    script.extend(quit());
    let server = FakeServer::start_tls(script, tls::wrong_host_acceptor(), false);
    let mut ftp = client();
    let mut cfg = TlsConfig::new();
    cfg.set_verify(false);
    ftp.set_tls(TlsMode::Explicit, cfg);
    ftp.connect("127.0.0.1", server.port, Some(CLIENT_TIMEOUT), None).unwrap();
    done(server, ftp);
}

#[test]
fn slow_tls_data_is_handed_over_as_it_comes() {
    // Plain downloads batch their reads; TLS ones read as data comes: each TLS record
    // the server sends after a pause reaches the callback on its own.
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here (11 bytes)")]);
    script.extend([Step::DataAccept, Step::DataStartTls]);
    for piece in ["one", "two", "three"] {
        script.extend([Step::DataSend(piece.as_bytes().to_vec()), Step::Sleep(400)]);
    }
    script.extend([Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    let mut pieces = Vec::new();
    ftp.retrbinary("RETR f", 65536, None, |b| {
        pieces.push(b.to_vec());
        Flow::Continue(())
    })
    .unwrap();
    assert_eq!(pieces, [&b"one"[..], b"two", b"three"]);
    done(server, ftp);
}

/// The start of a TLS record promising 16 KiB, then `n` bytes of it, one at a time.
fn dripped_record(n: usize) -> Vec<Vec<u8>> {
    let mut pieces = vec![vec![0x16, 0x03, 0x03, 0x40, 0x00]];
    pieces.extend(std::iter::repeat_n(vec![0u8], n));
    pieces
}

#[test]
fn a_handshake_dripped_a_byte_at_a_time_is_bounded_by_the_timeout() {
    // Each byte comes well within the timeout; 3 s of them must not hold the handshake
    // longer than the timeout as a whole. (The pause lets the client read the 234 alone:
    // bytes that come with it would be refused before any handshake.)
    let script = [
        vec![reply("220 fake ready")],
        exchange("AUTH TLS", "234 go"),
        vec![Step::Sleep(300), Step::SendSplit(dripped_record(100))],
    ];
    let server = FakeServer::start(script.concat());
    let mut ftp = client();
    ftp.set_tls(TlsMode::Explicit, config());
    let err = ftp.connect("127.0.0.1", server.port, Some(Duration::from_millis(800)), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("TLS handshake on the control connection to 127.0.0.1: not done within"), "{err}");
    drop(ftp);
    server.finish_any();

    // On a data connection, the data timeout bounds it.
    let drip = vec![Step::DataSend(dripped_record(0).concat()), Step::DataTrickle { count: 100, interval: 30 }];
    let err = stalled_download(drip, 400);
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    // Not a read that timed out once the drip stopped: the handshake as a whole did.
    assert!(err.to_string().contains("TLS handshake on the data connection to 127.0.0.1: not done within"), "{err}");
}

/// A logged-in client and a server that serves one download of `data` the way ftp-srv
/// does: the data connection's TLS handshake first, its 150 only after.
fn handshake_before_1xx(data: &[u8]) -> (FakeServer, Ftp) {
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 type set"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), Step::DataAccept, Step::DataStartTls]);
    script.extend([reply("150 here"), Step::DataSend(data.to_vec()), Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    (server, ftp)
}

#[test]
fn a_server_that_sends_its_1xx_only_after_the_data_handshake_is_served() {
    // ftp-srv 4.6.3 waits for the data connection's TLS handshake before its 150 (and
    // gives up with 425 after 5 s): the client must not wait for the 150 first.
    let data = b"after the handshake".to_vec();
    let (server, mut ftp) = handshake_before_1xx(&data);
    ftp.set_timeout(Some(Duration::from_secs(3))).unwrap();
    let start = std::time::Instant::now();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
    done(server, ftp);
}

#[test]
fn a_server_that_sends_its_1xx_only_after_the_data_handshake_is_served_without_a_timeout() {
    // The same with no timeout set (the default): the early handshake has no deadline
    // and must still run while the reply is awaited.
    let _w = common::watchdog("early data handshake without a timeout", Duration::from_secs(20));
    let data = b"no timeout".to_vec();
    let (server, mut ftp) = handshake_before_1xx(&data);
    ftp.set_timeout(None).unwrap();
    assert_eq!(retr(&mut ftp).unwrap(), data);
    done(server, ftp);
}

#[test]
fn a_refusal_while_the_early_data_handshake_waits_is_the_error() {
    // The handshake started before the reply; the server refuses the file and never
    // handshakes: the 550 is reported at once, not a handshake timeout.
    let mut script = auth_and_login();
    script.extend(exchange("TYPE I", "200 type set"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), Step::DataAccept, reply("550 no such file")]);
    script.extend([Step::DataClose]);
    script.extend(quit());
    let (server, mut ftp) = explicit(script, config(), None);
    ftp.login(Some("bob"), Some("pw"), None).unwrap();
    ftp.set_timeout(Some(Duration::from_secs(3))).unwrap();
    let start = std::time::Instant::now();
    let e = retr(&mut ftp).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
    done(server, ftp);
}
