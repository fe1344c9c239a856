//! The data connection handed to transfers: a plain or TLS stream with the TLS
//! end-of-file policy, batched bulk reads and a bounded clean end for uploads.

use crate::error::{Error, TlsFailure};
use crate::net;
use crate::stream::Stream;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
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
    /// The connection goes through a proxy (`Ftp::set_proxy`): a TLS upload waits for
    /// the server to close before its own half-close (see `finish_within`).
    through_proxy: bool,
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
        DataConn {
            stream,
            expected,
            replies_vouch,
            received: 0,
            wrote: false,
            finished: false,
            batching: None,
            cut,
            through_proxy: false,
        }
    }

    /// Marks the connection as going through a proxy.
    pub(crate) fn set_through_proxy(&mut self, on: bool) {
        self.through_proxy = on;
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
        self.finish_within(CLOSE_NOTIFY_WAIT)
    }

    /// `finish` with both waits bounded by `wait` (and the socket's timeouts) instead
    /// of CLOSE_NOTIFY_WAIT; `wait` must not be zero.
    pub(crate) fn finish_within(&mut self, wait: Duration) -> io::Result<()> {
        self.finished = true;
        if !self.stream.is_tls() {
            return self.stream.tcp().shutdown(Shutdown::Write);
        }
        let tcp = self.stream.tcp();
        let bounded = |t: io::Result<Option<Duration>>| t.ok().flatten().map_or(wait, |t| t.min(wait));
        tcp.set_write_timeout(Some(bounded(tcp.write_timeout())))?;
        let deadline = Instant::now() + bounded(tcp.read_timeout());
        self.stream.send_close_notify()?;
        // Through a proxy, close_notify alone ends the upload and the half-close waits
        // for the server's close: a proxy that tears the tunnel down on the client's
        // end of file (tinyproxy does) resets the server's side while records are still
        // in flight, and the server loses the end of the file.
        if !self.through_proxy {
            self.stream.tcp().shutdown(Shutdown::Write)?;
        }
        // The whole wait is bounded, not each read: a server trickling bytes or records
        // (tickets, say) would otherwise restart a read timeout again and again.
        self.stream.tcp().set_nonblocking(true)?;
        self.drain_until(deadline);
        if self.through_proxy {
            let _ = self.stream.tcp().shutdown(Shutdown::Write);
        }
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

    /// Ends an upload not yet ended (as `finish_within`), and shuts the connection
    /// down; nothing to wait for after a download. Calls after the first do nothing.
    pub(crate) fn close_within(&mut self, wait: Duration) -> io::Result<()> {
        let result = if self.wrote && !self.finished { self.finish_within(wait) } else { Ok(()) };
        self.finished = true;
        let _ = self.stream.tcp().shutdown(Shutdown::Both);
        result
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
        if n == 0 && self.stream.unclean_eof() {
            if let Some(expected) = self.expected {
                if expected != self.received {
                    return Err(io::Error::other(Error::tls(
                        TlsFailure::Failed,
                        format!(
                            "download truncated: the TLS data connection was closed without close_notify after {} of the {expected} bytes announced",
                            self.received
                        ),
                    )));
                }
            }
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
