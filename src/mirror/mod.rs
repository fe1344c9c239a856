//! Mirroring a directory tree (what Python's Tools/scripts/ftpmirror.py did): download
//! new or changed files, optionally delete what the server no longer has, and the
//! reverse, uploading a local tree. Names from the server are checked so nothing is
//! ever written outside the target directory.

use crate::control::check_line;
use crate::entry::{Entry, EntryType};
use crate::error::{Error, ErrorKind, Result};
use crate::files::{FileOptions, part_path};
use crate::progress::Flow;
use crate::segmented::SessionSource;
use crate::session::Ftp;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsStr;
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, UNIX_EPOCH};

mod workers;
use workers::{Job, Outcome, Product, Shared, Task, Workers, run_chained};

/// What a mirror does with symbolic links the listing shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SymlinkPolicy {
    /// Leave them out (the default).
    #[default]
    Skip,
    /// Transfer what they point to, as a regular file (links to directories are skipped).
    Follow,
}

/// How to mirror.
#[derive(Debug, Clone, Default)]
pub struct MirrorOptions {
    /// Remove what the source no longer has from the copy.
    pub delete: bool,
    /// Say what would be done, change nothing.
    pub dry_run: bool,
    /// Shell patterns (`*`, `?`, `[...]`) of names or relative paths to leave out.
    pub skip: Vec<Vec<u8>>,
    pub symlinks: SymlinkPolicy,
    /// How many sessions transfer at once: 0 and 1 the mirror's own only; N more than
    /// that, N - 1 others besides it (at most MAX_MIRROR_PARALLEL), from the session's
    /// connection parameters or the `SessionSource` given to `mirror_*_with`.
    pub parallel: usize,
}

/// One step of a mirror: a download or upload reported once the file is complete, the
/// other steps before they are done (or instead, in a dry run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorAction {
    /// A file is downloaded (new or changed).
    Get,
    /// A file is uploaded (new or changed).
    Put,
    /// A directory is created.
    MakeDir,
    /// A file or directory the source no longer has is deleted from the copy.
    Delete,
    /// Up to date: same size and modification time.
    Unchanged,
    /// Matched a skip pattern.
    Skipped,
    /// A symbolic link left out (SymlinkPolicy::Skip, or a followed link the server
    /// will not send as a file, one to a directory, or one where the local copy has a
    /// directory, which is kept).
    SkippedLink,
    /// A name from the server that could escape the target (`..`, `/`, `\`, NUL) or
    /// is not a file name at all, a local entry other than a directory (a symbolic
    /// link, say) where the server has a directory, or a local entry another listed
    /// name has (case folded): refused, left as it is.
    Refused,
    /// This entry failed (a file refused or cut short, a directory that cannot be
    /// listed or made, a local error): see `MirrorStats::failures`. The mirror goes on.
    Failed,
}

/// An entry a mirror could not copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorFailure {
    /// Relative to the mirrored directory.
    pub path: Vec<u8>,
    pub kind: ErrorKind,
    /// The server's reply code, when a reply was the failure.
    pub reply_code: Option<u16>,
    pub message: String,
}

/// What a mirror did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorStats {
    pub files_transferred: u64,
    pub bytes_transferred: u64,
    pub unchanged: u64,
    pub deleted: u64,
    pub dirs_created: u64,
    pub skipped: u64,
    pub refused: u64,
    /// Every entry that failed, in the order the failures came.
    pub failures: Vec<MirrorFailure>,
}

/// Receives each step with the path relative to the mirrored directory.
pub type MirrorSink<'a> = dyn FnMut(MirrorAction, &[u8], Option<u64>) -> Flow + 'a;

/// A name that can be used as one path component, or None.
pub(crate) fn safe_name(name: &[u8]) -> Option<&[u8]> {
    let bad = name.is_empty()
        || name == b"."
        || name == b".."
        || name.iter().any(|&b| b == b'/' || b == b'\\' || b == 0 || b == b'\r' || b == b'\n');
    (!bad).then_some(name)
}

/// Shell-style match: `*` any run, `?` one byte, `[abc]`/`[a-z]`/`[!x]` a class.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star_p, mut star_t) = (None, 0);
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star_p = Some(p);
                    star_t = t;
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, len)) = class(&pattern[p..], text[t]) {
                        if matched {
                            p += len;
                            t += 1;
                            continue;
                        }
                    }
                }
                c if c == text[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star_p {
            Some(sp) => {
                p = sp + 1;
                star_t += 1;
                t = star_t;
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A `[...]` class at the start of `pat`: whether `c` matches, and the class's length.
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(1), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pat.len() && (pat[i] != b']' || first) {
        first = false;
        if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
            matched |= (pat[i]..=pat[i + 2]).contains(&c);
            i += 3;
        } else {
            matched |= pat[i] == c;
            i += 1;
        }
    }
    (i < pat.len()).then_some((matched != negate, i + 1))
}

/// The deepest a mirrored tree may go. Deeper is taken for a loop (a server listing a
/// link to a parent as a directory): that directory is a failure and not entered,
/// before the stack or paths give out.
pub const MAX_MIRROR_DEPTH: usize = 100;

/// The longest file name Linux file systems take (NAME_MAX).
const MAX_NAME: usize = 255;

fn check_depth(rel: &[u8]) -> Result<()> {
    let depth = if rel.is_empty() { 0 } else { rel.iter().filter(|&&b| b == b'/').count() + 1 };
    if depth > MAX_MIRROR_DEPTH {
        let path = String::from_utf8_lossy(rel);
        return Err(Error::Proto(format!("{path}: more than {MAX_MIRROR_DEPTH} directories deep (a loop?)")));
    }
    Ok(())
}

fn join(rel: &[u8], name: &[u8]) -> Vec<u8> {
    if rel.is_empty() {
        return name.to_vec();
    }
    let mut v = rel.to_vec();
    v.push(b'/');
    v.extend_from_slice(name);
    v
}

fn local_path(base: &Path, rel: &[u8]) -> PathBuf {
    base.join(OsStr::from_bytes(rel))
}

fn mtime_secs(meta: &std::fs::Metadata) -> Option<i64> {
    meta.modified().ok()?.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let context = format!("{what} {}", path.display());
    move |e| Error::io(context, e)
}

/// Which listed name each local file or directory of one directory belongs to. Where
/// the file system ignores case (vfat, exFAT, casefolded ext4), "README" and "readme"
/// are one local entry: the first name listed keeps it and the others are refused,
/// rather than each overwriting the other on every run. A file with more than one
/// link is left out: hard links (from a dedup tool, say) are names of their own.
#[derive(Default, Clone)]
struct LocalOwners(HashMap<(u64, u64), Vec<u8>>);

impl LocalOwners {
    /// The identity of the entry `meta` describes, where it tells one entry from another
    /// (not for hard-linked files, nor where the file system gives no inode numbers).
    fn key(meta: Option<&Metadata>) -> Option<(u64, u64)> {
        meta.filter(|m| m.ino() != 0 && (m.is_dir() || m.nlink() == 1)).map(|m| (m.dev(), m.ino()))
    }

    /// Whether `name` may use the local entry `meta` describes (claiming it if free).
    fn claim(&mut self, meta: Option<&Metadata>, name: &[u8]) -> bool {
        match Self::key(meta) {
            Some(key) => self.0.entry(key).or_insert_with(|| name.to_vec()) == name,
            None => true,
        }
    }

    /// `claim` for the local entry at `path`, as it is now.
    fn claim_path(&mut self, path: &Path, name: &[u8]) -> bool {
        self.claim(std::fs::symlink_metadata(path).ok().as_ref(), name)
    }

    /// Whether a listed name has the entry `meta` describes (under another spelling).
    fn owned(&self, meta: Option<&Metadata>) -> bool {
        Self::key(meta).is_some_and(|key| self.0.contains_key(&key))
    }
}

/// What two names that may be one local file share: the case-folded name where it is
/// ASCII; one key for every other name, as file systems that fold case may also fold
/// Unicode normal forms (NFC, NFD), which `fold_case` leaves apart.
fn collision_key(name: &[u8]) -> Vec<u8> {
    if name.is_ascii() { fold_case(name) } else { vec![0xff] }
}

/// `name` with its case folded (Unicode lower case for UTF-8, ASCII otherwise): the
/// names a server that ignores case takes for one. Unicode normal forms (NFC, NFD)
/// are not folded.
fn fold_case(name: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(name) {
        Ok(text) => text.to_lowercase().into_bytes(),
        Err(_) => name.to_ascii_lowercase(),
    }
}

/// A local path and what is there now (lstat: a link is not followed).
struct Local {
    path: PathBuf,
    meta: Option<Metadata>,
}

impl Local {
    fn at(path: PathBuf) -> Local {
        let meta = std::fs::symlink_metadata(&path).ok();
        Local { path, meta }
    }
}

/// A transfer in progress: what to report when it ends.
struct Pending {
    rel: Vec<u8>,
    /// Its directory's index in `Run::dirs`.
    dir: usize,
    /// A followed link (a refusal then means a link to a directory: left out).
    link: bool,
    action: MirrorAction,
    size: Option<u64>,
}

/// Deletions a directory's listing called for, done once its transfers all succeeded.
enum Deletion {
    /// Local entries of the directory `rel` that no listed name has.
    Local { rel: Vec<u8>, seen: HashSet<Vec<u8>>, owners: LocalOwners },
    /// Remote files the local tree lacks: (relative path, name).
    Remote(Vec<(Vec<u8>, Vec<u8>)>),
}

#[derive(Default)]
struct DirState {
    /// Transfers of its entries not finished yet.
    outstanding: usize,
    /// One of its entries failed: nothing in it is deleted.
    failed: bool,
    deletion: Option<Deletion>,
}

struct Run<'s, 'c> {
    opts: &'s MirrorOptions,
    sink: &'s mut MirrorSink<'c>,
    stats: MirrorStats,
    /// MLSD "unique" ids of the directories being walked (downloads): a directory
    /// listed with the id of one of them is a loop, not entered.
    walking: Vec<String>,
    local_base: &'s Path,
    /// The remote tree's absolute path (None: a dry run's missing directory).
    base: Option<Vec<u8>>,
    /// A parallel mirror's other sessions; None: transfers run on the mirror's own.
    workers: Option<&'s Workers<'s>>,
    pending: HashMap<usize, Pending>,
    next_id: usize,
    dirs: Vec<DirState>,
    /// Directories whose listing a worker was asked for ahead of the walk: the job.
    listings: HashMap<Vec<u8>, usize>,
    /// The ids of those jobs, and the listings that came back for them.
    listing_ids: HashSet<usize>,
    listed: HashMap<usize, Result<Vec<Entry>>>,
    /// The mirror's own session is still in the base directory, where the mirror's
    /// start (CWD, PWD) left it: the base's listing needs no CWD, a round trip saved.
    at_base: bool,
    /// Without workers: a directory's downloads, by name, run together once its
    /// entries are walked (`flush`), each one's RETR sent ahead of the last one's end.
    deferred: VecDeque<(usize, Vec<u8>, Task)>,
}

/// Errors that end a mirror whichever entry they came from: the caller's cancel or
/// interrupt. (A session that is no longer usable ends it too.)
fn ends_mirror(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Cancelled | ErrorKind::Interrupted)
}

/// A transfer's bytes (a listing moves none that count).
fn moved(result: Result<Product>) -> Result<u64> {
    result.map(|p| match p {
        Product::Moved(n) => n,
        Product::Listed(_) => 0,
    })
}

/// `base` and `rel` joined: a remote path any session can use.
fn remote_path(base: &[u8], rel: &[u8]) -> Vec<u8> {
    let mut dir = base.to_vec();
    if !rel.is_empty() {
        if !dir.ends_with(b"/") {
            dir.push(b'/');
        }
        dir.extend_from_slice(rel);
    }
    dir
}

impl<'s, 'c> Run<'s, 'c> {
    fn new(
        opts: &'s MirrorOptions,
        sink: &'s mut MirrorSink<'c>,
        local_base: &'s Path,
        base: Option<Vec<u8>>,
        workers: Option<&'s Workers<'s>>,
    ) -> Self {
        Run {
            opts,
            sink,
            stats: MirrorStats::default(),
            walking: Vec::new(),
            local_base,
            at_base: base.is_some(),
            base,
            workers,
            pending: HashMap::new(),
            next_id: 0,
            dirs: Vec::new(),
            listings: HashMap::new(),
            listing_ids: HashSet::new(),
            listed: HashMap::new(),
            deferred: VecDeque::new(),
        }
    }

    fn report(&mut self, action: MirrorAction, rel: &[u8], size: Option<u64>) -> Result<()> {
        if (self.sink)(action, rel, size).is_break() { Err(Error::Cancelled) } else { Ok(()) }
    }

    fn skipped(&self, rel: &[u8], name: &[u8]) -> bool {
        self.opts.skip.iter().any(|p| glob_match(p, name) || glob_match(p, rel))
    }

    /// An entry that failed: recorded and reported, and the mirror goes on; unless the
    /// error ends the mirror or left the session unusable, when it is returned.
    fn entry_error(&mut self, ftp: &Ftp, rel: &[u8], err: Error) -> Result<()> {
        if ends_mirror(&err) || !ftp.in_step() {
            return Err(err);
        }
        self.fail(rel, &err)
    }

    fn fail(&mut self, rel: &[u8], err: &Error) -> Result<()> {
        self.stats.failures.push(MirrorFailure {
            path: rel.to_vec(),
            kind: err.kind(),
            reply_code: err.reply().map(|r| r.code),
            message: err.to_string(),
        });
        self.report(MirrorAction::Failed, rel, None)
    }

    fn new_dir(&mut self) -> usize {
        self.dirs.push(DirState::default());
        self.dirs.len() - 1
    }

    /// Runs a transfer: at once on `ftp` (in the entry's directory, so by `name`), or
    /// queued for the workers.
    fn submit(&mut self, ftp: &mut Ftp, pending: Pending, name: &[u8], task: Task) -> Result<()> {
        let id = self.next_id;
        self.next_id += 1;
        self.dirs[pending.dir].outstanding += 1;
        self.pending.insert(id, pending);
        match self.workers {
            Some(w) => {
                w.shared.push(Job { id, task });
                self.poll(ftp)
            }
            None if matches!(task, Task::Get { .. }) => {
                self.deferred.push_back((id, name.to_vec(), task));
                Ok(())
            }
            None => {
                self.flush(ftp)?;
                let result = moved(task.run(ftp, Some(name), None));
                self.finish(ftp, id, result, true)
            }
        }
    }

    /// Runs the downloads `submit` deferred, in order, on the mirror's own session (in
    /// their directory): each one's RETR goes out as the one before ends, which saves
    /// a round trip per file (`Ftp::send_next_ahead`).
    /// Returns the local path and listed name of each file fetched.
    fn flush(&mut self, ftp: &mut Ftp) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let mut fetched = Vec::new();
        while let Some((id, name, task)) = self.deferred.pop_front() {
            let deferred = &self.deferred;
            let upcoming = |progress| {
                let (_, name, task) = deferred.front()?;
                task.ahead_path(Some(name), progress).map(|path| ((), path))
            };
            let result = run_chained(ftp, &task, Some(&name), &mut None, upcoming);
            if let (Ok(_), Task::Get { local, .. }) = (&result, &task) {
                fetched.push((local.clone(), name));
            }
            if let Err(e) = self.finish(ftp, id, moved(result), true) {
                // The mirror ends here: nothing sent ahead is left due on the session.
                self.deferred.clear();
                if ftp.ctrl.ahead().is_some() && ftp.settle_ahead().is_err() {
                    ftp.close();
                }
                return Err(e);
            }
        }
        Ok(fetched)
    }

    /// With workers: asks one to list the directory `rel` ahead of the walk.
    fn prefetch(&mut self, base: &[u8], rel: &[u8]) {
        let Some(w) = self.workers else { return };
        let id = self.next_id;
        self.next_id += 1;
        self.listing_ids.insert(id);
        self.listings.insert(rel.to_vec(), id);
        w.shared.push(Job { id, task: Task::List { remote: remote_path(base, rel) } });
    }

    /// The listing of `rel`: a worker's, if one was asked for it (taken back and done
    /// here if none has started it), else the mirror's own session's.
    fn listing(&mut self, ftp: &mut Ftp, base: &[u8], rel: &[u8]) -> Result<Vec<Entry>> {
        if let (Some(id), Some(w)) = (self.listings.remove(rel), self.workers) {
            loop {
                if let Some(listed) = self.listed.remove(&id) {
                    return listed;
                }
                // Not started yet, or handed back by a worker that got no session.
                if w.shared.take(id).is_some() {
                    self.listing_ids.remove(&id);
                    break;
                }
                match w.results.recv_timeout(Duration::from_millis(50)) {
                    Ok(outcome) => self.outcome(ftp, outcome)?,
                    Err(RecvTimeoutError::Timeout) if ftp.interrupter().requested() => {
                        return Err(Error::Interrupted);
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => {
                        self.listing_ids.remove(&id);
                        break;
                    }
                }
            }
        }
        if rel.is_empty() && std::mem::take(&mut self.at_base) {
            return ftp.list_all(b"");
        }
        self.at_base = false;
        ftp.remote_entries(base, rel)
    }

    /// A transfer ended (`ours`: on the mirror's own session).
    fn finish(&mut self, ftp: &mut Ftp, id: usize, result: Result<u64>, ours: bool) -> Result<()> {
        let Some(p) = self.pending.remove(&id) else { return Ok(()) };
        match result {
            Ok(n) => {
                self.stats.files_transferred += 1;
                self.stats.bytes_transferred += n;
                self.report(p.action, &p.rel, p.size)?;
            }
            // A link the server will not send as a file leads to a directory (or
            // nowhere): left out, as the policy says.
            Err(err) if p.link && err.kind() == ErrorKind::Perm => {
                self.stats.skipped += 1;
                self.report(MirrorAction::SkippedLink, &p.rel, None)?;
            }
            Err(err) => {
                if ends_mirror(&err) || (ours && !ftp.in_step()) {
                    return Err(err);
                }
                self.dirs[p.dir].failed = true;
                self.fail(&p.rel, &err)?;
            }
        }
        self.dirs[p.dir].outstanding -= 1;
        self.settle(ftp, p.dir, false)
    }

    /// Notes what a directory's listing says to delete: done now if its transfers are
    /// over, else when the last one ends; never if one of its entries failed.
    fn plan_deletion(&mut self, ftp: &mut Ftp, dir: usize, deletion: Deletion) -> Result<()> {
        self.dirs[dir].deletion = Some(deletion);
        self.settle(ftp, dir, true)
    }

    /// `here`: the mirror's session is in the directory (a remote name is enough).
    fn settle(&mut self, ftp: &mut Ftp, dir: usize, here: bool) -> Result<()> {
        // With workers listing ahead, the session may be anywhere.
        let here = here && self.workers.is_none();
        let d = &mut self.dirs[dir];
        if d.outstanding > 0 || d.deletion.is_none() {
            return Ok(());
        }
        let deletion = d.deletion.take();
        if d.failed {
            return Ok(());
        }
        match deletion {
            Some(Deletion::Local { rel, seen, owners }) => self.delete_local_extras(ftp, &rel, &seen, &owners),
            Some(Deletion::Remote(names)) => self.delete_remote(ftp, names, here),
            None => Ok(()),
        }
    }

    /// Results the workers have sent so far.
    fn poll(&mut self, ftp: &mut Ftp) -> Result<()> {
        let Some(w) = self.workers else { return Ok(()) };
        while let Ok(outcome) = w.results.try_recv() {
            self.outcome(ftp, outcome)?;
        }
        Ok(())
    }

    fn outcome(&mut self, ftp: &mut Ftp, outcome: Outcome) -> Result<()> {
        match outcome {
            Outcome::Done { id, result } if self.listing_ids.remove(&id) => {
                let entries = result.map(|p| match p {
                    Product::Listed(entries) => entries,
                    Product::Moved(_) => Vec::new(),
                });
                self.listed.insert(id, entries);
                Ok(())
            }
            Outcome::Done { id, result } => self.finish(ftp, id, moved(result), false),
            Outcome::Back(job) => {
                if let Some(w) = self.workers {
                    w.shared.push(job);
                }
                Ok(())
            }
        }
    }

    /// After the walk: the mirror's own session takes queued transfers too, until
    /// every transfer has ended.
    fn drain(&mut self, ftp: &mut Ftp) -> Result<()> {
        let Some(w) = self.workers else { return Ok(()) };
        while !self.pending.is_empty() {
            self.poll(ftp)?;
            if self.pending.is_empty() {
                break;
            }
            if let Some(job) = w.shared.try_pop() {
                // A listing no one needs any more (of a directory then refused) is left.
                if !self.listing_ids.remove(&job.id) {
                    let result = moved(job.task.run(ftp, None, None));
                    self.finish(ftp, job.id, result, true)?;
                }
                continue;
            }
            match w.results.recv_timeout(Duration::from_millis(50)) {
                Ok(outcome) => self.outcome(ftp, outcome)?,
                Err(RecvTimeoutError::Timeout) if ftp.interrupter().requested() => return Err(Error::Interrupted),
                Err(RecvTimeoutError::Timeout) => {}
                // Workers send a job's result before they end: nothing should be left.
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::State("the mirror's workers ended with transfers unfinished".into()));
                }
            }
        }
        Ok(())
    }

    fn delete_local_extras(
        &mut self,
        ftp: &Ftp,
        rel: &[u8],
        seen: &HashSet<Vec<u8>>,
        owners: &LocalOwners,
    ) -> Result<()> {
        let dir = local_path(self.local_base, rel);
        let Ok(read) = std::fs::read_dir(&dir) else { return Ok(()) };
        // An entry a listed name has under another spelling (case folded) is kept.
        let listed_as_other =
            |n: &[u8]| owners.owned(std::fs::symlink_metadata(dir.join(OsStr::from_bytes(n))).ok().as_ref());
        let mut extras: Vec<Vec<u8>> = read
            .filter_map(|d| d.ok())
            .map(|d| d.file_name().as_bytes().to_vec())
            .filter(|n| !seen.contains(n) && !n.ends_with(b".part") && !listed_as_other(n))
            .collect();
        extras.sort();
        for name in extras {
            let path = join(rel, &name);
            if self.skipped(&path, &name) {
                continue;
            }
            self.report(MirrorAction::Delete, &path, None)?;
            if !self.opts.dry_run {
                let p = local_path(self.local_base, &path);
                let is_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
                let r = if is_dir { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
                if let Err(e) = r {
                    self.entry_error(ftp, &path, io("remove", &p)(e))?;
                    continue;
                }
            }
            self.stats.deleted += 1;
        }
        Ok(())
    }

    fn delete_remote(&mut self, ftp: &mut Ftp, names: Vec<(Vec<u8>, Vec<u8>)>, here: bool) -> Result<()> {
        for (path, name) in names {
            self.report(MirrorAction::Delete, &path, None)?;
            if !self.opts.dry_run {
                let target = match (&self.base, here) {
                    (Some(base), false) => remote_path(base, &path),
                    _ => name,
                };
                if let Err(e) = ftp.delete(&target) {
                    self.entry_error(ftp, &path, e)?;
                    continue;
                }
            }
            self.stats.deleted += 1;
        }
        Ok(())
    }
}

impl Ftp {
    /// Mirrors the server's `remote_dir` into `local_dir` (created if missing): new files
    /// and files whose size or modification time differ are downloaded (atomically, then
    /// given the listing's time), directories recursed into, and with `delete` local
    /// entries the server does not have are removed. `sink` hears of each step: of a
    /// download once the file is complete, of the rest before it is done; `Flow::Break`
    /// stops the mirror (an error of kind Cancelled). What fails for one entry (a file
    /// refused or cut short, a directory that cannot be listed or made, a local write
    /// error) is reported as `MirrorAction::Failed`, kept in `MirrorStats::failures`,
    /// and the mirror goes on; nothing is deleted in a directory where an entry failed.
    /// It ends with an error when the session is no longer usable (the connection
    /// lost, a 421), or on a cancel or interrupt. With `opts.parallel` above 1, the
    /// other sessions come from this one's `connect_params` (see
    /// `mirror_download_with`). The working directory is the same afterwards.
    pub fn mirror_download(
        &mut self,
        remote_dir: impl AsRef<[u8]>,
        local_dir: &Path,
        opts: &MirrorOptions,
        sink: &mut MirrorSink<'_>,
    ) -> Result<MirrorStats> {
        match self.connect_params().filter(|_| opts.parallel > 1) {
            Some(params) => self.mirror_download_with(remote_dir, local_dir, opts, sink, &params),
            None => self.mirror_down_on(remote_dir.as_ref(), local_dir, opts, sink, None),
        }
    }

    /// `mirror_download` with up to `opts.parallel - 1` more sessions from `source`
    /// (asked for as work comes; fewer if it gives fewer): they list subdirectories
    /// ahead of the walk and download while this session walks the tree, then it
    /// downloads with them. The sink is called on this thread only. One difference:
    /// on a local file system that ignores case, of two new names that differ only in
    /// case ("README", "readme") the serial mirror fetches the first and refuses the
    /// second, as the first is there by then; in parallel both may be fetched into the
    /// one local file (the last to finish stays). The steps,
    /// results and failures are those of a mirror on one session; only the order of the
    /// steps differs.
    pub fn mirror_download_with(
        &mut self,
        remote_dir: impl AsRef<[u8]>,
        local_dir: &Path,
        opts: &MirrorOptions,
        sink: &mut MirrorSink<'_>,
        source: &dyn SessionSource,
    ) -> Result<MirrorStats> {
        let remote_dir = remote_dir.as_ref();
        with_workers(self, opts.parallel, source, |ftp, workers| {
            ftp.mirror_down_on(remote_dir, local_dir, opts, sink, workers)
        })
    }

    fn mirror_down_on(
        &mut self,
        remote_dir: &[u8],
        local_dir: &Path,
        opts: &MirrorOptions,
        sink: &mut MirrorSink<'_>,
        workers: Option<&Workers<'_>>,
    ) -> Result<MirrorStats> {
        check_line("path", remote_dir)?;
        self.staying_put(|ftp| {
            ftp.cwd(remote_dir)?;
            let base = ftp.pwd_path()?;
            if !opts.dry_run {
                std::fs::create_dir_all(local_dir).map_err(io("create", local_dir))?;
            }
            let mut run = Run::new(opts, sink, local_dir, Some(base.clone()), workers);
            ftp.mirror_down_dir(&base, b"", None, local_dir, &mut run)?;
            run.drain(ftp)?;
            Ok(run.stats)
        })
    }

    fn remote_entries(&mut self, base: &[u8], rel: &[u8]) -> Result<Vec<Entry>> {
        self.cwd(remote_path(base, rel))?;
        self.list_all(b"")
    }

    /// Mirrors the directory `rel`; `id` is the MLSD unique id its parent's listing gave it.
    fn mirror_down_dir(
        &mut self,
        base: &[u8],
        rel: &[u8],
        id: Option<String>,
        local_base: &Path,
        run: &mut Run,
    ) -> Result<()> {
        check_depth(rel)?;
        let entries = match run.listing(self, base, rel) {
            Ok(entries) => entries,
            // A subdirectory that cannot be listed is a failure of its own.
            Err(e) if !rel.is_empty() => return run.entry_error(self, rel, e),
            Err(e) => return Err(e),
        };
        run.poll(self)?;
        let listed: HashSet<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
        // Its own listing's id ("type=cdir;unique=...") where the parent's gave none.
        let here = id.or_else(|| entries.iter().find(|e| e.kind == EntryType::CurrentDir)?.unique.clone());
        let pushed = here.is_some();
        run.walking.extend(here);
        let walked = self.mirror_down_entries(base, rel, &entries, &listed, local_base, run);
        if pushed {
            run.walking.pop();
        }
        walked
    }

    fn mirror_down_entries(
        &mut self,
        base: &[u8],
        rel: &[u8],
        entries: &[Entry],
        listed: &HashSet<&[u8]>,
        local_base: &Path,
        run: &mut Run,
    ) -> Result<()> {
        let dir = run.new_dir();
        // Name lookups are hashed: a directory can hold hundreds of thousands of entries.
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut subdirs = Vec::new();
        // Local entries go to the first name listed for them, before any is written.
        let mut owners = LocalOwners::default();
        for name in entries.iter().filter_map(|e| safe_name(&e.name)) {
            owners.claim_path(&local_path(local_base, &join(rel, name)), name);
        }
        // A LIST line in no known format gives no name for certain (its "name" is the
        // whole line): what the server has is then unknown, and nothing is deleted.
        let mut all_named = true;
        // Without workers: the collision keys of the file names walked since the
        // downloads waiting to run (`Run::flush`) were last fetched.
        let mut waiting: HashSet<Vec<u8>> = HashSet::new();
        for e in entries {
            if matches!(e.kind, EntryType::CurrentDir | EntryType::ParentDir) {
                continue;
            }
            if e.kind == EntryType::Unknown && e.name == e.raw {
                all_named = false;
                continue;
            }
            let Some(name) = safe_name(&e.name) else {
                run.stats.refused += 1;
                run.report(MirrorAction::Refused, &join(rel, &e.name), None)?;
                // Left as it is, as reported: not a local file the server lacks.
                seen.insert(e.name.clone());
                continue;
            };
            let path = join(rel, name);
            if run.skipped(&path, name) {
                run.stats.skipped += 1;
                run.report(MirrorAction::Skipped, &path, e.size)?;
                seen.insert(name.to_vec());
                continue;
            }
            // Every name listed is kept locally, whatever its type: a local file is
            // deleted only when the server lists nothing of that name. A name listed
            // twice is taken once (the first entry wins).
            if !seen.insert(name.to_vec()) {
                continue;
            }
            let file = matches!(e.kind, EntryType::File | EntryType::Link);
            if file && run.workers.is_none() && !waiting.insert(collision_key(name)) {
                // A name here that folds to this one waits to be fetched: fetched
                // first, so that where the file system ignores case this one meets the
                // file it made (and is refused), as when each file came at once.
                for (fetched, owner) in run.flush(self)? {
                    owners.claim_path(&fetched, &owner);
                }
                waiting.clear();
                waiting.insert(collision_key(name));
            }
            let local = Local::at(local_path(local_base, &path));
            if file && !owners.claim(local.meta.as_ref(), name) {
                // Another listed name has this local entry (the file system folds case).
                run.stats.refused += 1;
                run.report(MirrorAction::Refused, &path, None)?;
                continue;
            }
            match e.kind {
                EntryType::Dir => subdirs.push((path, name, e.unique.clone())),
                EntryType::Link if run.opts.symlinks == SymlinkPolicy::Skip => {
                    run.stats.skipped += 1;
                    run.report(MirrorAction::SkippedLink, &path, None)?;
                }
                EntryType::File | EntryType::Link => {
                    let part_listed = listed.contains([name, b".part"].concat().as_slice());
                    if self.mirror_get(base, dir, e, name, &path, &local, part_listed, run)? {
                        // The new file is this name's: another that folds to it is refused.
                        owners.claim_path(&local.path, name);
                    }
                }
                _ => {}
            }
        }
        for (fetched, owner) in run.flush(self)? {
            owners.claim_path(&fetched, &owner);
        }
        if run.opts.delete && all_named {
            run.plan_deletion(self, dir, Deletion::Local { rel: rel.to_vec(), seen, owners: owners.clone() })?;
        }
        if run.workers.is_some() {
            // The subdirectories to be walked are listed by workers meanwhile.
            for (path, _, unique) in &subdirs {
                let walked = check_depth(path).is_ok()
                    && !unique.as_ref().is_some_and(|u| run.walking.contains(u))
                    && std::fs::symlink_metadata(local_path(local_base, path)).map_or(true, |m| m.is_dir());
                if walked {
                    run.prefetch(base, path);
                }
            }
        }
        for (path, name, unique) in subdirs {
            // Too deep: a loop, most likely, which is one entry's failure (the rest of
            // the tree is still mirrored).
            if let Err(e) = check_depth(&path) {
                run.fail(&path, &e)?;
                continue;
            }
            // The server's id for a directory already being walked: a loop (a link
            // shown as a directory, most likely), refused rather than walked again.
            if unique.as_ref().is_some_and(|u| run.walking.contains(u)) {
                run.stats.refused += 1;
                run.report(MirrorAction::Refused, &path, None)?;
                continue;
            }
            let local = local_path(local_base, &path);
            match std::fs::symlink_metadata(&local) {
                Ok(m) if m.is_dir() && owners.claim(Some(&m), name) => {}
                // Anything else where the server has a directory, a symbolic link above
                // all, is neither followed nor replaced: nothing outside the target is
                // written or deleted. So is a directory another listed name has.
                Ok(_) => {
                    run.stats.refused += 1;
                    run.report(MirrorAction::Refused, &path, None)?;
                    continue;
                }
                Err(_) => {
                    run.report(MirrorAction::MakeDir, &path, None)?;
                    if !run.opts.dry_run {
                        if let Err(e) = std::fs::create_dir(&local) {
                            // A name too long for the local file system, say.
                            run.entry_error(self, &path, io("create", &local)(e))?;
                            continue;
                        }
                        owners.claim_path(&local, name);
                    }
                    run.stats.dirs_created += 1;
                }
            }
            self.mirror_down_dir(base, &path, unique, local_base, run)?;
        }
        Ok(())
    }

    /// Mirrors one file; true when its download was started. `part_listed`: the server
    /// also lists "NAME.part".
    #[allow(clippy::too_many_arguments)]
    fn mirror_get(
        &mut self,
        base: &[u8],
        dir: usize,
        e: &Entry,
        name: &[u8],
        rel: &[u8],
        local: &Local,
        part_listed: bool,
        run: &mut Run,
    ) -> Result<bool> {
        let meta = &local.meta;
        // A link's size and time in a listing are the link's own, not its target's: a
        // followed link is fetched every time.
        let link = e.kind == EntryType::Link;
        let (size, modified) = if link { (None, None) } else { (e.size, e.modified) };
        let unchanged = !link
            && meta.as_ref().is_some_and(|m| {
                m.is_file()
                    && size.is_none_or(|s| s == m.len())
                    && modified.is_none_or(|t| mtime_secs(m) == Some(t.secs))
            });
        if unchanged {
            run.stats.unchanged += 1;
            return run.report(MirrorAction::Unchanged, rel, size).map(|()| false);
        }
        if link && meta.as_ref().is_some_and(|m| m.is_dir()) {
            // Most likely the server turned a directory into a link to one: the local
            // tree is kept, as links to directories are left out.
            run.stats.skipped += 1;
            return run.report(MirrorAction::SkippedLink, rel, None).map(|()| false);
        }
        let local_dir = meta.as_ref().is_some_and(|m| m.is_dir());
        if local_dir && !run.opts.delete {
            // A file on the server where a directory is here: the directory goes only
            // when deleting was asked for.
            run.stats.refused += 1;
            return run.report(MirrorAction::Refused, rel, None).map(|()| false);
        }
        if run.opts.dry_run {
            run.stats.files_transferred += 1;
            return run.report(MirrorAction::Get, rel, size).map(|()| false);
        }
        if local_dir {
            if let Err(err) = std::fs::remove_dir_all(&local.path) {
                run.dirs[dir].failed = true;
                return run.entry_error(self, rel, io("remove", &local.path)(err)).map(|()| false);
            }
        }
        // "NAME.part" is the download's own name for NAME: where the server lists that
        // name too, a local directory has it, or NAME is too long to take the suffix,
        // NAME is written in place instead (never through a link found there).
        let atomic = !part_listed
            && name.len() + b".part".len() <= MAX_NAME
            && part_path(&local.path).is_ok_and(|part| !std::fs::symlink_metadata(part).is_ok_and(|m| m.is_dir()));
        // The listing's size is checked, and its time set (so the next run compares like
        // with like: LIST gives minutes), before NAME is replaced.
        let opts = FileOptions { atomic, verify_size: false, ..FileOptions::default() };
        let task = Task::Get { remote: remote_path(base, rel), local: local.path.clone(), opts, size, modified };
        let pending = Pending { rel: rel.to_vec(), dir, link, action: MirrorAction::Get, size };
        run.submit(self, pending, name, task)?;
        Ok(true)
    }

    /// The reverse mirror: uploads `local_dir` into the server's `remote_dir` (created
    /// if missing): new files and files whose size differs (or, where the server gives
    /// times, whose time differs) are uploaded, with their time sent by MFMT where the
    /// server lists it; with `delete`, remote files the local tree lacks are deleted.
    /// Symbolic links follow the same policy as downloads. Failures of one entry, the
    /// sink and parallel sessions are as for `mirror_download`. The working directory
    /// is the same afterwards. A dry run creates nothing, so it takes a missing
    /// `remote_dir` or subdirectory as empty.
    pub fn mirror_upload(
        &mut self,
        local_dir: &Path,
        remote_dir: impl AsRef<[u8]>,
        opts: &MirrorOptions,
        sink: &mut MirrorSink<'_>,
    ) -> Result<MirrorStats> {
        match self.connect_params().filter(|_| opts.parallel > 1) {
            Some(params) => self.mirror_upload_with(local_dir, remote_dir, opts, sink, &params),
            None => self.mirror_up_on(local_dir, remote_dir.as_ref(), opts, sink, None),
        }
    }

    /// `mirror_upload` with up to `opts.parallel - 1` more sessions from `source`, as
    /// `mirror_download_with` does.
    pub fn mirror_upload_with(
        &mut self,
        local_dir: &Path,
        remote_dir: impl AsRef<[u8]>,
        opts: &MirrorOptions,
        sink: &mut MirrorSink<'_>,
        source: &dyn SessionSource,
    ) -> Result<MirrorStats> {
        let remote_dir = remote_dir.as_ref();
        with_workers(self, opts.parallel, source, |ftp, workers| {
            ftp.mirror_up_on(local_dir, remote_dir, opts, sink, workers)
        })
    }

    fn mirror_up_on(
        &mut self,
        local_dir: &Path,
        remote_dir: &[u8],
        opts: &MirrorOptions,
        sink: &mut MirrorSink<'_>,
        workers: Option<&Workers<'_>>,
    ) -> Result<MirrorStats> {
        check_line("path", remote_dir)?;
        if !local_dir.is_dir() {
            return Err(Error::Invalid(format!("{} is not a directory", local_dir.display())));
        }
        if !opts.dry_run {
            self.mkd_all(remote_dir)?;
        }
        self.staying_put(|ftp| {
            let base = match ftp.cwd(remote_dir) {
                Ok(_) => Some(ftp.pwd_path()?),
                // Only a dry run gets here without the directory having been made.
                Err(e) if opts.dry_run && e.kind() == ErrorKind::Perm => None,
                Err(e) => return Err(e),
            };
            let mut run = Run::new(opts, sink, local_dir, base.clone(), workers);
            ftp.mirror_up_dir(base.as_deref(), b"", local_dir, &mut run)?;
            run.drain(ftp)?;
            Ok(run.stats)
        })
    }

    /// `base` is None when the remote tree does not exist yet (a dry run's new directory).
    fn mirror_up_dir(&mut self, base: Option<&[u8]>, rel: &[u8], local_base: &Path, run: &mut Run) -> Result<()> {
        check_depth(rel)?;
        let remote: Vec<Entry> = match base.map(|base| run.listing(self, base, rel)) {
            Some(Ok(entries)) => entries,
            Some(Err(e)) if !rel.is_empty() => return run.entry_error(self, rel, e),
            Some(Err(e)) => return Err(e),
            None => Vec::new(),
        };
        run.poll(self)?;
        let dir = local_path(local_base, rel);
        let mut names: Vec<Vec<u8>> = match std::fs::read_dir(&dir) {
            Ok(read) => read.filter_map(|d| d.ok()).map(|d| d.file_name().as_bytes().to_vec()).collect(),
            Err(e) if !rel.is_empty() => return run.entry_error(self, rel, io("read", &dir)(e)),
            Err(e) => return Err(io("read", &dir)(e)),
        };
        names.sort();
        let index = run.new_dir();
        // The first entry of each name, as a scan would find it; hashed for big directories.
        let mut by_name: HashMap<&[u8], &Entry> = HashMap::with_capacity(remote.len());
        for e in &remote {
            by_name.entry(e.name.as_slice()).or_insert(e);
        }
        let mut subdirs = Vec::new();
        for name in &names {
            let path = join(rel, name);
            if check_line("name", name).is_err() {
                run.stats.refused += 1;
                run.report(MirrorAction::Refused, &path, None)?;
                continue;
            }
            if run.skipped(&path, name) {
                run.stats.skipped += 1;
                run.report(MirrorAction::Skipped, &path, None)?;
                continue;
            }
            let local = local_path(local_base, &path);
            let Ok(lmeta) = std::fs::symlink_metadata(&local) else { continue };
            let meta = if lmeta.file_type().is_symlink() {
                if run.opts.symlinks == SymlinkPolicy::Skip {
                    run.stats.skipped += 1;
                    run.report(MirrorAction::SkippedLink, &path, None)?;
                    continue;
                }
                match std::fs::metadata(&local) {
                    Ok(m) if m.is_file() => m,
                    _ => continue,
                }
            } else {
                lmeta
            };
            let there = by_name.get(name.as_slice()).copied();
            if meta.is_dir() {
                if let Err(e) = check_depth(&path) {
                    run.fail(&path, &e)?;
                    continue;
                }
                let exists = there.is_some_and(|e| e.kind == EntryType::Dir);
                if !exists {
                    run.report(MirrorAction::MakeDir, &path, None)?;
                    // By name in the directory, or (with workers listing ahead, so the
                    // session may be anywhere) by the whole path.
                    let made = match (run.workers, base) {
                        (Some(_), Some(base)) => remote_path(base, &path),
                        _ => name.clone(),
                    };
                    if !run.opts.dry_run {
                        if let Err(e) = self.mkd(&made) {
                            run.dirs[index].failed = true;
                            run.entry_error(self, &path, e)?;
                            continue;
                        }
                    }
                    run.stats.dirs_created += 1;
                }
                subdirs.push((path, exists || !run.opts.dry_run));
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            if there.is_some_and(|e| e.kind == EntryType::Link) {
                // A STOR would go through the server's link, wherever it points.
                run.stats.skipped += 1;
                run.report(MirrorAction::SkippedLink, &path, None)?;
                continue;
            }
            let unchanged = there.is_some_and(|e| {
                e.kind == EntryType::File
                    && e.size == Some(meta.len())
                    && e.modified.is_none_or(|t| !self.has_mfmt_cached() || mtime_secs(&meta) == Some(t.secs))
            });
            if unchanged {
                run.stats.unchanged += 1;
                run.report(MirrorAction::Unchanged, &path, Some(meta.len()))?;
                continue;
            }
            if run.opts.dry_run {
                run.stats.files_transferred += 1;
                run.report(MirrorAction::Put, &path, Some(meta.len()))?;
                continue;
            }
            let remote = remote_path(base.unwrap_or_default(), &path);
            let task = Task::Put { local, remote };
            let pending = Pending {
                rel: path.clone(),
                dir: index,
                link: false,
                action: MirrorAction::Put,
                size: Some(meta.len()),
            };
            run.submit(self, pending, name, task)?;
        }
        if run.opts.delete {
            // A server that ignores case holds a local file under any of its spellings:
            // such a name may be the file just uploaded, so it is kept.
            let folded: HashSet<Vec<u8>> = names.iter().map(|n| fold_case(n)).collect();
            let mut doomed = Vec::new();
            for e in &remote {
                if matches!(e.kind, EntryType::CurrentDir | EntryType::ParentDir)
                    || names.binary_search(&e.name).is_ok()
                    || folded.contains(&fold_case(&e.name))
                    || safe_name(&e.name).is_none()
                {
                    continue;
                }
                let path = join(rel, &e.name);
                if run.skipped(&path, &e.name) || e.kind != EntryType::File {
                    continue;
                }
                doomed.push((path, e.name.clone()));
            }
            run.plan_deletion(self, index, Deletion::Remote(doomed))?;
        }
        if let Some(base) = base.filter(|_| run.workers.is_some()) {
            for (path, exists) in &subdirs {
                if *exists {
                    run.prefetch(base, path);
                }
            }
        }
        for (path, exists) in subdirs {
            self.mirror_up_dir(base.filter(|_| exists), &path, local_base, run)?;
        }
        Ok(())
    }

    /// Whether the server takes MFMT (so remote times can match local ones).
    fn has_mfmt_cached(&self) -> bool {
        self.conn.features.as_ref().is_some_and(|f| f.has("MFMT"))
    }
}

/// The most sessions a parallel mirror uses (more are taken as this many).
pub const MAX_MIRROR_PARALLEL: usize = 64;

/// Runs `f` with `parallel - 1` worker threads taking sessions from `source` (none for
/// 0 or 1); they stop when `f` returns, their transfers interrupted if it failed.
fn with_workers<T>(
    ftp: &mut Ftp,
    parallel: usize,
    source: &dyn SessionSource,
    f: impl FnOnce(&mut Ftp, Option<&Workers<'_>>) -> Result<T>,
) -> Result<T> {
    let parallel = parallel.min(MAX_MIRROR_PARALLEL);
    if parallel <= 1 {
        return f(ftp, None);
    }
    let shared = Shared::default();
    let (tx, results) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 1..parallel {
            let tx = tx.clone();
            let shared = &shared;
            scope.spawn(move || workers::work(shared, source, tx));
        }
        drop(tx);
        let w = Workers { shared: &shared, results };
        let result = f(ftp, Some(&w));
        shared.close(result.is_err());
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*.bin", b"big.bin"));
        assert!(!glob_match(b"*.bin", b"big.txt"));
        assert!(glob_match(b"dir1/*", b"dir1/a.txt"));
        assert!(glob_match(b"?.txt", b"a.txt") && !glob_match(b"?.txt", b"ab.txt"));
        assert!(glob_match(b"[ab].txt", b"b.txt") && !glob_match(b"[!ab].txt", b"b.txt"));
        assert!(glob_match(b"[a-c]*", b"cat") && !glob_match(b"[a-c]*", b"dog"));
        assert!(glob_match(b"*", b"") && glob_match(b"a*b*c", b"aXXbYYc") && !glob_match(b"a*b*c", b"aXXbYY"));
    }

    #[test]
    fn hostile_globs_end_and_stay_in_bounds() {
        // Unclosed and odd classes (curl's CVE-2017-8817 read past such a pattern).
        for p in [&b"["[..], b"[!", b"[a-", b"[]", b"[\\", b"a[", b"*["] {
            let _ = glob_match(p, b"a[");
            let _ = glob_match(p, b"");
        }
        // Many stars against a long near-miss: no recursion, so no stack to exhaust
        // (CVE-2020-8285 was a recursion in curl's wildcard code).
        let pattern = b"*a".repeat(2000);
        assert!(!glob_match(&pattern, &b"a".repeat(1999)));
    }

    #[test]
    fn only_plain_names_are_safe() {
        for bad in [&b""[..], b".", b"..", b"../x", b"a/b", b"a\\b", b"a\0b", b"/etc"] {
            assert!(safe_name(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
        for good in [&b"a"[..], b"...", b"with space", b"caf\xc3\xa9", b".hidden"] {
            assert!(safe_name(good).is_some());
        }
    }
}
