//! Reconnecting after the server dropped an idle connection (`Ftp::set_reconnect`),
//! against a fake server that serves one script per connection: what the client sent
//! on each connection, which calls ran again and which did not.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{exchange, expect, pattern, quit, reply};
use ftp::{ErrorKind, Flow, Ftp, ReconnectPolicy};
use std::time::{Duration, Instant};

fn policy(tries: u32, delay_ms: u64) -> Option<ReconnectPolicy> {
    Some(ReconnectPolicy { tries, delay: Duration::from_millis(delay_ms) })
}

/// The welcome and a login as u/p.
fn login() -> Vec<Step> {
    let mut s = vec![reply("220 fake ready")];
    s.extend(exchange("USER u", "331 pw"));
    s.extend(exchange("PASS p", "230 in"));
    s
}

/// A connection script: the login, then `rest`.
fn conn(rest: Vec<Vec<Step>>) -> Vec<Step> {
    let mut s = login();
    s.extend(rest.into_iter().flatten());
    s
}

/// The server drops the session while the client is idle: 421, then FIN.
fn idle_drop() -> Vec<Step> {
    vec![reply("421 Timeout."), Step::Close]
}

/// A client logged in as u/p to `server`, reconnecting as `policy` says.
fn client(server: &FakeServer, policy: Option<ReconnectPolicy>) -> Ftp {
    let mut ftp = Ftp::new();
    ftp.set_feat_after_login(false);
    ftp.set_reconnect(policy);
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap();
    ftp.login(Some("u"), Some("p"), None).unwrap();
    ftp
}

/// Long enough for a 421 and FIN sent by the server to have arrived.
fn idle() {
    std::thread::sleep(Duration::from_millis(150));
}

#[test]
fn an_idle_drop_reconnects_logs_in_restores_cwd_and_type_and_runs_the_call() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![
            exchange("CWD /data", "250 ok"),
            exchange("CWD sub", "250 ok"),
            exchange("TYPE I", "200 binary"),
            exchange("SIZE f", "213 5"),
            idle_drop(),
        ]),
        conn(vec![
            exchange("CWD /data", "250 ok"),
            exchange("CWD sub", "250 ok"),
            exchange("TYPE I", "200 binary"),
            exchange("NOOP", "200 fine"),
            quit(),
        ]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    ftp.cwd("/data").unwrap();
    ftp.cwd("sub").unwrap();
    assert_eq!(ftp.size("f").unwrap(), Some(5));
    idle();
    assert_eq!(ftp.noop().unwrap().code, 200);
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    let t = server.finish();
    // Nothing of the NOOP reached the first connection: the 421 was found first.
    assert!(!t.commands_of(0).iter().any(|c| c == "NOOP"), "{:?}", t.commands);
    assert_eq!(t.commands_of(1), ["USER u", "PASS p", "CWD /data", "CWD sub", "TYPE I", "NOOP", "QUIT"]);
}

#[test]
fn a_421_as_the_first_reply_to_a_safe_command_runs_it_again() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![exchange("PWD", "257 \"/home/u\""), vec![expect("PWD"), reply("421 Timeout."), Step::Close]]),
        conn(vec![exchange("CWD /home/u", "250 ok"), exchange("PWD", "257 \"/home/u\""), quit()]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    assert_eq!(ftp.pwd().unwrap(), b"/home/u");
    assert_eq!(ftp.pwd().unwrap(), b"/home/u");
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    let t = server.finish();
    assert_eq!(t.commands_of(0).iter().filter(|c| *c == "PWD").count(), 2);
}

#[test]
fn a_reset_while_idle_reconnects_and_the_listing_runs() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![vec![Step::Reset]]),
        conn(vec![
            exchange("TYPE A", "200 ascii"),
            vec![expect("EPSV"), Step::Epsv],
            vec![expect("NLST"), reply("150 here"), Step::DataAccept, Step::DataSend(b"a\r\nb\r\n".to_vec())],
            vec![Step::DataClose, reply("226 done")],
            quit(),
        ]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    idle();
    let mut names = Vec::new();
    ftp.nlst("", |n| {
        names.push(n.to_vec());
        Flow::Continue(())
    })
    .unwrap();
    assert_eq!(names, [b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_refused_reconnect_is_an_error_naming_the_call_after_the_tries() {
    let server = FakeServer::start_sequence(vec![conn(vec![idle_drop()])]);
    let mut ftp = client(&server, policy(2, 100));
    // The server is gone: its listener closed, connections are refused.
    server.finish();
    let started = Instant::now();
    let e = ftp.noop().unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(100), "{:?}", started.elapsed());
    let msg = e.to_string();
    assert!(msg.starts_with("NOOP: "), "{msg}");
    assert!(msg.contains("421 Timeout.") && msg.contains("reconnecting failed after 2 tries"), "{msg}");
    assert_eq!(e.kind(), ErrorKind::Io, "{msg}");
    assert_eq!(ftp.reconnects(), 0);
    // The next call tries again, before sending anything.
    let e = ftp.pwd().unwrap_err();
    assert!(e.to_string().starts_with("PWD: "), "{e}");
}

#[test]
fn dele_sent_then_421_is_not_run_again_and_the_next_call_reconnects_first() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![vec![expect("DELE f"), reply("421 Shutting down."), Step::Close]]),
        conn(vec![exchange("NOOP", "200 fine"), quit()]),
    ]);
    let mut ftp = client(&server, policy(3, 0));
    let e = ftp.delete("f").unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(421), "{e}");
    assert_eq!(ftp.reconnects(), 0);
    assert!(!ftp.is_usable());
    ftp.noop().unwrap();
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    let t = server.finish();
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("DELE")).count(), 1, "{:?}", t.commands);
}

#[test]
fn unsafe_calls_the_server_never_saw_go_on_the_new_connection() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![idle_drop()]),
        conn(vec![exchange("DELE f", "250 gone"), exchange("MKD d", "257 \"/d\" made"), quit()]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    idle();
    ftp.delete("f").unwrap();
    assert_eq!(ftp.mkd("d").unwrap(), b"/d");
    ftp.quit().unwrap();
    let t = server.finish();
    assert!(t.commands_of(0).iter().all(|c| !c.starts_with("DELE")), "{:?}", t.commands);
}

#[test]
fn an_upload_cut_midway_is_not_run_again() {
    let server = FakeServer::start_sequence(vec![conn(vec![
        exchange("TYPE I", "200 binary"),
        vec![expect("EPSV"), Step::Epsv, expect("STOR up"), reply("150 go"), Step::DataAccept],
        vec![Step::Sleep(50), Step::DataReset, Step::Reset],
    ])]);
    let mut ftp = client(&server, policy(3, 0));
    let data = pattern(8 << 20);
    let e = ftp.storbinary("STOR up", &mut &data[..], 65536, None, |_| Flow::Continue(())).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Io | ErrorKind::Closed), "{e}");
    assert_eq!(ftp.reconnects(), 0);
    let t = server.finish();
    assert_eq!(t.commands.iter().filter(|c| c.starts_with("STOR")).count(), 1);
    assert_eq!(t.connection_starts.len(), 1);
}

/// A connection the server refuses at once, as one over its connection limit.
fn too_many() -> Vec<Step> {
    vec![reply("421 Too many connections."), Step::Close]
}

#[test]
fn tries_and_delay_are_honoured() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![idle_drop()]),
        too_many(),
        too_many(),
        conn(vec![exchange("NOOP", "200 fine"), quit()]),
    ]);
    let mut ftp = client(&server, policy(3, 150));
    idle();
    let started = Instant::now();
    ftp.noop().unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "two waits of 150 ms, took {took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn fewer_tries_than_needed_fail_with_the_last_refusal() {
    let server = FakeServer::start_sequence(vec![conn(vec![idle_drop()]), too_many(), too_many()]);
    let mut ftp = client(&server, policy(2, 10));
    idle();
    let e = ftp.noop().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Temp, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("after 2 tries") && msg.contains("Too many connections"), "{msg}");
    assert_eq!(ftp.reconnects(), 0);
    let t = server.finish();
    assert_eq!(t.connection_starts.len(), 3);
}

#[test]
fn off_by_default() {
    let server = FakeServer::start_sequence(vec![conn(vec![idle_drop()])]);
    let mut ftp = client(&server, None);
    assert_eq!(ftp.reconnect_policy(), None);
    idle();
    let e = ftp.noop().unwrap_err();
    assert_eq!(e.reply().map(|r| r.code), Some(421), "{e}");
    assert_eq!(ftp.reconnects(), 0);
    let t = server.finish();
    assert_eq!(t.connection_starts.len(), 1);
    // Zero tries is off too.
    ftp.set_reconnect(policy(0, 0));
    assert_eq!(ftp.reconnect_policy(), None);
}

const FEAT_REST: &str = "211-Features:\r\n REST STREAM\r\n SIZE\r\n211 End";

/// The first connection sends `first` bytes of `file` for RETR and then drops the
/// session without a final reply.
fn cut_download(file: &[u8], first: usize) -> Vec<Step> {
    conn(vec![
        exchange("TYPE I", "200 binary"),
        vec![expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here"), Step::DataAccept],
        vec![Step::DataSend(file[..first].to_vec()), Step::DataClose, Step::Close],
    ])
}

#[test]
fn a_callback_download_cut_short_continues_at_the_first_byte_not_delivered() {
    let file = pattern(100_000);
    let server = FakeServer::start_sequence(vec![
        cut_download(&file, 30_000),
        conn(vec![
            exchange("FEAT", FEAT_REST),
            exchange("TYPE I", "200 binary"),
            vec![expect("EPSV"), Step::Epsv],
            exchange("REST 30000", "350 restarting"),
            vec![expect("RETR f"), reply("150 here"), Step::DataAccept, Step::DataSend(file[30_000..].to_vec())],
            vec![Step::DataClose, reply("226 done")],
            quit(),
        ]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    let mut got = Vec::new();
    ftp.retrbinary("RETR f", 8192, None, |b| {
        got.extend_from_slice(b);
        Flow::Continue(())
    })
    .unwrap();
    assert!(got == file, "the bytes differ ({} received)", got.len());
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_callback_download_cut_short_fails_without_rest_stream() {
    let file = pattern(50_000);
    let server = FakeServer::start_sequence(vec![
        cut_download(&file, 20_000),
        conn(vec![exchange("FEAT", "211-Features:\r\n SIZE\r\n211 End"), quit()]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    let mut got = 0;
    let e = ftp
        .retrbinary("RETR f", 8192, None, |b| {
            got += b.len();
            Flow::Continue(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Proto);
    assert!(e.to_string().contains("20000 bytes") && e.to_string().contains("REST STREAM"), "{e}");
    assert_eq!(got, 20_000, "nothing delivered twice");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_file_download_cut_short_starts_again() {
    let file = pattern(70_000);
    let server = FakeServer::start_sequence(vec![
        cut_download(&file, 10_000),
        conn(vec![
            exchange("TYPE I", "200 binary"),
            vec![expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 here (70000 bytes)"), Step::DataAccept],
            vec![Step::DataSend(file.clone()), Step::DataClose, reply("226 done")],
            quit(),
        ]),
    ]);
    let dir = common::temp_dir("reconnect-retr-file");
    let local = dir.join("f");
    let mut ftp = client(&server, policy(1, 0));
    ftp.retr_file("f", &local, ftp::FileOptions::default()).unwrap();
    assert!(std::fs::read(&local).unwrap() == file);
    assert_eq!(ftp.reconnects(), 1);
    ftp.quit().unwrap();
    server.finish();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_directory_gone_meanwhile_fails_the_call_and_says_so() {
    let server = FakeServer::start_sequence(vec![
        conn(vec![exchange("CWD gone", "250 ok"), idle_drop()]),
        conn(vec![exchange("CWD gone", "550 No such directory."), exchange("CWD /elsewhere", "250 ok"), quit()]),
    ]);
    let mut ftp = client(&server, policy(1, 0));
    ftp.cwd("gone").unwrap();
    idle();
    let e = ftp.noop().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Perm, "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with("NOOP: ") && msg.contains("reconnected, but restoring") && msg.contains("550"), "{msg}");
    assert_eq!(ftp.reconnects(), 1);
    // The session is usable; the caller picks the directory.
    ftp.cwd("/elsewhere").unwrap();
    ftp.quit().unwrap();
    server.finish();
}
