//! Batches: many whole-file transfers run over a pool by several threads.

use super::args::{UserData, bytes, c_string, put};
use super::files::{borrowed_file, options, path};
use super::handle::{Guard, Handle, LastErrorRef, Object, call, create, free, inspect, last_error_exclusive, shared};
use super::pool::ftp_pool;
use super::result::{Failure, ftp_result};
use crate::{Batch, BatchFlow, BatchItem, BatchProgress, Direction, Error, FileOptions, Local};
use std::ffi::{CString, c_char, c_int, c_void};
use std::time::Duration;

/// A queue of downloads and uploads run over a pool (ftp_batch_run()), and afterwards
/// each item's result. Opaque; create with ftp_batch_new(), destroy with
/// ftp_batch_free(). Like a session, one thread at a time uses it (FTP_E_BUSY from
/// another thread while one is inside, ftp_batch_run() included); it may move between
/// threads. To stop a running batch from another thread use ftp_pool_interrupt() on
/// its pool, or cancel from its progress callback.
pub struct ftp_batch {
    guard: Guard<BatchState>,
}

impl Handle for ftp_batch {
    type State = BatchState;
    fn guard(&self) -> &Guard<BatchState> {
        &self.guard
    }
}

pub(crate) struct BatchState {
    batch: Batch,
    last_error: CString,
    /// Each item's failure message after a run ("" for a success).
    messages: Vec<CString>,
}

impl Object for BatchState {
    const NAME: &'static str = "batch";
    fn last_error(&mut self) -> Option<&mut CString> {
        Some(&mut self.last_error)
    }
}

impl LastErrorRef for BatchState {
    fn last_error_ref(&self) -> &CString {
        &self.last_error
    }
}

/// ftp_batch_cb return value: go on.
pub const FTP_BATCH_CONTINUE: c_int = 0;
/// ftp_batch_cb return value: stop this file (it fails with FTP_E_CANCELLED, the
/// others go on).
pub const FTP_BATCH_CANCEL_FILE: c_int = 1;
/// ftp_batch_cb return value (as is any other non-zero value but
/// FTP_BATCH_CANCEL_FILE): stop every file in progress and start no more; each fails
/// with FTP_E_CANCELLED.
// For C callers; the library reads any other value the same way.
#[allow(dead_code)]
pub const FTP_BATCH_CANCEL: c_int = 2;

/// Receives a batch's progress: for the file `index` (in the order added), `bytes`
/// moved so far in its current attempt and `total` expected (-1 when unknown);
/// `finished` is 0 while it runs, then once 1 (done) or -1 (failed; its result says
/// why) with bytes and total 0 and -1; for the batch, `files_done` of `files_total`
/// items ended and `batch_bytes` moved in all. Returns FTP_BATCH_CONTINUE,
/// FTP_BATCH_CANCEL_FILE (ignored in a finished report) or FTP_BATCH_CANCEL.
/// Called from the batch's worker threads, never two calls at once. It must not call
/// ftp_batch_* on its batch (FTP_E_BUSY) and must not unwind (longjmp); it may call
/// ftp_pool_interrupt().
pub type ftp_batch_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        index: usize,
        bytes: u64,
        total: i64,
        finished: c_int,
        files_done: usize,
        files_total: usize,
        batch_bytes: u64,
    ) -> c_int,
>;

/// Creates an empty batch over a pool. The batch holds on to what it needs of the
/// pool: it stays usable if the pool handle is freed first.
///
/// @param pool the pool its items run over.
/// @param batch_out receives the batch on success (required); free it with ftp_batch_free().
/// @return FTP_OK; FTP_E_NULL if pool or batch_out is NULL (the message is
///         ftp_pool_last_error()'s).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_new(pool: *mut ftp_pool, batch_out: *mut *mut ftp_batch) -> ftp_result {
    shared(pool, |p| {
        if batch_out.is_null() {
            return Err(Failure::Null("batch_out"));
        }
        let state =
            BatchState { batch: Batch::new(p.pool.clone()), last_error: CString::default(), messages: Vec::new() };
        let handle = create(|| ftp_batch { guard: Guard::new(state) });
        if handle.is_null() {
            return Err(Error::Invalid("internal error while making the batch".into()).into());
        }
        put(batch_out, handle);
        Ok(())
    })
}

/// Frees a batch. From its own callback, or while another thread runs it, it is freed
/// when ftp_batch_run() returns.
///
/// @param b the batch, or NULL; invalid afterwards.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_free(b: *mut ftp_batch) {
    free(b)
}

fn add(s: &mut BatchState, item: BatchItem, index: *mut usize) -> Result<(), Failure> {
    let i = s.batch.add(item);
    if !index.is_null() {
        put(index, i);
    }
    Ok(())
}

/// Queues a transfer to or from a duplicate of `fd` (the caller keeps its own), with the
/// default options: the `_fd` variants of ftp_batch_add_download/upload.
fn add_fd(
    s: &mut BatchState,
    direction: Direction,
    remote: *const c_char,
    fd: c_int,
    index: *mut usize,
) -> Result<(), Failure> {
    let remote = bytes(remote, "remote")?.to_vec();
    let file = borrowed_file(fd)?.try_clone().map_err(|e| Error::io(format!("duplicate descriptor {fd}"), e))?;
    add(s, BatchItem { direction, remote, local: Local::File(file), options: FileOptions::default() }, index)
}

/// Queues the download of `remote` into the file at `local_path`, done as
/// ftp_retr_file() does with `flags` (FTP_FILE_RESUME, FTP_FILE_ATOMIC,
/// FTP_FILE_PRESERVE_MTIME, FTP_FILE_VERIFY_SIZE). Use FTP_FILE_ATOMIC so that a
/// failed download never looks complete; a retry after a dropped connection continues
/// the part already written (see ftp_batch_set_retries()).
///
/// @param b the batch.
/// @param remote the server's file (bytes as given; no CR/LF/NUL).
/// @param local_path where to write (bytes, as open(2) takes them).
/// @param flags FTP_FILE_* values or'ed together, or 0.
/// @param index receives the item's index (0 for the first added), or NULL.
/// @return FTP_OK; FTP_E_INVALID for unknown flags or FTP_FILE_APPEND; FTP_E_NULL if
///         b, remote or local_path is NULL; FTP_E_BUSY while the batch runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_add_download(
    b: *mut ftp_batch,
    remote: *const c_char,
    local_path: *const c_char,
    flags: u32,
    index: *mut usize,
) -> ftp_result {
    call(b, |s| {
        let remote = bytes(remote, "remote")?.to_vec();
        let local = Local::Path(path(local_path, "local_path")?.to_path_buf());
        let opts = options(flags)?;
        if opts.append {
            return Err(Error::Invalid("FTP_FILE_APPEND applies to uploads only".into()).into());
        }
        add(s, BatchItem { direction: Direction::Download, remote, local, options: opts }, index)
    })
}

/// Queues the download of `remote` into an open descriptor, written from its position
/// when the batch runs (as ftp_retr_fd() with no REST). The descriptor is duplicated
/// now (the copy shares its file position) and the copy closed when the batch is
/// freed: the caller keeps and closes its own. A retry after a dropped connection
/// continues with REST from what was written, where the descriptor can seek.
///
/// @param b the batch.
/// @param remote the server's file (bytes as given; no CR/LF/NUL).
/// @param fd a descriptor open for writing.
/// @param index receives the item's index, or NULL.
/// @return FTP_OK; FTP_E_INVALID for a negative fd; FTP_E_IO if it cannot be
///         duplicated; FTP_E_NULL if b or remote is NULL; FTP_E_BUSY while the batch
///         runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_add_download_fd(
    b: *mut ftp_batch,
    remote: *const c_char,
    fd: c_int,
    index: *mut usize,
) -> ftp_result {
    call(b, |s| add_fd(s, Direction::Download, remote, fd, index))
}

/// Queues the upload of the file at `local_path` to `remote`, done as ftp_stor_file()
/// does with `flags` (FTP_FILE_RESUME, FTP_FILE_PRESERVE_MTIME, FTP_FILE_VERIFY_SIZE,
/// FTP_FILE_APPEND, FTP_FILE_ATOMIC: through "REMOTE.part", so a failed upload never
/// replaces REMOTE). A retry after a dropped connection resumes what an earlier attempt
/// sent (REST+STOR), or starts over if none was sent; an append is not sent twice.
///
/// @param b the batch.
/// @param local_path the file to send (bytes, as open(2) takes them).
/// @param remote the server's name for it (bytes as given; no CR/LF/NUL).
/// @param flags FTP_FILE_* values or'ed together, or 0.
/// @param index receives the item's index, or NULL.
/// @return FTP_OK; FTP_E_INVALID for unknown flags; FTP_E_NULL if b, local_path or
///         remote is NULL; FTP_E_BUSY while the batch runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_add_upload(
    b: *mut ftp_batch,
    local_path: *const c_char,
    remote: *const c_char,
    flags: u32,
    index: *mut usize,
) -> ftp_result {
    call(b, |s| {
        let local = Local::Path(path(local_path, "local_path")?.to_path_buf());
        let remote = bytes(remote, "remote")?.to_vec();
        let opts = options(flags)?;
        add(s, BatchItem { direction: Direction::Upload, remote, local, options: opts }, index)
    })
}

/// Queues the upload of what an open descriptor holds from its position when the batch
/// runs (as ftp_stor_fd() with no REST). Duplicated as in ftp_batch_add_download_fd().
/// A retry after a dropped connection sends it whole again (STOR), where the
/// descriptor can seek back.
///
/// @param b the batch.
/// @param fd a descriptor open for reading.
/// @param remote the server's name for it (bytes as given; no CR/LF/NUL).
/// @param index receives the item's index, or NULL.
/// @return FTP_OK; FTP_E_INVALID for a negative fd; FTP_E_IO if it cannot be
///         duplicated; FTP_E_NULL if b or remote is NULL; FTP_E_BUSY while the batch
///         runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_add_upload_fd(
    b: *mut ftp_batch,
    fd: c_int,
    remote: *const c_char,
    index: *mut usize,
) -> ftp_result {
    call(b, |s| add_fd(s, Direction::Upload, remote, fd, index))
}

/// Sets the progress callback (see ftp_batch_cb), called at most every `interval_ms`
/// per file while it moves, and once when each file ends.
///
/// @param b the batch.
/// @param callback the callback, or NULL for none.
/// @param userdata passed to callback as its first argument, from the worker threads.
/// @param interval_ms the least time between two reports of one file; 0 reports after
///        every block.
/// @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_set_progress_callback(
    b: *mut ftp_batch,
    callback: ftp_batch_cb,
    userdata: *mut c_void,
    interval_ms: u32,
) -> ftp_result {
    call(b, |s| {
        let ud = UserData(userdata);
        let sink = callback.map(|cb| -> crate::BatchSink {
            Box::new(move |p: &BatchProgress| {
                let ud: UserData = ud;
                let total = p.total.and_then(|t| i64::try_from(t).ok()).unwrap_or(-1);
                let finished = match (p.finished, p.ok) {
                    (false, _) => 0,
                    (true, true) => 1,
                    (true, false) => -1,
                };
                // SAFETY: the caller's callback with its own userdata (contract).
                let rc =
                    unsafe { cb(ud.0, p.index, p.bytes, total, finished, p.files_done, p.files_total, p.batch_bytes) };
                match rc {
                    FTP_BATCH_CONTINUE => BatchFlow::Continue,
                    FTP_BATCH_CANCEL_FILE => BatchFlow::CancelFile,
                    _ => BatchFlow::CancelBatch,
                }
            })
        });
        s.batch.set_progress(sink);
        s.batch.options.progress_interval = Duration::from_millis(u64::from(interval_ms));
        Ok(())
    })
}

/// Sets how many items run at once, each on a session of its own from the pool. The
/// default, 0, is the pool's maximum number of sessions; a server that allows fewer
/// connections makes the workers share the sessions it allows.
///
/// @param b the batch.
/// @param workers the number of worker threads, or 0.
/// @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_set_workers(b: *mut ftp_batch, workers: u32) -> ftp_result {
    call(b, |s| {
        s.batch.options.workers = workers as usize;
        Ok(())
    })
}

/// Whether the first failing item stops the batch (no further items start; they fail
/// with FTP_E_CANCELLED). Off by default: a failing file does not stop the others.
///
/// @param b the batch.
/// @param stop true to stop at the first failure.
/// @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_set_stop_on_error(b: *mut ftp_batch, stop: bool) -> ftp_result {
    call(b, |s| {
        s.batch.options.stop_on_error = stop;
        Ok(())
    })
}

/// Sets how many times an item is tried again after a transient failure: its
/// connection dropped (421, reset, end of file, timeout; then on another session) or
/// its data connection failed (425, 426; on the same session). A download continues
/// where it stopped (REST), an upload resumes what the server holds. The default is 1.
///
/// @param b the batch.
/// @param retries the number of further attempts, 0 for none.
/// @return FTP_OK; FTP_E_NULL if b is NULL; FTP_E_BUSY while the batch runs.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_set_retries(b: *mut ftp_batch, retries: u32) -> ftp_result {
    call(b, |s| {
        s.batch.options.retries = retries;
        Ok(())
    })
}

/// Runs every item not yet done (those not run, and those that failed in an earlier
/// run) and waits for them: up to ftp_batch_set_workers() at once over the pool's
/// sessions. Each item then has its own result (ftp_batch_result()). Blocks the
/// calling thread; the progress callback runs on the worker threads.
///
/// @param b the batch.
/// @return FTP_OK if every item succeeded; otherwise the result of the first item (in
///         index order) that failed, and the last error says how many failed
///         (FTP_E_CANCELLED after a cancel from the callback, FTP_E_INTERRUPTED
///         after ftp_pool_interrupt(), the connect error when the pool could not open
///         a single session); FTP_E_NULL if b is NULL; FTP_E_BUSY if another thread
///         runs or changes it, the batch's own progress callback included (it runs on
///         the worker threads, never on the thread that called ftp_batch_run(), so
///         a call on the batch from it is refused as busy, not as recursive).
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_run(b: *mut ftp_batch) -> ftp_result {
    call(b, |s| {
        let summary = s.batch.run();
        s.messages = (0..s.batch.len())
            .map(|i| match s.batch.result(i) {
                Some(Err(e)) => c_string(e.to_string()),
                _ => CString::default(),
            })
            .collect();
        let first = (0..s.batch.len()).find_map(|i| match s.batch.result(i) {
            Some(Err(e)) => Some((i, e)),
            _ => None,
        });
        match first {
            None => Ok(()),
            Some((i, e)) => {
                let failed = summary.failed + summary.skipped;
                let message = format!("{failed} of {} items failed; the first, item {i}: {e}", s.batch.len());
                Err(Failure::Summary(e.kind().into(), message))
            }
        }
    })
}

/// The number of items queued.
///
/// @param b the batch, or NULL.
/// @return the count; 0 if b is NULL, running, or in a getter on another thread.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_len(b: *const ftp_batch) -> usize {
    inspect(b, 0, |s| s.batch.len())
}

/// An item's result after ftp_batch_run().
///
/// @param b the batch.
/// @param index the item's index, below ftp_batch_len().
/// @param bytes receives the bytes the item moved (not counting what a resume kept),
///        or NULL; written only for FTP_OK.
/// @return FTP_OK if the item succeeded, else its failure's code (FTP_E_CANCELLED for
///         one cancelled or never started); FTP_E_STATE if it has not run yet;
///         FTP_E_INVALID if index is out of range; FTP_E_NULL if b is NULL;
///         FTP_E_BUSY while the batch runs (its progress callback included) or another
///         thread is in a getter on it.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_result(b: *const ftp_batch, index: usize, bytes: *mut u64) -> ftp_result {
    inspect(b, if b.is_null() { ftp_result::FTP_E_NULL } else { ftp_result::FTP_E_BUSY }, |s| {
        if index >= s.batch.len() {
            return ftp_result::FTP_E_INVALID;
        }
        match s.batch.result(index) {
            None => ftp_result::FTP_E_STATE,
            Some(Ok(n)) => {
                if !bytes.is_null() {
                    put(bytes, *n);
                }
                ftp_result::FTP_OK
            }
            Some(Err(e)) => e.kind().into(),
        }
    })
}

/// An item's failure message after ftp_batch_run() ("" for a success), e.g. "server
/// replied 550 No such file".
///
/// @param b the batch.
/// @param index the item's index.
/// @return a NUL-terminated string owned by the batch, valid until its next
///         ftp_batch_run() or ftp_batch_free(); NULL if b is NULL, running or in a
///         getter on another thread, index is out of range or the item has not run.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_message(b: *const ftp_batch, index: usize) -> *const c_char {
    inspect(b, std::ptr::null(), |s| s.messages.get(index).map_or(std::ptr::null(), |m| m.as_ptr()))
}

/// A human message for the batch's last failed call ("" after a success), e.g. "3 of
/// 1000 items failed; the first, item 17: server replied 550 ...".
///
/// @param b the batch.
/// @return a NUL-terminated string owned by the batch, valid until its next call;
///         NULL if b is NULL, running or in a getter on another thread.
/// @since 1.1
#[unsafe(no_mangle)]
pub extern "C" fn ftp_batch_last_error(b: *const ftp_batch) -> *const c_char {
    last_error_exclusive(b)
}
