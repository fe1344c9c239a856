//! Remote trees: a walk that reports every entry under a directory, and a recursive
//! remove built on it.

use super::args::{UserData, bytes};
use super::handle::call;
use super::listing::ftp_entry;
use super::result::{Failure, ftp_result};
use super::session::ftp_session;
use crate::{Flow, Refusal};
use std::ffi::{c_char, c_int, c_void};

/// ftp_walk_cb flag: the entry's name cannot be one path component ("", ".", "..", or
/// holding '/', '\\', NUL, CR or LF): `path` is its parent's path and the name as
/// listed, not a path to use, and nothing is done with it.
pub const FTP_WALK_UNSAFE_NAME: u32 = 1;
/// ftp_walk_cb flag: a directory whose MLSD "unique" id is that of a directory above
/// it (a link shown as a directory): reported, not entered.
pub const FTP_WALK_LOOP: u32 = 2;

/// Receives one entry of a walk, valid only during the call: `path` (`path_len` bytes,
/// then a NUL; the bytes may hold a NUL of their own only with FTP_WALK_UNSAFE_NAME) is
/// the root joined with the names below it by '/', `depth` is 1 for the root's own
/// entries, `entry` holds the type and facts (ftp_entry_* getters), and `flags` is 0 or
/// FTP_WALK_UNSAFE_NAME or FTP_WALK_LOOP. Return 0 to go on, non-zero to stop the walk
/// (FTP_E_CANCELLED). Must not call into the session (FTP_E_RECURSIVE).
pub type ftp_walk_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        path: *const c_char,
        path_len: usize,
        depth: u32,
        entry: *const ftp_entry,
        flags: u32,
    ) -> c_int,
>;

/// Walks the tree under a directory: lists it (as ftp_list(): MLSD, else LIST) and
/// calls `callback` with each entry ("." and ".." left out), a directory before its
/// contents, then walks each subdirectory the same way. Symbolic links the server
/// shows as links are reported (FTP_ENTRY_LINK), never followed; a server that follows
/// them itself (pyftpdlib's MLSD lists a link to a directory as a directory) has that
/// walked as a directory. A directory with the MLSD "unique" id of one above
/// it is reported with FTP_WALK_LOOP and not entered; a name that is not a plain file
/// name is reported with FTP_WALK_UNSAFE_NAME and not used (as ftp_mirror() refuses
/// it). One listing is held in memory at a time per level.
///
/// @param h the session.
/// @param path the root directory (bytes as given; no CR/LF/NUL), or NULL or "" for
///        the working directory (paths passed to callback are then relative to it).
/// @param max_depth how deep to go: 1 lists the root only, 2 its subdirectories too, and
///        so on; 0 for no limit but 100 levels, deeper than which the walk fails with
///        FTP_E_PROTO (a loop, most likely).
/// @param callback receives each entry (required).
/// @param userdata passed to callback as its first argument.
/// @return FTP_OK; FTP_E_CANCELLED if callback returned non-zero (the session stays
///         usable); FTP_E_PROTO for a tree deeper than 100 levels with max_depth 0;
///         the errors of ftp_list() for each directory listed (FTP_E_PERM for a root
///         the server does not have); FTP_E_NULL if callback is NULL.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_walk(
    h: *mut ftp_session,
    path: *const c_char,
    max_depth: u32,
    callback: ftp_walk_cb,
    userdata: *mut c_void,
) -> ftp_result {
    call(h, |s| {
        let cb = callback.ok_or(Failure::Null("callback"))?;
        let ud = UserData(userdata);
        let root = super::args::opt_bytes(path).unwrap_or_default();
        let max_depth = (max_depth > 0).then_some(max_depth as usize);
        s.ftp.walk(root, max_depth, |w| {
            let entry = ftp_entry::new(w.entry);
            let mut path = w.path.to_vec();
            path.push(0);
            let flags = match w.refused {
                None => 0,
                Some(Refusal::UnsafeName) => FTP_WALK_UNSAFE_NAME,
                Some(Refusal::Loop) => FTP_WALK_LOOP,
            };
            let depth = u32::try_from(w.depth).unwrap_or(u32::MAX);
            // SAFETY: the caller's callback, its userdata, a path and an entry valid
            // for the call.
            let stop = unsafe { cb(ud.0, path.as_ptr().cast(), w.path.len(), depth, &entry, flags) };
            if stop == 0 { Flow::Continue(()) } else { Flow::Break(()) }
        })?;
        Ok(())
    })
}

/// Removes a directory and everything under it: a walk (as ftp_walk()) that deletes
/// each file and link with DELE as it is met (a link is deleted, never followed, and
/// before the other entries of its directory: some servers refuse DELE of a link whose
/// target is gone) and each directory with RMD once emptied, then `path` itself. Each
/// directory is sent
/// DELE first and entered only when that is refused, so a link a server lists as a
/// directory is deleted as the link it is, never emptied. It stops at the first
/// failure, leaving removed what was removed: an entry the walk refuses (an unsafe name,
/// a loop) or a LIST line in no known format stops it before the directory holding it
/// would be removed.
///
/// @param h the session.
/// @param path the directory to remove (bytes as given; no CR/LF/NUL); "", "/", "."
///        and other spellings of the root or the current directory ("./", "/.") are
///        refused.
/// @return FTP_OK; FTP_E_PERM (or FTP_E_TEMP) for a refused DELE, RMD or listing, with
///         that reply in ftp_session_last_reply(); FTP_E_PROTO for an entry refused as
///         above (the message names it); FTP_E_INVALID for those refused paths; the errors of
///         ftp_list().
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_remove_tree(h: *mut ftp_session, path: *const c_char) -> ftp_result {
    call(h, |s| {
        s.ftp.remove_tree(bytes(path, "path")?)?;
        Ok(())
    })
}
