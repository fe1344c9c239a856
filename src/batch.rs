//! Many whole-file transfers run over a pool: downloads and uploads queued with their
//! `FileOptions`, done by up to N workers (one pooled session each), one progress
//! callback for every file and the batch, and a result per item.

use crate::error::{Error, ErrorKind, Result};
use crate::files::FileOptions;
use crate::pool::{Pool, PooledFtp};
use crate::progress::{Flow, Progress};
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which way an item goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Download,
    Upload,
}

/// The local side of an item.
#[derive(Debug)]
pub enum Local {
    /// A file by name, transferred with `Ftp::retr_file` / `Ftp::stor_file`.
    Path(PathBuf),
    /// An open file (or pipe), read or written from its current position.
    File(File),
}

/// One queued transfer.
#[derive(Debug)]
pub struct BatchItem {
    pub direction: Direction,
    pub remote: Vec<u8>,
    pub local: Local,
    pub options: FileOptions,
}

/// What the progress callback says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFlow {
    Continue,
    /// Stop this file (it fails with `Error::Cancelled`); the others go on.
    CancelFile,
    /// Stop every file in progress and start no more (`Error::Cancelled` for each).
    CancelBatch,
}

/// One progress report: a file's and the batch's.
#[derive(Debug, Clone, Copy)]
pub struct BatchProgress<'a> {
    /// The item's index (in the order added).
    pub index: usize,
    pub remote: &'a [u8],
    /// Bytes of this file moved in its current attempt (after a resume offset).
    pub bytes: u64,
    /// This file's bytes expected in the current attempt, when known.
    pub total: Option<u64>,
    /// The file ended (the report is its last); `ok` says how.
    pub finished: bool,
    pub ok: bool,
    /// Items finished in all (with success or not), and the number of items.
    pub files_done: usize,
    pub files_total: usize,
    /// Bytes moved by the whole batch so far.
    pub batch_bytes: u64,
}

/// The progress callback. Calls never overlap (they are serialized), but they come
/// from the batch's worker threads.
pub type BatchSink = Box<dyn FnMut(&BatchProgress) -> BatchFlow + Send>;

/// How a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Workers, each with a session of its own (0: the pool's `max_sessions`).
    pub workers: usize,
    /// Stop starting new items after the first failure.
    pub stop_on_error: bool,
    /// Times an item is tried again, on another session, after its connection failed
    /// (421, reset, end of file, timeout), or on the same session after its data
    /// connection failed (425, 426): a download continues where it stopped, an upload
    /// too (resume semantics). Other failures are not retried.
    pub retries: u32,
    /// The shortest time between two progress reports of one file.
    pub progress_interval: Duration,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            workers: 0,
            stop_on_error: false,
            retries: 1,
            progress_interval: crate::progress::DEFAULT_PROGRESS_INTERVAL,
        }
    }
}

/// A queue of transfers over a pool, and afterwards their results.
pub struct Batch {
    pool: Pool,
    items: Vec<Mutex<BatchItem>>,
    results: Vec<Option<Result<u64>>>,
    sink: Option<BatchSink>,
    pub options: BatchOptions,
}

/// What `Batch::run` did in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub ok: usize,
    pub failed: usize,
    /// Items never started (after a cancel, an interrupt or with `stop_on_error`).
    pub skipped: usize,
    /// Attempts made again after a connection failure.
    pub retried: usize,
    pub bytes: u64,
}

/// Shared by the workers of one run (and by the progress sinks of its attempts, which
/// live in the sessions and so hold it by `Arc`).
struct Run {
    next: AtomicUsize,
    stop: AtomicBool,
    cancelled: AtomicBool,
    done: AtomicUsize,
    bytes: AtomicU64,
    retried: AtomicUsize,
    /// Workers that got a session and have not ended: they will do the items left.
    holding: AtomicUsize,
    files_total: usize,
    sink: Mutex<Option<BatchSink>>,
    results: Mutex<Vec<Option<Result<u64>>>>,
    epoch: u64,
}

impl Run {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Calls the batch's callback (one call at a time).
    fn report(&self, report: &BatchProgress) -> BatchFlow {
        let answer = match self.sink.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            Some(sink) => sink(report),
            None => BatchFlow::Continue,
        };
        if answer == BatchFlow::CancelBatch {
            self.cancelled.store(true, Ordering::SeqCst);
            self.stop.store(true, Ordering::SeqCst);
        }
        answer
    }
}

/// A data connection the server could not open or lost (425, 426) on a session that
/// is still usable: worth another attempt on the same session.
fn data_failed(e: &Error) -> bool {
    matches!(e, Error::Temp(r) if matches!(r.code, 425 | 426))
}

/// A failure that comes from the connection, not from the file: worth another session.
fn transient(e: &Error) -> bool {
    match e {
        Error::Temp(r) => r.code == 421,
        Error::Abandoned { cleanup, .. } => transient(cleanup),
        _ => {
            matches!(e.kind(), ErrorKind::Closed | ErrorKind::Timeout)
                || matches!(e, Error::Io { source, .. } if matches!(source.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::UnexpectedEof))
        }
    }
}

impl Batch {
    pub fn new(pool: Pool) -> Batch {
        Batch { pool, items: Vec::new(), results: Vec::new(), sink: None, options: BatchOptions::default() }
    }

    /// Queues an item; returns its index.
    pub fn add(&mut self, item: BatchItem) -> usize {
        self.items.push(Mutex::new(item));
        self.results.push(None);
        self.items.len() - 1
    }

    /// Queues the download of `remote` into the file at `local`.
    pub fn add_download(&mut self, remote: impl AsRef<[u8]>, local: impl Into<PathBuf>, options: FileOptions) -> usize {
        let local = Local::Path(local.into());
        self.add(BatchItem { direction: Direction::Download, remote: remote.as_ref().to_vec(), local, options })
    }

    /// Queues the upload of the file at `local` to `remote`. With `options.atomic` the
    /// upload goes to "NAME.part" on the server and is renamed to NAME once complete,
    /// so a failed upload never replaces NAME.
    pub fn add_upload(&mut self, local: impl Into<PathBuf>, remote: impl AsRef<[u8]>, options: FileOptions) -> usize {
        let local = Local::Path(local.into());
        self.add(BatchItem { direction: Direction::Upload, remote: remote.as_ref().to_vec(), local, options })
    }

    /// The pool the batch runs over.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Reports progress to `sink` (None: no reports).
    pub fn set_progress(&mut self, sink: Option<BatchSink>) {
        self.sink = sink;
    }

    /// An item's result after `run`: bytes moved, or why it failed. None for an index
    /// out of range or an item not run.
    pub fn result(&self, index: usize) -> Option<&Result<u64>> {
        self.results.get(index).and_then(Option::as_ref)
    }

    /// The remote path of an item.
    pub fn remote(&self, index: usize) -> Option<Vec<u8>> {
        self.items.get(index).map(|i| i.lock().unwrap_or_else(|p| p.into_inner()).remote.clone())
    }

    /// Runs every item not run yet (or failed in an earlier run) and returns the
    /// summary; the calling thread waits for the workers. An item that was skipped
    /// (cancel, interrupt, stop_on_error) fails with `Error::Cancelled` or
    /// `Error::Interrupted`.
    pub fn run(&mut self) -> BatchSummary {
        let todo: Vec<usize> = (0..self.items.len()).filter(|&i| !matches!(self.results[i], Some(Ok(_)))).collect();
        // No more workers than the pool can give sessions to now: a worker waiting for
        // a session would only sit there (or time out).
        let workers = match self.options.workers {
            0 => self.pool.options().max_sessions,
            n => n,
        }
        .min(self.pool.stats().limit)
        .clamp(1, todo.len().max(1));
        let run = Arc::new(Run {
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            done: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            retried: AtomicUsize::new(0),
            holding: AtomicUsize::new(0),
            files_total: todo.len(),
            sink: Mutex::new(self.sink.take()),
            results: Mutex::new(std::mem::take(&mut self.results)),
            epoch: self.pool.epoch(),
        });
        for &i in &todo {
            run.results.lock().unwrap_or_else(|p| p.into_inner())[i] = None;
        }
        let (pool, options, items, todo_ref) = (&self.pool, self.options, &self.items, &todo);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let run = Arc::clone(&run);
                scope.spawn(move || worker(pool, &run, items, todo_ref, options));
            }
        });
        self.sink = run.sink.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.results = std::mem::take(&mut *run.results.lock().unwrap_or_else(|p| p.into_inner()));
        let mut summary = BatchSummary {
            retried: run.retried.load(Ordering::SeqCst),
            bytes: run.bytes.load(Ordering::SeqCst),
            ..BatchSummary::default()
        };
        let interrupted = self.pool.interrupted_since(run.epoch);
        for &i in &todo {
            match &self.results[i] {
                Some(Ok(_)) => summary.ok += 1,
                Some(Err(_)) => summary.failed += 1,
                None => {
                    summary.skipped += 1;
                    let why = if interrupted { Error::Interrupted } else { Error::Cancelled };
                    self.results[i] = Some(Err(why));
                }
            }
        }
        summary
    }
}

fn worker(pool: &Pool, run: &Arc<Run>, items: &[Mutex<BatchItem>], todo: &[usize], options: BatchOptions) {
    let mut session: Option<PooledFtp> = None;
    let mut active = false;
    work(pool, run, items, todo, options, &mut session, &mut active);
    if active {
        run.holding.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes a session for a worker: `Ok(None)` when the worker should end without taking
/// an item (nothing left, or no session came free while other workers have theirs and
/// will do the items); `Err` when the item to claim fails with that error.
fn take_session(
    pool: &Pool,
    run: &Run,
    todo: &[usize],
    active: &mut bool,
) -> std::result::Result<Option<PooledFtp>, Error> {
    if run.next.load(Ordering::SeqCst) >= todo.len() {
        return Ok(None);
    }
    match pool.get() {
        Ok(s) => {
            if !*active {
                *active = true;
                run.holding.fetch_add(1, Ordering::SeqCst);
            }
            Ok(Some(s))
        }
        Err(Error::Timeout(_)) | Err(Error::Interrupted)
            if run.holding.load(Ordering::SeqCst) > usize::from(*active) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn work(
    pool: &Pool,
    run: &Arc<Run>,
    items: &[Mutex<BatchItem>],
    todo: &[usize],
    options: BatchOptions,
    session: &mut Option<PooledFtp>,
    active: &mut bool,
) {
    loop {
        if run.stopped() || pool.interrupted_since(run.epoch) {
            return;
        }
        // A session first, then an item: an item is never claimed by a worker that
        // then waits (and times out) for a session.
        let mut no_session = None;
        if session.is_none() {
            match take_session(pool, run, todo, active) {
                Ok(Some(s)) => *session = Some(s),
                Ok(None) => return,
                Err(e) => no_session = Some(e),
            }
        }
        let slot = run.next.fetch_add(1, Ordering::SeqCst);
        let Some(&index) = todo.get(slot) else { return };
        let mut item = items[index].lock().unwrap_or_else(|p| p.into_inner());
        // Where an open file stood before the first attempt: a retry continues from it.
        let start = match &mut item.local {
            Local::File(f) => f.stream_position().ok(),
            Local::Path(_) => None,
        };
        let mut attempt = 0;
        // Whether an attempt moved bytes: only then has the item something to resume
        // (or, for an append, something the server already appended).
        let mut moved = false;
        let result = loop {
            if let Some(e) = no_session.take() {
                break Err(e);
            }
            let mut ftp = match session.take() {
                Some(s) => s,
                None => match pool.get() {
                    Ok(s) => s,
                    Err(e) => break Err(e),
                },
            };
            let this = Attempt {
                again: (attempt > 0).then_some(start),
                resume: moved,
                progressed: Arc::new(AtomicBool::new(false)),
            };
            let outcome = transfer(&mut ftp, run, index, &mut item, &this, options);
            moved |= this.progressed.load(Ordering::SeqCst);
            if ftp.is_usable() {
                *session = Some(ftp);
            } else {
                ftp.discard();
            }
            // A file stopped here (cancelled, interrupted) whose ending then cost the
            // connection (netkit ends the session on a reset data connection) is
            // still stopped here: that is its result, and it is not tried again.
            let outcome = match outcome {
                Err(Error::Abandoned { first, .. }) if matches!(*first, Error::Cancelled | Error::Interrupted) => {
                    Err(*first)
                }
                other => other,
            };
            let append = item.direction == Direction::Upload && item.options.append;
            match outcome {
                // An append that sent bytes is never sent again: the server may hold
                // any part of them, and a second APPE would add them twice.
                Err(e)
                    if attempt < options.retries
                        && (transient(&e) || data_failed(&e))
                        && !run.stopped()
                        && !(append && moved) =>
                {
                    attempt += 1;
                    run.retried.fetch_add(1, Ordering::SeqCst);
                    // Another session after a connection failure: this one may be the
                    // one the server dropped.
                    if transient(&e) {
                        if let Some(s) = session.take() {
                            s.discard();
                        }
                    }
                }
                other => break other,
            }
        };
        let remote = item.remote.clone();
        drop(item);
        let ok = result.is_ok();
        let cancelled_file = matches!(result, Err(Error::Cancelled));
        run.results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(result);
        let files_done = run.done.fetch_add(1, Ordering::SeqCst) + 1;
        if !ok && options.stop_on_error && !cancelled_file {
            run.stop.store(true, Ordering::SeqCst);
        }
        run.report(&BatchProgress {
            index,
            remote: &remote,
            bytes: 0,
            total: None,
            finished: true,
            ok,
            files_done,
            files_total: run.files_total,
            batch_bytes: run.bytes.load(Ordering::SeqCst),
        });
    }
}

/// What one attempt at an item starts from, and what it did.
struct Attempt {
    /// A retry, with where an open file stood before the first attempt.
    again: Option<Option<u64>>,
    /// An earlier attempt moved bytes: this one resumes from what they left.
    resume: bool,
    /// Set once this attempt's transfer moves a byte.
    progressed: Arc<AtomicBool>,
}

/// One attempt at one item on one session.
fn transfer(
    ftp: &mut PooledFtp,
    run: &Arc<Run>,
    index: usize,
    item: &mut BatchItem,
    attempt: &Attempt,
    options: BatchOptions,
) -> Result<u64> {
    if run.stopped() {
        return Err(Error::Cancelled);
    }
    // This attempt's progress sink: forwards to the batch's callback, counts the
    // batch's bytes, and stops the file or the batch when asked to.
    let remote = item.remote.clone();
    let shared = Arc::clone(run);
    let mut last = 0u64;
    let seen = Arc::clone(&attempt.progressed);
    let (again, resume) = (attempt.again, attempt.resume);
    let sink = move |p: &Progress| -> Flow {
        if p.bytes > 0 {
            seen.store(true, Ordering::SeqCst);
        }
        let delta = p.bytes.saturating_sub(last);
        last = p.bytes;
        let batch_bytes = shared.bytes.fetch_add(delta, Ordering::SeqCst) + delta;
        if shared.cancelled.load(Ordering::SeqCst) {
            return Flow::Break(());
        }
        let answer = shared.report(&BatchProgress {
            index,
            remote: &remote,
            bytes: p.bytes,
            total: p.total,
            finished: false,
            ok: false,
            files_done: shared.done.load(Ordering::SeqCst),
            files_total: shared.files_total,
            batch_bytes,
        });
        match answer {
            BatchFlow::Continue => Flow::Continue(()),
            BatchFlow::CancelFile | BatchFlow::CancelBatch => Flow::Break(()),
        }
    };
    ftp.set_progress(Some(Box::new(sink)), options.progress_interval);
    let result = match (item.direction, &mut item.local) {
        (Direction::Download, Local::Path(local)) => {
            let mut opts = item.options;
            // A retry continues the part (or the file) an earlier attempt wrote to; where
            // none moved a byte nothing was written, and what is there (an old file, an
            // old part) is not this download's: it starts over, truncating it.
            opts.resume |= resume;
            ftp.retr_file(&item.remote, local, opts)
        }
        (Direction::Download, Local::File(file)) => match again {
            None => ftp.retr_to(&item.remote, file, None),
            Some(start) => download_again(ftp, &item.remote, file, start),
        },
        (Direction::Upload, Local::Path(local)) => upload(ftp, local, &item.remote, item.options, resume),
        (Direction::Upload, Local::File(file)) => match again {
            None => ftp.stor_from_file(file, &item.remote, None),
            // The whole upload again (STOR replaces what the cut one left).
            Some(Some(start)) => file
                .seek(SeekFrom::Start(start))
                .map_err(|e| Error::io("seek in the input file", e))
                .and_then(|_| ftp.stor_from_file(file, &item.remote, None)),
            Some(None) => Err(Error::State("the upload was cut short and its input cannot seek to start again".into())),
        },
    };
    ftp.set_progress(None, options.progress_interval);
    result
}

/// A download into an open file, again after a connection failure: REST from what the
/// failed attempt wrote. A descriptor that cannot seek (a pipe) goes again only if
/// nothing reached it.
fn download_again(ftp: &mut PooledFtp, remote: &[u8], file: &mut File, start: Option<u64>) -> Result<u64> {
    match (start, file.stream_position().ok()) {
        (Some(start), Some(now)) if now > start => ftp.retr_to(remote, file, Some(now - start)),
        (Some(start), Some(now)) if now == start => ftp.retr_to(remote, file, None),
        _ => Err(Error::State("the download was cut short and its output cannot seek to resume".into())),
    }
}

/// An upload; with `atomic`, through "NAME.part" and a rename (`Ftp::stor_file`'s
/// atomic upload), so a failure never leaves NAME replaced. `resume`: an earlier
/// attempt moved bytes, so this one resumes (REST STOR or APPE) from what the server
/// holds; else it starts over (STOR replaces whatever is there). An append is never
/// retried once it moved bytes (see `work`).
fn upload(ftp: &mut PooledFtp, local: &Path, remote: &[u8], options: FileOptions, resume: bool) -> Result<u64> {
    let mut opts = options;
    opts.resume |= resume && !opts.append;
    ftp.stor_file(local, remote, opts)
}
