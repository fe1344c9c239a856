//! File and directory commands, and listings.

use super::args::c_string;
use super::args::{BytesZ, UserData, bytes, opt_bytes, text};
use super::handle::{call, plain, pure};
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use super::transfer::{ftp_line_cb, with_line_sink};
use crate::{Error, Flow, MlsdEntry};
use std::ffi::{CStr, CString, c_char, c_int, c_void};

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

/// One MLSD entry, valid only during the ftp_mlsd_cb call. Opaque: read it with the
/// ftp_mlsd_entry_* functions, which may only be called inside that callback.
pub struct ftp_mlsd_entry {
    name: BytesZ,
    facts: Vec<(CString, CString)>,
}

impl ftp_mlsd_entry {
    fn new(e: &MlsdEntry) -> ftp_mlsd_entry {
        ftp_mlsd_entry {
            name: BytesZ::new(&e.name),
            facts: e.facts.iter().map(|(k, v)| (c_string(k.as_str()), c_string(v.as_str()))).collect(),
        }
    }
}

/// Receives one MLSD entry. Return 0 to go on, non-zero to cancel the listing.
pub type ftp_mlsd_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, entry: *const ftp_mlsd_entry) -> c_int>;

/// Lists a directory with MLSD (ftplib's mlsd), streaming each entry to `callback`.
///
/// @param h the session.
/// @param path the directory, or NULL or "" for the working directory (bytes as given; no
///        CR/LF/NUL).
/// @param facts NULL-terminated array of fact names (UTF-8; ASCII in practice) to ask
///        for with "OPTS MLST a;b;" before listing (e.g. {"type", "size", "modify",
///        NULL}), or NULL to leave the server's defaults. The choice stays in force
///        on the server for later MLSD listings (as with ftplib); ftp_list() and
///        ftp_mirror(), which need the facts, ask for every fact again first.
/// @param callback receives each entry (required).
/// @param userdata passed to callback as its first argument.
/// @return FTP_OK; FTP_E_PERM (e.g. 500/502 when the server has no MLSD, or refuses
///         OPTS MLST); FTP_E_CANCELLED; FTP_E_PROTO for a line longer than 8192 bytes;
///         others as ftp_retr_binary().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd(
    h: *mut ftp_session,
    path: *const c_char,
    facts: *const *const c_char,
    callback: ftp_mlsd_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let path = opt_bytes(path).unwrap_or(b"");
        let cb = callback.ok_or(Failure::Null("callback"))?;
        let mut names: Vec<&str> = Vec::new();
        if !facts.is_null() {
            for i in 0.. {
                // SAFETY: `facts` is a NULL-terminated array of strings (contract); we stop
                // at the terminator.
                let p = unsafe { *facts.add(i) };
                if p.is_null() {
                    break;
                }
                names.push(text(p, "facts[i]")?);
            }
        }
        let ud = UserData(userdata);
        s.ftp.mlsd(path, &names, |e| {
            let entry = ftp_mlsd_entry::new(e);
            // SAFETY: the caller's callback gets its userdata and an entry that lives for
            // the duration of the call.
            let rc = unsafe { cb(ud.0, &entry) };
            if rc == 0 { Flow::Continue(()) } else { Flow::Break(()) }
        })?;
        Ok(())
    })
}

/// The entry's name: the server's bytes as sent (not necessarily UTF-8), followed by a
/// NUL. A hostile server can put NUL bytes in a name, so use the length from `len_out`
/// rather than strlen() when it matters.
///
/// @param entry the entry passed to the running ftp_mlsd_cb.
/// @param len_out receives the name's length in bytes, without the final NUL; may be NULL.
/// @return the name, valid during the callback; NULL if entry is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_name(entry: *const ftp_mlsd_entry, len_out: *mut usize) -> *const c_char {
    plain(entry, std::ptr::null(), |e| e.name.out(len_out))
}

/// The value of a fact by name, case-insensitively ("type", "size", "modify", "perm",
/// "unique", "unix.mode"...). Fact values are text: invalid UTF-8 in them has become
/// U+FFFD, a NUL byte '?'.
///
/// @param entry the entry passed to the running ftp_mlsd_cb.
/// @param name the fact's name (NUL-terminated).
/// @return the value, valid during the callback; NULL if the entry has no such fact or
///         entry or name is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_fact(entry: *const ftp_mlsd_entry, name: *const c_char) -> *const c_char {
    plain(entry, std::ptr::null(), |e| {
        if name.is_null() {
            return std::ptr::null();
        }
        // SAFETY: name is a NUL-terminated string (contract).
        let wanted = unsafe { CStr::from_ptr(name) }.to_bytes();
        e.facts
            .iter()
            .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(wanted))
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// How many facts the entry has.
///
/// @param entry the entry passed to the running ftp_mlsd_cb.
/// @return the count; 0 if entry is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_fact_count(entry: *const ftp_mlsd_entry) -> usize {
    plain(entry, 0, |e| e.facts.len())
}

/// The fact at `index`: its lower-cased name and its value, as for
/// ftp_mlsd_entry_fact().
///
/// @param entry the entry passed to the running ftp_mlsd_cb.
/// @param index 0 to ftp_mlsd_entry_fact_count() - 1, in the order the server sent them.
/// @param name_out receives the fact's name, valid during the callback (required).
/// @param value_out receives the fact's value, valid during the callback (required).
/// @return FTP_OK; FTP_E_INVALID if index is out of range; FTP_E_NULL if a pointer
///         argument is NULL; FTP_E_PANIC after an internal error.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_fact_at(
    entry: *const ftp_mlsd_entry,
    index: usize,
    name_out: *mut *const c_char,
    value_out: *mut *const c_char,
) -> ftp_result {
    pure(ftp_result::FTP_E_PANIC, || {
        // SAFETY: entry is NULL or the pointer passed to the running callback (contract).
        let Some(e) = (unsafe { entry.as_ref() }) else { return ftp_result::FTP_E_NULL };
        if name_out.is_null() || value_out.is_null() {
            return ftp_result::FTP_E_NULL;
        }
        let Some((k, v)) = e.facts.get(index) else { return ftp_result::FTP_E_INVALID };
        super::args::put(name_out, k.as_ptr());
        super::args::put(value_out, v.as_ptr());
        ftp_result::FTP_OK
    })
}

/// Lists names with NLST (ftplib's nlst), one callback per name.
///
/// @param h the session.
/// @param args arguments appended to NLST (e.g. a directory), or NULL (bytes as given; no
///        CR/LF/NUL).
/// @param callback receives each name (required).
/// @param userdata passed to callback as its first argument.
/// @return as ftp_retr_lines().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_nlst(
    h: *mut ftp_session,
    args: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let args = opt_bytes(args).unwrap_or(b"");
        if callback.is_none() {
            return Err(Failure::Null("callback"));
        }
        with_line_sink(callback, UserData(userdata), |sink| s.ftp.nlst(args, sink))?;
        Ok(())
    })
}

/// Lists a directory with LIST (ftplib's dir), one callback per line, in the server's
/// own format.
///
/// @param h the session.
/// @param args arguments appended to LIST (e.g. a directory), or NULL (bytes as given; no
///        CR/LF/NUL).
/// @param callback receives each line; NULL prints them to stdout (as ftplib does).
/// @param userdata passed to callback as its first argument.
/// @return as ftp_retr_lines() (FTP_E_IO if stdout cannot be written).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_dir(
    h: *mut ftp_session,
    args: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let args = opt_bytes(args).unwrap_or(b"");
        with_line_sink(callback, UserData(userdata), |sink| s.ftp.dir(args, sink))?;
        Ok(())
    })
}
