//! A scripted fake FTP server for integration tests.
//!
//! A script is a list of [`Step`]s run in order by a thread on 127.0.0.1 (ephemeral port).
//! The thread records every command line it reads and every byte received on data
//! connections; the test joins it with [`FakeServer::finish`] to get the [`Transcript`].
//! A step that does not match what the client did ends the script with an error, which
//! `finish` turns into a panic naming the step. Every blocking operation has a timeout so
//! a broken test fails instead of hanging.

use foreign_types::ForeignTypeRef;
use openssl::ssl::{ErrorCode, ShutdownResult, Ssl, SslAcceptor, SslStream};
use socket2::SockRef;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the server waits for anything (a command, a connection, data).
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest command line the server buffers before calling it a script failure.
const MAX_COMMAND: usize = 64 * 1024;

/// One thing the server does or expects.
#[derive(Debug, Clone)]
pub enum Step {
    /// Sends the text followed by CRLF (the text may hold inner "\r\n" for multi-line replies).
    Reply(String),
    /// Sends bytes exactly as given (no CRLF added).
    Raw(Vec<u8>),
    /// Sends each piece separately with a short pause between, so the client sees them in
    /// different reads (to test line endings split across packets).
    SendSplit(Vec<Vec<u8>>),
    /// Reads one command line; it must end in CRLF and equal the text.
    Expect(String),
    /// Reads one command line; it must end in CRLF and start with the text.
    ExpectPrefix(String),
    /// Reads one line (up to and including LF); its raw bytes must equal these.
    ExpectRaw(Vec<u8>),
    /// The client must close the control connection without sending anything more.
    ExpectEof,
    /// Opens a data listener on 127.0.0.1 and replies 227 naming `host` ("h1,h2,h3,h4")
    /// with the listener's real port.
    Pasv(String),
    /// Like `Pasv`, with the listener bound to the given loopback address.
    PasvOn(Ipv4Addr, String),
    /// Opens a data listener on 127.0.0.1 and replies 229 with its port.
    Epsv,
    /// Accepts the client's data connection on the last passive listener.
    DataAccept,
    /// Connects to the address named by the last PORT or EPRT command.
    ActiveConnect,
    /// A third party (bound to this loopback address) connects to the address named by
    /// the last PORT or EPRT command; the client must drop that connection unread.
    IntruderConnect(Ipv4Addr),
    /// Sends bytes on the data connection.
    DataSend(Vec<u8>),
    /// `DataSend` to a client meant to cut the connection before the end: its close or
    /// reset ends the step quietly, however far the sending got by then.
    DataSendUntilCut(Vec<u8>),
    /// Sends pieces on the data connection with pauses between them.
    DataSendSplit(Vec<Vec<u8>>),
    /// Sends one byte every `interval` ms, `count` times, stopping quietly once the
    /// client has closed the connection.
    DataTrickle { count: usize, interval: u64 },
    /// Reads the data connection until EOF and records the bytes.
    DataRecvAll,
    /// `DataRecvAll` after a pause of this many milliseconds, so the client's sends fill
    /// the socket buffers and block.
    DataRecvAllAfter(u64),
    /// Closes the data connection.
    DataClose,
    /// Resets the data connection (RST, via SO_LINGER 0).
    DataReset,
    /// Closes the last passive listener without accepting: the client's connect is refused.
    PasvClose,
    /// Closes the control connection (FIN).
    Close,
    /// Resets the control connection (RST, via SO_LINGER 0).
    Reset,
    /// Waits this many milliseconds.
    Sleep(u64),
    /// Starts TLS on the control connection (server side of the handshake), e.g. after
    /// replying 234 to AUTH TLS. Needs a server made with `start_tls`.
    StartTls,
    /// Like `StartTls`, but the handshake issues no TLS 1.3 session ticket.
    StartTlsNoTickets,
    /// Issues a TLS 1.3 session ticket on the control connection now (it goes out with
    /// the next reply), as servers that hand out tickets only after login do.
    IssueTicket,
    /// Sends TLS 1.3 session tickets on the control connection, one after another and no
    /// data, for this many milliseconds or until the client goes away.
    TicketFlood(u64),
    /// `TicketFlood` on the data connection (after `DataStartTls`).
    DataTicketFlood(u64),
    /// Ends TLS on the control connection (CCC): close_notify both ways, then plain text.
    EndTls,
    /// Starts TLS on the data connection; records whether the client resumed a session.
    DataStartTls,
    /// `DataStartTls` where the handshake may issue no TLS 1.3 session ticket (as
    /// proftpd's upload connections: it sends one only with data), and where a
    /// connection that did not resume a session may be closed right after the
    /// handshake, as servers requiring reuse do (proftpd, vsftpd).
    DataStartTlsWith { tickets: bool, require_reuse: bool },
    /// Closes the data connection without a TLS close_notify (a plain TCP close).
    DataCloseAbrupt,
}

unsafe extern "C" {
    /// OpenSSL 3: queue a TLS 1.3 session ticket (the openssl crate does not bind it).
    fn SSL_new_session_ticket(s: *mut openssl_sys::SSL) -> std::ffi::c_int;
}

/// What the server saw.
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    /// Command lines without their CRLF (lossy UTF-8).
    pub commands: Vec<String>,
    /// Command lines exactly as received, line ending included.
    pub raw: Vec<Vec<u8>>,
    /// Bytes received on each data connection read with `DataRecvAll`.
    pub data: Vec<Vec<u8>>,
    /// The server-side address of each data connection (which address the client reached).
    pub data_local: Vec<SocketAddr>,
    /// For each TLS data connection: did the client resume a TLS session?
    pub data_tls_resumed: Vec<bool>,
    /// For each TLS data connection read with `DataRecvAll`: did it end with close_notify?
    pub data_tls_clean_eof: Vec<bool>,
    /// The SNI host name of each TLS handshake (control and data), in order.
    pub tls_sni: Vec<Option<String>>,
    /// Third-party data connections (`IntruderConnect`) the client dropped.
    pub intruders_dropped: usize,
}

/// A connection, plain or TLS (server side).
enum Conn {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.get_ref(),
        }
    }

    fn start_tls(self, acceptor: &SslAcceptor, tickets: bool) -> Result<Conn, String> {
        let Conn::Plain(s) = self else { return Err("TLS already started".into()) };
        let mut ssl = Ssl::new(acceptor.context()).map_err(|e| e.to_string())?;
        if !tickets {
            ssl.set_num_tickets(0).map_err(|e| e.to_string())?;
        }
        ssl.accept(s).map(|s| Conn::Tls(Box::new(s))).map_err(|e| format!("server-side TLS handshake: {e}"))
    }

    /// Reads to EOF; for TLS, also says whether the end was a close_notify.
    fn read_all(&mut self, out: &mut Vec<u8>) -> Result<Option<bool>, String> {
        match self {
            Conn::Plain(s) => s.read_to_end(out).map(|_| None).map_err(|e| e.to_string()),
            Conn::Tls(s) => {
                let mut buf = [0u8; 16384];
                loop {
                    match s.ssl_read(&mut buf) {
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(e) if e.code() == ErrorCode::ZERO_RETURN => return Ok(Some(true)),
                        Err(e) if e.code() == ErrorCode::WANT_READ && e.io_error().is_none() => {}
                        Err(e) if e.io_error().is_none() => return Ok(Some(false)),
                        Err(e) => return Err(e.to_string()),
                    }
                }
            }
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A running fake server.
pub struct FakeServer {
    pub addr: SocketAddr,
    pub port: u16,
    transcript: Arc<Mutex<Transcript>>,
    handle: Option<JoinHandle<Result<(), String>>>,
}

impl FakeServer {
    /// Binds 127.0.0.1:0 and runs `script` for the first client that connects.
    pub fn start(script: Vec<Step>) -> FakeServer {
        FakeServer::start_with(script, None, false)
    }

    /// Like `start`, able to do TLS with `acceptor`; `implicit` starts TLS at once
    /// (implicit FTPS), before the script runs.
    pub fn start_tls(script: Vec<Step>, acceptor: SslAcceptor, implicit: bool) -> FakeServer {
        FakeServer::start_with(script, Some(acceptor), implicit)
    }

    /// Like `start_tls` (explicit), with another acceptor (another certificate) for the
    /// data connections.
    pub fn start_tls_split(script: Vec<Step>, control: SslAcceptor, data: SslAcceptor) -> FakeServer {
        FakeServer::start_full(script, Some(control), Some(data), false)
    }

    fn start_with(script: Vec<Step>, tls: Option<SslAcceptor>, implicit: bool) -> FakeServer {
        FakeServer::start_full(script, tls, None, implicit)
    }

    fn start_full(
        script: Vec<Step>,
        tls: Option<SslAcceptor>,
        data_tls: Option<SslAcceptor>,
        implicit: bool,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake server");
        let addr = listener.local_addr().unwrap();
        let transcript = Arc::new(Mutex::new(Transcript::default()));
        let shared = Arc::clone(&transcript);
        let handle = thread::Builder::new()
            .name(format!("fake-ftp-{}", addr.port()))
            .spawn(move || {
                let res = run(listener, script, tls, data_tls, implicit, &shared);
                if let Err(msg) = &res {
                    // Shown with the failing test's output even if the client panics first.
                    eprintln!("fake server: {msg}");
                }
                res
            })
            .expect("spawn fake server");
        FakeServer { addr, port: addr.port(), transcript, handle: Some(handle) }
    }

    /// Waits for the script to end and returns the transcript, whether or not the script
    /// ran to its end (for tests where the client gives up on purpose, e.g. mid-handshake).
    pub fn finish_any(mut self) -> Transcript {
        let _ = self.handle.take().unwrap().join();
        self.transcript.lock().unwrap().clone()
    }

    /// Waits for the script to end and returns the transcript; panics if the script failed.
    pub fn finish(mut self) -> Transcript {
        let res = self.handle.take().unwrap().join();
        let transcript = self.transcript.lock().unwrap().clone();
        match res {
            Ok(Ok(())) => transcript,
            Ok(Err(msg)) => panic!("fake server script failed: {msg}\ncommands seen: {:?}", transcript.commands),
            Err(_) => panic!("fake server thread panicked; commands seen: {:?}", transcript.commands),
        }
    }
}

/// The control connection with a small line buffer.
struct Control {
    stream: Conn,
    buf: Vec<u8>,
}

impl Control {
    /// One line up to and including LF; None at EOF with nothing buffered.
    fn read_line(&mut self) -> Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(Some(self.buf.drain(..=pos).collect()));
            }
            if self.buf.len() > MAX_COMMAND {
                return Err(format!("command line longer than {MAX_COMMAND} bytes"));
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => {
                    return Err(format!("client closed mid-line after {:?}", String::from_utf8_lossy(&self.buf)));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading a command: {e}")),
            }
        }
    }
}

struct State {
    ctrl: Option<Control>,
    pasv: Option<TcpListener>,
    data: Option<Conn>,
    tls: Option<SslAcceptor>,
    /// The data connections' acceptor when it is not `tls`'s.
    data_tls: Option<SslAcceptor>,
}

fn run(
    listener: TcpListener,
    script: Vec<Step>,
    tls: Option<SslAcceptor>,
    data_tls: Option<SslAcceptor>,
    implicit: bool,
    transcript: &Mutex<Transcript>,
) -> Result<(), String> {
    let stream = accept_timeout(&listener).map_err(|e| format!("no client connected: {e}"))?;
    // ABOR arrives partly as urgent data: keep it in the normal stream so it can be read.
    SockRef::from(&stream).set_out_of_band_inline(true).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    let mut st = State {
        ctrl: Some(Control { stream: Conn::Plain(stream), buf: Vec::new() }),
        pasv: None,
        data: None,
        tls,
        data_tls,
    };
    if implicit {
        do_step(&mut st, Step::StartTls, transcript).map_err(|e| format!("implicit TLS: {e}"))?;
    }
    for (i, step) in script.into_iter().enumerate() {
        let shown = format!("{step:?}");
        let shown = if shown.len() > 120 { format!("{}...", &shown[..120]) } else { shown };
        do_step(&mut st, step, transcript).map_err(|e| format!("step {i} {shown}: {e}"))?;
    }
    Ok(())
}

fn ctrl(st: &mut State) -> Result<&mut Control, String> {
    st.ctrl.as_mut().ok_or_else(|| "control connection already closed".to_string())
}

/// Sends session tickets and nothing else for `ms` milliseconds or until the client goes.
fn flood_tickets(t: &mut SslStream<TcpStream>, ms: u64) -> Result<(), String> {
    let end = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < end {
        // SAFETY: the pointer is the live SSL of this stream, used for this one call.
        if unsafe { SSL_new_session_ticket(ForeignTypeRef::as_ptr(t.ssl())) } != 1 {
            return Err("SSL_new_session_ticket failed".into());
        }
        // The handshake call sends the queued ticket; it fails once the client has gone.
        if t.do_handshake().is_err() {
            break;
        }
    }
    Ok(())
}

fn data(st: &mut State) -> Result<&mut Conn, String> {
    st.data.as_mut().ok_or_else(|| "no data connection".to_string())
}

/// Reads a command line and records it.
fn read_command(st: &mut State, transcript: &Mutex<Transcript>) -> Result<Vec<u8>, String> {
    let line = ctrl(st)?.read_line()?.ok_or("client closed the control connection")?;
    let mut t = transcript.lock().unwrap();
    t.raw.push(line.clone());
    let text = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(&line);
    t.commands.push(String::from_utf8_lossy(text).into_owned());
    Ok(line)
}

fn crlf_text(line: &[u8]) -> Result<String, String> {
    match line.strip_suffix(b"\r\n") {
        Some(t) => Ok(String::from_utf8_lossy(t).into_owned()),
        None => Err(format!("command not ended by CRLF: {:?}", String::from_utf8_lossy(line))),
    }
}

fn do_step(st: &mut State, step: Step, transcript: &Mutex<Transcript>) -> Result<(), String> {
    match step {
        Step::Reply(text) => send(st, format!("{text}\r\n").as_bytes()),
        Step::Raw(bytes) => send(st, &bytes),
        Step::SendSplit(pieces) => {
            for p in pieces {
                send(st, &p)?;
                thread::sleep(Duration::from_millis(30));
            }
            Ok(())
        }
        Step::Expect(want) => {
            let got = crlf_text(&read_command(st, transcript)?)?;
            if got != want { Err(format!("expected command {want:?}, got {got:?}")) } else { Ok(()) }
        }
        Step::ExpectPrefix(want) => {
            let got = crlf_text(&read_command(st, transcript)?)?;
            if !got.starts_with(&want) {
                Err(format!("expected a command starting {want:?}, got {got:?}"))
            } else {
                Ok(())
            }
        }
        Step::ExpectRaw(want) => {
            let got = read_command(st, transcript)?;
            if got != want { Err(format!("expected raw line {want:?}, got {got:?}")) } else { Ok(()) }
        }
        Step::ExpectEof => match ctrl(st)?.read_line()? {
            None => Ok(()),
            Some(line) => Err(format!("expected the client to close, got {:?}", String::from_utf8_lossy(&line))),
        },
        Step::Pasv(host) => pasv(st, Ipv4Addr::LOCALHOST, &host),
        Step::PasvOn(ip, host) => pasv(st, ip, &host),
        Step::Epsv => {
            let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind data listener: {e}"))?;
            let port = l.local_addr().unwrap().port();
            st.pasv = Some(l);
            send(st, format!("229 Entering Extended Passive Mode (|||{port}|)\r\n").as_bytes())
        }
        Step::DataAccept => {
            let l = st.pasv.take().ok_or("no passive listener open")?;
            let s = accept_timeout(&l).map_err(|e| format!("client did not open the data connection: {e}"))?;
            set_data_timeouts(&s)?;
            transcript.lock().unwrap().data_local.push(s.local_addr().unwrap());
            st.data = Some(Conn::Plain(s));
            Ok(())
        }
        Step::IntruderConnect(ip) => {
            let target = active_target(transcript)?;
            let sock =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(|e| e.to_string())?;
            sock.bind(&SocketAddr::new(IpAddr::V4(ip), 0).into()).map_err(|e| format!("bind {ip}: {e}"))?;
            sock.connect_timeout(&target.into(), IO_TIMEOUT).map_err(|e| format!("intruder connect: {e}"))?;
            let mut s: TcpStream = sock.into();
            set_data_timeouts(&s)?;
            match s.read(&mut [0u8; 1]) {
                Ok(0) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
                Ok(_) => return Err("the client sent data to a third party".into()),
                Err(e) => return Err(format!("the client kept a third party's data connection: {e}")),
            }
            transcript.lock().unwrap().intruders_dropped += 1;
            Ok(())
        }
        Step::ActiveConnect => {
            let target = active_target(transcript)?;
            let s = TcpStream::connect_timeout(&target, IO_TIMEOUT).map_err(|e| format!("connect to {target}: {e}"))?;
            set_data_timeouts(&s)?;
            transcript.lock().unwrap().data_local.push(s.local_addr().unwrap());
            st.data = Some(Conn::Plain(s));
            Ok(())
        }
        Step::DataSend(bytes) => data(st)?.write_all(&bytes).map_err(|e| format!("data send: {e}")),
        Step::DataSendUntilCut(bytes) => match data(st)?.write_all(&bytes) {
            Err(e) if matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) => Ok(()),
            other => other.map_err(|e| format!("data send: {e}")),
        },
        Step::DataSendSplit(pieces) => {
            for p in pieces {
                data(st)?.write_all(&p).map_err(|e| format!("data send: {e}"))?;
                thread::sleep(Duration::from_millis(30));
            }
            Ok(())
        }
        Step::DataTrickle { count, interval } => {
            let d = data(st)?;
            for _ in 0..count {
                if d.write_all(b"x").and_then(|()| d.flush()).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(interval));
            }
            Ok(())
        }
        Step::DataRecvAllAfter(ms) => {
            thread::sleep(Duration::from_millis(ms));
            do_step(st, Step::DataRecvAll, transcript)
        }
        Step::DataRecvAll => {
            let mut got = Vec::new();
            let clean = data(st)?.read_all(&mut got).map_err(|e| format!("data receive: {e}"))?;
            let mut t = transcript.lock().unwrap();
            t.data.push(got);
            t.data_tls_clean_eof.extend(clean);
            Ok(())
        }
        Step::DataClose => {
            let mut s = st.data.take().ok_or("no data connection to close")?;
            if let Conn::Tls(t) = &mut s {
                let _ = t.shutdown();
            }
            let _ = s.tcp().shutdown(Shutdown::Both);
            Ok(())
        }
        Step::DataReset => {
            let s = st.data.take().ok_or("no data connection to reset")?;
            SockRef::from(s.tcp()).set_linger(Some(Duration::ZERO)).map_err(|e| e.to_string())?;
            drop(s);
            Ok(())
        }
        Step::PasvClose => {
            st.pasv.take().ok_or("no passive listener to close")?;
            Ok(())
        }
        Step::DataCloseAbrupt => {
            let s = st.data.take().ok_or("no data connection to close")?;
            let _ = s.tcp().shutdown(Shutdown::Both);
            Ok(())
        }
        Step::StartTls | Step::StartTlsNoTickets => {
            let acceptor = st.tls.clone().ok_or("server made without TLS (use start_tls)")?;
            let c = st.ctrl.take().ok_or("control connection already closed")?;
            if !c.buf.is_empty() {
                return Err(format!("client sent {:?} before the TLS handshake", String::from_utf8_lossy(&c.buf)));
            }
            let tickets = matches!(step, Step::StartTls);
            let stream = c.stream.start_tls(&acceptor, tickets)?;
            transcript.lock().unwrap().tls_sni.push(sni(&stream));
            st.ctrl = Some(Control { stream, buf: Vec::new() });
            Ok(())
        }
        Step::IssueTicket => {
            let c = ctrl(st)?;
            let Conn::Tls(t) = &c.stream else { return Err("control connection is not TLS".into()) };
            // SAFETY: the pointer is the live SSL of this stream, used for this one call.
            let rc = unsafe { SSL_new_session_ticket(ForeignTypeRef::as_ptr(t.ssl())) };
            if rc != 1 { Err("SSL_new_session_ticket failed".into()) } else { Ok(()) }
        }
        Step::TicketFlood(ms) => {
            let c = ctrl(st)?;
            let Conn::Tls(t) = &mut c.stream else { return Err("control connection is not TLS".into()) };
            flood_tickets(t, ms)
        }
        Step::DataTicketFlood(ms) => {
            let Conn::Tls(t) = data(st)? else { return Err("data connection is not TLS".into()) };
            flood_tickets(t, ms)
        }
        Step::EndTls => {
            let c = ctrl(st)?;
            let Conn::Tls(t) = &mut c.stream else { return Err("control connection is not TLS".into()) };
            loop {
                match t.shutdown() {
                    Ok(ShutdownResult::Received) => break,
                    Ok(ShutdownResult::Sent) => {}
                    Err(e) if e.code() == ErrorCode::ZERO_RETURN => break,
                    Err(e) if e.code() == ErrorCode::WANT_READ && e.io_error().is_none() => {}
                    Err(e) => return Err(format!("TLS shutdown: {e}")),
                }
            }
            let plain = t.get_ref().try_clone().map_err(|e| e.to_string())?;
            c.stream = Conn::Plain(plain);
            Ok(())
        }
        Step::DataStartTls | Step::DataStartTlsWith { .. } => {
            let acceptor =
                st.data_tls.clone().or_else(|| st.tls.clone()).ok_or("server made without TLS (use start_tls)")?;
            let (tickets, require_reuse) = match step {
                Step::DataStartTlsWith { tickets, require_reuse } => (tickets, require_reuse),
                _ => (true, false),
            };
            let s = st.data.take().ok_or("no data connection")?.start_tls(&acceptor, tickets)?;
            let mut resumed = false;
            if let Conn::Tls(t) = &s {
                resumed = t.ssl().session_reused();
                let mut tr = transcript.lock().unwrap();
                tr.data_tls_resumed.push(resumed);
                tr.tls_sni.push(sni(&s));
            }
            if require_reuse && !resumed {
                // Closed with close_notify, as proftpd does: OpenSSL keeps the tickets
                // this handshake issued good, and the client may take them next time.
                let mut s = s;
                if let Conn::Tls(t) = &mut s {
                    let _ = t.shutdown();
                }
                let _ = s.tcp().shutdown(Shutdown::Both);
                return Ok(());
            }
            st.data = Some(s);
            Ok(())
        }
        Step::Close => {
            let c = st.ctrl.take().ok_or("control connection already closed")?;
            let _ = c.stream.tcp().shutdown(Shutdown::Both);
            Ok(())
        }
        Step::Reset => {
            let c = st.ctrl.take().ok_or("control connection already closed")?;
            SockRef::from(c.stream.tcp()).set_linger(Some(Duration::ZERO)).map_err(|e| e.to_string())?;
            drop(c);
            Ok(())
        }
        Step::Sleep(ms) => {
            thread::sleep(Duration::from_millis(ms));
            Ok(())
        }
    }
}

/// The host name the client sent with SNI, if any.
fn sni(c: &Conn) -> Option<String> {
    match c {
        Conn::Tls(t) => t.ssl().servername(openssl::ssl::NameType::HOST_NAME).map(str::to_string),
        Conn::Plain(_) => None,
    }
}

fn send(st: &mut State, bytes: &[u8]) -> Result<(), String> {
    let c = ctrl(st)?;
    c.stream.write_all(bytes).map_err(|e| format!("send on control connection: {e}"))
}

fn pasv(st: &mut State, ip: Ipv4Addr, host: &str) -> Result<(), String> {
    let l = TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), 0))
        .map_err(|e| format!("bind data listener on {ip}: {e}"))?;
    let port = l.local_addr().unwrap().port();
    st.pasv = Some(l);
    let reply = format!("227 Entering Passive Mode ({host},{},{}).\r\n", port >> 8, port & 0xff);
    send(st, reply.as_bytes())
}

fn set_data_timeouts(s: &TcpStream) -> Result<(), String> {
    s.set_nonblocking(false).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    s.set_nodelay(true).map_err(|e| e.to_string())
}

/// `accept` that gives up after IO_TIMEOUT.
fn accept_timeout(l: &TcpListener) -> io::Result<TcpStream> {
    l.set_nonblocking(true)?;
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false)?;
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "accept timed out"));
                }
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// "PORT h1,h2,h3,h4,p1,p2" or "EPRT |1|ip|port|" → the address to connect to.
/// The address named by the last PORT or EPRT command the client sent.
fn active_target(transcript: &Mutex<Transcript>) -> Result<SocketAddr, String> {
    let t = transcript.lock().unwrap();
    let last = t.commands.iter().rev().find(|c| c.starts_with("PORT ") || c.starts_with("EPRT "));
    parse_port_command(last.ok_or("no PORT or EPRT command seen")?)
}

pub fn parse_port_command(cmd: &str) -> Result<SocketAddr, String> {
    if let Some(args) = cmd.strip_prefix("PORT ") {
        let n: Vec<u8> = args
            .split(',')
            .map(|x| x.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("bad PORT {args:?}: {e}"))?;
        if n.len() != 6 {
            return Err(format!("PORT needs 6 numbers: {args:?}"));
        }
        let ip = Ipv4Addr::new(n[0], n[1], n[2], n[3]);
        return Ok(SocketAddr::new(IpAddr::V4(ip), u16::from(n[4]) << 8 | u16::from(n[5])));
    }
    if let Some(args) = cmd.strip_prefix("EPRT ") {
        let d = args.chars().next().ok_or("empty EPRT")?;
        let parts: Vec<&str> = args.split(d).collect();
        if parts.len() != 5 {
            return Err(format!("bad EPRT {args:?}"));
        }
        let ip: IpAddr = parts[2].parse().map_err(|e| format!("bad EPRT address: {e}"))?;
        let port: u16 = parts[3].parse().map_err(|e| format!("bad EPRT port: {e}"))?;
        return Ok(SocketAddr::new(ip, port));
    }
    Err(format!("not a PORT/EPRT command: {cmd:?}"))
}

/// A server that sends "220 ready" and then runs `script`, and a client connected to it
/// (5 s timeout) after `setup` has configured it.
pub fn connected_with(script: Vec<Step>, setup: impl FnOnce(&mut ftp::Ftp)) -> (FakeServer, ftp::Ftp) {
    let mut full = vec![Step::Reply("220 ready".to_string())];
    full.extend(script);
    let server = FakeServer::start(full);
    let mut ftp = ftp::Ftp::new();
    setup(&mut ftp);
    ftp.connect("127.0.0.1", server.port, Some(Duration::from_secs(5)), None).unwrap();
    (server, ftp)
}
