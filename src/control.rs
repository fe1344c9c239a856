//! The control connection: sending command lines, reading replies, the protocol trace.
//! Any framing failure (I/O error, timeout, EOF, malformed or oversized reply) marks the
//! connection broken, because later replies can no longer be matched to commands.

use crate::error::{Error, Result};
use crate::net;
use crate::reply::{self, LineError, LineReader, Reply, ReplyError};
use crate::stream::Stream;
use openssl::ssl::SslStream;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Stray replies dropped before one command at most; more is a server gone mad.
const MAX_UNSOLICITED: usize = 16;

/// How long TLS waits for the LF of an AUTH reply that ended in a bare CR.
const SPLIT_LF_WAIT: Duration = Duration::from_millis(200);

/// What a trace line is: ftplib's debug level 1 shows `Cmd`/`Resp`, level 2 adds
/// `Put`/`Get` (every line in both directions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// A command sent (level 1).
    Cmd,
    /// A whole reply received (level 1).
    Resp,
    /// A line sent (level 2).
    Put,
    /// A line received (level 2).
    Get,
}

/// Receives the protocol trace. Passwords are already masked.
pub type LogSink = Box<dyn FnMut(LogKind, &str) + Send>;

/// The trace: a level (0 off, 1 commands and replies, 2 every line) and a sink.
/// Without a sink, the trace goes to stderr, as ftplib prints it.
#[derive(Default)]
pub struct Logger {
    pub level: u8,
    pub sink: Option<LogSink>,
}

impl Logger {
    pub(crate) fn emit(&mut self, min_level: u8, kind: LogKind, text: &str) {
        if self.level < min_level {
            return;
        }
        match &mut self.sink {
            Some(sink) => sink(kind, text),
            None => {
                let tag = match kind {
                    LogKind::Cmd => "*cmd*",
                    LogKind::Resp => "*resp*",
                    LogKind::Put => "*put*",
                    LogKind::Get => "*get*",
                };
                // A closed stderr must not turn tracing into a panic.
                let _ = writeln!(std::io::stderr().lock(), "{tag} {text:?}");
            }
        }
    }
}

/// `PASS secret` → `PASS ******` (ftplib's sanitize), so traces never show passwords.
pub fn mask_password(line: &str) -> String {
    // `get` rather than slicing: byte 5 may fall inside a multi-byte character.
    match line.get(..5) {
        Some(verb) if verb.eq_ignore_ascii_case("pass ") => format!("{verb}{}", "*".repeat(line[5..].chars().count())),
        _ => line.to_string(),
    }
}

/// `VERB argument` as bytes: arguments (paths, names) need not be UTF-8.
pub fn verb_line(verb: &str, arg: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(verb.len() + 1 + arg.len());
    line.extend_from_slice(verb.as_bytes());
    line.push(b' ');
    line.extend_from_slice(arg);
    line
}

/// Refuses text that would let a caller inject a second command into the line.
pub fn check_line(what: &str, text: impl AsRef<[u8]>) -> Result<()> {
    if let Some(&b) = text.as_ref().iter().find(|&&b| b == b'\r' || b == b'\n' || b == 0) {
        let name = match b {
            b'\r' => "CR",
            b'\n' => "LF",
            _ => "NUL",
        };
        return Err(Error::Invalid(format!("{what} contains a {name} byte")));
    }
    Ok(())
}

/// The control connection's stream, holding reads to the deadline of the reply being
/// read. The reply timeout bounds a whole reply, not each read: a server dripping a
/// reply a byte at a time could otherwise hold a command for a timeout per byte. The
/// socket is non-blocking while a deadline is set, since over TLS one read may wait
/// on the socket many times.
struct ReplyStream {
    stream: Stream,
    deadline: Option<Instant>,
}

impl Read for ReplyStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(deadline) = self.deadline else { return self.stream.read(buf) };
        let late = || io::Error::new(io::ErrorKind::TimedOut, "the whole reply did not come within the reply timeout");
        loop {
            // Checked before each read too: over TLS, records without data can keep the
            // socket from ever running dry.
            if Instant::now() >= deadline {
                return Err(late());
            }
            match self.stream.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
            if !net::wait_until(self.stream.tcp(), false, deadline)? {
                return Err(late());
            }
        }
    }
}

impl Write for ReplyStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

fn line_reader(stream: Stream) -> LineReader<ReplyStream> {
    LineReader::new(ReplyStream { stream, deadline: None })
}

/// An open control connection.
struct Conn {
    reader: LineReader<ReplyStream>,
    /// A second handle on the socket, for what works below TLS: polling, timeouts,
    /// urgent data, and getting the plain socket back after CCC.
    tcp: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    broken: Option<String>,
    /// Replies read ahead of their time, handed out by the next reads, first to last
    /// (see `hold`).
    held: VecDeque<Reply>,
    /// An ABOR whose own 225/226 has not come yet (see `owe_abort_reply`); any 225/226
    /// read settles it.
    abort_reply_owed: bool,
    /// What was sent ahead of the current transfer's end (`send_ahead`,
    /// `send_order_probe`), its replies still due: no other command may go out first.
    ahead: Option<Ahead>,
    ahead_order: AheadOrder,
}

/// Commands sent while the current transfer's final reply is still due.
enum Ahead {
    /// EPSV and this transfer command, for the next transfer to take.
    Transfer(Vec<u8>),
    /// A NOOP, to learn the order of replies.
    Probe,
}

/// The order a server answers commands sent while a transfer ends, as seen on one
/// connection: transfers are sent ahead only to one known to answer in turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum AheadOrder {
    #[default]
    Unknown,
    InTurn,
    OutOfTurn,
}

impl AheadOrder {
    fn shown(self) -> &'static str {
        match self {
            AheadOrder::Unknown => "of unknown order",
            AheadOrder::InTurn => "in turn",
            AheadOrder::OutOfTurn => "out of turn",
        }
    }
}

/// How long the reply to an order probe (`send_order_probe`) may take once the
/// transfer's end has come.
const PROBE_WAIT: Duration = Duration::from_secs(5);

/// The control channel of a session: the connection when there is one, plus what
/// outlives connections (the trace settings and the last reply).
#[derive(Default)]
pub struct Control {
    conn: Option<Conn>,
    pub log: Logger,
    /// The last reply read, kept for callers that want its code and text.
    pub last_reply: Option<Reply>,
    /// The last command sent (password masked), to say which command a reply refused.
    pub last_command: Option<String>,
    /// How many replies have been read, on any connection: tells whether a call read one.
    pub replies_read: u64,
    /// Writes of commands tried, and replies read other than 421, so far: a call that
    /// lost the connection compares them to tell whether it sent anything, and whether
    /// the server answered it (reconnecting, `reconnect.rs`).
    pub(crate) sent: u64,
    pub(crate) answers: u64,
}

impl Control {
    /// Takes over a freshly connected stream (plain, or TLS for implicit FTPS).
    pub fn attach(&mut self, stream: Stream) -> Result<()> {
        let ctx = |what| move |e| Error::io(format!("control connection {what}"), e);
        let tcp = stream.tcp().try_clone().map_err(ctx("socket"))?;
        let peer = tcp.peer_addr().map_err(ctx("peer address"))?;
        let local = tcp.local_addr().map_err(ctx("local address"))?;
        self.conn = Some(Conn {
            reader: line_reader(stream),
            tcp,
            peer,
            local,
            broken: None,
            held: VecDeque::new(),
            abort_reply_owed: false,
            ahead: None,
            ahead_order: AheadOrder::Unknown,
        });
        Ok(())
    }

    /// Closes the connection (if any); trace settings and last reply stay.
    pub fn detach(&mut self) {
        self.conn = None;
    }

    /// Starts TLS on the connection after the server accepted AUTH. Bytes that arrived
    /// after the AUTH reply and before the handshake are refused, not kept as replies:
    /// a man in the middle could have injected them (curl's CVE-2021-22947). If the
    /// handshake fails the connection is closed.
    pub fn start_tls(&mut self, handshake: impl FnOnce(TcpStream) -> Result<SslStream<TcpStream>>) -> Result<()> {
        let conn = self.conn()?;
        if conn.reader.get_ref().stream.is_tls() {
            return Err(Error::State("the control connection already uses TLS".into()));
        }
        if conn.reader.awaits_lf() {
            // The AUTH reply ended in a bare CR: its LF, split off, must not reach the
            // handshake. A server that ends lines with CR alone costs this wait.
            let came = net::wait_until(&conn.tcp, false, Instant::now() + SPLIT_LF_WAIT);
            if came.map_err(|e| Error::io("read reply", e))? {
                self.absorb_split_lf()?;
            }
        }
        let conn = self.conn()?;
        if conn.reader.has_buffered() {
            let n = conn.reader.buffered_len();
            return Err(self.fail(Error::Proto(format!(
                "the server sent {n} bytes after accepting AUTH and before the TLS handshake; \
                 refusing them, since anyone on the path could have injected them"
            ))));
        }
        let conn = self.conn.take().expect("checked by conn() above");
        let Stream::Plain(tcp) = conn.reader.into_inner().stream else { unreachable!("checked is_tls above") };
        let tls = handshake(tcp)?;
        self.conn = Some(Conn { reader: line_reader(Stream::tls(tls)), ..conn });
        Ok(())
    }

    /// Ends TLS on the connection (CCC, after the server's 200): close_notify both ways,
    /// then plain text on the same TCP connection. On failure the connection is unusable.
    pub fn end_tls(&mut self) -> Result<()> {
        let conn = self.conn()?;
        if !conn.reader.get_ref().stream.is_tls() {
            return Err(Error::State("the control connection does not use TLS".into()));
        }
        let res = conn.reader.get_mut().stream.end_tls();
        if let Err(e) = res {
            return Err(self.fail(Error::io("TLS shutdown of the control connection (CCC)", e)));
        }
        let conn = self.conn.as_mut().expect("checked by conn() above");
        let plain = conn.tcp.try_clone().map_err(|e| Error::io("control connection socket", e));
        match plain {
            Ok(tcp) => {
                // The TLS layer's handle on the socket is closed; `tcp` keeps it open.
                conn.reader = line_reader(Stream::Plain(tcp));
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// True when the control connection is TLS-protected now.
    pub fn is_tls(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.reader.get_ref().stream.is_tls())
    }

    /// The control connection's TLS version and cipher, when it uses TLS.
    pub fn tls_info(&self) -> Option<(&'static str, Option<&'static str>)> {
        let stream = &self.conn.as_ref()?.reader.get_ref().stream;
        Some((stream.tls_version()?, stream.tls_cipher()))
    }

    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Ok when connected and in step, else the State error saying why not.
    pub fn check_usable(&mut self) -> Result<()> {
        self.conn().map(|_| ())
    }

    /// Connected and still in step (no framing or I/O failure so far).
    pub fn is_usable(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.broken.is_none())
    }

    fn conn(&mut self) -> Result<&mut Conn> {
        let conn = self.conn.as_mut().ok_or_else(|| Error::State("not connected".into()))?;
        if let Some(why) = &conn.broken {
            return Err(Error::State(format!("control connection unusable after: {why}")));
        }
        Ok(conn)
    }

    fn conn_ref(&self) -> Result<&Conn> {
        self.conn.as_ref().ok_or_else(|| Error::State("not connected".into()))
    }

    pub fn peer(&self) -> Result<SocketAddr> {
        Ok(self.conn_ref()?.peer)
    }

    pub fn local(&self) -> Result<SocketAddr> {
        Ok(self.conn_ref()?.local)
    }

    /// The last reply line ended with a bare CR: if its LF (a CRLF split across TCP
    /// segments or TLS records) has come since, reads it, so that it is taken for the end
    /// of that line and not for the start of a next reply. Never waits.
    pub fn absorb_split_lf(&mut self) -> Result<()> {
        let Some(c) = self.conn.as_mut() else { return Ok(()) };
        if !c.reader.awaits_lf() {
            return Ok(());
        }
        if c.reader.get_ref().stream.pending() == 0 && !net::has_input(&c.tcp) {
            return Ok(());
        }
        // Without blocking: over TLS the socket may hold only part of a record.
        let read = c.tcp.set_nonblocking(true).and_then(|()| {
            let read = c.reader.read_waiting();
            c.tcp.set_nonblocking(false)?;
            read
        });
        match read {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(self.fail(Error::io("read reply", e))),
        }
    }

    /// Gives `r`, already read (and logged), back: the next read returns it. For a reply
    /// that had to be read to decide something before its turn; a command sent first
    /// drops it as it drops any reply nobody asked for.
    pub fn hold(&mut self, r: Reply) {
        if let Some(c) = self.conn.as_mut() {
            c.held.push_front(r);
        }
    }

    /// True when a reply (or part of one) has already been read from the socket.
    pub fn has_buffered_reply(&self) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|c| !c.held.is_empty() || c.reader.has_buffered() || c.reader.get_ref().stream.pending() > 0)
    }

    /// The TCP socket (for polling), whether or not TLS runs over it.
    pub fn stream(&self) -> Result<&TcpStream> {
        Ok(&self.conn_ref()?.tcp)
    }

    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<()> {
        let conn = self.conn_ref()?;
        net::set_timeouts(&conn.tcp, timeout).map_err(|e| Error::io("set control timeout", e))
    }

    /// Marks the connection out of step and passes the error on.
    pub fn fail(&mut self, err: Error) -> Error {
        if let Some(conn) = &mut self.conn {
            if conn.broken.is_none() {
                conn.broken = Some(err.to_string());
            }
        }
        err
    }

    /// Sends one command line (CRLF appended). `line` must not contain CR, LF or NUL;
    /// it is sent as the bytes given (servers differ in the encoding of names).
    pub fn send(&mut self, line: impl AsRef<[u8]>) -> Result<()> {
        self.send_many(&[line.as_ref()])
    }

    /// Sends several command lines in one write (pipelining: the caller then reads one
    /// reply per line, in order). Nothing is sent if any line is refused.
    pub fn send_many(&mut self, lines: &[&[u8]]) -> Result<()> {
        for line in lines {
            check_line("command", line)?;
        }
        self.refuse_while_ahead(lines.first().copied().unwrap_or_default())?;
        let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 2).sum());
        let mut verbs = Vec::new();
        for line in lines {
            let shown = mask_password(&String::from_utf8_lossy(line));
            self.log.emit(1, LogKind::Cmd, &shown);
            self.log.emit(2, LogKind::Put, &shown);
            verbs.push(shown.split(' ').next().unwrap_or("").to_string());
            self.last_command = Some(shown);
            buf.extend_from_slice(line);
            buf.extend_from_slice(b"\r\n");
        }
        let out = self.conn()?.reader.get_mut();
        let mut written = 0;
        let res = loop {
            match out.write(&buf[written..]) {
                Ok(0) => break Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) if written + n == buf.len() => break Ok(()),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        // Counted once any byte went: a write refused outright sent nothing.
        if written > 0 || res.is_ok() {
            self.sent += 1;
        }
        res.map_err(|e| self.fail(Error::io(format!("send {}", verbs.join("+")), e)))
    }

    /// Sends EPSV and the transfer command `cmd` ahead of time: while the current
    /// transfer's final reply is still due, once its data has ended. Their replies
    /// follow that final reply; the next transfer takes them (`take_ahead`). Until then
    /// no other command may be sent: it would be answered out of turn. The last
    /// command stays the current transfer's, whose reply comes first.
    pub(crate) fn send_ahead(&mut self, cmd: &[u8]) -> Result<()> {
        let current = self.last_command.take();
        let sent = self.send_many(&[b"EPSV", cmd]);
        self.last_command = current;
        sent?;
        if let Some(c) = self.conn.as_mut() {
            c.ahead = Some(Ahead::Transfer(cmd.to_vec()));
        }
        Ok(())
    }

    /// Sends NOOP while the current transfer's final reply is still due, to learn the
    /// order the server answers in (`ahead_order`): its 200 comes after that reply
    /// from a server that works on one command at a time, before it from one that
    /// answers while it still ends a transfer. `get_transfer_end` reads both.
    pub(crate) fn send_order_probe(&mut self) -> Result<()> {
        let current = self.last_command.take();
        let sent = self.send_many(&[b"NOOP"]);
        self.last_command = current;
        sent?;
        if let Some(c) = self.conn.as_mut() {
            c.ahead = Some(Ahead::Probe);
        }
        Ok(())
    }

    /// What is known on this connection of the order replies come in while a
    /// transfer ends.
    pub(crate) fn ahead_order(&self) -> AheadOrder {
        self.conn.as_ref().map_or(AheadOrder::Unknown, |c| c.ahead_order)
    }

    /// The transfer command sent ahead, if its replies are still due.
    pub(crate) fn ahead(&self) -> Option<&[u8]> {
        match self.conn.as_ref()?.ahead.as_ref()? {
            Ahead::Transfer(cmd) => Some(cmd),
            Ahead::Probe => None,
        }
    }

    /// Whether anything sent ahead still has replies due.
    pub(crate) fn has_ahead(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.ahead.is_some())
    }

    /// Takes the transfer command sent ahead: its replies are the caller's to read now,
    /// and it is the last command sent as far as error messages go.
    pub(crate) fn take_ahead(&mut self) -> Option<Vec<u8>> {
        let c = self.conn.as_mut()?;
        let Some(Ahead::Transfer(cmd)) = c.ahead.take() else { return None };
        self.last_command = Some(mask_password(&String::from_utf8_lossy(&cmd)));
        Some(cmd)
    }

    /// A command about to go out while something sent ahead is outstanding would take
    /// its replies: refused, and the connection, out of step, is marked unusable. Only
    /// the transfer sent ahead may run next (or `Ftp::settle_ahead` end it).
    fn refuse_while_ahead(&mut self, line: &[u8]) -> Result<()> {
        let Some(ahead) = self.conn()?.ahead.as_ref() else { return Ok(()) };
        let outstanding = match ahead {
            Ahead::Transfer(cmd) => String::from_utf8_lossy(verb_of(cmd)).into_owned(),
            Ahead::Probe => "NOOP".into(),
        };
        let why = format!(
            "internal error: {} about to be sent while {outstanding} sent ahead is outstanding",
            String::from_utf8_lossy(verb_of(line)),
        );
        Err(self.fail(Error::State(why)))
    }

    /// The reply ending the current transfer, and with it the replies to what was sent
    /// ahead of its end where they come first.
    /// - After an order probe (`send_order_probe`): both replies are read (NOOP's
    ///   within `PROBE_WAIT`, else the connection is out of step). The end and then
    ///   NOOP's 200 marks the server as answering in turn; NOOP's 200 first makes the
    ///   second reply the end; any other pair takes the first as the end, and either
    ///   way nothing is sent ahead on the connection.
    /// - After a transfer sent ahead: a server that answers commands while it still
    ///   ends the transfer (unftp, sometimes, after answering the probe in turn) sends
    ///   the EPSV's 229 and the RETR's 1xx first. They are kept, in order, for the
    ///   transfer sent ahead, the next reply is the end, and nothing is sent ahead on
    ///   that connection again. A refusal (4xx/5xx) after an early 229 alone could be
    ///   the end or the RETR's: the connection is then out of step, and the transfer
    ///   fails rather than be taken as complete on a guess.
    pub(crate) fn get_transfer_end(&mut self) -> Result<Reply> {
        match self.conn.as_ref().and_then(|c| c.ahead.as_ref()) {
            None => self.get_response(),
            Some(Ahead::Probe) => {
                let first = self.read_reply()?;
                if let Some(c) = self.conn.as_mut() {
                    c.ahead = None;
                    c.ahead_order = AheadOrder::OutOfTurn;
                }
                if first.code == 421 {
                    return Err(self.fail(Error::Temp(first)));
                }
                // NOOP's reply is bounded: a server that drops commands sent during a
                // transfer would otherwise hold the download that has ended.
                if !self.reply_within(PROBE_WAIT)? {
                    let e = Error::Proto(format!("no reply to a NOOP within {} s", PROBE_WAIT.as_secs()));
                    self.fail(e);
                    return match first.code {
                        200 => {
                            Err(self
                                .fail(Error::Proto("the transfer's end and NOOP's reply cannot be told apart".into())))
                        }
                        _ => classify(first),
                    };
                }
                let second = self.read_reply()?;
                // In turn only for the end, then NOOP's 200; any other pair leaves the
                // order unknown, and nothing is sent ahead on this connection.
                let (end, order) = match (first.code, second.code) {
                    (200, s) if s != 200 => (second, AheadOrder::OutOfTurn),
                    (f, 200) if f != 200 => (first, AheadOrder::InTurn),
                    _ => (first, AheadOrder::OutOfTurn),
                };
                self.log.emit(
                    1,
                    LogKind::Resp,
                    &format!("replies {} to commands sent while a transfer ends", order.shown()),
                );
                if let Some(c) = self.conn.as_mut() {
                    c.ahead_order = order;
                }
                self.last_reply = Some(end.clone());
                classify(end)
            }
            Some(Ahead::Transfer(_)) => {
                let mut early = Vec::new();
                let end = loop {
                    let r = self.read_reply()?;
                    if early.len() < 2 && (r.code == 229 || r.class() == 1) {
                        early.push(r);
                        continue;
                    }
                    break r;
                };
                if early.is_empty() {
                    return classify(end);
                }
                self.log.emit(1, LogKind::Resp, "replies to the commands sent ahead came before the transfer's end");
                if let Some(c) = self.conn.as_mut() {
                    c.ahead_order = AheadOrder::OutOfTurn;
                }
                if early.len() == 1 && end.class() >= 4 {
                    return Err(self.fail(Error::Proto(format!(
                        "the server answered commands sent ahead before the transfer's end, then sent {}: \
                         the end of the transfer or the refusal of the next one",
                        end.code
                    ))));
                }
                if let Some(c) = self.conn.as_mut() {
                    c.held.extend(early);
                }
                classify(end)
            }
        }
    }

    /// Sends ABOR the RFC 959 way: Telnet IP, then Synch (IAC marked urgent, then DM),
    /// then the command, so servers busy in a transfer notice it. Over TLS urgent data
    /// cannot be sent (it would corrupt the record stream), so ABOR goes as a plain
    /// command, as ftplib's FTP_TLS does.
    /// With `urgent` false (the default), a plain `ABOR` line; ftplib sends that line
    /// too (as urgent data, but without Telnet bytes). The forms compared, by the reply
    /// `abort` returned during a download (the C live suite's `replies_and_modes`):
    ///
    /// | server     | urgent form, plain | plain line, plain | FTPS (always a plain line) |
    /// |------------|--------------------|-------------------|----------------------------|
    /// | vsftpd     | 225                | 225               | 225                        |
    /// | proftpd    | 226                | 226               | 226                        |
    /// | pure-ftpd  | 150 summary only   | 226               | 226                        |
    /// | pyftpdlib  | 225                | 226               | 226                        |
    ///
    /// Every server answers both; a server that does not strip Telnet bytes takes the
    /// urgent form for an unknown command or never answers it, hence the plain default.
    pub fn send_abort(&mut self, urgent: bool) -> Result<()> {
        const IAC: u8 = 255;
        const IP: u8 = 244;
        const DM: u8 = 242;
        if !urgent || self.conn()?.reader.get_ref().stream.is_tls() {
            return self.send("ABOR");
        }
        self.refuse_while_ahead(b"ABOR")?;
        self.log.emit(1, LogKind::Cmd, "ABOR (after Telnet IP and Synch)");
        self.log.emit(2, LogKind::Put, "IAC IP IAC(urgent) DM ABOR");
        self.last_command = Some("ABOR".into());
        self.sent += 1;
        let stream = &self.conn()?.tcp;
        let res = net::send_urgent(stream, &[IAC, IP, IAC]).and_then(|()| {
            let mut s: &TcpStream = stream;
            s.write_all(&[DM, b'A', b'B', b'O', b'R', b'\r', b'\n'])
        });
        res.map_err(|e| self.fail(Error::io("send ABOR", e)))
    }

    /// Reads one reply of any class.
    pub fn read_reply(&mut self) -> Result<Reply> {
        let conn = self.conn()?;
        if let Some(r) = conn.held.pop_front() {
            return Ok(r);
        }
        let deadline = conn.tcp.read_timeout().ok().flatten().and_then(|t| Instant::now().checked_add(t));
        let timed = deadline.is_some() && conn.tcp.set_nonblocking(true).is_ok();
        conn.reader.get_mut().deadline = deadline.filter(|_| timed);
        let read = reply::read_reply(&mut conn.reader);
        if timed {
            conn.reader.get_mut().deadline = None;
            if let Err(e) = conn.tcp.set_nonblocking(false) {
                return Err(self.fail(Error::io("control connection socket", e)));
            }
        }
        match read {
            Ok(r) => {
                if self.log.level >= 2 {
                    for line in &r.lines {
                        self.log.emit(2, LogKind::Get, &String::from_utf8_lossy(line));
                    }
                }
                self.log.emit(1, LogKind::Resp, &r.text());
                if r.code != 421 {
                    self.answers += 1;
                }
                self.last_reply = Some(r.clone());
                self.replies_read += 1;
                if matches!(r.code, 225 | 226) {
                    if let Some(c) = self.conn.as_mut() {
                        c.abort_reply_owed = false;
                    }
                }
                Ok(r)
            }
            Err(e) => {
                conn.reader.discard_buffer();
                let err = match e {
                    ReplyError::Line(LineError::Eof { partial: 0 }) => {
                        Error::Closed("server closed the control connection".into())
                    }
                    ReplyError::Line(LineError::Eof { partial }) => {
                        Error::Closed(format!("server closed the control connection after {partial} bytes of a reply"))
                    }
                    ReplyError::Line(LineError::TooLong) => {
                        Error::Proto(format!("reply line longer than {} bytes", reply::MAX_LINE))
                    }
                    ReplyError::Line(LineError::Io(e)) => Error::io("read reply", e),
                    ReplyError::Malformed(line) => Error::Proto(format!(
                        "malformed reply line {:?}",
                        String::from_utf8_lossy(&line[..line.len().min(80)])
                    )),
                    ReplyError::TooLarge => Error::Proto(format!(
                        "reply larger than {} bytes or {} lines",
                        reply::MAX_REPLY,
                        reply::MAX_REPLY_LINES
                    )),
                };
                Err(self.fail(err))
            }
        }
    }

    /// Reads a reply and classifies it like ftplib's getresp: 1xx-3xx are returned,
    /// 4xx and 5xx are reply errors, codes outside 1-5 protocol errors.
    pub fn get_response(&mut self) -> Result<Reply> {
        let r = self.read_reply()?;
        classify(r)
    }

    /// Reads the reply to `verb`, a command sent in a pipelined write (or EPSV/PASV/SIZE
    /// on their own), classified as `get_response` does. A reply that cannot answer
    /// `verb` (`can_answer`) is a stray: a duplicated, late or unsolicited reply that
    /// came after the write. It is logged and dropped and the next one read, so it is
    /// never taken as this command's answer and the following replies stay in step.
    /// A 421 is always taken: the server is closing.
    pub fn get_answer(&mut self, verb: &[u8]) -> Result<Reply> {
        for _ in 0..MAX_UNSOLICITED {
            let r = self.read_reply()?;
            if can_answer(verb, r.code) {
                return classify(r);
            }
            let shown = String::from_utf8_lossy(verb);
            self.log.emit(1, LogKind::Resp, &format!("dropped reply {} that cannot answer {shown}", r.code));
        }
        Err(self.fail(Error::Proto(format!(
            "the server sent {MAX_UNSOLICITED} replies in a row that cannot answer {}",
            String::from_utf8_lossy(verb)
        ))))
    }

    /// Reads the reply to `verb`, the last command sent (no other is outstanding), and
    /// resynchronises if the first reply cannot answer it: that reply is either a stray
    /// (duplicated, late or unsolicited) with `verb`'s answer still to come, or a broken
    /// answer. NOOP tells which: its 200 comes after everything the server owes. A reply
    /// that can answer `verb` (other than 200) before it is the answer, the first one a
    /// stray; if NOOP's 200 comes first, the first reply was the answer. Either way the
    /// replies are in step again, and the answer is reported (and kept as the last
    /// reply) as `get_response` would. Costs one round trip, only when a stray comes.
    pub fn get_answer_resync(&mut self, verb: &[u8]) -> Result<Reply> {
        let first = self.read_reply()?;
        if can_answer(verb, first.code) {
            return classify(first);
        }
        let shown = String::from_utf8_lossy(verb).into_owned();
        self.log.emit(1, LogKind::Resp, &format!("reply {} cannot answer {shown}: NOOP to resynchronise", first.code));
        let command = self.last_command.take();
        self.send("NOOP")?;
        let mut answer = None;
        for _ in 0..MAX_UNSOLICITED {
            let r = self.read_reply()?;
            if r.code == 421 {
                return Err(self.fail(Error::Temp(r)));
            }
            if r.code == 200 {
                let answer = answer.unwrap_or(first);
                self.last_command = command;
                self.last_reply = Some(answer.clone());
                return classify(answer);
            }
            if answer.is_none() && can_answer(verb, r.code) {
                answer = Some(r);
            } else {
                self.log.emit(1, LogKind::Resp, &format!("dropped reply {} that cannot answer {shown}", r.code));
            }
        }
        Err(self.fail(Error::Proto(format!("no 200 for the NOOP sent after a reply that cannot answer {shown}"))))
    }

    /// Waits up to `wait` for a reply to start coming, without reading it. False when
    /// nothing came: the connection is left as it was (still in step, the reply still
    /// due), unlike a reply timeout, which ends the session.
    pub fn reply_within(&mut self, wait: Duration) -> Result<bool> {
        self.absorb_split_lf()?;
        if self.has_buffered_reply() {
            return Ok(true);
        }
        let conn = self.conn()?;
        let until = Instant::now() + wait;
        net::wait_until(&conn.tcp, false, until).map_err(|e| Error::io("wait for reply", e))
    }

    /// Notes that an ABOR ended a transfer but its own 225/226 has not come: ftp-srv
    /// handles commands concurrently and answers the NOOP after an ABOR before the
    /// ABOR. The next command that cannot have such a reply drops one (`command`).
    pub fn owe_abort_reply(&mut self) {
        if let Some(c) = self.conn.as_mut() {
            c.abort_reply_owed = true;
        }
    }

    /// ftplib's sendcmd: send a command, return its reply (1xx-3xx) or the error.
    /// A late reply of an aborted transfer is dropped, logged, and the command's answer
    /// read after it: a 426 to a command that opens no transfer (unftp sends it after
    /// ABOR's own answer), or the 225/226 an ABOR still owes (`owe_abort_reply`).
    pub fn command(&mut self, line: impl AsRef<[u8]>) -> Result<Reply> {
        let line = line.as_ref();
        self.send_fresh(&[line])?;
        self.command_answer(verb_of(line))
    }

    /// `command`'s second half: the answer to `verb`, just sent (with work done
    /// between, such as a data connection's TLS handshake).
    pub fn command_answer(&mut self, verb: &[u8]) -> Result<Reply> {
        // Read before the reply: reading a 225/226 settles the debt.
        let owed = self.conn.as_ref().is_some_and(|c| c.abort_reply_owed);
        let r = self.read_reply()?;
        let late = is_late_426(verb, r.code) || (owed && matches!(r.code, 225 | 226) && !can_end_transfer(verb));
        if !late {
            return classify(r);
        }
        let shown = String::from_utf8_lossy(verb);
        self.log.emit(1, LogKind::Resp, &format!("dropped a late {} that cannot answer {shown}", r.code));
        self.get_response()
    }

    /// `send_many` for lines that start a new exchange: replies that arrived while no
    /// command was outstanding are dropped first, so a server's stray or duplicated
    /// reply is never taken as the answer to the next command (ftplib would stay one
    /// reply behind from then on). A stray 421 means the server is closing: reported.
    pub fn send_fresh(&mut self, lines: &[&[u8]]) -> Result<()> {
        self.drop_unsolicited()?;
        self.send_many(lines)
    }

    fn drop_unsolicited(&mut self) -> Result<()> {
        // Over TLS a readable socket may hold only a session ticket, and reading it
        // would block: there, only bytes already decrypted count.
        let waiting = |c: &Self| {
            c.has_buffered_reply()
                || c.conn.as_ref().is_some_and(|k| !k.reader.get_ref().stream.is_tls() && net::has_input(&k.tcp))
        };
        for _ in 0..MAX_UNSOLICITED {
            self.absorb_split_lf()?;
            if !waiting(self) {
                return Ok(());
            }
            let r = self.read_reply()?;
            self.log.emit(1, LogKind::Resp, &format!("dropped a reply nobody asked for: {}", r.code));
            if r.code == 421 {
                // It answers no command of ours: none is named with it.
                self.last_command = None;
                return Err(self.fail(Error::Temp(r)));
            }
        }
        Err(self.fail(Error::Proto(format!("the server sent {MAX_UNSOLICITED} replies in a row nobody asked for"))))
    }
}

/// ftplib's getresp classes: 1xx-3xx a reply, 4xx and 5xx reply errors, codes outside
/// 1-5 protocol errors.
fn classify(r: Reply) -> Result<Reply> {
    match r.class() {
        1..=3 => Ok(r),
        4 | 5 => Err(Error::from_reply(r)),
        _ => Err(Error::Proto(format!("reply code {} is not 1xx-5xx: {}", r.code, r))),
    }
}

/// Whether a reply with `code` can answer the command `verb` (RFC 959 section 5.4,
/// RFC 2428, RFC 3659): TYPE 200, PASV 227, EPSV 229, SIZE 213, a transfer command
/// (RETR, STOR, STOU, APPE, LIST, NLST, MLSD) a 1xx first; any command 4xx or 5xx. A
/// code of no class (not 1-5) is taken, to be reported as the protocol error it is.
/// Other verbs take any reply. Servers answer these commands only with these codes (a
/// 2xx before a transfer's 1xx is a transfer's end, never its start).
pub fn can_answer(verb: &[u8], code: u16) -> bool {
    let class = code / 100;
    if is_late_426(verb, code) {
        return false;
    }
    if !(1..=3).contains(&class) {
        return true;
    }
    let is = |v: &str| verb.eq_ignore_ascii_case(v.as_bytes());
    if is("TYPE") {
        code == 200
    } else if is("PASV") {
        code == 227
    } else if is("EPSV") {
        code == 229
    } else if is("SIZE") {
        code == 213
    } else if opens_transfer(verb) {
        class == 1
    } else {
        true
    }
}

/// Whether `verb` opens a data transfer.
fn opens_transfer(verb: &[u8]) -> bool {
    ["RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"].iter().any(|v| verb.eq_ignore_ascii_case(v.as_bytes()))
}

/// Whether a reply that ends a transfer or answers ABOR (225, 226, 426) can answer
/// `verb`: only where it opens a transfer or aborts one.
fn can_end_transfer(verb: &[u8]) -> bool {
    opens_transfer(verb) || verb.eq_ignore_ascii_case(b"ABOR")
}

/// A 426 ("connection closed; transfer aborted") to a command that cannot end a
/// transfer: a late reply for a transfer aborted before it.
fn is_late_426(verb: &[u8], code: u16) -> bool {
    code == 426 && !can_end_transfer(verb)
}

/// The verb of a command line: what comes before the first space.
pub fn verb_of(line: &[u8]) -> &[u8] {
    line.split(|&b| b == b' ').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_any_case() {
        assert_eq!(mask_password("PASS secret"), "PASS ******");
        assert_eq!(mask_password("pass ab"), "pass **");
        assert_eq!(mask_password("USER bob"), "USER bob");
        assert_eq!(mask_password("PASS"), "PASS");
        // Multi-byte characters around byte 5 must not panic.
        assert_eq!(mask_password("CWD é"), "CWD é");
        assert_eq!(mask_password("éééé"), "éééé");
        assert_eq!(mask_password("PASS pässwörd"), "PASS ********");
    }

    #[test]
    fn only_replies_that_can_answer_a_pipelined_command_are_taken() {
        assert!(can_answer(b"TYPE", 200) && !can_answer(b"TYPE", 229) && !can_answer(b"type", 226));
        assert!(can_answer(b"EPSV", 229) && !can_answer(b"EPSV", 200) && !can_answer(b"EPSV", 227));
        assert!(can_answer(b"PASV", 227) && !can_answer(b"PASV", 229));
        assert!(can_answer(b"SIZE", 213) && !can_answer(b"SIZE", 200));
        assert!(can_answer(b"RETR", 150) && can_answer(b"LIST", 125) && !can_answer(b"RETR", 229));
        assert!(!can_answer(b"STOR", 226) && !can_answer(b"MLSD", 200));
        // Refusals answer anything; so do codes of no class (reported as protocol errors).
        for verb in [&b"TYPE"[..], b"EPSV", b"PASV", b"SIZE", b"RETR", b"NOOP"] {
            assert!(can_answer(verb, 421) && can_answer(verb, 550) && can_answer(verb, 650));
        }
        assert!(can_answer(b"NOOP", 229) && can_answer(b"CWD", 250));
        // A 426 answers only a transfer or its ABOR: elsewhere it is a late one.
        assert!(!can_answer(b"TYPE", 426) && !can_answer(b"EPSV", 426) && !can_answer(b"NOOP", 426));
        assert!(can_answer(b"RETR", 426) && can_answer(b"ABOR", 426));
        assert_eq!(verb_of(b"RETR a b"), b"RETR");
    }

    #[test]
    fn refuses_line_breaks_and_nul() {
        assert!(check_line("path", "a\r\nDELE x").is_err());
        assert!(check_line("path", "a\nb").is_err());
        assert!(check_line("path", "a\0b").is_err());
        assert!(check_line("path", "ok name with spaces").is_ok());
    }
}
