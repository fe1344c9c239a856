//! Separate connect, reply and data timeouts against the scripted fake server: each
//! fires on its own kind of wait, and the session is left as it should be.

mod common;

use common::fake_server::{FakeServer, Step};
use common::script::{ABOR_LINE, exchange, expect, quit, reply};
use ftp::{ErrorKind, Flow, Ftp, Timeouts};
use std::time::Duration;

fn ms(n: u64) -> Option<Option<Duration>> {
    Some(Some(Duration::from_millis(n)))
}

fn client(timeouts: Timeouts, port: u16) -> Ftp {
    let mut ftp = Ftp::new();
    ftp.set_timeouts(timeouts).unwrap();
    ftp.connect("127.0.0.1", port, Some(Duration::from_secs(10)), None).unwrap();
    ftp
}

#[test]
fn a_stalled_transfer_hits_the_data_timeout_not_the_reply_timeout() {
    let mut script = vec![reply("220 ready")];
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 go")]);
    script.extend([Step::DataAccept, Step::DataSend(b"some".to_vec()), Step::Sleep(600)]);
    // The client gives up on the data and aborts; the session stays usable.
    script.extend([Step::ExpectRaw(ABOR_LINE.to_vec()), Step::DataClose, reply("426 aborted"), reply("226 ok")]);
    script.extend(exchange("NOOP", "200 ok"));
    script.extend(quit());
    let server = FakeServer::start(script);
    let mut ftp = client(Timeouts { data: ms(200), reply: ms(10_000), connect: None }, server.port);
    let e = ftp.retrbinary("RETR f", 8192, None, |_| Flow::Continue(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("data connection"), "{e}");
    ftp.quit().unwrap();
    server.finish();
}

#[test]
fn a_slow_reply_hits_the_reply_timeout_not_the_data_timeout() {
    let server = FakeServer::start(vec![reply("220 ready"), expect("NOOP"), Step::Sleep(600)]);
    let mut ftp = client(Timeouts { data: ms(10_000), reply: ms(200), connect: None }, server.port);
    let e = ftp.noop().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("reply"), "{e}");
    server.finish();
}

#[test]
fn set_timeouts_applies_to_the_open_connection() {
    let server = FakeServer::start(vec![reply("220 ready"), expect("NOOP"), Step::Sleep(600)]);
    let mut ftp = Ftp::new();
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(10)), None).unwrap();
    ftp.set_timeouts(Timeouts { reply: ms(200), ..Timeouts::default() }).unwrap();
    assert_eq!(ftp.noop().unwrap_err().kind(), ErrorKind::Timeout);
    server.finish();
}

#[test]
fn connecting_to_a_server_that_never_accepts_hits_the_connect_timeout() {
    // A listener whose accept queue is full: further SYNs go unanswered.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    sock.listen(0).unwrap();
    let addr = sock.local_addr().unwrap().as_socket().unwrap();
    // Fill the queue with plain sockets until one can no longer connect.
    let mut fillers = Vec::new();
    while fillers.len() < 64 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    assert!(fillers.len() < 64, "the accept queue never filled");
    let mut ftp = Ftp::new();
    // Reply and data timeouts stay at 10 s: only the connect timeout can end this soon.
    ftp.set_timeouts(Timeouts { connect: ms(300), ..Timeouts::default() }).unwrap();
    let start = std::time::Instant::now();
    let e = ftp.connect("127.0.0.1", addr.port(), Some(Duration::from_secs(10)), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("connect to"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
}

/// A download of pieces the server sends `pause_ms` apart; returns each callback's bytes.
fn trickled_download(data_timeout: Option<Duration>, pause_ms: u64) -> Vec<Vec<u8>> {
    let mut script = vec![reply("220 ready")];
    script.extend(exchange("TYPE I", "200 binary"));
    script.extend([expect("EPSV"), Step::Epsv, expect("RETR f"), reply("150 go")]);
    script.push(Step::DataAccept);
    for piece in ["one", "two", "three"] {
        script.extend([Step::DataSend(piece.as_bytes().to_vec()), Step::Sleep(pause_ms)]);
    }
    script.extend([Step::DataClose, reply("226 done")]);
    script.extend(quit());
    let server = FakeServer::start(script);
    let mut ftp = client(Timeouts { data: Some(data_timeout), reply: ms(10_000), connect: None }, server.port);
    let mut pieces = Vec::new();
    ftp.retrbinary("RETR f", 65536, None, |b| {
        pieces.push(b.to_vec());
        Flow::Continue(())
    })
    .unwrap();
    ftp.quit().unwrap();
    server.finish();
    pieces
}

#[test]
fn bulk_reads_hand_over_slow_data_as_it_comes() {
    // Downloads ask the kernel to wake the reader per batch of bytes; a batch that does
    // not fill is still handed over promptly, with or without a data timeout.
    for timeout in [None, Some(Duration::from_secs(10))] {
        assert_eq!(trickled_download(timeout, 400), [&b"one"[..], b"two", b"three"], "timeout {timeout:?}");
    }
}

#[test]
fn bulk_reads_keep_the_data_timeout_between_bytes() {
    // Pauses shorter than the data timeout (but far longer than a batch's wait) are fine.
    assert_eq!(trickled_download(Some(Duration::from_millis(700)), 250), [&b"one"[..], b"two", b"three"]);
}

#[test]
fn a_reply_dripped_a_byte_at_a_time_is_bounded_by_the_reply_timeout() {
    // Every byte comes well within the timeout, so no single read times out; the whole
    // reply (2.4 s of bytes) must not take longer than the reply timeout all the same.
    let slow = "200 every byte in time, the whole far too late\r\n";
    let pieces: Vec<Vec<u8>> = slow.bytes().map(|b| vec![b]).collect();
    let script = vec![reply("220 ready"), expect("NOOP"), Step::SendSplit(pieces)];
    let server = FakeServer::start(script);
    let mut ftp = client(Timeouts { reply: ms(400), ..Timeouts::default() }, server.port);
    let e = ftp.sendcmd("NOOP").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("within the reply timeout"), "{e}");
    drop(ftp);
    server.finish_any();

    // A reply that comes whole in time is read as before.
    let script =
        [vec![reply("220 ready"), expect("NOOP"), Step::SendSplit(vec![b"200 ".to_vec(), b"ok\r\n".to_vec()])], quit()];
    let server = FakeServer::start(script.concat());
    let mut ftp = client(Timeouts { reply: ms(400), ..Timeouts::default() }, server.port);
    assert_eq!(ftp.sendcmd("NOOP").unwrap().code, 200);
    ftp.quit().unwrap();
    server.finish();
}
