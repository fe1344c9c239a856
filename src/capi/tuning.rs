//! Settings that trade ftplib's exact command sequences for speed: pipelining, TYPE
//! caching and zero-copy file transfers. All are on by default except zero-copy uploads.
//! Also the passive-mode command choice (EPSV, PASV), and reconnecting after the
//! server dropped an idle connection (off by default).

use super::handle::{call, inspect};
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::{Error, PassiveMode};
use std::os::raw::c_int;

/// Whether commands are pipelined, each saving a round trip: a TYPE the next
/// transfer needs goes in the same write as the command after it (EPSV, PASV or
/// SIZE), and once EPSV has worked on the connection, EPSV goes in one write with the
/// transfer command (RETR, STOR, LIST, ...) when no TYPE or REST has to precede it.
/// Only commands whose failure changes nothing are pipelined: every reply is read in
/// order and a refusal is reported as before (a refused transfer command wins over
/// the data connection the server then never accepts). On by default; ftplib never
/// pipelines. Turn it off for a server that drops pipelined commands.
///
/// @param h the session.
/// @param on true (the default) or false.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_pipelining(h: *mut ftp_session, on: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_pipelining(on);
        Ok(())
    })
}

/// Whether the session remembers the representation type (TYPE A or I) it last set
/// and sends TYPE only when a transfer needs the other one. On by default; ftplib
/// sends TYPE before every transfer. The remembered type is forgotten on connect, and
/// when the caller sends TYPE, REIN or USER itself (ftp_sendcmd, ftp_voidcmd, ftp_login),
/// except that a "TYPE I" or "TYPE A" the server accepts becomes the remembered type.
///
/// @param h the session.
/// @param on true (the default) or false (TYPE before every transfer).
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_type_caching(h: *mut ftp_session, on: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_type_caching(on);
        Ok(())
    })
}

/// Whether whole-file transfers over a plain (not TLS) data connection move the bytes
/// inside the kernel: downloads (ftp_retr_file, ftp_retr_fd) splice(2) the socket into
/// a regular file, on by default; uploads (ftp_stor_file, ftp_stor_fd) sendfile(2) a
/// regular file to the socket, by default only when the server is on another host
/// (not a loopback address or one of this host's own). Other cases (TLS, pipes, files
/// opened with O_APPEND, files the kernel will not splice or sendfile) use read/write.
/// Progress reports, interrupts and timeouts work the same either way; why and how
/// much it saves: docs/performance.md. This call sets both choices; only a new handle
/// (ftp_new()) has the per-host default.
///
/// @param h the session.
/// @param download splice downloads into files (default true).
/// @param upload sendfile uploads from files (default: only to a server on another
///        host).
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_zero_copy(h: *mut ftp_session, download: bool, upload: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_zero_copy(download, upload);
        Ok(())
    })
}

/// Which command asks the server for a passive data port (ftp_set_passive_mode()).
/// @since 1.1
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_passive_mode {
    /// The default: EPSV first; over IPv4, PASV when the server refuses EPSV, or when
    /// the connection's first EPSV gets no reply within 5 seconds (or the reply timeout,
    /// if shorter). EPSV is then not sent again on that connection. The reply that
    /// comes late is dropped when it arrives (a 229 cannot answer PASV or any later
    /// pipelined command), so the session stays in step; a late refusal of EPSV is taken
    /// for PASV's and fails that one transfer. Over IPv6 only EPSV is sent.
    FTP_PASSIVE_EPSV_THEN_PASV = 0,
    /// PASV only, never EPSV (curl's --disable-epsv), for servers and middleboxes that
    /// mishandle EPSV. PASV names an IPv4 address: most servers refuse it over IPv6.
    FTP_PASSIVE_PASV_ONLY = 1,
    /// EPSV only, never PASV: a refused EPSV fails the transfer, an unanswered one is a
    /// reply timeout (FTP_E_TIMEOUT, the session then unusable).
    FTP_PASSIVE_EPSV_ONLY = 2,
}

fn passive_mode(value: c_int) -> Result<PassiveMode, Failure> {
    use ftp_passive_mode::*;
    let known = [
        (FTP_PASSIVE_EPSV_THEN_PASV, PassiveMode::EpsvThenPasv),
        (FTP_PASSIVE_PASV_ONLY, PassiveMode::PasvOnly),
        (FTP_PASSIVE_EPSV_ONLY, PassiveMode::EpsvOnly),
    ];
    match known.into_iter().find(|(c, _)| *c as c_int == value) {
        Some((_, m)) => Ok(m),
        None => Err(Failure::Core(Error::Invalid(format!("mode {value} is not an ftp_passive_mode")))),
    }
}

/// Chooses the command that asks for a passive data port (see ftp_passive_mode), from
/// the next transfer on; active mode (ftp_set_pasv(h, false)) is not affected. The mode
/// is an int, not the enum type, on purpose: a value outside the enum is then refused
/// with FTP_E_INVALID rather than being undefined behaviour.
///
/// @param h the session.
/// @param mode an ftp_passive_mode (FTP_PASSIVE_EPSV_THEN_PASV by default).
/// @return FTP_OK; FTP_E_INVALID if mode is not an ftp_passive_mode (and the general
///         errors, see the top of this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_passive_mode(h: *mut ftp_session, mode: c_int) -> ftp_result {
    call(h, |s| {
        let mode = passive_mode(mode)?;
        s.ftp.set_passive_mode(mode);
        Ok(())
    })
}

/// Whether ftp_abort() (and the cleanup after a cancelled or failed transfer) sends ABOR
/// on a plain control connection after Telnet IP and Synch as urgent data (RFC 959
/// section 4.1.3, what 1.0 always did), or as a plain "ABOR" line, as ftplib sends it
/// (false, the default since 1.1). Over TLS ABOR is always a plain line.
///
/// Tried during downloads (ftp_abort() with the data connection open, and a callback
/// cancelling), on the servers the tests run: all answer both forms and stay in step.
/// The reply ftp_abort() returned:
///
///   server      urgent form   plain line   FTPS (a plain line)
///   vsftpd      225           225          225
///   proftpd     226           226          226
///   pure-ftpd   150 only      226          226
///   pyftpdlib   225           226          226
///
/// A server that does not strip Telnet bytes sees the urgent form as an unknown
/// command or never answers it, which costs a reply timeout and the session: hence
/// the plain default. Turn it on for a server that notices ABOR during a transfer
/// only through urgent data.
///
/// @param h the session.
/// @param urgent true for Telnet IP and Synch first, false (the default) for a plain line.
/// @return FTP_OK (or one of the general errors, see the top of this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_abort_urgent(h: *mut ftp_session, urgent: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_abort_urgent(urgent);
        Ok(())
    })
}

/// Reconnect after the server dropped the session's connection (off by default): when
/// a call finds the control connection lost (a 421 reply before or as the first reply
/// to its command, end-of-file or a reset), the session connects again to the host and
/// port of its last ftp_connect() or ftp_connect_url(), logs in as its last successful
/// login did (the same TLS mode, AUTH TLS, PBSZ 0 and PROT P), goes back to the working
/// directory (replaying the CWDs accepted since the last absolute CWD or PWD), sets the
/// TYPE and the PROT level the lost connection had, and runs the call again where that
/// is safe. A reply timeout, a cancel (non-zero callback return) or ftp_interrupt()
/// never leads to a reconnect.
///
/// Which calls run again on the new connection:
/// - any call, when the lost connection was found before any of its commands was sent
///   (on a plain connection a 421 or end-of-file already waiting is found so): the
///   server never saw the call, so it runs once;
/// - calls without lasting effect or with the same effect twice, also when the
///   command went out and the connection failed before its first reply, or that reply
///   was 421: ftp_noop, ftp_pwd, ftp_cwd, ftp_cwd_each, ftp_size, ftp_mdtm, ftp_mfmt,
///   ftp_stat, ftp_syst, ftp_feat, ftp_mkd_all and the listings (ftp_dir, ftp_nlst,
///   ftp_mlsd, ftp_retr_lines, ftp_list, ftp_list_get);
/// - downloads, also when the connection was lost during the transfer: ftp_retr_file
///   starts again (from the local file's size with FTP_FILE_RESUME); ftp_retr_binary and
///   ftp_retr_fd, whose bytes already reached the caller, continue at the first byte
///   not delivered (REST, where the server lists REST STREAM in FEAT; otherwise they
///   fail with FTP_E_PROTO): no byte is delivered twice. ftp_stor_file with
///   FTP_FILE_RESUME starts again too (it asks the server's size first);
/// - never once the command may have reached the server: ftp_sendcmd, ftp_voidcmd,
///   ftp_delete (DELE), ftp_rename (RNFR/RNTO), ftp_mkd, ftp_rmd, ftp_site, ftp_acct,
///   ftp_host, ftp_allo, the uploads (ftp_stor_binary, ftp_stor_lines, ftp_stor_file
///   without FTP_FILE_RESUME, ftp_stor_fd) and ftp_transfercmd: the call fails with the
///   connection's error, and the next call reconnects before it sends anything.
///
/// Each call makes up to `tries` connection attempts: the first at once, each next
/// one `delay_ms` milliseconds after the previous one failed (ftp_interrupt() ends the
/// wait). A refused login (5xx) or a certificate failure ends them at once. When all
/// fail, the call returns the last attempt's error code, and ftp_session_last_error()
/// names the call, why the connection was lost and why reconnecting failed. When the
/// new connection is made but the working directory cannot be restored (a CWD refused:
/// the directory is gone), the call fails with that refusal's code, the message says
/// "reconnected, but restoring the session failed", and the session stays connected in
/// the directory the CWDs before the refused one reached (a later reconnect goes back
/// there). After more than 256 relative CWDs in a row without a PWD or an absolute CWD
/// the directory is not known: the call fails so (FTP_E_STATE) after reconnecting, and
/// the session stays in its home directory. A CCC is not redone.
///
/// @param h the session.
/// @param tries connection attempts per call; 0 turns reconnecting off (the default).
/// @param delay_ms milliseconds between two attempts.
/// @return FTP_OK (or one of the general errors, see the top of this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_reconnect(h: *mut ftp_session, tries: u32, delay_ms: u32) -> ftp_result {
    call(h, |s| {
        let delay = std::time::Duration::from_millis(u64::from(delay_ms));
        s.ftp.set_reconnect(Some(crate::ReconnectPolicy { tries, delay }));
        Ok(())
    })
}

/// How many times the session reconnected (ftp_set_reconnect()) since ftp_new(): a
/// program can compare it before and after a call to see that the call reconnected. A
/// reconnect also shows in the protocol trace (ftp_set_debuglevel() 1 or more) as a
/// FTP_LOG_RESP line starting "reconnecting".
///
/// @param h the session.
/// @return the count; 0 if h is NULL, in use by another thread or the call comes from
///         one of its callbacks.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_session_reconnects(h: *const ftp_session) -> u64 {
    inspect(h, 0, |s| s.ftp.reconnects())
}
