//! A connection's byte stream: plain TCP or TLS over it. Control and data connections
//! read and write through this one type, so FTP and FTPS share every code path above it.

use crate::net;
use crate::tls::SSL_R_UNEXPECTED_EOF_WHILE_READING;
use openssl::ssl::{ErrorCode, ShutdownResult, ShutdownState, SslStream};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream>),
}

pub(crate) struct TlsStream {
    ssl: SslStream<TcpStream>,
    /// The peer closed the TCP connection without a TLS close_notify. Whether that is
    /// acceptable is for the reader to decide (see `DataConn`).
    unclean_eof: bool,
}

impl Drop for TlsStream {
    /// OpenSSL marks a session unresumable when its connection is freed without
    /// close_notify having been sent. Data connections share the control connection's
    /// session and often end that way (the server closes first, or a transfer is cut),
    /// which would make every later data connection fail on servers that require
    /// reuse. Ending a connection says nothing against the session's secrets.
    fn drop(&mut self) {
        let state = self.ssl.get_shutdown();
        self.ssl.set_shutdown(state | ShutdownState::SENT);
    }
}

/// An `ssl::Error` as an `io::Error`: OS errors (timeouts, resets) stay themselves, TLS
/// errors travel inside and are classified by `Error::io`.
fn tls_io_error(e: openssl::ssl::Error) -> io::Error {
    e.into_io_error().unwrap_or_else(io::Error::other)
}

/// The peer's TCP FIN came without close_notify.
fn is_unexpected_eof(e: &openssl::ssl::Error) -> bool {
    match e.code() {
        // OpenSSL 1.1 reports it as a syscall error without errno.
        ErrorCode::SYSCALL => e.io_error().is_none(),
        ErrorCode::SSL => e
            .ssl_error()
            .is_some_and(|s| s.errors().iter().any(|x| x.reason_code() == SSL_R_UNEXPECTED_EOF_WHILE_READING)),
        _ => false,
    }
}

/// Bounds a run of TLS records that carry no data (session tickets, key updates). The
/// socket's timeout never fires while such records keep arriving, so a server sending
/// them without end would hold a read forever; the read timeout bounds the run instead,
/// as it bounds a silence.
#[derive(Default)]
struct NonDataRecords {
    since: Option<Instant>,
}

impl NonDataRecords {
    fn seen(&mut self, tcp: &TcpStream) -> io::Result<()> {
        let since = *self.since.get_or_insert_with(Instant::now);
        match tcp.read_timeout() {
            Ok(Some(limit)) if since.elapsed() >= limit => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the server sent TLS records without data for longer than the read timeout",
            )),
            _ => Ok(()),
        }
    }
}

impl Stream {
    /// A TLS stream over a connection whose handshake is done.
    pub fn tls(ssl: SslStream<TcpStream>) -> Stream {
        crate::tls::return_after_non_data_records(ssl.ssl());
        Stream::Tls(Box::new(TlsStream { ssl, unclean_eof: false }))
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(t) => t.ssl.get_ref(),
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// Plain bytes already decrypted and waiting inside OpenSSL (polling the socket
    /// would not show them).
    pub fn pending(&self) -> usize {
        match self {
            Stream::Plain(_) => 0,
            Stream::Tls(t) => t.ssl.ssl().pending(),
        }
    }

    /// "TLSv1.3" and the like, for a TLS stream.
    pub fn tls_version(&self) -> Option<&'static str> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => Some(t.ssl.ssl().version_str()),
        }
    }

    /// The negotiated cipher's name, for a TLS stream.
    pub fn tls_cipher(&self) -> Option<&'static str> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => t.ssl.ssl().current_cipher().map(|c| c.name()),
        }
    }

    /// True once a read hit the end of a TLS stream without close_notify.
    pub fn unclean_eof(&self) -> bool {
        matches!(self, Stream::Tls(t) if t.unclean_eof)
    }

    /// Whether the server closes the connection (end of stream, close_notify, an alert,
    /// a reset) within `wait` rather than sending data or keeping it open. Only records
    /// without data (tickets) are consumed; data stays to be read.
    pub fn closed_within(&mut self, wait: Duration) -> io::Result<bool> {
        let Stream::Tls(t) = self else { return Ok(false) };
        let deadline = Instant::now() + wait;
        t.ssl.get_ref().set_nonblocking(true)?;
        let mut byte = [0u8; 1];
        let closed = loop {
            match t.ssl.ssl_peek(&mut byte) {
                Ok(n) => break n == 0,
                Err(e) if e.code() == ErrorCode::ZERO_RETURN || is_unexpected_eof(&e) => break true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {
                    // No io error: a record without data was read; peek again.
                    if e.io_error().is_some() && !net::wait_until(t.ssl.get_ref(), false, deadline)? {
                        break false;
                    }
                    if Instant::now() >= deadline {
                        break false;
                    }
                }
                Err(_) => break true,
            }
        };
        t.ssl.get_ref().set_nonblocking(false)?;
        Ok(closed)
    }

    /// Sends close_notify (TLS only; a plain stream has nothing to send).
    pub fn send_close_notify(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(_) => Ok(()),
            Stream::Tls(t) => t.ssl.shutdown().map(|_| ()).map_err(tls_io_error),
        }
    }

    /// A full TLS shutdown (close_notify both ways), leaving the TCP connection open for
    /// plain text (CCC). Application data still arriving before the peer's close_notify
    /// is an error: it would be lost.
    pub fn end_tls(&mut self) -> io::Result<()> {
        let Stream::Tls(t) = self else { return Ok(()) };
        let mut records = NonDataRecords::default();
        loop {
            match t.ssl.shutdown() {
                Ok(ShutdownResult::Received) => return Ok(()),
                Ok(ShutdownResult::Sent) => {}
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => return Ok(()),
                Err(e) if e.code() == ErrorCode::WANT_READ && e.io_error().is_none() => {
                    records.seen(t.ssl.get_ref())?
                }
                Err(e) if is_unexpected_eof(&e) => {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed during TLS shutdown"));
                }
                Err(e) => return Err(tls_io_error(e)),
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        net::retry_interrupted(self, |s| s.read_once(buf), |s| s.tcp().read_timeout())
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let write_once = |s: &mut Stream| match s {
            Stream::Plain(p) => p.write(buf),
            Stream::Tls(t) => t.ssl.write(buf),
        };
        net::retry_interrupted(self, write_once, |s| s.tcp().write_timeout())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(t) => t.ssl.flush(),
        }
    }
}

impl Stream {
    fn read_once(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let t = match self {
            Stream::Plain(s) => return s.read(buf),
            Stream::Tls(t) => t,
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let mut records = NonDataRecords::default();
        loop {
            match t.ssl.ssl_read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => return Ok(0),
                Err(e) if is_unexpected_eof(&e) => {
                    t.unclean_eof = true;
                    return Ok(0);
                }
                // A TLS 1.3 ticket or other non-data record: read on.
                Err(e) if e.code() == ErrorCode::WANT_READ && e.io_error().is_none() => {
                    records.seen(t.ssl.get_ref())?
                }
                Err(e) => return Err(tls_io_error(e)),
            }
        }
    }
}
