//! Beyond ftplib's methods: FEAT queries, and NOOP, SYST, SITE, STAT, ACCT, HOST, ALLO,
//! MDTM, MFMT, CWD by levels, MKD of a whole path.

use super::args::c_string;
use super::args::{UserData, bytes, opt_bytes, put, text};
use super::handle::call;
use super::result::ftp_result;
use super::session::{Strings, ftp_session};
use super::transfer::{ftp_line_cb, with_line_sink};
use crate::FileTime;
use std::ffi::{c_char, c_void};
use std::ops::ControlFlow;

/// Sends FEAT now and keeps what the server lists (see ftp_has_feature()). ftp_login()
/// already does this unless ftp_set_feat_after_login() turned it off; a server without
/// FEAT (500/502) simply has no features.
///
/// @param h the session.
/// @return FTP_OK; FTP_E_TEMP/FTP_E_PERM for other refusals; FTP_E_STATE if not
///         connected (and the connection errors and general errors, see the top of
///         this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_feat(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.feat()?;
        Ok(())
    })
}

/// Looks up a feature in the server's FEAT reply, e.g. "MLST", "UTF8", "EPSV", "SIZE",
/// "MDTM", "MFMT", "REST STREAM" (a name with parameters matches both). FEAT is sent
/// first if this connection has not asked yet. Unlike ftp_has_feature(), "not listed"
/// (FTP_OK, *offered_out false) and "could not tell" (an error code) differ.
///
/// @param h the session.
/// @param name the feature (ASCII, any case).
/// @param offered_out receives whether the server listed it (required).
/// @param params_out receives the parameters the FEAT reply gave it, e.g.
///        "type*;size*;modify*;" for "MLST" ("" if none), owned by the session and
///        valid until the next call on it; NULL when not listed. May be NULL.
/// @return FTP_OK; FTP_E_STATE if not connected; FTP_E_TEMP/FTP_E_PERM if FEAT was
///         refused other than with 500/502 (which mean no features: FTP_OK, not
///         listed); FTP_E_NULL if name or offered_out is NULL (and the connection
///         errors and general errors, see the top of this header). Outputs are
///         written only on FTP_OK.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_feature_lookup(
    h: *mut ftp_session,
    name: *const c_char,
    offered_out: *mut bool,
    params_out: *mut *const c_char,
) -> ftp_result {
    call(h, |s| {
        let name = text(name, "name")?;
        if offered_out.is_null() {
            return Err(super::result::Failure::Null("offered_out"));
        }
        let params = s.ftp.features()?.params(name).map(|p| c_string(p.as_bytes()));
        let out = match params {
            Some(p) => Strings::keep(&mut s.strings.feature, p),
            None => std::ptr::null(),
        };
        put(offered_out, !out.is_null());
        put(params_out, out);
        Ok(())
    })
}

/// Whether the server listed a feature in its FEAT reply (the 1.0 form of
/// ftp_feature_lookup(), which tells "not listed" from a failure). FEAT is sent first
/// if this connection has not asked yet.
///
/// @param h the session.
/// @param name the feature (ASCII, any case).
/// @return true if listed; false if not, or on any failure. ftp_session_last_error()
///         names a failure of the call itself (NULL name, not connected, FEAT
///         failing); a NULL h, a session busy in another thread and a call from the
///         session's own callback give false and leave the session's message alone.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_has_feature(h: *mut ftp_session, name: *const c_char) -> bool {
    let mut found = false;
    let rc = call(h, |s| {
        let name = text(name, "name")?;
        found = s.ftp.features()?.has(name);
        Ok(())
    });
    rc == ftp_result::FTP_OK && found
}

/// The parameters the FEAT reply gave a feature, e.g. "type*;size*;modify*;" for
/// "MLST" (facts marked '*' are on). FEAT is sent first if needed. The 1.0 form of
/// ftp_feature_lookup(), which tells "not listed" from a failure.
///
/// @param h the session.
/// @param name the feature (ASCII, any case).
/// @return the parameters ("" if none), owned by the session and valid until the next
///         call on it; NULL if the feature is not listed or on failure (failures as
///         for ftp_has_feature()).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_feature_params(h: *mut ftp_session, name: *const c_char) -> *const c_char {
    let mut out = std::ptr::null();
    call(h, |s| {
        let name = text(name, "name")?;
        if let Some(p) = s.ftp.features()?.params(name) {
            s.strings.feature = c_string(p.as_bytes());
            out = s.strings.feature.as_ptr();
        }
        Ok(())
    });
    out
}

/// Whether ftp_login() is followed by FEAT and, when the server lists UTF8, by
/// "OPTS UTF8 ON" (RFC 2640). On by default; ftplib sends neither.
///
/// @param h the session.
/// @param on true (the default) or false.
/// @return FTP_OK (or one of the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_feat_after_login(h: *mut ftp_session, on: bool) -> ftp_result {
    call(h, |s| {
        s.ftp.set_feat_after_login(on);
        Ok(())
    })
}

/// Sends NOOP. Servers close sessions idle for longer than their timeout (often 300
/// seconds): a NOOP every minute or so keeps an idle session open, and tells whether it
/// still is.
///
/// @param h the session.
/// @return FTP_OK; FTP_E_STATE if not connected; FTP_E_CLOSED if the server has gone
///         (and the other errors of ftp_voidcmd()).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_noop(h: *mut ftp_session) -> ftp_result {
    call(h, |s| {
        s.ftp.noop()?;
        Ok(())
    })
}

/// Asks the server's system type (SYST), e.g. "UNIX Type: L8".
///
/// @param h the session.
/// @param text_out receives the reply text after the code, owned by the session and
///        valid until the next call on it (required).
/// @return FTP_OK; the errors of ftp_voidcmd(); FTP_E_NULL if text_out is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_syst(h: *mut ftp_session, text_out: *mut *const c_char) -> ftp_result {
    call(h, |s| {
        if text_out.is_null() {
            return Err(super::result::Failure::Null("text_out"));
        }
        let text = s.ftp.syst()?;
        s.strings.path = c_string(text);
        put(text_out, s.strings.path.as_ptr());
        Ok(())
    })
}

/// Sends "SITE args" (server-specific commands, e.g. "CHMOD 600 file"); a 2xx is success.
///
/// @param h the session.
/// @param args the SITE arguments (bytes as given; no CR/LF/NUL).
/// @return FTP_OK; the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_site(h: *mut ftp_session, args: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.site(bytes(args, "args")?)?;
        Ok(())
    })
}

/// Sends STAT (server status) or "STAT path" (a listing over the control connection,
/// no data connection needed) and passes each line of the reply between its first and
/// last line to `callback` (a one-line reply: its text).
///
/// @param h the session.
/// @param path what to list, or NULL for the server's status.
/// @param callback receives each line (as ftp_line_cb); NULL prints them to stdout.
/// @param userdata passed to callback.
/// @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero; the errors of
///         ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_stat(
    h: *mut ftp_session,
    path: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let path = opt_bytes(path).unwrap_or_default();
        let lines = s.ftp.stat(path)?;
        with_line_sink(callback, UserData(userdata), |sink| {
            for line in &lines {
                if sink(line) == ControlFlow::Break(()) {
                    return Err(crate::Error::Cancelled);
                }
            }
            Ok(())
        })
    })
}

/// Sends account information (ACCT), for servers that want it after login or for a
/// command (ftp_login() sends it itself when the server answers 332).
///
/// @param h the session.
/// @param account the account (UTF-8, no CR/LF).
/// @return FTP_OK; FTP_E_REPLY for a 1xx/3xx; the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_acct(h: *mut ftp_session, account: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.acct(text(account, "account")?)?;
        Ok(())
    })
}

/// Names the virtual host to serve (HOST, RFC 7151), after ftp_connect() and before
/// ftp_login(), for servers that host several sites on one address.
///
/// @param h the session.
/// @param name the host name (UTF-8, no CR/LF).
/// @return FTP_OK; FTP_E_PERM if the server does not know HOST or the name (500/502/504);
///         the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_host(h: *mut ftp_session, name: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.host_cmd(text(name, "name")?)?;
        Ok(())
    })
}

/// Asks the server to reserve space before an upload (ALLO size); 200 and 202 ("not
/// needed") are both success.
///
/// @param h the session.
/// @param size the number of bytes.
/// @return FTP_OK; the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_allo(h: *mut ftp_session, size: u64) -> ftp_result {
    call(h, |s| {
        s.ftp.allo(size)?;
        Ok(())
    })
}

/// A file's modification time (MDTM), as UTC.
///
/// @param h the session.
/// @param path the file (bytes as given; no CR/LF/NUL).
/// @param secs_out receives seconds since 1970-01-01 00:00 UTC (required).
/// @param nanos_out receives the fraction of a second in nanoseconds, when the server
///        gives one (else 0); may be NULL.
/// @return FTP_OK; FTP_E_PERM (550: no such file, or a directory); FTP_E_PROTO if the
///         reply is not a valid YYYYMMDDHHMMSS[.sss] time; the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mdtm(
    h: *mut ftp_session,
    path: *const c_char,
    secs_out: *mut i64,
    nanos_out: *mut u32,
) -> ftp_result {
    call(h, |s| {
        let path = bytes(path, "path")?;
        if secs_out.is_null() {
            return Err(super::result::Failure::Null("secs_out"));
        }
        let t = s.ftp.mdtm(path)?;
        put(secs_out, t.secs);
        put(nanos_out, t.nanos);
        Ok(())
    })
}

/// Sets a file's modification time (MFMT, whole seconds, UTC), where the server lists
/// MFMT in FEAT.
///
/// @param h the session.
/// @param path the file (bytes as given; no CR/LF/NUL).
/// @param secs seconds since 1970-01-01 00:00 UTC (years 1970 to 9999).
/// @return FTP_OK; FTP_E_INVALID for a time out of range; FTP_E_PERM (e.g. 500 where
///         MFMT is unknown, 550 no such file); the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mfmt(h: *mut ftp_session, path: *const c_char, secs: i64) -> ftp_result {
    call(h, |s| {
        s.ftp.mfmt(bytes(path, "path")?, FileTime { secs, nanos: 0 })?;
        Ok(())
    })
}

/// Changes directory one level at a time: "a/b/c" sends CWD a, CWD b, CWD c (a leading
/// '/' first sends "CWD /"), for servers that refuse paths in CWD. On failure the
/// working directory is where the last successful CWD left it.
///
/// @param h the session.
/// @param path the directory path (bytes as given; no CR/LF/NUL); "" sends "CWD .".
/// @return FTP_OK; the errors of ftp_cwd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_cwd_each(h: *mut ftp_session, path: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.cwd_each(bytes(path, "path")?)?;
        Ok(())
    })
}

/// Creates a directory and its missing parents, like `mkdir -p`: each level is entered
/// if it exists and created (MKD) if not; existing directories are not an error. The
/// working directory is the same afterwards (PWD before, CWD back after; a PWD reply
/// that names no directory leaves none to go back to, and the session stays in the
/// last level entered).
///
/// @param h the session.
/// @param path the directory path, relative or absolute (bytes as given; no CR/LF/NUL).
/// @return FTP_OK; FTP_E_PERM/FTP_E_TEMP if a level can be neither entered nor created
///         (e.g. a file of that name, no permission); the errors of ftp_voidcmd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mkd_all(h: *mut ftp_session, path: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.mkd_all(bytes(path, "path")?)?;
        Ok(())
    })
}
