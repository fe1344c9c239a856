//! Segmented download: one large file over several connections at once.

use super::args::{bytes, put};
use super::files::{options, path};
use super::handle::call;
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::{Error, SegmentOptions};
use std::ffi::c_char;

/// The most segments ftp_retr_file_segmented() takes.
pub const FTP_MAX_SEGMENTS: u32 = 64;

/// Downloads a file to a local path over up to `segments` connections at once (lftp's
/// `pget -n`), for servers that limit each connection's rate and for long fat links.
///
/// SIZE (and MDTM for FTP_FILE_PRESERVE_MTIME) first, on h. The file is then split
/// into up to `segments` segments of at least 1 MiB each; h fetches one, and the
/// others go to new sessions opened with h's connection parameters (host, port, login,
/// TLS mode and settings, timeouts, passive or active mode, source address (without
/// its port: only one connection at a time can come from one local port to one
/// server), keep-alive and tuning: as ftp_connect() and ftp_login() last succeeded on
/// h), which
/// start in h's directory when `remote` is relative. Each segment is REST to its start,
/// RETR, its bytes written at their offset into "PATH.part", then ABOR once its end has
/// come (the session stays usable; one whose ABOR got an odd reply is not used again);
/// the last segment reads to the end of the file. A segment that fails (a connection
/// the server drops, a refused RETR) is tried again on a new session, up to three
/// times, while the others go on; a server that refuses more connections leaves the
/// work to those it accepted. Once every byte is there the part file's size is
/// checked and it is renamed to PATH: a download that fails or is cancelled never
/// leaves a complete-looking PATH (FTP_FILE_ATOMIC is implied).
///
/// "PATH.segments", a small text file beside the part file, records what each segment
/// has written; it is synced with the part file about once a second and removed at the
/// end. With FTP_FILE_RESUME a later call fetches only what it says is missing (a
/// part file without one, from ftp_retr_file(), counts as complete from its start up
/// to its length); without it, both are started afresh.
///
/// One plain download instead (as ftp_retr_file() with FTP_FILE_ATOMIC): `segments`
/// 1, a file under 2 MiB, a server that gives no SIZE, and one that does not list
/// "REST STREAM" in FEAT (where a part file a segmented run left is started again).
///
/// The progress callback of h reports the whole file (bytes moved in this call, of
/// the total missing), from the calling thread; a non-zero return cancels every
/// segment (FTP_E_CANCELLED), as ftp_interrupt() on h does (FTP_E_INTERRUPTED). h's
/// log callback sees h's commands only, and is called from a thread of the library's
/// while this call runs (h's segment runs there), possibly at the same time as the
/// progress callback on the calling thread: userdata the two share needs a lock, and
/// a call into h from the log callback gets FTP_E_BUSY. The extra sessions have no
/// progress or log callback, and quit at the end; but they copy h's TLS
/// configuration, so its certificate verify callback (ftp_tls_config_set_verify_cb())
/// runs in their handshakes, on their threads, possibly several at once.
///
/// @param h the session, connected and logged in.
/// @param remote the server's file (bytes as given; no CR/LF/NUL).
/// @param local_path where to write (bytes, as open(2) takes them).
/// @param segments how many segments, and connections at most (h included): 1 to
///        FTP_MAX_SEGMENTS.
/// @param flags FTP_FILE_RESUME, FTP_FILE_PRESERVE_MTIME, FTP_FILE_ATOMIC (always in
///        effect) and FTP_FILE_VERIFY_SIZE (always in effect for a segmented
///        download; for the plain one as in ftp_retr_file()) or'ed together, or 0.
/// @param bytes_out receives the bytes transferred (not those a resume kept); may be NULL.
/// @return FTP_OK; FTP_E_STATE if h was never connected; FTP_E_INVALID for
///         `segments` 0 or over FTP_MAX_SEGMENTS, unknown flags and FTP_FILE_APPEND;
///         FTP_E_IO for local file errors (the message names the file);
///         FTP_E_CANCELLED and FTP_E_INTERRUPTED as above (the part and state files
///         stay for FTP_FILE_RESUME); FTP_E_PROTO if bytes are missing at the end;
///         otherwise the error of the segment that failed for the last time, or of the
///         last connection that could not be opened (the errors of ftp_connect(),
///         ftp_login(), ftp_retr_file(), ftp_size() and ftp_mdtm()). h may be closed
///         afterwards if the server dropped it (FTP_E_STATE on the next call).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_file_segmented(
    h: *mut ftp_session,
    remote: *const c_char,
    local_path: *const c_char,
    segments: u32,
    flags: u32,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let remote = bytes(remote, "remote")?;
        let local = path(local_path, "local_path")?;
        let opts = options(flags)?;
        if segments == 0 || segments > FTP_MAX_SEGMENTS {
            return Err(Failure::Core(Error::Invalid(format!("segments is {segments} (1 to {FTP_MAX_SEGMENTS})"))));
        }
        let seg = SegmentOptions { segments: segments as usize, ..SegmentOptions::default() };
        let n = s.ftp.retr_file_segmented(remote, local, opts, seg)?;
        put(bytes_out, n);
        Ok(())
    })
}
