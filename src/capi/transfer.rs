//! Transfers: callback-driven downloads and uploads, and caller-driven data connections.

use super::args::{self, UserData, text};
use super::handle::{ftp_session, no_panic, with_session};
use super::result::{Failure, ftp_result};
use crate::{CancelRead, DataConn, Flow};
use std::ffi::{c_char, c_int, c_void};
use std::io::{self, Read, Write};
use std::sync::{Mutex, TryLockError};

/// Receives a block of downloaded (or, for uploads, just-sent) bytes. `buf` is valid
/// only during the call. Return 0 to go on, non-zero to cancel the transfer.
pub type ftp_data_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *const u8, len: usize) -> c_int>;

/// Receives one line of a text transfer or listing, without its line ending. `line`
/// is NUL-terminated for convenience, but `len` is authoritative (a hostile server can
/// put NUL bytes in a line); valid only during the call. Return 0 to go on, non-zero to
/// cancel.
pub type ftp_line_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, line: *const c_char, len: usize) -> c_int>;

/// Supplies bytes to upload: write up to `cap` bytes to `buf`, store the count in
/// `*len_out` (0 means end of data) and return 0; return non-zero to cancel.
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

/// Calls a line callback (or prints to stdout without one, like ftplib's default).
pub(crate) fn line_sink(cb: ftp_line_cb, ud: UserData) -> impl FnMut(&[u8]) -> Flow {
    let mut buf: Vec<u8> = Vec::new();
    move |line: &[u8]| match cb {
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
            let ok = out.write_all(line).and_then(|()| out.write_all(b"\n"));
            if ok.is_ok() { Flow::Continue(()) } else { Flow::Break(()) }
        }
    }
}

/// An upload source backed by a C read callback.
struct CallbackReader {
    cb: unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> c_int,
    ud: UserData,
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
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("read callback reported {n} bytes for a {}-byte buffer", buf.len()),
            ));
        }
        Ok(n)
    }
}

/// Downloads in binary mode (ftplib's retrbinary): sends TYPE I, opens a data
/// connection, sends REST `rest` (unless FTP_NO_REST) and `cmd`, hands every block to
/// `callback`, then reads the final reply.
///
/// @param cmd the command, e.g. "RETR file.bin" (UTF-8; no CR/LF/NUL).
/// @param callback receives the data (required).
/// @param blocksize largest block passed to callback; 0 means 8192.
/// @param rest restart offset for REST, or FTP_NO_REST.
/// @param userdata passed to callback.
/// @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero (the transfer was
///         aborted, the session is usable); FTP_E_PERM/FTP_E_TEMP for refusals (550 no
///         such file, 425 cannot open data connection...); FTP_E_IO/FTP_E_TIMEOUT/
///         FTP_E_CLOSED for connection failures; FTP_E_STATE if not connected.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_binary(
    h: *mut ftp_session,
    cmd: *const c_char,
    callback: ftp_data_cb,
    blocksize: usize,
    rest: i64,
    userdata: *mut c_void,
) -> ftp_result {
    with_session(h, |s| {
        let cmd = text(cmd, "cmd")?;
        let cb = callback.ok_or(Failure::Null("callback"))?;
        let bs = if blocksize == 0 { crate::DEFAULT_BLOCKSIZE } else { blocksize };
        s.ftp.retrbinary(cmd, bs, args::rest(rest), data_sink(cb, UserData(userdata)))?;
        Ok(())
    })
}

/// Downloads in ASCII mode line by line (ftplib's retrlines): sends TYPE A and `cmd`
/// (e.g. "RETR notes.txt", "LIST", "NLST"), hands each line without its CRLF/LF to
/// `callback`, then reads the final reply. Lines longer than 8192 bytes fail with
/// FTP_E_PROTO.
///
/// @param callback receives each line; NULL prints each line and '\n' to stdout (as
///        ftplib does).
/// @return as ftp_retr_binary().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_lines(
    h: *mut ftp_session,
    cmd: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    with_session(h, |s| {
        let cmd = text(cmd, "cmd")?;
        s.ftp.retrlines(cmd, line_sink(callback, UserData(userdata)))?;
        Ok(())
    })
}

/// Uploads in binary mode (ftplib's storbinary): sends TYPE I, opens a data connection,
/// sends REST `rest` (unless FTP_NO_REST) and `cmd`, sends what `reader` supplies in
/// blocks of up to `blocksize`, calling `callback` (if any) after each block, closes the
/// data connection and reads the final reply.
///
/// @param cmd e.g. "STOR file.bin" or "APPE log.txt".
/// @param reader supplies the bytes (required).
/// @param blocksize buffer size offered to reader; 0 means 8192.
/// @param callback called with each block sent, or NULL.
/// @param rest restart offset for REST, or FTP_NO_REST.
/// @param userdata passed to reader and callback.
/// @return FTP_OK; FTP_E_CANCELLED if reader or callback returned non-zero; FTP_E_PERM
///         (e.g. 552 storage exceeded, 553 name not allowed); others as ftp_retr_binary().
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
    with_session(h, |s| {
        let cmd = text(cmd, "cmd")?;
        let ud = UserData(userdata);
        let mut source = CallbackReader { cb: reader.ok_or(Failure::Null("reader"))?, ud };
        let bs = if blocksize == 0 { crate::DEFAULT_BLOCKSIZE } else { blocksize };
        let mut sent = callback.map(|cb| data_sink(cb, ud));
        s.ftp.storbinary(cmd, &mut source, bs, args::rest(rest), |b| match &mut sent {
            Some(f) => f(b),
            None => Flow::Continue(()),
        })?;
        Ok(())
    })
}

/// Uploads text line by line (ftplib's storlines): sends TYPE A and `cmd`, splits what
/// `reader` supplies at LF and sends each line ending in CRLF (a line ending in a lone
/// CR or LF gets CRLF instead; a last line without an ending gets one). Lines longer
/// than 8192 bytes fail with FTP_E_INVALID.
///
/// @param callback called with each line as sent (with its CRLF), or NULL.
/// @return as ftp_stor_binary().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_stor_lines(
    h: *mut ftp_session,
    cmd: *const c_char,
    reader: ftp_read_cb,
    callback: ftp_data_cb,
    userdata: *mut c_void,
) -> ftp_result {
    with_session(h, |s| {
        let cmd = text(cmd, "cmd")?;
        let ud = UserData(userdata);
        let mut source = CallbackReader { cb: reader.ok_or(Failure::Null("reader"))?, ud };
        let mut sent = callback.map(|cb| data_sink(cb, ud));
        s.ftp.storlines(cmd, &mut source, |b| match &mut sent {
            Some(f) => f(b),
            None => Flow::Continue(()),
        })?;
        Ok(())
    })
}

/// A data connection opened by ftp_transfercmd(), read or written by the caller.
/// Opaque; free with ftp_data_free().
pub struct ftp_data {
    conn: Mutex<DataConn>,
}

/// Opens a data connection and sends `cmd` (ftplib's ntransfercmd): the data connection
/// is set up first (passive connect, or active PORT/EPRT), then REST `rest` if given,
/// then the command, whose reply must be 1xx (a 2xx before it is skipped).
///
/// The caller then reads (downloads) or writes (uploads) with ftp_data_read() /
/// ftp_data_write(), frees the connection with ftp_data_free() and reads the final
/// reply with ftp_voidresp() - or calls ftp_abort(). Until then, other commands on the
/// session fail with FTP_E_STATE. TYPE is not changed: send "TYPE I" first if needed.
///
/// @param cmd e.g. "RETR big.iso" or "STOR up.bin".
/// @param rest restart offset, or FTP_NO_REST.
/// @param data_out receives the data connection on success.
/// @param size_out receives the size announced by a 150 reply "(N bytes)", or -1 if
///        none; may be NULL.
/// @return FTP_OK; FTP_E_REPLY if the command's reply is not 1xx; FTP_E_PERM/TEMP for
///         refusals; connection errors as elsewhere.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_ntransfercmd(
    h: *mut ftp_session,
    cmd: *const c_char,
    rest: i64,
    data_out: *mut *mut ftp_data,
    size_out: *mut i64,
) -> ftp_result {
    with_session(h, |s| {
        let cmd = text(cmd, "cmd")?;
        if data_out.is_null() {
            return Err(Failure::Null("data_out"));
        }
        let (conn, size) = s.ftp.ntransfercmd(cmd, args::rest(rest))?;
        let data = Box::into_raw(Box::new(ftp_data { conn: Mutex::new(conn) }));
        args::put(data_out, data);
        args::put(size_out, size.and_then(|n| i64::try_from(n).ok()).unwrap_or(-1));
        Ok(())
    })
}

/// ftp_ntransfercmd() without the size (ftplib's transfercmd).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_transfercmd(
    h: *mut ftp_session,
    cmd: *const c_char,
    rest: i64,
    data_out: *mut *mut ftp_data,
) -> ftp_result {
    ftp_ntransfercmd(h, cmd, rest, data_out, std::ptr::null_mut())
}

fn with_data(d: *mut ftp_data, f: impl FnOnce(&mut DataConn) -> io::Result<()>) -> ftp_result {
    // SAFETY: d is NULL or a live pointer from ftp_ntransfercmd (contract).
    let Some(data) = (unsafe { d.as_ref() }) else {
        return ftp_result::FTP_E_NULL;
    };
    no_panic(ftp_result::FTP_E_PANIC, || {
        let mut conn = match data.conn.try_lock() {
            Ok(c) => c,
            Err(TryLockError::WouldBlock) => return ftp_result::FTP_E_BUSY,
            Err(TryLockError::Poisoned(_)) => return ftp_result::FTP_E_PANIC,
        };
        match f(&mut conn) {
            Ok(()) => ftp_result::FTP_OK,
            Err(e) => crate::Error::io("data connection", e).kind().into(),
        }
    })
}

/// Reads up to `cap` bytes from a data connection.
///
/// @param buf where to store the bytes (may be NULL only if cap is 0).
/// @param len_out receives the count; 0 means the server has closed the connection
///        (end of the file).
/// @return FTP_OK, FTP_E_IO, FTP_E_TIMEOUT, FTP_E_NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_read(d: *mut ftp_data, buf: *mut u8, cap: usize, len_out: *mut usize) -> ftp_result {
    if len_out.is_null() || (buf.is_null() && cap > 0) {
        return ftp_result::FTP_E_NULL;
    }
    with_data(d, |conn| {
        let slice: &mut [u8] = if cap == 0 {
            &mut []
        } else {
            // SAFETY: buf is non-NULL and points to `cap` writable bytes (contract).
            unsafe { std::slice::from_raw_parts_mut(buf, cap) }
        };
        let n = loop {
            match conn.read(slice) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        args::put(len_out, n);
        Ok(())
    })
}

/// Writes all `len` bytes to a data connection.
///
/// @return FTP_OK, FTP_E_IO (e.g. the server closed the connection), FTP_E_TIMEOUT,
///         FTP_E_NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_write(d: *mut ftp_data, buf: *const u8, len: usize) -> ftp_result {
    if buf.is_null() && len > 0 {
        return ftp_result::FTP_E_NULL;
    }
    with_data(d, |conn| {
        if len == 0 {
            return Ok(());
        }
        // SAFETY: buf is non-NULL and points to `len` readable bytes (contract).
        let slice = unsafe { std::slice::from_raw_parts(buf, len) };
        conn.write_all(slice)
    })
}

/// Closes and frees a data connection; for an upload this tells the server the file is
/// complete. Then call ftp_voidresp() for the final reply. ftp_data_free(NULL) does
/// nothing.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_data_free(d: *mut ftp_data) {
    if d.is_null() {
        return;
    }
    // SAFETY: d comes from Box::into_raw in ftp_ntransfercmd and is freed once (contract).
    let boxed = unsafe { Box::from_raw(d) };
    no_panic((), move || drop(boxed));
}
