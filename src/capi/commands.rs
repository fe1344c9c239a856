//! File and directory commands: rename, delete, cwd, mkd, pwd, rmd, size.

use super::args::bytes;
use super::args::c_string;
use super::handle::call;
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::Error;
use std::ffi::c_char;

/// Renames a file or directory (ftplib's rename): RNFR `from`, which must get 3xx,
/// then RNTO `to`.
///
/// @param h the session.
/// @param from the current name (bytes as given; no CR/LF/NUL).
/// @param to the new name (bytes as given; no CR/LF/NUL).
/// @return FTP_OK; FTP_E_PERM (e.g. 550 no such file) or FTP_E_TEMP for a 5xx/4xx to
///         either command; FTP_E_REPLY if RNFR gets no 3xx or RNTO no 2xx; FTP_E_INVALID;
///         FTP_E_NULL; FTP_E_STATE if not connected, the connection is unusable or a
///         transfer is open; FTP_E_IO/FTP_E_TIMEOUT/FTP_E_CLOSED/FTP_E_PROTO for
///         connection failures (and the general errors, see the top of this header).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_rename(h: *mut ftp_session, from: *const c_char, to: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.rename(bytes(from, "from")?, bytes(to, "to")?)?;
        Ok(())
    })
}

/// Deletes a file (DELE; ftplib's delete).
///
/// @param h the session.
/// @param path the file (bytes as given; no CR/LF/NUL).
/// @return FTP_OK for 250 or 200; FTP_E_PERM (e.g. 550 no such file) for 5xx;
///         FTP_E_TEMP for 4xx; FTP_E_REPLY for any other 1xx-3xx; others as
///         ftp_rename().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_delete(h: *mut ftp_session, path: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.delete(bytes(path, "path")?)?;
        Ok(())
    })
}

/// Changes the working directory (ftplib's cwd): ".." sends CDUP (then "CWD .." if the
/// server answers 500); "" means ".".
///
/// @param h the session.
/// @param dir the directory (bytes as given; no CR/LF/NUL).
/// @return FTP_OK; FTP_E_PERM (e.g. 550) or FTP_E_TEMP; FTP_E_REPLY for a 1xx/3xx;
///         others as ftp_rename().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_cwd(h: *mut ftp_session, dir: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.cwd(bytes(dir, "dir")?)?;
        Ok(())
    })
}

/// Stores `path` in the handle and points `out` at it.
fn hand_out_path(s: &mut super::session::State, path: Vec<u8>, out: *mut *const c_char) {
    s.strings.path = c_string(path);
    super::args::put(out, s.strings.path.as_ptr());
}

/// Creates a directory (MKD; ftplib's mkd).
///
/// @param h the session.
/// @param dir the directory to create (bytes as given; no CR/LF/NUL).
/// @param path_out receives the directory's path from the 257 reply ("" if the server
///        answered another 2xx or did not quote the path), owned by the session and
///        valid until the next call on it; may be NULL. The path is the server's bytes,
///        not necessarily UTF-8 (control bytes in it are refused as FTP_E_PROTO).
/// @return FTP_OK; FTP_E_PERM (e.g. 550 exists) or FTP_E_TEMP; FTP_E_REPLY for a
///         1xx/3xx; FTP_E_PROTO for a garbled 257 reply; others as ftp_rename().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mkd(h: *mut ftp_session, dir: *const c_char, path_out: *mut *const c_char) -> ftp_result {
    call(h, |s| {
        let path = s.ftp.mkd(bytes(dir, "dir")?)?;
        hand_out_path(s, path, path_out);
        Ok(())
    })
}

/// The working directory (PWD; ftplib's pwd).
///
/// @param h the session.
/// @param path_out receives the path (required), as for ftp_mkd(): the server's bytes,
///        owned by the session and valid until the next call on it.
/// @return as ftp_mkd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pwd(h: *mut ftp_session, path_out: *mut *const c_char) -> ftp_result {
    call(h, |s| {
        if path_out.is_null() {
            return Err(Failure::Null("path_out"));
        }
        let path = s.ftp.pwd()?;
        hand_out_path(s, path, path_out);
        Ok(())
    })
}

/// Removes a directory (RMD; ftplib's rmd).
///
/// @param h the session.
/// @param dir the directory (bytes as given; no CR/LF/NUL).
/// @return as ftp_cwd().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_rmd(h: *mut ftp_session, dir: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.rmd(bytes(dir, "dir")?)?;
        Ok(())
    })
}

/// The size of a file (ftplib's size): puts the server in TYPE I (servers refuse SIZE
/// in ASCII mode; TYPE is sent only when needed, see ftp_set_type_caching()), then SIZE.
///
/// @param h the session.
/// @param path the file (bytes as given; no CR/LF/NUL).
/// @param size_out receives the size (required), or -1 when the server does not say: a
///        1xx-3xx reply other than 213, or SIZE not implemented (500, 502, 504).
/// @return FTP_OK; FTP_E_PERM (e.g. 550 no such file) or FTP_E_TEMP; FTP_E_REPLY if
///         TYPE I gets no 2xx; FTP_E_PROTO for a 213 reply that is not a number or does
///         not fit in int64_t; others as ftp_rename().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_size(h: *mut ftp_session, path: *const c_char, size_out: *mut i64) -> ftp_result {
    call(h, |s| {
        let path = bytes(path, "path")?;
        if size_out.is_null() {
            return Err(Failure::Null("size_out"));
        }
        let size = match s.ftp.size(path)? {
            Some(n) => i64::try_from(n).map_err(|_| Error::Proto(format!("SIZE {n} does not fit in int64_t")))?,
            None => -1,
        };
        super::args::put(size_out, size);
        Ok(())
    })
}
