//! Directory listings: MLSD facts, NLST names and LIST lines streamed to a callback,
//! and entries parsed as data, streamed or collected in a list.

use super::args::c_string;
use super::args::text;
use super::args::{BytesZ, UserData, bytes, opt_bytes, put};
use super::handle::{Guard, Handle, Object, call, create, free, plain, pure, read};
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use super::transfer::{ftp_line_cb, with_line_sink};
use crate::{Entry, EntryType, Flow, MlsdEntry};
use std::ffi::{CStr, CString, c_char, c_int, c_void};

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

/// What a directory entry is (ftp_entry_kind()).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_entry_type {
    /// The line fit no known listing format: the name is the whole line.
    FTP_ENTRY_UNKNOWN = 0,
    FTP_ENTRY_FILE = 1,
    FTP_ENTRY_DIR = 2,
    /// The listed directory itself (MLSD "cdir", LIST ".").
    FTP_ENTRY_CDIR = 3,
    /// Its parent (MLSD "pdir", LIST "..").
    FTP_ENTRY_PDIR = 4,
    /// A symbolic link (see ftp_entry_link_target()).
    FTP_ENTRY_LINK = 5,
    /// A device, FIFO or socket.
    FTP_ENTRY_SPECIAL = 6,
    /// Another type the server named (e.g. an MLSD "OS.x=y" type).
    FTP_ENTRY_OTHER = 7,
}

/// One directory entry. Opaque; read it with the ftp_entry_* functions. Entries passed
/// to an ftp_entry_cb are valid during the call; entries of an ftp_entry_list until
/// ftp_entry_list_free(). The ftp_entry_* getters read the entry directly (no guard, no
/// busy check): a free of its list must be ordered after every use of the entry and of
/// the strings its getters return, which belong to the entry.
pub struct ftp_entry {
    entry: Entry,
    name: BytesZ,
    perm: Option<CString>,
    unique: Option<CString>,
    owner: Option<CString>,
    group: Option<CString>,
    link: Option<BytesZ>,
    raw: CString,
}

impl ftp_entry {
    pub(crate) fn new(e: &Entry) -> ftp_entry {
        let opt = |s: &Option<String>| s.as_deref().map(|v| c_string(v.as_bytes()));
        ftp_entry {
            name: BytesZ::new(&e.name),
            perm: opt(&e.perm),
            unique: opt(&e.unique),
            owner: opt(&e.owner),
            group: opt(&e.group),
            link: e.link_target.as_deref().map(BytesZ::new),
            raw: c_string(e.raw.clone()),
            entry: e.clone(),
        }
    }
}

/// Receives one entry of a listing, valid only during the call. Return 0 to go on,
/// non-zero to cancel (FTP_E_CANCELLED).
pub type ftp_entry_cb = Option<unsafe extern "C" fn(userdata: *mut c_void, entry: *const ftp_entry) -> c_int>;

/// Lists a directory as entries: MLSD where the server lists MLST in FEAT, otherwise
/// (or when MLSD is refused with 500/502) LIST, parsed as Unix `ls -l` (symlinks,
/// devices, both date forms, with or without a group column) or DOS/IIS lines; a line
/// in no known format gives an FTP_ENTRY_UNKNOWN entry holding the whole line, except
/// ls's complaint that the path does not exist ("PATH: No such file or directory",
/// "ls: cannot access ...: No such file or directory"), which servers that run ls send
/// as the listing with a 226: that is no entry (other complaints stay entries). A path
/// with a blank, which such servers split, is listed from inside it: PWD, CWD path,
/// LIST, CWD back (a refused CWD, or CWD back, is the error; where PWD fails, LIST
/// gets the path as is).
/// LIST times are the server's local time, read as UTC less the offset set with
/// ftp_set_list_time_offset() (none by default), to the minute at best.
///
/// Before the first MLSD on a connection (and again after an "OPTS MLST" of the
/// caller's, from ftp_mlsd() with facts or ftp_sendcmd()), the facts FEAT offers that
/// entries carry (type, size, sizd, modify, perm, unique, unix.mode, unix.owner,
/// unix.uid, unix.group, unix.gid) are asked for with one "OPTS MLST", with those the
/// server has on already; where they are all on, nothing is sent. So ftp_entry_mode(),
/// ftp_entry_owner() and ftp_entry_group() are known wherever the server offers the
/// facts (pyftpdlib offers unix.mode, unix.uid and unix.gid, off by default). A refused
/// OPTS MLST is not an error: the server's choice of facts then stays.
///
/// @param h the session.
/// @param path the directory (bytes as given; no CR/LF/NUL), or NULL for the current one.
/// @param callback receives each entry (required); "total N" lines are skipped.
/// @param userdata passed to callback as its first argument.
/// @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero; the errors of
///         ftp_retr_lines() and ftp_feat().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_list(
    h: *mut ftp_session,
    path: *const c_char,
    callback: ftp_entry_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let cb = callback.ok_or(Failure::Null("callback"))?;
        let ud = UserData(userdata);
        let path = opt_bytes(path).unwrap_or_default();
        s.ftp.list_entries(path, |e| {
            let entry = ftp_entry::new(e);
            // SAFETY: the caller's callback, its userdata, an entry valid for the call.
            if unsafe { cb(ud.0, &entry) } == 0 { Flow::Continue(()) } else { Flow::Break(()) }
        })?;
        Ok(())
    })
}

/// A whole listing, kept in memory. Opaque; free with ftp_entry_list_free().
pub struct ftp_entry_list {
    guard: Guard<EntryList>,
}

impl ftp_entry_list {
    /// A new list for C, or the error of a panic while boxing it.
    pub(crate) fn boxed(entries: Vec<ftp_entry>) -> *mut ftp_entry_list {
        create(|| ftp_entry_list { guard: Guard::new(EntryList { entries }) })
    }
}

impl Handle for ftp_entry_list {
    type State = EntryList;
    fn guard(&self) -> &Guard<EntryList> {
        &self.guard
    }
}

/// A listing's entries: read-only once made, so any number of threads may read it.
pub(crate) struct EntryList {
    entries: Vec<ftp_entry>,
}

impl Object for EntryList {
    const NAME: &'static str = "entry list";
}

/// Lists a directory like ftp_list() and returns all its entries at once.
///
/// @param h the session.
/// @param path the directory (bytes as given), or NULL for the current one.
/// @param list_out receives the list on success (required); the caller frees it with
///        ftp_entry_list_free().
/// @return as ftp_list() (FTP_E_CANCELLED only from the progress callback);
///         FTP_E_PROTO for a listing of more than 1,000,000 entries or more than 256
///         MiB of names and lines (bounds ftplib does not have: use ftp_list() to
///         stream a bigger one); FTP_E_NULL if list_out is NULL.
/// @since 1.1 (the 1.0 name ftp_list_get() stays; it read like ftp_entry_list_get(),
///        which gets one entry of a list).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_list_all(
    h: *mut ftp_session,
    path: *const c_char,
    list_out: *mut *mut ftp_entry_list,
) -> ftp_result {
    call(h, |s| {
        if list_out.is_null() {
            return Err(Failure::Null("list_out"));
        }
        let path = opt_bytes(path).unwrap_or_default();
        let entries = s.ftp.list_all(path)?.iter().map(ftp_entry::new).collect();
        let list = ftp_entry_list::boxed(entries);
        if list.is_null() {
            return Err(crate::Error::Invalid("internal error while making the list".into()).into());
        }
        put(list_out, list);
        Ok(())
    })
}

/// The 1.0 name of ftp_list_all(), kept for the ABI: the same function, with the same
/// parameters and results.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_list_get(
    h: *mut ftp_session,
    path: *const c_char,
    list_out: *mut *mut ftp_entry_list,
) -> ftp_result {
    ftp_list_all(h, path, list_out)
}

/// The number of entries in a list. Lists are plain data: any thread may read one, and
/// several may at once, until it is freed.
///
/// @param list the list, or NULL.
/// @return the number of entries; 0 if list is NULL or a free of it has started (a
///         getter does not wait).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_list_len(list: *const ftp_entry_list) -> usize {
    read(list, 0, |l| l.entries.len())
}

/// The i-th entry of a list.
///
/// @param list the list.
/// @param i the index, below ftp_entry_list_len().
/// @return the entry, owned by the list until ftp_entry_list_free(); NULL if list is
///         NULL, i is out of range, or a free of the list has started. The ftp_entry_*
///         getters on the entry are not guarded by the list: ftp_entry_list_free() must
///         be ordered after every use of its entries and of what their getters return.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_list_get(list: *const ftp_entry_list, i: usize) -> *const ftp_entry {
    read(list, std::ptr::null(), |l| l.entries.get(i).map_or(std::ptr::null(), |e| e as *const ftp_entry))
}

/// Frees a list and its entries.
///
/// A getter (or call) still inside it on another thread is let finish first: the
/// object is freed when it returns. That protects the list's own getters only: the free
/// must be ordered after every use of the list, of its entries and of the strings their
/// getters returned.
///
/// @param list the list, or NULL (does nothing); not usable afterwards.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_list_free(list: *mut ftp_entry_list) {
    free(list)
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// The entry's name: the server's bytes as sent (not necessarily UTF-8), followed by a
/// NUL. A hostile server can put NUL bytes in a name, so use the length from `len_out`
/// rather than strlen() when it matters.
///
/// @param e the entry.
/// @param len_out receives the name's length in bytes, without the final NUL; may be NULL.
/// @return owned by the entry; NULL if e is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_name(e: *const ftp_entry, len_out: *mut usize) -> *const c_char {
    plain(e, std::ptr::null(), |e| e.name.out(len_out))
}

/// What the entry is.
///
/// @param e the entry.
/// @return an ftp_entry_type; FTP_ENTRY_UNKNOWN if e is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_kind(e: *const ftp_entry) -> ftp_entry_type {
    use ftp_entry_type::*;
    plain(e, FTP_ENTRY_UNKNOWN, |e| match e.entry.kind {
        EntryType::File => FTP_ENTRY_FILE,
        EntryType::Dir => FTP_ENTRY_DIR,
        EntryType::CurrentDir => FTP_ENTRY_CDIR,
        EntryType::ParentDir => FTP_ENTRY_PDIR,
        EntryType::Link => FTP_ENTRY_LINK,
        EntryType::Special => FTP_ENTRY_SPECIAL,
        EntryType::Other => FTP_ENTRY_OTHER,
        EntryType::Unknown => FTP_ENTRY_UNKNOWN,
    })
}

/// The entry's size in bytes, when the listing gives one.
///
/// @param e the entry.
/// @param size_out receives the size (required).
/// @return true if known; false if not (or e or size_out is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_size(e: *const ftp_entry, size_out: *mut u64) -> bool {
    plain(e, false, |e| match (e.entry.size, size_out.is_null()) {
        (Some(size), false) => {
            put(size_out, size);
            true
        }
        _ => false,
    })
}

/// The entry's modification time as UTC (from MLSD "modify", or LIST's date, which is
/// the server's local time taken as UTC less ftp_set_list_time_offset()'s offset).
///
/// @param e the entry.
/// @param secs_out receives seconds since 1970-01-01 00:00 UTC (required).
/// @param nanos_out receives the fraction in nanoseconds; may be NULL.
/// @return true if known; false if not (or e or secs_out is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_mtime(e: *const ftp_entry, secs_out: *mut i64, nanos_out: *mut u32) -> bool {
    plain(e, false, |e| match (e.entry.modified, secs_out.is_null()) {
        (Some(t), false) => {
            put(secs_out, t.secs);
            put(nanos_out, t.nanos);
            true
        }
        _ => false,
    })
}

/// Unix permission bits (MLSD "unix.mode", or LIST's rwx string), e.g. 0644.
///
/// @param e the entry.
/// @return the permission bits (0 to 07777), or -1 if unknown (or e is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_mode(e: *const ftp_entry) -> c_int {
    plain(e, -1, |e| e.entry.mode.map_or(-1, |m| m as c_int))
}

/// MLSD's "perm" fact (e.g. "adfrw").
///
/// @param e the entry.
/// @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_perm(e: *const ftp_entry) -> *const c_char {
    plain(e, std::ptr::null(), |e| opt_ptr(&e.perm))
}

/// MLSD's "unique" fact (the file's identity on the server).
///
/// @param e the entry.
/// @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_unique(e: *const ftp_entry) -> *const c_char {
    plain(e, std::ptr::null(), |e| opt_ptr(&e.unique))
}

/// The owner (MLSD unix.owner/unix.uid, or LIST's owner column).
///
/// @param e the entry.
/// @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_owner(e: *const ftp_entry) -> *const c_char {
    plain(e, std::ptr::null(), |e| opt_ptr(&e.owner))
}

/// The group (MLSD unix.group/unix.gid, or LIST's group column).
///
/// @param e the entry.
/// @return a NUL-terminated string owned by the entry; NULL if not given (or e is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_group(e: *const ftp_entry) -> *const c_char {
    plain(e, std::ptr::null(), |e| opt_ptr(&e.group))
}

/// Where a symbolic link points (LIST's "name -> target", MLSD's "OS.unix=slink:target").
///
/// @param e the entry.
/// @param len_out receives the length in bytes, without the final NUL (the bytes are
///        the server's, NULs included, as for ftp_entry_name()); may be NULL.
/// @return the target's bytes then a NUL, owned by the entry; NULL if not given (or e is
///         NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_link_target(e: *const ftp_entry, len_out: *mut usize) -> *const c_char {
    plain(e, std::ptr::null(), |e| e.link.as_ref().map_or(std::ptr::null(), |l| l.out(len_out)))
}

/// The raw text behind the entry: MLSD's facts ("type=file;size=5;") or the whole LIST
/// line, as received (NUL bytes shown as '?').
///
/// @param e the entry.
/// @param len_out receives the length; may be NULL.
/// @return owned by the entry; NULL if e is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_entry_raw(e: *const ftp_entry, len_out: *mut usize) -> *const c_char {
    plain(e, std::ptr::null(), |e| {
        put(len_out, e.raw.as_bytes().len());
        e.raw.as_ptr()
    })
}

/// Parses one LIST line without a server (for listings obtained otherwise), as
/// ftp_list() would.
///
/// @param line the line, without its line ending (bytes; NUL-terminated).
/// @param list_out receives a one-entry list on success (free with
///        ftp_entry_list_free()), or an empty list for lines that are not entries
///        ("total 12").
/// @return FTP_OK; FTP_E_NULL if line or list_out is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_parse_list_line(line: *const c_char, list_out: *mut *mut ftp_entry_list) -> ftp_result {
    pure(ftp_result::FTP_E_PANIC, || {
        let Ok(line) = bytes(line, "line") else { return ftp_result::FTP_E_NULL };
        if list_out.is_null() {
            return ftp_result::FTP_E_NULL;
        }
        let entries = Entry::from_list(line, crate::FileTime::now()).iter().map(ftp_entry::new).collect();
        let list = ftp_entry_list::boxed(entries);
        if list.is_null() {
            return ftp_result::FTP_E_PANIC;
        }
        put(list_out, list);
        ftp_result::FTP_OK
    })
}

/// Sets the time zone a server's LIST times are in, as its offset from UTC in seconds
/// (3600 for UTC+1, -18000 for UTC-5), so that parsed LIST entries (ftp_list(),
/// ftp_list_all(), ftp_walk(), ftp_mirror(), ftp_mlst()'s fallback) carry UTC times:
/// the offset is taken off each LIST time, and decides which year a date shown
/// without one is in. MLSD and MLST times are UTC by definition and are not changed,
/// nor are MDTM's. It stays for the session's life (reconnects included).
///
/// @param h the session.
/// @param seconds the offset: 0 (the default) takes LIST times as UTC; at most one
///        day (86400) either way.
/// @return FTP_OK; FTP_E_INVALID for more than a day either way.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_list_time_offset(h: *mut ftp_session, seconds: i32) -> ftp_result {
    call(h, |s| {
        s.ftp.set_list_time_offset(seconds)?;
        Ok(())
    })
}

/// The facts of one path with MLST (RFC 3659), parsed as ftp_list() parses an MLSD
/// line, returned as a list of one entry. Its name is the server's (usually the whole
/// path). Where FEAT lists no MLST, or the server answers it 500 or 502 (vsftpd), the
/// parent directory is listed instead (as ftp_list(): MLSD or LIST) and the entry of
/// that name is returned, named by its last component.
///
/// @param h the session.
/// @param path the file or directory (bytes as given; no CR/LF/NUL), or NULL or ""
///        for the working directory (MLST only: there is no parent to list).
/// @param list_out receives a list of exactly one entry on success (required): read it
///        with ftp_entry_list_get(list, 0); the caller frees it with ftp_entry_list_free().
/// @return FTP_OK; FTP_E_PERM for a path the server does not have (MLST's 550);
///         FTP_E_PROTO for an MLST reply with no entry line, or, without MLST, a path
///         with no parent to list ("", "/") or a name the parent's listing lacks; the
///         errors of ftp_list() for the fallback; FTP_E_NULL if list_out is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mlst(h: *mut ftp_session, path: *const c_char, list_out: *mut *mut ftp_entry_list) -> ftp_result {
    call(h, |s| {
        if list_out.is_null() {
            return Err(Failure::Null("list_out"));
        }
        let path = opt_bytes(path).unwrap_or_default();
        let entry = s.ftp.mlst(path)?;
        let list = ftp_entry_list::boxed(vec![ftp_entry::new(&entry)]);
        if list.is_null() {
            return Err(crate::Error::Invalid("internal error while making the list".into()).into());
        }
        put(list_out, list);
        Ok(())
    })
}
