//! Transfers: callback-driven downloads and uploads, and caller-driven data connections.

use super::args::{self, UserData, bytes};
use super::handle::{Guard, Handle, LastErrorRef, Object, call, create, free, last_error, touch};
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::{CancelRead, DataConn, Error, Flow};
use std::ffi::{CString, c_char, c_int, c_void};
use std::io::{self, Read, Write};
use std::time::Duration;

/// Receives a block of downloaded (or, for uploads, just-sent) bytes. `buf` is valid
/// only during the call. Return 0 to go on, non-zero to cancel the transfer.
pub type ftp_data_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *const u8, len: usize) -> c_int>;

/// Receives one line of a text transfer or listing, without its line ending. `line`
/// is NUL-terminated for convenience, but `len` is authoritative (a hostile server can
/// put NUL bytes in a line); valid only during the call. Return 0 to go on, non-zero to
/// cancel.
pub type ftp_line_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, line: *const c_char, len: usize) -> c_int>;

/// Supplies bytes to upload: write up to `cap` bytes to `buf`, store the count in
/// `*len_out` (0 means end of data) and return 0; return non-zero to cancel. A count
/// larger than `cap` fails the upload with FTP_E_INVALID.
pub type ftp_read_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *mut u8, cap: usize, len_out: *mut usize) -> c_int>;

fn flow(rc: c_int) -> Flow {
    if rc == 0 { Flow::Continue(()) } else { Flow::Break(()) }
}

/// Calls a data callback with a block.
fn data_sink(
    cb: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> c_int,
    ud: UserData,
) -> impl FnMut(&[u8]) -> Flow {
    // SAFETY: the caller's callback gets its own userdata and a buffer valid for the call.
    move |block: &[u8]| flow(unsafe { cb(ud.0, block.as_ptr(), block.len()) })
}

/// The optional "bytes sent" callback of uploads: without one, every block goes on.
fn optional_data_sink(cb: ftp_data_cb, ud: UserData) -> impl FnMut(&[u8]) -> Flow {
    let mut sink = cb.map(|cb| data_sink(cb, ud));
    move |block: &[u8]| sink.as_mut().map_or(Flow::Continue(()), |f| f(block))
}

/// Runs `op` with a line sink: the caller's callback, or stdout without one (ftplib's
/// default). The core only knows "stop", so a failed stdout write is remembered here
/// and reported as the I/O error it is rather than as a cancel.
pub(crate) fn with_line_sink<T>(
    cb: ftp_line_cb,
    ud: UserData,
    op: impl FnOnce(&mut dyn FnMut(&[u8]) -> Flow) -> crate::Result<T>,
) -> Result<T, Failure> {
    let mut stdout_err: Option<io::Error> = None;
    let mut buf: Vec<u8> = Vec::new();
    let mut sink = |line: &[u8]| match cb {
        Some(f) => {
            buf.clear();
            buf.extend_from_slice(line);
            buf.push(0);
            // SAFETY: the caller's callback gets its userdata and a NUL-terminated copy of
            // the line that lives for the call.
            flow(unsafe { f(ud.0, buf.as_ptr().cast(), line.len()) })
        }
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(line).and_then(|()| out.write_all(b"\n")) {
                Ok(()) => Flow::Continue(()),
                Err(e) => {
                    stdout_err = Some(e);
                    Flow::Break(())
                }
            }
        }
    };
    let result = op(&mut sink);
    match (result, stdout_err) {
        (Err(Error::Cancelled), Some(e)) => {
            Err(Error::Io { context: "could not write the lines to stdout".into(), source: e }.into())
        }
        (result, _) => Ok(result?),
    }
}

/// An upload source backed by a C read callback.
struct CallbackReader {
    cb: unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> c_int,
    ud: UserData,
    /// Set when the callback claimed more bytes than the buffer holds: the caller's
    /// bug (FTP_E_INVALID), which the core can only see as a failed read.
    overrun: Option<String>,
}

impl CallbackReader {
    fn new(cb: ftp_read_cb, ud: UserData) -> Result<CallbackReader, Failure> {
        Ok(CallbackReader { cb: cb.ok_or(Failure::Null("reader"))?, ud, overrun: None })
    }

    /// The upload's outcome, with an overrun reported as the invalid argument it is.
    fn finish<T>(&self, result: crate::Result<T>) -> Result<(), Failure> {
        match (result, &self.overrun) {
            (Err(_), Some(msg)) => Err(Error::Invalid(msg.clone()).into()),
            (result, _) => result.map(drop).map_err(Failure::from),
        }
    }
}

impl Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n: usize = 0;
        // SAFETY: the callback gets its userdata, a writable buffer of `buf.len()` bytes
        // and a valid place to store the count.
        let rc = unsafe { (self.cb)(self.ud.0, buf.as_mut_ptr(), buf.len(), &mut n) };
        if rc != 0 {
            return Err(io::Error::other(CancelRead));
        }
        if n > buf.len() {
            let msg = format!("read callback reported {n} bytes for a {}-byte buffer", buf.len());
            self.overrun = Some(msg.clone());
            return Err(io::Error::new(io::ErrorKind::InvalidData, msg));
        }
        Ok(n)
    }
}

/// Downloads in binary mode (ftplib's retrbinary): puts the server in TYPE I (sent
/// only when needed, see ftp_set_type_caching()), opens a data
/// connection, sends REST `rest` (unless FTP_NO_REST) and `cmd`, hands every block to
/// `callback`, then reads the final reply.
///
/// Over a plain (not TLS) data connection bytes are read in bulk, so a slow server's
/// bytes may reach `callback` up to 10 ms after they arrived; the data timeout still
/// runs from the last byte received (docs/performance.md).
///
/// @param h the session.
/// @param cmd the command, e.g. "RETR file.bin" (bytes as given; no CR/LF/NUL).
/// @param callback receives the data (required).
/// @param blocksize largest block passed to callback; 0 means 8192; values over 16 MiB
///        count as 16 MiB.
/// @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
/// @param userdata passed to callback as its first argument.
/// @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero (the transfer was
///         aborted, the session is usable); FTP_E_TEMP/FTP_E_PERM for 4xx/5xx replies
///         (425 cannot open data connection, 550 no such file...); FTP_E_REPLY for a
///         reply of an unexpected class (no 1xx to the command, a final reply that is
///         not 2xx); FTP_E_PROTO for malformed replies (e.g. an unparsable PASV reply);
///         FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED for connection failures; with PROT P,
///         FTP_E_TLS for a failed data handshake or a truncated download (see "TLS" at
///         the top of this header); FTP_E_STATE if
///         not connected, the connection is unusable or a transfer from
///         ftp_transfercmd() is open; FTP_E_INVALID for a bad cmd or a rest below -1;
///         FTP_E_NULL (and the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_binary(
    h: *mut ftp_session,
    cmd: *const c_char,
    callback: ftp_data_cb,
    blocksize: usize,
    rest: i64,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let cmd = bytes(cmd, "cmd")?;
        let cb = callback.ok_or(Failure::Null("callback"))?;
        let rest = args::rest(rest)?;
        let bs = if blocksize == 0 { crate::DEFAULT_BLOCKSIZE } else { blocksize };
        s.ftp.retrbinary(cmd, bs, rest, data_sink(cb, UserData(userdata)))?;
        Ok(())
    })
}

/// Downloads in ASCII mode line by line (ftplib's retrlines): puts the server in TYPE A
/// (sent only when needed, see ftp_set_type_caching()), sends `cmd`,
/// hands each line without its CRLF/LF to `callback`, then reads the final reply.
///
/// @param h the session.
/// @param cmd the command, e.g. "RETR notes.txt", "LIST" or "NLST" (bytes as given; no
///        CR/LF/NUL).
/// @param callback receives each line; NULL prints each line and '\n' to stdout (as
///        ftplib does).
/// @param userdata passed to callback as its first argument.
/// @return as ftp_retr_binary(); also FTP_E_PROTO for a line longer than 8192 bytes
///         (not counting its line ending), and FTP_E_IO if stdout cannot be written
///         (NULL callback).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_lines(
    h: *mut ftp_session,
    cmd: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let cmd = bytes(cmd, "cmd")?;
        with_line_sink(callback, UserData(userdata), |sink| s.ftp.retrlines(cmd, sink))?;
        Ok(())
    })
}

/// Uploads in binary mode (ftplib's storbinary): puts the server in TYPE I (sent only
/// when needed, see ftp_set_type_caching()), opens a data connection,
/// sends REST `rest` (unless FTP_NO_REST) and `cmd`, sends what `reader` supplies in
/// blocks of up to `blocksize`, calling `callback` (if any) after each block, closes the
/// data connection and reads the final reply.
///
/// @param h the session.
/// @param cmd e.g. "STOR file.bin" or "APPE log.txt" (bytes as given; no CR/LF/NUL).
/// @param reader supplies the bytes (required).
/// @param blocksize buffer size offered to reader; 0 means 8192; values over 16 MiB
///        count as 16 MiB.
/// @param callback called with each block after it is sent, or NULL.
/// @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
/// @param userdata passed to reader and callback as their first argument.
/// @return FTP_OK; FTP_E_CANCELLED if reader or callback returned non-zero;
///         FTP_E_INVALID also if reader stored a count larger than its cap; FTP_E_PERM
///         (e.g. 552 storage exceeded, 553 name not allowed); if sending fails, the
///         server's error reply when it gave one, else FTP_E_IO/FTP_E_TIMEOUT; others
///         as ftp_retr_binary().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_stor_binary(
    h: *mut ftp_session,
    cmd: *const c_char,
    reader: ftp_read_cb,
    blocksize: usize,
    callback: ftp_data_cb,
    rest: i64,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let cmd = bytes(cmd, "cmd")?;
        let ud = UserData(userdata);
        let mut source = CallbackReader::new(reader, ud)?;
        let rest = args::rest(rest)?;
        let bs = if blocksize == 0 { crate::DEFAULT_BLOCKSIZE } else { blocksize };
        let result = s.ftp.storbinary(cmd, &mut source, bs, rest, optional_data_sink(callback, ud));
        source.finish(result)
    })
}

/// Uploads text line by line (ftplib's storlines): puts the server in TYPE A (sent only
/// when needed, see ftp_set_type_caching()), sends `cmd`, splits what
/// `reader` supplies at LF and sends each line ending in CRLF (a line ending in a lone
/// CR or LF gets CRLF instead; a last line without an ending gets one), closes the data
/// connection and reads the final reply.
///
/// @param h the session.
/// @param cmd e.g. "STOR notes.txt" (bytes as given; no CR/LF/NUL).
/// @param reader supplies the text (required).
/// @param callback called with each line as sent (with its CRLF), or NULL.
/// @param userdata passed to reader and callback as their first argument.
/// @return as ftp_stor_binary(); also FTP_E_INVALID for a line longer than 8192 bytes
///         counting the line ending reader gave it (so at most 8191 bytes before a LF).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_stor_lines(
    h: *mut ftp_session,
    cmd: *const c_char,
    reader: ftp_read_cb,
    callback: ftp_data_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let cmd = bytes(cmd, "cmd")?;
        let ud = UserData(userdata);
        let mut source = CallbackReader::new(reader, ud)?;
        let result = s.ftp.storlines(cmd, &mut source, optional_data_sink(callback, ud));
        source.finish(result)
    })
}

/// A data connection opened by ftp_transfercmd(), read or written by the caller (over
/// TLS when PROT P is in force: the bytes read and written are the plain ones).
/// Opaque; free with ftp_data_free(). It holds no reference to its session, so it may
/// be used on another thread than the session, and may outlive it.
pub struct ftp_data {
    guard: Guard<DataState>,
}

impl Handle for ftp_data {
    type State = DataState;
    fn guard(&self) -> &Guard<DataState> {
        &self.guard
    }
}

pub(crate) struct DataState {
    conn: DataConn,
    /// Why the last read or write failed ("" after a success): ftp_data_last_error().
    last_error: CString,
    /// ftp_data_close() has run: reads and writes are refused.
    closed: bool,
}

/// The longest ftp_data_free() waits to end an upload that ftp_data_close() did not:
/// 1.0's bound, kept, since a shorter one could cut an upload a 1.0 program sends
/// over a slow link (ftp_data_close() gives a bound of the caller's choice).
const FREE_WAIT: Duration = Duration::from_secs(10);

impl DataState {
    /// Refuses reads and writes after ftp_data_close().
    fn open(&mut self) -> Result<&mut DataConn, Failure> {
        if self.closed {
            return Err(Error::State("the data connection is closed (ftp_data_close)".into()).into());
        }
        Ok(&mut self.conn)
    }
}

impl Drop for DataState {
    /// ftp_data_free(): an upload not yet ended is ended with a short bound, so a free
    /// never waits long on the network (ftp_data_close() is the bounded wait the caller
    /// chooses).
    fn drop(&mut self) {
        let _ = self.conn.close_within(FREE_WAIT);
    }
}

impl Object for DataState {
    const NAME: &'static str = "data connection";
    fn last_error(&mut self) -> Option<&mut CString> {
        Some(&mut self.last_error)
    }
}

impl LastErrorRef for DataState {
    fn last_error_ref(&self) -> &CString {
        &self.last_error
    }
}

/// Opens a data connection and sends `cmd` (ftplib's ntransfercmd): the data connection
/// is set up first (passive connect, or active PORT/EPRT), then REST `rest` if given,
/// then the command, whose reply must be 1xx (a 2xx before it is skipped). With
/// pipelining (ftp_set_pipelining()), once EPSV has worked on the connection and no
/// REST is given, EPSV and the command go in one write, before the connect.
///
/// The caller then reads (downloads) or writes (uploads) with ftp_data_read() /
/// ftp_data_write(), frees the connection with ftp_data_free() and reads the final
/// reply with ftp_voidresp(), or calls ftp_abort(). Until then, calls that send a
/// command fail with FTP_E_STATE (ftp_voidresp, ftp_abort, ftp_quit, ftp_close and
/// ftp_connect are accepted). TYPE is not changed: send "TYPE I" first if needed.
///
/// @param h the session.
/// @param cmd e.g. "RETR big.iso" or "STOR up.bin" (bytes as given; no CR/LF/NUL).
/// @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
/// @param data_out receives the data connection on success (required); the caller owns
///        it and frees it with ftp_data_free().
/// @param size_out receives the size announced by a 150 reply "(N bytes)", or -1 if
///        none; may be NULL.
/// @return FTP_OK; FTP_E_REPLY if the command's reply is not 1xx; FTP_E_TEMP/FTP_E_PERM
///         for refusals; others as ftp_retr_binary() (but never FTP_E_CANCELLED).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_ntransfercmd(
    h: *mut ftp_session,
    cmd: *const c_char,
    rest: i64,
    data_out: *mut *mut ftp_data,
    size_out: *mut i64,
) -> ftp_result {
    call(h, |s| {
        let cmd = bytes(cmd, "cmd")?;
        if data_out.is_null() {
            return Err(Failure::Null("data_out"));
        }
        let rest = args::rest(rest)?;
        let (conn, size) = s.ftp.ntransfercmd(cmd, rest)?;
        let state = DataState { conn, last_error: CString::default(), closed: false };
        let data = create(|| ftp_data { guard: Guard::new(state) });
        if data.is_null() {
            return Err(Error::Invalid("internal error while making the data connection object".into()).into());
        }
        args::put(data_out, data);
        args::put(size_out, size.and_then(|n| i64::try_from(n).ok()).unwrap_or(-1));
        Ok(())
    })
}

/// ftp_ntransfercmd() without the size (ftplib's transfercmd).
///
/// @param h the session.
/// @param cmd e.g. "RETR big.iso" or "STOR up.bin" (bytes as given; no CR/LF/NUL).
/// @param rest restart offset sent with REST (>= 0), or FTP_NO_REST.
/// @param data_out receives the data connection on success (required); free it with
///        ftp_data_free().
/// @return as ftp_ntransfercmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_transfercmd(
    h: *mut ftp_session,
    cmd: *const c_char,
    rest: i64,
    data_out: *mut *mut ftp_data,
) -> ftp_result {
    ftp_ntransfercmd(h, cmd, rest, data_out, std::ptr::null_mut())
}

/// An I/O failure on the data connection, classified (TLS, timeout, reset...).
fn data_failure(e: io::Error) -> Failure {
    Failure::Core(Error::io("data connection", e))
}

/// Reads up to `cap` bytes from a data connection, blocking until some arrive (within
/// the data timeout of ftp_set_timeouts(), which defaults to the one given to
/// ftp_connect()). Failures are not recorded on the session but on d
/// (ftp_data_last_error()).
///
/// Another thread may call ftp_abort() on the session meanwhile: that resets the
/// connection, and a read blocked here returns FTP_OK with *len_out = 0.
///
/// @param d the data connection from ftp_ntransfercmd() / ftp_transfercmd().
/// @param buf where to store the bytes (required).
/// @param cap the size of buf; must not be 0.
/// @param len_out receives the count (required); 0 means the server has closed the
///        connection (end of the file), or ftp_abort() reset it.
/// @return FTP_OK; FTP_E_IO; FTP_E_TIMEOUT; FTP_E_TLS for a TLS error, or a TLS
///         binary download closed without close_notify short of the size the 150
///         reply announced (truncated; with no size announced, or in ASCII mode, end
///         of file is reported and ftp_voidresp()'s 226 vouches for it); FTP_E_NULL if d, buf or len_out is NULL;
///         FTP_E_INVALID if cap is 0; FTP_E_BUSY if another thread is using d;
///         FTP_E_PANIC after an internal error.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_read(d: *mut ftp_data, buf: *mut u8, cap: usize, len_out: *mut usize) -> ftp_result {
    call(d, |s| {
        if buf.is_null() {
            return Err(Failure::Null("buf"));
        }
        let conn = s.open()?;
        if len_out.is_null() {
            return Err(Failure::Null("len_out"));
        }
        if cap == 0 {
            // A 0-byte read would return 0, which means end of file: refuse the ambiguity.
            return Err(Error::Invalid("cap is 0: a read of 0 bytes would look like end of file".into()).into());
        }
        // No object can be larger; a slice of more would be undefined behaviour.
        let cap = cap.min(isize::MAX as usize);
        // SAFETY: buf is non-NULL and points to `cap` writable bytes (contract).
        let slice = unsafe { std::slice::from_raw_parts_mut(buf, cap) };
        let n = loop {
            match conn.read(slice) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other.map_err(data_failure)?,
            }
        };
        args::put(len_out, n);
        Ok(())
    })
}

/// Writes all `len` bytes to a data connection, blocking until they are sent (within
/// the data timeout of ftp_set_timeouts(), which defaults to the one given to
/// ftp_connect()). Failures are not recorded on the session but on d
/// (ftp_data_last_error()).
///
/// @param d the data connection from ftp_ntransfercmd() / ftp_transfercmd().
/// @param buf the bytes (may be NULL only if len is 0).
/// @param len how many bytes to send; 0 does nothing.
/// @return FTP_OK; FTP_E_IO (e.g. the server closed the connection, or ftp_abort()
///         reset it); FTP_E_TIMEOUT; FTP_E_NULL; FTP_E_BUSY if another thread is using
///         d; FTP_E_PANIC after an internal error.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_write(d: *mut ftp_data, buf: *const u8, len: usize) -> ftp_result {
    call(d, |s| {
        let conn = s.open()?;
        if len == 0 {
            return Ok(());
        }
        if buf.is_null() {
            return Err(Failure::Null("buf"));
        }
        if len > isize::MAX as usize {
            return Err(Error::Invalid("len is larger than any object can be".into()).into());
        }
        // SAFETY: buf is non-NULL and points to `len` readable bytes (contract).
        let slice = unsafe { std::slice::from_raw_parts(buf, len) };
        conn.write_all(slice).map_err(data_failure)
    })
}

/// Why the last ftp_data_read() or ftp_data_write() on d failed, e.g. "data
/// connection: TLS download truncated: ..."; "" after a success.
///
/// @param d the data connection.
/// @return a NUL-terminated string owned by d, valid until the next call on d or its
///         free; NULL if d is NULL, another thread is inside a call on d, or a free of
///         d has started (a getter does not wait).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_last_error(d: *const ftp_data) -> *const c_char {
    last_error(d)
}

/// Closes a data connection, waiting at most `timeout_ms` milliseconds: for an upload
/// this tells the server the file is complete (with PROT P, a TLS close_notify, then
/// the end of the TCP stream, and it waits for the server to close its side, reading the
/// TLS session tickets later data connections resume). Nothing is waited for after a
/// download. Then free d with ftp_data_free() and read the final reply with
/// ftp_voidresp(). Reads and writes on d afterwards fail with FTP_E_STATE; a second
/// close does nothing and returns FTP_OK.
///
/// ftp_data_free() alone also ends an upload, but waits up to 10 seconds and says
/// nothing of how it went: close first, with a bound of your choice, to see whether the
/// end went out.
/// Like ftp_data_read(), it is one call on d: FTP_E_BUSY while another thread is in a
/// call on d.
///
/// @param d the data connection from ftp_ntransfercmd() / ftp_transfercmd().
/// @param timeout_ms the longest wait in milliseconds, 1 or more (the socket's data
///        timeout, from ftp_set_timeouts(), also bounds each step).
/// @return FTP_OK; FTP_E_TIMEOUT if the close_notify could not be sent in time (the
///         server will likely see a truncated upload); FTP_E_IO or FTP_E_TLS if
///         sending it failed; FTP_E_INVALID if timeout_ms is 0; FTP_E_NULL if d is
///         NULL; FTP_E_BUSY if another thread is using d; FTP_E_PANIC after an
///         internal error. The reason is in ftp_data_last_error(). After FTP_OK,
///         FTP_E_TIMEOUT, FTP_E_IO and FTP_E_TLS d is closed; after the others it is
///         as it was.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_close(d: *mut ftp_data, timeout_ms: u32) -> ftp_result {
    call(d, |s| {
        if timeout_ms == 0 {
            return Err(Error::Invalid("timeout_ms is 0: a close needs some time to send close_notify".into()).into());
        }
        s.closed = true;
        s.conn.close_within(Duration::from_millis(u64::from(timeout_ms))).map_err(data_failure)
    })
}

/// Frees a data connection. If it was an upload not ended with ftp_data_close(), it is
/// ended here as ftp_data_close() would, waiting up to 10 seconds (or the session's
/// data timeout if shorter), as in 1.0; ftp_data_close() first bounds that wait as the
/// caller chooses. Then call ftp_voidresp() for the final reply (or ftp_abort() to stop a
/// download early). ftp_data_free(NULL) does nothing.
///
/// It may be called before or after ftp_free() of the session, from any thread. Called
/// while another thread is inside ftp_data_read() or ftp_data_write() on it, it frees d
/// when that call returns: wake a blocked reader with ftp_abort() on the session. Like
/// every free, it must be ordered after every use of d and of the strings d handed out
/// (ftp_data_last_error()).
///
/// @param d the data connection, or NULL; invalid afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_free(d: *mut ftp_data) {
    free(d)
}

/// Receives transfer progress: `bytes` moved so far, `total` expected (-1 when unknown:
/// the server announced no size, or see ftp_set_progress_callback() for REST), and the average
/// `rate` in bytes per second. Return 0
/// to go on, non-zero to cancel the transfer (FTP_E_CANCELLED, the session stays usable).
/// Must not call into the session (FTP_E_RECURSIVE).
pub type ftp_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, bytes: u64, total: i64, rate: f64) -> c_int>;

/// Reports the progress of the callback-driven transfers (ftp_retr_binary,
/// ftp_retr_lines, ftp_stor_binary, ftp_stor_lines and the listings): at most once
/// every `interval_ms`, plus once when all bytes have moved (unless the last report
/// already counted them all, as at interval 0). The total comes from the server's 150
/// reply "(N bytes)", or for ftp_retr_file() from SIZE when the 150 has none (asked
/// before the RETR when a progress callback is set; a mirror uses its listing's size),
/// less a REST offset. `bytes` and `total` count from the REST offset: see
/// ftp_set_progress_callback2() for a callback told the offset too. After a
/// REST offset the 150's size is not used, since servers differ on what it counts
/// (vsftpd the whole file, proftpd what is left): the total is then SIZE's less the
/// offset in ftp_retr_file(), unknown (-1) in ftp_retr_binary(). ftp_retr_file(),
/// ftp_stor_file(), the fd variants and ftp_mirror() report through it too.
///
/// @param h the session.
/// @param callback the callback, or NULL to stop reporting.
/// @param userdata passed to callback as its first argument.
/// @param interval_ms the least time between two reports; 0 reports after every block.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_progress_callback(
    h: *mut ftp_session,
    callback: ftp_progress_cb,
    userdata: *mut c_void,
    interval_ms: u32,
) -> ftp_result {
    call(h, |s| {
        let ud = UserData(userdata);
        let sink = callback.map(|cb| -> crate::ProgressSink {
            Box::new(move |p: &crate::Progress| {
                // Use the whole (Send) wrapper, so the closure does not capture the raw pointer.
                let ud: UserData = ud;
                let total = p.total.and_then(|t| i64::try_from(t).ok()).unwrap_or(-1);
                // SAFETY: the caller's callback with its own userdata (contract).
                flow(unsafe { cb(ud.0, p.bytes, total, p.rate) })
            })
        });
        s.ftp.set_progress(sink, std::time::Duration::from_millis(u64::from(interval_ms)));
        Ok(())
    })
}

/// Receives transfer progress with the resume point (see
/// ftp_set_progress_callback2()): `offset` is where the transfer started in the file
/// (its REST offset, 0 without one), `bytes` what has moved since, so `offset + bytes`
/// is the absolute position; `total` is what is expected to move in all (-1 when
/// unknown), so `offset + total` is the whole file's size; `rate` is the average in
/// bytes per second. Return 0 to go on, non-zero to cancel the transfer
/// (FTP_E_CANCELLED, the session stays usable). Must not call into the session
/// (FTP_E_RECURSIVE).
/// @since 1.1
pub type ftp_progress2_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, offset: u64, bytes: u64, total: i64, rate: f64) -> c_int>;

/// ftp_set_progress_callback() with a callback that is also told the REST offset a
/// transfer started at, so a resumed download can show both the bytes moved in this
/// call and the absolute position in the file. The same transfers report through it,
/// at the same times, with the same totals; one setting replaces the other (each
/// session has one progress callback).
///
/// @param h the session.
/// @param callback the callback, or NULL to stop reporting.
/// @param userdata passed to callback as its first argument.
/// @param interval_ms the least time between two reports; 0 reports after every block
///        (and the final report is not repeated).
/// @return FTP_OK (or one of the general errors, see the top of this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_progress_callback2(
    h: *mut ftp_session,
    callback: ftp_progress2_cb,
    userdata: *mut c_void,
    interval_ms: u32,
) -> ftp_result {
    call(h, |s| {
        let ud = UserData(userdata);
        let sink = callback.map(|cb| -> crate::ProgressSink {
            Box::new(move |p: &crate::Progress| {
                // Use the whole (Send) wrapper, so the closure does not capture the raw pointer.
                let ud: UserData = ud;
                let total = p.total.and_then(|t| i64::try_from(t).ok()).unwrap_or(-1);
                // SAFETY: the caller's callback with its own userdata (contract).
                flow(unsafe { cb(ud.0, p.offset, p.bytes, total, p.rate) })
            })
        });
        s.ftp.set_progress(sink, std::time::Duration::from_millis(u64::from(interval_ms)));
        Ok(())
    })
}

/// Stops what the session is doing right now, from any thread (the one thread-safe call
/// on a busy session): a transfer is aborted (ABOR, as for a cancel) and its call
/// returns FTP_E_INTERRUPTED with the session usable; a call waiting for a reply has the
/// control connection shut down and fails with FTP_E_CLOSED or FTP_E_IO, leaving the
/// connection unusable (FTP_E_STATE until ftp_connect()). The interrupt holds for the rest of its call: one that
/// lands as a transfer ends (too late to stop it) makes the call's next transfer, in
/// ftp_mirror() say, fail with FTP_E_INTERRUPTED before it starts. A further
/// interrupt while the stopped transfer settles
/// (ABOR and its replies) does nothing for its first 2 seconds, so calling this again
/// and again until the call returns still gives the clean abort; after that it shuts
/// down the control connection too. With no call running it does nothing at all: an
/// interrupt that comes after its call has returned neither closes the session nor
/// stops the next call. One that races the very end of a call (its last reply read,
/// the call not yet returned) may still shut the control connection down: the call
/// reports its own result, and the next one fails with FTP_E_CLOSED or FTP_E_IO.
/// Safe from a signal handler's thread, not from the handler.
///
/// It works until ftp_free() is called: ftp_free() from another thread while a call
/// runs defers the free to that call's end, but h must not be passed again once
/// ftp_free() has started, so interrupt first, then free.
///
/// @param h the session; ftp_free() must be ordered after this call returns.
/// @return FTP_OK; FTP_E_NULL if h is NULL, or if a free of h has started (a race the
///         caller must not allow: the memory may be gone); FTP_E_PANIC after an
///         internal error in the interrupt itself (the session is not marked).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_interrupt(h: *mut ftp_session) -> ftp_result {
    // Only the interrupter, which is thread-safe and outside the guard, is touched.
    touch(h, ftp_result::FTP_E_NULL, ftp_result::FTP_E_PANIC, |session| {
        session.interrupter().interrupt();
        ftp_result::FTP_OK
    })
}
