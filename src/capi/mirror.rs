//! Mirroring a tree down from the server or up to it.

use super::args::{BytesZ, UserData, bytes, c_string, put};
use super::handle::{call, inspect};
use super::result::{Failure, ftp_result};
use super::session::{State, ftp_session};
use crate::{Error, Flow, MirrorAction, MirrorOptions, MirrorStats, SymlinkPolicy};
use std::ffi::{CStr, CString, OsStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Flag: delete from the copy what the source no longer has.
pub const FTP_MIRROR_DELETE: u32 = 1;
/// Flag: report what would be done, change nothing.
pub const FTP_MIRROR_DRY_RUN: u32 = 2;
/// Flag: transfer what symbolic links point to (as files) instead of leaving them out.
pub const FTP_MIRROR_FOLLOW_SYMLINKS: u32 = 4;

/// One step of a mirror (ftp_mirror_cb).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftp_mirror_action {
    /// A file is downloaded (new or changed).
    FTP_MIRROR_GET = 0,
    /// A file is uploaded (new or changed).
    FTP_MIRROR_PUT = 1,
    /// A directory is created.
    FTP_MIRROR_MKDIR = 2,
    /// Something the source no longer has is deleted from the copy.
    FTP_MIRROR_REMOVE = 3,
    /// Up to date (same size and time): nothing to do.
    FTP_MIRROR_UNCHANGED = 4,
    /// Left out: it matched a skip pattern.
    FTP_MIRROR_SKIPPED = 5,
    /// Left out: a symbolic link (without FTP_MIRROR_FOLLOW_SYMLINKS, or with it, a
    /// link the server will not send as a file, one to a directory, or a link where
    /// the local copy has a directory, which is kept).
    FTP_MIRROR_SKIPPED_LINK = 6,
    /// Refused: a name from the server that could escape the target directory ("..",
    /// "/", "\\", NUL), a local name that cannot be sent (CR, LF), or a local entry
    /// other than a directory (a symbolic link, say) where the server has a directory,
    /// or a name whose local file or directory another listed name already has (on a
    /// file system that ignores case, "readme" after "README"; hard-linked files do
    /// not count): it is left as it is, never followed.
    FTP_MIRROR_REFUSED = 7,
    /// This entry failed: a file the server refused or cut short, a directory it would
    /// not list (or that could not be made), a local error for one file (a name too
    /// long for the local file system, a full disk). The mirror goes on;
    /// ftp_mirror_failure() tells why once it returns. @since 1.1 (a callback written
    /// for 1.0 sees a value it does not know: it should return 0 for it).
    FTP_MIRROR_FAILED = 8,
}

/// What a session keeps of its mirror settings and of its last mirror's failures.
#[derive(Default)]
pub(crate) struct MirrorState {
    parallel: usize,
    failures: Vec<FailureC>,
}

/// One failure as C reads it.
struct FailureC {
    path: BytesZ,
    code: ftp_result,
    reply_code: c_int,
    message: CString,
}

/// Hears of each step of a mirror: of a download or upload (FTP_MIRROR_GET,
/// FTP_MIRROR_PUT) once the file is complete, of a failure (FTP_MIRROR_FAILED) when it
/// happens, of the other steps before they are done (or instead of them, in a dry
/// run). It is always called on the thread that called ftp_mirror(), also when other
/// sessions work in parallel (ftp_set_mirror_parallel()).
/// `path` is relative to the mirrored directory ('/'-separated bytes, `len` long,
/// NUL-terminated, valid during the call), `size` the file's size or -1. Return 0 to go
/// on, non-zero to stop the mirror (FTP_E_CANCELLED).
pub type ftp_mirror_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        action: ftp_mirror_action,
        path: *const c_char,
        len: usize,
        size: i64,
    ) -> c_int,
>;

fn action(a: MirrorAction) -> ftp_mirror_action {
    use ftp_mirror_action::*;
    match a {
        MirrorAction::Get => FTP_MIRROR_GET,
        MirrorAction::Put => FTP_MIRROR_PUT,
        MirrorAction::MakeDir => FTP_MIRROR_MKDIR,
        MirrorAction::Delete => FTP_MIRROR_REMOVE,
        MirrorAction::Unchanged => FTP_MIRROR_UNCHANGED,
        MirrorAction::Skipped => FTP_MIRROR_SKIPPED,
        MirrorAction::SkippedLink => FTP_MIRROR_SKIPPED_LINK,
        MirrorAction::Refused => FTP_MIRROR_REFUSED,
        MirrorAction::Failed => FTP_MIRROR_FAILED,
    }
}

fn options(flags: u32, skip: *const *const c_char, parallel: usize) -> Result<MirrorOptions, Failure> {
    let known = FTP_MIRROR_DELETE | FTP_MIRROR_DRY_RUN | FTP_MIRROR_FOLLOW_SYMLINKS;
    if flags & !known != 0 {
        return Err(Failure::Core(Error::Invalid(format!("unknown flags {:#x}", flags & !known))));
    }
    let mut patterns = Vec::new();
    if !skip.is_null() {
        for i in 0.. {
            // SAFETY: skip is a NULL-terminated array of NUL-terminated strings (contract).
            let p = unsafe { *skip.add(i) };
            if p.is_null() {
                break;
            }
            // SAFETY: as above.
            patterns.push(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec());
        }
    }
    Ok(MirrorOptions {
        delete: flags & FTP_MIRROR_DELETE != 0,
        dry_run: flags & FTP_MIRROR_DRY_RUN != 0,
        skip: patterns,
        symlinks: if flags & FTP_MIRROR_FOLLOW_SYMLINKS != 0 { SymlinkPolicy::Follow } else { SymlinkPolicy::Skip },
        parallel,
    })
}

/// Calls the C callback for each step.
fn sink(cb: ftp_mirror_cb, ud: UserData) -> impl FnMut(MirrorAction, &[u8], Option<u64>) -> Flow {
    let mut buf = Vec::new();
    move |a, path, size| {
        let ud: UserData = ud;
        let Some(cb) = cb else { return Flow::Continue(()) };
        buf.clear();
        buf.extend_from_slice(path);
        buf.push(0);
        let size = size.and_then(|s| i64::try_from(s).ok()).unwrap_or(-1);
        // SAFETY: the caller's callback, its userdata, a NUL-terminated path for the call.
        let rc = unsafe { cb(ud.0, action(a), buf.as_ptr().cast(), path.len(), size) };
        if rc == 0 { Flow::Continue(()) } else { Flow::Break(()) }
    }
}

/// Keeps a finished mirror's failures in the session and writes its counts; the
/// first failure's code (with a message counting them) when there were failures.
fn finish(s: &mut State, stats: MirrorStats, files_out: *mut u64, bytes_out: *mut u64) -> Result<(), Failure> {
    put(files_out, stats.files_transferred);
    put(bytes_out, stats.bytes_transferred);
    s.mirror.failures = stats
        .failures
        .iter()
        .map(|f| FailureC {
            path: BytesZ::new(&f.path),
            code: f.kind.into(),
            reply_code: f.reply_code.map_or(0, c_int::from),
            message: c_string(f.message.clone()),
        })
        .collect();
    match stats.failures.first() {
        None => Ok(()),
        Some(first) => {
            let n = stats.failures.len();
            let path = String::from_utf8_lossy(&first.path);
            let message = format!(
                "{n} {} failed (ftp_mirror_failure() lists {}); the first, {path}: {}",
                if n == 1 { "entry" } else { "entries" },
                if n == 1 { "it" } else { "them" },
                first.message
            );
            Err(Failure::Summary(first.kind.into(), message))
        }
    }
}

/// Forgets the last mirror's failures (a mirror starts).
fn start(s: &mut State) -> usize {
    s.mirror.failures.clear();
    s.mirror.parallel
}

/// Mirrors a server directory into a local one (Python's ftpmirror.py, done properly):
/// walks the remote tree (MLSD, or LIST where the server lacks it), downloads files
/// that are new or whose size or modification time differ (each into "NAME.part",
/// renamed when complete, then given the listing's time so a re-run finds it
/// unchanged), creates directories, and with FTP_MIRROR_DELETE removes local entries
/// the server no longer lists. A file is checked against the listed size before it
/// replaces the old copy. A file on the server where a local directory is replaces the
/// directory only with FTP_MIRROR_DELETE (otherwise it is reported as refused). A LIST
/// line in no known format names nothing for certain, so no local entry of that
/// directory is deleted. A name listed twice is taken once. Where the server also lists
/// "NAME.part", a local directory has that name, or NAME is too long for the suffix,
/// NAME is written in place. A directory whose MLSD "unique" fact is that of one being
/// walked (a loop) is reported as refused and not entered. Where the local file system
/// ignores case, the first of "README" and "readme" listed is mirrored and the other
/// refused, and a local entry a listed name reaches under another spelling is not
/// deleted as unlisted (hard-linked local files are names of their own). A symbolic or
/// hard link found where a file is written is replaced, never written through. Names
/// from the server are checked: "..", names with '/', '\\' or NUL are refused, so
/// nothing is written outside `local_dir`. The working directory is the same afterwards
/// (PWD first, CWD back at the end).
///
/// What fails for one entry does not end the mirror (since 1.1): a file the server
/// refuses or cuts short, a subdirectory it will not list, a local directory or file
/// that cannot be made or written (a name too long for the local file system, say).
/// Each is reported to callback as FTP_MIRROR_FAILED, the mirror goes on, and at the
/// end it returns the first failure's code; ftp_mirror_failure_count() and
/// ftp_mirror_failure() give each one. Nothing is deleted in a directory where an
/// entry failed. What leaves the session unusable (the control connection lost, a
/// 421) still ends the mirror at once, as do callback's stop and ftp_interrupt().
/// With ftp_set_mirror_parallel() above 1, other sessions list and download beside
/// this one; the result is the same.
///
/// @param h the session, logged in.
/// @param remote_dir the directory to mirror (bytes as given; no CR/LF/NUL); "" for
///        the current one.
/// @param local_dir where the copy goes (bytes, as open(2) takes them); created if missing.
/// @param flags FTP_MIRROR_* values or'ed together, or 0.
/// @param skip NULL, or a NULL-terminated array of shell patterns ('*', '?', "[a-z]")
///        matched against each name and each relative path; matches are left out (and
///        never deleted).
/// @param callback hears of every step (may be NULL).
/// @param userdata passed to callback.
/// @param files_out receives the number of files transferred (may be NULL); written
///        also when the mirror went through with failures.
/// @param bytes_out receives the bytes transferred (may be NULL); likewise.
/// @return FTP_OK when every entry was mirrored; the first failed entry's code (for
///         example FTP_E_PERM for a 550, FTP_E_IO for a local error, FTP_E_PROTO for a
///         file shorter than listed) when the mirror went through with failures, the
///         message then counting them; FTP_E_CANCELLED if callback returned non-zero;
///         FTP_E_IO for local errors with the target itself (the message names the
///         file); the errors of ftp_list() and ftp_retr_file() for the mirrored
///         directory itself, or that left the session unusable; FTP_E_PROTO if a PWD
///         reply names no directory, or (as the failure of that entry, the mirror
///         going on) a directory lists more than 1,000,000 entries or 256 MiB, or lies
///         more than 100 directories deep (bounds ftplib's ftpmirror.py lacks; a loop,
///         most likely); FTP_E_INVALID for unknown flags.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ftp_mirror(
    h: *mut ftp_session,
    remote_dir: *const c_char,
    local_dir: *const c_char,
    flags: u32,
    skip: *const *const c_char,
    callback: ftp_mirror_cb,
    userdata: *mut c_void,
    files_out: *mut u64,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let remote = bytes(remote_dir, "remote_dir")?;
        let local = Path::new(OsStr::from_bytes(bytes(local_dir, "local_dir")?));
        let parallel = start(s);
        let opts = options(flags, skip, parallel)?;
        let mut f = sink(callback, UserData(userdata));
        let stats = s.ftp.mirror_download(remote, local, &opts, &mut f)?;
        finish(s, stats, files_out, bytes_out)
    })
}

/// The reverse mirror: uploads a local tree into a server directory (created with its
/// parents if missing): files that are new or whose size differs (or, where the server
/// takes MFMT, whose time differs) are uploaded and given their local time; missing
/// directories are made; with FTP_MIRROR_DELETE, remote files the local tree lacks are
/// deleted, except one whose name differs from a local one only in case (on a server
/// that ignores case it is the same file). A name the server lists as a symbolic link
/// is never uploaded to (the upload would go wherever the link points): it is
/// reported as FTP_MIRROR_SKIPPED_LINK. Parameters and results as for ftp_mirror(),
/// source and target swapped;
/// the working directory is the same afterwards. A dry run creates nothing, so it
/// reports every file below a directory the server lacks as one to upload. Failures of
/// one entry and parallel sessions are as for ftp_mirror().
///
/// @param h the session, logged in.
/// @param local_dir the tree to send (bytes, as open(2) takes them).
/// @param remote_dir where it goes on the server (bytes as given; no CR/LF/NUL).
/// @param flags FTP_MIRROR_* values or'ed together, or 0.
/// @param skip NULL, or a NULL-terminated array of shell patterns to leave out.
/// @param callback hears of every step (may be NULL).
/// @param userdata passed to callback.
/// @param files_out receives the number of files transferred (may be NULL); written
///        also when the mirror went through with failures.
/// @param bytes_out receives the bytes transferred (may be NULL); likewise.
/// @return as ftp_mirror() (failures of single entries, such as a file the server
///         will not store or a local file that cannot be read, let it go on in the
///         same way); FTP_E_INVALID if local_dir is not a directory.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ftp_mirror_upload(
    h: *mut ftp_session,
    local_dir: *const c_char,
    remote_dir: *const c_char,
    flags: u32,
    skip: *const *const c_char,
    callback: ftp_mirror_cb,
    userdata: *mut c_void,
    files_out: *mut u64,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let local = Path::new(OsStr::from_bytes(bytes(local_dir, "local_dir")?));
        let remote = bytes(remote_dir, "remote_dir")?;
        let parallel = start(s);
        let opts = options(flags, skip, parallel)?;
        let mut f = sink(callback, UserData(userdata));
        let stats = s.ftp.mirror_upload(local, remote, &opts, &mut f)?;
        finish(s, stats, files_out, bytes_out)
    })
}

/// How many sessions ftp_mirror() and ftp_mirror_upload() on this session transfer
/// with at once. With 1 (the default) the session does everything itself; with N, it
/// opens up to N - 1 more sessions to the same server, with the same login and
/// settings (TLS configuration, with any verify callback in it, which is then called
/// from their threads; timeouts, passive mode, source address without its port: one
/// local port takes one connection to a server at a time), as files
/// need them, and closes them when the mirror returns. They list subdirectories ahead
/// of the walk and download or upload while this session walks the tree, then this
/// one transfers with them. Each opens its own TLS session (data connections resume
/// it, as servers that require reuse ask). A server that
/// refuses the extra connections (a per-address limit) leaves the work to the
/// sessions it took. Results, failures and callback calls (all on the calling
/// thread) are those of a mirror on one session; only their order differs (and, on a
/// local file system that ignores case, two new names differing only in case may both
/// be fetched into one file, where one session refuses the second). The other
/// sessions' commands do not appear in this session's protocol trace.
///
/// @param h the session.
/// @param sessions 1 to 64; 0 is taken as 1.
/// @return FTP_OK; FTP_E_INVALID above 64 (or one of the general errors, see the top
///         of this header).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_set_mirror_parallel(h: *mut ftp_session, sessions: u32) -> ftp_result {
    call(h, |s| {
        let n = usize::try_from(sessions).unwrap_or(usize::MAX);
        if n > crate::MAX_MIRROR_PARALLEL {
            let max = crate::MAX_MIRROR_PARALLEL;
            return Err(Error::Invalid(format!("{sessions} parallel sessions (at most {max})")).into());
        }
        s.mirror.parallel = n.max(1);
        Ok(())
    })
}

/// How many entries the last ftp_mirror() or ftp_mirror_upload() on this session could
/// not mirror (each reported to its callback as FTP_MIRROR_FAILED).
///
/// @param h the session.
/// @return the count; 0 before any mirror, or if h is NULL, in use by another thread
///         or the call comes from one of its callbacks.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mirror_failure_count(h: *const ftp_session) -> usize {
    inspect(h, 0, |s| s.mirror.failures.len())
}

/// One entry the last ftp_mirror() or ftp_mirror_upload() on this session could not
/// mirror, in the order the failures came.
///
/// @param h the session.
/// @param index 0 to ftp_mirror_failure_count() - 1.
/// @param path_out receives the entry's path relative to the mirrored directory ('/'-
///        separated bytes, NUL-terminated; may be NULL).
/// @param len_out receives the path's length in bytes (may be NULL).
/// @param code_out receives the failure's code, as a call failing with it would return
///        (FTP_E_PERM for a 550, FTP_E_IO for a local error...; may be NULL).
/// @param reply_code_out receives the server's reply code when a reply was the
///        failure, else 0 (may be NULL).
/// @return the failure's message ("server replied 550 ..."); it and the path are owned
///         by the session and valid until the next ftp_mirror(), ftp_mirror_upload()
///         or ftp_free() on it. NULL (and no output written) if index is out of range,
///         or h is NULL, in use by another thread or the call comes from one of its
///         callbacks.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_mirror_failure(
    h: *const ftp_session,
    index: usize,
    path_out: *mut *const c_char,
    len_out: *mut usize,
    code_out: *mut ftp_result,
    reply_code_out: *mut c_int,
) -> *const c_char {
    inspect(h, std::ptr::null(), |s| match s.mirror.failures.get(index) {
        Some(f) => {
            put(path_out, f.path.out(len_out));
            put(code_out, f.code);
            put(reply_code_out, f.reply_code);
            f.message.as_ptr()
        }
        None => std::ptr::null(),
    })
}
