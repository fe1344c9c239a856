//! Segmented download of one large file over several connections (lftp's `pget -n`):
//! SIZE first, the file split into segments, each fetched on a session of its own with
//! REST to its start and ABOR once its last byte has come, written with pwrite into one
//! "NAME.part" file that is renamed to NAME when complete. A small state file beside it
//! ("NAME.segments") records what each segment has written, so an interrupted download
//! resumes only what is missing.

use crate::control::{check_line, verb_line};
use crate::error::{Error, ErrorKind, Result};
use crate::files::{FileOptions, open_ours, part_path, system_time};
use crate::filetime::FileTime;
use crate::interrupt::Interrupter;
pub use crate::opening::SessionSource;
use crate::progress::{Flow, Progress, ProgressSink};
use crate::session::Ftp;
use crate::transfer::{Start, Step};
use crate::zerocopy::{self, MoveError};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How a segmented download splits the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentOptions {
    /// How many segments (and connections at most, the calling session included).
    pub segments: usize,
    /// The smallest segment worth a connection of its own: a file smaller than two of
    /// them is one plain download, and a larger one gets fewer segments where needed.
    pub min_segment: u64,
    /// How often one segment may fail and be tried again on a fresh session before the
    /// download fails.
    pub retries: u32,
}

/// Four segments, of at least 1 MiB each, each retried up to three times.
impl Default for SegmentOptions {
    fn default() -> SegmentOptions {
        SegmentOptions { segments: 4, min_segment: 1 << 20, retries: 3 }
    }
}

/// How long a cancelled segmented download lets the caller's own session stop between
/// two blocks before its data connection is cut.
const CALLER_STOP_GRACE: Duration = Duration::from_secs(5);

/// The most segments one download takes.
pub const MAX_SEGMENTS: usize = 64;

/// The first line of a state file; another one is not ours (or from another version).
const STATE_HEADER: &str = "libftp-segments 1";

/// How often the state file is brought up to date (after the part file is synced).
const STATE_INTERVAL: Duration = Duration::from_secs(1);

/// How often the calling thread looks at the workers, progress and interrupts.
const TICK: Duration = Duration::from_millis(20);

/// The read buffer of each segment (TLS, or where zero-copy does not apply).
const SEGMENT_BLOCK: usize = 128 * 1024;

/// One segment: the bytes [start, end) of the file, of which the first `done` are
/// written.
struct Segment {
    start: u64,
    end: u64,
    done: AtomicU64,
}

impl Segment {
    fn new(start: u64, end: u64, done: u64) -> Segment {
        Segment { start, end, done: AtomicU64::new(done.min(end - start)) }
    }

    fn left(&self) -> u64 {
        self.end - self.start - self.done.load(Ordering::Acquire)
    }
}

/// "NAME.segments" beside `local`.
fn state_path(local: &Path) -> Result<PathBuf> {
    let Some(name) = local.file_name() else {
        return Err(Error::Invalid(format!("{} names no file to download into", local.display())));
    };
    let mut name = name.to_os_string();
    name.push(".segments");
    Ok(local.with_file_name(name))
}

/// Reads a state file for a file of `size` bytes: the segments it lists, or None
/// where it is missing, not ours, or for another size.
fn read_state(path: &Path, size: u64) -> Option<Vec<Segment>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != STATE_HEADER {
        return None;
    }
    let size_line = lines.next()?;
    if size_line.strip_prefix("size ")?.parse::<u64>().ok()? != size {
        return None;
    }
    let mut segments = Vec::new();
    let mut expect = 0;
    for line in lines {
        let mut f = line.split(' ').map(str::parse::<u64>);
        let (Some(Ok(start)), Some(Ok(end)), Some(Ok(done)), None) = (f.next(), f.next(), f.next(), f.next()) else {
            return None;
        };
        // Segments tile the file in order, none empty.
        if start != expect || end <= start || end > size || done > end - start {
            return None;
        }
        expect = end;
        segments.push(Segment::new(start, end, done));
    }
    (expect == size && !segments.is_empty()).then_some(segments)
}

/// Writes the state: the part file first synced, so the state never claims bytes the
/// disk may not hold; then the state written beside and renamed over the old one.
fn save_state(path: &Path, part: &File, size: u64, segments: &[Segment]) -> Result<()> {
    let done: Vec<u64> = segments.iter().map(|s| s.done.load(Ordering::Acquire)).collect();
    part.sync_data().map_err(|e| Error::io("sync the part file", e))?;
    let mut text = format!("{STATE_HEADER}\nsize {size}\n");
    for (s, d) in segments.iter().zip(done) {
        text.push_str(&format!("{} {} {d}\n", s.start, s.end));
    }
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let write = || -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_data()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| Error::io(format!("write the state file {}", path.display()), e))
}

/// Splits [from, size) into at most `n` segments of at least `min` bytes (the last
/// may be shorter); [0, from) is one done segment.
fn split(from: u64, size: u64, n: usize, min: u64) -> Vec<Segment> {
    let mut segments = Vec::new();
    if from > 0 {
        segments.push(Segment::new(0, from, from));
    }
    let len = size - from;
    let n = (len / min.max(1)).clamp(1, n.max(1) as u64);
    let each = len / n;
    let mut start = from;
    for i in 0..n {
        let end = if i + 1 == n { size } else { start + each };
        if end > start {
            segments.push(Segment::new(start, end, 0));
        }
        start = end;
    }
    segments
}

/// Where the sessions opened here go before a relative path: the caller's working
/// directory, which its own session asks for (PWD) while the others log in.
enum Dir {
    Pending,
    Known(Vec<u8>),
    /// The caller's session could not say (the download stops).
    Unknown,
}

/// The segments not yet done, and who works on what.
struct Queue {
    pending: VecDeque<usize>,
    in_flight: usize,
    failures: Vec<u32>,
    /// Workers that can still take a segment.
    alive: usize,
    /// The download ends: the first error that ended it.
    stop: Option<Error>,
    /// The caller's directory, for `remote` relative to it.
    dir: Dir,
}

/// What the workers share.
struct Shared<'a> {
    remote: &'a [u8],
    /// `remote` is relative: a session opened here changes to the caller's directory
    /// first, unless both are where their login put them (`caller_home`).
    relative: bool,
    caller_home: bool,
    /// MDTM is asked for (by the caller's session, as the others log in), and its answer.
    want_mtime: bool,
    mtime: Mutex<Option<FileTime>>,
    file: &'a File,
    size: u64,
    segments: &'a [Segment],
    retries: u32,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Set to cancel every segment (the workers look between blocks).
    cancel: AtomicBool,
    /// The interrupters of the sessions opened here, to stop them at once.
    opened: Mutex<Vec<Interrupter>>,
    moved: AtomicU64,
    source: &'a dyn SessionSource,
}

impl Shared<'_> {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends the download with `why` (the first reason stays) and wakes everyone.
    fn stop(&self, why: Error) {
        let mut q = self.queue();
        q.stop.get_or_insert(why);
        self.cancel.store(true, Ordering::SeqCst);
        drop(q);
        self.wake.notify_all();
        for i in self.opened.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            i.interrupt_transfer();
        }
    }

    /// The next segment to fetch; None when there is none left or the download stops.
    fn next(&self) -> Option<usize> {
        let mut q = self.queue();
        loop {
            if q.stop.is_some() {
                return None;
            }
            if let Some(i) = q.pending.pop_front() {
                q.in_flight += 1;
                return Some(i);
            }
            if q.in_flight == 0 {
                return None;
            }
            q = self.wake.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Segment `i` is done, or failed with `error` (tried again while retries last).
    fn finished(&self, i: usize, error: Option<Error>) {
        let mut q = self.queue();
        q.in_flight -= 1;
        if let Some(e) = error {
            q.failures[i] += 1;
            if q.failures[i] > self.retries || matches!(e.kind(), ErrorKind::Cancelled | ErrorKind::Interrupted) {
                drop(q);
                return self.stop(e);
            }
            q.pending.push_back(i);
        }
        drop(q);
        self.wake.notify_all();
    }

    /// Segment `i` could not start (no session, `why`): back to the queue for another
    /// worker, and this worker ends. The last one to end so stops the download.
    fn give_back(&self, i: usize, why: Error) {
        let mut q = self.queue();
        q.in_flight -= 1;
        q.alive -= 1;
        q.pending.push_front(i);
        if q.alive == 0 {
            q.stop.get_or_insert(why);
        }
        drop(q);
        self.wake.notify_all();
    }

    /// A fresh session, in the caller's directory where a relative path needs it.
    fn open(&self) -> Result<Ftp> {
        let mut ftp = self.source.open()?;
        if self.relative && !(self.caller_home && ftp.at_login_dir()) {
            let changed = match self.caller_dir() {
                Some(dir) => ftp.cwd(dir).map(drop),
                None => Err(Error::Cancelled),
            };
            if let Err(e) = changed {
                self.source.release(ftp);
                return Err(e);
            }
        }
        self.opened.lock().unwrap_or_else(|p| p.into_inner()).push(ftp.interrupter());
        Ok(ftp)
    }

    /// The caller's directory once its session has it; None if it cannot say or the
    /// download stops.
    fn caller_dir(&self) -> Option<Vec<u8>> {
        let mut q = self.queue();
        loop {
            match &q.dir {
                Dir::Known(d) => return Some(d.clone()),
                Dir::Unknown => return None,
                Dir::Pending if q.stop.is_some() => return None,
                Dir::Pending => q = self.wake.wait(q).unwrap_or_else(|p| p.into_inner()),
            }
        }
    }

    /// What the caller's session asks before its first segment, while the sessions
    /// opened here log in: MDTM where wanted, and PWD for a relative path (those
    /// sessions wait for it). A failure stops the download.
    fn prepare(&self, ftp: &mut Ftp) {
        let asked = (|| {
            if self.want_mtime {
                let t = match ftp.mdtm(self.remote) {
                    Ok(t) => Some(t),
                    Err(Error::Perm(r)) if matches!(r.code, 500 | 502 | 504) => None,
                    Err(e) => return Err(e),
                };
                *self.mtime.lock().unwrap_or_else(|p| p.into_inner()) = t;
            }
            if self.relative { ftp.pwd().map(Some) } else { Ok(None) }
        })();
        match asked {
            Ok(dir) => {
                if let Some(dir) = dir {
                    self.queue().dir = Dir::Known(dir);
                    self.wake.notify_all();
                }
            }
            Err(e) => {
                self.queue().dir = Dir::Unknown;
                self.stop(e);
            }
        }
    }

    /// Whether no segment waits for a session: the one now ended leaves nothing for
    /// its session to do (one that fails later is tried again on a fresh session).
    fn nothing_waits(&self) -> bool {
        self.queue().pending.is_empty()
    }
}

/// How one segment ended.
enum Fetched {
    /// Every byte is written; the session is still usable or not.
    Done {
        usable: bool,
    },
    Failed(Error),
}

/// Fetches what is missing of segment `seg` on `ftp`: REST to the first missing byte,
/// RETR, its bytes written at their offsets, then ABOR once the segment's end has come
/// (the last segment reads to the end of the file instead). A session that is
/// `disposable` (opened here, not a pool's) hangs up instead of aborting when no
/// segment waits for it: the download then ends two round trips sooner.
fn fetch(ftp: &mut Ftp, shared: &Shared<'_>, seg: &Segment, buf: &mut [u8], disposable: bool) -> Fetched {
    let mut pos = seg.start + seg.done.load(Ordering::Acquire);
    if pos >= seg.end {
        return Fetched::Done { usable: ftp.is_usable() };
    }
    let last = seg.end == shared.size;
    let mut reached = false;
    let cmd = verb_line("RETR", shared.remote);
    let start = Start::whole_file((pos > 0).then_some(pos), Some(shared.size));
    let mut splicer = match ftp.opts.zero_copy_download && zerocopy::splice_target(shared.file) {
        true => zerocopy::Splicer::new().ok(),
        false => None,
    };
    let result = ftp.download(&cmd, start, None, |conn| {
        if shared.cancel.load(Ordering::Relaxed) {
            return Step::Stop(Error::Cancelled);
        }
        let left = seg.end - pos;
        if left == 0 && !last {
            reached = true;
            if disposable && shared.nothing_waits() {
                return Step::HangUp(Error::Cancelled);
            }
            return Step::Stop(Error::Cancelled);
        }
        // The last segment reads on to the end of the file: one byte more than it
        // needs tells the end (0) from a file that grew.
        let want = usize::try_from(left).unwrap_or(usize::MAX).max(1);
        let at = pos;
        let moved = match (&mut splicer, conn.plain_tcp()) {
            (Some(s), Some(sock)) => match s.step_at(sock, shared.file, want, &mut pos) {
                Ok(n) => {
                    if s.refused() {
                        splicer = None;
                    }
                    Ok(n)
                }
                Err(MoveError::Socket(e)) => return Step::DataFailed(e),
                Err(MoveError::File(e)) => return Step::Stop(Error::io("write the part file", e)),
            },
            _ => {
                let cap = want.min(buf.len());
                match conn.read_batched(&mut buf[..cap]) {
                    Ok(n) => match shared.file.write_all_at(&buf[..n], pos) {
                        Ok(()) => {
                            pos += n as u64;
                            Ok(n)
                        }
                        Err(e) => return Step::Stop(Error::io("write the part file", e)),
                    },
                    Err(e) => Err(e),
                }
            }
        };
        match moved {
            Ok(0) if left == 0 => Step::End,
            Ok(0) => Step::Stop(Error::Proto(format!(
                "the data connection ended at byte {pos}, before the segment's end at {}",
                seg.end
            ))),
            Ok(n) if n as u64 > left => {
                Step::Stop(Error::Proto(format!("the file grew past the {} bytes SIZE gave", shared.size)))
            }
            Ok(n) => {
                debug_assert_eq!(pos, at + n as u64);
                seg.done.fetch_add(n as u64, Ordering::Release);
                shared.moved.fetch_add(n as u64, Ordering::Relaxed);
                Step::Moved(n)
            }
            Err(e) => Step::DataFailed(e),
        }
    });
    // What an ABOR gets when all is well: 225/226, a 426/451 for the transfer it
    // stopped, or pure-ftpd's 1xx summary. Another reply: the session is not trusted on.
    let settled = || ftp.last_reply().is_some_and(|r| r.class() == 1 || matches!(r.code, 225 | 226 | 426 | 451));
    match result {
        Ok(_) => Fetched::Done { usable: ftp.is_usable() },
        Err(Error::Cancelled) if reached => Fetched::Done { usable: ftp.is_usable() && settled() },
        Err(Error::Abandoned { first, .. }) if reached && matches!(*first, Error::Cancelled) => {
            Fetched::Done { usable: false }
        }
        Err(e) => Fetched::Failed(e),
    }
}

/// The session a worker uses: the caller's, or one opened here.
enum Session<'a> {
    Caller(&'a mut Ftp),
    Opened(Box<Ftp>),
    None,
}

/// One worker: takes segments until none is left, on its session, replacing it with a
/// fresh one after a failure.
fn work(shared: &Shared<'_>, mut session: Session<'_>) {
    if let Session::Caller(ftp) = &mut session {
        shared.prepare(ftp);
    }
    let mut buf = vec![0u8; SEGMENT_BLOCK];
    while let Some(i) = shared.next() {
        if matches!(session, Session::None) {
            match shared.open() {
                Ok(ftp) => session = Session::Opened(Box::new(ftp)),
                Err(e) => {
                    // Another worker takes the segment; where none is left the
                    // download ends with this error.
                    return shared.give_back(i, e);
                }
            }
        }
        let disposable = matches!(session, Session::Opened(_)) && !shared.source.reuses();
        let ftp = match &mut session {
            Session::Caller(f) => &mut **f,
            Session::Opened(f) => f,
            Session::None => unreachable!("opened above"),
        };
        match fetch(ftp, shared, &shared.segments[i], &mut buf, disposable) {
            Fetched::Done { usable } => {
                if !usable {
                    end_session(shared, &mut session);
                }
                shared.finished(i, None);
            }
            Fetched::Failed(e) => {
                // The caller's session stays as the failure left it; ours is dropped.
                end_session(shared, &mut session);
                shared.finished(i, Some(e));
            }
        }
    }
    end_session(shared, &mut session);
}

/// Leaves a worker's session: one opened here goes back to its source, usable or not
/// (a pool's place is never lost); the caller's stays the caller's.
fn end_session(shared: &Shared<'_>, session: &mut Session<'_>) {
    if let Session::Opened(ftp) = std::mem::replace(session, Session::None) {
        shared.source.release(*ftp);
    }
}

impl Ftp {
    /// Downloads `remote` into `local` over up to `seg.segments` connections at once:
    /// this session and others opened from its connection parameters
    /// (`connect_params`). See `retr_segmented_with`.
    pub fn retr_file_segmented(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: &Path,
        opts: FileOptions,
        seg: SegmentOptions,
    ) -> Result<u64> {
        let params = self.connect_params().ok_or_else(|| Error::State("not connected".into()))?;
        self.retr_segmented_with(remote, local, opts, seg, &params)
    }

    /// Downloads `remote` into `local` in segments, like lftp's `pget -n`: SIZE (and
    /// MDTM for `preserve_mtime`) on this session, then the file split into up to
    /// `seg.segments` segments of at least `seg.min_segment` bytes, fetched at once on
    /// this session and on sessions `more` gives (REST to each segment's start, ABOR
    /// after its end, which keeps the session usable), each written at its offset into
    /// "LOCAL.part". "LOCAL.segments", a small text file beside it, records what each
    /// segment has written (synced with the part file about once a second), so a later
    /// call with `opts.resume` fetches only what is missing; it is removed at the end.
    /// Once every byte is there the part file is renamed to LOCAL: a failed or
    /// cancelled download never leaves a complete-looking LOCAL (`opts.atomic` is
    /// implied). A segment that fails is tried again on a fresh session, up to
    /// `seg.retries` times, while the others go on; sessions `more` cannot give leave
    /// the work to fewer connections.
    ///
    /// One plain `retr_file` (atomic) instead: a server that gives no SIZE, or that does
    /// not list "REST STREAM" in FEAT (a part file a segmented run left is then
    /// started again), and, unless a resume finds a state file, a file smaller than two
    /// `min_segment`s or `segments` 1. `segments` must be 1 to `MAX_SEGMENTS`.
    ///
    /// Progress goes to this session's progress sink, for the whole file: bytes moved in
    /// this call, of those missing. A `Flow::Break` from it cancels every segment
    /// (`Error::Cancelled`), as an interrupt of this session does (`Error::Interrupted`).
    /// This session fetches its segments on a thread of its own (its log sink is called
    /// there); the progress sink is called on the calling thread. A relative `remote`
    /// is found in this session's directory (the others change to it first). Returns the bytes transferred (not those a resume kept). This session
    /// is left as its last segment left it: usable, unless the server dropped it.
    pub fn retr_segmented_with(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: &Path,
        opts: FileOptions,
        seg: SegmentOptions,
        more: &dyn SessionSource,
    ) -> Result<u64> {
        let remote = remote.as_ref();
        check_line("path", remote)?;
        if opts.append {
            return Err(Error::Invalid("appending applies to uploads only".into()));
        }
        if seg.segments == 0 || seg.segments > MAX_SEGMENTS {
            return Err(Error::Invalid(format!("{} segments (1 to {MAX_SEGMENTS})", seg.segments)));
        }
        let part = part_path(local)?;
        let state = state_path(local)?;
        let single = FileOptions { atomic: true, ..opts };
        let Some(size) = self.size(remote)? else {
            return self.retr_file(remote, local, single);
        };
        let saved = if opts.resume { read_state(&state, size) } else { None };
        if saved.is_none() && state.exists() {
            // A state file that does not fit (another size, damaged): the part file
            // beside it has holes nobody knows of. Both go.
            let _ = std::fs::remove_file(&part);
        }
        if !self.features()?.has("REST STREAM") {
            // One stream from the start: a part file a segmented run left has holes.
            if saved.is_some() {
                let _ = std::fs::remove_file(&part);
            }
            let _ = std::fs::remove_file(&state);
            return self.retr_file(remote, local, single);
        }
        if saved.is_none() {
            let _ = std::fs::remove_file(&state);
            if seg.segments == 1 || size < 2 * seg.min_segment.max(1) {
                return self.retr_file(remote, local, single);
            }
        }
        let file = open_ours(&part)?;
        let have = file.metadata().map_err(|e| Error::io(format!("stat {}", part.display()), e))?.len();
        let segments = match saved {
            Some(s) if have == size => s,
            _ => {
                // Without a state file a part file is whole from its start (a
                // one-stream download's), as `retr_file` takes it.
                let from = if opts.resume && have <= size { have } else { 0 };
                split(from, size, seg.segments, seg.min_segment)
            }
        };
        // The state first: a part file of the full size with no state beside it
        // would pass for complete.
        save_state(&state, &file, size, &segments)?;
        if have != size {
            file.set_len(size).map_err(|e| Error::io(format!("size {}", part.display()), e))?;
        }
        let (moved, mtime) =
            self.fetch_segments(remote, opts.preserve_mtime, &file, size, &segments, seg, more, &state)?;
        let holds = file.metadata().map_err(|e| Error::io(format!("stat {}", part.display()), e))?.len();
        let missing: u64 = segments.iter().map(Segment::left).sum();
        if holds != size || missing != 0 {
            return Err(Error::Proto(format!(
                "{} holds {holds} bytes with {missing} missing after the download, the server says {size}",
                part.display()
            )));
        }
        if let Some(t) = mtime {
            set_mtime(&file, t, &part)?;
        }
        drop(file);
        // The state goes first: a part file without one is taken as complete up to
        // its length by a resume, which it is.
        let _ = std::fs::remove_file(&state);
        std::fs::rename(&part, local).map_err(|e| Error::io(format!("rename to {}", local.display()), e))?;
        Ok(moved)
    }

    /// Runs the workers and reports progress until every segment is done or the
    /// download stops; the state file is kept up to date meanwhile and at the end.
    /// Returns the bytes moved and, with `want_mtime`, the file's modification time.
    #[allow(clippy::too_many_arguments)]
    fn fetch_segments(
        &mut self,
        remote: &[u8],
        want_mtime: bool,
        file: &File,
        size: u64,
        segments: &[Segment],
        seg: SegmentOptions,
        more: &dyn SessionSource,
        state: &Path,
    ) -> Result<(u64, Option<FileTime>)> {
        let pending: VecDeque<usize> = (0..segments.len()).filter(|&i| segments[i].left() > 0).collect();
        let workers = pending.len().min(seg.segments);
        let total: u64 = segments.iter().map(Segment::left).sum();
        let shared = Shared {
            remote,
            relative: !remote.starts_with(b"/"),
            caller_home: self.at_login_dir(),
            want_mtime,
            mtime: Mutex::new(None),
            file,
            size,
            segments,
            retries: seg.retries,
            queue: Mutex::new(Queue {
                pending,
                in_flight: 0,
                failures: vec![0; segments.len()],
                alive: workers,
                stop: None,
                dir: Dir::Pending,
            }),
            wake: Condvar::new(),
            cancel: AtomicBool::new(false),
            opened: Mutex::new(Vec::new()),
            moved: AtomicU64::new(0),
            source: more,
        };
        let interrupter = self.interrupter();
        // As a transfer starts: an interrupt left from before is forgotten, unless the
        // caller marks its calls and this one was interrupted already.
        if interrupter.transfer_starts() {
            return Err(Error::Interrupted);
        }
        let mut sink = self.progress.take();
        let interval = self.progress_interval;
        let started = Instant::now();
        let mut reporter = Reporter { sink: sink.as_mut(), interval, started, last: None, total };
        let mut saved_at = Instant::now();
        let mut save_error = None;
        // A first report before any byte, as a transfer's: a caller may cancel at once.
        if reporter.report(0, true).is_break() {
            self.progress = sink;
            return Err(Error::Cancelled);
        }
        std::thread::scope(|scope| {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let mut running = 0;
            let mut caller = Some(&mut *self);
            for _ in 0..workers {
                let tx = done_tx.clone();
                let shared = &shared;
                let session = caller.take().map_or(Session::None, Session::Caller);
                running += 1;
                scope.spawn(move || {
                    work(shared, session);
                    let _ = tx.send(());
                });
            }
            drop(done_tx);
            // When a cancel came: the caller's own session is left to stop between two
            // blocks and ABOR in step; its data connection is cut only if it is still
            // at it after CALLER_STOP_GRACE (a stalled transfer). Cut first, a TLS data
            // connection dies under the server's write, and vsftpd then ends the whole
            // session instead of answering the ABOR.
            let mut cancelled_at: Option<Instant> = None;
            while running > 0 {
                match done_rx.recv_timeout(TICK) {
                    Ok(()) => running -= 1,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                if cancelled_at.is_some_and(|t| t.elapsed() >= CALLER_STOP_GRACE) {
                    cancelled_at = None;
                    interrupter.interrupt_transfer();
                }
                if shared.cancel.load(Ordering::SeqCst) {
                    continue;
                }
                if interrupter.requested() {
                    shared.stop(Error::Interrupted);
                    continue;
                }
                if reporter.report(shared.moved.load(Ordering::Relaxed), false).is_break() {
                    shared.stop(Error::Cancelled);
                    cancelled_at = Some(Instant::now());
                    continue;
                }
                if saved_at.elapsed() >= STATE_INTERVAL {
                    saved_at = Instant::now();
                    if let Err(e) = save_state(state, file, size, segments) {
                        // The download ends with this error (`save_error` wins).
                        save_error.get_or_insert(e);
                        shared.stop(Error::Cancelled);
                    }
                }
            }
        });
        let stopped = shared.queue().stop.take();
        let moved = shared.moved.load(Ordering::Relaxed);
        let complete = segments.iter().all(|s| s.left() == 0);
        let result = match (save_error, stopped) {
            (Some(e), _) => Err(e),
            (None, Some(e)) => Err(e),
            (None, None) if !complete => {
                Err(Error::Proto("segments are missing and no session is left to fetch them".into()))
            }
            (None, None) => match reporter.report(moved, true) {
                Flow::Break(()) => Err(Error::Cancelled),
                Flow::Continue(()) => Ok((moved, shared.mtime.lock().unwrap_or_else(|p| p.into_inner()).take())),
            },
        };
        self.progress = sink;
        if result.is_err() {
            // Whatever came is kept for a resume; where even that fails, the error
            // that ended the download is the one to report.
            let _ = save_state(state, file, size, segments);
        }
        result
    }
}

fn set_mtime(file: &File, t: FileTime, shown: &Path) -> Result<()> {
    file.set_modified(system_time(t))
        .map_err(|e| Error::io(format!("set the modification time of {}", shown.display()), e))
}

/// Progress of the whole download, reported from the calling thread.
struct Reporter<'a> {
    sink: Option<&'a mut ProgressSink>,
    interval: Duration,
    started: Instant,
    last: Option<Instant>,
    total: u64,
}

impl Reporter<'_> {
    fn report(&mut self, bytes: u64, last: bool) -> Flow {
        let Some(sink) = self.sink.as_mut() else { return Flow::Continue(()) };
        let now = Instant::now();
        if !last && self.last.is_some_and(|l| now - l < self.interval) {
            return Flow::Continue(());
        }
        self.last = Some(now);
        let elapsed = now - self.started;
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 { bytes as f64 / secs } else { 0.0 };
        sink(&Progress { bytes, total: Some(self.total), elapsed, rate, offset: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_evenly_with_a_floor() {
        let s = split(0, 10 << 20, 4, 1 << 20);
        let bounds: Vec<(u64, u64)> = s.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(bounds, vec![(0, 2621440), (2621440, 5242880), (5242880, 7864320), (7864320, 10485760)]);
        // 3.5 MiB with 1 MiB floors: 3 segments, the last takes the rest.
        let s = split(0, 3_670_016, 8, 1 << 20);
        assert_eq!(s.len(), 3);
        assert_eq!(s[2].end, 3_670_016);
        // What a resume kept is one done segment in front.
        let s = split(100, 1000, 2, 1);
        assert_eq!((s[0].start, s[0].end, s[0].left()), (0, 100, 0));
        assert_eq!((s[1].start, s[2].end), (100, 1000));
    }

    #[test]
    fn the_state_file_round_trips_and_rejects_what_does_not_fit() {
        let dir = std::env::temp_dir().join(format!("libftp-seg-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let state = state_path(&dir.join("f.bin")).unwrap();
        assert_eq!(state, dir.join("f.bin.segments"));
        let part = File::create(dir.join("f.bin.part")).unwrap();
        let segs = split(0, 1000, 3, 1);
        segs[1].done.store(7, Ordering::Release);
        save_state(&state, &part, 1000, &segs).unwrap();
        let back = read_state(&state, 1000).unwrap();
        let rows: Vec<(u64, u64, u64)> =
            back.iter().map(|s| (s.start, s.end, s.done.load(Ordering::Acquire))).collect();
        assert_eq!(rows, vec![(0, 333, 0), (333, 666, 7), (666, 1000, 0)]);
        assert!(read_state(&state, 999).is_none(), "another size: start again");
        std::fs::write(&state, "libftp-segments 1\nsize 1000\n0 500 0\n600 1000 0\n").unwrap();
        assert!(read_state(&state, 1000).is_none(), "a gap");
        std::fs::write(&state, "libftp-segments 1\nsize 1000\n0 1000 1001\n").unwrap();
        assert!(read_state(&state, 1000).is_none(), "more done than the segment holds");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
