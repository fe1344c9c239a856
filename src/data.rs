//! Data connections: passive (EPSV/PASV) and active (PORT/EPRT) setup, and the stream
//! handed to transfers.

use crate::error::{Error, Result, TlsFailure};
use crate::net::{self, Ready};
use crate::parse;
use crate::reply::Reply;
use crate::session::{Ftp, is_reply_error};
use crate::stream::Stream;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// An open data connection, plain or TLS.
///
/// TLS end-of-file policy: a download whose server closes the connection without a TLS
/// close_notify (vsftpd does) is accepted only when the byte count matches the size the
/// server announced in its 150 reply for a binary (TYPE I) transfer; otherwise (no size
/// announced, ASCII mode, a type the session does not know) the transfer's final reply
/// decides (it comes over the authenticated control connection, so a 226 proves the
/// file was complete). A mismatch is reported as a truncated download. After CCC the
/// control connection is clear text, so neither the 150's size nor the 226 proves
/// anything: only close_notify ends such a download.
pub struct DataConn {
    stream: Stream,
    /// The size the server announced, when the whole file is coming (no REST).
    expected: Option<u64>,
    /// The control connection is authenticated (TLS), or the data is not: its replies
    /// can vouch for a TLS download's end.
    replies_vouch: bool,
    received: u64,
    wrote: bool,
    finished: bool,
    /// Set once bulk reads (`read_batched`) have tuned the socket.
    batching: Option<Batching>,
    /// Set by `abort`, which resets the connection: reads then give end-of-file, not
    /// the reset's error.
    cut: Arc<AtomicBool>,
}

/// Bulk downloads over plain connections ask the kernel to wake the reader once per
/// BATCH_BYTES rather than per segment. On loopback the sender's CPU runs the
/// receiver's wake-ups, and with vsftpd that CPU is the limit: batching took a 1 GiB
/// download to a callback from about 0.53 s to 0.33 s (curl: 0.53-0.61 s). A batch
/// that does not fill is taken after BATCH_WAIT, so a slow server costs at most that
/// much latency per read.
const BATCH_BYTES: usize = 1 << 20;
const BATCH_WAIT: Duration = Duration::from_millis(10);

/// The receive buffer bulk downloads ask for on loopback (Linux doubles it). The
/// kernel's autotuning sizes the buffer for the path's bandwidth-delay product, which on
/// loopback is tiny; a fixed buffer of several batches keeps the sender going while the
/// reader drains one. Elsewhere autotuning stays: a fixed size could cap a long path.
const LOOPBACK_RCVBUF: usize = 4 << 20;

/// The data timeout batching replaced with BATCH_WAIT, and when bytes last came.
struct Batching {
    timeout: Option<Duration>,
    last_data: Instant,
}

/// Longest wait for an upload's close_notify to go out, and then for the server to close.
const CLOSE_NOTIFY_WAIT: Duration = Duration::from_secs(10);

impl DataConn {
    pub(crate) fn new(stream: Stream, expected: Option<u64>, replies_vouch: bool, cut: Arc<AtomicBool>) -> DataConn {
        DataConn { stream, expected, replies_vouch, received: 0, wrote: false, finished: false, batching: None, cut }
    }

    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Acquire)
    }

    /// Ends an upload: close_notify on TLS, then a TCP half-close, so the server sees a
    /// clean end of file. Over TLS it then reads until the server closes: the TLS 1.3
    /// tickets the server sent after the handshake are the sessions later data
    /// connections resume (servers take each once), and they are only seen by reading.
    /// Both waits are bounded by CLOSE_NOTIFY_WAIT.
    pub fn finish(&mut self) -> io::Result<()> {
        self.finished = true;
        if !self.stream.is_tls() {
            return self.stream.tcp().shutdown(Shutdown::Write);
        }
        let tcp = self.stream.tcp();
        let bounded =
            |t: io::Result<Option<Duration>>| t.ok().flatten().map_or(CLOSE_NOTIFY_WAIT, |t| t.min(CLOSE_NOTIFY_WAIT));
        tcp.set_write_timeout(Some(bounded(tcp.write_timeout())))?;
        let deadline = Instant::now() + bounded(tcp.read_timeout());
        self.stream.send_close_notify()?;
        self.stream.tcp().shutdown(Shutdown::Write)?;
        // The whole wait is bounded, not each read: a server trickling bytes or records
        // (tickets, say) would otherwise restart a read timeout again and again.
        self.stream.tcp().set_nonblocking(true)?;
        self.drain_until(deadline);
        self.stream.tcp().set_nonblocking(false)
    }

    /// Reads and drops what the server sends until it closes, an error, or `deadline`
    /// (the socket is non-blocking meanwhile).
    fn drain_until(&mut self, deadline: Instant) {
        let mut sink = [0u8; 4096];
        while Instant::now() < deadline {
            match self.stream.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !net::wait_until(self.stream.tcp(), false, deadline).unwrap_or(false) {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// Closes the connection at once with a reset: no close_notify, no end-of-file, as
    /// for a transfer being aborted.
    pub(crate) fn discard(mut self) {
        self.finished = true;
        let _ = socket2::SockRef::from(self.stream.tcp()).set_linger(Some(Duration::ZERO));
    }

    /// A read for bulk downloads: the first call tunes the socket to wake the reader
    /// once per batch (see BATCH_BYTES); the data timeout still holds between bytes.
    pub(crate) fn read_batched(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.batching.is_none() {
            self.batching = Some(self.start_batching());
        }
        loop {
            match self.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let b = self.batching.as_ref().expect("set above");
                    if b.timeout.is_some_and(|t| b.last_data.elapsed() >= t) {
                        return Err(e);
                    }
                }
                Ok(n) => {
                    if let Some(b) = self.batching.as_mut() {
                        b.last_data = Instant::now();
                    }
                    return Ok(n);
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn start_batching(&self) -> Batching {
        let tcp = self.stream.tcp();
        let Ok(timeout) = tcp.read_timeout() else {
            // Unknown timeout: leave the socket alone and pass every timeout on.
            return Batching { timeout: Some(Duration::ZERO), last_data: Instant::now() };
        };
        // TLS reads stay as they were: against vsftpd, whose TLS relay sets the pace,
        // batched reads took less CPU but made 1 GiB downloads 10-15% slower.
        if self.stream.is_tls() {
            return Batching { timeout, last_data: Instant::now() };
        }
        if tcp.peer_addr().is_ok_and(|a| a.ip().is_loopback()) {
            // Tuning only: a refusal leaves autotuning, which works.
            let _ = socket2::SockRef::from(tcp).set_recv_buffer_size(LOOPBACK_RCVBUF);
        }
        // Without the low mark the socket keeps its data timeout and reads as before.
        if net::set_recv_lowat(tcp, BATCH_BYTES).is_ok() {
            let wait = timeout.map_or(BATCH_WAIT, |t| t.min(BATCH_WAIT));
            if tcp.set_read_timeout(Some(wait)).is_err() {
                let _ = net::set_recv_lowat(tcp, 1);
            }
        }
        Batching { timeout, last_data: Instant::now() }
    }

    /// True when the connection is TLS-protected.
    pub fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    /// The socket of a plain (not TLS) connection, for zero-copy moves; bytes moved
    /// through it must be reported with `moved_out` on uploads.
    pub(crate) fn plain_tcp(&self) -> Option<&TcpStream> {
        (!self.stream.is_tls()).then(|| self.stream.tcp())
    }

    /// Records that bytes went out past `write` (sendfile), so the upload is ended
    /// properly if the connection is dropped.
    pub(crate) fn moved_out(&mut self) {
        self.wrote = true;
    }
}

impl Drop for DataConn {
    /// Shut down, not just close: the session may hold a second handle on the socket (for
    /// `abort`), and a close alone would then send the server no end-of-file. An upload
    /// that was not finished (a caller's, from transfercmd) is finished here.
    fn drop(&mut self) {
        if self.wrote && !self.finished {
            let _ = self.finish();
        }
        let _ = self.stream.tcp().shutdown(Shutdown::Both);
    }
}

impl Read for DataConn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.stream.read(buf) {
            Err(_) | Ok(0) if self.is_cut() => return Ok(0),
            other => other?,
        };
        self.received += n as u64;
        if n == 0 && self.stream.unclean_eof() && !self.replies_vouch {
            return Err(io::Error::other(Error::tls(
                TlsFailure::Failed,
                format!(
                    "download truncated: the TLS data connection was closed without close_notify after {} bytes, and after CCC no reply can vouch for the rest",
                    self.received
                ),
            )));
        }
        if n == 0
            && self.stream.unclean_eof()
            && let Some(expected) = self.expected
            && expected != self.received
        {
            return Err(io::Error::other(Error::tls(
                TlsFailure::Failed,
                format!(
                    "download truncated: the TLS data connection was closed without close_notify after {} of the {expected} bytes announced",
                    self.received
                ),
            )));
        }
        Ok(n)
    }
}

impl Write for DataConn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.wrote = true;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// `addr` with another port; an IPv6 scope (a link-local server's interface) stays.
fn with_port(mut addr: SocketAddr, port: u16) -> SocketAddr {
    addr.set_port(port);
    addr
}

/// A data connection being set up: passive ones are connected before the command,
/// active ones wait for the server after it.
pub(crate) enum Pending {
    Connected(TcpStream),
    Listening(TcpListener),
}

impl Ftp {
    /// Asks for a passive port and returns the address to connect to. On IPv6 only EPSV
    /// exists; on IPv4 EPSV is tried first and PASV used if the server refuses it.
    /// `ty`: the representation type the transfer needs, sent with the first command.
    pub(crate) fn makepasv(&mut self, mut ty: Option<&'static str>) -> Result<SocketAddr> {
        let peer = self.ctrl.peer()?;
        // An IPv4-mapped peer ("::ffff:127.0.0.1") is an IPv4 server: PASV may help.
        let ipv4 = peer.ip().to_canonical().is_ipv4();
        if !ipv4 || !self.epsv_refused {
            match self.typed_command(ty.take(), b"EPSV")? {
                Ok(r) if r.code == 229 => {
                    let port = parse::parse_229(r.first_line())?;
                    self.epsv_works = true;
                    return Ok(with_port(peer, port));
                }
                Ok(r) => return Err(Error::Reply(r)),
                // Not after a 421: the server is closing, and PASV would hide why.
                Err(e) if ipv4 && is_reply_error(&e) && e.reply().is_none_or(|r| r.code != 421) => {
                    self.epsv_refused = true
                }
                Err(e) => return Err(e),
            }
        }
        let r = self.typed_command(ty, b"PASV")??;
        if r.code != 227 {
            return Err(Error::Reply(r));
        }
        let (host, port) = parse::parse_227(r.first_line())?;
        Ok(if self.opts.trust_pasv_host { SocketAddr::new(IpAddr::V4(host), port) } else { with_port(peer, port) })
    }

    /// Listens on the control connection's local address and tells the server with
    /// PORT (IPv4) or EPRT (IPv6).
    /// With an external address set (a client behind NAT), that address is announced
    /// instead, while the listener stays on the local one.
    pub(crate) fn makeport(&mut self) -> Result<TcpListener> {
        let local = self.ctrl.local()?;
        let listener = net::listen_on(with_port(local, 0))?;
        let port = listener.local_addr().map_err(|e| Error::io("active mode listener address", e))?.port();
        // An IPv4-mapped address is announced as the IPv4 address it is: the server
        // sees an IPv4 client, and refuses EPRT |2| for it.
        let announced = self.opts.active_address.unwrap_or(local.ip()).to_canonical();
        let cmd = match announced {
            IpAddr::V4(ip) => {
                let o = ip.octets();
                format!("PORT {},{},{},{},{},{}", o[0], o[1], o[2], o[3], port >> 8, port & 0xff)
            }
            IpAddr::V6(ip) => format!("EPRT |2|{ip}|{port}|"),
        };
        let r = self.ctrl.command(&cmd)?;
        if r.class() != 2 {
            return Err(Error::Reply(r));
        }
        Ok(listener)
    }

    /// The data timeout and keep-alive, on a new data connection.
    fn data_socket_options(&self, s: &TcpStream) -> Result<()> {
        net::set_timeouts(s, self.opts.data_timeout()).map_err(|e| Error::io("data connection", e))?;
        net::set_keepalive(s, self.opts.keepalive).map_err(|e| Error::io("data connection keep-alive", e))
    }

    /// Opens the data side before the transfer command is sent.
    /// `ty`: the representation type the transfer needs (None: leave it as it is).
    pub(crate) fn open_data(&mut self, ty: Option<&'static str>) -> Result<Pending> {
        if self.opts.passive {
            let addr = self.makepasv(ty)?;
            let s = net::connect_addr(addr, self.opts.connect_timeout(), self.opts.source_address)?;
            self.data_socket_options(&s)?;
            Ok(Pending::Connected(s))
        } else {
            if let Some(ty) = ty {
                self.set_type(ty)?;
            }
            Ok(Pending::Listening(self.makeport()?))
        }
    }

    /// Whether `open_data_pipelined` may be used: passive mode with pipelining on, an
    /// EPSV that already worked on this connection, no REST and no TYPE to send first
    /// (a refused REST or TYPE would let the transfer command run with the wrong offset
    /// or type, so those are never pipelined with it).
    pub(crate) fn can_pipeline_transfer(&self, rest: Option<u64>, ty: Option<&'static str>) -> bool {
        let type_ok = ty.is_none_or(|t| self.opts.cache_type && self.current_type == Some(t));
        self.opts.passive && self.opts.pipelining && self.epsv_works && !self.epsv_refused && rest.is_none() && type_ok
    }

    /// Sends EPSV and the transfer command `cmd` in one write, connects to the port the
    /// 229 names, and returns the data connection and `cmd`'s first reply. This saves a
    /// round trip per transfer. A server that refuses `cmd` (e.g. 550) may close the
    /// port before we connect: its reply then wins over the connection error.
    pub(crate) fn open_data_pipelined(&mut self, cmd: &[u8]) -> Result<(TcpStream, Reply)> {
        let peer = self.ctrl.peer()?;
        self.ctrl.send_fresh(&[b"EPSV", cmd])?;
        let addr = match self.ctrl.get_response() {
            Ok(r) if r.code == 229 => parse::parse_229(r.first_line()).map(|port| with_port(peer, port)),
            Ok(r) => Err(Error::Reply(r)),
            Err(e) => Err(e),
        };
        let connected = match addr {
            Ok(addr) => net::connect_addr(addr, self.opts.connect_timeout(), self.opts.source_address),
            Err(e) if !self.ctrl.is_usable() => return Err(e),
            Err(e) => Err(e),
        };
        match connected {
            Ok(s) => {
                self.data_socket_options(&s)?;
                let r = self.ctrl.get_response()?;
                Ok((s, r))
            }
            // `cmd`'s reply is still due: read it so later replies stay in step.
            Err(e) => match self.ctrl.get_response() {
                Ok(r) if r.class() == 1 => Err(self.abandon(None, e)),
                Ok(_) => Err(e),
                Err(refused) if is_reply_error(&refused) && is_reply_error(&e) => Err(e),
                Err(refused) if is_reply_error(&refused) => Err(refused),
                Err(broken) => Err(broken),
            },
        }
    }

    /// Waits for the server to connect in active mode. Connections from any address but
    /// the control peer's are refused; a reply arriving instead (e.g. 425) ends the wait.
    pub(crate) fn accept_data(&mut self, listener: TcpListener) -> Result<TcpStream> {
        let peer_ip = self.ctrl.peer()?.ip().to_canonical();
        // checked_add: a timeout too long to add (Duration::MAX) is no deadline at all.
        let deadline = self.opts.connect_timeout().and_then(|t| Instant::now().checked_add(t));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(Error::Timeout("waiting for the server to open the active-mode data connection".into()));
            }
            // A reply that came in the same packet as the 150 is already buffered: the
            // socket would never signal it. A connection already queued still wins.
            let ready = if self.ctrl.has_buffered_reply() {
                match net::wait_readable(&listener, self.ctrl.stream()?, Some(Duration::ZERO)) {
                    Ok(Some(Ready::First)) => Some(Ready::First),
                    _ => Some(Ready::Second),
                }
            } else {
                net::wait_readable(&listener, self.ctrl.stream()?, left)
                    .map_err(|e| Error::io("wait for data connection", e))?
            };
            match ready {
                None => continue,
                Some(Ready::Second) => {
                    // Only the LF of the 150's CRLF, split off: no reply yet.
                    self.ctrl.absorb_split_lf()?;
                    if !self.ctrl.has_buffered_reply() && !net::has_input(self.ctrl.stream()?) {
                        continue;
                    }
                    let r = self.ctrl.read_reply()?;
                    return Err(Error::from_reply(r));
                }
                Some(Ready::First) => {
                    let (stream, from) = listener.accept().map_err(|e| Error::io("accept data connection", e))?;
                    if from.ip().to_canonical() != peer_ip {
                        // Someone else raced the server to our port: refuse and keep waiting.
                        drop(stream);
                        continue;
                    }
                    self.data_socket_options(&stream)?;
                    return Ok(stream);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_address_keeps_the_link_local_scope_of_the_control_peer() {
        let peer = SocketAddr::V6(std::net::SocketAddrV6::new("fe80::1".parse().unwrap(), 21, 0, 3));
        match with_port(peer, 40000) {
            SocketAddr::V6(a) => assert_eq!((a.port(), a.scope_id()), (40000, 3)),
            other => panic!("{other}"),
        }
    }
}
