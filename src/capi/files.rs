//! Whole-file transfers: to and from a path or an open file descriptor.

use super::args::{bytes, put, rest};
use super::handle::call;
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::{Error, FileOptions};
use std::ffi::{OsStr, c_char, c_int};
use std::fs::File;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Flag: continue a partial transfer (see ftp_retr_file() and ftp_stor_file()).
pub const FTP_FILE_RESUME: u32 = 1;
/// Flag: give the copy the original's modification time.
pub const FTP_FILE_PRESERVE_MTIME: u32 = 2;
/// Flag: download into "PATH.part" and rename it to PATH once complete (uploads since
/// 1.1 likewise go to "REMOTE.part" on the server: see ftp_stor_file()). A failed
/// download keeps the part for FTP_FILE_RESUME, unless nothing arrived. PATH.part is
/// the library's name: anything found there but a plain file with one link (a symbolic
/// or hard link, a FIFO) is removed and created afresh, never written through (a
/// directory there is FTP_E_IO).
pub const FTP_FILE_ATOMIC: u32 = 4;
/// Flag: check the final size against the server's (SIZE).
pub const FTP_FILE_VERIFY_SIZE: u32 = 8;
/// Flag, uploads only: send the file with APPE, so the server adds it to the end of
/// the remote file, creating it where missing (curl's --append, CURLOPT_APPEND).
pub const FTP_FILE_APPEND: u32 = 16;

pub(crate) fn options(flags: u32) -> Result<FileOptions, Failure> {
    let known = FTP_FILE_RESUME | FTP_FILE_PRESERVE_MTIME | FTP_FILE_ATOMIC | FTP_FILE_VERIFY_SIZE | FTP_FILE_APPEND;
    if flags & !known != 0 {
        return Err(Failure::Core(Error::Invalid(format!("unknown flags {:#x}", flags & !known))));
    }
    Ok(FileOptions {
        resume: flags & FTP_FILE_RESUME != 0,
        preserve_mtime: flags & FTP_FILE_PRESERVE_MTIME != 0,
        atomic: flags & FTP_FILE_ATOMIC != 0,
        verify_size: flags & FTP_FILE_VERIFY_SIZE != 0,
        append: flags & FTP_FILE_APPEND != 0,
    })
}

pub(crate) fn path<'a>(p: *const c_char, name: &'static str) -> Result<&'a Path, Failure> {
    Ok(Path::new(OsStr::from_bytes(bytes(p, name)?)))
}

/// The caller's descriptor as a File that is never closed here.
pub(crate) fn borrowed_file(fd: c_int) -> Result<ManuallyDrop<File>, Failure> {
    if fd < 0 {
        return Err(Failure::Core(Error::Invalid(format!("file descriptor {fd} is negative"))));
    }
    // SAFETY: the caller passes an open descriptor it keeps owning (contract); wrapping
    // it in ManuallyDrop means it is never closed by us.
    Ok(ManuallyDrop::new(unsafe { File::from_raw_fd(fd) }))
}

/// Downloads a file to a local path, in binary mode, with 64 KiB blocks.
///
/// FTP_FILE_RESUME continues from the local file's size (REST), or from "PATH.part"'s
/// with FTP_FILE_ATOMIC; a local file longer than the remote one is started again, one
/// of the same size is left as it is. REST must be answered 350 (FTP_E_REPLY otherwise,
/// before any byte moves; ftp_transfercmd(), like ftplib, takes any 2xx/3xx). The local
/// file is cut to the resume point only once the server sends, so a refused RETR leaves
/// it as it was (and removes it where this call created it). FTP_FILE_ATOMIC writes
/// "PATH.part" and renames it
/// to PATH at the end, so PATH never holds a partial file (a failed download leaves the
/// ".part" file for a later resume). A whole download (not a resume) shorter than the
/// size its 150 reply announced fails, whatever the final reply says (curl: "partial
/// file"). FTP_FILE_VERIFY_SIZE compares the result with the server's SIZE; a server
/// without SIZE fails it before anything moves. FTP_FILE_PRESERVE_MTIME sets the local
/// file's time from MDTM; a server without MDTM (500, 502, 504) leaves the time as it
/// is, as one without MFMT does for uploads. The progress callback, cancellation and
/// ftp_interrupt() apply as to ftp_retr_binary().
///
/// @param h the session.
/// @param remote the server's file (bytes as given; no CR/LF/NUL).
/// @param local_path where to write (bytes, as open(2) takes them); created if missing.
/// @param flags FTP_FILE_* values or'ed together, or 0.
/// @param bytes_out receives the bytes transferred (not those a resume kept); may be
///        NULL. Since 1.1 it is written on failure too (unlike other outputs): the
///        bytes that arrived and were written before the download failed or was
///        cancelled (0 if it failed before the transfer began).
/// @return FTP_OK; FTP_E_IO for local file errors (the message names the file); the
///         errors of ftp_retr_binary(), ftp_size() and ftp_mdtm(); FTP_E_PROTO if the
///         sizes differ after the download, or SIZE is missing for
///         FTP_FILE_VERIFY_SIZE; FTP_E_INVALID for unknown flags and for
///         FTP_FILE_APPEND.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_file(
    h: *mut ftp_session,
    remote: *const c_char,
    local_path: *const c_char,
    flags: u32,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let remote = bytes(remote, "remote")?;
        let local = path(local_path, "local_path")?;
        let opts = options(flags)?;
        let got = s.ftp.retr_file(remote, local, opts);
        put(bytes_out, *got.as_ref().unwrap_or(&s.ftp.last_transfer_bytes()));
        got?;
        Ok(())
    })
}

/// Uploads a local file, in binary mode, with 64 KiB blocks.
///
/// FTP_FILE_RESUME asks the server's size (SIZE) and sends the rest: REST + STOR where
/// the server lists "REST STREAM" in FEAT (REST must be answered 350, FTP_E_REPLY
/// otherwise), APPE otherwise; a remote file longer than
/// the local one is replaced, one of the same size left alone. FTP_FILE_VERIFY_SIZE
/// compares the server's SIZE afterwards. FTP_FILE_PRESERVE_MTIME sends the local
/// modification time with MFMT where the server lists MFMT (and does nothing where it
/// does not). FTP_FILE_ATOMIC (since 1.1; 1.0 ignored it on uploads) uploads to
/// "REMOTE.part" in the same directory, checks its size with SIZE (as
/// FTP_FILE_VERIFY_SIZE: a server without SIZE fails the call with FTP_E_PROTO), then
/// renames it onto REMOTE (RNFR/RNTO); a server that refuses (5xx) to rename onto an
/// existing file has the old REMOTE moved aside to "REMOTE.libftp-old", the rename done
/// again, and the old file deleted only then. So REMOTE is never a partial file, and
/// never lost: if the second rename fails, the old file is moved back and the call
/// fails with FTP_E_PROTO, the whole upload kept in "REMOTE.part" (as after a passing
/// 4xx refusal of the rename, returned as is). A failure or cancellation of the upload
/// itself deletes "REMOTE.part" (where the session can still send DELE), except with
/// FTP_FILE_RESUME when not cancelled: the next call then continues it. With FTP_FILE_APPEND
/// it is FTP_E_INVALID. FTP_FILE_APPEND sends the whole
/// file with APPE instead of STOR, so the server adds it to the end of `remote` (creating
/// it where missing); with FTP_FILE_VERIFY_SIZE the server must then hold the size it
/// had before (SIZE; 0 where it answered 550) plus the local file's, and a server that
/// gives no SIZE fails the call with FTP_E_PROTO before anything is sent. A failed size
/// check is reported after the bytes have been sent, for APPE as for STOR.
/// FTP_FILE_PRESERVE_MTIME gives the whole remote file the local file's time.
///
/// @param h the session.
/// @param local_path the file to send (bytes, as open(2) takes them).
/// @param remote the server's name for it (bytes as given; no CR/LF/NUL).
/// @param flags FTP_FILE_* values or'ed together, or 0.
/// @param bytes_out receives the bytes transferred; may be NULL.
/// @return FTP_OK; FTP_E_IO for local file errors (a directory is refused before any
///         command); the errors of ftp_stor_binary(),
///         ftp_size() and ftp_mfmt(); FTP_E_PROTO if the sizes differ afterwards;
///         FTP_E_INVALID for unknown flags, for FTP_FILE_APPEND with FTP_FILE_RESUME
///         (a resume picks its own command) or with FTP_FILE_ATOMIC, and for an atomic
///         upload to a path naming no file ("", "dir/"); with FTP_FILE_ATOMIC, the
///         errors of ftp_rename() and ftp_delete() for the final rename.
#[unsafe(no_mangle)]
pub extern "C" fn ftp_stor_file(
    h: *mut ftp_session,
    local_path: *const c_char,
    remote: *const c_char,
    flags: u32,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let local = path(local_path, "local_path")?;
        let remote = bytes(remote, "remote")?;
        let n = s.ftp.stor_file(local, remote, options(flags)?)?;
        put(bytes_out, n);
        Ok(())
    })
}

/// Downloads a file into an open file descriptor, writing at its current position
/// (REST `rest_offset` is sent when given: position the descriptor to match). Without
/// a rest_offset, a download shorter than the size its 150 reply announced fails with
/// FTP_E_PROTO, whatever the final reply says (curl: "partial file"); the bytes that
/// came stay written. REST must be answered 350 (FTP_E_REPLY otherwise, before any
/// byte moves), as for ftp_retr_file(). A descriptor opened O_NONBLOCK (Go's pipes
/// are) is waited for while it has no room, up to the data timeout (then
/// FTP_E_TIMEOUT); one opened read-only is refused before any command.
///
/// @param h the session.
/// @param remote the server's file (bytes as given; no CR/LF/NUL).
/// @param fd an open descriptor, writable; it stays open and the caller's.
/// @param rest_offset restart offset (>= 0), or FTP_NO_REST.
/// @param bytes_out receives the bytes transferred; may be NULL. Since 1.1 it is
///        written on failure too: the bytes written to fd before the download failed or
///        was cancelled (0 if it failed before the transfer began).
/// @return FTP_OK; FTP_E_IO for write errors, or an fd not open for writing;
///         FTP_E_INVALID for a negative fd; FTP_E_PROTO for a download short of its
///         announced size; FTP_E_REPLY for a REST not answered 350; the errors of
///         ftp_retr_binary().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_retr_fd(
    h: *mut ftp_session,
    remote: *const c_char,
    fd: c_int,
    rest_offset: i64,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let remote = bytes(remote, "remote")?;
        let rest = rest(rest_offset)?;
        let mut file = borrowed_file(fd)?;
        let got = s.ftp.retr_to(remote, &mut file, rest);
        put(bytes_out, *got.as_ref().unwrap_or(&s.ftp.last_transfer_bytes()));
        got?;
        Ok(())
    })
}

/// Uploads from an open file descriptor, from its current position to its end
/// (REST `rest_offset` + STOR when rest_offset is given). The descriptor is not
/// moved first: with a rest_offset, position it there yourself (lseek), or the
/// bytes from where it is go to the server's offset. REST must be answered 350
/// (FTP_E_REPLY otherwise, before any byte moves). A descriptor opened O_NONBLOCK is
/// waited for while it has nothing to give, up to the data timeout (then
/// FTP_E_TIMEOUT); a directory, or one opened write-only, is refused before any
/// command, so the remote file is left as it was.
///
/// @param h the session.
/// @param fd an open descriptor, readable; it stays open and the caller's.
/// @param remote the server's name for the file (bytes as given; no CR/LF/NUL).
/// @param rest_offset restart offset (>= 0), or FTP_NO_REST.
/// @param bytes_out receives the bytes transferred; may be NULL.
/// @return FTP_OK; FTP_E_IO for read errors, or an fd not open for reading;
///         FTP_E_INVALID for a negative fd; FTP_E_REPLY for a REST not answered 350;
///         the errors of ftp_stor_binary().
#[unsafe(no_mangle)]
pub extern "C" fn ftp_stor_fd(
    h: *mut ftp_session,
    fd: c_int,
    remote: *const c_char,
    rest_offset: i64,
    bytes_out: *mut u64,
) -> ftp_result {
    call(h, |s| {
        let remote = bytes(remote, "remote")?;
        let rest = rest(rest_offset)?;
        let mut file = borrowed_file(fd)?;
        let n = s.ftp.stor_from_file(&mut file, remote, rest)?;
        put(bytes_out, n);
        Ok(())
    })
}
