//! File and directory commands, and listings.

use super::args::{UserData, opt_text, text};
use super::handle::{c_string, ftp_session, with_session};
use super::result::{Failure, ftp_result};
use super::transfer::ftp_line_cb;
use crate::{Error, Flow, MlsdEntry};
use std::ffi::{CStr, CString, c_char, c_int, c_void};

/// Renames `from` to `to` (RNFR, which must get 3xx, then RNTO; ftplib's rename).
///
/// @return FTP_OK; FTP_E_PERM (e.g. 550 no such file); FTP_E_REPLY if RNFR gets no 3xx.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_rename(h: *mut ftp_session, from: *const c_char, to: *const c_char) -> ftp_result {
    with_session(h, |s| {
        s.ftp.rename(text(from, "from")?, text(to, "to")?)?;
        Ok(())
    })
}

/// Deletes a file (DELE; ftplib's delete). Only 250 and 200 count as success
/// (FTP_E_REPLY otherwise).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_delete(h: *mut ftp_session, path: *const c_char) -> ftp_result {
    with_session(h, |s| {
        s.ftp.delete(text(path, "path")?)?;
        Ok(())
    })
}

/// Changes the working directory (ftplib's cwd): ".." sends CDUP (then "CWD .." if the
/// server answers 500); "" means ".".
#[unsafe(no_mangle)]
pub extern "C" fn ftp_cwd(h: *mut ftp_session, dir: *const c_char) -> ftp_result {
    with_session(h, |s| {
        s.ftp.cwd(text(dir, "dir")?)?;
        Ok(())
    })
}

/// Stores `path` in the handle and points `out` at it.
fn hand_out_path(s: &mut super::handle::State, path: Vec<u8>, out: *mut *const c_char) {
    s.strings.path = c_string(path);
    super::args::put(out, s.strings.path.as_ptr());
}

/// Creates a directory (MKD; ftplib's mkd).
///
/// @param path_out receives the directory's path from the 257 reply ("" if the server
///        answered another 2xx), owned by the session and valid until the next call on
///        it; may be NULL. The path is the server's bytes (not necessarily UTF-8).
/// @return FTP_OK; FTP_E_PERM (e.g. 550 exists); FTP_E_PROTO for a garbled 257 reply.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mkd(h: *mut ftp_session, dir: *const c_char, path_out: *mut *const c_char) -> ftp_result {
    with_session(h, |s| {
        let path = s.ftp.mkd(text(dir, "dir")?)?;
        hand_out_path(s, path, path_out);
        Ok(())
    })
}

/// The working directory (PWD; ftplib's pwd).
///
/// @param path_out receives the path, as for ftp_mkd() (required).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_pwd(h: *mut ftp_session, path_out: *mut *const c_char) -> ftp_result {
    with_session(h, |s| {
        if path_out.is_null() {
            return Err(Failure::Null("path_out"));
        }
        let path = s.ftp.pwd()?;
        hand_out_path(s, path, path_out);
        Ok(())
    })
}

/// Removes a directory (RMD; ftplib's rmd).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_rmd(h: *mut ftp_session, dir: *const c_char) -> ftp_result {
    with_session(h, |s| {
        s.ftp.rmd(text(dir, "dir")?)?;
        Ok(())
    })
}

/// The size of a file (ftplib's size): sends TYPE I (servers refuse SIZE in ASCII mode),
/// then SIZE.
///
/// @param size_out receives the size, or -1 when the server does not say (a 2xx other
///        than 213, or SIZE not implemented: 500/502/504) (required).
/// @return FTP_OK; FTP_E_PERM (e.g. 550 no such file); FTP_E_PROTO for a 213 reply that
///         is not a number or does not fit in int64_t.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_size(h: *mut ftp_session, path: *const c_char, size_out: *mut i64) -> ftp_result {
    with_session(h, |s| {
        let path = text(path, "path")?;
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
/// ftp_mlsd_entry_* functions.
pub struct ftp_mlsd_entry {
    name: Vec<u8>,
    /// `name` followed by a NUL, for C callers who want a string.
    name_c: CString,
    facts: Vec<(CString, CString)>,
}

impl ftp_mlsd_entry {
    fn new(e: &MlsdEntry) -> ftp_mlsd_entry {
        ftp_mlsd_entry {
            name: e.name.clone(),
            name_c: c_string(e.name.clone()),
            facts: e.facts.iter().map(|(k, v)| (c_string(k.as_str()), c_string(v.as_str()))).collect(),
        }
    }
}

/// Receives one MLSD entry. Return 0 to go on, non-zero to cancel the listing.
pub type ftp_mlsd_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, entry: *const ftp_mlsd_entry) -> c_int>;

/// Lists a directory with MLSD (ftplib's mlsd), streaming each entry to `callback`.
///
/// @param path the directory, or NULL or "" for the working directory.
/// @param facts NULL-terminated array of fact names to ask for with "OPTS MLST
///        a;b;" before listing (e.g. {"type", "size", "modify", NULL}), or NULL to
///        leave the server's defaults.
/// @param callback receives each entry (required).
/// @return FTP_OK; FTP_E_PERM (500/502 when the server has no MLSD); FTP_E_CANCELLED;
///         connection errors as for transfers.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd(
    h: *mut ftp_session,
    path: *const c_char,
    facts: *const *const c_char,
    callback: ftp_mlsd_cb,
    userdata: *mut c_void,
) -> ftp_result {
    with_session(h, |s| {
        let path = opt_text(path, "path")?.unwrap_or("");
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

/// The entry's name as bytes (not necessarily UTF-8; NUL-terminated after `len` bytes).
///
/// @param len_out receives the length; may be NULL.
/// @return the name, valid during the callback; NULL if entry is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_name(entry: *const ftp_mlsd_entry, len_out: *mut usize) -> *const c_char {
    // SAFETY: entry is NULL or the pointer passed to the running callback (contract).
    let Some(e) = (unsafe { entry.as_ref() }) else { return std::ptr::null() };
    super::args::put(len_out, e.name.len());
    e.name_c.as_ptr()
}

/// The value of a fact by name, case-insensitively ("type", "size", "modify", "perm",
/// "unique", "unix.mode"...).
///
/// @return the value, valid during the callback; NULL if absent or on NULL arguments.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_fact(entry: *const ftp_mlsd_entry, name: *const c_char) -> *const c_char {
    // SAFETY: entry is NULL or the pointer passed to the running callback (contract).
    let Some(e) = (unsafe { entry.as_ref() }) else { return std::ptr::null() };
    if name.is_null() {
        return std::ptr::null();
    }
    // SAFETY: name is a NUL-terminated string (contract).
    let wanted = unsafe { CStr::from_ptr(name) }.to_bytes();
    e.facts
        .iter()
        .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(wanted))
        .map_or(std::ptr::null(), |(_, v)| v.as_ptr())
}

/// How many facts the entry has (0 if entry is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_fact_count(entry: *const ftp_mlsd_entry) -> usize {
    // SAFETY: entry is NULL or the pointer passed to the running callback (contract).
    unsafe { entry.as_ref() }.map_or(0, |e| e.facts.len())
}

/// The fact at `index` (0 .. count-1): its lower-cased name and its value, both valid
/// during the callback.
///
/// @return FTP_OK; FTP_E_INVALID if index is out of range; FTP_E_NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlsd_entry_fact_at(
    entry: *const ftp_mlsd_entry,
    index: usize,
    name_out: *mut *const c_char,
    value_out: *mut *const c_char,
) -> ftp_result {
    // SAFETY: entry is NULL or the pointer passed to the running callback (contract).
    let Some(e) = (unsafe { entry.as_ref() }) else { return ftp_result::FTP_E_NULL };
    if name_out.is_null() || value_out.is_null() {
        return ftp_result::FTP_E_NULL;
    }
    let Some((k, v)) = e.facts.get(index) else { return ftp_result::FTP_E_INVALID };
    super::args::put(name_out, k.as_ptr());
    super::args::put(value_out, v.as_ptr());
    ftp_result::FTP_OK
}

/// Lists names with NLST (ftplib's nlst), one callback per name.
///
/// @param args arguments appended to NLST (e.g. a directory), or NULL.
/// @param callback receives each name (required).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_nlst(
    h: *mut ftp_session,
    args: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    with_session(h, |s| {
        let args = opt_text(args, "args")?.unwrap_or("");
        if callback.is_none() {
            return Err(Failure::Null("callback"));
        }
        s.ftp.nlst(args, super::transfer::line_sink(callback, UserData(userdata)))?;
        Ok(())
    })
}

/// Lists a directory with LIST (ftplib's dir), one callback per line, in the server's
/// own format.
///
/// @param args arguments appended to LIST (e.g. a directory), or NULL.
/// @param callback receives each line; NULL prints them to stdout (as ftplib does).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_dir(
    h: *mut ftp_session,
    args: *const c_char,
    callback: ftp_line_cb,
    userdata: *mut c_void,
) -> ftp_result {
    with_session(h, |s| {
        let args = opt_text(args, "args")?.unwrap_or("");
        s.ftp.dir(args, super::transfer::line_sink(callback, UserData(userdata)))?;
        Ok(())
    })
}
