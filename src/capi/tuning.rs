//! Settings that trade ftplib's exact command sequences for speed: pipelining, TYPE
//! caching and zero-copy file transfers. All are on by default.

use super::handle::{ftp_session, with_session};
use super::result::ftp_result;

/// Whether a TYPE command the next transfer needs is sent in the same write as the
/// command after it (EPSV, PASV or SIZE) rather than after its reply, saving a round
/// trip. Only commands whose failure changes nothing are pipelined: both replies are
/// read in order and a refused TYPE is reported as before. On by default; ftplib
/// never pipelines. Turn it off for a server that drops pipelined commands.
///
/// @param h the session.
/// @param on true (the default) or false.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_pipelining(h: *mut ftp_session, on: bool) -> ftp_result {
    with_session(h, |s| {
        s.ftp.set_pipelining(on);
        Ok(())
    })
}

/// Whether the session remembers the representation type (TYPE A or I) it last set
/// and sends TYPE only when a transfer needs the other one. On by default; ftplib
/// sends TYPE before every transfer. The remembered type is forgotten on connect, and
/// when the caller sends TYPE, REIN or USER itself (ftp_sendcmd, ftp_voidcmd, ftp_login).
///
/// @param h the session.
/// @param on true (the default) or false (TYPE before every transfer).
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_type_caching(h: *mut ftp_session, on: bool) -> ftp_result {
    with_session(h, |s| {
        s.ftp.set_type_caching(on);
        Ok(())
    })
}

/// Whether whole-file transfers (ftp_retr_file, ftp_retr_fd, ftp_stor_file,
/// ftp_stor_fd) over a plain (not TLS) data connection move the bytes inside the
/// kernel: splice(2) from the socket into a regular file, sendfile(2) from a regular
/// file to the socket. Other cases (TLS, pipes, files opened with O_APPEND) use
/// read/write with a 256 KiB buffer. On by default; progress reports, interrupts and
/// timeouts work the same either way.
///
/// @param h the session.
/// @param on true (the default) or false (always read/write).
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_zero_copy(h: *mut ftp_session, on: bool) -> ftp_result {
    with_session(h, |s| {
        s.ftp.set_zero_copy(on);
        Ok(())
    })
}
